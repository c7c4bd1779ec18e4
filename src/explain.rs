//! `attain explain`: the compiled model in words, so a reader can check what
//! the engine will actually simulate.

use std::fmt::Write;

use crate::model::{Formula, Input, Model, Series, ShockShape, corr};
use crate::report::format::num;

fn series_name(m: &Model, s: Series) -> String {
    match s {
        Series::Sector(i) => m.sectors[i].id.clone(),
        Series::Indicator(j) => m.indicators[j].id.clone(),
    }
}

/// Describe a compiled model.
pub fn explain(m: &Model, warnings: &[String]) -> String {
    let mut o = String::new();
    let total = m.base_total();
    let _ = writeln!(
        o,
        "{} — {}{}, base year {}, horizon {} years ({} quarters)",
        m.meta.name,
        m.meta.region,
        m.meta
            .region_zh
            .as_deref()
            .map(|z| format!(" {z}"))
            .unwrap_or_default(),
        m.meta.base_year,
        m.meta.horizon,
        4 * m.meta.horizon
    );
    let _ = writeln!(o, "Random variates per path: {}", m.draws_per_path());

    let _ = writeln!(
        o,
        "\nSectors ({}; base-year total {} {}):",
        m.sectors.len(),
        num(total),
        m.meta.value_unit
    );
    let _ = writeln!(
        o,
        "  {:<22} {:>10} {:>7} {:>7} {:>6} {:>6}  loadings (pp)",
        "id", "value", "share", "growth", "vol", "ar"
    );
    for s in &m.sectors {
        let loads: Vec<String> = s
            .loadings
            .iter()
            .map(|(k, v)| format!("{k} {v:+}"))
            .collect();
        let _ = writeln!(
            o,
            "  {:<22} {:>10} {:>6.1}% {:>6.2}% {:>6.2} {:>6.2}  {}",
            s.id,
            num(s.value_added),
            100.0 * s.value_added / total,
            s.growth,
            s.volatility,
            s.persistence,
            loads.join(", ")
        );
    }

    let _ = writeln!(
        o,
        "\nShocks ({}), drawn each quarter from correlated standard normals:",
        m.shock_ids.len()
    );
    for (k, id) in m.shock_ids.iter().enumerate() {
        let shape = match m.shock_shapes[k] {
            ShockShape::Gaussian => "gaussian".to_string(),
            ShockShape::StudentT { group } => format!("student_t, df {}", m.t_groups[group]),
            ShockShape::TwoPiece { down, up } => format!("two_piece, down {down}, up {up}"),
        };
        let _ = writeln!(o, "  {:<22} {} ({})", id, m.shock_labels[k], shape);
    }
    if !m.shock_ids.is_empty() {
        let min = corr::min_eigenvalue(&m.correlation);
        let method = if m.chol.iter().enumerate().all(|(i, &v)| {
            let n = m.shock_ids.len();
            i % n <= i / n || v == 0.0
        }) {
            "Cholesky"
        } else {
            "eigen square root (singular matrix)"
        };
        let _ = writeln!(
            o,
            "  correlation matrix: valid (smallest eigenvalue {min:.4}), factored by {method}{}",
            match m.repaired {
                Some(d) => format!("; REPAIRED, largest change {d:.4}"),
                None => String::new(),
            }
        );
        for (r, row) in m.correlation.iter().enumerate() {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:>6.2}")).collect();
            let _ = writeln!(o, "    {:<20} {}", m.shock_ids[r], cells.join(" "));
        }
    }

    let _ = writeln!(o, "\nEvents ({}):", m.events.len());
    for e in &m.events {
        let quarters: Vec<String> = (0..4)
            .filter(|&q| e.may_start[q])
            .map(|q| format!("Q{}", q + 1))
            .collect();
        let annual = 1.0 - (1.0 - e.probability).powi(quarters.len() as i32);
        let _ = writeln!(
            o,
            "  {:<22} {}: p = {} per quarter ({}; about {:.0}% a year), lasts {} quarter(s), recovery {}",
            e.id,
            e.label,
            e.probability,
            quarters.join(" "),
            100.0 * annual,
            e.duration,
            e.recovery
        );
        for &(i, l) in &e.sector_impacts {
            let _ = writeln!(
                o,
                "      sector {:<18} level {:+.1}% while under way",
                m.sectors[i].id,
                100.0 * (l.exp() - 1.0)
            );
        }
        for &(j, s) in &e.indicator_impacts {
            let _ = writeln!(
                o,
                "      indicator {:<15} {:+} per full year",
                m.indicators[j].id, s
            );
        }
    }

    let _ = writeln!(
        o,
        "\nIndicators ({}), evaluated yearly in this order:",
        m.indicators.len()
    );
    for &j in &m.order {
        let ind = &m.indicators[j];
        let f = match &ind.formula {
            Formula::Sum(t) => {
                let parts: Vec<String> = t
                    .iter()
                    .map(|&(s, w)| {
                        if w == 1.0 {
                            series_name(m, s)
                        } else {
                            format!("{w}·{}", series_name(m, s))
                        }
                    })
                    .collect();
                format!("sum of {}", parts.join(" + "))
            }
            Formula::Ratio(n, d) => format!("{} / {}", series_name(m, *n), series_name(m, *d)),
            Formula::Growth(s) => format!("growth % of {}", series_name(m, *s)),
            Formula::Linear { intercept, terms } => {
                let mut parts = vec![format!("{intercept}")];
                for &(inp, c) in terms {
                    let name = match inp {
                        Input::Indicator(k) => m.indicators[k].id.clone(),
                        Input::Shock(k) => format!("shock:{}", m.shock_ids[k]),
                    };
                    parts.push(format!("{c:+}·{name}"));
                }
                parts.join(" ")
            }
            Formula::Compound(s) => format!("previous × (1 + {}/100)", series_name(m, *s)),
            Formula::Accumulate(s, from) => {
                format!(
                    "previous + {} from {}",
                    series_name(m, *s),
                    m.meta.base_year + 1 + *from as i32
                )
            }
            Formula::Exogenous(means) => {
                let first = means.first().copied().unwrap_or(f64::NAN);
                if means.iter().all(|&v| v == first) {
                    format!("exogenous, mean {first}")
                } else {
                    let v: Vec<String> = means.iter().map(|v| v.to_string()).collect();
                    format!("exogenous, mean by year {}", v.join(", "))
                }
            }
            Formula::Count { of, trials } => format!(
                "count of {trials} trials, each met with probability {} (clamped to [0, 1])",
                m.indicators[*of].id
            ),
        };
        let noise = if ind.noise_sd > 0.0 {
            format!(
                " + noise sd {}{}{}",
                ind.noise_sd,
                ind.noise_t
                    .map(|(df, _)| format!(" (t, df {df})"))
                    .unwrap_or_default(),
                if ind.noise_persistence > 0.0 {
                    format!(", ar {}", ind.noise_persistence)
                } else {
                    String::new()
                }
            )
        } else {
            String::new()
        };
        let base = ind
            .base
            .map(|b| format!(" [base {}]", num(b)))
            .unwrap_or_default();
        let _ = writeln!(o, "  {:<26} = {f}{noise}{base}  ({})", ind.id, ind.unit);
    }

    let _ = writeln!(o, "\nTargets ({}):", m.targets.len());
    for t in &m.targets {
        let subject = match t.relative_to {
            Some(r) => format!("{} − {}", m.indicators[t.indicator].id, m.indicators[r].id),
            None => m.indicators[t.indicator].id.clone(),
        };
        let cond = match (t.lower.is_finite(), t.upper.is_finite()) {
            (true, true) => format!("{} ≤ {subject} ≤ {}", num(t.lower), num(t.upper)),
            (true, false) => format!("{subject} ≥ {}", num(t.lower)),
            _ => format!("{subject} ≤ {}", num(t.upper)),
        };
        let _ = writeln!(
            o,
            "  {:<24} {} in {}{}{}",
            t.id,
            cond,
            t.year,
            if t.headline { " [headline]" } else { "" },
            t.wording
                .as_deref()
                .map(|w| format!("  «{w}»"))
                .unwrap_or_default()
        );
    }
    let obs = &m.observed;
    if obs.quarters > 0 {
        let year = m.meta.base_year + 1;
        let _ = writeln!(
            o,
            "\nPublished ({} quarter(s) of {year}; events in them are known):",
            obs.quarters
        );
        for p in &obs.published {
            let how = match p.share {
                None => "reproduced exactly on every path".to_string(),
                Some(s) => format!(
                    "first-year value = {} × {} + {} × simulated",
                    num(s),
                    num(p.value),
                    num(1.0 - s)
                ),
            };
            let _ = writeln!(
                o,
                "  {:<24} {} through Q{}: {how}",
                p.indicator,
                num(p.value),
                p.quarter
            );
        }
        for (id, q) in &obs.known_events {
            let _ = writeln!(o, "  {id:<24} started in Q{q} {year}");
        }
    }
    for w in warnings {
        let _ = writeln!(o, "\nwarning: {w}");
    }
    o
}
