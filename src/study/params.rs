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
//! Array elements are addressed by their `id`. [`list`] gives every path the
//! scenario has, with its value and unit; [`set`] changes one number of a
//! [`RawScenario`]; [`apply`] changes several and validates the result again
//! through [`Scenario::from_raw`], so a setting can never produce a scenario
//! that a file could not.

use crate::error::{Error, Result};
use crate::scenario::raw::{RawIndicator, RawScenario};
use crate::scenario::{Scenario, validate};

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

/// What a path points at, resolved against a scenario.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Header(&'static str),
    Sector(usize, &'static str),
    Loading(usize, String),
    Shock(usize, &'static str),
    Corr(usize, usize),
    Event(usize, &'static str),
    Impact(usize, usize),
    Indicator(usize, &'static str),
    Term(usize, String),
    Target(usize, &'static str),
}

const HEADER_FIELDS: [&str; 2] = ["base_year", "horizon"];
const SECTOR_FIELDS: [&str; 4] = ["value_added", "growth", "volatility", "persistence"];
const SHOCK_FIELDS: [&str; 3] = ["df", "down", "up"];
const EVENT_FIELDS: [&str; 3] = ["probability", "duration", "recovery"];
const INDICATOR_FIELDS: [&str; 6] = [
    "intercept",
    "base",
    "from_year",
    "noise",
    "noise_df",
    "persistence",
];
const TARGET_FIELDS: [&str; 3] = ["threshold", "tolerance", "year"];

fn field(fields: &[&'static str], name: &str) -> Option<&'static str> {
    fields.iter().copied().find(|f| *f == name)
}

fn is_integer(slot: &Slot) -> bool {
    matches!(
        slot,
        Slot::Header(_)
            | Slot::Event(_, "duration")
            | Slot::Indicator(_, "from_year")
            | Slot::Target(_, "year")
    )
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
        push(format!("{p}.growth"), s.growth, "% a year", false);
        push(format!("{p}.volatility"), s.volatility, "points", false);
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
        push(
            format!("{p}.probability"),
            e.probability,
            "per quarter",
            false,
        );
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
            push(format!("{p}.impacts.{name}.size"), imp.size, &unit, false);
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
        if let Some(v) = ind.from_year {
            push(format!("{p}.from_year"), v as f64, "year", true);
        }
        push(
            format!("{p}.noise"),
            ind.noise.unwrap_or(0.0),
            &noise_unit,
            false,
        );
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
    }
    for t in &raw.targets {
        let p = format!("targets.{}", t.id);
        let unit = indicator_unit(raw, &t.indicator);
        push(format!("{p}.threshold"), t.threshold, &unit, false);
        push(format!("{p}.tolerance"), t.tolerance, &unit, false);
        push(format!("{p}.year"), t.year as f64, "year", true);
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

/// The error for a path that does not resolve, with the nearest listed path.
fn unknown_path(raw: &RawScenario, path: &str, why: &str) -> Error {
    let known = list(raw);
    let mut msg = format!("unknown parameter path ({why})");
    if let Some(n) = validate::nearest(path, known.iter().map(|p| p.path.as_str())) {
        msg.push_str(&format!("; did you mean {n}?"));
    } else {
        msg.push_str("; `attain params SCENARIO` lists every path");
    }
    Error::argument(path, msg)
}

fn resolve(raw: &RawScenario, path: &str) -> Result<Slot> {
    let parts: Vec<&str> = path.split('.').collect();
    let bad = |why: &str| Err(unknown_path(raw, path, why));
    if parts.iter().any(|p| p.is_empty()) {
        return bad("empty segment; a path is dotted, like sectors.automobile.growth");
    }
    let find = |what: &str, ids: Vec<&str>, id: &str| -> Result<usize> {
        ids.iter()
            .position(|x| *x == id)
            .ok_or_else(|| unknown_path(raw, path, &format!("no {what} with id {id:?}")))
    };
    let fields_hint = |fields: &[&str]| format!("expected one of {}", fields.join(", "));
    match parts.as_slice() {
        ["scenario", f] => match field(&HEADER_FIELDS, f) {
            Some(f) => Ok(Slot::Header(f)),
            None => bad(&format!(
                "[scenario] has no number {f:?}; {}",
                fields_hint(&HEADER_FIELDS)
            )),
        },
        ["sectors", id, rest @ ..] => {
            let i = find(
                "sector",
                raw.sectors.iter().map(|s| s.id.as_str()).collect(),
                id,
            )?;
            match rest {
                [f] => match field(&SECTOR_FIELDS, f) {
                    Some(f) => Ok(Slot::Sector(i, f)),
                    None => bad(&format!(
                        "a sector has no number {f:?}; {}, or loadings.SHOCK",
                        fields_hint(&SECTOR_FIELDS)
                    )),
                },
                ["loadings", k] => {
                    if raw.sectors[i].loadings.contains_key(*k)
                        || raw.shocks.iter().any(|s| s.id == *k)
                    {
                        Ok(Slot::Loading(i, k.to_string()))
                    } else {
                        bad(&format!("no shock with id {k:?}"))
                    }
                }
                _ => bad("a sector path is sectors.ID.FIELD or sectors.ID.loadings.SHOCK"),
            }
        }
        ["shocks", id, f] => {
            let i = find(
                "shock",
                raw.shocks.iter().map(|s| s.id.as_str()).collect(),
                id,
            )?;
            match field(&SHOCK_FIELDS, f) {
                Some(f) => Ok(Slot::Shock(i, f)),
                None => bad(&format!(
                    "a shock has no number {f:?}; {}",
                    fields_hint(&SHOCK_FIELDS)
                )),
            }
        }
        ["shock_correlation", "matrix", a, b] => {
            let Some(c) = &raw.shock_correlation else {
                return bad("the scenario has no [shock_correlation] table");
            };
            let order: Vec<&str> = c.order.iter().map(String::as_str).collect();
            let r = find("shock in shock_correlation.order", order.clone(), a)?;
            let k = find("shock in shock_correlation.order", order, b)?;
            if c.matrix.get(r).and_then(|row| row.get(k)).is_none()
                || c.matrix.get(k).and_then(|row| row.get(r)).is_none()
            {
                return bad("the matrix has no such entry (it is not square)");
            }
            Ok(Slot::Corr(r, k))
        }
        ["events", id, rest @ ..] => {
            let i = find(
                "event",
                raw.events.iter().map(|e| e.id.as_str()).collect(),
                id,
            )?;
            match rest {
                [f] => match field(&EVENT_FIELDS, f) {
                    Some(f) => Ok(Slot::Event(i, f)),
                    None => bad(&format!(
                        "an event has no number {f:?}; {}, or impacts.NAME.size",
                        fields_hint(&EVENT_FIELDS)
                    )),
                },
                ["impacts", name, "size"] => {
                    let hits: Vec<usize> = raw.events[i]
                        .impacts
                        .iter()
                        .enumerate()
                        .filter(|(_, imp)| impact_name(imp) == Some(*name))
                        .map(|(k, _)| k)
                        .collect();
                    match hits.as_slice() {
                        [k] => Ok(Slot::Impact(i, *k)),
                        [] => bad(&format!("event {id:?} has no impact on {name:?}")),
                        _ => bad(&format!(
                            "event {id:?} has {} impacts on {name:?}, so the path is ambiguous",
                            hits.len()
                        )),
                    }
                }
                _ => bad("an event path is events.ID.FIELD or events.ID.impacts.NAME.size"),
            }
        }
        ["indicators", id, rest @ ..] => {
            let i = find(
                "indicator",
                raw.indicators.iter().map(|s| s.id.as_str()).collect(),
                id,
            )?;
            match rest {
                [f] => match field(&INDICATOR_FIELDS, f) {
                    Some(f) => Ok(Slot::Indicator(i, f)),
                    None => bad(&format!(
                        "an indicator has no number {f:?}; {}, or terms.ID",
                        fields_hint(&INDICATOR_FIELDS)
                    )),
                },
                ["terms", k] => {
                    let known = raw.indicators[i].terms.contains_key(*k)
                        || raw.sectors.iter().any(|s| s.id == *k)
                        || raw.shocks.iter().any(|s| s.id == *k)
                        || raw.indicators.iter().any(|s| s.id == *k);
                    if known {
                        Ok(Slot::Term(i, k.to_string()))
                    } else {
                        bad(&format!("no sector, shock or indicator with id {k:?}"))
                    }
                }
                _ => bad("an indicator path is indicators.ID.FIELD or indicators.ID.terms.ID"),
            }
        }
        ["targets", id, f] => {
            let i = find(
                "target",
                raw.targets.iter().map(|t| t.id.as_str()).collect(),
                id,
            )?;
            match field(&TARGET_FIELDS, f) {
                Some(f) => Ok(Slot::Target(i, f)),
                None => bad(&format!(
                    "a target has no number {f:?}; {}",
                    fields_hint(&TARGET_FIELDS)
                )),
            }
        }
        _ => bad(
            "a path starts with scenario, sectors, shocks, shock_correlation.matrix, events, \
             indicators or targets",
        ),
    }
}

/// Check that a path exists in the scenario (without reading it).
///
/// # Errors
/// `Argument` naming the path, with the nearest valid path when there is one.
pub fn check_path(raw: &RawScenario, path: &str) -> Result<()> {
    resolve(raw, path).map(|_| ())
}

/// Whether the path's field is an integer (years, quarters).
///
/// # Errors
/// `Argument` for an unknown path.
pub fn is_integer_path(raw: &RawScenario, path: &str) -> Result<bool> {
    resolve(raw, path).map(|s| is_integer(&s))
}

/// The current value at a path (the default where the file leaves an
/// optional field with a default out).
///
/// # Errors
/// `Argument` for an unknown path, or an optional field the file does not set
/// and that has no default.
pub fn get(raw: &RawScenario, path: &str) -> Result<f64> {
    let slot = resolve(raw, path)?;
    let unset = || {
        Error::argument(
            path,
            "is not set in this scenario (it has no value to read, though it can be set)",
        )
    };
    Ok(match slot {
        Slot::Header(f) => match f {
            "base_year" => raw.scenario.base_year as f64,
            _ => raw.scenario.horizon as f64,
        },
        Slot::Sector(i, f) => {
            let s = &raw.sectors[i];
            match f {
                "value_added" => s.value_added,
                "growth" => s.growth,
                "volatility" => s.volatility,
                _ => s.persistence,
            }
        }
        Slot::Loading(i, k) => raw.sectors[i].loadings.get(&k).copied().unwrap_or(0.0),
        Slot::Shock(i, f) => {
            let s = &raw.shocks[i];
            match f {
                "df" => s.df,
                "down" => s.down,
                _ => s.up,
            }
            .ok_or_else(unset)?
        }
        Slot::Corr(r, k) => raw
            .shock_correlation
            .as_ref()
            .map(|c| c.matrix[r][k])
            .ok_or_else(unset)?,
        Slot::Event(i, f) => {
            let e = &raw.events[i];
            match f {
                "probability" => e.probability,
                "duration" => e.duration as f64,
                _ => e.recovery.unwrap_or(1.0),
            }
        }
        Slot::Impact(i, k) => raw.events[i].impacts[k].size,
        Slot::Indicator(i, f) => {
            let ind = &raw.indicators[i];
            match f {
                "intercept" => ind.intercept.ok_or_else(unset)?,
                "base" => ind.base.ok_or_else(unset)?,
                "from_year" => ind.from_year.ok_or_else(unset)? as f64,
                "noise" => ind.noise.unwrap_or(0.0),
                "noise_df" => ind.noise_df.ok_or_else(unset)?,
                _ => ind.persistence.ok_or_else(unset)?,
            }
        }
        Slot::Term(i, k) => raw.indicators[i].terms.get(&k).copied().unwrap_or(0.0),
        Slot::Target(i, f) => {
            let t = &raw.targets[i];
            match f {
                "threshold" => t.threshold,
                "tolerance" => t.tolerance,
                _ => t.year as f64,
            }
        }
    })
}

/// A whole number in an integer type's range, or an error naming the path.
fn whole<T: TryFrom<i64>>(path: &str, v: f64, what: &str) -> Result<T> {
    if v.fract() != 0.0 || !v.is_finite() || v.abs() > 9.0e15 {
        return Err(Error::argument(
            path,
            format!("is a whole number ({what}), got {v}"),
        ));
    }
    T::try_from(v as i64)
        .map_err(|_| Error::argument(path, format!("{what} out of range, got {v}")))
}

/// Set the number at a path. Ranges are not checked here: validate the
/// result (see [`apply`]). Setting an optional field the file leaves out adds
/// it; setting a correlation sets both symmetric entries.
///
/// # Errors
/// `Argument` naming the path: unknown path, a non-finite value, or a
/// fractional value for an integer field.
pub fn set(raw: &mut RawScenario, path: &str, value: f64) -> Result<()> {
    let slot = resolve(raw, path)?;
    if !value.is_finite() {
        return Err(Error::argument(
            path,
            format!("must be a finite number, got {value}"),
        ));
    }
    match slot {
        Slot::Header(f) => match f {
            "base_year" => raw.scenario.base_year = whole(path, value, "a year")?,
            _ => raw.scenario.horizon = whole(path, value, "a number of years, >= 0")?,
        },
        Slot::Sector(i, f) => {
            let s = &mut raw.sectors[i];
            match f {
                "value_added" => s.value_added = value,
                "growth" => s.growth = value,
                "volatility" => s.volatility = value,
                _ => s.persistence = value,
            }
        }
        Slot::Loading(i, k) => {
            raw.sectors[i].loadings.insert(k, value);
        }
        Slot::Shock(i, f) => {
            let s = &mut raw.shocks[i];
            match f {
                "df" => s.df = Some(value),
                "down" => s.down = Some(value),
                _ => s.up = Some(value),
            }
        }
        Slot::Corr(r, k) => {
            if let Some(c) = raw.shock_correlation.as_mut() {
                c.matrix[r][k] = value;
                c.matrix[k][r] = value;
            }
        }
        Slot::Event(i, f) => {
            let e = &mut raw.events[i];
            match f {
                "probability" => e.probability = value,
                "duration" => e.duration = whole(path, value, "quarters, >= 0")?,
                _ => e.recovery = Some(value),
            }
        }
        Slot::Impact(i, k) => raw.events[i].impacts[k].size = value,
        Slot::Indicator(i, f) => {
            let ind = &mut raw.indicators[i];
            match f {
                "intercept" => ind.intercept = Some(value),
                "base" => ind.base = Some(value),
                "from_year" => ind.from_year = Some(whole(path, value, "a year")?),
                "noise" => ind.noise = Some(value),
                "noise_df" => ind.noise_df = Some(value),
                _ => ind.persistence = Some(value),
            }
        }
        Slot::Term(i, k) => {
            raw.indicators[i].terms.insert(k, value);
        }
        Slot::Target(i, f) => {
            let t = &mut raw.targets[i];
            match f {
                "threshold" => t.threshold = value,
                "tolerance" => t.tolerance = value,
                _ => t.year = whole(path, value, "a year")?,
            }
        }
    }
    Ok(())
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
    let mut raw = scenario.raw().clone();
    for (path, value) in settings {
        set(&mut raw, path, *value)?;
    }
    let origin = if settings.is_empty() {
        origin.to_string()
    } else {
        format!("{origin} with {}", describe(settings))
    };
    Ok(Scenario::from_raw(raw, &origin)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jilin() -> Scenario {
        crate::scenario::embedded().unwrap()
    }

    #[test]
    fn every_listed_path_reads_back_and_sets() {
        let s = jilin();
        let params = list(s.raw());
        assert!(params.len() > 200, "{}", params.len());
        for p in &params {
            assert_eq!(get(s.raw(), &p.path).unwrap(), p.value, "{}", p.path);
            let mut raw = s.raw().clone();
            set(&mut raw, &p.path, p.value).unwrap();
            // Re-setting the current value keeps a valid scenario valid.
            Scenario::from_raw(raw, "t").unwrap_or_else(|e| panic!("{}: {e}", p.path));
        }
    }

    #[test]
    fn known_paths_and_values() {
        let s = jilin();
        let raw = s.raw();
        assert_eq!(get(raw, "sectors.automobile.growth").unwrap(), 9.0);
        assert_eq!(
            get(raw, "events.covid_major_lockdown.probability").unwrap(),
            0.04
        );
        assert_eq!(get(raw, "targets.gdp_growth.threshold").unwrap(), 6.0);
        assert_eq!(
            get(raw, "sectors.automobile.loadings.chip_supply").unwrap(),
            4.0
        );
        assert_eq!(get(raw, "indicators.cpi.intercept").unwrap(), 2.0);
        assert_eq!(
            get(raw, "indicators.cpi.terms.commodity_price").unwrap(),
            0.7
        );
        assert_eq!(get(raw, "scenario.horizon").unwrap(), 4.0);
        assert_eq!(
            get(raw, "shock_correlation.matrix.macro_demand.property").unwrap(),
            0.5
        );
        assert_eq!(
            get(raw, "events.chip_squeeze.impacts.automobile.size").unwrap(),
            -10.0
        );
    }

    #[test]
    fn correlation_sets_both_entries() {
        let s = jilin();
        let out = apply(
            &s,
            &[("shock_correlation.matrix.property.macro_demand".into(), 0.4)],
            "t",
        )
        .unwrap();
        let c = out.raw().shock_correlation.as_ref().unwrap();
        assert_eq!(c.matrix[0][5], 0.4);
        assert_eq!(c.matrix[5][0], 0.4);
    }

    #[test]
    fn unknown_paths_suggest_the_nearest() {
        let s = jilin();
        let e = get(s.raw(), "sectors.automobil.growth")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sectors.automobil.growth"), "{e}");
        assert!(e.contains("did you mean sectors.automobile.growth"), "{e}");
        let e = get(s.raw(), "events.covid_major_lockdown.probabilty")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("did you mean events.covid_major_lockdown.probability"),
            "{e}"
        );
        for bad in [
            "",
            "sectors",
            "sectors..growth",
            "foo.bar",
            "targets.gdp_growth.label",
        ] {
            assert!(get(s.raw(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_values_are_rejected_with_the_path() {
        let s = jilin();
        let e = apply(
            &s,
            &[("events.covid_major_lockdown.probability".into(), 1.2)],
            "j",
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(
            m.contains("events.covid_major_lockdown.probability = 1.2"),
            "{m}"
        );
        assert!(m.contains("[0, 1], got 1.2"), "{m}");
        let e = apply(&s, &[("events.chip_squeeze.duration".into(), 1.5)], "j").unwrap_err();
        assert!(e.to_string().contains("whole number"), "{e}");
        let e = apply(&s, &[("sectors.automobile.growth".into(), f64::NAN)], "j").unwrap_err();
        assert!(e.to_string().contains("finite"), "{e}");
        let e = apply(&s, &[("scenario.horizon".into(), -1.0)], "j").unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
