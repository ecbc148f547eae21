//! The options every simulating command shares (`--paths`, `--seed`, `--threads`, `--out`),
//! declared once ([`SimArgs`], flattened into each command's arguments) and validated once
//! into the [`Sim`] settings the command receives; and the target-setting levels of the
//! commands that report targets (`--level-probs`, [`LevelArgs`]: `run` and `compare`).

use crate::error::{Error, Result};
use crate::outdir::Destination;
use crate::scenario::{MAX_PATHS, Scenario};
use std::path::{Path, PathBuf};

/// The most worker threads accepted by `--threads`.
pub const MAX_THREADS: usize = 256;

/// The most probabilities `--level-probs` takes (one column each in `targets.csv`).
pub const MAX_LEVEL_PROBS: usize = 9;

/// The most simulated values (paths × series × years) one simulation may hold: 250 million
/// values are 2 GB.
pub const MAX_VALUES: u64 = 250_000_000;

/// The simulation options of `run`, `compare`, `sens` and `backtest`, as typed.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SimArgs {
    /// Monte Carlo paths (default: the scenario's monte_carlo.paths; for sens, 1000 per
    /// model evaluation).
    #[arg(long)]
    pub paths: Option<usize>,
    /// Master seed of the paths and of any random design (default: the scenario's
    /// monte_carlo.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default under output/, see the command's description). empsim only
    /// replaces a folder that holds nothing but its own outputs.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads, 1 to 256 (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// An observation file (CSV, the actuals layout) to condition the projection on, after
    /// those the scenario names; repeat the flag for several files.
    #[arg(long = "observations", value_name = "FILE")]
    pub observations: Vec<PathBuf>,
}

/// The target-setting levels of `run` and `compare`, as typed.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LevelArgs {
    /// For each target, report the level it is met at with these probabilities: a floor
    /// reached, or a cap kept, with probability p (comma-separated, each strictly between 0
    /// and 1 with at most 4 decimals, at most 9; default 0.5,0.8,0.9). Columns level_p50,
    /// level_p80, … of targets.csv (p_met.csv for compare).
    #[arg(long, value_name = "P,...")]
    pub level_probs: Option<String>,
}

impl LevelArgs {
    /// The probabilities, in the order given; [`crate::stats::LEVEL_PROBS`] by default.
    ///
    /// # Errors
    /// [`Error::Usage`] naming `--level-probs` for a value that is not a number, not
    /// strictly between 0 and 1 or with more than 4 decimals, more than
    /// [`MAX_LEVEL_PROBS`] values, or a value given twice.
    pub fn resolve(&self) -> Result<Vec<f64>> {
        match &self.level_probs {
            None => Ok(crate::stats::LEVEL_PROBS.to_vec()),
            Some(text) => parse_level_probs(text),
        }
    }
}

/// Parses and checks the text of `--level-probs`.
fn parse_level_probs(text: &str) -> Result<Vec<f64>> {
    let usage = |m: String| Error::Usage(format!("--level-probs: {m}"));
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    if items.len() > MAX_LEVEL_PROBS {
        return Err(usage(format!(
            "at most {MAX_LEVEL_PROBS} probabilities, got {}",
            items.len()
        )));
    }
    let mut probs: Vec<f64> = Vec::with_capacity(items.len());
    for item in items {
        let p: f64 = item.parse().map_err(|_| {
            usage(format!(
                "`{item}` is not a number; give probabilities like 0.5,0.8,0.9"
            ))
        })?;
        if !(p > 0.0 && p < 1.0) {
            return Err(usage(format!(
                "each probability must lie strictly between 0 and 1, got {item}"
            )));
        }
        // Whole basis points (a tolerance absorbs the binary rounding of p × 10⁴); a value
        // within 10⁻¹⁰ of 0 or 1 has more than 4 decimals too.
        let basis_points = (p * 10_000.0).round();
        if (p * 10_000.0 - basis_points).abs() > 1e-6 || !(1.0..=9_999.0).contains(&basis_points) {
            return Err(usage(format!(
                "each probability takes at most 4 decimals (its column is named after it, \
e.g. level_p97.5 for 0.975), got {item}"
            )));
        }
        // The nearest double to the 4-decimal value (the parsed value itself when it has at
        // most 4 decimals), so two values naming the same column are the same probability.
        let p = basis_points / 10_000.0;
        if probs.contains(&p) {
            return Err(usage(format!(
                "{item} is given twice; the probabilities must be distinct"
            )));
        }
        probs.push(p);
    }
    Ok(probs)
}

/// Validated simulation settings: paths, seed and the worker pool.
#[derive(Debug)]
pub struct Sim {
    pub paths: usize,
    pub seed: u64,
    pub pool: rayon::ThreadPool,
    pub threads: usize,
}

impl SimArgs {
    /// Reads and validates a scenario, conditioned also on `--observations`.
    ///
    /// # Errors
    /// As [`Scenario::from_file_observed`].
    pub fn scenario(&self, path: &Path) -> Result<Scenario> {
        Ok(Scenario::from_file_observed(path, &self.observations)?)
    }

    /// Validates the options; `paths` and `seed` default to the given values.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the flag for out-of-range paths or threads.
    pub fn resolve(&self, default_paths: usize, default_seed: u64) -> Result<Sim> {
        let paths = resolve_paths(self.paths, default_paths)?;
        let pool = pool(self.threads)?;
        Ok(Sim {
            paths,
            seed: self.seed.unwrap_or(default_seed),
            threads: pool.current_num_threads(),
            pool,
        })
    }

    /// The output folder: `--out`, or `default`; checked where it may go (see
    /// [`Destination::new`]) before anything is computed.
    ///
    /// # Errors
    /// As [`Destination::new`].
    pub fn destination(
        &self,
        default: impl FnOnce() -> PathBuf,
        inputs: &[PathBuf],
    ) -> Result<Destination> {
        let out = self.out.clone().unwrap_or_else(default);
        Destination::new(&out, inputs)
    }
}

/// The number of paths: `--paths` if given, else the default; 1 to `MAX_PATHS`.
fn resolve_paths(requested: Option<usize>, default: usize) -> Result<usize> {
    let paths = requested.unwrap_or(default);
    if paths == 0 {
        return Err(Error::Usage("--paths must be at least 1".into()));
    }
    if paths as u64 > MAX_PATHS {
        return Err(Error::Usage(format!("--paths must be at most {MAX_PATHS}")));
    }
    Ok(paths)
}

/// The values a conditioned run holds per path for the sampler: the path's parameters
/// (and copies for the moves), each simulated region's coefficients and state, and the
/// normals of the observed years, in 8-byte words (measured: about 7 KB a path for
/// henan-midterm, 909 words by this count).
fn sampler_per_path(scn: &Scenario) -> u64 {
    if scn.observations.is_none() {
        return 0;
    }
    let (params, leaves, years) = (
        scn.params.len() as u64,
        scn.leaves.len() as u64,
        scn.n_years() as u64,
    );
    4 * params + 100 * leaves + 8 * leaves * years
}

/// The values `run` holds at once for `paths` paths on `threads` threads: the largest
/// block of simulated regions (at most [`crate::engine::BLOCK_VALUES`] values, or one region),
/// the aggregates' sums, each worker's summary scratch (a series' years, running totals
/// and a selection copy; a target's outcomes and gaps) and the conditioning sampler's
/// state.
pub fn run_footprint(scn: &Scenario, paths: usize, threads: usize) -> u64 {
    let p = paths as u64;
    let scratch = threads.max(1) as u64 * (scn.n_years() as u64 + 4) * p;
    crate::engine::Engine::block_footprint(scn, paths, crate::engine::BLOCK_VALUES)
        + scratch
        + sampler_per_path(scn) * p
}

/// Checks that a `run` of `paths` paths on `threads` threads fits in memory
/// ([`run_footprint`]).
///
/// # Errors
/// [`Error::Usage`] with the largest `--paths` that fits.
pub fn check_run_memory(scn: &Scenario, paths: usize, threads: usize) -> Result<()> {
    let values = run_footprint(scn, paths, threads);
    if values <= MAX_VALUES {
        return Ok(());
    }
    // The footprint grows with the paths: the most that fit, by bisection.
    let (mut lo, mut hi) = (0usize, paths);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if run_footprint(scn, mid, threads) <= MAX_VALUES {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Err(Error::Usage(format!(
        "--paths {paths} would hold {values} values at once ({:.1} GB: a block of regions of at most {} values, the {} aggregate series × {} years of every path, {threads} workers' summary scratch{}); the limit is {MAX_VALUES} values (2 GB), i.e. at most {lo} paths for this scenario",
        values as f64 * 8.0 / 1e9,
        crate::engine::BLOCK_VALUES,
        crate::engine::Engine::aggregate_series(scn),
        scn.n_years(),
        match crate::engine::Engine::kept_per_path(scn, paths, crate::engine::BLOCK_VALUES) {
            _ if scn.observations.is_some() => " and the conditioning sampler's state".to_string(),
            0 => String::new(),
            kept => format!(" and the {kept} shared draws of every path"),
        },
    )))
}

/// Checks that `paths` simulated paths of the scenario (all held at once) fit in memory.
///
/// # Errors
/// [`Error::Usage`] with the largest `--paths` that fits.
pub fn check_memory(scn: &Scenario, paths: usize) -> Result<()> {
    let per_path = (scn.series.len() as u64 * scn.n_years() as u64).max(1) + sampler_per_path(scn);
    let values = (paths as u64).saturating_mul(per_path);
    if values > MAX_VALUES {
        return Err(Error::Usage(format!(
            "--paths {paths} would hold {values} values ({}, {:.1} GB); the limit is {MAX_VALUES} values (2 GB), i.e. at most {} paths for this scenario",
            if scn.observations.is_some() {
                format!(
                    "{per_path} per path: {} series × {} years and the conditioning sampler's state",
                    scn.series.len(),
                    scn.n_years()
                )
            } else {
                format!(
                    "{} series × {} years per path",
                    scn.series.len(),
                    scn.n_years()
                )
            },
            values as f64 * 8.0 / 1e9,
            MAX_VALUES / per_path
        )));
    }
    Ok(())
}

/// A rayon pool with `threads` workers (all cores if `None`), 1 to [`MAX_THREADS`].
fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if let Some(n) = threads
        && (n == 0 || n > MAX_THREADS)
    {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        return Err(Error::Usage(format!(
            "--threads must be between 1 and {MAX_THREADS}, got {n} (this machine has {cores} cores; results do not depend on it)"
        )));
    }
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build().map_err(Error::Threads)
}

/// The default output folder of a scenario's command: `output/<name>/<sub…>`.
pub fn default_out(scn: &Scenario, sub: &[&str]) -> PathBuf {
    sub.iter()
        .fold(Path::new("output").join(&scn.name), |p, s| p.join(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_probabilities_are_checked_with_messages_naming_the_flag() {
        let ok = |s: &str| parse_level_probs(s).unwrap();
        assert_eq!(ok("0.5,0.8,0.9"), [0.5, 0.8, 0.9]);
        assert_eq!(ok(" 0.95 , 0.025,0.0001"), [0.95, 0.025, 0.0001]);
        assert_eq!(LevelArgs::default().resolve().unwrap(), [0.5, 0.8, 0.9]);
        // Every value with at most 4 decimals is accepted as typed, bit for bit.
        for bp in 1..10_000 {
            let text = format!("0.{bp:04}");
            assert_eq!(ok(&text), [text.parse::<f64>().unwrap()], "{text}");
        }
        for (text, msg) in [
            (
                "1.5",
                "each probability must lie strictly between 0 and 1, got 1.5",
            ),
            (
                "0",
                "each probability must lie strictly between 0 and 1, got 0",
            ),
            (
                "0.5,1",
                "each probability must lie strictly between 0 and 1, got 1",
            ),
            (
                "nan",
                "each probability must lie strictly between 0 and 1, got nan",
            ),
            (
                "0.8,x",
                "`x` is not a number; give probabilities like 0.5,0.8,0.9",
            ),
            (
                "0.8,",
                "`` is not a number; give probabilities like 0.5,0.8,0.9",
            ),
            (
                "0.8,0.80",
                "0.80 is given twice; the probabilities must be distinct",
            ),
            (
                "0.5,0.50000000001",
                "0.50000000001 is given twice; the probabilities must be distinct",
            ),
            (
                "0.00000000001",
                "each probability takes at most 4 decimals (its column is named after it, \
e.g. level_p97.5 for 0.975), got 0.00000000001",
            ),
            (
                "0.99999999999",
                "each probability takes at most 4 decimals (its column is named after it, \
e.g. level_p97.5 for 0.975), got 0.99999999999",
            ),
            (
                "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95",
                "at most 9 probabilities, got 10",
            ),
            (
                "0.12345",
                "each probability takes at most 4 decimals (its column is named after it, \
e.g. level_p97.5 for 0.975), got 0.12345",
            ),
        ] {
            let e = parse_level_probs(text).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert_eq!(e.to_string(), format!("--level-probs: {msg}"), "{text}");
        }
    }
}
