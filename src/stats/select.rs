//! Exact order statistics of a column without reordering or copying it: one pass finds
//! the range, one counts the values in each of [`BINS`] equal bins of it, and one collects
//! the values of the bins that hold the wanted ranks, which are then selected within
//! their bins. The bin of a value is monotone in the value, so the bins' counts place
//! every rank exactly; the result is the sorted column's order statistics under
//! `f64::total_cmp`, bit for bit. Short columns, and columns whose range is not finite or
//! is a single value, are copied and selected the usual way.

/// Below this many values the column is copied and selected directly.
const MIN_LEN: usize = 1 << 14;
/// The bins of the counting pass.
const BINS: usize = 1 << 16;
/// Not a wanted bin.
const NONE: u16 = u16::MAX;

/// The order statistics `needed` (ascending, distinct, each < `xs.len()`) of `xs` (no
/// NaN), with `scratch` for the fallback.
pub fn order_statistics(xs: &[f64], needed: &[usize], scratch: &mut Vec<f64>) -> Vec<f64> {
    let n = xs.len();
    if n >= MIN_LEN
        && let Some(v) = binned(xs, needed)
    {
        return v;
    }
    scratch.clear();
    scratch.extend_from_slice(xs);
    let mut values = vec![0.0; needed.len()];
    super::multi_select(scratch, 0, needed, &mut values);
    values
}

/// The counting passes; `None` when the range is not finite or is a single value.
fn binned(xs: &[f64], needed: &[usize]) -> Option<Vec<f64>> {
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let range = hi - lo;
    if !(range > 0.0 && range.is_finite()) {
        return None;
    }
    let scale = BINS as f64 / range;
    // x − lo ≥ 0, so the cast floors (and saturates); monotone in x.
    let bin = |x: f64| (((x - lo) * scale) as usize).min(BINS - 1);
    let mut counts = vec![0u32; BINS];
    for &x in xs {
        counts[bin(x)] += 1;
    }
    // Each wanted rank's bin and the values below that bin.
    let mut table = vec![NONE; BINS];
    let mut groups: Vec<(usize, usize)> = Vec::new(); // (bin, values below it)
    let mut where_: Vec<(usize, usize)> = Vec::with_capacity(needed.len()); // (group, local rank)
    let (mut j, mut below) = (0usize, 0usize);
    for &r in needed {
        while below + counts[j] as usize <= r {
            below += counts[j] as usize;
            j += 1;
        }
        if groups.last().is_none_or(|g| g.0 != j) {
            table[j] = groups.len() as u16;
            groups.push((j, below));
        }
        where_.push((groups.len() - 1, r - below));
    }
    let mut members: Vec<Vec<f64>> = groups
        .iter()
        .map(|&(b, _)| Vec::with_capacity(counts[b] as usize))
        .collect();
    for &x in xs {
        let g = table[bin(x)];
        if g != NONE {
            members[g as usize].push(x);
        }
    }
    let mut values = vec![0.0; needed.len()];
    let mut i = 0;
    for (g, m) in members.iter_mut().enumerate() {
        let k = where_[i..].iter().take_while(|w| w.0 == g).count();
        let local: Vec<usize> = where_[i..i + k].iter().map(|w| w.1).collect();
        super::multi_select(m, 0, &local, &mut values[i..i + k]);
        i += k;
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted_stats(xs: &[f64], needed: &[usize]) -> Vec<u64> {
        let mut s = xs.to_vec();
        s.sort_unstable_by(f64::total_cmp);
        needed.iter().map(|&r| s[r].to_bits()).collect()
    }

    #[test]
    fn long_columns_take_the_counting_passes() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for n in [MIN_LEN, 100_000, 1_000_003] {
            let xs: Vec<f64> = (0..n).map(|_| rng.random::<f64>().ln()).collect();
            let needed = [0, 1, n / 20, n / 2, n / 2 + 1, n - 2, n - 1];
            let got = binned(&xs, &needed).expect("a finite range of several values");
            let want = sorted_stats(&xs, &needed);
            assert_eq!(got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        /// Long columns (the counting passes) give the sorted column's order statistics,
        /// bit for bit, also with ties, signed zeros, heavy tails and a sorted or reversed
        /// order.
        #[test]
        fn binned_order_statistics_are_exact(
            seed in any::<u64>(),
            n in MIN_LEN..3 * MIN_LEN,
            ties in 0u32..4,
            order in 0u32..3,
        ) {
            use rand::{Rng, SeedableRng};
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut xs: Vec<f64> = (0..n)
                .map(|_| match ties {
                    0 => rng.random::<f64>() * 1e3 - 500.0,
                    1 => f64::from(rng.random_range(0..50)),
                    2 => [0.0, -0.0, 1.0][rng.random_range(0..3)],
                    _ => (rng.random::<f64>() * 40.0).exp(),
                })
                .collect();
            match order {
                1 => xs.sort_unstable_by(f64::total_cmp),
                2 => xs.sort_unstable_by(|a, b| b.total_cmp(a)),
                _ => {}
            }
            let mut needed: Vec<usize> = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0]
                .iter()
                .flat_map(|p: &f64| {
                    let lo = (p * (n - 1) as f64).floor() as usize;
                    [lo, (lo + 1).min(n - 1)]
                })
                .collect();
            needed.sort_unstable();
            needed.dedup();
            let got: Vec<u64> = order_statistics(&xs, &needed, &mut Vec::new())
                .into_iter()
                .map(f64::to_bits)
                .collect();
            prop_assert_eq!(got, sorted_stats(&xs, &needed));
        }
    }
}
