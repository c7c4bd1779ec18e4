//! `[[targets]]`: ids, the indicators judged, year, comparison, numbers.

use std::collections::HashMap;

use super::{At, Checker, Entities, Entity, is_indicator, unknown};
use crate::scenario::raw::RawScenario;
use crate::scenario::types::Op;

pub(super) fn check(c: &mut Checker, raw: &RawScenario, entities: &Entities, horizon: i32) {
    let tat = At::root().key("targets");
    if raw.targets.is_empty() {
        c.fail(&tat, "a scenario needs at least one [[targets]] entry");
    }
    let base_year = raw.scenario.base_year;
    let mut target_ids = HashMap::new();
    for (i, t) in raw.targets.iter().enumerate() {
        let at = tat.item(i, &t.id);
        c.id(&at.key("id"), &t.id, &mut target_ids, "target");
        let indicator = |id: &str| matches!(entities.get(id), Some(Entity::Indicator(_)));
        if !indicator(&t.indicator) {
            c.fail(
                &at.key("indicator"),
                unknown("indicator", &t.indicator, entities, is_indicator),
            );
        }
        if let Some(r) = &t.relative_to {
            if !indicator(r) {
                c.fail(
                    &at.key("relative_to"),
                    unknown("indicator", r, entities, is_indicator),
                );
            }
        }
        if t.year <= base_year || t.year > base_year + horizon {
            c.fail(
                &at.key("year"),
                format!(
                    "must be a simulated year ({}-{}: base_year + 1 to base_year + horizon), got {}",
                    base_year + 1,
                    base_year + horizon,
                    t.year
                ),
            );
        }
        if Op::parse(&t.op).is_none() {
            c.fail(
                &at.key("op"),
                format!("unknown op {:?}; expected at_least, at_most or about", t.op),
            );
        }
        let threshold_ok = c.finite(&at.key("threshold"), t.threshold);
        c.non_negative(&at.key("tolerance"), t.tolerance, "tolerance");
        // The bounds applied are threshold - tolerance and threshold +
        // tolerance: both must be numbers (1e308 + 1e308 is infinite).
        let (lo, hi) = (t.threshold - t.tolerance, t.threshold + t.tolerance);
        if threshold_ok && t.tolerance.is_finite() && !(lo.is_finite() && hi.is_finite()) {
            c.fail(
                &at.key("tolerance"),
                format!(
                    "threshold ± tolerance ({:e} ± {:e}) is beyond the largest number (about 1.8e308)",
                    t.threshold, t.tolerance
                ),
            );
        }
    }
}
