//! Issue 7: every error message is covered by a fixture in `tests/fixtures/`
//! with the expected message text, and docs/SCENARIO.md lists the errors.
//!
//! Each broken fixture says what `attain validate` must report in comment
//! lines `# expect: FIELD | LINE | MESSAGE` (LINE `-` when the problem has
//! none). This test runs every fixture and checks exit code 2, the number of
//! problems, and each problem's field, line and message; then it reads the
//! error list of docs/SCENARIO.md (section "Every error message"), whose rows
//! name a message pattern and its fixture, and checks both ways: every listed
//! message is produced by its fixture, and every fixture's messages are
//! listed. Messages are matched on their own line of standard error with
//! `contains`, so the source excerpt and caret printed under each problem do
//! not matter.

use crate::common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    common::repo("")
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// One `# expect:` line.
#[derive(Debug, Clone, PartialEq)]
struct Expect {
    field: String,
    line: Option<usize>,
    message: String,
}

fn expectations(path: &Path) -> Vec<Expect> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|e| {
            let parts: Vec<&str> = e.splitn(3, " | ").collect();
            let [field, line, message] = parts[..] else {
                panic!("{}: malformed expect line {e:?}", path.display());
            };
            Expect {
                field: field.to_string(),
                line: (line != "-").then(|| {
                    line.parse()
                        .unwrap_or_else(|_| panic!("{}: bad line {line:?}", path.display()))
                }),
                message: message.to_string(),
            }
        })
        .collect()
}

/// Every `.toml` under tests/fixtures that is meant to be invalid, by its
/// path relative to tests/fixtures (`errors/bad-id.toml`).
fn broken_fixtures() -> Vec<String> {
    let valid = ["two-sector.toml", "not-psd-repair.toml", "one-year.toml"];
    let mut out = vec![];
    for dir in ["", "errors"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".toml") && !(dir.is_empty() && valid.contains(&name.as_str())) {
                out.push(if dir.is_empty() {
                    name
                } else {
                    format!("{dir}/{name}")
                });
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_fixture_gives_its_expected_messages_with_field_and_line() {
    let all = broken_fixtures();
    assert!(all.len() >= 70, "only {} fixtures", all.len());
    for rel in &all {
        let path = fixtures().join(rel);
        let expected = expectations(&path);
        assert!(!expected.is_empty(), "{rel} has no `# expect:` line");
        let out = Command::cargo_bin("attain")
            .unwrap()
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{rel}: {err}");
        assert!(out.stdout.is_empty(), "{rel}");
        assert!(!err.contains("panicked"), "{rel}: {err}");
        let n = expected.len();
        let count = format!(
            "invalid scenario ({n} problem{})",
            if n == 1 { "" } else { "s" }
        );
        assert!(err.contains(&count), "{rel}: expected {count:?}:\n{err}");
        for e in &expected {
            let said = format!("{}: {}", e.field, e.message);
            let line = err
                .lines()
                .find(|l| l.contains(&said))
                .unwrap_or_else(|| panic!("{rel}: no line of stderr has {said:?}:\n{err}"));
            match e.line {
                Some(k) => assert!(
                    line.contains(&format!(": line {k}, column ")),
                    "{rel}: {said:?} not reported at line {k}: {line}"
                ),
                None => assert!(
                    !line.contains(": line "),
                    "{rel}: {said:?} should have no line: {line}"
                ),
            }
        }
    }
}

/// A message pattern of docs/SCENARIO.md: literal text with `{…}`
/// placeholders, each matching any text (possibly empty).
fn matches(pattern: &str, text: &str) -> bool {
    let mut pieces = vec![];
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .unwrap_or_else(|| panic!("unclosed placeholder in {pattern:?}"));
        pieces.push(&rest[..open]);
        rest = &rest[close + 1..];
    }
    pieces.push(rest);
    // Anchored at both ends; placeholders take the shortest match that lets
    // the remaining pieces follow in order (the last piece ends the text).
    let (first, tail) = (pieces[0], &pieces[1..]);
    let Some(mut at) = text.strip_prefix(first) else {
        return false;
    };
    if tail.is_empty() {
        return at.is_empty();
    }
    for (k, piece) in tail.iter().enumerate() {
        if k == tail.len() - 1 {
            return at.ends_with(piece);
        }
        match at.find(piece) {
            Some(i) => at = &at[i + piece.len()..],
            None => return false,
        }
    }
    unreachable!()
}

/// The contents of a Markdown code span (`` `x` ``, ``` `` `x` `` ```).
fn code_span(cell: &str) -> Option<&str> {
    let cell = cell.trim();
    let ticks = cell.len() - cell.trim_start_matches('`').len();
    if ticks == 0 || cell.len() < 2 * ticks {
        return None;
    }
    let inner = &cell[ticks..cell.len() - ticks];
    if cell[cell.len() - ticks..].chars().any(|c| c != '`') {
        return None;
    }
    Some(
        match inner.strip_prefix(' ').and_then(|i| i.strip_suffix(' ')) {
            Some(i) if !i.trim().is_empty() => i,
            _ => inner,
        },
    )
}

/// (message pattern, fixture) rows of the error list of docs/SCENARIO.md.
fn documented() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(root().join("docs/SCENARIO.md")).unwrap();
    let start = doc
        .find("## 7. Every error message")
        .expect("docs/SCENARIO.md has no error list");
    let section = &doc[start..];
    // Up to the run-time messages, which are not about a file.
    let end = section
        .find(" Run time and arguments")
        .expect("the error list has no run-time part");
    let mut rows = vec![];
    for line in section[..end].lines() {
        if !line.starts_with("| `") {
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split(" | ")
            .map(str::trim)
            .collect();
        assert_eq!(
            cells.len(),
            3,
            "not a | Message | Fields | Fixture | row: {line}"
        );
        let message = code_span(cells[0]).unwrap_or_else(|| panic!("message cell: {line}"));
        let fixture = code_span(cells[2]).unwrap_or_else(|| panic!("fixture cell: {line}"));
        assert!(fixture.ends_with(".toml"), "fixture cell: {line}");
        rows.push((message.to_string(), fixture.to_string()));
    }
    rows
}

#[test]
fn the_documented_error_list_and_the_fixtures_agree() {
    let rows = documented();
    assert!(rows.len() >= 65, "only {} documented messages", rows.len());
    let all = broken_fixtures();
    // Every documented message is produced by its fixture.
    for (pattern, fixture) in &rows {
        assert!(
            all.contains(fixture),
            "docs/SCENARIO.md names {fixture}, which is not a broken fixture"
        );
        let produced = expectations(&fixtures().join(fixture));
        assert!(
            produced.iter().any(|e| matches(pattern, &e.message)),
            "{fixture} does not produce the documented message {pattern:?}; it expects {produced:?}"
        );
    }
    // Every fixture is documented, and each of its messages is listed.
    for f in &all {
        assert!(
            rows.iter().any(|(_, g)| g == f),
            "{f} is not named in the error list of docs/SCENARIO.md"
        );
        for e in expectations(&fixtures().join(f)) {
            assert!(
                rows.iter().any(|(p, _)| matches(p, &e.message)),
                "{f}: the message {:?} is not in the error list of docs/SCENARIO.md",
                e.message
            );
        }
    }
    // Each message is listed once.
    for (i, (p, _)) in rows.iter().enumerate() {
        assert!(
            !rows[..i].iter().any(|(q, _)| q == p),
            "{p:?} is listed twice"
        );
    }
}

#[test]
fn the_pattern_matcher_is_anchored_and_ordered() {
    assert!(matches("got {v}", "got 1.5"));
    assert!(matches("unknown shock \"{n}\"{s}", "unknown shock \"x\""));
    assert!(matches(
        "unknown shock \"{n}\"{s}",
        "unknown shock \"suply\" (did you mean \"supply\"?)"
    ));
    assert!(!matches("unknown shock \"{n}\"{s}", "unknown sector \"x\""));
    assert!(!matches("must be > 0", "x must be > 0"));
    assert!(!matches("must be > 0", "must be > 0, got 1"));
    assert!(matches(
        "{name} must be > 0, got {v}",
        "down must be > 0, got 0"
    ));
    assert!(!matches("a {x} b {y} c", "a 1 c 2 b"));
    assert_eq!(code_span("`` `a` b ``"), Some("`a` b"));
    assert_eq!(code_span("``` `a` ```"), Some("`a`"));
    assert_eq!(code_span("`x`"), Some("x"));
    assert_eq!(code_span("x"), None);
}
