//! `empsim::backtest` driven through the library: the shipped in-sample example, scores
//! against draws from the scenario's own distribution, not-projected rows, malformed
//! actuals files (exact messages, exit code 2, earlier output untouched), determinism
//! across thread counts, the `in_sample` and `single_year` scenario keys, calibration, and
//! the example's quotes checked against the plan documents.

use empsim::analysis::backtest::{Status, score_observations};
use empsim::analysis::calibration as calibrate;
use empsim::commands::backtest::{self, BacktestArgs};
use empsim::engine;
use empsim::indicator::Indicator;
use empsim::scenario::actuals::{self, Observation, Period};
use empsim::scenario::{Provenance, Scenario};
use empsim::stats::score;
use empsim::stats::{self, Measure};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

use crate::support::{
    self, PNG_SIGNATURE, SHIPPED_SCENARIOS, check_quote, read, shipped, squash, variant,
};

fn example() -> (PathBuf, PathBuf) {
    let d = shipped("backtest");
    (d.join("plans-in-sample.toml"), d.join("actuals-plans.csv"))
}

fn config(scenario: &Path, actuals: &Path, out: &Path) -> BacktestArgs {
    let mut cfg = BacktestArgs::new(scenario, actuals);
    cfg.sim.paths = Some(2000);
    cfg.sim.out = Some(out.to_path_buf());
    cfg.no_charts = true;
    cfg
}

#[test]
fn the_shipped_in_sample_example_scores_every_plan_figure() {
    let dir = tempfile::tempdir().unwrap();
    let (scn, act) = example();
    let mut cfg = config(&scn, &act, &dir.path().join("bt"));
    cfg.no_charts = false;
    let o = backtest::run(&cfg).unwrap();
    assert!(o.scenario.in_sample);
    assert_eq!(o.rows.len(), 16);

    // The stock cannot be projected from 2015: reported, not dropped.
    let stock: Vec<_> = o
        .rows
        .iter()
        .filter(|r| r.status == Status::NotProjected)
        .collect();
    assert_eq!(stock.len(), 1);
    assert_eq!(stock[0].observation.line, 19);
    assert_eq!(
        stock[0].reason.as_deref(),
        Some("the scenario does not project rural_transfer_stock for zhumadian")
    );

    // The 14 five-year totals are the scenario's own anchors: near the median.
    let anchors: Vec<_> = o.rows.iter().filter(|r| r.is_baseline).collect();
    assert_eq!(anchors.len(), 14);
    for r in &anchors {
        let s = r.score.unwrap();
        assert!(
            (0.4..0.6).contains(&s.pit),
            "{}: PIT {}",
            r.observation.describe(),
            s.pit
        );
        assert!(s.in_50 && s.median_error_pct.abs() < 2.0);
    }

    // The one independent figure: Shaoyang's 2020 flow, which the generic trend prior
    // puts below the observed 4.72 but inside the 90 % band.
    let indep: Vec<_> = o.rows.iter().filter(|r| r.is_independent()).collect();
    assert_eq!(indep.len(), 1);
    let r = indep[0];
    assert_eq!(
        r.observation.describe(),
        "shaoyang urban_new_jobs annual 2020"
    );
    assert_eq!(r.years, Some((2020, 2020)));
    let s = r.score.unwrap();
    assert!(
        s.in_90 && !s.in_50 && s.pit > 0.7 && s.median < 4.72,
        "{s:?}"
    );

    let all = o.summary.last().unwrap();
    assert_eq!(
        (all.region.as_str(), all.indicator.as_str()),
        ("all", "all")
    );
    assert_eq!(
        (
            all.n_observations,
            all.n_not_projected,
            all.n_baseline,
            all.n_scored
        ),
        (16, 1, 14, 1)
    );
    assert_eq!((all.hits_50, all.hits_90), (0, 1));

    let out = dir.path().join("bt");
    let csv = read(&out.join("backtest.csv"));
    assert!(csv.starts_with(
        "scenario,line,region,indicator,measure,period,observed,status,reason,is_baseline,\
first_year,last_year,p05,p25,median,p75,p95,pit,in_50,in_90,interval_score_50,\
interval_score_90,crps,crps_pct,median_error_pct,source,quote,note\n"
    ));
    assert_eq!(csv.lines().count(), 17);
    assert!(csv.contains(
        "plans-in-sample,19,zhumadian,rural_transfer_stock,annual,2020,267.8200,not_projected,\
the scenario does not project rural_transfer_stock for zhumadian,,,,,,,,,,,,,,,,,002_fdc105fdead3bb94,"
    ));
    let summary = read(&out.join("backtest-summary.csv"));
    assert!(summary.starts_with(
        "scenario,region,indicator,n_observations,n_not_projected,n_baseline,n_scored,hits_50,\
coverage_50,nominal_50,hits_90,coverage_90,nominal_90,mean_pit,mean_crps,mean_crps_pct,\
mean_interval_score_50,mean_interval_score_90,mean_abs_median_error_pct\n"
    ));
    assert!(summary.contains("plans-in-sample,all,all,16,1,14,1,0,0.0000,0.5000,1,1.0000,0.9000,"));
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["paths"], 2000);
    assert_eq!(manifest["in_sample"], true);
    assert_eq!(manifest["actuals"]["sha256"].as_str().unwrap().len(), 64);

    // One chart per region, indicator and measure with a scored figure: 5 regions' totals
    // (Shaoyang has two flows, the others three) and Shaoyang's 2020 value.
    let charts: Vec<&String> = o
        .files
        .iter()
        .filter(|f| f.starts_with("charts/"))
        .collect();
    assert_eq!(charts.len(), 15);
    assert!(
        o.files
            .contains(&"charts/shaoyang-urban_new_jobs-annual.png".to_string())
    );
    for c in charts {
        let bytes = std::fs::read(out.join(c)).unwrap();
        assert_eq!(&bytes[..8], PNG_SIGNATURE, "{c}");
        assert!(bytes.len() > 10_000, "{c}");
    }

    let text = o.summary_text();
    assert!(
        text.contains(
            "16 observations: 1 independent, 14 the scenario's own baselines, 1 not projected"
        ),
        "{text}"
    );
    assert!(text.contains("line 19: zhumadian rural_transfer_stock annual 2020 = 267.82: the scenario does not project rural_transfer_stock for zhumadian"), "{text}");
}

#[test]
fn observations_outside_the_projection_are_reported_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let act = dir.path().join("a.csv");
    std::fs::write(
        &act,
        "region,indicator,year,value,source,measure\n\
         shaoyang,urban_new_jobs,2021,4.8,test,\n\
         shaoyang,urban_new_jobs,2015,4.3,test,\n\
         shaoyang,urban_new_jobs,2015-2019,21,test,cumulative\n\
         shaoyang,urban_new_jobs,2017-2019,13.5,test,cumulative\n\
         shaoyang,urban_new_jobs,2018,13.5,test,cumulative\n\
         shaoyang,surveyed_unemployment_rate,2020,5.4,test,\n\
         hunan,urban_new_jobs,2020,70,test,\n\
         rest_of_henan,rural_transfer_new,2019,40,test,\n\
         shaoyang,urban_new_jobs,2015,4.3,test,cumulative\n",
    )
    .unwrap();
    let (scn, _) = example();
    let o = backtest::run(&config(&scn, &act, &dir.path().join("out"))).unwrap();
    let reasons: Vec<(u64, Option<&str>)> = o
        .rows
        .iter()
        .map(|r| (r.observation.line, r.reason.as_deref()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (2, Some("2021 is outside the projection years 2016-2020")),
            (3, Some("2015 is outside the projection years 2016-2020")),
            (
                4,
                Some("the period 2015-2019 is not within the projection years 2016-2020")
            ),
            (5, None),
            (6, None),
            (
                7,
                Some("the scenario does not project surveyed_unemployment_rate for shaoyang")
            ),
            (8, Some("region `hunan` is not in the scenario")),
            (9, None),
            (10, Some("2015 is outside the projection years 2016-2020")),
        ]
    );
    // A sub-window is summed over its own years; a single year for a cumulative value is
    // the running sum from the first projection year.
    assert_eq!(o.rows[3].years, Some((2017, 2019)));
    assert_eq!(o.rows[4].years, Some((2016, 2018)));
    assert!(o.rows.iter().all(|r| !r.is_baseline));
    let s = &o.summary.last().unwrap();
    assert_eq!((s.n_observations, s.n_not_projected, s.n_scored), (9, 6, 3));
}

#[test]
fn scores_of_draws_from_the_scenario_itself_are_calibrated() {
    // The forecast: 4000 paths of the in-sample scenario. The "observations": one value per
    // path of an independent run (another seed), i.e. draws from the same distribution.
    let (path, _) = example();
    let scn = Scenario::from_file(&path).unwrap();
    let forecast = engine::simulate(&scn, 4000, 1, &[]);
    let m = 1500;
    let truth = engine::simulate(&scn, m, 2, &[]);
    let region = scn.regions.iter().position(|r| r.id == "kaifeng").unwrap();
    let series = scn.series_index(region, Indicator::UrbanNewJobs).unwrap();
    let obs: Vec<Observation> = (0..m)
        .map(|p| Observation {
            line: p as u64 + 2,
            region: "kaifeng".into(),
            indicator: Indicator::UrbanNewJobs,
            measure: Measure::Annual,
            period: Period::Year(2018),
            value: truth.path_series(p, series)[2],
            source: "simulated".into(),
            quote: String::new(),
            note: String::new(),
            quality: empsim::scenario::actuals::Quality::Final,
        })
        .collect();
    let rows = score_observations(&scn, &forecast, obs);
    let mf = m as f64;
    let cov = |f: fn(&score::Score) -> bool| {
        rows.iter().filter(|r| f(r.score.as_ref().unwrap())).count() as f64 / mf
    };
    // Binomial tolerance, widened for the error of the forecast's own quantiles (n = 4000).
    let tol = |p: f64| 4.0 * ((p * (1.0 - p) / mf).sqrt() + (p * (1.0 - p) / 4000.0).sqrt());
    let (c50, c90) = (cov(|s| s.in_50), cov(|s| s.in_90));
    assert!((c50 - 0.5).abs() < tol(0.5), "50 %: {c50}");
    assert!((c90 - 0.9).abs() < tol(0.9), "90 %: {c90}");
    let pit: Vec<f64> = rows.iter().map(|r| r.score.unwrap().pit).collect();
    let mean = pit.iter().sum::<f64>() / mf;
    assert!(
        (mean - 0.5).abs() < 4.0 * (1.0 / 12.0 / mf).sqrt(),
        "mean PIT {mean}"
    );
}

#[test]
fn malformed_actuals_are_usage_errors_with_file_and_line_and_keep_earlier_output() {
    let dir = tempfile::tempdir().unwrap();
    let (scn, act) = example();
    let out = dir.path().join("out");
    backtest::run(&config(&scn, &act, &out)).unwrap();
    let before = read(&out.join("backtest.csv"));

    let cases = [
        (
            "region,indicator,year,source\n",
            "bad.csv:1: missing column `value`; the header needs region, indicator, year, value, source (optional: measure, quote, note, status)",
        ),
        (
            "region,indicator,year,value,source\nkaifeng,urban_new_jobs,2018,7.9\n",
            "bad.csv:2: expected 5 fields as in the header, found 4",
        ),
        (
            "# comment\nregion,indicator,year,value,source\n\nkaifeng,urban_new_jobs,2018,7.9x,s\n",
            "bad.csv:4: value `7.9x` is not a number",
        ),
        (
            "region,indicator,year,value,source\nkaifeng,new_jobs,2018,7.9,s\n",
            "bad.csv:2: unknown indicator `new_jobs`; valid: urban_new_jobs, rural_transfer_new, return_entrepreneurs, rural_transfer_stock, surveyed_unemployment_rate, registered_unemployment_rate, gdp_growth",
        ),
        (
            "region,indicator,year,value,source\nkaifeng,urban_new_jobs,2018,7.9,s\n\"kaifeng\",urban_new_jobs,2018,8.1,t\n",
            "bad.csv:3: duplicate observation: kaifeng urban_new_jobs annual 2018 is already on line 2",
        ),
    ];
    for (content, message) in cases {
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, content).unwrap();
        let e = backtest::run(&config(&scn, &bad, &out)).unwrap_err();
        let shown = e
            .to_string()
            .replace(&format!("{}/", dir.path().display()), "");
        assert_eq!(shown, message);
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            read(&out.join("backtest.csv")),
            before,
            "earlier output untouched"
        );
    }
    let e = backtest::run(&config(&scn, &dir.path().join("missing.csv"), &out)).unwrap_err();
    assert!(
        e.to_string().starts_with("cannot read actuals file "),
        "{e}"
    );
    assert_eq!(e.exit_code(), 2);

    let mut cfg = config(&scn, &act, &out);
    cfg.sim.paths = Some(0);
    let e = backtest::run(&cfg).unwrap_err();
    assert_eq!(
        (e.to_string().as_str(), e.exit_code()),
        ("--paths must be at least 1", 2)
    );
}

#[test]
fn outputs_do_not_depend_on_the_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (scn, act) = example();
    let mut a = config(&scn, &act, &dir.path().join("a"));
    a.sim.threads = Some(1);
    a.no_charts = false;
    let mut b = config(&scn, &act, &dir.path().join("b"));
    b.sim.threads = Some(2);
    b.no_charts = false;
    let oa = backtest::run(&a).unwrap();
    backtest::run(&b).unwrap();
    for f in oa.files.iter().filter(|f| *f != "manifest.json") {
        let x = std::fs::read(dir.path().join("a").join(f)).unwrap();
        let y = std::fs::read(dir.path().join("b").join(f)).unwrap();
        assert!(x == y, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn in_sample_is_an_explicit_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let (scn, _) = example();
    let off = variant(
        dir.path(),
        &scn,
        "off.toml",
        "end_year = 2020\nin_sample = true",
        "end_year = 2020\nin_sample = false",
    );
    let e = Scenario::from_file(&off).unwrap_err().to_string();
    let e = e.replace(&format!("{}/", dir.path().display()), "");
    // Every baseline ends after the base year: the first two are shown in full, the
    // other 15 listed by key.
    assert!(
        e.starts_with("17 problems in off.toml\n\nerror: regions.henan.baselines.urban_new_jobs: a baseline must lie before the projection: it ends in 2020, after horizon.base_year 2015\n  --> off.toml:91:1\n"),
        "{e}"
    );
    assert!(e.contains("error: the same problem at 15 more keys:\n  regions.henan.baselines.return_entrepreneurs (off.toml:106:1)\n"), "{e}");
    let short = variant(
        dir.path(),
        &scn,
        "short.toml",
        "end_year = 2020",
        "end_year = 2019",
    );
    let short = variant(
        dir.path(),
        &short,
        "short.toml",
        "values = { 2016 = 6.0, 2017 = 6.0, 2018 = 6.0, 2019 = 6.0, 2020 = 6.0 }",
        "values = { 2016 = 6.0, 2017 = 6.0, 2018 = 6.0, 2019 = 6.0 }",
    );
    let e = Scenario::from_file(&short).unwrap_err().to_string();
    let e = e.replace(&format!("{}/", dir.path().display()), "");
    assert!(
        e.starts_with("17 problems in short.toml\n\nerror: regions.henan.baselines.urban_new_jobs: an in-sample baseline must end by horizon.end_year 2019, it ends in 2020\n"),
        "{e}"
    );
    // The shipped forecasts are not in-sample.
    for name in SHIPPED_SCENARIOS {
        let s = Scenario::from_file(&shipped(&format!("{name}.toml"))).unwrap();
        assert!(!s.in_sample, "{name}");
    }
}

/// A copy of `shaoyang-baseline.toml`, whose urban-jobs baseline gives the 2020 flow as its
/// `single_year`.
fn shaoyang_with_single_year(dir: &Path) -> PathBuf {
    let path = dir.join("shaoyang.toml");
    std::fs::copy(shipped("shaoyang-baseline.toml"), &path).unwrap();
    path
}

#[test]
fn single_year_figures_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let ok = shaoyang_with_single_year(dir.path());
    let scn = Scenario::from_file(&ok).unwrap();
    let b = &scn.regions[0].baselines[0];
    let f = b.single_year.as_ref().unwrap();
    assert_eq!((f.year, f.value), (2020, 4.72));
    assert!(matches!(f.provenance, Provenance::Plan { .. }));

    let cases = [
        (
            "year = 2020, value = 4.72",
            "year = 2021, value = 4.72",
            "regions.shaoyang.baselines.urban_new_jobs.single_year.year: 2021 is outside the baseline's period 2016-2020",
        ),
        (
            "year = 2020, value = 4.72",
            "year = 2020, value = 0",
            "regions.shaoyang.baselines.urban_new_jobs.single_year.value: must lie in (0, 100000] (万人), got 0",
        ),
        (
            ", source = \"004_7c121f2adea77f47\", quote = \"1.城镇新增就业人数(万人) 4.72[>23.5]\" }",
            " }",
            "regions.shaoyang.baselines.urban_new_jobs.single_year: has no provenance: give `source` and `quote` (a plan figure) or `assumption` (a modelling assumption with its rationale)",
        ),
    ];
    for (old, new, msg) in cases {
        let bad = variant(dir.path(), &ok, "bad.toml", old, new);
        let e = Scenario::from_file(&bad).unwrap_err().to_string();
        let e = e.replace(&format!("{}/", dir.path().display()), "");
        assert_eq!(e.lines().next(), Some(msg), "{e}");
        assert!(e.contains("  --> bad.toml:59:"), "{e}");
    }
}

#[test]
fn an_observation_given_as_a_single_year_figure_is_flagged_as_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let (scn, act) = example();
    let with = variant(
        dir.path(),
        &scn,
        "with.toml",
        "quote = \"“十三五”期间,全市实现城镇新增就业22.43万人\"\n",
        "quote = \"“十三五”期间,全市实现城镇新增就业22.43万人\"\n\
         single_year = { year = 2020, value = 4.72, source = \"004_7c121f2adea77f47\", quote = \"1.城镇新增就业人数(万人) 4.72[>23.5]\" }\n",
    );
    let o = backtest::run(&config(&with, &act, &dir.path().join("out"))).unwrap();
    assert!(o.rows.iter().all(|r| !r.is_independent()));
    assert_eq!(o.summary.last().unwrap().n_baseline, 15);
    assert!(
        o.summary_text()
            .contains("Summary: no independent observation to summarise")
    );
}

#[test]
fn calibration_reproduces_shaoyangs_trend_and_henans_residuals() {
    let dir = tempfile::tempdir().unwrap();
    let scn = Scenario::from_file(&shaoyang_with_single_year(dir.path())).unwrap();
    let c = calibrate::derive(&scn);
    let urban = &c.flows[0];
    assert_eq!(
        (urban.region.as_str(), urban.indicator),
        ("shaoyang", Indicator::UrbanNewJobs)
    );
    assert_eq!(urban.mid_year, 2018.0);
    assert!((urban.yearly_average - 4.486).abs() < 1e-12);
    assert!(
        (urban.level_window_end - 4.72).abs() < 1e-3,
        "{}",
        urban.level_window_end
    );
    let two = urban.two_figure.as_ref().unwrap();
    let tau = two.trend.unwrap();
    assert!((tau - 0.0258).abs() < 5e-5, "{tau}");
    assert!((two.scenario_trend - tau).abs() < 5e-5);
    assert!(
        c.text()
            .contains("two figures: the 2020 flow 4.72 [plan] with the total 22.43 ⇒ τ = 0.0258")
    );

    let henan = Scenario::from_file(&shipped("henan-baseline.toml")).unwrap();
    let c = calibrate::derive(&henan);
    assert_eq!(c.flows.len(), 12);
    assert_eq!(c.residuals.len(), 3);
    for r in &c.residuals {
        assert!(r.difference.abs() < 1e-9, "{r:?}");
        let (id, v) = r.residual.as_ref().unwrap();
        assert_eq!(id, "rest_of_henan");
        let own = r.parts.iter().find(|p| &p.0 == id).unwrap().1;
        assert!((v - own).abs() < 1e-9);
    }
    let shares: f64 = c.rate_weights.iter().map(|w| w.share).sum();
    assert!((shares - 1.0).abs() < 1e-12);
    assert!(c.rate_weights.iter().all(|w| w.equals_urban_jobs_total));
    // Defaults inherited by four regions are listed once.
    let trend = c
        .parameters
        .iter()
        .find(|p| p.origin == "indicators.urban_new_jobs.trend")
        .unwrap();
    assert_eq!(trend.used_by, 4);
}

#[test]
fn the_approximate_spread_matches_the_simulation() {
    let henan = Scenario::from_file(&shipped("henan-baseline.toml")).unwrap();
    let c = calibrate::derive(&henan);
    let sim = engine::simulate(&henan, 8000, 3, &[]);
    for f in c.flows.iter().filter(|f| f.region == "kaifeng") {
        let r = henan.regions.iter().position(|r| r.id == f.region).unwrap();
        let s = henan.series_index(r, f.indicator).unwrap();
        let logs: Vec<f64> = sim.across_paths(s, 0).iter().map(|x| x.ln()).collect();
        let (mean, sd) = stats::mean_sd(&logs);
        assert!(
            (sd / f.log_sd_first_projection - 1.0).abs() < 0.06,
            "{}: simulated sd {sd}, approximation {}",
            f.indicator,
            f.log_sd_first_projection
        );
        // The median of J(2021) is near the trend line (the noise is mean-one in J).
        let centre = f.level_first_projection.ln();
        assert!(
            (mean - centre).abs() < 0.02,
            "{}: {mean} vs {centre}",
            f.indicator
        );
    }
}

#[test]
fn the_examples_plan_figures_are_quoted_from_their_sources_and_predate_2021() {
    let Some(seeds) = support::shared("seeds") else {
        return;
    };
    let (scn_path, act) = example();
    let scn = Scenario::from_file(&scn_path).unwrap();
    let mut checked = 0;
    for r in &scn.regions {
        for b in &r.baselines {
            assert!(b.last_year <= 2020, "{} {}", r.id, b.indicator);
            if let Provenance::Plan { source, quote } = &b.provenance {
                check_quote(
                    &seeds,
                    &format!("{} baseline {}", r.id, b.indicator),
                    source,
                    quote,
                );
                checked += 1;
            }
        }
    }
    for p in &scn.params {
        if let Provenance::Plan { source, quote } = &p.provenance {
            check_quote(&seeds, &p.name, source, quote);
            checked += 1;
        }
    }
    let obs = actuals::read(&act).unwrap();
    for o in &obs.observations {
        assert!(
            o.period.last() <= 2020,
            "line {}: figures after 2020 are not plan figures",
            o.line
        );
        check_quote(
            &seeds,
            &format!("actuals line {}", o.line),
            &o.source,
            &o.quote,
        );
        // The value itself appears in its quote.
        assert!(
            squash(&o.quote).contains(&o.value.to_string()),
            "line {}: {} not in “{}”",
            o.line,
            o.value,
            o.quote
        );
        checked += 1;
    }
    // 14 plan baselines (Henan's 12 and Shaoyang's 2; the rest of Henan's 3 residuals are
    // assumptions) + 16 actuals.
    assert_eq!(checked, 14 + 16);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn scores_are_consistent(xs in prop::collection::vec(-100.0f64..100.0, 1..60), y in -150.0f64..150.0) {
        let sorted = stats::sorted(&xs);
        let s = score::score(&sorted, y);
        prop_assert!(s.pit > 0.0 && s.pit < 1.0);
        prop_assert!(!s.in_50 || s.in_90, "the 50 % band is inside the 90 % band");
        prop_assert!(s.crps >= -1e-9);
        prop_assert!(s.interval_score_50 >= s.p75 - s.p25 - 1e-9);
        prop_assert!(s.interval_score_90 >= s.p95 - s.p05 - 1e-9);
        prop_assert!(s.p05 <= s.p25 && s.p25 <= s.median && s.median <= s.p75 && s.p75 <= s.p95);
        // CRPS ≤ E|X − y|, with equality for a point mass.
        let mae = xs.iter().map(|x| (x - y).abs()).sum::<f64>() / xs.len() as f64;
        prop_assert!(s.crps <= mae + 1e-9);
    }
}
