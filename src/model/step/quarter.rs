//! The quarter step of a batch: common shocks, events, the sector step
//! (plain and published quarters) and the policy reaction function.

use super::*;

/// The common shocks of a quarter (MODEL.md 3): each Student-t group's
/// chi-square, the independent normals, their products with the rows of
/// the correlation root, each shock's shape and the year's scale.
#[inline(always)]
pub(super) fn shocks<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    s: &mut SectorState<L>,
    rngs: &mut XoshiroLanes<L>,
    year: usize,
) {
    let nk = model.n_shocks();
    for (g, &df) in model.t_groups.iter().enumerate() {
        let w = s.chi[g].sample_lanes(isa, rngs);
        // ((df - 2) / w).sqrt() per lane.
        s.t_scale[g] = isa.sqrt(&isa.div(&[df - 2.0; L], &w));
    }
    let normals = &mut s.normals[..nk];
    draw::normals_into(isa, rngs, normals);
    for k in 0..nk {
        // The whole row: a Cholesky factor has zeros above the diagonal,
        // but the square root used for a singular matrix does not. Summed
        // from -0.0 in matrix order, as `Iterator::sum` does.
        let row = &model.chol[k * nk..(k + 1) * nk];
        let used = s.chol_used[k];
        let mut z = isa.lanes(&[-0.0; L]);
        for (n, &a) in normals[..used].iter().zip(&row[..used]) {
            z = z + a * isa.lanes(n);
        }
        // The rest of the row is zero: a zero times a normal (finite) is
        // ±0, which leaves a sum that is not zero as it is. Only a lane at
        // zero (-0 + +0 is +0) needs the rest added.
        if used < nk && isa.zero_mask(&z.get()) != 0 {
            for (n, &a) in normals[used..].iter().zip(&row[used..]) {
                z = z + a * isa.lanes(n);
            }
        }
        let z = z.get();
        let mut f = match model.shock_shapes[k] {
            ShockShape::Gaussian => z,
            ShockShape::StudentT { group } => isa.mul(&z, &s.t_scale[group]),
            // z * (down if z < 0, else up)
            ShockShape::TwoPiece { down, up } => isa.mul(&z, &isa.pick_negative(&z, down, up)),
        };
        // The year's scale (MODEL.md 2.4), when a shock has one.
        if !model.shock_scale.is_empty() {
            f = isa.mul(&f, &[model.shock_scale[year * nk + k]; L]);
        }
        s.shocks[k] = f;
        s.shock_year[k] = isa.add(&s.shock_year[k], &f);
    }
}

/// The draws of [`shocks`] alone, in a quarter whose sectors nobody reads
/// ([`Needs`]): the stream moves on exactly as when they are used.
#[inline(always)]
pub(super) fn draw_shocks<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    s: &mut SectorState<L>,
    rngs: &mut XoshiroLanes<L>,
) {
    for g in 0..model.t_groups.len() {
        s.chi[g].sample_lanes(isa, rngs);
    }
    draw::skip_normals(isa, rngs, model.n_shocks());
}

/// The draws of [`step_sectors`] (and of a published quarter's step)
/// alone: the idiosyncratic normals.
#[inline(always)]
pub(super) fn draw_innovations<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    rngs: &mut XoshiroLanes<L>,
) {
    draw::skip_normals(isa, rngs, model.n_sectors());
}

/// The events of a quarter (MODEL.md 4): one uniform per lane per event,
/// starts, and the impacts of those under way on `T`. The uniforms of all
/// events are drawn first (nothing else draws in between), each compared
/// with its probabilities into a bit mask of the lanes that start it, and
/// the lanes that have it under way are a mask too: an event that no lane
/// starts or has under way costs its draw and two tests. In a quarter in
/// which an event cannot start (or is published) its words are drawn but
/// not converted.
#[inline(always)]
pub(super) fn events<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    lanes: &[&Model; L],
    s: &mut SectorState<L>,
    rngs: &mut XoshiroLanes<L>,
    year: usize,
    quarter: usize,
) {
    let ne = model.events.len();
    s.temporary.iter_mut().for_each(|x| *x = [0.0; L]);
    // In published quarters the events are known, not drawn.
    let published = year == 0 && quarter < model.observed.quarters;
    let starts = &mut s.event_starts[..ne];
    draw::uniforms_below(
        isa,
        rngs,
        &s.params.event_probability[year * ne..][..ne],
        |e| !published && model.events[e].may_start[quarter],
        starts,
    );
    if published {
        for (e, m) in starts.iter_mut().enumerate() {
            if model.observed.event_start[e] == Some(quarter) {
                *m = crate::sample::lane_mask::<L>();
            }
        }
    }
    for (e, (ev, &starts)) in model.events.iter().zip(starts.iter()).enumerate() {
        let left = &mut s.left[e];
        let under_way = isa.nonzero_mask(left);
        // Most quarters no lane starts the event and none has it under way:
        // then nothing changes.
        if starts | under_way == 0 {
            continue;
        }
        let new = starts & !under_way;
        let mut lanes_on = starts | under_way;
        while lanes_on != 0 {
            let l = lanes_on.trailing_zeros() as usize;
            lanes_on &= lanes_on - 1;
            if new & (1 << l) != 0 {
                left[l] = ev.duration;
                s.start_year[e][l] = year as u32;
            }
            if left[l] > 0 {
                s.event_quarters[e][l] += 1;
                s.first_year[e][l] = s.first_year[e][l].min(year as u32);
                for &(i, size) in lanes[l].events[e].impacts_of(s.start_year[e][l]) {
                    s.temporary[i][l] += size;
                }
            }
        }
    }
}

/// Events that end this quarter leave their unrecovered loss behind. An
/// event that no lane has under way costs one test (an OR over its lanes);
/// otherwise only the lanes that have it under way are visited.
#[inline(always)]
pub(super) fn end_events<const L: usize>(
    model: &Model,
    lanes: &[&Model; L],
    s: &mut SectorState<L>,
) {
    for (e, ev) in model.events.iter().enumerate() {
        let left = &mut s.left[e];
        if left.iter().fold(0, |a, &q| a | q) == 0 {
            continue;
        }
        // Every lane under way counts down a quarter, and only those that
        // reach zero are visited: plain lane loops here (the kernel calls
        // this without its instruction set), which the compiler vectorizes.
        let mut ending = 0u32;
        for (l, q) in left.iter_mut().enumerate() {
            ending |= u32::from(*q == 1) << l;
            *q = q.saturating_sub(1);
        }
        while ending != 0 {
            let l = ending.trailing_zeros() as usize;
            ending &= ending - 1;
            for &(i, size) in lanes[l].events[e].impacts_of(s.start_year[e][l]) {
                s.permanent[i][l] += (1.0 - ev.recovery) * size;
            }
        }
    }
}

/// The sector step of a quarter (MODEL.md 2.2) over all lanes: the
/// idiosyncratic normals (sector order), the common part shock by shock,
/// the AR(1) and log levels (with the policy rules' growth of quarter `t`),
/// then one `exp` per sector and lane.
#[inline(always)]
pub(super) fn step_sectors<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    s: &mut SectorState<L>,
    rngs: &mut XoshiroLanes<L>,
    year: usize,
    t: usize,
) {
    let ns = model.n_sectors();
    let nk = model.n_shocks();
    let eps = &mut s.eps[..ns];
    draw::normals_into(isa, rngs, eps);
    let p = &s.params;
    let v = |x: &[f64; L]| isa.lanes(x);
    let shocks = &s.shocks[..nk];
    // A loading that is zero in every lane adds ±0 to the sum, which leaves
    // it as it is while the shocks are finite (they are, unless a
    // chi-square draw underflows): then only the others are summed.
    let sparse = s
        .sparse_loads
        .as_ref()
        .filter(|_| shocks.iter().all(|f| isa.all_finite(f)));
    // Each sector's rows, sliced once.
    let loads = &p.load_by_shock[..nk * ns];
    let mu = &p.mu_by_year[year * ns..][..ns];
    let idio = &p.idio_by_year[year * ns..][..ns];
    let boost = (!s.boost.is_empty()).then(|| &s.boost[t * ns..][..ns]);
    let ar = &model.ar[..ns];
    let eps = &s.eps[..ns];
    let deviation = &mut s.deviation[..ns];
    let trend = &mut s.trend[..ns];
    let permanent = &s.permanent[..ns];
    let temporary = &s.temporary[..ns];
    let annual = &mut s.annual[..ns];
    // Per sector, its terms (sliced to the sectors).
    let sparse = sparse.map(|sp| &sp.of[..ns]);
    for i in 0..ns {
        // Σ_k λ_ik f_k, shocks in matrix order.
        let mut common = v(&[0.0; L]);
        match sparse {
            Some(of) => {
                for &(a, k) in &of[i] {
                    common = common + a * v(&shocks[k]);
                }
            }
            None => {
                for (k, f) in shocks.iter().enumerate() {
                    common = common + v(&loads[k * ns + i]) * v(f);
                }
            }
        }
        let (mu, idio, ar) = (v(&mu[i]), v(&idio[i]), ar[i]);
        // The AR(1), the log level on the sector's own path and with events.
        let d = ar * v(&deviation[i]) + idio * v(&eps[i]) + common;
        let new_trend = match boost {
            None => v(&trend[i]) + (mu + d),
            Some(boost) => v(&trend[i]) + (mu + v(&boost[i]) + d),
        };
        let log_level = new_trend + v(&permanent[i]) + v(&temporary[i]);
        deviation[i] = d.get();
        trend[i] = new_trend.get();
        let level = draw::exp_lanes(isa, &log_level.get());
        annual[i] = (v(&annual[i]) + v(&level)).get();
    }
}

/// The sector step of a published quarter (MODEL.md 11.2) over all lanes:
/// draw as usual (the idiosyncratic normals in sector order, the same draws
/// as the usual step), then move the quarter's innovations of each lane to
/// reproduce the published year-to-date figures (see [`observed::solve`];
/// all lanes at once, [`observed::solve_lanes`]), then the AR(1), log
/// levels and `exp`s. A lane whose figures cannot be reached gets NaN
/// levels, which the run reports as a domain error. Lane by lane, every
/// operation is that of the path simulated alone (the lane operations of
/// `isa`, no fused multiply-add): the mean growth of the first year plus
/// what policy rules add this quarter (quarter `t`), the shocks' loadings
/// summed from -0.0 over the loading stride.
#[inline(always)]
pub(super) fn step_sectors_observed<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    s: &mut SectorState<L>,
    rngs: &mut XoshiroLanes<L>,
    conditions: &[ExactCondition],
    t: usize,
) {
    let ns = model.n_sectors();
    let nk = model.n_shocks();
    let v = |x: &[f64; L]| isa.lanes(x);
    // Each shock's scale this quarter: the year's (published quarters are
    // in the first year) times its Student-t mixing or two-piece side.
    for k in 0..nk {
        let year_scale = if model.shock_scale.is_empty() {
            1.0
        } else {
            model.shock_scale[k]
        };
        let f = &s.shocks[k];
        s.obs.scale[k] = match model.shock_shapes[k] {
            ShockShape::Gaussian => [year_scale * 1.0; L],
            ShockShape::StudentT { group } => (year_scale * v(&s.t_scale[group])).get(),
            ShockShape::TwoPiece { down, up } => {
                std::array::from_fn(|l| year_scale * if f[l] < 0.0 { down } else { up })
            }
        };
    }
    draw::normals_into(isa, rngs, &mut s.obs.eps[..ns]);
    let p = &s.params;
    // Year 0's mean growth, plus the policy rules' growth of quarter `t`.
    let mu = |i: usize| {
        if s.boost.is_empty() {
            v(&p.mu_by_year[i])
        } else {
            v(&p.mu_by_year[i]) + v(&s.boost[t * ns + i])
        }
    };
    // As in `step_sectors`, a loading that is zero in every lane may be
    // skipped while the shocks are finite; this sum starts at -0.0, which a
    // skipped +0 would have made +0, so a lane that ends at -0.0 is summed
    // again with every term.
    let sparse = s.sparse_loads.as_ref().filter(|_| {
        s.shocks[..model.load_stride]
            .iter()
            .all(|f| isa.all_finite(f))
    });
    let obs = &mut s.obs;
    for i in 0..ns {
        // Σ_k λ_ik f_k over the loading stride (the padding's loading is
        // zero), from -0.0 as `Iterator::sum`.
        let every_term = || {
            let mut common = v(&[-0.0; L]);
            for k in 0..model.load_stride {
                let load = if k < nk {
                    v(&p.load_by_shock[k * ns + i])
                } else {
                    v(&[0.0; L])
                };
                common = common + load * v(&s.shocks[k]);
            }
            common
        };
        let common = match sparse {
            Some(sp) => {
                let mut common = v(&[-0.0; L]);
                for &(a, k) in &sp.of[i] {
                    common = common + a * v(&s.shocks[k]);
                }
                let negative_zero = common
                    .get()
                    .iter()
                    .any(|c| c.to_bits() == (-0.0f64).to_bits());
                if negative_zero { every_term() } else { common }
            }
            None => every_term(),
        };
        let innovation = v(&p.idio_by_year[i]) * v(&obs.eps[i]) + common;
        obs.innovation[i] = innovation.get();
        let d = model.ar[i] * v(&s.deviation[i]) + innovation;
        let x = v(&s.trend[i]) + mu(i) + d + v(&s.permanent[i]) + v(&s.temporary[i]);
        obs.level[i] = draw::exp_lanes(isa, &x.get());
    }
    let drawn = LaneDraw {
        before: &s.annual,
        level: &obs.level,
        scales: &obs.scale,
    };
    let ok = observed::solve_lanes(isa, conditions, &drawn, &mut obs.solve);
    let adj = &obs.solve;
    if ok == [true; L] {
        for k in 0..nk {
            let a = v(&adj.shock[k]);
            s.shocks[k] = (v(&s.shocks[k]) + a).get();
            s.shock_year[k] = (v(&s.shock_year[k]) + a).get();
        }
        for i in 0..ns {
            obs.innovation[i] = (v(&obs.innovation[i]) + v(&adj.innovation[i])).get();
        }
    } else {
        for l in 0..L {
            if ok[l] {
                for k in 0..nk {
                    s.shocks[k][l] += adj.shock[k][l];
                    s.shock_year[k][l] += adj.shock[k][l];
                }
                for i in 0..ns {
                    obs.innovation[i][l] += adj.innovation[i][l];
                }
            } else {
                obs.innovation.iter_mut().for_each(|u| u[l] = f64::NAN);
            }
        }
    }
    for i in 0..ns {
        let d = model.ar[i] * v(&s.deviation[i]) + v(&obs.innovation[i]);
        s.deviation[i] = d.get();
        let trend = v(&s.trend[i]) + (mu(i) + d);
        s.trend[i] = trend.get();
        let x = trend + v(&s.permanent[i]) + v(&s.temporary[i]);
        let level = draw::exp_lanes(isa, &x.get());
        s.annual[i] = (v(&s.annual[i]) + v(&level)).get();
    }
}

/// The policy reaction function at the end of 0-based `quarter` of `year`
/// (MODEL.md 2.5), lane by lane: record the year-to-date sums, then let each
/// rule checked now compare its year-to-date growth with its trigger and,
/// when it fires, add growth to later quarters of `boost`.
pub(super) fn react<const L: usize>(
    model: &Model,
    s: &mut SectorState<L>,
    year: usize,
    quarter: usize,
) {
    let ns = model.n_sectors();
    let at = quarter * ns;
    s.cum_cur[at..at + ns].copy_from_slice(&s.annual);
    let quarters = 4 * model.meta.horizon;
    for p in &model.policies {
        if !(p.check[quarter] && p.years[year]) {
            continue;
        }
        for l in 0..L {
            let (mut now, mut before) = (0.0, 0.0);
            for &(i, w) in &p.weights {
                now += w * s.annual[i][l];
                before += w * s.cum_prev[at + i][l];
            }
            let ytd = 100.0 * (now / before - 1.0);
            let shortfall = if p.below {
                p.trigger - ytd
            } else {
                ytd - p.trigger
            };
            // NaN (a zero base) does not fire.
            if !(shortfall > 0.0) {
                continue;
            }
            let size = (p.response * shortfall).min(p.cap) / 400.0;
            let delta = if p.below { size } else { -size };
            let first = 4 * year + quarter + p.lag;
            for t in first..(first + p.duration).min(quarters) {
                for &i in &p.sectors {
                    s.boost[t * ns + i][l] += delta;
                }
            }
        }
    }
}

#[cfg(test)]
mod observed_tests;
