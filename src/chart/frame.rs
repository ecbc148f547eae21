//! The page every chart is drawn on: a white canvas ([`render_rgb`]) and the frame around the
//! plot ([`Frame`]): title and subtitle on top, optionally a legend in rows under them, notes
//! and a footer at the bottom (under a thin rule), optionally a column on the right for a
//! note box and a legend. The frame is laid out without drawing ([`Frame::layout`]) so that
//! charts can size their content before they draw, and drawn with [`Frame::draw`].

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::canvas::{Area, Sizes, draw_err};
use super::legend::{LegendEntry, LegendRows, LegendStyle, draw_legend_column};
use super::text::{self, draw_lines, line_height};
use super::{ChartError, PixelRect, PlotGeometry, RenderedChart, palette};

/// Allocates a white RGB buffer of `size`, lets `draw` paint on it, and wraps the result.
///
/// # Errors
/// [`ChartError::InvalidSpec`] for a size outside 200–10000 × 150–10000 pixels, and whatever
/// `draw` or the font registration report.
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

/// A column on the right of the page: its share of the page width and its bounds in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SideColumn {
    pub share: f64,
    pub min: i32,
    pub max: i32,
}

impl SideColumn {
    /// The sidebar of fan and comparison charts (note box and legend).
    pub const CHART: Self = Self {
        share: 0.24,
        min: 160,
        max: 420,
    };
    /// The legend column of the Sobol' chart over the years.
    pub const INDICES: Self = Self {
        share: 0.26,
        min: 160,
        max: 440,
    };
}

/// The frame of a page around its plot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame<'a> {
    /// Centred on top, at most two lines.
    pub title: &'a str,
    /// A muted line under the title (up to three); may be empty.
    pub subtitle: &'a str,
    /// Drawn in centred rows under the title; may be empty.
    pub legend: &'a [LegendEntry],
    pub legend_style: LegendStyle,
    /// Paragraphs above the footer, at most three lines each and eight in all.
    pub notes: &'a [String],
    pub notes_color: RGBColor,
    /// The last line(s) of the page, muted; none if empty.
    pub footer: &'a str,
    /// A thin rule above the notes and footer.
    pub rule: bool,
    /// A column kept free on the right of the plot.
    pub side: Option<SideColumn>,
}

impl<'a> Frame<'a> {
    /// A frame with just a title and a rule above the (empty) notes and footer.
    pub fn new(title: &'a str) -> Self {
        Self {
            title,
            subtitle: "",
            legend: &[],
            legend_style: LegendStyle::KEYS,
            notes: &[],
            notes_color: palette::TEXT,
            footer: "",
            rule: true,
            side: None,
        }
    }

    /// Lays the frame out on a page of `size` pixels without drawing it.
    pub fn layout(&self, size: (u32, u32), sz: &Sizes) -> FrameLayout {
        let (w, h) = (size.0 as i32, size.1 as i32);
        let m = sz.margin;
        let inner_w = w - 2 * m;
        let title = text::wrap(self.title, sz.title, inner_w, 2);
        let mut y = m + title.len() as i32 * line_height(sz.title);
        let subtitle = match self.subtitle.trim() {
            "" => Vec::new(),
            s => text::wrap(s, sz.source, inner_w, 3),
        };
        let subtitle_y = y + 2;
        if !subtitle.is_empty() {
            y += 2 + subtitle.len() as i32 * line_height(sz.source);
        }
        let legend = (!self.legend.is_empty()).then(|| {
            y += m / 2;
            let rows = LegendRows::new(self.legend, inner_w, self.legend_style, sz);
            let at = y;
            y += rows.height();
            (rows, at)
        });
        let top = y + m / 2;
        let bottom = self.bottom_block(w, h, sz);
        let side = self.side.map(|s| {
            let side_w = ((f64::from(w) * s.share) as i32).clamp(s.min, s.max);
            PixelRect {
                left: w - m - side_w,
                top: top + m,
                right: w - m,
                bottom: bottom.top - m,
            }
        });
        FrameLayout {
            size: (w, h),
            margin: m,
            top,
            bottom: bottom.top,
            side,
            title,
            subtitle: (subtitle, subtitle_y),
            legend,
            bottom_block: bottom,
        }
    }

    /// The notes and footer at the bottom of a `w`×`h` page.
    fn bottom_block(&self, w: i32, h: i32, sz: &Sizes) -> BottomBlock {
        let m = sz.margin;
        let inner_w = w - 2 * m;
        let footer = if self.footer.is_empty() {
            Vec::new()
        } else {
            text::wrap(self.footer, sz.footer, inner_w, 2)
        };
        let mut notes: Vec<String> = Vec::new();
        for n in self.notes.iter().filter(|n| !n.trim().is_empty()) {
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
        let height = footer_h + notes_h + gap;
        BottomBlock {
            top: h - m - height,
            height,
            footer_y: h - m - height + notes_h + gap,
            notes,
            footer,
        }
    }

    /// Draws the frame on `root` and returns its layout.
    pub fn draw(&self, root: &Area<'_>, sz: &Sizes) -> Result<FrameLayout, ChartError> {
        let l = self.layout(root.dim_in_pixel(), sz);
        let (w, m) = (l.size.0, l.margin);
        let title_em = sz.title;
        draw_lines(
            root,
            &l.title,
            (w / 2, m),
            title_em,
            palette::TEXT,
            HPos::Center,
        )?;
        let (subtitle, subtitle_y) = &l.subtitle;
        let at = (w / 2, *subtitle_y);
        draw_lines(root, subtitle, at, sz.source, palette::MUTED, HPos::Center)?;
        if let Some((rows, y)) = &l.legend {
            rows.draw(root, self.legend, (m, *y), w - 2 * m, sz)?;
        }
        let b = &l.bottom_block;
        let color = self.notes_color;
        draw_lines(root, &b.notes, (m, b.top), sz.source, color, HPos::Left)?;
        draw_lines(
            root,
            &b.footer,
            (m, b.footer_y),
            sz.footer,
            palette::MUTED,
            HPos::Left,
        )?;
        if self.rule && b.height > 0 {
            let y = b.top - m / 2;
            root.draw(&PathElement::new(
                vec![(m, y), (w - m, y)],
                ShapeStyle::from(palette::GRID).stroke_width(1),
            ))
            .map_err(draw_err)?;
        }
        Ok(l)
    }
}

/// The notes and footer at the bottom of a page.
#[derive(Debug, Clone)]
struct BottomBlock {
    top: i32,
    height: i32,
    footer_y: i32,
    notes: Vec<String>,
    footer: Vec<String>,
}

/// Where a [`Frame`] leaves room on its page.
pub(crate) struct FrameLayout {
    /// Page size in pixels.
    pub size: (i32, i32),
    pub margin: i32,
    /// The first row under the title, subtitle and legend rows (with half a margin).
    pub top: i32,
    /// The first row of the notes and footer (the page height less a margin without them).
    pub bottom: i32,
    /// The right column, if the frame has one: from a margin under `top` to a margin above
    /// `bottom`.
    pub side: Option<PixelRect>,
    title: Vec<String>,
    subtitle: (Vec<String>, i32),
    legend: Option<(LegendRows, i32)>,
    bottom_block: BottomBlock,
}

impl FrameLayout {
    /// The room for a plot with its axes: between the page margins (or a margin left of the
    /// side column), from `top` to a margin above `bottom`, at least 50 pixels high.
    pub fn room(&self) -> PixelRect {
        let (w, m) = (self.size.0, self.margin);
        PixelRect {
            left: m,
            top: self.top,
            right: self.side.map_or(w - m, |s| s.left - m),
            bottom: (self.bottom - m).max(self.top + 50),
        }
    }
}

/// Fills the column `side` from its top: `note` in a box (if any), then `legend` in one
/// column.
pub(crate) fn draw_sidebar(
    root: &Area<'_>,
    side: PixelRect,
    note: Option<&str>,
    legend: &[LegendEntry],
    sz: &Sizes,
) -> Result<(), ChartError> {
    let width = side.right - side.left;
    let mut y = side.top;
    if let Some(note) = note {
        y += draw_note_box(root, note, (side.left, y), width, sz.note)?;
        y += (sz.legend * 1.6) as i32;
    }
    draw_legend_column(root, legend, (side.left, y), width, sz)?;
    Ok(())
}

/// Draws `note` in a framed box of width `width` at `(x, y)`; returns the box height.
fn draw_note_box(
    area: &Area<'_>,
    note: &str,
    (x, y): (i32, i32),
    width: i32,
    em: f64,
) -> Result<i32, ChartError> {
    let pad = (em * 0.6) as i32;
    let lines = text::wrap(note, em, width - 2 * pad, 9);
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
    let at = (x + pad, y + pad);
    draw_lines(area, &lines, at, em, palette::TEXT, HPos::Left)?;
    Ok(h)
}

/// Writes `message` in the middle of `plot`, wrapped to its width, in muted text.
pub(crate) fn draw_message(
    area: &Area<'_>,
    plot: PixelRect,
    message: &str,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let em = sz.axis_desc;
    let lines = text::wrap(message, em, (plot.right - plot.left - 40).max(60), 4);
    let h = lines.len() as i32 * line_height(em);
    let at = (
        (plot.left + plot.right) / 2,
        (plot.top + plot.bottom) / 2 - h / 2,
    );
    draw_lines(area, &lines, at, em, palette::MUTED, HPos::Center)?;
    Ok(())
}
