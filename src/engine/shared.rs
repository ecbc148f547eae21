//! The draws every region of a path shares: its shared parameters, which shocks happen and
//! its factor normals. A run whose regions are simulated in several blocks makes them once
//! per path and keeps them, instead of drawing them again for every block: at 1,000,000
//! paths of henan-baseline (four blocks) that is three draws of 11 values a path saved for
//! 88 MB; with 2,850 regions in some 160 blocks, 465 factor normals a path each time.
//! The kept values are those the streams give, so the paths are the same bit for bit.

use super::{Plan, STREAM_FACTORS, Workspace, draw_shared, mem, stream};
use crate::scenario::Slot;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Path `p`'s shared draws into `ws`: its shared parameters (then `overrides`, those of
/// them that are fixed), its shocks' scales and every year's factor normals.
pub(super) fn draw(
    plan: &Plan,
    seed: u64,
    p: usize,
    overrides: &[(Slot, f64)],
    ws: &mut Workspace,
) {
    draw_shared(plan, seed, p, overrides, ws);
    let mut factors = stream(seed, STREAM_FACTORS, p);
    for x in ws.factors.iter_mut() {
        *x = StandardNormal.sample(&mut factors);
    }
}

/// Every path's shared draws, [`SharedDraws::per_path`] values a path: the shared
/// parameters (in `Plan::shared_params` order), the shocks' scales, the factor normals.
pub(super) struct SharedDraws {
    stride: usize,
    values: Vec<f64>,
}

impl SharedDraws {
    /// The values kept per path.
    pub(super) fn per_path(plan: &Plan) -> usize {
        plan.shared_params.len() + plan.scn.shocks.len() + plan.n_years * plan.n_factors
    }

    /// Draws paths `0..paths` (on the current rayon pool); `None` where a path shares
    /// nothing.
    pub(super) fn new(
        plan: &Plan,
        seed: u64,
        paths: usize,
        overrides: &[(Slot, f64)],
    ) -> Option<SharedDraws> {
        let stride = Self::per_path(plan);
        if stride == 0 {
            return None;
        }
        let mut values = mem::zeroed(paths * stride);
        values.par_chunks_mut(stride).enumerate().for_each_init(
            || Workspace::new(plan),
            |ws, (p, kept)| {
                draw(plan, seed, p, overrides, ws);
                let (params, rest) = kept.split_at_mut(plan.shared_params.len());
                let (shocks, factors) = rest.split_at_mut(ws.shock_scale.len());
                for (x, &s) in params.iter_mut().zip(&plan.shared_params) {
                    *x = ws.theta[s];
                }
                shocks.copy_from_slice(&ws.shock_scale);
                factors.copy_from_slice(&ws.factors);
            },
        );
        Some(SharedDraws { stride, values })
    }

    /// Path `p`'s shared draws into `ws`, as [`draw`] makes them.
    pub(super) fn load(&self, plan: &Plan, p: usize, ws: &mut Workspace) {
        let kept = &self.values[p * self.stride..(p + 1) * self.stride];
        let (params, rest) = kept.split_at(plan.shared_params.len());
        let (shocks, factors) = rest.split_at(ws.shock_scale.len());
        for (&x, &s) in params.iter().zip(&plan.shared_params) {
            ws.theta[s] = x;
        }
        ws.shock_scale.copy_from_slice(shocks);
        ws.factors.copy_from_slice(factors);
    }
}
