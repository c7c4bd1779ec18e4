//! The command-line interface, defined once with clap's derive API.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
}

/// Output format of `solve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolveFormatArg {
    /// A short report in words.
    Table,
    /// JSON with the fields documented in docs/SWEEPS.md.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report the probability of attaining each target.
    #[command(
        after_help = "Examples:\n  attain run                                   # the embedded Jilin 2022 scenario\n  attain run scenarios/jilin-2022.toml --paths 1000000 --format json --out jilin.json"
    )]
    Run {
        /// Scenario file (TOML). Without it, the Jilin 2022 scenario built into the binary.
        scenario: Option<PathBuf>,
        /// Number of Monte Carlo paths [default: 65536, enough for every 95% interval to be narrower than one percentage point].
        #[arg(long)]
        paths: Option<u64>,
        /// Seed of the random number generator [default: 20220124]. Same seed, same results, whatever --threads.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Does not change results.
        #[arg(long)]
        threads: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Write the output to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print nothing on standard error except errors.
        #[arg(long, short)]
        quiet: bool,
        /// Keep adding paths until every target's 95% interval half-width is at most E (a fraction, e.g. 0.002).
        /// Decided only after 1, 2, 4, 8... blocks of 4096 paths, so results do not depend on --threads.
        #[arg(long, value_name = "E", conflicts_with_all = ["paths", "shard"])]
        precision: Option<f64>,
        /// Cap on paths for --precision [default: 16777216].
        #[arg(long, value_name = "N", requires = "precision")]
        max_paths: Option<u64>,
        /// Simulate only shard K of N (K from 0 to N-1) and write a mergeable partial summary (JSON) for `attain merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Also write SVG charts into DIR (created if missing): ID-distribution.svg for every target (and ID-fan.svg where drawn).
        #[arg(long, value_name = "DIR", conflicts_with_all = ["precision", "shard"])]
        charts: Option<PathBuf>,
    },
    /// Merge the partial summaries of a sharded run into the report of a single run with the same seed and paths.
    #[command(
        after_help = "Example:\n  for k in 0 1 2; do attain run --shard $k/3 --paths 300000 --out part-$k.json; done\n  attain merge part-*.json --format json"
    )]
    Merge {
        /// Partial files written by `attain run --shard K/N --out FILE`, one per shard.
        #[arg(required = true, value_name = "PARTS")]
        parts: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Write the output to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Time the engine: paths per second, and cost relative to drawing the random numbers.
    #[command(
        after_help = "Examples:\n  attain bench --threads 1                  # the embedded Jilin scenario on one core\n  attain bench scenarios/jilin-2022.toml --paths 1000000 --format json"
    )]
    Bench {
        /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
        scenario: Option<PathBuf>,
        /// Paths per timed repetition.
        #[arg(long, default_value_t = 200_000)]
        paths: u64,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = BenchFormatArg::Table)]
        format: BenchFormatArg,
    },
    /// Check a scenario file and list every problem found.
    #[command(after_help = "Example:\n  attain validate scenarios/jilin-2022.toml")]
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// Print the compiled model: sectors, shocks, events, indicators and targets.
    #[command(after_help = "Example:\n  attain explain scenarios/jilin-2022.toml")]
    Explain {
        /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
        scenario: Option<PathBuf>,
    },
    /// List every number of a scenario that sweep, solve and sensitivity can address, with its path, value and unit.
    #[command(
        after_help = "Examples:\n  attain params scenarios/jilin-2022.toml\n  attain params scenarios/jilin-2022.toml | grep automobile"
    )]
    Params {
        /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
        scenario: Option<PathBuf>,
    },
    /// Run a scenario over a grid of parameter values, with the same random numbers at every point.
    #[command(
        after_help = "Examples:\n  attain sweep scenarios/jilin-2022.toml --set sectors.automobile.growth=0:20:5 --set events.chip_squeeze.probability=0,0.12,0.3 --format csv\n  attain sweep scenarios/sweeps/jilin-lockdown.toml --paths 20000"
    )]
    Sweep {
        /// Scenario file, or a sweep file (a TOML file with a [sweep] table naming its scenario and grid). Without it, the embedded Jilin 2022 scenario.
        scenario: Option<PathBuf>,
        /// A parameter and its values, PATH=START:STOP:COUNT (inclusive, evenly spaced) or PATH=a,b,c. Repeat it for a full grid; `attain params` lists the paths.
        #[arg(long = "set", value_name = "PATH=SPEC")]
        set: Vec<String>,
        /// Report only this target (repeatable) [default: every target].
        #[arg(long = "target", value_name = "ID")]
        target: Vec<String>,
        /// Paths per grid point [default: 65536, or the sweep file's].
        #[arg(long)]
        paths: Option<u64>,
        /// Seed, the same at every grid point [default: 20220124, or the sweep file's].
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Does not change results.
        #[arg(long)]
        threads: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = StudyFormatArg::Table)]
        format: StudyFormatArg,
        /// Write the output to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print nothing on standard error except errors.
        #[arg(long, short)]
        quiet: bool,
        /// Also draw the sweep as an SVG chart in FILE: P(met) with its 95% band against one parameter, or a heat map over two; one panel per target.
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
        /// Continue an interrupted sweep: reuse the grid points kept in FILE.journal (written beside --out FILE as each point finishes) and simulate only the others; the output is that of an uninterrupted run. Without a journal, start from the first point.
        #[arg(long, requires = "out")]
        resume: bool,
        /// For tests: stop exactly as on Ctrl-C once N grid points are done in this run.
        #[arg(long, value_name = "N", hide = true)]
        stop_after: Option<usize>,
    },
    /// Find the value of one parameter at which a target's probability of attainment reaches a given level.
    #[command(
        after_help = "Examples:\n  attain solve scenarios/jilin-2022.toml --vary sectors.automobile.growth=0:40 --target faw_sales --probability 0.5\n  attain solve scenarios/jilin-2022.toml --vary events.covid_major_lockdown.probability=0:1 --target gdp_growth --probability 0.5 --format json"
    )]
    Solve {
        /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
        scenario: Option<PathBuf>,
        /// The lever and its search range, PATH=LOW:HIGH.
        #[arg(long, value_name = "PATH=LOW:HIGH")]
        vary: String,
        /// Target id.
        #[arg(long, value_name = "ID")]
        target: String,
        /// Probability of attainment to reach, in [0, 1].
        #[arg(long, value_name = "P")]
        probability: f64,
        /// Paths per evaluation [default: 65536].
        #[arg(long)]
        paths: Option<u64>,
        /// Seed, the same at every evaluation [default: 20220124].
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Does not change results.
        #[arg(long)]
        threads: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SolveFormatArg::Table)]
        format: SolveFormatArg,
        /// Print nothing on standard error except errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Rank the inputs by their effect on each target's probability of attainment (tornado), and show each event's conditional effect.
    #[command(
        after_help = "Examples:\n  attain sensitivity scenarios/jilin-2022.toml --target gdp_growth\n  attain sensitivity scenarios/jilin-2022.toml --format json --out sensitivity.json"
    )]
    Sensitivity {
        /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
        scenario: Option<PathBuf>,
        /// Analyse only this target [default: every target].
        #[arg(long, value_name = "ID")]
        target: Option<String>,
        /// Move PATH by plus and minus AMOUNT (one standard deviation of its uncertainty) instead of 10% of its value; adds PATH if it is not in the default set. Repeatable.
        #[arg(long = "sd", value_name = "PATH=AMOUNT")]
        sd: Vec<String>,
        /// Paths per run [default: 16384; every run uses the same random numbers, so swings are precise].
        #[arg(long)]
        paths: Option<u64>,
        /// Seed, the same in every run [default: 20220124].
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Does not change results.
        #[arg(long)]
        threads: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = StudyFormatArg::Table)]
        format: StudyFormatArg,
        /// Write the output to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print nothing on standard error except errors.
        #[arg(long, short)]
        quiet: bool,
        /// Also draw the tornado as an SVG chart in FILE (one panel per target, the 12 largest swings each).
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
    },
    /// Simulate a scenario and write a self-contained HTML report (tables, charts, assumptions and their sources, run settings) to e-mail or print.
    #[command(
        after_help = "Examples:\n  attain report --out jilin-2022.html                     # the embedded Jilin 2022 scenario\n  attain report scenarios/jilin-2022.toml --paths 200000 --seed 7 --out report.html"
    )]
    Report {
        /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
        scenario: Option<PathBuf>,
        /// Number of Monte Carlo paths [default: 65536].
        #[arg(long)]
        paths: Option<u64>,
        /// Seed of the random number generator [default: 20220124].
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Does not change results.
        #[arg(long)]
        threads: Option<usize>,
        /// Write the HTML to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print nothing on standard error except errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Estimate growth, volatility, persistence and correlations from a history CSV and write them as a TOML fragment to paste into a scenario.
    #[command(
        after_help = "The CSV is long: one value a row, with columns year, series (or indicator) and value, and optionally unit; other columns are ignored. Method: docs/CALIBRATION.md.\n\nExamples:\n  attain calibrate ../shared/data/jilin/history.csv --to 2021 --out jilin-calibration.toml   # ex ante, for a 2022 scenario\n  attain calibrate history.csv --from 2000"
    )]
    Calibrate {
        /// History CSV (long format: year, series or indicator, value[, unit]).
        history: PathBuf,
        /// First year used [default: the first year in the file].
        #[arg(long, value_name = "YEAR")]
        from: Option<i32>,
        /// Last year used [default: the last year in the file]. Ex ante, the scenario's base year (--to 2021 for a 2022 scenario).
        #[arg(long, value_name = "YEAR")]
        to: Option<i32>,
        /// Write the fragment to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print nothing on standard error except errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Score scenarios against realized outcomes: Brier and log scores, PIT, interval coverage and reliability, next to naive forecasters.
    #[command(
        after_help = "OUTCOMES.csv has the columns target, year and value (the realized value of the target's indicator), and optionally judged (for targets with relative_to); other columns are ignored. Definitions: docs/BACKTEST.md.\n\nExamples:\n  attain backtest tests/fixtures/two-sector.toml --outcomes tests/fixtures/two-sector-outcomes.csv\n  attain backtest a-2021.toml b-2022.toml --outcomes outcomes.csv --format json"
    )]
    Backtest {
        /// Scenario files (TOML), one or more.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Realized outcomes (CSV: target, year, value[, judged]).
        #[arg(long, value_name = "OUTCOMES.csv")]
        outcomes: PathBuf,
        /// Monte Carlo paths per scenario [default: 65536].
        #[arg(long)]
        paths: Option<u64>,
        /// Seed of the random number generator [default: 20220124].
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Does not change results.
        #[arg(long)]
        threads: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = BacktestFormatArg::Table)]
        format: BacktestFormatArg,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell) on standard output.
    #[command(
        after_help = "Install:\n  attain completions bash > ~/.local/share/bash-completion/completions/attain\n  attain completions zsh > ~/.zfunc/_attain       # with fpath+=(~/.zfunc) before compinit in ~/.zshrc\n  attain completions fish > ~/.config/fish/completions/attain.fish\n\nExample:\n  source <(attain completions bash)              # try it in the current bash session"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output, or write one page per subcommand into a folder.
    #[command(
        after_help = "Examples:\n  attain man | man -l -                          # read it now\n  attain man > ~/.local/share/man/man1/attain.1   # install it (then: man attain)\n  attain man --dir ~/.local/share/man/man1        # attain.1, attain-run.1, attain-sweep.1, ..."
    )]
    Man {
        /// Write attain.1 and one attain-SUBCOMMAND.1 per subcommand into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Output format of `backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BacktestFormatArg {
    /// Human-readable tables.
    Table,
    /// JSON with the fields documented in docs/BACKTEST.md.
    Json,
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
