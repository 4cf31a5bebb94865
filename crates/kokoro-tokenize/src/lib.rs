//! Text -> Kokoro phonemes -> token ids, split into pieces the model accepts. English is read by
//! misaki-rs (below); the other languages of the v1.0 voices by the front ends of [`lang`]
//! ([`Tokenizer::tokenize_in`]): espeak-ng (a separate program) for es, fr-fr, it, pt-br and hi,
//! Rust for Mandarin and Japanese.
//!
//! Kokoro-82M does not read letters: it reads *phoneme token ids*, at most [`MAX_TOKENS`] (510)
//! per call. This crate gets from story text to those ids in three steps:
//!
//! 1. **Phonemize** ([`Phonemizer`]): [`MisakiPhonemizer`] runs misaki-rs, the G2P Kokoro v1.0
//!    was trained with (`"Hello world."` -> `həlˈO wˈɜɹld.`), in American or British English
//!    ([`Dialect`]; which one a voice speaks is the caller's to say). Before G2P, a [`UserLexicon`] turns
//!    a project's names into `[word](/phonemes/)` markup, [`normalize`] writes numbers,
//!    money, times, dates, units, Roman numerals and abbreviations out as words, and
//!    [`disambiguate`] marks heteronyms whose reading the context decides ("a tear in the
//!    map", "bass guitar", "made of lead"). Words outside misaki's lexicon go
//!    to a [`FallbackChain`]: espeak-ng run as a separate program when installed
//!    ([`EspeakFallback`], cached), then built-in [`LetterToSound`] rules. See
//!    `docs/PRONUNCIATION.md`.
//! 2. **Encode** ([`Vocab`]): each phoneme symbol becomes an id of the model's vocabulary
//!    ([`Vocab::v1_0`] or [`Vocab::v0_19`]); symbols outside it are dropped, never sent.
//! 3. **Split** ([`Tokenizer::tokenize`]): one [`Piece`] per sentence; a sentence over 510
//!    tokens is split at clause punctuation, then between words, then (one enormous word) into
//!    chunks. Each piece says what ended it ([`Pause`]) so the audio can be joined with the
//!    right silence. No text is dropped, and every piece holds 1..=510 ids.
//!    [`Tokenizer::tokenize_with_words`] also says which word of the text (a byte span) each id
//!    came from ([`WordSpan`]), for word timings.
//!
//! Ids come without padding: the caller wraps them as `[0, ids.., 0]` for the model.
//!
//! ```
//! use kokoro_tokenize::{Dialect, Tokenizer, Vocab};
//!
//! let tokenizer = Tokenizer::new(Vocab::v1_0());
//! let pieces = tokenizer.tokenize("Hello world. How are you?", Dialect::Us)?;
//! for piece in &pieces {
//!     println!("{:?} -> {} -> {:?} ({:?})", piece.text, piece.phonemes, piece.ids, piece.pause_after);
//! }
//! assert_eq!(pieces.len(), 2);
//! # Ok::<(), kokoro_tokenize::Error>(())
//! ```
//!
//! Any [`Phonemizer`] can replace misaki ([`Tokenizer::with_phonemizer`]), e.g. in tests or to
//! run espeak-ng for the v0.19 model.

mod context;
mod error;
mod fallback;
pub mod lang;
mod lexicon;
mod markup;
mod normalize;
mod numbers;
mod phonemizer;
mod split;
mod tokenizer;
mod vocab;
mod words;

pub use context::disambiguate;
pub use error::{Error, ErrorKind};
pub use fallback::{
    ESPEAK_PROGRAM, EspeakFallback, FallbackChain, LetterToSound, espeak_to_misaki, espeak_version,
};
pub use lang::{Language, LanguageFrontend};
pub use lexicon::UserLexicon;
pub use normalize::normalize;
pub use phonemizer::{
    Dialect, MisakiPhonemizer, PassthroughPhonemizer, Phonemizer, UNKNOWN_MARKER,
};
pub use split::sentences;
pub use tokenizer::{MAX_TOKENS, Pause, Piece, Tokenizer, TokenizerOptions};
pub use vocab::{Encoded, Vocab, VocabVersion};
pub use words::WordSpan;

/// The unknown-word fallback trait of the vendored misaki-rs (and its error), so that a custom
/// fallback can be given to [`MisakiPhonemizer::with_fallback`]; nothing else of the fork is public.
pub use misaki_rs::{Fallback, fallback::FallbackError};
