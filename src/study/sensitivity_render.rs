//! A sensitivity result as a table (with a text tornado), CSV and JSON.

use std::fmt::Write as _;

use super::*;
use crate::error::{Error, Result};
use crate::report::format::{Align, exact, lpad, pad, pct, row, setting_pair, sig4};

/// Bars shown per target in the table (the CSV and JSON carry all).
pub const TABLE_BARS: usize = 15;

impl SensitivityResult {
    /// JSON with every bar.
    ///
    /// # Errors
    /// Only if serialization fails.
    pub fn json(&self) -> Result<Vec<u8>> {
        json(self)
    }

    /// CSV: one row per target and bar.
    ///
    /// # Errors
    /// Only if the CSV writer fails.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record([
            "target",
            "baseline",
            "input",
            "kind",
            "basis",
            "value",
            "amount",
            "low",
            "high",
            "probability_low",
            "probability_high",
            "swing",
        ])
        .map_err(csv_err)?;
        for t in &self.targets {
            for b in &t.bars {
                w.write_record([
                    t.id.clone(),
                    t.probability.to_string(),
                    b.input.clone(),
                    b.kind.clone(),
                    b.basis.clone(),
                    exact(b.value),
                    b.amount.map(exact).unwrap_or_default(),
                    exact(b.low),
                    exact(b.high),
                    b.probability_low.to_string(),
                    b.probability_high.to_string(),
                    b.swing.to_string(),
                ])
                .map_err(csv_err)?;
            }
        }
        w.into_inner()
            .map_err(|e| Error::Internal(format!("CSV: {e}")))
    }

    /// Tornado tables, largest swing first, and the event-conditional
    /// probabilities of the baseline run.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\nsensitivity: {} runs x {} paths, seed {} in every run, {:.2} s\n{}\n",
            self.scenario, self.runs, self.paths, self.seed, self.elapsed_s, self.method
        );
        const HALF: usize = 12;
        for t in &self.targets {
            let _ = writeln!(
                out,
                "{}: {}: P(met) {} (95% CI {}–{})",
                t.id,
                t.label,
                pct(t.probability),
                pct(t.ci95[0]),
                pct(t.ci95[1])
            );
            let shown: Vec<&Bar> = t.bars.iter().take(TABLE_BARS).collect();
            let name_w = shown
                .iter()
                .map(|b| b.input.len())
                .max()
                .unwrap_or(5)
                .max(5);
            let set_w = shown
                .iter()
                .map(|b| setting(b).chars().count())
                .max()
                .unwrap_or(7)
                .max(7);
            let scale = t
                .bars
                .iter()
                .flat_map(|b| [b.probability_low, b.probability_high])
                .map(|p| (p - t.probability).abs())
                .fold(0.0f64, f64::max);
            let split = format!("{}|{}", pad("lower", HALF), "higher");
            let header = [
                ("input", name_w, Align::Left),
                ("low → high", set_w, Align::Left),
                ("P(low)", 7, Align::Right),
                ("P(high)", 7, Align::Right),
                ("swing", 8, Align::Right),
                (split.as_str(), 0, Align::Left),
            ];
            let _ = writeln!(out, "{}", row("  ", &header));
            for b in &shown {
                let (set, low, high) =
                    (setting(b), pct(b.probability_low), pct(b.probability_high));
                let swing = format!("{:.1} pp", 100.0 * b.swing);
                let bar = tornado(b, t.probability, scale, HALF);
                let cells = [
                    (b.input.as_str(), name_w, Align::Left),
                    (set.as_str(), set_w, Align::Left),
                    (low.as_str(), 7, Align::Right),
                    (high.as_str(), 7, Align::Right),
                    (swing.as_str(), 8, Align::Right),
                    (bar.as_str(), 0, Align::Left),
                ];
                let _ = writeln!(out, "{}", row("  ", &cells));
            }
            if t.bars.len() > shown.len() {
                let _ = writeln!(
                    out,
                    "  ({} more input{} with smaller swings: --format json or csv lists every bar)",
                    t.bars.len() - shown.len(),
                    if t.bars.len() - shown.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
            }
            if !t.conditional.is_empty() {
                let _ = writeln!(
                    out,
                    "  in the baseline run, by whether each event happened by the target's year:"
                );
                let ew = t
                    .conditional
                    .iter()
                    .map(|c| c.event.len())
                    .max()
                    .unwrap_or(0);
                for c in &t.conditional {
                    let share = format!(
                        "on {} of paths: P(met) {} if it happened, {} if not",
                        lpad(&pct(c.event_share), 6),
                        c.probability_with.map(pct).unwrap_or("n/a".into()),
                        c.probability_without.map(pct).unwrap_or("n/a".into())
                    );
                    let cells = [
                        (c.event.as_str(), ew, Align::Left),
                        (share.as_str(), 0, Align::Left),
                    ];
                    let _ = writeln!(out, "{}", row("    ", &cells));
                }
            }
            out.push('\n');
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(out, "left out: {}", self.skipped.len());
            for s in &self.skipped {
                let _ = writeln!(out, "  {s}");
            }
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

fn setting(b: &Bar) -> String {
    match (b.kind.as_str(), b.amount) {
        ("event", _) => "off → on".into(),
        (_, Some(a)) => {
            let (low, high) = setting_pair(b.low, b.high);
            format!("{low} → {high} (±{})", sig4(a))
        }
        _ => {
            let (low, high) = setting_pair(b.low, b.high);
            format!("{low} → {high}")
        }
    }
}

/// A text tornado bar: `half` characters each side of the baseline, scaled
/// so that the largest move of the target fills one side.
fn tornado(b: &Bar, base: f64, scale: f64, half: usize) -> String {
    let cells = |p: f64| -> usize {
        if scale <= 0.0 {
            0
        } else {
            (((p - base).abs() / scale) * half as f64).round() as usize
        }
    };
    let lo = b.probability_low.min(b.probability_high);
    let hi = b.probability_low.max(b.probability_high);
    let left = if lo < base { cells(lo).min(half) } else { 0 };
    let right = if hi > base { cells(hi).min(half) } else { 0 };
    format!(
        "{}{}|{}",
        " ".repeat(half - left),
        "█".repeat(left),
        "█".repeat(right)
    )
}
