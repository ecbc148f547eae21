//! The terminal summary: the targets with P(met), riskiest first.

use crate::scenario::{Scenario, TargetKind};
use crate::stats::TargetResult;
use std::fmt::Write;

/// Formats the targets table, sorted by P(met) ascending (ties in scenario order).
pub fn targets_table(scn: &Scenario, results: &[TargetResult]) -> String {
    if results.is_empty() {
        return "The scenario has no targets; see quantiles.csv for the projections.\n".into();
    }
    let mut order: Vec<&TargetResult> = results.iter().collect();
    order.sort_by(|a, b| a.p_met.total_cmp(&b.p_met).then(a.target.cmp(&b.target)));
    let rows: Vec<[String; 4]> = order
        .iter()
        .map(|r| {
            let t = &scn.targets[r.target];
            let what = match t.kind {
                TargetKind::CumulativeFloor => format!(
                    "{} total {} {} ({})",
                    t.indicator,
                    t.kind.symbol(),
                    t.value,
                    t.period_label()
                ),
                _ => {
                    let when = match t.applies {
                        Some(crate::scenario::Applies::EachYear) => "every year",
                        _ => "end year",
                    };
                    let tol = t.tolerance.map(|x| format!(" ±{x}")).unwrap_or_default();
                    format!(
                        "{} {} {}{tol} ({}, {when})",
                        t.indicator,
                        t.kind.symbol(),
                        t.value,
                        t.period_label()
                    )
                }
            };
            [
                format!("{:.3} ±{:.3}", r.p_met, r.p_met_se),
                scn.regions[t.region].id.clone(),
                what,
                format!(
                    "{:.2} [{:.2}, {:.2}]",
                    r.outcome_p50, r.outcome_p05, r.outcome_p95
                ),
            ]
        })
        .collect();
    let head = ["P(met)", "region", "target", "outcome median [5%, 95%]"];
    let mut widths = head.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 4]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
    };
    line(&mut out, head);
    for r in &rows {
        line(&mut out, [&r[0], &r[1], &r[2], &r[3]]);
    }
    out
}
