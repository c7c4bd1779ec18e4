//! The `attain` binary: parse arguments, call the library, print, map errors
//! to exit codes (0 success, 2 bad input, 1 internal failure).
//!
//! It lives in its own folder, apart from the library, so that everything a
//! command line needs (clap, the progress bar, signal handling, atomic file
//! writes, terminal colours) stays out of `attain` the library: those crates
//! are behind the `cli` feature, which only this binary requires.
//!
//! * [`cli`]: the clap definitions (subcommands, shared flag groups);
//! * [`parse`]: the value parsers, where every flag's bounds and syntax are
//!   checked once, before any command runs;
//! * [`cmd`]: one module per subcommand;
//! * [`output`], [`progress`], [`errors`]: writing results, the progress bar,
//!   printing errors (flag names are added here, at the edge).

mod cli;
mod cmd;
mod errors;
mod output;
mod parse;
mod progress;
mod terminal;

use std::error::Error as _;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        // A value our own parsers rejected is reported as the library's
        // errors are (`error: invalid argument --paths: ...`, exit code 2);
        // everything else clap reports itself.
        Err(e) => match e.source().and_then(|s| s.downcast_ref::<attain::Error>()) {
            Some(err) if e.kind() == clap::error::ErrorKind::ValueValidation => {
                errors::print(err);
                return ExitCode::from(err.exit_code() as u8);
            }
            _ => e.exit(),
        },
    };
    // A panic is a bug, never the user's fault: report it as exit code 1.
    let outcome = std::panic::catch_unwind(|| cmd::run(cli));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            if errors::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            errors::print(&e);
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => {
            errors::internal_failure();
            ExitCode::from(1)
        }
    }
}
