//! `[base_quarters]`: the base year's quarterly profile of sectors (single-
//! quarter year-on-year growth or quarterly shares) and starting momentum.

use std::collections::BTreeMap;

use super::{At, Checker, Entities, Entity, is_series, unknown};
use crate::scenario::graph::sector_weights;
use crate::scenario::raw::{RawBaseQuarters, RawProfile, RawScenario};

pub(super) fn check(c: &mut Checker, raw: &RawScenario, bq: &RawBaseQuarters, entities: &Entities) {
    let pat = At::root().key("base_quarters").key("profiles");
    // Sector index -> the profile that gave it one.
    let mut profiled: BTreeMap<usize, String> = BTreeMap::new();
    for (k, p) in bq.profiles.iter().enumerate() {
        let at = pat.index(k);
        for i in sectors_of(c, raw, &at, p, entities) {
            if let Some(prev) = profiled.insert(i, at.field.clone()) {
                c.fail(
                    &at.key("of"),
                    format!(
                        "sector {:?} already has a profile ({prev})",
                        raw.sectors[i].id
                    ),
                );
            }
        }
        shape(c, &at, p);
        if let Some(m) = p.momentum {
            c.finite(&at.key("momentum"), m);
        }
    }
}

/// The sectors a profile names (none when `of` is wrong, which is reported).
pub(super) fn sectors_of(
    c: &mut Checker,
    raw: &RawScenario,
    at: &At,
    p: &RawProfile,
    entities: &Entities,
) -> Vec<usize> {
    let oat = at.key("of");
    match entities.get(&p.of) {
        None | Some(Entity::Shock) => {
            c.fail(
                &oat,
                unknown("sector or indicator", &p.of, entities, is_series),
            );
            vec![]
        }
        Some(e) => {
            let weights = match e {
                Entity::Indicator(crate::scenario::IndicatorKind::Sum) | Entity::Sector => {
                    sector_weights(raw, &p.of)
                }
                _ => None,
            };
            match weights {
                Some(w) if !w.is_empty() => w.into_iter().map(|(i, _)| i).collect(),
                _ => {
                    c.fail(
                        &oat,
                        "must be a sector or a `sum` indicator of sectors (without noise, with non-negative weights)",
                    );
                    vec![]
                }
            }
        }
    }
}

fn shape(c: &mut Checker, at: &At, p: &RawProfile) {
    let (name, values) = match (&p.yoy, &p.shares) {
        (Some(v), None) => ("yoy", v),
        (None, Some(v)) => ("shares", v),
        _ => {
            c.fail(
                at,
                "give exactly one of `yoy` (single-quarter year-on-year growth) or `shares` (quarterly shares)",
            );
            return;
        }
    };
    let vat = at.key(name);
    if values.len() != 4 {
        c.fail(
            &vat,
            format!("needs 4 values (Q1, Q2, Q3, Q4), got {}", values.len()),
        );
    }
    let mut all_finite = true;
    for (q, &v) in values.iter().enumerate() {
        let qat = vat.index(q);
        if !c.finite(&qat, v) {
            all_finite = false;
        } else if name == "yoy" && v <= -100.0 {
            c.fail(
                &qat,
                format!("a single quarter's year-on-year growth must be above -100%, got {v}"),
            );
        } else if name == "shares" && v <= 0.0 {
            c.fail(&qat, format!("a quarterly share must be > 0, got {v}"));
        }
    }
    if name == "shares" && all_finite && values.len() == 4 {
        let sum: f64 = values.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            c.fail(
                &vat,
                format!("shares must sum to 1 (within 1e-9), got {sum}"),
            );
        }
    }
}
