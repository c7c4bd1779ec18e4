//! The binary on real files: the shipped scenario and broken fixtures.

use crate::common;

use assert_cmd::Command;
use predicates::prelude::*;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn fixture(name: &str) -> String {
    common::fixture(name)
}

fn shipped() -> String {
    common::repo_str("scenarios/jilin-2022.toml")
}

#[test]
fn shipped_scenario_validates() {
    attain()
        .args(["validate", &shipped()])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"));
}

#[test]
fn embedded_run_works_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    attain()
        .current_dir(dir.path())
        .args(["run", "--paths", "4096", "--quiet"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gdp").or(predicate::str::contains("GDP")))
        .stdout(predicate::str::contains("headline targets met together"));
}

#[test]
fn json_has_every_jilin_target_id_and_documented_fields() {
    let out = attain()
        .args(["run", &shipped(), "--paths", "4096", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["scenario", "run", "baseline", "targets", "joint"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in ["paths", "seed", "draws_per_path", "elapsed_s"] {
        assert!(v["run"].get(key).is_some(), "missing run.{key}");
    }
    assert_eq!(v["run"]["paths"], 4096);
    let ids: Vec<&str> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    for id in [
        "gdp_growth",
        "grain_output",
        "fai_growth",
        "retail_sales_growth",
        "fiscal_revenue_growth",
        "urban_income_growth",
        "rural_income_growth",
        "new_urban_jobs",
        "unemployment_rate",
        "cpi",
        "energy_intensity",
        "faw_sales",
        "faw_revenue",
        "vehicle_output",
        "hongqi_output",
        "air_good_days",
        "pm25",
        "water_good_share",
        "water_worst_share",
        "srdi_smes_2025",
        "new_market_entities_3y",
    ] {
        assert!(ids.contains(&id), "target {id} missing");
    }
    for t in v["targets"].as_array().unwrap() {
        for key in [
            "id",
            "label",
            "indicator",
            "year",
            "op",
            "threshold",
            "probability",
            "ci95",
            "mean",
            "quantiles",
        ] {
            assert!(t.get(key).is_some(), "target {} lacks {key}", t["id"]);
        }
        let p = t["probability"].as_f64().unwrap();
        let ci = t["ci95"].as_array().unwrap();
        assert!(ci[0].as_f64().unwrap() <= p && p <= ci[1].as_f64().unwrap());
        let q = &t["quantiles"];
        let qs: Vec<f64> = ["p05", "p25", "p50", "p75", "p95"]
            .iter()
            .map(|k| q[k].as_f64().unwrap())
            .collect();
        assert!(
            qs.windows(2).all(|w| w[0] <= w[1]),
            "{}: quantiles not ordered {qs:?}",
            t["id"]
        );
    }
    let gdp = v["baseline"]["gdp"].as_f64().unwrap();
    assert!(
        (gdp - 13235.52).abs() / 13235.52 < 0.005,
        "baseline GDP {gdp}"
    );
    assert!(v["joint"]["probability"].as_f64().is_some());
}

#[test]
fn same_seed_same_results_for_any_thread_count() {
    let run = |threads: &str| {
        let out = attain()
            .args([
                "run",
                &shipped(),
                "--paths",
                "20000",
                "--seed",
                "7",
                "--threads",
                threads,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v["targets"].clone(), v["joint"].clone())
    };
    let one = run("1");
    assert_eq!(one, run("4"));
    assert_eq!(one, run("3"));
}

#[test]
fn csv_has_one_row_per_target() {
    let out = attain()
        .args([
            "run",
            &fixture("two-sector.toml"),
            "--paths",
            "1000",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    for h in [
        "id",
        "probability",
        "ci95_low",
        "ci95_high",
        "p05",
        "p50",
        "p95",
    ] {
        assert!(headers.iter().any(|x| x == h), "missing column {h}");
    }
    assert_eq!(rdr.records().count(), 3);
}

#[test]
fn out_writes_file_and_failure_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("r.json");
    attain()
        .args([
            "run",
            &fixture("two-sector.toml"),
            "--paths",
            "500",
            "--format",
            "json",
            "--out",
        ])
        .arg(&good)
        .assert()
        .success()
        .stdout("");
    let first = std::fs::read(&good).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&good).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o644,
            "an output file is an ordinary file, not a private temporary"
        );
    }
    serde_json::from_slice::<serde_json::Value>(&first).unwrap();
    // A failing run never overwrites a good file, and never leaves a temporary behind.
    attain()
        .args(["run", &fixture("nan.toml"), "--format", "json", "--out"])
        .arg(&good)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&good).unwrap(), first);
    let bad = dir.path().join("bad.json");
    attain()
        .args(["run", &fixture("nan.toml"), "--out"])
        .arg(&bad)
        .assert()
        .code(2);
    assert!(!bad.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Each broken fixture: exit code 2 and a message naming the field and line.
#[test]
fn broken_fixtures_give_exit_code_2_and_name_the_problem() {
    let cases: &[(&str, &[&str])] = &[
        ("malformed.toml", &["line 13", "growth", "invalid float"]),
        (
            "unknown-field.toml",
            &["line 14", "unknown field `volatilty`", "expected one of"],
        ),
        ("wrong-type.toml", &["line 47", "duration", "invalid type"]),
        (
            "nan.toml",
            &["line 22", "sectors[services].growth", "finite number"],
        ),
        (
            "negative-sd.toml",
            &[
                "line 23",
                "sectors[services].volatility",
                "must be >= 0, got -1",
            ],
        ),
        (
            "not-psd.toml",
            &[
                "shock_correlation.matrix",
                "not positive semi-definite",
                "smallest eigenvalue -0.8",
                "repair = true",
            ],
        ),
        (
            "asymmetric.toml",
            &["shock_correlation.matrix[1][0]", "symmetric"],
        ),
        (
            "probability.toml",
            &["line 46", "events[outage].probability", "[0, 1], got 1.5"],
        ),
        (
            "unknown-sector.toml",
            &[
                "events[outage].impacts[0].sector",
                "unknown sector \"industri\"",
                "did you mean \"industry\"",
            ],
        ),
        (
            "cycle.toml",
            &[
                "indicators[gdp_growth]",
                "cycle: gdp_growth -> jobs -> gdp_growth",
            ],
        ),
        (
            "target-year.toml",
            &["targets[jobs_2y].year", "2022-2023", "got 2030"],
        ),
    ];
    for (file, needles) in cases {
        for cmd in [vec!["validate"], vec!["run"], vec!["explain"]] {
            let mut args = cmd.clone();
            let path = fixture(file);
            args.push(&path);
            let assert = attain().args(&args).assert().code(2).stdout("");
            let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
            for n in *needles {
                assert!(
                    err.contains(n),
                    "{file} ({cmd:?}): stderr lacks {n:?}:\n{err}"
                );
            }
            assert!(!err.contains("panicked"), "{file}: {err}");
        }
    }
}

#[test]
fn validate_lists_every_problem() {
    let assert = attain()
        .args(["validate", &fixture("many-errors.toml")])
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("4 problems"), "{err}");
    for n in [
        "scenario.horizon",
        "sectors[services].volatility",
        "targets[cpi].op",
        "unknown op \"below\"",
    ] {
        assert!(err.contains(n), "lacks {n}: {err}");
    }
}

#[test]
fn repaired_correlation_warns_with_largest_change() {
    attain()
        .args(["validate", &fixture("not-psd-repair.toml")])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("nearest correlation matrix")
                .and(predicate::str::contains("largest change 0.4")),
        );
}

#[test]
fn bad_arguments_give_exit_code_2() {
    attain()
        .args(["run", "--paths", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--paths"));
    attain()
        .args(["run", "--threads", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--threads"));
    attain().args(["run", "--paths", "-5"]).assert().code(2);
    attain().args(["run", "--format", "xml"]).assert().code(2);
    attain()
        .args(["run", "/no/such/file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    attain().args(["frobnicate"]).assert().code(2);
}

#[test]
fn explain_describes_the_model() {
    attain()
        .args(["explain", &shipped()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Sectors")
                .and(predicate::str::contains("correlation matrix: valid")),
        )
        .stdout(predicate::str::contains("Targets"));
}

#[test]
fn no_verdict_from_too_few_paths() {
    attain()
        .args([
            "run",
            &fixture("two-sector.toml"),
            "--paths",
            "1",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("too few paths to say")
                .and(predicate::str::contains("virtually certain").not()),
        );
}

/// Piped, the table keeps the wide layout; `--labels both` is the default's bytes and
/// `--labels en` or `zh` keeps one label per target.
#[test]
fn labels_flag_chooses_the_table_labels() {
    let jilin = crate::common::repo_str("scenarios/jilin-2022.toml");
    let table = |extra: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("attain")
            .unwrap()
            .args([
                "run",
                &jilin,
                "--paths",
                "2048",
                "--threads",
                "1",
                "--quiet",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        // The elapsed seconds on the second line differ from run to run.
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(1);
        lines.join("\n")
    };
    let default = table(&[]);
    assert_eq!(table(&["--labels", "both"]), default);
    let en = table(&["--labels", "en"]);
    assert!(en.contains("┆") && en.contains("GDP growth") && !en.contains("地区生产总值增长"));
    let zh = table(&["--labels", "zh"]);
    assert!(zh.contains("地区生产总值增长") && !zh.contains("│ GDP growth"));
}

/// `attain bench --format json`: the documented keys, and the floor as the
/// median of the floors timed after each repetition, which the ratio divides by.
#[test]
fn bench_json_reports_the_floor_it_divides_by() {
    let v = common::cli_json(&[
        "bench",
        "--paths",
        "2000",
        "--threads",
        "1",
        "--format",
        "json",
    ]);
    let v = v.as_array().map_or(&v, |a| &a[0]);
    let num = |k: &str| {
        v[k].as_f64()
            .unwrap_or_else(|| panic!("{k} missing in {v}"))
    };
    let repetitions = num("repetitions") as usize;
    let samples: Vec<f64> = v["floor_samples_ns_per_draw"]
        .as_array()
        .expect("floor_samples_ns_per_draw")
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(samples.len(), repetitions);
    assert!(samples.iter().all(|&x| x > 0.0 && x.is_finite()));
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(num("floor_ns_per_draw"), sorted[repetitions / 2]);
    let ratio =
        num("ns_per_path") * num("threads") / (num("draws_per_path") * num("floor_ns_per_draw"));
    assert!((num("floor_ratio") / ratio - 1.0).abs() < 1e-12);
    for k in ["paths_per_s", "median_s", "own_ns_per_draw", "kernel"] {
        assert!(!v[k].is_null(), "{k} missing");
    }
}
