//! Helpers for the passes' unit tests: a context, a raw scenario from TOML, the text of an
//! error, and a small valid scenario to vary.

use super::ctx::{Ctx, R};
use crate::scenario::raw::RawScenario;
use std::fmt::Debug;
use std::path::Path;

/// A context for a scenario file named `s.toml`.
pub(super) fn ctx() -> Ctx {
    Ctx::new(Path::new("s.toml"))
}

/// A raw scenario parsed from TOML.
pub(super) fn raw(text: &str) -> RawScenario {
    match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => panic!("test TOML does not parse: {e}"),
    }
}

/// The text of the error a check returns; panics if it passes.
pub(super) fn err<T: Debug>(r: R<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

/// The first problem recorded in `c` (checks that go on after a problem record it there),
/// else the check's own result.
pub(super) fn first<T>(c: &Ctx, r: R<T>) -> R<T> {
    match c.take_errors().into_iter().next() {
        Some(e) => Err(e),
        None => r,
    }
}

/// The `[sources]` table of [`CITY`], for tests that change it.
pub(super) const CITY_SOURCES: &str = "[sources.plan]\ntitle = \"某市“十四五”就业规划\"\n";

/// A valid one-city scenario: 2020 base year, 2021-2023 projection, one flow baseline and
/// an unemployment rate, citing the one document of [`CITY_SOURCES`].
pub(super) const CITY: &str = r#"
[sources.plan]
title = "某市“十四五”就业规划"

[horizon]
base_year = 2020
end_year = 2023

[monte_carlo]
paths = 10
seed = 1

[growth]
reference = { value = 5, assumption = "x" }
ar = { value = 0.5, assumption = "x" }
noise_sd = { value = 1, assumption = "x" }
[growth.path]
assumption = "x"
values = { 2021 = 5, 2022 = 5, 2023 = 5 }

[unemployment]
okun = { value = 0.3, assumption = "x" }
adjustment = { value = 0.5, assumption = "x" }
noise_sd = { value = 0.1, assumption = "x" }
floor = 2
ceiling = 15

[indicators.urban_new_jobs]
trend = { value = 0, assumption = "x" }
elasticity = { value = 0.1, assumption = "x" }
noise_sd = { value = 0.05, assumption = "x" }

[regions.city]
name_zh = "城"
name_en = "City"
level = "city"

[regions.city.baselines.urban_new_jobs]
kind = "cumulative"
period = "2016-2020"
value = 50
source = "plan"
quote = "五年新增50万人"

[regions.city.baselines.surveyed_unemployment_rate]
kind = "level"
year = 2020
value = 5
source = "plan"
quote = "5%"

[regions.city.unemployment]
initial = { value = 5, assumption = "x" }
natural_rate = { value = 5, assumption = "x" }
"#;
