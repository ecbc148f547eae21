//! `empsim calibrate`: how every baseline parameter derives from the plans' 2016-2020
//! figures ([`crate::analysis::calibration`]), as text or JSON.

use super::Ui;
use crate::error::Result;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// The arguments of `empsim calibrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct CalibrateArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Print the derivation as one JSON document on stdout instead of text (schema
    /// empsim/calibrate, see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The examples of `empsim calibrate --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim calibrate scenarios/shaoyang-baseline.toml",
    "empsim calibrate scenarios/henan-baseline.toml --json",
];

/// Derives and prints the calibration.
pub fn execute(args: &CalibrateArgs, ui: Ui) -> Result<()> {
    let scn = Scenario::from_file(&args.scenario)?;
    let c = crate::analysis::calibration::derive(&scn);
    if args.json {
        return ui.print_json(&crate::report::json::calibrate(&c)?);
    }
    ui.print(&c.text())
}
