//! The actuals file: observed values to score a projection against or to condition it on
//! (an observations file has the same layout).
//!
//! A CSV file (UTF-8, comma-separated, RFC 4180 quoting) whose first line is a header
//! naming its columns, in any order:
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `region` | yes | region id, as in the scenario (`kaifeng`, `henan`, …) |
//! | `indicator` | yes | indicator key (`urban_new_jobs`, `rural_transfer_new`, `return_entrepreneurs`, `rural_transfer_stock`, `surveyed_unemployment_rate`, `registered_unemployment_rate`), or `gdp_growth` for realised real GDP growth in % (an input of the model, not an indicator) |
//! | `year` | yes | the calendar year; for `measure = cumulative` also a period `2016-2020` |
//! | `value` | yes | the observed value, in the indicator's unit (万人, or % for rates), ≥ 0 |
//! | `source` | yes | where the value comes from (a plan document id, a yearbook table, …); not empty |
//! | `measure` | no | `annual` (default: that year's value) or `cumulative` (flows only: a sum over years) |
//! | `quote` | no | the text the value is read from |
//! | `note` | no | free text |
//! | `status` | no | `final` or `preliminary`; empty: inferred (see [`Quality`]) |
//!
//! A cumulative value with a period `first-last` is scored against the sum of the
//! simulated yearly flows over those years; with a single year `Y` it is the running sum
//! from the first projection year to Y, as `quantiles.csv` defines it. Lines starting
//! with `#` are comments; blank lines are skipped; cells are trimmed.
//!
//! Errors name the file and the line (1-based, counting comment lines): a missing,
//! unknown or repeated header column, a row with the wrong number of fields, an empty
//! region or source, an unknown indicator, a year or value that is not a number, an
//! unknown measure, a cumulative measure on a stock or rate, a negative value, and a
//! duplicate observation (same region, indicator, measure and period).

use crate::indicator::{Indicator, IndicatorKind, Measure};
use std::collections::HashMap;
use std::path::Path;

/// The columns every actuals file must have.
pub const REQUIRED_COLUMNS: [&str; 5] = ["region", "indicator", "year", "value", "source"];
/// The optional columns.
pub const OPTIONAL_COLUMNS: [&str; 4] = ["measure", "quote", "note", "status"];

pub use crate::error::ActualsError;

/// The years an observation covers: one year, or a sum over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// One year (annual values; for cumulative values the running sum from the first
    /// projection year up to it).
    Year(i32),
    /// A sum over `first..=last` (cumulative values only).
    Range(i32, i32),
}

impl Period {
    /// `2020` or `2016-2020`.
    pub fn label(&self) -> String {
        match *self {
            Period::Year(y) => y.to_string(),
            Period::Range(a, b) => format!("{a}-{b}"),
        }
    }

    /// The last year.
    pub fn last(&self) -> i32 {
        match *self {
            Period::Year(y) | Period::Range(_, y) => y,
        }
    }
}

/// How final a published figure is: conditioning gives a preliminary figure a larger
/// measurement error than a final one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// A statistical communiqué (统计公报), yearbook or other final figure.
    Final,
    /// A figure given before the statistics are final: a government work report
    /// (政府工作报告) or a plan-execution report (计划执行情况), delivered early in the next year
    /// and sometimes rounded.
    Preliminary,
}

impl Quality {
    /// `final` or `preliminary`.
    pub fn key(self) -> &'static str {
        match self {
            Quality::Final => "final",
            Quality::Preliminary => "preliminary",
        }
    }

    /// The quality of a figure whose `status` cell is empty: preliminary when its source
    /// names a government work report (工作报告) or a plan-execution report (计划执行情况,
    /// or the plan notice that carries it, 计划的通知), or its note calls it preliminary
    /// (`preliminary`, `GWR`); final otherwise.
    pub fn infer(source: &str, note: &str) -> Quality {
        let note = note.to_lowercase();
        let preliminary = ["工作报告", "计划执行情况", "计划的通知"]
            .iter()
            .any(|k| source.contains(k))
            || note.contains("preliminary")
            || note.contains("gwr");
        if preliminary {
            Quality::Preliminary
        } else {
            Quality::Final
        }
    }
}

/// One observed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The line of the actuals file it is on (1-based).
    pub line: u64,
    pub region: String,
    pub indicator: Indicator,
    pub measure: Measure,
    pub period: Period,
    pub value: f64,
    pub source: String,
    pub quote: String,
    pub note: String,
    /// Final or preliminary: the `status` cell, or inferred from the source and note.
    pub quality: Quality,
}

impl Observation {
    /// E.g. `zhumadian rural_transfer_new cumulative 2016-2020`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {} {}",
            self.region,
            self.indicator,
            measure_key(self.measure),
            self.period.label()
        )
    }
}

/// `annual` or `cumulative`.
pub fn measure_key(m: Measure) -> &'static str {
    match m {
        Measure::Annual => "annual",
        Measure::Cumulative => "cumulative",
    }
}

/// Realised GDP growth of a region in a year (%, real): an input of the model (it replaces
/// the assumed growth path in that year), not an indicator it projects.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthObservation {
    /// The line of the file it is on (1-based).
    pub line: u64,
    pub region: String,
    pub year: i32,
    /// Growth in %.
    pub value: f64,
    pub source: String,
    pub quote: String,
}

/// The key of realised GDP growth rows in an actuals or observations file.
pub const GDP_GROWTH: &str = "gdp_growth";

/// The rows of an actuals or observations file: observed indicator values, and realised
/// GDP growth (`gdp_growth`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actuals {
    pub observations: Vec<Observation>,
    pub growth: Vec<GrowthObservation>,
}

/// One data line.
enum Row {
    Indicator(Observation),
    Growth(GrowthObservation),
}

/// Reads and checks an actuals file.
pub fn read(path: &Path) -> Result<Actuals, ActualsError> {
    let text = crate::scenario::load::read_limited(path).map_err(|reason| ActualsError::Read {
        path: path.to_path_buf(),
        reason,
    })?;
    parse(path, &text)
}

/// Parses the content of an actuals file; `path` is used in messages only.
pub fn parse(path: &Path, content: &[u8]) -> Result<Actuals, ActualsError> {
    let at = |line: u64, message: String| ActualsError::Line {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(content);
    let mut records = reader.records();
    let csv_err = |e: csv::Error| {
        let line = line_at(content, e.position());
        let message = match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8".to_string(),
            _ => e.to_string(),
        };
        at(line, message)
    };
    let header = loop {
        match records.next() {
            None => {
                return Err(at(
                    1,
                    format!(
                        "the file is empty; the first line must be the header: {}",
                        columns_help()
                    ),
                ));
            }
            Some(r) => {
                let r = r.map_err(csv_err)?;
                if !r.iter().all(str::is_empty) {
                    break r;
                }
            }
        }
    };
    let header_line = line_at(content, header.position());
    let col = columns(&header).map_err(|m| at(header_line, m))?;
    let mut out = Actuals::default();
    let mut seen: HashMap<(String, &str, &str, Period), u64> = HashMap::new();
    for r in records {
        let r = r.map_err(csv_err)?;
        let line = line_at(content, r.position());
        if r.iter().all(str::is_empty) {
            continue;
        }
        if r.len() != header.len() {
            return Err(at(
                line,
                format!(
                    "expected {} fields as in the header, found {}",
                    header.len(),
                    r.len()
                ),
            ));
        }
        let row = observation(&r, &col, line).map_err(|m| at(line, m))?;
        let (key, what) = match &row {
            Row::Indicator(o) => (
                (
                    o.region.clone(),
                    o.indicator.key(),
                    measure_key(o.measure),
                    o.period,
                ),
                o.describe(),
            ),
            Row::Growth(g) => (
                (g.region.clone(), GDP_GROWTH, "annual", Period::Year(g.year)),
                format!("{} {GDP_GROWTH} annual {}", g.region, g.year),
            ),
        };
        if let Some(first) = seen.get(&key) {
            return Err(at(
                line,
                format!("duplicate observation: {what} is already on line {first}"),
            ));
        }
        seen.insert(key, line);
        match row {
            Row::Indicator(o) => out.observations.push(o),
            Row::Growth(g) => out.growth.push(g),
        }
    }
    Ok(out)
}

/// What the header must hold, for messages.
fn columns_help() -> String {
    format!(
        "the header needs {} (optional: {})",
        REQUIRED_COLUMNS.join(", "),
        OPTIONAL_COLUMNS.join(", ")
    )
}

/// The line of a record: its position is where the reader started looking for it, before
/// the blank and comment lines it skipped; its line is the first line after those.
fn line_at(content: &[u8], pos: Option<&csv::Position>) -> u64 {
    pos.map_or(0, |p| {
        let mut b = (p.byte() as usize).min(content.len());
        while b < content.len() {
            let end = content[b..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(content.len(), |i| b + i);
            let line = &content[b..end];
            if line.is_empty() || line == b"\r" || line[0] == b'#' {
                b = end + 1;
            } else {
                break;
            }
        }
        let b = b.min(content.len());
        1 + content[..b].iter().filter(|&&c| c == b'\n').count() as u64
    })
}

/// The column index of every known column of the header.
fn columns(header: &csv::StringRecord) -> Result<HashMap<&'static str, usize>, String> {
    let mut col: HashMap<&'static str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}');
        let known = REQUIRED_COLUMNS
            .iter()
            .chain(&OPTIONAL_COLUMNS)
            .find(|c| **c == name);
        let Some(&known) = known else {
            return Err(format!("unknown column `{name}`; {}", columns_help()));
        };
        if col.insert(known, i).is_some() {
            return Err(format!("column `{name}` appears twice"));
        }
    }
    for c in REQUIRED_COLUMNS {
        if !col.contains_key(c) {
            return Err(format!("missing column `{c}`; {}", columns_help()));
        }
    }
    Ok(col)
}

/// The cells of one data line, by column name.
struct Cells<'a> {
    r: &'a csv::StringRecord,
    col: &'a HashMap<&'static str, usize>,
}

impl<'a> Cells<'a> {
    /// The cell of a column, empty where the file has no such column.
    fn get(&self, c: &str) -> &'a str {
        self.col.get(c).map_or("", |&i| &self.r[i])
    }
}

/// One data line as an observation, or why it is not one.
fn observation(
    r: &csv::StringRecord,
    col: &HashMap<&'static str, usize>,
    line: u64,
) -> Result<Row, String> {
    let cells = Cells { r, col };
    let get = |c: &str| cells.get(c);
    let region = get("region");
    if region.is_empty() {
        return Err("region is empty".into());
    }
    let ind_key = get("indicator");
    if ind_key == GDP_GROWTH {
        return growth(&cells, region, line).map(Row::Growth);
    }
    let indicator = Indicator::from_key(ind_key).ok_or_else(|| {
        format!(
            "unknown indicator `{ind_key}`; valid: {}, {GDP_GROWTH}",
            Indicator::valid_keys()
        )
    })?;
    let measure = measure_of(get("measure"), indicator)?;
    let year = get("year");
    let period = parse_period(year).ok_or_else(|| {
        format!("year `{year}` is not a year (or, for a cumulative value, a period like 2016-2020)")
    })?;
    if measure == Measure::Annual
        && let Period::Range(..) = period
    {
        return Err(format!(
            "year `{year}` is a period; a period needs measure `cumulative`"
        ));
    }
    let value = value_of(get("value"), indicator, measure, period)?;
    let source = get("source");
    if source.is_empty() {
        return Err("source is empty: say where the observed value comes from".into());
    }
    let note = get("note");
    let quality = match get("status") {
        "" => Quality::infer(source, note),
        "final" => Quality::Final,
        "preliminary" => Quality::Preliminary,
        other => {
            return Err(format!(
                "status `{other}` is neither `final` nor `preliminary` (leave it empty to infer it from the source)"
            ));
        }
    };
    Ok(Row::Indicator(Observation {
        line,
        region: region.to_string(),
        indicator,
        measure,
        period,
        value,
        source: source.to_string(),
        quote: get("quote").to_string(),
        note: note.to_string(),
        quality,
    }))
}

/// A `gdp_growth` line: one year's growth in %, within the scenario bounds.
fn growth(cells: &Cells<'_>, region: &str, line: u64) -> Result<GrowthObservation, String> {
    let get = |c: &str| cells.get(c);
    if !matches!(get("measure"), "" | "annual") {
        return Err(format!(
            "{GDP_GROWTH} is a yearly rate: its measure is `annual`"
        ));
    }
    let year = get("year");
    let Some(Period::Year(year)) = parse_period(year) else {
        return Err(format!("year `{year}` is not a year"));
    };
    let cell = get("value");
    let value: f64 = cell
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("value `{cell}` is not a number"))?;
    let most = crate::scenario::MAX_GROWTH;
    if value.abs() > most {
        return Err(format!(
            "{GDP_GROWTH} {} is outside [-{most}, {most}] %",
            crate::scenario::dist::num(value)
        ));
    }
    let source = get("source");
    if source.is_empty() {
        return Err("source is empty: say where the observed value comes from".into());
    }
    Ok(GrowthObservation {
        line,
        region: region.to_string(),
        year,
        value,
        source: source.to_string(),
        quote: get("quote").to_string(),
    })
}

/// The `measure` cell: `annual` (the default) or `cumulative` (flows only).
fn measure_of(cell: &str, indicator: Indicator) -> Result<Measure, String> {
    let measure = match cell {
        "" | "annual" => Measure::Annual,
        "cumulative" => Measure::Cumulative,
        other => {
            return Err(format!(
                "measure `{other}` is neither `annual` nor `cumulative`"
            ));
        }
    };
    if measure == Measure::Cumulative && indicator.kind() != IndicatorKind::Flow {
        return Err(format!(
            "measure `cumulative` applies to flows only; {indicator} is a {}",
            match indicator.kind() {
                IndicatorKind::Stock => "stock",
                _ => "rate",
            }
        ));
    }
    Ok(measure)
}

/// The `value` cell: a finite number ≥ 0 within the scenario bounds (docs/MODEL.md): rates
/// in %, flows and stocks up to 1e5 万人 a year, so that every score stays finite.
fn value_of(
    cell: &str,
    indicator: Indicator,
    measure: Measure,
    period: Period,
) -> Result<f64, String> {
    let value: f64 = cell
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("value `{cell}` is not a number"))?;
    if value < 0.0 {
        return Err(format!("value {value} is negative"));
    }
    let most = match indicator.kind() {
        IndicatorKind::Rate => 100.0,
        _ => {
            let years = match (measure, period) {
                (Measure::Annual, _) => 1,
                (Measure::Cumulative, Period::Year(_)) => crate::scenario::MAX_HORIZON,
                (Measure::Cumulative, Period::Range(a, b)) => b - a + 1,
            };
            crate::scenario::MAX_PERSONS * f64::from(years)
        }
    };
    if value > most {
        return Err(format!(
            "value {} is above {most}, the most {indicator} can be here",
            crate::scenario::dist::num(value)
        ));
    }
    Ok(value)
}

/// `2020` or `2016-2020` (first ≤ last), years between 1900 and 2200.
fn parse_period(s: &str) -> Option<Period> {
    let year = |t: &str| {
        t.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
    };
    match s.split_once('-') {
        None => year(s).map(Period::Year),
        Some((a, b)) => {
            let (a, b) = (year(a)?, year(b)?);
            (a <= b).then_some(Period::Range(a, b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Observation>, ActualsError> {
        parse(Path::new("a.csv"), text.as_bytes()).map(|a| a.observations)
    }

    fn err(text: &str) -> String {
        p(text).unwrap_err().to_string()
    }

    const HEAD: &str = "region,indicator,year,value,source\n";

    #[test]
    fn parses_annual_and_cumulative_rows_with_comments_and_optional_columns() {
        let obs = p("# observed values\n\
             region,indicator,year,value,source,measure,quote\n\
             shaoyang,urban_new_jobs,2020,4.72,004,,\"4.72[>23.5]\"\n\
             \n\
             # totals\n\
             shaoyang, urban_new_jobs ,2016-2020,22.43,004,cumulative,\n\
             kaifeng,urban_new_jobs,2023,7.5,yearbook,cumulative,\n")
        .unwrap();
        assert_eq!(obs.len(), 3);
        assert_eq!(obs[0].line, 3);
        assert_eq!(obs[0].measure, Measure::Annual);
        assert_eq!(obs[0].period, Period::Year(2020));
        assert_eq!(obs[0].quote, "4.72[>23.5]");
        assert_eq!(obs[1].line, 6);
        assert_eq!(obs[1].indicator, Indicator::UrbanNewJobs);
        assert_eq!(obs[1].period, Period::Range(2016, 2020));
        assert_eq!(obs[2].period, Period::Year(2023));
        assert_eq!(obs[2].measure, Measure::Cumulative);
    }

    #[test]
    fn growth_rows_are_read_apart_from_indicator_values() {
        let a = parse(
            Path::new("a.csv"),
            b"region,indicator,measure,year,value,source,quote\n\
              henan,gdp_growth,annual,2021,6.3,communique,\"6.3%\"\n\
              henan,gdp_growth,,2022,-0.5,report,\n\
              henan,urban_new_jobs,annual,2021,125.39,communique,\n",
        )
        .unwrap();
        assert_eq!(a.observations.len(), 1);
        assert_eq!(a.growth.len(), 2);
        assert_eq!(
            a.growth[0],
            GrowthObservation {
                line: 2,
                region: "henan".into(),
                year: 2021,
                value: 6.3,
                source: "communique".into(),
                quote: "6.3%".into(),
            }
        );
        assert_eq!(a.growth[1].value, -0.5);
        let dup = parse(
            Path::new("a.csv"),
            b"region,indicator,year,value,source\n\
              henan,gdp_growth,2021,6.3,a\n\
              henan,gdp_growth,2021,6.4,b\n",
        )
        .unwrap_err();
        assert_eq!(
            dup.to_string(),
            "a.csv:3: duplicate observation: henan gdp_growth annual 2021 is already on line 2"
        );
    }

    #[test]
    fn header_errors_name_the_header_line() {
        assert_eq!(
            err("region,indicator,year,source\nx,urban_new_jobs,2020,a\n"),
            "a.csv:1: missing column `value`; the header needs region, indicator, year, value, source (optional: measure, quote, note, status)"
        );
        assert_eq!(
            err("# c\nregion,indicator,year,value,source,unit\n"),
            "a.csv:2: unknown column `unit`; the header needs region, indicator, year, value, source (optional: measure, quote, note, status)"
        );
        assert_eq!(
            err("region,indicator,year,value,source,year\n"),
            "a.csv:1: column `year` appears twice"
        );
        assert_eq!(
            err("# only a comment\n"),
            "a.csv:1: the file is empty; the first line must be the header: the header needs region, indicator, year, value, source (optional: measure, quote, note, status)"
        );
    }

    #[test]
    fn row_errors_name_their_line() {
        let cases = [
            (
                "kaifeng,urban_new_jobs,2021,7.1\n",
                "a.csv:2: expected 5 fields as in the header, found 4",
            ),
            (
                "kaifeng,urban_new_jobs,2021,7.1,x,y\n",
                "a.csv:2: expected 5 fields as in the header, found 6",
            ),
            (
                "kaifeng,gdp,2021,7.1,x\n",
                "a.csv:2: unknown indicator `gdp`; valid: urban_new_jobs, rural_transfer_new, return_entrepreneurs, rural_transfer_stock, surveyed_unemployment_rate, registered_unemployment_rate, gdp_growth",
            ),
            (
                "kaifeng,gdp_growth,2016-2020,7.1,x\n",
                "a.csv:2: year `2016-2020` is not a year",
            ),
            (
                "kaifeng,gdp_growth,2021,-31,x\n",
                "a.csv:2: gdp_growth -31 is outside [-30, 30] %",
            ),
            (
                "kaifeng,gdp_growth,2021,abc,x\n",
                "a.csv:2: value `abc` is not a number",
            ),
            (
                "kaifeng,gdp_growth,2021,2.0,\n",
                "a.csv:2: source is empty: say where the observed value comes from",
            ),
            (
                "kaifeng,urban_new_jobs,2021,7,1,x\n",
                "a.csv:2: expected 5 fields as in the header, found 6",
            ),
            (
                "kaifeng,urban_new_jobs,2021,\"7,1\",x\n",
                "a.csv:2: value `7,1` is not a number",
            ),
            (
                "kaifeng,urban_new_jobs,2021,NaN,x\n",
                "a.csv:2: value `NaN` is not a number",
            ),
            (
                "kaifeng,urban_new_jobs,2021,-1,x\n",
                "a.csv:2: value -1 is negative",
            ),
            (
                "kaifeng,urban_new_jobs,21a,1,x\n",
                "a.csv:2: year `21a` is not a year (or, for a cumulative value, a period like 2016-2020)",
            ),
            (
                "kaifeng,urban_new_jobs,2016-2020,39.67,x\n",
                "a.csv:2: year `2016-2020` is a period; a period needs measure `cumulative`",
            ),
            (",urban_new_jobs,2021,1,x\n", "a.csv:2: region is empty"),
            (
                "kaifeng,urban_new_jobs,2021,1,\n",
                "a.csv:2: source is empty: say where the observed value comes from",
            ),
        ];
        for (row, msg) in cases {
            assert_eq!(err(&format!("{HEAD}{row}")), msg, "{row}");
        }
    }

    #[test]
    fn measure_errors() {
        let head = "region,indicator,year,value,source,measure\n";
        assert_eq!(
            err(&format!("{head}kaifeng,urban_new_jobs,2021,1,x,total\n")),
            "a.csv:2: measure `total` is neither `annual` nor `cumulative`"
        );
        assert_eq!(
            err(&format!(
                "{head}zhumadian,rural_transfer_stock,2020,267.82,x,cumulative\n"
            )),
            "a.csv:2: measure `cumulative` applies to flows only; rural_transfer_stock is a stock"
        );
    }

    #[test]
    fn duplicates_point_at_both_lines() {
        let text = format!(
            "{HEAD}kaifeng,urban_new_jobs,2021,7.1,x\n# a comment\nkaifeng,urban_new_jobs,2021,7.3,y\n"
        );
        assert_eq!(
            err(&text),
            "a.csv:4: duplicate observation: kaifeng urban_new_jobs annual 2021 is already on line 2"
        );
        // Blank lines and a quoted cell over two lines keep the count right.
        let text = format!(
            "{HEAD}\n\nkaifeng,urban_new_jobs,2021,7.1,\"a\nb\"\n\nkaifeng,urban_new_jobs,2021,7.3,y\n"
        );
        assert_eq!(
            err(&text),
            "a.csv:7: duplicate observation: kaifeng urban_new_jobs annual 2021 is already on line 4"
        );
        // The same years as annual and as a running sum are different observations.
        let ok = "region,indicator,year,value,source,measure\n\
                  kaifeng,urban_new_jobs,2021,7.1,x,annual\n\
                  kaifeng,urban_new_jobs,2021,7.1,x,cumulative\n";
        assert_eq!(p(ok).unwrap().len(), 2);
    }

    #[test]
    fn a_missing_file_is_a_read_error_with_exit_code_2() {
        let e = read(Path::new("/nonexistent/actuals.csv")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot read actuals file /nonexistent/actuals.csv: "),
            "{e}"
        );
        assert_eq!(crate::Error::from(e).exit_code(), 2);
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let obs = p("\u{feff}region,indicator,year,value,source\nx,urban_new_jobs,2021,1,s\n");
        assert_eq!(obs.unwrap().len(), 1);
    }
}
