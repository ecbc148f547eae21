#!/usr/bin/env python3
"""compare_peer.py: do empsim's summaries and the NumPy peer's agree within Monte Carlo
error?

Usage:
    python3 scripts/compare_peer.py EMPSIM_OUT_DIR PEER_OUT_DIR [--alpha 0.001] [--worst 15]

EMPSIM_OUT_DIR is a folder written by `empsim run ... --no-charts` (quantiles.csv,
targets.csv, manifest.json); PEER_OUT_DIR one written by `scripts/numpy_peer.py ... --cdf`
(summary.csv, targets.csv, cdf.npz). The two runs use different random numbers, so they
are two independent samples of n_e and n_p paths from what should be the same
distribution. Each comparison gets a z-score:

- a quantile at probability p of a series, measure and year (and each target outcome's
  5/50/95 % quantile): the order-statistic (binomial) argument. If F is the common CDF,
  F(empsim's sample p-quantile) is about p with variance p(1-p)/n_e, and the peer's
  empirical CDF at a fixed point is F with variance F(1-F)/n_p, independently. So
  z = (F_peer(q_empsim) - p) / sqrt(p(1-p)(1/n_e + 1/n_p)), distribution-free; F_peer is
  read off the peer's quantile function (cdf.npz, step 1e-4). empsim writes 4 decimals:
  every value in q +- 0.00005 counts as consistent, and z is the smallest over it.
- a mean: Welch's z = (m_e - m_p) / sqrt(sd_e^2/n_e + sd_p^2/n_p) (4-decimal rounding
  allowed for).
- P(met) of a target: two-sample binomial z test with the pooled proportion.

Verdict: with m comparisons, the family-wise level alpha (default 0.001) is split
Bonferroni-style, |z| <= z* = Phi^-1(1 - alpha/(2m)). The comparisons are strongly
positively correlated (neighbouring quantiles, years, cumulative rows, aggregates and their
parts share paths), so Bonferroni is conservative; the mean of z^2 (about 1 under
agreement) and the count of |z| > 3.29 (per-test 99.9 %, expected m/1000 if independent)
are printed to catch a small systematic bias Bonferroni would miss. Exit status 0 on
agreement, 1 on disagreement, 2 on unusable input. Stdlib + NumPy.
"""

import argparse
import csv
import json
import math
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np

PCOLS = ["p05", "p10", "p25", "p50", "p75", "p90", "p95"]
PVALS = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95]
HALF_ULP4 = 0.5e-4  # half a unit in the 4th decimal: empsim's rounding


def read_csv(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"compare_peer: cannot read {path}: {e}")


def empsim_paths(d):
    try:
        m = json.loads((d / "manifest.json").read_text())
    except (OSError, ValueError) as e:
        sys.exit(f"compare_peer: cannot read {d / 'manifest.json'}: {e}")
    for key in ("paths",):
        if key in m:
            return int(m[key])
    for v in m.values():
        if isinstance(v, dict) and "paths" in v:
            return int(v["paths"])
    sys.exit("compare_peer: manifest.json does not give the number of paths")


def cdf_at(qf, grid, x):
    """The peer's CDF at x from its quantile function qf on `grid`: the interval
    [F(x-), F(x)] of probabilities consistent with x (wide where qf is flat: ties)."""
    n = len(qf)

    def interp(i, xv):
        if qf[i] == qf[i - 1]:
            return grid[i - 1]
        return grid[i - 1] + (xv - qf[i - 1]) / (qf[i] - qf[i - 1]) * (grid[i] - grid[i - 1])

    i = int(np.searchsorted(qf, x, side="left"))  # first qf[i] >= x
    lo = 0.0 if i == 0 else 1.0 if i == n else interp(i, x)
    j = int(np.searchsorted(qf, x, side="right"))  # first qf[j] > x
    hi = 0.0 if j == 0 else 1.0 if j == n else interp(j, x)
    return lo, hi


def quantile_z(qf, grid, q, p, ne, np_):
    """z of empsim's p-quantile q against the peer's distribution (see the module doc)."""
    lo, _ = cdf_at(qf, grid, q - HALF_ULP4)
    _, hi = cdf_at(qf, grid, q + HALF_ULP4)
    s = math.sqrt(p * (1 - p) * (1 / ne + 1 / np_))
    if lo > p:
        return (lo - p) / s
    if hi < p:
        return (hi - p) / s
    return 0.0


def band(qf, grid, p, zstar, ne, np_):
    """Half-width, in the series' units, of the acceptance band around the p-quantile."""
    s = math.sqrt(p * (1 - p) * (1 / ne + 1 / np_))
    a, b = np.interp([max(0.0, p - zstar * s), min(1.0, p + zstar * s)], grid, qf)
    return (b - a) / 2


def welch(me, se_, mp, sp, ne, np_):
    """z of two means (Welch), and the standard error of their difference."""
    d = abs(me - mp) - HALF_ULP4
    s = math.sqrt(se_ ** 2 / ne + sp ** 2 / np_)
    if d <= 0:
        return 0.0, s
    return (math.copysign(d / s, me - mp) if s > 0 else math.inf), s


def binom(pe, pp, ne, np_):
    """Two-sample binomial z (pooled proportion), and the standard error of the difference."""
    pbar = (pe * ne + pp * np_) / (ne + np_)
    s = math.sqrt(pbar * (1 - pbar) * (1 / ne + 1 / np_))
    d = abs(pe - pp) - HALF_ULP4
    if d <= 0:
        return 0.0, s
    return (math.copysign(d / s, pe - pp) if s > 0 else math.inf), s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("empsim_dir", type=Path)
    ap.add_argument("peer_dir", type=Path)
    ap.add_argument("--alpha", type=float, default=0.001, help="family-wise level (default 0.001)")
    ap.add_argument("--worst", type=int, default=15, help="rows of the worst-cases table")
    args = ap.parse_args()

    ne = empsim_paths(args.empsim_dir)
    cdf = np.load(args.peer_dir / "cdf.npz")
    np_ = int(cdf["paths"])
    grid = cdf["grid"]
    qfs = dict(zip(cdf["keys"].tolist(), cdf["quantiles"]))

    emp = {(r["region"], r["indicator"], r["measure"], r["year"]): r
           for r in read_csv(args.empsim_dir / "quantiles.csv")}
    peer = {(r["region"], r["indicator"], r["measure"], r["year"]): r
            for r in read_csv(args.peer_dir / "summary.csv")}
    if set(emp) != set(peer):
        only_e = sorted(set(emp) - set(peer))[:5]
        only_p = sorted(set(peer) - set(emp))[:5]
        print(f"series differ: only in empsim {only_e}, only in the peer {only_p}")
        sys.exit(1)

    # (kind, what, empsim value, peer value, z, band) per comparison; band(z*) is the
    # half-width of the acceptance band in the compared quantity's units.
    checks = []
    for key, e in emp.items():
        p_row, what = peer[key], "/".join(key)
        qf = qfs["|".join(key)]
        for col, p in zip(PCOLS, PVALS):
            q = float(e[col])
            checks.append(("quantile", f"{what} {col}", q, float(p_row[col]),
                           quantile_z(qf, grid, q, p, ne, np_),
                           lambda zs, qf=qf, p=p: band(qf, grid, p, zs, ne, np_)))
        z, s = welch(float(e["mean"]), float(e["sd"]), float(p_row["mean"]), float(p_row["sd"]), ne, np_)
        checks.append(("mean", f"{what} mean", float(e["mean"]), float(p_row["mean"]), z,
                       lambda zs, s=s: zs * s))

    et = {r["target_id"]: r for r in read_csv(args.empsim_dir / "targets.csv")}
    pt = {r["target_id"]: r for r in read_csv(args.peer_dir / "targets.csv")}
    if set(et) != set(pt):
        print(f"targets differ: {sorted(set(et) ^ set(pt))}")
        sys.exit(1)
    for tid, e in et.items():
        pe, pp = float(e["p_met"]), float(pt[tid]["p_met"])
        z, s = binom(pe, pp, ne, np_)
        checks.append(("p_met", tid, pe, pp, z, lambda zs, s=s: zs * s))
        qf = qfs[f"target|{tid}"]
        for col, p in (("outcome_p05", 0.05), ("outcome_p50", 0.5), ("outcome_p95", 0.95)):
            q = float(e[col])
            checks.append(("outcome", f"{tid} {col}", q, float(pt[tid][col]),
                           quantile_z(qf, grid, q, p, ne, np_),
                           lambda zs, qf=qf, p=p: band(qf, grid, p, zs, ne, np_)))

    m = len(checks)
    zstar = NormalDist().inv_cdf(1 - args.alpha / (2 * m))
    z = np.array([c[4] for c in checks])
    print(f"empsim {ne} paths vs peer {np_} paths: {m} comparisons "
          f"({sum(c[0] == 'quantile' for c in checks)} quantiles, "
          f"{sum(c[0] == 'mean' for c in checks)} means, "
          f"{sum(c[0] == 'p_met' for c in checks)} P(met), "
          f"{sum(c[0] == 'outcome' for c in checks)} target-outcome quantiles)")
    print(f"family-wise alpha {args.alpha} over {m} (Bonferroni): |z| <= {zstar:.2f}")
    print(f"max |z| {np.abs(z).max():.2f}; mean z^2 {np.mean(z ** 2):.2f} (about 1 if they agree; "
          f"z is 0 inside the 4-decimal rounding); |z| > 3.29: {int((np.abs(z) > 3.29).sum())} "
          f"(expected {m / 1000:.1f} if independent)")
    for kind in ("quantile", "mean", "p_met", "outcome"):
        zk = np.array([c[4] for c in checks if c[0] == kind])
        if len(zk):
            print(f"  {kind:<9} n {len(zk):5d}  max |z| {np.abs(zk).max():5.2f}  "
                  f"mean z^2 {np.mean(zk ** 2):5.2f}  mean z {np.mean(zk):+5.2f}")
    print()
    print(f"{'worst cases':<72} {'empsim':>12} {'peer':>12} {'band +-':>10} {'z':>7}")
    for c in sorted(checks, key=lambda c: -abs(c[4]))[: args.worst]:
        kind, what, ve, vp, zc, spread = c
        b = spread(zstar)
        print(f"{kind + ' ' + what:<72} {ve:12.4f} {vp:12.4f} {b:10.4f} {zc:7.2f}")
    bad = int((np.abs(z) > zstar).sum())
    print()
    if bad:
        print(f"DISAGREE: {bad} of {m} comparisons beyond |z| {zstar:.2f}")
        sys.exit(1)
    print(f"AGREE: all {m} comparisons within |z| {zstar:.2f}")


if __name__ == "__main__":
    main()
