//! Published quarters of the first simulated year (the `[observed]` section):
//! what the engine needs to condition each path on them.
//!
//! Two kinds of figure are handled differently (docs/MODEL.md, "Nowcasts"):
//!
//! * **Exact**: the growth of a sum of sectors (GDP, industry, one sector).
//!   Each path's published quarters reproduce the figure exactly. After a
//!   quarter's shocks are drawn, they are moved along the direction of
//!   steepest likelihood, the conditional mean of a Gaussian given a linear
//!   constraint, until the year-to-date sum matches (see [`solve`]).
//! * **Blended**: any other indicator (investment, retail sales) has only an
//!   annual value in the model, so the published period enters as
//!   `share * observed + (1 - share) * simulated`.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{Problem, ScenarioError};
use crate::scenario::Scenario;

/// One published year-to-date growth of a sum of sectors.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactCondition {
    /// The indicator observed.
    pub indicator: usize,
    /// (sector, weight) of the sum whose growth is observed.
    pub weights: Vec<(usize, f64)>,
    /// The year-to-date weighted level the path must reach: the base year's
    /// same quarters times (1 + value / 100).
    pub target_ytd: f64,
}

/// The compiled `[observed]` section (empty when the scenario has none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    /// Published quarters of the first simulated year (0 = none).
    pub quarters: usize,
    /// Per event, the 0-based quarter it is known to have started in.
    pub event_start: Vec<Option<usize>>,
    /// Exact conditions by 0-based quarter of the first year.
    pub exact: [Vec<ExactCondition>; 4],
    /// Per indicator, `(share, value)` when its first-year value is blended.
    pub blends: Vec<Option<(f64, f64)>>,
    /// Whether any indicator is blended (skips the check per indicator otherwise).
    pub any_blend: bool,
    /// The published figures as written, for reports.
    pub published: Vec<Published>,
    /// Events known to have started: (event id, 1-based quarter), for reports.
    pub known_events: Vec<(String, u8)>,
}

/// A published figure as the scenario gives it (for reports).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Published {
    /// Indicator id.
    pub indicator: String,
    /// Last quarter covered (1-based).
    pub quarter: u8,
    /// Year-to-date value.
    pub value: f64,
    /// Reproduced exactly on every path (`true`) or blended with `share`.
    pub exact: bool,
    /// The published period's share of the year, for a blended figure.
    pub share: Option<f64>,
}

/// The sector parts of the model that conditioning needs, already compiled.
pub(super) struct SectorParams<'a> {
    pub idio: &'a [f64],
    pub load: &'a [f64],
    pub load_stride: usize,
    pub correlation: &'a [Vec<f64>],
    /// The base year's quarterly levels (on the trend, or from `[base_quarters]`).
    pub base_quarters: &'a [[f64; 4]],
}

impl SectorParams<'_> {
    /// Base-year level of sector `i` in 0-based quarter `q`.
    pub fn base_quarter(&self, i: usize, q: usize) -> f64 {
        self.base_quarters[i][q]
    }

    /// Covariance of the sectors' quarterly innovations, with every shock at
    /// unit scale: `L R L' + diag(idio^2)`.
    fn innovation_covariance(&self, scales: &[f64]) -> DMatrix<f64> {
        let ns = self.idio.len();
        let nk = self.correlation.len();
        let v = DMatrix::from_fn(ns, nk, |i, k| {
            self.load[i * self.load_stride + k] * scales[k]
        });
        let r = DMatrix::from_fn(nk, nk, |a, b| self.correlation[a][b]);
        let mut m = &v * r * v.transpose();
        for i in 0..ns {
            m[(i, i)] += self.idio[i] * self.idio[i];
        }
        m
    }
}

fn problem(field: String, message: String) -> Problem {
    Problem {
        field,
        line: None,
        column: None,
        message,
    }
}

/// Compile the scenario's `[observed]` section.
///
/// # Errors
/// When the values observed through one quarter cannot all be met: two of
/// them fix the same combination of sectors, or a sector without randomness.
pub(super) fn compile(
    scenario: &Scenario,
    params: &SectorParams,
    origin: &str,
) -> Result<Observed, ScenarioError> {
    let mut out = Observed {
        blends: vec![None; scenario.indicators().len()],
        event_start: vec![None; scenario.events().len()],
        ..Observed::default()
    };
    let Some(obs) = scenario.observed() else {
        return Ok(out);
    };
    out.quarters = obs.quarters;
    for &(k, start) in &obs.events {
        out.event_start[k] = Some(start - 1);
        out.known_events
            .push((scenario.events()[k].id.clone(), start as u8));
    }
    let mut fields: [Vec<String>; 4] = Default::default();
    for (n, v) in obs.values.iter().enumerate() {
        let j = v.indicator;
        let q = v.quarter - 1;
        out.published.push(Published {
            indicator: scenario.indicators()[j].id.clone(),
            quarter: q as u8 + 1,
            value: v.value,
            exact: v.share.is_none(),
            share: v.share,
        });
        // Validation gives a share exactly to the figures that are not
        // sector aggregates.
        match (&scenario.indicators()[j].aggregate, v.share) {
            (Some(weights), _) => {
                let base: f64 = weights
                    .iter()
                    .map(|&(i, w)| w * (0..=q).map(|r| params.base_quarter(i, r)).sum::<f64>())
                    .sum();
                out.exact[q].push(ExactCondition {
                    indicator: j,
                    weights: weights.clone(),
                    target_ytd: base * (1.0 + v.value / 100.0),
                });
                fields[q].push(format!("observed.values[{n}]"));
            }
            (None, Some(share)) => {
                out.blends[j] = Some((share, v.value));
                out.any_blend = true;
            }
            (None, None) => {}
        }
    }

    // The conditions of one quarter must be independent: check the Gram
    // matrix of their directions at the base-year levels.
    let nk = params.correlation.len();
    let m = params.innovation_covariance(&vec![1.0; nk]);
    let mut problems = vec![];
    for (q, conds) in out.exact.iter().enumerate() {
        if conds.is_empty() {
            continue;
        }
        let a = directions(
            conds,
            params.idio.len(),
            |i| params.base_quarter(i, q),
            |_| 0.0,
        );
        let g = &a * &m * a.transpose();
        let eig = SymmetricEigen::new(g).eigenvalues;
        let (lo, hi) = eig.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
        if !(lo > 1e-10 * hi.max(1e-300)) || !conds.iter().all(|c| c.target_ytd.is_finite()) {
            problems.push(problem(
                fields[q].join(", "),
                format!(
                    "the values observed through quarter {} cannot all be met: they fix the same \
                     combination of sectors twice, or sectors that have no volatility or loadings",
                    q + 1
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ScenarioError {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// Row `o`: the derivative of log(year-to-date sum of condition `o`) with
/// respect to each sector's log level this quarter.
fn directions(
    conds: &[ExactCondition],
    ns: usize,
    level: impl Fn(usize) -> f64,
    before: impl Fn(usize) -> f64,
) -> DMatrix<f64> {
    let mut a = DMatrix::zeros(conds.len(), ns);
    for (o, c) in conds.iter().enumerate() {
        let total: f64 = c
            .weights
            .iter()
            .map(|&(i, w)| w * (before(i) + level(i)))
            .sum();
        for &(i, w) in &c.weights {
            a[(o, i)] = w * level(i) / total;
        }
    }
    a
}

/// One path's quarter, before conditioning.
pub(super) struct QuarterDraw<'a> {
    /// Each sector's year-to-date sum before this quarter.
    pub before: &'a [f64],
    /// Each sector's level this quarter as drawn.
    pub level: &'a [f64],
    /// Each shock's scale this quarter (Student-t mixing or two-piece side).
    pub scales: &'a [f64],
}

/// The adjustment that makes a quarter reproduce the published figures.
pub(super) struct Adjustment {
    /// Change of each sector's innovation (log growth this quarter).
    pub innovation: Vec<f64>,
    /// Change of each common shock's value.
    pub shock: Vec<f64>,
}

/// Solve for the adjustment of one quarter's innovations.
///
/// Given the shock scales, the quarter's innovations are Gaussian with
/// covariance `M`; the conditional mean given `A u = c` moves them by
/// `M A' lambda`. The constraint is nonlinear (a sum of exponentials), so
/// `A` is taken at the drawn point and `lambda` is found by damped Newton
/// iteration until every year-to-date sum matches to 1e-12 relative.
/// Returns `None` if the figures cannot be reached.
pub(super) fn solve(
    conds: &[ExactCondition],
    params: &SectorParams,
    draw: &QuarterDraw,
) -> Option<Adjustment> {
    let ns = params.idio.len();
    let nk = params.correlation.len();
    let m = conds.len();
    let cov = params.innovation_covariance(draw.scales);
    let a = directions(conds, ns, |i| draw.level[i], |i| draw.before[i]);
    let d = &cov * a.transpose(); // ns x m: innovation change per unit lambda

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
            // Shocks move by S R S L' A' lambda (the covariance of the shocks
            // with the constrained combination).
            let at_l = a.transpose() * &lambda;
            let r = DMatrix::from_fn(nk, nk, |x, y| params.correlation[x][y]);
            let lt = DVector::from_fn(nk, |k, _| {
                draw.scales[k]
                    * (0..ns)
                        .map(|i| params.load[i * params.load_stride + k] * at_l[i])
                        .sum::<f64>()
            });
            let shock = r * lt;
            return Some(Adjustment {
                innovation: shift.iter().copied().collect(),
                shock: (0..nk).map(|k| draw.scales[k] * shock[k]).collect(),
            });
        }
        let step = jac.clone().lu().solve(&(-&f))?;
        // Damped: halve the step until the largest residual falls.
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
