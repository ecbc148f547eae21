//! The output folder: results are written to a temporary sibling folder and renamed into
//! place only when everything is written, so an interrupted or failed run leaves the
//! previous run's folder as it was.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

fn out_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Writes a folder atomically: `write` fills a fresh temporary folder next to `dest`; on
/// success it replaces `dest`, on failure the temporary folder is removed and `dest` is
/// untouched.
pub fn write_atomically<T>(dest: &Path, write: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    write_atomically_keeping(dest, &[], write)
}

/// Like [`write_atomically`], but entries of the previous `dest` named in `keep` (e.g. the
/// `sensitivity/` and `backtest/` folders other commands write inside a run's folder) are
/// carried over into the new folder when it does not have them itself.
pub fn write_atomically_keeping<T>(
    dest: &Path,
    keep: &[&str],
    write: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    if dest.exists() && !dest.is_dir() {
        return Err(out_err(dest, "exists and is not a folder"));
    }
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for a in parent.ancestors() {
        if a.exists() && !a.is_dir() {
            return Err(out_err(
                dest,
                format!("{} is a file, not a folder", a.display()),
            ));
        }
    }
    std::fs::create_dir_all(&parent).map_err(|e| out_err(&parent, e))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| out_err(dest, "has no folder name"))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| out_err(&tmp, e))?;
    }
    std::fs::create_dir(&tmp).map_err(|e| out_err(&parent, e))?;
    let value = match write(&tmp) {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    for k in keep {
        let (from, to) = (dest.join(k), tmp.join(k));
        if from.exists() && !to.exists() {
            if let Err(e) = std::fs::rename(&from, &to) {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(out_err(&from, e));
            }
        }
    }
    let old = parent.join(format!(".{name}.old-{pid}"));
    let had_old = dest.exists();
    if had_old {
        if let Err(e) = std::fs::rename(dest, &old) {
            for k in keep {
                let _ = std::fs::rename(tmp.join(k), dest.join(k));
            }
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(out_err(dest, e));
        }
    }
    if let Err(e) = std::fs::rename(&tmp, dest) {
        if had_old {
            let _ = std::fs::rename(&old, dest);
            for k in keep {
                let _ = std::fs::rename(tmp.join(k), dest.join(k));
            }
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(out_err(dest, e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(value)
}

/// Creates a file in the output folder, naming it in any error.
pub fn create(path: &Path) -> Result<std::fs::File> {
    std::fs::File::create(path).map_err(|e| out_err(path, e))
}

/// Maps an I/O error on `path` to an output error.
pub fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    out_err(path, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_keeps_the_previous_folder() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        write_atomically(&dest, |d| {
            std::fs::write(d.join("a.txt"), "first").map_err(|e| io_err(d, e))
        })
        .unwrap();
        let r: Result<()> = write_atomically(&dest, |d| {
            std::fs::write(d.join("a.txt"), "second").unwrap();
            Err(Error::Internal("boom".into()))
        });
        assert!(r.is_err());
        assert_eq!(
            std::fs::read_to_string(dest.join("a.txt")).unwrap(),
            "first"
        );
        let leftovers: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary folder removed");
    }

    #[test]
    fn kept_entries_survive_a_new_run() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        std::fs::create_dir_all(dest.join("sensitivity/sobol")).unwrap();
        std::fs::write(dest.join("sensitivity/sobol/indices.csv"), "x").unwrap();
        std::fs::write(dest.join("targets.csv"), "old").unwrap();
        write_atomically_keeping(&dest, &["sensitivity", "backtest"], |d| {
            std::fs::write(d.join("targets.csv"), "new").map_err(|e| io_err(d, e))
        })
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dest.join("targets.csv")).unwrap(),
            "new"
        );
        assert!(dest.join("sensitivity/sobol/indices.csv").exists());
    }

    #[test]
    fn successful_write_replaces_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        std::fs::create_dir(&dest).unwrap();
        std::fs::write(dest.join("stale.txt"), "x").unwrap();
        write_atomically(&dest, |d| {
            std::fs::write(d.join("new.txt"), "y").map_err(|e| io_err(d, e))
        })
        .unwrap();
        assert!(!dest.join("stale.txt").exists());
        assert!(dest.join("new.txt").exists());
    }
}
