//! The tables of `empsim discover`: `draws.csv` (every path's draws, outcome and whether it
//! is a case), `trajectory.csv` (the peeling trajectory, one row per box) and `box.csv`
//! (the chosen box's limits, one row per input).

use super::{finish, fmt4, writer};
use crate::analysis::discover::Discovery;
use crate::error::Result;
use crate::outdir::io_err;
use std::path::Path;

/// Writes `draws.csv`: `path`, one column per input (its value on the path, shortest
/// round-trip form), then `outcome`, `gap` and `case` (1 or 0). Path p is path p of
/// `empsim run --keep-paths` with the same --paths and --seed.
pub fn write_draws(path: &Path, d: &Discovery) -> Result<()> {
    let mut w = writer(path)?;
    let mut header = vec!["path".to_string()];
    header.extend(d.inputs.iter().map(|i| i.name.clone()));
    header.extend(["outcome".into(), "gap".into(), "case".into()]);
    w.write_record(&header).map_err(|e| io_err(path, e))?;
    for p in 0..d.cases.len() {
        let mut row = vec![p.to_string()];
        row.extend(d.inputs.iter().map(|i| i.values[p].to_string()));
        row.push(d.outcomes[p].to_string());
        row.push(d.gaps[p].to_string());
        row.push(u8::from(d.cases[p]).to_string());
        w.write_record(&row).map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}

/// Writes `trajectory.csv`: per step, the box's points, cases, coverage, density, mass,
/// whether it is the chosen box, and its restrictions (`name in [low, high]`, `;`-separated).
pub fn write_trajectory(path: &Path, d: &Discovery) -> Result<()> {
    let mut w = writer(path)?;
    w.write_record([
        "step",
        "paths",
        "cases",
        "coverage",
        "density",
        "mass",
        "restricted",
        "chosen",
        "restrictions",
    ])
    .map_err(|e| io_err(path, e))?;
    for (k, b) in d.prim.steps.iter().enumerate() {
        let restricted = b.restricted();
        let restrictions: Vec<String> = restricted
            .iter()
            .map(|&j| format!("{} in {}", d.inputs[j].name, interval(b.limits[j])))
            .collect();
        w.write_record([
            k.to_string(),
            b.n.to_string(),
            b.cases.to_string(),
            fmt4(b.coverage),
            fmt4(b.density),
            fmt4(b.mass),
            restricted.len().to_string(),
            u8::from(d.chosen == Some(k)).to_string(),
            restrictions.join("; "),
        ])
        .map_err(|e| io_err(path, e))?;
    }
    finish(path, w)
}

/// Writes `box.csv`: the chosen box's restricted inputs, with their range over all paths,
/// the box's limits (empty on a side it leaves open) and the quasi-p-value.
pub fn write_box(path: &Path, d: &Discovery) -> Result<()> {
    let mut w = writer(path)?;
    w.write_record(["input", "all_low", "all_high", "box_low", "box_high", "qp"])
        .map_err(|e| io_err(path, e))?;
    if let Some(k) = d.chosen {
        let b = &d.prim.steps[k];
        for j in b.restricted() {
            let (lo, hi) = b.limits[j];
            let (alo, ahi) = d.prim.ranges[j];
            let side = |x: f64| {
                if x.is_finite() {
                    x.to_string()
                } else {
                    String::new()
                }
            };
            w.write_record([
                d.inputs[j].name.clone(),
                alo.to_string(),
                ahi.to_string(),
                side(lo),
                side(hi),
                d.qp[j].map_or(String::new(), |q| format!("{q:.3e}")),
            ])
            .map_err(|e| io_err(path, e))?;
        }
    }
    finish(path, w)
}

/// `[0.0412, +∞)`, `(−∞, 5.3]` or `[1, 2]`, four significant digits.
pub fn interval((lo, hi): (f64, f64)) -> String {
    let side = sig4;
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) => format!("[{}, {}]", side(lo), side(hi)),
        (true, false) => format!(">= {}", side(lo)),
        (false, true) => format!("<= {}", side(hi)),
        (false, false) => "any".into(),
    }
}

/// `x` to four significant digits, without trailing zeros: 0.04123, 5.3, 1235.
pub fn sig4(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_intervals() {
        assert_eq!(sig4(0.041234), "0.04123");
        assert_eq!(sig4(5.3), "5.3");
        assert_eq!(sig4(1234.6), "1235");
        assert_eq!(sig4(-2.0), "-2");
        assert_eq!(interval((0.5, f64::INFINITY)), ">= 0.5");
        assert_eq!(interval((f64::NEG_INFINITY, 7.25)), "<= 7.25");
        assert_eq!(interval((1.0, 2.0)), "[1, 2]");
    }
}
