//! Shared helpers for the two integration-test binaries (`tests/library`
//! and `tests/cli`), which include this file as their `common` module.
#![allow(dead_code, unused_macros)]

use std::path::PathBuf;

use attain::engine::{NoProgress, RunConfig, simulate};
use attain::model::step::{NoObserver, simulate_paths};
use attain::stats::Accumulator;
use attain::{Model, scenario};

/// The repository root, where `scenarios/`, `docs/` and `tests/fixtures/`
/// are. Every path to a repository file in the tests is computed from this
/// one line: if a test binary moves into another crate of a workspace (say
/// `crates/cli/`), only this changes (to
/// `concat!(env!("CARGO_MANIFEST_DIR"), "/../..")`).
macro_rules! repo_root {
    () => {
        env!("CARGO_MANIFEST_DIR")
    };
}

/// The text of a repository file at compile time, like `include_str!` but
/// relative to [`repo_root!`] rather than to the test file.
macro_rules! repo_file {
    ($rel:literal) => {
        include_str!(concat!(repo_root!(), "/", $rel))
    };
}

/// Absolute path of a repository file (`rel` relative to [`repo_root!`]).
pub fn repo(rel: &str) -> PathBuf {
    let root = PathBuf::from(repo_root!());
    if rel.is_empty() { root } else { root.join(rel) }
}

/// [`repo`] as a `String`, for command arguments and `format!`.
pub fn repo_str(rel: &str) -> String {
    repo(rel).to_str().expect("UTF-8 path").to_owned()
}

/// Path of a test fixture (`tests/fixtures/NAME`) as a `String`.
pub fn fixture(name: &str) -> String {
    repo_str(&format!("tests/fixtures/{name}"))
}

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
    let mut out = Vec::with_capacity(n);
    simulate_paths::<8, _>(model, seed, 0..n as u64, &mut NoObserver, |_, p, _| {
        out.push(p.values[0])
    });
    out
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

/// `attain ARGS` (the built binary): asserts success, with its stderr in the
/// failure message, and parses its stdout as JSON.
pub fn cli_json(args: &[&str]) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("attain")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
