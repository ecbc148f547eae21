//! The bad-input catalogue: every case in `tests/bad-input/` is an input file
//! (`NAME.toml` or `NAME.csv`) and `NAME.expect`, whose header lines say how to run it and
//! whose body is the exact standard error expected. Each case runs the binary in a fresh
//! folder holding the shipped scenarios and asserts the exit code, the exact message, an
//! empty standard output, no panic, and that **nothing in the folder changed**: no file
//! created, deleted or modified (a failed command creates nothing and destroys nothing).
//!
//! Header lines (all optional):
//! - `# args: ...` the command line (default `check {input}`), split at spaces;
//! - `# setup: ...` steps before the command, in order: `mkdir P`, `file P TEXT`,
//!   `copy FROM TO`, `link TARGET P` (a symbolic link), `run ARGS` (an empsim run that must
//!   succeed), `lock P` (hold the lock of output folder P, as a concurrent run would);
//! - `# env: K=V` an environment variable for the command;
//! - `# exit: N` the exit code (default 2).
//!
//! Placeholders: `{input}` the case's file name, `{root}` the folder's absolute path,
//! `{pid}` this test's process id, `{cores}` the machine's core count.
//!
//! Adding a case is adding two files. `EMPSIM_BLESS=1` rewrites the bodies from the actual
//! messages (review them before committing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{command, copy_backtest_example, copy_scenarios, repo, stderr};

struct Case {
    name: String,
    input: PathBuf,
    expect: PathBuf,
    header: Vec<(String, String)>,
    body: String,
}

fn cases() -> Vec<Case> {
    let dir = repo().join("tests/bad-input");
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for expect in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "expect"))
    {
        let name = expect.file_stem().unwrap().to_string_lossy().into_owned();
        let input = entries
            .iter()
            .find(|p| p.file_stem().is_some_and(|s| s == name.as_str()) && *p != expect)
            .unwrap_or_else(|| panic!("{name}: no input file beside {}", expect.display()))
            .clone();
        let text = std::fs::read_to_string(expect).unwrap();
        let mut header = Vec::new();
        let mut body = String::new();
        let mut in_header = true;
        for line in text.split_inclusive('\n') {
            if in_header {
                if let Some(rest) = line.strip_prefix("# ") {
                    let (k, v) =
                        rest.trim_end_matches('\n')
                            .split_once(": ")
                            .unwrap_or_else(|| {
                                panic!("{name}: header line {line:?} is not `# key: value`")
                            });
                    header.push((k.to_string(), v.to_string()));
                    continue;
                }
                in_header = false;
            }
            body.push_str(line);
        }
        out.push(Case {
            name,
            input,
            expect: expect.clone(),
            header,
            body,
        });
    }
    out
}

/// Every file, folder and link under `root`, with contents.
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    fn go(dir: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let r = format!("{rel}/{name}");
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                let t = std::fs::read_link(e.path()).unwrap();
                out.insert(r, format!("link {}", t.display()));
            } else if ft.is_dir() {
                out.insert(r.clone(), "dir".into());
                go(&e.path(), &r, out);
            } else {
                let bytes = std::fs::read(e.path()).unwrap();
                out.insert(r, format!("file {} {:x}", bytes.len(), fnv(&bytes)));
            }
        }
    }
    let mut out = BTreeMap::new();
    go(root, "", &mut out);
    out
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn cores() -> String {
    std::thread::available_parallelism()
        .unwrap()
        .get()
        .to_string()
}

/// Runs one case; returns what went wrong, or the actual message when blessing.
fn run_case(case: &Case, bless: bool) -> Result<Option<String>, String> {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    copy_scenarios(&root);
    copy_backtest_example(&root);
    let input_name = case
        .input
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    std::fs::copy(&case.input, root.join(&input_name)).unwrap();
    let fill = |s: &str| {
        s.replace("{input}", &input_name)
            .replace("{root}", &root.display().to_string())
            .replace("{pid}", &std::process::id().to_string())
            .replace("{cores}", &cores())
    };
    let mut args = "check {input}".to_string();
    let mut exit = 2;
    let mut env = Vec::new();
    let mut held = Vec::new();
    for (k, v) in &case.header {
        match k.as_str() {
            "args" => args = v.clone(),
            "exit" => exit = v.parse().map_err(|_| format!("bad exit {v}"))?,
            "env" => {
                let (a, b) = v.split_once('=').ok_or("env needs K=V")?;
                env.push((a.to_string(), fill(b)));
            }
            "setup" => held.extend(setup(&root, &fill(v))?),
            other => return Err(format!("unknown header `{other}`")),
        }
    }
    let before = snapshot(&root);
    let args: Vec<String> = fill(&args).split(' ').map(str::to_string).collect();
    let o = command(&args, &root).envs(env).output().unwrap();
    drop(held);
    let stderr = stderr(&o);
    let mut problems = Vec::new();
    if o.status.code() != Some(exit) {
        problems.push(format!("exit code {:?}, expected {exit}", o.status.code()));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        problems.push("a panic".into());
    }
    if !o.stdout.is_empty() {
        problems.push(format!(
            "standard output: {}",
            String::from_utf8_lossy(&o.stdout)
        ));
    }
    let after = snapshot(&root);
    if before != after {
        let changed: Vec<String> = before
            .iter()
            .filter(|(k, v)| after.get(*k) != Some(v))
            .map(|(k, _)| format!("-{k}"))
            .chain(
                after
                    .iter()
                    .filter(|(k, v)| before.get(*k) != Some(v))
                    .map(|(k, _)| format!("+{k}")),
            )
            .collect();
        problems.push(format!("the folder changed: {}", changed.join(" ")));
    }
    if bless {
        let generic = stderr
            .replace(&root.display().to_string(), "{root}")
            .replace(&format!("pid {})", std::process::id()), "pid {pid})")
            .replace(&format!("has {} cores", cores()), "has {cores} cores");
        return if problems.is_empty() {
            Ok(Some(generic))
        } else {
            Err(problems.join("; "))
        };
    }
    let expected = fill(&case.body);
    if stderr != expected {
        problems.push(format!(
            "message\n  got:      {stderr:?}\n  expected: {expected:?}"
        ));
    }
    if problems.is_empty() {
        Ok(None)
    } else {
        Err(problems.join("; "))
    }
}

/// A setup step; returns a lock to hold while the command runs, if any.
fn setup(root: &Path, step: &str) -> Result<Option<std::fs::File>, String> {
    let (verb, rest) = step.split_once(' ').ok_or(format!("bad setup {step}"))?;
    match verb {
        "mkdir" => std::fs::create_dir_all(root.join(rest)).map_err(|e| e.to_string())?,
        "file" => {
            let (p, text) = rest.split_once(' ').unwrap_or((rest, ""));
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).map_err(|e| e.to_string())?;
            std::fs::write(p, text).map_err(|e| e.to_string())?;
        }
        "copy" => {
            let (a, b) = rest.split_once(' ').ok_or("copy FROM TO")?;
            std::fs::copy(root.join(a), root.join(b)).map_err(|e| e.to_string())?;
        }
        "link" => {
            let (a, b) = rest.split_once(' ').ok_or("link TARGET P")?;
            std::os::unix::fs::symlink(root.join(a), root.join(b)).map_err(|e| e.to_string())?;
        }
        "run" => {
            let o = command(rest.split(' '), root).output().unwrap();
            if !o.status.success() {
                return Err(format!("setup run failed: {}", stderr(&o)));
            }
        }
        "lock" => {
            let p = root.join(rest);
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let lock = p.parent().unwrap().join(format!(".{name}.empsim-lock"));
            std::fs::write(&lock, format!("{}\n", std::process::id()))
                .map_err(|e| e.to_string())?;
            let f = std::fs::File::open(&lock).map_err(|e| e.to_string())?;
            f.try_lock().map_err(|e| e.to_string())?;
            return Ok(Some(f));
        }
        other => return Err(format!("unknown setup step `{other}`")),
    }
    Ok(None)
}

#[test]
fn every_bad_input_gets_its_exact_message_and_changes_nothing() {
    let bless = std::env::var_os("EMPSIM_BLESS").is_some();
    let cases = cases();
    assert!(cases.len() >= 80, "the catalogue has {} cases", cases.len());
    let results: Vec<(String, Result<Option<String>, String>)> = std::thread::scope(|s| {
        let chunks: Vec<&[Case]> = cases.chunks(cases.len().div_ceil(4)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|c| (c.name.clone(), run_case(c, bless)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut failures = Vec::new();
    for (case, (name, r)) in cases.iter().zip(results) {
        match r {
            Ok(Some(actual)) => {
                let header: String = case
                    .header
                    .iter()
                    .map(|(k, v)| format!("# {k}: {v}\n"))
                    .collect();
                std::fs::write(&case.expect, header + &actual).unwrap();
            }
            Ok(None) => {}
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
