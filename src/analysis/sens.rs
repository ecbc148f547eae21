//! Sensitivity studies of a scenario with the generic samplers and estimators of
//! [`crate::sensitivity`]: the factors, the metrics, the model evaluation and the tidy rows
//! of the indices. `empsim sens` ([`crate::commands::sens`]) runs them and writes them.
//!
//! - **Factors** are the scenario's assumptions with a distribution: every parameter
//!   declared with a spread, grouped by where it is declared (a default under
//!   `[indicators.urban_new_jobs]` is one factor that sets the trend of every region that
//!   inherits it), plus any parameter given a range on the command line
//!   (`--range NAME=LOW:HIGH`, uniform). A factor's distribution is the declared one.
//! - **Metrics** are per projection year: `p_met:<target_id>` (P(on track) in each year of
//!   the target's period; the last year is P(met)); the target's outcome so far, which does
//!   not saturate where P(met) is near 0 or 1: `outcome:<target_id>` (its mean),
//!   `shortfall:<target_id>` (the expected shortfall from the pro-rata requirement),
//!   `quantile:<p>:<target_id>`; and a projected series, `mean:`, `median:` or
//!   `quantile:<p>:` `<region>.<indicator>` with an optional `.cumulative`.
//! - **Model evaluation**: the scenario is simulated with `--paths` paths with the factors
//!   fixed at the design point (the other parameters are still drawn per path). Every
//!   evaluation uses the same path seeds (common random numbers), so differences between
//!   design points come from the factors, not from Monte Carlo noise.

use crate::engine::{Engine, Simulation, simulate};
use crate::error::{Error, Result};
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::{Dist, Scenario, Slot};
use crate::sensitivity::{
    self as sa, Factor, FactorDist, MorrisOptions, MorrisResult, OatResult, SobolOptions,
    SobolResult,
};
use crate::stats;
use serde::Serialize;

/// The default number of Sobol' base samples N of `empsim sens` (a power of two): at 1024 the
/// bootstrap intervals of the G-function's indices cover the analytic values at their
/// nominal rate over scrambled replicates (tests/it/sensitivity_lib.rs), where 256 did not.
pub const DEFAULT_SOBOL_SAMPLES: usize = 1024;

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
    /// A statistic across paths of the target's outcome so far, per year of its period
    /// ([`stats::outcome_track`]): it does not saturate where P(met) is near 0 or 1.
    Outcome { target: usize, stat: OutcomeStat },
    /// Mean across paths.
    Mean { series: usize, cumulative: bool },
    /// Median across paths.
    Median { series: usize, cumulative: bool },
    /// The type-7 quantile at `p` across paths.
    Quantile {
        series: usize,
        cumulative: bool,
        p: f64,
    },
}

/// The statistic of a target's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutcomeStat {
    /// The mean outcome (`outcome:<target>`).
    Mean,
    /// The type-7 quantile at p (`quantile:<p>:<target>`).
    Quantile(f64),
    /// E[max(0, gap)], the expected shortfall from the (pro-rata) requirement
    /// (`shortfall:<target>`).
    Shortfall,
}

/// `5` for 0.05, `2.5` for 0.025: a probability as a percentage, without trailing zeros.
pub fn percent(p: f64) -> String {
    let s = format!("{:.4}", p * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A metric: its label, kind and the years of its outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub label: String,
    pub kind: MetricKind,
    pub years: Vec<i32>,
}

/// The forms `--metric` accepts, for messages.
pub const METRIC_FORMS: &str = "p_met:<target_id>, outcome:<target_id>, shortfall:<target_id>, \
quantile:<p>:<target_id>, mean:<region>.<indicator>[.cumulative], \
median:<region>.<indicator>[.cumulative] or quantile:<p>:<region>.<indicator>[.cumulative]";

/// Parses a metric specification (see the module docs).
pub fn parse_metric(scn: &Scenario, spec: &str) -> Result<Metric> {
    let p = MetricParser { scn, spec };
    let (what, rest) = spec
        .split_once(':')
        .ok_or_else(|| p.bad(format!("expected {METRIC_FORMS}")))?;
    match what {
        "p_met" => {
            let ti = p.target(rest)?;
            Ok(p.on_target(ti, MetricKind::PMet { target: ti }))
        }
        "outcome" | "shortfall" => {
            let ti = p.target(rest)?;
            let stat = if what == "outcome" {
                OutcomeStat::Mean
            } else {
                OutcomeStat::Shortfall
            };
            Ok(p.on_target(ti, MetricKind::Outcome { target: ti, stat }))
        }
        "quantile" => p.quantile(rest),
        "mean" | "median" => {
            let (series, cumulative) = p.series(rest)?;
            Ok(p.on_series(if what == "mean" {
                MetricKind::Mean { series, cumulative }
            } else {
                MetricKind::Median { series, cumulative }
            }))
        }
        other => Err(p.bad(format!(
            "unknown statistic `{other}`; use p_met, outcome, shortfall, quantile, mean or median"
        ))),
    }
}

/// The pieces of [`parse_metric`]: one specification on one scenario.
struct MetricParser<'a> {
    scn: &'a Scenario,
    spec: &'a str,
}

impl MetricParser<'_> {
    /// A usage error naming the specification.
    fn bad(&self, msg: String) -> Error {
        Error::Usage(format!("--metric {}: {msg}", self.spec))
    }

    fn unknown_target(&self, id: &str) -> Error {
        let ids: Vec<&str> = self.scn.targets.iter().map(|t| t.id.as_str()).collect();
        self.bad(format!(
            "unknown target `{id}`; targets: {}",
            ids.join(", ")
        ))
    }

    /// The index of target `id`.
    fn target(&self, id: &str) -> Result<usize> {
        self.scn
            .targets
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| self.unknown_target(id))
    }

    /// A metric of target `ti`, over the target's years.
    fn on_target(&self, ti: usize, kind: MetricKind) -> Metric {
        let t = &self.scn.targets[ti];
        Metric {
            label: self.spec.to_string(),
            kind,
            years: (t.first_year..=t.last_year).collect(),
        }
    }

    /// A metric of a series, over the projection's years.
    fn on_series(&self, kind: MetricKind) -> Metric {
        Metric {
            label: self.spec.to_string(),
            kind,
            years: self.scn.years(),
        }
    }

    /// `<region>.<indicator>[.cumulative]`: the series and whether it is cumulated.
    fn series(&self, rest: &str) -> Result<(usize, bool)> {
        let scn = self.scn;
        let (path, cumulative) = match rest.strip_suffix(".cumulative") {
            Some(p) => (p, true),
            None => (rest, false),
        };
        let (region, ind) = path
            .split_once('.')
            .ok_or_else(|| self.bad("expected <region>.<indicator>".into()))?;
        let ri = scn
            .regions
            .iter()
            .position(|r| r.id == region)
            .ok_or_else(|| self.bad(format!("unknown region `{region}`")))?;
        let indicator = Indicator::from_key(ind).ok_or_else(|| {
            self.bad(format!(
                "unknown indicator `{ind}`; valid indicators: {}",
                Indicator::valid_keys()
            ))
        })?;
        let series = scn
            .series_index(ri, indicator)
            .ok_or_else(|| self.bad(format!("region `{region}` does not project {indicator}")))?;
        if cumulative && indicator.kind() != IndicatorKind::Flow {
            return Err(self.bad(format!(
                "{indicator} is not a flow; it has no cumulative sum"
            )));
        }
        Ok((series, cumulative))
    }

    /// `<p>:<target_id>` or `<p>:<region>.<indicator>[.cumulative]`.
    fn quantile(&self, rest: &str) -> Result<Metric> {
        let (p, of) = rest
            .split_once(':')
            .ok_or_else(|| self.bad("expected quantile:<p>:<target_id> or quantile:<p>:<region>.<indicator>[.cumulative], e.g. quantile:0.05:...".into()))?;
        let p: f64 = p
            .trim()
            .parse()
            .ok()
            .filter(|p: &f64| *p > 0.0 && *p < 1.0)
            .ok_or_else(|| {
                self.bad(format!(
                    "the probability `{p}` must be a number between 0 and 1 (exclusive), e.g. 0.05"
                ))
            })?;
        // A target's id (`region.indicator.kind`) never reads as a series
        // (`region.indicator[.cumulative]`), so the two cannot be confused.
        if let Some(ti) = self.scn.targets.iter().position(|t| t.id == of) {
            Ok(self.on_target(
                ti,
                MetricKind::Outcome {
                    target: ti,
                    stat: OutcomeStat::Quantile(p),
                },
            ))
        } else if of.matches('.').count() >= 2 && !of.ends_with(".cumulative") {
            // Shaped like a target's id: say so rather than misread it as a series.
            Err(self.unknown_target(of))
        } else {
            let (series, cumulative) = self.series(of)?;
            Ok(self.on_series(MetricKind::Quantile {
                series,
                cumulative,
                p,
            }))
        }
    }
}

impl Metric {
    /// The metric's values, one per year, on a simulation.
    pub fn eval(&self, scn: &Scenario, sim: &Simulation) -> Vec<f64> {
        match self.kind {
            MetricKind::PMet { target } => stats::glide(scn, sim, target)
                .iter()
                .map(|(_, p)| *p)
                .collect(),
            MetricKind::Outcome { target, stat } => stats::outcome_track(scn, sim, target)
                .iter()
                .map(|y| match stat {
                    OutcomeStat::Mean => stats::mean_sd(&y.outcomes).0,
                    OutcomeStat::Quantile(p) => {
                        stats::quantile_sorted(&stats::sorted(&y.outcomes), p)
                    }
                    OutcomeStat::Shortfall => stats::expected_shortfall(&y.gaps),
                })
                .collect(),
            MetricKind::Mean { series, cumulative }
            | MetricKind::Median { series, cumulative }
            | MetricKind::Quantile {
                series, cumulative, ..
            } => {
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
                            MetricKind::Quantile { p, .. } => {
                                stats::quantile_sorted(&stats::sorted(&xs), p)
                            }
                            _ => stats::quantile_sorted(&stats::sorted(&xs), 0.5),
                        }
                    })
                    .collect()
            }
        }
    }

    /// The target the metric is about, if it is one's.
    pub fn target(&self) -> Option<usize> {
        match self.kind {
            MetricKind::PMet { target } | MetricKind::Outcome { target, .. } => Some(target),
            _ => None,
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

/// A sensitivity study's results: what was varied, what was measured, and the indices.
#[derive(Debug)]
pub struct SensStudy {
    pub scenario: Scenario,
    pub method: Method,
    pub factors: Vec<ScenarioFactor>,
    pub metrics: Vec<Metric>,
    pub indices: Indices,
    /// The metrics' outputs (in the order of the indices' outputs) of the run itself on the
    /// same paths and seed: every factor drawn per path from its distribution, as
    /// `empsim run` does, rather than fixed at a design point.
    pub run_outputs: Vec<f64>,
    pub evaluations: usize,
    pub paths: usize,
    pub seed: u64,
    /// Sobol' with `--export-salib`: the design and the outputs the indices come from.
    pub sobol_run: Option<sa::sobol::SobolRun>,
    /// Sobol' with `--converge`: the rounds.
    pub convergence: Option<Convergence>,
}

/// The design of a study: the method and its sizes.
#[derive(Debug, Clone, Copy)]
pub struct Design {
    pub method: Method,
    /// Sobol base samples N, or Morris trajectories r.
    pub samples: usize,
    /// Morris grid levels.
    pub levels: usize,
    /// Bootstrap resamples for intervals.
    pub bootstrap: usize,
    /// Paths per model evaluation.
    pub paths: usize,
    /// Seed of the paths and of the design.
    pub seed: u64,
    /// Sobol': scramble the design (nested uniform scramble seeded from `seed`, so another
    /// seed gives an independent replicate of the design); `false`: the unscrambled sequence.
    pub scramble: bool,
    /// Sobol': keep the design and the outputs for export (`--export-salib`).
    pub keep_runs: bool,
    /// Sobol': double N until the indices that matter are known to within a tolerance.
    pub converge: Option<Converge>,
}

/// The convergence mode of a Sobol' study (`--converge`): starting from the design's N,
/// double N (reusing every evaluation made, [`sa::sobol::double`]) until every 95 %
/// interval of an index that matters is narrower than `tolerance`, or N would pass
/// `max_samples`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Converge {
    /// The widest interval (high − low) accepted.
    pub tolerance: f64,
    /// The largest N tried.
    pub max_samples: usize,
}

/// A total index at or above this in an output makes the factor's indices there matter to
/// `--converge`.
pub const MATTERS: f64 = 0.05;

/// The widest interval of an index that matters after one round of `--converge`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Widest {
    /// `first_order` or `total`.
    pub statistic: &'static str,
    pub factor: String,
    pub metric: String,
    pub year: i32,
    /// high − low of its 95 % interval.
    pub width: f64,
}

/// One round of `--converge`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    pub base_samples: usize,
    /// Model evaluations made so far, this round's included.
    pub evaluations: usize,
    /// The widest interval of an index that matters; `None` if no index matters (every
    /// output constant or nearly so).
    pub widest: Option<Widest>,
}

/// What `--converge` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Convergence {
    pub tolerance: f64,
    pub max_samples: usize,
    /// A total index at or above this makes a factor's indices matter.
    pub matters: f64,
    pub rounds: Vec<Round>,
    /// Whether the last round's widest interval is within the tolerance.
    pub converged: bool,
}

/// What [`analyze`] returns: the indices, the run they come from when it is kept, what
/// `--converge` did, and the model evaluations made.
#[derive(Debug, Clone)]
pub struct Analysed {
    pub indices: Indices,
    pub sobol_run: Option<sa::sobol::SobolRun>,
    pub convergence: Option<Convergence>,
    pub evaluations: usize,
}

/// The metric and year of output `k` of `metrics` (outputs run metric by metric, year by
/// year).
pub fn output_of(metrics: &[Metric], k: usize) -> (&Metric, i32) {
    let mut k = k;
    for m in metrics {
        if k < m.years.len() {
            return (m, m.years[k]);
        }
        k -= m.years.len();
    }
    let m = &metrics[metrics.len() - 1];
    (m, m.years[m.years.len() - 1])
}

/// The widest 95 % interval of an index that matters in `r`: the first-order and total
/// indices of every factor whose total index is at least [`MATTERS`], in every output that
/// varies and is not a nearly constant P(met) (whose indices no N makes reliable; its
/// warning says what to analyse instead). Ties go to the first in output, factor order.
pub fn widest_interval(scn: &Scenario, metrics: &[Metric], r: &sa::SobolResult) -> Option<Widest> {
    let mut widest: Option<Widest> = None;
    for k in 0..r.n_outputs {
        let (m, year) = output_of(metrics, k);
        if r.outputs[k].zero_variance
            || sobol_warnings(scn, r, k, m)
                .iter()
                .any(|w| w.flag == "metric_nearly_constant")
        {
            continue;
        }
        for row in r.rows_for_output(k) {
            if row.total.as_ref().is_none_or(|t| t.estimate < MATTERS) {
                continue;
            }
            for (statistic, ix) in [("first_order", &row.first_order), ("total", &row.total)] {
                let Some(ci) = ix.as_ref().and_then(|i| i.ci) else {
                    continue;
                };
                let width = ci.high - ci.low;
                if widest.as_ref().is_none_or(|w| width > w.width) {
                    widest = Some(Widest {
                        statistic,
                        factor: row.factor.clone(),
                        metric: m.label.clone(),
                        year,
                        width,
                    });
                }
            }
        }
    }
    widest
}

impl Design {
    /// The seed of the Sobol' design's scramble: derived from `seed` (SplitMix64 of a
    /// constant offset), so the design and the paths draw from unrelated streams.
    pub fn scramble_seed(&self) -> Option<u64> {
        self.scramble.then(|| {
            let mut z = self.seed.wrapping_add(0x5C2A_3B1E_0D5E_11A1);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
    }

    /// The number of model evaluations for `factors` factors.
    pub fn evaluations(&self, factors: usize) -> usize {
        match self.method {
            Method::Oat => 1 + 2 * factors,
            Method::Morris => self.samples.saturating_mul(factors + 1),
            Method::Sobol => self.samples.saturating_mul(factors + 2),
        }
    }
}

/// The metrics of `specs`, or P(met) of every target when there are none.
///
/// # Errors
/// [`Error::Usage`] for a malformed metric, or no metric and no target.
pub fn metrics(scn: &Scenario, specs: &[String]) -> Result<Vec<Metric>> {
    if specs.is_empty() {
        if scn.targets.is_empty() {
            return Err(Error::Usage(
                "the scenario has no targets; name a metric with --metric".into(),
            ));
        }
        return scn
            .targets
            .iter()
            .map(|t| parse_metric(scn, &format!("p_met:{}", t.id)))
            .collect();
    }
    specs.iter().map(|m| parse_metric(scn, m)).collect()
}

/// Evaluates the design on the scenario, on the current rayon pool: every evaluation
/// simulates `design.paths` paths from `design.seed` with the factors fixed at the design
/// point (common random numbers). `done(n, total)` reports progress: n evaluations made of
/// the `total` planned so far (with `--converge`, each round adds to the total).
///
/// # Errors
/// [`Error::Usage`] if the sensitivity library rejects the design.
pub fn analyze(
    scn: &Scenario,
    facs: &[ScenarioFactor],
    metrics: &[Metric],
    design: &Design,
    done: &(dyn Fn(usize, usize) + Sync),
) -> Result<Analysed> {
    let factors: Vec<Factor> = facs.iter().map(to_factor).collect();
    // Every evaluation runs the same paths (common random numbers): without observations
    // their random numbers are drawn once and kept; a conditioned scenario is conditioned
    // again at every design point, with its factors fixed.
    let cached = scn.observations.is_none().then(|| {
        let mut engine = Engine::new(scn, design.paths, design.seed, &[]);
        engine.cache_draws();
        engine
    });
    let model = |x: &[f64]| -> Vec<f64> {
        let overrides: Vec<(Slot, f64)> = facs
            .iter()
            .zip(x)
            .flat_map(|(f, &v)| {
                f.slots.iter().map(move |&s| {
                    let (lo, hi) = scn.params[s].bounds;
                    (s, v.clamp(lo, hi))
                })
            })
            .collect();
        let sim = match &cached {
            Some(engine) => engine.whole_with(&overrides),
            None => simulate(scn, design.paths, design.seed, &overrides),
        };
        metrics.iter().flat_map(|m| m.eval(scn, &sim)).collect()
    };
    let total = design.evaluations(facs.len());
    let counted = |n: usize| done(n, total);
    let plain = |indices| Analysed {
        indices,
        sobol_run: None,
        convergence: None,
        evaluations: total,
    };
    Ok(match design.method {
        Method::Oat => plain(Indices::Oat(sa::oat::analyze_with_progress(
            &factors,
            model,
            Some(&counted),
        )?)),
        Method::Morris => {
            let opts = MorrisOptions {
                trajectories: design.samples,
                levels: design.levels,
                seed: design.seed,
                bootstrap: design.bootstrap,
                ..MorrisOptions::default()
            };
            plain(Indices::Morris(sa::morris::analyze_with(
                &factors,
                &opts,
                model,
                Some(&counted),
            )?))
        }
        Method::Sobol => sobol(scn, &factors, metrics, design, &model, total, done)?,
    })
}

/// The Sobol' study of [`analyze`]: N base samples, then, with `--converge`, doubling N
/// until the widest interval that matters is narrow enough or N would pass
/// `--max-samples`. `total` is the first round's evaluations.
fn sobol(
    scn: &Scenario,
    factors: &[Factor],
    metrics: &[Metric],
    design: &Design,
    model: &(dyn Fn(&[f64]) -> Vec<f64> + Sync),
    total: usize,
    done: &(dyn Fn(usize, usize) + Sync),
) -> Result<Analysed> {
    let counted = |n: usize| done(n, total);
    let opts = SobolOptions {
        bootstrap: design.bootstrap,
        seed: design.seed,
        scramble: design.scramble_seed(),
        ..SobolOptions::default()
    };
    let mut run =
        sa::sobol::analyze_keeping(factors, design.samples, model, &opts, Some(&counted))?;
    let mut made = total;
    let convergence = match design.converge {
        None => None,
        Some(c) => {
            let mut rounds = Vec::new();
            loop {
                let widest = widest_interval(scn, metrics, &run.result);
                let converged = widest.as_ref().is_none_or(|w| w.width < c.tolerance);
                rounds.push(Round {
                    base_samples: run.design.n_base,
                    evaluations: made,
                    widest,
                });
                if converged || run.design.n_base * 2 > c.max_samples {
                    break Some(Convergence {
                        tolerance: c.tolerance,
                        max_samples: c.max_samples,
                        matters: MATTERS,
                        rounds,
                        converged,
                    });
                }
                // The next round makes N(d + 2) more evaluations.
                let before = made;
                let next_total = made + run.design.n_base * (factors.len() + 2);
                let counted = |n: usize| done(before + n, next_total);
                let (next, n_made) =
                    sa::sobol::double(factors, &run, model, &opts, Some(&counted))?;
                run = next;
                made += n_made;
            }
        }
    };
    Ok(Analysed {
        indices: Indices::Sobol(run.result.clone()),
        sobol_run: design.keep_runs.then_some(run),
        convergence,
        evaluations: made,
    })
}

/// The metrics' outputs of the run itself on the design's paths and seed, with no factor
/// fixed (what `empsim run --paths <paths> --seed <seed>` reports), for comparison with the
/// nominal point of a one-at-a-time analysis.
pub fn run_outputs(scn: &Scenario, metrics: &[Metric], design: &Design) -> Vec<f64> {
    let sim = simulate(scn, design.paths, design.seed, &[]);
    metrics.iter().flat_map(|m| m.eval(scn, &sim)).collect()
}

/// The final guard before anything is written: every index and interval is finite or
/// empty (not applicable).
pub fn check_finite(rows: &[IndexRow]) -> Result<()> {
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

impl SensStudy {
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

    /// The metric of output `k`.
    pub fn metric_at(&self, k: usize) -> &Metric {
        let mut k = k;
        for m in &self.metrics {
            if k < m.years.len() {
                return m;
            }
            k -= m.years.len();
        }
        &self.metrics[self.metrics.len() - 1]
    }

    /// The indices as tidy rows: per output (metric and year), factor and statistic.
    pub fn rows(&self) -> Vec<IndexRow> {
        let mut rows = Vec::new();
        let mut push = |k: usize, parameter: &str, stat: Stat| {
            let (metric, year) = self.output_label(k);
            rows.push(IndexRow {
                metric: metric.to_string(),
                year,
                parameter: parameter.to_string(),
                statistic: stat.name,
                estimate: stat.estimate,
                ci_low: stat.ci.map(|c| c.0),
                ci_high: stat.ci.map(|c| c.1),
                flag: stat.flag,
            });
        };
        match &self.indices {
            Indices::Oat(r) => {
                for row in &r.rows {
                    for stat in oat_stats(row) {
                        push(row.output_index, &row.factor, stat);
                    }
                }
            }
            Indices::Morris(r) => {
                for row in &r.rows {
                    for stat in morris_stats(row) {
                        push(row.output_index, &row.factor, stat);
                    }
                }
            }
            Indices::Sobol(r) => {
                // The doubts about a whole output mark each of its rows.
                let per_output: Vec<Vec<&'static str>> = (0..r.n_outputs)
                    .map(|k| {
                        let m = self.metric_at(k);
                        sobol_warnings(&self.scenario, r, k, m)
                            .into_iter()
                            .map(|w| w.flag)
                            .filter(|f| *f != "outside_0_1")
                            .collect()
                    })
                    .collect();
                for row in &r.rows {
                    for mut stat in sobol_stats(row) {
                        for f in &per_output[row.output_index] {
                            if !stat.flag.is_empty() {
                                stat.flag.push(';');
                            }
                            stat.flag.push_str(f);
                        }
                        push(row.output_index, &row.factor, stat);
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
}

/// A doubt about a Sobol' output's indices: the `indices.csv` flag that marks it and the
/// terminal's message.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputWarning {
    /// `metric_nearly_constant`, `sum_total_below_1` and `sum_first_above_1` mark every row
    /// of the output; `outside_0_1` marks the index itself (see `sobol_stats`).
    pub flag: &'static str,
    pub message: String,
}

impl OutputWarning {
    fn new(flag: &'static str, message: String) -> Self {
        OutputWarning { flag, message }
    }
}

/// What makes a Sobol' output's indices doubtful: a metric that barely varies (P(met) near 0
/// or 1), sums of indices on the wrong side of 1 beyond their intervals, indices outside
/// [0, 1] beyond their intervals.
pub fn sobol_warnings(
    scn: &Scenario,
    r: &sa::SobolResult,
    k: usize,
    m: &Metric,
) -> Vec<OutputWarning> {
    let mut out = Vec::new();
    let summary = &r.outputs[k];
    if summary.zero_variance {
        // No indices to doubt: the `zero_variance` flag says why.
        return out;
    }
    if let MetricKind::PMet { target } = m.kind
        && (summary.mean < 0.02 || summary.mean > 0.98)
    {
        let id = &scn.targets[target].id;
        let instead = if summary.mean > 0.5 {
            format!("the outcome itself: --metric outcome:{id}")
        } else {
            format!(
                "the expected shortfall: --metric shortfall:{id} (or the outcome itself, outcome:{id})"
            )
        };
        out.push(OutputWarning::new("metric_nearly_constant", format!(
            "P(met) is {:.3} on average over the design: nearly constant, so its indices rest on a few paths and are unreliable; analyse {instead}",
            summary.mean
        )));
    }
    let rows: Vec<&sa::SobolRow> = (0..r.factors.len()).filter_map(|i| r.row(i, k)).collect();
    let bound = |f: fn(&sa::SobolRow) -> Option<sa::SobolIndex>, high: bool| {
        rows.iter()
            .filter_map(|row| f(row))
            .map(|ix| match ix.ci {
                Some(ci) if high => ci.high,
                Some(ci) => ci.low,
                None => ix.estimate,
            })
            .sum::<f64>()
    };
    let st_high = bound(|row| row.total, true);
    if st_high < 1.0 {
        out.push(OutputWarning::new("sum_total_below_1", format!(
            "the total indices add up to at most {st_high:.3} within their intervals, below 1 (they must add up to 1 or more): too few samples or paths for this metric"
        )));
    }
    let s1_low = bound(|row| row.first_order, false);
    if s1_low > 1.0 {
        out.push(OutputWarning::new("sum_first_above_1", format!(
            "the first-order indices add up to at least {s1_low:.3} within their intervals, above 1 (they must add up to 1 or less): too few samples or paths for this metric"
        )));
    }
    for row in &rows {
        for (name, ix) in [("S1", row.first_order), ("ST", row.total)] {
            if let Some(ci) = ix.and_then(|ix| ix.ci)
                && (ci.high < 0.0 || ci.low > 1.0)
            {
                out.push(OutputWarning::new("outside_0_1", format!(
                    "{name} of {} is outside [0, 1] beyond its interval [{:.4}, {:.4}]: estimator error; more samples (--samples) or paths (--paths)",
                    row.factor, ci.low, ci.high
                )));
            }
        }
    }
    out
}

/// One statistic of a factor for one output, as a row of `indices.csv` gives it.
struct Stat {
    name: &'static str,
    estimate: Option<f64>,
    ci: Option<(f64, f64)>,
    flag: String,
}

impl Stat {
    fn value(name: &'static str, v: f64) -> Stat {
        Stat {
            name,
            estimate: Some(v),
            ci: None,
            flag: String::new(),
        }
    }
}

/// OAT: the low and high values of the factor, the outputs there, and the swing.
fn oat_stats(row: &sa::OatRow) -> [Stat; 5] {
    [
        Stat::value("low_value", row.low_value),
        Stat::value("high_value", row.high_value),
        Stat::value("y_low", row.y_low),
        Stat::value("y_high", row.y_high),
        Stat::value("swing", row.swing),
    ]
}

/// Morris: μ, μ* with its bootstrap interval, and σ.
fn morris_stats(row: &sa::MorrisRow) -> [Stat; 3] {
    [
        Stat::value("mu", row.mu),
        Stat {
            ci: row.mu_star_ci.as_ref().map(|c| (c.low, c.high)),
            ..Stat::value("mu_star", row.mu_star)
        },
        Stat::value("sigma", row.sigma),
    ]
}

/// Sobol': first-order and total indices with their intervals and flags (`negative`,
/// `ci_covers_zero`, `outside_0_1` when the whole interval lies outside [0, 1]: estimator
/// error), or `zero_variance` where the output does not vary.
fn sobol_stats(row: &sa::SobolRow) -> [Stat; 2] {
    let stat = |name: &'static str, idx: &Option<sa::SobolIndex>| match idx {
        Some(i) => {
            let mut flags = Vec::new();
            if i.negative {
                flags.push("negative");
            }
            if i.ci_covers_zero {
                flags.push("ci_covers_zero");
            }
            if i.ci.is_some_and(|c| c.high < 0.0 || c.low > 1.0) {
                flags.push("outside_0_1");
            }
            Stat {
                name,
                estimate: Some(i.estimate),
                ci: i.ci.as_ref().map(|c| (c.low, c.high)),
                flag: flags.join(";"),
            }
        }
        None => Stat {
            name,
            estimate: None,
            ci: None,
            flag: "zero_variance".into(),
        },
    };
    [
        stat("first_order", &row.first_order),
        stat("total", &row.total),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
        let t = "xinxiang.rural_transfer_new.cumulative_floor";
        let m = parse_metric(&scn, &format!("quantile:0.05:{t}")).unwrap();
        assert_eq!(m.years, (2021..=2025).collect::<Vec<_>>());
        assert!(matches!(
            m.kind,
            MetricKind::Outcome {
                stat: OutcomeStat::Quantile(0.05),
                ..
            }
        ));
        let m = parse_metric(&scn, "quantile:0.9:henan.urban_new_jobs.cumulative").unwrap();
        assert!(matches!(
            m.kind,
            MetricKind::Quantile {
                cumulative: true,
                p: 0.9,
                ..
            }
        ));
        assert_eq!(m.years, scn.years());
        let m = parse_metric(&scn, &format!("shortfall:{t}")).unwrap();
        assert!(matches!(
            m.kind,
            MetricKind::Outcome {
                stat: OutcomeStat::Shortfall,
                ..
            }
        ));
        assert_eq!(percent(0.05), "5");
        assert_eq!(percent(0.025), "2.5");
        assert_eq!(percent(0.5), "50");
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
            (
                "p_met",
                "--metric p_met: expected p_met:<target_id>, outcome:<target_id>",
            ),
            (
                "quantile:1.5:henan.urban_new_jobs",
                "--metric quantile:1.5:henan.urban_new_jobs: the probability `1.5` must be a number between 0 and 1 (exclusive), e.g. 0.05",
            ),
            (
                "quantile:henan.urban_new_jobs",
                "--metric quantile:henan.urban_new_jobs: expected quantile:<p>:<target_id> or quantile:<p>:<region>.<indicator>[.cumulative]",
            ),
            (
                "quantile:0.1:henan.urban_new_jobs.cumulative_flor",
                "--metric quantile:0.1:henan.urban_new_jobs.cumulative_flor: unknown target `henan.urban_new_jobs.cumulative_flor`; targets: henan.urban_new_jobs.cumulative_floor, ",
            ),
            (
                "shortfall:henan.urban_new_jobs",
                "--metric shortfall:henan.urban_new_jobs: unknown target `henan.urban_new_jobs`; targets: ",
            ),
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
        let t = stats::evaluate_target(&scn, &sim, ti, &[]);
        assert_eq!(*v.last().unwrap(), t.p_met);
        // The metric's glide path (over the columns) is the target's (path by path), for
        // every kind of target.
        for ti in 0..scn.targets.len() {
            let t = stats::evaluate_target(&scn, &sim, ti, &[]);
            assert_eq!(
                stats::glide(&scn, &sim, ti),
                t.glide,
                "{}",
                scn.targets[ti].id
            );
        }
        // The outcome metrics end at the target's outcome: its quantiles and expected
        // shortfall bit for bit, its mean over the paths' outcomes; every year, the paths
        // whose gap is not positive are those on track.
        for ti in 0..scn.targets.len() {
            let id = &scn.targets[ti].id;
            let t = stats::evaluate_target(&scn, &sim, ti, &[]);
            let last = |spec: String| {
                *parse_metric(&scn, &spec)
                    .unwrap()
                    .eval(&scn, &sim)
                    .last()
                    .unwrap()
            };
            assert_eq!(last(format!("quantile:0.5:{id}")), t.outcome_p50, "{id}");
            assert_eq!(last(format!("quantile:0.05:{id}")), t.outcome_p05, "{id}");
            assert_eq!(last(format!("quantile:0.95:{id}")), t.outcome_p95, "{id}");
            assert_eq!(
                last(format!("shortfall:{id}")),
                t.expected_shortfall,
                "{id}"
            );
            let s = scn
                .series_index(scn.targets[ti].region, scn.targets[ti].indicator)
                .unwrap();
            let outcomes: Vec<f64> = (0..sim.n_paths)
                .map(|p| {
                    stats::target_outcome(&scn.targets[ti], scn.base_year, &sim.path_series(p, s)).0
                })
                .collect();
            assert_eq!(
                last(format!("outcome:{id}")),
                stats::mean_sd(&outcomes).0,
                "{id}"
            );
            let track = stats::outcome_track(&scn, &sim, ti);
            let on: Vec<(i32, f64)> = track
                .iter()
                .map(|y| {
                    (
                        y.year,
                        y.gaps.iter().filter(|&&g| g <= 0.0).count() as f64 / sim.n_paths as f64,
                    )
                })
                .collect();
            assert_eq!(on, t.glide, "{id}");
        }
        let m = parse_metric(&scn, "quantile:0.5:kaifeng.urban_new_jobs").unwrap();
        let median = parse_metric(&scn, "median:kaifeng.urban_new_jobs").unwrap();
        assert_eq!(m.eval(&scn, &sim), median.eval(&scn, &sim));
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
