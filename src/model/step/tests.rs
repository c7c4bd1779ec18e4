use super::*;

fn compiled(path: &str) -> Model {
    let file = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap();
    let s = crate::scenario::load(&text, path).unwrap();
    Model::compile(&s, path).unwrap().0
}

fn outcomes<const L: usize>(model: &Model, paths: u64, kind: KernelKind) -> Vec<PathOutcome> {
    outcomes_of(Kernel::<L>::new(model).with_kind(kind), model, paths)
}

/// [`outcomes`] of the kernel on the portable lane loops (the reference).
fn portable_outcomes<const L: usize>(model: &Model, paths: u64) -> Vec<PathOutcome> {
    outcomes_of(Kernel::<L>::new(model).with_portable_ops(), model, paths)
}

fn outcomes_of<const L: usize>(
    mut kernel: Kernel<'_, L>,
    model: &Model,
    paths: u64,
) -> Vec<PathOutcome> {
    let mut out = vec![];
    let mut row = PathOutcome::new(model);
    for first in (0..paths).step_by(L) {
        let active = (paths - first).min(L as u64) as usize;
        kernel.simulate(11, first, active, &mut NoObserver);
        for l in 0..active {
            row.read(kernel.batch(), l);
            out.push(row.clone());
        }
    }
    out
}

fn bits(o: &PathOutcome) -> (Vec<u64>, Vec<u64>, &[u32], &[bool]) {
    (
        o.values.iter().map(|x| x.to_bits()).collect(),
        o.judged.iter().map(|x| x.to_bits()).collect(),
        &o.first_year,
        &o.excused,
    )
}

/// A path's values depend on (seed, path) alone: the same bits at batch
/// widths 1, 4 and 8 and for the portable lane loops, the baseline kernel
/// (SSE2 on x86-64) and AVX2 (37 paths: the last batch of 4 and 8 is padded), on
/// scenarios with every feature (assumptions on sectors, events and
/// indicators, policies, a nowcast, Student-t and two-piece shocks,
/// counts, blends).
#[test]
fn paths_are_identical_for_every_batch_width() {
    for path in [
        "scenarios/jilin-2022.toml",
        "scenarios/jilin-2022-after-q1.toml",
        "tests/fixtures/features/semantics.toml",
    ] {
        let model = compiled(path);
        let one = outcomes::<1>(&model, 37, KernelKind::Baseline);
        let four = outcomes::<4>(&model, 37, KernelKind::Baseline);
        let eight = outcomes::<8>(&model, 37, KernelKind::Baseline);
        let avx_one = outcomes::<1>(&model, 37, KernelKind::Avx2);
        let avx_eight = outcomes::<8>(&model, 37, KernelKind::Avx2);
        let portable_one = portable_outcomes::<1>(&model, 37);
        let portable_eight = portable_outcomes::<8>(&model, 37);
        assert_eq!(one.len(), 37);
        for p in 0..37 {
            assert_eq!(
                bits(&portable_one[p]),
                bits(&one[p]),
                "{path}: path {p}, baseline, 1 lane"
            );
            assert_eq!(
                bits(&portable_eight[p]),
                bits(&one[p]),
                "{path}: path {p}, portable, 8 lanes"
            );
            assert_eq!(bits(&one[p]), bits(&four[p]), "{path}: path {p}, 4 lanes");
            assert_eq!(bits(&one[p]), bits(&eight[p]), "{path}: path {p}, 8 lanes");
            assert_eq!(
                bits(&one[p]),
                bits(&avx_one[p]),
                "{path}: path {p}, AVX2, 1 lane"
            );
            assert_eq!(
                bits(&one[p]),
                bits(&avx_eight[p]),
                "{path}: path {p}, AVX2, 8 lanes"
            );
        }
        // Not a vacuous comparison: paths differ from each other.
        assert_ne!(bits(&one[0]).0, bits(&one[1]).0, "{path}");
    }
}

/// A block's accumulator is the fold of its paths in order, whatever the
/// batch width.
#[test]
fn blocks_are_identical_for_every_batch_width() {
    let model = compiled("scenarios/jilin-2022.toml");
    let block = |f: fn(&Model) -> Accumulator| f(&model);
    let a = block(|m| {
        simulate_block_lanes::<1, _>(m, 5, 100, 45, &mut NoObserver, KernelKind::Baseline)
    });
    let b = block(|m| {
        simulate_block_lanes::<8, _>(m, 5, 100, 45, &mut NoObserver, KernelKind::Baseline)
    });
    let c =
        block(|m| simulate_block_lanes::<8, _>(m, 5, 100, 45, &mut NoObserver, KernelKind::Avx2));
    assert_eq!(a.paths, 45);
    assert_eq!(a, b);
    assert_eq!(a, c);
}
