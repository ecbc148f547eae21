#!/usr/bin/env bash
# Rebuilds assets/fonts/NotoSansCJKsc-Regular-subset.otf, the font embedded in the charts
# (src/chart/font.rs), from Debian's fonts-noto-cjk package.
#
# What it does
#   1. Takes NotoSansCJK-Regular.ttc from the installed package if present, else fetches the
#      .deb with `apt-get download fonts-noto-cjk` (run `apt-get update` first) and unpacks it
#      with dpkg-deb into a temporary folder. Nothing is installed.
#   2. Picks face 2 of the collection, Noto Sans CJK SC Regular (CFF outlines; ab_glyph
#      renders them directly, so no conversion to TrueType outlines is needed).
#   3. Keeps these characters (about 8,100):
#        ASCII, Latin-1, general punctuation, super/subscripts, currency, letter-like symbols,
#        number forms, arrows, mathematical operators, enclosed numerals, box drawing,
#        geometric shapes, CJK symbols and punctuation, CJK compatibility forms, full-width
#        forms; every GB2312 character (all 6,763 hanzi plus its symbol rows); and every
#        character that occurs in the plan extracts and seed documents
#        ($SHARED/data/plans/*.toml, *.md and $SHARED/seeds/*.txt), so every quote renders.
#   4. Subsets with fontTools' pyftsubset: no hinting, only the `kern` layout feature,
#      vertical metrics dropped, all name records kept (they carry the copyright and the OFL
#      notice). The result is about 1.6 MB.
#
# Requirements: bash, python3 with fontTools (`pip install fonttools`), and either the
# fonts-noto-cjk package installed or apt-get + dpkg-deb to fetch it.
#
# Usage: scripts/subset-font.sh [SHARED_DIR]
#   SHARED_DIR defaults to ../shared next to the repository (the project's shared data).
#   After running, check the result with `cargo test font` and look at a chart.
#
# Licence: the font is under the SIL Open Font License 1.1; see assets/fonts/LICENSE-OFL.txt,
# which must ship with it. Built from fonts-noto-cjk 1:20220127+repack1-1 (font version 2.004).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${1:-$repo/../shared}"
out="$repo/assets/fonts/NotoSansCJKsc-Regular-subset.otf"
ttc_installed=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
expected_version="1:20220127+repack1-1"

python3 -c 'import fontTools' 2>/dev/null || {
    echo "fontTools is missing: pip install fonttools" >&2
    exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -f "$ttc_installed" ]]; then
    ttc="$ttc_installed"
    version="$(dpkg-query -W -f='${Version}' fonts-noto-cjk 2>/dev/null || echo unknown)"
else
    # apt's download user must be able to write into the folder.
    chmod 0777 "$work"
    (cd "$work" && apt-get download fonts-noto-cjk >/dev/null)
    deb="$(ls "$work"/fonts-noto-cjk_*.deb)"
    version="$(dpkg-deb -f "$deb" Version)"
    dpkg-deb -x "$deb" "$work/x"
    ttc="$work/x$ttc_installed"
fi
if [[ "$version" != "$expected_version" ]]; then
    echo "note: fonts-noto-cjk is $version, the shipped subset was made from $expected_version" >&2
fi

if [[ ! -d "$shared/data/plans" ]]; then
    echo "note: $shared/data/plans not found; only the fixed character ranges are kept" >&2
fi

python3 - "$shared" > "$work/unicodes.txt" <<'PY'
import glob
import os
import sys

shared = sys.argv[1]
cps = set()


def span(a, b):
    cps.update(range(a, b + 1))


span(0x20, 0x7E)      # ASCII
span(0xA0, 0xFF)      # Latin-1
span(0x2000, 0x206F)  # general punctuation
span(0x2070, 0x209F)  # superscripts and subscripts
span(0x20A0, 0x20BF)  # currency symbols
span(0x2100, 0x214F)  # letter-like symbols
span(0x2150, 0x218F)  # number forms
span(0x2190, 0x21FF)  # arrows
span(0x2200, 0x22FF)  # mathematical operators
span(0x2460, 0x24FF)  # enclosed alphanumerics
span(0x2500, 0x257F)  # box drawing
span(0x25A0, 0x25FF)  # geometric shapes
span(0x3000, 0x303F)  # CJK symbols and punctuation
span(0xFE30, 0xFE4F)  # CJK compatibility forms
span(0xFF00, 0xFFEF)  # half-width and full-width forms

# Every character of GB2312 (rows 0xA1-0xF7, cells 0xA1-0xFE).
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            cps.add(ord(bytes([hi, lo]).decode("gb2312")))
        except UnicodeDecodeError:
            pass

patterns = ["data/plans/*.toml", "data/plans/*.md", "seeds/*.txt"]
for pattern in patterns:
    for path in sorted(glob.glob(os.path.join(shared, pattern))):
        with open(path, encoding="utf-8") as f:
            cps.update(ord(c) for c in f.read() if ord(c) >= 0x20)

print("\n".join("U+%04X" % c for c in sorted(cps)))
PY

pyftsubset "$ttc" \
    --font-number=2 \
    --unicodes-file="$work/unicodes.txt" \
    --output-file="$out" \
    --layout-features=kern \
    --name-IDs='*' \
    --name-languages='*' \
    --notdef-outline \
    --no-hinting \
    --desubroutinize \
    --drop-tables+=VORG,vhea,vmtx,BASE,JSTF

python3 - "$out" <<'PY'
import hashlib
import sys

from fontTools.ttLib import TTFont

path = sys.argv[1]
font = TTFont(path)
data = open(path, "rb").read()
print(f"{path}: {len(data)} bytes, {len(font.getBestCmap())} characters, "
      f"{len(font.getGlyphOrder())} glyphs, sha256 {hashlib.sha256(data).hexdigest()}")
PY
