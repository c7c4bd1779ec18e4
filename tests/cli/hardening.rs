//! Clear messages on odd input, bounded sweeps, overflowed means across
//! shards, and a property test over the whole command line: the promises of
//! docs/RELIABILITY.md ("Clear messages", "Sweeps", "Any command line") and
//! the test here that checks each.

use crate::common;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use proptest::prelude::*;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

/// Run `attain args`; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = attain()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A valid scenario in yuan near the largest float: GDP about 2e307, so the
/// plain sum of 20,000 paths overflows and the mean comes from the scaled sum.
const OVERFLOW: &str = r#"[scenario]
name = "Overflow"
region = "X"
base_year = 2021
horizon = 1
value_unit = "yuan"

[[sectors]]
id = "a"
label = "A"
value_added = 1.0e306
growth = 5.0
volatility = 3.0
loadings = { s = 1.0 }

[[shocks]]
id = "s"
label = "S"
distribution = "gaussian"

[[indicators]]
id = "gdp"
label = "GDP"
unit = "yuan"
kind = "sum"
terms = { a = 20.0 }

[[targets]]
id = "g"
label = "G"
indicator = "gdp"
year = 2022
op = "at_least"
threshold = 5.0e307
"#;

fn two_sector() -> String {
    std::fs::read_to_string(common::fixture("two-sector.toml")).unwrap()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

// ---- Clear messages ----

#[test]
fn a_byte_order_mark_is_accepted_and_does_not_shift_columns() {
    let dir = tempfile::tempdir().unwrap();
    let text = two_sector();
    let good = write(dir.path(), "bom.toml", format!("\u{feff}{text}"));
    let (code, stdout, stderr) = run(&["validate", &good]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("valid"), "{stdout}");
    // A problem on the first line: the same line, column and field as without the mark.
    let bad = write(
        dir.path(),
        "bom-bad.toml",
        format!("\u{feff}nam = 1\n{text}"),
    );
    let (code, _, stderr) = run(&["validate", &bad]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("line 1, column 1: nam: unknown field `nam`"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{feff}'), "{stderr}");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_naming_the_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"[scenario]\nname = \"Test".to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b"land\"\n");
    let path = write(dir.path(), "latin1.toml", &bytes);
    let (code, _, stderr) = run(&["validate", &path]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("not valid UTF-8: byte 0xFF at offset 23 (line 2, column 13)"),
        "{stderr}"
    );
}

#[test]
fn nesting_too_deep_names_the_field_and_line_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "[scenario]\nname = {}{}\n",
        "[".repeat(300),
        "]".repeat(300)
    );
    let path = write(dir.path(), "deep.toml", deep);
    let (code, _, stderr) = run(&["validate", &path]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("line 2, column") && stderr.contains("name: nested too deeply"),
        "{stderr}"
    );
    assert!(!stderr.contains("recurse"), "{stderr}");
}

#[test]
fn control_characters_in_a_quoted_line_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "ctl.toml",
        "[scenario]\nname = \"a\u{1b}[2J\rb\"\n",
    );
    let (code, _, stderr) = run(&["validate", &path]);
    assert_eq!(code, Some(2));
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\r'),
        "{stderr:?}"
    );
    assert!(stderr.contains("a\\u{1b}[2J\\rb"), "{stderr}");
}

#[test]
fn a_syntax_error_in_a_sweep_file_is_reported_as_one_with_a_caret() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::fixture("two-sector.toml");
    let text = format!(
        "[sweep]\nscenario = {scenario:?}\npaths = 100\n[[sweep.set]]\npath = \"sectors.industry.growth\"\nvalues = \"0, 1\n"
    );
    let path = write(dir.path(), "sweep.toml", text);
    let (code, _, stderr) = run(&["sweep", &path]);
    assert_eq!(code, Some(2));
    assert!(!stderr.contains("unknown field `sweep`"), "{stderr}");
    assert!(
        stderr.contains("invalid sweep file: line 6, column 15:"),
        "{stderr}"
    );
    assert!(stderr.contains("6 | values = \"0, 1"), "{stderr}");
    assert!(stderr.contains("  |               ^"), "{stderr}");
}

#[test]
fn a_model_error_in_a_sweep_names_the_grid_point() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "overflow.toml", OVERFLOW);
    let (code, _, stderr) = run(&[
        "sweep",
        &scenario,
        "--set",
        "indicators.gdp.terms.a=1,20,170",
        "--paths",
        "64",
        "--quiet",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("model error: at grid point 3 of 3 (indicators.gdp.terms.a = 170):"),
        "{stderr}"
    );
}

#[test]
fn values_repeated_on_an_axis_are_warned_about() {
    let (code, stdout, _) = run(&[
        "sweep",
        &common::fixture("two-sector.toml"),
        "--set",
        "sectors.industry.growth=1,2,1",
        "--paths",
        "64",
        "--quiet",
    ]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains(
            "warning: sectors.industry.growth: the value 1 appears more than once, so some grid points are the same point"
        ),
        "{stdout}"
    );
    let (_, clean, _) = run(&[
        "sweep",
        &common::fixture("two-sector.toml"),
        "--set",
        "sectors.industry.growth=1,2,3",
        "--paths",
        "64",
        "--quiet",
    ]);
    assert!(!clean.contains("more than once"), "{clean}");
}

#[test]
fn a_grid_over_the_bound_is_refused_before_anything_runs() {
    let (code, _, stderr) = run(&[
        "sweep",
        &common::fixture("two-sector.toml"),
        "--set",
        "sectors.industry.growth=0:1:400",
        "--set",
        "sectors.services.growth=0:1:300",
        "--quiet",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("invalid argument --set: the grid has 120000 points; at most 100000"),
        "{stderr}"
    );
}

#[test]
fn sd_with_a_fraction_on_a_whole_number_names_the_amount_given() {
    let (code, _, stderr) = run(&[
        "sensitivity",
        &common::fixture("two-sector.toml"),
        "--paths",
        "64",
        "--sd",
        "events.outage.duration=0.3",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("invalid argument --sd: events.outage.duration=0.3:")
            && stderr.contains("got 0.3"),
        "{stderr}"
    );
    assert!(!stderr.contains("0.7"), "{stderr}");
}

#[test]
fn backtest_with_an_unknown_target_names_it_not_the_years() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "o.csv",
        "target,year,value\ngdp_grwth,2022,6.1\n",
    );
    let (code, _, stderr) = run(&[
        "backtest",
        "--outcomes",
        &csv,
        &common::fixture("two-sector.toml"),
        "--paths",
        "64",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(
            "no scenario has the target \"gdp_grwth\" (did you mean \"gdp_growth\"?); the scenarios' targets are gdp_growth, cpi, jobs_2y"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("years"), "{stderr}");
}

#[test]
fn calibrate_does_not_call_a_series_of_huge_values_constant() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("year,series,value,unit\n");
    for (k, y) in (2001..=2006).enumerate() {
        let v = if k % 2 == 0 { "1e308" } else { "-1e308" };
        text.push_str(&format!("{y},x_rate,{v},%\n"));
    }
    let csv = write(dir.path(), "h.csv", text);
    let (code, stdout, stderr) = run(&["calibrate", &csv]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("constant"), "{stdout}");
    assert!(
        stdout.contains("values too large for estimates: the standard deviation overflows"),
        "{stdout}"
    );
}

// ---- Overflowed means survive sharding ----

/// A mean whose plain sum overflows (values near 2e307 on 20,000 paths) is
/// the same bits from `merge` of any sharding as from a single run.
#[test]
fn an_overflowed_mean_merges_to_the_same_bits_as_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "overflow.toml", OVERFLOW);
    let mean = |json: &str| -> u64 {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let m = v["targets"][0]["mean"]
            .as_f64()
            .unwrap_or_else(|| panic!("no mean in {json}"));
        assert!(m.is_finite() && m > 1e307, "{m}");
        m.to_bits()
    };
    let (code, single, stderr) = run(&[
        "run", &scenario, "--paths", "20000", "--format", "json", "--quiet",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let single_bits = mean(&single);
    for n in [2usize, 3, 5] {
        let mut parts = vec![];
        for k in 0..n {
            let part = dir.path().join(format!("p{n}-{k}.json"));
            let (code, _, stderr) = run(&[
                "run",
                &scenario,
                "--paths",
                "20000",
                "--shard",
                &format!("{k}/{n}"),
                "--threads",
                &(1 + k % 2).to_string(),
                "--out",
                part.to_str().unwrap(),
                "--quiet",
            ]);
            assert_eq!(code, Some(0), "{stderr}");
            let text = std::fs::read_to_string(&part).unwrap();
            // The part keeps an overflowed sum as the string "inf" (its own
            // encoding, read back exactly); no number is null.
            assert!(!text.contains("null"), "{text}");
            parts.push(part.to_str().unwrap().to_string());
        }
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        args.extend(["--format", "json"]);
        let (code, merged, stderr) = run(&args);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(mean(&merged), single_bits, "{n} shards");
    }
}

// ---- Any command line ----

const SUBCOMMANDS: &[&str] = &[
    "run",
    "report",
    "validate",
    "explain",
    "params",
    "sweep",
    "solve",
    "sensitivity",
    "backtest",
    "calibrate",
    "merge",
];

/// Flags and values, odd ones included; none may start hours of work (a
/// path count inside the bound is at most 4096).
const WORDS: &[&str] = &[
    "--paths",
    "--paths",
    "4096",
    "7",
    "1",
    "0",
    "-1",
    "68719476737",
    "18446744073709551616",
    "1e999",
    "nan",
    "--seed",
    "--threads",
    "2",
    "1025",
    "--format",
    "json",
    "csv",
    "table",
    "html",
    "xml",
    "--out",
    "--set",
    "sectors.industry.growth=0:10:3",
    "sectors.industry.growth=nan",
    "events.outage.probability=0,1.5",
    "nope.x=1",
    "--target",
    "gdp_growth",
    "cpi",
    "--vary",
    "sectors.industry.growth=0:20",
    "--sd",
    "events.outage.duration=1",
    "--outcomes",
    "--shard",
    "0/2",
    "3/2",
    "--precision",
    "0.01",
    "--quiet",
    "--from",
    "--to",
    "2021",
    "",
    "\u{1b}[2J",
    "--",
    "-",
];

/// Inputs the command line may name.
#[derive(Debug, Clone, Copy)]
enum Input {
    Scenario,
    Mutated,
    Outcomes,
    Missing,
    Folder,
    DevNull,
    OutFile,
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        Just(Input::Scenario),
        Just(Input::Mutated),
        Just(Input::Outcomes),
        Just(Input::Missing),
        Just(Input::Folder),
        Just(Input::DevNull),
        Just(Input::OutFile),
    ]
}

#[derive(Debug, Clone)]
enum Arg {
    Word(usize),
    File(Input),
}

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        3 => (0..WORDS.len()).prop_map(Arg::Word),
        1 => input().prop_map(Arg::File),
    ]
}

const EXTREME_NUMBERS: &[&str] = &[
    "0", "-1", "1e308", "-1e308", "1e-300", "1e16", "1.2e12", "100", "-100", "0.999999",
];

/// A scenario with some numbers replaced by extreme ones.
fn mutate(text: &str, picks: &[(usize, usize)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let numeric: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.split_once('=')
                .is_some_and(|(_, v)| v.trim().parse::<f64>().is_ok())
        })
        .map(|(i, _)| i)
        .collect();
    for &(line, value) in picks {
        let i = numeric[line % numeric.len()];
        let key = lines[i].split_once('=').unwrap().0.to_string();
        lines[i] = format!("{key}= {}", EXTREME_NUMBERS[value % EXTREME_NUMBERS.len()]);
    }
    lines.join("\n") + "\n"
}

fn digest(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// Numeric fields of the JSON outputs, which must never be null.
const NUMERIC_KEYS: &[&str] = &[
    "mean",
    "probability",
    "std_error",
    "threshold",
    "p05",
    "p25",
    "p50",
    "p75",
    "p95",
    "ci95_low",
    "ci95_high",
];

fn null_number(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
            if x.is_null() && NUMERIC_KEYS.contains(&k.as_str()) {
                Some(format!("{k}: null"))
            } else {
                null_number(x)
            }
        }),
        serde_json::Value::Array(a) => a.iter().find_map(null_number),
        _ => None,
    }
}

/// Whether a text holds a number that is not one: NaN or inf in any
/// format, or null for a numeric field of JSON. A word cut short by a
/// label's ellipsis ("Consumer price inf…") is a word, not a number.
fn non_number(text: &str) -> Option<String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut rest = text;
    while let Some(start) = rest.find(is_word) {
        let tail = &rest[start..];
        let end = tail.find(|c: char| !is_word(c)).unwrap_or(tail.len());
        let (w, after) = tail.split_at(end);
        if matches!(w, "NaN" | "nan" | "inf" | "Infinity") && !after.starts_with('…') {
            return Some(w.to_string());
        }
        rest = after;
    }
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| null_number(&v))
}

/// The detector finds NaN and inf as numbers are written, and not in a
/// label cut short with an ellipsis (as `sensitivity` shortens "Consumer
/// price inflation"), which made the property test below fail at random.
#[test]
fn non_number_finds_nan_and_inf_but_not_a_cut_label() {
    assert_eq!(non_number("P(met) inf%").as_deref(), Some("inf"));
    assert_eq!(non_number("{\"x\": NaN}").as_deref(), Some("NaN"));
    assert_eq!(non_number("a,inf\n").as_deref(), Some("inf"));
    assert_eq!(non_number("Consumer price inf…: terms 0.63 → 0.77"), None);
    assert_eq!(non_number("infinite information"), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random command lines over every subcommand, with odd flags, values,
    /// files and output targets, and scenarios with extreme numbers: never a
    /// panic or abort, always exit 0, 1 or 2, a message on standard error
    /// for 1 and 2, no NaN, inf or null in what is written, and no input
    /// file changed.
    #[test]
    fn any_command_line_exits_0_1_or_2_with_a_message(
        sub in 0..SUBCOMMANDS.len(),
        args in proptest::collection::vec(arg(), 0..7),
        picks in proptest::collection::vec((any::<usize>(), any::<usize>()), 0..3),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let scenario = write(dir.path(), "scenario.toml", two_sector());
        let mutated = write(dir.path(), "mutated.toml", mutate(&two_sector(), &picks));
        let outcomes = write(
            dir.path(),
            "outcomes.csv",
            std::fs::read(common::fixture("two-sector-outcomes.csv")).unwrap(),
        );
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        let out = dir.path().join("out.txt");
        let inputs = [&scenario, &mutated, &outcomes];
        let before: Vec<_> = inputs.iter().map(|p| digest(Path::new(p))).collect();
        let mut line: Vec<String> = vec![SUBCOMMANDS[sub].to_string()];
        // Most commands need a scenario first; give it one half the time.
        if args.len() % 2 == 0 {
            line.push(scenario.clone());
        }
        for a in &args {
            line.push(match a {
                Arg::Word(i) => WORDS[*i].to_string(),
                Arg::File(Input::Scenario) => scenario.clone(),
                Arg::File(Input::Mutated) => mutated.clone(),
                Arg::File(Input::Outcomes) => outcomes.clone(),
                Arg::File(Input::Missing) => dir.path().join("missing.toml").to_str().unwrap().to_string(),
                Arg::File(Input::Folder) => folder.to_str().unwrap().to_string(),
                Arg::File(Input::DevNull) => "/dev/null".to_string(),
                Arg::File(Input::OutFile) => out.to_str().unwrap().to_string(),
            });
        }
        let output = attain()
            .args(&line)
            .current_dir(dir.path())
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let code = output.status.code();
        prop_assert!(
            matches!(code, Some(0..=2)),
            "attain {:?}: exit {:?} (a signal or timeout is None)\n{}", line, code, stderr
        );
        prop_assert!(!stderr.contains("panicked") && !stderr.contains("internal failure"),
            "attain {:?}\n{}", line, stderr);
        if code != Some(0) {
            prop_assert!(!stderr.trim().is_empty(), "attain {:?}: exit {:?} without a message", line, code);
        }
        if code == Some(0) {
            let written = std::fs::read_to_string(&out).unwrap_or_default();
            for (what, text) in [("stdout", &stdout), ("--out", &written)] {
                // Help and version texts are prose; reports are checked.
                if text.contains("Usage:") {
                    continue;
                }
                prop_assert!(non_number(text).is_none(),
                    "attain {:?}: {} holds {:?}\n{}", line, what, non_number(text), text);
            }
        }
        let after: Vec<_> = inputs.iter().map(|p| digest(Path::new(p))).collect();
        prop_assert_eq!(before, after, "attain {:?} changed an input", line);
    }
}

/// A target label with a screen-clearing escape, a carriage return and a NUL
/// reaches the terminal escaped in every text output (run's wide and compact
/// tables, explain, sensitivity), while JSON keeps the label as written.
#[test]
fn control_characters_in_labels_never_reach_the_terminal_raw() {
    let text = std::fs::read_to_string(common::repo("tests/fixtures/two-sector.toml")).unwrap();
    let targets = text.find("[[targets]]").expect("a target");
    let first = targets + text[targets..].find("label = \"").expect("a label") + "label = \"".len();
    let bad = format!("{}\\u001b[2J\\rX\\u0000{}", &text[..first], &text[first..]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad-label.toml");
    std::fs::write(&file, bad).unwrap();
    let f = file.to_str().unwrap();
    for args in [
        vec!["run", f, "--paths", "2000", "--quiet"],
        vec!["run", f, "--paths", "2000", "--quiet", "--labels", "en"],
        vec!["explain", f],
        vec!["sensitivity", f, "--paths", "1000", "--quiet"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(
            !out.contains('\u{1b}') && !out.contains('\r') && !out.contains('\0'),
            "{args:?}: {out:?}"
        );
        // explain lists targets by id; the others show the label, escaped.
        if args[0] != "explain" {
            assert!(
                out.contains("\\u{1b}[2J\\rX\\0"),
                "{args:?}: the escaped label is shown: {out}"
            );
        }
    }
    let (_, json, _) = run(&["run", f, "--paths", "2000", "--quiet", "--format", "json"]);
    assert!(
        json.contains("\\u001b[2J\\rX\\u0000"),
        "JSON escapes it its own way"
    );
}
