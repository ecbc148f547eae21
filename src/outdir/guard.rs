//! Where an output folder may go: the path resolved once, and the places empsim refuses
//! to replace (the root, the home folder, the current folder and its ancestors, any folder
//! holding an input of the run, a folder holding files empsim did not write).

use super::owned;
use crate::error::{Error, Result};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// The longest folder name accepted, in bytes: the temporary siblings add about 25 bytes,
/// and most file systems allow 255.
const MAX_NAME_BYTES: usize = 200;

/// How many files empsim did not write a refusal names.
const SHOW_FOREIGN: usize = 4;

/// A validated output folder: the path as the user gave it (for messages) and as
/// resolved (absolute, symbolic links in its existing part followed). Building one
/// creates nothing.
#[derive(Debug, Clone)]
pub struct Destination {
    shown: PathBuf,
    path: PathBuf,
    parent: PathBuf,
    name: OsString,
}

impl Destination {
    /// Resolves `user` and checks it may hold an output folder; `inputs` are the files the
    /// run reads (scenario, the files it extends, an actuals file), which the folder may
    /// not contain.
    ///
    /// # Errors
    /// [`Error::OutputRefused`] with the reason, [`Error::Output`] if the path cannot be
    /// examined.
    pub fn new(user: &Path, inputs: &[PathBuf]) -> Result<Destination> {
        let refuse = |reason: String| Error::OutputRefused {
            path: user.to_path_buf(),
            reason,
        };
        if user.as_os_str().is_empty() {
            return Err(refuse("the folder name is empty".into()));
        }
        let cwd = std::env::current_dir()
            .and_then(|c| c.canonicalize())
            .map_err(|e| super::io_err(user, format!("cannot tell the current folder: {e}")))?;
        let path = resolve(&cwd.join(user), &cwd).map_err(refuse)?;
        let Some(name) = path.file_name().map(OsString::from) else {
            return Err(refuse(whole("it is the root folder /", user)));
        };
        if name.len() > MAX_NAME_BYTES {
            return Err(refuse(format!(
                "the folder name is longer than {MAX_NAME_BYTES} bytes"
            )));
        }
        let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dest = Destination {
            shown: user.to_path_buf(),
            path,
            parent,
            name,
        };
        dest.check_place(&cwd, inputs).map_err(refuse)?;
        dest.check_replaceable()?;
        Ok(dest)
    }

    /// The path as the user gave it.
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// The resolved absolute path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn parent(&self) -> &Path {
        &self.parent
    }

    pub(super) fn name(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }

    pub(super) fn lock_path(&self) -> PathBuf {
        self.parent.join(format!(".{}.empsim-lock", self.name()))
    }

    fn check_place(&self, cwd: &Path, inputs: &[PathBuf]) -> std::result::Result<(), String> {
        let p = &self.path;
        if p == cwd {
            return Err(whole("it is the current folder", &self.shown));
        }
        if cwd.starts_with(p) {
            return Err(whole("it contains the current folder", &self.shown));
        }
        if let Some(home) = std::env::home_dir().and_then(|h| h.canonicalize().ok()) {
            if *p == home {
                return Err(whole("it is your home folder", &self.shown));
            }
            if home.starts_with(p) {
                return Err(whole("it contains your home folder", &self.shown));
            }
        }
        for input in inputs {
            let Some(dir) = input
                .canonicalize()
                .ok()
                .and_then(|c| c.parent().map(Path::to_path_buf))
            else {
                continue;
            };
            if dir.starts_with(p) {
                let verb = if dir == *p { "holds" } else { "contains" };
                return Err(whole(
                    &format!("it {verb} {}, an input of this run", input.display()),
                    &self.shown,
                ));
            }
        }
        Ok(())
    }

    /// Checks that the folder is absent, empty, or holds only empsim's outputs.
    pub(super) fn check_replaceable(&self) -> Result<()> {
        let refuse = |reason: String| Error::OutputRefused {
            path: self.shown.clone(),
            reason,
        };
        let meta = match std::fs::symlink_metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(super::io_err(&self.shown, e)),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse(
                "it is a symbolic link, which empsim will not replace; give the folder it points to, or another folder, with --out".into(),
            ));
        }
        if !meta.is_dir() {
            return Err(refuse(
                "it is a file, not a folder; choose another folder with --out".into(),
            ));
        }
        let found = owned::foreign_entries(&self.path, SHOW_FOREIGN)
            .map_err(|e| super::io_err(&self.shown, e))?;
        if found.names.is_empty() {
            return Ok(());
        }
        let mut list = found
            .names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if found.more {
            list.push_str(" and more");
        }
        if found.legacy {
            list.push_str(
                "; some were written by an older empsim that did not list its files: remove them yourself if you no longer need them",
            );
        }
        let what = if found.has_manifest {
            "it holds files empsim did not write"
        } else {
            "it is not an empsim output folder: it holds files empsim did not write"
        };
        Err(refuse(format!(
            "{what} ({list}); empsim only replaces a folder that holds nothing but its own outputs. Move those files elsewhere, or choose another folder with --out"
        )))
    }

    /// Creates the missing parent folders, outermost first, and returns them so that a
    /// failed run can remove them again.
    pub(super) fn create_parents(&self) -> Result<Vec<PathBuf>> {
        let missing: Vec<PathBuf> = self
            .parent
            .ancestors()
            .take_while(|a| std::fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        let mut created = Vec::new();
        for dir in missing.into_iter().rev() {
            if let Err(e) = std::fs::create_dir(&dir) {
                for d in created.iter().rev() {
                    let _ = std::fs::remove_dir(d);
                }
                return Err(super::io_err(&self.shown, e));
            }
            created.push(dir);
        }
        Ok(created)
    }
}

/// The reason text for a folder empsim must not replace as a whole.
fn whole(reason: &str, shown: &Path) -> String {
    format!(
        "{reason}; empsim replaces its output folder as a whole, so it needs a folder of its own, such as {}",
        shown.join("empsim-output").display()
    )
}

/// Resolves an absolute path: its longest existing prefix canonically (symbolic links
/// followed), the rest lexically. A `..` after a folder that does not exist cannot be
/// resolved and is refused, so nothing is created for it.
fn resolve(abs: &Path, cwd: &Path) -> std::result::Result<PathBuf, String> {
    // Paths in messages as the user would write them: relative to the current folder.
    let shown = |p: &Path| match p.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => p.display().to_string(),
    };
    if let Ok(meta) = std::fs::symlink_metadata(abs) {
        let last_is_name = matches!(abs.components().next_back(), Some(Component::Normal(_)));
        if meta.file_type().is_symlink() && last_is_name {
            // Keep the link itself: it is refused later as a link, not followed.
            let parent = abs.parent().unwrap_or(abs);
            let parent = parent
                .canonicalize()
                .map_err(|e| format!("cannot resolve the path: {e}"))?;
            return Ok(parent.join(abs.file_name().unwrap_or_default()));
        }
    }
    let existing = abs
        .ancestors()
        .find(|a| a.exists())
        .unwrap_or(Path::new("/"));
    let mut out = existing
        .canonicalize()
        .map_err(|e| format!("cannot resolve the path: {e}"))?;
    let rest = abs.strip_prefix(existing).unwrap_or(Path::new(""));
    for c in rest.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "`..` follows {}, which does not exist; give the folder's path without `..`",
                    shown(&out)
                ));
            }
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    for a in out.ancestors().skip(1) {
        if let Ok(meta) = std::fs::metadata(a)
            && !meta.is_dir()
        {
            return Err(format!("{} is a file, not a folder", shown(a)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_dir_after_a_missing_folder_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let abs = root.path().join("a/b/c/..");
        let e = resolve(&abs, Path::new("/nowhere")).unwrap_err();
        assert!(e.contains("`..` follows"), "{e}");
        assert!(!root.path().join("a").exists());
    }

    #[test]
    fn existing_parts_resolve_dot_dot_physically() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("a/b")).unwrap();
        let got = resolve(&root.path().join("a/b/../c"), Path::new("/nowhere")).unwrap();
        assert_eq!(got, root.path().canonicalize().unwrap().join("a/c"));
    }

    #[test]
    fn a_file_on_the_way_is_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("f"), "x").unwrap();
        let e = resolve(
            &root.path().join("f/sub"),
            &root.path().canonicalize().unwrap(),
        )
        .unwrap_err();
        assert_eq!(e, "f is a file, not a folder");
        assert!(e.ends_with("f is a file, not a folder"), "{e}");
    }
}
