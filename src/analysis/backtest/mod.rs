//! Backtesting: how far the bands can be trusted. [`score_observations`] scores each
//! observed value of an actuals file ([`crate::scenario::actuals`]) against the simulated
//! distribution of the same region, indicator, measure and period
//! ([`crate::stats::score`]): its PIT (mid-rank), whether the central
//! 50 % and 90 % bands cover it, the interval (Winkler) scores of those bands, the CRPS and
//! the error of the median. A summary ([`summary`]) gives the coverage of each band
//! against its nominal rate, the mean PIT and the mean CRPS per region and indicator, per
//! region, per indicator and overall. Observed values the scenario does not project are
//! kept as rows with status `not_projected` and the reason.
//!
//! An observed value that is itself one of the scenario's baselines (same region,
//! indicator and period; or a baseline's `single_year` figure) is scored but flagged
//! `is_baseline`: the projection was anchored on it, so it is in-sample by construction.
//! Its PIT checks the anchoring (it should be near ½), not the width of the bands, and it
//! is left out of the coverage and CRPS summaries, which count independent observations
//! only.

pub mod summary;

pub use crate::scenario::actuals::{ActualsError, Observation, Period};
pub use crate::stats::score::Score;
pub use summary::SummaryRow;

use crate::engine::Simulation;
use crate::error::Result;
use crate::indicator::Indicator;
use crate::scenario::{BaselineKind, Scenario};
use crate::stats::{self, Measure};
use serde::Serialize;

/// Whether an observation could be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The scenario projects it; see the row's score.
    Scored,
    /// The scenario does not project this region, indicator or period; see the reason.
    NotProjected,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Scored => "scored",
            Status::NotProjected => "not_projected",
        }
    }
}

/// One observation and its scores.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestRow {
    pub observation: Observation,
    pub status: Status,
    /// Why it is not projected (`NotProjected` only).
    pub reason: Option<String>,
    /// The observed value is one of the scenario's own baselines (in-sample by
    /// construction); such rows are left out of the summaries.
    pub is_baseline: bool,
    /// The scenario was conditioned on this very figure (a yearly figure of the
    /// observations): in-sample, its simulated value is the figure itself; left out of the
    /// summaries.
    pub conditioned: bool,
    /// The years summed (the year itself for annual values), for scored rows.
    pub years: Option<(i32, i32)>,
    pub score: Option<Score>,
}

impl BacktestRow {
    /// A scored observation that is neither one of the scenario's baselines nor a figure
    /// it was conditioned on.
    pub fn is_independent(&self) -> bool {
        self.status == Status::Scored && !self.is_baseline && !self.conditioned
    }
}

/// The final guard before anything is written: every score is finite (the percentages
/// relative to an observed 0 are the one documented "not applicable", written empty).
pub fn check_finite(rows: &[BacktestRow]) -> Result<()> {
    for r in rows {
        let Some(s) = &r.score else { continue };
        let values = [
            s.p05,
            s.p25,
            s.median,
            s.p75,
            s.p95,
            s.pit,
            s.interval_score_50,
            s.interval_score_90,
            s.crps,
        ];
        if let Some(v) = values.into_iter().find(|v| !v.is_finite()) {
            let o = &r.observation;
            return Err(crate::Error::NonFinite {
                what: format!(
                    "the score of line {} ({} {} {})",
                    o.line,
                    o.region,
                    o.indicator,
                    o.period.label()
                ),
                value: v,
            });
        }
    }
    Ok(())
}

/// Scores every observation against the simulation, in file order.
pub fn score_observations(
    scn: &Scenario,
    sim: &Simulation,
    observations: Vec<Observation>,
) -> Vec<BacktestRow> {
    observations
        .into_iter()
        .map(|obs| match locate(scn, &obs) {
            Err(reason) => BacktestRow {
                observation: obs,
                status: Status::NotProjected,
                reason: Some(reason),
                is_baseline: false,
                conditioned: false,
                years: None,
                score: None,
            },
            Ok((region, series, first, last)) => {
                let sample = stats::sorted(&window_values(scn, sim, series, first, last));
                let score = crate::stats::score::score(&sample, obs.value);
                let is_baseline = is_baseline(scn, region, &obs, first, last);
                let conditioned = obs.measure == Measure::Annual
                    && scn.observations.as_ref().is_some_and(|o| {
                        o.points
                            .iter()
                            .any(|p| p.series == series && p.year == last)
                    });
                BacktestRow {
                    observation: obs,
                    status: Status::Scored,
                    reason: None,
                    is_baseline,
                    conditioned,
                    years: Some((first, last)),
                    score: Some(score),
                }
            }
        })
        .collect()
}

/// The region, series and years of an observation, or why the scenario does not project it.
fn locate(
    scn: &Scenario,
    obs: &Observation,
) -> std::result::Result<(usize, usize, i32, i32), String> {
    let region = scn
        .regions
        .iter()
        .position(|r| r.id == obs.region)
        .ok_or_else(|| format!("region `{}` is not in the scenario", obs.region))?;
    let series = scn.series_index(region, obs.indicator).ok_or_else(|| {
        format!(
            "the scenario does not project {} for {}",
            obs.indicator, obs.region
        )
    })?;
    let (p0, p1) = (scn.base_year + 1, scn.end_year);
    let (first, last) = match (obs.measure, obs.period) {
        (Measure::Annual, Period::Year(y)) => (y, y),
        (Measure::Cumulative, Period::Year(y)) => (p0, y),
        (_, Period::Range(a, b)) => (a, b),
    };
    if first < p0 || last > p1 || last < first {
        return Err(match obs.period {
            Period::Year(y) => format!("{y} is outside the projection years {p0}-{p1}"),
            Period::Range(a, b) => {
                format!("the period {a}-{b} is not within the projection years {p0}-{p1}")
            }
        });
    }
    Ok((region, series, first, last))
}

/// Per path: the sum of the series over `first..=last` (its value in that year when
/// first == last, as for every annual observation).
fn window_values(
    scn: &Scenario,
    sim: &Simulation,
    series: usize,
    first: i32,
    last: i32,
) -> Vec<f64> {
    let a = (first - scn.base_year - 1) as usize;
    let b = (last - scn.base_year - 1) as usize;
    (0..sim.n_paths)
        .map(|p| sim.path_series(p, series)[a..=b].iter().sum())
        .collect()
}

/// Whether the observation is a figure the scenario was built on: a baseline of the same
/// region and indicator over the same years, or a baseline's `single_year` figure.
fn is_baseline(scn: &Scenario, region: usize, obs: &Observation, first: i32, last: i32) -> bool {
    scn.regions[region]
        .baselines
        .iter()
        .filter(|b| b.indicator == obs.indicator)
        .any(|b| match obs.measure {
            Measure::Cumulative => {
                b.kind == BaselineKind::Cumulative && b.first_year == first && b.last_year == last
                    || (first == last && b.single_year.as_ref().is_some_and(|f| f.year == first))
            }
            Measure::Annual => {
                (b.kind != BaselineKind::Cumulative && b.last_year == first)
                    || b.single_year.as_ref().is_some_and(|f| f.year == first)
            }
        })
}

/// The indicators in output order, for sorting.
pub fn indicator_rank(i: Indicator) -> usize {
    Indicator::ALL
        .iter()
        .position(|x| *x == i)
        .unwrap_or(usize::MAX)
}
