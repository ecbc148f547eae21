//! Exact order statistics of long columns without sorting, reordering or copying them.
//! The values are counted in [`BINS`] equal bins over the range of a sample of the
//! column (every ⌊n/4096⌋-th value and the last; values outside it count in the first or
//! the last bin), the bins that hold the wanted ranks are collected, and each is selected
//! within. The bin of a value is monotone in the value, so the bins' counts place every
//! rank exactly: the result is the sorted column's order statistics under
//! `f64::total_cmp`, bit for bit, whatever the sample (a poor one only makes a bin to
//! select in larger). Mean and standard deviation ride with the two passes, so a long
//! column is read twice. Short columns, and columns whose sample has a single value, are
//! summed and copied and selected the usual way.

/// Below this many values the column is copied and selected directly.
const MIN_LEN: usize = 1 << 14;
/// The bins of the counting pass (64 KiB of counts a column, resident in the L2 cache).
const BINS: usize = 1 << 14;
/// The last bin, as a float.
const LAST: f64 = (BINS - 1) as f64;
/// About this many values of a column give the bins' range.
const SAMPLE: usize = 1 << 12;
/// Not a wanted bin.
const NONE: u16 = u16::MAX;

mod lanes;

/// The order statistics `needed` (ascending, distinct, each < `xs.len()`) of `xs` (no
/// NaN), with `scratch` for the fallback.
pub fn order_statistics(xs: &[f64], needed: &[usize], scratch: &mut Vec<f64>) -> Vec<f64> {
    let Some(bins) = Bins::sampled(xs) else {
        return selected(xs, needed, scratch);
    };
    let mut counts = vec![0u32; BINS];
    for &x in xs {
        counts[bins.of(x)] += 1;
    }
    let plan = Plan::new(needed, |b| counts[b]);
    let mut members = plan.members(|b| counts[b]);
    for &x in xs {
        plan.collect(&bins, x, &mut members);
    }
    plan.select(members)
}

/// The mean, the sample standard deviation (n − 1; 0 for one value) and the order
/// statistics `needed` of each of `columns` (non-empty, of one length, no NaN): bit for
/// bit [`super::mean_sd`] and [`order_statistics`] of each. Each sum adds its column's
/// terms in index order, as `mean_sd` does, so a single sum waits on each addition;
/// reading four columns side by side keeps four independent sums in flight (in the four
/// lanes of a vector where the machine has AVX2, see `lanes`).
pub fn describe(
    columns: &[&[f64]],
    needed: &[usize],
    scratch: &mut Vec<f64>,
) -> Vec<(f64, f64, Vec<f64>)> {
    describe_with(columns, needed, scratch, lanes::available())
}

/// [`describe`], with the vector passes or without (`lanes` needs
/// [`lanes::available`]).
fn describe_with(
    columns: &[&[f64]],
    needed: &[usize],
    scratch: &mut Vec<f64>,
    lanes: bool,
) -> Vec<(f64, f64, Vec<f64>)> {
    let mut out = Vec::with_capacity(columns.len());
    if columns.first().is_none_or(|c| c.len() < MIN_LEN) {
        // Short columns: summed and selected on a copy, no bins.
        for xs in columns {
            let (mean, sd) = super::mean_sd(xs);
            out.push((mean, sd, selected(xs, needed, scratch)));
        }
        return out;
    }
    for group in columns.chunks(4) {
        if lanes {
            // Always four lanes: a short group repeats its first column in the rest,
            // whose figures are dropped.
            let padded: [&[f64]; 4] = std::array::from_fn(|c| *group.get(c).unwrap_or(&group[0]));
            describe_side_by_side(padded, group.len(), needed, scratch, &mut out, true);
            continue;
        }
        let used = group.len();
        match group {
            [a, b, c, d] => {
                describe_side_by_side([*a, *b, *c, *d], used, needed, scratch, &mut out, false)
            }
            [a, b, c] => {
                describe_side_by_side([*a, *b, *c], used, needed, scratch, &mut out, false)
            }
            [a, b] => describe_side_by_side([*a, *b], used, needed, scratch, &mut out, false),
            [a] => describe_side_by_side([*a], used, needed, scratch, &mut out, false),
            _ => unreachable!("chunks of 1 to 4"),
        }
    }
    out
}

/// [`describe`] of the first `used` of `K` columns read side by side (the rest are
/// padding, read but not described): one pass for the sums, ranges and counts, one for
/// the squared deviations and the wanted bins' values. With `lanes` (and K = 4) the rows
/// up to a multiple of four take the vector passes, the rest the scalar ones.
// The passes index the K columns at one path, which is the point of reading them side by
// side; the counts (up to 256 KiB) stay off the worker's stack.
#[allow(clippy::needless_range_loop, clippy::useless_vec)]
fn describe_side_by_side<const K: usize>(
    columns: [&[f64]; K],
    used: usize,
    needed: &[usize],
    scratch: &mut Vec<f64>,
    out: &mut Vec<(f64, f64, Vec<f64>)>,
    lanes: bool,
) {
    let n = columns[0].len();
    let cols: [&[f64]; K] = std::array::from_fn(|c| &columns[c][..n]);
    let sampled: [Option<Bins>; K] = std::array::from_fn(|c| {
        if c < used {
            Bins::sampled(cols[c])
        } else {
            None
        }
    });
    // A column without bins counts every value in bin 0, unused.
    let mut bins: [Bins; K] = std::array::from_fn(|c| sampled[c].unwrap_or(Bins::NONE));
    let vector_rows = if lanes && K == 4 { n / 4 * 4 } else { 0 };
    let (sum, lo, hi, mut counts) = count_pass(&cols, &bins, vector_rows);
    let mean: [f64; K] = std::array::from_fn(|c| sum[c] / n as f64);
    // Each column's plan; a column whose sample had one value takes its bins from its
    // whole range (a counting pass of its own), or, with a single value, is selected on a
    // copy. Padding has none.
    let mut fallback: [Option<Vec<f64>>; K] = std::array::from_fn(|_| None);
    let plans: [Plan; K] = std::array::from_fn(|c| {
        if c >= used {
            return Plan::NONE;
        }
        if sampled[c].is_some() {
            return Plan::new(needed, |b| counts[b][c]);
        }
        match Bins::new(n, lo[c], hi[c]) {
            Some(b) => {
                bins[c] = b;
                let mut own = vec![0u32; BINS];
                for &x in cols[c] {
                    own[b.of(x)] += 1;
                }
                for (k, o) in counts.iter_mut().zip(own) {
                    k[c] = o;
                }
                Plan::new(needed, |b| counts[b][c])
            }
            None => {
                fallback[c] = Some(selected(cols[c], needed, scratch));
                Plan::NONE
            }
        }
    });
    let mut members: [Vec<Vec<f64>>; K] =
        std::array::from_fn(|c| plans[c].members(|b| counts[b][c]));
    let ss = spread_pass(&cols, &bins, &mean, &plans, &mut members, vector_rows);
    let results = plans.into_iter().zip(members).enumerate().take(used);
    for (c, (plan, members)) in results {
        let sd = if n < 2 {
            0.0
        } else {
            (ss[c] / (n - 1) as f64).sqrt()
        };
        let values = fallback[c].take().unwrap_or_else(|| plan.select(members));
        out.push((mean[c], sd, values));
    }
}

/// The first pass of [`describe_side_by_side`]: each column's sum (in index order, from
/// `Iterator::sum`'s start), range and bin counts; rows below `vector_rows` in the vector
/// lanes.
#[allow(clippy::needless_range_loop, clippy::type_complexity)]
fn count_pass<const K: usize>(
    cols: &[&[f64]; K],
    bins: &[Bins; K],
    vector_rows: usize,
) -> ([f64; K], [f64; K], [f64; K], Vec<[u32; K]>) {
    let n = cols[0].len();
    // The start of `Iterator::sum` for f64, so the sums are its sums bit for bit.
    let zero = std::iter::empty::<f64>().sum::<f64>();
    let (mut sum, mut lo, mut hi) = ([zero; K], [f64::INFINITY; K], [f64::NEG_INFINITY; K]);
    let mut counts = vec![[0u32; K]; BINS];
    if vector_rows > 0 {
        let mut m = lanes::Moments {
            sum: four(&sum),
            lo: four(&lo),
            hi: four(&hi),
        };
        let counts4 = counts.as_flattened_mut().as_chunks_mut::<4>().0;
        lanes::first_pass(four(cols), vector_rows, &four(bins), &mut m, counts4);
        sum.copy_from_slice(&m.sum);
        lo.copy_from_slice(&m.lo);
        hi.copy_from_slice(&m.hi);
    }
    for i in vector_rows..n {
        for c in 0..K {
            let x = cols[c][i];
            sum[c] += x;
            // Without NaN these are `f64::min`/`max` but for the sign of a zero end.
            lo[c] = if x < lo[c] { x } else { lo[c] };
            hi[c] = if x > hi[c] { x } else { hi[c] };
            counts[bins[c].of(x)][c] += 1;
        }
    }
    (sum, lo, hi, counts)
}

/// The second pass of [`describe_side_by_side`]: each column's sum of squared deviations
/// from its mean (in index order), and the values of each plan's wanted bins into
/// `members`; rows below `vector_rows` in the vector lanes.
#[allow(clippy::needless_range_loop)]
fn spread_pass<const K: usize>(
    cols: &[&[f64]; K],
    bins: &[Bins; K],
    mean: &[f64; K],
    plans: &[Plan; K],
    members: &mut [Vec<Vec<f64>>; K],
    vector_rows: usize,
) -> [f64; K] {
    let n = cols[0].len();
    let zero = std::iter::empty::<f64>().sum::<f64>();
    let mut ss = [zero; K];
    if vector_rows > 0 {
        let mut ss4 = four(&ss);
        let plans4: [&Plan; 4] = std::array::from_fn(|c| &plans[c]);
        let members4: &mut [Vec<Vec<f64>>; 4] = (&mut members[..]).try_into().expect("four lanes");
        lanes::second_pass(
            four(cols),
            vector_rows,
            &four(bins),
            &four(mean),
            plans4,
            members4,
            &mut ss4,
        );
        ss.copy_from_slice(&ss4);
    }
    for i in vector_rows..n {
        for c in 0..K {
            let x = cols[c][i];
            let d = x - mean[c];
            ss[c] += d * d;
            plans[c].collect(&bins[c], x, &mut members[c]);
        }
    }
    ss
}

/// `K` values as four (K = 4 where the vector passes run).
fn four<T: Copy>(xs: &[T]) -> [T; 4] {
    xs.try_into().expect("four lanes")
}

/// The order statistics of a copy of `xs` in `scratch`, by selection.
fn selected(xs: &[f64], needed: &[usize], scratch: &mut Vec<f64>) -> Vec<f64> {
    scratch.clear();
    scratch.extend_from_slice(xs);
    let mut values = vec![0.0; needed.len()];
    super::multi_select(scratch, 0, needed, &mut values);
    values
}

/// [`BINS`] equal bins from `lo`, `scale` bins a unit; values below `lo` count in the
/// first bin, values past the last in the last.
#[derive(Debug, Clone, Copy)]
struct Bins {
    lo: f64,
    scale: f64,
}

impl Bins {
    /// Every value in bin 0.
    const NONE: Bins = Bins {
        lo: 0.0,
        scale: 0.0,
    };

    /// The bins of a column of `n` values from `lo` to `hi`; `None` (select on a copy)
    /// when the column is short or its range is not finite or is a single value.
    fn new(n: usize, lo: f64, hi: f64) -> Option<Bins> {
        let range = hi - lo;
        (n >= MIN_LEN && range > 0.0 && range.is_finite()).then(|| Bins {
            lo,
            scale: BINS as f64 / range,
        })
    }

    /// The bins over the range of a sample of `xs`: every ⌊n/SAMPLE⌋-th value and the
    /// last (a sorted column's whole range).
    fn sampled(xs: &[f64]) -> Option<Bins> {
        let n = xs.len();
        if n < MIN_LEN {
            return None;
        }
        let (lo, hi) = xs
            .iter()
            .step_by(n / SAMPLE)
            .chain(xs.last())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        Bins::new(n, lo, hi)
    }

    /// The bin of `x`, monotone in x (each step is: the difference, the product by a
    /// non-negative scale, the clamps and the truncation); clamped to [0, LAST] as a
    /// float, it converts by truncation (`as u32`, a single instruction where `as
    /// usize` is not).
    fn of(&self, x: f64) -> usize {
        ((x - self.lo) * self.scale).clamp(0.0, LAST) as u32 as usize
    }
}

/// Where the wanted ranks lie: the bins that hold them, numbered in `table`, with the
/// values below each, and each rank's bin and rank within it.
struct Plan {
    /// Per bin, its group, or [`NONE`].
    table: Vec<u16>,
    /// (bin, values below it) per group, ascending.
    groups: Vec<(usize, usize)>,
    /// (group, rank within the group) per wanted rank.
    ranks: Vec<(usize, usize)>,
}

impl Plan {
    /// No bin wanted.
    const NONE: Plan = Plan {
        table: Vec::new(),
        groups: Vec::new(),
        ranks: Vec::new(),
    };

    /// The plan for the ranks `needed` (ascending, each below the total count) given
    /// each bin's count.
    fn new(needed: &[usize], count: impl Fn(usize) -> u32) -> Plan {
        let mut table = vec![NONE; BINS];
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut ranks = Vec::with_capacity(needed.len());
        let (mut j, mut below) = (0usize, 0usize);
        for &r in needed {
            while below + count(j) as usize <= r {
                below += count(j) as usize;
                j += 1;
            }
            if groups.last().is_none_or(|g| g.0 != j) {
                table[j] = groups.len() as u16;
                groups.push((j, below));
            }
            ranks.push((groups.len() - 1, r - below));
        }
        Plan {
            table,
            groups,
            ranks,
        }
    }

    /// An empty vector per group, with room for its bin's count.
    fn members(&self, count: impl Fn(usize) -> u32) -> Vec<Vec<f64>> {
        self.groups
            .iter()
            .map(|&(b, _)| Vec::with_capacity(count(b) as usize))
            .collect()
    }

    /// Keeps `x` if its bin is wanted.
    #[inline]
    fn collect(&self, bins: &Bins, x: f64, members: &mut [Vec<f64>]) {
        if let Some(&g) = self.table.get(bins.of(x))
            && g != NONE
        {
            members[g as usize].push(x);
        }
    }

    /// The wanted order statistics, selected within their groups.
    fn select(&self, mut members: Vec<Vec<f64>>) -> Vec<f64> {
        let mut values = vec![0.0; self.ranks.len()];
        let mut i = 0;
        for (g, m) in members.iter_mut().enumerate() {
            let k = self.ranks[i..].iter().take_while(|w| w.0 == g).count();
            let local: Vec<usize> = self.ranks[i..i + k].iter().map(|w| w.1).collect();
            super::multi_select(m, 0, &local, &mut values[i..i + k]);
            i += k;
        }
        values
    }
}

/// The counting passes; `None` when the column is short or its sample has one value.
#[cfg(test)]
fn binned(xs: &[f64], needed: &[usize]) -> Option<Vec<f64>> {
    Bins::sampled(xs).map(|_| order_statistics(xs, needed, &mut Vec::new()))
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

    /// The sample gives the bins' range, but nothing depends on its being representative:
    /// a column whose sampled values are all near 0.5 while the rest spread far beyond
    /// (every wanted rank in an edge bin), and one whose sample holds a single value (the
    /// bins then span the whole range), give the sorted order statistics, also when
    /// described side by side.
    #[test]
    fn a_sample_that_misses_the_column_changes_no_statistic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
        let n = 100_000;
        let step = n / SAMPLE;
        let near: Vec<f64> = (0..n)
            .map(|i| {
                if i % step == 0 || i == n - 1 {
                    0.5 + rng.random::<f64>() * 1e-9
                } else {
                    rng.random::<f64>() * 2e6 - 1e6
                }
            })
            .collect();
        let single: Vec<f64> = (0..n)
            .map(|i| {
                if i % step == 0 || i == n - 1 {
                    3.0
                } else {
                    rng.random::<f64>()
                }
            })
            .collect();
        let needed = [0, 1, n / 20, n / 2, n - 2, n - 1];
        assert!(Bins::sampled(&single).is_none());
        for xs in [&near, &single] {
            let want = sorted_stats(xs, &needed);
            let got = order_statistics(xs, &needed, &mut Vec::new());
            assert_eq!(got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
            let described = describe(&[xs, &near, xs], &needed, &mut Vec::new());
            let got: Vec<u64> = described[0].2.iter().map(|x| x.to_bits()).collect();
            assert_eq!(got, want);
        }
    }

    /// The vector passes give the scalar passes' figures bit for bit: every group size
    /// (padded to four lanes), rows past the last multiple of four, a column whose sample
    /// has one value (bins over its whole range), a constant column (selected on a copy),
    /// signed zeros and heavy tails.
    #[test]
    fn the_vector_passes_equal_the_scalar_passes() {
        use rand::{Rng, SeedableRng};
        if !lanes::available() {
            eprintln!("skipped: this machine has no AVX2, only the scalar passes run");
            return;
        }
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
        let n = MIN_LEN + 3;
        let step = n / SAMPLE;
        let columns: Vec<Vec<f64>> = vec![
            (0..n).map(|_| rng.random::<f64>() * 1e3 - 500.0).collect(),
            (0..n).map(|_| (rng.random::<f64>() * 40.0).exp()).collect(),
            (0..n)
                .map(|i| {
                    if i % step == 0 || i == n - 1 {
                        3.0
                    } else {
                        rng.random()
                    }
                })
                .collect(),
            vec![2.5; n],
            (0..n)
                .map(|_| [0.0, -0.0, 1.0][rng.random_range(0..3)])
                .collect(),
            (0..n).map(|_| f64::from(rng.random_range(-3..3))).collect(),
            (0..n).rev().map(|i| i as f64).collect(),
        ];
        let needed = [0, 1, n / 20, n / 2, n / 2 + 1, n - 2, n - 1];
        let bits = |d: Vec<(f64, f64, Vec<f64>)>| -> Vec<Vec<u64>> {
            d.into_iter()
                .map(|(m, s, v)| [m, s].into_iter().chain(v).map(f64::to_bits).collect())
                .collect()
        };
        for k in 1..=columns.len() {
            let refs: Vec<&[f64]> = columns[..k].iter().map(Vec::as_slice).collect();
            let vector = bits(describe_with(&refs, &needed, &mut Vec::new(), true));
            let scalar = bits(describe_with(&refs, &needed, &mut Vec::new(), false));
            assert_eq!(vector.len(), k);
            assert_eq!(vector, scalar, "{k} columns");
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
            prop_assert_eq!(&got, &sorted_stats(&xs, &needed));
            // The fused passes give the same figures as the separate ones, bit for bit.
            // Both with the vector passes (where the machine has them) and without.
            let rev: Vec<f64> = xs.iter().rev().copied().collect();
            let columns = [&xs[..], &rev[..], &xs[..], &rev[..], &xs[..]];
            for lanes in [false, lanes::available()] {
                let described = describe_with(&columns, &needed, &mut Vec::new(), lanes);
                for (k, (mean, sd, values)) in described.into_iter().enumerate() {
                    let (m, s) = super::super::mean_sd(columns[k]);
                    prop_assert_eq!((mean.to_bits(), sd.to_bits()), (m.to_bits(), s.to_bits()));
                    prop_assert_eq!(values.into_iter().map(f64::to_bits).collect::<Vec<_>>(), got.clone());
                }
            }
        }

        /// Short, constant and single-value columns (summed and selected on a copy), in
        /// any number.
        #[test]
        fn side_by_side_description_equals_the_separate_passes(
            columns in (1usize..300).prop_flat_map(|n| proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![-1e6f64..1e6, Just(0.0), Just(-0.0), Just(2.5)], n),
                1..10)),
        ) {
            let n = columns[0].len();
            let mut needed = vec![0, n / 2, n - 1];
            needed.dedup(); // ascending and distinct, as callers pass them
            let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
            let got = describe(&refs, &needed, &mut Vec::new());
            prop_assert_eq!(got.len(), columns.len());
            for (xs, (mean, sd, values)) in columns.iter().zip(got) {
                let (m, s) = super::super::mean_sd(xs);
                prop_assert_eq!((mean.to_bits(), sd.to_bits()), (m.to_bits(), s.to_bits()));
                prop_assert_eq!(
                    values.into_iter().map(f64::to_bits).collect::<Vec<_>>(),
                    sorted_stats(xs, &needed)
                );
            }
        }
    }
}
