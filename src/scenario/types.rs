//! The validated scenario in typed form: what [`Model::compile`](crate::Model::compile) reads.
//!
//! The raw structs keep every field as the author wrote it (strings for
//! kinds, comparisons and distributions; ids for references). Validation
//! checks them once and then builds the types here, so later stages match on
//! enums, index arrays directly and never re-parse or re-check: a reference
//! is an index into the scenario's own lists and every default is filled in.

use std::collections::BTreeMap;

use super::raw::{RawScenario, RawShock};

/// The kinds of indicator formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndicatorKind {
    /// Weighted sum of levels.
    Sum,
    /// Quotient of two series.
    Ratio,
    /// Year-on-year percent growth of a series.
    Growth,
    /// Intercept plus weighted inputs plus noise.
    Linear,
    /// Level compounded from a growth series.
    Compound,
    /// Running total of a series.
    Accumulate,
    /// An exogenous annual series: a mean per year plus noise.
    Exogenous,
    /// A count: Binomial(trials, share) drawn per year.
    Count,
}

impl IndicatorKind {
    /// Parse the `kind` field.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sum" => Self::Sum,
            "ratio" => Self::Ratio,
            "growth" => Self::Growth,
            "linear" => Self::Linear,
            "compound" => Self::Compound,
            "accumulate" => Self::Accumulate,
            "exogenous" => Self::Exogenous,
            "count" => Self::Count,
            _ => return None,
        })
    }
    /// Accepted spellings, for hints.
    pub const NAMES: &'static str =
        "sum, ratio, growth, linear, compound, accumulate, exogenous, count";
}

/// Comparison of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Met when value >= threshold - tolerance.
    AtLeast,
    /// Met when value <= threshold + tolerance.
    AtMost,
    /// Met when |value - threshold| <= tolerance.
    About,
}

impl Op {
    /// Parse the `op` field.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "at_least" => Self::AtLeast,
            "at_most" => Self::AtMost,
            "about" => Self::About,
            _ => return None,
        })
    }
    /// The spelling used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::AtLeast => "at_least",
            Op::AtMost => "at_most",
            Op::About => "about",
        }
    }
}

/// Shock distribution families.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShockDist {
    /// Standard normal.
    Gaussian,
    /// Student-t scaled to unit variance.
    StudentT {
        /// Degrees of freedom (> 2).
        df: f64,
    },
    /// Two-piece normal with mode 0.
    TwoPiece {
        /// Scale below the mode.
        down: f64,
        /// Scale above the mode.
        up: f64,
    },
}

impl ShockDist {
    /// The distribution a shock as written declares, when it is complete:
    /// the one reading of `distribution`, `df`, `down` and `up` (validation
    /// says what is wrong when this is `None`).
    pub fn of_raw(s: &RawShock) -> Option<Self> {
        Some(match s.distribution.as_deref().unwrap_or("gaussian") {
            "gaussian" => Self::Gaussian,
            "student_t" => Self::StudentT { df: s.df? },
            "two_piece" => Self::TwoPiece {
                down: s.down?,
                up: s.up?,
            },
            _ => return None,
        })
    }
}

/// An annual series an indicator reads: a sector's value added or an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Sector `i` (index in [`Scenario::sectors`]).
    Sector(usize),
    /// Indicator `j` (index in [`Scenario::indicators`]).
    Indicator(usize),
}

/// An input of a `linear` indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Indicator `j`'s value in the same year.
    Indicator(usize),
    /// Shock `k` (index in [`Scenario::shocks`], file order).
    Shock(usize),
}

/// `[scenario]` with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Short name.
    pub name: String,
    /// Region in English.
    pub region: String,
    /// Region in the local language.
    pub region_zh: Option<String>,
    /// Last year with published results.
    pub base_year: i32,
    /// Simulated years (1 to 100).
    pub horizon: usize,
    /// Unit of value added ("" when not given).
    pub value_unit: String,
}

/// A validated sector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sector {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Base-year value added (>= 0).
    pub value_added: f64,
    /// Mean annual growth, percent (> -100).
    pub growth: f64,
    /// Idiosyncratic annual volatility, percentage points (>= 0).
    pub volatility: f64,
    /// Quarterly AR(1), in [0, 1).
    pub persistence: f64,
    /// (shock index, loading in percentage points), in id order as written.
    pub loadings: Vec<(usize, f64)>,
    /// `growth` for each simulated year (`horizon` values; the first is `growth`).
    pub growth_by_year: Vec<f64>,
    /// `volatility` for each simulated year (`horizon` values; the first is `volatility`).
    pub volatility_by_year: Vec<f64>,
}

/// A validated common shock.
#[derive(Debug, Clone, PartialEq)]
pub struct Shock {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Its distribution, parameters checked.
    pub dist: ShockDist,
    /// Multiplier of its draw in each simulated year (`horizon` values, default 1).
    pub scale: Vec<f64>,
    /// Label family (default: the id up to its first `_`).
    pub family: String,
}

/// The family of a risk when the file gives none: its id up to the first `_`.
pub fn default_family(id: &str) -> String {
    id.split('_').next().unwrap_or(id).to_string()
}

/// Which way an event moves the targets, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A disruption.
    Downside,
    /// Good news (policy support, a good harvest).
    Upside,
}

impl Side {
    /// Parse the `side` field.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "downside" => Some(Side::Downside),
            "upside" => Some(Side::Upside),
            _ => None,
        }
    }
    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Downside => "downside",
            Side::Upside => "upside",
        }
    }
}

/// `[shock_correlation]`, checked square, symmetric and unit-diagonal (and
/// positive semi-definite unless `repair`).
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Shock indices in matrix order: every shock exactly once.
    pub order: Vec<usize>,
    /// The matrix as written.
    pub matrix: Vec<Vec<f64>>,
    /// Replace a non-PSD matrix by the nearest correlation matrix.
    pub repair: bool,
}

/// What an event does while it lasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Impact {
    /// Percent change of sector `sector`'s level (> -100).
    Sector {
        /// Sector index.
        sector: usize,
        /// Percent change.
        size: f64,
    },
    /// Change of indicator `indicator`'s annual value for a full year.
    Indicator {
        /// Indicator index.
        indicator: usize,
        /// Change per full year.
        size: f64,
    },
}

/// A validated event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Probability of starting in an eligible quarter, in [0, 1].
    pub probability: f64,
    /// Quarters it lasts (>= 1).
    pub duration: u32,
    /// Eligible quarters (index 0 = Q1); all when the file lists none.
    pub may_start: [bool; 4],
    /// Share of a level loss recovered at the end (default 1).
    pub recovery: f64,
    /// Impacts, in file order (each with its first-year size).
    pub impacts: Vec<Impact>,
    /// Start probability for each simulated year (`horizon` values).
    pub probability_by_year: Vec<f64>,
    /// Per impact (file order), its size for each simulated year.
    pub impact_sizes: Vec<Vec<f64>>,
    /// Label family (default: the id up to its first `_`).
    pub family: String,
    /// Downside or upside: as written, else upside when every impact is >= 0
    /// and one is > 0.
    pub side: Side,
}

/// A validated indicator formula, references resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// Weighted sum of levels.
    Sum(Vec<(Series, f64)>),
    /// numerator / denominator.
    Ratio(Series, Series),
    /// Year-on-year percent growth.
    Growth(Series),
    /// intercept (default 0) + sum of coefficient * input.
    Linear {
        /// Constant term.
        intercept: f64,
        /// Inputs and coefficients, in id order as written.
        terms: Vec<(Input, f64)>,
    },
    /// A level compounded from a growth series.
    Compound(Series),
    /// Running total from `from` (0-based simulated year; default 0).
    Accumulate(Series, usize),
    /// An exogenous series: its mean in each simulated year (length `horizon`).
    Exogenous(Vec<f64>),
    /// Binomial(`trials`, share) with the share read from indicator `of`, clamped to [0, 1].
    Count {
        /// Indicator whose value is the share.
        of: usize,
        /// Number of trials (>= 1).
        trials: u32,
    },
}

/// A validated indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Display unit ("" when not given).
    pub unit: String,
    /// The formula.
    pub formula: Formula,
    /// Base-year value as written (`accumulate` defaults to 0; `compound`
    /// always has one).
    pub base: Option<f64>,
    /// Standard deviation of the annual noise (default 0).
    pub noise: f64,
    /// Student-t degrees of freedom of the noise (> 2).
    pub noise_df: Option<f64>,
    /// AR(1) of the noise across years (default 0).
    pub persistence: f64,
    /// The (sector, weight) sum this indicator is the growth of, when it is
    /// one (such an indicator has year-to-date quarterly values).
    pub aggregate: Option<Vec<(usize, f64)>>,
    /// Published values of years before the base year, in year order
    /// (display only; the model never reads them).
    pub history: Vec<(i32, f64)>,
}

/// A validated target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Indicator judged.
    pub indicator: usize,
    /// Indicator subtracted before judging.
    pub relative_to: Option<usize>,
    /// Calendar year judged.
    pub year: i32,
    /// 0-based simulated year.
    pub year_index: usize,
    /// Comparison.
    pub op: Op,
    /// Official figure.
    pub threshold: f64,
    /// Slack (>= 0).
    pub tolerance: f64,
    /// Counts towards the headline joint probability.
    pub headline: bool,
    /// Wording in the source.
    pub wording: Option<String>,
    /// Events that excuse a miss (indices), in file order.
    pub excused_by: Vec<usize>,
}

/// `[[joints]]`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Joint {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Target indices, as listed.
    pub targets: Vec<usize>,
}

/// The distribution of an uncertain input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AssumptionDist {
    /// Normal(mean, sd).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// Uniform on [low, high].
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end (> low).
        high: f64,
    },
    /// Triangular on [low, high] with its peak at mode.
    Triangular {
        /// Lower end.
        low: f64,
        /// Peak (low <= mode <= high).
        mode: f64,
        /// Upper end (> low).
        high: f64,
    },
}

impl AssumptionDist {
    /// The central value: the mean, the midpoint or the mode.
    pub fn central(&self) -> f64 {
        match *self {
            AssumptionDist::Normal { mean, .. } => mean,
            AssumptionDist::Uniform { low, high } => 0.5 * (low + high),
            AssumptionDist::Triangular { mode, .. } => mode,
        }
    }
    /// The value of quantile `p` in (0, 1).
    pub fn quantile(&self, p: f64) -> f64 {
        match *self {
            AssumptionDist::Normal { mean, sd } => mean + sd * crate::stats::normal_quantile(p),
            AssumptionDist::Uniform { low, high } => low + p * (high - low),
            AssumptionDist::Triangular { low, mode, high } => {
                let f = (mode - low) / (high - low);
                if p < f {
                    low + ((high - low) * (mode - low) * p).sqrt()
                } else {
                    high - ((high - low) * (high - mode) * (1.0 - p)).sqrt()
                }
            }
        }
    }
    /// Its name in files.
    pub fn name(&self) -> &'static str {
        match self {
            AssumptionDist::Normal { .. } => "normal",
            AssumptionDist::Uniform { .. } => "uniform",
            AssumptionDist::Triangular { .. } => "triangular",
        }
    }
}

/// The number an assumption draws, resolved to indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssumedParam {
    /// `sectors.ID.growth`.
    SectorGrowth(usize),
    /// `sectors.ID.volatility`.
    SectorVolatility(usize),
    /// `sectors.ID.loadings.SHOCK`: (sector, shock in file order).
    SectorLoading(usize, usize),
    /// `indicators.ID.intercept` of a `linear`.
    Intercept(usize),
    /// `indicators.ID.terms.X` of a `linear`: (indicator, position in its terms).
    Term(usize, usize),
    /// `indicators.ID.base`.
    Base(usize),
    /// `indicators.ID.noise` (the indicator has noise > 0).
    Noise(usize),
    /// `indicators.ID.mean` of an `exogenous` (every year).
    Mean(usize),
    /// `events.ID.probability`.
    EventProbability(usize),
    /// `events.ID.impacts.X.size`: (event, position in its impacts).
    ImpactSize(usize, usize),
    /// `targets.ID.threshold`.
    Threshold(usize),
    /// `targets.ID.tolerance`.
    Tolerance(usize),
}

/// A validated `[[assumptions]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    /// The parameter path as written.
    pub parameter: String,
    /// What it moves.
    pub param: AssumedParam,
    /// How it is drawn.
    pub dist: AssumptionDist,
}

/// One published year-to-date figure.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedValue {
    /// Indicator observed.
    pub indicator: usize,
    /// Last quarter covered, 1-based (default: all published quarters).
    pub quarter: usize,
    /// Year-to-date value.
    pub value: f64,
    /// Share of the year, for an indicator that is not a sector aggregate.
    pub share: Option<f64>,
}

/// `[observed]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Published quarters (1 to 3).
    pub quarters: usize,
    /// Published figures, in file order.
    pub values: Vec<ObservedValue>,
    /// (event index, 1-based start quarter), in file order.
    pub events: Vec<(usize, usize)>,
}

/// The base year's quarterly shape as a profile gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QuarterShape {
    /// Single-quarter year-on-year growth of Q1..Q4, percent (each > -100).
    Yoy([f64; 4]),
    /// Shares of the base year's total (each > 0, summing to 1).
    Shares([f64; 4]),
}

/// One `[[base_quarters.profiles]]` entry, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseProfile {
    /// The sectors that get it (one, or every sector of a `sum`), ascending.
    pub sectors: Vec<usize>,
    /// The quarterly shape.
    pub shape: QuarterShape,
    /// Starting AR(1) deviation `d_0`, percent of quarterly growth.
    pub momentum: f64,
}

/// Direction of a policy rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyOp {
    /// Fires when year-to-date growth is below the trigger; adds growth.
    Below,
    /// Fires when year-to-date growth is above the trigger; removes growth.
    Above,
}

/// One `[[policies]]` rule, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Id of the sector or indicator read (for display).
    pub indicator: String,
    /// The (sector, weight) sum whose year-to-date growth is read.
    pub weights: Vec<(usize, f64)>,
    /// Trigger, percent.
    pub trigger: f64,
    /// Direction.
    pub op: PolicyOp,
    /// Checked at the end of these quarters (index 0 = Q1).
    pub check: [bool; 4],
    /// Checked in these simulated years (`horizon` flags).
    pub years: Vec<bool>,
    /// Quarters from the check to the first quarter moved (>= 1).
    pub lag: u32,
    /// Quarters moved (>= 1).
    pub duration: u32,
    /// Points of annualized growth per point of shortfall (>= 0).
    pub response: f64,
    /// Most points of annualized growth moved (>= 0).
    pub cap: f64,
    /// Sectors moved, in file order.
    pub sectors: Vec<usize>,
}

/// A validated scenario: only [`validate`](super::validate) builds one, so
/// every later stage may rely on its invariants (ids resolve, ranges hold,
/// indicators have no cycle) without checking again.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub(crate) raw: RawScenario,
    pub(crate) header: Header,
    pub(crate) sectors: Vec<Sector>,
    pub(crate) shocks: Vec<Shock>,
    pub(crate) correlation: Option<Correlation>,
    pub(crate) events: Vec<Event>,
    pub(crate) indicators: Vec<Indicator>,
    /// Indicator indices with every input before the indicators that read it.
    pub(crate) order: Vec<usize>,
    pub(crate) targets: Vec<Target>,
    pub(crate) observed: Option<Observed>,
    /// Uncertain inputs, in file order.
    pub(crate) assumptions: Vec<Assumption>,
    /// Named joint sets of targets, in file order.
    pub(crate) joints: Vec<Joint>,
    /// Indicator id -> index.
    pub(crate) indicator_index: BTreeMap<String, usize>,
    /// `[[base_quarters.profiles]]`, in file order (empty without the table).
    pub(crate) base_profiles: Vec<BaseProfile>,
    /// `[[policies]]`, in file order.
    pub(crate) policies: Vec<Policy>,
}

impl Scenario {
    /// The scenario as written (validated). Parameter studies edit this form
    /// and validate it again.
    pub fn raw(&self) -> &RawScenario {
        &self.raw
    }
    /// `[scenario]`.
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// Sectors, in file order.
    pub fn sectors(&self) -> &[Sector] {
        &self.sectors
    }
    /// Common shocks, in file order.
    pub fn shocks(&self) -> &[Shock] {
        &self.shocks
    }
    /// The shock correlation, when given.
    pub fn correlation(&self) -> Option<&Correlation> {
        self.correlation.as_ref()
    }
    /// Events, in file order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }
    /// Indicators, in file order.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }
    /// Indicator indices in evaluation order (inputs first).
    pub fn order(&self) -> &[usize] {
        &self.order
    }
    /// Targets, in file order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
    /// `[observed]`, when given.
    pub fn observed(&self) -> Option<&Observed> {
        self.observed.as_ref()
    }
    /// The base year's quarterly profiles (empty: quarters on the trend).
    pub fn base_profiles(&self) -> &[BaseProfile] {
        &self.base_profiles
    }
    /// The policy rules, in file order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }
    /// Uncertain inputs, in file order.
    pub fn assumptions(&self) -> &[Assumption] {
        &self.assumptions
    }
    /// Named joint sets of targets.
    pub fn joints(&self) -> &[Joint] {
        &self.joints
    }
    /// The index of indicator `id`.
    pub fn indicator_index(&self, id: &str) -> Option<usize> {
        self.indicator_index.get(id).copied()
    }
}
