//! Every number of a scenario, addressed by a dotted path that mirrors the
//! TOML file (grammar in `docs/SWEEPS.md`):
//!
//! ```text
//! scenario.base_year | scenario.horizon
//! sectors.ID.(value_added | growth | volatility | persistence)
//! sectors.ID.loadings.SHOCK
//! shocks.ID.(df | down | up)
//! shock_correlation.matrix.SHOCK.SHOCK          (sets both symmetric entries)
//! events.ID.(probability | duration | recovery)
//! events.ID.impacts.SECTOR_OR_INDICATOR.size
//! indicators.ID.(intercept | base | from_year | noise | noise_df | persistence)
//! indicators.ID.terms.ID
//! targets.ID.(threshold | tolerance | year)
//! ```
//!
//! Array elements are addressed by their `id`. Paths are not mapped by hand:
//! the walker reads the scenario's serialized structure (see "The walker"
//! below), so any numeric field of the format is addressable. [`list`] is
//! the presentation of the paths (which to show, in what order, with what
//! unit) for `attain params` and "did you mean"; it lists the paths above; [`set`] changes one number of a
//! [`RawScenario`]; [`apply`] changes several and validates the result again
//! through [`Scenario::from_raw`], so a setting can never produce a scenario
//! that a file could not.

use crate::error::Result;
use crate::scenario::Scenario;
use crate::scenario::raw::{PerYear, RawIndicator, RawScenario};

#[cfg(test)]
mod tests;
mod walk;

use walk::with_settings;
pub use walk::{check_path, get, is_integer_path, set};

/// One addressable number.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Param {
    /// Dotted path, e.g. `sectors.automobile.growth`.
    pub path: String,
    /// Current value (the default where the file leaves it out and one is defined).
    pub value: f64,
    /// Unit, in words ("% a year", "per quarter", "万辆" ...).
    pub unit: String,
    /// The field is an integer (years, quarters): only whole values may be set.
    pub integer: bool,
}

/// Every path of the scenario with its current value and unit, in file order.
///
/// Optional fields appear when the file sets them, and also `events.ID.recovery`
/// (default 1) and `indicators.ID.noise` (default 0), which apply to every
/// event and indicator. The correlation matrix is listed once per pair of
/// shocks (upper triangle, no diagonal). An impact named twice by the same
/// event is ambiguous and not listed.
pub fn list(raw: &RawScenario) -> Vec<Param> {
    let mut out = vec![];
    let mut push = |path: String, value: f64, unit: &str, integer: bool| {
        out.push(Param {
            path,
            value,
            unit: unit.to_string(),
            integer,
        })
    };
    push(
        "scenario.base_year".into(),
        raw.scenario.base_year as f64,
        "year",
        true,
    );
    push(
        "scenario.horizon".into(),
        raw.scenario.horizon as f64,
        "years",
        true,
    );
    let value_unit = raw
        .scenario
        .value_unit
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "value unit".into());
    for s in &raw.sectors {
        let p = format!("sectors.{}", s.id);
        push(
            format!("{p}.value_added"),
            s.value_added,
            &value_unit,
            false,
        );
        for (path, v) in per_year(raw, &format!("{p}.growth"), &s.growth) {
            push(path, v, "% a year", false);
        }
        for (path, v) in per_year(raw, &format!("{p}.volatility"), &s.volatility) {
            push(path, v, "points", false);
        }
        push(
            format!("{p}.persistence"),
            s.persistence,
            "AR(1) per quarter",
            false,
        );
        for (k, v) in &s.loadings {
            push(format!("{p}.loadings.{k}"), *v, "points per sd", false);
        }
    }
    for s in &raw.shocks {
        let p = format!("shocks.{}", s.id);
        for (name, v, unit) in [
            ("df", s.df, "degrees of freedom"),
            ("down", s.down, "scale"),
            ("up", s.up, "scale"),
        ] {
            if let Some(v) = v {
                push(format!("{p}.{name}"), v, unit, false);
            }
        }
        if let Some(scale) = &s.scale {
            for (path, v) in per_year(raw, &format!("{p}.scale"), scale) {
                push(path, v, "multiplier", false);
            }
        }
    }
    if let Some(c) = &raw.shock_correlation {
        for (r, a) in c.order.iter().enumerate() {
            for (k, b) in c.order.iter().enumerate().skip(r + 1) {
                if let Some(v) = c.matrix.get(r).and_then(|row| row.get(k)) {
                    push(
                        format!("shock_correlation.matrix.{a}.{b}"),
                        *v,
                        "correlation",
                        false,
                    );
                }
            }
        }
    }
    for e in &raw.events {
        let p = format!("events.{}", e.id);
        for (path, v) in per_year(raw, &format!("{p}.probability"), &e.probability) {
            push(path, v, "per quarter", false);
        }
        push(format!("{p}.duration"), e.duration as f64, "quarters", true);
        push(
            format!("{p}.recovery"),
            e.recovery.unwrap_or(1.0),
            "share",
            false,
        );
        for imp in &e.impacts {
            let Some(name) = impact_name(imp) else {
                continue;
            };
            if e.impacts
                .iter()
                .filter(|i| impact_name(i) == Some(name))
                .count()
                > 1
            {
                continue;
            }
            let unit = if imp.sector.is_some() {
                "% of level".to_string()
            } else {
                indicator_unit(raw, name)
            };
            for (path, v) in per_year(raw, &format!("{p}.impacts.{name}.size"), &imp.size) {
                push(path, v, &unit, false);
            }
        }
    }
    for ind in &raw.indicators {
        let p = format!("indicators.{}", ind.id);
        let unit = unit_of(ind);
        let noise_unit = if ind.kind == "compound" {
            "% (of growth)".to_string()
        } else {
            unit.clone()
        };
        if let Some(v) = ind.intercept {
            push(format!("{p}.intercept"), v, &unit, false);
        }
        if let Some(v) = ind.base {
            push(format!("{p}.base"), v, &unit, false);
        }
        if let Some(mean) = &ind.mean {
            for (path, v) in per_year(raw, &format!("{p}.mean"), mean) {
                push(path, v, &unit, false);
            }
        }
        if let Some(v) = ind.from_year {
            push(format!("{p}.from_year"), v as f64, "year", true);
        }
        // A count is drawn from its share and takes no noise.
        if ind.kind != "count" {
            push(
                format!("{p}.noise"),
                ind.noise.unwrap_or(0.0),
                &noise_unit,
                false,
            );
        }
        if let Some(v) = ind.trials {
            push(format!("{p}.trials"), f64::from(v), "trials", true);
        }
        if let Some(v) = ind.noise_df {
            push(format!("{p}.noise_df"), v, "degrees of freedom", false);
        }
        if let Some(v) = ind.persistence {
            push(format!("{p}.persistence"), v, "AR(1) per year", false);
        }
        let term_unit = if ind.kind == "sum" {
            "weight"
        } else {
            "coefficient"
        };
        for (k, v) in &ind.terms {
            push(format!("{p}.terms.{k}"), *v, term_unit, false);
        }
        // Published values of earlier years: numbers of the file, which the
        // model never reads (the fan chart draws them).
        for (year, v) in ind.history.iter().flatten() {
            push(
                format!("{p}.history.{year}"),
                *v,
                &format!("{unit}, history (display only)"),
                false,
            );
        }
    }
    for r in &raw.policies {
        let p = format!("policies.{}", r.id);
        push(format!("{p}.trigger"), r.trigger, "% year to date", false);
        if let Some(v) = r.lag {
            push(format!("{p}.lag"), f64::from(v), "quarters", true);
        }
        push(
            format!("{p}.duration"),
            f64::from(r.duration),
            "quarters",
            true,
        );
        push(
            format!("{p}.response"),
            r.response,
            "points per point of shortfall",
            false,
        );
        push(
            format!("{p}.cap"),
            r.cap,
            "points of annualized growth",
            false,
        );
    }
    for t in &raw.targets {
        let p = format!("targets.{}", t.id);
        let unit = indicator_unit(raw, &t.indicator);
        push(format!("{p}.threshold"), t.threshold, &unit, false);
        push(format!("{p}.tolerance"), t.tolerance, &unit, false);
        push(format!("{p}.year"), t.year as f64, "year", true);
    }
    walk::append_unlisted(raw, &mut out);
    out
}

/// The paths of a per-year field: the field itself (its first simulated
/// year's value; a setting moves every year, docs/SWEEPS.md) and, where the
/// file writes it per year, each simulated year as `PATH.YEAR`.
fn per_year(raw: &RawScenario, path: &str, v: &PerYear) -> Vec<(String, f64)> {
    let mut out = vec![(path.to_string(), v.first())];
    if v.scalar().is_none() {
        let horizon = raw.scenario.horizon as usize;
        for (year, x) in walk::years(raw).zip(v.resolve(horizon)) {
            out.push((format!("{path}.{year}"), x));
        }
    }
    out
}

fn unit_of(ind: &RawIndicator) -> String {
    ind.unit
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "indicator unit".into())
}

fn indicator_unit(raw: &RawScenario, id: &str) -> String {
    raw.indicators
        .iter()
        .find(|i| i.id == id)
        .map(unit_of)
        .unwrap_or_else(|| "indicator unit".into())
}

fn impact_name(imp: &crate::scenario::raw::RawImpact) -> Option<&str> {
    imp.sector.as_deref().or(imp.indicator.as_deref())
}

/// The paths that set `path` to one value in every simulated year: each
/// year's path where the file writes the field per year (setting the field
/// as a whole would keep the years' shape), else `path` itself.
pub fn every_year(raw: &RawScenario, path: &str) -> Vec<String> {
    let prefix = format!("{path}.");
    let span = walk::years(raw);
    let years: Vec<String> = list(raw)
        .into_iter()
        .map(|p| p.path)
        .filter(|p| {
            p.strip_prefix(&prefix)
                .and_then(|y| y.parse::<i64>().ok())
                .is_some_and(|y| span.contains(&y))
        })
        .collect();
    if years.is_empty() {
        vec![path.to_string()]
    } else {
        years
    }
}

/// Describe a set of settings for messages: `a.b = 1, c.d = 2`.
pub fn describe(settings: &[(String, f64)]) -> String {
    settings
        .iter()
        .map(|(p, v)| format!("{p} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A copy of the scenario with the settings applied, validated again.
///
/// # Errors
/// `Argument` for a bad path or value; `Scenario` (exit code 2) when the
/// result is not a valid scenario, its origin naming the settings.
pub fn apply(scenario: &Scenario, settings: &[(String, f64)], origin: &str) -> Result<Scenario> {
    let raw = with_settings(scenario.raw(), settings)?;
    let origin = if settings.is_empty() {
        origin.to_string()
    } else {
        format!("{origin} with {}", describe(settings))
    };
    Ok(Scenario::from_raw(raw, &origin)?)
}
