//! Comparing scenarios: several scenarios simulated with the same paths and seed, and the
//! probability of meeting each target side by side with its difference from the first
//! scenario (`empsim compare`, [`crate::commands::compare`]).
//!
//! - **Same random numbers.** Every scenario runs `paths` paths from one master seed
//!   (default: the first scenario's), so path *p* starts from the same seed in every
//!   scenario (common random numbers). Its draws stay in step only as far as the scenarios
//!   make the same draws in the same order (see [`crate::engine`]: an extra parameter with
//!   a spread, e.g. a shock's scale or a lever's effect, or an extra shock shifts every
//!   later draw on the path), so the noise in a difference is reduced, not removed.
//!   `diff_se` measures what remains, *paired by path*: with Iₛ(p) = 1 if path p meets the
//!   target in scenario s, `diff_se` = sd(Iₛ − I₀)/√n (n-denominator, as `p_met_se` =
//!   √(p(1 − p)/n)). Scenarios that differ only in fixed values (the growth path, a target,
//!   a fixed parameter) stay exactly in step.
//! - **Matching.** Targets are matched by id (`region.indicator.kind`), regions by id. A
//!   target or region missing from a scenario is kept, with empty cells (CSV) or a series
//!   marked "not projected" (charts), never dropped.
//! - **Years.** Scenarios may have different horizons as long as they share at least one
//!   projection year; the charts run over the union of the projection years and a scenario's
//!   series is blank outside its own horizon. Each scenario's P(met) uses its own target
//!   definition; where it differs from the first scenario's, the terminal table marks it.
//!

use crate::engine;
use crate::error::{Error, Result};
use crate::indicator::Indicator;
use crate::scenario::{Applies, Scenario, Target};
use crate::stats::{self, SeriesSummary, TargetResult};
use rayon::prelude::*;
use serde::Serialize;

/// One scenario's simulation, summarised.
#[derive(Debug)]
pub struct ScenarioRun {
    pub scenario: Scenario,
    pub summaries: Vec<SeriesSummary>,
    pub targets: Vec<TargetResult>,
    /// Per target of the scenario, per path: whether the path meets it.
    pub met: Vec<Vec<bool>>,
}

/// One row of `p_met.csv`: a target in one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareRow {
    pub target_id: String,
    pub region: String,
    pub indicator: Indicator,
    /// `cumulative_floor`, `level_cap`, `level_floor` or `level_about`.
    pub kind: &'static str,
    /// `each_year`, `end`, `average`, or empty for cumulative targets.
    pub applies: &'static str,
    pub period: String,
    pub target_value: f64,
    pub scenario: String,
    /// Empty (`None`) when the scenario lacks the target.
    pub p_met: Option<f64>,
    pub p_met_se: Option<f64>,
    /// The 95 % Wilson interval of `p_met` (see `stats::TargetResult::p_met_low`).
    pub p_met_interval: Option<(f64, f64)>,
    /// The first scenario, which `diff` is taken against.
    pub baseline_scenario: String,
    /// p_met − p_met of the baseline; `None` if either lacks the target.
    pub diff: Option<f64>,
    /// Standard error of `diff`, paired by path (common random numbers).
    pub diff_se: Option<f64>,
    /// Target-setting levels (probability, level; see [`TargetResult::levels`]); empty
    /// when the scenario lacks the target.
    pub levels: Vec<(f64, Option<f64>)>,
    /// The scenario defines the target differently from the first scenario that has it
    /// (kind, period, value, tolerance or `applies`).
    pub redefined: bool,
}

/// The union of the scenarios' projection years (name, first, last); an error if they share
/// none.
pub fn aligned_years(spans: &[(&str, i32, i32)]) -> Result<Vec<i32>> {
    let common_first = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let common_last = spans.iter().map(|s| s.2).min().unwrap_or(-1);
    if common_first > common_last {
        let list: Vec<String> = spans
            .iter()
            .map(|(name, a, b)| format!("{name} projects {a}-{b}"))
            .collect();
        return Err(Error::Usage(format!(
            "the scenarios share no projection year ({}); compare needs overlapping horizons",
            list.join(", ")
        )));
    }
    let first = spans.iter().map(|s| s.1).min().unwrap_or(0);
    let last = spans.iter().map(|s| s.2).max().unwrap_or(-1);
    Ok((first..=last).collect())
}

/// Per target, per path: is the target met (its gap ≤ 0, as in [`stats::evaluate_target`])?
pub fn met_by_path(scn: &Scenario, sim: &engine::Simulation) -> Vec<Vec<bool>> {
    scn.targets
        .par_iter()
        .map(|t| {
            let s = scn
                .series_index(t.region, t.indicator)
                .expect("validated targets have a series");
            (0..sim.n_paths)
                .map(|p| stats::target_outcome(t, scn.base_year, &sim.path_series(p, s)).1 <= 0.0)
                .collect()
        })
        .collect()
}

fn applies_key(t: &Target) -> &'static str {
    t.applies.map_or("", Applies::key)
}

fn same_definition(a: &Target, b: &Target) -> bool {
    a.kind == b.kind
        && a.applies == b.applies
        && a.first_year == b.first_year
        && a.last_year == b.last_year
        && a.value == b.value
        && a.tolerance == b.tolerance
}

/// Target ids in order of first appearance, each with the (scenario, target) index of its
/// first definition.
fn target_union(runs: &[ScenarioRun]) -> Vec<(String, (usize, usize))> {
    let mut out: Vec<(String, (usize, usize))> = Vec::new();
    for (si, r) in runs.iter().enumerate() {
        for (ti, t) in r.scenario.targets.iter().enumerate() {
            if !out.iter().any(|(id, _)| *id == t.id) {
                out.push((t.id.clone(), (si, ti)));
            }
        }
    }
    out
}

pub fn target_index(scn: &Scenario, id: &str) -> Option<usize> {
    scn.targets.iter().position(|t| t.id == id)
}

/// P(met) − P(met) of the baseline and its standard error, paired by path.
fn paired_diff(met: &[bool], base: &[bool]) -> (f64, f64) {
    let n = met.len().min(base.len()).max(1) as f64;
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for (a, b) in met.iter().zip(base) {
        let d = f64::from(u8::from(*a)) - f64::from(u8::from(*b));
        sum += d;
        sum_sq += d * d;
    }
    let mean = sum / n;
    let var = (sum_sq / n - mean * mean).max(0.0);
    (mean, (var / n).sqrt())
}

/// The rows of `p_met.csv`: per target (first appearance order), per scenario.
pub fn compare_rows(runs: &[ScenarioRun]) -> Vec<CompareRow> {
    let base = &runs[0];
    let mut rows = Vec::new();
    for (id, (si, ti)) in target_union(runs) {
        let reference = &runs[si].scenario.targets[ti];
        let base_ti = target_index(&base.scenario, &id);
        for run in runs {
            let scn = &run.scenario;
            let own = target_index(scn, &id);
            let t = own.map_or(reference, |i| &scn.targets[i]);
            let defining = &runs[si].scenario;
            let region = match own {
                Some(_) => scn.regions[t.region].id.clone(),
                None => defining.regions[t.region].id.clone(),
            };
            let result = own.map(|i| &run.targets[i]);
            let (diff, diff_se) = match (own, base_ti) {
                (Some(i), Some(b)) => {
                    let (_, se) = paired_diff(&run.met[i], &base.met[b]);
                    let d = run.targets[i].p_met - base.targets[b].p_met;
                    (Some(d), Some(se))
                }
                _ => (None, None),
            };
            rows.push(CompareRow {
                target_id: id.clone(),
                region,
                indicator: t.indicator,
                kind: t.kind.key(),
                applies: applies_key(t),
                period: t.period_label(),
                target_value: t.value,
                scenario: scn.name.clone(),
                p_met: result.map(|r| r.p_met),
                p_met_se: result.map(|r| r.p_met_se),
                p_met_interval: result.map(|r| (r.p_met_low, r.p_met_high)),
                baseline_scenario: base.scenario.name.clone(),
                diff,
                diff_se,
                levels: result.map(|r| r.levels.clone()).unwrap_or_default(),
                redefined: own.is_some() && !same_definition(t, reference),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_difference_and_its_standard_error() {
        // Paths 0-3: base meets on 0,1; other meets on 0,1,2 → diff 0.25.
        let base = [true, true, false, false];
        let other = [true, true, true, false];
        let (d, se) = paired_diff(&other, &base);
        assert!((d - 0.25).abs() < 1e-12);
        // D = (0,0,1,0): var = 1/4 − 1/16 = 3/16, se = sqrt(3/16/4).
        assert!((se - (3.0f64 / 64.0).sqrt()).abs() < 1e-12);
        let (d0, se0) = paired_diff(&base, &base);
        assert_eq!((d0, se0), (0.0, 0.0));
    }

    #[test]
    fn horizons_align_on_the_union_of_years_or_fail_without_overlap() {
        let years = aligned_years(&[("a", 2021, 2025), ("b", 2022, 2026)]).unwrap();
        assert_eq!(years, (2021..=2026).collect::<Vec<_>>());
        let e = aligned_years(&[("a", 2021, 2025), ("b", 2026, 2030)]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "the scenarios share no projection year (a projects 2021-2025, b projects \
2026-2030); compare needs overlapping horizons"
        );
    }
}
