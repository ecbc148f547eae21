//! The charts of `empsim discover`: `prim-tradeoff.png` (coverage against density along the
//! peeling trajectory, the chosen box marked) and `prim-box.png` (the chosen box's limits
//! within each restricted input's range over all paths).

use crate::analysis::discover::Discovery;
use crate::chart::prim::{
    PrimBoxChart, PrimLimit, PrimStep, PrimTradeoffChart, render_prim_box, render_prim_tradeoff,
};
use crate::error::Result;
use std::path::Path;

/// The subject of both charts: `henan-baseline — paths that miss: 河南省 Henan, 城镇新增就业 ≥ …`.
fn subject(d: &Discovery) -> String {
    let t = &d.scenario.targets[d.settings.target];
    let r = &d.scenario.regions[t.region];
    format!(
        "{} {}, {} {}",
        r.name_zh,
        r.name_en,
        t.indicator.name_zh(),
        crate::report::wording::requirement(t)
    )
}

fn footer(d: &Discovery) -> String {
    let s = &d.settings;
    format!(
        "scenario {}  •  PRIM peeling (Friedman & Fisher 1999), peel α = {}, minimum mass {}  •  {} inputs  •  {} paths  •  seed {}  •  empsim {}",
        d.scenario.name,
        s.prim.peel_alpha,
        s.prim.mass_min,
        d.inputs.len(),
        s.paths,
        s.seed,
        env!("CARGO_PKG_VERSION")
    )
}

/// The trade-off chart's spec.
pub fn tradeoff(d: &Discovery) -> PrimTradeoffChart {
    let verb = d.cases_phrase();
    let base = d.prim.cases as f64 / d.prim.n as f64;
    PrimTradeoffChart {
        title: format!(
            "{} — where the paths that {verb} concentrate: {}",
            d.scenario.name,
            subject(d)
        ),
        subtitle: format!(
            "Each point is a box of parameter ranges, peeled step by step from all paths; {} of {} paths {verb} the target",
            d.prim.cases, d.prim.n
        ),
        x_label: format!("Coverage: share of the paths that {verb} the target inside the box"),
        y_label: format!("Density: share of the box's paths that {verb} the target"),
        steps: d
            .prim
            .steps
            .iter()
            .map(|b| PrimStep {
                coverage: b.coverage,
                density: b.density,
                mass: b.mass,
                restricted: b.restricted().len(),
            })
            .collect(),
        chosen: d.chosen,
        base_density: base,
        notes: vec![format!(
            "Chosen: the densest box that holds at least {:.0} % of the paths that {verb} (--min-coverage). Boxes further left are denser but explain fewer of them; the dashed line is the share over all paths.",
            100.0 * d.settings.min_coverage
        )],
        footer: footer(d),
        ..PrimTradeoffChart::default()
    }
}

/// The box chart's spec.
pub fn box_chart(d: &Discovery) -> PrimBoxChart {
    let verb = d.cases_phrase();
    let limits = match d.chosen {
        Some(k) => {
            let b = &d.prim.steps[k];
            // The most significant first: rows that do not fit are left out from the end.
            let mut order = b.restricted();
            order.sort_by(|&i, &j| {
                let q = |k: usize| d.qp[k].unwrap_or(f64::INFINITY);
                q(i).total_cmp(&q(j)).then(i.cmp(&j))
            });
            order
                .into_iter()
                .map(|j| {
                    let full = d.prim.ranges[j];
                    let (lo, hi) = b.limits[j];
                    PrimLimit {
                        name: d.inputs[j].name.clone(),
                        full,
                        limits: (
                            if lo.is_finite() { lo } else { full.0 },
                            if hi.is_finite() { hi } else { full.1 },
                        ),
                        qp: d.qp[j],
                    }
                })
                .collect()
        }
        None => Vec::new(),
    };
    let subtitle = match d.chosen {
        Some(k) => {
            let b = &d.prim.steps[k];
            format!(
                "Box of step {k}: {:.1} % of the paths, of which {:.1} % {verb} the target (against {:.1} % over all paths); it holds {:.1} % of the paths that {verb}",
                100.0 * b.mass,
                100.0 * b.density,
                100.0 * d.prim.cases as f64 / d.prim.n as f64,
                100.0 * b.coverage
            )
        }
        None => format!("No path {verb}s the target: no box"),
    };
    PrimBoxChart {
        title: format!("{} — the box of the paths that {verb}: {}", d.scenario.name, subject(d)),
        subtitle,
        x_label: "Position within the parameter's range over all paths (0 = lowest draw, 1 = highest)".into(),
        limits,
        notes: vec![
            "qp: quasi-p-value of the restriction (binomial test of the box's density against the box without it); small = the restriction matters.".into(),
        ],
        footer: footer(d),
        ..PrimBoxChart::default()
    }
}

/// Writes both charts into `dir`.
pub fn write_charts(dir: &Path, d: &Discovery) -> Result<()> {
    render_prim_tradeoff(&tradeoff(d), &dir.join("prim-tradeoff.png"))
        .map_err(super::chart_error)?;
    render_prim_box(&box_chart(d), &dir.join("prim-box.png")).map_err(super::chart_error)?;
    Ok(())
}
