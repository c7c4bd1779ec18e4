//! Shared helpers for the two integration-test binaries (`tests/library`
//! and `tests/cli`), which include this file as their `common` module.
#![allow(dead_code, unused_macros)]

use std::path::PathBuf;

use attain::engine::{NoProgress, RunConfig, path_rngs, simulate};
use attain::model::step::{PathRngs, PathState};
use attain::stats::Accumulator;
use attain::{Model, scenario};
use rand_xoshiro::Xoshiro256PlusPlus;

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

/// The generators of paths 0, 1, 2, ... of a run seeded with `seed`, one
/// path's pair per [`PathSeq::next_path`] (for tests that call
/// `simulate_path` themselves: the paths are those of the engine's run).
pub struct PathSeq {
    seed: u64,
    next: u64,
}

impl PathSeq {
    /// Starting at path 0.
    pub fn new(seed: u64) -> Self {
        PathSeq { seed, next: 0 }
    }

    /// The next path's two generators.
    pub fn next_path(&mut self) -> PathRngs<Xoshiro256PlusPlus> {
        self.next += 1;
        path_rngs(self.seed, self.next - 1)
    }
}

/// Indicator values of target 0 on `n` paths (for moment tests).
pub fn target_values(model: &Model, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = PathSeq::new(seed);
    let mut st = PathState::new(model);
    let nt = model.targets.len();
    let mut v = vec![0.0; nt];
    let mut j = vec![0.0; nt];
    (0..n)
        .map(|_| {
            model.simulate_path(&mut st, &mut rng.next_path(), &mut v, &mut j);
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
