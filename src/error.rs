//! Typed errors, one family per stage, and the exit code each maps to.
//!
//! Bad input (a file that does not parse, a field out of range, a bad flag)
//! is exit code 2 and always names the field, and for file errors the line.
//! Exit code 1 is kept for failures that are not the user's fault.

use std::fmt;

use thiserror::Error;

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
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
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

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{}: invalid scenario ({} problem{})",
            self.origin,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {}: {}", self.origin, p)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Everything the library can fail with.
#[derive(Debug, Error)]
pub enum Error {
    /// The scenario file is malformed or invalid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A run setting is out of range (paths, threads, ...).
    #[error("invalid argument {name}: {message}")]
    Argument {
        /// The flag or setting, e.g. `--paths`.
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
    #[error("model error: {0}")]
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
