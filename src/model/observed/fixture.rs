//! Random sector parameters for the solve's tests (the scalar solve, the
//! solve for few figures and the batched solve are all checked on them).

use super::*;
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// `ns` sectors and `nk` shocks: idiosyncratic sizes, loadings padded to a
/// stride of `nk + 1` (about 30% of them zero) and a correlation matrix.
pub(in crate::model) struct RandomSectors {
    idio: Vec<f64>,
    load: Vec<f64>,
    nk: usize,
    correlation: Vec<Vec<f64>>,
    base: Vec<[f64; 4]>,
}

impl RandomSectors {
    pub(in crate::model) fn new(rng: &mut Xoshiro256PlusPlus, ns: usize, nk: usize) -> Self {
        let idio = (0..ns)
            .map(|_| 0.002 + 0.02 * rng.random::<f64>())
            .collect();
        let stride = nk + 1;
        let mut load = vec![0.0; ns * stride];
        for i in 0..ns {
            for k in 0..nk {
                if rng.random::<f64>() < 0.7 {
                    load[i * stride + k] = 0.03 * (rng.random::<f64>() - 0.3);
                }
            }
        }
        // R = B B' with unit-norm rows of B: a correlation matrix.
        let b: Vec<Vec<f64>> = (0..nk)
            .map(|_| {
                let row: Vec<f64> = (0..nk).map(|_| rng.random::<f64>() - 0.2).collect();
                let n = row.iter().map(|x| x * x).sum::<f64>().sqrt();
                row.iter().map(|x| x / n).collect()
            })
            .collect();
        let correlation = (0..nk)
            .map(|x| {
                (0..nk)
                    .map(|y| (0..nk).map(|z| b[x][z] * b[y][z]).sum())
                    .collect()
            })
            .collect();
        RandomSectors {
            idio,
            load,
            nk,
            correlation,
            base: vec![[100.0; 4]; ns],
        }
    }

    pub(in crate::model) fn params(&self) -> SectorParams<'_> {
        SectorParams {
            idio: &self.idio,
            load: &self.load,
            load_stride: self.nk + 1,
            correlation: &self.correlation,
            base_quarters: &self.base,
        }
    }

    /// An `[observed]` section whose solver is sized for `m` figures.
    pub(in crate::model) fn observed(&self, m: usize) -> Observed {
        Observed {
            solver: Solver::new(&self.params(), m),
            ..Observed::default()
        }
    }
}

/// `m` figures on `ns` sectors: figure 0 on every sector, the others on
/// overlapping pieces, weights repeated for some sectors; each target is
/// its figure's drawn year-to-date sum (`drawn(weights)`) moved by up to
/// `spread / 2` either way, from near the drawn point to far (some
/// unreachable).
pub(in crate::model) fn random_figures(
    rng: &mut Xoshiro256PlusPlus,
    ns: usize,
    m: usize,
    spread: f64,
    drawn: impl Fn(&[(usize, f64)]) -> f64,
) -> Vec<ExactCondition> {
    (0..m)
        .map(|o| {
            let mut weights: Vec<(usize, f64)> = if o == 0 {
                (0..ns).map(|i| (i, 1.0)).collect()
            } else {
                (0..ns)
                    .filter(|i| (i + o) % (m + 1) != 0)
                    .map(|i| (ns - 1 - i, 0.5 + rng.random::<f64>()))
                    .collect()
            };
            if o == 1 {
                weights.push((weights[0].0, 0.25));
            }
            let target_ytd = drawn(&weights) * (1.0 + spread * (rng.random::<f64>() - 0.5));
            ExactCondition {
                indicator: o,
                weights,
                target_ytd,
                ln_target: draw::ln(target_ytd),
            }
        })
        .collect()
}
