//! `attain backtest`: scenarios and realized outcomes in, scores out.

use std::path::PathBuf;

use attain::engine::DEFAULT_PATHS;
use attain::error::Result;
use attain::{Model, backtest};

use crate::cli::{BacktestFormatArg, OutArgs, RunArgs};
use crate::output::{emit, refuse_inputs};
use crate::progress::Bar;

#[derive(Debug, clap::Args)]
#[command(mut_args(crate::cli::helps(&[
        ("paths", "Monte Carlo paths per scenario [default: 65536]"),
        ("seed", "Seed of the random number generator [default: 20220124]"),
    ])))]
pub struct Args {
    /// Scenario files (TOML), one or more.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Realized outcomes (CSV: target, year, value[, judged]).
    #[arg(long, value_name = "OUTCOMES.csv")]
    outcomes: PathBuf,
    #[command(flatten)]
    run: RunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BacktestFormatArg::Table)]
    format: BacktestFormatArg,
    #[command(flatten)]
    output: OutArgs,
}

pub fn run(args: Args) -> Result<()> {
    let config = args.run.config(DEFAULT_PATHS);
    let OutArgs { out, quiet } = args.output;
    let mut inputs: Vec<&std::path::Path> = args.scenarios.iter().map(PathBuf::as_path).collect();
    inputs.push(&args.outcomes);
    refuse_inputs(out.as_deref(), &inputs)?;
    crate::output::require_out_for_xlsx(args.format == BacktestFormatArg::Xlsx, out.as_deref())?;
    let outcomes_text = crate::output::read_text(&args.outcomes, "outcomes")?;
    let outcomes = backtest::parse_outcomes(&outcomes_text, &args.outcomes.display().to_string())?;
    let pool = super::pool(args.run.threads)?;
    let mut models = Vec::with_capacity(args.scenarios.len());
    let mut origins = Vec::with_capacity(args.scenarios.len());
    for path in &args.scenarios {
        let (scenario, origin) = super::load(Some(path))?;
        models.push(Model::compile(&scenario, &origin)?.0);
        origins.push(origin);
    }
    // Every year's scenario in one call of the runner (same seed and paths).
    let refs: Vec<&Model> = models.iter().collect();
    let bar = Bar::new(quiet, "paths");
    let accs = pool.install(|| attain::engine::simulate_variants(&refs, &config, &bar));
    bar.finish();
    let accs = accs?;
    let mut forecasts = vec![];
    for ((model, acc), origin) in models.iter().zip(&accs).zip(&origins) {
        forecasts.extend(backtest::forecasts(model, acc, origin));
    }
    let mut result = backtest::backtest(&forecasts, &outcomes)?;
    result.seed = Some(config.seed);
    let bytes = match args.format {
        BacktestFormatArg::Table => result.to_table().into_bytes(),
        BacktestFormatArg::Json => result.to_json()?.into_bytes(),
        BacktestFormatArg::Xlsx => attain::report::xlsx::backtest_workbook(&result)?,
    };
    emit(&bytes, out.as_deref(), quiet)
}
