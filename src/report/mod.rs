//! Summaries -> a [`Report`] (one serializable struct) -> table, JSON or CSV bytes.
//!
//! Renderers return bytes and never write: the binary decides where they go.

pub mod format;
pub mod html;
pub mod table;
#[cfg(feature = "xlsx")]
pub mod xlsx;

use serde::Serialize;

use crate::engine::{BLOCK_SIZE, RNG_NAME, RunConfig};
use crate::model::Model;
use crate::stats::{Accumulator, Z95, wilson};

/// Width the terminal table wraps to (labels wrap inside their column).
pub const TABLE_WIDTH: u16 = 150;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human terminal table.
    Table,
    /// JSON (documented in docs/OUTPUT.md).
    Json,
    /// One CSV row per target.
    Csv,
}

/// `scenario` block.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Region in the local language.
    pub region_zh: Option<String>,
    /// Base year.
    pub base_year: i32,
    /// Simulated years after the base year.
    pub horizon: usize,
    /// What the run was conditioned on, when the scenario has an `[observed]` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<ObservedInfo>,
}

/// `scenario.observed`: published quarters the run is conditioned on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ObservedInfo {
    /// Quarters of the first simulated year already published.
    pub quarters: usize,
    /// Published figures.
    pub values: Vec<crate::model::observed::Published>,
    /// Events known to have started: id and 1-based quarter.
    pub events: Vec<KnownEvent>,
}

/// An event known to have started in a published quarter.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KnownEvent {
    /// Event id.
    pub id: String,
    /// Quarter it started in (1-based).
    pub start_quarter: u8,
}

/// `run` block: how the numbers were obtained.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunInfo {
    /// Paths simulated.
    pub paths: u64,
    /// Run seed.
    pub seed: u64,
    /// Random variates one path consumes.
    pub draws_per_path: u64,
    /// Wall-clock seconds of the simulation.
    pub elapsed_s: f64,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// Paths per seeded block.
    pub block_size: u64,
    /// Random number generator.
    pub rng: String,
    /// attain version.
    pub version: String,
    /// Present when the run stopped on a precision goal (`--precision`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionInfo>,
}

/// How a `--precision` run ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PrecisionInfo {
    /// The goal: largest accepted 95% half-width of any target's probability.
    pub goal: f64,
    /// Largest half-width reached.
    pub achieved: f64,
    /// Whether the goal was met before `max_paths`.
    pub reached: bool,
    /// The cap on paths.
    pub max_paths: u64,
}

/// A sector's base-year value added.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BaselineSector {
    /// Sector id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Base-year value added.
    pub value_added: f64,
}

/// `baseline` block.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Baseline {
    /// Base year.
    pub year: i32,
    /// Sum of sector value added.
    pub gdp: f64,
    /// Unit of value added.
    pub unit: String,
    /// Sectors.
    pub sectors: Vec<BaselineSector>,
}

/// Percentiles of a target's indicator value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Quantiles {
    /// 5th percentile.
    pub p05: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// One target's result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetResult {
    /// Target id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Indicator id.
    pub indicator: String,
    /// Indicator unit.
    pub unit: String,
    /// Year judged.
    pub year: i32,
    /// at_least, at_most or about.
    pub op: String,
    /// Official figure.
    pub threshold: f64,
    /// Slack granted.
    pub tolerance: f64,
    /// Indicator subtracted before judging, if any.
    pub relative_to: Option<String>,
    /// Counts towards the headline joint probability.
    pub headline: bool,
    /// Wording in the source.
    pub wording: Option<String>,
    /// Estimated probability of attainment.
    pub probability: f64,
    /// 95% Wilson interval of the probability (Monte Carlo error only).
    pub ci95: [f64; 2],
    /// Monte Carlo standard error of the probability.
    pub std_error: f64,
    /// Mean of the indicator value.
    pub mean: f64,
    /// Percentiles of the indicator value.
    pub quantiles: Quantiles,
    /// Calibrated words for the probability (IPCC likelihood scale), or
    /// "too few paths to say" when the 95% interval is wider than 10 points.
    pub verdict: String,
    /// P(met or excused), for a target with `excused_by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability_excused: Option<f64>,
    /// 95% Wilson interval of `probability_excused`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95_excused: Option<[f64; 2]>,
    /// Share of the variance of the margin (judged value − threshold) that
    /// the assumptions explain, when the scenario has `[[assumptions]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption_share: Option<f64>,
    /// P(met) with every assumption at its central value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability_fixed: Option<f64>,
}

/// A `[[joints]]` entry's result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JointResult {
    /// Joint id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Target ids.
    pub targets: Vec<String>,
    /// Probability that all of them are attained on the same path.
    pub probability: f64,
    /// 95% Wilson interval.
    pub ci95: [f64; 2],
}

/// `headline_expected_met`: how many headline targets a path attains, on average.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExpectedMet {
    /// Mean number attained (the sum of their probabilities).
    pub mean: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// Number of headline targets.
    pub of: usize,
}

/// `joint` block.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Joint {
    /// Probability that every headline target is attained on the same path.
    pub probability: f64,
    /// 95% Wilson interval.
    pub ci95: [f64; 2],
    /// The headline target ids.
    pub targets: Vec<String>,
    /// Probability that every target is attained.
    pub all_probability: f64,
}

/// How an event moves a target's probability (from the same run).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Driver {
    /// Target id.
    pub target: String,
    /// Event id.
    pub event: String,
    /// Event label, for the table and the HTML page (the JSON keeps the id).
    #[serde(skip)]
    pub event_label: String,
    /// Share of paths on which the event happened by the target year.
    pub event_share: f64,
    /// P(attained | event happened).
    pub probability_with: Option<f64>,
    /// P(attained | event did not happen).
    pub probability_without: Option<f64>,
}

/// Everything a run reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// What was simulated.
    pub scenario: ScenarioInfo,
    /// How.
    pub run: RunInfo,
    /// Base-year figures.
    pub baseline: Baseline,
    /// One entry per target, in scenario order.
    pub targets: Vec<TargetResult>,
    /// Joint attainment.
    pub joint: Joint,
    /// Named joint probabilities (`[[joints]]`), in file order.
    pub joints: Vec<JointResult>,
    /// Expected number of headline targets met.
    pub headline_expected_met: ExpectedMet,
    /// Event-conditional probabilities, per target and event.
    pub drivers: Vec<Driver>,
    /// Compile-time warnings (for example a repaired correlation matrix).
    pub warnings: Vec<String>,
}

/// A verdict in words needs the probability pinned down: with a 95% interval
/// wider than this (fewer than about 400 paths near p = 1/2) none is given.
pub const MAX_VERDICT_WIDTH: f64 = 0.1;

/// IPCC AR5 calibrated likelihood language (Mastrandrea et al. 2010).
pub fn verdict(p: f64) -> &'static str {
    match p {
        p if p >= 0.99 => "virtually certain",
        p if p >= 0.90 => "very likely",
        p if p >= 0.66 => "likely",
        p if p > 0.33 => "about as likely as not",
        p if p > 0.10 => "unlikely",
        p if p > 0.01 => "very unlikely",
        _ => "exceptionally unlikely",
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Report {
    /// The `n` targets least likely to be met, lowest first (ties in scenario order).
    pub fn most_at_risk(&self, n: usize) -> Vec<&TargetResult> {
        let mut at_risk: Vec<&TargetResult> = self.targets.iter().collect();
        at_risk.sort_by(|a, b| a.probability.total_cmp(&b.probability));
        at_risk.truncate(n);
        at_risk
    }

    /// The event whose occurrence lowers target `id`'s chance the most (by
    /// more than half a point), if any.
    pub fn worst_driver(&self, id: &str) -> Option<&Driver> {
        self.drivers
            .iter()
            .filter(|d| d.target == id)
            .filter_map(|d| Some((d, d.probability_without? - d.probability_with?)))
            .filter(|(d, drop)| *drop > 0.005 && d.event_share > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(d, _)| d)
    }

    /// Assemble the report of a finished run.
    pub fn build(
        model: &Model,
        acc: &Accumulator,
        config: &RunConfig,
        elapsed_s: f64,
        threads: usize,
        warnings: Vec<String>,
    ) -> Report {
        let n = acc.paths;
        let targets = model
            .targets
            .iter()
            .zip(&acc.targets)
            .map(|(t, a)| {
                let p = a.probability(n);
                let (lo, hi) = a.ci95(n);
                let q = |x: f64| a.quantile(x);
                TargetResult {
                    id: t.id.clone(),
                    label: t.label.clone(),
                    label_zh: t.label_zh.clone(),
                    indicator: model.indicators[t.indicator].id.clone(),
                    unit: model.indicators[t.indicator].unit.clone(),
                    year: t.year,
                    op: t.op.as_str().to_string(),
                    threshold: t.threshold,
                    tolerance: t.tolerance,
                    relative_to: t.relative_to.map(|r| model.indicators[r].id.clone()),
                    headline: t.headline,
                    wording: t.wording.clone(),
                    probability: p,
                    ci95: [lo, hi],
                    std_error: (p * (1.0 - p) / n as f64).sqrt(),
                    mean: a.mean(n),
                    quantiles: Quantiles {
                        p05: q(0.05),
                        p25: q(0.25),
                        p50: q(0.50),
                        p75: q(0.75),
                        p95: q(0.95),
                    },
                    verdict: if hi - lo > MAX_VERDICT_WIDTH {
                        "too few paths to say".to_string()
                    } else {
                        verdict(p).to_string()
                    },
                    probability_excused: None,
                    ci95_excused: None,
                    assumption_share: None,
                    probability_fixed: None,
                }
            })
            .collect::<Vec<_>>();
        let mut targets = targets;
        for (t, r) in targets.iter_mut().enumerate() {
            if model.targets[t].excused_by.is_empty() {
                continue;
            }
            if let Some(&h) = acc.excused_hits.get(t) {
                let (lo, hi) = wilson(h, n, Z95);
                r.probability_excused = Some(h as f64 / n as f64);
                r.ci95_excused = Some([lo, hi]);
            }
        }
        let joints = model
            .joints
            .iter()
            .zip(&acc.joint_hits)
            .map(|(j, &h)| {
                let (lo, hi) = wilson(h, n, Z95);
                JointResult {
                    id: j.id.clone(),
                    label: j.label.clone(),
                    targets: j
                        .targets
                        .iter()
                        .map(|&t| model.targets[t].id.clone())
                        .collect(),
                    probability: h as f64 / n as f64,
                    ci95: [lo, hi],
                }
            })
            .collect();
        let (mean, se, of) = acc.headline_expected_met(model);
        let (jlo, jhi) = wilson(acc.joint_headline, n, Z95);
        let nt = model.targets.len();
        let mut drivers = vec![];
        for (t, target) in model.targets.iter().enumerate() {
            for (e, event) in model.events.iter().enumerate() {
                let with_n = acc.event_paths[e * nt + t];
                let with_hits = acc.event_hits[e * nt + t];
                drivers.push(Driver {
                    target: target.id.clone(),
                    event: event.id.clone(),
                    event_label: event.label.clone(),
                    event_share: with_n as f64 / n as f64,
                    probability_with: ratio(with_hits, with_n),
                    probability_without: ratio(acc.targets[t].hits - with_hits, n - with_n),
                });
            }
        }
        Report {
            scenario: ScenarioInfo {
                name: model.meta.name.clone(),
                region: model.meta.region.clone(),
                region_zh: model.meta.region_zh.clone(),
                base_year: model.meta.base_year,
                horizon: model.meta.horizon,
                observed: (model.observed.quarters > 0).then(|| ObservedInfo {
                    quarters: model.observed.quarters,
                    values: model.observed.published.clone(),
                    events: model
                        .observed
                        .known_events
                        .iter()
                        .map(|(id, q)| KnownEvent {
                            id: id.clone(),
                            start_quarter: *q,
                        })
                        .collect(),
                }),
            },
            run: RunInfo {
                paths: n,
                seed: config.seed,
                draws_per_path: model.draws_per_path(),
                elapsed_s,
                threads,
                block_size: BLOCK_SIZE,
                rng: RNG_NAME.to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                precision: None,
            },
            baseline: Baseline {
                year: model.meta.base_year,
                gdp: model.base_total(),
                unit: model.meta.value_unit.clone(),
                sectors: model
                    .sectors
                    .iter()
                    .map(|s| BaselineSector {
                        id: s.id.clone(),
                        label: s.label.clone(),
                        label_zh: s.label_zh.clone(),
                        value_added: s.value_added,
                    })
                    .collect(),
            },
            targets,
            joint: Joint {
                probability: acc.joint_headline as f64 / n as f64,
                ci95: [jlo, jhi],
                targets: model
                    .targets
                    .iter()
                    .filter(|t| t.headline)
                    .map(|t| t.id.clone())
                    .collect(),
                all_probability: acc.joint_all as f64 / n as f64,
            },
            joints,
            headline_expected_met: ExpectedMet { mean, se, of },
            drivers,
            warnings,
        }
    }

    /// Add the split of each target's spread between the assumptions and the
    /// shocks and events: `fixed` is the same run with every assumption at
    /// its central value (same paths, same draws). `assumption_share` is
    /// `1 − Var_fixed / Var` of the margin, clamped to [0, 1].
    pub fn add_assumption_split(&mut self, acc: &Accumulator, fixed: &Accumulator) {
        for (t, r) in self.targets.iter_mut().enumerate() {
            let (Some(v), Some(vf)) = (acc.margin_variance(t), fixed.margin_variance(t)) else {
                continue;
            };
            r.assumption_share = Some(if v > 0.0 {
                (1.0 - vf / v).clamp(0.0, 1.0)
            } else {
                0.0
            });
            r.probability_fixed = Some(fixed.targets[t].probability(fixed.paths));
        }
    }

    /// Render in a format.
    ///
    /// # Errors
    /// Only if serialization fails (it does not for these types).
    pub fn render(&self, format: Format) -> crate::Result<Vec<u8>> {
        match format {
            Format::Table => Ok(table::render(self, TABLE_WIDTH).into_bytes()),
            Format::Json => {
                let mut out = serde_json::to_vec_pretty(self)
                    .map_err(|e| crate::Error::Internal(format!("JSON serialization: {e}")))?;
                out.push(b'\n');
                Ok(out)
            }
            Format::Csv => self.csv(),
        }
    }

    /// Whether some target is reported met-or-excused / with the assumption split.
    fn has_excused(&self) -> bool {
        self.targets.iter().any(|t| t.probability_excused.is_some())
    }
    fn has_split(&self) -> bool {
        self.targets.iter().any(|t| t.assumption_share.is_some())
    }

    /// CSV columns that appear only when the scenario uses the feature.
    fn extra_columns(&self) -> Vec<String> {
        let mut v = vec![];
        if self.has_excused() {
            v.extend([
                "probability_excused",
                "ci95_excused_low",
                "ci95_excused_high",
            ]);
        }
        if self.has_split() {
            v.extend(["assumption_share", "probability_fixed"]);
        }
        v.into_iter().map(String::from).collect()
    }

    fn extra_values(&self, t: &TargetResult) -> Vec<String> {
        let o = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        let mut v = vec![];
        if self.has_excused() {
            v.push(o(t.probability_excused));
            v.push(o(t.ci95_excused.map(|c| c[0])));
            v.push(o(t.ci95_excused.map(|c| c[1])));
        }
        if self.has_split() {
            v.push(o(t.assumption_share));
            v.push(o(t.probability_fixed));
        }
        v
    }

    fn csv(&self) -> crate::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(vec![]);
        let err = |e: csv::Error| crate::Error::Internal(format!("CSV: {e}"));
        w.write_record(
            [
                "id",
                "label",
                "label_zh",
                "indicator",
                "unit",
                "year",
                "op",
                "threshold",
                "tolerance",
                "relative_to",
                "headline",
                "probability",
                "ci95_low",
                "ci95_high",
                "std_error",
                "mean",
                "p05",
                "p25",
                "p50",
                "p75",
                "p95",
                "verdict",
            ]
            .into_iter()
            .map(String::from)
            .chain(self.extra_columns()),
        )
        .map_err(err)?;
        for t in &self.targets {
            let extra = self.extra_values(t);
            w.write_record(
                [
                    t.id.clone(),
                    t.label.clone(),
                    t.label_zh.clone().unwrap_or_default(),
                    t.indicator.clone(),
                    t.unit.clone(),
                    t.year.to_string(),
                    t.op.clone(),
                    t.threshold.to_string(),
                    t.tolerance.to_string(),
                    t.relative_to.clone().unwrap_or_default(),
                    t.headline.to_string(),
                    t.probability.to_string(),
                    t.ci95[0].to_string(),
                    t.ci95[1].to_string(),
                    t.std_error.to_string(),
                    t.mean.to_string(),
                    t.quantiles.p05.to_string(),
                    t.quantiles.p25.to_string(),
                    t.quantiles.p50.to_string(),
                    t.quantiles.p75.to_string(),
                    t.quantiles.p95.to_string(),
                    t.verdict.clone(),
                ]
                .into_iter()
                .chain(extra),
            )
            .map_err(err)?;
        }
        w.into_inner()
            .map_err(|e| crate::Error::Internal(format!("CSV: {e}")))
    }
}
