//! Region structure (ids, parents one level deep, children, the simulated leaves), then
//! each region in file order: names, level, baselines, its leaf model or the rules of an
//! aggregate, and its rate weight.

use super::ctx::{Ctx, R};
use super::horizon::Horizon;
use super::shared::indicator;
use super::{baselines, leaf};
use crate::scenario::raw::{RawLevel, RawRegion, RawScenario};
use crate::scenario::{Level, Region};

/// The regions' ids and how they nest.
#[derive(Debug)]
pub(super) struct Structure {
    /// Region ids in file order.
    pub(super) ids: Vec<String>,
    /// Each region's parent, if any.
    pub(super) parents: Vec<Option<usize>>,
    /// Each region's children, in file order.
    pub(super) children: Vec<Vec<usize>>,
    /// The regions without children (simulated), in file order.
    pub(super) leaves: Vec<usize>,
}

impl Structure {
    /// The index of the region `id`.
    pub(super) fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|x| x == id)
    }

    /// The position among the leaves of region `i`, if it is a leaf.
    pub(super) fn leaf_pos(&self, i: usize) -> Option<usize> {
        self.leaves.iter().position(|&l| l == i)
    }
}

/// Checks that there is a region, that parents exist, and that nesting is one level deep.
pub(super) fn structure(ctx: &Ctx, raw: &RawScenario) -> R<Structure> {
    if raw.regions.is_empty() {
        return Err(ctx.err("regions", "the scenario defines no region"));
    }
    let ids: Vec<String> = raw.regions.keys().cloned().collect();
    let index_of = |id: &str| ids.iter().position(|x| x == id);
    let mut parents = vec![None; ids.len()];
    for (i, (id, r)) in raw.regions.iter().enumerate() {
        if let Some(p) = r.parent.as_deref().filter(|p| !p.is_empty()) {
            let pi = index_of(p).ok_or_else(|| {
                ctx.err(
                    format!("regions.{id}.parent"),
                    format!("unknown region `{p}`; regions: {}", ids.join(", ")),
                )
            })?;
            if pi == i {
                return Err(ctx.err(
                    format!("regions.{id}.parent"),
                    "a region cannot be its own parent",
                ));
            }
            parents[i] = Some(pi);
        }
    }
    let children: Vec<Vec<usize>> = (0..ids.len())
        .map(|i| (0..ids.len()).filter(|&c| parents[c] == Some(i)).collect())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if let Some(p) = parents[i]
            && parents[p].is_some()
        {
            return Err(ctx.err(
                format!("regions.{id}.parent"),
                format!(
                    "`{}` has a parent itself; only one level of nesting is supported",
                    ids[p]
                ),
            ));
        }
    }
    let leaves: Vec<usize> = (0..ids.len()).filter(|&i| children[i].is_empty()).collect();
    Ok(Structure {
        ids,
        parents,
        children,
        leaves,
    })
}

/// Validates every region in file order; the indicators each projects are filled in
/// later (see `aggregates`). Every region is checked; `None` if any has a problem (each
/// recorded in `ctx`).
pub(super) fn regions(
    ctx: &mut Ctx,
    raw: &RawScenario,
    structure: &Structure,
    horizon: &Horizon,
) -> Option<Vec<Region>> {
    let mut regions: Vec<Region> = Vec::with_capacity(structure.ids.len());
    let mut complete = true;
    for (i, (id, r)) in raw.regions.iter().enumerate() {
        match region(ctx, raw, structure, horizon, i, id, r) {
            Some(region) => regions.push(region),
            None => complete = false,
        }
    }
    complete.then_some(regions)
}

/// One region: names, level, baselines, the keys of its params, its leaf model (or the
/// rules of an aggregate) and its rate weight, in that order. Each part is checked even
/// when an earlier one has a problem.
fn region(
    ctx: &mut Ctx,
    raw: &RawScenario,
    structure: &Structure,
    horizon: &Horizon,
    i: usize,
    id: &str,
    r: &RawRegion,
) -> Option<Region> {
    let rk = format!("regions.{id}");
    let required = |v: &Option<String>, key: &str| {
        ctx.keep(
            v.clone()
                .ok_or_else(|| ctx.err(format!("{rk}.{key}"), "is required")),
        )
    };
    let name_zh = required(&r.name_zh, "name_zh");
    let name_en = required(&r.name_en, "name_en");
    let level = ctx.keep(level(ctx, &rk, r.level));
    let baselines = baselines::baselines(ctx, &rk, r, horizon);
    let mut params_ok = true;
    for pk in r.params.keys() {
        params_ok &= ctx
            .keep(indicator(
                ctx,
                &format!("{rk}.params.{pk}"),
                &Some(pk.clone()),
            ))
            .is_some();
    }
    let leaf = if structure.children[i].is_empty() {
        let leaf_index = structure.leaf_pos(i).unwrap_or(0);
        let base_year = horizon.base_year;
        let model = leaf::model(ctx, raw, &rk, r, &baselines, base_year, leaf_index);
        Some(ctx.keep(model)?)
    } else {
        ctx.keep(leaf::check_aggregate(ctx, &rk, r))?;
        None
    };
    let (rate_weight, rate_weight_provenance) = ctx.keep(leaf::rate_weight(ctx, &rk, r))?;
    params_ok.then_some(())?;
    Some(Region {
        id: id.to_string(),
        name_zh: name_zh?,
        name_en: name_en?,
        level: level?,
        parent: structure.parents[i],
        children: structure.children[i].clone(),
        baselines,
        rate_weight,
        rate_weight_provenance,
        indicators: Vec::new(),
        leaf,
    })
}

/// A region's level.
fn level(ctx: &Ctx, rk: &str, level: Option<RawLevel>) -> R<Level> {
    match level {
        Some(RawLevel::Province) => Ok(Level::Province),
        Some(RawLevel::City) => Ok(Level::City),
        Some(RawLevel::Area) => Ok(Level::Area),
        None => Err(ctx.err(
            format!("{rk}.level"),
            "is required (province, city or area)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::horizon::horizon;
    use super::super::testutil::{CITY, ctx, err, raw};
    use super::*;

    const NESTED: &str = r#"
[regions.prov]
[regions.a]
parent = "prov"
[regions.b]
parent = "prov"
[regions.c]
parent = ""
"#;

    #[test]
    fn structure_finds_parents_children_and_leaves() {
        let s = structure(&ctx(), &raw(NESTED)).expect("a valid structure");
        assert_eq!(s.ids, ["prov", "a", "b", "c"]);
        assert_eq!(s.parents, [None, Some(0), Some(0), None]);
        assert_eq!(s.children, [vec![1, 2], vec![], vec![], vec![]]);
        assert_eq!(s.leaves, [1, 2, 3]);
        assert_eq!(
            (s.index_of("b"), s.leaf_pos(2), s.leaf_pos(0)),
            (Some(2), Some(1), None)
        );
    }

    #[test]
    fn bad_structures_are_rejected() {
        let check = |t: &str| err(structure(&ctx(), &raw(t)));
        assert_eq!(check(""), "s.toml: regions: the scenario defines no region");
        assert_eq!(
            check("[regions.a]\nparent = \"x\""),
            "s.toml: regions.a.parent: unknown region `x`; regions: a"
        );
        assert_eq!(
            check("[regions.a]\nparent = \"a\""),
            "s.toml: regions.a.parent: a region cannot be its own parent"
        );
        assert_eq!(
            check(&format!("{NESTED}[regions.d]\nparent = \"a\"")),
            "s.toml: regions.d.parent: `a` has a parent itself; only one level of nesting is supported"
        );
    }

    fn check_regions(text: &str) -> R<Vec<Region>> {
        let (c, r) = (&mut ctx(), raw(text));
        let h = horizon(c, &r)?;
        let s = structure(c, &r)?;
        regions(c, &r, &s, &h).ok_or_else(|| c.take_errors().remove(0))
    }

    #[test]
    fn a_city_is_a_simulated_region() {
        let regions = check_regions(CITY).expect("a valid region");
        assert_eq!(regions.len(), 1);
        assert_eq!(
            (regions[0].id.as_str(), regions[0].level),
            ("city", Level::City)
        );
        assert_eq!(regions[0].baselines.len(), 2);
        assert!(regions[0].leaf.is_some());
    }

    #[test]
    fn regions_need_names_a_level_and_known_params() {
        assert_eq!(
            err(check_regions(&CITY.replace("name_en = \"City\"", ""))),
            "s.toml: regions.city.name_en: is required"
        );
        assert_eq!(
            err(check_regions(&CITY.replace("level = \"city\"", ""))),
            "s.toml: regions.city.level: is required (province, city or area)"
        );
        assert_eq!(
            err(check_regions(&format!("{CITY}[regions.city.params.jobs]"))),
            "s.toml: regions.city.params.jobs: unknown indicator `jobs`; valid indicators: urban_new_jobs, rural_transfer_new, return_entrepreneurs, rural_transfer_stock, surveyed_unemployment_rate, registered_unemployment_rate"
        );
    }
}
