//! `empsim discover` and the per-path draws it rests on: the draws are the parameters each
//! path was simulated with, the cases are the run's misses path for path, the chosen box
//! holds the paths it says, and the outputs do not depend on the thread count.

use crate::support::{assert_success, empsim, shipped, stderr};
use empsim::engine::{Engine, simulate};
use empsim::scenario::Scenario;

#[test]
fn a_paths_draws_are_the_parameters_it_was_simulated_with() {
    let scn = Scenario::from_file(&shipped("henan-downside.toml")).unwrap();
    let (paths, seed) = (40, 9);
    let sim = simulate(&scn, paths, seed, &[]);
    let engine = Engine::new(&scn, paths, seed, &[]);
    for p in [0, 17, 39] {
        let d = engine.path_draws(p);
        assert_eq!(d.theta.len(), scn.params.len());
        assert_eq!(d.shock_scale.len(), scn.shocks.len());
        // Fixing every parameter at path p's draws changes nothing on path p (the draws are
        // still made, so every other random number is the same).
        let fixed: Vec<(usize, f64)> = d.theta.iter().copied().enumerate().collect();
        let again = simulate(&scn, paths, seed, &fixed);
        for s in 0..scn.series.len() {
            assert_eq!(
                again.path_series(p, s),
                sim.path_series(p, s),
                "path {p} series {s}"
            );
        }
        // ... and on another path, it does (the draws differ from path to path).
        let other = (p + 1) % paths;
        assert!(
            (0..scn.series.len()).any(|s| again.path_series(other, s) != sim.path_series(other, s))
        );
    }
}

#[test]
fn a_conditioned_runs_draws_are_its_final_paths_parameters() {
    let scn = Scenario::from_file(&shipped("henan-midterm.toml")).unwrap();
    assert!(scn.observations.is_some());
    let paths = 300;
    let mut engine = Engine::new(&scn, paths, 4, &[]);
    let cond = engine.take_conditioning().unwrap();
    for post in &cond.parameters {
        let xs: Vec<f64> = (0..paths)
            .map(|p| engine.path_draws(p).theta[post.slot])
            .collect();
        let mean = xs.iter().sum::<f64>() / paths as f64;
        assert!(
            (mean - post.mean).abs() <= 1e-9 * post.mean.abs().max(1.0),
            "{}: {mean} vs {}",
            scn.params[post.slot].name,
            post.mean
        );
    }
}

fn read(dir: &std::path::Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap()
}

#[test]
fn discover_explains_the_runs_misses_path_for_path() {
    let dir = tempfile::tempdir().unwrap();
    let s = shipped("henan-downside.toml").display().to_string();
    let target = "kaifeng.surveyed_unemployment_rate.level_cap";
    let o = empsim(
        &[
            "discover", &s, "--target", target, "--paths", "2000", "--out", "d",
        ],
        dir.path(),
    );
    assert_success(&o);
    let stdout = String::from_utf8(o.stdout).unwrap();
    // The run's P(met) on the same paths and seed is the share of paths that are not cases.
    let r = empsim(
        &[
            "run",
            &s,
            "--paths",
            "2000",
            "--no-charts",
            "--keep-draws",
            "--out",
            "r",
        ],
        dir.path(),
    );
    assert_success(&r);
    let targets = read(&dir.path().join("r"), "targets.csv");
    let header: Vec<&str> = targets.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "p_met").unwrap();
    let row = targets.lines().find(|l| l.contains(target)).unwrap();
    let p_met: f64 = row.split(',').nth(col).unwrap().parse().unwrap();
    let draws = read(&dir.path().join("d"), "draws.csv");
    let mut lines = draws.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    assert_eq!(names[0], "path");
    assert_eq!(&names[names.len() - 3..], ["outcome", "gap", "case"]);
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 2000);
    let case = names.len() - 1;
    let gap = names.len() - 2;
    for (p, r) in rows.iter().enumerate() {
        assert_eq!(r[0], p as f64);
        assert_eq!(r[case] == 1.0, r[gap] > 0.0, "path {p}");
    }
    // The run's draws.csv holds the same draws, path for path, in the same form.
    let run_draws = read(&dir.path().join("r"), "draws.csv");
    let run_names: Vec<&str> = run_draws.lines().next().unwrap().split(',').collect();
    let run_rows: Vec<Vec<&str>> = run_draws
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let our_rows: Vec<Vec<&str>> = draws
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(run_rows.len(), 2000);
    for (j, name) in names.iter().enumerate().take(names.len() - 3) {
        let k = run_names.iter().position(|n| n == name).unwrap();
        for p in 0..2000 {
            assert_eq!(run_rows[p][k], our_rows[p][j], "{name} on path {p}");
        }
    }
    let cases = rows.iter().filter(|r| r[case] == 1.0).count();
    assert_eq!((2000 - cases) as f64 / 2000.0, p_met);
    assert!(
        stdout.contains(&format!("\n{cases} of 2000 paths miss the target")),
        "{stdout}"
    );
    // The chosen box holds the paths and cases trajectory.csv says, by its limits in
    // box.csv applied to draws.csv.
    let trajectory = read(&dir.path().join("d"), "trajectory.csv");
    let chosen: Vec<&str> = trajectory
        .lines()
        .skip(1)
        .find(|l| l.split(',').nth(7) == Some("1"))
        .unwrap()
        .split(',')
        .collect();
    let (n_box, k_box): (usize, usize) = (chosen[1].parse().unwrap(), chosen[2].parse().unwrap());
    let boxes = read(&dir.path().join("d"), "box.csv");
    let limits: Vec<(usize, f64, f64)> = boxes
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let j = names.iter().position(|n| n == c[0]).unwrap();
            let side = |x: &str, open: f64| {
                if x.is_empty() {
                    open
                } else {
                    x.parse().unwrap()
                }
            };
            (j, side(c[3], f64::NEG_INFINITY), side(c[4], f64::INFINITY))
        })
        .collect();
    assert!(!limits.is_empty(), "{boxes}");
    assert_eq!(limits.len().to_string(), chosen[6]);
    let inside: Vec<&Vec<f64>> = rows
        .iter()
        .filter(|r| limits.iter().all(|&(j, lo, hi)| r[j] >= lo && r[j] <= hi))
        .collect();
    assert_eq!(inside.len(), n_box);
    assert_eq!(inside.iter().filter(|r| r[case] == 1.0).count(), k_box);
    // Denser than all paths, and holding at least half of the cases (--min-coverage 0.5).
    assert!(k_box as f64 / n_box as f64 > cases as f64 / 2000.0);
    assert!(k_box as f64 >= 0.5 * cases as f64);
}

#[test]
fn discover_outputs_do_not_depend_on_the_thread_count_and_bad_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = shipped("henan-baseline.toml").display().to_string();
    let target = "henan.urban_new_jobs.cumulative_floor";
    for t in ["1", "2"] {
        let o = empsim(
            &[
                "discover",
                &s,
                "--target",
                target,
                "--paths",
                "1500",
                "--threads",
                t,
                "--out",
                t,
            ],
            dir.path(),
        );
        assert_success(&o);
    }
    for f in [
        "draws.csv",
        "trajectory.csv",
        "box.csv",
        "prim-tradeoff.png",
        "prim-box.png",
    ] {
        assert_eq!(
            std::fs::read(dir.path().join("1").join(f)).unwrap(),
            std::fs::read(dir.path().join("2").join(f)).unwrap(),
            "{f}"
        );
    }
    for (args, msg) in [
        (
            vec!["--target", "henan.nope"],
            "error: --target henan.nope: unknown target; targets: henan.urban_new_jobs.cumulative_floor, ",
        ),
        (
            vec!["--target", target, "--peel-alpha", "0.5"],
            "error: --peel-alpha must lie strictly between 0 and 0.5, got 0.5",
        ),
        (
            vec!["--target", target, "--min-coverage", "0"],
            "error: --min-coverage must lie in (0, 1], got 0",
        ),
    ] {
        let mut a = vec!["discover", s.as_str()];
        a.extend(args);
        let o = empsim(&a, dir.path());
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).starts_with(msg), "{}", stderr(&o));
    }
}

#[test]
fn a_new_run_keeps_the_discoveries_in_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let s = shipped("shaoyang-baseline.toml").display().to_string();
    let target = "shaoyang.urban_new_jobs.cumulative_floor";
    let run = || {
        let o = empsim(
            &["run", &s, "--paths", "300", "--no-charts", "--out", "r"],
            dir.path(),
        );
        assert_success(&o);
    };
    run();
    let d = dir.path().join("r/discover").join(target);
    let o = empsim(
        &[
            "discover",
            &s,
            "--target",
            target,
            "--paths",
            "300",
            "--out",
            d.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_success(&o);
    let before = std::fs::read(d.join("draws.csv")).unwrap();
    run();
    assert_eq!(std::fs::read(d.join("draws.csv")).unwrap(), before);
    assert!(d.join("prim-box.png").exists());
}
