//! The table of `empsim compare`: `p_met.csv`, one row per target and scenario (see
//! [`crate::commands::compare`]).

use super::{finish, fmt4, level_cells, level_column, writer};
use crate::analysis::compare::CompareRow;
use crate::error::Result;
use crate::outdir::io_err;
use std::path::Path;

/// The columns of `p_met.csv` before the target-setting levels.
const COLUMNS: [&str; 13] = [
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
];

/// Writes `p_met.csv`: the 13 columns `target_id` … `diff_se`, then one `level_p<…>` column
/// per probability of `level_probs` (see [`super::level_column`]). Without rows the file is
/// empty (no header), as a serialised table would be.
pub fn write_p_met(path: &Path, rows: &[CompareRow], level_probs: &[f64]) -> Result<()> {
    let mut w = writer(path)?;
    let opt = |v: Option<f64>| v.map(fmt4).unwrap_or_default();
    if !rows.is_empty() {
        let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        header.extend(level_probs.iter().map(|&p| level_column(p)));
        w.write_record(&header).map_err(|e| io_err(path, e))?;
    }
    for r in rows {
        let mut rec = vec![
            r.target_id.clone(),
            r.region.clone(),
            r.indicator.key().to_string(),
            r.kind.to_string(),
            r.applies.to_string(),
            r.period.clone(),
            fmt4(r.target_value),
            r.scenario.clone(),
            opt(r.p_met),
            // The binomial standard error is 0 at P = 0 or 1 and says nothing there.
            match r.p_met {
                Some(p) if p == 0.0 || p == 1.0 => String::new(),
                _ => opt(r.p_met_se),
            },
            r.baseline_scenario.clone(),
            opt(r.diff),
            opt(r.diff_se),
        ];
        rec.extend(level_cells(&r.levels, level_probs));
        w.write_record(&rec).map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}
