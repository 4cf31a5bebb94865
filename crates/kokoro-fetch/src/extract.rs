//! Extraction: one entry of a zip (a wheel), the entries of a gzipped tarball.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

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

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A gzipped tarball of `files` (path, content) in `dir`.
    pub(crate) fn tarball(dir: &Path, files: &[(&str, &[u8])]) -> PathBuf {
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
    fn tar_entries_are_visited_until_told_to_stop() {
        let dir = tempfile::tempdir().unwrap();
        let tgz = tarball(
            dir.path(),
            &[("p/a", b"one"), ("p/b", b"two"), ("p/c", b"three")],
        );
        let mut seen = Vec::new();
        each_tar_entry(&tgz, |path, r| {
            let mut text = String::new();
            r.read_to_string(&mut text).unwrap();
            seen.push(format!("{path}={text}"));
            Ok(path != "p/b")
        })
        .unwrap();
        assert_eq!(seen, ["p/a=one", "p/b=two"]);
        std::fs::write(&tgz, b"not gzip").unwrap();
        let err = each_tar_entry(&tgz, |_, _| Ok(true)).unwrap_err();
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
