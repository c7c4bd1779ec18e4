//! Parameter studies on one scenario: grids (sweeps), goal seek (solve) and
//! one-at-a-time sensitivity (tornado), all on common random numbers.
//!
//! Every variant of the scenario is made with [`crate::params::apply`] (set
//! numbers by path, validate again) and compiled **before** anything is
//! simulated, so a bad setting fails fast with exit code 2. Every variant is
//! then simulated with the same [`RunConfig`] (same seed): paths differ only
//! by the parameters, not by the random numbers (docs/MODEL.md 7.3), which
//! makes differences between variants far more precise than the interval of
//! each. Variants run on the current rayon pool, a few at a time, each one
//! also parallel over its blocks.
//!
//! Nothing here prints or writes files: results render to bytes.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::engine::{self, NoProgress, RunConfig};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::params;
use crate::report::Report;
use crate::scenario::raw::RawScenario;
use crate::scenario::{Scenario, validate};
use crate::stats::{Accumulator, TargetAccumulator, Z95, wilson};

/// Most values one `--set` axis may have.
pub const MAX_AXIS_VALUES: usize = 10_000;
/// Most points a grid may have.
pub const MAX_GRID_POINTS: usize = 100_000;
/// Default path count of `attain sensitivity`: with common random numbers the
/// swings are much more precise than each probability, so fewer paths do.
pub const SENSITIVITY_PATHS: u64 = 16_384;
/// Relative move of a parameter without a stated standard deviation.
pub const RELATIVE_STEP: f64 = 0.10;
/// Bisection stops when the bracket is narrower than (HIGH - LOW) / this.
pub const SOLVE_RESOLUTION: f64 = 4096.0;

/// Called after each simulated variant with (done, total).
pub type OnProgress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// A number rounded to 13 significant digits, so that `0:0.3:4` gives 0.1,
/// not 0.10000000000000001.
fn tidy(x: f64) -> f64 {
    format!("{x:.12e}").parse().unwrap_or(x)
}

fn parse_number(path: &str, s: &str, spec: &str) -> Result<f64> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::argument(
            path,
            format!("{t:?} in {spec:?} is not a finite number"),
        )),
    }
}

/// Values of a SPEC: `start:stop:count` (inclusive, evenly spaced, count >= 2)
/// or a comma list `a,b,c`.
///
/// # Errors
/// `Argument` naming the path.
pub fn parse_spec(path: &str, spec: &str) -> Result<Vec<f64>> {
    let spec_t = spec.trim();
    if spec_t.is_empty() {
        return Err(Error::argument(
            path,
            "no values: expected START:STOP:COUNT or a comma list like 0.01,0.02,0.05",
        ));
    }
    let values = if spec_t.contains(':') {
        let parts: Vec<&str> = spec_t.split(':').collect();
        let [a, b, n] = parts.as_slice() else {
            return Err(Error::argument(
                path,
                format!("bad range {spec_t:?}: expected START:STOP:COUNT, e.g. 0:0.2:5"),
            ));
        };
        let start = parse_number(path, a, spec_t)?;
        let stop = parse_number(path, b, spec_t)?;
        let count: usize = n.trim().parse().map_err(|_| {
            Error::argument(
                path,
                format!(
                    "bad range {spec_t:?}: COUNT {:?} must be a whole number >= 2",
                    n.trim()
                ),
            )
        })?;
        if count < 2 {
            return Err(Error::argument(
                path,
                format!(
                    "bad range {spec_t:?}: COUNT must be at least 2 (for one value, write just the value)"
                ),
            ));
        }
        if count > MAX_AXIS_VALUES {
            return Err(Error::argument(
                path,
                format!("bad range {spec_t:?}: at most {MAX_AXIS_VALUES} values"),
            ));
        }
        (0..count)
            .map(|i| {
                if i == count - 1 {
                    stop
                } else {
                    tidy(start + (stop - start) * i as f64 / (count - 1) as f64)
                }
            })
            .collect()
    } else {
        let v = spec_t
            .split(',')
            .map(|s| parse_number(path, s, spec_t))
            .collect::<Result<Vec<f64>>>()?;
        if v.len() > MAX_AXIS_VALUES {
            return Err(Error::argument(
                path,
                format!("at most {MAX_AXIS_VALUES} values"),
            ));
        }
        v
    };
    Ok(values)
}

/// One swept parameter and its values.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Axis {
    /// Path exactly as given.
    pub path: String,
    /// Values, in the order given.
    pub values: Vec<f64>,
}

/// Parse `PATH=SPEC` (a `--set` flag).
///
/// # Errors
/// `Argument` naming the flag or the path.
pub fn parse_set(arg: &str) -> Result<Axis> {
    let Some((path, spec)) = arg.split_once('=') else {
        return Err(Error::argument(
            "--set",
            format!("expected PATH=SPEC (e.g. sectors.automobile.growth=0:20:5), got {arg:?}"),
        ));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(Error::argument(
            "--set",
            format!("no path before '=' in {arg:?}"),
        ));
    }
    Ok(Axis {
        path: path.to_string(),
        values: parse_spec(path, spec)?,
    })
}

/// Check axes against a scenario: paths exist, no path twice, integer fields
/// get whole values, the grid is not too large.
///
/// # Errors
/// `Argument` naming the path.
pub fn check_axes(raw: &RawScenario, axes: &[Axis]) -> Result<()> {
    if axes.is_empty() {
        return Err(Error::argument(
            "--set",
            "nothing to sweep: give at least one --set PATH=SPEC (or a sweep file)",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut points: usize = 1;
    for a in axes {
        params::check_path(raw, &a.path)?;
        if !seen.insert(a.path.as_str()) {
            return Err(Error::argument(&a.path, "is swept twice"));
        }
        if a.values.is_empty() {
            return Err(Error::argument(&a.path, "has no values"));
        }
        if params::is_integer_path(raw, &a.path)? {
            if let Some(v) = a.values.iter().find(|v| v.fract() != 0.0) {
                return Err(Error::argument(
                    &a.path,
                    format!("is a whole number (years or quarters), but the values include {v}"),
                ));
            }
        }
        points = points.saturating_mul(a.values.len());
    }
    if points > MAX_GRID_POINTS {
        return Err(Error::argument(
            "--set",
            format!("the grid has {points} points; at most {MAX_GRID_POINTS}"),
        ));
    }
    Ok(())
}

/// Every point of the full grid, the first axis varying slowest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    let mut points: Vec<Vec<f64>> = vec![vec![]];
    for a in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                a.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    points
}

// ---------------------------------------------------------------------------
// Sweep files

/// A versioned sweep: `scenarios/sweeps/*.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFile {
    /// Base scenario path, relative to the sweep file's folder.
    pub scenario: String,
    /// What the sweep is for.
    pub description: Option<String>,
    /// Paths per point (the command line's `--paths` wins).
    pub paths: Option<u64>,
    /// Seed (the command line's `--seed` wins).
    pub seed: Option<u64>,
    /// Only these targets in the output (all when empty).
    pub targets: Vec<String>,
    /// The grid.
    pub axes: Vec<Axis>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweepFile {
    sweep: RawSweep,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    scenario: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    paths: Option<u64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    set: Vec<RawSweepSet>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweepSet {
    path: String,
    values: toml::Value,
}

/// Whether a file's text is a sweep file (a TOML table with a `[sweep]` table)
/// rather than a scenario.
pub fn is_sweep_file(text: &str) -> bool {
    match text.parse::<toml::Table>() {
        Ok(t) => t.contains_key("sweep"),
        Err(_) => false,
    }
}

/// Parse a sweep file (the axes' paths are checked later, against the base
/// scenario).
///
/// # Errors
/// `Argument` named after the file, with the line of a TOML problem.
pub fn parse_sweep_file(text: &str, origin: &str) -> Result<SweepFile> {
    let raw: RawSweepFile = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let (l, c) = crate::scenario::locate::line_col(text, s.start);
                format!("line {l}, column {c}: ")
            })
            .unwrap_or_default();
        Error::argument(
            origin,
            format!("invalid sweep file: {at}{}", e.message().trim()),
        )
    })?;
    let s = raw.sweep;
    if s.set.is_empty() {
        return Err(Error::argument(
            origin,
            "invalid sweep file: [sweep] needs at least one [[sweep.set]] with `path` and `values`",
        ));
    }
    let mut axes = vec![];
    for set in s.set {
        let values = match &set.values {
            toml::Value::String(spec) => parse_spec(&set.path, spec)?,
            toml::Value::Array(items) => {
                let mut v = vec![];
                for item in items {
                    let x = match item {
                        toml::Value::Float(f) if f.is_finite() => *f,
                        toml::Value::Integer(i) => *i as f64,
                        other => {
                            return Err(Error::argument(
                                &set.path,
                                format!("in {origin}: values must be numbers, got {other}"),
                            ));
                        }
                    };
                    v.push(x);
                }
                if v.is_empty() {
                    return Err(Error::argument(
                        &set.path,
                        format!("in {origin}: no values"),
                    ));
                }
                v
            }
            toml::Value::Float(f) if f.is_finite() => vec![*f],
            toml::Value::Integer(i) => vec![*i as f64],
            other => {
                return Err(Error::argument(
                    &set.path,
                    format!(
                        "in {origin}: `values` is \"START:STOP:COUNT\", \"a,b,c\" or an array of numbers, got {other}"
                    ),
                ));
            }
        };
        axes.push(Axis {
            path: set.path,
            values,
        });
    }
    Ok(SweepFile {
        scenario: s.scenario,
        description: s.description,
        paths: s.paths,
        seed: s.seed,
        targets: s.targets,
        axes,
    })
}

// ---------------------------------------------------------------------------
// Running variants

/// Simulate models with the same configuration (common random numbers)
/// through the one runner, reporting how many variants are done.
fn simulate_all(
    models: &[&Model],
    config: &RunConfig,
    progress: OnProgress,
) -> Result<Vec<Accumulator>> {
    let per_variant = config.paths.max(1);
    let counter = VariantProgress {
        per_variant,
        variants: models.len(),
        progress,
    };
    engine::simulate_variants(models, config, &counter)
}

/// Turns the runner's path counts into variants done.
struct VariantProgress<'a> {
    per_variant: u64,
    variants: usize,
    progress: OnProgress<'a>,
}

impl engine::Progress for VariantProgress<'_> {
    fn advance(&self, done: u64, _total: u64) {
        (self.progress)((done / self.per_variant) as usize, self.variants);
    }
}

fn target_index(model: &Model, id: &str, flag: &str) -> Result<usize> {
    model
        .targets
        .iter()
        .position(|t| t.id == id)
        .ok_or_else(|| {
            let mut msg = format!("unknown target {id:?}");
            if let Some(n) = validate::nearest(id, model.targets.iter().map(|t| t.id.as_str())) {
                msg.push_str(&format!(" (did you mean {n:?}?)"));
            } else {
                msg.push_str(&format!(
                    "; the targets are {}",
                    model
                        .targets
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Error::argument(flag, msg)
        })
}

fn compile(scenario: &Scenario, origin: &str) -> Result<(Model, Vec<String>)> {
    Ok(Model::compile(scenario, origin)?)
}

fn pct(p: f64) -> String {
    if p.is_finite() {
        format!("{:.1}%", 100.0 * p)
    } else {
        "n/a".into()
    }
}

/// A number in its shortest exact form (`0.04`, `9`, `-1.5`).
fn show(x: f64) -> String {
    if x == 0.0 { "0".into() } else { format!("{x}") }
}

/// A number with 4 significant digits (lever values: `24.36`, `0.04123`).
fn short(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

// Percentiles in tables use `attain run`'s precision.
use crate::report::table::num;

fn json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v)
        .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

fn csv_err(e: csv::Error) -> Error {
    Error::Internal(format!("CSV: {e}"))
}

/// Pad to a display width (counts chars; ids and numbers are ASCII).
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn lpad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(w - n))
    }
}

// ---------------------------------------------------------------------------
// Sweep

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

    fn as_array(&self) -> [f64; 6] {
        [
            self.probability,
            self.ci95_low,
            self.ci95_high,
            self.p05,
            self.p50,
            self.p95,
        ]
    }
    fn from_slice(x: &[f64]) -> Self {
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
    // Make, validate and compile every point (in parallel), then report the
    // first invalid one in grid order, so the error does not depend on timing.
    let prepared: Vec<Result<(Model, Vec<String>)>> = points
        .par_iter()
        .map(|p| {
            let settings: Vec<(String, f64)> = axes
                .iter()
                .zip(p)
                .map(|(a, v)| (a.path.clone(), *v))
                .collect();
            let s = params::apply(base, &settings, origin)?;
            compile(
                &s,
                &format!("{origin} with {}", params::describe(&settings)),
            )
        })
        .collect();
    let mut models = Vec::with_capacity(points.len());
    let mut warnings: Vec<String> = vec![];
    for r in prepared {
        let (m, w) = r?;
        for x in w {
            if !warnings.contains(&x) {
                warnings.push(x);
            }
        }
        models.push(m);
    }
    let first = &models[0];
    let mut selected: Vec<usize> = vec![];
    for t in targets {
        let i = target_index(first, t, "--target")?;
        if !selected.contains(&i) {
            selected.push(i);
        }
    }
    if selected.is_empty() {
        selected = (0..first.targets.len()).collect();
    }
    let n = points.len();
    let mut results: Vec<Option<PointResult>> = vec![None; n];
    for p in &control.done {
        let fits =
            p.index < n && points[p.index] == p.values && p.targets.len() == first.targets.len();
        if !fits {
            return Err(Error::Internal(format!(
                "journal point {} does not belong to this grid",
                p.index
            )));
        }
        results[p.index] = Some(p.clone());
    }
    let prepare_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let threads = rayon::current_num_threads();
    let todo: Vec<usize> = (0..n).filter(|&i| results[i].is_none()).collect();
    // Progress counts the points simulated in this run, out of those left.
    let done = AtomicUsize::new(0);
    let left = todo.len();
    // Chunks of `threads` points bound how many runs are in flight (memory)
    // while keeping every thread busy when the runs are short; the stop flag
    // is checked as each point is about to start.
    for part in todo.chunks(threads.max(1)) {
        if control.stop.load(Ordering::SeqCst) {
            break;
        }
        let chunk: Vec<&Model> = part.iter().map(|&i| &models[i]).collect();
        let accs = engine::simulate_variants(&chunk, config, &NoProgress)?;
        let mut got = Vec::with_capacity(part.len());
        for (&i, acc) in part.iter().zip(&accs) {
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
            got.push(Some(point));
        }
        for p in got.into_iter().flatten() {
            let i = p.index;
            results[i] = Some(p);
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
    let mut rows = vec![];
    for p in results.into_iter().flatten() {
        for &t in &selected {
            let x = &p.targets[t];
            rows.push(SweepRow {
                values: p.values.clone(),
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

struct RowJson<'a> {
    parameters: &'a [String],
    row: &'a SweepRow,
}

impl Serialize for RowJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let r = self.row;
        let mut m = s.serialize_map(Some(self.parameters.len() + 7))?;
        for (p, v) in self.parameters.iter().zip(&r.values) {
            m.serialize_entry(p, v)?;
        }
        m.serialize_entry("target", &r.target)?;
        m.serialize_entry("probability", &r.probability)?;
        m.serialize_entry("ci95_low", &r.ci95_low)?;
        m.serialize_entry("ci95_high", &r.ci95_high)?;
        m.serialize_entry("p05", &finite_or_null(r.p05))?;
        m.serialize_entry("p50", &finite_or_null(r.p50))?;
        m.serialize_entry("p95", &finite_or_null(r.p95))?;
        m.end()
    }
}

fn finite_or_null(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[derive(Serialize)]
struct SweepJson<'a> {
    scenario: &'a str,
    origin: &'a str,
    parameters: &'a [String],
    points: usize,
    paths: u64,
    seed: u64,
    threads: usize,
    elapsed_s: f64,
    prepare_s: f64,
    warnings: &'a [String],
    rows: Vec<RowJson<'a>>,
}

impl SweepResult {
    /// CSV: the swept paths, then `target, probability, ci95_low, ci95_high,
    /// p05, p50, p95`; one row per point and target.
    ///
    /// # Errors
    /// Only if the CSV writer fails (it does not writing to memory).
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(vec![]);
        let mut header: Vec<&str> = self.parameters.iter().map(String::as_str).collect();
        header.extend([
            "target",
            "probability",
            "ci95_low",
            "ci95_high",
            "p05",
            "p50",
            "p95",
        ]);
        w.write_record(&header).map_err(csv_err)?;
        for r in &self.rows {
            let mut rec: Vec<String> = r.values.iter().map(|v| show(*v)).collect();
            rec.push(r.target.clone());
            for x in [r.probability, r.ci95_low, r.ci95_high, r.p05, r.p50, r.p95] {
                rec.push(x.to_string());
            }
            w.write_record(&rec).map_err(csv_err)?;
        }
        w.into_inner()
            .map_err(|e| Error::Internal(format!("CSV: {e}")))
    }

    /// JSON: the run's settings and `rows`, each with the CSV's columns as keys.
    ///
    /// # Errors
    /// Only if serialization fails.
    pub fn json(&self) -> Result<Vec<u8>> {
        json(&SweepJson {
            scenario: &self.scenario,
            origin: &self.origin,
            parameters: &self.parameters,
            points: self.points,
            paths: self.paths,
            seed: self.seed,
            threads: self.threads,
            elapsed_s: self.elapsed_s,
            prepare_s: self.prepare_s,
            warnings: &self.warnings,
            rows: self
                .rows
                .iter()
                .map(|row| RowJson {
                    parameters: &self.parameters,
                    row,
                })
                .collect(),
        })
    }

    /// A table per target: one line per grid point.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} ({})\nsweep of {} point{} x {} paths, seed {} at every point, {:.2} s\n",
            self.scenario,
            self.origin,
            self.points,
            if self.points == 1 { "" } else { "s" },
            self.paths,
            self.seed,
            self.elapsed_s
        );
        let widths: Vec<usize> = self
            .parameters
            .iter()
            .enumerate()
            .map(|(i, p)| {
                self.rows
                    .iter()
                    .map(|r| show(r.values[i]).len())
                    .max()
                    .unwrap_or(0)
                    .max(p.len())
            })
            .collect();
        for (id, label) in &self.labels {
            let _ = writeln!(out, "{id}: {label}");
            let mut line = String::from("  ");
            for (p, w) in self.parameters.iter().zip(&widths) {
                line.push_str(&pad(p, *w));
                line.push_str("  ");
            }
            line.push_str(&format!(
                "{}  {}  {}",
                lpad("P(met)", 6),
                pad("95% CI", 13),
                "p05 · median · p95"
            ));
            let _ = writeln!(out, "{}", line.trim_end());
            for r in self.rows.iter().filter(|r| &r.target == id) {
                let mut line = String::from("  ");
                for (v, w) in r.values.iter().zip(&widths) {
                    line.push_str(&lpad(&show(*v), *w));
                    line.push_str("  ");
                }
                line.push_str(&format!(
                    "{}  {}  {} · {} · {}",
                    lpad(&pct(r.probability), 6),
                    pad(&format!("{}–{}", pct(r.ci95_low), pct(r.ci95_high)), 13),
                    num(r.p05),
                    num(r.p50),
                    num(r.p95)
                ));
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

// ---------------------------------------------------------------------------
// The journal of an interruptible sweep

/// Name of the journal format, in its header line.
pub const JOURNAL_FORMAT: &str = "attain sweep journal 1";

/// The first line of a journal: what the sweep was, so that a resume with
/// other settings is refused. Points are reused only when every field but
/// `scenario` (a name for messages) is equal.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct JournalHeader {
    /// [`JOURNAL_FORMAT`].
    pub journal: String,
    /// Version of attain that wrote it (another version may simulate differently).
    pub attain: String,
    /// Scenario name, for messages.
    pub scenario: String,
    /// SHA-256 of the validated scenario (its fields, not its comments or layout).
    pub scenario_sha256: String,
    /// The grid: swept paths and their values, in order.
    pub parameters: Vec<Axis>,
    /// Grid points.
    pub points: usize,
    /// Paths per point.
    pub paths: u64,
    /// Seed of every point.
    pub seed: u64,
    /// The scenario's target ids, in the order of each point's numbers.
    pub targets: Vec<String>,
}

impl JournalHeader {
    /// The header of a sweep of `base` over `axes` with `config`.
    ///
    /// # Errors
    /// `Internal` only if the scenario cannot be serialized.
    pub fn new(base: &Scenario, axes: &[Axis], config: &RunConfig) -> Result<Self> {
        use sha2::{Digest, Sha256};
        let raw = base.raw();
        let bytes = serde_json::to_vec(raw)
            .map_err(|e| Error::Internal(format!("scenario serialization: {e}")))?;
        let digest = Sha256::digest(&bytes);
        Ok(JournalHeader {
            journal: JOURNAL_FORMAT.to_string(),
            attain: env!("CARGO_PKG_VERSION").to_string(),
            scenario: raw.scenario.name.clone(),
            scenario_sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            parameters: axes.to_vec(),
            points: grid(axes).len(),
            paths: config.paths,
            seed: config.seed,
            targets: raw.targets.iter().map(|t| t.id.clone()).collect(),
        })
    }

    /// The header as a line of the journal (JSON, with its newline).
    ///
    /// # Errors
    /// `Internal` only if serialization fails.
    pub fn line(&self) -> Result<String> {
        let mut s = serde_json::to_string(self)
            .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?;
        s.push('\n');
        Ok(s)
    }

    /// The first difference between a journal's header and this run's, in words.
    fn difference(&self, journal: &JournalHeader) -> Option<String> {
        let axes = |h: &JournalHeader| {
            h.parameters
                .iter()
                .map(|a| {
                    let v: Vec<String> = a.values.iter().map(|x| show(*x)).collect();
                    format!("{}={}", a.path, v.join(","))
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        if journal.attain != self.attain {
            return Some(format!(
                "it was written by attain {}, this is attain {}",
                journal.attain, self.attain
            ));
        }
        if journal.scenario_sha256 != self.scenario_sha256 || journal.targets != self.targets {
            return Some(format!(
                "the scenario differs (the journal's is {:?} with SHA-256 {}, this run's {:?} with {})",
                journal.scenario,
                &journal.scenario_sha256[..journal.scenario_sha256.len().min(12)],
                self.scenario,
                &self.scenario_sha256[..12]
            ));
        }
        if journal.parameters != self.parameters || journal.points != self.points {
            return Some(format!(
                "the grid differs (the journal's: {}; this run's: {})",
                axes(journal),
                axes(self)
            ));
        }
        if journal.paths != self.paths {
            return Some(format!(
                "--paths differs (the journal's {}, this run's {})",
                journal.paths, self.paths
            ));
        }
        if journal.seed != self.seed {
            return Some(format!(
                "--seed differs (the journal's {}, this run's {})",
                journal.seed, self.seed
            ));
        }
        None
    }
}

fn checksum(body: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(body.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A point as a line of the journal, with its newline:
/// `INDEX<TAB>VALUES<TAB>NUMBERS<TAB>CHECK`, where VALUES are the point's
/// values separated by commas, NUMBERS six numbers per target
/// (`probability ci95_low ci95_high p05 p50 p95`, in Rust's shortest
/// round-trip form, so they read back bit for bit) separated by spaces, and
/// CHECK the first 16 hex digits of the SHA-256 of what precedes it.
pub fn journal_line(p: &PointResult) -> String {
    let values: Vec<String> = p.values.iter().map(|v| format!("{v:?}")).collect();
    let numbers: Vec<String> = p
        .targets
        .iter()
        .flat_map(|t| t.as_array())
        .map(|x| format!("{x:?}"))
        .collect();
    let body = format!("{}\t{}\t{}", p.index, values.join(","), numbers.join(" "));
    let check = checksum(&body);
    format!("{body}\t{check}\n")
}

/// A point line read back, or `None` if it is not a whole, intact line of
/// this journal's grid.
fn parse_point(line: &str, header: &JournalHeader, points: &[Vec<f64>]) -> Option<PointResult> {
    let (body, check) = line.rsplit_once('\t')?;
    if checksum(body) != check {
        return None;
    }
    let mut fields = body.split('\t');
    let index: usize = fields.next()?.parse().ok()?;
    let values = fields
        .next()?
        .split(',')
        .map(|v| v.parse::<f64>().ok())
        .collect::<Option<Vec<f64>>>()?;
    let numbers = fields
        .next()?
        .split(' ')
        .map(|v| v.parse::<f64>().ok())
        .collect::<Option<Vec<f64>>>()?;
    if fields.next().is_some()
        || index >= points.len()
        || points[index] != values
        || numbers.len() != 6 * header.targets.len()
    {
        return None;
    }
    Some(PointResult {
        index,
        values,
        targets: numbers.chunks(6).map(TargetNumbers::from_slice).collect(),
    })
}

/// What a journal holds.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalContents {
    /// The completed points, each once, in journal order.
    pub points: Vec<PointResult>,
    /// Length in bytes of the intact part (header and whole point lines);
    /// whatever follows is the remains of an interrupted write, to be cut
    /// off before appending. 0 when not even the header is whole.
    pub valid_len: usize,
    /// A note when an incomplete or damaged last line was dropped.
    pub dropped: Option<String>,
}

/// Read a journal written by [`JournalHeader::line`] and [`journal_line`],
/// for a run whose header is `expected`; `name` is the journal's file name,
/// for messages.
///
/// A crash can leave the **last** line incomplete or damaged (a write cut
/// short): it is dropped, and its point simulated again. A damaged line
/// before the last one cannot come from an interrupted append, so the
/// journal is not trusted (an error).
///
/// # Errors
/// `Argument` (flag `--resume`) when the journal belongs to another sweep
/// (saying what differs), is not a journal, or is damaged before its last line.
pub fn read_journal(bytes: &[u8], expected: &JournalHeader, name: &str) -> Result<JournalContents> {
    let fix = format!("delete {name} to start the sweep over");
    // Whole lines end with a newline; a last piece without one was cut short.
    let mut lines: Vec<(usize, &[u8], bool)> = vec![];
    let mut start = 0;
    while start < bytes.len() {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(k) => {
                lines.push((start, &bytes[start..start + k], true));
                start += k + 1;
            }
            None => {
                lines.push((start, &bytes[start..], false));
                start = bytes.len();
            }
        }
    }
    let empty = JournalContents {
        points: vec![],
        valid_len: 0,
        dropped: None,
    };
    let Some(&(_, head, whole)) = lines.first() else {
        return Ok(empty);
    };
    let head_text = std::str::from_utf8(head).unwrap_or("");
    if !whole {
        // Interrupted while the header was written: nothing was kept yet.
        let ours = head_text.starts_with("{\"journal\"") || "{\"journal\"".starts_with(head_text);
        return if ours {
            Ok(JournalContents {
                dropped: Some("the journal's header was incomplete".into()),
                ..empty
            })
        } else {
            Err(Error::argument(
                "--resume",
                format!("{name} is not an attain sweep journal; {fix}"),
            ))
        };
    }
    let header: JournalHeader = serde_json::from_str(head_text)
        .ok()
        .filter(|h: &JournalHeader| h.journal == JOURNAL_FORMAT)
        .ok_or_else(|| {
            Error::argument(
                "--resume",
                format!("{name} is not an attain sweep journal (format {JOURNAL_FORMAT:?}); {fix}"),
            )
        })?;
    if let Some(why) = expected.difference(&header) {
        return Err(Error::argument(
            "--resume",
            format!(
                "{name} belongs to a different sweep: {why}; rerun with the journal's settings, or {fix}"
            ),
        ));
    }
    let grid_points = grid(&expected.parameters);
    let mut out = JournalContents {
        points: vec![],
        valid_len: head.len() + 1,
        dropped: None,
    };
    let mut seen = BTreeSet::new();
    let last = lines.len() - 1;
    for (k, &(offset, line, whole)) in lines.iter().enumerate().skip(1) {
        let parsed = std::str::from_utf8(line)
            .ok()
            .filter(|_| whole)
            .and_then(|l| parse_point(l, expected, &grid_points));
        match parsed {
            Some(p) => {
                if seen.insert(p.index) {
                    out.points.push(p);
                }
                out.valid_len = offset + line.len() + 1;
            }
            None if k == last => {
                out.dropped = Some(format!(
                    "line {} of {name} was {} (a write cut short); its point is simulated again",
                    k + 1,
                    if whole { "damaged" } else { "incomplete" }
                ));
            }
            None => {
                return Err(Error::argument(
                    "--resume",
                    format!(
                        "line {} of {name} is damaged, and it is not the last line, so it was not cut short by an interruption; {fix}",
                        k + 1
                    ),
                ));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Solve (goal seek)

/// Parse `PATH=LOW:HIGH` (the `--vary` flag).
///
/// # Errors
/// `Argument` naming the flag or the path.
pub fn parse_vary(arg: &str) -> Result<(String, f64, f64)> {
    let Some((path, range)) = arg.split_once('=') else {
        return Err(Error::argument(
            "--vary",
            format!("expected PATH=LOW:HIGH (e.g. sectors.automobile.growth=0:30), got {arg:?}"),
        ));
    };
    let path = path.trim().to_string();
    if path.is_empty() {
        return Err(Error::argument(
            "--vary",
            format!("no path before '=' in {arg:?}"),
        ));
    }
    let parts: Vec<&str> = range.split(':').collect();
    let [a, b] = parts.as_slice() else {
        return Err(Error::argument(
            &path,
            format!("bad range {range:?}: expected LOW:HIGH, e.g. 0:30"),
        ));
    };
    let low = parse_number(&path, a, range)?;
    let high = parse_number(&path, b, range)?;
    if low >= high {
        return Err(Error::argument(
            &path,
            format!("bad range {range:?}: LOW must be below HIGH"),
        ));
    }
    Ok((path, low, high))
}

/// What to solve for.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveSpec {
    /// The lever's path.
    pub path: String,
    /// Lower end of the search range.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Target id.
    pub target: String,
    /// Probability of attainment sought, in [0, 1].
    pub probability: f64,
}

/// The target's probability at one value of the lever.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    /// Lever value.
    pub value: f64,
    /// Probability of attainment.
    pub probability: f64,
    /// 95% Wilson interval, lower end.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
}

/// The result of a goal seek.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolveResult {
    /// Scenario name.
    pub scenario: String,
    /// The lever.
    pub path: String,
    /// Search range.
    pub low: f64,
    /// Search range.
    pub high: f64,
    /// Target id.
    pub target: String,
    /// Target label.
    pub target_label: String,
    /// The probability sought.
    pub probability: f64,
    /// Paths per evaluation.
    pub paths: u64,
    /// Seed of every evaluation.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// `increasing`, `decreasing` or `flat`: how the probability moves from LOW to HIGH.
    pub direction: String,
    /// Whether the probability sought is reached inside [LOW, HIGH].
    pub reachable: bool,
    /// The answer in words.
    pub verdict: String,
    /// Lever value at which the probability reaches the one sought.
    pub value: Option<f64>,
    /// Width of the final bisection bracket around `value` (0 for an integer lever).
    pub resolution: Option<f64>,
    /// Monte Carlo interval of `value`: the lever values where the upper and
    /// lower ends of the 95% interval of the probability reach the one sought;
    /// `null` when that happens outside [LOW, HIGH].
    pub interval: [Option<f64>; 2],
    /// The evaluation at LOW.
    pub at_low: Evaluation,
    /// The evaluation at HIGH.
    pub at_high: Evaluation,
    /// The evaluation at `value`.
    pub at_value: Option<Evaluation>,
    /// Every evaluation, by lever value.
    pub evaluations: Vec<Evaluation>,
    /// Caveats (non-monotone evaluations, an uncertain direction).
    pub warnings: Vec<String>,
}

/// Where a monotone predicate first holds on [LOW, HIGH].
enum Crossing {
    /// Already at LOW.
    AtLow,
    /// Not even at HIGH.
    Never,
    /// Between `lo` (false) and `hi` (true), bracket narrowed to the resolution.
    Between(f64, f64),
}

struct Solver<'a> {
    base: &'a Scenario,
    origin: &'a str,
    path: &'a str,
    target: usize,
    config: &'a RunConfig,
    integer: bool,
    evals: Vec<Evaluation>,
    progress: OnProgress<'a>,
}

impl Solver<'_> {
    fn eval(&mut self, x: f64) -> Result<Evaluation> {
        if let Some(e) = self.evals.iter().find(|e| e.value == x) {
            return Ok(*e);
        }
        let settings = [(self.path.to_string(), x)];
        let s = params::apply(self.base, &settings, self.origin)?;
        let (m, _) = compile(
            &s,
            &format!("{} with {}", self.origin, params::describe(&settings)),
        )?;
        let acc = engine::simulate(&m, self.config, &NoProgress)?;
        let hits = acc.targets[self.target].hits;
        let (lo, hi) = wilson(hits, acc.paths, Z95);
        let e = Evaluation {
            value: x,
            probability: hits as f64 / acc.paths as f64,
            ci95_low: lo,
            ci95_high: hi,
        };
        self.evals.push(e);
        (self.progress)(self.evals.len(), 0);
        Ok(e)
    }

    /// Smallest lever value where `pred` holds, assuming it is monotone
    /// (false then true), bisecting from the tightest bracket already known.
    fn first_true(
        &mut self,
        low: f64,
        high: f64,
        tol: f64,
        pred: &dyn Fn(&Evaluation) -> bool,
    ) -> Result<Crossing> {
        if pred(&self.eval(low)?) {
            return Ok(Crossing::AtLow);
        }
        if !pred(&self.eval(high)?) {
            return Ok(Crossing::Never);
        }
        let mut hi = self
            .evals
            .iter()
            .filter(|e| pred(e))
            .map(|e| e.value)
            .fold(high, f64::min);
        let mut lo = self
            .evals
            .iter()
            .filter(|e| !pred(e) && e.value < hi)
            .map(|e| e.value)
            .fold(low, f64::max);
        loop {
            let width = hi - lo;
            if (self.integer && width <= 1.0) || (!self.integer && width <= tol) {
                break;
            }
            let mid = if self.integer {
                ((lo + hi) / 2.0).floor()
            } else {
                lo + width / 2.0
            };
            if mid <= lo || mid >= hi {
                break;
            }
            if pred(&self.eval(mid)?) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(Crossing::Between(lo, hi))
    }
}

/// Find the lever value at which the target's probability reaches `spec.probability`.
///
/// Every evaluation uses the same seed (common random numbers). The direction
/// comes from the two ends; the estimate bisects on the probability, and its
/// Monte Carlo interval continues the bisection on the ends of the 95%
/// interval. A probability outside the range the ends span is not an error:
/// the result says it is not reachable.
///
/// # Errors
/// `Argument` for a bad path, range, target or probability; `Scenario` when
/// an end of the range is not a valid scenario; `Model` from the engine.
pub fn solve(
    base: &Scenario,
    origin: &str,
    spec: &SolveSpec,
    config: &RunConfig,
    progress: OnProgress,
) -> Result<SolveResult> {
    let t0 = Instant::now();
    let raw = base.raw();
    params::check_path(raw, &spec.path)?;
    if !spec.low.is_finite() || !spec.high.is_finite() || spec.low >= spec.high {
        return Err(Error::argument(
            &spec.path,
            format!(
                "bad range {}:{}: LOW must be below HIGH",
                spec.low, spec.high
            ),
        ));
    }
    if !(0.0..=1.0).contains(&spec.probability) {
        return Err(Error::argument(
            "--probability",
            format!("must be in [0, 1], got {}", spec.probability),
        ));
    }
    let integer = params::is_integer_path(raw, &spec.path)?;
    if integer && (spec.low.fract() != 0.0 || spec.high.fract() != 0.0) {
        return Err(Error::argument(
            &spec.path,
            "is a whole number (years or quarters): LOW and HIGH must be whole",
        ));
    }
    // Both ends must be valid before anything is simulated.
    let mut ends = vec![];
    for x in [spec.low, spec.high] {
        let settings = [(spec.path.clone(), x)];
        let s = params::apply(base, &settings, origin)?;
        ends.push(
            compile(
                &s,
                &format!("{origin} with {}", params::describe(&settings)),
            )?
            .0,
        );
    }
    let target = target_index(&ends[0], &spec.target, "--target")?;
    let target_label = ends[0].targets[target].label.clone();
    drop(ends);

    let mut solver = Solver {
        base,
        origin,
        path: &spec.path,
        target,
        config,
        integer,
        evals: vec![],
        progress,
    };
    let at_low = solver.eval(spec.low)?;
    let at_high = solver.eval(spec.high)?;
    let p = spec.probability;
    let d = if at_high.probability > at_low.probability {
        1.0
    } else if at_high.probability < at_low.probability {
        -1.0
    } else {
        0.0
    };
    let direction = match d {
        x if x > 0.0 => "increasing",
        x if x < 0.0 => "decreasing",
        _ => "flat",
    };
    let mut warnings = vec![];
    if d != 0.0 && at_low.ci95_low.max(at_high.ci95_low) <= at_low.ci95_high.min(at_high.ci95_high)
    {
        warnings.push(format!(
            "the 95% intervals at LOW and HIGH overlap: the direction ({direction}) is not established beyond Monte Carlo error; use more --paths or a wider range"
        ));
    }
    let tol = (spec.high - spec.low) / SOLVE_RESOLUTION;
    let (low, high) = (spec.low, spec.high);
    let name = &spec.path;
    let tgt = &spec.target;
    let mut value = None;
    let mut resolution = None;
    let mut interval = [None, None];
    let mut at_value = None;
    let reachable;
    let verdict;
    if d == 0.0 {
        reachable = false;
        verdict = format!(
            "not reachable: P({tgt} met) is {} at both {name} = {} and {}, so the lever does not move it in this range",
            pct(at_low.probability),
            show(low),
            show(high)
        );
    } else {
        let main = move |e: &Evaluation| d * (e.probability - p) >= 0.0;
        match solver.first_true(low, high, tol, &main)? {
            Crossing::AtLow if at_low.probability != p => {
                reachable = false;
                verdict = format!(
                    "not reachable inside [{}, {}]: P({tgt} met) is {} at {name} = {}, already {} {}, and {direction} to {} at {}; the value would lie below LOW",
                    show(low),
                    show(high),
                    pct(at_low.probability),
                    show(low),
                    if d > 0.0 { "above" } else { "below" },
                    pct(p),
                    pct(at_high.probability),
                    show(high)
                );
            }
            Crossing::Never => {
                reachable = false;
                verdict = format!(
                    "not reachable inside [{}, {}]: P({tgt} met) goes from {} at {name} = {} to {} at {} and never reaches {}; the value would lie beyond HIGH, if there is one",
                    show(low),
                    show(high),
                    pct(at_low.probability),
                    show(low),
                    pct(at_high.probability),
                    show(high),
                    pct(p)
                );
            }
            crossing => {
                reachable = true;
                let (v, res) = match crossing {
                    Crossing::Between(_, hi) if integer => (hi, 0.0),
                    Crossing::Between(lo, hi) => (tidy(lo + (hi - lo) / 2.0), hi - lo),
                    _ => (low, 0.0),
                };
                value = Some(v);
                resolution = Some(res);
                // The Monte Carlo interval: where each end of the 95% interval
                // of the probability reaches p. With d > 0 the upper end gets
                // there first.
                let early = move |e: &Evaluation| {
                    let b = if d > 0.0 { e.ci95_high } else { e.ci95_low };
                    d * (b - p) >= 0.0
                };
                let late = move |e: &Evaluation| {
                    let b = if d > 0.0 { e.ci95_low } else { e.ci95_high };
                    d * (b - p) >= 0.0
                };
                let point = |c: Crossing| match c {
                    Crossing::Between(_, hi) if integer => Some(hi),
                    Crossing::Between(lo, hi) => Some(tidy(lo + (hi - lo) / 2.0)),
                    Crossing::AtLow | Crossing::Never => None,
                };
                interval[0] = point(solver.first_true(low, high, tol, &early)?);
                interval[1] = point(solver.first_true(low, high, tol, &late)?);
                at_value = Some(solver.eval(v)?);
                let iv = |x: Option<f64>, outside: &str| {
                    x.map(short).unwrap_or_else(|| outside.to_string())
                };
                verdict = format!(
                    "P({tgt} met) reaches {} at {name} = {} (95% Monte Carlo interval {} to {})",
                    pct(p),
                    short(v),
                    iv(interval[0], &format!("below {}", show(low))),
                    iv(interval[1], &format!("beyond {}", show(high)))
                );
            }
        }
    }
    let mut evaluations = solver.evals.clone();
    evaluations.sort_by(|a, b| a.value.total_cmp(&b.value));
    if d != 0.0 {
        let inversions = evaluations
            .windows(2)
            .filter(|w| d * (w[1].probability - w[0].probability) < 0.0)
            .count();
        if inversions > 0 {
            warnings.push(format!(
                "P({tgt} met) is not monotone in {name} over the {} evaluations ({inversions} reversal{}): the value found is one crossing of possibly several",
                evaluations.len(),
                if inversions == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(SolveResult {
        scenario: base.raw().scenario.name.clone(),
        path: spec.path.clone(),
        low,
        high,
        target: spec.target.clone(),
        target_label,
        probability: p,
        paths: config.paths,
        seed: config.seed,
        threads: rayon::current_num_threads(),
        elapsed_s: t0.elapsed().as_secs_f64(),
        direction: direction.to_string(),
        reachable,
        verdict,
        value,
        resolution,
        interval,
        at_low,
        at_high,
        at_value,
        evaluations,
        warnings,
    })
}

impl SolveResult {
    /// JSON with every field.
    ///
    /// # Errors
    /// Only if serialization fails.
    pub fn json(&self) -> Result<Vec<u8>> {
        json(self)
    }

    /// A short report in words.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\ngoal seek: {} ({}) at P(met) = {}, varying {} in [{}, {}]\n{} evaluations x {} paths, seed {} at every evaluation, {:.2} s\n",
            self.scenario,
            self.target,
            self.target_label,
            pct(self.probability),
            self.path,
            show(self.low),
            show(self.high),
            self.evaluations.len(),
            self.paths,
            self.seed,
            self.elapsed_s
        );
        let ev = |e: &Evaluation| {
            format!(
                "{} (95% CI {}–{})",
                pct(e.probability),
                pct(e.ci95_low),
                pct(e.ci95_high)
            )
        };
        let _ = writeln!(
            out,
            "  at {} = {}: P(met) {}",
            self.path,
            show(self.low),
            ev(&self.at_low)
        );
        let _ = writeln!(
            out,
            "  at {} = {}: P(met) {}",
            self.path,
            show(self.high),
            ev(&self.at_high)
        );
        let _ = writeln!(out, "  direction: {}\n", self.direction);
        if let (Some(v), Some(e)) = (self.value, &self.at_value) {
            let _ = writeln!(out, "  value:    {} = {}", self.path, short(v));
            let side = |x: Option<f64>, outside: String| x.map(short).unwrap_or(outside);
            let _ = writeln!(
                out,
                "  95% Monte Carlo interval: {} to {}",
                side(self.interval[0], format!("below {}", show(self.low))),
                side(self.interval[1], format!("beyond {}", show(self.high)))
            );
            if let Some(r) = self.resolution.filter(|r| *r > 0.0) {
                let _ = writeln!(out, "  bisection resolution: {}", short(r));
            }
            let _ = writeln!(out, "  P(met) at the value: {}\n", ev(e));
        }
        let _ = writeln!(out, "{}", self.verdict);
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Sensitivity

/// One bar of a tornado: an input moved down and up (or an event forced off and on).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// The input: a parameter path, or `event ID`.
    pub input: String,
    /// `parameter` or `event`.
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
}

/// Ids (sectors, shocks, indicators: one namespace) a target depends on.
fn upstream(raw: &RawScenario, target: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let Some(t) = raw.targets.iter().find(|t| t.id == target) else {
        return set;
    };
    let mut stack: Vec<String> = vec![t.indicator.clone()];
    stack.extend(t.relative_to.clone());
    while let Some(id) = stack.pop() {
        if !set.insert(id.clone()) {
            continue;
        }
        if let Some(ind) = raw.indicators.iter().find(|i| i.id == id) {
            stack.extend(
                validate::indicator_inputs(ind)
                    .into_iter()
                    .map(String::from),
            );
        } else if let Some(s) = raw.sectors.iter().find(|s| s.id == id) {
            stack.extend(s.loadings.keys().cloned());
        }
    }
    set
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
        v.push((format!("sectors.{}.growth", s.id), s.growth));
        v.push((format!("sectors.{}.volatility", s.id), s.volatility));
        for (k, x) in &s.loadings {
            v.push((format!("sectors.{}.loadings.{k}", s.id), *x));
        }
    }
    for e in &raw.events {
        v.push((format!("events.{}.probability", e.id), e.probability));
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

/// Parse `PATH=AMOUNT` (the `--sd` flag): a stated standard deviation.
///
/// # Errors
/// `Argument` naming the flag or the path.
pub fn parse_sd(arg: &str) -> Result<(String, f64)> {
    let Some((path, amount)) = arg.split_once('=') else {
        return Err(Error::argument(
            "--sd",
            format!("expected PATH=AMOUNT (e.g. sectors.automobile.growth=2), got {arg:?}"),
        ));
    };
    let path = path.trim().to_string();
    let a = parse_number(&path, amount, amount)?;
    if a <= 0.0 {
        return Err(Error::argument(
            &path,
            format!("a standard deviation must be > 0, got {a}"),
        ));
    }
    Ok((path, a))
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
        Some(t) => vec![target_index(&base_model, t, "--target")?],
        None => (0..base_model.targets.len()).collect(),
    };
    let ups: Vec<BTreeSet<String>> = selected
        .iter()
        .map(|&t| upstream(raw, &base_model.targets[t].id))
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
    for (path, _) in stated {
        params::check_path(raw, path)?;
        if !defaults.iter().any(|(p, _)| p == path) {
            defaults.push((path.clone(), params::get(raw, path)?));
        }
    }
    for (path, value) in defaults {
        if !is_relevant(&path) {
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
        });
    }
    for e in &raw.events {
        let path = format!("events.{}.probability", e.id);
        if !is_relevant(&path) {
            continue;
        }
        inputs.push(Input {
            name: format!("event {}", e.id),
            path,
            kind: "event",
            basis: "forced off / on (probability 0 / 1)".into(),
            value: e.probability,
            amount: None,
            low: 0.0,
            high: 1.0,
        });
    }

    // Make and compile every variant first; an input whose move makes the
    // scenario invalid is skipped with the reason.
    let mut models: Vec<Model> = vec![];
    let mut kept: Vec<(Input, usize)> = vec![];
    for inp in inputs {
        let mut pair = vec![];
        for x in [inp.low, inp.high] {
            let settings = [(inp.path.clone(), x)];
            match params::apply(base, &settings, origin).and_then(|s| compile(&s, origin)) {
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
                        show(x)
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
    let mut refs: Vec<&Model> = vec![&base_model];
    refs.extend(models.iter());
    let accs = simulate_all(&refs, config, progress)?;
    let threads = rayon::current_num_threads();
    let baseline = Report::build(&base_model, &accs[0], config, 0.0, threads, vec![]);
    let prob = |acc: &Accumulator, t: usize| acc.targets[t].hits as f64 / acc.paths as f64;

    let mut targets = vec![];
    for (&t, up) in selected.iter().zip(&ups) {
        let id = &base_model.targets[t].id;
        let mut bars: Vec<Bar> = kept
            .iter()
            .filter(|(inp, _)| relevant(raw, &inp.path, up, id))
            .map(|(inp, k)| {
                let pl = prob(&accs[1 + k], t);
                let ph = prob(&accs[2 + k], t);
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

/// Bars shown per target in the table (the CSV and JSON carry all).
pub const TABLE_BARS: usize = 15;

impl SensitivityResult {
    /// JSON with every bar.
    ///
    /// # Errors
    /// Only if serialization fails.
    pub fn json(&self) -> Result<Vec<u8>> {
        json(self)
    }

    /// CSV: one row per target and bar.
    ///
    /// # Errors
    /// Only if the CSV writer fails.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record([
            "target",
            "baseline",
            "input",
            "kind",
            "basis",
            "value",
            "amount",
            "low",
            "high",
            "probability_low",
            "probability_high",
            "swing",
        ])
        .map_err(csv_err)?;
        for t in &self.targets {
            for b in &t.bars {
                w.write_record([
                    t.id.clone(),
                    t.probability.to_string(),
                    b.input.clone(),
                    b.kind.clone(),
                    b.basis.clone(),
                    show(b.value),
                    b.amount.map(show).unwrap_or_default(),
                    show(b.low),
                    show(b.high),
                    b.probability_low.to_string(),
                    b.probability_high.to_string(),
                    b.swing.to_string(),
                ])
                .map_err(csv_err)?;
            }
        }
        w.into_inner()
            .map_err(|e| Error::Internal(format!("CSV: {e}")))
    }

    /// Tornado tables, largest swing first, and the event-conditional
    /// probabilities of the baseline run.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\nsensitivity: {} runs x {} paths, seed {} in every run, {:.2} s\n{}\n",
            self.scenario, self.runs, self.paths, self.seed, self.elapsed_s, self.method
        );
        const HALF: usize = 12;
        for t in &self.targets {
            let _ = writeln!(
                out,
                "{}: {}: P(met) {} (95% CI {}–{})",
                t.id,
                t.label,
                pct(t.probability),
                pct(t.ci95[0]),
                pct(t.ci95[1])
            );
            let shown: Vec<&Bar> = t.bars.iter().take(TABLE_BARS).collect();
            let name_w = shown
                .iter()
                .map(|b| b.input.len())
                .max()
                .unwrap_or(5)
                .max(5);
            let set_w = shown
                .iter()
                .map(|b| setting(b).chars().count())
                .max()
                .unwrap_or(7)
                .max(7);
            let scale = t
                .bars
                .iter()
                .flat_map(|b| [b.probability_low, b.probability_high])
                .map(|p| (p - t.probability).abs())
                .fold(0.0f64, f64::max);
            let _ = writeln!(
                out,
                "  {}  {}  {}  {}  {}  {}",
                pad("input", name_w),
                pad("low → high", set_w),
                lpad("P(low)", 7),
                lpad("P(high)", 7),
                lpad("swing", 8),
                format_args!("{}|{}", pad("lower", HALF), "higher")
            );
            for b in &shown {
                let _ = writeln!(
                    out,
                    "  {}  {}  {}  {}  {}  {}",
                    pad(&b.input, name_w),
                    pad(&setting(b), set_w),
                    lpad(&pct(b.probability_low), 7),
                    lpad(&pct(b.probability_high), 7),
                    lpad(&format!("{:.1} pp", 100.0 * b.swing), 8),
                    tornado(b, t.probability, scale, HALF)
                );
            }
            if t.bars.len() > shown.len() {
                let _ = writeln!(
                    out,
                    "  ({} more input{} with smaller swings: --format json or csv lists every bar)",
                    t.bars.len() - shown.len(),
                    if t.bars.len() - shown.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
            }
            if !t.conditional.is_empty() {
                let _ = writeln!(
                    out,
                    "  in the baseline run, by whether each event happened by the target's year:"
                );
                let ew = t
                    .conditional
                    .iter()
                    .map(|c| c.event.len())
                    .max()
                    .unwrap_or(0);
                for c in &t.conditional {
                    let _ = writeln!(
                        out,
                        "    {}  on {} of paths: P(met) {} if it happened, {} if not",
                        pad(&c.event, ew),
                        lpad(&pct(c.event_share), 6),
                        c.probability_with.map(pct).unwrap_or("n/a".into()),
                        c.probability_without.map(pct).unwrap_or("n/a".into())
                    );
                }
            }
            out.push('\n');
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(out, "left out: {}", self.skipped.len());
            for s in &self.skipped {
                let _ = writeln!(out, "  {s}");
            }
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

fn setting(b: &Bar) -> String {
    match (b.kind.as_str(), b.amount) {
        ("event", _) => "off → on".into(),
        (_, Some(a)) => format!("{} → {} (±{})", short(b.low), short(b.high), short(a)),
        _ => format!("{} → {}", short(b.low), short(b.high)),
    }
}

/// A text tornado bar: `half` characters each side of the baseline, scaled
/// so that the largest move of the target fills one side.
fn tornado(b: &Bar, base: f64, scale: f64, half: usize) -> String {
    let cells = |p: f64| -> usize {
        if scale <= 0.0 {
            0
        } else {
            (((p - base).abs() / scale) * half as f64).round() as usize
        }
    };
    let lo = b.probability_low.min(b.probability_high);
    let hi = b.probability_low.max(b.probability_high);
    let left = if lo < base { cells(lo).min(half) } else { 0 };
    let right = if hi > base { cells(hi).min(half) } else { 0 };
    format!(
        "{}{}|{}",
        " ".repeat(half - left),
        "█".repeat(left),
        "█".repeat(right)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            parse_spec("p", "0:1:5").unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(
            parse_spec("p", "0:0.3:4").unwrap(),
            vec![0.0, 0.1, 0.2, 0.3]
        );
        assert_eq!(parse_spec("p", "1, 2.5,4").unwrap(), vec![1.0, 2.5, 4.0]);
        assert_eq!(parse_spec("p", "3").unwrap(), vec![3.0]);
        for bad in [
            "", "0:1", "0:1:1", "0:1:x", "a,b", "1,,2", "0:1:2:3", "nan", "0:inf:3",
        ] {
            let e = parse_spec("sectors.a.growth", bad).unwrap_err().to_string();
            assert!(e.contains("sectors.a.growth"), "{bad}: {e}");
        }
        assert!(parse_set("novalue").is_err());
        assert_eq!(parse_set("a.b=1,2").unwrap().values, vec![1.0, 2.0]);
    }

    #[test]
    fn grid_is_full_and_ordered() {
        let axes = vec![
            Axis {
                path: "a".into(),
                values: vec![1.0, 2.0],
            },
            Axis {
                path: "b".into(),
                values: vec![10.0, 20.0, 30.0],
            },
        ];
        let g = grid(&axes);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![1.0, 10.0]);
        assert_eq!(g[1], vec![1.0, 20.0]);
        assert_eq!(g[5], vec![2.0, 30.0]);
    }

    #[test]
    fn sweep_files_parse() {
        let text = "[sweep]\nscenario = \"../jilin-2022.toml\"\npaths = 100\n\n[[sweep.set]]\npath = \"a.b\"\nvalues = \"0:1:3\"\n\n[[sweep.set]]\npath = \"c.d\"\nvalues = [1, 2.5]\n";
        assert!(is_sweep_file(text));
        let f = parse_sweep_file(text, "f.toml").unwrap();
        assert_eq!(f.axes.len(), 2);
        assert_eq!(f.axes[1].values, vec![1.0, 2.5]);
        assert_eq!(f.paths, Some(100));
        assert!(!is_sweep_file("[scenario]\nname = \"x\"\n"));
        let e = parse_sweep_file("[sweep]\nscenario = \"x\"\nfoo = 1\n", "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("foo"), "{e}");
    }

    #[test]
    fn vary_and_sd() {
        assert_eq!(parse_vary("a.b=0:30").unwrap(), ("a.b".into(), 0.0, 30.0));
        assert!(
            parse_vary("a.b=30:0")
                .unwrap_err()
                .to_string()
                .contains("a.b")
        );
        assert!(parse_vary("a.b").is_err());
        assert_eq!(parse_sd("a.b=2").unwrap(), ("a.b".into(), 2.0));
        assert!(parse_sd("a.b=-1").is_err());
    }

    #[test]
    fn upstream_of_faw_sales_excludes_grain() {
        let s = crate::scenario::embedded().unwrap();
        let up = upstream(s.raw(), "faw_sales");
        assert!(up.contains("automobile") && up.contains("faw_sales_growth"));
        assert!(!up.contains("grain_output"));
    }
}
