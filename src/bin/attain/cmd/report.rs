//! `attain report` (the HTML report), and the charts of `attain run
//! --charts DIR` and of the `--chart FILE` of `sweep` and `sensitivity`: run
//! the simulation keeping what the charts need, draw them with
//! `attain::charts`, write the files atomically.

use std::path::{Path, PathBuf};

use attain::engine::{DEFAULT_PATHS, Progress, RunConfig};
use attain::error::{Error, Result};
use attain::report::html::{self, HtmlInput, TargetCharts};
use attain::{Report, Scenario};

use crate::cli::{OutArgs, RunArgs};
use crate::output::{emit, write_atomic};
use crate::progress::Bar;

#[derive(Debug, clap::Args)]
#[command(mut_args(crate::cli::helps(&[
        ("paths", "Number of Monte Carlo paths [default: 65536]"),
        ("seed", "Seed of the random number generator [default: 20220124]"),
        ("out", "Write the HTML to FILE (atomically) instead of standard output"),
    ])))]
pub struct Args {
    /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
    scenario: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    output: OutArgs,
}

/// A finished run with its charts.
pub struct ChartedRun {
    /// The run's report (as `attain run` prints it).
    pub report: Report,
    /// One entry per target, in scenario order.
    pub charts: Vec<TargetCharts>,
    /// Remarks about charts that could not be drawn.
    pub notes: Vec<String>,
}

/// Simulate once with the fans observed along the run, then draw each
/// target's charts (call inside the thread pool).
pub fn simulate_with_charts(
    scenario: &Scenario,
    origin: &str,
    config: &RunConfig,
    progress: &dyn Progress,
) -> Result<ChartedRun> {
    let run = attain::simulate(scenario, origin, config, true, progress)?;
    let charts = attain::charts::for_run(&run)?;
    Ok(ChartedRun {
        report: run.report,
        charts,
        notes: vec![],
    })
}

/// Write every chart of a run into `dir` (created if missing):
/// `{target id}-fan.svg` and `{target id}-distribution.svg`.
pub fn write_charts(dir: &Path, run: &ChartedRun, quiet: bool) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        context: format!("cannot create the charts folder {}", dir.display()),
        source,
    })?;
    let mut written = 0;
    for c in &run.charts {
        for (kind, svg) in [("fan", &c.fan), ("distribution", &c.distribution)] {
            if let Some(svg) = svg {
                write_atomic(&dir.join(format!("{}-{kind}.svg", c.id)), svg.as_bytes())?;
                written += 1;
            }
        }
    }
    if !quiet {
        eprintln!("wrote {written} charts to {}", dir.display());
        for n in &run.notes {
            eprintln!("note: {n}");
        }
    }
    Ok(())
}

/// `attain run --charts DIR` without `--precision` or `--shard`: the report
/// of the run, after its charts are written.
pub fn run_with_charts(
    scenario: &Scenario,
    origin: &str,
    config: &RunConfig,
    dir: &Path,
    quiet: bool,
    bar: &Bar,
) -> Result<Report> {
    let run = simulate_with_charts(scenario, origin, config, bar)?;
    // Clear the progress bar before printing where the charts went.
    bar.finish();
    write_charts(dir, &run, quiet)?;
    Ok(run.report)
}

/// Write one chart (`--chart FILE` of sweep and sensitivity).
pub fn write_chart(path: &Path, svg: &str, quiet: bool) -> Result<()> {
    write_atomic(path, svg.as_bytes())?;
    if !quiet {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// `attain report`: simulate, then write one self-contained HTML file.
pub fn run(args: Args) -> Result<()> {
    let config = args.run.config(DEFAULT_PATHS);
    let OutArgs { out, quiet } = args.output;
    let inputs: Vec<&Path> = args.scenario.as_deref().into_iter().collect();
    crate::output::refuse_inputs(out.as_deref(), &inputs)?;
    // A whole page of HTML (hundreds of KB) is of no use on a terminal.
    if out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(Error::argument(
            "out",
            "attain report writes a whole HTML page, not meant for a terminal: add --out FILE.html (or pipe it: attain report | gzip > report.html.gz)",
        ));
    }
    let pool = super::pool(args.run.threads)?;
    let (scenario, origin) = super::load(args.scenario.as_deref())?;
    let bar = Bar::new(quiet, "paths");
    let run = pool.install(|| simulate_with_charts(&scenario, &origin, &config, &bar))?;
    bar.finish();
    if !quiet {
        for w in &run.report.warnings {
            eprintln!("warning: {w}");
        }
    }
    let generated = utc_now();
    let page = html::render(&HtmlInput {
        report: &run.report,
        scenario: scenario.raw(),
        origin: &origin,
        charts: &run.charts,
        generated: &generated,
        notes: &run.notes,
    });
    emit(page.as_bytes(), out.as_deref(), quiet)
}

/// The current time in UTC, `2022-01-24 09:30 UTC`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Days since 1970-01-01 to a Gregorian date (H. Hinnant, "chrono-compatible
/// low-level date algorithms").
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_016), (2022, 1, 24));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
