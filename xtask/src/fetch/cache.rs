//! The download cache (`target/model-cache`): verified wheels and tarballs, adopted from a
//! temporary dir once they match their digest.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Fetcher;
use super::verify::valid_or_removed;
use crate::fsutil::{self, Expect};

impl Fetcher<'_> {
    /// A fresh, empty temporary dir inside the cache.
    pub(super) fn tmp_dir(&self) -> Result<PathBuf> {
        let tmp = self.opts.cache.join(format!("tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(tmp)
    }

    /// Moves a verified download from the temp dir into the cache.
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
            bail!("expected the download to produce {name}, found {found:?}");
        }
        let verified = fsutil::verify_or_delete(
            &got,
            Expect {
                sha256,
                bytes: None,
            },
        );
        let dest = self.opts.cache.join(name);
        let moved = verified.and_then(|()| {
            fs::rename(&got, &dest).with_context(|| format!("cannot write {}", dest.display()))
        });
        let _ = fs::remove_dir_all(tmp);
        moved.map(|()| dest)
    }

    /// A cached download if it verifies; a mismatching cache entry is deleted and fetched again.
    pub(super) fn cached(&self, name: &str, sha256: &str) -> Result<Option<PathBuf>> {
        let path = self.opts.cache.join(name);
        if self.opts.force {
            return Ok(None);
        }
        let expect = Expect {
            sha256,
            bytes: None,
        };
        let valid = valid_or_removed(&path, expect, self.ui, || {
            format!(
                "warning: cached {} is corrupt: fetching it again",
                path.display()
            )
        })?;
        if !valid {
            return Ok(None);
        }
        self.ui.detail(format!("cached: {}", path.display()));
        Ok(Some(path))
    }
}
