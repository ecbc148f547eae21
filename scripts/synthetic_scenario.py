#!/usr/bin/env python3
"""synthetic_scenario.py: writes a large synthetic empsim scenario for scale tests.

The structure follows scenarios/henan-baseline.toml: the same model defaults (growth,
unemployment, the three flows' trend/elasticity/noise), P provinces, each an aggregate of
C counties (empsim supports one level of nesting, so there is no national region above
the provinces). Every county is simulated: cumulative 2016-2020-style baselines of the
three flows (ending in the base year), an [unemployment] block and a rate_weight; each
province carries the sums of its counties' baselines (the validator checks them) and a few
targets. Growth innovations are correlated with `common = 0.5`. Values are random but
seeded (plausible county sizes, in 万人), and every number says it is synthetic.

Usage:
    python3 scripts/synthetic_scenario.py --provinces 30 --counties-per-province 95 \
        --end-year 2035 --paths 1000 --out /tmp/synthetic-2850.toml [--base-year 2020] [--seed 1]

Then: target/release/empsim check FILE; target/release/empsim run FILE --no-charts.
Stdlib only.
"""

import argparse
import random

SYN = 'assumption = "synthetic"'

HEADER = """\
# Synthetic empsim scenario for scale tests, written by scripts/synthetic_scenario.py
# ({provinces} provinces x {counties} counties = {leaves} simulated regions, seed {seed}).
# The numbers are random, not a plan's: every one is marked `assumption = "synthetic"`.
name = "{name}"
description = "Synthetic scale test: {provinces} provinces, each the sum of {counties} counties, {first}-{end}."

# The document the synthetic targets cite (a made-up one).
[sources.synthetic]
title = "synthetic targets (scale test, no document)"

[horizon]
base_year = {base}
end_year = {end}

[monte_carlo]
paths = {paths}
seed = {seed}

[growth]
reference = {{ value = 6.0, {syn} }}
ar = {{ dist = "uniform", low = 0.3, high = 0.7, {syn} }}
noise_sd = {{ dist = "uniform", low = 0.8, high = 1.5, {syn} }}

[growth.path]
values = {{ {path} }}
{syn}

[unemployment]
okun = {{ dist = "uniform", low = 0.05, high = 0.25, {syn} }}
adjustment = {{ dist = "uniform", low = 0.2, high = 0.5, {syn} }}
noise_sd = {{ dist = "uniform", low = 0.1, high = 0.25, {syn} }}
initial = {{ dist = "uniform", low = 4.8, high = 5.4, {syn} }}
natural_rate = {{ dist = "uniform", low = 4.6, high = 5.3, {syn} }}
floor = 2.0
ceiling = 12.0

[indicators.urban_new_jobs]
trend = {{ dist = "normal", mean = -0.02, sd = 0.02, {syn} }}
elasticity = {{ dist = "triangular", low = 0.02, mode = 0.06, high = 0.12, {syn} }}
noise_sd = {{ dist = "uniform", low = 0.03, high = 0.08, {syn} }}

[indicators.rural_transfer_new]
trend = {{ dist = "normal", mean = -0.04, sd = 0.03, {syn} }}
elasticity = {{ dist = "triangular", low = 0.03, mode = 0.10, high = 0.20, {syn} }}
noise_sd = {{ dist = "uniform", low = 0.04, high = 0.10, {syn} }}

[indicators.return_entrepreneurs]
trend = {{ dist = "normal", mean = 0.0, sd = 0.04, {syn} }}
elasticity = {{ dist = "triangular", low = -0.05, mode = 0.0, high = 0.05, {syn} }}
noise_sd = {{ dist = "uniform", low = 0.05, high = 0.12, {syn} }}

[correlation]
common = 0.5
{syn}
"""

FLOWS = ("urban_new_jobs", "rural_transfer_new", "return_entrepreneurs")


def baseline(rid, ind, value, first, last):
    return (f"[regions.{rid}.baselines.{ind}]\nvalue = {value:.2f}\nkind = \"cumulative\"\n"
            f"period = \"{first}-{last}\"\n{SYN}\n")


def target(rid, ind, kind, first, last, value, applies=None):
    lines = [f"[[regions.{rid}.targets]]", f'indicator = "{ind}"', f'kind = "{kind}"']
    if applies:
        lines.append(f'applies = "{applies}"')
    period = f"{first}" if first == last else f"{first}-{last}"
    lines += [f'period = "{period}"', f"value = {value:.2f}", 'nature = "expected"',
              'source = "synthetic"', 'quote = "synthetic"']
    return "\n".join(lines) + "\n"


def county_sizes(rng):
    """A county's 2016-2020 totals (万人): urban jobs, rural transfers, returnees."""
    urban = round(rng.lognormvariate(0.9, 0.5), 2)  # median about 2.5
    rural = round(urban * rng.uniform(0.4, 1.2), 2)
    ret = round(urban * rng.uniform(0.1, 0.3), 2)
    return [max(urban, 0.05), max(rural, 0.05), max(ret, 0.02)]


def province(p, counties, rng, years):
    """The TOML of one province (an aggregate) and its counties."""
    base, end = years
    first, last = base - 4, base
    pid = f"p{p:02d}"
    out, totals = [], [0.0, 0.0, 0.0]
    for c in range(1, counties + 1):
        cid = f"{pid}_c{c:03d}"
        sizes = county_sizes(rng)
        totals = [t + s for t, s in zip(totals, sizes)]
        out.append(f"\n[regions.{cid}]\nname_zh = \"合成县{p:02d}-{c:03d}\"\n"
                   f"name_en = \"Synthetic county {p:02d}-{c:03d}\"\nlevel = \"area\"\n"
                   f"parent = \"{pid}\"\nrate_weight = {{ value = {sizes[0]:.2f}, {SYN} }}\n")
        for ind, v in zip(FLOWS, sizes):
            out.append(baseline(cid, ind, v, first, last))
        out.append(f"[regions.{cid}.unemployment]\n")
    head = [f"\n[regions.{pid}]\nname_zh = \"合成省{p:02d}\"\nname_en = \"Synthetic province {p:02d}\"\n"
            f"level = \"province\"\n"]
    for ind, v in zip(FLOWS, totals):
        head.append(baseline(pid, ind, round(v, 2), first, last))
    plan_end = min(base + 5, end)
    head.append(target(pid, "urban_new_jobs", "cumulative_floor", base + 1, plan_end,
                       0.8 * totals[0] * (plan_end - base) / 5))
    head.append(target(pid, "surveyed_unemployment_rate", "level_cap", base + 1, end, 5.5,
                       applies="each_year"))
    late = max(base + 1, end - 4)
    head.append(target(pid, "rural_transfer_new", "cumulative_floor", late, end,
                       0.5 * totals[1] * (end - late + 1) / 5))
    return "".join(head + out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--provinces", type=int, required=True)
    ap.add_argument("--counties-per-province", type=int, required=True)
    ap.add_argument("--base-year", type=int, default=2020)
    ap.add_argument("--end-year", type=int, required=True)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="the scenario file to write")
    args = ap.parse_args()
    if args.end_year <= args.base_year:
        ap.error("--end-year must be after --base-year")
    if args.provinces < 1 or args.counties_per_province < 1:
        ap.error("--provinces and --counties-per-province must be at least 1")

    rng = random.Random(args.seed)
    base, end = args.base_year, args.end_year
    leaves = args.provinces * args.counties_per_province
    text = HEADER.format(
        provinces=args.provinces, counties=args.counties_per_province, leaves=leaves,
        seed=args.seed, name=f"synthetic-{leaves}", first=base + 1, end=end, base=base,
        paths=args.paths, syn=SYN,
        path=", ".join(f"{y} = {rng.uniform(4.5, 6.5):.2f}" for y in range(base + 1, end + 1)),
    )
    parts = [text]
    for p in range(1, args.provinces + 1):
        parts.append(province(p, args.counties_per_province, rng, (base, end)))
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("".join(parts))


if __name__ == "__main__":
    main()
