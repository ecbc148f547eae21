//! The commands: one module per subcommand, over the library layers. Commands are the only
//! code that knows about command-line settings ([`settings::SimArgs`] and each command's
//! own arguments) and output folders ([`crate::outdir`]); each exposes its arguments
//! (`XArgs`, a clap `Args` struct), a library entry point that computes and writes and
//! returns an outcome, and `execute`, which also prints to the terminal.

pub mod backtest;
pub mod calibrate;
pub mod check;
pub mod compare;
pub mod discover;
pub mod init;
pub mod progress;
pub mod run;
pub mod sens;
pub mod settings;

use crate::error::{Error, Result};
use std::io::{IsTerminal, Write};

/// Where a command prints: standard output unless `--quiet`, and progress on standard
/// error when it is a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub quiet: bool,
}

impl Ui {
    /// Prints `text` on standard output (nothing under `--quiet`). A closed pipe (e.g.
    /// `| head`) is not an error.
    pub fn print(&self, text: &str) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        match std::io::stdout().lock().write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Error::Stdout(e)),
        }
    }

    /// Prints a `--json` document on standard output, under `--quiet` too (quiet silences
    /// progress and text only). A closed pipe is not an error.
    pub fn print_json(&self, json: &str) -> Result<()> {
        Ui { quiet: false }.print(json)
    }

    /// Runs `work` with a progress bar on standard error when progress may be shown
    /// ([`progress::Silent`] otherwise), cleared at the end.
    pub fn with_progress<T>(&self, work: impl FnOnce(&dyn progress::Progress) -> T) -> T {
        if self.shows_progress() {
            let bar = progress::Bar::new();
            let value = work(&bar);
            bar.finish();
            value
        } else {
            work(&progress::Silent)
        }
    }

    /// Whether progress may be shown: not quiet, and standard error is a terminal.
    fn shows_progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// A progress bar of `what` (when progress may be shown): evaluations done of the total,
    /// evaluations per second and the time left. indicatif's bar is thread-safe: parallel
    /// workers may advance it with `inc`.
    pub fn progress_bar(&self, what: String) -> Option<indicatif::ProgressBar> {
        self.shows_progress().then(|| {
            let pb = indicatif::ProgressBar::new(0);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {pos}/{len} evaluations, {per_sec:1}, eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb.set_message(what);
            pb
        })
    }
}
