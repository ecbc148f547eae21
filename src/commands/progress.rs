//! Progress of a long command: its stages in order, each with the work done of its total
//! (region-paths simulated, series and targets summarised, charts drawn). [`Bar`] shows it on
//! standard error (the stage, done of total, the rate and the time left); [`Recorder`] keeps
//! it for the tests. Progress only counts: it never changes an output.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// A stage of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Conditioning the paths on observations (the sampler; no count).
    Conditioning,
    /// Simulating the paths, each block of regions summarised as it is done.
    Simulating,
    /// Summarising the aggregate regions (series and targets).
    Summarising,
    /// Writing the tables.
    Writing,
    /// Drawing the charts.
    Charts,
    /// Writing the report and the manifest.
    Report,
}

impl Stage {
    /// What the bar says.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Conditioning => "conditioning on observations",
            Stage::Simulating => "simulating",
            Stage::Summarising => "summarising",
            Stage::Writing => "writing tables",
            Stage::Charts => "drawing charts",
            Stage::Report => "writing report",
        }
    }

    /// What the stage counts.
    pub fn unit(self) -> &'static str {
        match self {
            Stage::Simulating => "region-paths",
            Stage::Summarising => "series and targets",
            Stage::Charts => "charts",
            Stage::Conditioning | Stage::Writing | Stage::Report => "",
        }
    }
}

/// Where a command reports its progress. Thread-safe: workers advance it.
pub trait Progress: Sync {
    /// `stage` begins with `total` units of work (0 when it is not counted).
    fn stage(&self, stage: Stage, total: u64);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
    /// A note on what the current stage is doing (e.g. the block), kept until the next.
    fn note(&self, _text: String) {}
}

/// No progress shown (`--quiet`, or standard error is not a terminal).
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: Stage, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// An indicatif bar on standard error: the stage, `done/total unit`, the rate and the time
/// left (a spinner with the elapsed time for a stage without a count). Each stage has a bar
/// of its own, so its rate and time left are its own.
pub struct Bar {
    pb: Mutex<indicatif::ProgressBar>,
}

impl Bar {
    /// A bar drawn on standard error (hidden until the first stage).
    pub fn new() -> Bar {
        Bar {
            pb: Mutex::new(indicatif::ProgressBar::hidden()),
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar().finish_and_clear();
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, indicatif::ProgressBar> {
        self.pb.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn style(template: &str) -> indicatif::ProgressStyle {
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    }
}

impl Default for Bar {
    fn default() -> Bar {
        Bar::new()
    }
}

impl Progress for Bar {
    fn stage(&self, stage: Stage, total: u64) {
        let style = if total == 0 {
            Bar::style("{spinner} {prefix}{msg} {elapsed}")
        } else {
            Bar::style(&format!(
                "{{prefix}}{{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {}, {{per_sec:0}}, eta {{eta}}",
                stage.unit()
            ))
        };
        let pb = indicatif::ProgressBar::new(total)
            .with_style(style)
            .with_prefix(stage.label());
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        let mut current = self.bar();
        current.finish_and_clear();
        *current = pb;
    }

    fn advance(&self, n: u64) {
        self.bar().inc(n);
    }

    fn note(&self, text: String) {
        let pb = self.bar();
        if text.is_empty() {
            pb.set_message("");
        } else {
            pb.set_message(format!(" · {text}"));
        }
    }
}

/// Keeps every stage with its total and the work done, for the tests.
#[derive(Debug, Default)]
pub struct Recorder {
    stages: Mutex<Vec<(Stage, u64)>>,
    /// The work done of each stage, by index.
    done: Mutex<Vec<AtomicU64>>,
}

impl Recorder {
    /// The stages in order, each with (total, done).
    pub fn stages(&self) -> Vec<(Stage, u64, u64)> {
        let stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        stages
            .iter()
            .zip(done.iter())
            .map(|(&(s, total), d)| (s, total, d.load(Ordering::Relaxed)))
            .collect()
    }
}

impl Progress for Recorder {
    fn stage(&self, stage: Stage, total: u64) {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        stages.push((stage, total));
        done.push(AtomicU64::new(0));
    }

    fn advance(&self, n: u64) {
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = done.last() {
            d.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// Simulates every path of `scn` ([`crate::engine::simulate_counted`]) reporting to
/// `progress`: the conditioning stage (with observations), then simulating, with `note`.
pub fn simulate(
    progress: &dyn Progress,
    note: &str,
    scn: &crate::scenario::Scenario,
    paths: usize,
    seed: u64,
) -> crate::engine::Simulation {
    let conditioning = || {
        progress.stage(Stage::Conditioning, 0);
        progress.note(note.to_string());
    };
    let start = |total: usize| {
        progress.stage(Stage::Simulating, total as u64);
        progress.note(note.to_string());
    };
    let done = |n: usize| progress.advance(n as u64);
    let step = |k: usize, phi: f64| progress.note(tempering(note, k, phi));
    let hooks = crate::engine::SimProgress {
        conditioning: &conditioning,
        step: &step,
        start: &start,
        done: &done,
    };
    crate::engine::simulate_counted(scn, paths, seed, &[], Some(&hooks))
}

/// The note of the conditioning stage after tempering step `k` at temperature `phi`.
pub fn tempering(note: &str, k: usize, phi: f64) -> String {
    let step = format!("tempering step {k}, φ = {phi:.3} of 1");
    if note.is_empty() {
        step
    } else {
        format!("{note}, {step}")
    }
}
