//! docs/TUTORIAL.md never goes stale: its commands run in order in a new folder, each
//! printing exactly what the tutorial shows, and its edits apply to the files as they are
//! then. The scenario it ends with is `scenarios/kaifeng-minimal.toml`, byte for byte, and
//! gives Kaifeng's targets the probabilities henan-baseline.toml gives them (same model,
//! same defaults) within Monte Carlo error.
//!
//! The tutorial's blocks:
//! - ```` ```console ```` blocks: lines `$ empsim ARGS` (arguments split at spaces, no shell
//!   quoting) each followed by the output expected (standard output, then standard error).
//!   In an expected line `[..]` matches any text; a line `...` matches any lines. A command
//!   whose expected output has a line starting `error:` must exit with code 2, any other
//!   with 0.
//! - ```` ```diff FILE ```` blocks: hunks separated by `@@` lines; in each, the lines
//!   starting with ` ` or `-` must occur in FILE in that order, consecutively, and are
//!   replaced by those starting with ` ` or `+`.
//!
//! `EMPSIM_BLESS=1` rewrites the expected outputs from the actual ones (keeping the `[..]`
//! of lines that still match, and `...`): review the diff of the tutorial before
//! committing.

use crate::support::{command, read, repo, shipped};
use std::path::Path;

/// One block of the tutorial, with its line range in the document.
#[derive(Debug)]
enum Block {
    Console {
        start: usize,
        end: usize,
    },
    Diff {
        file: String,
        start: usize,
        end: usize,
    },
}

/// The blocks of the tutorial: `(start, end)` are the lines inside the fences.
fn blocks(lines: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(info) = line.strip_prefix("```") {
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].starts_with("```"))
                .unwrap_or_else(|| panic!("TUTORIAL.md:{}: unclosed block", i + 1));
            match info.split_whitespace().collect::<Vec<_>>()[..] {
                ["console"] => out.push(Block::Console { start: i + 1, end }),
                ["diff", file] => out.push(Block::Diff {
                    file: file.to_string(),
                    start: i + 1,
                    end,
                }),
                _ => {}
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `actual` matches `expected`, where `[..]` in `expected` matches any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("[..]").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let Some(mut rest) = actual.strip_prefix(parts[0]) else {
        return false;
    };
    for (k, part) in parts.iter().enumerate().skip(1) {
        if k == parts.len() - 1 {
            return rest.ends_with(part) && rest.len() >= part.len();
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the lines `actual` match `expected` (with `...` lines matching any lines).
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((e, rest)) => {
            !actual.is_empty() && line_matches(e, actual[0]) && lines_match(rest, &actual[1..])
        }
    }
}

/// The expected output blessed from `actual`: the old lines that still match are kept (with
/// their `[..]`); an old `...` line stays where it matches.
fn blessed(expected: &[String], actual: &[&str]) -> Vec<String> {
    if lines_match(expected, actual) {
        return expected.to_vec();
    }
    actual.iter().map(|l| l.to_string()).collect()
}

/// Runs one console block in `dir`; returns its expected lines as they should be.
fn run_console(dir: &Path, lines: &[&str], at: usize, bless: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let cmd = lines[i]
            .strip_prefix("$ ")
            .unwrap_or_else(|| panic!("TUTORIAL.md:{}: expected `$ empsim …`", at + i + 1));
        let words: Vec<&str> = cmd.split_whitespace().collect();
        assert_eq!(words[0], "empsim", "TUTORIAL.md:{}", at + i + 1);
        assert!(
            !cmd.contains(['\'', '"', '>', '<', '|']),
            "TUTORIAL.md:{}: no shell quoting or redirection in tutorial commands",
            at + i + 1
        );
        out.push(lines[i].to_string());
        let expected: Vec<String> = lines[i + 1..]
            .iter()
            .take_while(|l| !l.starts_with("$ "))
            .map(|l| l.to_string())
            .collect();
        let o = command(&words[1..], dir).output().expect("empsim runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let actual: Vec<&str> = text.trim_end().lines().collect();
        let wants_error = expected.iter().any(|l| l.starts_with("error:"));
        let code = o.status.code();
        if bless {
            out.extend(blessed(&expected, &actual));
        } else {
            assert!(
                lines_match(&expected, &actual),
                "TUTORIAL.md:{}: `{cmd}` printed\n{text}\nwhere the tutorial shows\n{}",
                at + i + 1,
                expected.join("\n")
            );
            assert_eq!(
                code,
                Some(if wants_error { 2 } else { 0 }),
                "TUTORIAL.md:{}: `{cmd}`",
                at + i + 1
            );
        }
        i += 1 + expected.len();
    }
    out
}

/// Applies a diff block to `file` in `dir`.
fn apply_diff(dir: &Path, file: &str, lines: &[&str], at: usize) {
    let path = dir.join(file);
    let mut text = read(&path);
    for hunk in lines.split(|l| l.starts_with("@@")) {
        if hunk.is_empty() {
            continue;
        }
        let mut old = String::new();
        let mut new = String::new();
        for l in hunk {
            let (mark, body) = l.split_at(l.chars().next().map_or(0, char::len_utf8));
            match mark {
                " " | "" => {
                    old += body;
                    old += "\n";
                    new += body;
                    new += "\n";
                }
                "-" => {
                    old += body;
                    old += "\n";
                }
                "+" => {
                    new += body;
                    new += "\n";
                }
                _ => panic!("TUTORIAL.md:{at}: a diff line starts with ` `, `-` or `+`: {l}"),
            }
        }
        assert_eq!(
            text.matches(&old).count(),
            1,
            "TUTORIAL.md:{at}: the hunk's old lines must occur once in {file}:\n{old}"
        );
        text = text.replacen(&old, &new, 1);
    }
    std::fs::write(&path, text).unwrap();
}

#[test]
fn the_tutorial_runs_as_written_and_ends_with_the_minimal_example() {
    let doc_path = repo().join("docs/TUTORIAL.md");
    let doc = read(&doc_path);
    let lines: Vec<&str> = doc.lines().collect();
    let bless = std::env::var_os("EMPSIM_BLESS").is_some();
    let dir = tempfile::tempdir().unwrap();
    let mut rewritten: Vec<String> = Vec::new();
    let mut copied = 0;
    for block in blocks(&lines) {
        match block {
            Block::Console { start, end } => {
                rewritten.extend(lines[copied..start].iter().map(|l| l.to_string()));
                rewritten.extend(run_console(dir.path(), &lines[start..end], start, bless));
                copied = end;
            }
            Block::Diff { file, start, end } => {
                apply_diff(dir.path(), &file, &lines[start..end], start);
            }
        }
    }
    rewritten.extend(lines[copied..].iter().map(|l| l.to_string()));
    if bless {
        let mut text = rewritten.join("\n");
        text.push('\n');
        if text != doc {
            std::fs::write(&doc_path, text).unwrap();
        }
    }
    // The scenario the tutorial ends with is the shipped minimal example.
    let written = read(&dir.path().join("kaifeng.toml"));
    let example = shipped("kaifeng-minimal.toml");
    if bless {
        if read(&example) != written {
            std::fs::write(&example, &written).unwrap();
        }
    } else {
        assert_eq!(
            written,
            read(&example),
            "the tutorial's kaifeng.toml differs from scenarios/kaifeng-minimal.toml \
             (EMPSIM_BLESS=1 rewrites it)"
        );
    }
}

#[test]
fn the_minimal_example_gives_kaifeng_the_probabilities_of_henan_baseline() {
    // Same model and defaults, independent seeds: each P(met) is within Monte Carlo error
    // of henan-baseline's, four standard errors of the difference at most.
    use empsim::scenario::Scenario;
    let n = 4000;
    let p_met = |file: &str| {
        let scn = Scenario::from_file(&shipped(file)).unwrap();
        let sim = empsim::engine::simulate(&scn, n, scn.seed, &[]);
        empsim::stats::evaluate_targets(&scn, &sim, &[0.5])
            .into_iter()
            .map(|r| {
                let t = &scn.targets[r.target];
                (
                    scn.regions[t.region].id.clone() + "." + t.indicator.key(),
                    r.p_met,
                )
            })
            .collect::<Vec<_>>()
    };
    let minimal = p_met("kaifeng-minimal.toml");
    let henan = p_met("henan-baseline.toml");
    assert_eq!(minimal.len(), 4);
    for (id, p) in &minimal {
        let (_, q) = henan.iter().find(|(h, _)| h == id).unwrap();
        let se = ((p * (1.0 - p) + q * (1.0 - q)) / n as f64).sqrt();
        assert!(
            (p - q).abs() <= 4.0 * se.max(0.5 / n as f64),
            "{id}: {p} in the minimal example, {q} in henan-baseline (se {se})"
        );
    }
}
