//! Issue 7, "nothing lost": a sweep with `--out FILE` keeps each completed
//! grid point in `FILE.journal` as it finishes; Ctrl-C or SIGTERM stops it
//! cleanly (exit 130, no output file, every completed point kept), and
//! `--resume` finishes it with exactly the output of an uninterrupted run.
//!
//! Interruptions are made deterministic with the hidden test hook
//! `--stop-after N` (it raises the same stop flag as a signal, after N points
//! of the run); one test also sends real SIGINT and SIGTERM to a running sweep.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use attain::engine::RunConfig;
use attain::scenario;
use attain::study::{
    self as sweep, Axis, JournalHeader, PointResult, TargetNumbers, journal_line, read_journal,
};

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn fixture(name: &str) -> String {
    common::fixture(name)
}

/// The grid of these tests: 6 x 2 = 12 points of the two-sector fixture.
const GRID: [&str; 4] = [
    "--set",
    "sectors.industry.growth=0:10:6",
    "--set",
    "events.outage.probability=0,0.1",
];

/// `attain sweep` on the test grid with `extra` arguments, run in `dir`.
fn sweep_in(dir: &Path, extra: &[&str]) -> Command {
    let mut c = attain();
    c.current_dir(dir)
        .arg("sweep")
        .arg(fixture("two-sector.toml"))
        .args(GRID)
        .args(["--paths", "2048"])
        .args(extra);
    c
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Point lines of a journal (the header is line 1).
fn point_lines(journal: &Path) -> usize {
    let text = std::fs::read_to_string(journal).unwrap();
    assert!(text.ends_with('\n'), "journal ends mid-line:\n{text}");
    text.lines().count() - 1
}

/// The output of an uninterrupted sweep in `format`.
fn uninterrupted(dir: &Path, format: &str, extra: &[&str]) -> Vec<u8> {
    let name = format!("full-{format}-{}.out", extra.join("-"));
    let out = sweep_in(dir, &["--format", format, "--out", &name])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read(dir.join(name)).unwrap()
}

/// Interrupt a sweep into `out` after `n` points of this run (one thread,
/// so exactly `n`), checking the contract of an interruption.
fn interrupt_after(dir: &Path, out: &str, n: usize, extra: &[&str]) -> std::process::Output {
    let o = sweep_in(
        dir,
        &[
            "--out",
            out,
            "--threads",
            "1",
            "--stop-after",
            &n.to_string(),
        ],
    )
    .args(extra)
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(!dir.join(out).exists(), "an interrupted sweep wrote {out}");
    o
}

#[test]
fn resumed_csv_is_byte_identical_to_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let full = uninterrupted(d, "csv", &[]);

    let o = interrupt_after(d, "r.csv", 5, &["--format", "csv"]);
    let err = stderr(&o);
    assert!(
        err.contains("interrupted: 5 of 12 grid points are done and kept in r.csv.journal"),
        "{err}"
    );
    let journal = d.join("r.csv.journal");
    assert_eq!(point_lines(&journal), 5);

    // The printed command resumes the sweep: run it as printed, through a
    // shell. It has --resume and not the test hook.
    let cmd = err
        .lines()
        .find_map(|l| l.strip_prefix("resume with: "))
        .unwrap_or_else(|| panic!("no resume command:\n{err}"));
    assert!(
        cmd.ends_with(" --resume") && !cmd.contains("--stop-after"),
        "{cmd}"
    );
    let o = std::process::Command::new("sh")
        .args(["-c", cmd])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("resuming: 5 of 12 grid points kept in r.csv.journal"),
        "{err}"
    );
    assert!(err.contains("(5 of them from the journal)"), "{err}");
    assert_eq!(std::fs::read(d.join("r.csv")).unwrap(), full);
    assert!(!journal.exists(), "the journal outlived the finished sweep");
}

#[test]
fn several_interruptions_any_threads_and_another_format_give_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let full_json = uninterrupted(d, "json", &["--target", "cpi"]);
    let full_table = uninterrupted(d, "table", &[]);

    // Interrupted twice (3 points, then 4 more), finished with two threads
    // and another format and target selection than the interrupted runs used:
    // the journal keeps every target's numbers.
    interrupt_after(d, "r.out", 3, &["--format", "csv"]);
    let o = interrupt_after(d, "r.out", 4, &["--format", "csv", "--resume"]);
    assert!(
        stderr(&o).contains("interrupted: 7 of 12"),
        "{}",
        stderr(&o)
    );
    assert_eq!(point_lines(&d.join("r.out.journal")), 7);
    let o = sweep_in(
        d,
        &[
            "--out",
            "r.out",
            "--resume",
            "--threads",
            "2",
            "--format",
            "json",
            "--target",
            "cpi",
        ],
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // JSON: identical but for the timings, which differ between any two runs.
    let strip = |b: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
        for k in ["elapsed_s", "prepare_s", "threads"] {
            v.as_object_mut().unwrap().remove(k).unwrap();
        }
        v
    };
    let resumed = std::fs::read(d.join("r.out")).unwrap();
    assert_eq!(strip(&resumed), strip(&full_json));
    assert_eq!(strip(&resumed)["rows"].as_array().unwrap().len(), 12);

    // Table: identical but for the seconds in its second line.
    interrupt_after(d, "t.txt", 6, &[]);
    let o = sweep_in(d, &["--out", "t.txt", "--resume"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let untimed = |b: &[u8]| -> String {
        let t = String::from_utf8(b.to_vec()).unwrap();
        let (head, rest) = t.split_once(" s\n").unwrap();
        let head = head.rsplit_once(", ").unwrap().0;
        format!("{head}{rest}")
    };
    let resumed = std::fs::read(d.join("t.txt")).unwrap();
    assert_eq!(untimed(&resumed), untimed(&full_table));
    assert!(untimed(&resumed).contains("seed 20220124 at every point"));
}

#[test]
fn a_journal_of_other_settings_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    interrupt_after(d, "r.csv", 2, &[]);
    let journal = d.join("r.csv.journal");
    let before = std::fs::read(&journal).unwrap();

    let mut changed = std::fs::read_to_string(fixture("two-sector.toml")).unwrap();
    changed = changed.replace("growth = 6.0", "growth = 6.5");
    let other = d.join("other.toml");
    std::fs::write(&other, changed).unwrap();

    let refused = |args: Vec<String>, needle: &str| {
        let o = attain().current_dir(d).args(&args).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("r.csv.journal") && err.contains(needle),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        // Nothing touched: the journal is kept as it was, no output.
        assert_eq!(std::fs::read(&journal).unwrap(), before);
        assert!(!d.join("r.csv").exists());
    };
    let base = |scenario: &str, grid: &[&str], more: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec!["sweep".into(), scenario.into()];
        v.extend(grid.iter().map(|s| s.to_string()));
        v.extend(["--out", "r.csv", "--resume"].map(String::from));
        v.extend(more.iter().map(|s| s.to_string()));
        v
    };
    let two = fixture("two-sector.toml");
    refused(
        base(&two, &GRID, &["--paths", "4096"]),
        "--paths differs (the journal's 2048, this run's 4096)",
    );
    refused(
        base(&two, &GRID, &["--paths", "2048", "--seed", "7"]),
        "--seed differs (the journal's 20220124, this run's 7)",
    );
    refused(
        base(
            &two,
            &["--set", "sectors.industry.growth=0:10:7", GRID[2], GRID[3]],
            &["--paths", "2048"],
        ),
        "the grid differs",
    );
    refused(
        base(other.to_str().unwrap(), &GRID, &["--paths", "2048"]),
        "the scenario differs",
    );
    // Without --resume, an existing journal is never overwritten.
    let o = sweep_in(d, &["--out", "r.csv"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("--out")
            && err.contains("add --resume to continue it, or delete r.csv.journal"),
        "{err}"
    );
    assert_eq!(std::fs::read(&journal).unwrap(), before);
    // A file that is not a journal at all.
    std::fs::write(d.join("x.csv.journal"), "hello\n").unwrap();
    let o = sweep_in(d, &["--out", "x.csv", "--resume"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("x.csv.journal is not an attain sweep journal"),
        "{}",
        stderr(&o)
    );
    // --resume needs --out (the journal sits beside it).
    let o = sweep_in(d, &["--resume"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
}

#[test]
fn a_last_line_cut_short_is_dropped_and_its_point_simulated_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let full = uninterrupted(d, "csv", &[]);
    let journal = d.join("r.csv.journal");

    // A crash in the middle of writing the 6th line.
    interrupt_after(d, "r.csv", 6, &["--format", "csv"]);
    let text = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, &text[..text.len() - 40]).unwrap();
    // Resume, interrupted again after 2 points: the remains of the cut line
    // are cut off before appending, so the journal stays whole.
    let o = interrupt_after(d, "r.csv", 2, &["--format", "csv", "--resume"]);
    let err = stderr(&o);
    assert!(
        err.contains("note: line 7 of r.csv.journal was incomplete (a write cut short); its point is simulated again"),
        "{err}"
    );
    assert!(err.contains("resuming: 5 of 12"), "{err}");
    assert!(err.contains("interrupted: 7 of 12"), "{err}");
    assert_eq!(point_lines(&journal), 7);

    // A whole last line with a wrong checksum (garbage after a crash).
    let mut text = std::fs::read_to_string(&journal).unwrap();
    let n = text.len();
    text.replace_range(
        n - 3..n - 2,
        if &text[n - 3..n - 2] == "0" { "1" } else { "0" },
    );
    std::fs::write(&journal, &text).unwrap();
    let o = sweep_in(d, &["--format", "csv", "--out", "r.csv", "--resume"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("line 8 of r.csv.journal was damaged"), "{err}");
    assert!(err.contains("resuming: 6 of 12"), "{err}");
    assert_eq!(std::fs::read(d.join("r.csv")).unwrap(), full);
    assert!(!journal.exists());
}

#[test]
fn a_damaged_line_before_the_last_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    interrupt_after(d, "r.csv", 4, &[]);
    let journal = d.join("r.csv.journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    // Change one number of the 2nd point: its checksum no longer matches.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let fields: Vec<&str> = lines[2].split('\t').collect();
    let numbers = fields[2].replacen('0', "1", 1);
    lines[2] = format!("{}\t{}\t{}\t{}", fields[0], fields[1], numbers, fields[3]);
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let o = sweep_in(d, &["--out", "r.csv", "--resume"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 3 of r.csv.journal is damaged, and it is not the last line"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn without_out_an_interrupted_sweep_says_nothing_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let o = sweep_in(dir.path(), &["--threads", "1", "--stop-after", "3"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(130));
    assert!(o.stdout.is_empty(), "a partial table was printed");
    assert!(
        stderr(&o).contains("interrupted: 3 of 12 grid points were done, but a sweep keeps its completed points only with --out FILE"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

// ---------------------------------------------------------------------------
// Real signals

fn wait_for_points(journal: &Path, at_least: usize, child: &mut Child) {
    let t0 = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(journal) {
            if text.ends_with('\n') && text.lines().count() > at_least {
                return;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the sweep ended ({status}) before it could be interrupted");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no progress in the journal"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// A sweep far too long to finish during the test: 2,000 points.
fn long_sweep(dir: &Path, extra: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("attain"))
        .current_dir(dir)
        .arg("sweep")
        .arg(fixture("two-sector.toml"))
        .args([
            "--set",
            "sectors.industry.growth=0:10:2000",
            "--paths",
            "2048",
        ])
        .args(["--threads", "1", "--format", "csv", "--out", "big.csv"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// "interrupted: K of 2000 ..." -> K.
fn kept(err: &str) -> usize {
    let rest = err
        .split("interrupted: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{err}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn sigint_and_sigterm_stop_cleanly_and_keep_every_completed_point() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let journal: PathBuf = d.join("big.csv.journal");

    let mut child = long_sweep(d, &[]);
    wait_for_points(&journal, 1, &mut child);
    signal(&child, "-INT");
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupt: finishing the grid points in progress"),
        "{err}"
    );
    assert!(
        err.contains("resume with: ") && err.contains("--resume"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let first = kept(&err);
    assert!((1..2000).contains(&first), "{err}");
    assert_eq!(point_lines(&journal), first);
    assert!(!d.join("big.csv").exists());

    // SIGTERM (what Slurm, Kubernetes and systemd send) on the resumed sweep.
    let mut child = long_sweep(d, &["--resume"]);
    wait_for_points(&journal, first + 1, &mut child);
    signal(&child, "-TERM");
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains(&format!("resuming: {first} of 2000")), "{err}");
    let second = kept(&err);
    assert!(second > first && second < 2000, "{err}");
    assert_eq!(point_lines(&journal), second);
    assert!(!d.join("big.csv").exists());
}

// ---------------------------------------------------------------------------
// The journal format, through the library

#[test]
fn journal_lines_read_back_bit_for_bit_and_the_header_pins_the_sweep() {
    let s = scenario::load(
        &std::fs::read_to_string(fixture("two-sector.toml")).unwrap(),
        "t",
    )
    .unwrap();
    let axes = vec![Axis {
        path: "sectors.industry.growth".into(),
        values: vec![0.1, 2.0],
    }];
    let config = RunConfig {
        paths: 100,
        seed: 3,
    };
    let header = JournalHeader::new(&s, &axes, &config).unwrap();
    assert_eq!(header.points, 2);
    assert_eq!(header.targets, ["gdp_growth", "cpi", "jobs_2y"]);
    // Numbers that are hard to write back exactly; probabilities stay in
    // [0, 1] and nothing is NaN, as in any journal a sweep writes (a NaN
    // line is refused: `a_journal_line_with_nan_numbers_is_not_trusted_even_with_its_checksum`).
    let odd = [0.1 + 0.2, -0.0, 1e-300, 5e-324, 1.0, 1.0 / 3.0];
    let far = [
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1e300,
        0.1 + 0.2,
        -0.0,
        1e-300,
    ];
    let point = PointResult {
        index: 1,
        values: vec![2.0],
        targets: (0..3)
            .map(|k| TargetNumbers {
                probability: odd[k],
                ci95_low: odd[k + 1],
                ci95_high: odd[k + 2],
                p05: far[(k + 3) % 6],
                p50: far[k],
                p95: 5e-324,
            })
            .collect(),
    };
    let text = header.line().unwrap() + &journal_line(&point);
    let back = read_journal(text.as_bytes(), &header, "j").unwrap();
    assert_eq!(back.valid_len, text.len());
    assert_eq!(back.dropped, None);
    assert_eq!(back.points.len(), 1);
    let (a, b) = (&back.points[0], &point);
    assert_eq!((a.index, &a.values), (b.index, &b.values));
    for (x, y) in a.targets.iter().zip(&b.targets) {
        let bits = |t: &TargetNumbers| {
            [t.probability, t.ci95_low, t.ci95_high, t.p05, t.p50, t.p95].map(f64::to_bits)
        };
        assert_eq!(bits(x), bits(y));
    }
    // A point that is not on the grid is not a line of this journal.
    let stray = PointResult {
        values: vec![3.0],
        ..point.clone()
    };
    let bad = header.line().unwrap() + &journal_line(&stray);
    let r = read_journal(bad.as_bytes(), &header, "j").unwrap();
    assert!(r.points.is_empty() && r.dropped.is_some());
    // The same sweep with another seed does not match.
    let other = JournalHeader::new(&s, &axes, &RunConfig { seed: 4, ..config }).unwrap();
    let e = read_journal(text.as_bytes(), &other, "j").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    // An empty file, or a header cut short, holds nothing: start over.
    let line = header.line().unwrap();
    for cut in [0, 5, line.len() - 1] {
        let r = read_journal(&line.as_bytes()[..cut], &header, "j").unwrap();
        assert!(r.points.is_empty() && r.valid_len == 0, "cut {cut}");
    }
    // Points resumed through the library equal a fresh sweep.
    let fresh = sweep::sweep(&s, "t", &axes, &[], &config, &|_, _| {}).unwrap();
    let done = std::sync::Mutex::new(vec![]);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let record = |p: &PointResult| {
        done.lock().unwrap().push(p.clone());
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    };
    let control = sweep::SweepControl {
        done: vec![],
        on_point: &record,
        stop: &stop,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let first = pool
        .install(|| sweep::sweep_resumable(&s, "t", &axes, &[], &config, &|_, _| {}, &control))
        .unwrap();
    assert_eq!(
        first,
        sweep::SweepOutcome::Interrupted {
            completed: 1,
            points: 2
        }
    );
    let never = std::sync::atomic::AtomicBool::new(false);
    let control = sweep::SweepControl {
        done: done.into_inner().unwrap(),
        on_point: &|_| Ok(()),
        stop: &never,
    };
    match sweep::sweep_resumable(&s, "t", &axes, &[], &config, &|_, _| {}, &control).unwrap() {
        sweep::SweepOutcome::Finished(r) => assert_eq!(r.rows, fresh.rows),
        other => panic!("{other:?}"),
    }
}
