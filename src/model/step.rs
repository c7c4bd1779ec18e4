//! The path kernel: `L` consecutive paths of a block simulated in lockstep,
//! quarter by quarter, then each year's indicators and target values.
//!
//! Layout (structure of arrays): every per-path quantity is a lane array
//! `[f64; L]` (or `[u32; L]`), one per sector, shock, event, indicator or
//! target, so that each step of the model is one loop over lanes doing the
//! same IEEE operations for every path. Each lane has its own two generators
//! ([`PathRng`]): a lane's draws are exactly those of the same path
//! simulated alone, in the order of docs/MODEL.md 7.2, so a path's values do
//! not depend on the batch width (`L = 1` is the scalar reference) or on the
//! path's neighbours.
//!
//! * Sectors, shocks, the AR(1), log levels and `exp`: lane loops over the
//!   compiled arrays; the arrays that assumptions can patch (rates, scales,
//!   loadings, base levels, event probabilities) are kept per lane
//!   ([`LaneParams`]).
//! * Events: per lane (start masks, quarters under way), one uniform per lane
//!   per event per quarter.
//! * A nowcast's published quarters: the same lane loops, and the
//!   conditioning solved for all lanes at once ([`observed::solve_lanes`]).
//! * Indicators: each formula is matched once per batch and evaluated by a
//!   loop over lanes.
//! * Recording: the lanes are folded into the accumulator in path order.
//!
//! It cannot fail: values that leave their domain come out as NaN or
//! infinity and are counted by the summaries, which turn them into an error
//! after the run. Nothing is allocated per path.

use crate::sample::Binomial;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::observed::{self, ExactCondition, LaneDraw};
use super::{Formula, Input, Model, Series, ShockShape};
use crate::engine::path_rngs;
use crate::sample::ChiSquared;
use crate::sample::simd::Avx2;
use crate::stats::{Accumulator, LaneScratch};
#[cfg(test)]
use draw::Portable;
use draw::{Isa, XoshiroLanes};

/// Paths simulated in lockstep by the engine (the batch width).
pub const LANES: usize = 8;

/// A path's generator.
pub type Gen = Xoshiro256PlusPlus;

/// The two generators of one path (docs/MODEL.md 7.1): sector draws
/// (assumptions, shocks, events, innovations) and indicator draws (noise,
/// counts), so that indicator draws never move the sector draws.
#[derive(Debug, Clone)]
pub struct PathRng {
    /// Assumptions, then per quarter: chi-square, shock normals, event
    /// uniforms, idiosyncratic normals.
    pub sectors: Gen,
    /// Per year and indicator: noise normal, its chi-square, a count's draw.
    pub indicators: Gen,
}

impl PathRng {
    /// The generators of global path `path` of a run seeded with `seed`.
    pub fn new(seed: u64, path: u64) -> Self {
        path_rngs(seed, path)
    }
}

/// The variates the kernel draws and its `exp`: the crate's own samplers
/// and math (`crate::sample`), which give the same bits in every lane and on
/// every CPU, with the lane operations of an instruction set
/// ([`sample::Isa`]: plain lane loops, or explicit AVX2). The lanes' sector
/// streams are one [`XoshiroLanes`] (structure of arrays: one step of every
/// lane's generator at once); a lane that leaves the lockstep draws on
/// `rngs.lane(l)`. One place to change a sampler.
mod draw {
    use crate::sample;
    #[cfg(test)]
    pub use crate::sample::Portable;
    pub use crate::sample::{Isa, XoshiroLanes};
    #[cfg(test)]
    use rand::Rng;

    /// A standard normal (a lane drawing on its own).
    #[cfg(test)]
    #[inline(always)]
    pub fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
        sample::normal(rng)
    }

    /// One standard normal per lane, each from its lane's sector stream: the
    /// ziggurat's fast test for all lanes together, and a lane that misses it
    /// (about 1.2%) finishes on its own stream, so each lane's sequence is
    /// exactly that of [`normal`].
    #[inline(always)]
    pub fn normal_lanes<I: Isa, const L: usize>(isa: I, rngs: &mut XoshiroLanes<L>) -> [f64; L] {
        sample::normals(isa, rngs)
    }

    /// `out.len()` standard normals per lane (draw `j` at `out[j]`): each
    /// lane's sequence exactly that of as many [`normal_lanes`].
    #[inline(always)]
    pub fn normals_into<I: Isa, const L: usize>(
        isa: I,
        rngs: &mut XoshiroLanes<L>,
        out: &mut [[f64; L]],
    ) {
        isa.normals_into(rngs, out);
    }

    /// The draws of `n` [`normal_lanes`], without their values.
    #[inline(always)]
    pub fn skip_normals<I: Isa, const L: usize>(isa: I, rngs: &mut XoshiroLanes<L>, n: usize) {
        isa.skip_normals(rngs, n);
    }

    /// One uniform in [0, 1) per lane for each of `p.len()` events, each
    /// from its lane's sector stream (event order), and where `compare(e)`
    /// the mask of the lanes whose uniform is below `p[e]` into `starts[e]`
    /// (0 elsewhere; those words are drawn but not converted).
    #[inline(always)]
    pub fn uniforms_below<I: Isa, const L: usize>(
        isa: I,
        rngs: &mut XoshiroLanes<L>,
        p: &[[f64; L]],
        compare: impl Fn(usize) -> bool,
        starts: &mut [u32],
    ) {
        isa.uniforms_below(rngs, p, compare, starts);
    }

    /// `exp` of one value.
    #[cfg(test)]
    #[inline(always)]
    pub fn exp(x: f64) -> f64 {
        sample::exp(x)
    }

    /// `exp` of each lane (the bits of [`exp`] per lane).
    #[inline(always)]
    pub fn exp_lanes<I: Isa, const L: usize>(isa: I, x: &[f64; L]) -> [f64; L] {
        isa.exp(x)
    }
}

/// Watches the paths as they are simulated (fan charts record quarterly
/// values). The default methods do nothing, so the plain run pays nothing.
/// Calls come lane by lane in path order within each quarter and year.
pub trait PathObserver {
    /// Whether the observer reads the state through [`PathView`]: then
    /// the kernel computes every indicator and sector of every year;
    /// otherwise only what the targets need ([`Needs`]), and the calls
    /// stop after the last target's year.
    const READS_STATE: bool = true;
    /// Before global path `path` (which, with the seed, fixes its random
    /// numbers) starts in lane `lane`.
    #[inline]
    fn start_path(&mut self, _lane: usize, _path: u64) {}
    /// After quarter `quarter` (0-based) of year `year` (0-based).
    #[inline]
    fn quarter_end<const L: usize>(
        &mut self,
        _year: usize,
        _quarter: usize,
        _path: PathView<'_, L>,
    ) {
    }
    /// After year `year`'s indicators are computed.
    #[inline]
    fn year_end<const L: usize>(&mut self, _year: usize, _path: PathView<'_, L>) {}
}

/// A [`PathObserver`] that watches nothing.
pub struct NoObserver;
impl PathObserver for NoObserver {
    const READS_STATE: bool = false;
}

/// One lane of a batch, as an observer sees it.
#[derive(Clone, Copy)]
pub struct PathView<'a, const L: usize> {
    sectors: &'a SectorState<L>,
    indicators: &'a IndicatorState<L>,
    lane: usize,
}

impl<const L: usize> PathView<'_, L> {
    /// The lane (0-based position of the path in its batch).
    pub fn lane(&self) -> usize {
        self.lane
    }

    /// Sector `i`'s value added summed over the current year's quarters so far.
    pub fn sector_ytd(&self, i: usize) -> f64 {
        self.sectors.annual[i][self.lane]
    }

    /// Indicator `j`'s value for the year just completed (valid in
    /// [`PathObserver::year_end`]).
    pub fn indicator(&self, j: usize) -> f64 {
        self.indicators.ind[j][self.lane]
    }
}

/// The compiled arrays that assumptions can patch, one value per lane:
/// with assumptions on sectors or event probabilities each lane reads its
/// own path's values; otherwise every lane holds the model's.
#[derive(Debug, Clone)]
struct LaneParams<const L: usize> {
    /// `Model::mu_by_year` (horizon x sectors).
    mu_by_year: Vec<[f64; L]>,
    /// `Model::idio_by_year` (horizon x sectors).
    idio_by_year: Vec<[f64; L]>,
    /// `Model::load_by_shock` (shocks x sectors).
    load_by_shock: Vec<[f64; L]>,
    /// `Model::base_log_level` (sectors).
    base_log_level: Vec<[f64; L]>,
    /// `Model::base_cumulative` (4 x sectors; empty without policies).
    base_cumulative: Vec<[f64; L]>,
    /// `Model::event_probability` (horizon x events).
    event_probability: Vec<[f64; L]>,
}

impl<const L: usize> LaneParams<L> {
    fn new(m: &Model) -> Self {
        let lanes = |v: &[f64]| v.iter().map(|&x| [x; L]).collect::<Vec<_>>();
        LaneParams {
            mu_by_year: lanes(&m.mu_by_year),
            idio_by_year: lanes(&m.idio_by_year),
            load_by_shock: lanes(&m.load_by_shock),
            base_log_level: lanes(&m.base_log_level),
            base_cumulative: lanes(&m.base_cumulative),
            event_probability: lanes(&m.event_probability),
        }
    }

    /// Copy lane `l`'s values from its (patched) model.
    fn set_lane(&mut self, l: usize, m: &Model) {
        let put = |dst: &mut [[f64; L]], src: &[f64]| {
            for (d, &s) in dst.iter_mut().zip(src) {
                d[l] = s;
            }
        };
        put(&mut self.mu_by_year, &m.mu_by_year);
        put(&mut self.idio_by_year, &m.idio_by_year);
        put(&mut self.load_by_shock, &m.load_by_shock);
        put(&mut self.base_log_level, &m.base_log_level);
        put(&mut self.base_cumulative, &m.base_cumulative);
        put(&mut self.event_probability, &m.event_probability);
    }
}

/// Scratch of a published quarter's conditioning, one lane array per
/// sector (normals, levels, innovations) and shock (scales).
#[derive(Debug, Clone)]
struct ObservedScratch<const L: usize> {
    eps: Vec<[f64; L]>,
    level: Vec<[f64; L]>,
    scale: Vec<[f64; L]>,
    innovation: Vec<[f64; L]>,
    /// The conditioning solve's workspace.
    solve: observed::LaneWorkspace<L>,
}

/// The sector state of `L` paths in lockstep, one lane array per quantity:
/// everything the quarter step reads and writes (sectors, shocks, events,
/// policy rules, a nowcast's scratch). Variants of a scenario whose sector
/// phase is the same ([`Model::shares_sector_phase`]) share one.
#[derive(Debug, Clone)]
pub struct SectorState<const L: usize> {
    // Sectors (MODEL.md 2.2), in sector order.
    /// `d`: deviation of quarterly log growth from its mean.
    deviation: Vec<[f64; L]>,
    /// `ℓ`: log level on the sector's own path.
    trend: Vec<[f64; L]>,
    /// `P`: unrecovered losses of events that have ended.
    permanent: Vec<[f64; L]>,
    /// `T`: impacts of the events under way this quarter.
    temporary: Vec<[f64; L]>,
    /// Value added summed over the current year's quarters so far.
    annual: Vec<[f64; L]>,
    /// Last year's value added.
    prev_annual: Vec<[f64; L]>,
    /// This quarter's idiosyncratic normals `ε`.
    eps: Vec<[f64; L]>,

    // Common shocks (MODEL.md 3), in matrix order.
    /// This quarter's independent normals.
    normals: Vec<[f64; L]>,
    /// This quarter's shock values, padded with zeros to the loading stride.
    shocks: Vec<[f64; L]>,
    /// Sum of this year's quarterly values.
    shock_year: Vec<[f64; L]>,
    /// `√((ν − 2)/W)` of each Student-t group this quarter.
    t_scale: Vec<[f64; L]>,
    /// Per row of the correlation root, 1 + the column of its last
    /// coefficient that is not zero (0 for a row of zeros).
    chol_used: Vec<usize>,

    // Events (MODEL.md 4), in file order.
    /// Quarters left of the occurrence under way (0: none).
    left: Vec<[u32; L]>,
    /// Quarters of this year it was under way.
    event_quarters: Vec<[u32; L]>,
    /// The 0-based year its current (or last) occurrence started.
    start_year: Vec<[u32; L]>,
    /// The first 0-based year it was under way, or `u32::MAX`.
    first_year: Vec<[u32; L]>,
    /// This quarter's lanes that start it (bit `l`: lane `l`).
    event_starts: Vec<u32>,

    // Policy rules (MODEL.md 2.5); empty without them.
    /// Growth added per quarter of the path and sector (quarters x sectors).
    boost: Vec<[f64; L]>,
    /// Value added summed through each quarter of last year and this year
    /// (4 x sectors).
    cum_prev: Vec<[f64; L]>,
    cum_cur: Vec<[f64; L]>,
    /// The quarters (rows of `boost`) some rule can add growth to: only
    /// they are reset at each batch (the others stay zero).
    boost_rows: Vec<usize>,

    params: LaneParams<L>,
    /// Per sector, the shocks with a loading that is not zero and their
    /// loadings; `None` when assumptions write loadings per lane.
    sparse_loads: Option<SparseLoads>,
    obs: ObservedScratch<L>,
    /// The chi-square sampler of each Student-t group.
    chi: Vec<ChiSquared>,
}

/// The loadings that are not zero of each sector, with the shocks they
/// multiply (matrix order), for a model whose lanes all read its loadings.
#[derive(Debug, Clone)]
struct SparseLoads {
    /// Per sector, its terms (λ_ik, k).
    of: Vec<Vec<(f64, usize)>>,
}

impl SparseLoads {
    fn new(model: &Model) -> Self {
        let ns = model.n_sectors();
        let of = (0..ns)
            .map(|i| {
                (0..model.n_shocks())
                    .map(|k| (model.load_by_shock[k * ns + i], k))
                    .filter(|&(a, _)| a != 0.0)
                    .collect()
            })
            .collect();
        SparseLoads { of }
    }
}

/// The indicator state of `L` paths of one variant: each year's indicators
/// and the targets' values (MODEL.md 5 and 6).
#[derive(Debug, Clone)]
pub struct IndicatorState<const L: usize> {
    // Indicators (MODEL.md 5), in scenario order.
    /// This year's values (last year's until evaluated).
    ind: Vec<[f64; L]>,
    /// Last year's values.
    prev_ind: Vec<[f64; L]>,
    /// The AR(1) noise term `e`.
    noise: Vec<[f64; L]>,

    // Targets, in scenario order.
    values: Vec<[f64; L]>,
    judged: Vec<[f64; L]>,
    excused: Vec<[bool; L]>,

    /// Per indicator, the chi-square sampler of a Student-t noise.
    noise_chi: Vec<Option<ChiSquared>>,
    /// Per indicator, whether an assumption writes a value of it that the
    /// indicator phase reads (then it reads each lane's; else the model's).
    ind_varies: Vec<bool>,
}

impl<const L: usize> SectorState<L> {
    /// Buffers sized for `model`.
    pub fn new(model: &Model) -> Self {
        let ns = model.n_sectors();
        let nk = model.n_shocks();
        let ne = model.events.len();
        let z = |n: usize| vec![[0.0; L]; n];
        SectorState {
            deviation: z(ns),
            trend: z(ns),
            permanent: z(ns),
            temporary: z(ns),
            annual: z(ns),
            prev_annual: z(ns),
            eps: z(ns),
            normals: z(nk),
            shocks: z(model.load_stride),
            shock_year: z(nk),
            t_scale: vec![[1.0; L]; model.t_groups.len()],
            chol_used: (0..nk)
                .map(|k| {
                    let row = &model.chol[k * nk..(k + 1) * nk];
                    row.iter().rposition(|&a| a != 0.0).map_or(0, |m| m + 1)
                })
                .collect(),
            left: vec![[0; L]; ne],
            event_quarters: vec![[0; L]; ne],
            start_year: vec![[0; L]; ne],
            first_year: vec![[u32::MAX; L]; ne],
            event_starts: vec![0; ne],
            boost: if model.policies.is_empty() {
                vec![]
            } else {
                z(4 * model.meta.horizon * ns)
            },
            cum_prev: z(model.base_cumulative.len()),
            cum_cur: z(model.base_cumulative.len()),
            boost_rows: boost_rows(model),
            params: LaneParams::new(model),
            sparse_loads: (!model.assumptions.patches_lane_arrays())
                .then(|| SparseLoads::new(model)),
            obs: ObservedScratch {
                eps: z(ns),
                level: z(ns),
                scale: vec![[1.0; L]; nk],
                innovation: z(ns),
                solve: observed::LaneWorkspace::new(&model.observed),
            },
            // Degrees of freedom above 2 (validated), so these cannot fail.
            chi: model
                .t_groups
                .iter()
                .filter_map(|&df| ChiSquared::new(df).ok())
                .collect(),
        }
    }
}

impl<const L: usize> IndicatorState<L> {
    /// Buffers sized for `model`.
    pub fn new(model: &Model) -> Self {
        let ni = model.indicators.len();
        let nt = model.targets.len();
        let z = |n: usize| vec![[0.0; L]; n];
        IndicatorState {
            ind: z(ni),
            prev_ind: z(ni),
            noise: z(ni),
            values: vec![[f64::NAN; L]; nt],
            judged: vec![[f64::NAN; L]; nt],
            excused: vec![[false; L]; nt],
            noise_chi: model
                .indicators
                .iter()
                .map(|i| i.noise_t.and_then(|(df, _)| ChiSquared::new(df).ok()))
                .collect(),
            ind_varies: model.assumptions.moves_indicators(ni),
        }
    }
}

/// The quarters of the horizon in which some policy rule can add growth
/// (MODEL.md 2.5: checked in a quarter of one of its years, it acts from
/// `lag` quarters later for `duration` quarters), in order.
fn boost_rows(model: &Model) -> Vec<usize> {
    let quarters = 4 * model.meta.horizon;
    let mut rows = vec![false; quarters];
    for p in &model.policies {
        for year in (0..model.meta.horizon).filter(|&y| p.years[y]) {
            for quarter in (0..4).filter(|&q| p.check[q]) {
                let first = 4 * year + quarter + p.lag;
                for t in first..(first + p.duration).min(quarters) {
                    rows[t] = true;
                }
            }
        }
    }
    (0..quarters).filter(|&t| rows[t]).collect()
}

/// One variant's results on a batch, after [`Kernel::simulate`].
#[derive(Clone, Copy)]
pub struct BatchView<'a, const L: usize> {
    sectors: &'a SectorState<L>,
    indicators: &'a IndicatorState<L>,
}

impl<const L: usize> BatchView<'_, L> {
    /// Target `t`'s indicator value on lane `l` (after a batch is simulated).
    pub fn value(&self, t: usize, l: usize) -> f64 {
        self.indicators.values[t][l]
    }

    /// Target `t`'s judged value (after `relative_to`) on lane `l`.
    pub fn judged(&self, t: usize, l: usize) -> f64 {
        self.indicators.judged[t][l]
    }

    /// Event `e`'s first 0-based year under way on lane `l` (`u32::MAX`: never).
    pub fn first_year(&self, e: usize, l: usize) -> u32 {
        self.sectors.first_year[e][l]
    }

    /// Whether target `t` was excused on lane `l`.
    pub fn excused(&self, t: usize, l: usize) -> bool {
        self.indicators.excused[t][l]
    }
}

/// One path's results, as [`simulate_paths`] hands them out.
#[derive(Debug, Clone, PartialEq)]
pub struct PathOutcome {
    /// Each target's indicator value.
    pub values: Vec<f64>,
    /// Each target's judged value (after `relative_to`).
    pub judged: Vec<f64>,
    /// Each event's first 0-based year under way (`u32::MAX`: never).
    pub first_year: Vec<u32>,
    /// Whether each target was excused.
    pub excused: Vec<bool>,
}

impl PathOutcome {
    fn new(model: &Model) -> Self {
        let nt = model.targets.len();
        PathOutcome {
            values: vec![f64::NAN; nt],
            judged: vec![f64::NAN; nt],
            first_year: vec![u32::MAX; model.events.len()],
            excused: vec![false; nt],
        }
    }

    fn read<const L: usize>(&mut self, b: BatchView<'_, L>, l: usize) {
        let (s, x) = (b.sectors, b.indicators);
        for (t, (v, j)) in self.values.iter_mut().zip(&mut self.judged).enumerate() {
            *v = x.values[t][l];
            *j = x.judged[t][l];
        }
        for (e, f) in self.first_year.iter_mut().enumerate() {
            *f = s.first_year[e][l];
        }
        for (t, e) in self.excused.iter_mut().enumerate() {
            *e = x.excused[t][l];
        }
    }
}

/// `x_i` of each lane for an annual series (MODEL.md 5.4).
#[inline(always)]
fn series<const L: usize>(series: Series, s: &SectorState<L>, x: &IndicatorState<L>) -> [f64; L] {
    match series {
        Series::Sector(i) => s.annual[i],
        Series::Indicator(j) => x.ind[j],
    }
}

/// Which compilation of the kernel runs: the same source and the same IEEE
/// operations in the same order (no fused multiply-add, no sums across
/// lanes), so every kind gives the same bits; they differ in the lane
/// operations ([`draw::Isa`]) the kernel is compiled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelKind {
    /// The target's baseline instruction set: on x86-64 the explicit SSE2
    /// lane operations (`sample::simd::Sse2`, 2 lanes of f64 per
    /// instruction), on other architectures the portable lane loops.
    Baseline,
    /// x86-64 with AVX2 (256-bit vectors: 4 lanes of f64 per instruction),
    /// chosen at run time when the CPU has it.
    Avx2,
}

impl KernelKind {
    /// Whether this CPU can run the AVX2 kernel.
    pub fn avx2_available() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// The kernel the engine runs: AVX2 when the CPU has it, unless the
    /// environment variable `ATTAIN_KERNEL=baseline` forces the baseline.
    pub fn chosen() -> Self {
        static CHOSEN: std::sync::OnceLock<KernelKind> = std::sync::OnceLock::new();
        *CHOSEN.get_or_init(|| {
            let forced = std::env::var("ATTAIN_KERNEL").is_ok_and(|v| v == "baseline");
            if !forced && Self::avx2_available() {
                KernelKind::Avx2
            } else {
                KernelKind::Baseline
            }
        })
    }

    /// Its name, as `attain bench` reports it.
    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Baseline if cfg!(target_arch = "x86_64") => "x86-64 baseline (SSE2)",
            KernelKind::Baseline => "portable",
            KernelKind::Avx2 => "x86-64 AVX2",
        }
    }
}

mod indicators;
mod kernel;
mod needs;
mod quarter;
#[cfg(test)]
mod tests;

use indicators::indicators;
pub use kernel::{
    Kernel, simulate_block, simulate_block_lanes, simulate_group_lanes, simulate_paths,
};
pub use needs::Needs;
use needs::Work;
use quarter::{
    draw_innovations, draw_shocks, end_events, events, react, shocks, step_sectors,
    step_sectors_observed,
};
