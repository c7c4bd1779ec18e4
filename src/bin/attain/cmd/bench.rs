//! `attain bench`: time the engine on a scenario.

use std::path::PathBuf;

use attain::Model;
use attain::engine::DEFAULT_SEED;
use attain::error::{Error, Result};

use crate::cli::BenchFormatArg;
use crate::output::stdout;
use crate::parse;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
    scenario: Option<PathBuf>,
    /// Paths per timed repetition (also written 2e5, 200k).
    #[arg(long, short = 'n', default_value_t = 200_000, value_parser = parse::paths)]
    paths: u64,
    /// Worker threads [default: all cores, or RAYON_NUM_THREADS].
    #[arg(long, short = 'j', value_parser = parse::threads)]
    threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BenchFormatArg::Table)]
    format: BenchFormatArg,
}

pub fn run(args: Args) -> Result<()> {
    let (scenario, origin) = super::load(args.scenario.as_deref())?;
    let (model, _) = Model::compile(&scenario, &origin)?;
    let pool = super::pool(args.threads)?;
    let mut result = pool.install(|| attain::bench::bench(&model, args.paths, DEFAULT_SEED))?;
    result.peak_rss_bytes = peak_rss_bytes();
    let text = match args.format {
        BenchFormatArg::Json => {
            serde_json::to_string_pretty(&result)
                .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?
                + "\n"
        }
        BenchFormatArg::Table => format!(
            "scenario          {}\npaths             {} x {} repetitions (median)\nthreads           {}\n\
             paths per second  {:.0}\nns per path       {:.1}\ndraws per path    {}\n\
             floor ns per draw {:.2}\nfloor ratio       {:.2}\npeak RSS          {}\nkernel            {}\n",
            result.scenario,
            result.paths,
            result.repetitions,
            result.threads,
            result.paths_per_s,
            result.ns_per_path,
            result.draws_per_path,
            result.floor_ns_per_draw,
            result.floor_ratio,
            result
                .peak_rss_bytes
                .map(|b| format!("{:.1} MiB", b as f64 / 1048576.0))
                .unwrap_or("unknown".into()),
            result.kernel
        ),
    };
    stdout(text.as_bytes())
}

/// Peak resident set size of this process (Linux: VmHWM in /proc/self/status).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
