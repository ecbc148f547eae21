//! The scenario file as written: serde structs that mirror the TOML, with unknown keys
//! rejected and simple ranges checked by newtypes, so the parser can point at the line.
//!
//! Every field is optional here because a scenario may be split over files (`extends`);
//! required-ness and checks across fields happen in `validate`, on the merged scenario.

use indexmap::IndexMap;
use serde::Deserialize;

/// A finite number (TOML's `nan` and `inf` are rejected).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct Num(pub f64);

impl TryFrom<f64> for Num {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if v.is_finite() {
            Ok(Num(v))
        } else {
            Err(format!(
                "expected a finite number, got {}",
                super::dist::num(v)
            ))
        }
    }
}

/// A finite number ≥ 0 (standard deviations, tolerances).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct NonNeg(pub f64);

impl TryFrom<f64> for NonNeg {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if v.is_finite() && v >= 0.0 {
            Ok(NonNeg(v))
        } else {
            Err(format!(
                "expected a number ≥ 0, got {}",
                super::dist::num(v)
            ))
        }
    }
}

/// A probability in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct Probability(pub f64);

impl TryFrom<f64> for Probability {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if (0.0..=1.0).contains(&v) {
            Ok(Probability(v))
        } else {
            Err(format!(
                "expected a probability in [0, 1], got {}",
                super::dist::num(v)
            ))
        }
    }
}

/// The distribution family of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    Fixed,
    Normal,
    Lognormal,
    Uniform,
    Triangular,
}

/// A parameter: a value or a distribution, and where it comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    pub dist: Option<DistKind>,
    pub value: Option<Num>,
    pub mean: Option<Num>,
    pub sd: Option<NonNeg>,
    pub mu: Option<Num>,
    pub sigma: Option<NonNeg>,
    pub low: Option<Num>,
    pub mode: Option<Num>,
    pub high: Option<Num>,
    pub source: Option<String>,
    pub quote: Option<String>,
    pub assumption: Option<String>,
}

/// A series of values by year, e.g. the GDP growth path.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeries {
    #[serde(default)]
    pub values: IndexMap<String, Num>,
    pub source: Option<String>,
    pub quote: Option<String>,
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHorizon {
    pub base_year: Option<i32>,
    pub end_year: Option<i32>,
    /// Opt-in for in-sample checks (`empsim backtest`): baselines may overlap the
    /// projection, i.e. end after `base_year` (but not after `end_year`).
    pub in_sample: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMonteCarlo {
    pub paths: Option<u64>,
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrowth {
    pub reference: Option<RawParam>,
    pub path: Option<RawSeries>,
    pub ar: Option<RawParam>,
    pub noise_sd: Option<RawParam>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnemploymentModel {
    pub okun: Option<RawParam>,
    pub adjustment: Option<RawParam>,
    pub noise_sd: Option<RawParam>,
    pub natural_rate: Option<RawParam>,
    pub initial: Option<RawParam>,
    /// Surveyed minus registered rate (points), for regions that project the registered
    /// rate.
    pub registered_gap: Option<RawParam>,
    pub floor: Option<Num>,
    pub ceiling: Option<Num>,
}

/// Parameters of one indicator's equation (defaults under `[indicators.KEY]`, overrides
/// under `[regions.ID.params.KEY]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndicatorParams {
    pub trend: Option<RawParam>,
    pub elasticity: Option<RawParam>,
    pub noise_sd: Option<RawParam>,
    pub exit_rate: Option<RawParam>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    /// A sum of yearly flows over `period` (a plan's bracketed `[x]` value); also `累计`.
    #[serde(alias = "累计")]
    Cumulative,
    /// One year's flow.
    Annual,
    /// A level at the end of `year` (stock or rate).
    Level,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBaseline {
    pub value: Option<Num>,
    pub kind: Option<BaselineKind>,
    pub period: Option<String>,
    pub year: Option<i32>,
    pub source: Option<String>,
    pub quote: Option<String>,
    pub assumption: Option<String>,
    pub note: Option<String>,
    /// One year's flow inside a cumulative baseline's window, where the plan gives it
    /// beside the total (used by `empsim calibrate`, not by the engine).
    pub single_year: Option<RawYearFigure>,
}

/// One year's value of a flow, with its provenance.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawYearFigure {
    pub year: Option<i32>,
    pub value: Option<Num>,
    pub source: Option<String>,
    pub quote: Option<String>,
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawTargetKind {
    CumulativeFloor,
    LevelCap,
    LevelFloor,
    /// Also `左右`, the plans' word for "about".
    #[serde(alias = "左右")]
    LevelAbout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawApplies {
    EachYear,
    End,
    /// Not also `年均`: the plans' 年均控制在5.5%以内 can mean each year's (annual-average)
    /// rate or the mean of the period, so the word is not accepted for either.
    Average,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawNature {
    /// Also `预期性`, as the plans' indicator tables write it.
    #[serde(alias = "预期性")]
    Expected,
    /// Also `约束性`.
    #[serde(alias = "约束性")]
    Binding,
    Unspecified,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub indicator: Option<String>,
    pub kind: Option<RawTargetKind>,
    pub period: Option<String>,
    pub value: Option<Num>,
    pub tolerance: Option<NonNeg>,
    pub applies: Option<RawApplies>,
    pub nature: Option<RawNature>,
    pub source: Option<String>,
    pub quote: Option<String>,
    /// How the target was read, where the plan's text does not say it outright (a 年均
    /// reading, a floor inferred from a table without 以上); then `source` and `quote` are
    /// optional.
    pub assumption: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawLevel {
    /// Also `省`.
    #[serde(alias = "省")]
    Province,
    /// Also `市`.
    #[serde(alias = "市")]
    City,
    Area,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegionUnemployment {
    pub initial: Option<RawParam>,
    pub natural_rate: Option<RawParam>,
    pub registered_gap: Option<RawParam>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub level: Option<RawLevel>,
    pub parent: Option<String>,
    pub rate_weight: Option<RawParam>,
    #[serde(default)]
    pub baselines: IndexMap<String, RawBaseline>,
    #[serde(default)]
    pub targets: Vec<RawTarget>,
    #[serde(default)]
    pub params: IndexMap<String, RawIndicatorParams>,
    pub unemployment: Option<RawRegionUnemployment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    pub indicator: Option<String>,
    #[serde(default)]
    pub size: Vec<Num>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShock {
    pub description: Option<String>,
    pub year: Option<i32>,
    pub probability: Option<Probability>,
    pub regions: Option<Vec<String>>,
    #[serde(default)]
    pub growth: Vec<Num>,
    pub scale: Option<RawParam>,
    #[serde(default)]
    pub effects: Vec<RawEffect>,
    pub source: Option<String>,
    pub quote: Option<String>,
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLever {
    pub description: Option<String>,
    pub indicator: Option<String>,
    pub regions: Option<Vec<String>>,
    pub start_year: Option<i32>,
    pub ramp_years: Option<u32>,
    pub effect: Option<RawParam>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub common: Option<Num>,
    pub within_parent: Option<Num>,
    pub regions: Option<Vec<String>>,
    pub matrix: Option<Vec<Vec<Num>>>,
    pub source: Option<String>,
    pub quote: Option<String>,
    pub assumption: Option<String>,
}

/// `[observations]`: published figures the projection is conditioned on, and how exactly
/// they are taken to be measured.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObservations {
    /// Observation files (the actuals layout), relative to the file that names them.
    pub files: Option<Vec<String>>,
    /// Log-scale sd of a final figure (statistical communiqué, yearbook).
    pub final_error: Option<RawParam>,
    /// Log-scale sd of a preliminary figure (government work report, plan-execution report).
    pub preliminary_error: Option<RawParam>,
    /// Sd of a published unemployment rate, in points.
    pub rate_error: Option<RawParam>,
    /// Prior probability that a figure is an outlier (a coverage break, a misprint).
    pub outlier_share: Option<RawParam>,
    /// Log-scale sd of an outlying flow or stock figure.
    pub outlier_error: Option<RawParam>,
    /// Sd of an outlying rate, in points.
    pub rate_outlier_error: Option<RawParam>,
}

/// One scenario file, or the merge of a chain of `extends` files.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub extends: Option<String>,
    pub horizon: Option<RawHorizon>,
    pub monte_carlo: Option<RawMonteCarlo>,
    pub growth: Option<RawGrowth>,
    pub unemployment: Option<RawUnemploymentModel>,
    #[serde(default)]
    pub indicators: IndexMap<String, RawIndicatorParams>,
    pub correlation: Option<RawCorrelation>,
    #[serde(default)]
    pub regions: IndexMap<String, RawRegion>,
    #[serde(default)]
    pub shocks: IndexMap<String, RawShock>,
    #[serde(default)]
    pub levers: IndexMap<String, RawLever>,
    pub observations: Option<RawObservations>,
    /// `[sources.<id>]`: the title, issuer and year of each document a `source` names.
    pub sources: Option<IndexMap<String, RawSource>>,
}

/// `[sources.<id>]`: a document quoted by the scenario.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// The document's title, e.g. `河南省“十四五”人才发展人力资源开发和就业促进规划`.
    pub title: Option<String>,
    /// Who issued it, e.g. `河南省人民政府`.
    pub issuer: Option<String>,
    /// The year it was issued.
    pub year: Option<i64>,
    /// The day it was signed or issued, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Its document number (文号), e.g. `豫政〔2021〕62号`.
    pub number: Option<String>,
    /// Anything else a reader should know (e.g. which part of a compiled file is meant).
    pub note: Option<String>,
}
