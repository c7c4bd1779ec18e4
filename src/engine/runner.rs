//! The one runner: every command that simulates (run, precision goals,
//! shards, sweeps, goal seek, sensitivity, fan charts, backtest, bench)
//! comes through [`run`].
//!
//! It takes one or more compiled models (variants of a scenario: a sweep's
//! grid points, a sensitivity's moved inputs, a backtest's years), a
//! [`Plan`] (which blocks of which run), and an [`Observer`] factory for
//! extra per-path measurements (fan charts). Every variant simulates the same
//! blocks with the same generators (common random numbers). Work items are
//! (variant, block) pairs, run in waves on the current rayon pool; each
//! result is folded into its variant's [`Outcome`] in block order, so the
//! outcome is bit-identical for any thread count, and memory stays a few
//! blocks per thread whatever the number of paths.

use rayon::prelude::*;

use super::plan::{BLOCK_SIZE, Plan};
use super::progress::Progress;
use crate::model::Model;
use crate::model::step::{NoObserver, PathObserver, simulate_block};
use crate::stats::Accumulator;

/// Per-block sums of each target's values, kept so that a merge of shards
/// can add them in block order and reproduce a single run's means bit for
/// bit (floating-point addition is not associative).
pub type BlockSums = Vec<(u64, Vec<f64>)>;

/// Measurements taken along each path besides the accumulator's (a fan
/// chart's quarterly histograms). One observer per block, merged in block
/// order; the default [`NoObserver`] costs nothing.
pub trait Observer: PathObserver + Send {
    /// Fold in the observer of the next block.
    fn merge(&mut self, next: Self);
}

impl Observer for NoObserver {
    #[inline]
    fn merge(&mut self, _next: Self) {}
}

/// What one variant's paths gave.
#[derive(Debug, Clone)]
pub struct Outcome<O> {
    /// Counts, histograms and sums of every target.
    pub acc: Accumulator,
    /// Each block's per-target sums, in block order, when the plan keeps
    /// them (shards); empty otherwise.
    pub block_sums: BlockSums,
    /// The merged observer.
    pub observer: O,
}

/// Simulate the paths of one block of `model` into an accumulator, showing
/// each path to `observer`. This is the kernel the runner schedules.
pub fn run_block<O: Observer>(
    model: &Model,
    seed: u64,
    block: u64,
    paths: u64,
    observer: &mut O,
) -> Accumulator {
    // The batch kernel (model/step.rs): paths in lockstep, each on its own streams.
    simulate_block(model, seed, block * BLOCK_SIZE, paths, observer)
}

/// Simulate `plan`'s blocks for every variant and return one [`Outcome`]
/// per variant, in order. `observer(v)` makes an empty observer for variant
/// `v` (once per block, and once for the total). Progress counts paths over
/// all variants.
///
/// The results do not depend on the thread count or the wave size: each
/// block's paths depend only on (seed, block), and each variant's blocks are
/// folded in ascending order.
pub fn run<O: Observer>(
    variants: &[&Model],
    plan: &Plan,
    observer: &(dyn Fn(usize) -> O + Sync),
    progress: &dyn Progress,
) -> Vec<Outcome<O>> {
    let mut outcomes: Vec<Outcome<O>> = variants
        .iter()
        .enumerate()
        .map(|(v, m)| Outcome {
            acc: Accumulator::new(m),
            block_sums: vec![],
            observer: observer(v),
        })
        .collect();
    run_more(&mut outcomes, variants, plan, observer, progress);
    outcomes
}

/// Continue `outcomes` (one per variant, from [`run`]) with `plan`'s blocks,
/// which must come after those already folded in (a precision checkpoint):
/// the result is the same as one [`run`] over all the blocks.
pub fn run_more<O: Observer>(
    outcomes: &mut [Outcome<O>],
    variants: &[&Model],
    plan: &Plan,
    observer: &(dyn Fn(usize) -> O + Sync),
    progress: &dyn Progress,
) {
    assert_eq!(outcomes.len(), variants.len(), "one outcome per variant");
    // Items are (variant, block) pairs, variant-major and blocks ascending,
    // so folding in item order keeps each variant's blocks in order. They
    // are made one wave at a time: nothing here grows with the path count.
    let first = plan.blocks.start;
    let per_variant = plan.blocks.end.saturating_sub(first);
    let items = per_variant * variants.len() as u64;
    let total = plan.path_count() * variants.len() as u64;
    let mut done = 0;
    // A wave keeps every thread busy while bounding memory to a few blocks each.
    let wave = (4 * rayon::current_num_threads()).max(1) as u64;
    let mut next = 0;
    while next < items {
        let end = (next + wave).min(items);
        let chunk: Vec<(usize, u64)> = (next..end)
            .map(|i| ((i / per_variant) as usize, first + i % per_variant))
            .collect();
        next = end;
        let parts: Vec<(Accumulator, O)> = chunk
            .par_iter()
            .map(|&(v, b)| {
                let mut obs = observer(v);
                let acc = run_block(variants[v], plan.seed, b, plan.paths_in(b), &mut obs);
                (acc, obs)
            })
            .collect();
        for ((acc, obs), &(v, b)) in parts.into_iter().zip(&chunk) {
            let out = &mut outcomes[v];
            out.acc.merge(&acc);
            if plan.keep_block_sums {
                out.block_sums
                    .push((b, acc.targets.iter().map(|t| t.sum).collect()));
            }
            out.observer.merge(obs);
            done += acc.paths;
        }
        progress.advance(done, total);
    }
}
