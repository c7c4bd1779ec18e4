//! The binomial distribution, step for step as rand_distr 0.6's `Binomial`, with own `pow`,
//! `ln` and `exp`.
//!
//! rand_distr 0.6 chooses a method in `Binomial::new` (a constant for `p = 0` or `1`; with
//! `p' = min(p, 1 - p)`, Knuth's Poisson method when `1 - p'` rounds to 1, inversion (BINV)
//! when `n p' < 10`, else Kachitvichyanukul and Schmeiser's BTPE) and takes the same uniforms in
//! the same order as this module. The only differences are the elementary functions: its
//! `q.powf(n)` (BINV's probability of zero successes), `ln` (BTPE's tails, squeeze and final
//! test) and `exp` (the Poisson case) come from the platform's libm, which glibc chooses by CPU;
//! here they are [`powu`], [`ln`] and [`exp`], so a draw depends only on the generator and the
//! inputs. BTPE's constants, which rand_distr computes at every draw, are computed once in
//! [`Binomial::new`] with the same operations. docs/MODEL.md ("Random variates and elementary
//! functions") describes the methods.

// The negated comparisons are rand_distr's: they decide where a NaN goes.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::cmp::Ordering;
use std::fmt;

use rand::Rng;
use rand::distr::{Distribution, Uniform};

use super::{exp, ln, powu, uniform};

/// Why [`Binomial::new`] refused a probability (rand_distr 0.6's two cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinomialError {
    /// `p < 0` or NaN.
    ProbabilityTooSmall,
    /// `p > 1`.
    ProbabilityTooLarge,
}

impl fmt::Display for BinomialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ProbabilityTooSmall => "p < 0 or is NaN in binomial distribution",
            Self::ProbabilityTooLarge => "p > 1 in binomial distribution",
        })
    }
}

impl std::error::Error for BinomialError {}

/// `Binomial(n, p)`: the number of successes in `n` independent trials of probability `p`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Binomial {
    method: Method,
}

/// The method [`Binomial::new`] chose; the flag says that the draw is `n` minus one of
/// `Binomial(n, 1 - p)`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    Binv(Binv, bool),
    Btpe(Btpe, bool),
    /// Knuth's Poisson method with `exp(-n p)`.
    Poisson(f64),
    Constant(u64),
}

/// Inversion: `r = q^n` (the probability of 0), `s = p / q`, `a = (n + 1) s`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Binv {
    r: f64,
    s: f64,
    a: f64,
    n: u64,
}

/// BTPE's constants, named as in rand_distr (and the paper).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Btpe {
    n: u64,
    p: f64,
    q: f64,
    npq: f64,
    /// The mode.
    m: u64,
    p1: f64,
    x_m: f64,
    x_l: f64,
    x_r: f64,
    c: f64,
    p2: f64,
    p3: f64,
    lambda_l: f64,
    lambda_r: f64,
    /// `s = p / q` and `a = s (n + 1)` of the recursion for f(y).
    s: f64,
    a: f64,
    gen_u: Uniform<f64>,
    gen_v: Uniform<f64>,
}

/// rand_distr's threshold of `n p` below which BINV is used.
const BINV_THRESHOLD: f64 = 10.0;
/// BINV starts again beyond this many successes (as GSL and rand_distr).
const BINV_MAX_X: u64 = 110;
/// BTPE evaluates f(y) by recursion when `|y - m|` is at most this.
const SQUEEZE_THRESHOLD: u64 = 20;

/// `x as u64`, panicking where rand_distr's `f64_to_u64` does (never for a valid draw).
#[inline(always)]
fn f64_to_u64(x: f64) -> u64 {
    assert!(x >= 0.0 && x < (u64::MAX as f64));
    x as u64
}

impl Binomial {
    /// The distribution of `n` trials of probability `p`.
    ///
    /// # Errors
    /// `p` below 0 or NaN ([`BinomialError::ProbabilityTooSmall`]), above 1
    /// ([`BinomialError::ProbabilityTooLarge`]), as rand_distr.
    pub fn new(n: u64, p: f64) -> Result<Self, BinomialError> {
        if !(p >= 0.0) {
            return Err(BinomialError::ProbabilityTooSmall);
        }
        if !(p <= 1.0) {
            return Err(BinomialError::ProbabilityTooLarge);
        }
        if p == 0.0 {
            return Ok(Self {
                method: Method::Constant(0),
            });
        }
        if p == 1.0 {
            return Ok(Self {
                method: Method::Constant(n),
            });
        }
        let flipped = p > 0.5;
        let p = if flipped { 1.0 - p } else { p };
        let np = n as f64 * p;
        let method = if np < BINV_THRESHOLD {
            let q = 1.0 - p;
            if q == 1.0 {
                // p below 2^-53: Poisson(n p) (not flipped, p was at most 1/2).
                Method::Poisson(exp(-np))
            } else {
                let s = p / q;
                // rand_distr's `q.powf(n as f64)`: the exponent is `n` as a double (n < 2^57
                // here, since p > 2^-54, so the conversion back is exact).
                let r = binv_r(q, (n as f64) as u64);
                Method::Binv(
                    Binv {
                        r,
                        s,
                        a: (n as f64 + 1.0) * s,
                        n,
                    },
                    flipped,
                )
            }
        } else {
            Method::Btpe(Btpe::new(n, p, np), flipped)
        };
        Ok(Self { method })
    }

    /// [`Binomial::new`] for the probabilities of `L` lanes and one `n`: lane by lane the same
    /// distribution (and error), drawn with [`BinomialLanes::sample`]. The arithmetic of BINV's
    /// set-up, the usual case (`n p < 10`), is done for all lanes together so that it
    /// vectorizes; the other cases are set up lane by lane as in [`Binomial::new`].
    #[inline]
    pub fn new_lanes<const L: usize>(n: u64, p: &[f64; L]) -> BinomialLanes<L> {
        // The same operations as `new`, on every lane (a lane that does not use BINV ignores them).
        let flipped: [bool; L] = std::array::from_fn(|l| p[l] > 0.5);
        let pf: [f64; L] = std::array::from_fn(|l| if flipped[l] { 1.0 - p[l] } else { p[l] });
        let q: [f64; L] = std::array::from_fn(|l| 1.0 - pf[l]);
        let s: [f64; L] = std::array::from_fn(|l| pf[l] / q[l]);
        let a: [f64; L] = std::array::from_fn(|l| (n as f64 + 1.0) * s[l]);
        let r = binv_r_lanes(&q, (n as f64) as u64);
        let binv = std::array::from_fn(|l| {
            p[l] > 0.0 && p[l] < 1.0 && n as f64 * pf[l] < BINV_THRESHOLD && q[l] != 1.0
        });
        BinomialLanes {
            n,
            p: *p,
            binv,
            flipped,
            r,
            s,
            a,
        }
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self.method {
            Method::Binv(b, flipped) => b.sample(flipped, rng),
            Method::Btpe(b, flipped) => b.sample(flipped, rng),
            Method::Poisson(exp_lambda) => poisson(exp_lambda, rng),
            Method::Constant(c) => c,
        }
    }
}

/// `Binomial(n, p_l)` for the lanes `l` of a batch ([`Binomial::new_lanes`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinomialLanes<const L: usize> {
    n: u64,
    p: [f64; L],
    /// Whether the lane uses BINV with the constants below.
    binv: [bool; L],
    flipped: [bool; L],
    r: [f64; L],
    s: [f64; L],
    a: [f64; L],
}

impl<const L: usize> BinomialLanes<L> {
    /// Lane `l`'s BINV constants (for a lane that uses BINV).
    #[inline(always)]
    fn binv_of(&self, l: usize) -> Binv {
        Binv {
            r: self.r[l],
            s: self.s[l],
            a: self.a[l],
            n: self.n,
        }
    }

    /// Lane `l`'s distribution, as [`Binomial::new`] makes it.
    ///
    /// # Errors
    /// As [`Binomial::new`] for the lane's probability.
    #[inline]
    pub fn lane(&self, l: usize) -> Result<Binomial, BinomialError> {
        if self.binv[l] {
            Ok(Binomial {
                method: Method::Binv(self.binv_of(l), self.flipped[l]),
            })
        } else {
            Binomial::new(self.n, self.p[l])
        }
    }

    /// One draw for lane `l` from `rng`, exactly [`Binomial::sample`] of its distribution.
    ///
    /// # Errors
    /// As [`Binomial::new`] for the lane's probability.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, l: usize, rng: &mut R) -> Result<u64, BinomialError> {
        if self.binv[l] {
            Ok(self.binv_of(l).sample(self.flipped[l], rng))
        } else {
            Binomial::new(self.n, self.p[l]).map(|d| d.sample(rng))
        }
    }
}

/// Knuth's method: multiply uniforms until the product is at most `exp(-lambda)`; the number of
/// factors minus one (in `f64` and converted, as rand_distr's `KnuthMethod` and the cast).
fn poisson<R: Rng + ?Sized>(exp_lambda: f64, rng: &mut R) -> u64 {
    let mut result = 1.0f64;
    let mut p = uniform(rng);
    while p > exp_lambda {
        p *= uniform(rng);
        result += 1.0;
    }
    (result - 1.0) as u64
}

impl Binv {
    /// Inversion from the mode 0: one uniform `u`, subtract `f(0), f(1), ...` until `u` is
    /// at most the next; start again past [`BINV_MAX_X`].
    #[inline]
    fn sample<R: Rng + ?Sized>(self, flipped: bool, rng: &mut R) -> u64 {
        let sample = 'outer: loop {
            let mut r = self.r;
            let mut u = uniform(rng);
            let mut x = 0;
            while u > r {
                u -= r;
                x += 1;
                if x > BINV_MAX_X {
                    continue 'outer;
                }
                r *= self.a / (x as f64) - self.s;
            }
            break x;
        };
        if flipped { self.n - sample } else { sample }
    }
}

/// rand_distr's `lambda`: `a (1 + a/2)`.
fn lambda(a: f64) -> f64 {
    a * (1. + 0.5 * a)
}

/// The Stirling correction term of BTPE's final test.
fn stirling(a: f64) -> f64 {
    let a2 = a * a;
    (13860. - (462. - (132. - (99. - 140. / a2) / a2) / a2) / a2) / a / 166320.
}

impl Btpe {
    /// The constants of rand_distr's `Binomial::new` and of its step 0, in its operations.
    fn new(n: u64, p: f64, np: f64) -> Self {
        let q = 1.0 - p;
        let npq = np * q;
        let p1 = (2.195 * npq.sqrt() - 4.6 * q).floor() + 0.5;
        let f_m = np + p;
        let m = f64_to_u64(f_m);
        let x_m = (m as f64) + 0.5;
        let x_l = x_m - p1;
        let x_r = x_m + p1;
        let c = 0.134 + 20.5 / (15.3 + (m as f64));
        let p2 = p1 * (1. + 2. * c);
        let lambda_l = lambda((f_m - x_l) / (f_m - x_l * p));
        let lambda_r = lambda((x_r - f_m) / (x_r * q));
        let p3 = p2 + c / lambda_l;
        let p4 = p3 + c / lambda_r;
        let s = p / q;
        Self {
            n,
            p,
            q,
            npq,
            m,
            p1,
            x_m,
            x_l,
            x_r,
            c,
            p2,
            p3,
            lambda_l,
            lambda_r,
            s,
            a: s * (n as f64 + 1.),
            // p4 > p1 >= 1/2 (n p q >= 5): rand_distr unwraps the same two.
            gen_u: Uniform::new(0., p4).expect("p4 is positive and finite"),
            gen_v: Uniform::new(0., 1.).expect("[0, 1) is a range"),
        }
    }

    /// rand_distr 0.6's `btpe` from its step 1, with own [`ln`].
    #[allow(clippy::many_single_char_names)] // Same names as in the reference.
    fn sample<R: Rng + ?Sized>(&self, flipped: bool, rng: &mut R) -> u64 {
        let (n, m, p1, npq) = (self.n, self.m, self.p1, self.npq);
        let mut y: u64;
        loop {
            // Step 1: the region; region 1 is the triangle.
            let u = self.gen_u.sample(rng);
            let mut v = self.gen_v.sample(rng);
            if !(u > p1) {
                y = f64_to_u64(self.x_m - p1 * v + u);
                break;
            }
            if !(u > self.p2) {
                // Step 2: the parallelograms.
                let x = self.x_l + (u - p1) / self.c;
                v = v * self.c + 1.0 - (x - self.x_m).abs() / p1;
                if v > 1. {
                    continue;
                }
                y = f64_to_u64(x);
            } else if !(u > self.p3) {
                // Step 3: the left exponential tail.
                let y_tmp = self.x_l + ln(v) / self.lambda_l;
                if y_tmp < 0.0 {
                    continue;
                }
                y = f64_to_u64(y_tmp);
                v *= (u - self.p2) * self.lambda_l;
            } else {
                // Step 4: the right exponential tail (`as` saturates).
                y = (self.x_r - ln(v) / self.lambda_r) as u64;
                if y > n {
                    continue;
                }
                v *= (u - self.p3) * self.lambda_r;
            }
            // Step 5.0: recursion near the mode, else the squeeze.
            let k = y.abs_diff(m);
            if !(k > SQUEEZE_THRESHOLD && (k as f64) < 0.5 * npq - 1.) {
                // Step 5.1: f(y) / f(m) by the recurrence from the mode.
                let (s, a) = (self.s, self.a);
                let mut f = 1.0;
                match m.cmp(&y) {
                    Ordering::Less => {
                        let mut i = m;
                        loop {
                            i += 1;
                            f *= a / (i as f64) - s;
                            if i == y {
                                break;
                            }
                        }
                    }
                    Ordering::Greater => {
                        let mut i = y;
                        loop {
                            i += 1;
                            f /= a / (i as f64) - s;
                            if i == m {
                                break;
                            }
                        }
                    }
                    Ordering::Equal => {}
                }
                if v > f {
                    continue;
                }
                break;
            }
            // Step 5.2: the squeeze on ln v.
            let k = k as f64;
            let rho = (k / npq) * ((k * (k / 3. + 0.625) + 1. / 6.) / npq + 0.5);
            let t = -0.5 * k * k / npq;
            let alpha = ln(v);
            if alpha < t - rho {
                break;
            }
            if alpha > t + rho {
                continue;
            }
            // Step 5.3: the final test (GSL's signs, as rand_distr).
            let x1 = (y + 1) as f64;
            let f1 = (m + 1) as f64;
            let z = ((n - m) + 1) as f64;
            let w = ((n - y) + 1) as f64;
            let y_sub_m = if y > m {
                (y - m) as f64
            } else {
                -((m - y) as f64)
            };
            if alpha
                > self.x_m * ln(f1 / x1)
                    + (((n - m) as f64) + 0.5) * ln(z / w)
                    + y_sub_m * ln(w * self.p / (x1 * self.q))
                    + stirling(f1)
                    + stirling(z)
                    - stirling(x1)
                    - stirling(w)
            {
                continue;
            }
            break;
        }
        if flipped { n - y } else { y }
    }
}

/// [`binv_r`] for `L` lanes and one `n`: the same operations on each lane.
#[inline]
fn binv_r_lanes<const L: usize>(q: &[f64; L], n: u64) -> [f64; L] {
    if n > PLAIN_POWER_MAX {
        return std::array::from_fn(|l| powu(q[l], n));
    }
    let mut r = [1.0; L];
    let mut base = *q;
    let mut k = n;
    while k > 0 {
        if k & 1 == 1 {
            for l in 0..L {
                r[l] *= base[l];
            }
        }
        k >>= 1;
        if k > 0 {
            for l in 0..L {
                base[l] *= base[l];
            }
        }
    }
    r
}

/// Trial counts up to which BINV's `q^n` is powered in plain double precision.
const PLAIN_POWER_MAX: u64 = 128;

/// BINV's `r = q^n` for `q` in `[1/2, 1)`: for `n` up to [`PLAIN_POWER_MAX`] by binary powering
/// in plain double precision (at most 2 log2 n roundings, amplified by the later squarings to a
/// relative error below `n · 2^-53`, under 1.5e-14: a few ulp, which moves a draw only when the
/// uniform falls that close to a boundary of the inverse CDF), about 30 instructions instead of
/// [`powu`]'s several hundred; beyond, [`powu`] (correctly rounded). Both are the same bits on
/// every IEEE-754 machine.
#[inline]
pub(super) fn binv_r(q: f64, n: u64) -> f64 {
    if n > PLAIN_POWER_MAX {
        return powu(q, n);
    }
    let mut r = 1.0;
    let mut base = q;
    let mut k = n;
    while k > 0 {
        if k & 1 == 1 {
            r *= base;
        }
        k >>= 1;
        if k > 0 {
            base *= base;
        }
    }
    r
}
