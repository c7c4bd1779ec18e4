//! Streaming, mergeable summaries of simulated paths.
//!
//! Each block of paths folds into an [`Accumulator`]; blocks are merged in
//! block order. Counts and histograms merge exactly; the floating-point sums
//! behind means are merged in that fixed order, so results are bit-identical
//! whatever the number of threads.

pub mod float;
pub mod histogram;
pub mod normal;

pub use normal::normal_quantile;

use histogram::LogHistogram;
use serde::{Deserialize, Serialize};

use crate::model::Model;

/// Accumulated outcomes for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetAccumulator {
    /// Paths on which the target was attained.
    pub hits: u64,
    /// Paths whose value was NaN or infinite (a model-domain problem).
    pub nonfinite: u64,
    /// Sum of finite values (for the mean). It overflows to an infinity
    /// (or NaN) when the values are near `f64::MAX / paths`; then
    /// [`Self::scaled_sum`] gives the mean. Written as a string in shard
    /// parts when it is not finite ([`float`]).
    #[serde(with = "float::scalar")]
    pub sum: f64,
    /// Sum of finite values times `2^-SUM_SCALE_EXP`, which cannot overflow
    /// for any number of finite values (fewer than 2^64 paths, each below
    /// 2^1024); used for the mean only when [`Self::sum`] overflowed.
    #[serde(with = "float::scalar")]
    pub scaled_sum: f64,
    /// Distribution of finite values.
    pub hist: LogHistogram,
}

impl TargetAccumulator {
    /// Share of `paths` on which the target was attained.
    pub fn probability(&self, paths: u64) -> f64 {
        self.hits as f64 / paths as f64
    }

    /// 95% Wilson interval of [`Self::probability`].
    pub fn ci95(&self, paths: u64) -> (f64, f64) {
        wilson(self.hits, paths, Z95)
    }

    /// Mean of the finite values of `paths` paths (NaN when there are none).
    /// While the plain sum is finite this is `sum / finite`, bit for bit;
    /// when it overflowed, the mean comes from the scaled sum (rounded like
    /// any float sum, clamped to the exact minimum and maximum), so it is
    /// finite whenever every value is.
    pub fn mean(&self, paths: u64) -> f64 {
        let finite = paths.saturating_sub(self.nonfinite);
        if finite == 0 {
            f64::NAN
        } else if self.sum.is_finite() {
            self.sum / finite as f64
        } else if self.hist.count() == 0 {
            f64::NAN
        } else {
            let m = self.scaled_sum / finite as f64 * SUM_UNSCALE;
            m.clamp(self.hist.min(), self.hist.max())
        }
    }

    /// Quantile `p` of the finite values (NaN when there are none).
    pub fn quantile(&self, p: f64) -> f64 {
        self.hist.quantile(p).unwrap_or(f64::NAN)
    }
}

/// Binary exponent by which [`TargetAccumulator::scaled_sum`] is scaled down.
pub const SUM_SCALE_EXP: i32 = 80;
/// `2^-SUM_SCALE_EXP` (exact).
const SUM_SCALE: f64 = 1.0 / (1u128 << SUM_SCALE_EXP) as f64;
/// `2^SUM_SCALE_EXP` (exact).
const SUM_UNSCALE: f64 = (1u128 << SUM_SCALE_EXP) as f64;

/// Accumulated outcomes of a set of paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accumulator {
    /// Paths folded in.
    pub paths: u64,
    /// One per target, in scenario order.
    pub targets: Vec<TargetAccumulator>,
    /// Paths attaining every headline target.
    pub joint_headline: u64,
    /// Paths attaining every target.
    pub joint_all: u64,
    /// `events x targets`, row-major: paths on which the event was under way
    /// at some point from the first simulated year to the target's year.
    pub event_paths: Vec<u64>,
    /// Same layout: of those, paths attaining the target.
    pub event_hits: Vec<u64>,
    /// Sum over paths of the squared number of headline targets attained
    /// (the plain sum is that of the headline targets' hits).
    #[serde(default)]
    pub headline_met_sq: u64,
    /// Per target, when some target has `excused_by` (else empty): paths on
    /// which it was attained or excused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excused_hits: Vec<u64>,
    /// Per `[[joints]]` entry: paths attaining all of its targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint_hits: Vec<u64>,
    /// Per target, when the model has assumptions (else empty): the sum of
    /// the margin `judged − threshold` and of its square, over finite paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub margin_sums: Vec<[f64; 2]>,
}

impl Accumulator {
    /// An empty accumulator for `model`.
    pub fn new(model: &Model) -> Self {
        let nt = model.targets.len();
        let ne = model.events.len();
        Accumulator {
            paths: 0,
            targets: (0..nt)
                .map(|_| TargetAccumulator {
                    hits: 0,
                    nonfinite: 0,
                    sum: 0.0,
                    scaled_sum: 0.0,
                    hist: LogHistogram::new(),
                })
                .collect(),
            joint_headline: 0,
            joint_all: 0,
            event_paths: vec![0; ne * nt],
            event_hits: vec![0; ne * nt],
            headline_met_sq: 0,
            excused_hits: if model.targets.iter().any(|t| !t.excused_by.is_empty()) {
                vec![0; nt]
            } else {
                vec![]
            },
            joint_hits: vec![0; model.joints.len()],
            margin_sums: if model.assumptions.is_empty() {
                vec![]
            } else {
                vec![[0.0; 2]; nt]
            },
        }
    }

    /// Fold one path in: each target's indicator value and judged value,
    /// the first year each event was under way, and whether each target was
    /// excused (one of its `excused_by` events under way in its year).
    #[inline]
    pub fn record(
        &mut self,
        model: &Model,
        values: &[f64],
        judged: &[f64],
        first_year: &[u32],
        excused: &[bool],
    ) {
        self.paths += 1;
        let mut all = true;
        let mut headline = true;
        let mut headline_met = 0u64;
        for (t, (acc, target)) in self.targets.iter_mut().zip(&model.targets).enumerate() {
            let v = values[t];
            let hit = if v.is_finite() && judged[t].is_finite() {
                acc.sum += v;
                acc.scaled_sum += v * SUM_SCALE;
                acc.hist.insert(v);
                target.attained(judged[t])
            } else {
                acc.nonfinite += 1;
                false
            };
            acc.hits += u64::from(hit);
            all &= hit;
            if target.headline {
                headline &= hit;
                headline_met += u64::from(hit);
            }
            if let Some(x) = self.excused_hits.get_mut(t) {
                *x += u64::from(hit || excused[t]);
            }
            if let Some(m) = self.margin_sums.get_mut(t) {
                let d = judged[t] - target.threshold;
                if d.is_finite() {
                    m[0] += d;
                    m[1] += d * d;
                }
            }
        }
        self.joint_all += u64::from(all);
        self.joint_headline += u64::from(headline);
        self.headline_met_sq += headline_met * headline_met;
        for (h, joint) in self.joint_hits.iter_mut().zip(&model.joints) {
            let met = joint.targets.iter().all(|&t| {
                values[t].is_finite()
                    && judged[t].is_finite()
                    && model.targets[t].attained(judged[t])
            });
            *h += u64::from(met);
        }

        // Conditional counts, only for the events that were under way on this
        // path (on most paths none was, and this loop does nothing).
        let nt = model.targets.len();
        for (e, &first) in first_year.iter().enumerate() {
            if first == u32::MAX {
                continue;
            }
            for (t, target) in model.targets.iter().enumerate() {
                if first as usize <= target.year_index {
                    let hit = values[t].is_finite()
                        && judged[t].is_finite()
                        && target.attained(judged[t]);
                    self.event_paths[e * nt + t] += 1;
                    self.event_hits[e * nt + t] += u64::from(hit);
                }
            }
        }
    }

    /// Add another accumulator (call in block order for reproducible sums).
    pub fn merge(&mut self, other: &Accumulator) {
        self.paths += other.paths;
        for (a, b) in self.targets.iter_mut().zip(&other.targets) {
            a.hits += b.hits;
            a.nonfinite += b.nonfinite;
            a.sum += b.sum;
            a.scaled_sum += b.scaled_sum;
            a.hist.merge(&b.hist);
        }
        self.joint_headline += other.joint_headline;
        self.joint_all += other.joint_all;
        for (a, b) in self.event_paths.iter_mut().zip(&other.event_paths) {
            *a += b;
        }
        for (a, b) in self.event_hits.iter_mut().zip(&other.event_hits) {
            *a += b;
        }
        self.headline_met_sq += other.headline_met_sq;
        for (a, b) in self.excused_hits.iter_mut().zip(&other.excused_hits) {
            *a += b;
        }
        for (a, b) in self.joint_hits.iter_mut().zip(&other.joint_hits) {
            *a += b;
        }
        for (a, b) in self.margin_sums.iter_mut().zip(&other.margin_sums) {
            a[0] += b[0];
            a[1] += b[1];
        }
    }

    /// Expected number of headline targets attained on a path (the sum of
    /// their probabilities), its Monte Carlo standard error, and how many
    /// headline targets there are.
    pub fn headline_expected_met(&self, model: &Model) -> (f64, f64, usize) {
        let n = self.paths as f64;
        let of = model.targets.iter().filter(|t| t.headline).count();
        let sum: u64 = model
            .targets
            .iter()
            .zip(&self.targets)
            .filter(|(t, _)| t.headline)
            .map(|(_, a)| a.hits)
            .sum();
        let mean = sum as f64 / n;
        let var = (self.headline_met_sq as f64 / n - mean * mean).max(0.0);
        // Sample variance (n - 1) over n for the standard error of the mean.
        let se = if self.paths > 1 {
            (var * n / (n - 1.0) / n).sqrt()
        } else {
            0.0
        };
        (mean, se, of)
    }

    /// Variance of target `t`'s margin (judged value − threshold) over the
    /// finite paths, when the margin sums are kept (a model with assumptions).
    pub fn margin_variance(&self, t: usize) -> Option<f64> {
        let m = self.margin_sums.get(t)?;
        let n = self.paths.saturating_sub(self.targets[t].nonfinite) as f64;
        (n > 1.0).then(|| ((m[1] - m[0] * m[0] / n) / (n - 1.0)).max(0.0))
    }
}

/// Wilson score interval for a binomial proportion at normal quantile `z`
/// (1.96 for 95%). Well behaved at 0 and 1, unlike the Wald interval.
pub fn wilson(hits: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let p = hits as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 or n hits the bound is exactly 0 or 1; rounding would leave ~1e-19.
    let lo = if hits == 0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let hi = if hits as f64 == n {
        1.0
    } else {
        (center + half).min(1.0)
    };
    (lo, hi)
}

/// The 97.5% standard normal quantile.
pub const Z95: f64 = 1.959963984540054;

/// Paths needed so that every 95% interval is narrower than `width` (the
/// worst case is p = 1/2: width = 2 z sqrt(1/(4n))).
pub fn paths_for_width(width: f64) -> u64 {
    ((Z95 / width).powi(2)).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_example() {
        // Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662.
        let (lo, hi) = wilson(81, 263, Z95);
        assert!((lo - 0.2553).abs() < 5e-4, "{lo}");
        assert!((hi - 0.3662).abs() < 5e-4, "{hi}");
        // 0 of 10 -> (0, 0.2775).
        let (lo, hi) = wilson(0, 10, Z95);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.2775).abs() < 5e-4, "{hi}");
    }

    #[test]
    fn mean_is_finite_when_the_sum_overflows_and_unchanged_otherwise() {
        let mut t = TargetAccumulator {
            hits: 0,
            nonfinite: 0,
            sum: 0.0,
            scaled_sum: 0.0,
            hist: LogHistogram::new(),
        };
        let values = [1.7e308, 1.6e308, -0.5e308, 1.75e308];
        for &v in &values {
            t.sum += v;
            t.scaled_sum += v * SUM_SCALE;
            t.hist.insert(v);
        }
        assert!(!t.sum.is_finite());
        let mean = t.mean(4);
        let exact = 1.7e308 / 4.0 + 1.6e308 / 4.0 - 0.5e308 / 4.0 + 1.75e308 / 4.0;
        assert!(
            mean.is_finite() && (mean - exact).abs() <= exact * 1e-15,
            "{mean}"
        );
        // All at the largest value: the mean is that value, not infinity.
        let mut top = t.clone();
        top.sum = f64::INFINITY;
        top.scaled_sum = 3.0 * f64::MAX * SUM_SCALE;
        top.hist = LogHistogram::new();
        (0..3).for_each(|_| top.hist.insert(f64::MAX));
        assert_eq!(top.mean(3), f64::MAX);
        // Ordinary values: exactly sum / n.
        let mut o = t.clone();
        o.sum = 10.1;
        assert_eq!(o.mean(4).to_bits(), (10.1f64 / 4.0).to_bits());
    }

    #[test]
    fn default_path_count_gives_sub_point_intervals() {
        let n = crate::engine::DEFAULT_PATHS;
        for k in [0, n / 50, n / 4, n / 2, n - n / 50, n] {
            let (lo, hi) = wilson(k, n, Z95);
            assert!(hi - lo < 0.01, "k={k}: width {}", hi - lo);
        }
        assert!(paths_for_width(0.01) <= n);
    }
}
