//! Writing results: one exporter per format (CSV tables, the JSON manifest, the terminal
//! summary), and the output folder, which is replaced atomically so a failed run never
//! destroys an earlier run's output.

pub mod chart;
pub mod charts;
pub mod csv;
pub mod html;
pub mod manifest;
pub mod table;
