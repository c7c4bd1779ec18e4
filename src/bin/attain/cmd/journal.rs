//! The journal of an interrupted sweep: the grid points completed so far,
//! beside `--out FILE`, so that `--resume` simulates only the others.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use attain::error::{Error, Result};
use attain::study;

/// The journal of a sweep with `--out FILE`: `FILE.journal`, a header line
/// then one line per completed grid point, each written and synced to disk as
/// the point finishes (format: `attain::study::journal_line`). Created with
/// the first completed point, so a sweep that fails before simulating
/// anything leaves nothing behind; removed once FILE is written.
pub struct Journal {
    pub path: PathBuf,
    header: String,
    /// Points read from an existing journal (with --resume).
    pub done: Vec<study::PointResult>,
    /// Open for appending once the header is on disk.
    file: Mutex<Option<File>>,
}

impl Journal {
    pub fn open(
        out: &Path,
        header: study::JournalHeader,
        resume: bool,
        quiet: bool,
    ) -> Result<Self> {
        let mut name = out.as_os_str().to_owned();
        name.push(".journal");
        let path = PathBuf::from(name);
        let shown = path.display().to_string();
        let io = |source| Error::Io {
            context: format!("cannot use the sweep journal {shown}"),
            source,
        };
        let mut journal = Journal {
            header: header.line()?,
            done: vec![],
            file: Mutex::new(None),
            path: path.clone(),
        };
        let bytes = match crate::output::read_capped(&path) {
            Ok(b) => b,
            Err(e) if crate::output::is_too_large(&e) => {
                return Err(Error::argument(
                    "out",
                    format!("cannot use the sweep journal {shown}: {e}"),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if resume && !quiet {
                    eprintln!("note: no journal {shown}: starting from the first grid point");
                }
                return Ok(journal);
            }
            Err(e) => return Err(io(e)),
        };
        if !resume {
            return Err(Error::argument(
                "out",
                format!(
                    "{shown} holds the completed grid points of a sweep that did not finish (interrupted, or stopped by an error): add --resume to continue it, or delete {shown} to start over"
                ),
            ));
        }
        let found = study::read_journal(&bytes, &header, &shown)?;
        if let Some(note) = &found.dropped
            && !quiet
        {
            eprintln!("note: {note}");
        }
        if found.valid_len > 0 {
            // Cut off the remains of a write cut short, then append after the intact lines.
            let file = OpenOptions::new().append(true).open(&path).map_err(io)?;
            file.set_len(found.valid_len as u64).map_err(io)?;
            file.sync_all().map_err(io)?;
            journal.file = Mutex::new(Some(file));
        }
        if !quiet {
            eprintln!(
                "resuming: {} of {} grid points kept in {shown}",
                found.points.len(),
                header.points
            );
        }
        journal.done = found.points;
        Ok(journal)
    }

    /// Append a completed point and sync it to disk before it counts as kept.
    pub fn append(&self, p: &study::PointResult) -> Result<()> {
        let io = |source| Error::Io {
            context: format!("cannot write the sweep journal {}", self.path.display()),
            source,
        };
        let mut file = self
            .file
            .lock()
            .map_err(|_| Error::Internal("journal lock poisoned".into()))?;
        if file.is_none() {
            let mut f = File::create(&self.path).map_err(io)?;
            f.write_all(self.header.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            // Make the new file's name durable too.
            if let Some(dir) = self.path.parent() {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            *file = Some(f);
        }
        if let Some(f) = file.as_mut() {
            f.write_all(study::journal_line(p).as_bytes())
                .and_then(|_| f.sync_data())
                .map_err(io)?;
        }
        Ok(())
    }

    /// Delete the journal once the output is written.
    pub fn remove(&self, quiet: bool) {
        if let Ok(mut f) = self.file.lock() {
            *f = None;
        }
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                if !quiet {
                    eprintln!(
                        "warning: the output is complete, but the journal {} could not be removed: {e}",
                        self.path.display()
                    );
                }
            }
        }
    }
}
