//! The human-readable terminal table. comfy-table measures display width, so
//! Chinese labels (two columns per character) stay aligned.
//!
//! [`render`] is plain text. [`render_coloured`] can also colour the verdict
//! words (green for likely and above, yellow for about as likely as not, red
//! for unlikely and below); the binary asks for colour only when the table
//! goes to a terminal and `NO_COLOR` is unset.
//!
//! [`render_compact`] is the layout for a narrow terminal (below
//! [`COMPACT_BELOW`] columns): one line per target, label, year, condition,
//! P(met), interval, median and verdict as far as they fit, every line at most
//! the width in display columns.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::format::{count, num, pct_of_paths, short};
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

/// Terminals narrower than this many columns get [`render_compact`].
pub const COMPACT_BELOW: u16 = 120;

/// Which label a target is shown with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// The Chinese label (`label_zh`), or the English one where there is none.
    Zh,
    /// The English label.
    En,
    /// Both: two lines in the wide layout, "zh en" on one in the compact one.
    Both,
}

/// A target's label as `labels` asks, with `sep` between the two of [`Labels::Both`].
fn label(t: &TargetResult, labels: Labels, sep: &str) -> String {
    match (labels, &t.label_zh) {
        (Labels::Zh, Some(zh)) => zh.clone(),
        (Labels::Both, Some(zh)) => format!("{zh}{sep}{}", t.label),
        _ => t.label.clone(),
    }
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
    render_wide(r, width, colour, Labels::Both)
}

/// [`render_coloured`] with the labels chosen (the default is [`Labels::Both`]).
pub fn render_wide(r: &Report, width: u16, colour: bool, labels: Labels) -> String {
    let mut out = header(r);
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
        let label = label(t, labels, "\n");
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
    out.push_str(&footer(r));
    out
}

/// The lines after the table: joint probability, most at risk, warnings.
fn footer(r: &Report) -> String {
    let mut out = String::new();
    if r.joint.targets.is_empty() {
        out.push_str(&format!(
            "\nNo headline targets; every target met together: {}\n",
            pct_of_paths(r.joint.all_probability)
        ));
    } else {
        out.push_str(&format!(
            "\n{}: {} (95% CI {}–{}); every target: {}\n",
            match r.joint.targets.len() {
                1 => "The 1 headline target met".to_string(),
                n => format!("All {n} headline targets met together"),
            },
            pct_of_paths(r.joint.probability),
            pct_of_paths(r.joint.ci95[0]),
            pct_of_paths(r.joint.ci95[1]),
            pct_of_paths(r.joint.all_probability)
        ));
    }

    out.push_str(&new_readings(r));
    out.push_str("Most at risk:");
    for t in r.most_at_risk(3) {
        out.push_str(&format!(
            "\n  {} {}",
            label(t, Labels::Both, " "),
            pct_of_paths(t.probability)
        ));
        if let Some(d) = r.worst_driver(&t.id) {
            out.push_str(&format!(
                " — if “{}” happens ({} of paths): {}, otherwise {}",
                d.event_label,
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

/// Lines for the readings only some scenarios have: named joints (with the
/// expected number of headline targets met), met-or-excused targets, and the
/// split of each target's spread between assumptions and shocks.
fn new_readings(r: &Report) -> String {
    let mut out = String::new();
    if !r.joints.is_empty() {
        let e = &r.headline_expected_met;
        out.push_str(&format!(
            "Expected headline targets met: {:.2} of {} (standard error {:.3})\n",
            e.mean, e.of, e.se
        ));
        for j in &r.joints {
            out.push_str(&format!(
                "Joint {} ({}): {} (95% CI {}–{})\n",
                j.id,
                j.targets.join(" + "),
                pct_of_paths(j.probability),
                pct_of_paths(j.ci95[0]),
                pct_of_paths(j.ci95[1])
            ));
        }
    }
    for t in &r.targets {
        if let (Some(p), Some(ci)) = (t.probability_excused, t.ci95_excused) {
            out.push_str(&format!(
                "{}: met {}; met or excused {} (95% CI {}–{})\n",
                t.id,
                pct_of_paths(t.probability),
                pct_of_paths(p),
                pct_of_paths(ci[0]),
                pct_of_paths(ci[1])
            ));
        }
    }
    if r.targets.iter().any(|t| t.assumption_share.is_some()) {
        out.push_str("Spread from assumptions (share of variance; P(met) with assumptions at central values):\n");
        for t in &r.targets {
            if let (Some(a), Some(pf)) = (t.assumption_share, t.probability_fixed) {
                out.push_str(&format!(
                    "  {} {:.0}% of variance; {} instead of {}\n",
                    t.id,
                    100.0 * a,
                    pct_of_paths(pf),
                    pct_of_paths(t.probability)
                ));
            }
        }
    }
    out
}

/// The lines before the table: scenario, run, conditioning, precision.
fn header(r: &Report) -> String {
    let mut out = String::new();
    let region = match &r.scenario.region_zh {
        Some(zh) => format!("{} {}", r.scenario.region, zh),
        None => r.scenario.region.clone(),
    };
    out.push_str(&format!(
        "{} ({}; base year {}, horizon {})\n{} paths, seed {}, {:.2} s\n\n",
        r.scenario.name,
        region,
        r.scenario.base_year,
        count(r.scenario.horizon, "year", "years"),
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
            "Conditioned on {} of {}: {}\n\n",
            count(o.quarters, "published quarter", "published quarters"),
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

    out
}

/// The compact layout for a terminal of `width` columns (below [`COMPACT_BELOW`]):
/// one line per target, the label shortened with "…" where it must be, and the
/// interval, the median, the year and the condition left out in that order when
/// even a short label would not fit. Every line, the header and footer included
/// (wrapped at spaces), is at most `width` display columns.
pub fn render_compact(r: &Report, width: u16, labels: Labels, colour: bool) -> String {
    let width = usize::from(width.max(40));
    let mut out = wrap(&header(r), width);
    // Columns after the label, in the order shown; `drop` is the order they go.
    let heads = ["Year", "Met if", "P(met)", "95% CI", "Median", "Verdict"];
    let right = [false, false, true, false, true, false];
    let cells: Vec<[String; 6]> = r
        .targets
        .iter()
        .map(|t| {
            [
                t.year.to_string(),
                condition(t),
                pct_of_paths(t.probability),
                format!("{}–{}", pct_of_paths(t.ci95[0]), pct_of_paths(t.ci95[1])),
                num(t.quantiles.p50),
                t.verdict.clone(),
            ]
        })
        .collect();
    let names: Vec<String> = r.targets.iter().map(|t| label(t, labels, " ")).collect();
    let col_width = |k: usize| {
        cells
            .iter()
            .map(|c| c[k].width())
            .chain([heads[k].width()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..heads.len()).map(col_width).collect();
    let mut shown = [true; 6];
    let label_max = names
        .iter()
        .map(|n| n.width())
        .chain([6])
        .max()
        .unwrap_or(6);
    let label_min = 16.min(label_max);
    let rest = |shown: &[bool; 6]| -> usize {
        (0..heads.len())
            .filter(|&k| shown[k])
            .map(|k| widths[k] + 2)
            .sum()
    };
    for k in [3, 4, 0, 1] {
        if label_min + rest(&shown) <= width {
            break;
        }
        shown[k] = false;
    }
    let label_w = width.saturating_sub(rest(&shown)).min(label_max).max(1);
    let line = |label: &str, row: &[String; 6], verdict_colour: Option<Color>| {
        let mut l = pad(&truncate(label, label_w), label_w, false);
        for k in (0..heads.len()).filter(|&k| shown[k]) {
            l.push_str("  ");
            if k == 5 {
                // The last column is not padded, so that no line ends in spaces.
                let v = truncate(&row[k], width.saturating_sub(l.width()));
                match verdict_colour {
                    Some(c) if colour => l.push_str(&format!("{}{v}\x1b[39m", ansi(c))),
                    _ => l.push_str(&v),
                }
            } else {
                l.push_str(&pad(&row[k], widths[k], right[k]));
            }
        }
        l.trim_end().to_string() + "\n"
    };
    let head_row: [String; 6] = heads.map(String::from);
    out.push_str(&line("Target", &head_row, None));
    out.push_str(&"─".repeat(label_w + rest(&shown) - 2));
    out.push('\n');
    for ((t, name), row) in r.targets.iter().zip(&names).zip(&cells) {
        out.push_str(&line(name, row, verdict_colour(&t.verdict)));
    }
    out.push_str(&wrap(&footer(r), width));
    out
}

/// The ANSI foreground code of a verdict colour.
fn ansi(c: Color) -> &'static str {
    match c {
        Color::Green => "\x1b[32m",
        Color::Yellow => "\x1b[33m",
        Color::Red => "\x1b[31m",
        _ => "\x1b[39m",
    }
}

/// `s` padded with spaces to `w` display columns, on the left when `right`.
fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(s.width()));
    if right {
        fill + s
    } else {
        format!("{s}{fill}")
    }
}

/// `s` cut to at most `w` display columns, ending in "…" when cut.
fn truncate(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.trim_end().to_string() + "…"
}

/// Every line of `text` wrapped at spaces to at most `width` display columns
/// (a word longer than the width is cut); continuation lines are indented by two.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if body.width() <= width {
            out.push_str(body);
            out.push_str(nl);
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        let mut cur = body[..indent].to_string();
        let mut fresh = true;
        for word in body.trim_start().split(' ') {
            let sep = if fresh { "" } else { " " };
            if !fresh && cur.width() + 1 + word.width() > width {
                out.push_str(cur.trim_end());
                out.push('\n');
                cur = " ".repeat(indent + 2);
                fresh = true;
            }
            let sep = if fresh { "" } else { sep };
            let room = width.saturating_sub(cur.width() + sep.width());
            cur.push_str(sep);
            cur.push_str(&truncate(word, room.max(1)));
            fresh = false;
        }
        out.push_str(cur.trim_end());
        out.push_str(nl);
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
