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
        s.t_scale[g] = std::array::from_fn(|l| ((df - 2.0) / w[l]).sqrt());
    }
    for k in 0..nk {
        s.normals[k] = draw::normal_lanes(isa, rngs);
    }
    for k in 0..nk {
        // The whole row: a Cholesky factor has zeros above the diagonal,
        // but the square root used for a singular matrix does not. Summed
        // from -0.0 in matrix order, as `Iterator::sum` does.
        let row = &model.chol[k * nk..(k + 1) * nk];
        let mut z = isa.lanes(&[-0.0; L]);
        for (m, &a) in row.iter().enumerate() {
            z = z + a * isa.lanes(&s.normals[m]);
        }
        let z = z.get();
        let mut f = match model.shock_shapes[k] {
            ShockShape::Gaussian => z,
            ShockShape::StudentT { group } => {
                let scale = &s.t_scale[group];
                std::array::from_fn(|l| z[l] * scale[l])
            }
            ShockShape::TwoPiece { down, up } => {
                std::array::from_fn(|l| z[l] * if z[l] < 0.0 { down } else { up })
            }
        };
        // The year's scale (MODEL.md 2.4), when a shock has one.
        if !model.shock_scale.is_empty() {
            let scale = model.shock_scale[year * nk + k];
            f.iter_mut().for_each(|x| *x *= scale);
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
    for _ in 0..model.n_shocks() {
        draw::normal_lanes(isa, rngs);
    }
}

/// The draws of [`step_sectors`] (and of a published quarter's step)
/// alone: the idiosyncratic normals.
#[inline(always)]
pub(super) fn draw_innovations<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    rngs: &mut XoshiroLanes<L>,
) {
    for _ in 0..model.n_sectors() {
        draw::normal_lanes(isa, rngs);
    }
}

/// The events of a quarter (MODEL.md 4): one uniform per lane per event,
/// starts, and the impacts of those under way on `T`.
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
    for (e, ev) in model.events.iter().enumerate() {
        let p = &s.params.event_probability[year * ne + e];
        let u = draw::uniform_lanes(isa, rngs);
        let starts: [bool; L] = if published {
            [model.observed.event_start[e] == Some(quarter); L]
        } else if ev.may_start[quarter] {
            std::array::from_fn(|l| u[l] < p[l])
        } else {
            [false; L]
        };
        // Most quarters no lane starts the event and none has it under way:
        // then nothing changes.
        if !starts.contains(&true) && !s.left[e].iter().any(|&q| q > 0) {
            continue;
        }
        for l in 0..L {
            let starts = starts[l];
            if s.left[e][l] == 0 && starts {
                s.left[e][l] = ev.duration;
                s.start_year[e][l] = year as u32;
            }
            if s.left[e][l] > 0 {
                s.event_quarters[e][l] += 1;
                s.first_year[e][l] = s.first_year[e][l].min(year as u32);
                for &(i, size) in lanes[l].events[e].impacts_of(s.start_year[e][l]) {
                    s.temporary[i][l] += size;
                }
            }
        }
    }
}

/// Events that end this quarter leave their unrecovered loss behind.
#[inline(always)]
pub(super) fn end_events<const L: usize>(
    model: &Model,
    lanes: &[&Model; L],
    s: &mut SectorState<L>,
) {
    for (e, ev) in model.events.iter().enumerate() {
        if !s.left[e].iter().any(|&q| q > 0) {
            continue;
        }
        for l in 0..L {
            if s.left[e][l] > 0 {
                s.left[e][l] -= 1;
                if s.left[e][l] == 0 {
                    for &(i, size) in lanes[l].events[e].impacts_of(s.start_year[e][l]) {
                        s.permanent[i][l] += (1.0 - ev.recovery) * size;
                    }
                }
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
    for i in 0..ns {
        s.eps[i] = draw::normal_lanes(isa, rngs);
    }
    let p = &s.params;
    let v = |x: &[f64; L]| isa.lanes(x);
    // A loading that is zero in every lane adds ±0 to the sum, which leaves
    // it as it is while the shocks are finite (they are, unless a
    // chi-square draw underflows): then only the others are summed.
    let sparse = s
        .loads_of
        .as_ref()
        .filter(|_| s.shocks[..nk].iter().flatten().all(|f| f.is_finite()));
    for i in 0..ns {
        // Σ_k λ_ik f_k, shocks in matrix order.
        let mut common = v(&[0.0; L]);
        match sparse {
            Some(loads_of) => {
                for &k in &loads_of[i] {
                    common = common + v(&p.load_by_shock[k * ns + i]) * v(&s.shocks[k]);
                }
            }
            None => {
                for k in 0..nk {
                    common = common + v(&p.load_by_shock[k * ns + i]) * v(&s.shocks[k]);
                }
            }
        }
        let (mu, idio, ar) = (
            v(&p.mu_by_year[year * ns + i]),
            v(&p.idio_by_year[year * ns + i]),
            model.ar[i],
        );
        // The AR(1), the log level on the sector's own path and with events.
        let d = ar * v(&s.deviation[i]) + idio * v(&s.eps[i]) + common;
        let trend = if s.boost.is_empty() {
            v(&s.trend[i]) + (mu + d)
        } else {
            v(&s.trend[i]) + (mu + v(&s.boost[t * ns + i]) + d)
        };
        let log_level = trend + v(&s.permanent[i]) + v(&s.temporary[i]);
        s.deviation[i] = d.get();
        s.trend[i] = trend.get();
        s.work[i] = log_level.get();
        let level = draw::exp_lanes(isa, &s.work[i]);
        s.annual[i] = (v(&s.annual[i]) + v(&level)).get();
    }
}

/// The sector step of a published quarter for lane `l`: draw as usual, then
/// move the quarter's innovations to reproduce the published year-to-date
/// figures (see [`observed::solve`]). Draws the same random numbers as the
/// usual step. A path whose figures cannot be reached gets NaN levels,
/// which the run reports as a domain error. `m` is the lane's model.
pub(super) fn step_sectors_observed<const L: usize, R: rand::Rng>(
    m: &Model,
    s: &mut SectorState<L>,
    l: usize,
    rng: &mut R,
    conditions: &[ExactCondition],
    t: usize,
) {
    let ns = m.n_sectors();
    let nk = m.n_shocks();
    // Published quarters are in the first year: its mean growth, plus what
    // policy rules that fired add this quarter.
    let boost = &s.boost;
    let mu = |i: usize| {
        if boost.is_empty() {
            m.mu[i]
        } else {
            m.mu[i] + boost[t * ns + i][l]
        }
    };
    let obs = &mut s.obs;
    for k in 0..nk {
        let year_scale = if m.shock_scale.is_empty() {
            1.0
        } else {
            m.shock_scale[k]
        };
        obs.scale[k] = year_scale
            * match m.shock_shapes[k] {
                ShockShape::Gaussian => 1.0,
                ShockShape::StudentT { group } => s.t_scale[group][l],
                ShockShape::TwoPiece { down, up } => {
                    if s.shocks[k][l] < 0.0 {
                        down
                    } else {
                        up
                    }
                }
            };
    }
    for e in obs.eps.iter_mut() {
        *e = draw::normal(rng);
    }
    for i in 0..ns {
        let loads = &m.load[i * m.load_stride..(i + 1) * m.load_stride];
        let common: f64 = loads.iter().zip(&s.shocks).map(|(a, f)| a * f[l]).sum();
        obs.innovation[i] = m.idio[i] * obs.eps[i] + common;
        let d = m.ar[i] * s.deviation[i][l] + obs.innovation[i];
        obs.level[i] = draw::exp(s.trend[i][l] + mu(i) + d + s.permanent[i][l] + s.temporary[i][l]);
        obs.before[i] = s.annual[i][l];
    }
    let params = observed::SectorParams {
        idio: &m.idio,
        load: &m.load,
        load_stride: m.load_stride,
        correlation: &m.correlation,
        base_quarters: &m.base_quarters,
    };
    let draw = QuarterDraw {
        before: &obs.before,
        level: &obs.level,
        scales: &obs.scale,
    };
    match observed::solve(conditions, &params, &draw, &mut obs.solve) {
        Some(adj) => {
            for k in 0..nk {
                s.shocks[k][l] += adj.shock[k];
                s.shock_year[k][l] += adj.shock[k];
            }
            for i in 0..ns {
                obs.innovation[i] += adj.innovation[i];
            }
        }
        None => obs.innovation.iter_mut().for_each(|u| *u = f64::NAN),
    }
    for i in 0..ns {
        let d = m.ar[i] * s.deviation[i][l] + obs.innovation[i];
        s.deviation[i][l] = d;
        s.trend[i][l] += mu(i) + d;
        s.annual[i][l] += draw::exp(s.trend[i][l] + s.permanent[i][l] + s.temporary[i][l]);
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
