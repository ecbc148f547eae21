//! `empsim check`: validates scenarios and prints what each resolves to
//! ([`crate::report::describe`]).

use super::Ui;
use crate::error::{Error, Result};
use crate::report::describe::describe;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// The arguments of `empsim check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Print one JSON document on stdout instead of text: per file, valid or the error,
    /// and what a valid scenario resolves to (schema empsim/check, see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The examples of `empsim check --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim check scenarios/henan-baseline.toml",
    "empsim check scenarios/*.toml --json",
];

/// Checks every scenario: one alone fails with its error; of several, each invalid one is
/// reported and the command fails at the end with their count.
pub fn execute(args: &CheckArgs, ui: Ui) -> Result<()> {
    if let [single] = args.scenarios.as_slice() {
        let s = Scenario::from_file(single)?;
        return ui.print(&describe(&s));
    }
    let mut invalid = 0;
    for path in &args.scenarios {
        match Scenario::from_file(path) {
            Ok(s) => {
                ui.print(&describe(&s))?;
                ui.print("\n")?;
            }
            Err(e) => {
                eprintln!("error: {e}");
                invalid += 1;
            }
        }
    }
    if invalid == 0 {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{invalid} of {} scenarios are invalid",
            args.scenarios.len()
        )))
    }
}
