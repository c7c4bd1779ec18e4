//! Typed [`Scenario`] -> [`Model`]: unit conversions, shock shapes and
//! samplers, the correlation factor, indicator formulas and base-year values.
//!
//! Reads only the typed scenario, whose references are indices and whose
//! defaults are filled in, so nothing here parses a string or looks up an
//! id. The only errors are those that need the compiled whole to see.

use rand_distr::ChiSquared;

use super::{
    Event, Formula, Indicator, Input, Joint, Meta, Model, Sector, Series, ShockShape, Target,
    Warnings, assumptions, corr, first_year_variance, observed,
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
        "shock_correlation: matrix was not positive semi-definite (smallest eigenvalue {:.6}); \
         replaced by the nearest correlation matrix (Higham 2002); largest change {:.4} at ({}, {}): {} -> {:.4}",
        corr::min_eigenvalue(&c.matrix),
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
}

fn sectors(s: &Scenario, shocks: &Shocks, load_stride: usize) -> Sectors {
    let n = s.sectors().len();
    let mut out = Sectors {
        mu: Vec::with_capacity(n),
        ar: Vec::with_capacity(n),
        idio: Vec::with_capacity(n),
        load: vec![0.0; n * load_stride],
        base_log_level: Vec::with_capacity(n),
        display: Vec::with_capacity(n),
    };
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
        for &(k, l) in &sec.loadings {
            out.load[i * load_stride + shocks.position[k]] = l / 100.0 * scale;
        }
        // Base-year quarters on the trend: q_j = c * exp(m * j), j = -3..0, summing to V.
        let denom: f64 = (0..4).map(|j| (-m * j as f64).exp()).sum();
        out.base_log_level.push(if sec.value_added > 0.0 {
            (sec.value_added / denom).ln()
        } else {
            f64::NEG_INFINITY
        });
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

fn event(e: &types::Event) -> Event {
    Event {
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
        let events: Vec<Event> = scenario.events().iter().map(event).collect();
        let targets = scenario.targets().iter().map(target).collect();
        let mut indicator_events = vec![vec![]; indicators.len()];
        for (e, ev) in events.iter().enumerate() {
            for &(j, size) in &ev.indicator_impacts {
                indicator_events[j].push((e, size));
            }
        }

        let observed = observed::compile(
            scenario,
            &observed::SectorParams {
                mu: &sec.mu,
                idio: &sec.idio,
                load: &sec.load,
                load_stride,
                base_log_level: &sec.base_log_level,
                correlation: &shocks.correlation,
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
        };
        model.assumptions = assumptions::Assumptions::compile(scenario, &model, &shock_position);
        Ok((model, warnings))
    }
}
