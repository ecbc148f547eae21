//! Plan targets: an indicator the region projects, a kind that suits it, a period within
//! the projection, a value in range, `applies` for level targets, a tolerance for 左右
//! targets, the target's nature, and the plan text it comes from; ids made unique.

use super::MAX_PERSONS;
use super::ctx::{Ctx, R};
use super::horizon::Horizon;
use super::shared::{indicator, parse_period};
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::dist::num;
use crate::scenario::raw::{RawApplies, RawNature, RawScenario, RawTarget, RawTargetKind};
use crate::scenario::{Applies, Nature, Region, Target, TargetKind};
use std::collections::HashSet;

/// Every region's targets, region by region in file order. Ids are
/// `region.indicator.kind`, with `.2`, `.3`… appended to repeats. Every target is
/// checked; `None` if any has a problem (each recorded in `ctx`).
pub(super) fn targets(
    ctx: &Ctx,
    raw: &RawScenario,
    regions: &[Region],
    horizon: &Horizon,
) -> Option<Vec<Target>> {
    let mut targets: Vec<Target> = Vec::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut complete = true;
    for (ri, (id, r)) in raw.regions.iter().enumerate() {
        for (k, t) in r.targets.iter().enumerate() {
            let tk = format!("regions.{id}.targets[{k}]");
            let Some(mut target) =
                ctx.keep(target(ctx, &tk, (ri, &regions[ri]), regions, t, horizon))
            else {
                complete = false;
                continue;
            };
            let mut tid = format!("{id}.{}.{}", target.indicator, target.kind.key());
            if !seen_ids.insert(tid.clone()) {
                let mut n = 2;
                while !seen_ids.insert(format!("{tid}.{n}")) {
                    n += 1;
                }
                tid = format!("{tid}.{n}");
            }
            target.id = tid;
            targets.push(target);
        }
    }
    complete.then_some(targets)
}

/// One target at key path `tk` of region `ri`; its id is left empty.
fn target(
    ctx: &Ctx,
    tk: &str,
    (ri, region): (usize, &Region),
    regions: &[Region],
    t: &RawTarget,
    horizon: &Horizon,
) -> R<Target> {
    let ind = indicator(ctx, &format!("{tk}.indicator"), &t.indicator)?;
    if !region.indicators.contains(&ind) {
        return Err(ctx.err(
            format!("{tk}.indicator"),
            not_projected(region, regions, ind),
        ));
    }
    let kind = kind(ctx, tk, t)?;
    let (first, last) = period(ctx, tk, t, horizon)?;
    let value = t
        .value
        .ok_or_else(|| ctx.err(format!("{tk}.value"), "is required"))?
        .0;
    let most = match ind.kind() {
        IndicatorKind::Rate => 100.0,
        IndicatorKind::Stock => MAX_PERSONS,
        IndicatorKind::Flow => MAX_PERSONS * f64::from(last - first + 1),
    };
    if !(0.0..=most).contains(&value) {
        return Err(ctx.err(
            format!("{tk}.value"),
            format!("must lie in [0, {most}] for {ind}, got {}", num(value)),
        ));
    }
    let applies = applies(ctx, tk, t, kind, ind)?;
    let tolerance = tolerance(ctx, tk, t, kind, most)?;
    let nature = nature(ctx, tk, t)?;
    let (source, quote, assumption) = provenance(ctx, tk, t)?;
    Ok(Target {
        id: String::new(),
        region: ri,
        indicator: ind,
        kind,
        first_year: first,
        last_year: last,
        value,
        tolerance,
        applies,
        nature,
        source,
        quote,
        assumption,
        note: t.note.clone(),
    })
}

/// Where a target comes from: the plan document and its Chinese text; or an `assumption`
/// saying how it was read (a 年均 reading, a floor inferred from a table without 以上, a
/// target the user poses), with the document and quote it rests on where there are.
fn provenance(ctx: &Ctx, tk: &str, t: &RawTarget) -> R<(String, String, Option<String>)> {
    let Some(assumption) = &t.assumption else {
        let source = plan_text(
            ctx,
            &format!("{tk}.source"),
            &t.source,
            "the plan document the target comes from (or an `assumption` saying how the target was read)",
        )?;
        let quote = plan_text(
            ctx,
            &format!("{tk}.quote"),
            &t.quote,
            "the plan's Chinese text",
        )?;
        return Ok((source, quote, None));
    };
    if assumption.trim().is_empty() {
        return Err(ctx.err(
            format!("{tk}.assumption"),
            "is empty: say how the target was read, or leave `assumption` out",
        ));
    }
    let given = |v: &Option<String>| {
        v.clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_default()
    };
    let (source, quote) = (given(&t.source), given(&t.quote));
    if source.is_empty() && !quote.is_empty() {
        return Err(ctx.err(
            format!("{tk}.source"),
            "is required with a quote: the document the quote comes from",
        ));
    }
    Ok((source, quote, Some(assumption.trim().to_string())))
}

/// The target's kind (required).
fn kind(ctx: &Ctx, tk: &str, t: &RawTarget) -> R<TargetKind> {
    match t.kind {
        Some(RawTargetKind::CumulativeFloor) => Ok(TargetKind::CumulativeFloor),
        Some(RawTargetKind::LevelCap) => Ok(TargetKind::LevelCap),
        Some(RawTargetKind::LevelFloor) => Ok(TargetKind::LevelFloor),
        Some(RawTargetKind::LevelAbout) => Ok(TargetKind::LevelAbout),
        None => Err(ctx.err(
            format!("{tk}.kind"),
            "is required (cumulative_floor, level_cap, level_floor or level_about)",
        )),
    }
}

/// The target's period: a year or a range of years within the projection.
fn period(ctx: &Ctx, tk: &str, t: &RawTarget, horizon: &Horizon) -> R<(i32, i32)> {
    let (base_year, end_year) = (horizon.base_year, horizon.end_year);
    let p = t.period.as_deref().ok_or_else(|| {
        ctx.err(
            format!("{tk}.period"),
            "is required, e.g. \"2021-2025\" or \"2025\"",
        )
    })?;
    let (first, last) = parse_period(p).ok_or_else(|| {
        ctx.err(
            format!("{tk}.period"),
            format!("`{p}` is not a period like \"2021-2025\" or a year"),
        )
    })?;
    if first <= base_year || last > end_year {
        let hint = if first <= base_year && last > base_year {
            "; for a plan whose period has begun, keep base_year before the period and condition on the published years ([observations], docs/MODEL.md §9)"
        } else {
            ""
        };
        return Err(ctx.err(
            format!("{tk}.period"),
            format!(
                "{p} is outside the projection years {}-{end_year}{hint}",
                base_year + 1
            ),
        ));
    }
    Ok((first, last))
}

/// For a level target, every year, the end year or the period's average (required); a
/// cumulative_floor target is on a flow and takes no `applies`.
fn applies(
    ctx: &Ctx,
    tk: &str,
    t: &RawTarget,
    kind: TargetKind,
    ind: Indicator,
) -> R<Option<Applies>> {
    if kind == TargetKind::CumulativeFloor {
        if ind.kind() != IndicatorKind::Flow {
            return Err(ctx.err(
                format!("{tk}.kind"),
                format!(
                    "cumulative_floor applies to flows; {ind} is a {:?}",
                    ind.kind()
                )
                .to_lowercase(),
            ));
        }
        if t.applies.is_some() {
            return Err(ctx.err(
                format!("{tk}.applies"),
                "does not apply to cumulative_floor (the period's total is checked)",
            ));
        }
    }
    match (kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => Ok(None),
        (_, Some(RawApplies::EachYear)) => Ok(Some(Applies::EachYear)),
        (_, Some(RawApplies::End)) => Ok(Some(Applies::End)),
        (_, Some(RawApplies::Average)) => Ok(Some(Applies::Average)),
        (_, None) => Err(ctx.err(
            format!("{tk}.applies"),
            "is required for level targets: \"each_year\", \"end\" or \"average\"",
        )),
    }
}

/// A level_about target's tolerance, in [0, `most`]; other kinds take none.
fn tolerance(ctx: &Ctx, tk: &str, t: &RawTarget, kind: TargetKind, most: f64) -> R<Option<f64>> {
    match (kind, t.tolerance) {
        (TargetKind::LevelAbout, Some(tol)) if tol.0 > most => Err(ctx.err(
            format!("{tk}.tolerance"),
            format!("must lie in [0, {most}], got {}", num(tol.0)),
        )),
        (TargetKind::LevelAbout, Some(tol)) => Ok(Some(tol.0)),
        (TargetKind::LevelAbout, None) => Err(ctx.err(
            format!("{tk}.tolerance"),
            "is required for level_about (左右) targets",
        )),
        (_, Some(_)) => Err(ctx.err(
            format!("{tk}.tolerance"),
            "applies only to level_about targets",
        )),
        (_, None) => Ok(None),
    }
}

/// Whether the plan calls the target expected or binding (required).
fn nature(ctx: &Ctx, tk: &str, t: &RawTarget) -> R<Nature> {
    match t.nature {
        Some(RawNature::Expected) => Ok(Nature::Expected),
        Some(RawNature::Binding) => Ok(Nature::Binding),
        Some(RawNature::Unspecified) => Ok(Nature::Unspecified),
        None => Err(ctx.err(
            format!("{tk}.nature"),
            "is required: `expected` (预期性), `binding` (约束性) or `unspecified`",
        )),
    }
}

/// Why `region` does not project `ind`, and what to add so that it does (after
/// `\nhelp: `).
fn not_projected(region: &Region, regions: &[Region], ind: Indicator) -> String {
    if !region.children.is_empty() {
        let missing: Vec<&str> = region
            .children
            .iter()
            .map(|&c| &regions[c])
            .filter(|c| !c.indicators.contains(&ind))
            .map(|c| c.id.as_str())
            .collect();
        let first = missing
            .first()
            .and_then(|id| regions.iter().find(|r| r.id == *id));
        let child_help = first.map_or(String::new(), |c| leaf_help(c, ind));
        return format!(
            "region `{}` does not project {ind}: it is the sum of its child regions, and {} {} not project it\nhelp: {child_help}; or leave `parent` out of {}",
            region.id,
            missing.join(", "),
            if missing.len() == 1 { "does" } else { "do" },
            missing.join(", "),
        );
    }
    format!(
        "region `{}` does not project {ind}\nhelp: {}",
        region.id,
        leaf_help(region, ind)
    )
}

/// What to add to a simulated region so that it projects `ind`.
fn leaf_help(region: &Region, ind: Indicator) -> String {
    let rk = format!("regions.{}", region.id);
    match ind {
        Indicator::SurveyedUnemploymentRate => format!(
            "add [{rk}.unemployment] with `initial` (the rate in the base year) and `natural_rate`, each a value with its source and quote or an assumption; the shared [unemployment] section holds the rest of the rate's model"
        ),
        Indicator::RegisteredUnemploymentRate => format!(
            "add [{rk}.unemployment] with `initial` and `natural_rate` (the surveyed rate), and `registered_gap` (surveyed minus registered, in points)"
        ),
        Indicator::RuralTransferStock => format!(
            "add [{rk}.baselines.rural_transfer_stock] (kind = \"level\", year, value) and a rural_transfer_new baseline (its inflow)"
        ),
        _ => format!(
            "add [{rk}.baselines.{}] with the plan's figure: a 2016-2020 total (kind = \"cumulative\", period = \"2016-2020\") or one year's flow (kind = \"annual\", year)",
            ind.key()
        ),
    }
}

/// A non-blank text at `key`: the target's source or quote.
fn plan_text(ctx: &Ctx, key: &str, text: &Option<String>, what: &str) -> R<String> {
    text.clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ctx.err(key, format!("is required: {what}")))
}

#[cfg(test)]
mod tests {
    use super::super::aggregates::indicators;
    use super::super::horizon::horizon;
    use super::super::regions::{regions, structure};
    use super::super::testutil::{CITY, ctx, err, raw};
    use super::*;

    fn check(extra: &str) -> R<Vec<Target>> {
        let (c, r) = (&mut ctx(), raw(&format!("{CITY}{extra}")));
        let h = horizon(c, &r)?;
        let s = structure(c, &r)?;
        let mut regs = regions(c, &r, &s, &h).ok_or_else(|| c.take_errors().remove(0))?;
        indicators(c, &mut regs, &s.leaves)?;
        let t = targets(c, &r, &regs, &h).ok_or_else(|| c.take_errors().remove(0));
        super::super::testutil::first(c, t)
    }

    const FLOOR: &str = r#"
[[regions.city.targets]]
indicator = "urban_new_jobs"
kind = "cumulative_floor"
period = "2021-2023"
value = 30
nature = "expected"
source = "plan"
quote = "新增30万人"
"#;

    const ABOUT: &str = r#"
[[regions.city.targets]]
indicator = "surveyed_unemployment_rate"
kind = "level_about"
applies = "each_year"
tolerance = 0.5
period = "2023"
value = 5.5
nature = "binding"
source = "plan"
quote = "5.5%左右"
"#;

    #[test]
    fn targets_get_unique_ids() {
        let t = check(&format!("{FLOOR}{ABOUT}{FLOOR}{FLOOR}")).expect("valid targets");
        let ids: Vec<&str> = t.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "city.urban_new_jobs.cumulative_floor",
                "city.surveyed_unemployment_rate.level_about",
                "city.urban_new_jobs.cumulative_floor.2",
                "city.urban_new_jobs.cumulative_floor.3",
            ]
        );
        assert_eq!(
            (t[1].first_year, t[1].last_year, t[1].tolerance),
            (2023, 2023, Some(0.5))
        );
        assert_eq!(
            (t[0].applies, t[1].applies),
            (None, Some(Applies::EachYear))
        );
    }

    #[test]
    fn level_targets_may_apply_to_the_period_average() {
        let avg = ABOUT.replace("\"each_year\"", "\"average\"");
        let cap = avg.replace("kind = \"level_about\"\n", "kind = \"level_cap\"\n");
        let cap = cap.replace("tolerance = 0.5\n", "");
        let t = check(&format!("{avg}{cap}")).expect("valid targets");
        assert_eq!(
            (t[0].kind, t[0].applies, t[1].kind, t[1].applies),
            (
                TargetKind::LevelAbout,
                Some(Applies::Average),
                TargetKind::LevelCap,
                Some(Applies::Average)
            )
        );
        let cases = [
            (
                FLOOR.replace("period =", "applies = \"average\"\nperiod ="),
                "s.toml: regions.city.targets[0].applies: does not apply to cumulative_floor (the period's total is checked)",
            ),
            (
                ABOUT.replace("applies = \"each_year\"\n", ""),
                "s.toml: regions.city.targets[0].applies: is required for level targets: \"each_year\", \"end\" or \"average\"",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(err(check(&text)), expected, "{text}");
        }
    }

    #[test]
    fn bad_targets_are_rejected() {
        let cases = [
            (
                ("\"urban_new_jobs\"", "\"rural_transfer_new\""),
                "s.toml: regions.city.targets[0].indicator: region `city` does not project rural_transfer_new\nhelp: add [regions.city.baselines.rural_transfer_new] with the plan's figure: a 2016-2020 total (kind = \"cumulative\", period = \"2016-2020\") or one year's flow (kind = \"annual\", year)",
            ),
            (
                ("period = \"2021-2023\"", "period = \"2021-2024\""),
                "s.toml: regions.city.targets[0].period: 2021-2024 is outside the projection years 2021-2023",
            ),
            (
                ("value = 30", "value = 300001"),
                "s.toml: regions.city.targets[0].value: must lie in [0, 300000] for urban_new_jobs, got 300001",
            ),
            (
                (
                    "kind = \"cumulative_floor\"",
                    "kind = \"cumulative_floor\"\napplies = \"end\"",
                ),
                "s.toml: regions.city.targets[0].applies: does not apply to cumulative_floor (the period's total is checked)",
            ),
            (
                ("tolerance = 0.5", "tolerance = 101"),
                "s.toml: regions.city.targets[1].tolerance: must lie in [0, 100], got 101",
            ),
            (
                ("kind = \"level_about\"", "kind = \"level_cap\""),
                "s.toml: regions.city.targets[1].tolerance: applies only to level_about targets",
            ),
            (
                ("nature = \"binding\"", ""),
                "s.toml: regions.city.targets[1].nature: is required: `expected` (预期性), `binding` (约束性) or `unspecified`",
            ),
            (
                ("quote = \"新增30万人\"", "quote = \" \""),
                "s.toml: regions.city.targets[0].quote: is required: the plan's Chinese text",
            ),
        ];
        for ((from, to), expected) in cases {
            let text = format!("{FLOOR}{ABOUT}").replacen(from, to, 1);
            assert_eq!(err(check(&text)), expected, "{to}");
        }
    }

    #[test]
    fn a_target_may_say_how_it_was_read() {
        // With an assumption, the quote and source stay when given...
        let read = FLOOR.replace(
            "quote = \"新增30万人\"\n",
            "quote = \"新增30万人\"\nassumption = \" Read as a floor: no 以上. \"\n",
        );
        let t = check(&read).expect("valid");
        assert_eq!(
            (
                t[0].source.as_str(),
                t[0].quote.as_str(),
                t[0].assumption.as_deref()
            ),
            ("plan", "新增30万人", Some("Read as a floor: no 以上."))
        );
        // ...and may be left out: a target the user poses.
        let posed = read
            .replace("source = \"plan\"\n", "")
            .replace("quote = \"新增30万人\"\n", "");
        let t = check(&posed).expect("valid");
        assert_eq!((t[0].source.as_str(), t[0].quote.as_str()), ("", ""));
        // Without one, both are required; a quote needs its document; a blank assumption
        // says nothing.
        let cases = [
            (
                FLOOR.replace("source = \"plan\"\n", ""),
                "s.toml: regions.city.targets[0].source: is required: the plan document the target comes from (or an `assumption` saying how the target was read)",
            ),
            (
                read.replace("source = \"plan\"\n", ""),
                "s.toml: regions.city.targets[0].source: is required with a quote: the document the quote comes from",
            ),
            (
                read.replace(" Read as a floor: no 以上. ", "  "),
                "s.toml: regions.city.targets[0].assumption: is empty: say how the target was read, or leave `assumption` out",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(err(check(&text)), expected, "{text}");
        }
    }

    #[test]
    fn the_plans_words_stand_for_the_keywords_they_name() {
        let zh = ABOUT
            .replace("\"level_about\"", "\"左右\"")
            .replace("\"binding\"", "\"约束性\"");
        let t = check(&format!(
            "{}{zh}",
            FLOOR.replace("\"expected\"", "\"预期性\"")
        ))
        .expect("valid");
        assert_eq!(
            (t[0].nature, t[1].kind, t[1].nature),
            (Nature::Expected, TargetKind::LevelAbout, Nature::Binding)
        );
        // 年均 is read two ways in the plans, so it is not a keyword.
        let e = toml::from_str::<crate::scenario::raw::RawScenario>(
            &ABOUT.replace("\"each_year\"", "\"年均\""),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown variant `年均`, expected one of `each_year`, `end`, `average`"),
            "{e}"
        );
    }
}
