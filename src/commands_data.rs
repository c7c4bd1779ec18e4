//! Binary glue for the data commands: `calibrate` (history -> TOML fragment) and `backtest`
//! (scenarios + realized outcomes -> scores). Reads files, calls the library, writes outputs.

use std::path::Path;

use attain::engine::{DEFAULT_PATHS, DEFAULT_SEED, NoProgress, RunConfig};
use attain::error::{Error, Result};
use attain::{Model, backtest, calibrate};

use crate::app::{load, pool, stdout, write_atomic};
use crate::cli::{BacktestFormatArg, Command};

/// Read a text file; a failure is bad input (exit code 2) naming the argument.
fn read(path: &Path, arg: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::argument(arg, format!("cannot read {}: {e}", path.display())))
}

/// `attain calibrate`.
pub(crate) fn calibrate(cmd: Command) -> Result<()> {
    let Command::Calibrate {
        history,
        from,
        to,
        out,
        quiet,
    } = cmd
    else {
        return Err(Error::Internal(
            "calibrate called with another command".into(),
        ));
    };
    let text = read(&history, "HISTORY")?;
    let options = calibrate::Options {
        from,
        to,
        origin: history.display().to_string(),
    };
    let cal = calibrate::calibrate(&text, &options)?;
    let fragment = cal.fragment();
    match out {
        Some(path) => {
            write_atomic(&path, fragment.as_bytes())?;
            if !quiet {
                let usable = cal.series.iter().filter(|s| s.usable()).count();
                eprintln!(
                    "wrote {}: {} series, {} with estimates, {} in the correlation block",
                    path.display(),
                    cal.series.len(),
                    usable,
                    cal.correlation.as_ref().map_or(0, |c| c.ids.len())
                );
            }
            Ok(())
        }
        None => stdout(fragment.as_bytes()),
    }
}

/// `attain backtest`.
pub(crate) fn backtest(cmd: Command) -> Result<()> {
    let Command::Backtest {
        scenarios,
        outcomes,
        paths,
        seed,
        threads,
        format,
    } = cmd
    else {
        return Err(Error::Internal(
            "backtest called with another command".into(),
        ));
    };
    let config = RunConfig {
        paths: paths.unwrap_or(DEFAULT_PATHS),
        seed: seed.unwrap_or(DEFAULT_SEED),
    };
    if config.paths == 0 {
        return Err(Error::argument("--paths", "must be at least 1"));
    }
    let outcomes_text = read(&outcomes, "--outcomes")?;
    let outcomes = backtest::parse_outcomes(&outcomes_text, &outcomes.display().to_string())?;
    let pool = pool(threads)?;
    let mut models = Vec::with_capacity(scenarios.len());
    let mut origins = Vec::with_capacity(scenarios.len());
    for path in &scenarios {
        let (scenario, origin) = load(Some(path))?;
        models.push(Model::compile(&scenario, &origin)?.0);
        origins.push(origin);
    }
    // Every year's scenario in one call of the runner (same seed and paths).
    let refs: Vec<&Model> = models.iter().collect();
    let accs = pool.install(|| attain::engine::simulate_variants(&refs, &config, &NoProgress))?;
    let mut forecasts = vec![];
    for ((model, acc), origin) in models.iter().zip(&accs).zip(&origins) {
        forecasts.extend(backtest::forecasts(model, acc, origin));
    }
    let mut result = backtest::backtest(&forecasts, &outcomes)?;
    result.seed = Some(config.seed);
    let text = match format {
        BacktestFormatArg::Table => result.to_table(),
        BacktestFormatArg::Json => result.to_json()?,
    };
    stdout(text.as_bytes())
}
