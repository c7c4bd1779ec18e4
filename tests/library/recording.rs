//! Lean recording (`Recording::Probabilities`, what a study's variants and a
//! run's central-value pass keep): its counts and margin sums are exactly a
//! full accumulator's of the same paths, the rest stays empty, and lean
//! accumulators merge like full ones.

use attain::Model;
use attain::engine::{NoProgress, Plan, RunConfig, Shard, run};
use attain::model::step::NoObserver;
use attain::stats::{Accumulator, LaneScratch, Recording};

use crate::common;

fn load(rel: &str) -> Model {
    common::model(&std::fs::read_to_string(common::repo(rel)).unwrap())
}

fn lean(m: &Model) -> Model {
    let mut l = m.clone();
    l.recording = Recording::Probabilities;
    l
}

fn margin_bits(a: &Accumulator) -> Vec<[u64; 2]> {
    a.margin_sums.iter().map(|m| m.map(f64::to_bits)).collect()
}

/// What a lean accumulator keeps equals the full one's; the rest is empty.
fn assert_lean_of(full: &Accumulator, lean: &Accumulator, what: &str) {
    assert_eq!(full.paths, lean.paths, "{what}: paths");
    assert_eq!(full.targets.len(), lean.targets.len(), "{what}: targets");
    for (t, (f, l)) in full.targets.iter().zip(&lean.targets).enumerate() {
        assert_eq!(
            (f.hits, f.nonfinite),
            (l.hits, l.nonfinite),
            "{what}: target {t}'s hits and non-finite paths"
        );
        assert_eq!(l.hist.count(), 0, "{what}: target {t}'s histogram");
        assert_eq!(
            (l.sum, l.scaled_sum),
            (0.0, 0.0),
            "{what}: target {t}'s sums"
        );
    }
    assert_eq!(full.excused_hits, lean.excused_hits, "{what}: excused hits");
    assert_eq!(margin_bits(full), margin_bits(lean), "{what}: margin sums");
    assert!(
        lean.event_paths.is_empty() && lean.event_hits.is_empty() && lean.joint_hits.is_empty(),
        "{what}: lean tables"
    );
    assert_eq!(
        (lean.joint_all, lean.joint_headline, lean.headline_met_sq),
        (0, 0, 0),
        "{what}: lean joint counts"
    );
}

/// Each of `models` full and lean, simulated together (they share the
/// sector phase): one (full, lean) pair per model.
fn full_and_lean(models: &[&Model], plan: &Plan) -> Vec<(Accumulator, Accumulator)> {
    let leans: Vec<Model> = models.iter().map(|m| lean(m)).collect();
    let mut all: Vec<&Model> = models.to_vec();
    all.extend(leans.iter());
    let mut out = run(&all, plan, &|_| NoObserver, &NoProgress);
    let leans = out.split_off(models.len());
    out.into_iter()
        .zip(leans)
        .map(|(f, l)| (f.acc, l.acc))
        .collect()
}

#[test]
fn lean_jilin_counts_equal_the_full_ones() {
    // Assumptions (margin sums), an excused target, joints and events; the
    // central-value pass beside the run, as `attain run` has it. 2,500
    // paths: three blocks merged, the last with a partial batch.
    let base = load("scenarios/jilin-2022.toml");
    let mut fixed = base.clone();
    fixed.assumptions = fixed.assumptions.fixed();
    let config = RunConfig {
        paths: 2_500,
        seed: 5,
    };
    let r = full_and_lean(&[&base, &fixed], &Plan::full(&config));
    for (v, (full, lean)) in r.iter().enumerate() {
        assert_lean_of(full, lean, &format!("variant {v}"));
        // Not vacuous: the kept parts hold counts and the dropped ones did.
        assert_eq!(full.paths, 2_500);
        assert!(!full.margin_sums.is_empty() && !full.excused_hits.is_empty());
        assert!(full.margin_sums.iter().all(|m| m[1] > 0.0));
        assert!(
            full.targets
                .iter()
                .any(|t| t.hits > 0 && t.hits < full.paths)
        );
        assert!(full.event_paths.iter().any(|&n| n > 0) && !full.joint_hits.is_empty());
        assert!(full.targets.iter().all(|t| t.hist.count() > 0));
    }
    // The two passes differ (the assumptions move the margins).
    assert_ne!(margin_bits(&r[0].1), margin_bits(&r[1].1));
}

#[test]
fn lean_counts_follow_per_path_thresholds_and_non_finite_values() {
    // A drawn threshold: each lane judges against its own patched target.
    let text =
        std::fs::read_to_string(common::repo("tests/fixtures/features/semantics.toml")).unwrap();
    let m = common::model(&text);
    let t = &m.targets[0];
    let drawn = format!(
        "{text}\n[[assumptions]]\nparameter = \"targets.{}.threshold\"\ndistribution = \"normal\"\nmean = {}\nsd = 1.0\n",
        t.id, t.threshold
    );
    let drawn = common::model(&drawn);
    let config = RunConfig {
        paths: 1_500,
        seed: 9,
    };
    let plan = Plan::full(&config);
    let r = full_and_lean(&[&m, &drawn], &plan);
    for (v, (full, lean)) in r.iter().enumerate() {
        assert_lean_of(full, lean, &format!("semantics variant {v}"));
    }
    assert_ne!(
        r[0].0.targets[0].hits, r[1].0.targets[0].hits,
        "the drawn threshold changes the hits"
    );
    // Non-finite values and judged values are counted alike (lane arrays
    // given straight to the accumulators, the last batch partial).
    let lm = lean(&m);
    let (nt, ne) = (m.targets.len(), m.events.len());
    let values: Vec<[f64; 8]> = (0..nt)
        .map(|t| {
            [
                1.0,
                f64::NAN,
                2.5,
                f64::INFINITY,
                -3.0,
                0.0,
                4.0 + t as f64,
                1e300,
            ]
        })
        .collect();
    let judged: Vec<[f64; 8]> = (0..nt)
        .map(|t| {
            [
                1.0,
                2.0,
                f64::NEG_INFINITY,
                0.5,
                -3.0,
                f64::NAN,
                4.0 + t as f64,
                7.0,
            ]
        })
        .collect();
    let first_year = vec![[0u32, u32::MAX, 1, u32::MAX, 0, 0, u32::MAX, 1]; ne];
    let excused = vec![[false, true, false, false, true, false, false, false]; nt];
    let mut full = Accumulator::new(&m);
    let mut lean_acc = Accumulator::new(&lm);
    let mut scratch = LaneScratch::default();
    for active in [8, 8, 5] {
        full.record_lanes(
            &m,
            &[&m; 8],
            active,
            &values,
            &judged,
            &first_year,
            &excused,
            &mut scratch,
        );
        lean_acc.record_lanes(
            &lm,
            &[&lm; 8],
            active,
            &values,
            &judged,
            &first_year,
            &excused,
            &mut scratch,
        );
    }
    assert_lean_of(&full, &lean_acc, "lane arrays");
    assert!(full.targets.iter().all(|t| t.nonfinite == 2 * 4 + 3));
}

#[test]
fn lean_accumulators_merge_like_full_ones() {
    // Two shards merged give the whole run's counts; a lean accumulator
    // merged with an empty one is unchanged.
    let base = lean(&load("scenarios/jilin-2022.toml"));
    let config = RunConfig {
        paths: 3_000,
        seed: 2,
    };
    let whole = run(&[&base], &Plan::full(&config), &|_| NoObserver, &NoProgress)
        .swap_remove(0)
        .acc;
    let mut merged = Accumulator::new(&base);
    for index in 0..2 {
        let plan = Plan::shard(&config, Shard { index, count: 2 });
        let part = run(&[&base], &plan, &|_| NoObserver, &NoProgress).swap_remove(0);
        merged.merge(&part.acc);
    }
    assert_eq!(merged.paths, whole.paths);
    let counts = |a: &Accumulator| -> Vec<(u64, u64)> {
        a.targets.iter().map(|t| (t.hits, t.nonfinite)).collect()
    };
    assert_eq!(counts(&merged), counts(&whole));
    assert_eq!(merged.excused_hits, whole.excused_hits);
    // The margin sums are added in another grouping: equal to rounding.
    for (a, b) in merged.margin_sums.iter().zip(&whole.margin_sums) {
        for k in 0..2 {
            assert!(
                (a[k] - b[k]).abs() <= 1e-9 * b[k].abs().max(1.0),
                "{a:?} {b:?}"
            );
        }
    }
    let mut again = whole.clone();
    again.merge(&Accumulator::new(&base));
    assert_eq!(again, whole);
    assert!(merged.event_paths.is_empty() && merged.targets[0].hist.count() == 0);
}
