//! The narrow traits the pipeline composes. Each has a real implementation in another crate of the
//! workspace (see [`crate::adapters`]) and fakes in the unit tests, so the pipeline is testable without
//! the model.

use kokoro_model::Language;

use crate::error::{Error, ErrorKind, Result};
pub use crate::words::{PieceWord, TimedAudio};

/// How long the pause after a piece of text should be, from the punctuation that ended it (the
/// type the tokenizer reports, from `kokoro-model`).
pub use kokoro_model::Pause;

/// One piece of text ready for one inference call.
#[derive(Debug, Clone, PartialEq)]
pub struct TextPiece {
    /// The source text of the piece (for logs and errors).
    pub text: String,
    /// Phoneme token ids without padding; 1 to 510 of them.
    pub ids: Vec<i64>,
    /// The pause that follows the piece.
    pub pause_after: Pause,
    /// Which word of the input each id came from, in order (empty unless asked for with
    /// [`Frontend::pieces_with_words`]).
    pub words: Vec<PieceWord>,
}

/// Text to pieces of token ids (the real one is `kokoro_tokenize::Tokenizer`).
pub trait Frontend: Send + Sync {
    /// Splits and tokenizes `text`, spoken in `lang` by `voice`.
    fn pieces(&self, text: &str, voice: &str, lang: Language) -> Result<Vec<TextPiece>>;

    /// [`pieces`](Self::pieces) with each piece's [`TextPiece::words`] filled: which word of
    /// `text` each id came from, for word timings. The pieces themselves must be the same. By
    /// default a front end gives no words: asking for timings is then an
    /// [`ErrorKind::TimingsUnavailable`] error.
    fn pieces_with_words(&self, text: &str, voice: &str, lang: Language) -> Result<Vec<TextPiece>> {
        let _ = (text, voice, lang);
        Err(Error::new(
            ErrorKind::TimingsUnavailable,
            "word timings are unavailable: this front end does not say which word each token came \
             from; ask without word timings",
        ))
    }

    /// A short description for `info` (front end and fallbacks in use).
    fn describe(&self) -> String {
        String::from("custom front end")
    }
}

/// A voice after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceChoice {
    /// The voice (or blend spec) that will be used.
    pub voice: String,
    /// True when the requested voice was unknown, empty or absent and a fallback was chosen.
    pub fell_back: bool,
}

/// Voices: validation with fallback and style vectors (the real one is `kokoro_voices::VoiceCatalog`).
pub trait Voices: Send + Sync {
    /// Validates `requested`, falling back to a default voice when it is unknown, empty or absent.
    fn resolve(&self, requested: Option<&str>) -> Result<VoiceChoice>;
    /// The 256-float style vector of `voice` for a piece of `n_tokens` phoneme tokens.
    fn style(&self, voice: &str, n_tokens: usize) -> Result<Vec<f32>>;
}

/// Token ids and a style to audio (the real one, [`PoolSynthesizer`](crate::adapters::PoolSynthesizer), runs
/// on a `kokoro_session::SessionPool`).
pub trait Synthesizer: Send + Sync {
    /// Synthesizes one piece: `ids` without padding, a 256-float `style`, a speed in 0.5..=2.0.
    fn synthesize(&self, ids: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>>;
    /// Like [`synthesize`](Self::synthesize), knowing that `callers` generations (this one
    /// included) are running on the engine at once: a synthesizer with several sessions gives a
    /// lone caller its widest one and spreads concurrent callers over narrow ones. By default the
    /// hint is ignored.
    fn synthesize_among(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        callers: usize,
    ) -> Result<Vec<f32>> {
        let _ = callers;
        self.synthesize(ids, style, speed)
    }
    /// Like [`synthesize_among`](Self::synthesize_among), with the model's per-token durations
    /// (frames of 600 samples for `[0, ids.., 0]`) when it gives them, checked against the audio.
    /// By default there are none.
    fn synthesize_timed(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        callers: usize,
    ) -> Result<TimedAudio> {
        Ok(TimedAudio {
            audio: self.synthesize_among(ids, style, speed, callers)?,
            frames: Err("this synthesizer gives no per-token durations".to_owned()),
        })
    }
    /// The sample rate of the audio it returns.
    fn sample_rate(&self) -> u32 {
        kokoro_model::SAMPLE_RATE
    }
}
