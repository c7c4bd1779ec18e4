//! The one place numbers become text, for every output: the report table,
//! the HTML report, charts, sweeps, solve, sensitivity, calibrate and
//! backtest. Where two outputs have always written numbers differently, both
//! ways are kept here under their own names (each says which outputs use it
//! and why), so that no output changed when the copies were gathered.
//!
//! Text tables: the report's table is drawn with comfy-table
//! ([`crate::report::table`]); every plain aligned table (sweep, solve,
//! sensitivity, backtest) is laid out with [`pad`], [`lpad`] and [`columns`].

/// Magnitudes from which every formatter below writes a number in
/// scientific notation (`1.06e306`): beyond 2^53 a float's integer digits
/// are not all meaningful, and a 300-digit figure would fill a terminal.
/// Published figures of ordinary scenarios are far below it.
pub const SCIENTIFIC_FROM: f64 = 1e16;

/// `Some(text)` for the values every formatter writes the same way: `n/a`
/// when not finite, 4 significant digits in scientific notation from
/// [`SCIENTIFIC_FROM`] (`None` otherwise).
fn special(x: f64) -> Option<String> {
    if !x.is_finite() {
        Some("n/a".into())
    } else if x.abs() >= SCIENTIFIC_FROM {
        let s = format!("{x:.3e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        Some(format!("{mantissa}e{exponent}"))
    } else {
        None
    }
}

/// A number with precision that suits its magnitude: no decimals from 1000,
/// one from 10, two below; `-0.00` is written `0.00`. Percentiles and means
/// in `attain run`'s table and HTML page, and in the study tables.
pub fn num(x: f64) -> String {
    if let Some(s) = special(x) {
        return s;
    }
    let a = x.abs();
    let s = if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    // "-0.00" reads as a sign error.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// A probability as a percentage with one decimal (`12.3%`), `n/a` when it
/// is not finite (a probability of no paths in the studies and backtest, a
/// missing value in the HTML page).
pub fn pct(p: f64) -> String {
    if p.is_finite() {
        format!("{:.1}%", 100.0 * p)
    } else {
        "n/a".into()
    }
}

/// A probability as a percentage with one decimal: the terminal report table
/// and the charts, whose probabilities are counts over at least one path and
/// so always finite (a non-finite value would print `n/a`, never `NaN%`).
pub fn pct_of_paths(p: f64) -> String {
    if !p.is_finite() {
        return "n/a".into();
    }
    format!("{:.1}%", 100.0 * p)
}

/// A number without trailing zeros, at most 4 decimals (official figures in
/// the report: "6", "800", "2.7").
pub fn short(x: f64) -> String {
    if let Some(s) = special(x) {
        return s;
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A number in its shortest exact form (`0.04`, `9`, `-1.5`): the values a
/// user set on a sweep axis or a sensitivity input, written back as given.
pub fn exact(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x.abs() >= SCIENTIFIC_FROM {
        // Shortest exact form, in scientific notation.
        return format!("{x:e}");
    }
    if x == 0.0 { "0".into() } else { format!("{x}") }
}

/// A number with 4 significant digits (`24.36`, `0.04123`): solved lever
/// values and sensitivity settings, which are results, not inputs.
pub fn sig4(x: f64) -> String {
    if let Some(s) = special(x) {
        return s;
    }
    if x == 0.0 {
        return "0".into();
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    trim_zeros(format!("{x:.decimals$}"))
}

/// Two settings of one input (a sensitivity bar's low and high) with 4
/// significant digits ([`sig4`]), or more where 4 would write them the same
/// (`0.0361 → 0.0362`): a reader must see that they differ.
pub fn setting_pair(low: f64, high: f64) -> (String, String) {
    let (a, b) = (sig4(low), sig4(high));
    if a != b || low == high || special(low).is_some() || special(high).is_some() {
        return (a, b);
    }
    for digits in 5..=15 {
        let f = |x: f64| {
            if x == 0.0 {
                return "0".to_string();
            }
            let d = (digits - 1 - x.abs().log10().floor() as i32).clamp(0, 17) as usize;
            trim_zeros(format!("{x:.d$}"))
        };
        let (a, b) = (f(low), f(high));
        if a != b {
            return (a, b);
        }
    }
    (exact(low), exact(high))
}

/// 3 decimals below 10 in magnitude, 2 below 100, 1 above; trailing zeros
/// dropped. The comments of a calibrated fragment, whose levels (hundreds of
/// 亿元) keep a decimal.
pub fn decimals_321(x: f64) -> String {
    if let Some(s) = special(x) {
        return s;
    }
    let d = if x.abs() < 10.0 {
        3
    } else if x.abs() < 100.0 {
        2
    } else {
        1
    };
    trim_zeros(format!("{x:.d$}"))
}

/// 3 decimals below 10 in magnitude, 2 below 100, 1 below 1000, none above;
/// trailing zeros dropped. The backtest report, whose outcomes run to
/// thousands (万辆) where a decimal is noise.
pub fn decimals_3210(x: f64) -> String {
    if let Some(s) = special(x) {
        return s;
    }
    let a = x.abs();
    let d = if a < 10.0 {
        3
    } else if a < 100.0 {
        2
    } else if a < 1000.0 {
        1
    } else {
        0
    };
    trim_zeros(format!("{x:.d$}"))
}

/// Drop trailing zeros (and a bare point) of a decimal; `-0` is `0`.
fn trim_zeros(s: String) -> String {
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A count and its noun, singular for exactly one: `count(1, "year", "years")`
/// is `1 year`, `count(4, "year", "years")` is `4 years`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Pad on the right to a width in chars (ids and numbers are ASCII).
pub fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Pad on the left to a width in chars (right-aligned numbers).
pub fn lpad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(w - n))
    }
}

/// How a cell sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Padded on the right (ids, words).
    Left,
    /// Padded on the left (numbers).
    Right,
}

/// One line of a plain text table, the one layout of every such table:
/// `indent`, then each cell padded to its width (a width of 0 leaves it as
/// is), two spaces between cells. Trailing spaces are kept (a caller that
/// wants them gone trims).
pub fn row(indent: &str, cells: &[(&str, usize, Align)]) -> String {
    let mut line = String::from(indent);
    for (c, (text, width, align)) in cells.iter().enumerate() {
        if c > 0 {
            line.push_str("  ");
        }
        line.push_str(&match align {
            Align::Left => pad(text, *width),
            Align::Right => lpad(text, *width),
        });
    }
    line
}

/// Columns as wide as their widest cell, separated by two spaces, each
/// left-aligned or (where `right[c]`) right-aligned; trailing spaces trimmed.
/// Laid out with [`row`].
pub fn columns(rows: &[Vec<String>], right: &[bool]) -> String {
    let ncol = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let width: Vec<usize> = (0..ncol)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<(&str, usize, Align)> = r
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let align = if right.get(c).copied().unwrap_or(false) {
                    Align::Right
                } else {
                    Align::Left
                };
                (cell.as_str(), width[c], align)
            })
            .collect();
        out.push_str(row("", &cells).trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_variants_differ_where_they_say() {
        assert_eq!(num(-0.001), "0.00");
        assert_eq!(num(1234.5), "1234");
        assert_eq!(pct(f64::NAN), "n/a");
        assert_eq!(pct_of_paths(0.1234), "12.3%");
        assert_eq!(short(2.70), "2.7");
        assert_eq!(exact(-0.0), "0");
        assert_eq!(sig4(24.3612), "24.36");
        assert_eq!(sig4(0.041234), "0.04123");
        assert_eq!(
            setting_pair(0.036, 0.044),
            ("0.036".to_string(), "0.044".to_string())
        );
        assert_eq!(
            setting_pair(0.0361234, 0.0361249),
            ("0.036123".to_string(), "0.036125".to_string())
        );
        assert_eq!(setting_pair(2.0, 2.0), ("2".to_string(), "2".to_string()));
        assert_eq!(decimals_321(1234.56), "1234.6");
        assert_eq!(decimals_3210(1234.56), "1235");
        assert_eq!(decimals_3210(-0.0001), "0");
        assert_eq!(lpad("ab", 4), "  ab");
        // Extreme but finite values stay short; nothing prints inf or NaN.
        assert_eq!(num(1.0577e306), "1.058e306");
        assert_eq!(short(-1.06e306), "-1.06e306");
        assert_eq!(exact(1.06e306), "1.06e306");
        assert_eq!(sig4(f64::MAX), "1.798e308");
        assert_eq!(num(1e15), "1000000000000000");
        for f in [
            num,
            pct,
            pct_of_paths,
            short,
            exact,
            sig4,
            decimals_321,
            decimals_3210,
        ] {
            for x in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
                assert_eq!(f(x), "n/a");
            }
        }
        assert_eq!(
            columns(
                &[
                    vec!["a".into(), "1".into()],
                    vec!["bbb".into(), "22".into()]
                ],
                &[false, true]
            ),
            "a     1\nbbb  22\n"
        );
    }
}

/// Text from a scenario (a label, a name, an id, a quoted line) made safe
/// for a terminal: every control character (ESC, which starts a sequence
/// that can clear the screen or recolour it, CR, which returns the cursor
/// and overwrites what was written, NUL, backspace, a newline inside a
/// label, DEL and the C1 controls) is written as a Rust escape (`\u{1b}`,
/// `\r`, `\0`, `\n`, `\t`), so it shows as the characters it is and the
/// layout around it stays. Text without control characters (every shipped
/// scenario) is returned as it is, borrowed. Every text output (tables,
/// summaries, error messages) writes scenario text through this; JSON and
/// CSV carry the text itself (their own quoting keeps it inert).
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`escape_control`] line by line: the newlines between lines of a
/// multi-line message stay, a CR, ESC or NUL inside a line is escaped.
pub fn escape_control_lines(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.split('\n')
            .map(|l| escape_control(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[cfg(test)]
mod escape_tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_kept() {
        assert_eq!(escape_control("GDP 吉林 ≥ 5%"), "GDP 吉林 ≥ 5%");
        assert!(matches!(
            escape_control("GDP"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_control("a\u{1b}[2Jb\rc\0d\ne\tf\u{7f}g\u{9b}h"),
            "a\\u{1b}[2Jb\\rc\\0d\\ne\\tf\\u{7f}g\\u{9b}h"
        );
        assert_eq!(escape_control_lines("a\u{1b}b\nc\rd"), "a\\u{1b}b\nc\\rd");
        for s in ["\u{1b}[2J", "x\ry", "\0", "\u{85}"] {
            assert!(!escape_control(s).chars().any(char::is_control), "{s:?}");
        }
    }
}

/// The smallest eigenvalue of a correlation matrix in a message: six
/// decimals (`-0.123457`), or, when that would show only zeros (a matrix
/// rejected at -2e-10, just past the tolerance of 1e-10), three significant
/// digits in scientific notation (`-2.00e-10`), never `-0.000000`.
pub fn eigenvalue(x: f64) -> String {
    if x == 0.0 || x.abs() >= 5e-7 || !x.is_finite() {
        let s = format!("{x:.6}");
        if s == "-0.000000" {
            "0.000000".into()
        } else {
            s
        }
    } else {
        format!("{x:.2e}")
    }
}

#[cfg(test)]
mod eigenvalue_tests {
    #[test]
    fn a_tiny_eigenvalue_is_not_minus_zero() {
        assert_eq!(super::eigenvalue(-2e-10), "-2.00e-10");
        assert_eq!(super::eigenvalue(-0.1234567), "-0.123457");
        assert_eq!(super::eigenvalue(0.0), "0.000000");
        assert_eq!(super::eigenvalue(-0.0), "0.000000");
    }
}
