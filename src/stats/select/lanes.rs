//! The two passes of [`super::describe`] over four columns side by side, four lanes at a
//! time with AVX2 (x86-64, chosen at run time). Each lane is one column: a row of four
//! consecutive values of each column is loaded and transposed, so lane c adds column c's
//! values in index order, exactly as the scalar passes do. Every operation is one the
//! scalar passes make, in the same order and without fusing (an addition, a subtraction,
//! a product, `min`/`max` in the form `if x < a { x } else { a }`, truncation to an
//! integer), so the sums, ranges, counts and collected values are the scalar ones bit for
//! bit; the tests compare the two paths. On the 2-core development machine the passes
//! take about a third of the scalar passes' time (`cargo bench --bench summary`).

#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
use super::{BINS, Bins, LAST, NONE, Plan};
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Whether this machine has the instructions (checked once; the standard library caches
/// it).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The running sums and ranges of four columns.
pub struct Moments {
    pub sum: [f64; 4],
    pub lo: [f64; 4],
    pub hi: [f64; 4],
}

/// The first pass over rows `0..rows` (a multiple of 4, at most each column's length):
/// adds each value to its column's sum, range and bin count. The caller does the rest.
/// Requires [`available`].
pub fn first_pass(
    cols: [&[f64]; 4],
    rows: usize,
    bins: &[Bins; 4],
    m: &mut Moments,
    counts: &mut [[u32; 4]],
) {
    assert!(available() && rows.is_multiple_of(4) && cols.iter().all(|c| c.len() >= rows));
    let counts: &mut [[u32; 4]; BINS] = counts.try_into().expect("a count per bin");
    #[cfg(target_arch = "x86_64")]
    // SAFETY: AVX2 is available (asserted); every load reads within the columns' first
    // `rows` values (asserted) and every count index is below BINS (masked).
    unsafe {
        first_pass_avx2(cols, rows, bins, m, counts)
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (cols, bins, m, counts);
}

/// The second pass over rows `0..rows`: adds each value's squared deviation from its
/// column's `mean` to `ss` and collects the values of the wanted bins. Requires
/// [`available`].
pub fn second_pass(
    cols: [&[f64]; 4],
    rows: usize,
    bins: &[Bins; 4],
    mean: &[f64; 4],
    plans: [&Plan; 4],
    members: &mut [Vec<Vec<f64>>; 4],
    ss: &mut [f64; 4],
) {
    assert!(available() && rows.is_multiple_of(4) && cols.iter().all(|c| c.len() >= rows));
    // A plan without bins (no wanted bin: a padding lane or a column selected on a copy)
    // reads a table of none.
    let none = [NONE; BINS];
    let tables: [&[u16; BINS]; 4] =
        std::array::from_fn(|c| plans[c].table.as_slice().try_into().unwrap_or(&none));
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as in `first_pass`.
    unsafe {
        second_pass_avx2(cols, rows, bins, mean, tables, members, ss)
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (cols, bins, mean, tables, members, ss);
}

/// The four lanes' bins: their starts and scales as vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn bin_lanes(bins: &[Bins; 4]) -> (__m256d, __m256d) {
    (
        _mm256_setr_pd(bins[0].lo, bins[1].lo, bins[2].lo, bins[3].lo),
        _mm256_setr_pd(bins[0].scale, bins[1].scale, bins[2].scale, bins[3].scale),
    )
}

/// The bins of the four lanes of `x`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn bins_of(x: __m256d, lo: __m256d, scale: __m256d) -> [i32; 4] {
    let v = _mm256_mul_pd(_mm256_sub_pd(x, lo), scale);
    // `clamp(0.0, LAST)`: below 0 (or −0.0) gives 0, above LAST gives LAST.
    let v = _mm256_min_pd(_mm256_max_pd(v, _mm256_setzero_pd()), _mm256_set1_pd(LAST));
    let b = _mm256_cvttpd_epi32(v);
    let mut out = [0i32; 4];
    // SAFETY: `out` holds four i32, 16 bytes.
    unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), b) };
    out
}

/// Rows i..i+4 of the four columns as four vectors, vector j holding row i + j.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn rows4(cols: &[&[f64]; 4], i: usize) -> [__m256d; 4] {
    // SAFETY: the caller keeps i + 4 within every column.
    let r = unsafe {
        [
            _mm256_loadu_pd(cols[0].as_ptr().add(i)),
            _mm256_loadu_pd(cols[1].as_ptr().add(i)),
            _mm256_loadu_pd(cols[2].as_ptr().add(i)),
            _mm256_loadu_pd(cols[3].as_ptr().add(i)),
        ]
    };
    let t0 = _mm256_unpacklo_pd(r[0], r[1]);
    let t1 = _mm256_unpackhi_pd(r[0], r[1]);
    let t2 = _mm256_unpacklo_pd(r[2], r[3]);
    let t3 = _mm256_unpackhi_pd(r[2], r[3]);
    [
        _mm256_permute2f128_pd(t0, t2, 0x20),
        _mm256_permute2f128_pd(t1, t3, 0x20),
        _mm256_permute2f128_pd(t0, t2, 0x31),
        _mm256_permute2f128_pd(t1, t3, 0x31),
    ]
}

/// Four f64 as a vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn load(a: &[f64; 4]) -> __m256d {
    // SAFETY: `a` holds four f64 (`loadu` needs no alignment).
    unsafe { _mm256_loadu_pd(a.as_ptr()) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn first_pass_avx2(
    cols: [&[f64]; 4],
    rows: usize,
    bins: &[Bins; 4],
    m: &mut Moments,
    counts: &mut [[u32; 4]; BINS],
) {
    let (lo_b, scale) = bin_lanes(bins);
    let (mut sum, mut lo, mut hi) = (load(&m.sum), load(&m.lo), load(&m.hi));
    for i in (0..rows).step_by(4) {
        // SAFETY: i + 4 <= rows <= every column's length.
        for x in unsafe { rows4(&cols, i) } {
            sum = _mm256_add_pd(sum, x);
            // `if x < lo { x } else { lo }` and `if x > hi { x } else { hi }`.
            lo = _mm256_min_pd(x, lo);
            hi = _mm256_max_pd(x, hi);
            let b = bins_of(x, lo_b, scale);
            for c in 0..4 {
                counts[b[c] as usize & (BINS - 1)][c] += 1;
            }
        }
    }
    // SAFETY: each array holds four f64.
    unsafe {
        _mm256_storeu_pd(m.sum.as_mut_ptr(), sum);
        _mm256_storeu_pd(m.lo.as_mut_ptr(), lo);
        _mm256_storeu_pd(m.hi.as_mut_ptr(), hi);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn second_pass_avx2(
    cols: [&[f64]; 4],
    rows: usize,
    bins: &[Bins; 4],
    mean: &[f64; 4],
    tables: [&[u16; BINS]; 4],
    members: &mut [Vec<Vec<f64>>; 4],
    ss: &mut [f64; 4],
) {
    let (lo_b, scale) = bin_lanes(bins);
    let mean = load(mean);
    let mut acc = load(ss);
    for i in (0..rows).step_by(4) {
        // SAFETY: i + 4 <= rows <= every column's length.
        let xs = unsafe { rows4(&cols, i) };
        for (j, x) in xs.into_iter().enumerate() {
            let d = _mm256_sub_pd(x, mean);
            acc = _mm256_add_pd(acc, _mm256_mul_pd(d, d));
            let b = bins_of(x, lo_b, scale);
            let g: [u16; 4] = std::array::from_fn(|c| tables[c][b[c] as usize & (BINS - 1)]);
            // Most rows hold no wanted value: one test for the four.
            if g[0] & g[1] & g[2] & g[3] != NONE {
                for c in 0..4 {
                    if g[c] != NONE {
                        members[c][g[c] as usize].push(cols[c][i + j]);
                    }
                }
            }
        }
    }
    // SAFETY: `ss` holds four f64.
    unsafe { _mm256_storeu_pd(ss.as_mut_ptr(), acc) };
}
