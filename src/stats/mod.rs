//! Summaries across Monte Carlo paths: quantiles, means, and whether each plan target is
//! met, with its Monte Carlo standard error and the pro-rata glide path.
//!
//! Quantiles use Hyndman & Fan (1996) definition 7, the default of R and NumPy: for sorted
//! x₁..xₙ and probability p, h = (n − 1)p, Q(p) = x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋)
//! (0-based indices).

pub mod score;
mod select;
mod track;

use crate::engine::Simulation;
use crate::indicator::IndicatorKind;
use crate::scenario::{Applies, Scenario, Target, TargetKind};
use serde::Serialize;

/// The probabilities reported in `quantiles.csv`.
pub const PROBS: [f64; 7] = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95];

/// Hyndman-Fan type 7 quantile of an ascending-sorted, non-empty slice without NaN.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let n = sorted.len();
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Sorts a copy of `xs` (total order) and returns it.
///
/// The sort is unstable, which cannot change the result: values equal under `total_cmp`
/// are bitwise identical.
pub fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// Type-7 quantiles at `probs` of a non-empty slice without NaN, by selection instead of a
/// full sort: the order statistics each quantile needs (⌊h⌋ and ⌊h⌋ + 1) are selected
/// middle first, then each side within its own part of the slice, O(n log k) for k
/// statistics instead of O(n log n). The order statistics are exactly those of the
/// sorted slice (values equal under `total_cmp` are bitwise identical), so the result is
/// bit for bit [`quantile_sorted`] of [`sorted`]. `xs` is reordered.
pub fn quantiles_by_selection<const K: usize>(xs: &mut [f64], probs: [f64; K]) -> [f64; K] {
    let v = quantiles_select(xs, &probs);
    std::array::from_fn(|i| v[i])
}

/// [`quantiles_by_selection`] for any number of probabilities.
pub fn quantiles_select(xs: &mut [f64], probs: &[f64]) -> Vec<f64> {
    debug_assert!(!xs.is_empty());
    let (pos, needed) = type7_positions(xs.len(), probs);
    let mut values = vec![0.0; needed.len()];
    multi_select(xs, 0, &needed, &mut values);
    interpolate(&pos, &needed, &values)
}

/// Type-7 quantiles at `probs` of a non-empty column without NaN, bit for bit those of
/// [`quantiles_select`], without reordering it: long columns by counting passes over bins
/// (see `select`), short ones by selection on a copy in `scratch`.
pub fn quantiles_of(xs: &[f64], probs: &[f64], scratch: &mut Vec<f64>) -> Vec<f64> {
    debug_assert!(!xs.is_empty());
    let (pos, needed) = type7_positions(xs.len(), probs);
    let values = select::order_statistics(xs, &needed, scratch);
    interpolate(&pos, &needed, &values)
}

/// The mean, sample standard deviation and type-7 quantiles at `probs` of each of
/// `columns` (non-empty, of one length, without NaN): bit for bit [`mean_sd`] and
/// [`quantiles_of`] of each, with the columns read side by side (see `select`).
pub fn describe(
    columns: &[&[f64]],
    probs: &[f64],
    scratch: &mut Vec<f64>,
) -> Vec<(f64, f64, Vec<f64>)> {
    let Some(first) = columns.first() else {
        return Vec::new();
    };
    debug_assert!(!first.is_empty());
    let (pos, needed) = type7_positions(first.len(), probs);
    select::describe(columns, &needed, scratch)
        .into_iter()
        .map(|(mean, sd, values)| (mean, sd, interpolate(&pos, &needed, &values)))
        .collect()
}

/// For type-7 quantiles at `probs` of n values: each one's h = (n − 1)p with the order
/// statistics ⌊h⌋ and ⌊h⌋ + 1 it interpolates, and every order statistic needed, ascending.
#[allow(clippy::type_complexity)]
fn type7_positions(n: usize, probs: &[f64]) -> (Vec<(f64, usize, usize)>, Vec<usize>) {
    let pos: Vec<(f64, usize, usize)> = probs
        .iter()
        .map(|p| {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            (h, lo, (lo + 1).min(n - 1))
        })
        .collect();
    let mut needed: Vec<usize> = pos.iter().flat_map(|&(_, lo, hi)| [lo, hi]).collect();
    needed.sort_unstable();
    needed.dedup();
    (pos, needed)
}

/// The quantiles at `pos` from the order statistics `values` at `needed`.
fn interpolate(pos: &[(f64, usize, usize)], needed: &[usize], values: &[f64]) -> Vec<f64> {
    let at = |i: usize| values[needed.binary_search(&i).expect("selected")];
    pos.iter()
        .map(|&(h, lo, hi)| at(lo) + (h - lo as f64) * (at(hi) - at(lo)))
        .collect()
}

/// Puts the order statistics `needed` (ascending, absolute indices; `xs` starts at index
/// `offset`) into `values`: the middle one is selected first, then the smaller ones left of
/// it and the larger ones right of it, so each level of the recursion partitions disjoint
/// parts of the slice (O(n log k) for k statistics).
fn multi_select(xs: &mut [f64], offset: usize, needed: &[usize], values: &mut [f64]) {
    if needed.is_empty() {
        return;
    }
    let m = needed.len() / 2;
    let (left, v, right) = xs.select_nth_unstable_by(needed[m] - offset, f64::total_cmp);
    values[m] = *v;
    let (vl, vr) = values.split_at_mut(m);
    multi_select(left, offset, &needed[..m], vl);
    multi_select(right, needed[m] + 1, &needed[m + 1..], &mut vr[1..]);
}

/// Mean and sample standard deviation (n − 1), summed in index order.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

pub use crate::indicator::Measure;

/// One row of `quantiles.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesSummary {
    pub series: usize,
    pub measure: Measure,
    pub year: i32,
    pub mean: f64,
    pub sd: f64,
    /// Quantiles at [`PROBS`].
    pub q: [f64; 7],
}

/// Summarises every series `sim` holds (every series of a whole simulation, or a block's)
/// and year, annual and (for flows) cumulative, in series order.
pub fn summarize(scn: &Scenario, sim: &Simulation) -> Vec<SeriesSummary> {
    summarize_counted(scn, sim, &|| {})
}

/// [`summarize`], calling `done` (from the worker threads) after each series.
pub fn summarize_counted(
    scn: &Scenario,
    sim: &Simulation,
    done: &(dyn Fn() + Sync),
) -> Vec<SeriesSummary> {
    use rayon::prelude::*;
    let years = scn.years();
    // Series in parallel, each summarised sequentially; collected in series order, so the
    // rows do not depend on the number of threads.
    sim.series
        .par_iter()
        .map_init(
            || (Running::take(), Vec::new()),
            |(running, scratch): &mut (Running, Vec<f64>), &s| {
                let running = &mut running.0;
                let n = sim.n_paths;
                let flow = scn.series[s].indicator.kind() == IndicatorKind::Flow;
                // The cumulative columns: running sums over the years, path by path, the
                // first year's from 0.0 (as a running sum from zero: a −0.0 becomes 0.0).
                // Every value is written, so the previous series' columns need no fill.
                if flow {
                    crate::engine::mem::reuse(running, years.len() * n);
                    for k in 0..years.len() {
                        let (done, rest) = running.split_at_mut(k * n);
                        let cum = &mut rest[..n];
                        let xs = sim.column(s, k);
                        match k.checked_sub(1) {
                            Some(j) => {
                                for ((r, p), x) in cum.iter_mut().zip(&done[j * n..]).zip(xs) {
                                    *r = p + x;
                                }
                            }
                            None => {
                                for (r, x) in cum.iter_mut().zip(xs) {
                                    *r = 0.0 + x;
                                }
                            }
                        }
                    }
                } else {
                    running.clear();
                }
                let annual = (0..years.len()).map(|k| sim.column(s, k));
                let columns: Vec<&[f64]> = annual.chain(running.chunks(n.max(1))).collect();
                let described = describe(&columns, &PROBS, scratch);
                let row = |measure: Measure, k: usize, d: &(f64, f64, Vec<f64>)| SeriesSummary {
                    series: s,
                    measure,
                    year: years[k],
                    mean: d.0,
                    sd: d.1,
                    q: std::array::from_fn(|i| d.2[i]),
                };
                let mut rows = Vec::with_capacity(described.len());
                for k in 0..years.len() {
                    rows.push(row(Measure::Annual, k, &described[k]));
                    if flow {
                        rows.push(row(Measure::Cumulative, k, &described[years.len() + k]));
                    }
                }
                done();
                rows
            },
        )
        .flatten_iter()
        .collect()
}

/// A worker thread's cumulative columns, kept for its next series, block and run: rayon
/// starts a fresh `map_init` state for every piece of work it splits off, and a fresh
/// vector of 40 MB (a flow's five years at 1,000,000 paths) costs the kernel 10-15 ms to
/// zero, some fifteen times a run. Taken out of the thread's slot while in use (a worker
/// that steals another piece meanwhile finds the slot empty and starts its own) and put
/// back on drop, the larger of the two kept.
struct Running(Vec<f64>);

thread_local! {
    static RUNNING: std::cell::Cell<Vec<f64>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Running {
    fn take() -> Running {
        Running(RUNNING.take())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mine = std::mem::take(&mut self.0);
        let kept = RUNNING.take();
        RUNNING.set(if mine.capacity() >= kept.capacity() {
            mine
        } else {
            kept
        });
    }
}

/// The final guard before anything is written: every summary and target figure must be
/// finite. Names the first that is not.
///
/// # Errors
/// [`crate::Error::NonFinite`] naming the series and year, or the target.
pub fn check_finite(
    scn: &Scenario,
    summaries: &[SeriesSummary],
    targets: &[TargetResult],
) -> crate::Result<()> {
    for r in summaries {
        let values = [r.mean, r.sd].into_iter().chain(r.q);
        if let Some(v) = values.into_iter().find(|v| !v.is_finite()) {
            let key = scn.series[r.series];
            return Err(crate::Error::NonFinite {
                what: format!(
                    "the {} summary of {} {} in {}",
                    r.measure.key(),
                    scn.regions[key.region].id,
                    key.indicator,
                    r.year
                ),
                value: v,
            });
        }
    }
    for r in targets {
        let values = [
            r.p_met,
            r.p_met_se,
            r.outcome_p50,
            r.outcome_p05,
            r.outcome_p95,
            r.expected_shortfall,
            r.shortfall_if_missed,
        ]
        .into_iter()
        .chain(r.glide.iter().map(|g| g.1))
        .chain(r.levels.iter().filter_map(|l| l.1));
        if let Some(v) = values.into_iter().find(|v| !v.is_finite()) {
            return Err(crate::Error::NonFinite {
                what: format!("the result of target {}", scn.targets[r.target].id),
                value: v,
            });
        }
    }
    Ok(())
}

/// The probabilities of the target-setting levels reported by default (`--level-probs`):
/// the levels a target would be met at with probability 0.5, 0.8 and 0.9.
pub const LEVEL_PROBS: [f64; 3] = [0.5, 0.8, 0.9];

/// The 95 % Wilson score interval of a proportion `p` observed in `n` trials (Wilson 1927;
/// Brown, Cai & DasGupta 2001): unlike p ± 1.96·se it stays inside [0, 1] and has a width
/// at p = 0 or 1, where the binomial standard error is 0 and says nothing.
pub fn wilson_interval(p: f64, n: usize) -> (f64, f64) {
    const Z: f64 = 1.959_963_984_540_054;
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The outcome of one target across paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    pub target: usize,
    /// P(target met): the share of paths that meet it.
    pub p_met: f64,
    /// Monte Carlo standard error of `p_met`: sqrt(p(1 − p)/n); 0 at p = 0 or 1, where
    /// [`TargetResult::p_met_low`]-`p_met_high` is the honest statement.
    pub p_met_se: f64,
    /// The 95 % Wilson score interval of `p_met` over the n paths ([`wilson_interval`]).
    pub p_met_low: f64,
    pub p_met_high: f64,
    /// The outcome the target is judged on (see [`target_outcome`]): median, 5 % and 95 %.
    pub outcome_p50: f64,
    pub outcome_p05: f64,
    pub outcome_p95: f64,
    /// E[max(0, gap)]: the mean shortfall below a floor (or excess over a cap, or distance
    /// beyond the tolerance), counting paths that meet the target as zero.
    pub expected_shortfall: f64,
    /// The mean gap on the paths that miss the target (0 if none miss).
    pub shortfall_if_missed: f64,
    /// Per year of the period: P(on track). For cumulative floors the running sum is at
    /// least the pro-rata share of the target (时间过半、任务过半); for level targets the
    /// condition holds in that year (for `each_year`, in every year so far; for `average`,
    /// on the mean of the years so far).
    pub glide: Vec<(i32, f64)>,
    /// Target-setting levels: per requested probability p, the level the target would be
    /// met at with probability p (see [`target_level`]); `None` for `level_about` targets.
    pub levels: Vec<(f64, Option<f64>)>,
    /// For a cumulative floor whose period starts after the first projection year (a
    /// 2026-2030 target in a run from 2021): per year of the period, the quantiles at
    /// [`PROBS`] of the running sum from the period's first year, which the series'
    /// cumulative summaries (running from the first projection year) cannot give. Empty
    /// otherwise: then those summaries are the running sum.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub running: Vec<(i32, [f64; 7])>,
    /// For a target whose period has observed years (a conditioned run): what is already
    /// achieved and what the rest of the period needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// A target in progress: the observed years of its period count as fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// The years of the period with a published figure.
    pub observed_years: Vec<i32>,
    /// A cumulative floor: the sum of the published figures; a level target: the latest
    /// published level.
    pub achieved: f64,
    /// A cumulative floor: what the remaining years must add, max(0, value − achieved).
    pub remaining: Option<f64>,
    /// Years of the period without a published figure (gaps included): they are projected.
    pub remaining_years: usize,
    /// A cumulative floor: the yearly average of the published figures; a level target:
    /// the mean published level.
    pub pace_so_far: f64,
    /// What each remaining year must reach on average (还需年均完成): remaining ÷ remaining
    /// years for a cumulative floor; for a level target read on average, the mean level
    /// the remaining years must keep so the period's mean meets the value; for a level
    /// cap or floor read every year or at the end, the value itself. `None` when no year
    /// remains or for a 左右 target.
    pub required_pace: Option<f64>,
}

/// The progress of target `t` (series `s`) given the scenario's observations, if its
/// period has observed years.
pub fn target_progress(scn: &Scenario, t: &Target, s: usize) -> Option<Progress> {
    let obs = scn.observations.as_ref()?;
    let a = (t.first_year - scn.base_year - 1) as usize;
    let b = (t.last_year - scn.base_year - 1) as usize;
    let seen: Vec<(i32, f64)> = (a..=b)
        .filter_map(|k| obs.value_at(s, k).map(|pt| (pt.year, pt.value)))
        .collect();
    let (&(_, latest), n_obs) = (seen.last()?, seen.len());
    let len = b - a + 1;
    let remaining_years = len - n_obs;
    let total: f64 = seen.iter().map(|x| x.1).sum();
    let per_year = |need: f64| (remaining_years > 0).then(|| need / remaining_years as f64);
    let (achieved, remaining, required_pace) = match (t.kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => {
            let remaining = (t.value - total).max(0.0);
            (total, Some(remaining), per_year(remaining))
        }
        (TargetKind::LevelAbout, _) => (latest, None, None),
        (_, Some(Applies::Average)) => (latest, None, per_year(t.value * len as f64 - total)),
        _ => (latest, None, (remaining_years > 0).then_some(t.value)),
    };
    Some(Progress {
        observed_years: seen.iter().map(|x| x.0).collect(),
        achieved,
        remaining,
        remaining_years,
        pace_so_far: total / n_obs as f64,
        required_pace,
    })
}

/// The number a target is judged on, for one path: the period's total (cumulative floors),
/// the end-year level (`end`), the mean of the period's levels (`average`), the highest
/// level (`each_year` caps), the lowest level (`each_year` floors) or the level farthest
/// from the value (`each_year` about). Returns the outcome and the gap (≤ 0 when met).
pub fn target_outcome(t: &Target, base_year: i32, values: &[f64]) -> (f64, f64) {
    let a = (t.first_year - base_year - 1) as usize;
    let b = (t.last_year - base_year - 1) as usize;
    let window = &values[a..=b];
    let end = values[b];
    let x = match (t.kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => window.iter().sum(),
        (_, Some(Applies::Average)) => mean(window),
        // Not `f64::max`/`min`, which may return either of two equal zeros (and did
        // differently in debug and release builds): the first of equal levels is kept.
        (TargetKind::LevelCap, Some(Applies::EachYear)) => window
            .iter()
            .fold(f64::NEG_INFINITY, |m, &x| if x > m { x } else { m }),
        (TargetKind::LevelFloor, Some(Applies::EachYear)) => window
            .iter()
            .fold(f64::INFINITY, |m, &x| if x < m { x } else { m }),
        (TargetKind::LevelAbout, Some(Applies::EachYear)) => window
            .iter()
            .copied()
            .max_by(|p, q| (p - t.value).abs().total_cmp(&(q - t.value).abs()))
            .unwrap_or(end),
        (_, Some(Applies::End) | None) => end,
    };
    (x, gap(t, x))
}

/// The gap of outcome `x` to the target: below a floor, above a cap, or beyond the
/// tolerance; ≤ 0 when met.
fn gap(t: &Target, x: f64) -> f64 {
    match t.kind {
        TargetKind::CumulativeFloor | TargetKind::LevelFloor => t.value - x,
        TargetKind::LevelCap => x - t.value,
        TargetKind::LevelAbout => (x - t.value).abs() - t.tolerance.unwrap_or(0.0),
    }
}

/// The mean of a non-empty slice, summed in order.
fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Whether a level `x` meets a level target's condition.
#[cfg(test)]
fn level_ok(t: &Target, x: f64) -> bool {
    match t.kind {
        TargetKind::CumulativeFloor => true,
        TargetKind::LevelCap => x <= t.value,
        TargetKind::LevelFloor => x >= t.value,
        TargetKind::LevelAbout => (x - t.value).abs() <= t.tolerance.unwrap_or(0.0),
    }
}

/// Whether the target is on track in year index `k` of the projection (see
/// [`TargetResult::glide`]): the definition, year by year, that [`on_track_years`] is
/// tested against.
#[cfg(test)]
fn on_track(t: &Target, base_year: i32, values: &[f64], k: usize) -> bool {
    let a = (t.first_year - base_year - 1) as usize;
    let n = (t.last_year - t.first_year + 1) as f64;
    let so_far = &values[a..=k];
    match (t.kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => {
            let done: f64 = so_far.iter().sum();
            let share = (k - a + 1) as f64 / n;
            done >= t.value * share
        }
        (_, Some(Applies::EachYear)) => so_far.iter().all(|&x| level_ok(t, x)),
        (_, Some(Applies::Average)) => level_ok(t, mean(so_far)),
        _ => level_ok(t, values[k]),
    }
}

/// The glide path of target `ti` alone (see [`TargetResult::glide`]): the share of the
/// paths on track in each year of its period, without the rest of [`evaluate_target`].
/// A path is on track in a year where its gap so far (see [`outcome_track`]) is ≤ 0.
pub fn glide(scn: &Scenario, sim: &Simulation, ti: usize) -> Vec<(i32, f64)> {
    let t = &scn.targets[ti];
    let s = scn
        .series_index(t.region, t.indicator)
        .expect("validated targets have a series");
    let mut counts = vec![0usize; (t.last_year - t.first_year + 1) as usize];
    track::track_columns(t, scn.base_year, &sim.columns(s), |j, _, _, g| {
        counts[j] += g.iter().filter(|&&g| g <= 0.0).count();
    });
    let n = sim.n_paths as f64;
    (t.first_year..=t.last_year)
        .zip(counts)
        .map(|(year, c)| (year, c as f64 / n))
        .collect()
}

/// A target's outcome so far in one year of its period, across paths.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeYear {
    pub year: i32,
    /// Per path: the outcome so far (see [`outcome_track`]).
    pub outcomes: Vec<f64>,
    /// Per path: its gap to the target's pro-rata requirement (≤ 0 when on track).
    pub gaps: Vec<f64>,
}

/// The outcome of target `ti` so far, year by year over its period, on every path: the
/// running sum from the period's first year (cumulative floors, whose gap is to the
/// pro-rata share of the value, as the glide path reads it), the mean of the years so far
/// (`average`), the highest, lowest or farthest level so far (`each_year` caps, floors,
/// about), or the year's level (`end`). In the last year it is [`target_outcome`] and its
/// gap bit for bit, so the on-track years are those with gap ≤ 0, as in [`glide`].
pub fn outcome_track(scn: &Scenario, sim: &Simulation, ti: usize) -> Vec<OutcomeYear> {
    let t = &scn.targets[ti];
    let s = scn
        .series_index(t.region, t.indicator)
        .expect("validated targets have a series");
    let n = sim.n_paths;
    let mut track: Vec<OutcomeYear> = (t.first_year..=t.last_year)
        .map(|year| OutcomeYear {
            year,
            outcomes: Vec::with_capacity(n),
            gaps: Vec::with_capacity(n),
        })
        .collect();
    track::track_columns(t, scn.base_year, &sim.columns(s), |j, _, o, g| {
        track[j].outcomes.extend_from_slice(o);
        track[j].gaps.extend_from_slice(g);
    });
    track
}

/// One path's outcome so far and its gap to the (pro-rata) requirement in each year of the
/// target's period (see [`outcome_track`]): `f(j, outcome, gap)` for the j-th year. The
/// definition the column pass (`track`) is tested against.
#[cfg(test)]
fn outcome_years(t: &Target, base_year: i32, values: &[f64], mut f: impl FnMut(usize, f64, f64)) {
    let a = (t.first_year - base_year - 1) as usize;
    let b = (t.last_year - base_year - 1) as usize;
    let n_years = (t.last_year - t.first_year + 1) as f64;
    let mut sum = std::iter::empty::<f64>().sum::<f64>();
    let mut extreme = 0.0;
    for (j, k) in (a..=b).enumerate() {
        let x = values[k];
        sum += x;
        let done = (j + 1) as f64;
        let o = match (t.kind, t.applies) {
            (TargetKind::CumulativeFloor, _) => sum,
            (_, Some(Applies::Average)) => sum / done,
            // The first of equal levels, as `target_outcome` keeps it.
            (TargetKind::LevelCap, Some(Applies::EachYear)) => {
                extreme = if j == 0 || x > extreme { x } else { extreme };
                extreme
            }
            (TargetKind::LevelFloor, Some(Applies::EachYear)) => {
                extreme = if j == 0 || x < extreme { x } else { extreme };
                extreme
            }
            (TargetKind::LevelAbout, Some(Applies::EachYear)) => {
                // The last of equally far levels, as `max_by` keeps it.
                if j == 0 || (x - t.value).abs() >= (extreme - t.value).abs() {
                    extreme = x;
                }
                extreme
            }
            (_, Some(Applies::End) | None) => x,
        };
        let g = match t.kind {
            TargetKind::CumulativeFloor => t.value * (done / n_years) - o,
            _ => gap(t, o),
        };
        f(j, o, g);
    }
}

/// The mean shortfall of `gaps` (E[max(0, gap)], paths that meet counting as zero), summed
/// in path order as [`TargetResult::expected_shortfall`] is.
pub fn expected_shortfall(gaps: &[f64]) -> f64 {
    gaps.iter().copied().filter(|&g| g > 0.0).sum::<f64>() / gaps.len() as f64
}

/// Whether the target is on track in each year of its period, in one pass over the
/// years: `f(j, on track)` for the j-th year. The same as [`on_track`] year by year, bit
/// for bit (running sums in the same order, from the same neutral element), without
/// summing the years so far again for every year.
#[cfg(test)]
fn on_track_years(t: &Target, base_year: i32, values: &[f64], mut f: impl FnMut(usize, bool)) {
    let a = (t.first_year - base_year - 1) as usize;
    let b = (t.last_year - base_year - 1) as usize;
    let n = (t.last_year - t.first_year + 1) as f64;
    let mut sum = std::iter::empty::<f64>().sum::<f64>();
    let mut all = true;
    for (j, k) in (a..=b).enumerate() {
        let x = values[k];
        sum += x;
        let ok = match (t.kind, t.applies) {
            (TargetKind::CumulativeFloor, _) => sum >= t.value * ((k - a + 1) as f64 / n),
            (_, Some(Applies::EachYear)) => {
                all &= level_ok(t, x);
                all
            }
            (_, Some(Applies::Average)) => level_ok(t, sum / (k - a + 1) as f64),
            _ => level_ok(t, x),
        };
        f(j, ok);
    }
}

/// The target-setting level of a target of kind `kind` at probability `p` in (0, 1), from
/// its outcomes sorted ascending: for a floor (`cumulative_floor`, `level_floor`) the
/// level L with P(outcome ≥ L) = p, i.e. the quantile at 1 − p; for a cap the level with
/// P(outcome ≤ L) = p, the quantile at p; `None` for `level_about`, which is not one level.
///
/// Quantiles are Hyndman-Fan type 7 on the n path outcomes, as everywhere else, so the
/// level at 0.5 is `outcome_p50`. Type 7 interpolates between order statistics, so p is
/// matched up to the sample's resolution: the share of paths meeting L is at least
/// p − p/n, and the share meeting any stricter level (higher for a floor, lower for a cap)
/// is at most p + (1 − p)/n. The level describes the model's distribution of the outcome,
/// not what a plan should adopt.
pub fn target_level(kind: TargetKind, sorted_outcomes: &[f64], p: f64) -> Option<f64> {
    match kind {
        TargetKind::CumulativeFloor | TargetKind::LevelFloor => {
            Some(quantile_sorted(sorted_outcomes, 1.0 - p))
        }
        TargetKind::LevelCap => Some(quantile_sorted(sorted_outcomes, p)),
        TargetKind::LevelAbout => None,
    }
}

/// Evaluates every target of the scenario whose series `sim` holds (all of them for a
/// whole simulation) on the simulated paths, with the target-setting levels at
/// `level_probs` (each in (0, 1)), in target order.
pub fn evaluate_targets(
    scn: &Scenario,
    sim: &Simulation,
    level_probs: &[f64],
) -> Vec<TargetResult> {
    evaluate_targets_counted(scn, sim, level_probs, &|| {})
}

/// The targets of the scenario that `sim` holds: [`evaluate_targets`], calling `done`
/// (from the worker threads) after each target.
pub fn evaluate_targets_counted(
    scn: &Scenario,
    sim: &Simulation,
    level_probs: &[f64],
    done: &(dyn Fn() + Sync),
) -> Vec<TargetResult> {
    use rayon::prelude::*;
    // Targets in parallel, collected in target order: the result does not depend on the
    // number of threads.
    let held: Vec<usize> = (0..scn.targets.len())
        .filter(|&ti| {
            let t = &scn.targets[ti];
            scn.series_index(t.region, t.indicator)
                .is_some_and(|s| sim.holds(s))
        })
        .collect();
    held.into_par_iter()
        .map(|ti| {
            let r = evaluate_target(scn, sim, ti, level_probs);
            done();
            r
        })
        .collect()
}

/// Evaluates target `ti` of the scenario on the simulated paths, with the target-setting
/// levels at `level_probs` (each in (0, 1); none when empty).
pub fn evaluate_target(
    scn: &Scenario,
    sim: &Simulation,
    ti: usize,
    level_probs: &[f64],
) -> TargetResult {
    let t = &scn.targets[ti];
    let s = scn
        .series_index(t.region, t.indicator)
        .expect("validated targets have a series");
    let n = sim.n_paths;
    let a = (t.first_year - scn.base_year - 1) as usize;
    let b = (t.last_year - scn.base_year - 1) as usize;
    let columns = sim.columns(s);
    // Column by column, a run of paths at a time: the last year's outcomes and gaps are
    // the target's, and a path is on track in a year where its gap so far is ≤ 0.
    let mut outcomes = Vec::with_capacity(n);
    let mut gaps = Vec::with_capacity(n);
    let mut glide_counts = vec![0usize; b - a + 1];
    track::track_columns(t, scn.base_year, &columns, |j, _, o, g| {
        glide_counts[j] += g.iter().filter(|&&g| g <= 0.0).count();
        if j == b - a {
            outcomes.extend_from_slice(o);
            gaps.extend_from_slice(g);
        }
    });
    // A cumulative floor whose period starts after the first projection year: the running
    // totals from its first year, summed from 0.0.
    let sums: Vec<Vec<f64>> = if t.kind == TargetKind::CumulativeFloor && a > 0 {
        let mut sums: Vec<Vec<f64>> = Vec::with_capacity(b - a + 1);
        for xs in &columns[a..=b] {
            let col = match sums.last() {
                Some(prev) => prev.iter().zip(*xs).map(|(p, x)| p + x).collect(),
                None => xs.iter().map(|x| 0.0 + x).collect(),
            };
            sums.push(col);
        }
        sums
    } else {
        Vec::new()
    };
    let met = gaps.iter().filter(|&&g| g <= 0.0).count();
    let p = met as f64 / n as f64;
    let missed: Vec<f64> = gaps.iter().copied().filter(|&g| g > 0.0).collect();
    // The outcome's quantiles and the target-setting levels by selection (bit for bit the
    // quantiles of the sorted outcomes, as [`target_level`] defines the levels).
    let level_at = |q: f64| match t.kind {
        TargetKind::CumulativeFloor | TargetKind::LevelFloor => Some(1.0 - q),
        TargetKind::LevelCap => Some(q),
        TargetKind::LevelAbout => None,
    };
    let mut probs = vec![0.5, 0.05, 0.95];
    probs.extend(level_probs.iter().filter_map(|&q| level_at(q)));
    let qs = quantiles_of(&outcomes, &probs, &mut Vec::new());
    let mut level_values = qs[3..].iter();
    TargetResult {
        target: ti,
        p_met: p,
        p_met_se: (p * (1.0 - p) / n as f64).sqrt(),
        p_met_low: wilson_interval(p, n).0,
        p_met_high: wilson_interval(p, n).1,
        outcome_p50: qs[0],
        outcome_p05: qs[1],
        outcome_p95: qs[2],
        expected_shortfall: expected_shortfall(&gaps),
        shortfall_if_missed: if missed.is_empty() {
            0.0
        } else {
            missed.iter().sum::<f64>() / missed.len() as f64
        },
        glide: (a..=b)
            .zip(&glide_counts)
            .map(|(k, &c)| (scn.base_year + 1 + k as i32, c as f64 / n as f64))
            .collect(),
        levels: level_probs
            .iter()
            .map(|&q| (q, level_at(q).and_then(|_| level_values.next().copied())))
            .collect(),
        running: sums
            .iter()
            .enumerate()
            .map(|(j, col)| {
                let q = quantiles_of(col, &PROBS, &mut Vec::new());
                (t.first_year + j as i32, std::array::from_fn(|k| q[k]))
            })
            .collect(),
        progress: target_progress(scn, t, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Indicator;
    use crate::scenario::Nature;
    use proptest::prelude::*;

    #[test]
    fn type7_matches_r_and_numpy() {
        // R: quantile(c(1,2,3,4,10), c(.05,.25,.5,.9), type = 7) = 1.2 2 3 7.6
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        let q: Vec<f64> = [0.05, 0.25, 0.5, 0.9]
            .iter()
            .map(|&p| quantile_sorted(&x, p))
            .collect();
        for (a, b) in q.iter().zip([1.2, 2.0, 3.0, 7.6]) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert_eq!(quantile_sorted(&[4.0], 0.3), 4.0);
    }

    fn target(kind: TargetKind, applies: Option<Applies>, value: f64) -> Target {
        target_from(kind, applies, value, 2021)
    }

    /// A test target on urban new jobs over `first_year`-2025.
    pub(super) fn target_from(
        kind: TargetKind,
        applies: Option<Applies>,
        value: f64,
        first_year: i32,
    ) -> Target {
        Target {
            id: "t".into(),
            region: 0,
            indicator: Indicator::UrbanNewJobs,
            kind,
            first_year,
            last_year: 2025,
            value,
            tolerance: (kind == TargetKind::LevelAbout).then_some(0.5),
            applies,
            nature: Nature::Expected,
            source: "s".into(),
            quote: "q".into(),
            assumption: None,
            note: None,
        }
    }

    #[test]
    fn outcomes_follow_the_plan_semantics() {
        let v = [7.0, 7.0, 6.0, 6.0, 6.0];
        let cum = target(TargetKind::CumulativeFloor, None, 33.0);
        assert_eq!(target_outcome(&cum, 2020, &v), (32.0, 1.0)); // misses by 1
        let cap = target(TargetKind::LevelCap, Some(Applies::EachYear), 6.5);
        assert_eq!(target_outcome(&cap, 2020, &v), (7.0, 0.5));
        let cap_end = target(TargetKind::LevelCap, Some(Applies::End), 6.5);
        assert_eq!(target_outcome(&cap_end, 2020, &v), (6.0, -0.5));
        let floor = target(TargetKind::LevelFloor, Some(Applies::EachYear), 6.0);
        assert_eq!(target_outcome(&floor, 2020, &v), (6.0, 0.0)); // exactly at the floor: met
        let about = target(TargetKind::LevelAbout, Some(Applies::EachYear), 6.4);
        let (x, gap) = target_outcome(&about, 2020, &v);
        assert_eq!(x, 7.0);
        assert!((gap - 0.1).abs() < 1e-12);
    }

    #[test]
    fn glide_path_is_pro_rata() {
        // 33 over five years: on track after two years needs ≥ 13.2.
        let cum = target(TargetKind::CumulativeFloor, None, 33.0);
        let v = [6.5, 6.8, 7.0, 7.0, 7.0];
        assert!(!on_track(&cum, 2020, &v, 0)); // 6.5 < 6.6
        assert!(on_track(&cum, 2020, &v, 1)); // 13.3 ≥ 13.2
        let behind = [6.5, 6.6, 7.0, 7.0, 7.0];
        assert!(!on_track(&cum, 2020, &behind, 1)); // 13.1 < 13.2
    }

    #[test]
    fn the_average_reading_judges_the_mean_of_the_years() {
        // 7, 7, 6, 6, 6: mean 6.4, highest 7, lowest 6.
        let v = [7.0, 7.0, 6.0, 6.0, 6.0];
        let met = |t: &Target| target_outcome(t, 2020, &v).1 <= 0.0;
        // (kind, value): every year misses it, the average meets it.
        for (kind, value) in [
            (TargetKind::LevelCap, 6.5),   // 7 > 6.5 in 2021; 6.4 ≤ 6.5
            (TargetKind::LevelFloor, 6.2), // 6 < 6.2 in 2023; 6.4 ≥ 6.2
            (TargetKind::LevelAbout, 6.0), // 7 is 1 from 6; 6.4 is 0.4 (≤ 0.5)
        ] {
            let each = target(kind, Some(Applies::EachYear), value);
            let avg = target(kind, Some(Applies::Average), value);
            assert!(!met(&each) && met(&avg), "{kind:?}");
            let (x, gap) = target_outcome(&avg, 2020, &v);
            assert!((x - 6.4).abs() < 1e-12, "{kind:?}: {x}");
            let expected_gap = match kind {
                TargetKind::LevelCap => -0.1,
                TargetKind::LevelFloor => -0.2,
                _ => -0.1,
            };
            assert!((gap - expected_gap).abs() < 1e-12, "{kind:?}: {gap}");
        }
        // And the other way round for a floor above the mean: 6.4 < 6.5, missed.
        let floor = target(TargetKind::LevelFloor, Some(Applies::Average), 6.5);
        assert!((target_outcome(&floor, 2020, &v).1 - 0.1).abs() < 1e-12);
        // Not the end year (6) nor the midpoint of the extremes (6.5): a cap at 6.45 is met
        // by the mean 6.4 alone.
        let cap = target(TargetKind::LevelCap, Some(Applies::Average), 6.45);
        assert!(met(&cap));
        // The glide path judges the mean so far: 7, 7, 6.67, 6.5, 6.4 against ≤ 6.5.
        let cap = target(TargetKind::LevelCap, Some(Applies::Average), 6.5);
        let track: Vec<bool> = (0..5).map(|k| on_track(&cap, 2020, &v, k)).collect();
        assert_eq!(track, [false, false, false, true, true]);
        let each = target(TargetKind::LevelCap, Some(Applies::EachYear), 6.5);
        assert!((0..5).all(|k| !on_track(&each, 2020, &v, k)));
        // A floor at 6.5 on average: the mean so far falls below it in the last year.
        let floor = target(TargetKind::LevelFloor, Some(Applies::Average), 6.5);
        let track: Vec<bool> = (0..5).map(|k| on_track(&floor, 2020, &v, k)).collect();
        assert_eq!(track, [true, true, true, true, false]);
    }

    /// The share of `xs` for which `pred` holds.
    fn share(xs: &[f64], pred: impl Fn(f64) -> bool) -> f64 {
        xs.iter().filter(|&&x| pred(x)).count() as f64 / xs.len() as f64
    }

    #[test]
    fn levels_are_the_analytic_quantiles() {
        // R: quantile(c(10, 20, 30, 40, 50), c(.1, .2, .5, .8, .9), type = 7) = 14 18 30 42 46
        let x = [10.0, 20.0, 30.0, 40.0, 50.0];
        let level = |kind, p| target_level(kind, &x, p).unwrap();
        for kind in [TargetKind::CumulativeFloor, TargetKind::LevelFloor] {
            for (p, expected) in [(0.5, 30.0), (0.8, 18.0), (0.9, 14.0)] {
                assert!((level(kind, p) - expected).abs() < 1e-9, "{kind:?} {p}");
            }
        }
        for (p, expected) in [(0.5, 30.0), (0.8, 42.0), (0.9, 46.0)] {
            assert!(
                (level(TargetKind::LevelCap, p) - expected).abs() < 1e-9,
                "cap {p}"
            );
        }
        assert_eq!(target_level(TargetKind::LevelAbout, &x, 0.8), None);
        // With 11 outcomes (n − 1 = 10), the levels at 0.8 and 0.9 fall on order statistics:
        // the share of paths meeting the level is at least p, and meeting any stricter
        // level, less than p.
        let x: Vec<f64> = (1..=11).map(f64::from).collect();
        for p in [0.8, 0.9] {
            let floor = target_level(TargetKind::LevelFloor, &x, p).unwrap();
            assert!(share(&x, |o| o >= floor) >= p, "floor {p}: {floor}");
            assert!(share(&x, |o| o >= floor + 1e-9) < p, "floor {p}: {floor}");
            let cap = target_level(TargetKind::LevelCap, &x, p).unwrap();
            assert!(share(&x, |o| o <= cap) >= p, "cap {p}: {cap}");
            assert!(share(&x, |o| o <= cap - 1e-9) < p, "cap {p}: {cap}");
        }
    }

    #[test]
    fn levels_of_the_outcomes_1_to_n_are_known() {
        // Outcomes 1, 2, …, n: the type 7 quantile at q is 1 + (n − 1) q, so a floor met with
        // probability p is 1 + (n − 1)(1 − p) and a cap is 1 + (n − 1) p. The share of paths
        // meeting it is at least p − p/n.
        for n in [1usize, 2, 3, 10, 11, 100, 1000, 10_000] {
            let x: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            let m = (n - 1) as f64;
            for p in [0.5, 0.8, 0.9, 0.95, 0.975, 0.1, 0.0001, 0.9999] {
                let tol = 1e-9 * n as f64;
                let floor = target_level(TargetKind::CumulativeFloor, &x, p).unwrap();
                assert!(
                    (floor - (1.0 + m * (1.0 - p))).abs() < tol,
                    "n {n} p {p}: {floor}"
                );
                assert_eq!(
                    target_level(TargetKind::LevelFloor, &x, p),
                    Some(floor),
                    "n {n} p {p}"
                );
                let cap = target_level(TargetKind::LevelCap, &x, p).unwrap();
                assert!((cap - (1.0 + m * p)).abs() < tol, "n {n} p {p}: {cap}");
                let lowest = p - p / n as f64 - 1e-12;
                assert!(share(&x, |o| o >= floor) >= lowest, "n {n} p {p}: {floor}");
                assert!(share(&x, |o| o <= cap) >= lowest, "n {n} p {p}: {cap}");
                assert_eq!(target_level(TargetKind::LevelAbout, &x, p), None);
            }
        }
        // n = 10 000, p = 0.8: the floor is 2000.8, reached by 2001..=10000 (0.8 of the
        // paths); the cap is 8000.2, kept by 1..=8000 (0.8).
        let x: Vec<f64> = (1..=10_000).map(f64::from).collect();
        let floor = target_level(TargetKind::LevelFloor, &x, 0.8).unwrap();
        assert!((floor - 2000.8).abs() < 1e-6, "{floor}");
        assert_eq!(share(&x, |o| o >= floor), 0.8);
        let cap = target_level(TargetKind::LevelCap, &x, 0.8).unwrap();
        assert!((cap - 8000.2).abs() < 1e-6, "{cap}");
        assert_eq!(share(&x, |o| o <= cap), 0.8);
        // n = 3, p = 0.9: the sample's resolution shows. The floor is 1.2 and the cap 2.8,
        // each met on 2 of the 3 paths: 0.667, below 0.9 but above p − p/n = 0.6.
        let x = [1.0, 2.0, 3.0];
        let floor = target_level(TargetKind::LevelFloor, &x, 0.9).unwrap();
        let cap = target_level(TargetKind::LevelCap, &x, 0.9).unwrap();
        assert!(
            (floor - 1.2).abs() < 1e-12 && (cap - 2.8).abs() < 1e-12,
            "{floor} {cap}"
        );
        assert_eq!(share(&x, |o| o >= floor), 2.0 / 3.0);
        assert_eq!(share(&x, |o| o <= cap), 2.0 / 3.0);
    }

    proptest! {
        /// On any sample, a level is met on at least p − p/n of the paths, and any stricter
        /// level on at most p + (1 − p)/n (type 7 interpolates between order statistics).
        #[test]
        fn levels_are_met_with_their_probability(
            xs in proptest::collection::vec(prop_oneof![-1e6f64..1e6, (0i32..5).prop_map(f64::from)], 1..300),
            p in 0.001f64..0.999,
        ) {
            let st = sorted(&xs);
            let n = st.len() as f64;
            let (lo, hi) = (p - p / n - 1e-12, p + (1.0 - p) / n + 1e-12);
            let floor = target_level(TargetKind::CumulativeFloor, &st, p).unwrap();
            prop_assert!(share(&st, |o| o >= floor) >= lo, "floor {floor}");
            prop_assert!(share(&st, |o| o > floor) <= hi, "floor {floor}");
            let cap = target_level(TargetKind::LevelCap, &st, p).unwrap();
            prop_assert!(share(&st, |o| o <= cap) >= lo, "cap {cap}");
            prop_assert!(share(&st, |o| o < cap) <= hi, "cap {cap}");
        }

        #[test]
        fn selection_gives_the_sorted_quantiles_bit_for_bit(
            mut xs in proptest::collection::vec(prop_oneof![-1e6f64..1e6, Just(0.0), Just(-0.0), Just(1.5)], 1..300)
        ) {
            let st = sorted(&xs);
            let want = PROBS.map(|p| quantile_sorted(&st, p).to_bits());
            let got = quantiles_by_selection(&mut xs, PROBS).map(f64::to_bits);
            prop_assert_eq!(want, got);
        }

        #[test]
        fn the_one_pass_glide_path_is_on_track_year_by_year(
            values in proptest::collection::vec(prop_oneof![0.0f64..20.0, Just(5.5), Just(0.0), Just(-0.0)], 5),
            kind in 0usize..4,
            applies in 0usize..3,
            value in 0.0f64..40.0,
        ) {
            let kind = [TargetKind::CumulativeFloor, TargetKind::LevelCap, TargetKind::LevelFloor, TargetKind::LevelAbout][kind];
            let applies = [Some(Applies::EachYear), Some(Applies::Average), Some(Applies::End)][applies];
            let t = target(kind, applies, value);
            let mut got = Vec::new();
            on_track_years(&t, 2020, &values, |_, ok| got.push(ok));
            let want: Vec<bool> = (0..5).map(|k| on_track(&t, 2020, &values, k)).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn the_outcome_so_far_ends_at_the_outcome_and_is_on_track_where_its_gap_is_not_positive(
            values in proptest::collection::vec(prop_oneof![0.0f64..20.0, Just(5.5), Just(0.0), Just(-0.0)], 5),
            kind in 0usize..4,
            applies in 0usize..3,
            value in 0.0f64..40.0,
        ) {
            let kind = [TargetKind::CumulativeFloor, TargetKind::LevelCap, TargetKind::LevelFloor, TargetKind::LevelAbout][kind];
            let applies = [Some(Applies::EachYear), Some(Applies::Average), Some(Applies::End)][applies];
            let t = target(kind, applies, value);
            let mut got = Vec::new();
            outcome_years(&t, 2020, &values, |_, o, g| got.push((o, g)));
            let (o, g) = target_outcome(&t, 2020, &values);
            prop_assert_eq!(got[4].0.to_bits(), o.to_bits());
            prop_assert_eq!(got[4].1.to_bits(), g.to_bits());
            let on: Vec<bool> = got.iter().map(|x| x.1 <= 0.0).collect();
            let want: Vec<bool> = (0..5).map(|k| on_track(&t, 2020, &values, k)).collect();
            prop_assert_eq!(on, want);
        }

        #[test]
        fn quantiles_are_monotone_in_p(mut xs in proptest::collection::vec(-1e6f64..1e6, 1..200),
                                       p1 in 0.0f64..1.0, p2 in 0.0f64..1.0) {
            xs.sort_by(f64::total_cmp);
            let (lo, hi) = if p1 <= p2 { (p1, p2) } else { (p2, p1) };
            let (a, b) = (quantile_sorted(&xs, lo), quantile_sorted(&xs, hi));
            prop_assert!(a <= b);
            prop_assert!(a >= xs[0] && b <= xs[xs.len() - 1]);
        }
    }

    #[test]
    fn wilson_interval_matches_the_textbook_and_is_honest_at_the_edges() {
        // 8 of 10: (0.4902, 0.9433) (Brown, Cai & DasGupta 2001 formula).
        let (lo, hi) = wilson_interval(0.8, 10);
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
        // All 2,000 paths meet the target: the interval still has a width, n/(n + z²).
        let z2 = 1.959_963_984_540_054_f64.powi(2);
        let (lo, hi) = wilson_interval(1.0, 2000);
        assert!((lo - 2000.0 / (2000.0 + z2)).abs() < 1e-12, "{lo}");
        assert!((hi - 1.0).abs() < 1e-12);
        let (lo, hi) = wilson_interval(0.0, 2000);
        assert!(lo.abs() < 1e-12);
        assert!((hi - z2 / (2000.0 + z2)).abs() < 1e-12, "{hi}");
    }
}
