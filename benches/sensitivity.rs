//! Sensitivity analysis speed: the library on the Ishigami function (N = 1024, 5,120 model
//! runs and 1,000 bootstrap resamples), and `empsim sens` on henan-baseline at a reduced
//! size (Sobol, 8 factors, N = 64, 200 paths per evaluation: 640 evaluations). The full
//! issue-size run (N = 1024, 1000 paths) takes ~10 s and is timed with the binary (README).
//! Run with `cargo bench --bench sensitivity`.

use criterion::{Criterion, criterion_group, criterion_main};
use empsim::analysis::sens::Method;
use empsim::commands::sens::SensArgs;
use empsim::commands::settings::SimArgs;
use empsim::sensitivity::{self as sa, Factor, SobolOptions};
use std::f64::consts::PI;
use std::hint::black_box;
use std::path::Path;

fn ishigami(x: &[f64]) -> Vec<f64> {
    vec![x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()]
}

fn benches(c: &mut Criterion) {
    let factors: Vec<Factor> = ["x1", "x2", "x3"]
        .iter()
        .map(|n| Factor::uniform(*n, -PI, PI))
        .collect();
    c.bench_function("sobol ishigami N=1024 (bootstrap 1000)", |b| {
        b.iter(|| {
            black_box(
                sa::sobol::analyze(&factors, 1024, ishigami, &SobolOptions::default()).unwrap(),
            )
        })
    });

    let out = tempfile::tempdir().unwrap();
    let params = [
        "indicators.urban_new_jobs.trend",
        "indicators.urban_new_jobs.elasticity",
        "indicators.rural_transfer_new.trend",
        "indicators.rural_transfer_new.elasticity",
        "growth.ar",
        "growth.noise_sd",
        "unemployment.okun",
        "unemployment.natural_rate",
    ];
    let mut g = c.benchmark_group("empsim sens henan-baseline");
    g.sample_size(10);
    g.bench_function(
        "sobol 8 factors N=64 paths=200 (640 evaluations, charts)",
        |b| {
            b.iter(|| {
                let cfg = SensArgs {
                    scenario: Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("scenarios/henan-baseline.toml"),
                    method: Method::Sobol,
                    params: Some(params.iter().map(|s| s.to_string()).collect()),
                    ranges: Vec::new(),
                    metrics: vec!["p_met:xinxiang.rural_transfer_new.cumulative_floor".into()],
                    samples: Some(64),
                    sim: SimArgs {
                        paths: Some(200),
                        seed: None,
                        out: Some(out.path().join("s")),
                        threads: Some(2),
                        ..SimArgs::default()
                    },
                    levels: 4,
                    bootstrap: 200,
                    unscrambled: false,
                    converge: None,
                    max_samples: None,
                    export_salib: false,
                    json: false,
                };
                black_box(empsim::commands::sens::run(&cfg, None).unwrap())
            })
        },
    );
    g.finish();
}

criterion_group!(sens_benches, benches);
criterion_main!(sens_benches);
