//! One-at-a-time (OAT) sensitivity: swing each factor between its low and high value while the
//! others stay at their nominal values.
//!
//! The classic local "tornado" analysis (see e.g. Saltelli et al. 2008, *Global Sensitivity
//! Analysis: The Primer*, §1.2, for its uses and limits: it explores only the neighbourhood of
//! the nominal point and cannot reveal interactions). With `d` factors it costs `1 + 2d` model
//! runs: the nominal point, then for each factor `i` the nominal point with `x_i` set to
//! [`Factor::oat_low_value`] and to [`Factor::oat_high_value`] (by default the 5% and 95%
//! quantiles).
//!
//! For every factor and output index `k` the result reports `y_low`, `y_high` and the
//! **swing** `|y_high - y_low|`; [`OatResult::ranked_by_swing`] orders factors for a tornado
//! chart.

use serde::Serialize;

use super::factor::{Factor, validate_factors};
use super::stats::check_outputs;
use super::{Progress, Result, SensitivityError, evaluate_with_progress};

/// An OAT design: `1 + 2d` parameter vectors.
///
/// Row 0 is the nominal point; rows `1 + 2i` and `2 + 2i` are the nominal point with factor
/// `i` at its low and at its high value.
#[derive(Debug, Clone, Serialize)]
pub struct OatDesign {
    /// Factor names, in order.
    pub factors: Vec<String>,
    /// Nominal value of each factor.
    pub nominal: Vec<f64>,
    /// OAT low value of each factor.
    pub low: Vec<f64>,
    /// OAT high value of each factor.
    pub high: Vec<f64>,
    /// The design rows (parameter vectors) to evaluate.
    pub points: Vec<Vec<f64>>,
}

/// OAT result for one `(factor, output index)` pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OatRow {
    /// Factor name.
    pub factor: String,
    /// Factor position (0-based).
    pub factor_index: usize,
    /// Output index `k` (0-based).
    pub output_index: usize,
    /// Factor value in the low run.
    pub low_value: f64,
    /// Factor value in the high run.
    pub high_value: f64,
    /// Output `k` with this factor at its low value (others nominal).
    pub y_low: f64,
    /// Output `k` with this factor at its high value (others nominal).
    pub y_high: f64,
    /// `|y_high - y_low|`.
    pub swing: f64,
}

/// The result of an OAT analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OatResult {
    /// Factor names, in order.
    pub factors: Vec<String>,
    /// Number of outputs `K`.
    pub n_outputs: usize,
    /// Number of model evaluations (`1 + 2d`).
    pub n_evaluations: usize,
    /// Nominal value of each factor.
    pub nominal_values: Vec<f64>,
    /// Model outputs at the nominal point (length `K`).
    pub nominal_outputs: Vec<f64>,
    /// One row per `(factor, output index)`, output-major: row `k * d + i`.
    pub rows: Vec<OatRow>,
}

super::output_major_accessors!(OatResult, OatRow);

impl OatResult {
    /// The rows of output `output_index` sorted by decreasing swing (ties keep factor order):
    /// the bar order of a tornado chart. Empty if `output_index` is out of range.
    pub fn ranked_by_swing(&self, output_index: usize) -> Vec<&OatRow> {
        let mut rows: Vec<&OatRow> = self.rows_for_output(output_index).iter().collect();
        rows.sort_by(|a, b| b.swing.total_cmp(&a.swing));
        rows
    }

    /// Sort all rows in place by output index, then by decreasing swing. (After this,
    /// [`row`](Self::row) and [`rows_for_output`](Self::rows_for_output) no longer index by
    /// factor position; use the `factor_index` field.)
    pub fn sort_by_swing(&mut self) {
        self.rows.sort_by(|a, b| {
            a.output_index
                .cmp(&b.output_index)
                .then(b.swing.total_cmp(&a.swing))
        });
    }
}

/// Build the `1 + 2d` OAT design.
///
/// # Errors
/// Invalid factors (see [`validate_factors`]).
pub fn sample_oat(factors: &[Factor]) -> Result<OatDesign> {
    validate_factors(factors)?;
    let nominal: Vec<f64> = factors.iter().map(Factor::nominal_value).collect();
    let low: Vec<f64> = factors.iter().map(Factor::oat_low_value).collect();
    let high: Vec<f64> = factors.iter().map(Factor::oat_high_value).collect();
    let mut points = Vec::with_capacity(1 + 2 * factors.len());
    points.push(nominal.clone());
    for i in 0..factors.len() {
        for v in [low[i], high[i]] {
            let mut p = nominal.clone();
            p[i] = v;
            points.push(p);
        }
    }
    Ok(OatDesign {
        factors: factors.iter().map(|f| f.name.clone()).collect(),
        nominal,
        low,
        high,
        points,
    })
}

/// Compute swings from the outputs of the design rows (`outputs[r] = model(design.points[r])`).
///
/// # Errors
/// An inconsistent design, or outputs of the wrong count, ragged, empty or non-finite.
pub fn estimate_oat(design: &OatDesign, outputs: &[Vec<f64>]) -> Result<OatResult> {
    let d = design.factors.len();
    if d == 0
        || design.nominal.len() != d
        || design.low.len() != d
        || design.high.len() != d
        || design.points.len() != 1 + 2 * d
    {
        return Err(SensitivityError::InvalidDesign(format!(
            "an OAT design for {d} factors needs {} rows and {d} nominal/low/high values",
            1 + 2 * d
        )));
    }
    let k_out = check_outputs(outputs, design.points.len())?;
    let rows: Vec<OatRow> = (0..k_out)
        .flat_map(|k| {
            (0..d).map(move |i| {
                let (y_low, y_high) = (outputs[1 + 2 * i][k], outputs[2 + 2 * i][k]);
                OatRow {
                    factor: design.factors[i].clone(),
                    factor_index: i,
                    output_index: k,
                    low_value: design.low[i],
                    high_value: design.high[i],
                    y_low,
                    y_high,
                    swing: (y_high - y_low).abs(),
                }
            })
        })
        .collect();
    Ok(OatResult {
        factors: design.factors.clone(),
        n_outputs: k_out,
        n_evaluations: design.points.len(),
        nominal_values: design.nominal.clone(),
        nominal_outputs: outputs[0].clone(),
        rows,
    })
}

/// One-call OAT analysis: [`sample_oat`], [`evaluate`](super::evaluate), [`estimate_oat`].
///
/// # Errors
/// See [`sample_oat`] and [`estimate_oat`].
pub fn analyze<F>(factors: &[Factor], model: F) -> Result<OatResult>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    analyze_with_progress(factors, model, None)
}

/// [`analyze`] with an optional progress callback (see [`Progress`]).
///
/// # Errors
/// See [`sample_oat`] and [`estimate_oat`].
pub fn analyze_with_progress<F>(
    factors: &[Factor],
    model: F,
    progress: Option<Progress<'_>>,
) -> Result<OatResult>
where
    F: Fn(&[f64]) -> Vec<f64> + Sync,
{
    let design = sample_oat(factors)?;
    let outputs = evaluate_with_progress(&design.points, model, progress);
    estimate_oat(&design, &outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn linear_model_swings() {
        let factors = vec![
            Factor::uniform("a", 0.0, 10.0),
            Factor::normal("b", 5.0, 1.0).with_oat_range(3.0, 8.0),
            Factor::triangular("c", 0.0, 1.0, 2.0),
        ];
        // Two outputs: y0 = a + 2b - c, y1 = 10 c.
        let model = |x: &[f64]| vec![x[0] + 2.0 * x[1] - x[2], 10.0 * x[2]];
        let res = analyze(&factors, model).unwrap();
        assert_eq!(res.n_evaluations, 7);
        assert_eq!(res.n_outputs, 2);
        assert_eq!(res.nominal_values, vec![5.0, 5.0, 1.0]);
        assert_eq!(res.nominal_outputs, vec![14.0, 10.0]);
        let a = res.row(0, 0).unwrap();
        assert_relative_eq!(a.low_value, 0.5, epsilon = 1e-12);
        assert_relative_eq!(a.swing, 9.0, epsilon = 1e-12);
        assert_eq!(res.row(1, 0).unwrap().swing, 10.0);
        // Triangular(0,1,2) 5%/95% quantiles: sqrt(0.1), 2 - sqrt(0.1).
        let c = res.row(2, 0).unwrap();
        assert_relative_eq!(c.low_value, 0.1f64.sqrt(), epsilon = 1e-12);
        assert_relative_eq!(
            c.y_high - c.y_low,
            -(2.0 - 2.0 * 0.1f64.sqrt()),
            epsilon = 1e-12
        );
        let ranked: Vec<&str> = res
            .ranked_by_swing(0)
            .iter()
            .map(|r| r.factor.as_str())
            .collect();
        assert_eq!(ranked, ["b", "a", "c"]);
        // Output 1 depends on c only.
        let ranked1: Vec<&str> = res
            .ranked_by_swing(1)
            .iter()
            .map(|r| r.factor.as_str())
            .collect();
        assert_eq!(ranked1, ["c", "a", "b"]);
        assert_eq!(res.row(0, 1).unwrap().swing, 0.0);
        assert!(res.ranked_by_swing(2).is_empty());
        assert!(res.row(3, 0).is_none());

        let mut sorted = res.clone();
        sorted.sort_by_swing();
        assert_eq!(sorted.rows[0].factor, "b");
        assert_eq!(sorted.rows[3].factor, "c");
    }

    #[test]
    fn errors() {
        assert_eq!(
            sample_oat(&[]).unwrap_err().to_string(),
            "no factors given: at least one factor is required"
        );
        let d = sample_oat(&[Factor::uniform("a", 0.0, 1.0)]).unwrap();
        assert_eq!(
            estimate_oat(&d, &[vec![1.0]]).unwrap_err().to_string(),
            "expected 3 model outputs (one per design row), got 1"
        );
        let mut bad = d.clone();
        bad.points.pop();
        assert!(matches!(
            estimate_oat(&bad, &[vec![1.0], vec![1.0]]),
            Err(SensitivityError::InvalidDesign(_))
        ));
    }
}
