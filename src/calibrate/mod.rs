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

use serde::Serialize;

mod estimate;
mod fragment;
mod read;
#[cfg(test)]
mod tests;

use estimate::*;
pub use estimate::{annual_autocorrelation, ar1, quarterly_persistence};
pub use fragment::fragment;
pub use read::{calibrate, classify, leading_number};

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
