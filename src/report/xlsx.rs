//! Excel workbooks (`--format xlsx`): the same numbers as the JSON output, as
//! numbers (probabilities stored as fractions and shown as percentages), in
//! sheets a spreadsheet user can sort and chart.
//!
//! Every workbook ends with a `Run` sheet (what was simulated and how: seed,
//! paths, version, warnings); a workbook about one scenario also has an
//! `Assumptions` sheet (every number of the scenario by its parameter path,
//! with its unit, label and source). The sheets of each command are listed
//! in docs/OUTPUT.md.
//!
//! The bytes are built in memory; like every renderer, nothing here writes a
//! file. Built with the `xlsx` feature (which `cli` enables).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::Value;

use crate::backtest::Backtest;
use crate::error::{Error, Result};
use crate::report::Report;
use crate::scenario::raw::RawScenario;
use crate::study::{SensitivityResult, SweepResult};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// A number.
    Num(f64),
    /// A share in [0, 1], shown as a percentage (stored as the fraction).
    Pct(f64),
    Text(String),
    Bool(bool),
    Blank,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    fn opt_num(x: Option<f64>) -> Cell {
        x.map_or(Cell::Blank, Cell::Num)
    }
    fn opt_pct(x: Option<f64>) -> Cell {
        x.map_or(Cell::Blank, Cell::Pct)
    }
    fn int(n: impl Into<i64>) -> Cell {
        Cell::Num(n.into() as f64)
    }
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

/// A workbook under construction.
struct Book {
    wb: Workbook,
    bold: Format,
    pct: Format,
}

impl Book {
    fn new() -> Book {
        let mut wb = Workbook::new();
        // A fixed creation date: the same run gives the same bytes.
        if let Ok(date) = ExcelDateTime::from_ymd(2000, 1, 1) {
            wb.set_properties(
                &DocProperties::new()
                    .set_creation_datetime(&date)
                    .set_comment("written by attain"),
            );
        }
        Book {
            wb,
            bold: Format::new().set_bold(),
            pct: Format::new().set_num_format("0.0%"),
        }
    }

    /// A sheet with a bold header row (frozen) and one row per record.
    fn table(&mut self, name: &str, header: &[&str], rows: &[Vec<Cell>]) -> Result<()> {
        let (bold, pct) = (self.bold.clone(), self.pct.clone());
        let ws = self.wb.add_worksheet();
        ws.set_name(name).map_err(xlsx_err)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(xlsx_err)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Num(x) if x.is_finite() => {
                        ws.write_number(r, c, *x).map_err(xlsx_err)?;
                    }
                    Cell::Pct(x) if x.is_finite() => {
                        ws.write_number_with_format(r, c, *x, &pct)
                            .map_err(xlsx_err)?;
                    }
                    // Excel has no NaN or infinity: such a value (null in the JSON) is left blank.
                    Cell::Num(_) | Cell::Pct(_) | Cell::Blank => {}
                    Cell::Text(s) if s.is_empty() => {}
                    Cell::Text(s) => {
                        ws.write_string(r, c, s).map_err(xlsx_err)?;
                    }
                    Cell::Bool(b) => {
                        ws.write_boolean(r, c, *b).map_err(xlsx_err)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        ws.set_autofit_max_width(400);
        ws.autofit();
        Ok(())
    }

    /// A two-column sheet of settings: `field`, `value`.
    fn fields(&mut self, name: &str, fields: Vec<(&str, Cell)>) -> Result<()> {
        let rows: Vec<Vec<Cell>> = fields
            .into_iter()
            .map(|(k, v)| vec![Cell::text(k), v])
            .collect();
        self.table(name, &["field", "value"], &rows)
    }

    fn finish(mut self) -> Result<Vec<u8>> {
        self.wb.save_to_buffer().map_err(xlsx_err)
    }
}

/// A CSV renderer's output as a sheet: every column whose values all parse as
/// numbers becomes numbers (exactly: the CSV writes each `f64` in its shortest
/// round-trip form), `true`/`false` become booleans, and the columns `share`
/// accepts are percentages. Columns in `text` stay text whatever they hold.
fn csv_table(
    csv_bytes: &[u8],
    share: &dyn Fn(&str) -> bool,
    text: &[&str],
) -> Result<(Vec<String>, Vec<Vec<Cell>>)> {
    let err = |e: csv::Error| Error::Internal(format!("xlsx from CSV: {e}"));
    let mut rd = csv::Reader::from_reader(csv_bytes);
    let header: Vec<String> = rd
        .headers()
        .map_err(err)?
        .iter()
        .map(str::to_string)
        .collect();
    let records: Vec<csv::StringRecord> = rd
        .records()
        .collect::<std::result::Result<_, _>>()
        .map_err(err)?;
    let numeric: Vec<bool> = (0..header.len())
        .map(|c| {
            !text.contains(&header[c].as_str())
                && records.iter().all(|r| {
                    let v = r.get(c).unwrap_or("");
                    v.is_empty() || v.parse::<f64>().is_ok()
                })
        })
        .collect();
    let rows = records
        .iter()
        .map(|r| {
            (0..header.len())
                .map(|c| {
                    let v = r.get(c).unwrap_or("");
                    match (v, numeric[c]) {
                        ("", _) => Cell::Blank,
                        ("true", _) if !numeric[c] => Cell::Bool(true),
                        ("false", _) if !numeric[c] => Cell::Bool(false),
                        (v, true) => {
                            let x: f64 = v.parse().unwrap_or(f64::NAN);
                            if share(&header[c]) {
                                Cell::Pct(x)
                            } else {
                                Cell::Num(x)
                            }
                        }
                        (v, false) => Cell::text(v),
                    }
                })
                .collect()
        })
        .collect();
    Ok((header, rows))
}

/// Columns holding a probability or a share of paths.
fn is_share(column: &str) -> bool {
    column.starts_with("probability")
        || column.starts_with("ci95")
        || column == "std_error"
        || column.ends_with("_share")
}

/// Text columns of the renderers' CSV outputs (never turned into numbers).
const TEXT_COLUMNS: &[&str] = &[
    "id",
    "label",
    "label_zh",
    "indicator",
    "unit",
    "op",
    "relative_to",
    "verdict",
    "target",
    "input",
    "kind",
    "basis",
];

/// The `Assumptions` sheet: every number of the scenario by its parameter
/// path (as `attain params` lists them), with its unit, the label and the
/// source of the sector, shock, event, indicator or target it belongs to.
/// Paths in `swept` are marked (a sweep moves them).
fn assumptions(book: &mut Book, raw: &RawScenario, swept: &[String]) -> Result<()> {
    let tree = serde_json::to_value(raw).unwrap_or(Value::Null);
    let mut rows = vec![];
    for p in crate::study::params::list(raw) {
        let (label, source) = owner(&tree, &p.path);
        let mut row = vec![
            Cell::text(&p.path),
            Cell::Num(p.value),
            Cell::text(&p.unit),
            Cell::text(label),
            Cell::text(source),
        ];
        if !swept.is_empty() {
            row.push(Cell::Bool(swept.contains(&p.path)));
        }
        rows.push(row);
    }
    let mut header = vec!["parameter", "value", "unit", "label", "source"];
    if !swept.is_empty() {
        header.push("swept");
    }
    book.table("Assumptions", &header, &rows)
}

/// The label and source of what a parameter path belongs to: `sectors.ID.x`
/// to the sector `ID`, `scenario.x` to the scenario header, and so on.
fn owner(tree: &Value, path: &str) -> (String, String) {
    let mut parts = path.split('.');
    let section = parts.next().unwrap_or("");
    let node = match tree.get(section) {
        Some(Value::Array(items)) => {
            let id = parts.next().unwrap_or("");
            items
                .iter()
                .find(|i| i.get("id").and_then(Value::as_str) == Some(id))
        }
        Some(v @ Value::Object(_)) => Some(v),
        _ => None,
    };
    let field = |k: &str| {
        node.and_then(|n| n.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let label = match (field("label"), field("label_zh")) {
        (en, zh) if zh.is_empty() => en,
        (en, zh) if en.is_empty() => zh,
        (en, zh) => format!("{zh} {en}"),
    };
    (label, field("source"))
}

/// Warnings as rows of the `Run` sheet.
fn warning_rows(warnings: &[String]) -> Vec<(&'static str, Cell)> {
    warnings
        .iter()
        .map(|w| ("warning", Cell::text(w)))
        .collect()
}

/// A run's workbook: `Results` (one row per target, the CSV output's
/// columns), `Joint`, `Drivers` (event-conditional probabilities),
/// `Assumptions` (when the scenario is given: `attain merge` has only the
/// parts' summaries) and `Run`.
///
/// # Errors
/// Only if the workbook cannot be assembled (an internal failure).
pub fn run_workbook(report: &Report, raw: Option<&RawScenario>, origin: &str) -> Result<Vec<u8>> {
    let mut book = Book::new();
    let (header, rows) = csv_table(&report.render(crate::Format::Csv)?, &is_share, TEXT_COLUMNS)?;
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    book.table("Results", &header, &rows)?;

    let j = &report.joint;
    book.table(
        "Joint",
        &["targets", "probability", "ci95_low", "ci95_high", "of"],
        &[
            vec![
                Cell::text("every headline target"),
                Cell::Pct(j.probability),
                Cell::Pct(j.ci95[0]),
                Cell::Pct(j.ci95[1]),
                Cell::text(j.targets.join(", ")),
            ],
            vec![
                Cell::text("every target"),
                Cell::Pct(j.all_probability),
                Cell::Blank,
                Cell::Blank,
                Cell::text(
                    report
                        .targets
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
        ],
    )?;

    let drivers: Vec<Vec<Cell>> = report
        .drivers
        .iter()
        .map(|d| {
            vec![
                Cell::text(&d.target),
                Cell::text(&d.event),
                Cell::Pct(d.event_share),
                Cell::opt_pct(d.probability_with),
                Cell::opt_pct(d.probability_without),
            ]
        })
        .collect();
    book.table(
        "Drivers",
        &[
            "target",
            "event",
            "event_share",
            "probability_with",
            "probability_without",
        ],
        &drivers,
    )?;

    if let Some(raw) = raw {
        assumptions(&mut book, raw, &[])?;
    }

    let s = &report.scenario;
    let r = &report.run;
    let mut fields = vec![
        ("scenario", Cell::text(&s.name)),
        ("origin", Cell::text(origin)),
        ("region", Cell::text(&s.region)),
        (
            "region_zh",
            Cell::text(s.region_zh.clone().unwrap_or_default()),
        ),
        ("base_year", Cell::int(s.base_year)),
        ("horizon", Cell::Num(s.horizon as f64)),
        ("paths", Cell::Num(r.paths as f64)),
        ("seed", Cell::text(r.seed.to_string())),
        ("draws_per_path", Cell::Num(r.draws_per_path as f64)),
        ("block_size", Cell::Num(r.block_size as f64)),
        ("rng", Cell::text(&r.rng)),
        ("threads", Cell::Num(r.threads as f64)),
        ("elapsed_s", Cell::Num(r.elapsed_s)),
        ("version", Cell::text(&r.version)),
    ];
    if let Some(o) = &s.observed {
        fields.push(("observed_quarters", Cell::Num(o.quarters as f64)));
    }
    if let Some(p) = &r.precision {
        fields.push(("precision_goal", Cell::Pct(p.goal)));
        fields.push(("precision_achieved", Cell::Pct(p.achieved)));
        fields.push(("precision_reached", Cell::Bool(p.reached)));
        fields.push(("max_paths", Cell::Num(p.max_paths as f64)));
    }
    fields.extend(warning_rows(&report.warnings));
    book.fields("Run", fields)?;
    book.finish()
}

/// A sweep's workbook: `Results` (the CSV output: the swept parameters, then
/// one row per grid point and target), `Assumptions` (the base scenario, the
/// swept paths marked) and `Run`.
///
/// # Errors
/// Only if the workbook cannot be assembled.
pub fn sweep_workbook(result: &SweepResult, raw: &RawScenario) -> Result<Vec<u8>> {
    let mut book = Book::new();
    let swept = &result.parameters;
    let share = |c: &str| !swept.iter().any(|p| p == c) && is_share(c);
    let (header, rows) = csv_table(&result.csv()?, &share, TEXT_COLUMNS)?;
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    book.table("Results", &header, &rows)?;
    assumptions(&mut book, raw, swept)?;
    let mut fields = vec![
        ("scenario", Cell::text(&result.scenario)),
        ("origin", Cell::text(&result.origin)),
        ("parameters", Cell::text(swept.join(", "))),
        ("points", Cell::Num(result.points as f64)),
        ("paths", Cell::Num(result.paths as f64)),
        ("seed", Cell::text(result.seed.to_string())),
        ("threads", Cell::Num(result.threads as f64)),
        ("elapsed_s", Cell::Num(result.elapsed_s)),
        ("prepare_s", Cell::Num(result.prepare_s)),
        ("version", Cell::text(env!("CARGO_PKG_VERSION"))),
    ];
    fields.extend(warning_rows(&result.warnings));
    book.fields("Run", fields)?;
    book.finish()
}

/// A sensitivity analysis's workbook: `Tornado` (the CSV output: one row per
/// target and input), `Conditional` (each event's conditional probabilities
/// in the baseline run), `Assumptions` and `Run`.
///
/// # Errors
/// Only if the workbook cannot be assembled.
pub fn sensitivity_workbook(result: &SensitivityResult, raw: &RawScenario) -> Result<Vec<u8>> {
    let mut book = Book::new();
    let share = |c: &str| is_share(c) || c == "baseline" || c == "swing";
    let (header, rows) = csv_table(&result.csv()?, &share, TEXT_COLUMNS)?;
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    book.table("Tornado", &header, &rows)?;
    let mut cond = vec![];
    for t in &result.targets {
        for c in &t.conditional {
            cond.push(vec![
                Cell::text(&t.id),
                Cell::text(&c.event),
                Cell::Pct(c.event_share),
                Cell::opt_pct(c.probability_with),
                Cell::opt_pct(c.probability_without),
            ]);
        }
    }
    book.table(
        "Conditional",
        &[
            "target",
            "event",
            "event_share",
            "probability_with",
            "probability_without",
        ],
        &cond,
    )?;
    assumptions(&mut book, raw, &[])?;
    let mut fields = vec![
        ("scenario", Cell::text(&result.scenario)),
        ("paths", Cell::Num(result.paths as f64)),
        ("seed", Cell::text(result.seed.to_string())),
        ("runs", Cell::Num(result.runs as f64)),
        ("threads", Cell::Num(result.threads as f64)),
        ("elapsed_s", Cell::Num(result.elapsed_s)),
        ("method", Cell::text(&result.method)),
        ("version", Cell::text(env!("CARGO_PKG_VERSION"))),
    ];
    fields.extend(result.skipped.iter().map(|s| ("skipped", Cell::text(s))));
    fields.extend(warning_rows(&result.warnings));
    book.fields("Run", fields)?;
    book.finish()
}

/// A backtest's workbook: `Cases` (one row per scored outcome), `Scores`
/// (the model and the naive forecasters), `Coverage`, `Reliability`,
/// `By target`, `Unscored` and `Run`.
///
/// # Errors
/// Only if the workbook cannot be assembled.
pub fn backtest_workbook(result: &Backtest) -> Result<Vec<u8>> {
    let mut book = Book::new();
    let pair =
        |p: Option<(f64, f64)>| (Cell::opt_num(p.map(|x| x.0)), Cell::opt_num(p.map(|x| x.1)));
    let cases: Vec<Vec<Cell>> = result
        .cases
        .iter()
        .map(|c| {
            let (l50, h50) = pair(c.interval50);
            let (l90, h90) = pair(c.interval90);
            let opt_bool = |b: Option<bool>| b.map_or(Cell::Blank, Cell::Bool);
            vec![
                Cell::text(&c.scenario),
                Cell::text(&c.target),
                Cell::text(&c.label),
                Cell::int(c.year),
                Cell::text(&c.condition),
                Cell::Pct(c.probability),
                Cell::Num(c.paths as f64),
                Cell::Num(c.value),
                Cell::Num(c.judged),
                Cell::Bool(c.met),
                Cell::Num(c.brier),
                Cell::Num(c.log_score),
                Cell::opt_num(c.pit),
                l50,
                h50,
                l90,
                h90,
                opt_bool(c.in50),
                opt_bool(c.in90),
            ]
        })
        .collect();
    book.table(
        "Cases",
        &[
            "scenario",
            "target",
            "label",
            "year",
            "condition",
            "probability",
            "paths",
            "value",
            "judged",
            "met",
            "brier",
            "log_score",
            "pit",
            "interval50_low",
            "interval50_high",
            "interval90_low",
            "interval90_high",
            "in50",
            "in90",
        ],
        &cases,
    )?;
    let s = &result.summary;
    let scores: Vec<Vec<Cell>> = s
        .scores
        .iter()
        .map(|x| {
            vec![
                Cell::text(&x.forecaster),
                Cell::Num(x.brier),
                Cell::Num(x.log_score),
            ]
        })
        .collect();
    book.table("Scores", &["forecaster", "brier", "log_score"], &scores)?;
    let coverage: Vec<Vec<Cell>> = [&s.coverage50, &s.coverage90]
        .iter()
        .map(|c| {
            vec![
                Cell::Pct(c.nominal),
                Cell::Num(c.inside as f64),
                Cell::Num(c.cases as f64),
                Cell::opt_pct(c.rate),
                Cell::Pct(c.ci95.0),
                Cell::Pct(c.ci95.1),
            ]
        })
        .collect();
    book.table(
        "Coverage",
        &[
            "nominal",
            "inside",
            "cases",
            "rate",
            "ci95_low",
            "ci95_high",
        ],
        &coverage,
    )?;
    let bins: Vec<Vec<Cell>> = s
        .reliability
        .iter()
        .map(|b| {
            vec![
                Cell::Pct(b.lo),
                Cell::Pct(b.hi),
                Cell::Num(b.cases as f64),
                Cell::Pct(b.mean_probability),
                Cell::Pct(b.observed),
                Cell::Pct(b.ci95.0),
                Cell::Pct(b.ci95.1),
            ]
        })
        .collect();
    book.table(
        "Reliability",
        &[
            "lo",
            "hi",
            "cases",
            "mean_probability",
            "observed",
            "ci95_low",
            "ci95_high",
        ],
        &bins,
    )?;
    let by: Vec<Vec<Cell>> = s
        .by_target
        .iter()
        .map(|t| {
            vec![
                Cell::text(&t.target),
                Cell::Num(t.cases as f64),
                Cell::Num(t.met as f64),
                Cell::Pct(t.mean_probability),
                Cell::Num(t.brier),
                Cell::Num(t.log_score),
                Cell::opt_num(t.mean_pit),
                Cell::Num(t.in50 as f64),
                Cell::Num(t.in90 as f64),
            ]
        })
        .collect();
    book.table(
        "By target",
        &[
            "target",
            "cases",
            "met",
            "mean_probability",
            "brier",
            "log_score",
            "mean_pit",
            "in50",
            "in90",
        ],
        &by,
    )?;
    let unscored: Vec<Vec<Cell>> = result
        .unscored
        .iter()
        .map(|u| {
            vec![
                Cell::text(&u.scenario),
                Cell::text(&u.target),
                Cell::int(u.year),
                Cell::text(&u.reason),
            ]
        })
        .collect();
    book.table(
        "Unscored",
        &["scenario", "target", "year", "reason"],
        &unscored,
    )?;
    let mut fields = vec![
        ("cases", Cell::Num(s.cases as f64)),
        ("met", Cell::Num(s.met as f64)),
        ("brier_skill_vs_half", Cell::opt_num(s.brier_skill_vs_half)),
        ("pit_cases", Cell::Num(s.pit.cases as f64)),
        ("pit_mean", Cell::opt_num(s.pit.mean)),
        ("pit_ks_d", Cell::opt_num(s.pit.ks_d)),
        ("pit_ks_p", Cell::opt_num(s.pit.ks_p)),
        (
            "pit_deciles",
            Cell::text(
                s.pit
                    .deciles
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
        (
            "rows_without_value",
            Cell::Num(result.rows_without_value as f64),
        ),
        (
            "seed",
            result
                .seed
                .map_or(Cell::Blank, |x| Cell::text(x.to_string())),
        ),
        ("version", Cell::text(env!("CARGO_PKG_VERSION"))),
    ];
    fields.extend(
        result
            .unmatched
            .iter()
            .map(|(t, y)| ("unmatched outcome", Cell::text(format!("{t} {y}")))),
    );
    book.fields("Run", fields)?;
    book.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_become_numbers_shares_and_text() {
        let csv = b"id,year,probability,label,headline\na,2022,0.25,7,true\nb,2023,0.5,x,false\n";
        let (h, rows) = csv_table(csv, &is_share, TEXT_COLUMNS).unwrap();
        assert_eq!(h, ["id", "year", "probability", "label", "headline"]);
        assert_eq!(
            rows[0],
            vec![
                Cell::text("a"),
                Cell::Num(2022.0),
                Cell::Pct(0.25),
                Cell::text("7"),
                Cell::Bool(true)
            ]
        );
        assert_eq!(rows[1][4], Cell::Bool(false));
    }

    #[test]
    fn owners_of_paths() {
        let tree = serde_json::json!({
            "scenario": {"source": "report"},
            "sectors": [{"id": "a", "label": "A", "label_zh": "甲", "source": "yearbook"}],
        });
        assert_eq!(
            owner(&tree, "sectors.a.growth"),
            ("甲 A".into(), "yearbook".into())
        );
        assert_eq!(
            owner(&tree, "scenario.horizon"),
            (String::new(), "report".into())
        );
        assert_eq!(
            owner(&tree, "sectors.b.growth"),
            (String::new(), String::new())
        );
    }
}
