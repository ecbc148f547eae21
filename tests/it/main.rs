//! The integration tests of `empsim`, built as one test binary (`it`): one module per area,
//! and [`support`] with the helpers they share (running the binary, copying the shipped
//! scenarios, reading files and PNG headers, the plan-quote check, the `../shared` data).
//!
//! The data the tests read stay beside this folder: `tests/bad-input/` (the bad-input
//! catalogue) and `tests/fuzz-seeds/` (the loader fuzz seeds); insta snapshots live in
//! `tests/it/snapshots/`.
//!
//! All tests run as threads of one process, so none may change process-wide state (the
//! environment, the current folder) and the fuzz test's panic hook only quiets its own
//! threads. Run one area with a filter, e.g. `cargo test --test it cli::`.

mod support;

mod backtest;
mod bad_input;
mod blocks;
mod chart_render;
mod chart_specs;
mod cli;
mod compare_report;
mod conditioning;
mod crash_safety;
mod discover;
mod fuzz_loader;
mod help;
mod json;
mod layers;
mod outputs;
mod progress;
mod properties;
mod report_html;
mod sens_charts;
mod sens_cli;
mod sensitivity_lib;
mod sources;
mod statistics;
mod tutorial;
