//! CSV exporters: tidy long tables that pandas, R and Excel read at once. Numbers are
//! written with fixed precision (4 decimals) so files are stable and diffable.

use crate::engine::{Conditioning, Engine};
use crate::error::Result;
use crate::outdir::{create, io_err};
use crate::scenario::{BaselineKind, Provenance, Scenario};
use crate::stats::{Measure, SeriesSummary, TargetResult};
use serde::{Serialize, Serializer};
use std::path::Path;

pub mod backtest;
pub mod compare;
pub mod observations;
pub mod sens;

pub use observations::write_observations;
pub use sens::{write_factors as write_sens_factors, write_indices as write_sens_indices};

pub(crate) fn fixed4<S: Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&fmt4(*v))
}

pub(crate) fn fixed4_opt<S: Serializer>(
    v: &Option<f64>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.serialize_str(&fmt4(*x)),
        None => s.serialize_str(""),
    }
}

/// Formats with 4 decimals; `-0.0000` is written as `0.0000`.
pub fn fmt4(v: f64) -> String {
    let s = format!("{v:.4}");
    if s == "-0.0000" { "0.0000".into() } else { s }
}

/// The column of the target-setting level at probability `p` (at most 4 decimals):
/// `level_p80` for 0.8, `level_p05` for 0.05, `level_p97.5` for 0.975, `level_p99.99` for
/// 0.9999.
pub fn level_column(p: f64) -> String {
    let bp = (p * 10_000.0).round() as u32;
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => format!("level_p{whole:02}"),
        f if f % 10 == 0 => format!("level_p{whole:02}.{}", f / 10),
        f => format!("level_p{whole:02}.{f:02}"),
    }
}

/// The cells of the target-setting levels at `probs`, in that order: 4 decimals, empty where
/// `levels` has no level (a `level_about` target, or a target the scenario lacks).
pub(crate) fn level_cells<'a>(
    levels: &'a [(f64, Option<f64>)],
    probs: &'a [f64],
) -> impl Iterator<Item = String> + 'a {
    probs.iter().map(|p| {
        levels
            .iter()
            .find(|(q, _)| q == p)
            .and_then(|(_, l)| *l)
            .map(fmt4)
            .unwrap_or_default()
    })
}

/// One row of `quantiles.csv`.
#[derive(Serialize)]
struct QuantileRow<'a> {
    scenario: &'a str,
    region: &'a str,
    indicator: &'a str,
    measure: Measure,
    year: i32,
    #[serde(serialize_with = "fixed4")]
    mean: f64,
    #[serde(serialize_with = "fixed4")]
    sd: f64,
    #[serde(serialize_with = "fixed4")]
    p05: f64,
    #[serde(serialize_with = "fixed4")]
    p10: f64,
    #[serde(serialize_with = "fixed4")]
    p25: f64,
    #[serde(serialize_with = "fixed4")]
    p50: f64,
    #[serde(serialize_with = "fixed4")]
    p75: f64,
    #[serde(serialize_with = "fixed4")]
    p90: f64,
    #[serde(serialize_with = "fixed4")]
    p95: f64,
}

pub(crate) fn writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    Ok(csv::Writer::from_writer(create(path)?))
}

pub(crate) fn finish(path: &Path, mut w: csv::Writer<std::fs::File>) -> Result<()> {
    w.flush().map_err(|e| io_err(path, e))
}

/// Writes `quantiles.csv`.
pub fn write_quantiles(path: &Path, scn: &Scenario, rows: &[SeriesSummary]) -> Result<()> {
    write_quantiles_of(path, &[(scn, rows)])
}

/// Writes the quantiles of several scenarios into one `quantiles.csv` (`empsim compare`).
pub fn write_quantiles_of(path: &Path, runs: &[(&Scenario, &[SeriesSummary])]) -> Result<()> {
    let mut w = writer(path)?;
    for (scn, rows) in runs {
        for r in *rows {
            let key = scn.series[r.series];
            let q = r.q;
            w.serialize(QuantileRow {
                scenario: &scn.name,
                region: &scn.regions[key.region].id,
                indicator: key.indicator.key(),
                measure: r.measure,
                year: r.year,
                mean: r.mean,
                sd: r.sd,
                p05: q[0],
                p10: q[1],
                p25: q[2],
                p50: q[3],
                p75: q[4],
                p90: q[5],
                p95: q[6],
            })
            .map_err(|e| io_err(path, e))?;
        }
    }
    finish(path, w)
}

/// Writes `targets.csv`: one row per target. The `level_p<…>` columns (one per probability
/// of `level_probs`, see [`level_column`]) hold the target-setting levels, empty for
/// `level_about` targets; the `on_track_<year>` columns hold the glide-path probability for
/// the years of the target's period and are empty otherwise.
pub fn write_targets(
    path: &Path,
    scn: &Scenario,
    results: &[TargetResult],
    level_probs: &[f64],
) -> Result<()> {
    let years = scn.years();
    let mut w = csv::Writer::from_writer(create(path)?);
    let mut header: Vec<String> = [
        "scenario",
        "target_id",
        "region",
        "indicator",
        "kind",
        "applies",
        "period",
        "target_value",
        "tolerance",
        "nature",
        "p_met",
        "p_met_se",
        "outcome_p50",
        "outcome_p05",
        "outcome_p95",
        "expected_shortfall",
        "shortfall_if_missed",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(level_probs.iter().map(|&p| level_column(p)));
    // Progress columns only where the scenario is conditioned on observations, so an
    // unconditioned run's table is unchanged.
    let conditioned = scn.observations.is_some();
    if conditioned {
        header.extend(PROGRESS_COLUMNS.iter().map(|s| s.to_string()));
    }
    header.extend(years.iter().map(|y| format!("on_track_{y}")));
    header.extend(["source".to_string(), "quote".to_string()]);
    w.write_record(&header).map_err(|e| io_err(path, e))?;
    for r in results {
        let t = &scn.targets[r.target];
        let mut rec = vec![
            scn.name.clone(),
            t.id.clone(),
            scn.regions[t.region].id.clone(),
            t.indicator.key().to_string(),
            t.kind.key().to_string(),
            t.applies.map_or("", |a| a.key()).to_string(),
            t.period_label(),
            fmt4(t.value),
            t.tolerance.map(fmt4).unwrap_or_default(),
            t.nature.key().to_string(),
            fmt4(r.p_met),
            fmt4(r.p_met_se),
            fmt4(r.outcome_p50),
            fmt4(r.outcome_p05),
            fmt4(r.outcome_p95),
            fmt4(r.expected_shortfall),
            fmt4(r.shortfall_if_missed),
        ];
        rec.extend(level_cells(&r.levels, level_probs));
        if conditioned {
            rec.extend(progress_cells(r.progress.as_ref()));
        }
        for y in &years {
            rec.push(
                r.glide
                    .iter()
                    .find(|(gy, _)| gy == y)
                    .map(|(_, p)| fmt4(*p))
                    .unwrap_or_default(),
            );
        }
        rec.push(t.source.clone());
        rec.push(t.quote.clone());
        w.write_record(&rec).map_err(|e| io_err(path, e))?;
    }
    w.flush().map_err(|e| io_err(path, e))
}

/// The progress columns of a conditioned run's `targets.csv`.
const PROGRESS_COLUMNS: [&str; 6] = [
    "observed_years",
    "achieved",
    "remaining",
    "remaining_years",
    "pace_so_far",
    "required_pace",
];

/// The cells of [`PROGRESS_COLUMNS`]: empty for a target without observed years.
fn progress_cells(p: Option<&crate::stats::Progress>) -> Vec<String> {
    let Some(p) = p else {
        return vec![String::new(); PROGRESS_COLUMNS.len()];
    };
    vec![
        p.observed_years
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(";"),
        fmt4(p.achieved),
        p.remaining.map(fmt4).unwrap_or_default(),
        p.remaining_years.to_string(),
        fmt4(p.pace_so_far),
        p.required_pace.map(fmt4).unwrap_or_default(),
    ]
}

#[derive(Serialize)]
struct BaselineRow<'a> {
    scenario: &'a str,
    region: &'a str,
    indicator: &'a str,
    /// `cumulative`, `annual`, `level`, or `single_year` (one year's figure inside a
    /// cumulative baseline's window, e.g. Shaoyang's 2020 flow beside its 2016-2020 total).
    kind: &'static str,
    first_year: i32,
    last_year: i32,
    #[serde(serialize_with = "fixed4")]
    value: f64,
    /// The yearly average for cumulative values (value ÷ years), else the value.
    #[serde(serialize_with = "fixed4")]
    yearly_average: f64,
    provenance: &'static str,
    source: String,
    quote: String,
}

/// Writes `baselines.csv`: the historical values the scenario is built on, one row per
/// figure (a single-year figure given beside a cumulative total gets its own row, kind
/// `single_year`).
pub fn write_baselines(path: &Path, scn: &Scenario) -> Result<()> {
    let mut w = writer(path)?;
    for r in &scn.regions {
        for b in &r.baselines {
            let (source, quote) = split_provenance(&b.provenance);
            let years = f64::from(b.last_year - b.first_year + 1);
            let kind = match b.kind {
                BaselineKind::Cumulative => "cumulative",
                BaselineKind::Annual => "annual",
                BaselineKind::Level => "level",
            };
            w.serialize(BaselineRow {
                scenario: &scn.name,
                region: &r.id,
                indicator: b.indicator.key(),
                kind,
                first_year: b.first_year,
                last_year: b.last_year,
                value: b.value,
                yearly_average: b.value / years,
                provenance: b.provenance.label(),
                source,
                quote,
            })
            .map_err(|e| io_err(path, e))?;
            if let Some(y) = &b.single_year {
                let (source, quote) = split_provenance(&y.provenance);
                w.serialize(BaselineRow {
                    scenario: &scn.name,
                    region: &r.id,
                    indicator: b.indicator.key(),
                    kind: "single_year",
                    first_year: y.year,
                    last_year: y.year,
                    value: y.value,
                    yearly_average: y.value,
                    provenance: y.provenance.label(),
                    source,
                    quote,
                })
                .map_err(|e| io_err(path, e))?;
            }
        }
    }
    finish(path, w)
}

fn split_provenance(p: &Provenance) -> (String, String) {
    match p {
        Provenance::Plan { source, quote } => (source.clone(), quote.clone()),
        Provenance::Assumption {
            rationale,
            source,
            quote,
        } => (
            source.clone().unwrap_or_default(),
            match quote {
                Some(q) => format!("{q} — {rationale}"),
                None => rationale.clone(),
            },
        ),
    }
}

#[derive(Serialize)]
struct ParamRow<'a> {
    scenario: &'a str,
    parameter: &'a str,
    distribution: String,
    #[serde(serialize_with = "fixed4")]
    mean: f64,
    #[serde(serialize_with = "fixed4_opt")]
    low: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    high: Option<f64>,
    provenance: &'static str,
    source: String,
    quote_or_rationale: String,
}

/// A parameter's posterior, in `parameters.csv` of a conditioned run.
#[derive(Serialize)]
struct PosteriorCols {
    #[serde(serialize_with = "fixed4_opt")]
    posterior_mean: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    posterior_sd: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    posterior_p05: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    posterior_p50: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    posterior_p95: Option<f64>,
}

/// Writes `parameters.csv`: every parameter with its distribution and provenance; for a
/// conditioned run also its posterior (mean, sd, 5/50/95 % quantiles over the final
/// paths; empty for a parameter the filter does not move).
pub fn write_parameters(path: &Path, scn: &Scenario, cond: Option<&Conditioning>) -> Result<()> {
    let mut w = writer(path)?;
    if let Some(c) = cond {
        // A flattened struct makes serde write a map, which csv cannot head: write the
        // header row by hand.
        w.write_record([
            "scenario",
            "parameter",
            "distribution",
            "mean",
            "low",
            "high",
            "provenance",
            "source",
            "quote_or_rationale",
            "posterior_mean",
            "posterior_sd",
            "posterior_p05",
            "posterior_p50",
            "posterior_p95",
        ])
        .map_err(|e| io_err(path, e))?;
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(w.into_inner().map_err(|e| io_err(path, e.into_error()))?);
        for (slot, p) in scn.params.iter().enumerate() {
            let post = c.parameters.iter().find(|q| q.slot == slot);
            let row = param_row(scn, p);
            let posterior = PosteriorCols {
                posterior_mean: post.map(|q| q.mean),
                posterior_sd: post.map(|q| q.sd),
                posterior_p05: post.map(|q| q.q05),
                posterior_p50: post.map(|q| q.q50),
                posterior_p95: post.map(|q| q.q95),
            };
            w.serialize((row, posterior)).map_err(|e| io_err(path, e))?;
        }
        return finish(path, w);
    }
    for p in &scn.params {
        w.serialize(param_row(scn, p))
            .map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}

fn param_row<'a>(scn: &'a Scenario, p: &'a crate::scenario::Param) -> ParamRow<'a> {
    let (source, text) = split_provenance(&p.provenance);
    let (lo, hi) = p.dist.support();
    ParamRow {
        scenario: &scn.name,
        parameter: &p.name,
        distribution: p.dist.describe(),
        mean: p.dist.mean(),
        low: lo.is_finite().then_some(lo),
        high: hi.is_finite().then_some(hi),
        provenance: p.provenance.label(),
        source,
        quote_or_rationale: text,
    }
}

/// Writes `paths.csv` (`--keep-paths`): every path's value of every series and year,
/// path by path. The paths are simulated a block at a time and each block's rows are
/// formatted in parallel, then written in order: the file is streamed, not held.
pub fn write_paths(path: &Path, scn: &Scenario, engine: &Engine) -> Result<()> {
    use rayon::prelude::*;
    use std::io::Write;
    let file = create(path)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let years = scn.years();
    let e = |err| io_err(path, err);
    writeln!(out, "path,region,indicator,year,value").map_err(e)?;
    let labels: Vec<(&str, &str)> = scn
        .series
        .iter()
        .map(|key| (scn.regions[key.region].id.as_str(), key.indicator.key()))
        .collect();
    engine.for_each_path_block(PATHS_BLOCK_VALUES, |sim| -> Result<()> {
        let columns: Vec<Vec<&[f64]>> = (0..labels.len()).map(|s| sim.columns(s)).collect();
        let format = |ps: &[usize]| {
            let mut text = String::new();
            for &p in ps {
                for (s, (region, indicator)) in labels.iter().enumerate() {
                    for (k, v) in columns[s].iter().map(|c| c[p]).enumerate() {
                        use std::fmt::Write as _;
                        let _ = writeln!(
                            text,
                            "{},{region},{indicator},{},{}",
                            sim.first_path + p,
                            years[k],
                            fmt4(v)
                        );
                    }
                }
            }
            text
        };
        // Waves of 16 runs of 256 paths formatted in parallel, then written in order: the
        // text held at once stays small whatever the number of paths.
        let paths: Vec<usize> = (0..sim.n_paths).collect();
        for wave in paths.chunks(16 * 256) {
            let texts: Vec<String> = wave.par_chunks(256).map(format).collect();
            for t in texts {
                out.write_all(t.as_bytes()).map_err(e)?;
            }
        }
        Ok(())
    })?;
    out.flush().map_err(e)
}

/// The values of a block of paths `paths.csv` is written from (1 M values, 8 MB).
const PATHS_BLOCK_VALUES: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_precision_has_no_negative_zero() {
        assert_eq!(fmt4(-0.00001), "0.0000");
        assert_eq!(fmt4(1.23456), "1.2346");
        assert_eq!(fmt4(550.0), "550.0000");
    }

    #[test]
    fn level_columns_are_named_after_their_probability() {
        let names: Vec<String> = [0.5, 0.8, 0.9, 0.95, 0.05, 0.975, 0.9999, 0.0001]
            .into_iter()
            .map(level_column)
            .collect();
        assert_eq!(
            names,
            [
                "level_p50",
                "level_p80",
                "level_p90",
                "level_p95",
                "level_p05",
                "level_p97.5",
                "level_p99.99",
                "level_p00.01"
            ]
        );
        let levels = [(0.5, Some(30.0)), (0.8, None)];
        let cells: Vec<String> = level_cells(&levels, &[0.8, 0.5, 0.9]).collect();
        assert_eq!(cells, ["", "30.0000", ""]);
    }
}
