//! `empsim run`: load and validate a scenario, simulate, summarise, and write the output
//! folder by the rules of [`crate::outdir`].

use super::Ui;
use super::progress::{Progress, Silent, Stage as ProgressStage};
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
    after_help = "Writes output/<scenario>/ (or --out): quantiles.csv (the projection's \
quantiles), targets.csv (P(met), shortfall and target-setting levels per target), on_track.csv \
(P(on track) per target and year), baselines.csv, parameters.csv, observations.csv (with \
observations), results.xlsx (these tables for Excel), report.html (the report, charts \
included), charts/ (PNG fan charts and target charts; none with --no-charts), manifest.json \
(every file with its SHA-256), paths.csv with --keep-paths and draws.csv (every path's \
parameter draws) with --keep-draws. The folder is replaced only \
when every file is written, and only if it holds nothing but empsim's outputs. With --json the \
targets go to stdout as the JSON document `empsim/run` (docs/JSON.md) instead of the table."
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
    /// Also write every path's draw of each uncertain parameter and each shock's scale to
    /// draws.csv (path p as in paths.csv; `empsim discover` finds which ranges lead to a miss).
    #[arg(long)]
    pub keep_draws: bool,
    /// Do not draw the PNG charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print the results as one JSON document on stdout instead of text (schema
    /// empsim/run, see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The examples of `empsim run --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim run scenarios/henan-baseline.toml",
    "empsim run scenarios/henan-downside.toml --paths 20000 --seed 7 --out /tmp/downside",
    "empsim run scenarios/henan-midterm.toml --no-charts",
    "empsim run scenarios/shaoyang-baseline.toml --level-probs 0.5,0.9 --quiet --json",
];

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
    /// The probabilities of the target-setting levels (`--level-probs`).
    pub level_probs: Vec<f64>,
    /// The files written, relative to `out_dir` (as listed in `manifest.json`).
    pub files: Vec<String>,
}

/// Runs the command and prints the targets table (or JSON).
pub fn execute(args: &RunArgs, ui: Ui) -> Result<()> {
    let o = ui.with_progress(|progress| run_with(args, progress))?;
    if args.json {
        return ui.print_json(&report::json::run(&report::json::RunView {
            scenario: &o.scenario,
            targets: &o.targets,
            level_probs: &o.level_probs,
            paths: o.paths,
            seed: o.seed,
            threads: o.threads,
            out_dir: &o.out_dir,
            files: &o.files,
        })?);
    }
    let text = {
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
    run_with(args, &Silent)
}

/// [`run`], reporting its stages to `progress`: conditioning (with observations),
/// simulating (region-paths; each block of regions is summarised as it is done),
/// summarising the aggregate regions (series and targets), writing the tables, drawing the
/// charts, writing the report.
pub fn run_with(args: &RunArgs, progress: &dyn Progress) -> Result<RunOutcome> {
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
    let kept_from = dest.shown().to_path_buf();
    let stage = Stage::begin(dest)?;
    let mut timings = Timings {
        load: t0.elapsed().as_secs_f64(),
        ..Timings::default()
    };

    let t = Instant::now();
    if scn.observations.is_some() {
        progress.stage(ProgressStage::Conditioning, 0);
    }
    let step = |k: usize, phi: f64| progress.note(super::progress::tempering("", k, phi));
    let mut engine = pool.install(|| engine::Engine::new_counted(&scn, paths, seed, &[], &step));
    let advance = |n: usize| progress.advance(n as u64);
    engine.on_progress(&advance);
    let (summaries, targets, summarize) =
        summarise_blocks(&scn, &engine, &pool, &level_probs, progress)?;
    timings.simulate = t.elapsed().as_secs_f64() - summarize;
    timings.summarize = summarize;

    stats::check_finite(&scn, &summaries, &targets)?;

    let t = Instant::now();
    let files = write_outputs(
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
        &kept_from,
        &mut timings,
        t0,
        t,
        progress,
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
        level_probs,
        files,
    })
}

/// Simulates the regions a block at a time: each block is summarised and its targets
/// evaluated, then dropped; the rows are put back in series and target order. Returns them
/// with the seconds spent summarising.
fn summarise_blocks(
    scn: &Scenario,
    engine: &engine::Engine<'_>,
    pool: &rayon::ThreadPool,
    level_probs: &[f64],
    progress: &dyn Progress,
) -> Result<(Vec<SeriesSummary>, Vec<TargetResult>, f64)> {
    let blocks = engine.blocks(engine::BLOCK_VALUES);
    progress.stage(
        ProgressStage::Simulating,
        engine.block_work(engine::BLOCK_VALUES) as u64,
    );
    progress.note(format!("block 1/{blocks}"));
    let mut summaries = Vec::new();
    let mut targets = Vec::new();
    let mut summarize = 0.0;
    let mut block_no = 0;
    pool.install(|| {
        engine.for_each_block(engine::BLOCK_VALUES, |block| -> Result<()> {
            block.check_finite(scn)?;
            let t = Instant::now();
            block_no += 1;
            // The regions' blocks are summarised within the simulating stage; the
            // aggregates' block, last, is a stage of its own.
            let aggregates = block_no > blocks;
            if aggregates {
                let held = scn
                    .targets
                    .iter()
                    .filter(|t| {
                        scn.series_index(t.region, t.indicator)
                            .is_some_and(|s| block.holds(s))
                    })
                    .count();
                progress.stage(
                    ProgressStage::Summarising,
                    (block.series.len() + held) as u64,
                );
            } else {
                progress.note(format!("block {block_no}/{blocks}, summarising"));
            }
            let count = || {
                if aggregates {
                    progress.advance(1);
                }
            };
            let (s, r) = rayon::join(
                || stats::summarize_counted(scn, block, &count),
                || stats::evaluate_targets_counted(scn, block, level_probs, &count),
            );
            if !aggregates && block_no < blocks {
                progress.note(format!("block {}/{blocks}", block_no + 1));
            }
            summaries.extend(s);
            targets.extend(r);
            summarize += t.elapsed().as_secs_f64();
            Ok(())
        })
    })?;
    summaries.sort_by_key(|r| r.series);
    targets.sort_by_key(|r| r.target);
    Ok((summaries, targets, summarize))
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
    kept_from: &std::path::Path,
    timings: &mut Timings,
    t0: Instant,
    t_write: Instant,
    progress: &dyn Progress,
) -> Result<Vec<String>> {
    let mut files = Vec::new();
    // `sens` and `backtest` write inside the run's folder by default: keep their results.
    outdir::write_folder(
        stage,
        outdir::KEPT_BY_RUN,
        |dir| {
            progress.stage(ProgressStage::Writing, 0);
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
            if cfg.keep_draws {
                pool.install(|| report::csv::write_draws(&dir.join("draws.csv"), scn, engine))?;
            }
            let mut chart_files = Vec::new();
            let mut chart_seconds = 0.0;
            if !cfg.no_charts {
                let t = Instant::now();
                let jobs = report::png::run::chart_jobs(scn, summaries, targets, seed, paths);
                progress.stage(ProgressStage::Charts, jobs.len() as u64);
                // A few charts per worker at a time, so the count moves.
                for chunk in jobs.chunks(2 * pool.current_num_threads()) {
                    let files =
                        pool.install(|| report::png::run::render(&dir.join("charts"), chunk))?;
                    chart_files.extend(files);
                    progress.advance(chunk.len() as u64);
                }
                chart_seconds = t.elapsed().as_secs_f64();
            }
            progress.stage(ProgressStage::Report, 0);
            // Last, so that the report links every table written above.
            report::html::write_report(
                dir,
                &report::html::RunReport {
                    scn,
                    targets,
                    summaries,
                    seed,
                    paths,
                    conditioning: engine.conditioning(),
                    kept_from: Some(kept_from),
                },
                &chart_files,
            )?;
            Ok(chart_seconds)
        },
        |dir, outputs, &chart_seconds| {
            timings.charts = chart_seconds;
            timings.write = t_write.elapsed().as_secs_f64() - timings.charts;
            timings.total = t0.elapsed().as_secs_f64();
            files = outputs.to_vec();
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
    )?;
    Ok(files)
}
