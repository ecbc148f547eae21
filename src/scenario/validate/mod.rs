//! Raw (merged) scenario → validated [`Scenario`]: required keys, ranges that depend on
//! other fields, references between regions, indicators, shocks and levers, the
//! correlation matrix, and the provenance of every number. Errors name the key path.
//!
//! [`validate`] runs one pass per part of the scenario, in a fixed order: the first error
//! found is the one reported, and parameters take their slots in
//! [`Scenario::params`](super::Scenario::params) (the order every path draws them) as the
//! passes meet them. The passes:
//!
//! - `horizon`: the horizon years and the Monte Carlo settings;
//! - `growth`: the growth driver;
//! - `regions`: the region structure, then each region, with `baselines` (its baselines
//!   and single_year figures) and `leaf` (flow, stock and unemployment models, the rules
//!   of an aggregate, rate weights), after `unemployment` (the shared unemployment model);
//! - `aggregates`: the indicators each region projects, and children summing to their
//!   parent;
//! - `correlation`: the correlation of growth noise across the simulated regions;
//! - `events`: shocks, levers and the combined-shock bound;
//! - `targets`: the plan targets;
//! - `observations`: the measurement model and the observation files' figures, resolved
//!   against the regions and series (their parameters take the last slots);
//! - `sources`: the `[sources]` table, and every cited source id in it when it is present.
//!
//! `ctx` holds the context every pass shares (errors with key paths, provenance,
//! parameters and distributions), `shared` a few small helpers.

mod aggregates;
mod baselines;
mod correlation;
mod ctx;
mod events;
mod growth;
mod horizon;
mod leaf;
mod observations;
mod regions;
mod shared;
mod sources;
mod targets;
#[cfg(test)]
mod testutil;
mod unemployment;

use super::load::Loaded;
use super::{Region, Scenario, SeriesKey};
use crate::error::ScenarioError;
use ctx::Ctx;
use std::path::Path;

/// Upper bound on Monte Carlo paths accepted from a scenario or the command line.
pub const MAX_PATHS: u64 = 10_000_000;
/// Upper bound on the projection horizon in years.
pub const MAX_HORIZON: i32 = 50;

// Bounds on every number a scenario gives. Each is far outside anything plausible, and
// together they keep every simulated value finite (docs/MODEL.md, "Bounds"): a flow's log
// deviation from its anchor stays below about 320 even with 8-sd noise, so values stay
// below 1e145 and their squares finite.

/// Earliest calendar year accepted anywhere in a scenario.
pub const MIN_YEAR: i32 = 1950;
/// Latest calendar year accepted anywhere in a scenario.
pub const MAX_YEAR: i32 = 2100;
/// Largest flow, stock or target in 万人 (1 billion persons, above China's labour force).
pub const MAX_PERSONS: f64 = 1e5;
/// Largest growth rate, reference or yearly growth shock in absolute value (points).
pub const MAX_GROWTH: f64 = 30.0;
/// Largest combined growth shock in one year, at the shocks' largest scales (points).
pub const MAX_COMBINED_SHOCK: f64 = 30.0;
/// Largest shock scale.
pub const MAX_SHOCK_SCALE: f64 = 3.0;
/// Largest relative lift of a flow by a lever or shock effect (+300 %).
pub const MAX_FLOW_EFFECT: f64 = 3.0;
/// Largest shift of the unemployment rate by a lever or shock effect (points).
pub const MAX_RATE_EFFECT: f64 = 20.0;
/// Most shocks and most levers in a scenario.
pub const MAX_EVENTS: usize = 20;
/// Largest rate weight.
pub const MAX_RATE_WEIGHT: f64 = 1e6;

/// Validates a loaded scenario: the passes in order, the first error stopping them.
pub(super) fn validate(path: &Path, loaded: Loaded) -> Result<Scenario, ScenarioError> {
    let Loaded {
        raw,
        merged,
        files,
        name,
        observations,
    } = loaded;
    let mut ctx = Ctx::new(path);
    let horizon = horizon::horizon(&ctx, &raw)?;
    let mc = horizon::monte_carlo(&ctx, &raw)?;
    let growth = growth::growth(&mut ctx, &raw, &horizon.years)?;
    let structure = regions::structure(&ctx, &raw)?;
    let unemployment = unemployment::model(&mut ctx, &raw)?;
    leaf::check_default_keys(&ctx, &raw)?;
    let mut regions = regions::regions(&mut ctx, &raw, &structure, &horizon)?;
    aggregates::indicators(&ctx, &mut regions, &structure.leaves)?;
    let correlation = correlation::correlation(&ctx, &raw, &structure)?;
    events::check_counts(&ctx, &raw)?;
    let shocks = events::shocks(&mut ctx, &raw, &structure, &horizon)?;
    events::check_combined_shocks(&ctx, &shocks, &horizon.years)?;
    let levers = events::levers(&mut ctx, &raw, &structure, &horizon, &regions)?;
    let targets = targets::targets(&ctx, &raw, &regions, &horizon)?;
    let series = series(&regions);
    let observations =
        observations::observations(&mut ctx, &raw, observations, &regions, &series, &horizon)?;
    let sources = sources::sources(&ctx, &raw)?;
    let scn = Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        files,
        base_year: horizon.base_year,
        end_year: horizon.end_year,
        in_sample: horizon.in_sample,
        paths: mc.paths as usize,
        seed: mc.seed,
        params: ctx.params,
        growth,
        unemployment,
        series,
        regions,
        leaves: structure.leaves,
        correlation,
        shocks,
        levers,
        targets,
        observations,
        sources,
        resolved: merged,
    };
    sources::check_cited(&Ctx::new(path), &scn)?;
    Ok(scn)
}

/// The output layout: one series per region and indicator it projects, region by region.
fn series(regions: &[Region]) -> Vec<SeriesKey> {
    let mut series = Vec::new();
    for (ri, r) in regions.iter().enumerate() {
        for &ind in &r.indicators {
            series.push(SeriesKey {
                region: ri,
                indicator: ind,
            });
        }
    }
    series
}

#[cfg(test)]
mod tests {
    use super::testutil::{CITY, raw};
    use super::*;

    fn check(text: &str) -> Result<Scenario, ScenarioError> {
        let loaded = Loaded {
            raw: raw(text),
            merged: toml::Table::new(),
            files: Vec::new(),
            name: "s".into(),
            observations: Vec::new(),
        };
        validate(Path::new("s.toml"), loaded)
    }

    #[test]
    fn the_passes_build_a_scenario() {
        let s = check(CITY).expect("a valid scenario");
        assert_eq!(
            (s.base_year, s.end_year, s.paths, s.seed),
            (2020, 2023, 10, 1)
        );
        assert_eq!(s.leaves, [0]);
        assert_eq!(s.series.len(), 2);
        let names: Vec<&str> = s.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "growth.reference",
                "growth.ar",
                "growth.noise_sd",
                "unemployment.okun",
                "unemployment.adjustment",
                "unemployment.noise_sd",
                "regions.city.params.urban_new_jobs.trend",
                "regions.city.params.urban_new_jobs.elasticity",
                "regions.city.params.urban_new_jobs.noise_sd",
                "regions.city.unemployment.initial",
                "regions.city.unemployment.natural_rate",
            ]
        );
    }

    #[test]
    fn the_first_pass_to_fail_is_reported() {
        // Both the horizon and the growth path are wrong: the horizon comes first.
        let text = CITY
            .replace("end_year = 2023", "end_year = 2019")
            .replace("2021 = 5,", "");
        assert_eq!(
            check(&text).map(|_| ()).map_err(|e| e.to_string()),
            Err("s.toml: horizon.end_year: 2019 must be after horizon.base_year 2020".into())
        );
        let text = CITY
            .replace("2021 = 5,", "")
            .replace("name_zh = \"城\"", "");
        assert_eq!(
            check(&text).map(|_| ()).map_err(|e| e.to_string()),
            Err("s.toml: growth.path.values: has no value for 2021 (every projection year needs one)".into())
        );
    }
}

#[cfg(test)]
mod source_tests {
    use super::testutil::{CITY, raw};
    use super::*;

    fn check(text: &str) -> Result<Scenario, String> {
        let loaded = Loaded {
            raw: raw(text),
            files: Vec::new(),
            name: "s".into(),
            observations: Vec::new(),
            merged: toml::Table::new(),
        };
        validate(Path::new("s.toml"), loaded).map_err(|e| e.to_string())
    }

    #[test]
    fn sources_give_titles_and_every_cited_id_must_be_listed() {
        // Without a table, any source text is accepted and no titles are known.
        let s = check(CITY).expect("valid");
        assert!(s.sources.is_empty());
        assert_eq!(
            s.cited_sources()[0],
            (
                "plan".into(),
                "regions.city.baselines.urban_new_jobs".into()
            )
        );
        let with = format!(
            "{CITY}\n[sources.plan]\ntitle = \"某市“十四五”就业规划\"\nissuer = \"某市人民政府\"\nyear = 2022\n"
        );
        let s = check(&with).expect("valid");
        let src = s.source("plan").expect("listed");
        assert_eq!(
            (src.title.as_deref(), src.issuer.as_deref(), src.year),
            (
                Some("某市“十四五”就业规划"),
                Some("某市人民政府"),
                Some(2022)
            )
        );
        // A table that lacks a cited id names the key that cites it.
        let other = format!("{CITY}\n[sources.other]\ntitle = \"另一份规划\"\n");
        assert_eq!(
            check(&other).map(|_| ()),
            Err("s.toml: regions.city.baselines.urban_new_jobs.source: `plan` is not in [sources] (known: other); add [sources.\"plan\"] with its title".into())
        );
        // Unknown keys, a missing title and an impossible year are refused.
        let typo = format!("{CITY}\n[sources.plan]\ntitle = \"t\"\nissued = 2022\n");
        assert!(
            toml::from_str::<crate::scenario::raw::RawScenario>(&typo)
                .unwrap_err()
                .to_string()
                .contains("unknown field `issued`")
        );
        let untitled = format!("{CITY}\n[sources.plan]\nissuer = \"x\"\n");
        assert_eq!(
            check(&untitled).map(|_| ()),
            Err("s.toml: sources.plan: has no `title`".into())
        );
        let year = format!("{CITY}\n[sources.plan]\ntitle = \"t\"\nyear = 22\n");
        assert_eq!(
            check(&year).map(|_| ()),
            Err("s.toml: sources.plan.year: 22 is not a year from 1950 to 2100".into())
        );
    }

    #[test]
    fn a_source_may_name_several_ids() {
        let ids: Vec<&str> = crate::scenario::source_ids(" a_1, b_2 ,, c").collect();
        assert_eq!(ids, ["a_1", "b_2", "c"]);
    }
}
