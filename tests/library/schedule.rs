//! Per-path reproducibility: a path's values depend only on (seed, global
//! path index), so the runner's results are bit-identical for any thread
//! count and any shard split. An observer hashes every path's target values
//! with its index, order-independently, so the test sees each path, not
//! only the summaries.

use attain::Model;
use attain::engine::{NoProgress, Observer, Plan, RunConfig, Shard, run};
use attain::model::step::{PathObserver, PathView};
use attain::shard::merge_shards;

use crate::common;

/// SplitMix64 finalizer (a good 64-bit mix).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// Hash of (path index, the bits of each target value) per path, summed
/// over paths (wrapping), so the order in which paths are seen does not
/// matter and the hashes of disjoint sets of paths add.
pub(crate) struct PathHash<'a> {
    model: &'a Model,
    /// Per lane of the batch: the path's index and its hash so far.
    path: Vec<u64>,
    current: Vec<u64>,
    pub(crate) total: u64,
    paths: u64,
}

impl<'a> PathHash<'a> {
    pub(crate) fn new(model: &'a Model) -> Self {
        PathHash {
            model,
            path: vec![],
            current: vec![],
            total: 0,
            paths: 0,
        }
    }
}

impl PathObserver for PathHash<'_> {
    fn start_path(&mut self, lane: usize, path: u64) {
        if self.path.len() <= lane {
            self.path.resize(lane + 1, u64::MAX);
            self.current.resize(lane + 1, 0);
        }
        self.path[lane] = path;
        self.current[lane] = 0;
    }

    fn year_end<const L: usize>(&mut self, year: usize, state: PathView<'_, L>) {
        let l = state.lane();
        for (t, target) in self.model.targets.iter().enumerate() {
            if target.year_index == year {
                let bits = state.indicator(target.indicator).to_bits();
                self.current[l] = mix(self.current[l] ^ mix(bits ^ t as u64));
            }
        }
        if year + 1 == self.model.meta.horizon {
            self.total = self
                .total
                .wrapping_add(mix(self.current[l] ^ mix(self.path[l])));
            self.paths += 1;
        }
    }
}

impl Observer for PathHash<'_> {
    fn merge(&mut self, next: Self) {
        self.total = self.total.wrapping_add(next.total);
        self.paths += next.paths;
    }
}

/// The run's accumulator (its Debug text: f64s print exactly) and path hash.
fn run_plan(model: &Model, plan: &Plan) -> (attain::stats::Accumulator, u64, u64) {
    let o = run(&[model], plan, &|_| PathHash::new(model), &NoProgress).swap_remove(0);
    (o.acc, o.observer.total, o.observer.paths)
}

pub(crate) fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn check(model: &Model, config: RunConfig) {
    let reference = pool(1).install(|| run_plan(model, &Plan::full(&config)));
    assert_eq!(reference.2, config.paths, "every path observed once");
    for threads in [2, 7] {
        let other = pool(threads).install(|| run_plan(model, &Plan::full(&config)));
        assert_eq!(other.1, reference.1, "path hashes, {threads} threads");
        assert_eq!(
            format!("{:?}", other.0),
            format!("{:?}", reference.0),
            "summaries, {threads} threads"
        );
    }
    for count in [1, 3, 8] {
        let parts: Vec<_> = (0..count)
            .map(|index| {
                pool(3).install(|| run_plan(model, &Plan::shard(&config, Shard { index, count })))
            })
            .collect();
        let hash = parts.iter().fold(0u64, |h, p| h.wrapping_add(p.1));
        let paths: u64 = parts.iter().map(|p| p.2).sum();
        assert_eq!(
            (hash, paths),
            (reference.1, config.paths),
            "path hashes, {count} shards"
        );
        // The shards' block sums re-added in block order give the single
        // run's sums bit for bit (the merge a `merge` command does).
        let sums: Vec<_> = (0..count)
            .map(|index| {
                let plan = Plan::shard(&config, Shard { index, count });
                let o = run(
                    &[model],
                    &plan,
                    &|_| attain::model::step::NoObserver,
                    &NoProgress,
                )
                .swap_remove(0);
                (o.acc, o.block_sums)
            })
            .collect();
        let merged = merge_shards(model, &sums);
        assert_eq!(merged.paths, reference.0.paths);
        assert_eq!(merged.joint_headline, reference.0.joint_headline);
        assert_eq!(merged.event_paths, reference.0.event_paths);
        for (m, r) in merged.targets.iter().zip(&reference.0.targets) {
            assert_eq!(m.hits, r.hits, "{count} shards");
            assert_eq!(m.sum.to_bits(), r.sum.to_bits(), "{count} shards: sum");
            assert_eq!(
                m.scaled_sum.to_bits(),
                r.scaled_sum.to_bits(),
                "{count} shards: scaled sum"
            );
            assert_eq!(m.hist, r.hist, "{count} shards: histogram");
        }
    }
}

#[test]
fn jilin_paths_do_not_depend_on_threads_or_shards() {
    let model = common::model(repo_file!("scenarios/jilin-2022.toml"));
    assert!(
        !model.assumptions.is_empty(),
        "the scenario draws assumptions"
    );
    // Not a multiple of the block size: the last block is partial.
    check(
        &model,
        RunConfig {
            paths: 9_000,
            seed: 11,
        },
    );
}

#[test]
fn two_sector_paths_do_not_depend_on_threads_or_shards() {
    let text = std::fs::read_to_string(common::repo("tests/fixtures/two-sector.toml")).unwrap();
    check(
        &common::model(&text),
        RunConfig {
            paths: 20_001,
            seed: 3,
        },
    );
}

#[test]
fn a_paths_values_do_not_depend_on_its_block() {
    // Paths 1,000..3,000 of a run, simulated as part of the whole run and as
    // a run of their own blocks, give the same per-path hash: a run of the
    // first blocks is a prefix of the longer run, path by path.
    let text = std::fs::read_to_string(common::repo("tests/fixtures/two-sector.toml")).unwrap();
    let model = common::model(&text);
    let bs = attain::engine::BLOCK_SIZE;
    let long = RunConfig {
        paths: 8 * bs,
        seed: 5,
    };
    let short = RunConfig {
        paths: 3 * bs,
        seed: 5,
    };
    let (_, first3, _) = run_plan(&model, &Plan::range(5, long.paths, 0..3));
    let (_, whole_short, n) = run_plan(&model, &Plan::full(&short));
    assert_eq!(n, 3 * bs);
    assert_eq!(first3, whole_short);
    let (_, all, _) = run_plan(&model, &Plan::full(&long));
    let (_, rest, _) = run_plan(&model, &Plan::range(5, long.paths, 3..8));
    assert_eq!(first3.wrapping_add(rest), all);
    assert_ne!(first3, all);
}
