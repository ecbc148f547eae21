//! The tornado chart of a one-at-a-time analysis: per factor, a bar from the nominal output to
//! the output with the factor at its low value and one to the output at its high value,
//! factors sorted by swing (largest on top), the nominal output as a vertical line.

use std::path::Path;

use plotters::prelude::*;

use super::super::draw::Sizes;
use super::super::fan::render_rgb;
use super::super::scale;
use super::super::text::{self, line_height};
use super::super::{ChartError, PixelRect, PlotGeometry, RenderedChart, YRange};
use super::{
    COLOR_A, COLOR_B, INK, Key, Linear, PageText, compact_names, count, draw_message, draw_page,
    draw_row_labels, draw_x_axis, fill_rect, fmt_num, page_layout, rows_that_fit, x_axis_height,
};
use crate::sensitivity::OatRow;

/// A tornado chart of the OAT swings of one output.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoChart {
    /// E.g. `"henan-baseline — P(met) 2025: 新乡市 Xinxiang, 新增农村劳动力转移就业 ≥ 10 万"`.
    pub title: String,
    /// A muted line under the title (method, metric key); may be empty.
    pub subtitle: String,
    /// Value-axis title, e.g. `"P(on track) 2025 = P(met)"`.
    pub x_label: String,
    /// The output with every factor at its nominal value.
    pub nominal: f64,
    /// One row per factor (any order; drawn sorted by swing).
    pub rows: Vec<OatRow>,
    /// Legend text of the low-value bars, e.g. `"Factor at its 5 % quantile"`.
    pub low_label: String,
    /// Legend text of the high-value bars.
    pub high_label: String,
    /// Short names of the low and high values under each factor name, e.g. `("5 %", "95 %")`.
    pub value_tags: (String, String),
    /// The natural range of the output (0–1 for a probability): the axis stays inside it.
    pub bounds: Option<(f64, f64)>,
    /// Notes above the footer, one paragraph each.
    pub notes: Vec<String>,
    pub footer: String,
    /// Pixel size (width, height); 1200×800 by default.
    pub size: (u32, u32),
}

impl Default for TornadoChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            subtitle: String::new(),
            x_label: String::new(),
            nominal: f64::NAN,
            rows: Vec::new(),
            low_label: "Factor at its low value".to_owned(),
            high_label: "Factor at its high value".to_owned(),
            value_tags: ("low".to_owned(), "high".to_owned()),
            bounds: None,
            notes: Vec::new(),
            footer: String::new(),
            size: (1200, 800),
        }
    }
}

impl TornadoChart {
    /// The rows drawn as bars, top to bottom: finite outputs that differ from the nominal
    /// one, sorted by decreasing swing (ties: larger distance from nominal, then input order).
    /// (A small image may show only the first ones; a note says how many are left out.)
    pub fn drawn_rows(&self) -> Vec<&OatRow> {
        let mut rows: Vec<&OatRow> = self
            .rows
            .iter()
            .filter(|r| finite(r) && !no_effect(r, self.nominal))
            .collect();
        let reach = |r: &OatRow| {
            if self.nominal.is_finite() {
                (r.y_low - self.nominal)
                    .abs()
                    .max((r.y_high - self.nominal).abs())
            } else {
                0.0
            }
        };
        rows.sort_by(|a, b| {
            swing(b)
                .total_cmp(&swing(a))
                .then(reach(b).total_cmp(&reach(a)))
        });
        rows
    }
}

fn finite(r: &OatRow) -> bool {
    r.y_low.is_finite() && r.y_high.is_finite()
}

fn swing(r: &OatRow) -> f64 {
    (r.y_high - r.y_low).abs()
}

/// Both runs give exactly the nominal output (common random numbers make this exact).
fn no_effect(r: &OatRow, nominal: f64) -> bool {
    r.y_low == r.y_high && (!nominal.is_finite() || r.y_low == nominal)
}

/// Renders `spec` to a PNG file at `path`; see [`render_tornado_rgb`].
///
/// # Errors
/// As [`render_tornado_rgb`], and [`ChartError::Write`] if the file cannot be written.
pub fn render_tornado(spec: &TornadoChart, path: &Path) -> Result<PlotGeometry, ChartError> {
    let img = render_tornado_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// Renders `spec` into memory. The geometry's x is the output value, y the row position (row
/// `i` of [`TornadoChart::drawn_rows`] spans `[i, i + 1]`, see the [module docs](super)).
///
/// # Errors
/// [`ChartError::InvalidSpec`] for an image size outside 200–10000 × 150–10000 pixels.
pub fn render_tornado_rgb(spec: &TornadoChart) -> Result<RenderedChart, ChartError> {
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        let rows = spec.drawn_rows();
        let mut notes = spec.notes.clone();
        let quiet: Vec<&str> = spec
            .rows
            .iter()
            .filter(|r| finite(r) && no_effect(r, spec.nominal))
            .map(|r| r.factor.as_str())
            .collect();
        let broken: Vec<&str> = spec
            .rows
            .iter()
            .filter(|r| !finite(r))
            .map(|r| r.factor.as_str())
            .collect();
        let nominal_ok = spec.nominal.is_finite();
        let mut keys = vec![
            (Key::Bar(COLOR_A), spec.low_label.clone()),
            (Key::Bar(COLOR_B), spec.high_label.clone()),
        ];
        if nominal_ok {
            keys.push((
                Key::Line {
                    color: INK,
                    dashed: false,
                },
                format!("Nominal output {}", fmt_num(spec.nominal)),
            ));
        }
        if !quiet.is_empty() {
            notes.push(format!(
                "No effect (output unchanged at both values): {}.",
                compact_names(&quiet)
            ));
        }
        if !broken.is_empty() {
            notes.push(format!(
                "Not drawn (non-finite output): {}.",
                compact_names(&broken)
            ));
        }
        // How many rows fit depends on the notes, and a note says how many do not fit.
        let plot_h = |notes: &[String]| {
            let t = PageText {
                title: &spec.title,
                subtitle: &spec.subtitle,
                notes,
                footer: &spec.footer,
            };
            let p = page_layout(spec.size, &t, &keys, false, &sz).plot;
            p.bottom - p.top - x_axis_height(&spec.x_label, &sz)
        };
        let mut n_fit = rows_that_fit(rows.len(), plot_h(&notes), min_row_h(&sz));
        if n_fit < rows.len() {
            let more = |n: usize| {
                format!(
                    "{} with smaller swings not shown (see indices.csv).",
                    count(rows.len() - n, "more factor")
                )
            };
            notes.insert(spec.notes.len(), more(n_fit));
            n_fit = rows_that_fit(rows.len(), plot_h(&notes), min_row_h(&sz));
            notes[spec.notes.len()] = more(n_fit);
        }
        let page = draw_page(
            root,
            &PageText {
                title: &spec.title,
                subtitle: &spec.subtitle,
                notes: &notes,
                footer: &spec.footer,
            },
            &keys,
            false,
            &sz,
        )?;
        let rows = &rows[..n_fit];
        let p = page.plot;
        let frame_w = p.right - p.left;
        let names_w = rows
            .iter()
            .map(|r| text::width(&r.factor, sz.tick))
            .max()
            .unwrap_or(0)
            .min((f64::from(frame_w) * 0.4) as i32);
        let plot = PixelRect {
            left: p.left + names_w + 14,
            top: p.top,
            right: p.right - (sz.tick * 1.6) as i32,
            bottom: p.bottom - x_axis_height(&spec.x_label, &sz),
        };
        let row_map = Linear {
            lo: 0.0,
            hi: rows.len().max(1) as f64,
            p0: plot.top,
            p1: plot.bottom,
        };
        let mut values: Vec<f64> = rows.iter().flat_map(|r| [r.y_low, r.y_high]).collect();
        if nominal_ok {
            values.push(spec.nominal);
        }
        let max_ticks = ((plot.right - plot.left) / 90).clamp(3, 10) as usize;
        let axis = value_axis(&values, spec.bounds, max_ticks);
        let geometry = PlotGeometry {
            plot_area: plot,
            x_range: (axis.lo, axis.hi),
            y_range: (row_map.hi, 0.0),
        };
        let x = Linear {
            lo: axis.lo,
            hi: axis.hi,
            p0: plot.left,
            p1: plot.right,
        };
        draw_x_axis(root, &axis, &x, plot, &spec.x_label, &sz)?;
        if rows.is_empty() {
            let msg = if spec.rows.is_empty() {
                "No factors"
            } else if broken.len() == spec.rows.len() {
                "No finite outputs"
            } else {
                "No factor moves this output: every swing is 0"
            };
            draw_message(root, plot, msg, &sz)?;
        }
        let row_h = (row_map.px(1.0) - row_map.px(0.0)).abs();
        let bar_h = ((f64::from(row_h) * 0.6) as i32).clamp(2, 36);
        for (i, r) in rows.iter().enumerate() {
            let cy = row_map.px(i as f64 + 0.5);
            let (y0, y1) = (cy - bar_h / 2, cy - bar_h / 2 + bar_h);
            let base = if nominal_ok {
                spec.nominal
            } else {
                (r.y_low + r.y_high) / 2.0
            };
            let mut bars = [(r.y_low, COLOR_A), (r.y_high, COLOR_B)];
            // The bar reaching further from the base first, so a shorter one on the same side
            // stays visible on top of it.
            bars.sort_by(|a, b| (b.0 - base).abs().total_cmp(&(a.0 - base).abs()));
            for (v, c) in bars {
                let (a, b) = (x.px(base), x.px(v));
                if a != b {
                    fill_rect(root, (a, y0, b, y1), c)?;
                }
            }
        }
        if nominal_ok {
            let nx = x.px(spec.nominal);
            root.draw(&PathElement::new(
                vec![(nx, plot.top), (nx, plot.bottom)],
                ShapeStyle::from(INK).stroke_width(2),
            ))
            .map_err(super::super::draw::draw_err)?;
        }
        let labels: Vec<(String, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r.factor.clone(),
                    Some(format!(
                        "{}: {}   {}: {}   swing {}",
                        spec.value_tags.0,
                        fmt_num(r.low_value),
                        spec.value_tags.1,
                        fmt_num(r.high_value),
                        fmt_num(swing(r))
                    )),
                )
            })
            .collect();
        draw_row_labels(root, &labels, plot.left - 10, names_w, &row_map, &sz)?;
        Ok(vec![geometry])
    })
}

/// The least row height: one line of text (the values under the name need two).
fn min_row_h(sz: &Sizes) -> i32 {
    line_height(sz.tick) + 2
}

/// The value axis of `values`, kept inside `bounds`; `[0, 1]` if nothing is finite.
pub(crate) fn value_axis(
    values: &[f64],
    bounds: Option<(f64, f64)>,
    max_ticks: usize,
) -> scale::ValueAxis {
    let fixed = |lo: f64, hi: f64| {
        scale::value_axis([], YRange::Fixed { min: lo, max: hi }, max_ticks)
            .expect("a fixed range with lo < hi")
    };
    let Some(auto) = scale::value_axis(values.iter().copied(), YRange::Auto, max_ticks) else {
        return match bounds {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi => fixed(lo, hi),
            _ => fixed(0.0, 1.0),
        };
    };
    match bounds {
        Some((blo, bhi)) if blo < bhi => {
            let lo = auto.lo.max(blo);
            let hi = auto.hi.min(bhi);
            if lo < hi && (lo != auto.lo || hi != auto.hi) {
                fixed(lo, hi)
            } else {
                auto
            }
        }
        _ => auto,
    }
}
