//! The table of `empsim compare`: `p_met.csv`, one row per target and scenario (see
//! [`crate::commands::compare`]).

use super::{finish, fixed4, fixed4_opt, writer};
use crate::analysis::compare::CompareRow;
use crate::error::Result;
use crate::outdir::io_err;
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct PMetRecord<'a> {
    target_id: &'a str,
    region: &'a str,
    indicator: &'a str,
    kind: &'a str,
    applies: &'a str,
    period: &'a str,
    #[serde(serialize_with = "fixed4")]
    target_value: f64,
    scenario: &'a str,
    #[serde(serialize_with = "fixed4_opt")]
    p_met: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    p_met_se: Option<f64>,
    baseline_scenario: &'a str,
    #[serde(serialize_with = "fixed4_opt")]
    diff: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    diff_se: Option<f64>,
}

/// Writes `p_met.csv`.
pub fn write_p_met(path: &Path, rows: &[CompareRow]) -> Result<()> {
    let mut w = writer(path)?;
    for r in rows {
        w.serialize(PMetRecord {
            target_id: &r.target_id,
            region: &r.region,
            indicator: r.indicator.key(),
            kind: r.kind,
            applies: r.applies,
            period: &r.period,
            target_value: r.target_value,
            scenario: &r.scenario,
            p_met: r.p_met,
            p_met_se: r.p_met_se,
            baseline_scenario: &r.baseline_scenario,
            diff: r.diff,
            diff_se: r.diff_se,
        })
        .map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}
