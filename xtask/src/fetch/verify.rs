//! Verification: whether an installed or cached file is what it should be, and `verify-model`,
//! which re-hashes what the manifest lists.

use std::fs;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::Ui;
use crate::fsutil::{self, Check, Expect};
use crate::manifest::{self, MANIFEST_FILE};

/// Whether `path` holds what `expect` says. A file that differs is deleted, after a warning
/// (`warning()`), so that it is fetched again.
pub(super) fn valid_or_removed(
    path: &Path,
    expect: Expect<'_>,
    ui: Ui,
    warning: impl FnOnce() -> String,
) -> Result<bool> {
    match fsutil::check_file(path, expect)
        .with_context(|| format!("cannot read {}", path.display()))?
    {
        Check::Ok => Ok(true),
        Check::Missing => Ok(false),
        Check::Mismatch { .. } => {
            ui.step(warning());
            fs::remove_file(path).with_context(|| format!("cannot delete {}", path.display()))?;
            Ok(false)
        }
    }
}

/// Re-hashes every file listed in `<dir>/manifest.json` and reports; fails if any is missing or differs.
pub fn verify_model(dir: &Path, ui: Ui) -> Result<()> {
    let started = Instant::now();
    let Some(manifest) = manifest::read(dir)? else {
        bail!(
            "{} has no {}: run `cargo xtask fetch-model` first",
            dir.display(),
            MANIFEST_FILE
        );
    };
    let mut bad = 0usize;
    let mut bytes = 0u64;
    for f in &manifest.files {
        let path = dir.join(&f.path);
        let expect = Expect {
            sha256: &f.sha256,
            bytes: Some(f.bytes),
        };
        match fsutil::check_file(&path, expect)
            .with_context(|| format!("cannot read {}", path.display()))?
        {
            Check::Ok => {
                bytes += f.bytes;
                ui.detail(format!("ok        {}", f.path));
            }
            Check::Missing => {
                bad += 1;
                ui.step(format!("MISSING   {}", f.path));
            }
            Check::Mismatch { sha256, bytes: got } => {
                bad += 1;
                ui.step(format!(
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
        bail!(
            "{bad} of {} files in {} failed verification: re-run `cargo xtask fetch-model` (it replaces bad files)",
            manifest.files.len(),
            dir.display()
        );
    }
    ui.step(format!(
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::tests::sha;
    use crate::manifest::{Manifest, ManifestFile};

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
        let ui = Ui { tty: false };
        verify_model(dir.path(), ui).unwrap();
        fs::write(dir.path().join("a.bin"), b"abd").unwrap();
        assert!(verify_model(dir.path(), ui).is_err());
        fs::remove_file(dir.path().join("a.bin")).unwrap();
        assert!(verify_model(dir.path(), ui).is_err());
        assert!(verify_model(&dir.path().join("nowhere"), ui).is_err());
    }
}
