//! Which indicators each region projects (a leaf: those its model simulates; an aggregate:
//! those all its children project, a rate only if every child has a rate weight), and
//! that an aggregate's cumulative baselines are the sums of its children's.

use super::ctx::{Ctx, R};
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::{BaselineKind, LeafModel, Region};

/// Fills in [`Region::indicators`]: the leaves' first, then each aggregate's in file
/// order, whose cumulative baselines are checked against its children's right after.
pub(super) fn indicators(ctx: &Ctx, regions: &mut [Region], leaves: &[usize]) -> R<()> {
    for &l in leaves {
        if let Some(lm) = regions[l].leaf.as_ref() {
            regions[l].indicators = leaf_indicators(lm);
        }
    }
    for a in 0..regions.len() {
        if regions[a].children.is_empty() {
            continue;
        }
        regions[a].indicators = aggregate_indicators(ctx, regions, a)?;
        check_sums(ctx, regions, a)?;
    }
    Ok(())
}

/// The indicators a leaf model simulates, in output order.
fn leaf_indicators(lm: &LeafModel) -> Vec<Indicator> {
    let mut inds = Vec::new();
    for (fi, f) in Indicator::FLOWS.into_iter().enumerate() {
        if lm.flows[fi].is_some() {
            inds.push(f);
        }
    }
    if lm.stock.is_some() {
        inds.push(Indicator::RuralTransferStock);
    }
    if let Some(u) = &lm.unemployment {
        inds.push(Indicator::SurveyedUnemploymentRate);
        if u.registered_gap.is_some() {
            inds.push(Indicator::RegisteredUnemploymentRate);
        }
    }
    inds.sort();
    inds
}

/// The indicators every child of aggregate `a` projects; a rate needs every child's
/// rate weight.
fn aggregate_indicators(ctx: &Ctx, regions: &[Region], a: usize) -> R<Vec<Indicator>> {
    let kids = &regions[a].children;
    let mut inds = Vec::new();
    for ind in Indicator::ALL {
        if kids.iter().all(|&c| regions[c].indicators.contains(&ind)) {
            if ind.kind() == IndicatorKind::Rate
                && let Some(&c) = kids.iter().find(|&&c| regions[c].rate_weight.is_none())
            {
                return Err(ctx.err(
                    format!("regions.{}.rate_weight", regions[c].id),
                    format!(
                        "is required: `{}` has a rate and its parent `{}` averages its children's rates with these weights",
                        regions[c].id, regions[a].id
                    ),
                ));
            }
            inds.push(ind);
        }
    }
    Ok(inds)
}

/// Consistency of cumulative baselines: where every child of aggregate `a` has the same
/// cumulative baseline, the children must add up to the parent.
fn check_sums(ctx: &Ctx, regions: &[Region], a: usize) -> R<()> {
    for b in &regions[a].baselines {
        if b.kind != BaselineKind::Cumulative {
            continue;
        }
        let kids = &regions[a].children;
        let parts: Vec<(String, f64)> = kids
            .iter()
            .filter_map(|&c| {
                regions[c]
                    .cumulative_like(b)
                    .map(|x| (regions[c].id.clone(), x.value))
            })
            .collect();
        if parts.len() != kids.len() {
            continue;
        }
        let sum: f64 = parts.iter().map(|p| p.1).sum();
        if (sum - b.value).abs() > 1e-6 * b.value.abs().max(1.0) + 0.005 {
            let terms: Vec<String> = parts.iter().map(|(id, v)| format!("{id} {v}")).collect();
            return Err(ctx.err(
                format!("regions.{}.baselines.{}", regions[a].id, b.indicator),
                format!(
                    "is {} but its children sum to {} ({}); the province must be the sum of its parts",
                    b.value,
                    (sum * 1e4).round() / 1e4,
                    terms.join(" + ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::horizon::horizon;
    use super::super::regions::{regions, structure};
    use super::super::testutil::{CITY, ctx, err, raw};
    use super::*;

    /// A province of two copies of the one-city scenario's city.
    fn province(a_jobs: &str, weights: bool) -> String {
        let city = CITY.split("[regions.city]").nth(1).unwrap_or_default();
        let weight = if weights {
            "rate_weight = { value = 1, assumption = \"x\" }\n"
        } else {
            ""
        };
        let child = |id: &str| {
            format!("[regions.{id}]\nparent = \"prov\"\n{weight}{city}")
                .replace("regions.city", &format!("regions.{id}"))
        };
        let head = CITY.split("[regions.city]").next().unwrap_or_default();
        format!(
            "{head}[regions.prov]\nname_zh = \"省\"\nname_en = \"P\"\nlevel = \"province\"\n\
             [regions.prov.baselines.urban_new_jobs]\nkind = \"cumulative\"\nperiod = \"2016-2020\"\n\
             value = 100\nassumption = \"x\"\n{}{}",
            child("a").replace("value = 50", a_jobs),
            child("b")
        )
    }

    fn check(text: &str) -> R<Vec<Region>> {
        let (c, r) = (&mut ctx(), raw(text));
        let h = horizon(c, &r)?;
        let s = structure(c, &r)?;
        let mut regions = regions(c, &r, &s, &h).ok_or_else(|| c.take_errors().remove(0))?;
        indicators(c, &mut regions, &s.leaves)?;
        Ok(regions)
    }

    #[test]
    fn an_aggregate_projects_what_all_its_children_project() {
        let regions = check(&province("value = 50", true)).expect("a valid province");
        let all = [Indicator::UrbanNewJobs, Indicator::SurveyedUnemploymentRate];
        for r in &regions {
            assert_eq!(r.indicators, all, "{}", r.id);
        }
    }

    #[test]
    fn children_sum_to_the_province_and_weigh_its_rate() {
        assert_eq!(
            err(check(&province("value = 50", false))),
            "s.toml: regions.a.rate_weight: is required: `a` has a rate and its parent `prov` averages its children's rates with these weights"
        );
        assert_eq!(
            err(check(&province("value = 40", true))),
            "s.toml: regions.prov.baselines.urban_new_jobs: is 100 but its children sum to 90 (a 40 + b 50); the province must be the sum of its parts"
        );
    }
}
