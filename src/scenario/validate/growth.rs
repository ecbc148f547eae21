//! The growth driver: the reference rate, a growth path value for every projection year
//! (within ±[`MAX_GROWTH`]) with its provenance, and the AR(1) noise parameters.

use super::MAX_GROWTH;
use super::ctx::{Ctx, R};
use crate::scenario::Growth;
use crate::scenario::dist::num;
use crate::scenario::raw::{RawScenario, RawSeries};

/// Checks `[growth]`; its parameters take slots in the order reference, ar, noise_sd.
pub(super) fn growth(ctx: &mut Ctx, raw: &RawScenario, years: &[i32]) -> R<Growth> {
    let g = raw
        .growth
        .clone()
        .ok_or_else(|| ctx.err("growth", "is required"))?;
    let reference = ctx.required_param(
        "growth.reference",
        g.reference.as_ref(),
        -MAX_GROWTH,
        MAX_GROWTH,
    );
    let gp = g
        .path
        .clone()
        .ok_or_else(|| ctx.err("growth.path", "is required"))?;
    let path = path_values(ctx, &gp, years)?;
    let path_provenance = ctx.provenance("growth.path", &gp.source, &gp.quote, &gp.assumption);
    let ar = ctx.required_param("growth.ar", g.ar.as_ref(), -0.9, 0.9);
    let noise_sd = ctx.required_param("growth.noise_sd", g.noise_sd.as_ref(), 0.0, 5.0);
    Ok(Growth {
        reference,
        path,
        path_provenance,
        ar,
        noise_sd,
    })
}

/// The growth path, one value per projection year; years outside the projection are
/// ignored.
fn path_values(ctx: &Ctx, gp: &RawSeries, years: &[i32]) -> R<Vec<f64>> {
    let mut path_values = vec![f64::NAN; years.len()];
    for (k, v) in &gp.values {
        let key = format!("growth.path.values.{k}");
        let y: i32 = k
            .parse()
            .map_err(|_| ctx.err(&key, "keys of growth.path.values must be years"))?;
        if let Some(i) = years.iter().position(|&x| x == y) {
            if v.0.abs() > MAX_GROWTH {
                return Err(ctx.err(
                    &key,
                    format!(
                        "must lie in [-{MAX_GROWTH}, {MAX_GROWTH}] (% growth), got {}",
                        num(v.0)
                    ),
                ));
            }
            path_values[i] = v.0;
        }
    }
    if let Some(i) = path_values.iter().position(|v| v.is_nan()) {
        return Err(ctx.err(
            "growth.path.values",
            format!(
                "has no value for {} (every projection year needs one)",
                years[i]
            ),
        ));
    }
    Ok(path_values)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{ctx, err, first, raw};
    use super::*;

    const GROWTH: &str = r#"
[growth]
reference = { value = 5, assumption = "x" }
ar = { value = 0.5, assumption = "x" }
noise_sd = { value = 1, assumption = "x" }
[growth.path]
assumption = "x"
values = { 2020 = 99, 2021 = 5, 2022 = -2.5 }
"#;

    #[test]
    fn a_growth_driver_takes_three_slots() {
        let mut c = ctx();
        let g = growth(&mut c, &raw(GROWTH), &[2021, 2022]).expect("valid growth");
        assert_eq!((g.reference, g.ar, g.noise_sd), (0, 1, 2));
        assert_eq!(g.path, vec![5.0, -2.5]);
        let names: Vec<&str> = c.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["growth.reference", "growth.ar", "growth.noise_sd"]);
    }

    #[test]
    fn bad_growth_drivers_are_rejected() {
        let check = |t: &str, years: &[i32]| {
            let c = &mut ctx();
            let r = growth(c, &raw(t), years);
            err(first(c, r))
        };
        assert_eq!(check("", &[2021]), "s.toml: growth: is required");
        assert_eq!(
            check(GROWTH, &[2021, 2022, 2023]),
            "s.toml: growth.path.values: has no value for 2023 (every projection year needs one)"
        );
        assert_eq!(
            check(&GROWTH.replace("2022 = -2.5", "2022 = -31"), &[2021, 2022]),
            "s.toml: growth.path.values.2022: must lie in [-30, 30] (% growth), got -31"
        );
        assert_eq!(
            check(&GROWTH.replace("2020 = 99", "soon = 1"), &[2021]),
            "s.toml: growth.path.values.soon: keys of growth.path.values must be years"
        );
        assert_eq!(
            check(&GROWTH.replace("ar = ", "# ar = "), &[2021]),
            "s.toml: growth.ar: is required"
        );
    }
}
