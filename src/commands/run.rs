//! `empsim run`: load and validate a scenario, simulate, summarise, and write the output
//! folder by the rules of [`crate::outdir`].

use super::Ui;
use super::settings::{self, LevelArgs, Sim, SimArgs, default_out};
use crate::engine;
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
on_track.csv, baselines.csv, parameters.csv, results.xlsx (the same tables for Excel), \
manifest.json, report.html, charts/, and paths.csv with --keep-paths. The folder is replaced only when every file is written, and only if it holds \
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
    settings::check_run_memory(&scn, paths, threads)?;
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

    // The regions a block at a time: each block is summarised and its targets evaluated,
    // then dropped; the rows are put back in series and target order.
    let t = Instant::now();
    let mut engine = pool.install(|| engine::Engine::new(&scn, paths, seed, &[]));
    let mut summaries = Vec::new();
    let mut targets = Vec::new();
    let mut summarize = 0.0;
    pool.install(|| {
        engine.for_each_block(engine::BLOCK_VALUES, |block| -> Result<()> {
            block.check_finite(&scn)?;
            let t = Instant::now();
            let (s, r) = rayon::join(
                || stats::summarize(&scn, block),
                || stats::evaluate_targets(&scn, block, &level_probs),
            );
            summaries.extend(s);
            targets.extend(r);
            summarize += t.elapsed().as_secs_f64();
            Ok(())
        })
    })?;
    summaries.sort_by_key(|r| r.series);
    targets.sort_by_key(|r| r.target);
    timings.simulate = t.elapsed().as_secs_f64() - summarize;
    timings.summarize = summarize;

    stats::check_finite(&scn, &summaries, &targets)?;

    let t = Instant::now();
    write_outputs(
        stage,
        &scn,
        &pool,
        &engine,
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
    let conditioning = engine.take_conditioning();
    drop(engine);

    Ok(RunOutcome {
        scenario: scn,
        paths,
        seed,
        threads,
        out_dir,
        summaries,
        targets,
        timings,
        conditioning,
    })
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    stage: Stage,
    scn: &Scenario,
    pool: &rayon::ThreadPool,
    engine: &engine::Engine,
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
            let t = &dir.join("targets.csv");
            report::csv::write_targets(t, scn, targets, level_probs, paths)?;
            report::csv::write_on_track(&dir.join("on_track.csv"), scn, targets)?;
            report::csv::write_baselines(&dir.join("baselines.csv"), scn)?;
            let cond = engine.conditioning();
            report::csv::write_parameters(&dir.join("parameters.csv"), scn, cond)?;
            if let (Some(obs), Some(c)) = (&scn.observations, cond) {
                report::csv::write_observations(&dir.join("observations.csv"), scn, obs, c)?;
            }
            report::xlsx::write_run(dir, scn, seed, paths)?;
            if cfg.keep_paths {
                pool.install(|| report::csv::write_paths(&dir.join("paths.csv"), scn, engine))?;
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
                engine.conditioning(),
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
                engine.conditioning(),
            )
        },
    )
    .map(|_| ())
}
