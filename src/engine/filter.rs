//! Conditioning on observations: a sequential Monte Carlo sampler with likelihood
//! tempering over the Monte Carlo paths (see docs/MODEL.md, "Conditioning on
//! observations").
//!
//! A path up to the last observed year is a deterministic function of its parameters θ,
//! its shock events and the standard normals z it draws in those years. The sampler
//! targets p(θ, z | figures) ∝ p(θ) p(z) L(figures | θ, z):
//! 1. the paths start as in an unconditioned run (same streams): θ from the prior, z the
//!    first normals of the path's factor stream and of each region's noise stream;
//! 2. the likelihood is brought in by powers 0 = φ₀ < φ₁ < … < φ_T = 1, each step as large
//!    as keeps the effective sample size of the incremental weights at half the paths;
//! 3. after each step the paths are resampled (systematic resampling) and moved by
//!    Metropolis-Hastings sweeps that leave the tempered posterior invariant: a random
//!    walk on the free parameters scaled by the cloud's covariance (2.38/√d, adapted to
//!    the acceptance rate) and a preconditioned Crank-Nicolson step on z (which keeps the
//!    normals' prior invariant), so the cloud does not collapse onto a few ancestors;
//! 4. at φ = 1 every path replays its z to the last observed year and then draws fresh
//!    normals from streams of its own (factors, and each region's noise): the projection
//!    jumps off from the state at the last observed year, a block of regions at a time
//!    like an unconditioned run ([`Conditioned`]). Observed figures replace the simulated
//!    value of their series and year (the observed years count as fact).
//!
//! A figure at or before the base year weighs the path's parameters: a flow against its
//! trend line (with process and growth noise as prediction variance), a rate at the base
//! year against the base-year level. Shock events are fixed per path and only reweighed.
//!
//! Determinism: every random number comes from a stream seeded by the master seed, the
//! stage, the sweep and the path index; every sum over paths runs in path order; the step
//! sizes adapt on acceptance counts. The result does not depend on the number of threads.

use super::measure::Measurement;
use super::{
    Fixed, Plan, STREAM_FACTORS, STREAM_NOISE, Simulation, Workspace, draw_leaf, draw_shared,
    for_each_value, leaf_coef, leaf_coefficients, leaf_years, path_seed, shared_coefficients,
    splitmix64, stream,
};
use crate::indicator::IndicatorKind;
use crate::model::YearValues;
use crate::scenario::Scenario;
use crate::scenario::Slot;
use crate::scenario::observed::{Observations, ObservedPoint, Stage};
use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

const STREAM_RESAMPLE: u64 = 0x5245_5341_4D50_0004;
const STREAM_MOVE: u64 = 0x4D4F_5645_0000_0005;
const STREAM_TREND: u64 = 0x5452_454E_4400_0006;
const STREAM_FUTURE: u64 = 0x4655_5455_5245_0007;

/// Each tempering step keeps this share of the paths as effective sample size.
pub const TARGET_ESS: f64 = 0.5;
/// After each step, Metropolis-Hastings sweeps (an independence and a random-walk move)
/// run until the paths have moved, on average, by this many standard deviations of the
/// cloud squared, per dimension (accumulated squared jumps in the cloud's Mahalanobis
/// metric ≥ JUMP_TARGET · d): enough to decorrelate the copies that resampling made.
pub const JUMP_TARGET: f64 = 4.0;
/// The size of the blocks of the block moves.
pub const BLOCK: usize = 6;
/// The fewest and most sweeps after a step.
pub const MIN_SWEEPS: usize = 3;
pub const MAX_SWEEPS: usize = 100;
/// A safeguard: the most tempering steps before φ is set to 1.
const MAX_STAGES: usize = 200;
/// The floor of a flow on the log scale (万人), so a zero cannot make a weight undefined.
const LOG_FLOOR: f64 = 1e-12;

/// What conditioning did: its tempering steps, the fit of every figure and the parameters
/// learnt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conditioning {
    pub stages: Vec<TemperingStage>,
    /// One per [`Observations::points`], in the same order.
    pub figures: Vec<FigureFit>,
    /// Every parameter with a spread that the sampler moves, prior and posterior.
    pub parameters: Vec<ParamPosterior>,
    /// ln p(all figures | scenario), the sampler's estimate (Σ ln mean incremental weight).
    pub log_evidence: f64,
    /// The number of distinct initial paths the final paths descend from.
    pub distinct_ancestors: usize,
    /// The number of distinct final paths (parameters and noise): how far the moves have
    /// rebuilt the cloud after resampling.
    pub distinct_paths: usize,
}

/// One tempering step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemperingStage {
    /// The likelihood's power after the step.
    pub phi: f64,
    /// Effective sample size of the step's weights, (Σw)²/Σw², before resampling.
    pub ess: f64,
    /// Acceptance rates of the block and random-walk moves over the step's sweeps.
    pub accept_blocks: f64,
    pub accept_random_walk: f64,
    /// Metropolis-Hastings sweeps run after the step.
    pub sweeps: usize,
}

/// How one figure compares with what the model expected without observations, and what
/// the conditioned model makes of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureFit {
    /// The unconditioned model's 5 %, 50 % and 95 % quantiles of the true value (at or
    /// before the base year: of the trend-line value with its noise).
    pub expected: [f64; 3],
    /// P(true value ≤ figure) under the unconditioned model.
    pub pit: f64,
    /// The conditioned model's 5 %, 50 % and 95 % quantiles of the true value.
    pub fitted: [f64; 3],
    /// Posterior probability that the figure is an outlier (the wide part of the mixture).
    pub p_outlier: f64,
}

/// A parameter's prior (the initial draws) and posterior (the final paths).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamPosterior {
    pub slot: Slot,
    pub prior_mean: f64,
    pub prior_sd: f64,
    pub mean: f64,
    pub sd: f64,
    pub q05: f64,
    pub q50: f64,
    pub q95: f64,
}

/// A path of the sampler: its workspace (parameters, events, coefficients), the normals
/// of the observed years, its log-likelihood and the initial path it descends from.
#[derive(Clone)]
struct Particle {
    ws: Workspace,
    z: Vec<f64>,
    ll: f64,
    origin: usize,
}

/// For every series a figure is given for: the simulated regions (leaf index, flow index)
/// whose flows make it up, for trend-line predictions.
fn members(plan: &Plan) -> Vec<Vec<(usize, usize)>> {
    let scn = plan.scn;
    let mut by_series = vec![Vec::new(); plan.n_series];
    for (s, key) in scn.series.iter().enumerate() {
        let Some(fi) = key.indicator.flow_index() else {
            continue;
        };
        let mut stack = vec![key.region];
        while let Some(r) = stack.pop() {
            let region = &scn.regions[r];
            if region.children.is_empty() {
                if let Some(l) = scn.leaves.iter().position(|&x| x == r)
                    && plan.leaf_series[l].0[fi].is_some()
                {
                    by_series[s].push((l, fi));
                }
            } else {
                stack.extend(region.children.iter().rev());
            }
        }
        by_series[s].sort_unstable();
    }
    by_series
}

/// The model of the figures: which are weighed when, and the likelihood of a path.
struct Model<'a> {
    plan: &'a Plan<'a>,
    obs: &'a Observations,
    seed: u64,
    members: Vec<Vec<(usize, usize)>>,
    /// Observed growth per (leaf, projection year).
    growth: Vec<Option<f64>>,
    /// Figures at or before the base year.
    pre: Vec<usize>,
    /// Figures of each projection year up to the last observed one.
    by_year: Vec<Vec<usize>>,
    /// Parameters with a spread that no override fixes: those the moves change.
    movable: Vec<Slot>,
    /// Values of one path (series × years).
    stride: usize,
}

/// Conditions `paths` paths on `obs`: the final paths, ready to be projected a block at a
/// time, and what conditioning did. `on_step(k, φ)` is called after each tempering step.
pub(super) fn condition(
    plan: &Plan,
    paths: usize,
    seed: u64,
    overrides: &[(Slot, f64)],
    fixed: &Fixed,
    obs: &Observations,
    on_step: &dyn Fn(usize, f64),
) -> (Conditioned, Conditioning) {
    let model = Model::new(plan, obs, seed, overrides);
    let mut parts = model.initial_particles(paths, fixed);
    let prior_fits = model.fits(&mut parts);
    let prior: Vec<(f64, f64)> = model
        .movable
        .iter()
        .map(|&s| mean_sd(&parts.iter().map(|q| q.ws.theta[s]).collect::<Vec<_>>()))
        .collect();
    let (stages, log_evidence) = model.temper(&mut parts, on_step);
    let posterior_fits = model.fits(&mut parts);
    let conditioning = Conditioning {
        stages,
        figures: figure_fits(obs, &prior_fits, &posterior_fits),
        parameters: model.posteriors(&parts, &prior),
        log_evidence,
        distinct_ancestors: distinct(parts.iter().map(|q| q.origin)),
        distinct_paths: distinct(parts.iter().map(|q| {
            q.ws.theta
                .iter()
                .chain(&q.z)
                .map(|x| x.to_bits())
                .collect::<Vec<u64>>()
        })),
    };
    let conditioned = Conditioned {
        observed_years: model.by_year.len(),
        growth: model.growth,
        figures: obs
            .points
            .iter()
            .filter_map(|pt| match pt.stage {
                Stage::Projection(k) => Some((pt.series, k, pt.value)),
                Stage::BeforeProjection => None,
            })
            .collect(),
        parts: parts
            .into_iter()
            .map(|q| Final {
                theta: q.ws.theta,
                shock_scale: q.ws.shock_scale,
                z: q.z,
            })
            .collect(),
    };
    (conditioned, conditioning)
}

/// A final path of the sampler: its parameters, shock scales and the normals of the
/// observed years.
struct Final {
    theta: Vec<f64>,
    shock_scale: Vec<f64>,
    z: Vec<f64>,
}

/// The conditioned paths, to be projected like an unconditioned run, a block of regions
/// or of paths at a time.
pub(super) struct Conditioned {
    parts: Vec<Final>,
    /// Projection years up to the last observed one.
    observed_years: usize,
    /// Observed growth per (leaf, projection year).
    growth: Vec<Option<f64>>,
    /// (series, projection year, value) of every published figure in the projection.
    figures: Vec<(usize, usize, f64)>,
}

impl Conditioned {
    /// The parameters and shock scales of final path `p`.
    pub(super) fn path_draws(&self, p: usize) -> (&[f64], &[f64]) {
        let part = &self.parts[p];
        (&part.theta, &part.shock_scale)
    }

    /// Path `p`: its normals through the observed years, then fresh ones from the
    /// projection's streams (factors, and each region's noise) for each of `leaves`;
    /// `emit(l, k, values)` receives every leaf-year.
    pub(super) fn path(
        &self,
        plan: &Plan,
        seed: u64,
        p: usize,
        leaves: &[usize],
        ws: &mut Workspace,
        emit: &mut impl FnMut(usize, usize, &YearValues),
    ) {
        let part = &self.parts[p];
        let (ny, nf, ko) = (plan.n_years, plan.n_factors, self.observed_years);
        ws.theta.copy_from_slice(&part.theta);
        ws.shock_scale.copy_from_slice(&part.shock_scale);
        for k in 0..ko {
            ws.factors[k * nf..(k + 1) * nf]
                .copy_from_slice(&part.z[k * plan.per_year..k * plan.per_year + nf]);
        }
        let mut factors = stream(seed, STREAM_FUTURE ^ STREAM_FACTORS, p);
        for x in ws.factors[ko * nf..].iter_mut() {
            *x = StandardNormal.sample(&mut factors);
        }
        let shared = shared_coefficients(plan, &ws.theta);
        for &l in leaves {
            let coef = leaf_coef(plan.scn, plan.scn.leaves[l], &ws.theta);
            let mut rng = stream(seed, STREAM_FUTURE ^ plan.leaf_tags[l], p);
            let at = plan.leaf_offset[l];
            let mut normal = |k: usize, i: usize| {
                if k < ko {
                    part.z[k * plan.per_year + at + i]
                } else {
                    StandardNormal.sample(&mut rng)
                }
            };
            let growth = Some(self.growth.as_slice());
            leaf_years(plan, &shared, ws, &coef, l, ny, growth, &mut normal, emit);
        }
    }

    /// Published figures replace the simulated values of their series and year in `sim`.
    pub(super) fn overwrite(&self, _scn: &Scenario, sim: &mut Simulation) {
        let (n, ny) = (sim.n_paths, sim.n_years);
        for &(s, k, value) in &self.figures {
            if !sim.holds(s) {
                continue;
            }
            let at = (sim.slot(s) * ny + k) * n;
            sim.values[at..at + n].fill(value);
        }
    }
}

/// The number of distinct items.
fn distinct<T: Ord>(items: impl Iterator<Item = T>) -> usize {
    let mut v: Vec<T> = items.collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// Each figure's prior predictive (5/50/95 % and PIT) and posterior fit from the true
/// values and outlier probabilities of the paths before and after conditioning.
fn figure_fits(
    obs: &Observations,
    prior_fits: &[Vec<(f64, f64)>],
    posterior_fits: &[Vec<(f64, f64)>],
) -> Vec<FigureFit> {
    obs.points
        .iter()
        .enumerate()
        .map(|(i, pt)| {
            let xs: Vec<f64> = prior_fits.iter().map(|f| f[i].0).collect();
            let post: Vec<f64> = posterior_fits.iter().map(|f| f[i].0).collect();
            let n = xs.len() as f64;
            FigureFit {
                expected: [0.05, 0.5, 0.95].map(|q| quantile(&xs, q)),
                pit: xs.iter().filter(|&&x| x <= pt.value).count() as f64 / n,
                fitted: [0.05, 0.5, 0.95].map(|q| quantile(&post, q)),
                p_outlier: posterior_fits.iter().map(|f| f[i].1).sum::<f64>() / n,
            }
        })
        .collect()
}

impl<'a> Model<'a> {
    /// Which figures enter when, the observed growth, the normals a path draws per year
    /// and the parameters the moves may change.
    fn new(
        plan: &'a Plan<'a>,
        obs: &'a Observations,
        seed: u64,
        overrides: &[(Slot, f64)],
    ) -> Self {
        let scn = plan.scn;
        let by_year_all: Vec<Vec<usize>> = (0..plan.n_years)
            .map(|k| {
                (0..obs.points.len())
                    .filter(|&i| obs.points[i].stage == Stage::Projection(k))
                    .collect()
            })
            .collect();
        let observed_years = by_year_all
            .iter()
            .rposition(|v| !v.is_empty())
            .map_or(0, |k| k + 1);
        Model {
            plan,
            obs,
            seed,
            members: members(plan),
            growth: growth_table(plan, obs),
            pre: (0..obs.points.len())
                .filter(|&i| obs.points[i].stage == Stage::BeforeProjection)
                .collect(),
            by_year: by_year_all[..observed_years].to_vec(),
            movable: (0..scn.params.len())
                .filter(|&s| !scn.params[s].dist.is_fixed() && !overrides.iter().any(|o| o.0 == s))
                .collect(),
            stride: plan.n_series * plan.n_years,
        }
    }

    /// The initial paths: those of the unconditioned run (same streams), with the normals
    /// of the observed years (per year: the factors, then each region's) and their
    /// log-likelihood.
    fn initial_particles(&self, paths: usize, fixed: &Fixed) -> Vec<Particle> {
        let plan = self.plan;
        let (ko, py, nf) = (self.by_year.len(), plan.per_year, plan.n_factors);
        (0..paths)
            .into_par_iter()
            .map(|p| {
                let mut ws = Workspace::new(plan);
                draw_shared(plan, self.seed, p, &fixed.shared, &mut ws);
                for l in 0..plan.n_leaves {
                    draw_leaf(plan, self.seed, p, &fixed.by_leaf[l], l, &mut ws.theta);
                }
                let mut z = vec![0.0; py * ko];
                let mut factors = stream(self.seed, STREAM_FACTORS, p);
                for k in 0..ko {
                    for x in &mut z[k * py..k * py + nf] {
                        *x = StandardNormal.sample(&mut factors);
                    }
                }
                for l in 0..plan.n_leaves {
                    let mut rng = stream(self.seed, STREAM_NOISE ^ plan.leaf_tags[l], p);
                    for k in 0..ko {
                        let at = k * py + plan.leaf_offset[l];
                        for x in &mut z[at..at + plan.leaf_draws[l]] {
                            *x = StandardNormal.sample(&mut rng);
                        }
                    }
                }
                let mut part = Particle {
                    ws,
                    z,
                    ll: 0.0,
                    origin: p,
                };
                let mut out = vec![f64::NAN; self.stride];
                part.ll = self.log_lik(&mut part.ws, &part.z, &mut out);
                part
            })
            .collect()
    }

    /// Brings the likelihood in by tempering steps, each followed by resampling and moves;
    /// returns the steps and the log evidence.
    fn temper(
        &self,
        parts: &mut Vec<Particle>,
        on_step: &dyn Fn(usize, f64),
    ) -> (Vec<TemperingStage>, f64) {
        let paths = parts.len();
        let mut stages = Vec::new();
        let mut log_evidence = 0.0;
        let mut phi = 0.0;
        let mut scale = 1.0;
        if self.obs.points.is_empty() {
            return (stages, log_evidence);
        }
        while phi < 1.0 {
            let lls: Vec<f64> = parts.iter().map(|q| q.ll).collect();
            let next = if stages.len() + 1 >= MAX_STAGES {
                1.0
            } else {
                next_phi(phi, &lls, TARGET_ESS * paths as f64)
            };
            let logw: Vec<f64> = lls.iter().map(|ll| (next - phi) * ll).collect();
            log_evidence += log_sum_exp(&logw) - (paths as f64).ln();
            let w = normalised(&logw);
            let ess = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
            let stage = stages.len() as u64;
            let mut rng =
                Xoshiro256PlusPlus::seed_from_u64(path_seed(self.seed ^ STREAM_RESAMPLE, stage));
            let u: f64 = rng.random();
            *parts = systematic(&w, u)
                .iter()
                .map(|&a| parts[a].clone())
                .collect();
            phi = next;
            let (acc_i, acc_w, sweeps) = self.moves(parts, phi, stage, &mut scale);
            stages.push(TemperingStage {
                phi,
                ess,
                accept_blocks: acc_i,
                accept_random_walk: acc_w,
                sweeps,
            });
            on_step(stages.len(), phi);
        }
        (stages, log_evidence)
    }

    /// Every free parameter's prior (`prior`: mean and sd of the initial paths) and
    /// posterior (the final paths).
    fn posteriors(&self, parts: &[Particle], prior: &[(f64, f64)]) -> Vec<ParamPosterior> {
        self.movable
            .iter()
            .zip(prior)
            .map(|(&slot, &(prior_mean, prior_sd))| {
                let xs: Vec<f64> = parts.iter().map(|q| q.ws.theta[slot]).collect();
                let (mean, sd) = mean_sd(&xs);
                ParamPosterior {
                    slot,
                    prior_mean,
                    prior_sd,
                    mean,
                    sd,
                    q05: quantile(&xs, 0.05),
                    q50: quantile(&xs, 0.5),
                    q95: quantile(&xs, 0.95),
                }
            })
            .collect()
    }
}

/// The next power: 1 if the whole remaining likelihood keeps the effective sample size at
/// `target`, else the power that brings it to `target` (bisection).
fn next_phi(phi: f64, lls: &[f64], target: f64) -> f64 {
    let ess = |d: f64| {
        let w = normalised(&lls.iter().map(|ll| d * ll).collect::<Vec<_>>());
        1.0 / w.iter().map(|x| x * x).sum::<f64>()
    };
    if ess(1.0 - phi) >= target {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0, 1.0 - phi);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if ess(mid) >= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // Always move forward, however peaked the likelihood.
    (phi + lo.max(1e-9)).min(1.0)
}

/// Observed growth per simulated region and projection year: the region's own figure,
/// else its nearest ancestor's (a city without a published figure is taken to grow as its
/// province did).
fn growth_table(plan: &Plan, obs: &Observations) -> Vec<Option<f64>> {
    let scn = plan.scn;
    let ny = plan.n_years;
    let mut table = vec![None; plan.n_leaves * ny];
    for (l, &r) in scn.leaves.iter().enumerate() {
        for k in 0..ny {
            let mut region = Some(r);
            while let Some(at) = region {
                if let Some(g) = obs.growth.iter().find(|g| g.region == at && g.k == k) {
                    table[l * ny + k] = Some(g.value);
                    break;
                }
                region = scn.regions[at].parent;
            }
        }
    }
    table
}

impl Model<'_> {
    /// Sets the path's coefficients from its parameters, replays its normals through the
    /// observed years into `out`, and returns the log-likelihood of every figure.
    fn log_lik(&self, ws: &mut Workspace, z: &[f64], out: &mut [f64]) -> f64 {
        self.replay(ws, z, out);
        let m = Measurement::on(&self.obs.errors, &ws.theta);
        let mut total = 0.0;
        for &i in &self.pre {
            total += self.pre_fit(ws, &m, i).0;
        }
        for (k, points) in self.by_year.iter().enumerate() {
            for &i in points {
                total += self
                    .year_fit(
                        &m,
                        i,
                        out[self.obs.points[i].series * self.plan.n_years + k],
                    )
                    .0;
            }
        }
        if total.is_nan() {
            f64::NEG_INFINITY
        } else {
            total
        }
    }

    /// Replays a path's normals `z` through the observed years into `out` (every series,
    /// aggregates included), from its parameters.
    fn replay(&self, ws: &mut Workspace, z: &[f64], out: &mut [f64]) {
        let plan = self.plan;
        let scn = plan.scn;
        let (ny, nf, py, ko) = (
            plan.n_years,
            plan.n_factors,
            plan.per_year,
            self.by_year.len(),
        );
        for (s, shock) in scn.shocks.iter().enumerate() {
            if let (Some(slot), true) = (shock.scale, ws.shock_scale[s] != 0.0) {
                ws.shock_scale[s] = ws.theta[slot];
            }
        }
        leaf_coefficients(scn, ws);
        for k in 0..ko {
            ws.factors[k * nf..(k + 1) * nf].copy_from_slice(&z[k * py..k * py + nf]);
        }
        let shared = shared_coefficients(plan, &ws.theta);
        let mut acc = std::mem::take(&mut ws.acc);
        acc.fill(0.0);
        for l in 0..plan.n_leaves {
            let at = plan.leaf_offset[l];
            let mut normal = |k: usize, i: usize| z[k * py + at + i];
            let mut emit = |l: usize, k: usize, v: &YearValues| {
                for_each_value(plan, l, v, |s, value| {
                    out[s * ny + k] = value;
                    for &(a, w) in &plan.contrib[s] {
                        acc[a * ny + k] += w * value;
                    }
                });
            };
            let growth = Some(self.growth.as_slice());
            leaf_years(
                plan,
                &shared,
                ws,
                &ws.coefs[l],
                l,
                ko,
                growth,
                &mut normal,
                &mut emit,
            );
        }
        for (a, &s) in plan.agg_series.iter().enumerate() {
            out[s * ny..s * ny + ko].copy_from_slice(&acc[a * ny..a * ny + ko]);
        }
        ws.acc = acc;
    }

    /// A figure at or before the base year: (log-likelihood, outlier probability, mean of
    /// the log or rate, prediction variance).
    fn pre_fit(&self, ws: &Workspace, m: &Measurement, i: usize) -> (f64, f64, f64, f64) {
        let pt = &self.obs.points[i];
        if pt.indicator.kind() == IndicatorKind::Flow {
            let (mean_log, var) = self.trend_line(ws, pt);
            let (ll, r) = m.log_lik(
                pt.value.max(LOG_FLOOR).ln() - mean_log,
                var,
                false,
                pt.quality,
            );
            (ll, r, mean_log, var)
        } else {
            let base = self.base_rate(ws, pt.series);
            let (ll, r) = m.log_lik(pt.value - base, 0.0, true, pt.quality);
            (ll, r, base, 0.0)
        }
    }

    /// A figure of a projection year against the path's value: (log-likelihood, outlier
    /// probability).
    fn year_fit(&self, m: &Measurement, i: usize, sim: f64) -> (f64, f64) {
        let pt = &self.obs.points[i];
        if pt.indicator.kind() == IndicatorKind::Rate {
            m.log_lik(pt.value - sim, 0.0, true, pt.quality)
        } else {
            let resid = pt.value.max(LOG_FLOOR).ln() - sim.max(LOG_FLOOR).ln();
            m.log_lik(resid, 0.0, false, pt.quality)
        }
    }

    /// Every figure's true value on each path (a trend-line draw for a flow at or before
    /// the base year, from a stream of the seed, figure and path) and outlier probability.
    fn fits(&self, parts: &mut [Particle]) -> Vec<Vec<(f64, f64)>> {
        let ny = self.plan.n_years;
        parts
            .par_iter_mut()
            .enumerate()
            .map(|(p, part)| {
                let mut out = vec![f64::NAN; self.stride];
                self.replay(&mut part.ws, &part.z, &mut out);
                let m = Measurement::on(&self.obs.errors, &part.ws.theta);
                (0..self.obs.points.len())
                    .map(|i| {
                        let pt = &self.obs.points[i];
                        match pt.stage {
                            Stage::BeforeProjection => {
                                let (_, r, mean, var) = self.pre_fit(&part.ws, &m, i);
                                if pt.indicator.kind() == IndicatorKind::Flow {
                                    let seed = (self.seed ^ STREAM_TREND) ^ splitmix64(i as u64);
                                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(path_seed(
                                        seed, p as u64,
                                    ));
                                    let z: f64 = StandardNormal.sample(&mut rng);
                                    ((mean + var.sqrt() * z).exp(), r)
                                } else {
                                    (mean, r)
                                }
                            }
                            Stage::Projection(k) => {
                                let sim = out[pt.series * ny + k];
                                (sim, self.year_fit(&m, i, sim).1)
                            }
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The trend-line prediction of a flow figure at or before the base year: the mean of
    /// its log and the variance of the log from process noise and growth noise. For a
    /// simulated region, log J = log A + τ(y − m) − σ²/2 + N(0, σ² + ε²·V) with V the
    /// stationary variance of the growth noise; for an aggregate, the sum of its regions'
    /// trend values, with the variance of its log by the delta method (growth noise
    /// correlated across regions).
    fn trend_line(&self, ws: &Workspace, pt: &ObservedPoint) -> (f64, f64) {
        let scn = self.plan.scn;
        let shared = shared_coefficients(self.plan, &ws.theta);
        let phi = shared.growth_ar;
        let v_growth = shared.growth_noise_sd.powi(2) / (1.0 - phi * phi);
        let year = f64::from(pt.year);
        let members = &self.members[pt.series];
        let coef =
            |&(l, fi): &(usize, usize)| ws.coefs[l].flows[fi].expect("members have the flow");
        if let [one] = members.as_slice() {
            let c = coef(one);
            let mean_log = c.level.ln() + c.trend * (year - c.mid) - 0.5 * c.noise_sd * c.noise_sd;
            return (
                mean_log,
                c.noise_sd.powi(2) + c.elasticity.powi(2) * v_growth,
            );
        }
        let means: Vec<f64> = members
            .iter()
            .map(|m| {
                let c = coef(m);
                c.level * (c.trend * (year - c.mid)).exp()
            })
            .collect();
        let total: f64 = means.iter().sum();
        let mut var = 0.0;
        for (i, mi) in members.iter().enumerate() {
            let ci = coef(mi);
            var += (means[i] * ci.noise_sd).powi(2);
            for (j, mj) in members.iter().enumerate() {
                let cj = coef(mj);
                var += means[i]
                    * means[j]
                    * ci.elasticity
                    * cj.elasticity
                    * scn.correlation.get(mi.0, mj.0)
                    * v_growth;
            }
        }
        let var = var / (total * total);
        (total.max(LOG_FLOOR).ln() - 0.5 * var, var)
    }

    /// A series' base-year rate on a path (surveyed or registered), an aggregate's as the
    /// weighted mean of its children.
    fn base_rate(&self, ws: &Workspace, series: usize) -> f64 {
        let plan = self.plan;
        for (l, &(_, _, rs, gs)) in plan.leaf_series.iter().enumerate() {
            let Some(rate) = ws.coefs[l].rate else {
                continue;
            };
            if rs == Some(series) {
                return rate.initial;
            }
            if gs == Some(series) {
                return (rate.initial - rate.registered_gap.unwrap_or(0.0)).max(0.0);
            }
        }
        plan.aggregates
            .iter()
            .find(|a| a.0 == series)
            .map_or(f64::NAN, |(_, kids, weights)| {
                kids.iter()
                    .zip(weights)
                    .map(|(&c, w)| w * self.base_rate(ws, c))
                    .sum()
            })
    }

    /// The log prior density of a path's free parameters (−∞ outside their ranges) and
    /// normals.
    fn log_prior(&self, theta: &[f64], z: &[f64]) -> f64 {
        let scn = self.plan.scn;
        let normals: f64 = z.iter().map(|x| -0.5 * x * x).sum();
        normals
            + self
                .movable
                .iter()
                .map(|&s| {
                    let p = &scn.params[s];
                    let x = theta[s];
                    if x < p.bounds.0 || x > p.bounds.1 {
                        f64::NEG_INFINITY
                    } else {
                        p.dist.ln_pdf(x)
                    }
                })
                .sum::<f64>()
    }

    /// A path's free parameters and observed-year normals as one vector.
    fn pack(&self, part: &Particle) -> DVector<f64> {
        let d = self.movable.len();
        DVector::from_fn(d + part.z.len(), |i, _| {
            if i < d {
                part.ws.theta[self.movable[i]]
            } else {
                part.z[i - d]
            }
        })
    }

    /// A copy of `part` with the free parameters and normals of `x`, its log-likelihood
    /// and log prior; `None` outside the parameters' ranges.
    fn proposal(&self, part: &Particle, x: &DVector<f64>) -> Option<(Particle, f64)> {
        let d = self.movable.len();
        let mut next = part.clone();
        for (j, &s) in self.movable.iter().enumerate() {
            next.ws.theta[s] = x[j];
        }
        for (i, z) in next.z.iter_mut().enumerate() {
            *z = x[d + i];
        }
        let lp = self.log_prior(&next.ws.theta, &next.z);
        if !lp.is_finite() {
            return None;
        }
        let mut out = vec![f64::NAN; self.stride];
        next.ll = self.log_lik(&mut next.ws, &next.z, &mut out);
        Some((next, lp))
    }

    /// Metropolis-Hastings sweeps at power `phi` on the joint vector of free parameters and
    /// normals, until the paths have moved enough ([`JUMP_TARGET`]). Each sweep proposes,
    /// block by block ([`BLOCK`] coordinates), from the conditional of the cloud's normal
    /// approximation given the other coordinates (a Metropolised Gibbs step: nearly
    /// independent draws where the posterior is nearly normal), then a random walk on the
    /// whole vector scaled by the cloud's Cholesky factor (`scale` times 2.38/√d, adapted
    /// to the acceptance rate). Returns the acceptance rates of the block and random-walk
    /// moves and the number of sweeps.
    fn moves(
        &self,
        parts: &mut [Particle],
        phi: f64,
        stage: u64,
        scale: &mut f64,
    ) -> (f64, f64, usize) {
        let n = parts.len() as f64;
        let xs: Vec<DVector<f64>> = parts.iter().map(|q| self.pack(q)).collect();
        let d = xs.first().map_or(0, |x| x.len());
        if d == 0 {
            return (f64::NAN, f64::NAN, 0);
        }
        let cloud = Cloud::new(&xs);
        let blocks = cloud.blocks.len();
        let (mut acc_b, mut acc_w) = (0usize, 0usize);
        let mut jumped = 0.0;
        let mut sweeps = 0;
        while sweeps < MIN_SWEEPS || (jumped < JUMP_TARGET * d as f64 && sweeps < MAX_SWEEPS) {
            let sweep = sweeps;
            sweeps += 1;
            let step = *scale * 2.38 / (d as f64).sqrt();
            let seed = (self.seed ^ STREAM_MOVE) ^ splitmix64(stage * 4096 + sweep as u64);
            let accepted: Vec<(usize, bool, f64)> = parts
                .par_iter_mut()
                .enumerate()
                .map(|(p, part)| {
                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(path_seed(seed, p as u64));
                    let mut x = self.pack(part);
                    let mut lp = self.log_prior(&part.ws.theta, &part.z);
                    let mut jump = 0.0;
                    let mut ok_blocks = 0;
                    for blk in &cloud.blocks {
                        let (x_new, q_ratio) = blk.propose(&cloud, &x, &mut rng);
                        let u: f64 = rng.random();
                        if let Some((next, lp_new)) = self.proposal(part, &x_new)
                            && u.ln() < phi * (next.ll - part.ll) + lp_new - lp + q_ratio
                        {
                            jump += cloud.mahalanobis(&(&x_new - &x));
                            *part = next;
                            lp = lp_new;
                            x = x_new;
                            ok_blocks += 1;
                        }
                    }
                    let xi = DVector::from_fn(d, |_, _| StandardNormal.sample(&mut rng));
                    let u: f64 = rng.random();
                    let x_new = &x + step * (&cloud.chol * &xi);
                    let mut rw_ok = false;
                    if let Some((next, lp_new)) = self.proposal(part, &x_new)
                        && u.ln() < phi * (next.ll - part.ll) + lp_new - lp
                    {
                        *part = next;
                        rw_ok = true;
                        jump += step * step * xi.norm_squared();
                    }
                    (ok_blocks, rw_ok, jump)
                })
                .collect();
            let ab: usize = accepted.iter().map(|a| a.0).sum();
            let aw = accepted.iter().filter(|a| a.1).count();
            acc_b += ab;
            acc_w += aw;
            jumped += accepted.iter().map(|a| a.2).sum::<f64>() / n;
            *scale = adapt(*scale, aw as f64 / n, f64::INFINITY);
        }
        let total = (sweeps as f64) * n;
        (
            acc_b as f64 / (total * blocks as f64),
            acc_w as f64 / total,
            sweeps,
        )
    }
}

/// The cloud's normal approximation: mean, Cholesky factor of the covariance, precision
/// and the blocks of the block moves.
struct Cloud {
    mean: DVector<f64>,
    chol: DMatrix<f64>,
    precision: DMatrix<f64>,
    blocks: Vec<Block>,
}

/// A block of coordinates: its range and the Cholesky factor of its precision block.
struct Block {
    start: usize,
    len: usize,
    /// Lower factor C of the block's precision Q_SS = C Cᵀ.
    chol: DMatrix<f64>,
}

impl Cloud {
    /// Mean and covariance of vectors (sums in index order); the diagonal where the
    /// covariance is singular.
    fn new(xs: &[DVector<f64>]) -> Cloud {
        let d = xs[0].len();
        let n = xs.len() as f64;
        let mut mean: DVector<f64> = DVector::zeros(d);
        for x in xs {
            mean += x / n;
        }
        let mut cov: DMatrix<f64> = DMatrix::zeros(d, d);
        for x in xs {
            let dx = x - &mean;
            cov += &dx * dx.transpose() / n;
        }
        let (chol, precision) = match nalgebra::Cholesky::new(cov.clone()) {
            Some(c) => (c.l(), c.inverse()),
            None => {
                let var = cov.diagonal().map(|v: f64| v.max(1e-12));
                (
                    DMatrix::from_diagonal(&var.map(f64::sqrt)),
                    DMatrix::from_diagonal(&var.map(|v| 1.0 / v)),
                )
            }
        };
        let blocks = (0..d)
            .step_by(BLOCK)
            .map(|start| {
                let len = BLOCK.min(d - start);
                let q = precision.view((start, start), (len, len)).into_owned();
                let chol = nalgebra::Cholesky::new(q.clone()).map_or_else(
                    || DMatrix::from_diagonal(&q.diagonal().map(|v: f64| v.max(1e-12).sqrt())),
                    |c| c.l(),
                );
                Block { start, len, chol }
            })
            .collect();
        Cloud {
            mean,
            chol,
            precision,
            blocks,
        }
    }

    /// |L⁻¹ v|²: a move's squared length in the cloud's metric.
    fn mahalanobis(&self, v: &DVector<f64>) -> f64 {
        self.chol
            .solve_lower_triangular(v)
            .map_or(0.0, |w| w.norm_squared())
    }
}

impl Block {
    /// A draw of the block from the cloud's normal conditional on the other coordinates,
    /// x_S ~ N(m, Q_SS⁻¹) with m = x_S − Q_SS⁻¹ (Q (x − μ))_S, and ln q(x_S) − ln q(x'_S).
    fn propose(
        &self,
        cloud: &Cloud,
        x: &DVector<f64>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> (DVector<f64>, f64) {
        let (s, b) = (self.start, self.len);
        let g = cloud.precision.rows(s, b) * (x - &cloud.mean);
        // Q_SS⁻¹ g = C⁻ᵀ C⁻¹ g.
        let c = &self.chol;
        let ct = c.transpose();
        let w = c.solve_lower_triangular(&g).unwrap_or_else(|| g.clone());
        let shift = ct.solve_upper_triangular(&w).unwrap_or(w);
        let m = x.rows(s, b) - shift;
        let xi = DVector::from_fn(b, |_, _| StandardNormal.sample(rng));
        let step = ct.solve_upper_triangular(&xi).unwrap_or_else(|| xi.clone());
        let mut x_new = x.clone();
        x_new.rows_mut(s, b).copy_from(&(&m + step));
        let q_old = -0.5 * (&ct * (x.rows(s, b) - &m)).norm_squared();
        let q_new = -0.5 * xi.norm_squared();
        (x_new, q_old - q_new)
    }
}

/// A step size after a sweep with acceptance rate `rate`: smaller below 0.15, larger
/// above 0.4 (within `cap`).
fn adapt(step: f64, rate: f64, cap: f64) -> f64 {
    if rate < 0.15 {
        step * 0.7
    } else if rate > 0.4 {
        (step * 1.3).min(cap)
    } else {
        step
    }
}

/// ln Σ exp(x), in index order.
fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Weights from log weights, summing to one (in index order); uniform if every weight is
/// zero.
fn normalised(logw: &[f64]) -> Vec<f64> {
    let m = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return vec![1.0 / logw.len() as f64; logw.len()];
    }
    let w: Vec<f64> = logw.iter().map(|x| (x - m).exp()).collect();
    let total: f64 = w.iter().sum();
    w.iter().map(|x| x / total).collect()
}

/// Systematic resampling: the ancestors of n new paths for normalised weights `w` and one
/// uniform `u` in [0, 1): path i takes the ancestor whose cumulative weight first reaches
/// (i + u)/n.
pub fn systematic(w: &[f64], u: f64) -> Vec<usize> {
    let n = w.len();
    let mut out = Vec::with_capacity(n);
    let mut cum = w[0];
    let mut j = 0;
    for i in 0..n {
        let target = (i as f64 + u) / n as f64;
        while cum < target && j + 1 < n {
            j += 1;
            cum += w[j];
        }
        out.push(j);
    }
    out
}

/// The type-7 quantile of unsorted values.
fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Mean and sd (n − 1) in index order.
fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systematic_resampling_copies_each_path_in_proportion_to_its_weight() {
        let w = [0.5, 0.25, 0.0, 0.25];
        assert_eq!(systematic(&w, 0.5), vec![0, 0, 1, 3]);
        assert_eq!(systematic(&[0.25; 4], 0.1), vec![0, 1, 2, 3]);
    }

    #[test]
    fn the_next_power_keeps_the_target_effective_sample_size() {
        let lls: Vec<f64> = (0..100).map(|i| -f64::from(i)).collect();
        let phi = next_phi(0.0, &lls, 50.0);
        assert!(phi > 0.0 && phi < 1.0);
        let w = normalised(&lls.iter().map(|l| phi * l).collect::<Vec<_>>());
        let ess = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
        assert!((ess - 50.0).abs() < 1e-6, "{ess}");
        // A flat likelihood is brought in at once.
        assert_eq!(next_phi(0.3, &[-1.0; 10], 5.0), 1.0);
    }
}
