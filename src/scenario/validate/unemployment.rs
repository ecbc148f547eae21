//! The unemployment model shared by all regions (Okun coefficient, adjustment speed, noise,
//! floor and ceiling), required only when some region has an `[unemployment]` section.

use super::ctx::{Ctx, R};
use crate::scenario::UnemploymentModel;
use crate::scenario::raw::RawScenario;

/// Checks `[unemployment]` if any region needs it; its parameters take slots in the order
/// okun, adjustment, noise_sd. Without such a region the model is a placeholder whose
/// slots are never read.
pub(super) fn model(ctx: &mut Ctx, raw: &RawScenario) -> R<UnemploymentModel> {
    let any_unemployment = raw.regions.iter().any(|(_, r)| r.unemployment.is_some());
    if !any_unemployment {
        return Ok(UnemploymentModel {
            okun: usize::MAX,
            adjustment: usize::MAX,
            noise_sd: usize::MAX,
            floor: 0.0,
            ceiling: 100.0,
        });
    }
    let um = raw.unemployment.clone().unwrap_or_default();
    let floor = um
        .floor
        .ok_or_else(|| ctx.err("unemployment.floor", "is required"))?
        .0;
    let ceiling = um
        .ceiling
        .ok_or_else(|| ctx.err("unemployment.ceiling", "is required"))?
        .0;
    if !(0.0 <= floor && floor < ceiling && ceiling <= 100.0) {
        return Err(ctx.err(
            "unemployment.ceiling",
            format!("needs 0 ≤ floor < ceiling ≤ 100, got floor {floor}, ceiling {ceiling}"),
        ));
    }
    Ok(UnemploymentModel {
        okun: ctx.required_param("unemployment.okun", um.okun.as_ref(), -5.0, 5.0),
        adjustment: ctx.required_param("unemployment.adjustment", um.adjustment.as_ref(), 0.0, 1.0),
        noise_sd: ctx.required_param("unemployment.noise_sd", um.noise_sd.as_ref(), 0.0, 5.0),
        floor,
        ceiling,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{CITY, ctx, err, first, raw};
    use super::*;

    #[test]
    fn the_model_is_checked_when_a_region_needs_it() {
        let mut c = ctx();
        let m = model(&mut c, &raw(CITY)).expect("a valid model");
        assert_eq!((m.okun, m.adjustment, m.noise_sd), (0, 1, 2));
        assert_eq!((m.floor, m.ceiling), (2.0, 15.0));
    }

    #[test]
    fn without_regional_unemployment_nothing_is_required() {
        let mut c = ctx();
        let m = model(
            &mut c,
            &raw("[unemployment]\nfloor = 50\nceiling = 1\n[regions.a]"),
        )
        .expect("not checked");
        assert_eq!((m.okun, m.floor, m.ceiling), (usize::MAX, 0.0, 100.0));
        assert!(c.params.is_empty());
    }

    #[test]
    fn bad_models_are_rejected() {
        let check = |t: &str| {
            let c = &mut ctx();
            let r = model(c, &raw(t));
            err(first(c, r))
        };
        assert_eq!(
            check(&CITY.replace("floor = 2", "")),
            "s.toml: unemployment.floor: is required"
        );
        assert_eq!(
            check(&CITY.replace("floor = 2", "floor = 20")),
            "s.toml: unemployment.ceiling: needs 0 ≤ floor < ceiling ≤ 100, got floor 20, ceiling 15"
        );
        assert_eq!(
            check(&CITY.replace("okun = ", "# okun = ")),
            "s.toml: unemployment.okun: is required"
        );
        assert_eq!(
            check(&CITY.replace("adjustment = { value = 0.5", "adjustment = { value = 1.5")),
            "s.toml: unemployment.adjustment: must lie in [0, 1], got 1.5"
        );
    }
}
