//! Japanese (`ja`): the `kokoro-ja` front end (UniDic, read as misaki 0.9.4's `ja` module reads it).
//!
//! [`frontend`] is what the language dispatch ([`crate::lang::frontend`]) calls for
//! [`crate::lang::Language::Japanese`]: it loads the dictionary found by
//! [`kokoro_ja::locate_dictionary`] (`KOKORO_JA_DICT`, else `$KOKORO_MODEL_DIR/ja`, else
//! `models/ja`, where `kokoro fetch-model --with-ja` installs it) on a tokenizer's first Japanese
//! request, never before. A caller that knows its model directory gives
//! [`Japanese::for_model_dir`] to [`crate::Tokenizer::with_language_factory`] instead (the
//! engine does).
//! Without the dictionary a Japanese request is refused with
//! [`crate::ErrorKind::LanguageUnavailable`], whose message says how to install it; it is never
//! read as English.

use std::path::Path;

use kokoro_ja::JaG2p;

use crate::Error;
use crate::lang::LanguageFrontend;

/// The Japanese front end, built once per [`crate::Tokenizer`] on its first Japanese request.
pub(crate) fn frontend() -> Result<Box<dyn LanguageFrontend>, Error> {
    Ok(Box::new(Japanese::load(&kokoro_ja::locate_dictionary())?))
}

/// Japanese text to Kokoro phonemes through [`kokoro_ja::JaG2p`].
#[derive(Debug)]
pub struct Japanese {
    g2p: JaG2p,
}

impl Japanese {
    /// Loads the dictionary in `dir` (UniDic's MeCab files and misaki's word list, as
    /// `kokoro fetch-model --with-ja` installs them under the model directory's `ja/`).
    ///
    /// Errors: [`crate::ErrorKind::LanguageUnavailable`] when it is missing or unreadable; the
    /// message says how to install it.
    pub fn load(dir: &Path) -> Result<Japanese, Error> {
        let g2p = JaG2p::load(dir).map_err(|e| {
            Error::language_unavailable_with_source(
                format!("japanese (ja) cannot be spoken: {e}"),
                e,
            )
        })?;
        Ok(Japanese { g2p })
    }
}

impl Japanese {
    /// [`Japanese::load`] of the dictionary for a model directory: `KOKORO_JA_DICT`, else
    /// `model_dir/ja` (see [`kokoro_ja::locate_dictionary_in`]).
    pub fn for_model_dir(model_dir: &Path) -> Result<Japanese, Error> {
        Japanese::load(&kokoro_ja::locate_dictionary_in(Some(model_dir)))
    }
}

impl LanguageFrontend for Japanese {
    fn phonemize(&self, text: &str) -> Result<String, Error> {
        let out = self.g2p.phonemize(text).map_err(|e| {
            Error::phonemizer_with_source(
                "the japanese dictionary could not be read: fetch it again with \
                 `kokoro fetch-model --with-ja --force`",
                e,
            )
        })?;
        Ok(out.phonemes)
    }

    fn words(&self, text: &str) -> Result<Vec<std::ops::Range<usize>>, Error> {
        self.g2p.words(text).map_err(|e| {
            Error::phonemizer_with_source(
                "the japanese dictionary could not be read: fetch it again with \
                 `kokoro fetch-model --with-ja --force`",
                e,
            )
        })
    }

    fn describe(&self) -> String {
        format!(
            "ja: kokoro-ja, UniDic in {} read as misaki 0.9.4 reads it",
            self.g2p.dir().display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_dictionary_is_a_clear_refusal() {
        let dir = std::env::temp_dir().join("kokoro-no-such-ja-dictionary");
        let err = Japanese::load(&dir)
            .err()
            .map(|e| (e.is_language_unavailable(), e.to_string()));
        let Some((unavailable, msg)) = err else {
            unreachable!("a missing dictionary must not load");
        };
        assert!(unavailable, "{msg}");
        // the dictionary's own error, and its I/O error below it, stay reachable
        let err = Japanese::load(&dir).err();
        let cause = err.as_ref().and_then(std::error::Error::source);
        assert!(
            cause.is_some_and(|c| c.downcast_ref::<kokoro_ja::Error>().is_some()),
            "{cause:?}"
        );
        let io = cause.and_then(std::error::Error::source);
        assert!(
            io.and_then(|e| e.downcast_ref::<std::io::Error>())
                .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound),
            "{io:?}"
        );
        assert!(
            msg.contains("kokoro fetch-model --with-ja")
                && msg.contains("python -m kokoro_engine fetch-model --with-ja")
                && msg.contains("KOKORO_JA_DICT"),
            "{msg}"
        );
    }
}
