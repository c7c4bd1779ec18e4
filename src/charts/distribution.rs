//! A target's outcome distribution: the histogram of its indicator's value in
//! the target year, the bound that decides attainment marked, the attaining
//! side shaded, and the probability of attainment in the title.
//!
//! The run keeps each target's values in a [`LogHistogram`] (0.2% relative
//! resolution); [`bins`] regroups its buckets into equal-width bins for
//! display, spreading each bucket's count uniformly over its width.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    CHART_WIDTH, Heading, INK, LINE, MET, MISSED, MUTED, PLOT_HEIGHT, SMALL_TEXT, THRESHOLD,
    draw_err, finite, font, name, padded, pct, tick_format, with_title,
};
use crate::report::TargetResult;
use crate::report::format::{num, short};
use crate::stats::histogram::LogHistogram;

/// One equal-width bin of a distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Share of all values in the histogram that fall in the bin (0 to 1).
    pub share: f64,
}

/// Bins drawn per chart.
pub const BINS: usize = 60;

/// Regroup a histogram into `n` equal-width bins over `[lo, hi]`.
///
/// Each of the histogram's buckets (at most 0.2% of its magnitude wide) is
/// spread uniformly over its width; values outside `[lo, hi]` are left out,
/// so the shares add up to the fraction of values inside the range. Returns
/// no bins when `n` is 0, the range is empty or not finite.
pub fn bins(hist: &LogHistogram, lo: f64, hi: f64, n: usize) -> Vec<Bin> {
    if n == 0 || !lo.is_finite() || !hi.is_finite() || hi <= lo {
        return vec![];
    }
    let width = (hi - lo) / n as f64;
    let edge = |i: usize| if i == n { hi } else { lo + width * i as f64 };
    let mut counts = vec![0.0f64; n];
    for (blo, bhi, count) in hist.buckets() {
        if bhi <= lo || blo >= hi {
            continue;
        }
        let span = bhi - blo;
        let first = (((blo - lo) / width).floor().max(0.0) as usize).min(n - 1);
        let last = (((bhi - lo) / width).floor().max(0.0) as usize).min(n - 1);
        for (i, slot) in counts.iter_mut().enumerate().take(last + 1).skip(first) {
            let overlap = bhi.min(edge(i + 1)) - blo.max(edge(i));
            if overlap > 0.0 {
                *slot += count as f64 * if span > 0.0 { overlap / span } else { 1.0 };
            }
        }
    }
    let total = hist.count().max(1) as f64;
    counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| Bin {
            lo: edge(i),
            hi: edge(i + 1),
            share: c / total,
        })
        .collect()
}

/// Where a target is attained, on the axis of its indicator's value; `None`
/// for a target judged relative to another indicator (the histogram holds
/// the indicator itself, not the difference judged).
/// The bounds that decide attainment, and whether a value attains.
type Rule = (Vec<f64>, Box<dyn Fn(f64) -> bool>);

fn attaining(t: &TargetResult, gap: bool) -> Option<Rule> {
    if t.relative_to.is_some() && !gap {
        return None;
    }
    let (thr, tol) = (t.threshold, t.tolerance);
    Some(match t.op.as_str() {
        "at_least" => (vec![thr - tol], Box::new(move |x| x >= thr - tol)),
        "at_most" => (vec![thr + tol], Box::new(move |x| x <= thr + tol)),
        _ => (
            vec![thr - tol, thr + tol],
            Box::new(move |x| (x - thr).abs() <= tol),
        ),
    })
}

/// The outcome distribution of one target as an SVG document.
///
/// `hist` is the target's histogram from the run
/// ([`crate::stats::TargetAccumulator::hist`]); `paths` the run's path count,
/// for the subtitle.
///
/// # Errors
/// `Model` when the histogram is empty or a number to draw is not finite.
pub fn outcome_svg(t: &TargetResult, hist: &LogHistogram, paths: u64) -> crate::Result<String> {
    draw(t, hist, paths, None)
}

/// The distribution of the gap that decides a target judged relative to
/// another indicator ("in step with GDP"): `hist` holds the target's
/// indicator minus the other one (labelled `other`) in the target year, so
/// the bound and the attaining side are drawn as for any other target.
///
/// # Errors
/// As [`outcome_svg`].
pub fn gap_svg(
    t: &TargetResult,
    hist: &LogHistogram,
    paths: u64,
    other: &str,
) -> crate::Result<String> {
    draw(t, hist, paths, Some(other))
}

fn draw(
    t: &TargetResult,
    hist: &LogHistogram,
    paths: u64,
    gap: Option<&str>,
) -> crate::Result<String> {
    if hist.count() == 0 {
        return Err(crate::Error::Model(format!(
            "cannot chart target {}: no finite values",
            t.id
        )));
    }
    let q = |p: f64| hist.quantile(p).unwrap_or(f64::NAN);
    let lo = finite("a percentile", q(0.002))?;
    let hi = finite("a percentile", q(0.998))?;
    let median = match gap {
        Some(_) => finite("the median", q(0.5))?,
        None => finite("the median", t.quantiles.p50)?,
    };
    let probability = finite("the probability", t.probability)?;
    let rule = attaining(t, gap.is_some());
    let bounds: Vec<f64> = rule.as_ref().map(|r| r.0.clone()).unwrap_or_default();
    for b in &bounds {
        finite("the threshold", *b)?;
    }
    let (x0, x1) = padded(
        bounds.iter().copied().fold(lo, f64::min),
        bounds.iter().copied().fold(hi, f64::max),
        0.04,
    );
    let bins = bins(hist, x0, x1, BINS);
    let y1 = bins.iter().map(|b| b.share).fold(0.0, f64::max) * 100.0 * 1.15;
    let y1 = if y1 > 0.0 { y1 } else { 1.0 };
    let outside = 1.0 - bins.iter().map(|b| b.share).sum::<f64>();

    let title = format!(
        "{} ({}): P(met) = {}",
        name(&t.label, t.label_zh.as_deref()),
        t.year,
        pct(probability)
    );
    let condition = crate::report::table::condition(t);
    let official = match (&t.relative_to, gap) {
        (Some(_), Some(other)) => format!(" · judged on the gap to {other}"),
        (Some(_), None) => String::new(),
        (None, _) => format!(" · official {} {}", short(t.threshold), t.unit),
    };
    let subtitle = format!(
        "95% CI {}–{} · met if {}{official} · {}",
        pct(t.ci95[0]),
        pct(t.ci95[1]),
        condition,
        t.verdict
    );
    let unit = if t.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", t.unit)
    };
    let x_desc = match gap {
        Some(other) => format!("{} minus {other}, {}{unit}", t.label, t.year),
        None => format!("{}, {}{unit}", t.label, t.year),
    };
    let note = match (&t.relative_to, gap) {
        (Some(_), Some(_)) => format!(
            "{paths} paths; bars: the gap judged; {} of them outside the plotted range",
            pct(outside.max(0.0))
        ),
        (Some(r), None) => format!(
            "judged on {} − {r}; the bars show {} itself, so no side is shaded",
            t.indicator, t.indicator
        ),
        (None, _) => format!(
            "{paths} paths; {} of them outside the plotted range",
            pct(outside.max(0.0))
        ),
    };

    let heading = Heading::new(&title, &subtitle, f64::from(CHART_WIDTH) - 32.0);
    let head_h = heading.height(0);
    let foot_h = 26;
    let size = (CHART_WIDTH, head_h + PLOT_HEIGHT + foot_h);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (head, body) = root.split_vertically(head_h);
        heading.draw(&head)?;
        let (plot, foot) = body.split_vertically(PLOT_HEIGHT);
        let note_px = super::fit(&note, SMALL_TEXT, f64::from(CHART_WIDTH) - 32.0);
        foot.draw(&Text::new(note, (16, 4), font(note_px).color(&MUTED)))
            .map_err(draw_err)?;

        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(18)
            .margin_top(6)
            .x_label_area_size(48)
            .y_label_area_size(62)
            .build_cartesian_2d(x0..x1, 0.0..y1)
            .map_err(draw_err)?;
        let width = bins.first().map(|b| b.hi - b.lo).unwrap_or(0.0);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(0xEE, 0xEE, 0xEE))
            .x_desc(x_desc)
            .y_desc(format!("% of paths per bin of {}", num(width)))
            .axis_desc_style(font(SMALL_TEXT).color(&INK))
            .label_style(font(14.0).color(&INK))
            .x_label_formatter(&tick_format(x0, x1))
            .y_label_formatter(&|y| format!("{y:.1}"))
            .x_labels(7)
            .y_labels(6)
            .draw()
            .map_err(draw_err)?;

        // Bars, split at the bounds so that the shading follows them exactly.
        let mut pieces = vec![];
        for b in &bins {
            let mut cuts = vec![b.lo];
            cuts.extend(bounds.iter().copied().filter(|&x| x > b.lo && x < b.hi));
            cuts.push(b.hi);
            for w in cuts.windows(2) {
                let colour = match &rule {
                    Some((_, met)) if met(0.5 * (w[0] + w[1])) => MET.mix(0.75),
                    Some(_) => MISSED.mix(0.75),
                    None => LINE.mix(0.55),
                };
                pieces.push(Rectangle::new(
                    [(w[0], 0.0), (w[1], b.share * 100.0)],
                    colour.filled(),
                ));
            }
        }
        chart.draw_series(pieces).map_err(draw_err)?;

        // The median, dashed, and the bound(s), solid.
        chart
            .draw_series(DashedLineSeries::new(
                [(median, 0.0), (median, y1)],
                6,
                4,
                INK.stroke_width(1),
            ))
            .map_err(draw_err)?;
        let right_half = |x: f64| x > x0 + 0.6 * (x1 - x0);
        // The median's label goes on the side away from the threshold, and a
        // line below the threshold's label, so that the two never meet.
        let threshold_right = bounds.iter().any(|&b| b > median);
        let threshold_left = bounds.iter().any(|&b| b < median);
        let median_right = match (threshold_left, threshold_right) {
            (true, false) => true,
            (false, true) => false,
            _ => !right_half(median),
        };
        let (mx, my) = chart.backend_coord(&(median, y1));
        root.draw(&Text::new(
            format!("median {}", num(median)),
            (if median_right { mx + 5 } else { mx - 5 }, my + 22),
            font(SMALL_TEXT).color(&INK).pos(Pos::new(
                if median_right {
                    HPos::Left
                } else {
                    HPos::Right
                },
                VPos::Top,
            )),
        ))
        .map_err(draw_err)?;
        for (k, &b) in bounds.iter().enumerate() {
            chart
                .draw_series(LineSeries::new(
                    [(b, 0.0), (b, y1)],
                    THRESHOLD.stroke_width(2),
                ))
                .map_err(draw_err)?;
            let (bx, by) = chart.backend_coord(&(b, y1));
            // Away from the median, unless that would leave the plot.
            let to_right = if b >= median {
                b < x0 + 0.8 * (x1 - x0)
            } else {
                b < x0 + 0.2 * (x1 - x0)
            };
            let shift = if to_right { 5 } else { -5 };
            let pos = Pos::new(if to_right { HPos::Left } else { HPos::Right }, VPos::Top);
            let label = match (t.op.as_str(), k) {
                ("about", 0) => format!("≥ {}", short(b)),
                ("about", _) => format!("≤ {}", short(b)),
                _ => format!("met if {condition}"),
            };
            root.draw(&Text::new(
                label,
                (bx + shift, by + 4),
                font(SMALL_TEXT).color(&THRESHOLD).pos(pos),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(with_title(svg, &title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_keep_every_value_inside_the_range() {
        let mut h = LogHistogram::new();
        for i in 0..1000 {
            h.insert(-3.0 + 0.01 * i as f64);
        }
        let b = bins(&h, -5.0, 10.0, 30);
        assert_eq!(b.len(), 30);
        let total: f64 = b.iter().map(|b| b.share).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        // Values from -3 to 6.99: the bins below -3 and above 7 are empty.
        assert_eq!(b[0].share, 0.0);
        assert_eq!(b[29].share, 0.0);
        // An interior bin of width 0.5 holds about 50 values.
        let mid = b.iter().find(|x| x.lo <= 1.0 && 1.0 < x.hi).unwrap();
        assert!((mid.share - 0.05).abs() < 0.002, "{}", mid.share);
    }

    #[test]
    fn bins_drop_values_outside_and_reject_empty_ranges() {
        let mut h = LogHistogram::new();
        for x in [1.0, 2.0, 3.0, 100.0] {
            h.insert(x);
        }
        let total: f64 = bins(&h, 0.0, 10.0, 10).iter().map(|b| b.share).sum();
        assert!((total - 0.75).abs() < 1e-9, "{total}");
        assert!(bins(&h, 1.0, 1.0, 10).is_empty());
        assert!(bins(&h, 0.0, f64::NAN, 10).is_empty());
        assert!(bins(&h, 0.0, 1.0, 0).is_empty());
    }
}
