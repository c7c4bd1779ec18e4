//! Parameter paths, sweeps, goal seek and sensitivity: the binary's contracts
//! (exit codes, CSV columns, JSON fields) and the statistics (common random
//! numbers make probabilities monotone along a grid; goal seek agrees with a
//! closed form within its Monte Carlo interval).

use crate::common;
use crate::common::*;

use std::time::Duration;

use assert_cmd::Command;
use attain::engine::RunConfig;
use attain::study::{self as sweep, Axis, SolveSpec};
use attain::{Scenario, scenario};
use predicates::prelude::*;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn root(rel: &str) -> String {
    common::repo_str(rel)
}

fn jilin() -> String {
    root("scenarios/jilin-2022.toml")
}

fn two_sector() -> String {
    root("tests/fixtures/two-sector.toml")
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).unwrap()
}

fn no_progress() -> impl Fn(usize, usize) + Sync {
    |_, _| {}
}

// ---------------------------------------------------------------------------
// params

#[test]
fn params_lists_paths_values_and_units() {
    let out = attain().args(["params", &jilin()]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |path: &str| -> Vec<String> {
        let l = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .unwrap_or_else(|| panic!("{path} not listed"));
        l.split_whitespace().map(String::from).collect()
    };
    assert_eq!(line("sectors.automobile.growth")[1], "7");
    assert_eq!(
        line("events.covid_major_lockdown.probability")[1..],
        ["0.04", "per", "quarter"]
    );
    assert_eq!(line("targets.gdp_growth.threshold")[1], "6");
    assert_eq!(line("sectors.automobile.loadings.chip_supply")[1], "4");
    assert_eq!(line("indicators.cpi.intercept")[1], "2");
    assert_eq!(line("indicators.cpi.terms.commodity_price")[1], "0.7");
    assert_eq!(line("scenario.horizon")[1], "4");
    assert_eq!(
        line("shock_correlation.matrix.macro_demand.property")[1],
        "0.5"
    );
    // Every listed path is accepted by sweep's path check.
    let s = scenario::embedded().unwrap();
    for l in text.lines() {
        let path = l.split_whitespace().next().unwrap();
        attain::study::params::check_path(s.raw(), path).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Bad paths, specs and points: exit code 2, the path named, nothing simulated

#[test]
fn unknown_path_is_exit_2_naming_it_with_a_suggestion() {
    let a = attain()
        .args([
            "sweep",
            &jilin(),
            "--set",
            "sectors.automobil.growth=0:10:3",
        ])
        .assert()
        .code(2)
        .stdout("");
    let err = stderr_of(&a);
    assert!(err.contains("sectors.automobil.growth"), "{err}");
    assert!(
        err.contains("did you mean sectors.automobile.growth"),
        "{err}"
    );

    let a = attain()
        .args([
            "solve",
            &jilin(),
            "--vary",
            "events.covid_major_lockdown.probabilty=0:1",
            "--target",
            "gdp_growth",
            "--probability",
            "0.5",
        ])
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("events.covid_major_lockdown.probabilty")
            && err.contains("did you mean events.covid_major_lockdown.probability"),
        "{err}"
    );
    attain()
        .args(["sweep", &jilin(), "--set", "nonsense=1,2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nonsense"));
    attain()
        .args(["sensitivity", &jilin(), "--sd", "sectors.nope.growth=1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sectors.nope.growth"));
}

#[test]
fn bad_specs_are_exit_2_naming_the_path() {
    for spec in ["0:1", "0:1:1", "0:1:x", "a,b", "1,,2", "", "nan", "0:1:2:3"] {
        let set = format!("sectors.automobile.growth={spec}");
        let a = attain()
            .args(["sweep", &jilin(), "--set", &set])
            .assert()
            .code(2);
        let err = stderr_of(&a);
        assert!(err.contains("sectors.automobile.growth"), "{spec:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    attain()
        .args(["sweep", &jilin(), "--set", "no-equals-sign"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PATH=SPEC"));
    // A fractional value for an integer field.
    attain()
        .args([
            "sweep",
            &jilin(),
            "--set",
            "events.chip_squeeze.duration=1:2:3",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("events.chip_squeeze.duration")
                .and(predicate::str::contains("whole")),
        );
    // The same path twice.
    attain()
        .args([
            "sweep",
            &jilin(),
            "--set",
            "sectors.automobile.growth=1,2",
            "--set",
            "sectors.automobile.growth=3",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("twice"));
    for vary in [
        "sectors.automobile.growth=5:1",
        "sectors.automobile.growth=1",
        "x",
    ] {
        attain()
            .args([
                "solve",
                &jilin(),
                "--vary",
                vary,
                "--target",
                "gdp_growth",
                "--probability",
                "0.5",
            ])
            .assert()
            .code(2);
    }
    attain()
        .args([
            "solve",
            &jilin(),
            "--vary",
            "sectors.automobile.growth=0:10",
            "--target",
            "gdp_growth",
            "--probability",
            "1.5",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--probability"));
    attain()
        .args([
            "solve",
            &jilin(),
            "--vary",
            "sectors.automobile.growth=0:10",
            "--target",
            "gdp_grwth",
            "--probability",
            "0.5",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean \"gdp_growth\""));
}

#[test]
fn invalid_sweep_point_is_exit_2_before_simulating() {
    // Simulating even one point of 50 million paths would take minutes: the
    // invalid last point must be found first.
    let a = attain()
        .args([
            "sweep",
            &jilin(),
            "--set",
            "events.covid_major_lockdown.probability=0.4:1.2:3",
            "--paths",
            "50000000",
        ])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stdout("");
    let err = stderr_of(&a);
    assert!(
        err.contains("events.covid_major_lockdown.probability = 1.2"),
        "{err}"
    );
    assert!(
        err.contains("probability must be in [0, 1], got 1.2"),
        "{err}"
    );
    // Same for an end of a goal-seek range.
    let a = attain()
        .args([
            "solve",
            &jilin(),
            "--vary",
            "sectors.automobile.volatility=-1:5",
            "--target",
            "gdp_growth",
            "--probability",
            "0.5",
            "--paths",
            "50000000",
        ])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("must be >= 0, got -1"),
        "{}",
        stderr_of(&a)
    );
}

// ---------------------------------------------------------------------------
// Outputs

#[test]
fn sweep_csv_has_the_contract_columns_and_one_row_per_point_and_target() {
    let out = attain()
        .args([
            "sweep",
            &two_sector(),
            "--set",
            "sectors.industry.growth=2:6:3",
            "--set",
            "events.outage.probability=0,0.1",
            "--paths",
            "2000",
            "--format",
            "csv",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "sectors.industry.growth",
            "events.outage.probability",
            "target",
            "probability",
            "ci95_low",
            "ci95_high",
            "p05",
            "p50",
            "p95"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3 * 2 * 3);
    assert_eq!(&rows[0][0], "2");
    assert_eq!(&rows[0][1], "0");
    assert_eq!(&rows[0][2], "gdp_growth");
    assert_eq!(&rows[17][0], "6");
    assert_eq!(&rows[17][1], "0.1");
    for r in &rows {
        let p: f64 = r[3].parse().unwrap();
        let (lo, hi): (f64, f64) = (r[4].parse().unwrap(), r[5].parse().unwrap());
        assert!(lo <= p && p <= hi);
    }
}

#[test]
fn sweep_json_mirrors_the_csv_and_out_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    attain()
        .args([
            "sweep",
            &two_sector(),
            "--set",
            "sectors.services.growth=5,7",
            "--target",
            "cpi",
            "--paths",
            "1000",
            "--format",
            "json",
            "--out",
        ])
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(v["parameters"][0], "sectors.services.growth");
    assert_eq!(v["points"], 2);
    assert_eq!(v["paths"], 1000);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for key in [
        "sectors.services.growth",
        "target",
        "probability",
        "ci95_low",
        "ci95_high",
        "p05",
        "p50",
        "p95",
    ] {
        assert!(rows[0].get(key).is_some(), "row lacks {key}");
    }
    assert_eq!(rows[1]["sectors.services.growth"], 7.0);
    assert_eq!(rows[1]["target"], "cpi");
}

#[test]
fn sweeps_are_identical_for_any_thread_count() {
    let run = |threads: &str| {
        attain()
            .args([
                "sweep",
                &two_sector(),
                "--set",
                "sectors.industry.volatility=0:4:3",
                "--paths",
                "9000",
                "--seed",
                "5",
                "--threads",
                threads,
                "--format",
                "csv",
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn shipped_sweep_files_run() {
    for file in [
        "scenarios/sweeps/jilin-lockdown.toml",
        "scenarios/sweeps/jilin-auto-chips.toml",
    ] {
        let out = attain()
            .args([
                "sweep",
                &root(file),
                "--paths",
                "300",
                "--format",
                "json",
                "--quiet",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["parameters"].as_array().unwrap().len(), 2, "{file}");
        assert_eq!(v["seed"], 20220124);
        assert!(v["rows"].as_array().unwrap().len() >= 10, "{file}");
    }
    // Sweep-file problems are exit 2 with the file's line.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[sweep]\nscenario = \"missing.toml\"\n[[sweep.set]]\npath = \"sectors.a.growth\"\nvalues = \"1,2\"\n",
    )
    .unwrap();
    attain().args(["sweep"]).arg(&bad).assert().code(2).stderr(
        predicate::str::contains("missing.toml").and(predicate::str::contains("cannot read")),
    );
    std::fs::write(&bad, "[sweep]\nscenario = \"x.toml\"\nseeds = 3\n").unwrap();
    attain()
        .args(["sweep"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 3").and(predicate::str::contains("seeds")));
}

// ---------------------------------------------------------------------------
// Common random numbers

#[test]
fn probability_is_monotone_in_sector_growth_under_common_random_numbers() {
    let s = scenario::embedded().unwrap();
    let axes = [Axis {
        path: "sectors.automobile.growth".into(),
        values: sweep::parse_spec("x", "0:20:11").unwrap(),
    }];
    let config = RunConfig {
        paths: 4096,
        seed: 99,
    };
    let r = sweep::sweep(
        &s,
        "jilin",
        &axes,
        // Jilin's vehicle units follow the national market and FAW's shares, not the
        // automobile sector's value added; fiscal revenue follows nominal GDP.
        &[
            "gdp_growth".to_string(),
            "fiscal_revenue_growth".to_string(),
        ],
        &config,
        &no_progress(),
    )
    .unwrap();
    for target in ["gdp_growth", "fiscal_revenue_growth"] {
        let p: Vec<f64> = r
            .rows
            .iter()
            .filter(|row| row.target == target)
            .map(|row| row.probability)
            .collect();
        assert_eq!(p.len(), 11);
        assert!(
            p.windows(2).all(|w| w[0] <= w[1]),
            "{target}: not non-decreasing point by point: {p:?}"
        );
        assert!(p[10] > p[0] + 0.1, "{target}: {p:?}");
    }
    // The point at the scenario's own value (7) ... not on the grid; 10 is:
    // it equals a plain run with the parameter set to 10.
    let plain =
        attain::study::params::apply(&s, &[("sectors.automobile.growth".into(), 10.0)], "j")
            .unwrap();
    let report = attain::run(&plain, "j", &config, &attain::engine::NoProgress).unwrap();
    let row = r
        .rows
        .iter()
        .find(|row| row.target == "gdp_growth" && row.values[0] == 10.0)
        .unwrap();
    assert_eq!(row.probability, report.targets[0].probability);
}

// ---------------------------------------------------------------------------
// Goal seek against a closed form

/// x = intercept + c Z with Z ~ N(0, 1) exactly (the annual value of one
/// Gaussian shock), target x >= t: P = Phi((intercept - t) / c), so the
/// intercept giving probability p is t + c Phi^-1(p).
fn gaussian_linear(c: f64, t: f64) -> Scenario {
    let text = format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 0.0\nvolatility = 0.0\n\n\
         [[shocks]]\nid = \"z\"\nlabel = \"Z\"\n\n\
         [[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nintercept = 0.0\nterms = {{ z = {c} }}\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = {t}\n",
        header(1)
    );
    scenario::load(&text, "closed-form").unwrap()
}

fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-10.0, 10.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

#[test]
fn solve_agrees_with_the_closed_form_within_its_interval() {
    let (c, t) = (2.0, 6.0);
    let s = gaussian_linear(c, t);
    for (p, seed) in [(0.3, 1u64), (0.5, 2), (0.9, 3)] {
        let exact = t + c * normal_quantile(p);
        let spec = SolveSpec {
            path: "indicators.x.intercept".into(),
            low: 0.0,
            high: 12.0,
            target: "t".into(),
            probability: p,
        };
        let config = RunConfig {
            paths: 40_000,
            seed,
        };
        let r = sweep::solve(&s, "closed-form", &spec, &config, &no_progress()).unwrap();
        assert!(r.reachable, "{}", r.verdict);
        assert_eq!(r.direction, "increasing");
        let v = r.value.unwrap();
        let [lo, hi] = r.interval;
        let (lo, hi) = (lo.unwrap(), hi.unwrap());
        // Slack of the old bisection's resolution, (HIGH - LOW) / 4096, not
        // of `resolution` (the final bracket, now as wide as the sample resolves).
        let res = 12.0 / 4096.0;
        assert!(lo <= v && v <= hi, "{lo} {v} {hi}");
        assert!(
            lo - res <= exact && exact <= hi + res,
            "p = {p}: exact {exact} outside the Monte Carlo interval [{lo}, {hi}] (value {v})"
        );
        // The interval is about 2 * 1.96 * sqrt(p(1-p)/n) / density wide.
        let density =
            (-(normal_quantile(p)).powi(2) / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() / c;
        let expected = 2.0 * 1.96 * (p * (1.0 - p) / 40_000.0f64).sqrt() / density;
        assert!(
            (hi - lo) < 2.0 * expected && (hi - lo) > 0.5 * expected,
            "interval width {} against about {expected}",
            hi - lo
        );
    }
    // Decreasing direction: the threshold that gives probability 0.25.
    let spec = SolveSpec {
        path: "targets.t.threshold".into(),
        low: -5.0,
        high: 15.0,
        target: "t".into(),
        probability: 0.25,
    };
    let r = sweep::solve(
        &s,
        "closed-form",
        &spec,
        &RunConfig {
            paths: 40_000,
            seed: 4,
        },
        &no_progress(),
    )
    .unwrap();
    assert_eq!(r.direction, "decreasing");
    // P(2Z >= t) = 0.25  <=>  t = 2 Phi^-1(0.75).
    let exact = c * normal_quantile(0.75);
    let (lo, hi) = (r.interval[0].unwrap(), r.interval[1].unwrap());
    let res = 20.0 / 4096.0;
    assert!(
        lo - res <= exact && exact <= hi + res,
        "{exact} not in [{lo}, {hi}]"
    );
}

/// The search stops at the Monte Carlo resolution: the answer agrees with the
/// closed form t + c Phi^-1(p) within its standard error, and it takes a
/// third of the work of bisecting to (HIGH - LOW) / 4096 (about 24 runs).
#[test]
fn solve_stops_at_the_monte_carlo_resolution_with_few_evaluations() {
    let (c, t) = (2.0, 6.0);
    let s = gaussian_linear(c, t);
    let n = 65_536u64;
    for (p, seed, low, high) in [
        (0.2, 11u64, 0.0, 12.0),
        (0.5, 12, 0.0, 12.0),
        (0.8, 13, 0.0, 12.0),
        (0.5, 14, -30.0, 40.0),
    ] {
        let exact = t + c * normal_quantile(p);
        let spec = SolveSpec {
            path: "indicators.x.intercept".into(),
            low,
            high,
            target: "t".into(),
            probability: p,
        };
        let config = RunConfig { paths: n, seed };
        let r = sweep::solve(&s, "closed-form", &spec, &config, &no_progress()).unwrap();
        assert!(r.reachable, "{}", r.verdict);
        let v = r.value.unwrap();
        let (lo, hi) = (r.interval[0].unwrap(), r.interval[1].unwrap());
        // Standard error of the value: that of the probability over the density.
        let z = normal_quantile(p);
        let density = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() / c;
        let se_p = (p * (1.0 - p) / n as f64).sqrt();
        let se_x = se_p / density;
        assert!(
            lo <= exact && exact <= hi,
            "p = {p}: exact {exact} outside [{lo}, {hi}]"
        );
        assert!(
            (v - exact).abs() <= 3.0 * se_x,
            "p = {p}: value {v} against exact {exact}, standard error {se_x}"
        );
        // The interval is 2 * 1.96 standard errors wide, within 20%.
        let width = hi - lo;
        assert!(
            (width / (2.0 * 1.96 * se_x) - 1.0).abs() < 0.2,
            "p = {p}: interval width {width} against {}",
            2.0 * 1.96 * se_x
        );
        // The bracket is as fine as the sample resolves, no finer needed:
        // below the interval's half width.
        let res = r.resolution.unwrap();
        assert!(res > 0.0 && res <= width / 2.0, "p = {p}: bracket {res}");
        // The probability at the value is p within a quarter of its half width.
        let at = r.at_value.unwrap();
        assert!(
            (at.probability - p).abs() <= 0.25 * 1.96 * se_p,
            "p = {p}: P at the value {}",
            at.probability
        );
        // The work: stages of 4,096, 16,384 and 65,536 paths, and at most 9
        // runs' worth of paths in all (bisection took 24 or more).
        let paths: Vec<u64> = r.stages.iter().map(|s| s.paths).collect();
        assert_eq!(paths, [4096, 16_384, 65_536]);
        assert_eq!(r.stages[2].evaluations, r.evaluations.len());
        assert!(
            r.evaluations.len() <= 8,
            "p = {p}: {} evaluations with all the paths",
            r.evaluations.len()
        );
        assert!(
            r.paths_simulated <= 9 * n,
            "p = {p}: {} runs' worth of paths",
            r.paths_simulated as f64 / n as f64
        );
        eprintln!(
            "p = {p}: {} full evaluations, {:.2} runs, value {v} exact {exact} se {se_x} res {res}",
            r.evaluations.len(),
            r.paths_simulated as f64 / n as f64
        );
    }
}

#[test]
fn unreachable_probability_is_a_verdict_not_an_error() {
    let out = attain()
        .args([
            "solve",
            &two_sector(),
            "--vary",
            "sectors.services.growth=5:6",
            "--target",
            "gdp_growth",
            "--probability",
            "0.99",
            "--paths",
            "2000",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reachable"], false);
    assert!(v["value"].is_null());
    assert!(v["verdict"].as_str().unwrap().contains("not reachable"));
    for key in [
        "direction",
        "at_low",
        "at_high",
        "interval",
        "evaluations",
        "paths",
        "seed",
    ] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    attain()
        .args([
            "solve",
            &two_sector(),
            "--vary",
            "sectors.services.growth=5:6",
            "--target",
            "gdp_growth",
            "--probability",
            "0.99",
            "--paths",
            "2000",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("not reachable inside [5, 6]"));
}

#[test]
fn integer_lever_gives_a_whole_value() {
    let s = scenario::load(&std::fs::read_to_string(two_sector()).unwrap(), "two").unwrap();
    let config = RunConfig {
        paths: 4000,
        seed: 1,
    };
    let mut spec = SolveSpec {
        path: "events.outage.duration".into(),
        low: 1.0,
        high: 8.0,
        target: "gdp_growth".into(),
        probability: 0.0,
    };
    let r = sweep::solve(&s, "two", &spec, &config, &no_progress()).unwrap();
    assert!(!r.reachable, "{}", r.verdict);
    assert!(r.verdict.contains("not reachable"));
    // Halfway between the ends: reachable, at a whole number of quarters.
    spec.probability = (r.at_low.probability + r.at_high.probability) / 2.0;
    let r = sweep::solve(&s, "two", &spec, &config, &no_progress()).unwrap();
    assert!(r.reachable, "{}", r.verdict);
    let v = r.value.unwrap();
    assert!(v.fract() == 0.0 && (1.0..=8.0).contains(&v), "{v}");
    assert!(r.evaluations.iter().all(|e| e.value.fract() == 0.0));
    spec.high = 2.5;
    assert!(sweep::solve(&s, "two", &spec, &config, &no_progress()).is_err());
}

// ---------------------------------------------------------------------------
// Sensitivity

#[test]
fn sensitivity_ranks_bars_states_amounts_and_reports_conditionals() {
    let out = attain()
        .args([
            "sensitivity",
            &two_sector(),
            "--paths",
            "3000",
            "--sd",
            "sectors.industry.growth=2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3);
    let gdp = &targets[0];
    assert_eq!(gdp["id"], "gdp_growth");
    let bars = gdp["bars"].as_array().unwrap();
    let swings: Vec<f64> = bars.iter().map(|b| b["swing"].as_f64().unwrap()).collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    let bar = |input: &str| {
        bars.iter()
            .find(|b| b["input"] == input)
            .unwrap_or_else(|| panic!("no bar {input}"))
    };
    // Stated sd, else 10% of the value; events forced off and on.
    let b = bar("sectors.industry.growth");
    assert_eq!(b["amount"], 2.0);
    assert_eq!(
        (b["low"].as_f64(), b["high"].as_f64()),
        (Some(3.0), Some(7.0))
    );
    assert!(b["basis"].as_str().unwrap().contains("sd"));
    let b = bar("sectors.services.growth");
    assert!((b["amount"].as_f64().unwrap() - 0.6).abs() < 1e-12);
    assert!(b["basis"].as_str().unwrap().contains("10%"));
    assert!(b["probability_high"].as_f64() > b["probability_low"].as_f64());
    let b = bar("event outage");
    assert_eq!(b["kind"], "event");
    assert_eq!(
        (b["low"].as_f64(), b["high"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    assert!(b["probability_low"].as_f64() > b["probability_high"].as_f64());
    // CPI does not depend on the sectors' parameters: no bar for them.
    let cpi = targets.iter().find(|t| t["id"] == "cpi").unwrap();
    assert!(
        cpi["bars"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| !b["input"].as_str().unwrap().starts_with("sectors."))
    );
    // The event-conditional probabilities of the baseline run.
    let c = &gdp["conditional"][0];
    assert_eq!(c["event"], "outage");
    assert!(c["probability_with"].as_f64() < c["probability_without"].as_f64());

    // The table, largest swing first, each input by its label (the id is in
    // the JSON and CSV); the CSV carries every bar.
    attain()
        .args([
            "sensitivity",
            &two_sector(),
            "--paths",
            "2000",
            "--target",
            "gdp_growth",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Power outage")
                .and(predicate::str::contains("Industry: growth (% a year)"))
                .and(predicate::str::contains("if it happened"))
                .and(predicate::str::contains("event outage").not()),
        );
    let out = attain()
        .args([
            "sensitivity",
            &two_sector(),
            "--paths",
            "2000",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    for h in [
        "target",
        "input",
        "kind",
        "basis",
        "amount",
        "probability_low",
        "probability_high",
        "swing",
    ] {
        assert!(headers.iter().any(|x| x == h), "missing {h}");
    }
    let n_bars: usize = targets
        .iter()
        .map(|t| t["bars"].as_array().unwrap().len())
        .sum();
    assert_eq!(rdr.records().count(), n_bars);
}

// ---------------------------------------------------------------------------
// Per-year values: the whole field and one year

#[test]
fn per_year_values_are_listed_and_swept_as_a_whole_or_by_year() {
    // The Jilin hazard is [0.04, 0.025, 0.015, 0.01] (2022 to 2025).
    let out = attain().args(["params", &jilin()]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let value = |path: &str| -> String {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .unwrap_or_else(|| panic!("{path} not listed"))
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    };
    let p = "events.covid_major_lockdown.probability";
    assert_eq!(value(p), "0.04");
    for (year, v) in [
        (2022, "0.04"),
        (2023, "0.025"),
        (2024, "0.015"),
        (2025, "0.01"),
    ] {
        assert_eq!(value(&format!("{p}.{year}")), v, "{year}");
    }

    // A sweep point at the file's own value is the plain run, path for path;
    // a higher 2023 hazard leaves every 2022 target as it is and lowers the
    // 2022-24 market-entities target.
    let sweep = |set: &str| -> serde_json::Value {
        let out = attain()
            .args(["sweep", &jilin(), "--set", set, "--paths", "4096"])
            .args(["--format", "json", "--quiet"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let out = attain()
        .args(["run", &jilin(), "--paths", "4096", "--format", "json"])
        .output()
        .unwrap();
    let base: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let base_p = |id: &str| {
        base["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["probability"]
            .as_f64()
            .unwrap()
    };
    for (set, key, at_file) in [
        (format!("{p}.2023=0.025,0.1"), format!("{p}.2023"), 0.025),
        (format!("{p}=0.04,0.16"), p.to_string(), 0.04),
    ] {
        let v = sweep(&set);
        let row = |x: f64, id: &str| -> f64 {
            v["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r[&key].as_f64() == Some(x) && r["target"] == id)
                .unwrap_or_else(|| panic!("{set}: no row {x} {id}"))["probability"]
                .as_f64()
                .unwrap()
        };
        let high = if at_file == 0.04 { 0.16 } else { 0.1 };
        for id in ["gdp_growth", "new_market_entities_3y", "srdi_smes_2025"] {
            assert_eq!(row(at_file, id), base_p(id), "{set} {id}");
        }
        if key.ends_with("2023") {
            assert_eq!(row(high, "gdp_growth"), base_p("gdp_growth"), "{set}");
        } else {
            assert!(row(high, "gdp_growth") < base_p("gdp_growth"), "{set}");
        }
        assert!(
            row(high, "new_market_entities_3y") < base_p("new_market_entities_3y"),
            "{set}"
        );
    }

    // A year outside the horizon: exit 2, the field and the valid years named.
    let a = attain()
        .args(["sweep", &jilin(), "--set", &format!("{p}.2026=0.1")])
        .assert()
        .code(2)
        .stdout("");
    let err = stderr_of(&a);
    assert!(
        err.contains(&format!("{p}.2026"))
            && err.contains(&format!(
                "{p} has no year 2026; the simulated years are 2022 to 2025"
            )),
        "{err}"
    );
    let a = attain()
        .args(["solve", &jilin(), "--vary", &format!("{p}.2021=0:1")])
        .args(["--target", "gdp_growth", "--probability", "0.5"])
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("has no year 2021"),
        "{}",
        stderr_of(&a)
    );
}
