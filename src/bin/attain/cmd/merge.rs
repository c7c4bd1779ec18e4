//! `attain merge`: the partial summaries of a sharded run, read and merged
//! into the report of the equivalent single run.

use std::path::PathBuf;

use attain::error::{Error, Result};
use attain::{Report, shard};

use crate::cli::{BomArgs, FormatArg, LabelsArg};
use crate::output::{read_text, refuse_inputs, stdout, write_atomic};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Partial files written by `attain run --shard K/N --out FILE`, one per shard.
    #[arg(required = true, value_name = "PARTS")]
    parts: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// Write the output to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    csv: BomArgs,
    /// Target labels in the table: zh, en or both [default: both; on a terminal narrower than 120 columns, where the table is compact (one line per target), zh when the locale (LANG) starts with zh, else en].
    #[arg(long, value_enum, value_name = "LANG")]
    labels: Option<LabelsArg>,
}

pub fn run(args: Args) -> Result<()> {
    let inputs: Vec<&std::path::Path> = args.parts.iter().map(PathBuf::as_path).collect();
    refuse_inputs(args.out.as_deref(), &inputs)?;
    crate::output::require_out_for_xlsx(args.format == FormatArg::Xlsx, args.out.as_deref())?;
    crate::output::check_bom(args.csv.bom, args.format == FormatArg::Csv)?;
    let report = merge(&args.parts)?;
    let bytes = match args.format.text() {
        Some(format) => crate::output::with_bom(
            crate::terminal::report_bytes(&report, format, args.out.is_none(), args.labels)?,
            args.csv.bom,
        ),
        // The parts carry the summaries, not the scenario: no Assumptions sheet.
        None => attain::report::xlsx::run_workbook(&report, None, &report_origin(&args.parts))?,
    };
    match args.out {
        Some(path) => write_atomic(&path, &bytes),
        None => stdout(&bytes),
    }
}

/// The parts, for the workbook's Run sheet.
fn report_origin(parts: &[PathBuf]) -> String {
    parts
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Read partial files and merge them.
fn merge(paths: &[PathBuf]) -> Result<Report> {
    let mut parts = Vec::with_capacity(paths.len());
    for p in paths {
        let name = p.display().to_string();
        let text = read_text(p, "PARTS")?;
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
