//! Printing errors on standard error.
//!
//! The library names a bad setting in its own words (`paths`, `max-paths`,
//! `SCENARIO`, a parameter path); a user typed a flag. This is the one place
//! that turns a setting that is one of attain's long flags into `--paths`,
//! so what a user reads is the same whether the library or a value parser
//! caught the problem.

use std::collections::BTreeSet;

use anstyle::{AnsiColor, Style};
use attain::Error;
use clap::CommandFactory;

use crate::cli::Cli;

/// Whether to colour what goes to `stream`: only a terminal, and never with
/// `NO_COLOR` set (https://no-color.org) or `TERM=dumb`; `CLICOLOR_FORCE`
/// forces colour. The same policy as clap's help.
pub fn colour(stream: &impl anstream::stream::RawStream) -> bool {
    anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
}

/// A write to a closed pipe (`attain run | head`) is not a failure.
pub fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
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

/// A panic: a bug in attain.
pub fn internal_failure() {
    eprintln!(
        "{} internal failure (a bug in attain; please report it)",
        error_label()
    );
}

/// Print an error on standard error. A scenario error quotes each offending
/// line of the file with a caret under the column and a hint; the first line
/// of each problem is the same as without the quote.
pub fn print(e: &Error) {
    let body = match e {
        Error::Scenario(s) => match source_text(&s.origin) {
            Some(text) => s.annotate(&text, colour(&std::io::stderr())),
            None => s.to_string(),
        },
        Error::Argument { name, message } if is_flag(name) => {
            format!("invalid argument --{name}: {message}")
        }
        other => other.to_string(),
    };
    eprintln!("{} {body}", error_label());
}

/// Whether a setting named by the library is one of the binary's long flags
/// (`paths`, `max-paths`), rather than a positional input (`SCENARIO`), a
/// parameter path (`sectors.automobile.growth`) or a file.
fn is_flag(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase()) && long_flags().contains(name)
}

/// Every long flag of every subcommand, without the `--`.
fn long_flags() -> BTreeSet<String> {
    let cli = Cli::command();
    cli.get_subcommands()
        .flat_map(|sub| sub.get_arguments())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

/// The text a scenario error's lines refer to. The library keeps no copy of
/// it, so the file is read again (it was read a moment ago); `None` when it
/// cannot be (or is over the input cap), and the error is then printed
/// without quotes.
fn source_text(origin: &str) -> Option<String> {
    if origin == "<embedded jilin-2022.toml>" {
        return Some(attain::scenario::EMBEDDED_JILIN_2022.to_string());
    }
    crate::output::read_capped(std::path::Path::new(origin))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::is_flag;

    #[test]
    fn only_long_flags_get_dashes() {
        for flag in [
            "paths",
            "threads",
            "max-paths",
            "shard",
            "set",
            "vary",
            "sd",
            "outcomes",
        ] {
            assert!(is_flag(flag), "{flag}");
        }
        for other in [
            "SCENARIO",
            "PARTS",
            "sectors.automobile.growth",
            "indicators",
            "--paths",
        ] {
            assert!(!is_flag(other), "{other}");
        }
    }
}
