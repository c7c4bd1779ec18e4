//! Binary glue for precision-goal runs, sharded runs and `attain merge`.

use std::path::{Path, PathBuf};

use attain::engine::{Progress, RunConfig, Shard, simulate_to_precision};
use attain::error::{Error, Result};
use attain::report::PrecisionInfo;
use attain::{Model, Report, Scenario, scenario, shard};

/// The scenario's text and origin (the embedded one when no path is given).
pub fn scenario_text(path: Option<&Path>) -> Result<(String, String)> {
    match path {
        None => Ok((
            scenario::EMBEDDED_JILIN_2022.to_string(),
            "<embedded jilin-2022.toml>".to_string(),
        )),
        Some(p) => {
            let origin = p.display().to_string();
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::argument("SCENARIO", format!("cannot read {origin}: {e}")))?;
            Ok((text, origin))
        }
    }
}

/// Run until every target's 95% half-width is at most `precision`.
pub fn run_precision(
    scenario: &Scenario,
    origin: &str,
    seed: u64,
    precision: f64,
    max_paths: u64,
    progress: &dyn Progress,
) -> Result<Report> {
    let (model, warnings) = Model::compile(scenario, origin)?;
    let start = std::time::Instant::now();
    let (acc, outcome) = simulate_to_precision(&model, seed, precision, max_paths, progress)?;
    let config = RunConfig {
        paths: acc.paths,
        seed,
    };
    let mut report = Report::build(
        &model,
        &acc,
        &config,
        start.elapsed().as_secs_f64(),
        rayon::current_num_threads(),
        warnings,
    );
    report.run.precision = Some(PrecisionInfo {
        goal: outcome.precision,
        achieved: outcome.achieved,
        reached: outcome.reached,
        max_paths,
    });
    Ok(report)
}

/// Simulate one shard and return its partial summary as JSON bytes.
pub fn run_shard(
    text: &str,
    origin: &str,
    config: &RunConfig,
    spec: &str,
    progress: &dyn Progress,
) -> Result<Vec<u8>> {
    let shard_spec = parse_shard(spec)?;
    let scenario = scenario::load(text, origin)?;
    let (model, _) = Model::compile(&scenario, origin)?;
    let start = std::time::Instant::now();
    let result = shard::simulate_shard(&model, config, shard_spec, progress)?;
    let part = shard::partial(
        text,
        origin,
        config,
        shard_spec,
        start.elapsed().as_secs_f64(),
        result,
    );
    let mut bytes = serde_json::to_vec(&part)
        .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Read partial files and merge them.
pub fn merge(paths: &[PathBuf]) -> Result<Report> {
    let mut parts = Vec::with_capacity(paths.len());
    for p in paths {
        let name = p.display().to_string();
        let text = std::fs::read_to_string(p)
            .map_err(|e| Error::argument("PARTS", format!("cannot read {name}: {e}")))?;
        let part: shard::Partial = serde_json::from_str(&text).map_err(|e| {
            Error::argument(
                "PARTS",
                format!(
                    "{name}: not a valid attain partial (line {}: {e})",
                    e.line()
                ),
            )
        })?;
        parts.push((name, part));
    }
    shard::merge(parts)
}

/// Parse `K/N` (K counts from 0, as Kubernetes' JOB_COMPLETION_INDEX does).
fn parse_shard(text: &str) -> Result<Shard> {
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
