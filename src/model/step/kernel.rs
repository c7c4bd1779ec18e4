//! The kernel of a group of variants: its per-variant state, the block
//! and path drivers, and the batch function (one batch of `L` paths: the
//! sectors once, each variant's indicators on them).

use super::*;
use crate::sample::simd::Baseline;

/// The variants of a kernel, one entry per variant in each list (kept
/// apart so that the batch function can read the models while it writes
/// the indicator states).
struct Members<'m, const L: usize> {
    models: Vec<&'m Model>,
    /// Per variant: one copy of its model per lane when it has assumptions;
    /// empty otherwise.
    work: Vec<Vec<Model>>,
    states: Vec<IndicatorState<L>>,
    /// Per variant: the lanes' indicator streams (each variant starts a
    /// batch from the same ones).
    rngs: Vec<XoshiroLanes<L>>,
    /// Per variant: what its targets need computed (the sectors through
    /// the latest year any variant of the group needs them).
    needs: Vec<Needs>,
    /// Per variant: everything, for an observer that reads the state.
    everything: Vec<Needs>,
    /// Per variant: its lane copies hold values that are the same at every
    /// path (its assumptions are fixed or pinned, and written once).
    written: Vec<bool>,
}

impl<const L: usize> Members<'_, L> {
    /// The model lane `l` of variant `v` reads (its patched copy, or the model).
    #[inline(always)]
    fn lane(&self, v: usize, l: usize) -> &Model {
        self.work[v].get(l).unwrap_or(self.models[v])
    }
}

/// The kernel of a group of variants that share the sector phase
/// ([`Model::shares_sector_phase`]; one variant is a group of one): the
/// sector state simulated once per batch, and per variant an indicator
/// state. With assumptions, each variant has one patched copy of its model
/// per lane (made once, rewritten at each path).
pub struct Kernel<'m, const L: usize> {
    members: Members<'m, L>,
    sectors: SectorState<L>,
    /// Assumptions write the per-lane arrays: refresh them at every path.
    patch_lanes: bool,
    /// Scratch of [`Kernel::record`].
    record: LaneScratch,
    /// The lane operations the batches run.
    ops: Ops,
}

/// The lane operations of a kernel.
#[derive(Debug, Clone, Copy)]
enum Ops {
    /// [`KernelKind::Avx2`], on a CPU that has it.
    Avx2(Avx2),
    /// [`KernelKind::Baseline`]: [`Baseline`] (SSE2 on x86-64).
    Baseline,
    /// The portable lane loops: the reference the tests compare the others with.
    #[cfg(test)]
    Portable,
}

impl<'m, const L: usize> Kernel<'m, L> {
    /// A kernel for `model`.
    pub fn new(model: &'m Model) -> Self {
        Self::group(&[model])
    }

    /// A kernel for variants that share the sector phase, simulated
    /// together: the sectors once per batch, the indicators of each.
    ///
    /// # Panics
    /// If `models` is empty or some variant does not share the first one's
    /// sector phase (a caller's error: see [`Model::shares_sector_phase`]).
    pub fn group(models: &[&'m Model]) -> Self {
        let leader = models.first().expect("a kernel needs a model");
        assert!(
            models.iter().all(|m| leader.shares_sector_phase(m)),
            "the variants of a kernel must share the sector phase"
        );
        let members = Members {
            models: models.to_vec(),
            work: models
                .iter()
                .map(|m| {
                    if m.assumptions.is_empty() {
                        vec![]
                    } else {
                        vec![(*m).clone(); L]
                    }
                })
                .collect(),
            states: models.iter().map(|m| IndicatorState::new(m)).collect(),
            rngs: models
                .iter()
                .map(|_| {
                    let gens: [Gen; L] =
                        std::array::from_fn(|l| PathRng::new(0, l as u64).indicators);
                    XoshiroLanes::from_rngs(&gens)
                })
                .collect(),
            needs: group_needs(models),
            everything: models.iter().map(|m| Needs::everything(m)).collect(),
            written: vec![false; models.len()],
        };
        Kernel {
            members,
            sectors: SectorState::new(leader),
            patch_lanes: leader.assumptions.patches_lane_arrays(),
            record: LaneScratch::default(),
            ops: Ops::Baseline,
        }
        .with_kind(KernelKind::chosen())
    }

    /// The same kernel compiled for `kind` (tests compare kernels; a kind
    /// the CPU cannot run falls back to the baseline).
    pub fn with_kind(mut self, kind: KernelKind) -> Self {
        self.ops = match kind {
            KernelKind::Avx2 => Avx2::new().map_or(Ops::Baseline, Ops::Avx2),
            KernelKind::Baseline => Ops::Baseline,
        };
        self
    }

    /// The same kernel on the portable lane loops (the reference of the
    /// tests: on x86-64 neither kernel kind runs them).
    #[cfg(test)]
    pub fn with_portable_ops(mut self) -> Self {
        self.ops = Ops::Portable;
        self
    }

    /// The first variant's results of the last [`Kernel::simulate`].
    pub fn batch(&self) -> BatchView<'_, L> {
        self.member(0)
    }

    /// Variant `v`'s results of the last [`Kernel::simulate_group`].
    pub fn member(&self, v: usize) -> BatchView<'_, L> {
        BatchView {
            sectors: &self.sectors,
            indicators: &self.members.states[v],
        }
    }

    /// Simulate one batch of a run seeded with `seed`: lane `l` is global
    /// path `first + l`, on its own generators. The observer sees lanes
    /// `0..active` only (the others are padding of a block's last batch).
    pub fn simulate<O: PathObserver>(
        &mut self,
        seed: u64,
        first: u64,
        active: usize,
        observer: &mut O,
    ) {
        self.simulate_group(seed, first, active, std::slice::from_mut(observer));
    }

    /// [`Kernel::simulate`] for every variant of the group, with one
    /// observer per variant: variant `v`'s paths are exactly those it would
    /// have alone.
    pub fn simulate_group<O: PathObserver>(
        &mut self,
        seed: u64,
        first: u64,
        active: usize,
        observers: &mut [O],
    ) {
        let mb = &mut self.members;
        assert_eq!(observers.len(), mb.models.len(), "one observer per variant");
        let rngs: [PathRng; L] = std::array::from_fn(|l| PathRng::new(seed, first + l as u64));
        let mut sector_rngs: [Gen; L] = std::array::from_fn(|l| rngs[l].sectors.clone());
        // Assumptions first: each lane draws its own from its sector stream.
        // Every variant draws the same variates (the sector phase is shared
        // only then), so the stream continues from the first one's state.
        let mut after: Option<[Gen; L]> = None;
        let indicator_rngs =
            XoshiroLanes::from_rngs(&std::array::from_fn(|l| rngs[l].indicators.clone()));
        for v in 0..mb.models.len() {
            mb.rngs[v].clone_from(&indicator_rngs);
            if mb.work[v].is_empty() {
                continue;
            }
            // A variant whose copies hold the same values at every path need
            // not rewrite them, once an earlier one has moved the stream on.
            if mb.written[v] && after.is_some() {
                continue;
            }
            let mut own = sector_rngs.clone();
            for (w, rng) in mb.work[v].iter_mut().zip(own.iter_mut()) {
                mb.models[v].assumptions.apply(w, rng);
            }
            debug_assert!(after.as_ref().is_none_or(|a| *a == own));
            after.get_or_insert(own);
            mb.written[v] = !mb.models[v].assumptions.draws_matter();
        }
        if let Some(a) = after {
            sector_rngs = a;
        }
        if self.patch_lanes {
            for l in 0..L {
                self.sectors.params.set_lane(l, &mb.work[0][l]);
            }
        }
        for o in observers.iter_mut() {
            for l in 0..active {
                o.start_path(l, first + l as u64);
            }
        }
        // The sector streams continue in lockstep, in structure-of-arrays form.
        let sector_rngs = &mut XoshiroLanes::from_rngs(&sector_rngs);
        let s = &mut self.sectors;
        match self.ops {
            #[cfg(target_arch = "x86_64")]
            Ops::Avx2(isa) => {
                // SAFETY: `isa` (an `Avx2`) exists only on a CPU with AVX2.
                unsafe { simulate_batch_avx2(isa, mb, s, sector_rngs, observers, active) }
            }
            #[cfg(test)]
            Ops::Portable => simulate_batch(draw::Portable, mb, s, sector_rngs, observers, active),
            // SSE2 on x86-64 (every such CPU has it), the portable lane loops elsewhere.
            _ => simulate_batch(Baseline::default(), mb, s, sector_rngs, observers, active),
        }
    }

    /// Fold lanes `0..active` of variant `v` into `acc`, in lane (path)
    /// order, straight from the batch's lane arrays.
    pub fn record(&mut self, v: usize, acc: &mut Accumulator, active: usize) {
        let mb = &self.members;
        let model = mb.models[v];
        // Each lane judges against its patched copy only when an assumption
        // moves a target (then its bounds and threshold differ by lane).
        let lanes: [&Model; L] = if model.assumptions.moves_targets() {
            std::array::from_fn(|l| mb.lane(v, l))
        } else {
            [model; L]
        };
        let st = &mb.states[v];
        acc.record_lanes(
            model,
            &lanes,
            active,
            &st.values,
            &st.judged,
            &self.sectors.first_year,
            &st.excused,
            &mut self.record,
        );
    }
}

/// What each variant of a group needs ([`Needs::of_targets`]), with the
/// shared sector phase computed through the latest year any of them needs.
fn group_needs(models: &[&Model]) -> Vec<Needs> {
    let mut needs: Vec<Needs> = models.iter().map(|m| Needs::of_targets(m)).collect();
    let mut union = needs[0].clone();
    for n in &needs[1..] {
        union.sectors_for(n);
    }
    for n in &mut needs {
        n.sectors_for(&union);
    }
    needs
}

/// Simulate `paths` consecutive paths of a run seeded with `seed`, the first
/// being global path `first`, into an accumulator (in path order), showing
/// each path to `observer`. Batches of [`LANES`] paths; the last one padded.
pub fn simulate_block<O: PathObserver>(
    model: &Model,
    seed: u64,
    first: u64,
    paths: u64,
    observer: &mut O,
) -> Accumulator {
    simulate_block_lanes::<LANES, O>(model, seed, first, paths, observer, KernelKind::chosen())
}

/// [`simulate_block`] with batch width `L` and kernel `kind`.
pub fn simulate_block_lanes<const L: usize, O: PathObserver>(
    model: &Model,
    seed: u64,
    first: u64,
    paths: u64,
    observer: &mut O,
    kind: KernelKind,
) -> Accumulator {
    let observers = std::slice::from_mut(observer);
    let mut accs = simulate_group_lanes::<L, O>(&[model], seed, first, paths, observers, kind);
    accs.pop().expect("one accumulator per variant")
}

/// [`simulate_block_lanes`] for variants that share the sector phase
/// ([`Model::shares_sector_phase`]), one observer each: one accumulator per
/// variant, each exactly what the variant gives alone.
pub fn simulate_group_lanes<const L: usize, O: PathObserver>(
    models: &[&Model],
    seed: u64,
    first: u64,
    paths: u64,
    observers: &mut [O],
    kind: KernelKind,
) -> Vec<Accumulator> {
    let mut kernel = Kernel::<L>::group(models).with_kind(kind);
    kernel.simulate_block(seed, first, paths, observers)
}

impl<const L: usize> Kernel<'_, L> {
    /// Simulate `paths` consecutive paths of a run seeded with `seed`, the
    /// first being global path `first`, for every variant of the group, one
    /// observer each: one accumulator per variant, its paths folded in path
    /// order. A kernel is reused from block to block (the runner keeps one
    /// per worker), so its model copies are made once, not per block.
    pub fn simulate_block<O: PathObserver>(
        &mut self,
        seed: u64,
        first: u64,
        paths: u64,
        observers: &mut [O],
    ) -> Vec<Accumulator> {
        let mut accs: Vec<Accumulator> = self
            .members
            .models
            .iter()
            .map(|m| Accumulator::new(m))
            .collect();
        let mut done = 0;
        while done < paths {
            let active = (paths - done).min(L as u64) as usize;
            self.simulate_group(seed, first + done, active, observers);
            for (v, acc) in accs.iter_mut().enumerate() {
                self.record(v, acc, active);
            }
            done += active as u64;
        }
        accs
    }
}

/// Simulate global paths `paths` of a run seeded with `seed` with batch
/// width `L` and hand each path's results to `each` in path order, with the
/// observer (which has seen the path's batch; with `L = 1`, that path alone).
pub fn simulate_paths<const L: usize, O: PathObserver>(
    model: &Model,
    seed: u64,
    paths: std::ops::Range<u64>,
    observer: &mut O,
    mut each: impl FnMut(u64, &PathOutcome, &mut O),
) {
    let mut kernel = Kernel::<L>::new(model);
    let mut out = PathOutcome::new(model);
    let mut next = paths.start;
    while next < paths.end {
        let active = (paths.end - next).min(L as u64) as usize;
        kernel.simulate(seed, next, active, observer);
        for l in 0..active {
            out.read(kernel.batch(), l);
            each(next + l as u64, &out, observer);
        }
        next += active as u64;
    }
}

/// [`simulate_batch`] compiled with AVX2 enabled: the hot steps are
/// `#[inline(always)]`, so they are compiled into this function with it.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn simulate_batch_avx2<const L: usize, O: PathObserver>(
    isa: Avx2,
    mb: &mut Members<'_, L>,
    s: &mut SectorState<L>,
    rngs: &mut XoshiroLanes<L>,
    observers: &mut [O],
    active: usize,
) {
    simulate_batch(isa, mb, s, rngs, observers, active)
}

/// Simulate one batch of a group of variants: the sectors once (on the
/// lanes' sector streams `rngs`, reading the first variant's models, which
/// agree with the others' on every value the sector phase reads), each
/// variant's indicators after each year, and each observer sees its
/// variant's lanes. `isa` gives the lane operations.
#[inline(always)]
fn simulate_batch<I: Isa, const L: usize, O: PathObserver>(
    isa: I,
    mb: &mut Members<'_, L>,
    s: &mut SectorState<L>,
    rngs: &mut XoshiroLanes<L>,
    observers: &mut [O],
    active: usize,
) {
    let Members {
        models,
        work,
        states,
        rngs: ind_rngs,
        needs,
        everything,
        written: _,
    } = mb;
    // What the consumers read: only the targets, unless the observer reads the state.
    let needs: &[Needs] = if O::READS_STATE { everything } else { needs };
    let model = models[0];
    let lane_models =
        |v: usize| -> [&Model; L] { std::array::from_fn(|l| work[v].get(l).unwrap_or(models[v])) };
    let lanes = &lane_models(0);
    let ns = model.n_sectors();
    let ne = model.events.len();
    let horizon = model.meta.horizon;
    let policies = !model.policies.is_empty();

    // Start every lane at the base year (MODEL.md 2.1).
    for i in 0..ns {
        s.deviation[i] = [model.momentum.get(i).copied().unwrap_or(0.0); L];
        s.trend[i] = s.params.base_log_level[i];
        s.permanent[i] = [0.0; L];
        s.prev_annual[i] = [model.sectors[i].value_added; L];
    }
    for (v, st) in states.iter_mut().enumerate() {
        let lanes = lane_models(v);
        // Each lane's copy has the model's bases unless an assumption moves one.
        let bases_vary = models[v].assumptions.moves_bases();
        for (j, ind) in models[v].indicators.iter().enumerate() {
            st.prev_ind[j] = if bases_vary {
                std::array::from_fn(|l| lanes[l].indicators[j].base.unwrap_or(f64::NAN))
            } else {
                [ind.base.unwrap_or(f64::NAN); L]
            };
            st.noise[j] = [0.0; L];
        }
    }
    for e in 0..ne {
        s.left[e] = [0; L];
        s.first_year[e] = [u32::MAX; L];
    }
    if policies {
        for &t in &s.boost_rows {
            s.boost[t * ns..(t + 1) * ns].fill([0.0; L]);
        }
        s.cum_prev.copy_from_slice(&s.params.base_cumulative);
    }

    let years = needs[0].years();
    debug_assert!(years <= horizon);
    for year in 0..years {
        s.annual.iter_mut().for_each(|x| *x = [0.0; L]);
        s.shock_year.iter_mut().for_each(|x| *x = [0.0; L]);
        s.event_quarters.iter_mut().for_each(|x| *x = [0; L]);

        for quarter in 0..4 {
            if !needs[0].sectors(year) {
                // Nobody reads this year's sectors: draw as they would (the
                // events are still read), leaving out only the last draws.
                draw_shocks(isa, model, s, rngs);
                events(isa, model, lanes, s, rngs, year, quarter);
                if !(year + 1 == years && quarter == 3) {
                    draw_innovations(isa, model, rngs);
                }
                quarter_end(states, observers, s, active, year, quarter);
                end_events(model, lanes, s);
                continue;
            }
            shocks(isa, model, s, rngs, year);
            events(isa, model, lanes, s, rngs, year, quarter);
            let t = 4 * year + quarter;
            let conditions: &[ExactCondition] = if year == 0 {
                &model.observed.exact[quarter]
            } else {
                &[]
            };
            if conditions.is_empty() {
                step_sectors(isa, model, s, rngs, year, t);
            } else {
                step_sectors_observed(isa, model, s, rngs, conditions, t);
            }
            if policies {
                react(model, s, year, quarter);
            }
            quarter_end(states, observers, s, active, year, quarter);
            end_events(model, lanes, s);
        }

        for (v, (st, observer)) in states.iter_mut().zip(observers.iter_mut()).enumerate() {
            let m = models[v];
            indicators(
                isa,
                m,
                &lane_models(v),
                s,
                st,
                &mut ind_rngs[v],
                year,
                needs[v].year(year),
            );
            for (t, target) in m.targets.iter().enumerate() {
                if target.year_index == year {
                    let v = st.ind[target.indicator];
                    st.values[t] = v;
                    st.judged[t] = match target.relative_to {
                        Some(r) => std::array::from_fn(|l| v[l] - st.ind[r][l]),
                        None => v,
                    };
                    st.excused[t] = if target.excused_by.is_empty() {
                        [false; L]
                    } else {
                        std::array::from_fn(|l| {
                            target
                                .excused_by
                                .iter()
                                .any(|&e| s.event_quarters[e][l] > 0)
                        })
                    };
                }
            }
            for lane in 0..active {
                let view = PathView {
                    sectors: s,
                    indicators: st,
                    lane,
                };
                observer.year_end(year, view);
            }
            std::mem::swap(&mut st.ind, &mut st.prev_ind);
        }
        s.prev_annual.copy_from_slice(&s.annual);
        if policies {
            std::mem::swap(&mut s.cum_prev, &mut s.cum_cur);
        }
    }
}

/// Show each variant's observer the end of a quarter, lane by lane.
#[inline(always)]
fn quarter_end<const L: usize, O: PathObserver>(
    states: &[IndicatorState<L>],
    observers: &mut [O],
    s: &SectorState<L>,
    active: usize,
    year: usize,
    quarter: usize,
) {
    for (st, observer) in states.iter().zip(observers.iter_mut()) {
        for lane in 0..active {
            let view = PathView {
                sectors: s,
                indicators: st,
                lane,
            };
            observer.quarter_end(year, quarter, view);
        }
    }
}
