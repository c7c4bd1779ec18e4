//! `exp` and `ln` from IEEE `+ - * /`, comparisons, conversions and bit operations only.
//!
//! `exp` is Tang's table method (as in the exp of current glibc, musl and Arm's optimized
//! routines, written anew here with its own generated table and Taylor coefficients): a
//! reduction by `ln2/128` in two parts, a 128-entry table of `2^(i/128)` and a degree-5
//! polynomial, about 0.52 ulp at worst. `ln` is fdlibm's (Sun Microsystems, 1993; also FreeBSD's
//! `e_log.c` and the older musl): a reduction to a mantissa in `[sqrt(2)/2, sqrt(2))` and a
//! minimax polynomial in `s = f / (2 + f)`, below 1 ulp. The special cases that libm code handles
//! with early returns are folded into selects on the finished value, so one straight-line
//! function serves a scalar call and every lane of [`exp_lanes`]/[`ln_lanes`], which therefore
//! give the scalar bits per lane, whatever the SIMD width LLVM picks. No fused multiply-add is
//! used (Rust never contracts `a * b + c`), so the same bits come out on every CPU.
//!
//! Accuracy is measured against the platform's `f64::exp`/`f64::ln` (glibc, itself within
//! 0.52 ulp of the exact value) on 16 million random arguments each spanning the whole domain
//! (the tests print the figures; docs/MODEL.md, "Random variates and elementary functions",
//! quotes them).

// fdlibm's ln constants, written in full as fdlibm prints them (the hex words in the comments).
#![allow(clippy::excessive_precision, clippy::unreadable_literal)]

use super::exp_table::EXP_TAB;

/// `ln 2` rounded to 32 bits of mantissa (0x3fe62e42_fee00000): `k * LN2_HI` is exact (ln).
const LN2_HI: f64 = 6.93147180369123816490e-01;
/// `ln 2 - LN2_HI` (0x3dea39ef_35793c76).
const LN2_LO: f64 = 1.90821492927058770002e-10;
// exp (generated with the table, see exp_table.rs): 128 / ln2, ln2 / 128 in a 36-bit part and
// the rest, the rounding shift 1.5 * 2^52, and the Taylor coefficients 1/2, 1/6, 1/24, 1/120.
pub(super) const EXP_INV_LN2_N: f64 = 184.6649652337873; // 0x1.71547652b82fep+7
pub(super) const EXP_NEG_LN2_HI_N: f64 = -0.005415212348111709; // -0x1.62e42fefa0000p-8
pub(super) const EXP_NEG_LN2_LO_N: f64 = -1.2864023111638346e-14; // -0x1.cf79abc9e3b3ap-47
pub(super) const EXP_SHIFT: f64 = 6755399441055744.0; // 0x1.8p52
pub(super) const EXP_C2: f64 = 0.5;
pub(super) const EXP_C3: f64 = 0.16666666666666666; // 0x1.5555555555555p-3
pub(super) const EXP_C4: f64 = 0.041666666666666664; // 0x1.5555555555555p-5
pub(super) const EXP_C5: f64 = 0.008333333333333333; // 0x1.1111111111111p-7
pub(super) const TWO_1009: f64 = 5.486124068793689e303; // 2^1009
pub(super) const TWO_M1022: f64 = f64::MIN_POSITIVE; // 2^-1022
// ln: the Remez polynomial for (ln(1+f) - 2s) / s, s = f / (2 + f), in s^2, error < 2^-58.45.
const LG1: f64 = 6.666666666666735130e-01; // 0x3fe55555_55555593
const LG2: f64 = 3.999999999940941908e-01; // 0x3fd99999_9997fa04
const LG3: f64 = 2.857142874366239149e-01; // 0x3fd24924_94229359
const LG4: f64 = 2.222219843214978396e-01; // 0x3fcc71c5_1d8e78af
const LG5: f64 = 1.818357216161805012e-01; // 0x3fc74664_96cb03de
const LG6: f64 = 1.531383769920937332e-01; // 0x3fc39a09_d078c69f
const LG7: f64 = 1.479819860511658591e-01; // 0x3fc2f112_df3e5244
/// 2^54, to scale a subnormal argument of `ln` into the normal range.
const TWO54: f64 = 1.80143985094819840000e+16;

/// The straight-line `exp` shared by [`exp`] and [`exp_lanes`]: Tang's table method.
///
/// `x = (128 e + i) ln2/128 + r` with `|r| <= ln2/256` (Cody–Waite: `k ln2/128` in two parts,
/// the first short enough that `k * EXP_LN2_HI` is exact); `e^x = 2^e S_i (1 + t_i) e^r`, computed as
/// The reduction, table lookup and polynomial of [`exp_one`] for a clamped `x`: the bits of
/// `2^e S_i` (before any rescaling) and `p`, with `e^x = s + s p` where `s` is a normal double.
/// k = round(x 128 / ln2) by the 1.5 * 2^52 shift: its low bits are k.
#[inline(always)]
pub(super) fn exp_reduce(x: f64) -> (u64, f64) {
    let z = EXP_INV_LN2_N * x;
    let kd = z + EXP_SHIFT;
    let ki = kd.to_bits();
    let kd = kd - EXP_SHIFT;
    let r = x + kd * EXP_NEG_LN2_HI_N + kd * EXP_NEG_LN2_LO_N;
    let idx = 2 * (ki % 128) as usize;
    let top = ki << 45;
    let tail = f64::from_bits(EXP_TAB[idx]);
    let sbits = EXP_TAB[idx + 1].wrapping_add(top);
    let r2 = r * r;
    let tmp = tail + r + r2 * (EXP_C2 + r * EXP_C3) + r2 * r2 * (EXP_C4 + r * EXP_C5);
    (sbits, tmp)
}

/// `s + s * (t_i + r + r^2/2 + r^3/6 + r^4/24 + r^5/120)` with `s = 2^e S_i` built from bits (the
/// Taylor remainder is below 2^-60 on this interval). Results that are not normal doubles
/// (|x| >= 512, where `2^e` may leave the exponent range) are scaled in two steps, with the
/// subnormal case rounded once.
#[inline(always)]
fn exp_one(x: f64) -> f64 {
    // Clamp so that k stays in range (the clamped ends still overflow to inf and underflow to
    // 0 by themselves); a NaN passes through and is selected at the end.
    let xc = if x > 710.0 { 710.0 } else { x };
    let xc = if xc < -746.0 { -746.0 } else { xc };
    let (sbits, tmp) = exp_reduce(xc);
    // |x| < 512: s = 2^e S_i is a normal double and e^x = s + s p. Beyond, s is formed
    // 2^1009 times too small (x >= 512) or 2^1022 times too large (x <= -512) and the sum
    // scaled back by one multiplication (an overflow rounds to inf there). In the second case
    // y < 1 means a subnormal result, so y is first rounded to the precision it will have
    // (one rounding, not two).
    let big = xc >= 512.0;
    let small = xc <= -512.0;
    let adjust: u64 = if big {
        0u64.wrapping_sub(1009u64 << 52)
    } else {
        0
    };
    let adjust: u64 = if small { 1022u64 << 52 } else { adjust };
    let s = f64::from_bits(sbits.wrapping_add(adjust));
    let y = s + s * tmp;
    let lo = s - y + s * tmp;
    let hi = 1.0 + y;
    let lo = 1.0 - hi + y + lo;
    let yr = (hi + lo) - 1.0;
    let yr = if yr == 0.0 { 0.0 } else { yr };
    let y = if small && y < 1.0 { yr } else { y };
    let factor = if big { TWO_1009 } else { 1.0 };
    let factor = if small { TWO_M1022 } else { factor };
    let e = factor * y;
    #[allow(clippy::eq_op)]
    if x != x { x + x } else { e }
}

/// The straight-line `ln` shared by [`ln`] and [`ln_lanes`].
#[inline(always)]
fn ln_one(x: f64) -> f64 {
    // Subnormals (and, harmlessly, zero and negatives, selected away below) are scaled by 2^54.
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * TWO54 } else { x };
    let k0: i32 = if sub { -54 } else { 0 };
    let bits = xs.to_bits();
    let hx = (bits >> 32) as u32 as i32;
    let lx = bits & 0xffff_ffff;
    let hm = hx & 0x000f_ffff;
    // Normalise the mantissa to [sqrt(2)/2, sqrt(2)): i = 0x100000 when it is above sqrt(2).
    let i = hm.wrapping_add(0x95f64) & 0x0010_0000;
    let xn = f64::from_bits(((((hm | (i ^ 0x3ff0_0000)) as u32) as u64) << 32) | lx);
    let k = k0
        .wrapping_add((hx >> 20).wrapping_sub(1023))
        .wrapping_add(i >> 20);
    let f = xn - 1.0;
    let s = f / (2.0 + f);
    let dk = k as f64;
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    // fdlibm's two final forms (the one with hfsq = f^2/2 for mantissas away from 1), both
    // computed and one selected. With k = 0 these are bit for bit fdlibm's k = 0 forms.
    let j = hm.wrapping_sub(0x6147a) | 0x6b851i32.wrapping_sub(hm);
    let hfsq = 0.5 * f * f;
    let a = dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
    let b = dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
    let y = if j > 0 { a } else { b };
    let y = if x == 0.0 { f64::NEG_INFINITY } else { y };
    let y = if x < 0.0 { f64::NAN } else { y };
    // +inf and NaN: x + x (a NaN stays NaN, quieted).
    if x == f64::INFINITY || x.is_nan() {
        x + x
    } else {
        y
    }
}

/// `e^x`, within 1 ulp of the correctly rounded result (measured: at most 1 ulp from glibc's
/// `exp` on 16 million arguments spanning [-746, 710], see docs/MODEL.md); `exp(±0) = 1`, `exp(inf) = inf`,
/// `exp(-inf) = 0`, `exp(NaN) = NaN`, `inf` above 709.782712893384, `0` below
/// -745.1332191019411. The same bits on every IEEE-754 machine and in every lane of
/// [`exp_lanes`].
#[inline]
#[must_use]
pub fn exp(x: f64) -> f64 {
    exp_one(x)
}

/// `ln x`, within 1 ulp of the correctly rounded result (measured: at most 1 ulp from glibc's
/// `log` on 16 million arguments spanning every positive double, subnormals included);
/// `ln(±0) = -inf`, `ln(x < 0) = NaN`, `ln(inf) = inf`, `ln(NaN) = NaN`. The same bits on
/// every IEEE-754 machine and in every lane of [`ln_lanes`].
#[inline]
#[must_use]
pub fn ln(x: f64) -> f64 {
    ln_one(x)
}

/// [`exp`] of each lane: branch-free (selects only), so LLVM may vectorize it; lane `l` of the
/// result has exactly the bits of `exp(x[l])`.
#[inline]
#[must_use]
pub fn exp_lanes<const L: usize>(x: &[f64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for (o, &v) in out.iter_mut().zip(x) {
        *o = exp_one(v);
    }
    out
}

/// [`ln`] of each lane: branch-free (selects only), so LLVM may vectorize it; lane `l` of the
/// result has exactly the bits of `ln(x[l])`.
#[inline]
#[must_use]
pub fn ln_lanes<const L: usize>(x: &[f64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for (o, &v) in out.iter_mut().zip(x) {
        *o = ln_one(v);
    }
    out
}
