//! `empsim sens`: sensitivity analysis of a scenario with the generic samplers and
//! estimators of [`crate::sensitivity`].
//!
//! - **Factors** are the scenario's assumptions with a distribution: every parameter
//!   declared with a spread, grouped by where it is declared (a default under
//!   `[indicators.urban_new_jobs]` is one factor that sets the trend of every region that
//!   inherits it), plus any parameter given a range on the command line
//!   (`--range NAME=LOW:HIGH`, uniform). A factor's distribution is the declared one.
//! - **Metrics** are per projection year: `p_met:<target_id>` (P(on track) in each year of
//!   the target's period; the last year is P(met)), `mean:` or `median:<region>.<indicator>`
//!   with an optional `.cumulative`.
//! - **Model evaluation**: the scenario is simulated with `--paths` paths with the factors
//!   fixed at the design point (the other parameters are still drawn per path). Every
//!   evaluation uses the same path seeds (common random numbers), so differences between
//!   design points come from the factors, not from Monte Carlo noise.
//! - **Outputs** (`output/<scenario>/sensitivity/<method>/`): `indices.csv`, `factors.csv`,
//!   `manifest.json`, and per metric, for its final year, a PNG chart: `tornado-<metric>.png`
//!   (OAT), `morris-<metric>.png` (μ*–σ) or `sobol-<metric>.png` (first-order and total
//!   indices with bootstrap whiskers) plus `sobol-years-<metric>.png` (total indices over the
//!   years); see [`crate::chart::indices`].

use crate::engine::{Simulation, simulate};
use crate::error::{Error, Result};
use crate::indicator::{Indicator, IndicatorKind};
use crate::outdir::{self, Destination, Stage, create, io_err};
use crate::report::csv::fmt4;
use crate::scenario::{Dist, Scenario, Slot};
use crate::sensitivity::{
    self as sa, Factor, FactorDist, MorrisOptions, MorrisResult, OatResult, SobolOptions,
    SobolResult,
};
use crate::stats;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Maximum number of model evaluations a design may need.
pub const MAX_EVALUATIONS: usize = 1_000_000;

/// The method of a sensitivity analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One at a time: each factor at its 5 % and 95 % quantile, the others at nominal.
    Oat,
    /// Morris elementary effects: μ, μ*, σ.
    Morris,
    /// Sobol first-order and total indices with bootstrap intervals.
    Sobol,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Oat => "oat",
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }
}

/// Settings of `empsim sens`.
#[derive(Debug, Clone)]
pub struct SensConfig {
    pub scenario: PathBuf,
    pub method: Method,
    /// Restrict to these factors (default: every declared uncertain parameter).
    pub params: Option<Vec<String>>,
    /// Extra or replaced factors: (name, low, high), uniform.
    pub ranges: Vec<(String, f64, f64)>,
    /// Metric specifications (default: `p_met` of every target).
    pub metrics: Vec<String>,
    /// Sobol base samples N, or Morris trajectories r (defaults 256 and 20).
    pub samples: Option<usize>,
    /// Paths per model evaluation (default 1000).
    pub paths: Option<usize>,
    pub seed: Option<u64>,
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    /// Morris grid levels.
    pub levels: usize,
    /// Bootstrap resamples for intervals.
    pub bootstrap: usize,
}

/// A factor of the analysis and the parameter slots it sets.
#[derive(Debug, Clone)]
pub struct ScenarioFactor {
    pub name: String,
    pub dist: Dist,
    pub slots: Vec<Slot>,
    pub from_command_line: bool,
}

/// Builds the factors: declared uncertain parameters grouped by origin, plus ranges.
pub fn factors(
    scn: &Scenario,
    params: Option<&[String]>,
    ranges: &[(String, f64, f64)],
) -> Result<Vec<ScenarioFactor>> {
    let mut out: Vec<ScenarioFactor> = Vec::new();
    for (slot, p) in scn.params.iter().enumerate() {
        if p.dist.is_fixed() {
            continue;
        }
        match out.iter_mut().find(|f| f.name == p.origin) {
            Some(f) => f.slots.push(slot),
            None => out.push(ScenarioFactor {
                name: p.origin.clone(),
                dist: p.dist,
                slots: vec![slot],
                from_command_line: false,
            }),
        }
    }
    for (name, low, high) in ranges {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(Error::Usage(format!(
                "--range {name}={low}:{high}: needs finite LOW < HIGH"
            )));
        }
        let slots: Vec<Slot> = scn
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| &p.origin == name || &p.name == name)
            .map(|(s, _)| s)
            .collect();
        if slots.is_empty() {
            return Err(Error::Usage(format!(
                "--range: unknown parameter `{name}`; parameters are named by their key path, e.g. {}",
                example_names(scn)
            )));
        }
        for &s in &slots {
            let (lo, hi) = scn.params[s].bounds;
            if *low < lo || *high > hi {
                return Err(Error::Usage(format!(
                    "--range {name}={low}:{high}: `{}` must lie in [{lo}, {hi}]",
                    scn.params[s].name
                )));
            }
        }
        out.retain(|f| !f.slots.iter().any(|s| slots.contains(s)));
        out.push(ScenarioFactor {
            name: name.clone(),
            dist: Dist::Uniform {
                low: *low,
                high: *high,
            },
            slots,
            from_command_line: true,
        });
    }
    if let Some(keep) = params {
        for k in keep {
            if !out.iter().any(|f| &f.name == k) {
                let known: Vec<&str> = out.iter().map(|f| f.name.as_str()).collect();
                return Err(Error::Usage(format!(
                    "--params: `{k}` is not an uncertain parameter of the scenario; give it a range with --range {k}=LOW:HIGH, or choose from: {}",
                    known.join(", ")
                )));
            }
        }
        out.retain(|f| keep.contains(&f.name));
        // Keep the user's order.
        out.sort_by_key(|f| keep.iter().position(|k| *k == f.name));
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "no factors: the scenario declares no parameter with a distribution; add --range NAME=LOW:HIGH".into(),
        ));
    }
    Ok(out)
}

fn example_names(scn: &Scenario) -> String {
    let mut names: Vec<&str> = scn.params.iter().map(|p| p.origin.as_str()).collect();
    names.dedup();
    names.truncate(4);
    names.join(", ")
}

fn to_factor(f: &ScenarioFactor) -> Factor {
    let dist = match f.dist {
        Dist::Fixed { value } => FactorDist::Uniform {
            low: value,
            high: value,
        },
        Dist::Normal { mean, sd } => FactorDist::Normal { mean, sd },
        Dist::Lognormal { mu, sigma } => FactorDist::LogNormal { mu, sigma },
        Dist::Uniform { low, high } => FactorDist::Uniform { low, high },
        Dist::Triangular { low, mode, high } => FactorDist::Triangular { low, mode, high },
    };
    Factor::new(f.name.clone(), dist)
}

/// What a metric measures.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricKind {
    /// P(on track) per year of the target's period.
    PMet { target: usize },
    /// Mean across paths.
    Mean { series: usize, cumulative: bool },
    /// Median across paths.
    Median { series: usize, cumulative: bool },
}

/// A metric: its label, kind and the years of its outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub label: String,
    pub kind: MetricKind,
    pub years: Vec<i32>,
}

/// Parses a metric specification (see the module docs).
pub fn parse_metric(scn: &Scenario, spec: &str) -> Result<Metric> {
    let bad = |msg: String| Error::Usage(format!("--metric {spec}: {msg}"));
    let (what, rest) = spec.split_once(':').ok_or_else(|| {
        bad("expected p_met:<target_id>, mean:<region>.<indicator>[.cumulative] or median:<region>.<indicator>[.cumulative]".into())
    })?;
    match what {
        "p_met" => {
            let ti = scn
                .targets
                .iter()
                .position(|t| t.id == rest)
                .ok_or_else(|| {
                    let ids: Vec<&str> = scn.targets.iter().map(|t| t.id.as_str()).collect();
                    bad(format!(
                        "unknown target `{rest}`; targets: {}",
                        ids.join(", ")
                    ))
                })?;
            let t = &scn.targets[ti];
            Ok(Metric {
                label: spec.to_string(),
                kind: MetricKind::PMet { target: ti },
                years: (t.first_year..=t.last_year).collect(),
            })
        }
        "mean" | "median" => {
            let (path, cumulative) = match rest.strip_suffix(".cumulative") {
                Some(p) => (p, true),
                None => (rest, false),
            };
            let (region, ind) = path
                .split_once('.')
                .ok_or_else(|| bad("expected <region>.<indicator>".into()))?;
            let ri = scn
                .regions
                .iter()
                .position(|r| r.id == region)
                .ok_or_else(|| bad(format!("unknown region `{region}`")))?;
            let indicator = Indicator::from_key(ind).ok_or_else(|| {
                bad(format!(
                    "unknown indicator `{ind}`; valid indicators: {}",
                    Indicator::valid_keys()
                ))
            })?;
            let series = scn
                .series_index(ri, indicator)
                .ok_or_else(|| bad(format!("region `{region}` does not project {indicator}")))?;
            if cumulative && indicator.kind() != IndicatorKind::Flow {
                return Err(bad(format!(
                    "{indicator} is not a flow; it has no cumulative sum"
                )));
            }
            let kind = if what == "mean" {
                MetricKind::Mean { series, cumulative }
            } else {
                MetricKind::Median { series, cumulative }
            };
            Ok(Metric {
                label: spec.to_string(),
                kind,
                years: scn.years(),
            })
        }
        other => Err(bad(format!(
            "unknown statistic `{other}`; use p_met, mean or median"
        ))),
    }
}

impl Metric {
    /// The metric's values, one per year, on a simulation.
    pub fn eval(&self, scn: &Scenario, sim: &Simulation) -> Vec<f64> {
        match self.kind {
            MetricKind::PMet { target } => stats::evaluate_target(scn, sim, target)
                .glide
                .iter()
                .map(|(_, p)| *p)
                .collect(),
            MetricKind::Mean { series, cumulative } | MetricKind::Median { series, cumulative } => {
                let mut running = vec![0.0; sim.n_paths];
                (0..sim.n_years)
                    .map(|k| {
                        let xs = sim.across_paths(series, k);
                        let xs = if cumulative {
                            for (r, x) in running.iter_mut().zip(&xs) {
                                *r += x;
                            }
                            running.clone()
                        } else {
                            xs
                        };
                        match self.kind {
                            MetricKind::Mean { .. } => stats::mean_sd(&xs).0,
                            _ => stats::quantile_sorted(&stats::sorted(&xs), 0.5),
                        }
                    })
                    .collect()
            }
        }
    }
}

/// The result of one analysis.
#[derive(Debug, Clone)]
pub enum Indices {
    Oat(OatResult),
    Morris(MorrisResult),
    Sobol(SobolResult),
}

/// What `empsim sens` produced.
#[derive(Debug)]
pub struct SensOutcome {
    pub scenario: Scenario,
    pub method: Method,
    pub factors: Vec<ScenarioFactor>,
    pub metrics: Vec<Metric>,
    pub indices: Indices,
    pub evaluations: usize,
    pub paths: usize,
    pub seed: u64,
    pub out_dir: PathBuf,
    pub elapsed: f64,
}

/// Runs a sensitivity analysis and writes its outputs.
pub fn run(
    cfg: &SensConfig,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SensOutcome> {
    let t0 = Instant::now();
    let scn = Scenario::from_file(&cfg.scenario)?;
    let facs = factors(&scn, cfg.params.as_deref(), &cfg.ranges)?;
    let metrics: Vec<Metric> = if cfg.metrics.is_empty() {
        if scn.targets.is_empty() {
            return Err(Error::Usage(
                "the scenario has no targets; name a metric with --metric".into(),
            ));
        }
        scn.targets
            .iter()
            .map(|t| parse_metric(&scn, &format!("p_met:{}", t.id)))
            .collect::<Result<_>>()?
    } else {
        cfg.metrics
            .iter()
            .map(|m| parse_metric(&scn, m))
            .collect::<Result<_>>()?
    };
    let paths = crate::run::resolve_paths(cfg.paths, 1000)?;
    // Evaluations run in parallel, one simulation per worker thread at a time.
    crate::run::check_memory(
        &scn,
        paths.saturating_mul(rayon::current_num_threads().max(2)),
    )?;
    let seed = cfg.seed.unwrap_or(scn.seed);
    let factors: Vec<Factor> = facs.iter().map(to_factor).collect();
    let d = factors.len();
    let samples = cfg.samples.unwrap_or(match cfg.method {
        Method::Sobol => 256,
        _ => 20,
    });
    check_design_flags(cfg.method, samples, cfg.levels, cfg.bootstrap)?;
    let evaluations = match cfg.method {
        Method::Oat => 1 + 2 * d,
        Method::Morris => samples.saturating_mul(d + 1),
        Method::Sobol => samples.saturating_mul(d + 2),
    };
    if evaluations > MAX_EVALUATIONS {
        return Err(Error::Usage(format!(
            "the design needs {evaluations} model evaluations, more than the limit of {MAX_EVALUATIONS}; lower --samples or the number of factors"
        )));
    }
    let out_dir = cfg.out.clone().unwrap_or_else(|| {
        Path::new("output")
            .join(&scn.name)
            .join("sensitivity")
            .join(cfg.method.key())
    });
    let usage = |e: sa::SensitivityError| Error::Usage(e.to_string());
    let dest = Destination::new(&out_dir, &scn.input_files())?;
    let pool = crate::run::pool(cfg.threads)?;
    let stage = Stage::begin(dest)?;
    let params = &scn.params;
    let model = |x: &[f64]| -> Vec<f64> {
        let overrides: Vec<(Slot, f64)> = facs
            .iter()
            .zip(x)
            .flat_map(|(f, &v)| {
                f.slots.iter().map(move |&s| {
                    let (lo, hi) = params[s].bounds;
                    (s, v.clamp(lo, hi))
                })
            })
            .collect();
        let sim = simulate(&scn, paths, seed, &overrides);
        metrics.iter().flat_map(|m| m.eval(&scn, &sim)).collect()
    };
    let done = |n: usize| {
        if let Some(p) = progress {
            p(n, evaluations)
        }
    };
    let indices = pool.install(|| -> Result<Indices> {
        Ok(match cfg.method {
            Method::Oat => Indices::Oat(
                sa::oat::analyze_with_progress(&factors, model, Some(&done)).map_err(usage)?,
            ),
            Method::Morris => {
                let opts = MorrisOptions {
                    trajectories: samples,
                    levels: cfg.levels,
                    seed,
                    bootstrap: cfg.bootstrap,
                    ..MorrisOptions::default()
                };
                Indices::Morris(
                    sa::morris::analyze_with(&factors, &opts, model, Some(&done)).map_err(usage)?,
                )
            }
            Method::Sobol => {
                let opts = SobolOptions {
                    bootstrap: cfg.bootstrap,
                    seed,
                    ..SobolOptions::default()
                };
                Indices::Sobol(
                    sa::sobol::analyze_with_progress(&factors, samples, model, &opts, Some(&done))
                        .map_err(usage)?,
                )
            }
        })
    })?;
    let outcome = SensOutcome {
        scenario: scn,
        method: cfg.method,
        factors: facs,
        metrics,
        indices,
        evaluations,
        paths,
        seed,
        out_dir,
        elapsed: t0.elapsed().as_secs_f64(),
    };
    check_finite(&outcome.rows())?;
    outdir::write_folder(
        stage,
        &[],
        |dir| write_outputs(dir, &outcome),
        |dir, outputs, _| write_manifest(dir, &outcome, outputs),
    )?;
    Ok(outcome)
}

/// The largest `--levels` and `--bootstrap` accepted.
pub const MAX_LEVELS: usize = 100;
pub const MAX_BOOTSTRAP: usize = 100_000;

/// Checks `--samples`, `--levels` and `--bootstrap`, naming the flag.
fn check_design_flags(
    method: Method,
    samples: usize,
    levels: usize,
    bootstrap: usize,
) -> Result<()> {
    let what = match method {
        Method::Sobol => Some("the number of base samples N"),
        Method::Morris => Some("the number of trajectories"),
        Method::Oat => None,
    };
    if let Some(what) = what
        && samples < 2
    {
        return Err(Error::Usage(format!(
            "--samples must be at least 2 for {} ({what}), got {samples}",
            method.key()
        )));
    }
    if method == Method::Morris && (levels < 2 || !levels.is_multiple_of(2) || levels > MAX_LEVELS)
    {
        return Err(Error::Usage(format!(
            "--levels must be an even number from 2 to {MAX_LEVELS}, got {levels}"
        )));
    }
    if bootstrap == 1 || bootstrap > MAX_BOOTSTRAP {
        return Err(Error::Usage(format!(
            "--bootstrap must be 0 (no confidence intervals) or between 2 and {MAX_BOOTSTRAP}, got {bootstrap}"
        )));
    }
    Ok(())
}

/// The final guard before anything is written: every index and interval is finite or
/// empty (not applicable).
fn check_finite(rows: &[IndexRow]) -> Result<()> {
    for r in rows {
        let values = [r.estimate, r.ci_low, r.ci_high];
        if let Some(v) = values.into_iter().flatten().find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: format!(
                    "the {} of {} for {} in {}",
                    r.statistic, r.parameter, r.metric, r.year
                ),
                value: v,
            });
        }
    }
    Ok(())
}

/// One row of `indices.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRow {
    pub metric: String,
    pub year: i32,
    pub parameter: String,
    pub statistic: &'static str,
    pub estimate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub flag: String,
}

impl SensOutcome {
    /// Maps an output index of the model to its metric and year.
    fn output_label(&self, k: usize) -> (&str, i32) {
        let mut k = k;
        for m in &self.metrics {
            if k < m.years.len() {
                return (&m.label, m.years[k]);
            }
            k -= m.years.len();
        }
        ("?", 0)
    }

    /// The indices as tidy rows.
    pub fn rows(&self) -> Vec<IndexRow> {
        let mut rows = Vec::new();
        let mut push = |k: usize,
                        parameter: &str,
                        statistic: &'static str,
                        estimate: Option<f64>,
                        ci: Option<(f64, f64)>,
                        flag: String| {
            let (metric, year) = self.output_label(k);
            rows.push(IndexRow {
                metric: metric.to_string(),
                year,
                parameter: parameter.to_string(),
                statistic,
                estimate,
                ci_low: ci.map(|c| c.0),
                ci_high: ci.map(|c| c.1),
                flag,
            });
        };
        match &self.indices {
            Indices::Oat(r) => {
                for row in &r.rows {
                    let k = row.output_index;
                    push(
                        k,
                        &row.factor,
                        "low_value",
                        Some(row.low_value),
                        None,
                        String::new(),
                    );
                    push(
                        k,
                        &row.factor,
                        "high_value",
                        Some(row.high_value),
                        None,
                        String::new(),
                    );
                    push(
                        k,
                        &row.factor,
                        "y_low",
                        Some(row.y_low),
                        None,
                        String::new(),
                    );
                    push(
                        k,
                        &row.factor,
                        "y_high",
                        Some(row.y_high),
                        None,
                        String::new(),
                    );
                    push(
                        k,
                        &row.factor,
                        "swing",
                        Some(row.swing),
                        None,
                        String::new(),
                    );
                }
            }
            Indices::Morris(r) => {
                for row in &r.rows {
                    let k = row.output_index;
                    push(k, &row.factor, "mu", Some(row.mu), None, String::new());
                    push(
                        k,
                        &row.factor,
                        "mu_star",
                        Some(row.mu_star),
                        row.mu_star_ci.as_ref().map(|c| (c.low, c.high)),
                        String::new(),
                    );
                    push(
                        k,
                        &row.factor,
                        "sigma",
                        Some(row.sigma),
                        None,
                        String::new(),
                    );
                }
            }
            Indices::Sobol(r) => {
                for row in &r.rows {
                    let k = row.output_index;
                    for (stat, idx) in [("first_order", &row.first_order), ("total", &row.total)] {
                        match idx {
                            Some(i) => {
                                let mut flags = Vec::new();
                                if i.negative {
                                    flags.push("negative");
                                }
                                if i.ci_covers_zero {
                                    flags.push("ci_covers_zero");
                                }
                                push(
                                    k,
                                    &row.factor,
                                    stat,
                                    Some(i.estimate),
                                    i.ci.as_ref().map(|c| (c.low, c.high)),
                                    flags.join(";"),
                                );
                            }
                            None => push(k, &row.factor, stat, None, None, "zero_variance".into()),
                        }
                    }
                }
            }
        }
        rows
    }

    /// The ranking statistic of the method (swing, μ*, total index) for output `k`,
    /// per factor.
    pub fn importance(&self, k: usize) -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = match &self.indices {
            Indices::Oat(r) => r
                .rows_for_output(k)
                .iter()
                .map(|x| (x.factor.clone(), x.swing))
                .collect(),
            Indices::Morris(r) => r
                .rows_for_output(k)
                .iter()
                .map(|x| (x.factor.clone(), x.mu_star))
                .collect(),
            Indices::Sobol(r) => r
                .rows_for_output(k)
                .iter()
                .map(|x| {
                    (
                        x.factor.clone(),
                        x.total.as_ref().map_or(0.0, |i| i.estimate),
                    )
                })
                .collect(),
        };
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// The terminal summary: per metric, the final year's factors by importance.
    pub fn summary_text(&self) -> String {
        use std::fmt::Write;
        let stat = match self.method {
            Method::Oat => "swing",
            Method::Morris => "mu*",
            Method::Sobol => "total index",
        };
        let mut o = String::new();
        let _ = writeln!(
            o,
            "{}: {} sensitivity, {} factors, {} evaluations × {} paths (seed {}), {:.1} s -> {}",
            self.scenario.name,
            self.method.key(),
            self.factors.len(),
            self.evaluations,
            self.paths,
            self.seed,
            self.elapsed,
            self.out_dir.display()
        );
        let mut offset = 0;
        for m in &self.metrics {
            let last = offset + m.years.len() - 1;
            let _ = writeln!(
                o,
                "\n{} in {} — factors by {stat}:",
                m.label,
                m.years[m.years.len() - 1]
            );
            let ranked: Vec<(String, f64)> = self
                .importance(last)
                .into_iter()
                .filter(|(_, v)| *v > 0.0)
                .collect();
            if ranked.is_empty() {
                let _ = writeln!(o, "  (no factor changes this metric in that year)");
            }
            for (name, v) in ranked.iter().take(8) {
                let _ = writeln!(o, "  {v:>9.4}  {name}");
            }
            offset += m.years.len();
        }
        o
    }
}

fn opt4(v: Option<f64>) -> String {
    v.map(fmt4).unwrap_or_default()
}

#[derive(Serialize)]
struct SensManifest<'a> {
    empsim_version: &'a str,
    scenario: &'a str,
    files: &'a [crate::scenario::SourceFile],
    method: Method,
    factors: Vec<serde_json::Value>,
    metrics: Vec<&'a str>,
    evaluations: usize,
    paths_per_evaluation: usize,
    seed: u64,
    common_random_numbers: &'a str,
    /// Every file of the folder (relative, `/`-separated): what empsim may replace.
    outputs: &'a [String],
    elapsed_seconds: f64,
}

fn write_outputs(dir: &Path, o: &SensOutcome) -> Result<()> {
    let path = dir.join("indices.csv");
    let mut w = csv::Writer::from_writer(create(&path)?);
    let e = |err: csv::Error| io_err(&path, err);
    w.write_record([
        "scenario",
        "method",
        "metric",
        "year",
        "parameter",
        "statistic",
        "estimate",
        "ci_low",
        "ci_high",
        "flag",
    ])
    .map_err(e)?;
    for r in o.rows() {
        w.write_record([
            o.scenario.name.as_str(),
            o.method.key(),
            &r.metric,
            &r.year.to_string(),
            &r.parameter,
            r.statistic,
            &opt4(r.estimate),
            &opt4(r.ci_low),
            &opt4(r.ci_high),
            &r.flag,
        ])
        .map_err(e)?;
    }
    w.flush().map_err(|err| io_err(&path, err))?;

    let path = dir.join("factors.csv");
    let mut w = csv::Writer::from_writer(create(&path)?);
    let e = |err: csv::Error| io_err(&path, err);
    w.write_record(["parameter", "distribution", "parameters_set", "source"])
        .map_err(e)?;
    for f in &o.factors {
        let names: Vec<&str> = f
            .slots
            .iter()
            .map(|&s| o.scenario.params[s].name.as_str())
            .collect();
        w.write_record([
            f.name.as_str(),
            &f.dist.describe(),
            &names.join(" "),
            if f.from_command_line {
                "--range"
            } else {
                "scenario"
            },
        ])
        .map_err(e)?;
    }
    w.flush().map_err(|err| io_err(&path, err))?;

    crate::report::png::sens::write_charts(dir, o).map(|_| ())
}

fn write_manifest(dir: &Path, o: &SensOutcome, outputs: &[String]) -> Result<()> {
    let m = SensManifest {
        empsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &o.scenario.name,
        files: &o.scenario.files,
        method: o.method,
        factors: o
            .factors
            .iter()
            .map(|f| serde_json::json!({"name": f.name, "distribution": f.dist.describe(), "parameters_set": f.slots.len()}))
            .collect(),
        metrics: o.metrics.iter().map(|m| m.label.as_str()).collect(),
        evaluations: o.evaluations,
        paths_per_evaluation: o.paths,
        seed: o.seed,
        common_random_numbers: "every evaluation simulates the same path seeds; only the factors change",
        outputs,
        elapsed_seconds: o.elapsed,
    };
    let path = dir.join("manifest.json");
    let text = serde_json::to_string_pretty(&m).map_err(|err| io_err(&path, err))? + "\n";
    std::fs::write(&path, text).map_err(|err| io_err(&path, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn henan() -> Scenario {
        Scenario::from_file(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/henan-baseline.toml"),
        )
        .unwrap()
    }

    #[test]
    fn factors_group_inherited_defaults() {
        let scn = henan();
        let f = factors(&scn, None, &[]).unwrap();
        let trend = f
            .iter()
            .find(|f| f.name == "indicators.urban_new_jobs.trend")
            .unwrap();
        // Four simulated regions inherit the default.
        assert_eq!(trend.slots.len(), 4);
        assert!(f.iter().all(|f| !f.dist.is_fixed()));
    }

    #[test]
    fn ranges_add_and_replace_factors_and_bad_names_are_rejected() {
        let scn = henan();
        let f = factors(
            &scn,
            Some(&["growth.reference".to_string(), "growth.ar".to_string()]),
            &[("growth.reference".into(), 5.0, 7.0)],
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].name, "growth.reference");
        assert_eq!(
            f[0].dist,
            Dist::Uniform {
                low: 5.0,
                high: 7.0
            }
        );
        let e = factors(&scn, None, &[("growth.nope".into(), 0.0, 1.0)]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--range: unknown parameter `growth.nope`"),
            "{e}"
        );
        let e = factors(&scn, Some(&["growth.reference".into()]), &[]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--params: `growth.reference` is not an uncertain parameter")
        );
        let e = factors(&scn, None, &[("growth.ar".into(), 0.5, 1.5)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--range growth.ar=0.5:1.5: `growth.ar` must lie in [-0.9, 0.9]"
        );
    }

    #[test]
    fn metrics_parse_and_bad_metrics_are_rejected() {
        let scn = henan();
        let m = parse_metric(&scn, "p_met:xinxiang.rural_transfer_new.cumulative_floor").unwrap();
        assert_eq!(m.years, (2021..=2025).collect::<Vec<_>>());
        let m = parse_metric(&scn, "median:henan.urban_new_jobs.cumulative").unwrap();
        assert!(matches!(
            m.kind,
            MetricKind::Median {
                cumulative: true,
                ..
            }
        ));
        for (spec, msg) in [
            (
                "p_met:nope",
                "--metric p_met:nope: unknown target `nope`; targets: ",
            ),
            (
                "mean:henan.gdp",
                "--metric mean:henan.gdp: unknown indicator `gdp`",
            ),
            (
                "mean:henan.surveyed_unemployment_rate.cumulative",
                "--metric mean:henan.surveyed_unemployment_rate.cumulative: surveyed_unemployment_rate is not a flow",
            ),
            (
                "mode:henan.urban_new_jobs",
                "--metric mode:henan.urban_new_jobs: unknown statistic `mode`",
            ),
            ("p_met", "--metric p_met: expected p_met:<target_id>"),
        ] {
            let e = parse_metric(&scn, spec).unwrap_err().to_string();
            assert!(e.starts_with(msg), "{e}");
        }
    }

    #[test]
    fn metric_values_match_the_run_summaries() {
        let scn = henan();
        let sim = simulate(&scn, 300, 4, &[]);
        let ti = 0;
        let m = parse_metric(&scn, &format!("p_met:{}", scn.targets[ti].id)).unwrap();
        let v = m.eval(&scn, &sim);
        let t = stats::evaluate_target(&scn, &sim, ti);
        assert_eq!(*v.last().unwrap(), t.p_met);
        let m = parse_metric(&scn, "mean:kaifeng.urban_new_jobs.cumulative").unwrap();
        let v = m.eval(&scn, &sim);
        let rows = stats::summarize(&scn, &sim);
        let s = scn.series_index(1, Indicator::UrbanNewJobs).unwrap();
        let expected: Vec<f64> = rows
            .iter()
            .filter(|r| r.series == s && r.measure == stats::Measure::Cumulative)
            .map(|r| r.mean)
            .collect();
        assert_eq!(v, expected);
    }
}
