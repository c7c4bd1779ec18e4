//! Streaming, mergeable summaries of simulated paths.
//!
//! Each block of paths folds into an [`Accumulator`]; blocks are merged in
//! block order. Counts and histograms merge exactly; the floating-point sums
//! behind means are merged in that fixed order, so results are bit-identical
//! whatever the number of threads.

pub mod histogram;

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
    /// Sum of finite values (for the mean).
    pub sum: f64,
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

    /// Quantile `p` of the finite values (NaN when there are none).
    pub fn quantile(&self, p: f64) -> f64 {
        self.hist.quantile(p).unwrap_or(f64::NAN)
    }
}

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
                    hist: LogHistogram::new(),
                })
                .collect(),
            joint_headline: 0,
            joint_all: 0,
            event_paths: vec![0; ne * nt],
            event_hits: vec![0; ne * nt],
        }
    }

    /// Fold one path in.
    #[inline]
    pub fn record(&mut self, model: &Model, values: &[f64], judged: &[f64], first_year: &[u32]) {
        self.paths += 1;
        let mut all = true;
        let mut headline = true;
        for (t, (acc, target)) in self.targets.iter_mut().zip(&model.targets).enumerate() {
            let v = values[t];
            let hit = if v.is_finite() && judged[t].is_finite() {
                acc.sum += v;
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
            }
        }
        self.joint_all += u64::from(all);
        self.joint_headline += u64::from(headline);

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
    fn default_path_count_gives_sub_point_intervals() {
        let n = crate::engine::DEFAULT_PATHS;
        for k in [0, n / 50, n / 4, n / 2, n - n / 50, n] {
            let (lo, hi) = wilson(k, n, Z95);
            assert!(hi - lo < 0.01, "k={k}: width {}", hi - lo);
        }
        assert!(paths_for_width(0.01) <= n);
    }
}
