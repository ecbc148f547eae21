//! The Monte Carlo driver: per-path and per-region random streams, parameter draws, the
//! yearly model of each simulated region, aggregation to parent regions, and blocked,
//! parallel execution whose result depends neither on the number of threads nor on the
//! block sizes.
//!
//! Randomness: every stream is a Xoshiro256++ generator seeded from
//! `path_seed(seed ^ tag, p)` for path p (and, for a region's streams, a tag of its own),
//! so a path's numbers do not depend on which thread runs it, on how many paths there are,
//! or on which other regions are simulated with it:
//! - the path's *parameter* stream draws every non-fixed parameter that no single region
//!   owns (growth, unemployment dynamics, shock scales, lever effects), in
//!   `Scenario::params` order; each simulated region's own parameter stream draws that
//!   region's parameters (`regions.<id>.…`), in the same order (parameter uncertainty,
//!   once per path);
//! - the path's *event* stream draws one uniform per shock (does it happen on this path);
//! - the path's *factor* stream draws, each year, the normals shared across regions: one
//!   common factor (and one per parent with `within_parent`), or, for a full correlation
//!   matrix, one normal per simulated region (correlated through its Cholesky factor);
//! - each simulated region's *noise* stream draws, each year, its idiosyncratic growth
//!   normal (factor structures only), one normal per flow and one for the rate.
//!
//! Separate streams keep scenarios in step: a scenario that adds a shock or a lever (whose
//! parameters come last) draws exactly the same noise and the same earlier parameters as
//! the scenario it extends, so differences between them are not Monte Carlo noise.
//!
//! Blocks: a region's path depends only on the path's shared draws and its own streams, so
//! the regions can be simulated a block at a time ([`Engine::for_each_block`]), each block
//! for every path, its values summarised and dropped before the next; the aggregates add
//! their children's values as the blocks go (in region order, whatever the block size).
//! With more than one block, each path's shared draws are made once and kept for the
//! blocks (`shared`; at most [`KEEP_VALUES`] values, beyond which every block draws them
//! again), the same values either way. Paths can be simulated a block at a time too
//! ([`Engine::for_each_path_block`]), to stream every path to a file.
//!
//! Four paths at once: where the processor has AVX2 and FMA, a task runs its paths in
//! groups of four side by side (`lanes`): their streams drawn in vector lanes, their years
//! computed with the scalar model's operations lane by lane, so each path's values are
//! those it has alone, bit for bit ([`Engine::set_lanes`] turns this off; the tests
//! compare the two). Paths evaluated from cached draws (`Engine::cache_draws`) run four
//! at a time too, their numbers read from the cache; conditioned runs and the paths left
//! over after the groups run one at a time.

mod filter;
mod lanes;
pub mod measure;
pub(crate) mod mem;
mod shared;

pub use filter::{Conditioning, FigureFit, ParamPosterior, TemperingStage};

use crate::indicator::{Indicator, IndicatorKind};
use crate::model::{
    self, Exogenous, FlowCoef, LeafCoef, LeafState, Noise, RateCoef, SharedCoef, YearValues,
};
use crate::scenario::{CorrelationStructure, Scenario, Slot};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use shared::SharedDraws;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// One path's parameters and shocks ([`Engine::path_draws`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PathDraws {
    /// Per parameter slot, its value on the path.
    pub theta: Vec<f64>,
    /// Per shock, its scale on the path (0 if it does not happen).
    pub shock_scale: Vec<f64>,
}

/// Simulated values of some of the scenario's series on a run of paths, one column per
/// series and year: `values[(i * n_years + year) * n_paths + path]` for the series
/// `series[i]`, so a series-year's values across paths are contiguous.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// The paths held: `first_path .. first_path + n_paths`.
    pub first_path: usize,
    pub n_paths: usize,
    pub n_years: usize,
    /// The scenario's series held (indices into `Scenario::series`), ascending.
    pub series: Vec<usize>,
    /// For each of the scenario's series, its position in `series` (or `usize::MAX`).
    local: Vec<usize>,
    pub values: Vec<f64>,
    /// What conditioning on the scenario's observations did, if it has any.
    pub conditioning: Option<Conditioning>,
    /// Every value is known to be finite: the engine checked them as it wrote them (see
    /// [`Simulation::check_finite`]).
    known_finite: bool,
}

impl Simulation {
    fn new(
        n_total: usize,
        series: Vec<usize>,
        paths: Range<usize>,
        n_years: usize,
        values: Vec<f64>,
    ) -> Simulation {
        debug_assert_eq!(values.len(), paths.len() * series.len() * n_years);
        let mut local = vec![usize::MAX; n_total];
        for (i, &s) in series.iter().enumerate() {
            local[s] = i;
        }
        Simulation {
            first_path: paths.start,
            n_paths: paths.len(),
            n_years,
            series,
            local,
            values,
            conditioning: None,
            known_finite: false,
        }
    }

    /// The number of series held.
    pub fn n_series(&self) -> usize {
        self.series.len()
    }

    /// Whether series `s` of the scenario is held.
    pub fn holds(&self, s: usize) -> bool {
        self.local.get(s).is_some_and(|&i| i != usize::MAX)
    }

    fn slot(&self, s: usize) -> usize {
        let i = self.local[s];
        assert!(i != usize::MAX, "series {s} is not held by this block");
        i
    }

    /// Series `series` of the scenario in projection year `year` on every path held, in
    /// path order.
    pub fn column(&self, series: usize, year: usize) -> &[f64] {
        let start = (self.slot(series) * self.n_years + year) * self.n_paths;
        &self.values[start..start + self.n_paths]
    }

    /// Every year's column of series `series` of the scenario.
    pub fn columns(&self, series: usize) -> Vec<&[f64]> {
        (0..self.n_years).map(|k| self.column(series, k)).collect()
    }

    /// The values of the `path`-th path held and series `series` of the scenario, one per
    /// projection year.
    pub fn path_series(&self, path: usize, series: usize) -> Vec<f64> {
        (0..self.n_years)
            .map(|k| self.column(series, k)[path])
            .collect()
    }

    /// Checks that every simulated value is finite; names the first one that is not (in
    /// path order, then series, then year). Free where the engine checked the values as it
    /// wrote them (a simulation without observations, whose published figures replace
    /// values afterwards); otherwise a pass over every value.
    ///
    /// # Errors
    /// [`crate::Error::NonFinite`] with the region, indicator, year and path.
    pub fn check_finite(&self, scn: &Scenario) -> crate::Result<()> {
        if self.known_finite {
            return Ok(());
        }
        self.scan_finite(scn)
    }

    /// [`Simulation::check_finite`] by a pass over every value, whatever the engine
    /// checked (the definition the engine's check is tested against).
    ///
    /// # Errors
    /// [`crate::Error::NonFinite`] with the region, indicator, year and path.
    pub fn scan_finite(&self, scn: &Scenario) -> crate::Result<()> {
        // Chunks in parallel, each checked without an early exit (so it vectorises).
        if self.values.par_chunks(1 << 16).all(all_finite) {
            return Ok(());
        }
        let ny = self.n_years;
        let (p, i, k) = (0..self.n_paths)
            .flat_map(|p| (0..self.series.len()).flat_map(move |i| (0..ny).map(move |k| (p, i, k))))
            .find(|&(p, i, k)| !self.values[(i * ny + k) * self.n_paths + p].is_finite())
            .expect("a value is not finite");
        let key = scn.series[self.series[i]];
        Err(crate::Error::NonFinite {
            what: format!(
                "the simulated {} of {} in {} (path {})",
                key.indicator,
                scn.regions[key.region].id,
                scn.base_year + 1 + k as i32,
                self.first_path + p
            ),
            value: self.values[(i * ny + k) * self.n_paths + p],
        })
    }

    /// The value of series `series` of the scenario in one year on every path held, in
    /// path order.
    pub fn across_paths(&self, series: usize, year: usize) -> Vec<f64> {
        self.column(series, year).to_vec()
    }
}

/// The paths a task of the engine simulates together (its columns' pieces are contiguous).
const CHUNK: usize = 256;

/// The aggregates' sums over the paths of a run, added to block after block: columns of
/// the aggregates' series and years.
struct Sums {
    values: Vec<f64>,
    /// No block has added to them yet: they are all zero, and need not be read.
    zero: bool,
    /// Every sum was finite after the last block added to it.
    finite: bool,
}

impl Sums {
    fn new(len: usize) -> Sums {
        Sums {
            values: mem::zeroed(len),
            zero: true,
            finite: true,
        }
    }
}

/// Whether every one of `xs` is finite (without an early exit, so that it vectorises).
fn all_finite(xs: &[f64]) -> bool {
    xs.iter().fold(true, |ok, v| ok & v.is_finite())
}

/// Hands a task's tile (column-major, a column per piece) over to the block's `pieces`
/// with `copy`, and clears `finite` if a value is not finite, checked while the tile is in
/// cache.
fn hand_over(
    tile: &[f64],
    pieces: &mut [&mut [f64]],
    copy: fn(&mut [f64], &[f64]),
    finite: &AtomicBool,
) {
    if !all_finite(tile) {
        finite.store(false, Ordering::Relaxed);
    }
    let Some(len) = pieces.first().map(|p| p.len()).filter(|&len| len > 0) else {
        return;
    };
    for (piece, values) in pieces.iter_mut().zip(tile.chunks(len)) {
        copy(piece, values);
    }
    mem::fence();
}

/// Splits column-major `values` (columns of `n_paths`) into per-task pieces: for each run
/// of [`CHUNK`] paths, its piece of every column.
fn pieces(values: &mut [f64], n_paths: usize) -> Vec<Vec<&mut [f64]>> {
    let n_chunks = n_paths.div_ceil(CHUNK);
    let mut out: Vec<Vec<&mut [f64]>> = (0..n_chunks).map(|_| Vec::new()).collect();
    if n_paths == 0 {
        return out;
    }
    for col in values.chunks_mut(n_paths) {
        for (j, piece) in col.chunks_mut(CHUNK).enumerate() {
            out[j].push(piece);
        }
    }
    out
}

/// Stream tags mixed into the master seed (arbitrary distinct constants).
const STREAM_PARAMS: u64 = 0x5041_5241_4D53_0001;
const STREAM_EVENTS: u64 = 0x4556_454E_5453_0002;
const STREAM_NOISE: u64 = 0x4E4F_4953_4500_0003;
const STREAM_FACTORS: u64 = 0x4641_4354_4F52_0008;

/// The seed of path `p`: SplitMix64 of the master seed, plus p times the 64-bit golden
/// ratio (odd, so distinct paths get distinct seeds); Xoshiro256++'s `seed_from_u64`
/// expands it with SplitMix64.
pub fn path_seed(seed: u64, path: u64) -> u64 {
    splitmix64(seed).wrapping_add(path.wrapping_mul(PATH_STEP))
}

/// What one path adds to the seed of the next: the 64-bit golden ratio.
const PATH_STEP: u64 = 0x9E37_79B9_7F4A_7C15;

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream `tag` of path `p`.
fn stream(seed: u64, tag: u64, p: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(path_seed(seed ^ tag, p as u64))
}

/// The largest number of values a block holds, unless one region needs more
/// (16 M values, 128 MB).
pub const BLOCK_VALUES: usize = 1 << 24;

/// The most values a run keeps of its paths' shared draws (32 M values, 256 MB; see
/// `shared`): a run that would need more draws them again for every block instead.
pub const KEEP_VALUES: usize = 1 << 25;

/// Output series of a leaf: each flow's, the stock's, the rate's and the registered rate's.
type LeafSeries = (
    [Option<usize>; 3],
    Option<usize>,
    Option<usize>,
    Option<usize>,
);

/// How a year's growth innovations are made from the factor normals and each region's
/// own normal (see [`CorrelationStructure`]).
enum Growth {
    /// eᵢ = common·F + group·G_g(i) + idio·uᵢ; `groups` says whether there are G's.
    Factors {
        common: f64,
        group: f64,
        idio: f64,
        groups: Option<Vec<usize>>,
    },
    /// e = L z, L row-major lower triangular.
    Cholesky { chol: Vec<f64> },
}

/// Precomputed layout shared by all paths.
struct Plan<'a> {
    scn: &'a Scenario,
    years: Vec<f64>,
    n_leaves: usize,
    n_years: usize,
    n_series: usize,
    /// Per leaf: output series index of each flow, the stock and the rate.
    leaf_series: Vec<LeafSeries>,
    growth: Growth,
    /// Normals per year of a path's factor stream.
    n_factors: usize,
    /// Normals per year of each leaf's noise stream.
    leaf_draws: Vec<usize>,
    /// Where each leaf's normals start within a year's normals (after the factors), in
    /// the conditioning sampler's layout.
    leaf_offset: Vec<usize>,
    /// Normals per path and year: the factors and every leaf's.
    per_year: usize,
    /// The shocks and levers that hit each leaf, in scenario order.
    leaf_shocks: Vec<Vec<usize>>,
    leaf_levers: Vec<Vec<usize>>,
    /// The parameters no single leaf owns, and each leaf's own, in slot order.
    shared_params: Vec<Slot>,
    leaf_params: Vec<Vec<Slot>>,
    /// The leaf that owns each parameter, if one does.
    owner: Vec<Option<usize>>,
    /// Each leaf's stream tag.
    leaf_tags: Vec<u64>,
    /// Aggregates: (series, children's series, weights) in region order.
    aggregates: Vec<(usize, Vec<usize>, Vec<f64>)>,
    /// The aggregates' series, ascending.
    agg_series: Vec<usize>,
    /// Per series: the aggregates (positions in `agg_series`) it adds to, with weights.
    contrib: Vec<Vec<(usize, f64)>>,
}

impl<'a> Plan<'a> {
    fn new(scn: &'a Scenario) -> Plan<'a> {
        let n_leaves = scn.leaves.len();
        let leaf_series: Vec<LeafSeries> = scn
            .leaves
            .iter()
            .map(|&r| {
                let f = Indicator::FLOWS.map(|ind| scn.series_index(r, ind));
                (
                    f,
                    scn.series_index(r, Indicator::RuralTransferStock),
                    scn.series_index(r, Indicator::SurveyedUnemploymentRate),
                    scn.series_index(r, Indicator::RegisteredUnemploymentRate),
                )
            })
            .collect();
        let (growth, n_factors, idio) = growth_structure(scn);
        let leaf_draws: Vec<usize> = scn
            .leaves
            .iter()
            .map(|&r| {
                let lm = scn.regions[r].leaf.as_ref().expect("leaves have models");
                idio + lm.flows.iter().flatten().count() + usize::from(lm.unemployment.is_some())
            })
            .collect();
        let leaf_offset: Vec<usize> = leaf_draws
            .iter()
            .scan(n_factors, |at, &d| {
                let o = *at;
                *at += d;
                Some(o)
            })
            .collect();
        let per_year = n_factors + leaf_draws.iter().sum::<usize>();
        let mut leaf_shocks = vec![Vec::new(); n_leaves];
        for (si, s) in scn.shocks.iter().enumerate() {
            for &l in &s.leaves {
                leaf_shocks[l].push(si);
            }
        }
        let mut leaf_levers = vec![Vec::new(); n_leaves];
        for (li, lev) in scn.levers.iter().enumerate() {
            for &l in &lev.leaves {
                leaf_levers[l].push(li);
            }
        }
        let (shared_params, leaf_params) = owners(scn);
        let aggregates = aggregates(scn);
        let mut agg_series: Vec<usize> = aggregates.iter().map(|a| a.0).collect();
        agg_series.sort_unstable();
        let mut contrib = vec![Vec::new(); scn.series.len()];
        for (s, kids, weights) in &aggregates {
            let a = agg_series.binary_search(s).expect("listed");
            for (&c, &w) in kids.iter().zip(weights) {
                contrib[c].push((a, w));
            }
        }
        Plan {
            scn,
            years: scn.years().iter().map(|&y| f64::from(y)).collect(),
            n_leaves,
            n_years: scn.n_years(),
            n_series: scn.series.len(),
            leaf_series,
            growth,
            n_factors,
            leaf_draws,
            leaf_offset,
            per_year,
            leaf_shocks,
            leaf_levers,
            owner: {
                let mut owner = vec![None; scn.params.len()];
                for (l, own) in leaf_params.iter().enumerate() {
                    for &s in own {
                        owner[s] = Some(l);
                    }
                }
                owner
            },
            shared_params,
            leaf_params,
            leaf_tags: (0..n_leaves).map(|l| splitmix64(l as u64 + 1)).collect(),
            aggregates,
            agg_series,
            contrib,
        }
    }

    /// The series of leaf `l`, ascending.
    fn series_of(&self, l: usize) -> Vec<usize> {
        let (f, st, r, g) = self.leaf_series[l];
        let mut v: Vec<usize> = f.into_iter().chain([st, r, g]).flatten().collect();
        v.sort_unstable();
        v
    }
}

/// The blocks of leaves of a run of `paths` paths with blocks of `max_values` (see
/// [`Engine::for_each_block`]): consecutive leaves while their values fit, a leaf that
/// needs more alone.
fn leaf_blocks(plan: &Plan, paths: usize, max_values: usize) -> Vec<Vec<usize>> {
    let per_leaf = |l: usize| plan.series_of(l).len() * plan.n_years * paths;
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut size = 0;
    for l in 0..plan.n_leaves {
        let v = per_leaf(l);
        if v == 0 {
            continue;
        }
        match blocks.last_mut() {
            Some(b) if size + v <= max_values => {
                b.push(l);
                size += v;
            }
            _ => {
                blocks.push(vec![l]);
                size = v;
            }
        }
    }
    blocks
}

/// [`Engine::kept_per_path`] for a plan made already.
fn kept_per_path(plan: &Plan, paths: usize, max_values: usize) -> usize {
    let per_path = SharedDraws::per_path(plan);
    if plan.scn.observations.is_none()
        && per_path.saturating_mul(paths) <= KEEP_VALUES
        && leaf_blocks(plan, paths, max_values).len() > 1
    {
        per_path
    } else {
        0
    }
}

/// How the scenario's correlation makes the growth innovations: the structure, the factor
/// normals a path draws per year, and the own normals a leaf draws per year for its growth
/// (1 in a factor structure, 0 with a Cholesky factor).
fn growth_structure(scn: &Scenario) -> (Growth, usize, usize) {
    let n_leaves = scn.leaves.len();
    match &scn.correlation.structure {
        CorrelationStructure::Factor {
            common,
            within_parent,
            group,
            n_groups,
        } => {
            let w = within_parent.unwrap_or(*common);
            let growth = Growth::Factors {
                common: common.sqrt(),
                group: (w - common).max(0.0).sqrt(),
                idio: (1.0 - w).sqrt(),
                groups: within_parent.map(|_| group.clone()),
            };
            let n = 1 + if within_parent.is_some() {
                *n_groups
            } else {
                0
            };
            (growth, n, 1)
        }
        CorrelationStructure::Matrix { cholesky, .. } => {
            let mut chol = vec![0.0; n_leaves * n_leaves];
            for i in 0..n_leaves {
                for j in 0..=i {
                    chol[i * n_leaves + j] = cholesky[(i, j)];
                }
            }
            (Growth::Cholesky { chol }, n_leaves, 0)
        }
    }
}

/// Parameters fixed on every path (sensitivity analysis), split by who draws them: the
/// path's shared draws, or one leaf's.
#[derive(Debug, Clone, Default)]
struct Fixed {
    shared: Vec<(Slot, f64)>,
    by_leaf: Vec<Vec<(Slot, f64)>>,
}

impl Fixed {
    fn new(plan: &Plan, overrides: &[(Slot, f64)]) -> Fixed {
        let mut f = Fixed {
            shared: Vec::new(),
            by_leaf: vec![Vec::new(); plan.n_leaves],
        };
        for &(slot, v) in overrides {
            match plan.owner[slot] {
                Some(l) => f.by_leaf[l].push((slot, v)),
                None => f.shared.push((slot, v)),
            }
        }
        f
    }
}

/// The parameters no single simulated region owns (in slot order), and those each
/// region owns: the `regions.<id>.…` parameters its model uses.
fn owners(scn: &Scenario) -> (Vec<Slot>, Vec<Vec<Slot>>) {
    let mut owner = vec![None; scn.params.len()];
    for (l, &r) in scn.leaves.iter().enumerate() {
        let lm = scn.regions[r].leaf.as_ref().expect("leaves have models");
        let prefix = format!("regions.{}.", scn.regions[r].id);
        let mut slots: Vec<Slot> = lm
            .flows
            .iter()
            .flatten()
            .flat_map(|f| [f.trend, f.elasticity, f.noise_sd])
            .collect();
        slots.extend(lm.stock.as_ref().map(|s| s.exit_rate));
        if let Some(u) = &lm.unemployment {
            slots.extend([u.initial, u.natural_rate]);
            slots.extend(u.registered_gap);
        }
        for s in slots {
            if scn.params[s].name.starts_with(&prefix) {
                owner[s] = Some(l);
            }
        }
    }
    let mut leaf_params = vec![Vec::new(); scn.leaves.len()];
    let mut shared = Vec::new();
    for (s, o) in owner.iter().enumerate() {
        match o {
            Some(l) => leaf_params[*l].push(s),
            None => shared.push(s),
        }
    }
    (shared, leaf_params)
}

/// Aggregates: (series, children's series, weights) in region order; flows and stocks
/// are sums, rates the weighted mean with the children's `rate_weight`.
fn aggregates(scn: &Scenario) -> Vec<(usize, Vec<usize>, Vec<f64>)> {
    let mut out = Vec::new();
    for (ri, region) in scn.regions.iter().enumerate() {
        if region.children.is_empty() {
            continue;
        }
        for &ind in &region.indicators {
            let Some(s) = scn.series_index(ri, ind) else {
                continue;
            };
            let kids: Vec<usize> = region
                .children
                .iter()
                .filter_map(|&c| scn.series_index(c, ind))
                .collect();
            let weights = match ind.kind() {
                IndicatorKind::Rate => {
                    let w: Vec<f64> = region
                        .children
                        .iter()
                        .map(|&c| scn.regions[c].rate_weight.unwrap_or(0.0))
                        .collect();
                    let total: f64 = w.iter().sum();
                    w.iter().map(|x| x / total).collect()
                }
                _ => vec![1.0; kids.len()],
            };
            out.push((s, kids, weights));
        }
    }
    out
}

/// Per-thread scratch space; in a conditioned run, one per path (a particle).
#[derive(Clone)]
struct Workspace {
    theta: Vec<f64>,
    shock_scale: Vec<f64>,
    /// The factor normals of every year (`n_years × n_factors`).
    factors: Vec<f64>,
    /// Every leaf's coefficients (the conditioning sampler's particles).
    coefs: Vec<LeafCoef>,
    /// The aggregates' sums on the path (`agg_series × n_years`).
    acc: Vec<f64>,
    /// A task's values and aggregates' sums, column-major (see `Engine::run`).
    tile: Vec<f64>,
    sums: Vec<f64>,
    /// The four paths of a group run side by side (see `lanes`): their workspaces, and a
    /// leaf's noise normals on them.
    lanes: Vec<Workspace>,
    noise: Vec<f64>,
    params: Vec<[f64; 4]>,
}

impl Workspace {
    fn new(plan: &Plan) -> Workspace {
        Workspace {
            theta: vec![0.0; plan.scn.params.len()],
            shock_scale: vec![0.0; plan.scn.shocks.len()],
            factors: vec![0.0; plan.n_years * plan.n_factors],
            coefs: Vec::with_capacity(plan.n_leaves),
            acc: vec![0.0; plan.agg_series.len() * plan.n_years],
            tile: Vec::new(),
            sums: Vec::new(),
            lanes: Vec::new(),
            noise: Vec::new(),
            params: Vec::new(),
        }
    }

    /// The workspaces of a group of four paths run side by side (made on first use).
    fn four_lanes(&mut self, plan: &Plan) {
        if self.lanes.is_empty() {
            self.lanes = (0..4).map(|_| Workspace::new(plan)).collect();
        }
    }
}

/// Runs `paths` Monte Carlo paths with the scenario's model and holds every series of
/// every path ([`Engine`] runs them in blocks instead).
///
/// `overrides` fixes some parameters to given values on every path (the draws are still
/// made, so every other random number is the same as without overrides: common random
/// numbers for sensitivity analysis). Runs on the current rayon pool.
pub fn simulate(scn: &Scenario, paths: usize, seed: u64, overrides: &[(Slot, f64)]) -> Simulation {
    simulate_counted(scn, paths, seed, overrides, None)
}

/// [`simulate`], reporting to `progress`: `conditioning()` before conditioning on the
/// scenario's observations (if any), `start(total)` with the region-paths to simulate,
/// then the region-paths of each task as it is done (from the worker threads).
pub fn simulate_counted(
    scn: &Scenario,
    paths: usize,
    seed: u64,
    overrides: &[(Slot, f64)],
    progress: Option<&SimProgress>,
) -> Simulation {
    if let (Some(p), Some(_)) = (progress, &scn.observations) {
        (p.conditioning)();
    }
    let step = |k: usize, phi: f64| {
        if let Some(p) = progress {
            (p.step)(k, phi);
        }
    };
    let mut engine = Engine::new_counted(scn, paths, seed, overrides, &step);
    if let Some(p) = progress {
        (p.start)(engine.whole_work());
        engine.on_progress(p.done);
    }
    let mut sim = engine.whole();
    sim.conditioning = engine.conditioning;
    sim
}

/// Where [`simulate_counted`] reports: before conditioning, the total region-paths, and
/// each task's region-paths.
pub struct SimProgress<'a> {
    pub conditioning: &'a dyn Fn(),
    /// After each tempering step of the conditioning sampler: the step (from 1) and φ.
    pub step: &'a dyn Fn(usize, f64),
    pub start: &'a dyn Fn(usize),
    pub done: &'a (dyn Fn(usize) + Sync),
}

/// A run of the model: its paths can be simulated by blocks of regions or of paths; with
/// observations, the paths are conditioned on them first (that sampler holds every path's
/// parameters and the normals of the observed years).
pub struct Engine<'a> {
    plan: Plan<'a>,
    paths: usize,
    seed: u64,
    fixed: Fixed,
    /// Every random number of the paths, when drawn once ([`Engine::cache_draws`]).
    draws: Option<Draws>,
    conditioned: Option<filter::Conditioned>,
    conditioning: Option<Conditioning>,
    /// Called after each task with the region-paths it simulated (see
    /// [`Engine::on_progress`]).
    progress: Option<&'a (dyn Fn(usize) + Sync)>,
    /// Whether groups of four paths run side by side where the processor allows.
    lanes: bool,
}

impl<'a> Engine<'a> {
    /// Prepares `paths` paths from `seed` with `overrides` (see [`simulate`]); runs the
    /// conditioning sampler if the scenario has observations. Runs on the current rayon
    /// pool.
    pub fn new(
        scn: &'a Scenario,
        paths: usize,
        seed: u64,
        overrides: &[(Slot, f64)],
    ) -> Engine<'a> {
        Engine::new_counted(scn, paths, seed, overrides, &|_, _| {})
    }

    /// [`Engine::new`], calling `on_step(k, φ)` after each tempering step of the
    /// conditioning sampler (k from 1; φ reaches 1 at the last step).
    pub fn new_counted(
        scn: &'a Scenario,
        paths: usize,
        seed: u64,
        overrides: &[(Slot, f64)],
        on_step: &dyn Fn(usize, f64),
    ) -> Engine<'a> {
        let plan = Plan::new(scn);
        let fixed = Fixed::new(&plan, overrides);
        let mut engine = Engine {
            plan,
            paths,
            seed,
            fixed,
            draws: None,
            conditioned: None,
            conditioning: None,
            progress: None,
            lanes: true,
        };
        if let Some(obs) = &scn.observations
            && engine.plan.n_series * engine.plan.n_years > 0
            && paths > 0
        {
            let (state, conditioning) = filter::condition(
                &engine.plan,
                paths,
                seed,
                overrides,
                &engine.fixed,
                obs,
                on_step,
            );
            engine.conditioned = Some(state);
            engine.conditioning = Some(conditioning);
        }
        engine
    }

    /// What conditioning on the scenario's observations did, if it has any.
    pub fn conditioning(&self) -> Option<&Conditioning> {
        self.conditioning.as_ref()
    }

    /// Takes what conditioning did out of the engine.
    pub fn take_conditioning(&mut self) -> Option<Conditioning> {
        self.conditioning.take()
    }

    /// Reports progress: `f` is called from the worker threads after each task of paths
    /// with the number of region-paths (simulated regions × paths) it simulated. Counting
    /// never changes a value.
    pub fn on_progress(&mut self, f: &'a (dyn Fn(usize) + Sync)) {
        self.progress = Some(f);
    }

    /// Runs every path alone (`false`) or, the default, groups of four paths side by
    /// side where the processor has AVX2 and FMA: the same values either way, which the
    /// tests compare; the benches time both.
    pub fn set_lanes(&mut self, on: bool) {
        self.lanes = on;
    }

    /// Whether groups of four paths run side by side on this machine (see
    /// [`Engine::set_lanes`]).
    pub fn lanes_usable() -> bool {
        lanes::usable()
    }

    /// The region-paths [`Engine::for_each_block`] with blocks of `max_values` simulates
    /// (the total its progress reaches).
    pub fn block_work(&self, max_values: usize) -> usize {
        let leaves: usize = self.leaf_blocks(max_values).iter().map(Vec::len).sum();
        leaves * self.paths
    }

    /// The number of blocks of regions [`Engine::for_each_block`] with blocks of
    /// `max_values` simulates (the aggregates' block not counted).
    pub fn blocks(&self, max_values: usize) -> usize {
        self.leaf_blocks(max_values).len()
    }

    /// The region-paths [`Engine::whole`] simulates.
    pub fn whole_work(&self) -> usize {
        self.plan.n_leaves * self.paths
    }

    /// The number of paths.
    pub fn paths(&self) -> usize {
        self.paths
    }

    /// The leaves in blocks of at most `max_values` values each (a leaf that needs more
    /// has a block of its own); leaves without series are left out.
    fn leaf_blocks(&self, max_values: usize) -> Vec<Vec<usize>> {
        leaf_blocks(&self.plan, self.paths, max_values)
    }

    /// The most values a block of [`Engine::for_each_block`] holds at once with blocks of
    /// `max_values`, the aggregates' sums and (with more than one block) the paths' kept
    /// shared draws included.
    pub fn block_footprint(scn: &Scenario, paths: usize, max_values: usize) -> u64 {
        let plan = Plan::new(scn);
        let ny = plan.n_years as u64;
        let largest_leaf = (0..plan.n_leaves)
            .map(|l| plan.series_of(l).len() as u64)
            .max()
            .unwrap_or(0)
            * ny
            * paths as u64;
        let total = plan.n_series as u64 * ny * paths as u64;
        let block = largest_leaf.max((max_values as u64).min(total));
        block
            + plan.agg_series.len() as u64 * ny * paths as u64
            + kept_per_path(&plan, paths, max_values) as u64 * paths as u64
    }

    /// The shared draws a run of `paths` paths with blocks of `max_values` keeps per path:
    /// with more than one block of paths drawn from their streams (not conditioned), the
    /// shared parameters, shocks and factor normals, unless they would take more than
    /// [`KEEP_VALUES`] (the blocks then draw them again); else none.
    pub fn kept_per_path(scn: &Scenario, paths: usize, max_values: usize) -> usize {
        kept_per_path(&Plan::new(scn), paths, max_values)
    }

    /// The number of aggregate series of the scenario (their sums are held for every path
    /// while the blocks run).
    pub fn aggregate_series(scn: &Scenario) -> usize {
        aggregates(scn).len()
    }

    /// Simulates the regions a block at a time, every path, and hands each block to `f`:
    /// the simulated regions' series in blocks of at most `max_values` values (in region
    /// order), then the aggregates' series. The values do not depend on `max_values` or
    /// the number of threads.
    ///
    /// # Errors
    /// The first error `f` returns.
    pub fn for_each_block<E>(
        &self,
        max_values: usize,
        mut f: impl FnMut(&Simulation) -> Result<(), E>,
    ) -> Result<(), E> {
        let plan = &self.plan;
        let mut acc = Sums::new(self.paths * plan.agg_series.len() * plan.n_years);
        let blocks = self.leaf_blocks(max_values);
        // The largest block's room from the start: a larger block later would free the
        // buffer and populate a new one, on one thread, while the pool waits.
        let largest = blocks
            .iter()
            .map(|leaves| {
                leaves
                    .iter()
                    .map(|&l| plan.series_of(l).len())
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0);
        let mut buffer = mem::zeroed(largest * plan.n_years * self.paths);
        let kept = self.kept_shared(max_values);
        for leaves in blocks {
            let series: Vec<usize> = {
                let mut v: Vec<usize> = leaves.iter().flat_map(|&l| plan.series_of(l)).collect();
                v.sort_unstable();
                v
            };
            let sim = self.run(
                0..self.paths,
                &leaves,
                series,
                &mut acc,
                buffer,
                &self.fixed,
                kept.as_ref(),
            );
            f(&sim)?;
            buffer = sim.values;
        }
        drop(buffer);
        if !plan.agg_series.is_empty() {
            let mut sim = Simulation::new(
                plan.n_series,
                plan.agg_series.clone(),
                0..self.paths,
                plan.n_years,
                acc.values,
            );
            sim.known_finite = acc.finite;
            f(&self.observed(sim))?;
        }
        Ok(())
    }

    /// The paths' shared draws, kept for a run with blocks of `max_values` where
    /// [`Engine::kept_per_path`] says so and the paths are drawn from their streams.
    fn kept_shared(&self, max_values: usize) -> Option<SharedDraws> {
        if self.conditioned.is_some()
            || self.draws.is_some()
            || kept_per_path(&self.plan, self.paths, max_values) == 0
        {
            return None;
        }
        SharedDraws::new(&self.plan, self.seed, self.paths, &self.fixed.shared)
    }

    /// Simulates the paths a block at a time (at most `max_values` values a block, at
    /// least one path), every series, and hands each block to `f` in path order.
    ///
    /// # Errors
    /// The first error `f` returns.
    pub fn for_each_path_block<E>(
        &self,
        max_values: usize,
        mut f: impl FnMut(&Simulation) -> Result<(), E>,
    ) -> Result<(), E> {
        let per_path = (self.plan.n_series * self.plan.n_years).max(1);
        let step = (max_values / per_path).max(1);
        let mut start = 0;
        while start < self.paths {
            let end = (start + step).min(self.paths);
            f(&self.paths_range(start..end, &self.fixed))?;
            start = end;
        }
        Ok(())
    }

    /// The parameters and shocks of path `p`, as the path is simulated: every parameter's
    /// value (`Scenario::params` order; fixed ones at their value, overridden ones at the
    /// override) and each shock's scale (0 where it does not happen on the path). In a
    /// conditioned run, those of the final (conditioned) path `p`.
    pub fn path_draws(&self, p: usize) -> PathDraws {
        let plan = &self.plan;
        if let Some(c) = &self.conditioned {
            let (theta, shock_scale) = c.path_draws(p);
            return PathDraws {
                theta: theta.to_vec(),
                shock_scale: shock_scale.to_vec(),
            };
        }
        let mut ws = Workspace::new(plan);
        for (s, p) in plan.scn.params.iter().enumerate() {
            if let crate::scenario::Dist::Fixed { value } = p.dist {
                ws.theta[s] = value;
            }
        }
        draw_shared(plan, self.seed, p, &self.fixed.shared, &mut ws);
        for l in 0..plan.n_leaves {
            draw_leaf(plan, self.seed, p, &self.fixed.by_leaf[l], l, &mut ws.theta);
        }
        PathDraws {
            theta: ws.theta,
            shock_scale: ws.shock_scale,
        }
    }

    /// Every series of every path.
    pub fn whole(&self) -> Simulation {
        self.paths_range(0..self.paths, &self.fixed)
    }

    /// Draws every random number of the paths once and keeps them (about
    /// [`Engine::draws_per_path`] values a path), so that [`Engine::whole_with`] evaluates
    /// the same paths again without drawing: sensitivity analysis runs the same paths
    /// with different parameters fixed (common random numbers). The values are bit for
    /// bit those of drawing from the streams. Does nothing for a conditioned run, whose
    /// paths the sampler holds already.
    pub fn cache_draws(&mut self) {
        if self.conditioned.is_some() || self.draws.is_some() {
            return;
        }
        self.draws = Some(Draws::new(&self.plan, self.seed, self.paths));
    }

    /// The values [`Engine::cache_draws`] keeps per path of a scenario.
    pub fn draws_per_path(scn: &Scenario) -> usize {
        DrawLayout::new(&Plan::new(scn)).stride
    }

    /// Every series of every path with `overrides` fixing parameters instead of the
    /// engine's own (see [`simulate`]); from the cached draws if there are any.
    pub fn whole_with(&self, overrides: &[(Slot, f64)]) -> Simulation {
        let fixed = Fixed::new(&self.plan, overrides);
        self.paths_range(0..self.paths, &fixed)
    }

    /// Every series of the paths `range`: the simulated regions', then the aggregates'
    /// sums copied into their columns.
    fn paths_range(&self, range: Range<usize>, fixed: &Fixed) -> Simulation {
        let plan = &self.plan;
        let leaves: Vec<usize> = (0..plan.n_leaves).collect();
        let series: Vec<usize> = (0..plan.n_series).collect();
        let n = range.len();
        let mut acc = Sums::new(n * plan.agg_series.len() * plan.n_years);
        let mut sim = self.run(range, &leaves, series, &mut acc, Vec::new(), fixed, None);
        let ny = plan.n_years;
        for (a, &s) in plan.agg_series.iter().enumerate() {
            let i = sim.slot(s);
            sim.values[i * ny * n..(i + 1) * ny * n]
                .copy_from_slice(&acc.values[a * ny * n..(a + 1) * ny * n]);
        }
        sim.known_finite &= acc.finite;
        self.observed(sim)
    }

    /// Simulates `leaves` on the paths `range` into a block holding `series` (in
    /// `buffer`'s allocation), adding their contributions to the aggregates' sums `acc`
    /// (over the same paths); the paths' shared draws from `kept` where the run keeps
    /// them. Each task checks its values and sums for finiteness while they are in cache,
    /// so that the block (and after the last block, the sums) need no pass of
    /// [`Simulation::check_finite`].
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        range: Range<usize>,
        leaves: &[usize],
        series: Vec<usize>,
        sums_of: &mut Sums,
        mut buffer: Vec<f64>,
        fixed: &Fixed,
        kept: Option<&SharedDraws>,
    ) -> Simulation {
        let plan = &self.plan;
        let ny = plan.n_years;
        let n = range.len();
        let mut local = vec![usize::MAX; plan.n_series];
        for (i, &s) in series.iter().enumerate() {
            local[s] = i;
        }
        // Every value of the block is written (each leaf's series, every year, every
        // path), so a reused buffer needs no fill.
        mem::reuse(&mut buffer, n * series.len() * ny);
        let copy = mem::copier(buffer.len() + sums_of.values.len());
        let first = range.start;
        let outs = pieces(&mut buffer, n);
        let acc_zero = sums_of.zero;
        let values_finite = AtomicBool::new(true);
        let sums_finite = AtomicBool::new(true);
        let accs = pieces(&mut sums_of.values, n);
        let accs = if plan.agg_series.is_empty() {
            (0..outs.len()).map(|_| Vec::new()).collect()
        } else {
            accs
        };
        let emits = emit_plan(plan, leaves, &local);
        let four = self.lanes && self.conditioned.is_none() && lanes::usable();
        outs.into_par_iter().zip(accs).enumerate().for_each_init(
            || Workspace::new(plan),
            |ws, (j, (mut out, mut acc))| {
                let start = first + j * CHUNK;
                let len = out.first().or(acc.first()).map_or(0, |c| c.len());
                // The task's paths are simulated into tiles (column-major, `len` paths a
                // column) that stay in cache, then copied into the block's columns:
                // contiguous runs instead of one scattered access per value.
                // Every value of the tile is written below (as every value of the block
                // is), so the previous task's tile is reused without clearing it.
                let mut tile = std::mem::take(&mut ws.tile);
                tile.resize(out.len() * len, 0.0);
                let mut sums = std::mem::take(&mut ws.sums);
                sums.clear();
                if acc_zero {
                    // Added to in the tile (in cache), instead of read from the columns.
                    sums.resize(acc.len() * len, 0.0);
                } else {
                    for piece in acc.iter() {
                        sums.extend_from_slice(piece);
                    }
                }
                let task = Task {
                    start,
                    len,
                    leaves,
                    emits: &emits,
                    four,
                };
                self.task_paths(&task, fixed, ws, kept, &mut tile, &mut sums);
                hand_over(&tile, &mut out, copy, &values_finite);
                hand_over(&sums, &mut acc, copy, &sums_finite);
                ws.tile = tile;
                ws.sums = sums;
                if let Some(progress) = self.progress {
                    progress(len * leaves.len());
                }
            },
        );
        sums_of.zero = false;
        sums_of.finite = sums_finite.into_inner();
        let mut sim = Simulation::new(plan.n_series, series, range, ny, buffer);
        sim.known_finite = values_finite.into_inner();
        self.observed(sim)
    }

    /// A task's paths into its tile and its aggregates' sums (column-major, `len` paths
    /// a column): four at a time side by side where `four`, else one at a time (see
    /// [`Engine::run`]).
    fn task_paths(
        &self,
        task: &Task,
        fixed: &Fixed,
        ws: &mut Workspace,
        kept: Option<&SharedDraws>,
        tile: &mut [f64],
        sums: &mut [f64],
    ) {
        let plan = &self.plan;
        let (len, leaves) = (task.len, task.leaves);
        let mut i = 0;
        while i < len {
            if task.four && i + 4 <= len {
                let mut emit = |l: usize, k: usize, v: &[[f64; 4]; 6]| {
                    for &(field, col, agg, w) in &task.emits[l] {
                        let value = &v[field];
                        if col != usize::MAX {
                            tile[(col + k) * len + i..][..4].copy_from_slice(value);
                        }
                        if agg != usize::MAX {
                            let sum = &mut sums[(agg + k) * len + i..][..4];
                            for (s, x) in sum.iter_mut().zip(value) {
                                *s += w * x;
                            }
                        }
                    }
                };
                self.paths4(task.start + i, leaves, fixed, ws, kept, &mut emit);
                i += 4;
                continue;
            }
            let mut emit = |l: usize, k: usize, v: &YearValues| {
                let fields = [
                    v.flows[0],
                    v.flows[1],
                    v.flows[2],
                    v.stock,
                    v.rate,
                    v.registered,
                ];
                for &(field, col, agg, w) in &task.emits[l] {
                    let value = fields[field];
                    if col != usize::MAX {
                        tile[(col + k) * len + i] = value;
                    }
                    if agg != usize::MAX {
                        sums[(agg + k) * len + i] += w * value;
                    }
                }
            };
            match &self.conditioned {
                Some(c) => c.path(plan, self.seed, task.start + i, leaves, ws, &mut emit),
                None => self.path(task.start + i, leaves, fixed, ws, kept, &mut emit),
            }
            i += 1;
        }
    }

    /// Draws exactly the random numbers [`Engine::for_each_block`] draws for the
    /// unconditioned paths with blocks of `max_values` (the same streams, distributions
    /// and blocks, in the same order, the same way: groups of four paths side by side
    /// where the run draws them so; with several blocks the shared draws once per path,
    /// as the run keeps them) and nothing else, and returns their sum: the floor of the
    /// simulation's cost, for the benches.
    pub fn draw_only(&self, max_values: usize) -> f64 {
        let plan = &self.plan;
        let blocks = self.leaf_blocks(max_values);
        let shared_sum = |ws: &mut Workspace, p: usize| {
            shared::draw(plan, self.seed, p, &self.fixed.shared, ws);
            ws.theta.iter().sum::<f64>() + ws.factors.iter().sum::<f64>()
        };
        // A run of several blocks draws the shared values once per path and keeps them.
        let kept = kept_per_path(plan, self.paths, max_values) > 0;
        let mut total = 0.0;
        if kept {
            total += (0..self.paths)
                .into_par_iter()
                .map_init(|| Workspace::new(plan), shared_sum)
                .sum::<f64>();
        }
        let four = self.lanes && lanes::usable();
        for leaves in blocks {
            // As the run: groups of four paths side by side where it runs them so.
            let alone = |ws: &mut Workspace, p: usize| {
                let mut sum = if kept { 0.0 } else { shared_sum(ws, p) };
                for &l in &leaves {
                    draw_leaf(plan, self.seed, p, &self.fixed.by_leaf[l], l, &mut ws.theta);
                    let mut rng = stream(self.seed, STREAM_NOISE ^ plan.leaf_tags[l], p);
                    for _ in 0..plan.n_years * plan.leaf_draws[l] {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        sum += z;
                    }
                }
                sum
            };
            total += (0..self.paths.div_ceil(CHUNK))
                .into_par_iter()
                .map_init(
                    || Workspace::new(plan),
                    |ws, t| {
                        let paths = t * CHUNK..((t + 1) * CHUNK).min(self.paths);
                        let mut sum = 0.0;
                        let mut p = paths.start;
                        while p < paths.end {
                            if four && p + 4 <= paths.end {
                                sum += self.draw_four(p, &leaves, kept, ws, &shared_sum);
                                p += 4;
                            } else {
                                sum += alone(ws, p);
                                p += 1;
                            }
                        }
                        sum
                    },
                )
                .sum::<f64>();
        }
        total
    }

    /// [`Engine::draw_only`]'s draws of the paths `p0..p0 + 4` side by side, summed.
    fn draw_four(
        &self,
        p0: usize,
        leaves: &[usize],
        kept: bool,
        ws: &mut Workspace,
        shared_sum: &impl Fn(&mut Workspace, usize) -> f64,
    ) -> f64 {
        let plan = &self.plan;
        ws.four_lanes(plan);
        let mut sum = 0.0;
        if !kept {
            for (j, w) in ws.lanes.iter_mut().enumerate() {
                sum += shared_sum(w, p0 + j);
            }
        }
        for &l in leaves {
            self.draw_leaf4(p0, l, &self.fixed, ws);
            sum += ws.noise.iter().sum::<f64>() + ws.params.iter().flatten().sum::<f64>();
        }
        sum
    }

    /// With observations, published figures replace the simulated values of their series
    /// and year (the observed years count as fact).
    fn observed(&self, mut sim: Simulation) -> Simulation {
        if let Some(c) = &self.conditioned {
            c.overwrite(self.plan.scn, &mut sim);
            sim.known_finite = false;
        }
        sim
    }

    /// One unconditioned path: its shared draws (from `kept` where the run keeps them),
    /// then each of `leaves` year by year; `emit(l, k, values)` receives every leaf-year.
    fn path(
        &self,
        p: usize,
        leaves: &[usize],
        fixed: &Fixed,
        ws: &mut Workspace,
        kept: Option<&SharedDraws>,
        emit: &mut impl FnMut(usize, usize, &YearValues),
    ) {
        let plan = &self.plan;
        if let Some(d) = &self.draws {
            return d.path(plan, p, leaves, fixed, ws, emit);
        }
        match kept {
            Some(kept) => kept.load(plan, p, ws),
            None => shared::draw(plan, self.seed, p, &fixed.shared, ws),
        }
        let shared = shared_coefficients(plan, &ws.theta);
        for &l in leaves {
            draw_leaf(plan, self.seed, p, &fixed.by_leaf[l], l, &mut ws.theta);
            let mut rng = stream(self.seed, STREAM_NOISE ^ plan.leaf_tags[l], p);
            let mut normal = |_: usize, _: usize| StandardNormal.sample(&mut rng);
            leaf_alone(plan, &shared, ws, l, &mut normal, emit);
        }
    }
}

impl Engine<'_> {
    /// Leaf `l`'s own parameters (then those `fixed` fixes) into the four lanes'
    /// workspaces, and its noise normals on the paths `p0..p0 + 4` into `ws.noise`.
    fn draw_leaf4(&self, p0: usize, l: usize, fixed: &Fixed, ws: &mut Workspace) {
        let plan = &self.plan;
        let by_leaf = &fixed.by_leaf[l];
        lanes::leaf_params(
            plan,
            self.seed,
            l,
            p0,
            by_leaf,
            &mut ws.lanes,
            &mut ws.params,
        );
        lanes::leaf_noise(plan, self.seed, l, p0, &mut ws.noise);
    }

    /// [`Engine::path`] on the four paths `p0..p0 + 4` side by side (see `lanes`; the
    /// caller checked `lanes::usable`): `emit(l, k, values)` receives leaf `l`'s values in
    /// year `k`, `values[field][j]` path `p0 + j`'s, the same as `path` gives them. The
    /// numbers come from the cached draws where there are any, as `path` takes them.
    fn paths4(
        &self,
        p0: usize,
        leaves: &[usize],
        fixed: &Fixed,
        ws: &mut Workspace,
        kept: Option<&SharedDraws>,
        emit: &mut impl FnMut(usize, usize, &[[f64; 4]; 6]),
    ) {
        let plan = &self.plan;
        ws.four_lanes(plan);
        let shared: [SharedCoef; 4] = std::array::from_fn(|j| {
            let w = &mut ws.lanes[j];
            match (&self.draws, kept) {
                (Some(d), _) => d.load_shared(plan, p0 + j, &fixed.shared, w),
                (None, Some(kept)) => kept.load(plan, p0 + j, w),
                (None, None) => shared::draw(plan, self.seed, p0 + j, &fixed.shared, w),
            }
            shared_coefficients(plan, &w.theta)
        });
        for &l in leaves {
            match &self.draws {
                Some(d) => d.load_leaf4(plan, p0, l, &fixed.by_leaf[l], ws),
                None => self.draw_leaf4(p0, l, fixed, ws),
            }
            #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
            // SAFETY: the caller checked `lanes::usable`.
            unsafe {
                lanes::leaf_years(plan, &shared, &ws.lanes, l, &ws.noise, emit);
            }
        }
    }
}

/// A task of [`Engine::run`]: its paths `start..start + len` of the leaves `leaves`,
/// where their values go (`emit_plan`), and whether they run four at a time.
struct Task<'t> {
    start: usize,
    len: usize,
    leaves: &'t [usize],
    emits: &'t [Vec<(usize, usize, usize, f64)>],
    four: bool,
}

/// Where a path's cached random numbers lie: its shared parameters (in
/// `Plan::shared_params` order), one uniform per shock, the factor normals of every year,
/// then per leaf its own parameters and its normals of every year.
struct DrawLayout {
    events: usize,
    factors: usize,
    /// Per leaf: where its parameters and where its normals start.
    leaves: Vec<(usize, usize)>,
    stride: usize,
}

impl DrawLayout {
    fn new(plan: &Plan) -> DrawLayout {
        let events = plan.shared_params.len();
        let factors = events + plan.scn.shocks.len();
        let mut at = factors + plan.n_years * plan.n_factors;
        let leaves = (0..plan.n_leaves)
            .map(|l| {
                let own = at;
                let noise = own + plan.leaf_params[l].len();
                at = noise + plan.n_years * plan.leaf_draws[l];
                (own, noise)
            })
            .collect();
        DrawLayout {
            events,
            factors,
            leaves,
            stride: at,
        }
    }
}

/// Every random number of every path, drawn once from the streams in their order.
struct Draws {
    layout: DrawLayout,
    values: Vec<f64>,
}

impl Draws {
    fn new(plan: &Plan, seed: u64, paths: usize) -> Draws {
        let layout = DrawLayout::new(plan);
        let mut values = vec![0.0; paths * layout.stride];
        if layout.stride > 0 {
            values
                .par_chunks_mut(layout.stride)
                .enumerate()
                .for_each(|(p, d)| {
                    let scn = plan.scn;
                    let mut rng = stream(seed, STREAM_PARAMS, p);
                    for (x, &s) in d.iter_mut().zip(&plan.shared_params) {
                        *x = scn.params[s].sample(&mut rng);
                    }
                    let mut events = stream(seed, STREAM_EVENTS, p);
                    for x in &mut d[layout.events..layout.factors] {
                        *x = events.random();
                    }
                    let mut factors = stream(seed, STREAM_FACTORS, p);
                    let n_f = plan.n_years * plan.n_factors;
                    for x in &mut d[layout.factors..layout.factors + n_f] {
                        *x = StandardNormal.sample(&mut factors);
                    }
                    for l in 0..plan.n_leaves {
                        let (own, noise) = layout.leaves[l];
                        let own_params = &plan.leaf_params[l];
                        if !own_params.is_empty() {
                            let mut rng = stream(seed, STREAM_PARAMS ^ plan.leaf_tags[l], p);
                            for (x, &s) in d[own..noise].iter_mut().zip(own_params) {
                                *x = scn.params[s].sample(&mut rng);
                            }
                        }
                        let mut rng = stream(seed, STREAM_NOISE ^ plan.leaf_tags[l], p);
                        for x in &mut d[noise..noise + plan.n_years * plan.leaf_draws[l]] {
                            *x = StandardNormal.sample(&mut rng);
                        }
                    }
                });
        }
        Draws { layout, values }
    }

    /// [`Engine::path`] from the cached numbers: the same values as from the streams.
    fn path(
        &self,
        plan: &Plan,
        p: usize,
        leaves: &[usize],
        fixed: &Fixed,
        ws: &mut Workspace,
        emit: &mut impl FnMut(usize, usize, &YearValues),
    ) {
        self.load_shared(plan, p, &fixed.shared, ws);
        let shared = shared_coefficients(plan, &ws.theta);
        for &l in leaves {
            let noise = self.load_leaf(plan, p, l, &fixed.by_leaf[l], &mut ws.theta);
            let draws = plan.leaf_draws[l];
            let mut normal = |k: usize, i: usize| noise[k * draws + i];
            leaf_alone(plan, &shared, ws, l, &mut normal, emit);
        }
    }

    /// Path `p`'s shared numbers into `ws`: its shared parameters (then those `fixed`
    /// fixes), each shock's scale, the factor normals of every year.
    fn load_shared(&self, plan: &Plan, p: usize, fixed: &[(Slot, f64)], ws: &mut Workspace) {
        let lay = &self.layout;
        let d = &self.values[p * lay.stride..(p + 1) * lay.stride];
        for (&s, &x) in plan.shared_params.iter().zip(d) {
            ws.theta[s] = x;
        }
        for &(slot, v) in fixed {
            ws.theta[slot] = v;
        }
        for (k, s) in plan.scn.shocks.iter().enumerate() {
            ws.shock_scale[k] = if d[lay.events + k] < s.probability {
                s.scale.map_or(1.0, |slot| ws.theta[slot])
            } else {
                0.0
            };
        }
        let n_f = plan.n_years * plan.n_factors;
        ws.factors
            .copy_from_slice(&d[lay.factors..lay.factors + n_f]);
    }

    /// Leaf `l`'s own parameters on path `p` (then those `fixed` fixes) into `theta`;
    /// returns its noise normals of every year (year `k`'s `i`-th at `k · draws + i`).
    fn load_leaf(
        &self,
        plan: &Plan,
        p: usize,
        l: usize,
        fixed: &[(Slot, f64)],
        theta: &mut [f64],
    ) -> &[f64] {
        let lay = &self.layout;
        let d = &self.values[p * lay.stride..(p + 1) * lay.stride];
        let (own, noise) = lay.leaves[l];
        for (&s, &x) in plan.leaf_params[l].iter().zip(&d[own..noise]) {
            theta[s] = x;
        }
        for &(slot, v) in fixed {
            theta[slot] = v;
        }
        &d[noise..noise + plan.n_years * plan.leaf_draws[l]]
    }

    /// [`Draws::load_leaf`] on the paths `p0..p0 + 4` into the four lanes' workspaces,
    /// their normals interleaved into `ws.noise` as `lanes::leaf_noise` draws them
    /// (normal `m` of path `p0 + j` at `4m + j`).
    fn load_leaf4(
        &self,
        plan: &Plan,
        p0: usize,
        l: usize,
        fixed: &[(Slot, f64)],
        ws: &mut Workspace,
    ) {
        let n = plan.n_years * plan.leaf_draws[l];
        ws.noise.resize(4 * n, 0.0);
        for (j, w) in ws.lanes.iter_mut().enumerate() {
            let normals = self.load_leaf(plan, p0 + j, l, fixed, &mut w.theta);
            for (m, &z) in normals.iter().enumerate() {
                ws.noise[4 * m + j] = z;
            }
        }
    }
}

/// What each leaf-year's values of `leaves` become in a block whose series are at
/// `local`: per leaf, (field of `YearValues` in flows, stock, rate, registered order, the
/// block's column × years or `usize::MAX`, the aggregate's column × years or
/// `usize::MAX`, weight).
fn emit_plan(
    plan: &Plan,
    leaves: &[usize],
    local: &[usize],
) -> Vec<Vec<(usize, usize, usize, f64)>> {
    const NONE: usize = usize::MAX;
    let ny = plan.n_years;
    let mut emits: Vec<Vec<(usize, usize, usize, f64)>> = vec![Vec::new(); plan.n_leaves];
    for &l in leaves {
        let (fs, ss, rs, gs) = plan.leaf_series[l];
        for (field, s) in fs.into_iter().chain([ss, rs, gs]).enumerate() {
            let Some(s) = s else { continue };
            let col = if local[s] == NONE {
                NONE
            } else {
                local[s] * ny
            };
            let (agg, w) = match plan.contrib[s].as_slice() {
                [] => (NONE, 0.0),
                [(a, w)] => (a * ny, *w),
                _ => unreachable!("a region has one parent"),
            };
            emits[l].push((field, col, agg, w));
        }
    }
    emits
}

/// Hands each of leaf `l`'s series and its value in `v` to `f`.
#[inline]
fn for_each_value(plan: &Plan, l: usize, v: &YearValues, mut f: impl FnMut(usize, f64)) {
    let (fs, ss, rs, gs) = plan.leaf_series[l];
    for (s, value) in fs.iter().zip(v.flows) {
        if let Some(s) = s {
            f(*s, value);
        }
    }
    for (s, value) in [(ss, v.stock), (rs, v.rate), (gs, v.registered)] {
        if let Some(s) = s {
            f(s, value);
        }
    }
}

/// The path's shared parameters (in slot order, from its parameter stream), the
/// overrides, and which shocks happen on the path, at what scale.
fn draw_shared(plan: &Plan, seed: u64, p: usize, overrides: &[(Slot, f64)], ws: &mut Workspace) {
    let scn = plan.scn;
    let mut rng = stream(seed, STREAM_PARAMS, p);
    for &s in &plan.shared_params {
        ws.theta[s] = scn.params[s].sample(&mut rng);
    }
    for &(slot, v) in overrides {
        ws.theta[slot] = v;
    }
    let mut events = stream(seed, STREAM_EVENTS, p);
    for (k, s) in scn.shocks.iter().enumerate() {
        let u: f64 = events.random();
        ws.shock_scale[k] = if u < s.probability {
            s.scale.map_or(1.0, |slot| ws.theta[slot])
        } else {
            0.0
        };
    }
}

/// Leaf `l`'s own parameters on path `p` (from the leaf's parameter stream), then
/// `overrides` (those of its parameters that are fixed).
fn draw_leaf(
    plan: &Plan,
    seed: u64,
    p: usize,
    overrides: &[(Slot, f64)],
    l: usize,
    theta: &mut [f64],
) {
    let own = &plan.leaf_params[l];
    if own.is_empty() {
        return;
    }
    let mut rng = stream(seed, STREAM_PARAMS ^ plan.leaf_tags[l], p);
    for &s in own {
        theta[s] = plan.scn.params[s].sample(&mut rng);
    }
    for &(slot, v) in overrides {
        theta[slot] = v;
    }
}

/// The coefficients every region shares on a path.
fn shared_coefficients(plan: &Plan, th: &[f64]) -> SharedCoef {
    let scn = plan.scn;
    let um = &scn.unemployment;
    let has_rate = plan.leaf_series.iter().any(|l| l.2.is_some());
    SharedCoef {
        growth_reference: th[scn.growth.reference],
        growth_ar: th[scn.growth.ar],
        growth_noise_sd: th[scn.growth.noise_sd],
        okun: if has_rate { th[um.okun] } else { 0.0 },
        adjustment: if has_rate { th[um.adjustment] } else { 0.0 },
        rate_noise_sd: if has_rate { th[um.noise_sd] } else { 0.0 },
        rate_floor: um.floor,
        rate_ceiling: um.ceiling,
    }
}

/// Every simulated region's coefficients on the path.
fn leaf_coefficients(scn: &Scenario, ws: &mut Workspace) {
    ws.coefs.clear();
    for &r in &scn.leaves {
        ws.coefs.push(leaf_coef(scn, r, &ws.theta));
    }
}

/// The coefficients of simulated region `r` for parameters `th`.
fn leaf_coef(scn: &Scenario, r: usize, th: &[f64]) -> LeafCoef {
    let lm = scn.regions[r].leaf.as_ref().expect("leaves have models");
    let flow = |i: usize| {
        lm.flows[i]
            .as_ref()
            .map(|f| FlowCoef::calibrate(f.anchor, th[f.trend], th[f.elasticity], th[f.noise_sd]))
    };
    let flows = [flow(0), flow(1), flow(2)];
    LeafCoef {
        flows,
        stock: lm.stock.as_ref().map(|s| (s.initial, th[s.exit_rate])),
        rate: lm.unemployment.as_ref().map(|u| RateCoef {
            initial: th[u.initial],
            natural_rate: th[u.natural_rate],
            registered_gap: u.registered_gap.map(|g| th[g]),
        }),
    }
}

/// The exogenous inputs in projection year `k` of a leaf that no shock or lever hits: the
/// growth path (and the observed growth if any).
#[inline]
fn exogenous_path(plan: &Plan, k: usize, observed_growth: Option<f64>) -> Exogenous {
    Exogenous {
        growth_path: plan.scn.growth.path[k],
        growth_shock: 0.0,
        flow_factor: [1.0; 3],
        rate_shift: 0.0,
        observed_growth,
    }
}

/// The exogenous inputs of leaf `l` in projection year `k`: the growth path, the shocks
/// and levers that hit it, and the observed growth if any.
fn leaf_exogenous(
    plan: &Plan,
    theta: &[f64],
    shock_scale: &[f64],
    l: usize,
    k: usize,
    observed_growth: Option<f64>,
) -> Exogenous {
    let scn = plan.scn;
    let iyear = scn.base_year + 1 + k as i32;
    let mut x = exogenous_path(plan, k, observed_growth);
    for &si in &plan.leaf_shocks[l] {
        let s = &scn.shocks[si];
        let scale = shock_scale[si];
        if scale == 0.0 || iyear < s.year {
            continue;
        }
        let j = (iyear - s.year) as usize;
        if let Some(g) = s.growth.get(j) {
            x.growth_shock += scale * g;
        }
        for (ind, sizes) in &s.effects {
            if let Some(&size) = sizes.get(j) {
                match ind.flow_index() {
                    Some(fi) => x.flow_factor[fi] *= (1.0 + scale * size).max(0.0),
                    None => x.rate_shift += scale * size,
                }
            }
        }
    }
    for &li in &plan.leaf_levers[l] {
        let lev = &scn.levers[li];
        let ramp = lev.ramp(iyear);
        if ramp == 0.0 {
            continue;
        }
        let eff = theta[lev.effect] * ramp;
        match lev.indicator.flow_index() {
            Some(fi) => x.flow_factor[fi] *= 1.0 + eff,
            None => x.rate_shift += eff,
        }
    }
    x
}

/// Leaf `l`'s years `0..years` on a path: from its base-year state, with each year's
/// exogenous inputs (and the observed growth of `growth`, a table by leaf and year, where
/// given), the factor normals in `ws.factors` and its own normals `normal(k, i)` (the i-th
/// of year k); `emit(l, k, values)` receives every year. Every way of running a path (from
/// the streams, the cached draws, the conditioning sampler's normals) goes through here.
#[allow(clippy::too_many_arguments)]
#[inline]
fn leaf_years(
    plan: &Plan,
    shared: &SharedCoef,
    ws: &Workspace,
    coef: &LeafCoef,
    l: usize,
    years: usize,
    growth: Option<&[Option<f64>]>,
    normal: &mut impl FnMut(usize, usize) -> f64,
    emit: &mut impl FnMut(usize, usize, &YearValues),
) {
    let ny = plan.n_years;
    let mut state = LeafState::initial(coef);
    for k in 0..years {
        let observed = growth.and_then(|g| g[l * ny + k]);
        let exo = leaf_exogenous(plan, &ws.theta, &ws.shock_scale, l, k, observed);
        let mut i = 0;
        let mut next = || {
            let x = normal(k, i);
            i += 1;
            x
        };
        let v = leaf_year(
            plan,
            shared,
            coef,
            &mut state,
            l,
            k,
            &exo,
            &ws.factors,
            &mut next,
        );
        emit(l, k, &v);
    }
}

/// Leaf `l`'s every year on one unconditioned path, its parameters in `ws.theta` and its
/// noise normals from `normal(year, i)`: its coefficients, then [`leaf_years`].
fn leaf_alone(
    plan: &Plan,
    shared: &SharedCoef,
    ws: &Workspace,
    l: usize,
    normal: &mut impl FnMut(usize, usize) -> f64,
    emit: &mut impl FnMut(usize, usize, &YearValues),
) {
    let coef = leaf_coef(plan.scn, plan.scn.leaves[l], &ws.theta);
    leaf_years(plan, shared, ws, &coef, l, plan.n_years, None, normal, emit);
}

/// What a year's factor normals `f` give leaf `l`'s growth innovation: common·F (plus
/// group·G of its parent's group) in a factor structure, to which the leaf's own normal
/// times `idio` is added; the whole row of L·z for a full correlation matrix.
#[inline]
fn factor_part(plan: &Plan, l: usize, f: &[f64]) -> f64 {
    match &plan.growth {
        Growth::Factors {
            common,
            group,
            groups,
            ..
        } => match groups {
            Some(g) => common * f[0] + group * f[1 + g[l]],
            None => common * f[0],
        },
        Growth::Cholesky { chol } => {
            let n = plan.n_leaves;
            chol[l * n..l * n + l + 1]
                .iter()
                .zip(f)
                .map(|(a, b)| a * b)
                .sum()
        }
    }
}

/// One year of leaf `l`: its growth innovation from the year's factor normals (`factors`
/// holds every year's) and, in a factor structure, its own normal; then one normal per
/// flow and one for the rate, in that order, from `normal`.
#[allow(clippy::too_many_arguments)]
#[inline]
fn leaf_year(
    plan: &Plan,
    shared: &SharedCoef,
    coef: &LeafCoef,
    state: &mut LeafState,
    l: usize,
    k: usize,
    exo: &Exogenous,
    factors: &[f64],
    normal: &mut impl FnMut() -> f64,
) -> YearValues {
    let f = &factors[k * plan.n_factors..(k + 1) * plan.n_factors];
    let shared_part = factor_part(plan, l, f);
    let growth = match &plan.growth {
        Growth::Factors { idio, .. } => shared_part + idio * normal(),
        Growth::Cholesky { .. } => shared_part,
    };
    let mut noise = Noise {
        growth,
        ..Default::default()
    };
    for (i, fl) in coef.flows.iter().enumerate() {
        if fl.is_some() {
            noise.flows[i] = normal();
        }
    }
    if coef.rate.is_some() {
        noise.rate = normal();
    }
    model::step(shared, coef, state, plan.years[k], exo, &noise)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_seeds_are_distinct_and_depend_on_the_master_seed() {
        let a: Vec<u64> = (0..1000).map(|p| path_seed(1, p)).collect();
        let mut b = a.clone();
        b.sort();
        b.dedup();
        assert_eq!(b.len(), 1000);
        assert_ne!(path_seed(1, 0), path_seed(2, 0));
    }
}
