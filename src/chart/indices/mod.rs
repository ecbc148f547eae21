//! Charts of `empsim sens`: the OAT tornado, the Morris μ*–σ scatter, Sobol' first-order and
//! total indices with their bootstrap intervals, and Sobol' total indices over the years.
//!
//! Like the other renderers of this module they are pure: a spec in ([`TornadoChart`],
//! [`MorrisChart`], [`SobolBarChart`], [`SobolYearsChart`]), a PNG file or an RGB buffer out.
//! The specs hold the rows of the generic [`crate::sensitivity`] results, so they know nothing
//! about the employment model; [`crate::report::png::sens`] builds them from a study and
//! renders them next to `indices.csv`.
//!
//! Every page has the same frame: title and subtitle on top, a legend row under them (on the
//! right for the chart over the years), notes and a footer at the bottom.
//!
//! Robustness: factors that leave the output unchanged are listed in a note instead of being
//! drawn as empty rows (they are exactly zero under common random numbers); non-finite values
//! are skipped and named; an output without variance (Sobol' indices undefined) or without any
//! finite value gives a chart that says so.
//!
//! Pixel geometry ([`PlotGeometry`](super::PlotGeometry)): the scatter and the chart over the years map data to
//! pixels as usual. The horizontal bar charts (tornado, Sobol' bars) use x for the value and y
//! for the row position: `y_range` is `(rows, 0)`, so the row drawn `i`-th from the top spans
//! `[i, i + 1]` and its centre is `to_pixel(value, i + 0.5)`.

mod morris;
mod sobol;
mod tornado;

pub use morris::{MorrisChart, render_morris, render_morris_rgb};
pub use sobol::{
    SobolBarChart, SobolYearSeries, SobolYearsChart, render_sobol_bars, render_sobol_bars_rgb,
    render_sobol_years, render_sobol_years_rgb,
};
pub use tornado::{TornadoChart, render_tornado, render_tornado_rgb};

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::draw::{self, Area, Sizes, draw_err};
use super::scale::ValueAxis;
use super::text::{self, Placement, line_height};
use super::{ChartError, PixelRect, palette};

/// Colour of the first series (OAT low value, Sobol' first-order index, Morris points).
pub const COLOR_A: RGBColor = palette::SERIES[0];
/// Colour of the second series (OAT high value, Sobol' total index).
pub const COLOR_B: RGBColor = palette::SERIES[1];
/// Whiskers of intervals and the nominal line.
pub const INK: RGBColor = RGBColor(45, 45, 45);

/// `c` mixed with white: `t = 0` is `c`, `t = 1` white.
pub(crate) fn tint(c: RGBColor, t: f64) -> RGBColor {
    let m = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * t).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// Light fill of a flagged (hatched) bar of colour `c`.
pub fn flagged_fill(c: RGBColor) -> RGBColor {
    tint(c, 0.72)
}

/// What a legend entry shows left of its text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Bar(RGBColor),
    Hatched(RGBColor),
    Line { color: RGBColor, dashed: bool },
    Whisker,
    Dot(RGBColor),
}

const KEY_W: i32 = 34;

fn draw_key(area: &Area<'_>, key: Key, x: i32, y_mid: i32, em: f64) -> Result<(), ChartError> {
    let h = (em * 0.9) as i32;
    let (x0, x1) = (x, x + KEY_W);
    let (y0, y1) = (y_mid - h / 2, y_mid + h / 2);
    match key {
        Key::Bar(c) => fill_rect(area, (x0, y0, x1, y1), c),
        Key::Hatched(c) => hatched_rect(area, (x0, y0, x1, y1), c),
        Key::Line { color, dashed } => {
            let style = ShapeStyle::from(color).stroke_width(2);
            if dashed {
                area.draw(&DashedPathElement::new(
                    [(x0, y_mid), (x1, y_mid)],
                    7u32,
                    4u32,
                    style,
                ))
            } else {
                area.draw(&PathElement::new(vec![(x0, y_mid), (x1, y_mid)], style))
            }
            .map_err(draw_err)
        }
        Key::Whisker => whisker(area, x0 + 2, x1 - 2, y_mid, h / 2),
        Key::Dot(c) => area
            .draw(&Circle::new(
                ((x0 + x1) / 2, y_mid),
                5,
                ShapeStyle::from(c).filled(),
            ))
            .map_err(draw_err),
    }
}

/// Legend entries broken into centred rows across `width`: per row, the entries' indices, the
/// fitted labels and the items' widths.
struct KeyRows {
    rows: Vec<Vec<usize>>,
    items: Vec<(String, i32)>,
    row_h: i32,
}

impl KeyRows {
    fn new(entries: &[(Key, String)], width: i32, sz: &Sizes) -> Self {
        let em = sz.legend;
        let pad = (em * 0.5) as i32;
        let gap = (em * 2.0) as i32;
        let items: Vec<(String, i32)> = entries
            .iter()
            .map(|(_, l)| {
                let label = text::fit(l, em, (width - KEY_W - pad).max(40));
                let w = KEY_W + pad + text::width(&label, em);
                (label, w)
            })
            .collect();
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
            rows,
            items,
            row_h: line_height(em) + (em * 0.3) as i32,
        }
    }

    fn height(&self) -> i32 {
        self.rows.len() as i32 * self.row_h
    }

    fn draw(
        &self,
        area: &Area<'_>,
        entries: &[(Key, String)],
        x0: i32,
        y: i32,
        width: i32,
        sz: &Sizes,
    ) -> Result<(), ChartError> {
        let em = sz.legend;
        let pad = (em * 0.5) as i32;
        let gap = (em * 2.0) as i32;
        let p = Placement::new(em, palette::TEXT).align(HPos::Left, VPos::Center);
        for (r, row) in self.rows.iter().enumerate() {
            let total: i32 = row.iter().map(|&i| self.items[i].1).sum::<i32>()
                + gap * (row.len() as i32 - 1).max(0);
            let mut cx = x0 + (width - total).max(0) / 2;
            let cy = y + r as i32 * self.row_h + line_height(em) / 2;
            for &i in row {
                draw_key(area, entries[i].0, cx, cy, em)?;
                text::draw_text(area, &self.items[i].0, (cx + KEY_W + pad, cy), p)?;
                cx += self.items[i].1 + gap;
            }
        }
        Ok(())
    }
}

/// Text of a page around the plot.
pub(crate) struct PageText<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub notes: &'a [String],
    pub footer: &'a str,
}

/// Where the page frame leaves room: the plot with its axes, and the legend column if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PageLayout {
    pub plot: PixelRect,
    pub side: Option<PixelRect>,
}

/// The layout of a page frame of `size` pixels, computed without drawing.
pub(crate) fn page_layout(
    size: (u32, u32),
    t: &PageText<'_>,
    keys: &[(Key, String)],
    side_legend: bool,
    sz: &Sizes,
) -> PageLayout {
    page(None, size, t, keys, side_legend, sz).unwrap_or(PageLayout {
        plot: PixelRect {
            left: 0,
            top: 0,
            right: size.0 as i32,
            bottom: size.1 as i32,
        },
        side: None,
    })
}

/// Draws the frame of a page: title, subtitle, the legend `keys` as a row under the subtitle,
/// notes and footer. Returns the room left for the plot; with `side_legend`, a column on the
/// right is kept free for a legend the caller draws.
pub(crate) fn draw_page(
    root: &Area<'_>,
    t: &PageText<'_>,
    keys: &[(Key, String)],
    side_legend: bool,
    sz: &Sizes,
) -> Result<PageLayout, ChartError> {
    page(Some(root), root.dim_in_pixel(), t, keys, side_legend, sz)
}

/// The page frame: drawn on `root` if given, else only laid out.
fn page(
    root: Option<&Area<'_>>,
    (w, h): (u32, u32),
    t: &PageText<'_>,
    keys: &[(Key, String)],
    side_legend: bool,
    sz: &Sizes,
) -> Result<PageLayout, ChartError> {
    let (w, h) = (w as i32, h as i32);
    let m = sz.margin;
    let inner_w = w - 2 * m;
    let lines = |em: f64, text: &[String], x: i32, y: i32, color: RGBColor, align: HPos| match root
    {
        Some(r) => draw::draw_lines(r, text, x, y, em, color, align),
        None => Ok(text.len() as i32 * line_height(em)),
    };
    let mut y = m;
    let title = text::wrap(t.title.trim(), sz.title, inner_w, 2);
    y += lines(sz.title, &title, w / 2, y, palette::TEXT, HPos::Center)?;
    if !t.subtitle.trim().is_empty() {
        let sub = text::wrap(t.subtitle.trim(), sz.source, inner_w, 3);
        y += 2 + lines(sz.source, &sub, w / 2, y + 2, palette::MUTED, HPos::Center)?;
    }
    if !side_legend && !keys.is_empty() {
        y += m / 2;
        let rows = KeyRows::new(keys, inner_w, sz);
        if let Some(r) = root {
            rows.draw(r, keys, m, y, inner_w, sz)?;
        }
        y += rows.height();
    }
    let top = y + m / 2;

    let footer = if t.footer.trim().is_empty() {
        Vec::new()
    } else {
        text::wrap(t.footer.trim(), sz.footer, inner_w, 2)
    };
    let mut notes: Vec<String> = Vec::new();
    for n in t.notes.iter().filter(|n| !n.trim().is_empty()) {
        notes.extend(text::wrap(n.trim(), sz.source, inner_w, 3));
    }
    notes.truncate(8);
    let footer_h = footer.len() as i32 * line_height(sz.footer);
    let notes_h = notes.len() as i32 * line_height(sz.source);
    let gap = if footer_h > 0 && notes_h > 0 {
        m / 3
    } else {
        0
    };
    let bottom_h = footer_h + notes_h + gap;
    let bottom = h - m - bottom_h;
    lines(sz.source, &notes, m, bottom, palette::TEXT, HPos::Left)?;
    lines(
        sz.footer,
        &footer,
        m,
        bottom + notes_h + gap,
        palette::MUTED,
        HPos::Left,
    )?;
    if let (Some(r), true) = (root, bottom_h > 0) {
        let ry = bottom - m / 2;
        r.draw(&PathElement::new(
            vec![(m, ry), (w - m, ry)],
            ShapeStyle::from(palette::GRID).stroke_width(1),
        ))
        .map_err(draw_err)?;
    }
    let plot_bottom = bottom - m;
    let mut right = w - m;
    let mut side = None;
    if side_legend {
        let side_w = ((f64::from(w) * 0.26) as i32).clamp(160, 440);
        let sx = w - m - side_w;
        side = Some(PixelRect {
            left: sx,
            top: top + m,
            right: w - m,
            bottom: plot_bottom,
        });
        right = sx - m;
    }
    Ok(PageLayout {
        plot: PixelRect {
            left: m,
            top,
            right,
            bottom: plot_bottom.max(top + 50),
        },
        side,
    })
}

/// A linear map from data values to pixels: `lo` to `p0`, `hi` to `p1`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Linear {
    pub lo: f64,
    pub hi: f64,
    pub p0: i32,
    pub p1: i32,
}

impl Linear {
    pub fn px(&self, v: f64) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 || !v.is_finite() {
            return (self.p0 + self.p1) / 2;
        }
        let f = (v - self.lo) / span;
        let p = f64::from(self.p0) + f * f64::from(self.p1 - self.p0);
        p.round().clamp(-1e6, 1e6) as i32
    }
}

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
    fill_rect(area, (x0, y0, x1, y1), flagged_fill(c))?;
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
    let style = ShapeStyle::from(INK).stroke_width(1);
    area.draw(&PathElement::new(vec![(x0, y), (x1, y)], style))
        .map_err(draw_err)?;
    for x in [x0, x1] {
        area.draw(&PathElement::new(vec![(x, y - cap), (x, y + cap)], style))
            .map_err(draw_err)?;
    }
    Ok(())
}

const TICK_LEN: i32 = 5;

/// Height below the plot taken by a value axis' tick labels and title.
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

/// Width left of the plot taken by a value axis' tick labels and (rotated) title.
pub(crate) fn y_axis_width(axis: &ValueAxis, title: &str, sz: &Sizes) -> i32 {
    let ticks = axis
        .ticks
        .iter()
        .map(|&t| text::width(&axis.label(t), sz.tick))
        .max()
        .unwrap_or(0);
    ticks
        + TICK_LEN
        + 9
        + if title.trim().is_empty() {
            0
        } else {
            line_height(sz.axis_desc) + 4
        }
}

/// Draws a horizontal value axis under `plot`: grid lines, ticks, labels and title.
pub(crate) fn draw_x_axis(
    area: &Area<'_>,
    axis: &ValueAxis,
    map: &Linear,
    plot: PixelRect,
    title: &str,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let grid = ShapeStyle::from(palette::GRID).stroke_width(1);
    let dark = ShapeStyle::from(RGBColor(90, 90, 90)).stroke_width(1);
    let tick = Placement::new(sz.tick, palette::TEXT).align(HPos::Center, VPos::Top);
    for &t in &axis.ticks {
        let x = map.px(t);
        area.draw(&PathElement::new(
            vec![(x, plot.top), (x, plot.bottom)],
            grid,
        ))
        .map_err(draw_err)?;
        area.draw(&PathElement::new(
            vec![(x, plot.bottom), (x, plot.bottom + TICK_LEN)],
            dark,
        ))
        .map_err(draw_err)?;
        text::draw_text(area, &axis.label(t), (x, plot.bottom + TICK_LEN + 4), tick)?;
    }
    area.draw(&PathElement::new(
        vec![(plot.left, plot.bottom), (plot.right, plot.bottom)],
        dark,
    ))
    .map_err(draw_err)?;
    if !title.trim().is_empty() {
        let t = text::fit(title.trim(), sz.axis_desc, plot.right - plot.left);
        text::draw_text(
            area,
            &t,
            (
                (plot.left + plot.right) / 2,
                plot.bottom + TICK_LEN + 6 + line_height(sz.tick),
            ),
            Placement::new(sz.axis_desc, palette::TEXT).align(HPos::Center, VPos::Top),
        )?;
    }
    Ok(())
}

/// Draws a vertical value axis left of `plot`: grid lines, ticks, labels and rotated title.
pub(crate) fn draw_y_axis(
    area: &Area<'_>,
    axis: &ValueAxis,
    map: &Linear,
    plot: PixelRect,
    title: &str,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let grid = ShapeStyle::from(palette::GRID).stroke_width(1);
    let dark = ShapeStyle::from(RGBColor(90, 90, 90)).stroke_width(1);
    let tick = Placement::new(sz.tick, palette::TEXT).align(HPos::Right, VPos::Center);
    for &t in &axis.ticks {
        let y = map.px(t);
        area.draw(&PathElement::new(
            vec![(plot.left, y), (plot.right, y)],
            grid,
        ))
        .map_err(draw_err)?;
        area.draw(&PathElement::new(
            vec![(plot.left - TICK_LEN, y), (plot.left, y)],
            dark,
        ))
        .map_err(draw_err)?;
        text::draw_text(area, &axis.label(t), (plot.left - TICK_LEN - 5, y), tick)?;
    }
    area.draw(&PathElement::new(
        vec![(plot.left, plot.top), (plot.left, plot.bottom)],
        dark,
    ))
    .map_err(draw_err)?;
    if !title.trim().is_empty() {
        let x = plot.left - y_axis_width(axis, title, sz) + line_height(sz.axis_desc) / 2;
        let t = text::fit(title.trim(), sz.axis_desc, plot.bottom - plot.top);
        text::draw_text(
            area,
            &t,
            (x, (plot.top + plot.bottom) / 2),
            Placement::new(sz.axis_desc, palette::TEXT)
                .align(HPos::Center, VPos::Center)
                .rotated(),
        )?;
    }
    Ok(())
}

/// Writes `message` in the middle of `plot`.
pub(crate) fn draw_message(
    area: &Area<'_>,
    plot: PixelRect,
    message: &str,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let lines = text::wrap(
        message,
        sz.axis_desc,
        (plot.right - plot.left - 40).max(60),
        4,
    );
    let h = lines.len() as i32 * line_height(sz.axis_desc);
    draw::draw_lines(
        area,
        &lines,
        (plot.left + plot.right) / 2,
        (plot.top + plot.bottom) / 2 - h / 2,
        sz.axis_desc,
        palette::MUTED,
        HPos::Center,
    )?;
    Ok(())
}

/// `text` unchanged if it fits `max_width`, else shortened at the front with "…" (factor key
/// paths differ at their end).
pub(crate) fn fit_front(text: &str, em: f64, max_width: i32) -> String {
    if text::width(text, em) <= max_width {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    for start in 1..chars.len() {
        let s: String = std::iter::once('…')
            .chain(chars[start..].iter().copied())
            .collect();
        if text::width(&s, em) <= max_width {
            return s;
        }
    }
    "…".to_owned()
}

/// `name` with line breaks after dots so that each line fits `max_width` where possible
/// (`indicators.rural_transfer_new.` / `elasticity`); a part still too wide is left to the
/// wrapper.
pub(crate) fn break_at_dots(name: &str, em: f64, max_width: i32) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for part in name.split_inclusive('.') {
        let last = lines.last_mut().expect("one line");
        if last.is_empty() || text::width(&format!("{last}{part}"), em) <= max_width {
            last.push_str(part);
        } else {
            lines.push(part.to_owned());
        }
    }
    lines.join("\n")
}

/// A number with about three significant digits, without trailing zeros: `0.0529`, `1.47`,
/// `-12.5`, `4800`.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_owned();
    }
    if v == 0.0 {
        return "0".to_owned();
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (2 - mag).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" { "0".to_owned() } else { s }
}

/// `1 factor`, `3 factors`: `n` and `noun`, plural with an `s` unless `n` is 1.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Factor names joined compactly: names sharing the part before their last `.` are grouped,
/// e.g. `unemployment.{okun, adjustment}, growth.ar`.
pub(crate) fn compact_names<S: AsRef<str>>(names: &[S]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for n in names {
        let n = n.as_ref();
        let (prefix, last) = n.rsplit_once('.').unwrap_or(("", n));
        match groups.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, v)) => v.push(last),
            None => groups.push((prefix, vec![last])),
        }
    }
    groups
        .iter()
        .map(|(p, v)| match (p.is_empty(), v.len()) {
            (true, _) => v.join(", "),
            (false, 1) => format!("{p}.{}", v[0]),
            (false, _) => format!("{p}.{{{}}}", v.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many of `n` rows of a horizontal bar chart fit in `height` pixels with at least
/// `min_row_h` pixels each (at least one).
pub(crate) fn rows_that_fit(n: usize, height: i32, min_row_h: i32) -> usize {
    let fit = (height / min_row_h.max(1)).max(1) as usize;
    n.min(fit)
}

/// Draws the factor names right-aligned in the label column, one per row, with an optional
/// second, muted line under each (e.g. the factor's low and high values).
pub(crate) fn draw_row_labels(
    area: &Area<'_>,
    labels: &[(String, Option<String>)],
    right: i32,
    max_width: i32,
    rows: &Linear,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let row_h = (rows.px(1.0) - rows.px(0.0)).abs();
    let two_lines = row_h >= line_height(sz.tick) + line_height(sz.footer);
    let name = Placement::new(sz.tick, palette::TEXT).align(HPos::Right, VPos::Center);
    let sub = Placement::new(sz.footer, palette::MUTED).align(HPos::Right, VPos::Center);
    for (i, (label, second)) in labels.iter().enumerate() {
        let cy = rows.px(i as f64 + 0.5);
        let label = fit_front(label, sz.tick, max_width);
        match second.as_deref().filter(|_| two_lines) {
            Some(s) => {
                let half = (line_height(sz.tick) + line_height(sz.footer)) / 2;
                let y1 = cy - half + line_height(sz.tick) / 2;
                let y2 = cy + half - line_height(sz.footer) / 2;
                text::draw_text(area, &label, (right, y1), name)?;
                let s = text::fit(s, sz.footer, max_width);
                text::draw_text(area, &s, (right, y2), sub)?;
            }
            None => text::draw_text(area, &label, (right, cy), name)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_three_significant_digits() {
        assert_eq!(fmt_num(0.0529), "0.0529");
        assert_eq!(fmt_num(-0.052_94), "-0.0529");
        assert_eq!(fmt_num(1.465), "1.47");
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(4800.0), "4800");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(-0.000_000_1), "0");
        assert_eq!(fmt_num(f64::NAN), "–");
    }

    #[test]
    fn names_are_grouped_by_prefix() {
        let names = [
            "unemployment.okun",
            "growth.ar",
            "unemployment.adjustment",
            "x",
        ];
        assert_eq!(
            compact_names(&names),
            "unemployment.{okun, adjustment}, growth.ar, x"
        );
        assert_eq!(compact_names::<&str>(&[]), "");
    }

    #[test]
    fn names_break_after_dots() {
        let name = "indicators.rural_transfer_new.elasticity";
        let w = text::width("indicators.rural_transfer_new.", 14.0);
        assert_eq!(
            break_at_dots(name, 14.0, w),
            "indicators.rural_transfer_new.\nelasticity"
        );
        assert_eq!(break_at_dots(name, 14.0, 1000), name);
        assert_eq!(break_at_dots("x", 14.0, 1), "x");
    }

    #[test]
    fn front_ellipsis_keeps_the_end() {
        let s = fit_front("indicators.rural_transfer_new.elasticity", 14.0, 150);
        assert!(s.starts_with('…') && s.ends_with(".elasticity"), "{s}");
        assert!(text::width(&s, 14.0) <= 150);
        assert_eq!(fit_front("growth.ar", 14.0, 500), "growth.ar");
    }
}
