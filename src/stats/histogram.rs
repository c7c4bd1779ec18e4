//! A mergeable log-bucketed histogram for quantiles with a stated relative error.
//!
//! Buckets are read straight off the bits of an `f64`: the exponent and the
//! top [`SUB_BITS`] bits of the mantissa. That is an HDR-histogram layout:
//! no logarithm per value, only shifts, and every bucket spans at most
//! `2^-SUB_BITS` (0.2%) of its own magnitude. Counts are integers, so merging
//! is exact and associative: any grouping of blocks gives identical counts.
//!
//! # Precision
//! A reported quantile lies in the same bucket as the exact sample quantile
//! (same rank), so it differs from it by at most `2^-9 = 0.195%` of its
//! magnitude, or by `2^MIN_EXP` (about 6e-8) for values closer to zero than
//! that. Every finite magnitude up to `f64::MAX` has its own buckets (binary
//! exponents up to 1023): a page of counters is allocated only when a value
//! of that exponent arrives, so the range costs nothing when unused.
//! Quantiles are also clamped to the exact minimum and maximum, so a
//! single-valued sample reports that value exactly.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Mantissa bits kept per bucket.
pub const SUB_BITS: u32 = 9;
/// Smallest binary exponent resolved; smaller magnitudes share the zero bucket.
pub const MIN_EXP: i32 = -24;
/// Largest binary exponent resolved (exclusive): every finite `f64` is below
/// `2^1024`, so no finite value is clamped.
pub const MAX_EXP: i32 = 1024;

/// Relative accuracy of a reported quantile (bucket width over magnitude).
pub const RELATIVE_ERROR: f64 = 1.0 / (1u64 << SUB_BITS) as f64;

const PAGE: usize = 1 << SUB_BITS;
const PAGES: usize = (MAX_EXP - MIN_EXP) as usize;

/// Bucket counts for one sign, stored as one page of `2^SUB_BITS` counters per
/// binary exponent, allocated the first time a value of that magnitude
/// arrives. A target's values typically span a few exponents, so a histogram
/// holds a few KiB, and merging touches only those pages. The list of pages
/// grows only up to the highest page in use (it always ends with an
/// allocated page, so equal counts compare equal), which keeps an empty or
/// ordinary histogram small although exponents up to 1023 are resolved.
#[derive(Debug, Clone, PartialEq, Default)]
struct Pages(Vec<Option<Box<[u64; PAGE]>>>);

impl Pages {
    fn new() -> Self {
        Pages(Vec::new())
    }
    #[inline]
    fn page_mut(&mut self, i: usize) -> &mut Option<Box<[u64; PAGE]>> {
        if i >= self.0.len() {
            self.0.resize(i + 1, None);
        }
        &mut self.0[i]
    }
    /// Add one to bucket `b`: an index into a page already there, or
    /// (the first value of that magnitude) a new page.
    #[inline]
    fn increment(&mut self, b: usize) {
        match self.0.get_mut(b >> SUB_BITS) {
            Some(Some(page)) => page[b & (PAGE - 1)] += 1,
            _ => self.increment_new(b),
        }
    }
    #[cold]
    #[inline(never)]
    fn increment_new(&mut self, b: usize) {
        let page = self
            .page_mut(b >> SUB_BITS)
            .get_or_insert_with(|| Box::new([0; PAGE]));
        page[b & (PAGE - 1)] += 1;
    }
    #[inline]
    fn get(&self, b: usize) -> u64 {
        self.0
            .get(b >> SUB_BITS)
            .and_then(|p| p.as_ref())
            .map_or(0, |p| p[b & (PAGE - 1)])
    }
    fn merge(&mut self, other: &Pages) {
        if other.0.len() > self.0.len() {
            self.0.resize(other.0.len(), None);
        }
        for (i, theirs) in other.0.iter().enumerate() {
            if let Some(theirs) = theirs {
                match &mut self.0[i] {
                    Some(mine) => mine
                        .iter_mut()
                        .zip(theirs.iter())
                        .for_each(|(a, b)| *a += b),
                    slot @ None => *slot = Some(theirs.clone()),
                }
            }
        }
    }
}

/// Counts per bucket for negative and positive values, plus a zero bucket.
///
/// Values arrive in a short list of bucket codes (`pending`) and are counted
/// into the pages only when the list is full or the histogram is merged
/// into another: a block's histogram of a thousand values allocates one list
/// and no pages, and its merge increments only the buckets it holds, so
/// neither costs anything proportional to the number of buckets. Every
/// reading (quantiles, buckets, equality, serialization) sees the counts
/// with the list included.
#[derive(Debug, Clone)]
pub struct LogHistogram {
    /// Counts of positive values, by bucket.
    pos: Pages,
    /// Counts of negative values, by bucket of their magnitude.
    neg: Pages,
    zero: u64,
    count: u64,
    min: f64,
    max: f64,
    /// Values not yet in the pages: `bucket << 1 | negative`.
    pending: Vec<u32>,
}

/// Values a histogram holds as bucket codes before counting them into its
/// pages (16 KiB of codes at most).
const PENDING: usize = 4096;
/// Codes reserved at the first value (a block's paths: one allocation).
const PENDING_FIRST: usize = 1024;

// A bucket code fits in a u32: PAGES << SUB_BITS is below 2^31.
const _: () = assert!(PAGES << SUB_BITS < 1 << 31);

impl PartialEq for LogHistogram {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.settled(), other.settled());
        a.pos == b.pos
            && a.neg == b.neg
            && a.zero == b.zero
            && a.count == b.count
            && a.min == b.min
            && a.max == b.max
    }
}

#[inline]
fn bucket(magnitude: f64) -> Option<usize> {
    // Shifting the bits right by (52 - SUB_BITS) leaves exponent and top mantissa bits.
    let raw = magnitude.to_bits() >> (52 - SUB_BITS);
    let first = ((MIN_EXP + 1023) as u64) << SUB_BITS;
    if raw < first {
        None
    } else {
        // Finite magnitudes have a biased exponent of at most 2046, so this
        // is below PAGES << SUB_BITS (infinities and NaN never get here).
        Some((raw - first) as usize)
    }
}

/// Lower and upper edges of bucket `b` (magnitudes).
fn edges(b: usize) -> (f64, f64) {
    let exp = (b >> SUB_BITS) as i32 + MIN_EXP;
    let sub = (b & ((1 << SUB_BITS) - 1)) as f64;
    let scale = 2f64.powi(exp);
    let step = 1.0 / (1u64 << SUB_BITS) as f64;
    // The top bucket of exponent 1023 would end at 2^1024 (infinite); every
    // finite value in it is at most f64::MAX.
    (
        scale * (1.0 + sub * step),
        (scale * (1.0 + (sub + 1.0) * step)).min(f64::MAX),
    )
}

impl Default for LogHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LogHistogram {
    /// An empty histogram (no bucket pages yet).
    pub fn new() -> Self {
        LogHistogram {
            pos: Pages::new(),
            neg: Pages::new(),
            zero: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            pending: Vec::new(),
        }
    }

    /// Add a finite value (callers filter out NaN and infinities).
    #[inline]
    pub fn insert(&mut self, x: f64) {
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        match bucket(x.abs()) {
            None => self.zero += 1,
            Some(b) => {
                if self.pending.len() == self.pending.capacity() {
                    self.make_room();
                }
                self.pending.push(((b as u32) << 1) | u32::from(x < 0.0));
            }
        }
    }

    /// Add finite values in their order: the same as [`Self::insert`] of
    /// each (a batch's values, with the list's room made once).
    #[inline]
    pub fn insert_all(&mut self, xs: &[f64]) {
        if self.pending.capacity() - self.pending.len() < xs.len() {
            self.make_room_for(xs.len());
        }
        let (mut min, mut max) = (self.min, self.max);
        let start = self.pending.len();
        // Room for every value's code (within the capacity just made),
        // then trimmed to those not in the zero bucket.
        self.pending.resize(start + xs.len(), 0);
        let codes = &mut self.pending[start..];
        let mut k = 0;
        for &x in xs {
            min = min.min(x);
            max = max.max(x);
            if let Some(b) = bucket(x.abs()) {
                codes[k] = ((b as u32) << 1) | u32::from(x < 0.0);
                k += 1;
            }
        }
        self.pending.truncate(start + k);
        self.min = min;
        self.max = max;
        self.zero += (xs.len() - k) as u64;
        self.count += xs.len() as u64;
    }

    /// Room for one more pending code: the first list, or the codes counted
    /// into the pages when the list is full.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self) {
        self.make_room_for(1);
    }

    /// Room for `n` more pending codes: the first list (or a longer one),
    /// or the codes counted into the pages when the list would be too long.
    #[cold]
    #[inline(never)]
    fn make_room_for(&mut self, n: usize) {
        if self.pending.len() + n > PENDING {
            self.settle();
        }
        let free = self.pending.capacity() - self.pending.len();
        if free < n {
            let want = if self.pending.is_empty() {
                PENDING_FIRST
            } else {
                self.pending.len()
            };
            self.pending
                .reserve_exact(want.min(PENDING.saturating_sub(self.pending.len())).max(n));
        }
    }

    /// Count one value of bucket code `code` (`bucket << 1 | negative`).
    #[inline]
    fn count_code(&mut self, code: u32) {
        let counts = if code & 1 == 0 {
            &mut self.pos
        } else {
            &mut self.neg
        };
        counts.increment((code >> 1) as usize);
    }

    /// Count the pending codes into the pages (keeping the list's memory).
    fn settle(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for &code in &pending {
            self.count_code(code);
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// This histogram with every value in its pages (a copy only when some
    /// are still pending).
    fn settled(&self) -> std::borrow::Cow<'_, LogHistogram> {
        if self.pending.is_empty() {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut h = self.clone();
            h.settle();
            std::borrow::Cow::Owned(h)
        }
    }

    /// Add another histogram's counts (exact).
    pub fn merge(&mut self, other: &LogHistogram) {
        if other.count == 0 {
            // Nothing to add (a lean accumulator's histograms stay empty).
            return;
        }
        for &code in &other.pending {
            self.count_code(code);
        }
        self.pos.merge(&other.pos);
        self.neg.merge(&other.neg);
        self.zero += other.zero;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact minimum (infinite when empty).
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Exact maximum.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The `q` quantile (0 <= q <= 1), with the sample quantile at rank
    /// `q (n - 1)` interpolated inside its bucket; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let s = self.settled();
        s.quantile_settled(q)
    }

    fn quantile_settled(&self, q: f64) -> Option<f64> {
        // The extremes are known exactly.
        if q <= 0.0 {
            return Some(self.min);
        }
        if q >= 1.0 {
            return Some(self.max);
        }
        let rank = q * (self.count - 1) as f64;
        let mut below = 0u64;
        // Walk buckets from the most negative value up.
        let (nlo, nhi) = range_of(&self.neg);
        if nlo < nhi {
            for b in (nlo..nhi).rev() {
                let c = self.neg.get(b);
                if c > 0 && rank < (below + c) as f64 {
                    let (lo, hi) = edges(b);
                    let frac = (rank - below as f64 + 0.5) / c as f64;
                    return Some(self.clamp(-(hi - frac * (hi - lo))));
                }
                below += c;
            }
        }
        if self.zero > 0 && rank < (below + self.zero) as f64 {
            return Some(self.clamp(0.0));
        }
        below += self.zero;
        let (plo, phi) = range_of(&self.pos);
        if plo < phi {
            for b in plo..phi {
                let c = self.pos.get(b);
                if c > 0 && rank < (below + c) as f64 {
                    let (lo, hi) = edges(b);
                    let frac = (rank - below as f64 + 0.5) / c as f64;
                    return Some(self.clamp(lo + frac * (hi - lo)));
                }
                below += c;
            }
        }
        Some(self.max)
    }

    fn clamp(&self, x: f64) -> f64 {
        x.clamp(self.min, self.max)
    }

    /// Fraction of values at most `x` (bucket resolution), for fan charts
    /// and distribution plots.
    pub fn buckets(&self) -> Vec<(f64, f64, u64)> {
        self.settled().buckets_settled()
    }

    fn buckets_settled(&self) -> Vec<(f64, f64, u64)> {
        let mut out = vec![];
        let (nlo, nhi) = range_of(&self.neg);
        if nlo < nhi {
            for b in (nlo..nhi).rev() {
                if self.neg.get(b) > 0 {
                    let (lo, hi) = edges(b);
                    out.push((-hi, -lo, self.neg.get(b)));
                }
            }
        }
        if self.zero > 0 {
            let eps = 2f64.powi(MIN_EXP);
            out.push((-eps, eps, self.zero));
        }
        let (plo, phi) = range_of(&self.pos);
        if plo < phi {
            for b in plo..phi {
                if self.pos.get(b) > 0 {
                    let (lo, hi) = edges(b);
                    out.push((lo, hi, self.pos.get(b)));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reported quantile is finite and within the stated accuracy of
    /// the exact order statistic of rank floor(q (n - 1)).
    fn assert_matches_exact_sort(h: &LogHistogram, xs: &mut [f64]) {
        xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for &q in &[0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0] {
            let rank = (q * (xs.len() - 1) as f64).floor() as usize;
            let exact = xs[rank];
            let got = h.quantile(q).unwrap();
            assert!(got.is_finite(), "q={q}: {got}");
            let tol = exact.abs() * RELATIVE_ERROR + 2f64.powi(MIN_EXP);
            assert!(
                (got - exact).abs() <= tol,
                "q={q}: got {got}, exact {exact}, tol {tol}"
            );
        }
    }
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn bucket_edges_contain_value() {
        for &x in &[1e-7, 0.001, 0.5, 1.0, 3.14159, 5.83, 800.0, 7700.0, 1e9] {
            let b = bucket(x).unwrap();
            let (lo, hi) = edges(b);
            assert!(lo <= x && x < hi, "{x} not in [{lo}, {hi})");
            assert!((hi - lo) / lo <= RELATIVE_ERROR * 1.000001);
        }
        assert_eq!(bucket(1e-9), None);
    }

    #[test]
    fn quantiles_match_exact_sort_within_stated_error() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let dist = Normal::new(2.0, 3.0).unwrap();
        let mut xs: Vec<f64> = (0..1_000_000).map(|_| dist.sample(&mut rng)).collect();
        let mut h = LogHistogram::new();
        for &x in &xs {
            h.insert(x);
        }
        assert_matches_exact_sort(&h, &mut xs);
    }

    #[test]
    fn merge_is_exact_in_any_grouping() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let dist = Normal::new(0.0, 10.0).unwrap();
        let xs: Vec<f64> = (0..30_000).map(|_| dist.sample(&mut rng)).collect();
        let parts: Vec<LogHistogram> = xs
            .chunks(7_000)
            .map(|c| {
                let mut h = LogHistogram::new();
                c.iter().for_each(|&x| h.insert(x));
                h
            })
            .collect();
        let mut forward = LogHistogram::new();
        parts.iter().for_each(|p| forward.merge(p));
        let mut backward = LogHistogram::new();
        parts.iter().rev().for_each(|p| backward.merge(p));
        let mut whole = LogHistogram::new();
        xs.iter().for_each(|&x| whole.insert(x));
        for q in [0.05, 0.5, 0.95] {
            assert_eq!(forward.quantile(q), whole.quantile(q));
            assert_eq!(backward.quantile(q), whole.quantile(q));
        }
    }

    #[test]
    fn pending_values_count_as_pages_do() {
        // More values than the pending list holds (so it settles on its
        // own), against the same values merged in from small histograms
        // (each still pending) and a settled copy read back from JSON.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let dist = Normal::new(0.5, 4.0).unwrap();
        let xs: Vec<f64> = (0..3 * PENDING + 17)
            .map(|i| match i % 50 {
                0 => 0.0,
                1 => -1e-12,
                _ => dist.sample(&mut rng),
            })
            .collect();
        let mut whole = LogHistogram::new();
        xs.iter().for_each(|&x| whole.insert(x));
        assert!(!whole.pending.is_empty() && whole.pending.len() < PENDING);
        let mut merged = LogHistogram::new();
        for c in xs.chunks(1000) {
            let mut h = LogHistogram::new();
            c.iter().for_each(|&x| h.insert(x));
            assert_eq!(
                h.pending.len(),
                c.iter().filter(|x| x.abs() >= 2f64.powi(MIN_EXP)).count()
            );
            merged.merge(&h);
        }
        assert!(merged.pending.is_empty());
        assert_eq!(merged, whole);
        assert_eq!(merged.buckets(), whole.buckets());
        let json = serde_json::to_string(&whole).unwrap();
        assert_eq!(json, serde_json::to_string(&merged).unwrap());
        let back: LogHistogram = serde_json::from_str(&json).unwrap();
        assert!(back.pending.is_empty());
        assert_eq!(back, whole);
        for q in [0.0, 0.01, 0.3, 0.5, 0.9, 1.0] {
            assert_eq!(whole.quantile(q), merged.quantile(q));
        }
        // Counts: every value once, in the bucket of its magnitude and sign.
        let total: u64 = whole.buckets().iter().map(|b| b.2).sum();
        assert_eq!(total, xs.len() as u64);
        let (lo, hi) = edges(bucket(xs[2].abs()).unwrap());
        let same = |x: f64| (x > 0.0) == (xs[2] > 0.0) && lo <= x.abs() && x.abs() < hi;
        let n = xs.iter().filter(|&&x| same(x)).count() as u64;
        let (blo, bhi) = if xs[2] > 0.0 { (lo, hi) } else { (-hi, -lo) };
        assert!(whole.buckets().contains(&(blo, bhi, n)), "{blo} {bhi} {n}");
    }

    #[test]
    fn insert_all_is_inserting_each() {
        // Batches of 0 to 9 values (zeros, tiny, negative) through more
        // codes than the pending list holds, against one value at a time.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let dist = Normal::new(-0.5, 3.0).unwrap();
        let xs: Vec<f64> = (0..2 * PENDING + 333)
            .map(|i| match i % 37 {
                0 => 0.0,
                1 => -0.0,
                2 => 1e-12,
                _ => dist.sample(&mut rng),
            })
            .collect();
        let mut each = LogHistogram::new();
        xs.iter().for_each(|&x| each.insert(x));
        let mut batched = LogHistogram::new();
        let mut rest = &xs[..];
        let mut n = 0;
        while !rest.is_empty() {
            let (batch, tail) = rest.split_at((n % 10).min(rest.len()));
            batched.insert_all(batch);
            assert!(batched.pending.len() <= PENDING);
            rest = tail;
            n += 1;
        }
        assert_eq!(batched, each);
        assert_eq!(batched.buckets(), each.buckets());
        assert_eq!(batched.zero, each.zero);
        assert_eq!(
            (batched.min.to_bits(), batched.max.to_bits()),
            (each.min.to_bits(), each.max.to_bits())
        );
        for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
            assert_eq!(batched.quantile(q), each.quantile(q));
        }
    }

    #[test]
    fn single_value_is_exact() {
        let mut h = LogHistogram::new();
        for _ in 0..10 {
            h.insert(6.123456789);
        }
        assert_eq!(h.quantile(0.05), Some(6.123456789));
        assert_eq!(h.quantile(0.95), Some(6.123456789));
    }

    #[test]
    fn handles_zero_negative_and_huge() {
        let mut h = LogHistogram::new();
        for x in [-5.0, 0.0, 0.0, 3.0, 1e15] {
            h.insert(x);
        }
        assert_eq!(h.quantile(0.0), Some(-5.0));
        assert_eq!(h.quantile(0.5), Some(0.0));
        assert_eq!(h.quantile(1.0), Some(1e15));
    }

    /// Quantiles of `xs` against an exact sort, within the stated bound.
    fn check_against_sort(mut xs: Vec<f64>) {
        let mut h = LogHistogram::new();
        for &x in &xs {
            h.insert(x);
        }
        assert_matches_exact_sort(&h, &mut xs);
    }

    #[test]
    fn quantiles_at_and_above_2_pow_40_match_exact_sort() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let dist = Normal::new(0.0f64, 1.0).unwrap();
        // A provincial GDP in yuan (about 1.3e12, above 2^40 = 1.1e12).
        let yuan: Vec<f64> = (0..200_000)
            .map(|_| 1.3e12 * (0.05 * dist.sample(&mut rng)).exp())
            .collect();
        check_against_sort(yuan.clone());
        check_against_sort(yuan.iter().map(|x| -x).collect());
        // Around 1e300, and up to the largest finite values.
        let huge: Vec<f64> = (0..100_000)
            .map(|_| 1e300 * (2.0 * dist.sample(&mut rng)).exp())
            .chain([f64::MAX, -f64::MAX, f64::MAX / 3.0])
            .collect();
        check_against_sort(huge);
        // Mixed with ordinary values.
        let mixed: Vec<f64> = (0..100_000)
            .map(|i| match i % 3 {
                0 => dist.sample(&mut rng),
                1 => 1e12 * dist.sample(&mut rng),
                _ => 1e300 * dist.sample(&mut rng),
            })
            .collect();
        check_against_sort(mixed);
    }

    #[test]
    fn ordinary_values_keep_their_buckets() {
        // The layout below 2^40 is unchanged: bucket = (bits >> 43) - (999 << 9).
        for &x in &[6.0e-8f64, 1e-3, 1.0, 5.83, 7700.0, 1e9, 1.0995e12] {
            let expected = (x.to_bits() >> 43) as usize - (999 << 9);
            assert_eq!(bucket(x), Some(expected), "{x}");
        }
        assert_eq!(bucket(2f64.powi(40)), Some(64 << SUB_BITS));
        let top = bucket(f64::MAX).unwrap();
        assert_eq!(top, PAGES * PAGE - 1);
        let (lo, hi) = edges(top);
        assert!(lo <= f64::MAX && hi == f64::MAX && lo.is_finite());
        // An empty histogram holds no page list at all.
        assert!(LogHistogram::new().pos.0.is_empty());
    }
}

/// The serialized form of a histogram: only the pages that hold counts.
#[derive(Serialize, Deserialize)]
struct HistogramRepr {
    pos: Vec<(usize, Vec<u64>)>,
    neg: Vec<(usize, Vec<u64>)>,
    pos_range: (usize, usize),
    neg_range: (usize, usize),
    zero: u64,
    count: u64,
    min: Option<f64>,
    max: Option<f64>,
}

fn pages_out(p: &Pages) -> Vec<(usize, Vec<u64>)> {
    p.0.iter()
        .enumerate()
        .filter_map(|(i, page)| page.as_ref().map(|c| (i, c.to_vec())))
        .collect()
}

fn pages_in(list: Vec<(usize, Vec<u64>)>) -> Result<(Pages, u64), String> {
    let mut pages = Pages::new();
    let mut total = 0u64;
    for (i, counts) in list {
        if i >= PAGES || counts.len() != PAGE {
            return Err(format!(
                "histogram page {i} with {} counts is out of range",
                counts.len()
            ));
        }
        let mut page = Box::new([0u64; PAGE]);
        page.copy_from_slice(&counts);
        total = counts.iter().fold(total, |a, &c| a.saturating_add(c));
        if pages.page_mut(i).replace(page).is_some() {
            return Err(format!("histogram page {i} is given twice"));
        }
    }
    Ok((pages, total))
}

/// The bucket range `[first, last + 1)` of the non-zero counts
/// (`(usize::MAX, 0)` when there are none): found from the first and the
/// last page that holds a count, so it is not kept while values arrive.
fn range_of(p: &Pages) -> (usize, usize) {
    let first = p.0.iter().enumerate().find_map(|(i, page)| {
        let j = page.as_ref()?.iter().position(|&c| c > 0)?;
        Some((i << SUB_BITS) + j)
    });
    let last = p.0.iter().enumerate().rev().find_map(|(i, page)| {
        let j = page.as_ref()?.iter().rposition(|&c| c > 0)?;
        Some((i << SUB_BITS) + j)
    });
    match (first, last) {
        (Some(lo), Some(hi)) => (lo, hi + 1),
        _ => (usize::MAX, 0),
    }
}

impl Serialize for LogHistogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let settled = self.settled();
        let s = &*settled;
        let empty = s.count == 0;
        HistogramRepr {
            pos: pages_out(&s.pos),
            neg: pages_out(&s.neg),
            pos_range: range_of(&s.pos),
            neg_range: range_of(&s.neg),
            zero: s.zero,
            count: s.count,
            min: (!empty).then_some(s.min),
            max: (!empty).then_some(s.max),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LogHistogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let r = HistogramRepr::deserialize(deserializer)?;
        let (pos, np) = pages_in(r.pos).map_err(D::Error::custom)?;
        let (neg, nn) = pages_in(r.neg).map_err(D::Error::custom)?;
        if np.saturating_add(nn).saturating_add(r.zero) != r.count {
            return Err(D::Error::custom(
                "histogram counts do not add up to its total",
            ));
        }
        if (r.pos_range, r.neg_range) != (range_of(&pos), range_of(&neg)) {
            return Err(D::Error::custom(
                "histogram bucket ranges do not match its counts",
            ));
        }
        let extremes_ok = match (r.count, r.min, r.max) {
            (0, None, None) => true,
            (1.., Some(min), Some(max)) => min.is_finite() && max.is_finite() && min <= max,
            _ => false,
        };
        if !extremes_ok {
            return Err(D::Error::custom(
                "histogram minimum and maximum do not match its counts",
            ));
        }
        Ok(LogHistogram {
            pos,
            neg,
            zero: r.zero,
            count: r.count,
            min: r.min.unwrap_or(f64::INFINITY),
            max: r.max.unwrap_or(f64::NEG_INFINITY),
            pending: Vec::new(),
        })
    }
}

#[cfg(test)]
mod serde_tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let mut h = LogHistogram::new();
        for x in [-3.5, 0.0, 1e-9, 2.25, 2.25, 800.0, 1e15] {
            h.insert(x);
        }
        let json = serde_json::to_string(&h).unwrap();
        let back: LogHistogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        let empty: LogHistogram =
            serde_json::from_str(&serde_json::to_string(&LogHistogram::new()).unwrap()).unwrap();
        assert_eq!(empty, LogHistogram::new());
    }

    #[test]
    fn rejects_inconsistent_counts() {
        let mut h = LogHistogram::new();
        h.insert(1.0);
        let json = serde_json::to_string(&h)
            .unwrap()
            .replace("\"count\":1", "\"count\":2");
        assert!(serde_json::from_str::<LogHistogram>(&json).is_err());
    }
}
