//! Scenario discovery (`empsim discover`): which assumptions lead to a miss. A run's paths
//! each draw every uncertain parameter (and whether each shock happens, at what scale);
//! this collects those draws with whether the path meets a target, and finds with PRIM
//! ([`crate::sensitivity::prim`]) the parameter ranges in which the missing paths
//! concentrate.
//!
//! The paths are those of `empsim run` with the same `--paths` and `--seed` (path `p` here
//! is path `p` of `run --keep-paths`), conditioned on the scenario's observations if it has
//! any (then the draws are the conditioned paths' parameters).

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::scenario::{Dist, Scenario};
use crate::sensitivity::prim::{self, PrimOptions, PrimResult};
use crate::stats;
use serde::Serialize;

/// What a discovery looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cases {
    /// Paths that miss the target (gap > 0).
    Missed,
    /// Paths that meet it.
    Met,
}

/// The settings of a discovery.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub target: usize,
    pub cases: Cases,
    pub paths: usize,
    pub seed: u64,
    pub prim: PrimOptions,
    /// The reported box: the densest with at least this coverage.
    pub min_coverage: f64,
}

/// One input of the discovery: a parameter or a shock's scale, and its value per path.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The parameter's key path, or `shocks.<name>` for a shock's scale on the path (0
    /// where it does not happen).
    pub name: String,
    pub values: Vec<f64>,
}

/// A discovery's data and result.
#[derive(Debug)]
pub struct Discovery {
    pub scenario: Scenario,
    pub settings: Settings,
    /// The inputs that vary across paths, in scenario order (parameters, then shocks).
    pub inputs: Vec<Input>,
    /// Per path: the target's outcome and its gap (≤ 0 when met).
    pub outcomes: Vec<f64>,
    pub gaps: Vec<f64>,
    /// Per path: is it a case of interest.
    pub cases: Vec<bool>,
    pub prim: PrimResult,
    /// The reported step of the trajectory, if any path is a case.
    pub chosen: Option<usize>,
    /// The chosen box's quasi-p-values, per input (`None` where it does not restrict).
    pub qp: Vec<Option<f64>>,
}

/// Where a column of the per-path draws comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawSource {
    /// A parameter's slot.
    Param(usize),
    /// A shock's scale on the path (0 where it does not happen).
    Shock(usize),
}

impl DrawSource {
    /// The value on a path.
    pub fn of(self, d: &crate::engine::PathDraws) -> f64 {
        match self {
            DrawSource::Param(s) => d.theta[s],
            DrawSource::Shock(k) => d.shock_scale[k],
        }
    }
}

/// The columns of the per-path draws (`draws.csv` of `run --keep-draws` and of `discover`):
/// every parameter declared with a distribution, by its key path, in scenario order, then
/// every shock's scale as `shocks.<name>`.
pub fn draw_columns(scn: &Scenario) -> Vec<(String, DrawSource)> {
    let params = scn
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| !matches!(p.dist, Dist::Fixed { .. }))
        .map(|(s, p)| (p.name.clone(), DrawSource::Param(s)));
    let shocks = scn
        .shocks
        .iter()
        .enumerate()
        .map(|(k, sh)| (format!("shocks.{}", sh.name), DrawSource::Shock(k)));
    params.chain(shocks).collect()
}

/// Runs the scenario and peels boxes around the paths that miss (or meet) the target, on
/// the current rayon pool.
///
/// # Errors
/// [`Error::Usage`] if no input varies across paths, or the PRIM options are out of range.
pub fn discover(scn: Scenario, settings: Settings) -> Result<Discovery> {
    let engine = Engine::new(&scn, settings.paths, settings.seed, &[]);
    let sim = engine.whole();
    let last = stats::outcome_track(&scn, &sim, settings.target)
        .pop()
        .expect("a target has a year");
    drop(sim);
    let draws: Vec<_> = (0..settings.paths).map(|p| engine.path_draws(p)).collect();
    drop(engine);
    let mut inputs: Vec<Input> = draw_columns(&scn)
        .into_iter()
        .map(|(name, source)| Input {
            name,
            values: draws.iter().map(|d| source.of(d)).collect(),
        })
        .collect();
    // An input that does not vary cannot bound a box (a parameter fixed by the
    // conditioning, a shock that always or never happens).
    inputs.retain(|i| i.values.iter().any(|&x| x != i.values[0]));
    if inputs.is_empty() {
        return Err(Error::Usage(
            "no parameter of the scenario varies across paths: discover needs parameters declared with a distribution (or a shock with a probability below 1)".into(),
        ));
    }
    let cases: Vec<bool> = last
        .gaps
        .iter()
        .map(|&g| match settings.cases {
            Cases::Missed => g > 0.0,
            Cases::Met => g <= 0.0,
        })
        .collect();
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let columns: Vec<Vec<f64>> = inputs.iter().map(|i| i.values.clone()).collect();
    let result = prim::peel(&names, &columns, &cases, &settings.prim)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let chosen = result.choose(settings.min_coverage);
    let qp = match chosen {
        Some(k) => prim::qp_values(&columns, &cases, &result.steps[k]),
        None => vec![None; columns.len()],
    };
    Ok(Discovery {
        scenario: scn,
        settings,
        inputs,
        outcomes: last.outcomes,
        gaps: last.gaps,
        cases,
        prim: result,
        chosen,
        qp,
    })
}

impl Discovery {
    /// What the cases are, for titles: `paths that miss` or `paths that meet`.
    pub fn cases_phrase(&self) -> &'static str {
        match self.settings.cases {
            Cases::Missed => "miss",
            Cases::Met => "meet",
        }
    }
}
