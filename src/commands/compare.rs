//! `empsim compare`: several scenarios simulated with the same paths and seed
//! ([`crate::analysis::compare`]), their projections overlaid on one chart per region and
//! indicator, and the probability of meeting each target side by side with its difference
//! from the first scenario.
//!
//! Outputs (default `output/compare-<name1>-vs-<name2>…`, written by the rules of
//! [`crate::outdir`]):
//!
//! - `p_met.csv`: one row per target and scenario (targets in order of first appearance,
//!   scenarios in command-line order): `target_id, region, indicator, kind, applies, period,
//!   target_value, scenario, p_met, p_met_se, baseline_scenario, diff, diff_se`, then
//!   `level_p50, level_p80, level_p90` (one per `--level-probs` probability: the level the
//!   target is met at with that probability in that scenario, as in `targets.csv`), where
//!   `baseline_scenario` is the first scenario, `diff` = p_met − p_met of the baseline (0 for
//!   the baseline itself) and `diff_se` its paired standard error. The target columns
//!   describe the scenario's own definition, or the first definition found when the
//!   scenario lacks the target (then `p_met` … `diff_se` and the levels are empty; `diff`
//!   is also empty when the baseline lacks the target; the levels are empty for
//!   `level_about` targets; `p_met_se` is empty where `p_met` is 0 or 1).
//! - `quantiles.csv`: the quantiles of every scenario, with the columns of `empsim run`'s.
//! - `charts/compare-<region>-<indicator>.png`: per region and indicator, each scenario's
//!   median and 5–95 % band in its own colour, the plan history and the target of the first
//!   scenario that has one there, with every scenario's P(met) in the note box.
//! - `report.html`: the P(met) table with the differences and the charts, for phone, laptop
//!   and paper ([`report::html::compare`]).
//! - `results.xlsx`: both tables for Excel, with an `about` sheet.
//! - `manifest.json`: version, scenarios and their files (SHA-256) and resolved tables,
//!   seed, paths, years, outputs, elapsed seconds, the command line, the build and the
//!   SHA-256 of every output.

use super::Ui;
use super::progress::{self, Progress, Stage as ProgressStage};
use super::settings::{self, LevelArgs, Sim, SimArgs};
use crate::analysis::compare::{CompareRow, ScenarioRun, aligned_years, compare_rows, met_by_path};
use crate::chart::{ComparisonChart, palette};
use crate::error::{Error, Result};
use crate::outdir::Stage;
use crate::report::manifest::Timings;
use crate::report::text::CompareView;
use crate::report::{self, png};
use crate::scenario::Scenario;
use crate::stats;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The most scenarios one comparison takes: one distinct chart colour each.
pub const MAX_SCENARIOS: usize = palette::SERIES.len();

/// The arguments of `empsim compare`.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(
    after_help = "Writes output/compare-<name1>-vs-<name2>... (or --out): p_met.csv, \
quantiles.csv, charts/compare-<region>-<indicator>.png, \
report.html, manifest.json. Targets are matched by \
id; a target missing from a scenario is kept with empty cells. With --json the comparison \
goes to stdout as the JSON document `empsim/compare` (docs/JSON.md)."
)]
pub struct CompareArgs {
    /// Scenario files (TOML), 2 to 6; the first is the baseline of the differences.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub levels: LevelArgs,
    /// Print the results as one JSON document on stdout instead of text (schema
    /// empsim/compare, see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// The examples of `empsim compare --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim compare scenarios/henan-baseline.toml scenarios/henan-downside.toml scenarios/henan-policy.toml",
    "empsim compare scenarios/henan-baseline.toml scenarios/henan-policy.toml --paths 20000 --out /tmp/policy",
];

/// What a comparison produced.
#[derive(Debug)]
pub struct CompareOutcome {
    /// The scenarios in command-line order; the first is the baseline.
    pub runs: Vec<ScenarioRun>,
    pub paths: usize,
    pub seed: u64,
    pub threads: usize,
    /// The union of the scenarios' projection years.
    pub years: Vec<i32>,
    pub out_dir: PathBuf,
    /// One row per target per scenario, as in `p_met.csv`.
    pub rows: Vec<CompareRow>,
    /// The charts: file name under `charts/` and the spec it was drawn from.
    pub charts: Vec<(String, ComparisonChart)>,
    /// The probabilities of the target-setting levels in `p_met.csv` (`--level-probs`).
    pub level_probs: Vec<f64>,
    pub timings: Timings,
    /// The files written, relative to `out_dir` (as listed in `manifest.json`).
    pub files: Vec<String>,
}

impl CompareOutcome {
    /// What the terminal summary and the manifest show.
    pub fn view(&self) -> CompareView<'_> {
        CompareView {
            runs: &self.runs,
            rows: &self.rows,
            years: &self.years,
            paths: self.paths,
            seed: self.seed,
            threads: self.threads,
            seconds: self.timings.total,
            out_dir: &self.out_dir,
        }
    }

    /// The chart files written, in chart order.
    pub fn chart_files(&self) -> Vec<PathBuf> {
        let dir = self.out_dir.join("charts");
        self.charts.iter().map(|(name, _)| dir.join(name)).collect()
    }

    /// The terminal summary (see [`report::text::compare()`]).
    pub fn summary_text(&self) -> String {
        report::text::compare(&self.view())
    }
}

/// Runs the command with its progress and prints the summary.
pub fn execute(args: &CompareArgs, ui: Ui) -> Result<()> {
    let o = ui.with_progress(|progress| compare_with(args, progress))?;
    if args.json {
        return ui.print_json(&report::json::compare(&o.view(), &o.level_probs, &o.files)?);
    }
    ui.print(&o.summary_text())
}

/// Loads, simulates and compares the scenarios of `args`, and writes the output folder.
///
/// # Errors
/// [`Error::Usage`] for fewer than two or more than [`MAX_SCENARIOS`] scenarios, two with
/// the same name, horizons without a common year, or out-of-range `--paths`/`--threads`;
/// scenario errors as [`Scenario::from_file`]; [`Error::Output`] if the folder cannot be
/// written.
pub fn compare(args: &CompareArgs) -> Result<CompareOutcome> {
    compare_with(args, &progress::Silent)
}

/// [`compare`], reporting to `progress`: per scenario, conditioning (with observations),
/// simulating and summarising; then writing the tables and drawing the charts.
///
/// # Errors
/// As [`compare`].
pub fn compare_with(args: &CompareArgs, progress: &dyn Progress) -> Result<CompareOutcome> {
    let t0 = Instant::now();
    let scenarios = load_scenarios(&args.scenarios, &args.sim)?;
    let spans: Vec<(&str, i32, i32)> = scenarios
        .iter()
        .map(|s| (s.name.as_str(), s.base_year + 1, s.end_year))
        .collect();
    let years = aligned_years(&spans)?;
    let first = &scenarios[0];
    let sim = args.sim.resolve(first.paths, first.seed)?;
    for s in &scenarios {
        settings::check_memory(s, sim.paths)?;
    }
    let level_probs = args.levels.resolve()?;
    let inputs: Vec<PathBuf> = scenarios.iter().flat_map(|s| s.input_files()).collect();
    let dest = args
        .sim
        .destination(|| default_out_dir(&scenarios), &inputs)?;
    let out_dir = dest.shown().to_path_buf();
    let stage = Stage::begin(dest)?;
    let mut timings = Timings {
        load: t0.elapsed().as_secs_f64(),
        ..Timings::default()
    };
    let n = scenarios.len();
    let runs = scenarios
        .into_iter()
        .enumerate()
        .map(|(i, scn)| {
            let note = format!("scenario {}/{n}: {}", i + 1, scn.name);
            simulate_one(scn, &sim, &level_probs, &mut timings, progress, &note)
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = compare_rows(&runs);
    let foot = png::compare::footer(&runs, sim.seed, sim.paths);
    let charts = png::compare::chart_specs(&runs, &rows, &years, &foot);
    let mut outcome = CompareOutcome {
        runs,
        paths: sim.paths,
        seed: sim.seed,
        threads: sim.threads,
        years,
        out_dir,
        rows,
        charts,
        level_probs,
        timings,
        files: Vec::new(),
    };
    let t_write = Instant::now();
    let stage_dir = stage.dir().to_path_buf();
    let written = sim
        .pool
        .install(|| write_outputs(&stage_dir, &outcome, progress));
    outcome.timings.charts = written.map_err(|e| stage.relocate(e))?;
    stage.commit(&[], |dir, outputs| {
        outcome.timings.write = t_write.elapsed().as_secs_f64() - outcome.timings.charts;
        outcome.timings.total = t0.elapsed().as_secs_f64();
        outcome.files = outputs.to_vec();
        report::manifest::write_compare(dir, &outcome.view(), outputs, &outcome.timings)
    })?;
    Ok(outcome)
}

/// Reads the scenarios: two to [`MAX_SCENARIOS`], with distinct names; `--observations`
/// conditions every one of them.
fn load_scenarios(files: &[PathBuf], sim: &settings::SimArgs) -> Result<Vec<Scenario>> {
    if files.len() < 2 {
        return Err(Error::Usage(format!(
            "compare needs at least two scenarios, got {}",
            files.len()
        )));
    }
    if files.len() > MAX_SCENARIOS {
        return Err(Error::Usage(format!(
            "compare takes at most {MAX_SCENARIOS} scenarios (one chart colour each), got {}",
            files.len()
        )));
    }
    let scenarios = files
        .iter()
        .map(|p| sim.scenario(p))
        .collect::<Result<Vec<_>>>()?;
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(j) = scenarios[..i].iter().position(|o| o.name == s.name) {
            return Err(Error::Usage(format!(
                "{} and {} are both named `{}`: compared scenarios need distinct names",
                files[j].display(),
                files[i].display(),
                s.name
            )));
        }
    }
    Ok(scenarios)
}

/// Simulates one scenario with the shared paths and seed, and summarises it.
fn simulate_one(
    scn: Scenario,
    sim: &Sim,
    level_probs: &[f64],
    timings: &mut Timings,
    progress: &dyn Progress,
    note: &str,
) -> Result<ScenarioRun> {
    let t = Instant::now();
    let simulation = sim
        .pool
        .install(|| progress::simulate(progress, note, &scn, sim.paths, sim.seed));
    simulation.check_finite(&scn)?;
    timings.simulate += t.elapsed().as_secs_f64();
    let t = Instant::now();
    progress.stage(
        ProgressStage::Summarising,
        (simulation.series.len() + scn.targets.len()) as u64,
    );
    progress.note(note.to_string());
    let count = || progress.advance(1);
    let ((summaries, targets), met) = sim.pool.install(|| {
        rayon::join(
            || {
                rayon::join(
                    || stats::summarize_counted(&scn, &simulation, &count),
                    || stats::evaluate_targets_counted(&scn, &simulation, level_probs, &count),
                )
            },
            || met_by_path(&scn, &simulation),
        )
    });
    timings.summarize += t.elapsed().as_secs_f64();
    Ok(ScenarioRun {
        scenario: scn,
        summaries,
        targets,
        met,
    })
}

/// `output/compare-<name1>-vs-<name2>…`, with characters unsafe in file names replaced.
pub fn default_out_dir(scenarios: &[Scenario]) -> PathBuf {
    let names: Vec<String> = scenarios.iter().map(|s| file_safe(&s.name)).collect();
    Path::new("output").join(format!("compare-{}", names.join("-vs-")))
}

/// Keeps letters (any script), digits, `-`, `_` and `.`; anything else becomes `-`.
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Writes the tables and charts; returns the seconds spent on charts.
fn write_outputs(dir: &Path, o: &CompareOutcome, progress: &dyn Progress) -> Result<f64> {
    progress.stage(ProgressStage::Writing, 0);
    report::csv::compare::write_p_met(&dir.join("p_met.csv"), &o.rows, &o.level_probs)?;
    let runs: Vec<(&Scenario, &[stats::SeriesSummary])> = o
        .runs
        .iter()
        .map(|r| (&r.scenario, r.summaries.as_slice()))
        .collect();
    report::csv::write_quantiles_of(&dir.join("quantiles.csv"), &runs)?;
    report::xlsx::write_compare(dir, &o.view())?;
    let t = Instant::now();
    progress.stage(ProgressStage::Charts, o.charts.len() as u64);
    // A few charts per worker at a time, so the count moves.
    for chunk in o.charts.chunks(2 * rayon::current_num_threads()) {
        png::compare::render(dir, chunk)?;
        progress.advance(chunk.len() as u64);
    }
    let seconds = t.elapsed().as_secs_f64();
    let charts: Vec<(PathBuf, String)> = o
        .charts
        .iter()
        .map(|(name, spec)| (dir.join("charts").join(name), spec.title.clone()))
        .collect();
    report::html::compare::write(
        dir,
        &report::html::compare::CompareReport {
            runs: &o.runs,
            rows: &o.rows,
            years: &o.years,
            paths: o.paths,
            seed: o.seed,
            charts: &charts,
        },
    )?;
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_safe_names_keep_letters_of_any_script() {
        assert_eq!(file_safe("henan-baseline"), "henan-baseline");
        assert_eq!(file_safe("河南 下行/v2"), "河南-下行-v2");
    }
}
