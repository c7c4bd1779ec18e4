//! Rendering a calibration as the TOML fragment a scenario can paste.

use super::*;
use crate::report::format::decimals_321;

/// A TOML float: like [`decimals_321`] but always with a decimal point.
pub(super) fn float(x: f64) -> String {
    let s = decimals_321(x);
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// A TOML float written exactly (shortest round-trip form), always with a decimal point.
pub(super) fn exact(x: f64) -> String {
    let s = format!("{x}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// A TOML basic string, escaped.
pub(super) fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Text safe inside a TOML comment (no control characters but tab).
pub(super) fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}

pub(super) fn se_text(e: &Estimate) -> String {
    match e.se {
        Some(se) => format!("{} (SE {})", decimals_321(e.value), decimals_321(se)),
        None => format!("{} (SE n/a)", decimals_321(e.value)),
    }
}

/// The input and the year flags, as on a command line.
pub(super) fn invocation(cal: &Calibration) -> String {
    let mut s = cal.origin.clone();
    if let Some(f) = cal.from {
        s += &format!(" --from {f}");
    }
    if let Some(t) = cal.to {
        s += &format!(" --to {t}");
    }
    s
}

/// The TOML fragment: comments with the sample, the method and every estimate with its
/// standard error, commented `[[sectors]]` suggestions, and, when at least two series are
/// usable, `[[shocks]]` (one per usable series) and a `[shock_correlation]` a scenario can
/// paste. It always parses as TOML.
pub fn fragment(cal: &Calibration) -> String {
    let mut o = String::new();
    let mut line = |s: &str| {
        o.push_str(s);
        o.push('\n');
    };
    line("# Calibration from history by `attain calibrate` (method: docs/CALIBRATION.md).");
    line(&format!("# Input: {}", comment(&cal.origin)));
    let span = cal.year_span().map_or("no years".into(), |(a, b)| {
        format!("values from {a} to {b}")
    });
    line(&format!(
        "# Years: --from {} --to {}; {span}.",
        cal.from.map_or("(all)".into(), |y| y.to_string()),
        cal.to.map_or("(all)".into(), |y| y.to_string())
    ));
    let used: usize = cal.series.iter().map(|s| s.values.len()).sum();
    line(&format!(
        "# Rows: {} read, {} values used, {} skipped{}.",
        cal.rows,
        used,
        cal.skips.total(),
        if cal.skips.total() > 0 {
            format!(" ({})", cal.skips.describe())
        } else {
            String::new()
        }
    ));
    line(
        "# Rate series (unit %, or no unit and a name with \"growth\" or \"rate\") are analysed as given;",
    );
    line(
        "# level series by their annual log growth in percent, 100 ln(x_t / x_{t-1}), over consecutive years.",
    );
    line(
        "# SE = standard error of the estimate (how uncertain it is), not the spread of the series.",
    );
    line(
        "# Mean SE: s / sqrt(n) * sqrt((1 + phi) / (1 - phi)) with phi the AR(1) slope clipped to [0, 0.95];",
    );
    line("# sd SE: s / sqrt(2 (n - 1)) * sqrt((1 + phi^2) / (1 - phi^2)); AR(1) SE: OLS.");
    line(
        "# Ex ante: for a scenario judged in year Y, use --to Y-1 so that nothing published later enters.",
    );
    line("# The suggestions are commented out; copy the lines you accept into your scenario.");
    for s in &cal.series {
        line("");
        let kind = match s.kind {
            SeriesKind::Rate => "rate",
            SeriesKind::Level => "level (statistics of its log growth, %)",
        };
        let unit = if s.unit.is_empty() {
            String::new()
        } else {
            format!(", unit {}", s.unit)
        };
        let years = match (s.observations.first(), s.observations.last()) {
            (Some(a), Some(b)) => format!(", {} to {}", a.0, b.0),
            _ => String::new(),
        };
        line(&comment(&format!(
            "# ---- {}: {kind}{unit}; n = {}{years} ----",
            s.name,
            s.n()
        )));
        line(&format!(
            "# rows: {} read, {} values used{}",
            s.rows,
            s.values.len(),
            if s.skips.total() > 0 {
                format!("; skipped: {}", s.skips.describe())
            } else {
                String::new()
            }
        ));
        if s.n() < MIN_VALUES {
            let mean = s.mean.map_or(String::new(), |m| {
                format!(" (mean {})", decimals_321(m.value))
            });
            line(&format!(
                "# too few values for estimates: {} (at least {MIN_VALUES} needed){mean}",
                s.n()
            ));
            continue;
        }
        let mut stats = vec![];
        if let Some(m) = &s.mean {
            stats.push(format!("mean {}", se_text(m)));
        }
        if let Some(sd) = &s.sd {
            stats.push(format!("sd {}", se_text(sd)));
        }
        line(&format!("# {}", stats.join(", ")));
        // Values near the largest float (±1e308) make the sums of squares
        // infinite: that is not a constant series, and is not called one.
        let overflows = s.sd.is_some_and(|sd| !sd.value.is_finite())
            || s.mean.is_some_and(|m| !m.value.is_finite());
        match &s.ar1 {
            Some(a) => {
                line(&format!(
                    "# AR(1) slope {} (SE {}) on {} consecutive-year pairs; residual sd {}",
                    decimals_321(a.phi),
                    decimals_321(a.se),
                    a.pairs,
                    decimals_321(a.resid_sd)
                ));
                if let Some(&(y, x)) = s.observations.last() {
                    line(&format!(
                        "# AR(1) one-year-ahead forecast for {}: {} (from {} in {y}), residual sd {}",
                        y + 1,
                        decimals_321(a.intercept + a.phi * x),
                        decimals_321(x),
                        decimals_321(a.resid_sd)
                    ));
                }
            }
            None if overflows => {
                line("# AR(1): not estimated (its sums of squares overflow a 64-bit float)")
            }
            None => line(&format!(
                "# AR(1): not estimated (fewer than {MIN_VALUES} consecutive-year pairs, or constant)"
            )),
        }
        if overflows {
            line(
                "# values too large for estimates: the standard deviation overflows a 64-bit float \
                 (state the series in a larger unit): no suggestion",
            );
            continue;
        }
        if !s.usable() {
            line("# constant over the sample: no suggestion");
            continue;
        }
        let g = s.suggested_growth().unwrap_or(f64::NAN);
        let v = s.suggested_volatility().unwrap_or(f64::NAN);
        line(
            "# If it is a sector's growth, as [[sectors]] fields (id, label, value_added are yours):",
        );
        let mean_se = s.mean.and_then(|m| m.se).map_or("n/a".into(), decimals_321);
        line(&format!(
            "# growth = {}    # {} (SE {mean_se})",
            float(g),
            match s.kind {
                SeriesKind::Rate => "mean",
                SeriesKind::Level => "100 (exp(mean log growth / 100) - 1)",
            }
        ));
        let shock = format!("{}_shock", s.id);
        let in_matrix = cal
            .correlation
            .as_ref()
            .is_some_and(|c| c.ids.contains(&shock));
        line(&format!(
            "# volatility = {}    # sd{}{}",
            float(v),
            if s.kind == SeriesKind::Level {
                " x (1 + growth/100)"
            } else {
                ""
            },
            if in_matrix {
                format!(
                    "; or volatility = 0.0 with loadings = {{ {shock} = {} }} to carry the correlation below",
                    float(v)
                )
            } else {
                String::new()
            }
        ));
        match (s.suggested_persistence(), &s.ar1) {
            (Some(p), Some(a)) => line(&format!(
                "# persistence = {}    # quarterly; in steady state it gives annual growth an autocorrelation of {} (AR(1) slope {}{})",
                float((p * 1000.0).round() / 1000.0),
                decimals_321(annual_autocorrelation(p)),
                decimals_321(a.phi),
                if p >= MAX_PERSISTENCE {
                    format!("; capped at {MAX_PERSISTENCE}")
                } else if p == 0.0 {
                    "; time averaging alone gives 0.227".to_string()
                } else {
                    String::new()
                }
            )),
            _ => line("# persistence: no estimate (keep the default 0)"),
        }
    }
    line("");
    match &cal.correlation {
        None => {
            line(&format!(
                "# Correlation: fewer than two series with at least {MIN_VALUES} values and a non-zero sd; no [shock_correlation]."
            ));
        }
        Some(c) => {
            let k = c.ids.len();
            line("# ---- Correlation ----");
            line(&format!(
                "# Pairwise-complete Pearson correlations over the years two series share (at least {MIN_VALUES},"
            ));
            line("# else 0), shrunk towards the identity: r*_ij = (1 - lambda) r_ij.");
            line(&format!(
                "# lambda = {} = max(estimated {} (Ledoit-Wolf, Schafer-Strimmer form), few-years floor {}){}.",
                decimals_321(c.lambda),
                decimals_321(c.lambda_estimated),
                decimals_321(c.lambda_floor),
                if c.lambda > c.lambda_estimated.max(c.lambda_floor) + 1e-12 {
                    format!(", raised so that the smallest eigenvalue is at least {MIN_EIGENVALUE}")
                } else {
                    String::new()
                }
            ));
            line(&format!(
                "# Smallest eigenvalue: {} before shrinkage, {} as written (positive definite).",
                decimals_321(c.min_eigen_raw),
                decimals_321(c.min_eigen)
            ));
            line(&format!(
                "# Raw correlations (common years; SE from {MIN_YEARS_FOR_SE} common years, below which the large-sample formula means little):"
            ));
            for i in 0..k {
                for j in (i + 1)..k {
                    let r = c.raw[i][j].map_or("none".to_string(), decimals_321);
                    let se = match c.se[i][j] {
                        Some(e) if c.common[i][j] >= MIN_YEARS_FOR_SE => {
                            format!(", SE {}", decimals_321(e))
                        }
                        _ => String::new(),
                    };
                    line(&comment(&format!(
                        "#   {} ~ {}: {r} (n = {}{se})",
                        c.names[i], c.names[j], c.common[i][j]
                    )));
                }
            }
            line(
                "# One common shock per series: load each sector on its series' shock (see the suggestions above).",
            );
            line(
                "# If your scenario already has [[shocks]] or a [shock_correlation], merge by hand.",
            );
            for (id, name) in c.ids.iter().zip(&c.names) {
                line("");
                line("[[shocks]]");
                line(&format!("id = {}", quoted(id)));
                line(&format!(
                    "label = {}",
                    quoted(&format!("Surprise in {name} (calibrated)"))
                ));
                line(&format!(
                    "source = {}",
                    quoted(&format!("attain calibrate {}", invocation(cal)))
                ));
            }
            line("");
            line("[shock_correlation]");
            line(&format!(
                "order = [{}]",
                c.ids
                    .iter()
                    .map(|s| quoted(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            line("matrix = [");
            for row in &c.matrix {
                line(&format!(
                    "  [{}],",
                    row.iter().map(|&x| exact(x)).collect::<Vec<_>>().join(", ")
                ));
            }
            line("]");
            line(&format!(
                "source = {}",
                quoted(&format!(
                    "attain calibrate {}: pairwise-complete correlations shrunk towards the identity (lambda {})",
                    invocation(cal),
                    decimals_321(c.lambda)
                ))
            ));
        }
    }
    o
}
