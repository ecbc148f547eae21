//! The backtest summary: coverage of the central 50 % and 90 % bands against their nominal
//! rates, mean PIT, mean CRPS and mean interval scores, per region and indicator, per
//! region, per indicator and overall.
//!
//! Only independent observations enter the means and the coverage: scored rows that are
//! not the scenario's own baselines (see the module documentation of `backtest`). The
//! counts say how many rows were left out and why. The mean CRPS and interval scores are in
//! the indicator's unit (万人 for flows and stocks, points for rates), so they are comparable
//! within a region and indicator; across them, `mean_crps_pct` (CRPS as a percentage of the
//! observed value) is the scale-free one.
//!
//! Coverage is a count out of n, not a test: observations of one scenario share its paths
//! and are not independent. As a guide, with n independent observations a calibrated
//! 50 % band covers n/2 ± √n (two binomial standard errors) of them.

use super::{BacktestRow, Status, indicator_rank};
use crate::indicator::Indicator;
use crate::scenario::Scenario;
use serde::Serialize;

/// The label of a group over every region or indicator.
pub const ALL: &str = "all";

/// One row of `backtest-summary.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Region id or `all`.
    pub region: String,
    /// Indicator key or `all`.
    pub indicator: String,
    /// Rows of the actuals file in the group.
    pub n_observations: usize,
    pub n_not_projected: usize,
    /// Scored rows that are the scenario's own baselines (left out of the means).
    pub n_baseline: usize,
    /// Independent scored rows: the n of the means and coverage below.
    pub n_scored: usize,
    pub hits_50: usize,
    pub hits_90: usize,
    /// Share covered by the central 50 % band (nominal 0.5); NaN when n_scored = 0.
    pub coverage_50: f64,
    /// Share covered by the central 90 % band (nominal 0.9).
    pub coverage_90: f64,
    pub mean_pit: f64,
    pub mean_crps: f64,
    pub mean_crps_pct: f64,
    pub mean_interval_score_50: f64,
    pub mean_interval_score_90: f64,
    /// Mean |median error| in %.
    pub mean_abs_median_error_pct: f64,
}

/// Summarises the rows: every (region, indicator) with at least one row, in the
/// scenario's region order (regions the scenario lacks after, in file order) and the
/// indicators' order; then each region over all indicators, each indicator over all
/// regions, and everything.
pub fn summarize(scn: &Scenario, rows: &[BacktestRow]) -> Vec<SummaryRow> {
    let mut regions: Vec<String> = Vec::new();
    for r in &scn.regions {
        if rows.iter().any(|x| x.observation.region == r.id) {
            regions.push(r.id.clone());
        }
    }
    for x in rows {
        if !regions.contains(&x.observation.region) {
            regions.push(x.observation.region.clone());
        }
    }
    let mut indicators: Vec<Indicator> = Vec::new();
    for x in rows {
        if !indicators.contains(&x.observation.indicator) {
            indicators.push(x.observation.indicator);
        }
    }
    indicators.sort_by_key(|&i| indicator_rank(i));

    let mut out = Vec::new();
    for reg in &regions {
        for &ind in &indicators {
            let group: Vec<&BacktestRow> = rows
                .iter()
                .filter(|x| &x.observation.region == reg && x.observation.indicator == ind)
                .collect();
            if !group.is_empty() {
                out.push(row(reg, ind.key(), &group));
            }
        }
    }
    if regions.len() > 1 || indicators.len() > 1 {
        if indicators.len() > 1 {
            for reg in &regions {
                let group: Vec<&BacktestRow> = rows
                    .iter()
                    .filter(|x| &x.observation.region == reg)
                    .collect();
                out.push(row(reg, ALL, &group));
            }
        }
        if regions.len() > 1 {
            for &ind in &indicators {
                let group: Vec<&BacktestRow> = rows
                    .iter()
                    .filter(|x| x.observation.indicator == ind)
                    .collect();
                out.push(row(ALL, ind.key(), &group));
            }
        }
        out.push(row(ALL, ALL, &rows.iter().collect::<Vec<_>>()));
    }
    out
}

fn row(region: &str, indicator: &str, group: &[&BacktestRow]) -> SummaryRow {
    let scored: Vec<_> = group
        .iter()
        .filter(|x| x.is_independent())
        .filter_map(|x| x.score.as_ref().map(|s| (s, x.observation.value)))
        .collect();
    let n = scored.len();
    let mean = |f: &dyn Fn(&super::Score) -> f64| {
        if n == 0 {
            f64::NAN
        } else {
            scored.iter().map(|(s, _)| f(s)).sum::<f64>() / n as f64
        }
    };
    let hits_50 = scored.iter().filter(|(s, _)| s.in_50).count();
    let hits_90 = scored.iter().filter(|(s, _)| s.in_90).count();
    SummaryRow {
        region: region.to_string(),
        indicator: indicator.to_string(),
        n_observations: group.len(),
        n_not_projected: group
            .iter()
            .filter(|x| x.status == Status::NotProjected)
            .count(),
        n_baseline: group
            .iter()
            .filter(|x| x.status == Status::Scored && x.is_baseline)
            .count(),
        n_scored: n,
        hits_50,
        hits_90,
        coverage_50: ratio(hits_50, n),
        coverage_90: ratio(hits_90, n),
        mean_pit: mean(&|s| s.pit),
        mean_crps: mean(&|s| s.crps),
        mean_crps_pct: mean(&|s| s.crps_pct),
        mean_interval_score_50: mean(&|s| s.interval_score_50),
        mean_interval_score_90: mean(&|s| s.interval_score_90),
        mean_abs_median_error_pct: mean(&|s| s.median_error_pct.abs()),
    }
}

fn ratio(k: usize, n: usize) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        k as f64 / n as f64
    }
}
