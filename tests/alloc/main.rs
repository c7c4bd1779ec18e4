//! Paths allocate nothing, a nowcast's published quarters included: a
//! counting global allocator (this binary's own, so that no other test runs
//! under it) counts the allocations of this thread while paths of the
//! Jilin scenarios are simulated after a first, warm-up path.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use attain::model::step::{Kernel, LANES, NoObserver, PathRng};
use attain::{Model, scenario};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the counter may be gone while the thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// The system allocator, counting each allocation and reallocation.
struct Counting;

// SAFETY: every call is passed on to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made while the batch kernel simulates `batches` batches of
/// `text`'s paths, after one.
fn allocations_per_run(text: &str, name: &str, batches: u64) -> u64 {
    let s = scenario::load(text, name).unwrap();
    let (model, _) = Model::compile(&s, name).unwrap();
    let mut kernel = Kernel::<LANES>::new(&model);
    let rngs = |batch: u64| {
        std::array::from_fn(|l| PathRng::new(20220124, batch * LANES as u64 + l as u64))
    };
    kernel.simulate(&mut rngs(0), LANES, &mut NoObserver);
    let before = allocations();
    for batch in 1..=batches {
        kernel.simulate(&mut rngs(batch), LANES, &mut NoObserver);
    }
    let made = allocations() - before;
    for t in 0..model.targets.len() {
        for l in 0..LANES {
            let v = kernel.batch().value(t, l);
            assert!(v.is_finite(), "{name}: target {t}, lane {l}: {v}");
        }
    }
    made
}

#[test]
fn counter_counts() {
    let before = allocations();
    black_box(Vec::<u8>::with_capacity(black_box(16)));
    assert_eq!(allocations() - before, 1);
}

#[test]
fn nowcast_paths_allocate_nothing() {
    let q1 = include_str!("../../scenarios/jilin-2022-after-q1.toml");
    let s = scenario::load(q1, "jilin-2022-after-q1.toml").unwrap();
    let (model, _) = Model::compile(&s, "q1").unwrap();
    // The first quarter is solved on every path (GDP and industry).
    assert_eq!(model.observed.exact[0].len(), 2);
    assert_eq!(allocations_per_run(q1, "jilin-2022-after-q1.toml", 40), 0);
}

#[test]
fn january_paths_allocate_nothing() {
    let jan = include_str!("../../scenarios/jilin-2022.toml");
    assert_eq!(allocations_per_run(jan, "jilin-2022.toml", 40), 0);
}
