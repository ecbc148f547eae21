//! End-to-end known-answer tests of the `empsim::sensitivity` library on analytic models.
//!
//! # How the tolerances are derived
//!
//! The Sobol' estimates are computed on an unscrambled (deterministic) Sobol' design, so their
//! error cannot be "measured" by re-running with another seed. Instead, for each check we measure
//! the sampling standard deviation of the *same estimator at the same N* by randomised
//! quasi-Monte Carlo: `R = 16` independent random digital shifts (XOR of every 32-bit Sobol'
//! coordinate with a uniform random 32-bit mask per dimension; Owen 1995 / L'Ecuyer & Lemieux
//! 2002). Each shifted point set is a uniformly distributed (t, m, s)-net of the same quality, the
//! estimates from the R shifts are i.i.d., and the unshifted design is the member of that family
//! with shift 0. The tolerance is `4 sd` (two-sided normal tail probability 6e-5 per check), with
//! `sd` the sample standard deviation of the R replicate estimates (for R = 16 its relative
//! uncertainty is about 18%, well inside the 4-sigma margin).
//!
//! Independently of that, the library's own bootstrap intervals (which treat the design rows as
//! i.i.d. and are therefore conservative for QMC) must cover the analytic values, and the
//! estimates must lie within 4 bootstrap standard errors.

use std::f64::consts::PI;
use std::sync::atomic::{AtomicUsize, Ordering};

use empsim::sensitivity::{
    self as sa, Factor, FactorDist, SaltelliDesign, SobolOptions, SobolResult, SobolSequence,
    SobolSkip,
};
use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

// ----------------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------------

/// A Saltelli design built from the Sobol' points `skip..skip+n` XOR-shifted by `shift`
/// (one 32-bit mask per dimension; all zero = the library's own design).
fn shifted_design(factors: &[Factor], n: usize, skip: u64, shift: &[u32]) -> SaltelliDesign {
    let d = factors.len();
    let seq = SobolSequence::new(2 * d).unwrap();
    let map = |u: &[f64]| -> Vec<f64> {
        factors
            .iter()
            .zip(u)
            .map(|(f, &x)| {
                let v = f.quantile(x);
                assert!(v.is_finite());
                v
            })
            .collect()
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for j in 0..n as u64 {
        let u: Vec<f64> = seq
            .point(skip + j)
            .unwrap()
            .iter()
            .zip(shift)
            .map(|(&x, &s)| f64::from(((x * 4_294_967_296.0) as u32) ^ s) / 4_294_967_296.0)
            .collect();
        a.push(map(&u[..d]));
        b.push(map(&u[d..]));
    }
    let mut points: Vec<Vec<f64>> = a.iter().chain(&b).cloned().collect();
    for i in 0..d {
        for (ra, rb) in a.iter().zip(&b) {
            let mut p = ra.clone();
            p[i] = rb[i];
            points.push(p);
        }
    }
    SaltelliDesign {
        factors: factors.iter().map(|f| f.name.clone()).collect(),
        n_base: n,
        skip,
        scramble: None,
        points,
    }
}

/// Per `(output k, factor i)`: sample sd over `reps` random digital shifts of the first-order
/// and total estimates, plus the sd of `Σ_i S_i` per output. Indexed `[k][i]`.
struct ReplicateSd {
    first: Vec<Vec<f64>>,
    total: Vec<Vec<f64>>,
    sum_first: Vec<f64>,
}

fn sd(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn replicate_sd<F>(factors: &[Factor], n: usize, model: F, reps: usize) -> ReplicateSd
where
    F: Fn(&[f64]) -> Vec<f64> + Sync + Copy,
{
    let d = factors.len();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_240_601);
    let opts = SobolOptions {
        bootstrap: 0,
        ..SobolOptions::default()
    };
    let skip = SobolSkip::Auto.resolve(n);
    let results: Vec<SobolResult> = (0..reps)
        .map(|_| {
            let shift: Vec<u32> = (0..2 * d).map(|_| rng.next_u32()).collect();
            let design = shifted_design(factors, n, skip, &shift);
            let outputs = sa::evaluate(&design.points, model);
            sa::sobol::estimate_sobol(&design, &outputs, &opts).unwrap()
        })
        .collect();
    let k_out = results[0].n_outputs;
    let pick = |k: usize, i: usize, total: bool| -> Vec<f64> {
        results
            .iter()
            .map(|r| {
                let row = r.row(i, k).unwrap();
                let ix = if total { row.total } else { row.first_order };
                ix.unwrap().estimate
            })
            .collect()
    };
    ReplicateSd {
        first: (0..k_out)
            .map(|k| (0..d).map(|i| sd(&pick(k, i, false))).collect())
            .collect(),
        total: (0..k_out)
            .map(|k| (0..d).map(|i| sd(&pick(k, i, true))).collect())
            .collect(),
        sum_first: (0..k_out)
            .map(|k| {
                let sums: Vec<f64> = results
                    .iter()
                    .map(|r| r.outputs[k].sum_first_order.unwrap())
                    .collect();
                sd(&sums)
            })
            .collect(),
    }
}

/// Check every index of `res` against `exact_first[k][i]` / `exact_total[k][i]`:
/// within 4 replicate sd, within 4 bootstrap se, and inside the bootstrap interval.
fn check_against(
    res: &SobolResult,
    rsd: &ReplicateSd,
    exact_first: &[Vec<f64>],
    exact_total: &[Vec<f64>],
) {
    for (k, (ef, et)) in exact_first.iter().zip(exact_total).enumerate() {
        for i in 0..res.factors.len() {
            let row = res.row(i, k).unwrap();
            for (name, ix, exact, tol) in [
                ("S", row.first_order.unwrap(), ef[i], 4.0 * rsd.first[k][i]),
                ("ST", row.total.unwrap(), et[i], 4.0 * rsd.total[k][i]),
            ] {
                let err = (ix.estimate - exact).abs();
                assert!(
                    err <= tol,
                    "{name}_{i} output {k}: estimate {} exact {exact} |err| {err} > 4 sd = {tol}",
                    ix.estimate
                );
                let ci = ix.ci.unwrap();
                assert!(
                    ci.contains(exact),
                    "{name}_{i} output {k}: {}% CI [{}, {}] misses {exact}",
                    100.0 * ci.level,
                    ci.low,
                    ci.high
                );
                assert!(
                    err <= 4.0 * ci.std_error,
                    "{name}_{i} output {k}: bootstrap se"
                );
                assert_eq!(ix.negative, ix.estimate < 0.0);
                assert_eq!(ix.ci_covers_zero, ci.low <= 0.0 && 0.0 <= ci.high);
            }
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Ishigami
// ----------------------------------------------------------------------------------------------

const ISHIGAMI_A: f64 = 7.0;
const ISHIGAMI_B: f64 = 0.1;

fn ishigami(x: &[f64]) -> Vec<f64> {
    vec![x[0].sin() + ISHIGAMI_A * x[1].sin().powi(2) + ISHIGAMI_B * x[2].powi(4) * x[0].sin()]
}

fn ishigami_factors() -> Vec<Factor> {
    (1..=3)
        .map(|i| Factor::uniform(format!("x{i}"), -PI, PI))
        .collect()
}

/// Analytic first-order and total indices of the Ishigami function (Ishigami & Homma 1990;
/// Sobol' & Levitan 1999).
fn ishigami_exact() -> ([f64; 3], [f64; 3]) {
    let (a, b) = (ISHIGAMI_A, ISHIGAMI_B);
    let v = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
    let v1 = b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 50.0 + 0.5;
    let v2 = a * a / 8.0;
    let v13 = 8.0 * b * b * PI.powi(8) / 225.0;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

#[test]
fn ishigami_analytic_values() {
    let (s, st) = ishigami_exact();
    assert!((s[0] - 0.3139).abs() < 5e-5 && (s[1] - 0.4424).abs() < 5e-5);
    assert!((st[0] - 0.5576).abs() < 5e-5 && (st[2] - 0.2437).abs() < 5e-5);
}

#[test]
fn ishigami_sobol_indices_match_analytic() {
    let factors = ishigami_factors();
    let n = 1024;
    let res = sa::sobol::analyze(&factors, n, ishigami, &SobolOptions::default()).unwrap();
    assert_eq!(res.n_evaluations, n * 5);
    assert_eq!(res.skip, 1024);
    let rsd = replicate_sd(&factors, n, ishigami, 16);
    let (s, st) = ishigami_exact();
    check_against(&res, &rsd, &[s.to_vec()], &[st.to_vec()]);
    // The unshifted design is the shift-0 member of the replicate family: cross-check that the
    // library design equals the helper's.
    let own = shifted_design(&factors, n, 1024, &[0; 6]);
    assert_eq!(
        own.points,
        sa::sobol::sample_saltelli(&factors, n, SobolSkip::Auto)
            .unwrap()
            .points
    );
    // x3 has no first-order effect: its interval must report that.
    assert!(res.row(2, 0).unwrap().first_order.unwrap().ci_covers_zero);
    assert!(res.flagged().iter().any(|r| r.factor == "x3"));
}

// ----------------------------------------------------------------------------------------------
// Additive linear model
// ----------------------------------------------------------------------------------------------

#[test]
fn additive_linear_model_indices_match_analytic() {
    // y = Σ b_i x_i with independent x_i: S_i = ST_i = b_i² Var(x_i) / Σ_j b_j² Var(x_j).
    let factors = vec![
        Factor::uniform("u", 1.0, 4.0),         // Var = 9/12
        Factor::normal("n", 10.0, 0.5),         // Var = 1/4
        Factor::triangular("t", 0.0, 1.0, 3.0), // Var = (0+9+1-0-0-3)/18 = 7/18
        Factor::uniform("tiny", 0.0, 1.0),      // Var = 1/12, small weight
    ];
    let b = [1.0, -2.0, 1.5, 0.1];
    let var = [9.0 / 12.0, 0.25, 7.0 / 18.0, 1.0 / 12.0];
    let model = move |x: &[f64]| vec![x.iter().zip(&b).map(|(x, b)| x * b).sum::<f64>()];
    let parts: Vec<f64> = b.iter().zip(&var).map(|(b, v)| b * b * v).collect();
    let total: f64 = parts.iter().sum();
    let exact: Vec<Vec<f64>> = vec![parts.iter().map(|p| p / total).collect()];

    let n = 512;
    let res = sa::sobol::analyze(&factors, n, model, &SobolOptions::default()).unwrap();
    let rsd = replicate_sd(&factors, n, model, 16);
    check_against(&res, &rsd, &exact, &exact);
    // Σ S_i = 1 for an additive model.
    let sum = res.outputs[0].sum_first_order.unwrap();
    assert!((sum - 1.0).abs() <= 4.0 * rsd.sum_first[0], "Σ S_i = {sum}");
}

// ----------------------------------------------------------------------------------------------
// Multi-output
// ----------------------------------------------------------------------------------------------

#[test]
fn multi_output_indices_per_output_index() {
    // y_k = x1 + k x2, x1, x2 ~ U(0, 1), k = 0..5: S_1 = ST_1 = 1/(1+k²), S_2 = ST_2 = k²/(1+k²).
    let factors = vec![
        Factor::uniform("x1", 0.0, 1.0),
        Factor::uniform("x2", 0.0, 1.0),
    ];
    let model = |x: &[f64]| (0..5).map(|k| x[0] + k as f64 * x[1]).collect::<Vec<f64>>();
    let n = 256;
    let res = sa::sobol::analyze(&factors, n, model, &SobolOptions::default()).unwrap();
    assert_eq!(res.n_outputs, 5);
    assert_eq!(res.rows.len(), 10);
    let exact: Vec<Vec<f64>> = (0..5)
        .map(|k| {
            let k2 = (k * k) as f64;
            vec![1.0 / (1.0 + k2), k2 / (1.0 + k2)]
        })
        .collect();
    let rsd = replicate_sd(&factors, n, model, 16);
    check_against(&res, &rsd, &exact, &exact);
    // Output 0 does not depend on x2 at all: both of its indices are exactly 0.
    let r = res.row(1, 0).unwrap();
    assert_eq!(r.first_order.unwrap().estimate, 0.0);
    assert_eq!(r.total.unwrap().estimate, 0.0);
    // Ranking flips between outputs 0 and 2.
    let s = |i, k| res.row(i, k).unwrap().first_order.unwrap().estimate;
    assert!(s(0, 0) > s(1, 0) && s(0, 2) < s(1, 2));

    // Morris and OAT also report per output index.
    let m = sa::morris::analyze(&factors, 10, 4, model, 1).unwrap();
    let o = sa::oat::analyze(&factors, model).unwrap();
    for k in 0..5 {
        assert!((m.row(1, k).unwrap().mu_star - k as f64).abs() < 1e-12);
        assert!((o.row(1, k).unwrap().swing - 0.9 * k as f64).abs() < 1e-12);
        assert!((o.row(0, k).unwrap().swing - 0.9).abs() < 1e-12);
    }
}

// ----------------------------------------------------------------------------------------------
// Determinism and progress
// ----------------------------------------------------------------------------------------------

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn same_seed_same_results_with_one_and_two_threads() {
    let factors = ishigami_factors();
    let opts = SobolOptions {
        seed: 42,
        bootstrap: 300,
        ..SobolOptions::default()
    };
    let run = || {
        (
            sa::sobol::analyze(&factors, 256, ishigami, &opts).unwrap(),
            sa::morris::analyze(&factors, 12, 4, ishigami, 42).unwrap(),
            sa::oat::analyze(&factors, ishigami).unwrap(),
        )
    };
    let one = in_pool(1, run);
    let two = in_pool(2, run);
    assert_eq!(one.0, two.0);
    assert_eq!(one.1, two.1);
    assert_eq!(one.2, two.2);
    assert_eq!(format!("{one:?}"), format!("{two:?}"));
    // A different bootstrap seed changes only the intervals.
    let other =
        sa::sobol::analyze(&factors, 256, ishigami, &SobolOptions { seed: 43, ..opts }).unwrap();
    let (a, b) = (one.0.row(0, 0).unwrap(), other.row(0, 0).unwrap());
    assert_eq!(
        a.first_order.unwrap().estimate,
        b.first_order.unwrap().estimate
    );
    assert_ne!(a.first_order.unwrap().ci, b.first_order.unwrap().ci);
}

#[test]
fn progress_callback_counts_every_evaluation() {
    let factors = ishigami_factors();
    let calls = AtomicUsize::new(0);
    let max_seen = AtomicUsize::new(0);
    let cb = |done: usize| {
        calls.fetch_add(1, Ordering::Relaxed);
        max_seen.fetch_max(done, Ordering::Relaxed);
    };
    let opts = SobolOptions {
        bootstrap: 0,
        ..SobolOptions::default()
    };
    let res = sa::sobol::analyze_with_progress(&factors, 64, ishigami, &opts, Some(&cb)).unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), res.n_evaluations);
    assert_eq!(max_seen.load(Ordering::Relaxed), 64 * 5);
    assert!(res.rows.iter().all(|r| r.first_order.unwrap().ci.is_none()));

    // The split API gives the same answer as the one-call API.
    let design = sa::sobol::sample_saltelli(&factors, 64, opts.skip).unwrap();
    let outputs = sa::evaluate(&design.points, ishigami);
    assert_eq!(
        sa::sobol::estimate_sobol(&design, &outputs, &opts).unwrap(),
        res
    );
}

// ----------------------------------------------------------------------------------------------
// Bad input
// ----------------------------------------------------------------------------------------------

#[test]
fn bad_input_gives_exact_error_messages() {
    let m = |x: &[f64]| vec![x[0]];
    let good = vec![Factor::uniform("a", 0.0, 1.0)];
    let o = SobolOptions::default();
    let err = |r: sa::Result<SobolResult>| r.unwrap_err().to_string();

    assert_eq!(
        err(sa::sobol::analyze(&[], 64, m, &o)),
        "no factors given: at least one factor is required"
    );
    assert_eq!(
        sa::morris::analyze(&[], 10, 4, m, 0)
            .unwrap_err()
            .to_string(),
        "no factors given: at least one factor is required"
    );
    assert_eq!(
        sa::oat::analyze(&[], m).unwrap_err().to_string(),
        "no factors given: at least one factor is required"
    );
    assert_eq!(
        err(sa::sobol::analyze(&good, 0, m, &o)),
        "n_base must be at least 2 (got 0)"
    );
    assert_eq!(
        err(sa::sobol::analyze(&good, 1, m, &o)),
        "n_base must be at least 2 (got 1)"
    );
    assert_eq!(
        err(sa::sobol::analyze(
            &[Factor::uniform("rate", 3.0, 3.0)],
            64,
            m,
            &o
        )),
        "factor `rate`: uniform bounds must be finite with low < high (got low = 3, high = 3)"
    );
    assert_eq!(
        err(sa::sobol::analyze(
            &[good[0].clone(), Factor::triangular("share", 0.2, 0.1, 0.5)],
            64,
            m,
            &o
        )),
        "factor `share`: triangular parameters must be finite with low < high and low <= mode <= high (got low = 0.2, mode = 0.1, high = 0.5)"
    );
    assert_eq!(
        err(sa::sobol::analyze(
            &[Factor::new(
                "sd",
                FactorDist::Normal {
                    mean: 1.0,
                    sd: -0.1
                }
            )],
            64,
            m,
            &o
        )),
        "factor `sd`: normal sd must be finite and >= 0 (got -0.1)"
    );
    assert_eq!(
        err(sa::sobol::analyze(
            &good,
            64,
            m,
            &SobolOptions {
                confidence: 95.0,
                ..o
            }
        )),
        "invalid option `confidence`: must be strictly between 0 and 1 (got 95)"
    );
    // A model with a ragged or non-finite output is reported, not panicked on.
    let ragged = |x: &[f64]| {
        if x[0] < 0.5 {
            vec![1.0]
        } else {
            vec![1.0, 2.0]
        }
    };
    assert!(
        err(sa::sobol::analyze(&good, 64, ragged, &o))
            .starts_with("the model returned 2 outputs for design row ")
    );
    assert_eq!(
        err(sa::sobol::analyze(&good, 64, |_: &[f64]| vec![], &o)),
        "the model returned no outputs for design row 0"
    );
    assert_eq!(
        err(sa::sobol::analyze(
            &good,
            64,
            |_: &[f64]| vec![f64::NAN],
            &o
        )),
        "output 0 of design row 0 is not finite (NaN)"
    );
}

// ----------------------------------------------------------------------------------------------
// Sobol' G-function: coverage of the intervals over scrambled replicates
// ----------------------------------------------------------------------------------------------

/// The G-function's coefficients (Saltelli et al. 2010): four important factors, four inert.
const G_A: [f64; 8] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];

fn g_function(x: &[f64]) -> Vec<f64> {
    vec![
        x.iter()
            .zip(G_A)
            .map(|(&xi, a)| ((4.0 * xi - 2.0).abs() + a) / (1.0 + a))
            .product(),
    ]
}

/// Analytic indices: `V_i = 1 / (3 (1 + a_i)^2)`, `V = Π (1 + V_i) − 1`, `S_i = V_i / V`,
/// `ST_i = V_i Π_{j≠i} (1 + V_j) / V`.
fn g_exact() -> (Vec<f64>, Vec<f64>) {
    let vi: Vec<f64> = G_A
        .iter()
        .map(|a| 1.0 / (3.0 * (1.0 + a).powi(2)))
        .collect();
    let prod: f64 = vi.iter().map(|v| 1.0 + v).product();
    let v = prod - 1.0;
    let s = vi.iter().map(|x| x / v).collect();
    let st = vi.iter().map(|x| x * prod / (1.0 + x) / v).collect();
    (s, st)
}

/// The share of `reps` scrambled replicates (seeds `0..reps`) whose 95 % interval of each
/// index contains the analytic value: `[S_i..., ST_i...]`.
fn g_coverage(n: usize, reps: u64) -> Vec<f64> {
    let factors: Vec<Factor> = (1..=8)
        .map(|i| Factor::uniform(format!("x{i}"), 0.0, 1.0))
        .collect();
    let (s, st) = g_exact();
    let mut hits = [0u32; 16];
    for seed in 0..reps {
        let opts = SobolOptions {
            bootstrap: 300,
            seed,
            scramble: Some(seed),
            ..SobolOptions::default()
        };
        let res = sa::sobol::analyze(&factors, n, g_function, &opts).unwrap();
        for i in 0..8 {
            let row = res.row(i, 0).unwrap();
            for (slot, ix, exact) in [(i, row.first_order, s[i]), (8 + i, row.total, st[i])] {
                if ix.unwrap().ci.unwrap().contains(exact) {
                    hits[slot] += 1;
                }
            }
        }
    }
    hits.iter().map(|&h| f64::from(h) / reps as f64).collect()
}

#[test]
fn g_function_intervals_cover_at_their_nominal_rate_on_scrambled_designs() {
    // 40 independent scrambles at the command's default N: each interval's coverage is
    // estimated with a standard error of √(0.95·0.05/40) = 0.034; the bootstrap treats the
    // rows as independent, which is conservative for a scrambled net, so coverage may exceed
    // 0.95 but must not fall below it by more than 4 standard errors.
    let reps = 40;
    let cov = g_coverage(empsim::analysis::sens::DEFAULT_SOBOL_SAMPLES, reps);
    let floor = 0.95 - 4.0 * (0.95 * 0.05 / reps as f64).sqrt();
    for (slot, c) in cov.iter().enumerate() {
        let name = if slot < 8 { "S" } else { "ST" };
        assert!(
            *c >= floor,
            "{name}_{} covers {c} of the replicates (< {floor}): {cov:?}",
            slot % 8 + 1
        );
    }
}

#[test]
fn the_scramble_seed_changes_the_design_and_the_same_seed_repeats_it() {
    let factors: Vec<Factor> = (1..=3)
        .map(|i| Factor::uniform(format!("x{i}"), 0.0, 1.0))
        .collect();
    let d = |seed| sa::sobol::sample_saltelli_scrambled(&factors, 64, seed).unwrap();
    assert_eq!(d(7).points, d(7).points);
    assert_ne!(d(7).points, d(8).points);
    assert_eq!((d(7).skip, d(7).scramble), (0, Some(7)));
    // Every point of the A block is inside the open cube.
    assert!(d(7).points.iter().flatten().all(|&x| x > 0.0 && x < 1.0));
}

#[test]
fn doubling_a_run_evaluates_only_the_new_rows_and_equals_the_run_at_2n() {
    let factors = ishigami_factors();
    let d = factors.len();
    let calls = AtomicUsize::new(0);
    let model = |x: &[f64]| {
        calls.fetch_add(1, Ordering::Relaxed);
        ishigami(x)
    };
    for (scramble, skip) in [(Some(11), SobolSkip::Auto), (None, SobolSkip::Points(64))] {
        let opts = SobolOptions {
            bootstrap: 200,
            seed: 5,
            scramble,
            skip,
            ..SobolOptions::default()
        };
        calls.store(0, Ordering::Relaxed);
        let run = sa::sobol::analyze_keeping(&factors, 64, model, &opts, None).unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 64 * (d + 2));
        calls.store(0, Ordering::Relaxed);
        let (doubled, made) = sa::sobol::double(&factors, &run, model, &opts, None).unwrap();
        // Only the N(d + 2) new rows are run.
        assert_eq!(made, 64 * (d + 2));
        assert_eq!(calls.load(Ordering::Relaxed), made);
        let direct = sa::sobol::analyze_keeping(&factors, 128, ishigami, &opts, None).unwrap();
        assert_eq!(doubled.design.points, direct.design.points, "{scramble:?}");
        assert_eq!(doubled.outputs, direct.outputs);
        assert_eq!(doubled.result, direct.result);
    }
}
