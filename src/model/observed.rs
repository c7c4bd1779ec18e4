//! Published quarters of the first simulated year (the `[observed]` section):
//! what the engine needs to condition each path on them.
//!
//! Two kinds of figure are handled differently (docs/MODEL.md, "Nowcasts"):
//!
//! * **Exact**: the growth of a sum of sectors (GDP, industry, one sector).
//!   Each path's published quarters reproduce the figure exactly. After a
//!   quarter's shocks are drawn, they are moved along the direction of
//!   steepest likelihood, the conditional mean of a Gaussian given a linear
//!   constraint, until the year-to-date sum matches (see [`solve`]).
//! * **Blended**: any other indicator (investment, retail sales) has only an
//!   annual value in the model, so the published period enters as
//!   `share * observed + (1 - share) * simulated`.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::error::{Problem, ScenarioError};
use crate::sample as draw;
use crate::scenario::Scenario;

/// One published year-to-date growth of a sum of sectors.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactCondition {
    /// The indicator observed.
    pub indicator: usize,
    /// (sector, weight) of the sum whose growth is observed.
    pub weights: Vec<(usize, f64)>,
    /// The year-to-date weighted level the path must reach: the base year's
    /// same quarters times (1 + value / 100).
    pub target_ytd: f64,
    /// `ln(target_ytd)`, computed once.
    pub ln_target: f64,
}

/// The compiled `[observed]` section (empty when the scenario has none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    /// Published quarters of the first simulated year (0 = none).
    pub quarters: usize,
    /// Per event, the 0-based quarter it is known to have started in.
    pub event_start: Vec<Option<usize>>,
    /// Exact conditions by 0-based quarter of the first year.
    pub exact: [Vec<ExactCondition>; 4],
    /// Per indicator, `(share, value)` when its first-year value is blended.
    pub blends: Vec<Option<(f64, f64)>>,
    /// Whether any indicator is blended (skips the check per indicator otherwise).
    pub any_blend: bool,
    /// The published figures as written, for reports.
    pub published: Vec<Published>,
    /// Events known to have started: (event id, 1-based quarter), for reports.
    pub known_events: Vec<(String, u8)>,
    /// What solving a published quarter needs that does not depend on the path.
    pub solver: Solver,
}

/// A published figure as the scenario gives it (for reports).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Published {
    /// Indicator id.
    pub indicator: String,
    /// Last quarter covered (1-based).
    pub quarter: u8,
    /// Year-to-date value.
    pub value: f64,
    /// Reproduced exactly on every path (`true`) or blended with `share`.
    pub exact: bool,
    /// The published period's share of the year, for a blended figure.
    pub share: Option<f64>,
}

/// The sector parts of the model that conditioning needs, already compiled.
pub(super) struct SectorParams<'a> {
    pub idio: &'a [f64],
    pub load: &'a [f64],
    pub load_stride: usize,
    pub correlation: &'a [Vec<f64>],
    /// The base year's quarterly levels (on the trend, or from `[base_quarters]`).
    pub base_quarters: &'a [[f64; 4]],
}

impl SectorParams<'_> {
    /// Base-year level of sector `i` in 0-based quarter `q`.
    pub fn base_quarter(&self, i: usize, q: usize) -> f64 {
        self.base_quarters[i][q]
    }

    /// Covariance of the sectors' quarterly innovations, with every shock at
    /// unit scale: `L R L' + diag(idio^2)`.
    fn innovation_covariance(&self, scales: &[f64]) -> DMatrix<f64> {
        let ns = self.idio.len();
        let nk = self.correlation.len();
        let v = DMatrix::from_fn(ns, nk, |i, k| {
            self.load[i * self.load_stride + k] * scales[k]
        });
        let r = DMatrix::from_fn(nk, nk, |a, b| self.correlation[a][b]);
        let mut m = &v * r * v.transpose();
        for i in 0..ns {
            m[(i, i)] += self.idio[i] * self.idio[i];
        }
        m
    }
}

fn problem(field: String, message: String) -> Problem {
    Problem {
        field,
        line: None,
        column: None,
        message,
    }
}

/// Compile the scenario's `[observed]` section.
///
/// # Errors
/// When the values observed through one quarter cannot all be met: two of
/// them fix the same combination of sectors, or a sector without randomness.
pub(super) fn compile(
    scenario: &Scenario,
    params: &SectorParams,
    origin: &str,
) -> Result<Observed, ScenarioError> {
    let mut out = Observed {
        blends: vec![None; scenario.indicators().len()],
        event_start: vec![None; scenario.events().len()],
        ..Observed::default()
    };
    let Some(obs) = scenario.observed() else {
        return Ok(out);
    };
    out.quarters = obs.quarters;
    for &(k, start) in &obs.events {
        out.event_start[k] = Some(start - 1);
        out.known_events
            .push((scenario.events()[k].id.clone(), start as u8));
    }
    let mut fields: [Vec<String>; 4] = Default::default();
    for (n, v) in obs.values.iter().enumerate() {
        let j = v.indicator;
        let q = v.quarter - 1;
        out.published.push(Published {
            indicator: scenario.indicators()[j].id.clone(),
            quarter: q as u8 + 1,
            value: v.value,
            exact: v.share.is_none(),
            share: v.share,
        });
        // Validation gives a share exactly to the figures that are not
        // sector aggregates.
        match (&scenario.indicators()[j].aggregate, v.share) {
            (Some(weights), _) => {
                let base: f64 = weights
                    .iter()
                    .map(|&(i, w)| w * (0..=q).map(|r| params.base_quarter(i, r)).sum::<f64>())
                    .sum();
                let target_ytd = base * (1.0 + v.value / 100.0);
                out.exact[q].push(ExactCondition {
                    indicator: j,
                    weights: weights.clone(),
                    target_ytd,
                    ln_target: draw::ln(target_ytd),
                });
                fields[q].push(format!("observed.values[{n}]"));
            }
            (None, Some(share)) => {
                out.blends[j] = Some((share, v.value));
                out.any_blend = true;
            }
            (None, None) => {}
        }
    }

    let found = impossible(scenario, params.base_quarters);
    if !found.is_empty() {
        return Err(ScenarioError {
            origin: origin.to_string(),
            problems: found
                .into_iter()
                .map(|(k, m)| problem(format!("observed.values[{k}].value"), m))
                .collect(),
        });
    }

    // The conditions of one quarter must be independent: check the Gram
    // matrix of their directions at the base-year levels.
    let nk = params.correlation.len();
    let m = params.innovation_covariance(&vec![1.0; nk]);
    let mut problems = vec![];
    for (q, conds) in out.exact.iter().enumerate() {
        if conds.is_empty() {
            continue;
        }
        let a = directions(
            conds,
            params.idio.len(),
            |i| params.base_quarter(i, q),
            |_| 0.0,
        );
        let g = &a * &m * a.transpose();
        let eig = SymmetricEigen::new(g).eigenvalues;
        let (lo, hi) = eig.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
        if !(lo > 1e-10 * hi.max(1e-300)) || !conds.iter().all(|c| c.target_ytd.is_finite()) {
            problems.push(problem(
                fields[q].join(", "),
                format!(
                    "the values observed through quarter {} cannot all be met: they fix the same \
                     combination of sectors twice, or sectors that have no volatility or loadings",
                    q + 1
                ),
            ));
        }
    }
    if problems.is_empty() {
        let most = out.exact.iter().map(Vec::len).max().unwrap_or(0);
        out.solver = Solver::new(params, most);
        Ok(out)
    } else {
        Err(ScenarioError {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// Row `o`: the derivative of log(year-to-date sum of condition `o`) with
/// respect to each sector's log level this quarter.
fn directions(
    conds: &[ExactCondition],
    ns: usize,
    level: impl Fn(usize) -> f64,
    before: impl Fn(usize) -> f64,
) -> DMatrix<f64> {
    let mut a = DMatrix::zeros(conds.len(), ns);
    for (o, c) in conds.iter().enumerate() {
        let total: f64 = c
            .weights
            .iter()
            .map(|&(i, w)| w * (before(i) + level(i)))
            .sum();
        for &(i, w) in &c.weights {
            a[(o, i)] = w * level(i) / total;
        }
    }
    a
}

/// One path's quarter, before conditioning (per-lane inputs as slices, so a
/// batched kernel can pass one lane's columns).
pub(super) struct QuarterDraw<'a> {
    /// Each sector's year-to-date sum before this quarter.
    pub before: &'a [f64],
    /// Each sector's level this quarter as drawn.
    pub level: &'a [f64],
    /// Each shock's scale this quarter (Student-t mixing or two-piece side).
    pub scales: &'a [f64],
}

/// The adjustment that makes a quarter reproduce the published figures:
/// slices into the [`Workspace`] it was solved in, valid until its next solve.
pub(super) struct Adjustment<'w> {
    /// Change of each sector's innovation (log growth this quarter).
    pub innovation: &'w [f64],
    /// Change of each common shock's value.
    pub shock: &'w [f64],
}

/// What [`solve`] needs that does not depend on the path, computed once per
/// model when it is compiled.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Solver {
    /// Sectors, shocks.
    ns: usize,
    nk: usize,
    /// The most exact figures through one quarter (sizes the workspace).
    max_conditions: usize,
    /// The loadings `L`, by sector (`load[i * nk + k]`) and by shock
    /// (`load_t[k * ns + i]`).
    load: Vec<f64>,
    load_t: Vec<f64>,
    /// The shock correlation `R`, dense, row-major (`nk x nk`).
    correlation: Vec<f64>,
    /// Each sector's idiosyncratic variance `sigma_i^2`.
    idio_sq: Vec<f64>,
}

impl Solver {
    fn new(params: &SectorParams, max_conditions: usize) -> Self {
        let ns = params.idio.len();
        let nk = params.correlation.len();
        let mut load = vec![0.0; ns * nk];
        let mut load_t = vec![0.0; nk * ns];
        for i in 0..ns {
            for k in 0..nk {
                let x = params.load[i * params.load_stride + k];
                load[i * nk + k] = x;
                load_t[k * ns + i] = x;
            }
        }
        Solver {
            ns,
            nk,
            max_conditions,
            load,
            load_t,
            correlation: params.correlation.iter().flatten().copied().collect(),
            idio_sq: params.idio.iter().map(|s| s * s).collect(),
        }
    }
}

/// Scratch for [`solve`], allocated once (per block, or per lane of a batched
/// kernel) and reused for every path: no solve allocates. Holds a copy of the
/// model's [`Solver`] constants, so a solve needs nothing else from the model.
/// Matrices with a column per figure are row-major (`x[row * m + o]`).
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    c: Solver,
    /// Per figure `o`: the distinct sectors of its sum (`term[o * ns + n]`,
    /// `n < count[o]`), each one's weighted level this quarter as drawn
    /// (`wl[o * ns + i] = sum of w L_i`, dense by sector) and the weighted
    /// year-to-date sum before this quarter (`wb[o]`).
    term: Vec<usize>,
    count: Vec<usize>,
    wl: Vec<f64>,
    wb: Vec<f64>,
    /// The sectors some figure uses, in increasing order, and a mark per sector.
    used: Vec<usize>,
    mark: Vec<bool>,
    /// Sectors already among the current figure's terms (all false between figures).
    seen: Vec<bool>,
    /// `A'` (`ns x m`): figure `o`'s direction at sector `i`.
    at: Vec<f64>,
    /// `P = S L' A'` and `X = S R P` (`nk x m`).
    p: Vec<f64>,
    x: Vec<f64>,
    /// `D = M A' = L X + diag(sigma^2) A'` (`ns x m`; rows of used sectors only).
    dt: Vec<f64>,
    /// `exp` of each used sector's `(D lambda)_i`.
    growth: Vec<f64>,
    /// Newton state (`m`): `lambda`, the trial point, the step, residuals.
    lambda: Vec<f64>,
    trial: Vec<f64>,
    step: Vec<f64>,
    f: Vec<f64>,
    f2: Vec<f64>,
    grad: Vec<f64>,
    /// Jacobians (`m x m`, column-major) and the LU factors of the current one.
    jac: Vec<f64>,
    jac2: Vec<f64>,
    lu: Vec<f64>,
    /// Row swaps of the LU factorisation, in order.
    swaps: Vec<(usize, usize)>,
    /// `A' lambda` (`ns`).
    at_l: Vec<f64>,
    /// The shocks' change `X lambda` (`nk`) and the sectors' innovation change
    /// (`ns`), returned in [`Adjustment`].
    shock: Vec<f64>,
    innovation: Vec<f64>,
}

impl Workspace {
    /// Scratch sized for the model whose `[observed]` section is `observed`
    /// (empty, and allocating nothing, when it has no exact figures).
    pub fn new(observed: &Observed) -> Self {
        let c = observed.solver.clone();
        if c.max_conditions == 0 {
            return Workspace::default();
        }
        let (ns, nk, m) = (c.ns, c.nk, c.max_conditions);
        Workspace {
            term: vec![0; m * ns],
            count: vec![0; m],
            wl: vec![0.0; m * ns],
            wb: vec![0.0; m],
            used: Vec::with_capacity(ns),
            mark: vec![false; ns],
            seen: vec![false; ns],
            at: vec![0.0; ns * m],
            p: vec![0.0; nk * m],
            x: vec![0.0; nk * m],
            dt: vec![0.0; ns * m],
            growth: vec![0.0; ns],
            lambda: vec![0.0; m],
            trial: vec![0.0; m],
            step: vec![0.0; m],
            f: vec![0.0; m],
            f2: vec![0.0; m],
            grad: vec![0.0; m],
            jac: vec![0.0; m * m],
            jac2: vec![0.0; m * m],
            lu: vec![0.0; m * m],
            swaps: Vec::with_capacity(m),
            at_l: vec![0.0; ns],
            shock: vec![0.0; nk],
            innovation: vec![0.0; ns],
            c,
        }
    }

    /// The buffers' capacities, to check that solving never grows them.
    #[cfg(test)]
    fn capacities(&self) -> Vec<usize> {
        [
            &self.wl,
            &self.wb,
            &self.at,
            &self.p,
            &self.x,
            &self.dt,
            &self.growth,
            &self.lambda,
            &self.trial,
            &self.step,
            &self.f,
            &self.f2,
            &self.grad,
            &self.jac,
            &self.jac2,
            &self.lu,
            &self.at_l,
            &self.shock,
            &self.innovation,
        ]
        .iter()
        .map(|v| v.capacity())
        .chain([
            self.term.capacity(),
            self.count.capacity(),
            self.used.capacity(),
            self.mark.capacity(),
            self.seen.capacity(),
            self.swaps.capacity(),
        ])
        .collect()
    }
}

/// The largest absolute value (a NaN is kept only when it comes last; the
/// caller tests the result for finiteness before comparing it).
fn amax(x: &[f64]) -> f64 {
    x[1..].iter().fold(x[0].abs(), |a, &b| {
        let b = b.abs();
        if a >= b { a } else { b }
    })
}

/// Solve `J x = b` in place (`b` becomes `x`), `J` `m x m` column-major and
/// overwritten by its LU factors (partial pivoting). `false` when `J` is
/// singular.
fn lu_solve(lu: &mut [f64], m: usize, b: &mut [f64], swaps: &mut Vec<(usize, usize)>) -> bool {
    swaps.clear();
    for i in 0..m {
        let mut piv = i;
        let mut best = lu[i + i * m].abs();
        for r in i + 1..m {
            let x = lu[r + i * m].abs();
            if x > best {
                best = x;
                piv = r;
            }
        }
        let diag = lu[piv + i * m];
        if diag == 0.0 {
            continue;
        }
        if piv != i {
            swaps.push((i, piv));
            for c in 0..m {
                lu.swap(i + c * m, piv + c * m);
            }
        }
        let inv = 1.0 / diag;
        for r in i + 1..m {
            lu[r + i * m] *= inv;
        }
        for c in i + 1..m {
            let p = -lu[i + c * m];
            for r in i + 1..m {
                lu[r + c * m] = p * lu[r + i * m] + lu[r + c * m];
            }
        }
    }
    for &(i, piv) in swaps.iter() {
        b.swap(i, piv);
    }
    // Unit lower triangle.
    for i in 0..m.saturating_sub(1) {
        let coeff = -b[i];
        for r in i + 1..m {
            b[r] = coeff * lu[r + i * m] + b[r];
        }
    }
    for i in (0..m).rev() {
        let diag = lu[i + i * m];
        if diag == 0.0 {
            return false;
        }
        let coeff = b[i] / diag;
        b[i] = coeff;
        for r in 0..i {
            b[r] = -coeff * lu[r + i * m] + b[r];
        }
    }
    true
}

/// What [`residual`] reads of the workspace.
struct Terms<'a> {
    ns: usize,
    term: &'a [usize],
    count: &'a [usize],
    wl: &'a [f64],
    wb: &'a [f64],
    used: &'a [usize],
    dt: &'a [f64],
}

/// The residuals `F(D lambda)` of the figures and their Jacobian (`m x m`,
/// column-major) at `lambda`; `lambda = None` is the drawn point
/// (`lambda = 0`, where every `exp` is 1).
#[inline(always)]
fn residual<const M: usize>(
    conds: &[ExactCondition],
    t: &Terms,
    lambda: Option<&[f64]>,
    growth: &mut [f64],
    grad: &mut [f64],
    f: &mut [f64],
    jac: &mut [f64],
) {
    let m = if M == 0 { conds.len() } else { M };
    for &i in t.used {
        growth[i] = match lambda {
            None => 1.0,
            Some(lambda) => {
                let row = &t.dt[i * m..(i + 1) * m];
                let mut s = row[0] * lambda[0];
                for (&d, &l) in row.iter().zip(lambda).skip(1) {
                    s += d * l;
                }
                draw::exp(s)
            }
        };
    }
    for (o, c) in conds.iter().enumerate() {
        let mut total = t.wb[o];
        grad.fill(0.0);
        for &i in &t.term[o * t.ns..o * t.ns + t.count[o]] {
            let l = t.wl[o * t.ns + i] * growth[i];
            total += l;
            for (g, &x) in grad.iter_mut().zip(&t.dt[i * m..(i + 1) * m]) {
                *g += l * x;
            }
        }
        f[o] = draw::ln(total) - c.ln_target;
        for p in 0..m {
            jac[o + p * m] = grad[p] / total;
        }
    }
}

/// Solve for the adjustment of one quarter's innovations.
///
/// Given the shock scales, the quarter's innovations are Gaussian with
/// covariance `M = L S R S L' + diag(sigma^2)`; the conditional mean given
/// `A u = c` moves them by `M A' lambda`. The constraint is nonlinear (a sum
/// of exponentials), so `A` is taken at the drawn point and `lambda` is found
/// by damped Newton iteration until every year-to-date sum matches to 1e-12
/// relative. Returns `None` if the figures cannot be reached.
///
/// Inputs are plain slices (one path, or one lane of a batch: `draw`'s
/// `before` and `level` of length `ns`, `scales` of length `nk`); `ws` is
/// scratch made by [`Workspace::new`] for this model, reused from path to
/// path. Nothing is allocated: the result borrows `ws`. What does not depend
/// on the path (the loadings both ways, the dense shock correlation, the
/// idiosyncratic variances, `ln` of each target) was computed when the model
/// was compiled. `M` is never formed: `D = M A'` is `L (S (R (S (L' A'))))
/// + diag(sigma^2) A'`, for the used sectors only. Every operation is a plain
/// IEEE `+ - * /` in a fixed order (no fused multiply-add, nothing chosen by
/// the CPU) and `exp`/`ln` are the crate's own, so the bits are the same on
/// every machine. `params` is not read beyond a check of its size.
pub(super) fn solve<'w>(
    conds: &[ExactCondition],
    params: &SectorParams,
    draw: &QuarterDraw,
    ws: &'w mut Workspace,
) -> Option<Adjustment<'w>> {
    let (ns, m) = (ws.c.ns, conds.len());
    assert!(
        m <= ws.c.max_conditions && params.idio.len() == ns,
        "observed::solve: workspace made for another model"
    );
    if m == 0 {
        ws.innovation.fill(0.0);
        ws.shock.fill(0.0);
        return Some(Adjustment {
            innovation: &ws.innovation,
            shock: &ws.shock,
        });
    }
    // The products and Newton's loops with the number of figures known at
    // compile time for the usual counts.
    match m {
        1 => solve_with::<1>(conds, draw, ws),
        2 => solve_with::<2>(conds, draw, ws),
        3 => solve_with::<3>(conds, draw, ws),
        4 => solve_with::<4>(conds, draw, ws),
        _ => solve_with::<0>(conds, draw, ws),
    }
}

/// [`solve`] for `M` figures (`M = 0`: as many as `conds` has).
#[inline(never)]
fn solve_with<'w, const M: usize>(
    conds: &[ExactCondition],
    draw: &QuarterDraw,
    ws: &'w mut Workspace,
) -> Option<Adjustment<'w>> {
    let (ns, nk) = (ws.c.ns, ws.c.nk);
    let m = if M == 0 { conds.len() } else { M };
    let Workspace {
        c: consts,
        term,
        count,
        wl,
        wb,
        used,
        mark,
        seen,
        at,
        p: pm,
        x: xm,
        dt,
        growth,
        lambda,
        trial,
        step,
        f,
        f2,
        grad,
        jac,
        jac2,
        lu,
        swaps,
        at_l,
        shock,
        innovation,
    } = ws;

    // Each figure's distinct sectors, their weighted levels and the weighted
    // sum before this quarter; the directions A' = w L_i / (wb + sum wl).
    let wl = &mut wl[..m * ns];
    let at = &mut at[..ns * m];
    wl.fill(0.0);
    at.fill(0.0);
    mark.fill(false);
    for (o, c) in conds.iter().enumerate() {
        let mut b = 0.0;
        let mut n = 0;
        for &(i, w) in &c.weights {
            if !seen[i] {
                seen[i] = true;
                term[o * ns + n] = i;
                n += 1;
            }
            wl[o * ns + i] += w * draw.level[i];
            b += w * draw.before[i];
        }
        count[o] = n;
        wb[o] = b;
        let mut total = b;
        for &i in &term[o * ns..o * ns + n] {
            total += wl[o * ns + i];
            mark[i] = true;
            seen[i] = false;
        }
        for &i in &term[o * ns..o * ns + n] {
            at[i * m + o] = wl[o * ns + i] / total;
        }
    }
    used.clear();
    used.extend((0..ns).filter(|&i| mark[i]));

    // P = S L' A', X = S R P, D = L X + diag(sigma^2) A' (used rows).
    let (pm, xm) = (&mut pm[..nk * m], &mut xm[..nk * m]);
    for k in 0..nk {
        let lk = &consts.load_t[k * ns..(k + 1) * ns];
        let row = &mut pm[k * m..(k + 1) * m];
        row.fill(0.0);
        for &i in used.iter() {
            let l = lk[i];
            for (x, &a) in row.iter_mut().zip(&at[i * m..(i + 1) * m]) {
                *x += l * a;
            }
        }
        let s = draw.scales[k];
        for x in row.iter_mut() {
            *x *= s;
        }
    }
    for k in 0..nk {
        let r = &consts.correlation[k * nk..(k + 1) * nk];
        let s = draw.scales[k];
        for o in 0..m {
            let mut y = 0.0;
            for (j, &rj) in r.iter().enumerate() {
                y += rj * pm[j * m + o];
            }
            xm[k * m + o] = s * y;
        }
    }
    for &i in used.iter() {
        let li = &consts.load[i * nk..(i + 1) * nk];
        let sq = consts.idio_sq[i];
        for o in 0..m {
            let mut y = sq * at[i * m + o];
            for (k, &l) in li.iter().enumerate() {
                y += l * xm[k * m + o];
            }
            dt[i * m + o] = y;
        }
    }

    let terms = Terms {
        ns,
        term,
        count,
        wl,
        wb,
        used,
        dt,
    };
    let (lambda, trial, step) = (&mut lambda[..m], &mut trial[..m], &mut step[..m]);
    let (f, f2, grad) = (&mut f[..m], &mut f2[..m], &mut grad[..m]);
    let (jac, jac2, lu) = (&mut jac[..m * m], &mut jac2[..m * m], &mut lu[..m * m]);

    lambda.fill(0.0);
    residual::<M>(conds, &terms, None, growth, grad, f, jac);
    for _ in 0..100 {
        let err = amax(f);
        if !err.is_finite() {
            return None;
        }
        if err < 1e-12 {
            // The shocks move by X lambda = S R S L' A' lambda (the
            // covariance of the shocks with the constrained combination),
            // the sectors by D lambda = L X lambda + diag(sigma^2) A' lambda.
            for (k, y) in shock.iter_mut().enumerate() {
                let row = &xm[k * m..(k + 1) * m];
                let mut s = 0.0;
                for (&x, &l) in row.iter().zip(lambda.iter()) {
                    s += x * l;
                }
                *y = s;
            }
            for (i, a) in at_l.iter_mut().enumerate() {
                let row = &at[i * m..(i + 1) * m];
                let mut s = 0.0;
                for (&x, &l) in row.iter().zip(lambda.iter()) {
                    s += x * l;
                }
                *a = s;
            }
            for (i, u) in innovation.iter_mut().enumerate() {
                let li = &consts.load[i * nk..(i + 1) * nk];
                let mut y = consts.idio_sq[i] * at_l[i];
                for (&l, &s) in li.iter().zip(shock.iter()) {
                    y += l * s;
                }
                *u = y;
            }
            return Some(Adjustment { innovation, shock });
        }
        lu.copy_from_slice(jac);
        for (s, &x) in step.iter_mut().zip(f.iter()) {
            *s = -x;
        }
        if !lu_solve(lu, m, step, swaps) {
            return None;
        }
        // Damped: halve the step until the largest residual falls.
        let mut t = 1.0;
        loop {
            for p in 0..m {
                trial[p] = lambda[p] + step[p] * t;
            }
            residual::<M>(conds, &terms, Some(trial), growth, grad, f2, jac2);
            if amax(f2) < err || t < 1e-6 {
                lambda.copy_from_slice(trial);
                f.copy_from_slice(f2);
                jac.copy_from_slice(jac2);
                break;
            }
            t *= 0.5;
        }
    }
    None
}

/// [`directions`] at a path's draw, into `at` (`A'`: `ns x m`, row-major).
/// One exact figure, as [`impossible`] reads it.
struct Figure {
    /// Index in `observed.values`.
    index: usize,
    indicator: usize,
    /// 0-based last quarter covered.
    quarter: usize,
    value: f64,
    /// Weight of each sector (dense).
    weights: Vec<f64>,
    /// The base year's same quarters, weighted, and the level they must reach.
    base: f64,
    target: f64,
}

fn percent(x: f64) -> String {
    let s = format!("{:.2}", 100.0 * x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn quarters_text(from: usize, to: usize) -> String {
    if from == to {
        format!("quarter {}", to + 1)
    } else {
        format!("quarters {}-{}", from + 1, to + 1)
    }
}

/// Exact figures that no path can reproduce, found in closed form from the
/// base-year quarters (MODEL.md 11.2): a year-to-date figure that implies a
/// quarter without a positive level, after the same indicator's earlier
/// figure; and a figure on a sum whose sectors are part of another figure's
/// sum, when the remaining sectors would need a level that is not positive.
/// Returns `(index in observed.values, message)`, at most one per figure.
pub(crate) fn impossible(scenario: &Scenario, base_quarters: &[[f64; 4]]) -> Vec<(usize, String)> {
    let Some(obs) = scenario.observed() else {
        return vec![];
    };
    let ns = base_quarters.len();
    let ids = |j: usize| &scenario.indicators()[j].id;
    let unit = &scenario.header().value_unit;
    let figures: Vec<Figure> = obs
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.share.is_none())
        .filter_map(|(index, v)| {
            let agg = scenario.indicators()[v.indicator].aggregate.as_ref()?;
            let q = v.quarter - 1;
            let mut weights = vec![0.0; ns];
            for &(i, w) in agg {
                weights[i] += w;
            }
            let base: f64 = (0..ns)
                .map(|i| weights[i] * base_quarters[i][..=q].iter().sum::<f64>())
                .sum();
            Some(Figure {
                index,
                indicator: v.indicator,
                quarter: q,
                value: v.value,
                weights,
                base,
                target: base * (1.0 + v.value / 100.0),
            })
        })
        .collect();
    // The latest earlier figure of the same indicator, if any.
    let earlier = |f: &Figure| {
        figures
            .iter()
            .filter(|e| e.indicator == f.indicator && e.quarter < f.quarter)
            .max_by_key(|e| e.quarter)
    };
    let mut out: Vec<(usize, String)> = vec![];
    // (1) A year-to-date figure after an earlier one of the same indicator.
    for f in &figures {
        let Some(e) = earlier(f) else { continue };
        let level = f.target - e.target;
        let base = f.base - e.base;
        if base > 0.0 && !(level > 0.0) {
            out.push((
                f.index,
                format!(
                    "impossible after {:+}% through quarter {}: {:?} {:+}% through quarter {} \
                     leaves {} with a level of {} of the base year's ({:.4} {unit}), \
                     and a quarter's level must be positive",
                    e.value,
                    e.quarter + 1,
                    ids(f.indicator),
                    f.value,
                    f.quarter + 1,
                    quarters_text(e.quarter + 1, f.quarter),
                    percent(level / base),
                    level
                ),
            ));
        }
    }
    // (2) A part of a sum beside the whole, through the same quarter.
    let positive = |i: usize| base_quarters[i].iter().all(|&b| b > 0.0);
    for whole in &figures {
        for part in &figures {
            if part.index == whole.index
                || part.quarter != whole.quarter
                || out.iter().any(|(k, _)| *k == part.index.max(whole.index))
            {
                continue;
            }
            let rest: Vec<f64> = (0..ns)
                .map(|i| whole.weights[i] - part.weights[i])
                .collect();
            let nested = rest.iter().all(|&r| r >= 0.0)
                && (0..ns).any(|i| rest[i] > 0.0 && positive(i))
                && (0..ns).any(|i| part.weights[i] > 0.0);
            if !nested {
                continue;
            }
            // The rest's year-to-date level, less its level before this
            // quarter when both figures were also published before.
            let mut level = whole.target - part.target;
            let mut from = 0;
            if let (Some(we), Some(pe)) = (earlier(whole), earlier(part)) {
                if we.quarter == pe.quarter {
                    level -= we.target - pe.target;
                    from = we.quarter + 1;
                }
            }
            if level > 0.0 {
                continue;
            }
            let (named, other) = if part.index > whole.index {
                (part, whole)
            } else {
                (whole, part)
            };
            out.push((
                named.index,
                format!(
                    "impossible beside {:?} {:+}%: through quarter {}, {:?} would reach {:.4} {unit} \
                     ({} of the base year's) but the whole, {:?}, only {:.4} {unit} ({}), so the \
                     other sectors of {:?} would need a level of {:.4} {unit} in {}, and a level \
                     must be positive",
                    ids(other.indicator),
                    other.value,
                    whole.quarter + 1,
                    ids(part.indicator),
                    part.target,
                    percent(part.target / part.base),
                    ids(whole.indicator),
                    whole.target,
                    percent(whole.target / whole.base),
                    ids(whole.indicator),
                    level,
                    quarters_text(from, whole.quarter),
                ),
            ));
        }
    }
    // (3) Several parts of one whole that do not overlap (their weights
    // together at most the whole's): together below the whole, year to date.
    for whole in &figures {
        let parts: Vec<&Figure> = figures
            .iter()
            .filter(|p| {
                p.index != whole.index
                    && p.quarter == whole.quarter
                    && (0..ns).all(|i| p.weights[i] <= whole.weights[i])
                    && (0..ns).any(|i| p.weights[i] > 0.0)
            })
            .collect();
        if parts.len() < 2 {
            continue;
        }
        let rest: Vec<f64> = (0..ns)
            .map(|i| whole.weights[i] - parts.iter().map(|p| p.weights[i]).sum::<f64>())
            .collect();
        if !(rest.iter().all(|&r| r >= 0.0) && (0..ns).any(|i| rest[i] > 0.0 && positive(i))) {
            continue;
        }
        let level = whole.target - parts.iter().map(|p| p.target).sum::<f64>();
        let last = parts
            .iter()
            .map(|p| p.index)
            .chain([whole.index])
            .max()
            .unwrap_or(whole.index);
        if level > 0.0 || out.iter().any(|(k, _)| *k == last) {
            continue;
        }
        let names: Vec<String> = parts
            .iter()
            .map(|p| format!("{:?} {:+}%", ids(p.indicator), p.value))
            .collect();
        out.push((
            last,
            format!(
                "impossible beside the other figures through quarter {}: {} together would reach \
                 {:.4} {unit} but the whole, {:?} {:+}%, only {:.4} {unit} ({} of the base year's), \
                 so the other sectors of {:?} would need a level of {:.4} {unit} in {}, and a \
                 level must be positive",
                whole.quarter + 1,
                names.join(", "),
                parts.iter().map(|p| p.target).sum::<f64>(),
                ids(whole.indicator),
                whole.value,
                whole.target,
                percent(whole.target / whole.base),
                ids(whole.indicator),
                level,
                quarters_text(0, whole.quarter),
            ),
        ));
    }
    out.sort_by_key(|(k, _)| *k);
    out
}

/// The first version of [`solve`], with nalgebra matrices built per path and
/// per Newton step (`M` formed in full, `D = M A'`, the platform's `exp` and
/// `ln`): the reference that the workspace solve must agree with to rounding.
#[cfg(test)]
fn solve_reference(
    conds: &[ExactCondition],
    params: &SectorParams,
    draw: &QuarterDraw,
) -> Option<(Vec<f64>, Vec<f64>)> {
    use nalgebra::DVector;
    let ns = params.idio.len();
    let nk = params.correlation.len();
    let m = conds.len();
    let cov = params.innovation_covariance(draw.scales);
    let a = directions(conds, ns, |i| draw.level[i], |i| draw.before[i]);
    let d = &cov * a.transpose();

    let residual = |lambda: &DVector<f64>| -> (DVector<f64>, DMatrix<f64>) {
        let shift = &d * lambda;
        let mut f = DVector::zeros(m);
        let mut jac = DMatrix::zeros(m, m);
        for (o, c) in conds.iter().enumerate() {
            let mut total = 0.0;
            let mut grad = vec![0.0; m];
            for &(i, w) in &c.weights {
                let l = w * draw.level[i] * shift[i].exp();
                total += w * draw.before[i] + l;
                for (p, g) in grad.iter_mut().enumerate() {
                    *g += l * d[(i, p)];
                }
            }
            f[o] = total.ln() - c.target_ytd.ln();
            for p in 0..m {
                jac[(o, p)] = grad[p] / total;
            }
        }
        (f, jac)
    };

    let mut lambda = DVector::zeros(m);
    let (mut f, mut jac) = residual(&lambda);
    for _ in 0..100 {
        let err = f.amax();
        if !err.is_finite() {
            return None;
        }
        if err < 1e-12 {
            let shift = &d * &lambda;
            let at_l = a.transpose() * &lambda;
            let r = DMatrix::from_fn(nk, nk, |x, y| params.correlation[x][y]);
            let lt = DVector::from_fn(nk, |k, _| {
                draw.scales[k]
                    * (0..ns)
                        .map(|i| params.load[i * params.load_stride + k] * at_l[i])
                        .sum::<f64>()
            });
            let shock = r * lt;
            return Some((
                shift.iter().copied().collect(),
                (0..nk).map(|k| draw.scales[k] * shock[k]).collect(),
            ));
        }
        let step = jac.clone().lu().solve(&(-&f))?;
        let mut t = 1.0;
        loop {
            let trial = &lambda + &step * t;
            let (f2, j2) = residual(&trial);
            if f2.amax() < err || t < 1e-6 {
                lambda = trial;
                f = f2;
                jac = j2;
                break;
            }
            t *= 0.5;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;
    use crate::scenario;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Random sector parameters: `ns` sectors, `nk` shocks (loadings padded
    /// to a stride of `nk + 1`, some zero), a valid correlation matrix.
    fn random_params(
        rng: &mut Xoshiro256PlusPlus,
        ns: usize,
        nk: usize,
    ) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
        let idio = (0..ns)
            .map(|_| 0.002 + 0.02 * rng.random::<f64>())
            .collect();
        let stride = nk + 1;
        let mut load = vec![0.0; ns * stride];
        for i in 0..ns {
            for k in 0..nk {
                if rng.random::<f64>() < 0.7 {
                    load[i * stride + k] = 0.03 * (rng.random::<f64>() - 0.3);
                }
            }
        }
        // R = B B' with unit-norm rows of B: a correlation matrix.
        let b: Vec<Vec<f64>> = (0..nk)
            .map(|_| {
                let row: Vec<f64> = (0..nk).map(|_| rng.random::<f64>() - 0.2).collect();
                let n = row.iter().map(|x| x * x).sum::<f64>().sqrt();
                row.iter().map(|x| x / n).collect()
            })
            .collect();
        let corr = (0..nk)
            .map(|x| {
                (0..nk)
                    .map(|y| (0..nk).map(|z| b[x][z] * b[y][z]).sum())
                    .collect()
            })
            .collect();
        (idio, load, corr)
    }

    /// The workspace solve agrees with the nalgebra version to rounding
    /// (1e-12 of each result vector's largest element) on the same random
    /// draws, with one figure and up to seven, sectors used by several
    /// figures or by one, and never grows its buffers.
    #[test]
    fn solve_agrees_with_the_nalgebra_version() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut solved = 0;
        for &(ns, nk, m) in &[
            (17, 6, 2),
            (17, 6, 1),
            (8, 7, 6),
            (4, 3, 2),
            (6, 6, 3),
            (9, 2, 2),
            (3, 0, 1),
            (12, 8, 7),
        ] {
            let (idio, load, correlation) = random_params(&mut rng, ns, nk);
            let base = vec![[100.0; 4]; ns];
            let params = SectorParams {
                idio: &idio,
                load: &load,
                load_stride: nk + 1,
                correlation: &correlation,
                base_quarters: &base,
            };
            let observed = Observed {
                solver: Solver::new(&params, m),
                ..Observed::default()
            };
            let mut ws = Workspace::new(&observed);
            let capacities = ws.capacities();
            for _ in 0..200 {
                let level: Vec<f64> = (0..ns)
                    .map(|_| 50.0 + 100.0 * rng.random::<f64>())
                    .collect();
                let before: Vec<f64> = (0..ns).map(|_| 300.0 * rng.random::<f64>()).collect();
                let scales: Vec<f64> = (0..nk).map(|_| 0.5 + 1.5 * rng.random::<f64>()).collect();
                // Condition 0 on all sectors, the others on disjoint pieces.
                let conds: Vec<ExactCondition> = (0..m)
                    .map(|o| {
                        let weights: Vec<(usize, f64)> = if o == 0 {
                            (0..ns).map(|i| (i, 1.0)).collect()
                        } else {
                            (0..ns)
                                .filter(|i| i % m == o)
                                .map(|i| (i, 0.5 + rng.random::<f64>()))
                                .collect()
                        };
                        let now: f64 = weights
                            .iter()
                            .map(|&(i, w)| w * (before[i] + level[i]))
                            .sum();
                        let target_ytd = now * (0.97 + 0.06 * rng.random::<f64>());
                        ExactCondition {
                            indicator: o,
                            weights,
                            target_ytd,
                            ln_target: target_ytd.ln(),
                        }
                    })
                    .collect();
                let draw = QuarterDraw {
                    before: &before,
                    level: &level,
                    scales: &scales,
                };
                let want = solve_reference(&conds, &params, &draw);
                let got = solve(&conds, &params, &draw, &mut ws)
                    .map(|adj| (adj.innovation.to_vec(), adj.shock.to_vec()));
                match (&got, &want) {
                    (Some((gu, gs)), Some((wu, ws_))) => {
                        for (g, w, what) in [(gu, wu, "innovation"), (gs, ws_, "shock")] {
                            let scale = w.iter().fold(0.0f64, |a, x| a.max(x.abs()));
                            for (x, y) in g.iter().zip(w) {
                                assert!(
                                    (x - y).abs() <= 1e-12 * scale,
                                    "ns {ns}, nk {nk}, m {m}: {what} {x} against {y}"
                                );
                            }
                        }
                    }
                    (None, None) => {}
                    _ => panic!(
                        "ns {ns}, nk {nk}, m {m}: solved {} but the reference {}",
                        got.is_some(),
                        want.is_some()
                    ),
                }
                solved += usize::from(want.is_some());
                assert_eq!(ws.capacities(), capacities, "a buffer grew");
            }
        }
        // Nearly every draw can reach its figures: the comparison is not
        // one of two failures.
        assert!(solved > 1500, "{solved} of 1600 solved");
    }

    /// The base-year quarters that load-time checking uses are those the
    /// compiled model simulates from, with and without a profile.
    #[test]
    fn load_time_base_quarters_are_the_compiled_ones() {
        let base = include_str!("../../tests/fixtures/two-sector.toml");
        for extra in [
            "",
            "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"industry\"\nyoy = [-12.0, 3.0, 4.0, 6.0]\n",
            "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"gdp\"\nshares = [0.2, 0.24, 0.26, 0.3]\n",
        ] {
            let s = scenario::load(&format!("{base}\n{extra}"), "test").unwrap();
            let (model, _) = Model::compile(&s, "test").unwrap();
            assert_eq!(
                crate::model::base_quarters(&s),
                model.base_quarters,
                "{extra}"
            );
        }
    }
}
