//! Variance-based (Sobol') sensitivity indices with bootstrap confidence intervals.
//!
//! For an output `Y = f(X_1, ..., X_d)` with independent inputs, the first-order index
//! `S_i = V[E(Y | X_i)] / V(Y)` is the share of the output variance due to `X_i` alone, and the
//! total-effect index `S_Ti = E[V(Y | X_~i)] / V(Y)` the share due to `X_i` including all its
//! interactions (I. M. Sobol' 1993, "Sensitivity estimates for nonlinear mathematical models",
//! Math. Model. Comput. Exp. 1, 407-414; T. Homma and A. Saltelli 1996). `S_i <= S_Ti`,
//! `Σ S_i <= 1` with equality for additive models, and `S_Ti = 0` iff `X_i` has no influence.
//!
//! # Sampling (Saltelli 2002, 2010)
//!
//! `N` base points are taken from a `2d`-dimensional Sobol' sequence
//! ([`crate::sensitivity::sobol_seq`], skipping points as per [`SobolOptions::skip`]); the
//! first `d` coordinates form matrix `A`, the last `d` matrix `B`, both mapped to parameter
//! space through the factors' inverse CDFs. `A_B^(i)` is `A` with column `i` taken from `B`.
//! The design ([`SaltelliDesign`]) has `N(d + 2)` rows: `A` (rows `0..N`), `B` (rows `N..2N`),
//! then `A_B^(i)` (rows `(2+i)N..(3+i)N`) for `i = 0..d`.
//! (A. Saltelli 2002, "Making best use of model evaluations to compute sensitivity indices",
//! Comput. Phys. Commun. 145, 280-297; A. Saltelli, P. Annoni, I. Azzini, F. Campolongo,
//! M. Ratto, S. Tarantola 2010, "Variance based sensitivity analysis of model output. Design and
//! estimator for the total sensitivity index", Comput. Phys. Commun. 181, 259-270.)
//!
//! # Estimators
//!
//! For each output index `k` separately, with `f_A = f(A)`, `f_B = f(B)`,
//! `f_ABi = f(A_B^(i))`, all means over the `N` base rows:
//! * `V = var(f_A ∪ f_B)` (the `2N` values, divisor `2N`), `f0 = mean(f_A ∪ f_B)`;
//! * first order, Saltelli et al. (2010):
//!   `S_i = mean( (f_B - f0) (f_ABi - f_A) ) / V`;
//! * total effect, M. J. W. Jansen (1999), "Analysis of variance designs for model output",
//!   Comput. Phys. Commun. 117, 35-43 (recommended by Saltelli et al. 2010):
//!   `S_Ti = mean( (f_A - f_ABi)^2 ) / 2 / V`.
//!
//! Centring `f_B` by `f0` (as SALib does by standardising `Y`) changes the first-order estimate
//! only by `f0 · mean(f_ABi - f_A)`, a term of zero mean, but makes it invariant to adding a
//! constant to the output; without it the estimator's variance grows with the output's mean
//! level, which matters for outputs like employment counts in the millions. (The Jansen
//! estimator and `V` are shift-invariant anyway.)
//!
//! # Confidence intervals and flags
//!
//! Bootstrap percentile intervals (Efron & Tibshirani 1993; Archer, Saltelli & Sobol' 1997 for
//! Sobol' indices): `B` resamples ([`SobolOptions::bootstrap`], default 1000) of the `N` base
//! rows with replacement, the same resample for every factor and output so that the joint
//! structure is kept, each index recomputed, and the `(1 ∓ c)/2` quantiles taken at confidence
//! `c` ([`SobolOptions::confidence`], default 0.95). Resamples use `Xoshiro256PlusPlus` seeded
//! from [`SobolOptions::seed`]. The bootstrap treats the quasi-random rows as if they were
//! i.i.d., so for smooth models it overstates the (smaller) quasi-Monte Carlo error: the
//! intervals are conservative. (On the Ishigami function at `N = 1024` the bootstrap standard
//! errors are 2 to 30 times the spread measured over randomly digitally shifted replicates; see
//! `tests/it/sensitivity_lib.rs`.)
//!
//! Estimates are never clamped. Sampling error can make an estimate negative (or above 1);
//! every [`SobolIndex`] carries the flags `negative` (estimate `< 0`) and `ci_covers_zero`
//! (the interval contains 0, i.e. the index is not distinguishable from zero at level `c`), and
//! [`SobolResult::flagged`] lists the rows raising either flag.
//!
//! # Zero-variance outputs
//!
//! If every value of `f_A ∪ f_B` for output `k` is identical, `V = 0` and the indices are
//! undefined: the output's [`SobolOutputSummary::zero_variance`] is `true` and the rows'
//! `first_order` / `total` are `None` (never NaN, never a panic). Bootstrap resamples with zero
//! variance are dropped from the interval (see [`ConfidenceInterval::replicates`]).

use rand::{Rng, RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

use super::factor::{Factor, map_point, validate_factors};
use super::sobol_seq::{SobolSequence, SobolSkip};
use super::stats::{
    ConfidenceInterval, check_bootstrap, check_confidence, check_outputs, percentile_ci, stream,
};
use super::{Progress, Result, SensitivityError, evaluate_with_progress};

/// Options of a Sobol' analysis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SobolOptions {
    /// Number of bootstrap resamples (0 = no intervals, else at least 2). Default 1000.
    pub bootstrap: usize,
    /// Confidence level of the intervals, in (0, 1). Default 0.95.
    pub confidence: f64,
    /// Seed of the bootstrap resampling. Default 0.
    pub seed: u64,
    /// Where the design starts in the Sobol' sequence. Default [`SobolSkip::Auto`]. Ignored
    /// by a scrambled design, which starts at point 0.
    pub skip: SobolSkip,
    /// `Some(seed)`: a scrambled design (nested uniform scramble,
    /// [`SobolSequence::scrambled`]) drawn from `seed`; `None` (the default): the unscrambled
    /// sequence, identical to SALib's `saltelli`/`sobol` sampler without scrambling.
    pub scramble: Option<u64>,
}

impl Default for SobolOptions {
    fn default() -> Self {
        SobolOptions {
            bootstrap: 1000,
            confidence: 0.95,
            seed: 0,
            skip: SobolSkip::Auto,
            scramble: None,
        }
    }
}

impl SobolOptions {
    fn check(&self) -> Result<()> {
        check_bootstrap(self.bootstrap)?;
        check_confidence(self.confidence)
    }
}

/// A Saltelli design: `N(d + 2)` parameter vectors, laid out as `A`, `B`, `A_B^(0)`, ...,
/// `A_B^(d-1)`, `N` rows each (see the [module docs](self)).
#[derive(Debug, Clone, Serialize)]
pub struct SaltelliDesign {
    /// Factor names, in order.
    pub factors: Vec<String>,
    /// Number of base samples `N`.
    pub n_base: usize,
    /// Index of the first Sobol' point used.
    pub skip: u64,
    /// The seed of the scramble, or `None` for the unscrambled sequence.
    pub scramble: Option<u64>,
    /// The design rows (parameter vectors) to evaluate.
    pub points: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    /// Number of factors `d`.
    pub fn n_factors(&self) -> usize {
        self.factors.len()
    }

    /// Number of rows, `N(d + 2)`.
    pub fn n_evaluations(&self) -> usize {
        self.points.len()
    }
}

/// One estimated index with its interval and flags.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SobolIndex {
    /// Point estimate (not clamped to `[0, 1]`).
    pub estimate: f64,
    /// Bootstrap percentile interval (`None` if `bootstrap = 0` or fewer than two resamples had
    /// non-zero variance).
    pub ci: Option<ConfidenceInterval>,
    /// `estimate < 0` (sampling error; the true index is `>= 0`).
    pub negative: bool,
    /// The interval contains 0 (`false` when there is no interval).
    pub ci_covers_zero: bool,
}

impl SobolIndex {
    fn new(estimate: f64, ci: Option<ConfidenceInterval>) -> Self {
        SobolIndex {
            estimate,
            ci,
            negative: estimate < 0.0,
            ci_covers_zero: ci.is_some_and(|c| c.covers_zero()),
        }
    }
}

/// Sobol' indices of one factor for one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolRow {
    /// Factor name.
    pub factor: String,
    /// Factor position (0-based).
    pub factor_index: usize,
    /// Output index `k` (0-based).
    pub output_index: usize,
    /// First-order index `S_i`; `None` if the output has zero variance.
    pub first_order: Option<SobolIndex>,
    /// Total-effect index `S_Ti`; `None` if the output has zero variance.
    pub total: Option<SobolIndex>,
}

/// Per-output summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolOutputSummary {
    /// Output index `k` (0-based).
    pub output_index: usize,
    /// Mean of `f_A ∪ f_B`.
    pub mean: f64,
    /// Variance `V` of `f_A ∪ f_B` (divisor `2N`).
    pub variance: f64,
    /// All values of `f_A ∪ f_B` are identical: indices are undefined (`None`).
    pub zero_variance: bool,
    /// `Σ_i S_i` (close to 1 for an additive model); `None` if zero variance.
    pub sum_first_order: Option<f64>,
    /// `Σ_i S_Ti` (`>= 1` up to sampling error); `None` if zero variance.
    pub sum_total: Option<f64>,
}

/// The result of a Sobol' analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolResult {
    /// Factor names, in order.
    pub factors: Vec<String>,
    /// Number of base samples `N`.
    pub n_base: usize,
    /// Number of outputs `K`.
    pub n_outputs: usize,
    /// Number of model evaluations, `N(d + 2)`.
    pub n_evaluations: usize,
    /// Index of the first Sobol' point used.
    pub skip: u64,
    /// The options used.
    pub options: SobolOptions,
    /// One summary per output index.
    pub outputs: Vec<SobolOutputSummary>,
    /// One row per `(factor, output index)`, output-major: row `k * d + i`.
    pub rows: Vec<SobolRow>,
}

super::output_major_accessors!(SobolResult, SobolRow);

impl SobolResult {
    /// Rows where an index is negative or its interval covers zero (to be reported, e.g. as
    /// "not distinguishable from zero").
    pub fn flagged(&self) -> Vec<&SobolRow> {
        self.rows
            .iter()
            .filter(|r| {
                [r.first_order, r.total]
                    .iter()
                    .flatten()
                    .any(|ix| ix.negative || ix.ci_covers_zero)
            })
            .collect()
    }
}

/// Build a Saltelli design of `n_base` base samples (`n_base (d + 2)` rows).
///
/// Powers of two for `n_base` give the best-balanced Sobol' points.
///
/// # Errors
/// Invalid factors; `n_base < 2`; more than 512 factors (the `2d`-dimensional sequence is
/// limited to 1024 dimensions); the skip running past the end of the sequence;
/// [`SensitivityError::NonFiniteValue`] if a point maps to an infinite value (e.g.
/// [`SobolSkip::None`] keeps the origin, which is `-inf` for a normal factor).
pub fn sample_saltelli(
    factors: &[Factor],
    n_base: usize,
    skip: SobolSkip,
) -> Result<SaltelliDesign> {
    sample(factors, n_base, skip, None)
}

/// A Saltelli design on the scrambled Sobol' sequence of `seed` ([`SobolSequence::scrambled`]):
/// independent seeds give independent replicates of the design, whose spread measures the
/// estimates' error. It starts at point 0 (no point of a scrambled sequence needs skipping).
///
/// # Errors
/// As [`sample_saltelli`].
pub fn sample_saltelli_scrambled(
    factors: &[Factor],
    n_base: usize,
    seed: u64,
) -> Result<SaltelliDesign> {
    sample(factors, n_base, SobolSkip::None, Some(seed))
}

fn sample(
    factors: &[Factor],
    n_base: usize,
    skip: SobolSkip,
    scramble: Option<u64>,
) -> Result<SaltelliDesign> {
    validate_factors(factors)?;
    if n_base < 2 {
        return Err(SensitivityError::InvalidBaseSamples(n_base));
    }
    let d = factors.len();
    let rows = n_base
        .checked_mul(d + 2)
        .ok_or_else(|| SensitivityError::InvalidOption {
            option: "n_base",
            reason: format!("n_base * (d + 2) overflows (n_base = {n_base}, d = {d})"),
        })?;
    let (skip, unit) = match scramble {
        Some(seed) => (
            0,
            SobolSequence::scrambled(2 * d, seed)?.take_points(n_base)?,
        ),
        None => {
            let skip = skip.resolve(n_base);
            (
                skip,
                SobolSequence::with_skip(2 * d, skip)?.take_points(n_base)?,
            )
        }
    };

    let mut a = Vec::with_capacity(n_base);
    let mut b = Vec::with_capacity(n_base);
    for u in &unit {
        a.push(map_point(factors, &u[..d])?);
        b.push(map_point(factors, &u[d..])?);
    }
    let mut points = Vec::with_capacity(rows);
    points.extend(a.iter().cloned());
    points.extend(b.iter().cloned());
    for i in 0..d {
        for (ra, rb) in a.iter().zip(&b) {
            let mut p = ra.clone();
            p[i] = rb[i];
            points.push(p);
        }
    }
    Ok(SaltelliDesign {
        factors: factors.iter().map(|f| f.name.clone()).collect(),
        n_base,
        skip,
        scramble,
        points,
    })
}

/// The model outputs of one output index, split by design block.
struct Columns {
    ya: Vec<f64>,
    yb: Vec<f64>,
    yab: Vec<Vec<f64>>,
}

/// Point estimates from one set of base rows.
struct Estimate {
    /// First-order indices `S_i`.
    s: Vec<f64>,
    /// Total-effect indices `S_Ti`.
    st: Vec<f64>,
    /// Mean `f0` of `f_A ∪ f_B`.
    mean: f64,
    /// Variance `V` of `f_A ∪ f_B`.
    variance: f64,
}

/// Indices from the base rows `at(0), ..., at(n-1)`, or `None` if all `f_A ∪ f_B` values are
/// identical (zero variance).
fn indices(c: &Columns, n: usize, at: impl Fn(usize) -> usize) -> Option<Estimate> {
    // The base rows once (a bootstrap replicate's rows are a resample): f_A and f_B in
    // row order, then one look-up per row for each f_AB column.
    let rows: Vec<usize> = (0..n).map(&at).collect();
    let ya: Vec<f64> = rows.iter().map(|&r| c.ya[r]).collect();
    let yb: Vec<f64> = rows.iter().map(|&r| c.yb[r]).collect();
    let first = ya[0];
    let mut constant = true;
    let mut sum = 0.0;
    for (&a, &b) in ya.iter().zip(&yb) {
        constant &= a == first && b == first;
        sum += a + b;
    }
    if constant {
        return None;
    }
    let f0 = sum / (2 * n) as f64;
    let v = ya
        .iter()
        .zip(&yb)
        .map(|(&a, &b)| {
            let (a, b) = (a - f0, b - f0);
            a * a + b * b
        })
        .sum::<f64>()
        / (2 * n) as f64;
    if !(v > 0.0 && v.is_finite()) {
        return None;
    }
    let mut s = Vec::with_capacity(c.yab.len());
    let mut st = Vec::with_capacity(c.yab.len());
    for yab in &c.yab {
        let (mut num_s, mut num_t) = (0.0, 0.0);
        for ((&a, &b), &r) in ya.iter().zip(&yb).zip(&rows) {
            let ab = yab[r];
            num_s += (b - f0) * (ab - a);
            num_t += (a - ab) * (a - ab);
        }
        s.push(num_s / n as f64 / v);
        st.push(num_t / (2 * n) as f64 / v);
    }
    Some(Estimate {
        s,
        st,
        mean: f0,
        variance: v,
    })
}

/// Estimate first-order and total indices (with bootstrap intervals) from the design outputs
/// (`outputs[r] = model(design.points[r])`).
///
/// # Errors
/// Invalid options; an inconsistent design; outputs of the wrong count, ragged, empty or
/// non-finite.
pub fn estimate_sobol(
    design: &SaltelliDesign,
    outputs: &[Vec<f64>],
    options: &SobolOptions,
) -> Result<SobolResult> {
    options.check()?;
    let d = design.n_factors();
    let n = design.n_base;
    if d == 0 || n < 2 || Some(design.points.len()) != n.checked_mul(d + 2) {
        return Err(SensitivityError::InvalidDesign(format!(
            "a Saltelli design with N = {n} base samples and {d} factors needs N(d + 2) rows \
             and N >= 2, d >= 1 (it has {} rows)",
            design.points.len()
        )));
    }
    let k_out = check_outputs(outputs, design.points.len())?;
    let columns: Vec<Columns> = (0..k_out)
        .map(|k| output_columns(outputs, n, d, k))
        .collect();
    let point: Vec<Option<Estimate>> = columns.iter().map(|c| indices(c, n, |j| j)).collect();
    let reps = bootstrap_replicates(&columns, &point, n, d, options);
    let ci = |k: usize, pos: usize| -> Option<ConfidenceInterval> {
        if reps.is_empty() {
            return None;
        }
        let v: Vec<f64> = reps.iter().map(|r| r[k * 2 * d + pos]).collect();
        percentile_ci(&v, options.confidence)
    };
    let mut rows = Vec::with_capacity(k_out * d);
    let mut summaries = Vec::with_capacity(k_out);
    for (k, (c, p)) in columns.iter().zip(&point).enumerate() {
        let (summary, output_rows) = output_result(design, k, c, p.as_ref(), &ci);
        summaries.push(summary);
        rows.extend(output_rows);
    }
    Ok(SobolResult {
        factors: design.factors.clone(),
        n_base: n,
        n_outputs: k_out,
        n_evaluations: design.points.len(),
        skip: design.skip,
        options: *options,
        outputs: summaries,
        rows,
    })
}

/// Output `k`'s columns of a Saltelli design's results: f(A), f(B) and each f(A_B^(i)).
fn output_columns(outputs: &[Vec<f64>], n: usize, d: usize, k: usize) -> Columns {
    Columns {
        ya: (0..n).map(|j| outputs[j][k]).collect(),
        yb: (0..n).map(|j| outputs[n + j][k]).collect(),
        yab: (0..d)
            .map(|i| (0..n).map(|j| outputs[(2 + i) * n + j][k]).collect())
            .collect(),
    }
}

/// Bootstrap replicates: `reps[b]` = `[k][S_0..S_{d-1}, ST_0..ST_{d-1}]` flattened (NaN when
/// the resample has zero variance). One seed per replicate drawn sequentially from the
/// master stream, so the result does not depend on the rayon thread count.
fn bootstrap_replicates(
    columns: &[Columns],
    point: &[Option<Estimate>],
    n: usize,
    d: usize,
    options: &SobolOptions,
) -> Vec<Vec<f64>> {
    let mut master = stream(options.seed, 0);
    let seeds: Vec<u64> = (0..options.bootstrap).map(|_| master.next_u64()).collect();
    seeds
        .par_iter()
        .map(|&s| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(s);
            let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            let mut out = Vec::with_capacity(columns.len() * 2 * d);
            for (c, p) in columns.iter().zip(point) {
                match p.as_ref().and_then(|_| indices(c, n, |j| idx[j])) {
                    Some(e) => {
                        out.extend(e.s);
                        out.extend(e.st);
                    }
                    None => out.extend(std::iter::repeat_n(f64::NAN, 2 * d)),
                }
            }
            out
        })
        .collect()
}

/// Output `k`'s summary and one row per factor, with the intervals `ci(k, position)`.
fn output_result(
    design: &SaltelliDesign,
    k: usize,
    c: &Columns,
    p: Option<&Estimate>,
    ci: &dyn Fn(usize, usize) -> Option<ConfidenceInterval>,
) -> (SobolOutputSummary, Vec<SobolRow>) {
    let d = design.n_factors();
    let row = |i: usize, first_order, total| SobolRow {
        factor: design.factors[i].clone(),
        factor_index: i,
        output_index: k,
        first_order,
        total,
    };
    match p {
        Some(Estimate {
            s,
            st,
            mean,
            variance,
        }) => (
            SobolOutputSummary {
                output_index: k,
                mean: *mean,
                variance: *variance,
                zero_variance: false,
                sum_first_order: Some(s.iter().sum()),
                sum_total: Some(st.iter().sum()),
            },
            (0..d)
                .map(|i| {
                    row(
                        i,
                        Some(SobolIndex::new(s[i], ci(k, i))),
                        Some(SobolIndex::new(st[i], ci(k, d + i))),
                    )
                })
                .collect(),
        ),
        None => (
            SobolOutputSummary {
                output_index: k,
                mean: c.ya[0],
                variance: 0.0,
                zero_variance: true,
                sum_first_order: None,
                sum_total: None,
            },
            (0..d).map(|i| row(i, None, None)).collect(),
        ),
    }
}

/// One-call Sobol' analysis: [`sample_saltelli`], [`evaluate`](super::evaluate) (parallel),
/// [`estimate_sobol`]. Costs `n_base (d + 2)` model runs.
///
/// # Errors
/// See [`sample_saltelli`] and [`estimate_sobol`].
pub fn analyze<F>(
    factors: &[Factor],
    n_base: usize,
    model: F,
    options: &SobolOptions,
) -> Result<SobolResult>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    analyze_with_progress(factors, n_base, model, options, None)
}

/// [`analyze`] with an optional progress callback (see [`Progress`]).
///
/// # Errors
/// See [`sample_saltelli`] and [`estimate_sobol`].
pub fn analyze_with_progress<F>(
    factors: &[Factor],
    n_base: usize,
    model: F,
    options: &SobolOptions,
    progress: Option<Progress<'_>>,
) -> Result<SobolResult>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    analyze_keeping(factors, n_base, model, options, progress).map(|run| run.result)
}

/// A Sobol' analysis with the design and the model outputs it was estimated from (for export,
/// e.g. to cross-check in SALib).
#[derive(Debug, Clone)]
pub struct SobolRun {
    /// The indices.
    pub result: SobolResult,
    /// The design the model was evaluated on.
    pub design: SaltelliDesign,
    /// The model's outputs at each design row, in the design's order.
    pub outputs: Vec<Vec<f64>>,
}

impl SobolRun {
    /// The design rows in SALib's order for `calc_second_order=False`: for each base
    /// sample `j`, `A_j`, then `A_B^(i)_j` for every factor `i`, then `B_j` (SALib's
    /// `sobol.analyze` reads `Y` in that order). Indices into `design.points`.
    pub fn salib_order(&self) -> Vec<usize> {
        let (n, d) = (self.design.n_base, self.design.n_factors());
        (0..n)
            .flat_map(|j| {
                std::iter::once(j)
                    .chain((0..d).map(move |i| (2 + i) * n + j))
                    .chain(std::iter::once(n + j))
            })
            .collect()
    }
}

/// [`analyze_with_progress`], keeping the design and the outputs ([`SobolRun`]).
///
/// # Errors
/// See [`sample_saltelli`] and [`estimate_sobol`].
pub fn analyze_keeping<F>(
    factors: &[Factor],
    n_base: usize,
    model: F,
    options: &SobolOptions,
    progress: Option<Progress<'_>>,
) -> Result<SobolRun>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    options.check()?;
    let design = match options.scramble {
        Some(seed) => sample_saltelli_scrambled(factors, n_base, seed)?,
        None => sample_saltelli(factors, n_base, options.skip)?,
    };
    let outputs = evaluate_with_progress(&design.points, model, progress);
    let result = estimate_sobol(&design, &outputs, options)?;
    Ok(SobolRun {
        result,
        design,
        outputs,
    })
}

/// Doubles the base samples of `run` (N → 2N) on the same sequence: the first N points of
/// the 2N-point sequence are the run's, so every row of the run's design is a row of the
/// new one and only the new rows are evaluated, `N(d + 2)` model runs (an unscrambled run
/// keeps its skip, so the prefix is shared). The result is the analysis at 2N: the same
/// indices, bit for bit, as [`analyze_keeping`] at 2N on the same sequence. Returns the new
/// run and the number of model runs made.
///
/// # Errors
/// See [`sample_saltelli`] and [`estimate_sobol`].
pub fn double<F>(
    factors: &[Factor],
    run: &SobolRun,
    model: F,
    options: &SobolOptions,
    progress: Option<Progress<'_>>,
) -> Result<(SobolRun, usize)>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    options.check()?;
    let n = run.design.n_base;
    let n2 = n
        .checked_mul(2)
        .ok_or_else(|| SensitivityError::InvalidOption {
            option: "n_base",
            reason: format!("2 N overflows (N = {n})"),
        })?;
    let design = match run.design.scramble {
        Some(seed) => sample_saltelli_scrambled(factors, n2, seed)?,
        None => sample_saltelli(factors, n2, SobolSkip::Points(run.design.skip))?,
    };
    // Row r of the new design is row j of its block; the first N rows of each block are
    // the run's rows of that block when the points agree.
    let old_row = |r: usize| {
        let (block, j) = (r / n2, r % n2);
        let o = block * n + j;
        (j < n && run.design.points[o] == design.points[r]).then_some(o)
    };
    let fresh: Vec<usize> = (0..design.points.len())
        .filter(|&r| old_row(r).is_none())
        .collect();
    let points: Vec<Vec<f64>> = fresh.iter().map(|&r| design.points[r].clone()).collect();
    let mut new_outputs = evaluate_with_progress(&points, model, progress).into_iter();
    let outputs: Vec<Vec<f64>> = (0..design.points.len())
        .map(|r| match old_row(r) {
            Some(o) => run.outputs[o].clone(),
            None => new_outputs.next().expect("one output per fresh row"),
        })
        .collect();
    let result = estimate_sobol(&design, &outputs, options)?;
    Ok((
        SobolRun {
            result,
            design,
            outputs,
        },
        fresh.len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn unit_factors(d: usize) -> Vec<Factor> {
        (0..d)
            .map(|i| Factor::uniform(format!("x{i}"), 0.0, 1.0))
            .collect()
    }

    #[test]
    fn salib_order_interleaves_a_the_mixed_rows_and_b_per_base_sample() {
        let f = unit_factors(2);
        let run = analyze_keeping(&f, 4, |x| vec![x[0]], &SobolOptions::default(), None).unwrap();
        // N = 4, d = 2: A rows 0-3, B rows 4-7, A_B^(0) rows 8-11, A_B^(1) rows 12-15.
        assert_eq!(run.salib_order()[..8], [0, 8, 12, 4, 1, 9, 13, 5]);
        let mut all = run.salib_order();
        all.sort_unstable();
        assert_eq!(all, (0..16).collect::<Vec<_>>());
    }

    #[test]
    fn design_layout() {
        let factors = unit_factors(3);
        let design = sample_saltelli(&factors, 8, SobolSkip::Auto).unwrap();
        assert_eq!(design.n_evaluations(), 8 * 5);
        assert_eq!(design.skip, 8);
        let seq = SobolSequence::new(6).unwrap();
        for j in 0..8 {
            let u = seq.point(8 + j as u64).unwrap();
            assert_eq!(design.points[j], u[..3]);
            assert_eq!(design.points[8 + j], u[3..]);
            for i in 0..3 {
                let ab = &design.points[(2 + i) * 8 + j];
                for c in 0..3 {
                    assert_eq!(ab[c], if c == i { u[3 + c] } else { u[c] });
                }
            }
        }
    }

    #[test]
    fn additive_model_indices_are_exactish() {
        // y = x0 + 2 x1 + 3 x2, x ~ U(0,1): S_i = ST_i = b_i² / Σ b_j² = (1, 4, 9) / 14.
        let factors = unit_factors(3);
        let model = |x: &[f64]| vec![x[0] + 2.0 * x[1] + 3.0 * x[2]];
        let res = analyze(&factors, 512, model, &SobolOptions::default()).unwrap();
        for (i, b2) in [1.0, 4.0, 9.0].iter().enumerate() {
            let row = res.row(i, 0).unwrap();
            let (s, st) = (row.first_order.unwrap(), row.total.unwrap());
            let exact = b2 / 14.0;
            // Tolerance: 4 bootstrap standard errors (see tests/it/sensitivity_lib.rs).
            assert!((s.estimate - exact).abs() <= 4.0 * s.ci.unwrap().std_error);
            assert!((st.estimate - exact).abs() <= 4.0 * st.ci.unwrap().std_error);
            assert!(s.ci.unwrap().contains(exact) && st.ci.unwrap().contains(exact));
        }
    }

    #[test]
    fn indices_are_invariant_to_an_output_offset() {
        // Employment-like outputs have a large mean; thanks to centring, adding 1e6 to the
        // output changes the indices only by rounding (relative 1e-16 of 1e6 in the products,
        // i.e. ~1e-10 of V here), not by sampling noise.
        let factors = unit_factors(3);
        let model = |x: &[f64]| {
            let y = x[0] + 2.0 * x[1] * x[2];
            vec![y, y + 1e6]
        };
        let res = analyze(&factors, 256, model, &SobolOptions::default()).unwrap();
        for i in 0..3 {
            let (a, b) = (res.row(i, 0).unwrap(), res.row(i, 1).unwrap());
            let (sa, sb) = (a.first_order.unwrap(), b.first_order.unwrap());
            assert_relative_eq!(sa.estimate, sb.estimate, epsilon = 1e-8);
            assert_relative_eq!(
                a.total.unwrap().estimate,
                b.total.unwrap().estimate,
                epsilon = 1e-8
            );
            let (ca, cb) = (sa.ci.unwrap(), sb.ci.unwrap());
            assert_relative_eq!(ca.low, cb.low, epsilon = 1e-8);
            assert_relative_eq!(ca.high, cb.high, epsilon = 1e-8);
        }
        assert!(res.rows_for_output(usize::MAX).is_empty());
        assert!(res.row(0, usize::MAX).is_none());
    }

    #[test]
    fn zero_variance_output_gives_none_not_nan() {
        let factors = unit_factors(2);
        let model = |x: &[f64]| vec![0.1 + 0.2, x[0]];
        let res = analyze(&factors, 64, model, &SobolOptions::default()).unwrap();
        assert!(res.outputs[0].zero_variance);
        assert_eq!(res.outputs[0].variance, 0.0);
        assert_eq!(res.outputs[0].sum_first_order, None);
        assert!(
            res.rows_for_output(0)
                .iter()
                .all(|r| r.first_order.is_none())
        );
        assert!(!res.outputs[1].zero_variance);
        let s0 = res.row(0, 1).unwrap().first_order.unwrap();
        assert_relative_eq!(s0.estimate, 1.0, epsilon = 1e-2);
        // x1 has no effect on output 1: S_T = 0 exactly (f_A = f_AB1), flagged by its interval.
        let st1 = res.row(1, 1).unwrap().total.unwrap();
        assert_eq!(st1.estimate, 0.0);
        assert!(st1.ci_covers_zero);
        assert!(res.flagged().iter().any(|r| r.factor_index == 1));
        // Serialisable without NaN.
        let json = serde_json::to_string(&res).unwrap();
        assert!(!json.contains("NaN"));
    }

    #[test]
    fn negative_estimates_are_reported_not_clamped() {
        // y = (x0 - 1/2)(x1 - 1/2): a pure interaction, so S_0 = S_1 = 0 exactly and the
        // first-order estimates are noise around 0; some come out negative and must be
        // reported as such (not clamped), flagged, and listed by `flagged()`.
        let factors = unit_factors(2);
        let model = |x: &[f64]| vec![(x[0] - 0.5) * (x[1] - 0.5)];
        let mut negatives = 0;
        for block in 1..9u64 {
            let opts = SobolOptions {
                skip: SobolSkip::Points(32 * block),
                bootstrap: 200,
                ..SobolOptions::default()
            };
            let res = analyze(&factors, 32, model, &opts).unwrap();
            for r in &res.rows {
                let s = r.first_order.unwrap();
                assert_eq!(s.negative, s.estimate < 0.0);
                if s.negative {
                    negatives += 1;
                    assert!(res.flagged().contains(&r));
                }
                // The true S_i = 0 is inside the interval.
                assert!(s.ci_covers_zero, "{s:?}");
                assert!(r.total.unwrap().estimate > 0.0);
            }
        }
        assert!(negatives > 0);
    }

    #[test]
    fn errors() {
        let f = unit_factors(2);
        let m = |x: &[f64]| vec![x[0]];
        let o = SobolOptions::default();
        assert_eq!(
            analyze(&f, 0, m, &o).unwrap_err().to_string(),
            "n_base must be at least 2 (got 0)"
        );
        assert_eq!(
            analyze(&[], 64, m, &o).unwrap_err().to_string(),
            "no factors given: at least one factor is required"
        );
        let bad = SobolOptions { bootstrap: 1, ..o };
        assert_eq!(
            analyze(&f, 64, m, &bad).unwrap_err().to_string(),
            "invalid option `bootstrap`: must be 0 (no confidence intervals) or at least 2 (got 1)"
        );
        let many = unit_factors(513);
        assert_eq!(
            sample_saltelli(&many, 4, SobolSkip::Auto)
                .unwrap_err()
                .to_string(),
            "the Sobol' sequence supports at most 1024 dimensions, but 1026 were requested"
        );
        let normal = vec![Factor::normal("g", 0.0, 1.0)];
        assert_eq!(
            sample_saltelli(&normal, 4, SobolSkip::None)
                .unwrap_err()
                .to_string(),
            "factor `g` maps u = 0 to the non-finite value -inf"
        );
        let design = sample_saltelli(&f, 4, SobolSkip::Auto).unwrap();
        let mut outs = evaluate_with_progress(&design.points, m, None);
        outs[5] = vec![f64::INFINITY];
        assert_eq!(
            estimate_sobol(&design, &outs, &o).unwrap_err().to_string(),
            "output 0 of design row 5 is not finite (inf)"
        );
    }
}
