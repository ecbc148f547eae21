//! Drawing pieces shared by the chart kinds: axes, bands, lines, markers, legends, text blocks.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::{CoordTranslate, Shift};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::scale::{ValueAxis, YearAxis};
use super::text::{self, Placement, line_height};
use super::{ChartError, HistoryKind, HistoryPoint, PixelRect, PlotGeometry, TargetLine, palette};

pub(crate) type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;
pub(crate) type Coord = Cartesian2d<Axis, Axis>;

/// A linear axis whose tick positions are given explicitly (plotters picks its own otherwise).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        // The same rounding as plotters' own f64 axes.
        let span = self.hi - self.lo;
        if span == 0.0 || !value.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        let frac = (value - self.lo) / span;
        let len = f64::from(limit.1 - limit.0);
        let off = if len >= 0.0 {
            (len * frac + 1e-3).floor()
        } else {
            (len * frac - 1e-3).ceil()
        };
        // Keep far-off points representable; the drawing area clips them anyway.
        limit.0 + off.clamp(-1e6, 1e6) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}
pub(crate) type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Coord>;

/// Converts any plotters drawing error into a [`ChartError`].
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    e: DrawingAreaErrorKind<E>,
) -> ChartError {
    ChartError::Drawing(e.to_string())
}

/// Text sizes (em in pixels) and stroke widths, scaled to the image or panel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    pub title: f64,
    pub axis_desc: f64,
    pub tick: f64,
    pub legend: f64,
    pub note: f64,
    pub footer: f64,
    pub source: f64,
    pub margin: i32,
    pub median_width: u32,
    pub target_width: u32,
    pub marker: i32,
    pub dash: (u32, u32),
}

impl Sizes {
    /// Sizes for a full chart of `w`×`h` pixels (1200×800 is the reference).
    pub fn page(w: u32, h: u32) -> Self {
        Self::with_scale((f64::from(w) / 1200.0).min(f64::from(h) / 800.0))
    }

    /// Full-chart sizes multiplied by `s` (clamped to 0.45–4).
    pub fn with_scale(s: f64) -> Self {
        let s = s.clamp(0.45, 4.0);
        let px = |v: f64| (v * s).round().max(1.0);
        Self {
            title: px(24.0),
            axis_desc: px(15.0),
            tick: px(14.0),
            legend: px(14.0),
            note: px(18.0),
            footer: px(12.0),
            source: px(13.0),
            margin: px(18.0) as i32,
            median_width: px(3.0) as u32,
            target_width: px(3.0) as u32,
            marker: px(5.0) as i32,
            dash: (px(12.0) as u32, px(7.0) as u32),
        }
    }

    /// The scale of panel text for panels of `w`×`h` pixels (1 at 460×330).
    pub fn panel_scale(w: i32, h: i32) -> f64 {
        (f64::from(w) / 460.0)
            .min(f64::from(h) / 330.0)
            .clamp(0.6, 2.5)
    }

    /// Sizes for one panel of a small-multiples page at scale `s` (see [`Self::panel_scale`]).
    pub fn panel(s: f64) -> Self {
        let px = |v: f64| (v * s).round().max(1.0);
        Self {
            title: px(15.0),
            axis_desc: px(12.0),
            tick: px(12.0),
            legend: px(14.0),
            note: px(13.0),
            footer: px(12.0),
            source: px(12.0),
            margin: px(8.0) as i32,
            median_width: px(2.5) as u32,
            target_width: px(2.5) as u32,
            marker: px(4.0) as i32,
            dash: (px(9.0) as u32, px(5.0) as u32),
        }
    }
}

/// Builds the axes on `area`: light grid, integer year ticks, value ticks with the decimals the
/// step needs, axis titles (shortened with "…" if longer than their axis).
pub(crate) fn build_axes<'a, 'b>(
    area: &'a Area<'b>,
    x: &YearAxis,
    y: &ValueAxis,
    x_desc: &str,
    y_desc: &str,
    sz: &Sizes,
) -> Result<Chart<'a, 'b>, ChartError> {
    let (w, h) = area.dim_in_pixel();
    let tick_w = y
        .ticks
        .iter()
        .map(|&t| text::width(&y.label(t), sz.tick))
        .max()
        .unwrap_or(0);
    let has_y_desc = !y_desc.trim().is_empty();
    let has_x_desc = !x_desc.trim().is_empty();
    let y_area = tick_w
        + TICK_LEN
        + 9
        + if has_y_desc {
            line_height(sz.axis_desc) + 4
        } else {
            0
        };
    let x_area = TICK_LEN
        + 6
        + line_height(sz.tick)
        + if has_x_desc {
            line_height(sz.axis_desc) + 2
        } else {
            0
        };
    let right_pad = (sz.tick * 1.6) as i32; // room for the last year label's right half
    let plot_h = h as i32 - x_area - sz.margin;
    let plot_w = w as i32 - y_area - right_pad;
    let y_desc = text::fit(y_desc.trim(), sz.axis_desc, plot_h.max(20));
    let x_desc = text::fit(x_desc.trim(), sz.axis_desc, plot_w.max(20));

    let mut chart = ChartBuilder::on(area)
        .margin_top(sz.margin)
        .margin_right(right_pad)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            Axis {
                lo: x.lo,
                hi: x.hi,
                ticks: x.ticks.clone(),
            },
            Axis {
                lo: y.lo,
                hi: y.hi,
                ticks: y.ticks.clone(),
            },
        )
        .map_err(draw_err)?;

    chart
        .configure_mesh()
        .bold_line_style(palette::GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(ShapeStyle::from(RGBColor(90, 90, 90)).stroke_width(1))
        .set_all_tick_mark_size(TICK_LEN)
        .x_labels(x.ticks.len().max(1))
        .y_labels(y.ticks.len().max(1))
        // Tick labels and axis titles are drawn below with the crate's own text renderer.
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|_| String::new())
        .label_style(("sans-serif", 10).into_font().color(&TRANSPARENT))
        .draw()
        .map_err(draw_err)?;

    let (bx, by) = area.get_base_pixel();
    let g = geometry(&chart, x, y).plot_area;
    let tick = Placement::new(sz.tick, palette::TEXT);
    let label_top = g.bottom - by + TICK_LEN + 4;
    for &t in &x.ticks {
        let (px, _) = chart.backend_coord(&(t, y.lo));
        let at = (px - bx, label_top);
        text::draw_text(
            area,
            &format!("{t:.0}"),
            at,
            tick.align(HPos::Center, VPos::Top),
        )?;
    }
    for &t in &y.ticks {
        let (_, py) = chart.backend_coord(&(x.lo, t));
        let at = (g.left - bx - TICK_LEN - 5, py - by);
        text::draw_text(area, &y.label(t), at, tick.align(HPos::Right, VPos::Center))?;
    }
    let desc = Placement::new(sz.axis_desc, palette::TEXT);
    if has_x_desc {
        let at = (
            (g.left + g.right) / 2 - bx,
            label_top + line_height(sz.tick) + 2,
        );
        text::draw_text(area, &x_desc, at, desc.align(HPos::Center, VPos::Top))?;
    }
    if has_y_desc {
        let at = (
            line_height(sz.axis_desc) / 2 + 2,
            (g.top + g.bottom) / 2 - by,
        );
        text::draw_text(
            area,
            &y_desc,
            at,
            desc.align(HPos::Center, VPos::Center).rotated(),
        )?;
    }
    Ok(chart)
}

/// Length of the tick marks, in pixels.
const TICK_LEN: i32 = 5;

/// The pixel geometry of a chart's plotting area.
pub(crate) fn geometry(chart: &Chart<'_, '_>, x: &YearAxis, y: &ValueAxis) -> PlotGeometry {
    let (left, bottom) = chart.backend_coord(&(x.lo, y.lo));
    let (right, top) = chart.backend_coord(&(x.hi, y.hi));
    PlotGeometry {
        plot_area: PixelRect {
            left,
            top,
            right,
            bottom,
        },
        x_range: (x.lo, x.hi),
        y_range: (y.lo, y.hi),
    }
}

/// Runs of consecutive indices where `ok(i)` holds.
fn runs(n: usize, ok: impl Fn(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=n {
        match (i < n && ok(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Half-width (in years) of the bar drawn for a band or line with a single year.
const SINGLE_HALF_WIDTH: f64 = 0.22;

/// Fills the band between `lower` and `upper` as polygons (one per run of finite years);
/// a lone year becomes a bar. With `edge`, the two edges are outlined.
pub(crate) fn draw_band(
    chart: &mut Chart<'_, '_>,
    years: &[i32],
    lower: &[f64],
    upper: &[f64],
    fill: ShapeStyle,
    edge: Option<ShapeStyle>,
) -> Result<(), ChartError> {
    let finite = |i: usize| lower[i].is_finite() && upper[i].is_finite();
    for run in runs(years.len(), finite) {
        let x = |i: usize| f64::from(years[i]);
        if run.len() == 1 {
            let i = run.start;
            let rect = [
                (x(i) - SINGLE_HALF_WIDTH, lower[i]),
                (x(i) + SINGLE_HALF_WIDTH, upper[i]),
            ];
            chart
                .draw_series(std::iter::once(Rectangle::new(rect, fill)))
                .map_err(draw_err)?;
            if let Some(e) = edge {
                chart
                    .draw_series(std::iter::once(Rectangle::new(rect, e)))
                    .map_err(draw_err)?;
            }
            continue;
        }
        let mut pts: Vec<(f64, f64)> = run.clone().map(|i| (x(i), lower[i])).collect();
        pts.extend(run.clone().rev().map(|i| (x(i), upper[i])));
        chart
            .draw_series(std::iter::once(Polygon::new(pts, fill)))
            .map_err(draw_err)?;
        if let Some(e) = edge {
            for edge_values in [lower, upper] {
                let line: Vec<(f64, f64)> = run.clone().map(|i| (x(i), edge_values[i])).collect();
                chart
                    .draw_series(std::iter::once(PathElement::new(line, e)))
                    .map_err(draw_err)?;
            }
        }
    }
    Ok(())
}

/// Draws a line through the finite values (breaking at gaps) with a marker at each year;
/// a lone year gets a short horizontal tick as well as the marker.
pub(crate) fn draw_line(
    chart: &mut Chart<'_, '_>,
    years: &[i32],
    values: &[f64],
    style: ShapeStyle,
    marker: Marker,
    marker_size: i32,
) -> Result<(), ChartError> {
    let n = years.len().min(values.len());
    for run in runs(n, |i| values[i].is_finite()) {
        let pts: Vec<(f64, f64)> = run
            .clone()
            .map(|i| (f64::from(years[i]), values[i]))
            .collect();
        let line = if pts.len() == 1 {
            let (x, y) = pts[0];
            vec![(x - SINGLE_HALF_WIDTH, y), (x + SINGLE_HALF_WIDTH, y)]
        } else {
            pts.clone()
        };
        chart
            .draw_series(std::iter::once(PathElement::new(line, style)))
            .map_err(draw_err)?;
        for p in pts {
            marker.draw_on(
                chart.plotting_area(),
                p,
                marker_size,
                style.color,
                style.stroke_width,
            )?;
        }
    }
    Ok(())
}

/// Marker shapes; hollow ones are filled white so they read over bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    None,
    Dot,
    HollowCircle,
    Diamond,
    Triangle,
    Square,
    HollowDiamond,
}

impl Marker {
    /// The series' markers in order, for comparison charts (distinct in grayscale too).
    pub const SERIES: [Marker; 6] = [
        Marker::Dot,
        Marker::Triangle,
        Marker::Square,
        Marker::HollowDiamond,
        Marker::HollowCircle,
        Marker::Diamond,
    ];

    /// Draws the marker centred on `at` (in the area's own coordinates).
    pub fn draw_on<CT>(
        self,
        area: &DrawingArea<BitMapBackend<'_>, CT>,
        at: CT::From,
        r: i32,
        color: RGBAColor,
        stroke: u32,
    ) -> Result<(), ChartError>
    where
        CT: CoordTranslate,
        CT::From: Clone,
    {
        let fill = ShapeStyle::from(color).filled();
        let outline = ShapeStyle::from(color).stroke_width(stroke.clamp(1, 2));
        let white = ShapeStyle::from(WHITE).filled();
        let base = || EmptyElement::at(at.clone());
        let diamond = |r: i32| vec![(0, -r), (r, 0), (0, r), (-r, 0)];
        match self {
            Marker::None => Ok(()),
            Marker::Dot => area.draw(&(base() + Circle::new((0, 0), r.max(2), fill))),
            Marker::HollowCircle => area
                .draw(&(base() + Circle::new((0, 0), r, white) + Circle::new((0, 0), r, outline))),
            Marker::Diamond => area.draw(&(base() + Polygon::new(diamond(r + 1), fill))),
            Marker::HollowDiamond => {
                let mut closed = diamond(r + 1);
                closed.push((0, -r - 1));
                area.draw(
                    &(base()
                        + Polygon::new(diamond(r + 1), white)
                        + PathElement::new(closed, outline)),
                )
            }
            Marker::Triangle => {
                let pts = vec![(0, -r - 1), (r + 1, r), (-r - 1, r)];
                area.draw(&(base() + Polygon::new(pts, fill)))
            }
            Marker::Square => {
                area.draw(&(base() + Rectangle::new([(-r + 1, -r + 1), (r - 1, r - 1)], fill)))
            }
        }
        .map_err(draw_err)
    }
}

/// History points of one kind and label, sorted by year.
pub(crate) struct HistoryGroup<'a> {
    pub kind: HistoryKind,
    pub label: &'a str,
    pub points: Vec<(i32, f64)>,
}

/// Groups history points by (kind, label) in order of first appearance.
pub(crate) fn history_groups(history: &[HistoryPoint]) -> Vec<HistoryGroup<'_>> {
    let mut groups: Vec<HistoryGroup<'_>> = Vec::new();
    for p in history {
        let pt = (p.year, p.value);
        match groups
            .iter_mut()
            .find(|g| g.kind == p.kind && g.label == p.label.as_str())
        {
            Some(g) => g.points.push(pt),
            None => groups.push(HistoryGroup {
                kind: p.kind,
                label: p.label.as_str(),
                points: vec![pt],
            }),
        }
    }
    for g in &mut groups {
        g.points.sort_by_key(|&(y, _)| y);
    }
    groups
}

pub(crate) fn history_marker(kind: HistoryKind) -> Marker {
    match kind {
        HistoryKind::PeriodAverage => Marker::HollowCircle,
        HistoryKind::Observed => Marker::Diamond,
    }
}

/// Draws history: period averages as hollow circles on a dotted line, observations as
/// diamonds on a thin solid line. Lines join consecutive years only.
pub(crate) fn draw_history(
    chart: &mut Chart<'_, '_>,
    history: &[HistoryPoint],
    sz: &Sizes,
) -> Result<(), ChartError> {
    let color = palette::HISTORY;
    for HistoryGroup { kind, points, .. } in history_groups(history) {
        let pts: Vec<(i32, f64)> = points.into_iter().filter(|p| p.1.is_finite()).collect();
        let line_style =
            ShapeStyle::from(color).stroke_width(if kind == HistoryKind::Observed { 2 } else { 1 });
        for w in pts.windows(2) {
            if w[1].0 - w[0].0 != 1 {
                continue;
            }
            let seg = [(f64::from(w[0].0), w[0].1), (f64::from(w[1].0), w[1].1)];
            if kind == HistoryKind::PeriodAverage {
                chart
                    .draw_series(std::iter::once(DashedPathElement::new(
                        seg, 3u32, 3u32, line_style,
                    )))
                    .map_err(draw_err)?;
            } else {
                chart
                    .draw_series(std::iter::once(PathElement::new(seg.to_vec(), line_style)))
                    .map_err(draw_err)?;
            }
        }
        let marker = history_marker(kind);
        for &(y, v) in &pts {
            marker.draw_on(
                chart.plotting_area(),
                (f64::from(y), v),
                sz.marker,
                color.to_rgba(),
                2,
            )?;
        }
    }
    Ok(())
}

/// The points of a target line: a horizontal target spans the projection years (half a year
/// beyond each end), or the whole axis if there are none.
pub(crate) fn target_points(target: &TargetLine, years: &[i32], x: &YearAxis) -> Vec<(f64, f64)> {
    match target {
        TargetLine::Horizontal { value, .. } => {
            if !value.is_finite() {
                return Vec::new();
            }
            let (a, b) = match (years.first(), years.last()) {
                (Some(&a), Some(&b)) => (f64::from(a) - 0.5, f64::from(b) + 0.5),
                _ => (x.lo, x.hi),
            };
            vec![(a.max(x.lo), *value), (b.min(x.hi), *value)]
        }
        TargetLine::Path { points, .. } => points
            .iter()
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect(),
    }
}

/// Draws the target as a dashed line (a lone point becomes a short dashed tick).
pub(crate) fn draw_target(
    chart: &mut Chart<'_, '_>,
    points: &[(f64, f64)],
    sz: &Sizes,
) -> Result<(), ChartError> {
    let style = ShapeStyle::from(palette::TARGET).stroke_width(sz.target_width);
    let pts: Vec<(f64, f64)> = match points {
        [] => return Ok(()),
        [(x, y)] => vec![(x - 0.5, *y), (x + 0.5, *y)],
        _ => points.to_vec(),
    };
    chart
        .draw_series(std::iter::once(DashedPathElement::new(
            pts, sz.dash.0, sz.dash.1, style,
        )))
        .map_err(draw_err)?;
    Ok(())
}

/// Writes "No finite data" in the middle of the plot.
pub(crate) fn draw_no_data(
    area: &Area<'_>,
    chart: &Chart<'_, '_>,
    x: &YearAxis,
    y: &ValueAxis,
    em: f64,
) -> Result<(), ChartError> {
    let (px, py) = chart.backend_coord(&((x.lo + x.hi) / 2.0, (y.lo + y.hi) / 2.0));
    let (bx, by) = area.get_base_pixel();
    let p = Placement::new(em, palette::MUTED).align(HPos::Center, VPos::Center);
    text::draw_text(area, "No finite data", (px - bx, py - by), p)
}

/// What a legend entry shows left of its text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Fill {
        color: RGBAColor,
        edge: Option<RGBColor>,
    },
    Line {
        color: RGBColor,
        width: u32,
        dashed: bool,
        marker: Marker,
    },
    /// A translucent band behind a line, for comparison series.
    BandLine {
        color: RGBColor,
        width: u32,
        marker: Marker,
        alpha: f64,
    },
    Marker {
        marker: Marker,
        color: RGBColor,
        dotted_line: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub swatch: Swatch,
    pub label: String,
}

const SWATCH_W: i32 = 40;

fn draw_swatch(
    area: &Area<'_>,
    swatch: Swatch,
    x: i32,
    y_mid: i32,
    h: i32,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let (x0, x1) = (x, x + SWATCH_W);
    match swatch {
        Swatch::Fill { color, edge } => {
            let rect = [(x0, y_mid - h / 2), (x1, y_mid + h / 2)];
            area.draw(&Rectangle::new(rect, ShapeStyle::from(color).filled()))
                .map_err(draw_err)?;
            if let Some(e) = edge {
                area.draw(&Rectangle::new(rect, ShapeStyle::from(e).stroke_width(1)))
                    .map_err(draw_err)?;
            }
        }
        Swatch::Line {
            color,
            width,
            dashed,
            marker,
        } => {
            let style = ShapeStyle::from(color).stroke_width(width);
            if dashed {
                let d = (sz.dash.0.min(11), sz.dash.1.min(6));
                area.draw(&DashedPathElement::new(
                    [(x0, y_mid), (x1, y_mid)],
                    d.0,
                    d.1,
                    style,
                ))
                .map_err(draw_err)?;
            } else {
                area.draw(&PathElement::new(vec![(x0, y_mid), (x1, y_mid)], style))
                    .map_err(draw_err)?;
            }
            marker.draw_on(
                area,
                (x0 + SWATCH_W / 2, y_mid),
                sz.marker,
                color.to_rgba(),
                width,
            )?;
        }
        Swatch::BandLine {
            color,
            width,
            marker,
            alpha,
        } => {
            let rect = [(x0, y_mid - h / 2), (x1, y_mid + h / 2)];
            area.draw(&Rectangle::new(
                rect,
                ShapeStyle::from(color.mix(alpha)).filled(),
            ))
            .map_err(draw_err)?;
            let style = ShapeStyle::from(color).stroke_width(width);
            area.draw(&PathElement::new(vec![(x0, y_mid), (x1, y_mid)], style))
                .map_err(draw_err)?;
            marker.draw_on(
                area,
                (x0 + SWATCH_W / 2, y_mid),
                sz.marker,
                color.to_rgba(),
                width,
            )?;
        }
        Swatch::Marker {
            marker,
            color,
            dotted_line,
        } => {
            let style = ShapeStyle::from(color).stroke_width(1);
            if dotted_line {
                area.draw(&DashedPathElement::new(
                    [(x0, y_mid), (x1, y_mid)],
                    3u32,
                    3u32,
                    style,
                ))
                .map_err(draw_err)?;
            } else {
                area.draw(&PathElement::new(
                    vec![(x0, y_mid), (x1, y_mid)],
                    style.stroke_width(2),
                ))
                .map_err(draw_err)?;
            }
            marker.draw_on(
                area,
                (x0 + SWATCH_W / 2, y_mid),
                sz.marker,
                color.to_rgba(),
                2,
            )?;
        }
    }
    Ok(())
}

/// Draws a one-column legend at `(x, y)` no wider than `width`; returns its height.
pub(crate) fn draw_legend_column(
    area: &Area<'_>,
    entries: &[LegendEntry],
    x: i32,
    y: i32,
    width: i32,
    sz: &Sizes,
) -> Result<i32, ChartError> {
    let em = sz.legend;
    let lh = line_height(em);
    let text_x = x + SWATCH_W + (em * 0.7) as i32;
    let text_w = width - (text_x - x);
    let p = Placement::new(em, palette::TEXT);
    let mut cy = y;
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            cy += (em * 0.75) as i32;
        }
        let lines = text::wrap(&e.label, em, text_w, 3);
        draw_swatch(area, e.swatch, x, cy + lh / 2, (em * 1.1) as i32, sz)?;
        for (k, l) in lines.iter().enumerate() {
            text::draw_text(
                area,
                l,
                (text_x, cy + k as i32 * lh + text_top_offset(em)),
                p,
            )?;
        }
        cy += lines.len().max(1) as i32 * lh;
    }
    Ok(cy - y)
}

/// Draws a legend in rows across `width`, centred; returns its height.
pub(crate) fn draw_legend_rows(
    area: &Area<'_>,
    entries: &[LegendEntry],
    y: i32,
    x0: i32,
    width: i32,
    sz: &Sizes,
) -> Result<i32, ChartError> {
    let em = sz.legend;
    let lh = line_height(em);
    let gap = (em * 2.0) as i32;
    let pad = (em * 0.6) as i32;
    let max_label = (width - SWATCH_W - pad).max(40);
    let items: Vec<(String, i32)> = entries
        .iter()
        .map(|e| {
            let label = text::fit(&e.label, em, max_label);
            let w = SWATCH_W + pad + text::width(&label, em);
            (label, w)
        })
        .collect();
    // Greedy rows.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut row_w = 0;
    for (i, (_, w)) in items.iter().enumerate() {
        let need = if row_w == 0 { *w } else { row_w + gap + w };
        if need > width && row_w > 0 {
            rows.push(vec![i]);
            row_w = *w;
        } else {
            rows.last_mut().expect("non-empty").push(i);
            row_w = need;
        }
    }
    let p = Placement::new(em, palette::TEXT);
    let row_h = lh + (em * 0.4) as i32;
    for (r, row) in rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|&i| items[i].1).sum::<i32>() + gap * (row.len() as i32 - 1).max(0);
        let mut cx = x0 + (width - total).max(0) / 2;
        let cy = y + r as i32 * row_h;
        for &i in row {
            draw_swatch(
                area,
                entries[i].swatch,
                cx,
                cy + lh / 2,
                (em * 1.1) as i32,
                sz,
            )?;
            text::draw_text(
                area,
                &items[i].0,
                (cx + SWATCH_W + pad, cy + text_top_offset(em)),
                p,
            )?;
            cx += items[i].1 + gap;
        }
    }
    Ok(rows.len() as i32 * row_h)
}

/// Vertical offset that centres a text box (one em high) in a line box of [`line_height`].
pub(crate) fn text_top_offset(em: f64) -> i32 {
    ((f64::from(line_height(em)) - em) / 2.0).round() as i32
}

/// Draws `lines` starting at `y`, aligned left at `x`, centred on `x` or right-aligned to `x`;
/// returns the height used.
pub(crate) fn draw_lines(
    area: &Area<'_>,
    lines: &[String],
    x: i32,
    y: i32,
    em: f64,
    color: RGBColor,
    align: HPos,
) -> Result<i32, ChartError> {
    let lh = line_height(em);
    let p = Placement::new(em, color).align(align, VPos::Top);
    for (k, l) in lines.iter().enumerate() {
        text::draw_text(area, l, (x, y + k as i32 * lh + text_top_offset(em)), p)?;
    }
    Ok(lines.len() as i32 * lh)
}

/// Draws `note` in a framed box of width `width` at `(x, y)`; returns the box height.
pub(crate) fn draw_note_box(
    area: &Area<'_>,
    note: &str,
    x: i32,
    y: i32,
    width: i32,
    em: f64,
) -> Result<i32, ChartError> {
    let pad = (em * 0.6) as i32;
    let lines = text::wrap(note, em, width - 2 * pad, 6);
    let h = lines.len() as i32 * line_height(em) + 2 * pad;
    let rect = [(x, y), (x + width, y + h)];
    area.draw(&Rectangle::new(
        rect,
        ShapeStyle::from(RGBColor(247, 247, 247)).filled(),
    ))
    .map_err(draw_err)?;
    area.draw(&Rectangle::new(
        rect,
        ShapeStyle::from(RGBColor(60, 60, 60)).stroke_width(1),
    ))
    .map_err(draw_err)?;
    draw_lines(
        area,
        &lines,
        x + pad,
        y + pad,
        em,
        palette::TEXT,
        HPos::Left,
    )?;
    Ok(h)
}
