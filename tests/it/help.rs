//! `--help`: every command's examples are its own, whole command lines (never wrapped,
//! whatever the terminal's width), valid for the parser, naming files that exist; and
//! `run --help` names every output.

use crate::support::{empsim_with_env, repo};
use clap::Parser;
use empsim::cli::Cli;

const COMMANDS: [&str; 8] = [
    "run",
    "compare",
    "sens",
    "discover",
    "backtest",
    "calibrate",
    "check",
    "init",
];

/// The help of `args` at a terminal `columns` wide (stdout is a pipe, so clap reads
/// `COLUMNS`).
fn help(args: &[&str], columns: usize) -> String {
    let o = empsim_with_env(args, repo(), &[("COLUMNS", &columns.to_string())]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The lines of the help's examples section (after `Examples:`, to the end).
fn example_lines(help: &str) -> Vec<&str> {
    let (_, section) = help
        .split_once("\nExamples:\n")
        .unwrap_or_else(|| panic!("no Examples section in\n{help}"));
    section.lines().collect()
}

#[test]
fn every_command_lists_only_its_own_whole_examples_at_any_width() {
    for command in COMMANDS {
        for columns in [60, 200] {
            for flag in ["--help", "-h"] {
                let text = help(&[command, flag], columns);
                let lines = example_lines(&text);
                assert!(!lines.is_empty(), "{command}: no examples");
                for line in &lines {
                    let example = line.strip_prefix("  ").unwrap_or(line);
                    assert!(
                        example.starts_with(&format!("empsim {command} ")),
                        "{command} --help at {columns} columns: `{line}` is not a whole \
                         `empsim {command}` example"
                    );
                    // The whole line is a valid command line of that command.
                    let words: Vec<&str> = example.split_whitespace().collect();
                    let parsed = Cli::try_parse_from(&words)
                        .unwrap_or_else(|e| panic!("`{example}` does not parse: {e}"));
                    assert_eq!(
                        format!("{:?}", parsed.command).split('(').next(),
                        Some(capitalised(command).as_str())
                    );
                    // The files it names are shipped.
                    for w in words.iter().filter(|w| w.starts_with("scenarios/")) {
                        if !w.contains('*') {
                            assert!(repo().join(w).is_file(), "`{example}`: no file {w}");
                        }
                    }
                }
                assert_eq!(
                    lines,
                    empsim::cli::examples(Some(command))
                        .iter()
                        .map(|e| format!("  {e}"))
                        .collect::<Vec<_>>(),
                    "{command} at {columns} columns"
                );
            }
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().unwrap().to_uppercase().chain(c).collect()
}

#[test]
fn the_top_level_help_shows_one_whole_example_per_command() {
    for columns in [60, 200] {
        let text = help(&["--help"], columns);
        let lines = example_lines(&text);
        let commands: Vec<&str> = lines
            .iter()
            .map(|l| {
                l.strip_prefix("  empsim ")
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            commands,
            [
                "run",
                "sens",
                "discover",
                "backtest",
                "calibrate",
                "compare",
                "check",
                "init"
            ]
        );
        assert!(text.contains("Exit codes: 0 success, 2 bad input"));
        // `help run` is `run --help`.
        assert_eq!(
            help(&["help", "run"], columns),
            help(&["run", "--help"], columns)
        );
    }
}

#[test]
fn run_help_names_every_output() {
    // Joined, as a wrapped paragraph reads.
    let text = help(&["run", "--help"], 200)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for output in [
        "quantiles.csv",
        "targets.csv",
        "on_track.csv",
        "baselines.csv",
        "parameters.csv",
        "observations.csv",
        ".xlsx",
        "report.html",
        "charts/",
        "manifest.json",
        "paths.csv",
        "draws.csv",
        "--json",
    ] {
        assert!(text.contains(output), "run --help does not name {output}");
    }
}
