//! The checks before any inference: the text, the speed, the voice, and the text's pieces.

use std::ops::Range;
use std::sync::Arc;

use kokoro_model::Language;

use super::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;
use crate::traits::{Frontend, Pause, TextPiece, Voice};

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
    /// The text's pieces planned so far, one inference each (at least one).
    pub(crate) pieces: Vec<TextPiece>,
    /// The input text, when word timings were asked for (the words' text is cut from it).
    pub(super) timed_text: Option<String>,
    /// The parts of the text not planned yet ([`Engine::prepare_parts`]); `None` once every
    /// part is planned.
    rest: Option<Rest>,
}

/// What a plan made part by part needs to plan its next part.
struct Rest {
    frontend: Arc<dyn Frontend>,
    text: String,
    parts: std::vec::IntoIter<Range<usize>>,
    words: bool,
}

impl Prepared {
    /// Whether piece `i` exists, planning the parts of the text until it does or every part is
    /// planned (a part with nothing to say has no piece).
    pub(super) fn has_piece(&mut self, i: usize) -> Result<bool> {
        while self.pieces.len() <= i {
            match self.plan_part() {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(e) if nothing(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Plans nothing more (after a failure).
    pub(super) fn stop(&mut self) {
        self.rest = None;
    }

    /// Plans the next part of the text: its pieces, their words moved to the whole text's
    /// bytes, after the pieces before (whose last now ends a sentence). False when every part is
    /// planned; an error ends the planning unless it is a part with nothing to say.
    fn plan_part(&mut self) -> Result<bool> {
        let Some(rest) = self.rest.as_mut() else {
            return Ok(false);
        };
        let Some(part) = rest.parts.next() else {
            self.rest = None;
            return Ok(false);
        };
        let text = rest.text.get(part.clone()).unwrap_or_default();
        let result = if rest.words {
            rest.frontend.pieces_with_words(text, self.lang)
        } else {
            rest.frontend.pieces(text, self.lang)
        };
        let mut pieces = match result {
            Ok(pieces) => pieces,
            Err(e) => {
                if !nothing(&e) {
                    self.rest = None;
                }
                return Err(e);
            }
        };
        for word in pieces.iter_mut().flat_map(|p| p.words.iter_mut()) {
            word.text = word.text.start + part.start..word.text.end + part.start;
        }
        if let Some(last) = self.pieces.last_mut().filter(|_| !pieces.is_empty()) {
            last.pause_after = Pause::Sentence;
        }
        self.pieces.extend(pieces);
        Ok(true)
    }
}

/// A part of the text with nothing to say: skipped when other parts speak.
fn nothing(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::NothingToSay | ErrorKind::EmptyText)
}

fn nothing_to_say() -> Error {
    Error::new(
        ErrorKind::NothingToSay,
        "the text holds nothing that can be spoken: give it some words",
    )
}

/// A request's checks: its front end, speed, voice and language.
struct Checked<'a> {
    frontend: &'a Arc<dyn Frontend>,
    speed: f32,
    voice: Voice,
    lang: Language,
}

impl Engine {
    /// The checks of every request, before its text is split.
    fn check(&self, request: &Request) -> Result<Checked<'_>> {
        let frontend = self.frontend_for(&request.input)?;
        validate_text(request.input.as_str(), self.options.max_text_bytes)?;
        let speed = validate_speed(request.speed)?;
        let voice = self.voices.resolve(request.voice.as_deref())?;
        let lang = request
            .lang
            .or_else(|| Language::from_voice_id(voice.name()))
            .unwrap_or(Language::EnglishUs);
        Ok(Checked {
            frontend,
            speed,
            voice,
            lang,
        })
    }

    /// Validates the request and splits the whole text: the steps before any inference.
    pub(crate) fn prepare(&self, request: &Request) -> Result<Prepared> {
        let Checked {
            frontend,
            speed,
            voice,
            lang,
        } = self.check(request)?;
        let text = request.input.as_str();
        let pieces = if request.wants_words() {
            frontend.pieces_with_words(text, lang)?
        } else {
            frontend.pieces(text, lang)?
        };
        if pieces.is_empty() {
            return Err(nothing_to_say());
        }
        Ok(Prepared {
            speed,
            voice,
            lang,
            pieces,
            timed_text: request.wants_words().then(|| text.to_owned()),
            rest: None,
        })
    }

    /// [`Engine::prepare`] for a stream: the same checks, the text cut into its front end's
    /// [`parts`](Frontend::parts) and only the first part that speaks planned; the stream plans
    /// the others as it goes ([`Prepared::has_piece`]). The pieces are the same as
    /// [`Engine::prepare`]'s.
    pub(crate) fn prepare_parts(&self, request: &Request) -> Result<Prepared> {
        let Checked {
            frontend,
            speed,
            voice,
            lang,
        } = self.check(request)?;
        let text = request.input.as_str();
        let parts = frontend.parts(text, lang)?;
        let mut plan = Prepared {
            speed,
            voice,
            lang,
            pieces: Vec::new(),
            timed_text: request.wants_words().then(|| text.to_owned()),
            rest: Some(Rest {
                frontend: Arc::clone(frontend),
                text: text.to_owned(),
                parts: parts.into_iter(),
                words: request.wants_words(),
            }),
        };
        // The first part that speaks; a text with none says why as the whole text would.
        let mut silent = None;
        while plan.pieces.is_empty() {
            match plan.plan_part() {
                Ok(true) => {}
                Ok(false) => return Err(silent.unwrap_or_else(nothing_to_say)),
                Err(e) if nothing(&e) => {
                    silent.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(plan)
    }
}
