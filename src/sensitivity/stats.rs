//! Small statistical helpers shared by the estimators: bootstrap percentile confidence
//! intervals, means and standard deviations, seeded random streams, and the validation of
//! model outputs handed to an estimator.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use super::error::SensitivityError;

/// A bootstrap percentile confidence interval (Efron & Tibshirani 1993, ch. 13).
///
/// `low`/`high` are the `(1 - level)/2` and `(1 + level)/2` quantiles (linear interpolation
/// between order statistics, Hyndman & Fan 1996 type 7) of the bootstrap replicates of the
/// estimator; `std_error` is their standard deviation (the bootstrap standard error).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ConfidenceInterval {
    /// Confidence level, e.g. `0.95`.
    pub level: f64,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Bootstrap standard error (standard deviation of the replicates).
    pub std_error: f64,
    /// Number of finite bootstrap replicates the interval was computed from (replicates whose
    /// resample had zero output variance are dropped).
    pub replicates: usize,
}

impl ConfidenceInterval {
    /// Whether `low <= x <= high`.
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }

    /// Whether the interval contains zero (the index is not distinguishable from zero).
    pub fn covers_zero(&self) -> bool {
        self.contains(0.0)
    }
}

/// Percentile confidence interval from bootstrap replicates; non-finite replicates are ignored.
/// `None` if fewer than two finite replicates remain.
pub(crate) fn percentile_ci(replicates: &[f64], level: f64) -> Option<ConfidenceInterval> {
    let mut v: Vec<f64> = replicates
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if v.len() < 2 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    let (_, sd) = mean_sd(&v);
    Some(ConfidenceInterval {
        level,
        low: quantile_sorted(&v, alpha),
        high: quantile_sorted(&v, 1.0 - alpha),
        std_error: sd,
        replicates: v.len(),
    })
}

/// Type-7 quantile of sorted, non-empty data.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Mean and sample standard deviation (`n - 1` denominator, NaN for `n < 2`). When all values
/// are identical the result is exactly `(value, 0.0)`, free of rounding noise.
pub(crate) fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    if xs.iter().all(|&x| x == xs[0]) {
        return (xs[0], if n < 2 { f64::NAN } else { 0.0 });
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    (mean, (ss / (n - 1) as f64).sqrt())
}

/// The random stream used for resampling: Xoshiro256++ seeded from `seed` by SplitMix64,
/// advanced by `jumps` jumps of 2^128 steps so that different purposes get disjoint streams.
pub(crate) fn stream(seed: u64, jumps: usize) -> Xoshiro256PlusPlus {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for _ in 0..jumps {
        rng.jump();
    }
    rng
}

/// Validate a confidence level (must be in the open interval (0, 1)).
pub(crate) fn check_confidence(confidence: f64) -> Result<(), SensitivityError> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(SensitivityError::InvalidOption {
            option: "confidence",
            reason: format!("must be strictly between 0 and 1 (got {confidence})"),
        })
    }
}

/// Validate a bootstrap replicate count (0 = no intervals, else at least 2).
pub(crate) fn check_bootstrap(bootstrap: usize) -> Result<(), SensitivityError> {
    if bootstrap == 1 {
        Err(SensitivityError::InvalidOption {
            option: "bootstrap",
            reason: "must be 0 (no confidence intervals) or at least 2 (got 1)".to_string(),
        })
    } else {
        Ok(())
    }
}

/// Check that `outputs` has one row per design row, all of the same non-zero length `K`, all
/// finite; returns `K`.
pub(crate) fn check_outputs(
    outputs: &[Vec<f64>],
    expected_rows: usize,
) -> Result<usize, SensitivityError> {
    if outputs.len() != expected_rows {
        return Err(SensitivityError::OutputCount {
            expected: expected_rows,
            got: outputs.len(),
        });
    }
    let k = outputs.first().map_or(0, Vec::len);
    for (row, y) in outputs.iter().enumerate() {
        if y.is_empty() {
            return Err(SensitivityError::EmptyOutput { row });
        }
        if y.len() != k {
            return Err(SensitivityError::OutputLength {
                row,
                expected: k,
                got: y.len(),
            });
        }
        if let Some((output, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SensitivityError::NonFiniteOutput { row, output, value });
        }
    }
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_intervals() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(quantile_sorted(&v, 0.025), 2.5);
        assert_eq!(quantile_sorted(&v, 0.975), 97.5);
        let ci = percentile_ci(&[3.0, f64::NAN, 1.0, 2.0], 0.5).unwrap();
        assert_eq!((ci.low, ci.high, ci.replicates), (1.5, 2.5, 3));
        assert!(!ci.covers_zero());
        assert!(percentile_ci(&[1.0, f64::NAN], 0.9).is_none());
    }

    #[test]
    fn mean_sd_exact_for_constant_data() {
        let x = vec![0.1 + 0.2; 7];
        assert_eq!(mean_sd(&x), (0.1 + 0.2, 0.0));
        let (m, s) = mean_sd(&[1.0, 2.0, 3.0]);
        assert_eq!((m, s), (2.0, 1.0));
    }

    #[test]
    fn output_checks() {
        let ok = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
        assert_eq!(check_outputs(&ok, 2).unwrap(), 2);
        let e = |o: Vec<Vec<f64>>, n| check_outputs(&o, n).unwrap_err().to_string();
        assert_eq!(
            e(ok.clone(), 3),
            "expected 3 model outputs (one per design row), got 2"
        );
        assert_eq!(
            e(vec![vec![1.0], vec![]], 2),
            "the model returned no outputs for design row 1"
        );
        assert_eq!(
            e(vec![vec![1.0], vec![1.0, 2.0]], 2),
            "the model returned 2 outputs for design row 1, expected 1 (as for row 0)"
        );
        assert_eq!(
            e(vec![vec![1.0, f64::NAN]], 1),
            "output 1 of design row 0 is not finite (NaN)"
        );
    }
}
