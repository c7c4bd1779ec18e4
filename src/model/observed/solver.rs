//! The per-path solve of a published quarter: the Newton iteration on the
//! quarter's innovations, in a workspace made once per block.

use super::*;
pub use lanes::LaneWorkspace;
pub(in crate::model) use lanes::{LaneDraw, solve_lanes};
use small::solve_small;
#[cfg(test)]
pub(super) use small::{SKIPPED, solve_small_baseline};

mod lanes;
// The per-path solve for one to four figures: the reference of the
// batched one (see `solve`).
#[cfg_attr(not(test), allow(dead_code))]
mod small;

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
    pub(super) fn new(params: &SectorParams, max_conditions: usize) -> Self {
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
    pub(super) fn capacities(&self) -> Vec<usize> {
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

/// What [`figure_terms`] writes: per figure `o`, its distinct sectors
/// (`term[o * ns + n]`, `n < count[o]`), their weighted levels
/// (`wl[o * ns + i]`) and its weighted sum before (`wb[o]`); a mark per
/// sector some figure uses; the directions `at[i * m + o]` (`m` figures).
pub(super) struct FigureTerms<'a> {
    pub ns: usize,
    pub term: &'a mut [usize],
    pub count: &'a mut [usize],
    pub mark: &'a mut [bool],
    pub seen: &'a mut [bool],
    pub wl: &'a mut [f64],
    pub wb: &'a mut [f64],
    pub at: &'a mut [f64],
}

/// Each figure's distinct sectors, their weighted levels and the weighted
/// sum before this quarter; the directions `A' = w L_i / (wb + sum wl)`.
/// `wl` and `at` are the slices for `conds.len()` figures.
#[inline(always)]
pub(super) fn figure_terms(conds: &[ExactCondition], draw: &QuarterDraw, t: FigureTerms) {
    let FigureTerms {
        ns,
        term,
        count,
        mark,
        seen,
        wl,
        wb,
        at,
    } = t;
    let m = conds.len();
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
}

/// The largest absolute value (a NaN is kept only when it comes last; the
/// caller tests the result for finiteness before comparing it).
pub(super) fn amax(x: &[f64]) -> f64 {
    x[1..].iter().fold(x[0].abs(), |a, &b| {
        let b = b.abs();
        if a >= b { a } else { b }
    })
}

/// Solve `J x = b` in place (`b` becomes `x`), `J` `m x m` column-major and
/// overwritten by its LU factors (partial pivoting). `false` when `J` is
/// singular.
pub(super) fn lu_solve(
    lu: &mut [f64],
    m: usize,
    b: &mut [f64],
    swaps: &mut Vec<(usize, usize)>,
) -> bool {
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
pub(super) struct Terms<'a> {
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
pub(super) fn residual<const M: usize>(
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
///
/// The engine solves a batch's lanes together ([`solve_lanes`], the same
/// bits per lane); this per-path solve is the reference it is tested
/// against (and the algorithm as MODEL.md 11.2 states it).
#[cfg_attr(not(test), allow(dead_code))]
pub(in crate::model) fn solve<'w>(
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
        1 => solve_small::<1>(conds, draw, ws),
        2 => solve_small::<2>(conds, draw, ws),
        3 => solve_small::<3>(conds, draw, ws),
        4 => solve_small::<4>(conds, draw, ws),
        _ => solve_with::<0>(conds, draw, ws),
    }
}

/// [`solve`] for `M` figures (`M = 0`: as many as `conds` has).
#[inline(never)]
pub(super) fn solve_with<'w, const M: usize>(
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

    let wl = &mut wl[..m * ns];
    let at = &mut at[..ns * m];
    figure_terms(
        conds,
        draw,
        FigureTerms {
            ns,
            term,
            count,
            mark,
            seen,
            wl,
            wb,
            at,
        },
    );
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
