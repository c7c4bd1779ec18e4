//! `attain calibrate`: a history CSV in, a TOML fragment of estimates out.

use std::path::PathBuf;

use attain::calibrate;
use attain::error::Result;

use crate::cli::OutArgs;
use crate::output::{read_text, refuse_inputs, stdout, write_atomic};

#[derive(Debug, clap::Args)]
#[command(mut_args(crate::cli::helps(&[
        ("out", "Write the fragment to FILE (atomically) instead of standard output"),
    ])))]
pub struct Args {
    /// History CSV (long format: year, series or indicator, value[, unit]).
    history: PathBuf,
    /// First year used [default: the first year in the file].
    #[arg(long, value_name = "YEAR")]
    from: Option<i32>,
    /// Last year used [default: the last year in the file]. Ex ante, the scenario's base year (--to 2021 for a 2022 scenario).
    #[arg(long, value_name = "YEAR")]
    to: Option<i32>,
    #[command(flatten)]
    output: OutArgs,
}

pub fn run(args: Args) -> Result<()> {
    refuse_inputs(args.output.out.as_deref(), &[&args.history])?;
    let text = read_text(&args.history, "HISTORY")?;
    let options = calibrate::Options {
        from: args.from,
        to: args.to,
        origin: args.history.display().to_string(),
    };
    let cal = calibrate::calibrate(&text, &options)?;
    let fragment = cal.fragment();
    let OutArgs { out, quiet } = args.output;
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
