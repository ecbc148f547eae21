//! Scenario files: the TOML format (`raw`), reading and `extends` (`load`), distributions
//! and provenance (`dist`), and the validated [`Scenario`] the engine runs (`validate`).
//!
//! Only a validated `Scenario` reaches the engine. Every number in it carries a
//! [`Provenance`]: a plan quote or a stated assumption.

pub mod actuals;
pub mod dist;
pub mod load;
pub mod observed;
pub mod raw;
pub mod spans;
mod validate;

pub use dist::{Dist, Param, Provenance};
pub use load::SourceFile;
pub use validate::{MAX_GROWTH, MAX_HORIZON, MAX_PATHS, MAX_PERSONS};

use crate::error::ScenarioError;
use crate::indicator::Indicator;
use nalgebra::DMatrix;
use serde::Serialize;
use std::path::Path;

/// Index of a parameter in [`Scenario::params`]; every path draws each slot once.
pub type Slot = usize;

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The scenario file first, then each file it extends.
    pub files: Vec<SourceFile>,
    /// The last observed year; projections start the year after.
    pub base_year: i32,
    pub end_year: i32,
    /// `[horizon] in_sample = true`: baselines may overlap the projection, so that a
    /// projection from an earlier origin can be scored against the figures it was
    /// anchored on (an in-sample check for `empsim backtest`, never a forecast).
    pub in_sample: bool,
    pub paths: usize,
    pub seed: u64,
    /// Every parameter, in the order each path draws them.
    pub params: Vec<Param>,
    pub growth: Growth,
    pub unemployment: UnemploymentModel,
    /// Regions in file order; aggregates (regions other regions name as `parent`) included.
    pub regions: Vec<Region>,
    /// Indices into `regions` of the simulated (leaf) regions, in correlation order.
    pub leaves: Vec<usize>,
    pub correlation: Correlation,
    pub shocks: Vec<Shock>,
    pub levers: Vec<Lever>,
    pub targets: Vec<Target>,
    /// The output layout: one series per (region, indicator) the scenario projects.
    pub series: Vec<SeriesKey>,
    /// Published figures the projection is conditioned on, if the scenario or the command
    /// line names observation files.
    pub observations: Option<observed::Observations>,
    /// `[sources]`: the documents the scenario quotes, by id, in file order; empty when the
    /// scenario has no such table (then sources are shown by their ids).
    pub sources: Vec<Source>,
    /// The merged scenario table (after `extends`; without `extends` and `name`), as read:
    /// `manifest.json` records it as the resolved scenario.
    pub resolved: toml::Table,
}

/// The ids of a `source` value: one id, or several separated by commas (a figure derived
/// from several documents), trimmed, empty ones left out.
pub fn source_ids(source: &str) -> impl Iterator<Item = &str> {
    source.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// A document the scenario quotes (`[sources.<id>]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// The id the scenario's `source` keys use, e.g. `000_a0a04b380a6f4f32`.
    pub id: String,
    pub title: Option<String>,
    pub issuer: Option<String>,
    pub year: Option<i32>,
    /// The day it was signed or issued, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Its document number (文号).
    pub number: Option<String>,
    pub note: Option<String>,
}

impl Scenario {
    /// The `[sources]` entry for the id `id`, if the scenario has one.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// How charts name the sources of a `source` value: each id's `[sources]` title in
    /// 《》 (with its year when given), or the id itself when the scenario gives no title.
    pub fn source_titles(&self, source: &str) -> String {
        source_ids(source)
            .map(|id| match self.source(id) {
                Some(Source {
                    title: Some(t),
                    year,
                    ..
                }) => {
                    let t = t.trim_start_matches('《').trim_end_matches('》');
                    match year {
                        Some(y) => format!("《{t}》({y})"),
                        None => format!("《{t}》"),
                    }
                }
                _ => id.to_string(),
            })
            .collect::<Vec<_>>()
            .join("、")
    }

    /// How tables name the sources of a `source` value: each id's `[sources]` title (the
    /// id itself when the scenario gives none), `; `-separated; empty for no source.
    pub fn source_title_text(&self, source: &str) -> String {
        source_ids(source)
            .map(|id| match self.source(id) {
                Some(Source { title: Some(t), .. }) => t.clone(),
                _ => id.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Every source id a quote or rationale of the scenario names, with the key path that
    /// names it first, in scenario order, each id once.
    pub fn cited_sources(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |ids: &str, key: String| {
            for id in source_ids(ids) {
                if !out.iter().any(|(i, _)| i == id) {
                    out.push((id.to_string(), key.clone()));
                }
            }
        };
        let of = |p: &Provenance| match p {
            Provenance::Plan { source, .. } => Some(source.clone()),
            Provenance::Assumption { source, .. } => source.clone(),
        };
        if let Some(id) = of(&self.growth.path_provenance) {
            add(&id, "growth.path".into());
        }
        if let Some(id) = of(&self.correlation.provenance) {
            add(&id, "correlation".into());
        }
        for r in &self.regions {
            for b in &r.baselines {
                let key = format!("regions.{}.baselines.{}", r.id, b.indicator.key());
                if let Some(id) = of(&b.provenance) {
                    add(&id, key.clone());
                }
                if let Some(y) = &b.single_year
                    && let Some(id) = of(&y.provenance)
                {
                    add(&id, format!("{key}.single_year"));
                }
            }
            if let Some(id) = r.rate_weight_provenance.as_ref().and_then(of) {
                add(&id, format!("regions.{}.rate_weight", r.id));
            }
        }
        for p in &self.params {
            if let Some(id) = of(&p.provenance) {
                add(&id, p.origin.clone());
            }
        }
        for s in &self.shocks {
            if let Some(id) = of(&s.provenance) {
                add(&id, format!("shocks.{}", s.name));
            }
        }
        for t in &self.targets {
            add(&t.source, format!("targets.{}", t.id));
        }
        out
    }

    /// Reads, merges and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        Scenario::from_file_observed(path, &[])
    }

    /// Like [`Scenario::from_file`], conditioning also on the observation files `extra`
    /// (the command line's `--observations`), after those the scenario names.
    pub fn from_file_observed(
        path: &Path,
        extra: &[std::path::PathBuf],
    ) -> Result<Scenario, ScenarioError> {
        Scenario::read(path, &load::Disk, extra)
    }

    /// Like [`Scenario::from_file`], reading the scenario, the files it extends and its
    /// observation files from `files` (e.g. [`load::InMemory`] for fuzzing).
    pub fn from_files(path: &Path, files: &dyn load::Files) -> Result<Scenario, ScenarioError> {
        Scenario::read(path, files, &[])
    }

    /// Reads and validates, reporting every problem found (placed at its line and
    /// column) rather than the first.
    fn read(
        path: &Path,
        files: &dyn load::Files,
        extra: &[std::path::PathBuf],
    ) -> Result<Scenario, ScenarioError> {
        let mut texts = load::Texts::default();
        let found = load::load_from(path, files, extra, &mut texts)
            .and_then(|loaded| validate::validate(path, loaded));
        found.map_err(|errors| texts.place(errors))
    }

    /// The files the scenario was read from: the scenario file, every file it extends and
    /// its observation files.
    pub fn input_files(&self) -> Vec<std::path::PathBuf> {
        let observed = self.observations.iter().flat_map(|o| &o.files);
        self.files
            .iter()
            .chain(observed)
            .map(|f| f.path.clone())
            .collect()
    }

    /// The projection years, `base_year + 1 ..= end_year`.
    pub fn years(&self) -> Vec<i32> {
        (self.base_year + 1..=self.end_year).collect()
    }

    /// Number of projection years.
    pub fn n_years(&self) -> usize {
        (self.end_year - self.base_year) as usize
    }

    /// The index of a series in the output layout.
    pub fn series_index(&self, region: usize, indicator: Indicator) -> Option<usize> {
        self.series
            .iter()
            .position(|s| s.region == region && s.indicator == indicator)
    }

    /// A parameter slot by its key path.
    pub fn param_slot(&self, name: &str) -> Option<Slot> {
        self.params.iter().position(|p| p.name == name)
    }
}

/// One output series: a region and an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesKey {
    pub region: usize,
    pub indicator: Indicator,
}

/// The growth driver: g(r,t) = path(t) + shocks + AR(1) noise correlated across regions.
#[derive(Debug, Clone)]
pub struct Growth {
    /// g_ref: the growth rate consistent with the indicators' trends (%).
    pub reference: Slot,
    /// The scenario's growth path, one value per projection year (%).
    pub path: Vec<f64>,
    pub path_provenance: Provenance,
    /// AR(1) coefficient of the growth noise.
    pub ar: Slot,
    /// Standard deviation of the yearly innovation of the growth noise (points).
    pub noise_sd: Slot,
}

/// Okun-type unemployment dynamics shared by all regions.
#[derive(Debug, Clone)]
pub struct UnemploymentModel {
    /// Points of unemployment per point of growth below reference.
    pub okun: Slot,
    /// Share of the gap to the natural rate closed each year.
    pub adjustment: Slot,
    /// Yearly noise (points).
    pub noise_sd: Slot,
    /// Bounds of the rate (%).
    pub floor: f64,
    pub ceiling: f64,
}

/// Province, city or other area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    Area,
}

/// A region: leaf regions are simulated; aggregates are the sum (flows, stocks) or the
/// weighted mean (rates) of their children.
#[derive(Debug, Clone)]
pub struct Region {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: Level,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub baselines: Vec<Baseline>,
    /// Weight in the parent's rate average (leaves of an aggregate with a rate only).
    pub rate_weight: Option<f64>,
    pub rate_weight_provenance: Option<Provenance>,
    /// The indicators projected for this region.
    pub indicators: Vec<Indicator>,
    /// The model of a leaf region; `None` for aggregates.
    pub leaf: Option<LeafModel>,
}

impl Region {
    /// The region's cumulative baseline of `indicator` over the same period as `like`
    /// (how a province's total is matched with its parts').
    pub fn cumulative_like(&self, like: &Baseline) -> Option<&Baseline> {
        self.baselines.iter().find(|x| {
            x.indicator == like.indicator
                && x.kind == BaselineKind::Cumulative
                && x.first_year == like.first_year
                && x.last_year == like.last_year
        })
    }
}

/// The equations' parameters of a simulated region.
#[derive(Debug, Clone)]
pub struct LeafModel {
    /// Row of this region in the correlation matrix.
    pub leaf_index: usize,
    /// One entry per [`Indicator::FLOWS`].
    pub flows: [Option<FlowModel>; 3],
    pub stock: Option<StockModel>,
    pub unemployment: Option<RegionUnemployment>,
}

/// log J(t) = log A + trend·(t − mid) + elasticity·(g − g_ref) + levers + shocks + noise.
#[derive(Debug, Clone)]
pub struct FlowModel {
    pub anchor: Anchor,
    pub trend: Slot,
    pub elasticity: Slot,
    pub noise_sd: Slot,
}

/// The baseline a flow's level is calibrated on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    /// A five-year (or other) total over `first..=last`; its mean belongs to the middle year.
    Cumulative { total: f64, first: i32, last: i32 },
    /// One year's flow.
    Annual { value: f64, year: i32 },
}

/// stock(t) = stock(t−1)·(1 − exit_rate) + new transfers(t).
#[derive(Debug, Clone)]
pub struct StockModel {
    pub initial: f64,
    pub exit_rate: Slot,
}

/// A region's unemployment: its base-year level and natural rate.
#[derive(Debug, Clone)]
pub struct RegionUnemployment {
    pub initial: Slot,
    pub natural_rate: Slot,
    /// Surveyed minus registered rate (points), where the region projects the registered
    /// rate (`registered_unemployment_rate` = max(0, surveyed − gap)).
    pub registered_gap: Option<Slot>,
}

/// A historical value from a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub indicator: Indicator,
    pub kind: BaselineKind,
    pub value: f64,
    pub first_year: i32,
    pub last_year: i32,
    pub provenance: Provenance,
    pub note: Option<String>,
    /// One year's flow inside a cumulative baseline's window, where the plan gives it too
    /// (e.g. Shaoyang's 2020 flow beside its 2016-2020 total). The engine does not use it;
    /// `backtest::calibrate` solves the trend that reconciles the two figures.
    pub single_year: Option<YearFigure>,
}

/// One year's value of a flow, with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearFigure {
    pub year: i32,
    pub value: f64,
    pub provenance: Provenance,
}

/// See [`raw::BaselineKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    Cumulative,
    Annual,
    Level,
}

/// Cross-region correlation of the growth innovations.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub structure: CorrelationStructure,
    pub provenance: Provenance,
}

/// How the growth innovations e of the simulated regions are built from independent
/// standard normals, at the cost the correlation needs.
#[derive(Debug, Clone, PartialEq)]
pub enum CorrelationStructure {
    /// A common factor F and, with `within_parent`, one factor G per parent (a block
    /// structure): eᵢ = √ρ_c·F + √(ρ_w − ρ_c)·G_parent(i) + √(1 − ρ_w)·uᵢ, so that two
    /// regions with the same parent correlate at ρ_w and any other two at ρ_c; O(regions)
    /// per path and year. Without `within_parent`, ρ_w = ρ_c (one common factor).
    Factor {
        common: f64,
        within_parent: Option<f64>,
        /// Each leaf's group (its parent's index among the parents, or a group of its
        /// own when it has none).
        group: Vec<usize>,
        n_groups: usize,
    },
    /// A full matrix (given, or an equicorrelation with ρ < 0) with its lower-triangular
    /// Cholesky factor L (e = L z), O(regions²) per path and year.
    Matrix {
        matrix: DMatrix<f64>,
        cholesky: DMatrix<f64>,
    },
}

impl Correlation {
    /// The number of simulated regions.
    pub fn n_leaves(&self) -> usize {
        match &self.structure {
            CorrelationStructure::Factor { group, .. } => group.len(),
            CorrelationStructure::Matrix { matrix, .. } => matrix.nrows(),
        }
    }

    /// The correlation of the growth innovations of leaves `i` and `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.structure.get(i, j)
    }
}

impl CorrelationStructure {
    /// The correlation of the growth innovations of leaves `i` and `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        match self {
            _ if i == j => 1.0,
            CorrelationStructure::Factor {
                common,
                within_parent,
                group,
                ..
            } => match within_parent {
                Some(w) if group[i] == group[j] => *w,
                _ => *common,
            },
            CorrelationStructure::Matrix { matrix, .. } => matrix[(i, j)],
        }
    }
}

/// A growth shock with a probability of happening on a path.
#[derive(Debug, Clone)]
pub struct Shock {
    pub name: String,
    pub description: String,
    pub year: i32,
    pub probability: f64,
    /// Leaf indices (rows of the correlation matrix) it hits.
    pub leaves: Vec<usize>,
    /// Growth change in points, per year from `year`.
    pub growth: Vec<f64>,
    /// Multiplies `growth` and the effects; drawn per path.
    pub scale: Option<Slot>,
    /// Direct effects per year from `year`: relative change for flows, points for rates.
    pub effects: Vec<(Indicator, Vec<f64>)>,
    pub provenance: Provenance,
}

/// A policy lever: from `start_year`, ramping linearly to full effect over `ramp_years`.
#[derive(Debug, Clone)]
pub struct Lever {
    pub name: String,
    pub description: String,
    pub indicator: Indicator,
    pub leaves: Vec<usize>,
    pub start_year: i32,
    pub ramp_years: u32,
    /// Relative change for flows, points for rates; drawn per path.
    pub effect: Slot,
}

impl Lever {
    /// The share of the full effect reached in `year`.
    pub fn ramp(&self, year: i32) -> f64 {
        if year < self.start_year {
            0.0
        } else if self.ramp_years == 0 {
            1.0
        } else {
            (f64::from(year - self.start_year + 1) / f64::from(self.ramp_years)).min(1.0)
        }
    }
}

/// What a target requires, with the plan's semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The sum of the yearly flows over the period is at least the value (以上 over `[x]`).
    CumulativeFloor,
    /// The level is at most the value (以内, <).
    LevelCap,
    /// The level is at least the value.
    LevelFloor,
    /// The level is within `tolerance` of the value (左右).
    LevelAbout,
}

impl TargetKind {
    /// The comparison a target requires: `≥` for floors, `≤` for caps, `≈` for 左右.
    pub fn symbol(self) -> &'static str {
        match self {
            TargetKind::CumulativeFloor | TargetKind::LevelFloor => "≥",
            TargetKind::LevelCap => "≤",
            TargetKind::LevelAbout => "≈",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            TargetKind::CumulativeFloor => "cumulative_floor",
            TargetKind::LevelCap => "level_cap",
            TargetKind::LevelFloor => "level_floor",
            TargetKind::LevelAbout => "level_about",
        }
    }
}

/// For level targets: every year of the period, the last year only, or the mean of the
/// period's yearly levels (年均, read as a five-year average).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    EachYear,
    End,
    Average,
}

impl Applies {
    /// The key in scenario files and tables: `each_year`, `end` or `average`.
    pub fn key(self) -> &'static str {
        match self {
            Applies::EachYear => "each_year",
            Applies::End => "end",
            Applies::Average => "average",
        }
    }
}

/// 预期性 (expected) or 约束性 (binding), or not stated in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    Expected,
    Binding,
    Unspecified,
}

impl Nature {
    pub fn key(self) -> &'static str {
        match self {
            Nature::Expected => "expected",
            Nature::Binding => "binding",
            Nature::Unspecified => "unspecified",
        }
    }
}

/// A plan target on one region's indicator.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// `region.indicator.kind`, made unique.
    pub id: String,
    pub region: usize,
    pub indicator: Indicator,
    pub kind: TargetKind,
    pub first_year: i32,
    pub last_year: i32,
    pub value: f64,
    pub tolerance: Option<f64>,
    pub applies: Option<Applies>,
    pub nature: Nature,
    /// The plan document's id; empty for a target posed by assumption without one.
    pub source: String,
    /// The plan's Chinese text; empty for a target posed by assumption without one.
    pub quote: String,
    /// How the target was read, where the plan's text does not say it outright.
    pub assumption: Option<String>,
    pub note: Option<String>,
}

impl Target {
    /// `2021-2025` or `2025`.
    pub fn period_label(&self) -> String {
        if self.first_year == self.last_year {
            self.first_year.to_string()
        } else {
            format!("{}-{}", self.first_year, self.last_year)
        }
    }

    /// The kind with its qualifier, e.g. `level_cap (each year)`.
    pub fn kind_label(&self) -> String {
        match self.applies {
            Some(Applies::EachYear) => format!("{} (each year)", self.kind.key()),
            Some(Applies::End) => format!("{} (end year)", self.kind.key()),
            Some(Applies::Average) => format!("{} (period average)", self.kind.key()),
            None => self.kind.key().to_string(),
        }
    }
}
