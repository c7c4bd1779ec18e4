//! Scores over all outcomes: means next to the naive forecasters, interval
//! coverage, the PIT uniformity test, the reliability table, and matching
//! forecasts to outcomes ([`backtest`]).

use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::error::{Error, Result};
use crate::stats::{Z95, wilson};

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

pub(super) fn coverage(nominal: f64, flags: impl Iterator<Item = Option<bool>>) -> Coverage {
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

pub(super) fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
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
        // An outcome whose target id no scenario has is a wrong id, not a
        // wrong year: say so, with the nearest id.
        let mut ids: Vec<&str> = vec![];
        for f in forecasts.iter() {
            if !ids.contains(&f.target.id.as_str()) {
                ids.push(&f.target.id);
            }
        }
        let mut unknown: Vec<String> = vec![];
        for o in &outcomes.rows {
            if ids.contains(&o.target.as_str()) {
                continue;
            }
            let mut u = format!("{:?}", o.target);
            if let Some(n) = crate::scenario::validate::nearest(&o.target, ids.iter().copied()) {
                u.push_str(&format!(" (did you mean {n:?}?)"));
            }
            if !unknown.contains(&u) {
                unknown.push(u);
            }
        }
        let every_row_unknown = outcomes
            .rows
            .iter()
            .all(|o| !ids.contains(&o.target.as_str()));
        if !unknown.is_empty() && every_row_unknown {
            return Err(Error::argument(
                ARG,
                format!(
                    "no outcome can be scored: no scenario has the target{} {}; the scenarios' targets are {}",
                    if unknown.len() == 1 { "" } else { "s" },
                    unknown.join(", "),
                    ids.join(", ")
                ),
            ));
        }
        return Err(Error::argument(
            ARG,
            format!(
                "no outcome can be scored: the outcomes cover {} row(s), years {}; the scenarios' targets are for years {}{}{}",
                outcomes.rows.len(),
                span(outcomes.rows.iter().map(|o| o.year).collect()),
                span(forecasts.iter().map(|f| f.target.year).collect()),
                if unscored.iter().any(|u| u.reason != "no outcome") {
                    "; some matched targets lack a judged value (relative_to)"
                } else {
                    ""
                },
                if unknown.is_empty() {
                    String::new()
                } else {
                    format!("; no scenario has the target {}", unknown.join(", "))
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
