//! The crate's single error type.

use std::fmt;

/// Boxed cause carried by a [`Error`].
type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error from this crate: an opaque value with a [`kind`](Error::kind) to branch on and
/// a lowercase message that says what went wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Source>,
}

/// What kind of failure a [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file or directory could not be read.
    Io,
    /// A voice pack's bytes or values are invalid (empty, truncated, non-finite values).
    InvalidPack,
    /// An NPZ archive or one of its NPY entries is malformed.
    InvalidArchive,
    /// An NPY entry holds a dtype or layout other than little-endian C-order float32.
    UnsupportedDtype,
    /// A voice id is not in the catalog.
    UnknownVoice,
    /// A blend spec (`af_bella:0.7,am_adam:0.3`) or blend input is malformed.
    InvalidBlend,
    /// The catalog holds no voice at all, so nothing can be chosen.
    EmptyCatalog,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Io => "i/o error",
            Self::InvalidPack => "invalid voice pack",
            Self::InvalidArchive => "invalid voice archive",
            Self::UnsupportedDtype => "unsupported array dtype",
            Self::UnknownVoice => "unknown voice",
            Self::InvalidBlend => "invalid voice blend",
            Self::EmptyCatalog => "empty voice catalog",
        };
        f.write_str(text)
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl Into<Source>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// True when a file or directory could not be read.
    #[must_use]
    pub fn is_io(&self) -> bool {
        self.kind == ErrorKind::Io
    }

    /// True when a voice pack is empty, truncated or holds non-finite values.
    #[must_use]
    pub fn is_invalid_pack(&self) -> bool {
        self.kind == ErrorKind::InvalidPack
    }

    /// True when an NPZ archive or NPY entry is malformed.
    #[must_use]
    pub fn is_invalid_archive(&self) -> bool {
        self.kind == ErrorKind::InvalidArchive
    }

    /// True when an NPY entry is not little-endian C-order float32.
    #[must_use]
    pub fn is_unsupported_dtype(&self) -> bool {
        self.kind == ErrorKind::UnsupportedDtype
    }

    /// True when a voice id is not in the catalog.
    #[must_use]
    pub fn is_unknown_voice(&self) -> bool {
        self.kind == ErrorKind::UnknownVoice
    }

    /// True when a blend spec or blend input is malformed.
    #[must_use]
    pub fn is_invalid_blend(&self) -> bool {
        self.kind == ErrorKind::InvalidBlend
    }

    /// True when the catalog holds no voice.
    #[must_use]
    pub fn is_empty_catalog(&self) -> bool {
        self.kind == ErrorKind::EmptyCatalog
    }
}

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn kind_queries_match_the_kind() {
        let err = Error::new(ErrorKind::InvalidBlend, "bad");
        assert!(err.is_invalid_blend());
        assert!(!err.is_unknown_voice());
        assert_eq!(err.kind(), ErrorKind::InvalidBlend);
        assert_eq!(err.to_string(), "bad");
        assert!(err.source().is_none());
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let err = Error::with_source(ErrorKind::Io, "cannot read x", io);
        assert!(err.is_io());
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("gone")
        );
    }

    #[test]
    fn a_pack_that_cannot_be_read_keeps_the_io_error_as_its_source() {
        let gone = std::env::temp_dir().join("kokoro-voices-no-such-dir/af_gone.bin");
        let err = crate::VoicePack::load(&gone).err();
        assert!(err.as_ref().is_some_and(Error::is_io), "{err:?}");
        let source = err.as_ref().and_then(|e| e.source());
        assert!(
            source
                .and_then(|s| s.downcast_ref::<std::io::Error>())
                .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound),
            "{source:?}"
        );
    }

    #[test]
    fn error_is_send_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
