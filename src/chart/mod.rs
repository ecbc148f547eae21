//! The chart framework and the PNG charts built on it: fan charts, small-multiple overview
//! pages, scenario comparisons and the charts of sensitivity indices ([`indices`]).
//!
//! The renderers are pure: a spec struct in, a PNG file (or an RGB buffer) out. They know
//! nothing about the simulation engine; callers fill [`FanChart`] or [`ComparisonChart`]
//! with quantiles, history and targets and call [`render_fan_chart`],
//! [`render_small_multiples`] or [`render_comparison`].
//!
//! Text is drawn with an embedded subset of Noto Sans CJK SC (see [`font`]), so Chinese
//! names and plan quotes render on machines without CJK fonts or fontconfig.
//!
//! All renderers may be called from several threads at once (e.g. from a rayon loop): each
//! call owns its pixel buffer, and the font table is only read after the first registration.
//! A file is written to a temporary name in the target folder and renamed into place, so a
//! failed render never leaves a truncated PNG behind.
//!
//! Every chart kind is built from the same pieces: `frame` (the canvas and the page frame:
//! title, subtitle, legend rows, notes, footer, side column), `axes` (pixel mapping, plot
//! rectangle, axes), `legend` (legend entries and their swatches, in a column or in rows),
//! `text` (layout of text with the embedded [`font`]), `canvas` (the drawing area, text sizes
//! and stroke widths) and `draw` (markers, bars and the data series of the time charts).
//!
//! Robustness: non-finite values are skipped (bands and lines break at gaps), a single year is
//! drawn as bars and a tick, a zero-height value range is padded, and a spec with no finite
//! data at all gives a chart that says so. Inconsistent specs (vector lengths that do not
//! match `years`, years not increasing, absurd sizes) are reported as
//! [`ChartError::InvalidSpec`].

mod axes;
mod canvas;
mod compare;
mod draw;
mod fan;
pub mod font;
mod frame;
pub mod indices;
mod legend;
mod multiples;
pub mod prim;
mod scale;
mod text;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::prelude::*;

pub use compare::{ComparisonChart, ComparisonSeries, render_comparison, render_comparison_rgb};
pub use fan::{render_fan_chart, render_fan_chart_rgb};
pub use font::{FONT_FAMILY, ensure_fonts_registered, missing_glyphs};
pub use multiples::{render_small_multiples, render_small_multiples_rgb, suggested_page_size};

/// Errors of the chart renderers.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The embedded font could not be registered.
    #[error("chart font: {0}")]
    Font(String),
    /// The spec is inconsistent, e.g. a band whose length differs from `years`.
    #[error("invalid chart spec: {field}: {message}")]
    InvalidSpec { field: String, message: String },
    /// Plotters failed while drawing.
    #[error("drawing chart failed: {0}")]
    Drawing(String),
    /// The PNG could not be written or moved into place.
    #[error("cannot write chart {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

impl ChartError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidSpec {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One uncertainty band: per projection year, the lower and upper quantile.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Lower edge per year (same length as [`FanChart::years`]).
    pub lower: Vec<f64>,
    /// Upper edge per year (same length as [`FanChart::years`]).
    pub upper: Vec<f64>,
    /// Legend text, e.g. `"5–95 % of paths"`.
    pub label: String,
}

/// How a historical value was obtained; decides how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistoryKind {
    /// The yearly average of a multi-year total (e.g. 2016–2020 plan total ÷ 5), drawn as one
    /// horizontal step across its window: the plan gives no single year of it.
    PeriodAverage,
    /// One year's figure the plan (or an assumption) gives, e.g. a 2020 level: a grey dot.
    Known,
    /// A value published for that very year (conditioned on, or the actual of a backtest):
    /// a black diamond, consecutive years joined by a solid line.
    Observed,
}

/// One historical figure: a single year, or (for [`HistoryKind::PeriodAverage`]) the window
/// `first_year..=year`. Figures with the same `kind` and `label` form one legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPoint {
    /// First year of a period average; equal to `year` for a single year.
    pub first_year: i32,
    /// The year (the last year of a period average).
    pub year: i32,
    pub value: f64,
    pub kind: HistoryKind,
    /// Legend text, e.g. `"2016–2020 average (plan total 22.43 ÷ 5)"`.
    pub label: String,
}

impl HistoryPoint {
    /// A value published for one year.
    pub fn observed(year: i32, value: f64, label: impl Into<String>) -> Self {
        Self {
            first_year: year,
            year,
            value,
            kind: HistoryKind::Observed,
            label: label.into(),
        }
    }

    /// One year's figure from a plan or an assumption (not an observation).
    pub fn known(year: i32, value: f64, label: impl Into<String>) -> Self {
        Self {
            kind: HistoryKind::Known,
            ..Self::observed(year, value, label)
        }
    }

    /// The yearly average of a multi-year `total` over `years`, drawn as one step across the
    /// window. `None` for an empty year range.
    pub fn period_average(
        years: std::ops::RangeInclusive<i32>,
        total: f64,
        label: impl Into<String>,
    ) -> Option<Self> {
        let n = years.clone().count();
        (n > 0).then(|| Self {
            first_year: *years.start(),
            year: *years.end(),
            value: total / n as f64,
            kind: HistoryKind::PeriodAverage,
            label: label.into(),
        })
    }
}

/// A year a scenario's shock hits, shaded behind the data.
#[derive(Debug, Clone, PartialEq)]
pub struct ShockYear {
    pub year: i32,
    /// A short label drawn at the top of the shaded year, e.g. `"−3 pt"`.
    pub label: String,
    /// Legend text; shock years with the same text share one entry.
    pub legend: String,
}

/// A target drawn over the projection: a red dashed line.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetLine {
    /// A level across the projection years, e.g. a rate cap or a pro-rata yearly floor.
    Horizontal { value: f64, label: String },
    /// A glide path through `(year, value)` points, e.g. a cumulative floor reached linearly.
    Path {
        points: Vec<(f64, f64)>,
        label: String,
    },
}

impl TargetLine {
    /// The legend text.
    pub fn label(&self) -> &str {
        match self {
            Self::Horizontal { label, .. } | Self::Path { label, .. } => label,
        }
    }
}

/// How the value axis is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum YRange {
    /// From the data, bands, history and target, padded by 7 %; starts at 0 when all values
    /// are non-negative and the smallest is below 35 % of the largest (otherwise 0 would
    /// squeeze the data into a strip of the plot).
    #[default]
    Auto,
    /// Like `Auto`, but always includes 0 (e.g. for running totals from 0).
    IncludeZero,
    /// Exactly this range.
    Fixed { min: f64, max: f64 },
}

/// A fan chart: bands of a projection, its median, history and a target.
#[derive(Debug, Clone, PartialEq)]
pub struct FanChart {
    /// E.g. `"开封市 Kaifeng — 城镇新增就业 New urban jobs"`.
    pub title: String,
    /// Value-axis title with unit, e.g. `"万人 (10k persons) per year"`.
    pub y_label: String,
    /// Time-axis title, e.g. `"Year"`.
    pub x_label: String,
    /// Projection years, strictly increasing.
    pub years: Vec<i32>,
    /// Bands, outermost first (e.g. 5–95 %, then 25–75 %), each as long as `years`.
    pub bands: Vec<Band>,
    /// Median per year, as long as `years`.
    pub median: Vec<f64>,
    /// Legend text of the median line.
    pub median_label: String,
    /// History before (or during) the projection.
    pub history: Vec<HistoryPoint>,
    /// The last known value before the projection, `(year, value)`: the median and the bands
    /// start from it, so the fan is visibly joined to what is known. `None` when nothing is
    /// known for a single year just before the projection (e.g. only a period average).
    pub jump_off: Option<(i32, f64)>,
    /// Shock years, shaded behind the data.
    pub shocks: Vec<ShockYear>,
    pub target: Option<TargetLine>,
    /// Boxed note, e.g. `"P(met) = 0.87 ± 0.01"`; `\n` starts a new line.
    pub annotation: Option<String>,
    /// One line at the foot, e.g. `"scenario henan-baseline · seed 20211231 · 2000 paths"`.
    pub footer: String,
    /// The target's source quote, printed small at the bottom and wrapped.
    pub source_note: Option<String>,
    pub y_range: YRange,
    /// Pixel size (width, height); 1200×800 by default.
    pub size: (u32, u32),
}

impl Default for FanChart {
    fn default() -> Self {
        Self {
            title: String::new(),
            y_label: String::new(),
            x_label: "Year".to_owned(),
            years: Vec::new(),
            bands: Vec::new(),
            median: Vec::new(),
            median_label: "Median".to_owned(),
            history: Vec::new(),
            jump_off: None,
            shocks: Vec::new(),
            target: None,
            annotation: None,
            footer: String::new(),
            source_note: None,
            y_range: YRange::Auto,
            size: (1200, 800),
        }
    }
}

/// A pixel rectangle; `right` and `bottom` are the last pixel column and row inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

/// Where a plot ended up in the image and how data coordinates map to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotGeometry {
    /// The plotting area (inside the axes), in image pixels.
    pub plot_area: PixelRect,
    /// Data range of the time axis (years; the left and right edges of the plot).
    pub x_range: (f64, f64),
    /// Data range of the value axis (bottom and top edges of the plot).
    pub y_range: (f64, f64),
}

impl PlotGeometry {
    /// The image pixel of the data point `(year, value)`, accurate to about one pixel.
    pub fn to_pixel(&self, year: f64, value: f64) -> (i32, i32) {
        let r = self.plot_area;
        let fx = (year - self.x_range.0) / (self.x_range.1 - self.x_range.0);
        let fy = (value - self.y_range.0) / (self.y_range.1 - self.y_range.0);
        let x = f64::from(r.left) + fx * f64::from(r.right - r.left);
        let y = f64::from(r.bottom) - fy * f64::from(r.bottom - r.top);
        (x.round() as i32, y.round() as i32)
    }
}

/// A chart rendered into memory: tightly packed 8-bit RGB rows, top row first.
#[derive(Debug, Clone)]
pub struct RenderedChart {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    /// One entry per plot on the image, in drawing order (row by row for small multiples).
    pub plots: Vec<PlotGeometry>,
}

impl RenderedChart {
    /// The colour at pixel `(x, y)`, or `None` outside the image.
    pub fn pixel(&self, x: i32, y: i32) -> Option<[u8; 3]> {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return None;
        }
        let at = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]])
    }

    /// Writes the image as a PNG, via a temporary file in the same folder renamed into place.
    ///
    /// # Errors
    /// [`ChartError::Write`] if the folder is not writable or encoding fails.
    pub fn save_png(&self, path: &Path) -> Result<(), ChartError> {
        let write_err = |reason: String| ChartError::Write {
            path: path.to_path_buf(),
            reason,
        };
        let name = path
            .file_name()
            .ok_or_else(|| write_err("path has no file name".to_owned()))?
            .to_string_lossy();
        // The encoder picks the format from the extension, so the temporary name ends in .png;
        // process id and a counter keep concurrent writers apart.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp.png", std::process::id()));
        let result = (|| {
            let mut backend = BitMapBackend::new(&tmp, (self.width, self.height));
            backend
                .blit_bitmap((0, 0), (self.width, self.height), &self.rgb)
                .map_err(|e| write_err(e.to_string()))?;
            backend.present().map_err(|e| write_err(e.to_string()))?;
            drop(backend);
            std::fs::rename(&tmp, path).map_err(|e| write_err(e.to_string()))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Colours used by the charts, exposed so tests and legends elsewhere can match them.
pub mod palette {
    use plotters::style::RGBColor;

    /// Outer (widest) band fill.
    pub const BAND_OUTER: RGBColor = RGBColor(198, 219, 239);
    /// Inner band fill.
    pub const BAND_INNER: RGBColor = RGBColor(107, 174, 214);
    /// Outline of the outer band's edges.
    pub const BAND_EDGE: RGBColor = RGBColor(66, 146, 198);
    /// Median line.
    pub const MEDIAN: RGBColor = RGBColor(8, 48, 107);
    /// Target line.
    pub const TARGET: RGBColor = RGBColor(215, 25, 28);
    /// Plan history: period-average steps and known single-year figures.
    pub const HISTORY: RGBColor = RGBColor(110, 110, 110);
    /// Published (observed) values.
    pub const PUBLISHED: RGBColor = RGBColor(0, 0, 0);
    /// Shading of a shock year.
    pub const SHOCK: RGBColor = RGBColor(252, 226, 180);
    /// Label of a shock year.
    pub const SHOCK_TEXT: RGBColor = RGBColor(150, 90, 0);
    /// Main text.
    pub const TEXT: RGBColor = RGBColor(25, 25, 25);
    /// Footer and source note.
    pub const MUTED: RGBColor = RGBColor(95, 95, 95);
    /// Grid lines.
    pub const GRID: RGBColor = RGBColor(225, 225, 225);
    /// Axis lines and tick marks.
    pub const AXIS: RGBColor = RGBColor(90, 90, 90);
    /// Whiskers of intervals and reference lines of the sensitivity charts.
    pub const INK: RGBColor = RGBColor(45, 45, 45);
    /// Series colours of comparison charts (Okabe–Ito, without red-like hues).
    pub const SERIES: [RGBColor; 6] = [
        RGBColor(0, 114, 178),
        RGBColor(230, 159, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(0, 0, 0),
    ];

    /// `c` mixed with white: `t = 0` is `c`, `t = 1` white.
    fn tint(c: RGBColor, t: f64) -> RGBColor {
        let m = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * t).round() as u8;
        RGBColor(m(c.0), m(c.1), m(c.2))
    }

    /// Light fill of a flagged (hatched) bar of colour `c`.
    pub fn flagged_fill(c: RGBColor) -> RGBColor {
        tint(c, 0.72)
    }

    /// Fill colour of band `index` of `count` bands (outermost first): lighter outside.
    pub fn band_fill(index: usize, count: usize) -> RGBColor {
        if count <= 1 {
            return RGBColor(158, 202, 225);
        }
        let t = index.min(count - 1) as f64 / (count - 1) as f64;
        let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        RGBColor(
            mix(BAND_OUTER.0, BAND_INNER.0),
            mix(BAND_OUTER.1, BAND_INNER.1),
            mix(BAND_OUTER.2, BAND_INNER.2),
        )
    }
}
