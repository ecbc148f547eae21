//! Small helpers the passes share: periods like
//! `2021-2025`, calendar years within [`MIN_YEAR`]..=[`MAX_YEAR`], and indicator keys.

use super::ctx::{Ctx, R};
use super::{MAX_YEAR, MIN_YEAR};
use crate::indicator::Indicator;

/// Parses `2021-2025` or `2025`.
pub(super) fn parse_period(s: &str) -> Option<(i32, i32)> {
    let s = s.trim();
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let y = s.parse().ok()?;
            (y, y)
        }
    };
    (a <= b).then_some((a, b))
}

/// Checks a calendar year against [`MIN_YEAR`]..=[`MAX_YEAR`] before any arithmetic.
pub(super) fn check_year(ctx: &Ctx, key: &str, year: i32) -> R<()> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(ctx.err(
            key,
            format!("{year} is not a year empsim projects; years lie in {MIN_YEAR}-{MAX_YEAR}"),
        ))
    }
}

/// The indicator named at `key`: required, and one of the valid keys.
pub(super) fn indicator(ctx: &Ctx, key: &str, name: &Option<String>) -> R<Indicator> {
    let name = name.as_deref().ok_or_else(|| ctx.err(key, "is required"))?;
    Indicator::from_key(name).ok_or_else(|| {
        ctx.err(
            key,
            format!(
                "unknown indicator `{name}`; valid indicators: {}",
                Indicator::valid_keys()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{ctx, err};
    use super::*;

    #[test]
    fn periods_parse_ranges_and_single_years() {
        assert_eq!(parse_period("2021-2025"), Some((2021, 2025)));
        assert_eq!(parse_period(" 2025 "), Some((2025, 2025)));
        assert_eq!(parse_period("2025-2021"), None);
        assert_eq!(parse_period("soon"), None);
    }

    #[test]
    fn years_and_indicators_are_checked() {
        let c = ctx();
        assert_eq!(check_year(&c, "y", MIN_YEAR), Ok(()));
        assert_eq!(
            err(check_year(&c, "y", 2101)),
            "s.toml: y: 2101 is not a year empsim projects; years lie in 1950-2100"
        );
        assert_eq!(
            indicator(&c, "i", &Some("urban_new_jobs".into())),
            Ok(Indicator::UrbanNewJobs)
        );
        assert_eq!(err(indicator(&c, "i", &None)), "s.toml: i: is required");
        assert_eq!(
            err(indicator(&c, "i", &Some("jobs".into()))),
            "s.toml: i: unknown indicator `jobs`; valid indicators: urban_new_jobs, rural_transfer_new, return_entrepreneurs, rural_transfer_stock, surveyed_unemployment_rate, registered_unemployment_rate"
        );
    }
}
