//! `--format xlsx` (read back with calamine) and `--bom` of the CSV outputs.

use std::io::Cursor;
use std::path::Path;

use assert_cmd::Command;
use calamine::{Data, Reader, Xlsx};
use serde_json::Value;

use crate::common::fixture;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn workbook(path: &Path) -> Xlsx<Cursor<Vec<u8>>> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"PK"), "not a zip file");
    Xlsx::new(Cursor::new(bytes)).unwrap()
}

/// A sheet as rows of cells, the header row first.
fn sheet(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    let range = book
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

fn column(rows: &[Vec<Data>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|c| c == &Data::String(name.into()))
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(x) => *x,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn run_xlsx_holds_the_json_numbers_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("run.xlsx");
    let args = [
        "run",
        &fixture("two-sector.toml"),
        "--paths",
        "4096",
        "--seed",
        "7",
    ];
    attain()
        .args(args)
        .args(["--format", "xlsx", "-o"])
        .arg(&xlsx)
        .assert()
        .success();
    let json = attain()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut book = workbook(&xlsx);
    assert_eq!(
        book.sheet_names(),
        ["Results", "Joint", "Drivers", "Assumptions", "Run"]
    );
    let rows = sheet(&mut book, "Results");
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(rows.len(), targets.len() + 1);
    let (id, year, p, lo, hi, median, headline) = (
        column(&rows, "id"),
        column(&rows, "year"),
        column(&rows, "probability"),
        column(&rows, "ci95_low"),
        column(&rows, "ci95_high"),
        column(&rows, "p50"),
        column(&rows, "headline"),
    );
    for (row, t) in rows[1..].iter().zip(targets) {
        assert_eq!(row[id], Data::String(t["id"].as_str().unwrap().into()));
        assert_eq!(num(&row[year]), t["year"].as_f64().unwrap());
        // Bit for bit: the workbook stores the same doubles as the JSON.
        assert_eq!(num(&row[p]), t["probability"].as_f64().unwrap());
        assert_eq!(num(&row[lo]), t["ci95"][0].as_f64().unwrap());
        assert_eq!(num(&row[hi]), t["ci95"][1].as_f64().unwrap());
        assert_eq!(num(&row[median]), t["quantiles"]["p50"].as_f64().unwrap());
        assert_eq!(row[headline], Data::Bool(t["headline"].as_bool().unwrap()));
    }
    // Probabilities are shown as percentages; years and quantiles are not.
    let styles = book.worksheet_style("Results").unwrap();
    let code = |r: u32, c: usize| {
        styles
            .get((r, c as u32))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
            .unwrap_or_default()
    };
    assert_eq!(code(1, p), "0.0%");
    assert_eq!(code(1, lo), "0.0%");
    assert_ne!(code(1, year), "0.0%");
    assert_ne!(code(1, median), "0.0%");

    let joint = sheet(&mut book, "Joint");
    assert_eq!(
        num(&joint[1][1]),
        json["joint"]["probability"].as_f64().unwrap()
    );
    assert_eq!(
        num(&joint[2][1]),
        json["joint"]["all_probability"].as_f64().unwrap()
    );
    let drivers = sheet(&mut book, "Drivers");
    assert_eq!(drivers.len(), json["drivers"].as_array().unwrap().len() + 1);
    assert_eq!(
        num(&drivers[1][2]),
        json["drivers"][0]["event_share"].as_f64().unwrap()
    );

    // The assumptions carry their sources; the run sheet its settings.
    let assumptions = sheet(&mut book, "Assumptions");
    let growth = assumptions
        .iter()
        .find(|r| r[0] == Data::String("sectors.industry.growth".into()))
        .expect("sectors.industry.growth listed");
    assert_eq!(num(&growth[1]), 5.0);
    assert_eq!(growth[3], Data::String("Industry".into()));
    let run = sheet(&mut book, "Run");
    let field = |name: &str| {
        run.iter()
            .find(|r| r[0] == Data::String(name.into()))
            .unwrap_or_else(|| panic!("no {name} in Run"))[1]
            .clone()
    };
    assert_eq!(num(&field("paths")), 4096.0);
    assert_eq!(field("seed"), Data::String("7".into()));
    assert_eq!(
        field("version"),
        Data::String(env!("CARGO_PKG_VERSION").into())
    );
}

#[test]
fn assumptions_sheet_has_the_sources_of_the_jilin_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("jilin.xlsx");
    attain()
        .args([
            "run", "--paths", "1024", "--quiet", "--format", "xlsx", "--out",
        ])
        .arg(&xlsx)
        .assert()
        .success()
        .stderr("");
    let mut book = workbook(&xlsx);
    let rows = sheet(&mut book, "Assumptions");
    let source = column(&rows, "source");
    let auto = rows
        .iter()
        .find(|r| r[0] == Data::String("sectors.automobile.growth".into()))
        .unwrap();
    assert!(
        matches!(&auto[source], Data::String(s) if !s.is_empty()),
        "no source: {auto:?}"
    );
}

#[test]
fn xlsx_is_never_written_to_standard_output() {
    for cmd in [
        vec!["run", "--paths", "100"],
        vec![
            "sweep",
            "--set",
            "sectors.automobile.growth=1,2",
            "--paths",
            "100",
        ],
        vec!["sensitivity", "--paths", "100"],
    ] {
        let out = attain()
            .args(&cmd)
            .args(["--format", "xlsx"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("--out FILE.xlsx"), "{cmd:?}: {err}");
    }
    let out = attain()
        .args([
            "backtest",
            &fixture("two-sector.toml"),
            "--outcomes",
            &fixture("two-sector-outcomes.csv"),
            "--format",
            "xlsx",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sweep_sensitivity_and_backtest_workbooks_match_their_json() {
    let dir = tempfile::tempdir().unwrap();
    let two = fixture("two-sector.toml");
    // Sweep: one row per point and target, the swept value as a number.
    let sweep = [
        "sweep",
        &two,
        "--set",
        "sectors.industry.growth=2,6",
        "-n",
        "2000",
        "-q",
    ];
    let path = dir.path().join("sweep.xlsx");
    attain()
        .args(sweep)
        .args(["--format", "xlsx", "-o"])
        .arg(&path)
        .assert()
        .success();
    let json: Value = serde_json::from_slice(
        &attain()
            .args(sweep)
            .args(["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut book = workbook(&path);
    let rows = sheet(&mut book, "Results");
    let json_rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), json_rows.len() + 1);
    let (g, p) = (
        column(&rows, "sectors.industry.growth"),
        column(&rows, "probability"),
    );
    for (r, j) in rows[1..].iter().zip(json_rows) {
        assert_eq!(num(&r[g]), j["sectors.industry.growth"].as_f64().unwrap());
        assert_eq!(num(&r[p]), j["probability"].as_f64().unwrap());
    }
    let assumptions = sheet(&mut book, "Assumptions");
    let swept = column(&assumptions, "swept");
    let row = assumptions
        .iter()
        .find(|r| r[0] == Data::String("sectors.industry.growth".into()))
        .unwrap();
    assert_eq!(row[swept], Data::Bool(true));

    // Sensitivity: the tornado's probabilities.
    let sens = ["sensitivity", &two, "-n", "2000", "-q"];
    let path = dir.path().join("sens.xlsx");
    attain()
        .args(sens)
        .args(["--format", "xlsx", "-o"])
        .arg(&path)
        .assert()
        .success();
    let json: Value = serde_json::from_slice(
        &attain()
            .args(sens)
            .args(["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut book = workbook(&path);
    let rows = sheet(&mut book, "Tornado");
    let bars: Vec<&Value> = json["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["bars"].as_array().unwrap())
        .collect();
    assert_eq!(rows.len(), bars.len() + 1);
    let (lo, hi) = (
        column(&rows, "probability_low"),
        column(&rows, "probability_high"),
    );
    for (r, b) in rows[1..].iter().zip(&bars) {
        assert_eq!(num(&r[lo]), b["probability_low"].as_f64().unwrap());
        assert_eq!(num(&r[hi]), b["probability_high"].as_f64().unwrap());
    }

    // Backtest: one row per scored case.
    let bt = [
        "backtest",
        &two,
        "--outcomes",
        &fixture("two-sector-outcomes.csv"),
        "-n",
        "2000",
        "-q",
    ];
    let path = dir.path().join("backtest.xlsx");
    attain()
        .args(bt)
        .args(["--format", "xlsx", "-o"])
        .arg(&path)
        .assert()
        .success();
    let json: Value = serde_json::from_slice(
        &attain()
            .args(bt)
            .args(["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut book = workbook(&path);
    let rows = sheet(&mut book, "Cases");
    let cases = json["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    assert_eq!(rows.len(), cases.len() + 1);
    let (p, brier) = (column(&rows, "probability"), column(&rows, "brier"));
    for (r, c) in rows[1..].iter().zip(cases) {
        assert_eq!(num(&r[p]), c["probability"].as_f64().unwrap());
        assert_eq!(num(&r[brier]), c["brier"].as_f64().unwrap());
    }
    let scores = sheet(&mut book, "Scores");
    assert_eq!(
        num(&scores[1][1]),
        json["summary"]["scores"][0]["brier"].as_f64().unwrap()
    );
}

#[test]
fn bom_starts_the_csv_and_only_the_csv() {
    let run = ["run", &fixture("two-sector.toml"), "--paths", "1000"];
    let plain = attain()
        .args(run)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let bom = attain()
        .args(run)
        .args(["--format", "csv", "--bom"])
        .output()
        .unwrap();
    assert!(bom.status.success());
    assert_eq!(&bom.stdout[..3], b"\xEF\xBB\xBF");
    assert_eq!(&bom.stdout[3..], &plain.stdout[..]);
    assert!(!plain.stdout.starts_with(b"\xEF\xBB\xBF"));
    // Into a file too, and for sweeps.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sweep.csv");
    attain()
        .args([
            "sweep",
            &fixture("two-sector.toml"),
            "--set",
            "sectors.industry.growth=2,6",
        ])
        .args(["--paths", "1000", "--format", "csv", "--bom", "-q", "-o"])
        .arg(&file)
        .assert()
        .success();
    assert!(
        std::fs::read(&file)
            .unwrap()
            .starts_with(b"\xEF\xBB\xBFsectors.industry.growth,")
    );
    // Without --format csv it is a mistake, not ignored.
    let out = attain().args(run).args(["--bom"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bom"));
}
