//! What empsim wrote: a file is empsim's when an empsim `manifest.json` in its folder or in
//! a folder above it (within the output folder) lists it, or when it is one of empsim's
//! lock files or temporary folders. Every output folder's manifest lists every file the
//! command wrote (`outputs`), so this is decided from the folder alone.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// The file that marks a folder as empsim's and incomplete (being written or removed).
pub const MARKER: &str = ".empsim-incomplete";

/// The largest manifest read when deciding ownership (a real one is a few kB).
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// Files in a folder that empsim did not write.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Foreign {
    /// The first few, relative to the folder, `/`-separated, in name order.
    pub names: Vec<String>,
    /// Whether there are more than `names`.
    pub more: bool,
    /// Whether the folder itself holds an empsim manifest.
    pub has_manifest: bool,
    /// Whether a manifest of an older empsim, which did not list its files, was met.
    pub legacy: bool,
}

/// The files an empsim manifest lists.
struct Listing {
    files: HashSet<String>,
    /// Folders listed whole (`charts/`), as the first empsim version wrote them.
    folders: Vec<String>,
}

impl Listing {
    fn covers(&self, rel: &str) -> bool {
        self.files.contains(rel) || self.folders.iter().any(|f| rel.starts_with(f.as_str()))
    }
}

/// An empsim manifest, read for ownership.
enum Manifest {
    Listing(Listing),
    /// Written by empsim 0.1, whose `sens` manifests did not list their files.
    Legacy,
}

fn listing(path: &Path) -> Option<Listing> {
    match manifest(path)? {
        Manifest::Listing(l) => Some(l),
        Manifest::Legacy => None,
    }
}

/// Reads `path` as an empsim manifest: a JSON object with `empsim_version` and an
/// `outputs` list of relative file names.
fn manifest(path: &Path) -> Option<Manifest> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_MANIFEST_BYTES {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_MANIFEST_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("empsim_version")?.as_str()?;
    let Some(outputs) = v.get("outputs").and_then(|o| o.as_array()) else {
        return Some(Manifest::Legacy);
    };
    let mut l = Listing {
        files: HashSet::new(),
        folders: Vec::new(),
    };
    for o in outputs {
        let s = o.as_str()?;
        if s.is_empty() || s.starts_with('/') || s.split('/').any(|c| c == "..") {
            continue;
        }
        if s.ends_with('/') {
            l.folders.push(s.to_string());
        } else {
            l.files.insert(s.to_string());
        }
    }
    l.files.insert(MANIFEST.to_string());
    Some(Manifest::Listing(l))
}

/// Whether `dir` holds an empsim manifest.
pub fn has_manifest(dir: &Path) -> bool {
    listing(&dir.join(MANIFEST)).is_some()
}

/// The kind of one of empsim's temporary folders, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempKind {
    /// `.NAME.empsim-new-PID`: a folder being written (or, after the exchange, the old one
    /// being removed).
    New,
    /// `.NAME.empsim-old-PID`: the old folder moved aside where no atomic exchange exists.
    Old,
}

/// The folder name a temporary folder belongs to and its kind, if `name` is one.
pub fn temp_name(name: &str) -> Option<(&str, TempKind)> {
    let rest = name.strip_prefix('.')?;
    for (tag, kind) in [
        (".empsim-new-", TempKind::New),
        (".empsim-old-", TempKind::Old),
    ] {
        if let Some(i) = rest.rfind(tag) {
            let pid = &rest[i + tag.len()..];
            if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && i > 0 {
                return Some((&rest[..i], kind));
            }
        }
    }
    None
}

/// The name of a temporary folder of `name`.
pub fn temp_folder_name(name: &str, kind: TempKind, pid: u32) -> String {
    let tag = match kind {
        TempKind::New => "new",
        TempKind::Old => "old",
    };
    format!(".{name}.empsim-{tag}-{pid}")
}

/// Whether `name` is the name of an empsim lock file (`.NAME.empsim-lock`).
pub fn is_lock_name(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_suffix(".empsim-lock"))
        .is_some_and(|stem| !stem.is_empty())
}

fn is_lock_file(path: &Path, name: &str) -> bool {
    is_lock_name(name)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() <= 64)
}

/// What a temporary folder left by an earlier run holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leftover {
    /// Still marked as being written (or empty): partial, safe to remove.
    Incomplete,
    /// A complete empsim output (manifest and nothing else).
    Complete,
    /// Something else: left alone.
    Foreign,
}

/// Classifies a folder named like one of empsim's temporary folders.
pub fn recognise(dir: &Path) -> Leftover {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return Leftover::Foreign;
    };
    if !meta.is_dir() {
        return Leftover::Foreign;
    }
    if std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return Leftover::Incomplete;
    }
    match std::fs::read_dir(dir) {
        Ok(mut it) => {
            if it.next().is_none() {
                return Leftover::Incomplete;
            }
        }
        Err(_) => return Leftover::Foreign,
    }
    match foreign_entries(dir, 1) {
        Ok(f) if f.names.is_empty() && f.has_manifest => Leftover::Complete,
        _ => Leftover::Foreign,
    }
}

/// The files under `dir` that empsim did not write: at most `limit` named, in name order.
///
/// # Errors
/// An I/O error reading a folder.
pub fn foreign_entries(dir: &Path, limit: usize) -> std::io::Result<Foreign> {
    let mut out = Foreign {
        has_manifest: has_manifest(dir),
        ..Foreign::default()
    };
    let mut authorities = Vec::new();
    walk(dir, "", &mut authorities, &mut out, limit)?;
    Ok(out)
}

fn walk(
    dir: &Path,
    rel: &str,
    authorities: &mut Vec<(String, Listing)>,
    out: &mut Foreign,
    limit: usize,
) -> std::io::Result<()> {
    let pushed = match manifest(&dir.join(MANIFEST)) {
        Some(Manifest::Listing(l)) => {
            authorities.push((rel.to_string(), l));
            true
        }
        Some(Manifest::Legacy) => {
            out.legacy = true;
            false
        }
        None => false,
    };
    let mut entries = std::fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.more {
            break;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let path = e.path();
        let ft = e.file_type()?;
        let ours = if ft.is_dir() {
            if temp_name(&name).is_some() && recognise(&path) != Leftover::Foreign {
                true
            } else {
                walk(&path, &r, authorities, out, limit)?;
                true
            }
        } else {
            ft.is_file() && (is_lock_file(&path, &name) || listed(authorities, &r))
        };
        if !ours {
            if out.names.len() < limit {
                out.names.push(r);
            } else {
                out.more = true;
            }
        }
    }
    if pushed {
        authorities.pop();
    }
    Ok(())
}

fn listed(authorities: &[(String, Listing)], rel: &str) -> bool {
    authorities.iter().any(|(base, l)| {
        let inner = if base.is_empty() {
            Some(rel)
        } else {
            rel.strip_prefix(base.as_str())
                .and_then(|r| r.strip_prefix('/'))
        };
        inner.is_some_and(|r| l.covers(r))
    })
}

/// Every file under `dir`, relative and `/`-separated, sorted.
///
/// # Errors
/// An I/O error reading a folder.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    fn go(dir: &Path, rel: &str, out: &mut Vec<String>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type()?.is_dir() {
                go(&e.path(), &r, out)?;
            } else {
                out.push(r);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    go(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}
