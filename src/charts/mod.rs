//! Charts as SVG text: data in, a `String` out, no file I/O.
//!
//! Every chart is drawn with plotters' SVG backend, which writes labels as
//! `<text>` elements and leaves the glyphs to whatever renders the file (a
//! browser, an image viewer, a word processor). Chinese labels therefore need
//! a CJK font on the reader's machine; [`FONT_FAMILY`] names the common ones
//! before falling back to the generic `sans-serif`.
//!
//! * [`fan`]: an indicator quarter by quarter over the horizon, median with
//!   50% and 90% bands, the target as a line;
//! * [`distribution`]: a target's outcome distribution, threshold marked and
//!   the attaining side shaded, probability in the title;
//! * [`tornado`]: the bars of `attain sensitivity`;
//! * [`study`]: probability against one (line with band) or two (heat map)
//!   swept parameters, from `attain sweep`.
//!
//! Colours that carry meaning are constants here, so that tests (and readers
//! of the SVG) can find the threshold line or an interval band by its colour.
//! Plotters rounds coordinates to whole pixels; the functions reject
//! non-finite inputs before drawing, so no coordinate is ever NaN.

pub mod distribution;
pub mod fan;
pub mod study;
pub mod tornado;

use plotters::style::{FontDesc, RGBColor};

use crate::error::Error;

/// CSS font-family list written on every text element: CJK fonts first, so
/// that Chinese labels render on Linux (Noto, Source Han), Windows (Microsoft
/// YaHei) and macOS (PingFang), then the generic fallback.
pub const FONT_FAMILY: &str =
    "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif";

/// Threshold lines (the official figure or the bound applied).
pub const THRESHOLD: RGBColor = RGBColor(0xD6, 0x27, 0x28);
/// Histogram bars on the attaining side of the threshold.
pub const MET: RGBColor = RGBColor(0x2C, 0xA0, 0x2C);
/// Histogram bars on the other side.
pub const MISSED: RGBColor = RGBColor(0x9E, 0x9E, 0x9E);
/// Lines, and interval bands (drawn with transparency).
pub const LINE: RGBColor = RGBColor(0x1F, 0x77, 0xB4);
/// Tornado bars: the input's low setting.
pub const LOW_SETTING: RGBColor = RGBColor(0xE6, 0x7E, 0x22);
/// Tornado bars: the input's high setting.
pub const HIGH_SETTING: RGBColor = RGBColor(0x1F, 0x77, 0xB4);
/// Text and axes.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text.
pub const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);

/// The colour as SVG writes it (`#D62728`).
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// A font of `px` CSS pixels (plotters writes `font-size` as size / 1.24).
pub(crate) fn font(px: f64) -> FontDesc<'static> {
    FontDesc::from((FONT_FAMILY, px * 1.24))
}

/// Rough width of `text` in pixels at `px` CSS pixels: full-width (CJK)
/// characters take one em, others a little over half (the renderer's font
/// is unknown; this errs on the wide side).
pub(crate) fn text_width(text: &str, px: f64) -> f64 {
    text.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 1.0 } else { 0.58 })
        .sum::<f64>()
        * px
}

/// The font size, at most `px`, at which `text` fits in `width` pixels
/// (never below 9 px).
pub(crate) fn fit(text: &str, px: f64, width: f64) -> f64 {
    let w = text_width(text, px);
    if w <= width {
        px
    } else {
        (px * width / w).max(9.0)
    }
}

/// Split `text` into lines of at most `width` pixels at `px` (at spaces).
pub(crate) fn wrap(text: &str, px: f64, width: f64) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, px) > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Format axis ticks over `[lo, hi]` with as many decimals as about eight
/// ticks need (`2`, `2.5`, `0.25`), never `-0`.
pub(crate) fn tick_format(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let step = ((hi - lo) / 8.0).abs();
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        2
    };
    move |x: &f64| {
        let s = format!("{:.*}", decimals, x);
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }
}

/// A target's or an indicator's name: the local label, then the English one.
pub(crate) fn name(label: &str, label_zh: Option<&str>) -> String {
    match label_zh {
        Some(zh) if !zh.is_empty() => format!("{zh} · {label}"),
        _ => label.to_string(),
    }
}

/// A probability as a percentage (the one formatter, [`crate::report::format`]).
pub(crate) use crate::report::format::pct_of_paths as pct;

/// A drawing failure (plotters writing into a `String` does not fail, but
/// its API says it may).
pub(crate) fn draw_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("drawing a chart: {e}"))
}

/// Refuse to draw from a number that is not finite.
pub(crate) fn finite(what: &str, x: f64) -> crate::Result<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Error::Model(format!(
            "cannot chart {what}: it is not a finite number ({x})"
        )))
    }
}

/// Add an SVG `<title>` (shown as a tooltip and read by screen readers) just
/// after the opening `<svg ...>` tag.
pub(crate) fn with_title(svg: String, title: &str) -> String {
    match svg
        .find("<svg")
        .and_then(|s| svg[s..].find('>').map(|e| s + e + 1))
    {
        Some(at) => {
            let mut out = String::with_capacity(svg.len() + title.len() + 20);
            out.push_str(&svg[..at]);
            out.push_str("\n<title>");
            out.push_str(&html_escape::encode_text(title));
            out.push_str("</title>");
            out.push_str(&svg[at..]);
            out
        }
        None => svg,
    }
}

/// A "nice" axis range around `[lo, hi]` with a margin, never empty.
pub(crate) fn padded(lo: f64, hi: f64, margin: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - span * margin, hi + span * margin)
    } else {
        let d = if lo.abs() > 0.0 { lo.abs() * 0.05 } else { 1.0 };
        (lo - d, hi + d)
    }
}

/// Every target's charts for a finished run: its fan (when its indicator has
/// one) and its outcome distribution, in scenario order.
///
/// # Errors
/// Only if a chart cannot be drawn.
pub fn for_run(run: &crate::RunOutput) -> crate::Result<Vec<crate::report::html::TargetCharts>> {
    let (model, report, acc) = (&run.model, &run.report, &run.acc);
    let mut charts = Vec::with_capacity(report.targets.len());
    for ((t, a), mt) in report.targets.iter().zip(&acc.targets).zip(&model.targets) {
        let ind = &model.indicators[mt.indicator];
        let fan_of = run.fans.iter().find(|f| f.indicator == ind.id);
        let fan = fan_of
            .map(|f| {
                // A running total (`accumulate`) is counted towards its
                // target's year: its fan stops there.
                if matches!(ind.formula, crate::model::Formula::Accumulate(..)) {
                    let mut f = f.clone();
                    f.points.retain(|p| p.year <= t.year);
                    fan::fan_svg(&f, t, model.meta.base_year, acc.paths)
                } else {
                    fan::fan_svg(f, t, model.meta.base_year, acc.paths)
                }
            })
            .transpose()?;
        // A target judged against another indicator shows the gap judged.
        let gap = match (mt.relative_to, fan_of) {
            (Some(r), Some(f)) => f
                .gaps
                .iter()
                .find(|(id, h)| id == &t.id && h.count() > 0)
                .map(|(_, h)| distribution::gap_svg(t, h, acc.paths, &model.indicators[r].label)),
            _ => None,
        };
        let distribution = match gap {
            Some(svg) => svg?,
            None => distribution::outcome_svg(t, &a.hist, acc.paths)?,
        };
        charts.push(crate::report::html::TargetCharts {
            id: t.id.clone(),
            fan,
            distribution: Some(distribution),
        });
    }
    Ok(charts)
}

/// Width in pixels of the fan and distribution charts. Small enough that,
/// shown at the full width of a phone (about 360 px), their smallest text
/// ([`SMALL_TEXT`]) is still about 9 px high.
pub const CHART_WIDTH: u32 = 560;
/// Height of the plotting area of the fan and distribution charts (the
/// heading above it grows with the lines its title and subtitle need).
pub const PLOT_HEIGHT: u32 = 340;
/// The smallest font size, in CSS pixels, of a fan or distribution chart.
pub const SMALL_TEXT: f64 = 13.5;

/// A chart's heading: the title in bold and the subtitle, each wrapped to
/// `width` pixels at a legible size (never shrunk).
pub(crate) struct Heading {
    title: Vec<String>,
    sub: Vec<String>,
}

const TITLE_PX: f64 = 17.0;
const SUB_PX: f64 = 14.0;

impl Heading {
    pub(crate) fn new(title: &str, subtitle: &str, width: f64) -> Heading {
        Heading {
            title: wrap(title, TITLE_PX, width),
            sub: wrap(subtitle, SUB_PX, width),
        }
    }

    /// Pixels the heading takes, with `extra` below it (a legend row).
    pub(crate) fn height(&self, extra: u32) -> u32 {
        12 + 23 * self.title.len() as u32 + 19 * self.sub.len() as u32 + 6 + extra
    }

    /// Draw it from the top left corner of `area`; returns the y below it.
    pub(crate) fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> crate::Result<i32> {
        use plotters::prelude::*;
        let mut y = 10;
        for line in &self.title {
            area.draw(&Text::new(
                line.clone(),
                (16, y),
                font(TITLE_PX).style(FontStyle::Bold).color(&INK),
            ))
            .map_err(draw_err)?;
            y += 23;
        }
        y += 2;
        for line in &self.sub {
            area.draw(&Text::new(
                line.clone(),
                (16, y),
                font(SUB_PX).color(&MUTED),
            ))
            .map_err(draw_err)?;
            y += 19;
        }
        Ok(y + 4)
    }
}

/// A parameter path as a person reads it: the label of the sector,
/// indicator, event, shock or target it belongs to, the field in words and
/// its unit (`sectors.automobile.growth` -> "Automobile: growth (% a
/// year)"). Paths the scenario does not know are returned as given.
pub fn parameter_label(raw: &crate::scenario::RawScenario, path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let unit = crate::study::params::list(raw)
        .into_iter()
        .find(|p| p.path == path)
        .map(|p| p.unit)
        .filter(|u| !u.is_empty());
    let owner = match parts.as_slice() {
        ["sectors", id, ..] => raw
            .sectors
            .iter()
            .find(|s| s.id == *id)
            .map(|s| s.label.clone()),
        ["indicators", id, ..] => raw
            .indicators
            .iter()
            .find(|s| s.id == *id)
            .map(|s| s.label.clone()),
        ["events", id, ..] => raw
            .events
            .iter()
            .find(|s| s.id == *id)
            .map(|s| s.label.clone()),
        ["shocks", id, ..] => raw
            .shocks
            .iter()
            .find(|s| s.id == *id)
            .map(|s| s.label.clone()),
        ["targets", id, ..] => raw
            .targets
            .iter()
            .find(|s| s.id == *id)
            .map(|s| s.label.clone()),
        _ => None,
    };
    let field = parts
        .get(2..)
        .map(|f| f.join(" ").replace('_', " "))
        .unwrap_or_default();
    let text = match owner {
        Some(o) if !field.is_empty() => format!("{o}: {field}"),
        Some(o) => o,
        None => path.to_string(),
    };
    match unit {
        Some(u) => format!("{text} ({u})"),
        None => text,
    }
}

/// [`parameter_label`] of every path in `paths`.
pub fn parameter_labels(raw: &crate::scenario::RawScenario, paths: &[String]) -> Vec<String> {
    paths.iter().map(|p| parameter_label(raw, p)).collect()
}
