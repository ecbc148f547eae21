//! What `empsim check` prints of a validated scenario: regions,
//! baselines and targets with their plan quotes, and every parameter marked as a plan
//! figure or an assumption.

use crate::indicator::Indicator;
use crate::scenario::{Anchor, Provenance, Region, Scenario};
use std::fmt::Write;

/// A number's provenance, its sources named by their `[sources]` titles.
fn prov_line(scn: &Scenario, p: &Provenance) -> String {
    match p {
        Provenance::Plan { source, quote } => {
            format!("[plan] {}: “{quote}”", scn.source_titles(source))
        }
        Provenance::Assumption {
            rationale,
            source,
            quote,
        } => {
            let from = match (source, quote) {
                (Some(s), Some(q)) => format!(" (from {}: “{q}”)", scn.source_titles(s)),
                (Some(s), None) => format!(" (from {})", scn.source_titles(s)),
                _ => String::new(),
            };
            format!("[assumption] {rationale}{from}")
        }
    }
}

/// A readable description of the validated scenario.
pub fn describe(scn: &Scenario) -> String {
    let mut o = String::new();
    overview(&mut o, scn);
    let _ = writeln!(o, "\nregions");
    for (ri, r) in scn.regions.iter().enumerate() {
        region(&mut o, scn, ri, r);
    }
    growth(&mut o, scn);
    shocks(&mut o, scn);
    levers(&mut o, scn);
    parameters(&mut o, scn);
    o
}

/// The scenario's name, files, horizon and counts.
fn overview(o: &mut String, scn: &Scenario) {
    let _ = writeln!(o, "scenario {}", scn.name);
    if !scn.description.is_empty() {
        let _ = writeln!(o, "  {}", scn.description);
    }
    for f in &scn.files {
        let _ = writeln!(
            o,
            "  file {} (sha256 {})",
            f.path.display(),
            &f.sha256[..12]
        );
    }
    let _ = writeln!(
        o,
        "  horizon: base year {}, projection {}-{}; Monte Carlo: {} paths, seed {}",
        scn.base_year,
        scn.base_year + 1,
        scn.end_year,
        scn.paths,
        scn.seed
    );
    let n_plan = scn
        .params
        .iter()
        .filter(|p| matches!(p.provenance, Provenance::Plan { .. }))
        .count();
    let _ = writeln!(
        o,
        "  {} ({} simulated), {}, {} ({} from plans, {}), {}, {}",
        count(scn.regions.len(), "region"),
        scn.leaves.len(),
        count(scn.targets.len(), "target"),
        count(scn.params.len(), "parameter"),
        n_plan,
        count(scn.params.len() - n_plan, "assumption"),
        count(scn.shocks.len(), "shock"),
        count(scn.levers.len(), "lever")
    );
}

/// `n` and the noun, plural unless `n` is 1: "1 region", "2 regions".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// One region: its role, indicators, weight, baselines, anchors and targets.
fn region(o: &mut String, scn: &Scenario, ri: usize, r: &Region) {
    let role = if r.children.is_empty() {
        "simulated".to_string()
    } else {
        let kids: Vec<&str> = r
            .children
            .iter()
            .map(|&c| scn.regions[c].id.as_str())
            .collect();
        format!("aggregate of {}", kids.join(" + "))
    };
    let parent = r
        .parent
        .map(|p| format!(", in {}", scn.regions[p].id))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "  {} {} ({}): {}{parent}, {role}",
        r.id,
        r.name_zh,
        r.name_en,
        format!("{:?}", r.level).to_lowercase()
    );
    let inds: Vec<&str> = r.indicators.iter().map(|i| i.key()).collect();
    let _ = writeln!(o, "    projects: {}", inds.join(", "));
    if let Some(w) = r.rate_weight {
        let _ = writeln!(
            o,
            "    rate weight {w}: {}",
            r.rate_weight_provenance
                .as_ref()
                .map(|p| prov_line(scn, p))
                .unwrap_or_default()
        );
    }
    for b in &r.baselines {
        let when = if b.first_year == b.last_year {
            b.first_year.to_string()
        } else {
            format!("{}-{}", b.first_year, b.last_year)
        };
        let _ = writeln!(
            o,
            "    baseline {} = {} ({}, {when}) {}",
            b.indicator,
            b.value,
            format!("{:?}", b.kind).to_lowercase(),
            prov_line(scn, &b.provenance)
        );
    }
    if let Some(l) = &r.leaf {
        for (fi, f) in l.flows.iter().enumerate() {
            if let Some(Anchor::Cumulative { first, last, .. }) = f.as_ref().map(|f| f.anchor) {
                let _ = writeln!(
                    o,
                    "    level of {} anchored on the {first}-{last} total at its middle year {}",
                    Indicator::FLOWS[fi],
                    f64::from(first + last) / 2.0
                );
            }
        }
    }
    for t in scn.targets.iter().filter(|t| t.region == ri) {
        let tol = t.tolerance.map(|x| format!(" ±{x}")).unwrap_or_default();
        let from = match (t.quote.is_empty(), &t.assumption) {
            (false, _) => format!("{}: “{}”", scn.source_titles(&t.source), t.quote),
            (true, _) if !t.source.is_empty() => scn.source_titles(&t.source),
            _ => String::new(),
        };
        let from = if from.is_empty() {
            from
        } else {
            format!(" {from}")
        };
        let _ = writeln!(
            o,
            "    target {}: {} {}{tol} over {} [{}]{from}",
            t.indicator,
            t.kind_label(),
            t.value,
            t.period_label(),
            t.nature.key(),
        );
        if let Some(a) = &t.assumption {
            let _ = writeln!(o, "      assumption: {a}");
        }
    }
}

/// The growth path and the correlation of its noise.
fn growth(o: &mut String, scn: &Scenario) {
    let _ = writeln!(o, "\ngrowth path (%)");
    let path: Vec<String> = scn
        .years()
        .iter()
        .zip(&scn.growth.path)
        .map(|(y, v)| format!("{y}: {v}"))
        .collect();
    let _ = writeln!(
        o,
        "  {}  {}",
        path.join(", "),
        prov_line(scn, &scn.growth.path_provenance)
    );
    let _ = writeln!(
        o,
        "  correlation of growth noise: {}",
        prov_line(scn, &scn.correlation.provenance)
    );
}

/// The shocks and their effects.
fn shocks(o: &mut String, scn: &Scenario) {
    if !scn.shocks.is_empty() {
        let _ = writeln!(o, "\nshocks");
        for s in &scn.shocks {
            let _ = writeln!(
                o,
                "  {}: from {}, probability {}, growth {:?} points; {}",
                s.name,
                s.year,
                s.probability,
                s.growth,
                prov_line(scn, &s.provenance)
            );
            for (ind, size) in &s.effects {
                let _ = writeln!(o, "    effect on {ind}: {size:?}");
            }
        }
    }
}

/// The policy levers.
fn levers(o: &mut String, scn: &Scenario) {
    if !scn.levers.is_empty() {
        let _ = writeln!(o, "\nlevers");
        for l in &scn.levers {
            let _ = writeln!(
                o,
                "  {}: {} from {}, ramp {} years, effect {} ({})",
                l.name,
                l.indicator,
                l.start_year,
                l.ramp_years,
                scn.params[l.effect].dist.describe(),
                l.description
            );
        }
    }
}

/// Every parameter with its distribution and provenance.
fn parameters(o: &mut String, scn: &Scenario) {
    let _ = writeln!(o, "\nparameters");
    for p in &scn.params {
        let _ = writeln!(
            o,
            "  {} = {}  {}",
            p.name,
            p.dist.describe(),
            prov_line(scn, &p.provenance)
        );
    }
}
