//! The horizon (base and end years, within [`MAX_HORIZON`] years of each other) and the
//! Monte Carlo settings (number of paths and seed).

use super::ctx::{Ctx, R};
use super::shared::check_year;
use super::{MAX_HORIZON, MAX_PATHS};
use crate::scenario::raw::RawScenario;

/// The validated `[horizon]`.
#[derive(Debug)]
pub(super) struct Horizon {
    /// The last observed year.
    pub(super) base_year: i32,
    /// The last projected year.
    pub(super) end_year: i32,
    /// Whether baselines may overlap the projection.
    pub(super) in_sample: bool,
    /// The projection years, `base_year + 1 ..= end_year`.
    pub(super) years: Vec<i32>,
}

/// The validated `[monte_carlo]`.
#[derive(Debug)]
pub(super) struct MonteCarlo {
    /// Number of paths, 1 to [`MAX_PATHS`].
    pub(super) paths: u64,
    /// The master seed.
    pub(super) seed: u64,
}

/// Checks `[horizon]`: both years given and plausible, the end after the base, at most
/// [`MAX_HORIZON`] years apart.
pub(super) fn horizon(ctx: &Ctx, raw: &RawScenario) -> R<Horizon> {
    let horizon = raw.horizon.clone().unwrap_or_default();
    let base_year = horizon
        .base_year
        .ok_or_else(|| ctx.err("horizon.base_year", "is required"))?;
    let end_year = horizon
        .end_year
        .ok_or_else(|| ctx.err("horizon.end_year", "is required"))?;
    for (key, y) in [
        ("horizon.base_year", base_year),
        ("horizon.end_year", end_year),
    ] {
        check_year(ctx, key, y)?;
    }
    if end_year <= base_year {
        return Err(ctx.err(
            "horizon.end_year",
            format!("{end_year} must be after horizon.base_year {base_year}"),
        ));
    }
    if end_year - base_year > MAX_HORIZON {
        return Err(ctx.err(
            "horizon.end_year",
            format!("the horizon is limited to {MAX_HORIZON} years"),
        ));
    }
    Ok(Horizon {
        base_year,
        end_year,
        in_sample: horizon.in_sample.unwrap_or(false),
        years: (base_year + 1..=end_year).collect(),
    })
}

/// Checks `[monte_carlo]`: a number of paths within 1 to [`MAX_PATHS`] and a seed.
pub(super) fn monte_carlo(ctx: &Ctx, raw: &RawScenario) -> R<MonteCarlo> {
    let mc = raw.monte_carlo.clone().unwrap_or_default();
    let paths = mc
        .paths
        .ok_or_else(|| ctx.err("monte_carlo.paths", "is required"))?;
    if paths == 0 || paths > MAX_PATHS {
        return Err(ctx.err(
            "monte_carlo.paths",
            format!("must be between 1 and {MAX_PATHS}, got {paths}"),
        ));
    }
    let seed = mc
        .seed
        .ok_or_else(|| ctx.err("monte_carlo.seed", "is required"))?;
    Ok(MonteCarlo { paths, seed })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{ctx, err, raw};
    use super::*;

    #[test]
    fn a_horizon_gives_its_projection_years() {
        let h = horizon(
            &ctx(),
            &raw("[horizon]\nbase_year = 2020\nend_year = 2023\nin_sample = true"),
        )
        .expect("a valid horizon");
        assert_eq!((h.base_year, h.end_year, h.in_sample), (2020, 2023, true));
        assert_eq!(h.years, vec![2021, 2022, 2023]);
        let mc = monte_carlo(&ctx(), &raw("[monte_carlo]\npaths = 7\nseed = 3")).expect("valid");
        assert_eq!((mc.paths, mc.seed), (7, 3));
    }

    #[test]
    fn bad_horizons_are_rejected() {
        let check = |t: &str| err(horizon(&ctx(), &raw(t)));
        assert_eq!(
            check("[horizon]\nend_year = 2025"),
            "s.toml: horizon.base_year: is required"
        );
        assert_eq!(
            check("[horizon]\nbase_year = 1900\nend_year = 2025"),
            "s.toml: horizon.base_year: 1900 is not a year empsim projects; years lie in 1950-2100"
        );
        assert_eq!(
            check("[horizon]\nbase_year = 2020\nend_year = 2020"),
            "s.toml: horizon.end_year: 2020 must be after horizon.base_year 2020"
        );
        assert_eq!(
            check("[horizon]\nbase_year = 2000\nend_year = 2051"),
            "s.toml: horizon.end_year: the horizon is limited to 50 years"
        );
    }

    #[test]
    fn bad_monte_carlo_settings_are_rejected() {
        let check = |t: &str| err(monte_carlo(&ctx(), &raw(t)));
        assert_eq!(
            check("[monte_carlo]\nseed = 1"),
            "s.toml: monte_carlo.paths: is required"
        );
        assert_eq!(
            check("[monte_carlo]\npaths = 0\nseed = 1"),
            "s.toml: monte_carlo.paths: must be between 1 and 10000000, got 0"
        );
        assert_eq!(
            check("[monte_carlo]\npaths = 5"),
            "s.toml: monte_carlo.seed: is required"
        );
    }
}
