//! What to speak and how: the one request every generation method of [`Engine`](crate::Engine)
//! takes.

use kokoro_model::Language;

/// What a request speaks: text (normalized and turned into phonemes by the front end) or Kokoro
/// phonemes (misaki symbols) spoken as given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// Text to normalize, phonemize and speak.
    Text(String),
    /// Kokoro phonemes (misaki symbols), spoken as given: no normalization, no G2P. Symbols
    /// outside the vocabulary are dropped.
    Phonemes(String),
}

impl Input {
    /// The text or phonemes.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Text(s) | Self::Phonemes(s) => s,
        }
    }
}

/// One generation: the input, the voice, the speed, the language and the options.
///
/// ```
/// use tts_pipeline::Request;
///
/// let request = Request::text("Hello world.").with_voice("af_bella").with_speed(1.2);
/// assert_eq!(request.voice.as_deref(), Some("af_bella"));
/// let phonemes = Request::phonemes("həlˈoʊ");
/// assert_eq!((phonemes.voice, phonemes.speed, phonemes.lang), (None, 1.0, None));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// What to speak.
    pub input: Input,
    /// The voice or blend (`af_bella`, `af_bella:0.7,am_adam:0.3`); `None`, empty or unknown ids
    /// use the default voice.
    pub voice: Option<String>,
    /// The speed: finite, clamped to 0.5..=2.0 (default 1.0).
    pub speed: f32,
    /// The language to speak; `None` (the default): the voice's, from its id (English when the id
    /// names none).
    pub lang: Option<Language>,
    /// Whether to return when each word is spoken (default false).
    pub word_timings: bool,
    /// Captions to write next to the WAV file (`s1.wav` → `s1.vtt`), from the word timings;
    /// [`Engine::generate`](crate::Engine::generate) and `generate_segment` only (default none).
    pub captions: Option<crate::captions::CaptionFormat>,
}

impl Request {
    /// A request to speak `text` with the default voice at speed 1.0.
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(Input::Text(text.into()))
    }

    /// A request to speak Kokoro `phonemes` as given, with the default voice at speed 1.0.
    pub fn phonemes(phonemes: impl Into<String>) -> Self {
        Self::new(Input::Phonemes(phonemes.into()))
    }

    fn new(input: Input) -> Self {
        Self {
            input,
            voice: None,
            speed: 1.0,
            lang: None,
            word_timings: false,
            captions: None,
        }
    }

    /// Speaks with `voice` (an id or a blend spec).
    #[must_use]
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// Speaks at `speed`.
    #[must_use]
    pub fn with_speed(mut self, speed: f32) -> Self {
        self.speed = speed;
        self
    }

    /// Speaks `lang` instead of the voice's language.
    #[must_use]
    pub fn with_lang(mut self, lang: Language) -> Self {
        self.lang = Some(lang);
        self
    }

    /// Asks for the word timings (`words` of the result) or not.
    #[must_use]
    pub fn with_word_timings(mut self, word_timings: bool) -> Self {
        self.word_timings = word_timings;
        self
    }

    /// Writes captions in `format` next to the WAV file (or none).
    #[must_use]
    pub fn with_captions(mut self, format: Option<crate::captions::CaptionFormat>) -> Self {
        self.captions = format;
        self
    }

    /// Whether the words must be timed: asked for, or needed by the captions.
    pub(crate) fn wants_words(&self) -> bool {
        self.word_timings || self.captions.is_some()
    }
}

/// The language a code names (`es`, `fr-fr`, `pt`, `zh`, a voice letter; any case), for `lang`
/// given as text (`kokoro --lang`, a segment's `"lang"`, Python's `lang=`). Errors:
/// [`crate::ErrorKind::UnknownLanguage`], whose message lists the codes.
pub fn parse_lang(code: &str) -> crate::Result<Language> {
    code.parse::<Language>()
        .map_err(|e| crate::Error::wrap(crate::ErrorKind::UnknownLanguage, e))
}
