//! `empsim sens` through the binary: outputs, determinism across thread counts, and bad
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

#[test]
fn sobol_is_identical_with_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario();
    for (t, out) in [("1", "s1"), ("2", "s2")] {
        let o = empsim(
            &[
                "sens",
                &s,
                "--method",
                "sobol",
                "--samples",
                "16",
                "--paths",
                "40",
                "--bootstrap",
                "20",
                "--params",
                "indicators.rural_transfer_new.trend,growth.noise_sd",
                "--metric",
                METRIC,
                "--threads",
                t,
                "--out",
                out,
            ],
            dir.path(),
        );
        assert_success(&o);
    }
    let a = std::fs::read(dir.path().join("s1/indices.csv")).unwrap();
    let b = std::fs::read(dir.path().join("s2/indices.csv")).unwrap();
    assert!(a == b);
    let text = String::from_utf8(a).unwrap();
    // 2 factors × 5 years × (first order, total).
    assert_eq!(text.lines().count(), 1 + 2 * 5 * 2);
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
