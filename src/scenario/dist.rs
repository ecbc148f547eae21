//! Parameters with uncertainty: the distribution families a scenario can use, how they are
//! sampled, and where each value comes from (a plan quote or a stated assumption).

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

/// A validated distribution. Parameters are drawn once per Monte Carlo path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Dist {
    /// Always `value`.
    Fixed { value: f64 },
    /// Normal with mean and standard deviation.
    Normal { mean: f64, sd: f64 },
    /// exp(N(mu, sigma²)): median e^mu.
    Lognormal { mu: f64, sigma: f64 },
    /// Uniform on [low, high].
    Uniform { low: f64, high: f64 },
    /// Triangular on [low, high] with peak at mode.
    Triangular { low: f64, mode: f64, high: f64 },
}

impl Dist {
    /// Draws one value. `Fixed` consumes no random numbers.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Fixed { value } => value,
            Dist::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }
            Dist::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Dist::Triangular { low, mode, high } => {
                triangular_quantile(low, mode, high, rng.random::<f64>())
            }
        }
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed { value } => value,
            Dist::Normal { mean, .. } => mean,
            Dist::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Triangular { low, mode, high } => (low + mode + high) / 3.0,
        }
    }

    /// The log density at `x` up to a constant of the distribution (−∞ outside its
    /// support); for the conditioning sampler's Metropolis-Hastings ratios. A fixed value
    /// has no density: 0 everywhere.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        match *self {
            Dist::Fixed { .. } => 0.0,
            Dist::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                -0.5 * z * z
            }
            Dist::Lognormal { mu, sigma } => {
                if x <= 0.0 {
                    return f64::NEG_INFINITY;
                }
                let z = (x.ln() - mu) / sigma;
                -0.5 * z * z - x.ln()
            }
            Dist::Uniform { low, high } => {
                if (low..=high).contains(&x) {
                    0.0
                } else {
                    f64::NEG_INFINITY
                }
            }
            Dist::Triangular { low, mode, high } => {
                let d = if x < low || x > high {
                    0.0
                } else if x < mode {
                    (x - low) / (mode - low)
                } else if x > mode {
                    (high - x) / (high - mode)
                } else {
                    1.0
                };
                d.ln()
            }
        }
    }

    /// Whether the distribution has any spread.
    pub fn is_fixed(&self) -> bool {
        match *self {
            Dist::Fixed { .. } => true,
            Dist::Normal { sd, .. } => sd == 0.0,
            Dist::Lognormal { sigma, .. } => sigma == 0.0,
            Dist::Uniform { low, high } => low == high,
            Dist::Triangular { low, high, .. } => low == high,
        }
    }

    /// The lowest and highest value the distribution can take (±∞ for unbounded ones).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Fixed { value } => (value, value),
            Dist::Normal { mean, sd: 0.0 } => (mean, mean),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::Lognormal { .. } => (0.0, f64::INFINITY),
            Dist::Uniform { low, high } | Dist::Triangular { low, high, .. } => (low, high),
        }
    }

    /// A short human-readable form, e.g. `normal(mean -0.02, sd 0.02)`.
    pub fn describe(&self) -> String {
        match *self {
            Dist::Fixed { value } => num(value),
            Dist::Normal { mean, sd } => format!("normal(mean {}, sd {})", num(mean), num(sd)),
            Dist::Lognormal { mu, sigma } => {
                format!("lognormal(mu {}, sigma {})", num(mu), num(sigma))
            }
            Dist::Uniform { low, high } => format!("uniform({}, {})", num(low), num(high)),
            Dist::Triangular { low, mode, high } => {
                format!("triangular({}, {}, {})", num(low), num(mode), num(high))
            }
        }
    }
}

/// A number as messages show it: as written for ordinary sizes, in exponent form beyond
/// (`1e300`, not three hundred digits).
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    // Seven significant digits at most: 1.2000000000000002 is shown as 1.2.
    let v: f64 = format!("{v:.6e}").parse().unwrap_or(v);
    if v != 0.0 && !(1e-6..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Inverse CDF of the triangular distribution at u ∈ [0, 1].
pub fn triangular_quantile(low: f64, mode: f64, high: f64, u: f64) -> f64 {
    let width = high - low;
    if width <= 0.0 {
        return low;
    }
    let f = (mode - low) / width;
    if u < f {
        low + (u * width * (mode - low)).sqrt()
    } else {
        high - ((1.0 - u) * width * (high - mode)).sqrt()
    }
}

/// Where a number comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Provenance {
    /// Taken from a plan document: the file and the Chinese text it comes from.
    Plan { source: String, quote: String },
    /// A modelling assumption with its one-line rationale (it may cite plan figures it
    /// was derived from).
    Assumption {
        rationale: String,
        source: Option<String>,
        quote: Option<String>,
    },
}

impl Provenance {
    /// `plan` or `assumption`.
    pub fn label(&self) -> &'static str {
        match self {
            Provenance::Plan { .. } => "plan",
            Provenance::Assumption { .. } => "assumption",
        }
    }

    /// One line for listings: the quote for plan values, the rationale for assumptions.
    pub fn summary(&self) -> String {
        match self {
            Provenance::Plan { source, quote } => format!("{source}: “{quote}”"),
            Provenance::Assumption { rationale, .. } => rationale.clone(),
        }
    }
}

/// A validated parameter: its name (key path), distribution and provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// The key path of the parameter, e.g. `regions.kaifeng.params.urban_new_jobs.trend`.
    pub name: String,
    /// Where the distribution is declared: `name` itself, or the default it inherits
    /// (e.g. `indicators.urban_new_jobs.trend`). Sensitivity analysis varies all the
    /// parameters of one origin together, as one assumption.
    pub origin: String,
    pub dist: Dist,
    /// The range the parameter must lie in; draws are clamped to it (normal and lognormal
    /// parameters are validated to keep 6 sd inside it, so clamping is practically never
    /// active).
    pub bounds: (f64, f64),
    pub provenance: Provenance,
}

impl Param {
    /// The largest value a draw can take: the top of the distribution's support, within
    /// the bounds.
    pub fn support_high(&self) -> f64 {
        self.dist.support().1.min(self.bounds.1)
    }

    /// Draws the parameter, clamped to its bounds.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.dist.sample(rng).clamp(self.bounds.0, self.bounds.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn sample_mean_sd(d: Dist, n: usize) -> (f64, f64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v.sqrt())
    }

    #[test]
    fn sample_means_match_analytic_means_within_four_standard_errors() {
        let n = 200_000;
        let cases = [
            (Dist::Normal { mean: 1.5, sd: 2.0 }, 2.0),
            (
                Dist::Lognormal {
                    mu: 0.1,
                    sigma: 0.3,
                },
                ((0.09f64).exp() - 1.0).sqrt() * (0.1f64 + 0.045).exp(),
            ),
            (
                Dist::Uniform {
                    low: -1.0,
                    high: 3.0,
                },
                4.0 / 12f64.sqrt(),
            ),
            (
                Dist::Triangular {
                    low: 0.0,
                    mode: 1.0,
                    high: 4.0,
                },
                ((0.0 + 1.0 + 16.0 - 0.0 - 0.0 - 4.0) / 18.0f64).sqrt(),
            ),
        ];
        for (d, sd) in cases {
            let (m, s) = sample_mean_sd(d, n);
            let se = sd / (n as f64).sqrt();
            assert!(
                (m - d.mean()).abs() < 4.0 * se,
                "{d:?}: mean {m} vs {}",
                d.mean()
            );
            // sd of the sample sd is about sd/sqrt(2n) for near-normal shapes; 1% is > 4 of those.
            assert!((s - sd).abs() / sd < 0.01, "{d:?}: sd {s} vs {sd}");
        }
    }

    #[test]
    fn triangular_quantile_hits_ends_and_mode() {
        assert_eq!(triangular_quantile(0.0, 1.0, 4.0, 0.0), 0.0);
        assert_eq!(triangular_quantile(0.0, 1.0, 4.0, 1.0), 4.0);
        // CDF at the mode is (mode-low)/(high-low) = 0.25.
        assert!((triangular_quantile(0.0, 1.0, 4.0, 0.25) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn fixed_draws_consume_no_randomness() {
        let mut a = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut b = Xoshiro256PlusPlus::seed_from_u64(1);
        Dist::Fixed { value: 3.0 }.sample(&mut a);
        assert_eq!(a.random::<u64>(), b.random::<u64>());
    }
}
