//! Putting a written folder in place, crash-safely, and cleaning up after killed runs.
//!
//! The steps of [`commit`], each of which a kill may interrupt:
//! 1. the staging folder `.NAME.empsim-new-PID` holds the new outputs and the marker file
//!    [`MARKER`] (it is incomplete);
//! 2. the kept results of other commands in the old folder (`sensitivity/`, `backtest/`)
//!    are locked and hard-linked (or copied) into it;
//! 3. the marker is removed: the staging folder is now a complete output;
//! 4. staging and final folder are exchanged in one atomic `renameat2(RENAME_EXCHANGE)`
//!    (or, for a first run, renamed into place with `RENAME_NOREPLACE`);
//! 5. the old folder, now under the staging name, is marked again and removed.
//!
//! Before step 4 the final path holds the complete old folder, from step 4 on the complete
//! new one. Leftovers at either stage are recognised by the next run on the folder
//! ([`recover`]): marked or empty ones are partial, unmarked complete ones are outputs.
//!
//! Where the system has no atomic exchange (not Linux, or a file system without it), step
//! 4 is two renames, final → `.NAME.empsim-old-PID` then staging → final. A kill between
//! them leaves the final path missing for a moment, with the complete old folder beside
//! it; the next run (or any command writing that folder) moves it back first.
//!
//! Test hooks: `EMPSIM_TEST_CRASH_AT=<step>` kills the process with SIGKILL at a named
//! step (see [`crash_point`]); `EMPSIM_TEST_NO_EXCHANGE=1` forces the two-rename path.

use super::Destination;
use super::lock::Lock;
use super::owned::{self, Leftover, TempKind};
use crate::error::Result;
use std::path::{Path, PathBuf};

pub(super) use super::owned::MARKER;

/// Kills the process with SIGKILL if `EMPSIM_TEST_CRASH_AT` names `step` (test hook for
/// the crash-safety tests; the steps are `staged`, `written`, `manifest`, `kept`,
/// `unmarked`, `moved-old`, `exchanged`, `old-marked`, `removing-old`).
pub(super) fn crash_point(step: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| std::env::var("EMPSIM_TEST_CRASH_AT").ok());
    if at.as_deref() == Some(step) {
        #[cfg(unix)]
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        std::process::abort();
    }
}

/// Creates the staging folder with its marker.
pub(super) fn create_staging(dest: &Destination) -> Result<PathBuf> {
    let tmp = dest.parent().join(owned::temp_folder_name(
        &dest.name(),
        TempKind::New,
        std::process::id(),
    ));
    std::fs::create_dir(&tmp).map_err(|e| super::io_err(dest.shown(), e))?;
    if let Err(e) = std::fs::write(tmp.join(MARKER), b"") {
        let _ = std::fs::remove_dir(&tmp);
        return Err(super::io_err(dest.shown(), e));
    }
    Ok(tmp)
}

/// Cleans up after killed runs on `dest` (the caller holds its lock): partial staging
/// folders are removed, a complete old folder is moved back if the final path is
/// missing, other complete leftovers are removed. Folders not recognised as empsim's are
/// left alone.
pub(super) fn recover(dest: &Destination) -> Result<()> {
    let name = dest.name();
    let entries = match std::fs::read_dir(dest.parent()) {
        Ok(it) => it,
        Err(e) => return Err(super::io_err(dest.shown(), e)),
    };
    let mut leftovers: Vec<(PathBuf, TempKind)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            match owned::temp_name(&n) {
                Some((of, kind)) if of == name => Some((e.path(), kind)),
                _ => None,
            }
        })
        .collect();
    leftovers.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in leftovers {
        match owned::recognise(&path) {
            Leftover::Foreign => {}
            Leftover::Incomplete => {
                let _ = remove_owned(&path);
            }
            Leftover::Complete => {
                let final_missing = std::fs::symlink_metadata(dest.path()).is_err();
                if kind == TempKind::Old && final_missing {
                    std::fs::rename(&path, dest.path())
                        .map_err(|e| super::io_err(dest.shown(), e))?;
                } else {
                    let _ = remove_owned(&path);
                }
            }
        }
    }
    Ok(())
}

/// Steps 2-5 of the module docs.
pub(super) fn commit(dest: &Destination, tmp: &Path, keep: &[&str]) -> Result<()> {
    let fin = dest.path();
    // Checked again at the last moment: a file put into the old folder while the run was
    // computing must not go with it.
    dest.check_replaceable()?;
    let exists = std::fs::symlink_metadata(fin).is_ok();
    let mut locks = Vec::new();
    if exists {
        for k in keep {
            let (from, to) = (fin.join(k), tmp.join(k));
            let is_dir = std::fs::symlink_metadata(&from).is_ok_and(|m| m.is_dir());
            if is_dir && std::fs::symlink_metadata(&to).is_err() {
                lock_tree(&from, dest.shown(), &mut locks)?;
                link_tree(&from, &to).map_err(|e| super::io_err(&dest.shown().join(k), e))?;
            }
        }
    }
    crash_point("kept");
    std::fs::remove_file(tmp.join(MARKER)).map_err(|e| super::io_err(dest.shown(), e))?;
    crash_point("unmarked");
    if !exists {
        rename_noreplace(tmp, fin).map_err(|e| super::io_err(dest.shown(), e))?;
        crash_point("exchanged");
        return Ok(());
    }
    let old = if exchange(tmp, fin).map_err(|e| super::io_err(dest.shown(), e))? {
        tmp.to_path_buf()
    } else {
        let old = dest.parent().join(owned::temp_folder_name(
            &dest.name(),
            TempKind::Old,
            std::process::id(),
        ));
        std::fs::rename(fin, &old).map_err(|e| super::io_err(dest.shown(), e))?;
        crash_point("moved-old");
        if let Err(e) = std::fs::rename(tmp, fin) {
            let _ = std::fs::rename(&old, fin);
            return Err(super::io_err(dest.shown(), e));
        }
        old
    };
    crash_point("exchanged");
    // The new folder is in place; failing to remove the old one is not the run's failure
    // (the next run removes it).
    let _ = remove_old(&old);
    drop(locks);
    Ok(())
}

/// Marks the old folder and removes it, the marker last.
fn remove_old(old: &Path) -> std::io::Result<()> {
    std::fs::write(old.join(MARKER), b"")?;
    crash_point("old-marked");
    remove_children(old, true)?;
    std::fs::remove_file(old.join(MARKER))?;
    std::fs::remove_dir(old)
}

/// Removes a folder of empsim's: marks it first, so that an interrupted removal is still
/// recognised as empsim's, and removes the marker last.
pub(super) fn remove_owned(dir: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(dir.join(MARKER)).is_err() {
        std::fs::write(dir.join(MARKER), b"")?;
    }
    remove_children(dir, false)?;
    std::fs::remove_file(dir.join(MARKER))?;
    std::fs::remove_dir(dir)
}

fn remove_children(dir: &Path, crash_hook: bool) -> std::io::Result<()> {
    let mut first = true;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_name() == MARKER {
            continue;
        }
        if e.file_type()?.is_dir() {
            std::fs::remove_dir_all(e.path())?;
        } else {
            std::fs::remove_file(e.path())?;
        }
        if crash_hook && first {
            crash_point("removing-old");
            first = false;
        }
    }
    Ok(())
}

/// Locks every output folder inside a kept folder (including itself), so that no
/// `empsim sens` or `backtest` writes there while it is carried over.
fn lock_tree(dir: &Path, shown: &Path, locks: &mut Vec<Lock>) -> Result<()> {
    let lock_of = |d: &Path| -> Option<PathBuf> {
        let name = d.file_name()?.to_string_lossy();
        Some(d.parent()?.join(format!(".{name}.empsim-lock")))
    };
    let mut todo = vec![dir.to_path_buf()];
    let mut paths = Vec::new();
    while let Some(d) = todo.pop() {
        paths.extend(lock_of(&d));
        let entries = std::fs::read_dir(&d).map_err(|e| super::io_err(shown, e))?;
        for e in entries {
            let e = e.map_err(|e| super::io_err(shown, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if owned::is_lock_name(&name) {
                paths.push(e.path());
            } else if is_dir && owned::temp_name(&name).is_none() {
                todo.push(e.path());
            }
        }
    }
    paths.sort();
    paths.dedup();
    for p in paths {
        let busy_as = p
            .parent()
            .map(|d| {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                let inner = name
                    .trim_start_matches('.')
                    .trim_end_matches(".empsim-lock")
                    .to_string();
                d.join(inner)
            })
            .unwrap_or_else(|| p.clone());
        let shown_inner = relative_shown(shown, dir, &busy_as);
        locks.push(Lock::acquire(&p, &shown_inner)?);
    }
    Ok(())
}

/// `inner` (a path under the kept folder `kept` of the final folder) as the user would
/// write it, under `shown`.
fn relative_shown(shown: &Path, kept: &Path, inner: &Path) -> PathBuf {
    let base = kept.parent().unwrap_or(kept);
    match inner.strip_prefix(base) {
        Ok(rel) => shown.join(rel),
        Err(_) => inner.to_path_buf(),
    }
}

/// Recreates `from` at `to` with hard links to its files (copies where links fail),
/// leaving out empsim's lock files and temporary folders.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        let n = name.to_string_lossy();
        if owned::is_lock_name(&n) || owned::temp_name(&n).is_some() {
            continue;
        }
        let ft = e.file_type()?;
        let (src, dst) = (e.path(), to.join(&name));
        if ft.is_dir() {
            link_tree(&src, &dst)?;
        } else if ft.is_file() && std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

fn no_exchange() -> bool {
    std::env::var_os("EMPSIM_TEST_NO_EXCHANGE").is_some()
}

/// Atomically exchanges two folders; `Ok(false)` where the system cannot.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    if no_exchange() {
        return Ok(false);
    }
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::OPNOTSUPP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<bool> {
    let _ = no_exchange();
    Ok(false)
}

/// Renames `a` to `b`, failing if `b` exists.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn rename_noreplace(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::OPNOTSUPP => {
            rename_if_absent(a, b)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn rename_noreplace(a: &Path, b: &Path) -> std::io::Result<()> {
    rename_if_absent(a, b)
}

fn rename_if_absent(a: &Path, b: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(b).is_ok() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "the folder appeared while the run was writing",
        ));
    }
    std::fs::rename(a, b)
}
