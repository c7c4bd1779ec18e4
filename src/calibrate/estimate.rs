//! The estimators: mean and standard deviation, AR(1) persistence and its
//! quarterly equivalent, and the shrunk correlation matrix.

use std::collections::BTreeMap;

use super::*;

pub(super) fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = if xs.len() > 1 {
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, v.sqrt())
}

/// AR(1) by OLS on consecutive-year pairs; `None` with fewer than 3 pairs or a constant regressor.
pub fn ar1(obs: &[(i32, f64)]) -> Option<Ar1> {
    let pairs: Vec<(f64, f64)> = obs
        .windows(2)
        .filter(|w| w[1].0 == w[0].0 + 1)
        .map(|w| (w[0].1, w[1].1))
        .collect();
    let m = pairs.len();
    if m < MIN_VALUES {
        return None;
    }
    let mf = m as f64;
    let ma = pairs.iter().map(|p| p.0).sum::<f64>() / mf;
    let mb = pairs.iter().map(|p| p.1).sum::<f64>() / mf;
    let sxx: f64 = pairs.iter().map(|p| (p.0 - ma).powi(2)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.0 - ma) * (p.1 - mb)).sum();
    if !(sxx > 1e-12 * (1.0 + ma * ma) * mf) {
        return None;
    }
    let phi = sxy / sxx;
    let c = mb - phi * ma;
    let rss: f64 = pairs.iter().map(|p| (p.1 - c - phi * p.0).powi(2)).sum();
    let s2 = rss / (mf - 2.0);
    let out = Ar1 {
        phi,
        se: (s2 / sxx).sqrt(),
        intercept: c,
        resid_sd: s2.sqrt(),
        pairs: m,
    };
    (out.phi.is_finite() && out.se.is_finite()).then_some(out)
}

/// Mean, sd and AR(1) of a series, with the standard errors of docs/CALIBRATION.md.
pub(super) fn estimates(obs: &[(i32, f64)]) -> (Option<Estimate>, Option<Estimate>, Option<Ar1>) {
    if obs.is_empty() {
        return (None, None, None);
    }
    let xs: Vec<f64> = obs.iter().map(|o| o.1).collect();
    let n = xs.len() as f64;
    let (m, s) = mean_sd(&xs);
    let ar = ar1(obs);
    let phi = ar.map_or(0.0, |a| a.phi.clamp(-MAX_PERSISTENCE, MAX_PERSISTENCE));
    let phi_pos = phi.max(0.0);
    let mean_se =
        (xs.len() >= 2).then(|| s / n.sqrt() * ((1.0 + phi_pos) / (1.0 - phi_pos)).sqrt());
    let mean = Some(Estimate {
        value: m,
        se: mean_se,
    });
    let sd = (xs.len() >= 2).then(|| Estimate {
        value: s,
        se: (xs.len() >= MIN_VALUES)
            .then(|| s / (2.0 * (n - 1.0)).sqrt() * ((1.0 + phi * phi) / (1.0 - phi * phi)).sqrt()),
    });
    (mean, sd, ar)
}

/// Steady-state lag-1 autocorrelation of annual growth (ratio of annual sums of quarterly
/// levels, to first order) when quarterly log growth deviations are AR(1) with coefficient
/// `rho`: annual growth is `sum_m w_m d_{4y-2+m}` with triangular weights `(1,2,3,4,3,2,1)/4`.
/// 10/44 = 0.227 at `rho` = 0 (time averaging, Working 1960).
pub fn annual_autocorrelation(rho: f64) -> f64 {
    let w = [1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0];
    let gamma = |h: i32| rho.powi(h.abs());
    let mut c0 = 0.0;
    let mut c1 = 0.0;
    for (m, wm) in w.iter().enumerate() {
        for (k, wk) in w.iter().enumerate() {
            let d = k as i32 - m as i32;
            c0 += wm * wk * gamma(d);
            c1 += wm * wk * gamma(4 + d);
        }
    }
    c1 / c0
}

/// The quarterly persistence whose [`annual_autocorrelation`] equals `phi`: 0 when `phi` is at
/// or below the value for 0 (0.227), [`MAX_PERSISTENCE`] when above the value for it.
pub fn quarterly_persistence(phi: f64) -> f64 {
    if !phi.is_finite() || phi <= annual_autocorrelation(0.0) {
        return 0.0;
    }
    if phi >= annual_autocorrelation(MAX_PERSISTENCE) {
        return MAX_PERSISTENCE;
    }
    let (mut lo, mut hi) = (0.0, MAX_PERSISTENCE);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if annual_autocorrelation(mid) < phi {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

pub(super) fn min_eigenvalue(m: &[Vec<f64>]) -> f64 {
    let k = m.len();
    if k == 0 {
        return 1.0;
    }
    let mat = nalgebra::DMatrix::from_fn(k, k, |i, j| m[i][j]);
    mat.symmetric_eigenvalues().min()
}

pub(super) fn round4(x: f64) -> f64 {
    let r = (x * 1e4).round() / 1e4;
    if r == 0.0 { 0.0 } else { r }
}

/// Pairwise-complete correlation of the usable series, shrunk towards the identity.
pub(super) fn correlation(series: &[SeriesEstimate]) -> Option<Correlation> {
    let used: Vec<&SeriesEstimate> = series.iter().filter(|s| s.usable()).collect();
    let k = used.len();
    if k < 2 {
        return None;
    }
    let maps: Vec<BTreeMap<i32, f64>> = used
        .iter()
        .map(|s| s.observations.iter().copied().collect())
        .collect();
    let mut raw = vec![vec![None; k]; k];
    let mut common = vec![vec![0; k]; k];
    let mut se = vec![vec![None; k]; k];
    let phis: Vec<f64> = used
        .iter()
        .map(|s| {
            s.ar1
                .map_or(0.0, |a| a.phi.clamp(-MAX_PERSISTENCE, MAX_PERSISTENCE))
        })
        .collect();
    let (mut sum_var, mut sum_floor, mut sum_r2) = (0.0, 0.0, 0.0);
    for i in 0..k {
        raw[i][i] = Some(1.0);
        common[i][i] = used[i].n();
        for j in (i + 1)..k {
            let pairs: Vec<(f64, f64)> = maps[i]
                .iter()
                .filter_map(|(y, &x)| maps[j].get(y).map(|&v| (x, v)))
                .collect();
            let n = pairs.len();
            common[i][j] = n;
            common[j][i] = n;
            if n < MIN_VALUES {
                continue;
            }
            let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let (mx, sx) = mean_sd(&xs);
            let (my, sy) = mean_sd(&ys);
            if !(sx > 0.0 && sy > 0.0) {
                continue;
            }
            let w: Vec<f64> = pairs
                .iter()
                .map(|p| (p.0 - mx) / sx * (p.1 - my) / sy)
                .collect();
            let nf = n as f64;
            let wbar = w.iter().sum::<f64>() / nf;
            let r = nf / (nf - 1.0) * wbar;
            if !r.is_finite() {
                continue;
            }
            let r = r.clamp(-1.0, 1.0);
            let var_r = nf / (nf - 1.0).powi(3) * w.iter().map(|x| (x - wbar).powi(2)).sum::<f64>();
            raw[i][j] = Some(r);
            raw[j][i] = Some(r);
            let pp = phis[i] * phis[j];
            let e = (1.0 - r * r) / (nf - 1.0).sqrt() * ((1.0 + pp) / (1.0 - pp)).sqrt();
            se[i][j] = Some(e);
            se[j][i] = Some(e);
            sum_var += var_r;
            sum_floor += 1.0 / (nf - 1.0);
            sum_r2 += r * r;
        }
    }
    let (lambda_estimated, lambda_floor) = if sum_r2 > 0.0 {
        (
            (sum_var / sum_r2).clamp(0.0, 1.0),
            (sum_floor / sum_r2).clamp(0.0, 1.0),
        )
    } else {
        (1.0, 1.0)
    };
    let filled: Vec<Vec<f64>> = raw
        .iter()
        .map(|row| row.iter().map(|r| r.unwrap_or(0.0)).collect())
        .collect();
    let min_eigen_raw = min_eigenvalue(&filled);
    let mut lambda = lambda_estimated.max(lambda_floor);
    // Eigenvalues of (1 - l) R + l I are (1 - l) mu + l: raise l until the smallest is the margin.
    if (1.0 - lambda) * min_eigen_raw + lambda < MIN_EIGENVALUE && min_eigen_raw < 1.0 {
        lambda = ((MIN_EIGENVALUE - min_eigen_raw) / (1.0 - min_eigen_raw)).clamp(0.0, 1.0);
    }
    let shrink = |l: f64| -> Vec<Vec<f64>> {
        (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| {
                        if i == j {
                            1.0
                        } else {
                            round4((1.0 - l) * filled[i][j])
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let mut matrix = shrink(lambda);
    let mut min_eigen = min_eigenvalue(&matrix);
    // Rounding moves eigenvalues by at most k * 5e-5; step up in the rare case it matters.
    while min_eigen < MIN_EIGENVALUE / 2.0 && lambda < 1.0 {
        lambda = (lambda + 0.001).min(1.0);
        matrix = shrink(lambda);
        min_eigen = min_eigenvalue(&matrix);
    }
    Some(Correlation {
        ids: used.iter().map(|s| format!("{}_shock", s.id)).collect(),
        names: used.iter().map(|s| s.name.clone()).collect(),
        raw,
        common,
        se,
        lambda_estimated,
        lambda_floor,
        lambda,
        min_eigen_raw,
        min_eigen,
        matrix,
    })
}
