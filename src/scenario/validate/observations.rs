//! `[observations]` and the observation files: the measurement model's parameters (each a
//! value or distribution with its provenance, or empsim's documented default), and every
//! figure resolved against the scenario's regions and series: used before the projection,
//! used in a projection year, or left aside with the reason. A figure given twice (in one
//! file or in two) is an error at its line.

use super::ctx::{Ctx, R};
use super::horizon::Horizon;
use crate::error::{ActualsError, ScenarioError};
use crate::indicator::{Indicator, IndicatorKind, Measure};
use crate::scenario::actuals::{GrowthObservation, Observation, Period};
use crate::scenario::load::ObservationFile;
use crate::scenario::observed::{
    MeasurementErrors, Observations, ObservedGrowth, ObservedPoint, Skipped, Stage,
};
use crate::scenario::raw::{RawObservations, RawParam, RawScenario};
use crate::scenario::{Region, SeriesKey};
use std::collections::HashMap;

/// The default measurement model, used where `[observations]` does not set a parameter:
/// (key, value, lower bound, upper bound, rationale).
pub(crate) const DEFAULTS: [(&str, f64, f64, f64, &str); 6] = [
    (
        "final_error",
        0.02,
        0.001,
        1.0,
        "empsim default: a final figure (统计公报, yearbook) is a count from administrative records, revised by a few per cent at most; log-scale sd 0.02",
    ),
    (
        "preliminary_error",
        0.05,
        0.001,
        1.0,
        "empsim default: a preliminary figure (政府工作报告, 计划执行情况) is given early in the next year and often rounded (16.4, 4.3); log-scale sd 0.05, 2.5 times a final figure's",
    ),
    (
        "rate_error",
        0.1,
        0.001,
        5.0,
        "empsim default: published rates are rounded to 0.01-0.1 points and the registered rate is a year-end count; sd 0.1 points",
    ),
    (
        "outlier_share",
        0.05,
        0.0,
        0.5,
        "empsim default: about one published figure in twenty breaks with its series (a change of coverage or definition, a misprint, a reprint error), as Xinxiang's rural transfers do (1.88 in 2020, 4.3 in 2021)",
    ),
    (
        "outlier_error",
        1.0,
        0.001,
        5.0,
        "empsim default: an outlying flow or stock figure may be off by a factor e (log-scale sd 1), enough to hold a coverage break without moving the fit",
    ),
    (
        "rate_outlier_error",
        2.0,
        0.001,
        20.0,
        "empsim default: an outlying rate may be off by about 2 points (a changed definition or coverage)",
    ),
];

/// The observations of the scenario, or `None` when it names no observation file. Their
/// parameters take the last slots, so the draws of every other parameter are those of the
/// same scenario without observations.
pub(super) fn observations(
    ctx: &mut Ctx,
    raw: &RawScenario,
    files: Vec<ObservationFile>,
    regions: &[Region],
    series: &[SeriesKey],
    horizon: &Horizon,
) -> R<Option<Observations>> {
    if files.is_empty() {
        return Ok(None);
    }
    let errors = measurement_errors(ctx, raw.observations.as_ref())?;
    let mut resolver = Resolver {
        regions,
        series,
        horizon,
        seen: HashMap::new(),
        out: Observations {
            files: files.iter().map(|f| f.file.clone()).collect(),
            errors,
            points: Vec::new(),
            growth: Vec::new(),
            skipped: Vec::new(),
        },
    };
    for (fi, f) in files.iter().enumerate() {
        let mut lines: Vec<Line> = f
            .content
            .observations
            .iter()
            .map(Line::Value)
            .chain(f.content.growth.iter().map(Line::Growth))
            .collect();
        lines.sort_by_key(Line::line);
        for l in lines {
            resolver.line(fi, &f.file.path, l)?;
        }
    }
    Ok(Some(resolver.out))
}

/// The measurement model's parameters, each the scenario's or the default.
fn measurement_errors(ctx: &mut Ctx, raw: Option<&RawObservations>) -> R<MeasurementErrors> {
    let o = raw.cloned().unwrap_or_default();
    let given = [
        o.final_error,
        o.preliminary_error,
        o.rate_error,
        o.outlier_share,
        o.outlier_error,
        o.rate_outlier_error,
    ];
    let mut slots = [0; 6];
    for (slot, ((name, value, lo, hi, why), given)) in
        slots.iter_mut().zip(DEFAULTS.iter().zip(given))
    {
        let p = given.unwrap_or_else(|| RawParam {
            value: Some(crate::scenario::raw::Num(*value)),
            assumption: Some((*why).to_string()),
            ..Default::default()
        });
        *slot = ctx.param(&format!("observations.{name}"), &p, *lo, *hi);
    }
    let [
        final_error,
        preliminary_error,
        rate_error,
        outlier_share,
        outlier_error,
        rate_outlier_error,
    ] = slots;
    Ok(MeasurementErrors {
        final_error,
        preliminary_error,
        rate_error,
        outlier_share,
        outlier_error,
        rate_outlier_error,
    })
}

/// A line of an observation file.
enum Line<'a> {
    Value(&'a Observation),
    Growth(&'a GrowthObservation),
}

impl Line<'_> {
    fn line(&self) -> u64 {
        match self {
            Line::Value(o) => o.line,
            Line::Growth(g) => g.line,
        }
    }
}

/// Resolves lines one by one, remembering where each figure was first given.
struct Resolver<'a> {
    regions: &'a [Region],
    series: &'a [SeriesKey],
    horizon: &'a Horizon,
    /// (region id, indicator key, year) → (file, line).
    seen: HashMap<(String, &'static str, i32), (std::path::PathBuf, u64)>,
    out: Observations,
}

impl Resolver<'_> {
    fn line(&mut self, fi: usize, path: &std::path::Path, l: Line) -> R<()> {
        let (region, key, what, period, line, value, source) = match l {
            Line::Value(o) => (
                &o.region,
                o.indicator.key(),
                o.describe(),
                o.period,
                o.line,
                o.value,
                &o.source,
            ),
            Line::Growth(g) => (
                &g.region,
                crate::scenario::actuals::GDP_GROWTH,
                format!("{} gdp_growth annual {}", g.region, g.year),
                Period::Year(g.year),
                g.line,
                g.value,
                &g.source,
            ),
        };
        let measure = match l {
            Line::Value(o) => o.measure,
            Line::Growth(_) => Measure::Annual,
        };
        if measure == Measure::Annual {
            let k = (region.clone(), key, period.last());
            if let Some((first, first_line)) = self.seen.get(&k) {
                let at = if first == path {
                    format!("line {first_line}")
                } else {
                    format!("{} line {first_line}", first.display())
                };
                return Err(ScenarioError::Observations(ActualsError::Line {
                    path: path.to_path_buf(),
                    line,
                    message: format!("duplicate observation: {what} is already on {at}"),
                }));
            }
            self.seen.insert(k, (path.to_path_buf(), line));
        }
        let used = match l {
            Line::Value(o) => self.value(fi, o),
            Line::Growth(g) => self.growth(fi, g),
        };
        if let Err(reason) = used {
            self.out.skipped.push(Skipped {
                file: fi,
                line,
                what,
                region: region.clone(),
                indicator: key.to_string(),
                year: period.last(),
                value,
                source: source.clone(),
                reason,
            });
        }
        Ok(())
    }

    /// The region of a figure, or why it is not used.
    fn region(&self, id: &str) -> Result<usize, String> {
        self.regions
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| format!("region `{id}` is not in the scenario"))
    }

    /// A projection year's index, or why the year is not used.
    fn within_end(&self, year: i32) -> Result<(), String> {
        if year > self.horizon.end_year {
            Err(format!(
                "after the projection ends ({})",
                self.horizon.end_year
            ))
        } else {
            Ok(())
        }
    }

    fn value(&mut self, fi: usize, o: &Observation) -> Result<(), String> {
        if o.measure == Measure::Cumulative {
            return Err(
                "a cumulative figure: conditioning uses yearly figures (empsim backtest scores cumulative ones)"
                    .into(),
            );
        }
        if o.indicator.kind() != IndicatorKind::Rate && o.value <= 0.0 {
            return Err("zero or negative: flows and stocks are weighed on the log scale".into());
        }
        let ri = self.region(&o.region)?;
        let series = self
            .series
            .iter()
            .position(|s| s.region == ri && s.indicator == o.indicator)
            .ok_or_else(|| not_projected(&self.regions[ri], o.indicator))?;
        let year = o.period.last();
        self.within_end(year)?;
        let base = self.horizon.base_year;
        let stage = if year > base {
            Stage::Projection((year - base - 1) as usize)
        } else {
            match o.indicator.kind() {
                IndicatorKind::Flow => Stage::BeforeProjection,
                IndicatorKind::Rate if year == base => Stage::BeforeProjection,
                IndicatorKind::Rate => {
                    return Err(format!(
                        "before the base year {base}: the rate model starts from its base-year level"
                    ));
                }
                IndicatorKind::Stock => {
                    return Err(format!(
                        "at or before the base year {base}: the stock starts from the scenario's base-year figure"
                    ));
                }
            }
        };
        self.out.points.push(ObservedPoint {
            file: fi,
            line: o.line,
            region: ri,
            indicator: o.indicator,
            series,
            year,
            value: o.value,
            quality: o.quality,
            stage,
            source: o.source.clone(),
            quote: o.quote.clone(),
        });
        Ok(())
    }

    fn growth(&mut self, fi: usize, g: &GrowthObservation) -> Result<(), String> {
        let ri = self.region(&g.region)?;
        self.within_end(g.year)?;
        let base = self.horizon.base_year;
        if g.year <= base {
            return Err(format!(
                "at or before the base year {base}: realised growth replaces the growth path in projection years only"
            ));
        }
        self.out.growth.push(ObservedGrowth {
            file: fi,
            line: g.line,
            region: ri,
            year: g.year,
            k: (g.year - base - 1) as usize,
            value: g.value,
            source: g.source.clone(),
        });
        Ok(())
    }
}

/// Why a region's figure of an indicator it does not project is not used.
fn not_projected(region: &Region, ind: Indicator) -> String {
    let hint = match ind {
        Indicator::RegisteredUnemploymentRate => {
            "; declare unemployment.registered_gap to project the registered rate"
        }
        _ if region.children.is_empty() => "",
        _ => " (an aggregate projects what every child projects)",
    };
    format!("`{}` does not project {ind}{hint}", region.id)
}
