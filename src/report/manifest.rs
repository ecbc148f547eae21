//! `manifest.json`: what produced an output folder (scenario files and their hashes, the
//! resolved scenario, seed, paths, threads, the command line, the exact build, the SHA-256
//! of every output) and how long each stage took.
//!
//! Two runs of the same scenario and seed write byte-identical files whatever `--threads`;
//! in `manifest.json` only the run record may differ: `threads`, `elapsed_seconds` and
//! `command_line` (which holds `--threads`, `--out`, …). Everything else in it, the
//! `output_sha256` of every other file included, is identical.

use crate::analysis::sens::{Method, SensStudy};
use crate::error::Result;
use crate::outdir::{create, io_err};
use crate::report::csv::backtest::BacktestContext;
use crate::report::text::compare::CompareView;
use crate::scenario::{Scenario, SourceFile};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The exact build of this empsim, captured by `build.rs` ("unknown" where it could not
/// tell, e.g. a build from a source tarball outside git).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Build {
    pub version: &'static str,
    pub git_commit: &'static str,
    /// Whether tracked files differed from the commit when built: "true", "false" or
    /// "unknown".
    pub git_dirty: &'static str,
    pub rustc: &'static str,
    pub target: &'static str,
    pub profile: &'static str,
}

/// This build.
pub const BUILD: Build = Build {
    version: env!("CARGO_PKG_VERSION"),
    git_commit: env!("EMPSIM_GIT_COMMIT"),
    git_dirty: env!("EMPSIM_GIT_DIRTY"),
    rustc: env!("EMPSIM_RUSTC_VERSION"),
    target: env!("EMPSIM_TARGET"),
    profile: env!("EMPSIM_PROFILE"),
};

/// The part of every manifest that says how the folder was made: the command line as the
/// process received it, the build, and the SHA-256 of every output but the manifest.
#[derive(Serialize)]
struct Record {
    command_line: Vec<String>,
    build: Build,
    /// Output file (relative, `/`-separated) → SHA-256 (hex) of its bytes.
    output_sha256: BTreeMap<String, String>,
}

impl Record {
    fn of(dir: &Path, outputs: &[String]) -> Result<Record> {
        let mut output_sha256 = BTreeMap::new();
        for f in outputs.iter().filter(|f| f.as_str() != "manifest.json") {
            output_sha256.insert(f.clone(), sha256_file(&dir.join(f))?);
        }
        Ok(Record {
            command_line: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            build: BUILD,
            output_sha256,
        })
    }
}

/// The SHA-256 (hex) of a file's bytes, read in a stream.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| io_err(path, e))?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The resolved scenario: the merged table of the scenario file and every file it extends
/// (as `empsim` read it, before defaults are filled in), with its name and the command
/// line's overrides: `monte_carlo.paths` and `monte_carlo.seed` are the ones used.
fn resolved(scn: &Scenario, paths: usize, seed: u64) -> serde_json::Value {
    let mut table = scn.resolved.clone();
    table.insert("name".into(), toml::Value::String(scn.name.clone()));
    let mc = table
        .entry("monte_carlo")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(mc) = mc {
        let paths = i64::try_from(paths).unwrap_or(i64::MAX);
        mc.insert("paths".into(), toml::Value::Integer(paths));
        // TOML integers are i64: a seed above i64::MAX is recorded as its text.
        let seed = i64::try_from(seed)
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(seed.to_string()));
        mc.insert("seed".into(), seed);
    }
    serde_json::to_value(table).unwrap_or(serde_json::Value::Null)
}

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
    /// What conditioning on observations did (absent in an unconditioned run).
    #[serde(skip_serializing_if = "Option::is_none")]
    conditioning: Option<ConditioningSummary<'a>>,
    resolved_scenario: serde_json::Value,
    elapsed_seconds: &'a Timings,
    #[serde(flatten)]
    record: Record,
}

/// The manifest's account of conditioning: the files, the method and its diagnostics.
#[derive(Serialize)]
struct ConditioningSummary<'a> {
    observation_files: &'a [SourceFile],
    method: &'static str,
    figures_conditioned: usize,
    growth_figures: usize,
    figures_skipped: usize,
    last_observed_year: Option<i32>,
    stages: &'a [crate::engine::TemperingStage],
    min_ess: f64,
    log_evidence: f64,
    distinct_ancestors: usize,
    distinct_paths: usize,
}

impl<'a> ConditioningSummary<'a> {
    fn of(scn: &'a Scenario, c: &'a crate::engine::Conditioning) -> Option<Self> {
        let obs = scn.observations.as_ref()?;
        Some(ConditioningSummary {
            observation_files: &obs.files,
            method: "sequential Monte Carlo over the Monte Carlo paths: likelihood tempering keeping ESS at paths/2 per step, systematic resampling, 5 Metropolis-Hastings sweeps per step (random walk on the parameters, Crank-Nicolson on the noise); measurement errors a two-part normal mixture (docs/MODEL.md, Conditioning on observations)",
            figures_conditioned: obs.points.len(),
            growth_figures: obs.growth.len(),
            figures_skipped: obs.skipped.len(),
            last_observed_year: obs.last_year(),
            stages: &c.stages,
            min_ess: c.stages.iter().map(|s| s.ess).fold(f64::INFINITY, f64::min),
            log_evidence: c.log_evidence,
            distinct_ancestors: c.distinct_ancestors,
            distinct_paths: c.distinct_paths,
        })
    }
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
    conditioning: Option<&crate::engine::Conditioning>,
) -> Result<()> {
    let m = Manifest {
        empsim_version: BUILD.version,
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
        conditioning: conditioning.and_then(|c| ConditioningSummary::of(scn, c)),
        resolved_scenario: resolved(scn, paths, seed),
        elapsed_seconds: timings,
        record: Record::of(folder(path), outputs)?,
    };
    write_json(path, &m)
}

/// The folder of a manifest file.
fn folder(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// Writes a manifest: pretty JSON and a final newline.
fn write_json(path: &Path, m: &impl Serialize) -> Result<()> {
    use std::io::Write;
    let f = create(path)?;
    let mut w = std::io::BufWriter::new(f);
    serde_json::to_writer_pretty(&mut w, m).map_err(|e| io_err(path, e))?;
    writeln!(w).map_err(|e| io_err(path, e))?;
    w.flush().map_err(|e| io_err(path, e))
}

#[derive(Serialize)]
struct SensManifest<'a> {
    empsim_version: &'a str,
    scenario: &'a str,
    files: &'a [SourceFile],
    method: Method,
    factors: Vec<serde_json::Value>,
    metrics: Vec<&'a str>,
    evaluations: usize,
    paths_per_evaluation: usize,
    seed: u64,
    common_random_numbers: &'a str,
    /// Sobol': the base samples and the sequence (scrambled from which seed, or where the
    /// unscrambled sequence starts); absent for other methods.
    #[serde(skip_serializing_if = "Option::is_none")]
    sobol_design: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    convergence: Option<&'a crate::analysis::sens::Convergence>,
    /// Every file of the folder (relative, `/`-separated): what empsim may replace.
    outputs: &'a [String],
    resolved_scenario: serde_json::Value,
    elapsed_seconds: f64,
    #[serde(flatten)]
    record: Record,
}

/// The Sobol' design of a study, for its manifest.
fn sobol_design(o: &SensStudy) -> Option<serde_json::Value> {
    let crate::analysis::sens::Indices::Sobol(r) = &o.indices else {
        return None;
    };
    Some(match r.options.scramble {
        Some(seed) => serde_json::json!({
            "base_samples": r.n_base,
            "sequence": "Sobol' (Joe-Kuo 2008 direction numbers), nested uniform scramble (Owen 1995, Burley 2020 hash), from point 0",
            "scramble_seed": seed,
        }),
        None => serde_json::json!({
            "base_samples": r.n_base,
            "sequence": "Sobol' (Joe-Kuo 2008 direction numbers), unscrambled",
            "skip": r.skip,
        }),
    })
}

/// Writes the `manifest.json` of a sensitivity study into `dir`.
pub fn write_sens(dir: &Path, o: &SensStudy, outputs: &[String], elapsed: f64) -> Result<()> {
    let m = SensManifest {
        empsim_version: BUILD.version,
        scenario: &o.scenario.name,
        files: &o.scenario.files,
        method: o.method,
        factors: o
            .factors
            .iter()
            .map(|f| serde_json::json!({"name": f.name, "distribution": f.dist.describe(), "parameters_set": f.slots.len()}))
            .collect(),
        metrics: o.metrics.iter().map(|m| m.label.as_str()).collect(),
        evaluations: o.evaluations,
        paths_per_evaluation: o.paths,
        seed: o.seed,
        common_random_numbers: "every evaluation simulates the same path seeds; only the factors change",
        sobol_design: sobol_design(o),
        convergence: o.convergence.as_ref(),
        outputs,
        resolved_scenario: resolved(&o.scenario, o.paths, o.seed),
        elapsed_seconds: elapsed,
        record: Record::of(dir, outputs)?,
    };
    write_json(&dir.join("manifest.json"), &m)
}

#[derive(Serialize)]
struct BacktestManifest<'a> {
    empsim_version: &'a str,
    command: &'a str,
    scenario: &'a str,
    in_sample: bool,
    files: &'a [SourceFile],
    actuals: ActualsFile,
    seed: u64,
    paths: usize,
    threads: usize,
    base_year: i32,
    end_year: i32,
    quantile_estimator: &'a str,
    pit: &'a str,
    crps: &'a str,
    interval_score: &'a str,
    outputs: &'a [String],
    resolved_scenario: serde_json::Value,
    #[serde(flatten)]
    record: Record,
}

#[derive(Serialize)]
struct ActualsFile {
    path: String,
    sha256: String,
}

/// Writes the `manifest.json` of a backtest.
pub fn write_backtest(path: &Path, ctx: &BacktestContext, outputs: &[String]) -> Result<()> {
    let m = BacktestManifest {
        empsim_version: BUILD.version,
        command: "backtest",
        scenario: &ctx.scn.name,
        in_sample: ctx.scn.in_sample,
        files: &ctx.scn.files,
        actuals: ActualsFile {
            path: ctx.actuals.display().to_string(),
            sha256: ctx.actuals_sha256.to_string(),
        },
        seed: ctx.seed,
        paths: ctx.paths,
        threads: ctx.threads,
        base_year: ctx.scn.base_year,
        end_year: ctx.scn.end_year,
        quantile_estimator: "Hyndman-Fan type 7",
        pit: "mid-rank: (b + (e + 1)/2) / (n + 1), b sample values below, e equal",
        crps: "energy form E|X - y| - 1/2 E|X - X'|, fair estimator, sorted sample (Gneiting & Raftery 2007; Ferro 2014)",
        interval_score: "Winkler / Gneiting & Raftery 2007 eq. 43, alpha 0.5 and 0.1",
        outputs,
        resolved_scenario: resolved(ctx.scn, ctx.paths, ctx.seed),
        record: Record::of(folder(path), outputs)?,
    };
    write_json(path, &m)
}

#[derive(Serialize)]
struct ManifestScenario<'a> {
    name: &'a str,
    description: &'a str,
    files: &'a [SourceFile],
    base_year: i32,
    end_year: i32,
    targets: usize,
    resolved: serde_json::Value,
}

#[derive(Serialize)]
struct CompareManifest<'a> {
    empsim_version: &'a str,
    command: &'a str,
    scenarios: Vec<ManifestScenario<'a>>,
    baseline_scenario: &'a str,
    seed: u64,
    paths: usize,
    threads: usize,
    years: &'a [i32],
    common_random_numbers: &'a str,
    quantile_estimator: &'a str,
    /// Every file of the folder (relative, `/`-separated): what empsim may replace.
    outputs: &'a [String],
    elapsed_seconds: &'a Timings,
    #[serde(flatten)]
    record: Record,
}

/// Writes the `manifest.json` of a comparison into `dir`.
pub fn write_compare(
    dir: &Path,
    o: &CompareView,
    outputs: &[String],
    timings: &Timings,
) -> Result<()> {
    let m = CompareManifest {
        empsim_version: BUILD.version,
        command: "compare",
        scenarios: o
            .runs
            .iter()
            .map(|r| ManifestScenario {
                name: &r.scenario.name,
                description: &r.scenario.description,
                files: &r.scenario.files,
                base_year: r.scenario.base_year,
                end_year: r.scenario.end_year,
                targets: r.scenario.targets.len(),
                resolved: resolved(&r.scenario, o.paths, o.seed),
            })
            .collect(),
        baseline_scenario: &o.runs[0].scenario.name,
        seed: o.seed,
        paths: o.paths,
        threads: o.threads,
        years: o.years,
        common_random_numbers: "every scenario runs the same paths from the same master seed; \
diff_se is the standard error of the paired difference sd(I_s - I_baseline)/sqrt(n)",
        quantile_estimator: "Hyndman-Fan type 7 (linear interpolation, as R and NumPy default)",
        outputs,
        elapsed_seconds: timings,
        record: Record::of(dir, outputs)?,
    };
    write_json(&dir.join("manifest.json"), &m)
}

#[derive(Serialize)]
struct DiscoverManifest<'a> {
    empsim_version: &'a str,
    command: &'a str,
    scenario: &'a str,
    files: &'a [SourceFile],
    target: &'a str,
    cases: crate::analysis::discover::Cases,
    paths: usize,
    seed: u64,
    prim: crate::sensitivity::prim::PrimOptions,
    min_coverage: f64,
    /// The inputs peeled on, in the columns' order of draws.csv.
    inputs: Vec<&'a str>,
    chosen_step: Option<usize>,
    /// Every file of the folder (relative, `/`-separated): what empsim may replace.
    outputs: &'a [String],
    resolved_scenario: serde_json::Value,
    elapsed_seconds: f64,
    #[serde(flatten)]
    record: Record,
}

/// Writes the `manifest.json` of a discovery into `dir`.
pub fn write_discover(
    dir: &Path,
    d: &crate::analysis::discover::Discovery,
    outputs: &[String],
    elapsed: f64,
) -> Result<()> {
    let s = &d.settings;
    let m = DiscoverManifest {
        empsim_version: BUILD.version,
        command: "discover",
        scenario: &d.scenario.name,
        files: &d.scenario.files,
        target: &d.scenario.targets[s.target].id,
        cases: s.cases,
        paths: s.paths,
        seed: s.seed,
        prim: s.prim,
        min_coverage: s.min_coverage,
        inputs: d.inputs.iter().map(|i| i.name.as_str()).collect(),
        chosen_step: d.chosen,
        outputs,
        resolved_scenario: resolved(&d.scenario, s.paths, s.seed),
        elapsed_seconds: elapsed,
        record: Record::of(dir, outputs)?,
    };
    write_json(&dir.join("manifest.json"), &m)
}
