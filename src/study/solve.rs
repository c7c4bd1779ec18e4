//! Solve (goal seek): the value of one lever at which a target's probability
//! reaches a level, by bisection on common random numbers.

use std::fmt::Write as _;
use std::time::Instant;

use serde::Serialize;

use super::spec::tidy;
use super::*;
use crate::engine::{self, NoProgress, RunConfig};
use crate::error::{Error, Result};
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
    /// Every evaluation, by lever value.
    pub evaluations: Vec<Evaluation>,
    /// Caveats (non-monotone evaluations, an uncertain direction).
    pub warnings: Vec<String>,
}

/// Where a monotone predicate first holds on [LOW, HIGH].
enum Crossing {
    /// Already at LOW.
    AtLow,
    /// Not even at HIGH.
    Never,
    /// Between `lo` (false) and `hi` (true), bracket narrowed to the resolution.
    Between(f64, f64),
}

struct Solver<'a> {
    base: &'a Scenario,
    origin: &'a str,
    path: &'a str,
    target: usize,
    config: &'a RunConfig,
    integer: bool,
    evals: Vec<Evaluation>,
    progress: OnProgress<'a>,
}

impl Solver<'_> {
    fn eval(&mut self, x: f64) -> Result<Evaluation> {
        if let Some(e) = self.evals.iter().find(|e| e.value == x) {
            return Ok(*e);
        }
        let settings = [(self.path.to_string(), x)];
        let s = super::params::apply(self.base, &settings, self.origin)?;
        let (m, _) = compile(
            &s,
            &format!(
                "{} with {}",
                self.origin,
                super::params::describe(&settings)
            ),
        )?;
        let acc = engine::simulate(&m, self.config, &NoProgress)?;
        let hits = acc.targets[self.target].hits;
        let (lo, hi) = wilson(hits, acc.paths, Z95);
        let e = Evaluation {
            value: x,
            probability: hits as f64 / acc.paths as f64,
            ci95_low: lo,
            ci95_high: hi,
        };
        self.evals.push(e);
        (self.progress)(self.evals.len(), 0);
        Ok(e)
    }

    /// Smallest lever value where `pred` holds, assuming it is monotone
    /// (false then true), bisecting from the tightest bracket already known.
    fn first_true(
        &mut self,
        low: f64,
        high: f64,
        tol: f64,
        pred: &dyn Fn(&Evaluation) -> bool,
    ) -> Result<Crossing> {
        if pred(&self.eval(low)?) {
            return Ok(Crossing::AtLow);
        }
        if !pred(&self.eval(high)?) {
            return Ok(Crossing::Never);
        }
        let mut hi = self
            .evals
            .iter()
            .filter(|e| pred(e))
            .map(|e| e.value)
            .fold(high, f64::min);
        let mut lo = self
            .evals
            .iter()
            .filter(|e| !pred(e) && e.value < hi)
            .map(|e| e.value)
            .fold(low, f64::max);
        loop {
            let width = hi - lo;
            if (self.integer && width <= 1.0) || (!self.integer && width <= tol) {
                break;
            }
            let mid = if self.integer {
                ((lo + hi) / 2.0).floor()
            } else {
                lo + width / 2.0
            };
            if mid <= lo || mid >= hi {
                break;
            }
            if pred(&self.eval(mid)?) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(Crossing::Between(lo, hi))
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
    drop(ends);

    let mut solver = Solver {
        base,
        origin,
        path: &spec.path,
        target,
        config,
        integer,
        evals: vec![],
        progress,
    };
    let at_low = solver.eval(spec.low)?;
    let at_high = solver.eval(spec.high)?;
    let p = spec.probability;
    let d = if at_high.probability > at_low.probability {
        1.0
    } else if at_high.probability < at_low.probability {
        -1.0
    } else {
        0.0
    };
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
    let tol = (spec.high - spec.low) / SOLVE_RESOLUTION;
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
        let main = move |e: &Evaluation| d * (e.probability - p) >= 0.0;
        match solver.first_true(low, high, tol, &main)? {
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
                    Crossing::Between(_, hi) if integer => (hi, 0.0),
                    Crossing::Between(lo, hi) => (tidy(lo + (hi - lo) / 2.0), hi - lo),
                    _ => (low, 0.0),
                };
                value = Some(v);
                resolution = Some(res);
                // The Monte Carlo interval: where each end of the 95% interval
                // of the probability reaches p. With d > 0 the upper end gets
                // there first.
                let early = move |e: &Evaluation| {
                    let b = if d > 0.0 { e.ci95_high } else { e.ci95_low };
                    d * (b - p) >= 0.0
                };
                let late = move |e: &Evaluation| {
                    let b = if d > 0.0 { e.ci95_low } else { e.ci95_high };
                    d * (b - p) >= 0.0
                };
                let point = |c: Crossing| match c {
                    Crossing::Between(_, hi) if integer => Some(hi),
                    Crossing::Between(lo, hi) => Some(tidy(lo + (hi - lo) / 2.0)),
                    Crossing::AtLow | Crossing::Never => None,
                };
                interval[0] = point(solver.first_true(low, high, tol, &early)?);
                interval[1] = point(solver.first_true(low, high, tol, &late)?);
                at_value = Some(solver.eval(v)?);
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
    let mut evaluations = solver.evals.clone();
    evaluations.sort_by(|a, b| a.value.total_cmp(&b.value));
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
        warnings,
    })
}

impl SolveResult {
    /// JSON with every field.
    ///
    /// # Errors
    /// Only if serialization fails.
    pub fn json(&self) -> Result<Vec<u8>> {
        json(self)
    }

    /// A short report in words.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\ngoal seek: {} ({}) at P(met) = {}, varying {} in [{}, {}]\n{} evaluations x {} paths, seed {} at every evaluation, {:.2} s\n",
            self.scenario,
            self.target,
            self.target_label,
            pct(self.probability),
            self.path,
            exact(self.low),
            exact(self.high),
            self.evaluations.len(),
            self.paths,
            self.seed,
            self.elapsed_s
        );
        let ev = |e: &Evaluation| {
            format!(
                "{} (95% CI {}–{})",
                pct(e.probability),
                pct(e.ci95_low),
                pct(e.ci95_high)
            )
        };
        let _ = writeln!(
            out,
            "  at {} = {}: P(met) {}",
            self.path,
            exact(self.low),
            ev(&self.at_low)
        );
        let _ = writeln!(
            out,
            "  at {} = {}: P(met) {}",
            self.path,
            exact(self.high),
            ev(&self.at_high)
        );
        let _ = writeln!(out, "  direction: {}\n", self.direction);
        if let (Some(v), Some(e)) = (self.value, &self.at_value) {
            let _ = writeln!(out, "  value:    {} = {}", self.path, sig4(v));
            let side = |x: Option<f64>, outside: String| x.map(sig4).unwrap_or(outside);
            let _ = writeln!(
                out,
                "  95% Monte Carlo interval: {} to {}",
                side(self.interval[0], format!("below {}", exact(self.low))),
                side(self.interval[1], format!("beyond {}", exact(self.high)))
            );
            if let Some(r) = self.resolution.filter(|r| *r > 0.0) {
                let _ = writeln!(out, "  bisection resolution: {}", sig4(r));
            }
            let _ = writeln!(out, "  P(met) at the value: {}\n", ev(e));
        }
        let _ = writeln!(out, "{}", self.verdict);
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}
