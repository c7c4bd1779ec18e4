//! The `attain` binary: parse arguments, call the library, print, map errors
//! to exit codes (0 success, 2 bad input, 1 internal failure).

mod app;
mod cli;
mod commands;
mod commands_data;
mod commands_shard;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // A panic is a bug, never the user's fault: report it as exit code 1.
    let outcome = std::panic::catch_unwind(|| app::run(cli));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => {
            eprintln!("error: internal failure (a bug in attain; please report it)");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &attain::Error) -> bool {
    matches!(e, attain::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}
