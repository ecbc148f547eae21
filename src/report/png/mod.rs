//! PNG charts of each command's results: chart specs built from the results and rendered
//! with [`crate::chart`].

pub mod backtest;
pub mod compare;
pub mod discover;
pub mod run;
pub mod sens;

use crate::chart::ChartError;
use crate::error::Error;

/// The one way a chart error becomes an [`Error`]: a chart file that cannot be written is
/// an output-folder error naming the file (exit code 2), anything else a failure of the
/// renderer, [`Error::Chart`] (exit 1).
pub fn chart_error(e: ChartError) -> Error {
    match e {
        ChartError::Write { path, reason } => crate::outdir::io_err(&path, reason),
        other => Error::Chart(other),
    }
}
