//! The charts of an `empsim sens` run, built from its [`SensStudy`] and written into its
//! output folder next to `indices.csv`, one set per metric (its final year, plus the years for
//! Sobol'):
//!
//! - OAT: `tornado-<metric>.png`;
//! - Morris: `morris-<metric>.png`;
//! - Sobol': `sobol-<metric>.png` and `sobol-years-<metric>.png`;
//!
//! where `<metric>` is [`metric_slug`] of the metric's label.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analysis::sens::{Indices, Method, Metric, MetricKind, OutcomeStat, SensStudy, percent};
use crate::chart::indices::{
    MorrisChart, SobolBarChart, SobolYearSeries, SobolYearsChart, TornadoChart, render_morris_rgb,
    render_sobol_bars_rgb, render_sobol_years_rgb, render_tornado_rgb,
};
use crate::chart::{ChartError, RenderedChart};
use crate::error::Result;
use crate::sensitivity::{MorrisResult, OatResult, SobolResult};

use crate::scenario::Scenario;

/// One chart of a sensitivity run.
#[derive(Debug, Clone, PartialEq)]
pub enum SensChart {
    Tornado(TornadoChart),
    Morris(MorrisChart),
    SobolBars(SobolBarChart),
    SobolYears(SobolYearsChart),
}

impl SensChart {
    /// Renders the chart into memory.
    ///
    /// # Errors
    /// As the chart kind's renderer.
    pub fn render_rgb(&self) -> std::result::Result<RenderedChart, ChartError> {
        match self {
            SensChart::Tornado(c) => render_tornado_rgb(c),
            SensChart::Morris(c) => render_morris_rgb(c),
            SensChart::SobolBars(c) => render_sobol_bars_rgb(c),
            SensChart::SobolYears(c) => render_sobol_years_rgb(c),
        }
    }
}

/// A chart to write: its file name in the output folder, its metric and its spec.
#[derive(Debug, Clone, PartialEq)]
pub struct SensChartJob {
    pub file_name: String,
    /// The metric's label, e.g. `p_met:xinxiang.rural_transfer_new.cumulative_floor`.
    pub metric: String,
    pub chart: SensChart,
}

/// The file-name form of a metric label: lower case, every character other than `a-z`, `0-9`,
/// `_` and `-` replaced by `-` (`p_met:kaifeng.urban_new_jobs.cumulative_floor` →
/// `p_met-kaifeng-urban_new_jobs-cumulative_floor`).
pub fn metric_slug(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The charts of `o`, in metric order (OAT, Morris: one per metric; Sobol': two). File names
/// are unique: a slug met before gets `-2`, `-3`, ….
pub fn jobs(o: &SensStudy) -> Vec<SensChartJob> {
    let footer = footer(o);
    let mut out = Vec::new();
    let mut slugs: Vec<String> = Vec::new();
    let mut offset = 0;
    for m in &o.metrics {
        let first = offset;
        offset += m.years.len();
        let Some(&year) = m.years.last() else {
            continue;
        };
        let base = metric_slug(&m.label);
        let mut slug = base.clone();
        let mut n = 1;
        while slugs.contains(&slug) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        slugs.push(slug.clone());
        let text = MetricText::new(&o.scenario, m);
        let c = MetricCharts {
            scenario: &o.scenario.name,
            m,
            first,
            k: first + m.years.len() - 1,
            year,
            title: format!(
                "{} — {} {year}: {}",
                o.scenario.name,
                text.statistic(year),
                text.subject
            ),
            text,
            footer: footer.clone(),
        };
        let charts = match &o.indices {
            Indices::Oat(r) => {
                let run = o.run_outputs.get(c.k).copied().filter(|v| v.is_finite());
                vec![("tornado", c.tornado(r, run, o.paths))]
            }
            Indices::Morris(r) => vec![("morris", c.morris(r))],
            Indices::Sobol(r) => {
                // The doubts the terminal and indices.csv report, on the chart as well.
                let warnings = crate::analysis::sens::sobol_warnings(&o.scenario, r, c.k, m)
                    .into_iter()
                    .map(|w| format!("Warning: {}.", w.message))
                    .collect();
                vec![
                    ("sobol", c.sobol_bars(r, warnings)),
                    ("sobol-years", c.sobol_years(r)),
                ]
            }
        };
        out.extend(charts.into_iter().map(|(prefix, chart)| SensChartJob {
            file_name: format!("{prefix}-{slug}.png"),
            metric: m.label.clone(),
            chart,
        }));
    }
    out
}

/// What the charts of one metric share: its final output `k` (its outputs run from
/// `first`), final year, title, wording and footer.
struct MetricCharts<'a> {
    scenario: &'a str,
    m: &'a Metric,
    first: usize,
    k: usize,
    year: i32,
    title: String,
    text: MetricText,
    footer: String,
}

impl MetricCharts<'_> {
    fn tornado(&self, r: &OatResult, run: Option<f64>, paths: usize) -> SensChart {
        let nominal = r.nominal_outputs.get(self.k).copied().unwrap_or(f64::NAN);
        let rows = r.rows_for_output(self.k).to_vec();
        let p_met = matches!(self.m.kind, MetricKind::PMet { .. });
        let what = if p_met { "P(met)" } else { "output" };
        let notes = vec![format!(
            "Nominal: the {what} with every factor fixed at its nominal value (its median; the mode if triangular) on the same {paths} paths. {}",
            match run {
                Some(_) => format!(
                    "The run (dashed) draws every factor per path from its distribution, as empsim run does, so its {what} averages over the factors' uncertainty and can differ much from the nominal one."
                ),
                None => format!(
                    "empsim run draws every factor per path from its distribution, so its {what} averages over the factors' uncertainty and can differ much from the nominal one."
                ),
            }
        )];
        let flat = rows
            .iter()
            .all(|x| x.y_low == nominal && x.y_high == nominal);
        let flat_message = (p_met && flat && !rows.is_empty())
            .then(|| match nominal {
                1.0 => Some(
                    "Met on every path at every setting: P(met) = 1 at the nominal point and with each factor at its 5 % and 95 % quantile, so no factor moves it"
                        .to_owned(),
                ),
                0.0 => Some(
                    "Missed on every path at every setting: P(met) = 0 at the nominal point and with each factor at its 5 % and 95 % quantile, so no factor moves it"
                        .to_owned(),
                ),
                _ => None,
            })
            .flatten();
        SensChart::Tornado(TornadoChart {
            title: self.title.clone(),
            subtitle: format!(
                "One at a time: each factor at its 5 % and 95 % quantile, the others at their nominal values (median; mode if triangular) · metric {}",
                self.m.label
            ),
            x_label: self.text.axis(self.year, true),
            nominal,
            nominal_label: "Nominal (every factor at its median or mode)".into(),
            run: run.map(|v| (v, "Run (factors drawn per path)".into())),
            flat_message,
            rows,
            low_label: "Factor at its 5 % quantile".into(),
            high_label: "Factor at its 95 % quantile".into(),
            value_tags: ("5 %".into(), "95 %".into()),
            bounds: self.text.bounds,
            notes,
            footer: self.footer.clone(),
            size: (1200, 800),
        })
    }

    fn morris(&self, r: &MorrisResult) -> SensChart {
        SensChart::Morris(MorrisChart {
            title: self.title.clone(),
            subtitle: format!(
                "Morris elementary effects: μ* (Campolongo et al. 2007) ranks the factors, σ shows non-linearity or interactions · metric {}",
                self.m.label
            ),
            x_label: format!(
                "μ*: mean |elementary effect| on {}",
                self.text.axis(self.year, true)
            ),
            y_label: "σ: standard deviation of the elementary effects".into(),
            rows: r.rows_for_output(self.k).to_vec(),
            notes: Vec::new(),
            footer: self.footer.clone(),
            size: (1200, 800),
        })
    }

    fn sobol_bars(&self, r: &SobolResult, warnings: Vec<String>) -> SensChart {
        let sums = r
            .outputs
            .get(self.k)
            .and_then(|s| Some((s.sum_first_order?, s.sum_total?)))
            .map(|(f, t)| {
                format!(" · Σ S_i = {f:.3}, Σ S_Ti = {t:.3} (1 − Σ S_i: the share of interactions)")
            })
            .unwrap_or_default();
        SensChart::SobolBars(SobolBarChart {
            title: self.title.clone(),
            subtitle: format!(
                "Sobol' indices (Saltelli 2010 first-order, Jansen 1999 total){sums} · metric {}",
                self.m.label
            ),
            x_label: format!(
                "Sobol' index: share of the variance of {}",
                self.text.axis(self.year, false)
            ),
            rows: r.rows_for_output(self.k).to_vec(),
            first_label: "First-order S_i (the factor alone)".into(),
            total_label: "Total S_Ti (with its interactions)".into(),
            notes: warnings,
            footer: self.footer.clone(),
            size: (1200, 800),
        })
    }

    fn sobol_years(&self, r: &SobolResult) -> SensChart {
        let series = r
            .factors
            .iter()
            .enumerate()
            .map(|(i, f)| SobolYearSeries {
                factor: f.clone(),
                total: (self.first..=self.k)
                    .map(|kk| r.row(i, kk).and_then(|row| row.total))
                    .collect(),
            })
            .collect();
        let max_series = 6;
        SensChart::SobolYears(SobolYearsChart {
            title: format!(
                "{} — {} by year: {}",
                self.scenario,
                self.text.statistic_by_year(),
                self.text.subject
            ),
            subtitle: format!(
                "Total Sobol' index S_Ti per year of the factors with the largest in any year (at most {max_series}) · metric {}",
                self.m.label
            ),
            y_label: format!("Total index S_Ti of {}", self.text.axis_by_year()),
            x_label: "Year".into(),
            years: self.m.years.clone(),
            series,
            max_series,
            notes: Vec::new(),
            footer: self.footer.clone(),
            size: (1200, 800),
        })
    }
}

/// Renders every chart of `o` into `dir` in parallel and returns the files written, in the
/// order of [`jobs`].
///
/// # Errors
/// As [`super::chart_error`].
pub fn write_charts(dir: &Path, o: &SensStudy) -> Result<Vec<PathBuf>> {
    jobs(o)
        .par_iter()
        .map(|j| {
            let path = dir.join(&j.file_name);
            j.chart
                .render_rgb()
                .and_then(|img| img.save_png(&path))
                .map(|()| path.clone())
                .map_err(super::chart_error)
        })
        .collect()
}

/// `scenario henan-baseline · Sobol', N = 1024 scrambled (Owen), 1000 bootstrap resamples · 19456 evaluations ×
/// 500 paths each · seed 20211231 · empsim 0.1.0`.
fn footer(o: &SensStudy) -> String {
    let method = match (&o.indices, o.method) {
        (Indices::Oat(_), _) | (_, Method::Oat) => "OAT (5 % / 95 % quantiles)".to_owned(),
        (Indices::Morris(r), _) => format!(
            "Morris, r = {} trajectories, {} levels",
            r.options.trajectories, r.options.levels
        ),
        (Indices::Sobol(r), _) => format!(
            "Sobol', N = {} {}, {} bootstrap resamples",
            r.n_base,
            if r.options.scramble.is_some() {
                "scrambled (Owen)"
            } else {
                "unscrambled"
            },
            r.options.bootstrap
        ),
    };
    format!(
        "scenario {} · {method} · {} factors · {} evaluations × {} paths per evaluation · seed {} · empsim {}",
        o.scenario.name,
        o.factors.len(),
        o.evaluations,
        o.paths,
        o.seed,
        env!("CARGO_PKG_VERSION")
    )
}

/// How a metric reads in titles and on axes.
struct MetricText {
    /// `新乡市 Xinxiang, 新增农村劳动力转移就业 ≥ 11.2 万人 over 2021-2025`.
    subject: String,
    kind: MetricKind,
    last_target_year: Option<i32>,
    /// ` (cumulative from 2021)` or empty.
    cumulative: String,
    /// `万人` or `%`; none for probabilities.
    unit: Option<&'static str>,
    /// The natural range of the values (0–1 for probabilities).
    bounds: Option<(f64, f64)>,
}

impl MetricText {
    fn new(scn: &Scenario, m: &Metric) -> Self {
        match m.kind {
            MetricKind::PMet { target } | MetricKind::Outcome { target, .. } => {
                let t = &scn.targets[target];
                let r = &scn.regions[t.region];
                let what = crate::report::wording::requirement(t);
                let p_met = matches!(m.kind, MetricKind::PMet { .. });
                let cumulative = t.kind == crate::scenario::TargetKind::CumulativeFloor;
                MetricText {
                    subject: format!(
                        "{} {}, {} {what}",
                        r.name_zh,
                        r.name_en,
                        t.indicator.name_zh()
                    ),
                    kind: m.kind.clone(),
                    last_target_year: Some(t.last_year),
                    cumulative: if cumulative && !p_met {
                        format!(" (cumulative from {})", t.first_year)
                    } else {
                        String::new()
                    },
                    unit: (!p_met).then(|| crate::report::wording::unit_short(t.indicator)),
                    bounds: p_met.then_some((0.0, 1.0)),
                }
            }
            MetricKind::Mean { series, cumulative }
            | MetricKind::Median { series, cumulative }
            | MetricKind::Quantile {
                series, cumulative, ..
            } => {
                let s = &scn.series[series];
                let r = &scn.regions[s.region];
                let first = m.years.first().copied().unwrap_or(scn.base_year + 1);
                let cum = if cumulative {
                    format!(" (cumulative from {first})")
                } else {
                    String::new()
                };
                MetricText {
                    subject: format!(
                        "{} {}, {} {}{cum}",
                        r.name_zh,
                        r.name_en,
                        s.indicator.name_zh(),
                        s.indicator.name_en()
                    ),
                    kind: m.kind.clone(),
                    last_target_year: None,
                    cumulative: cum,
                    unit: Some(crate::report::wording::unit_short(s.indicator)),
                    bounds: None,
                }
            }
        }
    }

    /// `P(met) 2025` in the target's last year, else `P(on track) 2023`; `Mean 2025`.
    fn statistic(&self, year: i32) -> String {
        match self.kind {
            MetricKind::PMet { .. } if self.last_target_year == Some(year) => "P(met)".into(),
            _ => self.statistic_by_year(),
        }
    }

    fn statistic_by_year(&self) -> String {
        match self.kind {
            MetricKind::PMet { .. } => "P(on track)".into(),
            MetricKind::Outcome { stat, .. } => match stat {
                OutcomeStat::Mean => "Mean outcome".into(),
                OutcomeStat::Quantile(p) => format!("{} % quantile of the outcome", percent(p)),
                OutcomeStat::Shortfall => "Expected shortfall".into(),
            },
            MetricKind::Mean { .. } => "Mean".into(),
            MetricKind::Median { .. } => "Median".into(),
            MetricKind::Quantile { p, .. } => format!("{} % quantile", percent(p)),
        }
    }

    /// The quantity in `year` for an axis title: `P(on track) 2025 = P(met)`,
    /// `mean 2025 (cumulative from 2021), 万人` (without the unit for a share of variance).
    fn axis(&self, year: i32, with_unit: bool) -> String {
        match self.kind {
            MetricKind::PMet { .. } if self.last_target_year == Some(year) => {
                format!("P(on track) {year} = P(met)")
            }
            MetricKind::PMet { .. } => format!("P(on track) {year}"),
            _ => {
                let unit = match self.unit {
                    Some(u) if with_unit => format!(", {u}"),
                    _ => String::new(),
                };
                format!(
                    "{} {year}{}{unit}",
                    lower_first(&self.statistic(year)),
                    self.cumulative
                )
            }
        }
    }

    fn axis_by_year(&self) -> String {
        match self.kind {
            MetricKind::PMet { .. } => "P(on track) in each year".into(),
            _ => format!(
                "the {} in each year",
                lower_first(&self.statistic_by_year())
            ),
        }
    }
}

/// `mean outcome` for `Mean outcome`.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_only_safe_characters() {
        assert_eq!(
            metric_slug("p_met:kaifeng.urban_new_jobs.cumulative_floor"),
            "p_met-kaifeng-urban_new_jobs-cumulative_floor"
        );
        assert_eq!(metric_slug("mean:Henan.x-y/z 新"), "mean-henan-x-y-z--");
    }
}
