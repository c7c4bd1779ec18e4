//! `attain bench`: time the engine against the random-number floor.
//!
//! The floor is what one path cannot beat: drawing its random variates. It is
//! measured in the same process with the same generator (Xoshiro256++ and
//! rand_distr's ziggurat `StandardNormal`), so the ratio cancels the machine.

use std::hint::black_box;
use std::time::Instant;

use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use crate::engine::{NoProgress, RunConfig, Stream, path_rng, simulate};
use crate::error::Result;
use crate::model::Model;

/// Timed repetitions after the warm-up; the median is reported.
pub const REPETITIONS: usize = 5;

/// Results of a benchmark run. JSON keys are a contract (see docs/PERFORMANCE.md).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BenchResult {
    /// Scenario name.
    pub scenario: String,
    /// Paths per timed repetition.
    pub paths: u64,
    /// Worker threads.
    pub threads: usize,
    /// Timed repetitions (median reported).
    pub repetitions: usize,
    /// Median wall-clock seconds of one repetition.
    pub median_s: f64,
    /// Every repetition's seconds.
    pub samples_s: Vec<f64>,
    /// Paths per second (wall clock, all threads).
    pub paths_per_s: f64,
    /// Wall-clock nanoseconds per path.
    pub ns_per_path: f64,
    /// Random variates one path consumes.
    pub draws_per_path: u64,
    /// Nanoseconds per standard normal draw on one thread (the floor).
    pub floor_ns_per_draw: f64,
    /// CPU nanoseconds per path (wall x threads) over draws_per_path x floor.
    /// On one thread this is the engine's cost relative to drawing its numbers.
    pub floor_ratio: f64,
    /// Peak resident memory of the process, from the OS (filled in by the caller).
    pub peak_rss_bytes: Option<u64>,
    /// The path kernel the engine chose at run time (`x86-64 AVX2`,
    /// `x86-64 baseline (SSE2)` or `portable`; `ATTAIN_KERNEL=baseline`
    /// forces the baseline).
    pub kernel: String,
}

/// Nanoseconds per standard normal draw with the engine's generator.
pub fn floor_ns_per_draw(draws: u64) -> f64 {
    let mut rng = path_rng(1, 0, Stream::Sectors);
    let mut sum = 0.0f64;
    // Warm up caches and the branch predictor on the ziggurat tables.
    for _ in 0..100_000 {
        let z: f64 = StandardNormal.sample(&mut rng);
        sum += z;
    }
    let start = Instant::now();
    for _ in 0..draws {
        let z: f64 = StandardNormal.sample(&mut rng);
        sum += z;
    }
    let elapsed = start.elapsed().as_secs_f64();
    black_box(sum);
    elapsed * 1e9 / draws as f64
}

/// Benchmark `model` on the current rayon pool: one warm-up, then
/// [`REPETITIONS`] timed runs of `paths` paths.
///
/// # Errors
/// Whatever the engine reports (zero paths, model-domain errors).
pub fn bench(model: &Model, paths: u64, seed: u64) -> Result<BenchResult> {
    let threads = rayon::current_num_threads();
    let config = RunConfig { paths, seed };
    simulate(
        model,
        &RunConfig {
            paths: paths.min(65_536),
            seed,
        },
        &NoProgress,
    )?;
    let mut samples = Vec::with_capacity(REPETITIONS);
    for _ in 0..REPETITIONS {
        let start = Instant::now();
        black_box(simulate(model, &config, &NoProgress)?);
        samples.push(start.elapsed().as_secs_f64());
    }
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[REPETITIONS / 2];
    let floor = floor_ns_per_draw(20_000_000);
    let draws = model.draws_per_path();
    let ns_per_path = median * 1e9 / paths as f64;
    Ok(BenchResult {
        scenario: model.meta.name.clone(),
        paths,
        threads,
        repetitions: REPETITIONS,
        median_s: median,
        samples_s: samples,
        paths_per_s: paths as f64 / median,
        ns_per_path,
        draws_per_path: draws,
        floor_ns_per_draw: floor,
        floor_ratio: ns_per_path * threads as f64 / (draws as f64 * floor),
        peak_rss_bytes: None,
        kernel: crate::model::step::KernelKind::chosen().name().to_string(),
    })
}
