//! The solve against the nalgebra formulation it replaced.

use super::*;

/// The first version of [`solve`], with nalgebra matrices built per path and
/// per Newton step (`M` formed in full, `D = M A'`, the platform's `exp` and
/// `ln`): the reference that the workspace solve must agree with to rounding.
fn solve_reference(
    conds: &[ExactCondition],
    params: &SectorParams,
    draw: &QuarterDraw,
) -> Option<(Vec<f64>, Vec<f64>)> {
    use nalgebra::DVector;
    let ns = params.idio.len();
    let nk = params.correlation.len();
    let m = conds.len();
    let cov = params.innovation_covariance(draw.scales);
    let a = directions(conds, ns, |i| draw.level[i], |i| draw.before[i]);
    let d = &cov * a.transpose();

    let residual = |lambda: &DVector<f64>| -> (DVector<f64>, DMatrix<f64>) {
        let shift = &d * lambda;
        let mut f = DVector::zeros(m);
        let mut jac = DMatrix::zeros(m, m);
        for (o, c) in conds.iter().enumerate() {
            let mut total = 0.0;
            let mut grad = vec![0.0; m];
            for &(i, w) in &c.weights {
                let l = w * draw.level[i] * shift[i].exp();
                total += w * draw.before[i] + l;
                for (p, g) in grad.iter_mut().enumerate() {
                    *g += l * d[(i, p)];
                }
            }
            f[o] = total.ln() - c.target_ytd.ln();
            for p in 0..m {
                jac[(o, p)] = grad[p] / total;
            }
        }
        (f, jac)
    };

    let mut lambda = DVector::zeros(m);
    let (mut f, mut jac) = residual(&lambda);
    for _ in 0..100 {
        let err = f.amax();
        if !err.is_finite() {
            return None;
        }
        if err < 1e-12 {
            let shift = &d * &lambda;
            let at_l = a.transpose() * &lambda;
            let r = DMatrix::from_fn(nk, nk, |x, y| params.correlation[x][y]);
            let lt = DVector::from_fn(nk, |k, _| {
                draw.scales[k]
                    * (0..ns)
                        .map(|i| params.load[i * params.load_stride + k] * at_l[i])
                        .sum::<f64>()
            });
            let shock = r * lt;
            return Some((
                shift.iter().copied().collect(),
                (0..nk).map(|k| draw.scales[k] * shock[k]).collect(),
            ));
        }
        let step = jac.clone().lu().solve(&(-&f))?;
        let mut t = 1.0;
        loop {
            let trial = &lambda + &step * t;
            let (f2, j2) = residual(&trial);
            if f2.amax() < err || t < 1e-6 {
                lambda = trial;
                f = f2;
                jac = j2;
                break;
            }
            t *= 0.5;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{RandomSectors, random_figures};
    use super::*;
    use crate::Model;
    use crate::scenario;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The workspace solve agrees with the nalgebra version on the same
    /// random draws to 1e-12 (both stop once every figure's log residual is
    /// below 1e-12, so their last iterates may differ by that much, absolute,
    /// plus 1e-12 of each result vector's largest element)
    /// draws, with one figure and up to seven, sectors used by several
    /// figures or by one, and never grows its buffers.
    #[test]
    fn solve_agrees_with_the_nalgebra_version() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut solved = 0;
        for &(ns, nk, m) in &[
            (17, 6, 2),
            (17, 6, 1),
            (8, 7, 6),
            (4, 3, 2),
            (6, 6, 3),
            (9, 2, 2),
            (3, 0, 1),
            (12, 8, 7),
        ] {
            let sectors = RandomSectors::new(&mut rng, ns, nk);
            let params = sectors.params();
            let observed = sectors.observed(m);
            let mut ws = Workspace::new(&observed);
            let capacities = ws.capacities();
            for _ in 0..200 {
                let level: Vec<f64> = (0..ns)
                    .map(|_| 50.0 + 100.0 * rng.random::<f64>())
                    .collect();
                let before: Vec<f64> = (0..ns).map(|_| 300.0 * rng.random::<f64>()).collect();
                let scales: Vec<f64> = (0..nk).map(|_| 0.5 + 1.5 * rng.random::<f64>()).collect();
                // Condition 0 on all sectors, the others on disjoint pieces.
                let conds: Vec<ExactCondition> = (0..m)
                    .map(|o| {
                        let weights: Vec<(usize, f64)> = if o == 0 {
                            (0..ns).map(|i| (i, 1.0)).collect()
                        } else {
                            (0..ns)
                                .filter(|i| i % m == o)
                                .map(|i| (i, 0.5 + rng.random::<f64>()))
                                .collect()
                        };
                        let now: f64 = weights
                            .iter()
                            .map(|&(i, w)| w * (before[i] + level[i]))
                            .sum();
                        let target_ytd = now * (0.97 + 0.06 * rng.random::<f64>());
                        ExactCondition {
                            indicator: o,
                            weights,
                            target_ytd,
                            ln_target: target_ytd.ln(),
                        }
                    })
                    .collect();
                let draw = QuarterDraw {
                    before: &before,
                    level: &level,
                    scales: &scales,
                };
                let want = solve_reference(&conds, &params, &draw);
                let got = solve(&conds, &params, &draw, &mut ws)
                    .map(|adj| (adj.innovation.to_vec(), adj.shock.to_vec()));
                match (&got, &want) {
                    (Some((gu, gs)), Some((wu, ws_))) => {
                        for (g, w, what) in [(gu, wu, "innovation"), (gs, ws_, "shock")] {
                            let scale = w.iter().fold(0.0f64, |a, x| a.max(x.abs()));
                            for (x, y) in g.iter().zip(w) {
                                assert!(
                                    (x - y).abs() <= 1e-12 * (1.0 + scale),
                                    "ns {ns}, nk {nk}, m {m}: {what} {x} against {y}"
                                );
                            }
                        }
                    }
                    (None, None) => {}
                    _ => panic!(
                        "ns {ns}, nk {nk}, m {m}: solved {} but the reference {}",
                        got.is_some(),
                        want.is_some()
                    ),
                }
                solved += usize::from(want.is_some());
                assert_eq!(ws.capacities(), capacities, "a buffer grew");
            }
        }
        // Nearly every draw can reach its figures: the comparison is not
        // one of two failures.
        assert!(solved > 1500, "{solved} of 1600 solved");
    }

    /// The solve for 1 to 4 figures (`solve_small`: fixed-size rows, the
    /// exps four at a time, the last residual skipped when it is certainly
    /// below the tolerance) gives the bits of the general `solve_with`, which
    /// evaluates every residual: the same final iterate on every draw, and
    /// the same failures, in the baseline and the AVX2 build. Most solves
    /// skip their last residual.
    #[test]
    fn the_solve_for_few_figures_has_the_bits_of_the_general_one() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(29);
        let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let (mut solves, mut failed) = (0, 0);
        let skipped_before = solver::SKIPPED.with(|n| n.get());
        for &(ns, nk, m) in &[
            (17, 6, 2),
            (17, 6, 1),
            (8, 7, 3),
            (4, 3, 2),
            (6, 6, 3),
            (9, 2, 4),
            (3, 0, 1),
            (12, 8, 4),
        ] {
            let sectors = RandomSectors::new(&mut rng, ns, nk);
            let params = sectors.params();
            let observed = sectors.observed(m);
            let mut ws = Workspace::new(&observed);
            let mut general = Workspace::new(&observed);
            let capacities = ws.capacities();
            for n in 0..300 {
                let level: Vec<f64> = (0..ns)
                    .map(|_| 50.0 + 100.0 * rng.random::<f64>())
                    .collect();
                let before: Vec<f64> = (0..ns).map(|_| 300.0 * rng.random::<f64>()).collect();
                let scales: Vec<f64> = (0..nk).map(|_| 0.5 + 1.5 * rng.random::<f64>()).collect();
                // Figure 0 on every sector; the others on overlapping
                // pieces, weights repeated for some sectors; targets from
                // near the drawn point to far (some unreachable).
                let spread = [0.01, 0.06, 0.3][n % 3];
                let conds = random_figures(&mut rng, ns, m, spread, |weights| {
                    weights
                        .iter()
                        .map(|&(i, w)| w * (before[i] + level[i]))
                        .sum()
                });
                let draw = QuarterDraw {
                    before: &before,
                    level: &level,
                    scales: &scales,
                };
                let want = solver::solve_with::<0>(&conds, &draw, &mut general)
                    .map(|adj| (bits(adj.innovation), bits(adj.shock)));
                let got = solve(&conds, &params, &draw, &mut ws)
                    .map(|adj| (bits(adj.innovation), bits(adj.shock)));
                assert_eq!(got, want, "ns {ns}, nk {nk}, m {m}, draw {n}");
                // The baseline build of the same solve (`solve` runs the
                // AVX2 one where the CPU has it).
                let baseline = match m {
                    1 => solver::solve_small_baseline::<1>(&conds, &draw, &mut ws),
                    2 => solver::solve_small_baseline::<2>(&conds, &draw, &mut ws),
                    3 => solver::solve_small_baseline::<3>(&conds, &draw, &mut ws),
                    _ => solver::solve_small_baseline::<4>(&conds, &draw, &mut ws),
                }
                .map(|adj| (bits(adj.innovation), bits(adj.shock)));
                assert_eq!(
                    baseline, want,
                    "ns {ns}, nk {nk}, m {m}, draw {n}: baseline"
                );
                solves += 1;
                failed += usize::from(want.is_none());
                assert_eq!(ws.capacities(), capacities, "a buffer grew");
            }
        }
        let skipped = solver::SKIPPED.with(|n| n.get()) - skipped_before;
        assert!(failed < solves / 10, "{failed} of {solves} failed");
        // Two solves of each draw that the few-figures solve makes (the
        // dispatched one and the baseline one): more than half skip.
        assert!(
            skipped > solves - failed,
            "{skipped} of {} solves skipped their last residual",
            2 * solves
        );
    }

    /// The base-year quarters that load-time checking uses are those the
    /// compiled model simulates from, with and without a profile.
    #[test]
    fn load_time_base_quarters_are_the_compiled_ones() {
        let base = include_str!("../../../tests/fixtures/two-sector.toml");
        for extra in [
            "",
            "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"industry\"\nyoy = [-12.0, 3.0, 4.0, 6.0]\n",
            "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"gdp\"\nshares = [0.2, 0.24, 0.26, 0.3]\n",
        ] {
            let s = scenario::load(&format!("{base}\n{extra}"), "test").unwrap();
            let (model, _) = Model::compile(&s, "test").unwrap();
            assert_eq!(
                crate::model::base_quarters(&s),
                model.base_quarters,
                "{extra}"
            );
        }
    }
}
