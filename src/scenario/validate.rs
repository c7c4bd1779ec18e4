//! RawScenario -> validated Scenario: every range, reference and shape check.
//!
//! Validation collects *all* problems rather than stopping at the first, so
//! `attain validate` can list everything a scenario author has to fix in one
//! pass. Each problem carries a field path that `locate` turns into a line.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::locate::Segment;
use super::raw::*;

/// A problem found by validation, before it is given a line number.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Path for locating the line.
    pub path: Vec<Segment>,
    /// Path as shown to the user (array elements named by id).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What an id in the shared sector/shock/indicator namespace refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A sector (a level, in the value unit).
    Sector,
    /// A common shock factor.
    Shock,
    /// An indicator of the given kind.
    Indicator(IndicatorKind),
}

/// The kinds of indicator formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndicatorKind {
    /// Weighted sum of levels.
    Sum,
    /// Quotient of two series.
    Ratio,
    /// Year-on-year percent growth of a series.
    Growth,
    /// Intercept plus weighted inputs plus noise.
    Linear,
    /// Level compounded from a growth series.
    Compound,
    /// Running total of a series.
    Accumulate,
}

impl IndicatorKind {
    /// Parse the `kind` field.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sum" => Self::Sum,
            "ratio" => Self::Ratio,
            "growth" => Self::Growth,
            "linear" => Self::Linear,
            "compound" => Self::Compound,
            "accumulate" => Self::Accumulate,
            _ => return None,
        })
    }
    /// Accepted spellings, for hints.
    pub const NAMES: &'static str = "sum, ratio, growth, linear, compound, accumulate";
}

/// Comparison of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Met when value >= threshold - tolerance.
    AtLeast,
    /// Met when value <= threshold + tolerance.
    AtMost,
    /// Met when |value - threshold| <= tolerance.
    About,
}

impl Op {
    /// Parse the `op` field.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "at_least" => Self::AtLeast,
            "at_most" => Self::AtMost,
            "about" => Self::About,
            _ => return None,
        })
    }
    /// The spelling used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::AtLeast => "at_least",
            Op::AtMost => "at_most",
            Op::About => "about",
        }
    }
}

/// Shock distribution families.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShockDist {
    /// Standard normal.
    Gaussian,
    /// Student-t scaled to unit variance.
    StudentT {
        /// Degrees of freedom (> 2).
        df: f64,
    },
    /// Two-piece normal with mode 0.
    TwoPiece {
        /// Scale below the mode.
        down: f64,
        /// Scale above the mode.
        up: f64,
    },
}

struct Checker {
    findings: Vec<Finding>,
}

/// A field path under construction: segments plus a display string.
#[derive(Clone)]
struct At {
    path: Vec<Segment>,
    field: String,
}

impl At {
    fn root() -> Self {
        At {
            path: vec![],
            field: String::new(),
        }
    }
    fn key(&self, k: &str) -> Self {
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
    fn item(&self, i: usize, id: &str) -> Self {
        let mut path = self.path.clone();
        path.push(Segment::Index(i));
        let field = if id.is_empty() {
            format!("{}[{}]", self.field, i)
        } else {
            format!("{}[{}]", self.field, id)
        };
        At { path, field }
    }
    fn index(&self, i: usize) -> Self {
        let mut path = self.path.clone();
        path.push(Segment::Index(i));
        At {
            path,
            field: format!("{}[{}]", self.field, i),
        }
    }
}

impl Checker {
    fn fail(&mut self, at: &At, message: impl Into<String>) {
        self.findings.push(Finding {
            path: at.path.clone(),
            field: at.field.clone(),
            message: message.into(),
        });
    }

    fn finite(&mut self, at: &At, v: f64) -> bool {
        if v.is_finite() {
            true
        } else {
            self.fail(at, format!("must be a finite number, got {v}"));
            false
        }
    }

    fn range(&mut self, at: &At, v: f64, lo: f64, hi: f64, what: &str) {
        if self.finite(at, v) && !(lo..=hi).contains(&v) {
            self.fail(at, format!("{what} must be in [{lo}, {hi}], got {v}"));
        }
    }

    fn non_negative(&mut self, at: &At, v: f64, what: &str) {
        if self.finite(at, v) && v < 0.0 {
            self.fail(at, format!("{what} must be >= 0, got {v}"));
        }
    }

    fn id(&mut self, at: &At, id: &str, seen: &mut HashMap<String, String>, namespace: &str) {
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
pub fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn unknown(kind: &str, name: &str, known: &BTreeMap<String, Entity>) -> String {
    let mut msg = format!("unknown {kind} {name:?}");
    if let Some(n) = nearest(name, known.keys().map(String::as_str)) {
        msg.push_str(&format!(" (did you mean {n:?}?)"));
    }
    msg
}

/// Check a scenario. Returns every problem found.
pub fn check(raw: &RawScenario) -> Vec<Finding> {
    let mut c = Checker { findings: vec![] };
    let root = At::root();

    // Header.
    let h = &raw.scenario;
    let hat = root.key("scenario");
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
    let horizon = h.horizon.clamp(1, 100) as i32;

    // The shared namespace of series and shocks.
    let mut entities: BTreeMap<String, Entity> = BTreeMap::new();
    let mut seen = HashMap::new();
    let sat = root.key("sectors");
    if raw.sectors.is_empty() {
        c.fail(&sat, "a scenario needs at least one [[sectors]] entry");
    }
    for (i, s) in raw.sectors.iter().enumerate() {
        c.id(
            &sat.item(i, &s.id).key("id"),
            &s.id,
            &mut seen,
            "sector/shock/indicator",
        );
        entities.insert(s.id.clone(), Entity::Sector);
    }
    let shat = root.key("shocks");
    for (i, s) in raw.shocks.iter().enumerate() {
        c.id(
            &shat.item(i, &s.id).key("id"),
            &s.id,
            &mut seen,
            "sector/shock/indicator",
        );
        entities.insert(s.id.clone(), Entity::Shock);
    }
    let iat = root.key("indicators");
    let mut kinds = vec![];
    for (i, ind) in raw.indicators.iter().enumerate() {
        let at = iat.item(i, &ind.id);
        c.id(&at.key("id"), &ind.id, &mut seen, "sector/shock/indicator");
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

    // Sectors.
    for (i, s) in raw.sectors.iter().enumerate() {
        let at = sat.item(i, &s.id);
        c.non_negative(&at.key("value_added"), s.value_added, "value added");
        if c.finite(&at.key("growth"), s.growth) && s.growth <= -100.0 {
            c.fail(
                &at.key("growth"),
                format!("growth must be above -100%, got {}", s.growth),
            );
        }
        c.non_negative(
            &at.key("volatility"),
            s.volatility,
            "volatility (a standard deviation)",
        );
        if c.finite(&at.key("persistence"), s.persistence) && !(0.0..1.0).contains(&s.persistence) {
            c.fail(
                &at.key("persistence"),
                format!("persistence must be in [0, 1), got {}", s.persistence),
            );
        }
        let lat = at.key("loadings");
        for (shock, &v) in &s.loadings {
            let kat = lat.key(shock);
            if entities.get(shock) != Some(&Entity::Shock) {
                c.fail(&kat, unknown("shock", shock, &shocks_only(&entities)));
            }
            c.finite(&kat, v);
        }
    }
    if !raw.sectors.is_empty() && raw.sectors.iter().all(|s| s.value_added == 0.0) {
        c.fail(&sat, "at least one sector must have positive value_added");
    }

    // Shocks.
    for (i, s) in raw.shocks.iter().enumerate() {
        let at = shat.item(i, &s.id);
        match s.distribution.as_deref().unwrap_or("gaussian") {
            "gaussian" => {
                for (name, v) in [("df", s.df), ("down", s.down), ("up", s.up)] {
                    if v.is_some() {
                        c.fail(
                            &at.key(name),
                            "only applies to student_t (df) or two_piece (down, up)",
                        );
                    }
                }
            }
            "student_t" => match s.df {
                _ if s.down.is_some() || s.up.is_some() => c.fail(
                    &at.key(if s.down.is_some() { "down" } else { "up" }),
                    "only applies to two_piece shocks",
                ),
                None => c.fail(
                    &at.key("distribution"),
                    "student_t needs `df` (degrees of freedom > 2)",
                ),
                Some(df) => {
                    if c.finite(&at.key("df"), df) && df <= 2.0 {
                        c.fail(
                            &at.key("df"),
                            format!("df must be > 2 for a finite variance, got {df}"),
                        );
                    }
                }
            },
            "two_piece" => {
                if s.df.is_some() {
                    c.fail(&at.key("df"), "only applies to student_t shocks");
                }
                for (name, v) in [("down", s.down), ("up", s.up)] {
                    match v {
                        None => c.fail(
                            &at.key("distribution"),
                            format!("two_piece needs `{name}` (> 0)"),
                        ),
                        Some(v) => {
                            if c.finite(&at.key(name), v) && v <= 0.0 {
                                c.fail(&at.key(name), format!("{name} must be > 0, got {v}"));
                            }
                        }
                    }
                }
            }
            other => c.fail(
                &at.key("distribution"),
                format!(
                    "unknown distribution {other:?}; expected gaussian, student_t or two_piece"
                ),
            ),
        }
    }

    // Correlation.
    if let Some(corr) = &raw.shock_correlation {
        let cat = root.key("shock_correlation");
        let oat = cat.key("order");
        let mut listed = BTreeSet::new();
        for (i, id) in corr.order.iter().enumerate() {
            if entities.get(id) != Some(&Entity::Shock) {
                c.fail(&oat.index(i), unknown("shock", id, &shocks_only(&entities)));
            }
            if !listed.insert(id.as_str()) {
                c.fail(&oat.index(i), format!("shock {id:?} listed twice"));
            }
        }
        for s in &raw.shocks {
            if !listed.contains(s.id.as_str()) {
                c.fail(&oat, format!("shock {:?} is missing from the order", s.id));
            }
        }
        let n = corr.order.len();
        let mat = cat.key("matrix");
        if corr.matrix.len() != n {
            c.fail(
                &mat,
                format!(
                    "must have {n} rows (one per shock in `order`), has {}",
                    corr.matrix.len()
                ),
            );
        }
        let mut finite = true;
        for (r, row) in corr.matrix.iter().enumerate() {
            if row.len() != n {
                c.fail(
                    &mat.index(r),
                    format!("row {} must have {n} entries, has {}", r + 1, row.len()),
                );
            }
            for (k, &v) in row.iter().enumerate() {
                let eat = mat.index(r).index(k);
                if !c.finite(&eat, v) {
                    finite = false;
                } else if !(-1.0..=1.0).contains(&v) {
                    c.fail(&eat, format!("a correlation must be in [-1, 1], got {v}"));
                }
            }
        }
        let square = corr.matrix.len() == n && corr.matrix.iter().all(|r| r.len() == n);
        if square && finite {
            for r in 0..n {
                if (corr.matrix[r][r] - 1.0).abs() > 1e-9 {
                    c.fail(
                        &mat.index(r).index(r),
                        format!("diagonal entries must be 1, got {}", corr.matrix[r][r]),
                    );
                }
                for k in 0..r {
                    if (corr.matrix[r][k] - corr.matrix[k][r]).abs() > 1e-9 {
                        c.fail(
                            &mat.index(r).index(k),
                            format!(
                                "matrix must be symmetric: entry ({},{}) = {} but ({},{}) = {}",
                                r + 1,
                                k + 1,
                                corr.matrix[r][k],
                                k + 1,
                                r + 1,
                                corr.matrix[k][r]
                            ),
                        );
                    }
                }
            }
            if c.findings
                .iter()
                .all(|f| !f.field.starts_with("shock_correlation"))
                && !corr.repair
            {
                let min = crate::model::corr::min_eigenvalue(&corr.matrix);
                if min < -crate::model::corr::PSD_TOLERANCE {
                    c.fail(
                        &mat,
                        format!(
                            "correlation matrix is not positive semi-definite (smallest eigenvalue {min:.6}); \
                             fix it, or set `repair = true` to use the nearest correlation matrix"
                        ),
                    );
                }
            }
        }
    } else if raw.shocks.len() > 1 {
        // Identity is a fine default; nothing to check.
    }

    // Events.
    let eat = root.key("events");
    let mut event_ids = HashMap::new();
    for (i, e) in raw.events.iter().enumerate() {
        let at = eat.item(i, &e.id);
        c.id(&at.key("id"), &e.id, &mut event_ids, "event");
        c.range(
            &at.key("probability"),
            e.probability,
            0.0,
            1.0,
            "probability",
        );
        if e.duration == 0 {
            c.fail(&at.key("duration"), "duration must be at least 1 quarter");
        }
        if let Some(qs) = &e.quarters {
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
        if let Some(r) = e.recovery {
            c.range(&at.key("recovery"), r, 0.0, 1.0, "recovery");
        }
        for (k, imp) in e.impacts.iter().enumerate() {
            let iat = at.key("impacts").index(k);
            match (&imp.sector, &imp.indicator) {
                (Some(s), None) => {
                    if entities.get(s) != Some(&Entity::Sector) {
                        c.fail(
                            &iat.key("sector"),
                            unknown("sector", s, &sectors_only(&entities)),
                        );
                    }
                    if c.finite(&iat.key("size"), imp.size) && imp.size <= -100.0 {
                        c.fail(&iat.key("size"), format!("a sector impact is a percent change of its level and must be above -100, got {}", imp.size));
                    }
                }
                (None, Some(ind)) => {
                    if !matches!(entities.get(ind), Some(Entity::Indicator(_))) {
                        c.fail(
                            &iat.key("indicator"),
                            unknown("indicator", ind, &indicators_only(&entities)),
                        );
                    }
                    c.finite(&iat.key("size"), imp.size);
                }
                _ => c.fail(
                    &iat,
                    "an impact names exactly one of `sector` or `indicator`",
                ),
            }
        }
    }

    // Indicators.
    let series = |id: &str| {
        matches!(
            entities.get(id),
            Some(Entity::Sector | Entity::Indicator(_))
        )
    };
    for (i, ind) in raw.indicators.iter().enumerate() {
        let at = iat.item(i, &ind.id);
        let Some(kind) = kinds[i] else { continue };
        let uses = |f: &str| -> bool {
            match f {
                "terms" => matches!(kind, IndicatorKind::Sum | IndicatorKind::Linear),
                "of" => matches!(
                    kind,
                    IndicatorKind::Growth | IndicatorKind::Compound | IndicatorKind::Accumulate
                ),
                "numerator" | "denominator" => kind == IndicatorKind::Ratio,
                "intercept" => kind == IndicatorKind::Linear,
                "base" => matches!(
                    kind,
                    IndicatorKind::Linear | IndicatorKind::Compound | IndicatorKind::Accumulate
                ),
                "from_year" => kind == IndicatorKind::Accumulate,
                _ => true,
            }
        };
        let present = [
            ("terms", !ind.terms.is_empty()),
            ("of", ind.of.is_some()),
            ("numerator", ind.numerator.is_some()),
            ("denominator", ind.denominator.is_some()),
            ("intercept", ind.intercept.is_some()),
            ("base", ind.base.is_some()),
            ("from_year", ind.from_year.is_some()),
        ];
        for (f, p) in present {
            if p && !uses(f) {
                c.fail(
                    &at.key(f),
                    format!("`{f}` is not used by kind `{}`", ind.kind),
                );
            }
        }
        let need_series = |c: &mut Checker, field: &str, v: &Option<String>| match v {
            None => c.fail(
                &at.key("kind"),
                format!("kind `{}` needs `{field}`", ind.kind),
            ),
            Some(id) => {
                if id == &ind.id {
                    c.fail(&at.key(field), "an indicator cannot refer to itself");
                } else if !series(id) {
                    c.fail(
                        &at.key(field),
                        unknown("sector or indicator", id, &series_only(&entities)),
                    );
                }
            }
        };
        match kind {
            IndicatorKind::Sum | IndicatorKind::Linear => {
                if ind.terms.is_empty() && kind == IndicatorKind::Sum {
                    c.fail(&at.key("kind"), "kind `sum` needs `terms` (id = weight)");
                }
                for (id, &w) in &ind.terms {
                    let tat = at.key("terms").key(id);
                    c.finite(&tat, w);
                    match (kind, entities.get(id)) {
                        (_, None) => c.fail(&tat, unknown("id", id, &entities)),
                        (_, Some(_)) if id == &ind.id => c.fail(&tat, "an indicator cannot refer to itself"),
                        (IndicatorKind::Sum, Some(Entity::Shock)) => {
                            c.fail(&tat, "a `sum` adds levels; shocks can only enter `linear` indicators")
                        }
                        (IndicatorKind::Linear, Some(Entity::Sector)) => c.fail(
                            &tat,
                            "a sector is a level; to use its growth, define a `growth` indicator of it and refer to that",
                        ),
                        _ => {}
                    }
                }
            }
            IndicatorKind::Ratio => {
                need_series(&mut c, "numerator", &ind.numerator);
                need_series(&mut c, "denominator", &ind.denominator);
            }
            IndicatorKind::Growth | IndicatorKind::Compound | IndicatorKind::Accumulate => {
                need_series(&mut c, "of", &ind.of);
            }
        }
        if kind == IndicatorKind::Compound {
            match ind.base {
                None => c.fail(
                    &at.key("kind"),
                    "kind `compound` needs `base` (its base-year level)",
                ),
                Some(b) => {
                    c.finite(&at.key("base"), b);
                }
            }
        } else if let Some(b) = ind.base {
            c.finite(&at.key("base"), b);
        }
        if let Some(v) = ind.intercept {
            c.finite(&at.key("intercept"), v);
        }
        if let Some(y) = ind.from_year {
            if y <= h.base_year || y > h.base_year + horizon {
                c.fail(
                    &at.key("from_year"),
                    format!(
                        "must be a simulated year ({}-{}), got {y}",
                        h.base_year + 1,
                        h.base_year + horizon
                    ),
                );
            }
        }
        if ind.noise.unwrap_or(0.0) == 0.0 {
            for (name, present) in [
                ("noise_df", ind.noise_df.is_some()),
                ("persistence", ind.persistence.is_some()),
            ] {
                if present {
                    c.fail(&at.key(name), "has no effect without `noise` > 0");
                }
            }
        }
        if kind == IndicatorKind::Compound {
            if let Some(of) = &ind.of {
                if entities.get(of) == Some(&Entity::Sector) {
                    c.fail(
                        &at.key("of"),
                        "`compound` grows a level by a growth rate in percent; a sector is a level (use a `growth` indicator of it)",
                    );
                }
            }
        }
        if let Some(n) = ind.noise {
            c.non_negative(&at.key("noise"), n, "noise (a standard deviation)");
        }
        if let Some(df) = ind.noise_df {
            if c.finite(&at.key("noise_df"), df) && df <= 2.0 {
                c.fail(
                    &at.key("noise_df"),
                    format!("noise_df must be > 2 for a finite variance, got {df}"),
                );
            }
        }
        if let Some(p) = ind.persistence {
            if c.finite(&at.key("persistence"), p) && !(0.0..1.0).contains(&p) {
                c.fail(
                    &at.key("persistence"),
                    format!("persistence must be in [0, 1), got {p}"),
                );
            }
        }
    }
    if c.findings
        .iter()
        .all(|f| !f.field.starts_with("indicators"))
    {
        if let Err(cycle) = indicator_order(raw) {
            let first = raw
                .indicators
                .iter()
                .position(|x| x.id == cycle[0])
                .unwrap_or(0);
            c.fail(
                &iat.item(first, &cycle[0]),
                format!(
                    "indicators depend on each other in a cycle: {}",
                    cycle.join(" -> ")
                ),
            );
        }
    }

    // Targets.
    let tat = root.key("targets");
    if raw.targets.is_empty() {
        c.fail(&tat, "a scenario needs at least one [[targets]] entry");
    }
    let mut target_ids = HashMap::new();
    for (i, t) in raw.targets.iter().enumerate() {
        let at = tat.item(i, &t.id);
        c.id(&at.key("id"), &t.id, &mut target_ids, "target");
        if !matches!(entities.get(&t.indicator), Some(Entity::Indicator(_))) {
            c.fail(
                &at.key("indicator"),
                unknown("indicator", &t.indicator, &indicators_only(&entities)),
            );
        }
        if let Some(r) = &t.relative_to {
            if !matches!(entities.get(r), Some(Entity::Indicator(_))) {
                c.fail(
                    &at.key("relative_to"),
                    unknown("indicator", r, &indicators_only(&entities)),
                );
            }
        }
        if t.year <= h.base_year || t.year > h.base_year + horizon {
            c.fail(
                &at.key("year"),
                format!(
                    "must be a simulated year ({}-{}: base_year + 1 to base_year + horizon), got {}",
                    h.base_year + 1,
                    h.base_year + horizon,
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
        c.finite(&at.key("threshold"), t.threshold);
        c.non_negative(&at.key("tolerance"), t.tolerance, "tolerance");
    }

    if let Some(obs) = &raw.observed {
        check_observed(&mut c, raw, obs, &entities);
    }

    c.findings
}

/// `[observed]`: published quarters of the first simulated year.
fn check_observed(
    c: &mut Checker,
    raw: &RawScenario,
    obs: &RawObserved,
    entities: &BTreeMap<String, Entity>,
) {
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
        let at = oat.key("values").index(i);
        if !matches!(entities.get(&v.indicator), Some(Entity::Indicator(_))) {
            c.fail(
                &at.key("indicator"),
                unknown("indicator", &v.indicator, &indicators_only(entities)),
            );
            continue;
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

/// When indicator `id` is the growth of a weighted sum of sectors (directly,
/// or through `sum` indicators of sectors), the sectors and their weights.
/// Such an indicator has quarters: its year-to-date value is the growth of
/// the year-to-date sum.
pub fn sector_aggregate(raw: &RawScenario, id: &str) -> Option<Vec<(usize, f64)>> {
    let ind = raw.indicators.iter().find(|i| i.id == id)?;
    if ind.kind != "growth" || ind.noise.unwrap_or(0.0) != 0.0 {
        return None;
    }
    let mut weights = BTreeMap::new();
    flatten_sum(raw, ind.of.as_deref()?, 1.0, &mut weights, 0)?;
    Some(weights.into_iter().filter(|&(_, w)| w != 0.0).collect())
}

fn flatten_sum(
    raw: &RawScenario,
    id: &str,
    scale: f64,
    out: &mut BTreeMap<usize, f64>,
    depth: usize,
) -> Option<()> {
    if depth > raw.indicators.len() {
        return None; // a cycle, reported elsewhere
    }
    if let Some(i) = raw.sectors.iter().position(|s| s.id == id) {
        *out.entry(i).or_insert(0.0) += scale;
        return Some(());
    }
    let ind = raw.indicators.iter().find(|i| i.id == id)?;
    if ind.kind != "sum" || ind.noise.unwrap_or(0.0) != 0.0 {
        return None;
    }
    for (term, &w) in &ind.terms {
        if !w.is_finite() || w < 0.0 {
            return None;
        }
        flatten_sum(raw, term, scale * w, out, depth + 1)?;
    }
    Some(())
}

fn filter(
    entities: &BTreeMap<String, Entity>,
    f: impl Fn(&Entity) -> bool,
) -> BTreeMap<String, Entity> {
    entities
        .iter()
        .filter(|(_, e)| f(e))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}
fn shocks_only(e: &BTreeMap<String, Entity>) -> BTreeMap<String, Entity> {
    filter(e, |x| *x == Entity::Shock)
}
fn sectors_only(e: &BTreeMap<String, Entity>) -> BTreeMap<String, Entity> {
    filter(e, |x| *x == Entity::Sector)
}
fn indicators_only(e: &BTreeMap<String, Entity>) -> BTreeMap<String, Entity> {
    filter(e, |x| matches!(x, Entity::Indicator(_)))
}
fn series_only(e: &BTreeMap<String, Entity>) -> BTreeMap<String, Entity> {
    filter(e, |x| *x != Entity::Shock)
}

/// The indicators an indicator reads.
pub fn indicator_inputs(ind: &RawIndicator) -> Vec<&str> {
    let mut v: Vec<&str> = ind.terms.keys().map(String::as_str).collect();
    for s in [&ind.of, &ind.numerator, &ind.denominator]
        .into_iter()
        .flatten()
    {
        v.push(s);
    }
    v
}

/// Indicator indices in an order where every input comes first, or the ids
/// of a dependency cycle.
pub fn indicator_order(raw: &RawScenario) -> Result<Vec<usize>, Vec<String>> {
    let index: HashMap<&str, usize> = raw
        .indicators
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i))
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; raw.indicators.len()];
    let mut order = Vec::with_capacity(raw.indicators.len());
    fn visit(
        i: usize,
        raw: &RawScenario,
        index: &HashMap<&str, usize>,
        state: &mut [u8],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> Result<(), Vec<String>> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                let start = stack.iter().position(|&s| s == i).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..]
                    .iter()
                    .map(|&s| raw.indicators[s].id.clone())
                    .collect();
                cycle.push(raw.indicators[i].id.clone());
                return Err(cycle);
            }
            _ => {}
        }
        state[i] = 1;
        stack.push(i);
        for dep in indicator_inputs(&raw.indicators[i]) {
            if let Some(&j) = index.get(dep) {
                visit(j, raw, index, state, order, stack)?;
            }
        }
        stack.pop();
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    let mut stack = vec![];
    for i in 0..raw.indicators.len() {
        visit(i, raw, &index, &mut state, &mut order, &mut stack)?;
    }
    Ok(order)
}
