//! The Morris μ*–σ scatter: one point per factor at its mean absolute elementary effect μ*
//! and the standard deviation σ of its effects, with the bootstrap interval of μ* as a
//! whisker and the line σ/μ* = 1 (above it, a factor acts non-linearly or through
//! interactions). Points are labelled with the factor names, placed so that no two labels
//! overlap; a point whose name finds no room gets a number explained in a note.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::axes::{AxisLook, Plot, plot_rect, value_ticks};
use super::super::canvas::{Area, Sizes, draw_err};
use super::super::draw::whisker;
use super::super::frame::{draw_message, render_rgb};
use super::super::legend::{LegendEntry, Swatch};
use super::super::scale;
use super::super::text::{self, Placement, fit_front, line_height};
use super::super::{ChartError, PixelRect, PlotGeometry, RenderedChart, YRange, palette};
use super::{COLOR_A, compact_names, frame, line_key};
use crate::sensitivity::MorrisRow;

/// A μ*–σ scatter of the Morris indices of one output.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisChart {
    pub title: String,
    /// A muted line under the title; may be empty.
    pub subtitle: String,
    /// E.g. `"μ* (mean |elementary effect|) on P(met) 2025"`.
    pub x_label: String,
    /// E.g. `"σ (standard deviation of the elementary effects)"`.
    pub y_label: String,
    /// One row per factor.
    pub rows: Vec<MorrisRow>,
    /// Notes above the footer, one paragraph each.
    pub notes: Vec<String>,
    pub footer: String,
    /// Pixel size (width, height); 1200×800 by default.
    pub size: (u32, u32),
}

impl Default for MorrisChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            subtitle: String::new(),
            x_label: "μ*".to_owned(),
            y_label: "σ".to_owned(),
            rows: Vec::new(),
            notes: Vec::new(),
            footer: String::new(),
            size: (1200, 800),
        }
    }
}

impl MorrisChart {
    /// The rows drawn as points: finite μ* and σ, not both zero; by decreasing μ* (the order
    /// in which labels claim their room).
    pub fn drawn_rows(&self) -> Vec<&MorrisRow> {
        let mut rows: Vec<&MorrisRow> = self
            .rows
            .iter()
            .filter(|r| finite(r) && !(r.mu_star == 0.0 && r.sigma == 0.0))
            .collect();
        rows.sort_by(|a, b| {
            b.mu_star
                .total_cmp(&a.mu_star)
                .then(b.sigma.total_cmp(&a.sigma))
        });
        rows
    }
}

fn finite(r: &MorrisRow) -> bool {
    r.mu_star.is_finite() && r.sigma.is_finite()
}

/// Renders `spec` to a PNG file at `path`; see [`render_morris_rgb`].
///
/// # Errors
/// As [`render_morris_rgb`], and [`ChartError::Write`] if the file cannot be written.
pub fn render_morris(spec: &MorrisChart, path: &Path) -> Result<PlotGeometry, ChartError> {
    let img = render_morris_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// Renders `spec` into memory; the geometry maps (μ*, σ) to pixels.
///
/// # Errors
/// [`ChartError::InvalidSpec`] for an image size outside 200–10000 × 150–10000 pixels.
pub fn render_morris_rgb(spec: &MorrisChart) -> Result<RenderedChart, ChartError> {
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        let rows = spec.drawn_rows();
        // Axes first: label placement needs the pixel positions, notes need the placement.
        let axes = scatter_axes(&rows);
        let legend = legend(&rows);
        let text = (
            spec.title.as_str(),
            spec.subtitle.as_str(),
            spec.footer.as_str(),
        );
        let plot_for = |notes: &[String]| {
            let room = frame(text, &legend, notes).layout(spec.size, &sz).room();
            scatter_plot(room, &axes, spec, &sz)
        };
        let (notes, planned, mut placed) = settle_labels(notes(spec), &rows, plot_for, &sz);
        let layout = frame(text, &legend, &notes).draw(root, &sz)?;
        let plot = scatter_plot(layout.room(), &axes, spec, &sz);
        if plot.rect != planned.rect {
            // The layout is computed as it is drawn, so this does not happen; if it did, the
            // labels follow the drawn axes.
            placed = place_labels(&rows, &plot, &sz);
        }
        plot.draw_x_axis(root, &value_ticks(&axes.0), &spec.x_label, &sz)?;
        plot.draw_y_axis(root, &value_ticks(&axes.1), &spec.y_label, &sz)?;
        if rows.is_empty() {
            draw_message(root, plot.rect, empty_message(spec), &sz)?;
            return Ok(vec![plot.geometry()]);
        }
        draw_points(root, &plot, &rows, &placed)?;
        draw_labels(root, &placed, &sz)?;
        Ok(vec![plot.geometry()])
    })
}

/// Colour of the σ/μ* = 1 line.
const REFERENCE: RGBColor = RGBColor(150, 150, 150);
const DOT_R: i32 = 6;
const LABEL_PAD: i32 = 2;
/// How many label heights above or below its point a label may move.
const MAX_RINGS: i32 = 8;

fn label_em(sz: &Sizes) -> f64 {
    sz.source
}

/// The bootstrap interval of μ* (low, high, level), if finite.
fn ci(r: &MorrisRow) -> Option<(f64, f64, f64)> {
    r.mu_star_ci
        .filter(|c| c.low.is_finite() && c.high.is_finite())
        .map(|c| (c.low, c.high, c.level))
}

/// The μ* and σ axes of the drawn `rows`, both from 0.
fn scatter_axes(rows: &[&MorrisRow]) -> (scale::ValueAxis, scale::ValueAxis) {
    let xs = rows
        .iter()
        .flat_map(|r| [Some(r.mu_star), ci(r).map(|c| c.1), ci(r).map(|c| c.0)])
        .flatten();
    let ys = rows.iter().map(|r| r.sigma);
    let max_ticks = 8;
    let x_axis =
        scale::value_axis(xs.chain([0.0]), YRange::IncludeZero, max_ticks).expect("0 is finite");
    let y_axis =
        scale::value_axis(ys.chain([0.0]), YRange::IncludeZero, max_ticks).expect("0 is finite");
    (x_axis, y_axis)
}

/// The legend: the points, the whisker if there are intervals, the reference line.
fn legend(rows: &[&MorrisRow]) -> Vec<LegendEntry> {
    let dot = Swatch::Dot {
        color: COLOR_A,
        radius: 5,
    };
    let mut keys = vec![LegendEntry::new(dot, "Factor (μ*, σ)")];
    if let Some(l) = rows.iter().find_map(|r| ci(r)).map(|c| c.2) {
        let label = format!("{:.0} % bootstrap interval of μ*", l * 100.0);
        keys.push(LegendEntry::new(Swatch::Whisker, label));
    }
    keys.push(LegendEntry::new(
        line_key(REFERENCE, true),
        "σ/μ* = 1: above it, non-linear effects or interactions",
    ));
    keys
}

/// The factors whose μ* or σ is not finite.
fn broken(spec: &MorrisChart) -> Vec<&str> {
    spec.rows
        .iter()
        .filter(|r| !finite(r))
        .map(|r| r.factor.as_str())
        .collect()
}

/// The spec's notes and those naming the factors without effect and those not drawn.
fn notes(spec: &MorrisChart) -> Vec<String> {
    let mut notes = spec.notes.clone();
    let quiet: Vec<&str> = spec
        .rows
        .iter()
        .filter(|r| finite(r) && r.mu_star == 0.0 && r.sigma == 0.0)
        .map(|r| r.factor.as_str())
        .collect();
    if !quiet.is_empty() {
        notes.push(format!(
            "No effect (μ* = σ = 0), not drawn: {}.",
            compact_names(&quiet)
        ));
    }
    let broken = broken(spec);
    if !broken.is_empty() {
        notes.push(format!(
            "Not drawn (non-finite μ* or σ): {}.",
            compact_names(&broken)
        ));
    }
    notes
}

/// What the plot says when there are no points.
fn empty_message(spec: &MorrisChart) -> &'static str {
    if spec.rows.is_empty() {
        "No factors"
    } else if broken(spec).len() == spec.rows.len() {
        "No finite indices"
    } else {
        "No factor moves this output: every μ* and σ is 0"
    }
}

/// The scatter plot in `room`, with room for its axes.
fn scatter_plot(
    room: PixelRect,
    (x, y): &(scale::ValueAxis, scale::ValueAxis),
    spec: &MorrisChart,
    sz: &Sizes,
) -> Plot {
    let titles = (&spec.x_label, &spec.y_label);
    let rect = plot_rect(room, &value_ticks(y), titles.0, titles.1, 0, sz);
    Plot::new(rect, (x.lo, x.hi), (y.lo, y.hi), AxisLook::OnEdge)
}

/// Places the labels and writes the notes about numbered and unplaced ones. Those notes take
/// room from the plot, which moves the points, which changes which labels fit: place, write
/// the notes, and place again until the plot keeps its size (at once, as a rule). Returns
/// the notes, the plot they leave and the labels on it.
fn settle_labels(
    notes: Vec<String>,
    rows: &[&MorrisRow],
    plot_for: impl Fn(&[String]) -> Plot,
    sz: &Sizes,
) -> (Vec<String>, Plot, Vec<LabelSpot>) {
    let mut used = notes.clone();
    let mut plot = plot_for(&used);
    let mut placed = place_labels(rows, &plot, sz);
    for _ in 0..4 {
        let mut want = notes.clone();
        want.extend(label_notes(&placed));
        if want == used {
            break;
        }
        used = want;
        plot = plot_for(&used);
        placed = place_labels(rows, &plot, sz);
    }
    (used, plot, placed)
}

/// Notes explaining the numbered labels and naming the points without a label.
fn label_notes(placed: &[LabelSpot]) -> Vec<String> {
    let numbered: Vec<String> = placed
        .iter()
        .filter_map(|p| match p {
            LabelSpot::Number { n, factor, .. } => Some(format!("{n} = {factor}")),
            _ => None,
        })
        .collect();
    let unplaced: Vec<&str> = placed
        .iter()
        .filter_map(|p| match p {
            LabelSpot::Unplaced { factor } => Some(factor.as_str()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    if !numbered.is_empty() {
        out.push(format!("Numbered points: {}.", numbered.join(", ")));
    }
    if !unplaced.is_empty() {
        out.push(format!(
            "Not labelled (no room beside the point): {}.",
            compact_names(&unplaced)
        ));
    }
    out
}

/// The σ/μ* = 1 line from the origin to where it leaves the plot, if it has any length.
fn reference_line(plot: &Plot) -> Option<((i32, i32), (i32, i32))> {
    let m = plot.x.hi.min(plot.y.hi);
    (m > 0.0).then(|| (plot.px((0.0, 0.0)), plot.px((m, m))))
}

/// The reference line, the whiskers, the leader lines of moved labels and the points.
fn draw_points(
    root: &Area<'_>,
    plot: &Plot,
    rows: &[&MorrisRow],
    placed: &[LabelSpot],
) -> Result<(), ChartError> {
    if let Some((a, b)) = reference_line(plot) {
        let style = ShapeStyle::from(REFERENCE).stroke_width(2);
        root.draw(&DashedPathElement::new([a, b], 8u32, 5u32, style))
            .map_err(draw_err)?;
    }
    let cap = 5;
    for r in rows {
        if let Some((lo, hi, _)) = ci(r) {
            whisker(root, plot.x.px(lo), plot.x.px(hi), plot.y.px(r.sigma), cap)?;
        }
    }
    let leader = ShapeStyle::from(RGBColor(150, 150, 150)).stroke_width(1);
    for p in placed {
        let (bx, at) = match p {
            LabelSpot::Name { bx, at, .. } | LabelSpot::Number { bx, at, .. } => (bx, at),
            LabelSpot::Unplaced { .. } => continue,
        };
        if let Some(from) = at {
            let to = nearest_on_box(*bx, *from);
            root.draw(&PathElement::new(vec![*from, to], leader))
                .map_err(draw_err)?;
        }
    }
    for r in rows {
        let at = plot.px((r.mu_star, r.sigma));
        root.draw(&Circle::new(at, DOT_R, ShapeStyle::from(COLOR_A).filled()))
            .map_err(draw_err)?;
        root.draw(&Circle::new(
            at,
            DOT_R,
            ShapeStyle::from(WHITE).stroke_width(1),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// The labels, each on a light box.
fn draw_labels(root: &Area<'_>, placed: &[LabelSpot], sz: &Sizes) -> Result<(), ChartError> {
    let em = label_em(sz);
    let p = Placement::new(em, palette::TEXT).align(HPos::Left, VPos::Top);
    for pl in placed {
        let (bx, txt) = match pl {
            LabelSpot::Name { bx, text, .. } => (bx, text.clone()),
            LabelSpot::Number { bx, n, .. } => (bx, n.to_string()),
            LabelSpot::Unplaced { .. } => continue,
        };
        root.draw(&Rectangle::new(
            [(bx.0, bx.1 + 2), (bx.2, bx.3 - 2)],
            ShapeStyle::from(WHITE.mix(0.85)).filled(),
        ))
        .map_err(draw_err)?;
        let top = bx.1 + (bx.3 - bx.1 - em as i32) / 2;
        text::draw_text(root, &txt, (bx.0 + LABEL_PAD, top), p)?;
    }
    Ok(())
}

/// A label box `(left, top, right, bottom)` in pixels.
type Box4 = (i32, i32, i32, i32);

/// Where a point's label went: its name, or a number explained in a note, or nowhere. `at`
/// is the point, when a leader line joins it to the label.
#[derive(Debug, Clone)]
enum LabelSpot {
    Name {
        bx: Box4,
        text: String,
        at: Option<(i32, i32)>,
    },
    Number {
        bx: Box4,
        n: usize,
        factor: String,
        at: Option<(i32, i32)>,
    },
    Unplaced {
        factor: String,
    },
}

fn overlaps(a: Box4, b: Box4) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn nearest_on_box(b: Box4, p: (i32, i32)) -> (i32, i32) {
    (p.0.clamp(b.0, b.2), p.1.clamp(b.1, b.3))
}

fn hits(bx: Box4, set: &[Box4]) -> bool {
    set.iter().any(|o| overlaps(*o, bx))
}

/// What labels must avoid on a scatter plot.
struct Obstacles {
    plot: PixelRect,
    /// Markers and whiskers, each with the index of its point.
    marks: Vec<(Box4, usize)>,
    /// The same boxes, without the index.
    hard: Vec<Box4>,
    /// The σ/μ* = 1 line as a chain of small boxes: avoided if possible (labels crossing it
    /// get a white background).
    line: Vec<Box4>,
    /// Height of a label.
    lh: i32,
}

impl Obstacles {
    fn new(rows: &[&MorrisRow], pts: &[(i32, i32)], plot: &Plot, lh: i32) -> Self {
        let mut marks: Vec<(Box4, usize)> = pts
            .iter()
            .enumerate()
            .map(|(j, &(x, y))| {
                let r = DOT_R + 1;
                ((x - r, y - r, x + r, y + r), j)
            })
            .collect();
        for (j, r) in rows.iter().enumerate() {
            if let Some((lo, hi, _)) = ci(r) {
                let y = plot.y.px(r.sigma);
                marks.push(((plot.x.px(lo), y - 5, plot.x.px(hi), y + 5), j));
            }
        }
        let mut line: Vec<Box4> = Vec::new();
        if let Some(((x0, y0), (x1, y1))) = reference_line(plot) {
            let n = ((x1 - x0).abs().max((y1 - y0).abs()) / 5).max(1);
            for k in 0..=n {
                let x = x0 + (x1 - x0) * k / n;
                let y = y0 + (y1 - y0) * k / n;
                line.push((x - 2, y - 2, x + 2, y + 2));
            }
        }
        Self {
            plot: plot.rect,
            hard: marks.iter().map(|o| o.0).collect(),
            marks,
            line,
            lh,
        }
    }

    fn inside(&self, bx: Box4) -> bool {
        let p = self.plot;
        bx.0 >= p.left + 2 && bx.2 <= p.right - 2 && bx.1 > p.top && bx.3 <= p.bottom - 2
    }

    /// Whether a leader line from point `i` at `(px, py)` to the box `bx` stays clear of the
    /// `taken` labels and of other points' markers and whiskers.
    fn leader_clear(&self, i: usize, (px, py): (i32, i32), bx: Box4, taken: &[Box4]) -> bool {
        let (tx, ty) = nearest_on_box(bx, (px, py));
        let n = ((tx - px).abs().max((ty - py).abs()) / 3).max(1);
        (0..=n).all(|k| {
            let x = px + (tx - px) * k / n;
            let y = py + (ty - py) * k / n;
            let dot = (x - 1, y - 1, x + 1, y + 1);
            // A leader may run over its own point's marker and whisker, and starts under the
            // marker, which may touch a neighbour's.
            let start = (x - px).pow(2) + (y - py).pow(2) <= (DOT_R + 1).pow(2);
            start
                || !hits(dot, taken)
                    && self
                        .marks
                        .iter()
                        .all(|(o, j)| *j == i || !overlaps(*o, dot))
        })
    }

    /// Boxes `w` wide for a label of the point at `(px, py)`: beside, above and below it,
    /// then around it at growing distances.
    fn candidates(&self, (px, py): (i32, i32), w: i32) -> Vec<Box4> {
        let g = DOT_R + 3;
        let h = self.lh;
        let side = |x0: i32, dy: i32| (x0, py - h / 2 + dy, x0 + w, py - h / 2 + dy + h);
        let mut cands = vec![
            side(px + g, 0),
            side(px - g - w, 0),
            (px - w / 2, py - g - h, px - w / 2 + w, py - g),
            (px - w / 2, py + g, px - w / 2 + w, py + g + h),
        ];
        for k in 0..=MAX_RINGS {
            for dx in [8, 30, 60, 100] {
                for dy in [-k * (h + 1), k * (h + 1)] {
                    cands.push(side(px + g + dx, dy));
                    cands.push(side(px - g - dx - w, dy));
                }
            }
        }
        cands
    }

    /// The closest free box `w` wide for point `i` at `p` (crossing the reference line costs
    /// a little distance), and whether it is far enough to need a leader line.
    fn place(&self, i: usize, p: (i32, i32), w: i32, taken: &[Box4]) -> Option<(Box4, bool)> {
        let g = DOT_R + 3;
        let dist = |b: Box4| {
            let (x, y) = nearest_on_box(b, p);
            f64::from((x - p.0).pow(2) + (y - p.1).pow(2)).sqrt()
        };
        self.candidates(p, w)
            .into_iter()
            .filter(|b| self.inside(*b) && !hits(*b, taken) && !hits(*b, &self.hard))
            .map(|b| (b, dist(b) + if hits(b, &self.line) { 30.0 } else { 0.0 }))
            .filter(|(b, _)| dist(*b) <= f64::from(g + 2) || self.leader_clear(i, p, *b, taken))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(b, _)| (b, dist(b) > f64::from(g + 2)))
    }
}

/// Greedy label placement, most important point first: beside the point (right, left,
/// above, below), then shifted up or down by whole label heights with a leader line.
/// A box must stay inside the plot and clear of every other label, marker and whisker; a
/// point whose name finds no room gets a number if that fits.
fn place_labels(rows: &[&MorrisRow], plot: &Plot, sz: &Sizes) -> Vec<LabelSpot> {
    let em = label_em(sz);
    let pts: Vec<(i32, i32)> = rows.iter().map(|r| plot.px((r.mu_star, r.sigma))).collect();
    let obstacles = Obstacles::new(rows, &pts, plot, line_height(em));
    let max_w = (f64::from(plot.rect.right - plot.rect.left) * 0.45) as i32;
    let mut placed: Vec<LabelSpot> = Vec::new();
    let mut taken: Vec<Box4> = Vec::new();
    let mut next_number = 1;
    for (i, r) in rows.iter().enumerate() {
        let at = pts[i];
        let name = fit_front(&r.factor, em, max_w);
        let name_w = text::width(&name, em) + 2 * LABEL_PAD;
        if let Some((bx, lead)) = obstacles.place(i, at, name_w, &taken) {
            taken.push(bx);
            let at = lead.then_some(at);
            placed.push(LabelSpot::Name { bx, text: name, at });
            continue;
        }
        let num_w = text::width(&next_number.to_string(), em) + 2 * LABEL_PAD;
        let factor = r.factor.clone();
        match obstacles.place(i, at, num_w, &taken) {
            Some((bx, lead)) => {
                taken.push(bx);
                let (n, at) = (next_number, lead.then_some(at));
                placed.push(LabelSpot::Number { bx, n, factor, at });
                next_number += 1;
            }
            None => placed.push(LabelSpot::Unplaced { factor }),
        }
    }
    placed
}
