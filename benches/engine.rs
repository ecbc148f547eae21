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
                keep_draws: false,
                no_charts: false,
                json: false,
            };
            black_box(empsim::commands::run::run(&cfg).unwrap())
        })
    });
    g.finish();
}

/// The simulation against the floor of its cost: drawing exactly its random numbers (same
/// streams, distributions and blocks) and nothing else, on one thread, 200,000 paths of
/// henan-baseline simulated a block of regions at a time as `run` does (four paths side by
/// side where the processor allows, and, for comparison, one at a time, both the
/// simulation and the draws). The target is a ratio of at most 1.5.
fn draws(c: &mut Criterion) {
    use empsim::engine::{BLOCK_VALUES, Engine};
    let scn = scenario("henan-baseline");
    let paths = 200_000;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("henan-baseline 200k paths, 1 thread");
    g.sample_size(10);
    g.throughput(Throughput::Elements(
        (scn.leaves.len() * scn.n_years() * paths) as u64,
    ));
    let engine = Engine::new(&scn, paths, 1, &[]);
    // The same paths one at a time (no AVX2 lanes): what the lanes save.
    let mut alone = Engine::new(&scn, paths, 1, &[]);
    alone.set_lanes(false);
    for (name, e) in [
        ("simulate (blocks of regions)", &engine),
        ("simulate (blocks of regions), one path at a time", &alone),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                pool.install(|| {
                    e.for_each_block(BLOCK_VALUES, |block| -> Result<(), ()> {
                        black_box(block.values.len());
                        Ok(())
                    })
                    .unwrap()
                })
            })
        });
    }
    g.bench_function("draw its random numbers only", |b| {
        b.iter(|| pool.install(|| black_box(engine.draw_only(BLOCK_VALUES))))
    });
    // The generator as rand_distr draws from it, one number at a time.
    g.bench_function("draw its random numbers only, one path at a time", |b| {
        b.iter(|| pool.install(|| black_box(alone.draw_only(BLOCK_VALUES))))
    });
    g.finish();
}

criterion_group!(benches, engine, draws);
criterion_main!(benches);
