//! Every language of the Kokoro v1.0 voices: which front end reads it.
//!
//! [`Language`] (from `kokoro-model`) names the language of a request; [`frontend`] builds the
//! front end of a language other than English:
//!
//! | language | front end |
//! | --- | --- |
//! | `en-us`, `en-gb` | misaki-rs ([`crate::MisakiPhonemizer`]), not through this module |
//! | `es`, `fr-fr`, `it`, `pt-br`, `hi` | [`EspeakG2P`]: espeak-ng run as a separate program, IPA mapped as misaki maps it |
//! | `zh` | `mandarin` (this module's `mandarin/`; feature `zh`) |
//! | `ja` | `Japanese`: the `kokoro-ja` crate (UniDic from `models/ja`, misaki's readings), loaded on the first Japanese request (feature `ja`) |
//!
//! Japanese and Mandarin are cargo features of this crate, `ja` and `zh` (off by default; on in
//! the `kokoro` CLI and the Python wheel): a build without them compiles no kokoro-ja, no jieba-rs
//! and no pinyin tables ([`built_in`] says what this build reads).
//!
//! A front end that cannot be built (espeak-ng missing, a language whose feature is off) is an
//! error of kind [`crate::ErrorKind::LanguageUnavailable`] whose message says what to do; a
//! request in such a language is refused, never read as English. [`check_script`] refuses text
//! written in a script the language cannot read (Japanese kana for an English voice).
//!
//! [`crate::Tokenizer::tokenize_in`] is the entry point: it checks the script, splits the text
//! into sentences and clauses (`。！？` end Chinese and Japanese sentences, `，、` are clause
//! breaks, `।` ends a Hindi one) and keeps every piece within [`crate::MAX_TOKENS`] ids in every
//! language.

mod espeak;
#[cfg(feature = "ja")]
mod japanese;
#[cfg(feature = "zh")]
pub mod mandarin;
mod script;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use espeak::{EspeakG2P, espeak_to_kokoro, espeak_voice};
#[cfg(feature = "ja")]
pub use japanese::Japanese;
pub use kokoro_model::Language;
#[cfg(feature = "zh")]
pub use mandarin::Mandarin;
pub use script::{Script, check_script, reads};

use crate::Error;

/// The front end of one language other than English: text in that language to Kokoro phonemes
/// (one `char` per symbol, words separated by spaces, punctuation kept).
///
/// Implementations must not panic; symbols outside the model's vocabulary are dropped later by
/// the [`crate::Tokenizer`].
pub trait LanguageFrontend: Send + Sync {
    /// Phonemizes `text`.
    fn phonemize(&self, text: &str) -> Result<String, Error>;

    /// The words of `text` as written (byte ranges, in order), for word timings: the default is
    /// whitespace-separated words. Languages written without spaces give the words their
    /// segmenter finds (jieba for Mandarin, the dictionary's morphemes for Japanese), so that a
    /// sentence is not one word. Punctuation around a word is trimmed by the caller.
    fn words(&self, text: &str) -> Result<Vec<std::ops::Range<usize>>, Error> {
        Ok(crate::words::source_words(text, 0..text.len()))
    }

    /// One line saying what this front end is (shown by `kokoro info`).
    fn describe(&self) -> String;
}

/// Builds the front end of `language` (anything but English).
///
/// Errors: [`crate::ErrorKind::LanguageUnavailable`] when it cannot be built here (espeak-ng not
/// installed; Japanese or Mandarin in a build without its cargo feature, `ja` or `zh`: see
/// [`feature`]) or for English, which the misaki phonemizer reads.
pub fn frontend(language: Language) -> Result<Box<dyn LanguageFrontend>, Error> {
    if language.is_english() {
        return Err(Error::language_unavailable(format!(
            "{} is read by the misaki phonemizer, not by a language front end",
            language.name()
        )));
    }
    match language {
        #[cfg(feature = "ja")]
        Language::Japanese => japanese::frontend(),
        #[cfg(feature = "zh")]
        Language::Mandarin => mandarin::frontend(),
        #[cfg(not(feature = "ja"))]
        Language::Japanese => Err(not_built(language)),
        #[cfg(not(feature = "zh"))]
        Language::Mandarin => Err(not_built(language)),
        _ => Ok(Box::new(EspeakG2P::new(language)?)),
    }
}

/// The cargo feature that builds `language`'s own front end into this crate (`ja`, `zh`); `None`
/// for the languages every build reads (English, and those espeak-ng reads).
pub const fn feature(language: Language) -> Option<&'static str> {
    match language {
        Language::Japanese => Some("ja"),
        Language::Mandarin => Some("zh"),
        _ => None,
    }
}

/// Whether this build can read `language` (its cargo feature, where it needs one, is on); the
/// espeak-ng languages still need the program at run time.
pub const fn built_in(language: Language) -> bool {
    let (japanese, mandarin) = (cfg!(feature = "ja"), cfg!(feature = "zh"));
    match language {
        Language::Japanese => japanese,
        Language::Mandarin => mandarin,
        _ => true,
    }
}

/// The refusal of a request in `language` when this build leaves its front end out: it names the
/// feature that brings it.
#[cfg(any(test, not(all(feature = "ja", feature = "zh"))))]
fn not_built(language: Language) -> Error {
    let feature = feature(language).unwrap_or("?");
    Error::language_unavailable(format!(
        "{} ({}) is not in this build: enable the `{feature}` feature of tts-pipeline (or \
         kokoro-tokenize), e.g. `tts-pipeline = {{ version = \"0.1\", features = [\"{feature}\"] }}`; \
         the kokoro CLI and the Python wheel have it",
        language.name().to_lowercase(),
        language.code()
    ))
}

/// Builds a language's front end on its first request (see
/// [`crate::Tokenizer::with_language_factory`]).
pub type FrontendFactory = dyn Fn() -> Result<Box<dyn LanguageFrontend>, Error> + Send + Sync;

/// The front ends of a tokenizer, built on the first request in each language and kept; a front
/// end that failed to build is tried again on the next request (espeak-ng may have been
/// installed meanwhile).
#[derive(Default)]
pub(crate) struct Frontends {
    built: Mutex<HashMap<Language, Arc<dyn LanguageFrontend>>>,
    factories: HashMap<Language, Box<FrontendFactory>>,
}

impl Frontends {
    /// The front end of `language`, built now if needed: by its factory when one was given,
    /// else by [`frontend`].
    pub(crate) fn get(&self, language: Language) -> Result<Arc<dyn LanguageFrontend>, Error> {
        if let Some(found) = self.lock().get(&language) {
            return Ok(Arc::clone(found));
        }
        let started = std::time::Instant::now();
        let made = match self.factories.get(&language) {
            Some(factory) => factory()?,
            None => frontend(language)?,
        };
        let made: Arc<dyn LanguageFrontend> = Arc::from(made);
        tracing::debug!(%language, elapsed = ?started.elapsed(), front_end = %made.describe(), "language front end ready");
        Ok(Arc::clone(self.lock().entry(language).or_insert(made)))
    }

    /// Uses `frontend` for `language` from now on.
    pub(crate) fn set(&self, language: Language, frontend: Box<dyn LanguageFrontend>) {
        self.lock().insert(language, Arc::from(frontend));
    }

    /// Builds `language`'s front end with `factory` on its first request.
    pub(crate) fn set_factory(&mut self, language: Language, factory: Box<FrontendFactory>) {
        self.lock().remove(&language);
        self.factories.insert(language, factory);
    }

    /// The languages whose front end is built, with its description.
    pub(crate) fn describe(&self) -> Vec<String> {
        let built = self.lock();
        let mut languages: Vec<_> = built.iter().collect();
        languages.sort_by_key(|(language, _)| **language);
        languages
            .into_iter()
            .map(|(_, frontend)| frontend.describe())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Language, Arc<dyn LanguageFrontend>>> {
        self.built
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_left_out_of_the_build_is_refused_naming_its_feature() {
        for (language, name) in [(Language::Japanese, "ja"), (Language::Mandarin, "zh")] {
            assert_eq!(feature(language), Some(name));
            let err = not_built(language);
            assert!(err.is_language_unavailable(), "{err}");
            let message = err.to_string();
            assert!(
                message.contains(&format!("`{name}` feature of tts-pipeline"))
                    && message.contains(&format!("({})", language.code())),
                "{message}"
            );
        }
        for language in Language::ALL {
            if feature(language).is_none() {
                assert!(built_in(language), "{language}");
            }
        }
        assert_eq!(built_in(Language::Japanese), cfg!(feature = "ja"));
        assert_eq!(built_in(Language::Mandarin), cfg!(feature = "zh"));
    }
}
