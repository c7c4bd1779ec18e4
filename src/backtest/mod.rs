//! Backtest: score a scenario's forecasts against realized outcomes.
//!
//! For each target with an outcome: the Brier and log scores of its probability of attainment,
//! the probability integral transform (PIT) of the outcome within the simulated distribution of
//! the target's indicator, and whether the outcome fell in the 50% and 90% central intervals;
//! over all outcomes: mean scores next to two naive forecasters (always 0.5; always 1, "targets
//! are always met"), interval coverage, a PIT uniformity test and a reliability table.
//!
//! Pure: text and simulation summaries in, structs and text out. Definitions are in
//! `docs/BACKTEST.md`; keep the two in step.

use serde::Serialize;

use crate::model::Target;
use crate::stats::histogram::LogHistogram;

mod forecast;
mod outcomes;
mod render;
mod summary;
#[cfg(test)]
mod tests;

use forecast::*;
pub use forecast::{Case, cdf, clip, forecasts, score};
pub use outcomes::parse_outcomes;
pub use summary::{backtest, ks_uniform, summarize};

/// Name used in argument errors for the outcomes file.
const ARG: &str = "outcomes";

/// One realized outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Target id.
    pub target: String,
    /// Year judged.
    pub year: i32,
    /// Realized value of the target's indicator.
    pub value: f64,
    /// Realized judged value (indicator minus its `relative_to` indicator), when given.
    pub judged: Option<f64>,
    /// Line in the file.
    pub line: usize,
}

/// The rows of an outcomes file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcomes {
    /// Rows with a value.
    pub rows: Vec<Outcome>,
    /// Rows skipped because their value is empty or says "not found".
    pub no_value: usize,
}

/// What a run said about one target: its probability and the distribution of its indicator.
#[derive(Debug, Clone)]
pub struct TargetForecast {
    /// Which scenario (its file name).
    pub scenario: String,
    /// The compiled target (id, year, bounds, `attained`).
    pub target: Target,
    /// Id of the target's indicator.
    pub indicator: String,
    /// Id of the `relative_to` indicator, if any.
    pub relative_to: Option<String>,
    /// Unit of the indicator.
    pub unit: String,
    /// Paths simulated.
    pub paths: u64,
    /// Paths attaining the target.
    pub hits: u64,
    /// Simulated distribution of the indicator's value in the target year.
    pub hist: LogHistogram,
}

impl TargetForecast {
    /// Forecast probability of attainment, `hits / paths`.
    pub fn probability(&self) -> f64 {
        if self.paths == 0 {
            0.0
        } else {
            self.hits as f64 / self.paths as f64
        }
    }
}

/// Mean scores of one forecaster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// Forecaster.
    pub forecaster: String,
    /// Mean Brier score (0 is perfect, 0.25 is always 0.5).
    pub brier: f64,
    /// Mean log score (0 is perfect, ln 2 = 0.693 is always 0.5).
    pub log_score: f64,
}

/// Coverage of a central interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Nominal coverage (0.5 or 0.9).
    pub nominal: f64,
    /// Outcomes inside.
    pub inside: usize,
    /// Outcomes with an interval.
    pub cases: usize,
    /// `inside / cases` (null with no cases).
    pub rate: Option<f64>,
    /// Wilson 95% interval of the rate.
    pub ci95: (f64, f64),
}

/// PIT summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PitSummary {
    /// Outcomes with a PIT.
    pub cases: usize,
    /// Mean PIT (0.5 when calibrated; above: outcomes tend to exceed the forecasts).
    pub mean: Option<f64>,
    /// Kolmogorov-Smirnov distance to the uniform distribution.
    pub ks_d: Option<f64>,
    /// Its asymptotic p-value (Stephens' small-sample correction).
    pub ks_p: Option<f64>,
    /// Counts of PIT values in ten bins [0, 0.1), ..., [0.9, 1].
    pub deciles: Vec<usize>,
}

/// One bin of the reliability table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// Lower edge of the forecast-probability bin.
    pub lo: f64,
    /// Upper edge (the last bin includes 1).
    pub hi: f64,
    /// Outcomes whose forecast fell in the bin.
    pub cases: usize,
    /// Mean forecast probability in the bin.
    pub mean_probability: f64,
    /// Share of those outcomes that met their target.
    pub observed: f64,
    /// Wilson 95% interval of `observed`.
    pub ci95: (f64, f64),
}

/// Scores of one target id over all its scored outcomes (scenarios and years).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSummary {
    /// Target id.
    pub target: String,
    /// Outcomes scored.
    pub cases: usize,
    /// Of which met.
    pub met: usize,
    /// Mean forecast probability.
    pub mean_probability: f64,
    /// Mean Brier score.
    pub brier: f64,
    /// Mean log score.
    pub log_score: f64,
    /// Mean PIT.
    pub mean_pit: Option<f64>,
    /// Outcomes inside the 50% interval.
    pub in50: usize,
    /// Outcomes inside the 90% interval.
    pub in90: usize,
}

/// Everything computed over a set of cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Outcomes scored.
    pub cases: usize,
    /// Of which met their target.
    pub met: usize,
    /// The model, then always 0.5, then always 1.
    pub scores: Vec<Scores>,
    /// `1 - Brier(model) / Brier(always 0.5)`: positive when the model beats a coin.
    pub brier_skill_vs_half: Option<f64>,
    /// 50% central interval.
    pub coverage50: Coverage,
    /// 90% central interval.
    pub coverage90: Coverage,
    /// PIT uniformity.
    pub pit: PitSummary,
    /// Non-empty bins of forecast probability, width 0.1.
    pub reliability: Vec<ReliabilityBin>,
    /// Per target id.
    pub by_target: Vec<TargetSummary>,
}

/// A target that could not be scored, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unscored {
    /// Scenario.
    pub scenario: String,
    /// Target id.
    pub target: String,
    /// Year.
    pub year: i32,
    /// Why.
    pub reason: String,
}

/// A backtest: scored cases, their summary, and what could not be matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Scored outcomes, scenario by scenario, in target order.
    pub cases: Vec<Case>,
    /// Scores over all cases.
    pub summary: Summary,
    /// Targets without a usable outcome.
    pub unscored: Vec<Unscored>,
    /// Outcome rows (target, year) matching no target of any scenario.
    pub unmatched: Vec<(String, i32)>,
    /// Outcome rows skipped for an empty or "not found" value.
    pub rows_without_value: usize,
    /// Seed of the runs, when the caller records it (the library does not run anything).
    pub seed: Option<u64>,
}
