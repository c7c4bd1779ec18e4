//! The scenario file exactly as written: serde structs that mirror the TOML.
//!
//! Nothing here is trusted. Every struct denies unknown fields so that a typo
//! (`volatilty = 3`) is an error with a line number instead of a silently
//! ignored assumption. Units are stated on every numeric field; the
//! conventions are:
//!
//! * growth rates, volatilities and loadings are in **percent** (6.0 = 6%);
//! * levels are in the unit the scenario declares for them (亿元, 万辆, 亿斤 ...);
//! * probabilities are fractions in [0, 1];
//! * durations are in quarters.
//!
//! Semantics are documented field by field in `docs/SCENARIO.md` and the
//! equations in `docs/MODEL.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Region, base year, horizon and free-text description.
    pub scenario: RawHeader,
    /// Producing sectors; their value added sums to GDP in the base year.
    #[serde(default)]
    pub sectors: Vec<RawSector>,
    /// Common shock factors that sectors load on.
    #[serde(default)]
    pub shocks: Vec<RawShock>,
    /// Correlation of the common shocks (identity when absent).
    #[serde(default)]
    pub shock_correlation: Option<RawCorrelation>,
    /// Rare disruptions.
    #[serde(default)]
    pub events: Vec<RawEvent>,
    /// Annual indicators derived from sectors, shocks and each other.
    #[serde(default)]
    pub indicators: Vec<RawIndicator>,
    /// The official targets whose attainment is estimated.
    #[serde(default)]
    pub targets: Vec<RawTarget>,
    /// What is already published for the first simulated year (a nowcast).
    #[serde(default)]
    pub observed: Option<RawObserved>,
    /// Uncertain inputs: a distribution per parameter, drawn once per path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<RawAssumption>,
    /// Named sets of targets whose joint probability is reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joints: Vec<RawJoint>,
}

/// `[[assumptions]]`: an input whose value is not known, drawn once per path
/// before the quarters (docs/MODEL.md, "Assumption uncertainty").
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawAssumption {
    /// Parameter path as accepted by `sweep --set` (`sectors.ID.growth`).
    pub parameter: String,
    /// `normal` (mean, sd), `uniform` (low, high) or `triangular` (low, mode, high).
    pub distribution: String,
    /// `normal`: mean, in the parameter's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// `normal`: standard deviation (> 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// `uniform`, `triangular`: lower end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// `triangular`: most likely value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<f64>,
    /// `uniform`, `triangular`: upper end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Where the distribution comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `[[joints]]`: a named set of targets whose joint probability is reported.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawJoint {
    /// Unique id among joints.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local-language label, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_zh: Option<String>,
    /// Target ids (at least one, each once).
    pub targets: Vec<String>,
    /// Why this set matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A number for every simulated year, or one array of them starting at
/// `base_year + 1` (a shorter array repeats its last value).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum PerYear {
    /// The same value every year.
    One(f64),
    /// One value per year.
    Years(Vec<f64>),
}

/// `[observed]`: quarters of the first simulated year that are already published.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawObserved {
    /// Quarters of the first simulated year that are published (1 to 3).
    /// Events in these quarters are known: those listed in `events` started
    /// as listed, and no other event started.
    pub quarters: u32,
    /// Where the figures come from.
    #[serde(default)]
    pub source: Option<String>,
    /// Published year-to-date values.
    #[serde(default)]
    pub values: Vec<RawObservedValue>,
    /// Events known to have started in the published quarters.
    #[serde(default)]
    pub events: Vec<RawObservedEvent>,
}

/// `[[observed.values]]`: one published year-to-date figure.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawObservedValue {
    /// The indicator observed.
    pub indicator: String,
    /// Year-to-date value through `quarter`, in the indicator's unit
    /// (percent year-on-year growth for a `growth` indicator).
    pub value: f64,
    /// Last quarter covered (1 to `observed.quarters`; default `observed.quarters`).
    #[serde(default)]
    pub quarter: Option<u32>,
    /// For an indicator that is not the growth of sectors: the observed
    /// period's share of the base year's annual total, in (0, 1).
    #[serde(default)]
    pub share: Option<f64>,
    /// Where the figure comes from.
    #[serde(default)]
    pub source: Option<String>,
}

/// `[[observed.events]]`: an event known to have started.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawObservedEvent {
    /// The event's id.
    pub id: String,
    /// The quarter it started in (1 to `observed.quarters`).
    pub start_quarter: u32,
    /// Where the fact comes from.
    #[serde(default)]
    pub source: Option<String>,
}

/// `[scenario]`: what and when.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    /// Short name shown in reports.
    pub name: String,
    /// Region in English (for example "Jilin").
    pub region: String,
    /// Region in the local language, optional (for example "吉林省").
    #[serde(default)]
    pub region_zh: Option<String>,
    /// Last year with published results; its figures seed the model.
    pub base_year: i32,
    /// Number of years simulated after the base year (at least 1).
    pub horizon: u32,
    /// Unit of sector value added, for labels only (for example "亿元").
    #[serde(default)]
    pub value_unit: Option<String>,
    /// Free text: what the scenario represents and where its numbers come from.
    #[serde(default)]
    pub description: Option<String>,
    /// Where the targets come from (for example the work report and its date).
    #[serde(default)]
    pub source: Option<String>,
}

/// `[[sectors]]`: one producing sector.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSector {
    /// Unique id (letters, digits, `_`), referenced by indicators and events.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local-language label, optional.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// Base-year value added, in the scenario's value unit (must be >= 0).
    pub value_added: f64,
    /// Mean annual real growth, percent.
    pub growth: f64,
    /// Standard deviation of the sector's own (idiosyncratic) annual growth
    /// shock, percentage points, for the first simulated year.
    pub volatility: f64,
    /// Quarterly AR(1) coefficient of the sector's growth deviations, in [0, 1).
    #[serde(default)]
    pub persistence: f64,
    /// Loadings on common shocks: shock id -> percentage points of annual
    /// growth moved by a one-standard-deviation shock.
    #[serde(default)]
    pub loadings: BTreeMap<String, f64>,
    /// Where the numbers come from.
    #[serde(default)]
    pub source: Option<String>,
}

/// `[[shocks]]`: a common factor, drawn each quarter.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawShock {
    /// Unique id, referenced by sector loadings, indicator terms and the correlation matrix.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local-language label, optional.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// `gaussian` (default), `student_t` (needs `df` > 2) or `two_piece`
    /// (needs `down` and `up`, the scale of the lower and upper halves).
    #[serde(default)]
    pub distribution: Option<String>,
    /// Degrees of freedom of a `student_t` shock (> 2; the shock is scaled to unit variance).
    #[serde(default)]
    pub df: Option<f64>,
    /// Scale of the downside half of a `two_piece` shock (> 0).
    #[serde(default)]
    pub down: Option<f64>,
    /// Scale of the upside half of a `two_piece` shock (> 0).
    #[serde(default)]
    pub up: Option<f64>,
    /// Label family of the risk (default: the id up to its first `_`);
    /// `explain` warns when two sources of one family move the same thing
    /// the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Where the numbers come from.
    #[serde(default)]
    pub source: Option<String>,
}

/// `[shock_correlation]`: correlation of the shocks' underlying normals.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    /// Shock ids in the order of the matrix rows; every shock exactly once.
    pub order: Vec<String>,
    /// Square, symmetric, unit diagonal, positive semi-definite.
    pub matrix: Vec<Vec<f64>>,
    /// Replace a matrix that is not positive semi-definite by the nearest
    /// correlation matrix (Higham 2002) instead of rejecting it. Warns.
    #[serde(default)]
    pub repair: bool,
    /// Where the numbers come from.
    #[serde(default)]
    pub source: Option<String>,
}

/// `[[events]]`: a rare disruption that may start in any quarter.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    /// Unique id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local-language label, optional.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// Probability that the event starts in a quarter in which it may start
    /// and is not already under way, in [0, 1].
    pub probability: f64,
    /// Quarters the event lasts once started (>= 1).
    pub duration: u32,
    /// Quarters of the year (1-4) in which it may start; all when absent.
    #[serde(default)]
    pub quarters: Option<Vec<u32>>,
    /// Share of a sector's lost level that comes back when the event ends,
    /// in [0, 1] (1 = full rebound, 0 = permanent loss). Default 1.
    #[serde(default)]
    pub recovery: Option<f64>,
    /// What the event does while it lasts.
    #[serde(default)]
    pub impacts: Vec<RawImpact>,
    /// Label family of the risk (default: the id up to its first `_`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// `downside` or `upside`, for display (default from its impacts' signs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    /// Where the numbers come from.
    #[serde(default)]
    pub source: Option<String>,
}

/// One impact of an event: exactly one of `sector` or `indicator`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawImpact {
    /// Sector hit: `size` is the percent change of its quarterly level while
    /// the event lasts (-20 = output 20% lower), > -100.
    #[serde(default)]
    pub sector: Option<String>,
    /// Indicator hit: `size` is added to its annual value for a full year of
    /// the event, pro rata for the quarters of the year it lasts.
    #[serde(default)]
    pub indicator: Option<String>,
    /// Size of the impact (see `sector` and `indicator`).
    pub size: f64,
}

/// `[[indicators]]`: an annual series derived from sectors, shocks and other indicators.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawIndicator {
    /// Unique id (shares one namespace with sectors and shocks).
    pub id: String,
    /// English label.
    pub label: String,
    /// Local-language label, optional.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// Unit for display ("%", "亿元", "万辆" ...).
    #[serde(default)]
    pub unit: Option<String>,
    /// `sum`, `ratio`, `growth`, `linear`, `compound` or `accumulate`.
    pub kind: String,
    /// `sum`: id -> weight (sectors or level indicators);
    /// `linear`: id -> coefficient (indicators or shocks).
    #[serde(default)]
    pub terms: BTreeMap<String, f64>,
    /// `growth`, `compound`, `accumulate`: the input series.
    #[serde(default)]
    pub of: Option<String>,
    /// `ratio`: numerator series.
    #[serde(default)]
    pub numerator: Option<String>,
    /// `ratio`: denominator series.
    #[serde(default)]
    pub denominator: Option<String>,
    /// `linear`: constant term.
    #[serde(default)]
    pub intercept: Option<f64>,
    /// `compound`, `accumulate`, `linear`: value in the base year.
    #[serde(default)]
    pub base: Option<f64>,
    /// `accumulate`: first year added (default: the first simulated year).
    #[serde(default)]
    pub from_year: Option<i32>,
    /// Standard deviation of the indicator's own annual noise (>= 0, default 0),
    /// in the indicator's unit (for `compound`, percent of growth).
    #[serde(default)]
    pub noise: Option<f64>,
    /// Student-t degrees of freedom of the noise (> 2); Gaussian when absent.
    #[serde(default)]
    pub noise_df: Option<f64>,
    /// Year-to-year AR(1) coefficient of the noise, in [0, 1).
    #[serde(default)]
    pub persistence: Option<f64>,
    /// `exogenous`: the mean of the series in each simulated year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<PerYear>,
    /// `count`: the number of trials N (a share of N sections is a count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<u32>,
    /// Where the numbers come from.
    #[serde(default)]
    pub source: Option<String>,
}

/// `[[targets]]`: an official target.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    /// Unique id; stable across versions (outside tools rely on it).
    pub id: String,
    /// English label.
    pub label: String,
    /// Local-language label, optional.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// The indicator the target is about.
    pub indicator: String,
    /// Year whose annual value is judged (base_year < year <= base_year + horizon).
    pub year: i32,
    /// `at_least`, `at_most` or `about`.
    pub op: String,
    /// The official figure.
    pub threshold: f64,
    /// Slack granted when judging attainment (>= 0, default 0): `at_least`
    /// is met at threshold - tolerance, `at_most` at threshold + tolerance,
    /// `about` within threshold +- tolerance.
    #[serde(default)]
    pub tolerance: f64,
    /// Judge the difference `indicator - relative_to` instead of the
    /// indicator itself (for "in step with GDP growth").
    #[serde(default)]
    pub relative_to: Option<String>,
    /// Counts towards the joint probability of headline targets.
    #[serde(default)]
    pub headline: bool,
    /// Events that excuse a miss: the target is also reported as "met or
    /// excused" when one of them was under way in the target year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excused_by: Vec<String>,
    /// The target as worded in the source document.
    #[serde(default)]
    pub wording: Option<String>,
    /// Where the target comes from.
    #[serde(default)]
    pub source: Option<String>,
}
