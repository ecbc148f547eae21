//! Typed errors of the library, one enum per domain, gathered in [`Error`], and the exit
//! code each maps to. Errors keep their sources; `main` prints the chain with anyhow's
//! `{:#}` (each source after a colon) and exits with [`Error::exit_code`].
//!
//! Exit codes: 0 success, 2 bad input (scenario and actuals files, command-line values,
//! output folders), 1 anything else (a failure of the program, not of the input).

use crate::chart::ChartError;
use crate::sensitivity::SensitivityError;
use std::path::PathBuf;

/// An error in a scenario file: where it is and what is wrong.
///
/// `location` is either `line:column` (for syntax, unknown keys and wrong types, reported by
/// the TOML parser) or a key path such as `regions.kaifeng.targets[0].value` (for checks
/// across fields, which run after `extends` files are merged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    /// A TOML syntax error, an unknown key, a wrong type or an out-of-range value caught
    /// while parsing one file.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A value that parses but is inconsistent with the rest of the scenario.
    #[error("{path}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
    /// `extends` chains back to a file already in the chain.
    #[error("{path}: extends: cycle in `extends` chain: {chain}")]
    ExtendsCycle { path: PathBuf, chain: String },
    /// An observation file given on the command line could not be read.
    #[error("cannot read observations file {path}: {reason}")]
    ObservationsRead { path: PathBuf, reason: String },
    /// A malformed line in an observation file.
    #[error(transparent)]
    Observations(ActualsError),
    /// Every problem found in one pass over a scenario (more than one, or one placed at
    /// its line with a snippet), sorted by file and position.
    #[error("{}", render_problems(.0))]
    Problems(Vec<Problem>),
}

/// One problem of a scenario, placed in the file that holds the offending key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The error as found (its `path` is the scenario file being checked).
    pub error: ScenarioError,
    /// The file the key is written in (the scenario file or one it extends) and where.
    pub place: Option<Place>,
    /// What to do about it, where the message alone does not say.
    pub hint: Option<String>,
}

/// Where a problem is: the file, the 1-based line and column (in characters), the text of
/// that line, and the bytes of the line to underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub text: String,
    pub underline: std::ops::Range<usize>,
}

impl Problem {
    /// The one-line message: `key: message` for a check across fields, the parser's
    /// message for a syntax or type error, the error itself otherwise.
    pub fn title(&self) -> String {
        match &self.error {
            ScenarioError::Invalid { key, message, .. } => {
                let message = message
                    .split_once("\nhelp: ")
                    .map_or(message.as_str(), |m| m.0);
                format!("{key}: {message}")
            }
            ScenarioError::Parse { message, .. } => message.clone(),
            ScenarioError::ExtendsCycle { chain, .. } => {
                format!("extends: cycle in `extends` chain: {chain}")
            }
            other => other.to_string(),
        }
    }

    /// The problem as a compiler prints it: the message, `--> file:line:column`, the line
    /// with the key underlined, and the hint.
    pub fn render(&self) -> String {
        use annotate_snippets::{Level, Renderer, Snippet};
        let title = self.title();
        let Some(place) = &self.place else {
            let mut s = format!("error: {title}");
            if let Some(h) = &self.hint {
                s.push_str(&format!("\n  = help: {h}"));
            }
            return s;
        };
        let origin = place.file.display().to_string();
        let text = place.text.replace('\t', " ");
        let end = place
            .underline
            .end
            .min(text.len())
            .max(place.underline.start + 1);
        let snippet = Snippet::source(&text)
            .line_start(place.line)
            .origin(&origin)
            .annotation(Level::Error.span(place.underline.start.min(text.len())..end));
        let mut message = Level::Error.title(&title).snippet(snippet);
        if let Some(h) = &self.hint {
            message = message.footer(Level::Help.title(h));
        }
        Renderer::plain().render(message).to_string()
    }
}

/// The most problems with the same message shown in full; the others are listed by key.
const SAME_SHOWN: usize = 2;

/// Problems as `main` prints them after `error: `: a count when there are several, then
/// each problem; when many share a message (one mistake seen from many keys, e.g. a
/// base year after every baseline), the first few in full and the rest as a list.
fn render_problems(problems: &[Problem]) -> String {
    let message = |p: &Problem| match &p.error {
        ScenarioError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let mut blocks: Vec<String> = Vec::new();
    let mut listed = vec![false; problems.len()];
    for (i, p) in problems.iter().enumerate() {
        if listed[i] {
            continue;
        }
        blocks.push(p.render());
        let same: Vec<usize> = (i + 1..problems.len())
            .filter(|&j| !listed[j] && message(&problems[j]) == message(p))
            .collect();
        if same.len() < SAME_SHOWN + 2 {
            continue;
        }
        for &j in &same[..SAME_SHOWN - 1] {
            blocks.push(problems[j].render());
        }
        let rest = &same[SAME_SHOWN - 1..];
        let mut list = format!("error: the same problem at {} more keys:", rest.len());
        for &j in rest {
            listed[j] = true;
            let q = &problems[j];
            let key = match &q.error {
                ScenarioError::Invalid { key, .. } => key.clone(),
                other => other.to_string(),
            };
            let at = q.place.as_ref().map_or(String::new(), |pl| {
                format!(" ({}:{}:{})", pl.file.display(), pl.line, pl.column)
            });
            list.push_str(&format!("\n  {key}{at}"));
        }
        for &j in &same[..SAME_SHOWN - 1] {
            listed[j] = true;
        }
        blocks.push(list);
    }
    let body = blocks.join("\n\n");
    match problems {
        [_] => body.strip_prefix("error: ").unwrap_or(&body).to_string(),
        _ => {
            let file = problems
                .iter()
                .find_map(|p| match &p.error {
                    ScenarioError::Invalid { path, .. } | ScenarioError::Parse { path, .. } => {
                        Some(path.display().to_string())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| "the scenario".into());
            format!("{} problems in {file}\n\n{body}", problems.len())
        }
    }
}

/// An error in an actuals file (observed values): the file cannot be read, or a line is
/// malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActualsError {
    #[error("cannot read actuals file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Actuals(#[from] ActualsError),
    /// A command-line value that is out of range or inconsistent; the message names the
    /// flag.
    #[error("{0}")]
    Usage(String),
    /// The sensitivity library rejected a design (bad options: exit 2) or a model output
    /// (exit 1).
    #[error(transparent)]
    Sensitivity(#[from] SensitivityError),
    /// A chart could not be drawn (a failure of the renderer; a chart that cannot be
    /// written is an [`Error::Output`]). Made by `report::png::chart_error`.
    #[error("cannot draw a chart")]
    Chart(#[source] ChartError),
    /// The output folder cannot be created or written.
    #[error("cannot write output folder {path}")]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An output folder empsim will not write: it would replace what empsim did not write,
    /// or a folder the user works in.
    #[error("will not write to {path}: {reason}")]
    OutputRefused { path: PathBuf, reason: String },
    /// Another empsim process is writing the same output folder.
    #[error("{path} is being written by another empsim process{}; wait for it to finish, or choose another folder with --out", pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy { path: PathBuf, pid: Option<u32> },
    /// A result that is not a finite number: nothing was written.
    #[error(
        "{what} is not a finite number ({value}); nothing was written. This is a bug or an extreme the scenario's bounds did not catch: please report it with the scenario"
    )]
    NonFinite { what: String, value: f64 },
    /// The worker threads could not be started.
    #[error("cannot start worker threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    /// The terminal output could not be written (other than a closed pipe).
    #[error("cannot write to stdout")]
    Stdout(#[source] std::io::Error),
    /// A value could not be serialised to JSON for the terminal.
    #[error("cannot write JSON")]
    Json(#[source] serde_json::Error),
}

impl Error {
    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_)
            | Error::Actuals(_)
            | Error::Usage(_)
            | Error::Output { .. }
            | Error::OutputRefused { .. }
            | Error::Busy { .. } => 2,
            Error::Sensitivity(e) if is_bad_design(e) => 2,
            Error::Sensitivity(_)
            | Error::Chart(_)
            | Error::NonFinite { .. }
            | Error::Threads(_)
            | Error::Stdout(_)
            | Error::Json(_) => 1,
        }
    }
}

/// Whether a sensitivity error is about the design the user asked for (factors, options,
/// sizes) rather than the model's outputs.
fn is_bad_design(e: &SensitivityError) -> bool {
    use SensitivityError as S;
    matches!(
        e,
        S::NoFactors
            | S::EmptyFactorName { .. }
            | S::DuplicateFactor { .. }
            | S::InvalidFactor { .. }
            | S::NonFiniteValue { .. }
            | S::InvalidBaseSamples(_)
            | S::InvalidOption { .. }
            | S::TooManyDimensions { .. }
            | S::ZeroDimensions
            | S::SequenceExhausted { .. }
    )
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error and its sources, as `main` prints them (`a: b: c`).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(c) = next {
        s.push_str(": ");
        s.push_str(&c.to_string());
        next = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_separate_bad_input_from_internal_failures() {
        let bad = Error::Usage("--paths must be at least 1".into());
        assert_eq!(bad.exit_code(), 2);
        let out = Error::Output {
            path: "/x".into(),
            source: std::io::Error::other("denied"),
        };
        assert_eq!(out.exit_code(), 2);
        assert_eq!(chain(&out), "cannot write output folder /x: denied");
        let nf = Error::NonFinite {
            what: "x".into(),
            value: f64::NAN,
        };
        assert_eq!(nf.exit_code(), 1);
        assert_eq!(Error::from(SensitivityError::NoFactors).exit_code(), 2);
        let model = SensitivityError::EmptyOutput { row: 3 };
        assert_eq!(Error::from(model).exit_code(), 1);
    }

    #[test]
    fn parse_error_names_file_line_and_column() {
        let e = ScenarioError::Parse {
            path: "a.toml".into(),
            line: 3,
            column: 7,
            message: "unknown field `foo`".into(),
        };
        assert_eq!(e.to_string(), "a.toml:3:7: unknown field `foo`");
    }
}
