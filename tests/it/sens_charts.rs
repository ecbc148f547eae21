//! Charts of `empsim sens`: the files each method writes, PNG signature and size, bar and
//! point colours where the chart's own geometry says they are, and robustness of the
//! renderers to empty, zero, non-finite and undefined indices.

use std::path::{Path, PathBuf};

use empsim::analysis::sens::Method;
use empsim::chart::RenderedChart;
use empsim::chart::indices::{
    COLOR_A, COLOR_B, MorrisChart, SobolBarChart, SobolYearSeries, SobolYearsChart, TornadoChart,
    flagged_fill, render_morris_rgb, render_sobol_bars_rgb, render_sobol_years_rgb,
    render_tornado_rgb,
};
use empsim::commands::sens::{self, SensArgs, SensOutcome};
use empsim::commands::settings::SimArgs;
use empsim::report::png::sens::{self as sens_charts, SensChart, jobs, write_charts};
use empsim::sensitivity::{ConfidenceInterval, MorrisRow, OatRow, SobolIndex, SobolRow};

use crate::support::{METRIC, names, png_size, rgb, shipped};

const METRIC_2: &str = "mean:kaifeng.urban_new_jobs.cumulative";

/// Three factors that move the metrics and one that moves none of them.
const PARAMS: [&str; 4] = [
    "indicators.rural_transfer_new.trend",
    "indicators.rural_transfer_new.elasticity",
    "growth.noise_sd",
    "unemployment.okun",
];

fn config(method: Method, out: &Path, samples: usize) -> SensArgs {
    SensArgs {
        scenario: shipped("henan-baseline.toml"),
        method,
        params: Some(PARAMS.iter().map(|s| s.to_string()).collect()),
        ranges: Vec::new(),
        metrics: vec![METRIC.into(), METRIC_2.into()],
        samples: Some(samples),
        sim: SimArgs {
            paths: Some(100),
            seed: None,
            out: Some(out.to_path_buf()),
            threads: Some(2),
            ..SimArgs::default()
        },
        levels: 4,
        bootstrap: 50,
        unscrambled: false,
        converge: None,
        max_samples: None,
        export_salib: false,
        json: false,
    }
}

fn run(method: Method, samples: usize) -> (tempfile::TempDir, SensOutcome) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(method_key(method));
    let o = sens::run(&config(method, &out, samples), None).expect("sens runs");
    (dir, o)
}

fn method_key(m: Method) -> &'static str {
    m.key()
}

/// The PNG files of a folder, sorted.
fn pngs(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.ends_with(".png"))
        .collect()
}

fn slug1() -> String {
    sens_charts::metric_slug(METRIC)
}

fn slug2() -> String {
    sens_charts::metric_slug(METRIC_2)
}

#[test]
fn slugs_replace_everything_but_lowercase_letters_digits_dash_and_underscore() {
    assert_eq!(
        slug1(),
        "p_met-xinxiang-rural_transfer_new-cumulative_floor"
    );
    assert_eq!(slug2(), "mean-kaifeng-urban_new_jobs-cumulative");
}

#[test]
fn oat_writes_a_tornado_per_metric_with_bars_where_the_geometry_says() {
    let (_dir, o) = run(Method::Oat, 0);
    assert_eq!(
        pngs(&o.out_dir),
        vec![
            format!("tornado-{}.png", slug2()),
            format!("tornado-{}.png", slug1())
        ]
    );
    for f in pngs(&o.out_dir) {
        assert_eq!(png_size(&o.out_dir.join(f)), (1200, 800));
    }
    assert!(o.out_dir.join("indices.csv").exists());

    let js = jobs(&o.study);
    assert_eq!(js.len(), 2);
    let SensChart::Tornado(spec) = &js[0].chart else {
        panic!("a tornado")
    };
    assert!(
        spec.title
            .starts_with("henan-baseline — P(met) 2025: 新乡市 Xinxiang")
    );
    assert_eq!(spec.x_label, "P(on track) 2025 = P(met)");
    assert!(spec.footer.contains("seed 20211231"));
    assert!(spec.footer.contains("100 paths per evaluation"));
    assert!(
        spec.footer
            .contains(&format!("empsim {}", env!("CARGO_PKG_VERSION")))
    );
    let rows = spec.drawn_rows();
    // unemployment.okun does not move Xinxiang's rural transfers: not a bar.
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].factor, "indicators.rural_transfer_new.trend");
    assert!(rows.windows(2).all(|w| w[0].swing >= w[1].swing));

    let img = render_tornado_rgb(spec).unwrap();
    let g = img.plots[0];
    let top = rows[0];
    for (v, colour) in [(top.y_low, COLOR_A), (top.y_high, COLOR_B)] {
        let mid = (v + spec.nominal) / 2.0;
        let (x, y) = g.to_pixel(mid, 0.5);
        assert_eq!(img.pixel(x, y), Some(rgb(colour)), "{v} at ({x}, {y})");
    }
}

#[test]
fn morris_writes_a_scatter_per_metric_with_points_at_mu_star_and_sigma() {
    let (_dir, o) = run(Method::Morris, 4);
    assert_eq!(
        pngs(&o.out_dir),
        vec![
            format!("morris-{}.png", slug2()),
            format!("morris-{}.png", slug1())
        ]
    );
    for f in pngs(&o.out_dir) {
        assert_eq!(png_size(&o.out_dir.join(f)), (1200, 800));
    }
    let js = jobs(&o.study);
    let SensChart::Morris(spec) = &js[0].chart else {
        panic!("a scatter")
    };
    let img = render_morris_rgb(spec).unwrap();
    let g = img.plots[0];
    assert_eq!(g.x_range.0, 0.0, "μ* axis starts at 0");
    assert_eq!(g.y_range.0, 0.0, "σ axis starts at 0");
    let rows = spec.drawn_rows();
    assert!(!rows.is_empty());
    for r in rows {
        let (x, y) = g.to_pixel(r.mu_star, r.sigma);
        assert_eq!(img.pixel(x, y), Some(rgb(COLOR_A)), "{}", r.factor);
    }
}

#[test]
fn sobol_writes_bars_and_years_per_metric() {
    let (_dir, o) = run(Method::Sobol, 32);
    let mut expected = vec![
        format!("sobol-{}.png", slug1()),
        format!("sobol-years-{}.png", slug1()),
        format!("sobol-{}.png", slug2()),
        format!("sobol-years-{}.png", slug2()),
    ];
    expected.sort();
    assert_eq!(pngs(&o.out_dir), expected);
    for f in &expected {
        assert_eq!(png_size(&o.out_dir.join(f)), (1200, 800));
    }
    let js = jobs(&o.study);
    assert_eq!(js.len(), 4);
    let SensChart::SobolBars(bars) = &js[0].chart else {
        panic!("bars first")
    };
    let rows = bars.drawn_rows();
    assert_eq!(rows[0].factor, "indicators.rural_transfer_new.trend");
    let img = render_sobol_bars_rgb(bars).unwrap();
    let g = img.plots[0];
    assert!(g.x_range.0 <= 0.0, "the index axis includes 0");
    // The total-index bar of the top row starts a pixel below the row's centre.
    let total = rows[0].total.unwrap();
    let (x, y) = g.to_pixel(total.estimate / 2.0, 0.5);
    let y = y + 4;
    let expected = if total.negative || total.ci_covers_zero {
        flagged_fill(COLOR_B)
    } else {
        COLOR_B
    };
    let near: Vec<[u8; 3]> = (-3..=3).filter_map(|dx| img.pixel(x + dx, y)).collect();
    assert!(near.contains(&rgb(expected)), "{near:?} at ({x}, {y})");

    let SensChart::SobolYears(years) = &js[1].chart else {
        panic!("years second")
    };
    assert_eq!(years.years, (2021..=2025).collect::<Vec<_>>());
    let img = render_sobol_years_rgb(years).unwrap();
    let g = img.plots[0];
    let first = years.drawn_series()[0];
    let v = first.total[4].unwrap().estimate;
    let (x, y) = g.to_pixel(2025.0, v);
    let near: Vec<[u8; 3]> = (-2..=2)
        .flat_map(|dy| (-2..=2).map(move |dx| (dx, dy)))
        .filter_map(|(dx, dy)| img.pixel(x + dx, y + dy))
        .collect();
    assert!(near.contains(&rgb(COLOR_A)), "first series' marker at 2025");
}

#[test]
fn rendering_is_deterministic_and_unwritable_folders_are_output_errors() {
    let (dir, o) = run(Method::Oat, 0);
    let js = jobs(&o.study);
    let a = js[0].chart.render_rgb().unwrap();
    let b = js[0].chart.render_rgb().unwrap();
    assert!(a.rgb == b.rgb);
    let missing = dir.path().join("no/such/folder");
    match write_charts(&missing, &o.study) {
        Err(empsim::Error::Output { path, .. }) => {
            assert!(path.starts_with(&missing), "{}", path.display());
            assert!(path.extension().is_some_and(|e| e == "png"));
        }
        other => panic!("expected an output error, got {other:?}"),
    }
}

#[test]
fn repeated_metrics_get_distinct_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(Method::Oat, &dir.path().join("oat"), 0);
    cfg.metrics = vec![METRIC.into(), METRIC.into()];
    cfg.params = Some(vec![PARAMS[0].into()]);
    let o = sens::run(&cfg, None).unwrap();
    let written: Vec<PathBuf> = write_charts(&o.out_dir, &o.study).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec![
            format!("tornado-{}.png", slug1()),
            format!("tornado-{}-2.png", slug1())
        ]
    );
}

// ---- Robustness of the renderers on synthetic indices ----

fn oat_row(i: usize, y_low: f64, y_high: f64) -> OatRow {
    OatRow {
        factor: format!("indicators.factor_{i}.trend"),
        factor_index: i,
        output_index: 0,
        low_value: -1.0,
        high_value: 1.0,
        y_low,
        y_high,
        swing: (y_high - y_low).abs(),
    }
}

fn index(estimate: f64, ci: Option<(f64, f64)>) -> SobolIndex {
    let ci = ci.map(|(low, high)| ConfidenceInterval {
        level: 0.95,
        low,
        high,
        std_error: 0.01,
        replicates: 50,
    });
    SobolIndex {
        estimate,
        ci,
        negative: estimate < 0.0,
        ci_covers_zero: ci.is_some_and(|c| c.low <= 0.0 && c.high >= 0.0),
    }
}

fn sobol_row(i: usize, first: Option<SobolIndex>, total: Option<SobolIndex>) -> SobolRow {
    SobolRow {
        factor: format!("f{i}"),
        factor_index: i,
        output_index: 0,
        first_order: first,
        total,
    }
}

fn morris_row(i: usize, mu_star: f64, sigma: f64) -> MorrisRow {
    MorrisRow {
        factor: format!("indicators.factor_{i}.elasticity"),
        factor_index: i,
        output_index: 0,
        mu: mu_star,
        mu_star,
        sigma,
        mu_star_ci: None,
    }
}

fn is_blank(img: &RenderedChart) -> bool {
    img.rgb.iter().all(|&b| b == 255)
}

#[test]
fn tornado_survives_zero_nan_empty_and_crowded_inputs() {
    let cases: Vec<(f64, Vec<OatRow>)> = vec![
        (0.5, Vec::new()),
        (0.5, vec![oat_row(0, 0.5, 0.5), oat_row(1, 0.5, 0.5)]),
        (0.0, vec![oat_row(0, 0.0, 0.0)]),
        (
            0.5,
            vec![oat_row(0, f64::NAN, 0.7), oat_row(1, 0.2, f64::INFINITY)],
        ),
        (f64::NAN, vec![oat_row(0, 0.2, 0.7)]),
        // Both runs on the same side of the nominal output.
        (0.5, vec![oat_row(0, 0.6, 0.9), oat_row(1, 0.1, 0.4)]),
        (
            0.5,
            (0..80)
                .map(|i| oat_row(i, 0.5 - 0.005 * i as f64, 0.5 + 0.004 * i as f64))
                .collect(),
        ),
    ];
    for (nominal, rows) in cases {
        let spec = TornadoChart {
            title: "t".into(),
            nominal,
            rows,
            bounds: Some((0.0, 1.0)),
            ..TornadoChart::default()
        };
        let img = render_tornado_rgb(&spec).unwrap();
        assert!(!is_blank(&img));
        assert_eq!((img.width, img.height), (1200, 800));
    }
    // A small image still renders; an absurd one is an invalid spec, not a panic.
    let small = TornadoChart {
        rows: vec![oat_row(0, 0.2, 0.7)],
        nominal: 0.5,
        size: (300, 200),
        ..TornadoChart::default()
    };
    render_tornado_rgb(&small).unwrap();
    let absurd = TornadoChart {
        size: (10, 10),
        ..small
    };
    assert!(render_tornado_rgb(&absurd).is_err());
}

#[test]
fn morris_survives_zero_nan_empty_and_crowded_inputs() {
    let cases: Vec<Vec<MorrisRow>> = vec![
        Vec::new(),
        vec![morris_row(0, 0.0, 0.0), morris_row(1, 0.0, 0.0)],
        vec![morris_row(0, f64::NAN, 0.1), morris_row(1, 0.2, 0.1)],
        // Twenty points on top of each other: numbered labels, no panic.
        (0..20).map(|i| morris_row(i, 0.1, 0.1)).collect(),
        (0..40)
            .map(|i| morris_row(i, 0.01 * i as f64, 0.02 * (i % 7) as f64))
            .collect(),
    ];
    for rows in cases {
        let spec = MorrisChart {
            rows,
            ..MorrisChart::default()
        };
        let img = render_morris_rgb(&spec).unwrap();
        assert!(!is_blank(&img));
    }
}

#[test]
fn sobol_charts_survive_undefined_negative_and_empty_indices() {
    let undefined: Vec<SobolRow> = (0..3).map(|i| sobol_row(i, None, None)).collect();
    let mixed = vec![
        sobol_row(
            0,
            Some(index(0.6, Some((0.5, 0.7)))),
            Some(index(0.7, Some((0.6, 0.8)))),
        ),
        sobol_row(
            1,
            Some(index(-0.05, Some((-0.1, 0.02)))),
            Some(index(0.01, Some((-0.01, 0.03)))),
        ),
        sobol_row(2, Some(index(0.0, None)), Some(index(0.0, None))),
        sobol_row(3, Some(index(f64::NAN, None)), Some(index(0.2, None))),
    ];
    for rows in [Vec::new(), undefined, mixed.clone()] {
        let spec = SobolBarChart {
            rows,
            ..SobolBarChart::default()
        };
        assert!(!is_blank(&render_sobol_bars_rgb(&spec).unwrap()));
    }
    // The flagged first-order bar of f1 is hatched: its light fill shows left of 0.
    let spec = SobolBarChart {
        rows: mixed,
        ..SobolBarChart::default()
    };
    let order: Vec<&str> = spec
        .drawn_rows()
        .iter()
        .map(|r| r.factor.as_str())
        .collect();
    assert_eq!(order, vec!["f0", "f3", "f1"]);
    let img = render_sobol_bars_rgb(&spec).unwrap();
    let g = img.plots[0];
    // The first-order bar ends a pixel above the row's centre; its whisker runs through the
    // bar's middle.
    let (x0, centre) = g.to_pixel(-0.05, 2.5);
    let (x1, _) = g.to_pixel(0.0, 2.5);
    let y = centre - 4;
    let row: Vec<[u8; 3]> = (x0 + 1..x1).filter_map(|x| img.pixel(x, y)).collect();
    assert!(row.contains(&rgb(flagged_fill(COLOR_A))), "{row:?}");
    assert!(row.contains(&rgb(COLOR_A)), "hatching lines");

    let years: Vec<i32> = (2021..=2025).collect();
    let series = |i: usize, f: &dyn Fn(usize) -> Option<SobolIndex>| SobolYearSeries {
        factor: format!("f{i}"),
        total: (0..5).map(f).collect(),
    };
    let cases = vec![
        Vec::new(),
        vec![series(0, &|_| None), series(1, &|_| None)],
        vec![series(0, &|_| Some(index(0.0, None)))],
        vec![
            series(0, &|k| (k > 1).then(|| index(0.3, Some((0.2, 0.4))))),
            series(1, &|k| Some(index(f64::NAN, None)).filter(|_| k == 0)),
        ],
        (0..9)
            .map(|i| series(i, &|k| Some(index(0.1 * (i + k) as f64, None))))
            .collect(),
    ];
    for s in cases {
        let spec = SobolYearsChart {
            years: years.clone(),
            series: s,
            ..SobolYearsChart::default()
        };
        assert!(spec.drawn_series().len() <= 6);
        assert!(!is_blank(&render_sobol_years_rgb(&spec).unwrap()));
    }
    let ragged = SobolYearsChart {
        years,
        series: vec![series(0, &|_| None)]
            .into_iter()
            .map(|mut s| {
                s.total.pop();
                s
            })
            .collect(),
        ..SobolYearsChart::default()
    };
    assert!(render_sobol_years_rgb(&ragged).is_err());
}

#[test]
fn the_tornado_of_a_certain_target_says_so_and_shows_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = config(Method::Oat, &dir.path().join("oat"), 0);
    args.metrics = vec!["p_met:zhumadian.return_entrepreneurs.cumulative_floor".into()];
    let o = sens::run(&args, None).expect("sens runs");
    let all = jobs(&o.study);
    let SensChart::Tornado(t) = &all[0].chart else {
        panic!("not a tornado")
    };
    assert_eq!(t.nominal, 1.0, "the target is certain in this scenario");
    assert_eq!(
        t.flat_message.as_deref(),
        Some(
            "Met on every path at every setting: P(met) = 1 at the nominal point and with each factor at its 5 % and 95 % quantile, so no factor moves it"
        )
    );
    assert_eq!(
        t.nominal_label,
        "Nominal (every factor at its median or mode)"
    );
    let run_value = o.study.run_outputs.last().copied().unwrap();
    assert_eq!(
        t.run,
        Some((run_value, "Run (factors drawn per path)".to_owned()))
    );
    assert!(t.notes[0].starts_with(
        "Nominal: the P(met) with every factor fixed at its nominal value (its median; the mode if triangular) on the same 100 paths."
    ), "{}", t.notes[0]);

    // A target that is not certain gets no such message.
    let (_dir, o) = run(Method::Oat, 0);
    for j in jobs(&o.study) {
        let SensChart::Tornado(t) = &j.chart else {
            panic!("not a tornado")
        };
        assert_eq!(t.flat_message, None, "{}", j.metric);
    }
}

#[test]
fn a_nearly_certain_targets_sobol_chart_carries_the_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(Method::Sobol, &dir.path().join("w"), 32);
    cfg.params = Some(vec![
        "indicators.return_entrepreneurs.trend".into(),
        "unemployment.natural_rate".into(),
    ]);
    cfg.metrics = vec![
        "p_met:kaifeng.return_entrepreneurs.cumulative_floor".into(),
        "p_met:kaifeng.surveyed_unemployment_rate.level_cap".into(),
    ];
    let o = sens::run(&cfg, None).expect("sens runs");
    let js = jobs(&o.study);
    let notes = |i: usize| match &js[i].chart {
        SensChart::SobolBars(b) => b.notes.clone(),
        _ => panic!("job {i} is not a bar chart"),
    };
    let certain = notes(0);
    assert!(
        certain.iter().any(|n| n.starts_with("Warning: P(met) is ")
            && n.ends_with("analyse the outcome itself: --metric outcome:kaifeng.return_entrepreneurs.cumulative_floor.")),
        "{certain:?}"
    );
    assert!(
        notes(2).iter().all(|n| !n.contains("nearly constant")),
        "{:?}",
        notes(2)
    );
    // The metric the warning suggests does not saturate: its chart carries no warning of
    // the kind, and the trend, which P(met) could not rank, takes nearly all the variance.
    cfg.metrics = vec!["outcome:kaifeng.return_entrepreneurs.cumulative_floor".into()];
    cfg.sim.out = Some(dir.path().join("w2"));
    let o = sens::run(&cfg, None).expect("sens runs");
    let js = jobs(&o.study);
    let SensChart::SobolBars(b) = &js[0].chart else {
        panic!("not a bar chart")
    };
    assert!(
        b.notes.iter().all(|n| !n.contains("nearly constant")),
        "{:?}",
        b.notes
    );
    let top = o.study.importance(o.study.metrics[0].years.len() - 1);
    assert_eq!(top[0].0, "indicators.return_entrepreneurs.trend");
    assert!(top[0].1 > 0.9, "{top:?}");
}
