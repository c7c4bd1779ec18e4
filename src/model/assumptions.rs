//! Assumption uncertainty: inputs drawn once per path, before its quarters.
//!
//! Each lane of the batch kernel (`model::step`) works on its own copy of
//! the compiled model; at the start of each path every assumption draws one
//! variate from the path's sector stream (in file order) and writes its value
//! into that copy, recomputing only what depends on the field (a sector's
//! growth moves its quarterly mean, the calibration scale of its innovations
//! and its base-year quarters). The copies are made once per block, so a
//! path allocates nothing.
//!
//! A model whose assumptions are *fixed* draws the same variates but writes
//! the central values (mean, midpoint or mode): it is the comparison run that
//! splits each target's spread into what the assumptions and what the shocks
//! and events contribute, with common random numbers.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use super::{Formula, Model, first_year_variance};
use crate::scenario::types::{AssumedParam, AssumptionDist, Impact, QuarterShape, Scenario};

/// Where an event impact lives in the compiled model.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ImpactSlot {
    /// `Event::sector_impacts[k]`.
    Sector(usize),
    /// `Event::indicator_impacts[k]`, and `Model::indicator_events[indicator][m]`.
    Indicator {
        k: usize,
        indicator: usize,
        m: usize,
    },
}

/// A compiled parameter an assumption writes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    SectorGrowth(usize),
    SectorVolatility(usize),
    /// (sector, position in its loadings list, matrix position of the shock).
    SectorLoading(usize, usize, usize),
    Intercept(usize),
    Term(usize, usize),
    Base(usize),
    Noise(usize),
    Mean(usize),
    EventProbability(usize),
    ImpactSize(usize, ImpactSlot),
    Threshold(usize),
    Tolerance(usize),
    /// A threshold or tolerance of a target the model is not judged on
    /// (`Model::keep_targets`): still drawn, nothing written.
    Unread,
}

/// One compiled assumption.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The parameter path as written.
    pub parameter: String,
    /// Its distribution.
    pub dist: AssumptionDist,
    slot: Slot,
    /// Drawn but replaced by this value (a sensitivity's low or high setting).
    pin: Option<f64>,
}

impl Item {
    /// Whether it writes a field the sector phase reads (a sector's growth,
    /// volatility or loading, an event's probability or sector impact).
    fn writes_sector_phase(&self) -> bool {
        matches!(
            self.slot,
            Slot::SectorGrowth(_)
                | Slot::SectorVolatility(_)
                | Slot::SectorLoading(..)
                | Slot::EventProbability(_)
                | Slot::ImpactSize(_, ImpactSlot::Sector(_))
        )
    }
}

/// The assumptions of a model (empty for most scenarios: nothing is drawn).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assumptions {
    /// In file order.
    pub items: Vec<Item>,
    /// Write central values instead of the draws (the comparison variant).
    pub fixed: bool,
    /// Per sector: the matrix position of each of its loadings, in list order.
    load_pos: Vec<Vec<usize>>,
    /// Per sector: √V(ρ) of its persistence (MODEL.md 2.3).
    sqrt_v: Vec<f64>,
    /// Per sector: its base-year profile's shape, if `[base_quarters]` gives one.
    shapes: Vec<Option<QuarterShape>>,
    /// Some assumption moves a base: derived bases are recomputed.
    moves_bases: bool,
}

/// Largest move below −100% a percent change may take (a level stays positive).
const FLOOR_PERCENT: f64 = -99.99;

impl Assumptions {
    /// Compile the scenario's assumptions against its compiled model.
    pub(super) fn compile(s: &Scenario, m: &Model, shock_position: &[usize]) -> Self {
        if s.assumptions().is_empty() {
            return Assumptions::default();
        }
        let items = s
            .assumptions()
            .iter()
            .map(|a| {
                let slot = match a.param {
                    AssumedParam::SectorGrowth(i) => Slot::SectorGrowth(i),
                    AssumedParam::SectorVolatility(i) => Slot::SectorVolatility(i),
                    AssumedParam::SectorLoading(i, k) => {
                        let p = s.sectors()[i]
                            .loadings
                            .iter()
                            .position(|&(kk, _)| kk == k)
                            .unwrap_or(0);
                        Slot::SectorLoading(i, p, shock_position[k])
                    }
                    AssumedParam::Intercept(j) => Slot::Intercept(j),
                    AssumedParam::Term(j, p) => Slot::Term(j, p),
                    AssumedParam::Base(j) => Slot::Base(j),
                    AssumedParam::Noise(j) => Slot::Noise(j),
                    AssumedParam::Mean(j) => Slot::Mean(j),
                    AssumedParam::EventProbability(e) => Slot::EventProbability(e),
                    AssumedParam::ImpactSize(e, p) => {
                        let impacts = &s.events()[e].impacts;
                        let before = &impacts[..p];
                        let slot = match impacts[p] {
                            Impact::Sector { .. } => ImpactSlot::Sector(
                                before
                                    .iter()
                                    .filter(|i| matches!(i, Impact::Sector { .. }))
                                    .count(),
                            ),
                            Impact::Indicator { indicator, .. } => {
                                let k = before
                                    .iter()
                                    .filter(|i| matches!(i, Impact::Indicator { .. }))
                                    .count();
                                let m = m.indicator_events[indicator]
                                    .iter()
                                    .position(|&(ee, _)| ee == e)
                                    .unwrap_or(0);
                                ImpactSlot::Indicator { k, indicator, m }
                            }
                        };
                        Slot::ImpactSize(e, slot)
                    }
                    AssumedParam::Threshold(t) => Slot::Threshold(t),
                    AssumedParam::Tolerance(t) => Slot::Tolerance(t),
                };
                Item {
                    parameter: a.parameter.clone(),
                    dist: a.dist,
                    slot,
                    pin: None,
                }
            })
            .collect::<Vec<_>>();
        let moves_bases = items.iter().any(|i| matches!(i.slot, Slot::Base(_)));
        Assumptions {
            items,
            fixed: false,
            load_pos: s
                .sectors()
                .iter()
                .map(|sec| {
                    sec.loadings
                        .iter()
                        .map(|&(k, _)| shock_position[k])
                        .collect()
                })
                .collect(),
            sqrt_v: s
                .sectors()
                .iter()
                .map(|sec| first_year_variance(sec.persistence).sqrt())
                .collect(),
            shapes: {
                let mut shapes = vec![None; s.sectors().len()];
                for p in s.base_profiles() {
                    for &i in &p.sectors {
                        shapes[i] = Some(p.shape);
                    }
                }
                shapes
            },
            moves_bases,
        }
    }

    /// Whether there are none (nothing is drawn).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether some assumption moves an indicator's base (then each lane's
    /// copy has its own bases; else every lane has the model's).
    pub(crate) fn moves_bases(&self) -> bool {
        self.moves_bases
    }

    /// Whether some assumption writes the arrays the batch kernel keeps per
    /// lane (a sector's growth, volatility or loadings, which move its
    /// compiled rates and base level, or an event's probability): then each
    /// lane's copies are refreshed from its patched model at every path.
    pub(crate) fn patches_lane_arrays(&self) -> bool {
        self.items.iter().any(|i| {
            matches!(
                i.slot,
                Slot::SectorGrowth(_)
                    | Slot::SectorVolatility(_)
                    | Slot::SectorLoading(..)
                    | Slot::EventProbability(_)
            )
        })
    }

    /// Per indicator (`n` of them), whether some assumption writes a value
    /// its yearly evaluation reads (intercept, coefficient, noise scale,
    /// exogenous means, the size of an event's impact on it): the batch
    /// kernel reads those from each lane's copy, the others once for every
    /// lane.
    pub(crate) fn moves_indicators(&self, n: usize) -> Vec<bool> {
        let mut moved = vec![false; n];
        for item in &self.items {
            let j = match item.slot {
                Slot::Intercept(j) | Slot::Term(j, _) | Slot::Noise(j) | Slot::Mean(j) => j,
                Slot::ImpactSize(_, ImpactSlot::Indicator { indicator, .. }) => indicator,
                _ => continue,
            };
            if let Some(m) = moved.get_mut(j) {
                *m = true;
            }
        }
        moved
    }

    /// What the assumptions write when they write only indicator-level
    /// values whose use of the random streams does not depend on them: per
    /// indicator whether one of its values is written (an intercept, a
    /// coefficient, an exogenous mean, the size of an event's impact on
    /// it), per target whether its threshold or tolerance is. `None` when
    /// some assumption writes the sector phase, a noise scale (which decides
    /// whether the noise is drawn) or a base (bases derived from it move too).
    pub(crate) fn moves_only(
        &self,
        indicators: usize,
        targets: usize,
    ) -> Option<(Vec<bool>, Vec<bool>)> {
        let mut moved = vec![false; indicators];
        let mut judged = vec![false; targets];
        for item in &self.items {
            match item.slot {
                Slot::Intercept(j)
                | Slot::Term(j, _)
                | Slot::Mean(j)
                | Slot::ImpactSize(_, ImpactSlot::Indicator { indicator: j, .. }) => {
                    *moved.get_mut(j)? = true;
                }
                Slot::Threshold(t) | Slot::Tolerance(t) => *judged.get_mut(t)? = true,
                Slot::Unread => {}
                Slot::SectorGrowth(_)
                | Slot::SectorVolatility(_)
                | Slot::SectorLoading(..)
                | Slot::EventProbability(_)
                | Slot::ImpactSize(_, ImpactSlot::Sector(_))
                | Slot::Noise(_)
                | Slot::Base(_) => return None,
            }
        }
        Some((moved, judged))
    }

    /// Whether `other` draws the same variates from the sector stream and
    /// writes the same values into the sector phase's fields
    /// ([`Model::shares_sector_phase`]): as many assumptions, each from the
    /// same family of distribution (a normal's ziggurat may take more than
    /// one number from the stream, a uniform or triangular draw takes one),
    /// and those that write sector or event fields identical, also in what
    /// they write (central value, pin).
    pub(crate) fn same_sector_phase(&self, other: &Assumptions) -> bool {
        let family = |d: &AssumptionDist| matches!(d, AssumptionDist::Normal { .. });
        // What an item writes: its pin, else the central value when fixed, else the draw.
        let writes =
            |a: &Assumptions, i: &Item| (i.pin.map(f64::to_bits), i.pin.is_none() && a.fixed);
        self.items.len() == other.items.len()
            && self.load_pos == other.load_pos
            && self.sqrt_v == other.sqrt_v
            && self.shapes == other.shapes
            && self.items.iter().zip(&other.items).all(|(a, b)| {
                if a.writes_sector_phase() || b.writes_sector_phase() {
                    a.slot == b.slot && a.dist == b.dist && writes(self, a) == writes(other, b)
                } else {
                    family(&a.dist) == family(&b.dist)
                }
            })
    }

    /// Follow `Model::keep_targets`: a threshold or tolerance assumption
    /// writes its target's new position, or nothing when the target is
    /// dropped (it is still drawn, so the streams do not move).
    pub(crate) fn keep_targets(&mut self, keep: &[usize]) {
        for item in &mut self.items {
            let at = |t: usize| keep.iter().position(|&k| k == t);
            item.slot = match item.slot {
                Slot::Threshold(t) => at(t).map_or(Slot::Unread, Slot::Threshold),
                Slot::Tolerance(t) => at(t).map_or(Slot::Unread, Slot::Tolerance),
                other => other,
            };
        }
    }

    /// Whether some assumption writes a target's threshold or tolerance:
    /// then each path is judged against its own patched copy of the targets.
    pub(crate) fn moves_targets(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i.slot, Slot::Threshold(_) | Slot::Tolerance(_)))
    }

    /// Whether some written value is the path's draw (not a central value
    /// or a pin): else every path writes the same values.
    pub(crate) fn draws_matter(&self) -> bool {
        !self.fixed && self.items.iter().any(|i| i.pin.is_none())
    }

    /// Variates drawn per path: one per assumption.
    pub fn draws(&self) -> usize {
        self.items.len()
    }

    /// Draw every assumption from `rng` (file order) and write the values
    /// into `work`, a copy of the model these assumptions belong to.
    pub fn apply<R: Rng + ?Sized>(&self, work: &mut Model, rng: &mut R) {
        let mut sectors_moved = false;
        for item in &self.items {
            let x = match item.dist {
                AssumptionDist::Normal { mean, sd } => {
                    let z: f64 = StandardNormal.sample(rng);
                    mean + sd * z
                }
                AssumptionDist::Uniform { low, high } => {
                    let u: f64 = rng.random();
                    low + (high - low) * u
                }
                AssumptionDist::Triangular { .. } => {
                    let u: f64 = rng.random();
                    item.dist.quantile(u)
                }
            };
            let x = match item.pin {
                Some(v) => v,
                None if self.fixed => item.dist.central(),
                None => x,
            };
            sectors_moved |= write(work, item.slot, x);
        }
        if sectors_moved {
            for i in 0..work.n_sectors() {
                self.recompute_sector(work, i);
            }
        }
        if self.moves_bases {
            recompute_bases(work);
        }
    }

    /// A sector's compiled arrays from its (patched) growth, volatility and
    /// loadings (MODEL.md 2.1 and 2.3).
    fn recompute_sector(&self, w: &mut Model, i: usize) {
        // The same derivation as compile's `sectors` (MODEL.md 2.1-2.4): the
        // first year's rate and calibration scale, later years' trend rates,
        // and the base-year quarters (on the trend or from the profile).
        let n = w.mu.len();
        let sec = &w.sectors[i];
        let g = sec.growth;
        let m = (1.0 + g / 100.0).ln() / 4.0;
        let scale = 1.0 / (self.sqrt_v[i] * (1.0 + g / 100.0));
        let rates = super::compile::trend_rates(&sec.growth_by_year);
        for (y, &rate) in rates.iter().enumerate() {
            w.mu_by_year[y * n + i] = if y == 0 { m } else { rate };
            w.idio_by_year[y * n + i] = sec.volatility_by_year[y] / 100.0 * scale;
        }
        w.mu[i] = m;
        w.idio[i] = sec.volatility / 100.0 * scale;
        for (p, &pos) in self.load_pos[i].iter().enumerate() {
            let l = w.sectors[i].loadings[p].1 / 100.0 * scale;
            w.load[i * w.load_stride + pos] = l;
            w.load_by_shock[pos * n + i] = l;
        }
        let v = w.sectors[i].value_added;
        let q = match &self.shapes[i] {
            Some(shape) => super::compile::profile_quarters(v, m, shape),
            None => {
                let denom: f64 = (0..4).map(|j| (-m * j as f64).exp()).sum();
                let c = v / denom;
                std::array::from_fn(|j| c * (m * (j as f64 - 3.0)).exp())
            }
        };
        w.base_quarters[i] = q;
        // Policy rules compare year-to-date growth in year 1 with these quarters.
        if !w.base_cumulative.is_empty() {
            for j in 0..4 {
                w.base_cumulative[j * n + i] = q[..=j].iter().sum();
            }
        }
        w.base_log_level[i] = if v > 0.0 {
            match &self.shapes[i] {
                Some(_) => q[3].ln(),
                None => (v / (0..4).map(|j| (-m * j as f64).exp()).sum::<f64>()).ln(),
            }
        } else {
            f64::NEG_INFINITY
        };
    }

    /// A copy in which assumption `k` still draws but always writes `value`
    /// (the other assumptions are unchanged; common random numbers hold).
    pub fn pinned(&self, k: usize, value: f64) -> Self {
        let mut out = self.clone();
        if let Some(item) = out.items.get_mut(k) {
            item.pin = Some(value);
        }
        out
    }

    /// A copy of these assumptions that writes central values.
    pub fn fixed(&self) -> Self {
        Assumptions {
            fixed: true,
            ..self.clone()
        }
    }
}

/// Write one value; returns whether a sector's arrays must be recomputed.
fn write(w: &mut Model, slot: Slot, x: f64) -> bool {
    match slot {
        Slot::SectorGrowth(i) => {
            // One draw for every year (a per-year growth is replaced in all years).
            let g = x.max(FLOOR_PERCENT);
            w.sectors[i].growth = g;
            w.sectors[i].growth_by_year.fill(g);
            return true;
        }
        Slot::SectorVolatility(i) => {
            let v = x.max(0.0);
            w.sectors[i].volatility = v;
            w.sectors[i].volatility_by_year.fill(v);
            return true;
        }
        Slot::SectorLoading(i, p, _) => {
            w.sectors[i].loadings[p].1 = x;
            return true;
        }
        Slot::Intercept(j) => {
            if let Formula::Linear { intercept, .. } = &mut w.indicators[j].formula {
                *intercept = x;
            }
        }
        Slot::Term(j, p) => {
            if let Formula::Linear { terms, .. } = &mut w.indicators[j].formula {
                terms[p].1 = x;
            }
        }
        Slot::Base(j) => w.indicators[j].base = Some(x),
        // Kept positive so that the noise is still drawn (the stream stays aligned).
        Slot::Noise(j) => w.indicators[j].noise_sd = x.max(f64::MIN_POSITIVE),
        Slot::Mean(j) => {
            if let Formula::Exogenous(means) = &mut w.indicators[j].formula {
                means.iter_mut().for_each(|v| *v = x);
            }
        }
        // One draw for every year: the per-year copies the path reads follow.
        Slot::EventProbability(e) => {
            let p = x.clamp(0.0, 1.0);
            let ne = w.events.len();
            w.events[e].probability = p;
            w.events[e].probability_by_year.fill(p);
            for y in 0..w.meta.horizon {
                w.event_probability[y * ne + e] = p;
            }
        }
        Slot::ImpactSize(e, ImpactSlot::Sector(k)) => {
            let l = (1.0 + x.max(FLOOR_PERCENT) / 100.0).ln();
            w.events[e].sector_impacts[k].1 = l;
            for year in &mut w.events[e].sector_impacts_by_year {
                year[k].1 = l;
            }
        }
        Slot::ImpactSize(e, ImpactSlot::Indicator { k, indicator, m }) => {
            w.events[e].indicator_impacts[k].1 = x;
            w.indicator_events[indicator][m].1 = x;
            // Built in the same order as `indicator_events`, one list per year.
            for year in &mut w.indicator_events_by_year {
                year[indicator][m].1 = x;
            }
        }
        Slot::Threshold(t) => {
            w.targets[t].threshold = x;
            w.targets[t].set_bounds();
        }
        Slot::Tolerance(t) => {
            w.targets[t].tolerance = x.max(0.0);
            w.targets[t].set_bounds();
        }
        Slot::Unread => {}
    }
    false
}

/// Base-year values of `sum` and `ratio` indicators from their inputs', in
/// evaluation order (the others keep theirs).
fn recompute_bases(w: &mut Model) {
    for idx in 0..w.order.len() {
        let j = w.order[idx];
        let base_of = |s: super::Series, m: &Model| match s {
            super::Series::Sector(i) => Some(m.sectors[i].value_added),
            super::Series::Indicator(k) => m.indicators[k].base,
        };
        let b = match &w.indicators[j].formula {
            Formula::Sum(terms) => terms
                .iter()
                .map(|&(x, wt)| base_of(x, w).map(|b| b * wt))
                .sum::<Option<f64>>(),
            Formula::Ratio(n, d) => match (base_of(*n, w), base_of(*d, w)) {
                (Some(n), Some(d)) => Some(n / d),
                _ => None,
            },
            _ => continue,
        };
        w.indicators[j].base = b;
    }
}
