//! Chart renderer: files, pixels at computed positions, glyph coverage, robustness and
//! thread safety. No byte-for-byte image comparison: pixels are checked where the chart's own
//! coordinate mapping says the bands, lines and target are.

use empsim::chart::{
    Band, ChartError, ComparisonChart, ComparisonSeries, FanChart, HistoryPoint, PlotGeometry,
    RenderedChart, ShockYear, TargetLine, YRange, missing_glyphs, palette, render_comparison_rgb,
    render_fan_chart, render_fan_chart_rgb, render_small_multiples, render_small_multiples_rgb,
};

use crate::support::{self, names, png_size, rgb};

/// A Kaifeng-like fan chart: median 7.2 → 7.68, bands ±0.9 and ±0.35 (widening), history
/// 2016–2020 at 8.0, target 6.6.
fn spec() -> FanChart {
    let years: Vec<i32> = (2021..=2025).collect();
    let median: Vec<f64> = (0..5).map(|i| 7.2 + 0.12 * f64::from(i)).collect();
    let band = |w: f64, label: &str| Band {
        lower: median
            .iter()
            .enumerate()
            .map(|(i, m)| m - w * (1.0 + 0.3 * i as f64))
            .collect(),
        upper: median
            .iter()
            .enumerate()
            .map(|(i, m)| m + w * (1.0 + 0.3 * i as f64))
            .collect(),
        label: label.to_owned(),
    };
    FanChart {
        title: "开封市 Kaifeng — 城镇新增就业 New urban jobs".into(),
        y_label: "万人 (10k persons) per year".into(),
        years,
        bands: vec![band(0.9, "5–95 % of paths"), band(0.35, "25–75 % of paths")],
        median: median.clone(),
        history: HistoryPoint::period_average(
            2016..=2020,
            40.0,
            "2016–2020 average (plan total 40 ÷ 5)",
        )
        .into_iter()
        .collect(),
        target: Some(TargetLine::Horizontal {
            value: 6.6,
            label: "Target ≥ 6.6 per year (33 万 ÷ 5)".into(),
        }),
        annotation: Some("P(met) = 0.87 ± 0.01".into()),
        footer: "scenario henan-baseline · seed 20211231 · 2000 paths · empsim 0.1.0".into(),
        source_note: Some("“城镇新增就业 33 万人以上”（《开封市“十四五”规划》）".into()),
        ..FanChart::default()
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn count_colour(img: &RenderedChart, colour: [u8; 3], xs: std::ops::Range<i32>, y: i32) -> usize {
    xs.filter(|&x| img.pixel(x, y) == Some(colour)).count()
}

#[test]
fn png_file_has_signature_and_requested_size() {
    let dir = tempdir();
    let path = dir.path().join("kaifeng.png");
    let geometry = render_fan_chart(&spec(), &path).unwrap();
    assert_eq!(png_size(&path), (1200, 800));
    let small = dir.path().join("small.png");
    render_fan_chart(
        &FanChart {
            size: (640, 400),
            ..spec()
        },
        &small,
    )
    .unwrap();
    assert_eq!(png_size(&small), (640, 400));
    // The file and the in-memory render agree on where the plot is.
    assert_eq!(render_fan_chart_rgb(&spec()).unwrap().plots[0], geometry);
    // No temporary files are left behind.
    let names = names(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn bands_median_target_and_history_are_where_the_mapping_says() {
    let s = spec();
    let img = render_fan_chart_rgb(&s).unwrap();
    let g: PlotGeometry = img.plots[0];
    let r = g.plot_area;
    assert!(
        r.left > 50 && r.right < 1000 && r.top > 40 && r.bottom < 720,
        "{r:?}"
    );
    // The time axis spans the history too (2016-2025 with half a year either side).
    assert_eq!(g.x_range, (2015.5, 2025.5));
    assert!(g.y_range.0 < 5.7 && g.y_range.1 > 9.66, "{:?}", g.y_range);

    let at =
        |year: f64, value: f64| img.pixel(g.to_pixel(year, value).0, g.to_pixel(year, value).1);
    // 2023 (index 2): outer band 7.44 ± 1.44, inner 7.44 ± 0.56, median 7.44.
    let outer_mid = (7.44 - 1.44 + 7.44 - 0.56) / 2.0;
    assert_eq!(at(2023.0, outer_mid), Some(rgb(palette::BAND_OUTER)));
    assert_eq!(at(2023.0, 7.44 + 1.0), Some(rgb(palette::BAND_OUTER)));
    assert_eq!(at(2023.0, 7.44 - 0.3), Some(rgb(palette::BAND_INNER)));
    assert_eq!(at(2022.5, 7.44 + 0.3), Some(rgb(palette::BAND_INNER)));
    assert_eq!(at(2023.0, 7.44), Some(rgb(palette::MEDIAN)));
    // Outside the bands, between grid lines, the background is white.
    assert_eq!(at(2018.5, 7.3), Some([255, 255, 255]));

    // The dashed target: many red pixels on its row across the projection years, none on
    // rows well away from it.
    let (x0, y_target) = g.to_pixel(2021.0, 6.6);
    let (x1, _) = g.to_pixel(2025.0, 6.6);
    let red = rgb(palette::TARGET);
    let on_row = (-1..=1)
        .map(|dy| count_colour(&img, red, x0..x1, y_target + dy))
        .max()
        .unwrap();
    assert!(
        on_row > (x1 - x0) as usize / 3,
        "{on_row} target pixels on row {y_target}"
    );
    let (_, y_far) = g.to_pixel(2021.0, 8.5);
    assert_eq!(count_colour(&img, red, x0..x1, y_far), 0);

    // The flow is far from 0, so the axis fits the data instead of starting at 0.
    assert!(g.y_range.0 > 4.0, "{:?}", g.y_range);

    // The 2016-2020 average: one grey step at 8.0 across the whole window (not five points),
    // and nothing grey at 8.0 after it.
    let grey = rgb(palette::HISTORY);
    let grey_near = |year: f64, value: f64| {
        let (x, y) = g.to_pixel(year, value);
        (y - 2..=y + 2).any(|yy| img.pixel(x, yy) == Some(grey))
    };
    for year in [2015.7, 2016.0, 2017.5, 2018.0, 2019.2, 2020.0, 2020.3] {
        assert!(grey_near(year, 8.0), "no step at {year}");
    }
    assert!(!grey_near(2020.8, 8.0));
}

#[test]
fn the_fan_starts_from_the_jump_off_and_shock_years_are_shaded() {
    let mut s = spec();
    s.history
        .push(HistoryPoint::known(2020, 6.0, "2020: 6 (plan figure)"));
    s.jump_off = Some((2020, 6.0));
    s.shocks = vec![ShockYear {
        year: 2022,
        label: "−3 pt".into(),
        legend: "Shock 2022".into(),
    }];
    let img = render_fan_chart_rgb(&s).unwrap();
    let g = img.plots[0];
    // The median runs from the 2020 figure to the 2021 median (6.6): half way it is there.
    let (x, y) = g.to_pixel(2020.5, (6.0 + s.median[0]) / 2.0);
    let median = rgb(palette::MEDIAN);
    assert!(
        (y - 2..=y + 2).any(|yy| img.pixel(x, yy) == Some(median)),
        "no median between the jump-off and 2021"
    );
    // The outer band opens from the jump-off: at 2020.5 it spans half the 2021 width.
    let lower = (6.0 + s.bands[0].lower[0]) / 2.0;
    let upper = (6.0 + s.bands[0].upper[0]) / 2.0;
    let (x, y) = g.to_pixel(2020.5, lower + 0.8 * (upper - lower));
    assert_eq!(img.pixel(x, y), Some(rgb(palette::BAND_OUTER)));
    // Without a jump-off nothing is drawn before 2021 there.
    let plain = render_fan_chart_rgb(&spec()).unwrap();
    assert_eq!(plain.pixel(x, y), Some([255, 255, 255]));

    // The shock year is shaded (warm, not white) away from the data; 2024 is not.
    let top = g.y_range.1 - 0.03 * (g.y_range.1 - g.y_range.0);
    let (x22, y) = g.to_pixel(2021.7, top);
    let [r, gg, b] = img.pixel(x22, y).unwrap();
    assert!(
        r > gg && gg > b && b < 230,
        "shock shading {:?}",
        [r, gg, b]
    );
    let (x24, _) = g.to_pixel(2024.3, top);
    assert_eq!(img.pixel(x24, y), Some([255, 255, 255]));
}

#[test]
fn text_is_drawn_in_title_legend_and_footer() {
    let img = render_fan_chart_rgb(&spec()).unwrap();
    let dark = |x0: i32, y0: i32, x1: i32, y1: i32| {
        (x0..x1)
            .flat_map(|x| (y0..y1).map(move |y| (x, y)))
            .filter(|&(x, y)| img.pixel(x, y).is_some_and(|p| p.iter().all(|&c| c < 110)))
            .count()
    };
    assert!(dark(200, 0, 1000, 60) > 300, "title");
    assert!(dark(930, 60, 1200, 400) > 300, "legend and annotation");
    assert!(dark(0, 740, 1200, 800) > 100, "source note and footer");
}

#[test]
fn strings_used_in_charts_have_glyphs() {
    let strings = [
        "河南省",
        "开封市",
        "新乡市",
        "驻马店市",
        "邵阳市",
        "河南其他地区",
        "城镇新增就业",
        "新增农村劳动力转移就业",
        "返乡创业人数",
        "城镇调查失业率",
        "农村劳动力转移就业总量",
        "万人",
        "“城镇新增就业 33 万人以上”",
        "城镇调查失业率年均控制在 5.5% 以内",
        "“”（）、。，：；《》",
        "P(met) = 0.87 ± 0.01 · 5–95 % — ≥ ≤ ÷ × …",
    ];
    for s in strings {
        assert_eq!(missing_glyphs(s), Vec::<char>::new(), "{s}");
    }
}

/// The value of `key = "..."` lines whose key ends in `quote` or is `name_zh`.
fn quoted_values(toml: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in toml.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !(key.ends_with("quote") || key.ends_with("quote_text") || key == "name_zh") {
            continue;
        }
        let value = value.trim();
        if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            out.push(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
        }
    }
    out
}

#[test]
fn every_plan_quote_has_glyphs() {
    let Some(dir) = support::shared("data/plans") else {
        return;
    };
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the plan extracts are expected at {}: {e}", dir.display()));
    let mut checked = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for quote in quoted_values(&text) {
            let missing = missing_glyphs(&quote);
            assert!(
                missing.is_empty(),
                "{}: {quote:?} lacks {missing:?}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no quotes found in {}", dir.display());
}

#[test]
fn degenerate_data_renders_without_panicking() {
    let empty = FanChart {
        title: "空 Empty".into(),
        ..FanChart::default()
    };
    let single = FanChart {
        years: vec![2021],
        median: vec![5.0],
        bands: vec![Band {
            lower: vec![4.0],
            upper: vec![6.0],
            label: "5–95 %".into(),
        }],
        target: Some(TargetLine::Horizontal {
            value: 5.5,
            label: "cap".into(),
        }),
        ..FanChart::default()
    };
    let flat = FanChart {
        years: (2021..=2025).collect(),
        median: vec![3.0; 5],
        bands: vec![Band {
            lower: vec![3.0; 5],
            upper: vec![3.0; 5],
            label: "5–95 %".into(),
        }],
        ..FanChart::default()
    };
    let zeros = FanChart {
        median: vec![0.0; 5],
        bands: vec![],
        y_range: YRange::IncludeZero,
        ..flat.clone()
    };
    let mut gaps = spec();
    gaps.median[2] = f64::NAN;
    gaps.bands[0].lower[3] = f64::NAN;
    gaps.bands[1].upper[0] = f64::INFINITY;
    gaps.history[0].value = f64::NAN;
    gaps.history
        .push(HistoryPoint::known(2020, f64::NAN, "2020"));
    gaps.jump_off = Some((2020, f64::NAN));
    gaps.target = Some(TargetLine::Horizontal {
        value: f64::NAN,
        label: "no value".into(),
    });
    let all_nan = FanChart {
        median: vec![f64::NAN; 5],
        bands: vec![],
        ..flat.clone()
    };
    let path_target = FanChart {
        target: Some(TargetLine::Path {
            points: vec![(2020.0, 0.0), (2025.0, 12.0)],
            label: "glide path".into(),
        }),
        ..flat.clone()
    };
    let bad_fixed = FanChart {
        y_range: YRange::Fixed { min: 3.0, max: 3.0 },
        ..flat.clone()
    };
    for (name, s) in [
        ("empty", empty),
        ("single", single),
        ("flat", flat),
        ("zeros", zeros),
        ("gaps", gaps),
        ("all_nan", all_nan),
        ("path_target", path_target),
        ("bad_fixed", bad_fixed),
    ] {
        let img = render_fan_chart_rgb(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
        let g = img.plots[0];
        assert!(g.y_range.0 < g.y_range.1, "{name}: {:?}", g.y_range);
        assert!(g.x_range.0 < g.x_range.1, "{name}: {:?}", g.x_range);
    }
}

#[test]
fn inconsistent_specs_are_errors() {
    let mut short = spec();
    short.median.pop();
    let err = render_fan_chart_rgb(&short).unwrap_err();
    assert!(matches!(err, ChartError::InvalidSpec { .. }));
    assert_eq!(
        err.to_string(),
        "invalid chart spec: median: 4 values for 5 years"
    );

    let mut band = spec();
    band.bands[1].upper.push(1.0);
    let err = render_fan_chart_rgb(&band).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid chart spec: bands[1].upper: 6 values for 5 years"
    );

    let mut order = spec();
    order.years.swap(0, 1);
    let err = render_fan_chart_rgb(&order).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid chart spec: years: years must be strictly increasing"
    );

    let tiny = FanChart {
        size: (10, 10),
        ..spec()
    };
    assert!(matches!(
        render_fan_chart_rgb(&tiny),
        Err(ChartError::InvalidSpec { .. })
    ));

    assert!(render_small_multiples_rgb(&[], 3, "t", "f", (1200, 800)).is_err());
    assert!(render_small_multiples_rgb(&[spec()], 0, "t", "f", (1200, 800)).is_err());
    let many = vec![spec(); 60];
    let err = render_small_multiples_rgb(&many, 6, "t", "f", (800, 600)).unwrap_err();
    assert!(err.to_string().contains("per panel"), "{err}");
}

#[test]
fn unwritable_path_is_a_write_error() {
    let dir = tempdir();
    let path = dir.path().join("missing-folder").join("chart.png");
    let err = render_fan_chart(&spec(), &path).unwrap_err();
    assert!(matches!(err, ChartError::Write { .. }), "{err}");
    assert!(err.to_string().contains("chart.png"), "{err}");
}

#[test]
fn small_multiples_place_every_panel_inside_the_page() {
    let dir = tempdir();
    let regions = [
        "河南省",
        "开封市",
        "新乡市",
        "驻马店市",
        "邵阳市",
        "河南其他地区",
    ];
    let panels: Vec<FanChart> = regions
        .iter()
        .map(|r| FanChart {
            title: format!("{r} — 城镇新增就业"),
            ..spec()
        })
        .collect();
    let path = dir.path().join("overview.png");
    let plots = render_small_multiples(
        &panels,
        3,
        "河南省及各市 Overview",
        "scenario henan-baseline · seed 20211231",
        (1800, 1200),
        &path,
    )
    .unwrap();
    assert_eq!(png_size(&path), (1800, 1200));
    assert_eq!(plots.len(), 6);
    for (i, g) in plots.iter().enumerate() {
        let r = g.plot_area;
        assert!(
            r.left >= 0 && r.right < 1800 && r.top >= 0 && r.bottom < 1200,
            "{i}: {r:?}"
        );
        assert!(
            r.right - r.left > 300 && r.bottom - r.top > 250,
            "panel {i} too small: {r:?}"
        );
        for other in &plots[i + 1..] {
            let o = other.plot_area;
            let disjoint =
                r.right < o.left || o.right < r.left || r.bottom < o.top || o.bottom < r.top;
            assert!(disjoint, "panels overlap: {r:?} {o:?}");
        }
    }
    let img = render_small_multiples_rgb(&panels, 3, "t", "", (1800, 1200)).unwrap();
    for g in &img.plots {
        let (x, y) = g.to_pixel(2023.0, 7.44 + 1.0);
        assert_eq!(img.pixel(x, y), Some(rgb(palette::BAND_OUTER)));
    }
}

#[test]
fn comparison_draws_each_series_in_its_colour() {
    let base = spec();
    let series = |label: &str, shift: f64| ComparisonSeries {
        label: label.into(),
        median: base.median.iter().map(|m| m + shift).collect(),
        lower: base.bands[0].lower.iter().map(|m| m + shift).collect(),
        upper: base.bands[0].upper.iter().map(|m| m + shift).collect(),
    };
    let spec = ComparisonChart {
        title: "开封市 Kaifeng — scenarios".into(),
        y_label: "万人 per year".into(),
        years: base.years.clone(),
        series: vec![series("baseline", 0.0), series("shock", -2.0)],
        target: base.target.clone(),
        ..ComparisonChart::default()
    };
    let img = render_comparison_rgb(&spec).unwrap();
    let g = img.plots[0];
    for (i, shift) in [(0, 0.0), (1, -2.0)] {
        let (x, y) = g.to_pixel(2023.5, 7.44 + 0.06 + shift);
        let colour = rgb(palette::SERIES[i]);
        let hits = (y - 3..=y + 3)
            .filter(|&yy| img.pixel(x, yy) == Some(colour))
            .count();
        assert!(
            hits > 0,
            "series {i} median colour not found near ({x}, {y})"
        );
    }
    let mut bad = spec.clone();
    bad.series[1].upper.pop();
    let err = render_comparison_rgb(&bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid chart spec: series[1].upper: 4 values for 5 years"
    );
}

#[test]
fn the_reference_median_is_never_hidden_by_another_scenario() {
    let base = spec();
    let series = |label: &str| ComparisonSeries {
        label: label.into(),
        median: base.median.clone(),
        lower: base.bands[0].lower.clone(),
        upper: base.bands[0].upper.clone(),
    };
    // Three scenarios with the very same projection: the first is drawn on top.
    let spec = ComparisonChart {
        years: base.years.clone(),
        series: vec![series("baseline"), series("downside"), series("policy")],
        ..ComparisonChart::default()
    };
    let img = render_comparison_rgb(&spec).unwrap();
    let g = img.plots[0];
    let first = rgb(palette::SERIES[0]);
    for year in [2021.5, 2022.5, 2023.5, 2024.5] {
        let k = (year - 2021.0_f64).floor() as usize;
        let v = (base.median[k] + base.median[k + 1]) / 2.0;
        let (x, y) = g.to_pixel(year, v);
        let column: Vec<Option<[u8; 3]>> = (y - 2..=y + 2).map(|yy| img.pixel(x, yy)).collect();
        assert!(column.contains(&Some(first)), "{year}: {column:?}");
        for other in [palette::SERIES[1], palette::SERIES[2]] {
            assert!(!column.contains(&Some(rgb(other))), "{year}: {column:?}");
        }
    }
    // The band edges of the first scenario are on top too, in its colour.
    let (x, y) = g.to_pixel(
        2023.5,
        (base.bands[0].upper[2] + base.bands[0].upper[3]) / 2.0,
    );
    assert!((y - 2..=y + 2).any(|yy| img.pixel(x, yy) == Some(first)));
}

#[test]
fn concurrent_renders_are_safe_and_deterministic() {
    let reference = render_fan_chart_rgb(&spec()).unwrap();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..3)
                        .map(|_| render_fan_chart_rgb(&spec()).unwrap().rgb)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for rgb in h.join().unwrap() {
                assert!(rgb == reference.rgb, "render differs between runs");
            }
        }
    });
}
