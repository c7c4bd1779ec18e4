//! The value grammar of a swept parameter (`start:stop:count`, `a,b,c`),
//! [`Axis`], checking axes against a scenario, and the full grid.

use std::collections::BTreeSet;

use serde::Serialize;

use super::*;
use crate::error::{Error, Result};
use crate::scenario::raw::RawScenario;

/// A number rounded to 13 significant digits, so that `0:0.3:4` gives 0.1,
/// not 0.10000000000000001.
pub(super) fn tidy(x: f64) -> f64 {
    format!("{x:.12e}").parse().unwrap_or(x)
}

fn parse_number(path: &str, s: &str, spec: &str) -> Result<f64> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::argument(
            path,
            format!("{t:?} in {spec:?} is not a finite number"),
        )),
    }
}

/// Values of a SPEC: `start:stop:count` (inclusive, evenly spaced, count >= 2)
/// or a comma list `a,b,c`.
///
/// # Errors
/// `Argument` naming the path.
pub fn parse_spec(path: &str, spec: &str) -> Result<Vec<f64>> {
    let spec_t = spec.trim();
    if spec_t.is_empty() {
        return Err(Error::argument(
            path,
            "no values: expected START:STOP:COUNT or a comma list like 0.01,0.02,0.05",
        ));
    }
    let values = if spec_t.contains(':') {
        let parts: Vec<&str> = spec_t.split(':').collect();
        let [a, b, n] = parts.as_slice() else {
            return Err(Error::argument(
                path,
                format!("bad range {spec_t:?}: expected START:STOP:COUNT, e.g. 0:0.2:5"),
            ));
        };
        let start = parse_number(path, a, spec_t)?;
        let stop = parse_number(path, b, spec_t)?;
        let count: usize = n.trim().parse().map_err(|_| {
            Error::argument(
                path,
                format!(
                    "bad range {spec_t:?}: COUNT {:?} must be a whole number >= 2",
                    n.trim()
                ),
            )
        })?;
        if count < 2 {
            return Err(Error::argument(
                path,
                format!(
                    "bad range {spec_t:?}: COUNT must be at least 2 (for one value, write just the value)"
                ),
            ));
        }
        if count > MAX_AXIS_VALUES {
            return Err(Error::argument(
                path,
                format!("bad range {spec_t:?}: at most {MAX_AXIS_VALUES} values"),
            ));
        }
        (0..count)
            .map(|i| {
                if i == count - 1 {
                    stop
                } else {
                    tidy(start + (stop - start) * i as f64 / (count - 1) as f64)
                }
            })
            .collect()
    } else {
        let v = spec_t
            .split(',')
            .map(|s| parse_number(path, s, spec_t))
            .collect::<Result<Vec<f64>>>()?;
        if v.len() > MAX_AXIS_VALUES {
            return Err(Error::argument(
                path,
                format!("at most {MAX_AXIS_VALUES} values"),
            ));
        }
        v
    };
    Ok(values)
}

/// One swept parameter and its values.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Axis {
    /// Path exactly as given.
    pub path: String,
    /// Values, in the order given.
    pub values: Vec<f64>,
}

/// Check axes against a scenario: paths exist, no path twice, integer fields
/// get whole values, the grid is not too large.
///
/// # Errors
/// `Argument` naming the path.
pub fn check_axes(raw: &RawScenario, axes: &[Axis]) -> Result<()> {
    if axes.is_empty() {
        return Err(Error::argument(
            "set",
            "nothing to sweep: give at least one --set PATH=SPEC (or a sweep file)",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut points: usize = 1;
    for a in axes {
        super::params::check_path(raw, &a.path)?;
        if !seen.insert(a.path.as_str()) {
            return Err(Error::argument(&a.path, "is swept twice"));
        }
        if a.values.is_empty() {
            return Err(Error::argument(&a.path, "has no values"));
        }
        if super::params::is_integer_path(raw, &a.path)? {
            if let Some(v) = a.values.iter().find(|v| v.fract() != 0.0) {
                return Err(Error::argument(
                    &a.path,
                    format!("is a whole number (years or quarters), but the values include {v}"),
                ));
            }
        }
        points = points.saturating_mul(a.values.len());
    }
    if points > MAX_GRID_POINTS {
        return Err(Error::argument(
            "set",
            format!("the grid has {points} points; at most {MAX_GRID_POINTS}"),
        ));
    }
    Ok(())
}

/// Every point of the full grid, the first axis varying slowest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    let mut points: Vec<Vec<f64>> = vec![vec![]];
    for a in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                a.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    points
}
