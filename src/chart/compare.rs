//! Scenario comparison: several scenarios' medians and 90 % bands on one chart with the target.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axes::{self, Plot};
use super::canvas::{Area, Sizes};
use super::draw::{self, Marker};
use super::fan;
use super::frame::render_rgb;
use super::legend::{LegendEntry, Swatch};
use super::scale::{ValueAxis, YearAxis};
use super::{
    Band, ChartError, FanChart, HistoryPoint, PixelRect, PlotGeometry, RenderedChart, ShockYear,
    TargetLine, YRange, palette,
};

/// One scenario's projection: median and one band (typically 5–95 %), per year.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonSeries {
    /// Scenario name for the legend, e.g. `"baseline"` or `"growth −2 pt in 2022"`.
    pub label: String,
    pub median: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// Several scenarios of one indicator on shared axes.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonChart {
    pub title: String,
    pub y_label: String,
    pub x_label: String,
    /// Projection years, strictly increasing; every series has one value per year.
    pub years: Vec<i32>,
    /// At most 6 series get distinct colours and markers; later ones reuse them.
    pub series: Vec<ComparisonSeries>,
    /// Legend text explaining the shaded bands, e.g. `"Shaded: 5–95 % of paths"`.
    pub band_label: String,
    pub history: Vec<HistoryPoint>,
    /// The last known value before the projection, `(year, value)`: every series' band and
    /// median start from it (see [`FanChart::jump_off`]).
    pub jump_off: Option<(i32, f64)>,
    /// Shock years (of any scenario), shaded behind the data.
    pub shocks: Vec<ShockYear>,
    pub target: Option<TargetLine>,
    pub annotation: Option<String>,
    pub footer: String,
    pub source_note: Option<String>,
    pub y_range: YRange,
    pub size: (u32, u32),
}

impl Default for ComparisonChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            y_label: String::new(),
            x_label: "Year".to_owned(),
            years: Vec::new(),
            series: Vec::new(),
            band_label: "Shaded: 90 % band (5–95 % of paths)".to_owned(),
            history: Vec::new(),
            jump_off: None,
            shocks: Vec::new(),
            target: None,
            annotation: None,
            footer: String::new(),
            source_note: None,
            y_range: YRange::Auto,
            size: (1200, 800),
        }
    }
}

/// Opacity of the series bands: low, so that where bands overlap their edges (drawn in full
/// colour, each series with its own dash pattern) tell them apart rather than a blended fill.
const BAND_ALPHA: f64 = 0.07;

/// Dash and gap (pixels at 1200×800) of the band edges of series `i`: solid for the first.
fn edge_dash(i: usize) -> Option<(u32, u32)> {
    const DASHES: [Option<(u32, u32)>; 4] = [None, Some((9, 5)), Some((3, 4)), Some((12, 4))];
    DASHES[i % DASHES.len()]
}

/// Renders `spec` to a PNG file at `path`.
///
/// # Errors
/// [`ChartError::InvalidSpec`] if a series' length differs from `years` or years are not
/// increasing; [`ChartError::Write`] if the file cannot be written.
pub fn render_comparison(spec: &ComparisonChart, path: &Path) -> Result<PlotGeometry, ChartError> {
    let img = render_comparison_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// Renders `spec` into memory; see [`render_comparison`].
///
/// # Errors
/// As [`render_comparison`], except for writing.
pub fn render_comparison_rgb(spec: &ComparisonChart) -> Result<RenderedChart, ChartError> {
    let n = spec.years.len();
    if spec.years.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ChartError::invalid(
            "years",
            "years must be strictly increasing",
        ));
    }
    for (i, s) in spec.series.iter().enumerate() {
        for (name, v) in [
            ("median", &s.median),
            ("lower", &s.lower),
            ("upper", &s.upper),
        ] {
            if v.len() != n {
                return Err(ChartError::invalid(
                    format!("series[{i}].{name}"),
                    format!("{} values for {n} years", v.len()),
                ));
            }
        }
    }
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        let legend = legend_entries(spec, &sz);
        let text = fan::FanPage {
            title: &spec.title,
            annotation: spec.annotation.as_deref(),
            source_note: spec.source_note.as_deref(),
            footer: &spec.footer,
        };
        let plot = fan::draw_frame(root, &text, &legend, &sz)?;
        Ok(vec![draw_plot(root, plot, spec, &sz)?])
    })
}

fn series_style(i: usize) -> (RGBColor, Marker) {
    (
        palette::SERIES[i % palette::SERIES.len()],
        Marker::SERIES[i % Marker::SERIES.len()],
    )
}

/// The axes of the comparison: those of a fan chart with the series' bands (widened to
/// their medians) as bands.
fn axis_ranges(
    spec: &ComparisonChart,
    frame: PixelRect,
    sz: &Sizes,
) -> (YearAxis, ValueAxis, bool) {
    let band = |s: &ComparisonSeries| Band {
        lower: s
            .lower
            .iter()
            .zip(&s.median)
            .map(|(a, b)| a.min(*b))
            .collect(),
        upper: s
            .upper
            .iter()
            .zip(&s.median)
            .map(|(a, b)| a.max(*b))
            .collect(),
        label: String::new(),
    };
    let proxy = FanChart {
        years: spec.years.clone(),
        bands: spec.series.iter().map(band).collect(),
        median: vec![f64::NAN; spec.years.len()],
        history: spec.history.clone(),
        jump_off: spec.jump_off,
        shocks: spec.shocks.clone(),
        target: spec.target.clone(),
        y_range: spec.y_range,
        ..FanChart::default()
    };
    let (w, h) = (frame.right - frame.left + 1, frame.bottom - frame.top + 1);
    fan::axis_ranges(&proxy, w - 80, h - 60, sz)
}

fn draw_plot(
    area: &Area<'_>,
    frame: PixelRect,
    spec: &ComparisonChart,
    sz: &Sizes,
) -> Result<PlotGeometry, ChartError> {
    let (x, y, has_data) = axis_ranges(spec, frame, sz);
    let titles = (spec.x_label.as_str(), spec.y_label.as_str());
    let plot = axes::draw_time_axes(area, frame, &x, &y, titles, sz)?;
    if !has_data {
        draw::draw_no_data(area, &plot, sz.axis_desc)?;
        return Ok(plot.geometry());
    }
    draw::draw_shocks(area, &plot, &spec.shocks, sz)?;
    for (i, s) in spec.series.iter().enumerate() {
        let (color, _) = series_style(i);
        let fill = ShapeStyle::from(color.mix(BAND_ALPHA)).filled();
        let (years, edges) = jumped(spec, &[&s.lower, &s.upper]);
        draw::draw_band(area, &plot, &years, (&edges[0], &edges[1]), fill, None)?;
    }
    // Edges in reverse order, so the reference's lie on top where bands coincide.
    for (i, s) in spec.series.iter().enumerate().rev() {
        let (color, _) = series_style(i);
        let (years, edges) = jumped(spec, &[&s.lower, &s.upper]);
        for edge in &edges {
            draw_edge(area, &plot, &years, edge, color, edge_dash(i))?;
        }
    }
    if let Some(t) = &spec.target {
        let pts = draw::target_points(t, &spec.years, (x.lo, x.hi));
        draw::draw_target(area, &plot, &pts, sz)?;
    }
    // The first series (the reference) last, wider and on a white halo, so no other median
    // hides it.
    let order = (1..spec.series.len()).chain((!spec.series.is_empty()).then_some(0));
    for i in order {
        let s = &spec.series[i];
        let (color, marker) = series_style(i);
        let width = sz.median_width + u32::from(i == 0);
        let (years, m) = jumped(spec, &[&s.median]);
        let line = (years.as_slice(), m[0].as_slice());
        if i == 0 {
            let halo = ShapeStyle::from(WHITE).stroke_width(width + 4);
            draw::draw_line(area, &plot, line, halo, (Marker::None, 0))?;
        }
        let style = ShapeStyle::from(color).stroke_width(width);
        draw::draw_line(area, &plot, line, style, (Marker::None, 0))?;
        let line = (spec.years.as_slice(), s.median.as_slice());
        draw::draw_line(area, &plot, line, style, (marker, sz.marker + 1))?;
    }
    // History last: a known or published figure stays visible on the lines it meets.
    draw::draw_history(area, &plot, &spec.history, sz)?;
    Ok(plot.geometry())
}

/// `series` with the jump-off point prepended where the series starts at the first year.
fn jumped(spec: &ComparisonChart, series: &[&Vec<f64>]) -> (Vec<i32>, Vec<Vec<f64>>) {
    let starts = series
        .iter()
        .all(|s| s.first().is_some_and(|v| v.is_finite()));
    let slices: Vec<&[f64]> = series.iter().map(|s| s.as_slice()).collect();
    draw::with_jump_off(&spec.years, &slices, spec.jump_off.filter(|_| starts))
}

/// A line along a band edge in the series' colour, solid or dashed, so overlapping bands
/// stay readable.
fn draw_edge(
    area: &Area<'_>,
    plot: &Plot,
    years: &[i32],
    values: &[f64],
    color: RGBColor,
    dash: Option<(u32, u32)>,
) -> Result<(), ChartError> {
    let style = ShapeStyle::from(color).stroke_width(2);
    let mut run: Vec<(i32, i32)> = Vec::new();
    let flush = |run: &mut Vec<(i32, i32)>| {
        if run.len() >= 2 {
            let pts = std::mem::take(run);
            match dash {
                Some((d, g)) => area.draw(&DashedPathElement::new(pts, d, g, style)),
                None => area.draw(&PathElement::new(pts, style)),
            }
            .map_err(super::canvas::draw_err)?;
        }
        run.clear();
        Ok::<(), ChartError>(())
    };
    for (yr, v) in years.iter().zip(values) {
        if v.is_finite() {
            run.push(plot.clamped((f64::from(*yr), *v)));
        } else {
            flush(&mut run)?;
        }
    }
    flush(&mut run)
}

fn legend_entries(spec: &ComparisonChart, sz: &Sizes) -> Vec<LegendEntry> {
    let mut out: Vec<LegendEntry> = spec
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (color, marker) = series_style(i);
            let swatch = Swatch::BandLine {
                color,
                width: sz.median_width + u32::from(i == 0),
                marker,
                alpha: BAND_ALPHA * 2.0,
            };
            LegendEntry::new(swatch, s.label.clone())
        })
        .collect();
    if !spec.series.is_empty() && !spec.band_label.trim().is_empty() {
        let swatch = Swatch::Fill {
            color: RGBColor(120, 120, 120).mix(BAND_ALPHA * 2.0),
            edge: Some(RGBColor(120, 120, 120)),
        };
        out.push(LegendEntry::new(swatch, spec.band_label.clone()));
    }
    out.extend(fan::history_entries(&spec.history, sz));
    out.extend(spec.target.as_ref().map(|t| fan::target_entry(t, sz)));
    out.extend(fan::shock_entries(&spec.shocks));
    out
}
