//! What each command computes from a scenario and its simulation, without any I/O:
//! calibration derivations, scored observations, scenario comparisons and sensitivity
//! studies.

pub mod backtest;
pub mod calibration;
pub mod compare;
pub mod discover;
pub mod sens;
