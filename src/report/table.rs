//! The human-readable terminal table. comfy-table measures display width, so
//! Chinese labels (two columns per character) stay aligned.
//!
//! [`render`] is plain text. [`render_coloured`] can also colour the verdict
//! words (green for likely and above, yellow for about as likely as not, red
//! for unlikely and below); the binary asks for colour only when the table
//! goes to a terminal and `NO_COLOR` is unset.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table};

use super::format::{num, pct_of_paths, short};
use super::{Report, TargetResult};

/// "Met if" column: the bound actually applied.
pub fn condition(t: &TargetResult) -> String {
    let bound = |x: f64| match &t.relative_to {
        Some(r) if x == 0.0 => r.clone(),
        Some(r) if x > 0.0 => format!("{r} + {}", short(x)),
        Some(r) => format!("{r} − {}", short(-x)),
        None => short(x),
    };
    match t.op.as_str() {
        "at_least" => format!("≥ {}", bound(t.threshold - t.tolerance)),
        "at_most" => format!("≤ {}", bound(t.threshold + t.tolerance)),
        _ => format!("{} ± {}", bound(t.threshold), short(t.tolerance)),
    }
}

/// Render the table, wrapping long labels to fit `width` columns.
pub fn render(r: &Report, width: u16) -> String {
    render_coloured(r, width, false)
}

/// The colour of a verdict: green when the target is likely met, yellow when
/// it is a toss-up, red when it is likely missed, none without a verdict.
fn verdict_colour(verdict: &str) -> Option<Color> {
    match verdict {
        "virtually certain" | "very likely" | "likely" => Some(Color::Green),
        "about as likely as not" => Some(Color::Yellow),
        "unlikely" | "very unlikely" | "exceptionally unlikely" => Some(Color::Red),
        _ => None,
    }
}

/// [`render`], with the verdict words coloured (ANSI escape codes) when
/// `colour` is true. Widths and wrapping are the same either way.
pub fn render_coloured(r: &Report, width: u16, colour: bool) -> String {
    let mut out = String::new();
    let region = match &r.scenario.region_zh {
        Some(zh) => format!("{} {}", r.scenario.region, zh),
        None => r.scenario.region.clone(),
    };
    out.push_str(&format!(
        "{} ({}; base year {}, horizon {} years)\n{} paths, seed {}, {:.2} s\n\n",
        r.scenario.name,
        region,
        r.scenario.base_year,
        r.scenario.horizon,
        r.run.paths,
        r.run.seed,
        r.run.elapsed_s
    ));
    if let Some(o) = &r.scenario.observed {
        let figures: Vec<String> = o
            .values
            .iter()
            .map(|v| {
                let through = ["Q1", "H1", "Q1-3"][(v.quarter as usize).clamp(1, 3) - 1];
                match v.share {
                    None => format!("{} {} {}", v.indicator, through, short(v.value)),
                    Some(s) => format!(
                        "{} {} {} (share {})",
                        v.indicator,
                        through,
                        short(v.value),
                        short(s)
                    ),
                }
            })
            .chain(
                o.events
                    .iter()
                    .map(|e| format!("{} began in Q{}", e.id, e.start_quarter)),
            )
            .collect();
        out.push_str(&format!(
            "Conditioned on {} published quarter(s) of {}: {}\n\n",
            o.quarters,
            r.scenario.base_year + 1,
            if figures.is_empty() {
                "no figures; events known".to_string()
            } else {
                figures.join("; ")
            }
        ));
    }
    if let Some(p) = &r.run.precision {
        out.push_str(&if p.reached {
            format!(
                "Precision goal ±{} reached: every 95% half-width ≤ {:.4} after {} paths.\n\n",
                p.goal, p.achieved, r.run.paths
            )
        } else {
            format!(
                "Precision goal ±{} NOT reached: stopped at the cap of {} paths with a largest half-width of {:.4}.\n\n",
                p.goal, p.max_paths, p.achieved
            )
        });
    }

    let mut table = Table::new();
    if colour {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(vec![
            "Target",
            "Year",
            "Official",
            "Met if",
            "P(met)",
            "95% CI",
            "p05 · median · p95",
            "Verdict",
        ]);
    for t in &r.targets {
        let label = match &t.label_zh {
            Some(zh) => format!("{zh}\n{}", t.label),
            None => t.label.clone(),
        };
        let unit = if t.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", t.unit)
        };
        let official = match &t.relative_to {
            Some(r) => format!("= {r}"),
            None => format!("{}{}", short(t.threshold), unit),
        };
        table.add_row(vec![
            Cell::new(label),
            Cell::new(t.year),
            Cell::new(official).set_alignment(CellAlignment::Right),
            Cell::new(condition(t)),
            Cell::new(pct_of_paths(t.probability)).set_alignment(CellAlignment::Right),
            Cell::new(format!(
                "{}–{}",
                pct_of_paths(t.ci95[0]),
                pct_of_paths(t.ci95[1])
            )),
            Cell::new(format!(
                "{} · {} · {}",
                num(t.quantiles.p05),
                num(t.quantiles.p50),
                num(t.quantiles.p95)
            ))
            .set_alignment(CellAlignment::Right),
            match verdict_colour(&t.verdict) {
                Some(c) if colour => Cell::new(&t.verdict).fg(c),
                _ => Cell::new(&t.verdict),
            },
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');

    if r.joint.targets.is_empty() {
        out.push_str(&format!(
            "\nNo headline targets; every target met together: {}\n",
            pct_of_paths(r.joint.all_probability)
        ));
    } else {
        out.push_str(&format!(
            "\nAll {} headline targets met together: {} (95% CI {}–{}); every target: {}\n",
            r.joint.targets.len(),
            pct_of_paths(r.joint.probability),
            pct_of_paths(r.joint.ci95[0]),
            pct_of_paths(r.joint.ci95[1]),
            pct_of_paths(r.joint.all_probability)
        ));
    }

    out.push_str("Most at risk:");
    for t in r.most_at_risk(3) {
        out.push_str(&format!("\n  {} {}", t.id, pct_of_paths(t.probability)));
        if let Some(d) = r.worst_driver(&t.id) {
            out.push_str(&format!(
                " — if {} happens ({} of paths): {}, otherwise {}",
                d.event,
                pct_of_paths(d.event_share),
                pct_of_paths(d.probability_with.unwrap_or(f64::NAN)),
                pct_of_paths(d.probability_without.unwrap_or(f64::NAN))
            ));
        }
    }
    out.push('\n');
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_have_sensible_precision() {
        assert_eq!(num(5.8321), "5.83");
        assert_eq!(num(29.46), "29.5");
        assert_eq!(num(7712.4), "7712");
        assert_eq!(num(-0.001), "0.00");
        assert_eq!(num(f64::NAN), "n/a");
        assert_eq!(super::short(6.0), "6");
        assert_eq!(super::short(2.70), "2.7");
        assert_eq!(super::short(-3.0), "-3");
    }
}
