//! Statistical tests against analytic answers: with every source of randomness off but
//! one normal term, the simulated means, quantiles and P(met) must match the closed form
//! within tolerances derived from the number of paths.
//!
//! Tolerances: 4 standard errors, where the standard error of a sample mean is σ/√n and
//! that of a sample p-quantile is √(p(1−p)/n)/f(x_p) (asymptotic normality of sample
//! quantiles), and that of a proportion √(p(1−p)/n). A correct engine fails one of these
//! checks with probability about 6e-5 each, and the seeds are fixed.

use empsim::engine::simulate;
use empsim::stats::{LEVEL_PROBS, Measure, PROBS, evaluate_targets, summarize};
use empsim::{Indicator, Scenario};
use std::path::Path;

/// Φ⁻¹ at PROBS (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95).
const Z: [f64; 7] = [
    -1.6448536269514722,
    -1.2815515655446004,
    -0.6744897501960817,
    0.0,
    0.6744897501960817,
    1.2815515655446004,
    1.6448536269514722,
];

fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Φ by the Abramowitz-Stegun 7.1.26 erf approximation (|error| < 1.5e-7).
fn big_phi(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.3275911 * z.abs());
    let y = 1.0
        - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
            + 0.254829592)
            * t
            * (-z * z).exp();
    let erf = if z >= 0.0 { y } else { -y };
    0.5 * (1.0 + erf)
}

const HEADER: &str = r#"
name = "analytic"
[horizon]
base_year = 2020
end_year = 2025
[monte_carlo]
paths = 40000
seed = 99
[growth]
reference = { value = 6.0, assumption = "test" }
ar = { value = 0.0, assumption = "test" }
noise_sd = { value = 0.0, assumption = "test: growth noise off" }
[growth.path]
values = { 2021 = 6.0, 2022 = 6.0, 2023 = 6.0, 2024 = 6.0, 2025 = 6.0 }
assumption = "test: no growth gap"
[unemployment]
okun = { value = 0.2, assumption = "test (no gap, so no effect)" }
floor = 0.0
ceiling = 100.0
"#;

fn scenario(body: &str) -> (tempfile::TempDir, Scenario) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("analytic.toml");
    std::fs::write(
        &p,
        format!("{HEADER}\n{body}\n[sources.test]\ntitle = \"test document\"\n"),
    )
    .unwrap();
    let s = Scenario::from_file(Path::new(&p)).unwrap_or_else(|e| panic!("{e}"));
    (dir, s)
}

#[test]
fn unemployment_random_walk_matches_the_normal_quantiles_and_cap_probability() {
    // adjustment 0, no growth gap: u(t) = u(t−1) + σ·η, so u in year k ~ N(u0, kσ²).
    let (_d, scn) = scenario(
        r#"
adjustment = { value = 0.0, assumption = "test" }
noise_sd = { value = 0.2, assumption = "test: the one normal term" }
[regions.r]
name_zh = "测试"
name_en = "Test"
level = "city"
[regions.r.unemployment]
initial = { value = 5.0, assumption = "test" }
natural_rate = { value = 5.0, assumption = "test" }
[[regions.r.targets]]
indicator = "surveyed_unemployment_rate"
kind = "level_cap"
applies = "end"
period = "2025"
value = 5.5
nature = "expected"
source = "test"
quote = "test"
"#,
    );
    let n = scn.paths;
    let sim = simulate(&scn, n, scn.seed, &[]);
    let rows = summarize(&scn, &sim);
    let s = scn
        .series_index(0, Indicator::SurveyedUnemploymentRate)
        .unwrap();
    for row in rows.iter().filter(|r| r.series == s) {
        let k = f64::from(row.year - 2020);
        let sd = 0.2 * k.sqrt();
        let se_mean = sd / (n as f64).sqrt();
        assert!((row.mean - 5.0).abs() < 4.0 * se_mean, "{row:?}");
        // The sample sd of a normal has standard error ≈ sd/√(2n).
        assert!(
            (row.sd - sd).abs() < 4.0 * sd / (2.0 * n as f64).sqrt(),
            "{row:?}"
        );
        for (i, &p) in PROBS.iter().enumerate() {
            let exact = 5.0 + sd * Z[i];
            let se = (p * (1.0 - p) / n as f64).sqrt() / (phi(Z[i]) / sd);
            assert!(
                (row.q[i] - exact).abs() < 4.0 * se,
                "year {} p{p}: {} vs {exact} (se {se})",
                row.year,
                row.q[i]
            );
        }
    }
    let t = &evaluate_targets(&scn, &sim, &LEVEL_PROBS)[0];
    let exact = big_phi(0.5 / (0.2 * 5f64.sqrt()));
    let se = (exact * (1.0 - exact) / n as f64).sqrt();
    assert!((t.p_met - exact).abs() < 4.0 * se, "{} vs {exact}", t.p_met);
    assert!((t.p_met_se - se).abs() < 0.1 * se);
}

#[test]
fn parameter_uncertainty_alone_gives_the_parameter_distribution() {
    // The 2020 rate is drawn once per path ~ N(5, 0.3²); no yearly noise, no pull to the
    // natural rate: every year's rate is that draw.
    let (_d, scn) = scenario(
        r#"
adjustment = { value = 0.0, assumption = "test" }
noise_sd = { value = 0.0, assumption = "test" }
[regions.r]
name_zh = "测试"
name_en = "Test"
level = "city"
[regions.r.unemployment]
initial = { dist = "normal", mean = 5.0, sd = 0.3, assumption = "test: the one normal term" }
natural_rate = { value = 5.0, assumption = "test" }
"#,
    );
    let n = scn.paths;
    let sim = simulate(&scn, n, scn.seed, &[]);
    for row in summarize(&scn, &sim) {
        for (i, &p) in PROBS.iter().enumerate() {
            let exact = 5.0 + 0.3 * Z[i];
            let se = (p * (1.0 - p) / n as f64).sqrt() / (phi(Z[i]) / 0.3);
            assert!((row.q[i] - exact).abs() < 4.0 * se);
        }
        // Same draw every year: the five years of a path are identical.
    }
    for p in 0..100 {
        let v = sim.path_series(p, 0);
        assert!(v.iter().all(|x| *x == v[0]));
    }
}

#[test]
fn flow_noise_is_lognormal_with_mean_on_the_trend_line() {
    // trend 0, elasticity 0, log-noise σ: J(t) = A·exp(σ·η − σ²/2), E J = A = total/5.
    let (_d, scn) = scenario(
        r#"
adjustment = { value = 0.0, assumption = "test" }
noise_sd = { value = 0.0, assumption = "test" }
[regions.r]
name_zh = "测试"
name_en = "Test"
level = "city"
[regions.r.baselines.urban_new_jobs]
value = 40.0
kind = "cumulative"
period = "2016-2020"
source = "test"
quote = "test"
[regions.r.params.urban_new_jobs]
trend = { value = 0.0, assumption = "test" }
elasticity = { value = 0.0, assumption = "test" }
noise_sd = { value = 0.1, assumption = "test: the one normal term" }
"#,
    );
    let n = scn.paths;
    let sigma: f64 = 0.1;
    let sim = simulate(&scn, n, scn.seed, &[]);
    let rows = summarize(&scn, &sim);
    let sd_j = 8.0 * ((sigma * sigma).exp() - 1.0).sqrt();
    for row in rows.iter().filter(|r| r.measure == Measure::Annual) {
        assert!(
            (row.mean - 8.0).abs() < 4.0 * sd_j / (n as f64).sqrt(),
            "{row:?}"
        );
        for (i, &p) in PROBS.iter().enumerate() {
            let exact = 8.0 * (-sigma * sigma / 2.0 + sigma * Z[i]).exp();
            let density = phi(Z[i]) / (sigma * exact);
            let se = (p * (1.0 - p) / n as f64).sqrt() / density;
            assert!((row.q[i] - exact).abs() < 4.0 * se, "{row:?}");
        }
    }
    // The cumulative sum over k independent years has mean 8k and sd sd_j·√k.
    for row in rows.iter().filter(|r| r.measure == Measure::Cumulative) {
        let k = f64::from(row.year - 2020);
        let se = sd_j * k.sqrt() / (n as f64).sqrt();
        assert!((row.mean - 8.0 * k).abs() < 4.0 * se, "{row:?}");
    }
}

/// A target on region r's unemployment rate over 2021-2025.
fn rate_target(kind: &str, applies: &str, value: f64, tolerance: Option<f64>) -> String {
    let tol = tolerance
        .map(|t| format!("tolerance = {t}\n"))
        .unwrap_or_default();
    format!(
        "[[regions.r.targets]]\nindicator = \"surveyed_unemployment_rate\"\nkind = \"{kind}\"\n\
applies = \"{applies}\"\n{tol}period = \"2021-2025\"\nvalue = {value}\nnature = \"expected\"\n\
source = \"test\"\nquote = \"test\"\n"
    )
}

#[test]
fn each_year_and_average_readings_of_a_level_target_on_a_known_path() {
    // No noise, no growth gap: u(t) = u(t−1) + 0.5 (5 − u(t−1)) from 6, on every path:
    // 5.5, 5.25, 5.125, 5.0625, 5.03125; mean 5.19375.
    let mut body = r#"
adjustment = { value = 0.5, assumption = "test" }
noise_sd = { value = 0.0, assumption = "test: deterministic" }
[regions.r]
name_zh = "测试"
name_en = "Test"
level = "city"
[regions.r.unemployment]
initial = { value = 6.0, assumption = "test" }
natural_rate = { value = 5.0, assumption = "test" }
"#
    .to_string();
    // (kind, value, tolerance): each year breaks it, the average keeps it.
    let cases = [
        ("level_cap", 5.4, None),        // 5.5 in 2021 > 5.4; mean 5.19 ≤ 5.4
        ("level_floor", 5.1, None),      // 5.03 in 2025 < 5.1; mean 5.19 ≥ 5.1
        ("level_about", 5.2, Some(0.1)), // 5.5 is 0.3 away; mean 0.006 away
    ];
    for (kind, value, tol) in cases {
        body.push_str(&rate_target(kind, "each_year", value, tol));
        body.push_str(&rate_target(kind, "average", value, tol));
    }
    let (_d, scn) = scenario(&body);
    let sim = simulate(&scn, 50, scn.seed, &[]);
    assert_eq!(
        sim.path_series(7, 0),
        [5.5, 5.25, 5.125, 5.0625, 5.03125],
        "the known path"
    );
    let results = evaluate_targets(&scn, &sim, &LEVEL_PROBS);
    let mean = 25.96875 / 5.0;
    for (k, (kind, ..)) in cases.iter().enumerate() {
        let (each, avg) = (&results[2 * k], &results[2 * k + 1]);
        assert_eq!((each.p_met, avg.p_met), (0.0, 1.0), "{kind}");
        assert!((avg.outcome_p50 - mean).abs() < 1e-12, "{kind}");
        let extreme = [5.5, 5.03125, 5.5][k];
        assert_eq!(each.outcome_p50, extreme, "{kind}");
        // The glide path of the average reading judges the mean so far.
        let glide: Vec<f64> = avg.glide.iter().map(|g| g.1).collect();
        let expected = match *kind {
            "level_cap" => [0.0, 1.0, 1.0, 1.0, 1.0], // 5.5, 5.375, 5.29, 5.23, 5.19 vs ≤ 5.4
            "level_floor" => [1.0, 1.0, 1.0, 1.0, 1.0], // every mean so far ≥ 5.1
            _ => [0.0, 0.0, 1.0, 1.0, 1.0],           // 5.5, 5.375, 5.29 (≤ 5.3), …
        };
        assert_eq!(glide, expected, "{kind}");
        assert!(each.glide.last().is_some_and(|g| g.1 == 0.0), "{kind}");
        // A deterministic outcome: every level is the outcome (none for level_about).
        for (r, o) in [(each, extreme), (avg, mean)] {
            for &(_, level) in &r.levels {
                match *kind {
                    "level_about" => assert_eq!(level, None),
                    _ => assert!((level.unwrap() - o).abs() < 1e-12, "{kind}"),
                }
            }
        }
    }
}

/// A 2026-2030 floor in a run projected from 2021 (henan-15th): its running sum starts in
/// 2026, not 2021, so its last year's quantiles are those of the five-year outcome the
/// target is judged on, and its median is the median of the 2026-2030 sum; a floor whose
/// period starts with the projection uses the series' own cumulative summaries (empty).
#[test]
fn a_later_period_has_its_own_running_sum_from_its_first_year() {
    let scn = Scenario::from_file(&crate::support::shipped("henan-15th.toml")).unwrap();
    let sim = simulate(&scn, 400, scn.seed, &[]);
    let results = evaluate_targets(&scn, &sim, &LEVEL_PROBS);
    let mut later = 0;
    for r in &results {
        let t = &scn.targets[r.target];
        let starts_later = t.first_year > scn.base_year + 1
            && t.kind == empsim::scenario::TargetKind::CumulativeFloor;
        if !starts_later {
            assert!(r.running.is_empty(), "{}", t.id);
            continue;
        }
        later += 1;
        let years: Vec<i32> = r.running.iter().map(|(y, _)| *y).collect();
        assert_eq!(
            years,
            (t.first_year..=t.last_year).collect::<Vec<_>>(),
            "{}",
            t.id
        );
        let (_, q) = r.running.last().unwrap();
        assert_eq!(
            (q[0], q[3], q[6]),
            (r.outcome_p05, r.outcome_p50, r.outcome_p95),
            "{}",
            t.id
        );
        // The running sum grows year by year on every quantile (flows are ≥ 0).
        for w in r.running.windows(2) {
            assert!(w[0].1.iter().zip(&w[1].1).all(|(a, b)| a <= b), "{}", t.id);
        }
        // Over five years, the first year alone is one year's flow: far below the total.
        if t.last_year - t.first_year == 4 {
            assert!(r.running[0].1[3] < 0.3 * q[3], "{}", t.id);
        }
    }
    assert!(
        later >= 2,
        "henan-15th has a 2026-2030 and a 2026 cumulative floor"
    );
}
