//! Hashing and verified, atomic file writes (tempfile's `persist`, after an fsync).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use crate::error::{Error, ErrorKind, Result};

/// What a file is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect<'a> {
    /// Lowercase hex sha256.
    pub sha256: &'a str,
    /// Exact size in bytes, where known.
    pub bytes: Option<u64>,
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A writer that hashes and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Flushes and returns the inner writer, the hex sha256 and the byte count.
    pub fn finish(mut self) -> io::Result<(W, String, u64)> {
        self.inner.flush()?;
        Ok((self.inner, hex(&self.hasher.finalize()), self.bytes))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or(buf);
        self.hasher.update(written);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hex sha256 and size of a file.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    let mut file = io::BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut hashing = HashingWriter::new(io::sink());
    io::copy(&mut file, &mut hashing)?;
    let (_, sha256, bytes) = hashing.finish()?;
    Ok((sha256, bytes))
}

/// The state of a file on disk compared to what it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Present with the expected content.
    Ok,
    /// Not there.
    Missing,
    /// Present with other content (`sha256` is empty when the size alone ruled it out).
    Mismatch {
        /// Actual digest, or empty when the size differed.
        sha256: String,
        /// Actual size.
        bytes: u64,
    },
}

/// Compares a file with what it should be; the size is checked first so a wrong-sized file is not hashed.
pub fn check_file(path: &Path, expect: Expect<'_>) -> io::Result<Check> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::Missing),
        Err(e) => return Err(e),
    };
    if expect.bytes.is_some_and(|b| b != meta.len()) {
        return Ok(Check::Mismatch {
            sha256: String::new(),
            bytes: meta.len(),
        });
    }
    let (sha256, bytes) = sha256_file(path)?;
    if sha256 == expect.sha256 && expect.bytes.is_none_or(|b| b == bytes) {
        Ok(Check::Ok)
    } else {
        Ok(Check::Mismatch { sha256, bytes })
    }
}

/// A new, empty temporary file `<name>.<random>.part` beside `dest` (so that [`persist`] is a
/// rename within one file system), with the permissions `File::create` would give it (tempfile's
/// default is owner-only). It is deleted when dropped unless persisted.
pub fn temp_beside(dest: &Path) -> Result<NamedTempFile> {
    let dir = match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    let mut prefix = dest.file_name().unwrap_or_default().to_os_string();
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("cannot create a temporary file in", dir, e))
}

/// Flushes `part` to the disk (fsync) and renames it to `dest` atomically.
pub fn persist(part: NamedTempFile, dest: &Path) -> Result<()> {
    part.as_file()
        .sync_all()
        .map_err(|e| Error::io("cannot write", part.path(), e))?;
    let shown = part.path().display().to_string();
    part.persist(dest).map_err(|e| {
        Error::with_source(
            ErrorKind::Io,
            format!("cannot rename {shown} to {}: {}", dest.display(), e.error),
            e.error,
        )
    })?;
    Ok(())
}

/// Writes `dest` through `fill` into a temporary file beside it, checks the result against
/// `expect` (when pinned), then [`persist`]s it. Never leaves a partial or unverified file under
/// `dest`, nor a temporary one. Returns the digest and size written.
pub fn write_verified(
    dest: &Path,
    expect: Option<Expect<'_>>,
    fill: impl FnOnce(&mut HashingWriter<io::BufWriter<NamedTempFile>>) -> Result<()>,
) -> Result<(String, u64)> {
    let part = temp_beside(dest)?;
    let shown = part.path().to_path_buf();
    let mut writer = HashingWriter::new(io::BufWriter::with_capacity(1 << 20, part));
    fill(&mut writer)?;
    let (buffered, sha256, bytes) = writer
        .finish()
        .map_err(|e| Error::io("cannot write", &shown, e))?;
    let part = buffered
        .into_inner()
        .map_err(|e| Error::io("cannot write", &shown, e.into_error()))?;
    if let Some(expect) = expect {
        let size_ok = expect.bytes.is_none_or(|b| b == bytes);
        if sha256 != expect.sha256 || !size_ok {
            return Err(Error::new(
                ErrorKind::Mismatch,
                format!(
                    "{} does not match its pin (sha256 {sha256}, {bytes} bytes; expected {}{}): nothing was kept; \
                     the download is corrupt or the upstream file changed",
                    dest.display(),
                    expect.sha256,
                    expect
                        .bytes
                        .map(|b| format!(", {b} bytes"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    persist(part, dest)?;
    Ok((sha256, bytes))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    // FIPS 180-2 test vectors.
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// The hex sha256 of `data`.
    pub(crate) fn sha(data: &[u8]) -> String {
        let mut w = HashingWriter::new(io::sink());
        w.write_all(data).unwrap();
        w.finish().unwrap().1
    }

    /// The names of the files in `dir`, sorted.
    pub(crate) fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[test]
    fn sha256_of_known_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc");
        fs::write(&p, b"abc").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), (ABC.to_string(), 3));
        fs::write(&p, b"").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), (EMPTY.to_string(), 0));
    }

    #[test]
    fn a_file_is_checked_by_size_then_digest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let expect = Expect {
            sha256: ABC,
            bytes: Some(3),
        };
        fs::write(&p, b"abc").unwrap();
        assert_eq!(check_file(&p, expect).unwrap(), Check::Ok);
        fs::write(&p, b"abd").unwrap();
        assert_eq!(
            check_file(&p, expect).unwrap(),
            Check::Mismatch {
                sha256: sha(b"abd"),
                bytes: 3
            }
        );
        // A wrong size is told without hashing.
        fs::write(&p, b"abcd").unwrap();
        assert_eq!(
            check_file(&p, expect).unwrap(),
            Check::Mismatch {
                sha256: String::new(),
                bytes: 4
            }
        );
    }

    #[test]
    fn missing_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("absent");
        assert_eq!(
            check_file(
                &p,
                Expect {
                    sha256: ABC,
                    bytes: None
                }
            )
            .unwrap(),
            Check::Missing
        );
    }

    #[test]
    fn write_verified_renames_on_match() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("sub/out.bin");
        let got = write_verified(
            &dest,
            Some(Expect {
                sha256: ABC,
                bytes: Some(3),
            }),
            |w| {
                w.write_all(b"ab").unwrap();
                w.write_all(b"c").unwrap();
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(got, (ABC.to_string(), 3));
        assert_eq!(fs::read(&dest).unwrap(), b"abc");
        assert_eq!(files_in(dest.parent().unwrap()), ["out.bin"]);
    }

    #[test]
    fn write_verified_leaves_nothing_on_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.bin");
        let err = write_verified(
            &dest,
            Some(Expect {
                sha256: ABC,
                bytes: None,
            }),
            |w| {
                w.write_all(b"xyz").unwrap();
                Ok(())
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("does not match its pin"), "{err}");
        assert!(files_in(dir.path()).is_empty(), "nothing is left behind");
    }

    #[test]
    fn write_verified_unpinned_records_digest() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.bin");
        let got = write_verified(&dest, None, |w| {
            w.write_all(b"").unwrap();
            Ok(())
        })
        .unwrap();
        assert_eq!(got, (EMPTY.to_string(), 0));
        assert!(dest.exists());
        // As `File::create` would: readable by others where the umask allows (not tempfile's 0600).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let created = dir.path().join("created");
            File::create(&created).unwrap();
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode(&dest), mode(&created));
        }
    }

    #[test]
    fn failed_fill_removes_part() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.bin");
        let err = write_verified(&dest, None, |w| {
            w.write_all(b"partial").unwrap();
            Err(Error::new(ErrorKind::Download, "network went away"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("network went away"));
        assert!(files_in(dir.path()).is_empty(), "nothing is left behind");
    }
}
