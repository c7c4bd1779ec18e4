//! RawScenario -> validated, typed [`Scenario`]: every range, reference and
//! shape check, one file per section; then `build.rs` makes the typed form.
//!
//! Validation collects *all* problems rather than stopping at the first, so
//! `attain validate` can list everything a scenario author has to fix in one
//! pass. Each problem carries a field path that `locate` turns into a line.
//! The sections run in a fixed order and findings keep the order in which
//! they are found (the error-message tests pin it).

pub(crate) mod assumptions;
mod base_quarters;
mod build;
mod events;
mod header;
mod indicators;
mod observed;
mod per_year;
mod policies;
mod sectors;
mod semantics;
mod shocks;
mod targets;

use std::collections::{BTreeMap, HashMap};

use super::locate::Segment;
use super::raw::RawScenario;
use super::types::{IndicatorKind, Scenario};

// Kept here for sweep.rs, which found it here before the graph module.
pub use super::graph::indicator_inputs;

/// A problem found by validation, before it is given a line number.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    /// Path for locating the line.
    pub path: Vec<Segment>,
    /// Path as shown to the user (array elements named by id).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What an id in the shared sector/shock/indicator namespace refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entity {
    /// A sector (a level, in the value unit).
    Sector,
    /// A common shock factor.
    Shock,
    /// An indicator of the given kind.
    Indicator(IndicatorKind),
}

/// The shared namespace of series and shocks, by id.
pub(crate) type Entities = BTreeMap<String, Entity>;

/// Validate a raw scenario and build its typed form.
///
/// # Errors
/// Every problem found, in section order.
pub(crate) fn validate(raw: RawScenario) -> Result<Scenario, Vec<Finding>> {
    // An order is found only when nothing about indicators is wrong.
    let (findings, order) = check(&raw);
    match order {
        Some(order) if findings.is_empty() => {
            // Invariant: nothing was found, so every reference resolves and
            // every kind, op and distribution parses.
            Ok(build::build(raw, order).expect("a scenario without findings builds"))
        }
        _ => Err(findings),
    }
}

/// Check a scenario: every problem found, and the indicators' evaluation order when the
/// indicators were clean enough to compute it (the one cycle check).
fn check(raw: &RawScenario) -> (Vec<Finding>, Option<Vec<usize>>) {
    let mut c = Checker { findings: vec![] };
    let horizon = header::check(&mut c, raw);
    let (entities, kinds) = namespace(&mut c, raw);
    sectors::check(&mut c, raw, &entities);
    shocks::check(&mut c, raw);
    shocks::check_correlation(&mut c, raw, &entities);
    events::check(&mut c, raw, &entities);
    let order = indicators::check(&mut c, raw, &entities, &kinds, horizon);
    targets::check(&mut c, raw, &entities, horizon);
    if let Some(obs) = &raw.observed {
        observed::check(&mut c, raw, obs, &entities);
    }
    if let Some(bq) = &raw.base_quarters {
        base_quarters::check(&mut c, raw, bq, &entities);
    }
    policies::check(&mut c, raw, &entities, horizon);
    semantics::check(&mut c, raw);
    assumptions::check(&mut c, raw);
    (c.findings, order)
}

/// Ids of sectors, shocks and indicators (one namespace), and each
/// indicator's kind when it parses.
fn namespace(c: &mut Checker, raw: &RawScenario) -> (Entities, Vec<Option<IndicatorKind>>) {
    let root = At::root();
    let mut entities = Entities::new();
    let mut seen = HashMap::new();
    const NS: &str = "sector/shock/indicator";
    let sat = root.key("sectors");
    if raw.sectors.is_empty() {
        c.fail(&sat, "a scenario needs at least one [[sectors]] entry");
    }
    for (i, s) in raw.sectors.iter().enumerate() {
        c.id(&sat.item(i, &s.id).key("id"), &s.id, &mut seen, NS);
        entities.insert(s.id.clone(), Entity::Sector);
    }
    let shat = root.key("shocks");
    for (i, s) in raw.shocks.iter().enumerate() {
        c.id(&shat.item(i, &s.id).key("id"), &s.id, &mut seen, NS);
        entities.insert(s.id.clone(), Entity::Shock);
    }
    let iat = root.key("indicators");
    let mut kinds = vec![];
    for (i, ind) in raw.indicators.iter().enumerate() {
        let at = iat.item(i, &ind.id);
        c.id(&at.key("id"), &ind.id, &mut seen, NS);
        let kind = IndicatorKind::parse(&ind.kind);
        if kind.is_none() {
            c.fail(
                &at.key("kind"),
                format!(
                    "unknown kind {:?}; expected one of {}",
                    ind.kind,
                    IndicatorKind::NAMES
                ),
            );
        }
        kinds.push(kind);
        if let Some(k) = kind {
            entities.insert(ind.id.clone(), Entity::Indicator(k));
        }
    }
    (entities, kinds)
}

/// Collects findings; the helpers check one value each.
pub(crate) struct Checker {
    findings: Vec<Finding>,
}

/// A field path under construction: segments plus a display string.
#[derive(Clone)]
pub(crate) struct At {
    path: Vec<Segment>,
    pub(crate) field: String,
}

impl At {
    pub(crate) fn root() -> Self {
        At {
            path: vec![],
            field: String::new(),
        }
    }
    pub(crate) fn key(&self, k: &str) -> Self {
        let mut path = self.path.clone();
        path.push(Segment::Key(k.to_string()));
        let field = if self.field.is_empty() {
            k.to_string()
        } else {
            format!("{}.{}", self.field, k)
        };
        At { path, field }
    }
    /// An element of an array of tables, shown by its id when it has one.
    pub(crate) fn item(&self, i: usize, id: &str) -> Self {
        let mut path = self.path.clone();
        path.push(Segment::Index(i));
        let field = if id.is_empty() {
            format!("{}[{}]", self.field, i)
        } else {
            format!("{}[{}]", self.field, id)
        };
        At { path, field }
    }
    pub(crate) fn index(&self, i: usize) -> Self {
        let mut path = self.path.clone();
        path.push(Segment::Index(i));
        At {
            path,
            field: format!("{}[{}]", self.field, i),
        }
    }
}

impl Checker {
    pub(crate) fn fail(&mut self, at: &At, message: impl Into<String>) {
        self.findings.push(Finding {
            path: at.path.clone(),
            field: at.field.clone(),
            message: message.into(),
        });
    }

    /// Whether no finding so far is under `prefix` (a later check that needs
    /// a clean section runs only then).
    pub(crate) fn clean(&self, prefix: &str) -> bool {
        self.findings.iter().all(|f| !f.field.starts_with(prefix))
    }

    pub(crate) fn finite(&mut self, at: &At, v: f64) -> bool {
        if v.is_finite() {
            true
        } else {
            self.fail(at, format!("must be a finite number, got {v}"));
            false
        }
    }

    pub(crate) fn range(&mut self, at: &At, v: f64, lo: f64, hi: f64, what: &str) {
        if self.finite(at, v) && !(lo..=hi).contains(&v) {
            self.fail(at, format!("{what} must be in [{lo}, {hi}], got {v}"));
        }
    }

    pub(crate) fn non_negative(&mut self, at: &At, v: f64, what: &str) {
        if self.finite(at, v) && v < 0.0 {
            self.fail(at, format!("{what} must be >= 0, got {v}"));
        }
    }

    /// A value in [0, 1): the AR(1) coefficients.
    pub(crate) fn persistence(&mut self, at: &At, p: f64) {
        if self.finite(at, p) && !(0.0..1.0).contains(&p) {
            self.fail(at, format!("persistence must be in [0, 1), got {p}"));
        }
    }

    pub(crate) fn id(
        &mut self,
        at: &At,
        id: &str,
        seen: &mut HashMap<String, String>,
        namespace: &str,
    ) {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.fail(
                at,
                format!("id {id:?} must be non-empty and use only ASCII letters, digits and '_'"),
            );
        }
        if let Some(prev) = seen.insert(id.to_string(), at.field.clone()) {
            self.fail(
                at,
                format!("duplicate {namespace} id {id:?} (also used by {prev})"),
            );
        }
    }
}

/// Suggest the closest known id for a typo.
pub(crate) fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// "unknown {kind} {name:?}", with the nearest id of those that `keep` accepts.
pub(crate) fn unknown(
    kind: &str,
    name: &str,
    entities: &Entities,
    keep: impl Fn(&Entity) -> bool,
) -> String {
    let mut msg = format!("unknown {kind} {name:?}");
    let known = entities
        .iter()
        .filter(|(_, e)| keep(e))
        .map(|(k, _)| k.as_str());
    if let Some(n) = nearest(name, known) {
        msg.push_str(&format!(" (did you mean {n:?}?)"));
    }
    msg
}

/// Filters for [`unknown`].
pub(crate) fn any(_: &Entity) -> bool {
    true
}
pub(crate) fn is_shock(e: &Entity) -> bool {
    *e == Entity::Shock
}
pub(crate) fn is_sector(e: &Entity) -> bool {
    *e == Entity::Sector
}
pub(crate) fn is_indicator(e: &Entity) -> bool {
    matches!(e, Entity::Indicator(_))
}
pub(crate) fn is_series(e: &Entity) -> bool {
    *e != Entity::Shock
}
