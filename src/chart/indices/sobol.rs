//! Sobol' charts: first-order and total indices per factor with bootstrap whiskers (one
//! output), and the total indices of the leading factors over the projection years.
//!
//! An estimate that is negative or whose interval covers zero is not distinguishable from
//! zero: its bar is drawn light and hatched, and a note says so.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::axes::{self, AxisLook, Plot, value_ticks, x_axis_height};
use super::super::canvas::{Area, Sizes, draw_err};
use super::super::draw::{self, Marker, fill_rect, hatched_rect, whisker};
use super::super::frame::{Frame, SideColumn, draw_message, render_rgb};
use super::super::legend::{LegendEntry, Swatch, column_text_width, draw_legend_column};
use super::super::scale;
use super::super::text::{self, Placement, break_at_dots, line_height};
use super::super::{ChartError, PixelRect, PlotGeometry, RenderedChart, YRange, palette};
use super::{
    COLOR_A, COLOR_B, bar_key, bar_plot_rect, compact_names, count, draw_row_labels, fit_rows,
    fmt_num, frame,
};
use crate::sensitivity::{SobolIndex, SobolRow};

/// First-order and total Sobol' indices of one output, one pair of bars per factor.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolBarChart {
    pub title: String,
    /// A muted line under the title; may be empty.
    pub subtitle: String,
    /// Value-axis title, e.g. `"Sobol' index of P(met) 2025 (share of its variance)"`.
    pub x_label: String,
    /// One row per factor (any order; drawn sorted by total index).
    pub rows: Vec<SobolRow>,
    /// Legend text of the first-order bars.
    pub first_label: String,
    /// Legend text of the total-index bars.
    pub total_label: String,
    /// Notes above the footer, one paragraph each.
    pub notes: Vec<String>,
    pub footer: String,
    /// Pixel size (width, height); 1200×800 by default.
    pub size: (u32, u32),
}

impl Default for SobolBarChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            subtitle: String::new(),
            x_label: "Sobol' index".to_owned(),
            rows: Vec::new(),
            first_label: "First-order S_i (alone)".to_owned(),
            total_label: "Total S_Ti (with interactions)".to_owned(),
            notes: Vec::new(),
            footer: String::new(),
            size: (1200, 800),
        }
    }
}

fn usable(i: &Option<SobolIndex>) -> Option<&SobolIndex> {
    i.as_ref().filter(|i| i.estimate.is_finite())
}

/// Negative, or the interval covers zero.
fn flagged(i: &SobolIndex) -> bool {
    i.negative || i.ci_covers_zero
}

/// Both indices exactly zero, intervals too: the factor does not move the output.
fn no_effect(r: &SobolRow) -> bool {
    let zero = |i: &Option<SobolIndex>| {
        i.as_ref().is_some_and(|i| {
            i.estimate == 0.0 && i.ci.is_none_or(|c| c.low == 0.0 && c.high == 0.0)
        })
    };
    zero(&r.first_order) && zero(&r.total)
}

fn interval(i: &SobolIndex) -> Option<(f64, f64)> {
    i.ci.filter(|c| c.low.is_finite() && c.high.is_finite())
        .map(|c| (c.low, c.high))
}

impl SobolBarChart {
    /// The rows drawn, top to bottom: an index defined and the factor not without effect;
    /// by decreasing total index, then first-order index.
    pub fn drawn_rows(&self) -> Vec<&SobolRow> {
        let key = |i: &Option<SobolIndex>| usable(i).map_or(f64::NEG_INFINITY, |i| i.estimate);
        let mut rows: Vec<&SobolRow> = self
            .rows
            .iter()
            .filter(|r| {
                (usable(&r.first_order).is_some() || usable(&r.total).is_some()) && !no_effect(r)
            })
            .collect();
        rows.sort_by(|a, b| {
            key(&b.total)
                .total_cmp(&key(&a.total))
                .then(key(&b.first_order).total_cmp(&key(&a.first_order)))
        });
        rows
    }
}

/// Renders `spec` to a PNG file at `path`; see [`render_sobol_bars_rgb`].
///
/// # Errors
/// As [`render_sobol_bars_rgb`], and [`ChartError::Write`] if the file cannot be written.
pub fn render_sobol_bars(spec: &SobolBarChart, path: &Path) -> Result<PlotGeometry, ChartError> {
    let img = render_sobol_bars_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// Renders `spec` into memory. The geometry's x is the index, y the row position (row `i` of
/// [`SobolBarChart::drawn_rows`] spans `[i, i + 1]`; its first-order bar is in the upper half,
/// its total-index bar in the lower half).
///
/// # Errors
/// [`ChartError::InvalidSpec`] for an image size outside 200–10000 × 150–10000 pixels.
pub fn render_sobol_bars_rgb(spec: &SobolBarChart) -> Result<RenderedChart, ChartError> {
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        let rows = spec.drawn_rows();
        let legend = bars_legend(spec, &rows);
        let mut notes = bars_notes(spec, &rows);
        let text = (
            spec.title.as_str(),
            spec.subtitle.as_str(),
            spec.footer.as_str(),
        );
        let plot_h = |notes: &[String]| {
            let p = frame(text, &legend, notes).layout(spec.size, &sz).room();
            p.bottom - p.top - x_axis_height(&spec.x_label, &sz)
        };
        let more = |n: usize| {
            format!(
                "{} with smaller total indices not shown (see indices.csv).",
                count(n, "more factor")
            )
        };
        let (at, min_row) = (spec.notes.len(), 2 * line_height(sz.footer));
        let n_fit = fit_rows(rows.len(), &mut notes, at, min_row, plot_h, more);
        let layout = frame(text, &legend, &notes).draw(root, &sz)?;
        let rows = &rows[..n_fit];
        let labels: Vec<(String, Option<String>)> =
            rows.iter().map(|r| (r.factor.clone(), None)).collect();
        let (rect, names_w) = bar_plot_rect(layout.room(), &labels, &spec.x_label, &sz);
        let axis = bars_axis(rows, rect, &sz);
        let plot = Plot::rows(
            rect,
            (axis.lo, axis.hi),
            rows.len().max(1) as f64,
            AxisLook::OnEdge,
        );
        plot.draw_x_axis(root, &value_ticks(&axis), &spec.x_label, &sz)?;
        if rows.is_empty() {
            draw_message(root, rect, bars_message(spec), &sz)?;
            return Ok(vec![plot.geometry()]);
        }
        for (i, r) in rows.iter().enumerate() {
            draw_bar_pair(root, &plot, i, r, &sz)?;
        }
        let zero_x = plot.x.px(0.0);
        root.draw(&PathElement::new(
            vec![(zero_x, rect.top), (zero_x, rect.bottom)],
            ShapeStyle::from(palette::AXIS).stroke_width(1),
        ))
        .map_err(draw_err)?;
        draw_row_labels(root, &labels, rect.left - 10, names_w, &plot.y, &sz)?;
        Ok(vec![plot.geometry()])
    })
}

/// The usable indices of a row: first-order, then total.
fn indices(r: &SobolRow) -> impl Iterator<Item = &SobolIndex> {
    [&r.first_order, &r.total].into_iter().filter_map(usable)
}

/// Whether any drawn index is flagged.
fn any_flagged(rows: &[&SobolRow]) -> bool {
    rows.iter().any(|r| indices(r).any(flagged))
}

/// The level and number of resamples of the bootstrap intervals, if there are any.
fn interval_level(rows: &[&SobolRow]) -> Option<(f64, usize)> {
    rows.iter().find_map(|r| {
        [&r.first_order, &r.total]
            .into_iter()
            .filter_map(|i| i.as_ref().and_then(|i| i.ci))
            .map(|c| (c.level, c.replicates))
            .next()
    })
}

/// The legend: the two bars (and the hatched bar if any is flagged) when there are rows, the
/// whisker when there are intervals.
fn bars_legend(spec: &SobolBarChart, rows: &[&SobolRow]) -> Vec<LegendEntry> {
    let mut keys = Vec::new();
    if !rows.is_empty() {
        keys.push(LegendEntry::new(bar_key(COLOR_A), spec.first_label.clone()));
        keys.push(LegendEntry::new(bar_key(COLOR_B), spec.total_label.clone()));
        if any_flagged(rows) {
            let hatched = Swatch::Hatched(RGBColor(110, 110, 110));
            keys.push(LegendEntry::new(hatched, "Not distinguishable from 0"));
        }
    }
    if let Some((l, n)) = interval_level(rows) {
        let label = format!("{:.0} % bootstrap interval ({n} resamples)", l * 100.0);
        keys.push(LegendEntry::new(Swatch::Whisker, label));
    }
    keys
}

/// The spec's notes, the note on hatched bars and the one naming factors without effect.
fn bars_notes(spec: &SobolBarChart, rows: &[&SobolRow]) -> Vec<String> {
    let mut notes = spec.notes.clone();
    if any_flagged(rows) {
        let pct = interval_level(rows)
            .map_or("the".to_owned(), |(l, _)| format!("its {:.0} %", l * 100.0));
        notes.push(format!(
            "Hatched light bars, grey values: the estimate is negative or {pct} interval covers 0 — not distinguishable from 0 with this sample size."
        ));
    }
    let quiet = quiet(spec);
    if !quiet.is_empty() {
        notes.push(format!(
            "No effect (both indices 0): {}.",
            compact_names(&quiet)
        ));
    }
    notes
}

/// The factors without effect.
fn quiet(spec: &SobolBarChart) -> Vec<&str> {
    spec.rows
        .iter()
        .filter(|r| no_effect(r))
        .map(|r| r.factor.as_str())
        .collect()
}

/// What the plot says when there are no bars.
fn bars_message(spec: &SobolBarChart) -> &'static str {
    let undefined = !spec.rows.is_empty()
        && spec
            .rows
            .iter()
            .all(|r| r.first_order.is_none() && r.total.is_none());
    if undefined {
        "The output does not vary across the design (zero variance): Sobol' indices are undefined"
    } else if spec.rows.is_empty() {
        "No factors"
    } else if quiet(spec).len() == spec.rows.len() {
        "No factor moves this output: every index is 0"
    } else {
        "No finite indices"
    }
}

/// The value axis of the drawn `rows` in a plot `rect`: from 0, with room right of the
/// longest bar or whisker for its value label.
fn bars_axis(rows: &[&SobolRow], rect: PixelRect, sz: &Sizes) -> scale::ValueAxis {
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|r| indices(r))
        .flat_map(|i| {
            let (lo, hi) = interval(i).unwrap_or((i.estimate, i.estimate));
            [i.estimate, lo, hi]
        })
        .chain([0.0])
        .collect();
    let max_ticks = ((rect.right - rect.left) / 90).clamp(3, 10) as usize;
    let axis = scale::value_axis(values.iter().copied(), YRange::IncludeZero, max_ticks)
        .expect("0 is finite");
    let label_w = text::width("-0.000", sz.footer) + 8;
    let max_end = values.iter().copied().fold(0.0f64, f64::max);
    let width = f64::from(rect.right - rect.left);
    if width > 2.0 * f64::from(label_w) {
        let need = axis.lo + (max_end - axis.lo) * width / (width - f64::from(label_w));
        if need > axis.hi {
            let range = YRange::Fixed {
                min: axis.lo,
                max: need,
            };
            return scale::value_axis([], range, max_ticks).expect("lo < hi");
        }
    }
    axis
}

/// Row `i`'s two bars (first-order above the middle, total below), each with its whisker
/// and, if the bar is tall enough, its value.
fn draw_bar_pair(
    root: &Area<'_>,
    plot: &Plot,
    i: usize,
    r: &SobolRow,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let row_h = (plot.y.px(1.0) - plot.y.px(0.0)).abs();
    let bar_h = ((f64::from(row_h) * 0.34) as i32).clamp(2, 24);
    let cy = plot.y.px(i as f64 + 0.5);
    for (idx, color, y0) in [
        (&r.first_order, COLOR_A, cy - bar_h - 1),
        (&r.total, COLOR_B, cy + 1),
    ] {
        let Some(ix) = usable(idx) else { continue };
        let rect = (plot.x.px(0.0), y0, plot.x.px(ix.estimate), y0 + bar_h);
        if flagged(ix) {
            hatched_rect(root, rect, color)?;
        } else if rect.0 != rect.2 {
            fill_rect(root, rect, color)?;
        }
        let ym = y0 + bar_h / 2;
        let mut end = ix.estimate.max(0.0);
        if let Some((lo, hi)) = interval(ix) {
            whisker(
                root,
                plot.x.px(lo),
                plot.x.px(hi),
                ym,
                (bar_h / 2 - 1).max(2),
            )?;
            end = end.max(hi);
        }
        if bar_h + 2 >= line_height(sz.footer) - 4 {
            draw_value(root, ix, (plot.x.px(end) + 5, ym), sz)?;
        }
    }
    Ok(())
}

/// The estimate of `ix` at `at` (its left middle): three decimals, or three significant
/// digits below 0.001; grey if flagged.
fn draw_value(
    root: &Area<'_>,
    ix: &SobolIndex,
    at: (i32, i32),
    sz: &Sizes,
) -> Result<(), ChartError> {
    let v = ix.estimate;
    let label = if v.abs() >= 0.001 || v == 0.0 {
        format!("{v:.3}")
    } else {
        fmt_num(v)
    };
    let color = if flagged(ix) {
        palette::MUTED
    } else {
        palette::TEXT
    };
    let p = Placement::new(sz.footer, color).align(HPos::Left, VPos::Center);
    text::draw_text(root, &label, at, p)
}

/// One factor's total index in each year.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolYearSeries {
    pub factor: String,
    /// One entry per year of [`SobolYearsChart::years`]; `None` where the output has zero
    /// variance.
    pub total: Vec<Option<SobolIndex>>,
}

/// The total Sobol' indices of the leading factors over the projection years.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolYearsChart {
    pub title: String,
    /// A muted line under the title; may be empty.
    pub subtitle: String,
    /// Value-axis title, e.g. `"Total Sobol' index S_Ti of P(on track)"`.
    pub y_label: String,
    pub x_label: String,
    /// Years, strictly increasing.
    pub years: Vec<i32>,
    /// Every factor (any order).
    pub series: Vec<SobolYearSeries>,
    /// How many factors to draw (the largest total index in any year first); at most 6 get
    /// distinct colours and markers.
    pub max_series: usize,
    /// Notes above the footer, one paragraph each.
    pub notes: Vec<String>,
    pub footer: String,
    /// Pixel size (width, height); 1200×800 by default.
    pub size: (u32, u32),
}

impl Default for SobolYearsChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            subtitle: String::new(),
            y_label: "Total Sobol' index S_Ti".to_owned(),
            x_label: "Year".to_owned(),
            years: Vec::new(),
            series: Vec::new(),
            max_series: 6,
            notes: Vec::new(),
            footer: String::new(),
            size: (1200, 800),
        }
    }
}

fn peak(s: &SobolYearSeries) -> f64 {
    s.total
        .iter()
        .filter_map(usable)
        .map(|i| i.estimate)
        .fold(f64::NEG_INFINITY, f64::max)
}

impl SobolYearsChart {
    /// The series drawn, in legend order: those with a positive total index in some year,
    /// by decreasing largest total index; at most `max_series`.
    pub fn drawn_series(&self) -> Vec<&SobolYearSeries> {
        let mut s: Vec<&SobolYearSeries> = self.series.iter().filter(|s| peak(s) > 0.0).collect();
        s.sort_by(|a, b| peak(b).total_cmp(&peak(a)));
        s.truncate(self.max_series.max(1));
        s
    }
}

/// Renders `spec` to a PNG file at `path`; see [`render_sobol_years_rgb`].
///
/// # Errors
/// As [`render_sobol_years_rgb`], and [`ChartError::Write`] if the file cannot be written.
pub fn render_sobol_years(spec: &SobolYearsChart, path: &Path) -> Result<PlotGeometry, ChartError> {
    let img = render_sobol_years_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// Opacity of the interval bands.
const BAND_ALPHA: f64 = 0.13;

/// Renders `spec` into memory; the geometry maps (year, index) to pixels.
///
/// # Errors
/// [`ChartError::InvalidSpec`] if a series' length differs from `years`, years are not
/// increasing, or the image size is outside 200–10000 × 150–10000 pixels.
pub fn render_sobol_years_rgb(spec: &SobolYearsChart) -> Result<RenderedChart, ChartError> {
    if spec.years.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ChartError::invalid(
            "years",
            "years must be strictly increasing",
        ));
    }
    for (i, s) in spec.series.iter().enumerate() {
        if s.total.len() != spec.years.len() {
            return Err(ChartError::invalid(
                format!("series[{i}].total"),
                format!("{} values for {} years", s.total.len(), spec.years.len()),
            ));
        }
    }
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        let shown = spec.drawn_series();
        let notes = years_notes(spec, &shown);
        let text = (
            spec.title.as_str(),
            spec.subtitle.as_str(),
            spec.footer.as_str(),
        );
        let layout = Frame {
            side: Some(SideColumn::INDICES),
            ..frame(text, &[], &notes)
        }
        .draw(root, &sz)?;
        if let Some(side) = layout.side {
            let legend = years_legend(&shown, column_text_width(side.right - side.left, &sz), &sz);
            draw_legend_column(
                root,
                &legend,
                (side.left, side.top),
                side.right - side.left,
                &sz,
            )?;
        }
        let room = layout.room();
        let (x, y) = years_axes(spec, &shown, room, &sz);
        let plot_frame = PixelRect {
            right: room.right - 1,
            bottom: room.bottom - 1,
            ..room
        };
        let titles = (spec.x_label.as_str(), spec.y_label.as_str());
        let plot = axes::draw_time_axes(root, plot_frame, &x, &y, titles, &sz)?;
        if shown.is_empty() {
            draw_message(root, plot.rect, years_message(spec), &sz)?;
            return Ok(vec![plot.geometry()]);
        }
        draw_years_series(root, &plot, spec, &shown, &sz)?;
        Ok(vec![plot.geometry()])
    })
}

/// The years in which no factor has an index (the output has zero variance).
fn undefined_years(spec: &SobolYearsChart) -> Vec<String> {
    spec.years
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            !spec.series.is_empty() && spec.series.iter().all(|s| s.total[*k].is_none())
        })
        .map(|(_, y)| y.to_string())
        .collect()
}

/// The spec's notes and those on the factors not drawn and the years without variance.
fn years_notes(spec: &SobolYearsChart, shown: &[&SobolYearSeries]) -> Vec<String> {
    let mut notes = spec.notes.clone();
    let rest: Vec<&SobolYearSeries> = spec
        .series
        .iter()
        .filter(|s| !shown.iter().any(|t| std::ptr::eq(*t, *s)))
        .collect();
    let rest_active: Vec<&SobolYearSeries> =
        rest.iter().copied().filter(|s| peak(s) > 0.0).collect();
    if !rest_active.is_empty() {
        let top = rest_active
            .iter()
            .map(|s| peak(s))
            .fold(f64::NEG_INFINITY, f64::max);
        notes.push(format!(
            "{} with a positive total index not drawn: at most {top:.3} in any year (see indices.csv).",
            count(rest_active.len(), "other factor"),
        ));
    }
    let quiet: Vec<&str> = rest
        .iter()
        .filter(|s| peak(s) <= 0.0 && s.total.iter().any(|i| usable(i).is_some()))
        .map(|s| s.factor.as_str())
        .collect();
    if !quiet.is_empty() {
        notes.push(format!(
            "No positive total index in any year: {}.",
            compact_names(&quiet)
        ));
    }
    let undefined_years = undefined_years(spec);
    if !undefined_years.is_empty() {
        notes.push(format!(
            "No variance in {} (the output is the same at every design point): indices undefined, the lines break there.",
            undefined_years.join(", ")
        ));
    }
    notes
}

/// The legend: one line per drawn factor (names broken after dots to fit `label_w`), and
/// the shaded interval if there are intervals.
fn years_legend(shown: &[&SobolYearSeries], label_w: i32, sz: &Sizes) -> Vec<LegendEntry> {
    let mut legend: Vec<LegendEntry> = shown
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let swatch = Swatch::Line {
                color: series_color(i),
                width: sz.median_width,
                dash: None,
                marker: Marker::SERIES[i % Marker::SERIES.len()],
            };
            LegendEntry::new(swatch, break_at_dots(&s.factor, sz.legend, label_w))
        })
        .collect();
    let level = shown.iter().find_map(|s| {
        s.total
            .iter()
            .filter_map(|i| i.as_ref().and_then(|i| i.ci))
            .map(|c| c.level)
            .next()
    });
    if let Some(l) = level {
        let swatch = Swatch::Fill {
            color: RGBColor(110, 110, 110).mix(BAND_ALPHA * 1.6),
            edge: None,
        };
        let label = format!("Shaded: {:.0} % bootstrap interval", l * 100.0);
        legend.push(LegendEntry::new(swatch, label));
    }
    legend
}

/// The time and index axes for a plot in `room`.
fn years_axes(
    spec: &SobolYearsChart,
    shown: &[&SobolYearSeries],
    room: PixelRect,
    sz: &Sizes,
) -> (scale::YearAxis, scale::ValueAxis) {
    let label_w = text::width("2025", sz.tick) + (sz.tick * 1.2) as i32;
    let x = scale::year_axis(
        spec.years.iter().map(|&y| f64::from(y)),
        ((room.right - room.left - 80) / label_w.max(1)).max(2) as usize,
    );
    let values: Vec<f64> = shown
        .iter()
        .flat_map(|s| s.total.iter().filter_map(usable))
        .flat_map(|i| {
            let (lo, hi) = interval(i).unwrap_or((i.estimate, i.estimate));
            [i.estimate, lo, hi]
        })
        .chain([0.0])
        .collect();
    let max_y_ticks = ((room.bottom - room.top) / (line_height(sz.tick) * 3)).clamp(3, 9) as usize;
    let y = scale::value_axis(values, YRange::IncludeZero, max_y_ticks).expect("0 is finite");
    (x, y)
}

/// What the plot says when no factor is drawn.
fn years_message(spec: &SobolYearsChart) -> &'static str {
    if spec.series.is_empty() {
        "No factors"
    } else if undefined_years(spec).len() == spec.years.len() {
        "The output does not vary in any year (zero variance): Sobol' indices are undefined"
    } else {
        "No factor has a positive total index in any year"
    }
}

/// The shaded intervals of all drawn factors, then their lines.
fn draw_years_series(
    root: &Area<'_>,
    plot: &Plot,
    spec: &SobolYearsChart,
    shown: &[&SobolYearSeries],
    sz: &Sizes,
) -> Result<(), ChartError> {
    for (i, s) in shown.iter().enumerate() {
        let (lower, upper): (Vec<f64>, Vec<f64>) = s
            .total
            .iter()
            .map(|t| usable(t).and_then(interval).unwrap_or((f64::NAN, f64::NAN)))
            .unzip();
        let fill = ShapeStyle::from(series_color(i).mix(BAND_ALPHA)).filled();
        let band = (lower.as_slice(), upper.as_slice());
        draw::draw_band(root, plot, &spec.years, band, fill, None)?;
    }
    for (i, s) in shown.iter().enumerate() {
        let values: Vec<f64> = s
            .total
            .iter()
            .map(|t| usable(t).map_or(f64::NAN, |i| i.estimate))
            .collect();
        let style = ShapeStyle::from(series_color(i)).stroke_width(sz.median_width);
        let marker = (Marker::SERIES[i % Marker::SERIES.len()], sz.marker);
        draw::draw_line(root, plot, (&spec.years, &values), style, marker)?;
    }
    Ok(())
}

fn series_color(i: usize) -> RGBColor {
    palette::SERIES[i % palette::SERIES.len()]
}
