//! Flag comfort and output safety: short flags, `--paths 1e5`/`100k`,
//! `--out` on `solve` and `backtest`, the man page's sections, singular
//! forms, `--out` into a folder or a missing folder, `--charts` over an
//! input, the sweep header's path, `report` on a terminal.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::{fixture, repo};

fn attain() -> Command {
    let mut c = Command::cargo_bin("attain").unwrap();
    c.env_remove("CLICOLOR_FORCE");
    c
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn subcommands() -> Vec<String> {
    let help = attain().arg("--help").output().unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    text.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_subcommand_with_the_long_flag_has_the_short_one() {
    let mut seen = 0;
    for sub in subcommands() {
        let help = attain().args([sub.as_str(), "--help"]).output().unwrap();
        let text = String::from_utf8(help.stdout).unwrap();
        for (short, long) in [
            ("-n", "--paths"),
            ("-j", "--threads"),
            ("-o", "--out"),
            ("-q", "--quiet"),
        ] {
            let has_long = text.lines().any(|l| {
                l.trim_start().starts_with(&format!("{long} ")) || l.contains(&format!(", {long} "))
            });
            if has_long {
                seen += 1;
                assert!(
                    text.contains(&format!("{short}, {long}")),
                    "attain {sub}: {long} without {short}"
                );
            }
        }
    }
    // run, merge, sweep, solve, sensitivity, report, calibrate, backtest, bench: 20 or more.
    assert!(seen >= 20, "only {seen} flags seen");
}

#[test]
fn short_flags_give_the_same_run_as_long_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let two = fixture("two-sector.toml");
    attain()
        .args([
            "run", &two, "-n", "3000", "-j", "2", "-q", "--format", "json", "-o",
        ])
        .arg(&a)
        .assert()
        .success()
        .stderr("");
    attain()
        .args([
            "run",
            &two,
            "--paths",
            "3000",
            "--threads",
            "1",
            "--quiet",
            "--format",
            "json",
            "--out",
        ])
        .arg(&b)
        .assert()
        .success();
    let (mut x, mut y) = (
        json(&std::fs::read(&a).unwrap()),
        json(&std::fs::read(&b).unwrap()),
    );
    for v in [&mut x, &mut y] {
        v["run"]["elapsed_s"] = Value::Null;
        v["run"]["threads"] = Value::Null;
    }
    assert_eq!(x, y);
    assert_eq!(x["run"]["paths"], 3000);
}

#[test]
fn paths_take_powers_of_ten_but_only_whole_numbers() {
    let two = fixture("two-sector.toml");
    for (text, n) in [("1e3", 1000), ("2k", 2000), ("1.5k", 1500), ("25E2", 2500)] {
        let out = attain()
            .args([
                "run",
                two.as_str(),
                "--paths",
                text,
                "--format",
                "json",
                "--quiet",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{text}: {out:?}");
        assert_eq!(json(&out.stdout)["run"]["paths"], n, "{text}");
    }
    // --max-paths too (a precision goal met after one block: nothing near a million is simulated).
    let out = attain()
        .args([
            "run",
            &two,
            "--precision",
            "0.5",
            "--max-paths",
            "1M",
            "--format",
            "json",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        json(&out.stdout)["run"]["precision"]["max_paths"],
        1_000_000
    );
    for text in ["1.5e0", "2.5", "1e-1"] {
        let out = attain()
            .args(["run", &two, "--paths", text])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(&format!(
                "invalid argument --paths: must be a whole number, got {text}"
            )),
            "{text}: {err}"
        );
    }
    let out = attain()
        .args(["run", &two, "--paths", "1e12"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be at most"));
}

#[test]
fn solve_and_backtest_write_to_out() {
    let dir = tempfile::tempdir().unwrap();
    let two = fixture("two-sector.toml");
    let solved = dir.path().join("solve.json");
    attain()
        .args([
            "solve",
            &two,
            "--vary",
            "sectors.industry.growth=0:20",
            "--target",
            "gdp_growth",
        ])
        .args([
            "--probability",
            "0.5",
            "-n",
            "2000",
            "--format",
            "json",
            "-o",
        ])
        .arg(&solved)
        .assert()
        .success()
        .stdout("");
    assert!(json(&std::fs::read(&solved).unwrap()).is_object());
    let scored = dir.path().join("backtest.json");
    attain()
        .args([
            "backtest",
            &two,
            "--outcomes",
            &fixture("two-sector-outcomes.csv"),
        ])
        .args(["-n", "2000", "--format", "json", "-q", "-o"])
        .arg(&scored)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(json(&std::fs::read(&scored).unwrap())["cases"].is_array());
    // The outcomes file is an input: never overwritten.
    let outcomes = dir.path().join("outcomes.csv");
    std::fs::copy(fixture("two-sector-outcomes.csv"), &outcomes).unwrap();
    let before = std::fs::read(&outcomes).unwrap();
    let out = attain()
        .args(["backtest", &two, "--outcomes"])
        .arg(&outcomes)
        .arg("--out")
        .arg(&outcomes)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&outcomes).unwrap(), before);
}

#[test]
fn man_page_has_examples_exit_status_and_environment() {
    let out = attain().arg("man").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        ".SH EXAMPLES",
        ".SH EXIT STATUS",
        ".SH ENVIRONMENT",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH VERSION",
    ] {
        assert!(text.contains(section), "attain.1 lacks {section}");
    }
    assert!(!text.contains("EXTRA"));
    for var in ["NO_COLOR", "CLICOLOR", "RAYON_NUM_THREADS"] {
        assert!(text.contains(var), "ENVIRONMENT lacks {var}");
    }
    // One example of each subcommand, hyphens escaped for roff.
    assert!(text.contains("\n  attain validate scenarios/jilin\\-2022.toml\n"));
    assert!(text.contains("\n  attain bench \\-\\-threads 1 "));
    let dir = tempfile::tempdir().unwrap();
    attain()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    let run = std::fs::read_to_string(dir.path().join("attain-run.1")).unwrap();
    let examples = run.find(".SH EXAMPLES").expect("attain-run.1 has EXAMPLES");
    assert!(run[examples..].contains("attain run "));
    assert!(run.contains(".SH EXIT STATUS") && !run.contains("EXTRA"));
    // Examples come after the options, and the version closes the page.
    assert!(run.find(".SH OPTIONS").unwrap() < examples);
    assert!(examples < run.find(".SH VERSION").unwrap());
}

#[test]
fn counts_of_one_are_singular() {
    let one = fixture("one-year.toml");
    attain()
        .args(["validate", &one])
        .assert()
        .success()
        .stdout(format!(
            "{one}: valid (2 sectors, 1 shock, 1 event, 2 indicators, 1 target)\n"
        ));
    let table = attain().args(["run", &one, "-n", "2000"]).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("base year 2022, horizon 1 year)"), "{table}");
    assert!(table.contains("\nThe 1 headline target met: "), "{table}");
    assert!(!table.contains("1 years") && !table.contains("1 headline targets"));
    let explain = attain().args(["explain", &one]).output().unwrap();
    let explain = String::from_utf8(explain.stdout).unwrap();
    assert!(explain.contains("horizon 1 year (4 quarters)"), "{explain}");
    assert!(explain.contains("lasts 1 quarter,"), "{explain}");
    // And plural otherwise.
    let two = attain()
        .args(["validate", &fixture("two-sector.toml")])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(two.stdout)
            .unwrap()
            .contains("2 shocks, 1 event,")
    );
}

/// `args` (then `extra`) fails with exit code 2 and a message containing
/// `needle` that names no temporary file; returns the message.
fn refused(args: &[&str], extra: &[&Path], needle: &str) -> String {
    let out = attain().args(args).args(extra).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains(".tmp"), "names a temporary file: {err}");
    err
}

#[test]
fn out_into_a_folder_or_a_missing_folder_is_bad_input() {
    // Not named `.tmp…`, which the messages must not contain.
    let dir = tempfile::Builder::new().prefix("outs").tempdir().unwrap();
    let two = fixture("two-sector.toml");
    // An existing folder.
    for cmd in [
        vec!["run", two.as_str(), "-n", "100", "--out"],
        vec!["report", two.as_str(), "-n", "100", "--out"],
        vec![
            "solve",
            two.as_str(),
            "--vary",
            "sectors.industry.growth=0:20",
            "--target",
            "gdp_growth",
            "--probability",
            "0.5",
            "-n",
            "100",
            "--out",
        ],
        vec!["merge", two.as_str(), "--out"],
    ] {
        refused(&cmd, &[dir.path()], "is a folder, not a file");
    }
    // A file in a folder that does not exist: the message names the folder.
    let missing = dir.path().join("no-such-folder");
    let target = missing.join("run.json");
    let err = refused(
        &["run", &two, "-n", "100", "--out"],
        &[&target],
        "does not exist",
    );
    assert!(
        err.contains(&format!("the folder {} does not exist", missing.display())),
        "{err}"
    );
    refused(
        &[
            "sweep",
            &two,
            "--set",
            "sectors.industry.growth=1,2",
            "-n",
            "100",
            "--out",
        ],
        &[&target],
        "does not exist",
    );
    assert!(!missing.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn charts_never_overwrite_an_input() {
    let dir = tempfile::tempdir().unwrap();
    // The scenario sits where a chart would be written.
    let scenario = dir.path().join("gdp_growth-distribution.svg");
    std::fs::copy(fixture("two-sector.toml"), &scenario).unwrap();
    let before = std::fs::read(&scenario).unwrap();
    let out = attain()
        .arg("run")
        .arg(&scenario)
        .args(["-n", "500", "--charts"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid argument --charts:") && err.contains("refusing to overwrite it"),
        "{err}"
    );
    assert_eq!(std::fs::read(&scenario).unwrap(), before);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Another folder is fine.
    let charts = dir.path().join("charts");
    attain()
        .arg("run")
        .arg(&scenario)
        .args(["-n", "500", "-q", "--charts"])
        .arg(&charts)
        .assert()
        .success();
    assert!(charts.join("gdp_growth-distribution.svg").exists());
}

#[test]
fn sweep_header_names_the_scenario_without_dot_dot() {
    let out = attain()
        .current_dir(repo(""))
        .args([
            "sweep",
            "scenarios/sweeps/jilin-lockdown.toml",
            "-n",
            "256",
            "-j",
            "2",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    let first = table.lines().next().unwrap();
    assert!(first.ends_with("(scenarios/jilin-2022.toml)"), "{first}");
}

#[test]
fn report_to_a_pipe_is_allowed() {
    let out = attain()
        .args(["report", &fixture("two-sector.toml"), "-n", "500", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
}

#[test]
#[ignore = "needs util-linux script and a pseudo-terminal (.ci/run runs the ignored tests)"]
fn report_refuses_a_terminal() {
    let bin = crate::cli_comfort::sh_quote(env!("CARGO_BIN_EXE_attain"));
    let two = crate::cli_comfort::sh_quote(&fixture("two-sector.toml"));
    let tty = crate::cli_comfort::on_terminal(
        &format!("{bin} report {two} -n 500; echo \"exit $?\""),
        &[("NO_COLOR", "1")],
    );
    assert!(tty.contains("exit 2"), "{tty:?}");
    assert!(tty.contains("--out FILE.html"), "{tty:?}");
    assert!(
        !tty.contains("<html") && !tty.contains("<!DOCTYPE"),
        "{tty:?}"
    );
}

#[test]
#[ignore = "needs util-linux script and a pseudo-terminal (.ci/run runs the ignored tests)"]
fn backtest_shows_a_progress_bar_on_a_terminal_unless_quiet() {
    use crate::cli_comfort::{on_terminal, sh_quote};
    let bin = sh_quote(env!("CARGO_BIN_EXE_attain"));
    let cmd = format!(
        "{bin} backtest {} --outcomes {} -n 200000 -j 1",
        sh_quote(&fixture("two-sector.toml")),
        sh_quote(&fixture("two-sector-outcomes.csv"))
    );
    let delay = [("ATTAIN_PROGRESS_DELAY_MS", "0")];
    let tty = on_terminal(&format!("{cmd} > /dev/null"), &delay);
    assert!(
        tty.contains("ETA") && tty.contains("paths"),
        "no bar: {tty:?}"
    );
    let quiet = on_terminal(&format!("{cmd} -q > /dev/null"), &delay);
    assert_eq!(quiet, "", "--quiet printed {quiet:?}");
}
