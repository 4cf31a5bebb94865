//! The crate's single error type.

use std::error::Error as StdError;

/// What went wrong, as returned by [`Error::kind`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text was empty or only whitespace.
    EmptyText,
    /// The text held no speakable symbol (only punctuation, emoji, or words the phonemizer
    /// could not pronounce).
    NothingToSay,
    /// The phonemizer (G2P) failed.
    Phonemizer,
    /// A vocabulary (`config.json`) could not be parsed or is malformed.
    InvalidVocab,
    /// A user lexicon could not be read or holds a malformed line.
    Lexicon,
    /// The text holds letters of a script the request's language cannot read (Japanese kana
    /// for an English voice, mixed-script text).
    WrongScript,
    /// The request's language has no front end here (espeak-ng not installed, or a language
    /// without a front end in this build).
    LanguageUnavailable,
}

/// The error type of `kokoro-tokenize`.
///
/// Opaque: match on [`Error::kind`] or use the `is_*` queries.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(#[from] Repr);

#[derive(Debug, thiserror::Error)]
pub(crate) enum Repr {
    #[error("text is empty: pass at least one word to speak")]
    EmptyText,
    #[error(
        "text {preview:?} has nothing speakable (only punctuation, symbols or words the \
         phonemizer cannot pronounce): pass words to speak or use `[word](/phonemes/)` markup"
    )]
    NothingToSay { preview: String },
    #[error("phonemizer failed: {message}")]
    Phonemizer {
        message: String,
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    #[error("invalid vocabulary: {message}")]
    InvalidVocab {
        message: String,
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    #[error("invalid user lexicon: {message}")]
    Lexicon {
        message: String,
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    #[error("{0}")]
    WrongScript(String),
    #[error("{message}")]
    LanguageUnavailable {
        message: String,
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match &self.0 {
            Repr::EmptyText => ErrorKind::EmptyText,
            Repr::NothingToSay { .. } => ErrorKind::NothingToSay,
            Repr::Phonemizer { .. } => ErrorKind::Phonemizer,
            Repr::InvalidVocab { .. } => ErrorKind::InvalidVocab,
            Repr::Lexicon { .. } => ErrorKind::Lexicon,
            Repr::WrongScript(_) => ErrorKind::WrongScript,
            Repr::LanguageUnavailable { .. } => ErrorKind::LanguageUnavailable,
        }
    }

    /// True when the text was empty or whitespace only.
    pub fn is_empty_text(&self) -> bool {
        self.kind() == ErrorKind::EmptyText
    }

    /// True when the text held nothing speakable.
    pub fn is_nothing_to_say(&self) -> bool {
        self.kind() == ErrorKind::NothingToSay
    }

    /// True when the phonemizer failed.
    pub fn is_phonemizer(&self) -> bool {
        self.kind() == ErrorKind::Phonemizer
    }

    /// True when a vocabulary could not be loaded.
    pub fn is_invalid_vocab(&self) -> bool {
        self.kind() == ErrorKind::InvalidVocab
    }

    /// True when a user lexicon could not be loaded.
    pub fn is_lexicon(&self) -> bool {
        self.kind() == ErrorKind::Lexicon
    }

    /// True when the text is written in a script the language cannot read.
    pub fn is_wrong_script(&self) -> bool {
        self.kind() == ErrorKind::WrongScript
    }

    /// True when the language has no front end here.
    pub fn is_language_unavailable(&self) -> bool {
        self.kind() == ErrorKind::LanguageUnavailable
    }

    /// A language without a front end here, for implementors of
    /// [`crate::lang::LanguageFrontend`] factories. `message` should be lowercase, name the
    /// language and say what to do.
    pub fn language_unavailable(message: impl Into<String>) -> Self {
        Repr::LanguageUnavailable {
            message: message.into(),
            source: None,
        }
        .into()
    }

    /// A language whose front end could not be built because of `source` (its dictionary
    /// missing or unreadable), for implementors of [`crate::lang::LanguageFrontend`] factories.
    pub fn language_unavailable_with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Repr::LanguageUnavailable {
            message: message.into(),
            source: Some(source.into()),
        }
        .into()
    }

    pub(crate) fn wrong_script(message: impl Into<String>) -> Self {
        Repr::WrongScript(message.into()).into()
    }

    /// A phonemizer failure, for implementors of [`crate::Phonemizer`].
    ///
    /// `message` should be lowercase and say what to do.
    pub fn phonemizer(message: impl Into<String>) -> Self {
        Repr::Phonemizer {
            message: message.into(),
            source: None,
        }
        .into()
    }

    /// A phonemizer failure caused by `source`, for implementors of [`crate::Phonemizer`].
    pub fn phonemizer_with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Repr::Phonemizer {
            message: message.into(),
            source: Some(source.into()),
        }
        .into()
    }

    pub(crate) fn empty_text() -> Self {
        Repr::EmptyText.into()
    }

    pub(crate) fn nothing_to_say(text: &str) -> Self {
        const MAX_PREVIEW: usize = 60;
        let mut preview: String = text.trim().chars().take(MAX_PREVIEW).collect();
        if text.trim().chars().count() > MAX_PREVIEW {
            preview.push('…');
        }
        Repr::NothingToSay { preview }.into()
    }

    pub(crate) fn lexicon(message: impl Into<String>) -> Self {
        Repr::Lexicon {
            message: message.into(),
            source: None,
        }
        .into()
    }

    pub(crate) fn lexicon_with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Repr::Lexicon {
            message: message.into(),
            source: Some(source.into()),
        }
        .into()
    }

    pub(crate) fn invalid_vocab(message: impl Into<String>) -> Self {
        Repr::InvalidVocab {
            message: message.into(),
            source: None,
        }
        .into()
    }

    pub(crate) fn invalid_vocab_with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Repr::InvalidVocab {
            message: message.into(),
            source: Some(source.into()),
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_queries_agree() {
        let cases = [
            (Error::empty_text(), ErrorKind::EmptyText),
            (Error::nothing_to_say("..."), ErrorKind::NothingToSay),
            (Error::phonemizer("boom"), ErrorKind::Phonemizer),
            (Error::invalid_vocab("bad"), ErrorKind::InvalidVocab),
            (Error::lexicon("bad line"), ErrorKind::Lexicon),
            (Error::wrong_script("kana"), ErrorKind::WrongScript),
            (
                Error::language_unavailable("no espeak-ng"),
                ErrorKind::LanguageUnavailable,
            ),
        ];
        for (err, kind) in cases {
            assert_eq!(err.kind(), kind);
            assert_eq!(err.is_empty_text(), kind == ErrorKind::EmptyText);
            assert_eq!(err.is_nothing_to_say(), kind == ErrorKind::NothingToSay);
            assert_eq!(err.is_phonemizer(), kind == ErrorKind::Phonemizer);
            assert_eq!(err.is_invalid_vocab(), kind == ErrorKind::InvalidVocab);
            assert_eq!(err.is_lexicon(), kind == ErrorKind::Lexicon);
            assert_eq!(err.is_wrong_script(), kind == ErrorKind::WrongScript);
            assert_eq!(
                err.is_language_unavailable(),
                kind == ErrorKind::LanguageUnavailable
            );
            let msg = err.to_string();
            assert!(msg.starts_with(|c: char| c.is_lowercase()), "{msg}");
        }
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::other("pipe closed");
        let err = Error::phonemizer_with_source("espeak-ng died", io);
        assert!(err.is_phonemizer());
        let source = StdError::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("pipe closed"));
    }

    #[test]
    fn long_preview_is_shortened() {
        let err = Error::nothing_to_say(&"!".repeat(500));
        assert!(err.to_string().len() < 300);
        assert!(err.to_string().contains('…'));
    }
}
