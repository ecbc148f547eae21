//! Legends of every chart: one entry type ([`LegendEntry`]) whose [`Swatch`] shows any key the
//! charts need (filled or hatched bar, band, solid or dashed line with a marker, history
//! marker, whisker, dot), laid out in one column (a sidebar) or in centred rows (under a
//! title). [`LegendStyle`] holds the few measures in which the legends of the time charts and
//! of the sensitivity charts differ.

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::canvas::{Area, Sizes, draw_err};
use super::draw::{Marker, hatched_rect, whisker};
use super::text::{self, Placement, line_height, text_top_offset};
use super::{ChartError, palette};

/// What a legend entry shows left of its text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled box (a band or a bar), optionally outlined.
    Fill {
        color: RGBAColor,
        edge: Option<RGBColor>,
    },
    /// A light box hatched in the colour: an estimate not distinguishable from zero.
    Hatched(RGBColor),
    /// A line, solid or dashed (`dash`: dash and gap length), with a marker in its middle.
    Line {
        color: RGBColor,
        width: u32,
        dash: Option<(u32, u32)>,
        marker: Marker,
    },
    /// A translucent band behind a line, for comparison series.
    BandLine {
        color: RGBColor,
        width: u32,
        marker: Marker,
        alpha: f64,
    },
    /// A history marker on a thin solid or dotted line.
    Marker {
        marker: Marker,
        color: RGBColor,
        dotted_line: bool,
    },
    /// An interval with end caps.
    Whisker,
    /// A filled dot of `radius` pixels.
    Dot { color: RGBColor, radius: i32 },
}

/// One legend entry: a swatch and its text.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendEntry {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        Self {
            swatch,
            label: label.into(),
        }
    }
}

/// Where a legend's text sits in its line box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextSeat {
    /// The text's em box centred in the line box, rounded to whole pixels.
    Top,
    /// The text's vertical centre on the line box's middle pixel.
    Middle,
}

/// The measures of a legend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LegendStyle {
    /// Swatch width, in pixels.
    pub swatch_w: i32,
    /// Swatch height, in em.
    pub swatch_h: f64,
    /// Space between swatch and text, in em.
    pub pad: f64,
    /// Space between rows (or, in a column, between entries), in em.
    pub spacing: f64,
    pub text: TextSeat,
}

impl LegendStyle {
    /// The sidebar legend of the time charts.
    pub const COLUMN: Self = Self {
        swatch_w: 40,
        swatch_h: 1.1,
        pad: 0.7,
        spacing: 0.75,
        text: TextSeat::Top,
    };
    /// The legend rows of the small-multiples page.
    pub const ROWS: Self = Self {
        swatch_w: 40,
        swatch_h: 1.1,
        pad: 0.6,
        spacing: 0.4,
        text: TextSeat::Top,
    };
    /// The legend rows of the sensitivity charts.
    pub const KEYS: Self = Self {
        swatch_w: 34,
        swatch_h: 0.9,
        pad: 0.5,
        spacing: 0.3,
        text: TextSeat::Middle,
    };

    fn swatch_h(&self, em: f64) -> i32 {
        (em * self.swatch_h) as i32
    }

    fn pad(&self, em: f64) -> i32 {
        (em * self.pad) as i32
    }

    /// Draws `text` in the line box starting at `(x, top)`.
    fn draw_text(
        &self,
        area: &Area<'_>,
        text: &str,
        (x, top): (i32, i32),
        em: f64,
    ) -> Result<(), ChartError> {
        let (y, v) = match self.text {
            TextSeat::Top => (top + text_top_offset(em), VPos::Top),
            TextSeat::Middle => (top + line_height(em) / 2, VPos::Center),
        };
        let p = Placement::new(em, palette::TEXT).align(HPos::Left, v);
        text::draw_text(area, text, (x, y), p)
    }
}

/// A swatch's box: left edge, vertical middle, width and height.
#[derive(Debug, Clone, Copy)]
struct SwatchBox {
    x: i32,
    y_mid: i32,
    w: i32,
    h: i32,
}

impl SwatchBox {
    fn rect(&self) -> (i32, i32, i32, i32) {
        (
            self.x,
            self.y_mid - self.h / 2,
            self.x + self.w,
            self.y_mid + self.h / 2,
        )
    }

    fn centre(&self) -> (i32, i32) {
        (self.x + self.w / 2, self.y_mid)
    }

    /// A horizontal line through the box's middle, solid or dashed.
    fn line(
        &self,
        area: &Area<'_>,
        style: ShapeStyle,
        dash: Option<(u32, u32)>,
    ) -> Result<(), ChartError> {
        let (a, b) = ((self.x, self.y_mid), (self.x + self.w, self.y_mid));
        match dash {
            Some((d, g)) => area.draw(&DashedPathElement::new([a, b], d, g, style)),
            None => area.draw(&PathElement::new(vec![a, b], style)),
        }
        .map_err(draw_err)
    }
}

fn draw_swatch(
    area: &Area<'_>,
    swatch: Swatch,
    b: SwatchBox,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let (x0, y0, x1, y1) = b.rect();
    match swatch {
        Swatch::Fill { color, edge } => {
            let rect = [(x0, y0), (x1, y1)];
            area.draw(&Rectangle::new(rect, ShapeStyle::from(color).filled()))
                .map_err(draw_err)?;
            if let Some(e) = edge {
                area.draw(&Rectangle::new(rect, ShapeStyle::from(e).stroke_width(1)))
                    .map_err(draw_err)?;
            }
            Ok(())
        }
        Swatch::Hatched(c) => hatched_rect(area, (x0, y0, x1, y1), c),
        Swatch::Line {
            color,
            width,
            dash,
            marker,
        } => {
            b.line(area, ShapeStyle::from(color).stroke_width(width), dash)?;
            marker.draw_on(area, b.centre(), sz.marker, color.to_rgba(), width)
        }
        Swatch::BandLine {
            color,
            width,
            marker,
            alpha,
        } => {
            fill_band(area, (x0, y0, x1, y1), color.mix(alpha))?;
            b.line(area, ShapeStyle::from(color).stroke_width(width), None)?;
            marker.draw_on(area, b.centre(), sz.marker, color.to_rgba(), width)
        }
        Swatch::Marker {
            marker,
            color,
            dotted_line,
        } => {
            let style = ShapeStyle::from(color).stroke_width(1);
            if dotted_line {
                b.line(area, style, Some((3, 3)))?;
            } else {
                b.line(area, style.stroke_width(2), None)?;
            }
            marker.draw_on(area, b.centre(), sz.marker, color.to_rgba(), 2)
        }
        Swatch::Whisker => whisker(area, x0 + 2, x1 - 2, b.y_mid, b.h / 2),
        Swatch::Dot { color, radius } => {
            let centre = ((x0 + x1) / 2, b.y_mid);
            area.draw(&Circle::new(
                centre,
                radius,
                ShapeStyle::from(color).filled(),
            ))
            .map_err(draw_err)
        }
    }
}

/// A translucent box.
fn fill_band(
    area: &Area<'_>,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
    color: RGBAColor,
) -> Result<(), ChartError> {
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        ShapeStyle::from(color).filled(),
    ))
    .map_err(draw_err)
}

/// The width left for the text of a one-column legend `width` pixels wide.
pub(crate) fn column_text_width(width: i32, sz: &Sizes) -> i32 {
    let style = LegendStyle::COLUMN;
    width - style.swatch_w - style.pad(sz.legend)
}

/// Draws a one-column legend at `(x, y)` no wider than `width` (labels wrap to at most three
/// lines); returns its height.
pub(crate) fn draw_legend_column(
    area: &Area<'_>,
    entries: &[LegendEntry],
    (x, y): (i32, i32),
    width: i32,
    sz: &Sizes,
) -> Result<i32, ChartError> {
    let style = LegendStyle::COLUMN;
    let em = sz.legend;
    let lh = line_height(em);
    let text_x = x + style.swatch_w + style.pad(em);
    let text_w = width - (text_x - x);
    let mut cy = y;
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            cy += (em * style.spacing) as i32;
        }
        let lines = text::wrap(&e.label, em, text_w, 3);
        let b = SwatchBox {
            x,
            y_mid: cy + lh / 2,
            w: style.swatch_w,
            h: style.swatch_h(em),
        };
        draw_swatch(area, e.swatch, b, sz)?;
        for (k, l) in lines.iter().enumerate() {
            style.draw_text(area, l, (text_x, cy + k as i32 * lh), em)?;
        }
        cy += lines.len().max(1) as i32 * lh;
    }
    Ok(cy - y)
}

/// A legend broken into centred rows across a width: per row, the entries' indices, and
/// per entry the fitted label and the item's width.
pub(crate) struct LegendRows {
    style: LegendStyle,
    rows: Vec<Vec<usize>>,
    items: Vec<(String, i32)>,
    row_h: i32,
}

impl LegendRows {
    /// Lays out `entries` in rows no wider than `width`.
    pub fn new(entries: &[LegendEntry], width: i32, style: LegendStyle, sz: &Sizes) -> Self {
        let em = sz.legend;
        let pad = style.pad(em);
        let gap = (em * 2.0) as i32;
        let items: Vec<(String, i32)> = entries
            .iter()
            .map(|e| {
                let label = text::fit(&e.label, em, (width - style.swatch_w - pad).max(40));
                let w = style.swatch_w + pad + text::width(&label, em);
                (label, w)
            })
            .collect();
        // Greedy rows.
        let mut rows: Vec<Vec<usize>> = Vec::new();
        let mut row_w = 0;
        for (i, (_, w)) in items.iter().enumerate() {
            let need = if row_w == 0 { *w } else { row_w + gap + w };
            match rows.last_mut() {
                Some(r) if need <= width => {
                    r.push(i);
                    row_w = need;
                }
                _ => {
                    rows.push(vec![i]);
                    row_w = *w;
                }
            }
        }
        Self {
            style,
            rows,
            items,
            row_h: line_height(em) + (em * style.spacing) as i32,
        }
    }

    /// The height of all rows.
    pub fn height(&self) -> i32 {
        self.rows.len() as i32 * self.row_h
    }

    /// Draws the rows from `y` down, each centred in `width` pixels from `x0`.
    pub fn draw(
        &self,
        area: &Area<'_>,
        entries: &[LegendEntry],
        (x0, y): (i32, i32),
        width: i32,
        sz: &Sizes,
    ) -> Result<(), ChartError> {
        let em = sz.legend;
        let style = self.style;
        let pad = style.pad(em);
        let gap = (em * 2.0) as i32;
        for (r, row) in self.rows.iter().enumerate() {
            let total: i32 = row.iter().map(|&i| self.items[i].1).sum::<i32>()
                + gap * (row.len() as i32 - 1).max(0);
            let mut cx = x0 + (width - total).max(0) / 2;
            let top = y + r as i32 * self.row_h;
            for &i in row {
                let b = SwatchBox {
                    x: cx,
                    y_mid: top + line_height(em) / 2,
                    w: style.swatch_w,
                    h: style.swatch_h(em),
                };
                draw_swatch(area, entries[i].swatch, b, sz)?;
                style.draw_text(area, &self.items[i].0, (cx + style.swatch_w + pad, top), em)?;
                cx += self.items[i].1 + gap;
            }
        }
        Ok(())
    }
}
