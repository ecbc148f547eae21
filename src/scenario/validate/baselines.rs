//! A region's baselines: a known indicator, a kind that suits it (cumulative or annual for
//! flows, level for stocks and rates), a period or year before the projection (within it
//! for in-sample scenarios), a value in range, the optional single_year figure inside a
//! cumulative window, and provenance.

use super::ctx::{Ctx, R};
use super::horizon::Horizon;
use super::shared::{check_year, indicator, parse_period};
use super::{MAX_HORIZON, MAX_PERSONS};
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::dist::num;
use crate::scenario::raw::{self, RawBaseline, RawRegion, RawYearFigure};
use crate::scenario::{Baseline, BaselineKind, YearFigure};

/// The baselines of the region at key path `rk`, in file order. A baseline with a
/// problem (recorded in `ctx`) is replaced by a placeholder of its indicator, so that the
/// rest of the region can still be checked without reporting it as missing.
pub(super) fn baselines(ctx: &Ctx, rk: &str, r: &RawRegion, horizon: &Horizon) -> Vec<Baseline> {
    let mut baselines = Vec::new();
    for (ik, b) in &r.baselines {
        let bk = format!("{rk}.baselines.{ik}");
        match ctx.keep(baseline(ctx, &bk, ik, b, horizon)) {
            Some(b) => baselines.push(b),
            None => baselines.extend(placeholder(ik, horizon.base_year)),
        }
    }
    baselines
}

/// A stand-in for a baseline of indicator `ik` that has a problem: a level or a year's
/// flow in `base_year` (never simulated: the scenario is rejected).
fn placeholder(ik: &str, base_year: i32) -> Option<Baseline> {
    let indicator = Indicator::from_key(ik)?;
    let (kind, value) = match indicator.kind() {
        IndicatorKind::Rate => (BaselineKind::Level, 5.0),
        IndicatorKind::Stock => (BaselineKind::Level, 1.0),
        IndicatorKind::Flow => (BaselineKind::Annual, 1.0),
    };
    Some(Baseline {
        indicator,
        kind,
        value,
        first_year: base_year,
        last_year: base_year,
        provenance: crate::scenario::Provenance::Assumption {
            rationale: "stands in for a baseline with a problem".into(),
            source: None,
            quote: None,
        },
        note: None,
        single_year: None,
    })
}

/// One baseline at key path `bk` of the indicator `ik`.
fn baseline(ctx: &Ctx, bk: &str, ik: &str, b: &RawBaseline, horizon: &Horizon) -> R<Baseline> {
    let ind = indicator(ctx, bk, &Some(ik.to_string()))?;
    let value = b
        .value
        .ok_or_else(|| ctx.err(format!("{bk}.value"), "is required"))?
        .0;
    let kind = b.kind.ok_or_else(|| {
        ctx.err(
            format!("{bk}.kind"),
            "is required (cumulative, annual or level)",
        )
    })?;
    let (first, last) = period(ctx, bk, b, kind)?;
    check_window(ctx, bk, kind, (first, last), horizon)?;
    let single_year = match &b.single_year {
        None => None,
        Some(f) => Some(single_year(ctx, bk, f, (ind, kind), (first, last))?),
    };
    check_value(ctx, bk, ind, kind, value)?;
    let provenance = ctx.provenance(bk, &b.source, &b.quote, &b.assumption);
    Ok(Baseline {
        indicator: ind,
        kind: match kind {
            raw::BaselineKind::Cumulative => BaselineKind::Cumulative,
            raw::BaselineKind::Annual => BaselineKind::Annual,
            raw::BaselineKind::Level => BaselineKind::Level,
        },
        value,
        first_year: first,
        last_year: last,
        provenance,
        note: b.note.clone(),
        single_year,
    })
}

/// The first and last year a baseline covers: a cumulative baseline's `period`, another's
/// `year`.
fn period(ctx: &Ctx, bk: &str, b: &RawBaseline, kind: raw::BaselineKind) -> R<(i32, i32)> {
    match kind {
        raw::BaselineKind::Cumulative => {
            if b.year.is_some() {
                return Err(ctx.err(
                    format!("{bk}.year"),
                    "a cumulative baseline takes `period`, not `year`",
                ));
            }
            let p = b.period.as_deref().ok_or_else(|| {
                ctx.err(
                    format!("{bk}.period"),
                    "is required for a cumulative baseline, e.g. \"2016-2020\"",
                )
            })?;
            parse_period(p).ok_or_else(|| {
                ctx.err(
                    format!("{bk}.period"),
                    format!("`{p}` is not a period like \"2016-2020\""),
                )
            })
        }
        raw::BaselineKind::Annual | raw::BaselineKind::Level => {
            if b.period.is_some() {
                return Err(ctx.err(
                    format!("{bk}.period"),
                    "an annual or level baseline takes `year`, not `period`",
                ));
            }
            let y = b.year.ok_or_else(|| {
                ctx.err(
                    format!("{bk}.year"),
                    "is required for an annual or level baseline",
                )
            })?;
            Ok((y, y))
        }
    }
}

/// Checks the years a baseline covers against the horizon.
fn check_window(
    ctx: &Ctx,
    bk: &str,
    kind: raw::BaselineKind,
    (first, last): (i32, i32),
    horizon: &Horizon,
) -> R<()> {
    let (base_year, end_year) = (horizon.base_year, horizon.end_year);
    let ykey = match kind {
        raw::BaselineKind::Cumulative => format!("{bk}.period"),
        _ => format!("{bk}.year"),
    };
    check_year(ctx, &ykey, first)?;
    check_year(ctx, &ykey, last)?;
    if last - first >= MAX_HORIZON {
        return Err(ctx.err(
            format!("{bk}.period"),
            format!(
                "spans {} years; a baseline covers at most {MAX_HORIZON}",
                last - first + 1
            ),
        ));
    }
    if last < base_year - MAX_HORIZON {
        return Err(ctx.err(
            bk,
            format!(
                "ends in {last}, more than {MAX_HORIZON} years before horizon.base_year {base_year}"
            ),
        ));
    }
    if last > base_year && !horizon.in_sample {
        return Err(ctx.err(
            bk,
            format!("a baseline must lie before the projection: it ends in {last}, after horizon.base_year {base_year}"),
        ));
    }
    if last > end_year {
        return Err(ctx.err(
            bk,
            format!(
                "an in-sample baseline must end by horizon.end_year {end_year}, it ends in {last}"
            ),
        ));
    }
    Ok(())
}

/// The one-year figure inside a cumulative flow baseline's window.
fn single_year(
    ctx: &Ctx,
    bk: &str,
    f: &RawYearFigure,
    (ind, kind): (Indicator, raw::BaselineKind),
    (first, last): (i32, i32),
) -> R<YearFigure> {
    let fk = format!("{bk}.single_year");
    if kind != raw::BaselineKind::Cumulative || ind.kind() != IndicatorKind::Flow {
        return Err(ctx.err(
            &fk,
            "only a cumulative baseline of a flow takes a single_year figure",
        ));
    }
    let year = f
        .year
        .ok_or_else(|| ctx.err(format!("{fk}.year"), "is required"))?;
    if year < first || year > last {
        return Err(ctx.err(
            format!("{fk}.year"),
            format!("{year} is outside the baseline's period {first}-{last}"),
        ));
    }
    let v = f
        .value
        .ok_or_else(|| ctx.err(format!("{fk}.value"), "is required"))?
        .0;
    if v <= 0.0 || v > MAX_PERSONS {
        return Err(ctx.err(
            format!("{fk}.value"),
            format!("must lie in (0, {MAX_PERSONS}] (万人), got {}", num(v)),
        ));
    }
    let provenance = ctx.provenance(&fk, &f.source, &f.quote, &f.assumption);
    Ok(YearFigure {
        year,
        value: v,
        provenance,
    })
}

/// Checks that the kind suits the indicator and the value lies in its range.
fn check_value(ctx: &Ctx, bk: &str, ind: Indicator, kind: raw::BaselineKind, value: f64) -> R<()> {
    let kind_ok = matches!(
        (ind.kind(), kind),
        (
            IndicatorKind::Flow,
            raw::BaselineKind::Cumulative | raw::BaselineKind::Annual
        ) | (
            IndicatorKind::Stock | IndicatorKind::Rate,
            raw::BaselineKind::Level
        )
    );
    if !kind_ok {
        return Err(ctx.err(
            format!("{bk}.kind"),
            format!(
                "a {:?} indicator cannot have a {:?} baseline",
                ind.kind(),
                kind
            )
            .to_lowercase(),
        ));
    }
    if ind.kind() != IndicatorKind::Rate && value < 0.0 {
        return Err(ctx.err(
            format!("{bk}.value"),
            format!("must be ≥ 0, got {}", num(value)),
        ));
    }
    if ind.kind() == IndicatorKind::Rate && !(0.0..=100.0).contains(&value) {
        return Err(ctx.err(
            format!("{bk}.value"),
            format!("a rate must lie in [0, 100] (%), got {}", num(value)),
        ));
    }
    if ind.kind() != IndicatorKind::Rate && value > MAX_PERSONS {
        return Err(ctx.err(
            format!("{bk}.value"),
            format!(
                "must be at most {MAX_PERSONS} (万人, 1 billion persons), got {}",
                num(value)
            ),
        ));
    }
    if ind.kind() == IndicatorKind::Flow && value <= 0.0 {
        return Err(ctx.err(
            format!("{bk}.value"),
            "a flow baseline must be > 0 (the model works on its logarithm)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::horizon::horizon;
    use super::super::testutil::{CITY, ctx, err, raw};
    use super::*;

    fn check(text: &str) -> R<Vec<Baseline>> {
        let (c, r) = (&ctx(), raw(text));
        let h = horizon(c, &r)?;
        let b = baselines(c, "regions.city", &r.regions["city"], &h);
        c.take_errors().into_iter().next().map_or(Ok(b), Err)
    }

    #[test]
    fn a_cumulative_flow_and_a_rate_level_are_accepted() {
        let b = check(CITY).expect("valid baselines");
        assert_eq!(b.len(), 2);
        assert_eq!(
            (
                b[0].indicator,
                b[0].kind,
                b[0].first_year,
                b[0].last_year,
                b[0].value
            ),
            (
                Indicator::UrbanNewJobs,
                BaselineKind::Cumulative,
                2016,
                2020,
                50.0
            )
        );
        assert_eq!(
            (b[1].kind, b[1].first_year, b[1].last_year),
            (BaselineKind::Level, 2020, 2020)
        );
    }

    #[test]
    fn bad_baselines_are_rejected() {
        let cases = [
            (
                ("period = \"2016-2020\"", "period = \"2021-2022\""),
                "s.toml: regions.city.baselines.urban_new_jobs: a baseline must lie before the projection: it ends in 2022, after horizon.base_year 2020",
            ),
            (
                ("period = \"2016-2020\"", "year = 2020"),
                "s.toml: regions.city.baselines.urban_new_jobs.year: a cumulative baseline takes `period`, not `year`",
            ),
            (
                ("period = \"2016-2020\"", "period = \"then\""),
                "s.toml: regions.city.baselines.urban_new_jobs.period: `then` is not a period like \"2016-2020\"",
            ),
            (
                ("value = 50", "value = 0"),
                "s.toml: regions.city.baselines.urban_new_jobs.value: a flow baseline must be > 0 (the model works on its logarithm)",
            ),
            (
                ("kind = \"level\"", "kind = \"annual\""),
                "s.toml: regions.city.baselines.surveyed_unemployment_rate.kind: a rate indicator cannot have a annual baseline",
            ),
            (
                ("value = 5\n", "value = 101\n"),
                "s.toml: regions.city.baselines.surveyed_unemployment_rate.value: a rate must lie in [0, 100] (%), got 101",
            ),
            (
                (
                    "value = 50",
                    "value = 50\nsingle_year = { year = 2015, value = 9, assumption = \"x\" }",
                ),
                "s.toml: regions.city.baselines.urban_new_jobs.single_year.year: 2015 is outside the baseline's period 2016-2020",
            ),
            (
                ("quote = \"5%\"", "note = \"no quote\""),
                "s.toml: regions.city.baselines.surveyed_unemployment_rate: has `source` but no `quote`: give the plan's Chinese text, or mark it as an `assumption`",
            ),
        ];
        for ((from, to), expected) in cases {
            assert_eq!(err(check(&CITY.replacen(from, to, 1))), expected, "{to}");
        }
    }
}
