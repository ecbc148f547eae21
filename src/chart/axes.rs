//! Axes of every chart: how data values map to pixels ([`Scale`]), the plot rectangle with its
//! two scales ([`Plot`]), the room the axes take, and the axes themselves (grid lines, tick
//! marks, tick labels, axis titles).
//!
//! Two looks share this one implementation ([`AxisLook`]). The time charts (fan, comparison,
//! small multiples, Sobol' indices over the years) round data positions towards the start of
//! the axis and draw their axis lines just outside the plot's pixels; the charts of the
//! sensitivity indices (tornado, Morris, Sobol' bars) round to the nearest pixel and draw the
//! axis lines on the plot's edge.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::canvas::{Area, Sizes, draw_err};
use super::scale::{ValueAxis, YearAxis};
use super::text::{self, Placement, line_height};
use super::{ChartError, PixelRect, PlotGeometry, palette};

/// Length of the tick marks, in pixels.
pub(crate) const TICK_LEN: i32 = 5;

/// How data positions are rounded to whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rounding {
    /// To the nearest pixel.
    Nearest,
    /// Towards the first pixel of the axis (with a thousandth of a pixel of slack), the
    /// convention of plotters' own axes.
    TowardStart,
}

/// A linear map from data values to pixels: `lo` to `p0`, `hi` to `p1`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub p0: i32,
    pub p1: i32,
    pub rounding: Rounding,
}

impl Scale {
    /// The pixel of `v`; the middle of the axis for a non-finite value or an empty range.
    pub fn px(&self, v: f64) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 || !v.is_finite() {
            return (self.p0 + self.p1) / 2;
        }
        let frac = (v - self.lo) / span;
        let len = f64::from(self.p1 - self.p0);
        match self.rounding {
            Rounding::Nearest => {
                let p = f64::from(self.p0) + frac * len;
                p.round().clamp(-1e6, 1e6) as i32
            }
            Rounding::TowardStart => {
                let off = if len >= 0.0 {
                    (len * frac + 1e-3).floor()
                } else {
                    (len * frac - 1e-3).ceil()
                };
                // Keep far-off points representable; drawing clips them anyway.
                self.p0 + off.clamp(-1e6, 1e6) as i32
            }
        }
    }
}

/// Where the axis lines sit and how positions are rounded; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AxisLook {
    /// Axis lines one pixel outside the plot, positions rounded toward the axis start.
    Outside,
    /// Axis lines on the plot's left and bottom edge, positions rounded to the nearest pixel.
    OnEdge,
}

impl AxisLook {
    fn rounding(self) -> Rounding {
        match self {
            Self::Outside => Rounding::TowardStart,
            Self::OnEdge => Rounding::Nearest,
        }
    }

    /// Distance of the axis lines from the plot's edge.
    fn outset(self) -> i32 {
        match self {
            Self::Outside => 1,
            Self::OnEdge => 0,
        }
    }

    /// The width an axis title may take along an axis spanning `span` pixels.
    fn title_room(self, span: i32) -> i32 {
        match self {
            Self::Outside => (span + 1).max(20),
            Self::OnEdge => span,
        }
    }

    /// Gap between the left edge of the y axis' room and its rotated title.
    fn y_title_inset(self) -> i32 {
        match self {
            Self::Outside => 2,
            Self::OnEdge => 0,
        }
    }
}

/// A tick: its data value and its label.
pub(crate) type Tick = (f64, String);

/// The ticks of a value axis, labelled with the decimals the step needs.
pub(crate) fn value_ticks(axis: &ValueAxis) -> Vec<Tick> {
    axis.ticks.iter().map(|&t| (t, axis.label(t))).collect()
}

/// The ticks of a time axis, labelled with the year.
pub(crate) fn year_ticks(axis: &YearAxis) -> Vec<Tick> {
    axis.ticks.iter().map(|&t| (t, format!("{t:.0}"))).collect()
}

/// Height below the plot taken by an x axis' tick labels and title.
pub(crate) fn x_axis_height(title: &str, sz: &Sizes) -> i32 {
    TICK_LEN
        + 6
        + line_height(sz.tick)
        + if title.trim().is_empty() {
            0
        } else {
            line_height(sz.axis_desc) + 2
        }
}

/// Width left of the plot taken by a y axis' tick labels and (rotated) title.
pub(crate) fn y_axis_width(ticks: &[Tick], title: &str, sz: &Sizes) -> i32 {
    let labels = ticks
        .iter()
        .map(|(_, l)| text::width(l, sz.tick))
        .max()
        .unwrap_or(0);
    labels
        + TICK_LEN
        + 9
        + if title.trim().is_empty() {
            0
        } else {
            line_height(sz.axis_desc) + 4
        }
}

/// The plot inside `frame` once the axes have their room: the x axis (titled `x_title`)
/// below, the y axis (its `y_ticks` and `y_title`) on the left, `top` pixels above and room
/// on the right for half of the last x tick label.
pub(crate) fn plot_rect(
    frame: PixelRect,
    y_ticks: &[Tick],
    x_title: &str,
    y_title: &str,
    top: i32,
    sz: &Sizes,
) -> PixelRect {
    PixelRect {
        left: frame.left + y_axis_width(y_ticks, y_title, sz),
        top: frame.top + top,
        right: frame.right - right_pad(sz),
        bottom: frame.bottom - x_axis_height(x_title, sz),
    }
}

/// Room right of a plot for the right half of its last x tick label.
pub(crate) fn right_pad(sz: &Sizes) -> i32 {
    (sz.tick * 1.6) as i32
}

/// A plot: its pixel rectangle and the scales of its two axes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    pub rect: PixelRect,
    pub x: Scale,
    pub y: Scale,
    pub look: AxisLook,
}

impl Plot {
    /// A plot on `rect` with `x` from its left to its right edge and `y` from its bottom to
    /// its top edge.
    pub fn new(rect: PixelRect, x: (f64, f64), y: (f64, f64), look: AxisLook) -> Self {
        Self::with_y_scale(rect, x, (y.0, y.1, rect.bottom, rect.top), look)
    }

    /// A plot of horizontal bars: `x` from left to right, rows `0..rows` from top to bottom.
    pub fn rows(rect: PixelRect, x: (f64, f64), rows: f64, look: AxisLook) -> Self {
        Self::with_y_scale(rect, x, (0.0, rows, rect.top, rect.bottom), look)
    }

    fn with_y_scale(
        rect: PixelRect,
        (x_lo, x_hi): (f64, f64),
        (y_lo, y_hi, y_p0, y_p1): (f64, f64, i32, i32),
        look: AxisLook,
    ) -> Self {
        let rounding = look.rounding();
        Self {
            rect,
            x: Scale {
                lo: x_lo,
                hi: x_hi,
                p0: rect.left,
                p1: rect.right,
                rounding,
            },
            y: Scale {
                lo: y_lo,
                hi: y_hi,
                p0: y_p0,
                p1: y_p1,
                rounding,
            },
            look,
        }
    }

    /// The pixel of the data point `(x, y)`.
    pub fn px(&self, (x, y): (f64, f64)) -> (i32, i32) {
        (self.x.px(x), self.y.px(y))
    }

    /// The pixel of `(x, y)` moved into the plot (at most one pixel past its right and
    /// bottom edge), so data outside the value range stays on the plot.
    pub fn clamped(&self, p: (f64, f64)) -> (i32, i32) {
        let (x, y) = self.px(p);
        let r = self.rect;
        (
            x.min(r.right + 1).max(r.left),
            y.min(r.bottom + 1).max(r.top),
        )
    }

    /// Where the plot is and which data ranges its edges show.
    pub fn geometry(&self) -> PlotGeometry {
        // The value at the bottom edge comes first.
        let y_range = if self.y.p0 >= self.y.p1 {
            (self.y.lo, self.y.hi)
        } else {
            (self.y.hi, self.y.lo)
        };
        PlotGeometry {
            plot_area: self.rect,
            x_range: (self.x.lo, self.x.hi),
            y_range,
        }
    }

    /// Draws the x axis under the plot: a vertical grid line, tick mark and label per tick,
    /// the axis line and the title (shortened with "…" if longer than the axis).
    pub fn draw_x_axis(
        &self,
        area: &Area<'_>,
        ticks: &[Tick],
        title: &str,
        sz: &Sizes,
    ) -> Result<(), ChartError> {
        let r = self.rect;
        let axis_y = r.bottom + self.look.outset();
        let label = Placement::new(sz.tick, palette::TEXT).align(HPos::Center, VPos::Top);
        for (t, text) in ticks {
            let x = self.x.px(*t);
            line(area, (x, r.top), (x, r.bottom), palette::GRID)?;
            line(area, (x, axis_y), (x, axis_y + TICK_LEN), palette::AXIS)?;
            text::draw_text(area, text, (x, r.bottom + TICK_LEN + 4), label)?;
        }
        line(area, (r.left, axis_y), (r.right, axis_y), palette::AXIS)?;
        if title.trim().is_empty() {
            return Ok(());
        }
        let room = self.look.title_room(r.right - r.left);
        let title = text::fit(title.trim(), sz.axis_desc, room);
        let at = (
            (r.left + r.right) / 2,
            r.bottom + TICK_LEN + 6 + line_height(sz.tick),
        );
        let p = Placement::new(sz.axis_desc, palette::TEXT).align(HPos::Center, VPos::Top);
        text::draw_text(area, &title, at, p)
    }

    /// Draws the y axis left of the plot: a horizontal grid line, tick mark and label per
    /// tick, the axis line and the rotated title (shortened with "…" if longer than the axis).
    pub fn draw_y_axis(
        &self,
        area: &Area<'_>,
        ticks: &[Tick],
        title: &str,
        sz: &Sizes,
    ) -> Result<(), ChartError> {
        let r = self.rect;
        let axis_x = r.left - self.look.outset();
        let label = Placement::new(sz.tick, palette::TEXT).align(HPos::Right, VPos::Center);
        for (t, text) in ticks {
            let y = self.y.px(*t);
            line(area, (r.left, y), (r.right, y), palette::GRID)?;
            line(area, (axis_x - TICK_LEN, y), (axis_x, y), palette::AXIS)?;
            text::draw_text(area, text, (r.left - TICK_LEN - 5, y), label)?;
        }
        line(area, (axis_x, r.top), (axis_x, r.bottom), palette::AXIS)?;
        if title.trim().is_empty() {
            return Ok(());
        }
        let x = r.left - y_axis_width(ticks, title, sz)
            + line_height(sz.axis_desc) / 2
            + self.look.y_title_inset();
        let room = self.look.title_room(r.bottom - r.top);
        let title = text::fit(title.trim(), sz.axis_desc, room);
        let p = Placement::new(sz.axis_desc, palette::TEXT)
            .align(HPos::Center, VPos::Center)
            .rotated();
        text::draw_text(area, &title, (x, (r.top + r.bottom) / 2), p)
    }
}

/// A one-pixel line from `a` to `b`.
fn line(area: &Area<'_>, a: (i32, i32), b: (i32, i32), color: RGBColor) -> Result<(), ChartError> {
    let style = ShapeStyle::from(color).stroke_width(1);
    area.draw(&PathElement::new(vec![a, b], style))
        .map_err(draw_err)
}

/// Lays out a time chart inside `frame` (the plot with its axes) and draws its axes: light
/// grid, integer year ticks, value ticks with the decimals the step needs, axis titles.
pub(crate) fn draw_time_axes(
    area: &Area<'_>,
    frame: PixelRect,
    x: &YearAxis,
    y: &ValueAxis,
    (x_title, y_title): (&str, &str),
    sz: &Sizes,
) -> Result<Plot, ChartError> {
    let x_ticks = year_ticks(x);
    let y_ticks = value_ticks(y);
    let rect = plot_rect(frame, &y_ticks, x_title, y_title, sz.margin, sz);
    let plot = Plot::new(rect, (x.lo, x.hi), (y.lo, y.hi), AxisLook::Outside);
    plot.draw_x_axis(area, &x_ticks, x_title, sz)?;
    plot.draw_y_axis(area, &y_ticks, y_title, sz)?;
    Ok(plot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(rounding: Rounding) -> Scale {
        Scale {
            lo: 0.0,
            hi: 10.0,
            p0: 100,
            p1: 0,
            rounding,
        }
    }

    #[test]
    fn scales_map_ends_and_round_as_their_look_says() {
        for rounding in [Rounding::Nearest, Rounding::TowardStart] {
            let s = scale(rounding);
            assert_eq!(s.px(0.0), 100);
            assert_eq!(s.px(10.0), 0);
            assert_eq!(s.px(f64::NAN), 50);
        }
        // 2.46 is 24.6 pixels up from the start.
        assert_eq!(scale(Rounding::Nearest).px(2.46), 75);
        assert_eq!(scale(Rounding::TowardStart).px(2.46), 76);
    }

    #[test]
    fn bar_plots_put_row_zero_on_top() {
        let rect = PixelRect {
            left: 10,
            top: 20,
            right: 110,
            bottom: 220,
        };
        let p = Plot::rows(rect, (0.0, 1.0), 4.0, AxisLook::OnEdge);
        assert_eq!(p.px((0.5, 0.0)), (60, 20));
        assert_eq!(p.geometry().y_range, (4.0, 0.0));
        let q = Plot::new(rect, (0.0, 1.0), (-1.0, 1.0), AxisLook::Outside);
        assert_eq!(q.geometry().y_range, (-1.0, 1.0));
        assert_eq!(q.clamped((2.0, -5.0)), (111, 221));
    }
}
