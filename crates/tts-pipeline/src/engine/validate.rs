//! The checks before any inference: the text, the speed, the voice, and the text's pieces.

use kokoro_model::Language;

use super::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;
use crate::traits::{TextPiece, Voice};

/// The slowest speed the engine uses; slower requests are clamped to it.
pub const MIN_SPEED: f32 = 0.5;
/// The fastest speed the engine uses; faster requests are clamped to it.
pub const MAX_SPEED: f32 = 2.0;
/// The largest text accepted in one call, in bytes (long stories are fine; this only bounds abuse).
pub const DEFAULT_MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// Checks the speed: NaN or infinite is an error, anything else is clamped to 0.5..=2.0.
pub fn validate_speed(speed: f32) -> Result<f32> {
    if !speed.is_finite() {
        return Err(Error::new(
            ErrorKind::InvalidSpeed,
            format!(
                "speed must be a finite number between {MIN_SPEED} and {MAX_SPEED}, got {speed}"
            ),
        ));
    }
    let clamped = speed.clamp(MIN_SPEED, MAX_SPEED);
    if clamped != speed {
        tracing::warn!(
            requested = speed,
            used = clamped,
            "speed clamped to {MIN_SPEED}..={MAX_SPEED}"
        );
    }
    Ok(clamped)
}

/// Checks the text: empty, whitespace-only or over-long text is an error.
pub fn validate_text(text: &str, max_bytes: usize) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::EmptyText,
            "text is empty: give the words to speak",
        ));
    }
    if text.len() > max_bytes {
        return Err(Error::new(
            ErrorKind::TextTooLong,
            format!(
                "text is {} bytes, more than the {max_bytes} accepted in one call: split it into segments",
                text.len()
            ),
        ));
    }
    Ok(())
}

/// A request after its checks: what the assembly needs.
pub(crate) struct Prepared {
    /// The speed to use, clamped.
    pub(super) speed: f32,
    /// The voice to use, resolved once.
    pub(super) voice: Voice,
    /// The language spoken: the request's, else the voice's, else English.
    pub(super) lang: Language,
    /// The text's pieces, one inference each (at least one).
    pub(crate) pieces: Vec<TextPiece>,
    /// The input text, when word timings were asked for (the words' text is cut from it).
    pub(super) timed_text: Option<String>,
}

impl Engine {
    /// Validates the request and splits the text: the steps before any inference.
    pub(crate) fn prepare(&self, request: &Request) -> Result<Prepared> {
        let frontend = self.frontend_for(&request.input)?;
        let text = request.input.as_str();
        validate_text(text, self.options.max_text_bytes)?;
        let speed = validate_speed(request.speed)?;
        let voice = self.voices.resolve(request.voice.as_deref())?;
        let lang = request
            .lang
            .or_else(|| Language::from_voice_id(voice.name()))
            .unwrap_or(Language::EnglishUs);
        let pieces = if request.wants_words() {
            frontend.pieces_with_words(text, lang)?
        } else {
            frontend.pieces(text, lang)?
        };
        if pieces.is_empty() {
            return Err(Error::new(
                ErrorKind::NothingToSay,
                "the text holds nothing that can be spoken: give it some words",
            ));
        }
        Ok(Prepared {
            speed,
            voice,
            lang,
            pieces,
            timed_text: request.wants_words().then(|| text.to_owned()),
        })
    }
}
