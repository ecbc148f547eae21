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
pub mod discover;
pub mod observations;
pub mod sens;

pub use observations::write_observations;
pub use sens::{
    write_factors as write_sens_factors, write_indices as write_sens_indices, write_salib,
};

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

/// Writes `targets.csv`: one row per target. `p_met_se` (the binomial standard error) is
/// empty where P(met) is 0 or 1, where it is 0 and says nothing; `p_met_low`/`p_met_high`
/// are the 95 % Wilson interval over `paths` paths, honest there too.
/// `shortfall_if_missed` is empty when no path misses. The `level_p<…>` columns (one per
/// probability of `level_probs`, see [`level_column`]) hold the target-setting levels,
/// empty for `level_about` targets. The glide path is in `on_track.csv`
/// ([`write_on_track`]).
pub fn write_targets(
    path: &Path,
    scn: &Scenario,
    results: &[TargetResult],
    level_probs: &[f64],
    paths: usize,
) -> Result<()> {
    let mut w = csv::Writer::from_writer(create(path)?);
    let mut header: Vec<String> = TARGET_COLUMNS.iter().map(|s| s.to_string()).collect();
    header.extend(level_probs.iter().map(|&p| level_column(p)));
    // Progress columns only where the scenario is conditioned on observations, so an
    // unconditioned run's table is unchanged.
    let conditioned = scn.observations.is_some();
    if conditioned {
        header.extend(PROGRESS_COLUMNS.iter().map(|s| s.to_string()));
    }
    header.extend(["source", "source_title", "quote", "assumption"].map(String::from));
    w.write_record(&header).map_err(|e| io_err(path, e))?;
    for r in results {
        let t = &scn.targets[r.target];
        let (low, high) = crate::stats::wilson_interval(r.p_met, paths);
        let certain = r.p_met == 0.0 || r.p_met == 1.0;
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
            if certain {
                String::new()
            } else {
                fmt4(r.p_met_se)
            },
            fmt4(low),
            fmt4(high),
            fmt4(r.outcome_p50),
            fmt4(r.outcome_p05),
            fmt4(r.outcome_p95),
            fmt4(r.expected_shortfall),
            if r.p_met == 1.0 {
                String::new()
            } else {
                fmt4(r.shortfall_if_missed)
            },
        ];
        rec.extend(level_cells(&r.levels, level_probs));
        if conditioned {
            rec.extend(progress_cells(r.progress.as_ref()));
        }
        rec.push(t.source.clone());
        rec.push(scn.source_title_text(&t.source));
        rec.push(t.quote.clone());
        rec.push(t.assumption.clone().unwrap_or_default());
        w.write_record(&rec).map_err(|e| io_err(path, e))?;
    }
    w.flush().map_err(|e| io_err(path, e))
}

/// The columns of `targets.csv` before the target-setting levels.
pub const TARGET_COLUMNS: [&str; 19] = [
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
    "p_met_low",
    "p_met_high",
    "outcome_p50",
    "outcome_p05",
    "outcome_p95",
    "expected_shortfall",
    "shortfall_if_missed",
];

/// One row of `on_track.csv`.
#[derive(Serialize)]
struct OnTrackRow<'a> {
    scenario: &'a str,
    target_id: &'a str,
    region: &'a str,
    indicator: &'a str,
    period: String,
    year: i32,
    #[serde(serialize_with = "fixed4")]
    p_on_track: f64,
}

/// Writes `on_track.csv`, the glide path in long form: one row per target and year of its
/// period with P(on track) in that year (for cumulative floors the running sum is at
/// least the pro-rata share of the target; for level targets the condition holds, see
/// [`TargetResult::glide`]).
pub fn write_on_track(path: &Path, scn: &Scenario, results: &[TargetResult]) -> Result<()> {
    let mut w = writer(path)?;
    for r in results {
        let t = &scn.targets[r.target];
        for &(year, p) in &r.glide {
            w.serialize(OnTrackRow {
                scenario: &scn.name,
                target_id: &t.id,
                region: &scn.regions[t.region].id,
                indicator: t.indicator.key(),
                period: t.period_label(),
                year,
                p_on_track: p,
            })
            .map_err(|e| io_err(path, e))?;
        }
    }
    finish(path, w)
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
    /// The title of the source document (`[sources]`), or the id when not listed.
    source_title: String,
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
                source_title: scn.source_title_text(&source),
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
                    source_title: scn.source_title_text(&source),
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
    parameter: std::borrow::Cow<'a, str>,
    distribution: String,
    #[serde(serialize_with = "fixed4")]
    mean: f64,
    #[serde(serialize_with = "fixed4_opt")]
    low: Option<f64>,
    #[serde(serialize_with = "fixed4_opt")]
    high: Option<f64>,
    provenance: &'static str,
    source: String,
    /// The title of the source document (`[sources]`), or the id when not listed.
    source_title: String,
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

/// Writes `parameters.csv`: every parameter with its distribution and provenance, then the
/// fixed inputs of the model that are not drawn (`structure_rows`): the growth path
/// (one row per year) and the correlation of the regions' growth surprises. For a
/// conditioned run also each parameter's posterior (mean, sd, 5/50/95 % quantiles over
/// the final paths; empty for a parameter the filter does not move, and for the fixed
/// inputs).
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
        for row in structure_rows(scn) {
            let none = PosteriorCols {
                posterior_mean: None,
                posterior_sd: None,
                posterior_p05: None,
                posterior_p50: None,
                posterior_p95: None,
            };
            w.serialize((row, none)).map_err(|e| io_err(path, e))?;
        }
        return finish(path, w);
    }
    for row in scn.params.iter().map(|p| param_row(scn, p)) {
        w.serialize(row).map_err(|e| io_err(path, e))?;
    }
    for row in structure_rows(scn) {
        w.serialize(row).map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}

/// The most simulated regions whose correlation matrix `parameters.csv` lists entry by
/// entry; a larger matrix is summarised by its smallest, mean and largest off-diagonal
/// entry.
pub const MATRIX_ENTRIES_UP_TO: usize = 30;

/// The fixed (not drawn) inputs of the model as `parameters.csv` rows, distribution
/// `fixed`: `growth.path.values.<year>` per projection year, then the correlation of the
/// simulated regions' growth surprises: `correlation.common` and
/// `correlation.within_parent`, or for a matrix `correlation.matrix.<a>.<b>` per pair
/// (up to [`MATRIX_ENTRIES_UP_TO`] regions; then `correlation.matrix.min`, `.mean`,
/// `.max` of the off-diagonal entries).
fn structure_rows(scn: &Scenario) -> Vec<ParamRow<'_>> {
    use crate::scenario::CorrelationStructure as C;
    let fixed = |name: String, value: f64, prov: &Provenance| {
        let (source, text) = split_provenance(prov);
        ParamRow {
            scenario: &scn.name,
            parameter: name.into(),
            distribution: "fixed".into(),
            mean: value,
            low: None,
            high: None,
            provenance: prov.label(),
            source_title: scn.source_title_text(&source),
            source,
            quote_or_rationale: text,
        }
    };
    let mut rows: Vec<ParamRow> = scn
        .years()
        .iter()
        .zip(&scn.growth.path)
        .map(|(y, &g)| {
            fixed(
                format!("growth.path.values.{y}"),
                g,
                &scn.growth.path_provenance,
            )
        })
        .collect();
    let prov = &scn.correlation.provenance;
    match &scn.correlation.structure {
        C::Factor {
            common,
            within_parent,
            ..
        } => {
            rows.push(fixed("correlation.common".into(), *common, prov));
            if let Some(w) = within_parent {
                rows.push(fixed("correlation.within_parent".into(), *w, prov));
            }
        }
        C::Matrix { matrix, .. } => {
            let ids: Vec<&str> = scn
                .leaves
                .iter()
                .map(|&l| scn.regions[l].id.as_str())
                .collect();
            let n = ids.len().min(matrix.nrows());
            let pairs = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j)));
            if n <= MATRIX_ENTRIES_UP_TO {
                for (i, j) in pairs {
                    let name = format!("correlation.matrix.{}.{}", ids[i], ids[j]);
                    rows.push(fixed(name, matrix[(i, j)], prov));
                }
            } else {
                let off: Vec<f64> = pairs.map(|(i, j)| matrix[(i, j)]).collect();
                let min = off.iter().copied().fold(f64::INFINITY, f64::min);
                let max = off.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mean = off.iter().sum::<f64>() / off.len() as f64;
                for (k, v) in [("min", min), ("mean", mean), ("max", max)] {
                    rows.push(fixed(format!("correlation.matrix.{k}"), v, prov));
                }
            }
        }
    }
    rows
}

fn param_row<'a>(scn: &'a Scenario, p: &'a crate::scenario::Param) -> ParamRow<'a> {
    let (source, text) = split_provenance(&p.provenance);
    let (lo, hi) = p.dist.support();
    ParamRow {
        scenario: &scn.name,
        parameter: p.name.as_str().into(),
        distribution: p.dist.describe(),
        mean: p.dist.mean(),
        low: lo.is_finite().then_some(lo),
        high: hi.is_finite().then_some(hi),
        provenance: p.provenance.label(),
        source_title: scn.source_title_text(&source),
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

/// Writes `draws.csv` of `run --keep-draws`: per path, its draw of every parameter declared
/// with a distribution and every shock's scale (0 where it does not happen), the columns of
/// [`crate::analysis::discover::draw_columns`]; in a conditioned run, the conditioned
/// paths' parameters. Streamed a wave of paths at a time, values in shortest round-trip form.
pub fn write_draws(path: &Path, scn: &Scenario, engine: &Engine) -> Result<()> {
    use rayon::prelude::*;
    use std::io::Write;
    let columns = crate::analysis::discover::draw_columns(scn);
    let file = create(path)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let e = |err| io_err(path, err);
    let mut header = String::from("path");
    for (name, _) in &columns {
        header.push(',');
        header.push_str(name);
    }
    writeln!(out, "{header}").map_err(e)?;
    let paths: Vec<usize> = (0..engine.paths()).collect();
    for wave in paths.chunks(16 * 256) {
        let texts: Vec<String> = wave
            .par_chunks(256)
            .map(|ps| {
                use std::fmt::Write as _;
                let mut text = String::new();
                for &p in ps {
                    let d = engine.path_draws(p);
                    let _ = write!(text, "{p}");
                    for (_, source) in &columns {
                        let _ = write!(text, ",{}", source.of(&d));
                    }
                    text.push('\n');
                }
                text
            })
            .collect();
        for t in texts {
            out.write_all(t.as_bytes()).map_err(e)?;
        }
    }
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
