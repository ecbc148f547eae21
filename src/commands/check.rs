//! `empsim check`: validates scenarios and prints what each resolves to
//! ([`crate::report::describe`]).

use super::Ui;
use crate::error::{Error, Result};
use crate::report::describe::describe;
use crate::report::json::{self, Checked};
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
    if args.json {
        return execute_json(args, ui);
    }
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

/// `--json`: the document of every file (valid or not) on standard output, then the same
/// failure as without `--json` (the error of a single invalid file, or the count).
fn execute_json(args: &CheckArgs, ui: Ui) -> Result<()> {
    let loaded: Vec<Result<Scenario>> = args
        .scenarios
        .iter()
        .map(|p| Scenario::from_file(p).map_err(Error::from))
        .collect();
    let checked: Vec<Checked> = args
        .scenarios
        .iter()
        .zip(&loaded)
        .map(|(path, r)| match r {
            Ok(s) => Checked::Valid(path, s),
            Err(e) => Checked::Invalid(path, e),
        })
        .collect();
    ui.print_json(&json::check(&checked)?)?;
    let mut errors: Vec<Error> = loaded.into_iter().filter_map(|r| r.err()).collect();
    match errors.len() {
        0 => Ok(()),
        1 if args.scenarios.len() == 1 => Err(errors.remove(0)),
        n => Err(Error::Usage(format!(
            "{n} of {} scenarios are invalid",
            args.scenarios.len()
        ))),
    }
}
