//! Output folders, written so that a user's files are never lost.
//!
//! The rules, in the order a command meets them:
//! 1. **Where** ([`Destination::new`]): the folder may not be `/`, the home folder, the
//!    current folder or one of its ancestors, nor a folder that holds an input of the run
//!    (the scenario, a file it extends, an actuals file). Its path is resolved once, with
//!    symbolic links in its existing part followed, and `..` after a missing folder refused,
//!    so nothing is created for a path that cannot work.
//! 2. **Whose** ([`owned`]): empsim replaces a folder only if every file in it is listed by
//!    an empsim `manifest.json` in it or in one of its subfolders (besides empsim's own lock
//!    files and temporary folders). Anything else is refused with exit 2.
//! 3. **One writer** (`lock`): a lock file beside the folder; a second process writing
//!    the same folder exits 2 at once.
//! 4. **Crash-safe swap** ([`Stage::commit`]): the new folder is written to a temporary
//!    sibling, the kept results of other commands (`sensitivity/`, `backtest/`) are linked
//!    into it, and it is exchanged with the old folder in one atomic step (`renameat2`
//!    with `RENAME_EXCHANGE` on Linux). A kill at any moment leaves the complete old or the
//!    complete new folder at the final path; the next run on that folder removes the
//!    leftover temporary folders (see `swap` for systems without an atomic exchange).
//!
//! Nothing is created before the run has something to write, and on failure everything
//! this run created (temporary folder, lock file, parent folders it made) is removed again.

mod guard;
mod lock;
pub mod owned;
mod swap;

pub use guard::Destination;

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The subfolders of a run's folder that other commands write (`empsim sens`,
/// `empsim discover` and `empsim backtest` by default): a new run keeps them.
pub const KEPT_BY_RUN: &[&str] = &["sensitivity", "discover", "backtest"];

/// Creates a file in an output folder, naming it in any error.
pub fn create(path: &Path) -> Result<std::fs::File> {
    std::fs::File::create(path).map_err(|e| io_err(path, e))
}

/// Maps an error writing `path` (an I/O, CSV or JSON error, or a message) to an output
/// error whose source is an I/O error.
pub fn io_err(path: &Path, e: impl IntoIo) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        source: e.into_io(),
    }
}

/// Errors of writing a file, as the I/O error they come down to.
pub trait IntoIo {
    /// The I/O error (for CSV errors: the underlying I/O error where there is one).
    fn into_io(self) -> std::io::Error;
}

impl IntoIo for std::io::Error {
    fn into_io(self) -> std::io::Error {
        self
    }
}

impl IntoIo for csv::Error {
    fn into_io(self) -> std::io::Error {
        let text = self.to_string();
        match self.into_kind() {
            csv::ErrorKind::Io(e) => e,
            _ => std::io::Error::other(text),
        }
    }
}

impl IntoIo for serde_json::Error {
    fn into_io(self) -> std::io::Error {
        std::io::Error::other(self.to_string())
    }
}

impl IntoIo for &str {
    fn into_io(self) -> std::io::Error {
        std::io::Error::other(self.to_string())
    }
}

impl IntoIo for String {
    fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

/// A run's output folder being written: a temporary folder beside the destination, the
/// lock on the destination, and the parent folders this run created. Dropped without
/// [`Stage::commit`], it removes all of them and leaves the destination as it was.
#[derive(Debug)]
pub struct Stage {
    dest: Destination,
    tmp: PathBuf,
    lock: Option<lock::Lock>,
    created: Vec<PathBuf>,
    done: bool,
}

impl Stage {
    /// Prepares to write `dest`: creates its missing parent folders, takes the lock,
    /// removes what killed runs left behind, checks again that the folder may be replaced,
    /// and creates the temporary folder.
    ///
    /// # Errors
    /// [`Error::Busy`] if another process writes the folder, [`Error::OutputRefused`] if
    /// it holds files empsim did not write, [`Error::Output`] for I/O failures.
    pub fn begin(dest: Destination) -> Result<Stage> {
        let created = dest.create_parents()?;
        let mut stage = Stage {
            tmp: PathBuf::new(),
            lock: None,
            created,
            done: false,
            dest,
        };
        stage.lock = Some(lock::Lock::acquire(
            &stage.dest.lock_path(),
            stage.dest.shown(),
        )?);
        swap::recover(&stage.dest)?;
        stage.dest.check_replaceable()?;
        stage.tmp = swap::create_staging(&stage.dest)?;
        swap::crash_point("staged");
        Ok(stage)
    }

    /// The temporary folder to write into.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// The destination as the user named it.
    pub fn shown(&self) -> &Path {
        self.dest.shown()
    }

    /// Puts the written folder in place. `manifest` is called last with the folder and the
    /// sorted list of every file written into it (relative, `/`-separated, including
    /// `manifest.json`), and must write `manifest.json` listing them. `keep` names entries
    /// of the old folder (e.g. [`KEPT_BY_RUN`]) carried into the new one when it does not
    /// have them itself.
    ///
    /// # Errors
    /// Errors of `manifest`, [`Error::Busy`] if a kept folder is being written by another
    /// process, [`Error::Output`] if the swap fails (the old folder is then untouched).
    pub fn commit(
        mut self,
        keep: &[&str],
        manifest: impl FnOnce(&Path, &[String]) -> Result<()>,
    ) -> Result<()> {
        let mut files = owned::list_files(&self.tmp).map_err(|e| io_err(self.dest.shown(), e))?;
        files.retain(|f| f != swap::MARKER);
        files.push(owned::MANIFEST.to_string());
        files.sort();
        files.dedup();
        swap::crash_point("written");
        let tmp = self.tmp.clone();
        manifest(&tmp, &files).map_err(|e| self.relocate(e))?;
        swap::crash_point("manifest");
        let result = swap::commit(&self.dest, &self.tmp, keep);
        self.done = result.is_ok();
        result.map_err(|e| self.relocate(e))
    }

    /// Rewrites paths inside the temporary folder in an error into the user's path.
    pub fn relocate(&self, e: Error) -> Error {
        relocate(e, &self.tmp, self.dest.shown())
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.done && !self.tmp.as_os_str().is_empty() {
            let _ = swap::remove_owned(&self.tmp);
        }
        if let Some(lock) = self.lock.take() {
            lock.release();
        }
        if !self.done {
            for dir in self.created.iter().rev() {
                // Only empty folders go: remove_dir fails on anything else.
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// Writes a whole output folder: `write` fills the staging folder, then `manifest` writes
/// `manifest.json` (see [`Stage::commit`]). Errors name the user's paths.
pub fn write_folder<T>(
    stage: Stage,
    keep: &[&str],
    write: impl FnOnce(&Path) -> Result<T>,
    manifest: impl FnOnce(&Path, &[String], &T) -> Result<()>,
) -> Result<T> {
    let value = write(stage.dir()).map_err(|e| stage.relocate(e))?;
    stage.commit(keep, |dir, files| manifest(dir, files, &value))?;
    Ok(value)
}

fn relocate(e: Error, tmp: &Path, shown: &Path) -> Error {
    let fix_path = |p: PathBuf| match p.strip_prefix(tmp) {
        Ok(rel) if rel.as_os_str().is_empty() => shown.to_path_buf(),
        Ok(rel) => shown.join(rel),
        Err(_) => p,
    };
    let (from, to) = (tmp.display().to_string(), shown.display().to_string());
    let fix_text = |s: String| s.replace(&from, &to);
    match e {
        Error::Output { path, source } => {
            let text = source.to_string();
            let source = if text.contains(&from) {
                std::io::Error::new(source.kind(), fix_text(text))
            } else {
                source
            };
            Error::Output {
                path: fix_path(path),
                source,
            }
        }
        Error::Usage(s) => Error::Usage(fix_text(s)),
        other => other,
    }
}

#[cfg(test)]
mod tests;
