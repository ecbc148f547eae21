//! Sensitivity analysis of any model `f: R^d -> R^K`: which uncertain inputs drive the outputs?
//!
//! This module is a self-contained library; it does not depend on the employment model. A
//! *model* is any `Fn(&[f64]) -> Vec<f64> + Sync` that takes one value per [`Factor`] (in factor
//! order) and returns `K >= 1` outputs. In empsim `K` is one output per projection year (e.g.
//! 2021..2025); every index below is computed separately for **every output index `k`**, not
//! only the last.
//!
//! # Methods
//!
//! | method | module | cost (model runs) | answers |
//! |---|---|---|---|
//! | one-at-a-time swings | [`oat`] | `1 + 2d` | how far does each factor alone move the output between its low and high value (tornado chart)? |
//! | Morris elementary effects (Morris 1991; `μ*` of Campolongo, Cariboni & Saltelli 2007) | [`morris`] | `r (d + 1)` | cheap global screening: which factors matter (`μ*`), and which act non-linearly or through interactions (`σ`)? |
//! | Sobol' variance-based indices (Saltelli 2002/2010 sampling, Saltelli 2010 first-order and Jansen 1999 total-effect estimators, bootstrap CIs) | [`sobol`] | `N (d + 2)` | what share of the output variance is due to each factor alone (`S_i`) and including all its interactions (`S_Ti`)? |
//!
//! Supporting modules: [`factor`] (distributions as inverse CDFs, including an AS 241 inverse
//! normal), [`sobol_seq`] (Joe-Kuo Sobol' low-discrepancy sequence), [`stats`] (bootstrap
//! intervals), [`error`] (the [`SensitivityError`] type).
//!
//! # Workflow
//!
//! Each method offers a one-call `analyze` and a three-step split so a caller can run its own
//! evaluation loop (for example with progress reporting or caching):
//!
//! 1. `sample_*` builds a design: a list of parameter vectors (rows), plus the bookkeeping the
//!    estimator needs ([`OatDesign`], [`MorrisDesign`], [`SaltelliDesign`]);
//! 2. the caller evaluates the model on every row, e.g. with [`evaluate`] /
//!    [`evaluate_with_progress`] (parallel with rayon, results stored by row index, so the
//!    outputs do not depend on the number of threads);
//! 3. `estimate_*` turns the design and the outputs into a result struct ([`OatResult`],
//!    [`MorrisResult`], [`SobolResult`]) with one row per `(factor, output index)`.
//!
//! Results are plain data (`Debug`, `Clone`, `serde::Serialize`) and fully deterministic for a
//! given seed: the Sobol' sequence is unscrambled, random choices (Morris trajectories, bootstrap
//! resamples) use `Xoshiro256PlusPlus` seeded from the options.
//!
//! Bad input (no factors, inverted bounds, `n_base = 0`, a model returning ragged or non-finite
//! outputs, ...) gives a [`SensitivityError`] with a message naming the culprit; nothing panics.
//!
//! # Example
//!
//! ```
//! use empsim::sensitivity::{self as sa, Factor, SobolOptions};
//!
//! // Two outputs: y0 = x1 + x2, y1 = x1 + 3 x2.
//! let factors = vec![Factor::uniform("x1", 0.0, 1.0), Factor::uniform("x2", 0.0, 1.0)];
//! let model = |x: &[f64]| vec![x[0] + x[1], x[0] + 3.0 * x[1]];
//!
//! let oat = sa::oat::analyze(&factors, model).unwrap();
//! assert_eq!(oat.ranked_by_swing(1)[0].factor, "x2");
//!
//! let opts = SobolOptions { bootstrap: 200, ..SobolOptions::default() };
//! let res = sa::sobol::analyze(&factors, 256, model, &opts).unwrap();
//! let s2 = res.row(1, 1).unwrap().first_order.as_ref().unwrap().estimate;
//! assert!((s2 - 0.9).abs() < 0.02); // 9 / (1 + 9)
//!
//! // The same in three steps, with a progress callback.
//! let design = sa::sobol::sample_saltelli(&factors, 256, opts.skip).unwrap();
//! let outputs = sa::evaluate_with_progress(&design.points, model, Some(&|_done: usize| {}));
//! let res2 = sa::sobol::estimate_sobol(&design, &outputs, &opts).unwrap();
//! assert_eq!(format!("{res:?}"), format!("{res2:?}"));
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod factor;
mod joe_kuo;
pub mod morris;
pub mod oat;
pub mod prim;
pub mod sobol;
pub mod sobol_seq;
pub mod stats;

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

pub use error::SensitivityError;
pub use factor::{Factor, FactorDist, inverse_normal_cdf, validate_factors};
pub use morris::{MorrisDesign, MorrisOptions, MorrisResult, MorrisRow, MorrisStep};
pub use oat::{OatDesign, OatResult, OatRow};
pub use sobol::{
    SaltelliDesign, SobolIndex, SobolOptions, SobolOutputSummary, SobolResult, SobolRow,
};
pub use sobol_seq::{SobolSequence, SobolSkip};
pub use stats::ConfidenceInterval;

/// The accessors of a result whose rows are laid out output-major (row `k * d + i` is
/// factor `i` of output `k`): `row(factor_index, output_index)` and
/// `rows_for_output(output_index)`. The result type has `factors`, `n_outputs` and `rows`.
macro_rules! output_major_accessors {
    ($result:ty, $row:ty) => {
        impl $result {
            /// The row of factor `factor_index` and output `output_index`.
            pub fn row(&self, factor_index: usize, output_index: usize) -> Option<&$row> {
                if factor_index >= self.factors.len() || output_index >= self.n_outputs {
                    return None;
                }
                self.rows
                    .get(output_index * self.factors.len() + factor_index)
            }

            /// The rows of output `output_index`, in factor order.
            pub fn rows_for_output(&self, output_index: usize) -> &[$row] {
                let d = self.factors.len();
                if output_index >= self.n_outputs {
                    return &[];
                }
                self.rows
                    .get(output_index * d..(output_index + 1) * d)
                    .unwrap_or(&[])
            }
        }
    };
}
pub(crate) use output_major_accessors;

/// `Result` with [`SensitivityError`].
pub type Result<T> = std::result::Result<T, SensitivityError>;

/// A progress callback: called after each model evaluation with the number of evaluations
/// completed so far (`1..=n`). It may be called concurrently from several threads, so the
/// values can arrive slightly out of order; use the maximum seen (as a progress bar does).
pub type Progress<'a> = &'a (dyn Fn(usize) + Sync);

/// Evaluate `model` on every row of `design` in parallel (rayon).
///
/// Output `i` is `model(&design[i])`: results are stored by row index, so they are identical
/// whatever the number of threads. A panic inside the model propagates to the caller.
pub fn evaluate<F>(design: &[Vec<f64>], model: F) -> Vec<Vec<f64>>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    evaluate_with_progress(design, model, None)
}

/// [`evaluate`] with an optional [`Progress`] callback called after each evaluation.
pub fn evaluate_with_progress<F>(
    design: &[Vec<f64>],
    model: F,
    progress: Option<Progress<'_>>,
) -> Vec<Vec<f64>>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    let done = AtomicUsize::new(0);
    design
        .par_iter()
        .map(|x| {
            let y = model(x);
            if let Some(p) = progress {
                p(done.fetch_add(1, Ordering::Relaxed) + 1);
            }
            y
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn evaluate_keeps_row_order_and_reports_progress() {
        let design: Vec<Vec<f64>> = (0..500).map(|i| vec![f64::from(i)]).collect();
        let seen = Mutex::new(Vec::new());
        let cb = |n: usize| seen.lock().unwrap().push(n);
        let out = evaluate_with_progress(&design, |x| vec![2.0 * x[0], -x[0]], Some(&cb));
        for (i, y) in out.iter().enumerate() {
            assert_eq!(y, &vec![2.0 * i as f64, -(i as f64)]);
        }
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (1..=500).collect::<Vec<_>>());
        assert_eq!(
            evaluate(&design[..3], |x| vec![x[0]]),
            vec![vec![0.0], vec![1.0], vec![2.0]]
        );
    }
}
