//! Solve (goal seek): the value of one lever at which a target's probability
//! reaches a level, by bracketing on common random numbers, coarse to fine
//! (its JSON and text rendering are in `solve_render.rs`).

use std::time::Instant;

use serde::Serialize;

use super::spec::tidy;
use super::*;
use crate::engine::{self, NoProgress, RunConfig};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::step::NoObserver;
use crate::report::format::{exact, pct, sig4};
use crate::scenario::Scenario;
use crate::stats::{Z95, wilson};

/// What to solve for.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveSpec {
    /// The lever's path.
    pub path: String,
    /// Lower end of the search range.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Target id.
    pub target: String,
    /// Probability of attainment sought, in [0, 1].
    pub probability: f64,
}

/// The target's probability at one value of the lever.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    /// Lever value.
    pub value: f64,
    /// Probability of attainment.
    pub probability: f64,
    /// 95% Wilson interval, lower end.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
}

/// One stage of the search: lever values evaluated with `paths` paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// Paths per evaluation at this stage (the first blocks of the whole run).
    pub paths: u64,
    /// Lever values evaluated at this stage.
    pub evaluations: usize,
}

/// The result of a goal seek.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolveResult {
    /// Scenario name.
    pub scenario: String,
    /// The lever.
    pub path: String,
    /// Search range.
    pub low: f64,
    /// Search range.
    pub high: f64,
    /// Target id.
    pub target: String,
    /// Target label.
    pub target_label: String,
    /// The probability sought.
    pub probability: f64,
    /// Paths per evaluation.
    pub paths: u64,
    /// Seed of every evaluation.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// `increasing`, `decreasing` or `flat`: how the probability moves from LOW to HIGH.
    pub direction: String,
    /// Whether the probability sought is reached inside [LOW, HIGH].
    pub reachable: bool,
    /// The answer in words.
    pub verdict: String,
    /// Lever value at which the probability reaches the one sought.
    pub value: Option<f64>,
    /// Width of the final bisection bracket around `value` (0 for an integer lever).
    pub resolution: Option<f64>,
    /// Monte Carlo interval of `value`: the lever values where the upper and
    /// lower ends of the 95% interval of the probability reach the one sought;
    /// `null` when that happens outside [LOW, HIGH].
    pub interval: [Option<f64>; 2],
    /// The evaluation at LOW.
    pub at_low: Evaluation,
    /// The evaluation at HIGH.
    pub at_high: Evaluation,
    /// The evaluation at `value`.
    pub at_value: Option<Evaluation>,
    /// Every evaluation with all the paths, by lever value.
    pub evaluations: Vec<Evaluation>,
    /// Path counts the search ran at, fewest first (the last is `paths`),
    /// with the number of lever values evaluated at each.
    pub stages: Vec<Stage>,
    /// Paths simulated in all, over every stage (the ends' first stages are
    /// the start of their whole runs, so they count once).
    pub paths_simulated: u64,
    /// Caveats (non-monotone evaluations, an uncertain direction).
    pub warnings: Vec<String>,
}

/// Where a monotone predicate first holds on [LOW, HIGH].
enum Crossing {
    /// Already at LOW.
    AtLow,
    /// Not even at HIGH.
    Never,
    /// Between `lo` (false, criterion `g_lo` < 0) and `hi` (true, `g_hi` >= 0),
    /// narrowed until the sample cannot resolve it further.
    Between {
        lo: f64,
        hi: f64,
        g_lo: f64,
        g_hi: f64,
    },
}

impl Crossing {
    /// The lever value where the criterion, interpolated linearly across the
    /// bracket, reaches zero (the bracket's top for an integer lever).
    fn point(&self, integer: bool) -> Option<f64> {
        match *self {
            Crossing::Between { hi, .. } if integer => Some(hi),
            Crossing::Between { lo, hi, g_lo, g_hi } => {
                let t = if g_hi > g_lo {
                    -g_lo / (g_hi - g_lo)
                } else {
                    0.5
                };
                Some(tidy(lo + t.clamp(0.0, 1.0) * (hi - lo)))
            }
            Crossing::AtLow | Crossing::Never => None,
        }
    }
}

/// Which crossing a search looks for: where the probability itself, or an
/// end of its 95% interval, reaches the level sought.
#[derive(Clone, Copy, PartialEq)]
enum Criterion {
    /// The estimate p̂.
    Estimate,
    /// The end of the interval that reaches the level first (near end).
    Near,
    /// The other end (far end).
    Far,
}

/// One evaluation at one stage of the path count.
#[derive(Clone, Copy)]
struct Point {
    value: f64,
    stage: usize,
    hits: u64,
    paths: u64,
}

struct Solver<'a> {
    base: &'a Scenario,
    origin: &'a str,
    path: &'a str,
    target: usize,
    config: &'a RunConfig,
    integer: bool,
    /// Blocks simulated at each stage, ascending; the last is the whole run.
    stages: Vec<u64>,
    points: Vec<Point>,
    /// Direction: +1 increasing, -1 decreasing.
    d: f64,
    /// Probability sought.
    p: f64,
    progress: OnProgress<'a>,
    count: usize,
}

/// Paths of the smallest stage (a multiple of the engine's block size).
const STAGE_PATHS: u64 = 4096;

/// Stages of the path count, as the number of the run's first blocks each
/// simulates: the whole run in units of [`STAGE_PATHS`] paths, divided by 4
/// down to one unit (65,536 paths: 4,096, 16,384 and 65,536; 8,192: 4,096
/// and 8,192), whatever the block size.
fn stages_for(paths: u64) -> Vec<u64> {
    let per_unit = STAGE_PATHS / engine::BLOCK_SIZE;
    let mut s = vec![paths.div_ceil(STAGE_PATHS)];
    while *s.last().unwrap() > 1 {
        let next = s.last().unwrap().div_ceil(4);
        s.push(next);
    }
    s.reverse();
    s.iter()
        .map(|&u| (u * per_unit).min(engine::blocks_in(paths)))
        .collect()
}

impl Solver<'_> {
    fn stage_paths(&self, stage: usize) -> u64 {
        (self.stages[stage] * engine::BLOCK_SIZE).min(self.config.paths)
    }

    fn last_stage(&self) -> usize {
        self.stages.len() - 1
    }

    fn record(&mut self, value: f64, stage: usize, acc: &crate::stats::Accumulator) {
        self.points.push(Point {
            value,
            stage,
            // Each evaluated model is judged on the solved target alone.
            hits: acc.targets[0].hits,
            paths: acc.paths,
        });
    }

    /// Simulate an already compiled model through every stage, recording
    /// each (the ends of the range: their prefixes come free).
    fn eval_all_stages(&mut self, x: f64, model: &Model) -> Result<()> {
        let plan = |blocks: std::ops::Range<u64>| {
            engine::Plan::range(self.config.seed, self.config.paths, blocks)
        };
        let mut outcomes = engine::run(
            &[model],
            &plan(0..self.stages[0]),
            &|_| NoObserver,
            &NoProgress,
        );
        engine::check_domain(model, &outcomes[0].acc)?;
        self.record(x, 0, &outcomes[0].acc.clone());
        for s in 1..self.stages.len() {
            engine::run_more(
                &mut outcomes,
                &[model],
                &plan(self.stages[s - 1]..self.stages[s]),
                &|_| NoObserver,
                &NoProgress,
            );
            engine::check_domain(model, &outcomes[0].acc)?;
            let acc = outcomes[0].acc.clone();
            self.record(x, s, &acc);
        }
        self.count += 1;
        (self.progress)(self.count, 0);
        Ok(())
    }

    fn eval(&mut self, x: f64, stage: usize) -> Result<Point> {
        if let Some(e) = self.find(x, stage) {
            return Ok(e);
        }
        let settings = [(self.path.to_string(), x)];
        let s = super::params::apply(self.base, &settings, self.origin)?;
        let (mut m, _) = compile(
            &s,
            &format!(
                "{} with {}",
                self.origin,
                super::params::describe(&settings)
            ),
        )?;
        m.keep_targets(&[self.target]);
        m.recording = crate::stats::Recording::Probabilities;
        let plan = engine::Plan::range(self.config.seed, self.config.paths, 0..self.stages[stage]);
        let out = engine::run(&[&m], &plan, &|_| NoObserver, &NoProgress);
        engine::check_domain(&m, &out[0].acc)?;
        self.record(x, stage, &out[0].acc);
        self.count += 1;
        (self.progress)(self.count, 0);
        Ok(*self.points.last().unwrap())
    }

    fn find(&self, x: f64, stage: usize) -> Option<Point> {
        self.points
            .iter()
            .find(|e| e.value == x && e.stage == stage)
            .copied()
    }

    /// The criterion, oriented so that it increases with the lever and is
    /// >= 0 where the crossing has happened.
    fn g(&self, e: &Point, c: Criterion) -> f64 {
        let (lo, hi) = wilson(e.hits, e.paths, Z95);
        let b = match (c, self.d > 0.0) {
            (Criterion::Estimate, _) => e.hits as f64 / e.paths as f64,
            (Criterion::Near, true) | (Criterion::Far, false) => hi,
            (Criterion::Near, false) | (Criterion::Far, true) => lo,
        };
        self.d * (b - self.p)
    }

    /// Monte Carlo resolution at a stage: the 95% half-width of a
    /// probability near the one sought.
    fn half_width(&self, stage: usize) -> f64 {
        let n = self.stage_paths(stage) as f64;
        let q = self.p.clamp(0.5 / n, 1.0 - 0.5 / n);
        Z95 * (q * (1.0 - q) / n).sqrt()
    }

    /// Smallest lever value where criterion `c` holds at `stage`, assuming
    /// it is monotone, from the tightest bracket already known: regula falsi
    /// (Illinois) with a secant step once the bracket is local, which aims
    /// past the level into the middle of the window where one evaluation
    /// closes the bracket. Stops when the criterion's spread across the bracket is
    /// within `tol` (the sample cannot resolve a finer bracket), when the
    /// bracket is narrower than `min_width`, or at width 1 for an integer
    /// lever. `guess` is tried first; `slope` is the criterion's slope
    /// (per unit of the lever) known from elsewhere.
    #[allow(clippy::too_many_arguments)]
    fn first_true(
        &mut self,
        low: f64,
        high: f64,
        stage: usize,
        c: Criterion,
        tol: f64,
        min_width: f64,
        mut guess: Option<f64>,
        slope: Option<f64>,
    ) -> Result<Crossing> {
        let at_low = self.eval(low, stage)?;
        if self.g(&at_low, c) >= 0.0 {
            return Ok(Crossing::AtLow);
        }
        let at_high = self.eval(high, stage)?;
        if self.g(&at_high, c) < 0.0 {
            return Ok(Crossing::Never);
        }
        let known: Vec<Point> = self
            .points
            .iter()
            .filter(|e| e.stage == stage)
            .copied()
            .collect();
        let b = known
            .iter()
            .filter(|e| self.g(e, c) >= 0.0)
            .min_by(|x, y| x.value.total_cmp(&y.value))
            .copied()
            .unwrap_or(at_high);
        let a = known
            .iter()
            .filter(|e| self.g(e, c) < 0.0 && e.value < b.value)
            .max_by(|x, y| x.value.total_cmp(&y.value))
            .copied()
            .unwrap_or(at_low);
        let (mut lo, mut hi) = (a.value, b.value);
        let (mut g_lo, mut g_hi) = (self.g(&a, c), self.g(&b, c));
        // Illinois weights: the retained end's criterion is halved when the
        // same end moves twice running.
        let (mut w_lo, mut w_hi) = (g_lo, g_hi);
        let mut last_side = 0i8;
        let mut stalls = 0;
        let mut width_mark = hi - lo;
        for _ in 0..200 {
            let width = hi - lo;
            if g_hi - g_lo <= tol
                || (self.integer && width <= 1.0)
                || (!self.integer && width <= min_width)
            {
                break;
            }
            let local = g_hi - g_lo <= 4.0 * tol;
            let mut x = match guess.take().filter(|x| *x > lo && *x < hi) {
                Some(x) => x,
                None if stalls >= 4 => {
                    stalls = 0;
                    lo + width / 2.0
                }
                None => {
                    let slope = self.local_slope(stage, c, tol).or(slope);
                    let s = match slope {
                        Some(s) if !local => s,
                        _ => (g_hi - g_lo) / width,
                    };
                    if !local && slope.is_none() {
                        lo - w_lo * width / (w_hi - w_lo)
                    } else {
                        // Aim past the level into the middle of the window
                        // that closes the bracket within `tol`.
                        let near = (-g_lo).min(g_hi);
                        let aim = ((tol - near) / 2.0).max(tol / 8.0);
                        if -g_lo <= g_hi {
                            lo + (-g_lo + aim) / s
                        } else {
                            hi - (g_hi + aim) / s
                        }
                    }
                }
            };
            if !x.is_finite() {
                x = lo + width / 2.0;
            }
            if self.integer {
                x = x.round().clamp(lo + 1.0, hi - 1.0);
            } else {
                let margin = width * 1e-6;
                x = x.clamp(lo + margin, hi - margin);
            }
            if x <= lo || x >= hi {
                break;
            }
            let e = self.eval(x, stage)?;
            let gx = self.g(&e, c);
            if gx >= 0.0 {
                hi = x;
                g_hi = gx;
                w_hi = gx;
                if last_side == 1 {
                    w_lo /= 2.0;
                }
                last_side = 1;
            } else {
                lo = x;
                g_lo = gx;
                w_lo = gx;
                if last_side == -1 {
                    w_hi /= 2.0;
                }
                last_side = -1;
            }
            if hi - lo <= width_mark / 2.0 {
                width_mark = hi - lo;
                stalls = 0;
            } else {
                stalls += 1;
            }
        }
        Ok(Crossing::Between { lo, hi, g_lo, g_hi })
    }

    /// The criterion's slope near its crossing at `stage`: the secant across
    /// the widest span of evaluations within 4 `tol` of the level (a tight
    /// bracket alone spans too few paths that change for a steady slope).
    fn local_slope(&self, stage: usize, c: Criterion, tol: f64) -> Option<f64> {
        let near: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|e| e.stage == stage)
            .map(|e| (e.value, self.g(e, c)))
            .filter(|(_, g)| g.abs() <= 4.0 * tol)
            .collect();
        let a = near.iter().min_by(|x, y| x.0.total_cmp(&y.0))?;
        let b = near.iter().max_by(|x, y| x.0.total_cmp(&y.0))?;
        (b.0 > a.0 && b.1 > a.1).then(|| (b.1 - a.1) / (b.0 - a.0))
    }
}

/// Find the lever value at which the target's probability reaches `spec.probability`.
///
/// Every evaluation uses the same seed (common random numbers). The direction
/// comes from the two ends; the estimate bisects on the probability, and its
/// Monte Carlo interval continues the bisection on the ends of the 95%
/// interval. A probability outside the range the ends span is not an error:
/// the result says it is not reachable.
///
/// # Errors
/// `Argument` for a bad path, range, target or probability; `Scenario` when
/// an end of the range is not a valid scenario; `Model` from the engine.
pub fn solve(
    base: &Scenario,
    origin: &str,
    spec: &SolveSpec,
    config: &RunConfig,
    progress: OnProgress,
) -> Result<SolveResult> {
    let t0 = Instant::now();
    let raw = base.raw();
    super::params::check_path(raw, &spec.path)?;
    if !spec.low.is_finite() || !spec.high.is_finite() || spec.low >= spec.high {
        return Err(Error::argument(
            &spec.path,
            format!(
                "bad range {}:{}: LOW must be below HIGH",
                spec.low, spec.high
            ),
        ));
    }
    if !(0.0..=1.0).contains(&spec.probability) {
        return Err(Error::argument(
            "probability",
            format!("must be in [0, 1], got {}", spec.probability),
        ));
    }
    let integer = super::params::is_integer_path(raw, &spec.path)?;
    if integer && (spec.low.fract() != 0.0 || spec.high.fract() != 0.0) {
        return Err(Error::argument(
            &spec.path,
            "is a whole number (years or quarters): LOW and HIGH must be whole",
        ));
    }
    // Both ends must be valid before anything is simulated.
    let mut ends = vec![];
    for x in [spec.low, spec.high] {
        let settings = [(spec.path.clone(), x)];
        let s = super::params::apply(base, &settings, origin)?;
        ends.push(
            compile(
                &s,
                &format!("{origin} with {}", super::params::describe(&settings)),
            )?
            .0,
        );
    }
    let target = target_index(&ends[0], &spec.target, "target")?;
    let target_label = ends[0].targets[target].label.clone();
    // Only the target solved for is read: every evaluation is judged on it
    // alone, so the kernel computes only what it needs.
    for m in &mut ends {
        m.keep_targets(&[target]);
        // Read only for the target's hits and the domain check.
        m.recording = crate::stats::Recording::Probabilities;
    }
    if config.paths == 0 {
        return Err(Error::argument("paths", "must be at least 1"));
    }

    let mut solver = Solver {
        base,
        origin,
        path: &spec.path,
        target,
        config,
        integer,
        stages: stages_for(config.paths),
        points: vec![],
        d: 0.0,
        p: spec.probability,
        progress,
        count: 0,
    };
    let last = solver.last_stage();
    solver.eval_all_stages(spec.low, &ends[0])?;
    solver.eval_all_stages(spec.high, &ends[1])?;
    drop(ends);
    let evaluation = |e: &Point| {
        let (lo, hi) = wilson(e.hits, e.paths, Z95);
        Evaluation {
            value: e.value,
            probability: e.hits as f64 / e.paths as f64,
            ci95_low: lo,
            ci95_high: hi,
        }
    };
    let at_low = evaluation(&solver.find(spec.low, last).expect("evaluated"));
    let at_high = evaluation(&solver.find(spec.high, last).expect("evaluated"));
    let p = spec.probability;
    let d = if at_high.probability > at_low.probability {
        1.0
    } else if at_high.probability < at_low.probability {
        -1.0
    } else {
        0.0
    };
    solver.d = d;
    let direction = match d {
        x if x > 0.0 => "increasing",
        x if x < 0.0 => "decreasing",
        _ => "flat",
    };
    let mut warnings = vec![];
    if d != 0.0 && at_low.ci95_low.max(at_high.ci95_low) <= at_low.ci95_high.min(at_high.ci95_high)
    {
        warnings.push(format!(
            "the 95% intervals at LOW and HIGH overlap: the direction ({direction}) is not established beyond Monte Carlo error; use more --paths or a wider range"
        ));
    }
    let tol_x = (spec.high - spec.low) / SOLVE_RESOLUTION;
    let (low, high) = (spec.low, spec.high);
    let name = &spec.path;
    let tgt = &spec.target;
    let mut value = None;
    let mut resolution = None;
    let mut interval = [None, None];
    let mut at_value = None;
    let reachable;
    let verdict;
    if d == 0.0 {
        reachable = false;
        verdict = format!(
            "not reachable: P({tgt} met) is {} at both {name} = {} and {}, so the lever does not move it in this range",
            pct(at_low.probability),
            exact(low),
            exact(high)
        );
    } else {
        // Locate the crossing with few paths, then refine it with more, each
        // stage starting from the one before (its value and slope).
        let (mut guess, mut slope) = (None, None);
        for stage in 0..last {
            // A guess needs less than the final resolution.
            let tol = 2.0 * solver.half_width(stage);
            let c = solver.first_true(
                low,
                high,
                stage,
                Criterion::Estimate,
                tol,
                tol_x,
                guess,
                slope,
            )?;
            if let Some(v) = c.point(integer) {
                guess = Some(v);
            }
            if let Some(s) = solver.local_slope(stage, Criterion::Estimate, tol) {
                slope = Some(s);
            }
        }
        let tol = solver.half_width(last);
        let main = solver.first_true(
            low,
            high,
            last,
            Criterion::Estimate,
            tol,
            tol_x,
            guess,
            slope,
        )?;
        match main {
            Crossing::AtLow if at_low.probability != p => {
                reachable = false;
                verdict = format!(
                    "not reachable inside [{}, {}]: P({tgt} met) is {} at {name} = {}, already {} {}, and {direction} to {} at {}; the value would lie below LOW",
                    exact(low),
                    exact(high),
                    pct(at_low.probability),
                    exact(low),
                    if d > 0.0 { "above" } else { "below" },
                    pct(p),
                    pct(at_high.probability),
                    exact(high)
                );
            }
            Crossing::Never => {
                reachable = false;
                verdict = format!(
                    "not reachable inside [{}, {}]: P({tgt} met) goes from {} at {name} = {} to {} at {} and never reaches {}; the value would lie beyond HIGH, if there is one",
                    exact(low),
                    exact(high),
                    pct(at_low.probability),
                    exact(low),
                    pct(at_high.probability),
                    exact(high),
                    pct(p)
                );
            }
            crossing => {
                reachable = true;
                let (v, res) = match crossing {
                    Crossing::Between { hi, .. } if integer => (hi, 0.0),
                    Crossing::Between { lo, hi, .. } => {
                        (crossing.point(false).expect("a bracket"), hi - lo)
                    }
                    _ => (low, 0.0),
                };
                value = Some(v);
                resolution = Some(res);
                // The Monte Carlo interval: where each end of the 95% interval
                // of the probability reaches p (with d > 0 the upper end gets
                // there first), to the resolution of the interval's own ends.
                let slope = solver.local_slope(last, Criterion::Estimate, tol).or(slope);
                for (i, c) in [Criterion::Near, Criterion::Far].into_iter().enumerate() {
                    let found =
                        solver.first_true(low, high, last, c, 2.0 * tol, tol_x, None, slope)?;
                    interval[i] = found.point(integer);
                }
                at_value = Some(evaluation(&solver.eval(v, last)?));
                let iv = |x: Option<f64>, outside: &str| {
                    x.map(sig4).unwrap_or_else(|| outside.to_string())
                };
                verdict = format!(
                    "P({tgt} met) reaches {} at {name} = {} (95% Monte Carlo interval {} to {})",
                    pct(p),
                    sig4(v),
                    iv(interval[0], &format!("below {}", exact(low))),
                    iv(interval[1], &format!("beyond {}", exact(high)))
                );
            }
        }
    }
    let mut evaluations: Vec<Evaluation> = solver
        .points
        .iter()
        .filter(|e| e.stage == last)
        .map(evaluation)
        .collect();
    evaluations.sort_by(|a, b| a.value.total_cmp(&b.value));
    let stages: Vec<Stage> = (0..=last)
        .map(|s| Stage {
            paths: solver.stage_paths(s),
            evaluations: solver.points.iter().filter(|e| e.stage == s).count(),
        })
        .collect();
    // The ends were run once through every stage; every other point once at its stage.
    let paths_simulated = solver
        .points
        .iter()
        .filter(|e| e.stage == last || (e.value != low && e.value != high))
        .map(|e| e.paths)
        .sum();
    if d != 0.0 {
        let inversions = evaluations
            .windows(2)
            .filter(|w| d * (w[1].probability - w[0].probability) < 0.0)
            .count();
        if inversions > 0 {
            warnings.push(format!(
                "P({tgt} met) is not monotone in {name} over the {} evaluations ({inversions} reversal{}): the value found is one crossing of possibly several",
                evaluations.len(),
                if inversions == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(SolveResult {
        scenario: base.raw().scenario.name.clone(),
        path: spec.path.clone(),
        low,
        high,
        target: spec.target.clone(),
        target_label,
        probability: p,
        paths: config.paths,
        seed: config.seed,
        threads: rayon::current_num_threads(),
        elapsed_s: t0.elapsed().as_secs_f64(),
        direction: direction.to_string(),
        reachable,
        verdict,
        value,
        resolution,
        interval,
        at_low,
        at_high,
        at_value,
        evaluations,
        stages,
        paths_simulated,
        warnings,
    })
}
