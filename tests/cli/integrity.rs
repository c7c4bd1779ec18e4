//! Nothing faked (issue 12): `merge` verifies every part, quantiles are
//! resolved for values of any size, and no output shows NaN, an infinity or
//! `null` for a number.

use crate::common;

use assert_cmd::Command;
use attain::shard::{Partial, payload_digest};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

/// The two-sector fixture with its sectors scaled to `industry` and
/// `services` value added and a target on the GDP level (`threshold`).
fn scaled_scenario(
    dir: &Path,
    name: &str,
    industry: &str,
    services: &str,
    threshold: &str,
) -> String {
    let text = std::fs::read_to_string(common::fixture("two-sector.toml"))
        .unwrap()
        .replace("value_added = 400.0", &format!("value_added = {industry}"))
        .replace("value_added = 600.0", &format!("value_added = {services}"));
    let text = format!(
        "{text}\n[[targets]]\nid = \"gdp_level\"\nlabel = \"GDP level\"\nindicator = \"gdp\"\n\
         year = 2023\nop = \"at_least\"\nthreshold = {threshold}\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn shards(dir: &Path, scenario: &str, paths: &str, n: u64) -> Vec<PathBuf> {
    (0..n)
        .map(|k| {
            let part = dir.join(format!("part-{k}.json"));
            attain()
                .args([
                    "run",
                    scenario,
                    "--paths",
                    paths,
                    "--shard",
                    &format!("{k}/{n}"),
                ])
                .args(["--quiet", "--out"])
                .arg(&part)
                .assert()
                .success();
            part
        })
        .collect()
}

fn run_json(args: &[&str]) -> (String, serde_json::Value) {
    let out = attain().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}

/// Every number in `v` (recursively) is a finite JSON number; the fields
/// listed must be numbers, not `null`.
fn assert_numbers_finite(v: &serde_json::Value) {
    for t in v["targets"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        for field in ["probability", "mean", "std_error"] {
            let x = t[field].as_f64();
            assert!(x.is_some_and(f64::is_finite), "{id}.{field}: {}", t[field]);
        }
        for q in ["p05", "p25", "p50", "p75", "p95"] {
            let x = t["quantiles"][q].as_f64();
            assert!(
                x.is_some_and(f64::is_finite),
                "{id}.{q}: {}",
                t["quantiles"][q]
            );
        }
    }
}

#[test]
fn merge_refuses_edited_or_inconsistent_parts_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::fixture("two-sector.toml");
    let parts = shards(dir.path(), &scenario, "20000", 3);
    let original = std::fs::read_to_string(&parts[1]).unwrap();
    let read = || serde_json::from_str::<Partial>(&original).unwrap();
    // Write an edited copy of part 1 and expect merge to refuse it.
    let refused = |edit: &dyn Fn(&mut Partial), redigest: bool, expect: &str| {
        let mut p = read();
        edit(&mut p);
        if redigest {
            p.digest = payload_digest(&p.accumulator, &p.block_sums);
        }
        std::fs::write(&parts[1], serde_json::to_string(&p).unwrap()).unwrap();
        attain()
            .arg("merge")
            .args(&parts)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("part-1.json"))
            .stderr(predicate::str::contains(expect));
    };
    let hits = |p: &mut Partial| p.accumulator.targets[0].hits = 1_000_000_000;
    // An accidental edit: the digest no longer matches.
    refused(&hits, false, "digest does not match");
    // A deliberate one (digest recomputed) is still caught by the counts.
    refused(&hits, true, "1000000000 hits of");
    refused(
        &|p| p.accumulator.targets[2].nonfinite = 1,
        true,
        "histogram holds",
    );
    refused(
        &|p| {
            let n = p.accumulator.event_paths[0];
            p.accumulator.event_hits[0] = n + 1;
        },
        true,
        "event outage / target gdp_growth",
    );
    refused(
        &|p| {
            // Within the event's paths, but more than the target's hits.
            let t = &mut p.accumulator.targets[0];
            t.hits = p.accumulator.event_hits[0].saturating_sub(1);
        },
        true,
        "event outage / target gdp_growth",
    );
    refused(
        &|p| p.accumulator.targets[1].scaled_sum = f64::NAN,
        true,
        "scaled sum",
    );
    refused(
        &|p| p.accumulator.joint_all = p.accumulator.paths + 1,
        true,
        "joint counts",
    );
    refused(&|p| drop(p.block_sums.pop()), true, "one per block");
    refused(
        &|p| {
            let first = p.block_sums[0].clone();
            p.block_sums[1] = first;
        },
        true,
        "one per block",
    );
    refused(
        &|p| p.block_sums[0].1[0] += 1.0,
        true,
        "not the sum of its block sums",
    );
    refused(
        &|p| p.version = "0.0.0".into(),
        false,
        "written by attain 0.0.0",
    );
    // A truncated copy is not a partial at all.
    std::fs::write(&parts[1], &original[..original.len() / 2]).unwrap();
    attain()
        .arg("merge")
        .args(&parts)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("part-1.json"));
    // The untouched parts still merge.
    std::fs::write(&parts[1], &original).unwrap();
    attain().arg("merge").args(&parts).assert().success();
}

#[test]
fn quantiles_of_values_above_2_pow_40_are_resolved() {
    // GDP in yuan: about 1.1e13, well above 2^40 = 1.1e12.
    let dir = tempfile::tempdir().unwrap();
    let s = scaled_scenario(dir.path(), "yuan.toml", "4.0e12", "6.0e12", "1.06e13");
    let (_, v) = run_json(&["run", &s, "--paths", "20000", "--format", "json"]);
    let t = &v["targets"][3];
    assert_eq!(t["id"], "gdp_level");
    let q: Vec<f64> = ["p05", "p25", "p50", "p75", "p95"]
        .iter()
        .map(|k| t["quantiles"][*k].as_f64().unwrap())
        .collect();
    assert!(q.windows(2).all(|w| w[0] < w[1]), "{q:?}");
    // The spread is a few percent of the level, as at any other scale.
    assert!(q[4] / q[0] > 1.05 && q[4] / q[0] < 1.2, "{q:?}");
    let mean = t["mean"].as_f64().unwrap();
    assert!(q[0] < mean && mean < q[4], "{mean} {q:?}");
}

#[test]
fn huge_values_give_finite_means_and_parts_that_merge() {
    // GDP around 1.1e306: 20,000 of them add up beyond f64::MAX.
    let dir = tempfile::tempdir().unwrap();
    let s = scaled_scenario(dir.path(), "huge.toml", "4.0e305", "6.0e305", "1.06e306");
    let (text, single) = run_json(&["run", &s, "--paths", "20000", "--format", "json"]);
    assert_numbers_finite(&single);
    assert!(!text.contains("inf") && !text.contains("NaN"));
    let t = &single["targets"][3];
    let mean = t["mean"].as_f64().unwrap();
    let (p05, p95) = (
        t["quantiles"]["p05"].as_f64().unwrap(),
        t["quantiles"]["p95"].as_f64().unwrap(),
    );
    assert!(
        p05 < mean && mean < p95 && p05 > 1e305,
        "{mean} {p05} {p95}"
    );

    let parts = shards(dir.path(), &s, "20000", 3);
    for p in &parts {
        let part = std::fs::read_to_string(p).unwrap();
        assert!(!part.contains("null"), "{}", p.display());
    }
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
    let merged: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_numbers_finite(&merged);
    for (a, b) in single["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(merged["targets"].as_array().unwrap())
    {
        assert_eq!(a["probability"], b["probability"]);
        assert_eq!(a["quantiles"], b["quantiles"]);
        let (ma, mb) = (a["mean"].as_f64().unwrap(), b["mean"].as_f64().unwrap());
        assert!((ma - mb).abs() <= ma.abs() * 1e-12, "{ma} {mb}");
    }
    // Table and CSV print finite, short numbers.
    for format in ["table", "csv"] {
        let out = attain()
            .args(["run", &s, "--paths", "20000", "--quiet", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for bad in ["inf", "NaN", "null", "n/a"] {
            assert!(!text.contains(bad), "{format} shows {bad}:\n{text}");
        }
        if format == "table" {
            assert!(text.contains("e306"), "{text}");
        }
    }
}

#[test]
fn a_bound_beyond_the_largest_number_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::fixture("two-sector.toml"))
        .unwrap()
        .replace(
            "threshold = 6.0\ntolerance = 0.5",
            "threshold = -1.7e308\ntolerance = 1.7e308",
        );
    let path = dir.path().join("bound.toml");
    std::fs::write(&path, text).unwrap();
    attain()
        .arg("run")
        .arg(&path)
        .args(["--paths", "4096", "--quiet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tolerance"))
        .stderr(predicate::str::contains("beyond the largest number"))
        .stdout(predicate::str::contains("inf").not());
}

/// Every `null` in `v` is one of the optional, documented fields; returns
/// the path of the first other one.
fn stray_null(v: &serde_json::Value, at: &str) -> Option<String> {
    const OPTIONAL: [&str; 8] = [
        "label_zh",
        "region_zh",
        "relative_to",
        "wording",
        "precision",
        "observed",
        "probability_with",
        "probability_without",
    ];
    match v {
        serde_json::Value::Null => (!OPTIONAL.iter().any(|k| at.ends_with(k))).then(|| at.into()),
        serde_json::Value::Array(xs) => xs
            .iter()
            .enumerate()
            .find_map(|(i, x)| stray_null(x, &format!("{at}[{i}]"))),
        serde_json::Value::Object(m) => m
            .iter()
            .find_map(|(k, x)| stray_null(x, &format!("{at}.{k}"))),
        _ => None,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Random extreme but valid scenarios (levels from 1e-290 to 1e306,
    /// volatile or not): the JSON and CSV of every run that succeeds show
    /// no NaN, infinity or stray null.
    #[test]
    fn extreme_scenarios_print_only_finite_numbers(
        // Half the cases near the top, where 8,192 values add up beyond f64::MAX.
        exp in proptest::prop_oneof![-290i32..=306, 300i32..=306],
        vol in 0.0f64..20.0,
        seed in 0u64..1000,
    ) {
        let scale = 10f64.powi(exp);
        let text = std::fs::read_to_string(common::fixture("two-sector.toml"))
            .unwrap()
            .replace("value_added = 400.0", &format!("value_added = {:e}", 4.0 * scale))
            .replace("value_added = 600.0", &format!("value_added = {:e}", 6.0 * scale))
            .replace("volatility = 2.0", &format!("volatility = {vol}"));
        let text = format!(
            "{text}\n[[targets]]\nid = \"gdp_level\"\nlabel = \"GDP level\"\nindicator = \"gdp\"\n\
             year = 2023\nop = \"at_least\"\nthreshold = {:e}\ntolerance = {:e}\n",
            10.6 * scale,
            0.1 * scale
        );
        let scenario = attain::scenario::load(&text, "prop").unwrap();
        let config = attain::engine::RunConfig { paths: 8192, seed };
        // A run may refuse a scenario driven out of its domain (an error, not a number).
        if let Ok(report) = attain::run(&scenario, "prop", &config, &attain::engine::NoProgress) {
            let json = String::from_utf8(report.render(attain::Format::Json).unwrap()).unwrap();
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(stray_null(&v, ""), None);
            assert_numbers_finite(&v);
            let csv = String::from_utf8(report.render(attain::Format::Csv).unwrap()).unwrap();
            let table = String::from_utf8(report.render(attain::Format::Table).unwrap()).unwrap();
            for text in [&json, &csv, &table] {
                proptest::prop_assert!(!text.contains("inf") && !text.contains("NaN"), "{}", text);
            }
            for row in csv.lines().skip(1) {
                proptest::prop_assert!(!row.split(',').any(|c| c == "n/a"), "{}", row);
            }
        }
    }
}
