//! `report.html`: one self-contained page per run for readers who do not open CSV files.
//!
//! The page holds the scenario's name and description, the run settings, the targets with
//! P(met) (riskiest first), the overview chart, every chart grouped by region, every
//! parameter with its distribution and provenance (plan quote or assumption rationale), the
//! growth path, correlation, shocks and levers, and the plan baselines with their quotes.
//!
//! Self-contained: the charts are embedded as `data:image/png;base64,` URIs and the page
//! loads nothing (no scripts, no web fonts, no links out), so it can be mailed or archived
//! as one file. Chinese text in the page relies on the reader's system fonts (a CJK
//! fallback list follows the Latin system stack); the charts carry theirs as pixels.
//! Every text is HTML-escaped. The page is deterministic: the same run gives the same
//! bytes (no date, no thread count, no timings). Print: A4, charts at most the page width,
//! table rows and figures kept whole.

//! `report.html`: one page per run for readers who do not open CSV files, readable on a
//! phone, a laptop and A4 paper.
//!
//! The page holds the scenario's name and description, the run settings, the targets with
//! P(met) (riskiest first) and their on-track probabilities, the yearly projection (median
//! and 90 % band per region, indicator and year), every chart grouped by region, the
//! results of `empsim sens` and `empsim backtest` kept in the run's folder, every parameter
//! with its distribution and provenance (plan quote or assumption rationale), the growth
//! path, correlation, shocks and levers, the plan baselines with their quotes, and the plan
//! documents by title (`[sources]`). Headings are bilingual (中文 English).
//!
//! The page loads no scripts and nothing from the network. The CJK font is embedded, subset
//! to the characters the page uses ([`page`]). The charts are *linked* (`charts/…png`,
//! relative to the page), not embedded: embedding 30-odd 1200×800 charts made a 6.7 MB page
//! that phones load slowly and mail gateways reject, while the output folder (tables,
//! workbook, charts) is what a run delivers anyway. Zipped and sent, the folder opens with
//! its charts; the page alone still carries every number in its tables. The page is
//! deterministic: the same run gives the same bytes (no date, no thread count, no timings).

pub mod compare;
mod extras;
pub mod page;

use crate::error::Result;
use crate::indicator::{Indicator, Measure};
use crate::outdir::io_err;
use crate::report::png::run::chart_title;
use crate::report::wording::{self, requirement};
use crate::scenario::{
    Applies, BaselineKind, CorrelationStructure, Nature, Param, Provenance, Scenario, Target,
    TargetKind,
};
use crate::stats::{SeriesSummary, TargetResult};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The file name of the report in the output folder.
pub const REPORT_FILE: &str = "report.html";

/// A chart to show: its path relative to the report (e.g. `charts/fan-kaifeng-urban_new_jobs.png`)
/// and its pixel size, read from the PNG header.
#[derive(Debug, Clone)]
pub struct ChartImage {
    pub href: String,
    pub size: Option<(u32, u32)>,
}

impl ChartImage {
    /// The chart file at `path`, linked relative to `dir`.
    ///
    /// # Errors
    /// [`crate::Error::Output`] if the file cannot be read or is not a PNG.
    pub fn from_file(dir: &Path, path: &Path) -> Result<ChartImage> {
        use std::io::Read as _;
        let mut head = [0u8; 24];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .map_err(|e| io_err(path, e))?;
        let size = png_size(&head).ok_or_else(|| io_err(path, "not a PNG file"))?;
        Ok(ChartImage {
            href: relative_href(dir, path),
            size: Some(size),
        })
    }

    /// The file name, e.g. `fan-kaifeng-urban_new_jobs.png`.
    pub fn file_name(&self) -> &str {
        self.href.rsplit('/').next().unwrap_or(&self.href)
    }
}

/// `path` relative to `dir`, `/`-separated, each part percent-encoded where a URL needs it.
fn relative_href(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| url_part(&c.as_os_str().to_string_lossy()))
        .collect::<Vec<_>>()
        .join("/")
}

/// Percent-encodes what a relative URL path segment cannot hold as is.
fn url_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// What a run's report shows.
#[derive(Debug, Clone, Copy)]
pub struct RunReport<'a> {
    pub scn: &'a Scenario,
    pub targets: &'a [TargetResult],
    /// The rows of `quantiles.csv` (the yearly projection table); may be empty.
    pub summaries: &'a [SeriesSummary],
    pub seed: u64,
    pub paths: usize,
    pub conditioning: Option<&'a crate::engine::Conditioning>,
    /// The run's folder as it is before this run replaces it, whose `sensitivity/` and
    /// `backtest/` results the new folder keeps: the report shows them.
    pub kept_from: Option<&'a Path>,
}

/// Writes `dir/report.html` for a run, linking the PNG charts `chart_files` (as returned
/// by [`crate::report::png::run::render`], inside `dir`) and the tables (`.csv`, `.xlsx`)
/// already written in `dir`; returns the report's path.
///
/// Charts are grouped by region by their `empsim run` file names (`fan-<region>-…`,
/// `cumulative-<target>…`); `overview.png` (a poster of every chart, unreadable at page
/// width) is left out; any other chart is shown under "Other charts".
///
/// # Errors
/// [`crate::Error::Output`] if a chart cannot be read or is not a PNG, or the report cannot
/// be written.
pub fn write_report(dir: &Path, r: &RunReport, chart_files: &[PathBuf]) -> Result<PathBuf> {
    let charts = chart_files
        .iter()
        .map(|p| ChartImage::from_file(dir, p))
        .collect::<Result<Vec<_>>>()?;
    let downloads = downloads(dir);
    let extras = extras::Extras::read(r.kept_from);
    let path = dir.join(REPORT_FILE);
    let html = report_html(r, &charts, &downloads, &extras);
    std::fs::write(&path, html).map_err(|e| io_err(&path, e))?;
    Ok(path)
}

/// The tables in `dir` a reader may want (`.xlsx` first, then `.csv`), sorted by name.
pub fn downloads(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".xlsx") || n.ends_with(".csv"))
                .collect()
        })
        .unwrap_or_default();
    files.sort_by_key(|n| (!n.ends_with(".xlsx"), n.clone()));
    files
}

/// The report as a string; see [`write_report`].
fn report_html(
    r: &RunReport,
    charts: &[ChartImage],
    downloads: &[String],
    extras: &extras::Extras,
) -> String {
    let scn = r.scn;
    let mut h = String::with_capacity(200_000);
    let groups = group_charts(scn, charts);
    header(&mut h, scn, r.seed, r.paths, downloads);
    contents(&mut h, scn, r, &groups, extras);
    targets_section(&mut h, scn, r.targets, r.paths);
    if let Some(c) = r.conditioning {
        observed_section(&mut h, scn, r.targets, c, r.paths);
    }
    projection_section(&mut h, scn, r.summaries);
    charts_section(&mut h, scn, &groups);
    extras.sections(&mut h, scn);
    assumptions_section(&mut h, scn);
    baselines_section(&mut h, scn);
    sources_section(&mut h, scn);
    let _ = writeln!(
        h,
        "<footer><p>Written by empsim {} from {} with seed {} and {} paths. The same command gives the same report, byte for byte. 同一命令、同一种子，报告逐字节相同。</p></footer>",
        env!("CARGO_PKG_VERSION"),
        escape(&files_label(scn)),
        r.seed,
        r.paths,
    );
    page::page(
        &format!("{} — empsim 情景报告 scenario report", scn.name),
        &h,
    )
}

/// A bilingual section heading: `<h2 id>中文 <span class="en">English</span></h2>`.
pub(crate) fn h2(id: &str, zh: &str, en: &str) -> String {
    format!(
        "<h2 id=\"{id}\"><span lang=\"zh-CN\">{}</span> <span class=\"en\" lang=\"en\">{}</span></h2>\n",
        escape(zh),
        escape(en)
    )
}

/// A bilingual sub-heading.
pub(crate) fn h3(id: &str, zh: &str, en: &str) -> String {
    let id = if id.is_empty() {
        String::new()
    } else {
        format!(" id=\"{id}\"")
    };
    format!(
        "<h3{id}><span lang=\"zh-CN\">{}</span> <span class=\"en\" lang=\"en\">{}</span></h3>\n",
        escape(zh),
        escape(en)
    )
}

/// A bilingual contents link.
fn nav_item(id: &str, zh: &str, en: &str) -> String {
    format!(
        "<a href=\"#{id}\"><span lang=\"zh-CN\">{}</span> {}</a>",
        escape(zh),
        escape(en)
    )
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648 §4: `A–Z a–z 0–9 + /`, `=` padding, no line breaks).
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

/// Width and height of a PNG from its IHDR chunk, or `None` if `bytes` is not a PNG.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((be(16), be(20)))
}

/// What the target's outcome (median and 5–95 %) measures.
fn outcome_label(t: &Target) -> String {
    match (t.kind, t.applies) {
        (TargetKind::CumulativeFloor, _) => format!("total {}", t.period_label()),
        (TargetKind::LevelCap, Some(Applies::EachYear)) => "highest year".into(),
        (TargetKind::LevelFloor, Some(Applies::EachYear)) => "lowest year".into(),
        (TargetKind::LevelAbout, Some(Applies::EachYear)) => "year farthest from target".into(),
        (_, Some(Applies::Average)) => format!("average {}", t.period_label()),
        _ => format!("in {}", t.last_year),
    }
}

/// The short unit after a number: ` 万人` or ` %`.
fn unit(ind: Indicator) -> String {
    format!(" {}", wording::unit_short(ind))
}

fn nature_html(n: Nature) -> String {
    wording::nature(n, zh)
}

/// Chinese text, escaped, marked `lang="zh-CN"` so browsers pick a Simplified Chinese font.
fn zh(s: &str) -> String {
    format!("<span lang=\"zh-CN\">{}</span>", escape(s))
}

/// A plan quote: `“quote”` and its source by title (see [`source_html`]).
fn quote_html(scn: &Scenario, source: &str, quote: &str) -> String {
    format!(
        "<span class=\"quote\" lang=\"zh-CN\">“{}”</span> {}",
        escape(quote),
        source_html(scn, source)
    )
}

/// Where a target comes from: the plan's quote under its source's title (see
/// [`quote_html`]), and how the target was read when that is an assumption.
pub(crate) fn target_quote_html(scn: &Scenario, t: &crate::scenario::Target) -> String {
    let mut s = if t.quote.is_empty() {
        source_html(scn, &t.source)
    } else {
        quote_html(scn, &t.source, &t.quote)
    };
    if let Some(a) = &t.assumption {
        if !s.is_empty() {
            s.push_str("<br>");
        }
        s.push_str(&format!(
            "<span class=\"assumption\">Assumption (假设): {}</span>",
            escape(a)
        ));
    }
    s
}

/// A `source` value as the reader should see it: each document's 《title》 with its issuer
/// and year from `[sources]`, linked to the list of sources; the id itself when the
/// scenario gives no title for it.
pub(crate) fn source_html(scn: &Scenario, source: &str) -> String {
    let parts: Vec<String> = crate::scenario::source_ids(source)
        .map(|id| {
            match scn
                .source(id)
                .and_then(|s| s.title.as_ref().map(|t| (s, t)))
            {
                Some((s, title)) => {
                    let mut by: Vec<String> = Vec::new();
                    if let Some(i) = &s.issuer {
                        by.push(escape(i));
                    }
                    if let Some(y) = s.year {
                        by.push(y.to_string());
                    }
                    let by = if by.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", by.join(" "))
                    };
                    format!(
                        "<a class=\"src\" href=\"#source-{}\" lang=\"zh-CN\">《{}》{by}</a>",
                        escape(&url_part(id)),
                        escape(title)
                    )
                }
                None => format!("<span class=\"src\">{}</span>", escape(id)),
            }
        })
        .collect();
    parts.join("; ")
}

fn provenance_html(scn: &Scenario, p: &Provenance) -> String {
    match p {
        Provenance::Plan { source, quote } => quote_html(scn, source, quote),
        Provenance::Assumption {
            rationale,
            source,
            quote,
        } => {
            let mut s = escape(rationale);
            match (source, quote) {
                (Some(src), Some(q)) => {
                    let _ = write!(s, "<br>From the plan: {}", quote_html(scn, src, q));
                }
                (Some(src), None) => {
                    let _ = write!(s, " {}", source_html(scn, src));
                }
                (None, Some(q)) => {
                    let _ = write!(s, "<br>From the plan: {}", quote_html(scn, "", q));
                }
                (None, None) => {}
            }
            s
        }
    }
}

fn basis_html(p: &Provenance) -> &'static str {
    match p {
        Provenance::Plan { .. } => "<span class=\"basis plan\">plan</span>",
        Provenance::Assumption { .. } => "<span class=\"basis assumption\">assumption</span>",
    }
}

fn region_html(scn: &Scenario, ri: usize) -> String {
    let r = &scn.regions[ri];
    format!("{} {}", zh(&r.name_zh), escape(&r.name_en))
}

fn indicator_html(ind: Indicator) -> String {
    format!("{} {}", zh(ind.name_zh()), escape(ind.name_en()))
}

fn files_label(scn: &Scenario) -> String {
    scn.files
        .first()
        .map(|f| f.path.display().to_string())
        .unwrap_or_else(|| scn.name.clone())
}

fn header(h: &mut String, scn: &Scenario, seed: u64, paths: usize, downloads: &[String]) {
    let _ = write!(
        h,
        "<header>\n<p class=\"kicker\"><span lang=\"zh-CN\">empsim 情景报告</span> · scenario report</p>\n<h1>{}</h1>\n<p class=\"desc\">{}</p>\n",
        escape(&scn.name),
        escape(&scn.description)
    );
    let files: Vec<String> = scn
        .files
        .iter()
        .map(|f| {
            format!(
                "<code>{}</code> <span class=\"src\">SHA-256 {}</span>",
                escape(&f.path.display().to_string()),
                escape(f.sha256.get(..12).unwrap_or(&f.sha256))
            )
        })
        .collect();
    let rows = [
        ("情景文件 Scenario files", files.join("<br>")),
        (
            "预测期 Projection",
            format!(
                "{}–{} (base year {}), yearly",
                scn.base_year + 1,
                scn.end_year,
                scn.base_year
            ),
        ),
        (
            "模拟 Monte Carlo",
            format!("{paths} paths, seed {seed} (Xoshiro256++ per path, seeds derived from the master seed)"),
        ),
        (
            "分位数 Quantiles",
            "Hyndman &amp; Fan (1996) type 7, as R and NumPy; bands show 5–95 % and 25–75 % of paths"
                .into(),
        ),
        ("empsim", escape(env!("CARGO_PKG_VERSION"))),
        (
            "复现 Reproduce",
            format!(
                "<code>empsim run {} --paths {paths} --seed {seed}</code>",
                escape(&files_label(scn))
            ),
        ),
    ];
    h.push_str("<table class=\"settings\">\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>");
    }
    h.push_str("</table>\n");
    downloads_html(h, downloads);
    h.push_str("</header>\n");
}

/// The links to the folder's tables (workbook and CSVs), if any.
pub(crate) fn downloads_html(h: &mut String, downloads: &[String]) {
    if downloads.is_empty() {
        return;
    }
    let links: Vec<String> = downloads
        .iter()
        .map(|f| format!("<a href=\"{}\">{}</a>", escape(&url_part(f)), escape(f)))
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"downloads\"><b><span lang=\"zh-CN\">下载数据</span> Download the tables</b> \
(workbook .xlsx / CSV, beside this page): {}</p>",
        links.join(" · ")
    );
}

/// Charts grouped for the page: per region (in scenario order) its charts in the given
/// order, and the rest. `overview.png` is left out.
struct Groups<'a> {
    regions: Vec<(usize, Vec<(&'a ChartImage, String)>)>,
    other: Vec<(&'a ChartImage, String)>,
}

fn group_charts<'a>(scn: &Scenario, charts: &'a [ChartImage]) -> Groups<'a> {
    // Expected file name → (region, caption).
    let mut known: Vec<(String, usize, String)> = Vec::new();
    for s in &scn.series {
        known.push((
            format!(
                "fan-{}-{}.png",
                crate::report::png::run::slug(&scn.regions[s.region].id),
                s.indicator.key()
            ),
            s.region,
            chart_title(scn, s.region, s.indicator),
        ));
    }
    for t in &scn.targets {
        known.push((
            format!("cumulative-{}.png", crate::report::png::run::slug(&t.id)),
            t.region,
            format!(
                "{} — running total against the glide path to {}",
                chart_title(scn, t.region, t.indicator),
                requirement(t)
            ),
        ));
    }
    let mut g = Groups {
        regions: Vec::new(),
        other: Vec::new(),
    };
    for c in charts {
        if c.file_name() == "overview.png" {
            continue;
        }
        if let Some((_, ri, caption)) = known.iter().find(|(n, ..)| n == c.file_name()) {
            match g.regions.iter_mut().find(|(r, _)| r == ri) {
                Some((_, v)) => v.push((c, caption.clone())),
                None => g.regions.push((*ri, vec![(c, caption.clone())])),
            }
        } else {
            g.other.push((c, c.file_name().to_string()));
        }
    }
    g.regions.sort_by_key(|(ri, _)| *ri);
    g
}

fn contents(h: &mut String, scn: &Scenario, r: &RunReport, g: &Groups, extras: &extras::Extras) {
    let mut items = vec![nav_item(
        "targets",
        "目标达成概率",
        "Probability of meeting each target",
    )];
    if scn.observations.is_some() && r.conditioning.is_some() {
        items.push(nav_item(
            "observed",
            "已公布数据与进行中的目标",
            "Published figures and targets in progress",
        ));
    }
    if !r.summaries.is_empty() {
        items.push(nav_item("projection", "逐年预测", "Yearly projection"));
    }
    if !g.regions.is_empty() || !g.other.is_empty() {
        let mut regions: Vec<String> = g
            .regions
            .iter()
            .map(|(ri, _)| {
                format!(
                    "<a href=\"#region-{}\">{}</a>",
                    escape(&crate::report::png::run::slug(&scn.regions[*ri].id)),
                    region_html(scn, *ri)
                )
            })
            .collect();
        if !g.other.is_empty() {
            regions.push("<a href=\"#other-charts\">其他 Other</a>".into());
        }
        items.push(format!(
            "{}: {}",
            nav_item("charts", "分地区图表", "Charts by region"),
            regions.join(" · ")
        ));
    }
    items.extend(extras.nav_items());
    items.push(nav_item(
        "assumptions",
        "假设与依据",
        "Assumptions and their sources",
    ));
    items.push(nav_item(
        "baselines",
        "规划基数",
        "Baselines from the plans",
    ));
    if !scn.sources.is_empty() {
        items.push(nav_item("sources", "资料来源", "Sources"));
    }
    h.push_str("<nav>\n<p><b><span lang=\"zh-CN\">目录</span> Contents</b></p>\n<ul>\n");
    for i in items {
        let _ = writeln!(h, "<li>{i}</li>");
    }
    h.push_str("</ul>\n</nav>\n");
}

/// P(on track) per year of the target's period, e.g. `2021 0.93 · 2022 0.88`.
fn glide_html(r: &TargetResult) -> String {
    if r.glide.is_empty() {
        return "—".into();
    }
    r.glide
        .iter()
        .map(|(y, p)| format!("<span class=\"nw\">{y}: {p:.2}</span>"))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn risk_class(p: f64) -> &'static str {
    if p < 0.5 {
        "risk-high"
    } else if p < 0.8 {
        "risk-mid"
    } else {
        "risk-low"
    }
}

fn num(v: f64) -> String {
    // Up to 2 decimals, trailing zeros kept for alignment.
    format!("{v:.2}")
}

fn targets_section(h: &mut String, scn: &Scenario, targets: &[TargetResult], paths: usize) {
    h.push_str("<section>\n");
    h.push_str(&h2(
        "targets",
        "目标达成概率（风险高者在前）",
        "Probability of meeting each target, riskiest first",
    ));
    headline(h, scn, targets);
    let _ = writeln!(
        h,
        "<p class=\"note\">P(met) is \
the share of the {paths} simulated paths on which the target is met, read with the plan's own \
semantics (a five-year total 以上, a cap 以内 every year, 左右 within a tolerance); ± is its \
Monte Carlo standard error √(p(1−p)/n). The outcome is the number the target is judged on: its \
median and, in brackets, the 5–95 % range across paths.{levels} Shading: \
<span class=\"swatch risk-high\">below 0.5</span> <span class=\"swatch risk-mid\">0.5–0.8</span> \
<span class=\"swatch risk-low\">0.8 and above</span>.</p>",
        levels = levels_note(targets)
    );
    let mut order: Vec<&TargetResult> = targets.iter().collect();
    order.sort_by(|a, b| a.p_met.total_cmp(&b.p_met).then(a.target.cmp(&b.target)));
    h.push_str(
        "<div class=\"scroll\"><table class=\"targets cards\">\n<thead><tr><th>P(met)</th><th>地区与指标 Region and indicator</th>\
<th>目标与规划原文 Target and plan text</th><th>属性 Nature</th><th>期间 Period</th><th>结果 Outcome: median <span class=\"nw\">[5–95 %]</span></th>\
<th>按进度 On track by year</th></tr></thead>\n<tbody>\n",
    );
    for r in order {
        let Some(t) = scn.targets.get(r.target) else {
            continue;
        };
        let pm = wording::p_met_pm(r);
        let shortfall = if r.p_met < 1.0 && r.shortfall_if_missed > 0.0 {
            format!(
                "<br><span class=\"small\">mean gap when missed: {}{}</span>",
                num(r.shortfall_if_missed),
                escape(&unit(t.indicator))
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            "<tr id=\"target-{id_attr}\" data-target=\"{id}\"><td class=\"num {cls}\" data-label=\"P(met)\"><b>{p}</b>{pm_rest}</td>\
<td data-label=\"地区与指标 Region and indicator\">{region} · {ind}<br><code class=\"small id\">{id_wrapped}</code></td>\
<td class=\"req\" data-label=\"目标与规划原文 Target and plan text\"><b>{req}</b><br><span class=\"small\">{quote}</span></td>\
<td data-label=\"属性 Nature\">{nature}</td><td data-label=\"期间 Period\" class=\"nw\">{period}</td>\
<td class=\"out\" data-label=\"结果 Outcome: median [5–95 %]\"><span class=\"nw\">{m}{u}</span> <span class=\"small nw\">[{lo}, {hi}]</span><br>\
<span class=\"small\">{what}</span>{levels}{shortfall}</td><td class=\"glide\" data-label=\"按进度 On track by year\">{glide}</td></tr>",
            levels = levels_html(r),
            id_attr = escape(&crate::report::png::run::slug(&t.id)),
            cls = risk_class(r.p_met),
            p = escape(pm.split_once(' ').map_or(pm.as_str(), |(a, _)| a)),
            pm_rest = escape(
                &pm.split_once(' ')
                    .map_or(String::new(), |(_, b)| format!(" {b}"))
            ),
            region = region_html(scn, t.region),
            ind = indicator_html(t.indicator),
            id = escape(&t.id),
            id_wrapped = escape(&t.id).replace('.', ".<wbr>"),
            req = escape(&requirement(t)),
            nature = nature_html(t.nature),
            period = escape(&t.period_label()),
            m = num(r.outcome_p50),
            u = escape(&unit(t.indicator)),
            lo = num(r.outcome_p05),
            hi = num(r.outcome_p95),
            what = escape(&outcome_label(t)),
            glide = glide_html(r),
            quote = target_quote_html(scn, t),
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
    if targets.is_empty() {
        h.push_str("<p>The scenario has no targets.</p>\n");
    }
    h.push_str("</section>\n");
}

/// A conditioned run: the targets in progress and every published figure, what the model
/// expected of it and whether the fit reads it as an outlier.
fn observed_section(
    h: &mut String,
    scn: &Scenario,
    targets: &[TargetResult],
    c: &crate::engine::Conditioning,
    paths: usize,
) {
    let Some(obs) = &scn.observations else {
        return;
    };
    h.push_str("<section>\n");
    h.push_str(&h2(
        "observed",
        "已公布数据与进行中的目标",
        "Published figures and targets in progress",
    ));
    let min_ess = c.stages.iter().map(|s| s.ess).fold(f64::INFINITY, f64::min);
    let _ = writeln!(
        h,
        "<p class=\"note\">The projection is conditioned on {} published yearly figures \
(and {} of realised GDP growth, which replace the assumed growth path) from {}: the \
parameters and the state of the observed years are updated by sequential Monte Carlo \
({} tempering steps, lowest effective sample size {:.0} of {paths} paths), and the \
published years count as fact in the targets. {} figures were left aside \
(<code>observations.csv</code> says why). Method and assumptions: docs/MODEL.md §9.</p>",
        obs.points.len(),
        obs.growth.len(),
        escape(
            &obs.files
                .iter()
                .map(|f| f.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        c.stages.len(),
        min_ess,
        obs.skipped.len(),
    );
    progress_table(h, scn, targets);
    figures_table(h, scn, obs, c);
    h.push_str("</section>\n");
}

/// The targets whose period has published years: achieved, remaining and pace.
fn progress_table(h: &mut String, scn: &Scenario, targets: &[TargetResult]) {
    let progress: Vec<(&TargetResult, &crate::stats::Progress)> = targets
        .iter()
        .filter_map(|r| r.progress.as_ref().map(|p| (r, p)))
        .collect();
    if !progress.is_empty() {
        h.push_str(
            "<h3><span lang=\"zh-CN\">进行中的目标</span> <span class=\"en\">Targets in progress</span></h3>\n<div class=\"scroll\"><table class=\"targets\">\n<thead><tr><th>P(met)</th>\
<th>Region and indicator</th><th>Target</th><th>Published years</th><th>Achieved</th>\
<th>Remaining</th><th>Pace so far</th><th>Required pace (还需年均)</th></tr></thead>\n<tbody>\n",
        );
        for (r, p) in progress {
            let t = &scn.targets[r.target];
            let opt = |v: Option<f64>| v.map_or_else(|| "—".to_string(), num);
            let _ = writeln!(
                h,
                "<tr><td class=\"num {cls}\"><b>{pm:.3}</b></td><td>{region}<br>{ind}</td>\
<td class=\"req\">{req}</td><td>{years}</td><td class=\"num\">{a}</td><td class=\"num\">{rem}</td>\
<td class=\"num\">{so_far}</td><td class=\"num\">{need}</td></tr>",
                cls = risk_class(r.p_met),
                pm = r.p_met,
                region = region_html(scn, t.region),
                ind = indicator_html(t.indicator),
                req = escape(&requirement(t)),
                years = p
                    .observed_years
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                a = num(p.achieved),
                rem = opt(p.remaining),
                so_far = num(p.pace_so_far),
                need = opt(p.required_pace),
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
}

/// Every published figure the run was conditioned on, what the model expected of it and
/// what the fit makes of it.
fn figures_table(
    h: &mut String,
    scn: &Scenario,
    obs: &crate::scenario::observed::Observations,
    c: &crate::engine::Conditioning,
) {
    h.push_str(
        "<h3><span lang=\"zh-CN\">已公布数据</span> <span class=\"en\">Published figures</span></h3>\n<p class=\"note\">Expected: what the unconditioned model \
expected (5–95 %) and the share of its paths at or below the figure (PIT); fitted: the \
conditioned model's value; an outlier probability above 0.5 marks a figure the rest cannot \
explain (a coverage break, a misprint, or a model that is wrong there).</p>\n\
<div class=\"scroll\"><table class=\"targets\">\n<thead><tr><th>Region and indicator</th><th>Year</th>\
<th>Published</th><th>Expected [5–95 %]</th><th>PIT</th><th>Fitted</th><th>P(outlier)</th>\
<th>Source</th></tr></thead>\n<tbody>\n",
    );
    for (pt, f) in obs.points.iter().zip(&c.figures) {
        let flag = if f.p_outlier > 0.5 { " risk-high" } else { "" };
        let _ = writeln!(
            h,
            "<tr><td>{region}<br>{ind}</td><td>{year}</td><td class=\"num\">{v} \
<span class=\"small\">{status}</span></td><td class=\"num\">{e50} <span class=\"small\">[{e05}, {e95}]</span></td>\
<td class=\"num\">{pit:.2}</td><td class=\"num\">{f50}</td><td class=\"num{flag}\">{po:.2}</td><td class=\"small\">{src}</td></tr>",
            region = region_html(scn, pt.region),
            ind = indicator_html(pt.indicator),
            year = pt.year,
            v = num(pt.value),
            status = pt.quality.key(),
            e05 = num(f.expected[0]),
            e50 = num(f.expected[1]),
            e95 = num(f.expected[2]),
            pit = f.pit,
            f50 = num(f.fitted[1]),
            po = f.p_outlier,
            src = escape(&pt.source),
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
}

/// The sentence of the targets' note on the target-setting levels, if any are reported.
fn levels_note(targets: &[TargetResult]) -> String {
    let Some(r) = targets.iter().find(|r| !r.levels.is_empty()) else {
        return String::new();
    };
    let probs: Vec<String> = r.levels.iter().map(|(p, _)| p.to_string()).collect();
    format!(
        " Below it, “met w.p. {}” gives the levels the target would be met at with these \
probabilities (a floor reached, a cap kept; quantiles of the outcome across paths): a \
property of the model's distribution, not a recommendation; none for a 左右 target.",
        probs.join(" / ")
    )
}

/// The target-setting levels of a result as a small line of its outcome cell, or nothing
/// (none requested, or a `level_about` target).
fn levels_html(r: &TargetResult) -> String {
    let probs: Vec<String> = r.levels.iter().map(|(p, _)| p.to_string()).collect();
    let Some(levels) = r
        .levels
        .iter()
        .map(|(_, l)| l.map(num))
        .collect::<Option<Vec<String>>>()
        .filter(|v| !v.is_empty())
    else {
        return String::new();
    };
    format!(
        "<br><span class=\"small\">met w.p. {}: {}</span>",
        probs.join(" / "),
        levels.join(" / ")
    )
}

/// One sentence on how many targets are at risk, naming the riskiest.
fn headline(h: &mut String, scn: &Scenario, targets: &[TargetResult]) {
    let Some(worst) = targets
        .iter()
        .min_by(|a, b| a.p_met.total_cmp(&b.p_met).then(a.target.cmp(&b.target)))
    else {
        return;
    };
    let Some(t) = scn.targets.get(worst.target) else {
        return;
    };
    let below = |x: f64| targets.iter().filter(|r| r.p_met < x).count();
    let _ = writeln!(
        h,
        "<p class=\"headline\">{} targets: {} with P(met) below 0.5, {} below 0.8. Riskiest: \
{} {} {}, P(met) {:.3}.</p>",
        targets.len(),
        below(0.5),
        below(0.8),
        region_html(scn, t.region),
        indicator_html(t.indicator),
        escape(&requirement(t)),
        worst.p_met
    );
}

/// A chart linked from the page (`<a>` to the full-size file, `<img>` at page width).
pub(crate) fn figure(h: &mut String, c: &ChartImage, caption: &str) {
    let size = c
        .size
        .map(|(w, hh)| format!(" width=\"{w}\" height=\"{hh}\""))
        .unwrap_or_default();
    let href = escape(&c.href);
    let _ = writeln!(
        h,
        "<figure><a href=\"{href}\"><img src=\"{href}\"{size} loading=\"lazy\" alt=\"{}\"></a>\
<figcaption>{} <span class=\"src\">· {href}</span></figcaption></figure>",
        escape(caption),
        escape(caption),
    );
}

fn charts_section(h: &mut String, scn: &Scenario, g: &Groups) {
    if g.regions.is_empty() && g.other.is_empty() {
        return;
    }
    h.push_str("<section>\n");
    h.push_str(&h2("charts", "分地区图表", "Charts by region"));
    h.push_str(
        "<p class=\"note\">Yearly charts: bands hold 5–95 % and 25–75 % of paths, the line is \
the median, grey marks are the plans' 2016–2020 figures and the red dashed line the target (a \
five-year total shown pro rata per year). Running-total charts compare the cumulative sum with \
the glide path 时间过半、任务过半. Each chart opens full size; the files are in <code>charts/</code> \
beside this page.</p>\n",
    );
    for (ri, charts) in &g.regions {
        let _ = writeln!(
            h,
            "<h3 id=\"region-{}\">{}</h3>\n<div class=\"grid\">",
            escape(&crate::report::png::run::slug(&scn.regions[*ri].id)),
            region_html(scn, *ri)
        );
        for (c, caption) in charts {
            figure(h, c, caption);
        }
        h.push_str("</div>\n");
    }
    if !g.other.is_empty() {
        h.push_str(&h3("other-charts", "其他图表", "Other charts"));
        h.push_str("<div class=\"grid\">\n");
        for (c, caption) in &g.other {
            figure(h, c, caption);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
}

/// The yearly projection: per region and indicator, the median and the 5–95 % band of each
/// year (annual values; a flow's five-year total is in the targets table).
fn projection_section(h: &mut String, scn: &Scenario, summaries: &[SeriesSummary]) {
    if summaries.is_empty() {
        return;
    }
    let years = scn.years();
    h.push_str("<section>\n");
    h.push_str(&h2("projection", "逐年预测", "Yearly projection"));
    h.push_str(
        "<p class=\"note\">Each cell: the median of the simulated paths and, below it, the range \
holding 90 % of them (5–95 %), per year. Flows are yearly amounts (万人 per year), rates and \
stocks the level in the year. All quantiles, cumulative totals included, are in \
<code>quantiles.csv</code>. On a phone the table scrolls sideways inside its box.</p>\n",
    );
    // The annual summaries by (series, year): one pass, not a search per cell.
    let annual: std::collections::HashMap<(usize, i32), &SeriesSummary> = summaries
        .iter()
        .filter(|s| s.measure == Measure::Annual)
        .map(|s| ((s.series, s.year), s))
        .collect();
    for ind in Indicator::ALL {
        let rows: Vec<(usize, &crate::scenario::SeriesKey)> = scn
            .series
            .iter()
            .enumerate()
            .filter(|(_, s)| s.indicator == ind)
            .collect();
        if rows.is_empty() {
            continue;
        }
        h.push_str(&h3(
            &format!("projection-{}", ind.key()),
            ind.name_zh(),
            &format!("{} ({})", ind.name_en(), wording::unit_short(ind)),
        ));
        h.push_str("<div class=\"scroll\"><table class=\"proj\">\n<thead><tr><th>地区 Region</th>");
        for y in &years {
            let _ = write!(h, "<th class=\"num\">{y}</th>");
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for (si, key) in rows {
            let _ = write!(
                h,
                "<tr><th scope=\"row\">{}</th>",
                region_html(scn, key.region)
            );
            for y in &years {
                match annual.get(&(si, *y)) {
                    Some(s) => {
                        let _ = write!(
                            h,
                            "<td class=\"num\">{}<br><span class=\"small\">{}–{}</span></td>",
                            num(s.q[3]),
                            num(s.q[0]),
                            num(s.q[6])
                        );
                    }
                    None => h.push_str("<td class=\"num\">—</td>"),
                }
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
    h.push_str("</section>\n");
}

/// The documents the scenario quotes, by title (`[sources]`), each with the id its quotes use.
fn sources_section(h: &mut String, scn: &Scenario) {
    sources_list(h, &scn.sources.iter().collect::<Vec<_>>());
}

/// The `资料来源 Sources` section: each document's title, issuer, year, note and id (the
/// target of the links [`source_html`] makes); nothing when `sources` is empty.
pub(crate) fn sources_list(h: &mut String, sources: &[&crate::scenario::Source]) {
    if sources.is_empty() {
        return;
    }
    h.push_str("<section>\n");
    h.push_str(&h2("sources", "资料来源", "Sources"));
    h.push_str("<ol class=\"sources\">\n");
    for s in sources {
        let mut line = format!(
            "<li id=\"source-{}\"><span lang=\"zh-CN\">《{}》</span>",
            escape(&url_part(&s.id)),
            escape(s.title.as_deref().unwrap_or(&s.id))
        );
        if let Some(i) = &s.issuer {
            let _ = write!(line, ", <span lang=\"zh-CN\">{}</span>", escape(i));
        }
        if let Some(n) = &s.number {
            let _ = write!(line, ", <span lang=\"zh-CN\">{}</span>", escape(n));
        }
        match (&s.date, s.year) {
            (Some(d), _) => {
                let _ = write!(line, ", {}", escape(d));
            }
            (None, Some(y)) => {
                let _ = write!(line, ", {y}");
            }
            (None, None) => {}
        }
        if let Some(n) = &s.note {
            let _ = write!(line, ". <span class=\"small\">{}</span>", escape(n));
        }
        let _ = writeln!(line, " <code class=\"small\">{}</code></li>", escape(&s.id));
        h.push_str(&line);
    }
    h.push_str("</ol>\n</section>\n");
}

fn assumptions_section(h: &mut String, scn: &Scenario) {
    let n_plan = scn
        .params
        .iter()
        .filter(|p| matches!(p.provenance, Provenance::Plan { .. }))
        .count();
    let _ = write!(
        h,
        "<section>\n{}<p class=\"note\">\
Every number the model uses, with where it comes from: <span class=\"basis plan\">plan</span> \
values quote the plan; <span class=\"basis assumption\">assumption</span> values give the \
rationale. {} parameters: {n_plan} from plans, {} assumptions. A parameter with a spread is \
drawn once per path (parameter uncertainty); a default declared once and inherited by several \
regions is listed once, with the regions that draw it.</p>\n",
        h2("assumptions", "假设与依据", "Assumptions and their sources"),
        scn.params.len(),
        scn.params.len() - n_plan
    );
    growth_table(h, scn);
    shocks_table(h, scn);
    levers_table(h, scn);
    parameters_table(h, scn);
    h.push_str("</section>\n");
}

/// The growth path, the correlation of its noise and the rate weights.
fn growth_table(h: &mut String, scn: &Scenario) {
    let path: Vec<String> = scn
        .years()
        .iter()
        .zip(&scn.growth.path)
        .map(|(y, v)| format!("{y}: {v} %"))
        .collect();
    let _ = write!(
        h,
        "<h3><span lang=\"zh-CN\">增长路径与相关性</span> <span class=\"en\">Growth path and correlation</span></h3>\n<div class=\"scroll\"><table class=\"params\">\n<thead><tr><th>What</th>\
<th>Value</th><th>Basis</th><th>Quote or rationale</th></tr></thead>\n<tbody>\n\
<tr><td>growth path</td><td>{}</td><td>{}</td><td>{}</td></tr>\n\
<tr><td>correlation of growth surprises across regions</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape(&path.join(", ")),
        basis_html(&scn.growth.path_provenance),
        provenance_html(scn, &scn.growth.path_provenance),
        escape(&correlation_label(scn)),
        basis_html(&scn.correlation.provenance),
        provenance_html(scn, &scn.correlation.provenance),
    );
    for (ri, r) in scn.regions.iter().enumerate() {
        if let (Some(w), Some(p)) = (r.rate_weight, &r.rate_weight_provenance) {
            let _ = writeln!(
                h,
                "<tr><td>{}: weight in the parent's unemployment rate</td><td class=\"num\">{w}</td>\
<td>{}</td><td>{}</td></tr>",
                region_html(scn, ri),
                basis_html(p),
                provenance_html(scn, p)
            );
        }
    }
    h.push_str("</tbody>\n</table></div>\n");
}

/// The shocks, when and how large.
fn shocks_table(h: &mut String, scn: &Scenario) {
    if !scn.shocks.is_empty() {
        h.push_str(
            "<h3><span lang=\"zh-CN\">冲击</span> <span class=\"en\">Shocks</span></h3>\n<div class=\"scroll\"><table class=\"params\">\n<thead><tr><th>Shock</th><th>When and how large</th>\
<th>Basis</th><th>Quote or rationale</th></tr></thead>\n<tbody>\n",
        );
        for s in &scn.shocks {
            let regions: Vec<&str> = s
                .leaves
                .iter()
                .filter_map(|&l| scn.leaves.get(l).map(|&ri| scn.regions[ri].id.as_str()))
                .collect();
            let mut what = format!(
                "from {}, probability {}; growth {} points per year",
                s.year,
                s.probability,
                fmt_list(&s.growth)
            );
            for (ind, size) in &s.effects {
                let _ = write!(what, "; {}: {}", ind.key(), fmt_list(size));
            }
            if let Some(slot) = s.scale {
                let _ = write!(what, "; scaled by {}", scn.params[slot].dist.describe());
            }
            let _ = write!(what, "; regions: {}", regions.join(", "));
            let _ = writeln!(
                h,
                "<tr><td><b>{}</b><br>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&s.name),
                escape(&s.description),
                escape(&what),
                basis_html(&s.provenance),
                provenance_html(scn, &s.provenance)
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
}

/// The policy levers and their effects.
fn levers_table(h: &mut String, scn: &Scenario) {
    if !scn.levers.is_empty() {
        h.push_str(
            "<h3><span lang=\"zh-CN\">政策措施</span> <span class=\"en\">Policy levers</span></h3>\n<div class=\"scroll\"><table class=\"params\">\n<thead><tr><th>Lever</th><th>Effect</th>\
<th>Basis</th><th>Quote or rationale</th></tr></thead>\n<tbody>\n",
        );
        for l in &scn.levers {
            let p = &scn.params[l.effect];
            let regions: Vec<&str> = l
                .leaves
                .iter()
                .filter_map(|&x| scn.leaves.get(x).map(|&ri| scn.regions[ri].id.as_str()))
                .collect();
            let what = format!(
                "{} from {}, full after {} years: {}; regions: {}",
                l.indicator.key(),
                l.start_year,
                l.ramp_years,
                p.dist.describe(),
                regions.join(", ")
            );
            let _ = writeln!(
                h,
                "<tr><td><b>{}</b><br>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&l.name),
                escape(&l.description),
                escape(&what),
                basis_html(&p.provenance),
                provenance_html(scn, &p.provenance)
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
}

/// Every parameter declaration once, with the regions that use it.
fn parameters_table(h: &mut String, scn: &Scenario) {
    h.push_str(
        "<h3><span lang=\"zh-CN\">参数</span> <span class=\"en\">Parameters</span></h3>\n<div class=\"scroll\"><table class=\"params\">\n<thead><tr><th>Parameter</th>\
<th>Distribution</th><th>Mean</th><th>Basis</th><th>Quote or rationale</th></tr></thead>\n<tbody>\n",
    );
    for group in param_groups(scn) {
        let p = group[0];
        let mut name = format!("<code>{}</code>", escape(&p.origin));
        if group.len() > 1 || p.name != p.origin {
            let members: Vec<String> = group.iter().map(|q| member_label(&q.name)).collect();
            let full: Vec<&str> = group.iter().map(|q| q.name.as_str()).collect();
            let how = if p.dist.is_fixed() {
                "used by"
            } else {
                "drawn separately for"
            };
            let _ = write!(
                name,
                "<br><span class=\"small\" title=\"{}\">{how}: {}</span>",
                escape(&full.join("\n")),
                escape(&members.join(", "))
            );
        }
        let _ = writeln!(
            h,
            "<tr><td>{name}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.dist.describe()),
            escape(&trim_num(p.dist.mean())),
            basis_html(&p.provenance),
            provenance_html(scn, &p.provenance)
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
}

/// Parameters declared once and inherited by several regions (same origin, distribution
/// and provenance), in order of first appearance.
fn param_groups(scn: &Scenario) -> Vec<Vec<&Param>> {
    let mut groups: Vec<Vec<&Param>> = Vec::new();
    for p in &scn.params {
        match groups.iter_mut().find(|g| {
            g[0].origin == p.origin && g[0].dist == p.dist && g[0].provenance == p.provenance
        }) {
            Some(g) => g.push(p),
            None => groups.push(vec![p]),
        }
    }
    groups
}

/// `regions.kaifeng.params.urban_new_jobs.trend` → `kaifeng`; other names in full.
fn member_label(name: &str) -> String {
    match name
        .strip_prefix("regions.")
        .and_then(|r| r.split_once('.'))
    {
        Some((region, _)) => region.to_string(),
        None => name.to_string(),
    }
}

fn correlation_label(scn: &Scenario) -> String {
    let c = &scn.correlation;
    let n = c.n_leaves();
    if n < 2 {
        return "one simulated region".into();
    }
    if let CorrelationStructure::Factor {
        common,
        within_parent,
        ..
    } = &c.structure
    {
        return match within_parent {
            Some(w) => format!(
                "{} between simulated regions with the same parent, {} between any other two of the {n}",
                trim_num(*w),
                trim_num(*common)
            ),
            None => format!(
                "{} between every pair of the {n} simulated regions",
                trim_num(*common)
            ),
        };
    }
    let off: Vec<f64> = (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| c.get(i, j))
        .collect();
    let lo = off.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = off.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if (hi - lo).abs() < 1e-12 {
        format!(
            "{} between every pair of the {n} simulated regions",
            trim_num(lo)
        )
    } else {
        format!(
            "{} to {} between the {n} simulated regions",
            trim_num(lo),
            trim_num(hi)
        )
    }
}

fn fmt_list(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| trim_num(*x)).collect();
    format!("[{}]", items.join(", "))
}

/// Up to 4 decimals, without trailing zeros.
fn trim_num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn baselines_section(h: &mut String, scn: &Scenario) {
    let _ = write!(
        h,
        "<section>\n{}<p class=\"note\">The \
figures each region's projection is anchored on. A five-year total is shown with its yearly \
average.</p>\n<div class=\"scroll\"><table class=\"baselines\">\n<thead><tr><th>Region</th><th>Indicator</th>\
<th>Period</th><th>Value</th><th>Basis</th><th>Quote or rationale</th></tr></thead>\n<tbody>\n",
        h2("baselines", "规划基数", "Baselines from the plans")
    );
    for (ri, r) in scn.regions.iter().enumerate() {
        for b in &r.baselines {
            let period = if b.first_year == b.last_year {
                b.first_year.to_string()
            } else {
                format!("{}–{}", b.first_year, b.last_year)
            };
            let years = f64::from(b.last_year - b.first_year + 1);
            let value = match b.kind {
                BaselineKind::Cumulative => format!(
                    "{}{} total<br><span class=\"small\">{:.2} per year</span>",
                    trim_num(b.value),
                    escape(&unit(b.indicator)),
                    b.value / years
                ),
                BaselineKind::Annual => {
                    format!(
                        "{}{} in the year",
                        trim_num(b.value),
                        escape(&unit(b.indicator))
                    )
                }
                BaselineKind::Level => {
                    format!("{}{}", trim_num(b.value), escape(&unit(b.indicator)))
                }
            };
            let mut prov = provenance_html(scn, &b.provenance);
            if let Some(n) = &b.note {
                let _ = write!(prov, "<br><span class=\"small\">Note: {}</span>", escape(n));
            }
            if let Some(y) = &b.single_year {
                let _ = write!(
                    prov,
                    "<br><span class=\"small\">Also {}: {}{} — </span>{}",
                    y.year,
                    trim_num(y.value),
                    escape(&unit(b.indicator)),
                    provenance_html(scn, &y.provenance)
                );
            }
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{period}</td><td class=\"num\">{value}</td><td>{}</td><td>{prov}</td></tr>",
                region_html(scn, ri),
                indicator_html(b.indicator),
                basis_html(&b.provenance),
            );
        }
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_test_vectors() {
        // RFC 4648 §10.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), encoded, "{plain:?}");
        }
        // Every sextet value, including + and / at the end of the alphabet.
        assert_eq!(base64_encode(&[0xfb, 0xff, 0xbf]), "+/+/");
        assert_eq!(base64_encode(&[0, 0x10, 0x83]), "ABCD");
    }

    #[test]
    fn escaping_covers_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(
            escape("城镇新增就业 33 万人以上"),
            "城镇新增就业 33 万人以上"
        );
        assert_eq!(
            escape("&amp;"),
            "&amp;amp;",
            "escaping is not idempotent by design"
        );
    }

    #[test]
    fn png_size_reads_ihdr_and_rejects_other_files() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(1200u32.to_be_bytes());
        png.extend(800u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((1200, 800)));
        assert_eq!(png_size(b"GIF89a not a png at all"), None);
        assert_eq!(png_size(&png[..20]), None);
    }

    #[test]
    fn trimmed_numbers() {
        assert_eq!(trim_num(6.0), "6");
        assert_eq!(trim_num(0.125), "0.125");
        assert_eq!(trim_num(-0.00001), "0");
        assert_eq!(trim_num(39.67), "39.67");
    }
}
