//! `attain man`: manual pages generated from the clap definitions.
//!
//! clap_mangen renders the NAME, SYNOPSIS, DESCRIPTION, OPTIONS, SUBCOMMANDS
//! and VERSION sections; the examples of each `--help` (its after-help text)
//! become an EXAMPLES section, and every page gets EXIT STATUS and
//! ENVIRONMENT sections.

use std::io::Write;
use std::path::{Path, PathBuf};

use attain::error::{Error, Result};
use clap::CommandFactory;
use clap_mangen::Man;

use crate::cli::Cli;
use crate::output::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write attain.1 and one attain-SUBCOMMAND.1 per subcommand into DIR instead.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    match args.dir {
        None => stdout(&page(&cli, &top_examples(&cli))?),
        Some(dir) => {
            let io = |source| Error::Io {
                context: format!("cannot write manual pages into {}", dir.display()),
                source,
            };
            std::fs::create_dir_all(&dir).map_err(io)?;
            write_page(&dir, "attain", &page(&cli, &top_examples(&cli))?).map_err(io)?;
            for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
                let name = sub.get_display_name().unwrap_or(sub.get_name()).to_string();
                let examples = sub
                    .get_after_help()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                write_page(&dir, &name, &page(sub, &examples)?).map_err(io)?;
            }
            eprintln!("wrote manual pages into {}", dir.display());
            Ok(())
        }
    }
}

fn write_page(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(dir.join(format!("{name}.1")))?;
    f.write_all(bytes)?;
    f.flush()
}

/// The top page's examples: the first example of every subcommand.
fn top_examples(cli: &clap::Command) -> String {
    cli.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .filter_map(|s| {
            let after = s.get_after_help()?.to_string();
            after
                .lines()
                .find(|l| l.trim_start().starts_with("attain "))
                .map(|l| l.to_string())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One manual page: clap_mangen's sections, then EXAMPLES (from `examples`,
/// the after-help text), EXIT STATUS, ENVIRONMENT and VERSION.
fn page(cmd: &clap::Command, examples: &str) -> Result<Vec<u8>> {
    let man = Man::new(cmd.clone());
    let mut w: Vec<u8> = vec![];
    let fail = |e: std::io::Error| Error::Internal(format!("man page: {e}"));
    man.render_title(&mut w).map_err(fail)?;
    man.render_name_section(&mut w).map_err(fail)?;
    man.render_synopsis_section(&mut w).map_err(fail)?;
    man.render_description_section(&mut w).map_err(fail)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut w).map_err(fail)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut w).map_err(fail)?;
    }
    let mut roff = String::new();
    if !examples.trim().is_empty() {
        roff.push_str(".SH EXAMPLES\n.nf\n");
        for line in examples.lines() {
            let t = line.trim_end();
            // The "Examples:" heading is the section's title now.
            if matches!(t, "Examples:" | "Example:") {
                continue;
            }
            roff.push_str(&escape(t));
            roff.push('\n');
        }
        roff.push_str(".fi\n");
    }
    roff.push_str(EXIT_AND_ENVIRONMENT);
    w.extend_from_slice(roff.as_bytes());
    man.render_version_section(&mut w).map_err(fail)?;
    Ok(w)
}

/// A line of text for roff: backslashes and hyphens escaped, a leading dot
/// or apostrophe (a request) neutralised.
fn escape(line: &str) -> String {
    let s = line.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// The EXIT STATUS and ENVIRONMENT sections, the same on every page.
const EXIT_AND_ENVIRONMENT: &str = r".SH EXIT STATUS
.TP
\fB0\fR
Success.
.TP
\fB1\fR
Internal failure: a bug in attain, or a file that could not be written for a reason other than the arguments (disk full, permissions).
.TP
\fB2\fR
Bad input: a scenario or other input file with problems (each listed with its line), or a bad argument.
.TP
\fB130\fR
A sweep stopped by Ctrl\-C, SIGTERM or SIGHUP; with \fB\-\-out\fR, the completed grid points are kept for \fB\-\-resume\fR.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set to anything, no colour (https://no\-color.org).
.TP
\fBCLICOLOR\fR
0: no colour. Colour otherwise appears only on a terminal.
.TP
\fBCLICOLOR_FORCE\fR
Set (not 0): colour even when the output is not a terminal.
.TP
\fBTERM\fR
dumb: no colour and no progress bar.
.TP
\fBCOLUMNS\fR
The width of the terminal for the table of \fBrun\fR and \fBmerge\fR (below 120 columns it is compact).
.TP
\fBLANG\fR, \fBLC_ALL\fR
On a narrow terminal, labels in Chinese when the locale starts with zh (see \fB\-\-labels\fR).
.TP
\fBRAYON_NUM_THREADS\fR
Worker threads when \fB\-\-threads\fR is not given (default: all cores). Results do not depend on it.
.TP
\fBATTAIN_PROGRESS_DELAY_MS\fR
Milliseconds a command runs before its progress bar appears (default 1000).
";
