//! Text -> pieces of at most [`MAX_TOKENS`] token ids.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use crate::lang::{Frontends, Language, LanguageFrontend};
use crate::split;
use crate::words::{self, Predictions, WordSpan};
use crate::{Dialect, Error, MisakiPhonemizer, Phonemizer, UserLexicon, Vocab};

/// How [`Tokenizer::with_options`] builds its misaki front end.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenizerOptions {
    /// Ask espeak-ng (run as a separate program, when installed) for words outside misaki's
    /// lexicon before the built-in letter-to-sound rules. Default: true. (This library reads no
    /// environment variable; binaries map their own, e.g. `KOKORO_NO_ESPEAK`, here.)
    pub espeak: bool,
    /// Normalize numbers, money, times, units, Roman numerals and abbreviations to words, and
    /// decide heteronyms by context ([`crate::normalize`], [`crate::disambiguate`]). Default:
    /// true.
    pub normalize: bool,
    /// A user lexicon file (`word phonemes` per line) applied before misaki's lexicon.
    pub lexicon_file: Option<PathBuf>,
    /// User lexicon entries given directly (merged with the file's; these win).
    pub lexicon: Option<UserLexicon>,
}

impl Default for TokenizerOptions {
    fn default() -> Self {
        Self {
            espeak: true,
            normalize: true,
            lexicon_file: None,
            lexicon: None,
        }
    }
}

impl TokenizerOptions {
    /// Sets [`TokenizerOptions::espeak`].
    pub fn espeak(mut self, on: bool) -> Self {
        self.espeak = on;
        self
    }

    /// Sets [`TokenizerOptions::normalize`].
    pub fn normalize(mut self, on: bool) -> Self {
        self.normalize = on;
        self
    }

    /// Sets [`TokenizerOptions::lexicon_file`].
    pub fn lexicon_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.lexicon_file = Some(path.into());
        self
    }

    /// Sets [`TokenizerOptions::lexicon`].
    pub fn lexicon(mut self, lexicon: UserLexicon) -> Self {
        self.lexicon = Some(lexicon);
        self
    }
}

pub use kokoro_model::{MAX_TOKENS, Pause};

/// One model call's worth of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The source text of this piece.
    pub text: String,
    /// The phonemes sent, exactly the symbols of `ids`.
    pub phonemes: String,
    /// Token ids, without padding: between 1 and [`MAX_TOKENS`] of them.
    pub ids: Vec<i64>,
    /// What ended this piece.
    pub pause_after: Pause,
    /// Which word of the text each id came from, in order, without overlap; empty unless
    /// asked for ([`Tokenizer::tokenize_with_words`]). Spaces and punctuation belong to no word.
    pub words: Vec<WordSpan>,
}

/// Text -> phonemes -> token ids, split into pieces the model accepts.
///
/// Send + Sync: share one tokenizer between threads.
pub struct Tokenizer {
    phonemizer: Box<dyn Phonemizer>,
    vocab: Vocab,
    languages: Frontends,
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("vocab", &self.vocab.version())
            .finish_non_exhaustive()
    }
}

/// Which phonemizer reads a text: the tokenizer's own (English, in a dialect) or a language
/// front end.
#[derive(Clone, Copy)]
enum G2p<'a> {
    English(Dialect),
    Other(Language, &'a dyn LanguageFrontend),
}

/// `text` cut into runs of Latin words (letters, with the spaces, apostrophes and hyphens
/// between them: misaki's `[A-Za-z '-]*[A-Za-z][A-Za-z '-]*`) and runs of anything else, in
/// order; `true` marks a Latin run.
fn latin_runs(text: &str) -> Vec<(bool, &str)> {
    let mut runs: Vec<(bool, &str)> = Vec::new();
    let mut start = 0;
    let mut latin = None;
    let joiner = |c: char| matches!(c, ' ' | '\'' | '-');
    for (at, c) in text.char_indices() {
        let is_latin = if c.is_ascii_alphabetic() {
            true
        } else if joiner(c) {
            // Inside a Latin run only when a letter follows before anything else.
            latin == Some(true)
                && text[at..]
                    .chars()
                    .find(|&n| !joiner(n))
                    .is_some_and(|n| n.is_ascii_alphabetic())
        } else {
            false
        };
        if latin.is_some_and(|l| l != is_latin) {
            runs.push((latin == Some(true), &text[start..at]));
            start = at;
        }
        latin = Some(is_latin);
    }
    if let Some(l) = latin {
        runs.push((l, &text[start..]));
    }
    runs
}

/// The English dialect of `language`, or `None` for the other languages.
fn english_dialect(language: Language) -> Option<Dialect> {
    match language {
        Language::EnglishUs => Some(Dialect::Us),
        Language::EnglishGb => Some(Dialect::Gb),
        _ => None,
    }
}

/// A span of source text with its phonemes (already restricted to the vocabulary).
struct Unit {
    range: Range<usize>,
    phonemes: String,
    len: usize,
    pause_after: Pause,
}

impl Tokenizer {
    /// A tokenizer using misaki-rs (built lazily on first use) and `vocab`, with the default
    /// [`TokenizerOptions`]: normalization, espeak-ng when installed, letter-to-sound rules.
    pub fn new(vocab: Vocab) -> Self {
        Self::with_phonemizer(Box::new(MisakiPhonemizer::new()), vocab)
    }

    /// A misaki tokenizer built from `options`. Errors: [`crate::ErrorKind::Lexicon`] when the
    /// lexicon file cannot be read or parsed.
    pub fn with_options(vocab: Vocab, options: TokenizerOptions) -> Result<Self, Error> {
        let mut lexicon = match &options.lexicon_file {
            Some(path) => UserLexicon::load(path)?,
            None => UserLexicon::new(),
        };
        if let Some(extra) = &options.lexicon {
            lexicon.extend(extra);
        }
        for (word, phonemes) in lexicon.iter() {
            // misaki ignores markup whose phonemes it does not know: refuse them up front.
            let unknown: Vec<char> = phonemes
                .chars()
                .filter(|&c| vocab.id(c).is_none() || c.is_ascii_punctuation())
                .collect();
            if !unknown.is_empty() {
                return Err(Error::lexicon(format!(
                    "the phonemes {phonemes:?} of {word:?} hold symbols outside the Kokoro \
                     vocabulary: {}; write misaki symbols (see docs/PRONUNCIATION.md)",
                    unknown
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let phonemizer = MisakiPhonemizer::with_fallback_chain(options.espeak)
            .with_normalization(options.normalize)
            .with_lexicon(lexicon);
        tracing::debug!(front_end = %phonemizer.describe(), "tokenizer ready");
        Ok(Self::with_phonemizer(Box::new(phonemizer), vocab))
    }

    /// One line saying how text becomes phonemes (phonemizer, fallback, lexicon, vocabulary).
    pub fn describe(&self) -> String {
        let mut line = format!(
            "{}; vocab {:?}",
            self.phonemizer.describe(),
            self.vocab.version()
        );
        for other in self.languages.describe() {
            line.push_str("; ");
            line.push_str(&other);
        }
        line
    }

    /// A tokenizer using any phonemizer and `vocab`.
    pub fn with_phonemizer(phonemizer: Box<dyn Phonemizer>, vocab: Vocab) -> Self {
        Self {
            phonemizer,
            vocab,
            languages: Frontends::default(),
        }
    }

    /// The vocabulary ids are drawn from.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Phonemizes the whole `text` in one call, keeping only symbols of the vocabulary
    /// (others are dropped with a warning).
    pub fn phonemize(&self, text: &str, dialect: Dialect) -> Result<String, Error> {
        if text.trim().is_empty() {
            return Err(Error::empty_text());
        }
        Ok(self.phonemes_of(text, G2p::English(dialect), true)?.0)
    }

    /// Splits `text` into [`Piece`]s of 1..=[`MAX_TOKENS`] ids each, in order.
    ///
    /// One piece per sentence when it fits; a longer sentence is split at clause punctuation,
    /// then between words, and a word longer than [`MAX_TOKENS`] symbols is cut into chunks.
    /// No text is dropped; sentences with nothing speakable (only punctuation or emoji) are
    /// skipped. Errors: [`crate::ErrorKind::EmptyText`] for empty or whitespace-only text,
    /// [`crate::ErrorKind::NothingToSay`] when no sentence is speakable.
    ///
    /// The pieces' [`Piece::words`] are left empty (see [`Self::tokenize_with_words`]).
    pub fn tokenize(&self, text: &str, dialect: Dialect) -> Result<Vec<Piece>, Error> {
        self.split(text, G2p::English(dialect), false)
    }

    /// [`Self::tokenize`], with each piece's [`Piece::words`]: which word of `text` (a byte
    /// span) each of its token ids came from (see [`WordSpan`]). The pieces are the same.
    ///
    /// Each word is phonemized once more on its own (cached per call) to align the text with
    /// the phonemes, so this costs about one more phonemization of the text.
    pub fn tokenize_with_words(&self, text: &str, dialect: Dialect) -> Result<Vec<Piece>, Error> {
        self.split(text, G2p::English(dialect), true)
    }

    /// [`Tokenizer::tokenize`] in any [`Language`]: English through this tokenizer's
    /// phonemizer, the other languages through their front ends ([`crate::lang`], built on the
    /// first request in each language).
    ///
    /// Errors, besides those of [`Tokenizer::tokenize`]: [`crate::ErrorKind::WrongScript`] when
    /// the text holds letters of a script the language cannot read ([`crate::lang::check_script`]),
    /// [`crate::ErrorKind::LanguageUnavailable`] when the language's front end cannot be built
    /// here (espeak-ng not installed: the message says how to install it).
    pub fn tokenize_in(&self, text: &str, language: Language) -> Result<Vec<Piece>, Error> {
        self.split_in(text, language, false)
    }

    /// [`Tokenizer::tokenize_in`], with each piece's [`Piece::words`] (see
    /// [`Tokenizer::tokenize_with_words`]).
    pub fn tokenize_in_with_words(
        &self,
        text: &str,
        language: Language,
    ) -> Result<Vec<Piece>, Error> {
        self.split_in(text, language, true)
    }

    fn split_in(&self, text: &str, language: Language, words: bool) -> Result<Vec<Piece>, Error> {
        if text.trim().is_empty() {
            return Err(Error::empty_text());
        }
        crate::lang::check_script(text, language)?;
        match english_dialect(language) {
            Some(dialect) => self.split(text, G2p::English(dialect), words),
            None => {
                let frontend = self.languages.get(language)?;
                self.split(text, G2p::Other(language, frontend.as_ref()), words)
            }
        }
    }

    /// [`Tokenizer::phonemize`] in any [`Language`] (see [`Tokenizer::tokenize_in`]).
    pub fn phonemize_in(&self, text: &str, language: Language) -> Result<String, Error> {
        if text.trim().is_empty() {
            return Err(Error::empty_text());
        }
        crate::lang::check_script(text, language)?;
        match english_dialect(language) {
            Some(dialect) => Ok(self.phonemes_of(text, G2p::English(dialect), true)?.0),
            None => {
                let frontend = self.languages.get(language)?;
                Ok(self
                    .phonemes_of(text, G2p::Other(language, frontend.as_ref()), true)?
                    .0)
            }
        }
    }

    /// Reads `language` with `frontend` from now on (instead of the one [`crate::lang::frontend`]
    /// builds). English is read by the tokenizer's phonemizer: a front end given for it is not
    /// used.
    pub fn with_language_frontend(
        self,
        language: Language,
        frontend: Box<dyn LanguageFrontend>,
    ) -> Self {
        self.languages.set(language, frontend);
        self
    }

    /// Builds `language`'s front end with `factory` on the first request in that language
    /// (instead of [`crate::lang::frontend`]), so that a front end that needs files (a
    /// dictionary under the model directory) is only loaded when that language is asked for. An
    /// error from `factory` fails that request and is tried again on the next one.
    pub fn with_language_factory(
        mut self,
        language: Language,
        factory: impl Fn() -> Result<Box<dyn LanguageFrontend>, Error> + Send + Sync + 'static,
    ) -> Self {
        self.languages.set_factory(language, Box::new(factory));
        self
    }

    /// Mandarin or Japanese text whose runs of Latin words (`Python`, `OK`) are read by the
    /// English phonemizer (American), the rest by the language's front end, joined by spaces:
    /// misaki's Mandarin front end for v1.1 does this; for v1.0, and in its Japanese front end,
    /// misaki passes the letters through, which the model reads as symbols.
    fn with_english_words(
        &self,
        text: &str,
        frontend: &dyn LanguageFrontend,
    ) -> Result<String, Error> {
        if !text.chars().any(|c| c.is_ascii_alphabetic()) {
            return frontend.phonemize(text);
        }
        let mut out = String::new();
        for (latin, run) in latin_runs(text) {
            let phonemes = if latin {
                self.phonemizer.phonemize(run, Dialect::Us)?
            } else {
                frontend.phonemize(run)?
            };
            let phonemes = phonemes.trim();
            if phonemes.is_empty() {
                continue;
            }
            // A space between the runs, none before punctuation.
            if !out.is_empty() && !phonemes.starts_with(|c: char| c.is_ascii_punctuation()) {
                out.push(' ');
            }
            out.push_str(phonemes);
        }
        Ok(out)
    }

    fn split(&self, text: &str, g2p: G2p<'_>, words: bool) -> Result<Vec<Piece>, Error> {
        if text.trim().is_empty() {
            return Err(Error::empty_text());
        }
        let predict = move |word: &str| {
            self.phonemes_of(word, g2p, false)
                .map(|(p, _)| p)
                .unwrap_or_default()
        };
        let mut out = Out {
            text,
            pieces: Vec::new(),
            predictions: words.then(|| Predictions::new(Box::new(predict) as Predict<'_>)),
            segmenter: match g2p {
                G2p::Other(_, frontend) => Some(frontend),
                G2p::English(_) => None,
            },
        };
        for range in split::sentences(text) {
            self.sentence_pieces(range, g2p, &mut out)?;
        }
        match out.pieces.last_mut() {
            Some(last) => last.pause_after = Pause::None,
            None => return Err(Error::nothing_to_say(text)),
        }
        Ok(out.pieces)
    }

    /// Phonemizes `text` and keeps vocabulary symbols only, with runs of whitespace collapsed
    /// to one space. Returns the phonemes and their symbol count.
    fn phonemes_of(&self, text: &str, g2p: G2p<'_>, warn: bool) -> Result<(String, usize), Error> {
        let raw = match g2p {
            G2p::Other(Language::Mandarin | Language::Japanese, frontend) => {
                self.with_english_words(text, frontend)?
            }
            G2p::Other(_, frontend) => frontend.phonemize(text)?,
            G2p::English(dialect) => self.phonemizer.phonemize(text, dialect)?,
        };
        let mut kept = String::with_capacity(raw.len());
        let mut len = 0;
        let mut dropped = Vec::new();
        let mut dropped_words = Vec::new();
        for word in raw.split_whitespace() {
            let before = dropped.len();
            let mut first = true;
            for c in word.chars() {
                if self.vocab.id(c).is_none() {
                    dropped.push(c);
                    continue;
                }
                if first && len > 0 {
                    kept.push(' ');
                    len += 1;
                }
                first = false;
                kept.push(c);
                len += 1;
            }
            if dropped.len() > before {
                dropped_words.push(word);
            }
        }
        if !dropped.is_empty() {
            if warn {
                tracing::warn!(
                    ?dropped,
                    words = ?dropped_words,
                    ?text,
                    "phonemes outside the {:?} vocabulary are left out",
                    self.vocab.version()
                );
            } else {
                tracing::debug!(?dropped, words = ?dropped_words, "dropped phonemes");
            }
        }
        Ok((kept, len))
    }

    fn sentence_pieces(
        &self,
        sentence: Range<usize>,
        g2p: G2p<'_>,
        out: &mut Out<'_>,
    ) -> Result<(), Error> {
        let source = out.text.get(sentence.clone()).unwrap_or_default();
        let (phonemes, len) = self.phonemes_of(source, g2p, true)?;
        if !speakable(&phonemes) {
            tracing::debug!(sentence = ?source, "skipping a sentence with nothing speakable");
            return Ok(());
        }
        if len <= MAX_TOKENS {
            self.push(out, sentence, phonemes, Pause::Sentence);
            return Ok(());
        }
        let clauses = offset(split::clauses(source), sentence.start);
        if clauses.len() > 1 {
            self.pack(clauses, Pause::Clause, Pause::Sentence, g2p, out)
        } else {
            let words = offset(split::words(source), sentence.start);
            self.pack(words, Pause::Word, Pause::Sentence, g2p, out)
        }
    }

    /// Greedily packs consecutive parts of the text (byte ranges of it) into pieces of at most
    /// [`MAX_TOKENS`] ids. Parts too long alone are split further: clauses into words, words
    /// into chunks.
    fn pack(
        &self,
        parts: Vec<Range<usize>>,
        between: Pause,
        end: Pause,
        g2p: G2p<'_>,
        out: &mut Out<'_>,
    ) -> Result<(), Error> {
        let count = parts.len();
        let emitted_before = out.pieces.len();
        let mut group: Vec<Unit> = Vec::new();
        let mut group_len = 0;
        for (index, range) in parts.into_iter().enumerate() {
            let pause_after = if index + 1 == count { end } else { between };
            let part = out.text.get(range.clone()).unwrap_or_default();
            let (phonemes, len) = self.phonemes_of(part, g2p, false)?;
            if !speakable(&phonemes) {
                // Punctuation only: the pause it marks moves to what comes before it.
                if let Some(previous) = group.last_mut() {
                    previous.pause_after = pause_after;
                } else if out.pieces.len() > emitted_before
                    && let Some(previous) = out.pieces.last_mut()
                {
                    previous.pause_after = pause_after;
                }
                continue;
            }
            let unit = Unit {
                range,
                phonemes,
                len,
                pause_after,
            };
            if !group.is_empty() && group_len + 1 + unit.len > MAX_TOKENS {
                self.flush(std::mem::take(&mut group), g2p, out)?;
                group_len = 0;
            }
            if unit.len > MAX_TOKENS {
                if between == Pause::Clause {
                    let words = offset(split::words(part), unit.range.start);
                    self.pack(words, Pause::Word, pause_after, g2p, out)?;
                } else {
                    self.push_chunks(unit.range, &unit.phonemes, pause_after, out);
                }
                continue;
            }
            group_len += usize::from(!group.is_empty()) + unit.len;
            group.push(unit);
        }
        self.flush(group, g2p, out)
    }

    /// Emits a group of units as one piece: the group re-phonemized as a whole (for context)
    /// when that still fits, else the units' phonemes joined by spaces (known to fit).
    fn flush(&self, group: Vec<Unit>, g2p: G2p<'_>, out: &mut Out<'_>) -> Result<(), Error> {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            return Ok(());
        };
        let pause = last.pause_after;
        let range = first.range.start..last.range.end;
        if group.len() == 1 {
            let phonemes = group.into_iter().map(|u| u.phonemes).collect();
            self.push(out, range, phonemes, pause);
            return Ok(());
        }
        let source = out.text.get(range.clone()).unwrap_or_default();
        let (whole, len) = self.phonemes_of(source, g2p, false)?;
        let phonemes = if (1..=MAX_TOKENS).contains(&len) && speakable(&whole) {
            whole
        } else {
            let parts: Vec<String> = group.into_iter().map(|u| u.phonemes).collect();
            parts.join(" ")
        };
        self.push(out, range, phonemes, pause);
        Ok(())
    }

    /// Cuts one over-long word (`range` of the text) into [`MAX_TOKENS`]-symbol chunks; the
    /// source text is shared out between the chunks in proportion. Every chunk's ids belong to
    /// the whole word.
    fn push_chunks(&self, range: Range<usize>, phonemes: &str, pause: Pause, out: &mut Out<'_>) {
        let word = out.text.get(range.clone()).unwrap_or_default();
        let symbols: Vec<char> = phonemes.chars().collect();
        let source: Vec<(usize, char)> = word.char_indices().collect();
        let byte = |i: usize| range.start + source.get(i).map_or(word.len(), |(b, _)| *b);
        let whole = out.words(range.clone());
        let chunks = symbols.len().div_ceil(MAX_TOKENS);
        tracing::warn!(
            symbols = symbols.len(),
            chunks,
            "a single word is longer than {MAX_TOKENS} phonemes: it is cut into chunks"
        );
        for (index, chunk) in symbols.chunks(MAX_TOKENS).enumerate() {
            let from = source.len() * index / chunks;
            let to = source.len() * (index + 1) / chunks;
            let pause_after = if index + 1 == chunks {
                pause
            } else {
                Pause::Word
            };
            let before = out.pieces.len();
            self.push_piece(
                out,
                byte(from)..byte(to),
                chunk.iter().collect(),
                pause_after,
            );
            if let (true, Some(piece), Some(first), Some(last)) = (
                out.predictions.is_some(),
                out.pieces.get_mut(before),
                whole.first(),
                whole.last(),
            ) {
                let letters = piece.phonemes.chars().collect::<Vec<_>>();
                let start = letters.iter().position(|&c| words::is_phoneme_letter(c));
                let end = letters.iter().rposition(|&c| words::is_phoneme_letter(c));
                if let (Some(start), Some(end)) = (start, end) {
                    piece.words = vec![WordSpan {
                        text: first.start..last.end,
                        tokens: start..end + 1,
                    }];
                }
            }
        }
    }

    /// Emits the piece of `range` with `phonemes`, and its words when they are asked for.
    fn push(&self, out: &mut Out<'_>, range: Range<usize>, phonemes: String, pause_after: Pause) {
        let before = out.pieces.len();
        self.push_piece(out, range.clone(), phonemes, pause_after);
        let text = out.text;
        let words = if out.predictions.is_some() {
            out.words(range)
        } else {
            Vec::new()
        };
        if let (Some(predictions), Some(piece)) =
            (out.predictions.as_mut(), out.pieces.get_mut(before))
        {
            piece.words = words::align(text, &words, &piece.phonemes, predictions);
        }
    }

    fn push_piece(
        &self,
        out: &mut Out<'_>,
        range: Range<usize>,
        phonemes: String,
        pause_after: Pause,
    ) {
        let text = out.text.get(range).unwrap_or_default().to_owned();
        let phonemes = phonemes.trim().to_owned();
        let ids = self.vocab.encode(&phonemes).ids;
        if ids.is_empty() || ids.len() > MAX_TOKENS {
            // Unreachable by construction; never send an empty or over-long piece.
            tracing::error!(
                len = ids.len(),
                ?text,
                "internal error: piece of invalid length skipped"
            );
            return;
        }
        out.pieces.push(Piece {
            text,
            phonemes,
            ids,
            pause_after,
            words: Vec::new(),
        });
    }
}

type Predict<'a> = Box<dyn FnMut(&str) -> String + 'a>;

/// The pieces made so far from `text`, and the word predictions when words are asked for.
struct Out<'a> {
    text: &'a str,
    pieces: Vec<Piece>,
    predictions: Option<Predictions<'a, Predict<'a>>>,
    /// The language front end whose segmenter finds the words (`None`: English).
    segmenter: Option<&'a dyn LanguageFrontend>,
}

impl Out<'_> {
    /// The words of `text[range]` (absolute byte ranges, trimmed of punctuation): the language
    /// front end's segmenter's (Chinese and Japanese words, which no space separates), else
    /// whitespace-separated words. A segmenter that fails leaves whitespace-separated words.
    fn words(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let Some(frontend) = self.segmenter else {
            return words::source_words(self.text, range);
        };
        let slice = self.text.get(range.clone()).unwrap_or_default();
        match frontend.words(slice) {
            Ok(found) => found
                .into_iter()
                .filter_map(|w| {
                    words::trim_word(self.text, w.start + range.start..w.end + range.start)
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "the front end found no words: words are split at spaces");
                words::source_words(self.text, range)
            }
        }
    }
}

/// `ranges` moved by `by` bytes.
fn offset(ranges: Vec<Range<usize>>, by: usize) -> Vec<Range<usize>> {
    ranges
        .into_iter()
        .map(|r| r.start + by..r.end + by)
        .collect()
}

/// True when the phonemes hold something to pronounce, not only punctuation, spaces, stress
/// or intonation marks.
fn speakable(phonemes: &str) -> bool {
    phonemes
        .chars()
        .any(|c| c.is_alphabetic() && !matches!(c, 'ˈ' | 'ˌ' | 'ː' | 'ˑ'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// Maps each word to its ASCII letters, lowercase (`g` -> IPA `ɡ`, which v1.0 has), keeps
    /// `. , ! ? ; : — …`, drops everything else.
    struct Letters;

    fn letters(text: &str) -> String {
        text.chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| match c.to_ascii_lowercase() {
                'g' => 'ɡ',
                c => c,
            })
            .collect()
    }

    /// The letters of fake phonemes (what `letters` produced).
    fn spoken_letters(phonemes: &str) -> String {
        phonemes
            .chars()
            .filter(|c| c.is_ascii_alphabetic() || *c == 'ɡ')
            .collect()
    }

    impl Phonemizer for Letters {
        fn phonemize(&self, text: &str, _: Dialect) -> Result<String, Error> {
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| {
                    w.chars()
                        .filter_map(|c| match c {
                            '.' | ',' | '!' | '?' | ';' | ':' | '—' | '…' => {
                                Some(c.to_string())
                            }
                            c if c.is_ascii_alphabetic() => Some(letters(&c.to_string())),
                            _ => None,
                        })
                        .collect()
                })
                .collect();
            Ok(words.join(" "))
        }
    }

    struct Failing;

    impl Phonemizer for Failing {
        fn phonemize(&self, _: &str, _: Dialect) -> Result<String, Error> {
            Err(Error::phonemizer("always fails"))
        }
    }

    fn fake() -> Tokenizer {
        Tokenizer::with_phonemizer(Box::new(Letters), Vocab::v1_0())
    }

    fn check_pieces(tokenizer: &Tokenizer, pieces: &[Piece]) {
        for piece in pieces {
            assert!(
                (1..=MAX_TOKENS).contains(&piece.ids.len()),
                "{} ids",
                piece.ids.len()
            );
            assert_eq!(tokenizer.vocab().decode(&piece.ids), piece.phonemes);
            assert!(!piece.ids.contains(&0), "padding inside a piece");
        }
        let pauses: Vec<Pause> = pieces.iter().map(|p| p.pause_after).collect();
        assert_eq!(pauses.last(), Some(&Pause::None));
        assert!(!pauses[..pauses.len() - 1].contains(&Pause::None));
    }

    #[test]
    fn empty_and_whitespace_text_is_an_error() {
        let t = fake();
        for text in ["", "   ", "\n\t \u{3000}"] {
            assert!(
                t.tokenize(text, Dialect::Us)
                    .is_err_and(|e| e.is_empty_text())
            );
            assert!(
                t.phonemize(text, Dialect::Us)
                    .is_err_and(|e| e.is_empty_text())
            );
        }
    }

    #[test]
    fn nothing_speakable_is_an_error() {
        let t = fake();
        for text in ["...", "!!! ?", "😀 🎉", "— … ,"] {
            let err = t.tokenize(text, Dialect::Us).err();
            assert!(
                err.as_ref().is_some_and(Error::is_nothing_to_say),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn phonemizer_errors_propagate() {
        let t = Tokenizer::with_phonemizer(Box::new(Failing), Vocab::v1_0());
        assert!(
            t.tokenize("Hello.", Dialect::Us)
                .is_err_and(|e| e.is_phonemizer())
        );
    }

    #[test]
    fn one_piece_per_sentence_and_unspeakable_sentences_are_skipped() {
        let t = fake();
        let pieces = t
            .tokenize("Hello there, world. 😀! Mr. Big is here? Yes", Dialect::Us)
            .unwrap();
        check_pieces(&t, &pieces);
        let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["Hello there, world.", "Mr. Big is here?", "Yes"]);
        assert_eq!(pieces[0].phonemes, "hello there, world.");
        assert_eq!(pieces[1].phonemes, "mr. biɡ is here?");
        let pauses: Vec<Pause> = pieces.iter().map(|p| p.pause_after).collect();
        assert_eq!(pauses, [Pause::Sentence, Pause::Sentence, Pause::None]);
    }

    #[test]
    fn long_sentence_splits_at_clauses_and_packs_them() {
        let t = fake();
        // Four clauses of 200 letters (plus spaces): two fit in one piece, three do not.
        let clause = ["abcd"; 40].join(" ");
        let text = format!("{clause}, {clause}; {clause}: {clause}. End.");
        let pieces = t.tokenize(&text, Dialect::Us).unwrap();
        check_pieces(&t, &pieces);
        let pauses: Vec<Pause> = pieces.iter().map(|p| p.pause_after).collect();
        assert_eq!(pauses, [Pause::Clause, Pause::Sentence, Pause::None]);
        assert_eq!(pieces[0].text, format!("{clause}, {clause};"));
        assert_eq!(pieces[1].text, format!("{clause}: {clause}."));
        assert_eq!(pieces[2].text, "End.");
    }

    #[test]
    fn long_clause_splits_between_words() {
        let t = fake();
        let text = ["word"; 300].join(" "); // 1499 symbols, no punctuation
        let pieces = t.tokenize(&text, Dialect::Us).unwrap();
        check_pieces(&t, &pieces);
        assert_eq!(pieces.len(), 3);
        assert!(pieces[..2].iter().all(|p| p.pause_after == Pause::Word));
        let words: usize = pieces.iter().map(|p| p.text.split(' ').count()).sum();
        assert_eq!(words, 300);
        // Greedy packing: 102 words of 5 symbols (with the space) fill 509 <= 510.
        assert_eq!(pieces[0].ids.len(), 102 * 5 - 1);
    }

    #[test]
    fn huge_word_is_cut_into_chunks_without_loss() {
        let t = fake();
        let word = "abcdefghij".repeat(500); // 5,000 letters
        let text = format!("Before it, {word} after. Done.");
        let pieces = t.tokenize(&text, Dialect::Us).unwrap();
        check_pieces(&t, &pieces);
        let all: String = pieces.iter().map(|p| p.phonemes.as_str()).collect();
        assert_eq!(spoken_letters(&all), letters(&text));
        // "Before it," | 10 chunks of the word (9 x 510 + 410 symbols) | "after." | "Done."
        assert_eq!(pieces.len(), 13);
        let chunks = &pieces[1..11];
        assert_eq!(
            chunks.iter().map(|p| p.text.as_str()).collect::<String>(),
            word
        );
        assert!(chunks[..9].iter().all(|p| p.ids.len() == MAX_TOKENS));
        assert_eq!(chunks[9].ids.len(), 5000 - 9 * MAX_TOKENS);
        let pauses: Vec<Pause> = pieces.iter().map(|p| p.pause_after).collect();
        assert_eq!(pauses[0], Pause::Clause);
        assert!(pauses[1..11].iter().all(|p| *p == Pause::Word));
        assert_eq!(pauses[11..], [Pause::Sentence, Pause::None]);
        assert_eq!(pieces.last().map(|p| p.text.as_str()), Some("Done."));
    }

    #[test]
    fn symbols_outside_the_vocab_are_dropped() {
        struct Raw;
        impl Phonemizer for Raw {
            fn phonemize(&self, _: &str, _: Dialect) -> Result<String, Error> {
                Ok("hə❓ ❓ ɡg  wˈɜɹld \u{200d}!".to_owned())
            }
        }
        let t = Tokenizer::with_phonemizer(Box::new(Raw), Vocab::v1_0());
        assert_eq!(t.phonemize("x", Dialect::Us).unwrap(), "hə ɡ wˈɜɹld !");
        let pieces = t.tokenize("x", Dialect::Us).unwrap();
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].phonemes, "hə ɡ wˈɜɹld !");
    }

    #[test]
    fn latin_runs_keep_every_character_in_order() {
        let text = "我喜欢 Python 和 rock 'n' roll-music，OK？";
        let runs = latin_runs(text);
        assert_eq!(runs.iter().map(|(_, r)| *r).collect::<String>(), text);
        let latin: Vec<&str> = runs.iter().filter(|(l, _)| *l).map(|(_, r)| *r).collect();
        assert_eq!(latin, ["Python", "rock 'n' roll-music", "OK"]);
        assert_eq!(latin_runs("中文"), [(false, "中文")]);
        assert!(latin_runs("").is_empty());
    }

    #[test]
    fn tokenizer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tokenizer>();
    }

    /// Words of 1-12 letters (sometimes 300-1,200) joined by assorted punctuation.
    fn story() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            20 => "[a-zA-Z]{1,12}",
            1 => "[a-z]{300,1200}",
            2 => "\\PC{1,8}",
        ];
        let sep = prop_oneof![
            Just(" "),
            Just(". "),
            Just(", "),
            Just("! "),
            Just("; "),
            Just("\n\n"),
            Just("... "),
            Just(" — "),
            Just("—"),
            Just(" Mr. "),
            Just("? "),
            Just(" 3.5 "),
        ];
        prop::collection::vec((word, sep), 0..400)
            .prop_map(|parts| parts.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
    }

    fn shared_fake() -> &'static Tokenizer {
        static FAKE: OnceLock<Tokenizer> = OnceLock::new();
        FAKE.get_or_init(fake)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn each_sentence_read_alone_gives_the_pieces_of_the_whole(text in story()) {
            let t = shared_fake();
            let alone = |part: &str| match t.tokenize_in_with_words(part, Language::EnglishUs) {
                Err(e) if e.is_nothing_to_say() || e.is_empty_text() => Ok(Vec::new()),
                other => other,
            };
            let whole = alone(&text);
            let mut parts: Vec<Piece> = Vec::new();
            let mut failed = None;
            for range in crate::sentences(&text) {
                match alone(&text[range.clone()]) {
                    Ok(pieces) => {
                        if let Some(last) = parts.last_mut().filter(|_| !pieces.is_empty()) {
                            last.pause_after = Pause::Sentence;
                        }
                        parts.extend(pieces.into_iter().map(|mut p| {
                            for w in &mut p.words {
                                w.text = w.text.start + range.start..w.text.end + range.start;
                            }
                            p
                        }));
                    }
                    Err(e) => {
                        failed = Some(e.kind());
                        break;
                    }
                }
            }
            match whole {
                Ok(whole) => {
                    prop_assert!(failed.is_none(), "{failed:?}");
                    prop_assert_eq!(parts, whole);
                }
                Err(e) => prop_assert_eq!(failed, Some(e.kind())),
            }
        }

        #[test]
        fn no_letter_is_lost_and_pieces_fit(text in story()) {
            let t = shared_fake();
            match t.tokenize(&text, Dialect::Us) {
                Ok(pieces) => {
                    for piece in &pieces {
                        prop_assert!((1..=MAX_TOKENS).contains(&piece.ids.len()));
                        prop_assert_eq!(t.vocab().decode(&piece.ids), piece.phonemes.clone());
                    }
                    let spoken: String = pieces.iter().map(|p| p.phonemes.as_str()).collect();
                    prop_assert_eq!(spoken_letters(&spoken), letters(&text));
                    let source: String = pieces.iter().map(|p| p.text.as_str()).collect();
                    prop_assert_eq!(letters(&source), letters(&text));
                }
                Err(e) => {
                    prop_assert!(letters(&text).is_empty(), "{e}");
                    prop_assert!(e.is_empty_text() || e.is_nothing_to_say());
                }
            }
        }

        #[test]
        fn word_spans_are_in_order_inside_the_text_and_lose_no_spoken_word(text in story()) {
            let t = shared_fake();
            let Ok(pieces) = t.tokenize_with_words(&text, Dialect::Us) else {
                return Ok(());
            };
            // The same pieces as without words.
            let plain = t.tokenize(&text, Dialect::Us).unwrap();
            prop_assert_eq!(pieces.len(), plain.len());
            for (a, b) in pieces.iter().zip(&plain) {
                prop_assert_eq!((&a.text, &a.ids, a.pause_after), (&b.text, &b.ids, b.pause_after));
                prop_assert!(b.words.is_empty());
            }
            let mut covered = vec![false; text.len()];
            let mut previous: Option<std::ops::Range<usize>> = None;
            for piece in &pieces {
                let mut last_token = 0;
                for word in &piece.words {
                    let span = word.text.clone();
                    prop_assert!(span.start < span.end && span.end <= text.len(), "{span:?}");
                    prop_assert!(text.get(span.clone()).is_some(), "not on char boundaries");
                    if let Some(p) = &previous {
                        // In order, no overlap (a word cut into chunks repeats its span).
                        prop_assert!(*p == span || p.end <= span.start, "{p:?} then {span:?}");
                    }
                    prop_assert!(word.tokens.start < word.tokens.end);
                    prop_assert!(word.tokens.end <= piece.ids.len());
                    prop_assert!(word.tokens.start >= last_token, "tokens overlap");
                    last_token = word.tokens.end;
                    let first = piece.phonemes.chars().nth(word.tokens.start).unwrap();
                    let end = piece.phonemes.chars().nth(word.tokens.end - 1).unwrap();
                    prop_assert!(first.is_alphabetic() && end.is_alphabetic(), "spaces and punctuation belong to no word");
                    for c in covered.get_mut(span.clone()).unwrap() {
                        *c = true;
                    }
                    previous = Some(span);
                }
            }
            // Every spoken letter of the text is inside a word.
            for (i, c) in text.char_indices() {
                if c.is_ascii_alphabetic() {
                    prop_assert!(covered[i], "letter {c:?} at {i} is in no word");
                }
            }
        }

        #[test]
        fn arbitrary_unicode_never_panics(text in "\\PC{0,300}|.{0,300}") {
            let t = shared_fake();
            if let Ok(pieces) = t.tokenize(&text, Dialect::Gb) {
                prop_assert!(!pieces.is_empty());
                for piece in &pieces {
                    prop_assert!((1..=MAX_TOKENS).contains(&piece.ids.len()));
                }
                let spoken: String = pieces.iter().map(|p| p.phonemes.as_str()).collect();
                prop_assert_eq!(spoken_letters(&spoken), letters(&text));
            }
        }
    }
}
