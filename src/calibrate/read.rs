//! Reading the history CSV: cells, the rate-or-level rule, and estimating
//! every series of the file ([`calibrate`]).

use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::error::{Error, Result};

/// The leading number of a cell: `6.9 (preliminary)` -> 6.9, `33000+` -> 33000,
/// `3 (estimate: above 3%)` -> 3. The number must be followed by nothing, white space, `(`,
/// `+` or `%`, and not (after white space) by a digit or `/ : - – — ~ ,` (a list or a range), so
/// `12.2:51.5:36.3`, `6.2 / 6.7 / 6.9`, `6.5-7` and `about 200000` are not numbers. A leading `−` (U+2212)
/// counts as a minus sign. Non-finite results are rejected.
pub fn leading_number(cell: &str) -> Option<f64> {
    let s = cell.trim().replace('\u{2212}', "-");
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > start {
            i = j;
        }
    }
    let rest = &s[i..];
    let ok = rest.is_empty()
        || rest.starts_with(|c: char| c.is_whitespace() || matches!(c, '(' | '（' | '+' | '%'));
    // A list or a range ("6.2 / 6.7 / 6.9", "6.5 - 7") is not one number.
    let after = rest.trim_start();
    let list = after.starts_with(|c: char| {
        c.is_ascii_digit() || matches!(c, '/' | ':' | '-' | '–' | '—' | '~' | '～' | ',')
    });
    if !ok || list {
        return None;
    }
    s[..i].parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Whether a value cell says there is no value.
pub(super) fn is_no_value(cell: &str) -> bool {
    let t = cell.trim();
    t.is_empty() || t.to_lowercase().contains("not found")
}

/// The rate-or-level rule (docs/CALIBRATION.md): a unit of `%`, `percent`, `pct` or `pp`
/// means a rate; any other non-empty unit a level; without a unit, a name containing
/// `growth` or `rate` means a rate, anything else a level.
pub fn classify(name: &str, unit: &str) -> SeriesKind {
    let u = unit.trim().to_lowercase();
    if matches!(u.as_str(), "%" | "percent" | "pct" | "pp") {
        return SeriesKind::Rate;
    }
    if !u.is_empty() {
        return SeriesKind::Level;
    }
    let n = name.to_lowercase();
    if n.contains("growth") || n.contains("rate") {
        SeriesKind::Rate
    } else {
        SeriesKind::Level
    }
}

/// An id safe for a scenario: every character other than ASCII letters, digits and `_`
/// becomes `_`.
pub(super) fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.chars().all(|c| c == '_') {
        String::new()
    } else {
        s
    }
}

pub(super) struct Row {
    line: usize,
    year: i32,
    value_cell: String,
    unit: String,
}

/// Estimate every series of a long-format history CSV.
///
/// # Errors
/// `Argument` (exit code 2) when the CSV cannot be read, lacks a `year`, `series`/`indicator`
/// or `value` column, `--from` is after `--to`, or no row in the years has a numeric value.
pub fn calibrate(text: &str, options: &Options) -> Result<Calibration> {
    if let (Some(f), Some(t)) = (options.from, options.to) {
        if f > t {
            return Err(Error::argument("from", format!("{f} is after --to {t}")));
        }
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            Error::argument(
                ARG,
                format!("{}: cannot read the header: {e}", options.origin),
            )
        })?
        .clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let (Some(c_year), Some(c_series), Some(c_value)) = (
        find(&["year"]),
        find(&["series", "indicator"]),
        find(&["value"]),
    ) else {
        return Err(Error::argument(
            ARG,
            format!(
                "{}: needs the columns year, series (or indicator) and value; the header is {:?}",
                options.origin,
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let c_unit = find(&["unit"]);

    let mut total = Skips::default();
    let mut order: Vec<String> = vec![];
    let mut by_series: HashMap<String, (Vec<Row>, Skips)> = HashMap::new();
    let mut rows = 0;
    for (k, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            Error::argument(ARG, format!("{}: cannot read the CSV: {e}", options.origin))
        })?;
        rows += 1;
        let line = record.position().map_or(k + 2, |p| p.line() as usize);
        let (Some(year), Some(series), Some(value)) = (
            record.get(c_year),
            record.get(c_series),
            record.get(c_value),
        ) else {
            total.malformed += 1;
            continue;
        };
        if series.is_empty() {
            total.malformed += 1;
            continue;
        }
        let entry = by_series.entry(series.to_string()).or_insert_with(|| {
            order.push(series.to_string());
            (vec![], Skips::default())
        });
        let Ok(year) = year.parse::<i32>() else {
            entry.1.bad_year += 1;
            continue;
        };
        if options.from.is_some_and(|f| year < f) || options.to.is_some_and(|t| year > t) {
            entry.1.outside_years += 1;
            continue;
        }
        entry.0.push(Row {
            line,
            year,
            value_cell: value.to_string(),
            unit: c_unit.and_then(|c| record.get(c)).unwrap_or("").to_string(),
        });
    }

    let mut used_ids: Vec<String> = vec![];
    let mut series = vec![];
    for (k, name) in order.iter().enumerate() {
        let (rows_in, mut skips) = by_series.remove(name).unwrap_or_default();
        let n_rows = rows_in.len() + skips.total();
        let first_unit = rows_in.first().map(|r| r.unit.clone()).unwrap_or_default();
        // Parse values.
        let mut parsed: Vec<(usize, i32, f64, String)> = vec![];
        for r in rows_in {
            if is_no_value(&r.value_cell) {
                skips.no_value += 1;
            } else if let Some(v) = leading_number(&r.value_cell) {
                parsed.push((r.line, r.year, v, r.unit));
            } else {
                skips.not_numeric += 1;
            }
        }
        // Main unit: the most frequent among numeric rows (ties: first seen).
        let mut unit_counts: Vec<(String, usize)> = vec![];
        for (_, _, _, u) in &parsed {
            match unit_counts.iter_mut().find(|(x, _)| x == u) {
                Some(c) => c.1 += 1,
                None => unit_counts.push((u.clone(), 1)),
            }
        }
        let unit = unit_counts
            .iter()
            .fold(None::<&(String, usize)>, |best, c| match best {
                Some(b) if b.1 >= c.1 => Some(b),
                _ => Some(c),
            })
            .map(|c| c.0.clone())
            .unwrap_or(first_unit);
        let kind = classify(name, &unit);
        // One value per year: the later row (in file order) supersedes.
        let mut by_year: BTreeMap<i32, f64> = BTreeMap::new();
        parsed.sort_by_key(|p| p.0);
        for (_, year, v, u) in parsed {
            if u != unit {
                skips.other_unit += 1;
                continue;
            }
            if kind == SeriesKind::Level && v <= 0.0 {
                skips.nonpositive_level += 1;
                continue;
            }
            if by_year.insert(year, v).is_some() {
                skips.superseded += 1;
            }
        }
        let values: Vec<(i32, f64)> = by_year.into_iter().collect();
        let observations: Vec<(i32, f64)> = match kind {
            SeriesKind::Rate => values.clone(),
            SeriesKind::Level => values
                .windows(2)
                .filter(|w| w[1].0 == w[0].0 + 1)
                .map(|w| (w[1].0, 100.0 * (w[1].1 / w[0].1).ln()))
                .filter(|(_, g)| g.is_finite())
                .collect(),
        };
        let mut id = sanitize(name);
        if id.is_empty() {
            id = format!("series_{}", k + 1);
        }
        let base = id.clone();
        let mut suffix = 2;
        while used_ids.contains(&id) {
            id = format!("{base}_{suffix}");
            suffix += 1;
        }
        used_ids.push(id.clone());
        let (mean, sd, ar1) = estimates(&observations);
        total.add(&skips);
        series.push(SeriesEstimate {
            name: name.clone(),
            id,
            kind,
            unit,
            rows: n_rows,
            skips,
            values,
            observations,
            mean,
            sd,
            ar1,
        });
    }
    if series.iter().all(|s| s.values.is_empty()) {
        let years = match (options.from, options.to) {
            (None, None) => String::new(),
            (f, t) => format!(
                " between {} and {}",
                f.map_or("the first year".into(), |y| y.to_string()),
                t.map_or("the last year".into(), |y| y.to_string())
            ),
        };
        return Err(Error::argument(
            ARG,
            format!(
                "{}: no row{years} has a numeric value ({rows} data rows; skipped: {})",
                options.origin,
                if total.total() == 0 {
                    "none".to_string()
                } else {
                    total.describe()
                }
            ),
        ));
    }
    let correlation = correlation(&series);
    Ok(Calibration {
        origin: options.origin.clone(),
        from: options.from,
        to: options.to,
        rows,
        skips: total,
        has_unit: c_unit.is_some(),
        series,
        correlation,
    })
}
