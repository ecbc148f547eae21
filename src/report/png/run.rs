//! The charts of `empsim run`: chart specifications built from a scenario's summaries and
//! target results, rendered in parallel into `charts/`.
//!
//! - `fan-<region>-<indicator>.png`: yearly fan (5-95 % and 25-75 % bands, median), the
//!   2016-2020 history the plans give (a five-year total shown as its yearly average), the
//!   target (a cumulative floor pro rata per year, a rate cap as a line) and P(met);
//! - `cumulative-<target>.png`: for each cumulative target, the fan of the running sum
//!   from the first projection year against the pro-rata glide path to the target;
//! - `overview.png`: small multiples of every region and indicator on one page.

use crate::chart::{self, Band, FanChart, HistoryPoint, TargetLine, YRange};
use crate::error::Result;
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::{BaselineKind, Scenario, Target, TargetKind};
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
    let mut note = format!("P(met) = {:.3} ± {:.3}\n{nature}", r.p_met, r.p_met_se);
    if let Some(p) = &r.progress {
        let years = p.observed_years.len();
        match (p.remaining, p.required_pace) {
            (Some(rem), Some(pace)) => {
                note += &format!(
                    "\nachieved {:.2} in {years} yr, {rem:.2} to go\nneeds {pace:.2}/yr × {} (so far {:.2})",
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

/// The history the plans give for a region and indicator.
pub fn history(scn: &Scenario, region: usize, ind: Indicator) -> Vec<HistoryPoint> {
    let mut out = Vec::new();
    for b in scn.regions[region]
        .baselines
        .iter()
        .filter(|b| b.indicator == ind)
    {
        match b.kind {
            BaselineKind::Cumulative => out.extend(HistoryPoint::spread_average(
                b.first_year..=b.last_year,
                b.value,
                format!(
                    "{}–{} yearly average (plan total {} ÷ {})",
                    b.first_year,
                    b.last_year,
                    b.value,
                    b.last_year - b.first_year + 1
                ),
            )),
            BaselineKind::Annual | BaselineKind::Level => out.push(HistoryPoint::observed(
                b.last_year,
                b.value,
                format!("{} (plan)", b.last_year),
            )),
        }
    }
    if let Some(obs) = &scn.observations {
        let series = scn.series_index(region, ind);
        out.extend(
            obs.points
                .iter()
                .filter(|p| Some(p.series) == series)
                .map(|p| {
                    HistoryPoint::observed(
                        p.year,
                        p.value,
                        "Published yearly figure (conditioned on)",
                    )
                }),
        );
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

fn source_note(t: &Target) -> String {
    format!("{} “{}”", t.source, t.quote)
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
    FanChart {
        title: chart_title(scn, key.region, key.indicator),
        y_label: key.indicator.unit().to_string(),
        years: scn.years(),
        bands,
        median,
        history: history(scn, key.region, key.indicator),
        target: target.map(|(_, t)| line_of(t)),
        annotation: target.map(|(ti, t)| p_met_note(t, &targets[ti])),
        footer: footer.to_string(),
        source_note: target.map(|(_, t)| source_note(t)),
        y_range: match key.indicator.kind() {
            IndicatorKind::Flow => YRange::IncludeZero,
            _ => YRange::Auto,
        },
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
    let rows = rows_of(summaries, series, Measure::Cumulative);
    let (bands, median) = bands(&rows);
    let n = f64::from(t.last_year - t.first_year + 1);
    let points: Vec<(f64, f64)> = (t.first_year..=t.last_year)
        .map(|y| (f64::from(y), t.value * f64::from(y - t.first_year + 1) / n))
        .collect();
    let glide: Vec<String> = result
        .glide
        .iter()
        .map(|(y, p)| format!("{y}: {p:.2}"))
        .collect();
    FanChart {
        title: format!(
            "{} — cumulative from {} 累计",
            chart_title(scn, t.region, t.indicator),
            scn.base_year + 1
        ),
        y_label: "万人 (10k persons), running total".into(),
        years: scn.years(),
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
        footer: footer.to_string(),
        source_note: Some(source_note(t)),
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
