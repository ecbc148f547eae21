//! `empsim compare`: several scenarios simulated with the same paths and seed, their
//! projections overlaid on one chart per region and indicator, and the probability of
//! meeting each target side by side with its difference from the first scenario.
//!
//! - **Same random numbers.** Every scenario runs `paths` paths from one master seed
//!   (default: the first scenario's), so path *p* starts from the same seed in every
//!   scenario (common random numbers). Its draws stay in step only as far as the scenarios
//!   make the same draws in the same order (see [`crate::engine`]: an extra parameter with
//!   a spread, e.g. a shock's scale or a lever's effect, or an extra shock shifts every
//!   later draw on the path), so the noise in a difference is reduced, not removed.
//!   `diff_se` measures what remains, *paired by path*: with Iₛ(p) = 1 if path p meets the
//!   target in scenario s, `diff_se` = sd(Iₛ − I₀)/√n (n-denominator, as `p_met_se` =
//!   √(p(1 − p)/n)). Scenarios that differ only in fixed values (the growth path, a target,
//!   a fixed parameter) stay exactly in step.
//! - **Matching.** Targets are matched by id (`region.indicator.kind`), regions by id. A
//!   target or region missing from a scenario is kept, with empty cells (CSV) or a series
//!   marked "not projected" (charts), never dropped.
//! - **Years.** Scenarios may have different horizons as long as they share at least one
//!   projection year; the charts run over the union of the projection years and a scenario's
//!   series is blank outside its own horizon. Each scenario's P(met) uses its own target
//!   definition; where it differs from the first scenario's, the terminal table marks it.
//!
//! Outputs (default `output/compare-<name1>-vs-<name2>…`, written by the rules of [`crate::outdir`]):
//!
//! - `p_met.csv`: one row per target and scenario (targets in order of first appearance,
//!   scenarios in command-line order): `target_id, region, indicator, kind, applies, period,
//!   target_value, scenario, p_met, p_met_se, baseline_scenario, diff, diff_se`, where
//!   `baseline_scenario` is the first scenario, `diff` = p_met − p_met of the baseline (0 for
//!   the baseline itself) and `diff_se` its paired standard error. The target columns
//!   describe the scenario's own definition, or the first definition found when the
//!   scenario lacks the target (then `p_met` … `diff_se` are empty; `diff` is also empty
//!   when the baseline lacks the target).
//! - `quantiles.csv`: the quantiles of every scenario, with the columns of `empsim run`'s.
//! - `charts/compare-<region>-<indicator>.png`: per region and indicator, each scenario's
//!   median and 5–95 % band in its own colour, the plan history and the target of the first
//!   scenario that has one there, with every scenario's P(met) in the note box.
//! - `manifest.json`: version, scenarios and their files (SHA-256), seed, paths, years,
//!   outputs, elapsed seconds.

use crate::chart::{self, ComparisonChart, ComparisonSeries, YRange, palette};
use crate::engine;
use crate::error::{Error, Result};
use crate::indicator::{Indicator, IndicatorKind};
use crate::outdir::{Destination, Stage, create, io_err};
use crate::report::csv::fmt4;
use crate::report::html::requirement;
use crate::report::manifest::Timings;
use crate::report::png::run::{chart_title, history, yearly_target_line};
use crate::scenario::{Applies, Scenario, Target};
use crate::stats::{self, Measure, SeriesSummary, TargetResult};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The most scenarios one comparison takes: one distinct chart colour each.
pub const MAX_SCENARIOS: usize = palette::SERIES.len();

/// Validated settings of `empsim compare`.
#[derive(Debug, Clone, Default)]
pub struct CompareConfig {
    /// Scenario files, the first being the baseline of the differences.
    pub scenarios: Vec<PathBuf>,
    /// Paths per scenario; default: the first scenario's `monte_carlo.paths`.
    pub paths: Option<usize>,
    /// Master seed of every scenario; default: the first scenario's `monte_carlo.seed`.
    pub seed: Option<u64>,
    /// Output folder; default `output/compare-<name1>-vs-<name2>…`.
    pub out: Option<PathBuf>,
    /// Worker threads; default: all cores. Results do not depend on it.
    pub threads: Option<usize>,
}

/// One scenario's simulation, summarised.
#[derive(Debug)]
pub struct ScenarioRun {
    pub scenario: Scenario,
    pub summaries: Vec<SeriesSummary>,
    pub targets: Vec<TargetResult>,
    /// Per target of the scenario, per path: whether the path meets it.
    met: Vec<Vec<bool>>,
}

/// One row of `p_met.csv`: a target in one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareRow {
    pub target_id: String,
    pub region: String,
    pub indicator: Indicator,
    /// `cumulative_floor`, `level_cap`, `level_floor` or `level_about`.
    pub kind: &'static str,
    /// `each_year`, `end`, or empty for cumulative targets.
    pub applies: &'static str,
    pub period: String,
    pub target_value: f64,
    pub scenario: String,
    /// Empty (`None`) when the scenario lacks the target.
    pub p_met: Option<f64>,
    pub p_met_se: Option<f64>,
    /// The first scenario, which `diff` is taken against.
    pub baseline_scenario: String,
    /// p_met − p_met of the baseline; `None` if either lacks the target.
    pub diff: Option<f64>,
    /// Standard error of `diff`, paired by path (common random numbers).
    pub diff_se: Option<f64>,
    /// The scenario defines the target differently from the first scenario that has it
    /// (kind, period, value, tolerance or `applies`).
    pub redefined: bool,
}

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
    pub timings: Timings,
}

/// Loads, simulates and compares the scenarios of `cfg`, and writes the output folder.
///
/// # Errors
/// [`Error::Usage`] for fewer than two or more than [`MAX_SCENARIOS`] scenarios, two with
/// the same name, horizons without a common year, or out-of-range `--paths`/`--threads`;
/// scenario errors as [`Scenario::from_file`]; [`Error::Output`] if the folder cannot be
/// written.
pub fn compare(cfg: &CompareConfig) -> Result<CompareOutcome> {
    let t0 = Instant::now();
    if cfg.scenarios.len() < 2 {
        return Err(Error::Usage(format!(
            "compare needs at least two scenarios, got {}",
            cfg.scenarios.len()
        )));
    }
    if cfg.scenarios.len() > MAX_SCENARIOS {
        return Err(Error::Usage(format!(
            "compare takes at most {MAX_SCENARIOS} scenarios (one chart colour each), got {}",
            cfg.scenarios.len()
        )));
    }
    let scenarios = cfg
        .scenarios
        .iter()
        .map(|p| Scenario::from_file(p).map_err(Error::from))
        .collect::<Result<Vec<_>>>()?;
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(j) = scenarios[..i].iter().position(|o| o.name == s.name) {
            return Err(Error::Usage(format!(
                "{} and {} are both named `{}`: compared scenarios need distinct names",
                cfg.scenarios[j].display(),
                cfg.scenarios[i].display(),
                s.name
            )));
        }
    }
    let spans: Vec<(&str, i32, i32)> = scenarios
        .iter()
        .map(|s| (s.name.as_str(), s.base_year + 1, s.end_year))
        .collect();
    let years = aligned_years(&spans)?;
    let first = &scenarios[0];
    let paths = crate::run::resolve_paths(cfg.paths, first.paths)?;
    for s in &scenarios {
        crate::run::check_memory(s, paths)?;
    }
    let seed = cfg.seed.unwrap_or(first.seed);
    let out_dir = cfg
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&scenarios));
    let inputs: Vec<PathBuf> = scenarios.iter().flat_map(|s| s.input_files()).collect();
    let dest = Destination::new(&out_dir, &inputs)?;
    let pool = crate::run::pool(cfg.threads)?;
    let threads = pool.current_num_threads();
    let stage = Stage::begin(dest)?;
    let mut timings = Timings {
        load: t0.elapsed().as_secs_f64(),
        ..Timings::default()
    };

    let mut runs = Vec::with_capacity(scenarios.len());
    for scn in scenarios {
        let t = Instant::now();
        let sim = pool.install(|| engine::simulate(&scn, paths, seed, &[]));
        sim.check_finite(&scn)?;
        timings.simulate += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let ((summaries, targets), met) = pool.install(|| {
            rayon::join(
                || {
                    rayon::join(
                        || stats::summarize(&scn, &sim),
                        || stats::evaluate_targets(&scn, &sim),
                    )
                },
                || met_by_path(&scn, &sim),
            )
        });
        timings.summarize += t.elapsed().as_secs_f64();
        runs.push(ScenarioRun {
            scenario: scn,
            summaries,
            targets,
            met,
        });
    }

    let rows = compare_rows(&runs);
    let foot = footer(&runs, seed, paths);
    let charts = chart_specs(&runs, &rows, &years, &foot);
    let mut outcome = CompareOutcome {
        runs,
        paths,
        seed,
        threads,
        years,
        out_dir,
        rows,
        charts,
        timings,
    };
    let t_write = Instant::now();
    let stage_dir = stage.dir().to_path_buf();
    let written = pool.install(|| write_outputs(&stage_dir, &outcome));
    let chart_seconds = written.map_err(|e| stage.relocate(e))?;
    outcome.timings.charts = chart_seconds;
    stage.commit(&[], |dir, outputs| {
        write_manifest(dir, &mut outcome, outputs, t0, t_write)
    })?;
    Ok(outcome)
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

/// The union of the scenarios' projection years (name, first, last); an error if they share
/// none.
fn aligned_years(spans: &[(&str, i32, i32)]) -> Result<Vec<i32>> {
    let common_first = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let common_last = spans.iter().map(|s| s.2).min().unwrap_or(-1);
    if common_first > common_last {
        let list: Vec<String> = spans
            .iter()
            .map(|(name, a, b)| format!("{name} projects {a}-{b}"))
            .collect();
        return Err(Error::Usage(format!(
            "the scenarios share no projection year ({}); compare needs overlapping horizons",
            list.join(", ")
        )));
    }
    let first = spans.iter().map(|s| s.1).min().unwrap_or(0);
    let last = spans.iter().map(|s| s.2).max().unwrap_or(-1);
    Ok((first..=last).collect())
}

/// Per target, per path: is the target met (its gap ≤ 0, as in [`stats::evaluate_target`])?
fn met_by_path(scn: &Scenario, sim: &engine::Simulation) -> Vec<Vec<bool>> {
    scn.targets
        .par_iter()
        .map(|t| {
            let s = scn
                .series_index(t.region, t.indicator)
                .expect("validated targets have a series");
            (0..sim.n_paths)
                .map(|p| stats::target_outcome(t, scn.base_year, sim.path_series(p, s)).1 <= 0.0)
                .collect()
        })
        .collect()
}

fn applies_key(t: &Target) -> &'static str {
    match t.applies {
        Some(Applies::EachYear) => "each_year",
        Some(Applies::End) => "end",
        None => "",
    }
}

fn same_definition(a: &Target, b: &Target) -> bool {
    a.kind == b.kind
        && a.applies == b.applies
        && a.first_year == b.first_year
        && a.last_year == b.last_year
        && a.value == b.value
        && a.tolerance == b.tolerance
}

/// Target ids in order of first appearance, each with the (scenario, target) index of its
/// first definition.
fn target_union(runs: &[ScenarioRun]) -> Vec<(String, (usize, usize))> {
    let mut out: Vec<(String, (usize, usize))> = Vec::new();
    for (si, r) in runs.iter().enumerate() {
        for (ti, t) in r.scenario.targets.iter().enumerate() {
            if !out.iter().any(|(id, _)| *id == t.id) {
                out.push((t.id.clone(), (si, ti)));
            }
        }
    }
    out
}

fn target_index(scn: &Scenario, id: &str) -> Option<usize> {
    scn.targets.iter().position(|t| t.id == id)
}

/// P(met) − P(met) of the baseline and its standard error, paired by path.
fn paired_diff(met: &[bool], base: &[bool]) -> (f64, f64) {
    let n = met.len().min(base.len()).max(1) as f64;
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for (a, b) in met.iter().zip(base) {
        let d = f64::from(u8::from(*a)) - f64::from(u8::from(*b));
        sum += d;
        sum_sq += d * d;
    }
    let mean = sum / n;
    let var = (sum_sq / n - mean * mean).max(0.0);
    (mean, (var / n).sqrt())
}

/// The rows of `p_met.csv`: per target (first appearance order), per scenario.
fn compare_rows(runs: &[ScenarioRun]) -> Vec<CompareRow> {
    let base = &runs[0];
    let mut rows = Vec::new();
    for (id, (si, ti)) in target_union(runs) {
        let reference = &runs[si].scenario.targets[ti];
        let base_ti = target_index(&base.scenario, &id);
        for run in runs {
            let scn = &run.scenario;
            let own = target_index(scn, &id);
            let t = own.map_or(reference, |i| &scn.targets[i]);
            let defining = &runs[si].scenario;
            let region = match own {
                Some(_) => scn.regions[t.region].id.clone(),
                None => defining.regions[t.region].id.clone(),
            };
            let result = own.map(|i| &run.targets[i]);
            let (diff, diff_se) = match (own, base_ti) {
                (Some(i), Some(b)) => {
                    let (_, se) = paired_diff(&run.met[i], &base.met[b]);
                    let d = run.targets[i].p_met - base.targets[b].p_met;
                    (Some(d), Some(se))
                }
                _ => (None, None),
            };
            rows.push(CompareRow {
                target_id: id.clone(),
                region,
                indicator: t.indicator,
                kind: t.kind.key(),
                applies: applies_key(t),
                period: t.period_label(),
                target_value: t.value,
                scenario: scn.name.clone(),
                p_met: result.map(|r| r.p_met),
                p_met_se: result.map(|r| r.p_met_se),
                baseline_scenario: base.scenario.name.clone(),
                diff,
                diff_se,
                redefined: own.is_some() && !same_definition(t, reference),
            });
        }
    }
    rows
}

fn footer(runs: &[ScenarioRun], seed: u64, paths: usize) -> String {
    let names: Vec<&str> = runs.iter().map(|r| r.scenario.name.as_str()).collect();
    format!(
        "compare {} · seed {seed} · {paths} paths each · empsim {}",
        names.join(" vs "),
        env!("CARGO_PKG_VERSION")
    )
}

/// Median and 5–95 % per aligned year; NaN outside the series' horizon.
fn aligned_series(run: &ScenarioRun, series: usize, years: &[i32]) -> [Vec<f64>; 3] {
    let mut out = [
        vec![f64::NAN; years.len()],
        vec![f64::NAN; years.len()],
        vec![f64::NAN; years.len()],
    ];
    for r in run
        .summaries
        .iter()
        .filter(|r| r.series == series && r.measure == Measure::Annual)
    {
        if let Some(k) = years.iter().position(|&y| y == r.year) {
            out[0][k] = r.q[3];
            out[1][k] = r.q[0];
            out[2][k] = r.q[6];
        }
    }
    out
}

/// A difference at 3 decimals with its sign, `minus` for negatives; one that rounds to
/// zero has no sign.
fn signed3(d: f64, minus: &str) -> String {
    let s = format!("{:.3}", d.abs());
    if s == "0.000" {
        s
    } else if d < 0.0 {
        format!("{minus}{s}")
    } else {
        format!("+{s}")
    }
}

/// `0.870 ± 0.010` for the baseline, `0.550 ± 0.011{sep}-0.320` for the others (the
/// difference from the baseline), ` *` if the scenario defines the target differently;
/// `None` if it lacks the target.
fn p_met_cell(row: &CompareRow, is_base: bool, sep: &str, minus: &str) -> Option<String> {
    let (p, se) = (row.p_met?, row.p_met_se?);
    let mut s = format!("{p:.3} ± {se:.3}");
    if let (false, Some(d)) = (is_base, row.diff) {
        let _ = write!(s, "{sep}{}", signed3(d, minus));
    }
    if row.redefined {
        s.push_str(" *");
    }
    Some(s)
}

/// One chart spec per region and indicator that any scenario projects.
fn chart_specs(
    runs: &[ScenarioRun],
    rows: &[CompareRow],
    years: &[i32],
    foot: &str,
) -> Vec<(String, ComparisonChart)> {
    // (region id, indicator) in order of first appearance.
    let mut keys: Vec<(String, Indicator)> = Vec::new();
    for r in runs {
        for s in &r.scenario.series {
            let key = (r.scenario.regions[s.region].id.clone(), s.indicator);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let mut out = Vec::new();
    for (region_id, ind) in keys {
        let located: Vec<Option<(usize, usize)>> = runs
            .iter()
            .map(|r| {
                let scn = &r.scenario;
                let ri = scn.regions.iter().position(|x| x.id == region_id)?;
                Some((ri, scn.series_index(ri, ind)?))
            })
            .collect();
        let Some((ref_si, (ref_ri, _))) = located
            .iter()
            .enumerate()
            .find_map(|(i, l)| l.map(|l| (i, l)))
        else {
            continue;
        };
        let ref_scn = &runs[ref_si].scenario;
        // The target: the first scenario's that has one on this region and indicator.
        let target = runs.iter().enumerate().find_map(|(si, r)| {
            let (ri, _) = located[si]?;
            let t = r
                .scenario
                .targets
                .iter()
                .find(|t| t.region == ri && t.indicator == ind)?;
            Some((si, t))
        });
        // Legend: the scenario's name, then its P(met) of the target drawn and, for the
        // others, the difference from the first scenario (Δ).
        let row_of = |name: &str, id: &str| {
            rows.iter()
                .find(|x| x.target_id == id && x.scenario == name)
        };
        let series = runs
            .iter()
            .zip(&located)
            .enumerate()
            .map(|(i, (r, loc))| {
                let [median, lower, upper] = match loc {
                    Some((_, s)) => aligned_series(r, *s, years),
                    None => [
                        vec![f64::NAN; years.len()],
                        vec![f64::NAN; years.len()],
                        vec![f64::NAN; years.len()],
                    ],
                };
                let name = &r.scenario.name;
                let label = match (loc, target) {
                    (None, _) => format!("{name} (not projected)"),
                    (Some(_), None) => name.clone(),
                    (Some(_), Some((_, t))) => {
                        let cell = row_of(name, &t.id)
                            .and_then(|row| p_met_cell(row, i == 0, " Δ ", "−"))
                            .map_or_else(|| "no such target".into(), |c| format!("P(met) {c}"));
                        format!("{name}\n{cell}")
                    }
                };
                ComparisonSeries {
                    label,
                    median,
                    lower,
                    upper,
                }
            })
            .collect();
        // The note explains Δ where a legend shows one, and flags a redefined target.
        let annotation = target.and_then(|(_, t)| {
            let mut notes = Vec::new();
            let base = &runs[0].scenario.name;
            if rows
                .iter()
                .any(|x| x.target_id == t.id && x.scenario != *base && x.diff.is_some())
            {
                notes.push(format!("Δ: change in P(met) from {base}"));
            }
            if rows.iter().any(|x| x.target_id == t.id && x.redefined) {
                notes.push("* the target differs in this scenario".to_string());
            }
            (!notes.is_empty()).then(|| notes.join("\n"))
        });
        let target_line = target.map(|(si, t)| {
            let mut line = yearly_target_line(t);
            if si != 0 {
                let label = format!("{} (from {})", line.label(), runs[si].scenario.name);
                match &mut line {
                    chart::TargetLine::Horizontal { label: l, .. }
                    | chart::TargetLine::Path { label: l, .. } => *l = label,
                }
            }
            line
        });
        let spec = ComparisonChart {
            title: chart_title(ref_scn, ref_ri, ind),
            y_label: ind.unit().to_string(),
            years: years.to_vec(),
            series,
            history: history(ref_scn, ref_ri, ind),
            target: target_line,
            annotation,
            footer: foot.to_string(),
            source_note: target.map(|(_, t)| format!("{} “{}”", t.source, t.quote)),
            y_range: match ind.kind() {
                IndicatorKind::Flow => YRange::IncludeZero,
                _ => YRange::Auto,
            },
            ..ComparisonChart::default()
        };
        out.push((
            format!(
                "compare-{}-{}.png",
                crate::report::png::run::slug(&region_id),
                ind.key()
            ),
            spec,
        ));
    }
    out
}

fn opt4(v: Option<f64>) -> String {
    v.map(fmt4).unwrap_or_default()
}

/// Writes `p_met.csv` (see the module docs).
pub fn write_p_met(path: &Path, rows: &[CompareRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(create(path)?);
    w.write_record([
        "target_id",
        "region",
        "indicator",
        "kind",
        "applies",
        "period",
        "target_value",
        "scenario",
        "p_met",
        "p_met_se",
        "baseline_scenario",
        "diff",
        "diff_se",
    ])
    .map_err(|e| io_err(path, e))?;
    for r in rows {
        w.write_record([
            r.target_id.as_str(),
            &r.region,
            r.indicator.key(),
            r.kind,
            r.applies,
            &r.period,
            &fmt4(r.target_value),
            &r.scenario,
            &opt4(r.p_met),
            &opt4(r.p_met_se),
            &r.baseline_scenario,
            &opt4(r.diff),
            &opt4(r.diff_se),
        ])
        .map_err(|e| io_err(path, e))?;
    }
    w.flush().map_err(|e| io_err(path, e))
}

/// Writes `quantiles.csv` of every scenario, with the columns of `empsim run`'s.
fn write_quantiles(path: &Path, runs: &[ScenarioRun]) -> Result<()> {
    let mut w = csv::Writer::from_writer(create(path)?);
    w.write_record([
        "scenario",
        "region",
        "indicator",
        "measure",
        "year",
        "mean",
        "sd",
        "p05",
        "p10",
        "p25",
        "p50",
        "p75",
        "p90",
        "p95",
    ])
    .map_err(|e| io_err(path, e))?;
    for run in runs {
        let scn = &run.scenario;
        for r in &run.summaries {
            let key = scn.series[r.series];
            let mut rec = vec![
                scn.name.clone(),
                scn.regions[key.region].id.clone(),
                key.indicator.key().to_string(),
                match r.measure {
                    Measure::Annual => "annual".into(),
                    Measure::Cumulative => "cumulative".into(),
                },
                r.year.to_string(),
                fmt4(r.mean),
                fmt4(r.sd),
            ];
            rec.extend(r.q.iter().map(|&q| fmt4(q)));
            w.write_record(&rec).map_err(|e| io_err(path, e))?;
        }
    }
    w.flush().map_err(|e| io_err(path, e))
}

#[derive(Serialize)]
struct ManifestScenario<'a> {
    name: &'a str,
    description: &'a str,
    files: &'a [crate::scenario::SourceFile],
    base_year: i32,
    end_year: i32,
    targets: usize,
}

#[derive(Serialize)]
struct Manifest<'a> {
    empsim_version: &'a str,
    command: &'a str,
    scenarios: Vec<ManifestScenario<'a>>,
    baseline_scenario: &'a str,
    seed: u64,
    paths: usize,
    threads: usize,
    years: &'a [i32],
    common_random_numbers: &'a str,
    quantile_estimator: &'a str,
    /// Every file of the folder (relative, `/`-separated): what empsim may replace.
    outputs: &'a [String],
    elapsed_seconds: &'a Timings,
}

/// Writes the tables and charts; returns the seconds spent on charts.
fn write_outputs(dir: &Path, o: &CompareOutcome) -> Result<f64> {
    write_p_met(&dir.join("p_met.csv"), &o.rows)?;
    write_quantiles(&dir.join("quantiles.csv"), &o.runs)?;
    let t = Instant::now();
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|e| io_err(&charts_dir, e))?;
    o.charts.par_iter().try_for_each(|(name, spec)| {
        let path = charts_dir.join(name);
        chart::render_comparison(spec, &path)
            .map(|_| ())
            .map_err(|e| io_err(&path, e))
    })?;
    Ok(t.elapsed().as_secs_f64())
}

fn write_manifest(
    dir: &Path,
    o: &mut CompareOutcome,
    outputs: &[String],
    t0: Instant,
    t_write: Instant,
) -> Result<()> {
    o.timings.write = t_write.elapsed().as_secs_f64() - o.timings.charts;
    o.timings.total = t0.elapsed().as_secs_f64();
    let m = Manifest {
        empsim_version: env!("CARGO_PKG_VERSION"),
        command: "compare",
        scenarios: o
            .runs
            .iter()
            .map(|r| ManifestScenario {
                name: &r.scenario.name,
                description: &r.scenario.description,
                files: &r.scenario.files,
                base_year: r.scenario.base_year,
                end_year: r.scenario.end_year,
                targets: r.scenario.targets.len(),
            })
            .collect(),
        baseline_scenario: &o.runs[0].scenario.name,
        seed: o.seed,
        paths: o.paths,
        threads: o.threads,
        years: &o.years,
        common_random_numbers: "every scenario runs the same paths from the same master seed; \
diff_se is the standard error of the paired difference sd(I_s - I_baseline)/sqrt(n)",
        quantile_estimator: "Hyndman-Fan type 7 (linear interpolation, as R and NumPy default)",
        outputs,
        elapsed_seconds: &o.timings,
    };
    let path = dir.join("manifest.json");
    let mut text = serde_json::to_string_pretty(&m).map_err(|e| io_err(&path, e))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| io_err(&path, e))
}

impl CompareOutcome {
    /// The chart files written, in chart order.
    pub fn chart_files(&self) -> Vec<PathBuf> {
        let dir = self.out_dir.join("charts");
        self.charts.iter().map(|(name, _)| dir.join(name)).collect()
    }

    /// The terminal summary: a header line, then one line per target with each scenario's
    /// P(met) ± se and, for the others, the difference from the first scenario; riskiest
    /// first (the lowest P(met) in any scenario), ties in order of first appearance.
    pub fn summary_text(&self) -> String {
        let names: Vec<&str> = self.runs.iter().map(|r| r.scenario.name.as_str()).collect();
        let mut o = String::new();
        let _ = writeln!(
            o,
            "compare {}: {} paths each, seed {}, years {}-{}, {} threads, {:.2} s -> {}",
            names.join(" vs "),
            self.paths,
            self.seed,
            self.years.first().copied().unwrap_or_default(),
            self.years.last().copied().unwrap_or_default(),
            self.threads,
            self.timings.total,
            self.out_dir.display()
        );
        let _ = writeln!(
            o,
            "\nP(met) ± Monte Carlo se; diff = P(met) − P(met) in {} (same paths and seed in \
every scenario); riskiest first.\n",
            names[0]
        );
        let n = self.runs.len();
        let mut by_target: Vec<(&str, Vec<&CompareRow>)> = Vec::new();
        for r in &self.rows {
            match by_target.iter_mut().find(|(id, _)| *id == r.target_id) {
                Some((_, v)) => v.push(r),
                None => by_target.push((&r.target_id, vec![r])),
            }
        }
        let worst = |rows: &[&CompareRow]| {
            rows.iter()
                .filter_map(|r| r.p_met)
                .fold(f64::INFINITY, f64::min)
        };
        let mut order: Vec<usize> = (0..by_target.len()).collect();
        order.sort_by(|&a, &b| {
            worst(&by_target[a].1)
                .total_cmp(&worst(&by_target[b].1))
                .then(a.cmp(&b))
        });
        let mut head = vec!["target".to_string(), "requirement".to_string()];
        head.extend(names.iter().map(|s| s.to_string()));
        let mut table = vec![head];
        for &k in &order {
            let (id, rows) = &by_target[k];
            let reference = self
                .runs
                .iter()
                .find_map(|r| {
                    target_index(&r.scenario, id).map(|i| (&r.scenario, &r.scenario.targets[i]))
                })
                .map(|(_, t)| requirement(t))
                .unwrap_or_default();
            let mut line = vec![id.to_string(), reference];
            for (i, row) in rows.iter().enumerate().take(n) {
                line.push(p_met_cell(row, i == 0, "  ", "-").unwrap_or_else(|| "—".into()));
            }
            table.push(line);
        }
        let cols = table[0].len();
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                table
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for r in &table {
            let mut s = String::new();
            for (c, cell) in r.iter().enumerate() {
                s.push_str(cell);
                if c + 1 < r.len() {
                    s.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
                }
            }
            let _ = writeln!(o, "{}", s.trim_end());
        }
        if self.rows.iter().any(|r| r.redefined) {
            let _ = writeln!(
                o,
                "\n* the scenario defines this target differently from the first scenario that \
has it (see p_met.csv)"
            );
        }
        if self.rows.iter().any(|r| r.p_met.is_none()) {
            let _ = writeln!(o, "\n— the scenario has no such target");
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_difference_and_its_standard_error() {
        // Paths 0-3: base meets on 0,1; other meets on 0,1,2 → diff 0.25.
        let base = [true, true, false, false];
        let other = [true, true, true, false];
        let (d, se) = paired_diff(&other, &base);
        assert!((d - 0.25).abs() < 1e-12);
        // D = (0,0,1,0): var = 1/4 − 1/16 = 3/16, se = sqrt(3/16/4).
        assert!((se - (3.0f64 / 64.0).sqrt()).abs() < 1e-12);
        let (d0, se0) = paired_diff(&base, &base);
        assert_eq!((d0, se0), (0.0, 0.0));
    }

    #[test]
    fn horizons_align_on_the_union_of_years_or_fail_without_overlap() {
        let years = aligned_years(&[("a", 2021, 2025), ("b", 2022, 2026)]).unwrap();
        assert_eq!(years, (2021..=2026).collect::<Vec<_>>());
        let e = aligned_years(&[("a", 2021, 2025), ("b", 2026, 2030)]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "the scenarios share no projection year (a projects 2021-2025, b projects \
2026-2030); compare needs overlapping horizons"
        );
    }

    #[test]
    fn file_safe_names_keep_letters_of_any_script() {
        assert_eq!(file_safe("henan-baseline"), "henan-baseline");
        assert_eq!(file_safe("河南 下行/v2"), "河南-下行-v2");
    }
}
