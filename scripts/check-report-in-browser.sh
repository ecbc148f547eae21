#!/usr/bin/env bash
# Renders output/<scenario>/report.html in a real browser and keeps a screenshot to look at.
#
# What it does
#   1. Installs Debian's chromium if no `chromium` is on PATH (`apt-get update && apt-get
#      install -y chromium`, so it needs root or sudo and network), and a CJK font
#      (fonts-noto-cjk) if fontconfig knows none: the report embeds no font and relies on the
#      reader's system fonts for its Chinese text, as any Chinese desktop has them; without
#      one the screenshot would show boxes where a reader sees characters. The charts carry
#      their Chinese text as pixels and need no font.
#   2. Builds and runs `empsim run scenarios/henan-baseline.toml --out <tmp>/run` (release
#      profile, via `cargo run --release --`), which writes <tmp>/run/report.html.
#   3. Takes a headless screenshot of the report, 1280 px wide and 4000 px tall (the top of
#      the report: settings, the targets table, the overview and the first charts), with a
#      fresh browser profile and no network traffic of the browser's own.
#   4. Checks the PNG exists and is not trivial (a PNG signature, the requested size, and
#      more than 100 kB: a blank or error page compresses to a few kB).
#
# It is a manual check, not part of CI (CI stays fast and offline): run it after changing
# src/report/html.rs or the charts, then LOOK at the screenshot. The temporary folder (run
# output, browser profile, chromium's log) is kept for inspection; delete it when done.
#
# Requirements: bash, coreutils (od, stat), cargo, and Debian or Ubuntu with apt-get for
# the installs. The first run downloads chromium and fonts-noto-cjk (a few hundred MB
# installed); later runs take a few seconds.
#
# Usage: scripts/check-report-in-browser.sh [SCREENSHOT.png]
#   SCREENSHOT defaults to <tmp>/report.png; the script prints where it is and where the
#   report is. Environment: SCENARIO (default scenarios/henan-baseline.toml), PATHS
#   (default: the scenario's own), HEIGHT (default 4000).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scenario="${SCENARIO:-scenarios/henan-baseline.toml}"
height="${HEIGHT:-4000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/empsim-report-check.XXXXXX")"
shot="${1:-$work/report.png}"

as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "error: need root or sudo to run: $*" >&2
        exit 1
    fi
}

packages=()
command -v chromium >/dev/null || packages+=(chromium)
if ! command -v fc-list >/dev/null || [[ -z "$(fc-list :lang=zh 2>/dev/null)" ]]; then
    packages+=(fonts-noto-cjk)
fi
if ((${#packages[@]})); then
    echo "installing ${packages[*]} ..." >&2
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "${packages[@]}"
fi

cd "$repo"
run_args=(run "$scenario" --out "$work/run" --quiet)
[[ -n "${PATHS:-}" ]] && run_args+=(--paths "$PATHS")
cargo run --release --quiet -- "${run_args[@]}"
report="$work/run/report.html"
if [[ ! -f "$report" ]]; then
    echo "error: $report was not written (is report::html::write_report called by run.rs?)" >&2
    exit 1
fi

# A fresh profile, and every background service off, so the browser neither reads the
# user's profile nor goes on the network; the report itself must need no network either.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$work/profile" \
    --screenshot="$shot" --window-size="1280,$height" \
    "file://$report" 2>"$work/chromium.log" || {
    echo "error: chromium failed; its log:" >&2
    cat "$work/chromium.log" >&2
    exit 1
}

if [[ ! -s "$shot" ]]; then
    echo "error: no screenshot at $shot; chromium's log:" >&2
    cat "$work/chromium.log" >&2
    exit 1
fi
hex() { od -An -tx1 -j"$1" -N"$2" "$shot" | tr -d ' \n'; }
size=$(stat -c %s "$shot")
[[ "$(hex 0 8)" == 89504e470d0a1a0a && "$(hex 12 4)" == 49484452 ]] || {
    echo "error: $shot is not a PNG" >&2
    exit 1
}
w=$((16#$(hex 16 4)))
h=$((16#$(hex 20 4)))
if [[ "$w" -ne 1280 || "$h" -ne "$height" ]]; then
    echo "error: $shot is ${w}x${h}, expected 1280x$height" >&2
    exit 1
fi
if ((size < 100000)); then
    echo "error: $shot is only $size bytes: a blank or error page?" >&2
    exit 1
fi
echo "screenshot ok: ${w}x${h}, $((size / 1024)) kB"
echo "report:     $report ($(($(stat -c %s "$report") / 1024)) kB)"
echo "screenshot: $shot"
