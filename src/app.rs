//! The binary's glue: read files, build the thread pool, call the library,
//! write outputs. The only place with I/O.

use std::io::Write;
use std::path::{Path, PathBuf};

use attain::engine::{DEFAULT_PATHS, DEFAULT_SEED, RunConfig};
use attain::error::{Error, Result};
use attain::{Format, Model, Report, Scenario, scenario};
use clap::CommandFactory;

use crate::cli::{BenchFormatArg, Cli, Command, FormatArg};
use crate::progress::Bar;

/// Read and validate a scenario, or the embedded one.
pub(crate) fn load(path: Option<&Path>) -> Result<(Scenario, String)> {
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
    // A temporary file is private (0600); a report is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io(format!("cannot write {}", path.display())))?;
    }
    tmp.persist(path).map_err(|e| Error::Io {
        context: format!("cannot write {}", path.display()),
        source: e.error,
    })?;
    Ok(())
}

pub(crate) fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|source| Error::Io {
            context: "cannot write to standard output".into(),
            source,
        })
}

/// A report's bytes. The table's verdict words are coloured only when it goes
/// to standard output, that is a terminal, and NO_COLOR is unset; files,
/// pipes, JSON and CSV never carry escape codes.
fn report_bytes(report: &Report, format: Format, to_stdout: bool) -> Result<Vec<u8>> {
    if format == Format::Table && to_stdout && crate::colour(&std::io::stdout()) {
        Ok(
            attain::report::table::render_coloured(report, attain::report::TABLE_WIDTH, true)
                .into_bytes(),
        )
    } else {
        report.render(format)
    }
}

pub(crate) fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
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
            precision,
            max_paths,
            shard,
            charts,
        } => {
            let config = RunConfig {
                paths: paths.unwrap_or(DEFAULT_PATHS),
                seed: seed.unwrap_or(DEFAULT_SEED),
            };
            if config.paths == 0 {
                return Err(Error::argument("--paths", "must be at least 1"));
            }
            let pool = pool(threads)?;
            let bar = Bar::new(quiet, "paths");
            if let Some(spec) = shard {
                let (text, origin) = crate::commands_shard::scenario_text(scenario.as_deref())?;
                let bytes = pool.install(|| {
                    crate::commands_shard::run_shard(&text, &origin, &config, &spec, &bar)
                })?;
                bar.finish();
                return match out {
                    Some(path) => write_atomic(&path, &bytes),
                    None => stdout(&bytes),
                };
            }
            let (scenario, origin) = load(scenario.as_deref())?;
            let report = match precision {
                Some(e) => pool.install(|| {
                    crate::commands_shard::run_precision(
                        &scenario,
                        &origin,
                        config.seed,
                        e,
                        max_paths.unwrap_or(1 << 24),
                        &bar,
                    )
                })?,
                None => match &charts {
                    Some(dir) => pool.install(|| {
                        crate::commands_report::run_with_charts(
                            &scenario, &origin, &config, dir, quiet, &bar,
                        )
                    })?,
                    None => pool.install(|| attain::run(&scenario, &origin, &config, &bar))?,
                },
            };
            bar.finish();
            // The table carries its warnings; other outputs get them on stderr.
            let table_on_stdout = format == FormatArg::Table && out.is_none();
            if !quiet && !table_on_stdout {
                for w in &report.warnings {
                    eprintln!("warning: {w}");
                }
            }
            let format = match format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
                FormatArg::Csv => Format::Csv,
            };
            let bytes = report_bytes(&report, format, out.is_none())?;
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
        Command::Bench {
            scenario,
            paths,
            threads,
            format,
        } => {
            if paths == 0 {
                return Err(Error::argument("--paths", "must be at least 1"));
            }
            let (scenario, origin) = load(scenario.as_deref())?;
            let (model, _) = Model::compile(&scenario, &origin)?;
            let pool = pool(threads)?;
            let mut result = pool.install(|| attain::bench::bench(&model, paths, DEFAULT_SEED))?;
            result.peak_rss_bytes = peak_rss_bytes();
            let text = match format {
                BenchFormatArg::Json => {
                    serde_json::to_string_pretty(&result)
                        .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?
                        + "\n"
                }
                BenchFormatArg::Table => format!(
                    "scenario          {}\npaths             {} x {} repetitions (median)\nthreads           {}\n\
                     paths per second  {:.0}\nns per path       {:.1}\ndraws per path    {}\n\
                     floor ns per draw {:.2}\nfloor ratio       {:.2}\npeak RSS          {}\n",
                    result.scenario,
                    result.paths,
                    result.repetitions,
                    result.threads,
                    result.paths_per_s,
                    result.ns_per_path,
                    result.draws_per_path,
                    result.floor_ns_per_draw,
                    result.floor_ratio,
                    result
                        .peak_rss_bytes
                        .map(|b| format!("{:.1} MiB", b as f64 / 1048576.0))
                        .unwrap_or("unknown".into())
                ),
            };
            stdout(text.as_bytes())
        }
        Command::Merge { parts, format, out } => {
            let report = crate::commands_shard::merge(&parts)?;
            let format = match format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
                FormatArg::Csv => Format::Csv,
            };
            let bytes = report_bytes(&report, format, out.is_none())?;
            match out {
                Some(path) => write_atomic(&path, &bytes),
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
                    "{origin}: valid ({} sectors, {} shocks, {} event(s), {} indicators, {} targets)\n",
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
        Command::Params { scenario } => crate::commands::params(scenario.as_deref()),
        cmd @ Command::Sweep { .. } => crate::commands::sweep(cmd),
        cmd @ Command::Solve { .. } => crate::commands::solve(cmd),
        cmd @ Command::Sensitivity { .. } => crate::commands::sensitivity(cmd),
        cmd @ Command::Report { .. } => crate::commands_report::report(cmd),
        cmd @ Command::Calibrate { .. } => crate::commands_data::calibrate(cmd),
        cmd @ Command::Backtest { .. } => crate::commands_data::backtest(cmd),
        Command::Completions { shell } => {
            let mut bytes = vec![];
            clap_complete::generate(shell, &mut Cli::command(), "attain", &mut bytes);
            stdout(&bytes)
        }
        Command::Man { dir: None } => {
            let mut bytes = vec![];
            clap_mangen::Man::new(Cli::command())
                .render(&mut bytes)
                .map_err(|e| Error::Internal(format!("man page: {e}")))?;
            stdout(&bytes)
        }
        Command::Man { dir: Some(dir) } => {
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|source| Error::Io {
                context: format!("cannot write manual pages into {}", dir.display()),
                source,
            })?;
            eprintln!("wrote manual pages into {}", dir.display());
            Ok(())
        }
    }
}

/// Peak resident set size of this process (Linux: VmHWM in /proc/self/status).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
