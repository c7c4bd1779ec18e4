//! `attain solve`: the value of one lever at which a target's probability
//! of attainment reaches a given level (a goal seek).

use std::path::PathBuf;

use attain::engine::DEFAULT_PATHS;
use attain::error::Result;
use attain::study;

use crate::cli::{OutArgs, RunArgs, SolveFormatArg};
use crate::output::{emit, refuse_inputs};
use crate::parse::{self, Vary};
use crate::progress::Bar;

#[derive(Debug, clap::Args)]
#[command(mut_args(crate::cli::helps(&[
        ("paths", "Paths per evaluation [default: 65536]"),
        ("seed", "Seed, the same at every evaluation [default: 20220124]"),
    ])))]
pub struct Args {
    /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
    scenario: Option<PathBuf>,
    /// The lever and its search range, PATH=LOW:HIGH.
    #[arg(long, value_name = "PATH=LOW:HIGH", value_parser = parse::vary)]
    vary: Vary,
    /// Target id.
    #[arg(long, value_name = "ID")]
    target: String,
    /// Probability of attainment to reach, in [0, 1].
    #[arg(long, value_name = "P", value_parser = parse::probability)]
    probability: f64,
    #[command(flatten)]
    run: RunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SolveFormatArg::Table)]
    format: SolveFormatArg,
    #[command(flatten)]
    output: OutArgs,
}

/// `attain solve`.
pub fn run(args: Args) -> Result<()> {
    let config = args.run.config(DEFAULT_PATHS);
    let OutArgs { out, quiet } = args.output;
    let inputs: Vec<&std::path::Path> = args.scenario.as_deref().into_iter().collect();
    refuse_inputs(out.as_deref(), &inputs)?;
    let pool = super::pool(args.run.threads)?;
    let (scenario, origin) = super::load(args.scenario.as_deref())?;
    let Vary { path, low, high } = args.vary;
    let spec = study::SolveSpec {
        path,
        low,
        high,
        target: args.target,
        probability: args.probability,
    };
    let bar = Bar::new(quiet, "evaluations");
    let on = bar.callback();
    let result = pool.install(|| study::solve(&scenario, &origin, &spec, &config, &on));
    bar.finish();
    let result = result?;
    let bytes = match args.format {
        SolveFormatArg::Table => result.table_for(scenario.raw()).into_bytes(),
        SolveFormatArg::Json => result.json()?,
    };
    emit(&bytes, out.as_deref(), quiet)
}
