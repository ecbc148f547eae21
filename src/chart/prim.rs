//! Charts of `empsim discover` (PRIM scenario discovery): the coverage–density trade-off of
//! a peeling trajectory, and the chosen box's limits within each restricted input's range.
//! Pure renderers like the others: a spec in, a PNG file or an RGB buffer out, drawn with
//! the sensitivity charts' frame (title, subtitle, legend, notes, footer), axes and text.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{AxisLook, Plot, plot_rect, value_ticks, x_axis_height};
use super::canvas::{Area, Sizes, draw_err};
use super::frame::{draw_message, render_rgb};
use super::indices::{
    COLOR_A, INK, bar_key, bar_plot_rect, count, draw_row_labels, fit_rows, flagged_fill, fmt_num,
    frame, line_key,
};
use super::legend::{LegendEntry, Swatch};
use super::text::{self, Placement, line_height};
use super::{ChartError, PlotGeometry, RenderedChart, YRange, palette, scale};

/// One box of a PRIM peeling trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimStep {
    /// Share of all cases of interest (e.g. paths that miss the target) inside the box.
    pub coverage: f64,
    /// Share of the box's points that are cases of interest.
    pub density: f64,
    /// Share of all points inside the box.
    pub mass: f64,
    /// Number of restricted inputs of the box.
    pub restricted: usize,
}

/// The coverage–density trade-off of a peeling trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimTradeoffChart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    /// Step 0 is the unrestricted box (coverage 1, density = the base rate).
    pub steps: Vec<PrimStep>,
    /// The step reported as the box, if any (ringed and labelled).
    pub chosen: Option<usize>,
    /// The share of cases among all points: a dashed reference line.
    pub base_density: f64,
    /// Notes above the footer, one paragraph each.
    pub notes: Vec<String>,
    pub footer: String,
    /// Pixel size (width, height).
    pub size: (u32, u32),
}

impl Default for PrimTradeoffChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            subtitle: String::new(),
            x_label: "Coverage".into(),
            y_label: "Density".into(),
            steps: Vec::new(),
            chosen: None,
            base_density: f64::NAN,
            notes: Vec::new(),
            footer: String::new(),
            size: (1200, 800),
        }
    }
}

/// One restricted input of the chosen box.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimLimit {
    pub name: String,
    /// The input's range over all points (lowest and highest draw).
    pub full: (f64, f64),
    /// The box's limits; equal to `full` on a side the box leaves open.
    pub limits: (f64, f64),
    /// Quasi-p-value of the restriction (small = it matters).
    pub qp: Option<f64>,
}

/// The chosen box's limits, one row per restricted input.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimBoxChart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub limits: Vec<PrimLimit>,
    pub notes: Vec<String>,
    pub footer: String,
    pub size: (u32, u32),
}

impl Default for PrimBoxChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            subtitle: String::new(),
            x_label: "Position within the input's range over all paths".into(),
            limits: Vec::new(),
            notes: Vec::new(),
            footer: String::new(),
            size: (1200, 800),
        }
    }
}

/// The height a row of the box chart needs: its name and qp, or its bar and the limits
/// under it.
fn min_row_h(sz: &Sizes) -> i32 {
    (line_height(sz.tick) + line_height(sz.footer)).max(8 + line_height(sz.footer)) + 6
}

/// A restriction with a quasi-p-value above this is drawn light, as not significant.
pub const QP_SIGNIFICANT: f64 = 0.05;

/// Colours of the points by how many inputs their box restricts: 0, 1, 2, 3, 4-5, 6 or more.
const RAMP: [(usize, RGBColor); 6] = [
    (0, RGBColor(190, 190, 190)),
    (1, palette::SERIES[4]),
    (2, palette::SERIES[0]),
    (3, palette::SERIES[2]),
    (4, palette::SERIES[1]),
    (6, palette::SERIES[3]),
];

fn ramp(restricted: usize) -> (usize, RGBColor) {
    RAMP.iter()
        .rev()
        .find(|(from, _)| restricted >= *from)
        .copied()
        .unwrap_or(RAMP[0])
}

fn ramp_label(i: usize) -> String {
    let from = RAMP[i].0;
    match RAMP.get(i + 1) {
        None => format!("{from} or more inputs restricted"),
        Some((next, _)) if *next == from + 1 => match from {
            0 => "No input restricted (all paths)".into(),
            1 => "1 input restricted".into(),
            n => format!("{n} inputs restricted"),
        },
        Some((next, _)) => format!("{from}-{} inputs restricted", next - 1),
    }
}

fn finite_step(s: &PrimStep) -> bool {
    s.coverage.is_finite() && s.density.is_finite()
}

/// Renders `spec` to a PNG file at `path`.
///
/// # Errors
/// As [`render_prim_tradeoff_rgb`], and [`ChartError::Write`] if the file cannot be written.
pub fn render_prim_tradeoff(
    spec: &PrimTradeoffChart,
    path: &Path,
) -> Result<PlotGeometry, ChartError> {
    let img = render_prim_tradeoff_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// Renders `spec` into memory; the geometry maps (coverage, density) to pixels.
///
/// # Errors
/// [`ChartError::InvalidSpec`] for an image size outside 200–10000 × 150–10000 pixels.
pub fn render_prim_tradeoff_rgb(spec: &PrimTradeoffChart) -> Result<RenderedChart, ChartError> {
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        let steps: Vec<(usize, &PrimStep)> = spec
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| finite_step(s))
            .collect();
        let mut legend = Vec::new();
        for (i, (from, color)) in RAMP.iter().enumerate() {
            if steps.iter().any(|(_, s)| ramp(s.restricted).0 == *from) {
                legend.push(LegendEntry::new(
                    Swatch::Dot {
                        color: *color,
                        radius: 5,
                    },
                    ramp_label(i),
                ));
            }
        }
        if spec.base_density.is_finite() {
            legend.push(LegendEntry::new(
                line_key(INK, true),
                format!("All paths: {}", fmt_num(spec.base_density)),
            ));
        }
        let mut notes = spec.notes.clone();
        let skipped = spec.steps.len() - steps.len();
        if skipped > 0 {
            notes.push(format!(
                "{skipped} step(s) with a non-finite coverage or density not drawn."
            ));
        }
        let text = (
            spec.title.as_str(),
            spec.subtitle.as_str(),
            spec.footer.as_str(),
        );
        let layout = frame(text, &legend, &notes).draw(root, &sz)?;
        let unit =
            scale::value_axis([], YRange::Fixed { min: 0.0, max: 1.0 }, 6).expect("a fixed range");
        let ticks = value_ticks(&unit);
        let rect = plot_rect(layout.room(), &ticks, &spec.x_label, &spec.y_label, 0, &sz);
        let plot = Plot::new(rect, (0.0, 1.0), (0.0, 1.0), AxisLook::OnEdge);
        plot.draw_x_axis(root, &ticks, &spec.x_label, &sz)?;
        plot.draw_y_axis(root, &ticks, &spec.y_label, &sz)?;
        if steps.is_empty() {
            draw_message(root, rect, "No boxes: the trajectory is empty", &sz)?;
            return Ok(vec![plot.geometry()]);
        }
        if spec.base_density.is_finite() {
            let y = spec.base_density.clamp(0.0, 1.0);
            let style = ShapeStyle::from(INK).stroke_width(2);
            root.draw(&DashedPathElement::new(
                [plot.px((0.0, y)), plot.px((1.0, y))],
                8u32,
                5u32,
                style,
            ))
            .map_err(draw_err)?;
        }
        let pts: Vec<(i32, i32)> = steps
            .iter()
            .map(|(_, s)| plot.px((s.coverage.clamp(0.0, 1.0), s.density.clamp(0.0, 1.0))))
            .collect();
        root.draw(&PathElement::new(
            pts.clone(),
            ShapeStyle::from(RGBColor(170, 170, 170)).stroke_width(1),
        ))
        .map_err(draw_err)?;
        for ((_, s), &at) in steps.iter().zip(&pts) {
            let color = ramp(s.restricted).1;
            root.draw(&Circle::new(at, 5, ShapeStyle::from(color).filled()))
                .map_err(draw_err)?;
            root.draw(&Circle::new(at, 5, ShapeStyle::from(WHITE).stroke_width(1)))
                .map_err(draw_err)?;
        }
        if let Some(k) = spec.chosen
            && let Some(j) = steps.iter().position(|(i, _)| *i == k)
        {
            let at = pts[j];
            let s = steps[j].1;
            root.draw(&Circle::new(at, 11, ShapeStyle::from(INK).stroke_width(2)))
                .map_err(draw_err)?;
            let label = format!(
                "Chosen box (step {k}): coverage {}, density {}, {:.0} % of the paths",
                fmt_num(s.coverage),
                fmt_num(s.density),
                100.0 * s.mass
            );
            draw_callout(root, &label, at, &pts, rect, &sz)?;
        }
        Ok(vec![plot.geometry()])
    })
}

/// A label beside the point `at`, on a light box, inside `rect`: the first of above-right,
/// above-left, below-right and below-left that covers none of the other `points`, else the
/// first that fits.
fn draw_callout(
    root: &Area<'_>,
    label: &str,
    at: (i32, i32),
    points: &[(i32, i32)],
    rect: super::PixelRect,
    sz: &Sizes,
) -> Result<(), ChartError> {
    let em = sz.source;
    let w = text::width(label, em) + 8;
    let h = line_height(em) + 4;
    let gap = 16;
    let clamp_x = |x: i32| x.clamp(rect.left + 2, (rect.right - w - 2).max(rect.left + 2));
    let clamp_y = |y: i32| y.clamp(rect.top + 2, (rect.bottom - h - 2).max(rect.top + 2));
    let candidates = [
        (at.0 + gap, at.1 - gap - h),
        (at.0 - gap - w, at.1 - gap - h),
        (at.0 + gap, at.1 + gap),
        (at.0 - gap - w, at.1 + gap),
    ]
    .map(|(x, y)| (clamp_x(x), clamp_y(y)));
    let r = 7;
    let clear = |&(left, top): &(i32, i32)| {
        points
            .iter()
            .all(|&(px, py)| px + r < left || px - r > left + w || py + r < top || py - r > top + h)
    };
    let (left, top) = candidates
        .iter()
        .copied()
        .find(clear)
        .unwrap_or(candidates[0]);
    root.draw(&Rectangle::new(
        [(left, top), (left + w, top + h)],
        ShapeStyle::from(WHITE.mix(0.9)).filled(),
    ))
    .map_err(draw_err)?;
    root.draw(&Rectangle::new(
        [(left, top), (left + w, top + h)],
        ShapeStyle::from(INK).stroke_width(1),
    ))
    .map_err(draw_err)?;
    let p = Placement::new(em, palette::TEXT).align(HPos::Left, VPos::Center);
    text::draw_text(root, label, (left + 4, top + h / 2), p)
}

/// Renders `spec` to a PNG file at `path`.
///
/// # Errors
/// As [`render_prim_box_rgb`], and [`ChartError::Write`] if the file cannot be written.
pub fn render_prim_box(spec: &PrimBoxChart, path: &Path) -> Result<PlotGeometry, ChartError> {
    let img = render_prim_box_rgb(spec)?;
    img.save_png(path)?;
    Ok(img.plots[0])
}

/// The position of `v` within `full`, 0 to 1 (the whole track for a range of zero width).
fn position(v: f64, full: (f64, f64)) -> f64 {
    let w = full.1 - full.0;
    if w > 0.0 && w.is_finite() {
        ((v - full.0) / w).clamp(0.0, 1.0)
    } else if v <= full.0 {
        0.0
    } else {
        1.0
    }
}

fn significant(l: &PrimLimit) -> bool {
    l.qp.is_none_or(|q| q <= QP_SIGNIFICANT)
}

fn qp_text(qp: Option<f64>) -> String {
    match qp {
        Some(q) if q < 0.001 => "qp < 0.001".into(),
        Some(q) => format!("qp {q:.3}"),
        None => String::new(),
    }
}

/// Renders `spec` into memory; the geometry maps (position, row) to pixels, rows as the
/// tornado's (the row drawn i-th from the top spans [i, i + 1]).
///
/// # Errors
/// [`ChartError::InvalidSpec`] for an image size outside 200–10000 × 150–10000 pixels.
pub fn render_prim_box_rgb(spec: &PrimBoxChart) -> Result<RenderedChart, ChartError> {
    render_rgb(spec.size, |root| {
        let sz = Sizes::page(spec.size.0, spec.size.1);
        let mut legend = vec![
            LegendEntry::new(bar_key(RGBColor(232, 232, 232)), "Range over all paths"),
            LegendEntry::new(bar_key(COLOR_A), "The box's range"),
        ];
        let mut notes = spec.notes.clone();
        if spec.limits.iter().any(|l| !significant(l)) {
            legend.push(LegendEntry::new(
                bar_key(flagged_fill(COLOR_A)),
                format!("Not significant (qp > {QP_SIGNIFICANT})"),
            ));
            notes.push(format!(
                "Light bars: the restriction is not significant (qp > {QP_SIGNIFICANT}); the box would be about as dense without it."
            ));
        }
        let text = (
            spec.title.as_str(),
            spec.subtitle.as_str(),
            spec.footer.as_str(),
        );
        // A row needs its bar and the limits under it; rows that do not fit are left out,
        // the last ones first (the report orders them by significance), and a note says so.
        let plot_h = |notes: &[String]| {
            let p = frame(text, &legend, notes).layout(spec.size, &sz).room();
            p.bottom - p.top - x_axis_height(&spec.x_label, &sz)
        };
        let more = |n: usize| {
            format!(
                "{} not shown (the table lists every one).",
                count(n, "more restriction")
            )
        };
        let at = notes.len();
        let n_fit = fit_rows(
            spec.limits.len(),
            &mut notes,
            at,
            min_row_h(&sz),
            plot_h,
            more,
        );
        let limits = &spec.limits[..n_fit];
        let layout = frame(text, &legend, &notes).draw(root, &sz)?;
        let labels: Vec<(String, Option<String>)> = limits
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    Some(qp_text(l.qp)).filter(|s| !s.is_empty()),
                )
            })
            .collect();
        let (rect, names_w) = bar_plot_rect(layout.room(), &labels, &spec.x_label, &sz);
        let rows = limits.len().max(1) as f64;
        let plot = Plot::rows(rect, (0.0, 1.0), rows, AxisLook::OnEdge);
        let unit =
            scale::value_axis([], YRange::Fixed { min: 0.0, max: 1.0 }, 6).expect("a fixed range");
        plot.draw_x_axis(root, &value_ticks(&unit), &spec.x_label, &sz)?;
        if limits.is_empty() {
            draw_message(root, rect, "The box restricts no input", &sz)?;
            return Ok(vec![plot.geometry()]);
        }
        let row_h = (plot.y.px(1.0) - plot.y.px(0.0)).abs();
        let half = ((row_h as f64) * 0.3).clamp(4.0, 18.0) as i32;
        let value_em = sz.footer;
        for (i, l) in limits.iter().enumerate() {
            draw_box_row(root, &plot, i, l, half, value_em)?;
        }
        draw_row_labels(root, &labels, rect.left - 10, names_w, &plot.y, &sz)?;
        Ok(vec![plot.geometry()])
    })
}

/// Row `i` of the box chart: the range over all paths, the box's range over it (light
/// when not significant) and the box's limits under its ends (muted where a side is open).
fn draw_box_row(
    root: &Area<'_>,
    plot: &Plot,
    i: usize,
    l: &PrimLimit,
    half: i32,
    value_em: f64,
) -> Result<(), ChartError> {
    let cy = plot.y.px(i as f64 + 0.5);
    let (x0, x1) = (plot.x.px(0.0), plot.x.px(1.0));
    root.draw(&Rectangle::new(
        [(x0, cy - half / 2), (x1, cy + half / 2)],
        ShapeStyle::from(RGBColor(232, 232, 232)).filled(),
    ))
    .map_err(draw_err)?;
    let (a, b) = (position(l.limits.0, l.full), position(l.limits.1, l.full));
    let (pa, pb) = (plot.x.px(a), plot.x.px(b).max(plot.x.px(a) + 2));
    let color = if significant(l) {
        COLOR_A
    } else {
        flagged_fill(COLOR_A)
    };
    root.draw(&Rectangle::new(
        [(pa, cy - half), (pb, cy + half)],
        ShapeStyle::from(color).filled(),
    ))
    .map_err(draw_err)?;
    // The limits the box sets, at its ends; an open side shows the range's end.
    let lo_open = l.limits.0 <= l.full.0;
    let hi_open = l.limits.1 >= l.full.1;
    let below = cy + half + 2;
    let muted = |open: bool| if open { palette::MUTED } else { palette::TEXT };
    let lo_text = fmt_num(l.limits.0);
    let hi_text = fmt_num(l.limits.1);
    let lo_w = text::width(&lo_text, value_em);
    let hi_w = text::width(&hi_text, value_em);
    let room = pb - pa;
    let lo_at = (pa, below);
    let hi_at = if room >= lo_w + hi_w + 8 {
        (pb, below)
    } else {
        (pa + lo_w + 8 + hi_w, below)
    };
    text::draw_text(
        root,
        &lo_text,
        lo_at,
        Placement::new(value_em, muted(lo_open)).align(HPos::Left, VPos::Top),
    )?;
    text::draw_text(
        root,
        &hi_text,
        hi_at,
        Placement::new(value_em, muted(hi_open)).align(HPos::Right, VPos::Top),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trajectory() -> PrimTradeoffChart {
        let steps = (0..30)
            .map(|i| {
                let t = f64::from(i) / 29.0;
                PrimStep {
                    coverage: 1.0 - 0.7 * t * t,
                    density: 0.23 + 0.7 * t,
                    mass: 1.0 - 0.9 * t,
                    restricted: (i / 5) as usize,
                }
            })
            .collect();
        PrimTradeoffChart {
            title: "henan-downside — where the paths that miss concentrate: 开封市 Kaifeng".into(),
            subtitle: "Each point is a box".into(),
            x_label: "Coverage: share of the paths that miss the target inside the box".into(),
            y_label: "Density: share of the box's paths that miss the target".into(),
            steps,
            chosen: Some(20),
            base_density: 0.23,
            notes: vec!["A note.".into()],
            footer: "scenario henan-downside".into(),
            ..PrimTradeoffChart::default()
        }
    }

    fn limits() -> PrimBoxChart {
        let l = |name: &str, full: (f64, f64), limits: (f64, f64), qp| PrimLimit {
            name: name.into(),
            full,
            limits,
            qp,
        };
        PrimBoxChart {
            title: "The box".into(),
            subtitle: "Box of step 20".into(),
            limits: vec![
                l(
                    "unemployment.okun",
                    (0.05, 0.25),
                    (0.0854, 0.25),
                    Some(1.7e-7),
                ),
                l(
                    "regions.kaifeng 开封.trend",
                    (-0.1, 0.05),
                    (-0.1, -0.047),
                    Some(1e-40),
                ),
                l(
                    "shocks.shock_2022.scale",
                    (0.0, 1.4),
                    (0.9, 1.4),
                    Some(0.003),
                ),
                l("growth.ar", (0.3, 0.7), (0.31, 0.63), Some(0.2)),
            ],
            footer: "scenario".into(),
            ..PrimBoxChart::default()
        }
    }

    #[test]
    fn the_tradeoff_maps_coverage_and_density_onto_the_plot() {
        let img = render_prim_tradeoff_rgb(&trajectory()).unwrap();
        let g = img.plots[0];
        let (x0, y0) = g.to_pixel(0.0, 0.0);
        let (x1, y1) = g.to_pixel(1.0, 1.0);
        assert!(x0 < x1 && y0 > y1, "{g:?}");
        assert!(
            g.plot_area.left <= x0
                && x1 <= g.plot_area.right
                && g.plot_area.top <= y1
                && y0 <= g.plot_area.bottom
        );
        // Deterministic.
        assert_eq!(
            render_prim_tradeoff_rgb(&trajectory()).unwrap().rgb,
            img.rgb
        );
        if let Ok(dir) = std::env::var("EMPSIM_CHART_PREVIEW") {
            render_prim_tradeoff(&trajectory(), &Path::new(&dir).join("prim-tradeoff.png"))
                .unwrap();
            render_prim_box(&limits(), &Path::new(&dir).join("prim-box.png")).unwrap();
        }
    }

    #[test]
    fn the_box_chart_draws_a_row_per_limit_and_empty_inputs_say_so() {
        let img = render_prim_box_rgb(&limits()).unwrap();
        let g = img.plots[0];
        assert_eq!(g.y_range, (4.0, 0.0));
        assert_eq!(render_prim_box_rgb(&limits()).unwrap().rgb, img.rgb);
        for empty in [
            render_prim_box_rgb(&PrimBoxChart::default()),
            render_prim_tradeoff_rgb(&PrimTradeoffChart::default()),
        ] {
            assert!(empty.is_ok());
        }
        assert_eq!(position(0.5, (0.0, 2.0)), 0.25);
        assert_eq!(position(3.0, (3.0, 3.0)), 0.0);
        assert_eq!(qp_text(Some(1e-9)), "qp < 0.001");
        assert_eq!(qp_text(Some(0.2)), "qp 0.200");
    }
}
