//! The table of `empsim compare`: `p_met.csv`.

use super::fmt4;
use crate::analysis::compare::CompareRow;
use crate::error::Result;
use crate::outdir::{create, io_err};
use std::path::Path;

fn opt4(v: Option<f64>) -> String {
    v.map(fmt4).unwrap_or_default()
}

/// Writes `p_met.csv`: one row per target and scenario (see [`crate::commands::compare`]).
pub fn write_p_met(path: &Path, rows: &[CompareRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(create(path)?);
    w.write_record([
        "target_id",
        "region",
        "indicator",
        "kind",
        "applies",
        "period",
        "target_value",
        "scenario",
        "p_met",
        "p_met_se",
        "baseline_scenario",
        "diff",
        "diff_se",
    ])
    .map_err(|e| io_err(path, e))?;
    for r in rows {
        w.write_record([
            r.target_id.as_str(),
            &r.region,
            r.indicator.key(),
            r.kind,
            r.applies,
            &r.period,
            &fmt4(r.target_value),
            &r.scenario,
            &opt4(r.p_met),
            &opt4(r.p_met_se),
            &r.baseline_scenario,
            &opt4(r.diff),
            &opt4(r.diff_se),
        ])
        .map_err(|e| io_err(path, e))?;
    }
    w.flush().map_err(|e| io_err(path, e))
}
