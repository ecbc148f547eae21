//! The fan chart: nested quantile bands, median, history and target for one indicator.

use std::path::Path;

use plotters::prelude::*;

use super::axes;
use super::canvas::{Area, Sizes};
use super::draw::{self, Marker};
use super::frame::{self, Frame, SideColumn, render_rgb};
use super::legend::{LegendEntry, Swatch};
use super::scale::{self, ValueAxis, YearAxis};
use super::text::{self, line_height};
use super::{
    ChartError, FanChart, HistoryKind, HistoryPoint, PixelRect, PlotGeometry, RenderedChart,
    ShockYear, TargetLine, YRange, palette,
};

/// Renders `spec` to a PNG file at `path` and returns where the plot landed in the image.
///
/// # Errors
/// [`ChartError::InvalidSpec`] for inconsistent specs, [`ChartError::Write`] if the file
/// cannot be written; see the [module docs](super) for what is drawn instead of failing.
pub fn render_fan_chart(spec: &FanChart, path: &Path) -> Result<PlotGeometry, ChartError> {
    let img = render_fan_chart_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// Renders `spec` into memory.
///
/// # Errors
/// As [`render_fan_chart`], except for writing.
pub fn render_fan_chart_rgb(spec: &FanChart) -> Result<RenderedChart, ChartError> {
    validate(spec, "")?;
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        Ok(vec![draw_page(root, spec, &sz)?])
    })
}

/// Checks lengths and year order; `prefix` names the panel in error messages.
pub(crate) fn validate(spec: &FanChart, prefix: &str) -> Result<(), ChartError> {
    let n = spec.years.len();
    if spec.years.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ChartError::invalid(
            format!("{prefix}years"),
            "years must be strictly increasing",
        ));
    }
    if spec.median.len() != n {
        return Err(ChartError::invalid(
            format!("{prefix}median"),
            format!("{} values for {n} years", spec.median.len()),
        ));
    }
    for (i, b) in spec.bands.iter().enumerate() {
        for (name, v) in [("lower", &b.lower), ("upper", &b.upper)] {
            if v.len() != n {
                return Err(ChartError::invalid(
                    format!("{prefix}bands[{i}].{name}"),
                    format!("{} values for {n} years", v.len()),
                ));
            }
        }
    }
    Ok(())
}

/// All values that the value axis must show.
fn axis_values(spec: &FanChart) -> impl Iterator<Item = f64> + '_ {
    let bands = spec
        .bands
        .iter()
        .flat_map(|b| b.lower.iter().chain(&b.upper).copied());
    let target = spec.target.iter().flat_map(|t| match t {
        TargetLine::Horizontal { value, .. } => vec![*value],
        TargetLine::Path { points, .. } => points.iter().map(|p| p.1).collect(),
    });
    bands
        .chain(spec.median.iter().copied())
        .chain(spec.history.iter().map(|h| h.value))
        .chain(spec.jump_off.map(|j| j.1))
        .chain(target)
}

fn axis_years(spec: &FanChart) -> impl Iterator<Item = f64> + '_ {
    let target_x = spec.target.iter().flat_map(|t| match t {
        TargetLine::Path { points, .. } => points.iter().map(|p| p.0).collect(),
        TargetLine::Horizontal { .. } => Vec::new(),
    });
    spec.years
        .iter()
        .chain(
            spec.history
                .iter()
                .filter(|h| h.value.is_finite())
                .flat_map(|h| [&h.first_year, &h.year]),
        )
        .chain(spec.jump_off.iter().map(|j| &j.0))
        .chain(spec.shocks.iter().map(|s| &s.year))
        .map(|&y| f64::from(y))
        .chain(target_x)
}

/// The axes of a fan chart whose plot is about `plot_w`×`plot_h` pixels.
pub(crate) fn axis_ranges(
    spec: &FanChart,
    plot_w: i32,
    plot_h: i32,
    sz: &Sizes,
) -> (YearAxis, ValueAxis, bool) {
    let label_w = text::width("2025", sz.tick) + (sz.tick * 1.2) as i32;
    let x = scale::year_axis(axis_years(spec), (plot_w / label_w.max(1)).max(2) as usize);
    let max_y_ticks = (plot_h / (line_height(sz.tick) * 3)).clamp(3, 9) as usize;
    match scale::value_axis(axis_values(spec), spec.y_range, max_y_ticks) {
        Some(y) => (x, y, true),
        None => {
            let y = scale::value_axis([0.0, 1.0], YRange::Fixed { min: 0.0, max: 1.0 }, 1)
                .expect("fixed range");
            (
                x,
                ValueAxis {
                    ticks: Vec::new(),
                    ..y
                },
                false,
            )
        }
    }
}

/// Draws the plot of `spec` (axes and data, no title or legend) in `frame`, the rectangle
/// (of `area`) for the plot and its axes.
pub(crate) fn draw_plot(
    area: &Area<'_>,
    frame: PixelRect,
    spec: &FanChart,
    sz: &Sizes,
) -> Result<PlotGeometry, ChartError> {
    let (w, h) = (frame.right - frame.left + 1, frame.bottom - frame.top + 1);
    let (x, y, has_data) = axis_ranges(spec, w - 80, h - 60, sz);
    let titles = (spec.x_label.as_str(), spec.y_label.as_str());
    let plot = axes::draw_time_axes(area, frame, &x, &y, titles, sz)?;
    if !has_data {
        draw::draw_no_data(area, &plot, sz.axis_desc)?;
        return Ok(plot.geometry());
    }
    draw::draw_shocks(area, &plot, &spec.shocks, sz)?;
    let n = spec.bands.len();
    for (i, band) in spec.bands.iter().enumerate() {
        let fill = ShapeStyle::from(palette::band_fill(i, n)).filled();
        let edge = (i == 0).then(|| ShapeStyle::from(palette::BAND_EDGE).stroke_width(1));
        let (years, edges) = draw::with_jump_off(
            &spec.years,
            &[band.lower.as_slice(), band.upper.as_slice()],
            spec.jump_off,
        );
        draw::draw_band(area, &plot, &years, (&edges[0], &edges[1]), fill, edge)?;
    }
    if let Some(t) = &spec.target {
        let pts = draw::target_points(t, &spec.years, (x.lo, x.hi));
        draw::draw_target(area, &plot, &pts, sz)?;
    }
    let median = ShapeStyle::from(palette::MEDIAN).stroke_width(sz.median_width);
    let (years, m) = draw::with_jump_off(&spec.years, &[spec.median.as_slice()], spec.jump_off);
    if years.len() > spec.years.len() {
        // The segment from the last known value: no marker at the jump-off point, which
        // keeps its history marker.
        let seg = [(years[0], m[0][0]), (years[1], m[0][1])];
        if seg[1].1.is_finite() {
            let pts: Vec<(i32, i32)> = seg
                .iter()
                .map(|&(y, v)| plot.clamped((f64::from(y), v)))
                .collect();
            area.draw(&PathElement::new(pts, median))
                .map_err(super::canvas::draw_err)?;
        }
    }
    let line = (spec.years.as_slice(), spec.median.as_slice());
    draw::draw_line(area, &plot, line, median, (Marker::Dot, sz.marker - 1))?;
    // History last: a known or published figure stays visible on the median it meets.
    draw::draw_history(area, &plot, &spec.history, sz)?;
    Ok(plot.geometry())
}

/// Legend entries of a fan chart, in drawing order.
pub(crate) fn legend_entries(spec: &FanChart, sz: &Sizes) -> Vec<LegendEntry> {
    let n = spec.bands.len();
    let mut out: Vec<LegendEntry> = spec
        .bands
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let swatch = Swatch::Fill {
                color: palette::band_fill(i, n).to_rgba(),
                edge: (i == 0).then_some(palette::BAND_EDGE),
            };
            LegendEntry::new(swatch, b.label.clone())
        })
        .collect();
    if !spec.median.is_empty() {
        let swatch = Swatch::Line {
            color: palette::MEDIAN,
            width: sz.median_width,
            dash: None,
            marker: Marker::Dot,
        };
        out.push(LegendEntry::new(swatch, spec.median_label.clone()));
    }
    out.extend(history_entries(&spec.history, sz));
    out.extend(spec.target.as_ref().map(|t| target_entry(t, sz)));
    out.extend(shock_entries(&spec.shocks));
    out
}

/// Legend entries of the history groups.
pub(crate) fn history_entries(history: &[HistoryPoint], sz: &Sizes) -> Vec<LegendEntry> {
    draw::history_groups(history)
        .into_iter()
        .map(|draw::HistoryGroup { kind, label, .. }| {
            let color = draw::history_color(kind);
            let swatch = match kind {
                HistoryKind::PeriodAverage => Swatch::Line {
                    color,
                    width: sz.median_width,
                    dash: None,
                    marker: Marker::None,
                },
                HistoryKind::Known => Swatch::Dot {
                    color,
                    radius: sz.marker + 1,
                },
                HistoryKind::Observed => Swatch::Marker {
                    marker: draw::history_marker(kind),
                    color,
                    dotted_line: false,
                },
            };
            LegendEntry::new(swatch, label)
        })
        .collect()
}

/// Legend entries of the shock years, one per distinct legend text.
pub(crate) fn shock_entries(shocks: &[ShockYear]) -> Vec<LegendEntry> {
    let mut seen: Vec<&str> = Vec::new();
    for s in shocks {
        if !seen.contains(&s.legend.as_str()) {
            seen.push(&s.legend);
        }
    }
    seen.into_iter()
        .map(|l| {
            let swatch = Swatch::Fill {
                color: palette::SHOCK.mix(draw::SHOCK_ALPHA),
                edge: None,
            };
            LegendEntry::new(swatch, l)
        })
        .collect()
}

/// The legend entry of a target line.
pub(crate) fn target_entry(target: &TargetLine, sz: &Sizes) -> LegendEntry {
    let swatch = Swatch::Line {
        color: palette::TARGET,
        width: sz.target_width,
        dash: Some(sz.legend_dash()),
        marker: Marker::None,
    };
    LegendEntry::new(swatch, target.label())
}

/// The text of a page around a fan or comparison plot.
pub(crate) struct FanPage<'a> {
    pub title: &'a str,
    pub annotation: Option<&'a str>,
    pub source_note: Option<&'a str>,
    pub footer: &'a str,
}

/// The page of fan and comparison charts: title on top, sidebar (note box and legend) on the
/// right, source note and footer at the bottom. Returns the rectangle left for the plot and
/// its axes.
pub(crate) fn draw_frame(
    root: &Area<'_>,
    t: &FanPage<'_>,
    legend: &[LegendEntry],
    sz: &Sizes,
) -> Result<PixelRect, ChartError> {
    let annotation = t.annotation.filter(|a| !a.trim().is_empty());
    let notes: Vec<String> = match t.source_note {
        Some(s) if !s.trim().is_empty() => vec![format!("Source: {}", s.trim())],
        _ => Vec::new(),
    };
    let layout = Frame {
        notes: &notes,
        notes_color: palette::MUTED,
        footer: t.footer,
        side: (!legend.is_empty() || annotation.is_some()).then_some(SideColumn::CHART),
        ..Frame::new(t.title)
    }
    .draw(root, sz)?;
    if let Some(side) = layout.side {
        frame::draw_sidebar(root, side, annotation.map(str::trim), legend, sz)?;
    }
    // The plot's room starts half a margin from the left edge and ends a margin left of the
    // sidebar (two margins from the right edge without one).
    let (w, m, top) = (layout.size.0, layout.margin, layout.top);
    let side_x = layout.side.map_or(w - m, |s| s.left);
    let width = (side_x - m - m / 2).max(50);
    Ok(PixelRect {
        left: m / 2,
        top,
        right: m / 2 + width - 1,
        bottom: layout.room().bottom - 1,
    })
}

fn draw_page(root: &Area<'_>, spec: &FanChart, sz: &Sizes) -> Result<PlotGeometry, ChartError> {
    let legend = legend_entries(spec, sz);
    let text = FanPage {
        title: &spec.title,
        annotation: spec.annotation.as_deref(),
        source_note: spec.source_note.as_deref(),
        footer: &spec.footer,
    };
    let plot = draw_frame(root, &text, &legend, sz)?;
    draw_plot(root, plot, spec, sz)
}
