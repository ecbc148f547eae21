//! The fan chart: nested quantile bands, median, history and target for one indicator.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::draw::{self, Area, LegendEntry, Marker, Sizes, Swatch, draw_err};
use super::scale::{self, ValueAxis, YearAxis};
use super::text::{self, line_height};
use super::{ChartError, FanChart, HistoryKind, PlotGeometry, RenderedChart, YRange, palette};

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

/// Allocates a white RGB buffer of `size`, lets `draw` paint on it, and wraps the result.
pub(crate) fn render_rgb(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<Vec<PlotGeometry>, ChartError>,
) -> Result<RenderedChart, ChartError> {
    super::font::ensure_fonts_registered()?;
    let (w, h) = size;
    if !(200..=10_000).contains(&w) || !(150..=10_000).contains(&h) {
        return Err(ChartError::invalid(
            "size",
            format!("{w}×{h} pixels is outside 200–10000 × 150–10000"),
        ));
    }
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    let plots = {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        let plots = draw(&root)?;
        root.present().map_err(draw_err)?;
        plots
    };
    Ok(RenderedChart {
        width: w,
        height: h,
        rgb,
        plots,
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
        super::TargetLine::Horizontal { value, .. } => vec![*value],
        super::TargetLine::Path { points, .. } => points.iter().map(|p| p.1).collect(),
    });
    bands
        .chain(spec.median.iter().copied())
        .chain(spec.history.iter().map(|h| h.value))
        .chain(target)
}

fn axis_years(spec: &FanChart) -> impl Iterator<Item = f64> + '_ {
    let target_x = spec.target.iter().flat_map(|t| match t {
        super::TargetLine::Path { points, .. } => points.iter().map(|p| p.0).collect(),
        super::TargetLine::Horizontal { .. } => Vec::new(),
    });
    spec.years
        .iter()
        .chain(
            spec.history
                .iter()
                .filter(|h| h.value.is_finite())
                .map(|h| &h.year),
        )
        .map(|&y| f64::from(y))
        .chain(target_x)
}

/// The axes of a fan chart whose plot is about `plot_w`×`plot_h` pixels.
pub(crate) fn axes(
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

/// Draws the plot of `spec` (axes and data, no title or legend) on `area`.
pub(crate) fn draw_plot(
    area: &Area<'_>,
    spec: &FanChart,
    sz: &Sizes,
) -> Result<PlotGeometry, ChartError> {
    let (w, h) = area.dim_in_pixel();
    let (x, y, has_data) = axes(spec, w as i32 - 80, h as i32 - 60, sz);
    let mut chart = draw::build_axes(area, &x, &y, &spec.x_label, &spec.y_label, sz)?;
    if !has_data {
        draw::draw_no_data(area, &chart, &x, &y, sz.axis_desc)?;
        return Ok(draw::geometry(&chart, &x, &y));
    }
    let n = spec.bands.len();
    for (i, band) in spec.bands.iter().enumerate() {
        let fill = ShapeStyle::from(palette::band_fill(i, n)).filled();
        let edge = (i == 0).then(|| ShapeStyle::from(palette::BAND_EDGE).stroke_width(1));
        draw::draw_band(
            &mut chart,
            &spec.years,
            &band.lower,
            &band.upper,
            fill,
            edge,
        )?;
    }
    draw::draw_history(&mut chart, &spec.history, sz)?;
    if let Some(t) = &spec.target {
        let pts = draw::target_points(t, &spec.years, &x);
        draw::draw_target(&mut chart, &pts, sz)?;
    }
    let median = ShapeStyle::from(palette::MEDIAN).stroke_width(sz.median_width);
    draw::draw_line(
        &mut chart,
        &spec.years,
        &spec.median,
        median,
        Marker::Dot,
        sz.marker - 1,
    )?;
    Ok(draw::geometry(&chart, &x, &y))
}

/// Legend entries of a fan chart, in drawing order.
pub(crate) fn legend_entries(spec: &FanChart, sz: &Sizes) -> Vec<LegendEntry> {
    let n = spec.bands.len();
    let mut out: Vec<LegendEntry> = spec
        .bands
        .iter()
        .enumerate()
        .map(|(i, b)| LegendEntry {
            swatch: Swatch::Fill {
                color: palette::band_fill(i, n).to_rgba(),
                edge: (i == 0).then_some(palette::BAND_EDGE),
            },
            label: b.label.clone(),
        })
        .collect();
    if !spec.median.is_empty() {
        out.push(LegendEntry {
            swatch: Swatch::Line {
                color: palette::MEDIAN,
                width: sz.median_width,
                dashed: false,
                marker: Marker::Dot,
            },
            label: spec.median_label.clone(),
        });
    }
    for draw::HistoryGroup { kind, label, .. } in draw::history_groups(&spec.history) {
        out.push(LegendEntry {
            swatch: Swatch::Marker {
                marker: draw::history_marker(kind),
                color: palette::HISTORY,
                dotted_line: kind == HistoryKind::PeriodAverage,
            },
            label: label.to_owned(),
        });
    }
    if let Some(t) = &spec.target {
        out.push(LegendEntry {
            swatch: Swatch::Line {
                color: palette::TARGET,
                width: sz.target_width,
                dashed: true,
                marker: Marker::None,
            },
            label: t.label().to_owned(),
        });
    }
    out
}

/// The page frame shared by fan and comparison charts: title on top, sidebar (note box and
/// legend) on the right, source note and footer at the bottom. Returns the plot area.
pub(crate) fn draw_frame<'b>(
    root: &Area<'b>,
    title: &str,
    annotation: Option<&str>,
    legend: &[LegendEntry],
    source_note: Option<&str>,
    footer: &str,
    sz: &Sizes,
) -> Result<Area<'b>, ChartError> {
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let m = sz.margin;
    let inner_w = w - 2 * m;

    let title_lines = text::wrap(title, sz.title, inner_w, 2);
    let title_h = draw::draw_lines(
        root,
        &title_lines,
        w / 2,
        m,
        sz.title,
        palette::TEXT,
        HPos::Center,
    )?;
    let top = m + title_h + m / 2;

    let footer_lines = if footer.is_empty() {
        Vec::new()
    } else {
        text::wrap(footer, sz.footer, inner_w, 2)
    };
    let source_lines = match source_note {
        Some(s) if !s.trim().is_empty() => {
            text::wrap(&format!("Source: {}", s.trim()), sz.source, inner_w, 3)
        }
        _ => Vec::new(),
    };
    let footer_h = footer_lines.len() as i32 * line_height(sz.footer);
    let source_h = source_lines.len() as i32 * line_height(sz.source);
    let gap = if source_h > 0 && footer_h > 0 {
        m / 3
    } else {
        0
    };
    let bottom_h = footer_h + source_h + gap;
    let bottom = h - m - bottom_h;
    draw::draw_lines(
        root,
        &source_lines,
        m,
        bottom,
        sz.source,
        palette::MUTED,
        HPos::Left,
    )?;
    draw::draw_lines(
        root,
        &footer_lines,
        m,
        bottom + source_h + gap,
        sz.footer,
        palette::MUTED,
        HPos::Left,
    )?;
    if bottom_h > 0 {
        let y = bottom - m / 2;
        root.draw(&PathElement::new(
            vec![(m, y), (w - m, y)],
            ShapeStyle::from(palette::GRID).stroke_width(1),
        ))
        .map_err(draw_err)?;
    }

    let annotation = annotation.filter(|a| !a.trim().is_empty());
    let side_w = if legend.is_empty() && annotation.is_none() {
        0
    } else {
        ((f64::from(w) * 0.24) as i32).clamp(160, 420)
    };
    let side_x = w - m - side_w;
    let mut y = top + sz.margin;
    if let Some(note) = annotation {
        y += draw::draw_note_box(root, note.trim(), side_x, y, side_w, sz.note)?;
        y += (sz.legend * 1.6) as i32;
    }
    draw::draw_legend_column(root, legend, side_x, y, side_w, sz)?;

    let plot_bottom = bottom - m;
    let plot = root.clone().shrink(
        (m / 2, top),
        ((side_x - m - m / 2).max(50), (plot_bottom - top).max(50)),
    );
    Ok(plot)
}

fn draw_page(root: &Area<'_>, spec: &FanChart, sz: &Sizes) -> Result<PlotGeometry, ChartError> {
    let legend = legend_entries(spec, sz);
    let plot = draw_frame(
        root,
        &spec.title,
        spec.annotation.as_deref(),
        &legend,
        spec.source_note.as_deref(),
        &spec.footer,
        sz,
    )?;
    draw_plot(&plot, spec, sz)
}
