//! CLI comfort: shell completions, the man page, an example in
//! every `--help`, quoted scenario errors with a caret and a hint, colour
//! only on a terminal (and never with NO_COLOR), and progress bars that stay
//! off standard output and off a standard error that is not a terminal.
//!
//! Terminal behaviour is checked under a pseudo-terminal made by util-linux
//! `script`, and the man page is rendered with groff. Those checks need the
//! tools, so they are `#[ignore]`d (they show as ignored, not as passed):
//! `.ci/run` installs the tools and runs them with `cargo test --release
//! --test cli -- --ignored`, where a missing tool is a failure. The
//! non-terminal checks, and the CLICOLOR_FORCE checks of the colour policy,
//! run everywhere.

use crate::common;

use std::process::Command as Process;

use assert_cmd::Command;

fn attain() -> Command {
    let mut c = Command::cargo_bin("attain").unwrap();
    // A clean slate: the tests set what they need.
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "ATTAIN_PROGRESS_DELAY_MS",
    ] {
        c.env_remove(var);
    }
    c
}

fn fixture(name: &str) -> String {
    common::fixture(name)
}

const ESC: u8 = 0x1b;

fn has_escape(bytes: &[u8]) -> bool {
    bytes.contains(&ESC)
}

/// The subcommands, as `attain --help` lists them (without `help`).
fn subcommands() -> Vec<String> {
    let out = attain().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let list: Vec<String> = text
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    for expected in [
        "run",
        "sweep",
        "solve",
        "sensitivity",
        "validate",
        "completions",
        "man",
    ] {
        assert!(
            list.iter().any(|n| n == expected),
            "`attain --help` does not list {expected}: {list:?}"
        );
    }
    list
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    let subs = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = attain().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.len() > 1000, "{shell}: only {} bytes", text.len());
        for sub in &subs {
            assert!(
                text.contains(sub.as_str()),
                "{shell} completion lacks {sub}"
            );
        }
        // Flags complete too, and in bash, zsh and fish their values (the
        // elvish and powershell generators do not complete values).
        assert!(text.contains("paths"), "{shell} completion lacks --paths");
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(
                text.contains("json"),
                "{shell} completion lacks --format json"
            );
        }
    }
    attain()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn bash_completion_script_parses() {
    let out = attain().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("attain.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    // bash is there wherever the tests run in CI (.ci/run is a bash script):
    // no bash is a failure, not a pass.
    let check = Process::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash is needed for the syntax check of the bash completion");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn man_page_is_roff_for_every_subcommand() {
    let out = attain().arg("man").output().unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let text = String::from_utf8(out.stdout).unwrap();
    // Every line that is a request starts with a dot or an apostrophe; the
    // title comes before the first section.
    let th = text
        .lines()
        .position(|l| l.starts_with(".TH attain 1"))
        .unwrap_or_else(|| panic!("no .TH line:\n{text}"));
    let first_section = text.lines().position(|l| l.starts_with(".SH")).unwrap();
    assert!(th < first_section);
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", ".SH VERSION"] {
        assert!(text.contains(section), "man page lacks {section}");
    }
    for sub in subcommands() {
        assert!(
            text.contains(&format!("attain\\-{}", sub.replace('-', "\\-"))),
            "man page does not list {sub}"
        );
    }
}

#[test]
#[ignore = "needs groff (.ci/run installs it and runs the ignored tests)"]
fn man_page_renders_with_groff_without_a_warning() {
    let out = attain().arg("man").output().unwrap();
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("attain.1");
    std::fs::write(&page, &out.stdout).unwrap();
    let g = Process::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&page)
        .output()
        .expect("groff is needed to render the man page");
    assert!(
        g.status.success() && g.stderr.is_empty(),
        "groff: {}",
        String::from_utf8_lossy(&g.stderr)
    );
}

#[test]
fn man_dir_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    attain()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout("");
    for page in ["attain.1", "attain-run.1", "attain-sweep.1", "attain-man.1"] {
        let text = std::fs::read_to_string(dir.path().join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        let name = page.trim_end_matches(".1");
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!(".TH {name} 1"))),
            "{page} lacks its .TH line"
        );
    }
    let run = std::fs::read_to_string(dir.path().join("attain-run.1")).unwrap();
    assert!(run.contains("\\-\\-paths"), "attain-run.1 lacks --paths");
}

#[test]
fn every_subcommand_help_has_an_example() {
    for sub in subcommands() {
        let out = attain().args([sub.as_str(), "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub} --help failed");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("Example"),
            "`attain {sub} --help` has no example"
        );
        let example = text
            .lines()
            .skip_while(|l| !l.starts_with("Example"))
            .any(|l| l.trim_start().contains(&format!("attain {sub}")));
        assert!(
            example,
            "`attain {sub} --help`: no example line uses `attain {sub}`:\n{text}"
        );
    }
}

/// The lines of `text` that quote line `line` of a file, the caret line below
/// it, and the help lines after them (after the empty gutter line that
/// separates them from the quote).
fn quote(text: &str, line: usize) -> (String, String, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("{line} | ")))
        .unwrap_or_else(|| panic!("line {line} is not quoted:\n{text}"));
    let helps = lines[at + 2..]
        .iter()
        .skip_while(|l| l.trim() == "|")
        .take_while(|l| l.trim_start().starts_with("= "))
        .map(|l| l.to_string())
        .collect();
    (lines[at].to_string(), lines[at + 1].to_string(), helps)
}

#[test]
fn scenario_error_quotes_the_line_with_a_caret_and_a_hint() {
    let path = fixture("unknown-sector.toml");
    let assert = attain()
        .args(["validate", &path])
        .assert()
        .code(2)
        .stdout("");
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    // The first lines are what they always were.
    assert!(
        err.starts_with(&format!("error: {path}: invalid scenario (1 problem)\n")),
        "{err}"
    );
    assert!(err.contains(&format!(
        "\n  {path}: line 49, column 24: events[outage].impacts[0].sector: unknown sector \"industri\""
    )));
    let source = std::fs::read_to_string(&path).unwrap();
    let source_line = source.lines().nth(48).unwrap();
    let (quoted, caret, helps) = quote(&err, 49);
    let (gutter, code) = quoted.split_once(" | ").unwrap();
    assert_eq!(code, source_line);
    // The caret line has the same gutter, then carets under column 24: the
    // whole quoted string "industri".
    let prefix = gutter.len() + 3;
    assert_eq!(&caret[..prefix], format!("{} | ", " ".repeat(gutter.len())));
    let underlined = &caret[prefix..];
    let start = underlined.find('^').unwrap();
    assert_eq!(start, 23, "caret not under column 24:\n{err}");
    assert_eq!(
        &code[start..start + underlined[start..].len()],
        "\"industri\""
    );
    assert_eq!(helps.len(), 1, "{err}");
    assert!(
        helps[0].ends_with("= help: did you mean \"industry\"?"),
        "{}",
        helps[0]
    );
}

#[test]
fn unknown_field_hint_names_the_nearest_field_and_the_accepted_ones() {
    let path = fixture("unknown-field.toml");
    let assert = attain().args(["run", &path]).assert().code(2).stdout("");
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let (quoted, caret, helps) = quote(&err, 14);
    assert!(quoted.ends_with(" | volatilty = 2.0"), "{quoted}");
    assert!(caret.ends_with(" | ^^^^^^^^^"), "{caret:?}");
    assert_eq!(helps.len(), 2, "{err}");
    assert!(
        helps[0].ends_with("help: did you mean `volatility`?"),
        "{err}"
    );
    assert!(helps[1].contains("help: expected one of `id`"), "{err}");
}

#[test]
fn tabs_and_wide_characters_before_the_column_keep_the_caret_aligned() {
    // A label in Chinese (two columns per character) and a tab before a bad
    // value on the same line.
    let text = std::fs::read_to_string(fixture("two-sector.toml")).unwrap();
    let (before, after) = text.split_once("[scenario]\n").unwrap();
    let broken =
        format!("{before}[scenario]\nregion_zh = {{ a = \"试验区\",\tb = nope }}\n{after}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.toml");
    std::fs::write(&path, &broken).unwrap();
    let assert = attain().arg("validate").arg(&path).assert().code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let line = broken
        .lines()
        .position(|l| l.starts_with("region_zh"))
        .unwrap()
        + 1;
    let (quoted, caret, _) = quote(&err, line);
    // Display columns: "试验区" takes 6, the tab is shown as 4 spaces.
    let code = quoted.split_once(" | ").unwrap().1;
    assert_eq!(code, "region_zh = { a = \"试验区\",    b = nope }");
    let marks = caret.split_once(" | ").unwrap().1;
    let pad = marks.find('^').unwrap();
    // Before "nope": `region_zh = { a = "`, 3 characters 2 columns wide,
    // `",`, a tab shown as 4 spaces, and `b = `.
    let expected: usize = "region_zh = { a = \"".len() + 6 + "\",".len() + 4 + "b = ".len();
    assert_eq!(pad, expected, "{err}");
    assert_eq!(marks[pad..].trim_end(), "^^^^", "{err}");
}

#[test]
fn errors_without_a_line_are_unchanged() {
    // A flag error has no file position: one line, as before.
    let out = attain().args(["run", "--paths", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: invalid argument --paths: must be at least 1\n"
    );
}

/// Nothing coloured on a pipe, whatever the command.
#[test]
fn no_escape_codes_when_not_a_terminal() {
    let two = fixture("two-sector.toml");
    let runs: Vec<Vec<&str>> = vec![
        vec!["run", &two, "--paths", "2000"],
        vec!["run", &two, "--paths", "2000", "--format", "json"],
        vec!["validate", &two],
        vec!["--help"],
        vec!["run", "--help"],
    ];
    for args in runs {
        let out = attain().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!has_escape(&out.stdout), "{args:?}: escape on stdout");
        assert!(!has_escape(&out.stderr), "{args:?}: escape on stderr");
    }
    let out = attain()
        .args(["validate", &fixture("unknown-sector.toml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!has_escape(&out.stderr));
}

/// CLICOLOR_FORCE turns colour on without a terminal (so the coloured path
/// is exercised everywhere), NO_COLOR turns it off again, and JSON and CSV
/// are never coloured.
#[test]
fn no_color_wins_and_machine_formats_are_never_coloured() {
    let two = fixture("two-sector.toml");
    let table = ["run", two.as_str(), "--paths", "2000"];
    let forced = attain()
        .args(table)
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(has_escape(&forced.stdout), "the forced table has no colour");
    let plain = attain().args(table).output().unwrap();
    let strip = |b: &[u8]| {
        let s = String::from_utf8(b.to_vec()).unwrap();
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    // Colour changes nothing but the escape codes (compare without the timing line).
    let drop_timing = |s: String| -> String {
        s.lines()
            .filter(|l| !l.contains(" paths, seed "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        drop_timing(strip(&forced.stdout)),
        drop_timing(String::from_utf8(plain.stdout).unwrap())
    );
    let err = attain()
        .args(["validate", &fixture("unknown-sector.toml")])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(has_escape(&err.stderr), "the forced error has no colour");
    for (var, value) in [("NO_COLOR", "1")] {
        let out = attain()
            .args(table)
            .env("CLICOLOR_FORCE", "1")
            .env(var, value)
            .output()
            .unwrap();
        assert!(!has_escape(&out.stdout), "{var}={value}: table coloured");
        let err = attain()
            .args(["validate", &fixture("unknown-sector.toml")])
            .env("CLICOLOR_FORCE", "1")
            .env(var, value)
            .output()
            .unwrap();
        assert!(!has_escape(&err.stderr), "{var}={value}: error coloured");
    }
    for format in ["json", "csv"] {
        let out = attain()
            .args(["run", &two, "--paths", "2000", "--format", format])
            .env("CLICOLOR_FORCE", "1")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(!has_escape(&out.stdout), "{format} coloured");
    }
}

/// Progress bars, shown at once (ATTAIN_PROGRESS_DELAY_MS=0), still stay off
/// standard output and off a standard error that is not a terminal.
#[test]
fn no_progress_on_pipes() {
    let two = fixture("two-sector.toml");
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", &two, "--paths", "200000", "--threads", "1"],
        vec![
            "sweep",
            &two,
            "--set",
            "sectors.industry.growth=2:6:3",
            "--paths",
            "20000",
            "--threads",
            "1",
        ],
        vec![
            "sensitivity",
            &two,
            "--target",
            "cpi",
            "--paths",
            "4096",
            "--threads",
            "1",
        ],
    ];
    for args in cases {
        let out = attain()
            .args(&args)
            .env("ATTAIN_PROGRESS_DELAY_MS", "0")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains('\r') && !text.contains("ETA") && !has_escape(bytes),
                "{args:?}: progress on {name}:\n{text}"
            );
        }
        // On a pipe, a table run prints nothing on stderr at all.
        if args[0] == "run" {
            assert!(
                out.stderr.is_empty(),
                "{:?}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

const NEEDS_TERMINAL: &str =
    "needs util-linux `script` and a pseudo-terminal (.ci/run runs the ignored tests)";

/// Run `command` (a shell command line) with standard error (and standard
/// output unless the command redirects it) on a pseudo-terminal; returns what
/// the terminal received. Panics without util-linux `script` or a
/// pseudo-terminal to run it on: the tests that call this are `#[ignore]`d
/// and run where the tools are.
pub(crate) fn on_terminal(command: &str, env: &[(&str, &str)]) -> String {
    let version = Process::new("script")
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{NEEDS_TERMINAL}: script: {e}"));
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("util-linux"),
        "{NEEDS_TERMINAL}: `script` is not util-linux's"
    );
    // Some containers have `script` but no pseudo-terminals.
    let probe = Process::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .unwrap();
    assert!(
        probe.status.success(),
        "{NEEDS_TERMINAL}: no pseudo-terminal: {probe:?}"
    );
    let mut p = Process::new("script");
    p.args(["-qec", command, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        p.env(k, v);
    }
    let out = p.output().unwrap();
    assert!(out.status.success(), "{command}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
#[ignore = "needs util-linux script and a pseudo-terminal (.ci/run runs the ignored tests)"]
fn on_a_terminal_the_bar_shows_on_stderr_only_and_quiet_hides_it() {
    let bin = sh_quote(env!("CARGO_BIN_EXE_attain"));
    let two = sh_quote(&fixture("two-sector.toml"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stdout.txt");
    let out = sh_quote(file.to_str().unwrap());
    let run = format!("{bin} run {two} --paths 300000 --threads 1");
    let tty = on_terminal(
        &format!("{run} > {out}"),
        &[("ATTAIN_PROGRESS_DELAY_MS", "0")],
    );
    assert!(
        tty.contains("ETA") && tty.contains("paths"),
        "no bar: {tty:?}"
    );
    let stdout = std::fs::read_to_string(&file).unwrap();
    assert!(stdout.starts_with("Two-sector test economy"), "{stdout}");
    assert!(!stdout.contains("ETA") && !stdout.contains('\r'));
    // --quiet: nothing at all on the terminal.
    let quiet = on_terminal(
        &format!("{run} --quiet > {out}"),
        &[("ATTAIN_PROGRESS_DELAY_MS", "0")],
    );
    assert_eq!(quiet, "", "--quiet printed {quiet:?}");
    // A quick command shows no bar with the default delay (one second).
    let quick = on_terminal(
        &format!("{bin} run {two} --paths 1000 --threads 1 > {out}"),
        &[],
    );
    assert_eq!(quick, "", "a quick run printed {quick:?}");
    // Sweeps count grid points.
    let sweep = on_terminal(
        &format!(
            "{bin} sweep {two} --set sectors.industry.growth=2:6:3 --paths 20000 --threads 1 > {out}"
        ),
        &[("ATTAIN_PROGRESS_DELAY_MS", "0")],
    );
    assert!(sweep.contains("grid points"), "{sweep:?}");
}

#[test]
#[ignore = "needs util-linux script and a pseudo-terminal (.ci/run runs the ignored tests)"]
fn on_a_terminal_colour_unless_no_color() {
    let bin = sh_quote(env!("CARGO_BIN_EXE_attain"));
    let two = sh_quote(&fixture("two-sector.toml"));
    let bad = sh_quote(&fixture("unknown-sector.toml"));
    let table = format!("{bin} run {two} --paths 2000 --threads 1");
    let coloured = on_terminal(&table, &[]);
    assert!(coloured.contains('\u{1b}'), "no colour on a terminal");
    let error = on_terminal(&format!("{bin} validate {bad} || true"), &[]);
    assert!(error.contains("\u{1b}[1m\u{1b}[31merror:"), "{error:?}");
    for cmd in [table.as_str(), &format!("{bin} validate {bad} || true")] {
        let plain = on_terminal(cmd, &[("NO_COLOR", "1")]);
        assert!(!plain.contains('\u{1b}'), "NO_COLOR ignored: {plain:?}");
    }
    let json = on_terminal(&format!("{table} --format json"), &[]);
    assert!(!json.contains('\u{1b}'), "JSON coloured on a terminal");
}

#[test]
#[ignore = "needs util-linux script and a pseudo-terminal (.ci/run runs the ignored tests)"]
fn on_a_narrow_terminal_the_table_is_compact_and_fits() {
    use unicode_width::UnicodeWidthStr;
    let bin = sh_quote(env!("CARGO_BIN_EXE_attain"));
    let jilin = sh_quote(&crate::common::repo_str("scenarios/jilin-2022.toml"));
    let run = format!("{bin} run {jilin} --paths 2048 --threads 1 --quiet");
    let strip = |s: String| {
        let mut out = String::new();
        let mut esc = false;
        for c in s.chars() {
            match (esc, c) {
                (false, '\u{1b}') => esc = true,
                (true, 'm') => esc = false,
                (true, _) | (_, '\r') => {}
                _ => out.push(c),
            }
        }
        out
    };
    for (width, lang, zh) in [("80", "en_US.UTF-8", false), ("100", "zh_CN.UTF-8", true)] {
        let tty = strip(on_terminal(&run, &[("COLUMNS", width), ("LANG", lang)]));
        let w: usize = width.parse().unwrap();
        for line in tty.lines() {
            assert!(line.width() <= w, "{width}: {line}");
        }
        assert!(tty.lines().any(|l| l.starts_with("Target ")), "{tty}");
        assert_eq!(tty.contains("地区生产总值增长"), zh, "{tty}");
        // The English label starts its row (a relative target's condition
        // names "Real GDP growth" in either language).
        assert_eq!(
            tty.lines().any(|l| l.starts_with("GDP growth ")),
            !zh,
            "{tty}"
        );
    }
    // --labels overrides the locale; a wide terminal keeps the wide layout.
    let en = strip(on_terminal(
        &format!("{run} --labels en"),
        &[("COLUMNS", "100"), ("LANG", "zh_CN.UTF-8")],
    ));
    assert!(en.contains("GDP growth ") && !en.contains("地区生产总值增长"));
    let wide = strip(on_terminal(&run, &[("COLUMNS", "200")]));
    assert!(
        wide.contains('┆') && wide.contains("地区生产总值增长"),
        "{wide}"
    );
}
