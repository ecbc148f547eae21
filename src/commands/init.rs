//! `empsim init`: writes a commented, valid starting scenario for new regions from a few
//! flags. Every number the user did not give is a default marked as an assumption with its
//! rationale; every number the user gave is marked as entered, to be replaced by the plan's
//! quote. The text is validated in memory before it is written, and an existing file is
//! never overwritten.

use super::Ui;
use crate::error::{Error, Result};
use crate::indicator::{Indicator, IndicatorKind};
use crate::scenario::Scenario;
use crate::scenario::load::InMemory;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The arguments of `empsim init`.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// A region to create, as ID:中文名:English name (repeat for several), e.g.
    /// luoyang:洛阳市:Luoyang. The id is what the scenario's keys and the outputs use.
    #[arg(long = "region", required = true, value_name = "ID:NAME_ZH:NAME_EN")]
    pub regions: Vec<String>,
    /// An aggregate the regions belong to, as ID:中文名:English name: its flows are their
    /// sum and its rate their weighted mean (e.g. a province made of its cities).
    #[arg(long, value_name = "ID:NAME_ZH:NAME_EN")]
    pub parent: Option<String>,
    /// A figure the plan gives before the projection, as REGION.INDICATOR=VALUE: for a flow
    /// the five-year total ending in the base year (a plan's bracketed `[x]`), for the stock
    /// or the surveyed rate its base-year level. Add @YEAR for one year's flow or
    /// @FIRST-LAST for another window.
    #[arg(long = "baseline", value_name = "REGION.INDICATOR=VALUE[@PERIOD]")]
    pub baselines: Vec<String>,
    /// A floor target (以上), as REGION.INDICATOR=VALUE: a flow's total over the projection
    /// years at least VALUE; the stock's end level; the rate every year. Add @FIRST-LAST or
    /// @YEAR for another period.
    #[arg(long = "floor", value_name = "REGION.INDICATOR=VALUE[@PERIOD]")]
    pub floors: Vec<String>,
    /// A cap target (以内), as REGION.INDICATOR=VALUE: the surveyed rate every year at most
    /// VALUE (the stock: its end level). Add @FIRST-LAST or @YEAR for another period.
    #[arg(long = "cap", value_name = "REGION.INDICATOR=VALUE[@PERIOD]")]
    pub caps: Vec<String>,
    /// A document the quotes will come from, as ID=TITLE (e.g.
    /// luoyang_plan=洛阳市“十四五”就业促进规划): declared in `[sources]`, so that `source`
    /// keys may cite it.
    #[arg(long = "source", value_name = "ID=TITLE")]
    pub sources: Vec<String>,
    /// The last year before the projection (the plans' 2020 for the 14th FYP).
    #[arg(long, default_value_t = 2020, value_name = "YEAR")]
    pub base_year: i32,
    /// The last projected year.
    #[arg(long, default_value_t = 2025, value_name = "YEAR")]
    pub end_year: i32,
    /// The file to write (default: ID.toml in the current folder, after the first region).
    /// An existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The examples of `empsim init --help`, one command line each.
pub const EXAMPLES: &[&str] = &[
    "empsim init --region luoyang:洛阳市:Luoyang --baseline luoyang.urban_new_jobs=62.3 --floor luoyang.urban_new_jobs=50 --out luoyang.toml",
    "empsim init --region luoyang:洛阳市:Luoyang --region pingdingshan:平顶山市:Pingdingshan --parent henan:河南省:Henan --baseline luoyang.surveyed_unemployment_rate=4.5 --cap henan.surveyed_unemployment_rate=5.5",
];

/// What `init` wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub path: PathBuf,
    pub regions: usize,
    pub baselines: usize,
    pub targets: usize,
    /// How many values of the file are assumptions (defaults and entered figures).
    pub assumptions: usize,
}

/// A region from `--region` or `--parent`.
#[derive(Debug, Clone, PartialEq)]
struct NewRegion {
    id: String,
    name_zh: String,
    name_en: String,
}

/// A figure from `--baseline`.
#[derive(Debug, Clone, PartialEq)]
struct NewBaseline {
    region: String,
    indicator: Indicator,
    value: f64,
    /// The years it covers: one year for a level or one year's flow.
    first: i32,
    last: i32,
}

/// A target from `--floor` or `--cap`.
#[derive(Debug, Clone, PartialEq)]
struct NewTarget {
    region: String,
    indicator: Indicator,
    floor: bool,
    value: f64,
    first: i32,
    last: i32,
}

/// Everything the flags say, checked.
#[derive(Debug, Clone)]
struct Plan {
    regions: Vec<NewRegion>,
    parent: Option<NewRegion>,
    baselines: Vec<NewBaseline>,
    targets: Vec<NewTarget>,
    sources: Vec<(String, String)>,
    base_year: i32,
    end_year: i32,
}

/// Writes the starting scenario and prints what to do next.
pub fn execute(args: &InitArgs, ui: Ui) -> Result<()> {
    let o = init(args, &std::env::args().collect::<Vec<_>>())?;
    ui.print(&format!(
        "wrote {}: {} region{}, {} baseline{}, {} target{}; {} values are assumptions to review \
         (each says why it was chosen).\nNext: empsim check {}\n",
        o.path.display(),
        o.regions,
        plural(o.regions),
        o.baselines,
        plural(o.baselines),
        o.targets,
        plural(o.targets),
        o.assumptions,
        o.path.display()
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The library entry point: builds the text, validates it, writes it to a new file.
/// `command_line` is recorded in the file's header.
///
/// # Errors
/// [`Error::Usage`] for a bad flag, an existing `--out` file or a text that would not
/// validate (with every problem); an I/O error when the file cannot be created.
pub fn init(args: &InitArgs, command_line: &[String]) -> Result<Outcome> {
    let plan = plan(args)?;
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.toml", plan.regions[0].id)));
    let text = render(&plan, command_line);
    validate(&path, &text)?;
    write_new(&path, &text)?;
    Ok(Outcome {
        path,
        regions: plan.regions.len() + usize::from(plan.parent.is_some()),
        baselines: plan.baselines.len(),
        targets: plan.targets.len(),
        assumptions: text.matches("assumption = ").count(),
    })
}

/// Checks the flags and puts them in the scenario's terms.
fn plan(args: &InitArgs) -> Result<Plan> {
    let usage = |m: String| Error::Usage(m);
    if args.end_year <= args.base_year {
        return Err(usage(format!(
            "--end-year {} must be after --base-year {}",
            args.end_year, args.base_year
        )));
    }
    if !(1950..=2100).contains(&args.base_year) || args.end_year > 2100 {
        return Err(usage(format!(
            "--base-year and --end-year must lie in 1950-2100, got {}-{}",
            args.base_year, args.end_year
        )));
    }
    let regions: Vec<NewRegion> = args
        .regions
        .iter()
        .map(|r| new_region("--region", r))
        .collect::<Result<_>>()?;
    let parent = args
        .parent
        .as_deref()
        .map(|p| new_region("--parent", p))
        .transpose()?;
    let mut ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    ids.extend(parent.iter().map(|p| p.id.as_str()));
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(usage(format!("region `{id}` is given twice")));
        }
    }
    let years = (args.base_year, args.end_year);
    let baselines: Vec<NewBaseline> = args
        .baselines
        .iter()
        .map(|b| new_baseline(b, &ids, years))
        .collect::<Result<_>>()?;
    for (i, b) in baselines.iter().enumerate() {
        if baselines[..i]
            .iter()
            .any(|o| o.region == b.region && o.indicator == b.indicator)
        {
            return Err(usage(format!(
                "--baseline {}.{}: given twice",
                b.region,
                b.indicator.key()
            )));
        }
    }
    let targets: Vec<NewTarget> = args
        .floors
        .iter()
        .map(|t| new_target("--floor", t, true, &ids, years))
        .chain(
            args.caps
                .iter()
                .map(|t| new_target("--cap", t, false, &ids, years)),
        )
        .collect::<Result<_>>()?;
    for (flag, t) in args
        .floors
        .iter()
        .map(|t| ("--floor", t))
        .chain(args.caps.iter().map(|t| ("--cap", t)))
        .zip(&targets)
    {
        check_projected(flag, t, &regions, parent.as_ref(), &baselines)?;
    }
    let sources: Vec<(String, String)> = args
        .sources
        .iter()
        .map(|s| new_source(s))
        .collect::<Result<_>>()?;
    for (i, (id, _)) in sources.iter().enumerate() {
        if sources[..i].iter().any(|(other, _)| other == id) {
            return Err(usage(format!("--source `{id}` is given twice")));
        }
    }
    Ok(Plan {
        regions,
        parent,
        baselines,
        targets,
        sources,
        base_year: args.base_year,
        end_year: args.end_year,
    })
}

/// Whether `id` can be a region or source id: a bare TOML key in lower case.
fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `ID:中文名:English name`.
fn new_region(flag: &str, text: &str) -> Result<NewRegion> {
    let parts: Vec<&str> = text.splitn(3, ':').map(str::trim).collect();
    let [id, zh, en] = parts[..] else {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: expected ID:NAME_ZH:NAME_EN, e.g. luoyang:洛阳市:Luoyang"
        )));
    };
    if !valid_id(id) {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: the id `{id}` must be lower-case letters, digits and _, starting with a letter (e.g. luoyang)"
        )));
    }
    if zh.is_empty() || en.is_empty() {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: give both names, e.g. luoyang:洛阳市:Luoyang"
        )));
    }
    Ok(NewRegion {
        id: id.to_string(),
        name_zh: zh.to_string(),
        name_en: en.to_string(),
    })
}

/// `REGION.INDICATOR` of a flag, both known.
fn region_indicator(
    flag: &str,
    text: &str,
    key: &str,
    ids: &[&str],
) -> Result<(String, Indicator)> {
    let Some((region, ind)) = key.trim().split_once('.') else {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: expected REGION.INDICATOR before the value, e.g. luoyang.urban_new_jobs"
        )));
    };
    if !ids.contains(&region) {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: unknown region `{region}`; regions: {}",
            ids.join(", ")
        )));
    }
    let indicator = Indicator::from_key(ind).ok_or_else(|| {
        Error::Usage(format!(
            "{flag} `{text}`: unknown indicator `{ind}`; valid indicators: {}",
            Indicator::valid_keys()
        ))
    })?;
    if indicator == Indicator::RegisteredUnemploymentRate {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: init writes the surveyed rate (surveyed_unemployment_rate); the registered rate needs its gap to the surveyed one (`registered_gap`, see scenarios/henan-midterm.toml)"
        )));
    }
    Ok((region.to_string(), indicator))
}

/// A value and its optional `@PERIOD`: `(value, Some((first, last)))`.
fn value_period(flag: &str, text: &str, rest: &str) -> Result<(f64, Option<(i32, i32)>)> {
    let (value, period) = match rest.split_once('@') {
        Some((v, p)) => (v, Some(p)),
        None => (rest, None),
    };
    let value: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag} `{text}`: `{}` is not a number",
                value.trim()
            ))
        })?;
    let period = period
        .map(|p| {
            let p = p.trim();
            let years = match p.split_once('-') {
                Some((a, b)) => a.parse().ok().zip(b.parse().ok()),
                None => p.parse().ok().map(|y| (y, y)),
            };
            years.filter(|(a, b)| a <= b).ok_or_else(|| {
                Error::Usage(format!(
                    "{flag} `{text}`: the period `{p}` must be a year (2020) or FIRST-LAST (2016-2020)"
                ))
            })
        })
        .transpose()?;
    Ok((value, period))
}

fn new_baseline(text: &str, ids: &[&str], (base, _): (i32, i32)) -> Result<NewBaseline> {
    let Some((key, rest)) = text.split_once('=') else {
        return Err(Error::Usage(format!(
            "--baseline `{text}`: expected REGION.INDICATOR=VALUE, e.g. luoyang.urban_new_jobs=62.3"
        )));
    };
    let (region, indicator) = region_indicator("--baseline", text, key, ids)?;
    let (value, period) = value_period("--baseline", text, rest)?;
    let (first, last) = match (indicator.kind(), period) {
        (IndicatorKind::Flow, None) => (base - 4, base),
        (IndicatorKind::Flow, Some(p)) => p,
        (_, None) => (base, base),
        (_, Some((a, b))) if a == b => (a, a),
        (_, Some(_)) => {
            return Err(Error::Usage(format!(
                "--baseline `{text}`: {} is a level: give one year (@{base}), not a period",
                indicator.key()
            )));
        }
    };
    if last > base {
        return Err(Error::Usage(format!(
            "--baseline `{text}`: a baseline ends by the base year {base}"
        )));
    }
    Ok(NewBaseline {
        region,
        indicator,
        value,
        first,
        last,
    })
}

fn new_target(
    flag: &str,
    text: &str,
    floor: bool,
    ids: &[&str],
    (base, end): (i32, i32),
) -> Result<NewTarget> {
    let Some((key, rest)) = text.split_once('=') else {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: expected REGION.INDICATOR=VALUE, e.g. luoyang.urban_new_jobs=50"
        )));
    };
    let (region, indicator) = region_indicator(flag, text, key, ids)?;
    let (value, period) = value_period(flag, text, rest)?;
    let (first, last) = period.unwrap_or((base + 1, end));
    if first <= base || last > end {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: the period {first}-{last} is outside the projection years {}-{end}",
            base + 1
        )));
    }
    if indicator.kind() == IndicatorKind::Flow && !floor {
        return Err(Error::Usage(format!(
            "{flag} `{text}`: a flow's target is a floor on its total (以上): use --floor"
        )));
    }
    Ok(NewTarget {
        region,
        indicator,
        floor,
        value,
        first,
        last,
    })
}

/// A flow's target needs the flow's figure: the region's own, or for the parent every
/// region's (its flow is their sum).
fn check_projected(
    (flag, text): (&str, &String),
    t: &NewTarget,
    regions: &[NewRegion],
    parent: Option<&NewRegion>,
    baselines: &[NewBaseline],
) -> Result<()> {
    if t.indicator.kind() != IndicatorKind::Flow {
        return Ok(());
    }
    let has = |id: &str| {
        baselines
            .iter()
            .any(|b| b.region == id && b.indicator == t.indicator)
    };
    let key = t.indicator.key();
    let lacking: Vec<&str> = if parent.is_some_and(|p| p.id == t.region) {
        regions
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| !has(id))
            .collect()
    } else if has(&t.region) {
        Vec::new()
    } else {
        vec![t.region.as_str()]
    };
    if lacking.is_empty() {
        return Ok(());
    }
    let adds: Vec<String> = lacking
        .iter()
        .map(|id| format!("--baseline {id}.{key}=VALUE"))
        .collect();
    Err(Error::Usage(format!(
        "{flag} `{text}`: the target needs {key} projected, from its figure before the plan period: add {} (the five-year total ending in the base year)",
        adds.join(" ")
    )))
}

fn new_source(text: &str) -> Result<(String, String)> {
    let valid = |id: &str| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    match text.split_once('=') {
        Some((id, title)) if valid(id.trim()) && !title.trim().is_empty() => {
            Ok((id.trim().to_string(), title.trim().to_string()))
        }
        _ => Err(Error::Usage(format!(
            "--source `{text}`: expected ID=TITLE, the id of lower-case letters, digits and _, e.g. luoyang_plan=洛阳市“十四五”就业促进规划"
        ))),
    }
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A period as the scenario writes it.
fn period(first: i32, last: i32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// What a figure entered on the command line still needs.
const ENTERED: &str = "Entered with `empsim init`; its plan quote is still to be added: replace this assumption with `source` (an id of [sources]) and `quote` (the plan's Chinese text).";

/// The model's defaults, as in henan-baseline.toml (Henan's cities), each with its rationale.
const DEFAULTS: &str = r#"
# ---------------------------------------------------------------------------------------
# The growth driver: g(r,t) = path(t) + n(r,t), AR(1) noise with correlated yearly
# surprises; flows and the rate respond to the gap g − reference. These defaults are
# henan-baseline.toml's (Henan's cities): review them for your regions.
# A parameter is { value = x, assumption = "why" } or a distribution drawn once per path,
# e.g. { dist = "uniform", low = a, high = b, assumption = "why" }; with a plan figure,
# { value = x, source = "id", quote = "the plan's text" }.
# ---------------------------------------------------------------------------------------
[growth]
reference = { value = 6.0, assumption = "Default of empsim init: the growth rate at which every flow follows its trend, equal to the growth path so the baseline carries no growth gap." }
ar = { dist = "uniform", low = 0.3, high = 0.7, assumption = "Default of empsim init (as henan-baseline.toml): persistence of a year's growth surprise into the next; moderate persistence as in annual provincial GDP data." }
noise_sd = { dist = "uniform", low = 0.8, high = 1.5, assumption = "Default of empsim init (as henan-baseline.toml): a year's growth surprise in a city, in points; about one point is the usual gap between a city's growth and its target in an ordinary year." }
"#;

const UNEMPLOYMENT: &str = r#"
# ---------------------------------------------------------------------------------------
# The surveyed urban unemployment rate (annual average, %):
#   u(t) = clamp(u(t−1) + adjustment·(natural_rate − u(t−1)) − okun·(g − reference) + noise)
# `initial` and `natural_rate` here are defaults for every region with a
# [regions.<id>.unemployment] table, which may override them.
# ---------------------------------------------------------------------------------------
[unemployment]
okun = { dist = "uniform", low = 0.05, high = 0.25, assumption = "Default of empsim init (as henan-baseline.toml): points of unemployment per point of growth shortfall; small in China because rural migrants absorb shocks by going home." }
adjustment = { dist = "uniform", low = 0.2, high = 0.5, assumption = "Default of empsim init (as henan-baseline.toml): share of the gap to the natural rate closed each year (a gap halves in one to three years)." }
noise_sd = { dist = "uniform", low = 0.1, high = 0.25, assumption = "Default of empsim init (as henan-baseline.toml): yearly noise of the annual-average rate beyond what growth explains, in points." }
initial = { dist = "uniform", low = 4.8, high = 5.4, assumption = "Default of empsim init (as henan-baseline.toml): the base-year surveyed rate where none is entered; Henan's cities were assumed at 4.8-5.4 %, below the plans' usual 5.5 % cap." }
natural_rate = { dist = "uniform", low = 4.6, high = 5.3, assumption = "Default of empsim init (as henan-baseline.toml): the rate unemployment returns to without growth surprises, just below the plans' usual 5.5 % cap." }
# floor and ceiling: hard bounds of the rate, in % (settings, not estimates).
floor = 2.0
ceiling = 12.0

# ---------------------------------------------------------------------------------------
# Flows: log J(t) = log A + trend·(t − m) + elasticity·(g − reference) + noise, with A and
# m from the region's baseline. Defaults for every region; override one region's under
# [regions.<id>.params.<indicator>].
# ---------------------------------------------------------------------------------------
[indicators.urban_new_jobs]
trend = { dist = "normal", mean = -0.02, sd = 0.02, assumption = "Default of empsim init (as henan-baseline.toml): a shrinking demographic dividend; −2 %/yr ± 2." }
elasticity = { dist = "triangular", low = 0.02, mode = 0.06, high = 0.12, assumption = "Default of empsim init (as henan-baseline.toml): log change of new urban jobs per point of growth gap; the national rule of thumb bounds it near 0.12-0.15, cities respond less." }
noise_sd = { dist = "uniform", low = 0.03, high = 0.08, assumption = "Default of empsim init (as henan-baseline.toml): a city's yearly variation beyond growth, 3-8 %." }

[indicators.rural_transfer_new]
trend = { dist = "normal", mean = -0.04, sd = 0.03, assumption = "Default of empsim init (as henan-baseline.toml): the pool of rural labour still to transfer shrinks and ages; −4 %/yr ± 3." }
elasticity = { dist = "triangular", low = 0.03, mode = 0.10, high = 0.20, assumption = "Default of empsim init (as henan-baseline.toml): transfers absorb much of a growth shock (migrants stay in the countryside)." }
noise_sd = { dist = "uniform", low = 0.04, high = 0.10, assumption = "Default of empsim init (as henan-baseline.toml): yearly variation beyond growth, 4-10 %." }

[indicators.return_entrepreneurs]
trend = { dist = "normal", mean = 0.0, sd = 0.04, assumption = "Default of empsim init (as henan-baseline.toml): policy-driven, no trend given; flat with a wide spread." }
elasticity = { dist = "triangular", low = -0.05, mode = 0.0, high = 0.05, assumption = "Default of empsim init (as henan-baseline.toml): sign ambiguous (weak growth sends migrants home but makes start-ups harder); centred on zero." }
noise_sd = { dist = "uniform", low = 0.05, high = 0.12, assumption = "Default of empsim init (as henan-baseline.toml): yearly variation, 5-12 %." }

[indicators.rural_transfer_stock]
exit_rate = { dist = "uniform", low = 0.01, high = 0.04, assumption = "Default of empsim init (as henan-baseline.toml): share of the transferred workforce leaving it each year (retirement, return to farming)." }
"#;

/// The scenario text.
fn render(plan: &Plan, command_line: &[String]) -> String {
    let mut t = String::new();
    let first = &plan.regions[0];
    let names: Vec<&str> = plan.regions.iter().map(|r| r.name_en.as_str()).collect();
    let _ = writeln!(
        t,
        "# Written by `empsim init` ({}).\n\
         # Every value below is either a figure you entered, marked as entered until you add\n\
         # the plan's quote, or a default marked `assumption` with its reason. Next:\n\
         #   1. replace each entered figure's `assumption` with `source` + `quote`;\n\
         #   2. review the defaults (they are henan-baseline.toml's, for Henan's cities);\n\
         #   3. `empsim check` this file, then `empsim run` it.\n\
         # The format: README.md (\"The scenario format\"); every key: scenarios/henan-baseline.toml.\n",
        command_line_text(command_line)
    );
    let _ = writeln!(t, "name = {}", quoted(&first.id));
    let _ = writeln!(
        t,
        "description = {}",
        quoted(&format!(
            "{}: {}-{} from the figures entered with empsim init and empsim's default assumptions.",
            names.join(", "),
            plan.base_year + 1,
            plan.end_year
        ))
    );
    let _ = writeln!(
        t,
        "\n# The projection runs base_year+1..end_year.\n[horizon]\nbase_year = {}\nend_year = {}\n",
        plan.base_year, plan.end_year
    );
    let _ = writeln!(
        t,
        "# Paths and seed (overridable with --paths and --seed); the same seed gives the same outputs.\n[monte_carlo]\npaths = 10000\nseed = 1"
    );
    t.push_str(DEFAULTS);
    let years: Vec<String> = (plan.base_year + 1..=plan.end_year)
        .map(|y| format!("{y} = 6.0"))
        .collect();
    let _ = writeln!(
        t,
        "\n# The growth path by projection year (e.g. a work report's growth target).\n[growth.path]\nvalues = {{ {} }}\nassumption = \"Default of empsim init: 6 % a year, equal to `reference`, so the baseline carries no growth gap; replace with the growth targets of the plan or work reports.\"",
        years.join(", ")
    );
    t.push_str(UNEMPLOYMENT);
    render_correlation(&mut t, plan);
    render_sources(&mut t, plan);
    if let Some(p) = &plan.parent {
        render_region(&mut t, plan, p, None);
    }
    for r in &plan.regions {
        render_region(&mut t, plan, r, plan.parent.as_ref());
    }
    t
}

/// The command line as the header shows it: the program name without its folder.
fn command_line_text(args: &[String]) -> String {
    let mut words: Vec<String> = args.iter().map(|a| shell_word(a)).collect();
    if let Some(first) = words.first_mut() {
        *first = "empsim".into();
    }
    words.join(" ")
}

/// `a` quoted for a shell where it needs to be.
fn shell_word(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| !c.is_whitespace() && !"<>|&;()$`\"'*?[]#~!{}\\".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}

fn render_correlation(t: &mut String, plan: &Plan) {
    if plan.regions.len() < 2 {
        let _ = writeln!(
            t,
            "\n# [correlation]: needed once the scenario simulates two regions or more, e.g.\n# common = 0.6 with an assumption (see henan-baseline.toml)."
        );
        return;
    }
    let _ = writeln!(
        t,
        "\n# How the yearly growth surprises of the regions are correlated.\n[correlation]\ncommon = 0.6\nassumption = \"Default of empsim init (as henan-baseline.toml): cities of one province share a business cycle; 0.6 between their yearly growth surprises.\""
    );
}

fn render_sources(t: &mut String, plan: &Plan) {
    let _ = writeln!(
        t,
        "\n# The documents `source` keys cite: [sources.<id>] with title, and optionally issuer,\n# year, date (YYYY-MM-DD) and number (文号). Charts and reports show the title."
    );
    if plan.sources.is_empty() {
        let _ = writeln!(
            t,
            "# [sources.my_plan]\n# title = \"某市“十四五”就业促进规划\"\n# issuer = \"某市人民政府\"\n# year = 2022"
        );
    }
    for (id, title) in &plan.sources {
        let _ = writeln!(t, "[sources.{id}]\ntitle = {}", quoted(title));
    }
}

/// The id the `# source = ...` hints name.
fn source_hint(plan: &Plan) -> &str {
    plan.sources.first().map_or("my_plan", |(id, _)| id)
}

fn render_region(t: &mut String, plan: &Plan, r: &NewRegion, parent: Option<&NewRegion>) {
    let level = if parent.is_some() || plan.parent.is_none() {
        "city"
    } else {
        "province"
    };
    let _ = writeln!(
        t,
        "\n# --- {} {} {}\n[regions.{}]\nname_zh = {}\nname_en = {}\nlevel = \"{level}\"",
        r.name_zh,
        r.name_en,
        "-".repeat(70usize.saturating_sub(r.name_en.len() + r.name_zh.chars().count() * 2)),
        r.id,
        quoted(&r.name_zh),
        quoted(&r.name_en)
    );
    let mine: Vec<&NewBaseline> = plan.baselines.iter().filter(|b| b.region == r.id).collect();
    if let Some(p) = parent {
        let _ = writeln!(t, "parent = \"{}\"", p.id);
        match rate_weight(plan, &r.id) {
            Some((w, b)) => {
                let _ = writeln!(
                    t,
                    "rate_weight = {{ value = {w}, assumption = \"Proxy for the size of the urban labour force, which plans rarely give: the entered {} new urban jobs per year ({} ÷ {}).\" }}",
                    period(b.first, b.last),
                    b.value,
                    b.last - b.first + 1
                );
            }
            None => {
                let _ = writeln!(
                    t,
                    "rate_weight = {{ value = 1.0, assumption = \"Default of empsim init: equal weights in {}'s rate, as not every region has new urban jobs entered to proxy its size; give each region's urban labour force.\" }}",
                    p.name_en
                );
            }
        }
    }
    for b in &mine {
        render_baseline(t, plan, r, b);
    }
    let is_aggregate = parent.is_none() && plan.parent.is_some();
    if !is_aggregate {
        let rate = mine
            .iter()
            .find(|b| b.indicator == Indicator::SurveyedUnemploymentRate);
        let _ = writeln!(
            t,
            "\n# The rate's model for {}: `initial` and `natural_rate` default to [unemployment]'s.\n[regions.{}.unemployment]",
            r.name_en, r.id
        );
        if let Some(b) = rate {
            let _ = writeln!(
                t,
                "initial = {{ value = {}, assumption = \"The {} rate entered with empsim init (the baseline above).\" }}",
                b.value, b.last
            );
        }
    }
    for target in plan.targets.iter().filter(|x| x.region == r.id) {
        render_target(t, plan, target);
    }
}

/// A child's weight in its parent's rate: its new urban jobs per year, when every child has
/// them entered (one proxy for all, or equal weights), with the figure it comes from.
fn rate_weight<'a>(plan: &'a Plan, id: &str) -> Option<(f64, &'a NewBaseline)> {
    let jobs = |id: &str| {
        plan.baselines
            .iter()
            .find(|b| b.region == id && b.indicator == Indicator::UrbanNewJobs)
    };
    if plan.regions.iter().any(|r| jobs(&r.id).is_none()) {
        return None;
    }
    let b = jobs(id)?;
    let per_year = b.value / f64::from(b.last - b.first + 1);
    Some(((per_year * 1e4).round() / 1e4, b))
}

fn render_baseline(t: &mut String, plan: &Plan, r: &NewRegion, b: &NewBaseline) {
    let when = match (b.indicator.kind(), b.first == b.last) {
        (IndicatorKind::Flow, false) => format!(
            "kind = \"cumulative\"\nperiod = \"{}\"",
            period(b.first, b.last)
        ),
        (IndicatorKind::Flow, true) => format!("kind = \"annual\"\nyear = {}", b.last),
        _ => format!("kind = \"level\"\nyear = {}", b.last),
    };
    let _ = writeln!(
        t,
        "\n[regions.{}.baselines.{}]\nvalue = {}\n{when}\n# source = \"{}\"\n# quote = \"…the plan's Chinese text…\"\nassumption = {}",
        r.id,
        b.indicator.key(),
        b.value,
        source_hint(plan),
        quoted(ENTERED)
    );
}

fn render_target(t: &mut String, plan: &Plan, x: &NewTarget) {
    let kind = match (x.indicator.kind(), x.floor) {
        (IndicatorKind::Flow, _) => "kind = \"cumulative_floor\"".to_string(),
        (IndicatorKind::Stock, true) => "kind = \"level_floor\"\napplies = \"end\"".to_string(),
        (IndicatorKind::Stock, false) => "kind = \"level_cap\"\napplies = \"end\"".to_string(),
        (_, true) => "kind = \"level_floor\"\napplies = \"each_year\"".to_string(),
        (_, false) => "kind = \"level_cap\"\napplies = \"each_year\"".to_string(),
    };
    let _ = writeln!(
        t,
        "\n[[regions.{}.targets]]\nindicator = \"{}\"\n{kind}\nperiod = \"{}\"\nvalue = {}\n# nature: expected (预期性), binding (约束性) or unspecified, as the plan's table says.\nnature = \"unspecified\"\n# source = \"{}\"\n# quote = \"…the plan's Chinese text…\"\nassumption = {}",
        x.region,
        x.indicator.key(),
        period(x.first, x.last),
        x.value,
        source_hint(plan),
        quoted(&format!(
            "{} Read as {}.",
            ENTERED,
            match (x.indicator.kind(), x.floor) {
                (IndicatorKind::Flow, _) => "a floor on the period's total (以上)",
                (IndicatorKind::Stock, true) => "a floor on the level at the period's end",
                (IndicatorKind::Stock, false) => "a cap on the level at the period's end",
                (_, true) => "a floor every year",
                (_, false) => "a cap every year (以内)",
            }
        ))
    );
}

/// Validates the text as the file it will be, so that what `init` writes always checks.
fn validate(path: &Path, text: &str) -> Result<()> {
    let mut files = InMemory::default();
    files.insert(path, text.as_bytes().to_vec());
    Scenario::from_files(path, &files)
        .map(|_| ())
        .map_err(|e| {
            Error::Usage(format!(
                "the flags give a scenario that does not validate (nothing was written); in the text init would write:\n{e}"
            ))
        })
}

/// Writes `text` to a file that must not exist yet.
fn write_new(path: &Path, text: &str) -> Result<()> {
    // `create_new` fails on anything already at `path` (a file, a folder, a link, even a
    // dangling one): the check and the creation are one step, so nothing is overwritten.
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let mut file = match created {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Usage(format!(
                "{} already exists; empsim init never overwrites a file: give another --out",
                path.display()
            )));
        }
        Err(e) => {
            return Err(Error::Usage(format!(
                "cannot create {}: {e}",
                path.display()
            )));
        }
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    written.map_err(|e| {
        // The file is ours and incomplete: leave nothing half-written behind.
        drop(file);
        let _ = std::fs::remove_file(path);
        Error::Usage(format!("cannot write {}: {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(flags: &[&str]) -> InitArgs {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct T {
            #[command(flatten)]
            a: InitArgs,
        }
        let mut all = vec!["empsim"];
        all.extend_from_slice(flags);
        T::try_parse_from(all).expect("flags parse").a
    }

    fn text(flags: &[&str]) -> Result<String> {
        let p = plan(&args(flags))?;
        let t = render(&p, &["empsim".into(), "init".into()]);
        validate(Path::new("x.toml"), &t)?;
        Ok(t)
    }

    fn usage(flags: &[&str]) -> String {
        match text(flags) {
            Ok(_) => panic!("{flags:?} should fail"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn one_region_with_figures_validates_and_marks_them_entered() {
        let t = text(&[
            "--region",
            "luoyang:洛阳市:Luoyang",
            "--baseline",
            "luoyang.urban_new_jobs=62.3",
            "--baseline",
            "luoyang.surveyed_unemployment_rate=4.5",
            "--floor",
            "luoyang.urban_new_jobs=50",
            "--cap",
            "luoyang.surveyed_unemployment_rate=5.5",
        ])
        .unwrap();
        let s = Scenario::from_files(Path::new("x.toml"), &{
            let mut f = InMemory::default();
            f.insert(Path::new("x.toml"), t.as_bytes().to_vec());
            f
        })
        .unwrap();
        assert_eq!(s.regions.len(), 1);
        assert_eq!(s.targets.len(), 2);
        assert!(s.targets.iter().all(|x| x.assumption.is_some()));
        assert_eq!((s.base_year, s.end_year), (2020, 2025));
        // Every parameter is an assumption: init knows no quote.
        assert!(
            s.params
                .iter()
                .all(|p| !matches!(p.provenance, crate::scenario::Provenance::Plan { .. }))
        );
        assert!(t.contains("period = \"2016-2020\""), "{t}");
        assert!(t.contains("initial = { value = 4.5,"), "{t}");
    }

    #[test]
    fn several_regions_under_a_parent_get_weights_and_a_correlation() {
        let t = text(&[
            "--region",
            "a:甲市:A",
            "--region",
            "b:乙市:B",
            "--parent",
            "p:某省:P",
            "--baseline",
            "a.urban_new_jobs=40",
            "--baseline",
            "b.urban_new_jobs=20@2020",
            "--floor",
            "p.urban_new_jobs=55",
            "--source",
            "plan=某省规划",
            "--end-year",
            "2030",
        ])
        .unwrap();
        assert!(t.contains("[correlation]\ncommon = 0.6"), "{t}");
        // One proxy of size for all: new urban jobs per year.
        assert!(t.contains("rate_weight = { value = 8, assumption = \"Proxy for the size of the urban labour force, which plans rarely give: the entered 2016-2020 new urban jobs per year (40 ÷ 5).\" }"), "{t}");
        assert!(t.contains("rate_weight = { value = 20,"), "{t}");
        assert!(t.contains("[sources.plan]\ntitle = \"某省规划\""), "{t}");
        assert!(t.contains("kind = \"annual\"\nyear = 2020"), "{t}");
        assert!(t.contains("period = \"2021-2030\""), "{t}");
        // Without the figure for every region, equal weights.
        let t = text(&[
            "--region",
            "a:甲市:A",
            "--region",
            "b:乙市:B",
            "--parent",
            "p:某省:P",
            "--baseline",
            "a.urban_new_jobs=40",
        ])
        .unwrap();
        assert_eq!(t.matches("rate_weight = { value = 1.0,").count(), 2, "{t}");
    }

    #[test]
    fn bad_flags_say_what_is_expected() {
        let r = ["--region", "luoyang:洛阳市:Luoyang"];
        let with = |more: &[&str]| {
            let mut v = r.to_vec();
            v.extend_from_slice(more);
            usage(&v)
        };
        assert_eq!(
            usage(&["--region", "luoyang"]),
            "--region `luoyang`: expected ID:NAME_ZH:NAME_EN, e.g. luoyang:洛阳市:Luoyang"
        );
        assert_eq!(
            usage(&["--region", "Luo Yang:洛阳市:Luoyang"]),
            "--region `Luo Yang:洛阳市:Luoyang`: the id `Luo Yang` must be lower-case letters, digits and _, starting with a letter (e.g. luoyang)"
        );
        assert_eq!(
            with(&["--baseline", "kaifeng.urban_new_jobs=1"]),
            "--baseline `kaifeng.urban_new_jobs=1`: unknown region `kaifeng`; regions: luoyang"
        );
        assert_eq!(
            with(&["--baseline", "luoyang.jobs=1"]),
            format!(
                "--baseline `luoyang.jobs=1`: unknown indicator `jobs`; valid indicators: {}",
                Indicator::valid_keys()
            )
        );
        assert_eq!(
            with(&["--baseline", "luoyang.urban_new_jobs=many"]),
            "--baseline `luoyang.urban_new_jobs=many`: `many` is not a number"
        );
        assert_eq!(
            with(&["--baseline", "luoyang.urban_new_jobs=1@2021"]),
            "--baseline `luoyang.urban_new_jobs=1@2021`: a baseline ends by the base year 2020"
        );
        assert_eq!(
            with(&["--cap", "luoyang.urban_new_jobs=5"]),
            "--cap `luoyang.urban_new_jobs=5`: a flow's target is a floor on its total (以上): use --floor"
        );
        assert_eq!(
            with(&["--floor", "luoyang.urban_new_jobs>=5"]),
            "--floor `luoyang.urban_new_jobs>=5`: unknown indicator `urban_new_jobs>`; valid indicators: ".to_string() + &Indicator::valid_keys()
        );
        assert_eq!(
            with(&["--floor", "luoyang.urban_new_jobs=5@2019-2025"]),
            "--floor `luoyang.urban_new_jobs=5@2019-2025`: the period 2019-2025 is outside the projection years 2021-2025"
        );
        assert_eq!(
            with(&["--end-year", "2020"]),
            "--end-year 2020 must be after --base-year 2020"
        );
        assert_eq!(
            with(&["--baseline", "luoyang.urban_new_jobs=NaN"]),
            "--baseline `luoyang.urban_new_jobs=NaN`: `NaN` is not a number"
        );
        assert_eq!(
            with(&["--region", "luoyang:洛阳:L"]),
            "region `luoyang` is given twice"
        );
        assert_eq!(
            with(&["--source", "p=甲", "--source", "p=乙"]),
            "--source `p` is given twice"
        );
        // A flow's target needs its figure: the region's, or every region's for the parent.
        assert_eq!(
            with(&["--floor", "luoyang.rural_transfer_new=5"]),
            "--floor `luoyang.rural_transfer_new=5`: the target needs rural_transfer_new projected, from its figure before the plan period: add --baseline luoyang.rural_transfer_new=VALUE (the five-year total ending in the base year)"
        );
        assert_eq!(
            usage(&[
                "--region",
                "a:甲市:A",
                "--region",
                "b:乙市:B",
                "--parent",
                "p:某省:P",
                "--baseline",
                "a.urban_new_jobs=4",
                "--floor",
                "p.urban_new_jobs=5"
            ]),
            "--floor `p.urban_new_jobs=5`: the target needs urban_new_jobs projected, from its figure before the plan period: add --baseline b.urban_new_jobs=VALUE (the five-year total ending in the base year)"
        );
        // What the flags cannot see is found by validating the text, with the scenario's
        // own message: the stock needs the new transfers that feed it.
        let e = with(&[
            "--baseline",
            "luoyang.rural_transfer_stock=100",
            "--floor",
            "luoyang.rural_transfer_stock=120",
        ]);
        assert!(
            e.starts_with("the flags give a scenario that does not validate (nothing was written); in the text init would write:"),
            "{e}"
        );
    }

    #[test]
    fn the_defaults_are_henan_baselines_shared_assumptions() {
        // init's defaults are stated as henan-baseline.toml's: every shared parameter must
        // have the same distribution there (a change to one must reach the other).
        let t = text(&[
            "--region",
            "a:甲市:A",
            "--baseline",
            "a.urban_new_jobs=40",
            "--baseline",
            "a.rural_transfer_new=16",
            "--baseline",
            "a.return_entrepreneurs=7",
            "--baseline",
            "a.rural_transfer_stock=200",
        ])
        .unwrap();
        let mut files = InMemory::default();
        files.insert(Path::new("x.toml"), t.as_bytes().to_vec());
        let init = Scenario::from_files(Path::new("x.toml"), &files).unwrap();
        let henan = Scenario::from_file(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/henan-baseline.toml"),
        )
        .unwrap();
        let dist = |s: &Scenario, name: &str| {
            s.params
                .iter()
                .find(|p| p.name == name)
                .map(|p| format!("{:?}", p.dist))
                .unwrap_or_else(|| panic!("no {name}"))
        };
        let mut compared = 0;
        for p in &init.params {
            // Region-level copies of the indicator and unemployment defaults carry the
            // region's key path; compare them with Henan's defaults for Kaifeng (for the
            // stock, Zhumadian's: the only city with one).
            let name = p.name.replace(
                "regions.a.params.rural_transfer_stock",
                "regions.zhumadian.params.rural_transfer_stock",
            );
            let name = name.replace("regions.a.", "regions.kaifeng.");
            assert_eq!(dist(&init, &p.name), dist(&henan, &name), "{}", p.name);
            compared += 1;
        }
        // growth (3), unemployment (5), three flows (3 each) and the stock's exit rate.
        assert_eq!(compared, 18);
        assert_eq!(init.growth.path, henan.growth.path);
    }

    #[test]
    fn shell_words_are_quoted_where_needed() {
        assert_eq!(
            command_line_text(&[
                "/x/empsim".into(),
                "--floor".into(),
                "a.urban_new_jobs>=5".into(),
                "it's".into()
            ]),
            r"empsim --floor 'a.urban_new_jobs>=5' 'it'\''s'"
        );
    }
}
