//! Sobol' charts: first-order and total indices per factor with bootstrap whiskers (one
//! output), and the total indices of the leading factors over the projection years.
//!
//! An estimate that is negative or whose interval covers zero is not distinguishable from
//! zero: its bar is drawn light and hatched, and a note says so.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::draw::{self, LegendEntry, Marker, Sizes, Swatch};
use super::super::fan::render_rgb;
use super::super::scale;
use super::super::text::{self, Placement, line_height};
use super::super::{ChartError, PixelRect, PlotGeometry, RenderedChart, YRange, palette};
use super::{
    COLOR_A, COLOR_B, Key, Linear, PageText, break_at_dots, compact_names, count, draw_message,
    draw_page, draw_row_labels, draw_x_axis, fill_rect, fmt_num, hatched_rect, page_layout,
    rows_that_fit, whisker, x_axis_height,
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
        let undefined = !spec.rows.is_empty()
            && spec
                .rows
                .iter()
                .all(|r| r.first_order.is_none() && r.total.is_none());
        let quiet: Vec<&str> = spec
            .rows
            .iter()
            .filter(|r| no_effect(r))
            .map(|r| r.factor.as_str())
            .collect();
        let any_flag = rows.iter().any(|r| {
            [&r.first_order, &r.total]
                .into_iter()
                .filter_map(usable)
                .any(flagged)
        });
        let level = rows.iter().find_map(|r| {
            [&r.first_order, &r.total]
                .into_iter()
                .filter_map(|i| i.as_ref().and_then(|i| i.ci))
                .map(|c| (c.level, c.replicates))
                .next()
        });
        let mut keys = vec![
            (Key::Bar(COLOR_A), spec.first_label.clone()),
            (Key::Bar(COLOR_B), spec.total_label.clone()),
        ];
        if any_flag {
            keys.push((
                Key::Hatched(RGBColor(110, 110, 110)),
                "Not distinguishable from 0".to_owned(),
            ));
        }
        if rows.is_empty() {
            keys.clear();
        }
        if let Some((l, n)) = level {
            keys.push((
                Key::Whisker,
                format!("{:.0} % bootstrap interval ({n} resamples)", l * 100.0),
            ));
        }
        let mut notes = spec.notes.clone();
        if any_flag {
            let pct = level.map_or("the".to_owned(), |(l, _)| format!("its {:.0} %", l * 100.0));
            notes.push(format!(
                "Hatched light bars, grey values: the estimate is negative or {pct} interval covers 0 — not distinguishable from 0 with this sample size."
            ));
        }
        if !quiet.is_empty() {
            notes.push(format!(
                "No effect (both indices 0): {}.",
                compact_names(&quiet)
            ));
        }
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
        let min_row = 2 * line_height(sz.footer);
        let mut n_fit = rows_that_fit(rows.len(), plot_h(&notes), min_row);
        if n_fit < rows.len() {
            let more = |n: usize| {
                format!(
                    "{} with smaller total indices not shown (see indices.csv).",
                    count(rows.len() - n, "more factor")
                )
            };
            notes.insert(spec.notes.len(), more(n_fit));
            n_fit = rows_that_fit(rows.len(), plot_h(&notes), min_row);
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
        let names_w = rows
            .iter()
            .map(|r| text::width(&r.factor, sz.tick))
            .max()
            .unwrap_or(0)
            .min(((p.right - p.left) as f64 * 0.4) as i32);
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
        let indices = || {
            rows.iter()
                .flat_map(|r| [&r.first_order, &r.total])
                .filter_map(usable)
        };
        let values: Vec<f64> = indices()
            .flat_map(|i| {
                let (lo, hi) = interval(i).unwrap_or((i.estimate, i.estimate));
                [i.estimate, lo, hi]
            })
            .chain([0.0])
            .collect();
        let max_ticks = ((plot.right - plot.left) / 90).clamp(3, 10) as usize;
        let mut axis = scale::value_axis(values.iter().copied(), YRange::IncludeZero, max_ticks)
            .expect("0 is finite");
        // Room right of the longest bar or whisker for its value label.
        let value_em = sz.footer;
        let label_w = text::width("-0.000", value_em) + 8;
        let max_end = values.iter().copied().fold(0.0f64, f64::max);
        let width = f64::from(plot.right - plot.left);
        if width > 2.0 * f64::from(label_w) {
            let need = axis.lo + (max_end - axis.lo) * width / (width - f64::from(label_w));
            if need > axis.hi {
                axis = scale::value_axis(
                    [],
                    YRange::Fixed {
                        min: axis.lo,
                        max: need,
                    },
                    max_ticks,
                )
                .expect("lo < hi");
            }
        }
        let x = Linear {
            lo: axis.lo,
            hi: axis.hi,
            p0: plot.left,
            p1: plot.right,
        };
        draw_x_axis(root, &axis, &x, plot, &spec.x_label, &sz)?;
        let geometry = PlotGeometry {
            plot_area: plot,
            x_range: (axis.lo, axis.hi),
            y_range: (row_map.hi, 0.0),
        };
        if rows.is_empty() {
            let msg = if undefined {
                "The output does not vary across the design (zero variance): Sobol' indices are undefined"
            } else if spec.rows.is_empty() {
                "No factors"
            } else if quiet.len() == spec.rows.len() {
                "No factor moves this output: every index is 0"
            } else {
                "No finite indices"
            };
            draw_message(root, plot, msg, &sz)?;
            return Ok(vec![geometry]);
        }
        let zero_x = x.px(0.0);
        let row_h = (row_map.px(1.0) - row_map.px(0.0)).abs();
        let bar_h = ((f64::from(row_h) * 0.34) as i32).clamp(2, 24);
        let value_p = Placement::new(value_em, palette::TEXT).align(HPos::Left, VPos::Center);
        let muted_p = Placement::new(value_em, palette::MUTED).align(HPos::Left, VPos::Center);
        for (i, r) in rows.iter().enumerate() {
            let cy = row_map.px(i as f64 + 0.5);
            for (idx, color, y0) in [
                (&r.first_order, COLOR_A, cy - bar_h - 1),
                (&r.total, COLOR_B, cy + 1),
            ] {
                let Some(ix) = usable(idx) else { continue };
                let rect = (zero_x, y0, x.px(ix.estimate), y0 + bar_h);
                if flagged(ix) {
                    hatched_rect(root, rect, color)?;
                } else if rect.0 != rect.2 {
                    fill_rect(root, rect, color)?;
                }
                let ym = y0 + bar_h / 2;
                let mut end = ix.estimate.max(0.0);
                if let Some((lo, hi)) = interval(ix) {
                    whisker(root, x.px(lo), x.px(hi), ym, (bar_h / 2 - 1).max(2))?;
                    end = end.max(hi);
                }
                if bar_h + 2 >= line_height(value_em) - 4 {
                    // Three decimals, or three significant digits below 0.001.
                    let v = ix.estimate;
                    let label = if v.abs() >= 0.001 || v == 0.0 {
                        format!("{v:.3}")
                    } else {
                        fmt_num(v)
                    };
                    text::draw_text(
                        root,
                        &label,
                        (x.px(end) + 5, ym),
                        if flagged(ix) { muted_p } else { value_p },
                    )?;
                }
            }
        }
        root.draw(&PathElement::new(
            vec![(zero_x, plot.top), (zero_x, plot.bottom)],
            ShapeStyle::from(RGBColor(90, 90, 90)).stroke_width(1),
        ))
        .map_err(draw::draw_err)?;
        let labels: Vec<(String, Option<String>)> =
            rows.iter().map(|r| (r.factor.clone(), None)).collect();
        draw_row_labels(root, &labels, plot.left - 10, names_w, &row_map, &sz)?;
        Ok(vec![geometry])
    })
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
        let undefined_years: Vec<String> = spec
            .years
            .iter()
            .enumerate()
            .filter(|(k, _)| {
                !spec.series.is_empty() && spec.series.iter().all(|s| s.total[*k].is_none())
            })
            .map(|(_, y)| y.to_string())
            .collect();
        if !undefined_years.is_empty() {
            notes.push(format!(
                "No variance in {} (the output is the same at every design point): indices undefined, the lines break there.",
                undefined_years.join(", ")
            ));
        }
        let level = shown.iter().find_map(|s| {
            s.total
                .iter()
                .filter_map(|i| i.as_ref().and_then(|i| i.ci))
                .map(|c| c.level)
                .next()
        });
        let page = draw_page(
            root,
            &PageText {
                title: &spec.title,
                subtitle: &spec.subtitle,
                notes: &notes,
                footer: &spec.footer,
            },
            &[],
            true,
            &sz,
        )?;
        let label_w = page.side.map_or(200, |r| r.right - r.left) - 40 - (sz.legend * 0.7) as i32;
        let mut legend: Vec<LegendEntry> = shown
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry {
                swatch: Swatch::Line {
                    color: series_color(i),
                    width: sz.median_width,
                    dashed: false,
                    marker: Marker::SERIES[i % Marker::SERIES.len()],
                },
                label: break_at_dots(&s.factor, sz.legend, label_w),
            })
            .collect();
        if let Some(l) = level {
            legend.push(LegendEntry {
                swatch: Swatch::Fill {
                    color: RGBColor(110, 110, 110).mix(BAND_ALPHA * 1.6),
                    edge: None,
                },
                label: format!("Shaded: {:.0} % bootstrap interval", l * 100.0),
            });
        }
        if let Some(side) = page.side {
            draw::draw_legend_column(
                root,
                &legend,
                side.left,
                side.top,
                side.right - side.left,
                &sz,
            )?;
        }
        let p = page.plot;
        let area = root
            .clone()
            .shrink((p.left, p.top), (p.right - p.left, p.bottom - p.top));
        let label_w = text::width("2025", sz.tick) + (sz.tick * 1.2) as i32;
        let x = scale::year_axis(
            spec.years.iter().map(|&y| f64::from(y)),
            ((p.right - p.left - 80) / label_w.max(1)).max(2) as usize,
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
        let max_y_ticks = ((p.bottom - p.top) / (line_height(sz.tick) * 3)).clamp(3, 9) as usize;
        let y = scale::value_axis(values, YRange::IncludeZero, max_y_ticks).expect("0 is finite");
        let mut chart = draw::build_axes(&area, &x, &y, &spec.x_label, &spec.y_label, &sz)?;
        let geometry = draw::geometry(&chart, &x, &y);
        if shown.is_empty() {
            let msg = if spec.series.is_empty() {
                "No factors"
            } else if undefined_years.len() == spec.years.len() {
                "The output does not vary in any year (zero variance): Sobol' indices are undefined"
            } else {
                "No factor has a positive total index in any year"
            };
            draw_message(root, geometry.plot_area, msg, &sz)?;
            return Ok(vec![geometry]);
        }
        for (i, s) in shown.iter().enumerate() {
            let (lower, upper): (Vec<f64>, Vec<f64>) = s
                .total
                .iter()
                .map(|t| usable(t).and_then(interval).unwrap_or((f64::NAN, f64::NAN)))
                .unzip();
            let fill = ShapeStyle::from(series_color(i).mix(BAND_ALPHA)).filled();
            draw::draw_band(&mut chart, &spec.years, &lower, &upper, fill, None)?;
        }
        for (i, s) in shown.iter().enumerate() {
            let values: Vec<f64> = s
                .total
                .iter()
                .map(|t| usable(t).map_or(f64::NAN, |i| i.estimate))
                .collect();
            draw::draw_line(
                &mut chart,
                &spec.years,
                &values,
                ShapeStyle::from(series_color(i)).stroke_width(sz.median_width),
                Marker::SERIES[i % Marker::SERIES.len()],
                sz.marker,
            )?;
        }
        Ok(vec![geometry])
    })
}

fn series_color(i: usize) -> RGBColor {
    palette::SERIES[i % palette::SERIES.len()]
}
