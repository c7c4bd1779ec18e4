//! Fan charts: an indicator's distribution quarter by quarter over the
//! horizon (year to date, as statistical bureaus publish it), the median
//! with its 50% and 90% bands, the target as a line, the base year as the
//! origin. The data come from [`crate::fan::FanObserver`], carried along a run.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    CHART_WIDTH, Heading, INK, LINE, MUTED, PLOT_HEIGHT, SMALL_TEXT, THRESHOLD, draw_err, finite,
    fit, font, name, padded, tick_format, with_title,
};
use crate::fan::IndicatorFan;
use crate::report::TargetResult;
use crate::report::format::short;

/// Opacity of the 90% band (the 50% band is drawn over it).
pub const OUTER_BAND: f64 = 0.18;
/// Opacity of the 50% band.
pub const INNER_BAND: f64 = 0.38;

/// Position on the time axis: quarters after the end of the base year.
fn at(base_year: i32, year: i32, quarter: u8) -> f64 {
    f64::from(4 * (year - base_year - 1) + i32::from(quarter))
}

/// The fan of `target`'s indicator, with the target's bound as a line.
///
/// `base_year` is the scenario's base year (the origin of the time axis).
///
/// # Errors
/// `Model` when the fan has no point or a number to draw is not finite.
pub fn fan_svg(
    fan: &IndicatorFan,
    target: &TargetResult,
    base_year: i32,
    paths: u64,
) -> crate::Result<String> {
    if fan.points.is_empty() {
        return Err(crate::Error::Model(format!(
            "cannot draw the fan of {}: no points",
            fan.indicator
        )));
    }
    for p in &fan.points {
        for v in [p.p5, p.p25, p.p50, p.p75, p.p95] {
            finite("a fan percentile", v)?;
        }
    }
    // The origin: the base-year value, or for an indicator without one (a
    // growth rate) its published value of the base year in `history`.
    let base = fan.base.or_else(|| {
        fan.history
            .iter()
            .find(|(y, v)| *y == base_year && v.is_finite())
            .map(|h| h.1)
    });
    let base = match base {
        Some(b) => Some(finite("the base-year value", b)?),
        None => None,
    };
    // The bound applied, on the indicator's own axis (none when judged
    // against another indicator).
    let bound = match (target.relative_to.is_some(), target.op.as_str()) {
        (true, _) => None,
        (false, "at_least") => Some(target.threshold - target.tolerance),
        (false, "at_most") => Some(target.threshold + target.tolerance),
        (false, _) => Some(target.threshold),
    };
    let last = fan
        .points
        .iter()
        .map(|p| at(base_year, p.year, p.quarter))
        .fold(0.0, f64::max);
    // History: annual values of the years before the base year, at the
    // position of their Q4 (the base year's value sits at the origin).
    let history: Vec<(f64, f64)> = fan
        .history
        .iter()
        .filter(|(y, v)| *y < base_year && v.is_finite())
        .map(|&(y, v)| (f64::from(4 * (y - base_year)), v))
        .collect();
    let first = history.iter().map(|h| h.0).fold(0.0, f64::min);
    let (x0, x1) = (first - 0.4, last + 0.6);
    let lo = fan
        .points
        .iter()
        .map(|p| p.p5)
        .chain(base)
        .chain(bound)
        .chain(history.iter().map(|h| h.1))
        .fold(f64::INFINITY, f64::min);
    let hi = fan
        .points
        .iter()
        .map(|p| p.p95)
        .chain(base)
        .chain(bound)
        .chain(history.iter().map(|h| h.1))
        .fold(f64::NEG_INFINITY, f64::max);
    let (y0, y1) = padded(lo, hi, 0.08);

    let title = format!(
        "{}: {}",
        name(&fan.label, fan.label_zh.as_deref()),
        if fan.quarterly {
            "quarter by quarter, year to date"
        } else {
            "year by year"
        }
    );
    let subtitle = format!(
        "{paths} paths{}{}; target: {} ({}), met if {}",
        match base {
            Some(b) => format!(", from {} in {base_year}", short(b)),
            None => String::new(),
        },
        match (history.first(), fan.history.first()) {
            (Some(_), Some((y, _))) => format!(" (history from {y})"),
            _ => String::new(),
        },
        target.label,
        target.year,
        crate::report::table::condition(target)
    );
    let heading = Heading::new(&title, &subtitle, f64::from(CHART_WIDTH) - 32.0);
    let legend_row = 24;
    let head_h = heading.height(legend_row);
    let size = (CHART_WIDTH, head_h + PLOT_HEIGHT);
    let unit = if fan.unit.is_empty() {
        fan.label.clone()
    } else {
        format!("{} ({})", fan.label, fan.unit)
    };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (head, body) = root.split_vertically(head_h);
        let y = heading.draw(&head)?;
        legend(&head, y)?;

        let mut chart = ChartBuilder::on(&body)
            .margin_left(10)
            .margin_right(18)
            .margin_top(6)
            .margin_bottom(6)
            .x_label_area_size(64)
            .y_label_area_size(62)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
            .y_desc(fit_desc(&unit, 14.0, f64::from(PLOT_HEIGHT) - 80.0))
            .axis_desc_style(
                font(fit(&unit, 14.0, f64::from(PLOT_HEIGHT) - 80.0).max(SMALL_TEXT)).color(&INK),
            )
            .label_style(font(14.0).color(&INK))
            .y_label_formatter(&tick_format(y0, y1))
            .y_labels(6)
            .draw()
            .map_err(draw_err)?;

        // Year boundaries.
        let years = (last / 4.0).ceil() as i32;
        for k in 1..years {
            let x = f64::from(4 * k);
            chart
                .draw_series(LineSeries::new(
                    [(x, y0), (x, y1)],
                    RGBColor(0xDD, 0xDD, 0xDD).stroke_width(1),
                ))
                .map_err(draw_err)?;
        }

        // History: a grey line and dots up to the base year's value.
        if !history.is_empty() {
            let line: Vec<(f64, f64)> = history
                .iter()
                .copied()
                .chain(base.map(|b| (0.0, b)))
                .collect();
            chart
                .draw_series(LineSeries::new(line, INK.stroke_width(2)))
                .map_err(draw_err)?;
            chart
                .draw_series(
                    history
                        .iter()
                        .map(|&(x, v)| Circle::new((x, v), 3, INK.filled())),
                )
                .map_err(draw_err)?;
        }

        // Bands and median: the origin, then the points in time order. A
        // growth indicator's year-to-date value starts afresh each Q1, so
        // each year is drawn as its own piece, joined to the origin only in
        // the first year.
        let mut pieces: Vec<Vec<(f64, [f64; 5])>> = vec![];
        let mut current_year = None;
        for p in &fan.points {
            if current_year != Some(p.year) {
                pieces.push(vec![]);
                current_year = Some(p.year);
            }
            let piece = pieces.last_mut().expect("a piece was just pushed");
            piece.push((
                at(base_year, p.year, p.quarter),
                [p.p5, p.p25, p.p50, p.p75, p.p95],
            ));
        }
        if let (Some(b), Some(first)) = (base, pieces.first_mut()) {
            first.insert(0, (0.0, [b; 5]));
        }
        // Non-quarterly fans: one piece across the years (annual points).
        if !fan.quarterly {
            let all: Vec<_> = pieces.concat();
            pieces = vec![all];
        }
        for piece in &pieces {
            for (lo, hi, alpha) in [(0, 4, OUTER_BAND), (1, 3, INNER_BAND)] {
                let poly: Vec<(f64, f64)> = piece
                    .iter()
                    .map(|(x, q)| (*x, q[hi]))
                    .chain(piece.iter().rev().map(|(x, q)| (*x, q[lo])))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        poly,
                        LINE.mix(alpha).filled(),
                    )))
                    .map_err(draw_err)?;
            }
            chart
                .draw_series(LineSeries::new(
                    piece.iter().map(|(x, q)| (*x, q[2])),
                    LINE.stroke_width(2),
                ))
                .map_err(draw_err)?;
            chart
                .draw_series(
                    piece
                        .iter()
                        .map(|(x, q)| Circle::new((*x, q[2]), 3, LINE.filled())),
                )
                .map_err(draw_err)?;
        }
        if let Some(b) = base {
            chart
                .draw_series(std::iter::once(Circle::new((0.0, b), 4, INK.filled())))
                .map_err(draw_err)?;
        }

        // The target as a line, with a marker on the year it is judged.
        if let Some(b) = bound {
            // Faint across the horizon, solid over the year that is judged.
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, b), (x1, b)],
                    8,
                    5,
                    THRESHOLD.mix(0.45).stroke_width(1),
                ))
                .map_err(draw_err)?;
            let tx = at(base_year, target.year, 4);
            chart
                .draw_series(LineSeries::new(
                    [(tx - 4.0, b), (tx, b)],
                    THRESHOLD.stroke_width(2),
                ))
                .map_err(draw_err)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (tx, b),
                    5,
                    THRESHOLD.stroke_width(2),
                )))
                .map_err(draw_err)?;
            let (px, py) = chart.backend_coord(&(x0, b));
            // Above the line unless it runs along the top of the plot.
            let above = b < y0 + 0.85 * (y1 - y0);
            root.draw(&Text::new(
                format!(
                    "target ({}): met if {}",
                    target.year,
                    crate::report::table::condition(target)
                ),
                (px + 6, if above { py - 4 } else { py + 4 }),
                font(SMALL_TEXT).color(&THRESHOLD).pos(Pos::new(
                    HPos::Left,
                    if above { VPos::Bottom } else { VPos::Top },
                )),
            ))
            .map_err(draw_err)?;
        }

        // Time labels. Annual points (history, the base year, a yearly
        // indicator's values) carry their year; a year-to-date fan's
        // quarters carry Q1..Q4 with their year on a second row, centred
        // under its four quarters, so every quarter says which year it is.
        let mut ticks: Vec<(f64, String, bool)> = history
            .iter()
            .zip(&fan.history)
            .map(|((x, _), (y, _))| (*x, y.to_string(), true))
            .collect();
        ticks.push((0.0, base_year.to_string(), true));
        let mut years_row: Vec<(f64, i32)> = vec![];
        // With many years on the axis (a long history) a quarter is too
        // narrow for its label: only Q4, the whole year, is then labelled.
        let quarter_px = chart.backend_coord(&(1.0, y0)).0 - chart.backend_coord(&(0.0, y0)).0;
        let every_quarter = quarter_px >= 20;
        for p in &fan.points {
            let x = at(base_year, p.year, p.quarter);
            if fan.quarterly {
                if every_quarter || p.quarter == 4 {
                    ticks.push((x, format!("Q{}", p.quarter), p.quarter == 4));
                }
                if p.quarter == 1 {
                    years_row.push((x + 1.5, p.year));
                }
            } else {
                ticks.push((x, p.year.to_string(), true));
            }
        }
        for (x, label, strong) in ticks {
            let (px, py) = chart.backend_coord(&(x, y0));
            root.draw(&Text::new(
                label,
                (px, py + 6),
                font(if strong { 14.0 } else { SMALL_TEXT })
                    .color(if strong { &INK } else { &MUTED })
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
        for (x, year) in years_row {
            let (px, py) = chart.backend_coord(&(x, y0));
            root.draw(&Text::new(
                year.to_string(),
                (px, py + 24),
                font(14.0)
                    .style(FontStyle::Bold)
                    .color(&INK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
        let (_, py) = chart.backend_coord(&(x0, y0));
        root.draw(&Text::new(
            if fan.quarterly && every_quarter {
                "year to date: Q1, H1 (Q2), Q1-3 (Q3), whole year (Q4)"
            } else if fan.quarterly {
                "year to date each quarter; Q4: the whole year"
            } else {
                "year (the model has this indicator per year only)"
            },
            (CHART_WIDTH as i32 / 2, py + 44),
            font(SMALL_TEXT)
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(with_title(svg, &title))
}

/// The axis title `text`, cut with "…" when even at [`SMALL_TEXT`] it would
/// be longer than `room` pixels.
fn fit_desc(text: &str, px: f64, room: f64) -> String {
    if super::text_width(text, px.min(SMALL_TEXT)) <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if super::text_width(&format!("{out}{c}…"), SMALL_TEXT) > room {
            break;
        }
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// The legend of the bands, the median and the target, in a row at `y`.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    y: i32,
) -> crate::Result<()> {
    let mut x = 16;
    let label = |area: &DrawingArea<DB, plotters::coord::Shift>, x: i32, text: &str| {
        area.draw(&Text::new(
            text.to_string(),
            (x, y + 1),
            font(SMALL_TEXT).color(&INK),
        ))
        .map_err(draw_err)
    };
    // The 50% band is drawn over the 90% band, so its swatch is both.
    for (name, alphas) in [
        ("90% of paths", &[OUTER_BAND][..]),
        ("50% of paths", &[OUTER_BAND, INNER_BAND][..]),
    ] {
        for &a in alphas {
            area.draw(&Rectangle::new(
                [(x, y + 2), (x + 22, y + 16)],
                LINE.mix(a).filled(),
            ))
            .map_err(draw_err)?;
        }
        label(area, x + 28, name)?;
        x += 28 + super::text_width(name, SMALL_TEXT) as i32 + 16;
    }
    area.draw(&Rectangle::new(
        [(x, y + 8), (x + 22, y + 10)],
        LINE.filled(),
    ))
    .map_err(draw_err)?;
    label(area, x + 28, "median")?;
    x += 28 + super::text_width("median", SMALL_TEXT) as i32 + 16;
    area.draw(&Rectangle::new(
        [(x, y + 8), (x + 22, y + 10)],
        THRESHOLD.filled(),
    ))
    .map_err(draw_err)?;
    label(area, x + 28, "target")?;
    Ok(())
}
