//! The command line: clap's parser over the commands' own arguments, and the dispatch to
//! them. `main` parses, calls [`run`], prints the error chain and sets the exit code.

// The doc comments below are also the `--help` text, where `<scenario>` placeholders read
// better than code spans.
#![allow(rustdoc::invalid_html_tags)]

use crate::commands::{self, Ui};
use crate::error::Result;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;

/// The top-level help's closing note (the examples follow it, see [`parse`]).
const AFTER_HELP: &str = "Exit codes: 0 success, 2 bad input (scenario, arguments, output folder), 1 \
other failure. Every command but init takes --json: one JSON document on stdout, described by \
docs/JSON.md and docs/schema/.";

/// empsim: Monte Carlo projections of employment indicators and the probability of
/// meeting 14th Five-Year Plan targets.
#[derive(Debug, Parser)]
#[command(name = "empsim", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Print nothing but errors (and the JSON document of --json): no progress, no text.
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
    /// Scenario discovery: which parameter ranges concentrate the paths that miss a target
    /// (PRIM on the run's per-path draws).
    Discover(commands::discover::DiscoverArgs),
    /// Score a scenario's projection against observed values (PIT, coverage, CRPS).
    Backtest(commands::backtest::BacktestArgs),
    /// Show how each baseline parameter derives from the plans' 2016-2020 figures.
    Calibrate(commands::calibrate::CalibrateArgs),
    /// Compare scenarios: the same paths and seed for each, medians and 90 % bands on one
    /// chart per region and indicator, P(met) side by side with the difference from the first.
    Compare(commands::compare::CompareArgs),
    /// Validate scenarios and print what each resolves to.
    Check(commands::check::CheckArgs),
    /// Write a commented, valid starting scenario for new regions: the figures you give,
    /// every other value a default marked as an assumption.
    Init(commands::init::InitArgs),
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
        Command::Discover(a) => commands::discover::execute(a, ui),
        Command::Backtest(a) => commands::backtest::execute(a, ui),
        Command::Calibrate(a) => commands::calibrate::execute(a, ui),
        Command::Compare(a) => commands::compare::execute(a, ui),
        Command::Check(a) => commands::check::execute(a, ui),
        Command::Init(a) => commands::init::execute(a, ui),
    }
}

/// Each command's examples, one whole command line each; the top-level help shows the
/// first of every command's.
pub fn examples(command: Option<&str>) -> Vec<&'static str> {
    let of = |name: &str| -> &'static [&'static str] {
        match name {
            "run" => commands::run::EXAMPLES,
            "sens" => commands::sens::EXAMPLES,
            "discover" => commands::discover::EXAMPLES,
            "backtest" => commands::backtest::EXAMPLES,
            "calibrate" => commands::calibrate::EXAMPLES,
            "compare" => commands::compare::EXAMPLES,
            "check" => commands::check::EXAMPLES,
            "init" => commands::init::EXAMPLES,
            _ => &[],
        }
    };
    match command {
        Some(name) => of(name).to_vec(),
        None => Cli::command()
            .get_subcommands()
            .filter_map(|c| of(c.get_name()).first().copied())
            .collect(),
    }
}

/// The examples section of a help text: clap wraps its help to the terminal's width, so
/// the examples are printed after it, verbatim, one command line each (a wrapped example
/// would fail when copied).
pub fn examples_section(command: Option<&str>) -> String {
    let list = examples(command);
    if list.is_empty() {
        return String::new();
    }
    let mut s = String::from("\nExamples:\n");
    for e in list {
        s.push_str("  ");
        s.push_str(e);
        s.push('\n');
    }
    s
}

/// The subcommand a rendered help text describes, read from its usage line
/// (`Usage: empsim run [OPTIONS] <SCENARIO>`); `None` for the top-level help.
fn help_subject(help: &str) -> Option<String> {
    let usage = help
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: empsim "))?;
    let word = usage.split_whitespace().next()?;
    Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == word)
        .then(|| word.to_string())
}

/// Parses the command line like [`Cli::parse`], and prints `--help` (`-h`, `help`) with the
/// command's examples after it, unwrapped.
pub fn parse() -> Cli {
    parse_from(std::env::args_os())
}

/// [`parse`] over the given arguments (the first is the program name).
pub fn parse_from(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> Cli {
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    match parsed {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            let subject = help_subject(&e.render().to_string());
            let _ = e.print();
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(examples_section(subject.as_deref()).as_bytes());
            let _ = out.flush();
            std::process::exit(0);
        }
        Err(e) => e.exit(),
    }
}
