//! One Monte Carlo path: quarters of sector growth with shocks and events,
//! then each year's indicators and target values.
//!
//! This is the hot loop. An ordinary path allocates nothing (all buffers live
//! in [`PathState`], allocated once per block); a nowcast's published quarters
//! do (the conditioning in `observed` builds small nalgebra matrices per path
//! and per Newton step). It cannot fail: values that leave
//! their domain come out as NaN or infinity and are counted by the summaries,
//! which turn them into an error after the run.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, ChiSquared, Distribution, StandardNormal};

use super::observed::{self, ExactCondition, QuarterDraw};
use super::{Formula, Input, Model, Series, ShockShape};

/// Scratch buffers for one path, reused across the paths of a block.
#[derive(Debug, Clone)]
pub struct PathState {
    normals: Vec<f64>,
    shocks: Vec<f64>,
    shock_year: Vec<f64>,
    t_scale: Vec<f64>,
    chi: Vec<ChiSquared<f64>>,
    noise_chi: Vec<Option<ChiSquared<f64>>>,
    sectors: Sectors,
    event_left: Vec<u32>,
    event_quarters: Vec<u32>,
    ind: Vec<f64>,
    prev_ind: Vec<f64>,
    noise: Vec<f64>,
    /// For each event, the first simulated year (0-based) in which it was
    /// under way, or `u32::MAX` if it never was (for conditional summaries).
    pub first_year: Vec<u32>,
    /// Per target: whether one of its `excused_by` events was under way in
    /// the target's year (set when the year is reached).
    pub excused: Vec<bool>,
    /// Scratch for observed quarters: innovations, levels, year-to-date sums, shock scales.
    obs_eps: Vec<f64>,
    obs_level: Vec<f64>,
    obs_before: Vec<f64>,
    obs_scale: Vec<f64>,
    /// For each event, the 0-based year its current (or last) occurrence started.
    event_year: Vec<u32>,
    /// Policy rules only (empty otherwise): growth added by the rules that
    /// fired, per quarter of the path and sector (quarters x sectors).
    boost: Vec<f64>,
    /// Policy rules only: each sector's value added summed through each
    /// quarter of the previous year (quarters x sectors) and of this year.
    cum_prev: Vec<f64>,
    cum_cur: Vec<f64>,
}

impl PathState {
    /// Sector `i`'s value added summed over the current year's quarters so far.
    pub fn sector_ytd(&self, i: usize) -> f64 {
        self.sectors.annual[i]
    }

    /// Indicator `j`'s value for the year just completed (valid in
    /// [`PathObserver::year_end`]).
    pub fn indicator(&self, j: usize) -> f64 {
        self.ind[j]
    }
}

/// Watches a path as it is simulated (fan charts record quarterly values).
/// The default methods do nothing, so the plain run pays nothing.
pub trait PathObserver {
    /// After quarter `quarter` (0-based) of year `year` (0-based).
    #[inline]
    fn quarter_end(&mut self, _year: usize, _quarter: usize, _state: &PathState) {}
    /// After year `year`'s indicators are computed.
    #[inline]
    fn year_end(&mut self, _year: usize, _state: &PathState) {}
}

/// The two generators a path draws from: `sectors` for the quarters (and
/// the assumptions, drawn before the path), `indicators` for each year's
/// indicator noise and counts. Indicator draws therefore never shift the
/// sector draws (see `engine::path_rngs`).
#[derive(Debug, Clone)]
pub struct PathRngs<R> {
    /// The sector stream.
    pub sectors: R,
    /// The indicator stream.
    pub indicators: R,
}

/// A [`PathObserver`] that watches nothing.
pub struct NoObserver;
impl PathObserver for NoObserver {}

impl PathState {
    /// Buffers sized for `model`.
    pub fn new(model: &Model) -> Self {
        let ns = model.n_sectors();
        let nk = model.n_shocks();
        let ni = model.indicators.len();
        let ne = model.events.len();
        PathState {
            normals: vec![0.0; nk],
            // Padded to the loading stride (one zero when there are no shocks).
            shocks: vec![0.0; model.load_stride],
            shock_year: vec![0.0; nk],
            t_scale: vec![1.0; model.t_groups.len()],
            // Built (and their parameters checked) by the compiler.
            chi: model.t_chi.clone(),
            noise_chi: model.indicators.iter().map(|i| i.noise_chi).collect(),
            sectors: Sectors::new(ns),
            event_left: vec![0; ne],
            event_quarters: vec![0; ne],
            ind: vec![0.0; ni],
            prev_ind: vec![0.0; ni],
            noise: vec![0.0; ni],
            first_year: vec![u32::MAX; ne],
            excused: vec![false; model.targets.len()],
            obs_eps: vec![0.0; ns],
            obs_level: vec![0.0; ns],
            obs_before: vec![0.0; ns],
            obs_scale: vec![1.0; nk],
            event_year: vec![0; ne],
            boost: if model.policies.is_empty() {
                vec![]
            } else {
                vec![0.0; 4 * model.meta.horizon * ns]
            },
            cum_prev: vec![0.0; model.base_cumulative.len()],
            cum_cur: vec![0.0; model.base_cumulative.len()],
        }
    }
}

/// The sectors' state along a path, one array per quantity (in sector order),
/// so that each part of the quarter step is a pass over contiguous arrays of
/// equal length: no bounds checks, and the compiler can use SIMD.
#[derive(Debug, Clone)]
struct Sectors {
    /// `d`: deviation of quarterly log growth from its mean (MODEL.md 2.2).
    deviation: Vec<f64>,
    /// `ℓ`: log level on the sector's own path.
    trend: Vec<f64>,
    /// `P`: unrecovered losses of events that have ended.
    permanent: Vec<f64>,
    /// `T`: impacts of the events under way this quarter.
    temporary: Vec<f64>,
    /// Value added summed over the current year's quarters so far.
    annual: Vec<f64>,
    /// Last year's value added.
    prev_annual: Vec<f64>,
    /// This quarter's idiosyncratic normals `ε`.
    eps: Vec<f64>,
    /// This quarter's common part `Σ_k λ_k f_k`, then its log level `ℓ + P + T`.
    work: Vec<f64>,
}

impl Sectors {
    fn new(n: usize) -> Self {
        Sectors {
            deviation: vec![0.0; n],
            trend: vec![0.0; n],
            permanent: vec![0.0; n],
            temporary: vec![0.0; n],
            annual: vec![0.0; n],
            prev_annual: vec![0.0; n],
            eps: vec![0.0; n],
            work: vec![0.0; n],
        }
    }
}

#[inline]
fn series_value(s: Series, sectors: &Sectors, ind: &[f64]) -> f64 {
    match s {
        Series::Sector(i) => sectors.annual[i],
        Series::Indicator(j) => ind[j],
    }
}

/// Fill `out` with standard normals, in order. Every standard normal the path
/// draws itself is drawn here (the chi-square sampler draws its own), so the
/// ziggurat has one call site in the step, is inlined into this loop, and
/// loads the generator's state once per batch: one call per batch of 6 or 16
/// draws instead of one per draw (docs/PERFORMANCE.md, "Third profile").
#[inline(never)]
fn fill_normals<R: Rng + ?Sized>(rng: &mut R, out: &mut [f64]) {
    for x in out {
        *x = StandardNormal.sample(rng);
    }
}

impl Model {
    /// Simulate one path and write each target's indicator value to
    /// `values[t]` and its judged value (after `relative_to`) to `judged[t]`.
    pub fn simulate_path<R: Rng>(
        &self,
        st: &mut PathState,
        rng: &mut PathRngs<R>,
        values: &mut [f64],
        judged: &mut [f64],
    ) {
        self.simulate_path_observed(st, rng, values, judged, &mut NoObserver);
    }

    /// [`Model::simulate_path`], reporting each quarter and year to `observer`.
    /// The random numbers drawn are the same.
    #[inline]
    pub fn simulate_path_observed<R: Rng, O: PathObserver>(
        &self,
        st: &mut PathState,
        rng: &mut PathRngs<R>,
        values: &mut [f64],
        judged: &mut [f64],
        observer: &mut O,
    ) {
        let nk = self.n_shocks();
        let sec = &mut st.sectors;
        if self.momentum.is_empty() {
            sec.deviation.fill(0.0);
        } else {
            sec.deviation.copy_from_slice(&self.momentum);
        }
        sec.trend.copy_from_slice(&self.base_log_level);
        sec.permanent.fill(0.0);
        for (prev, sector) in sec.prev_annual.iter_mut().zip(&self.sectors) {
            *prev = sector.value_added;
        }
        for (j, ind) in self.indicators.iter().enumerate() {
            st.prev_ind[j] = ind.base.unwrap_or(f64::NAN);
            st.noise[j] = 0.0;
        }
        st.event_left.iter_mut().for_each(|x| *x = 0);
        st.first_year.iter_mut().for_each(|x| *x = u32::MAX);
        let horizon = self.meta.horizon;
        let ns = self.n_sectors();
        let policies = !self.policies.is_empty();
        if policies {
            st.boost.fill(0.0);
            st.cum_prev.copy_from_slice(&self.base_cumulative);
        }

        let ne = self.events.len();
        for year in 0..horizon {
            let shock_scale = if self.shock_scale.is_empty() {
                None
            } else {
                Some(&self.shock_scale[year * nk..][..nk])
            };
            let probability = &self.event_probability[year * ne..][..ne];
            let indicator_events = if self.indicator_events_by_year.is_empty() {
                &self.indicator_events
            } else {
                &self.indicator_events_by_year[year]
            };
            st.sectors.annual.fill(0.0);
            st.shock_year.iter_mut().for_each(|x| *x = 0.0);
            st.event_quarters.iter_mut().for_each(|x| *x = 0);

            for quarter in 0..4 {
                // Common shocks: correlated normals, then each one's shape.
                for g in 0..st.chi.len() {
                    let w: f64 = st.chi[g].sample(&mut rng.sectors);
                    st.t_scale[g] = ((self.t_groups[g] - 2.0) / w).sqrt();
                }
                fill_normals(&mut rng.sectors, &mut st.normals);
                for k in 0..nk {
                    // The whole row: a Cholesky factor has zeros above the
                    // diagonal, but the square root used for a singular
                    // (for example repaired) matrix does not.
                    let row = &self.chol[k * nk..(k + 1) * nk];
                    let z: f64 = row.iter().zip(&st.normals).map(|(a, b)| a * b).sum();
                    let f = match self.shock_shapes[k] {
                        ShockShape::Gaussian => z,
                        ShockShape::StudentT { group } => z * st.t_scale[group],
                        ShockShape::TwoPiece { down, up } => z * if z < 0.0 { down } else { up },
                    };
                    // The year's scale (MODEL.md 2.4), when a shock has one.
                    let f = match shock_scale {
                        None => f,
                        Some(scale) => f * scale[k],
                    };
                    st.shocks[k] = f;
                    st.shock_year[k] += f;
                }

                // Events: start, then apply while under way.
                st.sectors.temporary.fill(0.0);
                for ((e, ev), &p) in self.events.iter().enumerate().zip(probability) {
                    let u: f64 = rng.sectors.random();
                    // In published quarters the events are known, not drawn.
                    let starts = if year == 0 && quarter < self.observed.quarters {
                        self.observed.event_start[e] == Some(quarter)
                    } else {
                        ev.may_start[quarter] && u < p
                    };
                    if st.event_left[e] == 0 && starts {
                        st.event_left[e] = ev.duration;
                        st.event_year[e] = year as u32;
                    }
                    if st.event_left[e] > 0 {
                        st.event_quarters[e] += 1;
                        st.first_year[e] = st.first_year[e].min(year as u32);
                        for &(i, size) in ev.impacts_of(st.event_year[e]) {
                            st.sectors.temporary[i] += size;
                        }
                    }
                }

                let conditions: &[ExactCondition] = if year == 0 {
                    &self.observed.exact[quarter]
                } else {
                    &[]
                };
                let t = 4 * year + quarter;
                let boost = if policies {
                    Some(&st.boost[t * ns..(t + 1) * ns])
                } else {
                    None
                };
                if conditions.is_empty() {
                    self.step_sectors(
                        &mut st.sectors,
                        &st.shocks[..nk],
                        &mut rng.sectors,
                        year,
                        boost,
                    );
                } else {
                    self.step_sectors_observed(st, &mut rng.sectors, conditions, t);
                }

                if policies {
                    self.react(st, year, quarter);
                }

                observer.quarter_end(year, quarter, st);

                // Events that end this quarter leave their unrecovered loss behind.
                for (e, ev) in self.events.iter().enumerate() {
                    if st.event_left[e] > 0 {
                        st.event_left[e] -= 1;
                        if st.event_left[e] == 0 {
                            for &(i, size) in ev.impacts_of(st.event_year[e]) {
                                st.sectors.permanent[i] += (1.0 - ev.recovery) * size;
                            }
                        }
                    }
                }
            }

            // Indicators for the year, inputs first.
            for &j in &self.order {
                let ind = &self.indicators[j];
                let mut noise = 0.0;
                if ind.noise_sd > 0.0 {
                    let mut z = [0.0];
                    fill_normals(&mut rng.indicators, &mut z);
                    let mut z = z[0];
                    if let (Some((df, scale)), Some(chi)) = (ind.noise_t, &st.noise_chi[j]) {
                        // A Student-t draw with unit variance: z * sqrt((df-2)/W).
                        let w: f64 = chi.sample(&mut rng.indicators);
                        z *= scale * (df / w).sqrt();
                    }
                    st.noise[j] = ind.noise_persistence * st.noise[j] + ind.noise_sd * z;
                    noise = st.noise[j];
                }
                for &(e, size) in &indicator_events[j] {
                    noise += size * st.event_quarters[e] as f64 / 4.0;
                }
                let v = match &ind.formula {
                    Formula::Sum(terms) => {
                        terms
                            .iter()
                            .map(|&(s, w)| w * series_value(s, &st.sectors, &st.ind))
                            .sum::<f64>()
                            + noise
                    }
                    Formula::Ratio(n, d) => {
                        series_value(*n, &st.sectors, &st.ind)
                            / series_value(*d, &st.sectors, &st.ind)
                            + noise
                    }
                    Formula::Growth(s) => {
                        let (now, before) = match *s {
                            Series::Sector(i) => (st.sectors.annual[i], st.sectors.prev_annual[i]),
                            Series::Indicator(k) => (st.ind[k], st.prev_ind[k]),
                        };
                        100.0 * (now / before - 1.0) + noise
                    }
                    Formula::Linear { intercept, terms } => {
                        let mut v = *intercept + noise;
                        for &(input, c) in terms {
                            v += c * match input {
                                Input::Indicator(k) => st.ind[k],
                                Input::Shock(k) => 0.5 * st.shock_year[k],
                            };
                        }
                        v
                    }
                    Formula::Compound(s) => {
                        let g = series_value(*s, &st.sectors, &st.ind);
                        st.prev_ind[j] * (1.0 + (g + noise) / 100.0)
                    }
                    Formula::Accumulate(s, from) => {
                        if year >= *from {
                            st.prev_ind[j] + series_value(*s, &st.sectors, &st.ind) + noise
                        } else {
                            st.prev_ind[j]
                        }
                    }
                    Formula::Exogenous(means) => means[year] + noise,
                    Formula::Count { of, trials } => {
                        // Always one draw (a NaN share gives NaN), so the stream keeps its layout.
                        let share = st.ind[*of];
                        let p = if share.is_nan() {
                            0.5
                        } else {
                            share.clamp(0.0, 1.0)
                        };
                        let k = match Binomial::new(u64::from(*trials), p) {
                            Ok(b) => b.sample(&mut rng.indicators) as f64,
                            Err(_) => f64::NAN,
                        };
                        if share.is_nan() { f64::NAN } else { k + noise }
                    }
                };
                st.ind[j] = match self.observed.blends.get(j) {
                    // The published part of the year replaces its share of the simulated value.
                    Some(&Some((share, seen))) if year == 0 => share * seen + (1.0 - share) * v,
                    _ => v,
                };
            }

            for (t, target) in self.targets.iter().enumerate() {
                if target.year_index == year {
                    let v = st.ind[target.indicator];
                    values[t] = v;
                    judged[t] = match target.relative_to {
                        Some(r) => v - st.ind[r],
                        None => v,
                    };
                    st.excused[t] = target.excused_by.iter().any(|&e| st.event_quarters[e] > 0);
                }
            }

            observer.year_end(year, st);
            let sec = &mut st.sectors;
            sec.prev_annual.copy_from_slice(&sec.annual);
            std::mem::swap(&mut st.ind, &mut st.prev_ind);
            if policies {
                std::mem::swap(&mut st.cum_prev, &mut st.cum_cur);
            }
        }
    }

    /// The sector step of a quarter (MODEL.md 2.2), as passes over the sector
    /// arrays: the idiosyncratic normals (drawn in sector order, as before),
    /// the common part shock by shock, the AR(1) and log levels, then one
    /// `exp` per sector. Each sum is added in the same order as a sector-by-
    /// sector loop would add it, so the values are identical to it.
    ///
    /// `year` picks the year's mean growth and volatility (MODEL.md 2.4);
    /// `boost` is the growth the policy rules add to each sector this quarter
    /// (MODEL.md 2.5), `None` without rules.
    #[inline]
    fn step_sectors<R: Rng + ?Sized>(
        &self,
        s: &mut Sectors,
        shocks: &[f64],
        rng: &mut R,
        year: usize,
        boost: Option<&[f64]>,
    ) {
        let n = s.deviation.len();
        fill_normals(rng, &mut s.eps);
        // Σ_k λ_ik f_k for every sector i, shocks in matrix order.
        let common = &mut s.work[..n];
        common.fill(0.0);
        for (k, &f) in shocks.iter().enumerate() {
            let column = &self.load_by_shock[k * n..(k + 1) * n];
            for (c, &l) in common.iter_mut().zip(column) {
                *c += l * f;
            }
        }
        // `[start..][..n]`: slices of length n the compiler can see, so
        // the loop below needs no bounds checks.
        let (mu, ar, idio) = (
            &self.mu_by_year[year * n..][..n],
            &self.ar[..n],
            &self.idio_by_year[year * n..][..n],
        );
        let (dev, trend, eps) = (&mut s.deviation[..n], &mut s.trend[..n], &s.eps[..n]);
        let (permanent, temporary) = (&s.permanent[..n], &s.temporary[..n]);
        match boost {
            None => {
                for i in 0..n {
                    let d = ar[i] * dev[i] + idio[i] * eps[i] + common[i];
                    dev[i] = d;
                    trend[i] += mu[i] + d;
                    // The common part is used; the slot now holds the log level.
                    common[i] = trend[i] + permanent[i] + temporary[i];
                }
            }
            Some(boost) => {
                let boost = &boost[..n];
                for i in 0..n {
                    let d = ar[i] * dev[i] + idio[i] * eps[i] + common[i];
                    dev[i] = d;
                    trend[i] += mu[i] + boost[i] + d;
                    common[i] = trend[i] + permanent[i] + temporary[i];
                }
            }
        }
        for (a, &x) in s.annual[..n].iter_mut().zip(&s.work[..n]) {
            *a += x.exp();
        }
    }

    /// The sector step of a published quarter: draw as usual, then move the
    /// quarter's innovations to reproduce the published year-to-date figures
    /// (see [`observed::solve`]). Draws the same random numbers as the usual
    /// step. A path whose figures cannot be reached gets NaN levels, which
    /// the run reports as a domain error.
    fn step_sectors_observed<R: Rng + ?Sized>(
        &self,
        st: &mut PathState,
        rng: &mut R,
        conditions: &[ExactCondition],
        t: usize,
    ) {
        let ns = self.n_sectors();
        let nk = self.n_shocks();
        // Published quarters are in the first year: its mean growth, plus
        // what policy rules that fired add this quarter.
        let boost = &st.boost;
        let mu = |i: usize| {
            if boost.is_empty() {
                self.mu[i]
            } else {
                self.mu[i] + boost[t * ns + i]
            }
        };
        for k in 0..nk {
            let year_scale = if self.shock_scale.is_empty() {
                1.0
            } else {
                self.shock_scale[k]
            };
            st.obs_scale[k] = year_scale
                * match self.shock_shapes[k] {
                    ShockShape::Gaussian => 1.0,
                    ShockShape::StudentT { group } => st.t_scale[group],
                    ShockShape::TwoPiece { down, up } => {
                        if st.shocks[k] < 0.0 {
                            down
                        } else {
                            up
                        }
                    }
                };
        }
        let mut innovation = vec![0.0; ns];
        let sec = &st.sectors;
        fill_normals(rng, &mut st.obs_eps);
        for i in 0..ns {
            let loads = &self.load[i * self.load_stride..(i + 1) * self.load_stride];
            let common: f64 = loads.iter().zip(&st.shocks).map(|(a, b)| a * b).sum();
            innovation[i] = self.idio[i] * st.obs_eps[i] + common;
            let d = self.ar[i] * sec.deviation[i] + innovation[i];
            st.obs_level[i] =
                (sec.trend[i] + mu(i) + d + sec.permanent[i] + sec.temporary[i]).exp();
            st.obs_before[i] = sec.annual[i];
        }
        let params = observed::SectorParams {
            idio: &self.idio,
            load: &self.load,
            load_stride: self.load_stride,
            correlation: &self.correlation,
            base_quarters: &self.base_quarters,
        };
        let draw = QuarterDraw {
            before: &st.obs_before,
            level: &st.obs_level,
            scales: &st.obs_scale,
        };
        match observed::solve(conditions, &params, &draw) {
            Some(adj) => {
                for k in 0..nk {
                    st.shocks[k] += adj.shock[k];
                    st.shock_year[k] += adj.shock[k];
                }
                for i in 0..ns {
                    innovation[i] += adj.innovation[i];
                }
            }
            None => innovation.iter_mut().for_each(|u| *u = f64::NAN),
        }
        let sec = &mut st.sectors;
        for i in 0..ns {
            let d = self.ar[i] * sec.deviation[i] + innovation[i];
            sec.deviation[i] = d;
            sec.trend[i] += mu(i) + d;
            sec.annual[i] += (sec.trend[i] + sec.permanent[i] + sec.temporary[i]).exp();
        }
    }

    /// The policy reaction function at the end of 0-based `quarter` of
    /// `year` (MODEL.md 2.5): record the year-to-date sums, then let each
    /// rule checked now compare its year-to-date growth with its trigger
    /// and, when it fires, add growth to later quarters of `boost`.
    /// Deterministic, allocates nothing.
    fn react(&self, st: &mut PathState, year: usize, quarter: usize) {
        let ns = self.n_sectors();
        let at = quarter * ns..(quarter + 1) * ns;
        st.cum_cur[at.clone()].copy_from_slice(&st.sectors.annual);
        let quarters = 4 * self.meta.horizon;
        for p in &self.policies {
            if !(p.check[quarter] && p.years[year]) {
                continue;
            }
            let (mut now, mut before) = (0.0, 0.0);
            for &(i, w) in &p.weights {
                now += w * st.sectors.annual[i];
                before += w * st.cum_prev[at.start + i];
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
                    st.boost[t * ns + i] += delta;
                }
            }
        }
    }
}
