//! The backtest as a table (docs/BACKTEST.md) and JSON.

use std::fmt::Write as _;

use super::*;
use crate::error::{Error, Result};
use crate::report::format::{columns, count, decimals_3210, pct};

pub(super) fn opt3(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.3}"))
}

pub(super) fn yes(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "in",
        Some(false) => "out",
        None => "n/a",
    }
}

impl Backtest {
    /// The human-readable report (documented in docs/BACKTEST.md).
    pub fn to_table(&self) -> String {
        // Labels are free text from the scenario: no control character reaches the terminal.
        crate::report::format::terminal_safe(&self.to_table_text()).into_owned()
    }

    fn to_table_text(&self) -> String {
        let s = &self.summary;
        let mut o = String::new();
        let scenarios: Vec<&str> = {
            let mut v: Vec<&str> = self.cases.iter().map(|c| c.scenario.as_str()).collect();
            v.dedup();
            v
        };
        let many = scenarios.len() > 1;
        let _ = writeln!(
            o,
            "Backtest: {} scored, {} met; {} per run{}",
            count(s.cases, "outcome", "outcomes"),
            s.met,
            count(
                self.cases.first().map_or(0, |c| c.paths) as usize,
                "path",
                "paths"
            ),
            self.seed.map_or(String::new(), |x| format!(", seed {x}"))
        );
        if s.cases < 30 {
            let _ = writeln!(
                o,
                "Small sample: with {} these scores say little; read them as a record, not a verdict.",
                count(s.cases, "outcome", "outcomes")
            );
        }
        o.push('\n');
        let mut rows = vec![];
        let mut head = vec![];
        if many {
            head.push("Scenario".to_string());
        }
        head.extend(
            [
                "Target", "Year", "Met if", "P(met)", "Outcome", "Met", "Brier", "Log", "PIT",
                "50%", "90%",
            ]
            .map(String::from),
        );
        rows.push(head);
        for c in &self.cases {
            let mut r = vec![];
            if many {
                r.push(c.scenario.clone());
            }
            r.extend([
                c.label.clone(),
                c.year.to_string(),
                c.condition.clone(),
                pct(c.probability),
                if c.judged != c.value {
                    format!("{} ({})", decimals_3210(c.value), decimals_3210(c.judged))
                } else {
                    decimals_3210(c.value)
                },
                if c.met { "yes" } else { "no" }.into(),
                format!("{:.3}", c.brier),
                format!("{:.3}", c.log_score),
                opt3(c.pit),
                yes(c.in50).into(),
                yes(c.in90).into(),
            ]);
            rows.push(r);
        }
        let k = usize::from(many);
        let mut right = vec![false; 11 + k];
        for c in [1, 3, 4, 6, 7, 8] {
            right[c + k] = true;
        }
        o.push_str(&columns(&rows, &right));
        o.push('\n');
        let _ = writeln!(
            o,
            "Mean scores over {} (lower is better):",
            count(s.cases, "outcome", "outcomes")
        );
        let mut rows = vec![vec!["Forecaster".to_string(), "Brier".into(), "Log".into()]];
        for sc in &s.scores {
            rows.push(vec![
                sc.forecaster.clone(),
                format!("{:.3}", sc.brier),
                format!("{:.3}", sc.log_score),
            ]);
        }
        o.push_str(&indent(&columns(&rows, &[false, true, true])));
        if let Some(bss) = s.brier_skill_vs_half {
            let _ = writeln!(o, "Brier skill against always 0.5: {bss:+.3}");
        }
        for cv in [&s.coverage50, &s.coverage90] {
            let _ = writeln!(
                o,
                "{:.0}% central interval: {} of {} inside ({}; 95% CI {}-{})",
                100.0 * cv.nominal,
                cv.inside,
                count(cv.cases, "outcome", "outcomes"),
                cv.rate.map_or("n/a".into(), pct),
                pct(cv.ci95.0),
                pct(cv.ci95.1)
            );
        }
        let _ = writeln!(
            o,
            "PIT: mean {} (0.5 if calibrated), Kolmogorov-Smirnov D {} (p {}); by tenths: {}",
            opt3(s.pit.mean),
            opt3(s.pit.ks_d),
            opt3(s.pit.ks_p),
            s.pit
                .deciles
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        o.push('\n');
        o.push_str("Reliability (forecast probability bins):\n");
        let mut rows = vec![vec![
            "Bin".to_string(),
            "Outcomes".into(),
            "Mean P".into(),
            "Observed".into(),
            "95% CI".into(),
        ]];
        for b in &s.reliability {
            rows.push(vec![
                format!("{:.1}-{:.1}", b.lo, b.hi),
                b.cases.to_string(),
                pct(b.mean_probability),
                pct(b.observed),
                format!("{}-{}", pct(b.ci95.0), pct(b.ci95.1)),
            ]);
        }
        o.push_str(&indent(&columns(&rows, &[false, true, true, true, false])));
        if s.by_target.iter().any(|t| t.cases > 1) {
            o.push('\n');
            o.push_str("By target:\n");
            let mut rows = vec![vec![
                "Target".to_string(),
                "Outcomes".into(),
                "Met".into(),
                "Mean P".into(),
                "Brier".into(),
                "Log".into(),
                "Mean PIT".into(),
                "In 50%".into(),
                "In 90%".into(),
            ]];
            for t in &s.by_target {
                rows.push(vec![
                    self.label_of(&t.target).to_string(),
                    t.cases.to_string(),
                    t.met.to_string(),
                    pct(t.mean_probability),
                    format!("{:.3}", t.brier),
                    format!("{:.3}", t.log_score),
                    opt3(t.mean_pit),
                    t.in50.to_string(),
                    t.in90.to_string(),
                ]);
            }
            let mut right = vec![true; 9];
            right[0] = false;
            o.push_str(&indent(&columns(&rows, &right)));
        }
        if !self.unscored.is_empty() {
            o.push('\n');
            let list: Vec<String> = self
                .unscored
                .iter()
                .map(|u| {
                    if u.reason == "no outcome" {
                        format!("{} {}", u.target, u.year)
                    } else {
                        format!("{} {} ({})", u.target, u.year, u.reason)
                    }
                })
                .collect();
            let _ = writeln!(
                o,
                "Not scored ({}): {}",
                self.unscored.len(),
                list.join(", ")
            );
        }
        if !self.unmatched.is_empty() {
            let list: Vec<String> = self
                .unmatched
                .iter()
                .map(|(t, y)| format!("{t} {y}"))
                .collect();
            let _ = writeln!(
                o,
                "Outcome rows matching no target ({}): {}",
                list.len(),
                list.join(", ")
            );
        }
        if self.rows_without_value > 0 {
            let _ = writeln!(
                o,
                "Outcome rows without a value (empty or \"not found\"): {}",
                self.rows_without_value
            );
        }
        o
    }

    /// The label of target `id` in the scored cases (the id when none has one).
    fn label_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.cases
            .iter()
            .find(|c| c.target == id && !c.label.is_empty())
            .map_or(id, |c| c.label.as_str())
    }

    /// Pretty-printed JSON of the whole backtest, with a trailing newline.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))
    }
}

pub(super) fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}
