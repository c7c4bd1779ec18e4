//! How a goal seek is shown: JSON and a short report in words.

use std::fmt::Write as _;

use super::solve::SolveResult;
use super::*;
use crate::error::Result;
use crate::report::format::{exact, pct, sig4};

impl SolveResult {
    /// JSON with every field.
    ///
    /// # Errors
    /// Only if serialization fails.
    pub fn json(&self) -> Result<Vec<u8>> {
        json(self)
    }

    /// A short report in words, the lever named by its path (see
    /// [`SolveResult::table_for`]).
    pub fn table(&self) -> String {
        // Labels are free text from the scenario: no control character reaches the terminal.
        crate::report::format::terminal_safe(&self.table_text(&self.path)).into_owned()
    }

    /// [`SolveResult::table`] for a goal seek on `raw`: the lever named by
    /// the label of what it belongs to, its field and unit
    /// ([`crate::charts::parameter_label`], without the note in parentheses
    /// after the name of what it belongs to) instead of its path. The JSON
    /// keeps the path.
    pub fn table_for(&self, raw: &crate::scenario::RawScenario) -> String {
        let lever = super::sensitivity_render::without_owner_note(&crate::charts::parameter_label(
            raw, &self.path,
        ));
        crate::report::format::terminal_safe(&self.table_text(&lever)).into_owned()
    }

    fn table_text(&self, lever: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\ngoal seek: {} ({}) at P(met) = {}, varying {} in [{}, {}]\n{} evaluations x {} paths, seed {} at every evaluation, {:.2} s\n",
            self.scenario,
            self.target,
            self.target_label,
            pct(self.probability),
            lever,
            exact(self.low),
            exact(self.high),
            self.evaluations.len(),
            self.paths,
            self.seed,
            self.elapsed_s
        );
        if self.stages.len() > 1 && self.value.is_some() {
            let coarse: Vec<String> = self.stages[..self.stages.len() - 1]
                .iter()
                .map(|s| format!("{} x {}", s.evaluations, s.paths))
                .collect();
            let _ = writeln!(
                out,
                "located first with fewer paths ({}, the ends included): {:.1} runs of {} paths in all\n",
                coarse.join(", "),
                self.paths_simulated as f64 / self.paths as f64,
                self.paths
            );
        }
        let ev = |e: &Evaluation| {
            format!(
                "{} (95% CI {}–{})",
                pct(e.probability),
                pct(e.ci95_low),
                pct(e.ci95_high)
            )
        };
        let _ = writeln!(
            out,
            "  at {} = {}: P(met) {}",
            lever,
            exact(self.low),
            ev(&self.at_low)
        );
        let _ = writeln!(
            out,
            "  at {} = {}: P(met) {}",
            lever,
            exact(self.high),
            ev(&self.at_high)
        );
        let _ = writeln!(out, "  direction: {}\n", self.direction);
        if let (Some(v), Some(e)) = (self.value, &self.at_value) {
            let _ = writeln!(out, "  value:    {} = {}", lever, sig4(v));
            let side = |x: Option<f64>, outside: String| x.map(sig4).unwrap_or(outside);
            let _ = writeln!(
                out,
                "  95% Monte Carlo interval: {} to {}",
                side(self.interval[0], format!("below {}", exact(self.low))),
                side(self.interval[1], format!("beyond {}", exact(self.high)))
            );
            if let Some(r) = self.resolution.filter(|r| *r > 0.0) {
                let _ = writeln!(out, "  bracket around the value: {} wide", sig4(r));
            }
            let _ = writeln!(out, "  P(met) at the value: {}\n", ev(e));
        }
        // The verdict (JSON) names the target and the lever by id and path;
        // the table names them as its heading does. solve.rs writes them only
        // as "P(TARGET met)" and " at PATH = ", so exactly those are replaced.
        let verdict = if lever == self.path {
            self.verdict.clone()
        } else {
            self.verdict
                .replace(
                    &format!("P({} met)", self.target),
                    &format!("P({} met)", self.target_label),
                )
                .replace(&format!(" at {} = ", self.path), &format!(" at {lever} = "))
        };
        let _ = writeln!(out, "{verdict}");
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}
