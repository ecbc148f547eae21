//! `empsim sens`: a sensitivity study of a scenario's assumptions ([`crate::analysis::sens`])
//! on P(met) or a projected value, per projection year, written to
//! `output/<scenario>/sensitivity/<method>/` (or `--out`): `indices.csv`, `factors.csv`,
//! `results.xlsx` (both tables for Excel), `manifest.json`, and per metric, for its final year, a PNG chart: `tornado-<metric>.png`
//! (OAT), `morris-<metric>.png` (μ*–σ) or `sobol-<metric>.png` (first-order and total
//! indices with bootstrap whiskers) plus `sobol-years-<metric>.png` (total indices over the
//! years); see [`crate::report::png::sens`].

use super::Ui;
use super::settings::{self, Sim, SimArgs, default_out};
use crate::analysis::sens::{self as study, Converge, Design, Method, SensStudy};
use crate::error::{Error, Result};
use crate::outdir::{self, Stage};
use crate::report;
use std::path::PathBuf;
use std::time::Instant;

/// Maximum number of model evaluations a design may need.
pub const MAX_EVALUATIONS: usize = 1_000_000;
/// The largest `--levels` and `--bootstrap` accepted.
pub const MAX_LEVELS: usize = 100;
pub const MAX_BOOTSTRAP: usize = 100_000;
/// The largest N `--converge` tries unless `--max-samples` says otherwise.
pub const DEFAULT_MAX_SAMPLES: usize = 16_384;

/// The arguments of `empsim sens`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Factors: every parameter the scenario declares with a distribution, grouped \
by where it is declared (a default under [indicators.X] is one factor for all regions), plus \
--range NAME=LOW:HIGH (uniform). Metrics: p_met:<target_id> (P(on track) each year of the \
target's period); the target's outcome so far, which does not saturate where P(met) is near 0 \
or 1: outcome:<target_id> (mean), shortfall:<target_id> (expected shortfall), \
quantile:<p>:<target_id>; a series: mean:, median: or quantile:<p>: \
<region>.<indicator>[.cumulative]; default: p_met of every target. Every evaluation simulates --paths paths (default 1000) with the \
same path seeds (common random numbers). Writes output/<scenario>/sensitivity/<method>/: \
indices.csv, factors.csv, results.xlsx, manifest.json and charts. With --json the indices go to stdout as \
the JSON document `empsim/sens` (docs/JSON.md)."
)]
pub struct SensArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// oat (tornado), morris (elementary effects) or sobol (variance-based indices).
    #[arg(long, value_enum)]
    pub method: Method,
    /// Only these factors (comma-separated key paths).
    #[arg(long, value_delimiter = ',')]
    pub params: Option<Vec<String>>,
    /// Give a parameter a uniform range: NAME=LOW:HIGH (repeatable).
    #[arg(long = "range", value_parser = parse_range)]
    pub ranges: Vec<(String, f64, f64)>,
    /// Metric(s) to analyse (repeatable; default: P(met) of every target).
    #[arg(long = "metric")]
    pub metrics: Vec<String>,
    /// Sobol base samples N (default 1024, a power of two) or Morris trajectories r (default 20).
    #[arg(long)]
    pub samples: Option<usize>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Morris grid levels (even).
    #[arg(long, default_value_t = 4)]
    pub levels: usize,
    /// Bootstrap resamples for confidence intervals.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Sobol: also write the design and the model outputs in SALib's layout (salib/:
    /// problem.json, X.txt, Y.csv), to cross-check the indices in Python.
    #[arg(long)]
    pub export_salib: bool,
    /// Sobol: use the unscrambled Sobol' sequence (SALib's unscrambled sampler) instead of
    /// the default scrambled design drawn from --seed, whose replicates under other seeds
    /// show the design's error.
    #[arg(long)]
    pub unscrambled: bool,
    /// Sobol: double N (reusing every evaluation) until the 95 % interval of every index
    /// that matters (first-order and total index of a factor whose total index is 0.05 or
    /// more, in every output whose P(met) is not nearly constant) is narrower than TOL,
    /// e.g. 0.05; starts from --samples (default 1024).
    #[arg(long, value_name = "TOL")]
    pub converge: Option<f64>,
    /// Sobol with --converge: the largest N to try (a power of two; default 16384).
    #[arg(long, value_name = "N")]
    pub max_samples: Option<usize>,
    /// Print the results as one JSON document on stdout instead of text (schema
    /// empsim/sens, see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The examples of `empsim sens --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim sens scenarios/henan-baseline.toml --method morris",
    "empsim sens scenarios/henan-baseline.toml --method sobol --samples 1024 --paths 1000 --metric p_met:xinxiang.rural_transfer_new.cumulative_floor",
    "empsim sens scenarios/henan-downside.toml --method oat --range growth.reference=5:7",
];

/// What `empsim sens` produced.
#[derive(Debug)]
pub struct SensOutcome {
    pub study: SensStudy,
    pub out_dir: PathBuf,
    pub elapsed: f64,
    /// The files written, relative to `out_dir` (as listed in `manifest.json`).
    pub files: Vec<String>,
}

/// Runs the command with a progress bar and prints the summary.
pub fn execute(args: &SensArgs, ui: Ui) -> Result<()> {
    let bar = ui.progress_bar(format!("{} sensitivity", args.method.key()));
    // Called once per evaluation, from the worker threads: `inc` keeps the bar monotone
    // whatever order the counts arrive in.
    let report = |_done: usize, total: usize| {
        if let Some(pb) = &bar {
            if pb.length() != Some(total as u64) {
                pb.set_length(total as u64);
            }
            pb.inc(1);
        }
    };
    let outcome = run(args, Some(&report));
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    let o = outcome?;
    if args.json {
        return ui.print_json(&report::json::sens(&o.study, &o.out_dir, &o.files)?);
    }
    ui.print(&report::text::sens_summary(&o.study, o.elapsed, &o.out_dir))
}

/// Runs a sensitivity study and writes its outputs. The model evaluations run in parallel
/// on `--threads` workers (results placed by design row, so identical for any thread
/// count); `progress` is called once after each evaluation, from the worker that finished
/// it, with (done, total) evaluations.
pub fn run(
    args: &SensArgs,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SensOutcome> {
    let t0 = Instant::now();
    let scn = args.sim.scenario(&args.scenario)?;
    let facs = study::factors(&scn, args.params.as_deref(), &args.ranges)?;
    let metrics = study::metrics(&scn, &args.metrics)?;
    let sim = args.sim.resolve(1000, scn.seed)?;
    // Evaluations run in parallel, one simulation per worker thread at a time, and the
    // paths' random numbers are drawn once and kept (about one more simulation's worth,
    // counted as two).
    settings::check_memory(&scn, sim.paths.saturating_mul(sim.threads.max(2) + 2))?;
    let design = design_of(args, &sim);
    check_flags(args)?;
    check_design(&design)?;
    check_evaluations(&design, facs.len())?;
    let dest = args.sim.destination(
        || default_out(&scn, &["sensitivity", args.method.key()]),
        &scn.input_files(),
    )?;
    let out_dir = dest.shown().to_path_buf();
    let stage = Stage::begin(dest)?;
    let done = |n: usize, total: usize| {
        if let Some(p) = progress {
            p(n, total)
        }
    };
    let (analysed, run_outputs) = sim.pool.install(|| {
        let analysed = study::analyze(&scn, &facs, &metrics, &design, &done)?;
        Ok::<_, Error>((analysed, study::run_outputs(&scn, &metrics, &design)))
    })?;
    let study = SensStudy {
        scenario: scn,
        method: args.method,
        factors: facs,
        metrics,
        indices: analysed.indices,
        run_outputs,
        evaluations: analysed.evaluations,
        paths: sim.paths,
        seed: sim.seed,
        sobol_run: analysed.sobol_run,
        convergence: analysed.convergence,
    };
    study::check_finite(&study.rows())?;
    let elapsed = t0.elapsed().as_secs_f64();
    let files = write_study(stage, &study, elapsed)?;
    Ok(SensOutcome {
        study,
        out_dir,
        elapsed,
        files,
    })
}

/// The design `args` ask for, with the resolved paths and seed.
fn design_of(args: &SensArgs, sim: &Sim) -> Design {
    Design {
        method: args.method,
        samples: args.samples.unwrap_or(match args.method {
            Method::Sobol => crate::analysis::sens::DEFAULT_SOBOL_SAMPLES,
            _ => 20,
        }),
        levels: args.levels,
        bootstrap: args.bootstrap,
        paths: sim.paths,
        seed: sim.seed,
        scramble: !args.unscrambled,
        keep_runs: args.export_salib,
        converge: args.converge.map(|tolerance| Converge {
            tolerance,
            max_samples: args.max_samples.unwrap_or(DEFAULT_MAX_SAMPLES),
        }),
    }
}

/// The flags that only some methods take, or only together.
fn check_flags(args: &SensArgs) -> Result<()> {
    if args.method != Method::Sobol && (args.converge.is_some() || args.max_samples.is_some()) {
        return Err(Error::Usage(format!(
            "--converge and --max-samples are for --method sobol, not {}",
            args.method.key()
        )));
    }
    if args.max_samples.is_some() && args.converge.is_none() {
        return Err(Error::Usage(
            "--max-samples needs --converge TOL (it bounds the doubling of N)".into(),
        ));
    }
    if args.export_salib && args.method != Method::Sobol {
        return Err(Error::Usage(format!(
            "--export-salib is for --method sobol (SALib's Sobol' layout), not {}",
            args.method.key()
        )));
    }
    Ok(())
}

/// The design's number of model evaluations (at `--max-samples` when converging) against
/// [`MAX_EVALUATIONS`].
fn check_evaluations(design: &Design, n_factors: usize) -> Result<()> {
    let evaluations = match design.converge {
        // Up to the largest N the doubling may reach.
        Some(c) => Design {
            samples: c.max_samples,
            ..*design
        }
        .evaluations(n_factors),
        None => design.evaluations(n_factors),
    };
    if evaluations > MAX_EVALUATIONS {
        return Err(Error::Usage(format!(
            "the design needs {evaluations} model evaluations{}, more than the limit of {MAX_EVALUATIONS}; lower {} or the number of factors",
            if design.converge.is_some() {
                " at --max-samples"
            } else {
                ""
            },
            if design.converge.is_some() {
                "--max-samples"
            } else {
                "--samples"
            },
        )));
    }
    Ok(())
}

/// Writes the study's folder (indices, factors, the workbook, SALib's layout for Sobol',
/// the charts, the manifest) and returns the files written.
fn write_study(stage: Stage, study: &SensStudy, elapsed: f64) -> Result<Vec<String>> {
    let mut files = Vec::new();
    outdir::write_folder(
        stage,
        &[],
        |dir| {
            report::csv::write_sens_indices(&dir.join("indices.csv"), study)?;
            report::csv::write_sens_factors(&dir.join("factors.csv"), study)?;
            report::xlsx::write_sens(dir, study)?;
            if let Some(run) = &study.sobol_run {
                report::csv::write_salib(&dir.join("salib"), study, run)?;
            }
            report::png::sens::write_charts(dir, study).map(|_| ())
        },
        |dir, outputs, _| {
            files = outputs.to_vec();
            report::manifest::write_sens(dir, study, outputs, elapsed)
        },
    )?;
    Ok(files)
}

/// Checks `--samples`, `--levels` and `--bootstrap`, naming the flag.
fn check_design(d: &Design) -> Result<()> {
    let what = match d.method {
        Method::Sobol => Some("the number of base samples N"),
        Method::Morris => Some("the number of trajectories"),
        Method::Oat => None,
    };
    if let Some(what) = what
        && d.samples < 2
    {
        return Err(Error::Usage(format!(
            "--samples must be at least 2 for {} ({what}), got {}",
            d.method.key(),
            d.samples
        )));
    }
    if d.method == Method::Sobol && !d.samples.is_power_of_two() {
        let below = 1usize << (usize::BITS - 1 - d.samples.leading_zeros());
        return Err(Error::Usage(format!(
            "--samples must be a power of two for sobol: Sobol' points are balanced only in \
             blocks of 2^m, and other sizes lose that balance and converge more slowly; got {}, \
             take {below} or {}",
            d.samples,
            below * 2
        )));
    }
    if let Some(c) = d.converge {
        if !(c.tolerance > 0.0 && c.tolerance <= 1.0) {
            return Err(Error::Usage(format!(
                "--converge TOL is the widest 95 % interval accepted, between 0 and 1 (e.g. 0.05); got {}",
                c.tolerance
            )));
        }
        if !c.max_samples.is_power_of_two() || c.max_samples < d.samples {
            return Err(Error::Usage(format!(
                "--max-samples must be a power of two and at least --samples ({}), got {}",
                d.samples, c.max_samples
            )));
        }
    }
    let levels = d.levels;
    if d.method == Method::Morris
        && (levels < 2 || !levels.is_multiple_of(2) || levels > MAX_LEVELS)
    {
        return Err(Error::Usage(format!(
            "--levels must be an even number from 2 to {MAX_LEVELS}, got {levels}"
        )));
    }
    if d.bootstrap == 1 || d.bootstrap > MAX_BOOTSTRAP {
        return Err(Error::Usage(format!(
            "--bootstrap must be 0 (no confidence intervals) or between 2 and {MAX_BOOTSTRAP}, got {}",
            d.bootstrap
        )));
    }
    Ok(())
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
