//! Scenario files: parse (TOML -> [`RawScenario`]) then validate (-> the
//! typed [`Scenario`]).
//!
//! A [`Scenario`] can only be built through validation, so every later stage
//! may rely on its invariants (ids resolve, ranges hold, no cycles) without
//! checking again, and reads enums and indices instead of strings.

pub mod fingerprint;
pub mod graph;
pub mod locate;
pub mod raw;
pub mod types;
pub mod validate;

use crate::error::{Problem, ScenarioError};
pub use fingerprint::fingerprint;
pub use raw::RawScenario;
pub use types::{IndicatorKind, Op, Scenario, ShockDist, Side};

/// The Jilin 2022 scenario, shipped inside the binary.
pub const EMBEDDED_JILIN_2022: &str = include_str!("../../scenarios/jilin-2022.toml");

impl Scenario {
    /// Validate a raw scenario (no line numbers in errors: there is no text).
    ///
    /// # Errors
    /// Every problem found, with field paths.
    pub fn from_raw(raw: RawScenario, origin: &str) -> Result<Self, ScenarioError> {
        match validate::validate(raw) {
            Ok(s) => Ok(s),
            Err(findings) => Err(ScenarioError {
                origin: origin.to_string(),
                problems: findings
                    .into_iter()
                    .map(|f| Problem {
                        field: f.field,
                        line: None,
                        column: None,
                        message: f.message,
                    })
                    .collect(),
            }),
        }
    }
}

/// Parse TOML text into the raw structs. Syntax errors, unknown fields and
/// wrong types are reported with their line and column.
///
/// # Errors
/// A [`ScenarioError`] with one problem.
pub fn parse(text: &str, origin: &str) -> Result<RawScenario, ScenarioError> {
    let text = strip_bom(text);
    toml::from_str::<RawScenario>(text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let (l, c) = locate::line_col(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        // serde's message does not say which key; the line does.
        let field = line.map(|l| key_on_line(text, l)).unwrap_or_default();
        ScenarioError {
            origin: origin.to_string(),
            problems: vec![Problem {
                field,
                line,
                column,
                message: parse_message(e.message()),
            }],
        }
    })
}

/// A text without the UTF-8 byte order mark some editors write at its
/// start (it is not part of the TOML, and left in it would shift every
/// column of the first line by one and name a field `\u{feff}name`).
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The TOML reader's message in words a scenario's author can act on.
fn parse_message(message: &str) -> String {
    let m = message.trim();
    if m.contains("recurse") || m.contains("recursion") {
        return "nested too deeply: arrays and inline tables inside each other beyond the TOML \
                reader's limit (the deepest values of a scenario, like `matrix = [[1.0, 0.3], [0.3, 1.0]]`, nest two levels)"
            .to_string();
    }
    m.to_string()
}

/// The key assigned on a line (`growth = 5.0.1` -> `growth`), or the table
/// header (`[[sectors]]` -> `sectors`), for naming the field of a parse error.
fn key_on_line(text: &str, line: usize) -> String {
    let Some(l) = text.lines().nth(line - 1) else {
        return String::new();
    };
    let l = l.trim();
    if l.starts_with('[') {
        return l.trim_matches(|c| c == '[' || c == ']').trim().to_string();
    }
    match l.split_once('=') {
        Some((k, _)) if !k.trim().is_empty() && !k.contains('"') => k.trim().to_string(),
        _ => String::new(),
    }
}

/// Parse and validate scenario text; errors carry line numbers.
///
/// # Errors
/// Every problem found.
pub fn load(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let text = strip_bom(text);
    let raw = parse(text, origin)?;
    let findings = match validate::validate(raw) {
        Ok(s) => return Ok(s),
        Err(findings) => findings,
    };
    // One parse of the text for every problem (there may be thousands).
    let locator = locate::Locator::new(text);
    let mut problems: Vec<Problem> = findings
        .into_iter()
        .map(|f| {
            let pos = locator.locate(&f.path);
            Problem {
                field: f.field,
                line: pos.map(|p| p.0),
                column: pos.map(|p| p.1),
                message: f.message,
            }
        })
        .collect();
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    Err(ScenarioError {
        origin: origin.to_string(),
        problems,
    })
}

/// The embedded Jilin 2022 scenario, validated.
///
/// # Errors
/// Only if the shipped file is broken, which a test guards against.
pub fn embedded() -> Result<Scenario, ScenarioError> {
    load(EMBEDDED_JILIN_2022, "<embedded jilin-2022.toml>")
}
