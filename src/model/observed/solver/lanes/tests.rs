//! The batched solve against the per-path one, lane by lane and bit for bit.

use super::*;
use crate::model::observed::fixture::{RandomSectors, random_figures};
use crate::sample::Portable;
use crate::sample::simd::Avx2;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Counts of a comparison: lanes solved, lanes that failed.
#[derive(Default)]
struct Tally {
    solved: usize,
    failed: usize,
}

/// `rounds` batches of `L` lanes, each lane its own random draw, the same
/// figures for the batch (`m` of them on overlapping sums, repeated
/// sectors, targets from near lane 0's drawn point to far, so that other
/// lanes sometimes cannot reach them): every lane of `solve_lanes` has
/// exactly the bits of `solve` on that lane's draw, or fails with it.
fn compare<I: Isa, const L: usize>(
    isa: I,
    rng: &mut Xoshiro256PlusPlus,
    (ns, nk, m): (usize, usize, usize),
    rounds: usize,
    tally: &mut Tally,
) {
    let sectors = RandomSectors::new(rng, ns, nk);
    let (params, observed) = (sectors.params(), sectors.observed(m));
    let mut ws = Workspace::new(&observed);
    let mut lanes = LaneWorkspace::<L>::new(&observed);
    let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for n in 0..rounds {
        // Each lane near lane 0's draw (within 3%), so that most lanes can
        // reach the figures set from lane 0's.
        let near = |rng: &mut Xoshiro256PlusPlus, x: f64| {
            let mut lanes = [x; L];
            for y in lanes.iter_mut().skip(1) {
                *y *= 1.0 + 0.06 * (rng.random::<f64>() - 0.5);
            }
            lanes
        };
        let level: Vec<[f64; L]> = (0..ns)
            .map(|_| {
                let x = 50.0 + 100.0 * rng.random::<f64>();
                near(rng, x)
            })
            .collect();
        let before: Vec<[f64; L]> = (0..ns)
            .map(|_| {
                let x = 300.0 * rng.random::<f64>();
                near(rng, x)
            })
            .collect();
        let mut scales: Vec<[f64; L]> = (0..nk)
            .map(|_| std::array::from_fn(|_| 0.5 + 1.5 * rng.random::<f64>()))
            .collect();
        // Now and then an infinite scale in the last lane: the batch's sums
        // then take every term (a zero loading times it is NaN), and that
        // lane must fail, or be solved, exactly as its own solve.
        if n % 7 == 6 && nk > 0 {
            scales[0][L - 1] = f64::INFINITY;
        }
        let spread = [0.01, 0.06, 0.3][n % 3];
        let conds = random_figures(rng, ns, m, spread, |weights| {
            weights
                .iter()
                .map(|&(i, w)| w * (before[i][0] + level[i][0]))
                .sum()
        });
        let drawn = LaneDraw {
            before: &before,
            level: &level,
            scales: &scales,
        };
        let ok = solve_lanes(isa, &conds, &drawn, &mut lanes);
        for l in 0..L {
            let column = |x: &[[f64; L]]| x.iter().map(|v| v[l]).collect::<Vec<_>>();
            let (b, lv, sc) = (column(&before), column(&level), column(&scales));
            let one = QuarterDraw {
                before: &b,
                level: &lv,
                scales: &sc,
            };
            let want = solve(&conds, &params, &one, &mut ws)
                .map(|adj| (bits(adj.innovation), bits(adj.shock)));
            let got = ok[l].then(|| {
                (
                    bits(&column(&lanes.innovation)),
                    bits(&column(&lanes.shock)),
                )
            });
            assert_eq!(got, want, "ns {ns}, nk {nk}, m {m}, round {n}, lane {l}");
            if ok[l] {
                tally.solved += 1;
            } else {
                tally.failed += 1;
            }
        }
    }
}

const SHAPES: [(usize, usize, usize); 9] = [
    (17, 6, 2),
    (17, 6, 1),
    (8, 7, 3),
    (4, 3, 2),
    (6, 6, 3),
    (9, 2, 4),
    (3, 0, 1),
    (12, 8, 4),
    (10, 4, 5),
];

fn compare_all<I: Isa>(isa: I, seed: u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut tally = Tally::default();
    for &shape in &SHAPES {
        compare::<I, 8>(isa, &mut rng, shape, 40, &mut tally);
        compare::<I, 5>(isa, &mut rng, shape, 20, &mut tally);
        compare::<I, 1>(isa, &mut rng, shape, 20, &mut tally);
    }
    let lanes = tally.solved + tally.failed;
    // The spread of the targets leaves some lanes unable to reach them,
    // but most reach them.
    assert!(
        tally.failed > 0,
        "no lane failed: the failure path is untested"
    );
    assert!(
        tally.failed < lanes / 4,
        "{} of {lanes} lanes failed",
        tally.failed
    );
}

/// The batched solve with the portable lane operations.
#[test]
fn the_batched_solve_has_each_lanes_bits_portable() {
    compare_all(Portable, 41);
}

/// The batched solve with the AVX2 lane operations (where the CPU has
/// them; otherwise the portable one again, on other draws).
#[test]
fn the_batched_solve_has_each_lanes_bits_avx2() {
    match Avx2::new() {
        Some(isa) => compare_all(isa, 43),
        None => compare_all(Portable, 43),
    }
}

/// The batched solve with the explicit SSE2 lane operations (the
/// baseline kernel's on x86-64).
#[cfg(target_arch = "x86_64")]
#[test]
fn the_batched_solve_has_each_lanes_bits_sse2() {
    compare_all(crate::sample::simd::Sse2, 45);
}

/// [`sum_row`] skipping the zero coefficients (either sign) has the bits of
/// the sum of every term, the sign of a zero result included, over every
/// row of three terms from a set of starts, coefficients and values that
/// includes both zeros; and the refit of a lane ending at `-0` is needed
/// (the sum without the zero terms alone differs in some cases).
#[test]
fn sum_row_skipping_zeros_keeps_every_bit() {
    let starts = [-0.0, 0.0, 2.0, -2.0];
    let coefs = [0.0, -0.0, 1.0, -1.0, 0.5];
    let values = [-0.0, 0.0, 1.5, -1.5];
    let mut refits_needed = 0;
    for &start in &starts {
        for c in 0..coefs.len().pow(3) {
            let row = [coefs[c % 5], coefs[c / 5 % 5], coefs[c / 25]];
            let nonzero: Vec<(f64, usize)> = row
                .iter()
                .enumerate()
                .filter(|&(_, &a)| a != 0.0)
                .map(|(k, &a)| (a, k))
                .collect();
            for x in 0..values.len().pow(3) {
                let x = [[values[x % 4]], [values[x / 4 % 4]], [values[x / 16]]];
                let every = row
                    .iter()
                    .zip(&x)
                    .fold(start, |sum, (&a, x)| sum + a * x[0]);
                let skipped = nonzero.iter().fold(start, |sum, &(a, k)| sum + a * x[k][0]);
                refits_needed += usize::from(skipped.to_bits() != every.to_bits());
                let row = Row {
                    all: &row,
                    nonzero: &nonzero,
                };
                for skip in [false, true] {
                    let got = sum_row(Portable, [start], row, skip, |k| &x[k]);
                    assert_eq!(
                        got[0].to_bits(),
                        every.to_bits(),
                        "start {start:?}, row {:?}, x {x:?}, skip {skip}",
                        row.all
                    );
                }
            }
        }
    }
    assert!(refits_needed > 0, "no case needed the refit");
}
