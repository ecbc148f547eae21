//! Small multiples: many compact fan charts on one overview page with a shared legend.

use std::path::Path;

use plotters::style::text_anchor::HPos;

use super::draw::{self, LegendEntry, Sizes, Swatch};
use super::fan::{self, render_rgb};
use super::text::{self, line_height};
use super::{ChartError, FanChart, PlotGeometry, RenderedChart, palette};

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
        let (w, h) = (size.0 as i32, size.1 as i32);
        // Page text follows the panels' scale, estimated from the grid without header rows.
        let est = Sizes::panel_scale(
            (w - 36) / cols as i32,
            (h as f64 * 0.85) as i32 / rows as i32,
        );
        let page = Sizes::with_scale(est);
        let m = page.margin;
        let title_lines = text::wrap(title, page.title, w - 2 * m, 2);
        let mut top = m + draw::draw_lines(
            root,
            &title_lines,
            w / 2,
            m,
            page.title,
            palette::TEXT,
            HPos::Center,
        )?;
        let legend = shared_legend(panels, &page);
        if !legend.is_empty() {
            top += m / 2;
            top += draw::draw_legend_rows(root, &legend, top, m, w - 2 * m, &page)?;
        }
        top += m / 2;
        let footer_lines = text::wrap(footer, page.footer, w - 2 * m, 2);
        let footer_h = if footer.is_empty() {
            0
        } else {
            footer_lines.len() as i32 * line_height(page.footer)
        };
        let bottom = h - m - footer_h;
        if footer_h > 0 {
            draw::draw_lines(
                root,
                &footer_lines,
                m,
                bottom,
                page.footer,
                palette::MUTED,
                HPos::Left,
            )?;
        }
        let grid_h = bottom - m / 2 - top;
        let cell_w = (w - 2 * m) / cols as i32;
        let cell_h = grid_h / rows as i32;
        if cell_w < 120 || cell_h < 90 {
            return Err(ChartError::invalid(
                "size",
                format!(
                    "{}×{} pixels leave {cell_w}×{cell_h} per panel for {rows}×{cols} panels (need 120×90)",
                    size.0, size.1
                ),
            ));
        }
        let sz = Sizes::panel(Sizes::panel_scale(cell_w, cell_h));
        let header_lines = panels
            .iter()
            .map(|p| text::wrap(&p.title, sz.title, cell_w - 2 * sz.margin, 2).len())
            .max()
            .unwrap_or(1) as i32;
        let has_note = panels.iter().any(|p| {
            p.annotation
                .as_deref()
                .is_some_and(|a| !a.trim().is_empty())
        });
        let header_h =
            header_lines * line_height(sz.title) + if has_note { line_height(sz.note) } else { 0 };
        let mut plots = Vec::with_capacity(panels.len());
        for (i, p) in panels.iter().enumerate() {
            let (r, c) = ((i / cols) as i32, (i % cols) as i32);
            let (x0, y0) = (m + c * cell_w, top + r * cell_h);
            let cell = root.clone().shrink((x0, y0), (cell_w, cell_h));
            let tl = text::wrap(&p.title, sz.title, cell_w - 2 * sz.margin, 2);
            let mut y = sz.margin / 2;
            y += draw::draw_lines(
                &cell,
                &tl,
                cell_w / 2,
                y,
                sz.title,
                palette::TEXT,
                HPos::Center,
            )?;
            if let Some(a) = p.annotation.as_deref().filter(|a| !a.trim().is_empty()) {
                let line = text::fit(&a.replace('\n', " · "), sz.note, cell_w - 2 * sz.margin);
                draw::draw_lines(
                    &cell,
                    &[line],
                    cell_w / 2,
                    y,
                    sz.note,
                    palette::MEDIAN,
                    HPos::Center,
                )?;
            }
            let plot_top = sz.margin / 2 + header_h;
            let plot = cell
                .clone()
                .shrink((0, plot_top), (cell_w - sz.margin / 2, cell_h - plot_top));
            let mut compact = p.clone();
            compact.x_label = String::new();
            plots.push(fan::draw_plot(&plot, &compact, &sz)?);
        }
        Ok(plots)
    })
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
        Swatch::Line { color, dashed, .. } => format!("line{color:?}{dashed}"),
        Swatch::BandLine { color, .. } => format!("bandline{color:?}"),
        Swatch::Marker { marker, .. } => format!("marker{marker:?}"),
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
        Swatch::Line { dashed: true, .. } => "Target (see each panel)",
        Swatch::Line { .. } => "Median",
        Swatch::Fill { .. } | Swatch::BandLine { .. } => "Band",
        Swatch::Marker { .. } => "History",
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
