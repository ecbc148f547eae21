//! The blocked engine: the values of every series do not depend on how the regions or the
//! paths are blocked or on the number of threads, and the factor structures of the growth
//! correlation give the correlations the scenario states.

use crate::support::shipped;
use empsim::Scenario;
use empsim::engine::{Engine, Simulation, simulate};
use std::path::Path;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// Every value of `part` equals the whole simulation's, bit for bit.
fn assert_same(whole: &Simulation, part: &Simulation, what: &str) {
    for p in 0..part.n_paths {
        for &s in &part.series {
            let a = whole.path_series(part.first_path + p, s);
            let b = part.path_series(p, s);
            let same = a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same,
                "{what}: series {s}, path {}: {a:?} vs {b:?}",
                part.first_path + p
            );
        }
    }
}

#[test]
fn blocks_of_regions_and_of_paths_give_the_whole_simulation_bit_for_bit() {
    for name in [
        "henan-baseline",
        "henan-downside",
        "henan-policy",
        "shaoyang-baseline",
        "henan-midterm",
    ] {
        let scn = Scenario::from_file(&shipped(&format!("{name}.toml"))).unwrap();
        let paths = if name == "henan-midterm" { 300 } else { 257 };
        let whole = pool(2).install(|| simulate(&scn, paths, 11, &[]));
        assert_eq!(whole.series.len(), scn.series.len());
        for threads in [1, 3] {
            let engine = pool(threads).install(|| Engine::new(&scn, paths, 11, &[]));
            assert_eq!(
                engine.conditioning(),
                whole.conditioning.as_ref(),
                "{name}: the conditioning at {threads} threads"
            );
            // One region a block (1 value), a few regions a block, everything at once.
            for max_values in [1, 3 * paths * scn.n_years() * 4, usize::MAX] {
                let mut seen = vec![0; scn.series.len()];
                pool(threads)
                    .install(|| {
                        engine.for_each_block(max_values, |b| -> Result<(), ()> {
                            assert_eq!((b.first_path, b.n_paths), (0, paths));
                            assert_same(&whole, b, name);
                            for &s in &b.series {
                                seen[s] += 1;
                            }
                            Ok(())
                        })
                    })
                    .unwrap();
                assert!(seen.iter().all(|&n| n == 1), "{name}: every series once");
            }
            for max_values in [1, 1000] {
                let mut next = 0;
                pool(threads)
                    .install(|| {
                        engine.for_each_path_block(max_values, |b| -> Result<(), ()> {
                            assert_eq!(b.first_path, next);
                            next += b.n_paths;
                            assert_same(&whole, b, name);
                            Ok(())
                        })
                    })
                    .unwrap();
                assert_eq!(next, paths);
            }
        }
    }
}

const HEADER: &str = r#"
name = "factors"
[horizon]
base_year = 2020
end_year = 2022
[monte_carlo]
paths = 20000
seed = 5
[growth]
reference = { value = 6.0, assumption = "test" }
ar = { value = 0.0, assumption = "test" }
noise_sd = { value = 1.0, assumption = "test: the growth innovations" }
[growth.path]
values = { 2021 = 6.0, 2022 = 6.0 }
assumption = "test"
[unemployment]
okun = { value = 0.2, assumption = "test" }
floor = 0.0
ceiling = 100.0
adjustment = { value = 0.0, assumption = "test" }
noise_sd = { value = 0.0, assumption = "test" }
"#;

/// A leaf whose log flow is a constant plus 0.1 × its growth innovation (no flow noise,
/// fixed parameters), so the correlation of the log flows is that of the innovations.
fn leaf(id: &str, parent: &str) -> String {
    format!(
        r#"
[regions.{id}]
name_zh = "{id}"
name_en = "{id}"
level = "city"
parent = "{parent}"
[regions.{id}.baselines.urban_new_jobs]
value = 40.0
kind = "cumulative"
period = "2016-2020"
source = "test"
quote = "test"
[regions.{id}.params.urban_new_jobs]
trend = {{ value = 0.0, assumption = "test" }}
elasticity = {{ value = 0.1, assumption = "test" }}
noise_sd = {{ value = 0.0, assumption = "test: the growth innovation only" }}
"#
    )
}

fn factor_scenario(correlation: &str) -> (tempfile::TempDir, Scenario) {
    let mut body = String::from(HEADER);
    for p in ["pa", "pb"] {
        body +=
            &format!("[regions.{p}]\nname_zh = \"{p}\"\nname_en = \"{p}\"\nlevel = \"province\"\n");
    }
    for (id, parent) in [("a1", "pa"), ("a2", "pa"), ("b1", "pb"), ("b2", "pb")] {
        body += &leaf(id, parent);
    }
    body += correlation;
    body += "\n[sources.test]\ntitle = \"test document\"\n";
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("factors.toml");
    std::fs::write(&p, body).unwrap();
    let s = Scenario::from_file(Path::new(&p)).unwrap_or_else(|e| panic!("{e}"));
    (dir, s)
}

fn corr(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// The sample correlations of the leaves' log flows in both years match the scenario's:
/// within 4.5 standard errors, (1 − ρ²)/√n for a sample correlation of normals.
fn check_correlations(correlation: &str, within: f64, between: f64) {
    let (_d, scn) = factor_scenario(correlation);
    let n = scn.paths;
    let sim = simulate(&scn, n, scn.seed, &[]);
    let series = |id: &str| {
        let r = scn.regions.iter().position(|r| r.id == id).unwrap();
        scn.series_index(r, empsim::Indicator::UrbanNewJobs)
            .unwrap()
    };
    for k in 0..2 {
        let logs = |id: &str| -> Vec<f64> {
            sim.across_paths(series(id), k)
                .iter()
                .map(|v| v.ln())
                .collect()
        };
        for ((a, b), rho) in [
            (("a1", "a2"), within),
            (("b1", "b2"), within),
            (("a1", "b1"), between),
            (("a2", "b2"), between),
        ] {
            let r = corr(&logs(a), &logs(b));
            let se = (1.0 - rho * rho) / (n as f64).sqrt();
            assert!(
                (r - rho).abs() < 4.5 * se,
                "{correlation}: corr({a}, {b}) in year {k} is {r}, expected {rho} ± {}",
                4.5 * se
            );
        }
    }
}

#[test]
fn factor_structures_give_the_stated_correlations() {
    check_correlations(
        "[correlation]\ncommon = 0.3\nassumption = \"test\"\n",
        0.3,
        0.3,
    );
    check_correlations(
        "[correlation]\ncommon = 0.2\nwithin_parent = 0.7\nassumption = \"test\"\n",
        0.7,
        0.2,
    );
    // A negative common correlation has no factor form: the full matrix.
    check_correlations(
        "[correlation]\ncommon = -0.25\nassumption = \"test\"\n",
        -0.25,
        -0.25,
    );
    check_correlations(
        "[correlation]\nregions = [\"a1\", \"a2\", \"b1\", \"b2\"]\nmatrix = [[1, 0.6, 0.1, 0.1], [0.6, 1, 0.1, 0.1], [0.1, 0.1, 1, 0.6], [0.1, 0.1, 0.6, 1]]\nassumption = \"test\"\n",
        0.6,
        0.1,
    );
}

/// A run of several blocks keeps each path's shared draws (henan-baseline: 6 shared
/// parameters and one common factor over 5 years: 11 values), counted in its footprint;
/// one block, a conditioned run, or more than `KEEP_VALUES` of them keep none.
#[test]
fn several_blocks_keep_the_shared_draws_within_their_budget() {
    use empsim::engine::{BLOCK_VALUES, KEEP_VALUES};
    let scn = Scenario::from_file(&shipped("henan-baseline.toml")).unwrap();
    let kept = |paths| Engine::kept_per_path(&scn, paths, BLOCK_VALUES);
    // 10,000 paths fit one block; 1,000,000 take one block a region.
    assert_eq!(kept(10_000), 0);
    assert_eq!(kept(1_000_000), 11);
    let most = KEEP_VALUES / 11;
    assert_eq!(kept(most), 11);
    assert_eq!(kept(most + 1), 0);
    // The footprint counts them: one more path costs its 11 kept values more below the
    // budget than above it.
    let footprint = |paths| Engine::block_footprint(&scn, paths, BLOCK_VALUES);
    let step_below = footprint(most) - footprint(most - 1);
    let step_above = footprint(most + 2) - footprint(most + 1);
    assert_eq!(step_below, step_above + 11);
    let midterm = Scenario::from_file(&shipped("henan-midterm.toml")).unwrap();
    assert_eq!(Engine::kept_per_path(&midterm, 1_000_000, BLOCK_VALUES), 0);
}

/// The engine checks every value for finiteness as it writes it; its verdict on each block
/// (the regions' and, last, the aggregates') is the full scan's, error message and all,
/// whether values overflow or not and however the regions are blocked.
#[test]
fn the_engines_finiteness_check_gives_the_full_scans_verdict() {
    let scn = Scenario::from_file(&shipped("henan-baseline.toml")).unwrap();
    let slot = |name: &str| {
        scn.params
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
    };
    // An absurd trend makes Kaifeng's calibration NaN (exp(1000)·0); an absurd elasticity
    // sends Xinxiang's transfers to infinity or zero with the sign of the growth gap.
    let nan = [(slot("regions.kaifeng.params.urban_new_jobs.trend"), 1000.0)];
    let inf = [(
        slot("regions.xinxiang.params.rural_transfer_new.elasticity"),
        1e308,
    )];
    let paths = 300;
    for overrides in [&[][..], &nan[..], &inf[..]] {
        let engine = Engine::new(&scn, paths, 5, overrides);
        let mut verdicts = Vec::new();
        for max_values in [1, usize::MAX] {
            engine
                .for_each_block(max_values, |b| -> Result<(), ()> {
                    let checked = b.check_finite(&scn).map_err(|e| e.to_string());
                    let scanned = b.scan_finite(&scn).map_err(|e| e.to_string());
                    assert_eq!(checked, scanned, "{overrides:?}, blocks of {max_values}");
                    verdicts.push(checked);
                    Ok(())
                })
                .unwrap();
        }
        let failed = verdicts.iter().filter(|v| v.is_err()).count();
        // One region a block: 4 regions' blocks and the aggregates'; then one block and
        // the aggregates'.
        assert_eq!(verdicts.len(), 4 + 1 + 1 + 1);
        match overrides.first().map(|o| o.1) {
            None => assert_eq!(failed, 0),
            // The region's own block and the aggregates', twice.
            Some(_) => assert_eq!(failed, 4, "{verdicts:?}"),
        }
    }
    // The message names the first value that is not finite: path by path, then in series
    // order (the province's sum comes before its cities).
    let engine = Engine::new(&scn, paths, 5, &nan);
    let whole = engine.whole();
    let err = whole.check_finite(&scn).unwrap_err().to_string();
    assert_eq!(err, whole.scan_finite(&scn).unwrap_err().to_string());
    assert!(
        err.contains(
            "the simulated urban_new_jobs of henan in 2021 (path 0) is not a finite number (NaN)"
        ),
        "{err}"
    );
}

/// Every value of `b` equals `a`'s, bit for bit.
fn assert_same_values(a: &Simulation, b: &Simulation, what: &str) {
    assert_eq!(
        (a.series.as_slice(), a.n_paths),
        (b.series.as_slice(), b.n_paths),
        "{what}"
    );
    if let Some(i) = (0..a.values.len()).find(|&i| a.values[i].to_bits() != b.values[i].to_bits()) {
        panic!(
            "{what}: value {i}: {} alone, {} side by side",
            a.values[i], b.values[i]
        );
    }
}

/// Groups of four paths run side by side (AVX2 lanes) give every path's values as running
/// it alone does, bit for bit: for every shipped scenario (shocks, levers, registered
/// rates, a conditioned run, which runs alone), for grouped and full-matrix correlations,
/// with fixed parameters, path counts that leave paths over after the groups, tasks of
/// several groups, blocks of one region (the shared draws kept) and of all of them, and
/// paths evaluated again from cached draws.
#[test]
fn four_paths_side_by_side_give_each_path_alone_bit_for_bit() {
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // Otherwise this test would compare the one-at-a-time path with itself.
        assert!(
            Engine::lanes_usable(),
            "the lanes disagree with the scalar draws or exp"
        );
    }
    let mut scenarios: Vec<(String, Scenario)> = [
        "henan-baseline",
        "henan-downside",
        "henan-policy",
        "henan-15th",
        "shaoyang-baseline",
        "kaifeng-minimal",
        "henan-midterm",
    ]
    .iter()
    .map(|n| {
        (
            n.to_string(),
            Scenario::from_file(&shipped(&format!("{n}.toml"))).unwrap(),
        )
    })
    .collect();
    let mut dirs = Vec::new();
    for (name, corr) in [
        (
            "within parent",
            "[correlation]\ncommon = 0.2\nwithin_parent = 0.7\nassumption = \"test\"\n",
        ),
        (
            "matrix",
            "[correlation]\ncommon = -0.25\nassumption = \"test\"\n",
        ),
    ] {
        let (dir, scn) = factor_scenario(corr);
        dirs.push(dir);
        scenarios.push((name.to_string(), scn));
    }
    for (name, scn) in &scenarios {
        // The first and the last parameter at their means: a shared one and a region's.
        let last = scn.params.len() - 1;
        let fixed = [
            (0, scn.params[0].dist.mean()),
            (last, scn.params[last].dist.mean()),
        ];
        for overrides in [&[][..], &fixed[..]] {
            for paths in [7, 515] {
                let run = |lanes: bool, max_values: usize| {
                    let mut engine = Engine::new(scn, paths, 3, overrides);
                    engine.set_lanes(lanes);
                    let mut blocks = Vec::new();
                    pool(2)
                        .install(|| {
                            engine.for_each_block(max_values, |b| -> Result<(), ()> {
                                blocks.push(b.clone());
                                Ok(())
                            })
                        })
                        .unwrap();
                    blocks
                };
                // Cached draws (sensitivity analysis): the numbers drawn once, then the
                // paths evaluated with some parameters fixed.
                let cached = |lanes: bool| {
                    let mut engine = Engine::new(scn, paths, 3, &[]);
                    engine.set_lanes(lanes);
                    engine.cache_draws();
                    pool(2).install(|| engine.whole_with(overrides))
                };
                let what = format!("{name}, {paths} paths, {overrides:?}, cached draws");
                assert_same_values(&cached(false), &cached(true), &what);
                for max_values in [1, usize::MAX] {
                    let (alone, four) = (run(false, max_values), run(true, max_values));
                    assert_eq!(alone.len(), four.len());
                    for (a, b) in alone.iter().zip(&four) {
                        let what = format!("{name}, {paths} paths, {overrides:?}, {max_values}");
                        assert_same_values(a, b, &what);
                    }
                }
            }
        }
    }
}
