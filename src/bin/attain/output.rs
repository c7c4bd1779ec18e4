//! Where results go: standard output, or a file written atomically (a
//! temporary file in the same folder, renamed over the target once complete,
//! so a reader never sees half a report). A closed pipe on standard output
//! surfaces as an `Io` error of kind `BrokenPipe`, which `main` treats as
//! success.

use std::io::Write;
use std::path::{Path, PathBuf};

use attain::error::{Error, Result};
use attain::{Format, Report};

/// Write bytes to a file atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |context: String| move |source| Error::Io { context, source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io(format!(
        "cannot create a temporary file in {}",
        dir.display()
    )))?;
    tmp.write_all(bytes)
        .map_err(io(format!("cannot write {}", path.display())))?;
    tmp.as_file()
        .sync_all()
        .map_err(io(format!("cannot write {}", path.display())))?;
    // A temporary file is private (0600); a report is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io(format!("cannot write {}", path.display())))?;
    }
    tmp.persist(path).map_err(|e| Error::Io {
        context: format!("cannot write {}", path.display()),
        source: e.error,
    })?;
    Ok(())
}

/// Write bytes to standard output and flush.
pub fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|source| Error::Io {
            context: "cannot write to standard output".into(),
            source,
        })
}

/// Write to `--out` (atomically, then `wrote FILE` unless quiet) or standard output.
pub fn emit(bytes: &[u8], out: Option<&Path>, quiet: bool) -> Result<()> {
    match out {
        Some(path) => {
            write_atomic(path, bytes)?;
            if !quiet {
                eprintln!("wrote {}", path.display());
            }
            Ok(())
        }
        None => stdout(bytes),
    }
}

/// A report's bytes. The table's verdict words are coloured only when it goes
/// to standard output, that is a terminal, and NO_COLOR is unset; files,
/// pipes, JSON and CSV never carry escape codes.
pub fn report_bytes(report: &Report, format: Format, to_stdout: bool) -> Result<Vec<u8>> {
    if format == Format::Table && to_stdout && crate::errors::colour(&std::io::stdout()) {
        Ok(
            attain::report::table::render_coloured(report, attain::report::TABLE_WIDTH, true)
                .into_bytes(),
        )
    } else {
        report.render(format)
    }
}
