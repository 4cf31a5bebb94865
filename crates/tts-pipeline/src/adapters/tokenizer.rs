//! The front ends over `kokoro_tokenize::Tokenizer`: [`TokenizerFrontend`] for text and
//! [`PhonemeFrontend`] for given phonemes.

use kokoro_model::Language;
use kokoro_tokenize::{Dialect, Tokenizer};

use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Frontend, Pause, PieceWord, TextPiece};

/// [`Frontend`] over `kokoro_tokenize::Tokenizer`.
pub struct TokenizerFrontend(Tokenizer);

impl TokenizerFrontend {
    /// The front end over `tokenizer`.
    pub fn new(tokenizer: Tokenizer) -> Self {
        Self(tokenizer)
    }
}

impl Frontend for TokenizerFrontend {
    fn pieces(&self, text: &str, lang: Language) -> Result<Vec<TextPiece>> {
        Self::pieces_of(&self.0, text, lang, false, true)
    }

    fn pieces_with_words(&self, text: &str, lang: Language) -> Result<Vec<TextPiece>> {
        Self::pieces_of(&self.0, text, lang, true, true)
    }

    /// The text's sentences (`kokoro_tokenize::sentences`), which the tokenizer reads alone;
    /// the script of the whole text is checked first.
    fn parts(&self, text: &str, lang: Language) -> Result<Vec<std::ops::Range<usize>>> {
        kokoro_tokenize::lang::check_script(text, lang).map_err(tokenize_error)?;
        let sentences = kokoro_tokenize::sentences(text);
        Ok(if sentences.is_empty() {
            std::iter::once(0..text.len()).collect()
        } else {
            sentences
        })
    }
}

impl TokenizerFrontend {
    /// `tokenizer`'s pieces of `text`, with their words when `words`: text read in `lang`
    /// (`Tokenizer::tokenize_in`) when `as_text`, else given phonemes split like English text of
    /// `lang`'s dialect (see [`dialect_of`]).
    fn pieces_of(
        tokenizer: &Tokenizer,
        text: &str,
        lang: Language,
        words: bool,
        as_text: bool,
    ) -> Result<Vec<TextPiece>> {
        let dialect = dialect_of(lang);
        let pieces = match (as_text, words) {
            (true, false) => tokenizer.tokenize_in(text, lang),
            (true, true) => tokenizer.tokenize_in_with_words(text, lang),
            (false, false) => tokenizer.tokenize(text, dialect),
            (false, true) => tokenizer.tokenize_with_words(text, dialect),
        };
        let pieces = pieces.map_err(tokenize_error)?;
        Ok(pieces
            .into_iter()
            .map(|p| TextPiece {
                text: p.text,
                ids: p.ids,
                pause_after: p.pause_after,
                words: p
                    .words
                    .into_iter()
                    .map(|w| PieceWord {
                        text: w.text,
                        tokens: w.tokens,
                    })
                    .collect(),
            })
            .collect())
    }
}

/// The pipeline's error for a tokenizer's.
fn tokenize_error(e: kokoro_tokenize::Error) -> Error {
    let kind = if e.is_nothing_to_say() {
        ErrorKind::NothingToSay
    } else if e.is_empty_text() {
        ErrorKind::EmptyText
    } else if e.is_wrong_script() {
        ErrorKind::WrongScript
    } else if e.is_language_unavailable() {
        ErrorKind::LanguageUnavailable
    } else {
        ErrorKind::Tokenize
    };
    Error::wrap(kind, e)
}

/// The one mapping from the language spoken to a tokenizer dialect, for given phonemes (text is
/// read in its own language by `Tokenizer::tokenize_in`): British English is [`Dialect::Gb`];
/// American English, and every other language, [`Dialect::Us`].
fn dialect_of(language: Language) -> Dialect {
    match language {
        Language::EnglishGb => Dialect::Gb,
        _ => Dialect::Us,
    }
}

/// [`Frontend`] for given phonemes: the whole input is one inference when it fits in 510 ids, as
/// Kokoro's reference pipeline does with one line; longer input is split like text (sentence,
/// clause, word).
pub struct PhonemeFrontend(Tokenizer);

impl PhonemeFrontend {
    /// The front end over `tokenizer` (one with a phonemizer that passes phonemes through, such as
    /// `kokoro_tokenize::PassthroughPhonemizer`).
    pub fn new(tokenizer: Tokenizer) -> Self {
        Self(tokenizer)
    }
}

impl Frontend for PhonemeFrontend {
    fn pieces(&self, text: &str, lang: Language) -> Result<Vec<TextPiece>> {
        let phonemes = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let ids = self.0.vocab().encode(&phonemes).ids;
        if (1..=kokoro_tokenize::MAX_TOKENS).contains(&ids.len()) {
            return Ok(vec![TextPiece {
                text: phonemes,
                ids,
                pause_after: Pause::None,
                words: Vec::new(),
            }]);
        }
        TokenizerFrontend::pieces_of(&self.0, text, lang, false, false)
    }
}

#[cfg(test)]
mod dialect_tests {
    use super::*;

    #[test]
    fn british_english_is_spoken_in_the_gb_dialect_and_all_else_in_the_us_one() {
        for language in Language::ALL {
            let dialect = if language == Language::EnglishGb {
                Dialect::Gb
            } else {
                Dialect::Us
            };
            assert_eq!(dialect_of(language), dialect, "{language}");
        }
    }

    #[test]
    fn an_english_language_gets_the_espeak_voice_of_its_code() {
        // kokoro-model and kokoro-tokenize agree: British English is en-gb.
        for language in [Language::EnglishUs, Language::EnglishGb] {
            assert_eq!(
                dialect_of(language).espeak_voice(),
                language.code(),
                "{language}"
            );
        }
    }
}

#[cfg(test)]
mod phoneme_frontend_tests {
    use super::*;
    use kokoro_tokenize::{PassthroughPhonemizer, Vocab};

    fn frontend() -> PhonemeFrontend {
        PhonemeFrontend(Tokenizer::with_phonemizer(
            Box::new(PassthroughPhonemizer),
            Vocab::v1_0(),
        ))
    }

    #[test]
    fn a_line_that_fits_is_one_piece_even_with_inner_sentences() {
        let text = "“wˌɛɹ dˈɪd ju fˈInd ðɪs kˈi?” ˈæskt θˈiO. hˈOldɪŋ ɪt.";
        let pieces = frontend().pieces(text, Language::EnglishUs).unwrap();
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].ids, Vocab::v1_0().encode(text).ids);
        assert_eq!(pieces[0].pause_after, Pause::None);
    }

    #[test]
    fn a_long_input_is_split_under_the_limit_without_loss() {
        let sentence = "ðə fˈɪʃəɹmən pˈʊʃt hɪz bˈOt. ";
        let text = sentence.repeat(60);
        let pieces = frontend().pieces(&text, Language::EnglishUs).unwrap();
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|p| (1..=510).contains(&p.ids.len())));
        // Every symbol but the spaces between pieces arrives, in order.
        let space = Vocab::v1_0().id(' ').unwrap();
        let non_space = |ids: &[i64]| {
            ids.iter()
                .copied()
                .filter(|&i| i != space)
                .collect::<Vec<_>>()
        };
        let got: Vec<i64> = pieces.iter().flat_map(|p| non_space(&p.ids)).collect();
        assert_eq!(got, non_space(&Vocab::v1_0().encode(&text).ids));
    }
}
