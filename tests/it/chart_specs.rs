//! What the run and compare charts are made of (the specs, before any pixel): which history
//! marks a scenario gives (a period total as one average step, a plan's single year as a
//! point, published figures as such, assumed baselines labelled as assumed), where the fan
//! starts, which years are shaded as shocks, the source line of a chart without a target,
//! and the single-year rows of `baselines.csv`.

use empsim::chart::{HistoryKind, HistoryPoint, ShockYear};
use empsim::indicator::Indicator;
use empsim::report::png::run::{history, history_sources, jump_off, shock_years};
use empsim::scenario::Scenario;

use crate::support::{read, shipped};

fn load(name: &str) -> Scenario {
    Scenario::from_file(&shipped(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn region(scn: &Scenario, id: &str) -> usize {
    scn.regions.iter().position(|r| r.id == id).unwrap()
}

fn marks(h: &[HistoryPoint]) -> Vec<(HistoryKind, i32, i32, String)> {
    h.iter()
        .map(|p| (p.kind, p.first_year, p.year, format!("{:.3}", p.value)))
        .collect()
}

#[test]
fn a_period_total_is_one_average_step_and_a_plan_year_a_point_the_fan_starts_from() {
    let scn = load("shaoyang-baseline.toml");
    let r = region(&scn, "shaoyang");
    let h = history(&scn, r, Indicator::UrbanNewJobs);
    assert_eq!(
        marks(&h),
        vec![
            (HistoryKind::PeriodAverage, 2016, 2020, "4.486".into()),
            (HistoryKind::Known, 2020, 2020, "4.720".into()),
        ]
    );
    assert_eq!(
        h[0].label,
        "2016–2020 average (plan total 22.43\u{a0}÷\u{a0}5)"
    );
    assert_eq!(h[1].label, "2020: 4.72 (plan figure)");
    assert_eq!(jump_off(&scn, &h), Some((2020, 4.72)));
    // Rural transfers have only the five-year total: no year is known, so the fan starts
    // on its own.
    let h = history(&scn, r, Indicator::RuralTransferNew);
    assert_eq!(
        marks(&h),
        vec![(HistoryKind::PeriodAverage, 2016, 2020, "5.124".into())]
    );
    assert_eq!(jump_off(&scn, &h), None);
}

#[test]
fn an_assumed_baseline_is_labelled_assumed_not_plan() {
    let scn = load("henan-baseline.toml");
    let h = history(&scn, region(&scn, "rest_of_henan"), Indicator::UrbanNewJobs);
    assert_eq!(h.len(), 1);
    assert_eq!(
        h[0].label,
        "2016–2020 average (assumed total 562.93\u{a0}÷\u{a0}5, not a plan figure)"
    );
    let h = history(&scn, region(&scn, "kaifeng"), Indicator::UrbanNewJobs);
    assert!(h[0].label.contains("(plan total 39.67"), "{}", h[0].label);
}

#[test]
fn the_stock_fan_starts_from_its_2020_level_and_names_its_source() {
    let scn = load("henan-baseline.toml");
    let z = region(&scn, "zhumadian");
    let h = history(&scn, z, Indicator::RuralTransferStock);
    assert_eq!(
        marks(&h),
        vec![(HistoryKind::Known, 2020, 2020, "267.820".into())]
    );
    assert_eq!(jump_off(&scn, &h), Some((2020, 267.82)));
    assert_eq!(
        history_sources(&scn, z, Indicator::RuralTransferStock),
        vec![
            "2020: 《驻马店市“十四五”人才发展、人力资源开发和就业促进规划》(2022) “农村劳动力转移就业达267.82万人”"
                .to_owned()
        ]
    );
}

#[test]
fn published_figures_are_marked_published_and_the_fan_starts_from_the_latest() {
    let scn = Scenario::from_file_observed(&shipped("henan-midterm.toml"), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let henan = region(&scn, "henan");
    let h = history(&scn, henan, Indicator::UrbanNewJobs);
    let published: Vec<&HistoryPoint> = h
        .iter()
        .filter(|p| p.kind == HistoryKind::Observed)
        .collect();
    assert!(!published.is_empty());
    assert!(
        published
            .iter()
            .all(|p| p.label == "Published (conditioned on)")
    );
    let base = published.iter().find(|p| p.year == scn.base_year).unwrap();
    assert_eq!(jump_off(&scn, &h), Some((base.year, base.value)));
}

#[test]
fn shock_years_are_shaded_where_the_shock_hits() {
    let down = load("henan-downside.toml");
    let expect = |prefix: &str| {
        vec![
            ShockYear {
                year: 2022,
                label: "−3 pt".into(),
                legend: format!("{prefix}Shock 2022–2023 (labels: central growth change)"),
            },
            ShockYear {
                year: 2023,
                label: "−1 pt".into(),
                legend: format!("{prefix}Shock 2022–2023 (labels: central growth change)"),
            },
        ]
    };
    assert_eq!(shock_years(&down, region(&down, "kaifeng"), ""), expect(""));
    // The province is hit through its parts.
    assert_eq!(
        shock_years(&down, region(&down, "henan"), "henan-downside: "),
        expect("henan-downside: ")
    );
    let base = load("henan-baseline.toml");
    assert!(shock_years(&base, region(&base, "kaifeng"), "").is_empty());
}

#[test]
fn baselines_csv_has_one_row_per_figure_with_single_years() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = crate::support::empsim(
        &[
            "run",
            shipped("henan-downside.toml").to_str().unwrap(),
            "--paths",
            "200",
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    crate::support::assert_success(&o);
    // baselines.csv: one row per figure.
    let csv = read(&out.join("baselines.csv"));
    assert_eq!(csv.lines().count(), 1 + 16, "{csv}");
    let scn = load("shaoyang-baseline.toml");
    let path = dir.path().join("baselines.csv");
    empsim::report::csv::write_baselines(&path, &scn).unwrap();
    let rows: Vec<String> = read(&path).lines().map(str::to_owned).collect();
    assert_eq!(
        rows[2],
        "shaoyang-baseline,shaoyang,urban_new_jobs,single_year,2020,2020,4.7200,4.7200,plan,004_7c121f2adea77f47,邵阳市“十四五”人力资源和社会保障事业发展规划,1.城镇新增就业人数(万人) 4.72[>23.5]"
    );
    assert_eq!(rows.len(), 4);
    assert!(rows[1].contains(",cumulative,2016,2020,22.4300,4.4860,plan,"));
}
