//! A target's outcome so far, year by year over its period, for every path at once: the
//! columns are read a run of paths at a time (a chunk that stays in the L1/L2 cache), and
//! each year's outcome and gap are computed for the whole run before the next year. The
//! arithmetic of each path is that of `outcome_years` (the per-path definition, kept in the
//! tests): the same running sums from the same neutral element, the same comparisons, so
//! every figure is the same bit for bit, without gathering each path's years first.

use super::gap;
use crate::scenario::{Applies, Target, TargetKind};

/// Paths a run of the column pass holds (its sums, extremes, outcomes and gaps: 64 KiB).
const CHUNK: usize = 2048;

/// Calls `f(j, first, outcomes, gaps)` for each year j of target `t`'s period (0 for its
/// first year) and each run of paths starting at path `first`, in path order within each
/// run: the outcome so far of every path of the run and its gap to the (pro-rata)
/// requirement, ≤ 0 when on track. In the period's last year they are the target's
/// outcome and gap. `columns` holds the target's series, one column (every path) per
/// projection year.
pub fn track_columns(
    t: &Target,
    base_year: i32,
    columns: &[&[f64]],
    f: impl FnMut(usize, usize, &[f64], &[f64]),
) {
    track_columns_in(t, base_year, columns, CHUNK, f);
}

/// [`track_columns`] with runs of `chunk` paths (the tests cross run boundaries with
/// short ones).
fn track_columns_in(
    t: &Target,
    base_year: i32,
    columns: &[&[f64]],
    chunk: usize,
    mut f: impl FnMut(usize, usize, &[f64], &[f64]),
) {
    let a = (t.first_year - base_year - 1) as usize;
    let b = (t.last_year - base_year - 1) as usize;
    let n_years = (t.last_year - t.first_year + 1) as f64;
    let n = columns[a].len();
    let chunk = chunk.min(n).max(1);
    // The neutral element of `Iterator::sum` (−0.0), as the per-path definition starts.
    let zero = std::iter::empty::<f64>().sum::<f64>();
    let mut sum = vec![zero; chunk];
    let mut extreme = vec![0.0; chunk];
    let mut out = vec![0.0; chunk];
    let mut gaps = vec![0.0; chunk];
    let mut first = 0;
    while first < n {
        let m = chunk.min(n - first);
        let (sum, extreme, out, gaps) = (
            &mut sum[..m],
            &mut extreme[..m],
            &mut out[..m],
            &mut gaps[..m],
        );
        sum.fill(zero);
        for (j, k) in (a..=b).enumerate() {
            let xs = &columns[k][first..first + m];
            let done = (j + 1) as f64;
            match (t.kind, t.applies) {
                (TargetKind::CumulativeFloor, _) => {
                    let need = t.value * (done / n_years);
                    for (((s, o), g), &x) in sum.iter_mut().zip(&mut *out).zip(&mut *gaps).zip(xs) {
                        *s += x;
                        *o = *s;
                        *g = need - *o;
                    }
                    f(j, first, out, gaps);
                    continue;
                }
                (_, Some(Applies::Average)) => {
                    for ((s, o), &x) in sum.iter_mut().zip(&mut *out).zip(xs) {
                        *s += x;
                        *o = *s / done;
                    }
                }
                // The first of equal levels, as `target_outcome` keeps it.
                (TargetKind::LevelCap, Some(Applies::EachYear)) => {
                    for ((e, o), &x) in extreme.iter_mut().zip(&mut *out).zip(xs) {
                        *e = if j == 0 || x > *e { x } else { *e };
                        *o = *e;
                    }
                }
                (TargetKind::LevelFloor, Some(Applies::EachYear)) => {
                    for ((e, o), &x) in extreme.iter_mut().zip(&mut *out).zip(xs) {
                        *e = if j == 0 || x < *e { x } else { *e };
                        *o = *e;
                    }
                }
                // The last of equally far levels, as `max_by` keeps it.
                (TargetKind::LevelAbout, Some(Applies::EachYear)) => {
                    for ((e, o), &x) in extreme.iter_mut().zip(&mut *out).zip(xs) {
                        if j == 0 || (x - t.value).abs() >= (*e - t.value).abs() {
                            *e = x;
                        }
                        *o = *e;
                    }
                }
                (_, Some(Applies::End) | None) => out.copy_from_slice(xs),
            }
            for (g, &o) in gaps.iter_mut().zip(&*out) {
                *g = gap(t, o);
            }
            f(j, first, out, gaps);
        }
        first += m;
    }
}

#[cfg(test)]
mod tests {
    use super::super::outcome_years;
    use super::super::tests::target_from;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every year's outcome and gap of every path, over runs of 1-7 paths, are those of
        /// the per-path definition bit for bit (ties, signed zeros and all).
        #[test]
        fn the_column_pass_is_the_per_path_definition(
            values in proptest::collection::vec(
                prop_oneof![0.0f64..20.0, Just(5.5), Just(5.0), Just(6.0), Just(0.0), Just(-0.0)],
                5..60,
            ),
            kind in 0usize..4,
            applies in 0usize..4,
            value in prop_oneof![0.0f64..40.0, Just(5.5)],
            first in 2021i32..2026,
            chunk in 1usize..8,
        ) {
            let kind = [TargetKind::CumulativeFloor, TargetKind::LevelCap, TargetKind::LevelFloor, TargetKind::LevelAbout][kind];
            let applies = [Some(Applies::EachYear), Some(Applies::Average), Some(Applies::End), None][applies];
            let t = target_from(kind, applies, value, first);
            let n = values.len() / 5;
            // Path p's year k is values[k * n + p].
            let columns: Vec<&[f64]> = values[..5 * n].chunks(n).collect();
            let mut got = vec![Vec::new(); n];
            let mut calls = Vec::new();
            track_columns_in(&t, 2020, &columns, chunk, |j, from, o, g| {
                calls.push((j, from, o.len()));
                for (i, (o, g)) in o.iter().zip(g).enumerate() {
                    got[from + i].push((j, o.to_bits(), g.to_bits()));
                }
            });
            // Runs of at most `chunk` paths, in path order, each year in order.
            prop_assert!(calls.iter().all(|&(_, _, m)| m >= 1 && m <= chunk));
            for (p, got) in got.iter().enumerate() {
                let path: Vec<f64> = columns.iter().map(|c| c[p]).collect();
                let mut want = Vec::new();
                outcome_years(&t, 2020, &path, |j, o, g| want.push((j, o.to_bits(), g.to_bits())));
                prop_assert_eq!(got, &want);
            }
        }
    }
}
