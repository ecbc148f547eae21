//! The options every simulating command shares (`--paths`, `--seed`, `--threads`, `--out`),
//! declared once ([`SimArgs`], flattened into each command's arguments) and validated once
//! into the [`Sim`] settings the command receives.

use crate::error::{Error, Result};
use crate::outdir::Destination;
use crate::scenario::{MAX_PATHS, Scenario};
use std::path::{Path, PathBuf};

/// The most worker threads accepted by `--threads`.
pub const MAX_THREADS: usize = 256;

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

/// Checks that `paths` simulated paths of the scenario (all held at once) fit in memory.
///
/// # Errors
/// [`Error::Usage`] with the largest `--paths` that fits.
pub fn check_memory(scn: &Scenario, paths: usize) -> Result<()> {
    let per_path = (scn.series.len() as u64 * scn.n_years() as u64).max(1);
    let values = (paths as u64).saturating_mul(per_path);
    if values > MAX_VALUES {
        return Err(Error::Usage(format!(
            "--paths {paths} would hold {values} values ({} series × {} years per path, {:.1} GB); the limit is {MAX_VALUES} values (2 GB), i.e. at most {} paths for this scenario",
            scn.series.len(),
            scn.n_years(),
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
