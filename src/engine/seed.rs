//! Seeding: one generator per block, derived from the run seed and the block
//! index alone, so a block's random numbers never depend on the schedule.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Name of the generator, recorded in reports.
pub const RNG_NAME: &str = "Xoshiro256PlusPlus (rand_xoshiro), SplitMix64-seeded per block";

/// SplitMix64 finalizer: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// The generator for block `block` of a run seeded with `seed`.
pub fn block_rng(seed: u64, block: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ mix(block.wrapping_add(0x9e3779b97f4a7c15))))
}

/// The two independent streams of a path: sector draws and indicator draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Assumptions, shocks, events and sector innovations.
    Sectors = 0,
    /// Indicator noise and counts.
    Indicators = 1,
}

/// The generator of stream `stream` of global path `path` of a run seeded with `seed`.
pub fn path_rng(seed: u64, path: u64, stream: Stream) -> Xoshiro256PlusPlus {
    let index = path.wrapping_mul(2).wrapping_add(stream as u64);
    Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ mix(index.wrapping_add(0x9e3779b97f4a7c15))))
}
