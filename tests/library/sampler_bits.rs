//! The bits of the engine's own functions and samplers, pinned: 100,000 values of each
//! (`exp`, `ln`, `uniform`, `open01`, `normal` and `ChiSquared` at four degrees of freedom,
//! on generators seeded alike) hashed with FNV-1a. The statistical tests check what the values
//! mean; this one shows any change of a single bit, which would move every published number.
//! After a deliberate change, the new hashes are printed (`--nocapture`) for re-pinning.

use attain::sample::{ChiSquared, exp, ln, normal, open01, uniform};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const N: usize = 100_000;

/// FNV-1a over the little-endian bytes of the bits of `values`.
fn fnv1a(values: impl Iterator<Item = f64>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

#[test]
fn exp_and_ln_bits_are_pinned() {
    // Arguments over exp's whole range (including its clamps, the scaled forms past |x| = 512
    // and subnormal results) and over ln's (subnormals to the largest double, log-uniform).
    let mut r = rng(1);
    let exp_args: Vec<f64> = (0..N).map(|_| -760.0 + 1480.0 * uniform(&mut r)).collect();
    let ln_args: Vec<f64> = (0..N)
        .map(|_| 2f64.powf(-1074.0 + 2097.0 * uniform(&mut r)))
        .collect();
    let he = fnv1a(exp_args.iter().map(|&x| exp(x)));
    let hl = fnv1a(ln_args.iter().map(|&x| ln(x)));
    eprintln!("hashes: exp {he:#018x}, ln {hl:#018x}");
    assert_eq!((he, hl), (0x006f_0596_40a7_5b5f, 0x4500_a2cb_a815_11aa));
}

#[test]
fn uniform_and_normal_bits_are_pinned() {
    let mut r = rng(2);
    let hu = fnv1a((0..N).map(|_| uniform(&mut r)));
    let ho = fnv1a((0..N).map(|_| open01(&mut r)));
    let hn = fnv1a((0..N).map(|_| normal(&mut r)));
    eprintln!("hashes: uniform {hu:#018x}, open01 {ho:#018x}, normal {hn:#018x}");
    assert_eq!(
        (hu, ho, hn),
        (
            0x3516_cf87_7a0b_c52e,
            0x969b_f0ef_9cd3_51bf,
            0x4644_a744_58e6_23b3
        )
    );
}

#[test]
fn chi_squared_bits_are_pinned() {
    let hashes: Vec<u64> = [2.5, 4.0, 5.0, 30.0]
        .iter()
        .enumerate()
        .map(|(k, &df)| {
            let d = ChiSquared::new(df).unwrap();
            let mut r = rng(10 + k as u64);
            fnv1a((0..N).map(|_| d.sample(&mut r)))
        })
        .collect();
    eprintln!("hashes: chi-square {hashes:#018x?}");
    assert_eq!(
        hashes,
        [
            0xb6af_9e14_3208_dca3,
            0x748f_6bd0_3097_5d69,
            0xff87_023c_09ee_f2fd,
            0x12a6_bd82_bb9a_f2d2
        ]
    );
}
