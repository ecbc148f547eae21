//! What the commands print on the terminal: the targets with P(met), riskiest first, and
//! the summaries of the other commands (their `--json` documents are [`crate::report::json`]'s).

use crate::analysis::sens::{Method, SensStudy};
use crate::scenario::Scenario;
use crate::stats::TargetResult;
use std::fmt::Write;
use std::path::Path;

mod backtest;
pub mod compare;

pub use backtest::{BacktestView, backtest};
pub use compare::{CompareView, compare};

/// Formats the targets table, sorted by P(met) ascending (ties in scenario order), with
/// the target-setting levels in the last column (`—` for `level_about` targets).
pub fn targets_table(scn: &Scenario, results: &[TargetResult]) -> String {
    if results.is_empty() {
        return "The scenario has no targets; see quantiles.csv for the projections.\n".into();
    }
    let mut order: Vec<&TargetResult> = results.iter().collect();
    order.sort_by(|a, b| a.p_met.total_cmp(&b.p_met).then(a.target.cmp(&b.target)));
    let rows: Vec<Vec<String>> = order
        .iter()
        .map(|r| {
            let t = &scn.targets[r.target];
            let what = format!("{} {}", t.indicator, crate::report::wording::requirement(t));
            let mut row = vec![
                crate::report::wording::p_met_pm(r),
                scn.regions[t.region].id.clone(),
                what,
                format!(
                    "{:.2} [{:.2}, {:.2}]",
                    r.outcome_p50, r.outcome_p05, r.outcome_p95
                ),
            ];
            if !r.levels.is_empty() {
                row.push(levels_cell(&r.levels));
            }
            row
        })
        .collect();
    let mut head: Vec<String> = ["P(met)", "region", "target", "outcome median [5%, 95%]"]
        .map(str::to_string)
        .to_vec();
    if let Some(r) = results.iter().find(|r| !r.levels.is_empty()) {
        let probs: Vec<String> = r.levels.iter().map(|(p, _)| p.to_string()).collect();
        head.push(format!("met w.p. {}", probs.join(" / ")));
    }
    let mut table = vec![head];
    table.extend(rows);
    let mut text = aligned(&table);
    if results
        .iter()
        .any(|r| r.levels.iter().any(|l| l.1.is_none()))
    {
        text.push_str(
            "\n— no single level for a 左右 (level_about) target: it is met within a band\n",
        );
    }
    text
}

/// The target-setting levels, `36.05 / 32.55 / 30.87`; `—` for a `level_about` target.
fn levels_cell(levels: &[(f64, Option<f64>)]) -> String {
    let cells: Option<Vec<String>> = levels
        .iter()
        .map(|(_, l)| l.map(|x| format!("{x:.2}")))
        .collect();
    cells.map_or_else(|| "—".to_string(), |c| c.join(" / "))
}

/// Targets in progress (a conditioned run): the observed years, what is achieved, what
/// remains and the yearly pace the rest of the period needs against the pace so far.
/// Empty when no target's period has an observed year.
pub fn progress_table(scn: &Scenario, results: &[TargetResult]) -> String {
    let rows: Vec<Vec<String>> = results
        .iter()
        .filter_map(|r| r.progress.as_ref().map(|p| (r, p)))
        .map(|(r, p)| {
            let t = &scn.targets[r.target];
            let years = match p.observed_years.as_slice() {
                [one] => one.to_string(),
                many => format!("{} of {}-{}", many.len(), t.first_year, t.last_year),
            };
            vec![
                scn.regions[t.region].id.clone(),
                format!("{} {}", t.indicator, crate::report::wording::requirement(t)),
                years,
                format!("{:.2}", p.achieved),
                p.remaining
                    .map_or_else(|| "—".into(), |x| format!("{x:.2}")),
                format!("{:.2}", p.pace_so_far),
                p.required_pace
                    .map_or_else(|| "—".into(), |x| format!("{x:.2}")),
                format!("{:.3}", r.p_met),
            ]
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let head = [
        "region",
        "target in progress",
        "observed",
        "achieved",
        "remaining",
        "pace so far",
        "required pace",
        "P(met)",
    ];
    let mut table = vec![head.map(str::to_string).to_vec()];
    table.extend(rows);
    format!("\n{}", aligned(&table))
}

/// What conditioning did, in two lines for the terminal: the figures used, the last
/// observed year, the sampler's steps and effective sample size.
pub fn conditioning_summary(
    scn: &Scenario,
    c: &crate::engine::Conditioning,
    paths: usize,
) -> String {
    let Some(obs) = &scn.observations else {
        return String::new();
    };
    let last = obs.last_year().map_or_else(
        || format!("{} (base year)", scn.base_year),
        |y| y.to_string(),
    );
    let min_ess = c.stages.iter().map(|s| s.ess).fold(f64::INFINITY, f64::min);
    let outliers = c.figures.iter().filter(|f| f.p_outlier > 0.5).count();
    let mut s = format!(
        "conditioned on {} figures and {} growth figures of {} file(s), last observed year {last}; {} left aside (observations.csv says why)
",
        obs.points.len(),
        obs.growth.len(),
        obs.files.len(),
        obs.skipped.len(),
    );
    if !c.stages.is_empty() {
        s += &format!(
            "sequential Monte Carlo: {} tempering steps, lowest ESS {:.0} of {paths}, {} distinct paths at the end; {outliers} figure(s) read as outliers (p_outlier > 0.5)
",
            c.stages.len(),
            min_ess,
            c.distinct_paths,
        );
    }
    s
}

/// A table as text: columns padded to their widest cell (in terminal columns, where a
/// Chinese character takes two) and two spaces apart, without trailing spaces.
pub fn aligned(table: &[Vec<String>]) -> String {
    use unicode_width::UnicodeWidthStr;
    let cols = table.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            table
                .iter()
                .map(|r| r.get(c).map_or(0, |s| s.width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in table {
        let mut s = String::new();
        for (c, cell) in r.iter().enumerate() {
            s.push_str(cell);
            if c + 1 < r.len() {
                s.push_str(&" ".repeat(widths[c] - cell.width() + 2));
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
    }
    out
}

/// An index and its interval: `0.9811 [0.9530, 1.0102]`.
fn with_interval(ix: Option<crate::sensitivity::SobolIndex>) -> String {
    match ix {
        None => "undefined".to_string(),
        Some(ix) => match ix.ci {
            Some(ci) => format!("{:.4} [{:.4}, {:.4}]", ix.estimate, ci.low, ci.high),
            None => format!("{:.4}", ix.estimate),
        },
    }
}

/// A Sobol' output's factors by total index, each with both indices and their intervals,
/// then the warnings its indices deserve.
fn sobol_lines(
    o: &mut String,
    scn: &Scenario,
    r: &crate::sensitivity::SobolResult,
    k: usize,
    m: &crate::analysis::sens::Metric,
) {
    let summary = &r.outputs[k];
    if summary.zero_variance {
        let _ = writeln!(
            o,
            "  (no factor changes this metric in that year: it is {} at every design point)",
            summary.mean
        );
        return;
    }
    // Factors that do not touch the metric (every index and bound 0 to rounding) are left
    // out.
    let mut rows: Vec<&crate::sensitivity::SobolRow> = (0..r.factors.len())
        .filter_map(|i| r.row(i, k))
        .filter(|row| {
            [row.total, row.first_order].iter().flatten().any(|ix| {
                ix.estimate.abs() > 1e-12
                    || ix.ci.is_some_and(|c| c.low.abs().max(c.high.abs()) > 1e-12)
            })
        })
        .collect();
    let total =
        |row: &crate::sensitivity::SobolRow| row.total.map_or(f64::NEG_INFINITY, |t| t.estimate);
    rows.sort_by(|a, b| total(b).total_cmp(&total(a)));
    let _ = writeln!(
        o,
        "  {:<28}  {:<28}  factor",
        "total index ST [95 %]", "first order S1 [95 %]"
    );
    for row in rows.iter().take(8) {
        let _ = writeln!(
            o,
            "  {:<28}  {:<28}  {}",
            with_interval(row.total),
            with_interval(row.first_order),
            row.factor
        );
    }
    for w in crate::analysis::sens::sobol_warnings(scn, r, k, m) {
        let _ = writeln!(o, "  warning: {}", w.message);
    }
}

/// The terminal summary of a sensitivity study: per metric, the final year's factors by
/// importance (for Sobol', both indices with their intervals, and warnings).
pub fn sens_summary(study: &SensStudy, seconds: f64, out_dir: &Path) -> String {
    let stat = match study.method {
        Method::Oat => "swing",
        Method::Morris => "mu*",
        Method::Sobol => "total index",
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} sensitivity, {} factors, {} evaluations × {} paths (seed {}), {:.1} s -> {}",
        study.scenario.name,
        study.method.key(),
        study.factors.len(),
        study.evaluations,
        study.paths,
        study.seed,
        seconds,
        out_dir.display()
    );
    let mut offset = 0;
    for m in &study.metrics {
        let last = offset + m.years.len() - 1;
        let _ = writeln!(
            o,
            "\n{} in {} — factors by {stat}:",
            m.label,
            m.years[m.years.len() - 1]
        );
        if let crate::analysis::sens::Indices::Sobol(r) = &study.indices {
            sobol_lines(&mut o, &study.scenario, r, last, m);
            offset += m.years.len();
            continue;
        }
        let ranked: Vec<(String, f64)> = study
            .importance(last)
            .into_iter()
            .filter(|(_, v)| *v > 0.0)
            .collect();
        if ranked.is_empty() {
            let _ = writeln!(o, "  (no factor changes this metric in that year)");
        }
        for (name, v) in ranked.iter().take(8) {
            let _ = writeln!(o, "  {v:>9.4}  {name}");
        }
        offset += m.years.len();
    }
    if let Some(c) = &study.convergence {
        convergence_lines(&mut o, c);
    }
    o
}

/// What `--converge` did, round by round.
fn convergence_lines(o: &mut String, c: &crate::analysis::sens::Convergence) {
    let _ = writeln!(
        o,
        "
--converge {}: the widest 95 % interval of an index that matters (a factor with total index ≥ {}), per N:",
        c.tolerance, c.matters
    );
    for r in &c.rounds {
        match &r.widest {
            Some(w) => {
                let _ = writeln!(
                    o,
                    "  N = {:>6}  {:>7} evaluations  {:.4}  ({} of {} for {} in {})",
                    r.base_samples,
                    r.evaluations,
                    w.width,
                    if w.statistic == "total" { "ST" } else { "S1" },
                    w.factor,
                    w.metric,
                    w.year
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "  N = {:>6}  {:>7} evaluations  no index matters: every output is constant or a nearly constant P(met)",
                    r.base_samples, r.evaluations
                );
            }
        }
    }
    let last = c.rounds.last().map_or(0, |r| r.base_samples);
    if c.converged {
        let _ = writeln!(o, "  converged at N = {last}");
    } else {
        let _ = writeln!(
            o,
            "  warning: not converged: N = {last} reached --max-samples {} with an interval wider than {}; raise --max-samples or --paths, or accept a wider tolerance",
            c.max_samples, c.tolerance
        );
    }
}

/// The terminal summary of `empsim discover`: how many paths are cases, the chosen box with
/// its coverage and density against the base rate, and its restrictions.
pub fn discover_summary(
    d: &crate::analysis::discover::Discovery,
    seconds: f64,
    out_dir: &Path,
) -> String {
    use crate::report::csv::discover::{interval, sig4};
    let s = &d.settings;
    let t = &d.scenario.targets[s.target];
    let verb = d.cases_phrase();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: discover, paths that {verb} {} ({}), {} paths (seed {}), {} inputs, {:.1} s -> {}",
        d.scenario.name,
        t.id,
        crate::report::wording::requirement(t),
        s.paths,
        s.seed,
        d.inputs.len(),
        seconds,
        out_dir.display()
    );
    let base = d.prim.cases as f64 / d.prim.n as f64;
    let _ = writeln!(
        o,
        "\n{} of {} paths {verb} the target ({:.1} %).",
        d.prim.cases,
        d.prim.n,
        100.0 * base
    );
    let Some(k) = d.chosen else {
        let _ = writeln!(o, "No path to explain: no box is reported.");
        return o;
    };
    let b = &d.prim.steps[k];
    let _ = writeln!(
        o,
        "Box (step {k} of {}, the densest holding at least {:.0} % of them): {} paths ({:.1} %), of which {} {verb}: density {:.1} % (against {:.1} % over all paths), coverage {:.1} %.",
        d.prim.steps.len() - 1,
        100.0 * s.min_coverage,
        b.n,
        100.0 * b.mass,
        b.cases,
        100.0 * b.density,
        100.0 * base,
        100.0 * b.coverage
    );
    let restricted = b.restricted();
    if restricted.is_empty() {
        let _ = writeln!(
            o,
            "  The box restricts no input: no parameter range concentrates these paths."
        );
    }
    let width = restricted
        .iter()
        .map(|&j| d.inputs[j].name.chars().count())
        .max()
        .unwrap_or(0);
    for j in restricted {
        let (lo, hi) = d.prim.ranges[j];
        let qp = d.qp[j].map_or(String::new(), |q| {
            let flag = if q > 0.05 { "  (not significant)" } else { "" };
            format!("  qp {q:.1e}{flag}")
        });
        let _ = writeln!(
            o,
            "  {:<width$}  {:<22} all paths: {} to {}{qp}",
            d.inputs[j].name,
            interval(b.limits[j]),
            sig4(lo),
            sig4(hi),
        );
    }
    let weak = d.qp.iter().flatten().filter(|&&q| q > 0.05).count();
    if weak > 0 {
        let _ = writeln!(
            o,
            "  warning: {weak} of the box's {} restrictions are not significant (qp > 0.05): there the box fits the noise of {} paths; more --paths, or a box from an earlier step of trajectory.csv, give a firmer one",
            d.qp.iter().flatten().count(),
            b.n
        );
    }
    let _ = writeln!(
        o,
        "\nThe whole trajectory: trajectory.csv and prim-tradeoff.png; every path's draws: draws.csv."
    );
    o
}
