//! Typed errors of the library, one enum per domain, and the exit code each maps to.
//!
//! Exit codes: 0 success, 2 bad input (scenario files, command-line values, output folder),
//! 1 anything else. `main` prints the error chain with `{:#}` and exits with [`Error::exit_code`].

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
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A command-line value that is out of range or inconsistent.
    #[error("{0}")]
    Usage(String),
    /// The output folder cannot be created or written.
    #[error("cannot write output folder {path}: {reason}")]
    Output { path: PathBuf, reason: String },
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
    /// A failure that is not the user's input (e.g. a worker pool that cannot start).
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_)
            | Error::Usage(_)
            | Error::Output { .. }
            | Error::OutputRefused { .. }
            | Error::Busy { .. } => 2,
            Error::Internal(_) | Error::NonFinite { .. } => 1,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_separate_bad_input_from_internal_failures() {
        let bad = Error::Usage("--paths must be at least 1".into());
        assert_eq!(bad.exit_code(), 2);
        let out = Error::Output {
            path: "/x".into(),
            reason: "denied".into(),
        };
        assert_eq!(out.exit_code(), 2);
        assert_eq!(Error::Internal("boom".into()).exit_code(), 1);
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
