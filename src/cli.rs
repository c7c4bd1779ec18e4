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
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
