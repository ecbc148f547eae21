//! `empsim run`: load and validate a scenario, simulate, summarise, and write the output
//! folder by the rules of [`crate::outdir`].

use crate::engine::{self, Simulation};
use crate::error::{Error, Result};
use crate::outdir::{self, Destination, Stage};
use crate::report::{self, manifest::Timings};
use crate::scenario::Scenario;
use crate::stats::{self, SeriesSummary, TargetResult};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Validated settings of one run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub scenario: PathBuf,
    /// Overrides the scenario's `monte_carlo.paths`.
    pub paths: Option<usize>,
    /// Overrides the scenario's `monte_carlo.seed`.
    pub seed: Option<u64>,
    /// The output folder; default `output/<scenario name>`.
    pub out: Option<PathBuf>,
    /// Worker threads; default: all cores.
    pub threads: Option<usize>,
    pub keep_paths: bool,
    /// Skip the PNG charts.
    pub no_charts: bool,
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
}

/// The number of paths: `--paths` if given, else the scenario's; 1 to `MAX_PATHS`.
pub fn resolve_paths(requested: Option<usize>, scenario_default: usize) -> Result<usize> {
    let paths = requested.unwrap_or(scenario_default);
    if paths == 0 {
        return Err(Error::Usage("--paths must be at least 1".into()));
    }
    if paths as u64 > crate::scenario::MAX_PATHS {
        return Err(Error::Usage(format!(
            "--paths must be at most {}",
            crate::scenario::MAX_PATHS
        )));
    }
    Ok(paths)
}

/// The most simulated values (paths × series × years) one simulation may hold: 250 million
/// values are 2 GB.
pub const MAX_VALUES: u64 = 250_000_000;

/// Checks that `paths` paths of the scenario fit in memory.
pub fn check_memory(scn: &Scenario, paths: usize) -> Result<()> {
    let per_path = (scn.series.len() as u64 * scn.n_years() as u64).max(1);
    let values = (paths as u64).saturating_mul(per_path);
    if values > MAX_VALUES {
        return Err(Error::Usage(format!(
            "--paths {paths} would hold {values} values ({} series × {} years per path, {:.1} GB); the limit is {MAX_VALUES} values (2 GB), i.e. at most {} paths for this scenario",
            scn.series.len(),
            scn.n_years(),
            values as f64 * 8.0 / 1e9,
            MAX_VALUES / per_path
        )));
    }
    Ok(())
}

/// The most worker threads accepted by `--threads`.
pub const MAX_THREADS: usize = 256;

/// Builds a rayon pool with `threads` workers (all cores if `None`), 1 to [`MAX_THREADS`].
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if let Some(n) = threads
        && (n == 0 || n > MAX_THREADS)
    {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        return Err(Error::Usage(format!(
            "--threads must be between 1 and {MAX_THREADS}, got {n} (this machine has {cores} cores; results do not depend on it)"
        )));
    }
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build()
        .map_err(|e| Error::Internal(format!("cannot start worker threads: {e}")))
}

/// Runs a scenario end to end.
pub fn run(cfg: &RunConfig) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let scn = Scenario::from_file(&cfg.scenario)?;
    let paths = resolve_paths(cfg.paths, scn.paths)?;
    check_memory(&scn, paths)?;
    let seed = cfg.seed.unwrap_or(scn.seed);
    let out_dir = cfg
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&scn.name));
    let dest = Destination::new(&out_dir, &scn.input_files())?;
    let pool = pool(cfg.threads)?;
    let threads = pool.current_num_threads();
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
            || stats::evaluate_targets(&scn, &sim),
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
        cfg,
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
    })
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    stage: Stage,
    scn: &Scenario,
    sim: &Simulation,
    summaries: &[SeriesSummary],
    targets: &[TargetResult],
    cfg: &RunConfig,
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
            report::csv::write_targets(&dir.join("targets.csv"), scn, targets)?;
            report::csv::write_baselines(&dir.join("baselines.csv"), scn)?;
            report::csv::write_parameters(&dir.join("parameters.csv"), scn)?;
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
            report::html::write_report(dir, scn, targets, seed, paths, &chart_files)?;
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
            )
        },
    )
    .map(|_| ())
}
