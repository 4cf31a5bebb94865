//! NPZ archives of voice packs (`voices-v1.0.bin`, v0.19 `voices.bin`) and a minimal NPY parser.
//!
//! An NPZ file is a zip archive (stored or deflated) of `<id>.npy` arrays. Each array must be
//! little-endian float32 (`'<f4'`), C order, with a last dimension of [`STYLE_DIM`]: the official
//! files hold `(510, 1, 256)` (v1.0) or `(511|512, 1, 256)` (v0.19).

use std::io::{Cursor, Read};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::pack::{STYLE_DIM, VoicePack};

/// The NPY magic string.
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Largest NPY entry read from an archive (a v1.0 pack is about 0.5 MB).
const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;

/// Reads every voice pack in an NPZ archive on disk, sorted by id.
///
/// # Errors
/// [`ErrorKind::Io`] when the file cannot be read; see [`read_npz_bytes`] for the rest.
pub fn read_npz(path: &Path) -> Result<Vec<VoicePack>, Error> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::with_source(
            ErrorKind::Io,
            format!(
                "cannot read voice archive {origin}: {e}: check the path or run `kokoro fetch-model`"
            ),
            e,
        )
    })?;
    read_npz_from(&origin, &bytes)
}

/// Reads every voice pack in an in-memory NPZ archive, sorted by id. Entries not ending in
/// `.npy` are skipped; an entry's id is its file name without directories and `.npy`.
///
/// # Errors
/// [`ErrorKind::InvalidArchive`] when the bytes are not a zip archive, hold no `.npy` entry, or an
/// entry is malformed; [`ErrorKind::UnsupportedDtype`] when an entry is not little-endian C-order
/// float32; [`ErrorKind::InvalidPack`] when an entry holds non-finite values.
pub fn read_npz_bytes(bytes: &[u8]) -> Result<Vec<VoicePack>, Error> {
    read_npz_from("(in memory)", bytes)
}

fn read_npz_from(origin: &str, bytes: &[u8]) -> Result<Vec<VoicePack>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::with_source(
            ErrorKind::InvalidArchive,
            format!(
                "voice archive {origin} is not a readable zip/npz file ({e}): re-download it or pass a directory of `<id>.bin` packs"
            ),
            e,
        )
    })?;
    let mut packs = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| {
            Error::with_source(
                ErrorKind::InvalidArchive,
                format!(
                    "cannot read entry {index} of voice archive {origin} ({e}): re-download it"
                ),
                e,
            )
        })?;
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{index}"));
        let Some(id) = npy_id(&name) else {
            tracing::debug!(archive = origin, entry = %name, "skipping non-npy entry");
            continue;
        };
        let what = format!("{origin} entry {name}");
        let mut data = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| {
                Error::with_source(
                    ErrorKind::InvalidArchive,
                    format!("cannot decompress voice archive {what} ({e}): re-download it"),
                    e,
                )
            })?;
        if data.len() as u64 > MAX_ENTRY_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidArchive,
                format!(
                    "voice archive {what} is larger than {MAX_ENTRY_BYTES} bytes: not a voice pack"
                ),
            ));
        }
        packs.push(parse_npy(&what, id, &data)?);
    }
    if packs.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArchive,
            format!(
                "voice archive {origin} holds no `.npy` voice arrays: pass `voices-v1.0.bin` or a directory of `<id>.bin` packs"
            ),
        ));
    }
    packs.sort_by(|a, b| a.id().cmp(b.id()));
    tracing::debug!(archive = origin, voices = packs.len(), "read voice archive");
    Ok(packs)
}

/// `dir/af_bella.npy` -> `af_bella`; `None` for other entries.
fn npy_id(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let id = base.strip_suffix(".npy")?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// Parses one NPY array into a pack; `what` names it in errors.
pub(crate) fn parse_npy(what: &str, id: String, data: &[u8]) -> Result<VoicePack> {
    let invalid = |detail: String| {
        Error::new(
            ErrorKind::InvalidArchive,
            format!("{what} is not a valid npy array: {detail}; re-download the voice archive"),
        )
    };
    if !data.starts_with(NPY_MAGIC) {
        return Err(invalid("missing the \\x93NUMPY magic".into()));
    }
    let major = data
        .get(6)
        .copied()
        .ok_or_else(|| invalid("header cut short".into()))?;
    let (header_len, header_start) = match major {
        1 => {
            let b = data
                .get(8..10)
                .ok_or_else(|| invalid("header cut short".into()))?;
            (usize::from(u16::from_le_bytes([b[0], b[1]])), 10usize)
        }
        2 | 3 => {
            let b = data
                .get(8..12)
                .ok_or_else(|| invalid("header cut short".into()))?;
            let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            let len = usize::try_from(len).map_err(|_| invalid("header too long".into()))?;
            (len, 12)
        }
        v => return Err(invalid(format!("unsupported npy format version {v}"))),
    };
    let header_end = header_start
        .checked_add(header_len)
        .ok_or_else(|| invalid("header too long".into()))?;
    let header = data
        .get(header_start..header_end)
        .ok_or_else(|| invalid("header cut short".into()))?;
    let header = std::str::from_utf8(header).map_err(|_| invalid("header is not text".into()))?;
    let header = NpyHeader::parse(header).map_err(|d| invalid(d.to_owned()))?;

    if header.descr != "<f4" {
        return Err(Error::new(
            ErrorKind::UnsupportedDtype,
            format!(
                "{what} has dtype '{}'; only little-endian float32 ('<f4') is supported: convert it with numpy `.astype('<f4')`",
                header.descr
            ),
        ));
    }
    if header.fortran_order {
        return Err(Error::new(
            ErrorKind::UnsupportedDtype,
            format!(
                "{what} is stored in fortran order; only C order is supported: save it with `np.ascontiguousarray`"
            ),
        ));
    }
    if header.shape.last() != Some(&STYLE_DIM) {
        return Err(invalid(format!(
            "shape {:?} does not end in {STYLE_DIM} (expected (rows, 1, {STYLE_DIM}))",
            header.shape
        )));
    }
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| invalid(format!("shape {:?} is too large", header.shape)))?;
    let body = data.get(header_end..).unwrap_or_default();
    if Some(body.len()) != count.checked_mul(4) {
        return Err(invalid(format!(
            "shape {:?} needs {count} float32 values but {} bytes follow the header",
            header.shape,
            body.len()
        )));
    }
    VoicePack::parse(what, id, body)
}

/// The three keys of an NPY header dict.
#[derive(Debug, PartialEq)]
struct NpyHeader {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl NpyHeader {
    /// Parses the Python dict literal of an NPY header, e.g.
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), }`.
    fn parse(text: &str) -> Result<Self, &'static str> {
        let descr = value_after(text, "descr").ok_or("no 'descr' key")?;
        let descr = descr
            .strip_prefix(['\'', '"'])
            .and_then(|rest| rest.split(['\'', '"']).next())
            .ok_or("'descr' is not a string")?
            .to_owned();
        let fortran = value_after(text, "fortran_order").ok_or("no 'fortran_order' key")?;
        let fortran_order = if fortran.starts_with("True") {
            true
        } else if fortran.starts_with("False") {
            false
        } else {
            return Err("'fortran_order' is not True or False");
        };
        let shape = value_after(text, "shape").ok_or("no 'shape' key")?;
        let inner = shape
            .strip_prefix('(')
            .and_then(|rest| rest.split(')').next())
            .ok_or("'shape' is not a tuple")?;
        let shape = inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| "'shape' holds a non-integer")
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            descr,
            fortran_order,
            shape,
        })
    }
}

/// The text after `'key':` (or `"key":`), leading whitespace removed.
fn value_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    ['\'', '"'].iter().find_map(|q| {
        let needle = format!("{q}{key}{q}");
        let rest = &text[text.find(&needle)? + needle.len()..];
        rest.trim_start().strip_prefix(':').map(str::trim_start)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    /// Builds an NPY file (format `version`) with the given header fields and raw body.
    pub(crate) fn npy(
        version: u8,
        descr: &str,
        fortran: bool,
        shape: &str,
        body: &[u8],
    ) -> Vec<u8> {
        let fortran = if fortran { "True" } else { "False" };
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
        let prefix = if version == 1 { 10 } else { 12 };
        while (prefix + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = NPY_MAGIC.to_vec();
        out.extend([version, 0]);
        if version == 1 {
            out.extend(u16::try_from(header.len()).unwrap().to_le_bytes());
        } else {
            out.extend(u32::try_from(header.len()).unwrap().to_le_bytes());
        }
        out.extend(header.as_bytes());
        out.extend(body);
        out
    }

    /// A float32 NPY of shape `(rows, 1, 256)` whose row `r` is filled with `r + offset`.
    pub(crate) fn f32_npy(rows: usize, offset: f32) -> Vec<u8> {
        let body: Vec<u8> = (0..rows * STYLE_DIM)
            .flat_map(|i| ((i / STYLE_DIM) as f32 + offset).to_le_bytes())
            .collect();
        npy(1, "<f4", false, &format!("({rows}, 1, 256)"), &body)
    }

    /// Zips `(name, bytes)` entries with the given compression.
    pub(crate) fn zip_of(entries: &[(&str, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(method);
        for (name, bytes) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn header_parser_reads_the_three_keys() {
        let h =
            NpyHeader::parse("{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), }")
                .unwrap();
        assert_eq!(
            h,
            NpyHeader {
                descr: "<f4".into(),
                fortran_order: false,
                shape: vec![510, 1, 256]
            }
        );
        let h = NpyHeader::parse("{\"shape\": (3,), \"fortran_order\": True, \"descr\": \"<f8\"}")
            .unwrap();
        assert_eq!(h.shape, vec![3]);
        assert!(h.fortran_order);
        assert_eq!(h.descr, "<f8");
        assert!(NpyHeader::parse("{'descr': '<f4', 'shape': (1,)}").is_err());
        assert!(
            NpyHeader::parse("{'descr': '<f4', 'fortran_order': False, 'shape': (a, 2)}").is_err()
        );
    }

    #[test]
    fn npy_versions_1_2_3_parse() {
        let body: Vec<u8> = (0..2 * STYLE_DIM)
            .flat_map(|i| (i as f32).to_le_bytes())
            .collect();
        for version in [1, 2, 3] {
            let data = npy(version, "<f4", false, "(2, 1, 256)", &body);
            let pack = parse_npy("t", "af_x".into(), &data).unwrap();
            assert_eq!(pack.rows(), 2);
            assert_eq!(pack.row(1).unwrap()[0], STYLE_DIM as f32);
        }
        // A 2-D shape with the same element count is accepted too.
        let data = npy(1, "<f4", false, "(2, 256)", &body);
        assert_eq!(parse_npy("t", "x".into(), &data).unwrap().rows(), 2);
    }

    #[test]
    fn other_dtypes_and_layouts_are_rejected() {
        let body = vec![0u8; STYLE_DIM * 8];
        let err = parse_npy(
            "t.npy",
            "x".into(),
            &npy(1, "<f8", false, "(1, 1, 256)", &body),
        )
        .unwrap_err();
        assert!(err.is_unsupported_dtype());
        assert!(err.to_string().contains("'<f8'"), "{err}");

        let body = vec![0u8; STYLE_DIM * 4];
        for descr in [">f4", "<i4", "<f2"] {
            let err = parse_npy("t", "x".into(), &npy(1, descr, false, "(1, 1, 256)", &body))
                .unwrap_err();
            assert!(err.is_unsupported_dtype(), "{descr}: {err}");
        }
        let err =
            parse_npy("t", "x".into(), &npy(1, "<f4", true, "(1, 1, 256)", &body)).unwrap_err();
        assert!(err.is_unsupported_dtype());
    }

    #[test]
    fn malformed_npy_is_rejected() {
        let body = vec![0u8; STYLE_DIM * 4];
        let cases = [
            b"not an npy file at all".to_vec(),
            npy(4, "<f4", false, "(1, 1, 256)", &body),
            npy(1, "<f4", false, "(1, 1, 128)", &body[..512]),
            npy(1, "<f4", false, "(2, 1, 256)", &body),
            npy(
                1,
                "<f4",
                false,
                "(1, 1, 256)",
                &[body.clone(), vec![0; 4]].concat(),
            ),
            NPY_MAGIC.to_vec(),
        ];
        for data in cases {
            let err = parse_npy("t", "x".into(), &data).unwrap_err();
            assert!(err.is_invalid_archive(), "{err}");
        }
    }

    #[test]
    fn npz_stored_and_deflated_are_read_sorted() {
        for method in [
            zip::CompressionMethod::Stored,
            zip::CompressionMethod::Deflated,
        ] {
            let archive = zip_of(
                &[
                    ("am_adam.npy", f32_npy(3, 10.0)),
                    ("README.txt", b"not a voice".to_vec()),
                    ("af_bella.npy", f32_npy(510, 0.0)),
                ],
                method,
            );
            let packs = read_npz_bytes(&archive).unwrap();
            let ids: Vec<_> = packs.iter().map(VoicePack::id).collect();
            assert_eq!(ids, ["af_bella", "am_adam"]);
            assert_eq!(packs[0].rows(), 510);
            assert_eq!(packs[1].rows(), 3);
            assert_eq!(packs[1].row(2).unwrap()[0], 12.0);
        }
    }

    #[test]
    fn npz_with_float64_is_rejected() {
        let body = vec![0u8; STYLE_DIM * 8];
        let archive = zip_of(
            &[
                ("af_bella.npy", f32_npy(2, 0.0)),
                ("af_heart.npy", npy(1, "<f8", false, "(1, 1, 256)", &body)),
            ],
            zip::CompressionMethod::Stored,
        );
        let err = read_npz_bytes(&archive).unwrap_err();
        assert!(err.is_unsupported_dtype());
        assert!(err.to_string().contains("af_heart.npy"), "{err}");
    }

    #[test]
    fn non_zip_and_empty_archives_are_rejected() {
        assert!(
            read_npz_bytes(b"PK but not really")
                .unwrap_err()
                .is_invalid_archive()
        );
        let empty = zip_of(
            &[("notes.txt", b"x".to_vec())],
            zip::CompressionMethod::Stored,
        );
        assert!(read_npz_bytes(&empty).unwrap_err().is_invalid_archive());
    }

    #[test]
    fn read_npz_from_disk_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("voices-v1.0.bin");
        let archive = zip_of(
            &[("bf_emma.npy", f32_npy(4, 0.0))],
            zip::CompressionMethod::Deflated,
        );
        std::fs::write(&path, archive).unwrap();
        let packs = read_npz(&path).unwrap();
        assert_eq!(packs.len(), 1);
        assert_eq!(packs[0].id(), "bf_emma");

        std::fs::write(&path, b"garbage").unwrap();
        let err = read_npz(&path).unwrap_err();
        assert!(err.to_string().contains("voices-v1.0.bin"), "{err}");
        let err = read_npz(&dir.path().join("missing.bin")).unwrap_err();
        assert!(err.is_io());
    }

    #[test]
    fn npy_id_strips_dirs_and_extension() {
        assert_eq!(npy_id("af_bella.npy").as_deref(), Some("af_bella"));
        assert_eq!(npy_id("voices/am_adam.npy").as_deref(), Some("am_adam"));
        assert_eq!(npy_id(".npy"), None);
        assert_eq!(npy_id("af_bella.bin"), None);
    }
}
