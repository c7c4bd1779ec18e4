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
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Header shared by the synthetic scenarios.
pub fn header(horizon: u32) -> String {
    format!(
        "[scenario]\nname = \"test\"\nregion = \"Testland\"\nbase_year = 2021\nhorizon = {horizon}\n\n"
    )
}
