//! The binary's glue for `params`, `sweep`, `solve` and `sensitivity`: read
//! files (a sweep file's base scenario too), build the pool, call
//! `attain::params` / `attain::sweep`, write the output.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use attain::engine::{DEFAULT_PATHS, DEFAULT_SEED, RunConfig};
use attain::error::{Error, Result};
use attain::{Scenario, params, scenario, sweep};

use crate::app::{load, pool, stdout, write_atomic};
use crate::cli::{Command, SolveFormatArg, StudyFormatArg};

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

/// Progress on standard error, only on a terminal and without --quiet.
fn progress(quiet: bool, what: &'static str) -> impl Fn(usize, usize) + Sync {
    let show = !quiet && std::io::stderr().is_terminal();
    move |done, total| {
        if show {
            let mut e = std::io::stderr().lock();
            let _ = if total > 0 {
                write!(e, "\r{what} {done}/{total}")
            } else {
                write!(e, "\r{what} {done}")
            };
            let _ = e.flush();
        }
    }
}

fn end_progress(quiet: bool) {
    if !quiet && std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
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
    } = cmd
    else {
        return Err(Error::Internal("sweep called with another command".into()));
    };
    let cli_axes = set
        .iter()
        .map(|s| sweep::parse_set(s))
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
    let on = progress(quiet, "grid point");
    let result = pool.install(|| {
        sweep::sweep(
            &input.scenario,
            &input.origin,
            &axes,
            &targets,
            &config,
            &on,
        )
    });
    end_progress(quiet);
    let result = result?;
    let table_on_stdout = format == StudyFormatArg::Table && out.is_none();
    if !quiet && !table_on_stdout {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
        eprintln!(
            "swept {} points x {} paths in {:.2} s",
            result.points, result.paths, result.elapsed_s
        );
    }
    let bytes = match format {
        StudyFormatArg::Table => result.table().into_bytes(),
        StudyFormatArg::Csv => result.csv()?,
        StudyFormatArg::Json => result.json()?,
    };
    emit(&bytes, out.as_deref(), quiet)
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
    } = cmd
    else {
        return Err(Error::Internal("solve called with another command".into()));
    };
    let (path, low, high) = sweep::parse_vary(&vary)?;
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
    let on = progress(false, "evaluation");
    let result = pool.install(|| sweep::solve(&scenario, &origin, &spec, &config, &on));
    end_progress(false);
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
    } = cmd
    else {
        return Err(Error::Internal(
            "sensitivity called with another command".into(),
        ));
    };
    let stated = sd
        .iter()
        .map(|s| sweep::parse_sd(s))
        .collect::<Result<Vec<_>>>()?;
    let config = RunConfig {
        paths: paths.unwrap_or(sweep::SENSITIVITY_PATHS),
        seed: seed.unwrap_or(DEFAULT_SEED),
    };
    check_paths(config.paths)?;
    let pool = pool(threads)?;
    let (scenario, origin) = load(scenario.as_deref())?;
    let on = progress(quiet, "run");
    let result = pool.install(|| {
        sweep::sensitivity(&scenario, &origin, target.as_deref(), &stated, &config, &on)
    });
    end_progress(quiet);
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
    emit(&bytes, out.as_deref(), quiet)
}
