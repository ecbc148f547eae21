//! The terminal summary of `empsim compare`, and the P(met) cells its charts' legends share.

use crate::analysis::compare::{CompareRow, ScenarioRun, target_index};
use crate::report::wording::requirement;
use std::fmt::Write as _;
use std::path::Path;

/// What the terminal summary of a comparison shows.
pub struct CompareView<'a> {
    pub runs: &'a [ScenarioRun],
    pub rows: &'a [CompareRow],
    pub years: &'a [i32],
    pub paths: usize,
    pub seed: u64,
    pub threads: usize,
    pub seconds: f64,
    pub out_dir: &'a Path,
}

/// A difference at 3 decimals with its sign, `minus` for negatives; one that rounds to
/// zero has no sign.
fn signed3(d: f64, minus: &str) -> String {
    let s = format!("{:.3}", d.abs());
    if s == "0.000" {
        s
    } else if d < 0.0 {
        format!("{minus}{s}")
    } else {
        format!("+{s}")
    }
}

/// `0.870 ± 0.010` for the baseline, `0.550 ± 0.011{sep}-0.320` for the others (the
/// difference from the baseline), ` *` if the scenario defines the target differently;
/// `None` if it lacks the target.
pub fn p_met_cell(row: &CompareRow, is_base: bool, sep: &str, minus: &str) -> Option<String> {
    let (p, se) = (row.p_met?, row.p_met_se?);
    let mut s = crate::report::wording::p_met_text(p, se, row.p_met_interval.unwrap_or((p, p)));
    if let (false, Some(d)) = (is_base, row.diff) {
        let _ = write!(s, "{sep}{}", signed3(d, minus));
    }
    if row.redefined {
        s.push_str(" *");
    }
    Some(s)
}

/// The terminal summary: a header line, then one line per target with each scenario's
/// P(met) ± se and, for the others, the difference from the first scenario; riskiest
/// first (the lowest P(met) in any scenario), ties in order of first appearance.
pub fn compare(c: &CompareView) -> String {
    let names: Vec<&str> = c.runs.iter().map(|r| r.scenario.name.as_str()).collect();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "compare {}: {} paths each, seed {}, years {}-{}, {} threads, {:.2} s -> {}",
        names.join(" vs "),
        c.paths,
        c.seed,
        c.years.first().copied().unwrap_or_default(),
        c.years.last().copied().unwrap_or_default(),
        c.threads,
        c.seconds,
        c.out_dir.display()
    );
    let _ = writeln!(
        o,
        "\nP(met) ± Monte Carlo se; diff = P(met) − P(met) in {} (same paths and seed in \
every scenario); riskiest first.\n",
        names[0]
    );
    let n = c.runs.len();
    let mut by_target: Vec<(&str, Vec<&CompareRow>)> = Vec::new();
    for r in c.rows {
        match by_target.iter_mut().find(|(id, _)| *id == r.target_id) {
            Some((_, v)) => v.push(r),
            None => by_target.push((&r.target_id, vec![r])),
        }
    }
    let worst = |rows: &[&CompareRow]| {
        rows.iter()
            .filter_map(|r| r.p_met)
            .fold(f64::INFINITY, f64::min)
    };
    let mut order: Vec<usize> = (0..by_target.len()).collect();
    order.sort_by(|&a, &b| {
        worst(&by_target[a].1)
            .total_cmp(&worst(&by_target[b].1))
            .then(a.cmp(&b))
    });
    let mut head = vec!["target".to_string(), "requirement".to_string()];
    head.extend(names.iter().map(|s| s.to_string()));
    let mut table = vec![head];
    for &k in &order {
        let (id, rows) = &by_target[k];
        let reference = c
            .runs
            .iter()
            .find_map(|r| {
                target_index(&r.scenario, id).map(|i| (&r.scenario, &r.scenario.targets[i]))
            })
            .map(|(_, t)| requirement(t))
            .unwrap_or_default();
        let mut line = vec![id.to_string(), reference];
        for (i, row) in rows.iter().enumerate().take(n) {
            line.push(p_met_cell(row, i == 0, "  ", "-").unwrap_or_else(|| "—".into()));
        }
        table.push(line);
    }
    o.push_str(&super::aligned(&table));
    if c.rows.iter().any(|r| r.redefined) {
        let _ = writeln!(
            o,
            "\n* the scenario defines this target differently from the first scenario that \
has it (see p_met.csv)"
        );
    }
    if c.rows.iter().any(|r| r.p_met.is_none()) {
        let _ = writeln!(o, "\n— the scenario has no such target");
    }
    o
}
