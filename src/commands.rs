//! The binary's glue for `params`, `sweep`, `solve` and `sensitivity`: read
//! files (a sweep file's base scenario too), build the pool, call
//! `attain::study`, write the output.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use attain::engine::{DEFAULT_PATHS, DEFAULT_SEED, RunConfig};
use attain::error::{Error, Result};
use attain::study::{self as sweep, Axis, params};
use attain::{Scenario, scenario};

use crate::app::{load, pool, stdout, write_atomic};
use crate::cli::{Command, SolveFormatArg, StudyFormatArg};
use crate::progress::Bar;

/// `attain params`: one line per addressable number.
pub(crate) fn params(path: Option<&Path>) -> Result<()> {
    let (scenario, _) = load(path)?;
    let list = params::list(scenario.raw());
    let width = list.iter().map(|p| p.path.len()).max().unwrap_or(0);
    let values: Vec<String> = list.iter().map(|p| format!("{}", p.value)).collect();
    let vwidth = values.iter().map(String::len).max().unwrap_or(0);
    let mut text = String::new();
    for (p, v) in list.iter().zip(&values) {
        text.push_str(&format!("{:<width$}  {:>vwidth$}  {}\n", p.path, v, p.unit));
    }
    stdout(text.as_bytes())
}

fn check_paths(paths: u64) -> Result<()> {
    if paths == 0 {
        Err(Error::argument("--paths", "must be at least 1"))
    } else {
        Ok(())
    }
}

/// Write to `--out` (atomically) or standard output.
fn emit(bytes: &[u8], out: Option<&Path>, quiet: bool) -> Result<()> {
    match out {
        Some(path) => {
            write_atomic(path, bytes)?;
            if !quiet {
                eprintln!("wrote {}", path.display());
            }
            Ok(())
        }
        None => stdout(bytes),
    }
}

/// The base scenario and the settings a sweep file adds.
struct SweepInput {
    scenario: Scenario,
    origin: String,
    file: Option<sweep::SweepFile>,
}

/// Read SCENARIO, which may be a sweep file (detected by its `[sweep]` table).
fn load_sweep_input(path: Option<&Path>) -> Result<SweepInput> {
    let Some(p) = path else {
        let (scenario, origin) = load(None)?;
        return Ok(SweepInput {
            scenario,
            origin,
            file: None,
        });
    };
    let origin = p.display().to_string();
    let text = std::fs::read_to_string(p)
        .map_err(|e| Error::argument("SCENARIO", format!("cannot read {origin}: {e}")))?;
    if !sweep::is_sweep_file(&text) {
        return Ok(SweepInput {
            scenario: scenario::load(&text, &origin)?,
            origin,
            file: None,
        });
    }
    let file = sweep::parse_sweep_file(&text, &origin)?;
    // The base scenario's path is relative to the sweep file.
    let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
    let base: PathBuf = dir.join(&file.scenario);
    let (scenario, origin) = load(Some(&base)).map_err(|e| match e {
        Error::Argument { message, .. } => Error::argument(
            origin.clone(),
            format!("the sweep file's scenario = {:?}: {message}", file.scenario),
        ),
        other => other,
    })?;
    Ok(SweepInput {
        scenario,
        origin,
        file: Some(file),
    })
}

/// `attain sweep`.
pub(crate) fn sweep(cmd: Command) -> Result<()> {
    let Command::Sweep {
        scenario,
        set,
        target,
        paths,
        seed,
        threads,
        format,
        out,
        quiet,
        resume,
        stop_after,
        chart,
    } = cmd
    else {
        return Err(Error::Internal("sweep called with another command".into()));
    };
    let cli_axes = set
        .iter()
        .map(|s| parse_set(s))
        .collect::<Result<Vec<_>>>()?;
    if let Some(p) = paths {
        check_paths(p)?;
    }
    let pool = pool(threads)?;
    let input = load_sweep_input(scenario.as_deref())?;
    let (mut axes, mut targets, mut config) = (vec![], target, RunConfig::default());
    if let Some(f) = &input.file {
        axes.extend(f.axes.iter().cloned());
        if targets.is_empty() {
            targets = f.targets.clone();
        }
        config.paths = f.paths.unwrap_or(DEFAULT_PATHS);
        config.seed = f.seed.unwrap_or(DEFAULT_SEED);
    }
    axes.extend(cli_axes);
    config.paths = paths.unwrap_or(config.paths);
    config.seed = seed.unwrap_or(config.seed);
    check_paths(config.paths)?;
    sweep::check_axes(input.scenario.raw(), &axes)?;
    // With --out, completed points go to a journal beside it as they finish.
    let journal = match &out {
        Some(path) => Some(Journal::open(
            path,
            sweep::JournalHeader::new(&input.scenario, &axes, &config)?,
            resume,
            quiet,
        )?),
        None => None,
    };
    watch_signals(quiet);
    if stop_after == Some(0) {
        STOP.store(true, Ordering::SeqCst);
    }
    let new_points = AtomicUsize::new(0);
    let on_point = |p: &sweep::PointResult| -> Result<()> {
        if let Some(j) = &journal {
            j.append(p)?;
        }
        let n = new_points.fetch_add(1, Ordering::SeqCst) + 1;
        if stop_after.is_some_and(|k| n >= k) {
            STOP.store(true, Ordering::SeqCst);
        }
        Ok(())
    };
    let control = sweep::SweepControl {
        done: journal.as_ref().map(|j| j.done.clone()).unwrap_or_default(),
        on_point: &on_point,
        stop: &STOP,
    };
    let bar = Bar::new(quiet, "grid points");
    let on = bar.callback();
    let outcome = pool.install(|| {
        sweep::sweep_resumable(
            &input.scenario,
            &input.origin,
            &axes,
            &targets,
            &config,
            &on,
            &control,
        )
    });
    bar.finish();
    let result = match outcome? {
        sweep::SweepOutcome::Finished(r) => r,
        sweep::SweepOutcome::Interrupted { completed, points } => {
            match journal.as_ref().filter(|j| j.path.exists()) {
                Some(j) => eprintln!(
                    "interrupted: {completed} of {points} grid points are done and kept in {}\nresume with: {}",
                    j.path.display(),
                    resume_command()
                ),
                None if out.is_some() => {
                    eprintln!("interrupted before the first grid point was done: nothing to keep")
                }
                None => eprintln!(
                    "interrupted: {completed} of {points} grid points were done, but a sweep keeps its completed points only with --out FILE; nothing was written"
                ),
            }
            std::process::exit(INTERRUPTED_EXIT_CODE);
        }
    };
    let table_on_stdout = format == StudyFormatArg::Table && out.is_none();
    if !quiet && !table_on_stdout {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
        let reused = journal.as_ref().map_or(0, |j| j.done.len());
        eprintln!(
            "swept {} points x {} paths in {:.2} s{}",
            result.points,
            result.paths,
            result.elapsed_s,
            if reused > 0 {
                format!(" ({reused} of them from the journal)")
            } else {
                String::new()
            }
        );
    }
    let bytes = match format {
        StudyFormatArg::Table => result.table().into_bytes(),
        StudyFormatArg::Csv => result.csv()?,
        StudyFormatArg::Json => result.json()?,
    };
    emit(&bytes, out.as_deref(), quiet)?;
    // The output is complete and in place: the journal has served its purpose.
    if let Some(j) = &journal {
        j.remove(quiet);
    }
    if let Some(path) = &chart {
        let svg = attain::charts::study::sweep_svg(&result)?;
        crate::commands_report::write_chart(path, &svg, quiet)?;
    }
    Ok(())
}

/// Exit code of a sweep stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
const INTERRUPTED_EXIT_CODE: i32 = 130;

/// Raised by the first Ctrl-C, SIGTERM or SIGHUP (or by `--stop-after`):
/// no new grid point starts.
static STOP: AtomicBool = AtomicBool::new(false);

/// Catch Ctrl-C, SIGTERM and SIGHUP: the first raises [`STOP`] (the points
/// in progress finish and are kept), a second exits at once (every point
/// finished before it is already in the journal).
fn watch_signals(quiet: bool) {
    // Fails only if a handler is already installed: then that one decides.
    let _ = ctrlc::set_handler(move || {
        // On a terminal, start a new line after the echoed ^C (or the progress bar).
        let nl = if std::io::stderr().is_terminal() {
            "\n"
        } else {
            ""
        };
        if STOP.swap(true, Ordering::SeqCst) {
            eprintln!("{nl}interrupted again: stopping at once");
            std::process::exit(INTERRUPTED_EXIT_CODE);
        }
        if !quiet {
            eprintln!(
                "{nl}interrupt: finishing the grid points in progress (interrupt again to stop at once)"
            );
        }
    });
}

/// This command line with `--resume` (and without the test hook `--stop-after`),
/// quoted for a POSIX shell.
fn resume_command() -> String {
    let mut args: Vec<String> = vec![];
    let mut skip = false;
    for a in std::env::args_os() {
        let a = a.to_string_lossy().into_owned();
        if skip {
            skip = false;
        } else if a == "--stop-after" {
            skip = true;
        } else if !a.starts_with("--stop-after=") {
            args.push(a);
        }
    }
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".into());
    }
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The journal of a sweep with `--out FILE`: `FILE.journal`, a header line
/// then one line per completed grid point, each written and synced to disk as
/// the point finishes (format: `attain::study::journal_line`). Created with
/// the first completed point, so a sweep that fails before simulating
/// anything leaves nothing behind; removed once FILE is written.
struct Journal {
    path: PathBuf,
    header: String,
    /// Points read from an existing journal (with --resume).
    done: Vec<sweep::PointResult>,
    /// Open for appending once the header is on disk.
    file: Mutex<Option<File>>,
}

impl Journal {
    fn open(out: &Path, header: sweep::JournalHeader, resume: bool, quiet: bool) -> Result<Self> {
        let mut name = out.as_os_str().to_owned();
        name.push(".journal");
        let path = PathBuf::from(name);
        let shown = path.display().to_string();
        let io = |source| Error::Io {
            context: format!("cannot use the sweep journal {shown}"),
            source,
        };
        let mut journal = Journal {
            header: header.line()?,
            done: vec![],
            file: Mutex::new(None),
            path: path.clone(),
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if resume && !quiet {
                    eprintln!("note: no journal {shown}: starting from the first grid point");
                }
                return Ok(journal);
            }
            Err(e) => return Err(io(e)),
        };
        if !resume {
            return Err(Error::argument(
                "--out",
                format!(
                    "{shown} holds the completed grid points of an interrupted sweep: add --resume to continue it, or delete {shown} to start over"
                ),
            ));
        }
        let found = sweep::read_journal(&bytes, &header, &shown)?;
        if let Some(note) = &found.dropped {
            if !quiet {
                eprintln!("note: {note}");
            }
        }
        if found.valid_len > 0 {
            // Cut off the remains of a write cut short, then append after the intact lines.
            let file = OpenOptions::new().append(true).open(&path).map_err(io)?;
            file.set_len(found.valid_len as u64).map_err(io)?;
            file.sync_all().map_err(io)?;
            journal.file = Mutex::new(Some(file));
        }
        if !quiet {
            eprintln!(
                "resuming: {} of {} grid points kept in {shown}",
                found.points.len(),
                header.points
            );
        }
        journal.done = found.points;
        Ok(journal)
    }

    /// Append a completed point and sync it to disk before it counts as kept.
    fn append(&self, p: &sweep::PointResult) -> Result<()> {
        let io = |source| Error::Io {
            context: format!("cannot write the sweep journal {}", self.path.display()),
            source,
        };
        let mut file = self
            .file
            .lock()
            .map_err(|_| Error::Internal("journal lock poisoned".into()))?;
        if file.is_none() {
            let mut f = File::create(&self.path).map_err(io)?;
            f.write_all(self.header.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            // Make the new file's name durable too.
            if let Some(dir) = self.path.parent() {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            *file = Some(f);
        }
        if let Some(f) = file.as_mut() {
            f.write_all(sweep::journal_line(p).as_bytes())
                .and_then(|_| f.sync_data())
                .map_err(io)?;
        }
        Ok(())
    }

    /// Delete the journal once the output is written.
    fn remove(&self, quiet: bool) {
        if let Ok(mut f) = self.file.lock() {
            *f = None;
        }
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                if !quiet {
                    eprintln!(
                        "warning: the output is complete, but the journal {} could not be removed: {e}",
                        self.path.display()
                    );
                }
            }
        }
    }
}

/// `attain solve`.
pub(crate) fn solve(cmd: Command) -> Result<()> {
    let Command::Solve {
        scenario,
        vary,
        target,
        probability,
        paths,
        seed,
        threads,
        format,
        quiet,
    } = cmd
    else {
        return Err(Error::Internal("solve called with another command".into()));
    };
    let (path, low, high) = parse_vary(&vary)?;
    let config = RunConfig {
        paths: paths.unwrap_or(DEFAULT_PATHS),
        seed: seed.unwrap_or(DEFAULT_SEED),
    };
    check_paths(config.paths)?;
    let pool = pool(threads)?;
    let (scenario, origin) = load(scenario.as_deref())?;
    let spec = sweep::SolveSpec {
        path,
        low,
        high,
        target,
        probability,
    };
    let bar = Bar::new(quiet, "evaluations");
    let on = bar.callback();
    let result = pool.install(|| sweep::solve(&scenario, &origin, &spec, &config, &on));
    bar.finish();
    let result = result?;
    let bytes = match format {
        SolveFormatArg::Table => result.table().into_bytes(),
        SolveFormatArg::Json => result.json()?,
    };
    stdout(&bytes)
}

/// `attain sensitivity`.
pub(crate) fn sensitivity(cmd: Command) -> Result<()> {
    let Command::Sensitivity {
        scenario,
        target,
        sd,
        paths,
        seed,
        threads,
        format,
        out,
        quiet,
        chart,
    } = cmd
    else {
        return Err(Error::Internal(
            "sensitivity called with another command".into(),
        ));
    };
    let stated = sd.iter().map(|s| parse_sd(s)).collect::<Result<Vec<_>>>()?;
    let config = RunConfig {
        paths: paths.unwrap_or(sweep::SENSITIVITY_PATHS),
        seed: seed.unwrap_or(DEFAULT_SEED),
    };
    check_paths(config.paths)?;
    let pool = pool(threads)?;
    let (scenario, origin) = load(scenario.as_deref())?;
    let bar = Bar::new(quiet, "runs");
    let on = bar.callback();
    let result = pool.install(|| {
        sweep::sensitivity(&scenario, &origin, target.as_deref(), &stated, &config, &on)
    });
    bar.finish();
    let result = result?;
    let table_on_stdout = format == StudyFormatArg::Table && out.is_none();
    if !quiet && !table_on_stdout {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
    }
    let bytes = match format {
        StudyFormatArg::Table => result.table().into_bytes(),
        StudyFormatArg::Csv => result.csv()?,
        StudyFormatArg::Json => result.json()?,
    };
    if let Some(path) = &chart {
        let svg = attain::charts::tornado::tornado_svg(&result)?;
        crate::commands_report::write_chart(path, &svg, quiet)?;
    }
    emit(&bytes, out.as_deref(), quiet)
}

// The parsers of the `--set`, `--vary` and `--sd` flags, moved unchanged from
// the library (which names no flag); the binary's own versions replace them.

fn parse_number(path: &str, s: &str, spec: &str) -> Result<f64> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::argument(
            path,
            format!("{t:?} in {spec:?} is not a finite number"),
        )),
    }
}

/// Parse `PATH=SPEC` (a `--set` flag).
///
/// # Errors
/// `Argument` naming the flag or the path.
fn parse_set(arg: &str) -> Result<Axis> {
    let Some((path, spec)) = arg.split_once('=') else {
        return Err(Error::argument(
            "--set",
            format!("expected PATH=SPEC (e.g. sectors.automobile.growth=0:20:5), got {arg:?}"),
        ));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(Error::argument(
            "--set",
            format!("no path before '=' in {arg:?}"),
        ));
    }
    Ok(Axis {
        path: path.to_string(),
        values: sweep::parse_spec(path, spec)?,
    })
}

/// Parse `PATH=LOW:HIGH` (the `--vary` flag).
///
/// # Errors
/// `Argument` naming the flag or the path.
fn parse_vary(arg: &str) -> Result<(String, f64, f64)> {
    let Some((path, range)) = arg.split_once('=') else {
        return Err(Error::argument(
            "--vary",
            format!("expected PATH=LOW:HIGH (e.g. sectors.automobile.growth=0:30), got {arg:?}"),
        ));
    };
    let path = path.trim().to_string();
    if path.is_empty() {
        return Err(Error::argument(
            "--vary",
            format!("no path before '=' in {arg:?}"),
        ));
    }
    let parts: Vec<&str> = range.split(':').collect();
    let [a, b] = parts.as_slice() else {
        return Err(Error::argument(
            &path,
            format!("bad range {range:?}: expected LOW:HIGH, e.g. 0:30"),
        ));
    };
    let low = parse_number(&path, a, range)?;
    let high = parse_number(&path, b, range)?;
    if low >= high {
        return Err(Error::argument(
            &path,
            format!("bad range {range:?}: LOW must be below HIGH"),
        ));
    }
    Ok((path, low, high))
}

/// Parse `PATH=AMOUNT` (the `--sd` flag): a stated standard deviation.
///
/// # Errors
/// `Argument` naming the flag or the path.
fn parse_sd(arg: &str) -> Result<(String, f64)> {
    let Some((path, amount)) = arg.split_once('=') else {
        return Err(Error::argument(
            "--sd",
            format!("expected PATH=AMOUNT (e.g. sectors.automobile.growth=2), got {arg:?}"),
        ));
    };
    let path = path.trim().to_string();
    let a = parse_number(&path, amount, amount)?;
    if a <= 0.0 {
        return Err(Error::argument(
            &path,
            format!("a standard deviation must be > 0, got {a}"),
        ));
    }
    Ok((path, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_vary_and_sd() {
        assert!(parse_set("novalue").is_err());
        assert_eq!(parse_set("a.b=1,2").unwrap().values, vec![1.0, 2.0]);
        assert_eq!(parse_vary("a.b=0:30").unwrap(), ("a.b".into(), 0.0, 30.0));
        assert!(
            parse_vary("a.b=30:0")
                .unwrap_err()
                .to_string()
                .contains("a.b")
        );
        assert!(parse_vary("a.b").is_err());
        assert_eq!(parse_sd("a.b=2").unwrap(), ("a.b".into(), 2.0));
        assert!(parse_sd("a.b=-1").is_err());
    }
}
