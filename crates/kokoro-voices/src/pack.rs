//! Raw voice packs: `rows x 1 x 256` little-endian float32 style vectors.

use std::fmt;
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

pub use kokoro_model::STYLE_DIM;

/// Bytes in one style row (`STYLE_DIM` little-endian `f32`s).
pub const ROW_BYTES: usize = STYLE_DIM * 4;

/// Index of the style row to use for `n_tokens` phoneme tokens in a pack of `rows` rows.
///
/// This is the reference pipeline's rule: row `n - 1` for `n` phoneme tokens (padding not
/// counted), clamped to the last row; `n = 0` gives row 0. With `rows = 0` it returns 0.
///
/// ```
/// use kokoro_voices::style_row_index;
/// assert_eq!(style_row_index(0, 510), 0);
/// assert_eq!(style_row_index(1, 510), 0);
/// assert_eq!(style_row_index(42, 510), 41);
/// assert_eq!(style_row_index(9_999, 510), 509);
/// ```
#[must_use]
pub fn style_row_index(n_tokens: usize, rows: usize) -> usize {
    n_tokens.saturating_sub(1).min(rows.saturating_sub(1))
}

/// One voice: an id and its style rows (at least one row of [`STYLE_DIM`] finite `f32`s).
///
/// v1.0 packs have 510 rows, v0.19 packs 511 or 512. Row `i` is the style for `i + 1`
/// phoneme tokens; see [`style_row_index`].
#[derive(Clone, PartialEq)]
pub struct VoicePack {
    id: String,
    values: Vec<f32>,
}

impl fmt::Debug for VoicePack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoicePack")
            .field("id", &self.id)
            .field("rows", &self.rows())
            .finish_non_exhaustive()
    }
}

impl VoicePack {
    /// Builds a pack from row-major values (`rows * STYLE_DIM` of them).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPack`] when `values` is empty, its length is not a multiple of
    /// [`STYLE_DIM`], or a value is NaN or infinite.
    pub fn from_values(id: impl Into<String>, values: Vec<f32>) -> Result<Self> {
        let id = id.into();
        let origin = format!("`{id}`");
        check_values(&origin, &values)?;
        Ok(Self { id, values })
    }

    /// Parses a raw pack (`rows x 1 x 256` little-endian float32, no header).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPack`] when the size is zero or not a multiple of 1024 bytes, or a
    /// value is NaN or infinite; the message names `id`.
    pub fn from_bytes(id: impl Into<String>, bytes: &[u8]) -> Result<Self> {
        let id = id.into();
        let origin = format!("`{id}`");
        Self::parse(&origin, id, bytes)
    }

    /// Loads a raw `.bin` pack from disk; the id is the file stem (`af_bella.bin` -> `af_bella`).
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the file cannot be read, [`ErrorKind::InvalidPack`] when its
    /// name has no stem or its contents are invalid; messages name the path.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidPack,
                    format!(
                        "voice pack path {origin} has no usable file name: name it `<voice id>.bin`"
                    ),
                )
            })?
            .to_owned();
        let bytes = std::fs::read(path).map_err(|e| {
            Error::with_source(
                ErrorKind::Io,
                format!(
                    "cannot read voice pack {origin}: {e}: check the path or run `kokoro fetch-model`"
                ),
                e,
            )
        })?;
        tracing::debug!(path = %origin, bytes = bytes.len(), "loading voice pack");
        Self::parse(&origin, id, &bytes)
    }

    /// Shared parser; `origin` names the file or id in error messages.
    pub(crate) fn parse(origin: &str, id: String, bytes: &[u8]) -> Result<Self> {
        if bytes.is_empty() {
            return Err(invalid_pack(origin, "is empty"));
        }
        if !bytes.len().is_multiple_of(ROW_BYTES) {
            return Err(invalid_pack(
                origin,
                format!(
                    "is truncated ({} bytes, not a multiple of {ROW_BYTES})",
                    bytes.len()
                ),
            ));
        }
        let values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        check_values(origin, &values)?;
        Ok(Self { id, values })
    }

    /// The voice id (`af_bella`; a blended pack's id is its canonical blend spec).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Number of style rows (at least 1).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.values.len() / STYLE_DIM
    }

    /// Row `i` ([`STYLE_DIM`] values), or `None` past the last row.
    #[must_use]
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        let start = i.checked_mul(STYLE_DIM)?;
        let end = start.checked_add(STYLE_DIM)?;
        self.values.get(start..end)
    }

    /// The style row for `n_tokens` phoneme tokens (padding not counted): row
    /// [`style_row_index`]`(n_tokens, rows)`, always [`STYLE_DIM`] values long.
    #[must_use]
    pub fn style_for_tokens(&self, n_tokens: usize) -> &[f32] {
        // A pack always has at least one row, so the row exists.
        self.row(style_row_index(n_tokens, self.rows()))
            .unwrap_or_default()
    }

    /// All values, row-major (`rows * STYLE_DIM`).
    #[must_use]
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Serializes to the raw `.bin` layout (little-endian float32), the inverse of
    /// [`VoicePack::from_bytes`].
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }
}

/// The [`ErrorKind::InvalidPack`] error: voice pack `origin` `what`, and the fix.
fn invalid_pack(origin: &str, what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidPack,
        format!("voice pack {origin} {what}: run `kokoro fetch-model` to replace it"),
    )
}

fn check_values(origin: &str, values: &[f32]) -> Result<()> {
    if values.is_empty() {
        return Err(invalid_pack(origin, "has no style rows"));
    }
    if !values.len().is_multiple_of(STYLE_DIM) {
        return Err(invalid_pack(
            origin,
            format!("has {} values, not a multiple of {STYLE_DIM}", values.len()),
        ));
    }
    if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
        let bad = values.get(pos).copied().unwrap_or(f32::NAN);
        return Err(Error::new(
            ErrorKind::InvalidPack,
            format!(
                "voice pack {origin} holds a non-finite value ({bad}) at row {}, column {}: the file is corrupt; run `kokoro fetch-model` to replace it",
                pos / STYLE_DIM,
                pos % STYLE_DIM
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A pack whose row `r` is filled with `r as f32`.
    fn ramp(id: &str, rows: usize) -> VoicePack {
        let values = (0..rows)
            .flat_map(|r| std::iter::repeat_n(r as f32, STYLE_DIM))
            .collect();
        VoicePack::from_values(id, values).unwrap()
    }

    #[test]
    fn bytes_round_trip_and_rows() {
        let pack = ramp("af_test", 3);
        let bytes = pack.to_bytes();
        assert_eq!(bytes.len(), 3 * ROW_BYTES);
        let back = VoicePack::from_bytes("af_test", &bytes).unwrap();
        assert_eq!(back, pack);
        assert_eq!(back.rows(), 3);
        assert_eq!(back.id(), "af_test");
        assert_eq!(back.row(2).unwrap(), &[2.0; STYLE_DIM][..]);
        assert!(back.row(3).is_none());
        assert!(back.row(usize::MAX).is_none());
        assert!(back.row(usize::MAX / STYLE_DIM).is_none());
    }

    #[test]
    fn empty_pack_is_rejected() {
        let err = VoicePack::from_bytes("af_bella", &[]).unwrap_err();
        assert!(err.is_invalid_pack());
        assert!(err.to_string().contains("af_bella"), "{err}");
    }

    #[test]
    fn truncated_pack_is_rejected_naming_the_id() {
        let err = VoicePack::from_bytes("af_bella", &[0u8; 1000]).unwrap_err();
        assert!(err.is_invalid_pack());
        let msg = err.to_string();
        assert!(
            msg.contains("af_bella") && msg.contains("1000 bytes"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_size_pack_is_rejected() {
        // One full row plus 4 bytes.
        let err = VoicePack::from_bytes("am_adam", &[0u8; ROW_BYTES + 4]).unwrap_err();
        assert!(err.is_invalid_pack());
        assert!(err.to_string().contains("1028 bytes"), "{err}");
    }

    #[test]
    fn nan_and_infinite_values_are_rejected_with_position() {
        let mut values = vec![0.5f32; 2 * STYLE_DIM];
        values[STYLE_DIM + 3] = f32::NAN;
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let err = VoicePack::from_bytes("bf_emma", &bytes).unwrap_err();
        assert!(err.is_invalid_pack());
        let msg = err.to_string();
        assert!(
            msg.contains("bf_emma") && msg.contains("row 1, column 3"),
            "{msg}"
        );

        let mut values = vec![0.5f32; STYLE_DIM];
        values[0] = f32::INFINITY;
        assert!(
            VoicePack::from_values("x", values)
                .unwrap_err()
                .is_invalid_pack()
        );
    }

    #[test]
    fn from_values_rejects_partial_rows() {
        assert!(
            VoicePack::from_values("x", vec![0.0; 255])
                .unwrap_err()
                .is_invalid_pack()
        );
        assert!(
            VoicePack::from_values("x", vec![])
                .unwrap_err()
                .is_invalid_pack()
        );
    }

    #[test]
    fn load_takes_id_from_stem_and_names_the_path_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("am_michael.bin");
        std::fs::write(&good, ramp("ignored", 2).to_bytes()).unwrap();
        let pack = VoicePack::load(&good).unwrap();
        assert_eq!(pack.id(), "am_michael");
        assert_eq!(pack.rows(), 2);

        let bad = dir.path().join("bm_george.bin");
        std::fs::write(&bad, [0u8; 1000]).unwrap();
        let err = VoicePack::load(&bad).unwrap_err();
        assert!(err.is_invalid_pack());
        assert!(
            err.to_string().contains(&bad.display().to_string()),
            "{err}"
        );

        let missing = dir.path().join("nope.bin");
        let err = VoicePack::load(&missing).unwrap_err();
        assert!(err.is_io());
        assert!(err.to_string().contains("nope.bin"), "{err}");
    }

    #[test]
    fn style_row_index_edges() {
        let rows = 510;
        assert_eq!(style_row_index(0, rows), 0);
        assert_eq!(style_row_index(1, rows), 0);
        assert_eq!(style_row_index(2, rows), 1);
        assert_eq!(style_row_index(rows, rows), rows - 1);
        assert_eq!(style_row_index(rows + 1, rows), rows - 1);
        assert_eq!(style_row_index(usize::MAX, rows), rows - 1);
        assert_eq!(style_row_index(5, 0), 0);
        assert_eq!(style_row_index(5, 1), 0);
    }

    #[test]
    fn style_for_tokens_picks_row_n_minus_one() {
        let rows = 7;
        let pack = ramp("af_test", rows);
        let first = |n: usize| pack.style_for_tokens(n)[0];
        assert_eq!(first(0), 0.0);
        assert_eq!(first(1), 0.0);
        assert_eq!(first(4), 3.0);
        assert_eq!(first(rows), (rows - 1) as f32);
        assert_eq!(first(rows + 1), (rows - 1) as f32);
        assert_eq!(first(usize::MAX), (rows - 1) as f32);
        assert_eq!(pack.style_for_tokens(usize::MAX).len(), STYLE_DIM);
    }

    proptest! {
        #[test]
        fn style_row_index_is_in_bounds(n in any::<usize>(), rows in 1usize..100_000) {
            let idx = style_row_index(n, rows);
            prop_assert!(idx < rows);
            if (1..=rows).contains(&n) {
                prop_assert_eq!(idx, n - 1);
            } else if n > rows {
                prop_assert_eq!(idx, rows - 1);
            }
        }

        #[test]
        fn style_row_index_is_monotone(a in any::<usize>(), b in any::<usize>(), rows in 1usize..1000) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(style_row_index(lo, rows) <= style_row_index(hi, rows));
        }

        #[test]
        fn from_bytes_inverts_to_bytes(
            values in (1usize..4).prop_flat_map(|rows| {
                prop::collection::vec(-10.0f32..10.0, rows * STYLE_DIM)
            })
        ) {
            let pack = VoicePack::from_values("p", values.clone()).unwrap();
            let back = VoicePack::from_bytes("p", &pack.to_bytes()).unwrap();
            prop_assert_eq!(back.values(), &values[..]);
        }
    }
}
