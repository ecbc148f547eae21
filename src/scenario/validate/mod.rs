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
//! - `sources`: the `[sources]` table, and every `source` the scenario writes declared in
//!   it.
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

/// Validates a loaded scenario: the passes in order, each finding every problem it can;
/// a pass whose result a later one needs stops the later ones when it fails. The
/// problems are those the parser stepped over, then those validation found (without
/// those that only follow from an entry the parser left out).
pub(super) fn validate(path: &Path, loaded: Loaded) -> Result<Scenario, Vec<ScenarioError>> {
    let Loaded {
        raw,
        merged,
        files,
        name,
        observations,
        problems,
        removed,
    } = loaded;
    let mut ctx = Ctx::new(path);
    let built = build(&mut ctx, &raw, observations);
    sources::check_cited(&ctx, &merged, &raw);
    let mut errors = problems;
    let found = ctx.take_errors();
    let found = found
        .into_iter()
        .filter(|e| !follows_from_removed(e, &removed));
    errors.extend(merge_inherited(found));
    let parts = match built {
        Some(parts) if errors.is_empty() => parts,
        _ => return Err(errors),
    };
    let scn = Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        files,
        base_year: parts.horizon.base_year,
        end_year: parts.horizon.end_year,
        in_sample: parts.horizon.in_sample,
        paths: parts.mc.paths as usize,
        seed: parts.mc.seed,
        params: ctx.params,
        growth: parts.growth,
        unemployment: parts.unemployment,
        series: parts.series,
        regions: parts.regions,
        leaves: parts.leaves,
        correlation: parts.correlation,
        shocks: parts.shocks,
        levers: parts.levers,
        targets: parts.targets,
        observations: parts.observations,
        sources: parts.sources,
        resolved: merged,
    };
    Ok(scn)
}

/// What the passes build, before it is put together as a [`Scenario`].
struct Parts {
    horizon: horizon::Horizon,
    mc: horizon::MonteCarlo,
    growth: super::Growth,
    unemployment: super::UnemploymentModel,
    regions: Vec<Region>,
    leaves: Vec<usize>,
    correlation: super::Correlation,
    shocks: Vec<super::Shock>,
    levers: Vec<super::Lever>,
    targets: Vec<super::Target>,
    series: Vec<SeriesKey>,
    observations: Option<super::observed::Observations>,
    sources: Vec<super::Source>,
}

/// Runs the passes in order (parameters take their slots in this order), recording every
/// problem in `ctx`; `None` if any pass failed.
fn build(
    ctx: &mut Ctx,
    raw: &super::raw::RawScenario,
    observations: Vec<super::load::ObservationFile>,
) -> Option<Parts> {
    let horizon = ctx.keep(horizon::horizon(ctx, raw));
    let mc = ctx.keep(horizon::monte_carlo(ctx, raw));
    let structure = ctx.keep(regions::structure(ctx, raw));
    let sources = ctx.keep(sources::sources(ctx, raw));
    let horizon = horizon?;
    let growth = growth::growth(ctx, raw, &horizon.years);
    let growth = ctx.keep(growth);
    let structure = structure?;
    let unemployment = unemployment::model(ctx, raw);
    let unemployment = ctx.keep(unemployment);
    ctx.keep(leaf::check_default_keys(ctx, raw));
    let mut regions = regions::regions(ctx, raw, &structure, &horizon);
    if let Some(r) = regions.as_mut() {
        ctx.keep(aggregates::indicators(ctx, r, &structure.leaves))
            .is_none()
            .then(|| regions.take());
    }
    let correlation = ctx.keep(correlation::correlation(ctx, raw, &structure));
    ctx.keep(events::check_counts(ctx, raw));
    let shocks = events::shocks(ctx, raw, &structure, &horizon);
    if let Some(s) = &shocks {
        ctx.keep(events::check_combined_shocks(ctx, s, &horizon.years));
    }
    let regions = regions?;
    let levers = events::levers(ctx, raw, &structure, &horizon, &regions);
    let targets = targets::targets(ctx, raw, &regions, &horizon);
    let series = series(&regions);
    let observations =
        observations::observations(ctx, raw, observations, &regions, &series, &horizon);
    let observations = ctx.keep(observations);
    Some(Parts {
        horizon,
        mc: mc?,
        growth: growth?,
        unemployment: unemployment?,
        regions,
        leaves: structure.leaves,
        correlation: correlation?,
        shocks: shocks?,
        levers: levers?,
        targets: targets?,
        series,
        observations: observations?,
        sources: sources?,
    })
}

/// The problems of a default under `[indicators]` or `[unemployment]` that several regions
/// inherit, reported once with every region that inherits it.
fn merge_inherited(found: impl Iterator<Item = ScenarioError>) -> Vec<ScenarioError> {
    const MARK: &str = " (inherited by ";
    let mut out: Vec<ScenarioError> = Vec::new();
    for e in found {
        if let ScenarioError::Invalid { key, message, .. } = &e
            && let Some((what, by)) = message.rsplit_once(MARK)
        {
            let same = out.iter_mut().find_map(|o| match o {
                ScenarioError::Invalid {
                    key: k, message: m, ..
                } if k == key && m.starts_with(&format!("{what}{MARK}")) => Some(m),
                _ => None,
            });
            if let Some(m) = same {
                m.truncate(m.len() - 1);
                m.push_str(&format!(", {by}"));
                continue;
            }
        }
        out.push(e);
    }
    out
}

/// Whether a problem at a key path only follows from an entry the parser left out: the
/// entry itself, something under it, the table that holds it (e.g. "needs `value` or
/// `dist`" after `valu = 3` was rejected as an unknown key), or a key beside it spelt
/// nearly the same (`value: is required` after `valu`).
fn follows_from_removed(e: &ScenarioError, removed: &[String]) -> bool {
    use super::spans::{Seg, parse_path};
    let ScenarioError::Invalid { key, .. } = e else {
        return false;
    };
    let key = parse_path(key);
    if key.is_empty() {
        return false;
    }
    removed.iter().any(|r| {
        let r = parse_path(r);
        let beside = r.len() == key.len()
            && r[..r.len() - 1] == key[..key.len() - 1]
            && match (&r[r.len() - 1], &key[key.len() - 1]) {
                (Seg::Key(a), Seg::Key(b)) => super::load::edit_distance(a, b) <= 2,
                _ => false,
            };
        key.starts_with(&r) || (r.len() == key.len() + 1 && r.starts_with(&key)) || beside
    })
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
            merged: text.parse().expect("test TOML"),
            files: Vec::new(),
            name: "s".into(),
            observations: Vec::new(),
            problems: Vec::new(),
            removed: Vec::new(),
        };
        validate(Path::new("s.toml"), loaded).map_err(|mut e| e.remove(0))
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
    fn a_failed_pass_stops_the_passes_that_need_it() {
        // Both the horizon and the growth path are wrong: the growth path is only checked
        // against valid horizon years.
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
    use super::testutil::{CITY, CITY_SOURCES, raw};
    use super::*;

    fn check(text: &str) -> Result<Scenario, String> {
        let loaded = Loaded {
            raw: raw(text),
            files: Vec::new(),
            name: "s".into(),
            observations: Vec::new(),
            merged: text.parse().expect("test TOML"),
            problems: Vec::new(),
            removed: Vec::new(),
        };
        validate(Path::new("s.toml"), loaded).map_err(|e| e[0].to_string())
    }

    #[test]
    fn sources_give_titles_and_every_cited_id_must_be_listed() {
        let bare = CITY.replacen(CITY_SOURCES, "", 1);
        assert_ne!(bare, CITY);
        // Every cited id must be declared: without a table, the first citation says what
        // to add.
        let e = check(&bare).map(|_| ()).unwrap_err();
        assert_eq!(
            e,
            "s.toml: regions.city.baselines.urban_new_jobs.source: unknown source `plan`: the \
             scenario has no [sources] table\nhelp: add [sources.plan] with the document's \
             `title` (and `issuer`, `year`, `date`, `number`), so that charts and reports can \
             name it"
        );
        let with = format!(
            "{bare}\n[sources.plan]\ntitle = \"某市“十四五”就业规划\"\nissuer = \"某市人民政府\"\n\
             year = 2022\ndate = \"2022-04-28\"\nnumber = \"某政〔2022〕36号\"\n"
        );
        let s = check(&with).expect("valid");
        let src = s.source("plan").expect("listed");
        assert_eq!(
            (
                src.title.as_deref(),
                src.issuer.as_deref(),
                src.year,
                src.date.as_deref(),
                src.number.as_deref()
            ),
            (
                Some("某市“十四五”就业规划"),
                Some("某市人民政府"),
                Some(2022),
                Some("2022-04-28"),
                Some("某政〔2022〕36号")
            )
        );
        assert_eq!(
            s.cited_sources()[0],
            (
                "plan".into(),
                "regions.city.baselines.urban_new_jobs".into()
            )
        );
        // A table that lacks a cited id names the key that cites it and the ids declared.
        let other = format!("{bare}\n[sources.other]\ntitle = \"另一份规划\"\n");
        assert_eq!(
            check(&other).map(|_| ()),
            Err("s.toml: regions.city.baselines.urban_new_jobs.source: unknown source `plan`: it is not in [sources]; declared: other\nhelp: cite a declared id, or add [sources.plan] with the document's `title`".into())
        );
        // Unknown keys, a missing title and an impossible year are refused.
        let typo = format!("{bare}\n[sources.plan]\ntitle = \"t\"\nissued = 2022\n");
        assert!(
            toml::from_str::<crate::scenario::raw::RawScenario>(&typo)
                .unwrap_err()
                .to_string()
                .contains("unknown field `issued`")
        );
        let untitled = format!("{bare}\n[sources.plan]\nissuer = \"x\"\n");
        assert_eq!(
            check(&untitled).map(|_| ()),
            Err("s.toml: sources.plan: has no `title`: give the document's title as it is printed, \
                 e.g. 河南省“十四五”人才发展人力资源开发和就业促进规划"
                .into())
        );
        let year = format!("{bare}\n[sources.plan]\ntitle = \"t\"\nyear = 22\n");
        assert_eq!(
            check(&year).map(|_| ()),
            Err("s.toml: sources.plan.year: 22 is not a year from 1950 to 2100".into())
        );
    }

    #[test]
    fn the_plans_words_name_levels_and_totals() {
        let zh = CITY
            .replacen("level = \"city\"", "level = \"市\"", 1)
            .replacen("kind = \"cumulative\"", "kind = \"累计\"", 1);
        assert_ne!(zh, CITY);
        let (a, b) = (check(CITY).expect("valid"), check(&zh).expect("valid"));
        assert_eq!(a.regions[0].level, b.regions[0].level);
        assert_eq!(
            format!("{:?}", a.regions[0].baselines),
            format!("{:?}", b.regions[0].baselines)
        );
        assert_eq!(b.regions[0].level, crate::scenario::Level::City);
    }

    #[test]
    fn a_source_may_name_several_ids() {
        let ids: Vec<&str> = crate::scenario::source_ids(" a_1, b_2 ,, c").collect();
        assert_eq!(ids, ["a_1", "b_2", "c"]);
    }
}
