//! Extraction: one entry of a zip (a wheel), the voice packs of the kokoro-js tarball.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::fsutil::{self, Expect};
use crate::pins;

/// Streams one entry of a zip archive (a wheel) into `out`; returns the bytes copied.
pub fn copy_zip_entry(archive: &Path, entry: &str, out: &mut impl Write) -> Result<u64> {
    let file = File::open(archive).with_context(|| format!("cannot open {}", archive.display()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .with_context(|| format!("{} is not a valid zip/wheel", archive.display()))?;
    let mut reader = zip
        .by_name(entry)
        .with_context(|| format!("{} has no entry {entry}", archive.display()))?;
    io::copy(&mut reader, out)
        .with_context(|| format!("cannot extract {entry} from {}", archive.display()))
}

/// Extracts the wanted voice packs (`(id, sha256)`) from the kokoro-js tarball into `voices_dir`, verifying
/// each one. Fails if any wanted pack is absent from the tarball.
pub fn extract_voices(tarball: &Path, voices_dir: &Path, wanted: &[(&str, &str)]) -> Result<()> {
    let file = File::open(tarball).with_context(|| format!("cannot open {}", tarball.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    let mut left: BTreeSet<&str> = wanted.iter().map(|(id, _)| *id).collect();
    let entries = archive
        .entries()
        .with_context(|| format!("{} is not a valid tarball", tarball.display()))?;
    for entry in entries {
        let mut entry = entry.with_context(|| format!("{} is corrupt", tarball.display()))?;
        let path = entry.path()?.to_string_lossy().into_owned();
        let Some(id) = path
            .strip_prefix(pins::VOICES_TAR_DIR)
            .and_then(|name| name.strip_suffix(".bin"))
        else {
            continue;
        };
        let Some(&(id, sha256)) = wanted.iter().find(|(w, _)| *w == id) else {
            continue;
        };
        let expect = Expect {
            sha256,
            bytes: Some(pins::VOICE_BYTES),
        };
        fsutil::write_verified(&voices_dir.join(format!("{id}.bin")), Some(expect), |w| {
            io::copy(&mut entry, w).map(drop).map_err(Into::into)
        })?;
        left.remove(id);
    }
    if !left.is_empty() {
        bail!(
            "{} lacks the voice packs {:?}: the pinned tarball should hold them all",
            tarball.display(),
            left
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use super::*;
    use crate::fsutil::tests::{files_in, sha};

    fn tarball(dir: &Path, files: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("t.tgz");
        let gz = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for (name, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, *data).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        path
    }

    #[test]
    fn extract_voices_verifies_each_pack() {
        let dir = tempfile::tempdir().unwrap();
        let good = vec![7u8; pins::VOICE_BYTES as usize];
        let other = vec![9u8; pins::VOICE_BYTES as usize];
        let tgz = tarball(
            dir.path(),
            &[
                ("package/README.md", b"hi"),
                ("package/voices/zz_one.bin", &good),
                ("package/voices/zz_two.bin", &other),
            ],
        );
        let out = dir.path().join("voices");
        let good_sha = sha(&good);
        extract_voices(&tgz, &out, &[("zz_one", &good_sha)]).unwrap();
        assert_eq!(fs::read(out.join("zz_one.bin")).unwrap(), good);
        assert!(
            !out.join("zz_two.bin").exists(),
            "only wanted packs are extracted"
        );

        // A pack whose content differs from its pin is not kept.
        let err = extract_voices(&tgz, &out, &[("zz_two", &good_sha)]).unwrap_err();
        assert!(err.to_string().contains("does not match its pin"), "{err}");
        assert_eq!(
            files_in(&out),
            ["zz_one.bin"],
            "nothing else is left behind"
        );

        // A wanted pack absent from the tarball is an error.
        let err = extract_voices(&tgz, &out, &[("zz_three", &good_sha)]).unwrap_err();
        assert!(err.to_string().contains("zz_three"), "{err}");
    }

    #[test]
    fn copy_zip_entry_streams_one_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.whl");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("pkg/part.bin", opts).unwrap();
        zip.write_all(b"part one").unwrap();
        zip.start_file("pkg/other", opts).unwrap();
        zip.write_all(b"x").unwrap();
        zip.finish().unwrap();

        let mut out = Vec::new();
        assert_eq!(copy_zip_entry(&path, "pkg/part.bin", &mut out).unwrap(), 8);
        assert_eq!(out, b"part one");
        let err = copy_zip_entry(&path, "pkg/missing", &mut out).unwrap_err();
        assert!(err.to_string().contains("pkg/missing"), "{err}");
    }
}
