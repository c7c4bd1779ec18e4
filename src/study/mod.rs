//! Parameter studies on one scenario: grids (sweeps), goal seek (solve) and
//! one-at-a-time sensitivity (tornado), all on common random numbers.
//!
//! Every variant of the scenario is made with [`params::apply`] (set
//! numbers by path, validate again) and compiled **before** anything is
//! simulated, so a bad setting fails fast with exit code 2. Every variant is
//! then simulated with the same [`RunConfig`] (same seed): paths differ only
//! by the parameters, not by the random numbers (docs/MODEL.md 7.3), which
//! makes differences between variants far more precise than the interval of
//! each. Variants run on the current rayon pool, a few at a time, each one
//! also parallel over its blocks.
//!
//! Nothing here prints or writes files: results render to bytes.
//!
//! One file per part:
//!
//! * [`spec`]: the value grammar (`start:stop:count`, `a,b,c`), [`Axis`], the grid;
//! * [`params`]: every number of a scenario addressed by a dotted path;
//! * [`file`]: sweep files (`[sweep]` tables);
//! * [`grid`]: running a sweep (resumable), [`SweepResult`], and its rendering in `grid_render`;
//! * [`journal`]: the journal of an interruptible sweep;
//! * [`solve`]: goal seek on one lever;
//! * [`sensitivity`]: one-at-a-time sensitivity (tornado), rendered in `sensitivity_render`.
//!
//! Numbers are written by [`crate::report::format`], like every other output.

use serde::Serialize;

use crate::engine::{self, RunConfig};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::scenario::{Scenario, validate};
use crate::stats::Accumulator;

pub mod file;
pub mod grid;
mod grid_render;
pub mod journal;
pub mod params;
pub mod sensitivity;
mod sensitivity_render;
pub mod solve;
mod solve_render;
pub mod spec;
#[cfg(test)]
mod tests;

pub use file::{SweepFile, is_sweep_file, parse_sweep_file};
pub use grid::{
    PointResult, SweepControl, SweepOutcome, SweepResult, SweepRow, TargetNumbers, sweep,
    sweep_resumable,
};
pub use journal::{JOURNAL_FORMAT, JournalContents, JournalHeader, journal_line, read_journal};
pub use sensitivity::{Bar, Conditional, SensitivityResult, TargetSensitivity, sensitivity};
pub use sensitivity_render::TABLE_BARS;
pub use solve::{Evaluation, SolveResult, SolveSpec, Stage, solve};
pub use spec::{Axis, check_axes, grid, parse_spec};

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
/// Simulate models with the same configuration (common random numbers)
/// through the one runner, reporting how many variants are done.
pub(crate) fn simulate_all(
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

pub(crate) fn target_index(model: &Model, id: &str, name: &str) -> Result<usize> {
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
            Error::argument(name, msg)
        })
}

pub(crate) fn compile(scenario: &Scenario, origin: &str) -> Result<(Model, Vec<String>)> {
    Ok(Model::compile(scenario, origin)?)
}

pub(crate) fn json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v)
        .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

pub(crate) fn csv_err(e: csv::Error) -> Error {
    Error::Internal(format!("CSV: {e}"))
}
