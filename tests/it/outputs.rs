//! The files for reproducing and for Excel, through the binary: `results.xlsx` read back
//! with a real reader (calamine), the tidy `targets.csv` / `on_track.csv`, the empty cells
//! where a number would mislead, the fixed inputs in `parameters.csv`, and `manifest.json`'s
//! run record (command line, resolved scenario, build, output hashes).

use crate::support::{METRIC, assert_success, empsim, read, shipped, variant, workdir};
use calamine::{Data, Reader, Xlsx, open_workbook};
use std::path::Path;

fn workbook(path: &Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A sheet's rows as text (numbers with their `Display`).
fn sheet(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<Data>> {
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(row: &[Data]) -> Vec<String> {
    row.iter().map(|c| c.to_string()).collect()
}

/// The rows of a CSV file as maps from column to cell.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn run_writes_a_workbook_excel_opens_with_the_chinese_intact() {
    let dir = workdir();
    let o = empsim(
        &[
            "run",
            "henan-baseline.toml",
            "--paths",
            "300",
            "--no-charts",
        ],
        dir.path(),
    );
    assert_success(&o);
    let out = dir.path().join("output/henan-baseline");
    let mut wb = workbook(&out.join("results.xlsx"));
    assert_eq!(
        wb.sheet_names(),
        [
            "about",
            "targets",
            "on_track",
            "quantiles",
            "baselines",
            "parameters"
        ]
    );
    // Every table sheet has the CSV's header and as many rows.
    for (name, file) in [
        ("targets", "targets.csv"),
        ("on_track", "on_track.csv"),
        ("quantiles", "quantiles.csv"),
        ("baselines", "baselines.csv"),
        ("parameters", "parameters.csv"),
    ] {
        let csv = read(&out.join(file));
        let rows = sheet(&mut wb, name);
        assert_eq!(
            text(&rows[0]).join(","),
            csv.lines().next().unwrap(),
            "{name}"
        );
        assert_eq!(rows.len(), csv_rows(&out.join(file)).len() + 1, "{name}");
    }
    let targets = sheet(&mut wb, "targets");
    let col = |h: &str| {
        targets[0]
            .iter()
            .position(|c| matches!(c, Data::String(s) if s == h))
            .unwrap()
    };
    // Numbers are numbers, the quote is the plan's Chinese text, an empty CSV cell is empty.
    let csv = csv_rows(&out.join("targets.csv"));
    for (row, rec) in targets[1..].iter().zip(&csv) {
        let p: f64 = rec["p_met"].parse().unwrap();
        assert_eq!(row[col("p_met")], Data::Float(p));
        assert_eq!(row[col("quote")].to_string(), rec["quote"]);
        if rec["p_met_se"].is_empty() {
            assert_eq!(row[col("p_met_se")], Data::Empty);
        }
    }
    assert!(targets.iter().any(|r| {
        r[col("quote")]
            .to_string()
            .contains("城镇新增就业550万人以上")
    }),);
    let on_track = sheet(&mut wb, "on_track");
    assert_eq!(on_track[1][5], Data::Float(2021.0));
    let about: Vec<String> = sheet(&mut wb, "about")
        .iter()
        .map(|r| text(r).join("|").trim_end_matches('|').to_string())
        .collect();
    assert_eq!(about[0], "command|empsim run");
    assert!(
        about.contains(&"scenario|henan-baseline".to_string()),
        "{about:?}"
    );
    assert!(about.contains(&"seed|20211231".to_string()), "{about:?}");
    assert!(about.contains(&"paths|300".to_string()), "{about:?}");
    assert!(
        about
            .iter()
            .any(|r| r.starts_with("build|empsim 0.12.0 (commit "))
    );
    assert!(
        about
            .iter()
            .any(|r| r.starts_with("|paths.csv|") && r.contains("CSV only"))
    );
    // Not conditioned: no observations sheet, and the about sheet does not list one.
    assert!(!about.iter().any(|r| r.starts_with("observations|")));
}

#[test]
fn targets_are_tidy_and_uninformative_numbers_are_left_empty() {
    let dir = workdir();
    let o = empsim(
        &[
            "run",
            "henan-baseline.toml",
            "--paths",
            "400",
            "--no-charts",
        ],
        dir.path(),
    );
    assert_success(&o);
    let out = dir.path().join("output/henan-baseline");
    let rows = csv_rows(&out.join("targets.csv"));
    assert!(rows[0].keys().all(|k| !k.starts_with("on_track")));
    let mut certain = 0;
    for r in &rows {
        let p: f64 = r["p_met"].parse().unwrap();
        let (lo, hi): (f64, f64) = (
            r["p_met_low"].parse().unwrap(),
            r["p_met_high"].parse().unwrap(),
        );
        assert!(lo <= p && p <= hi && hi - lo > 0.0, "{r:?}");
        if p == 0.0 || p == 1.0 {
            certain += 1;
            assert_eq!(r["p_met_se"], "", "{r:?}");
        } else {
            assert!(r["p_met_se"].parse::<f64>().unwrap() > 0.0, "{r:?}");
        }
        assert_eq!(r["shortfall_if_missed"].is_empty(), p == 1.0, "{r:?}");
    }
    assert!(certain > 0, "no target at P = 0 or 1 to check");
    // on_track.csv: one row per target and year of its period, in target order.
    let on = csv_rows(&out.join("on_track.csv"));
    let five_year = on
        .iter()
        .filter(|r| r["target_id"] == "henan.urban_new_jobs.cumulative_floor")
        .map(|r| (r["year"].as_str(), r["period"].as_str()))
        .collect::<Vec<_>>();
    assert_eq!(
        five_year,
        [2021, 2022, 2023, 2024, 2025]
            .map(|y| (y.to_string(), "2021-2025"))
            .iter()
            .map(|(y, p)| (y.as_str(), *p))
            .collect::<Vec<_>>()
    );
    for r in &on {
        let p: f64 = r["p_on_track"].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    // parameters.csv: the growth path per year and the correlation, as fixed inputs with
    // the scenario's rationale.
    let params = csv_rows(&out.join("parameters.csv"));
    let find = |name: &str| params.iter().find(|r| r["parameter"] == name).unwrap();
    for y in 2021..=2025 {
        let r = find(&format!("growth.path.values.{y}"));
        assert_eq!(
            (r["distribution"].as_str(), r["mean"].as_str()),
            ("fixed", "6.0000")
        );
        assert!(r["quote_or_rationale"].contains("6% a year is an assumed trend"));
    }
    let c = find("correlation.common");
    assert_eq!(
        (c["distribution"].as_str(), c["mean"].as_str()),
        ("fixed", "0.6000")
    );
    assert!(c["quote_or_rationale"].contains("provincial business cycle"));
}

#[test]
fn the_manifest_records_argv_the_resolved_scenario_the_build_and_every_output_hash() {
    let dir = workdir();
    let args = [
        "run",
        "henan-downside.toml",
        "--paths",
        "200",
        "--no-charts",
    ];
    let o = empsim(&args, dir.path());
    assert_success(&o);
    let out = dir.path().join("output/henan-downside");
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    let argv: Vec<&str> = m["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(argv[1..], args);
    // The resolved scenario: the child's shock over the parent's growth, without `extends`.
    let r = &m["resolved_scenario"];
    assert_eq!(r["name"], "henan-downside");
    assert_eq!(r["shocks"]["shock_2022"]["year"], 2022);
    assert_eq!(r["growth"]["reference"]["value"], 6.0);
    assert_eq!(r["correlation"]["common"], 0.6);
    // The command line's --paths overrides the scenario's 10,000.
    assert_eq!(r["monte_carlo"]["paths"], 200);
    assert_eq!(r["monte_carlo"]["seed"], 20211231u64);
    assert!(r.get("extends").is_none());
    let b = &m["build"];
    assert_eq!(b["version"], "0.12.0");
    assert_eq!(m["empsim_version"], "0.12.0");
    let commit = b["git_commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.bytes().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    assert!(["true", "false", "unknown"].contains(&b["git_dirty"].as_str().unwrap()));
    assert!(b["rustc"].as_str().unwrap().starts_with("rustc "));
    assert!(!b["target"].as_str().unwrap().is_empty());
    // A hash for every output but the manifest, each matching the file.
    let hashes = m["output_sha256"].as_object().unwrap();
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .filter(|o| *o != "manifest.json")
        .collect();
    assert_eq!(
        hashes.keys().map(String::as_str).collect::<Vec<_>>(),
        outputs
    );
    assert!(outputs.contains(&"results.xlsx") && outputs.contains(&"on_track.csv"));
    for (file, hash) in hashes {
        let bytes = std::fs::read(out.join(file)).unwrap();
        assert_eq!(hash.as_str().unwrap(), sha256_hex(&bytes), "{file}");
    }
}

#[test]
fn compare_sens_and_backtest_write_their_tables_to_a_workbook() {
    let dir = workdir();
    let o = empsim(
        &[
            "compare",
            "henan-baseline.toml",
            "henan-downside.toml",
            "--paths",
            "100",
            "--out",
            "cmp",
        ],
        dir.path(),
    );
    assert_success(&o);
    let mut wb = workbook(&dir.path().join("cmp/results.xlsx"));
    assert_eq!(wb.sheet_names(), ["about", "p_met", "quantiles"]);
    let p_met = sheet(&mut wb, "p_met");
    assert_eq!(p_met[0][0].to_string(), "target_id");
    let m: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("cmp/manifest.json"))).unwrap();
    assert_eq!(m["scenarios"][1]["resolved"]["name"], "henan-downside");
    assert!(m["output_sha256"]["results.xlsx"].is_string());

    let s = shipped("henan-baseline.toml").display().to_string();
    let o = empsim(
        &[
            "sens", &s, "--method", "oat", "--paths", "60", "--metric", METRIC, "--out", "oat",
        ],
        dir.path(),
    );
    assert_success(&o);
    let mut wb = workbook(&dir.path().join("oat/results.xlsx"));
    assert_eq!(wb.sheet_names(), ["about", "indices", "factors"]);
    let about = sheet(&mut wb, "about");
    assert!(
        about
            .iter()
            .any(|r| r[0] == "command" && r[1] == "empsim sens")
    );
    // No paths.csv in a sensitivity study: its about sheet does not mention one.
    assert!(!about.iter().any(|r| r[1] == "paths.csv"));
    assert_eq!(
        text(&sheet(&mut wb, "indices")[0]).join(","),
        "scenario,method,metric,year,parameter,statistic,estimate,ci_low,ci_high,flag"
    );

    let d = shipped("backtest");
    let (scn, actuals) = (d.join("plans-in-sample.toml"), d.join("actuals-plans.csv"));
    let o = empsim(
        &[
            "backtest",
            &scn.display().to_string(),
            "--actuals",
            &actuals.display().to_string(),
            "--paths",
            "100",
            "--no-charts",
            "--out",
            "bt",
        ],
        dir.path(),
    );
    assert_success(&o);
    let mut wb = workbook(&dir.path().join("bt/results.xlsx"));
    assert_eq!(wb.sheet_names(), ["about", "backtest", "summary"]);
    let bt = sheet(&mut wb, "backtest");
    assert_eq!(
        bt.len(),
        read(&dir.path().join("bt/backtest.csv")).lines().count()
    );
}

#[test]
fn a_correlation_matrix_is_listed_pair_by_pair_in_parameters_csv() {
    let dir = workdir();
    variant(
        dir.path(),
        "henan-baseline.toml",
        "matrix.toml",
        "common = 0.6\n",
        "regions = [\"kaifeng\", \"xinxiang\", \"zhumadian\", \"rest_of_henan\"]\n\
matrix = [[1.0, 0.5, 0.4, 0.3], [0.5, 1.0, 0.2, 0.1], [0.4, 0.2, 1.0, 0.25], [0.3, 0.1, 0.25, 1.0]]\n",
    );
    let o = empsim(
        &[
            "run",
            "matrix.toml",
            "--paths",
            "50",
            "--no-charts",
            "--out",
            "m",
        ],
        dir.path(),
    );
    assert_success(&o);
    let params = csv_rows(&dir.path().join("m/parameters.csv"));
    let corr: Vec<(&str, &str)> = params
        .iter()
        .filter(|r| r["parameter"].starts_with("correlation."))
        .map(|r| (r["parameter"].as_str(), r["mean"].as_str()))
        .collect();
    assert_eq!(
        corr,
        [
            ("correlation.matrix.kaifeng.xinxiang", "0.5000"),
            ("correlation.matrix.kaifeng.zhumadian", "0.4000"),
            ("correlation.matrix.kaifeng.rest_of_henan", "0.3000"),
            ("correlation.matrix.xinxiang.zhumadian", "0.2000"),
            ("correlation.matrix.xinxiang.rest_of_henan", "0.1000"),
            ("correlation.matrix.zhumadian.rest_of_henan", "0.2500"),
        ]
    );
}
