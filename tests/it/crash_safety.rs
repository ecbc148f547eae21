//! Crash safety of the output swap: a run killed (SIGKILL) at every step of putting its
//! folder in place leaves, at the final path, either the complete earlier output or the
//! complete new one, each with the `sensitivity/` results the earlier run kept; the next
//! run recognises and removes the leftovers. The steps are reached through the test hook
//! `EMPSIM_TEST_CRASH_AT` (src/outdir/swap.rs); a second test kills runs at arbitrary
//! moments.

use empsim::outdir::owned;
use std::path::Path;

use crate::support::{assert_success, command, empsim, empsim_with_env, names, shipped, stderr};

const STEPS: &[&str] = &[
    "staged",
    "written",
    "manifest",
    "kept",
    "unmarked",
    "moved-old",
    "exchanged",
    "old-marked",
    "removing-old",
];

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(shipped("shaoyang-baseline.toml"), dir.path().join("s.toml")).unwrap();
    dir
}

fn run_args(seed: &str) -> Vec<&str> {
    vec![
        "-q", "run", "s.toml", "--paths", "300", "--seed", seed, "--out", "out/run",
    ]
}

/// The files of a folder with their contents; manifests (with their timings) and empsim's
/// lock files (which a run killed while carrying `sensitivity/` over leaves, empty, beside
/// the folders it locked) excluded.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = owned::list_files(dir).unwrap();
    files.sort();
    files
        .into_iter()
        .filter(|f| f != "manifest.json" && !f.ends_with("/manifest.json"))
        .filter(|f| !owned::is_lock_name(f.rsplit('/').next().unwrap_or(f)))
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

/// Old output (seed 1, with a sensitivity result inside) and the new output a clean run
/// with seed 2 gives, for comparison.
struct Fixture {
    dir: tempfile::TempDir,
    old: Vec<(String, Vec<u8>)>,
    new: Vec<(String, Vec<u8>)>,
}

/// A run with `seed` into `out/run`, a sensitivity analysis inside it, and the run again
/// (its report.html then shows the kept sensitivity results, as a run over a folder holding
/// them does); returns the folder's snapshot.
fn run_with_sensitivity(d: &Path, seed: &str) -> Vec<(String, Vec<u8>)> {
    assert_success(&empsim(&run_args(seed), d));
    let sens = "-q sens s.toml --method oat --paths 20 --out out/run/sensitivity/oat";
    assert_success(&empsim(&sens.split(' ').collect::<Vec<_>>(), d));
    assert_success(&empsim(&run_args(seed), d));
    snapshot(&d.join("out/run"))
}

fn fixture() -> Fixture {
    let dir = setup();
    let d = dir.path();
    let new = run_with_sensitivity(d, "2");
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let old = run_with_sensitivity(d, "1");
    assert_ne!(old, new, "seeds 1 and 2 give different outputs");
    Fixture { dir, old, new }
}

/// The invariant: the final path holds the complete old or the complete new output, with
/// the kept sensitivity results, and nothing empsim did not write.
fn check_final(f: &Fixture, step: &str, fallback: bool) -> &'static str {
    let fin = f.dir.path().join("out/run");
    if !fin.exists() {
        assert!(
            fallback && step == "moved-old",
            "{step}: the final path is missing"
        );
        return "missing";
    }
    let found = owned::foreign_entries(&fin, 5).unwrap();
    assert!(found.names.is_empty(), "{step}: {:?}", found.names);
    assert!(owned::has_manifest(&fin), "{step}: no manifest");
    let now = snapshot(&fin);
    if now == f.old {
        "old"
    } else if now == f.new {
        "new"
    } else {
        panic!("{step}: the final folder is neither the old nor the new output");
    }
}

fn crash_at_every_step(fallback: bool) {
    for step in STEPS {
        if *step == "moved-old" && !fallback {
            continue;
        }
        let f = fixture();
        let d = f.dir.path();
        let mut env = vec![("EMPSIM_TEST_CRASH_AT", *step)];
        if fallback {
            env.push(("EMPSIM_TEST_NO_EXCHANGE", "1"));
        }
        let o = empsim_with_env(&run_args("2"), d, &env);
        assert_eq!(o.status.code(), None, "{step}: the run was killed");
        let state = check_final(&f, step, fallback);
        let expected = match *step {
            "exchanged" | "old-marked" | "removing-old" => "new",
            "moved-old" => "missing",
            _ => "old",
        };
        assert_eq!(state, expected, "{step}");
        // The next run cleans up and completes; nothing is left beside the folder.
        assert_success(&empsim(&run_args("2"), d));
        assert_eq!(
            check_final(&f, step, fallback),
            "new",
            "{step}: after the next run"
        );
        assert_eq!(names(&d.join("out")), ["run"], "{step}: leftovers removed");
    }
}

#[test]
fn a_kill_at_any_step_of_the_atomic_exchange_leaves_a_complete_folder() {
    crash_at_every_step(false);
}

#[test]
fn a_kill_at_any_step_of_the_two_rename_fallback_is_recovered_by_the_next_run() {
    crash_at_every_step(true);
}

#[test]
fn a_killed_first_run_leaves_nothing_or_a_complete_folder() {
    for step in STEPS
        .iter()
        .filter(|s| !["moved-old", "old-marked", "removing-old"].contains(s))
    {
        let dir = setup();
        let d = dir.path();
        let o = empsim_with_env(&run_args("2"), d, &[("EMPSIM_TEST_CRASH_AT", step)]);
        assert_eq!(o.status.code(), None, "{step}");
        let fin = d.join("out/run");
        if *step == "exchanged" {
            assert!(owned::has_manifest(&fin), "{step}");
        } else {
            assert!(!fin.exists(), "{step}: no partial folder at the final path");
        }
        assert_success(&empsim(&run_args("2"), d));
        assert_eq!(names(&d.join("out")), ["run"], "{step}");
    }
}

#[test]
fn runs_killed_at_arbitrary_moments_never_leave_a_broken_folder() {
    let f = fixture();
    let d = f.dir.path();
    // The duration of one run with charts, to spread the kills over it.
    let t = std::time::Instant::now();
    assert_success(&empsim(
        &[
            "-q",
            "run",
            "s.toml",
            "--paths",
            "300",
            "--seed",
            "1",
            "--out",
            "out/probe",
        ],
        d,
    ));
    let span = t.elapsed();
    std::fs::remove_dir_all(d.join("out/probe")).unwrap();
    for k in 0..12u32 {
        let mut child = command(run_args(if k % 2 == 0 { "2" } else { "1" }), d)
            .spawn()
            .unwrap();
        std::thread::sleep(span * k / 10);
        let _ = child.kill();
        let _ = child.wait();
        let state = check_final(&f, "arbitrary", false);
        assert!(state == "old" || state == "new", "{k}: {state}");
        // The next run on the folder removes whatever the killed one left.
        assert_success(&empsim(&run_args("1"), d));
        assert_eq!(
            names(&d.join("out")),
            ["run"],
            "kill {k}: leftovers removed"
        );
    }
}

#[test]
fn of_two_runs_into_one_folder_at_once_one_wins_and_the_other_exits_2() {
    let dir = setup();
    let d = dir.path();
    let lock = d.join("out/.run.empsim-lock");
    // The first run must still hold the folder when the second starts: give it enough
    // paths, and more on a retry if the machine was too quick.
    for paths in ["400000", "1500000"] {
        let mut first = command(
            [
                "-q",
                "run",
                "s.toml",
                "--paths",
                paths,
                "--no-charts",
                "--out",
                "out/run",
            ],
            d,
        )
        .spawn()
        .unwrap();
        let t = std::time::Instant::now();
        while !lock.exists() && t.elapsed() < std::time::Duration::from_secs(60) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let second = empsim(&run_args("2"), d);
        let first_ok = first.wait().unwrap().success();
        assert!(first_ok, "the first run completes");
        if second.status.success() {
            continue; // the first run had already finished: try again, longer
        }
        assert_eq!(second.status.code(), Some(2));
        assert_eq!(
            stderr(&second),
            format!(
                "error: out/run is being written by another empsim process (pid {}); wait for it to finish, or choose another folder with --out\n",
                first.id()
            )
        );
        assert_eq!(names(&d.join("out")), ["run"], "nothing left behind");
        assert!(owned::has_manifest(&d.join("out/run")));
        return;
    }
    panic!("the first run always finished before the second started");
}
