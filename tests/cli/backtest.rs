//! `attain backtest` where the truth is known: outcomes drawn from the model itself must give
//! uniform PIT values, nominal interval coverage and calibrated probabilities (within binomial
//! bounds); outcomes from another model must not. Plus the scores' formulas, the join rules and
//! the command line.

use crate::common;

use crate::common::*;
use assert_cmd::Command;
use attain::backtest::{
    self, Case, Outcome, Outcomes, TargetForecast, cdf, forecasts, parse_outcomes, score, summarize,
};
use attain::model::step::{NoObserver, simulate_paths};
use predicates::prelude::*;

/// Four standard errors, as in tests/statistics.rs.
const K: f64 = 4.0;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn path(rel: &str) -> String {
    common::repo_str(rel)
}

fn two_sector() -> String {
    std::fs::read_to_string(path("tests/fixtures/two-sector.toml")).unwrap()
}

/// `n` realized outcomes (value and judged value of every target) drawn from `model` with a
/// seed unrelated to the forecast's.
fn draws(model: &attain::Model, n: usize, seed: u64) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut out = Vec::with_capacity(n);
    simulate_paths::<8, _>(model, seed, 0..n as u64, &mut NoObserver, |_, p, _| {
        out.push((p.values.clone(), p.judged.clone()))
    });
    out
}

/// Score `replicates` outcomes of each target against the forecast.
fn cases_for(fc: &[TargetForecast], outcomes: &[(Vec<f64>, Vec<f64>)], t: usize) -> Vec<Case> {
    outcomes
        .iter()
        .map(|(v, j)| score(&fc[t], v[t], j[t]))
        .collect()
}

/// Kolmogorov-Smirnov critical value at about the 0.1% level.
fn ks_critical(n: usize) -> f64 {
    1.95 / (n as f64).sqrt()
}

#[test]
fn outcomes_from_the_model_itself_are_calibrated() {
    let model = model(&two_sector());
    let paths = 100_000;
    let acc = run(&model, paths, 1);
    let fc = forecasts(&model, &acc, "two-sector");
    let replicates = 2_000;
    let outcomes = draws(&model, replicates, 987_654_321);
    for t in 0..model.targets.len() {
        let cases = cases_for(&fc, &outcomes, t);
        let s = summarize(&cases);
        let id = &model.targets[t].id;
        assert_eq!(s.cases, replicates);
        // PIT uniform.
        let d = s.pit.ks_d.unwrap();
        assert!(
            d <= ks_critical(replicates),
            "{id}: KS D {d} > {} (p {:?})",
            ks_critical(replicates),
            s.pit.ks_p
        );
        // Coverage at nominal rates, within binomial bounds.
        for cv in [&s.coverage50, &s.coverage90] {
            let se = (cv.nominal * (1.0 - cv.nominal) / replicates as f64).sqrt();
            let rate = cv.rate.unwrap();
            assert!(
                (rate - cv.nominal).abs() <= K * se,
                "{id}: {}% interval covers {rate}",
                100.0 * cv.nominal
            );
        }
        // Probabilities calibrated: the outcomes meet the target at the forecast rate (the
        // forecast's own Monte Carlo error is 1/sqrt(20) of the outcomes' and is ignored).
        let p = fc[t].probability();
        let observed = s.met as f64 / replicates as f64;
        let se = (p * (1.0 - p) / replicates as f64)
            .sqrt()
            .max(1.0 / replicates as f64);
        assert!(
            (observed - p).abs() <= K * se,
            "{id}: met {observed} vs forecast {p}"
        );
        // A calibrated forecaster beats a coin in expectation: Brier p(1 - p) <= 0.25.
        assert!(s.scores[0].brier <= 0.25 + K * 0.25 / (replicates as f64).sqrt());
    }
}

#[test]
fn outcomes_from_another_model_are_detected() {
    let forecast_model = model(&two_sector());
    let acc = run(&forecast_model, 50_000, 2);
    let fc = forecasts(&forecast_model, &acc, "two-sector");
    // The truth grows three points faster in industry.
    let truth = model(&two_sector().replacen("growth = 5.0", "growth = 8.0", 1));
    let replicates = 500;
    let outcomes = draws(&truth, replicates, 5);
    let s = summarize(&cases_for(&fc, &outcomes, 0));
    assert!(
        s.pit.ks_d.unwrap() > 2.0 * ks_critical(replicates),
        "KS D {:?}",
        s.pit.ks_d
    );
    assert!(s.pit.mean.unwrap() > 0.6, "outcomes exceed the forecasts");
    assert!(s.pit.ks_p.unwrap() < 1e-6);
}

#[test]
fn pit_matches_a_closed_form() {
    // x = 5 + 2 Z, Z ~ N(0, 1).
    let text = format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 0.0\nvolatility = 0.0\n\n\
         [[shocks]]\nid = \"z\"\nlabel = \"Z\"\n\n\
         [[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nintercept = 5.0\nterms = {{ z = 2.0 }}\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = 6.0\n",
        header(1)
    );
    let m = model(&text);
    let acc = run(&m, 200_000, 3);
    let h = &acc.targets[0].hist;
    for x in [0.0, 3.0, 5.0, 6.0, 7.0, 9.5] {
        let exact = normal_cdf((x - 5.0) / 2.0);
        let got = cdf(h, x).unwrap();
        // Monte Carlo error at 200,000 paths is below 0.0012; buckets add far less.
        assert!((got - exact).abs() < 0.005, "F({x}) = {got}, exact {exact}");
    }
    let fc = forecasts(&m, &acc, "x");
    let c = score(&fc[0], 7.0, 7.0);
    assert!(c.met);
    assert_eq!(c.in50, Some(false));
    assert_eq!(c.in90, Some(true));
    let p = fc[0].probability();
    assert!((c.brier - (1.0 - p).powi(2)).abs() < 1e-15);
    assert!((c.log_score + p.ln()).abs() < 1e-12);
    let miss = score(&fc[0], 4.0, 4.0);
    assert!(!miss.met);
    assert!((miss.log_score + (1.0 - p).ln()).abs() < 1e-12);
}

#[test]
fn naive_forecasters_and_clipping() {
    let text = format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 6.0\nvolatility = 0.0\n\n\
         [[indicators]]\nid = \"g\"\nlabel = \"G\"\nkind = \"growth\"\nof = \"a\"\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"g\"\nyear = 2022\nop = \"at_least\"\nthreshold = 5.0\n",
        header(1)
    );
    // Growth is exactly 6: the model says P(met) = 1.
    let m = model(&text);
    let paths = 1_000;
    let fc = forecasts(&m, &run(&m, paths, 1), "x");
    assert_eq!(fc[0].probability(), 1.0);
    let cases = vec![score(&fc[0], 7.0, 7.0), score(&fc[0], 4.0, 4.0)];
    // A certain forecast that fails costs -ln(1/(2n)), not infinity.
    assert!((cases[1].log_score - (2.0 * paths as f64).ln()).abs() < 1e-9);
    assert_eq!(cases[1].brier, 1.0);
    let s = summarize(&cases);
    assert_eq!(s.scores[1].forecaster, "always 0.5");
    assert!((s.scores[1].brier - 0.25).abs() < 1e-15);
    assert!((s.scores[1].log_score - std::f64::consts::LN_2).abs() < 1e-15);
    // Always 1 is this model here.
    assert_eq!(s.scores[2].brier, s.scores[0].brier);
    assert_eq!(s.scores[2].log_score, s.scores[0].log_score);
    assert_eq!(s.reliability.len(), 1);
    assert_eq!(s.reliability[0].cases, 2);
    assert_eq!(s.reliability[0].observed, 0.5);
    // A single-valued forecast (6): outcomes above and below it.
    assert_eq!(cases[0].pit, Some(1.0));
    assert_eq!(cases[1].pit, Some(0.0));
}

fn relative_scenario() -> String {
    format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 0.0\nvolatility = 0.0\n\n\
         [[shocks]]\nid = \"z\"\nlabel = \"Z\"\n\n\
         [[indicators]]\nid = \"gdp_growth\"\nlabel = \"GDP\"\nkind = \"linear\"\nintercept = 5.0\nterms = {{ z = 1.0 }}\n\n\
         [[indicators]]\nid = \"income\"\nlabel = \"Income\"\nkind = \"linear\"\nintercept = 5.0\nterms = {{ z = 1.0 }}\nnoise = 0.5\n\n\
         [[targets]]\nid = \"gdp\"\nlabel = \"GDP\"\nindicator = \"gdp_growth\"\nyear = 2022\nop = \"at_least\"\nthreshold = 5.0\n\n\
         [[targets]]\nid = \"income_in_step\"\nlabel = \"Income in step\"\nindicator = \"income\"\nrelative_to = \"gdp_growth\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0.0\n",
        header(1)
    )
}

fn row(target: &str, year: i32, value: f64, judged: Option<f64>) -> Outcome {
    Outcome {
        target: target.into(),
        year,
        value,
        judged,
        line: 0,
    }
}

#[test]
fn relative_targets_are_judged_from_the_other_outcome_or_the_judged_column() {
    let m = model(&relative_scenario());
    let fc = forecasts(&m, &run(&m, 20_000, 4), "rel");
    // Income 5.5 against GDP 6.0: not in step.
    let outcomes = Outcomes {
        rows: vec![
            row("gdp", 2022, 6.0, None),
            row("income_in_step", 2022, 5.5, None),
        ],
        no_value: 0,
    };
    let b = backtest::backtest(&fc, &outcomes).unwrap();
    assert_eq!(b.cases.len(), 2);
    let inc = &b.cases[1];
    assert_eq!(inc.judged, -0.5);
    assert!(!inc.met);
    // The judged column wins.
    let outcomes = Outcomes {
        rows: vec![row("income_in_step", 2022, 5.5, Some(0.2))],
        no_value: 0,
    };
    let b = backtest::backtest(&fc, &outcomes).unwrap();
    assert_eq!(b.cases.len(), 1);
    assert!(b.cases[0].met);
    assert_eq!(b.unscored.len(), 1);
    assert_eq!(b.unscored[0].target, "gdp");
    // Without either, the target is reported as not scored, with the reason.
    let outcomes = Outcomes {
        rows: vec![
            row("income_in_step", 2022, 5.5, None),
            row("unknown", 2022, 1.0, None),
        ],
        no_value: 0,
    };
    let e = backtest::backtest(&fc, &outcomes).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("judged"), "{e}");
}

#[test]
fn unmatched_rows_and_targets_without_outcomes_are_listed() {
    let m = model(&two_sector());
    let fc = forecasts(&m, &run(&m, 4_096, 1), "two-sector");
    let text = std::fs::read_to_string(path("tests/fixtures/two-sector-outcomes.csv")).unwrap();
    let outcomes = parse_outcomes(&text, "fixture").unwrap();
    let b = backtest::backtest(&fc, &outcomes).unwrap();
    assert_eq!(b.cases.len(), 3);
    assert_eq!(b.unmatched, vec![("gdp_growth".to_string(), 2021)]);
    assert!(b.unscored.is_empty());
    let table = b.to_table();
    assert!(table.contains("always 0.5"), "{table}");
    assert!(table.contains("Small sample"), "{table}");
    assert!(table.contains("matching no target"), "{table}");
}

#[test]
fn cli_scores_the_fixture_and_rejects_bad_input() {
    let scenario = path("tests/fixtures/two-sector.toml");
    let outcomes = path("tests/fixtures/two-sector-outcomes.csv");
    attain()
        .args([
            "backtest",
            &scenario,
            "--outcomes",
            &outcomes,
            "--paths",
            "8192",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Brier"))
        .stdout(predicate::str::contains("Reliability"))
        .stdout(predicate::str::contains("seed 20220124"));
    let out = attain()
        .args([
            "backtest",
            &scenario,
            &scenario,
            "--outcomes",
            &outcomes,
            "--paths",
            "4096",
            "--format",
            "json",
            "--threads",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cases"].as_array().unwrap().len(), 6);
    assert_eq!(v["summary"]["scores"][1]["brier"], 0.25);
    assert!(v["summary"]["pit"]["ks_d"].is_number());
    assert_eq!(v["seed"], 20220124);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    for (content, needle) in [
        ("target,value\ngdp_growth,6\n", "needs the columns"),
        (
            "target,year,value\ngdp_growth,2022,6\ngdp_growth,2022,7\n",
            "second row",
        ),
        ("target,year,value\ngdp_growth,2022,six\n", "not a number"),
        (
            "target,year,value\nother,2030,1\n",
            "no outcome can be scored",
        ),
    ] {
        std::fs::write(&bad, content).unwrap();
        attain()
            .args([
                "backtest",
                &scenario,
                "--outcomes",
                bad.to_str().unwrap(),
                "--paths",
                "100",
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    }
    attain()
        .args(["backtest", &scenario, "--outcomes", "/nonexistent.csv"])
        .assert()
        .code(2);
    attain()
        .args(["backtest", "--outcomes", &outcomes])
        .assert()
        .code(2);
}

#[test]
fn shipped_jilin_outcomes_cannot_score_the_2022_scenario_yet() {
    // The data folder has outcomes up to 2021 only; the shipped scenario judges 2022 and later.
    attain()
        .args([
            "backtest",
            &path("scenarios/jilin-2022.toml"),
            "--outcomes",
            &path("scenarios/outcomes/jilin.csv"),
            "--paths",
            "1000",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no outcome can be scored"));
    let text = std::fs::read_to_string(path("scenarios/outcomes/jilin.csv")).unwrap();
    let outcomes = parse_outcomes(&text, "jilin").unwrap();
    assert!(outcomes.rows.iter().all(|o| o.year <= 2021));
    let scenario = attain::scenario::load(
        &std::fs::read_to_string(path("scenarios/jilin-2022.toml")).unwrap(),
        "jilin",
    )
    .unwrap();
    let ids: Vec<&str> = scenario
        .raw()
        .targets
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    for o in &outcomes.rows {
        assert!(
            ids.contains(&o.target.as_str()),
            "unknown target {}",
            o.target
        );
    }
}

#[test]
fn shipped_jilin_scenarios_score_against_their_outcomes() {
    // The ex-ante scenarios for 2019, 2021, 2022 and 2023 against the published results of those
    // years: every outcome row matches a target, and which targets were met follows from the
    // outcomes and the thresholds alone (no Monte Carlo in it).
    let scenarios =
        ["2019", "2021", "2022", "2023"].map(|y| path(&format!("scenarios/jilin-{y}.toml")));
    let out = attain()
        .arg("backtest")
        .args(&scenarios)
        .args([
            "--outcomes",
            &path("scenarios/outcomes/jilin-2019-2023.csv"),
            "--paths",
            "2000",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["unmatched"].as_array().unwrap().len(),
        0,
        "{}",
        v["unmatched"]
    );
    let mut met: Vec<(String, u64, bool)> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let scenario = c["scenario"].as_str().unwrap();
            let year = c["year"].as_u64().unwrap();
            // Ex ante: each scenario judges the year after its base year (jilin-2022 also judges
            // later years, which have no outcomes yet).
            assert!(
                scenario.ends_with(&format!("jilin-{year}.toml")),
                "{scenario} {year}"
            );
            (
                c["target"].as_str().unwrap().to_owned(),
                year,
                c["met"].as_bool().unwrap(),
            )
        })
        .collect();
    met.sort();
    let want = [
        ("gdp_growth", 2019, false),
        ("gdp_growth", 2021, true),
        ("gdp_growth", 2022, false),
        ("gdp_growth", 2023, true),
        ("grain_output", 2022, true),
        ("grain_output", 2023, true),
        ("rural_income_growth", 2023, true),
        ("urban_income_growth", 2023, false),
    ]
    .map(|(t, y, m)| (t.to_owned(), y, m));
    assert_eq!(met, want);
    assert_eq!(v["summary"]["cases"], 8);
    assert_eq!(v["summary"]["met"], 5);
    for y in ["2019", "2021", "2023"] {
        let file = path(&format!("scenarios/jilin-{y}.toml"));
        let s = attain::scenario::load(&std::fs::read_to_string(&file).unwrap(), &file)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.raw().scenario.base_year + 1, y.parse::<i32>().unwrap());
    }
}
