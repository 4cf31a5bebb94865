//! Every language of the Kokoro v1.0 voices: which front end reads it.
//!
//! [`Language`] (from `kokoro-model`) names the language of a request; [`frontend`] builds the
//! front end of a language other than English:
//!
//! | language | front end |
//! | --- | --- |
//! | `en-us`, `en-gb` | misaki-rs ([`crate::MisakiPhonemizer`]), not through this module |
//! | `es`, `fr-fr`, `it`, `pt-br`, `hi` | [`EspeakG2P`]: espeak-ng run as a separate program, IPA mapped as misaki maps it |
//! | `zh` | `mandarin` (this module's `mandarin.rs`) |
//! | `ja` | [`Japanese`]: the `kokoro-ja` crate (UniDic from `models/ja`, misaki's readings), loaded on the first Japanese request |
//!
//! A front end that cannot be built (espeak-ng missing, a language without one in this build)
//! is an error of kind [`crate::ErrorKind::LanguageUnavailable`] whose message says what to do;
//! a request in such a language is refused, never read as English. [`check_script`] refuses text
//! written in a script the language cannot read (Japanese kana for an English voice).
//!
//! [`crate::Tokenizer::tokenize_in`] is the entry point: it checks the script, splits the text
//! into sentences and clauses (`。！？` end Chinese and Japanese sentences, `，、` are clause
//! breaks, `।` ends a Hindi one) and keeps every piece within [`crate::MAX_TOKENS`] ids in every
//! language.

mod espeak;
mod japanese;
pub mod mandarin;
mod script;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use espeak::{EspeakG2P, espeak_to_kokoro, espeak_voice};
pub use japanese::Japanese;
pub use kokoro_model::Language;
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

    /// One line saying what this front end is (shown by `kokoro info`).
    fn describe(&self) -> String;
}

/// Builds the front end of `language` (anything but English).
///
/// Errors: [`crate::ErrorKind::LanguageUnavailable`] when it cannot be built here (espeak-ng not
/// installed, no Japanese front end in this build) or for English, which the misaki phonemizer
/// reads.
pub fn frontend(language: Language) -> Result<Box<dyn LanguageFrontend>, Error> {
    if language.is_english() {
        return Err(Error::language_unavailable(format!(
            "{} is read by the misaki phonemizer, not by a language front end",
            language.name()
        )));
    }
    match language {
        Language::Japanese => japanese::frontend(),
        Language::Mandarin => mandarin::frontend(),
        _ => Ok(Box::new(EspeakG2P::new(language)?)),
    }
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
