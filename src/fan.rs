//! Quarter-by-quarter distributions of indicators, for fan charts.
//!
//! Statistical bureaus publish growth year to date (Q1, H1, Q1-3, the year),
//! so that is what a fan shows: for an indicator that is the growth of a sum
//! of sectors (GDP, one sector), the growth of the year-to-date sum over the
//! same quarters a year earlier, each quarter; for any other indicator, which
//! the model only has per year, the annual value. The Q4 point is the annual
//! value itself, exactly as `run` reports it. The [`FanObserver`] rides along
//! the run (it draws nothing), so a run with charts simulates once.

use serde::Serialize;

use crate::engine::{NoProgress, Observer, Plan, RunConfig, run};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::step::{PathObserver, PathView};
use crate::stats::histogram::LogHistogram;

/// One point of a fan: the distribution of a year-to-date value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FanPoint {
    /// Calendar year.
    pub year: i32,
    /// Last quarter covered, 1 to 4 (4 = the annual value).
    pub quarter: u8,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// One indicator's fan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorFan {
    /// Indicator id.
    pub indicator: String,
    /// English label.
    pub label: String,
    /// Local label.
    pub label_zh: Option<String>,
    /// Display unit.
    pub unit: String,
    /// Base-year value, when the scenario defines one (the fan's origin).
    pub base: Option<f64>,
    /// Whether Q1 to Q3 points exist (a growth of sectors).
    pub quarterly: bool,
    /// Points in time order.
    pub points: Vec<FanPoint>,
    /// Published values of years before the base year (display only), in
    /// year order: the fan chart starts from them.
    pub history: Vec<(i32, f64)>,
    /// For each target on this indicator judged relative to another
    /// indicator: the target id and the distribution of the gap that is
    /// judged (this indicator minus the other, in the target's year).
    #[serde(skip)]
    pub gaps: Vec<(String, LogHistogram)>,
}

/// Quarterly histograms of the requested indicators: an [`Observer`] the
/// runner carries along a run, so fans come from the run's own paths.
pub struct FanObserver<'a> {
    model: &'a Model,
    indicators: &'a [usize],
    /// Per lane of the batch, per requested indicator: year-to-date weighted
    /// sum a year earlier, per quarter.
    previous: Vec<Vec<[f64; 4]>>,
    /// Per requested indicator, per (year, quarter).
    hists: Vec<Vec<LogHistogram>>,
    /// Values that were not finite, per requested indicator.
    nonfinite: Vec<u64>,
    /// Targets on a requested indicator judged relative to another: (target
    /// index, indicator, other indicator, 0-based year).
    relative: Vec<(usize, usize, usize, usize)>,
    /// The gap of each of `relative` (non-finite gaps are counted in `nonfinite`
    /// of the indicator).
    gap_hists: Vec<LogHistogram>,
}

impl<'a> FanObserver<'a> {
    /// An empty observer of `indicators` (indices into `model.indicators`).
    ///
    /// # Errors
    /// `Argument` for an indicator index out of range.
    pub fn new(model: &'a Model, indicators: &'a [usize]) -> Result<Self> {
        if let Some(&bad) = indicators.iter().find(|&&j| j >= model.indicators.len()) {
            return Err(Error::argument(
                "indicators",
                format!("no indicator with index {bad}"),
            ));
        }
        Ok(Self::empty(model, indicators))
    }

    fn empty(model: &'a Model, indicators: &'a [usize]) -> Self {
        let relative: Vec<(usize, usize, usize, usize)> = model
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| indicators.contains(&t.indicator))
            .filter_map(|(k, t)| Some((k, t.indicator, t.relative_to?, t.year_index)))
            .collect();
        FanObserver {
            gap_hists: vec![LogHistogram::new(); relative.len()],
            relative,
            model,
            indicators,
            previous: vec![],
            hists: vec![vec![LogHistogram::new(); 4 * model.meta.horizon]; indicators.len()],
            nonfinite: vec![0; indicators.len()],
        }
    }

    /// A fresh observer of the same indicators (one per block).
    pub fn fresh(&self) -> Self {
        Self::empty(self.model, self.indicators)
    }

    fn record(&mut self, n: usize, slot: usize, v: f64) {
        if v.is_finite() {
            self.hists[n][slot].insert(v);
        } else {
            self.nonfinite[n] += 1;
        }
    }
}

impl Observer for FanObserver<'_> {
    fn merge(&mut self, next: Self) {
        for (n, row) in next.hists.iter().enumerate() {
            for (h, other) in self.hists[n].iter_mut().zip(row) {
                h.merge(other);
            }
            self.nonfinite[n] += next.nonfinite[n];
        }
        for (h, other) in self.gap_hists.iter_mut().zip(&next.gap_hists) {
            h.merge(other);
        }
    }
}

impl PathObserver for FanObserver<'_> {
    fn start_path(&mut self, lane: usize) {
        if self.previous.len() <= lane {
            self.previous
                .resize(lane + 1, vec![[0.0; 4]; self.indicators.len()]);
        }
        for (n, &j) in self.indicators.iter().enumerate() {
            if let Some(w) = &self.model.aggregates[j] {
                for q in 0..4 {
                    self.previous[lane][n][q] = w
                        .iter()
                        .map(|&(i, x)| {
                            x * (0..=q)
                                .map(|r| self.model.base_quarter_level(i, r))
                                .sum::<f64>()
                        })
                        .sum();
                }
            }
        }
    }

    fn quarter_end<const L: usize>(&mut self, year: usize, quarter: usize, state: PathView<'_, L>) {
        let lane = state.lane();
        for n in 0..self.indicators.len() {
            let Some(w) = &self.model.aggregates[self.indicators[n]] else {
                continue;
            };
            let ytd: f64 = w.iter().map(|&(i, x)| x * state.sector_ytd(i)).sum();
            if quarter < 3 {
                let v = 100.0 * (ytd / self.previous[lane][n][quarter] - 1.0);
                self.record(n, 4 * year + quarter, v);
            }
            self.previous[lane][n][quarter] = ytd;
        }
    }

    fn year_end<const L: usize>(&mut self, year: usize, state: PathView<'_, L>) {
        for n in 0..self.indicators.len() {
            let v = state.indicator(self.indicators[n]);
            self.record(n, 4 * year + 3, v);
        }
        for (k, &(_, j, r, y)) in self.relative.iter().enumerate() {
            if y == year {
                let gap = state.indicator(j) - state.indicator(r);
                if gap.is_finite() {
                    self.gap_hists[k].insert(gap);
                }
            }
        }
    }
}

/// Simulate `config.paths` paths (the same as `run` with this seed) through
/// the runner and summarize each listed indicator quarter by quarter.
///
/// # Errors
/// `Argument` for zero paths or an indicator index out of range; `Model` if
/// some value was not a finite number.
pub fn simulate_fan(
    model: &Model,
    config: &RunConfig,
    indicators: &[usize],
) -> Result<Vec<IndicatorFan>> {
    if config.paths == 0 {
        return Err(Error::argument("paths", "must be at least 1"));
    }
    let template = FanObserver::new(model, indicators)?;
    let plan = Plan::full(config);
    let outcome = run(&[model], &plan, &|_| template.fresh(), &NoProgress).swap_remove(0);
    fans(&outcome.observer)
}

/// The fans of a finished run's [`FanObserver`].
///
/// # Errors
/// `Model` if some value was not a finite number.
pub fn fans(total: &FanObserver) -> Result<Vec<IndicatorFan>> {
    let (model, indicators) = (total.model, total.indicators);
    let mut fans = Vec::with_capacity(indicators.len());
    for (n, &j) in indicators.iter().enumerate() {
        let ind = &model.indicators[j];
        if total.nonfinite[n] > 0 {
            return Err(Error::Model(format!(
                "indicator {}: {} values were not finite numbers",
                ind.id, total.nonfinite[n]
            )));
        }
        let quarterly = model.aggregates[j].is_some();
        let mut points = vec![];
        for (slot, h) in total.hists[n].iter().enumerate() {
            if h.count() == 0 {
                continue;
            }
            let q = |p: f64| h.quantile(p).unwrap_or(f64::NAN);
            points.push(FanPoint {
                year: model.meta.base_year + 1 + (slot / 4) as i32,
                quarter: (slot % 4 + 1) as u8,
                p5: q(0.05),
                p25: q(0.25),
                p50: q(0.5),
                p75: q(0.75),
                p95: q(0.95),
            });
        }
        fans.push(IndicatorFan {
            indicator: ind.id.clone(),
            label: ind.label.clone(),
            label_zh: ind.label_zh.clone(),
            unit: ind.unit.clone(),
            base: ind.base,
            quarterly,
            points,
            history: ind.history.clone(),
            gaps: total
                .relative
                .iter()
                .zip(&total.gap_hists)
                .filter(|((_, i, _, _), _)| *i == j)
                .map(|((k, ..), h)| (model.targets[*k].id.clone(), h.clone()))
                .collect(),
        });
    }
    Ok(fans)
}
