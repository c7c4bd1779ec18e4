//! `[[events]]`: probability, duration, eligible quarters, recovery, impacts.

use std::collections::{BTreeSet, HashMap};

use super::{At, Checker, Entities, Entity, is_indicator, is_sector, per_year, unknown};
use crate::scenario::raw::{RawEvent, RawImpact, RawScenario};

pub(super) fn check(c: &mut Checker, raw: &RawScenario, entities: &Entities) {
    let eat = At::root().key("events");
    let mut event_ids = HashMap::new();
    for (i, e) in raw.events.iter().enumerate() {
        let at = eat.item(i, &e.id);
        c.id(&at.key("id"), &e.id, &mut event_ids, "event");
        per_year::each(
            c,
            &at.key("probability"),
            &e.probability,
            raw,
            |c, at, p| {
                c.range(at, p, 0.0, 1.0, "probability");
            },
        );
        if e.duration == 0 {
            c.fail(&at.key("duration"), "duration must be at least 1 quarter");
        }
        quarters(c, &at, e);
        if let Some(r) = e.recovery {
            c.range(&at.key("recovery"), r, 0.0, 1.0, "recovery");
        }
        for (k, imp) in e.impacts.iter().enumerate() {
            impact(c, &at.key("impacts").index(k), imp, entities, raw);
        }
    }
}

fn quarters(c: &mut Checker, at: &At, e: &RawEvent) {
    let Some(qs) = &e.quarters else { return };
    if qs.is_empty() {
        c.fail(
            &at.key("quarters"),
            "must list at least one quarter (1-4), or be omitted",
        );
    }
    let mut seen_q = BTreeSet::new();
    for (k, &q) in qs.iter().enumerate() {
        if !(1..=4).contains(&q) {
            c.fail(
                &at.key("quarters").index(k),
                format!("quarter must be 1-4, got {q}"),
            );
        } else if !seen_q.insert(q) {
            c.fail(
                &at.key("quarters").index(k),
                format!("quarter {q} listed twice"),
            );
        }
    }
}

fn impact(c: &mut Checker, iat: &At, imp: &RawImpact, entities: &Entities, raw: &RawScenario) {
    match (&imp.sector, &imp.indicator) {
        (Some(s), None) => {
            if entities.get(s) != Some(&Entity::Sector) {
                c.fail(
                    &iat.key("sector"),
                    unknown("sector", s, entities, is_sector),
                );
            }
            per_year::each(c, &iat.key("size"), &imp.size, raw, |c, at, x| {
                if c.finite(at, x) && x <= -100.0 {
                    c.fail(
                        at,
                        format!(
                            "a sector impact is a percent change of its level and must be above -100, got {x}"
                        ),
                    );
                }
            });
        }
        (None, Some(ind)) => {
            if !matches!(entities.get(ind), Some(Entity::Indicator(_))) {
                c.fail(
                    &iat.key("indicator"),
                    unknown("indicator", ind, entities, is_indicator),
                );
            }
            per_year::each(c, &iat.key("size"), &imp.size, raw, |c, at, x| {
                c.finite(at, x);
            });
        }
        _ => c.fail(
            iat,
            "an impact names exactly one of `sector` or `indicator`",
        ),
    }
}
