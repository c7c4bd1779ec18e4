//! `[scenario]`: name, horizon, base year.

use super::{At, Checker};
use crate::scenario::raw::RawScenario;

/// Check the header; returns the horizon clamped to its valid range, for the
/// year checks of later sections.
pub(super) fn check(c: &mut Checker, raw: &RawScenario) -> i32 {
    let h = &raw.scenario;
    let hat = At::root().key("scenario");
    if h.name.trim().is_empty() {
        c.fail(&hat.key("name"), "must not be empty");
    }
    if !(1..=100).contains(&h.horizon) {
        c.fail(
            &hat.key("horizon"),
            format!("must be between 1 and 100 years, got {}", h.horizon),
        );
    }
    if !(1900..=2500).contains(&h.base_year) {
        c.fail(
            &hat.key("base_year"),
            format!("must be a calendar year (1900-2500), got {}", h.base_year),
        );
    }
    h.horizon.clamp(1, 100) as i32
}
