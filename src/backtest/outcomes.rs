//! Reading the outcomes CSV (`target`, `year`, `value`, ...).

use std::collections::HashMap;

use super::*;
use crate::calibrate::leading_number;
use crate::error::{Error, Result};

/// Read an outcomes CSV: columns `target`, `year`, `value` and optionally `judged` (any order,
/// case-insensitive; other columns ignored). A value may carry an annotation after the number
/// (`6.9 (preliminary)`); an empty value or one saying "not found" skips the row.
///
/// # Errors
/// `Argument` (exit code 2) for a missing column, a year that is not an integer, a value or
/// judged value that is not a number, or two rows for the same target and year.
pub fn parse_outcomes(text: &str, origin: &str) -> Result<Outcomes> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::argument(ARG, format!("{origin}: cannot read the header: {e}")))?
        .clone();
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(c_target), Some(c_year), Some(c_value)) =
        (find("target"), find("year"), find("value"))
    else {
        return Err(Error::argument(
            ARG,
            format!(
                "{origin}: needs the columns target, year and value; the header is {:?}",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let c_judged = find("judged");
    let mut out = Outcomes::default();
    let mut seen: HashMap<(String, i32), usize> = HashMap::new();
    for (k, record) in reader.records().enumerate() {
        let record = record
            .map_err(|e| Error::argument(ARG, format!("{origin}: cannot read the CSV: {e}")))?;
        let line = record.position().map_or(k + 2, |p| p.line() as usize);
        let bad = |what: String| Error::argument(ARG, format!("{origin}: line {line}: {what}"));
        let target = record.get(c_target).unwrap_or("");
        let year = record.get(c_year).unwrap_or("");
        let value = record.get(c_value).unwrap_or("");
        if target.is_empty() {
            return Err(bad("the target is empty".into()));
        }
        let year: i32 = year
            .parse()
            .map_err(|_| bad(format!("the year {year:?} is not an integer")))?;
        if value.is_empty() || value.to_lowercase().contains("not found") {
            out.no_value += 1;
            continue;
        }
        let value = leading_number(value)
            .ok_or_else(|| bad(format!("the value {value:?} is not a number")))?;
        let judged = match c_judged.and_then(|c| record.get(c)).unwrap_or("") {
            "" => None,
            j => Some(
                leading_number(j)
                    .ok_or_else(|| bad(format!("the judged value {j:?} is not a number")))?,
            ),
        };
        if let Some(first) = seen.insert((target.to_string(), year), line) {
            return Err(bad(format!(
                "a second row for target {target} in {year} (the first is on line {first})"
            )));
        }
        out.rows.push(Outcome {
            target: target.to_string(),
            year,
            value,
            judged,
            line,
        });
    }
    Ok(out)
}
