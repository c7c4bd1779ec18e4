//! Tests of [`powu`] (against exact integer arithmetic and the platform's `powf`) and of
//! [`Binomial`] (draw for draw against rand_distr 0.6's, and its distribution at fixed seeds).

use num_bigint::{BigInt, BigUint};
use rand::{Rng, SeedableRng};
use rand_distr::Distribution;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// A finite double as `m 2^e` with an integer `m` (sign included).
fn exact(v: f64) -> (BigInt, i64) {
    assert!(v.is_finite());
    let bits = v.to_bits();
    let be = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if be == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), be - 1075)
    };
    let m = BigInt::from(m);
    (if v < 0.0 { -m } else { m }, e)
}

/// `a^n` as `R 2^e`, `R` truncated to at most `prec` bits after each step (so the relative
/// error is below `2 n 2^-prec`); `prec = u64::MAX`: exact.
fn reference_pow(a: f64, n: u64, prec: u64) -> (BigUint, i64) {
    let (m, e) = exact(a);
    let m = m.to_biguint().expect("a > 0");
    let (mut r, mut re) = (m.clone(), e);
    let trim = |r: &mut BigUint, re: &mut i64| {
        let bits = r.bits();
        if bits > prec {
            *r >>= bits - prec;
            *re += (bits - prec) as i64;
        }
    };
    for bit in (0..63 - n.leading_zeros()).rev() {
        r = &r * &r;
        re *= 2;
        trim(&mut r, &mut re);
        if (n >> bit) & 1 == 1 {
            r *= &m;
            re += e;
            trim(&mut r, &mut re);
        }
    }
    (r, re)
}

/// `(x - R 2^e) / (R 2^e)` as a double, for `x = X 2^xe`.
fn rel_error(x: &BigInt, xe: i64, r: &BigUint, re: i64) -> f64 {
    let r = BigInt::from(r.clone());
    let lo = xe.min(re);
    let d = (x << (xe - lo) as usize) - (&r << (re - lo) as usize);
    let den = &r << (re - lo) as usize;
    // d / den with 300 bits of quotient.
    let q: BigInt = (d << 300usize) / den;
    let q: f64 = q.to_string().parse().expect("an integer");
    q / 2f64.powi(300)
}

/// Error of a double `v` from `R 2^e` in units of the last place of the correctly rounded
/// value (`2^(bits(R) - 53 + e)`).
fn ulp_error(v: f64, r: &BigUint, re: i64) -> f64 {
    let (x, xe) = exact(v);
    let ulp_e = re + r.bits() as i64 - 53;
    let lo = xe.min(ulp_e).min(re);
    let r = BigInt::from(r.clone());
    let d = (x << (xe - lo) as usize) - (&r << (re - lo) as usize);
    let q: BigInt = (d << 40usize) >> (ulp_e - lo) as usize;
    let q: f64 = q.to_string().parse().expect("an integer");
    q / 2f64.powi(40)
}

/// The (n, q) pairs of BINV's `q^n`: `p` log-uniform on [2^-52, 1/2], `n < 10 / p` (below 2^32).
fn binv_cases(count: usize, seed: u64) -> Vec<(f64, u64)> {
    let mut r = rng(seed);
    (0..count)
        .map(|_| {
            let p = 0.5 * 2f64.powf(-51.0 * uniform(&mut r));
            let max = (10.0 / p).min(4_294_967_295.0);
            let n = 1 + (uniform(&mut r) * max) as u64;
            (1.0 - p, n.min(4_294_967_295))
        })
        .collect()
}

/// General bases with small and large powers, the result a normal double: `n` up to 60 or
/// 1000, `|log2 x| < min(20, 1000 / n)`, the low 30 bits of the mantissa random.
fn general_cases(count: usize, seed: u64) -> Vec<(f64, u64)> {
    let mut r = rng(seed);
    (0..count)
        .map(|k| {
            let n = if k % 2 == 0 {
                1 + r.next_u64() % 60
            } else {
                1 + r.next_u64() % 1000
            };
            let e = (2.0 * uniform(&mut r) - 1.0) * (1000.0 / n as f64).min(20.0);
            let x = f64::from_bits(2f64.powf(e).to_bits() ^ (r.next_u64() >> 34));
            (x, n)
        })
        .collect()
}

#[test]
fn pow_reference_is_exact_where_checkable() {
    // The truncated reference against the exact power (small n): the same to 2^-300.
    for &(x, n) in &general_cases(200, 40) {
        let (er, ee) = reference_pow(x, n, u64::MAX);
        let (tr, te) = reference_pow(x, n, 320);
        let (t, tee) = (BigInt::from(tr), te);
        assert!(rel_error(&t, tee, &er, ee).abs() < 1e-90, "{x}^{n}");
    }
}

#[test]
fn powu_is_within_n_2_pow_minus_100_before_rounding_and_correctly_rounded() {
    let mut worst_bound = 0.0f64; // largest |error| / (n 2^-100)
    let mut worst_ulp = 0.0f64;
    let mut cases = binv_cases(20_000, 41);
    cases.extend(general_cases(20_000, 42));
    for &(x, n) in &cases {
        let (r, re) = reference_pow(x, n, 320);
        let (h, l, e) = pow::parts(x, n);
        // (h + l) 2^e exactly, as an integer times a power of two.
        let ((hm, he), (lm, le)) = (exact(h), exact(l));
        let lo = he.min(le);
        let s = (hm << (he - lo) as usize) + (lm << (le - lo) as usize);
        let rel = rel_error(&s, lo + e as i64, &r, re);
        worst_bound = worst_bound.max(rel.abs() / (n as f64 * 2f64.powi(-100)));
        let v = powu(x, n);
        let u = ulp_error(v, &r, re);
        worst_ulp = worst_ulp.max(u.abs());
        assert!(u.abs() <= 0.5, "{x:e}^{n} = {v:e}: {u} ulp");
    }
    eprintln!(
        "powu: unrounded error at most {worst_bound:.3} n 2^-100, rounded at most {worst_ulp:.6} ulp"
    );
    assert!(worst_bound <= 1.0, "{worst_bound} n 2^-100");
}

#[test]
fn powu_against_the_platform_powf() {
    // glibc's pow is within about 0.52 ulp: it may differ from the correctly rounded value by 1.
    let (mut differ, mut worst_powf) = (0, 0.0f64);
    let mut cases = binv_cases(200_000, 43);
    cases.extend(general_cases(200_000, 44));
    for &(x, n) in &cases {
        let (a, b) = (powu(x, n), x.powf(n as f64));
        if a != b {
            differ += 1;
            assert!(
                (a - b).abs() <= (a.abs() * f64::EPSILON),
                "{x:e}^{n}: {a:e} against {b:e}"
            );
            // Where they differ, powu's is the correctly rounded one.
            let (r, re) = reference_pow(x, n, 320);
            let (ua, ub) = (ulp_error(a, &r, re), ulp_error(b, &r, re));
            assert!(
                ua.abs() <= 0.5 && ub.abs() > 0.5,
                "{x:e}^{n}: {ua} and {ub} ulp"
            );
            worst_powf = worst_powf.max(ub.abs());
        }
    }
    eprintln!(
        "powu: {differ} of {} differ from powf (powf then {worst_powf:.4} ulp at most)",
        cases.len()
    );
    assert!(differ <= cases.len() / 1000, "{differ} differ");
}

#[test]
fn powu_special_values_are_those_of_powf() {
    let xs = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.0,
        -1.0,
        2.0,
        -2.0,
        -0.75,
        0.5,
        1.0 - f64::EPSILON / 2.0,
        1e300,
        1e-300,
        5e-324,
        1e-310,
        -3e-320,
        f64::MAX,
        f64::MIN_POSITIVE,
    ];
    let ns = [0u64, 1, 2, 3, 4, 7, 64, 1000, (1 << 32) - 1];
    for &x in &xs {
        for &n in &ns {
            let (a, b) = (powu(x, n), x.powf(n as f64));
            let same = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            // A subnormal result may be rounded twice (within 1 ulp).
            let sub = b != 0.0 && b.abs() < f64::MIN_POSITIVE;
            let near = sub && (a - b).abs() <= 5e-324;
            assert!(same || near, "{x:e}^{n}: {a:e} against powf's {b:e}");
        }
    }
    // The subnormal range: power of a power of two is exact.
    assert_eq!(powu(0.5, 1074), 5e-324);
    assert_eq!(powu(0.5, 1075), 0.0);
    assert_eq!(powu(2.0, 1023), f64::MAX / (2.0 - f64::EPSILON));
    assert_eq!(powu(2.0, 1024), f64::INFINITY);
}

/// Draws `count` values from both binomials on generators seeded alike; returns the number of
/// draws that differ (after each, the second generator is set to the first's state) and checks
/// that the generators stay in step.
fn match_rand_distr(n: u64, p: f64, count: usize, seed: u64) -> usize {
    let own = Binomial::new(n, p).unwrap();
    let theirs = rand_distr::Binomial::new(n, p).unwrap();
    let (mut a, mut b) = (rng(seed), rng(seed));
    let mut differ = 0;
    for _ in 0..count {
        let (x, y) = (own.sample(&mut a), theirs.sample(&mut b));
        if x != y || a != b {
            differ += 1;
            b = a.clone();
        }
    }
    differ
}

/// (n, p, what it exercises): every method, the flipped cases, the BINV/BTPE threshold.
const CASES: [(u64, f64, &str); 20] = [
    (3, 0.3, "BINV"),
    (
        3,
        0.973,
        "BINV, flipped (the shipped scenario's few sections)",
    ),
    (108, 0.05, "BINV"),
    (108, 0.96, "BINV, flipped"),
    (20, 0.4, "BINV, n p = 8"),
    (1000, 0.0099, "BINV, n p = 9.9"),
    (1_000_000_000, 3e-9, "BINV, large n"),
    (4_294_967_295, 2e-9, "BINV, n = 2^32 - 1"),
    (108, 0.5, "BTPE, p = 1/2 (not flipped)"),
    (108, 0.2, "BTPE"),
    (108, 0.85, "BTPE, flipped"),
    (1000, 0.01, "BTPE, n p = 10"),
    (1000, 0.3, "BTPE"),
    (1_000_000, 0.01, "BTPE, large n"),
    (4_294_967_295, 0.4, "BTPE, n = 2^32 - 1"),
    (50, 0.7, "BTPE, flipped, small"),
    (1000, 1e-17, "Poisson (q rounds to 1)"),
    (100_000_000_000_000_000, 5e-17, "Poisson, n p = 5"),
    (108, 0.0, "constant 0"),
    (108, 1.0, "constant n"),
];

#[test]
fn binomial_draws_equal_rand_distrs() {
    let count = 200_000;
    let mut total = 0;
    for (k, &(n, p, what)) in CASES.iter().enumerate() {
        let differ = match_rand_distr(n, p, count, 100 + k as u64);
        eprintln!("binomial({n}, {p}) [{what}]: {differ} of {count} draws differ");
        total += differ;
    }
    // A draw could differ only where an own pow/ln/exp differs from glibc's in the last bit
    // and that bit decides a comparison: never in these 4 million draws.
    assert_eq!(total, 0);
}

#[test]
fn binomial_refuses_as_rand_distr_does() {
    use rand_distr::BinomialError as Theirs;
    for p in [
        -0.1,
        -0.0,
        f64::NAN,
        1.1,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.5,
    ] {
        let own = Binomial::new(10, p).err();
        let theirs = rand_distr::Binomial::new(10, p).err();
        let expect = theirs.map(|e| match e {
            Theirs::ProbabilityTooSmall => BinomialError::ProbabilityTooSmall,
            Theirs::ProbabilityTooLarge => BinomialError::ProbabilityTooLarge,
            _ => unreachable!("rand_distr 0.6 has two cases"),
        });
        assert_eq!(own, expect, "p = {p}");
    }
    assert_eq!(Binomial::new(10, -0.0).unwrap().sample(&mut rng(1)), 0);
    assert!(
        BinomialError::ProbabilityTooLarge
            .to_string()
            .contains("p > 1")
    );
}

/// Chi-square statistic of `count` draws of `Binomial(n, p)` against its probabilities
/// (computed by the recurrence from the mode, the tails pooled into cells of at least 20
/// expected draws), and its degrees of freedom.
fn chi_square_binomial(n: u64, p: f64, count: usize, seed: u64) -> (f64, f64, f64) {
    let d = Binomial::new(n, p).unwrap();
    let mut r = rng(seed);
    let mut hist = vec![0u64; n as usize + 1];
    let mut sum = 0.0;
    for _ in 0..count {
        let k = d.sample(&mut r);
        hist[k as usize] += 1;
        sum += k as f64;
    }
    // pmf: log f(k) by lgamma-free recurrence, normalised.
    let mut f = vec![0.0f64; n as usize + 1];
    let mode = ((n as f64 + 1.0) * p).floor() as usize;
    f[mode] = 1.0;
    for k in mode + 1..=n as usize {
        f[k] = f[k - 1] * ((n as f64 - k as f64 + 1.0) / k as f64) * (p / (1.0 - p));
    }
    for k in (0..mode).rev() {
        f[k] = f[k + 1] * ((k as f64 + 1.0) / (n as f64 - k as f64)) * ((1.0 - p) / p);
    }
    let total: f64 = f.iter().sum();
    let (mut chi, mut cells) = (0.0, 0.0);
    let (mut e, mut o) = (0.0, 0.0);
    for k in 0..=n as usize {
        e += f[k] / total * count as f64;
        o += hist[k] as f64;
        if e >= 20.0 && (n as usize - k) > 0 {
            let rest: f64 = f[k + 1..].iter().sum::<f64>() / total * count as f64;
            if rest >= 20.0 {
                chi += (o - e) * (o - e) / e;
                cells += 1.0;
                (e, o) = (0.0, 0.0);
            }
        }
    }
    chi += (o - e) * (o - e) / e;
    cells += 1.0;
    let mean = sum / count as f64;
    let z = (mean - n as f64 * p) / (n as f64 * p * (1.0 - p) / count as f64).sqrt();
    (chi, cells - 1.0, z)
}

#[test]
fn binomial_has_the_binomial_distribution() {
    let count = 1_000_000;
    for (k, &(n, p)) in [(3, 0.3), (3, 0.973), (108, 0.05), (108, 0.96), (108, 0.5)]
        .iter()
        .chain(&[
            (108, 0.2),
            (108, 0.85),
            (1000, 0.3),
            (20, 0.4),
            (2000, 0.004),
        ])
        .enumerate()
    {
        let (chi, dof, z) = chi_square_binomial(n, p, count, 200 + k as u64);
        eprintln!("binomial({n}, {p}): chi-square {chi:.1} on {dof} dof, mean z {z:.2}");
        // Mean dof, sd sqrt(2 dof): 6 sd is far beyond any fixed-seed fluctuation.
        assert!(
            chi < dof + 6.0 * (2.0 * dof).sqrt(),
            "chi-square {chi} on {dof}"
        );
        assert!(z.abs() < 5.0, "mean {z} standard errors off");
    }
}

#[test]
fn binomial_poisson_case_has_the_poisson_distribution() {
    // n p = 5 with 1 - p rounding to 1: Poisson(5).
    let (n, p) = (100_000_000_000_000_000u64, 5e-17);
    let d = Binomial::new(n, p).unwrap();
    let lambda = n as f64 * p;
    let mut r = rng(7);
    let count = 1_000_000;
    let mut hist = [0u64; 40];
    for _ in 0..count {
        hist[(d.sample(&mut r) as usize).min(39)] += 1;
    }
    let mut pk = (-lambda).exp();
    let (mut chi, mut dof, mut tail) = (0.0f64, 0.0f64, 1.0f64);
    for (k, &h) in hist.iter().enumerate().take(16) {
        let e = pk * count as f64;
        chi += (h as f64 - e) * (h as f64 - e) / e;
        dof += 1.0;
        tail -= pk;
        pk *= lambda / (k as f64 + 1.0);
    }
    let rest: u64 = hist[16..].iter().sum();
    let e = tail * count as f64;
    chi += (rest as f64 - e) * (rest as f64 - e) / e.max(1e-9);
    eprintln!("Poisson({lambda}): chi-square {chi:.1} on {dof} dof");
    assert!(chi < dof + 6.0 * (2.0 * dof).sqrt(), "chi-square {chi}");
}

/// FNV-1a over the little-endian bytes of `words`.
fn fnv1a(words: impl Iterator<Item = u64>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for w in words {
        for b in w.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[test]
fn binomial_and_powu_bits_are_pinned() {
    // 100,000 draws of each method (today's rand_distr draws, by the test above) and 100,000
    // powers: any change of their bits shows here.
    let mut draws = Vec::new();
    for (k, &(n, p)) in [
        (3, 0.973),
        (108, 0.003),
        (108, 0.5),
        (1000, 0.7),
        (1000, 1e-17),
    ]
    .iter()
    .enumerate()
    {
        let d = Binomial::new(n, p).unwrap();
        let mut r = rng(300 + k as u64);
        draws.extend((0..100_000).map(|_| d.sample(&mut r)));
    }
    let powers = binv_cases(100_000, 45)
        .into_iter()
        .map(|(q, n)| powu(q, n).to_bits());
    let (hd, hp) = (fnv1a(draws.into_iter()), fnv1a(powers));
    eprintln!("hashes: draws {hd:#018x}, powers {hp:#018x}");
    assert_eq!((hd, hp), (0xa3a0_bf49_bacf_03b3, 0x20f0_d53c_e334_4322));
}

/// BINV's plain powering for `n <= 128`: within `n · 2^-53` (relative) of the exact `q^n`.
#[test]
fn binv_plain_power_is_within_n_2_pow_minus_53() {
    let mut r = rng(43);
    let mut worst = 0.0f64; // largest |error| / (n 2^-53)
    for _ in 0..20_000 {
        let q = 0.5 + 0.5 * uniform(&mut r);
        let n = 1 + (uniform(&mut r) * 128.0) as u64;
        let (x, xe) = exact(super::binomial::binv_r(q, n));
        let (ref_r, re) = reference_pow(q, n, 320);
        let rel = rel_error(&x, xe, &ref_r, re);
        worst = worst.max(rel.abs() / (n as f64 * 2f64.powi(-53)));
    }
    eprintln!("binv_r: error at most {worst:.3} n 2^-53");
    assert!(worst <= 1.0, "{worst} n 2^-53");
    // Beyond 128 trials it is powu.
    assert_eq!(super::binomial::binv_r(0.99, 1000), powu(0.99, 1000));
}

#[test]
fn binomial_set_up_over_lanes_is_each_lanes_own() {
    // Every case of `new`: errors, the constants, Poisson, BINV (flipped or not, plain and
    // correctly rounded powers) and BTPE, in lanes side by side.
    let odd = [
        f64::NAN,
        -0.1,
        1.5,
        0.0,
        1.0,
        1e-300,
        0.027,
        0.5,
        0.97,
        0.3,
        0.999_999,
        f64::MIN_POSITIVE,
        0.75,
        2f64.powi(-60),
        0.1,
        0.6,
    ];
    let mut r = rng(77);
    for n in [0u64, 1, 3, 12, 108, 128, 129, 1_000, 1_000_000] {
        for round in 0..40 {
            let p: [f64; 8] = std::array::from_fn(|l| {
                if round < 2 {
                    odd[8 * round + l]
                } else {
                    super::uniform(&mut r)
                }
            });
            let lanes = Binomial::new_lanes(n, &p);
            for l in 0..8 {
                assert_eq!(lanes.lane(l), Binomial::new(n, p[l]), "n {n}, p {}", p[l]);
                let (mut a, mut b) = (rng(l as u64), rng(l as u64));
                let own = Binomial::new(n, p[l]).map(|d| d.sample(&mut a));
                assert_eq!(lanes.sample(l, &mut b), own, "n {n}, p {}", p[l]);
            }
        }
    }
}
