//! The canvas every chart draws on: the drawing area type, the text sizes and stroke widths
//! scaled to the image, and the conversion of plotters' errors.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ChartError;

pub(crate) type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;

/// Converts any plotters drawing error into a [`ChartError`].
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    e: DrawingAreaErrorKind<E>,
) -> ChartError {
    ChartError::Drawing(e.to_string())
}

/// Text sizes (em in pixels) and stroke widths, scaled to the image or panel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    pub title: f64,
    pub axis_desc: f64,
    pub tick: f64,
    pub legend: f64,
    pub note: f64,
    pub footer: f64,
    pub source: f64,
    pub margin: i32,
    pub median_width: u32,
    pub target_width: u32,
    pub marker: i32,
    pub dash: (u32, u32),
}

impl Sizes {
    /// Sizes for a full chart of `w`×`h` pixels (1200×800 is the reference).
    pub fn page(w: u32, h: u32) -> Self {
        Self::with_scale((f64::from(w) / 1200.0).min(f64::from(h) / 800.0))
    }

    /// Full-chart sizes multiplied by `s` (clamped to 0.45–4).
    pub fn with_scale(s: f64) -> Self {
        let s = s.clamp(0.45, 4.0);
        let px = |v: f64| (v * s).round().max(1.0);
        Self {
            title: px(24.0),
            axis_desc: px(15.0),
            tick: px(14.0),
            legend: px(14.0),
            note: px(18.0),
            footer: px(12.0),
            source: px(13.0),
            margin: px(18.0) as i32,
            median_width: px(3.0) as u32,
            target_width: px(3.0) as u32,
            marker: px(5.0) as i32,
            dash: (px(12.0) as u32, px(7.0) as u32),
        }
    }

    /// The scale of panel text for panels of `w`×`h` pixels (1 at 460×330).
    pub fn panel_scale(w: i32, h: i32) -> f64 {
        (f64::from(w) / 460.0)
            .min(f64::from(h) / 330.0)
            .clamp(0.6, 2.5)
    }

    /// Sizes for one panel of a small-multiples page at scale `s` (see [`Self::panel_scale`]).
    pub fn panel(s: f64) -> Self {
        let px = |v: f64| (v * s).round().max(1.0);
        Self {
            title: px(15.0),
            axis_desc: px(12.0),
            tick: px(12.0),
            legend: px(14.0),
            note: px(13.0),
            footer: px(12.0),
            source: px(12.0),
            margin: px(8.0) as i32,
            median_width: px(2.5) as u32,
            target_width: px(2.5) as u32,
            marker: px(4.0) as i32,
            dash: (px(9.0) as u32, px(5.0) as u32),
        }
    }

    /// Dash and gap of a dashed line in a legend (no longer than 11 and 6 pixels).
    pub fn legend_dash(&self) -> (u32, u32) {
        (self.dash.0.min(11), self.dash.1.min(6))
    }
}
