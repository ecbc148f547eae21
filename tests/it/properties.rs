//! Property tests of the engine and summaries on the shipped scenarios, over random seeds
//! and path counts: quantiles monotone in p and bands nested, probabilities in [0, 1],
//! stocks never negative, cumulative values equal to the sums of the annual ones, and
//! provinces equal to the sums of their parts.

use empsim::engine::simulate;
use empsim::indicator::IndicatorKind;
use empsim::stats::{LEVEL_PROBS, Measure, evaluate_targets, summarize};
use empsim::{Indicator, Scenario};
use proptest::prelude::*;
use std::sync::OnceLock;

use crate::support::{SHIPPED_SCENARIOS, shipped};

fn scenarios() -> &'static [Scenario] {
    static S: OnceLock<Vec<Scenario>> = OnceLock::new();
    S.get_or_init(|| {
        SHIPPED_SCENARIOS
            .iter()
            .map(|n| Scenario::from_file(&shipped(&format!("{n}.toml"))).unwrap())
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn engine_invariants_hold(which in 0usize..SHIPPED_SCENARIOS.len(), seed in any::<u64>(), paths in 1usize..120) {
        let scn = &scenarios()[which];
        let sim = simulate(scn, paths, seed, &[]);
        prop_assert!(sim.values.iter().all(|v| v.is_finite()));
        for (s, key) in scn.series.iter().enumerate() {
            for p in 0..paths {
                let v = sim.path_series(p, s);
                match key.indicator.kind() {
                    IndicatorKind::Flow | IndicatorKind::Stock => {
                        prop_assert!(v.iter().all(|x| *x >= 0.0), "{:?} negative: {v:?}", key);
                    }
                    IndicatorKind::Rate => {
                        let (lo, hi) = (scn.unemployment.floor, scn.unemployment.ceiling);
                        prop_assert!(v.iter().all(|x| (lo..=hi).contains(x)));
                    }
                }
            }
        }
        // Aggregates are the sums of their children (flows) on every path and year.
        for (ri, r) in scn.regions.iter().enumerate() {
            if r.children.is_empty() { continue; }
            let s = scn.series_index(ri, Indicator::UrbanNewJobs).unwrap();
            for p in 0..paths {
                for k in 0..scn.n_years() {
                    let parts: f64 = r.children.iter()
                        .map(|&c| sim.path_series(p, scn.series_index(c, Indicator::UrbanNewJobs).unwrap())[k])
                        .sum();
                    let total = sim.path_series(p, s)[k];
                    prop_assert!((parts - total).abs() <= 1e-9 * total.abs().max(1.0));
                }
            }
        }
        let rows = summarize(scn, &sim);
        for row in &rows {
            prop_assert!(row.q.windows(2).all(|w| w[0] <= w[1]), "quantiles not monotone: {row:?}");
            // Bands nested: 5-95 contains 10-90 contains 25-75 contains the median.
            prop_assert!(row.q[0] <= row.q[2] && row.q[4] <= row.q[6]);
            prop_assert!(row.sd >= 0.0);
        }
        // Cumulative mean = sum of annual means (linearity, the running sum per path).
        for (s, key) in scn.series.iter().enumerate() {
            if key.indicator.kind() != IndicatorKind::Flow { continue; }
            let annual: Vec<f64> = rows.iter()
                .filter(|r| r.series == s && r.measure == Measure::Annual)
                .map(|r| r.mean).collect();
            let cumulative: Vec<f64> = rows.iter()
                .filter(|r| r.series == s && r.measure == Measure::Cumulative)
                .map(|r| r.mean).collect();
            let mut acc = 0.0;
            for (a, c) in annual.iter().zip(&cumulative) {
                acc += a;
                prop_assert!((acc - c).abs() <= 1e-9 * c.abs().max(1.0), "{acc} vs {c}");
            }
        }
        for t in evaluate_targets(scn, &sim, &LEVEL_PROBS) {
            prop_assert!((0.0..=1.0).contains(&t.p_met));
            prop_assert!(t.p_met_se >= 0.0 && t.p_met_se <= 0.5 / (paths as f64).sqrt() + 1e-12);
            prop_assert!(t.outcome_p05 <= t.outcome_p50 && t.outcome_p50 <= t.outcome_p95);
            prop_assert!(t.expected_shortfall >= 0.0);
            prop_assert!(t.glide.iter().all(|(_, p)| (0.0..=1.0).contains(p)));
        }
    }
}

#[test]
fn cumulative_outcome_of_a_floor_target_is_the_sum_of_its_years() {
    let scn = &scenarios()[0];
    let sim = simulate(scn, 50, 3, &[]);
    for t in &scn.targets {
        if t.kind != empsim::scenario::TargetKind::CumulativeFloor {
            continue;
        }
        let s = scn.series_index(t.region, t.indicator).unwrap();
        for p in 0..50 {
            let v = sim.path_series(p, s);
            let (outcome, gap) = empsim::stats::target_outcome(t, scn.base_year, &v);
            assert_eq!(outcome, v.iter().sum::<f64>());
            assert_eq!(gap, t.value - outcome);
        }
    }
}

#[test]
fn overrides_fix_a_parameter_and_keep_every_other_draw() {
    // Common random numbers: fixing one parameter changes only what depends on it.
    let scn = &scenarios()[3];
    let slot = scn
        .param_slot("regions.shaoyang.params.rural_transfer_new.trend")
        .unwrap();
    let a = simulate(scn, 20, 5, &[(slot, -0.04)]);
    let b = simulate(scn, 20, 5, &[(slot, 0.0)]);
    let jobs = scn.series_index(0, Indicator::UrbanNewJobs).unwrap();
    let transfers = scn.series_index(0, Indicator::RuralTransferNew).unwrap();
    for p in 0..20 {
        assert_eq!(a.path_series(p, jobs), b.path_series(p, jobs));
        assert!(a.path_series(p, transfers)[4] < b.path_series(p, transfers)[4]);
    }
}
