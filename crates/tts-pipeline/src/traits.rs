//! The narrow traits the pipeline composes, each as wide as the engine's use of it. Each has a
//! real implementation in another crate of the workspace (see [`crate::adapters`]) and fakes in
//! the unit tests, so the pipeline is testable without the model.
//!
//! - [`Frontend`]: text (or phonemes) in a language to pieces of token ids.
//! - [`Voices`]: a requested voice to a [`Voice`], a handle resolved once per request that
//!   lends each piece its style row.
//! - [`Synthesizer`]: one inference, ids and a style row to audio with the model's durations.

use std::sync::Arc;

use kokoro_model::Language;
use kokoro_session::KokoroSession;

use crate::error::{Error, ErrorKind, Result};
pub use crate::words::{PieceWord, TimedAudio};

/// How long the pause after a piece of text should be, from the punctuation that ended it (the
/// type the tokenizer reports, from `kokoro-model`).
pub use kokoro_model::Pause;

/// The style rows of one voice or blend (from `kokoro-voices`): what a [`Voice`] holds.
pub use kokoro_voices::VoicePack;

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
    /// Splits and tokenizes `text`, read in `lang`.
    fn pieces(&self, text: &str, lang: Language) -> Result<Vec<TextPiece>>;

    /// [`pieces`](Self::pieces) with each piece's [`TextPiece::words`] filled: which word of
    /// `text` each id came from, for word timings. The pieces themselves must be the same. By
    /// default a front end gives no words: asking for timings is then an
    /// [`ErrorKind::TimingsUnavailable`] error.
    fn pieces_with_words(&self, text: &str, lang: Language) -> Result<Vec<TextPiece>> {
        let _ = (text, lang);
        Err(Error::new(
            ErrorKind::TimingsUnavailable,
            "word timings are unavailable: this front end does not say which word each token came \
             from; ask without word timings",
        ))
    }

    /// Where `text` may be cut into parts read alone (sentences): the pieces of each part, in
    /// order, with word spans moved by the part's start and the pause after each part's last
    /// piece but the final one a [`Pause::Sentence`], are the pieces of `text`. A stream plans one
    /// part at a time, so its first audio waits for the first part only. Checks of the whole text
    /// that must fail at once (its script) belong here. By default the text is one part.
    fn parts(&self, text: &str, lang: Language) -> Result<Vec<std::ops::Range<usize>>> {
        let _ = lang;
        Ok(std::iter::once(0..text.len()).collect())
    }
}

/// Which voice a request gets, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceChoice {
    /// The voice (or blend spec) that will be used.
    pub voice: String,
    /// True when the requested voice was unknown, empty or absent and a fallback was chosen.
    pub fell_back: bool,
}

/// A voice resolved once for a request: which voice it is and its style rows, shared (cloning
/// it clones an `Arc`). Each piece borrows its row with [`Voice::style`]: no lookup by name and
/// no copy per piece.
///
/// ```
/// use std::sync::Arc;
/// use tts_pipeline::traits::{Voice, VoiceChoice, VoicePack};
///
/// let rows = VoicePack::from_values("af_test", vec![0.5; 2 * 256])?;
/// let choice = VoiceChoice { voice: "af_test".into(), fell_back: false };
/// let voice = Voice::new(choice, Arc::new(rows));
/// assert_eq!(voice.style(12).len(), 256);
/// assert_eq!(voice.name(), "af_test");
/// # Ok::<(), kokoro_voices::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Voice {
    choice: VoiceChoice,
    rows: Arc<VoicePack>,
}

impl Voice {
    /// The voice `choice` with the style rows `rows`.
    pub fn new(choice: VoiceChoice, rows: Arc<VoicePack>) -> Self {
        Self { choice, rows }
    }

    /// The voice (or blend spec) used.
    pub fn name(&self) -> &str {
        &self.choice.voice
    }

    /// True when the requested voice was replaced by the fallback voice.
    pub fn fell_back(&self) -> bool {
        self.choice.fell_back
    }

    /// Which voice, and whether it is a fallback.
    pub fn choice(&self) -> &VoiceChoice {
        &self.choice
    }

    /// The style row (256 floats) for a piece of `n_tokens` phoneme tokens, borrowed from the
    /// voice's rows (row `n - 1`, clamped: `kokoro_voices::style_row_index`).
    pub fn style(&self, n_tokens: usize) -> &[f32] {
        self.rows.style_for_tokens(n_tokens)
    }
}

/// Voices: validation with fallback, to a [`Voice`] handle (the real one is
/// `kokoro_voices::VoiceCatalog`).
pub trait Voices: Send + Sync {
    /// Validates `requested`, falling back to a default voice when it is unknown, empty or
    /// absent, and loads (or builds, for a blend) its style rows.
    fn resolve(&self, requested: Option<&str>) -> Result<Voice>;
}

/// Token ids and a style row to audio (the real one,
/// [`PoolSynthesizer`](crate::adapters::PoolSynthesizer), runs on a
/// `kokoro_session::SessionPool`).
pub trait Synthesizer: Send + Sync {
    /// Synthesizes one piece: `ids` without padding, a 256-float `style`, a speed in
    /// 0.5..=2.0. `callers` is how many generations (this one included) run on the engine at
    /// once: a synthesizer with several sessions gives a lone caller its widest one and spreads
    /// concurrent callers over narrow ones; others ignore it. The audio comes with the model's
    /// per-token durations when it gives them ([`TimedAudio::frames`]).
    fn synthesize(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        callers: usize,
    ) -> Result<TimedAudio>;

    /// The sample rate of the audio it returns.
    fn sample_rate(&self) -> u32 {
        kokoro_model::SAMPLE_RATE
    }

    /// The loaded model session behind it (loading it if none is), for reading the model's
    /// contract. By default there is none: an [`ErrorKind::Config`] error.
    fn session(&self) -> Result<Arc<KokoroSession>> {
        Err(Error::new(
            ErrorKind::Config,
            "this engine has no model session: open it with `Engine::open` or `Engine::shared`",
        ))
    }

    /// Waits for its background work (a session preload, an idle session's arena shrink) and
    /// starts no more; it stays usable. By default there is none.
    fn stop_background(&self) {}
}
