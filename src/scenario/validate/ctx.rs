//! The validation context: errors that name the key path, the provenance of a number, and
//! parameters (a value or a distribution within bounds), each given the next slot of
//! [`Scenario::params`](crate::scenario::Scenario::params) in the order they are validated.

use crate::error::ScenarioError;
use crate::scenario::dist::num;
use crate::scenario::raw::{DistKind, RawParam};
use crate::scenario::{Dist, Param, Provenance, Slot};
use std::path::{Path, PathBuf};

/// The result of a check: the value, or the first error found.
pub(super) type R<T> = Result<T, ScenarioError>;

/// The scenario file being validated and the parameters validated so far.
pub(super) struct Ctx {
    path: PathBuf,
    /// The problems recorded so far by checks that let validation go on.
    errors: std::cell::RefCell<Vec<ScenarioError>>,
    /// Every parameter validated so far, in slot order (the order paths draw them).
    pub(super) params: Vec<Param>,
}

impl Ctx {
    /// A context for the scenario file at `path`, with no parameters yet.
    pub(super) fn new(path: &Path) -> Ctx {
        Ctx {
            path: path.to_path_buf(),
            errors: std::cell::RefCell::default(),
            params: Vec::new(),
        }
    }

    /// The value of a check, or `None` after recording its error, so that validation
    /// goes on to find the other problems.
    pub(super) fn keep<T>(&self, r: R<T>) -> Option<T> {
        r.map_err(|e| self.errors.borrow_mut().push(e)).ok()
    }

    /// The problems recorded, in the order found.
    pub(super) fn take_errors(&self) -> Vec<ScenarioError> {
        std::mem::take(&mut self.errors.borrow_mut())
    }

    /// An error at the key path `key`.
    pub(super) fn err(&self, key: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.clone(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// The provenance of the number at `key`: a plan figure (`source` and `quote`) or an
    /// assumption with its rationale.
    pub(super) fn provenance(
        &self,
        key: &str,
        source: &Option<String>,
        quote: &Option<String>,
        assumption: &Option<String>,
    ) -> Provenance {
        self.checked_provenance(key, source, quote, assumption)
            .unwrap_or_else(|e| {
                self.errors.borrow_mut().push(e);
                Provenance::Assumption {
                    rationale: "stands in for a provenance with a problem".into(),
                    source: None,
                    quote: None,
                }
            })
    }

    /// The provenance at `key`, or why it is not one.
    fn checked_provenance(
        &self,
        key: &str,
        source: &Option<String>,
        quote: &Option<String>,
        assumption: &Option<String>,
    ) -> R<Provenance> {
        let nonempty = |s: &Option<String>| s.as_ref().filter(|s| !s.trim().is_empty()).cloned();
        match (nonempty(source), nonempty(quote), nonempty(assumption)) {
            (source, quote, Some(rationale)) => Ok(Provenance::Assumption {
                rationale,
                source,
                quote,
            }),
            (Some(source), Some(quote), None) => Ok(Provenance::Plan { source, quote }),
            (Some(_), None, None) => Err(self.err(
                key,
                "has `source` but no `quote`: give the plan's Chinese text, or mark it as an `assumption`",
            )),
            _ => Err(self.err(
                key,
                "has no provenance: give `source` and `quote` (a plan figure) or `assumption` (a modelling assumption with its rationale)",
            )),
        }
    }

    /// Validates a parameter, checks its support lies within `[lo, hi]`, and gives it a slot.
    /// A parameter with a problem (recorded) gets a slot too, holding a placeholder, so
    /// that validation goes on.
    pub(super) fn param(&mut self, key: &str, raw: &RawParam, lo: f64, hi: f64) -> Slot {
        self.param_from(key, key, raw, lo, hi)
    }

    /// Like [`Ctx::param`] for a parameter whose distribution is declared at `origin`
    /// (e.g. a default under `[indicators]` that a region inherits).
    pub(super) fn param_from(
        &mut self,
        key: &str,
        origin: &str,
        raw: &RawParam,
        lo: f64,
        hi: f64,
    ) -> Slot {
        // Errors name the key where the value is written, and the region that inherits it.
        let inherited = |e: ScenarioError| match e {
            ScenarioError::Invalid { path, message, .. } if origin != key => {
                let region = key
                    .strip_prefix("regions.")
                    .and_then(|r| r.split('.').next())
                    .unwrap_or(key);
                ScenarioError::Invalid {
                    path,
                    key: origin.to_string(),
                    message: format!("{message} (inherited by regions.{region})"),
                }
            }
            other => other,
        };
        match self.checked_param(key, origin, raw, lo, hi) {
            Ok(slot) => slot,
            Err(e) => {
                self.errors.borrow_mut().push(inherited(e));
                self.placeholder(key, origin, (lo, hi))
            }
        }
    }

    /// A slot for a parameter with a problem: a fixed value within its bounds (never
    /// simulated: the scenario is rejected).
    fn placeholder(&mut self, key: &str, origin: &str, (lo, hi): (f64, f64)) -> Slot {
        self.params.push(Param {
            name: key.to_string(),
            origin: origin.to_string(),
            dist: Dist::Fixed {
                value: 0.0_f64.clamp(lo, hi.max(lo)),
            },
            bounds: (lo, hi),
            provenance: Provenance::Assumption {
                rationale: "stands in for a parameter with a problem".into(),
                source: None,
                quote: None,
            },
        });
        self.params.len() - 1
    }

    /// A region's own parameter at `key` if it sets one, else the default declared at
    /// `origin`, else the error `missing`.
    pub(super) fn own_or_default(
        &mut self,
        key: &str,
        origin: &str,
        own: Option<&RawParam>,
        default: Option<&RawParam>,
        (lo, hi): (f64, f64),
        missing: &str,
    ) -> Slot {
        match (own, default) {
            (Some(p), _) => self.param(key, p, lo, hi),
            (None, Some(p)) => self.param_from(key, origin, p, lo, hi),
            (None, None) => {
                let e = self.err(key, missing);
                self.errors.borrow_mut().push(e);
                self.placeholder(key, key, (lo, hi))
            }
        }
    }

    fn checked_param(
        &mut self,
        key: &str,
        origin: &str,
        raw: &RawParam,
        lo: f64,
        hi: f64,
    ) -> R<Slot> {
        let dist = self.dist(key, raw)?;
        self.check_bounds(key, dist, lo, hi)?;
        let provenance = self.checked_provenance(key, &raw.source, &raw.quote, &raw.assumption)?;
        if !dist.is_fixed() && matches!(provenance, Provenance::Plan { .. }) {
            return Err(self.err(
                key,
                "a distribution's spread is a modelling assumption: add `assumption` with its rationale",
            ));
        }
        self.params.push(Param {
            name: key.to_string(),
            origin: origin.to_string(),
            dist,
            bounds: (lo, hi),
            provenance,
        });
        Ok(self.params.len() - 1)
    }

    /// Checks that the values `dist` can take lie within `[lo, hi]`.
    fn check_bounds(&self, key: &str, dist: Dist, lo: f64, hi: f64) -> R<()> {
        // Unbounded families are accepted when 6 sd (in log space for the lognormal) lie
        // within the bounds; draws are then truncated at the bounds, which happens with
        // probability below 1e-8.
        let (a, b) = match dist {
            Dist::Normal { mean, sd } => (mean - 6.0 * sd, mean + 6.0 * sd),
            Dist::Lognormal { mu, sigma } => (0.0, (mu + 6.0 * sigma).exp()),
            d => d.support(),
        };
        if let Dist::Fixed { value } = dist
            && (value < lo || value > hi)
        {
            return Err(self.err(
                key,
                format!("must lie in {}, got {}", fmt_range(lo, hi), num(value)),
            ));
        }
        if a < lo || b > hi {
            let range = fmt_range(lo, hi);
            let hint = if matches!(dist, Dist::Normal { .. } | Dist::Lognormal { .. }) {
                " (6 standard deviations must lie within the range; use a smaller spread, uniform or triangular)"
            } else {
                ""
            };
            return Err(self.err(
                key,
                format!(
                    "values must lie in {range}, but {} can take values in {}{hint}",
                    dist.describe(),
                    fmt_range(a, b)
                ),
            ));
        }
        Ok(())
    }

    /// A required parameter: validated as by [`Ctx::param`], an error if absent.
    pub(super) fn required_param(
        &mut self,
        key: &str,
        raw: Option<&RawParam>,
        lo: f64,
        hi: f64,
    ) -> Slot {
        match raw {
            Some(p) => self.param(key, p, lo, hi),
            None => {
                let e = self.err(key, "is required");
                self.errors.borrow_mut().push(e);
                self.placeholder(key, key, (lo, hi))
            }
        }
    }

    /// The distribution a parameter declares: its family, the fields that family takes
    /// (and no others), and their order (`low ≤ high`, `low ≤ mode ≤ high`).
    pub(super) fn dist(&self, key: &str, p: &RawParam) -> R<Dist> {
        let kind = match (p.dist, p.value) {
            (Some(k), _) => k,
            (None, Some(_)) => DistKind::Fixed,
            (None, None) => return Err(self.err(key, "needs `value` or `dist`")),
        };
        let allowed: &[&str] = match kind {
            DistKind::Fixed => &["value"],
            DistKind::Normal => &["mean", "sd"],
            DistKind::Lognormal => &["mu", "sigma"],
            DistKind::Uniform => &["low", "high"],
            DistKind::Triangular => &["low", "mode", "high"],
        };
        let kind_name = format!("{kind:?}").to_lowercase();
        self.check_fields(key, p, &kind_name, allowed)?;
        let need = |v: Option<f64>, name: &str| {
            v.ok_or_else(|| {
                self.err(
                    key,
                    format!(
                        "a {kind_name} distribution needs `{name}` (it takes {})",
                        allowed.join(", ")
                    ),
                )
            })
        };
        let d = match kind {
            DistKind::Fixed => Dist::Fixed {
                value: need(p.value.map(|n| n.0), "value")?,
            },
            DistKind::Normal => Dist::Normal {
                mean: need(p.mean.map(|n| n.0), "mean")?,
                sd: need(p.sd.map(|n| n.0), "sd")?,
            },
            DistKind::Lognormal => Dist::Lognormal {
                mu: need(p.mu.map(|n| n.0), "mu")?,
                sigma: need(p.sigma.map(|n| n.0), "sigma")?,
            },
            DistKind::Uniform => Dist::Uniform {
                low: need(p.low.map(|n| n.0), "low")?,
                high: need(p.high.map(|n| n.0), "high")?,
            },
            DistKind::Triangular => Dist::Triangular {
                low: need(p.low.map(|n| n.0), "low")?,
                mode: need(p.mode.map(|n| n.0), "mode")?,
                high: need(p.high.map(|n| n.0), "high")?,
            },
        };
        self.check_order(key, d)?;
        Ok(d)
    }

    /// Rejects a field the distribution family does not take.
    fn check_fields(&self, key: &str, p: &RawParam, kind_name: &str, allowed: &[&str]) -> R<()> {
        let present = [
            ("value", p.value.is_some()),
            ("mean", p.mean.is_some()),
            ("sd", p.sd.is_some()),
            ("mu", p.mu.is_some()),
            ("sigma", p.sigma.is_some()),
            ("low", p.low.is_some()),
            ("mode", p.mode.is_some()),
            ("high", p.high.is_some()),
        ];
        for (name, is) in present {
            if is && !allowed.contains(&name) {
                return Err(self.err(
                    key,
                    format!(
                        "`{name}` does not apply to a {kind_name} distribution (it takes {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks `low ≤ high` (uniform) and `low ≤ mode ≤ high` (triangular).
    fn check_order(&self, key: &str, d: Dist) -> R<()> {
        match d {
            Dist::Uniform { low, high } if low > high => Err(self.err(
                key,
                format!(
                    "`low` ({}) is greater than `high` ({})",
                    num(low),
                    num(high)
                ),
            )),
            Dist::Triangular { low, mode, high } if !(low <= mode && mode <= high) => Err(self
                .err(
                    key,
                    format!(
                        "needs low ≤ mode ≤ high, got {}, {}, {}",
                        num(low),
                        num(mode),
                        num(high)
                    ),
                )),
            _ => Ok(()),
        }
    }
}

/// A range as messages show it: `[0, 1]`, `(−∞, 5]`, `[0, ∞)`.
pub(super) fn fmt_range(lo: f64, hi: f64) -> String {
    let l = if lo.is_infinite() {
        "(−∞".to_string()
    } else {
        format!("[{}", num(lo))
    };
    let h = if hi.is_infinite() {
        "∞)".to_string()
    } else {
        format!("{}]", num(hi))
    };
    format!("{l}, {h}")
}

#[cfg(test)]
mod tests {
    use super::super::testutil::ctx;
    use super::*;

    #[test]
    fn ranges_show_infinite_ends_open() {
        assert_eq!(fmt_range(0.0, 1.5), "[0, 1.5]");
        assert_eq!(fmt_range(f64::NEG_INFINITY, 2.0), "(−∞, 2]");
        assert_eq!(fmt_range(0.0, f64::INFINITY), "[0, ∞)");
    }

    /// The first problem `$e` recorded in `$c`.
    macro_rules! recorded {
        ($c:ident, $e:expr) => {{
            let _ = $e;
            $c.take_errors()
                .first()
                .map(|e| e.to_string())
                .unwrap_or_default()
        }};
    }

    fn param(text: &str) -> RawParam {
        toml::from_str(text).expect("a parameter table")
    }

    #[test]
    fn parameters_get_slots_in_order() {
        let mut c = ctx();
        let a = c.param("a", &param("value = 1\nassumption = \"x\""), 0.0, 2.0);
        let b = c.param(
            "b",
            &param("dist = \"uniform\"\nlow = 0\nhigh = 1\nassumption = \"y\""),
            0.0,
            1.0,
        );
        assert_eq!((a, b), (0, 1));
        assert_eq!(
            c.params[1].dist,
            Dist::Uniform {
                low: 0.0,
                high: 1.0
            }
        );
        assert_eq!(c.params[1].bounds, (0.0, 1.0));
    }

    #[test]
    fn provenance_needs_a_quote_or_an_assumption() {
        let c = ctx();
        let s = Some("plan".to_string());
        let q = Some("原文".to_string());
        assert_eq!(
            c.provenance("k", &s, &q, &None),
            (Provenance::Plan {
                source: "plan".into(),
                quote: "原文".into()
            })
        );
        assert_eq!(
            recorded!(c, c.provenance("k", &s, &None, &None)),
            "s.toml: k: has `source` but no `quote`: give the plan's Chinese text, or mark it as an `assumption`"
        );
        assert_eq!(
            recorded!(c, c.provenance("k", &None, &q, &Some(" ".into()))),
            "s.toml: k: has no provenance: give `source` and `quote` (a plan figure) or `assumption` (a modelling assumption with its rationale)"
        );
    }

    #[test]
    fn out_of_range_and_malformed_parameters_are_rejected() {
        let mut c = ctx();
        assert_eq!(
            recorded!(
                c,
                c.param("k", &param("value = 3\nassumption = \"x\""), 0.0, 2.0)
            ),
            "s.toml: k: must lie in [0, 2], got 3"
        );
        assert_eq!(
            recorded!(
                c,
                c.param(
                    "k",
                    &param("dist = \"normal\"\nmean = 0\nsd = 1\nassumption = \"x\""),
                    -1.0,
                    1.0
                )
            ),
            "s.toml: k: values must lie in [-1, 1], but normal(mean 0, sd 1) can take values in [-6, 6] (6 standard deviations must lie within the range; use a smaller spread, uniform or triangular)"
        );
        assert_eq!(
            recorded!(
                c,
                c.param(
                    "k",
                    &param("dist = \"uniform\"\nlow = 0\nmean = 1"),
                    0.0,
                    1.0
                )
            ),
            "s.toml: k: `mean` does not apply to a uniform distribution (it takes low, high)"
        );
        assert_eq!(
            recorded!(
                c,
                c.param(
                    "k",
                    &param("dist = \"triangular\"\nlow = 0\nhigh = 1"),
                    0.0,
                    1.0
                )
            ),
            "s.toml: k: a triangular distribution needs `mode` (it takes low, mode, high)"
        );
        assert_eq!(
            recorded!(
                c,
                c.param(
                    "k",
                    &param("dist = \"uniform\"\nlow = 1\nhigh = 0\nassumption = \"x\""),
                    0.0,
                    1.0
                )
            ),
            "s.toml: k: `low` (1) is greater than `high` (0)"
        );
        assert_eq!(
            recorded!(
                c,
                c.param(
                    "k",
                    &param("dist = \"uniform\"\nlow = 0\nhigh = 1\nsource = \"p\"\nquote = \"q\""),
                    0.0,
                    1.0
                )
            ),
            "s.toml: k: a distribution's spread is a modelling assumption: add `assumption` with its rationale"
        );
        assert_eq!(
            recorded!(c, c.required_param("k", None, 0.0, 1.0)),
            "s.toml: k: is required"
        );
        // Each parameter with a problem holds a placeholder slot, so that validation goes
        // on; the scenario is rejected.
        assert_eq!(c.params.len(), 7);
        assert!(c.params.iter().all(|p| p.dist == Dist::Fixed { value: 0.0 }
            && matches!(&p.provenance, Provenance::Assumption { rationale, .. } if rationale.starts_with("stands in"))));
    }

    #[test]
    fn an_inherited_default_is_blamed_where_it_is_written() {
        let mut c = ctx();
        let p = param("value = 9\nassumption = \"x\"");
        assert_eq!(
            recorded!(
                c,
                c.param_from(
                    "regions.a.params.urban_new_jobs.trend",
                    "indicators.urban_new_jobs.trend",
                    &p,
                    -0.5,
                    0.5
                )
            ),
            "s.toml: indicators.urban_new_jobs.trend: must lie in [-0.5, 0.5], got 9 (inherited by regions.a)"
        );
        assert_eq!(
            recorded!(
                c,
                c.own_or_default("k", "d", None, None, (0.0, 1.0), "is missing")
            ),
            "s.toml: k: is missing"
        );
    }
}
