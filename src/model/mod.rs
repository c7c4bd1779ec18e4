//! Scenario -> compiled [`Model`]: flat arrays and constructed samplers.
//!
//! Everything that can fail or costs more than a multiply is done here, once:
//! unit conversions (percent -> log growth per quarter), the variance
//! calibration of persistent shocks, the Cholesky factor of the shock
//! correlation matrix, the evaluation order of indicators, base-year values.
//! The per-path step in [`step`] then only reads this structure.

pub mod corr;
pub mod observed;
pub mod step;

use std::collections::HashMap;

use crate::error::{Problem, ScenarioError};
use crate::scenario::{IndicatorKind, Op, Scenario, ShockDist, validate};

/// A reference to an annual series: a sector's value added or an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Annual value added of sector `i`.
    Sector(usize),
    /// Indicator `j` (index in the scenario's indicator list).
    Indicator(usize),
}

/// An input of a `linear` indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Indicator `j`'s value in the same year.
    Indicator(usize),
    /// Shock `k`'s annual value: the sum of its quarterly draws over the year / 2.
    Shock(usize),
}

/// A compiled indicator formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// Sum of weighted levels.
    Sum(Vec<(Series, f64)>),
    /// numerator / denominator.
    Ratio(Series, Series),
    /// 100 * (x_y / x_{y-1} - 1).
    Growth(Series),
    /// intercept + sum of coefficient * input.
    Linear {
        /// Constant term.
        intercept: f64,
        /// Inputs and coefficients.
        terms: Vec<(Input, f64)>,
    },
    /// level_{y-1} * (1 + (g_y + noise) / 100).
    Compound(Series),
    /// value_{y-1} + x_y (+ noise) for years from `from_year` (0-based).
    Accumulate(Series, usize),
}

/// A compiled indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Id from the scenario.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Display unit.
    pub unit: String,
    /// The formula.
    pub formula: Formula,
    /// Standard deviation of the annual noise (0 = none).
    pub noise_sd: f64,
    /// Student-t degrees of freedom of the noise, with the scale that gives
    /// unit variance: `sqrt((df - 2) / df)`.
    pub noise_t: Option<(f64, f64)>,
    /// AR(1) coefficient of the noise across years.
    pub noise_persistence: f64,
    /// Base-year value, when defined.
    pub base: Option<f64>,
}

/// How a common shock's quarterly value is made from its correlated normal `z`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShockShape {
    /// `z`.
    Gaussian,
    /// `z * sqrt((df - 2) / W)` with `W ~ chi2(df)` shared by the shocks of
    /// the same group (a multivariate t, which keeps the correlations).
    StudentT {
        /// Index into [`Model::t_groups`].
        group: usize,
    },
    /// `z * down` when `z < 0`, `z * up` otherwise.
    TwoPiece {
        /// Downside scale.
        down: f64,
        /// Upside scale.
        up: f64,
    },
}

/// A compiled event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Id from the scenario.
    pub id: String,
    /// English label.
    pub label: String,
    /// Probability of starting in an eligible quarter.
    pub probability: f64,
    /// Quarters it lasts.
    pub duration: u32,
    /// Eligible quarters of the year (index 0 = Q1).
    pub may_start: [bool; 4],
    /// Share of level loss recovered at the end.
    pub recovery: f64,
    /// (sector, log level change while active).
    pub sector_impacts: Vec<(usize, f64)>,
    /// (indicator, annual-value change for a full year of the event).
    pub indicator_impacts: Vec<(usize, f64)>,
}

/// A compiled target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Id from the scenario.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Indicator judged.
    pub indicator: usize,
    /// Indicator subtracted before judging, if any.
    pub relative_to: Option<usize>,
    /// Calendar year judged.
    pub year: i32,
    /// 0-based simulated year.
    pub year_index: usize,
    /// Comparison.
    pub op: Op,
    /// Official figure.
    pub threshold: f64,
    /// Slack.
    pub tolerance: f64,
    /// Attained when `lower <= judged value <= upper`.
    pub lower: f64,
    /// See `lower`.
    pub upper: f64,
    /// Part of the headline joint probability.
    pub headline: bool,
    /// Wording in the source.
    pub wording: Option<String>,
}

impl Target {
    /// Whether a judged value attains the target.
    #[inline]
    pub fn attained(&self, judged: f64) -> bool {
        judged >= self.lower && judged <= self.upper
    }
}

/// A compiled sector (display data; the hot arrays live in [`Model`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Sector {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Base-year value added.
    pub value_added: f64,
    /// Mean annual growth, percent.
    pub growth: f64,
    /// Idiosyncratic annual volatility, percentage points.
    pub volatility: f64,
    /// Quarterly AR(1).
    pub persistence: f64,
    /// (shock id, loading in percentage points).
    pub loadings: Vec<(String, f64)>,
}

/// Descriptive facts about the scenario, carried into reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// Scenario name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Region in the local language.
    pub region_zh: Option<String>,
    /// Base year.
    pub base_year: i32,
    /// Simulated years.
    pub horizon: usize,
    /// Unit of value added.
    pub value_unit: String,
}

/// Warnings produced while compiling (for example a repaired correlation matrix).
pub type Warnings = Vec<String>;

/// The compiled model: immutable, `Send + Sync`, shared by all worker threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Descriptive facts.
    pub meta: Meta,
    /// Sectors (display).
    pub sectors: Vec<Sector>,
    /// Quarterly mean log growth per sector.
    pub mu: Vec<f64>,
    /// Quarterly AR(1) per sector.
    pub ar: Vec<f64>,
    /// Scale of the idiosyncratic normal per sector (log growth per quarter).
    pub idio: Vec<f64>,
    /// Loadings, sectors x `load_stride` row-major, in log growth per quarter
    /// per unit shock (zero-padded to one column when there are no shocks).
    pub load: Vec<f64>,
    /// Row length of `load`: the number of shocks, at least 1.
    pub load_stride: usize,
    /// The same loadings by shock: shocks x sectors row-major (column `k` of
    /// `load` is row `k` here), so the quarter step adds one shock at a time
    /// over all sectors.
    pub load_by_shock: Vec<f64>,
    /// Log of the last base-year quarter's level (on the trend path).
    pub base_log_level: Vec<f64>,
    /// Shock ids, in matrix order.
    pub shock_ids: Vec<String>,
    /// Shock labels.
    pub shock_labels: Vec<String>,
    /// Shock transforms.
    pub shock_shapes: Vec<ShockShape>,
    /// Degrees of freedom of each Student-t group.
    pub t_groups: Vec<f64>,
    /// Square root of the correlation matrix, row-major (lower triangular when Cholesky).
    pub chol: Vec<f64>,
    /// The correlation matrix used (after repair, if any).
    pub correlation: Vec<Vec<f64>>,
    /// Largest absolute change made by a repair, if one was made.
    pub repaired: Option<f64>,
    /// Events.
    pub events: Vec<Event>,
    /// Indicators, in scenario order.
    pub indicators: Vec<Indicator>,
    /// Evaluation order of indicators.
    pub order: Vec<usize>,
    /// For each indicator, the events that move it: (event, size per full year).
    pub indicator_events: Vec<Vec<(usize, f64)>>,
    /// Targets.
    pub targets: Vec<Target>,
    /// Published quarters of the first simulated year (a nowcast).
    pub observed: observed::Observed,
    /// Per indicator: the (sector, weight) sum it is the growth of, when it is
    /// one (such an indicator has year-to-date quarterly values).
    pub aggregates: Vec<Option<Vec<(usize, f64)>>>,
}

fn model_error(origin: &str, field: String, message: String) -> ScenarioError {
    ScenarioError {
        origin: origin.to_string(),
        problems: vec![Problem {
            field,
            line: None,
            column: None,
            message,
        }],
    }
}

/// Variance, to first order, of the first year's annual growth caused by one
/// unit innovation per quarter in an AR(1) deviation starting at zero.
///
/// The annual value is the sum of four quarterly levels, so its log deviation
/// is the average of the quarterly log-level deviations `D_q = sum_{t<=q} e_t`;
/// innovation `u_j` enters it with weight `w_j = (1/4) sum_{q=j..4} sum_{k=0..q-j} rho^k`,
/// and the variance is `sum_j w_j^2` (30/16 when `rho = 0`). Dividing the
/// innovations by its square root makes `volatility` and each loading equal
/// the standard deviation of first-year annual growth.
pub fn first_year_variance(rho: f64) -> f64 {
    (1..=4)
        .map(|j| {
            let w: f64 = (j..=4)
                .map(|q| (0..=(q - j)).map(|k| rho.powi(k)).sum::<f64>())
                .sum::<f64>()
                / 4.0;
            w * w
        })
        .sum()
}

impl Model {
    /// Compile a validated scenario.
    ///
    /// # Errors
    /// The few problems that need the whole model to see (an indicator that
    /// takes the growth of a series without a base-year value).
    pub fn compile(scenario: &Scenario, origin: &str) -> Result<(Model, Warnings), ScenarioError> {
        let raw = scenario.raw();
        let mut warnings = vec![];
        let sector_index: HashMap<&str, usize> = raw
            .sectors
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let ind_index: HashMap<&str, usize> = raw
            .indicators
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();

        // Shocks in matrix order.
        let (shock_order, correlation, repaired) = match &raw.shock_correlation {
            Some(c) => {
                let (m, rep) = if c.repair && corr::min_eigenvalue(&c.matrix) < -corr::PSD_TOLERANCE
                {
                    let fixed = corr::nearest_correlation(&c.matrix);
                    let mut worst = (0.0f64, 0, 0);
                    for r in 0..fixed.len() {
                        for k in 0..fixed.len() {
                            let d = (fixed[r][k] - c.matrix[r][k]).abs();
                            if d > worst.0 {
                                worst = (d, r, k);
                            }
                        }
                    }
                    warnings.push(format!(
                        "shock_correlation: matrix was not positive semi-definite (smallest eigenvalue {:.6}); \
                         replaced by the nearest correlation matrix (Higham 2002); largest change {:.4} at ({}, {}): {} -> {:.4}",
                        corr::min_eigenvalue(&c.matrix),
                        worst.0,
                        c.order[worst.1],
                        c.order[worst.2],
                        c.matrix[worst.1][worst.2],
                        fixed[worst.1][worst.2]
                    ));
                    (fixed, Some(worst.0))
                } else {
                    (c.matrix.clone(), None)
                };
                (c.order.clone(), m, rep)
            }
            None => {
                let ids: Vec<String> = raw.shocks.iter().map(|s| s.id.clone()).collect();
                let n = ids.len();
                let m = (0..n)
                    .map(|r| (0..n).map(|c| if r == c { 1.0 } else { 0.0 }).collect())
                    .collect();
                (ids, m, None)
            }
        };
        let shock_index: HashMap<&str, usize> = shock_order
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let n_shocks = shock_order.len();
        let mut shock_shapes = vec![ShockShape::Gaussian; n_shocks];
        let mut shock_labels = vec![String::new(); n_shocks];
        let mut t_groups: Vec<f64> = vec![];
        for s in &raw.shocks {
            let k = shock_index[s.id.as_str()];
            shock_labels[k] = s.label.clone();
            shock_shapes[k] = match shock_dist(s) {
                ShockDist::Gaussian => ShockShape::Gaussian,
                ShockDist::StudentT { df } => {
                    let group = match t_groups.iter().position(|&d| d == df) {
                        Some(g) => g,
                        None => {
                            t_groups.push(df);
                            t_groups.len() - 1
                        }
                    };
                    ShockShape::StudentT { group }
                }
                ShockDist::TwoPiece { down, up } => ShockShape::TwoPiece { down, up },
            };
        }
        let chol = corr::factor(&correlation);

        // Sectors.
        let n_sectors = raw.sectors.len();
        let mut mu = Vec::with_capacity(n_sectors);
        let mut ar = Vec::with_capacity(n_sectors);
        let mut idio = Vec::with_capacity(n_sectors);
        let load_stride = n_shocks.max(1);
        let mut load = vec![0.0; n_sectors * load_stride];
        let mut base_log_level = Vec::with_capacity(n_sectors);
        let mut sectors = Vec::with_capacity(n_sectors);
        for (i, s) in raw.sectors.iter().enumerate() {
            let m = (1.0 + s.growth / 100.0).ln() / 4.0;
            // Annual growth is (1 + g) times the average level deviation, to
            // first order, so dividing by (1 + g) too makes the standard
            // deviation of first-year growth equal `volatility`.
            let scale =
                1.0 / (first_year_variance(s.persistence).sqrt() * (1.0 + s.growth / 100.0));
            mu.push(m);
            ar.push(s.persistence);
            idio.push(s.volatility / 100.0 * scale);
            for (shock, &l) in &s.loadings {
                load[i * load_stride + shock_index[shock.as_str()]] = l / 100.0 * scale;
            }
            // Base-year quarters on the trend: q_j = c * exp(m * j), j = -3..0, summing to V.
            let denom: f64 = (0..4).map(|j| (-m * j as f64).exp()).sum();
            base_log_level.push(if s.value_added > 0.0 {
                (s.value_added / denom).ln()
            } else {
                f64::NEG_INFINITY
            });
            sectors.push(Sector {
                id: s.id.clone(),
                label: s.label.clone(),
                label_zh: s.label_zh.clone(),
                value_added: s.value_added,
                growth: s.growth,
                volatility: s.volatility,
                persistence: s.persistence,
                loadings: s.loadings.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            });
        }

        let series = |id: &str| -> Series {
            match sector_index.get(id) {
                Some(&i) => Series::Sector(i),
                None => Series::Indicator(ind_index[id]),
            }
        };

        // Indicators.
        let base_year = raw.scenario.base_year;
        let order = validate::indicator_order(raw).map_err(|cycle| {
            model_error(
                origin,
                "indicators".into(),
                format!("cycle: {}", cycle.join(" -> ")),
            )
        })?;
        let mut indicators: Vec<Indicator> = Vec::with_capacity(raw.indicators.len());
        for ind in &raw.indicators {
            let kind = IndicatorKind::parse(&ind.kind).expect("validated kind");
            let formula = match kind {
                IndicatorKind::Sum => {
                    Formula::Sum(ind.terms.iter().map(|(k, &w)| (series(k), w)).collect())
                }
                IndicatorKind::Ratio => Formula::Ratio(
                    series(ind.numerator.as_deref().expect("validated")),
                    series(ind.denominator.as_deref().expect("validated")),
                ),
                IndicatorKind::Growth => {
                    Formula::Growth(series(ind.of.as_deref().expect("validated")))
                }
                IndicatorKind::Linear => Formula::Linear {
                    intercept: ind.intercept.unwrap_or(0.0),
                    terms: ind
                        .terms
                        .iter()
                        .map(|(k, &w)| {
                            let input = match shock_index.get(k.as_str()) {
                                Some(&s) => Input::Shock(s),
                                None => Input::Indicator(ind_index[k.as_str()]),
                            };
                            (input, w)
                        })
                        .collect(),
                },
                IndicatorKind::Compound => {
                    Formula::Compound(series(ind.of.as_deref().expect("validated")))
                }
                IndicatorKind::Accumulate => Formula::Accumulate(
                    series(ind.of.as_deref().expect("validated")),
                    ind.from_year
                        .map(|y| (y - base_year - 1) as usize)
                        .unwrap_or(0),
                ),
            };
            indicators.push(Indicator {
                id: ind.id.clone(),
                label: ind.label.clone(),
                label_zh: ind.label_zh.clone(),
                unit: ind.unit.clone().unwrap_or_default(),
                formula,
                noise_sd: ind.noise.unwrap_or(0.0),
                noise_t: ind.noise_df.map(|df| (df, ((df - 2.0) / df).sqrt())),
                noise_persistence: ind.persistence.unwrap_or(0.0),
                base: None,
            });
        }
        // Base-year values, in dependency order.
        let mut problems = vec![];
        for &j in &order {
            let base_of = |s: Series, inds: &[Indicator]| -> Option<f64> {
                match s {
                    Series::Sector(i) => Some(raw.sectors[i].value_added),
                    Series::Indicator(k) => inds[k].base,
                }
            };
            let raw_ind = &raw.indicators[j];
            let base = match &indicators[j].formula {
                Formula::Sum(terms) => terms
                    .iter()
                    .map(|&(s, w)| base_of(s, &indicators).map(|b| b * w))
                    .sum::<Option<f64>>(),
                Formula::Ratio(n, d) => {
                    match (base_of(*n, &indicators), base_of(*d, &indicators)) {
                        (Some(n), Some(d)) => Some(n / d),
                        _ => None,
                    }
                }
                Formula::Growth(_) => None,
                Formula::Linear { .. } => raw_ind.base,
                Formula::Compound(_) => raw_ind.base,
                Formula::Accumulate(..) => Some(raw_ind.base.unwrap_or(0.0)),
            };
            // A growth rate or a compounded level needs the base-year value of what it grows from.
            let needs = match &indicators[j].formula {
                Formula::Growth(s) => Some(*s),
                Formula::Ratio(n, d) => {
                    if base_of(*n, &indicators).is_none() {
                        Some(*n)
                    } else {
                        Some(*d)
                    }
                }
                _ => None,
            };
            if let (Formula::Growth(_), Some(Series::Indicator(k))) =
                (&indicators[j].formula, needs)
            {
                if indicators[k].base.is_none() {
                    problems.push(Problem {
                        field: format!("indicators[{}].of", raw_ind.id),
                        line: None,
                        column: None,
                        message: format!(
                            "takes the growth of {:?}, which has no base-year value; give {:?} a `base`",
                            indicators[k].id, indicators[k].id
                        ),
                    });
                }
            }
            if let Some(b) = base {
                if !b.is_finite() {
                    problems.push(Problem {
                        field: format!("indicators[{}]", raw_ind.id),
                        line: None,
                        column: None,
                        message: format!(
                            "base-year value is not finite ({b}); check the denominator"
                        ),
                    });
                }
            }
            indicators[j].base = base;
        }
        if !problems.is_empty() {
            return Err(ScenarioError {
                origin: origin.to_string(),
                problems,
            });
        }

        // Events.
        let events: Vec<Event> = raw
            .events
            .iter()
            .map(|e| {
                let mut may_start = [e.quarters.is_none(); 4];
                for &q in e.quarters.iter().flatten() {
                    may_start[(q - 1) as usize] = true;
                }
                Event {
                    id: e.id.clone(),
                    label: e.label.clone(),
                    probability: e.probability,
                    duration: e.duration,
                    may_start,
                    recovery: e.recovery.unwrap_or(1.0),
                    sector_impacts: e
                        .impacts
                        .iter()
                        .filter_map(|imp| {
                            imp.sector
                                .as_ref()
                                .map(|s| (sector_index[s.as_str()], (1.0 + imp.size / 100.0).ln()))
                        })
                        .collect(),
                    indicator_impacts: e
                        .impacts
                        .iter()
                        .filter_map(|imp| {
                            imp.indicator
                                .as_ref()
                                .map(|s| (ind_index[s.as_str()], imp.size))
                        })
                        .collect(),
                }
            })
            .collect();

        // Targets.
        let targets = raw
            .targets
            .iter()
            .map(|t| {
                let op = Op::parse(&t.op).expect("validated op");
                let (lower, upper) = match op {
                    Op::AtLeast => (t.threshold - t.tolerance, f64::INFINITY),
                    Op::AtMost => (f64::NEG_INFINITY, t.threshold + t.tolerance),
                    Op::About => (t.threshold - t.tolerance, t.threshold + t.tolerance),
                };
                Target {
                    id: t.id.clone(),
                    label: t.label.clone(),
                    label_zh: t.label_zh.clone(),
                    indicator: ind_index[t.indicator.as_str()],
                    relative_to: t.relative_to.as_ref().map(|r| ind_index[r.as_str()]),
                    year: t.year,
                    year_index: (t.year - base_year - 1) as usize,
                    op,
                    threshold: t.threshold,
                    tolerance: t.tolerance,
                    lower,
                    upper,
                    headline: t.headline,
                    wording: t.wording.clone(),
                }
            })
            .collect();

        let mut indicator_events = vec![vec![]; indicators.len()];
        for (e, ev) in events.iter().enumerate() {
            for &(j, size) in &ev.indicator_impacts {
                indicator_events[j].push((e, size));
            }
        }

        let observed = observed::compile(
            raw,
            &observed::SectorParams {
                mu: &mu,
                idio: &idio,
                load: &load,
                load_stride,
                base_log_level: &base_log_level,
                correlation: &correlation,
            },
            &|id| ind_index[id],
            origin,
        )?;

        let model = Model {
            meta: Meta {
                name: raw.scenario.name.clone(),
                region: raw.scenario.region.clone(),
                region_zh: raw.scenario.region_zh.clone(),
                base_year,
                horizon: raw.scenario.horizon as usize,
                value_unit: raw.scenario.value_unit.clone().unwrap_or_default(),
            },
            sectors,
            mu,
            ar,
            idio,
            load_by_shock: (0..n_shocks)
                .flat_map(|k| (0..n_sectors).map(move |i| (i, k)))
                .map(|(i, k)| load[i * load_stride + k])
                .collect(),
            load,
            load_stride,
            base_log_level,
            shock_ids: shock_order,
            shock_labels,
            shock_shapes,
            t_groups,
            chol,
            correlation,
            repaired,
            events,
            indicators,
            order,
            indicator_events,
            targets,
            observed,
            aggregates: raw
                .indicators
                .iter()
                .map(|i| validate::sector_aggregate(raw, &i.id))
                .collect(),
        };
        Ok((model, warnings))
    }

    /// Number of sectors.
    pub fn n_sectors(&self) -> usize {
        self.mu.len()
    }

    /// Number of common shocks.
    pub fn n_shocks(&self) -> usize {
        self.shock_ids.len()
    }

    /// Random variates one path consumes (fixed: every path draws the same
    /// count whatever happens, which keeps common random numbers aligned).
    pub fn draws_per_path(&self) -> u64 {
        let per_quarter =
            self.n_shocks() + self.t_groups.len() + self.n_sectors() + self.events.len();
        let per_year_noise: usize = self
            .indicators
            .iter()
            .map(|i| {
                if i.noise_sd > 0.0 {
                    1 + usize::from(i.noise_t.is_some())
                } else {
                    0
                }
            })
            .sum();
        (self.meta.horizon * (4 * per_quarter + per_year_noise)) as u64
    }

    /// Base-year level of sector `i` in 0-based quarter `q` (the base year's
    /// quarters lie on the sector's trend and sum to its value added).
    pub fn base_quarter_level(&self, i: usize, q: usize) -> f64 {
        (self.base_log_level[i] + self.mu[i] * (q as f64 - 3.0)).exp()
    }

    /// Base-year GDP-like total: the sum of all sectors' value added.
    pub fn base_total(&self) -> f64 {
        self.sectors.iter().map(|s| s.value_added).sum()
    }
}

/// The distribution a validated shock declares.
pub fn shock_dist(s: &crate::scenario::raw::RawShock) -> ShockDist {
    match s.distribution.as_deref().unwrap_or("gaussian") {
        "student_t" => ShockDist::StudentT {
            df: s.df.unwrap_or(f64::INFINITY),
        },
        "two_piece" => ShockDist::TwoPiece {
            down: s.down.unwrap_or(1.0),
            up: s.up.unwrap_or(1.0),
        },
        _ => ShockDist::Gaussian,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_year_variance_matches_hand_computation() {
        // Weights 4/4, 3/4, 2/4, 1/4.
        assert!((first_year_variance(0.0) - 30.0 / 16.0).abs() < 1e-12);
        // rho = 0.5: w_4 = 1/4, w_3 = (1 + 1.5)/4, w_2 = (1 + 1.5 + 1.75)/4,
        // w_1 = (1 + 1.5 + 1.75 + 1.875)/4.
        let w = [6.125f64, 4.25, 2.5, 1.0].map(|x| x / 4.0);
        let expect: f64 = w.iter().map(|x| x * x).sum();
        assert!((first_year_variance(0.5) - expect).abs() < 1e-12);
    }
}
