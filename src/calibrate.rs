//! Calibration from history: mean growth, volatility, persistence and the
//! correlation of several annual series, estimated from a long-format CSV
//! (`year`, `series` or `indicator`, `value`, optional `unit`), rendered as a
//! TOML fragment a scenario can paste.
//!
//! Pure: text in, structs and text out. The method (formulas, standard errors,
//! shrinkage) is documented in `docs/CALIBRATION.md`; keep the two in step.
//!
//! ```
//! let csv = "year,series,value,unit\n2019,g,3.0,%\n2020,g,2.4,%\n2021,g,6.6,%\n2018,g,4.5,%\n";
//! let cal = attain::calibrate::calibrate(csv, &attain::calibrate::Options::default()).unwrap();
//! assert_eq!(cal.series[0].n(), 4);
//! let fragment = cal.fragment();
//! assert!(fragment.parse::<toml::Table>().is_ok());
//! ```

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::report::format::decimals_321;
use crate::error::{Error, Result};

/// Name used in argument errors for the history file.
const ARG: &str = "HISTORY";

/// Smallest eigenvalue the shrunk correlation matrix is given (positive definite with a margin
/// that survives rounding the entries to 4 decimals).
pub const MIN_EIGENVALUE: f64 = 0.01;

/// Fewest values (of the transformed series) for a standard deviation, a suggestion and a place
/// in the correlation matrix; also the fewest common years for a pairwise correlation and the
/// fewest consecutive-year pairs for the AR(1) slope.
pub const MIN_VALUES: usize = 3;

/// Fewest common years for which the standard error of a correlation is printed.
pub const MIN_YEARS_FOR_SE: usize = 10;

/// Largest persistence suggested (the model requires persistence < 1).
pub const MAX_PERSISTENCE: f64 = 0.95;

/// What to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// First year used (inclusive); all years when `None`.
    pub from: Option<i32>,
    /// Last year used (inclusive); all years when `None`. Ex ante, the base year of the scenario.
    pub to: Option<i32>,
    /// Name of the input, for the comments of the fragment (a file name).
    pub origin: String,
}

/// How a series' values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// Values are used as given (growth rates in percent, shares, prices changes).
    Rate,
    /// Values are levels; the statistics are of the annual log growth in percent,
    /// `100 ln(x_t / x_{t-1})`, over consecutive years.
    Level,
}

/// Rows that were not used, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skips {
    /// Empty value, or a value that says "not found".
    pub no_value: usize,
    /// A value that does not start with a number (`about 200000`, `12.2:51.5:36.3`).
    pub not_numeric: usize,
    /// A year that is not an integer.
    pub bad_year: usize,
    /// A year outside `--from` / `--to`.
    pub outside_years: usize,
    /// An earlier row for the same series and year (the later row wins).
    pub superseded: usize,
    /// A unit other than the series' main unit (the most frequent among its numeric rows).
    pub other_unit: usize,
    /// A level that is zero or negative (its log growth is undefined).
    pub nonpositive_level: usize,
    /// A row without a series name or with missing columns.
    pub malformed: usize,
}

impl Skips {
    /// Rows skipped in all.
    pub fn total(&self) -> usize {
        self.no_value
            + self.not_numeric
            + self.bad_year
            + self.outside_years
            + self.superseded
            + self.other_unit
            + self.nonpositive_level
            + self.malformed
    }

    fn add(&mut self, o: &Skips) {
        self.no_value += o.no_value;
        self.not_numeric += o.not_numeric;
        self.bad_year += o.bad_year;
        self.outside_years += o.outside_years;
        self.superseded += o.superseded;
        self.other_unit += o.other_unit;
        self.nonpositive_level += o.nonpositive_level;
        self.malformed += o.malformed;
    }

    /// `3 "not found" or empty, 1 not a number, ...`; empty when nothing was skipped.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.no_value, "empty or \"not found\""),
            (self.not_numeric, "not a number"),
            (self.bad_year, "year not an integer"),
            (self.outside_years, "outside the years"),
            (
                self.superseded,
                "superseded by a later row for the same year",
            ),
            (
                self.other_unit,
                "in another unit than the series' main unit",
            ),
            (self.nonpositive_level, "level not positive"),
            (self.malformed, "malformed row"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        parts.join(", ")
    }
}

/// An estimate with its standard error (`None` when it cannot be computed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Its standard error.
    pub se: Option<f64>,
}

/// First-order persistence: OLS of `x_t` on `x_{t-1}` over consecutive years.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ar1 {
    /// Slope `phi`.
    pub phi: f64,
    /// OLS standard error of the slope.
    pub se: f64,
    /// Intercept `c` (`x_t = c + phi x_{t-1} + e_t`).
    pub intercept: f64,
    /// Residual standard deviation (RSS / (m - 2)).
    pub resid_sd: f64,
    /// Consecutive-year pairs used.
    pub pairs: usize,
}

/// One series and its estimates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesEstimate {
    /// Name as written in the file.
    pub name: String,
    /// Identifier safe for a scenario (ASCII letters, digits, `_`), unique.
    pub id: String,
    /// Rate or level.
    pub kind: SeriesKind,
    /// Main unit (empty when the file has no unit column).
    pub unit: String,
    /// Rows of this series in the file.
    pub rows: usize,
    /// Rows not used, by reason.
    pub skips: Skips,
    /// The values kept, by year (levels for a level series).
    pub values: Vec<(i32, f64)>,
    /// The series analysed, by year: the values for a rate, the log growth (percent) for a level.
    pub observations: Vec<(i32, f64)>,
    /// Mean of the observations.
    pub mean: Option<Estimate>,
    /// Sample standard deviation (n - 1) of the observations.
    pub sd: Option<Estimate>,
    /// AR(1) on consecutive years.
    pub ar1: Option<Ar1>,
}

impl SeriesEstimate {
    /// Number of observations analysed.
    pub fn n(&self) -> usize {
        self.observations.len()
    }

    /// Whether the series has enough data for suggestions and the correlation matrix.
    pub fn usable(&self) -> bool {
        self.n() >= MIN_VALUES
            && self
                .sd
                .is_some_and(|s| s.value.is_finite() && s.value > 0.0)
            && self.mean.is_some_and(|m| m.value.is_finite())
    }

    /// Suggested `growth` of a sector (percent a year): the mean for a rate, the growth of the
    /// geometric mean `100 (exp(m/100) - 1)` for a level.
    pub fn suggested_growth(&self) -> Option<f64> {
        let m = self.mean?.value;
        Some(match self.kind {
            SeriesKind::Rate => m,
            SeriesKind::Level => 100.0 * ((m / 100.0).exp() - 1.0),
        })
    }

    /// Suggested `volatility` (percentage points): the sd, times `1 + g/100` for a level
    /// (first-order conversion of log growth to percent growth).
    pub fn suggested_volatility(&self) -> Option<f64> {
        let s = self.sd?.value;
        Some(match self.kind {
            SeriesKind::Rate => s,
            SeriesKind::Level => s * (1.0 + self.suggested_growth()? / 100.0),
        })
    }

    /// Suggested quarterly `persistence` of a sector: the quarterly AR(1) coefficient whose
    /// steady-state annual lag-1 autocorrelation equals the estimated annual slope.
    pub fn suggested_persistence(&self) -> Option<f64> {
        Some(quarterly_persistence(self.ar1?.phi))
    }
}

/// Pairwise-complete correlations and their shrunk, positive definite version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlation {
    /// Shock ids (`{series id}_shock`), in matrix order.
    pub ids: Vec<String>,
    /// Series names, same order.
    pub names: Vec<String>,
    /// Pearson correlation over the common years; `None` with fewer than 3 common years or a
    /// series constant over them (then 0 is used).
    pub raw: Vec<Vec<Option<f64>>>,
    /// Common years of each pair.
    pub common: Vec<Vec<usize>>,
    /// Standard error of each raw correlation, `(1 - r^2) / sqrt(n - 1)` times the AR(1)
    /// inflation `sqrt((1 + phi_i phi_j) / (1 - phi_i phi_j))` (slopes clipped to +-0.95).
    pub se: Vec<Vec<Option<f64>>>,
    /// Intensity estimated from the data (Schafer-Strimmer form of Ledoit-Wolf).
    pub lambda_estimated: f64,
    /// Floor for few years: the intensity if every correlation had its variance under
    /// independence, `1 / (n_ij - 1)`.
    pub lambda_floor: f64,
    /// Intensity used (after the positive-definiteness margin).
    pub lambda: f64,
    /// Smallest eigenvalue of the unshrunk matrix (with 0 for missing pairs).
    pub min_eigen_raw: f64,
    /// Smallest eigenvalue of the written (shrunk, rounded) matrix.
    pub min_eigen: f64,
    /// The written matrix: `(1 - lambda) r_ij` off the diagonal, 1 on it, rounded to 4 decimals.
    pub matrix: Vec<Vec<f64>>,
}

/// Everything estimated from one history file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Name of the input.
    pub origin: String,
    /// `--from`, as given.
    pub from: Option<i32>,
    /// `--to`, as given.
    pub to: Option<i32>,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows not used, by reason (all series).
    pub skips: Skips,
    /// Whether the file has a `unit` column.
    pub has_unit: bool,
    /// The series, in order of first appearance.
    pub series: Vec<SeriesEstimate>,
    /// Correlation of the usable series, when there are at least two.
    pub correlation: Option<Correlation>,
}

impl Calibration {
    /// First and last year of the values used.
    pub fn year_span(&self) -> Option<(i32, i32)> {
        let years: Vec<i32> = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().map(|v| v.0))
            .collect();
        Some((*years.iter().min()?, *years.iter().max()?))
    }

    /// The TOML fragment (see [`fragment`]).
    pub fn fragment(&self) -> String {
        fragment(self)
    }
}

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
fn is_no_value(cell: &str) -> bool {
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
fn sanitize(name: &str) -> String {
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

struct Row {
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

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = if xs.len() > 1 {
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, v.sqrt())
}

/// AR(1) by OLS on consecutive-year pairs; `None` with fewer than 3 pairs or a constant regressor.
pub fn ar1(obs: &[(i32, f64)]) -> Option<Ar1> {
    let pairs: Vec<(f64, f64)> = obs
        .windows(2)
        .filter(|w| w[1].0 == w[0].0 + 1)
        .map(|w| (w[0].1, w[1].1))
        .collect();
    let m = pairs.len();
    if m < MIN_VALUES {
        return None;
    }
    let mf = m as f64;
    let ma = pairs.iter().map(|p| p.0).sum::<f64>() / mf;
    let mb = pairs.iter().map(|p| p.1).sum::<f64>() / mf;
    let sxx: f64 = pairs.iter().map(|p| (p.0 - ma).powi(2)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.0 - ma) * (p.1 - mb)).sum();
    if !(sxx > 1e-12 * (1.0 + ma * ma) * mf) {
        return None;
    }
    let phi = sxy / sxx;
    let c = mb - phi * ma;
    let rss: f64 = pairs.iter().map(|p| (p.1 - c - phi * p.0).powi(2)).sum();
    let s2 = rss / (mf - 2.0);
    let out = Ar1 {
        phi,
        se: (s2 / sxx).sqrt(),
        intercept: c,
        resid_sd: s2.sqrt(),
        pairs: m,
    };
    (out.phi.is_finite() && out.se.is_finite()).then_some(out)
}

/// Mean, sd and AR(1) of a series, with the standard errors of docs/CALIBRATION.md.
fn estimates(obs: &[(i32, f64)]) -> (Option<Estimate>, Option<Estimate>, Option<Ar1>) {
    if obs.is_empty() {
        return (None, None, None);
    }
    let xs: Vec<f64> = obs.iter().map(|o| o.1).collect();
    let n = xs.len() as f64;
    let (m, s) = mean_sd(&xs);
    let ar = ar1(obs);
    let phi = ar.map_or(0.0, |a| a.phi.clamp(-MAX_PERSISTENCE, MAX_PERSISTENCE));
    let phi_pos = phi.max(0.0);
    let mean_se =
        (xs.len() >= 2).then(|| s / n.sqrt() * ((1.0 + phi_pos) / (1.0 - phi_pos)).sqrt());
    let mean = Some(Estimate {
        value: m,
        se: mean_se,
    });
    let sd = (xs.len() >= 2).then(|| Estimate {
        value: s,
        se: (xs.len() >= MIN_VALUES)
            .then(|| s / (2.0 * (n - 1.0)).sqrt() * ((1.0 + phi * phi) / (1.0 - phi * phi)).sqrt()),
    });
    (mean, sd, ar)
}

/// Steady-state lag-1 autocorrelation of annual growth (ratio of annual sums of quarterly
/// levels, to first order) when quarterly log growth deviations are AR(1) with coefficient
/// `rho`: annual growth is `sum_m w_m d_{4y-2+m}` with triangular weights `(1,2,3,4,3,2,1)/4`.
/// 10/44 = 0.227 at `rho` = 0 (time averaging, Working 1960).
pub fn annual_autocorrelation(rho: f64) -> f64 {
    let w = [1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0];
    let gamma = |h: i32| rho.powi(h.abs());
    let mut c0 = 0.0;
    let mut c1 = 0.0;
    for (m, wm) in w.iter().enumerate() {
        for (k, wk) in w.iter().enumerate() {
            let d = k as i32 - m as i32;
            c0 += wm * wk * gamma(d);
            c1 += wm * wk * gamma(4 + d);
        }
    }
    c1 / c0
}

/// The quarterly persistence whose [`annual_autocorrelation`] equals `phi`: 0 when `phi` is at
/// or below the value for 0 (0.227), [`MAX_PERSISTENCE`] when above the value for it.
pub fn quarterly_persistence(phi: f64) -> f64 {
    if !phi.is_finite() || phi <= annual_autocorrelation(0.0) {
        return 0.0;
    }
    if phi >= annual_autocorrelation(MAX_PERSISTENCE) {
        return MAX_PERSISTENCE;
    }
    let (mut lo, mut hi) = (0.0, MAX_PERSISTENCE);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if annual_autocorrelation(mid) < phi {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn min_eigenvalue(m: &[Vec<f64>]) -> f64 {
    let k = m.len();
    if k == 0 {
        return 1.0;
    }
    let mat = nalgebra::DMatrix::from_fn(k, k, |i, j| m[i][j]);
    mat.symmetric_eigenvalues().min()
}

fn round4(x: f64) -> f64 {
    let r = (x * 1e4).round() / 1e4;
    if r == 0.0 { 0.0 } else { r }
}

/// Pairwise-complete correlation of the usable series, shrunk towards the identity.
fn correlation(series: &[SeriesEstimate]) -> Option<Correlation> {
    let used: Vec<&SeriesEstimate> = series.iter().filter(|s| s.usable()).collect();
    let k = used.len();
    if k < 2 {
        return None;
    }
    let maps: Vec<BTreeMap<i32, f64>> = used
        .iter()
        .map(|s| s.observations.iter().copied().collect())
        .collect();
    let mut raw = vec![vec![None; k]; k];
    let mut common = vec![vec![0; k]; k];
    let mut se = vec![vec![None; k]; k];
    let phis: Vec<f64> = used
        .iter()
        .map(|s| {
            s.ar1
                .map_or(0.0, |a| a.phi.clamp(-MAX_PERSISTENCE, MAX_PERSISTENCE))
        })
        .collect();
    let (mut sum_var, mut sum_floor, mut sum_r2) = (0.0, 0.0, 0.0);
    for i in 0..k {
        raw[i][i] = Some(1.0);
        common[i][i] = used[i].n();
        for j in (i + 1)..k {
            let pairs: Vec<(f64, f64)> = maps[i]
                .iter()
                .filter_map(|(y, &x)| maps[j].get(y).map(|&v| (x, v)))
                .collect();
            let n = pairs.len();
            common[i][j] = n;
            common[j][i] = n;
            if n < MIN_VALUES {
                continue;
            }
            let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let (mx, sx) = mean_sd(&xs);
            let (my, sy) = mean_sd(&ys);
            if !(sx > 0.0 && sy > 0.0) {
                continue;
            }
            let w: Vec<f64> = pairs
                .iter()
                .map(|p| (p.0 - mx) / sx * (p.1 - my) / sy)
                .collect();
            let nf = n as f64;
            let wbar = w.iter().sum::<f64>() / nf;
            let r = nf / (nf - 1.0) * wbar;
            if !r.is_finite() {
                continue;
            }
            let r = r.clamp(-1.0, 1.0);
            let var_r = nf / (nf - 1.0).powi(3) * w.iter().map(|x| (x - wbar).powi(2)).sum::<f64>();
            raw[i][j] = Some(r);
            raw[j][i] = Some(r);
            let pp = phis[i] * phis[j];
            let e = (1.0 - r * r) / (nf - 1.0).sqrt() * ((1.0 + pp) / (1.0 - pp)).sqrt();
            se[i][j] = Some(e);
            se[j][i] = Some(e);
            sum_var += var_r;
            sum_floor += 1.0 / (nf - 1.0);
            sum_r2 += r * r;
        }
    }
    let (lambda_estimated, lambda_floor) = if sum_r2 > 0.0 {
        (
            (sum_var / sum_r2).clamp(0.0, 1.0),
            (sum_floor / sum_r2).clamp(0.0, 1.0),
        )
    } else {
        (1.0, 1.0)
    };
    let filled: Vec<Vec<f64>> = raw
        .iter()
        .map(|row| row.iter().map(|r| r.unwrap_or(0.0)).collect())
        .collect();
    let min_eigen_raw = min_eigenvalue(&filled);
    let mut lambda = lambda_estimated.max(lambda_floor);
    // Eigenvalues of (1 - l) R + l I are (1 - l) mu + l: raise l until the smallest is the margin.
    if (1.0 - lambda) * min_eigen_raw + lambda < MIN_EIGENVALUE && min_eigen_raw < 1.0 {
        lambda = ((MIN_EIGENVALUE - min_eigen_raw) / (1.0 - min_eigen_raw)).clamp(0.0, 1.0);
    }
    let shrink = |l: f64| -> Vec<Vec<f64>> {
        (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| {
                        if i == j {
                            1.0
                        } else {
                            round4((1.0 - l) * filled[i][j])
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let mut matrix = shrink(lambda);
    let mut min_eigen = min_eigenvalue(&matrix);
    // Rounding moves eigenvalues by at most k * 5e-5; step up in the rare case it matters.
    while min_eigen < MIN_EIGENVALUE / 2.0 && lambda < 1.0 {
        lambda = (lambda + 0.001).min(1.0);
        matrix = shrink(lambda);
        min_eigen = min_eigenvalue(&matrix);
    }
    Some(Correlation {
        ids: used.iter().map(|s| format!("{}_shock", s.id)).collect(),
        names: used.iter().map(|s| s.name.clone()).collect(),
        raw,
        common,
        se,
        lambda_estimated,
        lambda_floor,
        lambda,
        min_eigen_raw,
        min_eigen,
        matrix,
    })
}

/// A TOML float: like [`decimals_321`] but always with a decimal point.
fn float(x: f64) -> String {
    let s = decimals_321(x);
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// A TOML float written exactly (shortest round-trip form), always with a decimal point.
fn exact(x: f64) -> String {
    let s = format!("{x}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// A TOML basic string, escaped.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Text safe inside a TOML comment (no control characters but tab).
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}

fn se_text(e: &Estimate) -> String {
    match e.se {
        Some(se) => format!("{} (SE {})", decimals_321(e.value), decimals_321(se)),
        None => format!("{} (SE n/a)", decimals_321(e.value)),
    }
}

/// The input and the year flags, as on a command line.
fn invocation(cal: &Calibration) -> String {
    let mut s = cal.origin.clone();
    if let Some(f) = cal.from {
        s += &format!(" --from {f}");
    }
    if let Some(t) = cal.to {
        s += &format!(" --to {t}");
    }
    s
}

/// The TOML fragment: comments with the sample, the method and every estimate with its
/// standard error, commented `[[sectors]]` suggestions, and, when at least two series are
/// usable, `[[shocks]]` (one per usable series) and a `[shock_correlation]` a scenario can
/// paste. It always parses as TOML.
pub fn fragment(cal: &Calibration) -> String {
    let mut o = String::new();
    let mut line = |s: &str| {
        o.push_str(s);
        o.push('\n');
    };
    line("# Calibration from history by `attain calibrate` (method: docs/CALIBRATION.md).");
    line(&format!("# Input: {}", comment(&cal.origin)));
    let span = cal.year_span().map_or("no years".into(), |(a, b)| {
        format!("values from {a} to {b}")
    });
    line(&format!(
        "# Years: --from {} --to {}; {span}.",
        cal.from.map_or("(all)".into(), |y| y.to_string()),
        cal.to.map_or("(all)".into(), |y| y.to_string())
    ));
    let used: usize = cal.series.iter().map(|s| s.values.len()).sum();
    line(&format!(
        "# Rows: {} read, {} values used, {} skipped{}.",
        cal.rows,
        used,
        cal.skips.total(),
        if cal.skips.total() > 0 {
            format!(" ({})", cal.skips.describe())
        } else {
            String::new()
        }
    ));
    line(
        "# Rate series (unit %, or no unit and a name with \"growth\" or \"rate\") are analysed as given;",
    );
    line(
        "# level series by their annual log growth in percent, 100 ln(x_t / x_{t-1}), over consecutive years.",
    );
    line(
        "# SE = standard error of the estimate (how uncertain it is), not the spread of the series.",
    );
    line(
        "# Mean SE: s / sqrt(n) * sqrt((1 + phi) / (1 - phi)) with phi the AR(1) slope clipped to [0, 0.95];",
    );
    line("# sd SE: s / sqrt(2 (n - 1)) * sqrt((1 + phi^2) / (1 - phi^2)); AR(1) SE: OLS.");
    line(
        "# Ex ante: for a scenario judged in year Y, use --to Y-1 so that nothing published later enters.",
    );
    line("# The suggestions are commented out; copy the lines you accept into your scenario.");
    for s in &cal.series {
        line("");
        let kind = match s.kind {
            SeriesKind::Rate => "rate",
            SeriesKind::Level => "level (statistics of its log growth, %)",
        };
        let unit = if s.unit.is_empty() {
            String::new()
        } else {
            format!(", unit {}", s.unit)
        };
        let years = match (s.observations.first(), s.observations.last()) {
            (Some(a), Some(b)) => format!(", {} to {}", a.0, b.0),
            _ => String::new(),
        };
        line(&comment(&format!(
            "# ---- {}: {kind}{unit}; n = {}{years} ----",
            s.name,
            s.n()
        )));
        line(&format!(
            "# rows: {} read, {} values used{}",
            s.rows,
            s.values.len(),
            if s.skips.total() > 0 {
                format!("; skipped: {}", s.skips.describe())
            } else {
                String::new()
            }
        ));
        if s.n() < MIN_VALUES {
            let mean = s
                .mean
                .map_or(String::new(), |m| format!(" (mean {})", decimals_321(m.value)));
            line(&format!(
                "# too few values for estimates: {} (at least {MIN_VALUES} needed){mean}",
                s.n()
            ));
            continue;
        }
        let mut stats = vec![];
        if let Some(m) = &s.mean {
            stats.push(format!("mean {}", se_text(m)));
        }
        if let Some(sd) = &s.sd {
            stats.push(format!("sd {}", se_text(sd)));
        }
        line(&format!("# {}", stats.join(", ")));
        match &s.ar1 {
            Some(a) => {
                line(&format!(
                    "# AR(1) slope {} (SE {}) on {} consecutive-year pairs; residual sd {}",
                    decimals_321(a.phi),
                    decimals_321(a.se),
                    a.pairs,
                    decimals_321(a.resid_sd)
                ));
                if let Some(&(y, x)) = s.observations.last() {
                    line(&format!(
                        "# AR(1) one-year-ahead forecast for {}: {} (from {} in {y}), residual sd {}",
                        y + 1,
                        decimals_321(a.intercept + a.phi * x),
                        decimals_321(x),
                        decimals_321(a.resid_sd)
                    ));
                }
            }
            None => line(&format!(
                "# AR(1): not estimated (fewer than {MIN_VALUES} consecutive-year pairs, or constant)"
            )),
        }
        if !s.usable() {
            line("# constant over the sample: no suggestion");
            continue;
        }
        let g = s.suggested_growth().unwrap_or(f64::NAN);
        let v = s.suggested_volatility().unwrap_or(f64::NAN);
        line(
            "# If it is a sector's growth, as [[sectors]] fields (id, label, value_added are yours):",
        );
        let mean_se = s.mean.and_then(|m| m.se).map_or("n/a".into(), decimals_321);
        line(&format!(
            "# growth = {}    # {} (SE {mean_se})",
            float(g),
            match s.kind {
                SeriesKind::Rate => "mean",
                SeriesKind::Level => "100 (exp(mean log growth / 100) - 1)",
            }
        ));
        let shock = format!("{}_shock", s.id);
        let in_matrix = cal
            .correlation
            .as_ref()
            .is_some_and(|c| c.ids.contains(&shock));
        line(&format!(
            "# volatility = {}    # sd{}{}",
            float(v),
            if s.kind == SeriesKind::Level {
                " x (1 + growth/100)"
            } else {
                ""
            },
            if in_matrix {
                format!(
                    "; or volatility = 0.0 with loadings = {{ {shock} = {} }} to carry the correlation below",
                    float(v)
                )
            } else {
                String::new()
            }
        ));
        match (s.suggested_persistence(), &s.ar1) {
            (Some(p), Some(a)) => line(&format!(
                "# persistence = {}    # quarterly; in steady state it gives annual growth an autocorrelation of {} (AR(1) slope {}{})",
                float((p * 1000.0).round() / 1000.0),
                decimals_321(annual_autocorrelation(p)),
                decimals_321(a.phi),
                if p >= MAX_PERSISTENCE {
                    format!("; capped at {MAX_PERSISTENCE}")
                } else if p == 0.0 {
                    "; time averaging alone gives 0.227".to_string()
                } else {
                    String::new()
                }
            )),
            _ => line("# persistence: no estimate (keep the default 0)"),
        }
    }
    line("");
    match &cal.correlation {
        None => {
            line(&format!(
                "# Correlation: fewer than two series with at least {MIN_VALUES} values and a non-zero sd; no [shock_correlation]."
            ));
        }
        Some(c) => {
            let k = c.ids.len();
            line("# ---- Correlation ----");
            line(&format!(
                "# Pairwise-complete Pearson correlations over the years two series share (at least {MIN_VALUES},"
            ));
            line("# else 0), shrunk towards the identity: r*_ij = (1 - lambda) r_ij.");
            line(&format!(
                "# lambda = {} = max(estimated {} (Ledoit-Wolf, Schafer-Strimmer form), few-years floor {}){}.",
                decimals_321(c.lambda),
                decimals_321(c.lambda_estimated),
                decimals_321(c.lambda_floor),
                if c.lambda > c.lambda_estimated.max(c.lambda_floor) + 1e-12 {
                    format!(", raised so that the smallest eigenvalue is at least {MIN_EIGENVALUE}")
                } else {
                    String::new()
                }
            ));
            line(&format!(
                "# Smallest eigenvalue: {} before shrinkage, {} as written (positive definite).",
                decimals_321(c.min_eigen_raw),
                decimals_321(c.min_eigen)
            ));
            line(&format!(
                "# Raw correlations (common years; SE from {MIN_YEARS_FOR_SE} common years, below which the large-sample formula means little):"
            ));
            for i in 0..k {
                for j in (i + 1)..k {
                    let r = c.raw[i][j].map_or("none".to_string(), decimals_321);
                    let se = match c.se[i][j] {
                        Some(e) if c.common[i][j] >= MIN_YEARS_FOR_SE => format!(", SE {}", decimals_321(e)),
                        _ => String::new(),
                    };
                    line(&comment(&format!(
                        "#   {} ~ {}: {r} (n = {}{se})",
                        c.names[i], c.names[j], c.common[i][j]
                    )));
                }
            }
            line(
                "# One common shock per series: load each sector on its series' shock (see the suggestions above).",
            );
            line(
                "# If your scenario already has [[shocks]] or a [shock_correlation], merge by hand.",
            );
            for (id, name) in c.ids.iter().zip(&c.names) {
                line("");
                line("[[shocks]]");
                line(&format!("id = {}", quoted(id)));
                line(&format!(
                    "label = {}",
                    quoted(&format!("Surprise in {name} (calibrated)"))
                ));
                line(&format!(
                    "source = {}",
                    quoted(&format!("attain calibrate {}", invocation(cal)))
                ));
            }
            line("");
            line("[shock_correlation]");
            line(&format!(
                "order = [{}]",
                c.ids
                    .iter()
                    .map(|s| quoted(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            line("matrix = [");
            for row in &c.matrix {
                line(&format!(
                    "  [{}],",
                    row.iter().map(|&x| exact(x)).collect::<Vec<_>>().join(", ")
                ));
            }
            line("]");
            line(&format!(
                "source = {}",
                quoted(&format!(
                    "attain calibrate {}: pairwise-complete correlations shrunk towards the identity (lambda {})",
                    invocation(cal),
                    decimals_321(c.lambda)
                ))
            ));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_numbers() {
        assert_eq!(leading_number("6.9 (preliminary, 预计)"), Some(6.9));
        assert_eq!(leading_number("2.1 (same-basis, 同口径)"), Some(2.1));
        assert_eq!(leading_number("33000+ (+602%)"), Some(33000.0));
        assert_eq!(leading_number(" -6.6 "), Some(-6.6));
        assert_eq!(leading_number("−1.5"), Some(-1.5));
        assert_eq!(leading_number("1e3"), Some(1000.0));
        assert_eq!(leading_number("about 200000"), None);
        assert_eq!(leading_number("12.2:51.5:36.3"), None);
        assert_eq!(leading_number("6.2 / 6.7 / 6.9"), None);
        assert_eq!(leading_number("6.5-7"), None);
        assert_eq!(leading_number("6.5 ~ 7"), None);
        assert_eq!(leading_number("17797 (+15.5%)"), Some(17797.0));
        assert_eq!(leading_number("NaN"), None);
        assert_eq!(leading_number("inf"), None);
        assert_eq!(leading_number(""), None);
        assert_eq!(leading_number("."), None);
        assert_eq!(leading_number("1e999"), None);
    }

    #[test]
    fn classification_rule() {
        assert_eq!(classify("gdp_level", "%"), SeriesKind::Rate);
        assert_eq!(classify("gdp_growth", "亿元"), SeriesKind::Level);
        assert_eq!(classify("gdp_growth", ""), SeriesKind::Rate);
        assert_eq!(classify("gdp", ""), SeriesKind::Level);
    }

    #[test]
    fn time_averaging_autocorrelation() {
        assert!((annual_autocorrelation(0.0) - 10.0 / 44.0).abs() < 1e-12);
        for phi in [0.3, 0.5, 0.8, 0.88] {
            let rho = quarterly_persistence(phi);
            assert!((annual_autocorrelation(rho) - phi).abs() < 1e-9, "{phi}");
        }
        assert_eq!(quarterly_persistence(0.1), 0.0);
        assert_eq!(quarterly_persistence(-0.5), 0.0);
        assert_eq!(quarterly_persistence(f64::NAN), 0.0);
        assert_eq!(quarterly_persistence(1.5), MAX_PERSISTENCE);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let o = Options::default();
        for text in [
            "",
            "year,value\n",
            "year,series,value\n",
            "year,series,value\n2020,a,1\n",
            "year,series,value\n2020,a,1\n2021,a,1\n2022,a,1\n2023,a,1\n",
            "year,series,value\nx,a,1\n2020,,1\n2020\n",
            "year,series,value\n2020,a,NaN\n2021,a,inf\n",
            "year,series,value\n2020,a,0\n2021,a,-1\n2022,a,5\n",
            "year,series,value\n2019,a_rate,1e300\n2020,a_rate,-1e300\n2021,a_rate,1e300\n\
             2022,a_rate,5\n2019,b_rate,1\n2020,b_rate,2\n2021,b_rate,4\n2022,b_rate,3\n\
             2019,c_rate,1e-300\n2020,c_rate,3e-300\n2021,c_rate,2e-300\n2022,c_rate,5e-300\n",
        ] {
            match calibrate(text, &o) {
                Ok(c) => {
                    let f = c.fragment();
                    f.parse::<toml::Table>()
                        .unwrap_or_else(|e| panic!("{e}\n{f}"));
                }
                Err(e) => assert_eq!(e.exit_code(), 2, "{e}"),
            }
        }
    }
}
