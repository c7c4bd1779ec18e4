//! `[[assumptions]]`: which parameter each one draws (only those the engine
//! can patch per path), and its distribution's parameters.

use std::collections::HashSet;

use super::{At, Checker, nearest};
use crate::scenario::raw::{RawAssumption, RawScenario};
use crate::scenario::types::{AssumedParam, AssumptionDist};

/// The parameters an assumption may draw, for messages.
pub(crate) const SUPPORTED: &str = "sectors.ID.growth, sectors.ID.volatility, \
     sectors.ID.loadings.SHOCK, indicators.ID.intercept, indicators.ID.terms.ID, \
     indicators.ID.base, indicators.ID.noise, indicators.ID.mean, events.ID.probability, \
     events.ID.impacts.ID.size, targets.ID.threshold, targets.ID.tolerance";

pub(super) fn check(c: &mut Checker, raw: &RawScenario) {
    let aat = At::root().key("assumptions");
    let mut seen = HashSet::new();
    for (i, a) in raw.assumptions.iter().enumerate() {
        let at = aat.item(i, "");
        match resolve(raw, &a.parameter) {
            Err(msg) => c.fail(&at.key("parameter"), msg),
            Ok(p) => {
                if !seen.insert(p) {
                    c.fail(
                        &at.key("parameter"),
                        format!("{:?} already has an assumption", a.parameter),
                    );
                }
            }
        }
        distribution(c, &at, a);
    }
}

/// The distribution, when its fields are complete and consistent.
pub(crate) fn dist_of(a: &RawAssumption) -> Option<AssumptionDist> {
    Some(match a.distribution.as_str() {
        "normal" => AssumptionDist::Normal {
            mean: a.mean?,
            sd: a.sd?,
        },
        "uniform" => AssumptionDist::Uniform {
            low: a.low?,
            high: a.high?,
        },
        "triangular" => AssumptionDist::Triangular {
            low: a.low?,
            mode: a.mode?,
            high: a.high?,
        },
        _ => return None,
    })
}

fn distribution(c: &mut Checker, at: &At, a: &RawAssumption) {
    let fields = [
        ("mean", a.mean),
        ("sd", a.sd),
        ("low", a.low),
        ("mode", a.mode),
        ("high", a.high),
    ];
    let (needs, words): (&[&str], &str) = match a.distribution.as_str() {
        "normal" => (&["mean", "sd"], "`mean` and `sd`"),
        "uniform" => (&["low", "high"], "`low` and `high`"),
        "triangular" => (&["low", "mode", "high"], "`low`, `mode` and `high`"),
        d => {
            c.fail(
                &at.key("distribution"),
                format!("unknown distribution {d:?}; expected normal, uniform or triangular"),
            );
            return;
        }
    };
    let mut ok = true;
    let mut missing = false;
    for (name, v) in fields {
        match (needs.contains(&name), v) {
            (true, None) => {
                if !missing {
                    missing = true;
                    c.fail(
                        &at.key("distribution"),
                        format!("{} needs {words}", a.distribution),
                    );
                }
                ok = false;
            }
            (false, Some(_)) => {
                c.fail(
                    &at.key(name),
                    format!("`{name}` is not used by distribution `{}`", a.distribution),
                );
                ok = false;
            }
            (true, Some(x)) => ok &= c.finite(&at.key(name), x),
            (false, None) => {}
        }
    }
    if !ok {
        return;
    }
    match dist_of(a) {
        Some(AssumptionDist::Normal { sd, .. }) if sd <= 0.0 => {
            c.fail(&at.key("sd"), format!("sd must be > 0, got {sd}"));
        }
        Some(
            AssumptionDist::Uniform { low, high } | AssumptionDist::Triangular { low, high, .. },
        ) if high <= low => {
            c.fail(
                &at.key("high"),
                format!("high must be above low ({low}), got {high}"),
            );
        }
        Some(AssumptionDist::Triangular {
            low, mode, high, ..
        }) if !(low..=high).contains(&mode) => {
            c.fail(
                &at.key("mode"),
                format!("mode must be in [low, high] ([{low}, {high}]), got {mode}"),
            );
        }
        _ => {}
    }
}

fn position<T>(items: &[T], id: impl Fn(&T) -> &str, name: &str) -> Option<usize> {
    items.iter().position(|x| id(x) == name)
}

fn unknown<'a>(what: &str, name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match nearest(name, known) {
        Some(n) => format!("unknown {what} {name:?} (did you mean {n:?}?)"),
        None => format!("unknown {what} {name:?}"),
    }
}

/// What a parameter path draws, or why it cannot carry uncertainty.
pub(crate) fn resolve(raw: &RawScenario, path: &str) -> Result<AssumedParam, String> {
    let seg: Vec<&str> = path.split('.').collect();
    let unsupported = || {
        format!(
            "{path:?} cannot carry uncertainty: only these parameters can be drawn per path: {SUPPORTED}"
        )
    };
    let sector = |id: &str| {
        position(&raw.sectors, |s| s.id.as_str(), id)
            .ok_or_else(|| unknown("sector", id, raw.sectors.iter().map(|s| s.id.as_str())))
    };
    let indicator = |id: &str| {
        position(&raw.indicators, |s| s.id.as_str(), id).ok_or_else(|| {
            unknown(
                "indicator",
                id,
                raw.indicators.iter().map(|s| s.id.as_str()),
            )
        })
    };
    let event = |id: &str| {
        position(&raw.events, |s| s.id.as_str(), id)
            .ok_or_else(|| unknown("event", id, raw.events.iter().map(|s| s.id.as_str())))
    };
    let target = |id: &str| {
        position(&raw.targets, |s| s.id.as_str(), id)
            .ok_or_else(|| unknown("target", id, raw.targets.iter().map(|s| s.id.as_str())))
    };
    let nowcast = || {
        if raw.observed.is_some() {
            Err(format!(
                "{path:?}: sector parameters cannot be drawn in a nowcast (the published quarters of [observed] are solved for the sectors as written)"
            ))
        } else {
            Ok(())
        }
    };
    match seg.as_slice() {
        ["sectors", id, "growth"] => {
            let i = sector(id)?;
            nowcast()?;
            Ok(AssumedParam::SectorGrowth(i))
        }
        ["sectors", id, "volatility"] => {
            let i = sector(id)?;
            nowcast()?;
            Ok(AssumedParam::SectorVolatility(i))
        }
        ["sectors", id, "loadings", k] => {
            let i = sector(id)?;
            let Some(shock) = position(&raw.shocks, |s| s.id.as_str(), k) else {
                return Err(unknown(
                    "shock",
                    k,
                    raw.shocks.iter().map(|s| s.id.as_str()),
                ));
            };
            if !raw.sectors[i].loadings.contains_key(*k) {
                return Err(format!("sector {id:?} has no loading on {k:?}"));
            }
            nowcast()?;
            Ok(AssumedParam::SectorLoading(i, shock))
        }
        ["indicators", id, field @ ..] => {
            let j = indicator(id)?;
            let ind = &raw.indicators[j];
            let kind = ind.kind.as_str();
            let only = |what: &str, kinds: &str| {
                Err(format!(
                    "indicator {id:?} is a `{kind}`; only {kinds} has {what} that can be drawn"
                ))
            };
            match field {
                ["intercept"] if kind == "linear" => Ok(AssumedParam::Intercept(j)),
                ["intercept"] => only("an intercept", "a `linear`"),
                ["terms", x] if kind == "linear" => match ind.terms.keys().position(|k| k == x) {
                    Some(p) => Ok(AssumedParam::Term(j, p)),
                    None => Err(format!("indicator {id:?} has no term {x:?}")),
                },
                ["terms", _] => only("coefficients", "a `linear`"),
                ["base"] if matches!(kind, "linear" | "compound" | "accumulate" | "exogenous") => {
                    Ok(AssumedParam::Base(j))
                }
                ["base"] => only(
                    "a base",
                    "a `linear`, `compound`, `accumulate` or `exogenous`",
                ),
                ["noise"] if ind.noise.unwrap_or(0.0) > 0.0 => Ok(AssumedParam::Noise(j)),
                ["noise"] => Err(format!(
                    "indicator {id:?} has no noise; only a `noise` > 0 in the file can be drawn"
                )),
                ["mean"] if kind == "exogenous" => Ok(AssumedParam::Mean(j)),
                ["mean"] => only("a mean", "an `exogenous`"),
                _ => Err(unsupported()),
            }
        }
        ["events", id, "probability"] => Ok(AssumedParam::EventProbability(event(id)?)),
        ["events", id, "impacts", x, "size"] => {
            let e = event(id)?;
            let names = |imp: &crate::scenario::raw::RawImpact| {
                imp.sector.as_deref() == Some(*x) || imp.indicator.as_deref() == Some(*x)
            };
            let impacts = &raw.events[e].impacts;
            match impacts.iter().filter(|i| names(i)).count() {
                1 => Ok(AssumedParam::ImpactSize(
                    e,
                    impacts.iter().position(names).unwrap_or(0),
                )),
                0 => Err(format!("event {id:?} has no impact on {x:?}")),
                _ => Err(format!(
                    "event {id:?} has more than one impact on {x:?}; the path is ambiguous"
                )),
            }
        }
        ["targets", id, "threshold"] => Ok(AssumedParam::Threshold(target(id)?)),
        ["targets", id, "tolerance"] => Ok(AssumedParam::Tolerance(target(id)?)),
        _ => Err(unsupported()),
    }
}
