//! Charts of `attain sweep`: the probability of attainment against the swept
//! parameters, one panel per target. One parameter gives a line with its 95%
//! interval as a band; two give a heat map whose cells carry the probability
//! and the half-width of its interval.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{INK, LINE, MUTED, draw_err, finite, fit, font, pct, tick_format, with_title};
use crate::error::Error;
use crate::report::format::short;
use crate::study::{SweepResult, SweepRow};

const HEADER: u32 = 60;

/// Check that a sweep of `parameters` swept parameters can be charted.
///
/// # Errors
/// `Argument` (naming the `chart` setting) unless there are one or two.
pub fn check_dimensions(parameters: usize) -> crate::Result<()> {
    if (1..=2).contains(&parameters) {
        Ok(())
    } else {
        Err(Error::argument(
            "chart",
            format!(
                "charts a sweep of one parameter (a line) or two (a heat map); this sweep has {parameters}"
            ),
        ))
    }
}

/// A heat-map colour for a probability (viridis, which stays readable in
/// grey and for colour-blind readers).
pub fn heat(p: f64) -> RGBColor {
    const STOPS: [(f64, (f64, f64, f64)); 5] = [
        (0.0, (68.0, 1.0, 84.0)),
        (0.25, (59.0, 82.0, 139.0)),
        (0.5, (33.0, 145.0, 140.0)),
        (0.75, (94.0, 201.0, 98.0)),
        (1.0, (253.0, 231.0, 37.0)),
    ];
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let k = STOPS.iter().position(|s| p <= s.0).unwrap_or(4).max(1);
    let ((a, ca), (b, cb)) = (STOPS[k - 1], STOPS[k]);
    let f = (p - a) / (b - a);
    let mix = |x: f64, y: f64| (x + f * (y - x)).round() as u8;
    RGBColor(mix(ca.0, cb.0), mix(ca.1, cb.1), mix(ca.2, cb.2))
}

/// The sweep as one SVG: a panel per target.
///
/// # Errors
/// `Argument` unless one or two parameters were swept; `Model` if a
/// probability or a swept value is not finite.
pub fn sweep_svg(result: &SweepResult) -> crate::Result<String> {
    draw_sweep(result, &result.parameters, &[])
}

/// [`sweep_svg`] for a sweep of `raw`: the axes named by label, field and
/// unit ([`super::parameter_label`]) instead of the parameter paths, and on
/// a line chart the scenario's own value of the parameter marked.
///
/// # Errors
/// As [`sweep_svg`].
pub fn sweep_svg_for(
    result: &SweepResult,
    raw: &crate::scenario::RawScenario,
) -> crate::Result<String> {
    let labels = super::parameter_labels(raw, &result.parameters);
    let own: Vec<Option<f64>> = result
        .parameters
        .iter()
        .map(|p| {
            crate::study::params::get(raw, p)
                .ok()
                .filter(|v| v.is_finite())
        })
        .collect();
    draw_sweep(result, &labels, &own)
}

fn draw_sweep(
    result: &SweepResult,
    labels: &[String],
    own: &[Option<f64>],
) -> crate::Result<String> {
    check_dimensions(result.parameters.len())?;
    for r in &result.rows {
        for v in &r.values {
            finite("a swept value", *v)?;
        }
        for p in [r.probability, r.ci95_low, r.ci95_high] {
            finite("a probability", p)?;
        }
    }
    let two = result.parameters.len() == 2;
    let n = result.labels.len().max(1);
    let cols = if n == 1 { 1 } else { 2 };
    let rows = n.div_ceil(cols);
    let (pw, ph) = match (two, n) {
        (false, 1) => (820, 440),
        (false, _) => (520, 320),
        (true, 1) => (820, 580),
        (true, _) => (560, 460),
    };
    let size = (pw * cols as u32, HEADER + ph * rows as u32);
    let title = format!(
        "{}: P(met) against {}",
        result.scenario,
        labels.join(" and ")
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (head, body) = root.split_vertically(HEADER);
        let room = f64::from(size.0) - 32.0;
        head.draw(&Text::new(
            title.clone(),
            (16, 10),
            font(fit(&title, 18.0, room))
                .style(FontStyle::Bold)
                .color(&INK),
        ))
        .map_err(draw_err)?;
        let sub = format!(
            "{} point{} × {} paths, seed {} at every point (the same random numbers); {}",
            result.points,
            if result.points == 1 { "" } else { "s" },
            result.paths,
            result.seed,
            if two {
                "cells show P(met) and ± the half-width of its 95% interval"
            } else {
                "band: 95% interval of P(met)"
            }
        );
        let px = fit(&sub, 12.0, room);
        head.draw(&Text::new(sub, (16, 36), font(px).color(&MUTED)))
            .map_err(draw_err)?;
        let panels = body.split_evenly((rows, cols));
        for ((id, label), panel) in result.labels.iter().zip(&panels) {
            let rows: Vec<&SweepRow> = result.rows.iter().filter(|r| &r.target == id).collect();
            let heading = label.clone();
            if two {
                heat_panel(panel, &heading, labels, &rows)?;
            } else {
                line_panel(
                    panel,
                    &heading,
                    &labels[0],
                    own.first().copied().flatten(),
                    &rows,
                )?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    Ok(with_title(svg, &title))
}

fn line_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    parameter: &str,
    own: Option<f64>,
    rows: &[&SweepRow],
) -> crate::Result<()> {
    let mut pts: Vec<(f64, f64, f64, f64)> = rows
        .iter()
        .map(|r| (r.values[0], r.probability, r.ci95_low, r.ci95_high))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (head, body) = area.split_vertically(30);
    let room = f64::from(area.dim_in_pixel().0) - 28.0;
    head.draw(&Text::new(
        heading.to_string(),
        (14, 8),
        font(fit(heading, 14.0, room))
            .style(FontStyle::Bold)
            .color(&INK),
    ))
    .map_err(draw_err)?;
    if pts.is_empty() {
        return Ok(());
    }
    let (xmin, xmax) = (pts[0].0, pts[pts.len() - 1].0);
    let (xmin, xmax) = match own {
        Some(v) => (xmin.min(v), xmax.max(v)),
        None => (xmin, xmax),
    };
    let (x0, x1) = super::padded(xmin, xmax, 0.04);
    let lo = pts.iter().map(|p| p.2).fold(1.0, f64::min);
    let hi = pts.iter().map(|p| p.3).fold(0.0, f64::max);
    let span = (hi - lo).max(0.1);
    let mid = 0.5 * (lo + hi);
    let (mut y0, mut y1) = (mid - span * 0.6, mid + span * 0.6);
    if y0 < 0.0 {
        (y0, y1) = (0.0, y1 - y0);
    }
    if y1 > 1.0 {
        (y0, y1) = ((y0 - (y1 - 1.0)).max(0.0), 1.0);
    }
    let mut chart = ChartBuilder::on(&body)
        .margin_left(8)
        .margin_right(24)
        .margin_bottom(6)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
        .x_desc(parameter)
        .y_desc("P(met)")
        .axis_desc_style(font(12.5).color(&INK))
        .label_style(font(11.5).color(&INK))
        .x_label_formatter(&tick_format(x0, x1))
        .y_label_formatter(&|y| format!("{:.0}%", 100.0 * y))
        .x_labels(7)
        .y_labels(6)
        .draw()
        .map_err(draw_err)?;
    // The even-odds line, and the scenario's own value of the parameter.
    if (y0..=y1).contains(&0.5) {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, 0.5), (x1, 0.5)],
                6,
                4,
                MUTED.stroke_width(1),
            ))
            .map_err(draw_err)?;
        let (px, py) = chart.backend_coord(&(x0, 0.5));
        let (ox, oy) = area.get_base_pixel();
        area.draw(&Text::new(
            "50%",
            (px - ox + 4, py - oy - 3),
            font(11.0)
                .color(&MUTED)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        ))
        .map_err(draw_err)?;
    }
    if let Some(v) = own {
        chart
            .draw_series(DashedLineSeries::new(
                [(v, y0), (v, y1)],
                4,
                3,
                super::THRESHOLD.stroke_width(1),
            ))
            .map_err(draw_err)?;
        let (px, py) = chart.backend_coord(&(v, y1));
        let (ox, oy) = area.get_base_pixel();
        area.draw(&Text::new(
            format!("scenario: {}", short(v)),
            (px - ox + 4, py - oy + 2),
            font(11.0)
                .color(&super::THRESHOLD)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(draw_err)?;
    }
    let band: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| (p.0, p.3))
        .chain(pts.iter().rev().map(|p| (p.0, p.2)))
        .collect();
    chart
        .draw_series(std::iter::once(Polygon::new(band, LINE.mix(0.22).filled())))
        .map_err(draw_err)?;
    chart
        .draw_series(LineSeries::new(
            pts.iter().map(|p| (p.0, p.1)),
            LINE.stroke_width(2),
        ))
        .map_err(draw_err)?;
    chart
        .draw_series(
            pts.iter()
                .map(|p| Circle::new((p.0, p.1), 3, LINE.filled())),
        )
        .map_err(draw_err)?;
    if pts.len() <= 12 {
        let (ox, oy) = area.get_base_pixel();
        for p in &pts {
            let (px, py) = chart.backend_coord(&(p.0, p.1));
            area.draw(&Text::new(
                pct(p.1),
                (px - ox, py - oy - 8),
                font(10.5)
                    .color(&INK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))
            .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// Distinct values in order of first appearance.
fn levels(rows: &[&SweepRow], k: usize) -> Vec<f64> {
    let mut out: Vec<f64> = vec![];
    for r in rows {
        if !out.contains(&r.values[k]) {
            out.push(r.values[k]);
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

fn heat_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    parameters: &[String],
    rows: &[&SweepRow],
) -> crate::Result<()> {
    let (head, body) = area.split_vertically(30);
    let room = f64::from(area.dim_in_pixel().0) - 28.0;
    head.draw(&Text::new(
        heading.to_string(),
        (14, 8),
        font(fit(heading, 14.0, room))
            .style(FontStyle::Bold)
            .color(&INK),
    ))
    .map_err(draw_err)?;
    let (xs, ys) = (levels(rows, 0), levels(rows, 1));
    if xs.is_empty() || ys.is_empty() {
        return Ok(());
    }
    let (nx, ny) = (xs.len() as f64, ys.len() as f64);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(8)
        .margin_right(90)
        .margin_bottom(6)
        .margin_top(4)
        .x_label_area_size(48)
        .y_label_area_size(74)
        .build_cartesian_2d(0.0..nx, 0.0..ny)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(parameters[0].as_str())
        .y_desc(parameters[1].as_str())
        .axis_desc_style(font(12.5).color(&INK))
        .draw()
        .map_err(draw_err)?;
    let index = |v: &[f64], x: f64| v.iter().position(|&y| y == x).unwrap_or(0) as f64;
    chart
        .draw_series(rows.iter().map(|r| {
            let (i, j) = (index(&xs, r.values[0]), index(&ys, r.values[1]));
            Rectangle::new([(i, j), (i + 1.0, j + 1.0)], heat(r.probability).filled())
        }))
        .map_err(draw_err)?;
    let (ox, oy) = area.get_base_pixel();
    let (cx0, cy0) = chart.backend_coord(&(0.0, 1.0));
    let (cx1, cy1) = chart.backend_coord(&(1.0, 0.0));
    let (cell_w, cell_h) = (cx1 - cx0, cy1 - cy0);
    for r in rows {
        let (i, j) = (index(&xs, r.values[0]), index(&ys, r.values[1]));
        let (px, py) = chart.backend_coord(&(i + 0.5, j + 0.5));
        let ink = if r.probability < 0.6 { WHITE } else { INK };
        if cell_w >= 34 && cell_h >= 14 {
            let big = cell_h >= 34 && cell_w >= 44;
            area.draw(&Text::new(
                if r.probability < 0.1 {
                    format!("{:.1}%", 100.0 * r.probability)
                } else {
                    format!("{:.0}%", 100.0 * r.probability)
                },
                (px - ox, py - oy - if big { 7 } else { 0 }),
                font(if big { 12.5 } else { 10.5 })
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(draw_err)?;
            if big {
                let half = 0.5 * (r.ci95_high - r.ci95_low) * 100.0;
                area.draw(&Text::new(
                    format!("±{half:.1}"),
                    (px - ox, py - oy + 8),
                    font(10.0)
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(draw_err)?;
            }
        }
    }
    // Tick labels at the cell centres (thinned when crowded).
    let step = |n: usize, room: i32| {
        let need = 44;
        let per = (room / n.max(1) as i32).max(1);
        (need / per + 1).max(1) as usize
    };
    let sx = step(xs.len(), cell_w * xs.len() as i32);
    for (i, x) in xs.iter().enumerate().filter(|(i, _)| i % sx == 0) {
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        area.draw(&Text::new(
            short(*x),
            (px - ox, py - oy + 6),
            font(11.5)
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(draw_err)?;
    }
    let sy = if cell_h >= 16 {
        1
    } else {
        (16 / cell_h.max(1) + 1) as usize
    };
    for (j, y) in ys.iter().enumerate().filter(|(j, _)| j % sy == 0) {
        let (px, py) = chart.backend_coord(&(0.0, j as f64 + 0.5));
        area.draw(&Text::new(
            short(*y),
            (px - ox - 6, py - oy),
            font(11.5)
                .color(&INK)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(draw_err)?;
    }
    // Colour bar to the right of the plot.
    let (_, top) = chart.backend_coord(&(nx, ny));
    let (right, bottom) = chart.backend_coord(&(nx, 0.0));
    let (bx, steps) = (right - ox + 22, 40);
    let h = (bottom - top).max(steps);
    for s in 0..steps {
        let p0 = s as f64 / steps as f64;
        let y_hi = top - oy + h - h * (s + 1) / steps;
        let y_lo = top - oy + h - h * s / steps;
        area.draw(&Rectangle::new(
            [(bx, y_hi), (bx + 14, y_lo)],
            heat(p0 + 0.5 / steps as f64).filled(),
        ))
        .map_err(draw_err)?;
    }
    for (p, frac) in [("100%", 0), ("50%", 1), ("0%", 2)] {
        area.draw(&Text::new(
            p,
            (bx + 20, top - oy + h * frac / 2),
            font(11.0)
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_scale_runs_from_dark_to_light() {
        assert_eq!(heat(0.0), RGBColor(68, 1, 84));
        assert_eq!(heat(1.0), RGBColor(253, 231, 37));
        assert_eq!(heat(0.5), RGBColor(33, 145, 140));
        assert_eq!(heat(f64::NAN), heat(0.0));
        assert_eq!(heat(2.0), heat(1.0));
    }

    #[test]
    fn only_one_or_two_parameters_chart() {
        assert!(check_dimensions(0).is_err());
        assert!(check_dimensions(1).is_ok());
        assert!(check_dimensions(2).is_ok());
        assert!(check_dimensions(3).is_err());
    }
}
