//! Variants that share the sector phase (the central-value pass of a run
//! with assumptions, moves of indicator-level inputs) are simulated on one
//! pass of the sectors; each variant's paths and summaries must be exactly
//! what it gives alone.

use attain::Model;
use attain::engine::{NoProgress, Plan, RunConfig, Shard, run, sector_groups};

use crate::common;
use crate::schedule::{PathHash, pool};

fn load(rel: &str) -> Model {
    common::model(&std::fs::read_to_string(common::repo(rel)).unwrap())
}

/// Each variant's accumulator (Debug text: f64s print exactly) and path
/// hash, from one run of all of them and from a run of each alone.
fn together_and_alone(all: &[&Model], plan: &Plan) -> Vec<[(String, u64); 2]> {
    let together = pool(3).install(|| run(all, plan, &|v| PathHash::new(all[v]), &NoProgress));
    all.iter()
        .zip(together)
        .map(|(m, t)| {
            let alone = pool(2)
                .install(|| run(&[*m], plan, &|_| PathHash::new(m), &NoProgress))
                .swap_remove(0);
            [
                (format!("{:?}{:?}", t.acc, t.block_sums), t.observer.total),
                (
                    format!("{:?}{:?}", alone.acc, alone.block_sums),
                    alone.observer.total,
                ),
            ]
        })
        .collect()
}

#[test]
fn grouped_variants_give_what_each_gives_alone() {
    let base = load("scenarios/jilin-2022.toml");
    // Jilin's assumptions are on indicators: the central-value pass shares.
    let mut fixed = base.clone();
    fixed.assumptions = fixed.assumptions.fixed();
    // An indicator-level move shares; a sector-level one does not.
    let mut noisier = base.clone();
    let j = noisier
        .indicators
        .iter()
        .position(|i| i.noise_sd > 0.0)
        .unwrap();
    noisier.indicators[j].noise_sd *= 2.0;
    let mut faster = base.clone();
    faster.mu_by_year[0] += 0.001;
    let all = [&base, &fixed, &noisier, &faster];
    assert_eq!(sector_groups(&all), vec![vec![0, 1, 2], vec![3]]);

    let config = RunConfig {
        paths: 2_500,
        seed: 3,
    };
    for plan in [
        Plan::full(&config),
        Plan::shard(&config, Shard { index: 1, count: 2 }),
    ] {
        let r = together_and_alone(&all, &plan);
        for (v, [together, alone]) in r.iter().enumerate() {
            assert_eq!(together, alone, "variant {v}, blocks {:?}", plan.blocks);
        }
        // Not vacuous: the variants' paths differ.
        for v in 1..all.len() {
            assert_ne!(r[0][0].1, r[v][0].1, "variant {v} differs from the base");
        }
    }
}

/// Assumptions on sectors and events: drawing them or writing their central
/// values changes the sectors, so those variants are not grouped; pinning
/// an indicator-level assumption does not, so that one is.
#[test]
fn sector_assumptions_decide_the_groups() {
    let base = load("tests/fixtures/features/semantics.toml");
    let mut fixed = base.clone();
    fixed.assumptions = fixed.assumptions.fixed();
    let k = base
        .assumptions
        .items
        .iter()
        .position(|i| i.parameter.starts_with("indicators."))
        .unwrap();
    let mut pinned = base.clone();
    pinned.assumptions = pinned.assumptions.pinned(k, 2.4);
    let mut sector_pinned = base.clone();
    sector_pinned.assumptions = sector_pinned.assumptions.pinned(0, 5.5);
    let all = [&base, &fixed, &pinned, &sector_pinned];
    assert_eq!(sector_groups(&all), vec![vec![0, 2], vec![1], vec![3]]);
    let config = RunConfig {
        paths: 1_500,
        seed: 11,
    };
    let r = together_and_alone(&all, &Plan::full(&config));
    for (v, [together, alone]) in r.iter().enumerate() {
        assert_eq!(together, alone, "variant {v}");
    }
    assert_ne!(r[0][0].1, r[2][0].1, "the pin changes the paths");
}
