//! Observations a scenario is conditioned on, resolved against its regions and series:
//! which figures the filter weighs, at which stage, with which measurement error, the
//! realised GDP growth that replaces the assumed path, and the figures left aside with the
//! reason (see docs/MODEL.md, "Conditioning on observations").

use super::actuals::Quality;
use super::{Slot, SourceFile};
use crate::indicator::Indicator;
use serde::Serialize;

/// The observations of a scenario, with the parameters of their measurement model.
#[derive(Debug, Clone)]
pub struct Observations {
    /// The observation files, in the order they were named.
    pub files: Vec<SourceFile>,
    pub errors: MeasurementErrors,
    /// Indicator figures the projection is conditioned on, in file and line order.
    pub points: Vec<ObservedPoint>,
    /// Realised GDP growth of projection years (replaces the growth path).
    pub growth: Vec<ObservedGrowth>,
    /// Figures read but not used, with the reason.
    pub skipped: Vec<Skipped>,
}

impl Observations {
    /// The last projection year with an indicator figure, if any.
    pub fn last_year(&self) -> Option<i32> {
        self.points
            .iter()
            .filter(|p| matches!(p.stage, Stage::Projection(_)))
            .map(|p| p.year)
            .max()
    }

    /// The figure of a series in projection year index `k`, if observed.
    pub fn value_at(&self, series: usize, k: usize) -> Option<&ObservedPoint> {
        self.points
            .iter()
            .find(|p| p.series == series && p.stage == Stage::Projection(k))
    }

    /// The observation file of a figure, for messages.
    pub fn file_of(&self, file: usize) -> &std::path::Path {
        &self.files[file].path
    }
}

/// The slots of the measurement model's parameters in [`super::Scenario::params`].
///
/// A flow or stock figure y of a true value x: log y = log x + e; a rate: y = x + e, with
/// e drawn from a two-part mixture: with probability 1 − `outlier_share` a normal of sd
/// `final_error` or `preliminary_error` (rates: `rate_error`), else a wide normal of sd
/// `outlier_error` (rates: `rate_outlier_error`), so that one coverage break or misprint
/// cannot dominate the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasurementErrors {
    pub final_error: Slot,
    pub preliminary_error: Slot,
    pub rate_error: Slot,
    pub outlier_share: Slot,
    pub outlier_error: Slot,
    pub rate_outlier_error: Slot,
}

/// When a figure enters the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// At or before the base year: a flow weighed against its trend line, a rate at the
    /// base year against the initial level.
    BeforeProjection,
    /// Projection year index `k`: weighed against the simulated value of that year.
    Projection(usize),
}

/// A figure the projection is conditioned on.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedPoint {
    /// Index into [`Observations::files`].
    pub file: usize,
    pub line: u64,
    pub region: usize,
    pub indicator: Indicator,
    /// The output series of the region and indicator.
    pub series: usize,
    pub year: i32,
    pub value: f64,
    pub quality: Quality,
    pub stage: Stage,
    pub source: String,
    pub quote: String,
}

/// Realised GDP growth of a region in a projection year.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedGrowth {
    pub file: usize,
    pub line: u64,
    pub region: usize,
    pub year: i32,
    /// Projection year index.
    pub k: usize,
    /// Growth in %.
    pub value: f64,
    pub source: String,
}

/// A figure read but not used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub file: usize,
    pub line: u64,
    /// E.g. `henan rural_transfer_stock annual 2021`.
    pub what: String,
    pub region: String,
    /// The indicator key, or `gdp_growth`.
    pub indicator: String,
    /// The figure's year (the last year of a cumulative figure's period).
    pub year: i32,
    pub value: f64,
    pub source: String,
    pub reason: String,
}
