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
//! are in [`model`] and `docs/MODEL.md`; the map of the code is `docs/ARCHITECTURE.md`.
//!
//! # Layers
//!
//! The modules form layers; a module uses only modules of lower layers (and its own
//! submodules), never a higher one. `tests/it/layers.rs` checks it on every build of the
//! tests. From the bottom:
//!
//! 1. [`indicator`] (the indicators, units and measures) and [`sensitivity`] (a
//!    stand-alone sensitivity-analysis library);
//! 2. [`chart`] (the chart framework and the renderers, on plain specs);
//! 3. [`error`] (the typed errors of every domain and their exit codes);
//! 4. [`scenario`] (the format, loading, observed values and validation) and [`outdir`]
//!    (output folders);
//! 5. [`model`] (the yearly transition);
//! 6. [`engine`] (the Monte Carlo driver);
//! 7. [`stats`] (summaries, targets, scores);
//! 8. [`analysis`] (what each command computes, without I/O);
//! 9. [`report`] (one exporter per format: CSV, JSON manifest, terminal text, PNG, HTML);
//! 10. [`commands`] (one module per subcommand: arguments, settings, output folders);
//! 11. [`cli`] (the parser and the dispatch).

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
