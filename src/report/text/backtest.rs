//! The terminal summary of `empsim backtest`: the scored observations, the anchoring check
//! on the scenario's own baselines, the summary table and what was not projected.

use crate::analysis::backtest::{BacktestRow, Status, SummaryRow};
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::path::Path;

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.1}%")
    } else {
        "–".into()
    }
}

/// What the terminal summary of a backtest shows.
pub struct BacktestView<'a> {
    pub scenario: &'a Scenario,
    pub actuals: &'a Path,
    pub paths: usize,
    pub seed: u64,
    pub rows: &'a [BacktestRow],
    pub summary: &'a [SummaryRow],
    pub out_dir: &'a Path,
    /// The files written, relative to `out_dir`.
    pub files: &'a [String],
}

/// The terminal summary of a backtest.
pub fn backtest(o: &BacktestView) -> String {
    let scn = o.scenario;
    let mut s = String::new();
    let n = o.rows.len();
    let scored = o.rows.iter().filter(|r| r.status == Status::Scored).count();
    let baseline = o.rows.iter().filter(|r| r.is_baseline).count();
    let _ = writeln!(
        s,
        "Backtest of {}{} against {}: {} paths, seed {}",
        scn.name,
        if scn.in_sample { " (in-sample)" } else { "" },
        o.actuals.display(),
        o.paths,
        o.seed
    );
    let conditioned = o.rows.iter().filter(|r| r.conditioned).count();
    let _ = writeln!(
        s,
        "  {n} observations: {} independent, {baseline} the scenario's own baselines, {}{} not projected",
        scored - baseline - conditioned,
        if conditioned > 0 {
            format!("{conditioned} conditioned on (in-sample, not scored as forecasts), ")
        } else {
            String::new()
        },
        n - scored
    );

    let independent: Vec<&BacktestRow> = o.rows.iter().filter(|r| r.is_independent()).collect();
    if !independent.is_empty() {
        let _ = writeln!(s, "\nScored observations (independent of the baselines):");
        list_rows(&mut s, &independent);
    }
    if baseline > 0 {
        let base: Vec<&BacktestRow> = o.rows.iter().filter(|r| r.is_baseline).collect();
        let pits: Vec<f64> = base.iter().filter_map(|r| r.score.map(|s| s.pit)).collect();
        let lo = pits.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = pits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let _ = writeln!(
            s,
            "\nAnchoring check: {baseline} observations are figures the scenario is calibrated on \
             (in-sample by construction, left out of the summary); their PIT lies in {lo:.3}-{hi:.3} \
             (near 0.5 when the trend line adds up to them)."
        );
        if base.len() <= 20 {
            list_rows(&mut s, &base);
        }
    }

    let shown: Vec<&SummaryRow> = o.summary.iter().filter(|r| r.n_scored > 0).collect();
    if shown.is_empty() {
        let _ = writeln!(
            s,
            "\nSummary: no independent observation to summarise (see backtest-summary.csv for the counts)."
        );
    } else {
        let _ = writeln!(
            s,
            "\nSummary over independent observations (nominal coverage 50% and 90%; groups without one are in backtest-summary.csv):"
        );
        summary_table(&mut s, &shown);
    }

    let missing: Vec<&BacktestRow> = o
        .rows
        .iter()
        .filter(|r| r.status == Status::NotProjected)
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(s, "\nNot projected:");
        for r in missing {
            let _ = writeln!(
                s,
                "  line {}: {} = {}: {}",
                r.observation.line,
                r.observation.describe(),
                r.observation.value,
                r.reason.as_deref().unwrap_or("")
            );
        }
    }
    let _ = writeln!(
        s,
        "\nWrote {} ({})",
        o.out_dir.display(),
        summarize_files(o.files)
    );
    s
}

fn summary_table(s: &mut String, rows: &[&SummaryRow]) {
    let _ = writeln!(
        s,
        "  {:<16} {:<28} {:>3} {:>8} {:>8} {:>8} {:>10} {:>9}",
        "region", "indicator", "n", "in 50%", "in 90%", "mean PIT", "mean CRPS", "|med err|"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "  {:<16} {:<28} {:>3} {:>8} {:>8} {:>8.3} {:>10.3} {:>8.1}%",
            r.region,
            r.indicator,
            r.n_scored,
            format!("{}/{}", r.hits_50, r.n_scored),
            format!("{}/{}", r.hits_90, r.n_scored),
            r.mean_pit,
            r.mean_crps,
            r.mean_abs_median_error_pct
        );
    }
}

fn list_rows(s: &mut String, rows: &[&BacktestRow]) {
    for r in rows {
        let Some(sc) = r.score else { continue };
        let band = if sc.in_50 {
            "in 50% and 90% bands"
        } else if sc.in_90 {
            "in 90% band only"
        } else {
            "outside 90% band"
        };
        let _ = writeln!(
            s,
            "  line {}: {}: observed {}, median {:.3} (90%: {:.3}-{:.3}), error {}, PIT {:.3}, {band}, CRPS {:.3}",
            r.observation.line,
            r.observation.describe(),
            r.observation.value,
            sc.median,
            sc.p05,
            sc.p95,
            pct(sc.median_error_pct),
            sc.pit,
            sc.crps
        );
    }
}

fn summarize_files(files: &[String]) -> String {
    let charts = files.iter().filter(|f| f.starts_with("charts/")).count();
    let mut named: Vec<&str> = files
        .iter()
        .filter(|f| !f.starts_with("charts/"))
        .map(String::as_str)
        .collect();
    let c = format!("{charts} charts");
    if charts > 0 {
        named.push(&c);
    }
    named.join(", ")
}
