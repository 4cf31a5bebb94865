//! The fixed facts of Kokoro-82M that several crates of the engine need, stated once.
//!
//! The crates below `tts-pipeline` do not depend on each other, yet they share a few facts about
//! the model: the tokenizer splits text under its token limit, the voice packs hold style rows of
//! its width, the session checks both and returns audio at its sample rate, and the WAV files are
//! written at that rate; a voice id's first letter names the [`Language`] it speaks. Each fact
//! lives here, in a crate that depends on nothing but `thiserror`, and the others import (and
//! re-export) it, so it cannot drift between them.
//!
//! ```
//! use kokoro_model::{Language, MAX_TOKENS, Pause, SAMPLE_RATE, STYLE_DIM};
//!
//! assert_eq!(SAMPLE_RATE, 24_000);
//! assert_eq!(STYLE_DIM, 256);
//! assert_eq!(MAX_TOKENS, 510);
//! assert_ne!(Pause::Sentence, Pause::Clause);
//! assert_eq!(Language::from_voice_id("af_bella"), Some(Language::EnglishUs));
//! ```

mod language;

pub use language::{Language, ParseLanguageError};

/// The sample rate of the audio every Kokoro model produces, in Hz.
pub const SAMPLE_RATE: u32 = 24_000;

/// The length of a style vector: the model's `style` input is `[1, 256]`, and each row of a voice
/// pack is one.
pub const STYLE_DIM: usize = 256;

/// The most phoneme tokens one model call takes (PL-BERT has 512 positions, two go to padding).
pub const MAX_TOKENS: usize = 510;

/// What ended a piece of text (one model call's worth), from its punctuation: the tokenizer
/// reports it and the pipeline turns it into the silence it inserts after the piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pause {
    /// The end of a sentence (`.`, `!`, `?`, `…`, or a paragraph break).
    Sentence,
    /// The end of a clause (`,`, `;`, `:`, a dash) in a sentence too long for one piece.
    Clause,
    /// A forced split between words of an over-long clause (or inside a very long word).
    Word,
    /// The last piece of the text: nothing follows.
    None,
}

/// Compiles and runs the README's example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
