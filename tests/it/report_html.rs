//! `report.html` as readers get it: every link resolves inside the output folder, every
//! character has a glyph in the embedded font subset, the kept sensitivity, discovery and
//! backtest results have their sections, and — in headless Chromium — the run and compare reports fit a
//! 390 px phone and a 1280 px laptop without sideways scrolling and print to A4.
//!
//! The Chromium test skips (with a message) when no Chromium is installed, unless
//! `EMPSIM_REQUIRE_CHROMIUM` is set (`.ci/run` sets it when it could install Chromium).

use std::path::{Path, PathBuf};
use std::process::Command;

use ab_glyph::{Font, FontRef};

use crate::support::{assert_success, copy_scenarios, empsim, read, scenarios_dir, workdir};

/// A run of henan-baseline with an OAT study and a backtest kept in its folder (the run
/// repeated after them, so its report shows them), and a comparison of two scenarios.
struct Outputs {
    _dir: tempfile::TempDir,
    run: PathBuf,
    compare: PathBuf,
}

fn outputs() -> Outputs {
    let dir = workdir();
    let d = dir.path();
    copy_scenarios(d);
    let run = |args: &[&str]| assert_success(&empsim(args, d));
    let base = ["--paths", "200", "--threads", "2"];
    let actuals = scenarios_dir()
        .join("backtest/actuals-plans.csv")
        .display()
        .to_string();
    run(&[
        &["run", "henan-baseline.toml", "--out", "out/run"][..],
        &base,
    ]
    .concat());
    run(&[
        &[
            "sens",
            "henan-baseline.toml",
            "--method",
            "oat",
            "--out",
            "out/run/sensitivity/oat",
            "--metric",
            "p_met:kaifeng.urban_new_jobs.cumulative_floor",
        ][..],
        &["--paths", "50", "--threads", "2"],
    ]
    .concat());
    run(&[
        &[
            "discover",
            "henan-baseline.toml",
            "--target",
            "kaifeng.surveyed_unemployment_rate.level_cap",
            "--out",
            "out/run/discover/kaifeng.surveyed_unemployment_rate.level_cap",
        ][..],
        &base,
    ]
    .concat());
    run(&[
        &[
            "backtest",
            "henan-baseline.toml",
            "--actuals",
            &actuals,
            "--out",
            "out/run/backtest",
        ][..],
        &base,
    ]
    .concat());
    run(&[
        &["run", "henan-baseline.toml", "--out", "out/run"][..],
        &base,
    ]
    .concat());
    run(&[
        &[
            "compare",
            "henan-baseline.toml",
            "henan-downside.toml",
            "--out",
            "out/compare",
        ][..],
        &base,
    ]
    .concat());
    Outputs {
        run: d.join("out/run"),
        compare: d.join("out/compare"),
        _dir: dir,
    }
}

/// Every `href="…"` and `src="…"` value of a page, `&amp;` unescaped.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            out.push(rest[..rest.find('"').unwrap()].replace("&amp;", "&"));
        }
    }
    out
}

/// Percent-decodes a relative URL path.
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The embedded font subset of a page and the page without its style sheet.
fn font_and_text(html: &str) -> (Vec<u8>, String) {
    const PREFIX: &str = "url(data:font/otf;base64,";
    let at = html.find(PREFIX).expect("an embedded font") + PREFIX.len();
    let b64 = &html[at..at + html[at..].find(')').unwrap()];
    let style = html.find("<style>").unwrap();
    let end = html.find("</style>").unwrap();
    let text = format!("{}{}", &html[..style], &html[end..]);
    (base64_decode(b64), text)
}

#[test]
fn report_links_resolve_every_character_has_a_glyph_and_kept_analyses_have_sections() {
    let o = outputs();
    for (dir, sections) in [
        (
            &o.run,
            &[
                "id=\"targets\"",
                "id=\"projection\"",
                "id=\"charts\"",
                "id=\"sensitivity\"",
                "id=\"discover\"",
                "id=\"backtest\"",
                "id=\"assumptions\"",
                "id=\"baselines\"",
                "id=\"sources\"",
            ][..],
        ),
        (&o.compare, &["id=\"p-met\"", "id=\"charts\""][..]),
    ] {
        let html = read(&dir.join("report.html"));
        for s in sections {
            assert!(html.contains(s), "{}: {s}", dir.display());
        }
        // Local links point at files in the folder; nothing is loaded from elsewhere.
        let mut files = 0;
        for l in links(&html) {
            if let Some(anchor) = l.strip_prefix('#') {
                let id = format!("id=\"{anchor}\"");
                assert!(html.contains(&id), "anchor {l}");
                continue;
            }
            assert!(!l.contains("//") && !l.starts_with('/'), "{l}");
            let target = dir.join(url_decode(&l));
            assert!(target.is_file(), "{} links {l}, not a file", dir.display());
            files += 1;
        }
        assert!(files > 5, "{files} file links");
        // Every character of the page has a glyph in the embedded subset.
        let (font, text) = font_and_text(&html);
        assert!(font.len() < 400_000, "font subset of {} bytes", font.len());
        let face = FontRef::try_from_slice(&font).expect("the subset is a readable font");
        let missing: Vec<char> = text
            .chars()
            .filter(|c| !c.is_control() && face.glyph_id(*c).0 == 0)
            .collect();
        assert!(missing.is_empty(), "no glyph for {missing:?}");
        assert!(
            html.len() < 600_000,
            "{}: {} bytes",
            dir.display(),
            html.len()
        );
    }
    let html = read(&o.run.join("report.html"));
    // Sources by title, bilingual headings, the kept results' charts.
    assert!(
        html.contains("《河南省“十四五”人才发展人力资源开发和就业促进规划》, 河南省人民政府 2021")
    );
    assert!(html.contains("目标达成概率"));
    assert!(html.contains(
        "src=\"sensitivity/oat/tornado-p_met-kaifeng-urban_new_jobs-cumulative_floor.png\""
    ));
    assert!(html.contains("<table class=\"backtest cards\">"));
    assert!(
        html.contains("src=\"discover/kaifeng.surveyed_unemployment_rate.level_cap/prim-box.png\"")
    );
    assert!(html.contains("<a href=\"targets.csv\">targets.csv</a>"));
}

/// Chromium's binary, or `None` (with a message) when absent and not required.
fn chromium() -> Option<PathBuf> {
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        if let Some(p) = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        }) {
            return Some(p);
        }
    }
    assert!(
        std::env::var_os("EMPSIM_REQUIRE_CHROMIUM").is_none(),
        "EMPSIM_REQUIRE_CHROMIUM is set but no Chromium was found"
    );
    eprintln!(
        "skipped: no chromium in PATH (apt-get install chromium; set EMPSIM_REQUIRE_CHROMIUM=1 to require it)"
    );
    None
}

fn headless(chrome: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("timeout")
        .arg("120")
        .arg(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .args(args)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Document width and viewport width of `page` shown `width` px wide, measured by a
/// script in a frame page beside it (headless Chromium's window is at least 500 px wide, so
/// the phone width is an iframe's).
fn measure(chrome: &Path, page: &Path, width: u32) -> (u32, u32) {
    let name = page.file_name().unwrap().to_str().unwrap();
    let probe = page.with_file_name(format!("measure-{width}.html"));
    std::fs::write(
        &probe,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">\
<iframe id=\"f\" src=\"{name}\" style=\"width:{width}px;height:900px;border:0\"></iframe>\
<script>document.getElementById('f').addEventListener('load', function () {{ \
var d = this.contentDocument; \
document.body.setAttribute('data-measure', d.documentElement.scrollWidth + ' ' + this.contentWindow.innerWidth); }});\
</script></body></html>"
        ),
    )
    .unwrap();
    let out = headless(
        chrome,
        &[
            "--window-size=1400,1000",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--dump-dom",
            &format!("file://{}", probe.display()),
        ],
    );
    std::fs::remove_file(&probe).unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let at = dom.find("data-measure=\"").expect("the script ran") + 14;
    let v: Vec<u32> = dom[at..at + dom[at..].find('"').unwrap()]
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    (v[0], v[1])
}

#[test]
fn reports_fit_phone_and_laptop_widths_and_print_to_a4_in_chromium() {
    let Some(chrome) = chromium() else {
        return;
    };
    let o = outputs();
    for dir in [&o.run, &o.compare] {
        let page = dir.join("report.html");
        for width in [390, 1280] {
            let (scroll, window) = measure(&chrome, &page, width);
            assert_eq!(window, width, "{}", page.display());
            assert!(
                scroll <= window,
                "{} at {width} px: the page is {scroll} px wide",
                page.display()
            );
        }
        let pdf = dir.with_extension("pdf");
        headless(
            &chrome,
            &[
                "--no-pdf-header-footer",
                &format!("--print-to-pdf={}", pdf.display()),
                &format!("file://{}", page.display()),
            ],
        );
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF"), "{}", pdf.display());
        // The page count, where poppler's pdfinfo is installed.
        if let Ok(info) = Command::new("pdfinfo").arg(&pdf).output() {
            let info = String::from_utf8_lossy(&info.stdout);
            if let Some(n) = info
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .map(|n| n.trim().parse::<u32>().unwrap())
            {
                eprintln!("{}: {n} A4 pages", page.display());
                assert!((1..=60).contains(&n), "{n} pages");
            }
        }
    }
}

/// Standard base64 decoding (RFC 4648 §4), independent of the crate's encoder.
pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => 0,
            _ => panic!("not base64: {:?}", c as char),
        }
    };
    assert_eq!(s.len() % 4, 0, "base64 length");
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk.iter().fold(0u32, |n, &c| (n << 6) | val(c));
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}
