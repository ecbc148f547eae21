//! Summaries across Monte Carlo paths: quantiles, means, and whether each plan target is
//! met, with its Monte Carlo standard error and the pro-rata glide path.
//!
//! Quantiles use Hyndman & Fan (1996) definition 7, the default of R and NumPy: for sorted
//! x₁..xₙ and probability p, h = (n − 1)p, Q(p) = x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋)
//! (0-based indices).

pub mod score;

use crate::engine::Simulation;
use crate::indicator::IndicatorKind;
use crate::scenario::{Applies, Scenario, Target, TargetKind};
use serde::Serialize;

/// The probabilities reported in `quantiles.csv`.
pub const PROBS: [f64; 7] = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95];

/// Hyndman-Fan type 7 quantile of an ascending-sorted, non-empty slice without NaN.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let n = sorted.len();
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Sorts a copy of `xs` (total order) and returns it.
///
/// The sort is unstable, which cannot change the result: values equal under `total_cmp`
/// are bitwise identical.
pub fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// Mean and sample standard deviation (n − 1), summed in index order.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

pub use crate::indicator::Measure;

/// One row of `quantiles.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesSummary {
    pub series: usize,
    pub measure: Measure,
    pub year: i32,
    pub mean: f64,
    pub sd: f64,
    /// Quantiles at [`PROBS`].
    pub q: [f64; 7],
}

/// Summarises every series and year, annual and (for flows) cumulative.
pub fn summarize(scn: &Scenario, sim: &Simulation) -> Vec<SeriesSummary> {
    use rayon::prelude::*;
    let years = scn.years();
    // Series in parallel, each summarised sequentially; collected in series order, so the
    // rows do not depend on the number of threads.
    scn.series
        .par_iter()
        .enumerate()
        .flat_map_iter(|(s, key)| {
            let mut rows = Vec::new();
            let mut running = vec![0.0; sim.n_paths];
            for (k, &year) in years.iter().enumerate() {
                let xs = sim.across_paths(s, k);
                rows.push(summary_row(s, Measure::Annual, year, &xs));
                if key.indicator.kind() == IndicatorKind::Flow {
                    for (r, x) in running.iter_mut().zip(&xs) {
                        *r += x;
                    }
                    rows.push(summary_row(s, Measure::Cumulative, year, &running));
                }
            }
            rows
        })
        .collect()
}

fn summary_row(series: usize, measure: Measure, year: i32, xs: &[f64]) -> SeriesSummary {
    let (mean, sd) = mean_sd(xs);
    let st = sorted(xs);
    SeriesSummary {
        series,
        measure,
        year,
        mean,
        sd,
        q: PROBS.map(|p| quantile_sorted(&st, p)),
    }
}

/// The final guard before anything is written: every summary and target figure must be
/// finite. Names the first that is not.
///
/// # Errors
/// [`crate::Error::NonFinite`] naming the series and year, or the target.
pub fn check_finite(
    scn: &Scenario,
    summaries: &[SeriesSummary],
    targets: &[TargetResult],
) -> crate::Result<()> {
    for r in summaries {
        let values = [r.mean, r.sd].into_iter().chain(r.q);
        if let Some(v) = values.into_iter().find(|v| !v.is_finite()) {
            let key = scn.series[r.series];
            return Err(crate::Error::NonFinite {
                what: format!(
                    "the {} summary of {} {} in {}",
                    r.measure.key(),
                    scn.regions[key.region].id,
                    key.indicator,
                    r.year
                ),
                value: v,
            });
        }
    }
    for r in targets {
        let values = [
            r.p_met,
            r.p_met_se,
            r.outcome_p50,
            r.outcome_p05,
            r.outcome_p95,
            r.expected_shortfall,
            r.shortfall_if_missed,
        ]
        .into_iter()
        .chain(r.glide.iter().map(|g| g.1));
        if let Some(v) = values.into_iter().find(|v| !v.is_finite()) {
            return Err(crate::Error::NonFinite {
                what: format!("the result of target {}", scn.targets[r.target].id),
                value: v,
            });
        }
    }
    Ok(())
}

/// The outcome of one target across paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    pub target: usize,
    /// P(target met): the share of paths that meet it.
    pub p_met: f64,
    /// Monte Carlo standard error of `p_met`: sqrt(p(1 − p)/n).
    pub p_met_se: f64,
    /// The outcome the target is judged on (see [`target_outcome`]): median, 5 % and 95 %.
    pub outcome_p50: f64,
    pub outcome_p05: f64,
    pub outcome_p95: f64,
    /// E[max(0, gap)]: the mean shortfall below a floor (or excess over a cap, or distance
    /// beyond the tolerance), counting paths that meet the target as zero.
    pub expected_shortfall: f64,
    /// The mean gap on the paths that miss the target (0 if none miss).
    pub shortfall_if_missed: f64,
    /// Per year of the period: P(on track). For cumulative floors the running sum is at
    /// least the pro-rata share of the target (时间过半、任务过半); for level targets the
    /// condition holds in that year (and, for `each_year`, in every year before it).
    pub glide: Vec<(i32, f64)>,
}

/// The number a target is judged on, for one path: the period's total (cumulative floors),
/// the end-year level (`end`), the highest level (`each_year` caps), the lowest level
/// (`each_year` floors) or the level farthest from the value (`each_year` about).
/// Returns the outcome and the gap (≤ 0 when met).
pub fn target_outcome(t: &Target, base_year: i32, values: &[f64]) -> (f64, f64) {
    let a = (t.first_year - base_year - 1) as usize;
    let b = (t.last_year - base_year - 1) as usize;
    let window = &values[a..=b];
    let end = values[b];
    match (t.kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => {
            let total: f64 = window.iter().sum();
            (total, t.value - total)
        }
        (TargetKind::LevelCap, Some(Applies::EachYear)) => {
            let m = window.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (m, m - t.value)
        }
        (TargetKind::LevelCap, _) => (end, end - t.value),
        (TargetKind::LevelFloor, Some(Applies::EachYear)) => {
            let m = window.iter().copied().fold(f64::INFINITY, f64::min);
            (m, t.value - m)
        }
        (TargetKind::LevelFloor, _) => (end, t.value - end),
        (TargetKind::LevelAbout, applies) => {
            let tol = t.tolerance.unwrap_or(0.0);
            let x = if applies == Some(Applies::EachYear) {
                window
                    .iter()
                    .copied()
                    .max_by(|p, q| (p - t.value).abs().total_cmp(&(q - t.value).abs()))
                    .unwrap_or(end)
            } else {
                end
            };
            (x, (x - t.value).abs() - tol)
        }
    }
}

/// Whether the target is on track in year index `k` of the projection (see
/// [`TargetResult::glide`]).
fn on_track(t: &Target, base_year: i32, values: &[f64], k: usize) -> bool {
    let a = (t.first_year - base_year - 1) as usize;
    let n = (t.last_year - t.first_year + 1) as f64;
    let ok = |x: f64| match t.kind {
        TargetKind::CumulativeFloor => true,
        TargetKind::LevelCap => x <= t.value,
        TargetKind::LevelFloor => x >= t.value,
        TargetKind::LevelAbout => (x - t.value).abs() <= t.tolerance.unwrap_or(0.0),
    };
    match (t.kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => {
            let done: f64 = values[a..=k].iter().sum();
            let share = (k - a + 1) as f64 / n;
            done >= t.value * share
        }
        (_, Some(Applies::EachYear)) => values[a..=k].iter().all(|&x| ok(x)),
        _ => ok(values[k]),
    }
}

/// Evaluates every target of the scenario on the simulated paths.
pub fn evaluate_targets(scn: &Scenario, sim: &Simulation) -> Vec<TargetResult> {
    (0..scn.targets.len())
        .map(|ti| evaluate_target(scn, sim, ti))
        .collect()
}

/// Evaluates target `ti` of the scenario on the simulated paths.
pub fn evaluate_target(scn: &Scenario, sim: &Simulation, ti: usize) -> TargetResult {
    let t = &scn.targets[ti];
    let s = scn
        .series_index(t.region, t.indicator)
        .expect("validated targets have a series");
    let n = sim.n_paths;
    let mut outcomes = Vec::with_capacity(n);
    let mut gaps = Vec::with_capacity(n);
    let a = (t.first_year - scn.base_year - 1) as usize;
    let b = (t.last_year - scn.base_year - 1) as usize;
    let mut glide_counts = vec![0usize; b - a + 1];
    for p in 0..n {
        let v = sim.path_series(p, s);
        let (o, g) = target_outcome(t, scn.base_year, v);
        outcomes.push(o);
        gaps.push(g);
        for (j, k) in (a..=b).enumerate() {
            if on_track(t, scn.base_year, v, k) {
                glide_counts[j] += 1;
            }
        }
    }
    let met = gaps.iter().filter(|&&g| g <= 0.0).count();
    let p = met as f64 / n as f64;
    let missed: Vec<f64> = gaps.iter().copied().filter(|&g| g > 0.0).collect();
    let st = sorted(&outcomes);
    TargetResult {
        target: ti,
        p_met: p,
        p_met_se: (p * (1.0 - p) / n as f64).sqrt(),
        outcome_p50: quantile_sorted(&st, 0.5),
        outcome_p05: quantile_sorted(&st, 0.05),
        outcome_p95: quantile_sorted(&st, 0.95),
        expected_shortfall: missed.iter().sum::<f64>() / n as f64,
        shortfall_if_missed: if missed.is_empty() {
            0.0
        } else {
            missed.iter().sum::<f64>() / missed.len() as f64
        },
        glide: (a..=b)
            .zip(&glide_counts)
            .map(|(k, &c)| (scn.base_year + 1 + k as i32, c as f64 / n as f64))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Indicator;
    use crate::scenario::Nature;
    use proptest::prelude::*;

    #[test]
    fn type7_matches_r_and_numpy() {
        // R: quantile(c(1,2,3,4,10), c(.05,.25,.5,.9), type = 7) = 1.2 2 3 7.6
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        let q: Vec<f64> = [0.05, 0.25, 0.5, 0.9]
            .iter()
            .map(|&p| quantile_sorted(&x, p))
            .collect();
        for (a, b) in q.iter().zip([1.2, 2.0, 3.0, 7.6]) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert_eq!(quantile_sorted(&[4.0], 0.3), 4.0);
    }

    fn target(kind: TargetKind, applies: Option<Applies>, value: f64) -> Target {
        Target {
            id: "t".into(),
            region: 0,
            indicator: Indicator::UrbanNewJobs,
            kind,
            first_year: 2021,
            last_year: 2025,
            value,
            tolerance: (kind == TargetKind::LevelAbout).then_some(0.5),
            applies,
            nature: Nature::Expected,
            source: "s".into(),
            quote: "q".into(),
            note: None,
        }
    }

    #[test]
    fn outcomes_follow_the_plan_semantics() {
        let v = [7.0, 7.0, 6.0, 6.0, 6.0];
        let cum = target(TargetKind::CumulativeFloor, None, 33.0);
        assert_eq!(target_outcome(&cum, 2020, &v), (32.0, 1.0)); // misses by 1
        let cap = target(TargetKind::LevelCap, Some(Applies::EachYear), 6.5);
        assert_eq!(target_outcome(&cap, 2020, &v), (7.0, 0.5));
        let cap_end = target(TargetKind::LevelCap, Some(Applies::End), 6.5);
        assert_eq!(target_outcome(&cap_end, 2020, &v), (6.0, -0.5));
        let floor = target(TargetKind::LevelFloor, Some(Applies::EachYear), 6.0);
        assert_eq!(target_outcome(&floor, 2020, &v), (6.0, 0.0)); // exactly at the floor: met
        let about = target(TargetKind::LevelAbout, Some(Applies::EachYear), 6.4);
        let (x, gap) = target_outcome(&about, 2020, &v);
        assert_eq!(x, 7.0);
        assert!((gap - 0.1).abs() < 1e-12);
    }

    #[test]
    fn glide_path_is_pro_rata() {
        // 33 over five years: on track after two years needs ≥ 13.2.
        let cum = target(TargetKind::CumulativeFloor, None, 33.0);
        let v = [6.5, 6.8, 7.0, 7.0, 7.0];
        assert!(!on_track(&cum, 2020, &v, 0)); // 6.5 < 6.6
        assert!(on_track(&cum, 2020, &v, 1)); // 13.3 ≥ 13.2
        let behind = [6.5, 6.6, 7.0, 7.0, 7.0];
        assert!(!on_track(&cum, 2020, &behind, 1)); // 13.1 < 13.2
    }

    proptest! {
        #[test]
        fn quantiles_are_monotone_in_p(mut xs in proptest::collection::vec(-1e6f64..1e6, 1..200),
                                       p1 in 0.0f64..1.0, p2 in 0.0f64..1.0) {
            xs.sort_by(f64::total_cmp);
            let (lo, hi) = if p1 <= p2 { (p1, p2) } else { (p2, p1) };
            let (a, b) = (quantile_sorted(&xs, lo), quantile_sorted(&xs, hi));
            prop_assert!(a <= b);
            prop_assert!(a >= xs[0] && b <= xs[xs.len() - 1]);
        }
    }
}
