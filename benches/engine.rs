//! Criterion benchmarks of the core: per-path simulation, load + compile,
//! summary merge, and thread scaling. Run with `cargo bench`; figures are
//! recorded in docs/PERFORMANCE.md.

use std::hint::black_box;

use attain::engine::{BLOCK_SIZE, NoProgress, RunConfig, Stream, path_rng, run_block, simulate};
use attain::model::step::NoObserver;
use attain::{Model, scenario};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use rand_distr::{ChiSquared, Distribution, StandardNormal};

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
        b.iter(|| black_box(run_block(&model, 1, 0, paths, &mut NoObserver)))
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
    let a = run_block(&model, 1, 0, BLOCK_SIZE, &mut NoObserver);
    let b = run_block(&model, 1, 1, BLOCK_SIZE, &mut NoObserver);
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

/// What a Jilin path cannot avoid, in stages (docs/PERFORMANCE.md, "Is a floor
/// ratio of 1.5 reachable?"): `normals` is the floor (`draws_per_path`
/// standard normals); `draws` is the path's real draws (chi-square for the
/// Student-t groups and noise, uniforms for events, normals), in model order;
/// `draws_exp` adds the shock products, the AR(1) and one `exp` per sector and
/// quarter (the model without events, indicators or summaries); `engine` is the
/// whole path. 4,096 paths per iteration, one thread.
fn floor_parts(c: &mut Criterion) {
    let model = jilin();
    let paths = 4096u64;
    let mut g = c.benchmark_group("floor_parts");
    g.throughput(Throughput::Elements(paths));
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(4));
    let draws = model.draws_per_path();
    g.bench_function("normals", |b| {
        b.iter(|| {
            let mut rng = path_rng(1, 0, Stream::Sectors);
            let mut sum = 0.0;
            for _ in 0..paths * draws {
                let z: f64 = StandardNormal.sample(&mut rng);
                sum += z;
            }
            black_box(sum)
        })
    });
    g.bench_function("draws", |b| {
        b.iter(|| {
            let mut k = Kernel::new(&model);
            (0..paths).map(|_| k.path(&model, false)).sum::<f64>()
        })
    });
    g.bench_function("draws_exp", |b| {
        b.iter(|| {
            let mut k = Kernel::new(&model);
            (0..paths).map(|_| k.path(&model, true)).sum::<f64>()
        })
    });
    g.bench_function("engine", |b| {
        b.iter(|| black_box(run_block(&model, 1, 0, paths, &mut NoObserver)))
    });
    g.finish();
}

/// A stripped path: the draws of MODEL.md 7.2 and, with `levels`, the sector
/// arithmetic that needs them.
struct Kernel {
    rng: rand_xoshiro::Xoshiro256PlusPlus,
    chi: Vec<ChiSquared<f64>>,
    noise_chi: Vec<Option<ChiSquared<f64>>>,
    noise: Vec<bool>,
    normals: Vec<f64>,
    shocks: Vec<f64>,
    dev: Vec<f64>,
    trend: Vec<f64>,
    common: Vec<f64>,
}

impl Kernel {
    fn new(m: &Model) -> Self {
        let (ns, nk) = (m.n_sectors(), m.n_shocks());
        Kernel {
            rng: path_rng(1, 0, Stream::Sectors),
            chi: m
                .t_groups
                .iter()
                .map(|&df| ChiSquared::new(df).unwrap())
                .collect(),
            noise_chi: m
                .indicators
                .iter()
                .map(|i| i.noise_t.map(|(df, _)| ChiSquared::new(df).unwrap()))
                .collect(),
            noise: m.indicators.iter().map(|i| i.noise_sd > 0.0).collect(),
            normals: vec![0.0; nk],
            shocks: vec![0.0; nk],
            dev: vec![0.0; ns],
            trend: vec![0.0; ns],
            common: vec![0.0; ns],
        }
    }

    fn path(&mut self, m: &Model, levels: bool) -> f64 {
        let (ns, nk) = (m.n_sectors(), m.n_shocks());
        let rng = &mut self.rng;
        let mut total = 0.0;
        self.dev.fill(0.0);
        self.trend.copy_from_slice(&m.base_log_level);
        for _year in 0..m.meta.horizon {
            for _quarter in 0..4 {
                let mut scale = 1.0;
                for chi in &self.chi {
                    let w: f64 = chi.sample(rng);
                    scale = (3.0 / w).sqrt();
                }
                for x in self.normals.iter_mut() {
                    *x = StandardNormal.sample(rng);
                }
                for _ in &m.events {
                    let u: f64 = rng.random();
                    total += u;
                }
                if levels {
                    for k in 0..nk {
                        let row = &m.chol[k * nk..(k + 1) * nk];
                        let z: f64 = row.iter().zip(&self.normals).map(|(a, b)| a * b).sum();
                        self.shocks[k] = z * scale;
                    }
                    self.common.fill(0.0);
                    for (k, &f) in self.shocks.iter().enumerate() {
                        let column = &m.load_by_shock[k * ns..(k + 1) * ns];
                        for (c, &l) in self.common.iter_mut().zip(column) {
                            *c += l * f;
                        }
                    }
                }
                for i in 0..ns {
                    let eps: f64 = StandardNormal.sample(rng);
                    if levels {
                        let d = m.ar[i] * self.dev[i] + m.idio[i] * eps + self.common[i];
                        self.dev[i] = d;
                        self.trend[i] += m.mu[i] + d;
                        total += self.trend[i].exp();
                    } else {
                        total += eps;
                    }
                }
            }
            for (j, &noisy) in self.noise.iter().enumerate() {
                if noisy {
                    let z: f64 = StandardNormal.sample(rng);
                    total += z;
                    if let Some(chi) = &self.noise_chi[j] {
                        let w: f64 = chi.sample(rng);
                        total += w;
                    }
                }
            }
        }
        black_box(total)
    }
}

criterion_group!(benches, per_path, load_compile, merge, scaling, floor_parts);
criterion_main!(benches);
