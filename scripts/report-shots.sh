#!/usr/bin/env bash
# Screenshots of a report.html for looking at it: phone (390 px, in a frame: headless
# Chromium's window is at least 500 px wide), laptop (1280 px), and the A4 print (PDF and
# one PNG per page, with pdftoppm from poppler-utils).
# Usage: scripts/report-shots.sh OUTPUT_FOLDER/report.html SHOTS_FOLDER [HEIGHT]
set -euo pipefail
page=$(realpath "$1"); out=$2; height=${3:-6000}
mkdir -p "$out"
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --allow-file-access-from-files)
frame="$(dirname "$page")/shots-frame.html"
printf '<!DOCTYPE html><body style="margin:0"><iframe src="%s" style="width:390px;height:%spx;border:0"></iframe></body>' \
    "$(basename "$page")" "$height" > "$frame"
"$chrome" "${flags[@]}" --window-size=390,"$height" --virtual-time-budget=5000 \
    --screenshot="$out/phone.png" "file://$frame" 2>/dev/null
rm -f "$frame"
"$chrome" "${flags[@]}" --window-size=1280,"$height" --virtual-time-budget=5000 \
    --screenshot="$out/laptop.png" "file://$page" 2>/dev/null
"$chrome" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/print.pdf" "file://$page" 2>/dev/null
pdftoppm -r 60 -png "$out/print.pdf" "$out/page"
pdfinfo "$out/print.pdf" | grep Pages
