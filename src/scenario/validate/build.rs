//! Build the typed [`Scenario`] from a raw one that passed every check:
//! parse the strings, resolve ids to indices, fill in defaults.
//!
//! Each step returns `None` where a checked scenario cannot fail, so this
//! module needs no `expect` of its own; [`super::validate`] states the one
//! invariant that makes the whole build succeed.

use std::collections::{BTreeMap, HashMap};

use crate::scenario::graph;
use crate::scenario::raw::*;
use crate::scenario::types::*;

/// Ids of each list, by index.
struct Index<'a> {
    sectors: HashMap<&'a str, usize>,
    shocks: HashMap<&'a str, usize>,
    indicators: BTreeMap<String, usize>,
    events: HashMap<&'a str, usize>,
}

fn positions<'a, T>(items: &'a [T], id: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, usize> {
    items.iter().enumerate().map(|(i, x)| (id(x), i)).collect()
}

impl Index<'_> {
    fn series(&self, id: &str) -> Option<Series> {
        match self.sectors.get(id) {
            Some(&i) => Some(Series::Sector(i)),
            None => self.indicator(id).map(Series::Indicator),
        }
    }
    fn input(&self, id: &str) -> Option<Input> {
        match self.shocks.get(id) {
            Some(&k) => Some(Input::Shock(k)),
            None => self.indicator(id).map(Input::Indicator),
        }
    }
    fn indicator(&self, id: &str) -> Option<usize> {
        self.indicators.get(id).copied()
    }
}

/// The typed form of a checked scenario (`None` only if it was not checked).
/// `order` is the indicators' evaluation order found by the cycle check.
pub(super) fn build(raw: RawScenario, order: Vec<usize>) -> Option<Scenario> {
    let index = Index {
        sectors: positions(&raw.sectors, |s| s.id.as_str()),
        shocks: positions(&raw.shocks, |s| s.id.as_str()),
        indicators: raw
            .indicators
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), i))
            .collect(),
        events: positions(&raw.events, |e| e.id.as_str()),
    };
    let h = &raw.scenario;
    let header = Header {
        name: h.name.clone(),
        region: h.region.clone(),
        region_zh: h.region_zh.clone(),
        base_year: h.base_year,
        horizon: h.horizon as usize,
        value_unit: h.value_unit.clone().unwrap_or_default(),
    };
    let horizon = h.horizon as usize;
    let sectors = raw
        .sectors
        .iter()
        .map(|s| sector(s, &index, horizon))
        .collect::<Option<Vec<_>>>()?;
    let shocks = raw
        .shocks
        .iter()
        .map(|s| shock(s, horizon))
        .collect::<Option<Vec<_>>>()?;
    let correlation = match &raw.shock_correlation {
        None => None,
        Some(c) => Some(Correlation {
            order: c
                .order
                .iter()
                .map(|id| index.shocks.get(id.as_str()).copied())
                .collect::<Option<_>>()?,
            matrix: c.matrix.clone(),
            repair: c.repair,
        }),
    };
    let events = raw
        .events
        .iter()
        .map(|e| event(e, &index, horizon))
        .collect::<Option<Vec<_>>>()?;
    let indicators = raw
        .indicators
        .iter()
        .map(|x| indicator(&raw, x, &index))
        .collect::<Option<Vec<_>>>()?;
    let targets = raw
        .targets
        .iter()
        .map(|t| target(t, h.base_year, &index))
        .collect::<Option<Vec<_>>>()?;
    let observed = match &raw.observed {
        None => None,
        Some(o) => Some(observed(o, &index)?),
    };
    let base_profiles = match &raw.base_quarters {
        None => vec![],
        Some(bq) => bq
            .profiles
            .iter()
            .map(|p| base_profile(&raw, p))
            .collect::<Option<Vec<_>>>()?,
    };
    let policies = raw
        .policies
        .iter()
        .map(|p| policy(&raw, p, &index))
        .collect::<Option<Vec<_>>>()?;
    let joints = raw
        .joints
        .iter()
        .map(|j| {
            Some(Joint {
                id: j.id.clone(),
                label: j.label.clone(),
                label_zh: j.label_zh.clone(),
                targets: j
                    .targets
                    .iter()
                    .map(|t| raw.targets.iter().position(|x| &x.id == t))
                    .collect::<Option<_>>()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let assumptions = raw
        .assumptions
        .iter()
        .map(|a| {
            Some(Assumption {
                parameter: a.parameter.clone(),
                param: super::assumptions::resolve(&raw, &a.parameter).ok()?,
                dist: super::assumptions::dist_of(a)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let indicator_index = index.indicators;
    Some(Scenario {
        base_profiles,
        policies,
        assumptions,
        joints,
        header,
        sectors,
        shocks,
        correlation,
        events,
        indicators,
        order,
        targets,
        observed,
        indicator_index,
        raw,
    })
}

fn sector(s: &RawSector, index: &Index, horizon: usize) -> Option<Sector> {
    Some(Sector {
        id: s.id.clone(),
        label: s.label.clone(),
        label_zh: s.label_zh.clone(),
        value_added: s.value_added,
        growth: s.growth.first(),
        volatility: s.volatility.first(),
        growth_by_year: s.growth.resolve(horizon),
        volatility_by_year: s.volatility.resolve(horizon),
        persistence: s.persistence,
        loadings: s
            .loadings
            .iter()
            .map(|(k, &v)| Some((*index.shocks.get(k.as_str())?, v)))
            .collect::<Option<_>>()?,
    })
}

fn shock(s: &RawShock, horizon: usize) -> Option<Shock> {
    Some(Shock {
        id: s.id.clone(),
        label: s.label.clone(),
        dist: ShockDist::of_raw(s)?,
        scale: match &s.scale {
            Some(v) => v.resolve(horizon),
            None => vec![1.0; horizon],
        },
        family: s.family.clone().unwrap_or_else(|| default_family(&s.id)),
    })
}

fn event(e: &RawEvent, index: &Index, horizon: usize) -> Option<Event> {
    let mut may_start = [e.quarters.is_none(); 4];
    for &q in e.quarters.iter().flatten() {
        *may_start.get_mut(q.checked_sub(1)? as usize)? = true;
    }
    let impacts = e
        .impacts
        .iter()
        .map(|imp| match (&imp.sector, &imp.indicator) {
            (Some(s), None) => Some(Impact::Sector {
                sector: *index.sectors.get(s.as_str())?,
                size: imp.size.first(),
            }),
            (None, Some(i)) => Some(Impact::Indicator {
                indicator: index.indicator(i)?,
                size: imp.size.first(),
            }),
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(Event {
        id: e.id.clone(),
        label: e.label.clone(),
        probability: e.probability.first(),
        duration: e.duration,
        may_start,
        recovery: e.recovery.unwrap_or(1.0),
        family: e.family.clone().unwrap_or_else(|| default_family(&e.id)),
        side: match &e.side {
            Some(s) => Side::parse(s)?,
            None => {
                // Every year's size counts: an impact is upside only if it never lowers.
                let sizes = || {
                    e.impacts
                        .iter()
                        .flat_map(|i| i.size.values().iter().copied())
                };
                if sizes().all(|s| s >= 0.0) && sizes().any(|s| s > 0.0) {
                    Side::Upside
                } else {
                    Side::Downside
                }
            }
        },
        impacts,
        probability_by_year: e.probability.resolve(horizon),
        impact_sizes: e.impacts.iter().map(|i| i.size.resolve(horizon)).collect(),
    })
}

fn indicator(raw: &RawScenario, ind: &RawIndicator, index: &Index) -> Option<Indicator> {
    let series = |v: &Option<String>| index.series(v.as_deref()?);
    let kind = IndicatorKind::parse(&ind.kind)?;
    let formula = match kind {
        IndicatorKind::Sum => Formula::Sum(
            ind.terms
                .iter()
                .map(|(k, &w)| Some((index.series(k)?, w)))
                .collect::<Option<_>>()?,
        ),
        IndicatorKind::Ratio => Formula::Ratio(series(&ind.numerator)?, series(&ind.denominator)?),
        IndicatorKind::Growth => Formula::Growth(series(&ind.of)?),
        IndicatorKind::Linear => Formula::Linear {
            intercept: ind.intercept.unwrap_or(0.0),
            terms: ind
                .terms
                .iter()
                .map(|(k, &w)| Some((index.input(k)?, w)))
                .collect::<Option<_>>()?,
        },
        IndicatorKind::Compound => Formula::Compound(series(&ind.of)?),
        IndicatorKind::Accumulate => Formula::Accumulate(
            series(&ind.of)?,
            ind.from_year
                .map(|y| (y - raw.scenario.base_year - 1) as usize)
                .unwrap_or(0),
        ),
        IndicatorKind::Exogenous => {
            Formula::Exogenous(per_year(ind.mean.as_ref()?, raw.scenario.horizon as usize)?)
        }
        IndicatorKind::Count => Formula::Count {
            of: index.indicator(ind.of.as_deref()?)?,
            trials: ind.trials?,
        },
    };
    let base = match kind {
        IndicatorKind::Accumulate => Some(ind.base.unwrap_or(0.0)),
        IndicatorKind::Compound => Some(ind.base?),
        _ => ind.base,
    };
    Some(Indicator {
        id: ind.id.clone(),
        label: ind.label.clone(),
        label_zh: ind.label_zh.clone(),
        unit: ind.unit.clone().unwrap_or_default(),
        formula,
        base,
        noise: ind.noise.unwrap_or(0.0),
        noise_df: ind.noise_df,
        persistence: ind.persistence.unwrap_or(0.0),
        aggregate: graph::sector_aggregate(raw, &ind.id),
        history: ind
            .history
            .iter()
            .flatten()
            .filter_map(|(y, &v)| Some((y.trim().parse().ok()?, v)))
            .collect::<std::collections::BTreeMap<i32, f64>>()
            .into_iter()
            .collect(),
    })
}

/// A per-year value resolved to one number per simulated year (a short array
/// repeats its last value).
fn per_year(v: &PerYear, horizon: usize) -> Option<Vec<f64>> {
    Some(match v {
        PerYear::One(x) => vec![*x; horizon],
        PerYear::Years(xs) => {
            let last = *xs.last()?;
            (0..horizon)
                .map(|y| xs.get(y).copied().unwrap_or(last))
                .collect()
        }
    })
}

fn target(t: &RawTarget, base_year: i32, index: &Index) -> Option<Target> {
    Some(Target {
        id: t.id.clone(),
        label: t.label.clone(),
        label_zh: t.label_zh.clone(),
        indicator: index.indicator(&t.indicator)?,
        relative_to: match &t.relative_to {
            None => None,
            Some(r) => Some(index.indicator(r)?),
        },
        year: t.year,
        year_index: (t.year - base_year - 1) as usize,
        op: Op::parse(&t.op)?,
        threshold: t.threshold,
        tolerance: t.tolerance,
        headline: t.headline,
        wording: t.wording.clone(),
        excused_by: t
            .excused_by
            .iter()
            .map(|e| index.events.get(e.as_str()).copied())
            .collect::<Option<_>>()?,
    })
}

fn observed(o: &RawObserved, index: &Index) -> Option<Observed> {
    Some(Observed {
        quarters: o.quarters as usize,
        values: o
            .values
            .iter()
            .map(|v| {
                Some(ObservedValue {
                    indicator: index.indicator(&v.indicator)?,
                    quarter: v.quarter.unwrap_or(o.quarters) as usize,
                    value: v.value,
                    share: v.share,
                })
            })
            .collect::<Option<_>>()?,
        events: o
            .events
            .iter()
            .map(|e| Some((*index.events.get(e.id.as_str())?, e.start_quarter as usize)))
            .collect::<Option<_>>()?,
    })
}

fn base_profile(raw: &RawScenario, p: &RawProfile) -> Option<BaseProfile> {
    let four = |v: &Vec<f64>| -> Option<[f64; 4]> { v.as_slice().try_into().ok() };
    let shape = match (&p.yoy, &p.shares) {
        (Some(v), None) => QuarterShape::Yoy(four(v)?),
        (None, Some(v)) => QuarterShape::Shares(four(v)?),
        _ => return None,
    };
    Some(BaseProfile {
        sectors: graph::sector_weights(raw, &p.of)?
            .into_iter()
            .map(|(i, _)| i)
            .collect(),
        shape,
        momentum: p.momentum.unwrap_or(0.0),
    })
}

fn policy(raw: &RawScenario, p: &RawPolicy, index: &Index) -> Option<Policy> {
    let base_year = raw.scenario.base_year;
    let horizon = raw.scenario.horizon as usize;
    let mut check = [false; 4];
    for &q in p.check_quarters.as_deref().unwrap_or(&[2]) {
        *check.get_mut(q.checked_sub(1)? as usize)? = true;
    }
    let years = (0..horizon)
        .map(|y| match &p.years {
            None => true,
            Some(ys) => ys.contains(&(base_year + 1 + y as i32)),
        })
        .collect();
    Some(Policy {
        id: p.id.clone(),
        label: p.label.clone(),
        label_zh: p.label_zh.clone(),
        indicator: p.indicator.clone(),
        weights: graph::sector_weights(raw, &p.indicator)?,
        trigger: p.trigger,
        op: match p.op.as_deref().unwrap_or("below") {
            "below" => PolicyOp::Below,
            "above" => PolicyOp::Above,
            _ => return None,
        },
        check,
        years,
        lag: p.lag.unwrap_or(1),
        duration: p.duration,
        response: p.response,
        cap: p.cap,
        sectors: p
            .sectors
            .iter()
            .map(|s| index.sectors.get(s.as_str()).copied())
            .collect::<Option<_>>()?,
    })
}
