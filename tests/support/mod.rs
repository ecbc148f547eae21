//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// A folder of the project's shared data (`../shared/<sub>` beside the repository, as the
/// README says, or under `$EMPSIM_SHARED`). Tests that need it call this first: where the
/// folder is missing they print why and skip, except under CI (`CI` set), where it is
/// required so that CI still checks every quote.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("EMPSIM_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = root.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    assert!(
        !ci,
        "CI is set but the shared data folder {} is missing (set EMPSIM_SHARED to its location)",
        dir.display()
    );
    // Written to the stream itself, not through `eprintln!`, which the test harness
    // captures and hides for passing tests.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {} is missing (the plan documents and extracts live in shared/ beside the repository; set EMPSIM_SHARED to use another place)",
        dir.display()
    );
    None
}
