//! Typed [`Scenario`] -> [`Model`]: unit conversions, shock shapes and
//! samplers, the correlation factor, indicator formulas and base-year values.
//!
//! Reads only the typed scenario, whose references are indices and whose
//! defaults are filled in, so nothing here parses a string or looks up an
//! id. The only errors are those that need the compiled whole to see.

use rand_distr::ChiSquared;

use super::{
    Event, Formula, Indicator, Input, Joint, Meta, Model, Policy, Sector, Series, ShockShape,
    Target, Warnings, assumptions, corr, first_year_variance, observed,
};
use crate::error::{Problem, ScenarioError};
use crate::scenario::types::{self, Impact, Op, Scenario, ShockDist};

fn model_error(origin: &str, field: String, message: String) -> ScenarioError {
    ScenarioError {
        origin: origin.to_string(),
        problems: vec![Problem {
            field,
            line: None,
            column: None,
            message,
        }],
    }
}

/// A chi-square sampler for `df` degrees of freedom (validation keeps df > 2).
fn chi_squared(df: f64, field: String, origin: &str) -> Result<ChiSquared<f64>, ScenarioError> {
    ChiSquared::new(df).map_err(|e| model_error(origin, field, format!("df {df}: {e}")))
}

/// The common shocks, compiled.
struct Shocks {
    /// Ids in matrix order.
    ids: Vec<String>,
    /// Matrix position of each shock (by file index).
    position: Vec<usize>,
    labels: Vec<String>,
    shapes: Vec<ShockShape>,
    t_groups: Vec<f64>,
    t_chi: Vec<ChiSquared<f64>>,
    correlation: Vec<Vec<f64>>,
    repaired: Option<f64>,
}

fn shocks(s: &Scenario, warnings: &mut Warnings, origin: &str) -> Result<Shocks, ScenarioError> {
    let (order, correlation, repaired) = match s.correlation() {
        Some(c) => {
            let (m, rep) = correlation(s, c, warnings);
            (c.order.clone(), m, rep)
        }
        None => {
            let n = s.shocks().len();
            let m = (0..n)
                .map(|r| (0..n).map(|c| if r == c { 1.0 } else { 0.0 }).collect())
                .collect();
            ((0..n).collect(), m, None)
        }
    };
    let n = order.len();
    let mut position = vec![0; n];
    for (p, &k) in order.iter().enumerate() {
        position[k] = p;
    }
    let mut shapes = vec![ShockShape::Gaussian; n];
    let mut labels = vec![String::new(); n];
    let mut t_groups: Vec<f64> = vec![];
    for (k, shock) in s.shocks().iter().enumerate() {
        let p = position[k];
        labels[p] = shock.label.clone();
        shapes[p] = match shock.dist {
            ShockDist::Gaussian => ShockShape::Gaussian,
            ShockDist::StudentT { df } => {
                let group = match t_groups.iter().position(|&d| d == df) {
                    Some(g) => g,
                    None => {
                        t_groups.push(df);
                        t_groups.len() - 1
                    }
                };
                ShockShape::StudentT { group }
            }
            ShockDist::TwoPiece { down, up } => ShockShape::TwoPiece { down, up },
        };
    }
    let t_chi = t_groups
        .iter()
        .map(|&df| chi_squared(df, "shocks".into(), origin))
        .collect::<Result<_, _>>()?;
    Ok(Shocks {
        ids: order.iter().map(|&k| s.shocks()[k].id.clone()).collect(),
        position,
        labels,
        shapes,
        t_groups,
        t_chi,
        correlation,
        repaired,
    })
}

/// The correlation matrix used: as written, or its nearest correlation
/// matrix (with a warning) when `repair` is set and it is not PSD.
fn correlation(
    s: &Scenario,
    c: &types::Correlation,
    warnings: &mut Warnings,
) -> (Vec<Vec<f64>>, Option<f64>) {
    if !(c.repair && corr::min_eigenvalue(&c.matrix) < -corr::PSD_TOLERANCE) {
        return (c.matrix.clone(), None);
    }
    let fixed = corr::nearest_correlation(&c.matrix);
    let mut worst = (0.0f64, 0, 0);
    for r in 0..fixed.len() {
        for k in 0..fixed.len() {
            let d = (fixed[r][k] - c.matrix[r][k]).abs();
            if d > worst.0 {
                worst = (d, r, k);
            }
        }
    }
    let id = |p: usize| &s.shocks()[c.order[p]].id;
    warnings.push(format!(
        "shock_correlation: matrix was not positive semi-definite (smallest eigenvalue {}); \
         replaced by the nearest correlation matrix (Higham 2002); largest change {:.4} at ({}, {}): {} -> {:.4}",
        crate::report::format::eigenvalue(corr::min_eigenvalue(&c.matrix)),
        worst.0,
        id(worst.1),
        id(worst.2),
        c.matrix[worst.1][worst.2],
        fixed[worst.1][worst.2]
    ));
    (fixed, Some(worst.0))
}

/// The sectors' hot arrays.
struct Sectors {
    mu: Vec<f64>,
    ar: Vec<f64>,
    idio: Vec<f64>,
    load: Vec<f64>,
    base_log_level: Vec<f64>,
    display: Vec<Sector>,
    /// horizon x sectors.
    mu_by_year: Vec<f64>,
    /// horizon x sectors.
    idio_by_year: Vec<f64>,
    base_quarters: Vec<[f64; 4]>,
    /// Empty when every sector starts at d_0 = 0.
    momentum: Vec<f64>,
}

/// Quarterly log growth of each simulated year on a sector's trend path
/// (MODEL.md 2.4). The first year's is `ln(1 + g_1/100)/4`. A later year's
/// keeps the previous year's rate when its growth is the same and the
/// previous rate was that growth's own; otherwise it is the rate `m` that
/// makes the year's four quarters, continuing from the previous year's last
/// quarter, sum to `(1 + g_y/100)` times the previous year's:
/// `Σ_{q=1..4} x^q = (1 + g_y/100) · Σ_{q=1..4} e^{m_{y-1}(q-4)}`, `x = e^m`.
pub(crate) fn trend_rates(growth: &[f64]) -> Vec<f64> {
    let own = |g: f64| (1.0 + g / 100.0).ln() / 4.0;
    let mut out: Vec<f64> = Vec::with_capacity(growth.len());
    for (y, &g) in growth.iter().enumerate() {
        let m = match out.last() {
            None => own(g),
            Some(&prev) if g == growth[y - 1] && prev == own(g) => prev,
            Some(&prev) => {
                let r = (1.0 + g / 100.0)
                    * (1..=4)
                        .map(|q| (prev * (q as f64 - 4.0)).exp())
                        .sum::<f64>();
                // x + x^2 + x^3 + x^4 = r is increasing in x > 0: Newton from
                // the rate of the year's own growth.
                let mut x = own(g).exp();
                for _ in 0..100 {
                    let f = x + x * x + x * x * x + x * x * x * x - r;
                    let d = 1.0 + 2.0 * x + 3.0 * x * x + 4.0 * x * x * x;
                    let step = f / d;
                    x -= step;
                    if step.abs() <= 1e-16 * x {
                        break;
                    }
                }
                x.ln()
            }
        };
        out.push(m);
    }
    out
}

/// The base year's quarterly levels of a sector with value added `v` and
/// first-year quarterly trend rate `m`, from its profile (MODEL.md 2.1).
pub(crate) fn profile_quarters(v: f64, m: f64, shape: &types::QuarterShape) -> [f64; 4] {
    let raw: [f64; 4] = match shape {
        // The year before on the trend: its quarters are proportional to
        // e^{m j}; each base-year quarter is that times (1 + yoy/100).
        types::QuarterShape::Yoy(yoy) => {
            std::array::from_fn(|j| (m * (j as f64 - 3.0)).exp() * (1.0 + yoy[j] / 100.0))
        }
        types::QuarterShape::Shares(sh) => *sh,
    };
    let total: f64 = raw.iter().sum();
    raw.map(|x| v * x / total)
}

/// Each sector's base-year quarterly levels, as [`sectors`] computes them
/// (on the trend, or from its `[base_quarters]` profile; MODEL.md 2.1).
pub(crate) fn base_quarters(s: &Scenario) -> Vec<[f64; 4]> {
    let mut profile = vec![None; s.sectors().len()];
    for p in s.base_profiles() {
        for &i in &p.sectors {
            profile[i] = Some(p);
        }
    }
    s.sectors()
        .iter()
        .zip(&profile)
        .map(|(sec, p)| {
            let m = (1.0 + sec.growth / 100.0).ln() / 4.0;
            let denom: f64 = (0..4).map(|j| (-m * j as f64).exp()).sum();
            match p {
                None => {
                    let l = if sec.value_added > 0.0 {
                        (sec.value_added / denom).ln()
                    } else {
                        f64::NEG_INFINITY
                    };
                    std::array::from_fn(|q| (l + m * (q as f64 - 3.0)).exp())
                }
                Some(p) => profile_quarters(sec.value_added, m, &p.shape),
            }
        })
        .collect()
}

fn sectors(s: &Scenario, shocks: &Shocks, load_stride: usize) -> Sectors {
    let n = s.sectors().len();
    let horizon = s.header().horizon;
    let mut out = Sectors {
        mu: Vec::with_capacity(n),
        ar: Vec::with_capacity(n),
        idio: Vec::with_capacity(n),
        load: vec![0.0; n * load_stride],
        base_log_level: Vec::with_capacity(n),
        display: Vec::with_capacity(n),
        mu_by_year: vec![0.0; horizon * n],
        idio_by_year: vec![0.0; horizon * n],
        base_quarters: Vec::with_capacity(n),
        momentum: vec![],
    };
    // Each sector's profile, if one names it (validation: at most one).
    let mut profile = vec![None; n];
    for p in s.base_profiles() {
        for &i in &p.sectors {
            profile[i] = Some(p);
        }
    }
    if s.base_profiles().iter().any(|p| p.momentum != 0.0) {
        out.momentum = profile
            .iter()
            .map(|p| p.map_or(0.0, |p| p.momentum / 100.0))
            .collect();
    }
    for (i, sec) in s.sectors().iter().enumerate() {
        let m = (1.0 + sec.growth / 100.0).ln() / 4.0;
        // Annual growth is (1 + g) times the average level deviation, to
        // first order, so dividing by (1 + g) too makes the standard
        // deviation of first-year growth equal `volatility`.
        let scale =
            1.0 / (first_year_variance(sec.persistence).sqrt() * (1.0 + sec.growth / 100.0));
        out.mu.push(m);
        out.ar.push(sec.persistence);
        out.idio.push(sec.volatility / 100.0 * scale);
        // Later years: their own trend rate; volatility in proportion to the
        // first year's, with the first year's calibration factor.
        let rates = trend_rates(&sec.growth_by_year);
        for y in 0..horizon {
            out.mu_by_year[y * n + i] = if y == 0 { m } else { rates[y] };
            out.idio_by_year[y * n + i] = sec.volatility_by_year[y] / 100.0 * scale;
        }
        for &(k, l) in &sec.loadings {
            out.load[i * load_stride + shocks.position[k]] = l / 100.0 * scale;
        }
        // Base-year quarters on the trend: q_j = c * exp(m * j), j = -3..0, summing to V.
        let denom: f64 = (0..4).map(|j| (-m * j as f64).exp()).sum();
        match profile[i] {
            None => {
                let l = if sec.value_added > 0.0 {
                    (sec.value_added / denom).ln()
                } else {
                    f64::NEG_INFINITY
                };
                out.base_log_level.push(l);
                out.base_quarters
                    .push(std::array::from_fn(|q| (l + m * (q as f64 - 3.0)).exp()));
            }
            Some(p) => {
                let q = profile_quarters(sec.value_added, m, &p.shape);
                out.base_log_level.push(if sec.value_added > 0.0 {
                    q[3].ln()
                } else {
                    f64::NEG_INFINITY
                });
                out.base_quarters.push(q);
            }
        }
        out.display.push(Sector {
            id: sec.id.clone(),
            label: sec.label.clone(),
            label_zh: sec.label_zh.clone(),
            value_added: sec.value_added,
            growth: sec.growth,
            volatility: sec.volatility,
            persistence: sec.persistence,
            loadings: sec
                .loadings
                .iter()
                .map(|&(k, v)| (s.shocks()[k].id.clone(), v))
                .collect(),
            growth_by_year: sec.growth_by_year.clone(),
            volatility_by_year: sec.volatility_by_year.clone(),
        });
    }
    out
}

fn series(s: types::Series) -> Series {
    match s {
        types::Series::Sector(i) => Series::Sector(i),
        types::Series::Indicator(j) => Series::Indicator(j),
    }
}

/// Indicators with their formulas and noise samplers (bases come later).
fn indicators(
    s: &Scenario,
    shocks: &Shocks,
    origin: &str,
) -> Result<Vec<Indicator>, ScenarioError> {
    s.indicators()
        .iter()
        .map(|ind| {
            let formula = match &ind.formula {
                types::Formula::Sum(terms) => {
                    Formula::Sum(terms.iter().map(|&(x, w)| (series(x), w)).collect())
                }
                types::Formula::Ratio(n, d) => Formula::Ratio(series(*n), series(*d)),
                types::Formula::Growth(x) => Formula::Growth(series(*x)),
                types::Formula::Linear { intercept, terms } => Formula::Linear {
                    intercept: *intercept,
                    terms: terms
                        .iter()
                        .map(|&(x, w)| {
                            let input = match x {
                                types::Input::Shock(k) => Input::Shock(shocks.position[k]),
                                types::Input::Indicator(j) => Input::Indicator(j),
                            };
                            (input, w)
                        })
                        .collect(),
                },
                types::Formula::Compound(x) => Formula::Compound(series(*x)),
                types::Formula::Accumulate(x, from) => Formula::Accumulate(series(*x), *from),
                types::Formula::Exogenous(means) => Formula::Exogenous(means.clone()),
                types::Formula::Count { of, trials } => Formula::Count {
                    of: *of,
                    trials: *trials,
                },
            };
            let field = || format!("indicators[{}].noise_df", ind.id);
            Ok(Indicator {
                id: ind.id.clone(),
                label: ind.label.clone(),
                label_zh: ind.label_zh.clone(),
                unit: ind.unit.clone(),
                formula,
                noise_sd: ind.noise,
                noise_t: ind.noise_df.map(|df| (df, ((df - 2.0) / df).sqrt())),
                noise_chi: ind
                    .noise_df
                    .map(|df| chi_squared(df, field(), origin))
                    .transpose()?,
                noise_persistence: ind.persistence,
                base: None,
                history: ind.history.clone(),
            })
        })
        .collect()
}

/// Base-year values, in dependency order. A growth rate or a ratio needs the
/// base-year value of what it reads; a missing or non-finite one is an error.
fn bases(s: &Scenario, indicators: &mut [Indicator], origin: &str) -> Result<(), ScenarioError> {
    let mut problems = vec![];
    for &j in s.order() {
        let base_of = |x: Series, inds: &[Indicator]| -> Option<f64> {
            match x {
                Series::Sector(i) => Some(s.sectors()[i].value_added),
                Series::Indicator(k) => inds[k].base,
            }
        };
        let written = s.indicators()[j].base;
        let base = match &indicators[j].formula {
            Formula::Sum(terms) => terms
                .iter()
                .map(|&(x, w)| base_of(x, indicators).map(|b| b * w))
                .sum::<Option<f64>>(),
            Formula::Ratio(n, d) => match (base_of(*n, indicators), base_of(*d, indicators)) {
                (Some(n), Some(d)) => Some(n / d),
                _ => None,
            },
            Formula::Growth(_) | Formula::Count { .. } => None,
            // Accumulate's default of 0 is filled in by validation.
            Formula::Linear { .. }
            | Formula::Compound(_)
            | Formula::Accumulate(..)
            | Formula::Exogenous(_) => written,
        };
        if let Formula::Growth(Series::Indicator(k)) = indicators[j].formula {
            if indicators[k].base.is_none() {
                problems.push(Problem {
                    field: format!("indicators[{}].of", indicators[j].id),
                    line: None,
                    column: None,
                    message: format!(
                        "takes the growth of {:?}, which has no base-year value; give {:?} a `base`",
                        indicators[k].id, indicators[k].id
                    ),
                });
            }
        }
        if let Some(b) = base {
            if !b.is_finite() {
                problems.push(Problem {
                    field: format!("indicators[{}]", indicators[j].id),
                    line: None,
                    column: None,
                    message: format!("base-year value is not finite ({b}); check the denominator"),
                });
            }
        }
        indicators[j].base = base;
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScenarioError {
            origin: origin.to_string(),
            problems,
        })
    }
}

fn event(e: &types::Event, horizon: usize) -> Event {
    let sector_sizes: Vec<&Vec<f64>> = e
        .impacts
        .iter()
        .zip(&e.impact_sizes)
        .filter(|(imp, _)| matches!(imp, Impact::Sector { .. }))
        .map(|(_, sizes)| sizes)
        .collect();
    let varies = sector_sizes.iter().any(|v| v.iter().any(|&x| x != v[0]));
    let sector_impacts_by_year = if varies {
        (0..horizon)
            .map(|y| {
                e.impacts
                    .iter()
                    .zip(&e.impact_sizes)
                    .filter_map(|(imp, sizes)| match *imp {
                        Impact::Sector { sector, .. } => {
                            Some((sector, (1.0 + sizes[y] / 100.0).ln()))
                        }
                        Impact::Indicator { .. } => None,
                    })
                    .collect()
            })
            .collect()
    } else {
        vec![]
    };
    Event {
        probability_by_year: e.probability_by_year.clone(),
        sector_impacts_by_year,
        id: e.id.clone(),
        label: e.label.clone(),
        probability: e.probability,
        duration: e.duration,
        may_start: e.may_start,
        recovery: e.recovery,
        sector_impacts: e
            .impacts
            .iter()
            .filter_map(|imp| match *imp {
                Impact::Sector { sector, size } => Some((sector, (1.0 + size / 100.0).ln())),
                Impact::Indicator { .. } => None,
            })
            .collect(),
        indicator_impacts: e
            .impacts
            .iter()
            .filter_map(|imp| match *imp {
                Impact::Indicator { indicator, size } => Some((indicator, size)),
                Impact::Sector { .. } => None,
            })
            .collect(),
        family: e.family.clone(),
        side: e.side,
    }
}

impl Target {
    /// `lower` and `upper` from `op`, `threshold` and `tolerance`.
    pub fn set_bounds(&mut self) {
        let (t, tol) = (self.threshold, self.tolerance);
        (self.lower, self.upper) = match self.op {
            Op::AtLeast => (t - tol, f64::INFINITY),
            Op::AtMost => (f64::NEG_INFINITY, t + tol),
            Op::About => (t - tol, t + tol),
        };
    }
}

/// Per year, per indicator, the events that move it with that year's size;
/// empty when no indicator impact varies by year.
fn indicator_events_by_year(s: &Scenario, n_indicators: usize) -> Vec<Vec<Vec<(usize, f64)>>> {
    let varies = s.events().iter().any(|e| {
        e.impacts
            .iter()
            .zip(&e.impact_sizes)
            .any(|(imp, v)| matches!(imp, Impact::Indicator { .. }) && v.iter().any(|&x| x != v[0]))
    });
    if !varies {
        return vec![];
    }
    (0..s.header().horizon)
        .map(|y| {
            let mut out = vec![vec![]; n_indicators];
            for (e, ev) in s.events().iter().enumerate() {
                for (imp, sizes) in ev.impacts.iter().zip(&ev.impact_sizes) {
                    if let Impact::Indicator { indicator, .. } = *imp {
                        out[indicator].push((e, sizes[y]));
                    }
                }
            }
            out
        })
        .collect()
}

/// Each shock's per-year multiplier, horizon x shocks in matrix order; empty
/// when all are 1.
fn shock_scale(s: &Scenario, shocks: &Shocks) -> Vec<f64> {
    if s.shocks().iter().all(|k| k.scale.iter().all(|&x| x == 1.0)) {
        return vec![];
    }
    let nk = shocks.ids.len();
    let mut out = vec![1.0; s.header().horizon * nk];
    for (k, shock) in s.shocks().iter().enumerate() {
        for (y, &x) in shock.scale.iter().enumerate() {
            out[y * nk + shocks.position[k]] = x;
        }
    }
    out
}

fn policy(p: &types::Policy) -> Policy {
    Policy {
        id: p.id.clone(),
        label: p.label.clone(),
        indicator: p.indicator.clone(),
        weights: p.weights.clone(),
        trigger: p.trigger,
        below: p.op == types::PolicyOp::Below,
        check: p.check,
        years: p.years.clone(),
        lag: p.lag as usize,
        duration: p.duration as usize,
        response: p.response,
        cap: p.cap,
        sectors: p.sectors.clone(),
    }
}

fn target(t: &types::Target) -> Target {
    let mut out = Target {
        id: t.id.clone(),
        label: t.label.clone(),
        label_zh: t.label_zh.clone(),
        indicator: t.indicator,
        relative_to: t.relative_to,
        year: t.year,
        year_index: t.year_index,
        op: t.op,
        threshold: t.threshold,
        tolerance: t.tolerance,
        lower: 0.0,
        upper: 0.0,
        headline: t.headline,
        wording: t.wording.clone(),
        excused_by: t.excused_by.clone(),
    };
    out.set_bounds();
    out
}

impl Model {
    /// Compile a validated scenario.
    ///
    /// # Errors
    /// The few problems that need the whole model to see (an indicator that
    /// takes the growth of a series without a base-year value).
    pub fn compile(scenario: &Scenario, origin: &str) -> Result<(Model, Warnings), ScenarioError> {
        let mut warnings = vec![];
        let shocks = shocks(scenario, &mut warnings, origin)?;
        let n_shocks = shocks.ids.len();
        let load_stride = n_shocks.max(1);
        let sec = sectors(scenario, &shocks, load_stride);
        let n_sectors = sec.mu.len();
        let chol = corr::factor(&shocks.correlation);

        let mut indicators = indicators(scenario, &shocks, origin)?;
        bases(scenario, &mut indicators, origin)?;
        let horizon = scenario.header().horizon;
        let events: Vec<Event> = scenario
            .events()
            .iter()
            .map(|e| event(e, horizon))
            .collect();
        let targets = scenario.targets().iter().map(target).collect();
        let mut indicator_events = vec![vec![]; indicators.len()];
        for (e, ev) in events.iter().enumerate() {
            for &(j, size) in &ev.indicator_impacts {
                indicator_events[j].push((e, size));
            }
        }
        let indicator_events_by_year = indicator_events_by_year(scenario, indicators.len());
        let shock_scale = shock_scale(scenario, &shocks);
        let policies: Vec<Policy> = scenario.policies().iter().map(policy).collect();
        let base_cumulative = if policies.is_empty() {
            vec![]
        } else {
            (0..4)
                .flat_map(|q| {
                    sec.base_quarters
                        .iter()
                        .map(move |b| b[..=q].iter().sum::<f64>())
                })
                .collect()
        };

        let observed = observed::compile(
            scenario,
            &observed::SectorParams {
                idio: &sec.idio,
                load: &sec.load,
                load_stride,
                correlation: &shocks.correlation,
                base_quarters: &sec.base_quarters,
            },
            origin,
        )?;

        let h = scenario.header();
        let shock_position = shocks.position.clone();
        let mut model = Model {
            meta: Meta {
                name: h.name.clone(),
                region: h.region.clone(),
                region_zh: h.region_zh.clone(),
                base_year: h.base_year,
                horizon: h.horizon,
                value_unit: h.value_unit.clone(),
            },
            sectors: sec.display,
            mu: sec.mu,
            mu_by_year: sec.mu_by_year,
            idio_by_year: sec.idio_by_year,
            shock_scale,
            base_quarters: sec.base_quarters,
            momentum: sec.momentum,
            policies,
            base_cumulative,
            indicator_events_by_year,
            ar: sec.ar,
            idio: sec.idio,
            load_by_shock: (0..n_shocks)
                .flat_map(|k| (0..n_sectors).map(move |i| (i, k)))
                .map(|(i, k)| sec.load[i * load_stride + k])
                .collect(),
            load: sec.load,
            load_stride,
            base_log_level: sec.base_log_level,
            shock_ids: shocks.ids,
            shock_labels: shocks.labels,
            shock_shapes: shocks.shapes,
            t_groups: shocks.t_groups,
            t_chi: shocks.t_chi,
            chol,
            correlation: shocks.correlation,
            repaired: shocks.repaired,
            event_probability: (0..horizon)
                .flat_map(|y| events.iter().map(move |e| e.probability_by_year[y]))
                .collect(),
            events,
            indicators,
            order: scenario.order().to_vec(),
            indicator_events,
            targets,
            observed,
            aggregates: scenario
                .indicators()
                .iter()
                .map(|i| i.aggregate.clone())
                .collect(),
            joints: scenario
                .joints()
                .iter()
                .map(|j| Joint {
                    id: j.id.clone(),
                    label: j.label.clone(),
                    label_zh: j.label_zh.clone(),
                    targets: j.targets.clone(),
                })
                .collect(),
            shock_families: {
                let mut f = vec![String::new(); n_shocks];
                for (k, shock) in scenario.shocks().iter().enumerate() {
                    f[shock_position[k]] = shock.family.clone();
                }
                f
            },
            assumptions: Default::default(),
            recording: crate::stats::Recording::Full,
        };
        model.assumptions = assumptions::Assumptions::compile(scenario, &model, &shock_position);
        Ok((model, warnings))
    }
}
