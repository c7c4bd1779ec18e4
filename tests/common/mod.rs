//! Shared helpers for integration tests.
#![allow(dead_code)]

use attain::engine::{NoProgress, RunConfig, block_rng, simulate};
use attain::model::step::PathState;
use attain::stats::Accumulator;
use attain::{Model, scenario};

/// Compile scenario text (panics with the problems when invalid: test input is ours).
pub fn model(text: &str) -> Model {
    let s = scenario::load(text, "test").unwrap_or_else(|e| panic!("{e}"));
    Model::compile(&s, "test")
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

/// Run the engine.
pub fn run(model: &Model, paths: u64, seed: u64) -> Accumulator {
    simulate(model, &RunConfig { paths, seed }, &NoProgress).unwrap()
}

/// Indicator values of target 0 on `n` paths (for moment tests).
pub fn target_values(model: &Model, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = block_rng(seed, 0);
    let mut st = PathState::new(model);
    let nt = model.targets.len();
    let mut v = vec![0.0; nt];
    let mut j = vec![0.0; nt];
    (0..n)
        .map(|_| {
            model.simulate_path(&mut st, &mut rng, &mut v, &mut j);
            v[0]
        })
        .collect()
}

/// Standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    // Numerical Recipes erfc via Chebyshev fit, fractional error < 1.2e-7,
    // far below the Monte Carlo tolerances used here.
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Header shared by the synthetic scenarios.
pub fn header(horizon: u32) -> String {
    format!(
        "[scenario]\nname = \"test\"\nregion = \"Testland\"\nbase_year = 2021\nhorizon = {horizon}\n\n"
    )
}
