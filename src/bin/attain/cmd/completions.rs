//! `attain completions SHELL`: a completion script generated from the clap
//! definitions, so it never falls behind the flags.

use attain::error::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::output::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run(args: Args) -> Result<()> {
    let mut bytes = vec![];
    clap_complete::generate(args.shell, &mut Cli::command(), "attain", &mut bytes);
    stdout(&bytes)
}
