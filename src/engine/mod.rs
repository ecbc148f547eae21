//! The Monte Carlo driver: per-path seeds, parameter draws, the yearly loop over regions,
//! aggregation to parent regions, and parallel execution whose result never depends on
//! the number of threads.
//!
//! Randomness: each path p has three Xoshiro256++ generators, one per kind of draw, seeded
//! from `path_seed(seed ^ STREAM, p)`, so a path's numbers do not depend on which thread
//! runs it or on how many paths there are. Results are stored by path index.
//! - the *parameter* stream draws every non-fixed parameter in `Scenario::params` order
//!   (parameter uncertainty, once per path);
//! - the *event* stream draws one uniform per shock (does it happen on this path);
//! - the *noise* stream draws, each year, one standard normal per simulated region for
//!   growth (correlated through the Cholesky factor), then per region one normal per flow
//!   and one for the rate (process noise).
//!
//! Separate streams keep scenarios in step: a scenario that adds a shock or a lever (whose
//! parameters come last) draws exactly the same noise and the same earlier parameters as
//! the scenario it extends, so differences between them are not Monte Carlo noise.

mod filter;
pub mod measure;

pub use filter::{Conditioning, FigureFit, ParamPosterior, TemperingStage};

use crate::indicator::{Indicator, IndicatorKind};
use crate::model::{self, Exogenous, FlowCoef, LeafCoef, LeafState, Noise, RateCoef, SharedCoef};
use crate::scenario::{Scenario, Slot};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// The simulated values of every path: `values[(path * n_series + series) * n_years + year]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub n_paths: usize,
    pub n_series: usize,
    pub n_years: usize,
    pub values: Vec<f64>,
    /// What conditioning on the scenario's observations did, if it has any.
    pub conditioning: Option<Conditioning>,
}

impl Simulation {
    /// The values of one path and series, one per projection year.
    pub fn path_series(&self, path: usize, series: usize) -> &[f64] {
        let start = (path * self.n_series + series) * self.n_years;
        &self.values[start..start + self.n_years]
    }

    /// Checks that every simulated value is finite; names the first one that is not.
    ///
    /// # Errors
    /// [`crate::Error::NonFinite`] with the region, indicator, year and path.
    pub fn check_finite(&self, scn: &Scenario) -> crate::Result<()> {
        let Some(i) = self.values.iter().position(|v| !v.is_finite()) else {
            return Ok(());
        };
        let year = i % self.n_years;
        let series = (i / self.n_years) % self.n_series;
        let path = i / (self.n_years * self.n_series);
        let key = scn.series[series];
        Err(crate::Error::NonFinite {
            what: format!(
                "the simulated {} of {} in {} (path {path})",
                key.indicator,
                scn.regions[key.region].id,
                scn.base_year + 1 + year as i32
            ),
            value: self.values[i],
        })
    }

    /// The value of one series in one year on every path, in path order.
    pub fn across_paths(&self, series: usize, year: usize) -> Vec<f64> {
        (0..self.n_paths)
            .map(|p| self.values[(p * self.n_series + series) * self.n_years + year])
            .collect()
    }
}

/// Stream tags mixed into the master seed (arbitrary distinct constants).
const STREAM_PARAMS: u64 = 0x5041_5241_4D53_0001;
const STREAM_EVENTS: u64 = 0x4556_454E_5453_0002;
const STREAM_NOISE: u64 = 0x4E4F_4953_4500_0003;

/// The seed of path `p`: SplitMix64 of the master seed, plus p times the 64-bit golden
/// ratio (odd, so distinct paths get distinct seeds); Xoshiro256++'s `seed_from_u64`
/// expands it with SplitMix64.
pub fn path_seed(seed: u64, path: u64) -> u64 {
    splitmix64(seed).wrapping_add(path.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Output series of a leaf: each flow's, the stock's, the rate's and the registered rate's.
type LeafSeries = (
    [Option<usize>; 3],
    Option<usize>,
    Option<usize>,
    Option<usize>,
);

/// Precomputed layout shared by all paths.
struct Plan<'a> {
    scn: &'a Scenario,
    years: Vec<f64>,
    /// Cholesky factor, row-major.
    chol: Vec<f64>,
    n_leaves: usize,
    /// Per leaf: output series index of each flow, the stock and the rate.
    leaf_series: Vec<LeafSeries>,
    /// Aggregates: (series, children's series, weights) in region order.
    aggregates: Vec<(usize, Vec<usize>, Vec<f64>)>,
    n_years: usize,
    n_series: usize,
}

impl<'a> Plan<'a> {
    fn new(scn: &'a Scenario) -> Plan<'a> {
        let n_leaves = scn.leaves.len();
        let mut chol = vec![0.0; n_leaves * n_leaves];
        for i in 0..n_leaves {
            for j in 0..=i {
                chol[i * n_leaves + j] = scn.correlation.cholesky[(i, j)];
            }
        }
        let leaf_series = scn
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
        let mut aggregates = Vec::new();
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
                aggregates.push((s, kids, weights));
            }
        }
        Plan {
            scn,
            years: scn.years().iter().map(|&y| f64::from(y)).collect(),
            chol,
            n_leaves,
            leaf_series,
            aggregates,
            n_years: scn.n_years(),
            n_series: scn.series.len(),
        }
    }
}

/// Per-thread scratch space; in a conditioned run, one per path (a particle).
#[derive(Clone)]
struct Workspace {
    theta: Vec<f64>,
    z: Vec<f64>,
    e: Vec<f64>,
    shock_scale: Vec<f64>,
    coefs: Vec<LeafCoef>,
    states: Vec<LeafState>,
    exo: Vec<Exogenous>,
}

impl Workspace {
    fn new(plan: &Plan) -> Workspace {
        Workspace {
            theta: vec![0.0; plan.scn.params.len()],
            z: vec![0.0; plan.n_leaves],
            e: vec![0.0; plan.n_leaves],
            shock_scale: vec![0.0; plan.scn.shocks.len()],
            coefs: Vec::with_capacity(plan.n_leaves),
            states: Vec::with_capacity(plan.n_leaves),
            exo: vec![Exogenous::default(); plan.n_leaves],
        }
    }
}

/// Runs `paths` Monte Carlo paths with the scenario's model.
///
/// `overrides` fixes some parameters to given values on every path (the draws are still
/// made, so every other random number is the same as without overrides: common random
/// numbers for sensitivity analysis). Runs on the current rayon pool.
pub fn simulate(scn: &Scenario, paths: usize, seed: u64, overrides: &[(Slot, f64)]) -> Simulation {
    let plan = Plan::new(scn);
    let stride = plan.n_series * plan.n_years;
    if let Some(obs) = &scn.observations
        && stride > 0
        && paths > 0
    {
        let (values, conditioning) = filter::simulate(&plan, paths, seed, overrides, obs);
        return Simulation {
            n_paths: paths,
            n_series: plan.n_series,
            n_years: plan.n_years,
            values,
            conditioning: Some(conditioning),
        };
    }
    let mut values = vec![f64::NAN; paths * stride];
    if stride > 0 {
        values.par_chunks_mut(stride).enumerate().for_each_init(
            || Workspace::new(&plan),
            |ws, (p, out)| run_path(&plan, seed, p as u64, overrides, ws, out),
        );
    }
    Simulation {
        n_paths: paths,
        n_series: plan.n_series,
        n_years: plan.n_years,
        values,
        conditioning: None,
    }
}

/// One path: draws its parameters and events, then steps every year.
fn run_path(
    plan: &Plan,
    seed: u64,
    path: u64,
    overrides: &[(Slot, f64)],
    ws: &mut Workspace,
    out: &mut [f64],
) {
    let stream = |tag: u64| Xoshiro256PlusPlus::seed_from_u64(path_seed(seed ^ tag, path));
    let mut rng_params = stream(STREAM_PARAMS);
    let mut rng_events = stream(STREAM_EVENTS);
    let mut rng = stream(STREAM_NOISE);
    draw_parameters(plan.scn, overrides, ws, &mut rng_params, &mut rng_events);
    let shared = shared_coefficients(plan, &ws.theta);
    leaf_coefficients(plan.scn, ws);
    for k in 0..plan.n_years {
        exogenous_inputs(plan.scn, ws, k);
        step_year(
            plan,
            &shared,
            ws,
            &mut || StandardNormal.sample(&mut rng),
            k,
            out,
        );
    }
    aggregate(plan, out);
}

/// Parameter uncertainty (one draw per parameter per path, then the overrides) and which
/// shocks happen on the path, at what scale.
fn draw_parameters(
    scn: &Scenario,
    overrides: &[(Slot, f64)],
    ws: &mut Workspace,
    rng_params: &mut Xoshiro256PlusPlus,
    rng_events: &mut Xoshiro256PlusPlus,
) {
    for (t, p) in ws.theta.iter_mut().zip(&scn.params) {
        *t = p.sample(rng_params);
    }
    for &(slot, v) in overrides {
        ws.theta[slot] = v;
    }
    for (k, s) in scn.shocks.iter().enumerate() {
        let u: f64 = rng_events.random();
        ws.shock_scale[k] = if u < s.probability {
            s.scale.map_or(1.0, |slot| ws.theta[slot])
        } else {
            0.0
        };
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

/// Each simulated region's coefficients on the path and its base-year state.
fn leaf_coefficients(scn: &Scenario, ws: &mut Workspace) {
    ws.coefs.clear();
    ws.states.clear();
    for &r in &scn.leaves {
        let coef = leaf_coef(scn, r, &ws.theta);
        ws.states.push(LeafState::initial(&coef));
        ws.coefs.push(coef);
    }
}

/// The coefficients of simulated region `r` for parameters `th`.
fn leaf_coef(scn: &Scenario, r: usize, th: &[f64]) -> LeafCoef {
    let lm = scn.regions[r].leaf.as_ref().expect("leaves have models");
    let flows = [0, 1, 2].map(|i| {
        lm.flows[i]
            .as_ref()
            .map(|f| FlowCoef::calibrate(f.anchor, th[f.trend], th[f.elasticity], th[f.noise_sd]))
    });
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

/// The exogenous inputs of projection year `k`: the growth path, shocks and levers.
fn exogenous_inputs(scn: &Scenario, ws: &mut Workspace, k: usize) {
    let iyear = scn.base_year + 1 + k as i32;
    for x in ws.exo.iter_mut() {
        *x = Exogenous {
            growth_path: scn.growth.path[k],
            growth_shock: 0.0,
            flow_factor: [1.0; 3],
            rate_shift: 0.0,
            observed_growth: None,
        };
    }
    for (si, s) in scn.shocks.iter().enumerate() {
        let scale = ws.shock_scale[si];
        if scale == 0.0 || iyear < s.year {
            continue;
        }
        let j = (iyear - s.year) as usize;
        for &l in &s.leaves {
            if let Some(g) = s.growth.get(j) {
                ws.exo[l].growth_shock += scale * g;
            }
            for (ind, sizes) in &s.effects {
                if let Some(&size) = sizes.get(j) {
                    match ind.flow_index() {
                        Some(fi) => ws.exo[l].flow_factor[fi] *= (1.0 + scale * size).max(0.0),
                        None => ws.exo[l].rate_shift += scale * size,
                    }
                }
            }
        }
    }
    for lev in &scn.levers {
        let ramp = lev.ramp(iyear);
        if ramp == 0.0 {
            continue;
        }
        let eff = ws.theta[lev.effect] * ramp;
        for &l in &lev.leaves {
            match lev.indicator.flow_index() {
                Some(fi) => ws.exo[l].flow_factor[fi] *= 1.0 + eff,
                None => ws.exo[l].rate_shift += eff,
            }
        }
    }
}

/// Process noise of year `k` (correlated growth innovations e = L z, then each region's
/// flow and rate noise, in that order) and one model step per region, recorded in `out`.
///
/// `normal` yields the standard normals: from the path's noise stream, or replayed from a
/// stored vector (the conditioning sampler), in the same order.
fn step_year(
    plan: &Plan,
    shared: &SharedCoef,
    ws: &mut Workspace,
    normal: &mut impl FnMut() -> f64,
    k: usize,
    out: &mut [f64],
) {
    let (n, ny) = (plan.n_leaves, plan.n_years);
    for z in ws.z.iter_mut() {
        *z = normal();
    }
    for i in 0..n {
        let row = &plan.chol[i * n..i * n + i + 1];
        ws.e[i] = row.iter().zip(&ws.z).map(|(a, b)| a * b).sum();
    }
    for l in 0..n {
        let coef = &ws.coefs[l];
        let mut noise = Noise {
            growth: ws.e[l],
            ..Default::default()
        };
        for (i, f) in coef.flows.iter().enumerate() {
            if f.is_some() {
                noise.flows[i] = normal();
            }
        }
        if coef.rate.is_some() {
            noise.rate = normal();
        }
        let v = model::step(
            shared,
            coef,
            &mut ws.states[l],
            plan.years[k],
            &ws.exo[l],
            &noise,
        );
        let (fs, ss, rs, gs) = plan.leaf_series[l];
        for (s, value) in fs.iter().zip(v.flows) {
            if let Some(s) = s {
                out[s * ny + k] = value;
            }
        }
        if let Some(s) = ss {
            out[s * ny + k] = v.stock;
        }
        if let Some(s) = rs {
            out[s * ny + k] = v.rate;
        }
        if let Some(s) = gs {
            out[s * ny + k] = v.registered;
        }
    }
}

/// Aggregates: sums of children (flows, stocks) or weighted means (rates).
fn aggregate(plan: &Plan, out: &mut [f64]) {
    let ny = plan.n_years;
    for (s, kids, weights) in &plan.aggregates {
        for k in 0..ny {
            let v: f64 = kids
                .iter()
                .zip(weights)
                .map(|(&c, w)| w * out[c * ny + k])
                .sum();
            out[s * ny + k] = v;
        }
    }
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
