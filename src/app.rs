//! The binary's glue: read files, build the thread pool, call the library,
//! write outputs. The only place with I/O.

use std::io::Write;
use std::path::{Path, PathBuf};

use attain::engine::{DEFAULT_PATHS, DEFAULT_SEED, NoProgress, RunConfig};
use attain::error::{Error, Result};
use attain::{Format, Model, Scenario, scenario};

use crate::cli::{Cli, Command, FormatArg};

/// Read and validate a scenario, or the embedded one.
fn load(path: Option<&Path>) -> Result<(Scenario, String)> {
    match path {
        None => Ok((
            scenario::embedded()?,
            "<embedded jilin-2022.toml>".to_string(),
        )),
        Some(p) => {
            let origin = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|e| Error::Argument {
                name: "SCENARIO".into(),
                message: format!("cannot read {origin}: {e}"),
            })?;
            Ok((scenario::load(&text, &origin)?, origin))
        }
    }
}

/// Write bytes to a file atomically: a temporary file in the same folder,
/// renamed over the target only once complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |context: String| move |source| Error::Io { context, source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io(format!(
        "cannot create a temporary file in {}",
        dir.display()
    )))?;
    tmp.write_all(bytes)
        .map_err(io(format!("cannot write {}", path.display())))?;
    tmp.as_file()
        .sync_all()
        .map_err(io(format!("cannot write {}", path.display())))?;
    tmp.persist(path).map_err(|e| Error::Io {
        context: format!("cannot write {}", path.display()),
        source: e.error,
    })?;
    Ok(())
}

fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|source| Error::Io {
            context: "cannot write to standard output".into(),
            source,
        })
}

fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if threads == Some(0) {
        return Err(Error::argument("--threads", "must be at least 1"));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start worker threads: {e}")))
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            scenario,
            paths,
            seed,
            threads,
            format,
            out,
            quiet,
        } => {
            let config = RunConfig {
                paths: paths.unwrap_or(DEFAULT_PATHS),
                seed: seed.unwrap_or(DEFAULT_SEED),
            };
            if config.paths == 0 {
                return Err(Error::argument("--paths", "must be at least 1"));
            }
            let (scenario, origin) = load(scenario.as_deref())?;
            let pool = pool(threads)?;
            let report = pool.install(|| attain::run(&scenario, &origin, &config, &NoProgress))?;
            if !quiet {
                for w in &report.warnings {
                    eprintln!("warning: {w}");
                }
            }
            let format = match format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
                FormatArg::Csv => Format::Csv,
            };
            let bytes = report.render(format)?;
            match out {
                Some(path) => {
                    write_atomic(&path, &bytes)?;
                    if !quiet {
                        eprintln!("wrote {}", path.display());
                    }
                    Ok(())
                }
                None => stdout(&bytes),
            }
        }
        Command::Validate { scenario } => {
            let (scenario, origin) = load(Some(&scenario))?;
            let (model, warnings) = Model::compile(&scenario, &origin)?;
            for w in &warnings {
                eprintln!("warning: {w}");
            }
            stdout(
                format!(
                    "{origin}: valid ({} sectors, {} shocks, {} events, {} indicators, {} targets)\n",
                    model.sectors.len(),
                    model.shock_ids.len(),
                    model.events.len(),
                    model.indicators.len(),
                    model.targets.len()
                )
                .as_bytes(),
            )
        }
        Command::Explain { scenario } => {
            let (scenario, origin) = load(scenario.as_deref())?;
            let (model, warnings) = Model::compile(&scenario, &origin)?;
            stdout(attain::explain::explain(&model, &warnings).as_bytes())
        }
    }
}
