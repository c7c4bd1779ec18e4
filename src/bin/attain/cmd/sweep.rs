//! `attain sweep`: a scenario over a grid of parameter values, with the same
//! random numbers at every point; a sweep file may name the scenario and the
//! grid. With `--out FILE`, completed points are journaled ([`super::journal`])
//! so that an interrupted sweep (Ctrl-C, SIGTERM) can `--resume`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use attain::engine::{DEFAULT_PATHS, DEFAULT_SEED, RunConfig};
use attain::error::{Error, Result};
use attain::{Scenario, scenario, study};

use super::journal::Journal;
use super::load;
use crate::cli::{BomArgs, OutArgs, RunArgs, StudyFormatArg};
use crate::output::{emit, refuse_inputs};
use crate::parse;
use crate::progress::Bar;

#[derive(Debug, clap::Args)]
#[command(mut_args(crate::cli::helps(&[
        ("paths", "Paths per grid point [default: 65536, or the sweep file's]"),
        ("seed", "Seed, the same at every grid point [default: 20220124, or the sweep file's]"),
    ])))]
pub struct Args {
    /// Scenario file, or a sweep file (a TOML file with a [sweep] table naming its scenario and grid). Without it, the embedded Jilin 2022 scenario.
    scenario: Option<PathBuf>,
    /// A parameter and its values, PATH=START:STOP:COUNT (inclusive, evenly spaced) or PATH=a,b,c. Repeat it for a full grid; `attain params` lists the paths.
    #[arg(long = "set", value_name = "PATH=SPEC", value_parser = parse::set)]
    set: Vec<study::Axis>,
    /// Report only this target (repeatable) [default: every target].
    #[arg(long = "target", value_name = "ID")]
    target: Vec<String>,
    #[command(flatten)]
    run: RunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StudyFormatArg::Table)]
    format: StudyFormatArg,
    #[command(flatten)]
    output: OutArgs,
    #[command(flatten)]
    csv: BomArgs,
    /// Also draw the sweep as an SVG chart in FILE: P(met) with its 95% band against one parameter, or a heat map over two; one panel per target.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Continue an interrupted sweep: reuse the grid points kept in FILE.journal (written beside --out FILE as each point finishes) and simulate only the others; the output is that of an uninterrupted run. Without a journal, start from the first point.
    #[arg(long, requires = "out")]
    resume: bool,
    /// For tests: stop exactly as on Ctrl-C once N grid points are done in this run.
    #[arg(long, value_name = "N", hide = true)]
    stop_after: Option<usize>,
}

/// The base scenario and the settings a sweep file adds.
struct SweepInput {
    scenario: Scenario,
    origin: String,
    file: Option<study::SweepFile>,
    /// The files read: SCENARIO, and a sweep file's base scenario.
    inputs: Vec<PathBuf>,
}

/// Read SCENARIO, which may be a sweep file (detected by its `[sweep]` table).
fn load_sweep_input(path: Option<&Path>) -> Result<SweepInput> {
    let Some(p) = path else {
        let (scenario, origin) = load(None)?;
        return Ok(SweepInput {
            scenario,
            origin,
            file: None,
            inputs: vec![],
        });
    };
    let origin = p.display().to_string();
    let text = crate::output::read_text(p, "SCENARIO")?;
    if !study::is_sweep_file(&text) {
        return Ok(SweepInput {
            scenario: scenario::load(&text, &origin)?,
            origin,
            file: None,
            inputs: vec![p.to_path_buf()],
        });
    }
    let file = study::parse_sweep_file(&text, &origin)?;
    // The base scenario's path is relative to the sweep file; shown without
    // `folder/..` where that names the same file.
    let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
    let base: PathBuf = tidy(&dir.join(&file.scenario));
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
        inputs: vec![p.to_path_buf(), base],
    })
}

/// `path` with `.` and `folder/..` components removed, when the result is
/// the same file (a folder that is a symbolic link could make it another).
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = vec![];
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    let tidy: PathBuf = out.iter().collect();
    if !tidy.as_os_str().is_empty() && crate::output::same_path(&tidy, path) {
        tidy
    } else {
        path.to_path_buf()
    }
}

/// `attain sweep`.
pub fn run(args: Args) -> Result<()> {
    let Args {
        scenario,
        set: cli_axes,
        target,
        run,
        format,
        output: OutArgs { out, quiet },
        csv: BomArgs { bom },
        chart,
        resume,
        stop_after,
    } = args;
    let RunArgs {
        paths,
        seed,
        threads,
    } = run;
    let pool = super::pool(threads)?;
    // SCENARIO first, before it is read; a sweep file's scenario once it is named.
    let given: Vec<&Path> = scenario.as_deref().into_iter().collect();
    refuse_inputs(out.as_deref(), &given)?;
    crate::output::require_out_for_xlsx(format == StudyFormatArg::Xlsx, out.as_deref())?;
    crate::output::check_bom(bom, format == StudyFormatArg::Csv)?;
    let input = load_sweep_input(scenario.as_deref())?;
    let read: Vec<&Path> = input.inputs.iter().map(PathBuf::as_path).collect();
    refuse_inputs(out.as_deref(), &read)?;
    if let Some(c) = &chart {
        crate::output::check_out("chart", c)?;
        crate::output::refuse_input_files("chart", c, &read)?;
    }
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
    // `--paths` was checked as it was parsed; a sweep file's `paths` is checked here.
    if config.paths == 0 {
        return Err(Error::argument("paths", "must be at least 1"));
    }
    if config.paths > parse::MAX_PATHS {
        return Err(Error::argument(
            "paths",
            parse::too_many_paths(config.paths),
        ));
    }
    study::check_axes(input.scenario.raw(), &axes)?;
    // With --out, completed points go to a journal beside it as they finish.
    let journal = match &out {
        Some(path) => Some(Journal::open(
            path,
            study::JournalHeader::new(&input.scenario, &axes, &config)?,
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
    let on_point = |p: &study::PointResult| -> Result<()> {
        if let Some(j) = &journal {
            j.append(p)?;
        }
        let n = new_points.fetch_add(1, Ordering::SeqCst) + 1;
        if stop_after.is_some_and(|k| n >= k) {
            STOP.store(true, Ordering::SeqCst);
        }
        Ok(())
    };
    let control = study::SweepControl {
        done: journal.as_ref().map(|j| j.done.clone()).unwrap_or_default(),
        on_point: &on_point,
        stop: &STOP,
    };
    let bar = Bar::new(quiet, "grid points");
    let on = bar.callback();
    let outcome = pool.install(|| {
        study::sweep_resumable(
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
        study::SweepOutcome::Finished(r) => r,
        study::SweepOutcome::Interrupted { completed, points } => {
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
        StudyFormatArg::Table => result.table_for(input.scenario.raw()).into_bytes(),
        StudyFormatArg::Csv => crate::output::with_bom(result.csv()?, bom),
        StudyFormatArg::Json => result.json()?,
        StudyFormatArg::Xlsx => {
            attain::report::xlsx::sweep_workbook(&result, input.scenario.raw())?
        }
    };
    emit(&bytes, out.as_deref(), quiet)?;
    // The output is complete and in place: the journal has served its purpose.
    if let Some(j) = &journal {
        j.remove(quiet);
    }
    if let Some(path) = &chart {
        let svg = attain::charts::study::sweep_svg_for(&result, input.scenario.raw())?;
        super::report::write_chart(path, &svg, quiet)?;
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
