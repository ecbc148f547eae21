//! empsim: an employment scenario simulator for five-year plan targets.
//!
//! It reads scenario files (TOML) describing regions, their 2016-2020 baselines and
//! 2021-2025 plan targets, a growth driver with shocks and policy levers, and parameters
//! with uncertainty; it projects yearly new urban jobs, rural labour transfers, return-home
//! entrepreneurs and unemployment rates by Monte Carlo; and it reports quantiles and the
//! probability of meeting each target with the plan's own semantics.
//!
//! Pipeline: [`scenario::Scenario::from_file`] → [`engine::simulate`] →
//! [`stats::summarize`] / [`stats::evaluate_targets`] → [`report`]. The model equations
//! are in [`model`] and `docs/MODEL.md`.

pub mod actuals;
pub mod analysis;
pub mod chart;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod error;
pub mod indicator;
pub mod model;
pub mod outdir;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod stats;

pub use error::{Error, Result};
pub use indicator::Indicator;
pub use scenario::Scenario;
