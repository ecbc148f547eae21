//! Progress of `empsim run`: the stages in order, each counted to its total, recorded with
//! [`Recorder`]; and counting changes no output.

use crate::support::{read, shipped};
use empsim::commands::progress::{Recorder, Stage};
use empsim::commands::run::{RunArgs, run, run_with};
use empsim::commands::settings::SimArgs;
use std::path::Path;

fn args(scenario: &str, out: &Path, paths: usize, charts: bool) -> RunArgs {
    RunArgs {
        scenario: shipped(scenario),
        sim: SimArgs {
            paths: Some(paths),
            seed: Some(5),
            out: Some(out.to_path_buf()),
            threads: Some(2),
            ..SimArgs::default()
        },
        levels: Default::default(),
        keep_paths: false,
        keep_draws: false,
        no_charts: !charts,
        json: false,
    }
}

/// Asserts every counted stage reached its total exactly.
fn assert_counted(stages: &[(Stage, u64, u64)]) {
    for &(stage, total, done) in stages {
        assert_eq!(done, total, "{stage:?}: {done} of {total}");
    }
}

#[test]
fn a_run_reports_each_stage_and_counts_every_path_and_chart() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let o = run_with(
        &args("shaoyang-baseline.toml", &dir.path().join("r"), 300, true),
        &rec,
    )
    .unwrap();
    let stages = rec.stages();
    let order: Vec<Stage> = stages.iter().map(|s| s.0).collect();
    // Shaoyang alone: one region, no aggregate to summarise afterwards.
    assert_eq!(
        order,
        [
            Stage::Simulating,
            Stage::Writing,
            Stage::Charts,
            Stage::Report
        ]
    );
    assert_counted(&stages);
    // One region: region-paths are the paths.
    assert_eq!(stages[0].1, 300);
    let charts = o.files.iter().filter(|f| f.starts_with("charts/")).count() as u64;
    assert_eq!(stages[2].1, charts);
}

#[test]
fn a_province_run_counts_its_regions_and_summarises_the_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let o = run_with(
        &args("henan-baseline.toml", &dir.path().join("r"), 200, false),
        &rec,
    )
    .unwrap();
    let stages = rec.stages();
    let order: Vec<Stage> = stages.iter().map(|s| s.0).collect();
    assert_eq!(
        order,
        [
            Stage::Simulating,
            Stage::Summarising,
            Stage::Writing,
            Stage::Report
        ]
    );
    assert_counted(&stages);
    // Every simulated region, every path.
    let leaves = o.scenario.leaves.len() as u64;
    assert_eq!(stages[0].1, leaves * 200);
    // The aggregates' series and their targets.
    let aggregate_regions: Vec<usize> = (0..o.scenario.regions.len())
        .filter(|r| !o.scenario.leaves.contains(r))
        .collect();
    let series = o
        .scenario
        .series
        .iter()
        .filter(|s| aggregate_regions.contains(&s.region))
        .count();
    let targets = o
        .scenario
        .targets
        .iter()
        .filter(|t| aggregate_regions.contains(&t.region))
        .count();
    assert_eq!(stages[1].1, (series + targets) as u64);
}

#[test]
fn a_conditioned_run_begins_by_conditioning() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    run_with(
        &args("henan-midterm.toml", &dir.path().join("r"), 60, false),
        &rec,
    )
    .unwrap();
    let stages = rec.stages();
    assert_eq!(stages[0].0, Stage::Conditioning);
    assert_eq!(stages[1].0, Stage::Simulating);
    assert_counted(&stages);
}

#[test]
fn counting_progress_changes_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&args("henan-baseline.toml", &a, 200, false)).unwrap();
    run_with(
        &args("henan-baseline.toml", &b, 200, false),
        &Recorder::default(),
    )
    .unwrap();
    for f in ["quantiles.csv", "targets.csv"] {
        assert_eq!(read(&a.join(f)), read(&b.join(f)), "{f}");
    }
}

#[test]
fn a_comparison_reports_each_scenario_then_the_tables_and_charts() {
    use empsim::commands::compare::{CompareArgs, compare_with};
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let o = compare_with(
        &CompareArgs {
            scenarios: vec![
                shipped("henan-baseline.toml"),
                shipped("henan-downside.toml"),
            ],
            sim: SimArgs {
                paths: Some(60),
                out: Some(dir.path().join("c")),
                threads: Some(2),
                ..SimArgs::default()
            },
            ..CompareArgs::default()
        },
        &rec,
    )
    .unwrap();
    let stages = rec.stages();
    let order: Vec<Stage> = stages.iter().map(|s| s.0).collect();
    assert_eq!(
        order,
        [
            Stage::Simulating,
            Stage::Summarising,
            Stage::Simulating,
            Stage::Summarising,
            Stage::Writing,
            Stage::Charts
        ]
    );
    assert_counted(&stages);
    assert_eq!(stages[5].1, o.charts.len() as u64);
}

#[test]
fn a_backtest_reports_its_simulation() {
    use empsim::commands::backtest::{BacktestArgs, run_with as backtest_with};
    let dir = tempfile::tempdir().unwrap();
    let mut args = BacktestArgs::new(
        shipped("backtest/plans-in-sample.toml"),
        shipped("backtest/actuals-plans.csv"),
    );
    args.sim.paths = Some(80);
    args.sim.out = Some(dir.path().join("b"));
    args.no_charts = true;
    let rec = Recorder::default();
    backtest_with(&args, &rec).unwrap();
    let stages = rec.stages();
    let order: Vec<Stage> = stages.iter().map(|s| s.0).collect();
    assert_eq!(order, [Stage::Simulating, Stage::Writing]);
    assert_counted(&stages);
}
