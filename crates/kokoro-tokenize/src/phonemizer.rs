//! Grapheme-to-phoneme conversion: the [`Phonemizer`] trait and its misaki implementation.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use misaki_rs::fallback::FallbackError;
use misaki_rs::{Fallback, G2P, Language, MToken};

use crate::fallback::{FallbackChain, espeak_version};
use crate::{Error, UserLexicon, disambiguate, normalize};

/// The marker misaki-rs puts where it cannot pronounce a word.
pub const UNKNOWN_MARKER: char = '❓';

/// English dialect of the phonemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// American English (`en-us`).
    #[default]
    Us,
    /// British English (`en-gb`).
    Gb,
}

impl Dialect {
    /// The espeak-ng voice the fallback runs for this dialect (`-v en-us`, `-v en-gb`), the same
    /// as kokoro-onnx uses for Kokoro's `a*` and `b*` voices.
    pub fn espeak_voice(self) -> &'static str {
        match self {
            Self::Us => "en-us",
            Self::Gb => "en-gb",
        }
    }

    fn language(self) -> Language {
        match self {
            Self::Us => Language::EnglishUS,
            Self::Gb => Language::EnglishGB,
        }
    }
}

/// Turns text into a phoneme string (one `char` per phoneme symbol, words separated by spaces,
/// punctuation kept).
///
/// Implementations must not panic. Symbols the vocabulary lacks are dropped later by the
/// [`crate::Tokenizer`], with a warning.
pub trait Phonemizer: Send + Sync {
    /// Phonemizes `text` in `dialect`.
    fn phonemize(&self, text: &str, dialect: Dialect) -> Result<String, Error>;

    /// One line saying what this phonemizer is (shown by `kokoro info`).
    fn describe(&self) -> String {
        String::from("custom phonemizer")
    }
}

type FallbackFactory = dyn Fn(Dialect) -> Option<Box<dyn Fallback>> + Send + Sync;

/// A phonemizer whose input already is phonemes: it returns the text unchanged.
///
/// For speaking given phonemes (`kokoro say --phonemes`, reference checks): the tokenizer still
/// splits at the phonemes' punctuation and drops symbols outside the vocabulary.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassthroughPhonemizer;

impl Phonemizer for PassthroughPhonemizer {
    fn phonemize(&self, text: &str, _dialect: Dialect) -> Result<String, Error> {
        Ok(text.to_owned())
    }

    fn describe(&self) -> String {
        String::from("given phonemes, passed through")
    }
}

/// The misaki-rs G2P (Kokoro v1.0's own phoneme set), built lazily once per dialect, behind
/// text normalization, a user lexicon and a fallback chain for words outside misaki's lexicon.
///
/// Building one dialect's G2P loads the embedded lexicons and tagger (about 0.15-0.25 s);
/// it happens on the first call for that dialect, then the G2P is shared by all threads.
///
/// Each call: user-lexicon words become `[word](/phonemes/)` markup ([`UserLexicon::apply`]),
/// numbers, money, times and abbreviations become words ([`normalize`]), then misaki
/// phonemizes; words outside its lexicon go to the fallback ([`MisakiPhonemizer::new`]: espeak-ng
/// when installed, then built-in letter-to-sound rules). Whatever still comes out as
/// [`UNKNOWN_MARKER`] (emoji, other scripts) is removed, never sent to the model.
pub struct MisakiPhonemizer {
    us: OnceLock<G2P>,
    gb: OnceLock<G2P>,
    fallback: Option<Box<FallbackFactory>>,
    fallback_name: String,
    normalize: bool,
    lexicon: Option<Arc<UserLexicon>>,
}

impl MisakiPhonemizer {
    /// The full front end: normalization on, and the fallback chain espeak-ng (when the program
    /// is installed) then built-in letter-to-sound rules.
    pub fn new() -> Self {
        Self::with_fallback_chain(true)
    }

    /// Normalization on, and the fallback chain with espeak-ng only when `use_espeak` (and it
    /// is installed); `false` gives a deterministic front end that needs nothing installed.
    pub fn with_fallback_chain(use_espeak: bool) -> Self {
        let espeak = if use_espeak { espeak_version() } else { None };
        let name = match espeak {
            Some(version) => format!(
                "espeak-ng subprocess ({version}), cached, then built-in letter-to-sound rules"
            ),
            None if use_espeak => {
                "built-in letter-to-sound rules (espeak-ng not found on PATH)".to_owned()
            }
            None => "built-in letter-to-sound rules".to_owned(),
        };
        let mut phonemizer = Self::with_fallback_factory(move |dialect| {
            Some(Box::new(FallbackChain::new(dialect, use_espeak)) as Box<dyn Fallback>)
        });
        phonemizer.fallback_name = name;
        phonemizer
    }

    /// misaki alone, with normalization: words outside its lexicon are left out, with a
    /// warning.
    pub fn without_fallback() -> Self {
        Self {
            us: OnceLock::new(),
            gb: OnceLock::new(),
            fallback: None,
            fallback_name: "none (unknown words are left out)".to_owned(),
            normalize: true,
            lexicon: None,
        }
    }

    /// A phonemizer that asks `fallback` for words outside misaki's lexicon, in both dialects.
    ///
    /// An error from the fallback fails the phonemization ([`crate::ErrorKind::Phonemizer`]).
    pub fn with_fallback(fallback: Box<dyn Fallback>) -> Self {
        let shared: Arc<dyn Fallback> = Arc::from(fallback);
        Self::with_fallback_factory(move |_| {
            Some(Box::new(SharedFallback(Arc::clone(&shared))) as Box<dyn Fallback>)
        })
    }

    /// A phonemizer whose fallback depends on the dialect (e.g. espeak-ng `en-us` / `en`):
    /// `make` is called once per dialect, when that dialect's G2P is first built.
    pub fn with_fallback_factory(
        make: impl Fn(Dialect) -> Option<Box<dyn Fallback>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            fallback: Some(Box::new(make)),
            fallback_name: "custom".to_owned(),
            ..Self::without_fallback()
        }
    }

    /// Applies `lexicon` before misaki's own lexicon.
    pub fn with_lexicon(mut self, lexicon: UserLexicon) -> Self {
        self.lexicon = (!lexicon.is_empty()).then(|| Arc::new(lexicon));
        self
    }

    /// Turns text normalization ([`normalize`]) and the heteronym context rules
    /// ([`disambiguate`]) on or off (on by default).
    pub fn with_normalization(mut self, on: bool) -> Self {
        self.normalize = on;
        self
    }

    fn g2p(&self, dialect: Dialect) -> &G2P {
        let cell = match dialect {
            Dialect::Us => &self.us,
            Dialect::Gb => &self.gb,
        };
        cell.get_or_init(|| {
            let started = Instant::now();
            let fallback = self.fallback.as_ref().and_then(|make| make(dialect));
            let g2p = G2P::with_fallback(dialect.language(), fallback);
            tracing::debug!(?dialect, elapsed = ?started.elapsed(), fallback = %self.fallback_name, "built misaki G2P");
            g2p
        })
    }

    /// What misaki receives for `text`: lexicon markup applied, then normalized ([`normalize`])
    /// and heteronyms whose reading the context decides marked ([`disambiguate`]).
    pub fn prepare(&self, text: &str, dialect: Dialect) -> String {
        let text = match &self.lexicon {
            Some(lexicon) => lexicon.apply(text),
            None => text.to_owned(),
        };
        if self.normalize {
            disambiguate(&normalize(&text, dialect), dialect)
        } else {
            text
        }
    }
}

impl Default for MisakiPhonemizer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MisakiPhonemizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MisakiPhonemizer")
            .field("us_loaded", &self.us.get().is_some())
            .field("gb_loaded", &self.gb.get().is_some())
            .field("fallback", &self.fallback_name)
            .field("normalize", &self.normalize)
            .field(
                "lexicon_words",
                &self.lexicon.as_ref().map_or(0, |l| l.len()),
            )
            .finish()
    }
}

impl Phonemizer for MisakiPhonemizer {
    fn describe(&self) -> String {
        format!(
            "misaki-rs G2P (US and GB English lexicons), text normalization {}, user lexicon: {}, \
             fallback for unknown words: {}",
            if self.normalize { "on" } else { "off" },
            match &self.lexicon {
                Some(l) => format!("{} words", l.len()),
                None => "none".to_owned(),
            },
            self.fallback_name
        )
    }

    fn phonemize(&self, text: &str, dialect: Dialect) -> Result<String, Error> {
        let prepared = self.prepare(text, dialect);
        let spans = crate::markup::markup_spans(&prepared);
        if spans.is_empty() {
            return self.phonemize_prepared(&prepared, dialect);
        }
        // misaki-rs 0.8.0 re-reads words of its lexicon after applying `[word](/phonemes/)`,
        // so markup on a known word ("tear") is lost. Phonemize the whole text without the
        // markup (the tagger sees the whole sentence) and put the given phonemes on the words.
        if let Some(phonemes) = self.phonemize_with_overrides(&prepared, &spans, dialect)? {
            return Ok(phonemes);
        }
        if spans.len() == 1 {
            return self.phonemize_prepared(&prepared, dialect);
        }
        // Otherwise (markup over several tokens, "Okafor's"): phonemize each markup on its own
        // and the text between them separately.
        let mut out = String::new();
        let mut at = 0;
        let mut parts: Vec<(&str, bool)> = Vec::new();
        for span in &spans {
            parts.push((prepared.get(at..span.start).unwrap_or(""), false));
            parts.push((prepared.get(span.clone()).unwrap_or(""), true));
            at = span.end;
        }
        parts.push((prepared.get(at..).unwrap_or(""), false));
        for (part, is_markup) in parts {
            if part.trim().is_empty() {
                if !part.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                continue;
            }
            if !is_markup && part.starts_with(char::is_whitespace) && !out.ends_with(' ') {
                out.push(' ');
            }
            let given = part
                .split_once("](/")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .map(|ps| ps.trim_end_matches('/'))
                .filter(|ps| is_markup && !ps.is_empty());
            match given {
                Some(phonemes) => out.push_str(phonemes),
                None => out.push_str(self.phonemize_prepared(part.trim(), dialect)?.trim()),
            }
            if !is_markup && part.ends_with(char::is_whitespace) {
                out.push(' ');
            }
        }
        Ok(out.trim().to_owned())
    }
}

impl MisakiPhonemizer {
    /// misaki's phonemes and tokens for `text`, never panicking.
    fn g2p_tokens(&self, text: &str, dialect: Dialect) -> Result<(String, Vec<MToken>), Error> {
        let g2p = self.g2p(dialect);
        // misaki-rs indexes and unwraps internally; never let a bug there take the engine down.
        let result = catch_unwind(AssertUnwindSafe(|| g2p.g2p(text))).map_err(|_| {
            Error::phonemizer(format!(
                "misaki-rs panicked on {text:?}: report it upstream, or rephrase the text"
            ))
        })?;
        result
            .map_err(|e| Error::phonemizer_with_source(format!("misaki-rs failed on {text:?}"), e))
    }

    /// Phonemizes `text` with its markup `spans` removed, then gives each marked word its
    /// phonemes. `None` when a marked word is not one token of misaki's (the caller then
    /// phonemizes piecewise).
    fn phonemize_with_overrides(
        &self,
        text: &str,
        spans: &[std::ops::Range<usize>],
        dialect: Dialect,
    ) -> Result<Option<String>, Error> {
        // The text without markup, and each marked word with its byte offset there.
        let mut plain = String::with_capacity(text.len());
        let mut marked: Vec<(usize, &str, &str)> = Vec::new();
        let mut at = 0;
        for span in spans {
            plain.push_str(text.get(at..span.start).unwrap_or(""));
            let markup = text.get(span.clone()).unwrap_or("");
            let Some((word, phonemes)) = markup
                .strip_prefix('[')
                .and_then(|m| m.split_once("](/"))
                .and_then(|(w, rest)| Some((w, rest.strip_suffix(')')?.trim_end_matches('/'))))
            else {
                return Ok(None);
            };
            let is_word = !word.is_empty() && word.chars().all(char::is_alphabetic);
            if !is_word || phonemes.is_empty() {
                return Ok(None);
            }
            marked.push((plain.len(), word, phonemes));
            plain.push_str(word);
            at = span.end;
        }
        plain.push_str(text.get(at..).unwrap_or(""));
        let (phonemes, mut tokens) = self.g2p_tokens(&plain, dialect)?;
        // The tokens must spell misaki's own result, so that only the marked words change.
        if join_tokens(&tokens) != phonemes {
            return Ok(None);
        }
        // Which occurrence of the word each mark is, counted over whole words of the text.
        for (offset, word, given) in &marked {
            let occurrences = whole_word_offsets(&plain, word);
            let Some(nth) = occurrences.iter().position(|o| o == offset) else {
                return Ok(None);
            };
            let matching: Vec<usize> = tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| t.text == *word)
                .map(|(i, _)| i)
                .collect();
            if matching.len() != occurrences.len() {
                return Ok(None);
            }
            if let Some(token) = matching.get(nth).and_then(|&i| tokens.get_mut(i)) {
                token.phonemes = Some((*given).to_owned());
            }
        }
        Ok(Some(Self::finish(join_tokens(&tokens), &tokens, dialect)))
    }

    /// Runs misaki on already prepared text (lexicon applied, normalized).
    fn phonemize_prepared(&self, text: &str, dialect: Dialect) -> Result<String, Error> {
        let (phonemes, tokens) = self.g2p_tokens(text, dialect)?;
        Ok(Self::finish(phonemes, &tokens, dialect))
    }

    /// Removes what misaki could not pronounce, with a warning naming the words.
    fn finish(phonemes: String, tokens: &[MToken], dialect: Dialect) -> String {
        if !phonemes.contains(UNKNOWN_MARKER) {
            return phonemes;
        }
        let unknown: Vec<&str> = tokens
            .iter()
            .filter(|t| {
                t.phonemes
                    .as_deref()
                    .is_none_or(|p| p.contains(UNKNOWN_MARKER))
            })
            .map(|t| t.text.as_str())
            .filter(|t| !t.trim().is_empty())
            .collect();
        if unknown.iter().any(|w| w.chars().any(char::is_alphabetic)) {
            tracing::warn!(
                ?dialect,
                words = ?unknown,
                "misaki cannot pronounce these words: they are left out of the speech \
                 (use `[word](/phonemes/)` markup or a user lexicon)"
            );
        } else {
            tracing::debug!(?dialect, symbols = ?unknown, "unpronounceable symbols left out");
        }
        remove_unknown_markers(&phonemes)
    }
}

/// The phonemes of `tokens` as misaki-rs joins them (each token's phonemes, or the unknown
/// marker, then its whitespace).
fn join_tokens(tokens: &[MToken]) -> String {
    let mut out = String::new();
    for token in tokens {
        match token.phonemes.as_deref() {
            Some(ps) => out.push_str(ps),
            None => out.push(UNKNOWN_MARKER),
        }
        out.push_str(&token.whitespace);
    }
    out
}

/// Byte offsets of `word` in `text` where it stands as a whole word (no letter, digit or
/// apostrophe either side).
fn whole_word_offsets(text: &str, word: &str) -> Vec<usize> {
    let joins = |c: char| c.is_alphanumeric() || c == '\'' || c == '’';
    text.match_indices(word)
        .filter(|(at, _)| {
            let before = text.get(..*at).and_then(|t| t.chars().next_back());
            let after = text.get(at + word.len()..).and_then(|t| t.chars().next());
            !before.is_some_and(joins) && !after.is_some_and(joins)
        })
        .map(|(at, _)| at)
        .collect()
}

/// Removes [`UNKNOWN_MARKER`]s and the extra spaces they leave.
fn remove_unknown_markers(phonemes: &str) -> String {
    let without = phonemes.replace(UNKNOWN_MARKER, " ");
    let mut out = String::with_capacity(without.len());
    for word in without.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Lets one boxed fallback serve the G2Ps of both dialects.
struct SharedFallback(Arc<dyn Fallback>);

impl Fallback for SharedFallback {
    fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
        self.0.phonemize(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_and_their_espeak_voices() {
        assert_eq!(Dialect::default(), Dialect::Us);
        assert_eq!(Dialect::Us.espeak_voice(), "en-us");
        assert_eq!(Dialect::Gb.espeak_voice(), "en-gb");
    }

    #[test]
    fn unknown_markers_are_removed_with_their_spaces() {
        assert_eq!(
            remove_unknown_markers("mˈɪstəɹ ❓ mˈɛt ❓ æt."),
            "mˈɪstəɹ mˈɛt æt."
        );
        assert_eq!(remove_unknown_markers("❓ ❓"), "");
        assert_eq!(remove_unknown_markers("a❓b"), "a b");
    }

    #[test]
    fn phonemizer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MisakiPhonemizer>();
    }
}

/// A few checks against the real misaki-rs G2P (compiled in: no model files needed).
#[cfg(test)]
mod misaki_tests {
    use super::*;
    use crate::{LetterToSound, Tokenizer, TokenizerOptions, UserLexicon, Vocab};

    fn shared() -> &'static Tokenizer {
        static TOKENIZER: OnceLock<Tokenizer> = OnceLock::new();
        // Deterministic: the built-in fallback only, whether or not espeak-ng is installed.
        TOKENIZER.get_or_init(|| {
            Tokenizer::with_options(Vocab::v1_0(), TokenizerOptions::default().espeak(false))
                .unwrap()
        })
    }

    /// Each word of `text` with the phonemes of its ids, over all pieces.
    fn word_phonemes(text: &str) -> Vec<(String, String)> {
        let pieces = shared().tokenize_with_words(text, Dialect::Us).unwrap();
        pieces
            .iter()
            .flat_map(|p| {
                p.words.iter().map(|w| {
                    let ps: String = p
                        .phonemes
                        .chars()
                        .skip(w.tokens.start)
                        .take(w.tokens.len())
                        .collect();
                    (text[w.text.clone()].to_owned(), ps)
                })
            })
            .collect()
    }

    #[test]
    fn words_come_back_to_the_text_through_normalization_markup_and_fallbacks() {
        let text = "Dr. Okafor paid $214 for [Kokoro](/kˈOkəɹO/) at 6:15, didn't he? \
                    The 3rd tear, I think.";
        let words = word_phonemes(text);
        let texts: Vec<&str> = words.iter().map(|(t, _)| t.as_str()).collect();
        // Every word is there once, in order; "$214" is one word spoken as several.
        assert_eq!(
            texts,
            [
                "Dr", "Okafor", "paid", "$214", "for", "Kokoro", "at", "6:15", "didn't", "he",
                "The", "3rd", "tear", "I", "think"
            ]
        );
        let money = &words[3].1;
        assert!(money.split(' ').count() >= 3, "{money}");
        assert_eq!(words[5].1, "kˈOkəɹO");
    }

    #[test]
    fn hello_world() {
        let t = shared();
        let phonemes = t.phonemize("Hello world.", Dialect::Us).unwrap();
        assert!(phonemes.contains("həlˈO wˈɜɹld"), "{phonemes}");
        let pieces = t.tokenize("Hello world.", Dialect::Us).unwrap();
        assert_eq!(pieces.len(), 1);
        let ids = &pieces[0].ids;
        assert_eq!(ids.len(), pieces[0].phonemes.chars().count());
        // No padding at either end: the first and last ids are `h` and `.`.
        assert_eq!(ids.first().copied(), t.vocab().id('h'));
        assert_eq!(ids.last().copied(), t.vocab().id('.'));
        assert!(!ids.contains(&0));
    }

    #[test]
    fn common_sentence_is_fully_known() {
        let phonemes = shared()
            .phonemize("The quick brown fox.", Dialect::Us)
            .unwrap();
        assert!(!phonemes.contains(UNKNOWN_MARKER), "{phonemes}");
        assert_eq!(phonemes, "ðə kwˈɪk bɹˈWn fˈɑks.");
    }

    #[test]
    fn british_differs_from_american() {
        let t = shared();
        let us = t.phonemize("tomato", Dialect::Us).unwrap();
        let gb = t.phonemize("tomato", Dialect::Gb).unwrap();
        assert_eq!(us, "təmˈATO");
        assert_eq!(gb, "təmˈɑːtQ");
    }

    #[test]
    fn unknown_words_never_reach_the_model() {
        let t = shared();
        let pieces = t.tokenize("Mr. Alvarez met Mia. 😀", Dialect::Us).unwrap();
        assert_eq!(pieces.len(), 1);
        assert!(!pieces[0].phonemes.contains(UNKNOWN_MARKER));
        // Names outside the lexicon are spoken by the fallback, not dropped.
        let alvarez = LetterToSound::new(Dialect::Us).word("Alvarez").unwrap();
        let mia = LetterToSound::new(Dialect::Us).word("Mia").unwrap();
        assert_eq!(
            pieces[0].phonemes,
            format!("mˈɪstəɹ {alvarez} mˈɛt {mia}."),
            "{}",
            pieces[0].phonemes
        );
        let err = t.tokenize("😀 🎉", Dialect::Us).err();
        assert!(
            err.as_ref().is_some_and(|e| e.is_nothing_to_say()),
            "{err:?}"
        );
    }

    #[test]
    fn markup_overrides_and_fallback_are_used() {
        let t = shared();
        let phonemes = t.phonemize("Hi [Kokoro](/kˈOkəɹO/).", Dialect::Us).unwrap();
        assert!(phonemes.contains("kˈOkəɹO"), "{phonemes}");

        struct Fixed;
        impl Fallback for Fixed {
            fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
                match word {
                    "Alvarez" => Ok("ˈælvəɹɛz".to_owned()),
                    _ => Err(FallbackError::NoPhonemes {
                        word: word.to_owned(),
                    }),
                }
            }
        }
        let with_fallback = MisakiPhonemizer::with_fallback(Box::new(Fixed));
        let phonemes = with_fallback
            .phonemize("Alvarez met me.", Dialect::Gb)
            .unwrap();
        assert!(phonemes.starts_with("ˈælvəɹɛz mˈɛt"), "{phonemes}");
        let err = with_fallback.phonemize("Okafor met me.", Dialect::Gb).err();
        assert!(err.as_ref().is_some_and(Error::is_phonemizer), "{err:?}");
    }

    #[test]
    fn markup_is_spoken_end_to_end() {
        let t = shared();
        let pieces = t
            .tokenize("We met [Kokoro](/kˈOkəɹO/) at 7:00.", Dialect::Us)
            .unwrap();
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].phonemes, "wˌi mˈɛt kˈOkəɹO æt sˈɛvən əklˈɑk.");
        assert_eq!(t.vocab().decode(&pieces[0].ids), pieces[0].phonemes);
    }

    #[test]
    fn user_lexicon_comes_before_the_built_in_one() {
        let mut lexicon = UserLexicon::new();
        lexicon.insert("Okafor", "Okˈɑfɔɹ");
        lexicon.insert("read", "ɹˈɛd");
        let t = Tokenizer::with_options(
            Vocab::v1_0(),
            TokenizerOptions::default().espeak(false).lexicon(lexicon),
        )
        .unwrap();
        assert!(
            t.describe().contains("user lexicon: 2 words"),
            "{}",
            t.describe()
        );
        let phonemes = t
            .phonemize("OKAFOR read Okafor's note.", Dialect::Gb)
            .unwrap();
        assert_eq!(phonemes, "Okˈɑfɔɹ ɹˈɛd Okˈɑfɔɹz nˈQt.");
        // A symbol outside the vocabulary ("@") is refused with a message naming it.
        let mut bad = UserLexicon::new();
        bad.insert("Okafor", "Ok@fɔɹ");
        let err =
            Tokenizer::with_options(Vocab::v1_0(), TokenizerOptions::default().lexicon(bad)).err();
        assert!(
            err.as_ref()
                .is_some_and(|e| e.is_lexicon() && e.to_string().contains("'@'")),
            "{err:?}"
        );
    }

    #[test]
    fn heteronyms_decided_by_context_reach_the_phonemes() {
        let t = shared();
        let cases = [
            ("There was a tear in the tent.", "tˈɛɹ ɪn"),
            ("A tear ran down her face.", "tˈɪɹ ɹˈæn"),
            ("Dad tuned his bass guitar.", "bˈAs ɡətˈɑɹ"),
            ("Mia landed a bass at dawn.", "bˈæs"),
            ("The bag was as heavy as lead.", "æz lˈɛd."),
            ("The keel was made of lead.", "ʌv lˈɛd."),
            ("They felt so close.", "klˈOs."),
            ("Shells hold minute grains of sand.", "mInˈut"),
        ];
        for (text, expected) in cases {
            let phonemes = t.phonemize(text, Dialect::Us).unwrap();
            assert!(phonemes.contains(expected), "{text} -> {phonemes}");
        }
        // The tagger's choice stays where no rule decides.
        let phonemes = t.phonemize("Lead the horses home.", Dialect::Us).unwrap();
        assert!(phonemes.starts_with("lˈid"), "{phonemes}");
    }

    #[test]
    fn markup_on_a_known_word_is_honoured() {
        // One user-lexicon word misaki knows: misaki-rs alone would re-read it from its
        // lexicon; the given phonemes must win, and the rest of the sentence is unchanged.
        let mut lexicon = UserLexicon::new();
        lexicon.insert("river", "ɹˈIvəɹ");
        let t = Tokenizer::with_options(
            Vocab::v1_0(),
            TokenizerOptions::default().espeak(false).lexicon(lexicon),
        )
        .unwrap();
        let phonemes = t
            .phonemize("Lead the horses to the river.", Dialect::Us)
            .unwrap();
        assert_eq!(phonemes, "lˈid ðə hˈɔɹsᵻz tə ðə ɹˈIvəɹ.");
        assert_eq!(
            whole_word_offsets("tear tears tear's a tear", "tear"),
            vec![0, 20]
        );
    }

    #[test]
    fn describe_names_the_fallback() {
        let d = shared().describe();
        assert!(
            d.contains("letter-to-sound") && !d.contains("espeak-ng subprocess"),
            "{d}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        #[test]
        fn no_word_with_letters_is_dropped(word in "[A-Z]?[a-z]{2,12}") {
            let phonemes = shared().phonemize(&format!("{word} came."), Dialect::Us).unwrap();
            // Something is said for the word before "came".
            let words: Vec<&str> = phonemes.split_whitespace().collect();
            proptest::prop_assert!(words.len() >= 2, "{} -> {}", word, phonemes);
            proptest::prop_assert!(!phonemes.contains(UNKNOWN_MARKER));
        }

        #[test]
        fn real_g2p_never_panics_or_overflows(text in "\\PC{0,120}|[a-zA-Z0-9 .,!?'\"$%:;()\\[\\]/-]{0,160}") {
            match shared().tokenize(&text, Dialect::Us) {
                Ok(pieces) => {
                    for piece in &pieces {
                        proptest::prop_assert!((1..=crate::MAX_TOKENS).contains(&piece.ids.len()));
                        proptest::prop_assert!(!piece.phonemes.contains(UNKNOWN_MARKER));
                    }
                }
                Err(e) => proptest::prop_assert!(e.is_empty_text() || e.is_nothing_to_say(), "{e}"),
            }
        }
    }
}
