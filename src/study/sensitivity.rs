//! One-at-a-time sensitivity of each target's probability (tornado).

use std::collections::BTreeSet;
use std::time::Instant;

use serde::Serialize;

use super::spec::tidy;
use super::*;
use crate::engine::RunConfig;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::report::Report;
use crate::report::format::exact;
use crate::scenario::raw::RawScenario;
use crate::scenario::{Scenario, graph};
use crate::stats::Accumulator;

/// One bar of a tornado: an input moved down and up (or an event forced off and on).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// The input: a parameter path, or `event ID`.
    pub input: String,
    /// `parameter`, `event` or `assumption` (moved to its 5% and 95% quantiles).
    pub kind: String,
    /// How far it was moved, in words: `±10% of value`, `±1 sd (stated)`,
    /// `forced off / on`.
    pub basis: String,
    /// Its value in the scenario.
    pub value: f64,
    /// The move down and up (for events, `null`).
    pub amount: Option<f64>,
    /// The low setting.
    pub low: f64,
    /// The high setting.
    pub high: f64,
    /// Probability of attainment at the low setting.
    pub probability_low: f64,
    /// Probability of attainment at the high setting.
    pub probability_high: f64,
    /// |probability_high - probability_low|: the length of the bar.
    pub swing: f64,
}

/// From the baseline run: the target's probability on the paths where an
/// event happened (by the target's year) and where it did not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conditional {
    /// Event id.
    pub event: String,
    /// Share of paths on which it happened.
    pub event_share: f64,
    /// P(met | it happened).
    pub probability_with: Option<f64>,
    /// P(met | it did not).
    pub probability_without: Option<f64>,
}

/// The tornado of one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSensitivity {
    /// Target id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Baseline probability.
    pub probability: f64,
    /// Its 95% interval.
    pub ci95: [f64; 2],
    /// Every bar, largest swing first.
    pub bars: Vec<Bar>,
    /// Event-conditional probabilities from the baseline run.
    pub conditional: Vec<Conditional>,
}

/// A finished sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityResult {
    /// Scenario name.
    pub scenario: String,
    /// Paths per run.
    pub paths: u64,
    /// Seed of every run.
    pub seed: u64,
    /// Runs (the baseline plus two per input).
    pub runs: usize,
    /// Worker threads.
    pub threads: usize,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// How inputs were chosen and moved.
    pub method: String,
    /// Inputs left out, and why.
    pub skipped: Vec<String>,
    /// One entry per target analysed.
    pub targets: Vec<TargetSensitivity>,
    /// Compile warnings of the baseline.
    pub warnings: Vec<String>,
}

/// An input to move.
#[derive(Debug, Clone)]
struct Input {
    name: String,
    path: String,
    kind: &'static str,
    basis: String,
    value: f64,
    amount: Option<f64>,
    low: f64,
    high: f64,
    /// For an assumption row: its index among the model's assumptions.
    assumption: Option<usize>,
}

/// Whether a path's number can change a target whose inputs are `up`.
fn relevant(raw: &RawScenario, path: &str, up: &BTreeSet<String>, target: &str) -> bool {
    let seg: Vec<&str> = path.split('.').collect();
    match seg.as_slice() {
        ["sectors" | "shocks" | "indicators", id, ..] => up.contains(*id),
        ["shock_correlation", "matrix", a, b] => up.contains(*a) || up.contains(*b),
        ["events", id, ..] => raw.events.iter().filter(|e| e.id == *id).any(|e| {
            e.impacts.iter().any(|i| {
                i.sector.as_deref().is_some_and(|s| up.contains(s))
                    || i.indicator.as_deref().is_some_and(|s| up.contains(s))
            })
        }),
        ["targets", id, ..] => *id == target,
        _ => true,
    }
}

/// The documented default set of inputs (docs/SWEEPS.md, "Sensitivity").
fn default_inputs(raw: &RawScenario) -> Vec<(String, f64)> {
    let mut v = vec![];
    for s in &raw.sectors {
        // A per-year array moves as a whole (every year by the same factor,
        // or for growth the same difference: study::params); its value is
        // the first simulated year's.
        v.push((format!("sectors.{}.growth", s.id), s.growth.first()));
        v.push((format!("sectors.{}.volatility", s.id), s.volatility.first()));
        for (k, x) in &s.loadings {
            v.push((format!("sectors.{}.loadings.{k}", s.id), *x));
        }
    }
    for e in &raw.events {
        v.push((
            format!("events.{}.probability", e.id),
            e.probability.first(),
        ));
    }
    for ind in raw.indicators.iter().filter(|i| i.kind == "linear") {
        if let Some(x) = ind.intercept {
            v.push((format!("indicators.{}.intercept", ind.id), x));
        }
        for (k, x) in &ind.terms {
            v.push((format!("indicators.{}.terms.{k}", ind.id), *x));
        }
        if let Some(x) = ind.noise {
            v.push((format!("indicators.{}.noise", ind.id), x));
        }
    }
    v
}

/// One-at-a-time sensitivity of each target's probability (tornado).
///
/// Inputs: the default set (sector growth, volatility and loadings; event
/// probabilities; intercepts, coefficients and noise of `linear`
/// indicators), each moved by ±`RELATIVE_STEP` of its value, or by ±the
/// standard deviation given in `stated` (which may also add paths); values
/// of 0 without a stated amount are skipped; probabilities are clipped to
/// [0, 1]. Each event is also forced off (probability 0) and on (1). Only
/// inputs upstream of a target get a bar for it. Every run uses the same seed.
///
/// # Errors
/// `Argument` for unknown paths or targets; `Model` from the engine.
pub fn sensitivity(
    base: &Scenario,
    origin: &str,
    target: Option<&str>,
    stated: &[(String, f64)],
    config: &RunConfig,
    progress: OnProgress,
) -> Result<SensitivityResult> {
    let t0 = Instant::now();
    let raw = base.raw();
    let (base_model, warnings) = compile(base, origin)?;
    let selected: Vec<usize> = match target {
        Some(t) => vec![target_index(&base_model, t, "target")?],
        None => (0..base_model.targets.len()).collect(),
    };
    let ups: Vec<BTreeSet<String>> = selected
        .iter()
        .map(|&t| graph::upstream(base, &base_model.targets[t].id))
        .collect();
    let is_relevant = |path: &str| {
        selected
            .iter()
            .zip(&ups)
            .any(|(&t, up)| relevant(raw, path, up, &base_model.targets[t].id))
    };

    let mut skipped = vec![];
    let mut inputs: Vec<Input> = vec![];
    let mut defaults = default_inputs(raw);
    for (path, amount) in stated {
        super::params::check_path(raw, path)?;
        // A whole-number parameter moves by whole steps: say so about the
        // amount given, not about the value it would have led to.
        if super::params::is_integer_path(raw, path)? && amount.fract() != 0.0 {
            return Err(Error::argument(
                "sd",
                format!(
                    "{path}={amount}: {path} is a whole number (years or quarters), so it moves by a whole amount; got {amount}"
                ),
            ));
        }
        if !defaults.iter().any(|(p, _)| p == path) {
            defaults.push((path.clone(), super::params::get(raw, path)?));
        }
    }
    let assumed: Vec<&str> = base_model
        .assumptions
        .items
        .iter()
        .map(|a| a.parameter.as_str())
        .collect();
    for (path, value) in defaults {
        if !is_relevant(&path) {
            continue;
        }
        if assumed.contains(&path.as_str()) {
            skipped.push(format!(
                "{path}: drawn from its assumption on every path; see its assumption row"
            ));
            continue;
        }
        let sd = stated.iter().find(|(p, _)| *p == path).map(|(_, a)| *a);
        let (amount, basis) = match sd {
            Some(a) => (a, "±1 sd (stated)".to_string()),
            None if value == 0.0 => {
                skipped.push(format!(
                    "{path}: value 0, so ±10% is no move (state an amount with --sd)"
                ));
                continue;
            }
            None => (
                tidy(RELATIVE_STEP * value.abs()),
                format!("±{}% of value", RELATIVE_STEP * 100.0),
            ),
        };
        let (mut low, mut high) = (tidy(value - amount), tidy(value + amount));
        if path.starts_with("events.") && path.ends_with(".probability") {
            low = low.max(0.0);
            high = high.min(1.0);
        }
        inputs.push(Input {
            name: path.clone(),
            path,
            kind: "parameter",
            basis,
            value,
            amount: Some(amount),
            low,
            high,
            assumption: None,
        });
    }
    for e in &raw.events {
        let path = format!("events.{}.probability", e.id);
        if !is_relevant(&path) {
            continue;
        }
        // A probability drawn per path is pinned at 0 and 1 instead.
        let pin = assumed.iter().position(|a| *a == path);
        inputs.push(Input {
            name: format!("event {}", e.id),
            path,
            kind: "event",
            basis: "forced off / on (probability 0 / 1)".into(),
            value: e.probability.first(),
            amount: None,
            low: 0.0,
            high: 1.0,
            assumption: pin,
        });
    }
    for (k, a) in base_model.assumptions.items.iter().enumerate() {
        if !is_relevant(&a.parameter) {
            continue;
        }
        inputs.push(Input {
            name: format!("assumption {}", a.parameter),
            path: a.parameter.clone(),
            kind: "assumption",
            basis: format!("5% / 95% quantiles of its {} distribution", a.dist.name()),
            value: a.dist.central(),
            amount: None,
            low: tidy(a.dist.quantile(0.05)),
            high: tidy(a.dist.quantile(0.95)),
            assumption: Some(k),
        });
    }

    // Make and compile every variant first; an input whose move makes the
    // scenario invalid is skipped with the reason.
    let mut models: Vec<Model> = vec![];
    let mut kept: Vec<(Input, usize)> = vec![];
    for inp in inputs {
        if let Some(k) = inp.assumption {
            // The assumption still draws (common random numbers) but writes its quantile.
            for x in [inp.low, inp.high] {
                let mut m = base_model.clone();
                m.assumptions = m.assumptions.pinned(k, x);
                models.push(m);
            }
            kept.push((inp, models.len() - 2));
            continue;
        }
        let mut pair = vec![];
        for x in [inp.low, inp.high] {
            // An event is forced off or on in every year; a per-year
            // probability set as a whole would keep its years' ratios.
            let settings: Vec<(String, f64)> = if inp.kind == "event" {
                super::params::every_year(raw, &inp.path)
                    .into_iter()
                    .map(|p| (p, x))
                    .collect()
            } else {
                vec![(inp.path.clone(), x)]
            };
            match super::params::apply(base, &settings, origin).and_then(|s| compile(&s, origin)) {
                Ok((m, _)) => pair.push(m),
                Err(Error::Scenario(e)) => {
                    let why = e
                        .problems
                        .first()
                        .map(|p| p.to_string())
                        .unwrap_or_default();
                    skipped.push(format!(
                        "{} = {}: invalid scenario ({why})",
                        inp.path,
                        exact(x)
                    ));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if pair.len() == 2 {
            kept.push((inp, models.len()));
            models.extend(pair);
        }
    }
    // A variant is read only for the targets its input can reach: judged on
    // those alone, it computes no more than they need (same values).
    let mut reach: Vec<Vec<usize>> = vec![vec![]; models.len()];
    for (inp, k) in &kept {
        let r: Vec<usize> = selected
            .iter()
            .zip(&ups)
            .filter(|(t, up)| relevant(raw, &inp.path, up, &base_model.targets[**t].id))
            .map(|(&t, _)| t)
            .collect();
        for v in [*k, *k + 1] {
            models[v].keep_targets(&r);
            // Read only for its hits (and the domain check).
            models[v].recording = crate::stats::Recording::Probabilities;
            reach[v].clone_from(&r);
        }
    }
    let mut refs: Vec<&Model> = vec![&base_model];
    refs.extend(models.iter());
    let accs = simulate_all(&refs, config, progress)?;
    let threads = rayon::current_num_threads();
    let baseline = Report::build(&base_model, &accs[0], config, 0.0, threads, vec![]);
    // Target `t` of the scenario in variant `v`'s accumulator.
    let prob = |v: usize, t: usize| {
        let acc: &Accumulator = &accs[1 + v];
        let i = reach[v]
            .iter()
            .position(|&x| x == t)
            .expect("a reached target");
        acc.targets[i].hits as f64 / acc.paths as f64
    };

    let mut targets = vec![];
    for (&t, up) in selected.iter().zip(&ups) {
        let id = &base_model.targets[t].id;
        let mut bars: Vec<Bar> = kept
            .iter()
            .filter(|(inp, _)| relevant(raw, &inp.path, up, id))
            .map(|(inp, k)| {
                let pl = prob(*k, t);
                let ph = prob(*k + 1, t);
                Bar {
                    input: inp.name.clone(),
                    kind: inp.kind.to_string(),
                    basis: inp.basis.clone(),
                    value: inp.value,
                    amount: inp.amount,
                    low: inp.low,
                    high: inp.high,
                    probability_low: pl,
                    probability_high: ph,
                    swing: (ph - pl).abs(),
                }
            })
            .collect();
        bars.sort_by(|a, b| {
            b.swing
                .total_cmp(&a.swing)
                .then_with(|| a.input.cmp(&b.input))
        });
        let tr = &baseline.targets[t];
        targets.push(TargetSensitivity {
            id: id.clone(),
            label: tr.label.clone(),
            probability: tr.probability,
            ci95: tr.ci95,
            bars,
            conditional: baseline
                .drivers
                .iter()
                .filter(|d| &d.target == id)
                .map(|d| Conditional {
                    event: d.event.clone(),
                    event_share: d.event_share,
                    probability_with: d.probability_with,
                    probability_without: d.probability_without,
                })
                .collect(),
        });
    }
    Ok(SensitivityResult {
        scenario: base_model.meta.name.clone(),
        paths: config.paths,
        seed: config.seed,
        runs: refs.len(),
        threads,
        elapsed_s: t0.elapsed().as_secs_f64(),
        method: format!(
            "one at a time from the scenario as written, same seed for every run; parameters moved down and up by one stated standard deviation (--sd) or else by {}% of their value (probabilities clipped to [0, 1]); events forced off (probability 0) and on (probability 1); an input gets a bar only for the targets it can reach",
            RELATIVE_STEP * 100.0
        ),
        skipped,
        targets,
        warnings,
    })
}
