//! The pipeline's error type.

use std::fmt;

/// What went wrong, coarsely; match on it instead of parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text was empty or only whitespace.
    EmptyText,
    /// The text is longer than the engine accepts in one call.
    TextTooLong,
    /// The text contained nothing that can be spoken.
    NothingToSay,
    /// The speed was NaN or infinite.
    InvalidSpeed,
    /// The voice could not be used (an empty catalog, a malformed blend, a corrupt pack).
    Voice,
    /// Text to phonemes to ids failed.
    Tokenize,
    /// The ONNX Runtime library is missing, unloadable or too old.
    RuntimeMissing,
    /// The model files are missing or corrupt.
    ModelMissing,
    /// Inference failed or returned unusable audio.
    Inference,
    /// Audio processing failed (non-finite samples, bad join).
    Audio,
    /// A project or segment id is not safe to use in a path.
    InvalidId,
    /// Writing or reading the WAV file failed.
    Storage,
    /// The engine's configuration is unusable.
    Config,
    /// Word timings were asked for, but the model (or this front end) cannot give them: the
    /// request fails rather than give wrong numbers. Asked without timings, it speaks.
    TimingsUnavailable,
    /// The text holds letters of a script the request's language cannot read (Japanese kana
    /// for an English voice, mixed-script text): choose the voice or `lang` of that script.
    WrongScript,
    /// The request's `lang` names no language of Kokoro's voices.
    UnknownLanguage,
    /// The request's language cannot be spoken here: its front end is missing (espeak-ng not
    /// installed for es, fr-fr, it, pt-br, hi; no Japanese front end).
    LanguageUnavailable,
    /// A file to read does not exist ([`audio`](crate::audio)'s functions).
    NotFound,
    /// A path to write or read is a directory, not a file.
    IsDirectory,
    /// Samples, a sample rate or a path given to write or scale audio are unusable (empty, NaN
    /// or infinite, a rate of 0, a path without a file name, a peak target above 0 dBFS).
    InvalidAudio,
    /// A file is no WAV this engine reads: garbage, a bad header, truncated data, or a sample
    /// format other than 32-bit float and 16-bit PCM.
    CorruptAudio,
}

/// The error of every fallible pipeline call.
///
/// Opaque on purpose: ask [`Error::kind`] or the `is_*` queries; the message is for people. The
/// message already carries the whole cause chain (a JSON outcome must say why), so
/// [`std::error::Error::source`] returns `None` and a report that walks the chain (`{e:#}` with
/// anyhow) prints each cause once; the wrapped error itself is kept: see [`Error::cause`].
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    cause: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message that says what to do.
    pub fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Self {
            kind,
            message: message.to_string(),
            cause: None,
        }
    }

    /// An error of `kind` whose message is `source`'s message followed by its causes' (each once),
    /// keeping `source` as [`Error::cause`].
    pub fn wrap<E>(kind: ErrorKind, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        // The message carries the whole chain, so that a JSON outcome says why (e.g. the I/O error).
        let mut message = source.to_string();
        let mut cause = std::error::Error::source(&source);
        while let Some(c) = cause {
            let text = c.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = c.source();
        }
        Self {
            kind,
            message,
            cause: Some(Box::new(source)),
        }
    }

    /// The error this one wraps, if any (its text is already part of this error's message).
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// True when the caller's input (text, speed, voice spec, ids) was at fault.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::EmptyText
                | ErrorKind::TextTooLong
                | ErrorKind::NothingToSay
                | ErrorKind::InvalidSpeed
                | ErrorKind::InvalidId
                | ErrorKind::WrongScript
                | ErrorKind::UnknownLanguage
                | ErrorKind::InvalidAudio
        )
    }

    /// True when the model files, the runtime library or the front end of the request's
    /// language (espeak-ng) are missing or unusable.
    pub fn is_setup_missing(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::RuntimeMissing | ErrorKind::ModelMissing | ErrorKind::LanguageUnavailable
        )
    }

    /// True when writing or reading a file failed: an I/O error ([`ErrorKind::Storage`]), a
    /// missing file, a directory in its place, or a file that is no readable WAV.
    pub fn is_storage(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Storage
                | ErrorKind::NotFound
                | ErrorKind::IsDirectory
                | ErrorKind::CorruptAudio
        )
    }
}

/// The pipeline's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot write the file")]
    struct Outer(#[source] std::io::Error);

    /// What a report that walks `source()` prints (anyhow's `{:#}`).
    fn report(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        text
    }

    #[test]
    fn a_wrapped_chain_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let e = Error::wrap(ErrorKind::Storage, Outer(io));
        assert_eq!(e.to_string(), "cannot write the file: permission denied");
        assert_eq!(report(&e), e.to_string(), "each cause once");
        assert!(std::error::Error::source(&e).is_none());
        assert_eq!(
            e.cause().map(ToString::to_string).as_deref(),
            Some("cannot write the file")
        );
        assert!(e.is_storage());
        assert!(Error::new(ErrorKind::Config, "bad").cause().is_none());
    }
}
