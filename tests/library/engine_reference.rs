//! The engine's statistics against a recorded reference of an earlier
//! engine (`tests/fixtures/engine-reference/`: the engine with one generator
//! per block of 4,096 paths, 1,048,576 paths). A change of the random stream
//! (per-path generators, a batched kernel, own samplers) changes every
//! path's numbers but must not change what they estimate: each target's
//! probability, and the headline joint, must agree with the reference within
//! Monte Carlo error.
//!
//! The new run uses another seed than the reference, so the two estimates
//! are independent; their difference has variance p(1-p)(1/n1 + 1/n2), with
//! p the pooled estimate. Each is checked at |z| <= 4.5 (two-sided
//! probability 6.8e-6 for a correct engine); over the 22 checks of the Jilin
//! scenario and the 4 of the two-sector fixture (Bonferroni) the chance that
//! a correct engine fails this test is below 26 x 6.8e-6 = 1.8e-4. A shift
//! the test detects: at p = 1/2 and 262,144 against 1,048,576 paths the
//! standard error of the difference is 0.11 percentage points, so a bias of
//! 0.5 points fails.

use crate::common;

/// Paths of the new run (a few seconds in release for Jilin).
const PATHS: u64 = 262_144;
/// Seed of the new run (the reference used 20220124).
const SEED: u64 = 7;
/// Largest accepted |z| of a difference (Bonferroni, see the module comment).
const Z_MAX: f64 = 4.5;

/// (id, hits, paths) rows of a reference file.
fn reference(name: &str) -> Vec<(String, u64, u64)> {
    let text = std::fs::read_to_string(common::repo(&format!(
        "tests/fixtures/engine-reference/{name}.csv"
    )))
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 3, "{l}");
            (
                f[0].to_owned(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

/// z of the difference of two independent binomial proportions (0 when both
/// are 0 or both 1, where the difference must then be exactly 0).
fn z(h1: u64, n1: u64, h2: u64, n2: u64) -> f64 {
    let (p1, p2) = (h1 as f64 / n1 as f64, h2 as f64 / n2 as f64);
    let p = (h1 + h2) as f64 / (n1 + n2) as f64;
    let var = p * (1.0 - p) * (1.0 / n1 as f64 + 1.0 / n2 as f64);
    if var == 0.0 {
        assert_eq!(p1, p2);
        return 0.0;
    }
    (p1 - p2) / var.sqrt()
}

fn check(name: &str, expected_rows: usize) {
    let text = std::fs::read_to_string(common::repo(&format!(
        "tests/fixtures/engine-reference/{name}.toml"
    )))
    .unwrap();
    let model = common::model(&text);
    let acc = common::run(&model, PATHS, SEED);
    let rows = reference(name);
    assert_eq!(
        rows.len(),
        expected_rows,
        "{name}: one row per target and the joint"
    );
    assert_eq!(rows.len(), model.targets.len() + 1);
    let mut worst = (0.0f64, String::new());
    for (id, hits, paths) in &rows {
        let new_hits = if id == "joint" {
            acc.joint_headline
        } else {
            let t = model.targets.iter().position(|t| &t.id == id);
            let t = t.unwrap_or_else(|| panic!("{name}: no target {id}"));
            acc.targets[t].hits
        };
        let z = z(new_hits, PATHS, *hits, *paths);
        assert!(
            z.abs() <= Z_MAX,
            "{name} {id}: {new_hits}/{PATHS} against the reference's {hits}/{paths}, z = {z:.2}"
        );
        if z.abs() > worst.0.abs() {
            worst = (z, id.clone());
        }
    }
    eprintln!("{name}: largest |z| {:.2} ({})", worst.0, worst.1);
}

#[test]
fn jilin_probabilities_agree_with_the_reference_engine() {
    check("jilin-2022", 22);
}

#[test]
fn two_sector_probabilities_agree_with_the_reference_engine() {
    check("two-sector", 4);
}
