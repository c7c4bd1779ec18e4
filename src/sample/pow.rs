//! `x^n` for an integer `n` from IEEE `+ - * /`, comparisons and bit operations only.
//!
//! Binary powering (left to right: square, and multiply by the base where `n` has a one bit) in
//! double-double arithmetic: the running power is an unevaluated sum `h + l` with `|l| <= ulp(h)/2`,
//! and each product is formed exactly by Dekker's product (Veltkamp's split into 26-bit halves, no
//! fused multiply-add) before the terms below 2^-104 of it are dropped. A step loses at most about
//! 3·2^-104 of the value, and an error made when the exponent is `k` is raised to the power `n/k`
//! by the steps that follow, so the unrounded result is within about `n · 2^-100` of `x^n`
//! (relative): below 2^-68 for every `n < 2^32`, where the rounded result is the correctly
//! rounded `x^n` unless that lies within 2^-15 of an ulp of a halfway point. The tests measure it
//! against exact integer arithmetic. The base is scaled to a mantissa in `[1, 2)` and the power
//! rescaled by exact powers of two when it passes 2^300, so the exponent range limits nothing;
//! only a result below 2^-1022 (subnormal) is rounded twice (within 1 ulp).

/// 2^27 + 1: Veltkamp's splitting constant for doubles.
const SPLIT: f64 = 134_217_729.0;
/// The running power is rescaled when its high part exceeds this (2^300).
const RESCALE: f64 = 2.037_035_976_334_486e90;

/// `a = hi + lo` with `hi` the top 26 bits of `a` and `lo` the rest (exact; `|a| < 2^996`).
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    let c = SPLIT * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// The rounding error of `p = a * b` (so `a * b = p + e` exactly), from the splits of `a`
/// and `b` (Dekker; exact unless a partial product underflows).
#[inline(always)]
fn prod_err(p: f64, (ah, al): (f64, f64), (bh, bl): (f64, f64)) -> f64 {
    ((ah * bh - p) + ah * bl + al * bh) + al * bl
}

/// `(s, t)` with `s = fl(a + b)` and `s + t = a + b` exactly, for `|a| >= |b|`.
#[inline(always)]
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// `2^k` for `-1022 <= k <= 1023`, from its bits.
#[inline(always)]
fn two_to(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `v · 2^e` with one rounding: `v` is at least 1 and below 2^302, so the first step (at most
/// 2^±1000) is exact and only the last one that changes the value rounds.
#[inline]
fn scale(v: f64, e: i128) -> f64 {
    if (-1000..=700).contains(&e) {
        // The usual case: one exact product (v 2^e stays a normal double).
        return v * two_to(e as i32);
    }
    let mut e = e.clamp(-2200, 2200) as i32;
    let mut v = v;
    while e != 0 {
        let k = e.clamp(-1000, 1000);
        v *= two_to(k);
        e -= k;
    }
    v
}

/// `x^n`, the same value as `x.powf(n as f64)` for every `n < 2^53` (where `n as f64` is
/// exact): `x^0 = 1` (also for NaN), a negative `x` gives the sign of `x` to odd powers, zeros
/// and infinities follow the usual rules, overflow gives infinity and underflow zero. For finite
/// nonzero `x` the result is the correctly rounded `x^n` but within the error bound of the module
/// (a relative `n · 2^-100` before the final rounding, under 2^-15 ulp for `n < 2^32`); the same
/// bits on every IEEE-754 machine.
#[must_use]
pub fn powu(x: f64, n: u64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let odd = n & 1 == 1;
    if x == 0.0 || !x.is_finite() {
        // ±0 and ±inf to an odd power keep their sign; NaN stays NaN.
        return if odd { x } else { x.abs() };
    }
    let (h, _, e) = parts(x.abs(), n);
    // h = fl(h + l) already; the result is h 2^e.
    let v = scale(h, e);
    if x < 0.0 && odd { -v } else { v }
}

/// `a^n = (h + l) 2^e` for finite `a > 0` and `n >= 1`, with `h = fl(h + l)` in `[1, 2^300]`,
/// before the final rounding (the tests check its error against exact arithmetic).
pub(super) fn parts(a: f64, n: u64) -> (f64, f64, i128) {
    // |x| = m 2^ex with m in [1, 2) (a subnormal is scaled into the normal range first).
    let (a, ex0) = if a < f64::MIN_POSITIVE {
        (a * two_to(64), -64i64)
    } else {
        (a, 0)
    };
    let ex = ((a.to_bits() >> 52) as i64) - 1023 + ex0;
    let m = f64::from_bits((a.to_bits() & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let ms = split(m);
    // Running power (h + l) 2^e of m, from the leading one bit of n downwards.
    let (mut h, mut l) = (m, 0.0f64);
    // e <= log2(m^n) < n: a u64 holds it.
    let mut e: u64 = 0;
    let top = 63 - n.leading_zeros();
    for bit in (0..top).rev() {
        // Square: (h + l)^2 = h^2 + 2 h l + l^2; l^2 < 2^-104 h^2 is dropped.
        let (hh, hl) = split(h);
        let p = h * h;
        let err = ((hh * hh - p) + (hh + hh) * hl) + hl * hl + (h + h) * l;
        (h, l) = fast_two_sum(p, err);
        e += e;
        if (n >> bit) & 1 == 1 {
            // Multiply by m (exact): (h + l) m = h m + l m.
            let p = h * m;
            let err = prod_err(p, split(h), ms) + l * m;
            (h, l) = fast_two_sum(p, err);
        }
        if h > RESCALE {
            // h in [1, 2) again, l with it (exact: both are scaled by a power of two).
            let k = ((h.to_bits() >> 52) as i32) - 1023;
            let f = two_to(-k);
            h *= f;
            l *= f;
            e += k as u64;
        }
    }
    (h, l, i128::from(e) + i128::from(n) * i128::from(ex))
}
