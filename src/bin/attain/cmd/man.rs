//! `attain man`: manual pages generated from the clap definitions.

use std::path::PathBuf;

use attain::error::{Error, Result};
use clap::CommandFactory;

use crate::cli::Cli;
use crate::output::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write attain.1 and one attain-SUBCOMMAND.1 per subcommand into DIR instead.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    match args.dir {
        None => {
            let mut bytes = vec![];
            clap_mangen::Man::new(Cli::command())
                .render(&mut bytes)
                .map_err(|e| Error::Internal(format!("man page: {e}")))?;
            stdout(&bytes)
        }
        Some(dir) => {
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|source| Error::Io {
                context: format!("cannot write manual pages into {}", dir.display()),
                source,
            })?;
            eprintln!("wrote manual pages into {}", dir.display());
            Ok(())
        }
    }
}
