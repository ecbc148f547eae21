//! The tornado chart of a one-at-a-time analysis: per factor, a bar from the nominal output to
//! the output with the factor at its low value and one to the output at its high value,
//! factors sorted by swing (largest on top), the nominal output as a vertical line.

use std::path::Path;

use plotters::prelude::*;

use super::super::axes::{AxisLook, Plot, value_ticks, x_axis_height};
use super::super::canvas::{Area, Sizes, draw_err};
use super::super::draw::fill_rect;
use super::super::frame::{draw_message, render_rgb};
use super::super::legend::LegendEntry;
use super::super::scale;
use super::super::text::line_height;
use super::super::{ChartError, PixelRect, PlotGeometry, RenderedChart, YRange};
use super::{
    COLOR_A, COLOR_B, INK, bar_key, bar_plot_rect, compact_names, count, draw_row_labels, fit_rows,
    fmt_num, frame, line_key,
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
    /// Legend text of the nominal line, before its value, e.g. `"Nominal: every factor at
    /// its median ="`.
    pub nominal_label: String,
    /// The output of the run itself (factors drawn per path), drawn as a dashed line, with
    /// its legend text before the value; `None` if not known.
    pub run: Option<(f64, String)>,
    /// What the plot says when no factor moves the output (e.g. a target met on every path
    /// at every setting); `None` for the generic message.
    pub flat_message: Option<String>,
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
            nominal_label: "Nominal output".to_owned(),
            run: None,
            flat_message: None,
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
        let legend = legend(spec);
        let mut notes = notes(spec);
        let text = (
            spec.title.as_str(),
            spec.subtitle.as_str(),
            spec.footer.as_str(),
        );
        // How many rows fit depends on the notes, and a note says how many do not fit.
        let plot_h = |notes: &[String]| {
            let p = frame(text, &legend, notes).layout(spec.size, &sz).room();
            p.bottom - p.top - x_axis_height(&spec.x_label, &sz)
        };
        let more = |n: usize| {
            format!(
                "{} with smaller swings not shown (see indices.csv).",
                count(n, "more factor")
            )
        };
        let at = spec.notes.len();
        let n_fit = fit_rows(rows.len(), &mut notes, at, min_row_h(&sz), plot_h, more);
        let layout = frame(text, &legend, &notes).draw(root, &sz)?;
        let rows = &rows[..n_fit];
        let labels: Vec<(String, Option<String>)> =
            rows.iter().map(|r| row_label(spec, r)).collect();
        let (rect, names_w) = bar_plot_rect(layout.room(), &labels, &spec.x_label, &sz);
        let (plot, axis) = bar_plot(spec, rows, rect);
        plot.draw_x_axis(root, &value_ticks(&axis), &spec.x_label, &sz)?;
        if rows.is_empty() {
            draw_message(root, rect, &empty_message(spec), &sz)?;
        }
        draw_bars(root, &plot, spec, rows)?;
        draw_row_labels(root, &labels, rect.left - 10, names_w, &plot.y, &sz)?;
        Ok(vec![plot.geometry()])
    })
}

/// The legend: low and high bars, and the nominal line if there is a nominal output.
fn legend(spec: &TornadoChart) -> Vec<LegendEntry> {
    let mut keys = vec![
        LegendEntry::new(bar_key(COLOR_A), spec.low_label.clone()),
        LegendEntry::new(bar_key(COLOR_B), spec.high_label.clone()),
    ];
    if spec.nominal.is_finite() {
        let label = format!("{} {}", spec.nominal_label.trim(), fmt_num(spec.nominal));
        keys.push(LegendEntry::new(line_key(INK, false), label));
    }
    if let Some((v, text)) = spec.run.as_ref().filter(|r| r.0.is_finite()) {
        let label = format!("{} {}", text.trim(), fmt_num(*v));
        keys.push(LegendEntry::new(line_key(RUN, true), label));
    }
    keys
}

/// The spec's notes and those naming the factors without effect and those not drawn.
fn notes(spec: &TornadoChart) -> Vec<String> {
    let mut notes = spec.notes.clone();
    let quiet: Vec<&str> = spec
        .rows
        .iter()
        .filter(|r| finite(r) && no_effect(r, spec.nominal))
        .map(|r| r.factor.as_str())
        .collect();
    // With a flat message the plot already says why nothing moves.
    let explained = spec.flat_message.is_some() && quiet.len() == spec.rows.len();
    if !quiet.is_empty() && !explained {
        notes.push(format!(
            "No effect (output unchanged at both values): {}.",
            compact_names(&quiet)
        ));
    }
    let broken = broken(spec);
    if !broken.is_empty() {
        notes.push(format!(
            "Not drawn (non-finite output): {}.",
            compact_names(&broken)
        ));
    }
    notes
}

/// The factors whose output is not finite.
fn broken(spec: &TornadoChart) -> Vec<&str> {
    spec.rows
        .iter()
        .filter(|r| !finite(r))
        .map(|r| r.factor.as_str())
        .collect()
}

/// What the plot says when there are no bars.
pub(crate) fn empty_message(spec: &TornadoChart) -> String {
    if spec.rows.is_empty() {
        "No factors".to_owned()
    } else if broken(spec).len() == spec.rows.len() {
        "No finite outputs".to_owned()
    } else {
        spec.flat_message
            .clone()
            .unwrap_or_else(|| "No factor moves this output: every swing is 0".to_owned())
    }
}

/// Colour of the run's line.
const RUN: RGBColor = RGBColor(120, 120, 120);

/// The plot of the drawn `rows` in `rect` (output values across, rows down) and its value
/// axis, which shows the outputs and the nominal one.
fn bar_plot(spec: &TornadoChart, rows: &[&OatRow], rect: PixelRect) -> (Plot, scale::ValueAxis) {
    let mut values: Vec<f64> = rows.iter().flat_map(|r| [r.y_low, r.y_high]).collect();
    if spec.nominal.is_finite() {
        values.push(spec.nominal);
    }
    values.extend(spec.run.as_ref().map(|r| r.0));
    let max_ticks = ((rect.right - rect.left) / 90).clamp(3, 10) as usize;
    let axis = value_axis(&values, spec.bounds, max_ticks);
    let n = rows.len().max(1) as f64;
    let plot = Plot::rows(rect, (axis.lo, axis.hi), n, AxisLook::OnEdge);
    (plot, axis)
}

/// Per row, the bars from the nominal output to the low and high outputs, then the nominal
/// line across all rows.
fn draw_bars(
    root: &Area<'_>,
    plot: &Plot,
    spec: &TornadoChart,
    rows: &[&OatRow],
) -> Result<(), ChartError> {
    let nominal_ok = spec.nominal.is_finite();
    let row_h = (plot.y.px(1.0) - plot.y.px(0.0)).abs();
    let bar_h = ((f64::from(row_h) * 0.6) as i32).clamp(2, 36);
    for (i, r) in rows.iter().enumerate() {
        let cy = plot.y.px(i as f64 + 0.5);
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
            let (a, b) = (plot.x.px(base), plot.x.px(v));
            if a != b {
                fill_rect(root, (a, y0, b, y1), c)?;
            }
        }
    }
    if let Some((v, _)) = spec.run.as_ref().filter(|r| r.0.is_finite()) {
        let x = plot.x.px(*v);
        let r = plot.rect;
        root.draw(&plotters::element::DashedPathElement::new(
            vec![(x, r.top), (x, r.bottom)],
            7u32,
            4u32,
            ShapeStyle::from(RUN).stroke_width(2),
        ))
        .map_err(draw_err)?;
    }
    if nominal_ok {
        let nx = plot.x.px(spec.nominal);
        let r = plot.rect;
        root.draw(&PathElement::new(
            vec![(nx, r.top), (nx, r.bottom)],
            ShapeStyle::from(INK).stroke_width(2),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// A row's factor name and, under it, the low and high values and the swing.
fn row_label(spec: &TornadoChart, r: &OatRow) -> (String, Option<String>) {
    let values = format!(
        "{}: {}   {}: {}   swing {}",
        spec.value_tags.0,
        fmt_num(r.low_value),
        spec.value_tags.1,
        fmt_num(r.high_value),
        fmt_num(swing(r))
    );
    (r.factor.clone(), Some(values))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(factor: &str, y_low: f64, y_high: f64) -> OatRow {
        OatRow {
            factor: factor.to_owned(),
            factor_index: 0,
            output_index: 0,
            low_value: 0.1,
            high_value: 0.9,
            y_low,
            y_high,
            swing: (y_high - y_low).abs(),
        }
    }

    #[test]
    fn a_certain_output_says_why_nothing_moves_it() {
        let mut spec = TornadoChart {
            nominal: 1.0,
            rows: vec![row("a.b", 1.0, 1.0), row("c", 1.0, 1.0)],
            ..TornadoChart::default()
        };
        assert_eq!(
            empty_message(&spec),
            "No factor moves this output: every swing is 0"
        );
        assert!(notes(&spec)[0].starts_with("No effect"));
        spec.flat_message = Some("Met on every path at every setting".into());
        assert_eq!(empty_message(&spec), "Met on every path at every setting");
        // The plot says it; the list of factors without effect would only repeat it.
        assert!(notes(&spec).is_empty());
        assert!(render_tornado_rgb(&spec).is_ok());
    }

    #[test]
    fn the_legend_names_the_nominal_point_and_the_run() {
        let spec = TornadoChart {
            nominal: 0.042,
            nominal_label: "Nominal (every factor at its median or mode)".into(),
            run: Some((0.213, "Run (factors drawn per path)".into())),
            rows: vec![row("a", 0.01, 0.3)],
            ..TornadoChart::default()
        };
        let labels: Vec<String> = legend(&spec).into_iter().map(|e| e.label).collect();
        assert_eq!(
            labels[2..],
            [
                "Nominal (every factor at its median or mode) 0.042",
                "Run (factors drawn per path) 0.213"
            ]
        );
        // The axis shows the run's value too.
        let (_, axis) = bar_plot(
            &spec,
            &spec.drawn_rows(),
            PixelRect {
                left: 0,
                top: 0,
                right: 800,
                bottom: 400,
            },
        );
        assert!(axis.lo <= 0.01 && axis.hi >= 0.3, "{axis:?}");
    }
}
