//! `[[policies]]`: the rules of the policy reaction function (what they
//! read, when they are checked, how much they move which sectors).

use std::collections::{BTreeSet, HashMap};

use super::{At, Checker, Entities, Entity, is_sector, is_series, unknown};
use crate::scenario::graph::sector_weights;
use crate::scenario::raw::{RawPolicy, RawScenario};

pub(super) fn check(c: &mut Checker, raw: &RawScenario, entities: &Entities, horizon: i32) {
    let pat = At::root().key("policies");
    let mut ids = HashMap::new();
    for (i, p) in raw.policies.iter().enumerate() {
        let at = pat.item(i, &p.id);
        c.id(&at.key("id"), &p.id, &mut ids, "policy");
        policy(c, raw, &at, p, entities, horizon);
    }
}

fn policy(
    c: &mut Checker,
    raw: &RawScenario,
    at: &At,
    p: &RawPolicy,
    entities: &Entities,
    horizon: i32,
) {
    let iat = at.key("indicator");
    match entities.get(&p.indicator) {
        None | Some(Entity::Shock) => c.fail(
            &iat,
            unknown("sector or indicator", &p.indicator, entities, is_series),
        ),
        Some(_) => {
            if !sector_weights(raw, &p.indicator).is_some_and(|w| !w.is_empty()) {
                c.fail(
                    &iat,
                    "must be a sector, or a `sum` or `growth` indicator of sectors (without noise, \
                     with non-negative weights): the rule reads its year-to-date growth",
                );
            }
        }
    }
    c.finite(&at.key("trigger"), p.trigger);
    if let Some(op) = &p.op {
        if op != "below" && op != "above" {
            c.fail(
                &at.key("op"),
                format!("unknown op {op:?}; expected below or above"),
            );
        }
    }
    if let Some(qs) = &p.check_quarters {
        let qat = at.key("check_quarters");
        if qs.is_empty() {
            c.fail(
                &qat,
                "must list at least one quarter (1-4) to check at, or be omitted (default: 2)",
            );
        }
        let mut seen = BTreeSet::new();
        for (k, &q) in qs.iter().enumerate() {
            if !(1..=4).contains(&q) {
                c.fail(&qat.index(k), format!("quarter must be 1-4, got {q}"));
            } else if !seen.insert(q) {
                c.fail(&qat.index(k), format!("quarter {q} listed twice"));
            }
        }
    }
    let base_year = raw.scenario.base_year;
    for (k, &y) in p.years.iter().flatten().enumerate() {
        if y <= base_year || y > base_year + horizon {
            c.fail(
                &at.key("years").index(k),
                format!(
                    "must be a simulated year ({}-{}), got {y}",
                    base_year + 1,
                    base_year + horizon
                ),
            );
        }
    }
    if p.lag == Some(0) {
        c.fail(
            &at.key("lag"),
            "lag must be at least 1 quarter (a rule moves quarters after the one it is checked at)",
        );
    }
    if p.duration == 0 {
        c.fail(&at.key("duration"), "duration must be at least 1 quarter");
    }
    c.non_negative(
        &at.key("response"),
        p.response,
        "response (points of annualized growth per point of shortfall)",
    );
    c.non_negative(&at.key("cap"), p.cap, "cap (points of annualized growth)");
    let sat = at.key("sectors");
    if p.sectors.is_empty() {
        c.fail(&sat, "must name at least one sector to move");
    }
    let mut seen = BTreeSet::new();
    for (k, s) in p.sectors.iter().enumerate() {
        if entities.get(s) != Some(&Entity::Sector) {
            c.fail(&sat.index(k), unknown("sector", s, entities, is_sector));
        } else if !seen.insert(s.as_str()) {
            c.fail(&sat.index(k), format!("sector {s:?} listed twice"));
        }
    }
}
