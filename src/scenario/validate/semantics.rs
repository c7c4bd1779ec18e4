//! Target semantics and risk labels: `family` and `side` of events and
//! shocks, `excused_by` of targets, and `[[joints]]`.

use std::collections::{BTreeSet, HashMap};

use super::{At, Checker, nearest};
use crate::scenario::raw::RawScenario;
use crate::scenario::types::Side;

pub(super) fn check(c: &mut Checker, raw: &RawScenario) {
    let shat = At::root().key("shocks");
    for (i, s) in raw.shocks.iter().enumerate() {
        if let Some(f) = &s.family {
            family(c, &shat.item(i, &s.id).key("family"), f);
        }
    }
    let eat = At::root().key("events");
    for (i, e) in raw.events.iter().enumerate() {
        let at = eat.item(i, &e.id);
        if let Some(f) = &e.family {
            family(c, &at.key("family"), f);
        }
        if let Some(s) = &e.side {
            if Side::parse(s).is_none() {
                c.fail(
                    &at.key("side"),
                    format!("unknown side {s:?}; expected downside or upside"),
                );
            }
        }
    }
    let tat = At::root().key("targets");
    for (i, t) in raw.targets.iter().enumerate() {
        let at = tat.item(i, &t.id).key("excused_by");
        let mut seen = BTreeSet::new();
        for (k, id) in t.excused_by.iter().enumerate() {
            let kat = at.index(k);
            if !raw.events.iter().any(|e| &e.id == id) {
                c.fail(
                    &kat,
                    unknown_of("event", id, raw.events.iter().map(|e| e.id.as_str())),
                );
            } else if !seen.insert(id) {
                c.fail(&kat, format!("event {id:?} is listed twice"));
            }
        }
    }
    joints(c, raw);
}

/// A family is a label: non-empty, without spaces around it.
fn family(c: &mut Checker, at: &At, f: &str) {
    if f.trim().is_empty() {
        c.fail(at, "family must not be empty");
    }
}

/// "unknown {what} {id:?}", with the nearest known id.
fn unknown_of<'a>(what: &str, id: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match nearest(id, known) {
        Some(n) => format!("unknown {what} {id:?} (did you mean {n:?}?)"),
        None => format!("unknown {what} {id:?}"),
    }
}

fn joints(c: &mut Checker, raw: &RawScenario) {
    let jat = At::root().key("joints");
    let mut ids = HashMap::new();
    for (i, j) in raw.joints.iter().enumerate() {
        let at = jat.item(i, &j.id);
        c.id(&at.key("id"), &j.id, &mut ids, "joint");
        if j.targets.is_empty() {
            c.fail(&at.key("targets"), "must list at least one target");
        }
        let mut seen = BTreeSet::new();
        for (k, t) in j.targets.iter().enumerate() {
            let kat = at.key("targets").index(k);
            if !raw.targets.iter().any(|x| &x.id == t) {
                c.fail(
                    &kat,
                    unknown_of("target", t, raw.targets.iter().map(|x| x.id.as_str())),
                );
            } else if !seen.insert(t) {
                c.fail(&kat, format!("target {t:?} is listed twice"));
            }
        }
    }
}
