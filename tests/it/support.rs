//! Helpers shared by the integration tests: where the package's files are, running the
//! `empsim` binary, temporary folders with the shipped scenarios, files and PNG headers,
//! the plan-quote check, and the project's shared data beside the repository.
//!
//! Nothing here changes process-wide state (environment, current folder, panic hook): the
//! tests run as threads of one process.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plotters::style::RGBColor;

// ---- The package's files ----

/// The package root: where `Cargo.toml`, `scenarios/` and `tests/` are.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped scenarios (`scenarios/NAME.toml`), by name.
pub const SHIPPED_SCENARIOS: [&str; 5] = [
    "henan-baseline",
    "henan-downside",
    "henan-policy",
    "shaoyang-baseline",
    "kaifeng-minimal",
];

/// The folder of the shipped scenarios, `scenarios/`.
pub fn scenarios_dir() -> PathBuf {
    repo().join("scenarios")
}

/// A path inside `scenarios/`: `shipped("henan-baseline.toml")`, `shipped("backtest")`.
pub fn shipped(rel: &str) -> PathBuf {
    scenarios_dir().join(rel)
}

/// The `sens` metric the sensitivity tests use: P(met) of Xinxiang's rural-transfer floor.
pub const METRIC: &str = "p_met:xinxiang.rural_transfer_new.cumulative_floor";

// ---- Running the binary ----

/// A command for the `empsim` binary with `args`, to run in the folder `cwd`; not started
/// yet (add environment variables, or spawn it to kill it later).
pub fn command<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>, cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_empsim"));
    c.args(args).current_dir(cwd);
    c
}

/// Runs `empsim ARGS` in `cwd` and returns its exit status and output.
pub fn empsim(args: &[&str], cwd: &Path) -> Output {
    empsim_with_env(args, cwd, &[])
}

/// [`empsim`] with extra environment variables `(name, value)` for the child only (such as
/// the crash-test hooks); the test process's own environment is left alone.
pub fn empsim_with_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    command(args, cwd)
        .envs(env.iter().copied())
        .output()
        .expect("binary runs")
}

/// A process's standard error as text (invalid UTF-8 replaced).
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that a process succeeded; the failure message is its standard error.
pub fn assert_success(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

// ---- Folders and files ----

/// A text file's contents; panics naming the file if it cannot be read.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The names of the entries of a folder (files, folders, links), sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Copies the shipped scenarios, `scenarios/*.toml`, into the folder `to` (not the backtest
/// example in `scenarios/backtest/`: see [`copy_backtest_example`]).
pub fn copy_scenarios(to: &Path) {
    for e in std::fs::read_dir(scenarios_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    // The observation files the shipped conditioned scenarios name.
    std::fs::create_dir_all(to.join("observed")).unwrap();
    for e in std::fs::read_dir(scenarios_dir().join("observed")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join("observed").join(p.file_name().unwrap())).unwrap();
    }
}

/// Copies the shipped backtest example, `scenarios/backtest/`, to `to/backtest/`.
pub fn copy_backtest_example(to: &Path) {
    std::fs::create_dir(to.join("backtest")).unwrap();
    for e in std::fs::read_dir(shipped("backtest")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join("backtest").join(p.file_name().unwrap())).unwrap();
    }
}

/// A temporary folder holding a copy of the shipped scenarios ([`copy_scenarios`]), to run
/// the binary in and to write variants that extend them.
pub fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_scenarios(dir.path());
    dir
}

/// Writes `dir/name`: a copy of the scenario file `from` with the first `old` replaced by
/// `new`, asserting that `old` occurs in it. A relative `from` is taken inside `dir` (a
/// [`workdir`] copy), an absolute one as it is. Returns the path written.
pub fn variant(dir: &Path, from: impl AsRef<Path>, name: &str, old: &str, new: &str) -> PathBuf {
    let from = dir.join(from);
    let text = read(&from);
    assert!(text.contains(old), "{old:?} not in {}", from.display());
    let p = dir.join(name);
    std::fs::write(&p, text.replacen(old, new, 1)).unwrap();
    p
}

// ---- Images ----

/// The eight bytes every PNG file starts with.
pub const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Width and height of a PNG image from its IHDR chunk, after checking the signature.
pub fn png_dimensions(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], PNG_SIGNATURE, "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Width and height of a PNG file ([`png_dimensions`]); panics naming the file if it
/// cannot be read or is not a PNG.
pub fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(PNG_SIGNATURE),
        "{}: no PNG signature",
        path.display()
    );
    png_dimensions(&bytes)
}

/// A plotters colour as the RGB bytes of a rendered pixel.
pub fn rgb(c: RGBColor) -> [u8; 3] {
    [c.0, c.1, c.2]
}

// ---- Plan quotes and the shared data ----

/// `s` without whitespace, which the plan documents' tables and page breaks scatter.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Asserts that `quote` occurs, whitespace aside, in the seed document
/// `seeds/<source>.txt` (`seeds` from [`shared`]); `what` names the quote in messages.
pub fn check_quote(seeds: &Path, what: &str, source: &str, quote: &str) {
    let path = seeds.join(format!("{source}.txt"));
    let text = squash(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{what}: source {source}: {}: {e}", path.display())),
    );
    assert!(
        text.contains(&squash(quote)),
        "{what}: quote “{quote}” not found in {source}"
    );
}

/// A folder of the project's shared data (`../shared/<sub>` beside the repository, as the
/// README says, or under `$EMPSIM_SHARED`). Tests that need it call this first: where the
/// folder is missing they print why and skip, except under CI (`CI` set), where it is
/// required so that CI still checks every quote.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("EMPSIM_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"));
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
