//! Four Xoshiro256++ streams side by side: their standard normals and parameter draws, bit
//! for bit the values `rand_distr::StandardNormal`, `rand`'s uniform and
//! [`Param::sample`] draw from each stream alone, in the same order.
//!
//! With AVX2 and FMA (x86-64 Linux with glibc, chosen at run time) the four streams sit in
//! the four 64-bit lanes of a vector: each step makes one number of every stream. A normal
//! tries the ziggurat's fast path (`rand_distr`'s, 256 layers: about 98.8 % of draws end
//! there) on all four; a lane whose draw does not end there is drawn again from its state
//! before the step by `StandardNormal` itself, on a scalar copy of the generator
//! ([`Lane`]), which then carries on. A uniform is the top 53 bits of the number times
//! 2⁻⁵³, as `rand` makes it (converted exactly), and a parameter's draw transforms it with
//! the scalar formula's operations in the scalar formula's order (correctly rounded
//! division and square root, glibc's `exp` for a lognormal). The ziggurat's table is read
//! from `StandardNormal` (its layer edges are not public; see [`table`]), and the lanes are
//! checked against the streams drawn alone the first time they are used: if they disagree
//! (another `rand_distr`), or without AVX2 and FMA, each stream is drawn alone. The seeds
//! are SplitMix64 in the lanes too.

use crate::scenario::{Dist, Param};
use rand::RngCore;
use rand::rand_core;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::SplitMix64;
use rand_xoshiro::rand_core::SeedableRng;
use std::sync::OnceLock;

/// Xoshiro256++ (Blackman and Vigna), the generator of `rand_xoshiro` with its state in
/// view: the same numbers from the same seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane {
    s: [u64; 4],
}

impl Lane {
    /// The generator `Xoshiro256PlusPlus::seed_from_u64(seed)` is: the state is four
    /// numbers of SplitMix64 seeded with `seed` (an all-zero state, which Xoshiro cannot
    /// leave, is replaced as `rand_xoshiro` replaces it).
    pub fn seed_from_u64(seed: u64) -> Lane {
        let mut sm = SplitMix64::seed_from_u64(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        if s == [0; 4] {
            return Lane::seed_from_u64(0);
        }
        Lane { s }
    }
}

impl RngCore for Lane {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest);
    }
}

/// Four streams, drawn side by side: word `w` of stream `j`'s state at `s[w][j]`.
pub struct Lanes {
    s: [[u64; 4]; 4],
}

impl Lanes {
    /// The four generators seeded with `first + j · step` (j = 0..4, wrapping) as by
    /// `Xoshiro256PlusPlus::seed_from_u64`.
    pub fn seed_from_u64(first: u64, step: u64) -> Lanes {
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        if table().is_some() {
            // SAFETY: `table` is `Some` only where the CPU has AVX2 and FMA.
            return unsafe { avx2::seed(first, step) };
        }
        Lanes::seed_alone([0u64, 1, 2, 3].map(|j| first.wrapping_add(j.wrapping_mul(step))))
    }

    /// [`Lanes::seed_from_u64`] one stream at a time.
    fn seed_alone(seeds: [u64; 4]) -> Lanes {
        let mut lanes = Lanes { s: [[0; 4]; 4] };
        for (j, &seed) in seeds.iter().enumerate() {
            lanes.set(j, Lane::seed_from_u64(seed));
        }
        lanes
    }

    /// Stream `j`'s generator.
    fn get(&self, j: usize) -> Lane {
        Lane {
            s: [self.s[0][j], self.s[1][j], self.s[2][j], self.s[3][j]],
        }
    }

    fn set(&mut self, j: usize, lane: Lane) {
        for (w, x) in lane.s.into_iter().enumerate() {
            self.s[w][j] = x;
        }
    }

    /// The next `out.len() / 4` standard normals of every stream, interleaved: value `k`
    /// of stream `j` at `out[4 * k + j]`.
    pub fn normals(&mut self, out: &mut [f64]) {
        debug_assert_eq!(out.len() % 4, 0);
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        if let Some(tab) = table() {
            // SAFETY: `table` is `Some` only where the CPU has AVX2 and FMA.
            unsafe { avx2::normals(&mut self.s, tab, out) };
            return;
        }
        for j in 0..4 {
            let mut lane = self.get(j);
            for x in out.iter_mut().skip(j).step_by(4) {
                *x = StandardNormal.sample(&mut lane);
            }
            self.set(j, lane);
        }
    }

    /// Draws the parameters `params[which[i]]` in turn from every stream, as
    /// [`Param::sample`] draws them: `out[i][j]` parameter `which[i]` of stream `j`.
    pub fn params(&mut self, params: &[Param], which: &[usize], out: &mut [[f64; 4]]) {
        debug_assert_eq!(which.len(), out.len());
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        if let Some(tab) = table()
            && super::exp::vectorised()
        {
            // SAFETY: `table` is `Some` only where the CPU has AVX2 and FMA; a
            // lognormal's exp is the batched one, which agrees with `f64::exp` here.
            unsafe { avx2::params(&mut self.s, tab, params, which, out) };
            return;
        }
        for j in 0..4 {
            let mut lane = self.get(j);
            for (x, &i) in out.iter_mut().zip(which) {
                x[j] = params[i].sample(&mut lane);
            }
            self.set(j, lane);
        }
    }
}

/// Whether [`Lanes`] draws the four streams side by side here.
pub fn vectorised() -> bool {
    table().is_some()
}

/// `rand_distr`'s ziggurat table for the normal (the right edges of its 256 layers, and
/// 0), read from `StandardNormal`, and only where the lanes run with AVX2 and FMA and agree
/// with the streams drawn alone.
///
/// A draw whose 64 random bits are `b` takes layer `b & 0xff` and the value
/// `u = f(b >> 12) − 3` in [−1, 1) (the bits as the mantissa of a number in [2, 4)), and
/// returns `u · x[layer]` at once when that is within `x[layer + 1]`. With the number
/// 3 + 2⁻⁵¹ (`u` = 2⁻⁵¹) every layer returns `u · x[layer]` (the top layer, whose
/// inner edge is 0, after its density test), so that value times 2⁵¹ is the layer's
/// edge, exactly: a power of two scales without rounding.
fn table() -> Option<&'static [f64; 257]> {
    static TABLE: OnceLock<Option<[f64; 257]>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                let mut tab = [0.0; 257];
                for (i, x) in tab.iter_mut().enumerate().take(256) {
                    let mut one = Fixed((1 << 51 | 1) << 12 | i as u64);
                    let v: f64 = StandardNormal.sample(&mut one);
                    *x = v * 2f64.powi(51);
                }
                return agrees(&tab).then_some(tab);
            }
            None
        })
        .as_ref()
}

/// Whether the lanes with table `tab` give the values of the streams drawn alone, over
/// enough normals to pass through every layer and the slow paths many times, and over
/// parameters of every family but the lognormal (whose `exp` is checked on its own).
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
fn agrees(tab: &[f64; 257]) -> bool {
    const N: usize = 4 * 4096;
    let (first, step) = (u64::MAX - 1, 0x9E37_79B9_7F4A_7C15);
    let seeds = [0u64, 1, 2, 3].map(|j| first.wrapping_add(j.wrapping_mul(step)));
    // SAFETY (all three): called only where the CPU has AVX2 and FMA; no lognormal among
    // the parameters.
    let mut a = unsafe { avx2::seed(first, step) };
    let seeded = a.s;
    let mut x = vec![0.0; N];
    unsafe { avx2::normals(&mut a.s, tab, &mut x) };
    let params = checked_params();
    let which: Vec<usize> = (0..64).map(|i| i % params.len()).collect();
    let mut y = vec![[0.0; 4]; which.len()];
    unsafe { avx2::params(&mut a.s, tab, &params, &which, &mut y) };
    (0..4).all(|j| {
        let mut lane = Lane::seed_from_u64(seeds[j]);
        let seeded = Lanes { s: seeded }.get(j) == lane;
        let normals = x.iter().skip(j).step_by(4).all(|&v| {
            let w: f64 = StandardNormal.sample(&mut lane);
            v.to_bits() == w.to_bits()
        });
        let draws = y
            .iter()
            .zip(&which)
            .all(|(v, &i)| v[j].to_bits() == params[i].sample(&mut lane).to_bits());
        seeded && normals && draws && lane == a.get(j)
    })
}

/// One parameter of each family but the lognormal, bounds that clamp some draws, and a
/// degenerate triangular (for the first-use check and the tests).
fn checked_params() -> Vec<Param> {
    let param = |dist, bounds| Param {
        name: "check".into(),
        origin: "check".into(),
        dist,
        bounds,
        provenance: crate::scenario::Provenance::Assumption {
            rationale: String::new(),
            source: None,
            quote: None,
        },
    };
    vec![
        param(Dist::Normal { mean: 0.3, sd: 1.7 }, (-1.0, 2.0)),
        param(
            Dist::Uniform {
                low: -0.4,
                high: 2.6,
            },
            (0.0, 2.0),
        ),
        param(
            Dist::Triangular {
                low: 0.1,
                mode: 0.25,
                high: 0.9,
            },
            (0.2, 0.8),
        ),
        param(Dist::Fixed { value: 1.5 }, (0.0, 2.0)),
        param(
            Dist::Triangular {
                low: 1.0,
                mode: 1.0,
                high: 1.0,
            },
            (0.0, 2.0),
        ),
        param(
            Dist::Uniform {
                low: 5.0,
                high: 5.0,
            },
            (f64::NEG_INFINITY, f64::INFINITY),
        ),
    ]
}

/// A "generator" that returns one number, to read the table.
struct Fixed(u64);

impl RngCore for Fixed {
    fn next_u32(&mut self) -> u32 {
        (self.0 >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest);
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
mod avx2 {
    use super::Lane;
    use crate::scenario::{Dist, Param};
    use rand_distr::{Distribution, StandardNormal};
    use std::arch::x86_64::*;

    /// Four Xoshiro256++ states, word `w` of every lane in `s[w]`.
    struct State {
        s: [__m256i; 4],
    }

    impl State {
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        fn load(words: &[[u64; 4]; 4]) -> State {
            // SAFETY: reads the four words of each row.
            let word = |w: usize| unsafe { _mm256_loadu_si256(words[w].as_ptr().cast()) };
            State {
                s: [word(0), word(1), word(2), word(3)],
            }
        }

        #[target_feature(enable = "avx2,fma")]
        #[inline]
        fn words(&self) -> [[u64; 4]; 4] {
            let mut v = [[0u64; 4]; 4];
            for (v, s) in v.iter_mut().zip(&self.s) {
                // SAFETY: writes the four words of `v`.
                unsafe { _mm256_storeu_si256(v.as_mut_ptr().cast(), *s) };
            }
            v
        }

        /// The next number of every lane (`Lane::next_u64`).
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        fn next(&mut self) -> __m256i {
            let rotl = |x: __m256i, l: i32| match l {
                23 => _mm256_or_si256(_mm256_slli_epi64::<23>(x), _mm256_srli_epi64::<41>(x)),
                _ => _mm256_or_si256(_mm256_slli_epi64::<45>(x), _mm256_srli_epi64::<19>(x)),
            };
            let [s0, s1, s2, s3] = &mut self.s;
            let bits = _mm256_add_epi64(rotl(_mm256_add_epi64(*s0, *s3), 23), *s0);
            let t = _mm256_slli_epi64::<17>(*s1);
            *s2 = _mm256_xor_si256(*s2, *s0);
            *s3 = _mm256_xor_si256(*s3, *s1);
            *s1 = _mm256_xor_si256(*s1, *s2);
            *s0 = _mm256_xor_si256(*s0, *s3);
            *s2 = _mm256_xor_si256(*s2, t);
            *s3 = rotl(*s3, 45);
            bits
        }

        /// The next uniform in [0, 1) of every lane, as `rand` makes an `f64`: the top 53
        /// bits times 2⁻⁵³ (the bits converted in two exact halves).
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        fn uniform(&mut self) -> __m256d {
            let top = _mm256_srli_epi64::<11>(self.next());
            let hi = _mm256_or_si256(
                _mm256_srli_epi64::<32>(top),
                _mm256_set1_epi64x(0x4530_0000_0000_0000),
            );
            let lo =
                _mm256_blend_epi32::<0b1010_1010>(top, _mm256_set1_epi64x(0x4330_0000_0000_0000));
            // 2⁸⁴ + 2⁵²: both halves' offsets.
            let offset = _mm256_set1_pd(f64::from_bits(0x4530_0000_0010_0000));
            let hi = _mm256_sub_pd(_mm256_castsi256_pd(hi), offset);
            let x = _mm256_add_pd(hi, _mm256_castsi256_pd(lo));
            _mm256_mul_pd(x, _mm256_set1_pd(1.0 / (1u64 << 53) as f64))
        }

        /// The next standard normal of every lane, as `StandardNormal` draws it.
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        fn normal(&mut self, tab: &[f64; 257]) -> __m256d {
            let before = [self.s[0], self.s[1], self.s[2], self.s[3]];
            let bits = self.next();
            let i = _mm256_and_si256(bits, _mm256_set1_epi64x(0xff));
            // SAFETY: the layer `i` is below 256, so `i` and `i + 1` index `tab`.
            let (edge, inner) = unsafe {
                (
                    _mm256_i64gather_pd::<8>(tab.as_ptr(), i),
                    _mm256_i64gather_pd::<8>(tab.as_ptr().add(1), i),
                )
            };
            let mantissa = _mm256_or_si256(
                _mm256_srli_epi64::<12>(bits),
                _mm256_set1_epi64x(1024 << 52),
            );
            let u = _mm256_sub_pd(_mm256_castsi256_pd(mantissa), _mm256_set1_pd(3.0));
            let x = _mm256_mul_pd(u, edge);
            let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
            let done = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(abs, inner));
            if done == 0b1111 {
                return x;
            }
            self.slow(before, done, x)
        }

        /// The lanes not in `done` leave the fast path: each is drawn again from its state
        /// `before` the step, as `StandardNormal` does, and carries on from there.
        #[target_feature(enable = "avx2,fma")]
        #[inline(never)]
        fn slow(&mut self, before: [__m256i; 4], done: i32, x: __m256d) -> __m256d {
            let old = State { s: before }.words();
            let mut new = self.words();
            let mut out = [0.0; 4];
            // SAFETY: writes the four values of `out`.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr(), x) };
            for (j, o) in out.iter_mut().enumerate() {
                if done & (1 << j) == 0 {
                    let mut lane = Lane {
                        s: [old[0][j], old[1][j], old[2][j], old[3][j]],
                    };
                    *o = StandardNormal.sample(&mut lane);
                    for (w, n) in new.iter_mut().enumerate() {
                        n[j] = lane.s[w];
                    }
                }
            }
            for (s, n) in self.s.iter_mut().zip(&new) {
                // SAFETY: reads the four words of `n`.
                *s = unsafe { _mm256_loadu_si256(n.as_ptr().cast()) };
            }
            // SAFETY: reads the four values of `out`.
            unsafe { _mm256_loadu_pd(out.as_ptr()) }
        }
    }

    /// The low 64 bits of `a · b`, lane by lane (AVX2 multiplies 32-bit halves).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mul64(a: __m256i, b: u64) -> __m256i {
        let b = _mm256_set1_epi64x(b as i64);
        let low = _mm256_mul_epu32(a, b);
        let cross = _mm256_add_epi64(
            _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), b),
            _mm256_mul_epu32(a, _mm256_srli_epi64::<32>(b)),
        );
        _mm256_add_epi64(low, _mm256_slli_epi64::<32>(cross))
    }

    /// [`super::Lanes::seed_from_u64`] with AVX2: four numbers of SplitMix64 from each
    /// seed (`rand_xoshiro`'s, whose state starts at the seed and adds φ·2⁶⁴ each step).
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn seed(first: u64, step: u64) -> super::Lanes {
        let steps = _mm256_setr_epi64x(
            0,
            step as i64,
            step.wrapping_mul(2) as i64,
            step.wrapping_mul(3) as i64,
        );
        let mut x = _mm256_add_epi64(_mm256_set1_epi64x(first as i64), steps);
        let phi = _mm256_set1_epi64x(0x9e37_79b9_7f4a_7c15_u64 as i64);
        let mut s = [_mm256_setzero_si256(); 4];
        for w in &mut s {
            x = _mm256_add_epi64(x, phi);
            let z = mul64(
                _mm256_xor_si256(x, _mm256_srli_epi64::<30>(x)),
                0xbf58_476d_1ce4_e5b9,
            );
            let z = mul64(
                _mm256_xor_si256(z, _mm256_srli_epi64::<27>(z)),
                0x94d0_49bb_1331_11eb,
            );
            *w = _mm256_xor_si256(z, _mm256_srli_epi64::<31>(z));
        }
        let any = _mm256_or_si256(_mm256_or_si256(s[0], s[1]), _mm256_or_si256(s[2], s[3]));
        let zero = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(
            any,
            _mm256_setzero_si256(),
        )));
        let mut lanes = super::Lanes {
            s: State { s }.words(),
        };
        if zero != 0 {
            for j in 0..4 {
                if zero & (1 << j) != 0 {
                    // The state Xoshiro cannot leave, replaced as `rand_xoshiro` replaces it.
                    let seed = first.wrapping_add((j as u64).wrapping_mul(step));
                    lanes.set(j, Lane::seed_from_u64(seed));
                }
            }
        }
        lanes
    }

    /// [`super::Lanes::normals`] with AVX2; `tab` the ziggurat's table.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn normals(words: &mut [[u64; 4]; 4], tab: &[f64; 257], out: &mut [f64]) {
        let mut st = State::load(words);
        for o in out.chunks_exact_mut(4) {
            let x = st.normal(tab);
            // SAFETY: `o` holds four values.
            unsafe { _mm256_storeu_pd(o.as_mut_ptr(), x) };
        }
        *words = st.words();
    }

    /// [`super::Lanes::params`] with AVX2; `tab` the ziggurat's table. A lognormal's
    /// `exp` is the batched one, which the caller checked.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn params(
        words: &mut [[u64; 4]; 4],
        tab: &[f64; 257],
        params: &[Param],
        which: &[usize],
        out: &mut [[f64; 4]],
    ) {
        let mut st = State::load(words);
        let set = _mm256_set1_pd;
        for (&i, o) in which.iter().zip(out.iter_mut()) {
            let p = &params[i];
            let x = match p.dist {
                Dist::Fixed { value } => set(value),
                Dist::Normal { mean, sd } => {
                    _mm256_add_pd(set(mean), _mm256_mul_pd(set(sd), st.normal(tab)))
                }
                Dist::Lognormal { mu, sigma } => {
                    let z = st.normal(tab);
                    super::super::exp::fast::exp(_mm256_add_pd(
                        set(mu),
                        _mm256_mul_pd(set(sigma), z),
                    ))
                }
                Dist::Uniform { low, high } => {
                    _mm256_add_pd(set(low), _mm256_mul_pd(set(high - low), st.uniform()))
                }
                Dist::Triangular { low, mode, high } => triangular(low, mode, high, st.uniform()),
            };
            // f64::clamp: below the lower bound, the bound; then above the upper, that.
            let (lo, hi) = (set(p.bounds.0), set(p.bounds.1));
            let x = _mm256_blendv_pd(x, lo, _mm256_cmp_pd::<_CMP_LT_OQ>(x, lo));
            let x = _mm256_blendv_pd(x, hi, _mm256_cmp_pd::<_CMP_GT_OQ>(x, hi));
            // SAFETY: `o` holds four values.
            unsafe { _mm256_storeu_pd(o.as_mut_ptr(), x) };
        }
        *words = st.words();
    }

    /// `dist::triangular_quantile` on four uniforms: both branches, then the one each
    /// lane takes.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn triangular(low: f64, mode: f64, high: f64, u: __m256d) -> __m256d {
        let set = _mm256_set1_pd;
        let width = high - low;
        if width <= 0.0 {
            return set(low);
        }
        let f = (mode - low) / width;
        let w = set(width);
        let left = _mm256_add_pd(
            set(low),
            _mm256_sqrt_pd(_mm256_mul_pd(_mm256_mul_pd(u, w), set(mode - low))),
        );
        let right = _mm256_sub_pd(
            set(high),
            _mm256_sqrt_pd(_mm256_mul_pd(
                _mm256_mul_pd(_mm256_sub_pd(set(1.0), u), w),
                set(high - mode),
            )),
        );
        _mm256_blendv_pd(right, left, _mm256_cmp_pd::<_CMP_LT_OQ>(u, set(f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Where the lanes can run, they must: otherwise every test here would compare the
    /// streams drawn alone with themselves.
    #[test]
    fn the_lanes_run_where_the_processor_allows() {
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            assert!(
                vectorised(),
                "the lanes disagree with the streams drawn alone"
            );
        }
    }

    fn groups() -> impl Iterator<Item = (u64, u64)> {
        // Consecutive paths' seeds, near the ends of the range too (the sums wrap).
        (0..500u64).map(|g| {
            (
                g.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ (g << 60),
                0x9E37_79B9_7F4A_7C15,
            )
        })
    }

    fn alone(first: u64, step: u64) -> [Xoshiro256PlusPlus; 4] {
        [0u64, 1, 2, 3]
            .map(|j| Xoshiro256PlusPlus::seed_from_u64(first.wrapping_add(j.wrapping_mul(step))))
    }

    #[test]
    fn seeds_give_the_generators_of_rand_xoshiro() {
        for (first, step) in groups().chain([(u64::MAX, 1), (u64::MAX - 2, u64::MAX)]) {
            let mut lanes = Lanes::seed_from_u64(first, step);
            let mut streams = alone(first, step);
            for (j, s) in streams.iter_mut().enumerate() {
                let mut lane = lanes.get(j);
                for _ in 0..8 {
                    assert_eq!(
                        lane.next_u64(),
                        s.next_u64(),
                        "seed group {first:#x}, lane {j}"
                    );
                }
                lanes.set(j, lane);
            }
        }
    }

    /// 500 groups of 4 × 300 normals: about 7,000 draws leave the fast path, a few dozen
    /// through the tail (layer 0).
    #[test]
    fn normals_are_standard_normals_of_each_stream_in_order() {
        let mut out = vec![0.0; 4 * 150];
        for (first, step) in groups() {
            let mut lanes = Lanes::seed_from_u64(first, step);
            let mut streams = alone(first, step);
            for _ in 0..2 {
                // Two calls: the second carries on from where the first left each stream.
                lanes.normals(&mut out);
                for (j, s) in streams.iter_mut().enumerate() {
                    for (k, x) in out.iter().skip(j).step_by(4).enumerate() {
                        let z: f64 = StandardNormal.sample(s);
                        assert_eq!(
                            x.to_bits(),
                            z.to_bits(),
                            "group {first:#x}, lane {j}, normal {k}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn parameters_are_drawn_as_param_sample_draws_them() {
        let mut params = checked_params();
        let lognormal = Param {
            dist: Dist::Lognormal {
                mu: -2.0,
                sigma: 0.4,
            },
            bounds: (0.05, 0.3),
            ..params[0].clone()
        };
        params.push(lognormal);
        let which: Vec<usize> = (0..3 * params.len())
            .map(|i| (7 * i) % params.len())
            .collect();
        let mut out = vec![[0.0; 4]; which.len()];
        let mut clamped = 0;
        for (first, step) in groups() {
            let mut lanes = Lanes::seed_from_u64(first, step);
            lanes.params(&params, &which, &mut out);
            let mut next = [0.0; 4];
            lanes.normals(&mut next);
            let mut streams = alone(first, step);
            for (j, s) in streams.iter_mut().enumerate() {
                for (x, &i) in out.iter().zip(&which) {
                    let y = params[i].sample(s);
                    assert_eq!(
                        x[j].to_bits(),
                        y.to_bits(),
                        "group {first:#x}, lane {j}, {:?}",
                        params[i].dist
                    );
                    clamped += usize::from(y == params[i].bounds.0 || y == params[i].bounds.1);
                }
                // The stream carries on where `Param::sample` leaves it.
                let z: f64 = StandardNormal.sample(s);
                assert_eq!(next[j].to_bits(), z.to_bits());
            }
        }
        assert!(clamped > 1000, "the bounds clamp some draws: {clamped}");
    }
}
