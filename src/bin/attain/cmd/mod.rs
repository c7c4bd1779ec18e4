//! One module per subcommand, each with its flags (`Args`) and its `run`;
//! here, what they share: reading a scenario and building the thread pool.
//! Commands do the I/O; the library computes.

use std::path::Path;

use attain::error::{Error, Result};
use attain::{Scenario, scenario};

use crate::cli::{Cli, Command};

pub mod backtest;
pub mod bench;
pub mod calibrate;
pub mod completions;
pub mod explain;
pub mod journal;
pub mod man;
pub mod merge;
pub mod params;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod solve;
pub mod sweep;
pub mod validate;

/// Run the command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Params(a) => params::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Solve(a) => solve::run(a),
        Command::Sensitivity(a) => sensitivity::run(a),
        Command::Report(a) => report::run(a),
        Command::Calibrate(a) => calibrate::run(a),
        Command::Backtest(a) => backtest::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
    }
}

/// The name the embedded scenario goes by in messages.
pub const EMBEDDED: &str = "<embedded jilin-2022.toml>";

/// A scenario file's text, or the embedded scenario's; with its origin.
pub fn scenario_text(path: Option<&Path>) -> Result<(String, String)> {
    match path {
        None => Ok((
            scenario::EMBEDDED_JILIN_2022.to_string(),
            EMBEDDED.to_string(),
        )),
        Some(p) => {
            let origin = p.display().to_string();
            let text = crate::output::read_text(p, "SCENARIO")?;
            Ok((text, origin))
        }
    }
}

/// Read and validate a scenario, or the embedded one.
pub fn load(path: Option<&Path>) -> Result<(Scenario, String)> {
    match path {
        None => Ok((scenario::embedded()?, EMBEDDED.to_string())),
        Some(p) => {
            let (text, origin) = scenario_text(Some(p))?;
            Ok((scenario::load(&text, &origin)?, origin))
        }
    }
}

/// The worker threads (`--threads`, already checked to be at least 1; all
/// cores without it).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start worker threads: {e}")))
}
