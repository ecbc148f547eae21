//! Shocks and levers: at most [`MAX_EVENTS`] of each, years within the projection, the
//! regions they hit, the sizes of their effects, the shocks' scales and provenance, and
//! growth shocks of one year that together stay within [`MAX_COMBINED_SHOCK`] points.

use super::ctx::{Ctx, R};
use super::horizon::Horizon;
use super::regions::Structure;
use super::shared::indicator;
use super::{
    MAX_COMBINED_SHOCK, MAX_EVENTS, MAX_FLOW_EFFECT, MAX_GROWTH, MAX_HORIZON, MAX_RATE_EFFECT,
    MAX_SHOCK_SCALE,
};
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::dist::num;
use crate::scenario::raw::{RawEffect, RawLever, RawScenario, RawShock};
use crate::scenario::{Lever, Region, Shock};

/// Checks the number of shocks, then of levers.
pub(super) fn check_counts(ctx: &Ctx, raw: &RawScenario) -> R<()> {
    if raw.shocks.len() > MAX_EVENTS {
        return Err(ctx.err(
            "shocks",
            format!(
                "has {} shocks; a scenario takes at most {MAX_EVENTS}",
                raw.shocks.len()
            ),
        ));
    }
    if raw.levers.len() > MAX_EVENTS {
        return Err(ctx.err(
            "levers",
            format!(
                "has {} levers; a scenario takes at most {MAX_EVENTS}",
                raw.levers.len()
            ),
        ));
    }
    Ok(())
}

/// Regions named by a shock or lever at `key` → leaf positions, sorted (an aggregate
/// expands to its children; no list means every leaf).
fn leaves_of(
    ctx: &Ctx,
    structure: &Structure,
    key: &str,
    names: &Option<Vec<String>>,
) -> R<Vec<usize>> {
    let Some(list) = names else {
        return Ok((0..structure.leaves.len()).collect());
    };
    if list.is_empty() {
        return Err(ctx.err(key, "is empty; omit it to mean every region"));
    }
    let mut out = Vec::new();
    for (k, n) in list.iter().enumerate() {
        let ri = structure.index_of(n).ok_or_else(|| {
            ctx.err(
                format!("{key}[{k}]"),
                format!(
                    "unknown region `{n}`; regions: {}",
                    structure.ids.join(", ")
                ),
            )
        })?;
        let mut add = |li: usize| {
            if !out.contains(&li) {
                out.push(li)
            }
        };
        match structure.leaf_pos(ri) {
            Some(li) => add(li),
            None => structure.children[ri]
                .iter()
                .filter_map(|&c| structure.leaf_pos(c))
                .for_each(add),
        }
    }
    out.sort();
    Ok(out)
}

/// Every shock in file order; each scale takes the next slot. Every shock is checked;
/// `None` if any has a problem (each recorded in `ctx`).
pub(super) fn shocks(
    ctx: &mut Ctx,
    raw: &RawScenario,
    structure: &Structure,
    horizon: &Horizon,
) -> Option<Vec<Shock>> {
    let mut shocks = Vec::new();
    let mut complete = true;
    for (sname, s) in &raw.shocks {
        let checked = shock(ctx, structure, horizon, sname, s);
        match ctx.keep(checked) {
            Some(s) => shocks.push(s),
            None => complete = false,
        }
    }
    complete.then_some(shocks)
}

/// One shock: its year, probability, growth changes, regions, effects, provenance, scale.
fn shock(
    ctx: &mut Ctx,
    structure: &Structure,
    horizon: &Horizon,
    sname: &str,
    s: &RawShock,
) -> R<Shock> {
    let (base_year, end_year) = (horizon.base_year, horizon.end_year);
    let sk = format!("shocks.{sname}");
    let year = s
        .year
        .ok_or_else(|| ctx.err(format!("{sk}.year"), "is required"))?;
    if !horizon.years.contains(&year) {
        return Err(ctx.err(
            format!("{sk}.year"),
            format!(
                "{year} is outside the projection years {}-{end_year}",
                base_year + 1
            ),
        ));
    }
    let probability = s
        .probability
        .ok_or_else(|| ctx.err(format!("{sk}.probability"), "is required"))?
        .0;
    let remaining = (end_year - year + 1) as usize;
    if s.growth.len() > remaining {
        return Err(ctx.err(
            format!("{sk}.growth"),
            format!(
                "has {} yearly values but only {remaining} projection years remain from {year}",
                s.growth.len()
            ),
        ));
    }
    if let Some(v) = s.growth.iter().find(|v| v.0.abs() > MAX_GROWTH) {
        return Err(ctx.err(
            format!("{sk}.growth"),
            format!(
                "yearly growth shocks must lie in [-{MAX_GROWTH}, {MAX_GROWTH}] points, got {}",
                num(v.0)
            ),
        ));
    }
    let shock_leaves = leaves_of(ctx, structure, &format!("{sk}.regions"), &s.regions)?;
    let mut effects = Vec::new();
    for (k, e) in s.effects.iter().enumerate() {
        let ek = format!("{sk}.effects[{k}]");
        effects.push(effect(ctx, &ek, e, year, remaining)?);
    }
    if s.growth.is_empty() && effects.is_empty() {
        return Err(ctx.err(&sk, "has neither `growth` nor `effects`"));
    }
    let provenance = ctx.provenance(&sk, &s.source, &s.quote, &s.assumption);
    let scale = s
        .scale
        .as_ref()
        .map(|p| ctx.param(&format!("{sk}.scale"), p, 0.0, MAX_SHOCK_SCALE));
    Ok(Shock {
        name: sname.to_string(),
        description: s.description.clone().unwrap_or_default(),
        year,
        probability,
        leaves: shock_leaves,
        growth: s.growth.iter().map(|v| v.0).collect(),
        scale,
        effects,
        provenance,
    })
}

/// One direct effect of a shock at key path `ek`: a flow or rate (not the stock), with
/// 1 to `remaining` yearly sizes in range.
fn effect(
    ctx: &Ctx,
    ek: &str,
    e: &RawEffect,
    year: i32,
    remaining: usize,
) -> R<(Indicator, Vec<f64>)> {
    let ind = indicator(ctx, &format!("{ek}.indicator"), &e.indicator)?;
    if ind.kind() == IndicatorKind::Stock {
        return Err(ctx.err(
            format!("{ek}.indicator"),
            "a stock changes through its inflow; put the effect on rural_transfer_new",
        ));
    }
    if e.size.is_empty() || e.size.len() > remaining {
        return Err(ctx.err(
            format!("{ek}.size"),
            format!("needs 1 to {remaining} yearly values from {year}"),
        ));
    }
    if ind.kind() == IndicatorKind::Flow {
        if let Some(v) = e.size.iter().find(|v| v.0 <= -1.0 || v.0 > MAX_FLOW_EFFECT) {
            return Err(ctx.err(
                format!("{ek}.size"),
                format!(
                    "a relative change of a flow must lie in (-1, {MAX_FLOW_EFFECT}] (−100 % to +{} %), got {}",
                    MAX_FLOW_EFFECT * 100.0,
                    num(v.0)
                ),
            ));
        }
    } else if let Some(v) = e.size.iter().find(|v| v.0.abs() > MAX_RATE_EFFECT) {
        return Err(ctx.err(
            format!("{ek}.size"),
            format!(
                "a shift of the rate must lie in [-{MAX_RATE_EFFECT}, {MAX_RATE_EFFECT}] points, got {}",
                num(v.0)
            ),
        ));
    }
    Ok((ind, e.size.iter().map(|v| v.0).collect()))
}

/// Checks that the growth shocks of one year, each at its largest scale, add up to at most
/// [`MAX_COMBINED_SHOCK`] points in absolute value.
pub(super) fn check_combined_shocks(ctx: &Ctx, shocks: &[Shock], years: &[i32]) -> R<()> {
    for &y in years {
        let mut total = 0.0;
        let mut names = Vec::new();
        for s in shocks {
            let Some(g) = usize::try_from(y - s.year)
                .ok()
                .and_then(|j| s.growth.get(j))
            else {
                continue;
            };
            let scale = s.scale.map_or(1.0, |slot| ctx.params[slot].support_high());
            if *g != 0.0 {
                total += g.abs() * scale;
                names.push(s.name.as_str());
            }
            if total > MAX_COMBINED_SHOCK {
                return Err(ctx.err(
                    format!("shocks.{}.growth", s.name),
                    format!(
                        "the growth shocks of {y} ({}) can add up to {total} points at their largest scale; together they must stay within {MAX_COMBINED_SHOCK} points",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Every lever in file order; each effect takes the next slot. Every lever is checked;
/// `None` if any has a problem (each recorded in `ctx`).
pub(super) fn levers(
    ctx: &mut Ctx,
    raw: &RawScenario,
    structure: &Structure,
    horizon: &Horizon,
    regions: &[Region],
) -> Option<Vec<Lever>> {
    let mut levers = Vec::new();
    let mut complete = true;
    for (lname, l) in &raw.levers {
        let checked = lever(ctx, structure, horizon, regions, lname, l);
        match ctx.keep(checked) {
            Some(l) => levers.push(l),
            None => complete = false,
        }
    }
    complete.then_some(levers)
}

/// One lever: a flow or rate its regions project, a start year in the projection, a ramp,
/// and its effect.
fn lever(
    ctx: &mut Ctx,
    structure: &Structure,
    horizon: &Horizon,
    regions: &[Region],
    lname: &str,
    l: &RawLever,
) -> R<Lever> {
    let (base_year, end_year) = (horizon.base_year, horizon.end_year);
    let lk = format!("levers.{lname}");
    let ind = indicator(ctx, &format!("{lk}.indicator"), &l.indicator)?;
    if ind.kind() == IndicatorKind::Stock {
        return Err(ctx.err(
            format!("{lk}.indicator"),
            "a stock changes through its inflow; put the lever on rural_transfer_new",
        ));
    }
    let start_year = l
        .start_year
        .ok_or_else(|| ctx.err(format!("{lk}.start_year"), "is required"))?;
    if start_year <= base_year || start_year > end_year {
        return Err(ctx.err(
            format!("{lk}.start_year"),
            format!(
                "{start_year} is outside the projection years {}-{end_year}",
                base_year + 1
            ),
        ));
    }
    let ramp_years = l.ramp_years.unwrap_or(0);
    if ramp_years > MAX_HORIZON as u32 {
        return Err(ctx.err(
            format!("{lk}.ramp_years"),
            format!("must be at most {MAX_HORIZON}"),
        ));
    }
    let lever_leaves = leaves_of(ctx, structure, &format!("{lk}.regions"), &l.regions)?;
    for &li in &lever_leaves {
        let ri = structure.leaves[li];
        if !regions[ri].indicators.contains(&ind) {
            return Err(ctx.err(
                format!("{lk}.regions"),
                format!("region `{}` does not project {ind}", structure.ids[ri]),
            ));
        }
    }
    let (lo, hi) = match ind.kind() {
        IndicatorKind::Flow => (-0.99, MAX_FLOW_EFFECT),
        _ => (-MAX_RATE_EFFECT, MAX_RATE_EFFECT),
    };
    let effect = ctx.required_param(&format!("{lk}.effect"), l.effect.as_ref(), lo, hi);
    Ok(Lever {
        name: lname.to_string(),
        description: l.description.clone().unwrap_or_default(),
        indicator: ind,
        leaves: lever_leaves,
        start_year,
        ramp_years,
        effect,
    })
}

#[cfg(test)]
mod tests {
    use super::super::aggregates::indicators;
    use super::super::horizon::horizon;
    use super::super::regions::{regions, structure};
    use super::super::testutil::{CITY, ctx, err, raw};
    use super::*;

    /// The shocks and levers of a scenario.
    type Events = (Vec<Shock>, Vec<Lever>);

    /// Validates the one-city scenario with `extra` appended, up to its events; also gives
    /// the names of the events' parameters.
    fn check(extra: &str) -> (R<Events>, Vec<String>) {
        let (c, r) = (&mut ctx(), raw(&format!("{CITY}{extra}")));
        let result = (|| {
            let h = horizon(c, &r)?;
            let s = structure(c, &r)?;
            let mut regs = regions(c, &r, &s, &h).ok_or_else(|| c.take_errors().remove(0))?;
            indicators(c, &mut regs, &s.leaves)?;
            let first = c.params.len();
            check_counts(c, &r)?;
            let shocks = shocks(c, &r, &s, &h).ok_or_else(|| c.take_errors().remove(0))?;
            check_combined_shocks(c, &shocks, &h.years)?;
            let levers = levers(c, &r, &s, &h, &regs).ok_or_else(|| c.take_errors().remove(0))?;
            c.params.drain(..first);
            Ok((shocks, levers))
        })();
        let result = super::super::testutil::first(c, result);
        (result, c.params.iter().map(|p| p.name.clone()).collect())
    }

    const EVENTS: &str = r#"
[shocks.dip]
year = 2022
probability = 0.5
growth = [-3, -1]
scale = { dist = "uniform", low = 0.5, high = 2, assumption = "x" }
effects = [{ indicator = "surveyed_unemployment_rate", size = [0.5] }]
assumption = "x"

[levers.jobs]
indicator = "urban_new_jobs"
start_year = 2021
ramp_years = 2
effect = { value = 0.1, assumption = "x" }
"#;

    #[test]
    fn shocks_and_levers_take_slots_in_file_order() {
        let (events, names) = check(EVENTS);
        let (shocks, levers) = events.expect("valid events");
        assert_eq!(shocks[0].leaves, [0]);
        assert_eq!(shocks[0].growth, [-3.0, -1.0]);
        assert_eq!(levers[0].ramp_years, 2);
        assert_eq!(names, ["shocks.dip.scale", "levers.jobs.effect"]);
    }

    #[test]
    fn bad_events_are_rejected() {
        let cases = [
            (
                ("year = 2022", "year = 2020"),
                "s.toml: shocks.dip.year: 2020 is outside the projection years 2021-2023",
            ),
            (
                ("growth = [-3, -1]", "growth = [-3, -1, 0]"),
                "s.toml: shocks.dip.growth: has 3 yearly values but only 2 projection years remain from 2022",
            ),
            (
                ("growth = [-3, -1]", "growth = [-20, -1]"),
                "s.toml: shocks.dip.growth: the growth shocks of 2022 (dip) can add up to 40 points at their largest scale; together they must stay within 30 points",
            ),
            (
                ("size = [0.5]", "size = [25]"),
                "s.toml: shocks.dip.effects[0].size: a shift of the rate must lie in [-20, 20] points, got 25",
            ),
            (
                (
                    "probability = 0.5",
                    "regions = [\"town\"]\nprobability = 0.5",
                ),
                "s.toml: shocks.dip.regions[0]: unknown region `town`; regions: city",
            ),
            (
                ("\"urban_new_jobs\"\nstart", "\"rural_transfer_new\"\nstart"),
                "s.toml: levers.jobs.regions: region `city` does not project rural_transfer_new",
            ),
            (
                ("start_year = 2021", "start_year = 2020"),
                "s.toml: levers.jobs.start_year: 2020 is outside the projection years 2021-2023",
            ),
            (
                ("effect = { value = 0.1", "effect = { value = -1"),
                "s.toml: levers.jobs.effect: must lie in [-0.99, 3], got -1",
            ),
        ];
        for ((from, to), expected) in cases {
            assert_eq!(
                err(check(&EVENTS.replacen(from, to, 1)).0),
                expected,
                "{to}"
            );
        }
    }

    #[test]
    fn too_many_events_are_rejected() {
        let many: String = (0..=MAX_EVENTS)
            .map(|i| format!("[levers.l{i}]\n"))
            .collect();
        assert_eq!(
            err(check(&many).0),
            "s.toml: levers: has 21 levers; a scenario takes at most 20"
        );
    }
}
