//! Verification: whether an installed or cached file is what it should be, and `verify-model`,
//! which re-hashes what the manifest lists.

use std::fs;
use std::path::Path;
use std::time::Instant;

use kokoro_session::MANIFEST_FILE;
use kokoro_session::Manifest;

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil::{self, Check, Expect};
use crate::progress::Progress;

/// Whether `path` holds what `expect` says. A file that differs is deleted, after a warning
/// (`warning()`), so that it is fetched again.
pub(crate) fn valid_or_removed(
    path: &Path,
    expect: Expect<'_>,
    progress: &dyn Progress,
    warning: impl FnOnce() -> String,
) -> Result<bool> {
    match fsutil::check_file(path, expect).map_err(|e| Error::io("cannot read", path, e))? {
        Check::Ok => Ok(true),
        Check::Missing => Ok(false),
        Check::Mismatch { .. } => {
            progress.warn(&warning());
            fs::remove_file(path).map_err(|e| Error::io("cannot delete", path, e))?;
            Ok(false)
        }
    }
}

/// Re-hashes every file listed in `<dir>/manifest.json` and reports each to `progress` (a missing
/// or changed file as a warning, a good one as a detail); returns the manifest when all are good.
///
/// # Errors
///
/// [`ErrorKind::Verify`] when a file is missing or differs (the message says how many and what
/// to run), [`ErrorKind::NoManifest`] when the directory has no manifest,
/// [`ErrorKind::InvalidManifest`], [`ErrorKind::Io`].
pub fn verify_model(dir: &Path, progress: &dyn Progress) -> Result<Manifest> {
    let started = Instant::now();
    let Some(manifest) = Manifest::load(dir)? else {
        return Err(Error::new(
            ErrorKind::NoManifest,
            format!(
                "{} has no {MANIFEST_FILE}: run `kokoro fetch-model --dir {}` first",
                dir.display(),
                dir.display()
            ),
        ));
    };
    let mut bad = 0usize;
    let mut bytes = 0u64;
    for f in &manifest.files {
        let path = dir.join(&f.path);
        let expect = Expect {
            sha256: &f.sha256,
            bytes: Some(f.bytes),
        };
        match fsutil::check_file(&path, expect).map_err(|e| Error::io("cannot read", &path, e))? {
            Check::Ok => {
                bytes += f.bytes;
                progress.detail(&format!("ok        {}", f.path));
            }
            Check::Missing => {
                bad += 1;
                progress.warn(&format!("MISSING   {}", f.path));
            }
            Check::Mismatch { sha256, bytes: got } => {
                bad += 1;
                progress.warn(&format!(
                    "MISMATCH  {} ({got} bytes{}; manifest says {} bytes, sha256 {})",
                    f.path,
                    if sha256.is_empty() {
                        String::new()
                    } else {
                        format!(", sha256 {sha256}")
                    },
                    f.bytes,
                    f.sha256
                ));
            }
        }
    }
    let unpinned = manifest.files.iter().filter(|f| !f.pinned).count();
    if bad > 0 {
        return Err(Error::new(
            ErrorKind::Verify,
            format!(
                "{bad} of {} files in {} failed verification: run `kokoro fetch-model --dir {}` again \
                 (it replaces bad files)",
                manifest.files.len(),
                dir.display(),
                dir.display()
            ),
        ));
    }
    progress.step(&format!(
        "verify-model: variant {}: all {} files ok ({bytes} bytes{}) in {:.2} s",
        manifest.variant,
        manifest.files.len(),
        if unpinned > 0 {
            format!("; {unpinned} checked only against digests recorded on first download")
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    ));
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use kokoro_session::ManifestFile;

    use super::*;
    use crate::fsutil::tests::sha;
    use crate::manifest;
    use crate::progress::NoProgress;

    #[test]
    fn an_invalid_manifest_keeps_the_json_error_in_its_source_chain() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST_FILE), "{ not json").unwrap();
        let err = verify_model(dir.path(), &NoProgress).unwrap_err();
        assert!(err.is_invalid_manifest(), "{err}");
        // kokoro-fetch's error -> kokoro-session's -> serde_json's
        let mut chain = std::error::Error::source(&err);
        let mut json = None;
        while let Some(cause) = chain {
            json = json.or(cause.downcast_ref::<serde_json::Error>());
            chain = cause.source();
        }
        assert!(json.is_some_and(serde_json::Error::is_syntax), "{err:?}");
    }

    #[test]
    fn a_mismatching_file_is_deleted_after_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let good = sha(b"abc");
        let expect = Expect {
            sha256: &good,
            bytes: Some(3),
        };
        let rec = crate::progress::tests::Recorder::default();
        assert!(!valid_or_removed(&p, expect, &rec, || "gone".into()).unwrap());
        fs::write(&p, b"abc").unwrap();
        assert!(valid_or_removed(&p, expect, &rec, || "bad".into()).unwrap());
        assert!(rec.lines().is_empty());
        fs::write(&p, b"abd").unwrap();
        assert!(!valid_or_removed(&p, expect, &rec, || "bad".into()).unwrap());
        assert!(!p.exists(), "a mismatching file is deleted");
        assert_eq!(rec.lines(), ["WARN bad"]);
    }

    #[test]
    fn verify_model_detects_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.bin"), b"abc").unwrap();
        let mut manifest = Manifest::new(dir.path(), "v1.0", "a.bin");
        manifest.vocab = "v1.0".into();
        manifest.voices = "voices-v1.0.bin".into();
        manifest
            .files
            .push(ManifestFile::new("a.bin", sha(b"abc"), 3, false));
        manifest::write(&manifest, dir.path()).unwrap();
        let ui = &NoProgress;
        assert_eq!(verify_model(dir.path(), ui).unwrap(), manifest);
        fs::write(dir.path().join("a.bin"), b"abd").unwrap();
        assert!(verify_model(dir.path(), ui).unwrap_err().is_verify());
        fs::remove_file(dir.path().join("a.bin")).unwrap();
        assert!(verify_model(dir.path(), ui).unwrap_err().is_verify());
        let err = verify_model(&dir.path().join("nowhere"), ui).unwrap_err();
        assert!(err.is_no_manifest(), "{err:?}");
        assert!(err.to_string().contains("kokoro fetch-model"), "{err}");
    }
}
