//! The measurement model of published figures: a two-part normal mixture on the log scale
//! (flows, stocks) or in points (rates), so that most figures are read as exact to within
//! a few per cent, while a single figure that breaks with its series (a coverage change, a
//! misprint) is explained by the wide part instead of dragging the fit.

use crate::scenario::Slot;
use crate::scenario::actuals::Quality;
use crate::scenario::observed::MeasurementErrors;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// The measurement model's values on one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    pub final_error: f64,
    pub preliminary_error: f64,
    pub rate_error: f64,
    pub outlier_share: f64,
    pub outlier_error: f64,
    pub rate_outlier_error: f64,
}

impl Measurement {
    /// The values of the slots on a path's parameters.
    pub fn on(slots: &MeasurementErrors, theta: &[f64]) -> Measurement {
        let at = |s: Slot| theta[s];
        Measurement {
            final_error: at(slots.final_error),
            preliminary_error: at(slots.preliminary_error),
            rate_error: at(slots.rate_error),
            outlier_share: at(slots.outlier_share),
            outlier_error: at(slots.outlier_error),
            rate_outlier_error: at(slots.rate_outlier_error),
        }
    }

    /// The sd of the regular and of the outlying part for a figure: log scale for flows
    /// and stocks (by quality), points for rates.
    pub fn sds(&self, rate: bool, quality: Quality) -> (f64, f64) {
        if rate {
            (self.rate_error, self.rate_outlier_error)
        } else {
            let sd = match quality {
                Quality::Final => self.final_error,
                Quality::Preliminary => self.preliminary_error,
            };
            (sd, self.outlier_error)
        }
    }

    /// The log-likelihood of a residual (observed − predicted, on the figure's scale) whose
    /// prediction has variance `var_pred` beyond the measurement error, and the probability
    /// that the figure is an outlier given the residual.
    pub fn log_lik(&self, resid: f64, var_pred: f64, rate: bool, quality: Quality) -> (f64, f64) {
        let (sd, wide) = self.sds(rate, quality);
        mixture(
            resid,
            (var_pred + sd * sd).sqrt(),
            (var_pred + wide * wide).sqrt(),
            self.outlier_share,
        )
    }
}

/// ln N(x; 0, sd²).
pub fn ln_normal(x: f64, sd: f64) -> f64 {
    let z = x / sd;
    -0.5 * z * z - sd.ln() - LN_SQRT_2PI
}

/// ln[(1 − π)·N(x; 0, sd²) + π·N(x; 0, wide²)] computed without underflow, and the
/// posterior probability of the wide part.
pub fn mixture(x: f64, sd: f64, wide: f64, share: f64) -> (f64, f64) {
    if share <= 0.0 {
        return (ln_normal(x, sd), 0.0);
    }
    let a = (1.0 - share).ln() + ln_normal(x, sd);
    let b = share.ln() + ln_normal(x, wide);
    let m = a.max(b);
    let total = m + ((a - m).exp() + (b - m).exp()).ln();
    (total, (b - total).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn the_normal_density_matches_its_formula() {
        let sd: f64 = 0.3;
        let x: f64 = 0.4;
        let direct =
            (-(x * x) / (2.0 * sd * sd)).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt());
        assert_relative_eq!(ln_normal(x, sd), direct.ln(), max_relative = 1e-12);
    }

    #[test]
    fn the_mixture_is_the_weighted_sum_and_its_responsibility_is_bayes() {
        let (sd, wide, share) = (0.05, 1.0, 0.05);
        for x in [0.0, 0.03, 0.2, 0.9] {
            let n = |s: f64| ln_normal(x, s).exp();
            let total = (1.0 - share) * n(sd) + share * n(wide);
            let (ll, r) = mixture(x, sd, wide, share);
            assert_relative_eq!(ll, total.ln(), max_relative = 1e-12);
            assert_relative_eq!(r, share * n(wide) / total, max_relative = 1e-10);
        }
        // A residual of 40 regular sds is finite and all but certainly an outlier.
        let (ll, r) = mixture(2.0, sd, wide, share);
        assert!(ll.is_finite());
        assert!(r > 0.999_999);
        // Without an outlier share the mixture is the regular normal.
        assert_eq!(mixture(0.1, sd, wide, 0.0), (ln_normal(0.1, sd), 0.0));
    }

    #[test]
    fn preliminary_figures_are_less_exact_and_rates_use_points() {
        let m = Measurement {
            final_error: 0.02,
            preliminary_error: 0.05,
            rate_error: 0.1,
            outlier_share: 0.0,
            outlier_error: 1.0,
            rate_outlier_error: 2.0,
        };
        assert_eq!(m.sds(false, Quality::Final), (0.02, 1.0));
        assert_eq!(m.sds(false, Quality::Preliminary), (0.05, 1.0));
        assert_eq!(m.sds(true, Quality::Preliminary), (0.1, 2.0));
        // The prediction's own variance adds to the measurement error.
        let (ll, _) = m.log_lik(0.1, 0.03 * 0.03, false, Quality::Final);
        assert_relative_eq!(
            ll,
            ln_normal(0.1, (0.03f64.powi(2) + 0.02f64.powi(2)).sqrt())
        );
    }
}
