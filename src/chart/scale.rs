//! Axis ranges and tick positions: padded value ranges, "nice" tick steps, integer years.

use super::YRange;

/// Fraction of the value span added above and below the data.
const PAD: f64 = 0.07;

/// A value axis: its range, tick positions and the decimals the tick labels need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueAxis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    pub decimals: usize,
}

impl ValueAxis {
    pub fn label(&self, v: f64) -> String {
        // `+ 0.0` turns -0.0 into 0.0 so no "-0" label appears.
        let v = if v.abs() < 1e-12 { 0.0 } else { v + 0.0 };
        format!("{v:.*}", self.decimals)
    }
}

/// The value axis for `values` (non-finite ones ignored) under `policy`, with roughly
/// `max_ticks` ticks at most. `None` when there is no finite value and no fixed range.
pub(crate) fn value_axis(
    values: impl IntoIterator<Item = f64>,
    policy: YRange,
    max_ticks: usize,
) -> Option<ValueAxis> {
    let (lo, hi) = match policy {
        YRange::Fixed { min, max } if min.is_finite() && max.is_finite() && min < max => (min, max),
        _ => {
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            for v in values.into_iter().filter(|v| v.is_finite()) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if lo > hi {
                return None;
            }
            padded_range(lo, hi, policy == YRange::IncludeZero)
        }
    };
    let step = nice_step((hi - lo) / max_ticks.max(2) as f64);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    let ticks = (first..=last).take(100).map(|k| k as f64 * step).collect();
    Some(ValueAxis {
        lo,
        hi,
        ticks,
        decimals: decimals_for(step),
    })
}

fn padded_range(lo: f64, hi: f64, force_zero: bool) -> (f64, f64) {
    let from_zero = lo >= 0.0 && (force_zero || lo <= 0.35 * hi);
    let to_zero = hi <= 0.0 && (force_zero || hi >= 0.35 * lo);
    let (mut lo, mut hi) = (lo, hi);
    if from_zero {
        lo = 0.0;
    }
    if to_zero {
        hi = 0.0;
    }
    if force_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let span = hi - lo;
    if span <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
        // All values equal: pad by 10 % of the value (or 1 around zero).
        let pad = if hi.abs() > 0.0 { 0.1 * hi.abs() } else { 1.0 };
        return match (from_zero, to_zero) {
            (true, _) => (0.0, hi + pad),
            (_, true) => (lo - pad, 0.0),
            _ => (lo - pad, hi + pad),
        };
    }
    let pad = PAD * span;
    (
        if from_zero { lo } else { lo - pad },
        if to_zero { hi } else { hi + pad },
    )
}

/// The smallest step of the form {1, 2, 2.5, 5} × 10^k not below `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= raw * (1.0 - 1e-9) {
            return m * mag;
        }
    }
    10.0 * mag
}

/// Decimals needed to print multiples of `step` exactly.
fn decimals_for(step: f64) -> usize {
    (0..=6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6)
}

/// The time axis: from half a year before the first to half a year after the last year,
/// integer ticks every `step` years chosen so that at most `max_ticks` labels appear.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YearAxis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

pub(crate) fn year_axis(years: impl IntoIterator<Item = f64>, max_ticks: usize) -> YearAxis {
    let mut first = f64::INFINITY;
    let mut last = f64::NEG_INFINITY;
    for y in years.into_iter().filter(|y| y.is_finite()) {
        first = first.min(y);
        last = last.max(y);
    }
    if first > last {
        return YearAxis {
            lo: 0.0,
            hi: 1.0,
            ticks: Vec::new(),
        };
    }
    let (mut lo, mut hi) = (first.floor() - 0.5, last.ceil() + 0.5);
    // Show at least three years' width so a lone year's bar does not fill the plot.
    if hi - lo < 3.0 {
        let extra = (3.0 - (hi - lo)) / 2.0;
        lo -= extra;
        hi += extra;
    }
    let span = (hi - lo).round() as i64;
    let max_ticks = max_ticks.max(2) as i64;
    let step = [1i64, 2, 5, 10, 20, 50, 100, 1000]
        .into_iter()
        .find(|s| span / s <= max_ticks)
        .unwrap_or(1000);
    let start = (first.floor() as i64).div_euclid(step) * step;
    let ticks = (0..)
        .map(|k| start + k * step)
        .take_while(|&y| (y as f64) <= last.ceil())
        .filter(|&y| (y as f64) >= first.floor())
        .map(|y| y as f64)
        .collect();
    YearAxis { lo, hi, ticks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(2.1), 2.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(0.013), 0.02);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn flows_start_at_zero_rates_do_not() {
        let flow = value_axis([3.0, 10.0], YRange::Auto, 6).unwrap();
        assert_eq!(flow.lo, 0.0);
        assert!(flow.hi > 10.0);
        let rate = value_axis([4.5, 5.5], YRange::Auto, 6).unwrap();
        assert!(rate.lo > 4.0 && rate.lo < 4.5, "{rate:?}");
        assert!(rate.hi > 5.5 && rate.hi < 6.0, "{rate:?}");
        let forced = value_axis([4.5, 5.5], YRange::IncludeZero, 6).unwrap();
        assert_eq!(forced.lo, 0.0);
    }

    #[test]
    fn degenerate_ranges_are_padded() {
        let same = value_axis([5.0, 5.0, f64::NAN], YRange::Auto, 6).unwrap();
        assert!(same.lo < 5.0 && same.hi > 5.0);
        let zero = value_axis([0.0], YRange::Auto, 6).unwrap();
        assert_eq!((zero.lo, zero.hi), (0.0, 1.0));
        let neg = value_axis([-3.0], YRange::Auto, 6).unwrap();
        assert!(neg.lo < -3.0 && neg.hi > -3.0);
        assert!(value_axis([f64::NAN, f64::INFINITY], YRange::Auto, 6).is_none());
        assert!(value_axis([], YRange::Auto, 6).is_none());
        let fixed = value_axis([], YRange::Fixed { min: 0.0, max: 8.0 }, 5).unwrap();
        assert_eq!((fixed.lo, fixed.hi), (0.0, 8.0));
        assert_eq!(fixed.ticks, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn tick_labels_have_the_needed_decimals() {
        let a = value_axis([4.6, 5.4], YRange::Auto, 6).unwrap();
        assert_eq!(a.label(5.0), "5.0");
        let b = value_axis([0.0, 600.0], YRange::Auto, 6).unwrap();
        assert_eq!(b.label(200.0), "200");
        assert_eq!(b.label(-0.0), "0");
    }

    #[test]
    fn year_ticks_are_integers() {
        let y = year_axis([2016.0, 2025.0], 12);
        assert_eq!((y.lo, y.hi), (2015.5, 2025.5));
        assert_eq!(y.ticks.len(), 10);
        assert!(y.ticks.iter().all(|t| t.fract() == 0.0));
        let sparse = year_axis([2016.0, 2025.0], 5);
        assert_eq!(sparse.ticks, vec![2016.0, 2018.0, 2020.0, 2022.0, 2024.0]);
        let one = year_axis([2021.0], 12);
        assert_eq!(one.ticks, vec![2021.0]);
        assert_eq!((one.lo, one.hi), (2019.5, 2022.5));
        assert_eq!(year_axis([], 12).ticks, Vec::<f64>::new());
    }
}
