//! Sweep files: a `[sweep]` table naming a scenario and its axes.

use super::*;
use crate::error::{Error, Result};

/// A versioned sweep: `scenarios/sweeps/*.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFile {
    /// Base scenario path, relative to the sweep file's folder.
    pub scenario: String,
    /// What the sweep is for.
    pub description: Option<String>,
    /// Paths per point (the command line's `--paths` wins).
    pub paths: Option<u64>,
    /// Seed (the command line's `--seed` wins).
    pub seed: Option<u64>,
    /// Only these targets in the output (all when empty).
    pub targets: Vec<String>,
    /// The grid.
    pub axes: Vec<Axis>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweepFile {
    sweep: RawSweep,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    scenario: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    paths: Option<u64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    set: Vec<RawSweepSet>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweepSet {
    path: String,
    values: toml::Value,
}

/// Whether a file's text is a sweep file (a TOML table with a `[sweep]` table)
/// rather than a scenario.
///
/// A text that is not valid TOML is a sweep file when one of its lines is a
/// `[sweep]` or `[[sweep.set]]` header (a scenario has neither), so that a
/// syntax error in a sweep file is reported as one, with its line, and not
/// as a scenario with an unknown field `sweep`.
pub fn is_sweep_file(text: &str) -> bool {
    let text = crate::scenario::strip_bom(text);
    match text.parse::<toml::Table>() {
        Ok(t) => t.contains_key("sweep"),
        Err(_) => text.lines().any(|l| {
            let l = l.trim();
            let header = l.split('#').next().unwrap_or("").trim();
            header == "[sweep]" || header.starts_with("[[sweep.") || header.starts_with("[sweep.")
        }),
    }
}

/// Parse a sweep file (the axes' paths are checked later, against the base
/// scenario).
///
/// # Errors
/// `Argument` named after the file, with the line of a TOML problem.
pub fn parse_sweep_file(text: &str, origin: &str) -> Result<SweepFile> {
    let text = crate::scenario::strip_bom(text);
    let raw: RawSweepFile = toml::from_str(text).map_err(|e| {
        let (at, quote) = e
            .span()
            .map(|s| {
                let (l, c) = crate::scenario::locate::line_col(text, s.start);
                (
                    format!("line {l}, column {c}: "),
                    crate::error::quote_line(text, l, c),
                )
            })
            .unwrap_or_default();
        Error::argument(
            origin,
            format!("invalid sweep file: {at}{}{quote}", e.message().trim()),
        )
    })?;
    let s = raw.sweep;
    if s.set.is_empty() {
        return Err(Error::argument(
            origin,
            "invalid sweep file: [sweep] needs at least one [[sweep.set]] with `path` and `values`",
        ));
    }
    let mut axes = vec![];
    for set in s.set {
        let values = match &set.values {
            toml::Value::String(spec) => parse_spec(&set.path, spec)?,
            toml::Value::Array(items) => {
                let mut v = vec![];
                for item in items {
                    let x = match item {
                        toml::Value::Float(f) if f.is_finite() => *f,
                        toml::Value::Integer(i) => *i as f64,
                        other => {
                            return Err(Error::argument(
                                &set.path,
                                format!("in {origin}: values must be numbers, got {other}"),
                            ));
                        }
                    };
                    v.push(x);
                }
                if v.is_empty() {
                    return Err(Error::argument(
                        &set.path,
                        format!("in {origin}: no values"),
                    ));
                }
                v
            }
            toml::Value::Float(f) if f.is_finite() => vec![*f],
            toml::Value::Integer(i) => vec![*i as f64],
            other => {
                return Err(Error::argument(
                    &set.path,
                    format!(
                        "in {origin}: `values` is \"START:STOP:COUNT\", \"a,b,c\" or an array of numbers, got {other}"
                    ),
                ));
            }
        };
        axes.push(Axis {
            path: set.path,
            values,
        });
    }
    Ok(SweepFile {
        scenario: s.scenario,
        description: s.description,
        paths: s.paths,
        seed: s.seed,
        targets: s.targets,
        axes,
    })
}
