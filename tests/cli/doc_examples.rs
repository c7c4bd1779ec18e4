//! Every example command in README.md and docs/*.md runs from a clean clone.
//!
//! The commands are the lines of fenced code blocks that start with `attain ` or
//! `$ attain ` (a line ending in `\` continues on the next). Each file's commands run in
//! order, through `sh -c`, in a fresh temporary directory that holds a copy of the
//! repository's `scenarios/` and `data/` (so outputs such as `--out lockdown.csv` land
//! there), with the built binary first on `PATH` and `HOME` pointing into the temporary
//! directory. A ```` ```toml ```` block whose first line is `# NAME.toml` is written to
//! `NAME.toml` first (the tutorial's own scenario). Commands that simulate get a small
//! `--paths` so that the test stays fast. Each must exit with 0, or with the code the
//! doc states ([`EXIT`]); where a command ends in `echo "exit $?"` and the doc shows the
//! `exit N` it prints, the printed code must match.
//!
//! Usage synopses (a line with `[`, `...` or a placeholder in capitals such as
//! `SCENARIO`, `FILE.svg`, `PATH=SPEC`) are not commands. The few real commands that
//! cannot run here are in [`SKIP`], each with its reason.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

/// Paths for a command that simulates (`run`, `sweep`, `solve`, `sensitivity`,
/// `report`, `backtest`, `bench`) and asks for more than [`MAX_PATHS`] or gives none.
const SMALL_PATHS: u64 = 2048;
/// A command's own `--paths` up to this many is kept.
const MAX_PATHS: u64 = 20000;

/// Commands that cannot run as they are written, and why.
const SKIP: &[(&str, &str)] = &[
    (
        "attain run scenarios/jilin-2022.toml --paths 100000000 --seed 20220124 --shard \"${SLURM_ARRAY_TASK_ID}/64\" --out \"shared/part-${SLURM_ARRAY_TASK_ID}.json\"",
        "a line of a Slurm batch script: needs SLURM_ARRAY_TASK_ID from an array job (scripts/slurm-check.sh runs the same contract under Slurm)",
    ),
    (
        "attain merge shared/part-*.json --format json --out jilin-2022.json",
        "merges the parts the Slurm array above writes",
    ),
    (
        "attain merge part-*.json",
        "merges the parts that the GNU parallel / xargs lines before it write (neither tool is assumed here)",
    ),
];

/// Commands that exit with a non-zero code the doc states.
const EXIT: &[(&str, i32)] = &[(
    // docs/BACKTEST.md section 8: "stops with exit code 2: no outcome can be scored"
    "attain backtest scenarios/jilin-2022.toml --outcomes scenarios/outcomes/jilin.csv",
    2,
)];

/// Commands run with their own settings: the interrupt-and-resume demo of docs/SWEEPS.md
/// compares a resumed sweep with a full one and shows a resume refused for other
/// settings, so its paths must stay the sweep file's (16384 x 10 points, a few seconds).
const KEEP_SETTINGS: &[&str] = &["--out lockdown.csv", "--out full.csv", "--out other.csv"];

struct Example {
    file: String,
    line: usize,
    command: String,
    /// The `exit N` the doc shows after the command, if any.
    shown_exit: Option<i32>,
}

/// The commands of one Markdown file, and the files its toml blocks name.
fn extract(file: &str, text: &str) -> (Vec<Example>, Vec<(String, String)>) {
    let mut examples: Vec<Example> = Vec::new();
    let mut files = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        if !fence.starts_with("```") {
            i += 1;
            continue;
        }
        let info = fence.trim_start_matches('`').trim().to_owned();
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let block = &lines[start..end.min(lines.len())];
        if info == "toml"
            && let Some(name) = block
                .first()
                .and_then(|l| l.strip_prefix("# "))
                .filter(|n| n.ends_with(".toml") && !n.contains(' '))
        {
            files.push((name.to_owned(), block.join("\n") + "\n"));
        }
        let mut j = 0;
        let mut last: Option<usize> = None;
        while j < block.len() {
            let t = block[j].trim();
            let prompt = t.starts_with("$ ");
            let t = t.strip_prefix("$ ").unwrap_or(t);
            if t.starts_with("attain ") {
                let mut command = t.to_owned();
                let line = start + j + 1;
                while command.ends_with('\\') && j + 1 < block.len() {
                    command.pop();
                    j += 1;
                    command = format!("{} {}", command.trim_end(), block[j].trim());
                }
                examples.push(Example {
                    file: file.to_owned(),
                    line,
                    command: strip_comment(&command),
                    shown_exit: None,
                });
                last = Some(examples.len() - 1);
            } else if prompt {
                last = None;
            } else if let (Some(k), Some(code)) = (last, t.strip_prefix("exit ")) {
                if let Ok(code) = code.parse() {
                    examples[k].shown_exit = Some(code);
                }
            }
            j += 1;
        }
        i = end + 1;
    }
    (examples, files)
}

/// A trailing shell comment (`   # ...`) off.
fn strip_comment(command: &str) -> String {
    match command.find(" #") {
        Some(k) => command[..k].trim_end().to_owned(),
        None => command.to_owned(),
    }
}

/// A usage synopsis rather than a command.
fn is_synopsis(command: &str) -> bool {
    command.contains('[')
        || command.contains("...")
        || command
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .any(|w| {
                // `-INT` in `kill -INT` is a signal, not a placeholder.
                w.len() >= 2
                    && !w.starts_with('-')
                    && w.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    && !w.starts_with("SLURM")
            })
}

/// The command with small `--paths` where it simulates.
fn shrink(command: &str) -> String {
    const SIMULATES: [&str; 7] = [
        "run",
        "sweep",
        "solve",
        "sensitivity",
        "report",
        "backtest",
        "bench",
    ];
    let sub = command.split_whitespace().nth(1).unwrap_or("");
    if !SIMULATES.contains(&sub) || KEEP_SETTINGS.iter().any(|k| command.contains(k)) {
        return command.to_owned();
    }
    let words: Vec<&str> = command.split(' ').collect();
    if let Some(k) = words.iter().position(|w| *w == "--paths") {
        let n: u64 = words[k + 1].parse().expect("--paths N");
        if n <= MAX_PATHS {
            return command.to_owned();
        }
        let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        words[k + 1] = SMALL_PATHS.to_string();
        return words.join(" ");
    }
    // Right after the subcommand, so that it stays before any `|`, `;` or `&&`.
    let prefix = format!("attain {sub} ");
    command.replacen(&prefix, &format!("{prefix}--paths {SMALL_PATHS} "), 1)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A fresh working directory: a copy of what a clone has that the commands read.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["scenarios", "data"] {
        copy_dir(&common::repo(sub), &dir.path().join(sub));
    }
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    dir
}

/// Create the folders that `~/...` paths need in the fake home (the README installs
/// completions and the man page there): the folder itself after `--dir`, else the parent.
fn make_home_dirs(command: &str, home: &Path) {
    let words: Vec<&str> = command.split_whitespace().collect();
    for (k, word) in words.iter().enumerate() {
        if let Some(rel) = word.strip_prefix("~/") {
            let path = home.join(rel);
            let dir = if k > 0 && words[k - 1] == "--dir" {
                path
            } else {
                path.parent().unwrap().to_path_buf()
            };
            std::fs::create_dir_all(dir).unwrap();
        }
    }
}

fn docs() -> Vec<(String, String)> {
    let mut names = vec!["README.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(common::repo("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(common::repo(&n)).unwrap();
            (n, text)
        })
        .collect()
}

#[test]
fn every_example_command_in_the_docs_runs() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_attain"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (mut ran, mut skipped, mut synopses) = (0, 0, 0);
    let mut failures = Vec::new();
    for (name, text) in docs() {
        let (examples, files) = extract(&name, &text);
        if examples.is_empty() {
            continue;
        }
        let dir = workdir();
        let home = dir.path().join("home");
        for (file, body) in &files {
            std::fs::write(dir.path().join(file), body).unwrap();
        }
        for ex in &examples {
            if SKIP.iter().any(|(c, _)| *c == ex.command) {
                skipped += 1;
                continue;
            }
            if is_synopsis(&ex.command) {
                synopses += 1;
                continue;
            }
            let command = shrink(&ex.command);
            make_home_dirs(&command, &home);
            let out = Command::new("sh")
                .arg("-c")
                .arg(&command)
                .current_dir(dir.path())
                .env("PATH", &path)
                .env("HOME", &home)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            ran += 1;
            let want = EXIT
                .iter()
                .find(|(c, _)| *c == ex.command)
                .map_or(0, |(_, code)| *code);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let mut wrong = None;
            if out.status.code() != Some(want) {
                wrong = Some(format!("exit {:?}, expected {want}", out.status.code()));
            } else if let Some(shown) = ex.shown_exit
                && !command.contains("sleep")
            {
                let printed = format!("exit {shown}");
                if !stdout.lines().any(|l| l.trim() == printed) {
                    wrong = Some(format!("the doc shows `{printed}`"));
                }
            }
            if let Some(why) = wrong {
                failures.push(format!(
                    "{}:{}: {command}\n  {why}\n  stdout: {}\n  stderr: {}",
                    ex.file,
                    ex.line,
                    stdout.chars().take(600).collect::<String>(),
                    stderr.chars().take(600).collect::<String>()
                ));
            }
        }
    }
    eprintln!("doc examples: {ran} ran, {skipped} skipped, {synopses} synopses");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= 25, "only {ran} commands found");
    assert_eq!(skipped, SKIP.len(), "a SKIP entry no longer matches a doc");
}

#[test]
fn extraction_joins_continued_lines_and_reads_shown_exit_codes() {
    let md = "```sh\nattain run a.toml \\\n  --paths 5   # note\n```\n\n```text\n$ attain sweep b.toml; echo \"exit $?\"\nwrote\nexit 130\n```\n";
    let (ex, _) = extract("x.md", md);
    assert_eq!(ex[0].command, "attain run a.toml --paths 5");
    assert_eq!(ex[0].line, 2);
    assert_eq!(ex[1].shown_exit, Some(130));
    assert!(is_synopsis("attain run SCENARIO --paths P"));
    assert!(is_synopsis("attain explain [SCENARIO]"));
    assert!(!is_synopsis("attain run scenarios/jilin-2022.toml"));
    assert!(!is_synopsis("attain sweep s.toml & sleep 1; kill -INT $!"));
    assert_eq!(
        shrink("attain run x.toml | head -3"),
        "attain run --paths 2048 x.toml | head -3"
    );
    assert_eq!(
        shrink("attain run x.toml --paths 100000000 --seed 1"),
        "attain run x.toml --paths 2048 --seed 1"
    );
    assert_eq!(shrink("attain params x.toml"), "attain params x.toml");
}
