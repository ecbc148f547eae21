//! Text for the charts: layout, drawing, measurement and line wrapping of mixed
//! Chinese/English text with the embedded font.
//!
//! Text is laid out and rasterised here with `ab_glyph` rather than through plotters' text
//! support, whose `ab_glyph` path drops each glyph's left side bearing and rounds the pen
//! position per glyph (uneven letter spacing, e.g. "job s"). Measuring and drawing share one
//! layout, so wrapped lines never overflow their box.
//!
//! Sizes are given as the em in pixels. A line of text occupies the ideographic em box:
//! 0.88 em above the baseline and 0.12 em below it.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartError;
use super::font;

/// Height of the text box above the baseline, in em.
const ASCENT_EM: f32 = 0.88;

/// Line advance for text set at `em`.
pub(crate) fn line_height(em: f64) -> i32 {
    (em * 1.4).ceil() as i32
}

/// The font scale that makes one em `em` pixels wide.
fn scale(f: &FontRef<'_>, em: f64) -> PxScale {
    let upem = f.units_per_em().unwrap_or(1000.0);
    PxScale::from(em as f32 * f.height_unscaled() / upem)
}

/// Glyph ids and pen positions (x of each glyph's origin) of `text`, and the total advance.
fn layout(f: &FontRef<'_>, text: &str, em: f64) -> (Vec<(GlyphId, f32)>, f32) {
    let sf = f.as_scaled(scale(f, em));
    let mut x = 0.0f32;
    let mut prev: Option<GlyphId> = None;
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            continue;
        }
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        out.push((id, x));
        x += sf.h_advance(id);
        prev = Some(id);
    }
    (out, x)
}

/// Width in pixels of `text` set at `em`.
pub(crate) fn width(text: &str, em: f64) -> i32 {
    match font::font_ref() {
        Some(f) => layout(f, text, em).1.ceil() as i32,
        None => (em * text.chars().count() as f64).ceil() as i32,
    }
}

/// Where and how to draw a line of text.
#[derive(Clone, Copy)]
pub(crate) struct Placement {
    pub em: f64,
    pub color: RGBColor,
    pub h: HPos,
    pub v: VPos,
    /// Rotated 90° counter-clockwise (reads bottom to top), for vertical axis titles.
    pub rotated: bool,
}

impl Placement {
    pub fn new(em: f64, color: RGBColor) -> Self {
        Self {
            em,
            color,
            h: HPos::Left,
            v: VPos::Top,
            rotated: false,
        }
    }

    pub fn align(self, h: HPos, v: VPos) -> Self {
        Self { h, v, ..self }
    }

    pub fn rotated(self) -> Self {
        Self {
            rotated: true,
            ..self
        }
    }
}

/// Draws one line of `text` on `area` anchored at pixel `(ax, ay)` of the area.
pub(crate) fn draw_text(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    text: &str,
    (ax, ay): (i32, i32),
    p: Placement,
) -> Result<(), ChartError> {
    let Some(f) = font::font_ref() else {
        return Ok(());
    };
    if text.is_empty() {
        return Ok(());
    }
    let sc = scale(f, p.em);
    let sf = f.as_scaled(sc);
    let (glyphs, total) = layout(f, text, p.em);
    let em = p.em as f32;
    // Offsets of the anchor from the text box's top-left corner.
    let dx = match p.h {
        HPos::Left => 0.0,
        HPos::Center => total / 2.0,
        HPos::Right => total,
    };
    let dy = match p.v {
        VPos::Top => 0.0,
        VPos::Center => em / 2.0,
        VPos::Bottom => em,
    };
    let baseline = ASCENT_EM * em;
    let (w, h) = area.dim_in_pixel();
    let mut result = Ok(());
    for (id, x) in glyphs {
        // Pen position relative to the anchor, kept fractional until rasterisation.
        let glyph = id.with_scale_and_position(sc, point(x - dx, baseline - dy));
        let Some(outlined) = sf.outline_glyph(glyph) else {
            continue;
        };
        let b = outlined.px_bounds();
        outlined.draw(|gx, gy, cov| {
            if cov <= 0.0 || result.is_err() {
                return;
            }
            let (lx, ly) = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
            let (px, py) = if p.rotated {
                (ax + ly, ay - lx)
            } else {
                (ax + lx, ay + ly)
            };
            if px < 0 || py < 0 || px >= w as i32 || py >= h as i32 {
                return;
            }
            result = area.draw_pixel((px, py), &p.color.mix(f64::from(cov.min(1.0))));
        });
        result
            .as_ref()
            .map_err(|e| ChartError::Drawing(e.to_string()))?;
    }
    Ok(())
}

/// Characters that must not start a line (closing punctuation).
fn closes(c: char) -> bool {
    "，。、：；！？）》」』】〕”’%‰·…,.;:!?)]}".contains(c)
}

/// Characters that must not end a line (opening punctuation).
fn opens(c: char) -> bool {
    "（《「『【〔“‘([{".contains(c)
}

/// The no-break space: the wrapper never breaks a line at it (`2023:\u{a0}0.94` stays whole).
pub(crate) const NO_BREAK: char = '\u{a0}';

/// Splits a paragraph into unbreakable pieces: ASCII words, runs of spaces, and single
/// non-ASCII characters, with opening punctuation glued to what follows, closing
/// punctuation glued to what precedes, and a no-break space glued to both sides.
fn tokens(paragraph: &str) -> Vec<String> {
    let kind = |c: char| match c {
        ' ' => 0,
        c if c.is_ascii() => 1,
        _ => 2,
    };
    let mut out: Vec<String> = Vec::new();
    let mut glue_next = false;
    for c in paragraph.chars() {
        let k = kind(c);
        let extend = match out.last().and_then(|t| t.chars().last()) {
            None => false,
            Some(p) => {
                let pk = kind(p);
                glue_next || c == NO_BREAK || (closes(c) && pk != 0) || (k != 2 && pk == k)
            }
        };
        match out.last_mut() {
            Some(last) if extend => last.push(c),
            _ => out.push(c.to_string()),
        }
        glue_next = opens(c) || c == NO_BREAK;
    }
    out
}

/// Wraps `text` into lines no wider than `max_width` pixels at `em`, honouring `\n`. At most
/// `max_lines` lines are returned; if text is cut, the last line ends in "…".
pub(crate) fn wrap(text: &str, em: f64, max_width: i32, max_lines: usize) -> Vec<String> {
    let max_width = max_width.max(1);
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for tok in tokens(paragraph.trim_end()) {
            let candidate = format!("{line}{tok}");
            if width(&candidate, em) <= max_width {
                line = candidate;
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_owned());
            }
            line = String::new();
            if tok.trim().is_empty() {
                continue;
            }
            if width(&tok, em) <= max_width {
                line = tok;
            } else {
                // A piece wider than a whole line (e.g. a long URL): break between characters.
                for c in tok.chars() {
                    let candidate = format!("{line}{c}");
                    if width(&candidate, em) > max_width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = candidate;
                    }
                }
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(last, em, max_width);
        }
    }
    lines
}

/// `text` shortened with a trailing "…" so that it (with the ellipsis) fits `max_width`.
pub(crate) fn ellipsize(text: &str, em: f64, max_width: i32) -> String {
    let mut s: String = text.trim_end().to_owned();
    loop {
        let candidate = format!("{s}…");
        if width(&candidate, em) <= max_width || s.is_empty() {
            return candidate;
        }
        s.pop();
        while s.ends_with(' ') {
            s.pop();
        }
    }
}

/// `text` unchanged if it fits `max_width`, else shortened with "…".
pub(crate) fn fit(text: &str, em: f64, max_width: i32) -> String {
    if width(text, em) <= max_width {
        text.to_owned()
    } else {
        ellipsize(text, em, max_width)
    }
}

/// `text` unchanged if it fits `max_width`, else shortened at the front with "…" (factor key
/// paths differ at their end).
pub(crate) fn fit_front(text: &str, em: f64, max_width: i32) -> String {
    if width(text, em) <= max_width {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    for start in 1..chars.len() {
        let s: String = std::iter::once('…')
            .chain(chars[start..].iter().copied())
            .collect();
        if width(&s, em) <= max_width {
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
        if last.is_empty() || width(&format!("{last}{part}"), em) <= max_width {
            last.push_str(part);
        } else {
            lines.push(part.to_owned());
        }
    }
    lines.join("\n")
}

/// Vertical offset that centres a text box (one em high) in a line box of [`line_height`].
pub(crate) fn text_top_offset(em: f64) -> i32 {
    ((f64::from(line_height(em)) - em) / 2.0).round() as i32
}

/// Draws `lines` starting at `y`, aligned left at `x`, centred on `x` or right-aligned to `x`;
/// returns the height used.
pub(crate) fn draw_lines(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    lines: &[String],
    (x, y): (i32, i32),
    em: f64,
    color: RGBColor,
    align: HPos,
) -> Result<i32, ChartError> {
    let lh = line_height(em);
    let p = Placement::new(em, color).align(align, VPos::Top);
    for (k, l) in lines.iter().enumerate() {
        draw_text(area, l, (x, y + k as i32 * lh + text_top_offset(em)), p)?;
    }
    Ok(lines.len() as i32 * lh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_break_after_dots() {
        let name = "indicators.rural_transfer_new.elasticity";
        let w = width("indicators.rural_transfer_new.", 14.0);
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
        assert!(width(&s, 14.0) <= 150);
        assert_eq!(fit_front("growth.ar", 14.0, 500), "growth.ar");
    }

    #[test]
    fn no_break_spaces_are_never_line_breaks() {
        let note = "P(on track) 2021:\u{a0}0.85, 2022:\u{a0}0.85, 2023:\u{a0}0.82, 2024:\u{a0}0.80";
        for w in [60, 90, 120, 160, 200, 260] {
            for line in wrap(note, 18.0, w, 20) {
                assert!(!line.ends_with(':'), "{line:?} at width {w}");
                assert!(!line.starts_with('\u{a0}'), "{line:?} at width {w}");
                assert!(!line.starts_with("0."), "{line:?} at width {w}");
            }
        }
        assert_eq!(
            tokens("a 2021:\u{a0}0.85, b"),
            vec!["a", " ", "2021:\u{a0}0.85,", " ", "b"]
        );
    }

    #[test]
    fn tokens_keep_words_and_punctuation_together() {
        let t = tokens("城镇新增就业 33 万人以上，“控制在 5.5% 以内”");
        assert!(t.contains(&"33".to_owned()));
        assert!(t.contains(&"上，".to_owned()), "{t:?}");
        assert!(t.contains(&"“控".to_owned()), "{t:?}");
        assert!(t.contains(&"5.5%".to_owned()), "{t:?}");
        assert!(t.contains(&"内”".to_owned()), "{t:?}");
    }

    #[test]
    fn width_grows_with_text_and_size() {
        assert_eq!(width("", 14.0), 0);
        let a = width("河南", 14.0);
        assert!((26..=30).contains(&a), "two hanzi at 14 px em: {a}");
        assert!(width("河南省", 14.0) > a);
        assert!(width("河南", 28.0) >= 2 * a - 2);
    }

    #[test]
    fn wrapped_lines_fit_and_keep_all_text() {
        let quote = "城镇调查失业率年均控制在 5.5% 以内，城镇新增就业 33 万人以上（《开封市“十四五”规划》）。Urban surveyed unemployment below 5.5 percent on average.";
        let lines = wrap(quote, 14.0, 300, 20);
        assert!(lines.len() >= 3, "{lines:?}");
        for l in &lines {
            assert!(width(l, 14.0) <= 300, "{l:?} too wide");
            assert!(!l.starts_with('，') && !l.starts_with('）'), "{l:?}");
        }
        let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        let orig: String = quote.chars().filter(|c| *c != ' ').collect();
        assert_eq!(joined, orig);
    }

    #[test]
    fn wrap_truncates_with_ellipsis_and_handles_edge_cases() {
        let lines = wrap(&"就业".repeat(200), 14.0, 200, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(width(&lines[1], 14.0) <= 200);
        assert_eq!(wrap("", 14.0, 100, 3), vec![String::new()]);
        assert_eq!(wrap("a\nb", 14.0, 100, 3), vec!["a", "b"]);
        // A width smaller than one character still terminates.
        assert!(!wrap("河南省", 14.0, 1, 10).is_empty());
        assert_eq!(fit("Year", 14.0, 1000), "Year");
    }
}
