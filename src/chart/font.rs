//! The embedded CJK font: registration with plotters and glyph coverage checks.
//!
//! Charts carry Chinese region names, indicator names and plan quotes, and must render them on
//! a machine without any CJK font or fontconfig. The crate therefore ships a subset of
//! Noto Sans CJK SC (SIL Open Font License 1.1, see `assets/fonts/LICENSE-OFL.txt`) inside the
//! binary and registers it with plotters' `ab_glyph` text backend under every family name the
//! charts use. `scripts/subset-font.sh` rebuilds the subset from Debian's `fonts-noto-cjk`.
//!
//! The subset covers ASCII, Latin-1, general punctuation, letter-like symbols, arrows,
//! mathematical operators, enclosed numerals, CJK symbols and punctuation, full-width forms,
//! every GB2312 character (all 6,763 hanzi) and every character of the plan extracts and seed
//! documents. [`missing_glyphs`] tells which characters of a string the font cannot draw, so
//! callers and tests can rule out tofu boxes.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;

use super::ChartError;

/// The font file, embedded at compile time.
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Regular-subset.otf");

/// Family name under which the embedded font is registered (besides the generic names).
pub const FONT_FAMILY: &str = "Noto Sans CJK SC";

/// Every family name the embedded font is registered under. The charts use
/// [`FONT_FAMILY`]; the generic names make plotters' defaults (e.g. `"sans-serif"`) work too.
pub const REGISTERED_FAMILIES: [&str; 4] = [FONT_FAMILY, "sans-serif", "serif", "monospace"];

static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the embedded font with plotters, once per process.
///
/// Safe to call from any number of threads at once: the first caller registers, the others
/// wait for it and get the same result. Plotters keeps registered fonts in a global map behind
/// a read-write lock, so rendering on several threads afterwards only takes read locks.
///
/// # Errors
/// [`ChartError::Font`] if plotters rejects the embedded font data (which would mean the
/// shipped font file is corrupt).
pub fn ensure_fonts_registered() -> Result<(), ChartError> {
    REGISTERED
        .get_or_init(|| {
            for family in REGISTERED_FAMILIES {
                plotters::style::register_font(family, FontStyle::Normal, FONT_BYTES).map_err(
                    |_| format!("plotters rejected the embedded font for family {family:?}"),
                )?;
            }
            Ok(())
        })
        .clone()
        .map_err(ChartError::Font)
}

/// The embedded font file (OpenType, CFF outlines), e.g. for `report.html` to subset.
pub fn font_bytes() -> &'static [u8] {
    FONT_BYTES
}

/// The embedded font's glyph id for `c`, or `None` if it has none.
pub fn glyph_id(c: char) -> Option<u16> {
    let id = font_ref()?.glyph_id(c).0;
    (id != 0).then_some(id)
}

/// The embedded font parsed by `ab_glyph` (used for text layout and rasterisation), or
/// `None` if the embedded data were unreadable.
pub(crate) fn font_ref() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

/// Characters of `text` that the embedded font has no glyph for, each listed once, in order
/// of first appearance. Control characters (line breaks, tabs) are not drawn and never
/// reported.
///
/// An empty result means the text renders without tofu boxes.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let mut missing: Vec<char> = Vec::new();
    for c in text.chars() {
        if !c.is_control() && !has_glyph(c) && !missing.contains(&c) {
            missing.push(c);
        }
    }
    missing
}

/// Whether the embedded font has a glyph for `c` (looked up in its `cmap`).
pub fn has_glyph(c: char) -> bool {
    font_ref().is_some_and(|f| f.glyph_id(c).0 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_is_idempotent() {
        ensure_fonts_registered().unwrap();
        ensure_fonts_registered().unwrap();
    }

    #[test]
    fn coverage_of_the_embedded_font() {
        let f = font_ref().expect("embedded font parses");
        // ASCII + Latin-1 + 6763 GB2312 hanzi + punctuation: well above 7000 code points.
        let n = f.codepoint_ids().count();
        assert!(n > 7_500, "only {n} code points");
        for c in [
            'A', 'z', '0', '%', '·', '—', '–', '±', '÷', '≥', '≤', '河', '驻', '邵', '。',
        ] {
            assert!(has_glyph(c), "{c:?} missing");
        }
        // Outside the subset: Hangul, a hanzi outside GB2312, an emoji.
        for c in ['한', '\u{9FA5}', '😀'] {
            assert!(!has_glyph(c), "{c:?} unexpectedly present");
        }
    }

    #[test]
    fn missing_glyphs_reports_each_once_and_skips_controls() {
        assert!(missing_glyphs("河南省\n城镇新增就业 33 万人以上\t").is_empty());
        assert_eq!(missing_glyphs("한한 abc 😀"), vec!['한', '😀']);
    }
}
