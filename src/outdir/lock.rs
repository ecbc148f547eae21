//! One writer per output folder: an advisory lock (`flock` on Unix) on a lock file beside
//! the folder, taken without waiting. The file holds the writer's process id for the
//! message a second writer gets, and is removed when the lock is released.
//!
//! Removing a lock file while holding it is safe because a writer that locks a file also
//! checks that the path still names the file it locked; if not (the holder removed it in
//! between), it starts over with a fresh file.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released (and its file removed) by [`Lock::release`] or on drop.
#[derive(Debug)]
pub struct Lock {
    file: Option<File>,
    path: PathBuf,
}

impl Lock {
    /// Takes the lock at `path` for the folder the user knows as `shown`.
    ///
    /// # Errors
    /// [`Error::Busy`] if another process holds it; [`Error::Output`] if the lock file
    /// cannot be created.
    pub fn acquire(path: &Path, shown: &Path) -> Result<Lock> {
        for _ in 0..16 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|e| super::io_err(shown, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(Error::Busy {
                        path: shown.to_path_buf(),
                        pid: text.trim().parse().ok(),
                    });
                }
                Err(TryLockError::Error(e)) => {
                    return Err(super::io_err(shown, format!("cannot lock it: {e}")));
                }
            }
            if same_file(&file, path) {
                let _ = file.set_len(0);
                let _ = file.rewind();
                let _ = writeln!(file, "{}", std::process::id());
                return Ok(Lock {
                    file: Some(file),
                    path: path.to_path_buf(),
                });
            }
        }
        Err(Error::Busy {
            path: shown.to_path_buf(),
            pid: None,
        })
    }

    /// Removes the lock file (if it is still ours) and releases the lock.
    pub fn release(mut self) {
        self.unlock();
    }

    fn unlock(&mut self) {
        if let Some(file) = self.file.take() {
            if same_file(&file, &self.path) {
                let _ = std::fs::remove_file(&self.path);
            }
            drop(file);
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.unlock();
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".x.empsim-lock");
        let a = Lock::acquire(&path, Path::new("x")).unwrap();
        let e = Lock::acquire(&path, Path::new("x")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "x is being written by another empsim process (pid {}); wait for it to finish, or choose another folder with --out",
                std::process::id()
            )
        );
        a.release();
        assert!(!path.exists(), "the lock file is removed on release");
        let b = Lock::acquire(&path, Path::new("x")).unwrap();
        drop(b);
        assert!(!path.exists());
    }
}
