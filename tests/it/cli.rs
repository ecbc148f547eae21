//! Integration tests that drive the `empsim` binary in temporary folders: outputs, bad
//! input (exact messages, exit code 2, earlier output untouched) and determinism.

use std::path::PathBuf;

use crate::support::{
    assert_success, empsim, names, png_size, read, scenarios_dir, stderr, variant, workdir,
};

#[test]
fn run_writes_every_output_with_the_documented_columns() {
    let dir = workdir();
    let o = empsim(
        &[
            "run",
            "henan-baseline.toml",
            "--paths",
            "500",
            "--keep-paths",
        ],
        dir.path(),
    );
    assert_success(&o);
    let out = dir.path().join("output/henan-baseline");
    let q = read(&out.join("quantiles.csv"));
    let mut lines = q.lines();
    assert_eq!(
        lines.next().unwrap(),
        "scenario,region,indicator,measure,year,mean,sd,p05,p10,p25,p50,p75,p90,p95"
    );
    // 5 regions; henan, kaifeng, xinxiang, rest: 3 flows + rate; zhumadian adds the stock.
    // Flows have annual and cumulative rows, stock and rate annual only: per year
    // 4·(3·2 + 1) + (3·2 + 2) = 36 rows, times 5 years.
    assert_eq!(lines.count(), 36 * 5);
    let t = read(&out.join("targets.csv"));
    let header = t.lines().next().unwrap();
    assert_eq!(
        header,
        "scenario,target_id,region,indicator,kind,applies,period,target_value,tolerance,nature,p_met,p_met_se,p_met_low,p_met_high,outcome_p50,outcome_p05,outcome_p95,expected_shortfall,shortfall_if_missed,level_p50,level_p80,level_p90,source,source_title,quote,assumption"
    );
    assert_eq!(t.lines().count(), 1 + 15);
    // The glide path in long form: one row per target and year of its period.
    let on = read(&out.join("on_track.csv"));
    assert_eq!(
        on.lines().next().unwrap(),
        "scenario,target_id,region,indicator,period,year,p_on_track"
    );
    assert!(on.lines().count() > 15, "{on}");
    assert!(t.contains("城镇新增就业550万人以上"));
    // Each target names its document by title and says how it was read where it was.
    let mut rows = csv::Reader::from_reader(t.as_bytes());
    let cols = rows.headers().unwrap().clone();
    let col = |name: &str| cols.iter().position(|c| c == name).unwrap();
    let xinxiang = rows
        .records()
        .map(Result::unwrap)
        .find(|r| &r[1] == "xinxiang.return_entrepreneurs.cumulative_floor")
        .unwrap();
    assert_eq!(
        &xinxiang[col("source_title")],
        "新乡市“十四五”人才发展、人力资源开发和就业促进规划"
    );
    assert!(
        xinxiang[col("assumption")]
            .starts_with("Read as a floor: the table gives [4.15] without 以上"),
        "{xinxiang:?}"
    );
    let paths = read(&out.join("paths.csv"));
    // 500 paths × 21 series × 5 years, plus the header.
    assert_eq!(paths.lines().count(), 1 + 500 * 21 * 5);
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(m["scenario"], "henan-baseline");
    assert_eq!(m["paths"], 500);
    assert_eq!(m["seed"], 20211231u64);
    assert_eq!(m["files"][0]["sha256"].as_str().unwrap().len(), 64);
    for stage in ["load", "simulate", "summarize", "write", "total"] {
        assert!(m["elapsed_seconds"][stage].as_f64().unwrap() >= 0.0);
    }
    // The summary on stdout lists every target, riskiest first.
    let stdout = String::from_utf8(o.stdout).unwrap();
    let probs: Vec<f64> = stdout
        .lines()
        .skip(3)
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(probs.len(), 15);
    assert!(probs.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
}

#[test]
fn extends_records_every_file_and_its_hash() {
    let dir = workdir();
    let o = empsim(&["run", "henan-downside.toml", "--paths", "50"], dir.path());
    assert_success(&o);
    let m: serde_json::Value = serde_json::from_str(&read(
        &dir.path().join("output/henan-downside/manifest.json"),
    ))
    .unwrap();
    let files: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["henan-downside.toml", "henan-baseline.toml"]);
}

#[test]
fn same_seed_gives_identical_bytes_with_one_and_two_threads() {
    let dir = workdir();
    for (threads, out) in [("1", "o1"), ("2", "o2")] {
        let o = empsim(
            &[
                "run",
                "henan-downside.toml",
                "--paths",
                "3000",
                "--threads",
                threads,
                "--out",
                out,
                "--keep-paths",
            ],
            dir.path(),
        );
        assert_success(&o);
    }
    for f in [
        "quantiles.csv",
        "targets.csv",
        "on_track.csv",
        "baselines.csv",
        "parameters.csv",
        "paths.csv",
        "results.xlsx",
    ] {
        let a = std::fs::read(dir.path().join("o1").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("o2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    // The run record differs (threads, timings, the command line naming --threads and
    // --out); everything else of the manifest, the outputs' hashes included, is identical.
    let strip = |p: PathBuf| {
        let mut v: serde_json::Value = serde_json::from_str(&read(&p)).unwrap();
        let o = v.as_object_mut().unwrap();
        assert!(o.remove("threads").is_some());
        assert!(o.remove("elapsed_seconds").is_some());
        assert!(o.remove("command_line").is_some());
        v
    };
    assert_eq!(
        strip(dir.path().join("o1/manifest.json")),
        strip(dir.path().join("o2/manifest.json"))
    );
    // A different seed changes the numbers.
    let o = empsim(
        &[
            "run",
            "henan-downside.toml",
            "--paths",
            "3000",
            "--seed",
            "1",
            "--out",
            "o3",
        ],
        dir.path(),
    );
    assert_success(&o);
    assert_ne!(
        std::fs::read(dir.path().join("o1/quantiles.csv")).unwrap(),
        std::fs::read(dir.path().join("o3/quantiles.csv")).unwrap()
    );
}

/// Each case: (file written, replaced text, replacement, expected stderr).
/// The message and the place of a diagnostic: its first line, and the `--> file:line:column`
/// line below it.
fn headline(stderr: &str) -> String {
    let mut lines = stderr.lines();
    let title = lines.next().unwrap_or_default();
    let at = lines.next().unwrap_or_default().trim_start();
    format!("{title}\n{at}")
}

fn bad_cases() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    String,
)> {
    vec![
        (
            "henan-baseline.toml",
            "syntax.toml",
            "end_year = 2025",
            "end_year = = 2025",
            "error: expected a value: a number, true or false, an [array], a { table } or \"text in quotes\"\n--> syntax.toml:52:12".into(),
        ),
        (
            "henan-baseline.toml",
            "unknown.toml",
            "end_year = 2025",
            "end_year = 2025\nend_yaer = 2026",
            "error: unknown key `end_yaer`; expected one of `base_year`, `end_year`, `in_sample`\n--> unknown.toml:53:1".into(),
        ),
        (
            "henan-baseline.toml",
            "wrongtype.toml",
            "paths = 10000",
            "paths = \"many\"",
            "error: expected a whole number ≥ 0, found the text \"many\"\n--> wrongtype.toml:57:9".into(),
        ),
        (
            "henan-downside.toml",
            "prob.toml",
            "probability = 1.0",
            "probability = 1.5",
            "error: expected a probability in [0, 1], got 1.5\n--> prob.toml:22:15".into(),
        ),
        (
            "henan-baseline.toml",
            "negsd.toml",
            "mean = -0.02, sd = 0.02",
            "mean = -0.02, sd = -0.02",
            "error: expected a number ≥ 0, got -0.02\n--> negsd.toml:115:47".into(),
        ),
        (
            "henan-baseline.toml",
            "nan.toml",
            "value = 39.67\nkind",
            "value = nan\nkind",
            "error: expected a finite number, got NaN\n--> nan.toml:237:9".into(),
        ),
        (
            "henan-baseline.toml",
            "endbefore.toml",
            "end_year = 2025",
            "end_year = 2019",
            "error: horizon.end_year: 2019 must be after horizon.base_year 2020\n--> endbefore.toml:52:1".into(),
        ),
        (
            "henan-downside.toml",
            "shockregion.toml",
            "year = 2022",
            "year = 2022\nregions = [\"luoyang\"]",
            "error: shocks.shock_2022.regions[0]: unknown region `luoyang`; regions: henan, kaifeng, xinxiang, zhumadian, rest_of_henan\n--> shockregion.toml:22:12".into(),
        ),
        (
            "henan-baseline.toml",
            "targetind.toml",
            "indicator = \"urban_new_jobs\"\nkind = \"cumulative_floor\"\nperiod = \"2021-2025\"\nvalue = 33.0",
            "indicator = \"urban_jobs\"\nkind = \"cumulative_floor\"\nperiod = \"2021-2025\"\nvalue = 33.0",
            "error: regions.kaifeng.targets[0].indicator: unknown indicator `urban_jobs`; valid indicators: urban_new_jobs, rural_transfer_new, return_entrepreneurs, rural_transfer_stock, surveyed_unemployment_rate, registered_unemployment_rate\n--> targetind.toml:263:1".into(),
        ),
        (
            "henan-baseline.toml",
            "corr.toml",
            "common = 0.6",
            "regions = [\"kaifeng\", \"xinxiang\", \"zhumadian\", \"rest_of_henan\"]\nmatrix = [[1.0, 0.9, 0.9, 0.0], [0.9, 1.0, -0.9, 0.0], [0.9, -0.9, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]",
            "error: correlation.matrix: the correlation matrix is not positive definite (its Cholesky factorisation fails); the correlations are mutually inconsistent\n--> corr.toml:143:1".into(),
        ),
        (
            "henan-baseline.toml",
            "sum.toml",
            "value = 562.93\nkind",
            "value = 560.0\nkind",
            "error: regions.henan.baselines.urban_new_jobs: is 687.44 but its children sum to 684.51 (kaifeng 39.67 + xinxiang 44.85 + zhumadian 39.99 + rest_of_henan 560); the province must be the sum of its parts\n--> sum.toml:174:1".into(),
        ),
        (
            "henan-baseline.toml",
            "noprov.toml",
            "adjustment = { dist = \"uniform\", low = 0.2, high = 0.5, assumption = \"Share of the gap to the natural rate closed each year; a gap halves in one to three years; the plans give none.\" }",
            "adjustment = { dist = \"uniform\", low = 0.2, high = 0.5 }",
            "error: unemployment.adjustment: has no provenance: give `source` and `quote` (a plan figure) or `assumption` (a modelling assumption with its rationale)\n--> noprov.toml:95:1".into(),
        ),
        (
            "henan-baseline.toml",
            "range.toml",
            "adjustment = { dist = \"uniform\", low = 0.2, high = 0.5",
            "adjustment = { dist = \"uniform\", low = 0.2, high = 1.5",
            "error: unemployment.adjustment: values must lie in [0, 1], but uniform(0.2, 1.5) can take values in [0.2, 1.5]\n--> range.toml:95:1".into(),
        ),
    ]
}

#[test]
fn bad_input_gets_a_located_message_and_exit_code_2() {
    let dir = workdir();
    for (from, name, old, new, expected) in bad_cases() {
        variant(dir.path(), from, name, old, new);
        let o = empsim(&["check", name], dir.path());
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert_eq!(headline(&stderr(&o)), expected, "{name}");
        assert!(o.stdout.is_empty());
        // `run` rejects it the same way, before writing anything.
        let o = empsim(&["run", name], dir.path());
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert_eq!(headline(&stderr(&o)), expected, "{name}");
    }
}

#[test]
fn extends_cycles_and_missing_files_are_reported() {
    let dir = workdir();
    let d = dir.path();
    std::fs::write(d.join("cycle-a.toml"), "extends = \"cycle-b.toml\"\n").unwrap();
    std::fs::write(d.join("cycle-b.toml"), "extends = \"cycle-a.toml\"\n").unwrap();
    std::fs::write(d.join("orphan.toml"), "extends = \"nowhere.toml\"\n").unwrap();
    let cases = [
        (
            "cycle-a.toml",
            "error: extends: cycle in `extends` chain: cycle-a.toml -> cycle-b.toml -> cycle-a.toml\n--> cycle-b.toml:1:1",
        ),
        (
            "orphan.toml",
            "error: extends: extended file nowhere.toml does not exist\n--> orphan.toml:1:1",
        ),
        (
            "absent.toml",
            "error: cannot read scenario file absent.toml: No such file or directory (os error 2)\n",
        ),
    ];
    for (file, expected) in cases {
        let o = empsim(&["check", file], d);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(headline(&stderr(&o)), expected);
    }
}

#[test]
fn failed_runs_leave_the_earlier_output_untouched() {
    let dir = workdir();
    let d = dir.path();
    let o = empsim(
        &[
            "run",
            "henan-baseline.toml",
            "--paths",
            "200",
            "--out",
            "keep",
        ],
        d,
    );
    assert_success(&o);
    let before = std::fs::read(d.join("keep/targets.csv")).unwrap();
    variant(
        d,
        "henan-baseline.toml",
        "broken.toml",
        "end_year = 2025",
        "end_year = 2019",
    );
    let o = empsim(&["run", "broken.toml", "--out", "keep"], d);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(d.join("keep/targets.csv")).unwrap(), before);
    // An unwritable output folder: its parent is a file.
    std::fs::write(d.join("afile"), "x").unwrap();
    let o = empsim(
        &[
            "run",
            "henan-baseline.toml",
            "--paths",
            "10",
            "--out",
            "afile/run",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: will not write to afile/run: afile is a file, not a folder\n"
    );
    // Bad command-line values.
    let o = empsim(&["run", "henan-baseline.toml", "--paths", "0"], d);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: --paths must be at least 1\n");
    let o = empsim(
        &[
            "run",
            "henan-baseline.toml",
            "--paths",
            "5000000",
            "--threads",
            "2",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --paths 5000000 would hold 315000000 values at once (2.5 GB: a block of regions of at most 16777216 values, the 4 aggregate series × 5 years of every path, 2 workers' summary scratch); the limit is 250000000 values (2 GB), i.e. at most 3968253 paths for this scenario\n"
    );
    let o = empsim(&["run", "henan-baseline.toml", "--threads", "0"], d);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --threads must be between 1 and 256, got 0 (this machine has {} cores; results do not depend on it)\n",
            std::thread::available_parallelism().unwrap()
        )
    );
    // Nothing but the earlier output and the inputs (scenarios, their observation files)
    // is left behind.
    let left: Vec<String> = names(d)
        .into_iter()
        .filter(|n| !n.ends_with(".toml") && n != "observed")
        .collect();
    assert_eq!(left, ["afile", "keep"]);
}

#[test]
fn check_shows_plan_quotes_and_assumptions() {
    let o = empsim(
        &["check", "henan-policy.toml", "shaoyang-baseline.toml"],
        &scenarios_dir(),
    );
    assert_success(&o);
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("scenario henan-policy"));
    assert!(s.contains("scenario shaoyang-baseline"));
    assert!(s.contains(
        "target urban_new_jobs: cumulative_floor 33 over 2021-2025 [expected] 《开封市“十四五”人才发展、人力资源开发和就业促进规划》: “城镇新增就业 33 万人以上”"
    ));
    assert!(s.contains(
        "baseline urban_new_jobs = 22.43 (cumulative, 2016-2020) [plan] 《邵阳市“十四五”人力资源和社会保障事业发展规划》(2021)"
    ));
    assert!(s.contains("levers.skills_training.effect = triangular(0, 0.1, 0.15)  [assumption]"));
    // A target read with an interpretation says so under its quote.
    assert!(s.contains(
        "“22 . 新增返乡创业人数(万人) [4.54] [4.15] 预期性”\n      assumption: Read as a floor: the table gives [4.15] without 以上"
    ), "{s}");
    assert!(s.contains(
        "level of urban_new_jobs anchored on the 2016-2020 total at its middle year 2018"
    ));
}

#[test]
fn help_has_examples() {
    let o = empsim(&["--help"], &scenarios_dir());
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("empsim run scenarios/henan-baseline.toml"));
    assert!(s.contains("Exit codes"));
}

#[test]
fn json_summary_is_machine_readable() {
    let dir = workdir();
    let o = empsim(
        &["run", "shaoyang-baseline.toml", "--paths", "400", "--json"],
        dir.path(),
    );
    assert_success(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["scenario"], "shaoyang-baseline");
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    for t in targets {
        let p = t["p_met"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
}

#[test]
fn level_probs_choose_the_target_setting_levels_of_the_csv_and_json() {
    let dir = workdir();
    let args = [
        "run",
        "shaoyang-baseline.toml",
        "--paths",
        "400",
        "--no-charts",
        "--level-probs",
        "0.95,0.8",
        "--json",
    ];
    let o = empsim(&args, dir.path());
    assert_success(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let csv = read(&dir.path().join("output/shaoyang-baseline/targets.csv"));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(
        (at("level_p95"), at("level_p80")),
        (at("shortfall_if_missed") + 1, at("shortfall_if_missed") + 2)
    );
    assert_eq!(at("source"), at("level_p80") + 1);
    for t in v["targets"].as_array().unwrap() {
        let levels = t["levels"].as_array().unwrap();
        let p: Vec<f64> = levels.iter().map(|l| l["p"].as_f64().unwrap()).collect();
        assert_eq!(p, [0.95, 0.8]);
        let (l95, l80) = (
            levels[0]["level"].as_f64().unwrap(),
            levels[1]["level"].as_f64().unwrap(),
        );
        // Met with a higher probability: a lower floor, a higher cap.
        match t["kind"].as_str().unwrap() {
            "level_cap" => assert!(l95 >= l80, "{t}"),
            _ => assert!(l95 <= l80, "{t}"),
        }
        let row = csv
            .lines()
            .find(|l| l.contains(&format!(",{},", t["target_id"].as_str().unwrap())))
            .unwrap();
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[at("level_p95")], format!("{l95:.4}"));
        assert_eq!(cells[at("level_p80")], format!("{l80:.4}"));
    }
}

#[test]
fn bad_level_probs_are_usage_errors_that_write_nothing() {
    let dir = workdir();
    let decimals = "each probability takes at most 4 decimals (its column is named after it, \
e.g. level_p97.5 for 0.975), got";
    let cases = [
        (
            "0",
            "each probability must lie strictly between 0 and 1, got 0".to_string(),
        ),
        (
            "0.5,1",
            "each probability must lie strictly between 0 and 1, got 1".into(),
        ),
        (
            "-0.5",
            "each probability must lie strictly between 0 and 1, got -0.5".into(),
        ),
        (
            "nan",
            "each probability must lie strictly between 0 and 1, got nan".into(),
        ),
        (
            "80%",
            "`80%` is not a number; give probabilities like 0.5,0.8,0.9".into(),
        ),
        (
            "0.8,",
            "`` is not a number; give probabilities like 0.5,0.8,0.9".into(),
        ),
        (
            "",
            "`` is not a number; give probabilities like 0.5,0.8,0.9".into(),
        ),
        (
            "0.9,0.90",
            "0.90 is given twice; the probabilities must be distinct".into(),
        ),
        (
            "0.5,0.50000000001",
            "0.50000000001 is given twice; the probabilities must be distinct".into(),
        ),
        ("0.12345", format!("{decimals} 0.12345")),
        ("0.00000000001", format!("{decimals} 0.00000000001")),
        (
            "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95",
            "at most 9 probabilities, got 10".into(),
        ),
    ];
    for (value, msg) in cases {
        let flag = format!("--level-probs={value}");
        for command in [
            vec![
                "run",
                "shaoyang-baseline.toml",
                "--paths",
                "10",
                "--no-charts",
            ],
            vec![
                "compare",
                "henan-baseline.toml",
                "henan-downside.toml",
                "--paths",
                "10",
            ],
        ] {
            let args: Vec<&str> = command.iter().copied().chain([flag.as_str()]).collect();
            let o = empsim(&args, dir.path());
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            assert_eq!(
                stderr(&o),
                format!("error: --level-probs: {msg}\n"),
                "{args:?}"
            );
            assert!(o.stdout.is_empty(), "{args:?}");
            assert!(
                !dir.path().join("output").exists(),
                "{args:?} wrote output/"
            );
        }
    }
}

#[test]
fn level_probs_name_the_columns_of_targets_csv_and_of_compare() {
    let dir = workdir();
    let o = empsim(
        &[
            "run",
            "shaoyang-baseline.toml",
            "--paths",
            "200",
            "--no-charts",
            "--quiet",
            "--level-probs",
            "0.975,0.0001,0.5",
        ],
        dir.path(),
    );
    assert_success(&o);
    let t = read(&dir.path().join("output/shaoyang-baseline/targets.csv"));
    assert!(
        t.lines()
            .next()
            .unwrap()
            .contains(",shortfall_if_missed,level_p97.5,level_p00.01,level_p50,source,"),
        "{t}"
    );
    let o = empsim(
        &[
            "compare",
            "henan-baseline.toml",
            "henan-policy.toml",
            "--paths",
            "200",
            "--quiet",
            "--out",
            "cmp",
            "--level-probs",
            "0.9,0.6",
        ],
        dir.path(),
    );
    assert_success(&o);
    let p = read(&dir.path().join("cmp/p_met.csv"));
    let mut lines = p.lines();
    assert_eq!(
        lines.next().unwrap(),
        "target_id,region,indicator,kind,applies,period,target_value,scenario,p_met,p_met_se,\
baseline_scenario,diff,diff_se,level_p90,level_p60"
    );
    for row in lines {
        let cells: Vec<&str> = row.split(',').collect();
        let (l90, l60): (f64, f64) = (cells[13].parse().unwrap(), cells[14].parse().unwrap());
        // Met with a higher probability: a lower floor, a higher cap.
        match cells[3] {
            "level_cap" => assert!(l90 >= l60, "{row}"),
            _ => assert!(l90 <= l60, "{row}"),
        }
    }
}

#[test]
fn the_average_reading_of_kaifengs_rate_cap_is_met_at_least_as_often() {
    let dir = workdir();
    variant(
        dir.path(),
        "henan-baseline.toml",
        "kaifeng-average.toml",
        "applies = \"each_year\"\nperiod = \"2021-2025\"\nvalue = 5.5\nnature = \"expected\"\nsource = \"001_21bee132f4f39f74\"",
        "applies = \"average\"\nperiod = \"2021-2025\"\nvalue = 5.5\nnature = \"expected\"\nsource = \"001_21bee132f4f39f74\"",
    );
    let id = "kaifeng.surveyed_unemployment_rate.level_cap";
    let mut rows = Vec::new();
    for (file, out) in [
        ("henan-baseline.toml", "each"),
        ("kaifeng-average.toml", "avg"),
    ] {
        let o = empsim(
            &[
                "run",
                file,
                "--paths",
                "1000",
                "--seed",
                "5",
                "--no-charts",
                "--out",
                out,
            ],
            dir.path(),
        );
        assert_success(&o);
        let stdout = String::from_utf8(o.stdout).unwrap();
        let table_line = stdout
            .lines()
            .find(|l| l.contains("kaifeng") && l.contains('%'));
        rows.push((
            read(&dir.path().join(out).join("targets.csv")),
            table_line.unwrap().to_string(),
        ));
    }
    let cells = |csv: &str| -> Vec<String> {
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let row: Vec<&str> = csv
            .lines()
            .find(|l| l.contains(id))
            .unwrap()
            .split(',')
            .collect();
        ["applies", "p_met", "outcome_p50", "level_p50", "level_p90"]
            .iter()
            .map(|c| row[header.iter().position(|h| h == c).unwrap()].to_string())
            .collect()
    };
    let (each, avg) = (cells(&rows[0].0), cells(&rows[1].0));
    assert_eq!(
        (each[0].as_str(), avg[0].as_str()),
        ("each_year", "average")
    );
    let num = |v: &[String], i: usize| v[i].parse::<f64>().unwrap();
    // Same paths: a rate within 5.5 % every year is within it on average, and the mean of
    // the years is at most the highest year, so the average reading is met more often.
    assert!(num(&avg, 1) > num(&each, 1), "{each:?} vs {avg:?}");
    assert!(num(&avg, 2) < num(&each, 2), "{each:?} vs {avg:?}");
    assert_eq!(avg[2], avg[3], "level_p50 is the outcome's median");
    assert!(num(&avg, 4) < num(&each, 4), "{each:?} vs {avg:?}");
    assert!(
        rows[0].1.contains("≤ 5.5 % every year 2021-2025"),
        "{}",
        rows[0].1
    );
    assert!(
        rows[1].1.contains("≤ 5.5 % on average over 2021-2025"),
        "{}",
        rows[1].1
    );
}

#[test]
fn quiet_prints_nothing() {
    let dir = workdir();
    let o = empsim(
        &["--quiet", "run", "shaoyang-baseline.toml", "--paths", "100"],
        dir.path(),
    );
    assert_success(&o);
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
}

#[test]
fn summary_table_snapshot_at_a_fixed_seed() {
    let dir = workdir();
    let o = empsim(
        &[
            "run",
            "henan-downside.toml",
            "--paths",
            "2000",
            "--threads",
            "2",
        ],
        dir.path(),
    );
    assert_success(&o);
    let stdout = String::from_utf8(o.stdout).unwrap();
    // The first line carries the elapsed time; the table follows a blank line.
    let table: String = stdout.lines().skip(2).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(table);
}

#[test]
fn run_draws_a_fan_per_series_a_cumulative_chart_per_floor_and_an_overview() {
    let dir = workdir();
    for (scenario, fans, cumulative) in [("henan-baseline", 21, 11), ("shaoyang-baseline", 3, 1)] {
        let o = empsim(
            &["run", &format!("{scenario}.toml"), "--paths", "300"],
            dir.path(),
        );
        assert_success(&o);
        let charts = dir.path().join("output").join(scenario).join("charts");
        let names = names(&charts);
        assert_eq!(names.iter().filter(|n| n.starts_with("fan-")).count(), fans);
        assert_eq!(
            names
                .iter()
                .filter(|n| n.starts_with("cumulative-"))
                .count(),
            cumulative
        );
        assert!(names.contains(&"overview.png".to_string()));
        assert_eq!(names.len(), fans + cumulative + 1);
        for n in &names {
            let (w, h) = png_size(&charts.join(n));
            if n == "overview.png" {
                assert!(w >= 1200 && h >= 600, "{n}: {w}x{h}");
            } else {
                assert_eq!((w, h), (1200, 800), "{n}");
            }
        }
        let m: serde_json::Value = serde_json::from_str(&read(
            &dir.path()
                .join("output")
                .join(scenario)
                .join("manifest.json"),
        ))
        .unwrap();
        assert!(m["elapsed_seconds"]["charts"].as_f64().unwrap() > 0.0);
    }
    // --no-charts skips them.
    let o = empsim(
        &[
            "run",
            "shaoyang-baseline.toml",
            "--paths",
            "50",
            "--no-charts",
            "--out",
            "nc",
        ],
        dir.path(),
    );
    assert_success(&o);
    assert!(!dir.path().join("nc/charts").exists());
}

#[test]
fn compare_keeps_scenarios_in_step_so_unaffected_targets_do_not_move() {
    let dir = workdir();
    let o = empsim(
        &[
            "compare",
            "henan-baseline.toml",
            "henan-policy.toml",
            "--paths",
            "2000",
            "--out",
            "cmp",
        ],
        dir.path(),
    );
    assert_success(&o);
    let csv = read(&dir.path().join("cmp/p_met.csv"));
    let row = |target: &str, scenario: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.starts_with(&format!("{target},")) && l.contains(&format!(",{scenario},")))
            .unwrap_or_else(|| panic!("{target} {scenario}"))
            .split(',')
            .map(str::to_string)
            .collect()
    };
    // The policy levers act on transfers, returnees and unemployment only: the urban-jobs
    // target sees the same paths, so its P(met) is identical and the difference exactly 0.
    let base = row("kaifeng.urban_new_jobs.cumulative_floor", "henan-baseline");
    let policy = row("kaifeng.urban_new_jobs.cumulative_floor", "henan-policy");
    assert_eq!(base[8], policy[8]);
    assert_eq!(&policy[11..13], ["0.0000", "0.0000"]);
    // The training lever raises Xinxiang's transfers on every path: P(met) cannot fall.
    let b: f64 = row(
        "xinxiang.rural_transfer_new.cumulative_floor",
        "henan-baseline",
    )[8]
    .parse()
    .unwrap();
    let p: f64 = row(
        "xinxiang.rural_transfer_new.cumulative_floor",
        "henan-policy",
    )[8]
    .parse()
    .unwrap();
    assert!(p > b, "{p} vs {b}");
}
