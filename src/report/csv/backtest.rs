//! The tables of `empsim backtest`: `backtest.csv` (one row per observation) and
//! `backtest-summary.csv`, and its charts. Numbers are written with 4 decimals; an empty
//! cell means "not applicable" (a row that is not projected, a mean over no observation).

use super::fmt4;
use crate::analysis::backtest::{BacktestRow, Score, Status, SummaryRow};
use crate::error::Result;
use crate::outdir::{create, io_err};
use crate::scenario::Scenario;
use crate::scenario::actuals::measure_key;
use serde::Serialize;
use std::path::Path;

/// What the files of a backtest say about it.
pub struct BacktestContext<'a> {
    pub scn: &'a Scenario,
    pub actuals: &'a Path,
    pub actuals_sha256: &'a str,
    pub paths: usize,
    pub seed: u64,
    pub threads: usize,
}

/// Fixed 4 decimals, or empty for NaN (no observation to average).
fn num(v: f64) -> String {
    if v.is_finite() {
        fmt4(v)
    } else {
        String::new()
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// One row of `backtest.csv`.
#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    line: u64,
    region: &'a str,
    indicator: &'a str,
    measure: &'a str,
    period: String,
    observed: String,
    status: &'a str,
    reason: &'a str,
    is_baseline: &'a str,
    first_year: String,
    last_year: String,
    p05: String,
    p25: String,
    median: String,
    p75: String,
    p95: String,
    pit: String,
    in_50: &'a str,
    in_90: &'a str,
    interval_score_50: String,
    interval_score_90: String,
    crps: String,
    crps_pct: String,
    median_error_pct: String,
    source: &'a str,
    quote: &'a str,
    note: &'a str,
}

/// Writes `backtest.csv`.
pub fn write_rows(path: &Path, ctx: &BacktestContext, rows: &[BacktestRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(create(path)?);
    for r in rows {
        let o = &r.observation;
        let s = r.score;
        let f = |g: fn(&Score) -> f64| s.as_ref().map_or(String::new(), |s| num(g(s)));
        let b = |g: fn(&Score) -> bool| s.as_ref().map_or("", |s| yes_no(g(s)));
        let scored = r.status == Status::Scored;
        w.serialize(Row {
            scenario: &ctx.scn.name,
            line: o.line,
            region: &o.region,
            indicator: o.indicator.key(),
            measure: measure_key(o.measure),
            period: o.period.label(),
            observed: num(o.value),
            status: r.status.key(),
            reason: r.reason.as_deref().unwrap_or(""),
            is_baseline: match (scored, r.conditioned) {
                (false, _) => "",
                (true, true) => "conditioned",
                (true, false) => yes_no(r.is_baseline),
            },
            first_year: r.years.map_or(String::new(), |y| y.0.to_string()),
            last_year: r.years.map_or(String::new(), |y| y.1.to_string()),
            p05: f(|s| s.p05),
            p25: f(|s| s.p25),
            median: f(|s| s.median),
            p75: f(|s| s.p75),
            p95: f(|s| s.p95),
            pit: f(|s| s.pit),
            in_50: b(|s| s.in_50),
            in_90: b(|s| s.in_90),
            interval_score_50: f(|s| s.interval_score_50),
            interval_score_90: f(|s| s.interval_score_90),
            crps: f(|s| s.crps),
            crps_pct: f(|s| s.crps_pct),
            median_error_pct: f(|s| s.median_error_pct),
            source: &o.source,
            quote: &o.quote,
            note: &o.note,
        })
        .map_err(|e| io_err(path, e))?;
    }
    w.flush().map_err(|e| io_err(path, e))
}

/// One row of `backtest-summary.csv`.
#[derive(Serialize)]
struct SumRow<'a> {
    scenario: &'a str,
    region: &'a str,
    indicator: &'a str,
    n_observations: usize,
    n_not_projected: usize,
    n_baseline: usize,
    n_scored: usize,
    hits_50: usize,
    coverage_50: String,
    nominal_50: &'a str,
    hits_90: usize,
    coverage_90: String,
    nominal_90: &'a str,
    mean_pit: String,
    mean_crps: String,
    mean_crps_pct: String,
    mean_interval_score_50: String,
    mean_interval_score_90: String,
    mean_abs_median_error_pct: String,
}

/// Writes `backtest-summary.csv`.
pub fn write_summary(path: &Path, ctx: &BacktestContext, rows: &[SummaryRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(create(path)?);
    for r in rows {
        w.serialize(SumRow {
            scenario: &ctx.scn.name,
            region: &r.region,
            indicator: &r.indicator,
            n_observations: r.n_observations,
            n_not_projected: r.n_not_projected,
            n_baseline: r.n_baseline,
            n_scored: r.n_scored,
            hits_50: r.hits_50,
            coverage_50: num(r.coverage_50),
            nominal_50: "0.5000",
            hits_90: r.hits_90,
            coverage_90: num(r.coverage_90),
            nominal_90: "0.9000",
            mean_pit: num(r.mean_pit),
            mean_crps: num(r.mean_crps),
            mean_crps_pct: num(r.mean_crps_pct),
            mean_interval_score_50: num(r.mean_interval_score_50),
            mean_interval_score_90: num(r.mean_interval_score_90),
            mean_abs_median_error_pct: num(r.mean_abs_median_error_pct),
        })
        .map_err(|e| io_err(path, e))?;
    }
    w.flush().map_err(|e| io_err(path, e))
}
