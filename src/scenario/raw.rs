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
    /// The base year's quarterly profile and starting momentum (carry-over).
    /// Absent: the base year's quarters lie on each sector's trend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_quarters: Option<RawBaseQuarters>,
    /// The policy reaction function: rules that move sectors' growth when a
    /// path falls behind (or runs ahead of) a trigger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<RawPolicy>,
    /// Uncertain inputs: a distribution per parameter, drawn once per path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<RawAssumption>,
    /// Named sets of targets whose joint probability is reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joints: Vec<RawJoint>,
}

/// A number for every simulated year, or one per simulated year starting at
/// `base_year + 1` (an array shorter than the horizon repeats its last value;
/// longer is an error). Serializes as it was written.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum PerYear {
    /// The same value in every simulated year.
    One(f64),
    /// One value per simulated year from the first; the last repeats.
    Years(Vec<f64>),
}

impl PerYear {
    /// The values as written (one for [`PerYear::One`]).
    pub fn values(&self) -> &[f64] {
        match self {
            PerYear::One(v) => std::slice::from_ref(v),
            PerYear::Years(v) => v,
        }
    }
    /// The first simulated year's value (NaN for an empty array, which
    /// validation rejects).
    pub fn first(&self) -> f64 {
        self.values().first().copied().unwrap_or(f64::NAN)
    }
    /// The value when it is one number for every year.
    pub fn scalar(&self) -> Option<f64> {
        match self {
            PerYear::One(v) => Some(*v),
            PerYear::Years(_) => None,
        }
    }
    /// The values formatted by `f`: one value, or the per-year values joined
    /// by " / " (for display).
    pub fn format_with(&self, f: impl Fn(f64) -> String) -> String {
        self.values()
            .iter()
            .map(|&x| f(x))
            .collect::<Vec<_>>()
            .join(" / ")
    }
    /// One value per simulated year: `horizon` values, the last written one
    /// repeated (validation keeps the array non-empty and within the horizon).
    pub fn resolve(&self, horizon: usize) -> Vec<f64> {
        let v = self.values();
        (0..horizon)
            .map(|y| v.get(y).or(v.last()).copied().unwrap_or(f64::NAN))
            .collect()
    }
}

impl From<f64> for PerYear {
    fn from(v: f64) -> Self {
        PerYear::One(v)
    }
}

impl<'de> Deserialize<'de> for PerYear {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = PerYear;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or an array of numbers (one per simulated year)")
            }
            fn visit_f64<E>(self, v: f64) -> Result<PerYear, E> {
                Ok(PerYear::One(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<PerYear, E> {
                Ok(PerYear::One(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<PerYear, E> {
                Ok(PerYear::One(v as f64))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<PerYear, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = a.next_element::<f64>()? {
                    out.push(x);
                }
                Ok(PerYear::Years(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[base_quarters]`: the base year's quarterly profile (carry-over).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawBaseQuarters {
    /// Where the quarterly figures come from.
    #[serde(default)]
    pub source: Option<String>,
    /// One profile per sector or sum of sectors.
    #[serde(default)]
    pub profiles: Vec<RawProfile>,
}

/// `[[base_quarters.profiles]]`: the quarterly shape of the base year of a
/// sector, or of every sector of a `sum` indicator of sectors.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    /// A sector id, or a `sum` indicator of sectors (each of its sectors gets the profile).
    pub of: String,
    /// Year-on-year growth (percent) of each single quarter Q1..Q4 of the
    /// base year over the same quarter of the year before (taken on the
    /// sector's trend). Exactly one of `yoy` and `shares`.
    #[serde(default)]
    pub yoy: Option<Vec<f64>>,
    /// Each quarter's share of the base year's total (four values > 0 summing to 1).
    #[serde(default)]
    pub shares: Option<Vec<f64>>,
    /// Starting value of the AR(1) growth deviation `d_0`, percent of
    /// quarterly growth (default 0).
    #[serde(default)]
    pub momentum: Option<f64>,
    /// Where the figures come from.
    #[serde(default)]
    pub source: Option<String>,
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

/// `[[policies]]`: one rule of the policy reaction function.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// Unique id among policies.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local-language label, optional.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// A sector, or a `sum` or `growth` indicator of sectors, whose
    /// year-to-date growth (percent, over the same quarters of the year before) is read.
    pub indicator: String,
    /// Percent: the year-to-date growth the rule compares with.
    pub trigger: f64,
    /// `below` (default: fires when growth is below `trigger`) or `above`.
    #[serde(default)]
    pub op: Option<String>,
    /// Quarters (1-4) at whose end the rule is checked (default `[2]`).
    #[serde(default)]
    pub check_quarters: Option<Vec<u32>>,
    /// Calendar years in which it is checked (default every simulated year).
    #[serde(default)]
    pub years: Option<Vec<i32>>,
    /// Quarters from the check to the first quarter moved (>= 1, default 1).
    #[serde(default)]
    pub lag: Option<u32>,
    /// Quarters moved (>= 1).
    pub duration: u32,
    /// Percentage points of annualized growth added per point of shortfall (>= 0).
    pub response: f64,
    /// Most percentage points of annualized growth added (>= 0).
    pub cap: f64,
    /// Sectors whose growth is moved.
    pub sectors: Vec<String>,
    /// Where the rule comes from.
    #[serde(default)]
    pub source: Option<String>,
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
    /// Mean annual real growth, percent (per year: a number or one per simulated year).
    pub growth: PerYear,
    /// Standard deviation of the sector's own (idiosyncratic) annual growth
    /// shock, percentage points, for the first simulated year (per year).
    pub volatility: PerYear,
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
    /// Multiplies the shock's quarterly draw in each simulated year (>= 0,
    /// default 1; per year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<PerYear>,
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
    /// and is not already under way, in [0, 1] (per year).
    pub probability: PerYear,
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
    /// Size of the impact (see `sector` and `indicator`; per year).
    pub size: PerYear,
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
    /// Published values of years up to the base year (year -> value), for
    /// display only: fan charts start from them. Left out of the serialized
    /// form when absent, so a scenario without it keeps its fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<BTreeMap<String, f64>>,
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
