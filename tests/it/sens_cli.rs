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

#[test]
fn the_seed_scrambles_the_sobol_design_and_unscrambled_is_one_flag_away() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario();
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "sens",
            s.as_str(),
            "--method",
            "sobol",
            "--samples",
            "16",
            "--paths",
            "30",
            "--bootstrap",
            "20",
            "--params",
            "indicators.rural_transfer_new.trend,growth.noise_sd",
            "--metric",
            METRIC,
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let o = empsim(&args, dir.path());
        assert_success(&o);
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
