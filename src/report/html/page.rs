//! The page shell every `report.html` shares: the head, the style sheet (screen, phone and
//! A4 print) and the CJK font, embedded as a `data:` URL subset to the characters the page
//! uses, so that Chinese text renders the same on a machine without any CJK font.

use crate::chart::font;
use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use allsorts::tables::FontTableProvider;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The family name the embedded subset is declared under.
pub const FONT_FAMILY: &str = "empsim Noto Sans CJK SC";

/// The characters of `text` a font must draw: everything but control characters, each once.
pub fn page_chars(text: &str) -> BTreeSet<char> {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// The embedded font subset to the glyphs of `chars` (characters it has no glyph for are
/// left out), as an OpenType file with a Unicode `cmap`; `None` if subsetting fails.
pub fn font_subset(chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    let mut glyphs: Vec<u16> = chars.iter().filter_map(|&c| font::glyph_id(c)).collect();
    glyphs.sort_unstable();
    glyphs.dedup();
    glyphs.insert(0, 0);
    let scope = ReadScope::new(font::font_bytes());
    let data = scope.read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    if !provider.has_table(allsorts::tag::CFF) {
        return None;
    }
    subset(
        &provider,
        &glyphs,
        &SubsetProfile::Minimal,
        CmapTarget::Unicode,
    )
    .ok()
}

/// A whole page: `<head>` with the title, the style sheet and the font subset to the
/// characters of `title` and `body`, then `body` (the content of `<body>`).
pub fn page(title: &str, body: &str) -> String {
    // Printable ASCII always (a few kB), then every character of the title and the body.
    let mut chars: BTreeSet<char> = (' '..='~').collect();
    chars.extend(page_chars(title));
    chars.extend(page_chars(body));
    let font_face = font_subset(&chars)
        .map(|otf| {
            format!(
                "@font-face {{ font-family: \"{FONT_FAMILY}\"; font-style: normal; font-weight: 100 900; \
src: url(data:font/otf;base64,{}) format(\"opentype\"); }}\n",
                super::base64_encode(&otf)
            )
        })
        .unwrap_or_default();
    let mut h = String::with_capacity(body.len() + font_face.len() + CSS.len() + 1000);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"empsim {}\">\n<title>{}</title>\n<style>\n{font_face}{CSS}</style>\n\
</head>\n<body>\n{body}</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        super::escape(title),
    );
    h
}

/// Screen, phone and print styles. Latin text in the system's sans-serif; Chinese in the
/// embedded subset (listed before any system CJK font, so every reader sees the same).
const CSS: &str = r#":root { --ink: #1b1b1b; --muted: #5e5e5e; --rule: #d8d8d8; --head: #f3f5f8; --accent: #08306b; }
* { box-sizing: border-box; }
html { color: var(--ink); background: #fff; line-height: 1.5; -webkit-text-size-adjust: 100%; text-size-adjust: 100%;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "empsim Noto Sans CJK SC", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
[lang="zh-CN"] { font-family: "empsim Noto Sans CJK SC", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
body { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; font-size: 16px; overflow-wrap: break-word; }
h1 { font-size: 28px; line-height: 1.25; margin: 0 0 6px; color: var(--accent); }
h2 { font-size: 22px; line-height: 1.3; margin: 40px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); color: var(--accent); }
h3 { font-size: 18px; margin: 26px 0 8px; }
h2 .en, h3 .en { font-weight: 400; color: var(--muted); font-size: .8em; }
.kicker { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .04em; }
.desc { margin: 4px 0 16px; max-width: 75ch; }
.note { color: var(--muted); font-size: 14px; max-width: 100ch; }
.small, .src { font-size: 12.5px; color: var(--muted); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; margin: 8px 0 16px; }
.scroll > table { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--rule); padding: 5px 7px; text-align: left; vertical-align: top; }
thead th { background: var(--head); border-bottom: 1px solid #b9c2cf; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.settings th { background: none; font-weight: 600; padding-right: 14px; width: 9em; }
table.settings td { overflow-wrap: anywhere; }
table.proj th:first-child, table.proj td:first-child { position: sticky; left: 0; background: #fff; z-index: 1; min-width: 10em; }
table.proj thead th:first-child { background: var(--head); }
table.proj td.num { min-width: 7.5em; }
table.params td:first-child { width: 30%; }
table.targets td.req { min-width: 14em; }
table.targets td.out { min-width: 11em; text-align: right; font-variant-numeric: tabular-nums; }
table.targets td.glide { font-variant-numeric: tabular-nums; font-size: 13px; }
code.id { font-size: 11.5px; }
.nw { white-space: nowrap; }
.headline { font-size: 17px; margin: 10px 0 12px; }
nav ul { margin: 4px 0 0; padding-left: 20px; }
nav li { margin: 3px 0; }
nav p { margin: 18px 0 0; }
.downloads { font-size: 14px; }
.quote { font-size: 14px; }
.assumption { font-style: italic; color: #555; }
.basis { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; white-space: nowrap; }
.basis.plan { background: #e3eefb; color: #0b3d78; }
.basis.assumption { background: #fdf0d8; color: #7a4a00; }
.risk-high { background: #fbdcd9; }
.risk-mid { background: #fdf1cf; }
.risk-low { background: #e2f2de; }
.swatch { padding: 0 6px; border-radius: 3px; }
.risk-high, .risk-mid, .risk-low, .basis, thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
a { color: var(--accent); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 760px), 1fr)); gap: 8px 24px; }
figure { margin: 10px 0 22px; min-width: 0; }
figure img { display: block; width: 100%; max-width: 100%; height: auto; border: 1px solid #e6e6e6; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
footer { margin-top: 40px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 13px; }
ol.sources li { margin: 6px 0; }
/* Phones: the key tables become one card per row, labelled cell by cell. */
@media (max-width: 640px) {
  body { padding: 14px 12px 32px; font-size: 15px; }
  h1 { font-size: 23px; }
  h2 { font-size: 19px; margin-top: 30px; }
  h3 { font-size: 16.5px; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards thead { display: none; }
  table.cards tr { border: 1px solid var(--rule); border-radius: 6px; margin: 0 0 10px; padding: 4px 8px; }
  table.cards td { border: none; padding: 3px 0; text-align: left; white-space: normal; }
  table.cards td[data-label]::before { content: attr(data-label); display: block; font-size: 12px; color: var(--muted); }
  table.settings th { width: auto; }
}
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  html { font-size: 10pt; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h1 { font-size: 18pt; }
  h2 { font-size: 14pt; margin-top: 8mm; break-after: avoid; }
  h3 { font-size: 11.5pt; break-after: avoid; }
  table { font-size: 8pt; }
  th, td { padding: 3px 4px; }
  table.targets td.req { min-width: 0; width: 34%; }
  table.targets td.out { min-width: 0; }
  code, code.id, table.targets td.glide { font-size: 7pt; }
  .small, .src, .note, figcaption { font-size: 8pt; }
  .quote { font-size: 8.5pt; }
  .scroll { overflow: visible; }
  table.proj th:first-child, table.proj td:first-child { position: static; }
  #charts, #assumptions { break-before: page; }
  thead { display: table-header-group; }
  tr, figure, img { break-inside: avoid; }
  .grid { display: block; }
  figure { margin: 3mm 0 5mm; }
  figure img { width: 100%; max-height: 122mm; object-fit: contain; border: none; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_maps_exactly_the_characters_asked_for() {
        let chars = page_chars("城镇新增就业 P(met) 开封市\n");
        let otf = font_subset(&chars).expect("subset");
        assert!(otf.len() < 40_000, "{} bytes", otf.len());
        let face = ab_glyph::FontRef::try_from_slice(&otf).expect("a readable font");
        use ab_glyph::Font;
        for c in &chars {
            assert_ne!(face.glyph_id(*c).0, 0, "{c:?} is mapped");
        }
        assert_eq!(
            face.glyph_id('河').0,
            0,
            "characters not asked for are left out"
        );
    }
}
