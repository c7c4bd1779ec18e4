//! Running a sweep (a full grid of variants, resumable point by point) and
//! its result.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::*;
use crate::engine::{self, NoProgress, RunConfig};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::step::NoObserver;
use crate::scenario::Scenario;
use crate::stats::TargetAccumulator;

/// One row of a sweep: a grid point and a target.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// The point: one value per swept parameter, in axis order.
    pub values: Vec<f64>,
    /// Target id.
    pub target: String,
    /// Probability of attainment.
    pub probability: f64,
    /// Lower end of the 95% Wilson interval.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// 5th percentile of the target's indicator.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// A finished sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepResult {
    /// Scenario name.
    pub scenario: String,
    /// Where it was read from.
    pub origin: String,
    /// Swept paths, exactly as given.
    pub parameters: Vec<String>,
    /// Grid points.
    pub points: usize,
    /// Paths per point.
    pub paths: u64,
    /// Seed of every point.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Wall-clock seconds of the simulations (not of validation).
    pub elapsed_s: f64,
    /// Seconds spent making, validating and compiling the variants.
    pub prepare_s: f64,
    /// Target labels, by id, for the table.
    pub labels: Vec<(String, String)>,
    /// One row per point and target, points in grid order.
    pub rows: Vec<SweepRow>,
    /// Distinct compile warnings.
    pub warnings: Vec<String>,
}

/// Run a grid: validate and compile every point first, then simulate every
/// point with the same seed.
///
/// # Errors
/// `Argument` for bad paths, values or target ids; `Scenario` naming the
/// settings of the first point that is not a valid scenario (before any
/// simulation); `Model` from the engine.
pub fn sweep(
    base: &Scenario,
    origin: &str,
    axes: &[Axis],
    targets: &[String],
    config: &RunConfig,
    progress: OnProgress,
) -> Result<SweepResult> {
    let never = AtomicBool::new(false);
    let control = SweepControl {
        done: vec![],
        on_point: &|_| Ok(()),
        stop: &never,
    };
    match sweep_resumable(base, origin, axes, targets, config, progress, &control)? {
        SweepOutcome::Finished(r) => Ok(r),
        SweepOutcome::Interrupted { .. } => Err(Error::Internal(
            "a sweep without a stop signal stopped early".into(),
        )),
    }
}

/// The numbers of one target at one grid point: everything a row needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetNumbers {
    /// Probability of attainment.
    pub probability: f64,
    /// Lower end of the 95% Wilson interval.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// 5th percentile of the target's indicator.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl TargetNumbers {
    /// A target's numbers from its accumulator, as `attain run` computes them.
    fn of(t: &TargetAccumulator, paths: u64) -> Self {
        let (ci95_low, ci95_high) = t.ci95(paths);
        TargetNumbers {
            probability: t.probability(paths),
            ci95_low,
            ci95_high,
            p05: t.quantile(0.05),
            p50: t.quantile(0.50),
            p95: t.quantile(0.95),
        }
    }

    pub(super) fn as_array(&self) -> [f64; 6] {
        [
            self.probability,
            self.ci95_low,
            self.ci95_high,
            self.p05,
            self.p50,
            self.p95,
        ]
    }
    pub(super) fn from_slice(x: &[f64]) -> Self {
        TargetNumbers {
            probability: x[0],
            ci95_low: x[1],
            ci95_high: x[2],
            p05: x[3],
            p50: x[4],
            p95: x[5],
        }
    }
}

/// One simulated grid point, with the numbers of **every** target of the
/// scenario (in scenario order), whatever `--target` selects: a journal
/// can then be resumed with another selection or format.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// Index of the point in grid order (the first axis varies slowest).
    pub index: usize,
    /// The point: one value per axis.
    pub values: Vec<f64>,
    /// One entry per target of the scenario.
    pub targets: Vec<TargetNumbers>,
}

/// How an interruptible sweep runs: the points already done, what to do as
/// each new point finishes, and when to stop.
pub struct SweepControl<'a> {
    /// Points completed earlier (read from a journal). Their numbers are used
    /// as they are; they are not simulated again.
    pub done: Vec<PointResult>,
    /// Called on a worker thread as each point finishes, before it counts as
    /// done (the binary appends it to the journal). An error ends the sweep
    /// with that error.
    pub on_point: &'a (dyn Fn(&PointResult) -> Result<()> + Sync),
    /// Checked before each point starts: once it is true no new point
    /// starts; points already running finish (and reach `on_point`).
    pub stop: &'a AtomicBool,
}

/// How an interruptible sweep ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepOutcome {
    /// Every point is done.
    Finished(SweepResult),
    /// `stop` was raised before every point was done.
    Interrupted {
        /// Points done, earlier ones included.
        completed: usize,
        /// Points of the grid.
        points: usize,
    },
}

/// [`sweep`], interruptible and resumable: points already in
/// `control.done` are taken as they are, the others simulated (each with the
/// same seed, so a point's numbers do not depend on which other points ran
/// in the same process), and no new point starts once `control.stop` is
/// raised.
///
/// # Errors
/// As [`sweep`]; also `Internal` if a done point does not belong to the grid
/// (the caller checks the journal's fingerprint first), and any error of
/// `on_point`.
pub fn sweep_resumable(
    base: &Scenario,
    origin: &str,
    axes: &[Axis],
    targets: &[String],
    config: &RunConfig,
    progress: OnProgress,
    control: &SweepControl,
) -> Result<SweepOutcome> {
    check_axes(base.raw(), axes)?;
    let t0 = Instant::now();
    let points = grid(axes);
    let n = points.len();
    let settings_of = |p: &[f64]| -> Vec<(String, f64)> {
        axes.iter()
            .zip(p)
            .map(|(a, v)| (a.path.clone(), *v))
            .collect()
    };
    let prepare = |i: usize| -> Result<(Model, Vec<String>)> {
        let settings = settings_of(&points[i]);
        let s = super::params::apply(base, &settings, origin)?;
        compile(
            &s,
            &format!("{origin} with {}", super::params::describe(&settings)),
        )
    };
    // Make, validate and compile every point (in parallel) before anything
    // is simulated, and report the first invalid one in grid order, so the
    // error does not depend on timing. Only the warnings are kept: a point's
    // model is compiled again when its turn comes, so memory does not grow
    // with the grid (a compiled model is tens of kilobytes).
    let checked: Vec<Result<Vec<String>>> = (0..n)
        .into_par_iter()
        .map(|i| prepare(i).map(|(_, w)| w))
        .collect();
    let mut warnings: Vec<String> = vec![];
    for r in checked {
        for x in r? {
            if !warnings.contains(&x) {
                warnings.push(x);
            }
        }
    }
    warnings.extend(repeated_values(axes));
    let (first, _) = prepare(0)?;
    let mut selected: Vec<usize> = vec![];
    for t in targets {
        let i = target_index(&first, t, "target")?;
        if !selected.contains(&i) {
            selected.push(i);
        }
    }
    if selected.is_empty() {
        selected = (0..first.targets.len()).collect();
    }
    // The selected targets' numbers of each point done: what is printed.
    let mut results: Vec<Option<Vec<TargetNumbers>>> = vec![None; n];
    let keep = |p: &PointResult| -> Vec<TargetNumbers> {
        selected.iter().map(|&t| p.targets[t]).collect()
    };
    for p in &control.done {
        let fits =
            p.index < n && points[p.index] == p.values && p.targets.len() == first.targets.len();
        if !fits {
            return Err(Error::Internal(format!(
                "journal point {} does not belong to this grid",
                p.index
            )));
        }
        results[p.index] = Some(keep(p));
    }
    let prepare_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let threads = rayon::current_num_threads();
    let todo: Vec<usize> = (0..n).filter(|&i| results[i].is_none()).collect();
    // Progress counts the points simulated in this run, out of those left.
    let done = AtomicUsize::new(0);
    let left = todo.len();
    // Chunks of `threads` points bound how many runs (and compiled models)
    // are in flight while keeping every thread busy when the runs are short;
    // the stop flag is checked as each point is about to start.
    for part in todo.chunks(threads.max(1)) {
        if control.stop.load(Ordering::SeqCst) {
            break;
        }
        let chunk: Vec<Model> = part
            .par_iter()
            .map(|&i| prepare(i).map(|(m, _)| m))
            .collect::<Result<_>>()?;
        let refs: Vec<&Model> = chunk.iter().collect();
        if config.paths == 0 {
            return Err(Error::argument("paths", "must be at least 1"));
        }
        let outcomes = engine::run(
            &refs,
            &engine::Plan::full(config),
            &|_| NoObserver,
            &NoProgress,
        );
        for ((&i, o), m) in part.iter().zip(outcomes).zip(&chunk) {
            if let Err(e) = engine::check_domain(m, &o.acc) {
                return Err(at_point(e, i, n, &settings_of(&points[i])));
            }
            let acc = &o.acc;
            let point = PointResult {
                index: i,
                values: points[i].clone(),
                targets: acc
                    .targets
                    .iter()
                    .map(|t| TargetNumbers::of(t, acc.paths))
                    .collect(),
            };
            (control.on_point)(&point)?;
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, left);
            results[i] = Some(keep(&point));
        }
    }
    let elapsed_s = t1.elapsed().as_secs_f64();
    let completed = results.iter().filter(|r| r.is_some()).count();
    if completed < n {
        return Ok(SweepOutcome::Interrupted {
            completed,
            points: n,
        });
    }
    let mut rows = Vec::with_capacity(n * selected.len());
    for (values, numbers) in points.into_iter().zip(results.into_iter().flatten()) {
        for (&t, x) in selected.iter().zip(numbers) {
            rows.push(SweepRow {
                values: values.clone(),
                target: first.targets[t].id.clone(),
                probability: x.probability,
                ci95_low: x.ci95_low,
                ci95_high: x.ci95_high,
                p05: x.p05,
                p50: x.p50,
                p95: x.p95,
            });
        }
    }
    Ok(SweepOutcome::Finished(SweepResult {
        scenario: first.meta.name.clone(),
        origin: origin.to_string(),
        parameters: axes.iter().map(|a| a.path.clone()).collect(),
        points: n,
        paths: config.paths,
        seed: config.seed,
        threads,
        elapsed_s,
        prepare_s,
        labels: selected
            .iter()
            .map(|&t| (first.targets[t].id.clone(), first.targets[t].label.clone()))
            .collect(),
        rows,
        warnings,
    }))
}

/// A model error of one grid point, naming the point: which of the grid it
/// is and its settings, so the failing combination can be fixed or left out.
fn at_point(e: Error, index: usize, points: usize, settings: &[(String, f64)]) -> Error {
    match e {
        Error::Model(m) => Error::Model(format!(
            "at grid point {} of {points} ({}): {m}",
            index + 1,
            super::params::describe(settings)
        )),
        other => other,
    }
}

/// Warnings for an axis with a value twice (`0.1, 0.1`, or a range so
/// fine that neighbouring values round to the same 13 significant digits):
/// those grid points are the same and print the same.
fn repeated_values(axes: &[Axis]) -> Vec<String> {
    let mut out = vec![];
    for a in axes {
        let mut seen = std::collections::BTreeSet::new();
        let mut repeated: Vec<String> = vec![];
        for v in &a.values {
            let text = crate::report::format::exact(*v);
            if !seen.insert(text.clone()) && !repeated.contains(&text) {
                repeated.push(text);
            }
        }
        if !repeated.is_empty() {
            out.push(format!(
                "{}: the value{} {} {} more than once, so some grid points are the same point \
                 (printed alike; give distinct values)",
                a.path,
                if repeated.len() == 1 { "" } else { "s" },
                repeated.join(", "),
                if repeated.len() == 1 {
                    "appears"
                } else {
                    "appear"
                }
            ));
        }
    }
    out
}
