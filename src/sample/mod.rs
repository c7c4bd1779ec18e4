//! Own random variates and elementary functions, with the same bits on every CPU.
//!
//! The engine's variates were drawn with rand_distr (`StandardNormal`, `ChiSquared`) and its
//! levels computed with `f64::exp`, both of which end in the platform's libm: glibc picks its
//! `exp` implementation by CPU (with and without fused multiply-add), so the same seed could
//! give different last bits on different machines, and a SIMD kernel could not reproduce a
//! scalar call at all. Everything here is built from IEEE `+ - * /`, comparisons, conversions
//! and bit operations (and, once per [`ChiSquared::new`], the correctly rounded `sqrt`), so the
//! result depends only on the input bits:
//!
//! - [`exp`], [`ln`] and their lane versions [`exp_lanes`], [`ln_lanes`] (within 1 ulp);
//! - [`uniform`] (exactly `rng.random::<f64>()` of rand 0.10) and [`open01`] (exactly rand's
//!   `Open01`);
//! - [`normal`]: rand_distr 0.6's ziggurat `StandardNormal`, step for step, with own `exp`/`ln`;
//! - [`ChiSquared`]: rand_distr 0.6's `ChiSquared` for df > 2 (Marsaglia–Tsang gamma);
//! - [`powu`] (`x^n` for an integer `n`, correctly rounded but within `n · 2^-100`) and
//!   [`Binomial`]: rand_distr 0.6's `Binomial` (BINV, BTPE, its Poisson and constant cases)
//!   with own `powu`, `ln` and `exp`;
//! - lockstep pieces for a batch of paths, one generator per lane: [`normal_lanes`],
//!   [`normal_fast_lanes`] and [`normal_from`]; and with the lanes' generators in
//!   structure-of-arrays form ([`XoshiroLanes`]) and the operations of an instruction set
//!   ([`simd::Isa`]: plain loops or AVX2), [`normals`] and [`uniforms`].
//!
//! Where own `exp`/`ln` give the platform's bits, every draw equals rand_distr's; the tests
//! measure how rarely they do not. The draw functions neither allocate nor do I/O.
//! docs/MODEL.md ("Random variates and elementary functions") describes each algorithm.

mod binomial;
#[cfg(test)]
mod binomial_tests;
mod exp_table;
mod lanes;
mod math;
mod pow;
pub mod simd;
#[cfg(test)]
mod tests;
mod ziggurat_tables;

use std::fmt;

use rand::Rng;

pub use binomial::{Binomial, BinomialError, BinomialLanes};
pub use lanes::{LaneRng, XoshiroLanes};
pub use math::{exp, exp_lanes, ln, ln_lanes};
pub use pow::powu;
pub use simd::{Isa, Portable};
use ziggurat_tables::{ZIG_NORM_F, ZIG_NORM_R, ZIG_NORM_X};

/// A uniform `f64` in `[0, 1)`: the 53 high bits of one `u64`, times 2^-53. Exactly
/// `rng.random::<f64>()` of rand 0.10 (its `StandardUniform`).
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform `f64` in `(0, 1)`: the 52 high bits of one `u64` as the mantissa of a number in
/// `[1, 2)`, minus `1 - 2^-53`. Exactly rand 0.10's `Open01` (which rand_distr's gamma and the
/// ziggurat's tail use).
#[inline]
pub fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let fraction = rng.next_u64() >> 12;
    f64::from_bits(fraction | (1023u64 << 52)) - (1.0 - f64::EPSILON / 2.0)
}

/// The ziggurat's first step from one `u64`: the box `i` (the low 8 bits), `u` in `[-1, 1)`
/// (the high 52 bits as the mantissa of a number in `[2, 4)`, minus 3) and the candidate
/// `x = u * X[i]`, as rand_distr 0.6 takes them.
#[inline(always)]
fn candidate(bits: u64) -> (usize, f64, f64) {
    let i = (bits & 0xff) as usize;
    let u = f64::from_bits((bits >> 12) | (1024u64 << 52)) - 3.0;
    (i, u, u * ZIG_NORM_X[i])
}

/// The rest of a ziggurat step whose candidate missed the fast test: the tail for the base box,
/// else the wedge test. `None`: rejected, start again with a new `u64`.
#[cold]
#[inline(never)]
fn slow_step<R: Rng + ?Sized>(rng: &mut R, i: usize, u: f64, x: f64) -> Option<f64> {
    if i == 0 {
        return Some(tail(rng, u));
    }
    // f(x_{i+1}) + U (f(x_i) - f(x_{i+1})) < f(x), f(x) = exp(-x^2/2) as rand_distr writes it.
    let f1 = ZIG_NORM_F[i + 1];
    (f1 + (ZIG_NORM_F[i] - f1) * uniform(rng) < simd::exp_fast(-x * x / 2.0)).then_some(x)
}

/// Marsaglia's tail beyond `R`: `x = ln(U1) / R`, `y = ln(U2)` (two `Open01`) until
/// `-2y >= x^2`; the sign is the sign of the step's `u`.
fn tail<R: Rng + ?Sized>(rng: &mut R, u: f64) -> f64 {
    let mut x = 1.0f64;
    let mut y = 0.0f64;
    while -2.0 * y < x * x {
        let x_ = open01(rng);
        let y_ = open01(rng);
        x = ln(x_) / ZIG_NORM_R;
        y = ln(y_);
    }
    if u < 0.0 {
        x - ZIG_NORM_R
    } else {
        ZIG_NORM_R - x
    }
}

/// A standard normal variate: rand_distr 0.6's ziggurat `StandardNormal` (Doornik's ZIGNOR,
/// 256 boxes, the same tables) with own [`exp`] and [`ln`]. Consumes one `u64` per step and
/// accepts on the first with probability 0.988; a wedge test takes one more `u64`, the tail two
/// per attempt.
#[inline]
pub fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let bits = rng.next_u64();
    normal_from(rng, bits)
}

/// [`normal`] whose first `u64` has already been drawn from `rng` (as `bits`): what a lockstep
/// batch calls for a lane that missed [`normal_fast_lanes`]'s test. The result is exactly
/// what `normal(rng)` would have returned had it drawn `bits` itself.
#[inline]
pub fn normal_from<R: Rng + ?Sized>(rng: &mut R, bits: u64) -> f64 {
    let mut bits = bits;
    loop {
        let (i, u, x) = candidate(bits);
        if x.abs() < ZIG_NORM_X[i + 1] {
            return x;
        }
        if let Some(z) = slow_step(rng, i, u, x) {
            return z;
        }
        bits = rng.next_u64();
    }
}

/// The ziggurat's fast test for `L` lanes at once: for each lane's `u64`, the candidate `x`
/// and whether it is accepted (then `x` is the lane's variate, as [`normal`] would return it).
/// Table gathers and compares only, no branch.
#[inline]
#[must_use]
pub fn normal_fast_lanes<const L: usize>(bits: &[u64; L]) -> ([f64; L], [bool; L]) {
    let mut x = [0.0; L];
    let mut ok = [false; L];
    for ((x, ok), &b) in x.iter_mut().zip(ok.iter_mut()).zip(bits) {
        let (i, _, c) = candidate(b);
        *x = c;
        *ok = c.abs() < ZIG_NORM_X[i + 1];
    }
    (x, ok)
}

/// One standard normal per lane, lane `l` drawn from `rngs[l]`: every lane takes its `u64`
/// and the fast test together, and the lanes that miss (about 1.2% each) finish on their own
/// generator. Lane `l`'s sequence of results is exactly that of [`normal`] on `rngs[l]`.
#[inline]
pub fn normal_lanes<R: Rng, const L: usize>(rngs: &mut [R; L]) -> [f64; L] {
    let mut bits = [0u64; L];
    for (b, rng) in bits.iter_mut().zip(rngs.iter_mut()) {
        *b = rng.next_u64();
    }
    let (mut x, ok) = normal_fast_lanes(&bits);
    for l in 0..L {
        if !ok[l] {
            x[l] = normal_from(&mut rngs[l], bits[l]);
        }
    }
    x
}

/// One standard normal per lane of `g`, with the lane operations of `isa`: every lane's
/// `u64` and the fast test together, and the lanes that miss finish on their own generator
/// ([`XoshiroLanes::lane`]). Lane `l`'s sequence of results is exactly that of [`normal`] on
/// lane `l`'s generator alone, for every `isa`.
#[inline(always)]
pub fn normals<I: Isa, const L: usize>(isa: I, g: &mut XoshiroLanes<L>) -> [f64; L] {
    let bits = isa.next_u64(g);
    let (mut x, mut miss) = isa.normal_fast(&bits);
    while miss != 0 {
        let l = miss.trailing_zeros() as usize;
        miss &= miss - 1;
        x[l] = normal_from(&mut g.lane(l), bits[l]);
    }
    x
}

/// One [`uniform`] per lane of `g`, with the lane operations of `isa`: lane `l` gets exactly
/// what `uniform` would draw from lane `l`'s generator.
#[inline(always)]
pub fn uniforms<I: Isa, const L: usize>(isa: I, g: &mut XoshiroLanes<L>) -> [f64; L] {
    let bits = isa.next_u64(g);
    isa.uniform(&bits)
}

/// The degrees of freedom [`ChiSquared::new`] refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DegreesOfFreedomError(pub f64);

impl fmt::Display for DegreesOfFreedomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "degrees of freedom must be finite and greater than 2, got {}",
            self.0
        )
    }
}

impl std::error::Error for DegreesOfFreedomError {}

/// The chi-square distribution with `df > 2` degrees of freedom: a gamma variate of shape
/// `df / 2 > 1` and scale 2 by Marsaglia and Tsang's method, step for step as rand_distr 0.6's
/// `ChiSquared` (its `Gamma` for shape > 1), with [`normal`], [`open01`] and own [`ln`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquared {
    /// The degrees of freedom.
    df: f64,
    /// `shape - 1/3`.
    d: f64,
    /// `1 / sqrt(9 d)`.
    c: f64,
}

impl ChiSquared {
    /// The distribution with `df` degrees of freedom.
    ///
    /// # Errors
    /// `df` not finite or not greater than 2 (the model's range; at `df = 2` rand_distr switches
    /// to an exponential sampler, below to another gamma method).
    pub fn new(df: f64) -> Result<Self, DegreesOfFreedomError> {
        if !(df > 2.0 && df.is_finite()) {
            return Err(DegreesOfFreedomError(df));
        }
        let shape = 0.5 * df;
        let d = shape - 1.0 / 3.0;
        Ok(Self {
            df,
            d,
            c: 1.0 / (9.0 * d).sqrt(),
        })
    }

    /// The degrees of freedom.
    #[must_use]
    pub fn df(&self) -> f64 {
        self.df
    }

    /// One variate: repeat { z = normal; v = (1 + c z)^3 if 1 + c z > 0; U = Open01; accept if
    /// `U < 1 - 0.0331 z^4` or `ln U < z^2/2 + d (1 - v + ln v)` }, then `v d 2`.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = normal(rng);
        self.sample_from(rng, x)
    }

    /// [`ChiSquared::sample`] whose first normal `x` has already been drawn from `rng`.
    #[inline]
    fn sample_from<R: Rng + ?Sized>(&self, rng: &mut R, x: f64) -> f64 {
        let mut x = x;
        loop {
            let v_cbrt = 1.0 + self.c * x;
            // Not `> 0.0`: as rand_distr, only a value at most 0 is skipped.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            if !(v_cbrt <= 0.0) {
                let v = v_cbrt * v_cbrt * v_cbrt;
                let u = open01(rng);
                if self.accepts(x, v, u) {
                    return v * (self.d * 2.0);
                }
            }
            x = normal(rng);
        }
    }

    /// Marsaglia and Tsang's acceptance of a candidate: the squeeze `U < 1 - 0.0331 z^4`, else
    /// `ln U < z^2/2 + d (1 - v + ln v)`.
    #[inline(always)]
    fn accepts(&self, x: f64, v: f64, u: f64) -> bool {
        let x_sqr = x * x;
        u < 1.0 - 0.0331 * x_sqr * x_sqr || ln(u) < 0.5 * x_sqr + self.d * (1.0 - v + ln(v))
    }

    /// One variate per lane of `g`, lane `l`'s sequence exactly that of [`ChiSquared::sample`]
    /// on lane `l`'s generator: the first attempt in lockstep (the normals, as [`normals`],
    /// the uniforms and the squeeze test with the lane operations of `isa`), and a lane whose
    /// attempt fails the squeeze takes the logarithmic test on its own, and when rejected
    /// continues on its own generator. When some lane's `1 + c z` is not positive (it then
    /// draws no uniform), every lane finishes on its own.
    #[inline(always)]
    pub fn sample_lanes<I: Isa, const L: usize>(
        &self,
        isa: I,
        g: &mut XoshiroLanes<L>,
    ) -> [f64; L] {
        let x = normals(isa, g);
        let v_cbrt = isa.add(&[1.0; L], &isa.scale(self.c, &x));
        if isa.le_mask(&v_cbrt, 0.0) != 0 {
            let mut out = [0.0; L];
            for l in 0..L {
                out[l] = self.sample_from(&mut g.lane(l), x[l]);
            }
            return out;
        }
        let bits = isa.next_u64(g);
        let u = isa.open01(&bits);
        // `accepts`, operation for operation: v = v_cbrt^3, the squeeze
        // `u < 1 - 0.0331 x^4`, and for the lanes that fail it the logarithms.
        let v = isa.mul(&isa.mul(&v_cbrt, &v_cbrt), &v_cbrt);
        let x_sqr = isa.mul(&x, &x);
        let squeeze = isa.sub(&[1.0; L], &isa.mul(&isa.scale(0.0331, &x_sqr), &x_sqr));
        let mut out = isa.mul(&v, &[self.d * 2.0; L]);
        let mut rest = !isa.lt_mask(&u, &squeeze) & lane_mask::<L>();
        while rest != 0 {
            let l = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if !(ln(u[l]) < 0.5 * x_sqr[l] + self.d * (1.0 - v[l] + ln(v[l]))) {
                out[l] = self.sample(&mut g.lane(l));
            }
        }
        out
    }
}

/// The bit mask of all `L` lanes (bit `l` for lane `l`; the lane masks of [`Isa`] are `u32`,
/// so `L` is at most 32).
#[inline(always)]
#[must_use]
pub const fn lane_mask<const L: usize>() -> u32 {
    const { assert!(L <= 32, "lane masks are u32: at most 32 lanes") };
    if L == 32 { u32::MAX } else { (1u32 << L) - 1 }
}
