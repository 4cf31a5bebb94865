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
/// Opaque on purpose: ask [`Error::kind`] or the `is_*` queries; the message is for people. An
/// error that wraps a lower crate's ([`Error::wrap`]) displays that error's message and its
/// [`source`](std::error::Error::source) is that error's own source, so a report that walks the
/// chain (`{e:#}` with anyhow, a log line) prints each cause once and a cause can be found by
/// downcasting along the chain; the wrapped error itself is [`Error::cause`]. An outcome string
/// (JSON, a Python exception) is [`Error::report`]: the message and every cause, each once.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    cause: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    /// The wrapped error's own source: the wrapped error is this one's message already.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let cause: &(dyn std::error::Error + 'static) = self.cause.as_deref()?;
        cause.source()
    }
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

    /// An error of `kind` that displays `source`'s message and keeps `source` as
    /// [`Error::cause`]; its [`source`](std::error::Error::source) chain is `source`'s.
    pub fn wrap<E>(kind: ErrorKind, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Self {
            kind,
            message: source.to_string(),
            cause: Some(Box::new(source)),
        }
    }

    /// The error this one wraps, if any (this error displays its message).
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    /// The message followed by each cause along the [`source`](std::error::Error::source)
    /// chain, each once: what an outcome string, a Python exception or a CLI failure says, e.g.
    /// `cannot write out.wav: permission denied`. See [`Error::report_of`].
    pub fn report(&self) -> String {
        Self::report_of(self)
    }

    /// `e`'s message followed by each cause along its `source()` chain, joined by `: `, leaving
    /// out a cause whose text the report holds already (a message that quotes its cause).
    pub fn report_of(e: &(dyn std::error::Error + 'static)) -> String {
        let mut text = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            let more = c.to_string();
            if !text.contains(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            cause = c.source();
        }
        text
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

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the voices: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn a_wrapped_chain_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let e = Error::wrap(ErrorKind::Storage, Outer(io));
        assert_eq!(e.to_string(), "cannot write the file");
        assert_eq!(
            report(&e),
            "cannot write the file: permission denied",
            "each cause once"
        );
        assert_eq!(e.report(), report(&e));
        assert_eq!(
            e.cause().map(ToString::to_string).as_deref(),
            Some("cannot write the file")
        );
        assert!(e.is_storage());
        assert!(Error::new(ErrorKind::Config, "bad").cause().is_none());
        // a cause whose text the message already holds is not said twice
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Error::wrap(ErrorKind::Voice, Repeats(io));
        assert_eq!(e.report(), "cannot open the voices: no such file");
        assert_eq!(Error::new(ErrorKind::Config, "bad").report(), "bad");
    }

    #[test]
    fn the_source_chain_reaches_the_lower_crates_errors() {
        // wav_store's error for a file that is not there, through the pipeline's own reader
        let dir = std::env::temp_dir().join(format!("tts-error-chain-{}", std::process::id()));
        let e = crate::audio::wav_duration(&dir.join("missing.wav")).err();
        let Some(e) = e else {
            unreachable!("a missing file must not read");
        };
        let wrapped = e.cause().and_then(|c| c.downcast_ref::<wav_store::Error>());
        assert!(wrapped.is_some(), "{e:?}");
        let mut found = None;
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            found = found.or(c.downcast_ref::<std::io::Error>());
            cause = c.source();
        }
        assert_eq!(
            found.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound),
            "{e:?}"
        );
        assert!(
            e.report()
                .contains(&found.map(ToString::to_string).unwrap_or_default())
        );
    }
}
