//! `empsim backtest`: scores a scenario's projection against observed values
//! ([`crate::analysis::backtest`]) and writes `output/<scenario>/backtest/` (or `--out`):
//! `backtest.csv` (one row per observation), `backtest-summary.csv`, `results.xlsx` (both
//! tables for Excel), `manifest.json` and a
//! fan chart per region, indicator and measure with the observed points on it (`charts/`).

use super::Ui;
use super::progress::{self, Progress, Stage as ProgressStage};
use super::settings::{self, SimArgs, default_out};
use crate::analysis::backtest::{self, BacktestRow, SummaryRow};
use crate::error::Result;
use crate::outdir::{self, Stage};
use crate::report::csv::backtest::BacktestContext;
use crate::report::{self, text::BacktestView};
use crate::scenario::actuals::{self, ActualsError};
use crate::scenario::{Scenario, load};
use std::path::PathBuf;

/// The arguments of `empsim backtest`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "The actuals file is a CSV with the columns region, indicator, year, \
value, source (and optionally measure = annual|cumulative and quote); see docs/CALIBRATION.md. \
Writes output/<scenario>/backtest/ (or --out): backtest.csv, backtest-summary.csv, \
results.xlsx, manifest.json and a fan chart per region and indicator with the observed points. With \
--json the scores go to stdout as the JSON document `empsim/backtest` (docs/JSON.md)."
)]
pub struct BacktestArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Observed values (CSV).
    #[arg(long)]
    pub actuals: PathBuf,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Do not draw the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print the results as one JSON document on stdout instead of text (schema
    /// empsim/backtest, see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The examples of `empsim backtest --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim backtest scenarios/backtest/plans-in-sample.toml --actuals scenarios/backtest/actuals-plans.csv",
];

impl BacktestArgs {
    /// The scenario's paths and seed, the default output folder, and charts.
    pub fn new(scenario: impl Into<PathBuf>, actuals: impl Into<PathBuf>) -> BacktestArgs {
        BacktestArgs {
            scenario: scenario.into(),
            actuals: actuals.into(),
            sim: SimArgs::default(),
            no_charts: false,
            json: false,
        }
    }
}

/// What a backtest produced.
#[derive(Debug)]
pub struct BacktestOutcome {
    pub scenario: Scenario,
    pub actuals: PathBuf,
    pub paths: usize,
    pub seed: u64,
    pub threads: usize,
    pub out_dir: PathBuf,
    /// One row per observation, in file order.
    pub rows: Vec<BacktestRow>,
    /// Per region and indicator, per region, per indicator and overall.
    pub summary: Vec<SummaryRow>,
    /// The files written, relative to `out_dir`.
    pub files: Vec<String>,
}

impl BacktestOutcome {
    /// What the terminal summary and the JSON document show.
    pub fn view(&self) -> BacktestView<'_> {
        BacktestView {
            scenario: &self.scenario,
            actuals: &self.actuals,
            paths: self.paths,
            seed: self.seed,
            rows: &self.rows,
            summary: &self.summary,
            out_dir: &self.out_dir,
            files: &self.files,
        }
    }

    /// The summary for the terminal.
    pub fn summary_text(&self) -> String {
        report::text::backtest(&self.view())
    }
}

/// Runs the command with its progress and prints the summary.
pub fn execute(args: &BacktestArgs, ui: Ui) -> Result<()> {
    let o = ui.with_progress(|progress| run_with(args, progress))?;
    if args.json {
        return ui.print_json(&report::json::backtest(&o.view())?);
    }
    ui.print(&o.summary_text())
}

/// Runs a backtest end to end: reads the scenario and the actuals, simulates, scores, and
/// writes the output folder.
pub fn run(args: &BacktestArgs) -> Result<BacktestOutcome> {
    run_with(args, &progress::Silent)
}

/// [`run`], reporting to `progress`: conditioning (with observations), simulating, writing
/// the tables, drawing the charts.
pub fn run_with(args: &BacktestArgs, progress: &dyn Progress) -> Result<BacktestOutcome> {
    let scn = args.sim.scenario(&args.scenario)?;
    let bytes = load::read_limited(&args.actuals).map_err(|reason| ActualsError::Read {
        path: args.actuals.clone(),
        reason,
    })?;
    let observations = actuals::parse(&args.actuals, &bytes)?;
    let actuals_sha256 = load::hex_sha256(&bytes);
    let sim = args.sim.resolve(scn.paths, scn.seed)?;
    settings::check_memory(&scn, sim.paths)?;
    let mut inputs = scn.input_files();
    inputs.push(args.actuals.clone());
    let dest = args
        .sim
        .destination(|| default_out(&scn, &["backtest"]), &inputs)?;
    let out_dir = dest.shown().to_path_buf();
    let stage = Stage::begin(dest)?;
    let simulation = sim
        .pool
        .install(|| progress::simulate(progress, "", &scn, sim.paths, sim.seed));
    simulation.check_finite(&scn)?;
    let rows = backtest::score_observations(&scn, &simulation, observations.observations);
    backtest::check_finite(&rows)?;
    let summary = backtest::summary::summarize(&scn, &rows);
    let charts = if args.no_charts {
        Vec::new()
    } else {
        report::png::backtest::specs(&scn, &simulation, &rows, sim.seed)
    };
    let ctx = BacktestContext {
        scn: &scn,
        actuals: &args.actuals,
        actuals_sha256: &actuals_sha256,
        paths: sim.paths,
        seed: sim.seed,
        threads: sim.threads,
    };
    let mut files = Vec::new();
    outdir::write_folder(
        stage,
        &[],
        |dir| {
            progress.stage(ProgressStage::Writing, 0);
            report::csv::backtest::write_rows(&dir.join("backtest.csv"), &ctx, &rows)?;
            report::csv::backtest::write_summary(
                &dir.join("backtest-summary.csv"),
                &ctx,
                &summary,
            )?;
            report::xlsx::write_backtest(dir, &ctx)?;
            if charts.is_empty() {
                return Ok(());
            }
            progress.stage(ProgressStage::Charts, charts.len() as u64);
            sim.pool
                .install(|| report::png::backtest::render(dir, &charts))?;
            progress.advance(charts.len() as u64);
            Ok(())
        },
        |dir, outputs, _| {
            files = outputs.to_vec();
            report::manifest::write_backtest(&dir.join("manifest.json"), &ctx, outputs)
        },
    )?;
    Ok(BacktestOutcome {
        scenario: scn,
        actuals: args.actuals.clone(),
        paths: sim.paths,
        seed: sim.seed,
        threads: sim.threads,
        out_dir,
        rows,
        summary,
        files,
    })
}
