//! The lanes' generators against rand_xoshiro, and every [`Isa`] against the scalar code, bit
//! for bit: many seeds and arguments, the special values in every lane position, widths that
//! are and are not a multiple of the vector width.

// Lane loops index several arrays by the lane.
#![allow(clippy::needless_range_loop)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::super::tests::{EXP_SPECIALS, exp_args};
use super::super::{XoshiroLanes, exp, normal, normal_fast_lanes, normals, uniform, uniforms};
use super::{Isa, Portable};

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Runs `check` with every instruction set this CPU has (the portable one always).
fn each_isa(mut check: impl FnMut(&dyn Fn() -> Box<dyn IsaCase>)) {
    check(&|| Box::new(Portable));
    #[cfg(target_arch = "x86_64")]
    check(&|| Box::new(super::Sse2));
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = super::Avx2::new() {
        check(&move || Box::new(avx2));
    } else {
        eprintln!("this CPU has no AVX2: only the portable lane operations were checked");
    }
}

/// An [`Isa`] at the widths the tests use (a trait object, so one test body serves all).
trait IsaCase {
    fn name(&self) -> &'static str;
    fn next8(&self, g: &mut XoshiroLanes<8>) -> [u64; 8];
    fn next5(&self, g: &mut XoshiroLanes<5>) -> [u64; 5];
    fn fast8(&self, b: &[u64; 8]) -> ([f64; 8], u32);
    fn fast5(&self, b: &[u64; 5]) -> ([f64; 5], u32);
    fn exp8(&self, x: &[f64; 8]) -> [f64; 8];
    fn exp6(&self, x: &[f64; 6]) -> [f64; 6];
    fn uniform8(&self, b: &[u64; 8]) -> [f64; 8];
    fn uniform3(&self, b: &[u64; 3]) -> [f64; 3];
    fn normals8(&self, g: &mut XoshiroLanes<8>) -> [f64; 8];
    fn normals5(&self, g: &mut XoshiroLanes<5>) -> [f64; 5];
    fn uniforms8(&self, g: &mut XoshiroLanes<8>) -> [f64; 8];
    fn uniforms5(&self, g: &mut XoshiroLanes<5>) -> [f64; 5];
}

impl<I: Isa> IsaCase for I {
    fn name(&self) -> &'static str {
        std::any::type_name::<I>()
    }
    fn next8(&self, g: &mut XoshiroLanes<8>) -> [u64; 8] {
        self.next_u64(g)
    }
    fn next5(&self, g: &mut XoshiroLanes<5>) -> [u64; 5] {
        self.next_u64(g)
    }
    fn fast8(&self, b: &[u64; 8]) -> ([f64; 8], u32) {
        self.normal_fast(b)
    }
    fn fast5(&self, b: &[u64; 5]) -> ([f64; 5], u32) {
        self.normal_fast(b)
    }
    fn exp8(&self, x: &[f64; 8]) -> [f64; 8] {
        self.exp(x)
    }
    fn exp6(&self, x: &[f64; 6]) -> [f64; 6] {
        self.exp(x)
    }
    fn uniform8(&self, b: &[u64; 8]) -> [f64; 8] {
        self.uniform(b)
    }
    fn uniform3(&self, b: &[u64; 3]) -> [f64; 3] {
        self.uniform(b)
    }
    fn normals8(&self, g: &mut XoshiroLanes<8>) -> [f64; 8] {
        normals(*self, g)
    }
    fn normals5(&self, g: &mut XoshiroLanes<5>) -> [f64; 5] {
        normals(*self, g)
    }
    fn uniforms8(&self, g: &mut XoshiroLanes<8>) -> [f64; 8] {
        uniforms(*self, g)
    }
    fn uniforms5(&self, g: &mut XoshiroLanes<5>) -> [f64; 5] {
        uniforms(*self, g)
    }
}

/// The lanes are rand_xoshiro's generators: for 64 seeds per width, all lanes stepped
/// together, one lane stepped alone (its view), and the state read back.
#[test]
fn lanes_are_rand_xoshiro_per_lane() {
    each_isa(|make| {
        let isa = make();
        for round in 0..8u64 {
            let seeds8: [u64; 8] = std::array::from_fn(|l| round * 1000 + l as u64);
            let mut scalar: [Xoshiro256PlusPlus; 8] = std::array::from_fn(|l| rng(seeds8[l]));
            let mut lanes = XoshiroLanes::from_rngs(&scalar);
            for step in 0..1000 {
                let got = isa.next8(&mut lanes);
                for l in 0..8 {
                    assert_eq!(
                        got[l],
                        scalar[l].next_u64(),
                        "{}: lane {l}, step {step}",
                        isa.name()
                    );
                }
                // Now and then one lane leaves the lockstep for a few draws.
                let l = step % 8;
                for _ in 0..step % 3 {
                    assert_eq!(lanes.lane(l).next_u64(), scalar[l].next_u64());
                }
            }
            for (l, s) in scalar.iter().enumerate() {
                assert!(lanes.to_rng(l) == *s, "lane {l}'s state");
            }

            let mut scalar: [Xoshiro256PlusPlus; 5] =
                std::array::from_fn(|l| rng(round * 77 + l as u64));
            let mut lanes = XoshiroLanes::from_rngs(&scalar);
            for step in 0..1000 {
                let got = isa.next5(&mut lanes);
                for l in 0..5 {
                    assert_eq!(
                        got[l],
                        scalar[l].next_u64(),
                        "{}: lane {l} of 5, step {step}",
                        isa.name()
                    );
                }
            }
        }
    });
}

/// The lane view is a complete rand generator: `next_u32` and `fill_bytes` as rand_xoshiro's.
#[test]
fn a_lane_view_is_rand_xoshiro() {
    let mut scalar = rng(9);
    let mut lanes = XoshiroLanes::<4>::from_rngs(&[rng(1), rng(2), scalar.clone(), rng(4)]);
    let mut lane = lanes.lane(2);
    for n in [0usize, 1, 7, 8, 9, 31] {
        assert_eq!(lane.next_u32(), scalar.next_u32());
        let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
        lane.fill_bytes(&mut a);
        scalar.fill_bytes(&mut b);
        assert_eq!(a, b, "{n} bytes");
    }
    assert!(lanes.to_rng(2) == scalar);
    assert!(lanes.to_rng(1) == rng(2), "the other lanes do not move");
}

/// `normal_fast` of every ISA equals the portable `normal_fast_lanes` (candidates and misses)
/// on 400,000 random words and on words that hit every box, both signs.
#[test]
fn the_fast_test_has_the_scalar_bits() {
    let mut r = rng(5);
    let mut words: Vec<u64> = (0..400_000).map(|_| r.next_u64()).collect();
    for i in 0..256u64 {
        for top in [
            0u64,
            1 << 63,
            u64::MAX << 8,
            0x8000_0000_0000_0000 >> 11,
            0x7ff0 << 48,
        ] {
            words.push(top | i);
        }
    }
    each_isa(|make| {
        let isa = make();
        let mut misses = 0;
        for w in words.chunks_exact(8) {
            let b: [u64; 8] = w.try_into().unwrap();
            let (x, ok) = normal_fast_lanes(&b);
            let (y, miss) = isa.fast8(&b);
            for l in 0..8 {
                assert_eq!(
                    x[l].to_bits(),
                    y[l].to_bits(),
                    "{}: {:#x}",
                    isa.name(),
                    b[l]
                );
                assert_eq!(ok[l], miss & (1 << l) == 0, "{}: {:#x}", isa.name(), b[l]);
            }
            assert_eq!(miss >> 8, 0);
            misses += miss.count_ones();
            let b5: [u64; 5] = w[..5].try_into().unwrap();
            let (y, miss) = isa.fast5(&b5);
            for l in 0..5 {
                assert_eq!(x[l].to_bits(), y[l].to_bits());
                assert_eq!(ok[l], miss & (1 << l) == 0);
            }
            assert_eq!(miss >> 5, 0);
        }
        assert!(misses > 1000, "the misses were tested: {misses}");
    });
}

/// `exp` of every ISA has the scalar bits on 400,000 arguments over the whole domain and on
/// every special value (NaN, infinities, overflow and underflow thresholds, subnormal
/// results, signed zeros) in every lane position.
#[test]
fn exp_lanes_of_every_isa_have_the_scalar_bits() {
    let mut args = exp_args(400_000, 31);
    args.extend(EXP_SPECIALS);
    // Subnormal results and the edges of the |x| >= 512 forms.
    let mut r = rng(32);
    for _ in 0..20_000 {
        args.push(-708.4 - 37.0 * uniform(&mut r));
        args.push(512.0 + (uniform(&mut r) - 0.5) * 1e-3);
        args.push(-512.0 + (uniform(&mut r) - 0.5) * 1e-3);
    }
    args.extend([
        512.0,
        -512.0,
        f64::from_bits(0x7ff8_0000_0000_0001),
        -f64::NAN,
        -1e-310,
        1e-320,
    ]);
    each_isa(|make| {
        let isa = make();
        let check = |x: &[f64]| {
            let x8: [f64; 8] = x.try_into().unwrap();
            let e = isa.exp8(&x8);
            let x6: [f64; 6] = x[..6].try_into().unwrap();
            let e6 = isa.exp6(&x6);
            for l in 0..8 {
                assert_eq!(
                    e[l].to_bits(),
                    exp(x[l]).to_bits(),
                    "{}: exp({:e})",
                    isa.name(),
                    x[l]
                );
            }
            for l in 0..6 {
                assert_eq!(e6[l].to_bits(), e[l].to_bits());
            }
        };
        for x in args.chunks_exact(8) {
            check(x);
        }
        for &s in EXP_SPECIALS.iter().chain(&[512.0, -512.0, -745.0, 1e-320]) {
            for pos in 0..8 {
                let mut x = [0.37; 8];
                x[pos] = s;
                check(&x);
            }
        }
    });
}

/// `uniform` of every ISA is `sample::uniform` of the same word, on random words and the
/// words at the ends and the bit boundaries of the conversion.
#[test]
fn uniform_lanes_of_every_isa_have_the_scalar_bits() {
    let mut r = rng(6);
    let mut words: Vec<u64> = (0..200_000).map(|_| r.next_u64()).collect();
    for k in 0..64 {
        words.extend([1u64 << k, (1u64 << k) - 1, u64::MAX << k, u64::MAX >> k]);
    }
    words.extend([0, u64::MAX, 0x7ff, 0x800, 0xffff_ffff_ffff_f800]);
    words.resize(words.len().div_ceil(8) * 8, 3);
    each_isa(|make| {
        let isa = make();
        for w in words.chunks_exact(8) {
            let b: [u64; 8] = w.try_into().unwrap();
            let u = isa.uniform8(&b);
            let u3 = isa.uniform3(&[b[0], b[1], b[2]]);
            for l in 0..8 {
                let expect = (b[l] >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                assert_eq!(
                    u[l].to_bits(),
                    expect.to_bits(),
                    "{}: {:#x}",
                    isa.name(),
                    b[l]
                );
            }
            assert_eq!(u3.map(f64::to_bits), [u[0], u[1], u[2]].map(f64::to_bits));
        }
    });
}

/// `normals` and `uniforms` on the lanes give each lane the sequence of `normal` and `uniform`
/// on its own rand_xoshiro generator, interleaved as a kernel draws them (misses included).
#[test]
fn normals_and_uniforms_are_the_scalar_sequences_per_lane() {
    each_isa(|make| {
        let isa = make();
        let mut scalar: [Xoshiro256PlusPlus; 8] = std::array::from_fn(|l| rng(300 + l as u64));
        let mut lanes = XoshiroLanes::from_rngs(&scalar);
        let mut scalar5: [Xoshiro256PlusPlus; 5] = std::array::from_fn(|l| rng(400 + l as u64));
        let mut lanes5 = XoshiroLanes::from_rngs(&scalar5);
        for step in 0..40_000 {
            let (z, z5) = (isa.normals8(&mut lanes), isa.normals5(&mut lanes5));
            for l in 0..8 {
                assert_eq!(
                    z[l].to_bits(),
                    normal(&mut scalar[l]).to_bits(),
                    "{}: lane {l}, step {step}",
                    isa.name()
                );
            }
            for l in 0..5 {
                assert_eq!(z5[l].to_bits(), normal(&mut scalar5[l]).to_bits());
            }
            if step % 4 == 0 {
                let (u, u5) = (isa.uniforms8(&mut lanes), isa.uniforms5(&mut lanes5));
                for l in 0..8 {
                    assert_eq!(u[l].to_bits(), uniform(&mut scalar[l]).to_bits());
                }
                for l in 0..5 {
                    assert_eq!(u5[l].to_bits(), uniform(&mut scalar5[l]).to_bits());
                }
            }
        }
        for l in 0..8 {
            assert!(lanes.to_rng(l) == scalar[l], "lane {l} drew as many words");
        }
        for l in 0..5 {
            assert!(lanes5.to_rng(l) == scalar5[l]);
        }
    });
}

/// `ChiSquared::sample_lanes` gives each lane the sequence of `ChiSquared::sample` on its own
/// generator, for degrees of freedom whose `1 + c z` is at times not positive (2.5: a lane
/// leaves the lockstep) and for the model's usual ones.
#[test]
fn chi_squared_lanes_are_the_scalar_sequences_per_lane() {
    use super::super::ChiSquared;
    fn check<I: Isa, const L: usize>(isa: I, df: f64, steps: usize) -> usize {
        let chi = ChiSquared::new(df).unwrap();
        let mut scalar: [Xoshiro256PlusPlus; L] = std::array::from_fn(|l| rng(500 + l as u64));
        let mut lanes = XoshiroLanes::from_rngs(&scalar);
        let mut extra = 0;
        for step in 0..steps {
            let w = chi.sample_lanes(isa, &mut lanes);
            for l in 0..L {
                let before = scalar[l].clone();
                assert_eq!(
                    w[l].to_bits(),
                    chi.sample(&mut scalar[l]).to_bits(),
                    "df {df}, lane {l} of {L}, step {step}"
                );
                // More than the two words of an accepted first attempt.
                let mut probe = before;
                probe.next_u64();
                probe.next_u64();
                extra += usize::from(probe != scalar[l]);
            }
        }
        for l in 0..L {
            assert!(
                lanes.to_rng(l) == scalar[l],
                "df {df}: lane {l} drew as many words"
            );
        }
        extra
    }
    let mut extra = 0;
    for df in [2.5, 3.0, 5.0, 12.0] {
        extra += check::<Portable, 8>(Portable, df, 20_000);
        extra += check::<Portable, 3>(Portable, df, 5_000);
        #[cfg(target_arch = "x86_64")]
        {
            extra += check::<_, 8>(super::Sse2, df, 20_000);
            extra += check::<_, 5>(super::Sse2, df, 5_000);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = super::Avx2::new() {
            extra += check::<_, 8>(avx2, df, 20_000);
            extra += check::<_, 5>(avx2, df, 5_000);
        }
    }
    assert!(
        extra > 1000,
        "lanes that left the lockstep were tested: {extra}"
    );
}

/// `open01` of every ISA is `sample::open01` of the same word.
#[test]
fn open01_lanes_have_the_scalar_bits() {
    let mut r = rng(8);
    let mut words: Vec<u64> = (0..100_000).map(|_| r.next_u64()).collect();
    words.extend([0, u64::MAX, 0xfff, 0x1000, 1 << 63, u64::MAX >> 1, 3, 5]);
    let check = |isa: &dyn Fn(&[u64; 8]) -> [f64; 8]| {
        for w in words.chunks_exact(8) {
            let b: [u64; 8] = w.try_into().unwrap();
            let u = isa(&b);
            for l in 0..8 {
                let expect = super::super::open01(&mut Fixed(b[l]));
                assert_eq!(u[l].to_bits(), expect.to_bits(), "{:#x}", b[l]);
                assert!(u[l] > 0.0 && u[l] < 1.0);
            }
        }
    };
    check(&|b| Portable.open01(b));
    #[cfg(target_arch = "x86_64")]
    check(&|b| super::Sse2.open01(b));
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = super::Avx2::new() {
        check(&|b| avx2.open01(b));
    }
}

/// A generator that returns one fixed word.
struct Fixed(u64);

impl rand::TryRng for Fixed {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.0 >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        dest.fill(0);
        Ok(())
    }
}

/// The lane masks, `div`, `sqrt` and `pick_negative` of every ISA are the scalar operations
/// per lane, on random values and every special value in every lane position, at a width that
/// is a multiple of 4 and one that is not.
#[test]
fn lane_masks_and_arithmetic_are_the_scalar_operations() {
    fn check<I: Isa, const L: usize>(isa: I, a: &[f64; L], b: &[f64; L], q: &[u32; L]) {
        let name = std::any::type_name::<I>();
        let (mut lt, mut le, mut nz) = (0u32, 0u32, 0u32);
        for l in 0..L {
            lt |= u32::from(a[l] < b[l]) << l;
            le |= u32::from(a[l] <= b[0]) << l;
            nz |= u32::from(q[l] != 0) << l;
        }
        assert_eq!(isa.lt_mask(a, b), lt, "{name}: {a:?} < {b:?}");
        assert_eq!(isa.le_mask(a, b[0]), le, "{name}: {a:?} <= {}", b[0]);
        assert_eq!(isa.nonzero_mask(q), nz, "{name}: {q:?}");
        let mut zero = 0u32;
        for l in 0..L {
            zero |= u32::from(a[l] == 0.0) << l;
        }
        assert_eq!(isa.zero_mask(a), zero, "{name}: {a:?}");
        assert_eq!(
            isa.all_finite(a),
            a.iter().all(|x| x.is_finite()),
            "{name}: {a:?}"
        );
        let (d, r, p) = (isa.div(a, b), isa.sqrt(a), isa.pick_negative(a, 1.5, -2.5));
        for l in 0..L {
            assert_eq!(d[l].to_bits(), (a[l] / b[l]).to_bits(), "{name}");
            assert_eq!(r[l].to_bits(), a[l].sqrt().to_bits(), "{name}");
            let want = if a[l] < 0.0 { 1.5 } else { -2.5 };
            assert_eq!(p[l].to_bits(), f64::to_bits(want), "{name}: {}", a[l]);
        }
    }
    fn all<I: Isa>(isa: I) {
        let specials = [
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            -5e-324,
            f64::MAX,
            -1.0,
            1.0,
        ];
        let mut r = rng(41);
        for round in 0..20_000 {
            let mut a: [f64; 8] = std::array::from_fn(|_| 4.0 * uniform(&mut r) - 2.0);
            let mut b: [f64; 8] = std::array::from_fn(|_| 4.0 * uniform(&mut r) - 2.0);
            if round % 3 == 0 {
                a[round % 8] = specials[round % specials.len()];
                b[(round / 8) % 8] = specials[(round / 3) % specials.len()];
            }
            if round % 7 == 0 {
                b = a;
            }
            let q: [u32; 8] = std::array::from_fn(|_| (r.next_u64() % 3) as u32);
            check(isa, &a, &b, &q);
            let a5: [f64; 5] = a[..5].try_into().unwrap();
            let b5: [f64; 5] = b[3..].try_into().unwrap();
            let q5: [u32; 5] = q[..5].try_into().unwrap();
            check(isa, &a5, &b5, &q5);
            let a12: [f64; 12] = std::array::from_fn(|l| a[l % 8]);
            let b12: [f64; 12] = std::array::from_fn(|l| b[(l + 3) % 8]);
            let q12: [u32; 12] = std::array::from_fn(|l| q[(l * 5) % 8]);
            check(isa, &a12, &b12, &q12);
        }
        check(isa, &[0.0; 8], &[0.0; 8], &[0; 8]);
        check(isa, &[-0.0; 8], &[0.0; 8], &[u32::MAX; 8]);
    }
    all(Portable);
    #[cfg(target_arch = "x86_64")]
    all(super::Sse2);
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = super::Avx2::new() {
        all(avx2);
    }
}

/// `normals_into`, `skip_normals` and `uniforms_below` give each lane the sequence of
/// `normal` and `uniform` on its own generator (misses included), in the order a kernel's
/// quarter draws them, and leave every generator where the scalar draws leave it.
#[test]
fn runs_of_draws_are_the_scalar_sequences_per_lane() {
    fn check<I: Isa, const L: usize>(isa: I, seed: u64) -> u32 {
        let name = std::any::type_name::<I>();
        let mut scalar: [Xoshiro256PlusPlus; L] = std::array::from_fn(|l| rng(seed + l as u64));
        let mut lanes = XoshiroLanes::from_rngs(&scalar);
        let mut r = rng(seed ^ 0x5555);
        let mut buf = vec![[0.0; L]; 20];
        let mut masks = vec![0u32; 9];
        let mut hits = 0;
        for step in 0..3_000 {
            let n = step % 20;
            isa.normals_into(&mut lanes, &mut buf[..n]);
            for j in 0..n {
                for l in 0..L {
                    assert_eq!(
                        buf[j][l].to_bits(),
                        normal(&mut scalar[l]).to_bits(),
                        "{name}: lane {l} of {L}, step {step}, draw {j}"
                    );
                }
            }
            let n = (step * 7) % 18;
            isa.skip_normals(&mut lanes, n);
            for s in scalar.iter_mut() {
                for _ in 0..n {
                    normal(s);
                }
            }
            let ne = step % 10;
            let p: Vec<[f64; L]> = (0..ne)
                .map(|_| std::array::from_fn(|_| uniform(&mut r)))
                .collect();
            let compare = |e: usize| (e + step) % 3 != 0;
            isa.uniforms_below(&mut lanes, &p, compare, &mut masks[..ne]);
            for e in 0..ne {
                let mut want = 0u32;
                for l in 0..L {
                    let u = uniform(&mut scalar[l]);
                    want |= u32::from(compare(e) && u < p[e][l]) << l;
                }
                assert_eq!(masks[e], want, "{name}: L {L}, step {step}, event {e}");
                hits += want.count_ones();
            }
            for l in 0..L {
                assert!(
                    lanes.to_rng(l) == scalar[l],
                    "{name}: lane {l} of {L}, step {step}"
                );
            }
        }
        hits
    }
    fn all<I: Isa>(isa: I) {
        assert!(check::<I, 8>(isa, 700) > 1000);
        assert!(check::<I, 5>(isa, 800) > 500);
        assert!(check::<I, 3>(isa, 900) > 300);
    }
    all(Portable);
    #[cfg(target_arch = "x86_64")]
    all(super::Sse2);
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = super::Avx2::new() {
        all(avx2);
    }
}
