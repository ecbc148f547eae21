//! Small multiples: many compact fan charts on one overview page with a shared legend.

use std::path::Path;

use plotters::style::Color;

use plotters::style::text_anchor::HPos;

use super::canvas::{Area, Sizes};
use super::frame::{Frame, render_rgb};
use super::legend::{LegendEntry, LegendStyle, Swatch};
use super::text::{self, draw_lines, line_height};
use super::{ChartError, FanChart, PixelRect, PlotGeometry, RenderedChart, palette};
use super::{draw, fan};

/// Renders `panels` in a grid of `cols` columns on one PNG of `size` pixels, under `title`,
/// with one shared legend and `footer` at the bottom. Each panel shows its own title,
/// annotation (e.g. P(met)), axes, bands, median, history and target; panel footers, source
/// notes and sizes are ignored. Returns each panel's plot geometry, row by row.
///
/// # Errors
/// [`ChartError::InvalidSpec`] if there are no panels, `cols` is 0, a panel is inconsistent
/// or the panels would be smaller than 120×90 pixels; [`ChartError::Write`] if the file
/// cannot be written.
pub fn render_small_multiples(
    panels: &[FanChart],
    cols: usize,
    title: &str,
    footer: &str,
    size: (u32, u32),
    path: &Path,
) -> Result<Vec<PlotGeometry>, ChartError> {
    let img = render_small_multiples_rgb(panels, cols, title, footer, size)?;
    img.save_png(path)?;
    Ok(img.plots)
}

/// Renders a small-multiples page into memory; see [`render_small_multiples`].
///
/// # Errors
/// As [`render_small_multiples`], except for writing.
pub fn render_small_multiples_rgb(
    panels: &[FanChart],
    cols: usize,
    title: &str,
    footer: &str,
    size: (u32, u32),
) -> Result<RenderedChart, ChartError> {
    if panels.is_empty() {
        return Err(ChartError::invalid("panels", "no panels to draw"));
    }
    if cols == 0 {
        return Err(ChartError::invalid("cols", "must be at least 1"));
    }
    for (i, p) in panels.iter().enumerate() {
        fan::validate(p, &format!("panels[{i}]."))?;
    }
    let cols = cols.min(panels.len());
    let rows = panels.len().div_ceil(cols);
    render_rgb(size, |root| {
        let grid = draw_page(root, panels, (rows, cols), title, footer)?;
        let header = Header::new(panels, &grid);
        let mut plots = Vec::with_capacity(panels.len());
        for (i, p) in panels.iter().enumerate() {
            plots.push(draw_panel(root, &grid, &header, i, p)?);
        }
        Ok(plots)
    })
}

/// The grid of panels on the page.
struct Grid {
    cols: usize,
    /// Top-left corner of the first cell.
    origin: (i32, i32),
    cell: (i32, i32),
    /// Sizes of the panels' text and lines.
    sz: Sizes,
}

/// Draws the page (title, shared legend, footer) and returns the grid of panel cells.
fn draw_page(
    root: &Area<'_>,
    panels: &[FanChart],
    (rows, cols): (usize, usize),
    title: &str,
    footer: &str,
) -> Result<Grid, ChartError> {
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    // Page text follows the panels' scale, estimated from the grid without header rows.
    let est = Sizes::panel_scale(
        (w - 36) / cols as i32,
        (h as f64 * 0.85) as i32 / rows as i32,
    );
    let page = Sizes::with_scale(est);
    let legend = shared_legend(panels, &page);
    let layout = Frame {
        legend: &legend,
        legend_style: LegendStyle::ROWS,
        footer,
        rule: false,
        ..Frame::new(title)
    }
    .draw(root, &page)?;
    let m = layout.margin;
    let grid_h = layout.bottom - m / 2 - layout.top;
    let cell = ((w - 2 * m) / cols as i32, grid_h / rows as i32);
    if cell.0 < 120 || cell.1 < 90 {
        return Err(ChartError::invalid(
            "size",
            format!(
                "{w}×{h} pixels leave {}×{} per panel for {rows}×{cols} panels (need 120×90)",
                cell.0, cell.1
            ),
        ));
    }
    Ok(Grid {
        cols,
        origin: (m, layout.top),
        cell,
        sz: Sizes::panel(Sizes::panel_scale(cell.0, cell.1)),
    })
}

/// The room above every panel's plot: as many title lines as the longest title needs, and a
/// line for the annotation if any panel has one.
struct Header {
    height: i32,
}

impl Header {
    fn new(panels: &[FanChart], grid: &Grid) -> Self {
        let sz = &grid.sz;
        let title_lines = panels
            .iter()
            .map(|p| text::wrap(&p.title, sz.title, grid.cell.0 - 2 * sz.margin, 2).len())
            .max()
            .unwrap_or(1) as i32;
        let has_note = panels.iter().any(|p| annotation(p).is_some());
        let note_h = if has_note { line_height(sz.note) } else { 0 };
        Self {
            height: title_lines * line_height(sz.title) + note_h,
        }
    }
}

fn annotation(p: &FanChart) -> Option<&str> {
    p.annotation.as_deref().filter(|a| !a.trim().is_empty())
}

/// Draws panel `i` in its cell: title, annotation on one line, and the plot.
fn draw_panel(
    root: &Area<'_>,
    grid: &Grid,
    header: &Header,
    i: usize,
    p: &FanChart,
) -> Result<PlotGeometry, ChartError> {
    let sz = &grid.sz;
    let (cell_w, cell_h) = grid.cell;
    let (r, c) = ((i / grid.cols) as i32, (i % grid.cols) as i32);
    let (x0, y0) = (grid.origin.0 + c * cell_w, grid.origin.1 + r * cell_h);
    let cell = root.clone().shrink((x0, y0), (cell_w, cell_h));
    let tl = text::wrap(&p.title, sz.title, cell_w - 2 * sz.margin, 2);
    let mut y = sz.margin / 2;
    let at = (cell_w / 2, y);
    y += draw_lines(&cell, &tl, at, sz.title, palette::TEXT, HPos::Center)?;
    if let Some(a) = annotation(p) {
        let line = text::fit(&a.replace('\n', " · "), sz.note, cell_w - 2 * sz.margin);
        let at = (cell_w / 2, y);
        draw_lines(&cell, &[line], at, sz.note, palette::MEDIAN, HPos::Center)?;
    }
    let plot_top = sz.margin / 2 + header.height;
    // The plot's room: the cell below the header, less half a margin on the right.
    let frame = PixelRect {
        left: x0,
        top: y0 + plot_top,
        right: x0 + (cell_w - sz.margin / 2) - 1,
        bottom: y0 + plot_top + (cell_h - plot_top) - 1,
    };
    let mut compact = p.clone();
    compact.x_label = String::new();
    fan::draw_plot(root, frame, &compact, sz)
}

/// A page size that keeps `n` panels in `cols` columns readable: about 600×450 pixels per
/// panel plus room for the title, legend and footer (e.g. 12 panels in 4 columns: 2400×1500).
pub fn suggested_page_size(n: usize, cols: usize) -> (u32, u32) {
    let cols = cols.clamp(1, n.max(1));
    let rows = n.max(1).div_ceil(cols);
    let w = (600 * cols as u32).clamp(800, 6000);
    let h = (450 * rows as u32 + 150).clamp(600, 8000);
    (w, h)
}

/// One legend for all panels: entries of the first panel that has each element; a label is
/// kept only if every panel that has the element uses the same one.
fn shared_legend(panels: &[FanChart], sz: &Sizes) -> Vec<LegendEntry> {
    let per_panel: Vec<Vec<LegendEntry>> =
        panels.iter().map(|p| fan::legend_entries(p, sz)).collect();
    let key = |e: &LegendEntry| match e.swatch {
        Swatch::Fill { color, .. } => format!("fill{color:?}"),
        Swatch::Hatched(color) => format!("hatched{color:?}"),
        Swatch::Line { color, dash, .. } => format!("line{color:?}{}", dash.is_some()),
        Swatch::BandLine { color, .. } => format!("bandline{color:?}"),
        Swatch::Marker { marker, .. } => format!("marker{marker:?}"),
        Swatch::Whisker => "whisker".to_owned(),
        Swatch::Dot { color, .. } => format!("dot{color:?}"),
    };
    let mut out: Vec<(String, LegendEntry, bool)> = Vec::new();
    for e in per_panel.iter().flatten() {
        let k = key(e);
        match out.iter_mut().find(|(ok, _, _)| *ok == k) {
            Some((_, first, same)) => *same &= first.label == e.label,
            None => out.push((k, e.clone(), true)),
        }
    }
    out.into_iter()
        .map(|(_, mut e, same)| {
            if !same {
                e.label = generic_label(&e).to_owned();
            }
            e
        })
        .collect()
}

fn generic_label(e: &LegendEntry) -> &'static str {
    match e.swatch {
        Swatch::Line { dash: Some(_), .. } => "Target (see each panel)",
        Swatch::Line { color, .. } if color == palette::HISTORY => {
            "Period average of a plan (or assumed) total (see each fan chart)"
        }
        Swatch::Line { .. } => "Median",
        Swatch::Fill { color, .. } if color == palette::SHOCK.mix(draw::SHOCK_ALPHA) => {
            "Shock year"
        }
        Swatch::Fill { .. } | Swatch::Hatched(_) | Swatch::BandLine { .. } => "Band",
        Swatch::Marker { .. } | Swatch::Dot { .. } => "History",
        Swatch::Whisker => "Interval",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_sizes() {
        assert_eq!(suggested_page_size(12, 4), (2400, 1500));
        assert_eq!(suggested_page_size(1, 4), (800, 600));
        assert_eq!(suggested_page_size(0, 0), (800, 600));
    }
}
