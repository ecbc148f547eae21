//! The yearly model of one simulated region: a pure transition from last year's state to
//! this year's values, given the path's parameters, the growth path, shocks, levers and
//! this year's noise. No randomness and no I/O here: the engine draws the noise.
//!
//! Equations (see `docs/MODEL.md` for units, defaults and their sources):
//! - growth noise  n(t) = φ·n(t−1) + σ_g·e(t), e correlated across regions;
//! - growth        g(t) = path(t) + shock(t) + n(t),  d(t) = g(t) − g_ref; where growth
//!   was observed, g(t) is the observed value and n(t) = g(t) − path(t) − shock(t);
//! - each flow     log J(t) = log A + τ·(t − m) + ε·d(t) + log(1 + lever) + log(1 + shock)
//!   + σ·η(t) − σ²/2;
//! - the stock     S(t) = S(t−1)·(1 − x) + J_transfer(t);
//! - unemployment  u(t) = clamp(u(t−1) + κ·(u* − u(t−1)) − β·d(t) + lever + shock + σ_u·η_u(t)).

use crate::scenario::Anchor;

/// A flow's coefficients on one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowCoef {
    /// A: the flow at the anchor year `mid` on the trend line (万人 per year).
    pub level: f64,
    /// The anchor year (the middle of a cumulative baseline's window).
    pub mid: f64,
    /// τ: log growth per year.
    pub trend: f64,
    /// ε: log change per point of growth above reference.
    pub elasticity: f64,
    /// σ: sd of the yearly log noise.
    pub noise_sd: f64,
}

impl FlowCoef {
    /// Calibrates A on a baseline for a given trend.
    ///
    /// A cumulative total over `first..=last` is the sum of yearly flows
    /// A·exp(τ·(y − m)) with m the window's middle year, so A = total / Σ exp(τ·(y − m)):
    /// the total's mean belongs to the middle year, not to the window's last year. The sum
    /// is the geometric series exp(τ·(first − m))·Σₖ exp(τ)ᵏ.
    pub fn calibrate(anchor: Anchor, trend: f64, elasticity: f64, noise_sd: f64) -> FlowCoef {
        let (level, mid) = match anchor {
            Anchor::Cumulative { total, first, last } => {
                let mid = f64::from(first + last) / 2.0;
                let r = trend.exp();
                let mut term = (trend * (f64::from(first) - mid)).exp();
                let mut denom = 0.0;
                for _ in first..=last {
                    denom += term;
                    term *= r;
                }
                (total / denom, mid)
            }
            Anchor::Annual { value, year } => (value, f64::from(year)),
        };
        FlowCoef {
            level,
            mid,
            trend,
            elasticity,
            noise_sd,
        }
    }

    /// The flow in `year` for a growth gap `gap`, a multiplicative `factor` (levers and
    /// shocks) and standard-normal noise `eta`. The −σ²/2 term makes the noise mean-one.
    pub fn value(&self, year: f64, gap: f64, factor: f64, eta: f64) -> f64 {
        let log_rel = self.trend * (year - self.mid) + self.elasticity * gap + self.noise_sd * eta
            - 0.5 * self.noise_sd * self.noise_sd;
        self.level * log_rel.exp() * factor
    }
}

/// A region's unemployment coefficients on one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateCoef {
    pub initial: f64,
    pub natural_rate: f64,
    /// Surveyed minus registered rate (points), where the registered rate is projected.
    pub registered_gap: Option<f64>,
}

/// Coefficients shared by every region on one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharedCoef {
    pub growth_reference: f64,
    pub growth_ar: f64,
    pub growth_noise_sd: f64,
    pub okun: f64,
    pub adjustment: f64,
    pub rate_noise_sd: f64,
    pub rate_floor: f64,
    pub rate_ceiling: f64,
}

/// A simulated region's coefficients on one path.
#[derive(Debug, Clone, PartialEq)]
pub struct LeafCoef {
    pub flows: [Option<FlowCoef>; 3],
    pub stock: Option<(f64, f64)>,
    pub rate: Option<RateCoef>,
}

/// What carries over from one year to the next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeafState {
    /// Growth noise n(t−1), points.
    pub growth_noise: f64,
    /// Stock S(t−1), 万人.
    pub stock: f64,
    /// Rate u(t−1), %.
    pub rate: f64,
}

impl LeafState {
    /// The state in the base year.
    pub fn initial(coef: &LeafCoef) -> LeafState {
        LeafState {
            growth_noise: 0.0,
            stock: coef.stock.map_or(0.0, |s| s.0),
            rate: coef.rate.map_or(0.0, |r| r.initial),
        }
    }
}

/// Exogenous inputs of one region in one year.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Exogenous {
    /// The scenario's growth path (%).
    pub growth_path: f64,
    /// Growth shocks (points).
    pub growth_shock: f64,
    /// Multiplicative factors on each flow from levers and shocks (1 = none).
    pub flow_factor: [f64; 3],
    /// Points added to the unemployment rate by levers and shocks.
    pub rate_shift: f64,
    /// Realised growth (%), where observed: it replaces path + shock + noise, and the noise
    /// carried to the next year is what the realised growth implies.
    pub observed_growth: Option<f64>,
}

/// This year's standard-normal draws for one region (the growth innovation already
/// correlated across regions).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Noise {
    pub growth: f64,
    pub flows: [f64; 3],
    pub rate: f64,
}

/// One region's values in one year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearValues {
    pub growth: f64,
    pub flows: [f64; 3],
    pub stock: f64,
    pub rate: f64,
    /// The registered rate: max(0, rate − gap); NaN where not projected.
    pub registered: f64,
}

/// Advances one region by one year.
pub fn step(
    shared: &SharedCoef,
    leaf: &LeafCoef,
    state: &mut LeafState,
    year: f64,
    exo: &Exogenous,
    noise: &Noise,
) -> YearValues {
    let n = match exo.observed_growth {
        Some(g) => g - exo.growth_path - exo.growth_shock,
        None => shared.growth_ar * state.growth_noise + shared.growth_noise_sd * noise.growth,
    };
    state.growth_noise = n;
    let growth = exo.growth_path + exo.growth_shock + n;
    let gap = growth - shared.growth_reference;

    let mut flows = [f64::NAN; 3];
    for (i, f) in leaf.flows.iter().enumerate() {
        if let Some(f) = f {
            flows[i] = f.value(year, gap, exo.flow_factor[i], noise.flows[i]);
        }
    }
    let stock = match leaf.stock {
        Some((_, exit_rate)) => {
            let s = state.stock * (1.0 - exit_rate) + flows[1];
            state.stock = s;
            s
        }
        None => f64::NAN,
    };
    let rate = match leaf.rate {
        Some(r) => {
            let u = state.rate + shared.adjustment * (r.natural_rate - state.rate)
                - shared.okun * gap
                + exo.rate_shift
                + shared.rate_noise_sd * noise.rate;
            let u = u.clamp(shared.rate_floor, shared.rate_ceiling);
            state.rate = u;
            u
        }
        None => f64::NAN,
    };
    let registered = match leaf.rate.and_then(|r| r.registered_gap) {
        Some(gap) => (rate - gap).max(0.0),
        None => f64::NAN,
    };
    YearValues {
        growth,
        flows,
        stock,
        rate,
        registered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn shared() -> SharedCoef {
        SharedCoef {
            growth_reference: 6.0,
            growth_ar: 0.5,
            growth_noise_sd: 1.0,
            okun: 0.2,
            adjustment: 0.3,
            rate_noise_sd: 0.1,
            rate_floor: 1.0,
            rate_ceiling: 15.0,
        }
    }

    #[test]
    fn calibration_reproduces_the_cumulative_baseline() {
        let anchor = Anchor::Cumulative {
            total: 39.67,
            first: 2016,
            last: 2020,
        };
        for trend in [-0.08, -0.02, 0.0, 0.05] {
            let f = FlowCoef::calibrate(anchor, trend, 0.0, 0.0);
            let sum: f64 = (2016..=2020)
                .map(|y| f.value(f64::from(y), 0.0, 1.0, 0.0))
                .sum();
            assert_relative_eq!(sum, 39.67, max_relative = 1e-12);
            assert_eq!(f.mid, 2018.0);
        }
        // With no trend the middle year carries exactly the yearly average.
        let flat = FlowCoef::calibrate(anchor, 0.0, 0.0, 0.0);
        assert_relative_eq!(
            flat.value(2018.0, 0.0, 1.0, 0.0),
            39.67 / 5.0,
            max_relative = 1e-12
        );
    }

    #[test]
    fn annual_anchor_pins_that_year() {
        let f = FlowCoef::calibrate(
            Anchor::Annual {
                value: 4.72,
                year: 2020,
            },
            0.03,
            0.0,
            0.0,
        );
        assert_relative_eq!(f.value(2020.0, 0.0, 1.0, 0.0), 4.72, max_relative = 1e-12);
        assert_relative_eq!(
            f.value(2021.0, 0.0, 1.0, 0.0),
            4.72 * 0.03f64.exp(),
            max_relative = 1e-12
        );
    }

    #[test]
    fn growth_gap_moves_flows_by_elasticity_and_rate_by_okun() {
        let leaf = LeafCoef {
            flows: [
                Some(FlowCoef::calibrate(
                    Anchor::Annual {
                        value: 10.0,
                        year: 2020,
                    },
                    0.0,
                    0.05,
                    0.0,
                )),
                None,
                None,
            ],
            stock: None,
            rate: Some(RateCoef {
                initial: 5.0,
                natural_rate: 5.0,
                registered_gap: None,
            }),
        };
        let mut st = LeafState::initial(&leaf);
        let exo = Exogenous {
            growth_path: 3.0, // 3 points below reference
            flow_factor: [1.0; 3],
            ..Default::default()
        };
        let v = step(&shared(), &leaf, &mut st, 2021.0, &exo, &Noise::default());
        assert_relative_eq!(v.flows[0], 10.0 * (-0.15f64).exp(), max_relative = 1e-12);
        assert_relative_eq!(v.rate, 5.0 + 0.2 * 3.0, max_relative = 1e-12);
        assert!(v.flows[1].is_nan());
    }

    #[test]
    fn stock_accumulates_inflow_net_of_exits_and_rate_is_bounded() {
        let leaf = LeafCoef {
            flows: [
                None,
                Some(FlowCoef::calibrate(
                    Anchor::Annual {
                        value: 6.0,
                        year: 2020,
                    },
                    0.0,
                    0.0,
                    0.0,
                )),
                None,
            ],
            stock: Some((267.82, 0.02)),
            rate: Some(RateCoef {
                initial: 14.9,
                natural_rate: 5.0,
                registered_gap: None,
            }),
        };
        let mut st = LeafState::initial(&leaf);
        let exo = Exogenous {
            growth_path: -20.0,
            flow_factor: [1.0; 3],
            ..Default::default()
        };
        let v = step(&shared(), &leaf, &mut st, 2021.0, &exo, &Noise::default());
        assert_relative_eq!(v.stock, 267.82 * 0.98 + 6.0, max_relative = 1e-12);
        assert_eq!(
            v.rate, 15.0,
            "a deep recession hits the ceiling, not beyond"
        );
    }

    #[test]
    fn observed_growth_replaces_the_draw_and_carries_its_surprise() {
        let leaf = LeafCoef {
            flows: [None, None, None],
            stock: None,
            rate: None,
        };
        let mut st = LeafState::initial(&leaf);
        let exo = Exogenous {
            growth_path: 6.0,
            growth_shock: -1.0,
            flow_factor: [1.0; 3],
            observed_growth: Some(2.0),
            ..Default::default()
        };
        let noise = Noise {
            growth: 3.0,
            ..Default::default()
        };
        let a = step(&shared(), &leaf, &mut st, 2021.0, &exo, &noise);
        assert_eq!(a.growth, 2.0);
        assert_eq!(st.growth_noise, -3.0);
        let free = Exogenous {
            observed_growth: None,
            ..exo
        };
        let b = step(&shared(), &leaf, &mut st, 2022.0, &free, &Noise::default());
        // AR(1) from the realised surprise: 0.5 × −3.
        assert_relative_eq!(b.growth, 6.0 - 1.0 - 1.5);
    }

    #[test]
    fn growth_noise_is_ar1() {
        let leaf = LeafCoef {
            flows: [None, None, None],
            stock: None,
            rate: None,
        };
        let mut st = LeafState::initial(&leaf);
        let noise = Noise {
            growth: 1.0,
            ..Default::default()
        };
        let exo = Exogenous {
            growth_path: 6.0,
            flow_factor: [1.0; 3],
            ..Default::default()
        };
        let a = step(&shared(), &leaf, &mut st, 2021.0, &exo, &noise);
        let b = step(&shared(), &leaf, &mut st, 2022.0, &exo, &Noise::default());
        assert_relative_eq!(a.growth, 7.0);
        assert_relative_eq!(b.growth, 6.5);
    }
}
