//! Tornado charts from `attain sensitivity`: for each target, one bar per
//! input from the probability at its low setting to the probability at its
//! high setting, through the baseline, largest swing on top.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    HIGH_SETTING, INK, LOW_SETTING, MUTED, draw_err, finite, fit, font, pct, with_title, wrap,
};
use crate::report::format::setting_pair;
use crate::study::{SensitivityResult, TargetSensitivity};

/// Width of the chart in pixels.
pub const WIDTH: u32 = 1000;
/// Bars drawn per target (the largest swings).
pub const MAX_BARS: usize = 12;
const ROW: u32 = 26;
const PANEL_CHROME: u32 = 120;
const HEADER: u32 = 58;
const NOTE_LINE: u32 = 17;

fn panel_height(t: &TargetSensitivity) -> u32 {
    PANEL_CHROME + ROW * t.bars.len().clamp(1, MAX_BARS) as u32
}

/// The label of a bar: the input and the settings it was moved between.
fn bar_label(b: &crate::study::Bar, raw: Option<&crate::scenario::RawScenario>) -> String {
    let name = match raw {
        Some(raw) => b.label(raw),
        None => b.input.clone(),
    };
    if b.kind == "event" {
        format!("{name}  off → on")
    } else {
        let (low, high) = setting_pair(b.low, b.high);
        format!("{name}  {low} → {high}")
    }
}

/// Every analysed target's tornado, one panel under another, as one SVG.
///
/// # Errors
/// `Model` if a probability is not finite.
pub fn tornado_svg(result: &SensitivityResult) -> crate::Result<String> {
    draw_tornado(result, None)
}

/// [`tornado_svg`] for a sensitivity of `raw`: each bar named by the label
/// of its input, field and unit ([`crate::study::Bar::label`]; an event by
/// its label) instead of its path or id.
///
/// # Errors
/// As [`tornado_svg`].
pub fn tornado_svg_for(
    result: &SensitivityResult,
    raw: &crate::scenario::RawScenario,
) -> crate::Result<String> {
    draw_tornado(result, Some(raw))
}

fn draw_tornado(
    result: &SensitivityResult,
    raw: Option<&crate::scenario::RawScenario>,
) -> crate::Result<String> {
    let mut notes = vec![format!(
        "{} paths per run, seed {}, the same random numbers in every run.",
        result.paths, result.seed
    )];
    notes.extend(wrap(&result.method, 12.0, f64::from(WIDTH) - 32.0));
    let header = HEADER + NOTE_LINE * (notes.len() as u32 - 1);
    let height = header + result.targets.iter().map(panel_height).sum::<u32>().max(40);
    let title = format!("Sensitivity of P(met): {}", result.scenario);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (head, mut rest) = root.split_vertically(header);
        head.draw(&Text::new(
            title.clone(),
            (16, 10),
            font(18.0).style(FontStyle::Bold).color(&INK),
        ))
        .map_err(draw_err)?;
        for (k, line) in notes.into_iter().enumerate() {
            head.draw(&Text::new(
                line,
                (16, 34 + (NOTE_LINE as i32) * k as i32),
                font(12.0).color(&MUTED),
            ))
            .map_err(draw_err)?;
        }
        if result.targets.is_empty() {
            rest.draw(&Text::new(
                "no target analysed",
                (16, 10),
                font(13.0).color(&INK),
            ))
            .map_err(draw_err)?;
        }
        for t in &result.targets {
            let (panel, below) = rest.split_vertically(panel_height(t));
            draw_panel(&panel, t, raw)?;
            rest = below;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(with_title(svg, &title))
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    t: &TargetSensitivity,
    raw: Option<&crate::scenario::RawScenario>,
) -> crate::Result<()> {
    let p0 = finite("the baseline probability", t.probability)?;
    let bars: Vec<_> = t.bars.iter().take(MAX_BARS).collect();
    for b in &bars {
        finite("a probability", b.probability_low)?;
        finite("a probability", b.probability_high)?;
    }
    let (head, body) = area.split_vertically(50);
    let heading = format!(
        "{}: baseline P(met) {} (95% CI {}–{})",
        t.label,
        pct(p0),
        pct(t.ci95[0]),
        pct(t.ci95[1])
    );
    let px = fit(&heading, 15.0, f64::from(WIDTH) - 32.0);
    head.draw(&Text::new(
        heading,
        (16, 8),
        font(px).style(FontStyle::Bold).color(&INK),
    ))
    .map_err(draw_err)?;
    // Legend.
    let legend = [
        (LOW_SETTING, "P(met) at the low setting (event forced off)"),
        (HIGH_SETTING, "P(met) at the high setting (event forced on)"),
    ];
    let mut x = 16;
    for (colour, text) in legend {
        head.draw(&Rectangle::new([(x, 32), (x + 12, 44)], colour.filled()))
            .map_err(draw_err)?;
        head.draw(&Text::new(text, (x + 18, 31), font(12.0).color(&INK)))
            .map_err(draw_err)?;
        x += 330;
    }
    if bars.is_empty() {
        body.draw(&Text::new(
            "no input to move for this target",
            (16, 10),
            font(13.0).color(&MUTED),
        ))
        .map_err(draw_err)?;
        return Ok(());
    }
    let lo = bars
        .iter()
        .flat_map(|b| [b.probability_low, b.probability_high])
        .fold(p0, f64::min);
    let hi = bars
        .iter()
        .flat_map(|b| [b.probability_low, b.probability_high])
        .fold(p0, f64::max);
    let span = (hi - lo).max(0.02);
    let (x0, x1) = ((lo - span * 0.12).max(0.0), (hi + span * 0.12).min(1.0));
    let n = bars.len() as f64;
    let mut chart = ChartBuilder::on(&body)
        .margin_left(8)
        .margin_right(30)
        .margin_bottom(8)
        .x_label_area_size(40)
        .y_label_area_size(400)
        .build_cartesian_2d(x0..x1, 0.0..n)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
        .x_desc("probability of attainment")
        .axis_desc_style(font(12.5).color(&INK))
        .label_style(font(12.0).color(&INK))
        .x_label_formatter(&|x| format!("{:.0}%", 100.0 * x))
        .x_labels(8)
        .draw()
        .map_err(draw_err)?;
    let centre = |i: usize| n - i as f64 - 0.5;
    // backend_coord gives pixels of the whole image; `area` draws relative to its corner.
    let (ox, oy) = area.get_base_pixel();
    let plot_w = chart.backend_coord(&(x1, 0.0)).0 - chart.backend_coord(&(x0, 0.0)).0;
    let mut rects = vec![];
    for (i, b) in bars.iter().enumerate() {
        let (y0, y1) = (centre(i) - 0.34, centre(i) + 0.34);
        // The longer segment first, so that a shorter one on the same side stays visible.
        let mut segs = [
            (b.probability_low, LOW_SETTING),
            (b.probability_high, HIGH_SETTING),
        ];
        segs.sort_by(|a, c| (c.0 - p0).abs().total_cmp(&(a.0 - p0).abs()));
        for (p, colour) in segs {
            rects.push(Rectangle::new(
                [(p0, y0), (p, y1)],
                colour.mix(0.85).filled(),
            ));
        }
    }
    chart.draw_series(rects).map_err(draw_err)?;
    chart
        .draw_series(LineSeries::new([(p0, 0.0), (p0, n)], INK.stroke_width(1)))
        .map_err(draw_err)?;
    for (i, b) in bars.iter().enumerate() {
        let (lx, ly) = chart.backend_coord(&(x0, centre(i)));
        let label = bar_label(b, raw);
        let px = fit(&label, 12.0, 384.0);
        area.draw(&Text::new(
            label,
            (lx - 8 - ox, ly - oy),
            font(px)
                .color(&INK)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(draw_err)?;
        // The two probabilities at the ends of the bar.
        for p in [b.probability_low, b.probability_high] {
            let (px, py) = chart.backend_coord(&(p, centre(i)));
            // Outside the end of the bar, or inside it near the plot's edge.
            let room = 40.0 / f64::from(plot_w.max(1)) * (x1 - x0);
            let (dx, h, colour) = match (p < p0, p - x0 < room, x1 - p < room) {
                (true, false, _) => (-4, HPos::Right, MUTED),
                (true, true, _) => (4, HPos::Left, WHITE),
                (false, _, false) => (4, HPos::Left, MUTED),
                (false, _, true) => (-4, HPos::Right, WHITE),
            };
            area.draw(&Text::new(
                pct(p),
                (px + dx - ox, py - oy),
                font(10.5).color(&colour).pos(Pos::new(h, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
    }
    Ok(())
}
