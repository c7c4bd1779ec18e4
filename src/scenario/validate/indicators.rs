//! `[[indicators]]`: fields each kind uses, references, numbers, and (once
//! everything else about indicators is clean) the dependency cycle check,
//! whose evaluation order the typed scenario keeps.

use super::{At, Checker, Entities, Entity, any, is_series, unknown};
use crate::scenario::graph;
use crate::scenario::raw::{RawIndicator, RawScenario};
use crate::scenario::types::IndicatorKind;

/// Years an `accumulate` indicator may start from.
struct Years {
    base_year: i32,
    horizon: i32,
}

pub(super) fn check(
    c: &mut Checker,
    raw: &RawScenario,
    entities: &Entities,
    kinds: &[Option<IndicatorKind>],
    horizon: i32,
) -> Option<Vec<usize>> {
    let iat = At::root().key("indicators");
    let years = Years {
        base_year: raw.scenario.base_year,
        horizon,
    };
    for (i, ind) in raw.indicators.iter().enumerate() {
        let at = iat.item(i, &ind.id);
        // An unknown kind is already reported; nothing else can be judged.
        let Some(kind) = kinds[i] else { continue };
        unused_fields(c, &at, ind, kind);
        references(c, &at, ind, kind, entities);
        values(c, &at, ind, kind, entities, &years);
    }
    // The order is only meaningful once every reference is known to resolve.
    if !c.clean("indicators") {
        return None;
    }
    match graph::indicator_order(raw) {
        Ok(order) => Some(order),
        Err(cycle) => {
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
            None
        }
    }
}

/// Whether kind `kind` reads field `f`.
fn uses(kind: IndicatorKind, f: &str) -> bool {
    use IndicatorKind::*;
    match f {
        "terms" => matches!(kind, Sum | Linear),
        "of" => matches!(kind, Growth | Compound | Accumulate | Count),
        "numerator" | "denominator" => kind == Ratio,
        "intercept" => kind == Linear,
        "base" => matches!(kind, Linear | Compound | Accumulate | Exogenous),
        "from_year" => kind == Accumulate,
        "mean" => kind == Exogenous,
        "trials" => kind == Count,
        _ => true,
    }
}

/// Fields given that the kind does not read.
fn unused_fields(c: &mut Checker, at: &At, ind: &RawIndicator, kind: IndicatorKind) {
    let present = [
        ("terms", !ind.terms.is_empty()),
        ("of", ind.of.is_some()),
        ("numerator", ind.numerator.is_some()),
        ("denominator", ind.denominator.is_some()),
        ("intercept", ind.intercept.is_some()),
        ("base", ind.base.is_some()),
        ("from_year", ind.from_year.is_some()),
        ("mean", ind.mean.is_some()),
        ("trials", ind.trials.is_some()),
    ];
    for (f, p) in present {
        if p && !uses(kind, f) {
            c.fail(
                &at.key(f),
                format!("`{f}` is not used by kind `{}`", ind.kind),
            );
        }
    }
}

/// The series and terms the formula reads exist and may be read by this kind.
fn references(
    c: &mut Checker,
    at: &At,
    ind: &RawIndicator,
    kind: IndicatorKind,
    entities: &Entities,
) {
    match kind {
        IndicatorKind::Sum | IndicatorKind::Linear => {
            if ind.terms.is_empty() && kind == IndicatorKind::Sum {
                c.fail(&at.key("kind"), "kind `sum` needs `terms` (id = weight)");
            }
            for (id, &w) in &ind.terms {
                let tat = at.key("terms").key(id);
                c.finite(&tat, w);
                match (kind, entities.get(id)) {
                    (_, None) => c.fail(&tat, unknown("id", id, entities, any)),
                    (_, Some(_)) if id == &ind.id => {
                        c.fail(&tat, "an indicator cannot refer to itself")
                    }
                    (IndicatorKind::Sum, Some(Entity::Shock)) => c.fail(
                        &tat,
                        "a `sum` adds levels; shocks can only enter `linear` indicators",
                    ),
                    (IndicatorKind::Linear, Some(Entity::Sector)) => c.fail(
                        &tat,
                        "a sector is a level; to use its growth, define a `growth` indicator of it and refer to that",
                    ),
                    _ => {}
                }
            }
        }
        IndicatorKind::Ratio => {
            need_series(c, at, ind, "numerator", &ind.numerator, entities);
            need_series(c, at, ind, "denominator", &ind.denominator, entities);
        }
        IndicatorKind::Growth | IndicatorKind::Compound | IndicatorKind::Accumulate => {
            need_series(c, at, ind, "of", &ind.of, entities);
        }
        IndicatorKind::Count => {
            need_series(c, at, ind, "of", &ind.of, entities);
            if let Some(of) = &ind.of {
                if entities.get(of) == Some(&Entity::Sector) {
                    c.fail(
                        &at.key("of"),
                        "`count` draws from a share in [0, 1]; `of` must be an indicator, not a sector",
                    );
                }
            }
        }
        IndicatorKind::Exogenous => {}
    }
}

/// A required series field: present, not the indicator itself, a sector or indicator.
fn need_series(
    c: &mut Checker,
    at: &At,
    ind: &RawIndicator,
    field: &str,
    v: &Option<String>,
    entities: &Entities,
) {
    match v {
        None => c.fail(
            &at.key("kind"),
            format!("kind `{}` needs `{field}`", ind.kind),
        ),
        Some(id) => {
            if id == &ind.id {
                c.fail(&at.key(field), "an indicator cannot refer to itself");
            } else if !matches!(
                entities.get(id),
                Some(Entity::Sector | Entity::Indicator(_))
            ) {
                c.fail(
                    &at.key(field),
                    unknown("sector or indicator", id, entities, is_series),
                );
            }
        }
    }
}

/// Base, intercept, start year and noise.
fn values(
    c: &mut Checker,
    at: &At,
    ind: &RawIndicator,
    kind: IndicatorKind,
    entities: &Entities,
    years: &Years,
) {
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
    for (year, &v) in ind.history.iter().flatten() {
        let hat = at.key("history").key(year);
        match year.trim().parse::<i32>() {
            Err(_) => c.fail(
                &hat,
                format!("`history` is keyed by year (for example 2019 = 6.6), got `{year}`"),
            ),
            Ok(y) if y > years.base_year => c.fail(
                &hat,
                format!(
                    "`history` holds years up to the base year ({}), got {y}",
                    years.base_year
                ),
            ),
            Ok(_) => {
                c.finite(&hat, v);
            }
        }
    }
    if let Some(y) = ind.from_year {
        let (b, h) = (years.base_year, years.horizon);
        if y <= b || y > b + h {
            c.fail(
                &at.key("from_year"),
                format!("must be a simulated year ({}-{}), got {y}", b + 1, b + h),
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
        c.persistence(&at.key("persistence"), p);
    }
    new_kinds(c, at, ind, kind, years);
}

/// The exogenous and count kinds: a mean per year, a number of trials.
fn new_kinds(c: &mut Checker, at: &At, ind: &RawIndicator, kind: IndicatorKind, years: &Years) {
    use crate::scenario::raw::PerYear;
    match kind {
        IndicatorKind::Exogenous => match &ind.mean {
            None => c.fail(&at.key("kind"), "kind `exogenous` needs `mean`"),
            Some(PerYear::One(v)) => {
                c.finite(&at.key("mean"), *v);
            }
            Some(PerYear::Years(v)) => {
                if v.is_empty() {
                    c.fail(&at.key("mean"), "must have at least one value");
                } else if v.len() > years.horizon as usize {
                    c.fail(
                        &at.key("mean"),
                        format!(
                            "has {} values, more than the {} simulated years",
                            v.len(),
                            years.horizon
                        ),
                    );
                }
                for (k, x) in v.iter().enumerate() {
                    c.finite(&at.key("mean").index(k), *x);
                }
            }
        },
        IndicatorKind::Count => {
            match ind.trials {
                None => c.fail(&at.key("kind"), "kind `count` needs `trials`"),
                Some(0) => c.fail(&at.key("trials"), "trials must be at least 1"),
                Some(_) => {}
            }
            if ind.noise.is_some() {
                c.fail(
                    &at.key("noise"),
                    "a `count` is drawn from its share; it takes no `noise`",
                );
            }
        }
        _ => {}
    }
}
