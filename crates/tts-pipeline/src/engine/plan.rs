//! The plan stage: a request checked ([`validate_text`], [`validate_speed`]) and its text split
//! into pieces ([`Plan`]), by free functions of the request, a front end and the voices
//! ([`plan`], [`plan_by_parts`]).

use std::ops::Range;
use std::sync::Arc;

use kokoro_model::Language;

pub use crate::config::DEFAULT_MAX_TEXT_BYTES;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;
use crate::traits::{Frontend, Pause, TextPiece, Voice, Voices};

/// The slowest speed the engine uses; slower requests are clamped to it.
pub const MIN_SPEED: f32 = 0.5;
/// The fastest speed the engine uses; faster requests are clamped to it.
pub const MAX_SPEED: f32 = 2.0;
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

/// The first stage: a request planned. It holds the language, the voice resolved once (its
/// handle lends each piece its style row), the speed, the pieces of text with their ids, word
/// spans and the pause after each, and the text the words are cut from. Built by [`plan`] (every
/// piece at once) or [`plan_by_parts`] (the first part now, the others as a stream comes to
/// them); rendered piece by piece by the [`Renderer`](super::assemble::Renderer).
pub(crate) struct Plan {
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
    /// The parts of the text not planned yet ([`plan_by_parts`]); `None` once every
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

impl Plan {
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

/// A request's checks: its speed, voice and language.
struct Checked {
    speed: f32,
    voice: Voice,
    lang: Language,
}

/// The checks of every request, before its text is split: text, speed, voice (resolved once),
/// language (the request's, else the voice's, else English).
fn check(request: &Request, voices: &dyn Voices, max_text_bytes: usize) -> Result<Checked> {
    validate_text(request.input.as_str(), max_text_bytes)?;
    let speed = validate_speed(request.speed)?;
    let voice = voices.resolve(request.voice.as_deref())?;
    let lang = request
        .lang
        .or_else(|| Language::from_voice_id(voice.name()))
        .unwrap_or(Language::EnglishUs);
    Ok(Checked { speed, voice, lang })
}

/// Plans `request` with `frontend` (the one its input is for) and `voices`: the checks, then
/// every piece of the whole text. Requests longer than `max_text_bytes` are refused.
pub(crate) fn plan(
    request: &Request,
    frontend: &dyn Frontend,
    voices: &dyn Voices,
    max_text_bytes: usize,
) -> Result<Plan> {
    let Checked { speed, voice, lang } = check(request, voices, max_text_bytes)?;
    let text = request.input.as_str();
    let pieces = if request.wants_words() {
        frontend.pieces_with_words(text, lang)?
    } else {
        frontend.pieces(text, lang)?
    };
    if pieces.is_empty() {
        return Err(nothing_to_say());
    }
    Ok(Plan {
        speed,
        voice,
        lang,
        pieces,
        timed_text: request.wants_words().then(|| text.to_owned()),
        rest: None,
    })
}

/// [`plan`] for a stream: the same checks, the text cut into `frontend`'s
/// [`parts`](Frontend::parts) and only the first part that speaks planned; the stream plans the
/// others as it goes ([`Plan::has_piece`]). The pieces are the same as [`plan`]'s.
pub(crate) fn plan_by_parts(
    request: &Request,
    frontend: &Arc<dyn Frontend>,
    voices: &dyn Voices,
    max_text_bytes: usize,
) -> Result<Plan> {
    let Checked { speed, voice, lang } = check(request, voices, max_text_bytes)?;
    let text = request.input.as_str();
    let parts = frontend.parts(text, lang)?;
    let mut plan = Plan {
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
