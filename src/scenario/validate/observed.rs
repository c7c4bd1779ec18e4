//! `[observed]`: published quarters of the first simulated year, their
//! figures (exact sector aggregates or blended with a share) and known events.

use std::collections::BTreeSet;

use super::{At, Checker, Entities, Entity, is_indicator, nearest, unknown};
use crate::scenario::graph::sector_aggregate;
use crate::scenario::raw::{RawObserved, RawObservedValue, RawScenario};

pub(super) fn check(c: &mut Checker, raw: &RawScenario, obs: &RawObserved, entities: &Entities) {
    let oat = At::root().key("observed");
    if !(1..=3).contains(&obs.quarters) {
        c.fail(
            &oat.key("quarters"),
            format!(
                "must be 1, 2 or 3 (quarters of {} already published), got {}",
                raw.scenario.base_year + 1,
                obs.quarters
            ),
        );
    }
    let quarters = obs.quarters.clamp(1, 3);
    let mut seen = BTreeSet::new();
    for (i, v) in obs.values.iter().enumerate() {
        value(
            c,
            raw,
            &oat.key("values").index(i),
            v,
            quarters,
            &mut seen,
            entities,
        );
    }
    let mut seen_events = BTreeSet::new();
    for (i, e) in obs.events.iter().enumerate() {
        let at = oat.key("events").index(i);
        if !raw.events.iter().any(|x| x.id == e.id) {
            let msg = match nearest(&e.id, raw.events.iter().map(|x| x.id.as_str())) {
                Some(n) => format!("unknown event {:?} (did you mean {n:?}?)", e.id),
                None => format!("unknown event {:?}", e.id),
            };
            c.fail(&at.key("id"), msg);
        } else if !seen_events.insert(e.id.clone()) {
            c.fail(&at.key("id"), format!("event {:?} is listed twice", e.id));
        }
        if !(1..=quarters).contains(&e.start_quarter) {
            c.fail(
                &at.key("start_quarter"),
                format!(
                    "must be a published quarter (1-{quarters}), got {}",
                    e.start_quarter
                ),
            );
        }
    }
}

/// One published figure.
fn value(
    c: &mut Checker,
    raw: &RawScenario,
    at: &At,
    v: &RawObservedValue,
    quarters: u32,
    seen: &mut BTreeSet<(String, u32)>,
    entities: &Entities,
) {
    if !matches!(entities.get(&v.indicator), Some(Entity::Indicator(_))) {
        c.fail(
            &at.key("indicator"),
            unknown("indicator", &v.indicator, entities, is_indicator),
        );
        return;
    }
    let q = v.quarter.unwrap_or(quarters);
    if !(1..=quarters).contains(&q) {
        c.fail(
            &at.key("quarter"),
            format!("must be a published quarter (1-{quarters}), got {q}"),
        );
    }
    if !seen.insert((v.indicator.clone(), q)) {
        c.fail(
            &at.key("indicator"),
            format!("{:?} through quarter {q} is observed twice", v.indicator),
        );
    }
    let exact = sector_aggregate(raw, &v.indicator).is_some();
    if c.finite(&at.key("value"), v.value) && exact && v.value <= -100.0 {
        c.fail(
            &at.key("value"),
            format!("a growth rate must be above -100, got {}", v.value),
        );
    }
    match (exact, v.share) {
        (true, Some(_)) => c.fail(
            &at.key("share"),
            format!(
                "not used: {:?} is the growth of sectors, whose published quarters are reproduced exactly",
                v.indicator
            ),
        ),
        (false, None) => c.fail(
            &at.key("indicator"),
            format!(
                "{:?} is not the growth of a sum of sectors, so its quarters are not simulated; \
                 give `share`, the observed period's share of the base year's annual total, in (0, 1)",
                v.indicator
            ),
        ),
        (false, Some(share)) => {
            if c.finite(&at.key("share"), share) && !(share > 0.0 && share < 1.0) {
                c.fail(
                    &at.key("share"),
                    format!("share must be in (0, 1), got {share}"),
                );
            }
        }
        (true, None) => {}
    }
}
