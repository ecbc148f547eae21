//! Calibration: how each baseline parameter of a scenario follows from the plans' figures
//! for 2016-2020, step by step, so that it can be checked and repeated (`empsim
//! calibrate`; the method is explained with its numbers in `docs/CALIBRATION.md`).
//!
//! For each simulated region and flow ([`FlowDerivation`]):
//! 1. the anchor: a five-year total C over y₀..y₁ (or one year's flow) and its provenance;
//! 2. the middle year m = (y₀ + y₁)/2, where the total's mean belongs (2018 for 2016-2020);
//! 3. the trend τ: its distribution and central value (the mean);
//! 4. the trend-line level A = C / Σ_{y=y₀}^{y₁} exp(τ (y − m)) at the central τ (what
//!    [`FlowCoef::calibrate`] computes on every path for that path's τ), and the implied
//!    levels A·exp(τ (t − m)) at the window's last year and at the first projection year,
//!    also at τ ± one standard deviation;
//! 5. where a plan gives a single year's flow inside the window as well as the total (a
//!    baseline's `single_year`, e.g. Shaoyang's 2020 flow 4.72 beside its 2016-2020 total
//!    22.43), the trend that reconciles the two: C / Σ_y exp(τ (y − s)) = v, solved by
//!    bisection ([`solve_trend`]), compared with the scenario's central trend;
//! 6. the approximate spread of log J in the first projection year from the parameter
//!    and noise distributions: √(Var τ · (t₁ − m)² + E(ε²)·E(σ_g²) + E(σ²)) (trend
//!    uncertainty, one year's growth surprise times the elasticity, the flow's own noise;
//!    shocks and levers excluded; the second-order effect of τ on A is ignored).
//!
//! Then the aggregates: each province's 2016-2020 totals against the sum of its parts,
//! with the residual ("rest of") region's figure recomputed ([`ResidualCheck`]); the rate
//! weights and their shares ([`RateWeight`]); and every parameter the plans do not give,
//! grouped by where it is declared ([`AssumedParam`]).
//!
//! Only baselines enter: figures for 2016-2020 and earlier in the shipped scenarios (the
//! validator refuses a baseline after the base year unless `[horizon] in_sample = true`).

use crate::indicator::{Indicator, IndicatorKind};
use crate::model::FlowCoef;
use crate::scenario::{
    Anchor, Baseline, BaselineKind, Dist, FlowModel, Param, Provenance, Region, Scenario,
};
use serde::Serialize;
use std::fmt::Write as _;

/// Everything [`derive()`] finds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub scenario: String,
    pub base_year: i32,
    pub end_year: i32,
    pub in_sample: bool,
    pub flows: Vec<FlowDerivation>,
    pub residuals: Vec<ResidualCheck>,
    pub rate_weights: Vec<RateWeight>,
    pub parameters: Vec<AssumedParam>,
}

/// How one simulated region's flow is calibrated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowDerivation {
    pub region: String,
    pub indicator: Indicator,
    /// `cumulative` (a total over first..=last) or `annual` (one year's flow).
    pub anchor_kind: BaselineKind,
    pub anchor_value: f64,
    pub first_year: i32,
    pub last_year: i32,
    /// `plan` or `assumption`, and the quote or rationale.
    pub anchor_provenance: &'static str,
    pub anchor_source: String,
    /// The anchor's yearly average (the total ÷ its years).
    pub yearly_average: f64,
    /// m: the year the anchor's mean belongs to.
    pub mid_year: f64,
    /// The trend parameter's key path and where its distribution is declared.
    pub trend_param: String,
    pub trend_origin: String,
    pub trend_dist: String,
    pub trend_provenance: &'static str,
    /// Central trend (the distribution's mean) and its standard deviation.
    pub trend_central: f64,
    pub trend_sd: f64,
    /// A at the central trend: the trend line's level at m.
    pub level_a: f64,
    /// The trend line at the window's last year.
    pub window_end_year: i32,
    pub level_window_end: f64,
    /// The trend line at the first projection year, at τ and at τ ∓ sd.
    pub first_projection_year: i32,
    pub level_first_projection: f64,
    pub level_first_projection_low: f64,
    pub level_first_projection_high: f64,
    /// Approximate sd of log J in the first projection year (see the module docs).
    pub log_sd_first_projection: f64,
    pub log_sd_parts: LogSdParts,
    pub two_figure: Option<TwoFigureSolve>,
}

/// The three parts of [`FlowDerivation::log_sd_first_projection`] (each an sd in log).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LogSdParts {
    pub trend: f64,
    pub growth: f64,
    pub noise: f64,
}

/// The trend that makes a total and a single year's flow agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoFigureSolve {
    pub year: i32,
    pub value: f64,
    pub provenance: &'static str,
    pub source: String,
    /// The solved trend, or `None` when the two figures do not identify one (the year is
    /// the window's middle, or no trend in [−1, 1] fits).
    pub trend: Option<f64>,
    /// The scenario's central trend for this flow, to compare.
    pub scenario_trend: f64,
}

/// A province's cumulative baseline against the sum of its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidualCheck {
    pub parent: String,
    pub indicator: Indicator,
    pub first_year: i32,
    pub last_year: i32,
    pub parent_total: f64,
    /// (region, value, provenance label) of each child with the same window.
    pub parts: Vec<(String, f64, &'static str)>,
    pub sum_of_parts: f64,
    /// parent − Σ parts (0 when they add up).
    pub difference: f64,
    /// The child given as an assumption (the residual), and its value recomputed as the
    /// parent's total minus the other children's.
    pub residual: Option<(String, f64)>,
}

/// A child's weight in its parent's unemployment rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateWeight {
    pub parent: String,
    pub region: String,
    pub weight: f64,
    /// weight ÷ the sum of the siblings' weights.
    pub share: f64,
    pub provenance: &'static str,
    pub rationale: String,
    /// The weight equals the region's 2016-2020 (cumulative) new urban jobs.
    pub equals_urban_jobs_total: bool,
}

/// A parameter, once per place it is declared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssumedParam {
    /// Where the distribution is declared (e.g. `indicators.urban_new_jobs.trend`).
    pub origin: String,
    pub dist: String,
    pub mean: f64,
    pub sd: f64,
    pub provenance: &'static str,
    /// The rationale (assumptions) or the quote (plan figures).
    pub basis: String,
    /// How many model slots use it (regions inheriting a default).
    pub used_by: usize,
}

/// The standard deviation of a distribution.
pub fn dist_sd(d: &Dist) -> f64 {
    match *d {
        Dist::Fixed { .. } => 0.0,
        Dist::Normal { sd, .. } => sd,
        Dist::Lognormal { mu, sigma } => {
            (((sigma * sigma).exp() - 1.0) * (2.0 * mu + sigma * sigma).exp()).sqrt()
        }
        Dist::Uniform { low, high } => (high - low) / 12f64.sqrt(),
        Dist::Triangular { low, mode, high } => {
            ((low * low + mode * mode + high * high - low * mode - low * high - mode * high) / 18.0)
                .sqrt()
        }
    }
}

/// E[X²] of a distribution.
fn second_moment(d: &Dist) -> f64 {
    let m = d.mean();
    let s = dist_sd(d);
    m * m + s * s
}

/// The trend τ for which a total `total` over `first..=last` on the line
/// A·exp(τ (y − m)) has the flow `value` in `year`: total / Σ_y exp(τ (y − year)) = value.
///
/// g(τ) = Σ_y exp(τ (y − year)) is convex; for `year` after the middle the relevant
/// root lies below g's minimum (where the flow rises with τ), for `year` before the middle
/// above it. Solved by bisection on [−1, 1]; `None` if `year` is the middle year, lies
/// outside the window, or no τ in [−1, 1] fits.
pub fn solve_trend(total: f64, first: i32, last: i32, year: i32, value: f64) -> Option<f64> {
    if !(first..=last).contains(&year) || total <= 0.0 || value <= 0.0 || 2 * year == first + last {
        return None;
    }
    let d: Vec<f64> = (first..=last).map(|y| f64::from(y - year)).collect();
    let g = |t: f64| d.iter().map(|x| (t * x).exp()).sum::<f64>();
    let dg = |t: f64| d.iter().map(|x| x * (t * x).exp()).sum::<f64>();
    // The minimum of g: dg is increasing.
    let (mut a, mut b) = (-1.0f64, 1.0f64);
    let t_min = if dg(a) >= 0.0 {
        a
    } else if dg(b) <= 0.0 {
        b
    } else {
        for _ in 0..200 {
            let c = 0.5 * (a + b);
            if dg(c) < 0.0 { a = c } else { b = c }
        }
        0.5 * (a + b)
    };
    let target = total / value;
    // On the branch, g is monotone: decreasing on [−1, t_min] (year after the middle),
    // increasing on [t_min, 1] (year before).
    let (mut lo, mut hi) = if 2 * year > first + last {
        (-1.0, t_min)
    } else {
        (t_min, 1.0)
    };
    let f = |t: f64| g(t) - target;
    if f(lo).signum() == f(hi).signum() {
        return None;
    }
    for _ in 0..200 {
        let c = 0.5 * (lo + hi);
        if f(c).signum() == f(lo).signum() {
            lo = c
        } else {
            hi = c
        }
    }
    Some(0.5 * (lo + hi))
}

fn source_of(p: &Provenance) -> String {
    match p {
        Provenance::Plan { source, quote } => format!("{source}: “{quote}”"),
        Provenance::Assumption {
            rationale,
            source,
            quote,
        } => match (source, quote) {
            (Some(s), Some(q)) => format!("{s}: “{q}” — {rationale}"),
            _ => rationale.clone(),
        },
    }
}

/// Derives every calibration step of a validated scenario.
pub fn derive(scn: &Scenario) -> Calibration {
    let mut flows = Vec::new();
    for &r in &scn.leaves {
        let region = &scn.regions[r];
        let Some(leaf) = region.leaf.as_ref() else {
            continue;
        };
        for (fi, ind) in Indicator::FLOWS.into_iter().enumerate() {
            if let Some(fm) = leaf.flows[fi].as_ref() {
                flows.push(flow_derivation(scn, region, ind, fm));
            }
        }
    }
    let mut residuals = Vec::new();
    let mut rate_weights = Vec::new();
    for region in scn.regions.iter().filter(|r| !r.children.is_empty()) {
        for b in region
            .baselines
            .iter()
            .filter(|b| b.kind == BaselineKind::Cumulative)
        {
            residuals.push(residual_check(scn, region, b));
        }
        if region
            .indicators
            .iter()
            .any(|i| i.kind() == IndicatorKind::Rate)
        {
            rate_weights.extend(rate_weights_of(scn, region));
        }
    }
    Calibration {
        scenario: scn.name.clone(),
        base_year: scn.base_year,
        end_year: scn.end_year,
        in_sample: scn.in_sample,
        flows,
        residuals,
        rate_weights,
        parameters: assumed_params(scn),
    }
}

/// How one flow's level and trend follow from its baseline and trend parameter.
fn flow_derivation(
    scn: &Scenario,
    region: &Region,
    ind: Indicator,
    fm: &FlowModel,
) -> FlowDerivation {
    let p = |slot: usize| -> &Param { &scn.params[slot] };
    let first_proj = scn.base_year + 1;
    let trend = p(fm.trend);
    let tau = trend.dist.mean();
    let tau_sd = dist_sd(&trend.dist);
    let coef = |t: f64| FlowCoef::calibrate(fm.anchor, t, 0.0, 0.0);
    let at = |t: f64, year: i32| coef(t).value(f64::from(year), 0.0, 1.0, 0.0);
    let c = coef(tau);
    let (kind, value, first, last) = match fm.anchor {
        Anchor::Cumulative { total, first, last } => (BaselineKind::Cumulative, total, first, last),
        Anchor::Annual { value, year } => (BaselineKind::Annual, value, year, year),
    };
    let baseline = region.baselines.iter().find(|b| {
        b.indicator == ind && b.kind == kind && b.first_year == first && b.last_year == last
    });
    let (anchor_provenance, anchor_source) = baseline.map_or(("", String::new()), |b| {
        (b.provenance.label(), source_of(&b.provenance))
    });
    let eps2 = second_moment(&p(fm.elasticity).dist);
    let g2 = second_moment(&p(scn.growth.noise_sd).dist);
    let s2 = second_moment(&p(fm.noise_sd).dist);
    let parts = LogSdParts {
        trend: tau_sd * (f64::from(first_proj) - c.mid).abs(),
        growth: (eps2 * g2).sqrt(),
        noise: s2.sqrt(),
    };
    let two_figure = baseline
        .and_then(|b| b.single_year.as_ref())
        .map(|f| TwoFigureSolve {
            year: f.year,
            value: f.value,
            provenance: f.provenance.label(),
            source: source_of(&f.provenance),
            trend: solve_trend(value, first, last, f.year, f.value),
            scenario_trend: tau,
        });
    let (lo, hi) = {
        let a = at(tau - tau_sd, first_proj);
        let b = at(tau + tau_sd, first_proj);
        (a.min(b), a.max(b))
    };
    FlowDerivation {
        region: region.id.clone(),
        indicator: ind,
        anchor_kind: kind,
        anchor_value: value,
        first_year: first,
        last_year: last,
        anchor_provenance,
        anchor_source,
        yearly_average: value / f64::from(last - first + 1),
        mid_year: c.mid,
        trend_param: trend.name.clone(),
        trend_origin: trend.origin.clone(),
        trend_dist: trend.dist.describe(),
        trend_provenance: trend.provenance.label(),
        trend_central: tau,
        trend_sd: tau_sd,
        level_a: c.level,
        window_end_year: last,
        level_window_end: at(tau, last),
        first_projection_year: first_proj,
        level_first_projection: at(tau, first_proj),
        level_first_projection_low: lo,
        level_first_projection_high: hi,
        log_sd_first_projection: (parts.trend.powi(2) + parts.growth.powi(2) + parts.noise.powi(2))
            .sqrt(),
        log_sd_parts: parts,
        two_figure,
    }
}

/// A province's cumulative baseline against the sum of its parts.
fn residual_check(scn: &Scenario, region: &Region, b: &Baseline) -> ResidualCheck {
    let parts: Vec<(String, f64, &'static str)> = region
        .children
        .iter()
        .filter_map(|&c| {
            let child = &scn.regions[c];
            child
                .cumulative_like(b)
                .map(|x| (child.id.clone(), x.value, x.provenance.label()))
        })
        .collect();
    let sum: f64 = parts.iter().map(|x| x.1).sum();
    let assumed: Vec<&(String, f64, &str)> = parts.iter().filter(|x| x.2 == "assumption").collect();
    let residual = match assumed.as_slice() {
        [one] => Some((
            one.0.clone(),
            b.value
                - parts
                    .iter()
                    .filter(|x| x.0 != one.0)
                    .map(|x| x.1)
                    .sum::<f64>(),
        )),
        _ => None,
    };
    ResidualCheck {
        parent: region.id.clone(),
        indicator: b.indicator,
        first_year: b.first_year,
        last_year: b.last_year,
        parent_total: b.value,
        parts,
        sum_of_parts: sum,
        difference: b.value - sum,
        residual,
    }
}

/// The weights a province averages its children's rates with.
fn rate_weights_of(scn: &Scenario, region: &Region) -> Vec<RateWeight> {
    let total: f64 = region
        .children
        .iter()
        .filter_map(|&c| scn.regions[c].rate_weight)
        .sum();
    let mut out = Vec::new();
    for &c in &region.children {
        let child = &scn.regions[c];
        let Some(w) = child.rate_weight else { continue };
        let jobs = child
            .baselines
            .iter()
            .find(|b| b.indicator == Indicator::UrbanNewJobs && b.kind == BaselineKind::Cumulative);
        out.push(RateWeight {
            parent: region.id.clone(),
            region: child.id.clone(),
            weight: w,
            share: w / total,
            provenance: child
                .rate_weight_provenance
                .as_ref()
                .map_or("", |p| p.label()),
            rationale: child
                .rate_weight_provenance
                .as_ref()
                .map_or(String::new(), source_of),
            equals_urban_jobs_total: jobs.is_some_and(|b| (b.value - w).abs() < 1e-9),
        });
    }
    out
}

/// Every parameter declaration once, with how many parameters use it.
fn assumed_params(scn: &Scenario) -> Vec<AssumedParam> {
    let mut parameters: Vec<AssumedParam> = Vec::new();
    for prm in &scn.params {
        if let Some(a) = parameters.iter_mut().find(|a| a.origin == prm.origin) {
            a.used_by += 1;
            continue;
        }
        parameters.push(AssumedParam {
            origin: prm.origin.clone(),
            dist: prm.dist.describe(),
            mean: prm.dist.mean(),
            sd: dist_sd(&prm.dist),
            provenance: prm.provenance.label(),
            basis: source_of(&prm.provenance),
            used_by: 1,
        });
    }
    parameters
}

impl Calibration {
    /// The derivation as text, step by step, for the terminal.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Calibration of {}{}: base year {}, projection {}-{}",
            self.scenario,
            if self.in_sample { " (in-sample)" } else { "" },
            self.base_year,
            self.base_year + 1,
            self.end_year
        );
        let _ = writeln!(
            s,
            "\n1. Flows: log J(t) = log A + τ·(t − m) + ε·(g − g_ref) + σ·η − σ²/2"
        );
        for f in &self.flows {
            flow_text(&mut s, f);
        }
        residuals_text(&mut s, &self.residuals);
        rate_weights_text(&mut s, &self.rate_weights);
        parameters_text(&mut s, &self.parameters);
        s
    }
}

/// One flow's derivation, for [`Calibration::text`].
fn flow_text(s: &mut String, f: &FlowDerivation) {
    let _ = writeln!(s, "\n  {} {}", f.region, f.indicator);
    match f.anchor_kind {
        BaselineKind::Cumulative => {
            let _ = writeln!(
                s,
                "    anchor: total C = {} over {}-{} [{}] → yearly average {:.4}, mid-year m = {}",
                f.anchor_value,
                f.first_year,
                f.last_year,
                f.anchor_provenance,
                f.yearly_average,
                f.mid_year
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "    anchor: the {} flow {} [{}], m = {}",
                f.last_year, f.anchor_value, f.anchor_provenance, f.mid_year
            );
        }
    }
    let _ = writeln!(
        s,
        "    trend τ ~ {} [{}, {}]: central τ = {:.4}, sd {:.4}",
        f.trend_dist, f.trend_provenance, f.trend_origin, f.trend_central, f.trend_sd
    );
    if f.anchor_kind == BaselineKind::Cumulative {
        let _ = writeln!(
            s,
            "    A = C / Σ_{{y={}}}^{{{}}} exp(τ·(y − {})) = {:.4}",
            f.first_year, f.last_year, f.mid_year, f.level_a
        );
    }
    let _ = writeln!(
        s,
        "    trend line: {} {:.4}; {} {:.4} (τ ∓ sd: {:.4}-{:.4})",
        f.window_end_year,
        f.level_window_end,
        f.first_projection_year,
        f.level_first_projection,
        f.level_first_projection_low,
        f.level_first_projection_high
    );
    let _ = writeln!(
        s,
        "    spread of log J({}) ≈ {:.3} (trend {:.3}, growth {:.3}, noise {:.3})",
        f.first_projection_year,
        f.log_sd_first_projection,
        f.log_sd_parts.trend,
        f.log_sd_parts.growth,
        f.log_sd_parts.noise
    );
    if let Some(t) = &f.two_figure {
        match t.trend {
            Some(tau) => {
                let _ = writeln!(
                    s,
                    "    two figures: the {} flow {} [{}] with the total {} ⇒ τ = {:.4} (scenario's central τ {:.4}, difference {:+.4})",
                    t.year,
                    t.value,
                    t.provenance,
                    f.anchor_value,
                    tau,
                    t.scenario_trend,
                    t.scenario_trend - tau
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "    two figures: the {} flow {} does not identify a trend with the total {}",
                    t.year, t.value, f.anchor_value
                );
            }
        }
    }
}

/// Step 2 of [`Calibration::text`].
fn residuals_text(s: &mut String, residuals: &[ResidualCheck]) {
    if !residuals.is_empty() {
        let _ = writeln!(s, "\n2. Provinces are the sum of their parts");
        for r in residuals {
            let parts: Vec<String> = r
                .parts
                .iter()
                .map(|(id, v, _)| format!("{id} {v}"))
                .collect();
            let _ = writeln!(
                s,
                "  {} {} {}-{}: {} = {} (difference {:.4})",
                r.parent,
                r.indicator,
                r.first_year,
                r.last_year,
                r.parent_total,
                parts.join(" + "),
                r.difference
            );
            if let Some((id, v)) = &r.residual {
                let others: Vec<String> = r
                    .parts
                    .iter()
                    .filter(|x| &x.0 != id)
                    .map(|x| format!("{}", x.1))
                    .collect();
                let _ = writeln!(
                    s,
                    "    residual {id} = {} − {} = {:.4}",
                    r.parent_total,
                    others.join(" − "),
                    v
                );
            }
        }
    }
}

/// Step 3 of [`Calibration::text`].
fn rate_weights_text(s: &mut String, rate_weights: &[RateWeight]) {
    if !rate_weights.is_empty() {
        let _ = writeln!(s, "\n3. Rate weights (a province's rate = Σ share·rate)");
        for w in rate_weights {
            let _ = writeln!(
                s,
                "  {} in {}: weight {} → share {:.4}{} [{}]",
                w.region,
                w.parent,
                w.weight,
                w.share,
                if w.equals_urban_jobs_total {
                    " (= its 2016-2020 new urban jobs)"
                } else {
                    ""
                },
                w.provenance
            );
        }
    }
}

/// Step 4 of [`Calibration::text`].
fn parameters_text(s: &mut String, parameters: &[AssumedParam]) {
    let _ = writeln!(s, "\n4. Parameters, once per declaration (mean, sd)");
    for p in parameters {
        let _ = writeln!(
            s,
            "  {} ~ {} (mean {:.4}, sd {:.4}) [{}{}]: {}",
            p.origin,
            p.dist,
            p.mean,
            p.sd,
            p.provenance,
            if p.used_by > 1 {
                format!(", used by {}", p.used_by)
            } else {
                String::new()
            },
            p.basis
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shaoyang_trend_from_its_total_and_2020_flow() {
        let tau = solve_trend(22.43, 2016, 2020, 2020, 4.72).unwrap();
        assert!((tau - 0.0258).abs() < 5e-5, "{tau}");
        // The solved trend reproduces both figures.
        let c = FlowCoef::calibrate(
            Anchor::Cumulative {
                total: 22.43,
                first: 2016,
                last: 2020,
            },
            tau,
            0.0,
            0.0,
        );
        assert!((c.value(2020.0, 0.0, 1.0, 0.0) - 4.72).abs() < 1e-9);
    }

    #[test]
    fn trend_solve_round_trips_before_and_after_the_middle_and_refuses_the_middle() {
        for tau in [-0.3, -0.05, 0.0, 0.04, 0.2] {
            for year in [2016, 2017, 2019, 2020] {
                let c = FlowCoef::calibrate(
                    Anchor::Cumulative {
                        total: 100.0,
                        first: 2016,
                        last: 2020,
                    },
                    tau,
                    0.0,
                    0.0,
                );
                let v = c.value(f64::from(year), 0.0, 1.0, 0.0);
                let got = solve_trend(100.0, 2016, 2020, year, v).unwrap();
                assert!((got - tau).abs() < 1e-9, "τ {tau}, year {year}: {got}");
            }
        }
        assert_eq!(solve_trend(100.0, 2016, 2020, 2018, 20.0), None);
        assert_eq!(solve_trend(100.0, 2016, 2020, 2021, 20.0), None);
        // A 2020 flow of 90 out of a total of 100 needs τ far beyond 1.
        assert_eq!(solve_trend(100.0, 2016, 2020, 2020, 90.0), None);
    }

    #[test]
    fn sds_of_the_distribution_families() {
        assert_eq!(dist_sd(&Dist::Fixed { value: 3.0 }), 0.0);
        assert!(
            (dist_sd(&Dist::Uniform {
                low: 0.0,
                high: 1.0
            }) - (1.0f64 / 12.0).sqrt())
            .abs()
                < 1e-15
        );
        let tri = Dist::Triangular {
            low: 0.0,
            mode: 1.0,
            high: 4.0,
        };
        assert!((dist_sd(&tri) - (13.0f64 / 18.0).sqrt()).abs() < 1e-12);
        let ln = Dist::Lognormal {
            mu: 0.0,
            sigma: 0.5,
        };
        let v = (0.25f64.exp() - 1.0) * 0.25f64.exp();
        assert!((dist_sd(&ln) - v.sqrt()).abs() < 1e-12);
    }
}
