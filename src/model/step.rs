//! One Monte Carlo path: quarters of sector growth with shocks and events,
//! then each year's indicators and target values.
//!
//! This is the hot loop. It allocates nothing (all buffers live in
//! [`PathState`], allocated once per block) and cannot fail: values that leave
//! their domain come out as NaN or infinity and are counted by the summaries,
//! which turn them into an error after the run.

use rand::{Rng, RngExt};
use rand_distr::{ChiSquared, Distribution, StandardNormal};

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
    sectors: Vec<SectorState>,
    event_left: Vec<u32>,
    event_quarters: Vec<u32>,
    ind: Vec<f64>,
    prev_ind: Vec<f64>,
    noise: Vec<f64>,
    /// For each event, the first simulated year (0-based) in which it was
    /// under way, or `u32::MAX` if it never was (for conditional summaries).
    pub first_year: Vec<u32>,
}

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
            chi: model
                .t_groups
                .iter()
                .map(|&df| ChiSquared::new(df).expect("validated df > 2"))
                .collect(),
            noise_chi: model
                .indicators
                .iter()
                .map(|i| {
                    i.noise_t
                        .map(|(df, _)| ChiSquared::new(df).expect("validated noise_df > 2"))
                })
                .collect(),
            sectors: vec![SectorState::default(); ns],
            event_left: vec![0; ne],
            event_quarters: vec![0; ne],
            ind: vec![0.0; ni],
            prev_ind: vec![0.0; ni],
            noise: vec![0.0; ni],
            first_year: vec![u32::MAX; ne],
        }
    }
}

/// One sector's state along a path, kept together so the sector loop walks
/// one array instead of six.
#[derive(Debug, Clone, Copy, Default)]
struct SectorState {
    deviation: f64,
    trend: f64,
    permanent: f64,
    temporary: f64,
    annual: f64,
    prev_annual: f64,
}

#[inline]
fn series_value(s: Series, sectors: &[SectorState], ind: &[f64]) -> f64 {
    match s {
        Series::Sector(i) => sectors[i].annual,
        Series::Indicator(j) => ind[j],
    }
}

impl Model {
    /// Simulate one path and write each target's indicator value to
    /// `values[t]` and its judged value (after `relative_to`) to `judged[t]`.
    pub fn simulate_path<R: Rng + ?Sized>(
        &self,
        st: &mut PathState,
        rng: &mut R,
        values: &mut [f64],
        judged: &mut [f64],
    ) {
        let nk = self.n_shocks();
        for ((s, p), sector) in st
            .sectors
            .iter_mut()
            .zip(&self.base_log_level)
            .zip(&self.sectors)
        {
            *s = SectorState {
                trend: *p,
                prev_annual: sector.value_added,
                ..SectorState::default()
            };
        }
        for (j, ind) in self.indicators.iter().enumerate() {
            st.prev_ind[j] = ind.base.unwrap_or(f64::NAN);
            st.noise[j] = 0.0;
        }
        st.event_left.iter_mut().for_each(|x| *x = 0);
        st.first_year.iter_mut().for_each(|x| *x = u32::MAX);
        let horizon = self.meta.horizon;

        for year in 0..horizon {
            st.sectors.iter_mut().for_each(|s| s.annual = 0.0);
            st.shock_year.iter_mut().for_each(|x| *x = 0.0);
            st.event_quarters.iter_mut().for_each(|x| *x = 0);

            for quarter in 0..4 {
                // Common shocks: correlated normals, then each one's shape.
                for g in 0..st.chi.len() {
                    let w: f64 = st.chi[g].sample(rng);
                    st.t_scale[g] = ((self.t_groups[g] - 2.0) / w).sqrt();
                }
                for k in 0..nk {
                    st.normals[k] = rng.sample(StandardNormal);
                }
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
                    st.shocks[k] = f;
                    st.shock_year[k] += f;
                }

                // Events: start, then apply while under way.
                st.sectors.iter_mut().for_each(|s| s.temporary = 0.0);
                for (e, ev) in self.events.iter().enumerate() {
                    let u: f64 = rng.random();
                    if st.event_left[e] == 0 && ev.may_start[quarter] && u < ev.probability {
                        st.event_left[e] = ev.duration;
                    }
                    if st.event_left[e] > 0 {
                        st.event_quarters[e] += 1;
                        st.first_year[e] = st.first_year[e].min(year as u32);
                        for &(i, size) in &ev.sector_impacts {
                            st.sectors[i].temporary += size;
                        }
                    }
                }

                // Sectors: zipped iteration, so no bounds checks in the loop.
                let shocks = &st.shocks;
                for (((s, loads), (&mu, &ar)), &idio) in st
                    .sectors
                    .iter_mut()
                    .zip(self.load.chunks_exact(self.load_stride))
                    .zip(self.mu.iter().zip(&self.ar))
                    .zip(&self.idio)
                {
                    let eps: f64 = rng.sample(StandardNormal);
                    let common: f64 = loads.iter().zip(shocks).map(|(a, b)| a * b).sum();
                    let d = ar * s.deviation + idio * eps + common;
                    s.deviation = d;
                    s.trend += mu + d;
                    s.annual += (s.trend + s.permanent + s.temporary).exp();
                }

                // Events that end this quarter leave their unrecovered loss behind.
                for (e, ev) in self.events.iter().enumerate() {
                    if st.event_left[e] > 0 {
                        st.event_left[e] -= 1;
                        if st.event_left[e] == 0 {
                            for &(i, size) in &ev.sector_impacts {
                                st.sectors[i].permanent += (1.0 - ev.recovery) * size;
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
                    let mut z: f64 = rng.sample(StandardNormal);
                    if let (Some((df, scale)), Some(chi)) = (ind.noise_t, &st.noise_chi[j]) {
                        // A Student-t draw with unit variance: z * sqrt((df-2)/W).
                        let w: f64 = chi.sample(rng);
                        z *= scale * (df / w).sqrt();
                    }
                    st.noise[j] = ind.noise_persistence * st.noise[j] + ind.noise_sd * z;
                    noise = st.noise[j];
                }
                for &(e, size) in &self.indicator_events[j] {
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
                            Series::Sector(i) => (st.sectors[i].annual, st.sectors[i].prev_annual),
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
                };
                st.ind[j] = v;
            }

            for (t, target) in self.targets.iter().enumerate() {
                if target.year_index == year {
                    let v = st.ind[target.indicator];
                    values[t] = v;
                    judged[t] = match target.relative_to {
                        Some(r) => v - st.ind[r],
                        None => v,
                    };
                }
            }

            st.sectors.iter_mut().for_each(|s| s.prev_annual = s.annual);
            std::mem::swap(&mut st.ind, &mut st.prev_ind);
        }
    }
}
