//! Tests of the own samplers and functions: accuracy against the platform's libm, equality with
//! rand and rand_distr, and distributions with known answers at Monte Carlo tolerances.

use rand::{Rng, RngExt, SeedableRng};
use rand_distr::Distribution;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Distance in units in the last place between two finite doubles or infinities of the same
/// sign (their positions in the ordered sequence of doubles); NaN against NaN is 0.
fn ulps(a: f64, b: f64) -> u64 {
    if a.is_nan() && b.is_nan() {
        return 0;
    }
    assert!(!a.is_nan() && !b.is_nan(), "NaN against a number: {a} {b}");
    let key = |v: f64| {
        let bits = v.to_bits() as i64;
        if bits < 0 {
            i64::MIN.wrapping_sub(bits)
        } else {
            bits
        }
    };
    key(a).abs_diff(key(b))
}

/// A double with uniformly random bits between `lo` and `hi` (both of one sign, or spanning 0:
/// then a random sign): every binade of the range equally likely.
fn random_bits_in(r: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    loop {
        let v = f64::from_bits(r.next_u64());
        if v >= lo && v <= hi {
            return v;
        }
    }
}

/// Arguments of `exp`: half with random bits over the whole range (every magnitude from
/// subnormal to 746, both signs), half uniform on [-745.2, 709.8].
pub(super) fn exp_args(n: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n)
        .map(|k| {
            if k % 2 == 0 {
                random_bits_in(&mut r, -746.0, 710.0)
            } else {
                -745.2 + 1455.0 * r.random::<f64>()
            }
        })
        .collect()
}

/// Arguments of `ln`: a third random bits over every positive double (subnormals included), a
/// third uniform on (0, 4), a third within 2^-20 of 1.
fn ln_args(n: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n)
        .map(|k| match k % 3 {
            0 => random_bits_in(&mut r, f64::from_bits(1), f64::MAX),
            1 => 4.0 * open01(&mut r),
            _ => 1.0 + (r.random::<f64>() - 0.5) * 2f64.powi(-19),
        })
        .collect()
}

pub(super) const EXP_SPECIALS: [f64; 24] = [
    0.0,
    -0.0,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e-310,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    709.782712893383973096,
    709.782712893384,
    709.79,
    710.0,
    1000.0,
    f64::MAX,
    -745.13321910194110842,
    -745.1332191019412,
    -745.14,
    -746.0,
    -1e6,
    f64::MIN,
    1.0,
    -1.0,
];

const LN_SPECIALS: [f64; 20] = [
    0.0,
    -0.0,
    5e-324,
    1e-310,
    f64::MIN_POSITIVE,
    f64::MIN_POSITIVE * (1.0 - f64::EPSILON),
    1.0,
    1.0 + f64::EPSILON,
    1.0 - f64::EPSILON / 2.0,
    2.0,
    0.5,
    std::f64::consts::E,
    f64::MAX,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -1.0,
    -5e-324,
    -f64::MAX,
    std::f64::consts::SQRT_2,
];

#[test]
fn exp_special_values_are_those_of_std() {
    for &x in &EXP_SPECIALS {
        let (got, want) = (exp(x), x.exp());
        assert!(ulps(got, want) <= 1, "exp({x:e}) = {got:e}, std {want:e}");
        if want.is_infinite() || want == 0.0 || want.is_nan() {
            assert_eq!(got.to_bits(), want.to_bits(), "exp({x:e})");
        }
    }
    assert_eq!(exp(0.0), 1.0);
    assert_eq!(exp(-0.0), 1.0);
    assert_eq!(exp(f64::INFINITY), f64::INFINITY);
    assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0);
    assert!(exp(f64::NAN).is_nan());
    assert_eq!(exp(709.79), f64::INFINITY);
    assert!(exp(709.78).is_finite());
    assert_eq!(exp(-745.14).to_bits(), 0);
    assert_eq!(exp(-745.13), 5e-324);
    assert_eq!(exp(1.0), std::f64::consts::E);
}

#[test]
fn ln_special_values_are_those_of_std() {
    for &x in &LN_SPECIALS {
        let (got, want) = (ln(x), x.ln());
        assert!(ulps(got, want) <= 1, "ln({x:e}) = {got:e}, std {want:e}");
        if want.is_infinite() || want == 0.0 || want.is_nan() {
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "ln({x:e}) = {got:e}, std {want:e}"
            );
        }
    }
    assert_eq!(ln(0.0), f64::NEG_INFINITY);
    assert_eq!(ln(-0.0), f64::NEG_INFINITY);
    assert_eq!(ln(1.0).to_bits(), 0);
    assert_eq!(ln(f64::INFINITY), f64::INFINITY);
    assert!(ln(-1.0).is_nan() && ln(f64::NEG_INFINITY).is_nan() && ln(f64::NAN).is_nan());
    assert_eq!(ln(2.0), std::f64::consts::LN_2);
    assert_eq!(ln(5e-324), -744.4400719213812);
}

/// Max ulp distance from std over `args`, and how many differ at all.
fn compare(args: &[f64], own: fn(f64) -> f64, std: fn(f64) -> f64) -> (u64, usize, f64) {
    let mut max = 0;
    let mut differ = 0;
    let mut worst = 0.0;
    for &x in args {
        let d = ulps(own(x), std(x));
        if d > 0 {
            differ += 1;
        }
        if d > max {
            max = d;
            worst = x;
        }
    }
    (max, differ, worst)
}

/// 16 million arguments of each function (docs/MODEL.md quotes the printed figures).
#[test]
fn exp_is_within_one_ulp_of_std_everywhere() {
    let args = exp_args(16_000_000, 11);
    let (max, differ, worst) = compare(&args, exp, f64::exp);
    eprintln!(
        "exp: max {max} ulp (at {worst:e}), {differ} of {} differ ({:.4}%)",
        args.len(),
        100.0 * differ as f64 / args.len() as f64
    );
    assert!(max <= 1, "exp({worst:e}): {max} ulps from std");
    // The model's range (log levels of a few units, ziggurat wedges in [-7.7, 0]).
    let mut r = rng(12);
    let near: Vec<f64> = (0..4_000_000)
        .map(|_| -10.0 + 20.0 * uniform(&mut r))
        .collect();
    let (max, differ, worst) = compare(&near, exp, f64::exp);
    eprintln!("exp on [-10, 10]: max {max} ulp (at {worst:e}), {differ} of 4000000 differ");
    assert!(max <= 1);
}

#[test]
fn ln_is_within_one_ulp_of_std_everywhere() {
    let args = ln_args(16_000_000, 13);
    let (max, differ, worst) = compare(&args, ln, f64::ln);
    eprintln!(
        "ln: max {max} ulp (at {worst:e}), {differ} of {} differ ({:.4}%)",
        args.len(),
        100.0 * differ as f64 / args.len() as f64
    );
    assert!(max <= 1, "ln({worst:e}): {max} ulps from std");
}

fn check_lanes<const L: usize>(args: &[f64]) {
    for chunk in args.chunks_exact(L) {
        let x: [f64; L] = chunk.try_into().unwrap();
        let (e, l) = (exp_lanes(&x), ln_lanes(&x));
        for k in 0..L {
            assert_eq!(
                e[k].to_bits(),
                exp(x[k]).to_bits(),
                "exp lane {k} of {L}: {x:?}"
            );
            assert_eq!(
                l[k].to_bits(),
                ln(x[k]).to_bits(),
                "ln lane {k} of {L}: {x:?}"
            );
        }
    }
}

#[test]
fn lanes_give_the_scalar_bits() {
    // Specials of both functions shuffled among random arguments of both.
    let mut args = exp_args(200_000, 21);
    args.extend(ln_args(200_000, 22));
    args.extend(EXP_SPECIALS);
    args.extend(LN_SPECIALS);
    let mut r = rng(23);
    for k in (1..args.len()).rev() {
        args.swap(k, (r.next_u64() % (k as u64 + 1)) as usize);
    }
    let n = args.len() / 8 * 8;
    check_lanes::<1>(&args[..n]);
    check_lanes::<2>(&args[..n]);
    check_lanes::<4>(&args[..n]);
    check_lanes::<8>(&args[..n]);
    // Every special in every lane position of an 8-wide call.
    for &s in EXP_SPECIALS.iter().chain(&LN_SPECIALS) {
        for pos in 0..8 {
            let mut x = [0.37; 8];
            x[pos] = s;
            check_lanes::<8>(&x);
        }
    }
}

#[test]
fn uniform_and_open01_are_rands() {
    let (mut a, mut b) = (rng(5), rng(5));
    for _ in 0..100_000 {
        assert_eq!(uniform(&mut a).to_bits(), b.random::<f64>().to_bits());
        assert_eq!(
            open01(&mut a).to_bits(),
            b.sample::<f64, _>(rand::distr::Open01).to_bits()
        );
    }
    // Their ends: 0 and 1 - 2^-53 for uniform, 2^-53 and 1 - 2^-53 for Open01.
    struct Const(u64);
    impl rand::TryRng for Const {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.0 as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(self.0)
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
            unreachable!()
        }
    }
    assert_eq!(uniform(&mut Const(0)), 0.0);
    assert_eq!(uniform(&mut Const(u64::MAX)), 1.0 - f64::EPSILON / 2.0);
    assert_eq!(open01(&mut Const(0)), f64::EPSILON / 2.0);
    assert_eq!(open01(&mut Const(u64::MAX)), 1.0 - f64::EPSILON / 2.0);
}

/// Draws `n` values from both samplers on generators seeded alike, re-synchronising the second
/// generator on the first whenever a differing accept/reject decision left them apart; returns
/// (values that differ, desynchronisations).
fn match_rand_distr(
    n: usize,
    seed: u64,
    own: impl Fn(&mut Xoshiro256PlusPlus) -> f64,
    theirs: impl Fn(&mut Xoshiro256PlusPlus) -> f64,
) -> (usize, usize) {
    let (mut a, mut b) = (rng(seed), rng(seed));
    let (mut differ, mut desync) = (0, 0);
    for _ in 0..n {
        let (x, y) = (own(&mut a), theirs(&mut b));
        if x.to_bits() != y.to_bits() {
            differ += 1;
            assert!(ulps(x, y) <= 4, "{x:e} against rand_distr's {y:e}");
        }
        if a != b {
            desync += 1;
            b = a.clone();
        }
    }
    (differ, desync)
}

#[test]
fn normal_equals_rand_distr_but_for_rare_last_bits() {
    let n = 1_000_000;
    let mut total = 0;
    for seed in [1, 2, 3] {
        let (differ, desync) = match_rand_distr(
            n,
            seed,
            |r| normal(r),
            |r| rand_distr::StandardNormal.sample(r),
        );
        eprintln!("normal, seed {seed}: {differ} of {n} draws differ, {desync} desync");
        assert_eq!(desync, 0);
        total += differ;
    }
    // Only a tail draw can differ (its ln), and then by an ulp or so: well under 1e-5.
    assert!(total <= 30, "{total} of {} differ", 3 * n);
}

#[test]
fn chi_squared_equals_rand_distr_but_for_rare_last_bits() {
    let n = 1_000_000;
    for (seed, df) in [(4u64, 3.0), (5, 4.0), (6, 5.0), (7, 10.0), (8, 2.5)] {
        let own = ChiSquared::new(df).unwrap();
        let theirs = rand_distr::ChiSquared::new(df).unwrap();
        let (differ, desync) = match_rand_distr(n, seed, |r| own.sample(r), |r| theirs.sample(r));
        eprintln!("chi-square df {df}: {differ} of {n} draws differ, {desync} desync");
        assert!(differ <= 2 + n / 10_000, "df {df}: {differ} differ");
        assert!(desync <= 2, "df {df}: {desync} desync");
    }
}

#[test]
fn chi_squared_refuses_df_up_to_2() {
    for df in [2.0, 1.0, 0.0, -3.0, f64::NAN, f64::INFINITY] {
        let e = ChiSquared::new(df).unwrap_err();
        assert!(e.to_string().contains("greater than 2"), "{e}");
    }
    assert_eq!(ChiSquared::new(5.5).unwrap().df(), 5.5);
}

/// P(|Z| > 3) and P(|Z| > 3.7) of the standard normal (2 (1 - Phi(t))).
const TWO_TAIL_3: f64 = 2.699_796_063_260_207e-3;
const TWO_TAIL_37: f64 = 2.156_005_384_875_447e-4;

#[test]
fn normal_has_the_moments_and_tails_of_n01() {
    let n = 4_000_000usize;
    let mut r = rng(31);
    let (mut s1, mut s2, mut s4, mut t3, mut t37, mut neg) = (0.0, 0.0, 0.0, 0usize, 0usize, 0);
    for _ in 0..n {
        let z = normal(&mut r);
        s1 += z;
        s2 += z * z;
        s4 += z * z * z * z;
        t3 += usize::from(z.abs() > 3.0);
        t37 += usize::from(z.abs() > 3.7);
        neg += usize::from(z < 0.0);
    }
    let nf = n as f64;
    // Five standard errors: mean sd 1, z^2 sd sqrt(2), z^4 sd sqrt(96).
    assert!((s1 / nf).abs() < 5.0 / nf.sqrt(), "mean {}", s1 / nf);
    assert!(
        (s2 / nf - 1.0).abs() < 5.0 * 2f64.sqrt() / nf.sqrt(),
        "var {}",
        s2 / nf
    );
    assert!(
        (s4 / nf - 3.0).abs() < 5.0 * 96f64.sqrt() / nf.sqrt(),
        "E z^4 {}",
        s4 / nf
    );
    for (count, p) in [(t3, TWO_TAIL_3), (t37, TWO_TAIL_37)] {
        let sd = (p * (1.0 - p) / nf).sqrt();
        let got = count as f64 / nf;
        assert!((got - p).abs() < 5.0 * sd, "P tail {got} against {p}");
    }
    assert!((neg as f64 / nf - 0.5).abs() < 5.0 * 0.5 / nf.sqrt());
}

#[test]
fn normal_lanes_equal_scalar_normal_per_lane() {
    fn check<const L: usize>(steps: usize) {
        let mut lanes: [Xoshiro256PlusPlus; L] = std::array::from_fn(|l| rng(100 + l as u64));
        let mut scalar: [Xoshiro256PlusPlus; L] = std::array::from_fn(|l| rng(100 + l as u64));
        for _ in 0..steps {
            let z = normal_lanes(&mut lanes);
            for l in 0..L {
                assert_eq!(
                    z[l].to_bits(),
                    normal(&mut scalar[l]).to_bits(),
                    "lane {l} of {L}"
                );
            }
        }
        assert!(lanes == scalar, "generators left in the same state");
    }
    check::<1>(200_000);
    check::<4>(100_000);
    check::<8>(50_000);
}

#[test]
fn normal_fast_lanes_accepts_as_normal_does() {
    let mut r = rng(41);
    let mut accepted = 0usize;
    let n = 1_000_000 / 8;
    for _ in 0..n {
        let bits: [u64; 8] = std::array::from_fn(|_| r.next_u64());
        let (x, ok) = normal_fast_lanes(&bits);
        for l in 0..8 {
            // A generator that would give bits[l] first, then continue from r's stream.
            if ok[l] {
                accepted += 1;
                let mut copy = r.clone();
                assert_eq!(normal_from(&mut copy, bits[l]).to_bits(), x[l].to_bits());
                assert!(copy == r, "an accepted lane draws nothing more");
            }
        }
    }
    // The fast test accepts box i with probability X[i+1] / X[i], each box 1/256.
    let p = (0..256)
        .map(|i| ZIG_NORM_X[i + 1] / ZIG_NORM_X[i])
        .sum::<f64>()
        / 256.0;
    let rate = accepted as f64 / (8 * n) as f64;
    let sd = (p * (1.0 - p) / (8 * n) as f64).sqrt();
    eprintln!("fast acceptance {rate}, expected {p}");
    assert!(
        (rate - p).abs() < 5.0 * sd,
        "fast acceptance {rate}, expected {p}"
    );
}

/// P(X > q) for df = 4 is exp(-q/2) (1 + q/2).
#[test]
fn chi_squared_has_mean_df_variance_2df_and_the_df4_quantiles() {
    let n = 2_000_000usize;
    let nf = n as f64;
    for (seed, df) in [(51u64, 3.0), (52, 4.0), (53, 5.0), (54, 12.0)] {
        let chi = ChiSquared::new(df).unwrap();
        let mut r = rng(seed);
        let (mut s1, mut s2) = (0.0, 0.0);
        let mut above = [0usize; 3];
        let qs = [1.0, 4.0, 9.487729036781154];
        for _ in 0..n {
            let x = chi.sample(&mut r);
            assert!(x > 0.0);
            s1 += x;
            s2 += x * x;
            for (a, q) in above.iter_mut().zip(qs) {
                *a += usize::from(x > q);
            }
        }
        let mean = s1 / nf;
        let var = s2 / nf - mean * mean;
        // sd of the mean sqrt(2 df / n); of the sample variance sqrt((E(X-m)^4 - var^2) / n)
        // with E(X-m)^4 = 12 df (df + 4).
        assert!(
            (mean - df).abs() < 5.0 * (2.0 * df / nf).sqrt(),
            "df {df}: mean {mean}"
        );
        let var_sd = ((12.0 * df * (df + 4.0) - 4.0 * df * df) / nf).sqrt();
        assert!((var - 2.0 * df).abs() < 5.0 * var_sd, "df {df}: var {var}");
        if df == 4.0 {
            for (a, q) in above.iter().zip(qs) {
                let p = (-q / 2.0).exp() * (1.0 + q / 2.0);
                let got = *a as f64 / nf;
                let sd = (p * (1.0 - p) / nf).sqrt();
                assert!((got - p).abs() < 5.0 * sd, "P(X > {q}) = {got}, want {p}");
            }
            // The 95% quantile of chi-square(4) is 9.4877.
            let p95 = (-qs[2] / 2.0).exp() * (1.0 + qs[2] / 2.0);
            assert!((p95 - 0.05).abs() < 1e-9);
        }
    }
}
