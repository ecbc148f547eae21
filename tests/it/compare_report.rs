//! `empsim compare` (through the library) and `report.html`: the P(met) table and its
//! differences, targets missing from a scenario, horizons, the comparison charts (files and
//! pixels), and the self-contained HTML report (embedded PNGs decode back to the files).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use empsim::chart::{palette, render_comparison_rgb};
use empsim::commands::compare::{CompareArgs, CompareOutcome, compare};
use empsim::commands::settings::SimArgs;
use empsim::report::html::{RunReport, escape, write_report};
use empsim::scenario::{Provenance, Scenario};
use empsim::{engine, report, stats};

use crate::support::{self, png_dimensions, shipped, workdir};

const PATHS: usize = 300;
const SEED: u64 = 7;

fn run_compare(files: &[PathBuf], out: &Path) -> CompareOutcome {
    compare(&CompareArgs {
        scenarios: files.to_vec(),
        sim: SimArgs {
            paths: Some(PATHS),
            seed: Some(SEED),
            out: Some(out.to_path_buf()),
            threads: Some(2),
            ..SimArgs::default()
        },
        levels: Default::default(),
        json: false,
    })
    .unwrap_or_else(|e| panic!("compare failed: {e}"))
}

/// `p_met.csv` as (header, rows of column → value).
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?} in {row:?}", row[col]))
}

#[test]
fn compare_three_henan_scenarios_writes_one_row_per_target_and_scenario_with_paired_diffs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let names = ["henan-baseline", "henan-downside", "henan-policy"];
    let files: Vec<PathBuf> = names
        .iter()
        .map(|n| shipped(&format!("{n}.toml")))
        .collect();
    let o = run_compare(&files, &out);

    // The CSV: one row per target per scenario, diffs against the first scenario.
    let rows = read_csv(&out.join("p_met.csv"));
    let n_targets = o.runs[0].scenario.targets.len();
    assert!(n_targets > 5);
    assert_eq!(rows.len(), n_targets * names.len());
    let first_p: BTreeMap<&str, f64> = rows
        .iter()
        .filter(|r| r["scenario"] == names[0])
        .map(|r| (r["target_id"].as_str(), num(r, "p_met")))
        .collect();
    assert_eq!(first_p.len(), n_targets);
    for t in &o.runs[0].scenario.targets {
        let per_scenario: Vec<&str> = rows
            .iter()
            .filter(|r| r["target_id"] == t.id)
            .map(|r| r["scenario"].as_str())
            .collect();
        assert_eq!(per_scenario, names, "{}", t.id);
    }
    for r in &rows {
        assert_eq!(r["baseline_scenario"], names[0]);
        let p = num(r, "p_met");
        assert!((0.0..=1.0).contains(&p));
        if r["scenario"] == names[0] {
            assert_eq!(r["diff"], "0.0000", "{r:?}");
            assert_eq!(r["diff_se"], "0.0000", "{r:?}");
        } else {
            let expected = p - first_p[r["target_id"].as_str()];
            assert!(
                (num(r, "diff") - expected).abs() < 1.5e-4,
                "diff {} vs p_met − p_met_first {expected} in {r:?}",
                r["diff"]
            );
            assert!(num(r, "diff_se") >= 0.0);
        }
    }
    // The shock hurts and the levers help rural transfers somewhere.
    let diff_of = |scn: &str, id: &str| {
        o.rows
            .iter()
            .find(|r| r.scenario == scn && r.target_id == id)
            .and_then(|r| r.diff)
            .unwrap()
    };
    let transfer: Vec<&str> = o.runs[0]
        .scenario
        .targets
        .iter()
        .filter(|t| t.id.contains("rural_transfer_new"))
        .map(|t| t.id.as_str())
        .collect();
    assert!(transfer.iter().any(|id| diff_of(names[1], id) < 0.0));
    assert!(transfer.iter().any(|id| diff_of(names[2], id) > 0.0));

    // One comparison chart per region and indicator, 1200×800 PNGs.
    let scn = &o.runs[0].scenario;
    let expected: Vec<String> = scn
        .series
        .iter()
        .map(|s| {
            format!(
                "compare-{}-{}.png",
                scn.regions[s.region].id,
                s.indicator.key()
            )
        })
        .collect();
    let written: Vec<String> = o.charts.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(written, expected);
    for f in o.chart_files() {
        assert!(f.starts_with(&out));
        let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_eq!(png_dimensions(&bytes), (1200, 800), "{}", f.display());
    }
    assert!(out.join("quantiles.csv").is_file());
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"baseline_scenario\": \"henan-baseline\""));

    // Each scenario's colour is drawn inside the plot (not only in the legend).
    let (_, spec) = o
        .charts
        .iter()
        .find(|(n, _)| n == "compare-kaifeng-rural_transfer_new.png")
        .unwrap();
    assert_eq!(spec.series.len(), 3);
    assert!(spec.target.is_some() && spec.annotation.is_some());
    let img = render_comparison_rgb(spec).unwrap();
    let area = img.plots[0].plot_area;
    for (i, name) in names.iter().enumerate() {
        let c = palette::SERIES[i];
        let count = (area.left..=area.right)
            .flat_map(|x| (area.top..=area.bottom).map(move |y| (x, y)))
            .filter(|&(x, y)| img.pixel(x, y) == Some([c.0, c.1, c.2]))
            .count();
        assert!(
            count > 50,
            "{name}'s colour {c:?}: {count} pixels in the plot"
        );
    }

    // The terminal table: every target, riskiest first.
    let text = o.summary_text();
    for n in names {
        assert!(text.contains(n), "{text}");
    }
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("target "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(table.len(), n_targets, "{text}");
    let worst = |id: &str| {
        o.rows
            .iter()
            .filter(|r| r.target_id == id)
            .filter_map(|r| r.p_met)
            .fold(1.0f64, f64::min)
    };
    let order: Vec<f64> = table
        .iter()
        .map(|l| worst(l.split_whitespace().next().unwrap()))
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{text}");
}

#[test]
fn a_target_missing_from_a_scenario_is_kept_with_empty_cells() {
    let dir = workdir();
    let variant = dir.path().join("henan-fewer-targets.toml");
    std::fs::write(
        &variant,
        r#"name = "henan-fewer-targets"
extends = "henan-baseline.toml"

[[regions.kaifeng.targets]]
indicator = "urban_new_jobs"
kind = "cumulative_floor"
period = "2021-2025"
value = 30.0
nature = "expected"
source = "001_21bee132f4f39f74"
quote = "城镇新增就业 30 万人以上 (a variant)"
"#,
    )
    .unwrap();
    let out = dir.path().join("cmp");
    let o = run_compare(&[dir.path().join("henan-baseline.toml"), variant], &out);
    let rows = read_csv(&out.join("p_met.csv"));
    let n = o.runs[0].scenario.targets.len();
    assert_eq!(o.runs[1].scenario.targets.len(), n - 3);
    assert_eq!(rows.len(), 2 * n, "every target of either scenario, twice");
    let missing: Vec<&BTreeMap<String, String>> = rows
        .iter()
        .filter(|r| r["scenario"] == "henan-fewer-targets" && r["p_met"].is_empty())
        .collect();
    assert_eq!(missing.len(), 3);
    for r in missing {
        assert!(r["target_id"].starts_with("kaifeng."), "{r:?}");
        assert_eq!(r["region"], "kaifeng");
        assert!(
            !r["target_value"].is_empty(),
            "the target is still described"
        );
        assert!(r["p_met_se"].is_empty() && r["diff"].is_empty() && r["diff_se"].is_empty());
    }
    // The target both have, defined differently: flagged, and its paths exactly paired
    // (targets change no draw), so the lower floor is met on at least the same paths.
    let redefined: Vec<&empsim::analysis::compare::CompareRow> =
        o.rows.iter().filter(|r| r.redefined).collect();
    assert_eq!(redefined.len(), 1);
    assert_eq!(
        redefined[0].target_id,
        "kaifeng.urban_new_jobs.cumulative_floor"
    );
    assert_eq!(redefined[0].target_value, 30.0);
    assert!(redefined[0].diff.unwrap() >= 0.0);
    let text = o.summary_text();
    assert!(text.contains('—'), "{text}");
    assert!(
        text.contains("* the scenario defines this target differently"),
        "{text}"
    );
}

#[test]
fn scenarios_with_the_same_draws_have_zero_differences() {
    let dir = workdir();
    let copy = dir.path().join("henan-copy.toml");
    std::fs::write(
        &copy,
        "name = \"henan-copy\"\nextends = \"henan-baseline.toml\"\n",
    )
    .unwrap();
    let o = run_compare(
        &[dir.path().join("henan-baseline.toml"), copy],
        &dir.path().join("cmp"),
    );
    assert!(!o.rows.is_empty());
    for r in &o.rows {
        assert_eq!((r.diff, r.diff_se), (Some(0.0), Some(0.0)), "{r:?}");
    }
}

#[test]
fn different_horizons_align_on_years() {
    let dir = workdir();
    let variant = dir.path().join("henan-longer.toml");
    std::fs::write(
        &variant,
        r#"name = "henan-longer"
extends = "henan-baseline.toml"

[horizon]
end_year = 2026

[growth.path.values]
2026 = 6.0
"#,
    )
    .unwrap();
    let out = dir.path().join("cmp");
    let o = run_compare(&[dir.path().join("henan-baseline.toml"), variant], &out);
    assert_eq!(o.years, (2021..=2026).collect::<Vec<i32>>());
    let (_, spec) = &o.charts[0];
    assert_eq!(spec.years, o.years);
    assert!(
        spec.series[0].median[5].is_nan(),
        "the baseline ends in 2025"
    );
    assert!(spec.series[1].median[5].is_finite());
    assert!(spec.series[0].median[4].is_finite());
}

#[test]
fn bad_comparisons_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = |files: Vec<PathBuf>| CompareArgs {
        scenarios: files,
        sim: SimArgs {
            paths: Some(10),
            out: Some(tmp.path().join("cmp")),
            ..SimArgs::default()
        },
        levels: Default::default(),
        json: false,
    };
    let e = compare(&cfg(vec![shipped("henan-baseline.toml")])).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert_eq!(e.to_string(), "compare needs at least two scenarios, got 1");
    let twice = vec![
        shipped("henan-baseline.toml"),
        shipped("henan-baseline.toml"),
    ];
    let e = compare(&cfg(twice)).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .ends_with("are both named `henan-baseline`: compared scenarios need distinct names"),
        "{e}"
    );
    assert!(!tmp.path().join("cmp").exists());
}

#[test]
fn compare_outputs_do_not_depend_on_the_number_of_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        shipped("henan-baseline.toml"),
        shipped("henan-downside.toml"),
    ];
    let run = |threads: usize| {
        let out = tmp.path().join(format!("t{threads}"));
        compare(&CompareArgs {
            scenarios: files.to_vec(),
            sim: SimArgs {
                paths: Some(200),
                seed: Some(SEED),
                out: Some(out.clone()),
                threads: Some(threads),
                ..SimArgs::default()
            },
            levels: Default::default(),
            json: false,
        })
        .unwrap();
        out
    };
    let (a, b) = (run(1), run(2));
    let mut names = vec!["p_met.csv".to_string(), "quantiles.csv".to_string()];
    names.extend(
        support::names(&a.join("charts"))
            .into_iter()
            .map(|n| format!("charts/{n}")),
    );
    assert!(names.len() > 10);
    for n in names {
        assert!(
            std::fs::read(a.join(&n)).unwrap() == std::fs::read(b.join(&n)).unwrap(),
            "{n} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn report_html_loads_nothing_from_outside_and_links_every_chart() {
    let scn = Scenario::from_file(&shipped("henan-downside.toml")).unwrap();
    let paths = 200;
    let sim = engine::simulate(&scn, paths, SEED, &[]);
    let summaries = stats::summarize(&scn, &sim);
    let targets = stats::evaluate_targets(&scn, &sim, &stats::LEVEL_PROBS);
    let tmp = tempfile::tempdir().unwrap();
    let jobs = report::png::run::chart_jobs(&scn, &summaries, &targets, SEED, paths);
    let files = report::png::run::render(&tmp.path().join("charts"), &jobs).unwrap();
    let input = RunReport {
        scn: &scn,
        targets: &targets,
        summaries: &summaries,
        seed: SEED,
        paths,
        conditioning: None,
        kept_from: None,
    };
    let path = write_report(tmp.path(), &input, &files).unwrap();
    assert_eq!(path, tmp.path().join("report.html"));
    let html = std::fs::read_to_string(&path).unwrap();

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    for external in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "<script",
        "<link",
        "@import",
    ] {
        assert!(!html.contains(external), "{external} in report.html");
    }
    // The only url() is the embedded font.
    assert_eq!(
        html.matches("url(").count(),
        html.matches("url(data:font/otf;base64,").count()
    );
    assert_eq!(html.matches("@font-face").count(), 1);
    assert!(
        !html.contains(tmp.path().to_str().unwrap()),
        "no temporary paths"
    );
    assert!(html.contains(&escape(&scn.description)));
    for t in &scn.targets {
        assert!(html.contains(&escape(&t.id)), "{}", t.id);
        assert!(html.contains(&escape(&t.quote)), "{}", t.quote);
    }
    for r in &scn.regions {
        for b in &r.baselines {
            if let Provenance::Plan { quote, .. } = &b.provenance {
                assert!(html.contains(&escape(quote)), "{quote}");
            }
        }
    }
    // Every parameter: under its own name, or under the default it inherits with the
    // regions that draw it (full names in the tooltip).
    for p in &scn.params {
        assert!(html.contains(&escape(&p.origin)), "{}", p.origin);
        assert!(html.contains(&escape(&p.name)), "{}", p.name);
        if let Provenance::Assumption { rationale, .. } = &p.provenance {
            assert!(html.contains(&escape(rationale)), "{rationale}");
        }
    }
    // The targets table is sorted riskiest first.
    let mut by_p: Vec<_> = targets.iter().collect();
    by_p.sort_by(|a, b| a.p_met.total_cmp(&b.p_met).then(a.target.cmp(&b.target)));
    let positions: Vec<usize> = by_p
        .iter()
        .map(|r| {
            let id = &scn.targets[r.target].id;
            html.find(&format!("data-target=\"{}\"", escape(id)))
                .unwrap()
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));

    // Every chart but the overview poster linked once, relative to the report, with its size.
    let shown: Vec<&std::path::PathBuf> = files
        .iter()
        .filter(|f| f.file_name().unwrap() != "overview.png")
        .collect();
    assert!(shown.len() > 10);
    for f in &shown {
        let name = f.file_name().unwrap().to_str().unwrap();
        let (w, h) = png_dimensions(&std::fs::read(f).unwrap());
        let img = format!("<img src=\"charts/{name}\" width=\"{w}\" height=\"{h}\"");
        assert_eq!(html.matches(&img).count(), 1, "{img}");
    }
    assert!(!html.contains("overview.png") && !html.contains("data:image/png"));

    // Without charts (`--no-charts`) the report keeps its tables and has no chart sections.
    let bare = tempfile::tempdir().unwrap();
    let path = write_report(bare.path(), &input, &[]).unwrap();
    let html = std::fs::read_to_string(path).unwrap();
    assert!(!html.contains("<img") && !html.contains("href=\"#charts\""));
    assert!(html.contains("id=\"targets\"") && html.contains("id=\"assumptions\""));
}
