//! The charts of `empsim run`: chart specifications built from a scenario's summaries and
//! target results, rendered in parallel into `charts/`.
//!
//! - `fan-<region>-<indicator>.png`: yearly fan (5-95 % and 25-75 % bands, median), the
//!   2016-2020 history the plans give (a five-year total as one step at its yearly average,
//!   a plan's single year as a point the fan starts from), shock years, the
//!   target (a cumulative floor pro rata per year, a rate cap as a line) and P(met);
//! - `cumulative-<target>.png`: for each cumulative target, the fan of the running sum
//!   from the first projection year against the pro-rata glide path to the target;
//! - `overview.png`: small multiples of every region and indicator on one page.

use crate::chart::{
    self, Band, FanChart, HistoryKind, HistoryPoint, ShockYear, TargetLine, YRange,
};
use crate::error::Result;
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::{BaselineKind, Provenance, Scenario, Target, TargetKind};
use crate::stats::{Measure, SeriesSummary, TargetResult};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// One chart to render.
pub enum ChartJob {
    Fan(Box<FanChart>),
    Overview {
        panels: Vec<FanChart>,
        cols: usize,
        title: String,
        footer: String,
    },
}

/// The footer line of every chart.
pub fn footer(scn: &Scenario, seed: u64, paths: usize) -> String {
    format!(
        "scenario {} · seed {seed} · {paths} paths · empsim {}",
        scn.name,
        env!("CARGO_PKG_VERSION")
    )
}

/// `开封市 Kaifeng — 城镇新增就业 New urban jobs`.
pub fn chart_title(scn: &Scenario, region: usize, ind: Indicator) -> String {
    let r = &scn.regions[region];
    format!(
        "{} {} — {} {}",
        r.name_zh,
        r.name_en,
        ind.name_zh(),
        ind.name_en()
    )
}

/// The target drawn on a yearly chart: a cumulative floor pro rata per year, a level as a
/// horizontal line.
pub fn yearly_target_line(t: &Target) -> TargetLine {
    let requirement = crate::report::wording::requirement(t);
    match t.kind {
        TargetKind::CumulativeFloor => {
            let per_year = t.value / f64::from(t.last_year - t.first_year + 1);
            TargetLine::Horizontal {
                value: per_year,
                label: format!("Target: {requirement} ({per_year:.2} per year pro rata)"),
            }
        }
        _ => TargetLine::Horizontal {
            value: t.value,
            label: format!("Target: {requirement}"),
        },
    }
}

/// `P(met) = 0.87 ± 0.01` and the target's nature; for a target in progress, what is
/// achieved and the yearly pace the rest needs against the pace so far.
pub fn p_met_note(t: &Target, r: &TargetResult) -> String {
    let nature = crate::report::wording::nature(t.nature, str::to_string);
    let mut note = format!("P(met) = {}\n{nature}", crate::report::wording::p_met_pm(r));
    if let Some(p) = &r.progress {
        let years = p.observed_years.len();
        match (p.remaining, p.required_pace) {
            (Some(rem), Some(pace)) => {
                // No-break spaces keep each figure with its words when the box wraps.
                note += &format!(
                    "\nachieved {:.2}\u{a0}in\u{a0}{years}\u{a0}yr, {rem:.2}\u{a0}to\u{a0}go\nneeds {pace:.2}/yr\u{a0}×\u{a0}{} (so\u{a0}far\u{a0}{:.2})",
                    p.achieved, p.remaining_years, p.pace_so_far
                );
            }
            (Some(rem), None) => {
                note += &format!("\nachieved {:.2}, remaining {rem:.2}", p.achieved);
            }
            (None, _) => {
                note += &format!(
                    "\nlatest published {:.2} ({} year(s) published)",
                    p.achieved, years
                );
            }
        }
    }
    note
}

/// "plan figure" or "assumed", for a history label.
fn figure_word(p: &Provenance) -> &'static str {
    match p {
        Provenance::Plan { .. } => "plan figure",
        Provenance::Assumption { .. } => "assumed, not a plan figure",
    }
}

/// The history of a region and indicator: a cumulative baseline as its period average (one
/// step across the window), a plan's single-year figure as a point, and, in a conditioned
/// scenario, the published figures it is conditioned on.
pub fn history(scn: &Scenario, region: usize, ind: Indicator) -> Vec<HistoryPoint> {
    let mut out = Vec::new();
    for b in scn.regions[region]
        .baselines
        .iter()
        .filter(|b| b.indicator == ind)
    {
        match b.kind {
            BaselineKind::Cumulative => {
                let n = b.last_year - b.first_year + 1;
                let (total, caveat) = match b.provenance {
                    Provenance::Plan { .. } => ("plan total", ""),
                    Provenance::Assumption { .. } => ("assumed total", ", not a plan figure"),
                };
                out.extend(HistoryPoint::period_average(
                    b.first_year..=b.last_year,
                    b.value,
                    format!(
                        "{}–{} average ({total} {}\u{a0}÷\u{a0}{n}{caveat})",
                        b.first_year, b.last_year, b.value
                    ),
                ));
            }
            BaselineKind::Annual | BaselineKind::Level => out.push(HistoryPoint::known(
                b.last_year,
                b.value,
                format!(
                    "{}: {} ({})",
                    b.last_year,
                    b.value,
                    figure_word(&b.provenance)
                ),
            )),
        }
        if let Some(y) = &b.single_year {
            out.push(HistoryPoint::known(
                y.year,
                y.value,
                format!("{}: {} ({})", y.year, y.value, figure_word(&y.provenance)),
            ));
        }
    }
    if let Some(obs) = &scn.observations {
        let series = scn.series_index(region, ind);
        out.extend(
            obs.points
                .iter()
                .filter(|p| Some(p.series) == series)
                .map(|p| HistoryPoint::observed(p.year, p.value, "Published (conditioned on)")),
        );
    }
    out
}

/// The value the fan starts from: a published or known figure for the base year (the year
/// before the projection), published first. A period average is not a year's value, so it
/// gives none.
pub fn jump_off(scn: &Scenario, history: &[HistoryPoint]) -> Option<(i32, f64)> {
    let at = |kind: HistoryKind| {
        history
            .iter()
            .find(|h| h.kind == kind && h.year == scn.base_year && h.value.is_finite())
            .map(|h| (h.year, h.value))
    };
    at(HistoryKind::Observed).or_else(|| at(HistoryKind::Known))
}

/// The simulated regions' rows (leaf indices) under `region`: itself if it is simulated,
/// else those of its children.
fn leaf_rows(scn: &Scenario, region: usize, out: &mut Vec<usize>) {
    let r = &scn.regions[region];
    if let Some(leaf) = &r.leaf {
        out.push(leaf.leaf_index);
    }
    for &c in &r.children {
        leaf_rows(scn, c, out);
    }
}

/// `−3 pt`, `+0.5 pt`: a growth change with a true minus sign.
fn points(v: f64) -> String {
    let s = format!("{:+}", (v * 10.0).round() / 10.0);
    format!("{} pt", s.replace('-', "−"))
}

/// The years the scenario's shocks hit `region` (directly or through its parts), each
/// labelled with its central growth change; `legend_prefix` starts the legend text.
pub fn shock_years(scn: &Scenario, region: usize, legend_prefix: &str) -> Vec<ShockYear> {
    let mut rows = Vec::new();
    leaf_rows(scn, region, &mut rows);
    let mut out: Vec<ShockYear> = Vec::new();
    for sh in &scn.shocks {
        if !sh.leaves.iter().any(|l| rows.contains(l)) {
            continue;
        }
        let len = sh
            .effects
            .iter()
            .map(|(_, e)| e.len())
            .chain([sh.growth.len()])
            .max()
            .unwrap_or(0)
            .max(1);
        let chance = if sh.probability < 1.0 {
            format!(" (on {:.0} % of paths)", sh.probability * 100.0)
        } else {
            String::new()
        };
        let span = if len > 1 {
            format!("{}–{}", sh.year, sh.year + len as i32 - 1)
        } else {
            sh.year.to_string()
        };
        let legend = format!("{legend_prefix}Shock {span}{chance} (labels: central growth change)");
        for k in 0..len {
            let year = sh.year + k as i32;
            let label = match sh.growth.get(k) {
                Some(&g) if g != 0.0 => points(g),
                _ => "shock".to_owned(),
            };
            if !out.iter().any(|o| o.year == year) {
                out.push(ShockYear {
                    year,
                    label,
                    legend: legend.clone(),
                });
            }
        }
    }
    out
}

/// The source line of a chart: the target's quote, and the sources of the history drawn
/// (a chart without a target names its history's sources alone).
pub fn history_sources(scn: &Scenario, region: usize, ind: Indicator) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |what: String, p: &Provenance| {
        let s = match p {
            Provenance::Plan { source, quote } => {
                format!("{what}: {} “{quote}”", scn.source_titles(source))
            }
            Provenance::Assumption {
                rationale, source, ..
            } => match source {
                Some(src) => format!("{what}: assumed ({}) — {rationale}", scn.source_titles(src)),
                None => format!("{what}: assumed — {rationale}"),
            },
        };
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for b in scn.regions[region]
        .baselines
        .iter()
        .filter(|b| b.indicator == ind)
    {
        let what = if b.first_year == b.last_year {
            b.last_year.to_string()
        } else {
            format!("{}–{}", b.first_year, b.last_year)
        };
        push(what, &b.provenance);
        if let Some(y) = &b.single_year {
            push(y.year.to_string(), &y.provenance);
        }
    }
    out
}

fn rows_of(summaries: &[SeriesSummary], series: usize, measure: Measure) -> Vec<&SeriesSummary> {
    summaries
        .iter()
        .filter(|r| r.series == series && r.measure == measure)
        .collect()
}

fn bands(rows: &[&SeriesSummary]) -> (Vec<Band>, Vec<f64>) {
    let col = |i: usize| rows.iter().map(|r| r.q[i]).collect::<Vec<f64>>();
    (
        vec![
            Band {
                lower: col(0),
                upper: col(6),
                label: "5–95 % of paths".into(),
            },
            Band {
                lower: col(2),
                upper: col(4),
                label: "25–75 % of paths".into(),
            },
        ],
        col(3),
    )
}

fn source_note(scn: &Scenario, t: &Target) -> String {
    crate::report::wording::target_source(scn, t)
}

/// The source line of a yearly chart: the target's source, or, without a target, the
/// sources of the history drawn.
fn yearly_source(
    scn: &Scenario,
    region: usize,
    ind: Indicator,
    t: Option<&Target>,
) -> Option<String> {
    match t {
        Some(t) => Some(source_note(scn, t)),
        None => {
            let h = history_sources(scn, region, ind);
            (!h.is_empty()).then(|| h.join("; "))
        }
    }
}

/// The yearly fan chart of one series.
pub fn fan_chart(
    scn: &Scenario,
    summaries: &[SeriesSummary],
    targets: &[TargetResult],
    series: usize,
    footer: &str,
) -> FanChart {
    let key = scn.series[series];
    let rows = rows_of(summaries, series, Measure::Annual);
    let (bands, median) = bands(&rows);
    // Several targets on one series (a 14th- and a 15th-plan target): the chart shows the
    // one whose period ends last (the longest of those), over its own years.
    let target = scn
        .targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.region == key.region && t.indicator == key.indicator)
        .fold(None, |best: Option<(usize, &Target)>, (i, t)| match best {
            Some((_, b))
                if (b.last_year, b.last_year - b.first_year)
                    >= (t.last_year, t.last_year - t.first_year) =>
            {
                best
            }
            _ => Some((i, t)),
        });
    let years = scn.years();
    let line_of = |t: &Target| {
        let line = yearly_target_line(t);
        if years.first() == Some(&t.first_year) && years.last() == Some(&t.last_year) {
            return line;
        }
        match line {
            TargetLine::Horizontal { value, label } => TargetLine::Path {
                // Half a year beyond the period, within the projection years (the axis).
                points: vec![
                    (
                        f64::from(t.first_year)
                            - if years.first() == Some(&t.first_year) {
                                0.0
                            } else {
                                0.5
                            },
                        value,
                    ),
                    (
                        f64::from(t.last_year)
                            + if years.last() == Some(&t.last_year) {
                                0.0
                            } else {
                                0.5
                            },
                        value,
                    ),
                ],
                label,
            },
            other => other,
        }
    };
    let history = history(scn, key.region, key.indicator);
    FanChart {
        title: chart_title(scn, key.region, key.indicator),
        y_label: key.indicator.unit().to_string(),
        years: scn.years(),
        bands,
        median,
        jump_off: jump_off(scn, &history),
        history,
        shocks: shock_years(scn, key.region, ""),
        target: target.map(|(_, t)| line_of(t)),
        annotation: target.map(|(ti, t)| p_met_note(t, &targets[ti])),
        footer: footer.to_string(),
        source_note: yearly_source(scn, key.region, key.indicator, target.map(|(_, t)| t)),
        // Fitted to the data: a yearly flow, rate or stock far from 0 is not squeezed into
        // a strip of the plot (the axis starts at 0 only when the data come near it).
        y_range: YRange::Auto,
        ..FanChart::default()
    }
}

/// The cumulative chart of a cumulative-floor target.
pub fn cumulative_chart(
    scn: &Scenario,
    summaries: &[SeriesSummary],
    result: &TargetResult,
    footer: &str,
) -> FanChart {
    let t = &scn.targets[result.target];
    let series = scn
        .series_index(t.region, t.indicator)
        .expect("validated target");
    // The running sum from the period's first year: the series' cumulative summaries when
    // the period starts with the projection, else the target's own (a 2026-2030 target).
    let own: Vec<SeriesSummary> = result
        .running
        .iter()
        .map(|&(year, q)| SeriesSummary {
            series,
            measure: Measure::Cumulative,
            year,
            mean: f64::NAN,
            sd: f64::NAN,
            q,
        })
        .collect();
    let rows: Vec<&SeriesSummary> = if own.is_empty() {
        rows_of(summaries, series, Measure::Cumulative)
    } else {
        own.iter().collect()
    };
    let (bands, median) = bands(&rows);
    let n = f64::from(t.last_year - t.first_year + 1);
    // From 0 the year before the period starts, as the fan does.
    let from = t.first_year - 1;
    let years: Vec<i32> = if own.is_empty() {
        scn.years()
    } else {
        (t.first_year..=t.last_year).collect()
    };
    let points: Vec<(f64, f64)> = (from..=t.last_year)
        .map(|y| (f64::from(y), t.value * f64::from(y - t.first_year + 1) / n))
        .collect();
    let glide: Vec<String> = result
        .glide
        .iter()
        // A no-break space keeps a year with its value when the note box wraps.
        .map(|(y, p)| format!("{y}:\u{a0}{p:.2}"))
        .collect();
    FanChart {
        title: format!(
            "{} — cumulative from {} 累计",
            chart_title(scn, t.region, t.indicator),
            t.first_year
        ),
        y_label: "万人 (10k persons), running total".into(),
        years,
        bands,
        median,
        target: Some(TargetLine::Path {
            points,
            label: format!(
                "Glide path to {} {} 万 by {} (时间过半、任务过半)",
                t.kind.symbol(),
                t.value,
                t.last_year
            ),
        }),
        annotation: Some(format!(
            "{}\nP(on track) {}",
            p_met_note(t, result),
            glide.join(", ")
        )),
        shocks: shock_years(scn, t.region, ""),
        // The running total is 0 before its first year: the fan starts there.
        jump_off: Some((t.first_year - 1, 0.0)),
        footer: footer.to_string(),
        source_note: Some(source_note(scn, t)),
        y_range: YRange::IncludeZero,
        ..FanChart::default()
    }
}

/// The lower-case, file-safe slug used in chart file names: ASCII letters, digits, `_` and
/// `-` are kept, anything else becomes `-`.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Every chart of a run, with its file name under `charts/`.
pub fn chart_jobs(
    scn: &Scenario,
    summaries: &[SeriesSummary],
    targets: &[TargetResult],
    seed: u64,
    paths: usize,
) -> Vec<(String, ChartJob)> {
    let foot = footer(scn, seed, paths);
    let mut jobs = Vec::new();
    // Overview: a row per region with its yearly indicators in a fixed column order;
    // stocks (few regions have one) follow at the end so the columns stay aligned.
    let mut panels = Vec::new();
    let mut stock_panels = Vec::new();
    for (s, key) in scn.series.iter().enumerate() {
        let spec = fan_chart(scn, summaries, targets, s, &foot);
        if key.indicator.kind() == IndicatorKind::Stock {
            stock_panels.push(spec.clone());
        } else {
            panels.push(spec.clone());
        }
        jobs.push((
            format!(
                "fan-{}-{}.png",
                slug(&scn.regions[key.region].id),
                key.indicator.key()
            ),
            ChartJob::Fan(Box::new(spec)),
        ));
    }
    panels.extend(stock_panels);
    for r in targets {
        let t = &scn.targets[r.target];
        if t.kind == TargetKind::CumulativeFloor {
            jobs.push((
                format!("cumulative-{}.png", slug(&t.id)),
                ChartJob::Fan(Box::new(cumulative_chart(scn, summaries, r, &foot))),
            ));
        }
    }
    let cols = scn
        .regions
        .iter()
        .map(|r| {
            r.indicators
                .iter()
                .filter(|i| i.kind() != IndicatorKind::Stock)
                .count()
        })
        .max()
        .unwrap_or(1)
        .max(1);
    jobs.push((
        "overview.png".into(),
        ChartJob::Overview {
            panels,
            cols,
            title: format!(
                "{} — {}",
                scn.name,
                "regions × indicators, 5–95 % and 25–75 % bands, median, plan history and targets"
            ),
            footer: foot,
        },
    ));
    jobs
}

/// Renders chart jobs into `dir` in parallel; returns the files written, in job order.
pub fn render(dir: &Path, jobs: &[(String, ChartJob)]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| crate::outdir::io_err(dir, e))?;
    jobs.par_iter()
        .map(|(name, job)| {
            let path = dir.join(name);
            match job {
                ChartJob::Fan(spec) => chart::render_fan_chart(spec, &path).map(|_| ()),
                ChartJob::Overview {
                    panels,
                    cols,
                    title,
                    footer,
                } => {
                    let size = chart::suggested_page_size(panels.len(), *cols);
                    chart::render_small_multiples(panels, *cols, title, footer, size, &path)
                        .map(|_| ())
                }
            }
            .map_err(super::chart_error)?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(
            slug("kaifeng.urban_new_jobs.cumulative_floor"),
            "kaifeng-urban_new_jobs-cumulative_floor"
        );
    }
}
