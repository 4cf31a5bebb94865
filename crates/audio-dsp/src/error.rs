//! The crate's error type.

/// What went wrong in an audio-dsp operation; returned by [`Error::kind`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A sample is NaN or infinite.
    NonFiniteSample {
        /// Index of the first offending sample in the input buffer.
        index: usize,
    },
    /// The peak target is not finite or is above 0 dBFS.
    InvalidTarget,
    /// `pauses.len()` is not `chunks.len() - 1`.
    MismatchedPauses {
        /// Number of audio chunks given.
        chunks: usize,
        /// Number of pauses given.
        pauses: usize,
    },
    /// The requested output length does not fit in `usize`.
    LengthOverflow,
}

/// Error returned by the fallible functions of this crate.
///
/// Match on [`Error::kind`] (or use the `is_*` queries) to react to a
/// particular failure; the `Display` message says what to do about it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// `true` when the input held a NaN or infinite sample.
    #[must_use]
    pub fn is_non_finite(&self) -> bool {
        matches!(self.kind, ErrorKind::NonFiniteSample { .. })
    }

    /// `true` when the peak target was rejected.
    #[must_use]
    pub fn is_invalid_target(&self) -> bool {
        self.kind == ErrorKind::InvalidTarget
    }

    /// `true` when the number of pauses did not match the number of chunks.
    #[must_use]
    pub fn is_mismatched_pauses(&self) -> bool {
        matches!(self.kind, ErrorKind::MismatchedPauses { .. })
    }
}
