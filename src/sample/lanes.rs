//! `L` xoshiro256++ generators in structure-of-arrays form, for a batch of paths in lockstep.
//!
//! [`XoshiroLanes`] holds the four state words of `L` generators as four lane arrays, so that
//! one step of every lane is the same few 64-bit additions, xors, shifts and rotations on each
//! array: a lane loop the portable build runs as is and [`super::simd::Avx2`] runs four lanes
//! per instruction. Lane `l`'s sequence is exactly that of the `rand_xoshiro`
//! `Xoshiro256PlusPlus` it was made from (the tests compare them over many seeds). The
//! draws that leave the lockstep (a ziggurat miss, a chi-square, an assumption) take
//! [`XoshiroLanes::lane`], a view of one lane that is a `rand` generator continuing the same
//! sequence.

use std::convert::Infallible;

use rand::TryRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// `L` xoshiro256++ generators, state word `j` of lane `l` at `s[j][l]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XoshiroLanes<const L: usize> {
    pub(super) s: [[u64; L]; 4],
}

impl<const L: usize> XoshiroLanes<L> {
    /// The generators `rngs[0..L]`, in their current states (read through
    /// `Xoshiro256PlusPlus::state`, the bytes `from_seed` takes back).
    #[must_use]
    pub fn from_rngs(rngs: &[Xoshiro256PlusPlus; L]) -> Self {
        let mut lanes = XoshiroLanes { s: [[0; L]; 4] };
        for (l, rng) in rngs.iter().enumerate() {
            lanes.set_lane(l, rng);
        }
        lanes
    }

    /// Put `rng`'s current state into lane `l`.
    pub fn set_lane(&mut self, l: usize, rng: &Xoshiro256PlusPlus) {
        let bytes = rng.state();
        for (j, word) in bytes.chunks_exact(8).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.s[j][l] = u64::from_le_bytes(w);
        }
    }

    /// Lane `l` as a `rand_xoshiro` generator in its current state.
    #[must_use]
    pub fn to_rng(&self, l: usize) -> Xoshiro256PlusPlus {
        use rand::SeedableRng;
        let mut seed = [0u8; 32];
        for (j, chunk) in seed.chunks_exact_mut(8).enumerate() {
            chunk.copy_from_slice(&self.s[j][l].to_le_bytes());
        }
        Xoshiro256PlusPlus::from_seed(seed)
    }

    /// The next `u64` of every lane: a plain lane loop (what [`super::simd::Portable`] runs).
    #[inline(always)]
    pub fn next_u64(&mut self) -> [u64; L] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u64; L];
        for l in 0..L {
            out[l] = step(&mut s0[l], &mut s1[l], &mut s2[l], &mut s3[l]);
        }
        out
    }

    /// Lane `l` on its own: a generator that continues lane `l`'s sequence (and advances it).
    #[inline(always)]
    pub fn lane(&mut self, l: usize) -> LaneRng<'_, L> {
        assert!(l < L, "lane {l} of {L}");
        LaneRng { lanes: self, l }
    }
}

/// One xoshiro256++ step on one generator's four words, as rand_xoshiro's `next_u64`.
#[inline(always)]
fn step(s0: &mut u64, s1: &mut u64, s2: &mut u64, s3: &mut u64) -> u64 {
    let out = s0.wrapping_add(*s3).rotate_left(23).wrapping_add(*s0);
    let t = *s1 << 17;
    *s2 ^= *s0;
    *s3 ^= *s1;
    *s1 ^= *s2;
    *s0 ^= *s3;
    *s2 ^= t;
    *s3 = s3.rotate_left(45);
    out
}

/// One lane of an [`XoshiroLanes`] as a `rand` generator (see [`XoshiroLanes::lane`]).
#[derive(Debug)]
pub struct LaneRng<'a, const L: usize> {
    lanes: &'a mut XoshiroLanes<L>,
    l: usize,
}

impl<const L: usize> TryRng for LaneRng<'_, L> {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        // As rand_xoshiro: the upper half of the next u64.
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let [s0, s1, s2, s3] = &mut self.lanes.s;
        let l = self.l;
        Ok(step(&mut s0[l], &mut s1[l], &mut s2[l], &mut s3[l]))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        // As rand_xoshiro (rand_core's fill_bytes_via_next_word): whole little-endian u64s,
        // the last one cut short.
        for chunk in dest.chunks_mut(8) {
            let word = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}
