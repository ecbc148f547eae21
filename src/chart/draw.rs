//! Drawing pieces shared by the chart kinds: markers, shapes (bars, hatched bars,
//! whiskers) and the data series of the time charts (bands, lines, history, targets).

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::Plot;
use super::canvas::{Area, Sizes, draw_err};
use super::text::{self, Placement};
use super::{ChartError, HistoryKind, HistoryPoint, TargetLine, palette};

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

    /// Draws the marker with "radius" `r` centred on the pixel `at`.
    pub fn draw_on(
        self,
        area: &Area<'_>,
        at: (i32, i32),
        r: i32,
        color: RGBAColor,
        stroke: u32,
    ) -> Result<(), ChartError> {
        let fill = ShapeStyle::from(color).filled();
        let outline = ShapeStyle::from(color).stroke_width(stroke.clamp(1, 2));
        let white = ShapeStyle::from(WHITE).filled();
        let base = || EmptyElement::at(at);
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

/// A filled rectangle between the corners `(x0, y0)` and `(x1, y1)` (in any order).
pub(crate) fn fill_rect(
    area: &Area<'_>,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
    c: RGBColor,
) -> Result<(), ChartError> {
    area.draw(&Rectangle::new(
        [(x0.min(x1), y0.min(y1)), (x0.max(x1), y0.max(y1))],
        ShapeStyle::from(c).filled(),
    ))
    .map_err(draw_err)
}

/// A light bar with diagonal hatching in `c` and an outline: an estimate that is not
/// distinguishable from zero.
pub(crate) fn hatched_rect(
    area: &Area<'_>,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
    c: RGBColor,
) -> Result<(), ChartError> {
    // Clipped to the image, so the hatching loop stays short whatever the coordinates.
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32 + 1, h as i32 + 1);
    let (x0, x1) = (x0.min(x1).clamp(-1, w), x0.max(x1).clamp(-1, w));
    let (y0, y1) = (y0.min(y1).clamp(-1, h), y0.max(y1).clamp(-1, h));
    fill_rect(area, (x0, y0, x1, y1), palette::flagged_fill(c))?;
    let style = ShapeStyle::from(c).stroke_width(1);
    let spacing = 6;
    // Lines x + y = s, from bottom-left to top-right, clipped to the rectangle.
    let mut s = x0 + y0 + spacing / 2;
    while s <= x1 + y1 {
        let xa = x0.max(s - y1);
        let xb = x1.min(s - y0);
        if xa <= xb {
            area.draw(&PathElement::new(vec![(xa, s - xa), (xb, s - xb)], style))
                .map_err(draw_err)?;
        }
        s += spacing;
    }
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], style))
        .map_err(draw_err)
}

/// A horizontal interval from `x0` to `x1` at `y` with end caps of half-height `cap`.
pub(crate) fn whisker(
    area: &Area<'_>,
    x0: i32,
    x1: i32,
    y: i32,
    cap: i32,
) -> Result<(), ChartError> {
    let style = ShapeStyle::from(palette::INK).stroke_width(1);
    area.draw(&PathElement::new(vec![(x0, y), (x1, y)], style))
        .map_err(draw_err)?;
    for x in [x0, x1] {
        area.draw(&PathElement::new(vec![(x, y - cap), (x, y + cap)], style))
            .map_err(draw_err)?;
    }
    Ok(())
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
    area: &Area<'_>,
    plot: &Plot,
    years: &[i32],
    (lower, upper): (&[f64], &[f64]),
    fill: ShapeStyle,
    edge: Option<ShapeStyle>,
) -> Result<(), ChartError> {
    let finite = |i: usize| lower[i].is_finite() && upper[i].is_finite();
    let at = |i: usize, v: &[f64]| plot.clamped((f64::from(years[i]), v[i]));
    for run in runs(years.len(), finite) {
        if run.len() == 1 {
            let (i, x) = (run.start, f64::from(years[run.start]));
            let rect = [
                plot.clamped((x - SINGLE_HALF_WIDTH, lower[i])),
                plot.clamped((x + SINGLE_HALF_WIDTH, upper[i])),
            ];
            area.draw(&Rectangle::new(rect, fill)).map_err(draw_err)?;
            if let Some(e) = edge {
                area.draw(&Rectangle::new(rect, e)).map_err(draw_err)?;
            }
            continue;
        }
        let mut pts: Vec<(i32, i32)> = run.clone().map(|i| at(i, lower)).collect();
        pts.extend(run.clone().rev().map(|i| at(i, upper)));
        area.draw(&Polygon::new(pts, fill)).map_err(draw_err)?;
        if let Some(e) = edge {
            for edge_values in [lower, upper] {
                let line: Vec<(i32, i32)> = run.clone().map(|i| at(i, edge_values)).collect();
                area.draw(&PathElement::new(line, e)).map_err(draw_err)?;
            }
        }
    }
    Ok(())
}

/// Draws a line through the finite values (breaking at gaps) with a marker at each year;
/// a lone year gets a short horizontal tick as well as the marker.
pub(crate) fn draw_line(
    area: &Area<'_>,
    plot: &Plot,
    (years, values): (&[i32], &[f64]),
    style: ShapeStyle,
    (marker, marker_size): (Marker, i32),
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
        let line: Vec<(i32, i32)> = line.into_iter().map(|p| plot.clamped(p)).collect();
        area.draw(&PathElement::new(line, style))
            .map_err(draw_err)?;
        for p in pts {
            marker.draw_on(
                area,
                plot.clamped(p),
                marker_size,
                style.color,
                style.stroke_width,
            )?;
        }
    }
    Ok(())
}

/// History figures of one kind and label, sorted by year.
pub(crate) struct HistoryGroup<'a> {
    pub kind: HistoryKind,
    pub label: &'a str,
    /// `(first year, year, value)`.
    pub points: Vec<(i32, i32, f64)>,
}

/// Groups history figures by (kind, label) in order of first appearance.
pub(crate) fn history_groups(history: &[HistoryPoint]) -> Vec<HistoryGroup<'_>> {
    let mut groups: Vec<HistoryGroup<'_>> = Vec::new();
    for p in history {
        let pt = (p.first_year.min(p.year), p.year, p.value);
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
        g.points.sort_by_key(|&(_, y, _)| y);
    }
    groups
}

/// The marker of a history kind (none for a period average, which is a step).
pub(crate) fn history_marker(kind: HistoryKind) -> Marker {
    match kind {
        HistoryKind::PeriodAverage => Marker::None,
        HistoryKind::Known => Marker::Dot,
        HistoryKind::Observed => Marker::Diamond,
    }
}

/// The colour of a history kind.
pub(crate) fn history_color(kind: HistoryKind) -> RGBColor {
    match kind {
        HistoryKind::Observed => palette::PUBLISHED,
        _ => palette::HISTORY,
    }
}

/// Draws history: a period average as one horizontal step across its window (with end
/// caps), a known year as a grey dot, published values as black diamonds joined by a solid
/// line over consecutive years.
pub(crate) fn draw_history(
    area: &Area<'_>,
    plot: &Plot,
    history: &[HistoryPoint],
    sz: &Sizes,
) -> Result<(), ChartError> {
    for HistoryGroup { kind, points, .. } in history_groups(history) {
        let color = history_color(kind);
        let pts: Vec<(i32, i32, f64)> = points.into_iter().filter(|p| p.2.is_finite()).collect();
        if kind == HistoryKind::PeriodAverage {
            let style = ShapeStyle::from(color).stroke_width(sz.median_width);
            let cap = ShapeStyle::from(color).stroke_width(1);
            for &(first, last, v) in &pts {
                let a = plot.clamped((f64::from(first) - 0.45, v));
                let b = plot.clamped((f64::from(last) + 0.45, v));
                area.draw(&PathElement::new(vec![a, b], style))
                    .map_err(draw_err)?;
                let h = sz.marker + 1;
                for x in [a.0, b.0] {
                    area.draw(&PathElement::new(vec![(x, a.1 - h), (x, a.1 + h)], cap))
                        .map_err(draw_err)?;
                }
            }
            continue;
        }
        let line_style = ShapeStyle::from(color).stroke_width(2);
        if kind == HistoryKind::Observed {
            for w in pts.windows(2) {
                if w[1].1 - w[0].1 != 1 {
                    continue;
                }
                let seg = vec![
                    plot.clamped((f64::from(w[0].1), w[0].2)),
                    plot.clamped((f64::from(w[1].1), w[1].2)),
                ];
                area.draw(&PathElement::new(seg, line_style))
                    .map_err(draw_err)?;
            }
        }
        let marker = history_marker(kind);
        for &(_, y, v) in &pts {
            let at = plot.clamped((f64::from(y), v));
            marker.draw_on(area, at, sz.marker + 1, color.to_rgba(), 2)?;
        }
    }
    Ok(())
}

/// Opacity of the shading of a shock year.
pub(crate) const SHOCK_ALPHA: f64 = 0.7;

/// Shades each shock year (half a year either side) and writes its label at the top of
/// the plot.
pub(crate) fn draw_shocks(
    area: &Area<'_>,
    plot: &Plot,
    shocks: &[super::ShockYear],
    sz: &Sizes,
) -> Result<(), ChartError> {
    let r = plot.rect;
    let p = Placement::new(sz.footer, palette::SHOCK_TEXT).align(HPos::Center, VPos::Top);
    for s in shocks {
        let x = f64::from(s.year);
        let (x0, x1) = (plot.x.px(x - 0.5), plot.x.px(x + 0.5));
        let (x0, x1) = (x0.max(r.left + 1), x1.min(r.right));
        if x0 >= x1 {
            continue;
        }
        // Translucent, so the grid lines show through.
        area.draw(&Rectangle::new(
            [(x0, r.top), (x1, r.bottom - 1)],
            ShapeStyle::from(palette::SHOCK.mix(SHOCK_ALPHA)).filled(),
        ))
        .map_err(draw_err)?;
        let label = text::fit(&s.label, sz.footer, x1 - x0 - 2);
        text::draw_text(area, &label, ((x0 + x1) / 2, r.top + 3), p)?;
    }
    Ok(())
}

/// The band and median of a fan, with the jump-off point (if it lies before the first year)
/// prepended to each: the fan then starts from the last known value.
pub(crate) fn with_jump_off(
    years: &[i32],
    series: &[&[f64]],
    jump_off: Option<(i32, f64)>,
) -> (Vec<i32>, Vec<Vec<f64>>) {
    match (jump_off, years.first()) {
        (Some((y, v)), Some(&first)) if y < first && v.is_finite() => (
            std::iter::once(y).chain(years.iter().copied()).collect(),
            series
                .iter()
                .map(|s| std::iter::once(v).chain(s.iter().copied()).collect())
                .collect(),
        ),
        _ => (years.to_vec(), series.iter().map(|s| s.to_vec()).collect()),
    }
}

/// The points of a target line: a horizontal target spans the projection years (half a year
/// beyond each end), or the whole time axis `(lo, hi)` if there are none.
pub(crate) fn target_points(
    target: &TargetLine,
    years: &[i32],
    (lo, hi): (f64, f64),
) -> Vec<(f64, f64)> {
    match target {
        TargetLine::Horizontal { value, .. } => {
            if !value.is_finite() {
                return Vec::new();
            }
            let (a, b) = match (years.first(), years.last()) {
                (Some(&a), Some(&b)) => (f64::from(a) - 0.5, f64::from(b) + 0.5),
                _ => (lo, hi),
            };
            vec![(a.max(lo), *value), (b.min(hi), *value)]
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
    area: &Area<'_>,
    plot: &Plot,
    points: &[(f64, f64)],
    sz: &Sizes,
) -> Result<(), ChartError> {
    let style = ShapeStyle::from(palette::TARGET).stroke_width(sz.target_width);
    let pts: Vec<(f64, f64)> = match points {
        [] => return Ok(()),
        [(x, y)] => vec![(x - 0.5, *y), (x + 0.5, *y)],
        _ => points.to_vec(),
    };
    let pts: Vec<(i32, i32)> = pts.into_iter().map(|p| plot.clamped(p)).collect();
    area.draw(&DashedPathElement::new(pts, sz.dash.0, sz.dash.1, style))
        .map_err(draw_err)
}

/// Writes "No finite data" in the middle of the plot.
pub(crate) fn draw_no_data(area: &Area<'_>, plot: &Plot, em: f64) -> Result<(), ChartError> {
    let (x, y) = (plot.x, plot.y);
    let at = plot.px(((x.lo + x.hi) / 2.0, (y.lo + y.hi) / 2.0));
    let p = Placement::new(em, palette::MUTED).align(HPos::Center, VPos::Center);
    text::draw_text(area, "No finite data", at, p)
}
