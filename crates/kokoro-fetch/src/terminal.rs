//! [`TerminalProgress`]: progress on stderr for command-line programs (feature `terminal`).

use std::io::IsTerminal;
use std::sync::{Mutex, MutexGuard};

use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::Progress;

/// Progress on stderr, for a command-line program: one line per step and warning (after
/// `prefix`), details only when `verbose`, and a byte bar for each transfer while stderr is a
/// terminal (none otherwise, so logs and pipes get only the lines).
#[derive(Debug)]
pub struct TerminalProgress {
    prefix: String,
    verbose: bool,
    tty: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl TerminalProgress {
    /// Lines start with `prefix` (`"xtask: "`, or `""`); details are shown when `verbose`.
    pub fn new(prefix: &str, verbose: bool) -> Self {
        Self {
            prefix: prefix.to_owned(),
            verbose,
            tty: std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
        }
    }

    fn bar(&self) -> MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Prints a line above the bar, if one is showing.
    fn line(&self, text: &str) {
        let line = format!("{}{text}", self.prefix);
        match self.bar().as_ref() {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
}

impl Progress for TerminalProgress {
    fn step(&self, message: &str) {
        self.line(message);
    }

    fn detail(&self, message: &str) {
        if self.verbose {
            self.line(&format!("  {message}"));
        }
    }

    fn warn(&self, message: &str) {
        self.line(message);
    }

    fn start_bytes(&self, label: &str, total: Option<u64>) {
        if !self.tty {
            return;
        }
        let template = if total.is_some() {
            "  [{bar:30}] {bytes}/{total_bytes} {msg}"
        } else {
            "  {spinner} {bytes} {msg}"
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("= ");
        let bar = total
            .map_or_else(ProgressBar::no_length, ProgressBar::new)
            .with_style(style)
            .with_message(label.to_owned());
        *self.bar() = Some(bar);
    }

    fn bytes(&self, done: u64) {
        if let Some(bar) = self.bar().as_ref() {
            bar.set_position(done);
        }
    }

    fn finish_bytes(&self) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
    }
}
