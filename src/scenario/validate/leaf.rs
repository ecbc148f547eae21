//! A simulated region's model: a flow model anchored on each flow's latest baseline, the
//! stock of transferred labour, the region's unemployment, with parameters set on the
//! region or inherited from defaults; an aggregate region's restrictions; rate weights.

use super::MAX_RATE_WEIGHT;
use super::ctx::{Ctx, R};
use super::shared::indicator;
use crate::indicator::Indicator;
use crate::scenario::dist::num;
use crate::scenario::raw::{RawIndicatorParams, RawParam, RawRegion, RawScenario};
use crate::scenario::{
    Anchor, Baseline, BaselineKind, Dist, FlowModel, LeafModel, Provenance, RegionUnemployment,
    StockModel,
};

/// Checks the keys of `[indicators]` (the defaults regions inherit) name indicators.
pub(super) fn check_default_keys(ctx: &Ctx, raw: &RawScenario) -> R<()> {
    for k in raw.indicators.keys() {
        indicator(ctx, &format!("indicators.{k}"), &Some(k.clone()))?;
    }
    Ok(())
}

/// The model of the leaf region at key path `rk`; its parameters take slots flow by flow
/// (trend, elasticity, noise_sd), then the stock's exit rate, then the unemployment
/// parameters (initial, natural_rate).
pub(super) fn model(
    ctx: &mut Ctx,
    raw: &RawScenario,
    rk: &str,
    r: &RawRegion,
    baselines: &[Baseline],
    base_year: i32,
    leaf_index: usize,
) -> R<LeafModel> {
    let mut flows: [Option<FlowModel>; 3] = [None, None, None];
    for (fi, f) in Indicator::FLOWS.into_iter().enumerate() {
        flows[fi] = flow(ctx, raw, rk, r, baselines, f)?;
    }
    let stock = stock(ctx, raw, rk, r, baselines, base_year, flows[1].is_some())?;
    let unemployment = unemployment(ctx, raw, rk, r, baselines)?;
    if flows.iter().all(Option::is_none) && unemployment.is_none() {
        return Err(ctx.err(
            rk,
            "a simulated region needs at least one flow baseline or an [unemployment] section",
        ));
    }
    Ok(LeafModel {
        leaf_index,
        flows,
        stock,
        unemployment,
    })
}

/// The model of flow `f`, if the region has a baseline of it.
fn flow(
    ctx: &mut Ctx,
    raw: &RawScenario,
    rk: &str,
    r: &RawRegion,
    baselines: &[Baseline],
    f: Indicator,
) -> R<Option<FlowModel>> {
    // The anchor: the latest flow baseline (cumulative preferred for level).
    let anchor_b = baselines
        .iter()
        .filter(|b| b.indicator == f)
        .max_by_key(|b| (b.kind == BaselineKind::Cumulative, b.last_year));
    let Some(b) = anchor_b else { return Ok(None) };
    let anchor = match b.kind {
        BaselineKind::Cumulative => Anchor::Cumulative {
            total: b.value,
            first: b.first_year,
            last: b.last_year,
        },
        _ => Anchor::Annual {
            value: b.value,
            year: b.last_year,
        },
    };
    let own = r.params.get(f.key());
    let def = raw.indicators.get(f.key());
    let mut pick = |field: &str, bounds, get: fn(&RawIndicatorParams) -> &Option<RawParam>| {
        ctx.own_or_default(
            &format!("{rk}.params.{}.{field}", f.key()),
            &format!("indicators.{}.{field}", f.key()),
            own.and_then(|p| get(p).as_ref()),
            def.and_then(|p| get(p).as_ref()),
            bounds,
            &format!(
                "is required: set it here or as a default in indicators.{}.{field}",
                f.key()
            ),
        )
    };
    let trend = pick("trend", (-0.5, 0.5), |p| &p.trend);
    let elasticity = pick("elasticity", (-1.0, 1.0), |p| &p.elasticity);
    let noise_sd = pick("noise_sd", (0.0, 1.0), |p| &p.noise_sd);
    Ok(Some(FlowModel {
        anchor,
        trend,
        elasticity,
        noise_sd,
    }))
}

/// The stock of transferred labour, if the region has a baseline of it: its level in the
/// base year, fed by the rural_transfer_new flow, with an exit rate.
fn stock(
    ctx: &mut Ctx,
    raw: &RawScenario,
    rk: &str,
    r: &RawRegion,
    baselines: &[Baseline],
    base_year: i32,
    has_inflow: bool,
) -> R<Option<StockModel>> {
    let Some(b) = baselines
        .iter()
        .find(|b| b.indicator == Indicator::RuralTransferStock)
    else {
        return Ok(None);
    };
    let bk = format!("{rk}.baselines.rural_transfer_stock");
    if b.last_year != base_year {
        return Err(ctx.err(
            format!("{bk}.year"),
            format!(
                "a stock is projected from its level in horizon.base_year ({base_year}), got {}",
                b.last_year
            ),
        ));
    }
    if !has_inflow {
        return Err(ctx.err(
            &bk,
            "the stock of transferred labour needs a rural_transfer_new baseline (its inflow)",
        ));
    }
    let exit_rate = ctx.own_or_default(
        &format!("{rk}.params.rural_transfer_stock.exit_rate"),
        "indicators.rural_transfer_stock.exit_rate",
        r.params
            .get("rural_transfer_stock")
            .and_then(|p| p.exit_rate.as_ref()),
        raw.indicators
            .get("rural_transfer_stock")
            .and_then(|p| p.exit_rate.as_ref()),
        (0.0, 1.0),
        "is required: set it here or in indicators.rural_transfer_stock.exit_rate",
    );
    Ok(Some(StockModel {
        initial: b.value,
        exit_rate,
    }))
}

/// The region's unemployment (initial level and natural rate), if it has an
/// `[unemployment]` section; an unemployment baseline requires one.
fn unemployment(
    ctx: &mut Ctx,
    raw: &RawScenario,
    rk: &str,
    r: &RawRegion,
    baselines: &[Baseline],
) -> R<Option<RegionUnemployment>> {
    let Some(u) = &r.unemployment else {
        if baselines
            .iter()
            .any(|b| b.indicator == Indicator::SurveyedUnemploymentRate)
        {
            return Err(ctx.err(
                format!("{rk}.unemployment"),
                "the region has an unemployment baseline but no [unemployment] section (initial, natural_rate)",
            ));
        }
        return Ok(None);
    };
    let um = raw.unemployment.as_ref();
    let initial = ctx.own_or_default(
        &format!("{rk}.unemployment.initial"),
        "unemployment.initial",
        u.initial.as_ref(),
        um.and_then(|m| m.initial.as_ref()),
        (0.0, 100.0),
        "is required (or a default in unemployment.initial)",
    );
    let natural_rate = ctx.own_or_default(
        &format!("{rk}.unemployment.natural_rate"),
        "unemployment.natural_rate",
        u.natural_rate.as_ref(),
        um.and_then(|m| m.natural_rate.as_ref()),
        (0.0, 100.0),
        "is required (or a default in unemployment.natural_rate)",
    );
    let gap_key = format!("{rk}.unemployment.registered_gap");
    let registered_gap = match (
        u.registered_gap.as_ref(),
        um.and_then(|m| m.registered_gap.as_ref()),
    ) {
        (None, None) => None,
        (own, default) => Some(ctx.own_or_default(
            &gap_key,
            "unemployment.registered_gap",
            own,
            default,
            (0.0, 10.0),
            "is required",
        )),
    };
    Ok(Some(RegionUnemployment {
        initial,
        natural_rate,
        registered_gap,
    }))
}

/// An aggregate region (one with children) is not simulated: it takes no params and no
/// `[unemployment]` section.
pub(super) fn check_aggregate(ctx: &Ctx, rk: &str, r: &RawRegion) -> R<()> {
    if !r.params.is_empty() {
        return Err(ctx.err(
            format!("{rk}.params"),
            "an aggregate region (one with children) is not simulated itself and takes no params",
        ));
    }
    if r.unemployment.is_some() {
        return Err(ctx.err(format!("{rk}.unemployment"), "an aggregate region's rate is the weighted mean of its children's; it takes no [unemployment] section"));
    }
    Ok(())
}

/// The region's weight in its parent's rate average: a fixed value in
/// (0, [`MAX_RATE_WEIGHT`]] with provenance. It takes no parameter slot.
pub(super) fn rate_weight(
    ctx: &Ctx,
    rk: &str,
    r: &RawRegion,
) -> R<(Option<f64>, Option<Provenance>)> {
    let Some(p) = &r.rate_weight else {
        return Ok((None, None));
    };
    let d = ctx.dist(&format!("{rk}.rate_weight"), p)?;
    let Dist::Fixed { value } = d else {
        return Err(ctx.err(format!("{rk}.rate_weight"), "must be a fixed value"));
    };
    if value <= 0.0 || value > MAX_RATE_WEIGHT {
        return Err(ctx.err(
            format!("{rk}.rate_weight"),
            format!("must lie in (0, {MAX_RATE_WEIGHT}], got {}", num(value)),
        ));
    }
    let prov = ctx.provenance(
        &format!("{rk}.rate_weight"),
        &p.source,
        &p.quote,
        &p.assumption,
    );
    Ok((Some(value), Some(prov)))
}

#[cfg(test)]
mod tests {
    use super::super::horizon::horizon;
    use super::super::testutil::{CITY, ctx, err, raw};
    use super::super::{baselines::baselines, regions::structure};
    use super::*;

    fn check(text: &str) -> (R<LeafModel>, Vec<String>) {
        let (c, r) = (&mut ctx(), raw(text));
        let result = (|| {
            let h = horizon(c, &r)?;
            structure(c, &r)?;
            let b = baselines(c, "regions.city", &r.regions["city"], &h);
            if let Some(e) = c.take_errors().into_iter().next() {
                return Err(e);
            }
            model(
                c,
                &r,
                "regions.city",
                &r.regions["city"],
                &b,
                h.base_year,
                0,
            )
        })();
        let result = super::super::testutil::first(c, result);
        (result, c.params.iter().map(|p| p.name.clone()).collect())
    }

    #[test]
    fn a_leaf_model_inherits_defaults_in_slot_order() {
        let (m, names) = check(CITY);
        let m = m.expect("a valid leaf model");
        assert!(m.flows[0].is_some() && m.flows[1].is_none() && m.stock.is_none());
        assert_eq!(
            m.flows[0].as_ref().map(|f| f.anchor),
            Some(Anchor::Cumulative {
                total: 50.0,
                first: 2016,
                last: 2020
            })
        );
        assert_eq!(
            names,
            [
                "regions.city.params.urban_new_jobs.trend",
                "regions.city.params.urban_new_jobs.elasticity",
                "regions.city.params.urban_new_jobs.noise_sd",
                "regions.city.unemployment.initial",
                "regions.city.unemployment.natural_rate",
            ]
        );
    }

    #[test]
    fn bad_leaf_models_are_rejected() {
        let no_trend = CITY.replace("trend = { value = 0, assumption = \"x\" }", "");
        assert_eq!(
            err(check(&no_trend).0),
            "s.toml: regions.city.params.urban_new_jobs.trend: is required: set it here or as a default in indicators.urban_new_jobs.trend"
        );
        let stock = "[regions.city.baselines.rural_transfer_stock]\nkind = \"level\"\nyear = 2020\nvalue = 9\nassumption = \"x\"\n";
        assert_eq!(
            err(check(&format!("{CITY}{stock}")).0),
            "s.toml: regions.city.baselines.rural_transfer_stock: the stock of transferred labour needs a rural_transfer_new baseline (its inflow)"
        );
        let no_section = CITY.split("[regions.city.unemployment]").next();
        assert_eq!(
            err(check(no_section.unwrap_or_default()).0),
            "s.toml: regions.city.unemployment: the region has an unemployment baseline but no [unemployment] section (initial, natural_rate)"
        );
        let wide = CITY.replace("initial = { value = 5", "initial = { value = 500");
        assert_eq!(
            err(check(&wide).0),
            "s.toml: regions.city.unemployment.initial: must lie in [0, 100], got 500"
        );
    }

    #[test]
    fn aggregates_and_rate_weights_are_checked() {
        let r = raw(&CITY.replace(
            "level = \"city\"",
            "level = \"city\"\nrate_weight = { dist = \"uniform\", low = 1, high = 2, assumption = \"x\" }",
        ));
        let city = &r.regions["city"];
        assert_eq!(
            err(check_aggregate(&ctx(), "regions.city", city)),
            "s.toml: regions.city.unemployment: an aggregate region's rate is the weighted mean of its children's; it takes no [unemployment] section"
        );
        assert_eq!(
            err(rate_weight(&ctx(), "regions.city", city)),
            "s.toml: regions.city.rate_weight: must be a fixed value"
        );
        let r = raw("[regions.a]\nrate_weight = { value = 2, assumption = \"x\" }");
        let (w, p) = rate_weight(&ctx(), "regions.a", &r.regions["a"]).expect("a valid weight");
        assert_eq!(w, Some(2.0));
        assert!(matches!(p, Some(Provenance::Assumption { .. })));
        let r = raw("[regions.a]\nrate_weight = { value = 0, assumption = \"x\" }");
        assert_eq!(
            err(rate_weight(&ctx(), "regions.a", &r.regions["a"])),
            "s.toml: regions.a.rate_weight: must lie in (0, 1000000], got 0"
        );
    }
}
