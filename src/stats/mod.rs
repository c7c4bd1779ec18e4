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

/// Set bits of `m`, whose bits above `L` are clear: a table lookup per
/// byte (the baseline x86-64 target has no population count instruction).
#[inline(always)]
fn ones<const L: usize>(m: u64) -> u64 {
    const BYTE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u32).count_ones() as u8;
            i += 1;
        }
        t
    };
    (0..L.div_ceil(8))
        .map(|i| u64::from(BYTE[((m >> (8 * i)) & 0xff) as usize]))
        .sum()
}

/// What an accumulator records of each path (`Model::recording`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recording {
    /// Everything a report reads: counts, sums, histograms, joint counts,
    /// the headline's and the event tables.
    #[default]
    Full,
    /// Only what a probability reads: the paths, each target's hits and
    /// non-finite paths, and the excused hits and margin sums when the
    /// model keeps them. The sums and histograms stay at zero and the joint
    /// counts at zero, the event tables and joint list are empty (a study's
    /// variants, a run's central-value pass).
    Probabilities,
}

/// Scratch of [`Accumulator::record_lanes`] (one per kernel, so that
/// recording allocates nothing after the first batch).
#[derive(Debug, Clone, Default)]
pub struct LaneScratch {
    /// Per target, the lanes on which it was attained (one bit per lane).
    hits: Vec<u64>,
    /// Per year, the lanes on which an event was under way by that year,
    /// then per year how many they are.
    under_way: Vec<u64>,
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
    /// An empty accumulator for `model`, keeping what `model.recording`
    /// asks for: with [`Recording::Probabilities`] the event tables and the
    /// joint counts are empty and the sums and histograms stay at zero.
    pub fn new(model: &Model) -> Self {
        let nt = model.targets.len();
        let full = model.recording == Recording::Full;
        let ne = if full { model.events.len() } else { 0 };
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
            joint_hits: if full {
                vec![0; model.joints.len()]
            } else {
                vec![]
            },
            margin_sums: if model.assumptions.is_empty() {
                vec![]
            } else {
                vec![[0.0; 2]; nt]
            },
        }
    }

    /// Fold in paths `0..active` of a batch of `L` paths given as lane
    /// arrays (path `l` of the batch is lane `l`), in lane (path) order:
    /// each target's indicator value and judged value, each event's first
    /// year under way (`u32::MAX`: never), and whether each target was
    /// excused (one of its `excused_by` events under way in its year).
    /// `model` gives the structure (targets, joints, events) and what is
    /// recorded (`model.recording`); `lanes[l]` the bounds and thresholds of
    /// path `l` (a patched copy when assumptions move them, else `model`).
    /// `scratch` is reused between calls so that nothing is allocated.
    ///
    /// Each floating-point sum (values, scaled values, margins) and each
    /// histogram takes its paths in path order, so the result is the same
    /// as folding the paths in one at a time; the integer counts do not
    /// depend on the order, and are counted per batch with one bit per lane.
    #[allow(clippy::too_many_arguments)]
    pub fn record_lanes<const L: usize>(
        &mut self,
        model: &Model,
        lanes: &[&Model; L],
        active: usize,
        values: &[[f64; L]],
        judged: &[[f64; L]],
        first_year: &[[u32; L]],
        excused: &[[bool; L]],
        scratch: &mut LaneScratch,
    ) {
        // Lanes judged against the model's own targets (no assumption
        // moves a threshold or tolerance) read each target's bounds once.
        let shared = lanes.iter().all(|&m| std::ptr::eq(m, model));
        let args = (
            model, lanes, active, values, judged, first_year, excused, scratch,
        );
        match (model.recording, shared) {
            (Recording::Full, true) => self.record::<L, true, true>(args),
            (Recording::Full, false) => self.record::<L, true, false>(args),
            (Recording::Probabilities, true) => self.record::<L, false, true>(args),
            (Recording::Probabilities, false) => self.record::<L, false, false>(args),
        }
    }

    /// [`Self::record_lanes`]: everything when `FULL`, else only what
    /// [`Recording::Probabilities`] keeps; with `SHARED` every lane is
    /// judged against `model`'s targets.
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    fn record<const L: usize, const FULL: bool, const SHARED: bool>(
        &mut self,
        (model, lanes, active, values, judged, first_year, excused, scratch): (
            &Model,
            &[&Model; L],
            usize,
            &[[f64; L]],
            &[[f64; L]],
            &[[u32; L]],
            &[[bool; L]],
            &mut LaneScratch,
        ),
    ) {
        const { assert!(L <= 64, "one bit per lane in a u64") };
        let active = active.min(L);
        let nt = model.targets.len();
        scratch.hits.resize(nt, 0);
        let hits = &mut scratch.hits[..nt];
        self.paths += active as u64;
        let mut all = u64::MAX;
        let mut headline = u64::MAX;
        let mut headline_met = [0u64; L];
        for (t, (acc, target)) in self.targets.iter_mut().zip(&model.targets).enumerate() {
            let (v, j) = (&values[t], &judged[t]);
            let mut hit = 0u64;
            let mut finite = 0u64;
            // The finite values in lane order, and the sums kept in
            // registers (added in the same order).
            let mut kept = [0.0f64; L];
            let (mut sum, mut scaled) = (acc.sum, acc.scaled_sum);
            for l in 0..active {
                let (x, y) = (v[l], j[l]);
                if x.is_finite() && y.is_finite() {
                    if FULL {
                        sum += x;
                        scaled += x * SUM_SCALE;
                        kept[finite as usize] = x;
                    }
                    finite += 1;
                    let judge = if SHARED { target } else { &lanes[l].targets[t] };
                    hit |= u64::from(judge.attained(y)) << l;
                }
            }
            if FULL {
                acc.sum = sum;
                acc.scaled_sum = scaled;
                acc.hist.insert_all(&kept[..finite as usize]);
            }
            acc.nonfinite += active as u64 - finite;
            acc.hits += ones::<L>(hit);
            if FULL {
                all &= hit;
                if target.headline {
                    headline &= hit;
                    for (l, met) in headline_met.iter_mut().enumerate() {
                        *met += (hit >> l) & 1;
                    }
                }
            }
            if let Some(x) = self.excused_hits.get_mut(t) {
                let e = &excused[t];
                let excused = (0..active).fold(0u64, |m, l| m | (u64::from(e[l]) << l));
                *x += ones::<L>(hit | excused);
            }
            if let Some(m) = self.margin_sums.get_mut(t) {
                let [mut m0, mut m1] = *m;
                for l in 0..active {
                    let threshold = if SHARED {
                        target.threshold
                    } else {
                        lanes[l].targets[t].threshold
                    };
                    let d = j[l] - threshold;
                    if d.is_finite() {
                        m0 += d;
                        m1 += d * d;
                    }
                }
                *m = [m0, m1];
            }
            hits[t] = hit;
        }
        if !FULL {
            return;
        }
        let on = if active == 64 {
            u64::MAX
        } else {
            (1u64 << active) - 1
        };
        self.joint_all += ones::<L>(all & on);
        self.joint_headline += ones::<L>(headline & on);
        self.headline_met_sq += headline_met[..active].iter().map(|m| m * m).sum::<u64>();
        for (h, joint) in self.joint_hits.iter_mut().zip(&model.joints) {
            let met = joint.targets.iter().fold(on, |m, &t| m & hits[t]);
            *h += ones::<L>(met);
        }

        // Conditional counts: per event, the lanes on which it was under way
        // by each year (none on most paths, and then this does nothing).
        let horizon = model.meta.horizon;
        scratch.under_way.resize(2 * horizon, 0);
        let (by_year, count) = scratch.under_way[..2 * horizon].split_at_mut(horizon);
        for (e, first) in first_year.iter().enumerate() {
            by_year.fill(0);
            let mut any = false;
            for (l, &first) in first[..active].iter().enumerate() {
                if let Some(m) = by_year.get_mut(first as usize) {
                    *m |= 1 << l;
                    any = true;
                }
            }
            if !any {
                continue;
            }
            for y in 1..horizon {
                by_year[y] |= by_year[y - 1];
            }
            for (c, &m) in count.iter_mut().zip(by_year.iter()) {
                *c = ones::<L>(m);
            }
            let row = e * nt..(e + 1) * nt;
            let paths = &mut self.event_paths[row.clone()];
            let met = &mut self.event_hits[row];
            for (t, target) in model.targets.iter().enumerate() {
                // Under way by the target's year (a year past the horizon:
                // by the last one).
                let y = target.year_index.min(horizon - 1);
                paths[t] += count[y];
                met[t] += ones::<L>(by_year[y] & hits[t]);
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
