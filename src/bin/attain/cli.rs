//! The command-line interface, defined once with clap's derive API: the
//! subcommands, the output formats, and the flag groups several subcommands
//! share ([`RunArgs`], [`OutArgs`]). Each subcommand's own flags sit with its
//! code in `cmd/`. The flags are a contract scripts rely on: names, defaults
//! and help texts only ever grow.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cmd;
use crate::parse;

/// How likely is each target of a government work report to be met?
///
/// attain simulates a regional economy quarter by quarter (sectors, correlated
/// fat-tailed shocks, rare disruptions) and reports the probability of
/// attaining each official target, with its Monte Carlo error.
#[derive(Debug, Parser)]
#[command(name = "attain", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable table.
    Table,
    /// JSON, documented in docs/OUTPUT.md.
    Json,
    /// One CSV row per target.
    Csv,
    /// Excel workbook (results, assumptions with sources, run settings); needs --out FILE.
    Xlsx,
}

impl FormatArg {
    /// The library's text format; `None` for the workbook.
    pub fn text(self) -> Option<attain::Format> {
        match self {
            FormatArg::Table => Some(attain::Format::Table),
            FormatArg::Json => Some(attain::Format::Json),
            FormatArg::Csv => Some(attain::Format::Csv),
            FormatArg::Xlsx => None,
        }
    }
}

/// Which label a target is shown with in the table (`--labels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LabelsArg {
    /// The Chinese label (the English one where a target has none).
    Zh,
    /// The English label.
    En,
    /// Both.
    Both,
}

impl From<LabelsArg> for attain::report::table::Labels {
    fn from(l: LabelsArg) -> Self {
        use attain::report::table::Labels;
        match l {
            LabelsArg::Zh => Labels::Zh,
            LabelsArg::En => Labels::En,
            LabelsArg::Both => Labels::Both,
        }
    }
}

/// Output format of `bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormatArg {
    /// Human-readable lines.
    Table,
    /// JSON with the keys documented in docs/PERFORMANCE.md.
    Json,
}

/// Output format of `sweep` and `sensitivity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StudyFormatArg {
    /// Human-readable tables.
    Table,
    /// CSV with the columns documented in docs/SWEEPS.md.
    Csv,
    /// JSON with the fields documented in docs/SWEEPS.md.
    Json,
    /// Excel workbook (results, assumptions with sources, run settings); needs --out FILE.
    Xlsx,
}

/// Output format of `solve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolveFormatArg {
    /// A short report in words.
    Table,
    /// JSON with the fields documented in docs/SWEEPS.md.
    Json,
}

/// How many paths, from which seed, on how many threads: the flags of every
/// command that simulates. The help texts are `run`'s; a command whose
/// defaults differ restates them with `mut_arg`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Number of Monte Carlo paths [default: 65536, enough for every 95% interval to be narrower than one percentage point]. A whole number, also written 1e5, 100k or 1M. At most 2^36 (68719476736: hours of work, far beyond any useful precision; shard a larger run).
    #[arg(long, short = 'n', value_parser = parse::paths)]
    pub paths: Option<u64>,
    /// Seed of the random number generator [default: 20220124]. Same seed, same results, whatever --threads.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores, or RAYON_NUM_THREADS], at most 1024. Does not change results.
    #[arg(long, short = 'j', value_parser = parse::threads)]
    pub threads: Option<usize>,
}

impl RunArgs {
    /// The run settings, with `paths` when `--paths` is not given.
    pub fn config(&self, paths: u64) -> attain::engine::RunConfig {
        attain::engine::RunConfig {
            paths: self.paths.unwrap_or(paths),
            seed: self.seed.unwrap_or(attain::engine::DEFAULT_SEED),
        }
    }
}

/// Restate the help of shared flags for one subcommand (`#[command(mut_args(
/// helps(&[(id, help)])))]`), in place: `mut_arg` would move the flag to the
/// end, reordering the completion scripts.
pub fn helps(
    overrides: &'static [(&'static str, &'static str)],
) -> impl FnMut(clap::Arg) -> clap::Arg {
    move |a| match overrides.iter().find(|(id, _)| a.get_id() == id) {
        Some((_, help)) => a.help(*help),
        None => a,
    }
}

/// Where the output goes and whether to talk on standard error.
#[derive(Debug, Args)]
pub struct OutArgs {
    /// Write the output to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print nothing on standard error except errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--bom` of the commands with a CSV output.
#[derive(Debug, Args)]
pub struct BomArgs {
    /// With --format csv: start with a UTF-8 byte-order mark, so that Excel opens the file as UTF-8 (Chinese labels shown correctly).
    #[arg(long)]
    pub bom: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report the probability of attaining each target.
    #[command(
        after_help = "Examples:\n  attain run                                   # the embedded Jilin 2022 scenario\n  attain run scenarios/jilin-2022.toml --paths 1000000 --format json --out jilin.json"
    )]
    Run(cmd::run::Args),
    /// Merge the partial summaries of a sharded run into the report of a single run with the same seed and paths.
    #[command(
        after_help = "Example:\n  for k in 0 1 2; do attain run --shard $k/3 --paths 300000 --out part-$k.json; done\n  attain merge part-*.json --format json"
    )]
    Merge(cmd::merge::Args),
    /// Time the engine: paths per second, and cost relative to drawing the random numbers.
    #[command(
        after_help = "Examples:\n  attain bench --threads 1                  # the embedded Jilin scenario on one core\n  attain bench scenarios/jilin-2022.toml --paths 1000000 --format json"
    )]
    Bench(cmd::bench::Args),
    /// Check a scenario file and list every problem found.
    #[command(after_help = "Example:\n  attain validate scenarios/jilin-2022.toml")]
    Validate(cmd::validate::Args),
    /// Print the compiled model: sectors, shocks, events, indicators and targets.
    #[command(after_help = "Example:\n  attain explain scenarios/jilin-2022.toml")]
    Explain(cmd::explain::Args),
    /// List every number of a scenario that sweep, solve and sensitivity can address, with its path, value and unit.
    #[command(
        after_help = "Examples:\n  attain params scenarios/jilin-2022.toml\n  attain params scenarios/jilin-2022.toml | grep automobile"
    )]
    Params(cmd::params::Args),
    /// Run a scenario over a grid of parameter values, with the same random numbers at every point.
    #[command(
        after_help = "Examples:\n  attain sweep scenarios/jilin-2022.toml --set sectors.automobile.growth=0:20:5 --set events.chip_squeeze.probability=0,0.12,0.3 --format csv\n  attain sweep scenarios/sweeps/jilin-lockdown.toml --paths 20000"
    )]
    Sweep(cmd::sweep::Args),
    /// Find the value of one parameter at which a target's probability of attainment reaches a given level.
    #[command(
        after_help = "Examples:\n  attain solve scenarios/jilin-2022.toml --vary sectors.automobile.growth=0:40 --target faw_sales --probability 0.5\n  attain solve scenarios/jilin-2022.toml --vary events.covid_major_lockdown.probability=0:1 --target gdp_growth --probability 0.5 --format json"
    )]
    Solve(cmd::solve::Args),
    /// Rank the inputs by their effect on each target's probability of attainment (tornado), and show each event's conditional effect.
    #[command(
        after_help = "Examples:\n  attain sensitivity scenarios/jilin-2022.toml --target gdp_growth\n  attain sensitivity scenarios/jilin-2022.toml --format json --out sensitivity.json"
    )]
    Sensitivity(cmd::sensitivity::Args),
    /// Simulate a scenario and write a self-contained HTML report (tables, charts, assumptions and their sources, run settings) to e-mail or print.
    #[command(
        after_help = "Examples:\n  attain report --out jilin-2022.html                     # the embedded Jilin 2022 scenario\n  attain report scenarios/jilin-2022.toml --paths 200000 --seed 7 --out report.html"
    )]
    Report(cmd::report::Args),
    /// Estimate growth, volatility, persistence and correlations from a history CSV and write them as a TOML fragment to paste into a scenario.
    #[command(
        after_help = "The CSV is long: one value a row, with columns year, series (or indicator) and value, and optionally unit; other columns are ignored. Method: docs/CALIBRATION.md.\n\nExamples:\n  attain calibrate data/jilin/history.csv --to 2021 --out jilin-calibration.toml   # ex ante, for a 2022 scenario\n  attain calibrate history.csv --from 2000"
    )]
    Calibrate(cmd::calibrate::Args),
    /// Score scenarios against realized outcomes: Brier and log scores, PIT, interval coverage and reliability, next to naive forecasters.
    #[command(
        after_help = "OUTCOMES.csv has the columns target, year and value (the realized value of the target's indicator), and optionally judged (for targets with relative_to); other columns are ignored. Definitions: docs/BACKTEST.md.\n\nExamples:\n  attain backtest tests/fixtures/two-sector.toml --outcomes tests/fixtures/two-sector-outcomes.csv\n  attain backtest a-2021.toml b-2022.toml --outcomes outcomes.csv --format json"
    )]
    Backtest(cmd::backtest::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell) on standard output.
    #[command(
        after_help = "Install:\n  attain completions bash > ~/.local/share/bash-completion/completions/attain\n  attain completions zsh > ~/.zfunc/_attain       # with fpath+=(~/.zfunc) before compinit in ~/.zshrc\n  attain completions fish > ~/.config/fish/completions/attain.fish\n\nExample:\n  source <(attain completions bash)              # try it in the current bash session"
    )]
    Completions(cmd::completions::Args),
    /// Print the manual page (roff) on standard output, or write one page per subcommand into a folder.
    #[command(
        after_help = "Examples:\n  attain man | man -l -                          # read it now\n  attain man > ~/.local/share/man/man1/attain.1   # install it (then: man attain)\n  attain man --dir ~/.local/share/man/man1        # attain.1, attain-run.1, attain-sweep.1, ..."
    )]
    Man(cmd::man::Args),
}

/// Output format of `backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BacktestFormatArg {
    /// Human-readable tables.
    Table,
    /// JSON with the fields documented in docs/BACKTEST.md.
    Json,
    /// Excel workbook (cases, scores, coverage, reliability, run settings); needs --out FILE.
    Xlsx,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_has_an_example() {
        let cli = Cli::command();
        let mut n = 0;
        for sub in cli.get_subcommands() {
            let after = sub
                .get_after_help()
                .map(|s| s.to_string())
                .unwrap_or_default();
            assert!(
                after.contains("Example") && after.contains(&format!("attain {}", sub.get_name())),
                "`attain {} --help` lacks an example: {after:?}",
                sub.get_name()
            );
            n += 1;
        }
        assert!(n >= 13, "only {n} subcommands");
    }
}
