//! `empsim discover`: scenario discovery ([`crate::analysis::discover`]): which parameter
//! ranges concentrate the paths that miss a target, found by PRIM on the run's per-path
//! draws. Writes `output/<scenario>/discover/<target>/` (or `--out`): `draws.csv` (every
//! path's parameters, outcome and whether it is a case), `trajectory.csv`, `box.csv`,
//! `manifest.json`, and the charts `prim-tradeoff.png` (coverage against density along the
//! peeling) and `prim-box.png` (the chosen box's limits).

use super::Ui;
use super::settings::{self, SimArgs, default_out};
use crate::analysis::discover::{self as disc, Cases, Discovery, Settings};
use crate::error::{Error, Result};
use crate::outdir::{self, Stage};
use crate::report;
use crate::sensitivity::prim::PrimOptions;
use std::path::PathBuf;
use std::time::Instant;

/// The arguments of `empsim discover`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Runs the scenario as empsim run does (same --paths and --seed: path p here is \
path p of run --keep-paths), records every path's draw of each uncertain parameter and each \
shock's scale (0 where it does not happen), and peels boxes (PRIM, Friedman & Fisher 1999, as \
EMA Workbench does) around the paths that miss the target: each step cuts --peel-alpha of the \
box's paths at the low or high end of one parameter, keeping the densest. Reports the densest box \
that still holds --min-coverage of the missing paths, with the quasi-p-value of each restriction. \
Writes output/<scenario>/discover/<target>/: draws.csv, trajectory.csv, box.csv, manifest.json, \
prim-tradeoff.png, prim-box.png. With --json the result goes to stdout as the JSON document \
`empsim/discover` (docs/JSON.md)."
)]
pub struct DiscoverArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The target whose misses to explain: its id, region.indicator.kind as in targets.csv
    /// (e.g. henan.urban_new_jobs.cumulative_floor; an unknown id lists them all).
    #[arg(long)]
    pub target: String,
    /// The paths to explain: those that miss the target, or those that meet it.
    #[arg(long, value_enum, default_value_t = Cases::Missed)]
    pub cases: Cases,
    #[command(flatten)]
    pub sim: SimArgs,
    /// The share of a box's paths each peeling step removes, in (0, 0.5).
    #[arg(long, default_value_t = 0.05)]
    pub peel_alpha: f64,
    /// The smallest share of all paths a box may hold, in (0, 1).
    #[arg(long, default_value_t = 0.05)]
    pub mass_min: f64,
    /// The reported box: the densest that holds at least this share of the cases, in (0, 1].
    #[arg(long, default_value_t = 0.5)]
    pub min_coverage: f64,
    /// Print the result as one JSON document on stdout instead of text (schema
    /// empsim/discover, see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The examples of `empsim discover --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim discover scenarios/henan-baseline.toml --target henan.urban_new_jobs.cumulative_floor",
    "empsim discover scenarios/henan-downside.toml --target kaifeng.surveyed_unemployment_rate.level_cap --paths 20000 --min-coverage 0.7",
];

/// What `empsim discover` produced.
#[derive(Debug)]
pub struct DiscoverOutcome {
    pub discovery: Discovery,
    pub out_dir: PathBuf,
    pub elapsed: f64,
    /// The files written, relative to `out_dir`.
    pub files: Vec<String>,
}

/// Runs the command and prints the summary.
pub fn execute(args: &DiscoverArgs, ui: Ui) -> Result<()> {
    let o = run(args)?;
    if args.json {
        return ui.print_json(&report::json::discover(&o.discovery, &o.out_dir, &o.files)?);
    }
    ui.print(&report::text::discover_summary(
        &o.discovery,
        o.elapsed,
        &o.out_dir,
    ))
}

/// Runs a discovery and writes its outputs.
pub fn run(args: &DiscoverArgs) -> Result<DiscoverOutcome> {
    let t0 = Instant::now();
    let scn = args.sim.scenario(&args.scenario)?;
    let target = scn
        .targets
        .iter()
        .position(|t| t.id == args.target)
        .ok_or_else(|| {
            let ids: Vec<&str> = scn.targets.iter().map(|t| t.id.as_str()).collect();
            Error::Usage(if ids.is_empty() {
                format!("--target {}: the scenario has no targets", args.target)
            } else {
                format!(
                    "--target {}: unknown target; targets: {}",
                    args.target,
                    ids.join(", ")
                )
            })
        })?;
    if !(args.peel_alpha > 0.0 && args.peel_alpha < 0.5) {
        return Err(Error::Usage(format!(
            "--peel-alpha must lie strictly between 0 and 0.5, got {}",
            args.peel_alpha
        )));
    }
    if !(args.mass_min > 0.0 && args.mass_min < 1.0) {
        return Err(Error::Usage(format!(
            "--mass-min must lie strictly between 0 and 1, got {}",
            args.mass_min
        )));
    }
    if !(args.min_coverage > 0.0 && args.min_coverage <= 1.0) {
        return Err(Error::Usage(format!(
            "--min-coverage must lie in (0, 1], got {}",
            args.min_coverage
        )));
    }
    let sim = args.sim.resolve(scn.paths, scn.seed)?;
    settings::check_memory(&scn, sim.paths)?;
    let dest = args.sim.destination(
        || default_out(&scn, &["discover", &scn.targets[target].id]),
        &scn.input_files(),
    )?;
    let out_dir = dest.shown().to_path_buf();
    let stage = Stage::begin(dest)?;
    let settings = Settings {
        target,
        cases: args.cases,
        paths: sim.paths,
        seed: sim.seed,
        prim: PrimOptions {
            peel_alpha: args.peel_alpha,
            mass_min: args.mass_min,
        },
        min_coverage: args.min_coverage,
    };
    let discovery = sim.pool.install(|| disc::discover(scn, settings))?;
    let elapsed = t0.elapsed().as_secs_f64();
    let mut files = Vec::new();
    outdir::write_folder(
        stage,
        &[],
        |dir| {
            report::csv::discover::write_draws(&dir.join("draws.csv"), &discovery)?;
            report::csv::discover::write_trajectory(&dir.join("trajectory.csv"), &discovery)?;
            report::csv::discover::write_box(&dir.join("box.csv"), &discovery)?;
            report::png::discover::write_charts(dir, &discovery)
        },
        |dir, outputs, _| {
            files = outputs.to_vec();
            report::manifest::write_discover(dir, &discovery, outputs, elapsed)
        },
    )?;
    Ok(DiscoverOutcome {
        discovery,
        out_dir,
        elapsed,
        files,
    })
}
