//! Progress output of `fetch-model` and `verify-model`.

use indicatif::{ProgressBar, ProgressStyle};

/// Progress output: steps always, details (commands, progress bars) only on a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Whether stderr is a terminal.
    pub tty: bool,
}

impl Ui {
    /// One line per step, always.
    pub fn step(&self, msg: impl AsRef<str>) {
        eprintln!("xtask: {}", msg.as_ref());
    }

    /// Details, on a terminal only.
    pub fn detail(&self, msg: impl AsRef<str>) {
        if self.tty {
            eprintln!("       {}", msg.as_ref());
        }
    }

    /// A progress bar of `total` bytes on stderr, on a terminal only (indicatif hides it too where
    /// stderr is not one, or `TERM` is dumb).
    pub fn bytes_bar(&self, total: u64) -> ProgressBar {
        if !self.tty {
            return ProgressBar::hidden();
        }
        let style = ProgressStyle::with_template("       [{bar:30}] {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("= ");
        ProgressBar::new(total).with_style(style)
    }
}
