//! `empsim sens` through the binary: outputs, byte-identical outputs across thread counts, and bad
//! parameter names, ranges and metrics (exit code 2, exact messages).

use crate::support::{METRIC, assert_success, empsim, shipped, stderr};

fn scenario() -> String {
    shipped("henan-baseline.toml").display().to_string()
}

#[test]
fn oat_writes_tidy_indices_for_every_factor_and_year() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario();
    let o = empsim(
        &[
            "sens", &s, "--method", "oat", "--paths", "60", "--metric", METRIC, "--out", "oat",
        ],
        dir.path(),
    );
    assert_success(&o);
    let text = std::fs::read_to_string(dir.path().join("oat/indices.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "scenario,method,metric,year,parameter,statistic,estimate,ci_low,ci_high,flag"
    );
    // 17 uncertain assumptions in henan-baseline × 5 years × 5 statistics.
    assert_eq!(lines.count(), 17 * 5 * 5);
    let factors = std::fs::read_to_string(dir.path().join("oat/factors.csv")).unwrap();
    assert!(factors.contains("indicators.rural_transfer_new.trend,\"normal(mean -0.04, sd 0.03)\",regions.kaifeng.params.rural_transfer_new.trend regions.xinxiang.params.rural_transfer_new.trend regions.zhumadian.params.rural_transfer_new.trend regions.rest_of_henan.params.rural_transfer_new.trend,scenario"));
    // The trend of transfers has the largest swing on Xinxiang's transfer target in 2025.
    let stdout = String::from_utf8(o.stdout).unwrap();
    let first = stdout
        .lines()
        .find(|l| l.starts_with("  "))
        .unwrap_or_default();
    assert!(
        first.ends_with("indicators.rural_transfer_new.trend"),
        "{stdout}"
    );
}

/// The files of an output folder, by name, with the manifest's run record (run time and
/// command line, which names `--threads` and `--out`) removed.
fn outputs(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(&path).unwrap();
            if name == "manifest.json" {
                let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                let m = v.as_object_mut().unwrap();
                assert!(m.remove("elapsed_seconds").is_some());
                assert!(m.remove("command_line").is_some());
                bytes = v.to_string().into_bytes();
            }
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_method_writes_identical_outputs_with_one_and_three_threads() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario();
    for method in ["oat", "morris", "sobol"] {
        let mut folders = Vec::new();
        for threads in ["1", "3"] {
            let out = format!("{method}-{threads}");
            let o = empsim(
                &[
                    "sens",
                    &s,
                    "--method",
                    method,
                    "--samples",
                    "8",
                    "--paths",
                    "40",
                    "--bootstrap",
                    "20",
                    "--params",
                    "indicators.rural_transfer_new.trend,growth.noise_sd",
                    "--metric",
                    METRIC,
                    "--threads",
                    threads,
                    "--out",
                    &out,
                ],
                dir.path(),
            );
            assert_success(&o);
            folders.push(outputs(&dir.path().join(&out)));
        }
        let names: Vec<&str> = folders[0].iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"indices.csv"), "{method}: {names:?}");
        assert!(
            names.iter().any(|n| n.ends_with(".png")),
            "{method}: {names:?}"
        );
        for ((name, a), (_, b)) in folders[0].iter().zip(&folders[1]) {
            assert!(a == b, "{method}: {name} differs between 1 and 3 threads");
        }
        assert_eq!(folders[0].len(), folders[1].len(), "{method}");
        if method == "sobol" {
            let (_, indices) = folders[0].iter().find(|(n, _)| n == "indices.csv").unwrap();
            let text = String::from_utf8_lossy(indices);
            // 2 factors × 5 years × (first order, total).
            assert_eq!(text.lines().count(), 1 + 2 * 5 * 2);
        }
    }
}

#[test]
fn bad_sensitivity_requests_exit_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario();
    let cases: [(&[&str], &str); 5] = [
        (
            &["--params", "growth.nope"],
            "error: --params: `growth.nope` is not an uncertain parameter of the scenario; give it a range with --range growth.nope=LOW:HIGH, or choose from: ",
        ),
        (
            &["--range", "growth.ar=0.5:1.5"],
            "error: --range growth.ar=0.5:1.5: `growth.ar` must lie in [-0.9, 0.9]\n",
        ),
        (
            &["--range", "growth.ar=0.7:0.3"],
            "error: --range growth.ar=0.7:0.3: needs finite LOW < HIGH\n",
        ),
        (
            &["--metric", "p_met:nowhere"],
            "error: --metric p_met:nowhere: unknown target `nowhere`; targets: henan.urban_new_jobs.cumulative_floor, ",
        ),
        (
            &["--metric", "median:henan.gdp"],
            "error: --metric median:henan.gdp: unknown indicator `gdp`; valid indicators: ",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["sens", s.as_str(), "--method", "oat", "--paths", "10"];
        args.extend_from_slice(extra);
        let o = empsim(&args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = stderr(&o);
        assert!(err.starts_with(expected), "{extra:?}: {err}");
    }
    // A malformed --range is rejected by the argument parser, also with code 2.
    let o = empsim(
        &["sens", &s, "--method", "oat", "--range", "growth.ar"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected NAME=LOW:HIGH, got `growth.ar`"));
    assert!(
        !dir.path().join("output").exists(),
        "nothing written on bad input"
    );
}

/// `empsim sens <henan-baseline> --method sobol` in `dir` with `--samples`, `--paths`,
/// `--params` and the `extra` flags (metrics, seed, output folder), `--bootstrap 20` unless
/// `extra` gives it; asserts success.
fn sobol(
    dir: &std::path::Path,
    samples: &str,
    paths: &str,
    params: &str,
    extra: &[&str],
) -> std::process::Output {
    let s = scenario();
    let mut args = vec![
        "sens",
        &s,
        "--method",
        "sobol",
        "--samples",
        samples,
        "--paths",
        paths,
        "--params",
        params,
    ];
    if !extra.contains(&"--bootstrap") {
        args.extend_from_slice(&["--bootstrap", "20"]);
    }
    args.extend_from_slice(extra);
    let o = empsim(&args, dir);
    assert_success(&o);
    o
}

#[test]
fn the_seed_scrambles_the_sobol_design_and_unscrambled_is_one_flag_away() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str, extra: &[&str]| {
        let mut flags = vec!["--metric", METRIC, "--out", out];
        flags.extend_from_slice(extra);
        sobol(
            dir.path(),
            "16",
            "30",
            "indicators.rural_transfer_new.trend,growth.noise_sd",
            &flags,
        );
        let m: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(out).join("manifest.json")).unwrap(),
        )
        .unwrap();
        let indices = std::fs::read_to_string(dir.path().join(out).join("indices.csv")).unwrap();
        (m["sobol_design"].clone(), indices)
    };
    let (d1, i1) = run("s1", &["--seed", "1"]);
    let (d1b, i1b) = run("s1b", &["--seed", "1"]);
    let (d2, _) = run("s2", &["--seed", "2"]);
    assert_eq!(
        (&d1, &i1),
        (&d1b, &i1b),
        "same seed, same design and indices"
    );
    assert_eq!(d1["base_samples"], 16);
    assert!(d1["scramble_seed"].is_u64() && d2["scramble_seed"].is_u64());
    assert_ne!(
        d1["scramble_seed"], d2["scramble_seed"],
        "another seed, another design"
    );
    let (du, _) = run("u", &["--seed", "1", "--unscrambled"]);
    assert!(du["scramble_seed"].is_null(), "{du}");
    assert_eq!(du["skip"], 16);
}

#[test]
fn the_salib_export_reproduces_the_indices_with_salibs_estimators() {
    // SALib's `sobol.analyze(calc_second_order=False)` reads the rows per base sample as A,
    // A_B^(1..d), B. From the exported files in that layout, empsim's estimators
    // (S_i = mean((f_B − f0)(f_ABi − f_A)) / V, ST_i = mean((f_A − f_ABi)²) / (2V), f0 and V
    // the mean and variance (n) of f_A ∪ f_B) must give indices.csv's estimates. (SALib
    // centres f_B on the mean of all rows instead of f0: its S_i differs by
    // (f0 − ȳ)·mean(f_ABi − f_A)/V.)
    let dir = tempfile::tempdir().unwrap();
    let s = scenario();
    sobol(
        dir.path(),
        "32",
        "40",
        "indicators.rural_transfer_new.trend,growth.noise_sd,indicators.rural_transfer_new.elasticity",
        &["--metric", METRIC, "--export-salib", "--out", "x"],
    );
    let salib = dir.path().join("x/salib");
    let problem: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(salib.join("problem.json")).unwrap())
            .unwrap();
    let d = problem["num_vars"].as_u64().unwrap() as usize;
    assert_eq!(d, 3);
    let x = std::fs::read_to_string(salib.join("X.txt")).unwrap();
    assert_eq!(x.lines().count(), 32 * (d + 2));
    assert!(x.lines().all(|l| l.split(' ').count() == d));
    let y = std::fs::read_to_string(salib.join("Y.csv")).unwrap();
    let mut lines = y.lines();
    let labels: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let indices = std::fs::read_to_string(dir.path().join("x/indices.csv")).unwrap();
    let names: Vec<&str> = problem["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut checked = 0;
    for (k, label) in labels.iter().enumerate() {
        let (metric, year) = label.rsplit_once('@').unwrap();
        let col: Vec<f64> = rows.iter().map(|r| r[k]).collect();
        let step = d + 2;
        let a: Vec<f64> = col.iter().step_by(step).copied().collect();
        let b: Vec<f64> = col.iter().skip(d + 1).step_by(step).copied().collect();
        let all: Vec<f64> = a.iter().chain(&b).copied().collect();
        let mean = all.iter().sum::<f64>() / all.len() as f64;
        let v = all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / all.len() as f64;
        if v == 0.0 {
            continue;
        }
        for (i, name) in names.iter().enumerate() {
            let ab: Vec<f64> = col.iter().skip(1 + i).step_by(step).copied().collect();
            let n = a.len() as f64;
            let s1 = (0..a.len())
                .map(|j| (b[j] - mean) * (ab[j] - a[j]))
                .sum::<f64>()
                / n
                / v;
            let st = (0..a.len()).map(|j| (a[j] - ab[j]).powi(2)).sum::<f64>() / n / (2.0 * v);
            for (stat, value) in [("first_order", s1), ("total", st)] {
                let prefix = format!("henan-baseline,sobol,{metric},{year},{name},{stat},");
                let line = indices.lines().find(|l| l.starts_with(&prefix)).unwrap();
                let estimate: f64 = line[prefix.len()..]
                    .split(',')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(
                    (estimate - value).abs() <= 0.5e-4 + 1e-12,
                    "{label} {name} {stat}: indices.csv {estimate}, from the export {value}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "{checked}");
    // Other methods refuse the flag.
    let o = empsim(
        &["sens", &s, "--method", "morris", "--export-salib"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim(),
        "error: --export-salib is for --method sobol (SALib's Sobol' layout), not morris"
    );
}

#[test]
fn a_nearly_certain_target_is_flagged_and_the_outcome_suggested_instead() {
    let dir = tempfile::tempdir().unwrap();
    let o = sobol(
        dir.path(),
        "64",
        "200",
        "indicators.return_entrepreneurs.trend,unemployment.natural_rate",
        &[
            "--bootstrap",
            "50",
            "--metric",
            "p_met:kaifeng.return_entrepreneurs.cumulative_floor",
            "--metric",
            "p_met:kaifeng.surveyed_unemployment_rate.level_cap",
            "--out",
            "w",
        ],
    );
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("nearly constant, so its indices rest on a few paths and are unreliable; analyse the outcome itself: --metric outcome:kaifeng.return_entrepreneurs.cumulative_floor"),
        "{stdout}"
    );
    // Intervals are printed beside every index.
    assert!(stdout.contains("total index ST [95 %]"), "{stdout}");
    let indices = std::fs::read_to_string(dir.path().join("w/indices.csv")).unwrap();
    let rows_2025 = |metric: &str| -> Vec<String> {
        indices
            .lines()
            .filter(|l| l.contains(&format!(",{metric},2025,")))
            .map(str::to_string)
            .collect()
    };
    let certain = rows_2025("p_met:kaifeng.return_entrepreneurs.cumulative_floor");
    assert_eq!(certain.len(), 4);
    assert!(
        certain.iter().all(|l| l.contains("metric_nearly_constant")),
        "{certain:?}"
    );
    let uncertain = rows_2025("p_met:kaifeng.surveyed_unemployment_rate.level_cap");
    assert_eq!(uncertain.len(), 4);
    assert!(
        uncertain
            .iter()
            .all(|l| !l.contains("metric_nearly_constant")),
        "{uncertain:?}"
    );
}

#[test]
fn converge_doubles_n_until_the_intervals_that_matter_are_narrow_and_equals_the_run_at_its_n() {
    let dir = tempfile::tempdir().unwrap();
    let params = "indicators.urban_new_jobs.trend,indicators.urban_new_jobs.elasticity";
    let metric = "outcome:kaifeng.urban_new_jobs.cumulative_floor";
    let tol = 0.1;
    let o = sobol(
        dir.path(),
        "16",
        "100",
        params,
        &[
            "--metric",
            metric,
            "--converge",
            &tol.to_string(),
            "--out",
            "c",
        ],
    );
    let stdout = String::from_utf8(o.stdout).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("c/manifest.json")).unwrap())
            .unwrap();
    let c = &manifest["convergence"];
    let rounds = c["rounds"].as_array().unwrap();
    // The case needs doubling (else it tests nothing).
    assert!(rounds.len() >= 2, "{stdout}");
    assert_eq!(c["converged"], true, "{stdout}");
    for (i, r) in rounds.iter().enumerate() {
        let n = 16u64 << i;
        assert_eq!(r["base_samples"], n);
        // Every evaluation of a round is kept by the next: N(d + 2) in all, d = 2.
        assert_eq!(r["evaluations"], n * 4);
        let width = r["widest"]["width"].as_f64().unwrap();
        assert_eq!(width < tol, i + 1 == rounds.len(), "round {i}: {width}");
    }
    let n = rounds.last().unwrap()["base_samples"].to_string();
    assert!(
        stdout.contains(&format!("  converged at N = {n}\n")),
        "{stdout}"
    );
    // The last round is the analysis at its N, index for index.
    sobol(
        dir.path(),
        &n,
        "100",
        params,
        &["--metric", metric, "--out", "d"],
    );
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(read("c/indices.csv"), read("d/indices.csv"));
    // Stopped by --max-samples: said so.
    let o = sobol(
        dir.path(),
        "16",
        "100",
        params,
        &[
            "--metric",
            metric,
            "--converge",
            "0.0001",
            "--max-samples",
            "32",
            "--out",
            "e",
        ],
    );
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("  warning: not converged: N = 32 reached --max-samples 32 with an interval wider than 0.0001"),
        "{stdout}"
    );
}
