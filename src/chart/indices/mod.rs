//! Charts of `empsim sens`: the OAT tornado, the Morris μ*–σ scatter, Sobol' first-order and
//! total indices with their bootstrap intervals, and Sobol' total indices over the years.
//!
//! Like the other renderers of this module they are pure: a spec in ([`TornadoChart`],
//! [`MorrisChart`], [`SobolBarChart`], [`SobolYearsChart`]), a PNG file or an RGB buffer out.
//! The specs hold the rows of the generic [`crate::sensitivity`] results, so they know nothing
//! about the employment model; [`crate::report::png::sens`] builds them from a study and
//! renders them next to `indices.csv`.
//!
//! They are drawn with the same page frame, axes, legend and text as the other charts (see
//! the `frame`, `axes`, `legend` and `text` modules of [`crate::chart`]): title and subtitle on
//! top, a legend row under them (a legend column on the right for the chart over the years),
//! notes and a footer at the bottom. This module adds what only they need: the bar plots'
//! factor-name column, the fitting of rows and the formatting of indices.
//!
//! Robustness: factors that leave the output unchanged are listed in a note instead of being
//! drawn as empty rows (they are exactly zero under common random numbers); non-finite values
//! are skipped and named; an output without variance (Sobol' indices undefined) or without any
//! finite value gives a chart that says so.
//!
//! Pixel geometry ([`PlotGeometry`](super::PlotGeometry)): the scatter and the chart over the
//! years map data to pixels as usual. The horizontal bar charts (tornado, Sobol' bars) use x for the value and y
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

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{Scale, right_pad, x_axis_height};
use super::canvas::{Area, Sizes};
use super::draw::Marker;
use super::frame::Frame;
use super::legend::{LegendEntry, LegendStyle, Swatch};
use super::text::{self, Placement, fit_front, line_height};
use super::{ChartError, PixelRect, palette};

pub use super::palette::flagged_fill;

/// Colour of the first series (OAT low value, Sobol' first-order index, Morris points).
pub const COLOR_A: RGBColor = palette::SERIES[0];
/// Colour of the second series (OAT high value, Sobol' total index).
pub const COLOR_B: RGBColor = palette::SERIES[1];
/// Whiskers of intervals and the nominal line.
pub const INK: RGBColor = palette::INK;

/// The frame of a sensitivity chart: title and subtitle on top, the `legend` in rows under
/// them, `notes` and the footer at the bottom.
pub(crate) fn frame<'a>(
    (title, subtitle, footer): (&'a str, &'a str, &'a str),
    legend: &'a [LegendEntry],
    notes: &'a [String],
) -> Frame<'a> {
    Frame {
        subtitle,
        legend,
        legend_style: LegendStyle::KEYS,
        notes,
        footer: footer.trim(),
        ..Frame::new(title.trim())
    }
}

/// The legend key of a bar of colour `c`.
pub(crate) fn bar_key(c: RGBColor) -> Swatch {
    Swatch::Fill {
        color: c.to_rgba(),
        edge: None,
    }
}

/// The legend key of a reference line, solid or dashed.
pub(crate) fn line_key(color: RGBColor, dashed: bool) -> Swatch {
    Swatch::Line {
        color,
        width: 2,
        dash: dashed.then_some((7, 4)),
        marker: Marker::None,
    }
}

/// How many of `n` rows of a horizontal bar chart fit when the plot is `plot_h(notes)`
/// pixels high and a row needs `min_row_h`. If not all fit, the note `more(left out)` is
/// inserted into `notes` at `at` (it takes room too, so the count is made again with it).
pub(crate) fn fit_rows(
    n: usize,
    notes: &mut Vec<String>,
    at: usize,
    min_row_h: i32,
    plot_h: impl Fn(&[String]) -> i32,
    more: impl Fn(usize) -> String,
) -> usize {
    let mut n_fit = rows_that_fit(n, plot_h(notes), min_row_h);
    if n_fit < n {
        notes.insert(at, more(n - n_fit));
        n_fit = rows_that_fit(n, plot_h(notes), min_row_h);
        notes[at] = more(n - n_fit);
    }
    n_fit
}

/// The width of the label column of a horizontal bar chart: the widest factor name (at the
/// tick size) or second line (at the footer size), measured with the chart font.
pub(crate) fn label_column_width(labels: &[(String, Option<String>)], sz: &Sizes) -> i32 {
    labels
        .iter()
        .map(|(name, sub)| {
            let sub = sub.as_deref().map_or(0, |s| text::width(s, sz.footer));
            text::width(name, sz.tick).max(sub)
        })
        .max()
        .unwrap_or(0)
}

/// The plot of a horizontal bar chart in `room`: the row labels (at most 40 % of the width;
/// see [`label_column_width`]) on the left, the value axis titled `x_title` below. Returns
/// the plot and the width of the label column.
pub(crate) fn bar_plot_rect(
    room: PixelRect,
    labels: &[(String, Option<String>)],
    x_title: &str,
    sz: &Sizes,
) -> (PixelRect, i32) {
    let names_w =
        label_column_width(labels, sz).min((f64::from(room.right - room.left) * 0.4) as i32);
    let plot = PixelRect {
        left: room.left + names_w + 14,
        top: room.top,
        right: room.right - right_pad(sz),
        bottom: room.bottom - x_axis_height(x_title, sz),
    };
    (plot, names_w)
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
    rows: &Scale,
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
    fn the_label_column_is_as_wide_as_its_widest_line() {
        let sz = Sizes::page(1200, 800);
        let sub = "5 %: 4.63   95 %: 5.26   swing 0.386";
        let labels = vec![
            ("unemployment.natural_rate".to_owned(), Some(sub.to_owned())),
            (
                "growth.ar".to_owned(),
                Some("5 %: 0.32   95 %: 0.68   swing 0.07".into()),
            ),
        ];
        let widest = text::width(sub, sz.footer).max(text::width(&labels[0].0, sz.tick));
        assert_eq!(label_column_width(&labels, &sz), widest);
        let room = PixelRect {
            left: 18,
            top: 100,
            right: 1182,
            bottom: 700,
        };
        let (plot, names_w) = bar_plot_rect(room, &labels, "P(met)", &sz);
        assert_eq!(names_w, widest, "not capped on a 1200-pixel chart");
        assert_eq!(plot.left, room.left + widest + 14);
        // A label too wide for 40 % of the room is capped (and fitted when drawn).
        let long = vec![("x".repeat(200), None)];
        let (_, capped) = bar_plot_rect(room, &long, "", &sz);
        assert_eq!(capped, (f64::from(room.right - room.left) * 0.4) as i32);
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
}
