//! The command line (clap derive): raw arguments → validated settings → library calls.

// The doc comments below are also the `--help` text, where `<scenario>` placeholders read
// better than code spans.
#![allow(rustdoc::invalid_html_tags)]

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
        /// Do not draw the PNG charts.
        #[arg(long)]
        no_charts: bool,
        /// Print the targets table as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sensitivity analysis: which assumptions drive each metric, per projection year.
    #[command(
        after_help = "Factors: every parameter the scenario declares with a distribution, grouped \
by where it is declared (a default under [indicators.X] is one factor for all regions), plus \
--range NAME=LOW:HIGH (uniform). Metrics: p_met:<target_id> (P(on track) each year of the \
target's period), mean:<region>.<indicator>[.cumulative], median:<region>.<indicator>[.cumulative]; \
default: p_met of every target. Every evaluation simulates --paths paths with the same path \
seeds (common random numbers). Writes output/<scenario>/sensitivity/<method>/: indices.csv, \
factors.csv, manifest.json.

Examples:
  empsim sens scenarios/henan-baseline.toml --method morris
  empsim calibrate scenarios/shaoyang-baseline.toml
  empsim backtest scenarios/backtest/plans-in-sample.toml --actuals scenarios/backtest/actuals-plans.csv
  empsim sens scenarios/henan-baseline.toml --method sobol --samples 1024 --paths 1000 \\
      --metric p_met:xinxiang.rural_transfer_new.cumulative_floor
  empsim sens scenarios/henan-downside.toml --method oat --range growth.reference=5:7"
    )]
    Sens {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// oat (tornado), morris (elementary effects) or sobol (variance-based indices).
        #[arg(long, value_enum)]
        method: crate::sens::Method,
        /// Only these factors (comma-separated key paths).
        #[arg(long, value_delimiter = ',')]
        params: Option<Vec<String>>,
        /// Give a parameter a uniform range: NAME=LOW:HIGH (repeatable).
        #[arg(long = "range", value_parser = parse_range)]
        ranges: Vec<(String, f64, f64)>,
        /// Metric(s) to analyse (repeatable; default: P(met) of every target).
        #[arg(long = "metric")]
        metrics: Vec<String>,
        /// Sobol base samples N (default 256) or Morris trajectories r (default 20).
        #[arg(long)]
        samples: Option<usize>,
        /// Monte Carlo paths per model evaluation (default 1000).
        #[arg(long)]
        paths: Option<usize>,
        /// Seed of the paths and of the design (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: output/<scenario>/sensitivity/<method>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Morris grid levels (even).
        #[arg(long, default_value_t = 4)]
        levels: usize,
        /// Bootstrap resamples for confidence intervals.
        #[arg(long, default_value_t = 1000)]
        bootstrap: usize,
    },
    /// Score a scenario's projection against observed values (PIT, coverage, CRPS).
    #[command(
        after_help = "The actuals file is a CSV with the columns region, indicator, year, \
value, source (and optionally measure = annual|cumulative and quote); see docs/CALIBRATION.md. \
Writes output/<scenario>/backtest/ (or --out): backtest.csv, backtest-summary.csv, \
manifest.json and a fan chart per region and indicator with the observed points.

Example:
  empsim backtest scenarios/backtest/plans-in-sample.toml --actuals scenarios/backtest/actuals-plans.csv"
    )]
    Backtest {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Observed values (CSV).
        #[arg(long)]
        actuals: PathBuf,
        /// Monte Carlo paths (default: the scenario's).
        #[arg(long)]
        paths: Option<usize>,
        /// Master seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: output/<scenario>/backtest).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Do not draw the charts.
        #[arg(long)]
        no_charts: bool,
    },
    /// Show how each baseline parameter derives from the plans' 2016-2020 figures.
    Calibrate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compare scenarios: the same paths and seed for each, medians and 90 % bands on one
    /// chart per region and indicator, P(met) side by side with the difference from the first.
    #[command(
        after_help = "Writes output/compare-<name1>-vs-<name2>... (or --out): p_met.csv, \
quantiles.csv, charts/compare-<region>-<indicator>.png, manifest.json. Targets are matched by \
id; a target missing from a scenario is kept with empty cells.

Example:
  empsim compare scenarios/henan-baseline.toml scenarios/henan-downside.toml scenarios/henan-policy.toml"
    )]
    Compare {
        /// Scenario files (TOML), 2 to 6; the first is the baseline of the differences.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Monte Carlo paths per scenario (default: the first scenario's monte_carlo.paths).
        #[arg(long)]
        paths: Option<usize>,
        /// Master seed of every scenario (default: the first scenario's monte_carlo.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: output/compare-<name1>-vs-<name2>...).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
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
            no_charts,
            json,
        } => {
            let cfg = RunConfig {
                scenario,
                paths,
                seed,
                out,
                threads,
                keep_paths,
                no_charts,
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
        Command::Sens {
            scenario,
            method,
            params,
            ranges,
            metrics,
            samples,
            paths,
            seed,
            out,
            threads,
            levels,
            bootstrap,
        } => {
            let cfg = crate::sens::SensConfig {
                scenario,
                method,
                params,
                ranges,
                metrics,
                samples,
                paths,
                seed,
                out,
                threads,
                levels,
                bootstrap,
            };
            let bar = (!cli.quiet && std::io::stderr().is_terminal()).then(|| {
                let pb = indicatif::ProgressBar::new(0);
                pb.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} [{bar:40}] {pos}/{len} evaluations, eta {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                pb.set_message(format!("{} sensitivity", method.key()));
                pb
            });
            let report = |done: usize, total: usize| {
                if let Some(pb) = &bar {
                    pb.set_length(total as u64);
                    if done as u64 > pb.position() {
                        pb.set_position(done as u64);
                    }
                }
            };
            let outcome = crate::sens::run(&cfg, Some(&report));
            if let Some(pb) = &bar {
                pb.finish_and_clear();
            }
            let o = outcome?;
            if !cli.quiet {
                write_stdout(&mut stdout, &o.summary_text())?;
            }
            Ok(())
        }
        Command::Backtest {
            scenario,
            actuals,
            paths,
            seed,
            out,
            threads,
            no_charts,
        } => {
            let cfg = crate::backtest::BacktestConfig {
                scenario,
                actuals,
                paths,
                seed,
                out,
                threads,
                charts: !no_charts,
            };
            let o = crate::backtest::run(&cfg)?;
            if !cli.quiet {
                write_stdout(&mut stdout, &o.summary_text())?;
            }
            Ok(())
        }
        Command::Calibrate { scenario, json } => {
            let scn = Scenario::from_file(&scenario)?;
            let c = crate::analysis::calibration::derive(&scn);
            let text = if json {
                serde_json::to_string_pretty(&c).map_err(|e| Error::Internal(e.to_string()))? + "\n"
            } else {
                c.text()
            };
            if !cli.quiet {
                write_stdout(&mut stdout, &text)?;
            }
            Ok(())
        }
        Command::Compare {
            scenarios,
            paths,
            seed,
            out,
            threads,
        } => {
            let cfg = crate::compare::CompareConfig {
                scenarios,
                paths,
                seed,
                out,
                threads,
            };
            let spinner = (!cli.quiet && std::io::stderr().is_terminal()).then(|| {
                let pb = indicatif::ProgressBar::new_spinner();
                pb.set_message(format!("comparing {} scenarios", cfg.scenarios.len()));
                pb.enable_steady_tick(std::time::Duration::from_millis(100));
                pb
            });
            let outcome = crate::compare::compare(&cfg);
            if let Some(pb) = spinner {
                pb.finish_and_clear();
            }
            let o = outcome?;
            if !cli.quiet {
                write_stdout(&mut stdout, &o.summary_text())?;
            }
            Ok(())
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

/// Parses `NAME=LOW:HIGH`.
fn parse_range(s: &str) -> std::result::Result<(String, f64, f64), String> {
    let err = || format!("expected NAME=LOW:HIGH, got `{s}`");
    let (name, range) = s.split_once('=').ok_or_else(err)?;
    let (lo, hi) = range.split_once(':').ok_or_else(err)?;
    let lo: f64 = lo.trim().parse().map_err(|_| err())?;
    let hi: f64 = hi.trim().parse().map_err(|_| err())?;
    if name.trim().is_empty() {
        return Err(err());
    }
    Ok((name.trim().to_string(), lo, hi))
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
