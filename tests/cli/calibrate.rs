//! `attain calibrate`: estimates recover known parameters from synthetic AR(1) history, the
//! fragment is valid TOML a scenario can paste, bad input is exit code 2, and the real Jilin
//! history runs ex ante (`--to 2021`).

use crate::common;

use std::fmt::Write as _;

use assert_cmd::Command;
use attain::calibrate::{Options, SeriesKind, calibrate};
use predicates::prelude::*;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Four standard errors, as in tests/statistics.rs (fixed seeds make the outcome reproducible).
const K: f64 = 4.0;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn jilin_history() -> String {
    common::repo_str("data/jilin/history.csv")
}

/// Three AR(1) series with correlated innovations; the third is written as a level whose log
/// growth (percent) is the AR(1).
struct Truth {
    mean: [f64; 3],
    sd: [f64; 3],
    phi: [f64; 3],
    /// Correlation of the innovations.
    innov: [[f64; 3]; 3],
}

impl Truth {
    /// Correlation of the stationary series i and j.
    fn corr(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (self.phi[i], self.phi[j]);
        self.innov[i][j] * ((1.0 - a * a) * (1.0 - b * b)).sqrt() / (1.0 - a * b)
    }
}

const TRUTH: Truth = Truth {
    mean: [6.0, 3.0, 4.0],
    sd: [2.0, 1.0, 3.0],
    phi: [0.5, 0.2, 0.0],
    innov: [[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]],
};

/// Long-format CSV of `years` years from 1701 on.
fn synthetic_csv(years: usize, seed: u64) -> String {
    let t = &TRUTH;
    // Cholesky of the innovation correlation, by hand (3 x 3).
    let c = t.innov;
    let l00 = 1.0;
    let l10 = c[1][0];
    let l11 = (1.0 - l10 * l10).sqrt();
    let l20 = c[2][0];
    let l21 = (c[2][1] - l20 * l10) / l11;
    let l22 = (1.0 - l20 * l20 - l21 * l21).sqrt();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut z = || -> f64 { StandardNormal.sample(&mut rng) };
    let mut dev = [0.0f64; 3];
    let mut level = 100.0f64;
    let mut csv = String::from("year,series,value,unit,source\n");
    let burn = 200;
    for y in 0..(burn + years) {
        let n = [z(), z(), z()];
        let e = [
            l00 * n[0],
            l10 * n[0] + l11 * n[1],
            l20 * n[0] + l21 * n[1] + l22 * n[2],
        ];
        for i in 0..3 {
            let innov_sd = t.sd[i] * (1.0 - t.phi[i] * t.phi[i]).sqrt();
            dev[i] = t.phi[i] * dev[i] + innov_sd * e[i];
        }
        let x = [t.mean[0] + dev[0], t.mean[1] + dev[1], t.mean[2] + dev[2]];
        level *= (x[2] / 100.0).exp();
        if y + 1 >= burn {
            let year = 1700 + (y + 1 - burn);
            if y + 1 > burn {
                writeln!(csv, "{year},a_growth,{},%,synthetic", x[0]).unwrap();
                writeln!(csv, "{year},b_growth,{},%,synthetic", x[1]).unwrap();
            }
            // The level starts one year earlier so that its log growth covers the same years.
            writeln!(csv, "{year},c_level,{level},bn,synthetic").unwrap();
        }
    }
    csv
}

#[test]
fn synthetic_ar1_history_recovers_known_parameters() {
    let years = 300;
    let csv = synthetic_csv(years, 20220124);
    let cal = calibrate(
        &csv,
        &Options {
            origin: "synthetic".into(),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(cal.series.len(), 3);
    assert_eq!(cal.skips.total(), 0);
    // Series come in order of first appearance: the level's first row (1700) comes first.
    let names = ["a_growth", "b_growth", "c_level"];
    let kinds = [SeriesKind::Rate, SeriesKind::Rate, SeriesKind::Level];
    let by_name = |n: &str| cal.series.iter().find(|s| s.name == n).unwrap();
    for (i, name) in names.iter().enumerate() {
        let s = by_name(name);
        assert_eq!(s.kind, kinds[i], "{}", s.name);
        assert_eq!(s.n(), years, "{}", s.name);
        let mean = s.mean.unwrap();
        let sd = s.sd.unwrap();
        let ar = s.ar1.unwrap();
        let (m_se, s_se) = (mean.se.unwrap(), sd.se.unwrap());
        assert!(
            (mean.value - TRUTH.mean[i]).abs() <= K * m_se,
            "{}: mean {} vs {} (SE {m_se})",
            s.name,
            mean.value,
            TRUTH.mean[i]
        );
        assert!(
            (sd.value - TRUTH.sd[i]).abs() <= K * s_se,
            "{}: sd {} vs {} (SE {s_se})",
            s.name,
            sd.value,
            TRUTH.sd[i]
        );
        assert!(
            (ar.phi - TRUTH.phi[i]).abs() <= K * ar.se,
            "{}: phi {} vs {} (SE {})",
            s.name,
            ar.phi,
            TRUTH.phi[i],
            ar.se
        );
        assert_eq!(ar.pairs, years - 1);
        // The standard errors are of the right size (not inflated into meaninglessness).
        assert!(m_se < 0.5 && s_se < 0.3 && ar.se < 0.1, "{}: SEs", s.name);
    }
    let c = cal.correlation.as_ref().expect("three usable series");
    assert_eq!(c.ids, ["c_level_shock", "a_growth_shock", "b_growth_shock"]);
    // Matrix index -> truth index.
    let t_of = [2, 0, 1];
    for i in 0..3 {
        for j in (i + 1)..3 {
            let truth = TRUTH.corr(t_of[i], t_of[j]);
            let (a, b) = (TRUTH.phi[t_of[i]], TRUTH.phi[t_of[j]]);
            // Large-sample SE of a correlation between AR(1) series (Bartlett-type inflation).
            let se = (1.0 - truth * truth) / ((years - 1) as f64).sqrt()
                * ((1.0 + a * b) / (1.0 - a * b)).sqrt();
            let raw = c.raw[i][j].unwrap();
            assert_eq!(c.common[i][j], years);
            assert!(
                (raw - truth).abs() <= K * se,
                "r[{i}][{j}] = {raw} vs {truth} (SE {se})"
            );
            // With 300 years the shrinkage is slight and the written value is still close.
            assert!(
                (c.matrix[i][j] - truth).abs() <= K * se + 0.01,
                "shrunk r[{i}][{j}] = {} vs {truth}",
                c.matrix[i][j]
            );
        }
    }
    assert!(c.lambda < 0.05, "lambda {}", c.lambda);
    assert!(c.min_eigen >= 0.005, "min eigenvalue {}", c.min_eigen);

    // The fragment is TOML whose matrix is exactly the one estimated.
    let fragment = cal.fragment();
    let table: toml::Table = fragment
        .parse()
        .unwrap_or_else(|e| panic!("{e}\n{fragment}"));
    let m = table["shock_correlation"]["matrix"].as_array().unwrap();
    for i in 0..3 {
        for j in 0..3 {
            assert_eq!(m[i][j].as_float().unwrap(), c.matrix[i][j]);
        }
    }
    assert!(fragment.contains("# growth = ") && fragment.contains("# persistence = "));
}

/// A scenario around a fragment: the fragment's shocks and correlation must be accepted as is.
fn scenario_with(fragment: &str, loading: &str) -> String {
    format!(
        "[scenario]\nname = \"t\"\nregion = \"R\"\nbase_year = 2021\nhorizon = 1\n\n\
         [[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 5.0\nvolatility = 0.0\n\
         loadings = {{ {loading} = 2.0 }}\n\n\
         [[indicators]]\nid = \"g\"\nlabel = \"G\"\nkind = \"growth\"\nof = \"a\"\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"g\"\nyear = 2022\nop = \"at_least\"\nthreshold = 5.0\n\n\
         {fragment}"
    )
}

#[test]
fn fragment_pastes_into_a_scenario() {
    let cal = calibrate(&synthetic_csv(40, 7), &Options::default()).unwrap();
    let text = scenario_with(&cal.fragment(), "a_growth_shock");
    let s = attain::scenario::load(&text, "pasted").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let (model, warnings) = attain::Model::compile(&s, "pasted").unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(model.shock_ids.len(), 3);
}

#[test]
fn annotated_missing_duplicate_and_out_of_range_rows_are_skipped_and_counted() {
    let csv = "Year,Indicator,Value,Unit,Confidence\n\
               2016,g,\"6.9 (preliminary, 预计)\",%,medium\n\
               2016,g,7.0,%,low\n\
               2017,g,5.3,%,low\n\
               2018,g,not found,%,\n\
               2018,g,4.5,%,low\n\
               2019,g,about 3,%,low\n\
               2019,g,3.0,%,medium\n\
               2020,g,2.4,%,medium\n\
               2021,g,6.6,%,medium\n\
               2022,g,3.0,%,from the future\n\
               2019,lvl,100,bn,\n\
               2020,lvl,110,bn,\n\
               2021,lvl,121,bn,\n\
               2021,lvl,9999,other unit,\n\
               2018,lvl,-5,bn,\n\
               x,lvl,1,bn,\n";
    let cal = calibrate(
        csv,
        &Options {
            to: Some(2021),
            ..Options::default()
        },
    )
    .unwrap();
    let g = &cal.series[0];
    assert_eq!(g.name, "g");
    // 2016 twice (the later row wins), 2018 "not found", 2019 "about 3", 2022 after --to.
    assert_eq!(g.skips.superseded, 1);
    assert_eq!(g.skips.no_value, 1);
    assert_eq!(g.skips.not_numeric, 1);
    assert_eq!(g.skips.outside_years, 1);
    assert_eq!(g.values.first(), Some(&(2016, 7.0)));
    assert_eq!(g.n(), 6);
    let l = &cal.series[1];
    assert_eq!(l.kind, SeriesKind::Level);
    assert_eq!(l.unit, "bn");
    assert_eq!(l.skips.other_unit, 1);
    assert_eq!(l.skips.nonpositive_level, 1);
    assert_eq!(l.skips.bad_year, 1);
    assert_eq!(l.n(), 2);
    for (_, x) in &l.observations {
        assert!((x - 100.0 * 1.1f64.ln()).abs() < 1e-9);
    }
    let fragment = cal.fragment();
    let table: toml::Table = fragment.parse().unwrap();
    assert!(fragment.contains("superseded"), "{fragment}");
    assert!(fragment.contains("not found"), "{fragment}");
    // One usable series only: no correlation block.
    assert!(!table.contains_key("shock_correlation"));
}

#[test]
fn constant_and_tiny_series_do_not_break_anything() {
    let csv = "year,series,value\n2019,flat,2\n2020,flat,2\n2021,flat,2\n2022,flat,2\n\
               2021,once,5\n2020,g_growth,1\n2021,g_growth,3\n2022,g_growth,2\n";
    let cal = calibrate(csv, &Options::default()).unwrap();
    let flat = &cal.series[0];
    assert_eq!(flat.sd.unwrap().value, 0.0);
    assert!(!flat.usable());
    assert!(flat.ar1.is_none());
    assert!(cal.correlation.is_none());
    cal.fragment().parse::<toml::Table>().unwrap();
}

#[test]
fn cli_writes_a_fragment_and_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.csv");
    std::fs::write(&history, synthetic_csv(30, 3)).unwrap();
    let out = dir.path().join("f.toml");
    attain()
        .args([
            "calibrate",
            history.to_str().unwrap(),
            "--from",
            "1705",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote"));
    let text = std::fs::read_to_string(&out).unwrap();
    text.parse::<toml::Table>().unwrap();
    assert!(text.contains("--from 1705"));
    // Standard output without --out.
    attain()
        .args(["calibrate", history.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("[shock_correlation]"));

    let bad = dir.path().join("bad.csv");
    for (content, needle) in [
        ("", "needs the columns"),
        ("year,value\n2020,1\n", "needs the columns"),
        ("year,series,value\n2020,a,not found\n", "no row"),
    ] {
        std::fs::write(&bad, content).unwrap();
        attain()
            .args(["calibrate", bad.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    }
    attain()
        .args(["calibrate", "/nonexistent/history.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    attain()
        .args([
            "calibrate",
            history.to_str().unwrap(),
            "--from",
            "2000",
            "--to",
            "1990",
        ])
        .assert()
        .code(2);
    // One year of data is not an error: the fragment says there is too little.
    std::fs::write(&bad, "year,series,value\n2021,a_growth,6.6\n").unwrap();
    attain()
        .args(["calibrate", bad.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("too few values"));
}

#[test]
fn jilin_history_through_2021_runs_and_the_fragment_parses() {
    let jilin = jilin_history();
    assert!(
        std::path::Path::new(&jilin).exists(),
        "{jilin} is absent (data/ ships with the repository)"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("jilin.toml");
    attain()
        .args(["calibrate", &jilin, "--to", "2021", "--out"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(text.contains("gdp_real_growth"));
    assert!(text.contains("not found"), "the skipped rows are counted");
    assert!(text.contains("not a number"));
    assert!(text.contains("--to 2021"));
    // Nothing after 2021 is used.
    let cal = calibrate(
        &std::fs::read_to_string(&jilin).unwrap(),
        &Options {
            to: Some(2021),
            origin: "jilin".into(),
            ..Options::default()
        },
    )
    .unwrap();
    assert!(cal.year_span().unwrap().1 <= 2021);
    let gdp = cal
        .series
        .iter()
        .find(|s| s.name == "gdp_real_growth")
        .unwrap();
    assert!(gdp.n() >= 15, "gdp_real_growth has {} years", gdp.n());
    assert!(gdp.ar1.is_some());
    // The correlation block, if any, is positive definite and pastes into a scenario.
    if let Some(c) = &cal.correlation {
        assert!(c.min_eigen > 0.0);
        let s = scenario_with(&text, &c.ids[0]);
        attain::scenario::load(&s, "pasted").unwrap_or_else(|e| panic!("{e}"));
        assert!(table.contains_key("shock_correlation"));
    }
}
