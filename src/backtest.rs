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

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use crate::calibrate::leading_number;
use crate::error::{Error, Result};
use crate::model::{Model, Target};
use crate::scenario::Op;
use crate::report::format::{columns, decimals_3210, pct};
use crate::stats::histogram::LogHistogram;
use crate::stats::{Accumulator, Z95, wilson};

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

/// Read an outcomes CSV: columns `target`, `year`, `value` and optionally `judged` (any order,
/// case-insensitive; other columns ignored). A value may carry an annotation after the number
/// (`6.9 (preliminary)`); an empty value or one saying "not found" skips the row.
///
/// # Errors
/// `Argument` (exit code 2) for a missing column, a year that is not an integer, a value or
/// judged value that is not a number, or two rows for the same target and year.
pub fn parse_outcomes(text: &str, origin: &str) -> Result<Outcomes> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::argument(ARG, format!("{origin}: cannot read the header: {e}")))?
        .clone();
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(c_target), Some(c_year), Some(c_value)) =
        (find("target"), find("year"), find("value"))
    else {
        return Err(Error::argument(
            ARG,
            format!(
                "{origin}: needs the columns target, year and value; the header is {:?}",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let c_judged = find("judged");
    let mut out = Outcomes::default();
    let mut seen: HashMap<(String, i32), usize> = HashMap::new();
    for (k, record) in reader.records().enumerate() {
        let record = record
            .map_err(|e| Error::argument(ARG, format!("{origin}: cannot read the CSV: {e}")))?;
        let line = record.position().map_or(k + 2, |p| p.line() as usize);
        let bad = |what: String| Error::argument(ARG, format!("{origin}: line {line}: {what}"));
        let target = record.get(c_target).unwrap_or("");
        let year = record.get(c_year).unwrap_or("");
        let value = record.get(c_value).unwrap_or("");
        if target.is_empty() {
            return Err(bad("the target is empty".into()));
        }
        let year: i32 = year
            .parse()
            .map_err(|_| bad(format!("the year {year:?} is not an integer")))?;
        if value.is_empty() || value.to_lowercase().contains("not found") {
            out.no_value += 1;
            continue;
        }
        let value = leading_number(value)
            .ok_or_else(|| bad(format!("the value {value:?} is not a number")))?;
        let judged = match c_judged.and_then(|c| record.get(c)).unwrap_or("") {
            "" => None,
            j => Some(
                leading_number(j)
                    .ok_or_else(|| bad(format!("the judged value {j:?} is not a number")))?,
            ),
        };
        if let Some(first) = seen.insert((target.to_string(), year), line) {
            return Err(bad(format!(
                "a second row for target {target} in {year} (the first is on line {first})"
            )));
        }
        out.rows.push(Outcome {
            target: target.to_string(),
            year,
            value,
            judged,
            line,
        });
    }
    Ok(out)
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
fn condition(f: &TargetForecast) -> String {
    let t = &f.target;
    let lhs = match &f.relative_to {
        Some(r) => format!("{} - {r} ", f.indicator),
        None => String::new(),
    };
    match t.op {
        Op::AtLeast => format!("{lhs}>= {}", decimals_3210(t.lower)),
        Op::AtMost => format!("{lhs}<= {}", decimals_3210(t.upper)),
        Op::About => format!("{lhs}in [{}, {}]", decimals_3210(t.lower), decimals_3210(t.upper)),
    }
}

/// Log score of a probability `p` for an outcome, clipped at `eps`.
fn log_score(p: f64, met: bool, eps: f64) -> f64 {
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

/// Kolmogorov-Smirnov test of uniformity on [0, 1]: `(D, p-value)`.
pub fn ks_uniform(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut u: Vec<f64> = values.iter().map(|v| v.clamp(0.0, 1.0)).collect();
    u.sort_by(f64::total_cmp);
    let n = u.len() as f64;
    let d = u
        .iter()
        .enumerate()
        .map(|(i, &x)| ((i + 1) as f64 / n - x).max(x - i as f64 / n))
        .fold(0.0, f64::max);
    let sq = n.sqrt();
    let lambda = (sq + 0.12 + 0.11 / sq) * d;
    let p = if lambda < 0.2 {
        1.0
    } else {
        let s: f64 = (1..=100)
            .map(|k| {
                let k = k as f64;
                let sign = if k as u64 % 2 == 1 { 1.0 } else { -1.0 };
                sign * (-2.0 * k * k * lambda * lambda).exp()
            })
            .sum();
        (2.0 * s).clamp(0.0, 1.0)
    };
    Some((d, p))
}

fn coverage(nominal: f64, flags: impl Iterator<Item = Option<bool>>) -> Coverage {
    let (mut inside, mut cases) = (0usize, 0usize);
    for f in flags.flatten() {
        cases += 1;
        inside += usize::from(f);
    }
    Coverage {
        nominal,
        inside,
        cases,
        rate: (cases > 0).then(|| inside as f64 / cases as f64),
        ci95: wilson(inside as u64, cases as u64, Z95),
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Summarize scored cases.
pub fn summarize(cases: &[Case]) -> Summary {
    let n = cases.len();
    let met = cases.iter().filter(|c| c.met).count();
    let avg = |f: &dyn Fn(&Case) -> f64| mean(cases.iter().map(f)).unwrap_or(f64::NAN);
    let model = Scores {
        forecaster: "model".into(),
        brier: avg(&|c| c.brier),
        log_score: avg(&|c| c.log_score),
    };
    let half = Scores {
        forecaster: "always 0.5".into(),
        brier: avg(&|_| 0.25),
        log_score: avg(&|_| std::f64::consts::LN_2),
    };
    let always = Scores {
        forecaster: "always 1 (targets are always met)".into(),
        brier: avg(&|c| if c.met { 0.0 } else { 1.0 }),
        log_score: avg(&|c| log_score(1.0, c.met, clip(c.paths))),
    };
    let brier_skill_vs_half = (n > 0).then(|| 1.0 - model.brier / 0.25);
    let pits: Vec<f64> = cases.iter().filter_map(|c| c.pit).collect();
    let mut deciles = vec![0usize; 10];
    for &p in &pits {
        deciles[((p * 10.0).floor() as usize).min(9)] += 1;
    }
    let ks = ks_uniform(&pits);
    let pit = PitSummary {
        cases: pits.len(),
        mean: mean(pits.iter().copied()),
        ks_d: ks.map(|k| k.0),
        ks_p: ks.map(|k| k.1),
        deciles,
    };
    let mut bins: BTreeMap<usize, Vec<&Case>> = BTreeMap::new();
    for c in cases {
        let b = ((c.probability * 10.0).floor() as usize).min(9);
        bins.entry(b).or_default().push(c);
    }
    let reliability = bins
        .into_iter()
        .map(|(b, cs)| {
            let hits = cs.iter().filter(|c| c.met).count();
            ReliabilityBin {
                lo: b as f64 / 10.0,
                hi: (b + 1) as f64 / 10.0,
                cases: cs.len(),
                mean_probability: mean(cs.iter().map(|c| c.probability)).unwrap_or(f64::NAN),
                observed: hits as f64 / cs.len() as f64,
                ci95: wilson(hits as u64, cs.len() as u64, Z95),
            }
        })
        .collect();
    let mut order: Vec<&str> = vec![];
    let mut groups: HashMap<&str, Vec<&Case>> = HashMap::new();
    for c in cases {
        groups
            .entry(c.target.as_str())
            .or_insert_with(|| {
                order.push(c.target.as_str());
                vec![]
            })
            .push(c);
    }
    let by_target = order
        .iter()
        .map(|id| {
            let cs = &groups[id];
            TargetSummary {
                target: id.to_string(),
                cases: cs.len(),
                met: cs.iter().filter(|c| c.met).count(),
                mean_probability: mean(cs.iter().map(|c| c.probability)).unwrap_or(f64::NAN),
                brier: mean(cs.iter().map(|c| c.brier)).unwrap_or(f64::NAN),
                log_score: mean(cs.iter().map(|c| c.log_score)).unwrap_or(f64::NAN),
                mean_pit: mean(cs.iter().filter_map(|c| c.pit)),
                in50: cs.iter().filter(|c| c.in50 == Some(true)).count(),
                in90: cs.iter().filter(|c| c.in90 == Some(true)).count(),
            }
        })
        .collect();
    Summary {
        cases: n,
        met,
        scores: vec![model, half, always],
        brier_skill_vs_half,
        coverage50: coverage(0.5, cases.iter().map(|c| c.in50)),
        coverage90: coverage(0.9, cases.iter().map(|c| c.in90)),
        pit,
        reliability,
        by_target,
    }
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

/// Join outcomes to forecasts by target id and year, score and summarize.
///
/// The judged value of a target with `relative_to` comes from the row's `judged` column, or
/// else from the outcome of another target of the same scenario and year whose indicator is the
/// `relative_to` indicator (its value is subtracted).
///
/// # Errors
/// `Argument` (exit code 2) when no outcome matches any target.
pub fn backtest(forecasts: &[TargetForecast], outcomes: &Outcomes) -> Result<Backtest> {
    let by_key: HashMap<(&str, i32), &Outcome> = outcomes
        .rows
        .iter()
        .map(|o| ((o.target.as_str(), o.year), o))
        .collect();
    let mut cases = vec![];
    let mut unscored = vec![];
    for f in forecasts {
        let t = &f.target;
        let Some(o) = by_key.get(&(t.id.as_str(), t.year)) else {
            unscored.push(Unscored {
                scenario: f.scenario.clone(),
                target: t.id.clone(),
                year: t.year,
                reason: "no outcome".into(),
            });
            continue;
        };
        let judged = match (o.judged, &f.relative_to) {
            (Some(j), _) => Some(j),
            (None, None) => Some(o.value),
            (None, Some(rel)) => forecasts
                .iter()
                .filter(|g| {
                    g.scenario == f.scenario && &g.indicator == rel && g.target.year == t.year
                })
                .find_map(|g| by_key.get(&(g.target.id.as_str(), t.year)))
                .map(|other| o.value - other.value),
        };
        match judged {
            Some(j) => cases.push(score(f, o.value, j)),
            None => unscored.push(Unscored {
                scenario: f.scenario.clone(),
                target: t.id.clone(),
                year: t.year,
                reason: format!(
                    "judged relative to {}: give a judged column, or an outcome for a target on {} in {}",
                    f.relative_to.as_deref().unwrap_or(""),
                    f.relative_to.as_deref().unwrap_or(""),
                    t.year
                ),
            }),
        }
    }
    let unmatched: Vec<(String, i32)> = outcomes
        .rows
        .iter()
        .filter(|o| {
            !forecasts
                .iter()
                .any(|f| f.target.id == o.target && f.target.year == o.year)
        })
        .map(|o| (o.target.clone(), o.year))
        .collect();
    if cases.is_empty() {
        let span = |ys: Vec<i32>| match (ys.iter().min(), ys.iter().max()) {
            (Some(a), Some(b)) if a == b => format!("{a}"),
            (Some(a), Some(b)) => format!("{a}-{b}"),
            _ => "none".into(),
        };
        return Err(Error::argument(
            ARG,
            format!(
                "no outcome can be scored: the outcomes cover {} row(s), years {}; the scenarios' targets are for years {}{}",
                outcomes.rows.len(),
                span(outcomes.rows.iter().map(|o| o.year).collect()),
                span(forecasts.iter().map(|f| f.target.year).collect()),
                if unscored.iter().any(|u| u.reason != "no outcome") {
                    "; some matched targets lack a judged value (relative_to)"
                } else {
                    ""
                }
            ),
        ));
    }
    let summary = summarize(&cases);
    Ok(Backtest {
        cases,
        summary,
        unscored,
        unmatched,
        rows_without_value: outcomes.no_value,
        seed: None,
    })
}

fn opt3(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.3}"))
}

fn yes(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "in",
        Some(false) => "out",
        None => "n/a",
    }
}

impl Backtest {
    /// The human-readable report (documented in docs/BACKTEST.md).
    pub fn to_table(&self) -> String {
        let s = &self.summary;
        let mut o = String::new();
        let scenarios: Vec<&str> = {
            let mut v: Vec<&str> = self.cases.iter().map(|c| c.scenario.as_str()).collect();
            v.dedup();
            v
        };
        let many = scenarios.len() > 1;
        let _ = writeln!(
            o,
            "Backtest: {} outcome(s) scored, {} met; {} path(s) per run{}",
            s.cases,
            s.met,
            self.cases.first().map_or(0, |c| c.paths),
            self.seed.map_or(String::new(), |x| format!(", seed {x}"))
        );
        if s.cases < 30 {
            let _ = writeln!(
                o,
                "Small sample: with {} outcome(s) these scores say little; read them as a record, not a verdict.",
                s.cases
            );
        }
        o.push('\n');
        let mut rows = vec![];
        let mut head = vec![];
        if many {
            head.push("Scenario".to_string());
        }
        head.extend(
            [
                "Target", "Year", "Met if", "P(met)", "Outcome", "Met", "Brier", "Log", "PIT",
                "50%", "90%",
            ]
            .map(String::from),
        );
        rows.push(head);
        for c in &self.cases {
            let mut r = vec![];
            if many {
                r.push(c.scenario.clone());
            }
            r.extend([
                c.target.clone(),
                c.year.to_string(),
                c.condition.clone(),
                pct(c.probability),
                if c.judged != c.value {
                    format!("{} ({})", decimals_3210(c.value), decimals_3210(c.judged))
                } else {
                    decimals_3210(c.value)
                },
                if c.met { "yes" } else { "no" }.into(),
                format!("{:.3}", c.brier),
                format!("{:.3}", c.log_score),
                opt3(c.pit),
                yes(c.in50).into(),
                yes(c.in90).into(),
            ]);
            rows.push(r);
        }
        let k = usize::from(many);
        let mut right = vec![false; 11 + k];
        for c in [1, 3, 4, 6, 7, 8] {
            right[c + k] = true;
        }
        o.push_str(&columns(&rows, &right));
        o.push('\n');
        let _ = writeln!(
            o,
            "Mean scores over {} outcome(s) (lower is better):",
            s.cases
        );
        let mut rows = vec![vec!["Forecaster".to_string(), "Brier".into(), "Log".into()]];
        for sc in &s.scores {
            rows.push(vec![
                sc.forecaster.clone(),
                format!("{:.3}", sc.brier),
                format!("{:.3}", sc.log_score),
            ]);
        }
        o.push_str(&indent(&columns(&rows, &[false, true, true])));
        if let Some(bss) = s.brier_skill_vs_half {
            let _ = writeln!(o, "Brier skill against always 0.5: {bss:+.3}");
        }
        for cv in [&s.coverage50, &s.coverage90] {
            let _ = writeln!(
                o,
                "{:.0}% central interval: {} of {} outcome(s) inside ({}; 95% CI {}-{})",
                100.0 * cv.nominal,
                cv.inside,
                cv.cases,
                cv.rate.map_or("n/a".into(), pct),
                pct(cv.ci95.0),
                pct(cv.ci95.1)
            );
        }
        let _ = writeln!(
            o,
            "PIT: mean {} (0.5 if calibrated), Kolmogorov-Smirnov D {} (p {}); by tenths: {}",
            opt3(s.pit.mean),
            opt3(s.pit.ks_d),
            opt3(s.pit.ks_p),
            s.pit
                .deciles
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        o.push('\n');
        o.push_str("Reliability (forecast probability bins):\n");
        let mut rows = vec![vec![
            "Bin".to_string(),
            "Outcomes".into(),
            "Mean P".into(),
            "Observed".into(),
            "95% CI".into(),
        ]];
        for b in &s.reliability {
            rows.push(vec![
                format!("{:.1}-{:.1}", b.lo, b.hi),
                b.cases.to_string(),
                pct(b.mean_probability),
                pct(b.observed),
                format!("{}-{}", pct(b.ci95.0), pct(b.ci95.1)),
            ]);
        }
        o.push_str(&indent(&columns(&rows, &[false, true, true, true, false])));
        if s.by_target.iter().any(|t| t.cases > 1) {
            o.push('\n');
            o.push_str("By target:\n");
            let mut rows = vec![vec![
                "Target".to_string(),
                "Outcomes".into(),
                "Met".into(),
                "Mean P".into(),
                "Brier".into(),
                "Log".into(),
                "Mean PIT".into(),
                "In 50%".into(),
                "In 90%".into(),
            ]];
            for t in &s.by_target {
                rows.push(vec![
                    t.target.clone(),
                    t.cases.to_string(),
                    t.met.to_string(),
                    pct(t.mean_probability),
                    format!("{:.3}", t.brier),
                    format!("{:.3}", t.log_score),
                    opt3(t.mean_pit),
                    t.in50.to_string(),
                    t.in90.to_string(),
                ]);
            }
            let mut right = vec![true; 9];
            right[0] = false;
            o.push_str(&indent(&columns(&rows, &right)));
        }
        if !self.unscored.is_empty() {
            o.push('\n');
            let list: Vec<String> = self
                .unscored
                .iter()
                .map(|u| {
                    if u.reason == "no outcome" {
                        format!("{} {}", u.target, u.year)
                    } else {
                        format!("{} {} ({})", u.target, u.year, u.reason)
                    }
                })
                .collect();
            let _ = writeln!(
                o,
                "Not scored ({}): {}",
                self.unscored.len(),
                list.join(", ")
            );
        }
        if !self.unmatched.is_empty() {
            let list: Vec<String> = self
                .unmatched
                .iter()
                .map(|(t, y)| format!("{t} {y}"))
                .collect();
            let _ = writeln!(
                o,
                "Outcome rows matching no target ({}): {}",
                list.len(),
                list.join(", ")
            );
        }
        if self.rows_without_value > 0 {
            let _ = writeln!(
                o,
                "Outcome rows without a value (empty or \"not found\"): {}",
                self.rows_without_value
            );
        }
        o
    }

    /// Pretty-printed JSON of the whole backtest, with a trailing newline.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_interpolates_and_clamps() {
        let mut h = LogHistogram::new();
        for i in 0..1000 {
            h.insert(-5.0 + 10.0 * (i as f64 + 0.5) / 1000.0);
        }
        assert_eq!(cdf(&h, -6.0), Some(0.0));
        assert_eq!(cdf(&h, 6.0), Some(1.0));
        for x in [-4.0, -1.0, 0.0, 0.3, 2.5, 4.9] {
            let f = cdf(&h, x).unwrap();
            let exact = (x + 5.0) / 10.0;
            assert!((f - exact).abs() < 0.005, "{x}: {f} vs {exact}");
        }
        assert_eq!(cdf(&LogHistogram::new(), 1.0), None);
        assert_eq!(cdf(&h, f64::NAN), None);
    }

    #[test]
    fn ks_of_a_uniform_grid_is_small_and_of_a_point_mass_large() {
        let u: Vec<f64> = (0..200).map(|i| (i as f64 + 0.5) / 200.0).collect();
        let (d, p) = ks_uniform(&u).unwrap();
        assert!(d <= 0.0025 + 1e-12 && p > 0.99, "{d} {p}");
        let (d, p) = ks_uniform(&[0.9; 50]).unwrap();
        assert!(d >= 0.9 - 1e-12 && p < 1e-6, "{d} {p}");
        assert_eq!(ks_uniform(&[]), None);
    }

    #[test]
    fn outcomes_parse_and_reject() {
        let o = parse_outcomes(
            "target,year,value,source\ngdp,2022,6.1,x\ncpi,2022,not found,y\njobs,2023,\"1,0\",z\n",
            "t",
        );
        assert!(o.is_err());
        let o = parse_outcomes(
            "Year,Target,Value,judged\n2022,gdp,6.1 (prelim),\n2022,inc,7,0.5\n",
            "t",
        )
        .unwrap();
        assert_eq!(o.rows.len(), 2);
        assert_eq!(o.rows[0].judged, None);
        assert_eq!(o.rows[1].judged, Some(0.5));
        for bad in [
            "",
            "target,value\n",
            "target,year,value\ngdp,x,1\n",
            "target,year,value\ngdp,2022,abc\n",
            "target,year,value\ngdp,2022,1\ngdp,2022,2\n",
            "target,year,value\n,2022,1\n",
        ] {
            let e = parse_outcomes(bad, "t").unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}: {e}");
        }
    }
}
