//! Morris elementary-effects screening.
//!
//! Method: M. D. Morris (1991), "Factorial sampling plans for preliminary computational
//! experiments", Technometrics 33(2), 161-174; the absolute-mean measure `μ*` from
//! F. Campolongo, J. Cariboni and A. Saltelli (2007), "An effective screening design for
//! sensitivity analysis of large models", Environ. Model. Softw. 22, 1509-1518.
//!
//! # Design
//!
//! Each factor's unit interval is discretised into a `p`-level grid `{0, 1/(p-1), ..., 1}`
//! (`p` even, default 4) and the step is `Δ = p / (2(p-1))` (2/3 for `p = 4`), which moves a
//! level `j` to `j ± p/2` and makes every level equally likely to be visited (Morris 1991).
//! A *trajectory* starts at a random grid point (each coordinate uniform on the `p` levels) and
//! changes the factors one at a time, in a random order, by `+Δ` where that stays in `[0, 1]`
//! and by `-Δ` otherwise; `r` trajectories cost `r(d+1)` model runs.
//!
//! Grid coordinates `u` are mapped to parameter values through the factor's inverse CDF. For
//! bounded distributions ([`FactorDist::is_bounded`](super::FactorDist::is_bounded): uniform,
//! triangular) the grid spans the whole support, `x = F⁻¹(u)`. For unbounded ones (normal,
//! log-normal, custom) `u = 0` and `u = 1` would be infinite, so the grid spans the central
//! `1 - 2τ` probability range: `x = F⁻¹(τ + (1 - 2τ) u)`, with `τ` =
//! [`MorrisOptions::tail_probability`] (default [`DEFAULT_TAIL_PROBABILITY`] = 0.005).
//!
//! # Measures
//!
//! For factor `i`, output `k` and trajectory `t`, the elementary effect is
//! `EE = (y_k(after) - y_k(before)) / (u_i(after) - u_i(before))`, i.e. the output change per
//! unit of the *unit-scaled* factor (a change of the whole grid span). Over the `r`
//! trajectories: `μ` = mean EE, `μ*` = mean |EE| (Campolongo et al. 2007), `σ` = sample standard
//! deviation of EE (`r - 1` denominator; exactly 0 when all effects are equal). For a linear
//! model `y = Σ b_i x_i` with `x_i ~ U(l_i, h_i)`, `EE_i = b_i (h_i - l_i)` for every trajectory,
//! so `μ_i = b_i (h_i - l_i)`, `μ*_i = |μ_i|` and `σ_i = 0`; `σ > 0` flags non-linearity or
//! interactions. A bootstrap percentile interval for `μ*` resamples whole trajectories.

use rand::Rng;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::Serialize;

use super::factor::{Factor, validate_factors};
use super::stats::{
    ConfidenceInterval, check_bootstrap, check_confidence, check_outputs, mean_sd, percentile_ci,
    stream,
};
use super::{Progress, Result, SensitivityError, evaluate_with_progress};

/// Default probability `τ` cut from each tail of an unbounded distribution (see module docs).
pub const DEFAULT_TAIL_PROBABILITY: f64 = 0.005;

/// Options of a Morris analysis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisOptions {
    /// Number of trajectories `r` (at least 2; 10-50 is typical). Default 20.
    pub trajectories: usize,
    /// Number of grid levels `p` (even, at least 2). Default 4.
    pub levels: usize,
    /// Seed of the random trajectories and of the bootstrap. Default 0.
    pub seed: u64,
    /// Bootstrap resamples for the `μ*` interval (0 = none, else at least 2). Default 1000.
    pub bootstrap: usize,
    /// Confidence level of the `μ*` interval, in (0, 1). Default 0.95.
    pub confidence: f64,
    /// Tail probability `τ` cut from unbounded distributions, in (0, 0.5). Default 0.005.
    pub tail_probability: f64,
}

impl Default for MorrisOptions {
    fn default() -> Self {
        MorrisOptions {
            trajectories: 20,
            levels: 4,
            seed: 0,
            bootstrap: 1000,
            confidence: 0.95,
            tail_probability: DEFAULT_TAIL_PROBABILITY,
        }
    }
}

impl MorrisOptions {
    fn check(&self) -> Result<()> {
        if self.trajectories < 2 {
            return Err(SensitivityError::InvalidOption {
                option: "trajectories",
                reason: format!("must be at least 2 (got {})", self.trajectories),
            });
        }
        if self.levels < 2 || !self.levels.is_multiple_of(2) {
            return Err(SensitivityError::InvalidOption {
                option: "levels",
                reason: format!("must be even and at least 2 (got {})", self.levels),
            });
        }
        if !(self.tail_probability > 0.0 && self.tail_probability < 0.5) {
            return Err(SensitivityError::InvalidOption {
                option: "tail_probability",
                reason: format!(
                    "must be strictly between 0 and 0.5 (got {})",
                    self.tail_probability
                ),
            });
        }
        check_bootstrap(self.bootstrap)?;
        check_confidence(self.confidence)
    }
}

/// One move of a trajectory: which factor changed and by how much in unit-grid terms (`±Δ`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisStep {
    /// Factor position (0-based).
    pub factor: usize,
    /// Signed change of the factor's unit-grid coordinate (`+Δ` or `-Δ`).
    pub delta: f64,
}

/// A Morris design: `r` trajectories of `d + 1` points.
///
/// Trajectory `t` occupies rows `t(d+1) ..= t(d+1) + d` of `points`; `steps[t * d + s]`
/// describes the move from row `t(d+1) + s` to row `t(d+1) + s + 1`.
#[derive(Debug, Clone, Serialize)]
pub struct MorrisDesign {
    /// Factor names, in order.
    pub factors: Vec<String>,
    /// The options the design was built with.
    pub options: MorrisOptions,
    /// Step size `Δ = p / (2(p-1))`.
    pub delta: f64,
    /// The design rows (parameter vectors) to evaluate.
    pub points: Vec<Vec<f64>>,
    /// The moves, `d` per trajectory.
    pub steps: Vec<MorrisStep>,
}

/// Morris measures for one `(factor, output index)` pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MorrisRow {
    /// Factor name.
    pub factor: String,
    /// Factor position (0-based).
    pub factor_index: usize,
    /// Output index `k` (0-based).
    pub output_index: usize,
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect (Campolongo et al. 2007).
    pub mu_star: f64,
    /// Standard deviation of the elementary effects.
    pub sigma: f64,
    /// Bootstrap percentile interval for `μ*` (`None` if `bootstrap = 0`).
    pub mu_star_ci: Option<ConfidenceInterval>,
}

/// The result of a Morris analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MorrisResult {
    /// Factor names, in order.
    pub factors: Vec<String>,
    /// The options used.
    pub options: MorrisOptions,
    /// Step size `Δ`.
    pub delta: f64,
    /// Number of outputs `K`.
    pub n_outputs: usize,
    /// Number of model evaluations (`r(d+1)`).
    pub n_evaluations: usize,
    /// One row per `(factor, output index)`, output-major: row `k * d + i`.
    pub rows: Vec<MorrisRow>,
}

super::output_major_accessors!(MorrisResult, MorrisRow);

impl MorrisResult {
    /// The rows of output `output_index` by decreasing `μ*` (ties keep factor order).
    pub fn ranked_by_mu_star(&self, output_index: usize) -> Vec<&MorrisRow> {
        let mut rows: Vec<&MorrisRow> = self.rows_for_output(output_index).iter().collect();
        rows.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star));
        rows
    }
}

/// Build `options.trajectories` random Morris trajectories.
///
/// # Errors
/// Invalid factors or options; [`SensitivityError::NonFiniteValue`] if a custom inverse CDF
/// returns a non-finite value on the grid.
pub fn sample_morris(factors: &[Factor], options: &MorrisOptions) -> Result<MorrisDesign> {
    validate_factors(factors)?;
    options.check()?;
    let d = factors.len();
    let p = options.levels;
    let half = p / 2;
    let top = (p - 1) as f64;
    let delta = half as f64 / top;
    let tau = options.tail_probability;
    let value = |i: usize, level: usize| -> Result<f64> {
        let f = &factors[i];
        let u = level as f64 / top;
        let q = if f.dist.is_bounded() {
            u
        } else {
            tau + (1.0 - 2.0 * tau) * u
        };
        let x = f.quantile(q);
        if x.is_finite() {
            Ok(x)
        } else {
            Err(SensitivityError::NonFiniteValue {
                name: f.name.clone(),
                u: q,
                value: x,
            })
        }
    };
    // Parameter value of each (factor, level), computed once.
    let table: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..p).map(|l| value(i, l)).collect::<Result<Vec<f64>>>())
        .collect::<Result<_>>()?;

    let mut rng = stream(options.seed, 0);
    let r = options.trajectories;
    let mut points = Vec::with_capacity(r * (d + 1));
    let mut steps = Vec::with_capacity(r * d);
    let mut order: Vec<usize> = (0..d).collect();
    for _ in 0..r {
        let mut level: Vec<usize> = (0..d).map(|_| rng.random_range(0..p)).collect();
        order.shuffle(&mut rng);
        points.push((0..d).map(|i| table[i][level[i]]).collect());
        for &i in &order {
            let up = level[i] + half < p;
            level[i] = if up { level[i] + half } else { level[i] - half };
            steps.push(MorrisStep {
                factor: i,
                delta: if up { delta } else { -delta },
            });
            points.push((0..d).map(|j| table[j][level[j]]).collect());
        }
    }
    Ok(MorrisDesign {
        factors: factors.iter().map(|f| f.name.clone()).collect(),
        options: *options,
        delta,
        points,
        steps,
    })
}

/// Compute `μ`, `μ*`, `σ` (and the `μ*` bootstrap interval) from the design outputs.
///
/// # Errors
/// An inconsistent design, or outputs of the wrong count, ragged, empty or non-finite.
pub fn estimate_morris(design: &MorrisDesign, outputs: &[Vec<f64>]) -> Result<MorrisResult> {
    let opts = design.options;
    opts.check()?;
    let d = design.factors.len();
    let r = opts.trajectories;
    if d == 0 || design.points.len() != r * (d + 1) || design.steps.len() != r * d {
        return Err(SensitivityError::InvalidDesign(format!(
            "a Morris design of {r} trajectories for {d} factors needs {} rows and {} steps",
            r * (d + 1),
            r * d
        )));
    }
    for t in 0..r {
        let mut seen = vec![false; d];
        for s in &design.steps[t * d..(t + 1) * d] {
            if s.factor >= d || seen[s.factor] || s.delta == 0.0 || !s.delta.is_finite() {
                return Err(SensitivityError::InvalidDesign(format!(
                    "trajectory {t} must move each factor exactly once by a non-zero step"
                )));
            }
            seen[s.factor] = true;
        }
    }
    let k_out = check_outputs(outputs, design.points.len())?;

    // effects[k][i][t]
    let mut effects = vec![vec![vec![0.0; r]; d]; k_out];
    for t in 0..r {
        for s in 0..d {
            let step = design.steps[t * d + s];
            let row = t * (d + 1) + s;
            for (k, ek) in effects.iter_mut().enumerate() {
                ek[step.factor][t] = (outputs[row + 1][k] - outputs[row][k]) / step.delta;
            }
        }
    }

    // Bootstrap: resample trajectories; the same resample for every (factor, output).
    let mut rng = stream(opts.seed, 1);
    let resamples: Vec<Vec<usize>> = (0..opts.bootstrap)
        .map(|_| (0..r).map(|_| rng.random_range(0..r)).collect())
        .collect();

    let mut rows = Vec::with_capacity(k_out * d);
    for (k, ek) in effects.iter().enumerate() {
        for (i, ee) in ek.iter().enumerate() {
            let (mu, sigma) = mean_sd(ee);
            let abs: Vec<f64> = ee.iter().map(|e| e.abs()).collect();
            let (mu_star, _) = mean_sd(&abs);
            let mu_star_ci = if opts.bootstrap == 0 {
                None
            } else {
                let reps: Vec<f64> = resamples
                    .par_iter()
                    .map(|idx| idx.iter().map(|&t| abs[t]).sum::<f64>() / r as f64)
                    .collect();
                percentile_ci(&reps, opts.confidence)
            };
            rows.push(MorrisRow {
                factor: design.factors[i].clone(),
                factor_index: i,
                output_index: k,
                mu,
                mu_star,
                sigma,
                mu_star_ci,
            });
        }
    }
    Ok(MorrisResult {
        factors: design.factors.clone(),
        options: opts,
        delta: design.delta,
        n_outputs: k_out,
        n_evaluations: design.points.len(),
        rows,
    })
}

/// One-call Morris analysis with `trajectories` trajectories on a `levels`-level grid and
/// default bootstrap settings (1000 resamples, 95%).
///
/// # Errors
/// See [`sample_morris`] and [`estimate_morris`].
pub fn analyze<F>(
    factors: &[Factor],
    trajectories: usize,
    levels: usize,
    model: F,
    seed: u64,
) -> Result<MorrisResult>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    let options = MorrisOptions {
        trajectories,
        levels,
        seed,
        ..MorrisOptions::default()
    };
    analyze_with(factors, &options, model, None)
}

/// One-call Morris analysis with full options and an optional progress callback.
///
/// # Errors
/// See [`sample_morris`] and [`estimate_morris`].
pub fn analyze_with<F>(
    factors: &[Factor],
    options: &MorrisOptions,
    model: F,
    progress: Option<Progress<'_>>,
) -> Result<MorrisResult>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    let design = sample_morris(factors, options)?;
    let outputs = evaluate_with_progress(&design.points, model, progress);
    estimate_morris(&design, &outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn trajectories_move_each_factor_once_on_the_grid() {
        let factors: Vec<Factor> = (0..5)
            .map(|i| Factor::uniform(format!("x{i}"), 0.0, 3.0))
            .collect();
        let opts = MorrisOptions {
            trajectories: 30,
            ..MorrisOptions::default()
        };
        let design = sample_morris(&factors, &opts).unwrap();
        assert_eq!(design.points.len(), 30 * 6);
        assert_relative_eq!(design.delta, 2.0 / 3.0);
        for t in 0..30 {
            for s in 0..5 {
                let step = design.steps[t * 5 + s];
                let (a, b) = (&design.points[t * 6 + s], &design.points[t * 6 + s + 1]);
                for j in 0..5 {
                    // Levels {0,1,2,3} of U(0,3) map to the integers 0..=3 exactly.
                    assert!([0.0, 1.0, 2.0, 3.0].contains(&a[j]));
                    if j == step.factor {
                        assert_eq!(b[j] - a[j], 2.0 * step.delta.signum());
                    } else {
                        assert_eq!(a[j], b[j]);
                    }
                }
            }
        }
    }

    #[test]
    fn linear_model_has_exact_effects_and_zero_sigma() {
        // y = Σ b_i x_i with x_i ~ U(l_i, h_i): EE_i = b_i (h_i - l_i) for every trajectory, so
        // μ = b_i (h_i - l_i), μ* = |μ|, σ = 0. With integer b_i and grid values 0..=3 of
        // U(0, 3) (exact in binary), every output is an exact integer, every EE for factor i is
        // computed from the same two numbers (±2 b_i over ±2/3), so σ is exactly 0.
        let b = [1.0, -2.0, 5.0, 0.0];
        let factors: Vec<Factor> = (0..4)
            .map(|i| Factor::uniform(format!("x{i}"), 0.0, 3.0))
            .collect();
        let model = |x: &[f64]| vec![x.iter().zip(&b).map(|(x, b)| x * b).sum::<f64>()];
        let res = analyze(&factors, 25, 4, model, 7).unwrap();
        for (i, bi) in b.iter().enumerate() {
            let row = res.row(i, 0).unwrap();
            assert_relative_eq!(row.mu, bi * 3.0, max_relative = 1e-14);
            assert_relative_eq!(row.mu_star, (bi * 3.0).abs(), max_relative = 1e-14);
            assert_eq!(row.sigma, 0.0, "factor {i}");
            let ci = row.mu_star_ci.unwrap();
            assert!(ci.low <= row.mu_star && row.mu_star <= ci.high);
            assert_eq!(ci.std_error, 0.0);
        }
        assert_eq!(res.ranked_by_mu_star(0)[0].factor, "x2");

        // Non-representable coefficients and bounds: equal up to rounding.
        let factors = vec![
            Factor::uniform("a", -1.3, 0.7),
            Factor::uniform("b", 0.1, 0.4),
        ];
        let model = |x: &[f64]| vec![0.7 * x[0] - 2.9 * x[1] + 1.1];
        let res = analyze(&factors, 40, 6, model, 1).unwrap();
        let (a, b) = (res.row(0, 0).unwrap(), res.row(1, 0).unwrap());
        assert_relative_eq!(a.mu, 0.7 * 2.0, max_relative = 1e-12);
        assert_relative_eq!(b.mu, -2.9 * 0.3, max_relative = 1e-12);
        assert_relative_eq!(b.mu_star, 2.9 * 0.3, max_relative = 1e-12);
        assert!(a.sigma < 1e-12 && b.sigma < 1e-12);
    }

    #[test]
    fn interaction_gives_positive_sigma() {
        // y = x0 x1 + x2: EE of x0 is x1 (varies), of x2 is 1 (constant).
        let factors: Vec<Factor> = (0..3)
            .map(|i| Factor::uniform(format!("x{i}"), 0.0, 1.0))
            .collect();
        let res = analyze(&factors, 20, 4, |x: &[f64]| vec![x[0] * x[1] + x[2]], 3).unwrap();
        assert!(res.row(0, 0).unwrap().sigma > 0.1);
        assert!(res.row(1, 0).unwrap().sigma > 0.1);
        let x2 = res.row(2, 0).unwrap();
        assert_relative_eq!(x2.mu, 1.0, max_relative = 1e-12);
        assert!(x2.sigma < 1e-12);
    }

    #[test]
    fn multi_output_and_unbounded_factors() {
        // y_k = x0 + k x1 with x0, x1 ~ N(0, 1): the 4-level grid sits at probabilities
        // 0.005 + 0.99 {0, 1/3, 2/3, 1}; a step of Δ = 2/3 joins levels 0-2 or 1-3, which by
        // symmetry of Φ⁻¹ both span Φ⁻¹(0.665) - Φ⁻¹(0.005) in x. So every EE of x1 for output
        // k is k times that span over Δ.
        let factors = vec![
            Factor::normal("x0", 0.0, 1.0),
            Factor::normal("x1", 0.0, 1.0),
        ];
        let model = |x: &[f64]| (0..4).map(|k| x[0] + k as f64 * x[1]).collect();
        let res = analyze(&factors, 10, 4, model, 5).unwrap();
        let q = |p: f64| super::super::inverse_normal_cdf(0.005 + 0.99 * p);
        let span = (q(2.0 / 3.0) - q(0.0)) / (2.0 / 3.0);
        for k in 0..4 {
            assert_relative_eq!(res.row(0, k).unwrap().mu, span, max_relative = 1e-12);
            assert_relative_eq!(
                res.row(1, k).unwrap().mu_star,
                k as f64 * span,
                max_relative = 1e-12,
                epsilon = 1e-12
            );
        }
    }

    #[test]
    fn deterministic_for_a_seed() {
        let factors: Vec<Factor> = (0..3)
            .map(|i| Factor::uniform(format!("x{i}"), 0.0, 1.0))
            .collect();
        let model = |x: &[f64]| vec![x[0] * x[1] + x[2].sin()];
        let a = analyze(&factors, 10, 4, model, 11).unwrap();
        let b = analyze(&factors, 10, 4, model, 11).unwrap();
        let c = analyze(&factors, 10, 4, model, 12).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn option_errors() {
        let f = vec![Factor::uniform("x", 0.0, 1.0)];
        let m = |x: &[f64]| vec![x[0]];
        let e = |r, p| analyze(&f, r, p, m, 0).unwrap_err().to_string();
        assert_eq!(
            e(1, 4),
            "invalid option `trajectories`: must be at least 2 (got 1)"
        );
        assert_eq!(
            e(10, 3),
            "invalid option `levels`: must be even and at least 2 (got 3)"
        );
        assert_eq!(
            analyze(&[], 10, 4, m, 0).unwrap_err().to_string(),
            "no factors given: at least one factor is required"
        );
        let opts = MorrisOptions {
            confidence: 1.0,
            ..MorrisOptions::default()
        };
        assert_eq!(
            sample_morris(&f, &opts).unwrap_err().to_string(),
            "invalid option `confidence`: must be strictly between 0 and 1 (got 1)"
        );
    }
}
