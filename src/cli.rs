//! The command line (clap derive): raw arguments → validated settings → library calls.

use crate::error::{Error, Result};
use crate::run::{self, RunConfig};
use crate::scenario::Scenario;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  empsim run scenarios/henan-baseline.toml
  empsim run scenarios/henan-downside.toml --paths 20000 --seed 7 --out /tmp/downside
  empsim check scenarios/*.toml

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write quantiles, target probabilities and a manifest.
    #[command(
        after_help = "Writes output/<scenario>/ (or --out): quantiles.csv, targets.csv, \
baselines.csv, parameters.csv, manifest.json, and paths.csv with --keep-paths. The folder \
is replaced only when every file is written."
    )]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Monte Carlo paths (default: the scenario's monte_carlo.paths).
        #[arg(long)]
        paths: Option<usize>,
        /// Master seed (default: the scenario's monte_carlo.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: output/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Also write every path's values to paths.csv.
        #[arg(long)]
        keep_paths: bool,
        /// Print the targets table as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Validate scenarios and print what each resolves to.
    Check {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

/// Runs the parsed command line, writing results to stdout.
pub fn execute(cli: Cli) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Command::Run {
            scenario,
            paths,
            seed,
            out,
            threads,
            keep_paths,
            json,
        } => {
            let cfg = RunConfig {
                scenario,
                paths,
                seed,
                out,
                threads,
                keep_paths,
            };
            let spinner = (!cli.quiet && std::io::stderr().is_terminal()).then(|| {
                let pb = indicatif::ProgressBar::new_spinner();
                pb.set_message(format!("simulating {}", cfg.scenario.display()));
                pb.enable_steady_tick(std::time::Duration::from_millis(100));
                pb
            });
            let outcome = run::run(&cfg);
            if let Some(pb) = spinner {
                pb.finish_and_clear();
            }
            let o = outcome?;
            if cli.quiet {
                return Ok(());
            }
            let text = if json {
                json_targets(&o)?
            } else {
                format!(
                    "{}: {} paths, seed {}, {} threads, {:.2} s -> {}\n\n{}",
                    o.scenario.name,
                    o.paths,
                    o.seed,
                    o.threads,
                    o.timings.total,
                    o.out_dir.display(),
                    crate::report::table::targets_table(&o.scenario, &o.targets)
                )
            };
            write_stdout(&mut stdout, &text)
        }
        Command::Check { scenarios } => {
            if let [single] = scenarios.as_slice() {
                let s = Scenario::from_file(single)?;
                if !cli.quiet {
                    write_stdout(&mut stdout, &crate::check::describe(&s))?;
                }
                return Ok(());
            }
            let mut invalid = 0;
            for path in &scenarios {
                match Scenario::from_file(path) {
                    Ok(s) => {
                        if !cli.quiet {
                            write_stdout(&mut stdout, &crate::check::describe(&s))?;
                            write_stdout(&mut stdout, "\n")?;
                        }
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
                    scenarios.len()
                )))
            }
        }
    }
}

fn json_targets(o: &run::RunOutcome) -> Result<String> {
    let rows: Vec<serde_json::Value> = o
        .targets
        .iter()
        .map(|r| {
            let t = &o.scenario.targets[r.target];
            serde_json::json!({
                "target_id": t.id,
                "region": o.scenario.regions[t.region].id,
                "indicator": t.indicator.key(),
                "kind": t.kind.key(),
                "period": t.period_label(),
                "value": t.value,
                "p_met": r.p_met,
                "p_met_se": r.p_met_se,
                "outcome_p50": r.outcome_p50,
                "outcome_p05": r.outcome_p05,
                "outcome_p95": r.outcome_p95,
            })
        })
        .collect();
    let v = serde_json::json!({
        "scenario": o.scenario.name,
        "paths": o.paths,
        "seed": o.seed,
        "out_dir": o.out_dir,
        "targets": rows,
    });
    serde_json::to_string_pretty(&v)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(e.to_string()))
}

fn write_stdout(out: &mut impl Write, text: &str) -> Result<()> {
    match out.write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        // A closed pipe (e.g. `| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Internal(format!("cannot write to stdout: {e}"))),
    }
}
