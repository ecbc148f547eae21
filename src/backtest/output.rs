//! The backtest's output folder: `backtest.csv`, `backtest-summary.csv`, `manifest.json`
//! and the charts. Numbers are written with 4 decimals; an empty cell means "not
//! applicable" (a row that is not projected, a mean over no observation).

use super::summary::{SummaryRow, num};
use super::{BacktestRow, Status};
use crate::actuals::measure_key;
use crate::error::{Error, Result};
use crate::outdir::{create, io_err};
use crate::report::png::backtest::ChartJob;
use crate::scenario::{Scenario, SourceFile};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// What the files say about the run.
pub(super) struct Context<'a> {
    pub scn: &'a Scenario,
    pub actuals: &'a Path,
    pub actuals_sha256: &'a str,
    pub paths: usize,
    pub seed: u64,
    pub threads: usize,
}

/// Writes every file but the manifest into `dir`.
pub(super) fn write(
    dir: &Path,
    ctx: &Context,
    rows: &[BacktestRow],
    summary: &[SummaryRow],
    charts: &[ChartJob],
) -> Result<()> {
    write_rows(&dir.join("backtest.csv"), ctx, rows)?;
    write_summary(&dir.join("backtest-summary.csv"), ctx, summary)?;
    if !charts.is_empty() {
        let chart_dir = dir.join("charts");
        std::fs::create_dir(&chart_dir).map_err(|e| io_err(&chart_dir, e))?;
        charts.par_iter().try_for_each(|job| {
            let path = chart_dir.join(&job.file);
            crate::chart::render_fan_chart(&job.spec, &path)
                .map_err(|e| match e {
                    crate::chart::ChartError::Write { path, reason } => {
                        Error::Output { path, reason }
                    }
                    other => Error::Internal(format!("chart {}: {other}", job.file)),
                })
                .map(|_| ())
        })?;
    }
    Ok(())
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

fn write_rows(path: &Path, ctx: &Context, rows: &[BacktestRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(create(path)?);
    for r in rows {
        let o = &r.observation;
        let s = r.score;
        let f = |g: fn(&super::Score) -> f64| s.as_ref().map_or(String::new(), |s| num(g(s)));
        let b = |g: fn(&super::Score) -> bool| s.as_ref().map_or("", |s| yes_no(g(s)));
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
            is_baseline: if scored { yes_no(r.is_baseline) } else { "" },
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

fn write_summary(path: &Path, ctx: &Context, rows: &[SummaryRow]) -> Result<()> {
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

#[derive(Serialize)]
struct Manifest<'a> {
    empsim_version: &'a str,
    command: &'a str,
    scenario: &'a str,
    in_sample: bool,
    files: &'a [SourceFile],
    actuals: ActualsFile,
    seed: u64,
    paths: usize,
    threads: usize,
    base_year: i32,
    end_year: i32,
    quantile_estimator: &'a str,
    pit: &'a str,
    crps: &'a str,
    interval_score: &'a str,
    outputs: &'a [String],
}

#[derive(Serialize)]
struct ActualsFile {
    path: String,
    sha256: String,
}

pub(super) fn write_manifest(path: &Path, ctx: &Context, outputs: &[String]) -> Result<()> {
    let m = Manifest {
        empsim_version: env!("CARGO_PKG_VERSION"),
        command: "backtest",
        scenario: &ctx.scn.name,
        in_sample: ctx.scn.in_sample,
        files: &ctx.scn.files,
        actuals: ActualsFile {
            path: ctx.actuals.display().to_string(),
            sha256: ctx.actuals_sha256.to_string(),
        },
        seed: ctx.seed,
        paths: ctx.paths,
        threads: ctx.threads,
        base_year: ctx.scn.base_year,
        end_year: ctx.scn.end_year,
        quantile_estimator: "Hyndman-Fan type 7",
        pit: "mid-rank: (b + (e + 1)/2) / (n + 1), b sample values below, e equal",
        crps: "energy form E|X - y| - 1/2 E|X - X'|, fair estimator, sorted sample (Gneiting & Raftery 2007; Ferro 2014)",
        interval_score: "Winkler / Gneiting & Raftery 2007 eq. 43, alpha 0.5 and 0.1",
        outputs,
    };
    let text = serde_json::to_string_pretty(&m).map_err(|e| io_err(path, e))? + "\n";
    let mut f = create(path)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| io_err(path, e))
}

/// The SHA-256 of a file's bytes, in hex.
pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
