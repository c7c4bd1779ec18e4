//! The lane operations of a batch, for each instruction set: [`Portable`] (plain lane loops,
//! which the compiler vectorizes as it can; the reference, and what other architectures run)
//! and, on x86-64, [`Sse2`] (explicit 128-bit intrinsics, two lanes per instruction: the
//! baseline kernel, since every x86-64 CPU has SSE2) and [`Avx2`] (explicit 256-bit
//! intrinsics, four lanes per instruction, chosen at run time). A batched kernel is generic
//! over [`Isa`] and is handed the one to run ([`Baseline`] or, where the CPU has it, AVX2);
//! all give the same bits in every lane, because each operation is the same IEEE operation
//! in the same order (no fused multiply-add, no sums across lanes), with the scalar code's
//! selects written as vector compares and blends (SSE2: and/andnot/or).
//!
//! What has a vector form: the generators' step ([`Isa::next_u64`]), the ziggurat's fast test
//! ([`Isa::normal_fast`]), [`Isa::exp`] (Tang's method with table entries gathered, or on
//! SSE2 loaded lane by lane) and [`Isa::uniform`], and the lane arithmetic `+ - *` ([`Lanes`],
//! for the kernel's sector step). Widths that are not a multiple of the vector width run
//! their last lanes with the portable code.

use super::lanes::XoshiroLanes;

#[cfg(test)]
mod tests;

/// The lane operations of one instruction set (see the module documentation).
pub trait Isa: Copy {
    /// The next `u64` of every lane's generator (exactly rand_xoshiro's per lane).
    fn next_u64<const L: usize>(self, g: &mut XoshiroLanes<L>) -> [u64; L];
    /// The ziggurat's fast test on every lane's `u64`: the candidates and a bit mask of the
    /// lanes that missed it (bit `l` set: lane `l` must finish with [`super::normal_from`]).
    fn normal_fast<const L: usize>(self, bits: &[u64; L]) -> ([f64; L], u32);
    /// [`super::exp`] of every lane.
    fn exp<const L: usize>(self, x: &[f64; L]) -> [f64; L];
    /// [`super::uniform`] of every lane's `u64`: the 53 high bits times 2^-53.
    fn uniform<const L: usize>(self, bits: &[u64; L]) -> [f64; L];
    /// [`super::open01`] of every lane's `u64`: its 52 high bits as the mantissa of a number
    /// in `[1, 2)`, minus `1 - 2^-53`.
    fn open01<const L: usize>(self, bits: &[u64; L]) -> [f64; L];
    /// `a[l] + b[l]` per lane.
    fn add<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L];
    /// `a[l] - b[l]` per lane.
    fn sub<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L];
    /// `a[l] * b[l]` per lane.
    fn mul<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L];
    /// `a * b[l]` per lane.
    fn scale<const L: usize>(self, a: f64, b: &[f64; L]) -> [f64; L];
    /// `a[l] / b[l]` per lane.
    fn div<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L];
    /// `a[l].sqrt()` per lane (IEEE, correctly rounded).
    fn sqrt<const L: usize>(self, a: &[f64; L]) -> [f64; L];
    /// `if a[l] < 0.0 { neg } else { other }` per lane (a NaN takes `other`).
    fn pick_negative<const L: usize>(self, a: &[f64; L], neg: f64, other: f64) -> [f64; L];
    /// A bit mask of the lanes where `a[l] < b[l]` (bit `l`; false where either is NaN).
    /// `L` is at most 32.
    fn lt_mask<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> u32;
    /// A bit mask of the lanes where `a[l] <= b` (bit `l`; false where `a[l]` is NaN).
    fn le_mask<const L: usize>(self, a: &[f64; L], b: f64) -> u32;
    /// A bit mask of the lanes whose value is not zero (bit `l`).
    fn nonzero_mask<const L: usize>(self, a: &[u32; L]) -> u32;
    /// A bit mask of the lanes where `a[l] == 0.0` (either sign; bit `l`).
    fn zero_mask<const L: usize>(self, a: &[f64; L]) -> u32;
    /// Whether every lane of `a` is finite (neither infinite nor NaN).
    fn all_finite<const L: usize>(self, a: &[f64; L]) -> bool;

    /// `out.len()` standard normals per lane into `out` (draw `j` of lane `l` at `out[j][l]`):
    /// lane `l`'s sequence is exactly that of [`super::normal`] on lane `l`'s generator, as
    /// `out.len()` calls of [`super::normals`] give it. The AVX2 form keeps the generators'
    /// state in registers from one draw to the next.
    #[inline(always)]
    fn normals_into<const L: usize>(self, g: &mut XoshiroLanes<L>, out: &mut [[f64; L]]) {
        for o in out {
            *o = super::normals(self, g);
        }
    }

    /// `p.len()` uniforms per lane (the words of as many [`super::uniforms`], in order), each
    /// compared with its probabilities: for `j` with `compare(j)`, `out[j]` is the mask of the
    /// lanes whose uniform is below `p[j][l]` (bit `l`); for the others the word is drawn and
    /// `out[j]` is 0. `out.len()` is `p.len()`. The AVX2 form keeps the generators' state in
    /// registers from one draw to the next.
    #[inline(always)]
    fn uniforms_below<const L: usize>(
        self,
        g: &mut XoshiroLanes<L>,
        p: &[[f64; L]],
        compare: impl Fn(usize) -> bool,
        out: &mut [u32],
    ) {
        assert_eq!(p.len(), out.len(), "one mask per uniform");
        for (j, (p, o)) in p.iter().zip(out.iter_mut()).enumerate() {
            let bits = self.next_u64(g);
            *o = if compare(j) {
                self.lt_mask(&self.uniform(&bits), p)
            } else {
                0
            };
        }
    }

    /// The draws of [`Isa::normals_into`] of `n` normals per lane, without their values: the
    /// generators move on exactly as there.
    #[inline(always)]
    fn skip_normals<const L: usize>(self, g: &mut XoshiroLanes<L>, n: usize) {
        for _ in 0..n {
            super::normals(self, g);
        }
    }

    /// `x` as a lane array of this instruction set, for arithmetic with operators.
    #[inline(always)]
    fn lanes<const L: usize>(self, x: &[f64; L]) -> Lanes<Self, L> {
        Lanes { isa: self, v: *x }
    }
}

/// A lane array whose `+`, `-` and `*` (with another lane array, or a scalar on the left) are
/// the lane operations of `I`: `ar * isa.lanes(d) + isa.lanes(e)` is, lane by lane, the IEEE
/// expression `ar * d[l] + e[l]`, evaluated in the same order (Rust's precedence and left
/// associativity), with no fused multiply-add.
#[derive(Debug, Clone, Copy)]
pub struct Lanes<I, const L: usize> {
    isa: I,
    v: [f64; L],
}

impl<I: Isa, const L: usize> Lanes<I, L> {
    /// The values.
    #[inline(always)]
    #[must_use]
    pub fn get(self) -> [f64; L] {
        self.v
    }
}

macro_rules! lane_op {
    ($trait:ident, $method:ident, $op:ident) => {
        impl<I: Isa, const L: usize> std::ops::$trait for Lanes<I, L> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: Self) -> Self {
                Lanes {
                    isa: self.isa,
                    v: self.isa.$op(&self.v, &rhs.v),
                }
            }
        }
    };
}
lane_op!(Add, add, add);
lane_op!(Sub, sub, sub);
lane_op!(Mul, mul, mul);

impl<I: Isa, const L: usize> std::ops::Mul<Lanes<I, L>> for f64 {
    type Output = Lanes<I, L>;
    #[inline(always)]
    fn mul(self, rhs: Lanes<I, L>) -> Lanes<I, L> {
        Lanes {
            isa: rhs.isa,
            v: rhs.isa.scale(self, &rhs.v),
        }
    }
}

/// Plain lane loops (any CPU).
#[derive(Debug, Clone, Copy, Default)]
pub struct Portable;

impl Isa for Portable {
    #[inline(always)]
    fn next_u64<const L: usize>(self, g: &mut XoshiroLanes<L>) -> [u64; L] {
        g.next_u64()
    }

    #[inline(always)]
    fn normal_fast<const L: usize>(self, bits: &[u64; L]) -> ([f64; L], u32) {
        let (x, ok) = super::normal_fast_lanes(bits);
        let mut miss = 0u32;
        for (l, &ok) in ok.iter().enumerate() {
            miss |= u32::from(!ok) << l;
        }
        (x, miss)
    }

    #[inline(always)]
    fn exp<const L: usize>(self, x: &[f64; L]) -> [f64; L] {
        // As the AVX2 form: when every lane is below 512 in magnitude (and none is NaN) the
        // clamps, scalings and selects of the straight-line `exp` pick nothing.
        if x.iter().all(|v| v.abs() < 512.0) {
            std::array::from_fn(|l| exp_small(x[l]))
        } else {
            super::exp_lanes(x)
        }
    }

    #[inline(always)]
    fn uniform<const L: usize>(self, bits: &[u64; L]) -> [f64; L] {
        std::array::from_fn(|l| uniform_bits(bits[l]))
    }

    #[inline(always)]
    fn open01<const L: usize>(self, bits: &[u64; L]) -> [f64; L] {
        std::array::from_fn(|l| open01_bits(bits[l]))
    }

    #[inline(always)]
    fn add<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
        std::array::from_fn(|l| a[l] + b[l])
    }

    #[inline(always)]
    fn sub<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
        std::array::from_fn(|l| a[l] - b[l])
    }

    #[inline(always)]
    fn mul<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
        std::array::from_fn(|l| a[l] * b[l])
    }

    #[inline(always)]
    fn scale<const L: usize>(self, a: f64, b: &[f64; L]) -> [f64; L] {
        std::array::from_fn(|l| a * b[l])
    }

    #[inline(always)]
    fn div<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
        std::array::from_fn(|l| a[l] / b[l])
    }

    #[inline(always)]
    fn sqrt<const L: usize>(self, a: &[f64; L]) -> [f64; L] {
        std::array::from_fn(|l| a[l].sqrt())
    }

    #[inline(always)]
    fn pick_negative<const L: usize>(self, a: &[f64; L], neg: f64, other: f64) -> [f64; L] {
        std::array::from_fn(|l| if a[l] < 0.0 { neg } else { other })
    }

    #[inline(always)]
    fn lt_mask<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> u32 {
        let mut m = 0u32;
        for l in 0..L {
            m |= u32::from(a[l] < b[l]) << l;
        }
        m
    }

    #[inline(always)]
    fn le_mask<const L: usize>(self, a: &[f64; L], b: f64) -> u32 {
        let mut m = 0u32;
        for l in 0..L {
            m |= u32::from(a[l] <= b) << l;
        }
        m
    }

    #[inline(always)]
    fn nonzero_mask<const L: usize>(self, a: &[u32; L]) -> u32 {
        let mut m = 0u32;
        for l in 0..L {
            m |= u32::from(a[l] != 0) << l;
        }
        m
    }

    #[inline(always)]
    fn zero_mask<const L: usize>(self, a: &[f64; L]) -> u32 {
        let mut m = 0u32;
        for l in 0..L {
            m |= u32::from(a[l] == 0.0) << l;
        }
        m
    }

    #[inline(always)]
    fn all_finite<const L: usize>(self, a: &[f64; L]) -> bool {
        a.iter().all(|x| x.is_finite())
    }
}

/// [`super::exp`] of an `x` with `|x| < 512`: the reduction, table and polynomial of the
/// straight-line `exp` and its result `s + s p` there (where its clamps do not clamp, `2^e S_i`
/// is a normal double, the final factor is 1 and `x` is not NaN), operation for operation.
#[inline(always)]
pub(super) fn exp_small(x: f64) -> f64 {
    let (sbits, tmp) = super::math::exp_reduce(x);
    let s = f64::from_bits(sbits);
    s + s * tmp
}

/// [`super::exp`], with the short form of [`exp_small`] where it applies.
#[inline(always)]
pub(super) fn exp_fast(x: f64) -> f64 {
    if x.abs() < 512.0 {
        exp_small(x)
    } else {
        super::exp(x)
    }
}

/// [`super::uniform`] of one `u64`.
#[inline(always)]
pub(super) fn uniform_bits(b: u64) -> f64 {
    (b >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// [`super::open01`] of one `u64`.
#[inline(always)]
pub(super) fn open01_bits(b: u64) -> f64 {
    f64::from_bits((b >> 12) | (1023u64 << 52)) - (1.0 - f64::EPSILON / 2.0)
}

/// `impl Isa for $isa`, each method calling the function of the same name in
/// the module where it is invoked (functions compiled with that instruction
/// set's `#[target_feature]`). Each such call is sound only where the CPU has
/// the instruction set: the invoking module states why it does (a value of
/// `$isa` exists only on such a CPU).
macro_rules! isa_of_module_functions {
    ($isa:ty) => {
        impl Isa for $isa {
            #[inline(always)]
            fn next_u64<const L: usize>(self, g: &mut XoshiroLanes<L>) -> [u64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { next_u64(g) }
            }

            #[inline(always)]
            fn normal_fast<const L: usize>(self, bits: &[u64; L]) -> ([f64; L], u32) {
                // SAFETY: see the macro's documentation.
                unsafe { normal_fast(bits) }
            }

            #[inline(always)]
            fn exp<const L: usize>(self, x: &[f64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { exp(x) }
            }

            #[inline(always)]
            fn uniform<const L: usize>(self, bits: &[u64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { uniform(bits) }
            }

            #[inline(always)]
            fn open01<const L: usize>(self, bits: &[u64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { open01(bits) }
            }

            #[inline(always)]
            fn add<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { add(a, b) }
            }

            #[inline(always)]
            fn sub<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { sub(a, b) }
            }

            #[inline(always)]
            fn mul<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { mul(a, b) }
            }

            #[inline(always)]
            fn scale<const L: usize>(self, a: f64, b: &[f64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { scale(a, b) }
            }

            #[inline(always)]
            fn div<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { div(a, b) }
            }

            #[inline(always)]
            fn sqrt<const L: usize>(self, a: &[f64; L]) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { sqrt(a) }
            }

            #[inline(always)]
            fn pick_negative<const L: usize>(self, a: &[f64; L], neg: f64, other: f64) -> [f64; L] {
                // SAFETY: see the macro's documentation.
                unsafe { pick_negative(a, neg, other) }
            }

            #[inline(always)]
            fn lt_mask<const L: usize>(self, a: &[f64; L], b: &[f64; L]) -> u32 {
                // SAFETY: see the macro's documentation.
                unsafe { lt_mask(a, b) }
            }

            #[inline(always)]
            fn le_mask<const L: usize>(self, a: &[f64; L], b: f64) -> u32 {
                // SAFETY: see the macro's documentation.
                unsafe { le_mask(a, b) }
            }

            #[inline(always)]
            fn nonzero_mask<const L: usize>(self, a: &[u32; L]) -> u32 {
                // SAFETY: see the macro's documentation.
                unsafe { nonzero_mask(a) }
            }

            #[inline(always)]
            fn zero_mask<const L: usize>(self, a: &[f64; L]) -> u32 {
                // SAFETY: see the macro's documentation.
                unsafe { zero_mask(a) }
            }

            #[inline(always)]
            fn all_finite<const L: usize>(self, a: &[f64; L]) -> bool {
                // SAFETY: see the macro's documentation.
                unsafe { all_finite(a) }
            }

            #[inline(always)]
            fn normals_into<const L: usize>(self, g: &mut XoshiroLanes<L>, out: &mut [[f64; L]]) {
                let n = out.len();
                // SAFETY: see the macro's documentation.
                unsafe { normals_each::<L, true>(g, out, n) }
            }

            #[inline(always)]
            fn uniforms_below<const L: usize>(
                self,
                g: &mut XoshiroLanes<L>,
                p: &[[f64; L]],
                compare: impl Fn(usize) -> bool,
                out: &mut [u32],
            ) {
                // SAFETY: see the macro's documentation.
                unsafe { uniforms_below(g, p, compare, out) }
            }

            #[inline(always)]
            fn skip_normals<const L: usize>(self, g: &mut XoshiroLanes<L>, n: usize) {
                // SAFETY: see the macro's documentation.
                unsafe { normals_each::<L, false>(g, &mut [], n) }
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
use isa_of_module_functions;

#[cfg(target_arch = "x86_64")]
pub use avx2::Avx2;

/// AVX2 on other architectures: never available ([`Avx2::new`] is `None`).
#[cfg(not(target_arch = "x86_64"))]
#[derive(Debug, Clone, Copy)]
pub struct Avx2(());

#[cfg(not(target_arch = "x86_64"))]
impl Avx2 {
    /// `None`: not an x86-64 CPU.
    #[must_use]
    pub fn new() -> Option<Self> {
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2;

#[cfg(target_arch = "x86_64")]
pub use sse2::Sse2;

/// The lane operations every CPU of the target has: [`Sse2`] on x86-64, [`Portable`]
/// elsewhere (what the baseline kernel runs).
#[cfg(target_arch = "x86_64")]
pub type Baseline = Sse2;

/// The lane operations every CPU of the target has: [`Sse2`] on x86-64, [`Portable`]
/// elsewhere (what the baseline kernel runs).
#[cfg(not(target_arch = "x86_64"))]
pub type Baseline = Portable;

#[cfg(target_arch = "x86_64")]
mod sse2;
