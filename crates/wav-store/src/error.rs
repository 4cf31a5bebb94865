//! The crate's error type.

use std::error::Error as StdError;

/// What went wrong; returned by [`Error::kind`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file does not exist.
    NotFound,
    /// A project or segment id is not a safe path component.
    InvalidId,
    /// The output path has no file name (e.g. it ends in `..`).
    InvalidPath,
    /// The path is a directory, not a file.
    IsDirectory,
    /// Reading, writing, syncing or renaming failed at the OS level.
    Io,
    /// The file is not a valid WAV file: garbage, a bad header or truncated data.
    Corrupt,
    /// No audio: an empty sample buffer to write, a zero-length file or a WAV
    /// file with zero frames.
    Empty,
    /// A sample (to write, or decoded from a file) is NaN or infinite.
    NonFinite {
        /// Index of the first offending sample.
        index: usize,
    },
    /// The sample rate is 0.
    InvalidSampleRate,
    /// A valid WAV file whose sample format this crate does not handle
    /// (only 32-bit float and 16-bit PCM are).
    Unsupported,
}

/// Error returned by every fallible function of this crate.
///
/// The message names the path (or id) involved and says what to do; the
/// underlying I/O or decoder error, if any, is available through
/// [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// The problem was found in an existing file (as opposed to bad input).
    bad_file: bool,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            bad_file: false,
            source: None,
        }
    }

    /// An error describing a damaged existing file.
    pub(crate) fn bad_file(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            bad_file: true,
            ..Self::new(kind, message)
        }
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// `true` when the file does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// `true` when a project or segment id was rejected.
    #[must_use]
    pub fn is_invalid_id(&self) -> bool {
        self.kind == ErrorKind::InvalidId
    }

    /// `true` when an existing file is damaged and should be regenerated:
    /// not a WAV, truncated, zero-length, zero frames or non-finite samples
    /// (as reported by [`validate_wav`](crate::validate_wav) and
    /// [`read_wav`](crate::read_wav)).
    #[must_use]
    pub fn is_corrupt(&self) -> bool {
        self.bad_file
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    #[test]
    fn a_file_error_keeps_the_io_error_as_its_source() {
        let dir = std::env::temp_dir().join("wav-store-no-such-dir");
        let err = crate::validate_wav(&dir.join("gone.wav")).err();
        assert!(
            err.as_ref().is_some_and(super::Error::is_not_found),
            "{err:?}"
        );
        let source = err.as_ref().and_then(|e| e.source());
        assert!(
            source
                .and_then(|s| s.downcast_ref::<std::io::Error>())
                .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound),
            "{source:?}"
        );
    }
}
