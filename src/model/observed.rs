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

use nalgebra::{DMatrix, SymmetricEigen};

use crate::error::{Problem, ScenarioError};
use crate::sample as draw;
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
    /// `ln(target_ytd)`, computed once.
    pub ln_target: f64,
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
    /// What solving a published quarter needs that does not depend on the path.
    pub solver: Solver,
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
                let target_ytd = base * (1.0 + v.value / 100.0);
                out.exact[q].push(ExactCondition {
                    indicator: j,
                    weights: weights.clone(),
                    target_ytd,
                    ln_target: draw::ln(target_ytd),
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

    let found = impossible(scenario, params.base_quarters);
    if !found.is_empty() {
        return Err(ScenarioError {
            origin: origin.to_string(),
            problems: found
                .into_iter()
                .map(|(k, m)| problem(format!("observed.values[{k}].value"), m))
                .collect(),
        });
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
        let most = out.exact.iter().map(Vec::len).max().unwrap_or(0);
        out.solver = Solver::new(params, most);
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

/// One path's quarter, before conditioning (per-lane inputs as slices, so a
/// batched kernel can pass one lane's columns).
pub(super) struct QuarterDraw<'a> {
    /// Each sector's year-to-date sum before this quarter.
    pub before: &'a [f64],
    /// Each sector's level this quarter as drawn.
    pub level: &'a [f64],
    /// Each shock's scale this quarter (Student-t mixing or two-piece side).
    pub scales: &'a [f64],
}

/// The adjustment that makes a quarter reproduce the published figures:
/// slices into the [`Workspace`] it was solved in, valid until its next solve.
pub(super) struct Adjustment<'w> {
    /// Change of each sector's innovation (log growth this quarter).
    pub innovation: &'w [f64],
    /// Change of each common shock's value.
    pub shock: &'w [f64],
}

/// One exact figure, as [`impossible`] reads it.
struct Figure {
    /// Index in `observed.values`.
    index: usize,
    indicator: usize,
    /// 0-based last quarter covered.
    quarter: usize,
    value: f64,
    /// Weight of each sector (dense).
    weights: Vec<f64>,
    /// The base year's same quarters, weighted, and the level they must reach.
    base: f64,
    target: f64,
}

fn percent(x: f64) -> String {
    let s = format!("{:.2}", 100.0 * x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn quarters_text(from: usize, to: usize) -> String {
    if from == to {
        format!("quarter {}", to + 1)
    } else {
        format!("quarters {}-{}", from + 1, to + 1)
    }
}

/// Exact figures that no path can reproduce, found in closed form from the
/// base-year quarters (MODEL.md 11.2): a year-to-date figure that implies a
/// quarter without a positive level, after the same indicator's earlier
/// figure; and a figure on a sum whose sectors are part of another figure's
/// sum, when the remaining sectors would need a level that is not positive.
/// Returns `(index in observed.values, message)`, at most one per figure.
pub(crate) fn impossible(scenario: &Scenario, base_quarters: &[[f64; 4]]) -> Vec<(usize, String)> {
    let Some(obs) = scenario.observed() else {
        return vec![];
    };
    let ns = base_quarters.len();
    let ids = |j: usize| &scenario.indicators()[j].id;
    let unit = &scenario.header().value_unit;
    let figures: Vec<Figure> = obs
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.share.is_none())
        .filter_map(|(index, v)| {
            let agg = scenario.indicators()[v.indicator].aggregate.as_ref()?;
            let q = v.quarter - 1;
            let mut weights = vec![0.0; ns];
            for &(i, w) in agg {
                weights[i] += w;
            }
            let base: f64 = (0..ns)
                .map(|i| weights[i] * base_quarters[i][..=q].iter().sum::<f64>())
                .sum();
            Some(Figure {
                index,
                indicator: v.indicator,
                quarter: q,
                value: v.value,
                weights,
                base,
                target: base * (1.0 + v.value / 100.0),
            })
        })
        .collect();
    // The latest earlier figure of the same indicator, if any.
    let earlier = |f: &Figure| {
        figures
            .iter()
            .filter(|e| e.indicator == f.indicator && e.quarter < f.quarter)
            .max_by_key(|e| e.quarter)
    };
    let mut out: Vec<(usize, String)> = vec![];
    // (1) A year-to-date figure after an earlier one of the same indicator.
    for f in &figures {
        let Some(e) = earlier(f) else { continue };
        let level = f.target - e.target;
        let base = f.base - e.base;
        if base > 0.0 && !(level > 0.0) {
            out.push((
                f.index,
                format!(
                    "impossible after {:+}% through quarter {}: {:?} {:+}% through quarter {} \
                     leaves {} with a level of {} of the base year's ({:.4} {unit}), \
                     and a quarter's level must be positive",
                    e.value,
                    e.quarter + 1,
                    ids(f.indicator),
                    f.value,
                    f.quarter + 1,
                    quarters_text(e.quarter + 1, f.quarter),
                    percent(level / base),
                    level
                ),
            ));
        }
    }
    // (2) A part of a sum beside the whole, through the same quarter.
    let positive = |i: usize| base_quarters[i].iter().all(|&b| b > 0.0);
    for whole in &figures {
        for part in &figures {
            if part.index == whole.index
                || part.quarter != whole.quarter
                || out.iter().any(|(k, _)| *k == part.index.max(whole.index))
            {
                continue;
            }
            let rest: Vec<f64> = (0..ns)
                .map(|i| whole.weights[i] - part.weights[i])
                .collect();
            let nested = rest.iter().all(|&r| r >= 0.0)
                && (0..ns).any(|i| rest[i] > 0.0 && positive(i))
                && (0..ns).any(|i| part.weights[i] > 0.0);
            if !nested {
                continue;
            }
            // The rest's year-to-date level, less its level before this
            // quarter when both figures were also published before.
            let mut level = whole.target - part.target;
            let mut from = 0;
            if let (Some(we), Some(pe)) = (earlier(whole), earlier(part)) {
                if we.quarter == pe.quarter {
                    level -= we.target - pe.target;
                    from = we.quarter + 1;
                }
            }
            if level > 0.0 {
                continue;
            }
            let (named, other) = if part.index > whole.index {
                (part, whole)
            } else {
                (whole, part)
            };
            out.push((
                named.index,
                format!(
                    "impossible beside {:?} {:+}%: through quarter {}, {:?} would reach {:.4} {unit} \
                     ({} of the base year's) but the whole, {:?}, only {:.4} {unit} ({}), so the \
                     other sectors of {:?} would need a level of {:.4} {unit} in {}, and a level \
                     must be positive",
                    ids(other.indicator),
                    other.value,
                    whole.quarter + 1,
                    ids(part.indicator),
                    part.target,
                    percent(part.target / part.base),
                    ids(whole.indicator),
                    whole.target,
                    percent(whole.target / whole.base),
                    ids(whole.indicator),
                    level,
                    quarters_text(from, whole.quarter),
                ),
            ));
        }
    }
    // (3) Several parts of one whole that do not overlap (their weights
    // together at most the whole's): together below the whole, year to date.
    for whole in &figures {
        let parts: Vec<&Figure> = figures
            .iter()
            .filter(|p| {
                p.index != whole.index
                    && p.quarter == whole.quarter
                    && (0..ns).all(|i| p.weights[i] <= whole.weights[i])
                    && (0..ns).any(|i| p.weights[i] > 0.0)
            })
            .collect();
        if parts.len() < 2 {
            continue;
        }
        let rest: Vec<f64> = (0..ns)
            .map(|i| whole.weights[i] - parts.iter().map(|p| p.weights[i]).sum::<f64>())
            .collect();
        if !(rest.iter().all(|&r| r >= 0.0) && (0..ns).any(|i| rest[i] > 0.0 && positive(i))) {
            continue;
        }
        let level = whole.target - parts.iter().map(|p| p.target).sum::<f64>();
        let last = parts
            .iter()
            .map(|p| p.index)
            .chain([whole.index])
            .max()
            .unwrap_or(whole.index);
        if level > 0.0 || out.iter().any(|(k, _)| *k == last) {
            continue;
        }
        let names: Vec<String> = parts
            .iter()
            .map(|p| format!("{:?} {:+}%", ids(p.indicator), p.value))
            .collect();
        out.push((
            last,
            format!(
                "impossible beside the other figures through quarter {}: {} together would reach \
                 {:.4} {unit} but the whole, {:?} {:+}%, only {:.4} {unit} ({} of the base year's), \
                 so the other sectors of {:?} would need a level of {:.4} {unit} in {}, and a \
                 level must be positive",
                whole.quarter + 1,
                names.join(", "),
                parts.iter().map(|p| p.target).sum::<f64>(),
                ids(whole.indicator),
                whole.value,
                whole.target,
                percent(whole.target / whole.base),
                ids(whole.indicator),
                level,
                quarters_text(0, whole.quarter),
            ),
        ));
    }
    out.sort_by_key(|(k, _)| *k);
    out
}

#[cfg(test)]
mod fixture;
mod solver;
#[cfg(test)]
mod tests;

#[cfg(test)]
pub(in crate::model) use solver::solve;
pub(in crate::model) use solver::{LaneDraw, solve_lanes};
pub use solver::{LaneWorkspace, Solver, Workspace};
