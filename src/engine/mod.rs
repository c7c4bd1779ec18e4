//! The parallel Monte Carlo engine: fixed-size blocks, each with its own
//! seeded generator, run under rayon and merged in block order.
//!
//! Reproducibility: block `b` always simulates the same paths with the same
//! random numbers (its generator is seeded from the run seed and `b` alone),
//! and block results are merged in index order, so the summaries are
//! bit-identical for any thread count. Memory does not grow with the number
//! of paths: blocks are run in waves and folded into one accumulator.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::step::PathState;
use crate::stats::Accumulator;

/// Paths per block. Changing it changes which random numbers each path gets,
/// so it is fixed (and recorded in reports).
pub const BLOCK_SIZE: u64 = 4096;

/// Default path count: 2^16. Every 95% Wilson interval is then narrower than
/// 0.8 percentage points (one point needs 38,415 paths at p = 1/2).
pub const DEFAULT_PATHS: u64 = 65_536;

/// Default seed, so that two runs of the same command agree.
pub const DEFAULT_SEED: u64 = 20220124;

/// Name of the generator, recorded in reports.
pub const RNG_NAME: &str = "Xoshiro256PlusPlus (rand_xoshiro), SplitMix64-seeded per block";

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

/// Receives progress from the engine; the default does nothing. Implementations
/// must be cheap: they are called once per wave of blocks.
pub trait Progress: Sync {
    /// `done` of `total` paths are finished.
    fn advance(&self, _done: u64, _total: u64) {}
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// SplitMix64 finalizer: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// The generator for block `block` of a run seeded with `seed`.
pub fn block_rng(seed: u64, block: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ mix(block.wrapping_add(0x9e3779b97f4a7c15))))
}

/// Simulate the paths of one block.
pub fn run_block(model: &Model, seed: u64, block: u64, paths: u64) -> Accumulator {
    let mut rng = block_rng(seed, block);
    let mut state = PathState::new(model);
    let nt = model.targets.len();
    let mut values = vec![f64::NAN; nt];
    let mut judged = vec![f64::NAN; nt];
    let mut acc = Accumulator::new(model);
    for _ in 0..paths {
        model.simulate_path(&mut state, &mut rng, &mut values, &mut judged);
        acc.record(model, &values, &judged, &state.first_year);
    }
    acc
}

/// Per-block sums of each target's values, kept by sharded runs so that a
/// merge can add them in block order and reproduce a single run's means bit
/// for bit (floating-point addition is not associative).
pub type BlockSums = Vec<(u64, Vec<f64>)>;

/// Run `work(block, paths_in_block)` for the given blocks (ascending) in
/// waves on the current rayon pool and hand each result to `fold` in block
/// order, so that whatever `fold` does is identical for any thread count.
/// `paths` is the run's total path count (it sizes the last, possibly
/// partial, block). `after_wave` runs after each wave (progress).
pub fn for_blocks_in_order<T: Send>(
    paths: u64,
    blocks: &[u64],
    work: impl Fn(u64, u64) -> T + Sync,
    mut fold: impl FnMut(u64, T),
    mut after_wave: impl FnMut(),
) {
    let paths_in = |b: u64| BLOCK_SIZE.min(paths - b * BLOCK_SIZE);
    // A wave keeps every thread busy while bounding memory to a few blocks each.
    let wave = (4 * rayon::current_num_threads()).max(1);
    for chunk in blocks.chunks(wave) {
        let parts: Vec<T> = chunk.par_iter().map(|&b| work(b, paths_in(b))).collect();
        for (p, &b) in parts.into_iter().zip(chunk) {
            fold(b, p);
        }
        after_wave();
    }
}

/// Run the given blocks (ascending) and fold them into `total` in block order.
#[allow(clippy::too_many_arguments)]
fn run_blocks(
    model: &Model,
    seed: u64,
    paths: u64,
    blocks: &[u64],
    total: &mut Accumulator,
    mut block_sums: Option<&mut BlockSums>,
    progress: &dyn Progress,
    progress_total: u64,
) {
    let done = std::cell::Cell::new(total.paths);
    for_blocks_in_order(
        paths,
        blocks,
        |b, n| run_block(model, seed, b, n),
        |b, p| {
            total.merge(&p);
            done.set(total.paths);
            if let Some(sums) = block_sums.as_deref_mut() {
                sums.push((b, p.targets.iter().map(|t| t.sum).collect()));
            }
        },
        || progress.advance(done.get(), progress_total),
    );
}

/// Run the simulation on the current rayon pool.
///
/// # Errors
/// `Argument` for zero paths; `Model` when some target's value was NaN or
/// infinite on some path (the scenario drives a quantity out of its domain).
pub fn simulate(model: &Model, config: &RunConfig, progress: &dyn Progress) -> Result<Accumulator> {
    if config.paths == 0 {
        return Err(Error::argument("--paths", "must be at least 1"));
    }
    let blocks: Vec<u64> = (0..config.paths.div_ceil(BLOCK_SIZE)).collect();
    let mut total = Accumulator::new(model);
    run_blocks(
        model,
        config.seed,
        config.paths,
        &blocks,
        &mut total,
        None,
        progress,
        config.paths,
    );
    check_domain(model, &total)?;
    Ok(total)
}

/// One shard of a run: shard `index` of `count` simulates blocks
/// `b` with `b % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parse `K/N` (K counts from 0, as Kubernetes' JOB_COMPLETION_INDEX does).
    ///
    /// # Errors
    /// `Argument` naming `--shard` when malformed or K >= N.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = |why: &str| {
            Error::argument(
                "--shard",
                format!("{why} (got {text:?}; expected K/N with 0 <= K < N, e.g. 0/8)"),
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(|| bad("missing '/'"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| bad("K is not a whole number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| bad("N is not a whole number"))?;
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index >= count {
            return Err(bad("K must be below N"));
        }
        Ok(Shard { index, count })
    }
}

/// Simulate one shard's blocks. Returns its accumulator and per-block sums
/// (see [`BlockSums`]).
///
/// # Errors
/// As [`simulate`].
pub fn simulate_shard(
    model: &Model,
    config: &RunConfig,
    shard: Shard,
    progress: &dyn Progress,
) -> Result<(Accumulator, BlockSums)> {
    if config.paths == 0 {
        return Err(Error::argument("--paths", "must be at least 1"));
    }
    let blocks: Vec<u64> = (0..config.paths.div_ceil(BLOCK_SIZE))
        .filter(|b| b % shard.count == shard.index)
        .collect();
    let mut total = Accumulator::new(model);
    let mut sums = vec![];
    let shard_paths = blocks
        .iter()
        .map(|&b| BLOCK_SIZE.min(config.paths - b * BLOCK_SIZE))
        .sum();
    run_blocks(
        model,
        config.seed,
        config.paths,
        &blocks,
        &mut total,
        Some(&mut sums),
        progress,
        shard_paths,
    );
    check_domain(model, &total)?;
    Ok((total, sums))
}

/// Merge shard results into the accumulator a single run would have given:
/// counts and histograms add exactly; each target's sum is re-added block by
/// block in block order, as [`simulate`] does.
pub fn merge_shards(model: &Model, parts: &[(Accumulator, BlockSums)]) -> Accumulator {
    let mut total = Accumulator::new(model);
    for (acc, _) in parts {
        total.merge(acc);
    }
    let mut blocks: Vec<&(u64, Vec<f64>)> = parts.iter().flat_map(|(_, s)| s.iter()).collect();
    blocks.sort_by_key(|(b, _)| *b);
    for t in total.targets.iter_mut() {
        t.sum = 0.0;
    }
    for (_, sums) in blocks {
        for (t, s) in total.targets.iter_mut().zip(sums) {
            t.sum += s;
        }
    }
    total
}

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
/// blocks, and depends only on the merged counts, so the result (and the
/// number of paths used) is identical for any thread count.
///
/// # Errors
/// `Argument` for a precision that is not in (0, 0.5] or a zero cap; as [`simulate`].
pub fn simulate_to_precision(
    model: &Model,
    seed: u64,
    precision: f64,
    max_paths: u64,
    progress: &dyn Progress,
) -> Result<(Accumulator, PrecisionOutcome)> {
    if !(precision > 0.0 && precision <= 0.5) {
        return Err(Error::argument(
            "--precision",
            format!("must be in (0, 0.5], got {precision}"),
        ));
    }
    if max_paths == 0 {
        return Err(Error::argument("--max-paths", "must be at least 1"));
    }
    let cap_blocks = max_paths.div_ceil(BLOCK_SIZE);
    let mut total = Accumulator::new(model);
    let mut done = 0u64;
    let mut checkpoint = 1u64;
    loop {
        let end = checkpoint.min(cap_blocks);
        let blocks: Vec<u64> = (done..end).collect();
        run_blocks(
            model, seed, max_paths, &blocks, &mut total, None, progress, max_paths,
        );
        done = end;
        let achieved = max_half_width(&total);
        if achieved <= precision || done == cap_blocks {
            check_domain(model, &total)?;
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

/// Turn non-finite target values into an error that names them.
fn check_domain(model: &Model, acc: &Accumulator) -> Result<()> {
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
