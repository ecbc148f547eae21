//! Four paths at once: a leaf's years on the four paths of a group, each path's numbers
//! exactly those of [`super::leaf_years`] run on it alone.
//!
//! One path's year is a short chain of dependent operations (the growth noise, then the
//! flows through `exp`, the stock and the rate), which leaves most of the processor idle
//! while it waits. Four independent paths side by side fill it: their noise normals are
//! drawn from the four streams at once ([`draws::Lanes`]), their flows' exps four at a
//! time ([`exp`], glibc's algorithm), and each lane does exactly the scalar operations of
//! its path, in the same order (Rust never fuses them), so every value keeps every bit.
//!
//! Used where the processor has AVX2 and FMA and both batches agree with the scalar
//! draws and `f64::exp` at first use ([`usable`]); otherwise, and for conditioned runs
//! and the paths left over after the groups of four, the engine runs one path at a time.
//! Paths evaluated again from cached draws (sensitivity analysis) take their four lanes'
//! numbers from the cache instead of the streams (`Draws::load_leaf4`).

mod draws;
mod exp;

use super::{
    Growth, PATH_STEP, Plan, STREAM_NOISE, STREAM_PARAMS, Workspace, exogenous_path, factor_part,
    leaf_exogenous, path_seed,
};
use crate::model::SharedCoef;
use crate::scenario::Anchor;
use crate::scenario::Slot;
pub(super) use draws::Lanes;

/// Whether the four-path years run here: AVX2 and FMA, and the batched normals and exps
/// agree with the scalar ones (checked once).
pub(super) fn usable() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    {
        exp::vectorised() && draws::vectorised()
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// The generators of a stream (`seed` with its tag) on the paths `p0..p0 + 4`: the seed
/// of a path is the previous one's plus [`PATH_STEP`].
fn streams(seed: u64, p0: usize) -> Lanes {
    Lanes::seed_from_u64(path_seed(seed, p0 as u64), PATH_STEP)
}

/// The noise normals of leaf `l` on the paths `p0..p0 + 4` into `z` (interleaved: normal
/// `m` of path `p0 + j` at `4m + j`), from the leaf's noise streams of those paths.
pub(super) fn leaf_noise(plan: &Plan, seed: u64, l: usize, p0: usize, z: &mut Vec<f64>) {
    z.resize(4 * plan.n_years * plan.leaf_draws[l], 0.0);
    streams(seed ^ STREAM_NOISE ^ plan.leaf_tags[l], p0).normals(z);
}

/// Leaf `l`'s own parameters on the paths `p0..p0 + 4` into `ws[j].theta` (then
/// `overrides`, those of them that are fixed), from the leaf's parameter streams of those
/// paths; `scratch` holds them in between.
pub(super) fn leaf_params(
    plan: &Plan,
    seed: u64,
    l: usize,
    p0: usize,
    overrides: &[(Slot, f64)],
    ws: &mut [Workspace],
    scratch: &mut Vec<[f64; 4]>,
) {
    let own = &plan.leaf_params[l];
    scratch.clear();
    if own.is_empty() {
        return;
    }
    scratch.resize(own.len(), [0.0; 4]);
    streams(seed ^ STREAM_PARAMS ^ plan.leaf_tags[l], p0).params(&plan.scn.params, own, scratch);
    for (j, w) in ws.iter_mut().enumerate() {
        for (&s, x) in own.iter().zip(scratch.iter()) {
            w.theta[s] = x[j];
        }
        for &(slot, v) in overrides {
            w.theta[slot] = v;
        }
    }
}

/// Leaf `l`'s years on four paths: lane `j` has the path's shared coefficients
/// `shared[j]`, its draws in `ws[j]` (parameters, shock scales, factor normals) and its
/// noise normals at `z[4m + j]`;
/// `emit(l, k, values)` receives every year, `values[field][j]` lane `j`'s value of each
/// field (the three flows, the stock, the rate, the registered rate). Unobserved growth
/// only.
///
/// # Safety
/// [`usable`] must hold.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn leaf_years(
    plan: &Plan,
    shared: &[SharedCoef; 4],
    ws: &[Workspace],
    l: usize,
    z: &[f64],
    emit: &mut impl FnMut(usize, usize, &[[f64; 4]; 6]),
) {
    use std::arch::x86_64::*;
    let c = Coefs::new(plan, shared, ws, l);
    let mut state = c.initial;
    let same_exo = plan.leaf_shocks[l].is_empty() && plan.leaf_levers[l].is_empty();
    let draws = plan.leaf_draws[l];
    let mut values = [[f64::NAN; 4]; 6];
    for k in 0..plan.n_years {
        let exo: [_; 4] = if same_exo {
            [exogenous_path(plan, k, None); 4]
        } else {
            std::array::from_fn(|j| {
                leaf_exogenous(plan, &ws[j].theta, &ws[j].shock_scale, l, k, None)
            })
        };
        let mut m = k * draws;
        let mut next = || {
            // SAFETY: normal m of every lane lies at z[4m..4m + 4], inside `z`.
            let x = unsafe { _mm256_loadu_pd(z[4 * m..4 * m + 4].as_ptr()) };
            m += 1;
            x
        };
        let innovation = innovation(plan, ws, l, k, &mut next);
        let exo = Exo4 {
            base: v4(|j| exo[j].growth_path + exo[j].growth_shock),
            factor: std::array::from_fn(|i| v4(|j| exo[j].flow_factor[i])),
            shift: v4(|j| exo[j].rate_shift),
        };
        c.step(
            &mut state,
            plan.years[k],
            &exo,
            innovation,
            &mut next,
            &mut values,
        );
        if let Some(g) = c.registered_gap {
            for j in 0..4 {
                values[5][j] = (values[4][j] - ws[j].theta[g]).max(0.0);
            }
        }
        emit(l, k, &values);
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
use std::arch::x86_64::__m256d;

/// What carries over from one year to the next, on four lanes: the growth noise, the
/// stock, the rate (`model::LeafState`).
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[derive(Clone, Copy)]
struct State4 {
    noise: __m256d,
    stock: __m256d,
    rate: __m256d,
}

/// A year's exogenous inputs on four lanes: growth path plus shock, each flow's factor,
/// the rate's shift.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
struct Exo4 {
    base: __m256d,
    factor: [__m256d; 3],
    shift: __m256d,
}

/// A leaf's coefficients on four lanes, as `leaf_coef` and `shared_coefficients` make
/// them: per flow its level, anchor year, trend, elasticity, noise sd and half variance;
/// the stock's retention (1 − exit rate); the rate's natural rate, adjustment, Okun
/// coefficient, noise sd, floor and ceiling.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
struct Coefs {
    ar: __m256d,
    growth_sd: __m256d,
    reference: __m256d,
    flows: [Option<[__m256d; 6]>; 3],
    retain: Option<__m256d>,
    rate: Option<[__m256d; 6]>,
    registered_gap: Option<Slot>,
    initial: State4,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
impl Coefs {
    #[target_feature(enable = "avx2,fma")]
    fn new(plan: &Plan, shared: &[SharedCoef; 4], ws: &[Workspace], l: usize) -> Coefs {
        use std::arch::x86_64::*;
        let lm = plan.scn.regions[plan.scn.leaves[l]]
            .leaf
            .as_ref()
            .expect("leaves have models");
        let th = |slot: usize| v4(|j| ws[j].theta[slot]);
        let flows = std::array::from_fn(|i| {
            lm.flows[i].as_ref().map(|f| {
                let (trend, elasticity, sd) = (th(f.trend), th(f.elasticity), th(f.noise_sd));
                let (level, mid) = calibrate(f.anchor, trend);
                let half_var = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), sd), sd);
                [level, _mm256_set1_pd(mid), trend, elasticity, sd, half_var]
            })
        });
        let one = _mm256_set1_pd(1.0);
        let rate = lm.unemployment.as_ref().map(|u| {
            [
                th(u.natural_rate),
                v4(|j| shared[j].adjustment),
                v4(|j| shared[j].okun),
                v4(|j| shared[j].rate_noise_sd),
                v4(|j| shared[j].rate_floor),
                v4(|j| shared[j].rate_ceiling),
            ]
        });
        Coefs {
            ar: v4(|j| shared[j].growth_ar),
            growth_sd: v4(|j| shared[j].growth_noise_sd),
            reference: v4(|j| shared[j].growth_reference),
            flows,
            retain: lm
                .stock
                .as_ref()
                .map(|s| _mm256_sub_pd(one, th(s.exit_rate))),
            rate,
            registered_gap: lm.unemployment.as_ref().and_then(|u| u.registered_gap),
            initial: State4 {
                noise: _mm256_setzero_pd(),
                stock: _mm256_set1_pd(lm.stock.as_ref().map_or(0.0, |s| s.initial)),
                rate: match &lm.unemployment {
                    Some(u) => th(u.initial),
                    None => _mm256_setzero_pd(),
                },
            },
        }
    }

    /// `model::step` on the four lanes, its operations in its order: the year's flows,
    /// stock and rate into `values` (fields 0-4), each flow's normal and the rate's from
    /// `next`.
    #[target_feature(enable = "avx2,fma")]
    fn step(
        &self,
        state: &mut State4,
        year: f64,
        exo: &Exo4,
        innovation: __m256d,
        next: &mut impl FnMut() -> __m256d,
        values: &mut [[f64; 4]; 6],
    ) {
        use std::arch::x86_64::*;
        let add = _mm256_add_pd;
        let mul = _mm256_mul_pd;
        let sub = _mm256_sub_pd;
        state.noise = add(mul(self.ar, state.noise), mul(self.growth_sd, innovation));
        let growth = add(exo.base, state.noise);
        let gap = sub(growth, self.reference);
        let year = _mm256_set1_pd(year);
        let mut flows = [_mm256_set1_pd(f64::NAN); 3];
        for (i, c) in self.flows.iter().enumerate() {
            let Some([level, mid, trend, elasticity, sd, half_var]) = *c else {
                continue;
            };
            let eta = next();
            let log_rel = sub(
                add(
                    add(mul(trend, sub(year, mid)), mul(elasticity, gap)),
                    mul(sd, eta),
                ),
                half_var,
            );
            flows[i] = mul(mul(level, exp::fast::exp(log_rel)), exo.factor[i]);
        }
        let mut store = |field: usize, x: __m256d| {
            // SAFETY: `values[field]` holds four values.
            unsafe { _mm256_storeu_pd(values[field].as_mut_ptr(), x) }
        };
        for (i, x) in flows.iter().enumerate() {
            store(i, *x);
        }
        if let Some(retain) = self.retain {
            state.stock = add(mul(state.stock, retain), flows[1]);
            store(3, state.stock);
        }
        if let Some([natural, adjustment, okun, rate_sd, floor, ceiling]) = self.rate {
            let eta = next();
            let rate = state.rate;
            let u = add(
                add(
                    sub(
                        add(rate, mul(adjustment, sub(natural, rate))),
                        mul(okun, gap),
                    ),
                    exo.shift,
                ),
                mul(rate_sd, eta),
            );
            // f64::clamp: below the floor, the floor; then above the ceiling, the ceiling.
            let u = _mm256_blendv_pd(u, floor, _mm256_cmp_pd::<_CMP_LT_OQ>(u, floor));
            state.rate = _mm256_blendv_pd(u, ceiling, _mm256_cmp_pd::<_CMP_GT_OQ>(u, ceiling));
            store(4, state.rate);
        }
    }
}

/// Year `k`'s growth innovation of leaf `l` on the four lanes, as `leaf_year` makes it
/// (in a factor structure, the leaf's own normal from `next`).
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[target_feature(enable = "avx2,fma")]
fn innovation(
    plan: &Plan,
    ws: &[Workspace],
    l: usize,
    k: usize,
    next: &mut impl FnMut() -> __m256d,
) -> __m256d {
    use std::arch::x86_64::*;
    let f = |j: usize| &ws[j].factors[k * plan.n_factors..(k + 1) * plan.n_factors];
    let shared_part = v4(|j| factor_part(plan, l, f(j)));
    match &plan.growth {
        Growth::Factors { idio, .. } => {
            _mm256_add_pd(shared_part, _mm256_mul_pd(_mm256_set1_pd(*idio), next()))
        }
        Growth::Cholesky { .. } => shared_part,
    }
}

/// `FlowCoef::calibrate` on four trends: the level (per lane) and the anchor year.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[target_feature(enable = "avx2,fma")]
fn calibrate(anchor: Anchor, trend: __m256d) -> (__m256d, f64) {
    use std::arch::x86_64::*;
    match anchor {
        Anchor::Cumulative { total, first, last } => {
            let mid = f64::from(first + last) / 2.0;
            let r = exp::fast::exp(trend);
            let mut term =
                exp::fast::exp(_mm256_mul_pd(trend, _mm256_set1_pd(f64::from(first) - mid)));
            let mut denom = _mm256_setzero_pd();
            for _ in first..=last {
                denom = _mm256_add_pd(denom, term);
                term = _mm256_mul_pd(term, r);
            }
            (_mm256_div_pd(_mm256_set1_pd(total), denom), mid)
        }
        Anchor::Annual { value, year } => (_mm256_set1_pd(value), f64::from(year)),
    }
}

/// Four lanes' values, lane `j` from `f(j)`.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn v4(f: impl Fn(usize) -> f64) -> __m256d {
    std::arch::x86_64::_mm256_setr_pd(f(0), f(1), f(2), f(3))
}
