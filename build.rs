//! Records the exact build for `manifest.json`: the git commit and whether the work tree
//! had changes, the rustc version, the target and the profile. Outside a git checkout (a
//! source tarball, `cargo install` from the registry) or without git, the commit is
//! "unknown"; nothing here can fail the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = match git(&["status", "--porcelain", "--untracked-files=no"]) {
        Some(s) if commit != "unknown" => (!s.is_empty()).to_string(),
        _ => "unknown".into(),
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=EMPSIM_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=EMPSIM_GIT_DIRTY={dirty}");
    println!("cargo:rustc-env=EMPSIM_RUSTC_VERSION={rustc_version}");
    println!("cargo:rustc-env=EMPSIM_TARGET={}", var("TARGET"));
    println!("cargo:rustc-env=EMPSIM_PROFILE={}", var("PROFILE"));
    // Run again when the sources or the checked-out commit change (the dirty flag and the
    // commit follow them); a commit rewrites the index.
    for p in ["build.rs", "Cargo.toml", "Cargo.lock", "src"] {
        println!("cargo:rerun-if-changed={p}");
    }
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]).map(PathBuf::from) {
        for f in ["HEAD", "index"] {
            rerun_if_exists(&dir.join(f));
        }
        if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
            let common = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"])
                .map(PathBuf::from);
            rerun_if_exists(&common.unwrap_or(dir).join(r));
        }
    }
}

fn rerun_if_exists(p: &Path) {
    if p.exists() {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}

/// The trimmed standard output of a git command in the package folder, if it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).ok())
        .flatten()
        .map(|s| s.trim().to_string())
}
