//! Where results go, and where inputs come from.
//!
//! `--out FILE` ([`write_out`]) never replaces what it should write into:
//!
//! * a regular file, or a path that does not exist yet, is written
//!   atomically: a temporary file in the same folder, renamed over the
//!   target once complete, so a reader never sees half a report. A new file
//!   gets `0666` minus the umask, as a shell redirection would create it; an
//!   existing file keeps its mode;
//! * a symbolic link is followed, and its target is written atomically in
//!   the target's folder: the link stays a link;
//! * a character device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named
//!   pipe) is opened and written to directly, as `> FILE` would;
//! * an input of the same command (same device and inode, whatever the name)
//!   is refused before anything runs ([`refuse_inputs`]).
//!
//! Every file the binary reads goes through [`read_text`] or
//! [`read_capped`], which stop at [`MAX_INPUT_BYTES`].
//!
//! A closed pipe on standard output surfaces as an `Io` error of kind
//! `BrokenPipe`, which `main` treats as success.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use attain::error::{Error, Result};
use attain::{Format, Report};

/// The most bytes read from any one input file (scenario, sweep file,
/// history or outcomes CSV, shard part, sweep journal): 64 MiB, a thousand
/// times the largest real input, and small enough to hold in memory twice.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// The cap in words, for messages.
pub const MAX_INPUT_WORDS: &str = "64 MiB";

/// The error inside an `io::Error` for a file over the cap.
#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "larger than {MAX_INPUT_WORDS}, the limit on an input file"
        )
    }
}

impl std::error::Error for TooLarge {}

/// Whether `e` is [`read_capped`]'s error for a file over the cap.
pub fn is_too_large(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<TooLarge>())
}

/// A file's bytes, at most [`MAX_INPUT_BYTES`] of them: a larger file (or an
/// endless one, `/dev/zero`) is an error of kind `InvalidData` that
/// [`is_too_large`] recognises, after reading one byte past the cap at most.
pub fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let too_large = || std::io::Error::new(std::io::ErrorKind::InvalidData, TooLarge);
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// A text input file (at most [`MAX_INPUT_BYTES`], UTF-8); a failure is bad
/// input (exit code 2) naming the argument `arg` and the file.
pub fn read_text(path: &Path, arg: &str) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::argument(arg, format!("cannot read {}: {e}", path.display()))
    };
    let bytes = read_capped(path).map_err(|e| fail(&e))?;
    String::from_utf8(bytes)
        .map_err(|e| fail(&attain::error::utf8_problem(e.as_bytes(), e.utf8_error())))
}

/// Refuse to write `out` when it is one of `inputs` (the same device and
/// inode: another name, a hard link or a symbolic link to an input is still
/// that input), when it is a folder, or when its folder does not exist.
/// Checked before the command reads or runs anything else.
pub fn refuse_inputs(out: Option<&Path>, inputs: &[&Path]) -> Result<()> {
    let Some(out) = out else { return Ok(()) };
    check_out("out", out)?;
    refuse_input_files("out", out, inputs)
}

/// Refuse to write `path` (a file the flag `flag` names or makes) when it
/// is one of `inputs`.
pub fn refuse_input_files(flag: &str, path: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(o) = std::fs::metadata(path) else {
        return Ok(());
    };
    for input in inputs {
        if let Ok(i) = std::fs::metadata(input)
            && same_file(&o, &i)
        {
            return Err(Error::argument(
                flag,
                format!(
                    "{} is the input file {}: refusing to overwrite it (write the output to another file)",
                    path.display(),
                    input.display()
                ),
            ));
        }
    }
    Ok(())
}

/// A file to write must not be a folder, and its folder must exist: both are
/// bad arguments (exit code 2), named in the user's words.
pub fn check_out(flag: &str, path: &Path) -> Result<()> {
    let target = resolve_links(path);
    if target.is_dir() {
        return Err(Error::argument(
            flag,
            format!(
                "{} is a folder, not a file: name a file to write (for example {})",
                path.display(),
                path.join("results.json").display()
            ),
        ));
    }
    let dir = folder_of(&target);
    if !dir.is_dir() {
        return Err(Error::argument(
            flag,
            format!(
                "cannot write {}: the folder {} does not exist (create it first, or choose another file)",
                path.display(),
                dir.display()
            ),
        ));
    }
    Ok(())
}

/// The folder a file is written in (`.` for a bare name).
fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Same file: the same device and inode.
pub fn same_path(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_file(&x, &y),
        _ => false,
    }
}

/// `--format xlsx` (a binary format) only into a file: refused on standard
/// output, before anything runs.
pub fn require_out_for_xlsx(xlsx: bool, out: Option<&Path>) -> Result<()> {
    if xlsx && out.is_none() {
        return Err(Error::argument(
            "format",
            "xlsx is a binary file format and is not written to standard output: add --out FILE.xlsx (or --out /dev/stdout to pipe it)",
        ));
    }
    Ok(())
}

/// `--bom` is for CSV only.
pub fn check_bom(bom: bool, csv: bool) -> Result<()> {
    if bom && !csv {
        return Err(Error::argument(
            "bom",
            "a byte-order mark is only written with --format csv",
        ));
    }
    Ok(())
}

/// CSV bytes with a UTF-8 byte-order mark in front when `bom` (Excel then
/// reads the file as UTF-8 and shows Chinese labels correctly).
pub fn with_bom(bytes: Vec<u8>, bom: bool) -> Vec<u8> {
    if !bom {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(&bytes);
    out
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// The path a write to `path` lands on: symbolic links followed (at most 40,
/// as the kernel does), relative link targets taken from the link's folder.
/// A dangling link gives the path it points to, which is then created.
fn resolve_links(path: &Path) -> PathBuf {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&target) {
                Ok(link) if link.is_absolute() => target = link,
                Ok(link) => {
                    target = match target.parent() {
                        Some(d) => d.join(link),
                        None => link,
                    }
                }
                Err(_) => break,
            },
            _ => break,
        }
    }
    target
}

/// Write bytes to `--out` (or a chart file): atomically onto a regular file
/// or a new path, into the target of a symbolic link, directly into a
/// device, FIFO or socket. See the module documentation.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |context: String| move |source| Error::Io { context, source };
    let target = resolve_links(path);
    let existing = std::fs::metadata(&target).ok();
    if let Some(m) = &existing
        && !m.is_file()
        && !m.is_dir()
    {
        // A device, FIFO or socket: write into it, as a shell redirection would.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&target)
            .map_err(io(format!("cannot write {}", path.display())))?;
        return f
            .write_all(bytes)
            .and_then(|_| f.flush())
            .map_err(io(format!("cannot write {}", path.display())));
    }
    if existing.as_ref().is_some_and(std::fs::Metadata::is_dir) || !folder_of(&target).is_dir() {
        // A folder, or a file in a folder that does not exist: said in the
        // user's words, not as a failure to create the temporary file.
        check_out("out", path)?;
    }
    let dir = folder_of(&target);
    let mut builder = tempfile::Builder::new();
    // A new file is created as `open(2)` with 0666 creates it: the umask
    // decides (a temporary file would otherwise be private, 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // tempfile's error names the temporary file; the user knows the folder.
    let mut tmp = builder.tempfile_in(&dir).map_err(|e| Error::Io {
        context: format!(
            "cannot write {} (in the folder {})",
            path.display(),
            dir.display()
        ),
        source: std::io::Error::from(e.kind()),
    })?;
    tmp.write_all(bytes)
        .map_err(io(format!("cannot write {}", path.display())))?;
    // An existing file keeps its mode.
    if let Some(m) = &existing
        && m.is_file()
    {
        tmp.as_file()
            .set_permissions(m.permissions())
            .map_err(io(format!("cannot write {}", path.display())))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(io(format!("cannot write {}", path.display())))?;
    tmp.persist(&target).map_err(|e| Error::Io {
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
