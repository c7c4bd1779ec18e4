//! `[[sectors]]`: ranges of each sector's numbers and its loadings.

use super::{At, Checker, Entities, Entity, is_shock, per_year, unknown};
use crate::scenario::raw::{RawScenario, RawSector};

pub(super) fn check(c: &mut Checker, raw: &RawScenario, entities: &Entities) {
    let sat = At::root().key("sectors");
    for (i, s) in raw.sectors.iter().enumerate() {
        sector(c, &sat.item(i, &s.id), s, entities, raw);
    }
    if !raw.sectors.is_empty() && raw.sectors.iter().all(|s| s.value_added == 0.0) {
        c.fail(&sat, "at least one sector must have positive value_added");
    }
}

fn sector(c: &mut Checker, at: &At, s: &RawSector, entities: &Entities, raw: &RawScenario) {
    c.non_negative(&at.key("value_added"), s.value_added, "value added");
    per_year::each(c, &at.key("growth"), &s.growth, raw, |c, at, g| {
        if c.finite(at, g) && g <= -100.0 {
            c.fail(at, format!("growth must be above -100%, got {g}"));
        }
    });
    per_year::each(c, &at.key("volatility"), &s.volatility, raw, |c, at, v| {
        c.non_negative(at, v, "volatility (a standard deviation)");
    });
    c.persistence(&at.key("persistence"), s.persistence);
    let lat = at.key("loadings");
    for (shock, &v) in &s.loadings {
        let kat = lat.key(shock);
        if entities.get(shock) != Some(&Entity::Shock) {
            c.fail(&kat, unknown("shock", shock, entities, is_shock));
        }
        c.finite(&kat, v);
    }
}
