//! A bounded, in-process mutation fuzz test of the scenario loader: structure-aware and
//! byte-level mutations of the seed scenarios in `tests/fuzz-seeds/` (and the shipped
//! ones), each loaded from memory with its `extends` files. Every input must give either a
//! validated scenario or a scenario error: no panic, no abort. A scenario that validates is
//! also simulated on a few paths, whose values must all be finite (the bounds of
//! docs/MODEL.md at work).
//!
//! `EMPSIM_FUZZ_CASES` sets the number of mutated inputs (default 100,000);
//! `EMPSIM_FUZZ_SEED` the master seed. A failing input is written to
//! `target/fuzz-failures/` for replay. The coverage-guided counterpart is `fuzz/`
//! (cargo-fuzz).

use empsim::Scenario;
use empsim::scenario::load::InMemory;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use std::panic::PanicHookInfo;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support::repo;

const SEEDS: &[&str] = &["one-city.toml", "province.toml", "child.toml"];

/// Values that probe ranges, overflow, non-finite numbers and type confusion.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "0.5",
    "-0.5",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "1e300",
    "-1e300",
    "nan",
    "inf",
    "-inf",
    "+inf",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "2147483647",
    "-2147483648",
    "4294967296",
    "1949",
    "1950",
    "2020",
    "2021",
    "2100",
    "2101",
    "100",
    "101",
    "0.99",
    "0.9999999",
    "1.0000001",
    "30",
    "31",
    "1e5",
    "100001",
    "\"x\"",
    "true",
    "[]",
    "{}",
    "[1.0, 2.0]",
    "[[1.0]]",
    "1979-05-27",
    "0x10",
    "1_000",
];

/// Strings that probe names, paths, periods and control characters.
const STRINGS: &[&str] = &[
    "\"\"",
    "\".\"",
    "\"..\"",
    "\"/\"",
    "\"../x\"",
    "\"a/b\"",
    "\"\\u0000\"",
    "\"\\t\"",
    "\"/dev/zero\"",
    "\"one-city.toml\"",
    "\"province.toml\"",
    "\"child.toml\"",
    "\"2021-2025\"",
    "\"2025-2021\"",
    "\"-5\"",
    "\"2147483647-2147483647\"",
    "\"-2147483648-2147483647\"",
    "\"2021--2025\"",
    "\" 2021 - 2025 \"",
    "\"2021\"",
    "\"normal\"",
    "\"lognormal\"",
    "\"fixed\"",
    "\"uniform\"",
    "\"triangular\"",
    "\"cumulative\"",
    "\"annual\"",
    "\"level\"",
    "\"cumulative_floor\"",
    "\"level_cap\"",
    "\"level_floor\"",
    "\"level_about\"",
    "\"each_year\"",
    "\"end\"",
    "\"expected\"",
    "\"binding\"",
    "\"unspecified\"",
    "\"province\"",
    "\"city\"",
    "\"area\"",
    "\"prov\"",
    "\"a\"",
    "\"b\"",
    "\"city\"",
    "\"urban_new_jobs\"",
    "\"rural_transfer_new\"",
    "\"return_entrepreneurs\"",
    "\"rural_transfer_stock\"",
    "\"surveyed_unemployment_rate\"",
    "\"预期性\"",
    "\"河南\"",
    "\"C:\\\\x\"",
    "\"x:y\"",
    "\"*\"",
];

/// Keys of the format, to swap in for others or insert.
const KEYS: &[&str] = &[
    "name",
    "description",
    "extends",
    "base_year",
    "end_year",
    "in_sample",
    "paths",
    "seed",
    "reference",
    "path",
    "values",
    "ar",
    "noise_sd",
    "okun",
    "adjustment",
    "natural_rate",
    "initial",
    "floor",
    "ceiling",
    "trend",
    "elasticity",
    "exit_rate",
    "common",
    "regions",
    "matrix",
    "name_zh",
    "name_en",
    "level",
    "parent",
    "rate_weight",
    "value",
    "kind",
    "period",
    "year",
    "source",
    "quote",
    "assumption",
    "note",
    "single_year",
    "indicator",
    "tolerance",
    "applies",
    "nature",
    "probability",
    "growth",
    "scale",
    "effects",
    "size",
    "start_year",
    "ramp_years",
    "effect",
    "dist",
    "mean",
    "sd",
    "mu",
    "sigma",
    "low",
    "mode",
    "high",
    "unemployment",
    "baselines",
    "targets",
    "params",
    "shocks",
    "levers",
];

/// Whole lines to insert: tables, arrays of tables, odd structures.
const LINES: &[&str] = &[
    "[regions.x]",
    "[[regions.a.targets]]",
    "[[regions.city.targets]]",
    "[regions.prov.params.urban_new_jobs]",
    "[shocks.s]",
    "[levers.l]",
    "[correlation]",
    "[unemployment]",
    "[indicators.surveyed_unemployment_rate]",
    "[regions.city.unemployment]",
    "[regions.a.baselines.rural_transfer_stock]",
    "extends = \"child.toml\"",
    "extends = \"one-city.toml\"",
    "parent = \"a\"",
    "parent = \"prov\"",
    "matrix = [[1.0, 2.0], [2.0, 1.0]]",
    "matrix = [[1.0]]",
    "regions = []",
    "regions = [\"a\", \"a\"]",
    "growth = [-30, -30, -30, -30]",
    "size = [-1.0]",
    "x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "a.b.c.d.e.f.g = 1",
    "\"quoted key\" = 1",
    "= 1",
    "[",
    "]]",
    "\u{feff}",
];

fn seed_text(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fuzz-seeds").join(name)).expect("seed exists")
}

/// Byte ranges `(start, end)` of tokens.
type Spans = Vec<(usize, usize)>;

/// Byte ranges of number-like and string tokens, and of keys, in a TOML text.
fn tokens(text: &[u8]) -> (Spans, Spans, Spans) {
    let (mut nums, mut strs, mut keys) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    let mut line_start = true;
    while i < text.len() {
        let c = text[i];
        if c == b'"' {
            let start = i;
            i += 1;
            while i < text.len() && text[i] != b'"' && text[i] != b'\n' {
                i += if text[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(text.len());
            strs.push((start, i));
            line_start = false;
            continue;
        }
        if c.is_ascii_digit() || (c == b'-' && text.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < text.len() && (text[i].is_ascii_alphanumeric() || b".-+_".contains(&text[i]))
            {
                i += 1;
            }
            nums.push((start, i));
            line_start = false;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < text.len() && (text[i].is_ascii_alphanumeric() || text[i] == b'_') {
                i += 1;
            }
            if line_start {
                keys.push((start, i));
            }
            line_start = false;
            continue;
        }
        line_start = c == b'\n' || (line_start && (c == b' ' || c == b'['));
        i += 1;
    }
    (nums, strs, keys)
}

fn pick<'a, R: Rng>(rng: &mut R, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

fn splice(text: &mut Vec<u8>, (a, b): (usize, usize), with: &str) {
    text.splice(a..b, with.bytes());
}

fn line_bounds(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in text.iter().enumerate() {
        if c == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// Applies one random mutation.
fn mutate<R: Rng>(rng: &mut R, text: &mut Vec<u8>) {
    let (nums, strs, keys) = tokens(text);
    let lines = line_bounds(text);
    match rng.random_range(0..12) {
        0..=2 if !nums.is_empty() => {
            let t = nums[rng.random_range(0..nums.len())];
            splice(text, t, pick(rng, NUMBERS));
        }
        3..=4 if !strs.is_empty() => {
            let t = strs[rng.random_range(0..strs.len())];
            splice(text, t, pick(rng, STRINGS));
        }
        5 if !keys.is_empty() => {
            let t = keys[rng.random_range(0..keys.len())];
            splice(text, t, pick(rng, KEYS));
        }
        6 if !lines.is_empty() => {
            let l = lines[rng.random_range(0..lines.len())];
            text.drain(l.0..l.1);
        }
        7 if !lines.is_empty() => {
            let l = lines[rng.random_range(0..lines.len())];
            let copy = text[l.0..l.1].to_vec();
            let at = lines[rng.random_range(0..lines.len())].0;
            text.splice(at..at, copy);
        }
        8 if !lines.is_empty() => {
            let at = lines[rng.random_range(0..lines.len())].0;
            let line = if rng.random_bool(0.5) {
                pick(rng, LINES).to_string()
            } else {
                let v = if rng.random_bool(0.5) {
                    pick(rng, NUMBERS)
                } else {
                    pick(rng, STRINGS)
                };
                format!("{} = {v}", pick(rng, KEYS))
            };
            text.splice(at..at, format!("{line}\n").into_bytes());
        }
        9 if !text.is_empty() => {
            let i = rng.random_range(0..text.len());
            text[i] ^= 1 << rng.random_range(0..8);
        }
        10 if !text.is_empty() => {
            let a = rng.random_range(0..text.len());
            let b = (a + rng.random_range(0..64)).min(text.len());
            text.drain(a..b);
        }
        _ => {
            let at = rng.random_range(0..=text.len());
            let b: u8 = rng.random();
            text.insert(at, b);
        }
    }
}

/// Loads `target` from `files` and, if it validates, simulates it briefly. Returns an
/// error text for anything but a clean outcome.
fn exercise(target: &str, files: &InMemory) -> Result<(), String> {
    let outcome = std::panic::catch_unwind(|| {
        let scn = match Scenario::from_files(Path::new(target), files) {
            Ok(s) => s,
            Err(e) => {
                let text = e.to_string();
                if text.contains("Debug") || text.contains("{:?}") {
                    return Err(format!("a message with a debug dump: {text}"));
                }
                return Ok(());
            }
        };
        let sim = empsim::engine::simulate(&scn, 4, scn.seed, &[]);
        sim.check_finite(&scn).map_err(|e| e.to_string())?;
        let summaries = empsim::stats::summarize(&scn, &sim);
        let targets = empsim::stats::evaluate_targets(&scn, &sim, &empsim::stats::LEVEL_PROBS);
        empsim::stats::check_finite(&scn, &summaries, &targets).map_err(|e| e.to_string())
    });
    match outcome {
        Ok(r) => r,
        Err(p) => Err(format!(
            "panic: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

fn save_failure(case: u64, target: &str, files: &InMemory) -> PathBuf {
    let dir = repo().join("target/fuzz-failures").join(case.to_string());
    let _ = std::fs::create_dir_all(&dir);
    for (p, bytes) in &files.0 {
        let _ = std::fs::write(dir.join(p), bytes);
    }
    dir.join(target)
}

/// The name prefix of the fuzz loop's worker threads: the panics it provokes and catches
/// there are kept quiet.
const THREAD_PREFIX: &str = "fuzz-loader-";

type PanicHook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// While alive, the panic hook prints nothing for panics on the fuzz loop's threads (named
/// [`THREAD_PREFIX`]`N`; their panics are caught and reported as failures) and hands every
/// other thread's panic to the hook installed before, so that the tests running at the
/// same time in this process still show their panic messages. Dropping it reinstalls the
/// previous hook.
struct QuietFuzzPanics {
    previous: Option<Arc<PanicHook>>,
}

impl QuietFuzzPanics {
    fn install() -> Self {
        let previous = Arc::new(std::panic::take_hook());
        let forward = Arc::clone(&previous);
        std::panic::set_hook(Box::new(move |info| {
            let fuzzing = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with(THREAD_PREFIX));
            if !fuzzing {
                forward(info);
            }
        }));
        QuietFuzzPanics {
            previous: Some(previous),
        }
    }
}

impl Drop for QuietFuzzPanics {
    fn drop(&mut self) {
        // The hook cannot be changed while this thread is panicking (a panic that escaped
        // the loop): then ours stays, and it still forwards every panic but those of the
        // fuzz threads, which ended with their pool.
        if std::thread::panicking() {
            return;
        }
        // Taking our hook drops its reference to the previous one, which we then own again.
        drop(std::panic::take_hook());
        match Arc::try_unwrap(self.previous.take().expect("installed")) {
            Ok(previous) => std::panic::set_hook(previous),
            Err(shared) => std::panic::set_hook(Box::new(move |info| shared(info))),
        }
    }
}

#[test]
fn mutated_scenarios_never_panic_and_simulate_finitely() {
    let cases: u64 = std::env::var("EMPSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let master: u64 = std::env::var("EMPSIM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_204);
    let seeds: Vec<(&str, Vec<u8>)> = SEEDS.iter().map(|s| (*s, seed_text(s))).collect();
    // The loop runs in its own pool, whose threads' caught panics are not printed (failures
    // are reported below); other tests' panics still are.
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("{THREAD_PREFIX}{i}"))
        .build()
        .expect("a thread pool for the fuzz loop");
    let quiet = QuietFuzzPanics::install();
    let t0 = std::time::Instant::now();
    let (validated, failures): (u64, Vec<String>) = pool.install(|| {
        (0..cases)
            .into_par_iter()
            .map(|case| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                    master ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                let which = rng.random_range(0..seeds.len());
                let mut files = InMemory::default();
                for (k, (name, text)) in seeds.iter().enumerate() {
                    let mut t = text.clone();
                    // Mostly the target, sometimes a file it extends too.
                    if k == which || rng.random_bool(0.1) {
                        for _ in 0..rng.random_range(1..=4) {
                            mutate(&mut rng, &mut t);
                        }
                    }
                    files.insert(name, t);
                }
                let target = seeds[which].0;
                match exercise(target, &files) {
                    Ok(()) => {
                        let ok = Scenario::from_files(Path::new(target), &files).is_ok();
                        (u64::from(ok), None)
                    }
                    Err(why) => {
                        let at = save_failure(case, target, &files);
                        (0, Some(format!("case {case} ({}): {why}", at.display())))
                    }
                }
            })
            .fold(
                || (0u64, Vec::new()),
                |(n, mut f), (v, e)| {
                    f.extend(e);
                    (n + v, f)
                },
            )
            .reduce(
                || (0, Vec::new()),
                |(a, mut fa), (b, fb)| {
                    fa.extend(fb);
                    (a + b, fa)
                },
            )
    });
    drop(quiet);
    eprintln!(
        "{cases} mutated inputs in {:.1} s, {validated} of them valid scenarios",
        t0.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The mutations must reach validation, not only the parser.
    assert!(validated > cases / 100, "only {validated} valid scenarios");
}
