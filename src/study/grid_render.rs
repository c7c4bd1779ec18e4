//! A sweep's result as a table, CSV and JSON.

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::SerializeMap;

use super::*;
use crate::error::{Error, Result};
use crate::report::format::{Align, exact, num, pct, row};

struct RowJson<'a> {
    parameters: &'a [String],
    row: &'a SweepRow,
}

impl Serialize for RowJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let r = self.row;
        let mut m = s.serialize_map(Some(self.parameters.len() + 7))?;
        for (p, v) in self.parameters.iter().zip(&r.values) {
            m.serialize_entry(p, v)?;
        }
        m.serialize_entry("target", &r.target)?;
        m.serialize_entry("probability", &r.probability)?;
        m.serialize_entry("ci95_low", &r.ci95_low)?;
        m.serialize_entry("ci95_high", &r.ci95_high)?;
        m.serialize_entry("p05", &finite_or_null(r.p05))?;
        m.serialize_entry("p50", &finite_or_null(r.p50))?;
        m.serialize_entry("p95", &finite_or_null(r.p95))?;
        m.end()
    }
}

fn finite_or_null(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[derive(Serialize)]
struct SweepJson<'a> {
    scenario: &'a str,
    origin: &'a str,
    parameters: &'a [String],
    points: usize,
    paths: u64,
    seed: u64,
    threads: usize,
    elapsed_s: f64,
    prepare_s: f64,
    warnings: &'a [String],
    rows: Vec<RowJson<'a>>,
}

impl SweepResult {
    /// CSV: the swept paths, then `target, probability, ci95_low, ci95_high,
    /// p05, p50, p95`; one row per point and target.
    ///
    /// # Errors
    /// Only if the CSV writer fails (it does not writing to memory).
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(vec![]);
        let mut header: Vec<&str> = self.parameters.iter().map(String::as_str).collect();
        header.extend([
            "target",
            "probability",
            "ci95_low",
            "ci95_high",
            "p05",
            "p50",
            "p95",
        ]);
        w.write_record(&header).map_err(csv_err)?;
        for r in &self.rows {
            let mut rec: Vec<String> = r.values.iter().map(|v| exact(*v)).collect();
            rec.push(r.target.clone());
            for x in [r.probability, r.ci95_low, r.ci95_high, r.p05, r.p50, r.p95] {
                rec.push(x.to_string());
            }
            w.write_record(&rec).map_err(csv_err)?;
        }
        w.into_inner()
            .map_err(|e| Error::Internal(format!("CSV: {e}")))
    }

    /// JSON: the run's settings and `rows`, each with the CSV's columns as keys.
    ///
    /// # Errors
    /// Only if serialization fails.
    pub fn json(&self) -> Result<Vec<u8>> {
        json(&SweepJson {
            scenario: &self.scenario,
            origin: &self.origin,
            parameters: &self.parameters,
            points: self.points,
            paths: self.paths,
            seed: self.seed,
            threads: self.threads,
            elapsed_s: self.elapsed_s,
            prepare_s: self.prepare_s,
            warnings: &self.warnings,
            rows: self
                .rows
                .iter()
                .map(|row| RowJson {
                    parameters: &self.parameters,
                    row,
                })
                .collect(),
        })
    }

    /// A table per target: one line per grid point, each column headed by
    /// its parameter path (see [`SweepResult::table_for`]).
    pub fn table(&self) -> String {
        // Labels are free text from the scenario: no control character reaches the terminal.
        crate::report::format::terminal_safe(&self.table_text(&self.parameters)).into_owned()
    }

    /// [`SweepResult::table`] for a sweep of `raw`: each column headed by the
    /// label of what its parameter belongs to, the field and the unit
    /// ([`crate::charts::parameter_label`], shortened for a column as the
    /// sensitivity table shortens it), not by its path. The JSON and CSV keep
    /// the paths.
    pub fn table_for(&self, raw: &crate::scenario::RawScenario) -> String {
        let heads: Vec<String> = self
            .parameters
            .iter()
            .map(|p| {
                super::sensitivity_render::table_label(
                    &crate::charts::parameter_label(raw, p),
                    super::sensitivity_render::LABEL_WIDTH,
                )
            })
            .collect();
        crate::report::format::terminal_safe(&self.table_text(&heads)).into_owned()
    }

    fn table_text(&self, heads: &[String]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} ({})\nsweep of {} point{} x {} paths, seed {} at every point, {:.2} s\n",
            self.scenario,
            self.origin,
            self.points,
            if self.points == 1 { "" } else { "s" },
            self.paths,
            self.seed,
            self.elapsed_s
        );
        let widths: Vec<usize> = heads
            .iter()
            .enumerate()
            .map(|(i, p)| {
                self.rows
                    .iter()
                    .map(|r| exact(r.values[i]).len())
                    .max()
                    .unwrap_or(0)
                    .max(p.chars().count())
            })
            .collect();
        for (id, label) in &self.labels {
            let _ = writeln!(out, "{id}: {label}");
            let mut header: Vec<(&str, usize, Align)> = heads
                .iter()
                .zip(&widths)
                .map(|(p, w)| (p.as_str(), *w, Align::Left))
                .collect();
            header.extend([
                ("P(met)", 6, Align::Right),
                ("95% CI", 13, Align::Left),
                ("p05 · median · p95", 0, Align::Left),
            ]);
            let _ = writeln!(out, "{}", row("  ", &header).trim_end());
            for r in self.rows.iter().filter(|r| &r.target == id) {
                let values: Vec<String> = r.values.iter().map(|v| exact(*v)).collect();
                let p = pct(r.probability);
                let ci = format!("{}–{}", pct(r.ci95_low), pct(r.ci95_high));
                let spread = format!("{} · {} · {}", num(r.p05), num(r.p50), num(r.p95));
                let mut cells: Vec<(&str, usize, Align)> = values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| (v.as_str(), *w, Align::Right))
                    .collect();
                cells.extend([
                    (p.as_str(), 6, Align::Right),
                    (ci.as_str(), 13, Align::Left),
                    (spread.as_str(), 0, Align::Left),
                ]);
                let _ = writeln!(out, "{}", row("  ", &cells));
            }
            out.push('\n');
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}
