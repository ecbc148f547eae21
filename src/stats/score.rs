//! Scores of one observed value against a Monte Carlo sample: its position in the sample
//! (PIT), whether the central 50 % and 90 % bands cover it, the interval (Winkler) scores
//! of those bands, the CRPS and the error of the median.
//!
//! Every function takes the sample sorted ascending (`stats::sorted`), without NaN.
//!
//! - **PIT, mid-rank treatment of ties** (deterministic, so outputs stay byte-identical):
//!   with `b` sample values below y and `e` equal to it, y's mid-rank among the n + 1
//!   pooled values is r = b + (e + 2)/2 and PIT = (r − ½)/(n + 1) = (b + (e + 1)/2)/(n + 1).
//!   Without ties this is (b + ½)/(n + 1), strictly inside (0, 1); when y is drawn from the
//!   same distribution as a continuous sample it is uniform on {(i + ½)/(n + 1)}, with
//!   mean exactly ½. Ties occur only where the model clamps (unemployment floor and
//!   ceiling).
//! - **Bands**: the central (1 − α) band is [Q(α/2), Q(1 − α/2)] with Hyndman-Fan type 7
//!   quantiles, as in `quantiles.csv` (50 %: p25-p75; 90 %: p05-p95); a value on an edge
//!   is covered.
//! - **Interval score** (Winkler 1972; Gneiting & Raftery 2007, eq. 43):
//!   S_α(l, u; y) = (u − l) + (2/α)(l − y)·1{y < l} + (2/α)(y − u)·1{y > u}, in the
//!   indicator's unit; lower is better; the width is the score of a covered value.
//! - **CRPS** in the energy form (Gneiting & Raftery 2007, eq. 20):
//!   CRPS(F, y) = E|X − y| − ½ E|X − X'|, estimated from the sample with the "fair"
//!   (unbiased) estimator of the second term (Ferro 2014; Zamo & Naveau 2018):
//!   (1/n) Σ|xᵢ − y| − 1/(n(n − 1)) Σₖ x₍ₖ₎ (2k − n + 1), k = 0..n−1 over the sorted
//!   sample, since Σᵢ Σⱼ |xᵢ − xⱼ| = 2 Σₖ x₍ₖ₎ (2k − n + 1). Sorting makes it O(n log n)
//!   instead of the O(n²) double sum. The "NRG" estimator with 1/n² instead differs by
//!   a factor (n − 1)/n on the second term.

use crate::stats::quantile_sorted;
use serde::Serialize;

/// The scores of one observed value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// Quantiles of the simulated distribution (Hyndman-Fan type 7).
    pub p05: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p95: f64,
    /// Mid-rank PIT in (0, 1).
    pub pit: f64,
    /// Inside the central 50 % band [p25, p75].
    pub in_50: bool,
    /// Inside the central 90 % band [p05, p95].
    pub in_90: bool,
    /// Interval score of the 50 % band (α = 0.5).
    pub interval_score_50: f64,
    /// Interval score of the 90 % band (α = 0.1).
    pub interval_score_90: f64,
    /// CRPS, in the indicator's unit.
    pub crps: f64,
    /// 100 · CRPS / |y| (a scale-free CRPS); NaN if y = 0.
    pub crps_pct: f64,
    /// 100 · (median − y) / y: positive when the projection is above the observed value;
    /// NaN if y = 0.
    pub median_error_pct: f64,
}

/// Scores `y` against an ascending-sorted, non-empty sample without NaN.
pub fn score(sorted: &[f64], y: f64) -> Score {
    let q = |p| quantile_sorted(sorted, p);
    let (p05, p25, median, p75, p95) = (q(0.05), q(0.25), q(0.5), q(0.75), q(0.95));
    let crps = crps_sorted(sorted, y);
    let pct = |v: f64| {
        if y == 0.0 {
            f64::NAN
        } else {
            100.0 * v / y.abs()
        }
    };
    Score {
        p05,
        p25,
        median,
        p75,
        p95,
        pit: pit_mid_rank(sorted, y),
        in_50: (p25..=p75).contains(&y),
        in_90: (p05..=p95).contains(&y),
        interval_score_50: interval_score(p25, p75, 0.5, y),
        interval_score_90: interval_score(p05, p95, 0.1, y),
        crps,
        crps_pct: pct(crps),
        median_error_pct: if y == 0.0 {
            f64::NAN
        } else {
            100.0 * (median - y) / y
        },
    }
}

/// Mid-rank PIT of `y` in an ascending-sorted sample: (b + (e + 1)/2)/(n + 1) with b values
/// below y and e equal to it (see the module documentation).
pub fn pit_mid_rank(sorted: &[f64], y: f64) -> f64 {
    let below = sorted.partition_point(|&x| x < y);
    let not_above = sorted.partition_point(|&x| x <= y);
    let ties = not_above - below;
    (below as f64 + (ties as f64 + 1.0) / 2.0) / (sorted.len() as f64 + 1.0)
}

/// Interval (Winkler) score of the central (1 − α) interval [lower, upper] for `y`
/// (Gneiting & Raftery 2007, eq. 43).
pub fn interval_score(lower: f64, upper: f64, alpha: f64, y: f64) -> f64 {
    let mut s = upper - lower;
    if y < lower {
        s += 2.0 / alpha * (lower - y);
    }
    if y > upper {
        s += 2.0 / alpha * (y - upper);
    }
    s
}

/// CRPS of the empirical distribution of an ascending-sorted sample at `y`, energy form
/// with the fair (unbiased) second term; O(n) once sorted (see the module documentation).
pub fn crps_sorted(sorted: &[f64], y: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let nf = n as f64;
    let first = sorted.iter().map(|x| (x - y).abs()).sum::<f64>() / nf;
    if n == 1 {
        return first;
    }
    // The weights 2k − n + 1 sum to zero, so centring on the median changes nothing but
    // the rounding error.
    let c = sorted[n / 2];
    let spread: f64 = sorted
        .iter()
        .enumerate()
        .map(|(k, x)| (x - c) * (2.0 * k as f64 - nf + 1.0))
        .sum();
    first - spread / (nf * (nf - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::sorted;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Φ from erfc (Numerical Recipes `erfcc`, fractional error < 1.2e-7).
    fn normal_cdf(z: f64) -> f64 {
        let x = -z / std::f64::consts::SQRT_2;
        let t = 1.0 / (1.0 + 0.5 * x.abs());
        let poly = -x * x - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77))))))));
        let erfc = t * poly.exp();
        let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
        0.5 * erfc
    }

    fn normal_pdf(z: f64) -> f64 {
        (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
    }

    /// Closed form of the CRPS of N(μ, σ²) at y (Gneiting & Raftery 2007, eq. 21).
    fn crps_normal(mu: f64, sigma: f64, y: f64) -> f64 {
        let z = (y - mu) / sigma;
        sigma
            * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * normal_pdf(z)
                - 1.0 / std::f64::consts::PI.sqrt())
    }

    fn normal_sample(n: usize, mu: f64, sigma: f64, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let xs: Vec<f64> = (0..n)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                mu + sigma * z
            })
            .collect();
        sorted(&xs)
    }

    fn brute_force_crps(xs: &[f64], y: f64) -> f64 {
        let n = xs.len() as f64;
        let a = xs.iter().map(|x| (x - y).abs()).sum::<f64>() / n;
        let b: f64 = xs
            .iter()
            .map(|x| xs.iter().map(|z| (x - z).abs()).sum::<f64>())
            .sum();
        a - b / (2.0 * n * (n - 1.0))
    }

    #[test]
    fn crps_of_a_normal_sample_matches_the_closed_form_within_its_standard_error() {
        let (mu, sigma, n) = (10.0, 2.0, 20_000);
        let xs = normal_sample(n, mu, sigma, 11);
        // The estimator is a U-statistic; its Hoeffding projection is
        // (1/n) Σ [|xᵢ − y| − g(xᵢ)] with g(x) = E|x − X'|, so its standard error is
        // sd(|X − y| − g(X)) / √n, here estimated from the sample itself.
        let nf = n as f64;
        let prefix: Vec<f64> = xs
            .iter()
            .scan(0.0, |s, x| {
                *s += x;
                Some(*s)
            })
            .collect();
        let total = prefix[n - 1];
        let g = |k: usize| {
            let x = xs[k];
            let below = prefix[k] - x;
            let above = total - prefix[k];
            (x * k as f64 - below + above - x * (nf - 1.0 - k as f64)) / (nf - 1.0)
        };
        for y in [10.0, 11.3, 6.5, 16.0] {
            let d: Vec<f64> = (0..n).map(|k| (xs[k] - y).abs() - g(k)).collect();
            let m = d.iter().sum::<f64>() / nf;
            let sd = (d.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
            let se = sd / nf.sqrt();
            let est = crps_sorted(&xs, y);
            let exact = crps_normal(mu, sigma, y);
            assert!(
                (est - exact).abs() < 4.0 * se + 1e-6,
                "y {y}: estimate {est}, closed form {exact}, se {se}"
            );
        }
    }

    #[test]
    fn sorted_crps_equals_the_double_sum() {
        let xs = normal_sample(301, 0.0, 1.0, 3);
        for y in [-3.0, -0.2, 0.0, 1.7, 5.0] {
            let a = crps_sorted(&xs, y);
            let b = brute_force_crps(&xs, y);
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn crps_of_a_point_mass_is_the_absolute_error() {
        assert_eq!(crps_sorted(&[4.0], 1.5), 2.5);
        assert_eq!(crps_sorted(&[4.0, 4.0, 4.0], 1.5), 2.5);
        // Two points {0, 2} at y = 1: E|X − y| = 1, ½ E|X − X'| (fair) = ½ · 2 = 1.
        assert_eq!(crps_sorted(&[0.0, 2.0], 1.0), 0.0);
    }

    #[test]
    fn interval_scores_known_answers() {
        assert_eq!(interval_score(2.0, 4.0, 0.1, 3.0), 2.0);
        assert_eq!(interval_score(2.0, 4.0, 0.1, 2.0), 2.0);
        assert!((interval_score(2.0, 4.0, 0.1, 1.0) - 22.0).abs() < 1e-12);
        assert!((interval_score(2.0, 4.0, 0.1, 5.5) - 32.0).abs() < 1e-12);
        assert_eq!(interval_score(2.0, 4.0, 0.5, 1.0), 6.0);
        assert_eq!(interval_score(2.0, 4.0, 0.5, 4.5), 4.0);
    }

    #[test]
    fn pit_uses_mid_ranks() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(pit_mid_rank(&xs, 0.0), 0.5 / 5.0);
        assert_eq!(pit_mid_rank(&xs, 2.5), 2.5 / 5.0);
        assert_eq!(pit_mid_rank(&xs, 9.0), 4.5 / 5.0);
        // y ties with 2.0: b = 1, e = 1 → (1 + 1)/5.
        assert_eq!(pit_mid_rank(&xs, 2.0), 2.0 / 5.0);
        // A sample all at the clamp: y in the middle of the tie block.
        assert_eq!(pit_mid_rank(&[2.0; 9], 2.0), 0.5);
    }

    #[test]
    fn draws_from_the_same_distribution_are_covered_at_nominal_rates_with_uniform_pit() {
        let xs = normal_sample(10_000, 0.0, 1.0, 21);
        let m = 4_000;
        let ys = normal_sample(m, 0.0, 1.0, 22);
        let scores: Vec<Score> = ys.iter().map(|&y| score(&xs, y)).collect();
        let mf = m as f64;
        let cov50 = scores.iter().filter(|s| s.in_50).count() as f64 / mf;
        let cov90 = scores.iter().filter(|s| s.in_90).count() as f64 / mf;
        // Binomial standard errors, widened for the error of the sample quantiles
        // (sd of a sample quantile's coverage ≈ √(p(1−p)/n) with n = 10 000).
        let tol = |p: f64| 4.0 * ((p * (1.0 - p) / mf).sqrt() + (p * (1.0 - p) / 1e4).sqrt());
        assert!((cov50 - 0.5).abs() < tol(0.5), "50 % coverage {cov50}");
        assert!((cov90 - 0.9).abs() < tol(0.9), "90 % coverage {cov90}");
        let pit: Vec<f64> = scores.iter().map(|s| s.pit).collect();
        let mean = pit.iter().sum::<f64>() / mf;
        let var = pit.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (mf - 1.0);
        let se = (1.0 / 12.0 / mf).sqrt();
        assert!((mean - 0.5).abs() < 4.0 * se, "mean PIT {mean}");
        // Var of U(0,1) is 1/12; the sd of a sample variance of uniforms is √(1/180/m).
        assert!(
            (var - 1.0 / 12.0).abs() < 4.0 * (1.0 / 180.0 / mf).sqrt(),
            "var {var}"
        );
        // Ten equal bins, each within 4 binomial standard errors of m/10.
        let mut bins = [0usize; 10];
        for p in &pit {
            bins[((p * 10.0) as usize).min(9)] += 1;
        }
        let sd = (mf * 0.1 * 0.9).sqrt();
        for (i, &b) in bins.iter().enumerate() {
            assert!((b as f64 - mf / 10.0).abs() < 4.0 * sd, "bin {i}: {b}");
        }
    }

    #[test]
    fn a_too_narrow_distribution_undercovers_and_scores_worse() {
        let wide = normal_sample(5_000, 0.0, 1.0, 5);
        let narrow = normal_sample(5_000, 0.0, 0.3, 5);
        let ys = normal_sample(2_000, 0.0, 1.0, 6);
        let cov = |xs: &[f64]| ys.iter().filter(|&&y| score(xs, y).in_90).count() as f64 / 2e3;
        let crps = |xs: &[f64]| ys.iter().map(|&y| crps_sorted(xs, y)).sum::<f64>() / 2e3;
        assert!(cov(&narrow) < 0.4 && cov(&wide) > 0.85);
        assert!(crps(&narrow) > crps(&wide));
    }

    #[test]
    fn median_error_is_signed_relative_to_the_observed_value() {
        let s = score(&[9.0, 10.0, 11.0], 8.0);
        assert!((s.median_error_pct - 25.0).abs() < 1e-12);
        assert!(!s.in_90 && s.pit < 0.2);
        assert!(score(&[1.0, 2.0], 0.0).median_error_pct.is_nan());
    }
}
