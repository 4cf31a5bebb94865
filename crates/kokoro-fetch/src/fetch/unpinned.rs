//! Files with no pinned digest, from the kokoro-onnx GitHub releases: trust on first use.

use kokoro_session::Manifest;
use kokoro_session::discovery::MANIFEST_FILE;

use super::Fetcher;
use crate::error::{Error, Result};
use crate::fsutil::{self, Expect};

/// Where the kokoro-onnx releases are.
const RELEASES: &str = "https://github.com/thewh1teagle/kokoro-onnx/releases/download";

impl Fetcher<'_> {
    /// A file with no pinned digest, from the kokoro-onnx release `tag`: trust on first use.
    pub(super) fn unpinned(
        &mut self,
        rel: &str,
        tag: &str,
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
                        self.progress.step(&format!(
                            "{rel}: present and matches the recorded sha256 (unpinned)"
                        ));
                        self.record_unpinned(rel, expect.sha256, expect.bytes.unwrap_or_default());
                        return Ok(());
                    }
                }
                None => {
                    let (sha256, bytes) = fsutil::sha256_file(&dest)
                        .map_err(|e| Error::io("cannot read", &dest, e))?;
                    self.progress.step(&format!(
                        "{rel}: found an existing file ({bytes} bytes, sha256 {sha256}); recording it (trust on first use)"
                    ));
                    self.record_unpinned(rel, &sha256, bytes);
                    return Ok(());
                }
            }
        }
        let url = format!("{RELEASES}/{tag}/{rel}");
        self.progress.step(&format!("{rel}: downloading {url}"));
        let part = fsutil::temp_beside(&dest)?;
        if let Err(e) = self.curl(&url, part.path()) {
            return Err(e.context(format!(
                "variant {} needs github.com (the kokoro-onnx releases), which this machine may not reach; \
                 the default variant v1.0-int8 works from the package registries",
                self.opts.variant
            )));
        }
        let (sha256, bytes) = match expect {
            Some(expect) => {
                fsutil::verify_or_delete(part.path(), expect).map_err(|e| {
                    e.context(format!(
                        "{rel} differs from the sha256 recorded in {MANIFEST_FILE} on first download \
                         (delete {} to accept the new file)",
                        self.opts.dir.join(MANIFEST_FILE).display()
                    ))
                })?;
                (expect.sha256.to_string(), expect.bytes.unwrap_or_default())
            }
            None => fsutil::sha256_file(part.path())
                .map_err(|e| Error::io("cannot read", part.path(), e))?,
        };
        fsutil::persist(part, &dest)?;
        self.progress.step(&format!(
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
