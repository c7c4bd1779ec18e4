//! The journal of an interruptible sweep: a header line saying what the
//! sweep was, then one checksummed line per finished point.

use std::collections::BTreeSet;

use serde::Serialize;

use super::*;
use crate::engine::RunConfig;
use crate::error::{Error, Result};
use crate::report::format::exact;
use crate::scenario::Scenario;

/// Name of the journal format, in its header line.
pub const JOURNAL_FORMAT: &str = "attain sweep journal 1";

/// The first line of a journal: what the sweep was, so that a resume with
/// other settings is refused. Points are reused only when every field but
/// `scenario` (a name for messages) is equal.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct JournalHeader {
    /// [`JOURNAL_FORMAT`].
    pub journal: String,
    /// Version of attain that wrote it (another version may simulate differently).
    pub attain: String,
    /// Scenario name, for messages.
    pub scenario: String,
    /// [`crate::scenario::fingerprint`] of the scenario: its fields, not its
    /// comments or layout.
    pub scenario_sha256: String,
    /// The grid: swept paths and their values, in order.
    pub parameters: Vec<Axis>,
    /// Grid points.
    pub points: usize,
    /// Paths per point.
    pub paths: u64,
    /// Seed of every point.
    pub seed: u64,
    /// The scenario's target ids, in the order of each point's numbers.
    pub targets: Vec<String>,
}

impl JournalHeader {
    /// The header of a sweep of `base` over `axes` with `config`.
    ///
    /// # Errors
    /// `Internal` only if the scenario cannot be serialized.
    pub fn new(base: &Scenario, axes: &[Axis], config: &RunConfig) -> Result<Self> {
        let raw = base.raw();
        Ok(JournalHeader {
            journal: JOURNAL_FORMAT.to_string(),
            attain: env!("CARGO_PKG_VERSION").to_string(),
            scenario: raw.scenario.name.clone(),
            scenario_sha256: crate::scenario::fingerprint(raw),
            parameters: axes.to_vec(),
            points: grid(axes).len(),
            paths: config.paths,
            seed: config.seed,
            targets: raw.targets.iter().map(|t| t.id.clone()).collect(),
        })
    }

    /// The header as a line of the journal (JSON, with its newline).
    ///
    /// # Errors
    /// `Internal` only if serialization fails.
    pub fn line(&self) -> Result<String> {
        let mut s = serde_json::to_string(self)
            .map_err(|e| Error::Internal(format!("JSON serialization: {e}")))?;
        s.push('\n');
        Ok(s)
    }

    /// The first difference between a journal's header and this run's, in words.
    fn difference(&self, journal: &JournalHeader) -> Option<String> {
        let axes = |h: &JournalHeader| {
            h.parameters
                .iter()
                .map(|a| {
                    let v: Vec<String> = a.values.iter().map(|x| exact(*x)).collect();
                    format!("{}={}", a.path, v.join(","))
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        if journal.attain != self.attain {
            return Some(format!(
                "it was written by attain {}, this is attain {}",
                journal.attain, self.attain
            ));
        }
        if journal.scenario_sha256 != self.scenario_sha256 || journal.targets != self.targets {
            return Some(format!(
                "the scenario differs (the journal's is {:?} with SHA-256 {}, this run's {:?} with {})",
                journal.scenario,
                &journal.scenario_sha256[..journal.scenario_sha256.len().min(12)],
                self.scenario,
                &self.scenario_sha256[..12]
            ));
        }
        if journal.parameters != self.parameters || journal.points != self.points {
            return Some(format!(
                "the grid differs (the journal's: {}; this run's: {})",
                axes(journal),
                axes(self)
            ));
        }
        if journal.paths != self.paths {
            return Some(format!(
                "--paths differs (the journal's {}, this run's {})",
                journal.paths, self.paths
            ));
        }
        if journal.seed != self.seed {
            return Some(format!(
                "--seed differs (the journal's {}, this run's {})",
                journal.seed, self.seed
            ));
        }
        None
    }
}

fn checksum(body: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(body.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A point as a line of the journal, with its newline:
/// `INDEX<TAB>VALUES<TAB>NUMBERS<TAB>CHECK`, where VALUES are the point's
/// values separated by commas, NUMBERS six numbers per target
/// (`probability ci95_low ci95_high p05 p50 p95`, in Rust's shortest
/// round-trip form, so they read back bit for bit) separated by spaces, and
/// CHECK the first 16 hex digits of the SHA-256 of what precedes it.
pub fn journal_line(p: &PointResult) -> String {
    let values: Vec<String> = p.values.iter().map(|v| format!("{v:?}")).collect();
    let numbers: Vec<String> = p
        .targets
        .iter()
        .flat_map(|t| t.as_array())
        .map(|x| format!("{x:?}"))
        .collect();
    let body = format!("{}\t{}\t{}", p.index, values.join(","), numbers.join(" "));
    let check = checksum(&body);
    format!("{body}\t{check}\n")
}

/// A point line read back, or `None` if it is not a whole, intact line of
/// this journal's grid.
fn parse_point(line: &str, header: &JournalHeader, points: &[Vec<f64>]) -> Option<PointResult> {
    let (body, check) = line.rsplit_once('\t')?;
    if checksum(body) != check {
        return None;
    }
    let mut fields = body.split('\t');
    let index: usize = fields.next()?.parse().ok()?;
    let values = fields
        .next()?
        .split(',')
        .map(|v| v.parse::<f64>().ok())
        .collect::<Option<Vec<f64>>>()?;
    let numbers = fields
        .next()?
        .split(' ')
        .map(|v| v.parse::<f64>().ok())
        .collect::<Option<Vec<f64>>>()?;
    if fields.next().is_some()
        || index >= points.len()
        || points[index] != values
        || numbers.len() != 6 * header.targets.len()
    {
        return None;
    }
    // A checksum is recomputed by anyone who edits a line: the numbers must
    // also be numbers a sweep writes. A probability and its interval lie in
    // [0, 1], and no number is NaN.
    let plausible = numbers
        .chunks(6)
        .all(|x| x.iter().all(|v| !v.is_nan()) && x[..3].iter().all(|v| (0.0..=1.0).contains(v)));
    if !plausible {
        return None;
    }
    Some(PointResult {
        index,
        values,
        targets: numbers.chunks(6).map(TargetNumbers::from_slice).collect(),
    })
}

/// What a journal holds.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalContents {
    /// The completed points, each once, in journal order.
    pub points: Vec<PointResult>,
    /// Length in bytes of the intact part (header and whole point lines);
    /// whatever follows is the remains of an interrupted write, to be cut
    /// off before appending. 0 when not even the header is whole.
    pub valid_len: usize,
    /// A note when an incomplete or damaged last line was dropped.
    pub dropped: Option<String>,
}

/// Read a journal written by [`JournalHeader::line`] and [`journal_line`],
/// for a run whose header is `expected`; `name` is the journal's file name,
/// for messages.
///
/// A crash can leave the **last** line incomplete or damaged (a write cut
/// short): it is dropped, and its point simulated again. A damaged line
/// before the last one cannot come from an interrupted append, so the
/// journal is not trusted (an error).
///
/// # Errors
/// `Argument` (flag `--resume`) when the journal belongs to another sweep
/// (saying what differs), is not a journal, or is damaged before its last line.
pub fn read_journal(bytes: &[u8], expected: &JournalHeader, name: &str) -> Result<JournalContents> {
    let fix = format!("delete {name} to start the sweep over");
    // Whole lines end with a newline; a last piece without one was cut short.
    let mut lines: Vec<(usize, &[u8], bool)> = vec![];
    let mut start = 0;
    while start < bytes.len() {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(k) => {
                lines.push((start, &bytes[start..start + k], true));
                start += k + 1;
            }
            None => {
                lines.push((start, &bytes[start..], false));
                start = bytes.len();
            }
        }
    }
    let empty = JournalContents {
        points: vec![],
        valid_len: 0,
        dropped: None,
    };
    let Some(&(_, head, whole)) = lines.first() else {
        return Ok(empty);
    };
    let head_text = std::str::from_utf8(head).unwrap_or("");
    if !whole {
        // Interrupted while the header was written: nothing was kept yet.
        let ours = head_text.starts_with("{\"journal\"") || "{\"journal\"".starts_with(head_text);
        return if ours {
            Ok(JournalContents {
                dropped: Some("the journal's header was incomplete".into()),
                ..empty
            })
        } else {
            Err(Error::argument(
                "resume",
                format!("{name} is not an attain sweep journal; {fix}"),
            ))
        };
    }
    let header: JournalHeader = serde_json::from_str(head_text)
        .ok()
        .filter(|h: &JournalHeader| h.journal == JOURNAL_FORMAT)
        .ok_or_else(|| {
            Error::argument(
                "resume",
                format!("{name} is not an attain sweep journal (format {JOURNAL_FORMAT:?}); {fix}"),
            )
        })?;
    if let Some(why) = expected.difference(&header) {
        return Err(Error::argument(
            "resume",
            format!(
                "{name} belongs to a different sweep: {why}; rerun with the journal's settings, or {fix}"
            ),
        ));
    }
    let grid_points = grid(&expected.parameters);
    let mut out = JournalContents {
        points: vec![],
        valid_len: head.len() + 1,
        dropped: None,
    };
    let mut seen = BTreeSet::new();
    let last = lines.len() - 1;
    for (k, &(offset, line, whole)) in lines.iter().enumerate().skip(1) {
        let parsed = std::str::from_utf8(line)
            .ok()
            .filter(|_| whole)
            .and_then(|l| parse_point(l, expected, &grid_points));
        match parsed {
            Some(p) => {
                if seen.insert(p.index) {
                    out.points.push(p);
                }
                out.valid_len = offset + line.len() + 1;
            }
            None if k == last => {
                out.dropped = Some(format!(
                    "line {} of {name} was {} (a write cut short); its point is simulated again",
                    k + 1,
                    if whole { "damaged" } else { "incomplete" }
                ));
            }
            None => {
                return Err(Error::argument(
                    "resume",
                    format!(
                        "line {} of {name} is damaged, and it is not the last line, so it was not cut short by an interruption; {fix}",
                        k + 1
                    ),
                ));
            }
        }
    }
    Ok(out)
}
