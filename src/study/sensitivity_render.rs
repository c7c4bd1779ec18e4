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
    /// probabilities of the baseline run; inputs and events named by their
    /// ids and paths (see [`SensitivityResult::table_for`]).
    pub fn table(&self) -> String {
        // Labels are free text from the scenario: no control character reaches the terminal.
        crate::report::format::terminal_safe(&self.table_text(None)).into_owned()
    }

    /// [`SensitivityResult::table`] for a sensitivity of `raw`: each input
    /// named by its label, field and unit ([`Bar::label`], shortened to
    /// [`LABEL_WIDTH`] columns by [`table_label`]), each event by its label.
    /// The JSON and CSV keep the ids.
    pub fn table_for(&self, raw: &crate::scenario::RawScenario) -> String {
        crate::report::format::terminal_safe(&self.table_text(Some(raw))).into_owned()
    }

    fn table_text(&self, raw: Option<&crate::scenario::RawScenario>) -> String {
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
            let names: Vec<String> = shown
                .iter()
                .map(|b| match raw {
                    Some(raw) => table_label(&b.label(raw), LABEL_WIDTH),
                    None => b.input.clone(),
                })
                .collect();
            let name_w = names
                .iter()
                .map(|n| n.chars().count())
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
            for (b, name) in shown.iter().zip(&names) {
                let (set, low, high) =
                    (setting(b), pct(b.probability_low), pct(b.probability_high));
                let swing = format!("{:.1} pp", 100.0 * b.swing);
                let bar = tornado(b, t.probability, scale, HALF);
                let cells = [
                    (name.as_str(), name_w, Align::Left),
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
                let events: Vec<String> = t
                    .conditional
                    .iter()
                    .map(|c| match raw {
                        Some(raw) => table_label(&event_label(raw, &c.event), LABEL_WIDTH),
                        None => c.event.clone(),
                    })
                    .collect();
                let ew = events.iter().map(|e| e.chars().count()).max().unwrap_or(0);
                for (c, event) in t.conditional.iter().zip(&events) {
                    let share = format!(
                        "on {} of paths: P(met) {} if it happened, {} if not",
                        lpad(&pct(c.event_share), 6),
                        c.probability_with.map(pct).unwrap_or("n/a".into()),
                        c.probability_without.map(pct).unwrap_or("n/a".into())
                    );
                    let cells = [
                        (event.as_str(), ew, Align::Left),
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

/// The widest input or event name in a sensitivity table, in characters
/// ([`table_label`]); the tornado chart and the JSON keep the whole label.
pub const LABEL_WIDTH: usize = 56;

impl Bar {
    /// The input as a person reads it: a parameter by the label of what it
    /// belongs to, its field and unit ([`crate::charts::parameter_label`],
    /// `Automobile manufacturing (FAW and local suppliers): growth (% a
    /// year)`), an event by its label, an assumption as `assumption: ` and
    /// its parameter's label. An id or path the scenario does not know is
    /// written as it is.
    pub fn label(&self, raw: &crate::scenario::RawScenario) -> String {
        match self.kind.as_str() {
            "event" => {
                let id = self.input.strip_prefix("event ").unwrap_or(&self.input);
                event_label(raw, id)
            }
            "assumption" => {
                let path = self
                    .input
                    .strip_prefix("assumption ")
                    .unwrap_or(&self.input);
                format!("assumption: {}", crate::charts::parameter_label(raw, path))
            }
            _ => crate::charts::parameter_label(raw, &self.input),
        }
    }
}

/// An event's label, or its id when the scenario has no such event.
fn event_label(raw: &crate::scenario::RawScenario, id: &str) -> String {
    raw.events
        .iter()
        .find(|e| e.id == id)
        .map_or_else(|| id.to_string(), |e| e.label.clone())
}

/// A label shortened for a column of a text table: the part in parentheses
/// that ends the name of what a parameter belongs to is left out
/// (`Other services (IT, business services, ...): growth (% a year)` ->
/// `Other services: growth (% a year)`), and a label still wider than
/// `max` characters is cut with `…`: in the name of what it belongs to, so
/// that the field and unit after the last `: ` stay whole
/// (`Chip shortage squeezes…: probability (per quarter)`), or at the end.
pub(crate) fn table_label(label: &str, max: usize) -> String {
    let label = without_owner_note(label);
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= max || max < 3 {
        return label;
    }
    if let Some(at) = label.rfind(": ") {
        let field = &label[at..];
        let keep = max.saturating_sub(field.chars().count() + 1);
        if keep >= 8 {
            let owner: String = label[..at].chars().take(keep).collect();
            return format!("{}…{field}", owner.trim_end());
        }
    }
    let head: String = chars[..max - 1].iter().collect();
    format!("{}…", head.trim_end())
}

/// [`table_label`]'s first step: `Owner (note): field (unit)` ->
/// `Owner: field (unit)`.
pub(crate) fn without_owner_note(label: &str) -> String {
    let Some(close) = label.rfind("): ") else {
        return label.to_string();
    };
    // The `(` that this `)` closes.
    let mut depth = 0usize;
    let open = label[..=close].char_indices().rev().find_map(|(i, c)| {
        match c {
            ')' => depth += 1,
            '(' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        None
    });
    match open.filter(|&i| i > 1 && label[..i].ends_with(' ')) {
        Some(open) => format!("{}{}", &label[..open - 1], &label[close + 1..]),
        None => label.to_string(),
    }
}

#[cfg(test)]
mod label_tests {
    use super::{table_label, without_owner_note};

    #[test]
    fn table_labels_drop_the_owner_note_and_keep_the_unit() {
        assert_eq!(
            without_owner_note(
                "Automobile manufacturing (FAW and local suppliers): growth (% a year)"
            ),
            "Automobile manufacturing: growth (% a year)"
        );
        assert_eq!(
            without_owner_note("COVID restrictions (positive = looser)"),
            "COVID restrictions (positive = looser)"
        );
        let cut = table_label(
            "Chip shortage squeezes car output: probability (per quarter)",
            48,
        );
        assert!(cut.chars().count() <= 48, "{cut}");
        assert!(cut.ends_with("…: probability (per quarter)"), "{cut}");
        assert!(cut.starts_with("Chip shortage"), "{cut}");
        let event = table_label(
            "Major COVID outbreak with a city-wide lockdown of Changchun or several cities",
            48,
        );
        assert!(event.chars().count() <= 48, "{event}");
        assert!(event.starts_with("Major COVID outbreak") && event.ends_with('…'));
        assert_eq!(table_label("GDP growth", 48), "GDP growth");
        // Unknown paths are kept whole when they fit.
        assert_eq!(
            table_label("sectors.automobile.growth", 48),
            "sectors.automobile.growth"
        );
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
