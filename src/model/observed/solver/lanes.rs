//! The solve of a published quarter for every lane of a batch at once: the
//! operations of [`solve_small`] for each lane, in the same order, so each
//! lane gets exactly the bits of its own solve.
//!
//! * What depends only on the figures (each figure's distinct sectors, the
//!   sectors some figure uses) is found once per batch, not once per lane.
//! * The directions, `P`, `X` and `D`, every residual's `exp`s, sums and
//!   `ln`s and the final innovations are lane arrays, computed with the lane
//!   operations of the kernel's instruction set ([`Isa`]: four lanes per
//!   AVX2 instruction), with no fused multiply-add and no sum across lanes.
//! * Newton's control (the largest residual, the `M x M` LU, the step's
//!   damping, the test that skips the last residual) is per lane, on a lane's
//!   own state: each round evaluates the residual of every lane that needs
//!   one at its own trial point, and a lane that has converged (or failed)
//!   stops changing. A lane thus makes exactly the evaluations and decisions
//!   of its own [`solve_small`].
//!
//! More than four figures: [`solve_with`] lane by lane.

#![allow(clippy::needless_range_loop)]

use super::small::{TRY_BELOW, converged_without_residual_at, lu_small};
use super::*;
use crate::sample::{Isa, ln_lanes};

/// A batch's quarter before conditioning: per sector and shock, one lane
/// array (lane `l` is that path's [`QuarterDraw`]).
pub(in crate::model) struct LaneDraw<'a, const L: usize> {
    /// Each sector's year-to-date sum before this quarter.
    pub before: &'a [[f64; L]],
    /// Each sector's level this quarter as drawn.
    pub level: &'a [[f64; L]],
    /// Each shock's scale this quarter.
    pub scales: &'a [[f64; L]],
}

/// Scratch of [`solve_lanes`], made once per kernel: lane arrays for the
/// batched solve (matrices with a column per figure are row-major,
/// `x[row * m + o]`), and one lane's columns and a [`Workspace`] for more
/// than four figures. The result of a solve is in `shock` and `innovation`.
#[derive(Debug, Clone, Default)]
pub struct LaneWorkspace<const L: usize> {
    c: Solver,
    /// Per figure, its distinct sectors (`term[o * ns + n]`, `n < count[o]`);
    /// the sectors some figure uses, in increasing order; marks per sector.
    term: Vec<usize>,
    count: Vec<usize>,
    used: Vec<usize>,
    mark: Vec<bool>,
    seen: Vec<bool>,
    /// `wl[o * ns + i]`: figure `o`'s weighted level of sector `i` (only
    /// its terms are written); `wb[o]`: its weighted sum before.
    wl: Vec<[f64; L]>,
    wb: Vec<[f64; L]>,
    /// `A'`, `D` (`ns x m`), `P`, `X` (`nk x m`).
    at: Vec<[f64; L]>,
    dt: Vec<[f64; L]>,
    pm: Vec<[f64; L]>,
    xm: Vec<[f64; L]>,
    /// `exp` of each used sector's `(D lambda)_i`.
    growth: Vec<[f64; L]>,
    at_l: Vec<[f64; L]>,
    /// The change of each shock (`nk`) and of each sector's innovation
    /// (`ns`) of the lanes solved.
    pub(in crate::model) shock: Vec<[f64; L]>,
    pub(in crate::model) innovation: Vec<[f64; L]>,
    /// Each sector's loadings that are not zero (`(loading, shock)`,
    /// shocks in order) and each row of `R`'s entries that are not zero
    /// (`(entry, column)`), for the sums that may skip zero terms.
    loads_of: Vec<Vec<(f64, usize)>>,
    correlation_of: Vec<Vec<(f64, usize)>>,
    /// One lane's columns, for [`solve_with`].
    scalar: Workspace,
    before: Vec<f64>,
    level: Vec<f64>,
    scales: Vec<f64>,
}

impl<const L: usize> LaneWorkspace<L> {
    /// Scratch sized for the model whose `[observed]` section is `observed`
    /// (empty when it has no exact figures).
    pub fn new(observed: &Observed) -> Self {
        let c = observed.solver.clone();
        if c.max_conditions == 0 {
            return LaneWorkspace::default();
        }
        let (ns, nk, m) = (c.ns, c.nk, c.max_conditions);
        let z = |n: usize| vec![[0.0; L]; n];
        let nonzero = |row: &[f64]| {
            row.iter()
                .enumerate()
                .filter(|&(_, &a)| a != 0.0)
                .map(|(k, &a)| (a, k))
                .collect()
        };
        LaneWorkspace {
            loads_of: (0..ns)
                .map(|i| nonzero(&c.load[i * nk..(i + 1) * nk]))
                .collect(),
            correlation_of: (0..nk)
                .map(|k| nonzero(&c.correlation[k * nk..(k + 1) * nk]))
                .collect(),
            term: vec![0; m * ns],
            count: vec![0; m],
            used: Vec::with_capacity(ns),
            mark: vec![false; ns],
            seen: vec![false; ns],
            wl: z(m * ns),
            wb: z(m),
            at: z(ns * m),
            dt: z(ns * m),
            pm: z(nk * m),
            xm: z(nk * m),
            growth: z(ns),
            at_l: z(ns),
            shock: z(nk),
            innovation: z(ns),
            scalar: Workspace::new(observed),
            before: vec![0.0; ns],
            level: vec![0.0; ns],
            scales: vec![0.0; nk],
            c,
        }
    }
}

/// [`solve`] for every lane of a batch: lane `l` of the result is `true`
/// when its figures were reached, and then lane `l` of `ws.shock` and
/// `ws.innovation` has exactly the bits of the [`Adjustment`] that `solve`
/// gives for lane `l`'s [`QuarterDraw`] (the lanes that failed hold
/// anything). `isa` gives the lane operations; the body is inlined into the
/// caller, so the AVX2 kernel runs it with AVX2.
#[inline(always)]
pub(in crate::model) fn solve_lanes<I: Isa, const L: usize>(
    isa: I,
    conds: &[ExactCondition],
    draw: &LaneDraw<L>,
    ws: &mut LaneWorkspace<L>,
) -> [bool; L] {
    let m = conds.len();
    assert!(
        m <= ws.c.max_conditions && draw.level.len() == ws.c.ns,
        "observed::solve_lanes: workspace made for another model"
    );
    match m {
        0 => {
            ws.shock.fill([0.0; L]);
            ws.innovation.fill([0.0; L]);
            [true; L]
        }
        1 => solve_lanes_small::<I, 1, L>(isa, conds, draw, ws),
        2 => solve_lanes_small::<I, 2, L>(isa, conds, draw, ws),
        3 => solve_lanes_small::<I, 3, L>(isa, conds, draw, ws),
        4 => solve_lanes_small::<I, 4, L>(isa, conds, draw, ws),
        _ => solve_lanes_general(conds, draw, ws),
    }
}

/// More than four figures: [`solve_with`] on each lane's columns.
#[inline(never)]
fn solve_lanes_general<const L: usize>(
    conds: &[ExactCondition],
    draw: &LaneDraw<L>,
    ws: &mut LaneWorkspace<L>,
) -> [bool; L] {
    let mut ok = [false; L];
    for l in 0..L {
        for (x, y) in ws.before.iter_mut().zip(draw.before) {
            *x = y[l];
        }
        for (x, y) in ws.level.iter_mut().zip(draw.level) {
            *x = y[l];
        }
        for (x, y) in ws.scales.iter_mut().zip(draw.scales) {
            *x = y[l];
        }
        let one = QuarterDraw {
            before: &ws.before,
            level: &ws.level,
            scales: &ws.scales,
        };
        if let Some(adj) = solve_with::<0>(conds, &one, &mut ws.scalar) {
            ok[l] = true;
            for (x, &y) in ws.shock.iter_mut().zip(adj.shock) {
                x[l] = y;
            }
            for (x, &y) in ws.innovation.iter_mut().zip(adj.innovation) {
                x[l] = y;
            }
        }
    }
    ok
}

/// One lane's Newton state.
#[derive(Clone, Copy)]
struct Newton<const M: usize> {
    lambda: [f64; M],
    f: [f64; M],
    jac: [[f64; M]; M],
    /// The largest residual at `lambda`.
    err: f64,
    step: [f64; M],
    /// The damping of `step`, and the point `lambda + step t` to evaluate.
    t: f64,
    trial: [f64; M],
    iteration: usize,
}

/// What a lane waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The residual at its `trial`.
    Eval,
    Done,
    Failed,
}

impl<const M: usize> Newton<M> {
    /// The top of an iteration of [`solve_small`]'s loop, with `f` and
    /// `jac` at `lambda`: stop, or take the Newton step and ask for the
    /// residual at the full step (or accept it without, as `solve_small`).
    #[inline(always)]
    fn iterate(&mut self, skip: impl Fn(&[f64; M]) -> bool) -> Phase {
        if self.iteration == 100 {
            return Phase::Failed;
        }
        let err = amax(&self.f);
        if !err.is_finite() {
            return Phase::Failed;
        }
        if err < 1e-12 {
            return Phase::Done;
        }
        self.err = err;
        let mut lu = self.jac;
        let mut step = [0.0; M];
        for p in 0..M {
            step[p] = -self.f[p];
        }
        if !lu_small::<M>(&mut lu, &mut step) {
            return Phase::Failed;
        }
        self.step = step;
        self.t = 1.0;
        let mut trial = [0.0; M];
        for p in 0..M {
            trial[p] = self.lambda[p] + step[p] * self.t;
        }
        if self.iteration < 99 && err < TRY_BELOW && skip(&step) {
            self.lambda = trial;
            return Phase::Done;
        }
        self.trial = trial;
        Phase::Eval
    }

    /// The residual `f2`, `j2` at `trial`: accept the step and iterate, or
    /// halve it.
    #[inline(always)]
    fn evaluated(
        &mut self,
        f2: [f64; M],
        j2: [[f64; M]; M],
        skip: impl Fn(&[f64; M]) -> bool,
    ) -> Phase {
        if amax(&f2) < self.err || self.t < 1e-6 {
            self.lambda = self.trial;
            self.f = f2;
            self.jac = j2;
            self.iteration += 1;
            return self.iterate(skip);
        }
        self.t *= 0.5;
        for p in 0..M {
            self.trial[p] = self.lambda[p] + self.step[p] * self.t;
        }
        Phase::Eval
    }
}

/// What [`residual_lanes`] reads of the workspace.
struct LaneTerms<'a, const L: usize> {
    ns: usize,
    term: &'a [usize],
    count: &'a [usize],
    used: &'a [usize],
    wl: &'a [[f64; L]],
    wb: &'a [[f64; L]],
    dt: &'a [[f64; L]],
}

/// The residuals and Jacobians (`jac[p][o]`: column `p`) of every lane at
/// `lambda` (lane arrays), or at the drawn point (`None`), with the
/// operations of `residual_small` per lane. A function, not a closure, so
/// that it is inlined (with the caller's instruction set) at both calls.
#[inline(always)]
#[allow(clippy::type_complexity)]
fn residual_lanes<I: Isa, const M: usize, const L: usize>(
    isa: I,
    conds: &[ExactCondition],
    t: &LaneTerms<L>,
    lambda: Option<&[[f64; L]; M]>,
    growth: &mut [[f64; L]],
) -> ([[f64; L]; M], [[[f64; L]; M]; M]) {
    let v = |x: &[f64; L]| isa.lanes(x);
    let zero = [0.0; L];
    let (ns, dt) = (t.ns, t.dt);
    match lambda {
        None => {
            for &i in t.used {
                growth[i] = [1.0; L];
            }
        }
        Some(lambda) => {
            for &i in t.used {
                let mut s = v(&dt[i * M]) * v(&lambda[0]);
                for p in 1..M {
                    s = s + v(&dt[i * M + p]) * v(&lambda[p]);
                }
                growth[i] = isa.exp(&s.get());
            }
        }
    }
    let mut f = [zero; M];
    let mut jac = [[zero; M]; M];
    for (o, c) in conds.iter().enumerate().take(M) {
        let mut total = v(&t.wb[o]);
        let mut grad = [v(&zero); M];
        for &i in &t.term[o * ns..o * ns + t.count[o]] {
            let l = v(&t.wl[o * ns + i]) * v(&growth[i]);
            total = total + l;
            for p in 0..M {
                grad[p] = grad[p] + l * v(&dt[i * M + p]);
            }
        }
        let total = total.get();
        let ln = ln_lanes(&total);
        f[o] = std::array::from_fn(|l| ln[l] - c.ln_target);
        for p in 0..M {
            let g = grad[p].get();
            jac[p][o] = std::array::from_fn(|l| g[l] / total[l]);
        }
    }
    (f, jac)
}

/// [`solve_lanes`] for `M` (1 to 4) figures.
#[inline(always)]
fn solve_lanes_small<I: Isa, const M: usize, const L: usize>(
    isa: I,
    conds: &[ExactCondition],
    draw: &LaneDraw<L>,
    ws: &mut LaneWorkspace<L>,
) -> [bool; L] {
    let (ns, nk) = (ws.c.ns, ws.c.nk);
    let v = |x: &[f64; L]| isa.lanes(x);
    let zero = [0.0; L];
    let LaneWorkspace {
        c: consts,
        term,
        count,
        used,
        mark,
        seen,
        wl,
        wb,
        at,
        dt,
        pm,
        xm,
        growth,
        at_l,
        shock,
        innovation,
        loads_of,
        correlation_of,
        ..
    } = ws;

    // The figures' terms and directions, as in `solve_small`.
    at[..ns * M].fill(zero);
    mark.fill(false);
    for (o, c) in conds.iter().enumerate() {
        let mut b = v(&zero);
        let mut n = 0;
        for &(i, w) in &c.weights {
            if !seen[i] {
                seen[i] = true;
                term[o * ns + n] = i;
                n += 1;
                wl[o * ns + i] = zero;
            }
            wl[o * ns + i] = (v(&wl[o * ns + i]) + w * v(&draw.level[i])).get();
            b = b + w * v(&draw.before[i]);
        }
        count[o] = n;
        wb[o] = b.get();
        let mut total = b;
        for &i in &term[o * ns..o * ns + n] {
            total = total + v(&wl[o * ns + i]);
            mark[i] = true;
            seen[i] = false;
        }
        let total = total.get();
        for &i in &term[o * ns..o * ns + n] {
            let x = &wl[o * ns + i];
            at[i * M + o] = std::array::from_fn(|l| x[l] / total[l]);
        }
    }
    used.clear();
    used.extend((0..ns).filter(|&i| mark[i]));
    let (term, count, used) = (&*term, &*count, &*used);
    // Every term non-negative (the other elements of `solve_small`'s `wl`
    // are zeros): the bound of the residual skip holds.
    let mut nonnegative = [true; L];
    for o in 0..M {
        for &i in &term[o * ns..o * ns + count[o]] {
            let x = &wl[o * ns + i];
            for l in 0..L {
                nonnegative[l] &= x[l] >= 0.0;
            }
        }
        for l in 0..L {
            nonnegative[l] &= wb[o][l] >= 0.0;
        }
    }
    let largest_ln = conds.iter().fold(0.0f64, |a, c| a.max(c.ln_target.abs()));
    let slack = 2.0 * 4.0 * f64::EPSILON * (largest_ln + ns as f64 + 8.0);

    // P = S L' A' (the used sectors in increasing order: the others' rows
    // of A' are zero and add nothing to a sum that started at +0.0), X = S R
    // P, D = L X + diag(sigma^2) A' (used rows).
    //
    // Each of these sums skips its zero coefficients when the values they
    // multiply are finite (see [`sum_row`]).
    let finite = |x: &[[f64; L]]| x.iter().all(|x| isa.all_finite(x));
    let load_row = |i: usize| Row {
        all: &consts.load[i * nk..(i + 1) * nk],
        nonzero: &loads_of[i],
    };
    pm[..nk * M].fill(zero);
    for &i in used {
        let at = &at[i * M..(i + 1) * M];
        // These sums start at +0, which adding ±0 leaves as it is.
        let row = load_row(i);
        if finite(at) {
            for &(l, k) in row.nonzero {
                add_scaled::<I, M, L>(isa, &mut pm[k * M..(k + 1) * M], l, at);
            }
        } else {
            for (k, &l) in row.all.iter().enumerate() {
                add_scaled::<I, M, L>(isa, &mut pm[k * M..(k + 1) * M], l, at);
            }
        }
    }
    for k in 0..nk {
        let s = v(&draw.scales[k]);
        for o in 0..M {
            pm[k * M + o] = (v(&pm[k * M + o]) * s).get();
        }
    }
    let pm_finite = finite(&pm[..nk * M]);
    for k in 0..nk {
        let row = Row {
            all: &consts.correlation[k * nk..(k + 1) * nk],
            nonzero: &correlation_of[k],
        };
        let s = v(&draw.scales[k]);
        for o in 0..M {
            let y = sum_row(isa, zero, row, pm_finite, |j| &pm[j * M + o]);
            xm[k * M + o] = (s * v(&y)).get();
        }
    }
    let xm_finite = finite(&xm[..nk * M]);
    for &i in used {
        let sq = consts.idio_sq[i];
        for o in 0..M {
            let start = (sq * v(&at[i * M + o])).get();
            dt[i * M + o] = sum_row(isa, start, load_row(i), xm_finite, |k| &xm[k * M + o]);
        }
    }
    let (dt, at, xm, wl, wb) = (&*dt, &*at, &*xm, &*wl, &*wb);

    let terms = LaneTerms {
        ns,
        term,
        count,
        used,
        wl,
        wb,
        dt,
    };
    let lane_of = |f: &[[f64; L]; M], jac: &[[[f64; L]; M]; M], l: usize| {
        let fl: [f64; M] = std::array::from_fn(|o| f[o][l]);
        let jl: [[f64; M]; M] = std::array::from_fn(|p| std::array::from_fn(|o| jac[p][o][l]));
        (fl, jl)
    };
    let skip = |l: usize| {
        let ok = nonnegative[l];
        move |step: &[f64; M]| {
            ok && converged_without_residual_at::<M>(used, |i, p| dt[i * M + p][l], step, slack)
        }
    };

    let (f0, j0) = residual_lanes::<I, M, L>(isa, conds, &terms, None, growth);
    let mut phase = [Phase::Eval; L];
    let mut newton: [Newton<M>; L] = std::array::from_fn(|l| {
        let (f, jac) = lane_of(&f0, &j0, l);
        Newton {
            lambda: [0.0; M],
            f,
            jac,
            err: 0.0,
            step: [0.0; M],
            t: 1.0,
            trial: [0.0; M],
            iteration: 0,
        }
    });
    for l in 0..L {
        phase[l] = newton[l].iterate(skip(l));
    }
    let mut trial = [zero; M];
    while phase.contains(&Phase::Eval) {
        for l in 0..L {
            if phase[l] == Phase::Eval {
                for p in 0..M {
                    trial[p][l] = newton[l].trial[p];
                }
            }
        }
        let (f2, j2) = residual_lanes::<I, M, L>(isa, conds, &terms, Some(&trial), growth);
        for l in 0..L {
            if phase[l] == Phase::Eval {
                let (fl, jl) = lane_of(&f2, &j2, l);
                phase[l] = newton[l].evaluated(fl, jl, skip(l));
            }
        }
    }

    // The shocks move by X lambda, the sectors by L X lambda + diag(sigma^2)
    // A' lambda, as in `solve_small`.
    let ok: [bool; L] = std::array::from_fn(|l| phase[l] == Phase::Done);
    let lambda: [[f64; L]; M] =
        std::array::from_fn(|o| std::array::from_fn(|l| newton[l].lambda[o]));
    for (k, y) in shock.iter_mut().enumerate() {
        let mut s = v(&zero);
        for o in 0..M {
            s = s + v(&xm[k * M + o]) * v(&lambda[o]);
        }
        *y = s.get();
    }
    for (i, a) in at_l.iter_mut().enumerate() {
        let mut s = v(&zero);
        for o in 0..M {
            s = s + v(&at[i * M + o]) * v(&lambda[o]);
        }
        *a = s.get();
    }
    // A failed lane's shocks may be anything: then every term is summed.
    let shock_finite = finite(shock);
    for (i, u) in innovation.iter_mut().enumerate() {
        let start = (consts.idio_sq[i] * v(&at_l[i])).get();
        *u = sum_row(isa, start, load_row(i), shock_finite, |k| &shock[k]);
    }
    ok
}

/// `y[o] += a x[o]` per lane, for the `M` columns.
#[inline(always)]
fn add_scaled<I: Isa, const M: usize, const L: usize>(
    isa: I,
    y: &mut [[f64; L]],
    a: f64,
    x: &[[f64; L]],
) {
    let v = |x: &[f64; L]| isa.lanes(x);
    for (y, x) in y[..M].iter_mut().zip(&x[..M]) {
        *y = (v(y) + a * v(x)).get();
    }
}

/// A row of coefficients `c_k` of a sum, with those that are not zero
/// (`(c_k, k)`, in order of `k`).
#[derive(Clone, Copy)]
struct Row<'a> {
    all: &'a [f64],
    nonzero: &'a [(f64, usize)],
}

/// `start + c_0 x_0 + c_1 x_1 + ...` per lane, left to right (`x(k)` is
/// `x_k`), skipping the terms whose `c_k` is zero when `skip_zeros` (the
/// caller's promise that every `x_k` is finite), with the bits of the sum
/// of every term. A skipped term is then `±0`, and adding `±0` to a partial
/// sum changes it only from `-0` to `+0`: the full sum and the sum without
/// those terms are equal, or the full one is `+0` where the other is `-0`.
/// So only a lane that ends at `-0` is summed again with every term.
#[inline(always)]
fn sum_row<'x, I: Isa, const L: usize>(
    isa: I,
    start: [f64; L],
    row: Row,
    skip_zeros: bool,
    x: impl Fn(usize) -> &'x [f64; L],
) -> [f64; L] {
    let v = |a: &[f64; L]| isa.lanes(a);
    let full = || {
        let mut sum = v(&start);
        for (k, &c) in row.all.iter().enumerate() {
            sum = sum + c * v(x(k));
        }
        sum.get()
    };
    if !skip_zeros {
        return full();
    }
    let mut sum = v(&start);
    for &(c, k) in row.nonzero {
        sum = sum + c * v(x(k));
    }
    let sum = sum.get();
    if sum.iter().any(|s| s.to_bits() == (-0.0f64).to_bits()) {
        return full();
    }
    sum
}

#[cfg(test)]
mod tests;
