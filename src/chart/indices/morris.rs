//! The Morris μ*–σ scatter: one point per factor at its mean absolute elementary effect μ*
//! and the standard deviation σ of its effects, with the bootstrap interval of μ* as a
//! whisker and the line σ/μ* = 1 (above it, a factor acts non-linearly or through
//! interactions). Points are labelled with the factor names, placed so that no two labels
//! overlap; a point whose name finds no room gets a number explained in a note.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::draw::{Sizes, draw_err};
use super::super::fan::render_rgb;
use super::super::scale;
use super::super::text::{self, Placement, line_height};
use super::super::{ChartError, PixelRect, PlotGeometry, RenderedChart, YRange, palette};
use super::{
    COLOR_A, Key, Linear, PageText, compact_names, draw_message, draw_page, draw_x_axis,
    draw_y_axis, fit_front, page_layout, whisker, x_axis_height, y_axis_width,
};
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
        let quiet: Vec<&str> = spec
            .rows
            .iter()
            .filter(|r| finite(r) && r.mu_star == 0.0 && r.sigma == 0.0)
            .map(|r| r.factor.as_str())
            .collect();
        let broken: Vec<&str> = spec
            .rows
            .iter()
            .filter(|r| !finite(r))
            .map(|r| r.factor.as_str())
            .collect();
        let ci = |r: &MorrisRow| {
            r.mu_star_ci
                .filter(|c| c.low.is_finite() && c.high.is_finite())
                .map(|c| (c.low, c.high, c.level))
        };
        let level = rows.iter().find_map(|r| ci(r)).map(|c| c.2);

        // Axes first: label placement needs the pixel positions, notes need the placement.
        let xs = rows
            .iter()
            .flat_map(|r| [Some(r.mu_star), ci(r).map(|c| c.1), ci(r).map(|c| c.0)])
            .flatten();
        let ys = rows.iter().map(|r| r.sigma);
        let max_ticks = 8;
        let x_axis = scale::value_axis(xs.chain([0.0]), YRange::IncludeZero, max_ticks)
            .expect("0 is finite");
        let y_axis = scale::value_axis(ys.chain([0.0]), YRange::IncludeZero, max_ticks)
            .expect("0 is finite");

        let mut keys = vec![(Key::Dot(COLOR_A), "Factor (μ*, σ)".to_owned())];
        if let Some(l) = level {
            keys.push((
                Key::Whisker,
                format!("{:.0} % bootstrap interval of μ*", l * 100.0),
            ));
        }
        keys.push((
            Key::Line {
                color: REFERENCE,
                dashed: true,
            },
            "σ/μ* = 1: above it, non-linear effects or interactions".to_owned(),
        ));

        let mut notes = spec.notes.clone();
        if !quiet.is_empty() {
            notes.push(format!(
                "No effect (μ* = σ = 0), not drawn: {}.",
                compact_names(&quiet)
            ));
        }
        if !broken.is_empty() {
            notes.push(format!(
                "Not drawn (non-finite μ* or σ): {}.",
                compact_names(&broken)
            ));
        }
        let plan = |notes: &[String]| {
            let frame = page_layout(spec.size, &page_text(spec, notes), &keys, false, &sz).plot;
            let plot = plot_rect(frame, &y_axis, spec, &sz);
            let (mx, my) = maps(plot, &x_axis, &y_axis);
            let placed = place_labels(&rows, plot, &mx, &my, &sz);
            (plot, placed)
        };
        let label_notes = |placed: &[LabelSpot]| {
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
        };
        // Notes about numbered labels take room from the plot, which moves the points, which
        // changes which labels fit: place, write the notes, and place again until the plot
        // keeps its size (at once, as a rule).
        let mut used = notes.clone();
        let (mut plot, mut placed) = plan(&used);
        for _ in 0..4 {
            let mut want = notes.clone();
            want.extend(label_notes(&placed));
            if want == used {
                break;
            }
            used = want;
            (plot, placed) = plan(&used);
        }
        let page = draw_page(root, &page_text(spec, &used), &keys, false, &sz)?;
        let actual = plot_rect(page.plot, &y_axis, spec, &sz);
        if actual != plot {
            // The layout is computed as it is drawn, so this does not happen; if it did, the
            // labels follow the drawn axes.
            plot = actual;
            let (mx, my) = maps(plot, &x_axis, &y_axis);
            placed = place_labels(&rows, plot, &mx, &my, &sz);
        }
        let (mx, my) = maps(plot, &x_axis, &y_axis);
        draw_x_axis(root, &x_axis, &mx, plot, &spec.x_label, &sz)?;
        draw_y_axis(root, &y_axis, &my, plot, &spec.y_label, &sz)?;
        let geometry = PlotGeometry {
            plot_area: plot,
            x_range: (x_axis.lo, x_axis.hi),
            y_range: (y_axis.lo, y_axis.hi),
        };
        if rows.is_empty() {
            let msg = if spec.rows.is_empty() {
                "No factors"
            } else if broken.len() == spec.rows.len() {
                "No finite indices"
            } else {
                "No factor moves this output: every μ* and σ is 0"
            };
            draw_message(root, plot, msg, &sz)?;
            return Ok(vec![geometry]);
        }

        // σ/μ* = 1 from the origin to where it leaves the plot.
        let m = x_axis.hi.min(y_axis.hi);
        if m > 0.0 {
            root.draw(&DashedPathElement::new(
                [(mx.px(0.0), my.px(0.0)), (mx.px(m), my.px(m))],
                8u32,
                5u32,
                ShapeStyle::from(REFERENCE).stroke_width(2),
            ))
            .map_err(draw_err)?;
        }
        let cap = 5;
        for r in &rows {
            if let Some((lo, hi, _)) = ci(r) {
                whisker(root, mx.px(lo), mx.px(hi), my.px(r.sigma), cap)?;
            }
        }
        let leader = ShapeStyle::from(RGBColor(150, 150, 150)).stroke_width(1);
        for p in &placed {
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
        for r in &rows {
            root.draw(&Circle::new(
                (mx.px(r.mu_star), my.px(r.sigma)),
                DOT_R,
                ShapeStyle::from(COLOR_A).filled(),
            ))
            .map_err(draw_err)?;
            root.draw(&Circle::new(
                (mx.px(r.mu_star), my.px(r.sigma)),
                DOT_R,
                ShapeStyle::from(WHITE).stroke_width(1),
            ))
            .map_err(draw_err)?;
        }
        let em = label_em(&sz);
        let p = Placement::new(em, palette::TEXT).align(HPos::Left, VPos::Top);
        for pl in &placed {
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
        Ok(vec![geometry])
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

fn page_text<'a>(spec: &'a MorrisChart, notes: &'a [String]) -> PageText<'a> {
    PageText {
        title: &spec.title,
        subtitle: &spec.subtitle,
        notes,
        footer: &spec.footer,
    }
}

fn plot_rect(
    frame: PixelRect,
    y_axis: &scale::ValueAxis,
    spec: &MorrisChart,
    sz: &Sizes,
) -> PixelRect {
    PixelRect {
        left: frame.left + y_axis_width(y_axis, &spec.y_label, sz),
        top: frame.top,
        right: frame.right - (sz.tick * 1.6) as i32,
        bottom: frame.bottom - x_axis_height(&spec.x_label, sz),
    }
}

fn maps(plot: PixelRect, x: &scale::ValueAxis, y: &scale::ValueAxis) -> (Linear, Linear) {
    (
        Linear {
            lo: x.lo,
            hi: x.hi,
            p0: plot.left,
            p1: plot.right,
        },
        Linear {
            lo: y.lo,
            hi: y.hi,
            p0: plot.bottom,
            p1: plot.top,
        },
    )
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

/// Greedy label placement, most important point first: beside the point (right, left,
/// above, below), then shifted up or down by whole label heights with a leader line.
/// A box must stay inside the plot and clear of every other label, marker and whisker.
fn place_labels(
    rows: &[&MorrisRow],
    plot: PixelRect,
    mx: &Linear,
    my: &Linear,
    sz: &Sizes,
) -> Vec<LabelSpot> {
    let em = label_em(sz);
    let lh = line_height(em);
    let pts: Vec<(i32, i32)> = rows
        .iter()
        .map(|r| (mx.px(r.mu_star), my.px(r.sigma)))
        .collect();
    // Markers and whiskers, each with the index of its point.
    let mut obstacles: Vec<(Box4, usize)> = pts
        .iter()
        .enumerate()
        .map(|(j, &(x, y))| {
            (
                (x - DOT_R - 1, y - DOT_R - 1, x + DOT_R + 1, y + DOT_R + 1),
                j,
            )
        })
        .collect();
    for (j, r) in rows.iter().enumerate() {
        if let Some(c) = r
            .mu_star_ci
            .filter(|c| c.low.is_finite() && c.high.is_finite())
        {
            let y = my.px(r.sigma);
            obstacles.push(((mx.px(c.low), y - 5, mx.px(c.high), y + 5), j));
        }
    }
    let hard: Vec<Box4> = obstacles.iter().map(|o| o.0).collect();
    // The σ/μ* = 1 line, as a chain of small boxes: avoided if possible (labels crossing it
    // get a white background).
    let mut line: Vec<Box4> = Vec::new();
    let m = mx.hi.min(my.hi);
    if m > 0.0 {
        let (x0, y0) = (mx.px(0.0), my.px(0.0));
        let (x1, y1) = (mx.px(m), my.px(m));
        let n = ((x1 - x0).abs().max((y1 - y0).abs()) / 5).max(1);
        for k in 0..=n {
            let x = x0 + (x1 - x0) * k / n;
            let y = y0 + (y1 - y0) * k / n;
            line.push((x - 2, y - 2, x + 2, y + 2));
        }
    }
    let max_w = ((plot.right - plot.left) as f64 * 0.45) as i32;
    let mut placed: Vec<LabelSpot> = Vec::new();
    let mut taken: Vec<Box4> = Vec::new();
    let mut next_number = 1;
    for (i, r) in rows.iter().enumerate() {
        let (px, py) = pts[i];
        let name = fit_front(&r.factor, em, max_w);
        let inside = |bx: Box4| {
            bx.0 >= plot.left + 2
                && bx.2 <= plot.right - 2
                && bx.1 > plot.top
                && bx.3 <= plot.bottom - 2
        };
        let hits = |bx: Box4, set: &[Box4]| set.iter().any(|o| overlaps(*o, bx));
        // A leader line must not run through another label or marker.
        let leader_clear = |bx: Box4, taken: &[Box4]| {
            let (tx, ty) = nearest_on_box(bx, (px, py));
            let n = ((tx - px).abs().max((ty - py).abs()) / 3).max(1);
            (0..=n).all(|k| {
                let x = px + (tx - px) * k / n;
                let y = py + (ty - py) * k / n;
                let dot = (x - 1, y - 1, x + 1, y + 1);
                // A leader may run over its own point's marker and whisker, and starts
                // under the marker, which may touch a neighbour's.
                let start = (x - px).pow(2) + (y - py).pow(2) <= (DOT_R + 1).pow(2);
                start
                    || !hits(dot, taken)
                        && obstacles.iter().all(|(o, j)| *j == i || !overlaps(*o, dot))
            })
        };
        // Candidates beside, above and below the point, then around it at growing distances;
        // the closest free one wins, crossing the reference line costs a little distance.
        let try_place = |w: i32, taken: &[Box4]| -> Option<(Box4, bool)> {
            let g = DOT_R + 3;
            let h = lh;
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
            let dist = |b: Box4| {
                let (x, y) = nearest_on_box(b, (px, py));
                f64::from((x - px).pow(2) + (y - py).pow(2)).sqrt()
            };
            cands
                .into_iter()
                .filter(|b| inside(*b) && !hits(*b, taken) && !hits(*b, &hard))
                .map(|b| (b, dist(b) + if hits(b, &line) { 30.0 } else { 0.0 }))
                .filter(|(b, _)| dist(*b) <= f64::from(g + 2) || leader_clear(*b, taken))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(b, _)| (b, dist(b) > f64::from(g + 2)))
        };
        let name_w = text::width(&name, em) + 2 * LABEL_PAD;
        if let Some((bx, lead)) = try_place(name_w, &taken) {
            taken.push(bx);
            placed.push(LabelSpot::Name {
                bx,
                text: name,
                at: lead.then_some((px, py)),
            });
            continue;
        }
        let num_w = text::width(&next_number.to_string(), em) + 2 * LABEL_PAD;
        match try_place(num_w, &taken) {
            Some((bx, lead)) => {
                taken.push(bx);
                placed.push(LabelSpot::Number {
                    bx,
                    n: next_number,
                    factor: r.factor.clone(),
                    at: lead.then_some((px, py)),
                });
                next_number += 1;
            }
            None => placed.push(LabelSpot::Unplaced {
                factor: r.factor.clone(),
            }),
        }
    }
    placed
}
