//! Runs with a precision goal: add blocks until every target's interval is
//! narrow enough. A caller of the runner, checkpoint by checkpoint.

use super::check_domain;
use super::plan::{BLOCK_SIZE, Plan, blocks_in};
use super::progress::{Offset, Progress};
use super::runner::{run, run_more};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::step::NoObserver;
use crate::stats::Accumulator;

/// How a run with a precision goal ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionOutcome {
    /// The goal: largest accepted 95% half-width of any target's probability.
    pub precision: f64,
    /// Whether every target reached it before the cap.
    pub reached: bool,
    /// Largest half-width at the end.
    pub achieved: f64,
}

/// Paths of the first checkpoint; the later ones are at twice, four times,
/// ... as many. A multiple of [`BLOCK_SIZE`], and independent of it (4,096,
/// the block size when checkpoints were counted in blocks), so the paths a
/// goal needs are the same whatever the block size.
pub const CHECKPOINT_PATHS: u64 = 4096;
const _: () = assert!(CHECKPOINT_PATHS % BLOCK_SIZE == 0);

/// Largest 95% Wilson half-width over the targets.
pub fn max_half_width(acc: &Accumulator) -> f64 {
    acc.targets
        .iter()
        .map(|t| {
            let (lo, hi) = crate::stats::wilson(t.hits, acc.paths, crate::stats::Z95);
            (hi - lo) / 2.0
        })
        .fold(0.0, f64::max)
}

/// Add blocks until every target's 95% half-width is at most `precision`, or
/// `max_paths` is reached. The decision is taken only after 1, 2, 4, 8, ...
/// times [`CHECKPOINT_PATHS`] paths, and depends only on the merged counts, so the result (and the
/// number of paths used) is identical for any thread count. The paths are
/// those of a run of `max_paths` paths, so stopping after `k` paths gives
/// exactly the first `k` paths of that run.
///
/// # Errors
/// `Argument` for a precision that is not in (0, 0.5] or a zero cap; `Model`
/// as [`super::simulate`].
pub fn simulate_to_precision(
    model: &Model,
    seed: u64,
    precision: f64,
    max_paths: u64,
    progress: &dyn Progress,
) -> Result<(Accumulator, PrecisionOutcome)> {
    if !(precision > 0.0 && precision <= 0.5) {
        return Err(Error::argument(
            "precision",
            format!("must be in (0, 0.5], got {precision}"),
        ));
    }
    if max_paths == 0 {
        return Err(Error::argument("max-paths", "must be at least 1"));
    }
    let cap_blocks = blocks_in(max_paths);
    let mut outcome = run(
        &[model],
        &Plan::range(seed, max_paths, 0..0),
        &|_| NoObserver,
        progress,
    );
    let mut done = 0u64;
    let per_checkpoint = CHECKPOINT_PATHS / BLOCK_SIZE;
    let mut checkpoint = 1u64;
    loop {
        let end = checkpoint.saturating_mul(per_checkpoint).min(cap_blocks);
        let plan = Plan::range(seed, max_paths, done..end);
        let step = Offset {
            inner: progress,
            before: outcome[0].acc.paths,
            total: max_paths,
        };
        run_more(&mut outcome, &[model], &plan, &|_| NoObserver, &step);
        done = end;
        let total = &outcome[0].acc;
        let achieved = max_half_width(total);
        if achieved <= precision || done == cap_blocks {
            check_domain(model, total)?;
            let total = outcome.swap_remove(0).acc;
            return Ok((
                total,
                PrecisionOutcome {
                    precision,
                    reached: achieved <= precision,
                    achieved,
                },
            ));
        }
        checkpoint *= 2;
    }
}
