//! Forecasts from a simulation, the distribution function of a target's
//! indicator, and scoring one forecast against its outcome.

use super::*;
use crate::model::Model;
use crate::report::format::decimals_3210;
use crate::scenario::Op;
use crate::stats::Accumulator;
use crate::stats::histogram::LogHistogram;

/// The forecasts of one run, one per target in scenario order.
pub fn forecasts(model: &Model, acc: &Accumulator, scenario: &str) -> Vec<TargetForecast> {
    model
        .targets
        .iter()
        .zip(&acc.targets)
        .map(|(t, a)| TargetForecast {
            scenario: scenario.to_string(),
            target: t.clone(),
            indicator: model.indicators[t.indicator].id.clone(),
            relative_to: t.relative_to.map(|r| model.indicators[r].id.clone()),
            unit: model.indicators[t.indicator].unit.clone(),
            paths: acc.paths,
            hits: a.hits,
            hist: a.hist.clone(),
        })
        .collect()
}

/// Empirical CDF of a histogram at `x`: the share of values below `x`, interpolating linearly
/// inside the bucket holding `x` (bucket edges clamped to the exact minimum and maximum).
/// `None` for an empty histogram or a non-finite `x`.
pub fn cdf(hist: &LogHistogram, x: f64) -> Option<f64> {
    let n = hist.count();
    if n == 0 || !x.is_finite() {
        return None;
    }
    let (min, max) = (hist.min(), hist.max());
    if x < min {
        return Some(0.0);
    }
    if x >= max {
        return Some(1.0);
    }
    let mut below = 0.0;
    for (lo, hi, c) in hist.buckets() {
        let (lo, hi) = (lo.max(min), hi.min(max));
        if x >= hi {
            below += c as f64;
            continue;
        }
        if x < lo {
            break;
        }
        let frac = if hi > lo { (x - lo) / (hi - lo) } else { 1.0 };
        below += c as f64 * frac;
        break;
    }
    Some((below / n as f64).clamp(0.0, 1.0))
}

/// One scored outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// Scenario (file name).
    pub scenario: String,
    /// Target id.
    pub target: String,
    /// Target label.
    pub label: String,
    /// Year judged.
    pub year: i32,
    /// Condition for attainment on the judged value, e.g. `>= 5.5`.
    pub condition: String,
    /// Forecast probability of attainment.
    pub probability: f64,
    /// Paths behind it.
    pub paths: u64,
    /// Realized indicator value.
    pub value: f64,
    /// Realized judged value (the value, or the value minus the `relative_to` indicator's).
    pub judged: f64,
    /// Whether the outcome attained the target (same rule as the simulation).
    pub met: bool,
    /// `(p - o)^2`.
    pub brier: f64,
    /// `-ln p` if met, `-ln(1 - p)` if not, with `p` clipped to `[1/(2n), 1 - 1/(2n)]`.
    pub log_score: f64,
    /// Share of simulated indicator values below the outcome (interpolated in its bucket).
    pub pit: Option<f64>,
    /// 25th and 75th percentiles of the simulated indicator.
    pub interval50: Option<(f64, f64)>,
    /// 5th and 95th percentiles.
    pub interval90: Option<(f64, f64)>,
    /// Whether the value lies in the 50% central interval (bounds included).
    pub in50: Option<bool>,
    /// Whether the value lies in the 90% central interval.
    pub in90: Option<bool>,
}

/// The condition applied to the judged value, for display.
pub(super) fn condition(f: &TargetForecast) -> String {
    let t = &f.target;
    let lhs = match &f.relative_to {
        Some(r) => format!("{} - {r} ", f.indicator),
        None => String::new(),
    };
    match t.op {
        Op::AtLeast => format!("{lhs}>= {}", decimals_3210(t.lower)),
        Op::AtMost => format!("{lhs}<= {}", decimals_3210(t.upper)),
        Op::About => format!(
            "{lhs}in [{}, {}]",
            decimals_3210(t.lower),
            decimals_3210(t.upper)
        ),
    }
}

/// Log score of a probability `p` for an outcome, clipped at `eps`.
pub(super) fn log_score(p: f64, met: bool, eps: f64) -> f64 {
    let p = p.clamp(eps, 1.0 - eps);
    -(if met { p } else { 1.0 - p }).ln()
}

/// Clipping of the log score for a run of `paths` paths: `1 / (2 paths)`.
pub fn clip(paths: u64) -> f64 {
    0.5 / paths.max(1) as f64
}

/// Score one outcome: the indicator's realized `value` and the realized judged value (equal to
/// `value` for a target without `relative_to`).
pub fn score(f: &TargetForecast, value: f64, judged: f64) -> Case {
    let p = f.probability();
    let met = f.target.attained(judged);
    let o = if met { 1.0 } else { 0.0 };
    let q = |x| f.hist.quantile(x);
    let interval50 = q(0.25).zip(q(0.75));
    let interval90 = q(0.05).zip(q(0.95));
    let inside = |i: Option<(f64, f64)>| i.map(|(lo, hi)| lo <= value && value <= hi);
    Case {
        scenario: f.scenario.clone(),
        target: f.target.id.clone(),
        label: f.target.label.clone(),
        year: f.target.year,
        condition: condition(f),
        probability: p,
        paths: f.paths,
        value,
        judged,
        met,
        brier: (p - o) * (p - o),
        log_score: log_score(p, met, clip(f.paths)),
        pit: cdf(&f.hist, value),
        interval50,
        interval90,
        in50: inside(interval50),
        in90: inside(interval90),
    }
}
