//! Paths allocate nothing, a nowcast's published quarters included: a
//! counting global allocator (this binary's own, so that no other test runs
//! under it) counts the allocations of this thread while paths of the
//! Jilin scenarios are simulated after a first, warm-up path.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use attain::engine::block_rng;
use attain::model::step::PathState;
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

/// Allocations made while simulating `paths` paths of `text`, after one.
fn allocations_per_run(text: &str, name: &str, paths: usize) -> u64 {
    let s = scenario::load(text, name).unwrap();
    let (model, _) = Model::compile(&s, name).unwrap();
    let mut state = PathState::new(&model);
    let mut rng = block_rng(20220124, 0);
    let nt = model.targets.len();
    let (mut values, mut judged) = (vec![f64::NAN; nt], vec![f64::NAN; nt]);
    model.simulate_path(&mut state, &mut rng, &mut values, &mut judged);
    let before = allocations();
    for _ in 0..paths {
        model.simulate_path(&mut state, &mut rng, &mut values, &mut judged);
    }
    let made = allocations() - before;
    assert!(values.iter().all(|v| v.is_finite()), "{name}: {values:?}");
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
    assert_eq!(allocations_per_run(q1, "jilin-2022-after-q1.toml", 300), 0);
}

#[test]
fn january_paths_allocate_nothing() {
    let jan = include_str!("../../scenarios/jilin-2022.toml");
    assert_eq!(allocations_per_run(jan, "jilin-2022.toml", 300), 0);
}
