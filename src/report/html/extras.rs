//! The results other commands keep in a run's folder — `empsim sens` in
//! `sensitivity/<method>/`, `empsim discover` in `discover/<target>/`, `empsim backtest` in
//! `backtest/` — read back from their CSV files for the run's report: a key table and the
//! charts of each.

use super::{ChartImage, escape, h2, h3, nav_item};
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How many factors per metric the report lists (all are in `indices.csv`).
const TOP_FACTORS: usize = 5;

/// One CSV file: its header and rows.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Option<Csv> {
        let mut r = csv::Reader::from_path(path).ok()?;
        let header = r.headers().ok()?.iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|rec| rec.map(|r| r.iter().map(str::to_string).collect()))
            .collect::<Result<Vec<Vec<String>>, _>>()
            .ok()?;
        Some(Csv { header, rows })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// A sensitivity study kept in `sensitivity/<method>/`.
struct Sens {
    method: String,
    indices: Csv,
    charts: Vec<ChartImage>,
}

/// A scenario discovery kept in `discover/<target>/`: the chosen box and its step.
struct Discovery {
    target: String,
    boxes: Csv,
    /// The chosen step's row of `trajectory.csv`, if any.
    chosen: Option<Vec<String>>,
    trajectory_header: Vec<String>,
    charts: Vec<ChartImage>,
}

/// A backtest kept in `backtest/`.
struct Backtest {
    summary: Csv,
    charts: Vec<ChartImage>,
}

/// What the run's folder holds besides the run's own outputs.
#[derive(Default)]
pub(super) struct Extras {
    sens: Vec<Sens>,
    discover: Vec<Discovery>,
    backtest: Option<Backtest>,
}

/// The subfolders of `dir`, sorted by name.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The PNG files directly in `dir`, sorted by name, linked relative to `base`.
fn charts_in(base: &Path, dir: &Path) -> Vec<ChartImage> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "png") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|p| ChartImage::from_file(base, p).ok())
        .collect()
}

impl Extras {
    /// Reads `sensitivity/*/indices.csv` and `backtest/backtest-summary.csv` under `run_dir`
    /// (in name order); anything missing or unreadable is left out.
    pub(super) fn read(run_dir: Option<&Path>) -> Extras {
        let Some(base) = run_dir else {
            return Extras::default();
        };
        let mut sens = Vec::new();
        for dir in subfolders(&base.join("sensitivity")) {
            if let Some(indices) = Csv::read(&dir.join("indices.csv")) {
                sens.push(Sens {
                    method: dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    indices,
                    charts: charts_in(base, &dir),
                });
            }
        }
        let bt = base.join("backtest");
        let backtest = Csv::read(&bt.join("backtest-summary.csv")).map(|summary| Backtest {
            summary,
            charts: charts_in(base, &bt.join("charts")),
        });
        let mut discover = Vec::new();
        for dir in subfolders(&base.join("discover")) {
            let (Some(boxes), Some(trajectory)) = (
                Csv::read(&dir.join("box.csv")),
                Csv::read(&dir.join("trajectory.csv")),
            ) else {
                continue;
            };
            let chosen = trajectory.col("chosen").and_then(|c| {
                trajectory
                    .rows
                    .iter()
                    .find(|r| r.get(c).is_some_and(|v| v == "1"))
                    .cloned()
            });
            discover.push(Discovery {
                target: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                boxes,
                chosen,
                trajectory_header: trajectory.header,
                charts: charts_in(base, &dir),
            });
        }
        Extras {
            sens,
            discover,
            backtest,
        }
    }

    pub(super) fn nav_items(&self) -> Vec<String> {
        let mut v = Vec::new();
        if !self.sens.is_empty() {
            v.push(nav_item(
                "sensitivity",
                "敏感性分析",
                "Sensitivity analysis",
            ));
        }
        if !self.discover.is_empty() {
            v.push(nav_item("discover", "情景发现", "Scenario discovery"));
        }
        if self.backtest.is_some() {
            v.push(nav_item("backtest", "回测", "Backtest"));
        }
        v
    }

    pub(super) fn sections(&self, h: &mut String, _scn: &Scenario) {
        if !self.sens.is_empty() {
            h.push_str("<section>\n");
            h.push_str(&h2("sensitivity", "敏感性分析", "Sensitivity analysis"));
            h.push_str(
                "<p class=\"note\">Results of <code>empsim sens</code> kept in this folder's \
<code>sensitivity/</code> (written separately, with their own paths and seed: see each \
<code>manifest.json</code>). Per metric, the factors that move it most in its final year; every \
factor, year and statistic is in <code>indices.csv</code>.</p>\n",
            );
            for s in &self.sens {
                sens_section(h, s);
            }
            h.push_str("</section>\n");
        }
        if !self.discover.is_empty() {
            h.push_str("<section>\n");
            h.push_str(&h2("discover", "情景发现", "Scenario discovery"));
            h.push_str(
                "<p class=\"note\">Results of <code>empsim discover</code> kept in this folder's \
<code>discover/</code> (written separately, with their own paths and seed): per target, the ranges \
of the assumptions in which the paths that miss it concentrate (PRIM), with the quasi-p-value of \
each restriction. Every path's draws: <code>draws.csv</code>; every box of the peeling: \
<code>trajectory.csv</code>.</p>\n",
            );
            for d in &self.discover {
                discover_section(h, d);
            }
            h.push_str("</section>\n");
        }
        if let Some(b) = &self.backtest {
            h.push_str("<section>\n");
            h.push_str(&h2("backtest", "回测", "Backtest"));
            h.push_str(
                "<p class=\"note\">Results of <code>empsim backtest</code> kept in this folder's \
<code>backtest/</code>: how often the observed figures fell inside the projection's 50 % and \
90 % bands (coverage, against the nominal rate), the mean PIT (0.5 when unbiased) and the \
error of the median. Per observation: <code>backtest/backtest.csv</code>.</p>\n",
            );
            backtest_table(h, &b.summary);
            grid(h, &b.charts);
            h.push_str("</section>\n");
        }
    }
}

fn grid(h: &mut String, charts: &[ChartImage]) {
    if charts.is_empty() {
        return;
    }
    h.push_str("<div class=\"grid\">\n");
    for c in charts {
        super::figure(h, c, c.file_name());
    }
    h.push_str("</div>\n");
}

fn discover_section(h: &mut String, d: &Discovery) {
    h.push_str(&h3(
        &format!("discover-{}", super::url_part(&d.target)),
        "目标",
        &format!("Target: {}", d.target),
    ));
    let cell = |row: &[String], name: &str| {
        d.trajectory_header
            .iter()
            .position(|x| x == name)
            .and_then(|i| row.get(i).cloned())
            .unwrap_or_default()
    };
    match &d.chosen {
        Some(r) => {
            let _ = writeln!(
                h,
                "<p>Box of step {}: {} paths, of which {} are cases; coverage {}, density {}.</p>",
                escape(&cell(r, "step")),
                escape(&cell(r, "paths")),
                escape(&cell(r, "cases")),
                escape(&cell(r, "coverage")),
                escape(&cell(r, "density"))
            );
        }
        None => h.push_str("<p>No path is a case: no box.</p>\n"),
    }
    let c = &d.boxes;
    if !c.rows.is_empty() {
        h.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
        for name in &c.header {
            let _ = write!(h, "<th>{}</th>", escape(name));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for r in &c.rows {
            h.push_str("<tr>");
            for v in r {
                let _ = write!(h, "<td>{}</td>", escape(v));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table></div>\n");
    }
    grid(h, &d.charts);
}

/// The statistic that ranks factors for a method, and the ones shown beside it.
fn stats_for(method: &str) -> (&'static str, &'static [&'static str]) {
    match method {
        "oat" => ("swing", &["swing", "y_low", "y_high"]),
        "morris" => ("mu_star", &["mu_star", "sigma"]),
        _ => ("total", &["total", "first_order"]),
    }
}

fn sens_section(h: &mut String, s: &Sens) {
    h.push_str(&h3(
        &format!("sensitivity-{}", super::url_part(&s.method)),
        "方法",
        &format!("Method: {}", s.method),
    ));
    let c = &s.indices;
    let (Some(metric), Some(year), Some(param), Some(stat), Some(est)) = (
        c.col("metric"),
        c.col("year"),
        c.col("parameter"),
        c.col("statistic"),
        c.col("estimate"),
    ) else {
        h.push_str("<p>indices.csv lacks the expected columns.</p>\n");
        return;
    };
    let (lo, hi) = (c.col("ci_low"), c.col("ci_high"));
    let (rank_by, shown) = stats_for(&s.method);
    // metric → (final year, parameter → statistic → cell).
    let mut metrics: Vec<String> = Vec::new();
    let mut last_year: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &c.rows {
        let y: i64 = r[year].parse().unwrap_or(i64::MIN);
        let e = last_year.entry(r[metric].as_str()).or_insert(y);
        *e = (*e).max(y);
        if !metrics.contains(&r[metric]) {
            metrics.push(r[metric].clone());
        }
    }
    let _ = write!(
        h,
        "<div class=\"scroll\"><table class=\"sens cards\">\n<thead><tr><th>指标 Metric</th>\
<th>年份 Year</th><th>影响最大的参数 Factors that move it most ({rank_by}; {})</th></tr></thead>\n<tbody>\n",
        shown[1..].join(", ")
    );
    for m in &metrics {
        let y = last_year[m.as_str()];
        let mut table: Vec<(String, BTreeMap<String, String>, f64)> = Vec::new();
        for r in c
            .rows
            .iter()
            .filter(|r| &r[metric] == m && r[year].parse() == Ok(y))
        {
            let i = match table.iter().position(|(p, ..)| *p == r[param]) {
                Some(i) => i,
                None => {
                    table.push((r[param].clone(), BTreeMap::new(), f64::NEG_INFINITY));
                    table.len() - 1
                }
            };
            let ci = match (lo.map(|i| &r[i]), hi.map(|i| &r[i])) {
                (Some(l), Some(u)) if !l.is_empty() && !u.is_empty() => {
                    format!(" [{}, {}]", escape(l), escape(u))
                }
                _ => String::new(),
            };
            if r[stat] == rank_by {
                table[i].2 = r[est]
                    .parse::<f64>()
                    .map(f64::abs)
                    .unwrap_or(f64::NEG_INFINITY);
            }
            table[i]
                .1
                .insert(r[stat].clone(), format!("{}{ci}", escape(&r[est])));
        }
        table.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        let factors: Vec<String> = table
            .iter()
            .take(TOP_FACTORS)
            .map(|(p, cells, _)| {
                let vals: Vec<&str> = shown
                    .iter()
                    .map(|st| cells.get(*st).map_or("—", String::as_str))
                    .collect();
                format!(
                    "<code>{}</code> <span class=\"nw\">{}</span>",
                    escape(p),
                    vals.join("; ")
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td data-label=\"指标 Metric\"><code>{}</code></td><td data-label=\"年份 Year\">{y}</td>\
<td data-label=\"影响最大的参数 Factors\">{}<br><span class=\"small\">{} of {} factors</span></td></tr>",
            escape(m),
            factors.join("<br>"),
            factors.len(),
            table.len()
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
    grid(h, &s.charts);
}

/// The backtest summary: one row per region and indicator (and the totals), the scored
/// observations, coverage against nominal, PIT and median error.
fn backtest_table(h: &mut String, c: &Csv) {
    const COLS: [(&str, &str); 9] = [
        ("region", "地区 Region"),
        ("indicator", "指标 Indicator"),
        ("n_scored", "scored"),
        ("coverage_50", "50 % coverage"),
        ("nominal_50", "nominal"),
        ("coverage_90", "90 % coverage"),
        ("nominal_90", "nominal"),
        ("mean_pit", "mean PIT"),
        ("mean_abs_median_error_pct", "median error %"),
    ];
    let cols: Vec<(usize, &str)> = COLS
        .iter()
        .filter_map(|(name, label)| c.col(name).map(|i| (i, *label)))
        .collect();
    h.push_str("<div class=\"scroll\"><table class=\"backtest cards\">\n<thead><tr>");
    for (_, label) in &cols {
        let _ = write!(h, "<th>{label}</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for r in &c.rows {
        h.push_str("<tr>");
        for (i, label) in &cols {
            let v = r.get(*i).map_or("", String::as_str);
            let v = if v.is_empty() { "—" } else { v };
            let _ = write!(h, "<td data-label=\"{label}\">{}</td>", escape(v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
}
