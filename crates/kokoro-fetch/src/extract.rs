//! Extraction: one entry of a zip (a wheel), the voice packs of the kokoro-js tarball.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil::{self, Expect};
use crate::pins;

/// Streams one entry of a zip archive (a wheel) into `out`; returns the bytes copied.
pub(crate) fn copy_zip_entry(archive: &Path, entry: &str, out: &mut impl Write) -> Result<u64> {
    let file = File::open(archive).map_err(|e| Error::io("cannot open", archive, e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        Error::with_source(
            ErrorKind::Archive,
            format!("{} is not a valid zip/wheel: {e}", archive.display()),
            e,
        )
    })?;
    let mut reader = zip.by_name(entry).map_err(|e| {
        Error::with_source(
            ErrorKind::Archive,
            format!("{} has no entry {entry}: {e}", archive.display()),
            e,
        )
    })?;
    io::copy(&mut reader, out).map_err(|e| {
        Error::with_source(
            ErrorKind::Io,
            format!("cannot extract {entry} from {}: {e}", archive.display()),
            e,
        )
    })
}

/// The entries of a gzipped tarball, each passed to `visit` with its path; `visit` returns
/// whether to go on.
pub(crate) fn each_tar_entry(
    tarball: &Path,
    mut visit: impl FnMut(&str, &mut dyn io::Read) -> Result<bool>,
) -> Result<()> {
    let corrupt = |e: io::Error| {
        Error::with_source(
            ErrorKind::Archive,
            format!("{} is not a valid gzipped tarball: {e}", tarball.display()),
            e,
        )
    };
    let file = File::open(tarball).map_err(|e| Error::io("cannot open", tarball, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let path = entry
            .path()
            .map_err(corrupt)?
            .to_string_lossy()
            .into_owned();
        if !visit(&path, &mut entry)? {
            break;
        }
    }
    Ok(())
}

/// Extracts the wanted voice packs (`(id, sha256)`) from the kokoro-js tarball into `voices_dir`, verifying
/// each one. Fails if any wanted pack is absent from the tarball.
pub(crate) fn extract_voices(
    tarball: &Path,
    voices_dir: &Path,
    wanted: &[(&str, &str)],
) -> Result<()> {
    let mut left: BTreeSet<&str> = wanted.iter().map(|(id, _)| *id).collect();
    each_tar_entry(tarball, |path, entry| {
        let Some(id) = path
            .strip_prefix(pins::VOICES_TAR_DIR)
            .and_then(|name| name.strip_suffix(".bin"))
        else {
            return Ok(true);
        };
        let Some(&(id, sha256)) = wanted.iter().find(|(w, _)| *w == id) else {
            return Ok(true);
        };
        let expect = Expect {
            sha256,
            bytes: Some(pins::VOICE_BYTES),
        };
        let dest = voices_dir.join(format!("{id}.bin"));
        fsutil::write_verified(&dest, Some(expect), |w| {
            io::copy(entry, w)
                .map(drop)
                .map_err(|e| Error::io("cannot extract", &dest, e))
        })?;
        left.remove(id);
        Ok(!left.is_empty())
    })?;
    if !left.is_empty() {
        return Err(Error::new(
            ErrorKind::Archive,
            format!(
                "{} lacks the voice packs {:?}: the pinned tarball should hold them all",
                tarball.display(),
                left
            ),
        ));
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
        assert!(err.is_mismatch(), "{err:?}");
        assert_eq!(
            files_in(&out),
            ["zz_one.bin"],
            "nothing else is left behind"
        );

        // A wanted pack absent from the tarball is an error.
        let err = extract_voices(&tgz, &out, &[("zz_three", &good_sha)]).unwrap_err();
        assert!(err.to_string().contains("zz_three"), "{err}");
        assert!(err.is_archive(), "{err:?}");
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
        assert!(err.is_archive(), "{err:?}");
    }
}
