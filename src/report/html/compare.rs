//! `report.html` of `empsim compare`: the scenarios side by side — every target's P(met) in
//! each scenario with its difference from the first (paired standard error), then the
//! comparison charts, linked from `charts/`.

use super::{ChartImage, escape, figure, h2, nav_item, num, page, target_quote_html};
use crate::analysis::compare::{CompareRow, ScenarioRun};
use crate::error::Result;
use crate::outdir::io_err;
use crate::report::wording;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a comparison's report shows.
#[derive(Debug, Clone, Copy)]
pub struct CompareReport<'a> {
    pub runs: &'a [ScenarioRun],
    pub rows: &'a [CompareRow],
    pub years: &'a [i32],
    pub paths: usize,
    pub seed: u64,
    /// The chart files (inside the folder) with their titles.
    pub charts: &'a [(PathBuf, String)],
}

/// Writes `dir/report.html` for a comparison; returns its path.
///
/// # Errors
/// [`crate::Error::Output`] if a chart is not a readable PNG or the file cannot be written.
pub fn write(dir: &Path, r: &CompareReport) -> Result<PathBuf> {
    let charts = r
        .charts
        .iter()
        .map(|(p, title)| ChartImage::from_file(dir, p).map(|c| (c, title.clone())))
        .collect::<Result<Vec<_>>>()?;
    let downloads = super::downloads(dir);
    let path = dir.join(super::REPORT_FILE);
    std::fs::write(&path, html(r, &charts, &downloads)).map_err(|e| io_err(&path, e))?;
    Ok(path)
}

fn html(r: &CompareReport, charts: &[(ChartImage, String)], downloads: &[String]) -> String {
    let names: Vec<&str> = r.runs.iter().map(|x| x.scenario.name.as_str()).collect();
    let mut h = String::with_capacity(100_000);
    header(&mut h, r, &names, downloads);
    contents(&mut h, r, charts);
    p_met_table(&mut h, r, &names);
    charts_section(&mut h, charts);
    sources(&mut h, r);
    let _ = writeln!(
        h,
        "<footer><p>Written by empsim {} with seed {} and {} paths. The same command gives the \
same report, byte for byte. 同一命令、同一种子，报告逐字节相同。</p></footer>",
        env!("CARGO_PKG_VERSION"),
        r.seed,
        r.paths
    );
    page::page(
        &format!("{} — empsim 情景比较 comparison", names.join(" vs ")),
        &h,
    )
}

/// The title, the scenarios and settings, and the links to the tables.
fn header(h: &mut String, r: &CompareReport, names: &[&str], downloads: &[String]) {
    let _ = writeln!(
        h,
        "<header>\n<p class=\"kicker\"><span lang=\"zh-CN\">empsim 情景比较</span> · scenario comparison</p>\n\
<h1>{}</h1>",
        escape(&names.join(" · "))
    );
    h.push_str("<table class=\"settings\">\n");
    for (i, run) in r.runs.iter().enumerate() {
        let role = if i == 0 {
            "基准 Baseline of the differences"
        } else {
            "情景 Scenario"
        };
        let files: Vec<String> = run
            .scenario
            .files
            .iter()
            .map(|f| format!("<code>{}</code>", escape(&f.path.display().to_string())))
            .collect();
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{role}</th><td><b>{}</b> — {}<br>{}</td></tr>",
            escape(&run.scenario.name),
            escape(&run.scenario.description),
            files.join(" ")
        );
    }
    let _ = writeln!(
        h,
        "<tr><th scope=\"row\">模拟 Monte Carlo</th><td>{} paths, seed {}, the same paths for every \
scenario (common random numbers), years {}–{}</td></tr>\n</table>",
        r.paths,
        r.seed,
        r.years.first().copied().unwrap_or_default(),
        r.years.last().copied().unwrap_or_default(),
    );
    super::downloads_html(h, downloads);
    h.push_str("</header>\n");
}

/// The contents: the table, the charts if any, the sources if any.
fn contents(h: &mut String, r: &CompareReport, charts: &[(ChartImage, String)]) {
    h.push_str("<nav>\n<p><b><span lang=\"zh-CN\">目录</span> Contents</b></p>\n<ul>\n");
    let _ = writeln!(
        h,
        "<li>{}</li>",
        nav_item(
            "p-met",
            "目标达成概率比较",
            "Probability of meeting each target"
        )
    );
    if !charts.is_empty() {
        let _ = writeln!(
            h,
            "<li>{}</li>",
            nav_item("charts", "情景对比图", "Charts by region and indicator")
        );
    }
    if r.runs.iter().any(|x| !x.scenario.sources.is_empty()) {
        let _ = writeln!(h, "<li>{}</li>", nav_item("sources", "资料来源", "Sources"));
    }
    h.push_str("</ul>\n</nav>\n");
}

/// Every comparison chart, in a grid.
fn charts_section(h: &mut String, charts: &[(ChartImage, String)]) {
    if !charts.is_empty() {
        h.push_str("<section>\n");
        h.push_str(&h2(
            "charts",
            "情景对比图",
            "Charts by region and indicator",
        ));
        h.push_str(
            "<p class=\"note\">Each scenario's median and 5–95 % band in its own colour, the \
plans' history and the target; each chart opens full size (files in <code>charts/</code>).</p>\n\
<div class=\"grid\">\n",
        );
        for (c, title) in charts {
            figure(h, c, title);
        }
        h.push_str("</div>\n</section>\n");
    }
}

/// The documents every scenario quotes, each once.
fn sources(h: &mut String, r: &CompareReport) {
    let mut sources: Vec<&crate::scenario::Source> = Vec::new();
    for run in r.runs {
        for s in &run.scenario.sources {
            if !sources.iter().any(|x| x.id == s.id) {
                sources.push(s);
            }
        }
    }
    super::sources_list(h, &sources);
}

/// One row per target (order of first appearance), one column per scenario: P(met) ± se
/// and, after the first, the difference from the first ± its paired standard error.
fn p_met_table(h: &mut String, r: &CompareReport, names: &[&str]) {
    h.push_str("<section>\n");
    h.push_str(&h2(
        "p-met",
        "目标达成概率比较",
        "Probability of meeting each target",
    ));
    let _ = writeln!(
        h,
        "<p class=\"note\">P(met) ± its Monte Carlo standard error in each scenario; Δ is the \
difference from <b>{}</b> ± its standard error, paired path by path (the scenarios share their \
random numbers, so small differences are measured precisely). — : the scenario lacks the \
target; * : it defines the target differently from the first scenario that has it.</p>",
        escape(names.first().copied().unwrap_or_default())
    );
    h.push_str(
        "<div class=\"scroll\"><table class=\"compare cards\">\n<thead><tr><th>目标 Target</th>",
    );
    for (i, n) in names.iter().enumerate() {
        let _ = write!(h, "<th class=\"num\">{}", escape(n));
        if i > 0 {
            h.push_str(" <span class=\"small\">Δ</span>");
        }
        h.push_str("</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let mut ids: Vec<&str> = Vec::new();
    for row in r.rows {
        if !ids.contains(&row.target_id.as_str()) {
            ids.push(&row.target_id);
        }
    }
    for id in ids {
        let rows: Vec<&CompareRow> = r.rows.iter().filter(|x| x.target_id == id).collect();
        let Some(first) = rows.iter().find(|x| x.p_met.is_some()).or(rows.first()) else {
            continue;
        };
        let (label, quote) = target_label(r, first);
        let _ = write!(
            h,
            "<tr><td data-label=\"目标 Target\">{label}<br><code class=\"small\">{}</code>{quote}</td>",
            escape(id)
        );
        for (i, n) in names.iter().enumerate() {
            let cell = rows.iter().find(|x| x.scenario == *n);
            let mut text = match cell.and_then(|c| Some((c.p_met?, c.p_met_se?, c))) {
                Some((p, se, c)) => {
                    let pm = wording::p_met_text(p, se, c.p_met_interval.unwrap_or((p, p)));
                    match pm.split_once(' ') {
                        Some((head, rest)) => format!("<b>{}</b> {}", escape(head), escape(rest)),
                        None => format!("<b>{}</b>", escape(&pm)),
                    }
                }
                None => "—".into(),
            };
            if cell.is_some_and(|c| c.redefined) {
                text.push_str(" *");
            }
            if i > 0
                && let Some((d, se)) = cell.and_then(|c| c.diff.zip(c.diff_se))
            {
                let _ = write!(text, "<br><span class=\"small\">Δ {d:+.3} ± {se:.3}</span>");
            }
            let _ = write!(
                h,
                "<td class=\"num\" data-label=\"{}\">{text}</td>",
                escape(n)
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// A target's region, indicator and requirement as the first scenario defining it has them,
/// and its plan quote by source title.
fn target_label(r: &CompareReport, row: &CompareRow) -> (String, String) {
    let found = r.runs.iter().find_map(|run| {
        let s = &run.scenario;
        s.targets
            .iter()
            .find(|t| t.id == row.target_id)
            .map(|t| (s, t))
    });
    match found {
        Some((s, t)) => {
            let region = &s.regions[t.region];
            (
                format!(
                    "<span lang=\"zh-CN\">{} {}</span> {} · {}<br>{}",
                    escape(&region.name_zh),
                    escape(t.indicator.name_zh()),
                    escape(&region.name_en),
                    escape(t.indicator.name_en()),
                    escape(&wording::requirement(t))
                ),
                format!("<br>{}", target_quote_html(s, t)),
            )
        }
        None => (
            format!(
                "{} {} {}",
                escape(&row.region),
                escape(row.indicator.key()),
                num(row.target_value)
            ),
            String::new(),
        ),
    }
}
