//! The charts of `empsim compare`: per region and indicator, each scenario's median and
//! 5–95 % band in its own colour, the plan history and the target of the first scenario that
//! has one there, with every scenario's P(met) in the legend.

use crate::analysis::compare::{CompareRow, ScenarioRun};
use crate::chart::{self, ComparisonChart, ComparisonSeries, YRange};
use crate::error::Result;
use crate::indicator::Indicator;
use crate::report::png::run::{
    chart_title, history, history_sources, jump_off, shock_years, yearly_target_line,
};
use crate::report::text::compare::p_met_cell;
use crate::scenario::Target;
use crate::stats::Measure;
use rayon::prelude::*;
use std::path::Path;

/// The footer of every comparison chart.
pub fn footer(runs: &[ScenarioRun], seed: u64, paths: usize) -> String {
    let names: Vec<&str> = runs.iter().map(|r| r.scenario.name.as_str()).collect();
    format!(
        "compare {} · seed {seed} · {paths} paths each · empsim {}",
        names.join(" vs "),
        env!("CARGO_PKG_VERSION")
    )
}

/// Median and 5–95 % per aligned year; NaN outside the series' horizon.
fn aligned_series(run: &ScenarioRun, series: usize, years: &[i32]) -> [Vec<f64>; 3] {
    let mut out = [
        vec![f64::NAN; years.len()],
        vec![f64::NAN; years.len()],
        vec![f64::NAN; years.len()],
    ];
    for r in run
        .summaries
        .iter()
        .filter(|r| r.series == series && r.measure == Measure::Annual)
    {
        if let Some(k) = years.iter().position(|&y| y == r.year) {
            out[0][k] = r.q[3];
            out[1][k] = r.q[0];
            out[2][k] = r.q[6];
        }
    }
    out
}

/// One chart spec per region and indicator that any scenario projects.
pub fn chart_specs(
    runs: &[ScenarioRun],
    rows: &[CompareRow],
    years: &[i32],
    foot: &str,
) -> Vec<(String, ComparisonChart)> {
    let mut out = Vec::new();
    for (region_id, ind) in chart_keys(runs) {
        // Per scenario, the region's index and the series, where it projects them.
        let located: Vec<Option<(usize, usize)>> = runs
            .iter()
            .map(|r| {
                let scn = &r.scenario;
                let ri = scn.regions.iter().position(|x| x.id == region_id)?;
                Some((ri, scn.series_index(ri, ind)?))
            })
            .collect();
        let Some((ref_si, (ref_ri, _))) = located
            .iter()
            .enumerate()
            .find_map(|(i, l)| l.map(|l| (i, l)))
        else {
            continue;
        };
        let ref_scn = &runs[ref_si].scenario;
        // The target: the first scenario's that has one on this region and indicator.
        let target = runs.iter().enumerate().find_map(|(si, r)| {
            let (ri, _) = located[si]?;
            let t = r
                .scenario
                .targets
                .iter()
                .find(|t| t.region == ri && t.indicator == ind)?;
            Some((si, t))
        });
        let spec = ComparisonChart {
            title: chart_title(ref_scn, ref_ri, ind),
            y_label: ind.unit().to_string(),
            years: years.to_vec(),
            series: legend_series(runs, rows, years, &located, target.map(|(_, t)| t)),
            jump_off: jump_off(ref_scn, &history(ref_scn, ref_ri, ind)),
            history: history(ref_scn, ref_ri, ind),
            shocks: shocks(runs, &located),
            target: target.map(|(si, t)| target_line(runs, si, t)),
            annotation: target.and_then(|(_, t)| annotation(runs, rows, t)),
            footer: foot.to_string(),
            source_note: target
                .map(|(si, t)| crate::report::wording::target_source(&runs[si].scenario, t))
                .or_else(|| {
                    let h = history_sources(ref_scn, ref_ri, ind);
                    (!h.is_empty()).then(|| h.join("; "))
                }),
            // Fitted to the data, as the run's yearly charts.
            y_range: YRange::Auto,
            ..ComparisonChart::default()
        };
        out.push((
            format!(
                "compare-{}-{}.png",
                crate::report::png::run::slug(&region_id),
                ind.key()
            ),
            spec,
        ));
    }
    out
}

/// The shock years of every scenario that has shocks on the region, each scenario's legend
/// naming it; a year shaded for an earlier scenario is not shaded again.
fn shocks(runs: &[ScenarioRun], located: &[Option<(usize, usize)>]) -> Vec<chart::ShockYear> {
    let mut out: Vec<chart::ShockYear> = Vec::new();
    for (r, loc) in runs.iter().zip(located) {
        let Some((ri, _)) = loc else { continue };
        let prefix = format!("{}: ", r.scenario.name);
        for s in shock_years(&r.scenario, *ri, &prefix) {
            if !out.iter().any(|o| o.year == s.year) {
                out.push(s);
            }
        }
    }
    out
}

/// (region id, indicator) of every series any scenario projects, in order of first
/// appearance.
fn chart_keys(runs: &[ScenarioRun]) -> Vec<(String, Indicator)> {
    let mut keys: Vec<(String, Indicator)> = Vec::new();
    for r in runs {
        for s in &r.scenario.series {
            let key = (r.scenario.regions[s.region].id.clone(), s.indicator);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// Each scenario's median and band, labelled with its name, then its P(met) of the target
/// drawn and, for the others, the difference from the first scenario (Δ).
fn legend_series(
    runs: &[ScenarioRun],
    rows: &[CompareRow],
    years: &[i32],
    located: &[Option<(usize, usize)>],
    target: Option<&Target>,
) -> Vec<ComparisonSeries> {
    let row_of = |name: &str, id: &str| {
        rows.iter()
            .find(|x| x.target_id == id && x.scenario == name)
    };
    runs.iter()
        .zip(located)
        .enumerate()
        .map(|(i, (r, loc))| {
            let [median, lower, upper] = match loc {
                Some((_, s)) => aligned_series(r, *s, years),
                None => [
                    vec![f64::NAN; years.len()],
                    vec![f64::NAN; years.len()],
                    vec![f64::NAN; years.len()],
                ],
            };
            let name = &r.scenario.name;
            let label = match (loc, target) {
                (None, _) => format!("{name} (not projected)"),
                (Some(_), None) => name.clone(),
                (Some(_), Some(t)) => {
                    let cell = row_of(name, &t.id)
                        .and_then(|row| p_met_cell(row, i == 0, " Δ ", "−"))
                        .map_or_else(|| "no such target".into(), |c| format!("P(met) {c}"));
                    format!("{name}\n{cell}")
                }
            };
            ComparisonSeries {
                label,
                median,
                lower,
                upper,
            }
        })
        .collect()
}

/// The note that explains Δ where a legend shows one, and flags a redefined target.
fn annotation(runs: &[ScenarioRun], rows: &[CompareRow], t: &Target) -> Option<String> {
    let mut notes = Vec::new();
    let base = &runs[0].scenario.name;
    if rows
        .iter()
        .any(|x| x.target_id == t.id && x.scenario != *base && x.diff.is_some())
    {
        notes.push(format!("Δ: change in P(met) from {base}"));
    }
    if rows.iter().any(|x| x.target_id == t.id && x.redefined) {
        notes.push("* the target differs in this scenario".to_string());
    }
    (!notes.is_empty()).then(|| notes.join("\n"))
}

/// The target line, naming the scenario it comes from when that is not the first.
fn target_line(runs: &[ScenarioRun], si: usize, t: &Target) -> chart::TargetLine {
    let mut line = yearly_target_line(t);
    if si != 0 {
        let label = format!("{} (from {})", line.label(), runs[si].scenario.name);
        match &mut line {
            chart::TargetLine::Horizontal { label: l, .. }
            | chart::TargetLine::Path { label: l, .. } => *l = label,
        }
    }
    line
}

/// Renders the charts into `dir/charts/` in parallel.
///
/// # Errors
/// As [`super::chart_error`].
pub fn render(dir: &Path, charts: &[(String, ComparisonChart)]) -> Result<()> {
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|e| crate::outdir::io_err(&charts_dir, e))?;
    charts.par_iter().try_for_each(|(name, spec)| {
        chart::render_comparison(spec, &charts_dir.join(name))
            .map(|_| ())
            .map_err(super::chart_error)
    })
}
