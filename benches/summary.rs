//! The summaries of `run`: mean, sd and the seven type-7 quantiles of columns of
//! 1,000,000 values (a series-year across the paths of a million-path run), ten columns
//! (a flow's five annual and five cumulative years), on one thread: the side-by-side
//! description `run` uses against the separate passes (mean_sd, then quantiles_of) it
//! equals bit for bit. Run with `cargo bench --bench summary`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use empsim::stats::{PROBS, describe, mean_sd, quantiles_of};
use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use std::hint::black_box;

fn summary(c: &mut Criterion) {
    let n = 1_000_000;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    let d = LogNormal::new(4.0, 0.2).unwrap();
    let columns: Vec<Vec<f64>> = (0..10)
        .map(|_| (0..n).map(|_| d.sample(&mut rng)).collect())
        .collect();
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let mut g = c.benchmark_group("summary of 10 columns of 1M values");
    g.sample_size(10);
    g.throughput(Throughput::Elements((10 * n) as u64));
    g.bench_function("describe (side by side)", |b| {
        let mut scratch = Vec::new();
        b.iter(|| black_box(describe(&refs, &PROBS, &mut scratch)))
    });
    g.bench_function("mean_sd + quantiles_of, a column at a time", |b| {
        let mut scratch = Vec::new();
        b.iter(|| {
            black_box(
                refs.iter()
                    .map(|xs| (mean_sd(xs), quantiles_of(xs, &PROBS, &mut scratch)))
                    .collect::<Vec<_>>(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, summary);
criterion_main!(benches);
