//! Backtest fan charts: for each region, indicator and measure with a scored observation,
//! the simulated 5-95 % and 25-75 % bands and median over the projection years, with the
//! published values on top (black diamonds; a figure the scenario is calibrated on, not a
//! test, as a grey dot). Annual observations sit at their year;
//! cumulative ones on the running sum from the first projection year, at their last year.
//! A cumulative observation over a window that starts later than the first projection
//! year is scored but not drawn (it is not a point of the running sum).

use crate::analysis::backtest::{BacktestRow, Status, indicator_rank};
use crate::chart::{Band, FanChart, HistoryPoint, YRange};
use crate::engine::Simulation;
use crate::error::Result;
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::Scenario;
use crate::scenario::actuals::{Period, measure_key};
use crate::stats::{self, Measure, quantile_sorted};
use rayon::prelude::*;
use std::path::Path;

/// A chart to render: its file name inside `charts/` and its spec.
pub struct ChartJob {
    pub file: String,
    pub spec: FanChart,
}

/// The most observations listed in a chart's note box.
const MAX_NOTES: usize = 6;

/// One chart per (region, indicator, measure) with a drawable scored observation, in the
/// scenario's region order and the indicators' order, annual before cumulative.
pub fn specs(scn: &Scenario, sim: &Simulation, rows: &[BacktestRow], seed: u64) -> Vec<ChartJob> {
    let p0 = scn.base_year + 1;
    let drawable = |r: &BacktestRow| {
        r.status == Status::Scored
            && match (r.observation.measure, r.observation.period) {
                (Measure::Annual, _) | (Measure::Cumulative, Period::Year(_)) => true,
                (Measure::Cumulative, Period::Range(a, _)) => a == p0,
            }
    };
    let mut groups: Vec<(usize, Indicator, Measure)> = Vec::new();
    for r in rows.iter().filter(|r| drawable(r)) {
        let Some(ri) = scn
            .regions
            .iter()
            .position(|x| x.id == r.observation.region)
        else {
            continue;
        };
        let key = (ri, r.observation.indicator, r.observation.measure);
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    groups.sort_by_key(|&(ri, ind, m)| (ri, indicator_rank(ind), m == Measure::Cumulative));

    groups
        .into_iter()
        .filter_map(|(ri, ind, measure)| {
            let series = scn.series_index(ri, ind)?;
            let obs: Vec<&BacktestRow> = rows
                .iter()
                .filter(|r| {
                    drawable(r)
                        && r.observation.region == scn.regions[ri].id
                        && r.observation.indicator == ind
                        && r.observation.measure == measure
                })
                .collect();
            Some(ChartJob {
                file: format!(
                    "{}-{}-{}.png",
                    scn.regions[ri].id,
                    ind.key(),
                    measure_key(measure)
                ),
                spec: spec(scn, sim, ri, ind, measure, series, &obs, seed),
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn spec(
    scn: &Scenario,
    sim: &Simulation,
    ri: usize,
    ind: Indicator,
    measure: Measure,
    series: usize,
    obs: &[&BacktestRow],
    seed: u64,
) -> FanChart {
    let q = fan_quantiles(sim, series, measure);
    let col = |i: usize| q.iter().map(|v| v[i]).collect::<Vec<f64>>();
    let region = &scn.regions[ri];
    let history: Vec<HistoryPoint> = obs
        .iter()
        .map(|r| {
            let (year, value) = (r.observation.period.last(), r.observation.value);
            if r.is_baseline {
                // Known to the scenario: a plan figure it is calibrated on, not a test.
                HistoryPoint::known(year, value, "Published, calibrated on (not a test)")
            } else {
                HistoryPoint::observed(year, value, "Published (actuals file)")
            }
        })
        .collect();
    FanChart {
        title: format!(
            "{} {} — {} {}{} · backtest",
            region.name_zh,
            region.name_en,
            ind.name_zh(),
            ind.name_en(),
            if measure == Measure::Cumulative {
                " (running sum)"
            } else {
                ""
            }
        ),
        y_label: unit_label(ind, measure, scn.base_year + 1),
        x_label: "Year".into(),
        years: scn.years(),
        bands: vec![
            Band {
                lower: col(0),
                upper: col(4),
                label: "5–95 % of paths".into(),
            },
            Band {
                lower: col(1),
                upper: col(3),
                label: "25–75 % of paths".into(),
            },
        ],
        median: col(2),
        median_label: "Median".into(),
        history,
        target: None,
        annotation: Some(score_notes(obs).join("\n")),
        footer: format!(
            "empsim backtest · scenario {}{} · seed {seed} · {} paths",
            scn.name,
            if scn.in_sample { " (in-sample)" } else { "" },
            sim.n_paths
        ),
        source_note: Some(sources(obs).join("; ")),
        y_range: YRange::Auto,
        ..FanChart::default()
    }
}

/// Per projection year, the 5, 25, 50, 75 and 95 % quantiles of the series (of its running
/// sum for cumulative measures).
fn fan_quantiles(sim: &Simulation, series: usize, measure: Measure) -> Vec<[f64; 5]> {
    let mut running = vec![0.0; sim.n_paths];
    (0..sim.n_years)
        .map(|k| {
            let xs = sim.across_paths(series, k);
            let st = if measure == Measure::Cumulative {
                for (r, x) in running.iter_mut().zip(&xs) {
                    *r += x;
                }
                stats::sorted(&running)
            } else {
                stats::sorted(&xs)
            };
            [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| quantile_sorted(&st, p))
        })
        .collect()
}

/// One note per scored observation (its PIT and band), at most [`MAX_NOTES`].
fn score_notes(obs: &[&BacktestRow]) -> Vec<String> {
    let mut notes: Vec<String> = obs
        .iter()
        .take(MAX_NOTES)
        .filter_map(|r| {
            let s = r.score?;
            let band = if s.in_50 {
                "in 50% band"
            } else if s.in_90 {
                "in 90% band only"
            } else {
                "outside 90% band"
            };
            Some(format!(
                "{}: {} · PIT {:.2} · {band}",
                r.observation.period.label(),
                r.observation.value,
                s.pit
            ))
        })
        .collect();
    if obs.len() > MAX_NOTES {
        notes.push(format!("… and {} more", obs.len() - MAX_NOTES));
    }
    notes
}

/// The sources of the observations, each once.
fn sources(obs: &[&BacktestRow]) -> Vec<String> {
    let mut sources: Vec<String> = Vec::new();
    for r in obs {
        let o = &r.observation;
        let s = if o.quote.is_empty() {
            o.source.clone()
        } else {
            format!("{}: “{}”", o.source, o.quote)
        };
        if !sources.contains(&s) {
            sources.push(s);
        }
    }
    sources
}

/// The y-axis label: the unit of the indicator for the measure.
fn unit_label(ind: Indicator, measure: Measure, first_year: i32) -> String {
    match (ind.kind(), measure) {
        (IndicatorKind::Flow, Measure::Annual) => "万人 (10k persons) per year".to_string(),
        (IndicatorKind::Flow, Measure::Cumulative) => {
            format!("万人 (10k persons), running sum from {first_year}")
        }
        (IndicatorKind::Stock, _) => "万人 (10k persons), year end".to_string(),
        (IndicatorKind::Rate, _) => "% (annual average)".to_string(),
    }
}

/// Renders the charts into `dir/charts/` in parallel.
///
/// # Errors
/// As [`super::chart_error`].
pub fn render(dir: &Path, charts: &[ChartJob]) -> Result<()> {
    if charts.is_empty() {
        return Ok(());
    }
    let chart_dir = dir.join("charts");
    std::fs::create_dir(&chart_dir).map_err(|e| crate::outdir::io_err(&chart_dir, e))?;
    charts.par_iter().try_for_each(|job| {
        crate::chart::render_fan_chart(&job.spec, &chart_dir.join(&job.file))
            .map(|_| ())
            .map_err(super::chart_error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::missing_glyphs;
    use std::path::Path;

    #[test]
    fn every_text_of_the_example_charts_has_glyphs() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/backtest");
        let scn = Scenario::from_file(&dir.join("plans-in-sample.toml")).unwrap();
        let obs = crate::scenario::actuals::read(&dir.join("actuals-plans.csv")).unwrap();
        let sim = crate::engine::simulate(&scn, 200, 1, &[]);
        let rows = crate::analysis::backtest::score_observations(&scn, &sim, obs.observations);
        let jobs = specs(&scn, &sim, &rows, 1);
        assert_eq!(jobs.len(), 15);
        for j in &jobs {
            let s = &j.spec;
            let mut texts = vec![
                s.title.clone(),
                s.y_label.clone(),
                s.footer.clone(),
                s.annotation.clone().unwrap_or_default(),
                s.source_note.clone().unwrap_or_default(),
            ];
            texts.extend(s.bands.iter().map(|b| b.label.clone()));
            texts.extend(s.history.iter().map(|h| h.label.clone()));
            for t in texts {
                assert_eq!(missing_glyphs(&t), Vec::<char>::new(), "{}: {t}", j.file);
            }
        }
    }
}
