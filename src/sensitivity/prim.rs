//! Scenario discovery by PRIM, the patient rule induction method (Friedman & Fisher 1999), as
//! EMA Workbench's `prim` applies it to model runs (Bryant & Lempert 2010): given points
//! (one per Monte Carlo path, one coordinate per uncertain input) and which of them are
//! cases of interest (paths that miss a target), find a box — a range per input — in which
//! the cases concentrate.
//!
//! **Peeling.** Starting from the box that holds every point, each step tries, for every
//! input, to cut off the `alpha` share of the box's points with the lowest values (keeping
//! x ≥ the type-7 quantile at `alpha` of the box's values) or with the highest (keeping
//! x ≤ the quantile at 1 − `alpha`), and takes the cut that leaves the highest density of
//! cases (ties: the cut that removes fewer points, then the first input, the lower side
//! first). Where ties put the quantile at the box's lowest (highest) value, the cut removes
//! the points at that value instead (so inputs with repeated values, such as a shock's scale
//! that is 0 wherever the shock does not happen, can be cut). A cut must remove at least one point and leave at least `mass_min` of all points;
//! peeling stops when no cut does. Each step's box is kept: the **trajectory** trades
//! coverage (the share of all cases inside the box) for density (the share of the box's
//! points that are cases). Pasting (re-growing a box's sides) is not done.
//!
//! **Quasi-p-values** ([`qp_values`]), as EMA Workbench reports them: for each input the box
//! restricts, the probability under a binomial model that a box of the same size would hold
//! at least as many cases if that restriction were dropped (the density of the box without
//! it as the success rate). A large value says the restriction adds little.
//!
//! Deterministic: no randomness, ties broken by the rules above.

use serde::Serialize;

use super::{Result, SensitivityError};

/// Options of PRIM peeling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrimOptions {
    /// The share of a box's points each cut removes, in (0, 0.5). Default 0.05.
    pub peel_alpha: f64,
    /// The smallest share of all points a box may hold, in (0, 1). Default 0.05.
    pub mass_min: f64,
}

impl Default for PrimOptions {
    fn default() -> Self {
        PrimOptions {
            peel_alpha: 0.05,
            mass_min: 0.05,
        }
    }
}

/// One box of the peeling trajectory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrimBox {
    /// Per input, the box's limits (inclusive); −∞ or +∞ on a side it does not restrict.
    pub limits: Vec<(f64, f64)>,
    /// Points inside the box.
    pub n: usize,
    /// Cases of interest inside the box.
    pub cases: usize,
    /// cases ÷ all cases.
    pub coverage: f64,
    /// cases ÷ n.
    pub density: f64,
    /// n ÷ all points.
    pub mass: f64,
}

impl PrimBox {
    /// The inputs the box restricts, ascending.
    pub fn restricted(&self) -> Vec<usize> {
        (0..self.limits.len())
            .filter(|&j| self.limits[j] != (f64::NEG_INFINITY, f64::INFINITY))
            .collect()
    }
}

/// A peeling trajectory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrimResult {
    /// The inputs' names.
    pub names: Vec<String>,
    /// All points.
    pub n: usize,
    /// All cases of interest.
    pub cases: usize,
    /// Per input, its lowest and highest value over all points.
    pub ranges: Vec<(f64, f64)>,
    /// Step 0 is the unrestricted box.
    pub steps: Vec<PrimBox>,
    /// The options peeled with.
    pub options: PrimOptions,
}

impl PrimResult {
    /// The step with the highest density among those with coverage ≥ `min_coverage` (ties:
    /// the earlier, larger box); `None` if there are no cases.
    pub fn choose(&self, min_coverage: f64) -> Option<usize> {
        if self.cases == 0 {
            return None;
        }
        let mut best: Option<usize> = None;
        for (i, b) in self.steps.iter().enumerate() {
            if b.coverage >= min_coverage && best.is_none_or(|k| b.density > self.steps[k].density)
            {
                best = Some(i);
            }
        }
        best
    }
}

/// Peels boxes from `columns` (one column per input, `columns[j][i]` the value of input j at
/// point i) with `cases[i]` whether point i is a case of interest.
///
/// # Errors
/// [`SensitivityError::InvalidOption`] for options out of range, ragged or empty columns,
/// a name count that differs from the columns', or a non-finite value.
pub fn peel(
    names: &[String],
    columns: &[Vec<f64>],
    cases: &[bool],
    options: &PrimOptions,
) -> Result<PrimResult> {
    check(names, columns, cases, options)?;
    let n = cases.len();
    let d = columns.len();
    let all_cases = cases.iter().filter(|&&c| c).count();
    let ranges: Vec<(f64, f64)> = columns
        .iter()
        .map(|c| {
            c.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                })
        })
        .collect();
    let make = |limits: Vec<(f64, f64)>, inside: &[usize]| {
        let k = inside.iter().filter(|&&i| cases[i]).count();
        PrimBox {
            limits,
            n: inside.len(),
            cases: k,
            coverage: if all_cases == 0 {
                0.0
            } else {
                k as f64 / all_cases as f64
            },
            density: k as f64 / inside.len() as f64,
            mass: inside.len() as f64 / n as f64,
        }
    };
    let mut inside: Vec<usize> = (0..n).collect();
    let mut limits = vec![(f64::NEG_INFINITY, f64::INFINITY); d];
    let mut steps = vec![make(limits.clone(), &inside)];
    let min_points = (options.mass_min * n as f64).ceil() as usize;
    let mut values = Vec::with_capacity(n);
    loop {
        let mut best: Option<Candidate> = None;
        for (j, col) in columns.iter().enumerate() {
            values.clear();
            values.extend(inside.iter().map(|&i| col[i]));
            let (lo, hi) = thresholds(&mut values, options.peel_alpha);
            consider(&mut best, (j, col), (lo, hi), cases, &inside, min_points);
        }
        let Some((_, _, j, upper, q)) = best else {
            break;
        };
        let col = &columns[j];
        inside.retain(|&i| if upper { col[i] <= q } else { col[i] >= q });
        if upper {
            limits[j].1 = q;
        } else {
            limits[j].0 = q;
        }
        steps.push(make(limits.clone(), &inside));
    }
    Ok(PrimResult {
        names: names.to_vec(),
        n,
        cases: all_cases,
        ranges,
        steps,
        options: *options,
    })
}

/// A peel: (density, points kept, input, upper side, threshold).
type Candidate = (f64, usize, usize, bool, f64);

/// The thresholds that peel a share `alpha` of the box's `values` of one input off each
/// side: its `alpha` and `1 − alpha` quantiles. Where ties put a quantile at the box's
/// lowest (highest) value, the cut takes that value's points instead, keeping x ≥ the next
/// value up (≤ the next down).
fn thresholds(values: &mut [f64], alpha: f64) -> (f64, f64) {
    let lo = quantile7(values, alpha);
    let hi = quantile7(values, 1.0 - alpha);
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let lo = if lo <= min {
        values
            .iter()
            .copied()
            .filter(|&x| x > min)
            .fold(f64::INFINITY, f64::min)
    } else {
        lo
    };
    let hi = if hi >= max {
        values
            .iter()
            .copied()
            .filter(|&x| x < max)
            .fold(f64::NEG_INFINITY, f64::max)
    } else {
        hi
    };
    (lo, hi)
}

/// Replaces `best` by the peel of input `j` (column `col`) at `lo` (keeping x ≥ lo) or at
/// `hi` (keeping x ≤ hi) when it is denser, or as dense and keeps more points. A peel must
/// remove a point and keep at least `min_points` (and one).
fn consider(
    best: &mut Option<Candidate>,
    (j, col): (usize, &[f64]),
    (lo, hi): (f64, f64),
    cases: &[bool],
    inside: &[usize],
    min_points: usize,
) {
    for (upper, q) in [(false, lo), (true, hi)] {
        let keep = |x: f64| if upper { x <= q } else { x >= q };
        let (mut kept, mut k) = (0usize, 0usize);
        for &i in inside {
            if keep(col[i]) {
                kept += 1;
                k += usize::from(cases[i]);
            }
        }
        if kept == inside.len() || kept < min_points.max(1) {
            continue;
        }
        let density = k as f64 / kept as f64;
        let better = match *best {
            None => true,
            Some((bd, bk, ..)) => density > bd || (density == bd && kept > bk),
        };
        if better {
            *best = Some((density, kept, j, upper, q));
        }
    }
}

fn check(names: &[String], columns: &[Vec<f64>], cases: &[bool], o: &PrimOptions) -> Result<()> {
    let bad = |reason: String| SensitivityError::InvalidOption {
        option: "prim",
        reason,
    };
    if !(o.peel_alpha > 0.0 && o.peel_alpha < 0.5) {
        return Err(bad(format!(
            "peel_alpha must lie in (0, 0.5), got {}",
            o.peel_alpha
        )));
    }
    if !(o.mass_min > 0.0 && o.mass_min < 1.0) {
        return Err(bad(format!(
            "mass_min must lie in (0, 1), got {}",
            o.mass_min
        )));
    }
    if columns.is_empty() || cases.is_empty() {
        return Err(bad("no inputs or no points".into()));
    }
    if names.len() != columns.len() {
        return Err(bad(format!(
            "{} names for {} columns",
            names.len(),
            columns.len()
        )));
    }
    for (name, c) in names.iter().zip(columns) {
        if c.len() != cases.len() {
            return Err(bad(format!(
                "input `{name}` has {} values for {} points",
                c.len(),
                cases.len()
            )));
        }
        if let Some(x) = c.iter().find(|x| !x.is_finite()) {
            return Err(bad(format!("input `{name}` has the value {x}")));
        }
    }
    Ok(())
}

/// The type-7 quantile at `p` of `xs` (reordered): x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋) with
/// h = (n − 1)p, by selection.
fn quantile7(xs: &mut [f64], p: f64) -> f64 {
    let n = xs.len();
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let (_, &mut a, right) = xs.select_nth_unstable_by(lo, f64::total_cmp);
    if lo + 1 >= n {
        return a;
    }
    let b = right.iter().copied().fold(f64::INFINITY, f64::min);
    a + (h - lo as f64) * (b - a)
}

/// The quasi-p-value of each input `b` restricts (`None` for the others): with n points and
/// k cases in the box, and p the density of the box without that input's restriction,
/// P(Binomial(n, p) ≥ k).
pub fn qp_values(columns: &[Vec<f64>], cases: &[bool], b: &PrimBox) -> Vec<Option<f64>> {
    let inside = |i: usize, skip: usize| {
        b.limits
            .iter()
            .zip(columns)
            .enumerate()
            .all(|(j, (&(lo, hi), c))| j == skip || (c[i] >= lo && c[i] <= hi))
    };
    let restricted = b.restricted();
    (0..b.limits.len())
        .map(|j| {
            if !restricted.contains(&j) {
                return None;
            }
            let (mut n, mut k) = (0usize, 0usize);
            for (i, &c) in cases.iter().enumerate() {
                if inside(i, j) {
                    n += 1;
                    k += usize::from(c);
                }
            }
            let p = k as f64 / n as f64;
            Some(binomial_upper_tail(b.n, b.cases, p))
        })
        .collect()
}

/// P(X ≥ k) for X ~ Binomial(n, p), summed in log space (exact to rounding for any n).
pub fn binomial_upper_tail(n: usize, k: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    // ln C(n, i) from ln n! − ln i! − ln (n − i)!, with the ln i! built up once.
    let mut ln_fact = Vec::with_capacity(n + 1);
    ln_fact.push(0.0);
    let mut acc = 0.0f64;
    for i in 1..=n {
        acc += (i as f64).ln();
        ln_fact.push(acc);
    }
    let (lp, lq) = (p.ln(), (-p).ln_1p());
    let terms: Vec<f64> = (k..=n)
        .map(|i| ln_fact[n] - ln_fact[i] - ln_fact[n - i] + i as f64 * lp + (n - i) as f64 * lq)
        .collect();
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - top).exp()).sum();
    (top + sum.ln()).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binomial_tail_matches_exact_values() {
        // P(Bin(10, 0.5) ≥ 8) = (45 + 10 + 1) / 1024.
        assert!((binomial_upper_tail(10, 8, 0.5) - 56.0 / 1024.0).abs() < 1e-14);
        // P(Bin(5, 0.2) ≥ 1) = 1 − 0.8⁵.
        assert!((binomial_upper_tail(5, 1, 0.2) - (1.0 - 0.8f64.powi(5))).abs() < 1e-14);
        assert_eq!(binomial_upper_tail(5, 0, 0.2), 1.0);
        assert_eq!(binomial_upper_tail(5, 6, 0.2), 0.0);
        // Far in the tail of a large n, still finite and tiny.
        let t = binomial_upper_tail(10_000, 3_000, 0.2);
        assert!(t > 0.0 && t < 1e-100, "{t}");
    }

    #[test]
    fn quantiles_are_type_7() {
        let mut x = vec![10.0, 1.0, 4.0, 3.0, 2.0];
        // R: quantile(c(1,2,3,4,10), c(.05,.9), type = 7) = 1.2 7.6
        assert!((quantile7(&mut x, 0.05) - 1.2).abs() < 1e-12);
        assert!((quantile7(&mut x, 0.9) - 7.6).abs() < 1e-12);
        assert_eq!(quantile7(&mut x, 1.0), 10.0);
    }

    /// Cases exactly where x0 < 0.3 and x1 > 0.5, on a grid; x2 is noise.
    fn grid() -> (Vec<String>, Vec<Vec<f64>>, Vec<bool>) {
        let m = 40;
        let (mut a, mut b, mut c, mut y) = (vec![], vec![], vec![], vec![]);
        for i in 0..m {
            for j in 0..m {
                let (x0, x1) = ((i as f64 + 0.5) / m as f64, (j as f64 + 0.5) / m as f64);
                a.push(x0);
                b.push(x1);
                c.push(((i * 7 + j * 13) % m) as f64 / m as f64);
                y.push(x0 < 0.3 && x1 > 0.5);
            }
        }
        (
            vec!["x0".into(), "x1".into(), "x2".into()],
            vec![a, b, c],
            y,
        )
    }

    #[test]
    fn peeling_finds_the_box_that_holds_the_cases() {
        let (names, cols, y) = grid();
        let r = peel(&names, &cols, &y, &PrimOptions::default()).unwrap();
        // Step 0: everything; 12 of 40 columns × 20 of 40 rows are cases.
        assert_eq!((r.steps[0].n, r.cases), (1600, 240));
        assert_eq!(r.steps[0].density, 0.15);
        // Every step holds a subset of the previous one, and the mass never goes below
        // mass_min.
        for w in r.steps.windows(2) {
            assert!(w[1].n < w[0].n && w[1].cases <= w[0].cases);
            assert!(w[1].mass >= 0.05);
        }
        // The box that covers every case at the highest density is the true box: x0 < 0.3,
        // x1 > 0.5, x2 unrestricted.
        let k = r.choose(1.0).unwrap();
        let b = &r.steps[k];
        assert_eq!(b.density, 1.0, "{b:?}");
        assert_eq!(b.coverage, 1.0);
        assert_eq!(b.restricted(), vec![0, 1]);
        assert!(b.limits[0].1 < 0.3 && b.limits[1].0 > 0.5, "{b:?}");
        // Both restrictions matter; the quasi-p-values say so.
        let qp = qp_values(&cols, &y, b);
        assert!(qp[0].unwrap() < 1e-10 && qp[1].unwrap() < 1e-10, "{qp:?}");
        assert_eq!(qp[2], None);
    }

    #[test]
    fn no_cases_gives_no_choice_and_bad_input_is_refused() {
        let (names, cols, _) = grid();
        let none = vec![false; 1600];
        let r = peel(&names, &cols, &none, &PrimOptions::default()).unwrap();
        assert_eq!(r.choose(0.5), None);
        let e = peel(
            &names,
            &cols,
            &none,
            &PrimOptions {
                peel_alpha: 0.5,
                ..PrimOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid option `prim`: peel_alpha must lie in (0, 0.5), got 0.5"
        );
        let e = peel(&names[..2], &cols, &none, &PrimOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid option `prim`: 2 names for 3 columns"
        );
    }
}
