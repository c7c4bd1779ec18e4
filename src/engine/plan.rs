//! Which paths a call of the runner simulates: a range of blocks of a run.
//!
//! A run of `paths` paths is cut into blocks of [`BLOCK_SIZE`] paths (the
//! last one possibly shorter). A whole run, a shard, or the blocks between
//! two precision checkpoints are all just a range of those blocks.

use std::ops::Range;

use super::RunConfig;

/// Paths per block. A path's random numbers do not depend on it (they depend
/// only on the seed and the path's global index), but it fixes the order in
/// which values are summed into the means (each block sums its own paths,
/// then blocks are added in order), so it is fixed, recorded in reports, and
/// checked when shards are merged. 1,024 keeps 64 blocks in a default run
/// of 65,536 paths (enough work items for 64 threads) at a per-block cost
/// below 1% of the block's simulation (docs/PERFORMANCE.md, "Blocks").
pub const BLOCK_SIZE: u64 = 1024;

/// Blocks `blocks` of a run of `paths` paths seeded with `seed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Run seed.
    pub seed: u64,
    /// Paths of the whole run (it sizes the last, possibly partial, block).
    pub paths: u64,
    /// The blocks to simulate (a sub-range of `0..blocks_in(paths)`).
    pub blocks: Range<u64>,
    /// Whether to keep each block's per-target sums (shards need them for
    /// an exact merge; one entry per block, so only shards ask).
    pub keep_block_sums: bool,
}

/// One shard of a run: shard `index` of `count` simulates a contiguous
/// range of the run's blocks (see [`Plan::shard`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

/// Number of blocks of a run of `paths` paths.
pub fn blocks_in(paths: u64) -> u64 {
    paths.div_ceil(BLOCK_SIZE)
}

impl Plan {
    /// Every block of a run.
    pub fn full(config: &RunConfig) -> Plan {
        Plan::range(config.seed, config.paths, 0..blocks_in(config.paths))
    }

    /// Blocks `blocks` of a run of `paths` paths (a precision checkpoint).
    pub fn range(seed: u64, paths: u64, blocks: Range<u64>) -> Plan {
        Plan {
            seed,
            paths,
            blocks,
            keep_block_sums: false,
        }
    }

    /// Shard `shard.index` of `shard.count`: the blocks from
    /// `index * B / count` up to `(index + 1) * B / count` of the run's `B`
    /// blocks, so the shards cover the run exactly once and differ in size
    /// by at most one block.
    pub fn shard(config: &RunConfig, shard: Shard) -> Plan {
        let b = u128::from(blocks_in(config.paths));
        let (k, n) = (u128::from(shard.index), u128::from(shard.count.max(1)));
        let start = (k * b / n) as u64;
        let end = ((k + 1) * b / n) as u64;
        Plan {
            keep_block_sums: true,
            ..Plan::range(config.seed, config.paths, start..end)
        }
    }

    /// Paths in block `block`.
    pub fn paths_in(&self, block: u64) -> u64 {
        BLOCK_SIZE.min(self.paths - block * BLOCK_SIZE)
    }

    /// Paths this plan simulates.
    pub fn path_count(&self) -> u64 {
        let end = self.blocks.end.saturating_mul(BLOCK_SIZE).min(self.paths);
        end.saturating_sub(self.blocks.start.saturating_mul(BLOCK_SIZE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_run_once() {
        for paths in [1, 4096, 4097, 50_000, 1 << 20] {
            for count in 1..=7 {
                let config = RunConfig { paths, seed: 1 };
                let mut next = 0;
                let mut total = 0;
                for index in 0..count {
                    let p = Plan::shard(&config, Shard { index, count });
                    assert_eq!(p.blocks.start, next);
                    next = p.blocks.end;
                    let summed: u64 = p.blocks.clone().map(|b| p.paths_in(b)).sum();
                    assert_eq!(p.path_count(), summed);
                    total += p.path_count();
                }
                assert_eq!(next, blocks_in(paths));
                assert_eq!(total, paths);
            }
        }
    }
}
