//! Per-year values (a number, or an array with one value per simulated
//! year whose last value repeats): the shape check shared by every per-year
//! field. Each value is then checked by the field's own rule, at its own
//! position (`sectors[x].growth[2]`).

use super::{At, Checker};
use crate::scenario::raw::{PerYear, RawScenario};

/// The horizon the per-year arrays are checked against (clamped like the
/// header's check, so a bad horizon is reported once, there).
pub(super) fn horizon(raw: &RawScenario) -> usize {
    raw.scenario.horizon.clamp(1, 100) as usize
}

/// Check the shape of `v` and call `each` on every value with its position.
pub(super) fn each(
    c: &mut Checker,
    at: &At,
    v: &PerYear,
    raw: &RawScenario,
    mut each: impl FnMut(&mut Checker, &At, f64),
) {
    match v {
        PerYear::One(x) => each(c, at, *x),
        PerYear::Years(xs) => {
            let h = horizon(raw);
            if xs.is_empty() {
                c.fail(
                    at,
                    "an array of per-year values needs at least one value (the first simulated year's)",
                );
            }
            if xs.len() > h {
                c.fail(
                    at,
                    format!(
                        "has {} values but the horizon is {h} year{} ({}-{}); give one value per simulated year, or fewer (the last repeats)",
                        xs.len(),
                        if h == 1 { "" } else { "s" },
                        raw.scenario.base_year + 1,
                        raw.scenario.base_year + h as i32
                    ),
                );
            }
            for (k, &x) in xs.iter().enumerate() {
                each(c, &at.index(k), x);
            }
        }
    }
}
