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
//! draws and `f64::exp` at first use ([`usable`]); otherwise, and for conditioned runs,
//! cached draws and the paths left over after the groups of four, the engine runs one
//! path at a time.

mod draws;
mod exp;

use super::{
    Growth, PATH_STEP, Plan, STREAM_NOISE, STREAM_PARAMS, Workspace, exogenous_path,
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
    let lm = plan.scn.regions[plan.scn.leaves[l]]
        .leaf
        .as_ref()
        .expect("leaves have models");
    let th = |slot: usize| v4(|j| ws[j].theta[slot]);
    // Every lane's coefficients side by side, as `leaf_coef` and `shared_coefficients`
    // make them.
    let ar = v4(|j| shared[j].growth_ar);
    let growth_sd = v4(|j| shared[j].growth_noise_sd);
    let reference = v4(|j| shared[j].growth_reference);
    let flows_v: [Option<[__m256d; 6]>; 3] = std::array::from_fn(|i| {
        lm.flows[i].as_ref().map(|f| {
            let (trend, elasticity, sd) = (th(f.trend), th(f.elasticity), th(f.noise_sd));
            let (level, mid) = calibrate(f.anchor, trend);
            let half_var = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), sd), sd);
            [level, _mm256_set1_pd(mid), trend, elasticity, sd, half_var]
        })
    });
    let one = _mm256_set1_pd(1.0);
    let retain = lm
        .stock
        .as_ref()
        .map(|s| _mm256_sub_pd(one, th(s.exit_rate)));
    let rate_v = lm.unemployment.as_ref().map(|u| {
        [
            th(u.natural_rate),
            v4(|j| shared[j].adjustment),
            v4(|j| shared[j].okun),
            v4(|j| shared[j].rate_noise_sd),
            v4(|j| shared[j].rate_floor),
            v4(|j| shared[j].rate_ceiling),
        ]
    });
    let registered_gap = lm.unemployment.as_ref().and_then(|u| u.registered_gap);
    let mut noise = _mm256_setzero_pd();
    let mut stock = _mm256_set1_pd(lm.stock.as_ref().map_or(0.0, |s| s.initial));
    let mut rate = match &lm.unemployment {
        Some(u) => th(u.initial),
        None => _mm256_setzero_pd(),
    };
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
        let f = |j: usize| &ws[j].factors[k * plan.n_factors..(k + 1) * plan.n_factors];
        // The growth innovation, as `leaf_year` makes it.
        let innovation = match &plan.growth {
            Growth::Factors {
                common,
                group,
                idio,
                groups,
            } => {
                let shared_part = v4(|j| {
                    let f = f(j);
                    match groups {
                        Some(g) => common * f[0] + group * f[1 + g[l]],
                        None => common * f[0],
                    }
                });
                _mm256_add_pd(shared_part, _mm256_mul_pd(_mm256_set1_pd(*idio), next()))
            }
            Growth::Cholesky { chol } => {
                let n = plan.n_leaves;
                v4(|j| {
                    chol[l * n..l * n + l + 1]
                        .iter()
                        .zip(f(j))
                        .map(|(a, b)| a * b)
                        .sum()
                })
            }
        };
        // `model::step` on the four lanes, its operations in its order.
        noise = _mm256_add_pd(
            _mm256_mul_pd(ar, noise),
            _mm256_mul_pd(growth_sd, innovation),
        );
        let growth = _mm256_add_pd(v4(|j| exo[j].growth_path + exo[j].growth_shock), noise);
        let gap = _mm256_sub_pd(growth, reference);
        let year = _mm256_set1_pd(plan.years[k]);
        let mut flows = [_mm256_set1_pd(f64::NAN); 3];
        for (i, c) in flows_v.iter().enumerate() {
            let Some([level, mid, trend, elasticity, sd, half_var]) = *c else {
                continue;
            };
            let eta = next();
            let log_rel = _mm256_sub_pd(
                _mm256_add_pd(
                    _mm256_add_pd(
                        _mm256_mul_pd(trend, _mm256_sub_pd(year, mid)),
                        _mm256_mul_pd(elasticity, gap),
                    ),
                    _mm256_mul_pd(sd, eta),
                ),
                half_var,
            );
            let factor = v4(|j| exo[j].flow_factor[i]);
            flows[i] = _mm256_mul_pd(_mm256_mul_pd(level, exp::fast::exp(log_rel)), factor);
        }
        for (i, x) in flows.iter().enumerate() {
            // SAFETY: `values[i]` holds four values.
            unsafe { _mm256_storeu_pd(values[i].as_mut_ptr(), *x) };
        }
        if let Some(retain) = retain {
            stock = _mm256_add_pd(_mm256_mul_pd(stock, retain), flows[1]);
            // SAFETY: `values[3]` holds four values.
            unsafe { _mm256_storeu_pd(values[3].as_mut_ptr(), stock) };
        }
        if let Some([natural, adjustment, okun, rate_sd, floor, ceiling]) = rate_v {
            let eta = next();
            let shift = v4(|j| exo[j].rate_shift);
            let u = _mm256_add_pd(
                _mm256_add_pd(
                    _mm256_sub_pd(
                        _mm256_add_pd(
                            rate,
                            _mm256_mul_pd(adjustment, _mm256_sub_pd(natural, rate)),
                        ),
                        _mm256_mul_pd(okun, gap),
                    ),
                    shift,
                ),
                _mm256_mul_pd(rate_sd, eta),
            );
            // f64::clamp: below the floor, the floor; then above the ceiling, the ceiling.
            let u = _mm256_blendv_pd(u, floor, _mm256_cmp_pd::<_CMP_LT_OQ>(u, floor));
            rate = _mm256_blendv_pd(u, ceiling, _mm256_cmp_pd::<_CMP_GT_OQ>(u, ceiling));
            // SAFETY: `values[4]` holds four values.
            unsafe { _mm256_storeu_pd(values[4].as_mut_ptr(), rate) };
            if let Some(g) = registered_gap {
                for j in 0..4 {
                    values[5][j] = (values[4][j] - ws[j].theta[g]).max(0.0);
                }
            }
        }
        emit(l, k, &values);
    }
}

/// `FlowCoef::calibrate` on four trends: the level (per lane) and the anchor year.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[target_feature(enable = "avx2,fma")]
fn calibrate(
    anchor: Anchor,
    trend: std::arch::x86_64::__m256d,
) -> (std::arch::x86_64::__m256d, f64) {
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
fn v4(f: impl Fn(usize) -> f64) -> std::arch::x86_64::__m256d {
    std::arch::x86_64::_mm256_setr_pd(f(0), f(1), f(2), f(3))
}
