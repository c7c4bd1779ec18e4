//! Issue 12, "nothing lost, no exhaustion": what `--out` does with each kind
//! of target, that it never overwrites an input, the permissions of what it
//! writes, the bounds on `--paths` and `--threads`, the size cap on every
//! file read, and the cap on the problems listed. docs/RELIABILITY.md lists
//! each promise with the test here that checks it.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

fn scenario() -> String {
    common::fixture("two-sector.toml")
}

/// Run `attain` with `args`; returns (exit code, stderr) and checks it
/// finished within `limit`.
fn run_within(args: &[&str], limit: Duration) -> (Option<i32>, String) {
    let start = Instant::now();
    let out = attain().args(args).timeout(limit).output().unwrap();
    assert!(
        start.elapsed() < limit,
        "attain {args:?} took {:?}",
        start.elapsed()
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---- 1. `--out` never replaces what it should write into ----

#[cfg(unix)]
#[test]
fn out_dev_null_stays_a_character_device() {
    use std::os::unix::fs::FileTypeExt;
    attain()
        .args(["run", &scenario(), "--paths", "4096", "--quiet"])
        .args(["--out", "/dev/null"])
        .assert()
        .success();
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
}

#[cfg(unix)]
#[test]
fn out_symlink_stays_a_link_and_its_target_gets_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("sub");
    std::fs::create_dir(&real).unwrap();
    let target = real.join("report.csv");
    std::fs::write(&target, "old\n").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("sub/report.csv", &link).unwrap();
    attain()
        .args(["run", &scenario(), "--paths", "4096", "--format", "csv"])
        .args(["--quiet", "--out", link.to_str().unwrap()])
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.starts_with("id,label,"), "{written}");
    // No temporary is left in either folder.
    for d in [dir.path(), real.as_path()] {
        for e in std::fs::read_dir(d).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            assert!(!name.starts_with(".tmp"), "{name} left in {}", d.display());
        }
    }
}

#[cfg(unix)]
#[test]
fn out_fifo_is_written_into_for_a_reader() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    attain()
        .args(["run", &scenario(), "--paths", "4096", "--format", "csv"])
        .args(["--quiet", "--out", fifo.to_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let got = reader.join().unwrap();
    assert!(
        got.starts_with(b"id,label,"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
}

// ---- 2. `--out` refuses to overwrite its own input ----

/// `args` with `--out out` must exit 2 naming `--out` and leave `out` as it was.
fn refuses(args: &[&str], out: &Path) {
    let before = std::fs::read(out).unwrap();
    let o = attain()
        .args(args)
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains("--out") && err.contains("input"),
        "{args:?}: {err}"
    );
    assert_eq!(std::fs::read(out).unwrap(), before, "{args:?} wrote");
}

#[test]
fn out_refuses_to_overwrite_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("x.toml");
    std::fs::copy(scenario(), &s).unwrap();
    let sp = s.to_str().unwrap();
    refuses(&["run", sp, "--paths", "4096"], &s);
    refuses(&["run", sp, "--paths", "4096", "--shard", "0/2"], &s);
    refuses(&["report", sp, "--paths", "4096"], &s);
    refuses(
        &[
            "sweep",
            sp,
            "--set",
            "sectors.industry.growth=1,2",
            "--paths",
            "4096",
        ],
        &s,
    );
    // The same file by another name (a hard link) is still the input.
    let other = dir.path().join("other-name.toml");
    std::fs::hard_link(&s, &other).unwrap();
    refuses(&["run", sp, "--paths", "4096"], &other);

    // A sweep file, and the scenario it names.
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        "[sweep]\nscenario = \"x.toml\"\npaths = 4096\n\n[[sweep.set]]\npath = \"sectors.industry.growth\"\nvalues = [1, 2]\n",
    )
    .unwrap();
    attain()
        .args(["sweep", sweep.to_str().unwrap(), "--quiet"])
        .assert()
        .success();
    refuses(&["sweep", sweep.to_str().unwrap()], &sweep);
    refuses(&["sweep", sweep.to_str().unwrap()], &s);

    // merge: any part.
    let p0 = dir.path().join("p0.json");
    let p1 = dir.path().join("p1.json");
    for (k, p) in [("0/2", &p0), ("1/2", &p1)] {
        attain()
            .args(["run", sp, "--paths", "8192", "--shard", k, "--quiet"])
            .args(["--out", p.to_str().unwrap()])
            .assert()
            .success();
    }
    refuses(&["merge", p0.to_str().unwrap(), p1.to_str().unwrap()], &p1);

    // calibrate: the history CSV.
    let csv = dir.path().join("history.csv");
    std::fs::write(&csv, "year,series,value\n2000,a,1\n2001,a,2\n2002,a,3\n").unwrap();
    refuses(&["calibrate", csv.to_str().unwrap()], &csv);
}

// ---- 3. Permissions ----

#[cfg(unix)]
#[test]
fn out_new_file_follows_the_umask_and_an_existing_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // A new file: 0666 minus the umask (set by the shell for the child).
    for (umask, expected) in [("022", 0o644), ("002", 0o664), ("077", 0o600)] {
        let new = dir.path().join(format!("new-{umask}.csv"));
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" run \"$1\" --paths 4096 --format csv --quiet --out \"$2\""
            ))
            .arg(assert_cmd::cargo::cargo_bin("attain"))
            .arg(scenario())
            .arg(&new)
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(mode(&new), expected, "umask {umask}");
    }
    // An existing file keeps its mode.
    for m in [0o600, 0o640, 0o666] {
        let old = dir.path().join(format!("old-{m:o}.csv"));
        std::fs::write(&old, "old\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(m)).unwrap();
        attain()
            .args(["run", &scenario(), "--paths", "4096", "--format", "csv"])
            .args(["--quiet", "--out", old.to_str().unwrap()])
            .assert()
            .success();
        assert_eq!(mode(&old), m);
        assert!(
            std::fs::read_to_string(&old)
                .unwrap()
                .starts_with("id,label,")
        );
    }
}

// ---- 4. Bounds on --paths and --threads ----

#[test]
fn paths_and_threads_have_upper_bounds() {
    let s = scenario();
    let limit = Duration::from_secs(20);
    for (args, flag) in [
        (
            vec!["run", &s, "--paths", "18446744073709551615"],
            "--paths",
        ),
        (vec!["run", &s, "--paths", "1000000000000"], "--paths"),
        (vec!["run", &s, "--paths", "68719476737"], "--paths"),
        (
            vec![
                "run",
                &s,
                "--precision",
                "0.01",
                "--max-paths",
                "1000000000000",
            ],
            "--max-paths",
        ),
        (vec!["run", &s, "--threads", "100000"], "--threads"),
        (vec!["run", &s, "--threads", "1025"], "--threads"),
        (vec!["bench", &s, "--threads", "100000"], "--threads"),
        (
            vec![
                "sweep",
                &s,
                "--set",
                "sectors.industry.growth=1,2",
                "--paths",
                "1000000000000",
            ],
            "--paths",
        ),
    ] {
        let (code, err) = run_within(&args, limit);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(err.lines().count() <= 3, "{args:?}: {err}");
    }
    // The bounds themselves are accepted (checked by parsing only: --help would not run).
    attain()
        .args(["run", &s, "--paths", "4096", "--threads", "1024", "--quiet"])
        .assert()
        .success();
}

#[test]
fn a_sweep_files_paths_is_bounded_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(scenario(), dir.path().join("x.toml")).unwrap();
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        "[sweep]\nscenario = \"x.toml\"\npaths = 1000000000000\n\n[[sweep.set]]\npath = \"sectors.industry.growth\"\nvalues = [1, 2]\n",
    )
    .unwrap();
    let (code, err) = run_within(&["sweep", sweep.to_str().unwrap()], Duration::from_secs(20));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("paths"), "{err}");
}

// ---- 5. Every file read is size-capped ----

#[cfg(unix)]
#[test]
fn reading_dev_zero_stops_at_the_cap() {
    let limit = Duration::from_secs(30);
    for (args, name) in [
        (vec!["validate", "/dev/zero"], "/dev/zero"),
        (vec!["run", "/dev/zero"], "/dev/zero"),
        (
            vec!["sweep", "/dev/zero", "--set", "sectors.industry.growth=1,2"],
            "/dev/zero",
        ),
        (vec!["calibrate", "/dev/zero"], "/dev/zero"),
        (vec!["merge", "/dev/zero"], "/dev/zero"),
    ] {
        let (code, err) = run_within(&args, limit);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains(name) && err.contains("64 MiB"),
            "{args:?}: {err}"
        );
        assert!(err.len() < 1000, "{args:?}: {} bytes on stderr", err.len());
    }
    let s = scenario();
    let (code, err) = run_within(
        &["backtest", &s, "--outcomes", "/dev/zero", "--paths", "4096"],
        limit,
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("/dev/zero") && err.contains("64 MiB"), "{err}");
}

#[test]
fn a_file_over_the_cap_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len((64 << 20) + 1).unwrap();
    let (code, err) = run_within(
        &["validate", big.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("big.toml") && err.contains("64 MiB"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_journal_over_the_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep.csv");
    let journal = dir.path().join("sweep.csv.journal");
    std::os::unix::fs::symlink("/dev/zero", &journal).unwrap();
    let (code, err) = run_within(
        &[
            "sweep",
            &scenario(),
            "--set",
            "sectors.industry.growth=1,2",
            "--paths",
            "4096",
            "--resume",
            "--out",
            out.to_str().unwrap(),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("journal") && err.contains("64 MiB"), "{err}");
}

// ---- 6. Problems listed are capped ----

#[test]
fn ten_thousand_problems_list_fifty_and_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.toml");
    let mut text = std::fs::read_to_string(scenario()).unwrap();
    for i in 0..10_000 {
        text.push_str(&format!(
            "\n[[sectors]]\nid = \"s{i}\"\nlabel = \"S{i}\"\nvalue_added = 1.0\ngrowth = 1.0\nvolatility = -1.0\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let start = Instant::now();
    let out = attain()
        .args(["validate", path.to_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let took = start.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(err.len() < 50_000, "{} bytes on stderr", err.len());
    let listed = err.lines().filter(|l| l.contains("must be >= 0")).count();
    assert_eq!(listed, 50, "{listed} problems listed");
    assert!(
        err.contains("and 9950 more problems"),
        "{}",
        &err[err.len().saturating_sub(500)..]
    );
    assert!(
        err.lines().next().unwrap().contains("10000 problems"),
        "{err}"
    );
}

#[test]
fn a_long_line_is_quoted_as_a_window_around_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.toml");
    let text = std::fs::read_to_string(scenario()).unwrap().replacen(
        "region = \"Testland\"",
        &format!("region = \"{}\" oops", "A".repeat(20_000)),
        1,
    );
    std::fs::write(&path, text).unwrap();
    let out = attain()
        .args(["validate", path.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(err.len() < 2_000, "{} bytes on stderr", err.len());
    assert!(err.contains("oops"), "{err}");
    assert!(err.contains('…'), "{err}");
    // The caret still sits under the column, within the window.
    let lines: Vec<&str> = err.lines().collect();
    let quoted = lines.iter().position(|l| l.contains("oops")).unwrap();
    let caret = lines[quoted + 1];
    let col = caret.chars().position(|c| c == '^').unwrap();
    let under: String = lines[quoted].chars().skip(col).take(4).collect();
    assert_eq!(under, "oops", "{err}");
}
