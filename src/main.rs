//! The `attain` binary: parse arguments, call the library, print, map errors
//! to exit codes (0 success, 2 bad input, 1 internal failure).

mod app;
mod cli;
mod commands;
mod commands_data;
mod commands_report;
mod commands_shard;
mod progress;

use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
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
            print_error(&e);
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => {
            eprintln!(
                "{} internal failure (a bug in attain; please report it)",
                error_label()
            );
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &attain::Error) -> bool {
    matches!(e, attain::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Whether to colour what goes to `stream`: only a terminal, and never with
/// `NO_COLOR` set (https://no-color.org) or `TERM=dumb`; `CLICOLOR_FORCE`
/// forces colour. The same policy as clap's help.
pub(crate) fn colour(stream: &impl anstream::stream::RawStream) -> bool {
    anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
}

/// `error:`, in bold red when standard error takes colour.
fn error_label() -> String {
    let style = if colour(&std::io::stderr()) {
        Style::new().bold().fg_color(Some(AnsiColor::Red.into()))
    } else {
        Style::new()
    };
    format!("{}error:{}", style.render(), style.render_reset())
}

/// Print an error on standard error. A scenario error quotes each offending
/// line of the file with a caret under the column and a hint; the first line
/// of each problem is the same as without the quote.
fn print_error(e: &attain::Error) {
    let body = match e {
        attain::Error::Scenario(s) => match source_text(&s.origin) {
            Some(text) => s.annotate(&text, colour(&std::io::stderr())),
            None => s.to_string(),
        },
        other => other.to_string(),
    };
    eprintln!("{} {body}", error_label());
}

/// The text a scenario error's lines refer to. The library keeps no copy of
/// it, so the file is read again (it was read a moment ago); `None` when it
/// cannot be, and the error is then printed without quotes.
fn source_text(origin: &str) -> Option<String> {
    if origin == "<embedded jilin-2022.toml>" {
        return Some(attain::scenario::EMBEDDED_JILIN_2022.to_string());
    }
    std::fs::read_to_string(origin).ok()
}
