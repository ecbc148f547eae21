//! The command line: clap's parser over the commands' own arguments, and the dispatch to
//! them. `main` parses, calls [`run`], prints the error chain and sets the exit code.

// The doc comments below are also the `--help` text, where `<scenario>` placeholders read
// better than code spans.
#![allow(rustdoc::invalid_html_tags)]

use crate::commands::{self, Ui};
use crate::error::Result;
use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  empsim run scenarios/henan-baseline.toml
  empsim run scenarios/henan-downside.toml --paths 20000 --seed 7 --out /tmp/downside
  empsim check scenarios/*.toml
  empsim compare scenarios/henan-baseline.toml scenarios/henan-downside.toml scenarios/henan-policy.toml
  empsim sens scenarios/henan-baseline.toml --method morris
  empsim calibrate scenarios/shaoyang-baseline.toml
  empsim backtest scenarios/backtest/plans-in-sample.toml --actuals scenarios/backtest/actuals-plans.csv

Exit codes: 0 success, 2 bad input (scenario, arguments, output folder), 1 other failure.";

/// empsim: Monte Carlo projections of employment indicators and the probability of
/// meeting 14th Five-Year Plan targets.
#[derive(Debug, Parser)]
#[command(name = "empsim", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands, each with its own arguments.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write quantiles, target probabilities, charts and a report.
    Run(commands::run::RunArgs),
    /// Sensitivity analysis: which assumptions drive each metric, per projection year.
    Sens(commands::sens::SensArgs),
    /// Score a scenario's projection against observed values (PIT, coverage, CRPS).
    Backtest(commands::backtest::BacktestArgs),
    /// Show how each baseline parameter derives from the plans' 2016-2020 figures.
    Calibrate(commands::calibrate::CalibrateArgs),
    /// Compare scenarios: the same paths and seed for each, medians and 90 % bands on one
    /// chart per region and indicator, P(met) side by side with the difference from the first.
    Compare(commands::compare::CompareArgs),
    /// Validate scenarios and print what each resolves to.
    Check(commands::check::CheckArgs),
}

/// Runs the parsed command line.
///
/// # Errors
/// The command's error; its [`crate::Error::exit_code`] is the process's.
pub fn run(cli: Cli) -> Result<()> {
    let ui = Ui { quiet: cli.quiet };
    match &cli.command {
        Command::Run(a) => commands::run::execute(a, ui),
        Command::Sens(a) => commands::sens::execute(a, ui),
        Command::Backtest(a) => commands::backtest::execute(a, ui),
        Command::Calibrate(a) => commands::calibrate::execute(a, ui),
        Command::Compare(a) => commands::compare::execute(a, ui),
        Command::Check(a) => commands::check::execute(a, ui),
    }
}
