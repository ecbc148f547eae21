//! `manifest.json`: what produced an output folder (scenario files and their hashes, seed,
//! paths, threads, version) and how long each stage took.
//!
//! Only `threads` and `elapsed_seconds` vary between two runs of the same scenario and
//! seed; every other file of the output folder is byte-identical.

use crate::error::Result;
use crate::outdir::{create, io_err};
use crate::scenario::{Scenario, SourceFile};
use serde::Serialize;
use std::path::Path;

/// Wall-clock seconds of each stage of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Timings {
    pub load: f64,
    pub simulate: f64,
    pub summarize: f64,
    pub charts: f64,
    pub write: f64,
    pub total: f64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    empsim_version: &'a str,
    scenario: &'a str,
    description: &'a str,
    files: &'a [SourceFile],
    seed: u64,
    paths: usize,
    threads: usize,
    base_year: i32,
    end_year: i32,
    regions: Vec<&'a str>,
    targets: usize,
    quantile_estimator: &'a str,
    /// Every file of the folder (relative, `/`-separated): what empsim may replace.
    outputs: &'a [String],
    elapsed_seconds: &'a Timings,
}

/// Writes `manifest.json`.
#[allow(clippy::too_many_arguments)]
pub fn write_manifest(
    path: &Path,
    scn: &Scenario,
    paths: usize,
    seed: u64,
    threads: usize,
    outputs: &[String],
    timings: &Timings,
) -> Result<()> {
    let m = Manifest {
        empsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &scn.name,
        description: &scn.description,
        files: &scn.files,
        seed,
        paths,
        threads,
        base_year: scn.base_year,
        end_year: scn.end_year,
        regions: scn.regions.iter().map(|r| r.id.as_str()).collect(),
        targets: scn.targets.len(),
        quantile_estimator: "Hyndman-Fan type 7 (linear interpolation, as R and NumPy default)",
        outputs,
        elapsed_seconds: timings,
    };
    let f = create(path)?;
    let mut w = std::io::BufWriter::new(f);
    serde_json::to_writer_pretty(&mut w, &m).map_err(|e| io_err(path, e))?;
    use std::io::Write;
    writeln!(w).map_err(|e| io_err(path, e))?;
    w.flush().map_err(|e| io_err(path, e))
}
