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
use crate::sample;

/// Timed repetitions after the warm-up; the median is reported.
pub const REPETITIONS: usize = 5;

/// Standard normal draws timed for the floor in all (split evenly between the
/// repetitions), and calls timed for each own sampler.
pub const FLOOR_DRAWS: u64 = 20_000_000;

/// The median of `xs` (not empty); the upper middle one for an even count.
fn median_of(xs: &[f64]) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

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
    /// Nanoseconds per standard normal draw on one thread (the floor): the
    /// median of `floor_samples_ns_per_draw`.
    pub floor_ns_per_draw: f64,
    /// The floor timed after each repetition, in order.
    pub floor_samples_ns_per_draw: Vec<f64>,
    /// CPU nanoseconds per path (wall x threads) over draws_per_path x floor.
    /// On one thread this is the engine's cost relative to drawing its numbers.
    pub floor_ratio: f64,
    /// Nanoseconds per call of the build's own samplers and functions ([`crate::sample`]),
    /// on one thread, measured like the floor.
    pub own_ns_per_draw: OwnCosts,
    /// Peak resident memory of the process, from the OS (filled in by the caller).
    pub peak_rss_bytes: Option<u64>,
    /// The path kernel the engine chose at run time (`x86-64 AVX2`,
    /// `x86-64 baseline (SSE2)` or `portable`; `ATTAIN_KERNEL=baseline`
    /// forces the baseline).
    pub kernel: String,
}

/// Nanoseconds per call of each of [`crate::sample`]'s samplers and functions: the engine's
/// generator, 100,000 warm-up calls, then the timed ones, each result added to a sum (as the
/// floor is measured).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct OwnCosts {
    /// [`sample::normal`] (the floor's algorithm with own `exp`/`ln`).
    pub normal: f64,
    /// [`sample::ChiSquared::sample`] with [`CHI_SQUARED_DF`] degrees of freedom.
    pub chi_squared: f64,
    /// [`sample::uniform`].
    pub uniform: f64,
    /// [`sample::exp`] on arguments stepping through [-8, 8) (the range of the model's log
    /// levels and of the ziggurat's wedges).
    pub exp: f64,
    /// [`sample::ln`] on arguments stepping through [2^-7, 2^7).
    pub ln: f64,
    /// [`sample::Binomial::new`] and one draw, as a count indicator takes them each year:
    /// [`BINOMIAL_TRIALS`] trials, `p` stepping through [0.001, 0.05) (inversion, the method of
    /// the shipped scenario's counts).
    pub binomial: f64,
    /// The same with `p` stepping through [0.3, 0.7) (BTPE).
    pub binomial_btpe: f64,
}

/// Trials of the timed binomials (those of the shipped scenario's larger count).
pub const BINOMIAL_TRIALS: u64 = 108;

/// Degrees of freedom of the timed chi-square (those of the shipped scenario's Student-t
/// shock group and its indicator noise).
pub const CHI_SQUARED_DF: f64 = 5.0;

/// Warm-up calls before each timed measurement.
const WARM_UP: u64 = 100_000;

/// Nanoseconds per call of `f` over `calls` calls after [`WARM_UP`] untimed ones.
fn ns_per_call(calls: u64, mut f: impl FnMut(u64) -> f64) -> f64 {
    let mut sum = 0.0f64;
    for j in 0..WARM_UP {
        sum += f(j);
    }
    let start = Instant::now();
    for j in 0..calls {
        sum += f(j);
    }
    let elapsed = start.elapsed().as_secs_f64();
    black_box(sum);
    elapsed * 1e9 / calls as f64
}

/// Nanoseconds per call of each own sampler and function, `calls` timed calls each.
pub fn own_ns_per_draw(calls: u64) -> OwnCosts {
    let mut rng = path_rng(1, 0, Stream::Sectors);
    let normal = ns_per_call(calls, |_| sample::normal(&mut rng));
    let chi = sample::ChiSquared::new(CHI_SQUARED_DF).expect("df > 2");
    let chi_squared = ns_per_call(calls, |_| chi.sample(&mut rng));
    let uniform = ns_per_call(calls, |_| sample::uniform(&mut rng));
    // Arguments from the call index: 2^20 points per sweep, one conversion and one multiply.
    const SWEEP: u64 = 1 << 20;
    let exp = ns_per_call(calls, |j| {
        sample::exp(-8.0 + black_box(16.0 / SWEEP as f64) * (j % SWEEP) as f64)
    });
    let ln = ns_per_call(calls, |j| {
        let t = (j % SWEEP) as f64 * black_box(1.0 / SWEEP as f64);
        sample::ln(0.0078125 + 127.9921875 * t)
    });
    let mut binomial_at = |lo: f64, width: f64| {
        ns_per_call(calls, |j| {
            let p = lo + (j % SWEEP) as f64 * black_box(width / SWEEP as f64);
            match sample::Binomial::new(BINOMIAL_TRIALS, p) {
                Ok(d) => d.sample(&mut rng) as f64,
                Err(_) => f64::NAN,
            }
        })
    };
    let binomial = binomial_at(0.001, 0.049);
    let binomial_btpe = binomial_at(0.3, 0.4);
    OwnCosts {
        normal,
        chi_squared,
        uniform,
        exp,
        ln,
        binomial,
        binomial_btpe,
    }
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
    // The floor is timed after each repetition, so that the engine and the
    // floor it is divided by see the same load on a shared machine (a floor
    // timed once, at the end, moved the ratio as much as the load did).
    let mut samples = Vec::with_capacity(REPETITIONS);
    let mut floor_samples = Vec::with_capacity(REPETITIONS);
    for _ in 0..REPETITIONS {
        let start = Instant::now();
        black_box(simulate(model, &config, &NoProgress)?);
        samples.push(start.elapsed().as_secs_f64());
        floor_samples.push(floor_ns_per_draw(FLOOR_DRAWS / REPETITIONS as u64));
    }
    let median = median_of(&samples);
    let floor = median_of(&floor_samples);
    let own = own_ns_per_draw(FLOOR_DRAWS);
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
        floor_samples_ns_per_draw: floor_samples,
        floor_ratio: ns_per_path * threads as f64 / (draws as f64 * floor),
        own_ns_per_draw: own,
        peak_rss_bytes: None,
        kernel: crate::model::step::KernelKind::chosen().name().to_string(),
    })
}
