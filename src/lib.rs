//! # attain
//!
//! How likely is each target of a government work report to be met, what
//! drives the risk, and what would it take?
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! scenario.toml --scenario::parse--> RawScenario --scenario::load--> Scenario
//!   --Model::compile--> Model --engine::simulate (rayon, seeded blocks)--> Accumulator
//!   --Report::build--> Report --Report::render--> table | JSON | CSV
//! ```
//!
//! Only the first three steps can fail on user input; the engine is pure and
//! deterministic for a seed, whatever the number of threads.
//!
//! ```
//! let scenario = attain::scenario::embedded().unwrap();
//! let (model, _warnings) = attain::Model::compile(&scenario, "jilin").unwrap();
//! let config = attain::engine::RunConfig { paths: 2_000, seed: 1 };
//! let acc = attain::engine::simulate(&model, &config, &attain::engine::NoProgress).unwrap();
//! let report = attain::Report::build(&model, &acc, &config, 0.0, 1, vec![]);
//! assert!(report.targets.iter().any(|t| t.id == "gdp_growth"));
//! ```

pub mod backtest;
pub mod bench;
pub mod calibrate;
pub mod charts;
pub mod engine;
pub mod error;
pub mod explain;
pub mod fan;
pub mod model;
pub mod report;
pub mod sample;
pub mod scenario;
pub mod shard;
pub mod stats;
pub mod study;

pub use error::{Error, Result};
pub use model::Model;
pub use report::{Format, Report};
pub use scenario::Scenario;

/// A finished run of one scenario: the compiled model, the accumulated
/// outcomes, the report, and the fans when they were asked for.
#[derive(Debug)]
pub struct RunOutput {
    /// The compiled model.
    pub model: Model,
    /// What the paths gave.
    pub acc: stats::Accumulator,
    /// The report of the run (as `attain run` prints it).
    pub report: Report,
    /// One fan per target indicator (in indicator order), when asked for.
    pub fans: Vec<fan::IndicatorFan>,
}

/// Compile and simulate a validated scenario on the current rayon pool, once,
/// through the one runner; with `with_fans`, the quarterly fans of every
/// target's indicator are observed along the same paths.
///
/// # Errors
/// Compilation problems and model-domain errors (see [`engine::simulate`]).
pub fn simulate(
    scenario: &Scenario,
    origin: &str,
    config: &engine::RunConfig,
    with_fans: bool,
    progress: &dyn engine::Progress,
) -> Result<RunOutput> {
    let (model, warnings) = Model::compile(scenario, origin)?;
    let start = std::time::Instant::now();
    if config.paths == 0 {
        return Err(Error::argument("paths", "must be at least 1"));
    }
    // With assumptions, a second variant draws the same numbers but keeps
    // every assumption at its central value: the split of each target's
    // spread between assumptions and shocks (common random numbers).
    let fixed = (!model.assumptions.is_empty()).then(|| {
        let mut m = model.clone();
        m.assumptions = m.assumptions.fixed();
        // Read only for its probabilities, margins and domain check.
        m.recording = stats::Recording::Probabilities;
        m
    });
    let mut variants = vec![&model];
    variants.extend(fixed.as_ref());
    let plan = engine::Plan::full(config);
    let (acc, fixed_acc, fans) = if with_fans {
        let mut indicators: Vec<usize> = model.targets.iter().map(|t| t.indicator).collect();
        indicators.sort_unstable();
        indicators.dedup();
        let template = fan::FanObserver::new(&model, &indicators)?;
        let mut outcomes = engine::run(&variants, &plan, &|_| template.fresh(), progress);
        engine::check_domain(&model, &outcomes[0].acc)?;
        let fixed_acc = (outcomes.len() > 1)
            .then(|| outcomes.pop().map(|o| o.acc))
            .flatten();
        let main = outcomes.swap_remove(0);
        (main.acc, fixed_acc, fan::fans(&main.observer)?)
    } else {
        let mut outcomes = engine::run(&variants, &plan, &|_| model::step::NoObserver, progress);
        engine::check_domain(&model, &outcomes[0].acc)?;
        let fixed_acc = (outcomes.len() > 1)
            .then(|| outcomes.pop().map(|o| o.acc))
            .flatten();
        (outcomes.swap_remove(0).acc, fixed_acc, vec![])
    };
    if let (Some(f), Some(fa)) = (&fixed, &fixed_acc) {
        engine::check_domain(f, fa)?;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut report = Report::build(
        &model,
        &acc,
        config,
        elapsed,
        rayon::current_num_threads(),
        warnings,
    );
    if let Some(fa) = &fixed_acc {
        report.add_assumption_split(&acc, fa);
    }
    Ok(RunOutput {
        model,
        acc,
        report,
        fans,
    })
}

/// Compile and simulate a validated scenario on the current rayon pool and
/// build its report.
///
/// # Errors
/// Compilation problems and model-domain errors (see [`engine::simulate`]).
pub fn run(
    scenario: &Scenario,
    origin: &str,
    config: &engine::RunConfig,
    progress: &dyn engine::Progress,
) -> Result<Report> {
    Ok(simulate(scenario, origin, config, false, progress)?.report)
}
