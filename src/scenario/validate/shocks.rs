//! `[[shocks]]` (distribution and its parameters) and `[shock_correlation]`
//! (order, shape, range, symmetry, positive semi-definiteness).

use std::collections::BTreeSet;

use super::{At, Checker, Entities, Entity, is_shock, per_year, unknown};
use crate::model::corr;
use crate::scenario::raw::{RawCorrelation, RawScenario, RawShock};

pub(super) fn check(c: &mut Checker, raw: &RawScenario) {
    let shat = At::root().key("shocks");
    for (i, s) in raw.shocks.iter().enumerate() {
        let at = shat.item(i, &s.id);
        shock(c, &at, s);
        if let Some(scale) = &s.scale {
            per_year::each(c, &at.key("scale"), scale, raw, |c, at, v| {
                c.non_negative(at, v, "scale (a multiplier of the shock's draw)");
            });
        }
    }
}

fn shock(c: &mut Checker, at: &At, s: &RawShock) {
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
            format!("unknown distribution {other:?}; expected gaussian, student_t or two_piece"),
        ),
    }
}

/// `[shock_correlation]` (identity when absent: nothing to check).
pub(super) fn check_correlation(c: &mut Checker, raw: &RawScenario, entities: &Entities) {
    let Some(corr) = &raw.shock_correlation else {
        return;
    };
    let cat = At::root().key("shock_correlation");
    order(c, raw, corr, &cat.key("order"), entities);
    let mat = cat.key("matrix");
    let finite = shape(c, corr, &mat);
    let n = corr.order.len();
    let square = corr.matrix.len() == n && corr.matrix.iter().all(|r| r.len() == n);
    if square && finite {
        symmetric(c, corr, &mat);
        if c.clean("shock_correlation") && !corr.repair {
            let min = corr::min_eigenvalue(&corr.matrix);
            if min < -corr::PSD_TOLERANCE {
                c.fail(
                    &mat,
                    format!(
                        "correlation matrix is not positive semi-definite (smallest eigenvalue {}); \
                         fix it, or set `repair = true` to use the nearest correlation matrix",
                        crate::report::format::eigenvalue(min)
                    ),
                );
            }
        }
    }
}

/// Every shock exactly once in `order`.
fn order(c: &mut Checker, raw: &RawScenario, corr: &RawCorrelation, oat: &At, entities: &Entities) {
    let mut listed = BTreeSet::new();
    for (i, id) in corr.order.iter().enumerate() {
        if entities.get(id) != Some(&Entity::Shock) {
            c.fail(&oat.index(i), unknown("shock", id, entities, is_shock));
        }
        if !listed.insert(id.as_str()) {
            c.fail(&oat.index(i), format!("shock {id:?} listed twice"));
        }
    }
    for s in &raw.shocks {
        if !listed.contains(s.id.as_str()) {
            c.fail(oat, format!("shock {:?} is missing from the order", s.id));
        }
    }
}

/// Row count, row lengths and entry ranges; returns whether every entry is finite.
fn shape(c: &mut Checker, corr: &RawCorrelation, mat: &At) -> bool {
    let n = corr.order.len();
    if corr.matrix.len() != n {
        c.fail(
            mat,
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
    finite
}

/// Unit diagonal and symmetry of a square, finite matrix.
fn symmetric(c: &mut Checker, corr: &RawCorrelation, mat: &At) {
    let m = &corr.matrix;
    for r in 0..m.len() {
        if (m[r][r] - 1.0).abs() > 1e-9 {
            c.fail(
                &mat.index(r).index(r),
                format!("diagonal entries must be 1, got {}", m[r][r]),
            );
        }
        for k in 0..r {
            if (m[r][k] - m[k][r]).abs() > 1e-9 {
                c.fail(
                    &mat.index(r).index(k),
                    format!(
                        "matrix must be symmetric: entry ({},{}) = {} but ({},{}) = {}",
                        r + 1,
                        k + 1,
                        m[r][k],
                        k + 1,
                        r + 1,
                        m[k][r]
                    ),
                );
            }
        }
    }
}
