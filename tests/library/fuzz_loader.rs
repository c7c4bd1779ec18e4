//! Property-based fuzzing of the scenario loader: mutated versions of the
//! shipped scenarios (deleted lines, swapped values, extreme numbers, wrong
//! types, random bytes) never panic; they give either a valid scenario that
//! compiles and runs, or errors that each name a field or a line.

use attain::engine::{NoProgress, RunConfig, simulate};
use attain::{Model, scenario};
use proptest::prelude::*;

const SHIPPED: &[&str] = &[
    repo_file!("scenarios/jilin-2022.toml"),
    repo_file!("scenarios/jilin-2019.toml"),
    repo_file!("scenarios/jilin-2021.toml"),
    repo_file!("scenarios/jilin-2023.toml"),
    repo_file!("tests/fixtures/two-sector.toml"),
];

const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "4294967296",
    "-9223372036854775808",
    "0.5",
    "100",
    "-100",
    "\"text\"",
    "true",
    "[]",
    "[1, 2]",
    "{}",
    "2.5e10",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    SwapValues(usize, usize),
    ReplaceValue(usize, usize),
    InsertBytes(usize, Vec<u8>),
    DuplicateLine(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapValues(a, b)),
        (any::<usize>(), 0..EXTREMES.len()).prop_map(|(a, b)| Mutation::ReplaceValue(a, b)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(a, b)| Mutation::InsertBytes(a, b)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
    ]
}

/// Lines of the form `key = value` (the ones worth mutating).
fn assignment_lines(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#') && l.contains(" = "))
        .map(|(i, _)| i)
        .collect()
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let assigns = assignment_lines(&lines);
    let pick = |i: usize| assigns[i % assigns.len()];
    match m {
        Mutation::DeleteLine(i) => {
            let i = pick(*i);
            lines.remove(i);
        }
        Mutation::DuplicateLine(i) => {
            let i = pick(*i);
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        Mutation::SwapValues(a, b) => {
            let (a, b) = (pick(*a), pick(*b));
            let va = lines[a]
                .split_once(" = ")
                .map(|x| x.1.to_string())
                .unwrap_or_default();
            let vb = lines[b]
                .split_once(" = ")
                .map(|x| x.1.to_string())
                .unwrap_or_default();
            lines[a] = format!(
                "{} = {vb}",
                lines[a].split_once(" = ").map(|x| x.0).unwrap_or("")
            );
            lines[b] = format!(
                "{} = {va}",
                lines[b].split_once(" = ").map(|x| x.0).unwrap_or("")
            );
        }
        Mutation::ReplaceValue(i, v) => {
            let i = pick(*i);
            let key = lines[i]
                .split_once(" = ")
                .map(|x| x.0.to_string())
                .unwrap_or_default();
            lines[i] = format!("{key} = {}", EXTREMES[*v]);
        }
        Mutation::InsertBytes(at, bytes) => {
            let mut joined = lines.join("\n").into_bytes();
            let at = at % joined.len();
            for (k, b) in bytes.iter().enumerate() {
                joined.insert(at + k, *b);
            }
            return String::from_utf8_lossy(&joined).into_owned();
        }
    }
    lines.join("\n")
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match scenario::load(text, "fuzz") {
        Ok(s) => match Model::compile(&s, "fuzz") {
            Ok((model, _)) => {
                // A valid scenario runs; out-of-domain values are an error, not a panic.
                let _ = simulate(&model, &RunConfig { paths: 64, seed: 1 }, &NoProgress);
            }
            Err(e) => prop_assert!(!e.problems.is_empty()),
        },
        Err(e) => {
            prop_assert!(!e.problems.is_empty());
            for p in &e.problems {
                prop_assert!(
                    !p.field.is_empty() || p.line.is_some(),
                    "a problem names neither a field nor a line: {p}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_never_panic(which in 0..SHIPPED.len(), mutations in proptest::collection::vec(mutation(), 1..4)) {
        let mut text = SHIPPED[which].to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        check(&text)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }
}
