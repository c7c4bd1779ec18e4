//! Typed scenario -> compiled [`Model`]: flat arrays and constructed samplers.
//!
//! Everything that can fail or costs more than a multiply is done here, once:
//! unit conversions (percent -> log growth per quarter), the variance
//! calibration of persistent shocks, the Cholesky factor of the shock
//! correlation matrix, the chi-square samplers of Student-t shocks and noise,
//! base-year values (the evaluation order of indicators comes from validation).
//! The per-path step in [`step`] then only reads this structure. The
//! compiler itself lives in `compile.rs`; this file holds what it produces.

pub mod assumptions;
mod central;
pub use central::CentralPass;
mod compile;
pub mod corr;
pub mod observed;
mod sector_phase;
pub mod step;

pub(crate) use compile::base_quarters;

use rand_distr::ChiSquared;

use crate::scenario::Op;

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
    /// mean_y + noise: an exogenous series (one mean per simulated year).
    Exogenous(Vec<f64>),
    /// Binomial(`trials`, clamp(indicator `of`, 0, 1)), drawn per year.
    Count {
        /// Indicator whose value is the share.
        of: usize,
        /// Number of trials.
        trials: u32,
    },
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
    /// The chi-square sampler of a Student-t noise, built once at compile time.
    pub noise_chi: Option<ChiSquared<f64>>,
    /// AR(1) coefficient of the noise across years.
    pub noise_persistence: f64,
    /// Base-year value, when defined.
    pub base: Option<f64>,
    /// Published values of earlier years, in year order (display only).
    pub history: Vec<(i32, f64)>,
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
    /// Start probability in each simulated year (`horizon` values).
    pub probability_by_year: Vec<f64>,
    /// `sector_impacts` of an occurrence that starts in each simulated year;
    /// empty when no size varies by year (then `sector_impacts` applies).
    pub sector_impacts_by_year: Vec<Vec<(usize, f64)>>,
    /// Label family (explain's double-counting check).
    pub family: String,
    /// Downside or upside (display only).
    pub side: crate::scenario::Side,
}

impl Event {
    /// The (sector, log impact) list of an occurrence that started in
    /// 0-based year `start`.
    #[inline]
    pub fn impacts_of(&self, start: u32) -> &[(usize, f64)] {
        if self.sector_impacts_by_year.is_empty() {
            &self.sector_impacts
        } else {
            &self.sector_impacts_by_year[start as usize]
        }
    }
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
    /// Events that excuse a miss when under way in the target year.
    pub excused_by: Vec<usize>,
}

/// A named set of targets whose joint probability is reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Joint {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Target indices.
    pub targets: Vec<usize>,
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
    /// `growth` of each simulated year.
    pub growth_by_year: Vec<f64>,
    /// `volatility` of each simulated year.
    pub volatility_by_year: Vec<f64>,
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

/// A compiled policy rule (MODEL.md 2.5).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Id from the scenario.
    pub id: String,
    /// English label.
    pub label: String,
    /// Id of the sector or indicator read.
    pub indicator: String,
    /// The (sector, weight) sum whose year-to-date growth is read.
    pub weights: Vec<(usize, f64)>,
    /// Trigger, percent.
    pub trigger: f64,
    /// `true` for `op = "below"` (adds growth), `false` for `above`.
    pub below: bool,
    /// Checked at the end of these quarters (index 0 = Q1).
    pub check: [bool; 4],
    /// Checked in these simulated years.
    pub years: Vec<bool>,
    /// Quarters from the check to the first quarter moved.
    pub lag: usize,
    /// Quarters moved.
    pub duration: usize,
    /// Points of annualized growth per point of shortfall.
    pub response: f64,
    /// Most points of annualized growth moved.
    pub cap: f64,
    /// Sectors moved.
    pub sectors: Vec<usize>,
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
    /// Quarterly mean log growth per sector (the first simulated year's).
    pub mu: Vec<f64>,
    /// Quarterly mean log growth of each simulated year: horizon x sectors,
    /// row-major (every row is `mu` when growth does not vary by year).
    pub mu_by_year: Vec<f64>,
    /// Scale of the idiosyncratic normal in each simulated year: horizon x
    /// sectors, row-major (every row is `idio` when volatility does not vary).
    pub idio_by_year: Vec<f64>,
    /// Multiplier of each shock's value in each simulated year: horizon x
    /// shocks (matrix order), row-major; empty when every scale is 1.
    pub shock_scale: Vec<f64>,
    /// The base year's four quarterly levels of each sector (on the trend
    /// without `[base_quarters]`).
    pub base_quarters: Vec<[f64; 4]>,
    /// Starting deviation `d_0` of each sector; empty when all are 0.
    pub momentum: Vec<f64>,
    /// The policy rules, in file order.
    pub policies: Vec<Policy>,
    /// With policies: each sector's base-year value added summed through
    /// each quarter, quarters x sectors row-major (what year-to-date growth
    /// of the first simulated year compares with); empty otherwise.
    pub base_cumulative: Vec<f64>,
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
    /// The chi-square sampler of each Student-t group, built once at compile time.
    pub t_chi: Vec<ChiSquared<f64>>,
    /// Square root of the correlation matrix, row-major (lower triangular when Cholesky).
    pub chol: Vec<f64>,
    /// The correlation matrix used (after repair, if any).
    pub correlation: Vec<Vec<f64>>,
    /// Largest absolute change made by a repair, if one was made.
    pub repaired: Option<f64>,
    /// Events.
    pub events: Vec<Event>,
    /// Each event's start probability in each simulated year: horizon x
    /// events, row-major.
    pub event_probability: Vec<f64>,
    /// Indicators, in scenario order.
    pub indicators: Vec<Indicator>,
    /// Evaluation order of indicators.
    pub order: Vec<usize>,
    /// For each indicator, the events that move it: (event, size per full year).
    pub indicator_events: Vec<Vec<(usize, f64)>>,
    /// The same for each simulated year, `[year][indicator]`, when an
    /// indicator impact's size varies by year; empty otherwise.
    pub indicator_events_by_year: Vec<Vec<Vec<(usize, f64)>>>,
    /// Targets.
    pub targets: Vec<Target>,
    /// Published quarters of the first simulated year (a nowcast).
    pub observed: observed::Observed,
    /// Per indicator: the (sector, weight) sum it is the growth of, when it is
    /// one (such an indicator has year-to-date quarterly values).
    pub aggregates: Vec<Option<Vec<(usize, f64)>>>,
    /// Named joint sets of targets.
    pub joints: Vec<Joint>,
    /// Shock families, in matrix order (explain's double-counting check).
    pub shock_families: Vec<String>,
    /// Uncertain inputs drawn once per path (empty: nothing is drawn).
    pub assumptions: assumptions::Assumptions,
    /// What an accumulator of this model records ([`stats::Recording`]):
    /// everything (compiled), or only what a probability reads (a study's
    /// variants, a run's central-value pass).
    pub recording: crate::stats::Recording,
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
                let noise = if i.noise_sd > 0.0 {
                    1 + usize::from(i.noise_t.is_some())
                } else {
                    0
                };
                noise + usize::from(matches!(i.formula, Formula::Count { .. }))
            })
            .sum();
        (self.meta.horizon * (4 * per_quarter + per_year_noise)) as u64
            + self.assumptions.draws() as u64
    }

    /// The same model judged on the targets `keep` alone (in that order),
    /// without joints: for a study that reads only those, so that the
    /// kernel computes only what they need (`step::Needs`).
    pub fn keep_targets(&mut self, keep: &[usize]) {
        self.targets = keep.iter().map(|&t| self.targets[t].clone()).collect();
        self.joints.clear();
        self.assumptions.keep_targets(keep);
    }

    /// Base-year level of sector `i` in 0-based quarter `q` (the base year's
    /// quarters sum to its value added; they lie on the sector's trend unless
    /// `[base_quarters]` gives their profile).
    pub fn base_quarter_level(&self, i: usize, q: usize) -> f64 {
        self.base_quarters[i][q]
    }

    /// Base-year GDP-like total: the sum of all sectors' value added.
    pub fn base_total(&self) -> f64 {
        self.sectors.iter().map(|s| s.value_added).sum()
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
