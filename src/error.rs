//! Typed errors, one family per stage, and the exit code each maps to.
//!
//! Bad input (a file that does not parse, a field out of range, a bad flag)
//! is exit code 2 and always names the field, and for file errors the line.
//! Exit code 1 is kept for failures that are not the user's fault.

use std::fmt;

use annotate_snippets::renderer::{AnsiColor, Style};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
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
    /// for a typo. The quote is drawn by annotate-snippets, as rustc draws
    /// its own: a gutter with the line number, the line (a window of a long
    /// one, [`MAX_QUOTED_WIDTH`]) and carets under the token at the column.
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
        // The file as parsed: without a leading byte order mark.
        let lines: Vec<&str> = crate::scenario::strip_bom(source).lines().collect();
        let renderer = renderer(styled);
        let n = self.problems.len();
        let mut out = format!(
            "{}: invalid scenario ({} problem{})",
            escape_control(&self.origin),
            n,
            if n == 1 { "" } else { "s" }
        );
        for p in self.problems.iter().take(MAX_LISTED) {
            let title = format!("{}: {}", escape_control(&self.origin), p);
            let quoted = p
                .line
                .and_then(|l| Some((l, *l.checked_sub(1).and_then(|i| lines.get(i))?)));
            let Some((l, text)) = quoted else {
                out.push_str("\n  ");
                out.push_str(&title);
                continue;
            };
            let (shown, span) = mark(text, p.column.unwrap_or(1));
            let annotation = match p.column {
                Some(_) => AnnotationKind::Primary.span(span),
                // No column: the line is shown without a caret.
                None => AnnotationKind::Visible.span(0..shown.len()),
            };
            let hints: Vec<String> = hints(&p.message)
                .iter()
                .map(|h| escape_control(h).into_owned())
                .collect();
            let group = Level::ERROR
                .no_name()
                .primary_title(title.as_str())
                .element(
                    Snippet::source(shown.as_str())
                        .line_start(l)
                        .annotation(annotation),
                )
                .elements(hints.iter().map(|h| Level::HELP.message(h.as_str())));
            out.push('\n');
            out.push_str(&indent(&renderer.render(&[group])));
        }
        if let Some(more) = self.unlisted() {
            out.push_str(&format!("\n  {more}"));
        }
        out
    }
}

/// The renderer of quoted lines: plain, or with the colours of a
/// diagnostic (line numbers and gutter bold blue, carets bold red, the
/// message and `help` bold). Wide enough never to cut a line: a long line
/// is already a window ([`mark`]).
fn renderer(styled: bool) -> Renderer {
    let bold = |c: AnsiColor| Style::new().bold().fg_color(Some(c.into()));
    let r = if styled {
        Renderer::styled()
            .line_num(bold(AnsiColor::Blue))
            .error(bold(AnsiColor::Red))
    } else {
        Renderer::plain()
    };
    r.term_width(4 * MAX_QUOTED_WIDTH)
}

/// Every line of `text` indented by two spaces, under the first line of a
/// message.
fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("  {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
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
    let (shown, span) = mark(text, column);
    let group = Group::with_level(Level::ERROR).element(
        Snippet::source(shown.as_str())
            .line_start(line)
            .annotation(AnnotationKind::Primary.span(span)),
    );
    format!("\n{}", indent(&renderer(false).render(&[group])))
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

/// A source line as shown (tabs expanded, control characters escaped, no
/// trailing `\r`) and the byte range in it of the token that starts at the
/// 1-based character `column` (a quoted string, a `[table]` header, or a run
/// of characters up to a space, `,`, `=`, `]`, `}` or `#`; empty at the end
/// of the line). A line wider than [`MAX_QUOTED_WIDTH`] display columns is
/// shown as a window of about that width around the column (a third of it
/// before), with `…` where it is cut.
fn mark(text: &str, column: usize) -> (String, std::ops::Range<usize>) {
    let text = text.trim_end_matches('\r');
    let chars: Vec<char> = text.chars().collect();
    let start = column.saturating_sub(1).min(chars.len());
    let rest = &chars[start..];
    let token = match rest.first() {
        Some(&q @ ('"' | '\'')) => rest[1..]
            .iter()
            .position(|&c| c == q)
            .map_or(rest.len(), |i| i + 2),
        Some('[') => rest
            .iter()
            .rposition(|&c| c == ']')
            .map_or(rest.len(), |i| i + 1),
        _ => rest
            .iter()
            .position(|&c| c.is_whitespace() || ",=]}#".contains(c))
            .unwrap_or(rest.len()),
    };
    let total: usize = chars.iter().map(|&c| char_width(c)).sum();
    let (lo, hi) = if total <= MAX_QUOTED_WIDTH {
        (0, chars.len())
    } else {
        // A window: a third of the width before the column, the rest after.
        let before = MAX_QUOTED_WIDTH / 3;
        let (mut lo, mut w) = (start, 0);
        while lo > 0 && w + char_width(chars[lo - 1]) <= before {
            lo -= 1;
            w += char_width(chars[lo]);
        }
        let mut hi = start;
        while hi < chars.len() && w + char_width(chars[hi]) <= MAX_QUOTED_WIDTH {
            w += char_width(chars[hi]);
            hi += 1;
        }
        (lo, hi)
    };
    let expand = |cs: &[char]| -> String { cs.iter().map(|&c| shown_char(c)).collect() };
    let mut shown = String::new();
    if lo > 0 {
        shown.push('…');
    }
    shown.push_str(&expand(&chars[lo..start]));
    let from = shown.len();
    let end = (start + token).min(hi);
    shown.push_str(&expand(&chars[start..end]));
    let to = shown.len();
    shown.push_str(&expand(&chars[end..hi]));
    if hi < chars.len() {
        shown.push('…');
    }
    (shown, from..to)
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

    /// The text `mark` underlines.
    fn marked(text: &str, column: usize) -> String {
        let (shown, span) = mark(text, column);
        shown[span].to_string()
    }

    #[test]
    fn tokens_are_underlined_whole() {
        assert_eq!(marked("op = \"below\" # x", 6), "\"below\"");
        assert_eq!(marked("[[sectors]]", 1), "[[sectors]]");
        assert_eq!(marked("volatility = -1.0", 14), "-1.0");
        assert_eq!(marked("m = [[1, 0.2], [0.3, 1]]", 17), "0.3");
        // A column past the end, or on an empty line, marks the end (one caret).
        assert_eq!(mark("x", 9), ("x".to_string(), 1..1));
        assert_eq!(mark("", 1), (String::new(), 0..0));
        // A control character is shown as its escape, and underlined whole.
        assert_eq!(mark("a = \u{1b}b", 5), ("a = \\u{1b}b".to_string(), 4..11));
    }

    #[test]
    fn a_long_line_is_quoted_as_a_window() {
        let text = format!("x = \"{}\" oops", "a".repeat(1000));
        let (shown, span) = mark(&text, 1008);
        assert!(shown.starts_with('…') && shown.ends_with("oops"), "{shown}");
        assert!(shown.chars().count() <= MAX_QUOTED_WIDTH + 2);
        assert_eq!(&shown[span], "oops");
        // Cut on the right too when the column is early.
        let (shown, span) = mark(&text, 1);
        assert_eq!((span.start, shown.ends_with('…')), (0, true));
        // The caret of a long line sits under the token in the annotated error.
        let e = error(vec![problem(Some(1), Some(1008), "bad")]);
        let out = e.annotate(&text, false);
        let lines: Vec<&str> = out.lines().collect();
        let quoted = lines.iter().position(|l| l.ends_with("oops")).unwrap();
        // Display columns: `…` is one character of three bytes.
        let col = lines[quoted + 1].chars().position(|c| c == '^').unwrap();
        let under: String = lines[quoted].chars().skip(col).collect();
        assert_eq!(under, "oops", "{out}");
    }

    #[test]
    fn a_problem_with_a_line_but_no_column_quotes_the_line_without_a_caret() {
        let e = error(vec![problem(Some(2), None, "bad table")]);
        let out = e.annotate("a = 1\n[x]\n", false);
        assert_eq!(
            out,
            "s.toml: invalid scenario (1 problem)\n  s.toml: line 2: f: bad table\n    |\n  2 | [x]\n    |"
        );
    }

    #[test]
    fn hints_follow_the_quote() {
        let text = "a = 1\nop = \"below\"\n";
        let e = error(vec![problem(
            Some(2),
            Some(6),
            "unknown op \"below\"; expected at_least, at_most or about",
        )]);
        assert_eq!(
            e.annotate(text, false),
            "s.toml: invalid scenario (1 problem)\n  \
             s.toml: line 2, column 6: f: unknown op \"below\"; expected at_least, at_most or about\n    \
             |\n  2 | op = \"below\"\n    |      ^^^^^^^\n    |\n    = help: expected at_least, at_most or about"
        );
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
