//! `attain explain`: the compiled model in words, so a reader can check what
//! the engine will actually simulate.

use std::fmt::Write;

use crate::model::{Formula, Input, Model, Series, ShockShape, corr};
use crate::report::format::{count, num};

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
        "{} — {}{}, base year {}, horizon {} ({} quarters)",
        m.meta.name,
        m.meta.region,
        m.meta
            .region_zh
            .as_deref()
            .map(|z| format!(" {z}"))
            .unwrap_or_default(),
        m.meta.base_year,
        count(m.meta.horizon, "year", "years"),
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
            "  {:<22} {}: p = {} per quarter ({}; about {:.0}% a year), lasts {}, recovery {}",
            e.id,
            e.label,
            e.probability,
            quarters.join(" "),
            100.0 * annual,
            count(e.duration as usize, "quarter", "quarters"),
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
        if e.side == crate::scenario::Side::Upside {
            let _ = writeln!(
                o,
                "      upside: raises the targets it helps when it happens"
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
        if !t.excused_by.is_empty() {
            let ids: Vec<&str> = t
                .excused_by
                .iter()
                .map(|&e| m.events[e].id.as_str())
                .collect();
            let _ = writeln!(
                o,
                "  {:<24} also reported as met or excused: excused when {} is under way in {}",
                "",
                ids.join(" or "),
                t.year
            );
        }
    }
    if !m.joints.is_empty() {
        let _ = writeln!(
            o,
            "\nJoints ({}), met when all their targets are:",
            m.joints.len()
        );
        for j in &m.joints {
            let ids: Vec<&str> = j
                .targets
                .iter()
                .map(|&t| m.targets[t].id.as_str())
                .collect();
            let _ = writeln!(o, "  {:<24} {}: {}", j.id, j.label, ids.join(" and "));
        }
    }
    if !m.assumptions.is_empty() {
        let _ = writeln!(
            o,
            "\nAssumptions ({}), drawn once per path before its quarters (central value; 5%-95%):",
            m.assumptions.items.len()
        );
        for a in &m.assumptions.items {
            let d = a.dist;
            let shape = match d {
                crate::scenario::types::AssumptionDist::Normal { mean, sd } => {
                    format!("normal, mean {mean}, sd {sd}")
                }
                crate::scenario::types::AssumptionDist::Uniform { low, high } => {
                    format!("uniform on [{low}, {high}]")
                }
                crate::scenario::types::AssumptionDist::Triangular { low, mode, high } => {
                    format!("triangular on [{low}, {high}], mode {mode}")
                }
            };
            let _ = writeln!(
                o,
                "  {:<40} {shape} ({}; {} to {})",
                a.parameter,
                num(d.central()),
                num(d.quantile(0.05)),
                num(d.quantile(0.95))
            );
        }
    }
    let obs = &m.observed;
    if obs.quarters > 0 {
        let year = m.meta.base_year + 1;
        let _ = writeln!(
            o,
            "\nPublished ({} of {year}; events in them are known):",
            count(obs.quarters, "quarter", "quarters")
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
    carry_over_and_policies(m, &mut o);
    for w in warnings.iter().cloned().chain(counted_twice(m)) {
        let _ = writeln!(o, "\nwarning: {w}");
    }
    o
}

/// Per-year values, base-year profiles and policy rules, when the scenario
/// has them (nothing is printed otherwise).
fn carry_over_and_policies(m: &Model, o: &mut String) {
    let join = |v: &[f64]| v.iter().map(|x| num(*x)).collect::<Vec<_>>().join(", ");
    let varies = |v: &[f64]| v.iter().any(|&x| x != v[0]);
    let mut lines = vec![];
    for s in &m.sectors {
        if varies(&s.growth_by_year) {
            lines.push(format!("  {:<22} growth {}", s.id, join(&s.growth_by_year)));
        }
        if varies(&s.volatility_by_year) {
            lines.push(format!(
                "  {:<22} volatility {}",
                s.id,
                join(&s.volatility_by_year)
            ));
        }
    }
    let nk = m.n_shocks();
    if !m.shock_scale.is_empty() {
        for (k, id) in m.shock_ids.iter().enumerate() {
            let v: Vec<f64> = (0..m.meta.horizon)
                .map(|y| m.shock_scale[y * nk + k])
                .collect();
            if v.iter().any(|&x| x != 1.0) {
                lines.push(format!("  {id:<22} scale {}", join(&v)));
            }
        }
    }
    for e in &m.events {
        if varies(&e.probability_by_year) {
            lines.push(format!(
                "  {:<22} probability {}",
                e.id,
                join(&e.probability_by_year)
            ));
        }
        if !e.sector_impacts_by_year.is_empty() {
            lines.push(format!(
                "  {:<22} sector impact sizes vary by the year an occurrence starts",
                e.id
            ));
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(
            o,
            "\nPer-year values ({}-{}; the last repeats):",
            m.meta.base_year + 1,
            m.meta.base_year + m.meta.horizon as i32
        );
        for l in lines {
            let _ = writeln!(o, "{l}");
        }
    }
    // A sector's base year is profiled when its quarters are off the trend.
    let mut profiled = vec![];
    for (i, s) in m.sectors.iter().enumerate() {
        let q = &m.base_quarters[i];
        let mu = m.mu[i];
        let l = m.base_log_level[i];
        let on_trend = (0..4).all(|j| {
            let t = (l + mu * (j as f64 - 3.0)).exp();
            (q[j] - t).abs() <= 1e-12 * t.abs().max(1e-300)
        });
        let momentum = m.momentum.get(i).copied().unwrap_or(0.0);
        if s.value_added > 0.0 && (!on_trend || momentum != 0.0) {
            // With no shocks: d_t = rho^t d_0 on top of the trend (MODEL.md 2.1).
            let (mut level, mut d, mut first) = (q[3].ln(), momentum, 0.0);
            for _ in 0..4 {
                d *= m.ar[i];
                level += mu + d;
                first += level.exp();
            }
            profiled.push(format!(
                "  {:<22} quarters {} (% of the year); first-year growth with no shocks {}% (growth {}%){}",
                s.id,
                join(&q.map(|x| 100.0 * x / s.value_added)),
                num(100.0 * (first / s.value_added - 1.0)),
                num(s.growth),
                if momentum != 0.0 {
                    format!(", momentum {}", num(100.0 * momentum))
                } else {
                    String::new()
                }
            ));
        }
    }
    if !profiled.is_empty() {
        let _ = writeln!(
            o,
            "\nBase year {} by quarter (carry-over into {}):",
            m.meta.base_year,
            m.meta.base_year + 1
        );
        for l in profiled {
            let _ = writeln!(o, "{l}");
        }
    }
    if !m.policies.is_empty() {
        let _ = writeln!(
            o,
            "\nPolicy rules ({}), a reaction function:",
            m.policies.len()
        );
        for p in &m.policies {
            let quarters: Vec<String> = (0..4)
                .filter(|&q| p.check[q])
                .map(|q| format!("Q{}", q + 1))
                .collect();
            let years: Vec<String> = p
                .years
                .iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(y, _)| (m.meta.base_year + 1 + y as i32).to_string())
                .collect();
            let sectors: Vec<&str> = p
                .sectors
                .iter()
                .map(|&i| m.sectors[i].id.as_str())
                .collect();
            let _ = writeln!(
                o,
                "  {:<22} at the end of {} of {}: if year-to-date growth of {} is {} {}%, \
                 {} min({} x gap, {}) points of annualized growth to {} for {} quarter(s) from {} quarter(s) later",
                p.id,
                quarters.join(", "),
                years.join(", "),
                p.indicator,
                if p.below { "below" } else { "above" },
                num(p.trigger),
                if p.below { "add" } else { "remove" },
                num(p.response),
                num(p.cap),
                sectors.join(", "),
                p.duration,
                p.lag
            );
        }
    }
}

/// What a risk moves: a sector's level or an indicator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Moved {
    Sector(usize),
    Indicator(usize),
}

/// One way a risk moves something: (family, is an event, source id, what, sign).
type Move = (String, bool, String, Moved, bool);

/// Every signed move of every shock (loadings, `linear` terms) and event (impacts).
fn moves(m: &Model) -> Vec<Move> {
    let mut v = vec![];
    for (i, s) in m.sectors.iter().enumerate() {
        for (k, l) in &s.loadings {
            if let Some(p) = m.shock_ids.iter().position(|x| x == k) {
                if *l != 0.0 {
                    v.push((
                        m.shock_families[p].clone(),
                        false,
                        k.clone(),
                        Moved::Sector(i),
                        *l > 0.0,
                    ));
                }
            }
        }
    }
    for (j, ind) in m.indicators.iter().enumerate() {
        if let Formula::Linear { terms, .. } = &ind.formula {
            for &(inp, c) in terms {
                if let (Input::Shock(p), true) = (inp, c != 0.0) {
                    v.push((
                        m.shock_families[p].clone(),
                        false,
                        m.shock_ids[p].clone(),
                        Moved::Indicator(j),
                        c > 0.0,
                    ));
                }
            }
        }
    }
    for e in &m.events {
        for &(i, l) in &e.sector_impacts {
            if l != 0.0 {
                v.push((
                    e.family.clone(),
                    true,
                    e.id.clone(),
                    Moved::Sector(i),
                    l > 0.0,
                ));
            }
        }
        for &(j, s) in &e.indicator_impacts {
            if s != 0.0 {
                v.push((
                    e.family.clone(),
                    true,
                    e.id.clone(),
                    Moved::Indicator(j),
                    s > 0.0,
                ));
            }
        }
    }
    v
}

/// Warnings for two sources of one family (a shock and an event, or two
/// events) that move the same sector or indicator in the same direction.
pub fn counted_twice(m: &Model) -> Vec<String> {
    use std::collections::BTreeMap;
    let all = moves(m);
    // (family, first source, second source) -> what both move, and how.
    let mut pairs: BTreeMap<(String, (bool, String), (bool, String)), Vec<(Moved, bool)>> =
        BTreeMap::new();
    for (a, x) in all.iter().enumerate() {
        for y in &all[a + 1..] {
            if x.0 != y.0 || x.3 != y.3 || x.4 != y.4 || !(x.1 || y.1) || (x.1, &x.2) == (y.1, &y.2)
            {
                continue;
            }
            let (p, q) = if (x.1, &x.2) <= (y.1, &y.2) {
                (x, y)
            } else {
                (y, x)
            };
            let list = pairs
                .entry((x.0.clone(), (p.1, p.2.clone()), (q.1, q.2.clone())))
                .or_default();
            if !list.contains(&(x.3, x.4)) {
                list.push((x.3, x.4));
            }
        }
    }
    let name =
        |(event, id): &(bool, String)| format!("{} {id}", if *event { "event" } else { "shock" });
    pairs
        .into_iter()
        .map(|((family, a, b), what)| {
            let items: Vec<String> = what
                .iter()
                .map(|&(w, up)| {
                    let id = match w {
                        Moved::Sector(i) => m.sectors[i].id.as_str(),
                        Moved::Indicator(j) => m.indicators[j].id.as_str(),
                    };
                    format!("{id} {}", if up { "up" } else { "down" })
                })
                .collect();
            format!(
                "family {family:?}: {} and {} both move {} (counted twice? a risk is a shock or an event, not both; if they are distinct, give one its own `family`)",
                name(&a),
                name(&b),
                items.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_sector_with(extra: &str) -> Model {
        let text = include_str!("../tests/fixtures/two-sector.toml")
            .replace("recovery = 0.5\n", &format!("recovery = 0.5\n{extra}"));
        let s = crate::scenario::load(&text, "test").unwrap();
        Model::compile(&s, "test").unwrap().0
    }

    #[test]
    fn a_shock_and_an_event_of_one_family_moving_a_sector_the_same_way_are_reported() {
        // Default families differ (supply, outage): nothing to report.
        assert!(counted_twice(&two_sector_with("")).is_empty());
        // Industry loads -1 on supply and the outage lowers it by 10%.
        let w = counted_twice(&two_sector_with("family = \"supply\"\n"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with(
                "family \"supply\": shock supply and event outage both move industry down ("
            ),
            "{}",
            w[0]
        );
        // Industry loads +1.5 on demand, the other way from the outage; but
        // both raise prices (a +0.5 term and a +1 impact).
        let w = counted_twice(&two_sector_with("family = \"demand\"\n"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with(
                "family \"demand\": shock demand and event outage both move prices up ("
            ),
            "{}",
            w[0]
        );
    }
}
