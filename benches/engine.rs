//! Engine throughput: region-years simulated per second on 1 and 2 threads, and the whole
//! `run` pipeline (load, simulate, summarise, evaluate targets) of henan-baseline at
//! 10,000 paths. Run with `cargo bench --bench engine`; figures go in the issue notes,
//! never into timed tests.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use empsim::Scenario;
use empsim::engine::simulate;
use std::hint::black_box;
use std::path::Path;

fn scenario(name: &str) -> Scenario {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"));
    Scenario::from_file(&p).expect("shipped scenario is valid")
}

fn engine(c: &mut Criterion) {
    let scn = scenario("henan-baseline");
    let paths = 10_000;
    // Simulated (leaf) regions × projection years × paths; aggregates are not counted.
    let region_years = (scn.leaves.len() * scn.n_years() * paths) as u64;
    let mut g = c.benchmark_group("simulate henan-baseline 10k paths");
    g.throughput(Throughput::Elements(region_years));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("{threads} threads"), |b| {
            b.iter(|| pool.install(|| black_box(simulate(&scn, paths, 1, &[]))))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("run pipeline henan-baseline 10k paths");
    g.sample_size(20);
    let out = tempfile::tempdir().unwrap();
    g.bench_function("load+simulate+summarize+charts+write, 2 threads", |b| {
        b.iter(|| {
            let cfg = empsim::commands::run::RunArgs {
                scenario: Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("scenarios/henan-baseline.toml"),
                sim: empsim::commands::settings::SimArgs {
                    paths: Some(paths),
                    seed: None,
                    out: Some(out.path().join("run")),
                    threads: Some(2),
                    ..Default::default()
                },
                levels: Default::default(),
                keep_paths: false,
                no_charts: false,
                json: false,
            };
            black_box(empsim::commands::run::run(&cfg).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
