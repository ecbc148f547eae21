//! `--json` on every command: one document on standard output that its schema in
//! `docs/schema/` (JSON Schema draft 2020-12) accepts, and accepts even with every object
//! closed (`additionalProperties: false`), so every field a document has is documented;
//! key fields pinned; `--quiet --json` prints the document and nothing else.

use crate::support::{assert_success, empsim, read, repo, shipped, stderr};
use serde_json::Value;
use std::path::Path;

/// The schema of `command`, as shipped.
fn schema(command: &str) -> Value {
    let path = repo().join(format!("docs/schema/{command}.schema.json"));
    serde_json::from_str(&read(&path)).unwrap()
}

/// The schema with every object that lists its properties closed to others.
fn closed(mut s: Value) -> Value {
    fn close(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map.contains_key("properties") {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
                map.values_mut().for_each(close);
            }
            Value::Array(items) => items.iter_mut().for_each(close),
            _ => {}
        }
    }
    close(&mut s);
    s
}

/// Asserts that `doc` is valid against `command`'s schema, open and closed.
fn assert_valid(command: &str, doc: &Value) {
    for (how, s) in [
        ("", schema(command)),
        (" (closed)", closed(schema(command))),
    ] {
        let validator = jsonschema::draft202012::new(&s)
            .unwrap_or_else(|e| panic!("docs/schema/{command}.schema.json: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{command} --json against its schema{how}:\n{}",
            errors.join("\n")
        );
    }
}

/// Runs `empsim ARGS` in `cwd`, which must succeed, and parses its standard output.
fn json_of(args: &[&str], cwd: &Path) -> Value {
    let o = empsim(args, cwd);
    assert_success(&o);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e})"))
}

/// The opening fields every document has.
fn assert_envelope(command: &str, doc: &Value) {
    assert_eq!(doc["schema"], format!("empsim/{command}"));
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["empsim_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_schema_is_a_valid_draft_2020_12_schema() {
    for command in [
        "run",
        "compare",
        "sens",
        "discover",
        "backtest",
        "calibrate",
        "check",
    ] {
        let s = schema(command);
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(
            s["properties"]["schema"]["const"],
            format!("empsim/{command}")
        );
        jsonschema::draft202012::meta::validate(&s)
            .unwrap_or_else(|e| panic!("{command}.schema.json: {e}"));
    }
}

#[test]
fn run_json_has_every_target_field_and_the_folder_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let scenario = shipped("shaoyang-baseline.toml");
    let args = [
        "run",
        scenario.to_str().unwrap(),
        "--paths",
        "400",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--json",
    ];
    let o = empsim(&args, dir.path());
    assert_success(&o);
    // Quiet silences progress and text, not the document.
    assert_eq!(stderr(&o), "");
    // The document opens with what it is.
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.starts_with(
            "{\n  \"schema\": \"empsim/run\",\n  \"schema_version\": 1,\n  \"empsim_version\": "
        ),
        "{text}"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_valid("run", &doc);
    assert_envelope("run", &doc);
    assert_eq!(doc["scenario"], "shaoyang-baseline");
    assert_eq!(
        (doc["paths"].as_u64(), doc["seed"].as_u64()),
        (Some(400), Some(20211231))
    );
    assert_eq!(doc["conditioned"], false);
    assert_eq!(doc["level_probs"], serde_json::json!([0.5, 0.8, 0.9]));
    // The files are the manifest's.
    let manifest: Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    let listed: Vec<&str> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().or(f["path"].as_str()).unwrap())
        .collect();
    let files: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"targets.csv") && files.contains(&"manifest.json"),
        "{files:?}"
    );
    assert_eq!(files, listed);
    for f in &files {
        assert!(out.join(f).is_file(), "{f} is listed but not written");
    }
    // The urban-jobs floor, as the plan states it.
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    let t = &targets[0];
    assert_eq!(t["target_id"], "shaoyang.urban_new_jobs.cumulative_floor");
    assert_eq!(t["region_name"], "邵阳市");
    assert_eq!(t["kind"], "cumulative_floor");
    assert_eq!(t["applies"], Value::Null);
    assert_eq!(
        (t["nature"].as_str(), t["nature_zh"].as_str()),
        (Some("expected"), Some("预期性"))
    );
    assert_eq!(t["tolerance"], Value::Null);
    assert_eq!(t["value"], 23.5);
    assert_eq!(t["period"], "2021-2025");
    assert_eq!(t["source"], "004_7c121f2adea77f47");
    assert_eq!(t["quote"], "1.城镇新增就业人数(万人) 4.72[>23.5] 预期性");
    let years: Vec<u64> = t["on_track"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_u64().unwrap())
        .collect();
    assert_eq!(years, [2021, 2022, 2023, 2024, 2025]);
    assert_eq!(t["progress"], Value::Null);
    // The same figures as targets.csv (written at 4 decimals or more).
    let csv = read(&out.join("targets.csv"));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.contains("shaoyang.urban_new_jobs.cumulative_floor"))
        .unwrap()
        .split(',')
        .collect();
    for field in [
        "p_met",
        "p_met_se",
        "outcome_p50",
        "expected_shortfall",
        "shortfall_if_missed",
    ] {
        let at = header.iter().position(|h| *h == field).unwrap();
        let in_csv: f64 = row[at].parse().unwrap();
        let in_json = t[field].as_f64().unwrap();
        assert!(
            (in_csv - in_json).abs() < 1e-3,
            "{field}: csv {in_csv}, json {in_json}"
        );
    }
    // Shortfall: E[gap] = P(miss) × E[gap | miss].
    let (p, es, sm) = (
        t["p_met"].as_f64().unwrap(),
        t["expected_shortfall"].as_f64().unwrap(),
        t["shortfall_if_missed"].as_f64().unwrap(),
    );
    assert!(
        (es - (1.0 - p) * sm).abs() < 1e-9,
        "{es} vs {}",
        (1.0 - p) * sm
    );
}

#[test]
fn a_conditioned_run_reports_progress_and_a_band_target_its_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let doc = json_of(
        &[
            "run",
            shipped("henan-midterm.toml").to_str().unwrap(),
            "--paths",
            "100",
            "--no-charts",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        dir.path(),
    );
    assert_valid("run", &doc);
    assert_eq!(doc["conditioned"], true);
    let targets = doc["targets"].as_array().unwrap();
    assert!(targets.iter().any(|t| t["progress"].is_object()));
    for t in targets {
        assert_eq!(
            t["tolerance"].is_number(),
            t["kind"] == "level_about",
            "{t}"
        );
        if t["kind"] == "level_about" {
            assert!(
                t["levels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|l| l["level"].is_null())
            );
        }
    }
}

#[test]
fn compare_json_pairs_every_target_with_each_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let doc = json_of(
        &[
            "compare",
            shipped("henan-baseline.toml").to_str().unwrap(),
            shipped("henan-downside.toml").to_str().unwrap(),
            "--paths",
            "60",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--json",
        ],
        dir.path(),
    );
    assert_valid("compare", &doc);
    assert_envelope("compare", &doc);
    assert_eq!(doc["baseline_scenario"], "henan-baseline");
    let rows = doc["targets"].as_array().unwrap();
    assert_eq!(rows.len() % 2, 0);
    for pair in rows.chunks(2) {
        assert_eq!(pair[0]["target_id"], pair[1]["target_id"]);
        assert_eq!(
            (pair[0]["scenario"].as_str(), pair[1]["scenario"].as_str()),
            (Some("henan-baseline"), Some("henan-downside"))
        );
        assert_eq!(pair[0]["diff"], 0.0);
        if let (Some(a), Some(b), Some(d)) = (
            pair[0]["p_met"].as_f64(),
            pair[1]["p_met"].as_f64(),
            pair[1]["diff"].as_f64(),
        ) {
            assert!((b - a - d).abs() < 1e-12);
        }
    }
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "p_met.csv")
    );
}

#[test]
fn sens_json_lists_the_indices_of_indices_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let doc = json_of(
        &[
            "sens",
            shipped("shaoyang-baseline.toml").to_str().unwrap(),
            "--method",
            "oat",
            "--paths",
            "50",
            "--params",
            "growth.ar,growth.noise_sd",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--json",
        ],
        dir.path(),
    );
    assert_valid("sens", &doc);
    assert_envelope("sens", &doc);
    assert_eq!(doc["method"], "oat");
    let factors: Vec<&str> = doc["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(factors, ["growth.ar", "growth.noise_sd"]);
    let csv_rows = read(&out.join("indices.csv")).lines().count() - 1;
    assert_eq!(doc["indices"].as_array().unwrap().len(), csv_rows);
}

#[test]
fn backtest_json_scores_every_observation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    let doc = json_of(
        &[
            "backtest",
            shipped("backtest/plans-in-sample.toml").to_str().unwrap(),
            "--actuals",
            shipped("backtest/actuals-plans.csv").to_str().unwrap(),
            "--paths",
            "100",
            "--no-charts",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--json",
        ],
        dir.path(),
    );
    assert_valid("backtest", &doc);
    assert_envelope("backtest", &doc);
    let obs = doc["observations"].as_array().unwrap();
    let csv_rows = read(&out.join("backtest.csv")).lines().count() - 1;
    assert_eq!(obs.len(), csv_rows);
    for o in obs {
        assert_eq!(o["score"].is_object(), o["status"] == "scored", "{o}");
    }
    let last = doc["summary"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["region"].as_str(), last["indicator"].as_str()),
        (Some("all"), Some("all"))
    );
    assert_eq!(last["n_observations"].as_u64(), Some(obs.len() as u64));
}

#[test]
fn calibrate_json_keeps_the_derivation_fields() {
    let doc = json_of(
        &["calibrate", "shaoyang-baseline.toml", "--quiet", "--json"],
        &crate::support::scenarios_dir(),
    );
    assert_valid("calibrate", &doc);
    assert_envelope("calibrate", &doc);
    assert_eq!(doc["scenario"], "shaoyang-baseline");
    assert_eq!(doc["flows"][0]["anchor_value"], 22.43);
}

#[test]
fn check_json_reports_valid_and_invalid_files_and_fails_like_check() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[horizon]\nbase_yaer = 2020\n").unwrap();
    let good = shipped("shaoyang-baseline.toml");
    let o = empsim(
        &[
            "check",
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
            "--quiet",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim_end(), "error: 1 of 2 scenarios are invalid");
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_valid("check", &doc);
    assert_envelope("check", &doc);
    assert_eq!(
        (doc["valid"].as_u64(), doc["invalid"].as_u64()),
        (Some(1), Some(1))
    );
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files[0]["scenario"]["name"], "shaoyang-baseline");
    assert_eq!(files[0]["scenario"]["targets"][0]["nature_zh"], "预期性");
    assert_eq!(files[1]["valid"], false);
    assert_eq!(files[1]["exit_code"], 2);
    assert!(
        files[1]["error"]
            .as_str()
            .unwrap()
            .contains(bad.to_str().unwrap())
    );
    // The problems, placed, for editors and scripts.
    let problems = files[1]["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    assert_eq!(problems[0]["file"].as_str(), bad.to_str());
    assert_eq!(
        (problems[0]["line"].as_u64(), problems[0]["column"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        problems[0]["message"],
        "unknown key `base_yaer`; expected one of `base_year`, `end_year`, `in_sample`"
    );
    assert_eq!(problems[0]["hint"], "did you mean `base_year`?");
    // Problems without a place (a key the file lacks altogether) name the file.
    let last = problems.last().unwrap();
    assert_eq!(
        (last["line"].is_null(), last["file"].as_str()),
        (true, bad.to_str())
    );
    assert_eq!(files[0]["problems"].as_array().map(Vec::len), Some(0));
    // One valid file: exit 0, the same document shape.
    let doc = json_of(&["check", good.to_str().unwrap(), "--json"], dir.path());
    assert_valid("check", &doc);
    assert_eq!(doc["invalid"], 0);
}

#[test]
fn a_failing_command_prints_no_json() {
    let dir = tempfile::tempdir().unwrap();
    let o = empsim(&["run", "missing.toml", "--json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).starts_with("error: "));
}

#[test]
fn discover_json_has_the_trajectory_and_the_chosen_box() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let doc = json_of(
        &[
            "discover",
            shipped("henan-downside.toml").to_str().unwrap(),
            "--target",
            "kaifeng.surveyed_unemployment_rate.level_cap",
            "--paths",
            "1000",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--json",
        ],
        dir.path(),
    );
    assert_valid("discover", &doc);
    assert_envelope("discover", &doc);
    let steps = doc["trajectory"].as_array().unwrap();
    assert_eq!(steps[0]["n"], 1000);
    assert_eq!(steps[0]["cases"], doc["case_count"]);
    let k = doc["chosen_step"].as_u64().unwrap() as usize;
    // The chosen box's restrictions are the non-null limits of its step.
    let open = |v: &Value| v.is_null();
    let restricted = steps[k]["limits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !(open(&l[0]) && open(&l[1])))
        .count();
    assert_eq!(doc["chosen_box"].as_array().unwrap().len(), restricted);
}

#[test]
fn sens_json_with_converge_has_its_rounds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let doc = json_of(
        &[
            "sens",
            shipped("shaoyang-baseline.toml").to_str().unwrap(),
            "--method",
            "sobol",
            "--samples",
            "16",
            "--paths",
            "50",
            "--bootstrap",
            "50",
            "--params",
            "growth.ar,growth.noise_sd",
            "--converge",
            "0.5",
            "--max-samples",
            "64",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--json",
        ],
        dir.path(),
    );
    assert_valid("sens", &doc);
    let rounds = doc["convergence"]["rounds"].as_array().unwrap();
    assert!(!rounds.is_empty() && rounds.len() <= 3);
    assert_eq!(rounds[0]["base_samples"], 16);
}
