//! Fan charts: an indicator's distribution quarter by quarter over the
//! horizon (year to date, as statistical bureaus publish it), the median
//! with its 50% and 90% bands, the target as a line, the base year as the
//! origin. The data come from [`crate::fan::FanObserver`], carried along a run.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    INK, LINE, MUTED, THRESHOLD, draw_err, finite, fit, font, name, padded, tick_format, with_title,
};
use crate::fan::IndicatorFan;
use crate::report::TargetResult;
use crate::report::format::short;

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (760, 430);

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
    let base = match fan.base {
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
    let (x0, x1) = (-0.4, last + 0.6);
    let lo = fan
        .points
        .iter()
        .map(|p| p.p5)
        .chain(base)
        .chain(bound)
        .fold(f64::INFINITY, f64::min);
    let hi = fan
        .points
        .iter()
        .map(|p| p.p95)
        .chain(base)
        .chain(bound)
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
        "median, 50% and 90% bands of {paths} paths{}; target {} ({}): met if {}",
        match base {
            Some(b) => format!(", from {} in {base_year}", short(b)),
            None => String::new(),
        },
        target.id,
        target.year,
        crate::report::table::condition(target)
    );

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let room = f64::from(SIZE.0) - 32.0;
        let (head, body) = root.split_vertically(62);
        head.draw(&Text::new(
            title.clone(),
            (16, 10),
            font(fit(&title, 17.0, room))
                .style(FontStyle::Bold)
                .color(&INK),
        ))
        .map_err(draw_err)?;
        let px = fit(&subtitle, 13.0, room);
        head.draw(&Text::new(subtitle, (16, 36), font(px).color(&MUTED)))
            .map_err(draw_err)?;

        let mut chart = ChartBuilder::on(&body)
            .margin_left(12)
            .margin_right(24)
            .margin_top(6)
            .margin_bottom(6)
            .x_label_area_size(48)
            .y_label_area_size(58)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
            .y_desc(format!("{} ({})", fan.indicator, fan.unit))
            .axis_desc_style(font(12.5).color(&INK))
            .label_style(font(12.0).color(&INK))
            .y_label_formatter(&tick_format(y0, y1))
            .y_labels(7)
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
                font(12.0).color(&THRESHOLD).pos(Pos::new(
                    HPos::Left,
                    if above { VPos::Bottom } else { VPos::Top },
                )),
            ))
            .map_err(draw_err)?;
        }

        // Time labels: the base year at the origin, Q1..Q3, then the year at Q4.
        let mut ticks: Vec<(f64, String, bool)> = vec![(0.0, base_year.to_string(), true)];
        for p in &fan.points {
            let x = at(base_year, p.year, p.quarter);
            if p.quarter == 4 {
                ticks.push((x, p.year.to_string(), true));
            } else {
                ticks.push((x, format!("Q{}", p.quarter), false));
            }
        }
        for (x, label, strong) in ticks {
            let (px, py) = chart.backend_coord(&(x, y0));
            root.draw(&Text::new(
                label,
                (px, py + 6),
                font(if strong { 12.0 } else { 10.5 })
                    .color(if strong { &INK } else { &MUTED })
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
        let (_, py) = chart.backend_coord(&(x0, y0));
        root.draw(&Text::new(
            if fan.quarterly {
                "year to date: Q1, first half (Q2), first three quarters (Q3), year"
            } else {
                "year (the model has this indicator per year only)"
            },
            (f64::from(SIZE.0) as i32 / 2, py + 26),
            font(12.0)
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(with_title(svg, &title))
}
