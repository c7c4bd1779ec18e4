//! The one runner: every command that simulates (run, precision goals,
//! shards, sweeps, goal seek, sensitivity, fan charts, backtest, bench)
//! comes through [`run`].
//!
//! It takes one or more compiled models (variants of a scenario: a sweep's
//! grid points, a sensitivity's moved inputs, a backtest's years), a
//! [`Plan`] (which blocks of which run), and an [`Observer`] factory for
//! extra per-path measurements (fan charts). Every variant simulates the same
//! blocks with the same random numbers (common random numbers: a path's
//! generators depend only on the run seed and its global index). Work items
//! are (variant, block) pairs, handed out by an atomic counter to one task
//! per rayon worker (no waves, no barrier); each result waits in a bounded
//! in-order window and is folded into its variant's [`Outcome`] in block
//! order, so the outcome is bit-identical for any thread count, and memory
//! stays a few blocks per thread whatever the number of paths.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::plan::{BLOCK_SIZE, Plan};
use super::progress::Progress;
use crate::model::Model;
use crate::model::step::{Kernel, LANES, NoObserver, PathObserver, simulate_block};
use crate::stats::Accumulator;

/// Per-block sums of each target's values, kept so that a merge of shards
/// can add them in block order and reproduce a single run's means bit for
/// bit (floating-point addition is not associative): for `n` targets, the
/// `n` sums, then the `n` scaled sums (the mean of a target whose sum
/// overflowed comes from those).
pub type BlockSums = Vec<(u64, Vec<f64>)>;

/// Measurements taken along each path besides the accumulator's (a fan
/// chart's quarterly histograms). One observer per block, merged in block
/// order; the default [`NoObserver`] costs nothing.
pub trait Observer: PathObserver + Send {
    /// Fold in the observer of the next block.
    fn merge(&mut self, next: Self);
}

impl Observer for NoObserver {
    #[inline]
    fn merge(&mut self, _next: Self) {}
}

/// What one variant's paths gave.
#[derive(Debug, Clone)]
pub struct Outcome<O> {
    /// Counts, histograms and sums of every target.
    pub acc: Accumulator,
    /// Each block's per-target sums, in block order, when the plan keeps
    /// them (shards); empty otherwise.
    pub block_sums: BlockSums,
    /// The merged observer.
    pub observer: O,
}

/// Simulate the paths of one block of `model` into an accumulator, showing
/// each path to `observer`: what the runner does for one item of one
/// variant (it keeps a [`Kernel`] per worker and calls
/// [`Kernel::simulate_block`]; benchmarks call this).
///
/// Path `i` of the block is global path `block * BLOCK_SIZE + i` of the
/// run, and draws from its own two generators ([`path_rngs`]), so its values
/// depend only on (seed, global path index); the block only fixes the order
/// in which paths are added into the accumulator.
pub fn run_block<O: Observer>(
    model: &Model,
    seed: u64,
    block: u64,
    paths: u64,
    observer: &mut O,
) -> Accumulator {
    // The batch kernel (model/step.rs): paths in lockstep, each on its own streams.
    simulate_block(model, seed, block * BLOCK_SIZE, paths, observer)
}

/// Most variants simulated on one sector phase: a group's work item holds
/// one accumulator and one observer per member, so this bounds an item's
/// memory, while sharing among 16 already saves 15/16 of the sector work.
pub const MAX_GROUP: usize = 16;

/// The variants in groups that share the sector phase, in order of their
/// first member: each variant joins the first group whose first member it
/// shares the sector phase with (and that has room), else starts one.
pub fn sector_groups(variants: &[&Model]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = vec![];
    for (v, m) in variants.iter().enumerate() {
        let home = groups
            .iter_mut()
            .find(|g| g.len() < MAX_GROUP && variants[g[0]].shares_sector_phase(m));
        match home {
            Some(g) => g.push(v),
            None => groups.push(vec![v]),
        }
    }
    groups
}

/// Simulate `plan`'s blocks for every variant and return one [`Outcome`]
/// per variant, in order. `observer(v)` makes an empty observer for variant
/// `v` (once per block, and once for the total). Progress counts paths over
/// all variants.
///
/// The results do not depend on the thread count or the schedule: each
/// path's values depend only on (seed, global path index), each block adds
/// its paths in path order, and each variant's blocks are folded in
/// ascending order.
pub fn run<O: Observer>(
    variants: &[&Model],
    plan: &Plan,
    observer: &(dyn Fn(usize) -> O + Sync),
    progress: &dyn Progress,
) -> Vec<Outcome<O>> {
    let mut outcomes: Vec<Outcome<O>> = variants
        .iter()
        .enumerate()
        .map(|(v, m)| Outcome {
            acc: Accumulator::new(m),
            block_sums: vec![],
            observer: observer(v),
        })
        .collect();
    run_more(&mut outcomes, variants, plan, observer, progress);
    outcomes
}

/// Results waiting to be folded: item `folded + k` is `ready[k]` (`None`
/// while it is still being simulated); an item's result is one
/// (accumulator, observer) per member of its group.
struct Window<O> {
    /// Items folded so far (the next one to fold is item `folded`).
    folded: u64,
    /// Results of items `folded..`, in item order.
    ready: VecDeque<Option<Vec<(Accumulator, O)>>>,
    /// Whether some worker is folding now (only one folds at a time, and it
    /// folds in item order).
    folding: bool,
    /// Whether a worker panicked (the others stop).
    failed: bool,
}

/// Lock `m`, also after another worker panicked holding it (the state is
/// still consistent: each update is complete before the lock is released).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs its closure when dropped during a panic.
struct OnPanic<F: Fn()>(F);

impl<F: Fn()> Drop for OnPanic<F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            (self.0)();
        }
    }
}

/// Continue `outcomes` (one per variant, from [`run`]) with `plan`'s blocks,
/// which must come after those already folded in (a precision checkpoint):
/// the result is the same as one [`run`] over all the blocks.
///
/// The schedule: variants that share the sector phase are grouped
/// ([`sector_groups`]), and items are (group, block) pairs, numbered
/// group-major with blocks ascending, so folding in item order keeps each
/// variant's blocks in order. One task per worker of the current rayon pool takes the
/// next item number from an atomic counter, simulates it, and puts its
/// result into the window; whoever completes the oldest unfolded item folds
/// every consecutive result that is ready (outside the lock: another worker
/// that finishes meanwhile just leaves its result for the folder). No
/// worker waits for a wave to end. Grouping changes no result: a variant's
/// paths are the same bits in a group as alone.
///
/// Memory is bounded by the window: a worker may start item `i` only when
/// `i < folded + WINDOW`, so at most `WINDOW` results (an accumulator and
/// an observer per member of the item's group) exist at once, plus the one being merged, whatever the
/// number of paths. The
/// window is `4 × threads`: since the counter hands items out in order, the
/// oldest unfolded item is always being simulated by a worker that started
/// it before the others, so a worker waits only when it is more than about
/// three blocks ahead of the slowest one — with blocks of equal work this
/// does not happen, and it cannot deadlock (the worker holding the oldest
/// item never waits: its item is inside the window).
pub fn run_more<O: Observer>(
    outcomes: &mut [Outcome<O>],
    variants: &[&Model],
    plan: &Plan,
    observer: &(dyn Fn(usize) -> O + Sync),
    progress: &dyn Progress,
) {
    assert_eq!(outcomes.len(), variants.len(), "one outcome per variant");
    let first = plan.blocks.start;
    let per_variant = plan.blocks.end.saturating_sub(first);
    let groups = sector_groups(variants);
    let items = per_variant * groups.len() as u64;
    if items == 0 {
        return;
    }
    // Item `i`: (its group's members, its block).
    let item = |i: u64| (&groups[(i / per_variant) as usize], first + i % per_variant);
    let total = plan.path_count() * variants.len() as u64;
    let threads = rayon::current_num_threads().max(1) as u64;
    let window_size = 4 * threads;
    let next = AtomicU64::new(0);
    let window = Mutex::new(Window::<O> {
        folded: 0,
        ready: VecDeque::new(),
        folding: false,
        failed: false,
    });
    let space = Condvar::new();
    // Only the folder touches the outcomes; the mutex just lets every worker
    // borrow them (it is never contended).
    let fold_into = Mutex::new((outcomes, 0u64));

    let worker = || {
        // A worker that panics releases the others (which would otherwise
        // wait for its item forever); the scope then re-raises the panic.
        let _guard = OnPanic(|| {
            lock(&window).failed = true;
            space.notify_all();
        });
        // The kernel of the group this worker simulated last: consecutive
        // items are mostly blocks of the same group, and a kernel's model
        // copies (one per lane with assumptions) are worth keeping.
        let mut kernel: Option<(usize, Kernel<'_, LANES>)> = None;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= items {
                return;
            }
            {
                let mut w = lock(&window);
                while i >= w.folded + window_size && !w.failed {
                    w = space.wait(w).unwrap_or_else(PoisonError::into_inner);
                }
                if w.failed {
                    return;
                }
            }
            let (members, b) = item(i);
            let g = (i / per_variant) as usize;
            let mut observers: Vec<O> = members.iter().map(|&v| observer(v)).collect();
            if kernel.as_ref().is_none_or(|(kg, _)| *kg != g) {
                let models: Vec<&Model> = members.iter().map(|&v| variants[v]).collect();
                kernel = Some((g, Kernel::group(&models)));
            }
            let (_, k) = kernel.as_mut().expect("made above");
            let accs =
                k.simulate_block(plan.seed, b * BLOCK_SIZE, plan.paths_in(b), &mut observers);
            let mut w = lock(&window);
            let slot = (i - w.folded) as usize;
            if w.ready.len() <= slot {
                w.ready.resize_with(slot + 1, || None);
            }
            w.ready[slot] = Some(accs.into_iter().zip(observers).collect());
            if w.folding {
                continue;
            }
            w.folding = true;
            // Fold every consecutive ready result in item order, the window
            // unlocked while merging (so the others can keep adding theirs).
            while let Some(Some(_)) = w.ready.front() {
                let results = w.ready.pop_front().flatten().expect("the front is ready");
                let (members, b) = item(w.folded);
                w.folded += 1;
                space.notify_all();
                drop(w);
                let mut f = lock(&fold_into);
                let (outs, done) = &mut *f;
                for (&v, (acc, obs)) in members.iter().zip(results) {
                    let out = &mut outs[v];
                    out.acc.merge(&acc);
                    if plan.keep_block_sums {
                        let sums = acc.targets.iter().map(|t| t.sum);
                        let scaled = acc.targets.iter().map(|t| t.scaled_sum);
                        out.block_sums.push((b, sums.chain(scaled).collect()));
                    }
                    out.observer.merge(obs);
                    *done += acc.paths;
                }
                progress.advance(*done, total);
                drop(f);
                w = lock(&window);
            }
            w.folding = false;
        }
    };
    rayon::scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| worker());
        }
    });
    debug_assert_eq!(lock(&window).folded, items, "every item folded");
}
