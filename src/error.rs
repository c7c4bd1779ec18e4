//! Typed errors, one family per stage, and the exit code each maps to.
//!
//! Bad input (a file that does not parse, a field out of range, a bad flag)
//! is exit code 2 and always names the field, and for file errors the line.
//! Exit code 1 is kept for failures that are not the user's fault.

use std::fmt;

use thiserror::Error;

use crate::report::format::{escape_control, escape_control_lines};

/// Where in a scenario file a problem sits: a dotted field path plus, when
/// the text of the file is known, the line and column of the value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Field path as a reader would write it, e.g. `sectors[automobile].volatility`.
    pub field: String,
    /// 1-based line of the offending value (or of the closest enclosing table).
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            _ => {}
        }
        // Field names and messages quote the file's own text (a key, a
        // string value): control characters in it are escaped.
        let message = escape_control_lines(&self.message);
        if self.field.is_empty() {
            write!(f, "{message}")
        } else {
            write!(f, "{}: {message}", escape_control(&self.field))
        }
    }
}

/// A scenario that could not be read or is not valid. Lists every problem
/// found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// Name of the file (or `<embedded>`), for messages.
    pub origin: String,
    /// Everything that is wrong, in file order where known.
    pub problems: Vec<Problem>,
}

/// The most problems an error lists; the rest are counted
/// ([`ScenarioError::unlisted`]), so a file with thousands of bad entries
/// gives a message of bounded size.
pub const MAX_LISTED: usize = 50;

/// The most display columns of a source line quoted under a problem; a
/// longer line is quoted as a window around the column, cut with `…`.
pub const MAX_QUOTED_WIDTH: usize = 120;

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{}: invalid scenario ({} problem{})",
            escape_control(&self.origin),
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for p in self.problems.iter().take(MAX_LISTED) {
            write!(f, "\n  {}: {}", escape_control(&self.origin), p)?;
        }
        if let Some(more) = self.unlisted() {
            write!(f, "\n  {more}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    /// `… and N more problems, not listed` when there are more than
    /// [`MAX_LISTED`].
    pub fn unlisted(&self) -> Option<String> {
        let rest = self.problems.len().saturating_sub(MAX_LISTED);
        (rest > 0).then(|| {
            format!(
                "… and {rest} more problem{}, not listed (the first {MAX_LISTED} are)",
                if rest == 1 { "" } else { "s" }
            )
        })
    }

    /// The message as `Display` writes it, with each problem that has a line
    /// followed by that line of `source` (the text of the file named by
    /// `origin`), a caret under its column and, when the message carries
    /// one, a `help:` line: the accepted values, or the nearest known name
    /// for a typo.
    ///
    /// `styled` adds ANSI colours (the binary asks for them only when
    /// standard error is a terminal and `NO_COLOR` is unset). A problem
    /// without a line, or whose line is not in `source`, is written exactly
    /// as `Display` writes it.
    ///
    /// ```
    /// let text = "[scenario]\nhorizon = 0\n";
    /// let e = attain::error::ScenarioError {
    ///     origin: "a.toml".into(),
    ///     problems: vec![attain::error::Problem {
    ///         field: "scenario.horizon".into(),
    ///         line: Some(2),
    ///         column: Some(11),
    ///         message: "must be between 1 and 100 years, got 0".into(),
    ///     }],
    /// };
    /// assert_eq!(
    ///     e.annotate(text, false),
    ///     "a.toml: invalid scenario (1 problem)\n  \
    ///      a.toml: line 2, column 11: scenario.horizon: must be between 1 and 100 years, got 0\n    \
    ///      |\n  2 | horizon = 0\n    |           ^"
    /// );
    /// ```
    pub fn annotate(&self, source: &str, styled: bool) -> String {
        let paint = Paint::new(styled);
        // The file as parsed: without a leading byte order mark.
        let lines: Vec<&str> = crate::scenario::strip_bom(source).lines().collect();
        let listed = &self.problems[..self.problems.len().min(MAX_LISTED)];
        let width = listed
            .iter()
            .filter_map(|p| p.line)
            .max()
            .map_or(1, |l| l.to_string().len());
        let blank = " ".repeat(width);
        let n = self.problems.len();
        let mut out = format!(
            "{}: invalid scenario ({} problem{})",
            escape_control(&self.origin),
            n,
            if n == 1 { "" } else { "s" }
        );
        for p in listed {
            out.push_str(&format!("\n  {}: {}", escape_control(&self.origin), p));
            let Some(l) = p.line else { continue };
            let Some(text) = l.checked_sub(1).and_then(|i| lines.get(i)) else {
                continue;
            };
            let (shown, offset, len) = underline(text, p.column.unwrap_or(1));
            let (g, g_) = (paint.gutter.render(), paint.gutter.render_reset());
            out.push_str(&format!("\n  {blank} {g}|{g_}"));
            out.push_str(&format!("\n  {g}{l:>width$} |{g_} {shown}"));
            if p.column.is_some() {
                let (c, c_) = (paint.caret.render(), paint.caret.render_reset());
                out.push_str(&format!(
                    "\n  {blank} {g}|{g_} {}{c}{}{c_}",
                    " ".repeat(offset),
                    "^".repeat(len)
                ));
            }
            for h in hints(&p.message) {
                let (h_, h__) = (paint.help.render(), paint.help.render_reset());
                out.push_str(&format!(
                    "\n  {blank} {g}={g_} {h_}help{h__}: {}",
                    escape_control(&h)
                ));
            }
        }
        if let Some(more) = self.unlisted() {
            out.push_str(&format!("\n  {more}"));
        }
        out
    }
}

/// Why a file's bytes are not text, for a message: the byte offset of the
/// first byte that is not UTF-8, its value, and the line and column it is
/// on (`not valid UTF-8: byte 0xFF at offset 123 (line 5, column 10); save
/// the file as UTF-8`).
pub fn utf8_problem(bytes: &[u8], e: std::str::Utf8Error) -> String {
    let at = e.valid_up_to().min(bytes.len());
    // The prefix is valid UTF-8 by construction.
    let before = std::str::from_utf8(&bytes[..at]).unwrap_or("");
    let (line, column) = crate::scenario::locate::line_col(before, before.len());
    match bytes.get(at).filter(|_| e.error_len().is_some()) {
        Some(b) => format!(
            "not valid UTF-8: byte 0x{b:02X} at offset {at} (line {line}, column {column}); save the file as UTF-8"
        ),
        None => format!(
            "not valid UTF-8: the file ends inside a character at offset {at} (line {line}, column {column}); save the file as UTF-8"
        ),
    }
}

/// The quote of one source line under a one-line message, as
/// [`ScenarioError::annotate`] writes it without colour: a gutter, the line
/// (a window of a long one) and a caret under the token at `column`; empty
/// when `line` is not in `source`. For inputs that are not scenarios (a
/// sweep file), whose error is one message.
pub fn quote_line(source: &str, line: usize, column: usize) -> String {
    let source = crate::scenario::strip_bom(source);
    let Some(text) = line.checked_sub(1).and_then(|i| source.lines().nth(i)) else {
        return String::new();
    };
    let (shown, offset, len) = underline(text, column);
    let blank = " ".repeat(line.to_string().len());
    format!(
        "\n  {blank} |\n  {line} | {shown}\n  {blank} | {}{}",
        " ".repeat(offset),
        "^".repeat(len)
    )
}

/// Colours of an annotated error; plain styles write nothing. The ANSI codes
/// are written out here (bold, then the foreground colour; reset after) so
/// that the library needs no terminal-styling crate: they are the bytes
/// `anstyle` wrote for the same styles.
struct Paint {
    gutter: Style,
    caret: Style,
    help: Style,
}

/// An ANSI style as its opening and closing codes.
#[derive(Clone, Copy)]
struct Style {
    open: &'static str,
    close: &'static str,
}

impl Style {
    fn render(self) -> &'static str {
        self.open
    }

    fn render_reset(self) -> &'static str {
        self.close
    }
}

impl Paint {
    fn new(styled: bool) -> Paint {
        let colour = |open: &'static str| {
            if styled {
                Style {
                    open,
                    close: "\x1b[0m",
                }
            } else {
                Style {
                    open: "",
                    close: "",
                }
            }
        };
        Paint {
            // Bold blue, bold red, bold cyan.
            gutter: colour("\x1b[1m\x1b[34m"),
            caret: colour("\x1b[1m\x1b[31m"),
            help: colour("\x1b[1m\x1b[36m"),
        }
    }
}

/// Display width of a character in a quoted source line (tabs as 4 columns,
/// a control character as its escape, [`shown_char`]).
fn char_width(c: char) -> usize {
    if c == '\t' {
        4
    } else if c.is_control() {
        c.escape_debug().count()
    } else {
        unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
    }
}

/// A character of a quoted source line as written to the terminal: a tab as
/// four spaces, a control character (ESC, CR, NUL) escaped (`\u{1b}`), so
/// a line of a malformed file cannot move the cursor or clear the screen.
fn shown_char(c: char) -> String {
    if c == '\t' {
        "    ".to_string()
    } else if c.is_control() {
        c.escape_debug().collect()
    } else {
        c.to_string()
    }
}

/// A source line as shown (tabs expanded, no trailing `\r`), the display
/// offset of the 1-based character `column`, and the display width of the
/// token that starts there (a quoted string, a `[table]` header, or a run of
/// characters up to a space, `,`, `=`, `]`, `}` or `#`; at least 1).
fn underline(text: &str, column: usize) -> (String, usize, usize) {
    let text = text.trim_end_matches('\r');
    let shown: String = text.chars().map(shown_char).collect();
    let chars: Vec<char> = text.chars().collect();
    let start = column.saturating_sub(1).min(chars.len());
    let offset = chars[..start].iter().map(|&c| char_width(c)).sum();
    let rest = &chars[start..];
    let token: &[char] = match rest.first() {
        Some(&q @ ('"' | '\'')) => {
            let end = rest[1..]
                .iter()
                .position(|&c| c == q)
                .map_or(rest.len(), |i| i + 2);
            &rest[..end]
        }
        Some('[') => {
            let end = rest
                .iter()
                .rposition(|&c| c == ']')
                .map_or(rest.len(), |i| i + 1);
            &rest[..end]
        }
        _ => {
            let end = rest
                .iter()
                .position(|&c| c.is_whitespace() || ",=]}#".contains(c))
                .unwrap_or(rest.len());
            &rest[..end]
        }
    };
    let len = token.iter().map(|&c| char_width(c)).sum::<usize>().max(1);
    let total: usize = chars.iter().map(|&c| char_width(c)).sum();
    if total <= MAX_QUOTED_WIDTH {
        return (shown, offset, len);
    }
    window(&chars, start, len)
}

/// A line wider than [`MAX_QUOTED_WIDTH`] as a window of about that width
/// around the character `start` (a third of it before), with `…` where it
/// is cut; the caret's offset and length within the window.
fn window(chars: &[char], start: usize, len: usize) -> (String, usize, usize) {
    let before = MAX_QUOTED_WIDTH / 3;
    let mut lo = start;
    let mut w = 0;
    while lo > 0 && w + char_width(chars[lo - 1]) <= before {
        lo -= 1;
        w += char_width(chars[lo]);
    }
    let mut hi = start;
    while hi < chars.len() && w + char_width(chars[hi]) <= MAX_QUOTED_WIDTH {
        w += char_width(chars[hi]);
        hi += 1;
    }
    let expand = |cs: &[char]| -> String { cs.iter().map(|&c| shown_char(c)).collect() };
    let cut_left = lo > 0;
    let mut shown = String::new();
    if cut_left {
        shown.push('…');
    }
    shown.push_str(&expand(&chars[lo..hi]));
    if hi < chars.len() {
        shown.push('…');
    }
    let offset = usize::from(cut_left)
        + chars[lo..start]
            .iter()
            .map(|&c| char_width(c))
            .sum::<usize>();
    let room: usize = chars[start..hi].iter().map(|&c| char_width(c)).sum();
    (shown, offset, len.min(room).max(1))
}

/// The hints a message carries, for `help:` lines: the nearest known name
/// (`(did you mean "industry"?)`), the accepted values (`; expected at_least,
/// at_most or about`, serde's `, expected one of ...`, with the nearest of
/// them for an unknown field or variant), or for a value of the wrong type
/// the type the field takes, in words.
fn hints(message: &str) -> Vec<String> {
    if let Some(i) = message.find(" (did you mean ") {
        let h = message[i + 2..].trim_end();
        return vec![h.strip_suffix(')').unwrap_or(h).to_string()];
    }
    if let Some(i) = message.find("; expected ") {
        return vec![message[i + 2..].to_string()];
    }
    let Some(i) = message.find(", expected ") else {
        return vec![];
    };
    let expected = &message[i + 2..];
    let what = expected["expected ".len()..].trim();
    if let Some(list) = what.strip_prefix("one of ") {
        // serde: "unknown field `volatilty`, expected one of `id`, `label`, ..."
        let names: Vec<&str> = list
            .split(',')
            .map(|s| s.trim().trim_matches('`'))
            .filter(|s| !s.is_empty())
            .collect();
        let typo = message[..i]
            .split('`')
            .nth(1)
            .filter(|_| message[..i].matches('`').count() == 2);
        let mut out = vec![];
        if let Some(n) =
            typo.and_then(|t| crate::scenario::validate::nearest(t, names.iter().copied()))
        {
            out.push(format!("did you mean `{n}`?"));
        }
        out.push(expected.to_string());
        return out;
    }
    // The TOML parser's own "expected ..." (after a syntax error) guesses
    // from the first character ("expected `nan`" for a bare word), so only
    // serde's type errors, which name the type the field takes, are hints.
    if !(message.starts_with("invalid type:") || message.starts_with("invalid value:")) {
        return vec![];
    }
    let unquote = if message.starts_with("invalid type: string") {
        ", without quotes"
    } else {
        ""
    };
    let words = match what {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
            format!("expected a whole number ({what}){unquote}")
        }
        "f32" | "f64" => format!("expected a number ({what}){unquote}"),
        "a boolean" | "bool" => format!("expected true or false{unquote}"),
        _ => expected.to_string(),
    };
    vec![words]
}

/// Everything the library can fail with.
#[derive(Debug, Error)]
pub enum Error {
    /// The scenario file is malformed or invalid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A run setting is out of range (paths, threads, ...).
    #[error(
        "invalid argument {}: {}",
        escape_control(name),
        escape_control_lines(message)
    )]
    Argument {
        /// The setting in the library's words: a flag's name without its
        /// leading `--` (`paths`, `max-paths`, `set`; the binary prints it
        /// as `--paths`), a positional input in capitals (`SCENARIO`), or a
        /// parameter path.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The simulation produced a value outside its domain (NaN, infinite),
    /// which means the scenario drives the model somewhere it cannot go.
    #[error("model error: {}", escape_control_lines(.0))]
    Model(String),
    /// A bug: an invariant did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Exit code for the command line: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Argument { .. } | Error::Model(_) => 2,
            Error::Io { .. } | Error::Internal(_) => 1,
        }
    }

    /// Shorthand for an argument error.
    pub fn argument(name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Argument {
            name: name.into(),
            message: message.into(),
        }
    }
}

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_problem_names_offset_line_and_column() {
        let bytes = b"a = 1\nb = \"\xC3\xA9\xFF\"\n".to_vec();
        let e = std::str::from_utf8(&bytes).unwrap_err();
        assert_eq!(
            utf8_problem(&bytes, e),
            "not valid UTF-8: byte 0xFF at offset 13 (line 2, column 7); save the file as UTF-8"
        );
        let cut = b"x\xE5\x90".to_vec();
        let e = std::str::from_utf8(&cut).unwrap_err();
        assert!(
            utf8_problem(&cut, e)
                .contains("ends inside a character at offset 1 (line 1, column 2)")
        );
    }

    #[test]
    fn a_quoted_line_escapes_control_characters_and_keeps_the_caret_under_the_token() {
        let q = quote_line("a = 1\nb = \"\u{1b}[2J\" x\n", 2, 12);
        let expected = format!(
            "\n    |\n  2 | b = \"\\u{{1b}}[2J\" x\n    | {}^",
            " ".repeat(16)
        );
        assert_eq!(q, expected);
        assert_eq!(quote_line("a", 5, 1), "");
    }

    fn error(problems: Vec<Problem>) -> ScenarioError {
        ScenarioError {
            origin: "s.toml".into(),
            problems,
        }
    }

    fn problem(line: Option<usize>, column: Option<usize>, message: &str) -> Problem {
        Problem {
            field: "f".into(),
            line,
            column,
            message: message.into(),
        }
    }

    #[test]
    fn problems_without_a_line_read_as_before() {
        let e = error(vec![
            problem(None, None, "a cycle"),
            problem(Some(40), Some(2), "past the end of the text"),
        ]);
        assert_eq!(e.annotate("x = 1\n", true), e.to_string());
    }

    #[test]
    fn caret_counts_display_columns() {
        // Column 21 is `x`: 2 wide characters and a tab come before it.
        let text = "a = 1\nb = { c = \"吉林\",\td = x }\n";
        let e = error(vec![problem(Some(2), Some(21), "invalid float")]);
        let out = e.annotate(text, false);
        let last = out.lines().last().unwrap();
        assert_eq!(last, format!("    | {}^", " ".repeat(11 + 4 + 2 + 4 + 4)));
        assert!(
            out.contains("\n  2 | b = { c = \"吉林\",    d = x }\n"),
            "{out}"
        );
    }

    #[test]
    fn tokens_are_underlined_whole() {
        assert_eq!(underline("op = \"below\" # x", 6).2, 7);
        assert_eq!(underline("[[sectors]]", 1).2, 11);
        assert_eq!(underline("volatility = -1.0", 14).2, 4);
        assert_eq!(underline("m = [[1, 0.2], [0.3, 1]]", 17).2, 3);
        // A column past the end, or on an empty line, still gives one caret.
        assert_eq!(underline("x", 9), ("x".to_string(), 1, 1));
        assert_eq!(underline("", 1), (String::new(), 0, 1));
    }

    #[test]
    fn a_long_line_is_quoted_as_a_window() {
        let text = format!("x = \"{}\" oops", "a".repeat(1000));
        let (shown, offset, len) = underline(&text, 1008);
        assert!(shown.starts_with('…') && shown.ends_with("oops"), "{shown}");
        assert!(shown.chars().count() <= MAX_QUOTED_WIDTH + 2);
        assert_eq!(
            shown.chars().skip(offset).take(len).collect::<String>(),
            "oops"
        );
        // Cut on the right too when the column is early.
        let (shown, offset, _) = underline(&text, 1);
        assert_eq!((offset, shown.ends_with('…')), (0, true));
    }

    #[test]
    fn problems_beyond_the_cap_are_counted() {
        let e = error((1..=60).map(|i| problem(Some(i), None, "bad")).collect());
        let text = e.to_string();
        assert_eq!(text.lines().count(), 1 + MAX_LISTED + 1);
        assert!(text.ends_with("… and 10 more problems, not listed (the first 50 are)"));
        assert!(
            e.annotate("", false)
                .ends_with("… and 10 more problems, not listed (the first 50 are)")
        );
    }

    #[test]
    fn hints_come_from_the_message() {
        assert_eq!(
            hints("unknown sector \"industri\" (did you mean \"industry\"?)"),
            vec!["did you mean \"industry\"?"]
        );
        assert_eq!(
            hints("unknown op \"below\"; expected at_least, at_most or about"),
            vec!["expected at_least, at_most or about"]
        );
        assert_eq!(
            hints("unknown field `grwth`, expected one of `id`, `growth`"),
            vec!["did you mean `growth`?", "expected one of `id`, `growth`"]
        );
        assert_eq!(
            hints("unknown field `zzz`, expected one of `id`, `growth`"),
            vec!["expected one of `id`, `growth`"]
        );
        assert_eq!(
            hints("invalid type: string \"one\", expected u32"),
            vec!["expected a whole number (u32), without quotes"]
        );
        assert_eq!(
            hints("invalid type: floating point `2.5`, expected u32"),
            vec!["expected a whole number (u32)"]
        );
        assert!(hints("invalid float, expected `nan`").is_empty());
        assert!(hints("must be >= 0, got -1").is_empty());
    }

    #[test]
    fn styled_output_only_adds_escape_codes() {
        let text = "a = 1\nop = \"below\"\n";
        let e = error(vec![problem(
            Some(2),
            Some(6),
            "unknown op \"below\"; expected at_least, at_most or about",
        )]);
        let styled = e.annotate(text, true);
        assert!(styled.contains('\u{1b}'));
        let mut stripped = String::new();
        let mut chars = styled.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                chars.by_ref().find(|&d| d == 'm');
            } else {
                stripped.push(c);
            }
        }
        assert_eq!(stripped, e.annotate(text, false));
    }
}
