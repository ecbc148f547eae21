//! Conditioning on observations: simulation-based calibration of the sampler, its
//! determinism whatever the thread count, and observed years counting as fact.
//!
//! Simulation-based calibration (Talts et al. 2018): draw a truth from the model (the
//! parameters and path of an unconditioned run), publish figures of it with the
//! measurement model's errors (a two-part mixture: mostly 2 % or 0.1 points, one in twenty
//! off by a factor e or 2 points), condition on them, and check that the posterior
//! intervals cover the truth at their nominal rates. Coverage over R replicates is a
//! binomial count: the tolerance is 3 standard errors √(p(1 − p)/R).

use empsim::engine::simulate;
use empsim::indicator::Indicator;
use empsim::scenario::Scenario;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::Path;

const SCENARIO: &str = r#"
name = "sbc"
[horizon]
base_year = 2020
end_year = 2025
[monte_carlo]
paths = 400
seed = 1
[growth]
reference = { value = 6.0, assumption = "test" }
ar = { dist = "uniform", low = 0.2, high = 0.6, assumption = "test" }
noise_sd = { dist = "uniform", low = 0.5, high = 1.5, assumption = "test" }
[growth.path]
values = { 2021 = 6.0, 2022 = 5.0, 2023 = 6.0, 2024 = 6.0, 2025 = 6.0 }
assumption = "test"
[unemployment]
okun = { dist = "uniform", low = 0.05, high = 0.3, assumption = "test" }
adjustment = { dist = "uniform", low = 0.2, high = 0.6, assumption = "test" }
noise_sd = { dist = "uniform", low = 0.1, high = 0.3, assumption = "test" }
initial = { dist = "uniform", low = 4.5, high = 5.5, assumption = "test" }
natural_rate = { dist = "uniform", low = 4.5, high = 5.5, assumption = "test" }
registered_gap = { dist = "uniform", low = 1.0, high = 2.5, assumption = "test" }
floor = 0.0
ceiling = 100.0
[indicators.urban_new_jobs]
trend = { dist = "normal", mean = -0.02, sd = 0.03, assumption = "test" }
elasticity = { dist = "uniform", low = 0.0, high = 0.1, assumption = "test" }
noise_sd = { dist = "uniform", low = 0.03, high = 0.1, assumption = "test" }
[correlation]
common = 0.5
assumption = "test"
[sources.test]
title = "test document"
[regions.p]
name_zh = "省"
name_en = "Province"
level = "province"
[regions.p.baselines.urban_new_jobs]
value = 65.0
kind = "cumulative"
period = "2016-2020"
source = "test"
quote = "test"
[regions.a]
name_zh = "甲"
name_en = "A"
level = "city"
parent = "p"
rate_weight = { value = 1.0, assumption = "test" }
[regions.a.baselines.urban_new_jobs]
value = 40.0
kind = "cumulative"
period = "2016-2020"
source = "test"
quote = "test"
[regions.a.unemployment]
[regions.b]
name_zh = "乙"
name_en = "B"
level = "city"
parent = "p"
rate_weight = { value = 1.0, assumption = "test" }
[regions.b.baselines.urban_new_jobs]
value = 25.0
kind = "cumulative"
period = "2016-2020"
source = "test"
quote = "test"
[regions.b.unemployment]
"#;

/// The figures published of each truth: (region, indicator, year).
const PUBLISHED: [(&str, Indicator, i32); 7] = [
    ("p", Indicator::UrbanNewJobs, 2021),
    ("p", Indicator::UrbanNewJobs, 2023),
    ("a", Indicator::UrbanNewJobs, 2021),
    ("a", Indicator::UrbanNewJobs, 2022),
    ("a", Indicator::UrbanNewJobs, 2023),
    ("b", Indicator::RegisteredUnemploymentRate, 2021),
    ("b", Indicator::RegisteredUnemploymentRate, 2023),
];

/// The quantities whose coverage is checked: (region, indicator, year): B's jobs in 2022
/// (unpublished, pinned down by the province's and A's figures only through the model),
/// the province's jobs in 2025 (the projection), B's surveyed rate in 2022 (published only
/// as the registered rate of other years).
const CHECKED: [(&str, Indicator, i32); 3] = [
    ("b", Indicator::UrbanNewJobs, 2022),
    ("p", Indicator::UrbanNewJobs, 2025),
    ("b", Indicator::SurveyedUnemploymentRate, 2022),
];

fn load(dir: &Path, obs: Option<&Path>) -> Scenario {
    let path = dir.join("sbc.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let extra: Vec<_> = obs.into_iter().map(Path::to_path_buf).collect();
    Scenario::from_file_observed(&path, &extra).unwrap_or_else(|e| panic!("{e}"))
}

fn series(scn: &Scenario, region: &str, ind: Indicator) -> usize {
    let r = scn.regions.iter().position(|x| x.id == region).unwrap();
    scn.series_index(r, ind).unwrap()
}

/// A published figure of true value `x`: the measurement model's mixture for final
/// figures (empsim's defaults).
fn publish(x: f64, rate: bool, rng: &mut Xoshiro256PlusPlus) -> f64 {
    let outlier = rng.random::<f64>() < 0.05;
    let z: f64 = StandardNormal.sample(rng);
    match (rate, outlier) {
        (false, false) => x * (0.02 * z).exp(),
        (false, true) => x * z.exp(),
        (true, false) => x + 0.1 * z,
        // A published rate is never negative (the parser refuses one): the wide part is
        // cut at zero, which a truth near 3 % with sd 2 reaches once in a thousand figures.
        (true, true) => (x + 2.0 * z).max(0.0),
    }
}

fn quantile(xs: &mut [f64], q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let h = (xs.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(xs.len() - 1);
    xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
}

#[test]
fn posterior_intervals_cover_the_truth_at_their_nominal_rates() {
    const R: usize = 200;
    const N: usize = 400;
    let dir = tempfile::tempdir().unwrap();
    let plain = load(dir.path(), None);
    let truths = simulate(&plain, R, 99, &[]);
    let prior = simulate(&plain, N, 11, &[]);
    let year_index = |y: i32| (y - plain.base_year - 1) as usize;
    let levels = [0.5, 0.9];
    let mut hits = [[0usize; 2]; CHECKED.len()];
    // Mean 90 % interval widths, posterior and prior.
    let mut width = [(0.0, 0.0); CHECKED.len()];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    for r in 0..R {
        let mut csv = String::from("region,indicator,year,value,source\n");
        for (region, ind, year) in PUBLISHED {
            let x = truths.path_series(r, series(&plain, region, ind))[year_index(year)];
            let y = publish(x, ind == Indicator::RegisteredUnemploymentRate, &mut rng);
            csv += &format!("{region},{},{year},{y},synthetic\n", ind.key());
        }
        let obs = dir.path().join(format!("obs{r}.csv"));
        std::fs::write(&obs, csv).unwrap();
        let scn = load(dir.path(), Some(&obs));
        let post = simulate(&scn, N, 1000 + r as u64, &[]);
        let c = post.conditioning.as_ref().expect("conditioned");
        assert_eq!(c.stages.last().map(|s| s.phi), Some(1.0));
        for (q, &(region, ind, year)) in CHECKED.iter().enumerate() {
            let s = series(&scn, region, ind);
            let k = year_index(year);
            let truth = truths.path_series(r, s)[k];
            let mut xs: Vec<f64> = (0..N).map(|p| post.path_series(p, s)[k]).collect();
            let mut ps: Vec<f64> = (0..N).map(|p| prior.path_series(p, s)[k]).collect();
            for (l, level) in levels.iter().enumerate() {
                let lo = quantile(&mut xs, 0.5 - level / 2.0);
                let hi = quantile(&mut xs, 0.5 + level / 2.0);
                hits[q][l] += usize::from(lo <= truth && truth <= hi);
            }
            width[q].0 += quantile(&mut xs, 0.95) - quantile(&mut xs, 0.05);
            width[q].1 += quantile(&mut ps, 0.95) - quantile(&mut ps, 0.05);
        }
    }
    let mut report = String::new();
    let mut failed = false;
    for (q, (region, ind, year)) in CHECKED.iter().enumerate() {
        for (l, level) in levels.iter().enumerate() {
            let cover = hits[q][l] as f64 / R as f64;
            let tol = 3.0 * (level * (1.0 - level) / R as f64).sqrt();
            let ok = (cover - level).abs() <= tol;
            failed |= !ok;
            report += &format!(
                "{region} {ind} {year}: {:.0} % interval covers {cover:.3} (tolerance ±{tol:.3}){}\n",
                level * 100.0,
                if ok { "" } else { "  <-- FAIL" }
            );
        }
    }
    assert!(!failed, "{report}");
    // Conditioning must also inform: B's unpublished 2022 value is tied to the province's
    // and A's figures, so its 90 % interval is much narrower than the prior's.
    let (post_w, prior_w) = width[0];
    assert!(
        post_w < 0.8 * prior_w,
        "posterior width {post_w} vs prior {prior_w}\n{report}"
    );
}

/// ln of the measurement mixture of a rate residual (empsim's defaults), up to a constant.
fn rate_mixture(x: f64) -> f64 {
    let ln_n = |x: f64, sd: f64| -0.5 * (x / sd).powi(2) - sd.ln();
    let a = 0.95f64.ln() + ln_n(x, 0.1);
    let b = 0.05f64.ln() + ln_n(x, 2.0);
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

#[test]
fn the_sampler_agrees_with_importance_sampling_from_the_prior() {
    // Two registered rates of B: a posterior that importance sampling of many unconditioned
    // paths computes directly. The sampler's quantiles must agree within a tenth of the
    // 90 % interval (Monte Carlo error of both at these sizes is a few hundredths).
    let dir = tempfile::tempdir().unwrap();
    let plain = load(dir.path(), None);
    let big = 100_000;
    let prior = simulate(&plain, big, 123, &[]);
    let rb = series(&plain, "b", Indicator::RegisteredUnemploymentRate);
    let checked = [
        series(&plain, "b", Indicator::SurveyedUnemploymentRate),
        series(&plain, "a", Indicator::UrbanNewJobs),
    ];
    for (y1, y3) in [(3.0, 4.2), (4.0, 3.0)] {
        let lw: Vec<f64> = (0..big)
            .map(|p| {
                let r = prior.path_series(p, rb);
                rate_mixture(y1 - r[0]) + rate_mixture(y3 - r[2])
            })
            .collect();
        let m = lw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = lw.iter().map(|l| (l - m).exp()).collect();
        let total: f64 = w.iter().sum();
        let obs = dir.path().join("o.csv");
        std::fs::write(
            &obs,
            format!(
                "region,indicator,year,value,source\n\
                 b,registered_unemployment_rate,2021,{y1},t\n\
                 b,registered_unemployment_rate,2023,{y3},t\n"
            ),
        )
        .unwrap();
        let scn = load(dir.path(), Some(&obs));
        let n = 2000;
        let post = simulate(&scn, n, 5, &[]);
        for &s in &checked {
            for k in [1, 4] {
                let mut idx: Vec<usize> = (0..big).collect();
                let v = |p: usize| prior.path_series(p, s)[k];
                idx.sort_by(|&a, &b| v(a).total_cmp(&v(b)));
                let is_q = |q: f64| {
                    let mut c = 0.0;
                    idx.iter()
                        .find(|&&i| {
                            c += w[i] / total;
                            c >= q
                        })
                        .map_or(f64::NAN, |&i| v(i))
                };
                let mut xs: Vec<f64> = (0..n).map(|p| post.path_series(p, s)[k]).collect();
                let tol = 0.1 * (is_q(0.95) - is_q(0.05));
                for q in [0.05, 0.5, 0.95] {
                    let (a, b) = (is_q(q), quantile(&mut xs, q));
                    assert!(
                        (a - b).abs() <= tol,
                        "data {y1}, {y3}: series {s} year {k} quantile {q}: importance sampling {a}, sampler {b}, tolerance {tol}"
                    );
                }
            }
        }
    }
}

#[test]
fn conditioned_runs_do_not_depend_on_the_thread_count_and_observed_years_count_as_fact() {
    let dir = tempfile::tempdir().unwrap();
    let obs = dir.path().join("obs.csv");
    std::fs::write(
        &obs,
        "region,indicator,year,value,source\n\
         p,urban_new_jobs,2021,13.1,test\n\
         a,urban_new_jobs,2022,7.7,test\n\
         b,registered_unemployment_rate,2021,3.4,test\n",
    )
    .unwrap();
    let scn = load(dir.path(), Some(&obs));
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| simulate(&scn, 300, 5, &[]))
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
    let s = series(&scn, "p", Indicator::UrbanNewJobs);
    let a = series(&scn, "a", Indicator::UrbanNewJobs);
    for p in 0..300 {
        assert_eq!(one.path_series(p, s)[0], 13.1);
        assert_eq!(one.path_series(p, a)[1], 7.7);
    }
    // Unobserved years vary from path to path.
    let later: Vec<f64> = (0..300).map(|p| one.path_series(p, s)[4]).collect();
    assert!(later.iter().any(|&v| v != later[0]));
}

#[test]
fn a_target_in_progress_counts_published_years_as_fact_and_needs_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let obs = dir.path().join("obs.csv");
    std::fs::write(
        &obs,
        "region,indicator,year,value,source\n\
         p,urban_new_jobs,2021,13.0,test\n\
         p,urban_new_jobs,2023,12.0,test\n",
    )
    .unwrap();
    let path = dir.path().join("sbc.toml");
    std::fs::write(
        &path,
        format!(
            "{SCENARIO}\n[[regions.p.targets]]\nindicator = \"urban_new_jobs\"\n\
             kind = \"cumulative_floor\"\nperiod = \"2021-2025\"\nvalue = 60.0\n\
             nature = \"expected\"\nsource = \"test\"\nquote = \"test\"\n"
        ),
    )
    .unwrap();
    let scn = Scenario::from_file_observed(&path, &[obs]).unwrap_or_else(|e| panic!("{e}"));
    let n = 500;
    let sim = simulate(&scn, n, 3, &[]);
    let r = empsim::stats::evaluate_targets(&scn, &sim, &[0.5, 0.8]);
    let p = r[0]
        .progress
        .as_ref()
        .expect("the period has published years");
    assert_eq!(p.observed_years, vec![2021, 2023]);
    assert_eq!(p.achieved, 25.0);
    assert_eq!(p.remaining, Some(35.0));
    assert_eq!(p.remaining_years, 3);
    assert_eq!(p.pace_so_far, 12.5);
    assert!((p.required_pace.unwrap() - 35.0 / 3.0).abs() < 1e-12);
    // P(met) is the share of paths whose unpublished years add up to what remains.
    let s = series(&scn, "p", Indicator::UrbanNewJobs);
    let met = (0..n)
        .filter(|&i| {
            let v = sim.path_series(i, s);
            v[1] + v[3] + v[4] >= 35.0
        })
        .count();
    assert_eq!(r[0].p_met, met as f64 / n as f64);
}

#[test]
fn backtest_scores_later_figures_and_marks_conditioned_ones_in_sample() {
    // Condition Henan's baseline on the figures to 2021, backtest against the whole file:
    // the 2021 figures are in-sample, the 2023 ones are scored as forecasts.
    let dir = crate::support::workdir();
    let all =
        std::fs::read_to_string(dir.path().join("observed/henan-shaoyang-2016-2023.csv")).unwrap();
    let early: String = all
        .lines()
        .filter(|l| !l.contains(",2022,") && !l.contains(",2023,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("to-2021.csv"), early).unwrap();
    let o = crate::support::command(
        [
            "backtest",
            "henan-baseline.toml",
            "--observations",
            "to-2021.csv",
            "--actuals",
            "observed/henan-shaoyang-2016-2023.csv",
            "--paths",
            "200",
            "--out",
            "bt",
        ],
        dir.path(),
    )
    .output()
    .unwrap();
    crate::support::assert_success(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    // Conditioned on: 2021's jobs, transfers and entrepreneurs of Henan, jobs and transfers
    // of Xinxiang (the baseline projects no registered rate); scored: Henan's 2023 jobs,
    // transfers and entrepreneurs.
    assert!(
        text.contains(
            "26 observations: 3 independent, 0 the scenario's own baselines, 5 conditioned on"
        ),
        "{text}"
    );
    let csv = std::fs::read_to_string(dir.path().join("bt/backtest.csv")).unwrap();
    let conditioned = csv.lines().filter(|l| l.contains(",conditioned,")).count();
    assert_eq!(conditioned, 5, "{csv}");
}

#[test]
fn the_mid_term_review_writes_what_each_figure_did_and_the_targets_in_progress() {
    let dir = crate::support::workdir();
    let o = crate::support::empsim(
        &[
            "run",
            "henan-midterm.toml",
            "--paths",
            "300",
            "--no-charts",
            "--out",
            "mt",
        ],
        dir.path(),
    );
    crate::support::assert_success(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("conditioned on 22 figures and 7 growth figures of 1 file(s), last observed year 2023; 10 left aside"), "{text}");
    let out = dir.path().join("mt");
    let mut rd = csv::Reader::from_path(out.join("observations.csv")).unwrap();
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let used = |u: &str| rows.iter().filter(|r| &r[col("used")] == u).count();
    assert_eq!(
        (used("conditioned"), used("growth_path"), used("skipped")),
        (22, 7, 10)
    );
    // Xinxiang's 2021 rural transfers (4.3 after 1.88: a likely coverage break) are read
    // as an outlier; its 2021 new urban jobs are not.
    let find = |ind: &str| {
        rows.iter()
            .find(|r| {
                &r[col("region")] == "xinxiang"
                    && &r[col("indicator")] == ind
                    && &r[col("year")] == "2021"
            })
            .unwrap()
    };
    let p_out = |r: &csv::StringRecord| r[col("p_outlier")].parse::<f64>().unwrap();
    assert!(p_out(find("rural_transfer_new")) > 0.9);
    assert!(p_out(find("urban_new_jobs")) < 0.1);
    assert_eq!(&find("rural_transfer_new")[col("status")], "preliminary");
    // The province's stock is not modelled: skipped with the reason.
    assert!(
        rows.iter()
            .any(|r| &r[col("indicator")] == "rural_transfer_stock"
                && r[col("reason")].contains("does not project rural_transfer_stock"))
    );
    let targets = std::fs::read_to_string(out.join("targets.csv")).unwrap();
    assert!(
        targets.lines().next().unwrap().contains(
            "observed_years,achieved,remaining,remaining_years,pace_so_far,required_pace"
        )
    );
    assert!(targets.contains("henan.urban_new_jobs.cumulative_floor"));
    assert!(
        targets.contains(",2021;2023,244.7100,305.2900,3,122.3550,101.7633,"),
        "{targets}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(
        "<h3><span lang=\"zh-CN\">进行中的目标</span> <span class=\"en\">Targets in progress</span></h3>"
    ));
    let params = std::fs::read_to_string(out.join("parameters.csv")).unwrap();
    assert!(
        params
            .lines()
            .next()
            .unwrap()
            .ends_with("posterior_p05,posterior_p50,posterior_p95")
    );
}
