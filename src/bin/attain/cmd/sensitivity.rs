//! `attain sensitivity`: the inputs ranked by their effect on each target's
//! probability of attainment (a tornado), with each event's conditional effect.

use std::path::PathBuf;

use attain::error::Result;
use attain::study;

use crate::cli::{BomArgs, OutArgs, RunArgs, StudyFormatArg};
use crate::output::emit;
use crate::parse;
use crate::progress::Bar;

#[derive(Debug, clap::Args)]
#[command(mut_args(crate::cli::helps(&[
        ("paths", "Paths per run [default: 16384; every run uses the same random numbers, so swings are precise]"),
        ("seed", "Seed, the same in every run [default: 20220124]"),
    ])))]
pub struct Args {
    /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
    scenario: Option<PathBuf>,
    /// Analyse only this target [default: every target].
    #[arg(long, value_name = "ID")]
    target: Option<String>,
    /// Move PATH by plus and minus AMOUNT (one standard deviation of its uncertainty) instead of 10% of its value; adds PATH if it is not in the default set. Repeatable.
    #[arg(long = "sd", value_name = "PATH=AMOUNT", value_parser = parse::sd)]
    sd: Vec<(String, f64)>,
    #[command(flatten)]
    run: RunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StudyFormatArg::Table)]
    format: StudyFormatArg,
    #[command(flatten)]
    output: OutArgs,
    #[command(flatten)]
    csv: BomArgs,
    /// Also draw the tornado as an SVG chart in FILE (one panel per target, the 12 largest swings each).
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
}

/// `attain sensitivity`.
pub fn run(args: Args) -> Result<()> {
    let config = args.run.config(study::SENSITIVITY_PATHS);
    let OutArgs { out, quiet } = args.output;
    let inputs: Vec<&std::path::Path> = args.scenario.as_deref().into_iter().collect();
    crate::output::refuse_inputs(out.as_deref(), &inputs)?;
    crate::output::require_out_for_xlsx(args.format == StudyFormatArg::Xlsx, out.as_deref())?;
    crate::output::check_bom(args.csv.bom, args.format == StudyFormatArg::Csv)?;
    if let Some(c) = &args.chart {
        crate::output::check_out("chart", c)?;
        crate::output::refuse_input_files("chart", c, &inputs)?;
    }
    let pool = super::pool(args.run.threads)?;
    let (scenario, origin) = super::load(args.scenario.as_deref())?;
    let bar = Bar::new(quiet, "runs");
    let on = bar.callback();
    let result = pool.install(|| {
        study::sensitivity(
            &scenario,
            &origin,
            args.target.as_deref(),
            &args.sd,
            &config,
            &on,
        )
    });
    bar.finish();
    let result = result?;
    let table_on_stdout = args.format == StudyFormatArg::Table && out.is_none();
    if !quiet && !table_on_stdout {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
    }
    let bytes = match args.format {
        StudyFormatArg::Table => result.table_for(scenario.raw()).into_bytes(),
        StudyFormatArg::Csv => crate::output::with_bom(result.csv()?, args.csv.bom),
        StudyFormatArg::Json => result.json()?,
        StudyFormatArg::Xlsx => {
            attain::report::xlsx::sensitivity_workbook(&result, scenario.raw())?
        }
    };
    if let Some(path) = &args.chart {
        let svg = attain::charts::tornado::tornado_svg_for(&result, scenario.raw())?;
        super::report::write_chart(path, &svg, quiet)?;
    }
    emit(&bytes, out.as_deref(), quiet)
}
