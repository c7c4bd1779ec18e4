//! Sharded runs merge into exactly the report of a single run; precision
//! goals stop at fixed checkpoints, whatever the thread count.

use crate::common;

use assert_cmd::Command;
use predicates::prelude::*;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn fixture(name: &str) -> String {
    common::fixture(name)
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

/// `targets` and `joint` of a report, as the exact JSON text.
fn key_parts(v: &serde_json::Value) -> (String, String) {
    (v["targets"].to_string(), v["joint"].to_string())
}

fn single(scenario: &str, paths: &str, seed: &str) -> serde_json::Value {
    let out = attain()
        .args([
            "run", scenario, "--paths", paths, "--seed", seed, "--format", "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    json(&out.stdout)
}

fn shards(
    dir: &std::path::Path,
    scenario: &str,
    paths: &str,
    seed: &str,
    n: u64,
) -> Vec<std::path::PathBuf> {
    (0..n)
        .map(|k| {
            let part = dir.join(format!("part-{k}.json"));
            attain()
                .args([
                    "run",
                    scenario,
                    "--paths",
                    paths,
                    "--seed",
                    seed,
                    "--shard",
                    &format!("{k}/{n}"),
                    "--out",
                ])
                .arg(&part)
                .assert()
                .success();
            part
        })
        .collect()
}

#[test]
fn merged_shards_equal_a_single_run_for_1_3_8_shards() {
    let scenario = common::repo_str("scenarios/jilin-2022.toml");
    // 30,000 paths: 8 blocks, the last one partial.
    // The parts carry the central-value pass of the scenario's assumptions,
    // so a merge reports the assumption split too: `probability_fixed`
    // exactly; `assumption_share` (a ratio of variances whose sums are added
    // shard by shard, not block by block) to within 1e-12, and every other
    // number bit for bit (docs/DISTRIBUTED.md).
    let whole = single(&scenario, "30000", "11");
    let without_share = |v: &serde_json::Value| -> (serde_json::Value, Vec<f64>) {
        let mut v = v.clone();
        let mut shares = vec![];
        for t in v["targets"].as_array_mut().unwrap() {
            let t = t.as_object_mut().unwrap();
            shares.extend(t.remove("assumption_share").and_then(|x| x.as_f64()));
        }
        (v, shares)
    };
    let (rest, shares) = without_share(&whole);
    assert_eq!(
        shares.len(),
        whole["targets"].as_array().unwrap().len(),
        "the Jilin scenario has assumptions, so a run reports the split of every target"
    );
    assert!(shares.iter().any(|s| *s > 0.1), "{shares:?}");
    let reference = key_parts(&rest);
    for n in [1, 3, 8] {
        let dir = tempfile::tempdir().unwrap();
        let parts = shards(dir.path(), &scenario, "30000", "11", n);
        let out = attain()
            .arg("merge")
            .args(&parts)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let merged = json(&out.stdout);
        let (merged_rest, merged_shares) = without_share(&merged);
        assert_eq!(key_parts(&merged_rest), reference, "{n} shards");
        assert_eq!(merged_shares.len(), shares.len(), "{n} shards");
        for (m, s) in merged_shares.iter().zip(&shares) {
            assert!((m - s).abs() <= 1e-12, "{n} shards: share {m} against {s}");
        }
        if n == 1 {
            assert_eq!(merged["targets"], whole["targets"], "one shard is the run");
        }
    }
}

#[test]
fn precision_runs_report_the_assumption_split_of_the_paths_they_used() {
    // The central-value pass follows the same checkpoints: the split equals
    // that of a plain run of the paths the precision run stopped at.
    let scenario = common::repo_str("scenarios/jilin-2022.toml");
    let out = attain()
        .args(["run", &scenario, "--precision", "0.01", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let goal = json(&out.stdout);
    let paths = goal["run"]["paths"].as_u64().unwrap().to_string();
    let plain = single(&scenario, &paths, "20220124");
    assert_eq!(goal["targets"], plain["targets"], "{paths} paths");
    let u = goal["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "unemployment_rate")
        .unwrap();
    assert!(u["assumption_share"].as_f64().unwrap() > 0.1, "{u}");
    assert!(u["probability_fixed"].as_f64().is_some(), "{u}");
}

#[test]
fn merge_rejects_parts_that_do_not_belong_together() {
    let scenario = fixture("two-sector.toml");
    let dir = tempfile::tempdir().unwrap();
    let parts = shards(dir.path(), &scenario, "20000", "1", 3);
    // Missing shard.
    attain()
        .arg("merge")
        .args(&parts[..2])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing shard(s) 2/3"));
    // Repeated shard.
    attain()
        .arg("merge")
        .args([&parts[0], &parts[0], &parts[1], &parts[2]])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("given twice"));
    // A part from another run (different seed).
    let other = dir.path().join("other.json");
    attain()
        .args([
            "run", &scenario, "--paths", "20000", "--seed", "2", "--shard", "2/3", "--out",
        ])
        .arg(&other)
        .assert()
        .success();
    attain()
        .arg("merge")
        .args([&parts[0], &parts[1], &other])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("different run"));
    // Not a partial at all.
    attain()
        .args(["merge", &scenario])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a valid attain partial"));
    // Edited counts are caught by the fingerprint or the histogram check.
    let text = std::fs::read_to_string(&parts[2]).unwrap().replacen(
        "\"paths\":20000",
        "\"paths\":20001",
        1,
    );
    std::fs::write(&parts[2], text).unwrap();
    attain().arg("merge").args(&parts).assert().code(2);
}

#[test]
fn bad_shard_specs_are_argument_errors() {
    for spec in ["3/3", "1", "a/2", "0/0", "-1/2"] {
        attain()
            .args([
                "run",
                &fixture("two-sector.toml"),
                &format!("--shard={spec}"),
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--shard"));
    }
}

#[test]
fn precision_runs_stop_at_the_same_checkpoint_for_any_thread_count() {
    let run = |threads: &str| {
        let out = attain()
            .args([
                "run",
                &fixture("two-sector.toml"),
                "--precision",
                "0.006",
                "--threads",
                threads,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        json(&out.stdout)
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(key_parts(&one), key_parts(&two));
    assert_eq!(one["run"]["paths"], two["run"]["paths"]);
    let paths = one["run"]["paths"].as_u64().unwrap();
    // Checkpoints are powers of two of 4096-path blocks.
    assert!(
        (paths / 4096).is_power_of_two() && paths % 4096 == 0,
        "{paths}"
    );
    assert_eq!(one["run"]["precision"]["reached"], true);
    for t in one["targets"].as_array().unwrap() {
        let ci = t["ci95"].as_array().unwrap();
        assert!((ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / 2.0 <= 0.006);
    }
    // The previous checkpoint would not have been enough (the loop stops at the first sufficient one).
    let half = attain()
        .args([
            "run",
            &fixture("two-sector.toml"),
            "--paths",
            &(paths / 2).to_string(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let widest = json(&half.stdout)["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["ci95"][1].as_f64().unwrap() - t["ci95"][0].as_f64().unwrap()) / 2.0)
        .fold(0.0, f64::max);
    assert!(
        paths == 4096 || widest > 0.006,
        "stopped late: {paths} paths, half would give {widest}"
    );
}

#[test]
fn precision_cap_is_reported() {
    attain()
        .args([
            "run",
            &fixture("two-sector.toml"),
            "--precision",
            "0.0001",
            "--max-paths",
            "10000",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("NOT reached").and(predicate::str::contains("10000 paths")),
        );
    attain()
        .args(["run", "--precision", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--precision"));
    attain()
        .args(["run", "--precision", "0.01", "--paths", "5"])
        .assert()
        .code(2);
}
