//! What a batch must compute for what its consumers read.
//!
//! The summaries read only the targets' values (each in its own year), the
//! events' first years and quarters under way: most indicators of the
//! years after the first are read by nobody (Jilin's 2023-2025 carry two
//! targets against nineteen in 2022). [`Needs`] works out, from the
//! targets back through the formulas, which indicator is evaluated in
//! which year and through which year the sectors are; the rest is not
//! computed. The random numbers must not move: a path's draws are those of
//! the scalar order (MODEL.md 7.2) whatever is skipped, so an indicator
//! that nobody reads still draws its noise while a later draw on its
//! stream is used ([`Work::Noise`]), and in the years after the sectors'
//! last reader the quarters still draw their shocks and innovations and
//! run their events. Only draws after the last one used are left out.
//!
//! An observer that reads the state ([`super::PathObserver::READS_STATE`])
//! gets everything ([`Needs::everything`]).

use super::{Formula, Input, Model, Series};

/// What the indicator phase does with one indicator in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Work {
    /// Evaluate it: its draws, its noise and its formula.
    Full,
    /// Only its draws and its persistent noise term: a later draw on the
    /// stream, or its own noise in a later year, depends on them.
    Noise,
    /// Nothing: no draw after it is used.
    Skip,
}

/// What a batch computes, per year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    /// `[year * n + position]`, position in the model's evaluation order.
    indicators: Vec<Work>,
    n: usize,
    /// Years whose sectors are computed (the first `sector_years`).
    sector_years: usize,
    /// Years simulated at all (the first `years`).
    years: usize,
}

impl Needs {
    /// Everything, every year (what an observer of the state sees).
    pub fn everything(model: &Model) -> Self {
        let horizon = model.meta.horizon;
        let n = model.order.len();
        Needs {
            indicators: vec![Work::Full; horizon * n],
            n,
            sector_years: horizon,
            years: horizon,
        }
    }

    /// What the targets of `model` need.
    pub fn of_targets(model: &Model) -> Self {
        Self::analyse(model).unwrap_or_else(|| Self::everything(model))
    }

    /// The union of two variants' needs where they share the sector phase:
    /// the sectors through the later of their years.
    pub(super) fn sectors_for(&mut self, other: &Needs) {
        self.sector_years = self.sector_years.max(other.sector_years);
        self.years = self.years.max(other.years);
    }

    /// The year's work, by position in the evaluation order.
    #[inline(always)]
    pub(super) fn year(&self, year: usize) -> &[Work] {
        &self.indicators[year * self.n..(year + 1) * self.n]
    }

    /// Whether the sectors of `year` are computed.
    #[inline(always)]
    pub(super) fn sectors(&self, year: usize) -> bool {
        year < self.sector_years
    }

    /// Years simulated at all.
    #[inline(always)]
    pub(super) fn years(&self) -> usize {
        self.years
    }

    /// Whether every indicator of every year is evaluated.
    pub fn is_everything(&self) -> bool {
        self.sector_years == self.years
            && self.indicators.iter().all(|&w| w == Work::Full)
            && self.years * self.n == self.indicators.len()
    }

    /// Back from the targets through the formulas; `None` when the
    /// evaluation order does not put an indicator's same-year inputs before
    /// it (then everything is computed, as before this analysis).
    fn analyse(model: &Model) -> Option<Self> {
        let horizon = model.meta.horizon;
        let n = model.order.len();
        let mut pos = vec![usize::MAX; model.indicators.len()];
        for (p, &j) in model.order.iter().enumerate() {
            pos[j] = p;
        }
        // full[y][j], noise[y][j]: by indicator index.
        let ni = model.indicators.len();
        let mut full = vec![false; horizon * ni];
        let mut noise = vec![false; horizon * ni];
        for t in &model.targets {
            let y = t.year_index;
            full[y * ni + t.indicator] = true;
            if let Some(r) = t.relative_to {
                full[y * ni + r] = true;
            }
        }
        let mut sector_years = 0;
        let mut work = vec![Work::Skip; horizon * n];
        // Whether a draw after the current point of the stream is used.
        let mut later_draw = false;
        let varies = model.assumptions.moves_indicators(ni);
        for y in (0..horizon).rev() {
            for p in (0..n).rev() {
                let j = model.order[p];
                let ind = &model.indicators[j];
                let count = matches!(ind.formula, Formula::Count { .. });
                // Conservative: an assumption may make a zero noise positive.
                let draws = count || ind.noise_sd > 0.0 || varies.get(j) == Some(&true);
                // A count's draws depend on its share: it cannot only draw.
                if count && later_draw {
                    full[y * ni + j] = true;
                }
                let w = if full[y * ni + j] {
                    Work::Full
                } else if noise[y * ni + j] || (later_draw && draws) {
                    Work::Noise
                } else {
                    Work::Skip
                };
                work[y * n + p] = w;
                if w == Work::Skip {
                    continue;
                }
                later_draw |= draws;
                if y > 0 && ind.noise_persistence != 0.0 {
                    noise[(y - 1) * ni + j] = true;
                }
                if w == Work::Noise {
                    continue;
                }
                let mut same_year =
                    |k: usize| -> Option<()> { (pos[k] < p).then(|| full[y * ni + k] = true) };
                let mut reads_sectors = false;
                let mut last_year: Vec<usize> = vec![];
                let mut series = |s: Series, reads_sectors: &mut bool| -> Option<()> {
                    match s {
                        Series::Sector(_) => *reads_sectors = true,
                        Series::Indicator(k) => same_year(k)?,
                    }
                    Some(())
                };
                match &ind.formula {
                    Formula::Sum(terms) => {
                        for &(s, _) in terms {
                            series(s, &mut reads_sectors)?;
                        }
                    }
                    Formula::Ratio(a, b) => {
                        series(*a, &mut reads_sectors)?;
                        series(*b, &mut reads_sectors)?;
                    }
                    Formula::Growth(s) => {
                        series(*s, &mut reads_sectors)?;
                        if let Series::Indicator(k) = s {
                            last_year.push(*k);
                        }
                    }
                    Formula::Linear { terms, .. } => {
                        for &(input, _) in terms {
                            match input {
                                Input::Indicator(k) => {
                                    series(Series::Indicator(k), &mut reads_sectors)?
                                }
                                Input::Shock(_) => reads_sectors = true,
                            }
                        }
                    }
                    Formula::Compound(s) => {
                        series(*s, &mut reads_sectors)?;
                        last_year.push(j);
                    }
                    Formula::Accumulate(s, from) => {
                        if y >= *from {
                            series(*s, &mut reads_sectors)?;
                        }
                        last_year.push(j);
                    }
                    Formula::Exogenous(_) => {}
                    Formula::Count { of, .. } => same_year(*of)?,
                }
                if reads_sectors {
                    sector_years = sector_years.max(y + 1);
                }
                if y > 0 {
                    for k in last_year {
                        full[(y - 1) * ni + k] = true;
                    }
                }
            }
        }
        Some(Needs {
            indicators: work,
            n,
            sector_years,
            // The events run to the horizon: a path's outcome reports the
            // first year each was under way.
            years: horizon,
        })
    }
}
