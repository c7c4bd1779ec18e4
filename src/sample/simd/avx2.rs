//! The explicit AVX2 lane operations ([`Avx2`]): four lanes per 256-bit instruction, the same
//! IEEE operations in the same order as [`super::Portable`].

use core::arch::x86_64::*;

use super::super::exp_table::EXP_TAB;
use super::super::math;
use super::super::ziggurat_tables::ZIG_NORM_X;
use super::{Isa, Portable, XoshiroLanes};

/// x86-64 with AVX2: the proof that the CPU has it (made only by [`Avx2::new`]), so the
/// intrinsics behind its methods are sound to run.
#[derive(Debug, Clone, Copy)]
pub struct Avx2(());

impl Avx2 {
    /// `Some` when this CPU has AVX2.
    #[must_use]
    pub fn new() -> Option<Self> {
        std::arch::is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }
}

/// Lanes `4c..4c + 4` of `a`, for `c < L / 4`.
#[inline(always)]
fn load_u64<const L: usize>(a: &[u64; L], c: usize) -> __m256i {
    let q = &a[4 * c..4 * c + 4];
    // SAFETY: `q` is 4 u64s (32 bytes); the load is unaligned.
    unsafe { _mm256_loadu_si256(q.as_ptr().cast()) }
}

#[inline(always)]
fn store_u64<const L: usize>(a: &mut [u64; L], c: usize, v: __m256i) {
    let q = &mut a[4 * c..4 * c + 4];
    // SAFETY: as `load_u64`.
    unsafe { _mm256_storeu_si256(q.as_mut_ptr().cast(), v) }
}

#[inline(always)]
fn load_f64<const L: usize>(a: &[f64; L], c: usize) -> __m256d {
    let q = &a[4 * c..4 * c + 4];
    // SAFETY: `q` is 4 f64s (32 bytes); the load is unaligned.
    unsafe { _mm256_loadu_pd(q.as_ptr()) }
}

#[inline(always)]
fn store_f64<const L: usize>(a: &mut [f64; L], c: usize, v: __m256d) {
    let q = &mut a[4 * c..4 * c + 4];
    // SAFETY: as `load_f64`.
    unsafe { _mm256_storeu_pd(q.as_mut_ptr(), v) }
}

/// `x.rotate_left(R)` per 64-bit lane (`L = 64 - R`).
#[inline]
#[target_feature(enable = "avx2")]
fn rotl<const R: i32, const L: i32>(x: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_slli_epi64::<R>(x), _mm256_srli_epi64::<L>(x))
}

/// One xoshiro256++ step of four generators (word `j` of each in `s[j]`).
#[inline]
#[target_feature(enable = "avx2")]
fn xoshiro_step(s: &mut [__m256i; 4]) -> __m256i {
    let [mut s0, mut s1, mut s2, mut s3] = *s;
    let out = _mm256_add_epi64(rotl::<23, 41>(_mm256_add_epi64(s0, s3)), s0);
    let t = _mm256_slli_epi64::<17>(s1);
    s2 = _mm256_xor_si256(s2, s0);
    s3 = _mm256_xor_si256(s3, s1);
    s1 = _mm256_xor_si256(s1, s2);
    s0 = _mm256_xor_si256(s0, s3);
    s2 = _mm256_xor_si256(s2, t);
    s3 = rotl::<45, 19>(s3);
    *s = [s0, s1, s2, s3];
    out
}

#[inline]
#[target_feature(enable = "avx2")]
fn next_u64<const L: usize>(g: &mut XoshiroLanes<L>) -> [u64; L] {
    let mut out = [0u64; L];
    for c in 0..L / 4 {
        let mut s = [
            load_u64(&g.s[0], c),
            load_u64(&g.s[1], c),
            load_u64(&g.s[2], c),
            load_u64(&g.s[3], c),
        ];
        store_u64(&mut out, c, xoshiro_step(&mut s));
        let [s0, s1, s2, s3] = s;
        store_u64(&mut g.s[0], c, s0);
        store_u64(&mut g.s[1], c, s1);
        store_u64(&mut g.s[2], c, s2);
        store_u64(&mut g.s[3], c, s3);
    }
    for (l, o) in out.iter_mut().enumerate().skip(4 * (L / 4)) {
        use rand::Rng;
        *o = g.lane(l).next_u64();
    }
    out
}

/// The ziggurat's fast test on four `u64`s (as `super::super::candidate` and the compare
/// of `normal_fast_lanes`): candidates and a 4-bit mask of misses.
#[inline]
#[target_feature(enable = "avx2")]
fn normal_fast4(bits: __m256i) -> (__m256d, u32) {
    let i = _mm256_and_si256(bits, _mm256_set1_epi64x(0xff));
    let u = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(
            _mm256_srli_epi64::<12>(bits),
            _mm256_set1_epi64x(1024 << 52),
        )),
        _mm256_set1_pd(3.0),
    );
    let table = ZIG_NORM_X.as_ptr();
    // SAFETY: i <= 255 and the table has 257 entries, so X[i] and X[i + 1] are in it.
    let (xi, xi1) = unsafe {
        (
            _mm256_i64gather_pd::<8>(table, i),
            _mm256_i64gather_pd::<8>(table.add(1), i),
        )
    };
    let x = _mm256_mul_pd(u, xi);
    let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
    let ok = _mm256_cmp_pd::<_CMP_LT_OQ>(abs, xi1);
    (x, (!_mm256_movemask_pd(ok) as u32) & 0xf)
}

#[inline]
#[target_feature(enable = "avx2")]
fn normal_fast<const L: usize>(bits: &[u64; L]) -> ([f64; L], u32) {
    let mut x = [0.0; L];
    let mut miss = 0u32;
    for c in 0..L / 4 {
        let (v, m) = normal_fast4(load_u64(bits, c));
        store_f64(&mut x, c, v);
        miss |= m << (4 * c);
    }
    for l in 4 * (L / 4)..L {
        let (v, m) = Portable.normal_fast(&[bits[l]]);
        x[l] = v[0];
        miss |= m << l;
    }
    (x, miss)
}

/// `if mask { a } else { b }` per lane.
#[inline]
#[target_feature(enable = "avx2")]
fn select(mask: __m256d, a: __m256d, b: __m256d) -> __m256d {
    _mm256_blendv_pd(b, a, mask)
}

/// `math::exp_one` on four lanes, operation for operation (see there for the method).
/// When every lane is below 512 in magnitude (and none is NaN) the clamps and the scaled
/// forms select nothing: `s + s p` is the result, as the scalar function's selects give.
#[inline]
#[target_feature(enable = "avx2")]
fn exp4(x: __m256d) -> __m256d {
    let c = _mm256_set1_pd;
    let abs = _mm256_andnot_pd(c(-0.0), x);
    if _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(abs, c(512.0))) == 0xf {
        let (sbits, tmp) = exp4_reduced(x);
        let s = _mm256_castsi256_pd(sbits);
        return _mm256_add_pd(s, _mm256_mul_pd(s, tmp));
    }
    exp4_full(x)
}

/// The reduction, table and polynomial of `math::exp_one` on four (clamped) lanes: the
/// bits of `2^e S_i` (before the scaling of |x| >= 512) and `p`.
#[inline]
#[target_feature(enable = "avx2")]
fn exp4_reduced(xc: __m256d) -> (__m256i, __m256d) {
    let c = _mm256_set1_pd;
    let z = _mm256_mul_pd(c(math::EXP_INV_LN2_N), xc);
    let kd = _mm256_add_pd(z, c(math::EXP_SHIFT));
    let ki = _mm256_castpd_si256(kd);
    let kd = _mm256_sub_pd(kd, c(math::EXP_SHIFT));
    let r = _mm256_add_pd(
        _mm256_add_pd(xc, _mm256_mul_pd(kd, c(math::EXP_NEG_LN2_HI_N))),
        _mm256_mul_pd(kd, c(math::EXP_NEG_LN2_LO_N)),
    );
    let idx = _mm256_slli_epi64::<1>(_mm256_and_si256(ki, _mm256_set1_epi64x(127)));
    let top = _mm256_slli_epi64::<45>(ki);
    let tab = EXP_TAB.as_ptr();
    // SAFETY: idx <= 254, and the table has 256 entries: entries idx and idx + 1 are in it.
    let (tail, sbits) = unsafe {
        (
            _mm256_i64gather_pd::<8>(tab.cast::<f64>(), idx),
            _mm256_i64gather_epi64::<8>(tab.add(1).cast::<i64>(), idx),
        )
    };
    let sbits = _mm256_add_epi64(sbits, top);
    let r2 = _mm256_mul_pd(r, r);
    let p1 = _mm256_mul_pd(
        r2,
        _mm256_add_pd(c(math::EXP_C2), _mm256_mul_pd(r, c(math::EXP_C3))),
    );
    let p2 = _mm256_mul_pd(
        _mm256_mul_pd(r2, r2),
        _mm256_add_pd(c(math::EXP_C4), _mm256_mul_pd(r, c(math::EXP_C5))),
    );
    let tmp = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(tail, r), p1), p2);
    (sbits, tmp)
}

/// `math::exp_one` on four lanes with every select of the scalar function.
#[inline(never)]
#[target_feature(enable = "avx2")]
fn exp4_full(x: __m256d) -> __m256d {
    let c = _mm256_set1_pd;
    let xc = select(_mm256_cmp_pd::<_CMP_GT_OQ>(x, c(710.0)), c(710.0), x);
    let xc = select(_mm256_cmp_pd::<_CMP_LT_OQ>(xc, c(-746.0)), c(-746.0), xc);
    let (sbits, tmp) = exp4_reduced(xc);
    let big = _mm256_cmp_pd::<_CMP_GE_OQ>(xc, c(512.0));
    let small = _mm256_cmp_pd::<_CMP_LE_OQ>(xc, c(-512.0));
    let adjust = _mm256_or_si256(
        _mm256_and_si256(
            _mm256_castpd_si256(big),
            _mm256_set1_epi64x(0u64.wrapping_sub(1009u64 << 52) as i64),
        ),
        _mm256_and_si256(_mm256_castpd_si256(small), _mm256_set1_epi64x(1022 << 52)),
    );
    let s = _mm256_castsi256_pd(_mm256_add_epi64(sbits, adjust));
    let st = _mm256_mul_pd(s, tmp);
    let y = _mm256_add_pd(s, st);
    let lo = _mm256_add_pd(_mm256_sub_pd(s, y), st);
    let one = c(1.0);
    let hi = _mm256_add_pd(one, y);
    let lo = _mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(one, hi), y), lo);
    let yr = _mm256_sub_pd(_mm256_add_pd(hi, lo), one);
    let yr = select(
        _mm256_cmp_pd::<_CMP_EQ_OQ>(yr, _mm256_setzero_pd()),
        _mm256_setzero_pd(),
        yr,
    );
    let sub = _mm256_and_pd(small, _mm256_cmp_pd::<_CMP_LT_OQ>(y, one));
    let y = select(sub, yr, y);
    let factor = select(big, c(math::TWO_1009), one);
    let factor = select(small, c(math::TWO_M1022), factor);
    let e = _mm256_mul_pd(factor, y);
    select(_mm256_cmp_pd::<_CMP_UNORD_Q>(x, x), _mm256_add_pd(x, x), e)
}

#[inline]
#[target_feature(enable = "avx2")]
fn exp<const L: usize>(x: &[f64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 4 {
        store_f64(&mut out, c, exp4(load_f64(x, c)));
    }
    for l in 4 * (L / 4)..L {
        out[l] = math::exp(x[l]);
    }
    out
}

/// `(b >> 11) as f64 * 2^-53` on four lanes: the 53-bit integer converted exactly in two
/// parts (AVX2 has no u64 -> f64 conversion): its high 21 bits as the mantissa of 2^84,
/// its low 32 as that of 2^52, each less its power of two, summed (exact below 2^53).
#[inline]
#[target_feature(enable = "avx2")]
fn uniform4(bits: __m256i) -> __m256d {
    let v = _mm256_srli_epi64::<11>(bits);
    let hi = _mm256_or_si256(_mm256_srli_epi64::<32>(v), _mm256_set1_epi64x(0x4530 << 48));
    let lo = _mm256_or_si256(
        _mm256_and_si256(v, _mm256_set1_epi64x(0xffff_ffff)),
        _mm256_set1_epi64x(0x4330 << 48),
    );
    let hi = _mm256_sub_pd(
        _mm256_castsi256_pd(hi),
        _mm256_set1_pd(19342813113834066795298816.0),
    ); // 2^84
    let lo = _mm256_sub_pd(_mm256_castsi256_pd(lo), _mm256_set1_pd(4503599627370496.0)); // 2^52
    _mm256_mul_pd(
        _mm256_add_pd(hi, lo),
        _mm256_set1_pd(1.0 / (1u64 << 53) as f64),
    )
}

#[inline]
#[target_feature(enable = "avx2")]
fn uniform<const L: usize>(bits: &[u64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 4 {
        store_f64(&mut out, c, uniform4(load_u64(bits, c)));
    }
    for l in 4 * (L / 4)..L {
        out[l] = super::uniform_bits(bits[l]);
    }
    out
}

/// [`super::open01_bits`] on four lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn open01_4(bits: __m256i) -> __m256d {
    let m = _mm256_or_si256(
        _mm256_srli_epi64::<12>(bits),
        _mm256_set1_epi64x(1023 << 52),
    );
    _mm256_sub_pd(
        _mm256_castsi256_pd(m),
        _mm256_set1_pd(1.0 - f64::EPSILON / 2.0),
    )
}

#[inline]
#[target_feature(enable = "avx2")]
fn open01<const L: usize>(bits: &[u64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 4 {
        store_f64(&mut out, c, open01_4(load_u64(bits, c)));
    }
    for l in 4 * (L / 4)..L {
        out[l] = super::open01_bits(bits[l]);
    }
    out
}

/// `op` on lanes `4c..4c + 4` of `a` and `b` for each `c`, the last `L % 4` lanes by `one`.
#[inline(always)]
fn binary<const L: usize>(
    a: &[f64; L],
    b: &[f64; L],
    op: impl Fn(__m256d, __m256d) -> __m256d,
    one: impl Fn(f64, f64) -> f64,
) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 4 {
        store_f64(&mut out, c, op(load_f64(a, c), load_f64(b, c)));
    }
    for l in 4 * (L / 4)..L {
        out[l] = one(a[l], b[l]);
    }
    out
}

#[inline]
#[target_feature(enable = "avx2")]
fn add<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm256_add_pd(x, y), |x, y| x + y)
}

#[inline]
#[target_feature(enable = "avx2")]
fn sub<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm256_sub_pd(x, y), |x, y| x - y)
}

#[inline]
#[target_feature(enable = "avx2")]
fn mul<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm256_mul_pd(x, y), |x, y| x * y)
}

#[inline]
#[target_feature(enable = "avx2")]
fn scale<const L: usize>(a: f64, b: &[f64; L]) -> [f64; L] {
    binary(&[a; L], b, |x, y| _mm256_mul_pd(x, y), |x, y| x * y)
}

#[inline]
#[target_feature(enable = "avx2")]
fn div<const L: usize>(a: &[f64; L], b: &[f64; L]) -> [f64; L] {
    binary(a, b, |x, y| _mm256_div_pd(x, y), |x, y| x / y)
}

#[inline]
#[target_feature(enable = "avx2")]
fn sqrt<const L: usize>(a: &[f64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 4 {
        store_f64(&mut out, c, _mm256_sqrt_pd(load_f64(a, c)));
    }
    for l in 4 * (L / 4)..L {
        out[l] = a[l].sqrt();
    }
    out
}

#[inline]
#[target_feature(enable = "avx2")]
fn pick_negative<const L: usize>(a: &[f64; L], neg: f64, other: f64) -> [f64; L] {
    let mut out = [0.0; L];
    for c in 0..L / 4 {
        let m = _mm256_cmp_pd::<_CMP_LT_OQ>(load_f64(a, c), _mm256_setzero_pd());
        let v = select(m, _mm256_set1_pd(neg), _mm256_set1_pd(other));
        store_f64(&mut out, c, v);
    }
    for l in 4 * (L / 4)..L {
        out[l] = if a[l] < 0.0 { neg } else { other };
    }
    out
}

#[inline]
#[target_feature(enable = "avx2")]
fn lt_mask<const L: usize>(a: &[f64; L], b: &[f64; L]) -> u32 {
    let mut m = 0u32;
    for c in 0..L / 4 {
        let lt = _mm256_cmp_pd::<_CMP_LT_OQ>(load_f64(a, c), load_f64(b, c));
        m |= (_mm256_movemask_pd(lt) as u32) << (4 * c);
    }
    for l in 4 * (L / 4)..L {
        m |= u32::from(a[l] < b[l]) << l;
    }
    m
}

#[inline]
#[target_feature(enable = "avx2")]
fn le_mask<const L: usize>(a: &[f64; L], b: f64) -> u32 {
    let mut m = 0u32;
    for c in 0..L / 4 {
        let le = _mm256_cmp_pd::<_CMP_LE_OQ>(load_f64(a, c), _mm256_set1_pd(b));
        m |= (_mm256_movemask_pd(le) as u32) << (4 * c);
    }
    for l in 4 * (L / 4)..L {
        m |= u32::from(a[l] <= b) << l;
    }
    m
}

#[inline]
#[target_feature(enable = "avx2")]
fn nonzero_mask<const L: usize>(a: &[u32; L]) -> u32 {
    let mut m = 0u32;
    for c in 0..L / 8 {
        let q = &a[8 * c..8 * c + 8];
        // SAFETY: `q` is 8 u32s (32 bytes); the load is unaligned.
        let v = unsafe { _mm256_loadu_si256(q.as_ptr().cast()) };
        let zero = _mm256_cmpeq_epi32(v, _mm256_setzero_si256());
        let z = _mm256_movemask_ps(_mm256_castsi256_ps(zero)) as u32;
        m |= (!z & 0xff) << (8 * c);
    }
    for l in 8 * (L / 8)..L {
        m |= u32::from(a[l] != 0) << l;
    }
    m
}

#[inline]
#[target_feature(enable = "avx2")]
fn zero_mask<const L: usize>(a: &[f64; L]) -> u32 {
    let mut m = 0u32;
    for c in 0..L / 4 {
        let eq = _mm256_cmp_pd::<_CMP_EQ_OQ>(load_f64(a, c), _mm256_setzero_pd());
        m |= (_mm256_movemask_pd(eq) as u32) << (4 * c);
    }
    for l in 4 * (L / 4)..L {
        m |= u32::from(a[l] == 0.0) << l;
    }
    m
}

#[inline]
#[target_feature(enable = "avx2")]
fn all_finite<const L: usize>(a: &[f64; L]) -> bool {
    let mut ok = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
    for c in 0..L / 4 {
        let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), load_f64(a, c));
        let finite = _mm256_cmp_pd::<_CMP_LT_OQ>(abs, _mm256_set1_pd(f64::INFINITY));
        ok = _mm256_and_pd(ok, finite);
    }
    _mm256_movemask_pd(ok) == 0xf && a[4 * (L / 4)..].iter().all(|x| x.is_finite())
}

/// The lanes `4c..4c + 4` of a draw of [`normals_each`] that missed the fast test (bit `k`
/// of `miss`: lane `4c + k`) finished on their own generators: the state held in
/// registers (`s`) written back, each of those lanes finished by `normal_from` on its
/// word, the state read again. Returns the state and the draw's four values. (The state
/// goes by value, so that the caller's copy never has its address taken and stays in
/// registers.)
#[cold]
#[inline(never)]
#[target_feature(enable = "avx2")]
fn finish_misses<const L: usize>(
    g: &mut XoshiroLanes<L>,
    c: usize,
    mut s: [__m256i; 4],
    bits: __m256i,
    x: __m256d,
    miss: u32,
) -> ([__m256i; 4], __m256d) {
    for (j, &w) in s.iter().enumerate() {
        store_u64(&mut g.s[j], c, w);
    }
    let mut b = [0u64; 4];
    store_u64(&mut b, 0, bits);
    let mut xs = [0.0; 4];
    store_f64(&mut xs, 0, x);
    let mut m = miss;
    while m != 0 {
        let k = m.trailing_zeros() as usize;
        m &= m - 1;
        xs[k] = super::super::normal_from(&mut g.lane(4 * c + k), b[k]);
    }
    for (j, w) in s.iter_mut().enumerate() {
        *w = load_u64(&g.s[j], c);
    }
    (s, load_f64(&xs, 0))
}

/// `n` normals per lane, lanes `4c..4c + 4` at a time with their generators' state in
/// registers for all `n` draws (each lane's sequence is its own generator's, whatever the
/// grouping), draw `j` into `out[j]` when `STORE` (then `n == out.len()`).
#[inline]
#[target_feature(enable = "avx2")]
fn normals_each<const L: usize, const STORE: bool>(
    g: &mut XoshiroLanes<L>,
    out: &mut [[f64; L]],
    n: usize,
) {
    for c in 0..L / 4 {
        let mut s = [
            load_u64(&g.s[0], c),
            load_u64(&g.s[1], c),
            load_u64(&g.s[2], c),
            load_u64(&g.s[3], c),
        ];
        for j in 0..n {
            let bits = xoshiro_step(&mut s);
            let (mut x, miss) = normal_fast4(bits);
            if miss != 0 {
                (s, x) = finish_misses(g, c, s, bits, x, miss);
            }
            if STORE {
                store_f64(&mut out[j], c, x);
            }
        }
        for (j, &w) in s.iter().enumerate() {
            store_u64(&mut g.s[j], c, w);
        }
    }
    for l in 4 * (L / 4)..L {
        for j in 0..n {
            let x = super::super::normal(&mut g.lane(l));
            if STORE {
                out[j][l] = x;
            }
        }
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn uniforms_below<const L: usize>(
    g: &mut XoshiroLanes<L>,
    p: &[[f64; L]],
    compare: impl Fn(usize) -> bool,
    out: &mut [u32],
) {
    assert_eq!(p.len(), out.len(), "one mask per uniform");
    out.fill(0);
    for c in 0..L / 4 {
        let mut s = [
            load_u64(&g.s[0], c),
            load_u64(&g.s[1], c),
            load_u64(&g.s[2], c),
            load_u64(&g.s[3], c),
        ];
        for (j, (p, o)) in p.iter().zip(out.iter_mut()).enumerate() {
            let bits = xoshiro_step(&mut s);
            if compare(j) {
                let lt = _mm256_cmp_pd::<_CMP_LT_OQ>(uniform4(bits), load_f64(p, c));
                *o |= (_mm256_movemask_pd(lt) as u32) << (4 * c);
            }
        }
        for (j, &w) in s.iter().enumerate() {
            store_u64(&mut g.s[j], c, w);
        }
    }
    for l in 4 * (L / 4)..L {
        for (j, (p, o)) in p.iter().zip(out.iter_mut()).enumerate() {
            use rand::Rng;
            let u = super::uniform_bits(g.lane(l).next_u64());
            if compare(j) {
                *o |= u32::from(u < p[l]) << l;
            }
        }
    }
}

// SAFETY of the calls: an `Avx2` exists only on a CPU with AVX2.
super::isa_of_module_functions!(Avx2);
