//! The tables of `empsim sens`: `indices.csv` (one row per metric, year, factor and
//! statistic) and `factors.csv` (what each factor sets).

use super::{finish, fixed4_opt, writer};
use crate::analysis::sens::SensStudy;
use crate::error::Result;
use crate::outdir::io_err;
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct IndexRecord<'a> {
    scenario: &'a str,
    method: &'a str,
    metric: &'a str,
    year: i32,
    parameter: &'a str,
    statistic: &'a str,
    #[serde(serialize_with = "fixed4_opt")]
    estimate: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    ci_low: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    ci_high: Option<f64>,
    flag: &'a str,
}

/// Writes `indices.csv`.
pub fn write_indices(path: &Path, study: &SensStudy) -> Result<()> {
    let mut w = writer(path)?;
    for r in study.rows() {
        w.serialize(IndexRecord {
            scenario: &study.scenario.name,
            method: study.method.key(),
            metric: &r.metric,
            year: r.year,
            parameter: &r.parameter,
            statistic: r.statistic,
            estimate: r.estimate,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            flag: &r.flag,
        })
        .map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}

#[derive(Serialize)]
struct FactorRecord<'a> {
    parameter: &'a str,
    distribution: String,
    parameters_set: String,
    source: &'a str,
}

/// Writes `factors.csv`.
pub fn write_factors(path: &Path, study: &SensStudy) -> Result<()> {
    let mut w = writer(path)?;
    for f in &study.factors {
        let names: Vec<&str> = f
            .slots
            .iter()
            .map(|&s| study.scenario.params[s].name.as_str())
            .collect();
        w.serialize(FactorRecord {
            parameter: &f.name,
            distribution: f.dist.describe(),
            parameters_set: names.join(" "),
            source: if f.from_command_line {
                "--range"
            } else {
                "scenario"
            },
        })
        .map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}

/// Writes a Sobol' study's design and outputs in SALib's layout into `dir` (`salib/`):
/// `problem.json` (`num_vars`, `names`, and each factor's distribution as empsim states
/// it), `X.txt` (the design, one row per evaluation, space-separated, `numpy.loadtxt`-able)
/// and `Y.csv` (one column per output, `<metric>@<year>`), both in the row order of SALib's
/// sampler for `calc_second_order=False` ([`crate::sensitivity::sobol::SobolRun::salib_order`]),
/// so that `SALib.analyze.sobol.analyze(problem, Y[:, k], calc_second_order=False)` gives
/// the indices of `indices.csv`. Numbers are written in full (shortest round-trip form).
pub fn write_salib(
    dir: &Path,
    study: &SensStudy,
    run: &crate::sensitivity::sobol::SobolRun,
) -> Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let problem = serde_json::json!({
        "num_vars": study.factors.len(),
        "names": study.factors.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        "empsim_distributions": study.factors.iter().map(|f| f.dist.describe()).collect::<Vec<_>>(),
        "calc_second_order": false,
        "base_samples": run.design.n_base,
        "scramble_seed": run.design.scramble,
    });
    let path = dir.join("problem.json");
    let mut f = super::create(&path)?;
    serde_json::to_writer_pretty(&mut f, &problem).map_err(|e| io_err(&path, e))?;
    writeln!(f).map_err(|e| io_err(&path, e))?;
    let order = run.salib_order();
    let path = dir.join("X.txt");
    let mut f = std::io::BufWriter::new(super::create(&path)?);
    for &i in &order {
        let line: Vec<String> = run.design.points[i]
            .iter()
            .map(|v| format!("{v:?}"))
            .collect();
        writeln!(f, "{}", line.join(" ")).map_err(|e| io_err(&path, e))?;
    }
    f.flush().map_err(|e| io_err(&path, e))?;
    let path = dir.join("Y.csv");
    let mut f = std::io::BufWriter::new(super::create(&path)?);
    let labels: Vec<String> = study
        .metrics
        .iter()
        .flat_map(|m| m.years.iter().map(move |y| format!("{}@{y}", m.label)))
        .collect();
    writeln!(f, "{}", labels.join(",")).map_err(|e| io_err(&path, e))?;
    for &i in &order {
        let line: Vec<String> = run.outputs[i].iter().map(|v| format!("{v:?}")).collect();
        writeln!(f, "{}", line.join(",")).map_err(|e| io_err(&path, e))?;
    }
    f.flush().map_err(|e| io_err(&path, e))
}
