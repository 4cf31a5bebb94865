//! The crate's single error type.

use std::path::PathBuf;

/// The error type of `kokoro-ja`.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A dictionary file is missing or unreadable.
    #[error(
        "cannot read the japanese dictionary file {path}: {source}; run `kokoro fetch-model --with-ja` \
         (from Python: `python -m kokoro_engine fetch-model --with-ja`; it installs unidic-lite in the \
         model directory's ja/) or set KOKORO_JA_DICT to a MeCab UniDic directory"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A dictionary file does not have the MeCab binary layout.
    #[error(
        "the japanese dictionary file {path} is malformed ({reason}); fetch it again with \
         `kokoro fetch-model --with-ja --force`"
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn malformed(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Malformed {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use crate::JaG2p;

    #[test]
    fn a_missing_dictionary_keeps_its_io_error_as_the_source() {
        let dir = std::env::temp_dir().join("kokoro-ja-no-such-dictionary");
        let err = JaG2p::load(&dir).err();
        assert!(matches!(err, Some(super::Error::Io { .. })), "{err:?}");
        let source = err.as_ref().and_then(|e| e.source());
        assert!(
            source
                .and_then(|s| s.downcast_ref::<std::io::Error>())
                .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound),
            "{source:?}"
        );
    }
}
