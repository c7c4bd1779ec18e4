//! The solve of a published quarter for 1 to 4 figures: the operations of
//! [`solve_with`] in the same order, so the same bits, with less work around
//! them:
//!
//! * each sector's column of the figures (`A'`, `D`) and each shock's (`P`,
//!   `X`) is a fixed-size row `[f64; M]`, so the loops over the figures are
//!   unrolled and pairs of them are one SSE2 operation;
//! * the Newton state, the Jacobian and its LU factors are arrays on the
//!   stack, the LU unrolled for `M` (the same pivoting, the same products);
//! * the sectors' `exp`s of a residual are taken four at a time
//!   (`sample::exp_lanes`, the scalar function's bits per lane);
//! * the residual after the last Newton step is not evaluated when it is
//!   certain to be below the tolerance (see [`converged_without_residual`]):
//!   the step is then accepted exactly as [`solve_with`] would accept it,
//!   and the result is formed from the same final iterate.

// Index loops over the figures, written as in `solve_with` so that the order of
// every operation can be read against it.
#![allow(clippy::needless_range_loop)]

use super::*;
use crate::model::step::KernelKind;

/// Four sectors' `exp` at a time.
const EXP_LANES: usize = 4;

/// What the residual after a Newton step accepted without evaluating it
/// may be at most (half the tolerance 1e-12, for anything the bound of
/// [`converged_without_residual`] does not count).
const SURE_RESIDUAL: f64 = 5e-13;

/// A bound on the relative rounding of a sum of at most four products
/// (2^-50, several times `M` ulps).
const ROUNDING: f64 = 8.881784197001252e-16;

/// Below this largest residual the test of [`converged_without_residual`]
/// is worth making (it costs a pass over the sectors; above, the step is
/// too large to pass it).
pub(super) const TRY_BELOW: f64 = 1e-4;

#[cfg(test)]
thread_local! {
    /// Solves of this thread that accepted their last step without
    /// evaluating its residual (for the tests).
    pub(in crate::model::observed) static SKIPPED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The residuals and the Jacobian (`jac[p][o]`: column `p`) at `lambda`,
/// or at the drawn point (`lambda = None`), with the same operations as
/// [`residual`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn residual_small<const M: usize>(
    conds: &[ExactCondition],
    ns: usize,
    term: &[usize],
    count: &[usize],
    wl: &[f64],
    wb: &[f64],
    used: &[usize],
    dt: &[[f64; M]],
    lambda: Option<&[f64; M]>,
    growth: &mut [f64],
) -> ([f64; M], [[f64; M]; M]) {
    match lambda {
        None => {
            for &i in used {
                growth[i] = 1.0;
            }
        }
        Some(lambda) => {
            let shift = |i: usize| {
                let row = &dt[i];
                let mut s = row[0] * lambda[0];
                for p in 1..M {
                    s += row[p] * lambda[p];
                }
                s
            };
            let chunks = used.chunks_exact(EXP_LANES);
            // The last sectors one at a time (the scalar `exp` has the bits
            // of every lane of `exp_lanes`).
            for &i in chunks.remainder() {
                growth[i] = draw::exp(shift(i));
            }
            for chunk in chunks {
                let x: [f64; EXP_LANES] = std::array::from_fn(|j| shift(chunk[j]));
                let e = draw::exp_lanes(&x);
                for (&e, &i) in e.iter().zip(chunk) {
                    growth[i] = e;
                }
            }
        }
    }
    let mut f = [0.0; M];
    let mut jac = [[0.0; M]; M];
    for (o, c) in conds.iter().enumerate().take(M) {
        let mut total = wb[o];
        let mut grad = [0.0; M];
        for &i in &term[o * ns..o * ns + count[o]] {
            let l = wl[o * ns + i] * growth[i];
            total += l;
            let row = &dt[i];
            for p in 0..M {
                grad[p] += l * row[p];
            }
        }
        f[o] = draw::ln(total) - c.ln_target;
        for p in 0..M {
            jac[p][o] = grad[p] / total;
        }
    }
    (f, jac)
}

/// [`lu_solve`] for `M x M`: `lu[c][r]` is row `r` of column `c`; the same
/// pivot choices and the same operations in the same order.
#[inline(always)]
pub(super) fn lu_small<const M: usize>(lu: &mut [[f64; M]; M], b: &mut [f64; M]) -> bool {
    let mut swaps = [(0usize, 0usize); M];
    let mut n_swaps = 0;
    for i in 0..M {
        let mut piv = i;
        let mut best = lu[i][i].abs();
        for r in i + 1..M {
            let x = lu[i][r].abs();
            if x > best {
                best = x;
                piv = r;
            }
        }
        let diag = lu[i][piv];
        if diag == 0.0 {
            continue;
        }
        if piv != i {
            swaps[n_swaps] = (i, piv);
            n_swaps += 1;
            for col in lu.iter_mut() {
                col.swap(i, piv);
            }
        }
        let inv = 1.0 / diag;
        for r in i + 1..M {
            lu[i][r] *= inv;
        }
        for c in i + 1..M {
            let p = -lu[c][i];
            for r in i + 1..M {
                lu[c][r] = p * lu[i][r] + lu[c][r];
            }
        }
    }
    for &(i, piv) in &swaps[..n_swaps] {
        b.swap(i, piv);
    }
    for i in 0..M.saturating_sub(1) {
        let coeff = -b[i];
        for r in i + 1..M {
            b[r] = coeff * lu[i][r] + b[r];
        }
    }
    for i in (0..M).rev() {
        let diag = lu[i][i];
        if diag == 0.0 {
            return false;
        }
        let coeff = b[i] / diag;
        b[i] = coeff;
        for r in 0..i {
            b[r] = -coeff * lu[i][r] + b[r];
        }
    }
    true
}

/// Whether the full Newton `step` from a point whose residuals were just
/// evaluated certainly ends below the tolerance, so that [`solve_with`],
/// which would evaluate the residuals there, would accept the step and stop.
///
/// Every figure is `F_o = ln(T_o) - ln(target_o)` with `T_o = wb_o + sum_i
/// wl_oi exp(u_i)`, `u = D lambda`. When every `wb_o` and `wl_oi` is
/// non-negative, the second derivative of `ln T_o` along any direction `d`
/// of `u` lies in `[-max d_i^2, max d_i^2]`: it is `T''/T - (T'/T)^2`, and
/// with the weights `wl_oi exp(u_i) / T_o` non-negative and summing to at
/// most 1, both `T''/T = sum (weight d_i^2)` and `(T'/T)^2` lie in
/// `[0, max d_i^2]`. The Newton step makes the linear part vanish, so the
/// exact residual after it is at most `max_i (D step)_i^2 / 2`, plus what
/// rounding adds: the residuals evaluated before the step and after it each
/// differ from the exact ones by a few ulps of `ln T` (`ln` and `exp` within
/// 1 ulp, the sum of the terms within `n` ulps relative), counted here as
/// `4 eps (|ln target| + ns + 8)` each, and the rounding of the step and of
/// the Jacobian times it is of order `eps * max |u|`, negligible. The test
/// is that all of it stays below [`SURE_RESIDUAL`], half the tolerance.
/// `slack` is the rounding part, computed once per solve.
#[inline(always)]
fn converged_without_residual<const M: usize>(
    used: &[usize],
    dt: &[[f64; M]],
    step: &[f64; M],
    slack: f64,
) -> bool {
    converged_without_residual_at::<M>(used, |i, p| dt[i][p], step, slack)
}

/// [`converged_without_residual`] with `D`'s element `(i, p)` read by `dt`
/// (a lane of the batched solve).
#[inline(always)]
pub(super) fn converged_without_residual_at<const M: usize>(
    used: &[usize],
    dt: impl Fn(usize, usize) -> f64,
    step: &[f64; M],
    slack: f64,
) -> bool {
    let mut most = 0.0f64;
    for &i in used {
        let mut u = dt(i, 0) * step[0];
        let mut size = u.abs();
        for p in 1..M {
            let x = dt(i, p) * step[p];
            u += x;
            size += x.abs();
        }
        // The move itself, and a bound on the rounding of its sum.
        let v = u.abs() + size * ROUNDING;
        most = if v > most { v } else { most };
    }
    // A NaN fails.
    0.5 * most * most + slack <= SURE_RESIDUAL
}

/// [`solve`] for `M` (1 to 4) figures, with the bits of [`solve_with`]:
/// compiled for the x86-64 baseline and with AVX2, the second run when the
/// engine's kernel is the AVX2 one ([`KernelKind::chosen`]). Both are the
/// same source of plain IEEE operations without fused multiply-add, so they
/// give the same bits; AVX2 only lets the compiler take the four `exp`s of
/// a chunk in one 256-bit vector.
pub(super) fn solve_small<'w, const M: usize>(
    conds: &[ExactCondition],
    draw: &QuarterDraw,
    ws: &'w mut Workspace,
) -> Option<Adjustment<'w>> {
    #[cfg(target_arch = "x86_64")]
    if KernelKind::chosen() == KernelKind::Avx2 {
        // SAFETY: `chosen` is AVX2 only when the CPU has it.
        return unsafe { solve_small_avx2::<M>(conds, draw, ws) };
    }
    solve_small_baseline::<M>(conds, draw, ws)
}

/// [`solve_small`] for the target's baseline instruction set.
#[inline(never)]
pub(in crate::model::observed) fn solve_small_baseline<'w, const M: usize>(
    conds: &[ExactCondition],
    draw: &QuarterDraw,
    ws: &'w mut Workspace,
) -> Option<Adjustment<'w>> {
    solve_small_body::<M>(conds, draw, ws)
}

/// [`solve_small`] compiled with AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
pub(super) unsafe fn solve_small_avx2<'w, const M: usize>(
    conds: &[ExactCondition],
    draw: &QuarterDraw,
    ws: &'w mut Workspace,
) -> Option<Adjustment<'w>> {
    solve_small_body::<M>(conds, draw, ws)
}

/// The body of [`solve_small`].
#[inline(always)]
fn solve_small_body<'w, const M: usize>(
    conds: &[ExactCondition],
    draw: &QuarterDraw,
    ws: &'w mut Workspace,
) -> Option<Adjustment<'w>> {
    debug_assert_eq!(conds.len(), M);
    let (ns, nk) = (ws.c.ns, ws.c.nk);
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
        at_l,
        shock,
        innovation,
        ..
    } = ws;

    // The figures' terms and directions, as in `solve_with`.
    let wl = &mut wl[..M * ns];
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
            at: &mut at[..ns * M],
        },
    );
    let (at, _) = at[..ns * M].as_chunks_mut::<M>();
    used.clear();
    used.extend((0..ns).filter(|&i| mark[i]));
    // The residual bound of `converged_without_residual` needs every term
    // non-negative (a NaN fails the test, and then every residual is
    // evaluated).
    let nonnegative = wl.iter().all(|&x| x >= 0.0) && wb[..M].iter().all(|&x| x >= 0.0);
    let largest_ln = conds.iter().fold(0.0f64, |a, c| a.max(c.ln_target.abs()));
    let slack = 2.0 * 4.0 * f64::EPSILON * (largest_ln + ns as f64 + 8.0);

    // P = S L' A', X = S R P, D = L X + diag(sigma^2) A' (used rows).
    let (pm, _) = pm[..nk * M].as_chunks_mut::<M>();
    let (xm, _) = xm[..nk * M].as_chunks_mut::<M>();
    let (dt, _) = dt[..ns * M].as_chunks_mut::<M>();
    // Sector by sector (every sector, in order: the rows of the sectors no
    // figure uses are zero, and adding `l * 0` to a sum that started at
    // +0.0 changes none of its bits, so each element is the sum over the
    // used sectors in increasing order), all shocks at once.
    for row in pm.iter_mut() {
        *row = [0.0; M];
    }
    for (i, a) in at.iter().enumerate() {
        let li = &consts.load[i * nk..(i + 1) * nk];
        for (row, &l) in pm.iter_mut().zip(li) {
            for o in 0..M {
                row[o] += l * a[o];
            }
        }
    }
    for (row, &s) in pm.iter_mut().zip(draw.scales) {
        for x in row.iter_mut() {
            *x *= s;
        }
    }
    for k in 0..nk {
        let r = &consts.correlation[k * nk..(k + 1) * nk];
        let s = draw.scales[k];
        let mut y = [0.0; M];
        for (&rj, pj) in r.iter().zip(pm.iter()) {
            for o in 0..M {
                y[o] += rj * pj[o];
            }
        }
        for o in 0..M {
            xm[k][o] = s * y[o];
        }
    }
    // Every sector's row (those of unused sectors are never read): the
    // idiosyncratic term, then shock by shock over all sectors (each element
    // still adds the shocks in order).
    for ((d, a), &sq) in dt.iter_mut().zip(at.iter()).zip(&consts.idio_sq) {
        for o in 0..M {
            d[o] = sq * a[o];
        }
    }
    for (k, xk) in xm.iter().enumerate() {
        let lk = &consts.load_t[k * ns..(k + 1) * ns];
        for (d, &l) in dt.iter_mut().zip(lk) {
            for o in 0..M {
                d[o] += l * xk[o];
            }
        }
    }
    let (dt, at, xm, wl) = (&*dt, &*at, &*xm, &*wl);

    let eval = |lambda: Option<&[f64; M]>, growth: &mut [f64]| {
        residual_small::<M>(conds, ns, term, count, wl, wb, used, dt, lambda, growth)
    };
    let mut lambda = [0.0; M];
    let (mut f, mut jac) = eval(None, growth);
    let mut done = false;
    for iteration in 0..100 {
        let err = amax(&f);
        if !err.is_finite() {
            return None;
        }
        if err < 1e-12 {
            done = true;
            break;
        }
        let mut lu = jac;
        let mut step = [0.0; M];
        for p in 0..M {
            step[p] = -f[p];
        }
        if !lu_small::<M>(&mut lu, &mut step) {
            return None;
        }
        // Damped: halve the step until the largest residual falls.
        let mut t = 1.0;
        loop {
            let mut trial = [0.0; M];
            for p in 0..M {
                trial[p] = lambda[p] + step[p] * t;
            }
            // `solve_with` would accept the full step and stop at the next
            // test (unless this was its last iteration, after which it gives
            // up).
            if t == 1.0
                && iteration < 99
                && nonnegative
                && err < TRY_BELOW
                && converged_without_residual::<M>(used, dt, &step, slack)
            {
                #[cfg(test)]
                SKIPPED.with(|n| n.set(n.get() + 1));
                lambda = trial;
                done = true;
                break;
            }
            let (f2, j2) = eval(Some(&trial), growth);
            if amax(&f2) < err || t < 1e-6 {
                lambda = trial;
                f = f2;
                jac = j2;
                break;
            }
            t *= 0.5;
        }
        if done {
            break;
        }
    }
    if !done {
        return None;
    }
    // The shocks move by X lambda, the sectors by L X lambda + diag(sigma^2)
    // A' lambda, as in `solve_with`.
    for (y, row) in shock.iter_mut().zip(xm.iter()) {
        let mut s = 0.0;
        for o in 0..M {
            s += row[o] * lambda[o];
        }
        *y = s;
    }
    for (a, row) in at_l.iter_mut().zip(at.iter()) {
        let mut s = 0.0;
        for o in 0..M {
            s += row[o] * lambda[o];
        }
        *a = s;
    }
    // The idiosyncratic term, then shock by shock over all sectors.
    for ((u, &a), &sq) in innovation.iter_mut().zip(at_l.iter()).zip(&consts.idio_sq) {
        *u = sq * a;
    }
    for (k, &s) in shock.iter().enumerate() {
        let lk = &consts.load_t[k * ns..(k + 1) * ns];
        for (u, &l) in innovation.iter_mut().zip(lk) {
            *u += l * s;
        }
    }
    Some(Adjustment { innovation, shock })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// `lu_small` gives the bits of `lu_solve` (pivoting included: random
    /// matrices, some with a zero or tiny leading element, some singular).
    #[test]
    fn lu_small_has_the_bits_of_lu_solve() {
        fn case<const M: usize>(rng: &mut Xoshiro256PlusPlus) -> usize {
            let mut solved = 0;
            for n in 0..500 {
                let mut a = [[0.0; M]; M];
                for col in a.iter_mut() {
                    for x in col.iter_mut() {
                        *x = rng.random::<f64>() - 0.5;
                    }
                }
                match n % 5 {
                    0 => a[0][0] = 0.0,
                    1 => a[0][0] *= 1e-9,
                    2 if M > 1 => a[M - 1] = a[0],
                    _ => {}
                }
                let b: [f64; M] = std::array::from_fn(|_| rng.random::<f64>() - 0.5);
                let mut flat: Vec<f64> = a.iter().flatten().copied().collect();
                let mut want = b.to_vec();
                let ok = lu_solve(&mut flat, M, &mut want, &mut Vec::new());
                let (mut lu, mut got) = (a, b);
                assert_eq!(lu_small::<M>(&mut lu, &mut got), ok, "M {M}, case {n}");
                let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                if ok {
                    assert_eq!(bits(&got), bits(&want), "M {M}, case {n}");
                    solved += 1;
                }
                let lu_flat: Vec<f64> = lu.iter().flatten().copied().collect();
                assert_eq!(bits(&lu_flat), bits(&flat), "M {M}, case {n}: factors");
            }
            solved
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        assert!(case::<1>(&mut rng) >= 400);
        assert!(case::<2>(&mut rng) >= 300);
        assert!(case::<3>(&mut rng) >= 300);
        assert!(case::<4>(&mut rng) >= 300);
    }
}
