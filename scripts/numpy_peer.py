#!/usr/bin/env python3
"""numpy_peer.py: an independent, vectorised NumPy implementation of empsim's unconditioned
`run` (docs/MODEL.md §2-§7), written from the model documentation and the Rust sources
(src/model.rs, src/engine/mod.rs, src/scenario/, src/stats/) as a cross-check.

It reads a scenario TOML of the shipped kind (following `extends`), draws every parameter
once per path with the same families, parametrisation and clamping as
src/scenario/dist.rs, simulates all paths at once as (paths x regions) arrays year by year
(correlated AR(1) growth noise, flows calibrated on their baselines, the stock, the
unemployment rate, shocks and levers), aggregates the parent regions and summarises like
`empsim run`: mean, sd and type-7 quantiles at 5/10/25/50/75/90/95 % for every series,
measure (annual, cumulative) and year, and each target's P(met).

The random numbers are NumPy's (numpy.random.default_rng(seed)), not empsim's
Xoshiro256++ streams: the peer agrees with empsim in distribution, not path by path.
Conditioned scenarios ([observations]) are refused.

Usage:
    python3 scripts/numpy_peer.py SCENARIO.toml --paths N --seed S --out DIR [--cdf]

Writes DIR/summary.csv (the columns of empsim's quantiles.csv) and DIR/targets.csv
(target_id, p_met, p_met_se, outcome quantiles). With --cdf also DIR/cdf.npz: each summary
column's and each target outcome's quantile function on a grid of step 1e-4, which
scripts/compare_peer.py needs to judge agreement. Stage wall times go to stderr.
Dependencies: Python >= 3.11 (tomllib) and NumPy.
"""

import argparse
import csv
import os
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

FLOWS = ("urban_new_jobs", "rural_transfer_new", "return_entrepreneurs")
STOCK = "rural_transfer_stock"
RATE = "surveyed_unemployment_rate"
REGISTERED = "registered_unemployment_rate"
ALL_INDICATORS = FLOWS + (STOCK, RATE, REGISTERED)
KIND = {**{f: "flow" for f in FLOWS}, STOCK: "stock", RATE: "rate", REGISTERED: "rate"}
PROBS = np.array([0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95])
# The quantile-function grid of --cdf (probabilities 0, 1e-4, ..., 1).
CDF_GRID = np.linspace(0.0, 1.0, 10001)


# --------------------------------------------------------------------------------------
# Scenario files: the extends chain and its merge (src/scenario/load.rs)
# --------------------------------------------------------------------------------------


def defines_value(t):
    """A parameter or baseline table: replaced whole by a child, never merged."""
    return "value" in t or "dist" in t


def merge(base, child):
    """Deep merge of `child` over `base`: tables key by key, arrays and value tables whole."""
    for k, v in child.items():
        b = base.get(k)
        if isinstance(b, dict) and isinstance(v, dict) and not defines_value(b) and not defines_value(v):
            merge(b, v)
        else:
            base[k] = v


def load_raw(path):
    """The merged table of a scenario file and every file it extends, and its name."""
    chain, current, seen = [], Path(path), set()
    while True:
        key = current.resolve()
        if key in seen:
            sys.exit(f"{path}: extends cycle at {current}")
        seen.add(key)
        with open(current, "rb") as f:
            chain.append(tomllib.load(f))
        parent = chain[-1].get("extends")
        if parent is None:
            break
        current = current.parent / parent
    name = chain[0].get("name", Path(path).stem)
    merged = {}
    for t in reversed(chain):
        merge(merged, t)
    merged.pop("extends", None)
    merged.pop("name", None)
    return merged, name


# --------------------------------------------------------------------------------------
# Parameters (src/scenario/dist.rs and validate/ctx.rs)
# --------------------------------------------------------------------------------------


class Param:
    """A parameter: a fixed value or a distribution, drawn once per path and clamped to
    its bounds (normal and lognormal ones are validated to keep 6 sd inside them)."""

    def __init__(self, raw, lo, hi, key):
        kind = raw.get("dist") or ("fixed" if "value" in raw else None)
        if kind is None:
            sys.exit(f"{key}: needs `value` or `dist`")
        self.kind, self.lo, self.hi, self.key = kind, lo, hi, key
        self.args = {
            "fixed": ("value",),
            "normal": ("mean", "sd"),
            "lognormal": ("mu", "sigma"),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
        }[kind]
        self.vals = [float(raw[a]) for a in self.args]

    def draw(self, rng, n):
        """n draws (one per path), clamped to [lo, hi]."""
        k, v = self.kind, self.vals
        if k == "fixed":
            x = np.full(n, v[0])
        elif k == "normal":
            x = v[0] + v[1] * rng.standard_normal(n)
        elif k == "lognormal":
            x = np.exp(v[0] + v[1] * rng.standard_normal(n))
        elif k == "uniform":
            x = v[0] + (v[1] - v[0]) * rng.random(n)
        else:
            x = triangular_quantile(v[0], v[1], v[2], rng.random(n))
        return np.clip(x, self.lo, self.hi)


def triangular_quantile(low, mode, high, u):
    """Inverse CDF of the triangular distribution at u in [0, 1] (vectorised)."""
    width = high - low
    if width <= 0:
        return np.full_like(u, low)
    f = (mode - low) / width
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.where(u < f, left, right)


def own_or_default(own, default, lo, hi, key):
    raw = own if own is not None else default
    if raw is None:
        sys.exit(f"{key}: is required")
    return Param(raw, lo, hi, key)


def parse_period(s):
    s = str(s).strip()
    if "-" in s:
        a, b = s.split("-", 1)
        return int(a), int(b)
    return int(s), int(s)


# --------------------------------------------------------------------------------------
# The scenario as the engine sees it (src/scenario/validate/)
# --------------------------------------------------------------------------------------


class Scenario:
    """The parts of a validated scenario the unconditioned engine and the summaries use."""

    def __init__(self, path):
        raw, self.name = load_raw(path)
        if raw.get("observations"):
            sys.exit(f"{path}: conditioned scenarios ([observations]) are not supported by the peer")
        self.base_year = int(raw["horizon"]["base_year"])
        self.end_year = int(raw["horizon"]["end_year"])
        self.years = np.arange(self.base_year + 1, self.end_year + 1)
        mc = raw.get("monte_carlo", {})
        self.paths, self.seed = int(mc.get("paths", 10000)), int(mc.get("seed", 0))
        self._growth(raw)
        self._regions(raw)
        self._unemployment(raw)
        self._leaves(raw)
        self._indicators()
        self._correlation(raw)
        self._events(raw)
        self._targets(raw)

    def _growth(self, raw):
        g = raw["growth"]
        self.g_ref = Param(g["reference"], -30, 30, "growth.reference")
        self.g_ar = Param(g["ar"], -0.9, 0.9, "growth.ar")
        self.g_sd = Param(g["noise_sd"], 0, 5, "growth.noise_sd")
        values = {int(k): float(v) for k, v in g["path"]["values"].items()}
        missing = [y for y in self.years if y not in values]
        if missing:
            sys.exit(f"growth.path.values: has no value for {missing[0]}")
        self.g_path = np.array([values[y] for y in self.years])

    def _regions(self, raw):
        self.raw_regions = raw["regions"]
        self.ids = list(self.raw_regions)
        self.parent = {i: r.get("parent") or None for i, r in self.raw_regions.items()}
        self.children = {i: [c for c in self.ids if self.parent[c] == i] for i in self.ids}
        for i, p in self.parent.items():
            if p is not None and self.parent[p] is not None:
                sys.exit(f"regions.{i}.parent: only one level of nesting is supported")
        self.leaves = [i for i in self.ids if not self.children[i]]
        self.leaf_pos = {r: k for k, r in enumerate(self.leaves)}

    def _unemployment(self, raw):
        um = raw.get("unemployment", {})
        self.has_rate = any("unemployment" in r for r in self.raw_regions.values())
        if self.has_rate:
            self.okun = Param(um["okun"], -5, 5, "unemployment.okun")
            self.adjustment = Param(um["adjustment"], 0, 1, "unemployment.adjustment")
            self.u_sd = Param(um["noise_sd"], 0, 5, "unemployment.noise_sd")
            self.floor, self.ceiling = float(um["floor"]), float(um["ceiling"])
        self.um_raw = um

    def _leaves(self, raw):
        """Each simulated region's flow anchors and parameters, stock and rate."""
        defaults = raw.get("indicators", {})
        self.flow = {f: [None] * len(self.leaves) for f in FLOWS}
        self.stock = [None] * len(self.leaves)
        self.rate = [None] * len(self.leaves)
        for li, rid in enumerate(self.leaves):
            r, rk = self.raw_regions[rid], f"regions.{rid}"
            base = r.get("baselines", {})
            params = r.get("params", {})
            for f in FLOWS:
                b = base.get(f)
                if b is None:
                    continue
                if b["kind"] == "cumulative":
                    first, last = parse_period(b["period"])
                    anchor = ("cumulative", float(b["value"]), first, last)
                else:
                    anchor = ("annual", float(b["value"]), int(b["year"]), int(b["year"]))
                own, dflt = params.get(f, {}), defaults.get(f, {})
                pick = lambda field, lo, hi: own_or_default(
                    own.get(field), dflt.get(field), lo, hi, f"{rk}.params.{f}.{field}"
                )
                self.flow[f][li] = {
                    "anchor": anchor,
                    "trend": pick("trend", -0.5, 0.5),
                    "elasticity": pick("elasticity", -1, 1),
                    "noise_sd": pick("noise_sd", 0, 1),
                }
            if STOCK in base:
                own = params.get(STOCK, {}).get("exit_rate")
                dflt = defaults.get(STOCK, {}).get("exit_rate")
                self.stock[li] = {
                    "initial": float(base[STOCK]["value"]),
                    "exit_rate": own_or_default(own, dflt, 0, 1, f"{rk}.params.{STOCK}.exit_rate"),
                }
            if "unemployment" in r:
                u, um = r["unemployment"], self.um_raw
                gap = None
                if "registered_gap" in u or "registered_gap" in um:
                    gap = own_or_default(u.get("registered_gap"), um.get("registered_gap"), 0, 10,
                                         f"{rk}.unemployment.registered_gap")
                self.rate[li] = {
                    "initial": own_or_default(u.get("initial"), um.get("initial"), 0, 100,
                                              f"{rk}.unemployment.initial"),
                    "natural_rate": own_or_default(u.get("natural_rate"), um.get("natural_rate"), 0, 100,
                                                   f"{rk}.unemployment.natural_rate"),
                    "registered_gap": gap,
                }

    def _indicators(self):
        """What each region projects (leaves: what they simulate; aggregates: what every
        child projects), the rate weights, and the output series in empsim's order."""
        self.indicators = {}
        for li, rid in enumerate(self.leaves):
            inds = [f for f in FLOWS if self.flow[f][li] is not None]
            if self.stock[li] is not None:
                inds.append(STOCK)
            if self.rate[li] is not None:
                inds.append(RATE)
                if self.rate[li]["registered_gap"] is not None:
                    inds.append(REGISTERED)
            self.indicators[rid] = inds
        for rid in self.ids:
            kids = self.children[rid]
            if kids:
                self.indicators[rid] = [
                    i for i in ALL_INDICATORS if all(i in self.indicators[c] for c in kids)
                ]
        self.rate_weight = {
            rid: float(r["rate_weight"]["value"]) if "rate_weight" in r else None
            for rid, r in self.raw_regions.items()
        }
        self.series = [(rid, ind) for rid in self.ids for ind in self.indicators[rid]]

    def _correlation(self, raw):
        n = len(self.leaves)
        c = raw.get("correlation")
        if c is None:
            m = np.eye(n)
        elif "common" in c:
            m = np.full((n, n), float(c["common"]))
            np.fill_diagonal(m, 1.0)
        else:
            order = [self.leaf_pos[r] for r in c["regions"]]
            m = np.zeros((n, n))
            given = np.array(c["matrix"], dtype=float)
            for a, oa in enumerate(order):
                for b, ob in enumerate(order):
                    m[oa, ob] = given[a, b]
        self.chol = np.linalg.cholesky(m)

    def _leaves_of(self, names):
        """Leaf positions a shock or lever hits (an aggregate means its children)."""
        if names is None:
            return list(range(len(self.leaves)))
        out = set()
        for n in names:
            if n in self.leaf_pos:
                out.add(self.leaf_pos[n])
            else:
                out.update(self.leaf_pos[c] for c in self.children[n])
        return sorted(out)

    def _events(self, raw):
        self.shocks = []
        for name, s in raw.get("shocks", {}).items():
            self.shocks.append({
                "year": int(s["year"]),
                "probability": float(s["probability"]),
                "leaves": self._leaves_of(s.get("regions")),
                "growth": [float(g) for g in s.get("growth", [])],
                "scale": Param(s["scale"], 0, 3, f"shocks.{name}.scale") if "scale" in s else None,
                "effects": [(e["indicator"], [float(x) for x in e["size"]]) for e in s.get("effects", [])],
            })
        self.levers = []
        for name, lv in raw.get("levers", {}).items():
            ind = lv["indicator"]
            lo, hi = (-0.99, 3.0) if KIND[ind] == "flow" else (-20.0, 20.0)
            self.levers.append({
                "indicator": ind,
                "leaves": self._leaves_of(lv.get("regions")),
                "start_year": int(lv["start_year"]),
                "ramp_years": int(lv.get("ramp_years", 0)),
                "effect": Param(lv["effect"], lo, hi, f"levers.{name}.effect"),
            })

    def _targets(self, raw):
        """Targets region by region; ids `region.indicator.kind`, repeats numbered .2, .3."""
        self.targets, seen = [], set()
        for rid, r in self.raw_regions.items():
            for t in r.get("targets", []):
                tid = f"{rid}.{t['indicator']}.{t['kind']}"
                if tid in seen:
                    k = 2
                    while f"{tid}.{k}" in seen:
                        k += 1
                    tid = f"{tid}.{k}"
                seen.add(tid)
                first, last = parse_period(t["period"])
                self.targets.append({
                    "id": tid, "region": rid, "indicator": t["indicator"], "kind": t["kind"],
                    "applies": t.get("applies"), "first": first, "last": last,
                    "value": float(t["value"]), "tolerance": float(t.get("tolerance", 0.0)),
                })


# --------------------------------------------------------------------------------------
# The engine, vectorised over paths (src/engine/mod.rs, src/model.rs)
# --------------------------------------------------------------------------------------


def leaf_matrix(rng, n, params):
    """Draws a per-leaf parameter (a list with None where a leaf lacks it): (n, leaves),
    NaN where absent."""
    out = np.full((n, len(params)), np.nan)
    for li, p in enumerate(params):
        if p is not None:
            out[:, li] = p.draw(rng, n)
    return out


def calibrate(anchors, trend):
    """FlowCoef::calibrate per path and leaf: a cumulative total over first..last anchors
    the trend line at the window's middle year m with A = total / sum_y exp(trend (y - m));
    an annual value anchors A = value at its year. Returns A (n, leaves) and m (leaves,)."""
    level = np.full(trend.shape, np.nan)
    mid = np.full(trend.shape[1], np.nan)
    for li, a in enumerate(anchors):
        if a is None:
            continue
        kind, value, first, last = a
        if kind == "cumulative":
            m = (first + last) / 2.0
            k = np.arange(first, last + 1) - m
            level[:, li] = value / np.exp(np.outer(trend[:, li], k)).sum(axis=1)
            mid[li] = m
        else:
            level[:, li] = value
            mid[li] = first
    return level, mid


def draw_parameters(scn, rng, n):
    """Parameter uncertainty and shock events, one draw per path."""
    d = {
        "ref": scn.g_ref.draw(rng, n), "ar": scn.g_ar.draw(rng, n), "gsd": scn.g_sd.draw(rng, n),
    }
    if scn.has_rate:
        d["okun"] = scn.okun.draw(rng, n)
        d["adj"] = scn.adjustment.draw(rng, n)
        d["usd"] = scn.u_sd.draw(rng, n)
    d["flows"] = {}
    for f in FLOWS:
        models = scn.flow[f]
        if all(m is None for m in models):
            continue
        field = lambda name: leaf_matrix(rng, n, [m and m[name] for m in models])
        trend, elasticity, noise_sd = field("trend"), field("elasticity"), field("noise_sd")
        level, mid = calibrate([m and m["anchor"] for m in models], trend)
        d["flows"][f] = {"level": level, "mid": mid, "trend": trend,
                         "elasticity": elasticity, "noise_sd": noise_sd}
    d["exit"] = leaf_matrix(rng, n, [s and s["exit_rate"] for s in scn.stock])
    d["stock0"] = np.array([s["initial"] if s else np.nan for s in scn.stock])
    d["u0"] = leaf_matrix(rng, n, [r and r["initial"] for r in scn.rate])
    d["ustar"] = leaf_matrix(rng, n, [r and r["natural_rate"] for r in scn.rate])
    d["rgap"] = leaf_matrix(rng, n, [r and r["registered_gap"] for r in scn.rate])
    # A shock happens on a path with its probability; its scale multiplies its growth
    # changes and effects (0 where it does not happen).
    d["shock_scale"] = []
    for s in scn.shocks:
        scale = s["scale"].draw(rng, n) if s["scale"] else np.ones(n)
        happens = rng.random(n) < s["probability"]
        d["shock_scale"].append(np.where(happens, scale, 0.0))
    d["lever_effect"] = [lv["effect"].draw(rng, n) for lv in scn.levers]
    return d


def exogenous(scn, d, year, n):
    """Growth shocks (points), flow factors and rate shifts of one year, (n, leaves)."""
    nl = len(scn.leaves)
    gshock = np.zeros((n, nl))
    factor = {f: np.ones((n, nl)) for f in FLOWS}
    shift = np.zeros((n, nl))
    for s, scale in zip(scn.shocks, d["shock_scale"]):
        j = year - s["year"]
        if j < 0:
            continue
        cols, sc = s["leaves"], scale[:, None]
        if j < len(s["growth"]):
            gshock[:, cols] += sc * s["growth"][j]
        for ind, sizes in s["effects"]:
            if j < len(sizes):
                if KIND[ind] == "flow":
                    factor[ind][:, cols] *= np.maximum(1.0 + sc * sizes[j], 0.0)
                else:
                    shift[:, cols] += sc * sizes[j]
    for lv, eff in zip(scn.levers, d["lever_effect"]):
        start, ramp_years = lv["start_year"], lv["ramp_years"]
        if year < start:
            continue
        ramp = 1.0 if ramp_years == 0 else min(1.0, (year - start + 1) / ramp_years)
        e, cols = (eff * ramp)[:, None], lv["leaves"]
        if KIND[lv["indicator"]] == "flow":
            factor[lv["indicator"]][:, cols] *= 1.0 + e
        else:
            shift[:, cols] += e
    return gshock, factor, shift


def simulate(scn, d, rng, n):
    """Every leaf's values per indicator: arrays (years, n, leaves)."""
    ny, nl = len(scn.years), len(scn.leaves)
    used = {ind for rid in scn.leaves for ind in scn.indicators[rid]}
    out = {ind: np.full((ny, n, nl), np.nan) for ind in ALL_INDICATORS if ind in used}
    noise = np.zeros((n, nl))
    stock = np.broadcast_to(d["stock0"], (n, nl)).copy()
    rate = d["u0"].copy()
    for k, year in enumerate(scn.years):
        gshock, factor, shift = exogenous(scn, d, int(year), n)
        # Growth: AR(1) noise with innovations e = L z correlated across regions.
        e = rng.standard_normal((n, nl)) @ scn.chol.T
        noise = d["ar"][:, None] * noise + d["gsd"][:, None] * e
        gap = scn.g_path[k] + gshock + noise - d["ref"][:, None]
        for f, c in d["flows"].items():
            eta = rng.standard_normal((n, nl))
            sd = c["noise_sd"]
            log_rel = (c["trend"] * (year - c["mid"]) + c["elasticity"] * gap
                       + sd * eta - 0.5 * sd * sd)
            out[f][k] = c["level"] * np.exp(log_rel) * factor[f]
        if STOCK in out:
            stock = stock * (1.0 - d["exit"]) + out["rural_transfer_new"][k]
            out[STOCK][k] = stock
        if scn.has_rate:
            eta = rng.standard_normal((n, nl))
            rate = (rate + d["adj"][:, None] * (d["ustar"] - rate) - d["okun"][:, None] * gap
                    + shift + d["usd"][:, None] * eta)
            rate = np.clip(rate, scn.floor, scn.ceiling)
            out[RATE][k] = rate
            if REGISTERED in out:
                out[REGISTERED][k] = np.maximum(rate - d["rgap"], 0.0)
    return out


def series_values(scn, leaf_out):
    """Each output series as an array (years, n): a leaf's column, or an aggregate's sum
    (flows, stock) or rate_weight-weighted mean (rates) of its children."""
    values = {}
    for rid, ind in scn.series:
        kids = scn.children[rid]
        if not kids:
            values[(rid, ind)] = leaf_out[ind][:, :, scn.leaf_pos[rid]]
            continue
        cols = [scn.leaf_pos[c] for c in kids]
        block = leaf_out[ind][:, :, cols]
        if KIND[ind] == "rate":
            w = np.array([scn.rate_weight[c] for c in kids])
            values[(rid, ind)] = block @ (w / w.sum())
        else:
            values[(rid, ind)] = block.sum(axis=2)
    return values


# --------------------------------------------------------------------------------------
# Summaries and targets (src/stats/mod.rs)
# --------------------------------------------------------------------------------------


def summarize(scn, values):
    """Rows of quantiles.csv: per series and year the annual row, then for flows the
    cumulative (running sum from the first projection year) row."""
    rows, columns = [], []
    for rid, ind in scn.series:
        v = values[(rid, ind)]
        measures = [("annual", v)]
        if KIND[ind] == "flow":
            measures.append(("cumulative", np.cumsum(v, axis=0)))
        stats = {}
        for m, arr in measures:
            q = np.quantile(arr, PROBS, axis=1, method="linear")
            stats[m] = (arr.mean(axis=1), arr.std(axis=1, ddof=1), q, arr)
        for k, year in enumerate(scn.years):
            for m, _ in measures:
                mean, sd, q, arr = stats[m]
                rows.append([scn.name, rid, ind, m, int(year), mean[k], sd[k], *q[:, k]])
                columns.append((f"{rid}|{ind}|{m}|{int(year)}", arr[k]))
    return rows, columns


def target_outcomes(scn, t, v):
    """stats::target_outcome for every path: the outcome and whether the target is met."""
    a, b = t["first"] - scn.base_year - 1, t["last"] - scn.base_year - 1
    w = v[a:b + 1]
    kind, applies, value = t["kind"], t["applies"], t["value"]
    if kind == "cumulative_floor":
        x = w.sum(axis=0)
    elif applies == "average":
        x = w.mean(axis=0)
    elif applies == "each_year" and kind == "level_cap":
        x = w.max(axis=0)
    elif applies == "each_year" and kind == "level_floor":
        x = w.min(axis=0)
    elif applies == "each_year":  # level_about: the level farthest from the value
        x = np.take_along_axis(w, np.abs(w - value).argmax(axis=0)[None, :], axis=0)[0]
    else:
        x = v[b]
    if kind in ("cumulative_floor", "level_floor"):
        gap = value - x
    elif kind == "level_cap":
        gap = x - value
    else:
        gap = np.abs(x - value) - t["tolerance"]
    return x, gap <= 0.0


def evaluate_targets(scn, values, n):
    rows, columns = [], []
    for t in scn.targets:
        x, met = target_outcomes(scn, t, values[(t["region"], t["indicator"])])
        p = met.mean()
        q50, q05, q95 = np.quantile(x, [0.5, 0.05, 0.95], method="linear")
        rows.append([t["id"], p, np.sqrt(p * (1 - p) / n), q50, q05, q95, n])
        columns.append((f"target|{t['id']}", x))
    return rows, columns


def quantile_function(x, grid):
    """Type-7 quantiles of x at every probability of `grid` (one sort)."""
    s = np.sort(x)
    h = (len(s) - 1) * grid
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def f4(v):
    s = f"{v:.4f}"
    return "0.0000" if s == "-0.0000" else s


def write_outputs(out, rows, trows, columns, n, want_cdf):
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "region", "indicator", "measure", "year", "mean", "sd",
                    "p05", "p10", "p25", "p50", "p75", "p90", "p95"])
        for r in rows:
            w.writerow(r[:5] + [f4(x) for x in r[5:]])
    with open(out / "targets.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["target_id", "p_met", "p_met_se", "outcome_p50", "outcome_p05",
                    "outcome_p95", "paths"])
        for r in trows:
            w.writerow([r[0], repr(float(r[1]))] + [f4(x) for x in r[2:6]] + [r[6]])
    if want_cdf:
        keys = np.array([k for k, _ in columns])
        qf = np.stack([quantile_function(x, CDF_GRID) for _, x in columns])
        np.savez(out / "cdf.npz", keys=keys, grid=CDF_GRID, quantiles=qf, paths=n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--paths", type=int, help="Monte Carlo paths (default: the scenario's)")
    ap.add_argument("--seed", type=int, help="seed of numpy.random.default_rng (default: the scenario's)")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--cdf", action="store_true", help="also write cdf.npz for compare_peer.py")
    args = ap.parse_args()

    clock = [time.perf_counter()]

    def stage(name):
        now = time.perf_counter()
        print(f"  {name:<10} {now - clock[0]:8.3f} s", file=sys.stderr)
        clock[0] = now

    t0 = clock[0]
    scn = Scenario(args.scenario)
    n = args.paths or scn.paths
    seed = scn.seed if args.seed is None else args.seed
    rng = np.random.default_rng(seed)
    print(f"{scn.name}: {n} paths, seed {seed}, {len(scn.leaves)} simulated regions, "
          f"{len(scn.series)} series, {len(scn.years)} years", file=sys.stderr)
    stage("load")
    d = draw_parameters(scn, rng, n)
    stage("params")
    leaf_out = simulate(scn, d, rng, n)
    stage("simulate")
    values = series_values(scn, leaf_out)
    stage("aggregate")
    rows, columns = summarize(scn, values)
    stage("summarize")
    trows, tcolumns = evaluate_targets(scn, values, n)
    stage("targets")
    write_outputs(Path(args.out), rows, trows, columns + tcolumns, n, args.cdf)
    stage("write")
    print(f"  {'total':<10} {time.perf_counter() - t0:8.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
