//! The tables of `empsim sens`: `indices.csv` (one row per metric, year, factor and
//! statistic) and `factors.csv` (what each factor sets).

use super::{finish, fixed4_opt, writer};
use crate::analysis::sens::SensStudy;
use crate::error::Result;
use crate::outdir::io_err;
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct IndexRecord<'a> {
    scenario: &'a str,
    method: &'a str,
    metric: &'a str,
    year: i32,
    parameter: &'a str,
    statistic: &'a str,
    #[serde(serialize_with = "fixed4_opt")]
    estimate: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    ci_low: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    ci_high: Option<f64>,
    flag: &'a str,
}

/// Writes `indices.csv`.
pub fn write_indices(path: &Path, study: &SensStudy) -> Result<()> {
    let mut w = writer(path)?;
    for r in study.rows() {
        w.serialize(IndexRecord {
            scenario: &study.scenario.name,
            method: study.method.key(),
            metric: &r.metric,
            year: r.year,
            parameter: &r.parameter,
            statistic: r.statistic,
            estimate: r.estimate,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            flag: &r.flag,
        })
        .map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}

#[derive(Serialize)]
struct FactorRecord<'a> {
    parameter: &'a str,
    distribution: String,
    parameters_set: String,
    source: &'a str,
}

/// Writes `factors.csv`.
pub fn write_factors(path: &Path, study: &SensStudy) -> Result<()> {
    let mut w = writer(path)?;
    for f in &study.factors {
        let names: Vec<&str> = f
            .slots
            .iter()
            .map(|&s| study.scenario.params[s].name.as_str())
            .collect();
        w.serialize(FactorRecord {
            parameter: &f.name,
            distribution: f.dist.describe(),
            parameters_set: names.join(" "),
            source: if f.from_command_line {
                "--range"
            } else {
                "scenario"
            },
        })
        .map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}
