//! Raw (merged) scenario → validated [`Scenario`]: required keys, ranges that depend on
//! other fields, references between regions, indicators, shocks and levers, the
//! correlation matrix, and the provenance of every number. Errors name the key path.

use super::dist::num;
use super::load::Loaded;
use super::raw::{
    DistKind, RawApplies, RawIndicatorParams, RawLevel, RawNature, RawParam, RawTargetKind,
};
use super::*;
use crate::indicator::IndicatorKind;
use std::collections::HashSet;
use std::path::PathBuf;

/// Upper bound on Monte Carlo paths accepted from a scenario or the command line.
pub const MAX_PATHS: u64 = 10_000_000;
/// Upper bound on the projection horizon in years.
pub const MAX_HORIZON: i32 = 50;

// Bounds on every number a scenario gives. Each is far outside anything plausible, and
// together they keep every simulated value finite (docs/MODEL.md, "Bounds"): a flow's log
// deviation from its anchor stays below about 320 even with 8-sd noise, so values stay
// below 1e145 and their squares finite.

/// Earliest and latest calendar year accepted anywhere in a scenario.
pub const MIN_YEAR: i32 = 1950;
pub const MAX_YEAR: i32 = 2100;
/// Largest flow, stock or target in 万人 (1 billion persons, above China's labour force).
pub const MAX_PERSONS: f64 = 1e5;
/// Largest growth rate, reference or yearly growth shock in absolute value (points).
pub const MAX_GROWTH: f64 = 30.0;
/// Largest combined growth shock in one year, at the shocks' largest scales (points).
pub const MAX_COMBINED_SHOCK: f64 = 30.0;
/// Largest shock scale.
pub const MAX_SHOCK_SCALE: f64 = 3.0;
/// Largest relative lift of a flow by a lever or shock effect (+300 %).
pub const MAX_FLOW_EFFECT: f64 = 3.0;
/// Largest shift of the unemployment rate by a lever or shock effect (points).
pub const MAX_RATE_EFFECT: f64 = 20.0;
/// Most shocks and most levers in a scenario.
pub const MAX_EVENTS: usize = 20;
/// Largest rate weight.
pub const MAX_RATE_WEIGHT: f64 = 1e6;

struct Ctx {
    path: PathBuf,
    params: Vec<Param>,
}

type R<T> = Result<T, ScenarioError>;

impl Ctx {
    fn err(&self, key: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.clone(),
            key: key.into(),
            message: message.into(),
        }
    }

    fn provenance(
        &self,
        key: &str,
        source: &Option<String>,
        quote: &Option<String>,
        assumption: &Option<String>,
    ) -> R<Provenance> {
        let nonempty = |s: &Option<String>| s.as_ref().filter(|s| !s.trim().is_empty()).cloned();
        match (nonempty(source), nonempty(quote), nonempty(assumption)) {
            (source, quote, Some(rationale)) => Ok(Provenance::Assumption {
                rationale,
                source,
                quote,
            }),
            (Some(source), Some(quote), None) => Ok(Provenance::Plan { source, quote }),
            (Some(_), None, None) => Err(self.err(
                key,
                "has `source` but no `quote`: give the plan's Chinese text, or mark it as an `assumption`",
            )),
            _ => Err(self.err(
                key,
                "has no provenance: give `source` and `quote` (a plan figure) or `assumption` (a modelling assumption with its rationale)",
            )),
        }
    }

    /// Validates a parameter, checks its support lies within `[lo, hi]`, and gives it a slot.
    fn param(&mut self, key: &str, raw: &RawParam, lo: f64, hi: f64) -> R<Slot> {
        self.param_from(key, key, raw, lo, hi)
    }

    /// Like [`Ctx::param`] for a parameter whose distribution is declared at `origin`
    /// (e.g. a default under `[indicators]` that a region inherits).
    fn param_from(&mut self, key: &str, origin: &str, raw: &RawParam, lo: f64, hi: f64) -> R<Slot> {
        // Errors name the key where the value is written, and the region that inherits it.
        let inherited = |e: ScenarioError| match e {
            ScenarioError::Invalid { path, message, .. } if origin != key => {
                let region = key
                    .strip_prefix("regions.")
                    .and_then(|r| r.split('.').next())
                    .unwrap_or(key);
                ScenarioError::Invalid {
                    path,
                    key: origin.to_string(),
                    message: format!("{message} (inherited by regions.{region})"),
                }
            }
            other => other,
        };
        self.checked_param(key, origin, raw, lo, hi)
            .map_err(inherited)
    }

    fn checked_param(
        &mut self,
        key: &str,
        origin: &str,
        raw: &RawParam,
        lo: f64,
        hi: f64,
    ) -> R<Slot> {
        let dist = self.dist(key, raw)?;
        // Unbounded families are accepted when 6 sd (in log space for the lognormal) lie
        // within the bounds; draws are then truncated at the bounds, which happens with
        // probability below 1e-8.
        let (a, b) = match dist {
            Dist::Normal { mean, sd } => (mean - 6.0 * sd, mean + 6.0 * sd),
            Dist::Lognormal { mu, sigma } => (0.0, (mu + 6.0 * sigma).exp()),
            d => d.support(),
        };
        if let Dist::Fixed { value } = dist
            && (value < lo || value > hi)
        {
            return Err(self.err(
                key,
                format!("must lie in {}, got {}", fmt_range(lo, hi), num(value)),
            ));
        }
        if a < lo || b > hi {
            let range = fmt_range(lo, hi);
            let hint = if matches!(dist, Dist::Normal { .. } | Dist::Lognormal { .. }) {
                " (6 standard deviations must lie within the range; use a smaller spread, uniform or triangular)"
            } else {
                ""
            };
            return Err(self.err(
                key,
                format!(
                    "values must lie in {range}, but {} can take values in {}{hint}",
                    dist.describe(),
                    fmt_range(a, b)
                ),
            ));
        }
        let provenance = self.provenance(key, &raw.source, &raw.quote, &raw.assumption)?;
        if !dist.is_fixed() && matches!(provenance, Provenance::Plan { .. }) {
            return Err(self.err(
                key,
                "a distribution's spread is a modelling assumption: add `assumption` with its rationale",
            ));
        }
        self.params.push(Param {
            name: key.to_string(),
            origin: origin.to_string(),
            dist,
            bounds: (lo, hi),
            provenance,
        });
        Ok(self.params.len() - 1)
    }

    fn required_param(&mut self, key: &str, raw: Option<&RawParam>, lo: f64, hi: f64) -> R<Slot> {
        match raw {
            Some(p) => self.param(key, p, lo, hi),
            None => Err(self.err(key, "is required")),
        }
    }

    fn dist(&self, key: &str, p: &RawParam) -> R<Dist> {
        let kind = match (p.dist, p.value) {
            (Some(k), _) => k,
            (None, Some(_)) => DistKind::Fixed,
            (None, None) => return Err(self.err(key, "needs `value` or `dist`")),
        };
        let allowed: &[&str] = match kind {
            DistKind::Fixed => &["value"],
            DistKind::Normal => &["mean", "sd"],
            DistKind::Lognormal => &["mu", "sigma"],
            DistKind::Uniform => &["low", "high"],
            DistKind::Triangular => &["low", "mode", "high"],
        };
        let present = [
            ("value", p.value.is_some()),
            ("mean", p.mean.is_some()),
            ("sd", p.sd.is_some()),
            ("mu", p.mu.is_some()),
            ("sigma", p.sigma.is_some()),
            ("low", p.low.is_some()),
            ("mode", p.mode.is_some()),
            ("high", p.high.is_some()),
        ];
        let kind_name = format!("{kind:?}").to_lowercase();
        for (name, is) in present {
            if is && !allowed.contains(&name) {
                return Err(self.err(
                    key,
                    format!(
                        "`{name}` does not apply to a {kind_name} distribution (it takes {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let need = |v: Option<f64>, name: &str| {
            v.ok_or_else(|| {
                self.err(
                    key,
                    format!(
                        "a {kind_name} distribution needs `{name}` (it takes {})",
                        allowed.join(", ")
                    ),
                )
            })
        };
        let d = match kind {
            DistKind::Fixed => Dist::Fixed {
                value: need(p.value.map(|n| n.0), "value")?,
            },
            DistKind::Normal => Dist::Normal {
                mean: need(p.mean.map(|n| n.0), "mean")?,
                sd: need(p.sd.map(|n| n.0), "sd")?,
            },
            DistKind::Lognormal => Dist::Lognormal {
                mu: need(p.mu.map(|n| n.0), "mu")?,
                sigma: need(p.sigma.map(|n| n.0), "sigma")?,
            },
            DistKind::Uniform => {
                let low = need(p.low.map(|n| n.0), "low")?;
                let high = need(p.high.map(|n| n.0), "high")?;
                if low > high {
                    return Err(self.err(
                        key,
                        format!(
                            "`low` ({}) is greater than `high` ({})",
                            num(low),
                            num(high)
                        ),
                    ));
                }
                Dist::Uniform { low, high }
            }
            DistKind::Triangular => {
                let low = need(p.low.map(|n| n.0), "low")?;
                let mode = need(p.mode.map(|n| n.0), "mode")?;
                let high = need(p.high.map(|n| n.0), "high")?;
                if !(low <= mode && mode <= high) {
                    return Err(self.err(
                        key,
                        format!(
                            "needs low ≤ mode ≤ high, got {}, {}, {}",
                            num(low),
                            num(mode),
                            num(high)
                        ),
                    ));
                }
                Dist::Triangular { low, mode, high }
            }
        };
        Ok(d)
    }
}

fn fmt_range(lo: f64, hi: f64) -> String {
    let l = if lo.is_infinite() {
        "(−∞".to_string()
    } else {
        format!("[{}", num(lo))
    };
    let h = if hi.is_infinite() {
        "∞)".to_string()
    } else {
        format!("{}]", num(hi))
    };
    format!("{l}, {h}")
}

/// Parses `2021-2025` or `2025`.
fn parse_period(s: &str) -> Option<(i32, i32)> {
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
fn check_year(ctx: &Ctx, key: &str, year: i32) -> R<()> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(ctx.err(
            key,
            format!("{year} is not a year empsim projects; years lie in {MIN_YEAR}-{MAX_YEAR}"),
        ))
    }
}

fn indicator(ctx: &Ctx, key: &str, name: &Option<String>) -> R<Indicator> {
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

pub(super) fn validate(path: &Path, loaded: Loaded) -> Result<Scenario, ScenarioError> {
    let Loaded { raw, files, name } = loaded;
    let mut ctx = Ctx {
        path: path.to_path_buf(),
        params: Vec::new(),
    };

    // Horizon and Monte Carlo settings.
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
        check_year(&ctx, key, y)?;
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
    let in_sample = horizon.in_sample.unwrap_or(false);
    let years: Vec<i32> = (base_year + 1..=end_year).collect();
    let n_years = years.len();
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

    // Growth driver.
    let g = raw
        .growth
        .clone()
        .ok_or_else(|| ctx.err("growth", "is required"))?;
    let reference = ctx.required_param(
        "growth.reference",
        g.reference.as_ref(),
        -MAX_GROWTH,
        MAX_GROWTH,
    )?;
    let gp = g
        .path
        .clone()
        .ok_or_else(|| ctx.err("growth.path", "is required"))?;
    let mut path_values = vec![f64::NAN; n_years];
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
    let path_provenance = ctx.provenance("growth.path", &gp.source, &gp.quote, &gp.assumption)?;
    let ar = ctx.required_param("growth.ar", g.ar.as_ref(), -0.9, 0.9)?;
    let g_sd = ctx.required_param("growth.noise_sd", g.noise_sd.as_ref(), 0.0, 5.0)?;
    let growth = Growth {
        reference,
        path: path_values,
        path_provenance,
        ar,
        noise_sd: g_sd,
    };

    // Regions: structure first (ids, parents, children).
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
    let leaf_pos = |i: usize| leaves.iter().position(|&l| l == i);

    // Unemployment model (global parameters), validated lazily: only required if some
    // region has unemployment.
    let any_unemployment = raw.regions.iter().any(|(_, r)| r.unemployment.is_some());
    let um = raw.unemployment.clone().unwrap_or_default();
    let unemployment = if any_unemployment {
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
        UnemploymentModel {
            okun: ctx.required_param("unemployment.okun", um.okun.as_ref(), -5.0, 5.0)?,
            adjustment: ctx.required_param(
                "unemployment.adjustment",
                um.adjustment.as_ref(),
                0.0,
                1.0,
            )?,
            noise_sd: ctx.required_param(
                "unemployment.noise_sd",
                um.noise_sd.as_ref(),
                0.0,
                5.0,
            )?,
            floor,
            ceiling,
        }
    } else {
        UnemploymentModel {
            okun: usize::MAX,
            adjustment: usize::MAX,
            noise_sd: usize::MAX,
            floor: 0.0,
            ceiling: 100.0,
        }
    };

    for k in raw.indicators.keys() {
        indicator(&ctx, &format!("indicators.{k}"), &Some(k.clone()))?;
    }

    // Regions: baselines and leaf models.
    let mut regions: Vec<Region> = Vec::with_capacity(ids.len());
    for (i, (id, r)) in raw.regions.iter().enumerate() {
        let rk = format!("regions.{id}");
        let name_zh = r
            .name_zh
            .clone()
            .ok_or_else(|| ctx.err(format!("{rk}.name_zh"), "is required"))?;
        let name_en = r
            .name_en
            .clone()
            .ok_or_else(|| ctx.err(format!("{rk}.name_en"), "is required"))?;
        let level = match r.level {
            Some(RawLevel::Province) => Level::Province,
            Some(RawLevel::City) => Level::City,
            Some(RawLevel::Area) => Level::Area,
            None => {
                return Err(ctx.err(
                    format!("{rk}.level"),
                    "is required (province, city or area)",
                ));
            }
        };
        let mut baselines = Vec::new();
        for (ik, b) in &r.baselines {
            let bk = format!("{rk}.baselines.{ik}");
            let ind = indicator(&ctx, &bk, &Some(ik.clone()))?;
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
            let (first, last) = match kind {
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
                    })?
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
                    (y, y)
                }
            };
            let ykey = match kind {
                raw::BaselineKind::Cumulative => format!("{bk}.period"),
                _ => format!("{bk}.year"),
            };
            check_year(&ctx, &ykey, first)?;
            check_year(&ctx, &ykey, last)?;
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
                    &bk,
                    format!("ends in {last}, more than {MAX_HORIZON} years before horizon.base_year {base_year}"),
                ));
            }
            if last > base_year && !in_sample {
                return Err(ctx.err(
                    &bk,
                    format!("a baseline must lie before the projection: it ends in {last}, after horizon.base_year {base_year}"),
                ));
            }
            if last > end_year {
                return Err(ctx.err(
                    &bk,
                    format!("an in-sample baseline must end by horizon.end_year {end_year}, it ends in {last}"),
                ));
            }
            let single_year = match &b.single_year {
                None => None,
                Some(f) => {
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
                    let provenance = ctx.provenance(&fk, &f.source, &f.quote, &f.assumption)?;
                    Some(YearFigure {
                        year,
                        value: v,
                        provenance,
                    })
                }
            };
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
            let provenance = ctx.provenance(&bk, &b.source, &b.quote, &b.assumption)?;
            baselines.push(Baseline {
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
            });
        }
        for pk in r.params.keys() {
            indicator(&ctx, &format!("{rk}.params.{pk}"), &Some(pk.clone()))?;
        }

        let is_leaf = children[i].is_empty();
        let leaf = if is_leaf {
            let mut flows: [Option<FlowModel>; 3] = [None, None, None];
            for (fi, f) in Indicator::FLOWS.into_iter().enumerate() {
                // The anchor: the latest flow baseline (cumulative preferred for level).
                let anchor_b = baselines
                    .iter()
                    .filter(|b| b.indicator == f)
                    .max_by_key(|b| (b.kind == BaselineKind::Cumulative, b.last_year));
                let Some(b) = anchor_b else { continue };
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
                let pick = |ctx: &mut Ctx,
                            field: &str,
                            lo: f64,
                            hi: f64,
                            get: fn(&RawIndicatorParams) -> &Option<RawParam>|
                 -> R<Slot> {
                    let key = format!("{rk}.params.{}.{field}", f.key());
                    match (
                        own.and_then(|p| get(p).as_ref()),
                        def.and_then(|p| get(p).as_ref()),
                    ) {
                        (Some(p), _) => ctx.param(&key, p, lo, hi),
                        (None, Some(p)) => ctx.param_from(
                            &key,
                            &format!("indicators.{}.{field}", f.key()),
                            p,
                            lo,
                            hi,
                        ),
                        (None, None) => Err(ctx.err(
                            key,
                            format!(
                                "is required: set it here or as a default in indicators.{}.{field}",
                                f.key()
                            ),
                        )),
                    }
                };
                let trend = pick(&mut ctx, "trend", -0.5, 0.5, |p| &p.trend)?;
                let elasticity = pick(&mut ctx, "elasticity", -1.0, 1.0, |p| &p.elasticity)?;
                let noise_sd = pick(&mut ctx, "noise_sd", 0.0, 1.0, |p| &p.noise_sd)?;
                flows[fi] = Some(FlowModel {
                    anchor,
                    trend,
                    elasticity,
                    noise_sd,
                });
            }
            let stock = match baselines
                .iter()
                .find(|b| b.indicator == Indicator::RuralTransferStock)
            {
                None => None,
                Some(b) => {
                    let bk = format!("{rk}.baselines.rural_transfer_stock");
                    if b.last_year != base_year {
                        return Err(ctx.err(
                            format!("{bk}.year"),
                            format!("a stock is projected from its level in horizon.base_year ({base_year}), got {}", b.last_year),
                        ));
                    }
                    if flows[1].is_none() {
                        return Err(ctx.err(
                            &bk,
                            "the stock of transferred labour needs a rural_transfer_new baseline (its inflow)",
                        ));
                    }
                    let key = format!("{rk}.params.rural_transfer_stock.exit_rate");
                    let own = r
                        .params
                        .get("rural_transfer_stock")
                        .and_then(|p| p.exit_rate.as_ref());
                    let def = raw
                        .indicators
                        .get("rural_transfer_stock")
                        .and_then(|p| p.exit_rate.as_ref());
                    let exit_rate = match (own, def) {
                        (Some(p), _) => ctx.param(&key, p, 0.0, 1.0)?,
                        (None, Some(p)) => ctx.param_from(
                            &key,
                            "indicators.rural_transfer_stock.exit_rate",
                            p,
                            0.0,
                            1.0,
                        )?,
                        (None, None) => return Err(ctx.err(key, "is required: set it here or in indicators.rural_transfer_stock.exit_rate")),
                    };
                    Some(StockModel {
                        initial: b.value,
                        exit_rate,
                    })
                }
            };
            let unemployment_model = match &r.unemployment {
                None => {
                    if baselines
                        .iter()
                        .any(|b| b.indicator == Indicator::SurveyedUnemploymentRate)
                    {
                        return Err(ctx.err(
                            format!("{rk}.unemployment"),
                            "the region has an unemployment baseline but no [unemployment] section (initial, natural_rate)",
                        ));
                    }
                    None
                }
                Some(u) => {
                    let initial = match (u.initial.as_ref(), um.initial.as_ref()) {
                        (Some(p), _) => {
                            ctx.param(&format!("{rk}.unemployment.initial"), p, 0.0, 100.0)?
                        }
                        (None, Some(p)) => ctx.param_from(
                            &format!("{rk}.unemployment.initial"),
                            "unemployment.initial",
                            p,
                            0.0,
                            100.0,
                        )?,
                        (None, None) => {
                            return Err(ctx.err(
                                format!("{rk}.unemployment.initial"),
                                "is required (or a default in unemployment.initial)",
                            ));
                        }
                    };
                    let natural_rate = match (u.natural_rate.as_ref(), um.natural_rate.as_ref()) {
                        (Some(p), _) => {
                            ctx.param(&format!("{rk}.unemployment.natural_rate"), p, 0.0, 100.0)?
                        }
                        (None, Some(p)) => ctx.param_from(
                            &format!("{rk}.unemployment.natural_rate"),
                            "unemployment.natural_rate",
                            p,
                            0.0,
                            100.0,
                        )?,
                        (None, None) => {
                            return Err(ctx.err(
                                format!("{rk}.unemployment.natural_rate"),
                                "is required (or a default in unemployment.natural_rate)",
                            ));
                        }
                    };
                    Some(RegionUnemployment {
                        initial,
                        natural_rate,
                    })
                }
            };
            if flows.iter().all(Option::is_none) && unemployment_model.is_none() {
                return Err(ctx.err(
                    &rk,
                    "a simulated region needs at least one flow baseline or an [unemployment] section",
                ));
            }
            Some(LeafModel {
                leaf_index: leaf_pos(i).unwrap_or(0),
                flows,
                stock,
                unemployment: unemployment_model,
            })
        } else {
            if !r.params.is_empty() {
                return Err(ctx.err(format!("{rk}.params"), "an aggregate region (one with children) is not simulated itself and takes no params"));
            }
            if r.unemployment.is_some() {
                return Err(ctx.err(format!("{rk}.unemployment"), "an aggregate region's rate is the weighted mean of its children's; it takes no [unemployment] section"));
            }
            None
        };

        let (rate_weight, rate_weight_provenance) = match &r.rate_weight {
            None => (None, None),
            Some(p) => {
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
                )?;
                (Some(value), Some(prov))
            }
        };

        regions.push(Region {
            id: id.clone(),
            name_zh,
            name_en,
            level,
            parent: parents[i],
            children: children[i].clone(),
            baselines,
            rate_weight,
            rate_weight_provenance,
            indicators: Vec::new(),
            leaf,
        });
    }

    // Which indicators each region projects.
    for &l in &leaves {
        let lm = regions[l].leaf.as_ref().expect("leaf has a model");
        let mut inds = Vec::new();
        for (fi, f) in Indicator::FLOWS.into_iter().enumerate() {
            if lm.flows[fi].is_some() {
                inds.push(f);
            }
        }
        if lm.stock.is_some() {
            inds.push(Indicator::RuralTransferStock);
        }
        if lm.unemployment.is_some() {
            inds.push(Indicator::SurveyedUnemploymentRate);
        }
        inds.sort();
        regions[l].indicators = inds;
    }
    for a in 0..regions.len() {
        if regions[a].children.is_empty() {
            continue;
        }
        let kids = regions[a].children.clone();
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
        regions[a].indicators = inds;
        // Consistency of cumulative baselines: the children must add up to the parent.
        for b in regions[a].baselines.clone() {
            if b.kind != BaselineKind::Cumulative {
                continue;
            }
            let parts: Vec<(String, f64)> = kids
                .iter()
                .filter_map(|&c| {
                    regions[c]
                        .baselines
                        .iter()
                        .find(|x| {
                            x.indicator == b.indicator
                                && x.kind == BaselineKind::Cumulative
                                && x.first_year == b.first_year
                                && x.last_year == b.last_year
                        })
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
    }

    // Correlation of growth innovations across leaves.
    let n_leaves = leaves.len();
    let correlation = match raw.correlation.clone() {
        None if n_leaves == 1 => Correlation {
            matrix: DMatrix::identity(1, 1),
            cholesky: DMatrix::identity(1, 1),
            provenance: Provenance::Assumption {
                rationale: "a single simulated region".into(),
                source: None,
                quote: None,
            },
        },
        None => {
            return Err(ctx.err(
                "correlation",
                format!(
                    "is required: the scenario simulates {n_leaves} regions; say how their growth noise is correlated (`common = rho` or `regions` + `matrix`)"
                ),
            ))
        }
        Some(c) => {
            let provenance = ctx.provenance("correlation", &c.source, &c.quote, &c.assumption)?;
            let matrix = match (c.common, &c.matrix) {
                (Some(_), Some(_)) => return Err(ctx.err("correlation", "give either `common` or `matrix`, not both")),
                (None, None) => return Err(ctx.err("correlation", "needs `common = rho` or `regions` + `matrix`")),
                (Some(rho), None) => {
                    if c.regions.is_some() {
                        return Err(ctx.err("correlation.regions", "goes with `matrix`, not `common`"));
                    }
                    let rho = rho.0;
                    if !(-1.0..=1.0).contains(&rho) {
                        return Err(ctx.err("correlation.common", format!("must lie in [-1, 1], got {}", num(rho))));
                    }
                    DMatrix::from_fn(n_leaves, n_leaves, |i, j| if i == j { 1.0 } else { rho })
                }
                (None, Some(m)) => {
                    let names = c
                        .regions
                        .clone()
                        .ok_or_else(|| ctx.err("correlation.regions", "is required with `matrix`: the regions of its rows, in order"))?;
                    let mut order = Vec::with_capacity(names.len());
                    for (k, n) in names.iter().enumerate() {
                        let ri = index_of(n).ok_or_else(|| {
                            ctx.err(format!("correlation.regions[{k}]"), format!("unknown region `{n}`"))
                        })?;
                        let li = leaf_pos(ri).ok_or_else(|| {
                            ctx.err(format!("correlation.regions[{k}]"), format!("`{n}` is an aggregate; list the simulated regions"))
                        })?;
                        if order.contains(&li) {
                            return Err(ctx.err(format!("correlation.regions[{k}]"), format!("`{n}` is listed twice")));
                        }
                        order.push(li);
                    }
                    if order.len() != n_leaves {
                        let missing: Vec<&str> = leaves
                            .iter()
                            .enumerate()
                            .filter(|(li, _)| !order.contains(li))
                            .map(|(_, &ri)| ids[ri].as_str())
                            .collect();
                        return Err(ctx.err("correlation.regions", format!("must list every simulated region; missing: {}", missing.join(", "))));
                    }
                    if m.len() != n_leaves || m.iter().any(|row| row.len() != n_leaves) {
                        return Err(ctx.err("correlation.matrix", format!("must be {n_leaves}×{n_leaves}, one row and column per entry of correlation.regions")));
                    }
                    let mut mat = DMatrix::zeros(n_leaves, n_leaves);
                    for (a, row) in m.iter().enumerate() {
                        for (b, v) in row.iter().enumerate() {
                            let v = v.0;
                            if a == b && (v - 1.0).abs() > 1e-12 {
                                return Err(ctx.err(format!("correlation.matrix[{a}][{b}]"), format!("diagonal entries must be 1, got {}", num(v))));
                            }
                            if !(-1.0..=1.0).contains(&v) {
                                return Err(ctx.err(format!("correlation.matrix[{a}][{b}]"), format!("must lie in [-1, 1], got {}", num(v))));
                            }
                            if (v - m[b][a].0).abs() > 1e-12 {
                                return Err(ctx.err(format!("correlation.matrix[{a}][{b}]"), format!("the matrix must be symmetric: {} ≠ matrix[{b}][{a}] = {}", num(v), num(m[b][a].0))));
                            }
                            mat[(order[a], order[b])] = v;
                        }
                    }
                    mat
                }
            };
            let chol = nalgebra::Cholesky::new(matrix.clone()).ok_or_else(|| {
                ctx.err(
                    if c.common.is_some() { "correlation.common" } else { "correlation.matrix" },
                    "the correlation matrix is not positive definite (its Cholesky factorisation fails); the correlations are mutually inconsistent",
                )
            })?;
            Correlation {
                cholesky: chol.l(),
                matrix,
                provenance,
            }
        }
    };

    // Regions named by shocks and levers → leaf indices (aggregates expand to children).
    let leaves_of = |ctx: &Ctx, key: &str, names: &Option<Vec<String>>| -> R<Vec<usize>> {
        match names {
            None => Ok((0..n_leaves).collect()),
            Some(list) => {
                if list.is_empty() {
                    return Err(ctx.err(key, "is empty; omit it to mean every region"));
                }
                let mut out = Vec::new();
                for (k, n) in list.iter().enumerate() {
                    let ri = index_of(n).ok_or_else(|| {
                        ctx.err(
                            format!("{key}[{k}]"),
                            format!("unknown region `{n}`; regions: {}", ids.join(", ")),
                        )
                    })?;
                    let mut add = |li: usize| {
                        if !out.contains(&li) {
                            out.push(li)
                        }
                    };
                    match leaf_pos(ri) {
                        Some(li) => add(li),
                        None => children[ri]
                            .iter()
                            .filter_map(|&c| leaf_pos(c))
                            .for_each(add),
                    }
                }
                out.sort();
                Ok(out)
            }
        }
    };

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
    let mut shocks = Vec::new();
    for (sname, s) in &raw.shocks {
        let sk = format!("shocks.{sname}");
        let year = s
            .year
            .ok_or_else(|| ctx.err(format!("{sk}.year"), "is required"))?;
        if !years.contains(&year) {
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
        let shock_leaves = leaves_of(&ctx, &format!("{sk}.regions"), &s.regions)?;
        let mut effects = Vec::new();
        for (k, e) in s.effects.iter().enumerate() {
            let ek = format!("{sk}.effects[{k}]");
            let ind = indicator(&ctx, &format!("{ek}.indicator"), &e.indicator)?;
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
            effects.push((ind, e.size.iter().map(|v| v.0).collect()));
        }
        if s.growth.is_empty() && effects.is_empty() {
            return Err(ctx.err(&sk, "has neither `growth` nor `effects`"));
        }
        let provenance = ctx.provenance(&sk, &s.source, &s.quote, &s.assumption)?;
        let scale = match &s.scale {
            None => None,
            Some(p) => Some(ctx.param(&format!("{sk}.scale"), p, 0.0, MAX_SHOCK_SCALE)?),
        };
        shocks.push(Shock {
            name: sname.clone(),
            description: s.description.clone().unwrap_or_default(),
            year,
            probability,
            leaves: shock_leaves,
            growth: s.growth.iter().map(|v| v.0).collect(),
            scale,
            effects,
            provenance,
        });
    }

    check_combined_shocks(&ctx, &shocks, &years)?;

    let mut levers = Vec::new();
    for (lname, l) in &raw.levers {
        let lk = format!("levers.{lname}");
        let ind = indicator(&ctx, &format!("{lk}.indicator"), &l.indicator)?;
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
        let lever_leaves = leaves_of(&ctx, &format!("{lk}.regions"), &l.regions)?;
        for &li in &lever_leaves {
            if !regions[leaves[li]].indicators.contains(&ind) {
                return Err(ctx.err(
                    format!("{lk}.regions"),
                    format!("region `{}` does not project {ind}", ids[leaves[li]]),
                ));
            }
        }
        let (lo, hi) = match ind.kind() {
            IndicatorKind::Flow => (-0.99, MAX_FLOW_EFFECT),
            _ => (-MAX_RATE_EFFECT, MAX_RATE_EFFECT),
        };
        let effect = ctx.required_param(&format!("{lk}.effect"), l.effect.as_ref(), lo, hi)?;
        levers.push(Lever {
            name: lname.clone(),
            description: l.description.clone().unwrap_or_default(),
            indicator: ind,
            leaves: lever_leaves,
            start_year,
            ramp_years,
            effect,
        });
    }

    // Targets.
    let mut targets: Vec<Target> = Vec::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    for (ri, (id, r)) in raw.regions.iter().enumerate() {
        for (k, t) in r.targets.iter().enumerate() {
            let tk = format!("regions.{id}.targets[{k}]");
            let ind = indicator(&ctx, &format!("{tk}.indicator"), &t.indicator)?;
            if !regions[ri].indicators.contains(&ind) {
                return Err(ctx.err(
                    format!("{tk}.indicator"),
                    format!(
                        "region `{id}` does not project {ind} (it needs a baseline{})",
                        if regions[ri].children.is_empty() {
                            ""
                        } else {
                            " in every child region"
                        }
                    ),
                ));
            }
            let kind = match t.kind {
                Some(RawTargetKind::CumulativeFloor) => TargetKind::CumulativeFloor,
                Some(RawTargetKind::LevelCap) => TargetKind::LevelCap,
                Some(RawTargetKind::LevelFloor) => TargetKind::LevelFloor,
                Some(RawTargetKind::LevelAbout) => TargetKind::LevelAbout,
                None => {
                    return Err(ctx.err(
                        format!("{tk}.kind"),
                        "is required (cumulative_floor, level_cap, level_floor or level_about)",
                    ));
                }
            };
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
                return Err(ctx.err(
                    format!("{tk}.period"),
                    format!(
                        "{p} is outside the projection years {}-{end_year}",
                        base_year + 1
                    ),
                ));
            }
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
            let applies = match (kind, t.applies) {
                (TargetKind::CumulativeFloor, _) => None,
                (_, Some(RawApplies::EachYear)) => Some(Applies::EachYear),
                (_, Some(RawApplies::End)) => Some(Applies::End),
                (_, None) => {
                    return Err(ctx.err(
                        format!("{tk}.applies"),
                        "is required for level targets: \"each_year\" or \"end\"",
                    ));
                }
            };
            let tolerance = match (kind, t.tolerance) {
                (TargetKind::LevelAbout, Some(tol)) if tol.0 > most => {
                    return Err(ctx.err(
                        format!("{tk}.tolerance"),
                        format!("must lie in [0, {most}], got {}", num(tol.0)),
                    ));
                }
                (TargetKind::LevelAbout, Some(tol)) => Some(tol.0),
                (TargetKind::LevelAbout, None) => {
                    return Err(ctx.err(
                        format!("{tk}.tolerance"),
                        "is required for level_about (左右) targets",
                    ));
                }
                (_, Some(_)) => {
                    return Err(ctx.err(
                        format!("{tk}.tolerance"),
                        "applies only to level_about targets",
                    ));
                }
                (_, None) => None,
            };
            let nature = match t.nature {
                Some(RawNature::Expected) => Nature::Expected,
                Some(RawNature::Binding) => Nature::Binding,
                Some(RawNature::Unspecified) => Nature::Unspecified,
                None => {
                    return Err(ctx.err(
                        format!("{tk}.nature"),
                        "is required (expected 预期性, binding 约束性, or unspecified)",
                    ));
                }
            };
            let source = t
                .source
                .clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    ctx.err(
                        format!("{tk}.source"),
                        "is required: the plan document the target comes from",
                    )
                })?;
            let quote = t
                .quote
                .clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    ctx.err(
                        format!("{tk}.quote"),
                        "is required: the plan's Chinese text",
                    )
                })?;
            let mut tid = format!("{id}.{ind}.{}", kind.key());
            if !seen_ids.insert(tid.clone()) {
                let mut n = 2;
                while !seen_ids.insert(format!("{tid}.{n}")) {
                    n += 1;
                }
                tid = format!("{tid}.{n}");
            }
            targets.push(Target {
                id: tid,
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
                note: t.note.clone(),
            });
        }
    }

    let mut series = Vec::new();
    for (ri, r) in regions.iter().enumerate() {
        for &ind in &r.indicators {
            series.push(SeriesKey {
                region: ri,
                indicator: ind,
            });
        }
    }

    Ok(Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        files,
        base_year,
        end_year,
        in_sample,
        paths: paths as usize,
        seed,
        params: ctx.params,
        growth,
        unemployment,
        regions,
        leaves,
        correlation,
        shocks,
        levers,
        targets,
        series,
    })
}

/// Checks that the growth shocks of one year, each at its largest scale, add up to at most
/// [`MAX_COMBINED_SHOCK`] points in absolute value.
fn check_combined_shocks(ctx: &Ctx, shocks: &[Shock], years: &[i32]) -> R<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_ranges_and_single_years() {
        assert_eq!(parse_period("2021-2025"), Some((2021, 2025)));
        assert_eq!(parse_period(" 2025 "), Some((2025, 2025)));
        assert_eq!(parse_period("2025-2021"), None);
        assert_eq!(parse_period("soon"), None);
    }
}
