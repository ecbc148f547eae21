//! `observations.csv` (a conditioned run): every figure of the observation files, whether
//! the projection was conditioned on it, what the model expected before seeing it and
//! whether the fit reads it as an outlier; figures left aside carry the reason.

use super::{finish, fixed4_opt, writer};
use crate::engine::Conditioning;
use crate::error::Result;
use crate::outdir::io_err;
use crate::scenario::Scenario;
use crate::scenario::observed::{Observations, Stage};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    file: String,
    line: u64,
    region: &'a str,
    indicator: &'a str,
    year: i32,
    #[serde(serialize_with = "fixed4_opt")]
    value: Option<f64>,
    status: &'a str,
    /// `conditioned` (weighed by the filter), `growth_path` (replaces the assumed growth)
    /// or `skipped`.
    used: &'a str,
    /// `before_projection` or `projection`.
    stage: &'a str,
    #[serde(serialize_with = "fixed4_opt")]
    expected_p05: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    expected_p50: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    expected_p95: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    pit: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    fitted_p05: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    fitted_p50: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    fitted_p95: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    p_outlier: Option<f64>,
    reason: &'a str,
    source: &'a str,
}

impl<'a> Row<'a> {
    /// A row of scenario `scenario` with every cell empty, to fill with `..`.
    fn blank(scenario: &'a str) -> Row<'a> {
        Row {
            scenario,
            file: String::new(),
            line: 0,
            region: "",
            indicator: "",
            year: 0,
            value: None,
            status: "",
            used: "",
            stage: "",
            expected_p05: None,
            expected_p50: None,
            expected_p95: None,
            pit: None,
            fitted_p05: None,
            fitted_p50: None,
            fitted_p95: None,
            p_outlier: None,
            reason: "",
            source: "",
        }
    }
}

/// The file name of an observation file as the manifest names it.
fn file_name(obs: &Observations, file: usize) -> String {
    obs.file_of(file).display().to_string()
}

/// Writes `observations.csv`: the figures weighed (file and line order), then the growth
/// figures, then the figures left aside.
pub fn write_observations(
    path: &Path,
    scn: &Scenario,
    obs: &Observations,
    cond: &Conditioning,
) -> Result<()> {
    let mut w = writer(path)?;
    let e = |err| io_err(path, err);
    for (pt, fit) in obs.points.iter().zip(&cond.figures) {
        let [p05, p50, p95] = fit.expected;
        w.serialize(Row {
            file: file_name(obs, pt.file),
            line: pt.line,
            region: &scn.regions[pt.region].id,
            indicator: pt.indicator.key(),
            year: pt.year,
            value: Some(pt.value),
            status: pt.quality.key(),
            used: "conditioned",
            stage: match pt.stage {
                Stage::BeforeProjection => "before_projection",
                Stage::Projection(_) => "projection",
            },
            expected_p05: Some(p05),
            expected_p50: Some(p50),
            expected_p95: Some(p95),
            pit: Some(fit.pit),
            fitted_p05: Some(fit.fitted[0]),
            fitted_p50: Some(fit.fitted[1]),
            fitted_p95: Some(fit.fitted[2]),
            p_outlier: Some(fit.p_outlier),
            source: &pt.source,
            ..Row::blank(&scn.name)
        })
        .map_err(e)?;
    }
    for g in &obs.growth {
        w.serialize(Row {
            file: file_name(obs, g.file),
            line: g.line,
            region: &scn.regions[g.region].id,
            indicator: "gdp_growth",
            year: g.year,
            value: Some(g.value),
            used: "growth_path",
            stage: "projection",
            reason: "replaces the assumed growth path of the region (and of its cities without a figure of their own)",
            source: &g.source,
            ..Row::blank(&scn.name)
        })
        .map_err(e)?;
    }
    for s in &obs.skipped {
        w.serialize(Row {
            file: file_name(obs, s.file),
            line: s.line,
            region: &s.region,
            indicator: &s.indicator,
            year: s.year,
            value: Some(s.value),
            used: "skipped",
            reason: &s.reason,
            source: &s.source,
            ..Row::blank(&scn.name)
        })
        .map_err(e)?;
    }
    finish(path, w)
}
