//! Criterion benchmarks of the core: per-path simulation, load + compile,
//! summary merge, and thread scaling. Run with `cargo bench`; figures are
//! recorded in docs/PERFORMANCE.md.

use std::hint::black_box;

use attain::engine::{NoProgress, RunConfig, run_block, simulate};
use attain::{Model, scenario};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn jilin() -> Model {
    let s = scenario::embedded().expect("shipped scenario is valid");
    Model::compile(&s, "jilin").expect("compiles").0
}

/// One block of paths on one thread: the per-path cost.
fn per_path(c: &mut Criterion) {
    let model = jilin();
    let paths = 4096;
    let mut g = c.benchmark_group("simulate_path");
    g.throughput(Throughput::Elements(paths));
    g.sample_size(20);
    g.bench_function("jilin-2022", |b| {
        b.iter(|| black_box(run_block(&model, 1, 0, paths)))
    });
    g.finish();
}

/// Parse, validate and compile the shipped scenario.
fn load_compile(c: &mut Criterion) {
    c.bench_function("load_compile/jilin-2022", |b| {
        b.iter(|| {
            let s = scenario::load(black_box(scenario::EMBEDDED_JILIN_2022), "jilin").unwrap();
            black_box(Model::compile(&s, "jilin").unwrap())
        })
    });
}

/// Merging two block summaries (the sequential part of a run).
fn merge(c: &mut Criterion) {
    let model = jilin();
    let a = run_block(&model, 1, 0, 4096);
    let b = run_block(&model, 1, 1, 4096);
    c.bench_function("merge/jilin-2022 block", |bench| {
        bench.iter(|| {
            let mut x = a.clone();
            x.merge(black_box(&b));
            black_box(x)
        })
    });
}

/// Whole runs on 1, 2 and all threads.
fn scaling(c: &mut Criterion) {
    let model = jilin();
    let paths = 65_536;
    let mut g = c.benchmark_group("scaling");
    g.throughput(Throughput::Elements(paths));
    g.sample_size(10);
    let all = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut counts = vec![1, 2, all];
    counts.dedup();
    for threads in counts {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(threads), &threads, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    black_box(simulate(&model, &RunConfig { paths, seed: 1 }, &NoProgress).unwrap())
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, per_path, load_compile, merge, scaling);
criterion_main!(benches);
