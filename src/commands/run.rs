//! `empsim run`: load and validate a scenario, simulate, summarise, and write the output
//! folder by the rules of [`crate::outdir`].

use super::Ui;
use super::settings::{self, LevelArgs, Sim, SimArgs, default_out};
use crate::engine::{self, Simulation};
use crate::error::Result;
use crate::outdir::{self, Destination, Stage};
use crate::report::{self, manifest::Timings};
use crate::scenario::Scenario;
use crate::stats::{self, SeriesSummary, TargetResult};
use std::path::PathBuf;
use std::time::Instant;

/// The arguments of `empsim run`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Writes output/<scenario>/ (or --out): quantiles.csv, targets.csv, \
baselines.csv, parameters.csv, manifest.json, report.html, charts/, and paths.csv with \
--keep-paths. The folder is replaced only when every file is written, and only if it holds \
nothing but empsim's outputs."
)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub levels: LevelArgs,
    /// Also write every path's values to paths.csv.
    #[arg(long)]
    pub keep_paths: bool,
    /// Do not draw the PNG charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print the targets table as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub scenario: Scenario,
    pub paths: usize,
    pub seed: u64,
    pub threads: usize,
    pub out_dir: PathBuf,
    pub summaries: Vec<SeriesSummary>,
    pub targets: Vec<TargetResult>,
    pub timings: Timings,
    /// What conditioning on observations did, if the scenario has any.
    pub conditioning: Option<engine::Conditioning>,
}

/// Runs the command and prints the targets table (or JSON).
pub fn execute(args: &RunArgs, ui: Ui) -> Result<()> {
    let o = ui.spinner(format!("simulating {}", args.scenario.display()), || {
        run(args)
    })?;
    let text = if args.json {
        report::text::targets_json(&o.scenario, &o.targets, o.paths, o.seed, &o.out_dir)?
    } else {
        format!(
            "{}: {} paths, seed {}, {} threads, {:.2} s -> {}\n{}\n{}",
            o.scenario.name,
            o.paths,
            o.seed,
            o.threads,
            o.timings.total,
            o.out_dir.display(),
            o.conditioning
                .as_ref()
                .map(|c| report::text::conditioning_summary(&o.scenario, c, o.paths))
                .unwrap_or_default(),
            report::text::targets_table(&o.scenario, &o.targets)
                + &report::text::progress_table(&o.scenario, &o.targets)
        )
    };
    ui.print(&text)
}

/// Runs a scenario end to end: simulates, summarises and writes the output folder.
pub fn run(args: &RunArgs) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let scn = args.sim.scenario(&args.scenario)?;
    let Sim {
        paths,
        seed,
        pool,
        threads,
    } = args.sim.resolve(scn.paths, scn.seed)?;
    settings::check_memory(&scn, paths)?;
    let level_probs = args.levels.resolve()?;
    let out_dir = args
        .sim
        .out
        .clone()
        .unwrap_or_else(|| default_out(&scn, &[]));
    let dest = Destination::new(&out_dir, &scn.input_files())?;
    let stage = Stage::begin(dest)?;
    let mut timings = Timings {
        load: t0.elapsed().as_secs_f64(),
        ..Timings::default()
    };

    let t = Instant::now();
    let sim = pool.install(|| engine::simulate(&scn, paths, seed, &[]));
    sim.check_finite(&scn)?;
    timings.simulate = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let (summaries, targets) = pool.install(|| {
        rayon::join(
            || stats::summarize(&scn, &sim),
            || stats::evaluate_targets(&scn, &sim, &level_probs),
        )
    });
    timings.summarize = t.elapsed().as_secs_f64();

    stats::check_finite(&scn, &summaries, &targets)?;

    let t = Instant::now();
    write_outputs(
        stage,
        &scn,
        &sim,
        &summaries,
        &targets,
        &level_probs,
        args,
        paths,
        seed,
        threads,
        &mut timings,
        t0,
        t,
    )?;

    Ok(RunOutcome {
        scenario: scn,
        paths,
        seed,
        threads,
        out_dir,
        summaries,
        targets,
        timings,
        conditioning: sim.conditioning,
    })
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    stage: Stage,
    scn: &Scenario,
    sim: &Simulation,
    summaries: &[SeriesSummary],
    targets: &[TargetResult],
    level_probs: &[f64],
    cfg: &RunArgs,
    paths: usize,
    seed: u64,
    threads: usize,
    timings: &mut Timings,
    t0: Instant,
    t_write: Instant,
) -> Result<()> {
    // `sens` and `backtest` write inside the run's folder by default: keep their results.
    outdir::write_folder(
        stage,
        outdir::KEPT_BY_RUN,
        |dir| {
            report::csv::write_quantiles(&dir.join("quantiles.csv"), scn, summaries)?;
            report::csv::write_targets(&dir.join("targets.csv"), scn, targets, level_probs)?;
            report::csv::write_baselines(&dir.join("baselines.csv"), scn)?;
            let cond = sim.conditioning.as_ref();
            report::csv::write_parameters(&dir.join("parameters.csv"), scn, cond)?;
            if let (Some(obs), Some(c)) = (&scn.observations, cond) {
                report::csv::write_observations(&dir.join("observations.csv"), scn, obs, c)?;
            }
            if cfg.keep_paths {
                report::csv::write_paths(&dir.join("paths.csv"), scn, sim)?;
            }
            let mut chart_files = Vec::new();
            let mut chart_seconds = 0.0;
            if !cfg.no_charts {
                let t = Instant::now();
                let jobs = report::png::run::chart_jobs(scn, summaries, targets, seed, paths);
                chart_files = report::png::run::render(&dir.join("charts"), &jobs)?;
                chart_seconds = t.elapsed().as_secs_f64();
            }
            report::html::write_report(
                dir,
                scn,
                targets,
                seed,
                paths,
                &chart_files,
                sim.conditioning.as_ref(),
            )?;
            Ok(chart_seconds)
        },
        |dir, outputs, &chart_seconds| {
            timings.charts = chart_seconds;
            timings.write = t_write.elapsed().as_secs_f64() - timings.charts;
            timings.total = t0.elapsed().as_secs_f64();
            report::manifest::write_manifest(
                &dir.join("manifest.json"),
                scn,
                paths,
                seed,
                threads,
                outputs,
                timings,
                sim.conditioning.as_ref(),
            )
        },
    )
    .map(|_| ())
}
