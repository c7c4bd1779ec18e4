//! The explicit SSE2 lane operations ([`Sse2`]): two lanes per 128-bit instruction, the same
//! IEEE operations in the same order as [`super::Portable`]. SSE2 is part of every x86-64 CPU,
//! so there is no run-time check (the functions still carry `#[target_feature(enable =
//! "sse2")]`, which Rust asks of a caller of the intrinsics, and the [`Isa`] methods call them
//! in `unsafe`). What SSE2 lacks is written out: selects as and/andnot/or (no blend), table
//! entries loaded lane by lane with scalar indices (no gather), the u64 -> f64 conversion in
//! two exact parts (no packed conversion).
//!
//! The shape follows `avx2.rs` (a parallel file rather than one body generic over the
//! register width): each function there must be compiled with AVX2 enabled for its
//! intrinsics to inline, and a shared body reached through a trait would put that on the
//! inliner's goodwill in the hot loops; the two files are short and read side by side.

use core::arch::x86_64::*;

use super::super::exp_table::EXP_TAB;
use super::super::math;
use super::super::ziggurat_tables::ZIG_NORM_X;
use super::{Isa, Portable, XoshiroLanes};

/// x86-64's baseline instruction set (every x86-64 CPU has SSE2).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sse2;

/// Lanes `2c..2c + 2` of `a`, for `c < L / 2`.
#[inline(always)]
fn load_u64<const L: usize>(a: &[u64; L], c: usize) -> __m128i {
    let q = &a[2 * c..2 * c + 2];
    // SAFETY: `q` is 2 u64s (16 bytes); the load is unaligned.
    unsafe { _mm_loadu_si128(q.as_ptr().cast()) }
}

#[inline(always)]
fn store_u64<const L: usize>(a: &mut [u64; L], c: usize, v: __m128i) {
    let q = &mut a[2 * c..2 * c + 2];
    // SAFETY: as `load_u64`.
    unsafe { _mm_storeu_si128(q.as_mut_ptr().cast(), v) }
}

#[inline(always)]
fn load_f64<const L: usize>(a: &[f64; L], c: usize) -> __m128d {
    let q = &a[2 * c..2 * c + 2];
    // SAFETY: `q` is 2 f64s (16 bytes); the load is unaligned.
    unsafe { _mm_loadu_pd(q.as_ptr()) }
}

#[inline(always)]
fn store_f64<const L: usize>(a: &mut [f64; L], c: usize, v: __m128d) {
    let q = &mut a[2 * c..2 * c + 2];
    // SAFETY: as `load_f64`.
    unsafe { _mm_storeu_pd(q.as_mut_ptr(), v) }
}

/// The two 64-bit lanes of `v`, low first.
#[inline]
#[target_feature(enable = "sse2")]
fn lanes_u64(v: __m128i) -> [u64; 2] {
    [
        _mm_cvtsi128_si64(v) as u64,
        _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64,
    ]
}

/// The low 16 bits of the two 64-bit lanes of `v`, low first (for scalar table indices: one
/// instruction each).
#[inline]
#[target_feature(enable = "sse2")]
fn low16(v: __m128i) -> [usize; 2] {
    [
        _mm_extract_epi16::<0>(v) as usize,
        _mm_extract_epi16::<4>(v) as usize,
    ]
}

/// `x.rotate_left(R)` per 64-bit lane (`L = 64 - R`).
#[inline]
#[target_feature(enable = "sse2")]
fn rotl<const R: i32, const L: i32>(x: __m128i) -> __m128i {
    _mm_or_si128(_mm_slli_epi64::<R>(x), _mm_srli_epi64::<L>(x))
}

/// One xoshiro256++ step of two generators (word `j` of each in `s[j]`).
#[inline]
#[target_feature(enable = "sse2")]
fn xoshiro_step(s: &mut [__m128i; 4]) -> __m128i {
    let [mut s0, mut s1, mut s2, mut s3] = *s;
    let out = _mm_add_epi64(rotl::<23, 41>(_mm_add_epi64(s0, s3)), s0);
    let t = _mm_slli_epi64::<17>(s1);
    s2 = _mm_xor_si128(s2, s0);
    s3 = _mm_xor_si128(s3, s1);
    s1 = _mm_xor_si128(s1, s2);
    s0 = _mm_xor_si128(s0, s3);
    s2 = _mm_xor_si128(s2, t);
    s3 = rotl::<45, 19>(s3);
    *s = [s0, s1, s2, s3];
    out
}

/// The state of lanes `2c..2c + 2` of `g`, in registers.
#[inline]
#[target_feature(enable = "sse2")]
fn load_state<const L: usize>(g: &XoshiroLanes<L>, c: usize) -> [__m128i; 4] {
    std::array::from_fn(|j| load_u64(&g.s[j], c))
}

#[inline]
#[target_feature(enable = "sse2")]
fn store_state<const L: usize>(g: &mut XoshiroLanes<L>, c: usize, s: [__m128i; 4]) {
    for (j, w) in s.into_iter().enumerate() {
        store_u64(&mut g.s[j], c, w);
    }
}

#[inline]
#[target_feature(enable = "sse2")]
fn next_u64<const L: usize>(g: &mut XoshiroLanes<L>) -> [u64; L] {
    let mut out = [0u64; L];
    for c in 0..L / 2 {
        let mut s = load_state(g, c);
        store_u64(&mut out, c, xoshiro_step(&mut s));
        store_state(g, c, s);
    }
    if L % 2 == 1 {
        use rand::Rng;
        out[L - 1] = g.lane(L - 1).next_u64();
    }
    out
}

/// The ziggurat's fast test on two `u64`s (as `super::super::candidate` and the compare of
/// `normal_fast_lanes`): candidates and a 2-bit mask of misses.
#[inline]
#[target_feature(enable = "sse2")]
fn normal_fast2(bits: __m128i) -> (__m128d, u32) {
    let u = _mm_sub_pd(
        _mm_castsi128_pd(_mm_or_si128(
            _mm_srli_epi64::<12>(bits),
            _mm_set1_epi64x(1024 << 52),
        )),
        _mm_set1_pd(3.0),
    );
    let [i0, i1] = low16(bits).map(|b| b & 0xff);
    let xi = _mm_set_pd(ZIG_NORM_X[i1], ZIG_NORM_X[i0]);
    let xi1 = _mm_set_pd(ZIG_NORM_X[i1 + 1], ZIG_NORM_X[i0 + 1]);
    let x = _mm_mul_pd(u, xi);
    let abs = _mm_andnot_pd(_mm_set1_pd(-0.0), x);
    let ok = _mm_cmplt_pd(abs, xi1);
    (x, (!_mm_movemask_pd(ok) as u32) & 0b11)
}

#[inline]
#[target_feature(enable = "sse2")]
fn normal_fast<const L: usize>(bits: &[u64; L]) -> ([f64; L], u32) {
    let mut x = [0.0; L];
    let mut miss = 0u32;
    for c in 0..L / 2 {
        let (v, m) = normal_fast2(load_u64(bits, c));
        store_f64(&mut x, c, v);
        miss |= m << (2 * c);
    }
    if L % 2 == 1 {
        let (v, m) = Portable.normal_fast(&[bits[L - 1]]);
        x[L - 1] = v[0];
        miss |= m << (L - 1);
    }
    (x, miss)
}

/// `if mask { a } else { b }` per lane (`mask` all ones or all zeros in each lane).
#[inline]
#[target_feature(enable = "sse2")]
fn select(mask: __m128d, a: __m128d, b: __m128d) -> __m128d {
    _mm_or_pd(_mm_and_pd(mask, a), _mm_andnot_pd(mask, b))
}

/// Lanes of `x` below 512 in magnitude (false for a NaN): where `math::exp_one`'s clamps and
/// scaled forms select nothing.
#[inline]
#[target_feature(enable = "sse2")]
fn exp2_is_small(x: __m128d) -> __m128d {
    _mm_cmplt_pd(_mm_andnot_pd(_mm_set1_pd(-0.0), x), _mm_set1_pd(512.0))
}

/// `math::exp_one` on two lanes below 512 in magnitude: `s + s p`, as the scalar function's
/// selects give there.
#[inline]
#[target_feature(enable = "sse2")]
fn exp2_small(x: __m128d) -> __m128d {
    let (sbits, tmp) = exp2_reduced(x);
    let s = _mm_castsi128_pd(sbits);
    _mm_add_pd(s, _mm_mul_pd(s, tmp))
}

/// The reduction, table and polynomial of `math::exp_one` on two (clamped) lanes: the bits
/// of `2^e S_i` (before the scaling of |x| >= 512) and `p`.
#[inline]
#[target_feature(enable = "sse2")]
fn exp2_reduced(xc: __m128d) -> (__m128i, __m128d) {
    let c = _mm_set1_pd;
    let z = _mm_mul_pd(c(math::EXP_INV_LN2_N), xc);
    let kd = _mm_add_pd(z, c(math::EXP_SHIFT));
    let ki = _mm_castpd_si128(kd);
    let kd = _mm_sub_pd(kd, c(math::EXP_SHIFT));
    let r = _mm_add_pd(
        _mm_add_pd(xc, _mm_mul_pd(kd, c(math::EXP_NEG_LN2_HI_N))),
        _mm_mul_pd(kd, c(math::EXP_NEG_LN2_LO_N)),
    );
    let [i0, i1] = low16(ki).map(|k| 2 * (k % 128));
    let tail = _mm_set_pd(f64::from_bits(EXP_TAB[i1]), f64::from_bits(EXP_TAB[i0]));
    let sbits = _mm_set_epi64x(EXP_TAB[i1 + 1] as i64, EXP_TAB[i0 + 1] as i64);
    let sbits = _mm_add_epi64(sbits, _mm_slli_epi64::<45>(ki));
    let r2 = _mm_mul_pd(r, r);
    let p1 = _mm_mul_pd(
        r2,
        _mm_add_pd(c(math::EXP_C2), _mm_mul_pd(r, c(math::EXP_C3))),
    );
    let p2 = _mm_mul_pd(
        _mm_mul_pd(r2, r2),
        _mm_add_pd(c(math::EXP_C4), _mm_mul_pd(r, c(math::EXP_C5))),
    );
    let tmp = _mm_add_pd(_mm_add_pd(_mm_add_pd(tail, r), p1), p2);
    (sbits, tmp)
}

/// `math::exp_one` on two lanes with every select of the scalar function.
#[inline(never)]
#[target_feature(enable = "sse2")]
fn exp2_full(x: __m128d) -> __m128d {
    let c = _mm_set1_pd;
    let xc = select(_mm_cmpgt_pd(x, c(710.0)), c(710.0), x);
    let xc = select(_mm_cmplt_pd(xc, c(-746.0)), c(-746.0), xc);
    let (sbits, tmp) = exp2_reduced(xc);
    let big = _mm_cmpge_pd(xc, c(512.0));
    let small = _mm_cmple_pd(xc, c(-512.0));
    let adjust = _mm_or_si128(
        _mm_and_si128(
            _mm_castpd_si128(big),
            _mm_set1_epi64x(0u64.wrapping_sub(1009u64 << 52) as i64),
        ),
        _mm_and_si128(_mm_castpd_si128(small), _mm_set1_epi64x(1022 << 52)),
    );
    let s = _mm_castsi128_pd(_mm_add_epi64(sbits, adjust));
    let st = _mm_mul_pd(s, tmp);
    let y = _mm_add_pd(s, st);
    let lo = _mm_add_pd(_mm_sub_pd(s, y), st);
    let one = c(1.0);
    let hi = _mm_add_pd(one, y);
    let lo = _mm_add_pd(_mm_add_pd(_mm_sub_pd(one, hi), y), lo);
    let yr = _mm_sub_pd(_mm_add_pd(hi, lo), one);
    let yr = select(_mm_cmpeq_pd(yr, _mm_setzero_pd()), _mm_setzero_pd(), yr);
    let sub = _mm_and_pd(small, _mm_cmplt_pd(y, one));
    let y = select(sub, yr, y);
    let factor = select(big, c(math::TWO_1009), one);
    let factor = select(small, c(math::TWO_M1022), factor);
    let e = _mm_mul_pd(factor, y);
    select(_mm_cmpunord_pd(x, x), _mm_add_pd(x, x), e)
}

#[inline]
#[target_feature(enable = "sse2")]
fn exp<const L: usize>(x: &[f64; L]) -> [f64; L] {
    // As the portable form, one test of every lane for the short form.
    let mut small = _mm_castsi128_pd(_mm_set1_epi64x(-1));
    for c in 0..L / 2 {
        small = _mm_and_pd(small, exp2_is_small(load_f64(x, c)));
    }
    let all_small =
        _mm_movemask_pd(small) == 0b11 && x[2 * (L / 2)..].iter().all(|v| v.abs() < 512.0);
    let mut out = [0.0; L];
    for c in 0..L / 2 {
        let x = load_f64(x, c);
        let e = if all_small || _mm_movemask_pd(exp2_is_small(x)) == 0b11 {
            exp2_small(x)
        } else {
            exp2_full(x)
        };
        store_f64(&mut out, c, e);
    }
    if L % 2 == 1 {
        out[L - 1] = super::exp_fast(x[L - 1]);
    }
    out
}

/// `(b >> 11) as f64 * 2^-53` on two lanes: the 53-bit integer converted exactly in two parts
/// (SSE2 has no packed u64 -> f64 conversion): its high 21 bits as the mantissa of 2^84, its
/// low 32 as that of 2^52, each less its power of two, summed (exact below 2^53).
#[inline]
#[target_feature(enable = "sse2")]
fn uniform2(bits: __m128i) -> __m128d {
    let v = _mm_srli_epi64::<11>(bits);
    let hi = _mm_or_si128(_mm_srli_epi64::<32>(v), _mm_set1_epi64x(0x4530 << 48));
    let lo = _mm_or_si128(
        _mm_and_si128(v, _mm_set1_epi64x(0xffff_ffff)),
        _mm_set1_epi64x(0x4330 << 48),
    );
    let hi = _mm_sub_pd(
        _mm_castsi128_pd(hi),
        _mm_set1_pd(19342813113834066795298816.0),
    ); // 2^84
    let lo = _mm_sub_pd(_mm_castsi128_pd(lo), _mm_set1_pd(4503599627370496.0)); // 2^52
    _mm_mul_pd(_mm_add_pd(hi, lo), _mm_set1_pd(1.0 / (1u64 << 53) as f64))
}

/// [`super::open01_bits`] on two lanes.
#[inline]
#[target_feature(enable = "sse2")]
fn open01_2(bits: __m128i) -> __m128d {
    let m = _mm_or_si128(_mm_srli_epi64::<12>(bits), _mm_set1_epi64x(1023 << 52));
    _mm_sub_pd(_mm_castsi128_pd(m), _mm_set1_pd(1.0 - f64::EPSILON / 2.0))
}

/// `op` on the `u64` lanes `2c..2c + 2` of `bits` for each `c`, the last lane (odd `L`) by
/// `one`.
#[inline(always)]
fn from_bits<const L: usize>(
    bits: &[u64; L],
    op: impl Fn(__m128i) -> __m128d,
    one: impl Fn(u64) -> f64,
) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 2 {
        store_f64(&mut out, c, op(load_u64(bits, c)));
    }
    if L % 2 == 1 {
        out[L - 1] = one(bits[L - 1]);
    }
    out
}

/// `op` on lanes `2c..2c + 2` of `a` and `b` for each `c`, the last lane (odd `L`) by `one`.
#[inline(always)]
fn binary<const L: usize>(
    a: &[f64; L],
    b: &[f64; L],
    op: impl Fn(__m128d, __m128d) -> __m128d,
    one: impl Fn(f64, f64) -> f64,
) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 2 {
        store_f64(&mut out, c, op(load_f64(a, c), load_f64(b, c)));
    }
    if L % 2 == 1 {
        out[L - 1] = one(a[L - 1], b[L - 1]);
    }
    out
}

/// `op` on lanes `2c..2c + 2` of `a` for each `c`, the last lane (odd `L`) by `one`.
#[inline(always)]
fn unary<const L: usize>(
    a: &[f64; L],
    op: impl Fn(__m128d) -> __m128d,
    one: impl Fn(f64) -> f64,
) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 2 {
        store_f64(&mut out, c, op(load_f64(a, c)));
    }
    if L % 2 == 1 {
        out[L - 1] = one(a[L - 1]);
    }
    out
}

/// The bit mask of the lanes where a compare holds: `cmp` (the compare's movemask) on lanes
/// `2c..2c + 2` of `a` and `b`, the last lane (odd `L`) by `one`.
#[inline(always)]
fn mask<const L: usize>(
    a: &[f64; L],
    b: &[f64; L],
    cmp: impl Fn(__m128d, __m128d) -> i32,
    one: impl Fn(f64, f64) -> bool,
) -> u32 {
    let mut m = 0u32;
    for c in 0..L / 2 {
        m |= (cmp(load_f64(a, c), load_f64(b, c)) as u32) << (2 * c);
    }
    if L % 2 == 1 {
        m |= u32::from(one(a[L - 1], b[L - 1])) << (L - 1);
    }
    m
}

#[inline]
#[target_feature(enable = "sse2")]
fn nonzero_mask<const L: usize>(a: &[u32; L]) -> u32 {
    let mut m = 0u32;
    for c in 0..L / 4 {
        let q = &a[4 * c..4 * c + 4];
        // SAFETY: `q` is 4 u32s (16 bytes); the load is unaligned.
        let v = unsafe { _mm_loadu_si128(q.as_ptr().cast()) };
        let zero = _mm_cmpeq_epi32(v, _mm_setzero_si128());
        let z = _mm_movemask_ps(_mm_castsi128_ps(zero)) as u32;
        m |= (!z & 0xf) << (4 * c);
    }
    for (l, &v) in a.iter().enumerate().skip(4 * (L / 4)) {
        m |= u32::from(v != 0) << l;
    }
    m
}

#[inline]
#[target_feature(enable = "sse2")]
fn all_finite<const L: usize>(a: &[f64; L]) -> bool {
    let mut ok = _mm_castsi128_pd(_mm_set1_epi64x(-1));
    for c in 0..L / 2 {
        let abs = _mm_andnot_pd(_mm_set1_pd(-0.0), load_f64(a, c));
        ok = _mm_and_pd(ok, _mm_cmplt_pd(abs, _mm_set1_pd(f64::INFINITY)));
    }
    _mm_movemask_pd(ok) == 0b11 && a[2 * (L / 2)..].iter().all(|x| x.is_finite())
}

#[inline]
#[target_feature(enable = "sse2")]
fn uniform<const L: usize>(bits: &[u64; L]) -> [f64; L] {
    from_bits(bits, |b| uniform2(b), super::uniform_bits)
}

#[inline]
#[target_feature(enable = "sse2")]
fn open01<const L: usize>(bits: &[u64; L]) -> [f64; L] {
    from_bits(bits, |b| open01_2(b), super::open01_bits)
}

#[inline]
#[target_feature(enable = "sse2")]
fn add<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm_add_pd(x, y), |x, y| x + y)
}

#[inline]
#[target_feature(enable = "sse2")]
fn sub<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm_sub_pd(x, y), |x, y| x - y)
}

#[inline]
#[target_feature(enable = "sse2")]
fn mul<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm_mul_pd(x, y), |x, y| x * y)
}

#[inline]
#[target_feature(enable = "sse2")]
fn scale<const L: usize>(a: f64, b: &[f64; L]) -> [f64; L] {
    binary(&[a; L], b, |x, y| _mm_mul_pd(x, y), |x, y| x * y)
}

#[inline]
#[target_feature(enable = "sse2")]
fn div<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm_div_pd(x, y), |x, y| x / y)
}

#[inline]
#[target_feature(enable = "sse2")]
fn sqrt<const L: usize>(a: &[f64; L]) -> [f64; L] {
    unary(a, |x| _mm_sqrt_pd(x), f64::sqrt)
}

#[inline]
#[target_feature(enable = "sse2")]
fn pick_negative<const L: usize>(a: &[f64; L], neg: f64, other: f64) -> [f64; L] {
    let (neg2, other2) = (_mm_set1_pd(neg), _mm_set1_pd(other));
    unary(
        a,
        |x| select(_mm_cmplt_pd(x, _mm_setzero_pd()), neg2, other2),
        |x| if x < 0.0 { neg } else { other },
    )
}

#[inline]
#[target_feature(enable = "sse2")]
fn lt_mask<const L: usize>(a: &[f64; L], b: &[f64; L]) -> u32 {
    mask(
        a,
        b,
        |x, y| _mm_movemask_pd(_mm_cmplt_pd(x, y)),
        |x, y| x < y,
    )
}

#[inline]
#[target_feature(enable = "sse2")]
fn le_mask<const L: usize>(a: &[f64; L], b: f64) -> u32 {
    let b2 = _mm_set1_pd(b);
    mask(
        a,
        a,
        |x, _| _mm_movemask_pd(_mm_cmple_pd(x, b2)),
        |x, _| x <= b,
    )
}

#[inline]
#[target_feature(enable = "sse2")]
fn zero_mask<const L: usize>(a: &[f64; L]) -> u32 {
    let zero = _mm_setzero_pd();
    mask(
        a,
        a,
        |x, _| _mm_movemask_pd(_mm_cmpeq_pd(x, zero)),
        |x, _| x == 0.0,
    )
}

/// The lanes `2c..2c + 2` of a draw of [`normals_each`] that missed the fast test (bit `k` of
/// `miss`: lane `2c + k`) finished on their own generators: the state held in registers
/// (`s`) written back, each of those lanes finished by `normal_from` on its word, the state
/// read again. Returns the state and the draw's two values (by value, as the AVX2 form, so
/// that the caller's state stays in registers).
#[cold]
#[inline(never)]
#[target_feature(enable = "sse2")]
fn finish_misses<const L: usize>(
    g: &mut XoshiroLanes<L>,
    c: usize,
    s: [__m128i; 4],
    bits: __m128i,
    x: __m128d,
    miss: u32,
) -> ([__m128i; 4], __m128d) {
    store_state(g, c, s);
    let b = lanes_u64(bits);
    let mut xs = [0.0; 2];
    store_f64(&mut xs, 0, x);
    let mut m = miss;
    while m != 0 {
        let k = m.trailing_zeros() as usize;
        m &= m - 1;
        xs[k] = super::super::normal_from(&mut g.lane(2 * c + k), b[k]);
    }
    (load_state(g, c), load_f64(&xs, 0))
}

/// `n` normals per lane, lanes `2c..2c + 2` at a time with their generators' state in
/// registers for all `n` draws (each lane's sequence is its own generator's, whatever the
/// grouping), draw `j` into `out[j]` when `STORE` (then `n == out.len()`).
// `j` counts the draws, which `out` holds only when `STORE`.
#[allow(clippy::needless_range_loop)]
#[inline]
#[target_feature(enable = "sse2")]
fn normals_each<const L: usize, const STORE: bool>(
    g: &mut XoshiroLanes<L>,
    out: &mut [[f64; L]],
    n: usize,
) {
    assert!(!STORE || n <= out.len(), "a place for every draw");
    for c in 0..L / 2 {
        let mut s = load_state(g, c);
        for j in 0..n {
            let bits = xoshiro_step(&mut s);
            let (mut x, miss) = normal_fast2(bits);
            if miss != 0 {
                (s, x) = finish_misses(g, c, s, bits, x, miss);
            }
            if STORE {
                store_f64(&mut out[j], c, x);
            }
        }
        store_state(g, c, s);
    }
    if L % 2 == 1 {
        for j in 0..n {
            let x = super::super::normal(&mut g.lane(L - 1));
            if STORE {
                out[j][L - 1] = x;
            }
        }
    }
}

#[inline]
#[target_feature(enable = "sse2")]
fn uniforms_below<const L: usize>(
    g: &mut XoshiroLanes<L>,
    p: &[[f64; L]],
    compare: impl Fn(usize) -> bool,
    out: &mut [u32],
) {
    assert_eq!(p.len(), out.len(), "one mask per uniform");
    out.fill(0);
    for c in 0..L / 2 {
        let mut s = load_state(g, c);
        for (j, (p, o)) in p.iter().zip(out.iter_mut()).enumerate() {
            let bits = xoshiro_step(&mut s);
            if compare(j) {
                let lt = _mm_cmplt_pd(uniform2(bits), load_f64(p, c));
                *o |= (_mm_movemask_pd(lt) as u32) << (2 * c);
            }
        }
        store_state(g, c, s);
    }
    if L % 2 == 1 {
        for (j, (p, o)) in p.iter().zip(out.iter_mut()).enumerate() {
            use rand::Rng;
            let u = super::uniform_bits(g.lane(L - 1).next_u64());
            if compare(j) {
                *o |= u32::from(u < p[L - 1]) << (L - 1);
            }
        }
    }
}

// Every x86-64 target has SSE2 (it is part of the architecture's baseline), which is what
// makes the calls below sound.
const _: () = assert!(cfg!(target_feature = "sse2"));

// SAFETY of the calls: SSE2 is part of every x86-64 CPU (asserted above).
super::isa_of_module_functions!(Sse2);
