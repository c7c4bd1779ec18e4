//! The indicator phase of a batch: each formula matched once and evaluated
//! over the lanes.
//!
//! An indicator's values that no assumption writes (intercept,
//! coefficients, noise scale, exogenous means, event impact sizes) are the
//! same in every lane: they are read once from the model and the lane loops
//! use them as constants. Only an indicator some assumption writes
//! (`Assumptions::moves_indicators`) reads them from each lane's patched
//! model. Each lane's draws come from its own indicator stream in the
//! scalar order (docs/MODEL.md 7: per year and indicator, the noise normal,
//! its chi-square, a count's binomial draw): the lanes' indicator streams
//! are one `XoshiroLanes`, the normals and chi-squares drawn in lockstep as
//! in the sector phase, a count's draw lane by lane.

use super::*;

#[inline(always)]
pub(super) fn linear_of(m: &Model, j: usize) -> (f64, &[(Input, f64)]) {
    match &m.indicators[j].formula {
        Formula::Linear { intercept, terms } => (*intercept, terms),
        _ => (0.0, &[]),
    }
}

/// The event impacts on indicator `j` in year `year`: (event, size).
#[inline(always)]
fn impacts(m: &Model, j: usize, year: usize) -> &[(usize, f64)] {
    if m.indicator_events_by_year.is_empty() {
        &m.indicator_events[j]
    } else {
        &m.indicator_events_by_year[year][j]
    }
}

/// The year's indicators (MODEL.md 5.5), inputs first: each lane's noise
/// from its indicator stream, event impacts, then the formula, matched once
/// and evaluated over the lanes.
#[inline(always)]
pub(super) fn indicators<I: Isa, const L: usize>(
    isa: I,
    model: &Model,
    lanes: &[&Model; L],
    sec: &SectorState<L>,
    st: &mut IndicatorState<L>,
    rngs: &mut XoshiroLanes<L>,
    year: usize,
    work: &[Work],
) {
    for (&j, &work) in model.order.iter().zip(work) {
        if work == Work::Skip {
            continue;
        }
        let ind = &model.indicators[j];
        // Whether this indicator's values differ between lanes.
        let varies = st.ind_varies.get(j).copied().unwrap_or(false);
        let mut noise = [0.0; L];
        // An assumption on the noise keeps it positive in every lane, so
        // the lanes agree on whether it is drawn.
        let sd = lanes[0].indicators[j].noise_sd;
        if sd > 0.0 {
            let mut z = draw::normal_lanes(isa, rngs);
            if let (Some((df, scale)), Some(chi)) = (ind.noise_t, &st.noise_chi[j]) {
                let w = chi.sample_lanes(isa, rngs);
                for l in 0..L {
                    // A Student-t draw with unit variance: z * sqrt((df-2)/W).
                    z[l] *= scale * (df / w[l]).sqrt();
                }
            }
            let sd: [f64; L] = if varies {
                std::array::from_fn(|l| lanes[l].indicators[j].noise_sd)
            } else {
                [sd; L]
            };
            let rho = ind.noise_persistence;
            let e = &mut st.noise[j];
            for l in 0..L {
                e[l] = rho * e[l] + sd[l] * z[l];
            }
            noise = *e;
        }
        if work == Work::Noise {
            continue;
        }
        if varies {
            for l in 0..L {
                for &(e, size) in impacts(lanes[l], j, year) {
                    noise[l] += size * sec.event_quarters[e][l] as f64 / 4.0;
                }
            }
        } else {
            for &(e, size) in impacts(model, j, year) {
                let q = &sec.event_quarters[e];
                for l in 0..L {
                    noise[l] += size * q[l] as f64 / 4.0;
                }
            }
        }
        let v: [f64; L] = match &ind.formula {
            Formula::Sum(terms) => {
                // Summed from -0.0 in term order, as `Iterator::sum` does.
                let mut v = [-0.0; L];
                for &(s, w) in terms {
                    let x = series(s, sec, st);
                    for l in 0..L {
                        v[l] += w * x[l];
                    }
                }
                std::array::from_fn(|l| v[l] + noise[l])
            }
            Formula::Ratio(n, d) => {
                let (n, d) = (series(*n, sec, st), series(*d, sec, st));
                std::array::from_fn(|l| n[l] / d[l] + noise[l])
            }
            Formula::Growth(s) => {
                let (now, before) = match *s {
                    Series::Sector(i) => (&sec.annual[i], &sec.prev_annual[i]),
                    Series::Indicator(k) => (&st.ind[k], &st.prev_ind[k]),
                };
                std::array::from_fn(|l| 100.0 * (now[l] / before[l] - 1.0) + noise[l])
            }
            Formula::Linear { intercept, terms } => {
                let mut v: [f64; L] = if varies {
                    std::array::from_fn(|l| linear_of(lanes[l], j).0 + noise[l])
                } else {
                    std::array::from_fn(|l| intercept + noise[l])
                };
                for (p, &(input, c)) in terms.iter().enumerate() {
                    let c: [f64; L] = if varies {
                        std::array::from_fn(|l| linear_of(lanes[l], j).1[p].1)
                    } else {
                        [c; L]
                    };
                    match input {
                        Input::Indicator(k) => {
                            let x = &st.ind[k];
                            for l in 0..L {
                                v[l] += c[l] * x[l];
                            }
                        }
                        Input::Shock(k) => {
                            let x = &sec.shock_year[k];
                            for l in 0..L {
                                v[l] += c[l] * (0.5 * x[l]);
                            }
                        }
                    }
                }
                v
            }
            Formula::Compound(s) => {
                let g = series(*s, sec, st);
                let prev = &st.prev_ind[j];
                std::array::from_fn(|l| prev[l] * (1.0 + (g[l] + noise[l]) / 100.0))
            }
            Formula::Accumulate(s, from) => {
                if year >= *from {
                    let x = series(*s, sec, st);
                    let prev = &st.prev_ind[j];
                    std::array::from_fn(|l| prev[l] + x[l] + noise[l])
                } else {
                    st.prev_ind[j]
                }
            }
            Formula::Exogenous(means) => {
                if varies {
                    std::array::from_fn(|l| {
                        let mean = match &lanes[l].indicators[j].formula {
                            Formula::Exogenous(means) => means[year],
                            _ => f64::NAN,
                        };
                        mean + noise[l]
                    })
                } else {
                    let mean = means[year];
                    std::array::from_fn(|l| mean + noise[l])
                }
            }
            Formula::Count { of, trials } => {
                let share = st.ind[*of];
                // Always one draw (a NaN share gives NaN), so the stream keeps its layout.
                let p: [f64; L] = std::array::from_fn(|l| {
                    if share[l].is_nan() {
                        0.5
                    } else {
                        share[l].clamp(0.0, 1.0)
                    }
                });
                let dists = Binomial::new_lanes(u64::from(*trials), &p);
                std::array::from_fn(|l| {
                    let k = match dists.sample(l, &mut rngs.lane(l)) {
                        Ok(k) => k as f64,
                        Err(_) => f64::NAN,
                    };
                    if share[l].is_nan() {
                        f64::NAN
                    } else {
                        k + noise[l]
                    }
                })
            }
        };
        st.ind[j] = match model.observed.blends.get(j) {
            // The published part of the year replaces its share of the simulated value.
            Some(&Some((share, seen))) if year == 0 => {
                std::array::from_fn(|l| share * seen + (1.0 - share) * v[l])
            }
            _ => v,
        };
    }
}
