//! [`fetch_model`]: one run installing a variant into a model directory.
//!
//! One concern per file: `pinned` (the files of the default variant, each checked against its
//! pin), `japanese` (the Japanese dictionary and word list, for every variant), `unpinned`
//! (trust on first use, from the GitHub releases), `tools` (the download tools), `cache` (where
//! verified downloads are kept).

mod cache;
mod japanese;
mod pinned;
mod tools;
mod unpinned;

use std::cell::OnceCell;
use std::fs;
use std::time::Instant;

use kokoro_session::Manifest;
use kokoro_session::discovery::{MANIFEST_FILE, ManifestFile};

use crate::error::{Error, Result};
use crate::fsutil::{self, Expect};
use crate::manifest;
use crate::options::FetchOptions;
use crate::progress::Progress;
use crate::verify;

/// One `fetch_model` run: its options, its downloads, and what it has installed so far.
struct Fetcher<'a> {
    opts: &'a FetchOptions,
    progress: &'a dyn Progress,
    downloads: cache::Downloads,
    pip: OnceCell<Vec<String>>,
    files: Vec<ManifestFile>,
    unpinned: Vec<String>,
}

/// Installs `opts.variant` into `opts.dir`, fetching only what is missing or wrong (everything
/// with [`FetchOptions::force`]), verifies every file, and writes `manifest.json`, which it returns.
///
/// Every file is written to a temporary file beside its destination, fsynced, checked against its
/// pin, then renamed: nothing partial or unverified is ever left under the model directory, and a
/// file that does not match is deleted. Progress goes to `progress`.
///
/// # Errors
///
/// [`ErrorKind::Download`](crate::ErrorKind::Download) when a file could not be obtained (the
/// message lists what was tried), [`ErrorKind::Mismatch`](crate::ErrorKind::Mismatch) when it did
/// not match its pin, [`ErrorKind::Io`](crate::ErrorKind::Io) when the directory cannot be written.
pub fn fetch_model(opts: &FetchOptions, progress: &dyn Progress) -> Result<Manifest> {
    let started = Instant::now();
    let v = opts.variant;
    progress.step(&format!(
        "fetch-model: variant {v} into {}",
        opts.dir.display()
    ));
    fs::create_dir_all(&opts.dir)
        .map_err(|e| Error::io("cannot create the model dir", &opts.dir, e))?;
    let previous = match Manifest::load(&opts.dir) {
        Ok(m) => m.filter(|m| m.variant == v.as_str()),
        Err(e) => {
            progress.warn(&format!("warning: ignoring the old manifest: {e}"));
            None
        }
    };
    let mut f = Fetcher {
        opts,
        progress,
        downloads: cache::Downloads::new(opts),
        pip: OnceCell::new(),
        files: Vec::new(),
        unpinned: Vec::new(),
    };
    match v.release_tag() {
        None => {
            f.model_int8()?;
            f.voice_packs()?;
        }
        Some(tag) => {
            f.unpinned(v.model_file(), tag, previous.as_ref())?;
            f.unpinned(v.voices(), tag, previous.as_ref())?;
        }
    }
    let config = if v.needs_config() {
        f.config()?;
        Some("config.json".to_string())
    } else {
        None
    };
    let runtime = f.runtime()?;
    if opts.japanese {
        f.japanese()?;
    } else {
        f.japanese_kept()?;
    }
    let mut manifest = Manifest::new(&opts.dir, v.as_str(), v.model_file());
    manifest.vocab = v.vocab().into();
    manifest.voices = v.voices().into();
    manifest.config = config;
    manifest.runtime = runtime;
    manifest.files = std::mem::take(&mut f.files);
    manifest::write(&manifest, &opts.dir)?;
    if !f.unpinned.is_empty() {
        progress.warn(&format!(
            "NOTE: variant {v} is NOT pinned: there is no known digest for {}. \
             Their sha256 were recorded in {MANIFEST_FILE} on first download (trust on first use); \
             later fetches and verify-model check against that record, not against upstream. \
             Compare them with the digests published by kokoro-onnx before you rely on them.",
            f.unpinned.join(", ")
        ));
    }
    let total: u64 = manifest.files.iter().map(|e| e.bytes).sum();
    progress.step(&format!(
        "model dir {} ready: {} files, {} bytes, manifest written ({:.2} s)",
        opts.dir.display(),
        manifest.files.len(),
        total,
        started.elapsed().as_secs_f64()
    ));
    Ok(manifest)
}

impl Fetcher<'_> {
    fn record(&mut self, rel: &str, sha256: &str, bytes: u64, pinned: bool) {
        self.files
            .push(ManifestFile::new(rel, sha256, bytes, pinned));
    }

    /// Whether `rel` is already installed and matches; a mismatching file is deleted.
    fn present(&self, rel: &str, expect: Expect<'_>) -> Result<bool> {
        let path = self.opts.dir.join(rel);
        if self.opts.force {
            return Ok(false);
        }
        verify::valid_or_removed(&path, expect, self.progress, || {
            format!(
                "warning: {} does not match its pin: deleting it and fetching it again",
                path.display()
            )
        })
    }

    /// Whether `rel` is installed and matches, without deleting anything.
    fn installed(&self, rel: &str, expect: Expect<'_>) -> Result<bool> {
        let path = self.opts.dir.join(rel);
        Ok(
            fsutil::check_file(&path, expect).map_err(|e| Error::io("cannot read", &path, e))?
                == fsutil::Check::Ok,
        )
    }
}
