#!/usr/bin/env bash
# bench.sh: re-measures empsim's speed and memory against the NumPy peer and at scale.
#
#   1. builds empsim (release, --locked) into $CARGO_TARGET_DIR (default: a folder under
#      ${TMPDIR:-/tmp}, kept between calls so a re-run builds incrementally);
#   2. times `empsim run scenarios/henan-baseline.toml --no-charts` against
#      `scripts/numpy_peer.py` at 10k, 100k and 1M paths, interleaved (A B A B ..., one
#      warm-up each), with /usr/bin/time: median wall, user+sys CPU and peak RSS, and the
#      median of the pairwise wall ratios;
#   3. writes synthetic scenarios of 300 (30 x 10) and 2,850 (30 x 95) simulated regions,
#      2021-2035, checks them (`empsim check`) and runs each at 1,000 and 10,000 paths
#      --no-charts (SCALE_PATHS): wall time and peak RSS; then henan-baseline at 100,000
#      paths with --keep-paths (paths.csv streamed);
#   4. times `empsim sens scenarios/henan-baseline.toml --method sobol --samples 1024
#      --paths 1000`;
#   5. prints a summary table.
#
# Usage (from anywhere):  scripts/bench.sh
# Settings (environment): RUNS=3 (timed runs per command and size), PATHS_LIST="10000
# 100000 1000000", SCALE_PATHS="1000 10000", SKIP_SENS=1 to leave out step 4,
# CARGO_TARGET_DIR=... .
# Needs: cargo, python3 with numpy, GNU time at /usr/bin/time. Writes nothing in the
# repository: every output goes to a temporary folder, removed at the end. The machine
# should be otherwise idle; on a shared one, repeat and compare the spreads.

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-3}"
PATHS_LIST="${PATHS_LIST:-10000 100000 1000000}"
SCALE_PATHS="${SCALE_PATHS:-1000 10000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/empsim-bench-target}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/empsim-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.tsv"
EMPSIM="$CARGO_TARGET_DIR/release/empsim"
SCENARIO="$REPO/scenarios/henan-baseline.toml"

[ -x /usr/bin/time ] || { echo "bench.sh: needs GNU time at /usr/bin/time" >&2; exit 2; }
python3 -c 'import numpy' 2>/dev/null || { echo "bench.sh: needs numpy (pip install numpy)" >&2; exit 2; }

echo "== build (release, --locked) into $CARGO_TARGET_DIR" >&2
(cd "$REPO" && cargo build --release --locked --quiet)

# measure LABEL CMD...: runs CMD once under /usr/bin/time and appends
# "LABEL wall user+sys peak_kib" to $RESULTS; CMD's own output goes to $WORK/last.log.
measure() {
    local label="$1"
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >"$WORK/last.log" 2>&1 || {
        echo "bench.sh: failed: $*" >&2
        tail -5 "$WORK/last.log" >&2
        exit 1
    }
    read -r wall user sys peak <"$WORK/time.txt"
    printf '%s\t%s\t%s\t%s\n' "$label" "$wall" "$(python3 -c "print($user + $sys)")" "$peak" >>"$RESULTS"
}

echo "== empsim vs the NumPy peer, henan-baseline, $RUNS interleaved runs per size" >&2
for n in $PATHS_LIST; do
    run_empsim=("$EMPSIM" run "$SCENARIO" --no-charts -q --paths "$n" --out "$WORK/empsim-$n")
    run_peer=(python3 "$REPO/scripts/numpy_peer.py" "$SCENARIO" --paths "$n" --seed 1 --out "$WORK/peer-$n")
    "${run_empsim[@]}" >/dev/null 2>&1 # warm-up
    "${run_peer[@]}" >/dev/null 2>&1
    for _ in $(seq "$RUNS"); do
        measure "empsim-$n" "${run_empsim[@]}"
        measure "peer-$n" "${run_peer[@]}"
    done
    echo "   $n paths done" >&2
done

echo "== synthetic scenarios, $SCALE_PATHS paths" >&2
for shape in "30 10" "30 95"; do
    read -r p c <<<"$shape"
    regions=$((p * c))
    file="$WORK/synthetic-$regions.toml"
    python3 "$REPO/scripts/synthetic_scenario.py" --provinces "$p" --counties-per-province "$c" \
        --end-year 2035 --paths 1000 --out "$file"
    measure "check-$regions" "$EMPSIM" check "$file"
    for n in $SCALE_PATHS; do
        measure "synthetic-$regions-$n" "$EMPSIM" run "$file" --no-charts -q --paths "$n" --out "$WORK/synthetic-out-$regions-$n"
    done
    echo "   $regions regions done" >&2
done

echo "== henan-baseline, 100,000 paths with --keep-paths (paths.csv streamed)" >&2
measure "keep-paths-100000" "$EMPSIM" run "$SCENARIO" --no-charts -q --keep-paths --paths 100000 --out "$WORK/keep-paths"

if [ "${SKIP_SENS:-0}" != 1 ]; then
    echo "== sens sobol, 1024 samples x 1000 paths" >&2
    measure "sens-sobol" "$EMPSIM" sens "$SCENARIO" --method sobol --samples 1024 --paths 1000 -q --out "$WORK/sens"
fi

# The summary: medians per label, and the median of the pairwise empsim/peer wall ratios.
python3 - "$RESULTS" "$(nproc)" <<'EOF'
import sys
from collections import defaultdict
from statistics import median

rows = defaultdict(list)
for line in open(sys.argv[1]):
    label, wall, cpu, peak = line.split("\t")
    rows[label].append((float(wall), float(cpu), int(peak)))
print(f"\n{sys.argv[2]} cores; medians of the runs (peak RSS: largest process)\n")
print(f"{'what':<22} {'runs':>4} {'wall s':>9} {'cpu s':>9} {'peak MiB':>9}")
for label, r in rows.items():
    print(f"{label:<22} {len(r):>4} {median(x[0] for x in r):9.3f} {median(x[1] for x in r):9.3f} "
          f"{median(x[2] for x in r) / 1024:9.1f}")
print(f"\n{'paths':>9} {'empsim/peer wall (median of pairs)':>36} {'cpu':>8}")
for label in rows:
    if label.startswith("empsim-"):
        n = label.split("-", 1)[1]
        e, p = rows[label], rows.get(f"peer-{n}", [])
        if p:
            wall = median(a[0] / b[0] for a, b in zip(e, p))
            cpu = median(a[1] / b[1] for a, b in zip(e, p))
            print(f"{n:>9} {wall:36.3f} {cpu:8.3f}")
EOF
