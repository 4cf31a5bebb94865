//! Where downloads go: the cache directory when one is given (verified wheels and tarballs are
//! kept there between runs), else a temporary directory beside the model directory, removed when
//! the run ends.

use std::cell::OnceCell;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::Fetcher;
use crate::error::{Error, ErrorKind, Result};
use crate::fsutil::{self, Expect};
use crate::options::FetchOptions;
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

    /// The directory verified downloads are kept in: the cache, or this run's temporary directory
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

    /// The download directory if it exists already (the cache, or this run's temporary one).
    pub(super) fn existing(&self) -> Option<&Path> {
        self.cache
            .as_deref()
            .or_else(|| self.temp.get().map(TempDir::path))
    }
}

impl Fetcher<'_> {
    /// A fresh, empty temporary dir inside the download dir.
    pub(super) fn tmp_dir(&self) -> Result<PathBuf> {
        let tmp = self
            .downloads
            .dir()?
            .join(format!("tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(|e| Error::io("cannot create", &tmp, e))?;
        Ok(tmp)
    }

    /// Moves a verified download from the temp dir into the download dir.
    pub(super) fn adopt(&self, tmp: &Path, name: &str, sha256: &str) -> Result<PathBuf> {
        let got = tmp.join(name);
        if !got.exists() {
            let found: Vec<String> = fs::read_dir(tmp)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let _ = fs::remove_dir_all(tmp);
            return Err(Error::new(
                ErrorKind::Download,
                format!("expected the download to produce {name}, found {found:?}"),
            ));
        }
        let verified = fsutil::verify_or_delete(
            &got,
            Expect {
                sha256,
                bytes: None,
            },
        );
        let moved = verified.and_then(|()| {
            let dest = self.downloads.dir()?.join(name);
            fs::rename(&got, &dest)
                .map(|()| dest.clone())
                .map_err(|e| Error::io("cannot write", &dest, e))
        });
        let _ = fs::remove_dir_all(tmp);
        moved
    }

    /// A kept download if it verifies; a mismatching one is deleted and fetched again.
    pub(super) fn cached(&self, name: &str, sha256: &str) -> Result<Option<PathBuf>> {
        if self.opts.force {
            return Ok(None);
        }
        let Some(dir) = self.downloads.existing() else {
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
