//! `attain run`: simulate a scenario and report each target's probability;
//! with `--precision`, until a precision goal is met; with `--shard K/N`, one
//! shard of the run as a partial summary for `attain merge`; with
//! `--charts DIR`, its SVG charts too.

use std::path::PathBuf;

use attain::engine::{
    DEFAULT_PATHS, Plan, PrecisionOutcome, Progress, RunConfig, Shard, blocks_in, check_domain,
    max_half_width, run as run_variants, run_more, simulate_to_precision,
};
use attain::error::{Error, Result};
use attain::model::step::NoObserver;
use attain::report::PrecisionInfo;
use attain::stats::Accumulator;
use attain::{Model, Report, Scenario, scenario, shard};

use crate::cli::{BomArgs, FormatArg, LabelsArg, OutArgs, RunArgs};
use crate::output::{emit, refuse_input_files, refuse_inputs, stdout, write_atomic};
use crate::parse;
use crate::progress::Bar;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML). Without it, the Jilin 2022 scenario built into the binary.
    scenario: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    #[command(flatten)]
    output: OutArgs,
    #[command(flatten)]
    csv: BomArgs,
    /// Target labels in the table: zh, en or both [default: both; on a terminal narrower than 120 columns, where the table is compact (one line per target), zh when the locale (LANG) starts with zh, else en].
    #[arg(long, value_enum, value_name = "LANG")]
    labels: Option<LabelsArg>,
    /// Keep adding paths until every target's 95% interval half-width is at most E (a fraction, e.g. 0.002).
    /// Decided only after 4096, 8192, 16384... paths (doubling each time), so results do not depend on --threads.
    #[arg(long, value_name = "E", conflicts_with_all = ["paths", "shard"], value_parser = parse::precision)]
    precision: Option<f64>,
    /// Cap on paths for --precision [default: 16777216].
    #[arg(long, value_name = "N", requires = "precision", value_parser = parse::max_paths)]
    max_paths: Option<u64>,
    /// Simulate only shard K of N (K from 0 to N-1) and write a mergeable partial summary (JSON) for `attain merge`.
    #[arg(long, value_name = "K/N", value_parser = parse::shard)]
    shard: Option<Shard>,
    /// Also write SVG charts into DIR (created if missing): ID-distribution.svg for every target (and ID-fan.svg where drawn).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["precision", "shard"])]
    charts: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let config = args.run.config(DEFAULT_PATHS);
    let OutArgs { out, quiet } = args.output;
    let inputs: Vec<&std::path::Path> = args.scenario.as_deref().into_iter().collect();
    refuse_inputs(out.as_deref(), &inputs)?;
    if args.shard.is_none() {
        crate::output::require_out_for_xlsx(args.format == FormatArg::Xlsx, out.as_deref())?;
    }
    crate::output::check_bom(
        args.csv.bom,
        args.format == FormatArg::Csv && args.shard.is_none(),
    )?;
    let pool = super::pool(args.run.threads)?;
    let bar = Bar::new(quiet, "paths");
    if let Some(spec) = args.shard {
        let (text, origin) = super::scenario_text(args.scenario.as_deref())?;
        let bytes = pool.install(|| run_shard(&text, &origin, &config, spec, &bar))?;
        bar.finish();
        return match out {
            Some(path) => write_atomic(&path, &bytes),
            None => stdout(&bytes),
        };
    }
    let (scenario, origin) = super::load(args.scenario.as_deref())?;
    if let Some(dir) = &args.charts {
        refuse_chart_inputs(dir, &scenario, &inputs)?;
    }
    let report = match args.precision {
        Some(e) => pool.install(|| {
            run_precision(
                &scenario,
                &origin,
                config.seed,
                e,
                args.max_paths.unwrap_or(1 << 24),
                &bar,
            )
        })?,
        None => match &args.charts {
            Some(dir) => pool.install(|| {
                super::report::run_with_charts(&scenario, &origin, &config, dir, quiet, &bar)
            })?,
            None => pool.install(|| attain::run(&scenario, &origin, &config, &bar))?,
        },
    };
    bar.finish();
    // The table carries its warnings; other outputs get them on stderr.
    let table_on_stdout = args.format == FormatArg::Table && out.is_none();
    if !quiet && !table_on_stdout {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    let bytes = match args.format.text() {
        Some(format) => crate::output::with_bom(
            crate::terminal::report_bytes(&report, format, out.is_none(), args.labels)?,
            args.csv.bom,
        ),
        None => attain::report::xlsx::run_workbook(&report, Some(scenario.raw()), &origin)?,
    };
    emit(&bytes, out.as_deref(), quiet)
}

/// `--charts DIR` must not overwrite an input: refuse (before running) when
/// one of the chart files it would write is the scenario file.
fn refuse_chart_inputs(
    dir: &std::path::Path,
    scenario: &Scenario,
    inputs: &[&std::path::Path],
) -> Result<()> {
    for t in &scenario.raw().targets {
        for kind in ["fan", "distribution"] {
            refuse_input_files("charts", &dir.join(format!("{}-{kind}.svg", t.id)), inputs)?;
        }
    }
    Ok(())
}

/// Run until every target's 95% half-width is at most `precision`.
fn run_precision(
    scenario: &Scenario,
    origin: &str,
    seed: u64,
    precision: f64,
    max_paths: u64,
    progress: &dyn Progress,
) -> Result<Report> {
    let (model, warnings) = Model::compile(scenario, origin)?;
    let start = std::time::Instant::now();
    let central = model.central_pass();
    let (acc, fixed_acc, outcome) = match &central {
        None => {
            let (acc, outcome) =
                simulate_to_precision(&model, seed, precision, max_paths, progress)?;
            (acc, None, outcome)
        }
        Some(c) => {
            let (acc, fa, outcome) =
                precision_with_fixed(&model, &c.model, seed, precision, max_paths, progress)?;
            let fa = c.widen(&acc, fa);
            (acc, Some(fa), outcome)
        }
    };
    let config = RunConfig {
        paths: acc.paths,
        seed,
    };
    let mut report = Report::build(
        &model,
        &acc,
        &config,
        start.elapsed().as_secs_f64(),
        rayon::current_num_threads(),
        warnings,
    );
    report.run.precision = Some(PrecisionInfo {
        goal: outcome.precision,
        achieved: outcome.achieved,
        reached: outcome.reached,
        max_paths,
    });
    if let Some(fa) = &fixed_acc {
        report.add_assumption_split(&acc, fa);
    }
    Ok(report)
}

/// Reports one checkpoint of a precision run against the whole job: both
/// passes' paths so far plus this checkpoint's.
struct Offset<'a> {
    inner: &'a dyn Progress,
    before: u64,
    total: u64,
}

impl Progress for Offset<'_> {
    fn advance(&self, done: u64, _total: u64) {
        self.inner.advance(self.before + done, self.total);
    }
}

/// [`simulate_to_precision`] with the central-value pass of a scenario with
/// assumptions run beside it, in the same runner calls (the same blocks and
/// draws): the checkpoints (after 1, 2, 4, 8 ... blocks) and the stopping
/// rule are the same, judged on the main pass alone, so the main pass is
/// exactly the one `simulate_to_precision` gives and the split is that of a
/// plain run of the paths used.
fn precision_with_fixed(
    model: &Model,
    fixed: &Model,
    seed: u64,
    precision: f64,
    max_paths: u64,
    progress: &dyn Progress,
) -> Result<(Accumulator, Accumulator, PrecisionOutcome)> {
    if !(precision > 0.0 && precision <= 0.5) {
        return Err(Error::argument(
            "precision",
            format!("must be in (0, 0.5], got {precision}"),
        ));
    }
    if max_paths == 0 {
        return Err(Error::argument("max-paths", "must be at least 1"));
    }
    let variants = [model, fixed];
    let cap_blocks = blocks_in(max_paths);
    let mut outcomes = run_variants(
        &variants,
        &Plan::range(seed, max_paths, 0..0),
        &|_| NoObserver,
        progress,
    );
    let mut done = 0u64;
    let mut checkpoint = 1u64;
    loop {
        let end = checkpoint.min(cap_blocks);
        let plan = Plan::range(seed, max_paths, done..end);
        let step = Offset {
            inner: progress,
            before: 2 * outcomes[0].acc.paths,
            total: 2 * max_paths,
        };
        run_more(&mut outcomes, &variants, &plan, &|_| NoObserver, &step);
        done = end;
        let achieved = max_half_width(&outcomes[0].acc);
        if achieved <= precision || done == cap_blocks {
            check_domain(model, &outcomes[0].acc)?;
            check_domain(fixed, &outcomes[1].acc)?;
            let fixed_acc = outcomes.pop().expect("two outcomes").acc;
            let acc = outcomes.pop().expect("two outcomes").acc;
            return Ok((
                acc,
                fixed_acc,
                PrecisionOutcome {
                    precision,
                    reached: achieved <= precision,
                    achieved,
                },
            ));
        }
        checkpoint *= 2;
    }
}

/// Simulate one shard and return its partial summary as JSON bytes.
fn run_shard(
    text: &str,
    origin: &str,
    config: &RunConfig,
    shard_spec: Shard,
    progress: &dyn Progress,
) -> Result<Vec<u8>> {
    let scenario = scenario::load(text, origin)?;
    let (model, _) = Model::compile(&scenario, origin)?;
    let start = std::time::Instant::now();
    let result = shard::simulate_shard(&model, config, shard_spec, progress)?;
    let part = shard::partial(
        text,
        origin,
        config,
        shard_spec,
        start.elapsed().as_secs_f64(),
        result,
    );
    let mut bytes = serde_json::to_vec(&part)
        .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}
