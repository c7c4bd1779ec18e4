//! The parallel Monte Carlo engine: fixed-size blocks of paths, each path
//! with its own seeded generators, run under rayon and merged in block order.
//!
//! Everything that simulates goes through one entry point,
//! [`runner::run`]: given compiled variants and a [`Plan`] (a range of
//! blocks of a run), it returns each variant's mergeable [`Outcome`].
//! [`simulate`] (one whole run), [`simulate_to_precision`] (checkpoints) and
//! the callers in `shard`, `sweep`, `fan`, `bench` and `backtest` are thin
//! layers over it.
//!
//! Reproducibility: global path `p` always gets the same random numbers
//! (its two generators, [`path_rngs`], are seeded from the run seed and `p`
//! alone), each block adds its paths in order, and block results are merged
//! in index order, so the summaries are bit-identical for any thread count
//! or shard split. Memory does not grow with the number of paths: results
//! pass through a bounded window and are folded into one accumulator.

mod plan;
mod precision;
mod progress;
pub mod runner;
mod seed;

pub use plan::{BLOCK_SIZE, Plan, Shard, blocks_in};
pub use precision::{CHECKPOINT_PATHS, PrecisionOutcome, max_half_width, simulate_to_precision};
pub use progress::{NoProgress, Progress};
pub use runner::{
    BlockSums, MAX_GROUP, Observer, Outcome, run, run_block, run_more, sector_groups,
};
pub use seed::{RNG_NAME, Stream, path_rng, path_rngs};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::step::NoObserver;
use crate::stats::Accumulator;

/// Default path count: 2^16. Every 95% Wilson interval is then narrower than
/// 0.8 percentage points (one point needs 38,415 paths at p = 1/2).
pub const DEFAULT_PATHS: u64 = 65_536;

/// Default seed, so that two runs of the same command agree.
pub const DEFAULT_SEED: u64 = 20220124;

/// What to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Number of paths (>= 1).
    pub paths: u64,
    /// Run seed.
    pub seed: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            paths: DEFAULT_PATHS,
            seed: DEFAULT_SEED,
        }
    }
}

/// Simulate every variant over the whole run `config` (common random
/// numbers) and check each for values out of the model's domain.
///
/// # Errors
/// `Argument` for zero paths; `Model` as [`simulate`].
pub fn simulate_variants(
    variants: &[&Model],
    config: &RunConfig,
    progress: &dyn Progress,
) -> Result<Vec<Accumulator>> {
    if config.paths == 0 {
        return Err(Error::argument("paths", "must be at least 1"));
    }
    let outcomes = run(variants, &Plan::full(config), &|_| NoObserver, progress);
    outcomes
        .into_iter()
        .zip(variants)
        .map(|(o, m)| check_domain(m, &o.acc).map(|()| o.acc))
        .collect()
}

/// Simulate one whole run of `model`.
///
/// # Errors
/// `Argument` for zero paths; `Model` when some target's value was NaN or
/// infinite on some path (the scenario drives a quantity out of its domain).
pub fn simulate(model: &Model, config: &RunConfig, progress: &dyn Progress) -> Result<Accumulator> {
    let mut accs = simulate_variants(&[model], config, progress)?;
    Ok(accs.swap_remove(0))
}

/// Turn non-finite target values into an error that names them.
///
/// # Errors
/// `Model` listing each target that had a value that is not a finite number.
pub fn check_domain(model: &Model, acc: &Accumulator) -> Result<()> {
    let bad: Vec<String> = model
        .targets
        .iter()
        .zip(&acc.targets)
        .filter(|(_, a)| a.nonfinite > 0)
        .map(|(t, a)| {
            format!(
                "target {} (indicator {}): {} of {} paths gave a value that is not a finite number",
                t.id, model.indicators[t.indicator].id, a.nonfinite, acc.paths
            )
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Error::Model(format!(
            "the scenario drives a quantity out of its domain (a ratio with a zero denominator, \
             growth from a zero level, or an overflow):\n  {}",
            bad.join("\n  ")
        )))
    }
}
