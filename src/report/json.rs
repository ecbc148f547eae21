//! The `--json` documents of the commands: one JSON document per command on standard
//! output, each opened by the same three fields (`schema` = `empsim/<command>`,
//! `schema_version`, `empsim_version`). The contract, the versioning policy and a JSON Schema
//! (draft 2020-12) per command are in `docs/JSON.md` and `docs/schema/`; the tests check every
//! document against its schema.
//!
//! Numbers are written as computed (full precision); a value that is not a number (e.g. a
//! mean over no observations) is `null`.

use crate::analysis::backtest::{BacktestRow, SummaryRow};
use crate::analysis::calibration::Calibration;
use crate::analysis::compare::CompareRow;
use crate::analysis::sens::SensStudy;
use crate::error::{Error, Result};
use crate::report::text::{BacktestView, CompareView};
use crate::scenario::{Nature, Scenario, Target};
use crate::stats::{Progress, TargetResult};
use serde::Serialize;
use std::path::Path;

/// The version of every command's document: raised only by a breaking change (a field
/// removed, renamed or given another meaning or type); new fields keep it.
pub const SCHEMA_VERSION: u32 = 1;

/// The fields every document opens with, then the command's own.
#[derive(Serialize)]
struct Envelope<T: Serialize> {
    /// `empsim/<command>`.
    schema: String,
    schema_version: u32,
    /// The version of empsim that wrote the document.
    empsim_version: &'static str,
    #[serde(flatten)]
    body: T,
}

/// The document of `command` with `body`'s fields, pretty-printed, with a final newline.
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn document<T: Serialize>(command: &str, body: T) -> Result<String> {
    let doc = Envelope {
        schema: format!("empsim/{command}"),
        schema_version: SCHEMA_VERSION,
        empsim_version: env!("CARGO_PKG_VERSION"),
        body,
    };
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(Error::Json)
}

/// A scenario file and its SHA-256.
#[derive(Serialize)]
struct FileRef<'a> {
    path: &'a Path,
    sha256: &'a str,
}

fn scenario_files(scn: &Scenario) -> Vec<FileRef<'_>> {
    scn.files
        .iter()
        .map(|f| FileRef {
            path: &f.path,
            sha256: &f.sha256,
        })
        .collect()
}

/// A target as the plan states it.
#[derive(Serialize)]
struct TargetDef<'a> {
    target_id: &'a str,
    region: &'a str,
    region_name: &'a str,
    indicator: &'static str,
    unit: &'static str,
    /// `cumulative_floor`, `level_floor`, `level_cap` or `level_about`.
    kind: &'static str,
    /// `each_year`, `end` or `average` for level targets; `null` for cumulative ones.
    applies: Option<&'static str>,
    /// `expected` (预期性), `binding` (约束性) or `unspecified`.
    nature: &'static str,
    /// The plan's word: `预期性`, `约束性`, or `null` when the plan does not state it.
    nature_zh: Option<&'static str>,
    /// The half-width of a `level_about` (左右) target's band; `null` otherwise.
    tolerance: Option<f64>,
    period: String,
    first_year: i32,
    last_year: i32,
    value: f64,
    /// The id of the plan document the target is quoted from.
    source: &'a str,
    /// The plan's own words (Chinese).
    quote: &'a str,
    /// How the target was read, where the plan's text does not say it outright.
    assumption: Option<&'a str>,
    note: Option<&'a str>,
}

fn target_def<'a>(scn: &'a Scenario, t: &'a Target) -> TargetDef<'a> {
    let region = &scn.regions[t.region];
    TargetDef {
        target_id: &t.id,
        region: &region.id,
        region_name: &region.name_zh,
        indicator: t.indicator.key(),
        unit: t.indicator.unit(),
        kind: t.kind.key(),
        applies: t.applies.map(|a| a.key()),
        nature: t.nature.key(),
        nature_zh: match t.nature {
            Nature::Expected => Some("预期性"),
            Nature::Binding => Some("约束性"),
            Nature::Unspecified => None,
        },
        tolerance: t.tolerance,
        period: t.period_label(),
        first_year: t.first_year,
        last_year: t.last_year,
        value: t.value,
        source: &t.source,
        quote: &t.quote,
        assumption: t.assumption.as_deref(),
        note: t.note.as_deref(),
    }
}

/// A target-setting level: the level met with probability `p` (`null` for `level_about`).
#[derive(Serialize)]
struct Level {
    p: f64,
    level: Option<f64>,
}

fn levels(levels: &[(f64, Option<f64>)]) -> Vec<Level> {
    levels
        .iter()
        .map(|&(p, level)| Level { p, level })
        .collect()
}

/// P(on track) in one year of the period.
#[derive(Serialize)]
struct OnTrack {
    year: i32,
    p: f64,
}

/// A target with its results in a run.
#[derive(Serialize)]
struct RunTarget<'a> {
    #[serde(flatten)]
    def: TargetDef<'a>,
    p_met: f64,
    p_met_se: f64,
    p_met_low: f64,
    p_met_high: f64,
    outcome_p05: f64,
    outcome_p50: f64,
    outcome_p95: f64,
    expected_shortfall: f64,
    shortfall_if_missed: f64,
    levels: Vec<Level>,
    on_track: Vec<OnTrack>,
    /// What the observed years achieved (a conditioned run); `null` otherwise.
    progress: Option<&'a Progress>,
}

/// What `empsim run --json` describes besides the targets.
pub struct RunView<'a> {
    pub scenario: &'a Scenario,
    pub targets: &'a [TargetResult],
    pub level_probs: &'a [f64],
    pub paths: usize,
    pub seed: u64,
    pub threads: usize,
    pub out_dir: &'a Path,
    /// The files written, relative to `out_dir`.
    pub files: &'a [String],
}

#[derive(Serialize)]
struct RunBody<'a> {
    scenario: &'a str,
    description: &'a str,
    scenario_files: Vec<FileRef<'a>>,
    base_year: i32,
    end_year: i32,
    paths: usize,
    seed: u64,
    threads: usize,
    conditioned: bool,
    level_probs: &'a [f64],
    out_dir: &'a Path,
    files: &'a [String],
    targets: Vec<RunTarget<'a>>,
}

/// The document of `empsim run --json` (schema `empsim/run`): the run's settings, the
/// output folder and its files, and every target in scenario order with its definition
/// (nature, tolerance, source and quote), P(met), outcome quantiles, shortfall,
/// target-setting levels, P(on track) by year and progress.
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn run(v: &RunView) -> Result<String> {
    let scn = v.scenario;
    let targets = v
        .targets
        .iter()
        .map(|r| RunTarget {
            def: target_def(scn, &scn.targets[r.target]),
            p_met: r.p_met,
            p_met_se: r.p_met_se,
            p_met_low: r.p_met_low,
            p_met_high: r.p_met_high,
            outcome_p05: r.outcome_p05,
            outcome_p50: r.outcome_p50,
            outcome_p95: r.outcome_p95,
            expected_shortfall: r.expected_shortfall,
            shortfall_if_missed: r.shortfall_if_missed,
            levels: levels(&r.levels),
            on_track: r
                .glide
                .iter()
                .map(|&(year, p)| OnTrack { year, p })
                .collect(),
            progress: r.progress.as_ref(),
        })
        .collect();
    document(
        "run",
        RunBody {
            scenario: &scn.name,
            description: &scn.description,
            scenario_files: scenario_files(scn),
            base_year: scn.base_year,
            end_year: scn.end_year,
            paths: v.paths,
            seed: v.seed,
            threads: v.threads,
            conditioned: scn.observations.is_some(),
            level_probs: v.level_probs,
            out_dir: v.out_dir,
            files: v.files,
            targets,
        },
    )
}

/// One scenario of a comparison.
#[derive(Serialize)]
struct CompareScenario<'a> {
    name: &'a str,
    scenario_files: Vec<FileRef<'a>>,
    base_year: i32,
    end_year: i32,
}

/// A target in one scenario of a comparison (a row of `p_met.csv`).
#[derive(Serialize)]
struct CompareTarget<'a> {
    target_id: &'a str,
    region: &'a str,
    indicator: &'static str,
    kind: &'static str,
    applies: Option<&'static str>,
    /// `null` when the scenario lacks the target.
    nature: Option<&'static str>,
    period: &'a str,
    target_value: f64,
    scenario: &'a str,
    p_met: Option<f64>,
    p_met_se: Option<f64>,
    baseline_scenario: &'a str,
    diff: Option<f64>,
    diff_se: Option<f64>,
    levels: Vec<Level>,
    redefined: bool,
}

#[derive(Serialize)]
struct CompareBody<'a> {
    scenarios: Vec<CompareScenario<'a>>,
    baseline_scenario: &'a str,
    paths: usize,
    seed: u64,
    threads: usize,
    years: &'a [i32],
    level_probs: &'a [f64],
    out_dir: &'a Path,
    files: &'a [String],
    targets: Vec<CompareTarget<'a>>,
}

/// The document of `empsim compare --json` (schema `empsim/compare`): the scenarios, and
/// per target and scenario the rows of `p_met.csv`.
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn compare(v: &CompareView, level_probs: &[f64], files: &[String]) -> Result<String> {
    let nature = |r: &CompareRow| {
        let run = v.runs.iter().find(|run| run.scenario.name == r.scenario)?;
        let t = run.scenario.targets.iter().find(|t| t.id == r.target_id)?;
        Some(t.nature.key())
    };
    let targets = v
        .rows
        .iter()
        .map(|r| CompareTarget {
            target_id: &r.target_id,
            region: &r.region,
            indicator: r.indicator.key(),
            kind: r.kind,
            applies: (!r.applies.is_empty()).then_some(r.applies),
            nature: nature(r),
            period: &r.period,
            target_value: r.target_value,
            scenario: &r.scenario,
            p_met: r.p_met,
            p_met_se: r.p_met_se,
            baseline_scenario: &r.baseline_scenario,
            diff: r.diff,
            diff_se: r.diff_se,
            levels: levels(&r.levels),
            redefined: r.redefined,
        })
        .collect();
    document(
        "compare",
        CompareBody {
            scenarios: v
                .runs
                .iter()
                .map(|r| CompareScenario {
                    name: &r.scenario.name,
                    scenario_files: scenario_files(&r.scenario),
                    base_year: r.scenario.base_year,
                    end_year: r.scenario.end_year,
                })
                .collect(),
            baseline_scenario: v.runs.first().map_or("", |r| r.scenario.name.as_str()),
            paths: v.paths,
            seed: v.seed,
            threads: v.threads,
            years: v.years,
            level_probs,
            out_dir: v.out_dir,
            files,
            targets,
        },
    )
}

/// One index of a sensitivity study (a row of `indices.csv`).
#[derive(Serialize)]
struct SensIndex {
    metric: String,
    year: i32,
    parameter: String,
    statistic: &'static str,
    estimate: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    /// Empty, or `;`-separated flags (see docs/SENSITIVITY.md).
    flag: String,
}

#[derive(Serialize)]
struct SensMetric<'a> {
    label: &'a str,
    years: &'a [i32],
}

#[derive(Serialize)]
struct SensFactor<'a> {
    name: &'a str,
    /// Given by `--range` rather than declared in the scenario.
    from_command_line: bool,
}

#[derive(Serialize)]
struct SensBody<'a> {
    scenario: &'a str,
    scenario_files: Vec<FileRef<'a>>,
    method: &'static str,
    paths: usize,
    seed: u64,
    evaluations: usize,
    factors: Vec<SensFactor<'a>>,
    metrics: Vec<SensMetric<'a>>,
    out_dir: &'a Path,
    files: &'a [String],
    indices: Vec<SensIndex>,
    /// Sobol' with `--converge`: the rounds (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    convergence: Option<&'a crate::analysis::sens::Convergence>,
}

/// The document of `empsim sens --json` (schema `empsim/sens`): the design, the factors
/// and metrics, and every index (the rows of `indices.csv`).
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn sens(study: &SensStudy, out_dir: &Path, files: &[String]) -> Result<String> {
    let indices = study
        .rows()
        .into_iter()
        .map(|r| SensIndex {
            metric: r.metric,
            year: r.year,
            parameter: r.parameter,
            statistic: r.statistic,
            estimate: r.estimate,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            flag: r.flag,
        })
        .collect();
    document(
        "sens",
        SensBody {
            scenario: &study.scenario.name,
            scenario_files: scenario_files(&study.scenario),
            method: study.method.key(),
            paths: study.paths,
            seed: study.seed,
            evaluations: study.evaluations,
            factors: study
                .factors
                .iter()
                .map(|f| SensFactor {
                    name: &f.name,
                    from_command_line: f.from_command_line,
                })
                .collect(),
            metrics: study
                .metrics
                .iter()
                .map(|m| SensMetric {
                    label: &m.label,
                    years: &m.years,
                })
                .collect(),
            out_dir,
            files,
            indices,
            convergence: study.convergence.as_ref(),
        },
    )
}

/// One observation of a backtest and its scores (a row of `backtest.csv`).
#[derive(Serialize)]
struct BacktestObs<'a> {
    /// The line of the actuals file.
    line: u64,
    region: &'a str,
    indicator: &'static str,
    measure: &'static str,
    period: String,
    value: f64,
    source: &'a str,
    quote: &'a str,
    /// `final` or `preliminary`.
    quality: crate::scenario::actuals::Quality,
    /// `scored` or `not_projected`.
    status: &'static str,
    reason: Option<&'a str>,
    is_baseline: bool,
    conditioned: bool,
    /// The scores (`null` when not projected).
    score: Option<&'a crate::stats::score::Score>,
}

#[derive(Serialize)]
struct BacktestBody<'a> {
    scenario: &'a str,
    scenario_files: Vec<FileRef<'a>>,
    actuals: &'a Path,
    paths: usize,
    seed: u64,
    out_dir: &'a Path,
    files: &'a [String],
    observations: Vec<BacktestObs<'a>>,
    summary: &'a [SummaryRow],
}

/// The document of `empsim backtest --json` (schema `empsim/backtest`): every observation
/// with its scores and the summary rows of `backtest-summary.csv`.
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn backtest(v: &BacktestView) -> Result<String> {
    fn obs(r: &BacktestRow) -> BacktestObs<'_> {
        BacktestObs {
            line: r.observation.line,
            region: &r.observation.region,
            indicator: r.observation.indicator.key(),
            measure: r.observation.measure.key(),
            period: r.observation.period.label(),
            value: r.observation.value,
            source: &r.observation.source,
            quote: &r.observation.quote,
            quality: r.observation.quality,
            status: r.status.key(),
            reason: r.reason.as_deref(),
            is_baseline: r.is_baseline,
            conditioned: r.conditioned,
            score: r.score.as_ref(),
        }
    }
    let observations = v.rows.iter().map(obs).collect();
    document(
        "backtest",
        BacktestBody {
            scenario: &v.scenario.name,
            scenario_files: scenario_files(v.scenario),
            actuals: v.actuals,
            paths: v.paths,
            seed: v.seed,
            out_dir: v.out_dir,
            files: v.files,
            observations,
            summary: v.summary,
        },
    )
}

/// The document of `empsim calibrate --json` (schema `empsim/calibrate`): the fields of
/// the derivation ([`Calibration`]) after the opening three.
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn calibrate(c: &Calibration) -> Result<String> {
    document("calibrate", c)
}

/// One scenario file checked by `empsim check`.
pub enum Checked<'a> {
    Valid(&'a Path, &'a Scenario),
    Invalid(&'a Path, &'a Error),
}

#[derive(Serialize)]
struct CheckRegion<'a> {
    id: &'a str,
    name: &'a str,
    /// The region another region is part of; `null` for the top.
    parent: Option<&'a str>,
    indicators: Vec<&'static str>,
}

#[derive(Serialize)]
struct CheckResolved<'a> {
    name: &'a str,
    description: &'a str,
    scenario_files: Vec<FileRef<'a>>,
    base_year: i32,
    end_year: i32,
    paths: usize,
    seed: u64,
    parameters: usize,
    shocks: usize,
    levers: usize,
    observation_files: usize,
    regions: Vec<CheckRegion<'a>>,
    targets: Vec<TargetDef<'a>>,
}

#[derive(Serialize)]
struct CheckFile<'a> {
    file: &'a Path,
    valid: bool,
    /// The error message (one line or several); `null` for a valid file.
    error: Option<String>,
    /// The exit code the error alone gives (2 for bad input); `null` for a valid file.
    exit_code: Option<i32>,
    /// Every problem found, sorted by file and position (empty for a valid file), for
    /// editors and scripts.
    problems: Vec<CheckProblem>,
    /// What a valid scenario resolves to; `null` for an invalid one.
    scenario: Option<CheckResolved<'a>>,
}

/// One problem of an invalid scenario: where it is and what is wrong.
#[derive(Serialize)]
struct CheckProblem {
    /// The file the offending key is written in (the scenario or a file it extends);
    /// `null` when the problem has no place (e.g. a file that cannot be read).
    file: Option<String>,
    /// 1-based line and column (in characters).
    line: Option<usize>,
    column: Option<usize>,
    /// The key path, e.g. `regions.kaifeng.targets[0].value`, for checks across fields.
    key: Option<String>,
    message: String,
    hint: Option<String>,
}

/// The problems of an error, one per problem of a scenario.
fn check_problems(e: &Error) -> Vec<CheckProblem> {
    use crate::error::{Problem, ScenarioError};
    let one = |p: &Problem| {
        let (key, message) = match &p.error {
            ScenarioError::Invalid { key, message, .. } => (
                Some(key.clone()),
                message
                    .split_once("\nhelp: ")
                    .map_or(message.as_str(), |m| m.0)
                    .to_string(),
            ),
            _ => (None, p.title()),
        };
        let path = match &p.error {
            ScenarioError::Invalid { path, .. }
            | ScenarioError::Parse { path, .. }
            | ScenarioError::Read { path, .. }
            | ScenarioError::ExtendsCycle { path, .. } => Some(path.display().to_string()),
            _ => None,
        };
        CheckProblem {
            file: p
                .place
                .as_ref()
                .map(|pl| pl.file.display().to_string())
                .or(path),
            line: p.place.as_ref().map(|pl| pl.line),
            column: p.place.as_ref().map(|pl| pl.column),
            key,
            message,
            hint: p.hint.clone(),
        }
    };
    match e {
        Error::Scenario(ScenarioError::Problems(ps)) => ps.iter().map(one).collect(),
        Error::Scenario(other) => vec![one(&Problem {
            error: other.clone(),
            place: None,
            hint: None,
        })],
        other => vec![CheckProblem {
            file: None,
            line: None,
            column: None,
            key: None,
            message: chain(other),
            hint: None,
        }],
    }
}

#[derive(Serialize)]
struct CheckBody<'a> {
    valid: usize,
    invalid: usize,
    files: Vec<CheckFile<'a>>,
}

/// An error and its causes, `: `-separated (as the terminal shows them).
fn chain(e: &Error) -> String {
    let mut s = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

fn resolved(scn: &Scenario) -> CheckResolved<'_> {
    CheckResolved {
        name: &scn.name,
        description: &scn.description,
        scenario_files: scenario_files(scn),
        base_year: scn.base_year,
        end_year: scn.end_year,
        paths: scn.paths,
        seed: scn.seed,
        parameters: scn.params.len(),
        shocks: scn.shocks.len(),
        levers: scn.levers.len(),
        observation_files: scn.observations.as_ref().map_or(0, |o| o.files.len()),
        regions: scn
            .regions
            .iter()
            .map(|r| CheckRegion {
                id: &r.id,
                name: &r.name_zh,
                parent: r.parent.map(|p| scn.regions[p].id.as_str()),
                indicators: r.indicators.iter().map(|i| i.key()).collect(),
            })
            .collect(),
        targets: scn.targets.iter().map(|t| target_def(scn, t)).collect(),
    }
}

/// The document of `empsim check --json` (schema `empsim/check`): per file in command-line
/// order, whether it is valid, the error or what it resolves to.
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn check(files: &[Checked]) -> Result<String> {
    let files: Vec<CheckFile> = files
        .iter()
        .map(|c| match c {
            Checked::Valid(file, scn) => CheckFile {
                file,
                valid: true,
                error: None,
                exit_code: None,
                problems: Vec::new(),
                scenario: Some(resolved(scn)),
            },
            Checked::Invalid(file, e) => CheckFile {
                file,
                valid: false,
                error: Some(chain(e)),
                exit_code: Some(e.exit_code()),
                problems: check_problems(e),
                scenario: None,
            },
        })
        .collect();
    let valid = files.iter().filter(|f| f.valid).count();
    document(
        "check",
        CheckBody {
            valid,
            invalid: files.len() - valid,
            files,
        },
    )
}

/// One restriction of the chosen box.
#[derive(Serialize)]
struct DiscoverLimit<'a> {
    input: &'a str,
    /// The input's range over all paths.
    all_low: f64,
    all_high: f64,
    /// The box's limits; absent on a side it leaves open.
    box_low: Option<f64>,
    box_high: Option<f64>,
    qp: Option<f64>,
}

#[derive(Serialize)]
struct DiscoverBody<'a> {
    scenario: &'a str,
    scenario_files: Vec<FileRef<'a>>,
    target: &'a str,
    cases: crate::analysis::discover::Cases,
    paths: usize,
    seed: u64,
    /// Paths that are cases (miss the target, or meet it with --cases met).
    case_count: usize,
    inputs: Vec<&'a str>,
    prim: crate::sensitivity::prim::PrimOptions,
    min_coverage: f64,
    /// The peeling trajectory (step 0: every path), limits per input (null: open side).
    trajectory: &'a [crate::sensitivity::prim::PrimBox],
    chosen_step: Option<usize>,
    chosen_box: Vec<DiscoverLimit<'a>>,
    out_dir: &'a Path,
    files: &'a [String],
}

/// The document of `empsim discover --json` (schema `empsim/discover`).
///
/// # Errors
/// [`Error::Json`] if serialisation fails.
pub fn discover(
    d: &crate::analysis::discover::Discovery,
    out_dir: &Path,
    files: &[String],
) -> Result<String> {
    let finite = |x: f64| x.is_finite().then_some(x);
    let chosen_box = match d.chosen {
        Some(k) => {
            let b = &d.prim.steps[k];
            b.restricted()
                .into_iter()
                .map(|j| DiscoverLimit {
                    input: &d.inputs[j].name,
                    all_low: d.prim.ranges[j].0,
                    all_high: d.prim.ranges[j].1,
                    box_low: finite(b.limits[j].0),
                    box_high: finite(b.limits[j].1),
                    qp: d.qp[j],
                })
                .collect()
        }
        None => Vec::new(),
    };
    document(
        "discover",
        DiscoverBody {
            scenario: &d.scenario.name,
            scenario_files: scenario_files(&d.scenario),
            target: &d.scenario.targets[d.settings.target].id,
            cases: d.settings.cases,
            paths: d.settings.paths,
            seed: d.settings.seed,
            case_count: d.prim.cases,
            inputs: d.inputs.iter().map(|i| i.name.as_str()).collect(),
            prim: d.settings.prim,
            min_coverage: d.settings.min_coverage,
            trajectory: &d.prim.steps,
            chosen_step: d.chosen,
            chosen_box,
            out_dir,
            files,
        },
    )
}
