//! `fetch-model` and `verify-model`: the `kokoro-fetch` library with xtask's defaults (the
//! workspace's `models/`, the download cache `target/model-cache`, the Japanese dictionary) and
//! progress on stderr.

use std::sync::Mutex;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use kokoro_fetch::{FetchOptions, Progress};

/// Progress output: steps always, details (cached files, tools run) and byte bars on a terminal only.
#[derive(Debug)]
pub struct Ui {
    /// Whether stderr is a terminal.
    tty: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Ui {
    /// Progress on stderr; details and bars only when `tty`.
    pub fn new(tty: bool) -> Self {
        Self {
            tty,
            bar: Mutex::new(None),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Prints a line above the bar, if one is showing.
    fn line(&self, line: String) {
        match self.bar().as_ref() {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
}

impl Progress for Ui {
    fn step(&self, message: &str) {
        self.line(format!("xtask: {message}"));
    }

    fn detail(&self, message: &str) {
        if self.tty {
            self.line(format!("       {message}"));
        }
    }

    fn start_bytes(&self, label: &str, total: Option<u64>) {
        if !self.tty {
            return;
        }
        let style = ProgressStyle::with_template("       [{bar:30}] {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("= ");
        let bar = ProgressBar::new(total.unwrap_or(0))
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

/// `fetch-model`.
pub fn fetch_model(opts: &FetchOptions, ui: &Ui) -> Result<()> {
    kokoro_fetch::fetch_model(opts, ui)?;
    Ok(())
}

/// `verify-model`.
pub fn verify_model(dir: &std::path::Path, ui: &Ui) -> Result<()> {
    match kokoro_fetch::verify_model(dir, ui) {
        Ok(_) => Ok(()),
        Err(e) if e.is_verify() || e.is_no_manifest() => Err(anyhow::anyhow!(
            "{e} (in this checkout: `cargo xtask fetch-model`)"
        )),
        Err(e) => Err(e.into()),
    }
}
