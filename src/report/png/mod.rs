//! PNG charts of each command's results: chart specs built from the results and rendered
//! with [`crate::chart`].

pub mod backtest;
pub mod run;
pub mod sens;
