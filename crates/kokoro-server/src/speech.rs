//! The body of `POST /v1/audio/speech` (OpenAI's schema) and its checks, into the engine's
//! [`Request`], the audio format and whether to stream.

use serde::Deserialize;
use tts_pipeline::Request;

use crate::encode::AudioFormat;
use crate::error::ApiError;

/// The models a client may name: Kokoro's own id first, then OpenAI's speech models, which all
/// mean Kokoro here (clients often cannot change the model they send).
pub const MODELS: [&str; 4] = ["kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

/// OpenAI's voice names and the Kokoro voice each speaks with (five have a Kokoro voice of the
/// same name).
pub const OPENAI_VOICES: [(&str, &str); 13] = [
    ("alloy", "af_alloy"),
    ("ash", "am_adam"),
    ("ballad", "bm_lewis"),
    ("cedar", "am_eric"),
    ("coral", "af_heart"),
    ("echo", "am_echo"),
    ("fable", "bm_fable"),
    ("marin", "af_bella"),
    ("nova", "af_nova"),
    ("onyx", "am_onyx"),
    ("sage", "af_sarah"),
    ("shimmer", "af_sky"),
    ("verse", "am_michael"),
];

/// OpenAI's speed range; the engine then clamps to its own, 0.5 to 2.0.
pub const SPEED_RANGE: (f64, f64) = (0.25, 4.0);

/// The JSON body, as OpenAI's clients send it, plus Kokoro's `lang`.
#[derive(Debug, Deserialize)]
pub(crate) struct SpeechBody {
    model: Option<String>,
    input: Option<String>,
    voice: Option<String>,
    speed: Option<f64>,
    response_format: Option<String>,
    stream: Option<bool>,
    stream_format: Option<String>,
    /// gpt-4o-mini-tts's speaking instructions: Kokoro has no such control; accepted and ignored.
    #[allow(dead_code)]
    instructions: Option<String>,
    /// Kokoro's extension: the language of the text (`en-us`, `ja`, ...), default the voice's.
    lang: Option<String>,
}

/// A checked speech request.
#[derive(Debug)]
pub(crate) struct Speech {
    pub(crate) request: Request,
    pub(crate) format: AudioFormat,
    pub(crate) stream: bool,
}

/// The Kokoro voice a request's `voice` names: an OpenAI name maps to its Kokoro voice, anything
/// else (an id, a blend) is the engine's to check.
pub(crate) fn kokoro_voice(voice: &str) -> &str {
    OPENAI_VOICES
        .iter()
        .find(|(openai, _)| *openai == voice)
        .map_or(voice, |(_, kokoro)| kokoro)
}

impl Speech {
    /// Parses and checks `body` against the limits; `default_format` for a body without
    /// `response_format` (mp3, as OpenAI's).
    pub(crate) fn parse(body: &[u8], max_input_chars: usize) -> Result<Self, ApiError> {
        let body: SpeechBody = serde_json::from_slice(body).map_err(|e| {
            ApiError::invalid(
                "body",
                "invalid_json",
                format!(
                    "the body is not a speech request ({e}); send JSON such as \
                     {{\"model\": \"kokoro\", \"input\": \"Hello.\", \"voice\": \"af_heart\"}}"
                ),
            )
        })?;
        if let Some(model) = body.model.as_deref()
            && !MODELS.contains(&model)
        {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "invalid_request_error",
                "model_not_found",
                format!(
                    "the model {model:?} does not exist here; use one of: {}",
                    MODELS.join(", ")
                ),
            )
            .with_param("model"));
        }
        let input = body.input.unwrap_or_default();
        if input.trim().is_empty() {
            return Err(ApiError::invalid(
                "input",
                "missing_input",
                "input is empty: give the text to speak",
            ));
        }
        let chars = input.chars().count();
        if chars > max_input_chars {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                "input_too_large",
                format!(
                    "input is {chars} characters; this server takes at most {max_input_chars}: \
                     split the text into several requests"
                ),
            )
            .with_param("input"));
        }
        let format = match body.response_format.as_deref() {
            None => AudioFormat::Mp3,
            Some(name) => AudioFormat::parse(name).ok_or_else(|| {
                ApiError::invalid(
                    "response_format",
                    "invalid_value",
                    format!(
                        "response_format {name:?} is not one of mp3, opus, aac, flac, wav, pcm; \
                         this server encodes: {}",
                        AudioFormat::available_list()
                    ),
                )
            })?,
        };
        if !format.is_available() {
            return Err(ApiError::invalid(
                "response_format",
                "unsupported_format",
                format!(
                    "response_format {format} is not available in this server; use one of: {}",
                    AudioFormat::available_list()
                ),
            ));
        }
        let speed = body.speed.unwrap_or(1.0);
        if !(SPEED_RANGE.0..=SPEED_RANGE.1).contains(&speed) {
            return Err(ApiError::invalid(
                "speed",
                "invalid_value",
                format!(
                    "speed {speed} is outside 0.25 to 4.0 (Kokoro speaks 0.5 to 2.0 and clamps \
                     to it): give a speed in that range"
                ),
            ));
        }
        if let Some(sf) = body.stream_format.as_deref()
            && sf != "audio"
        {
            return Err(ApiError::invalid(
                "stream_format",
                "unsupported_value",
                format!(
                    "stream_format {sf:?} is not supported; use \"audio\" (raw audio bytes) or leave it out"
                ),
            ));
        }
        let mut request = Request::text(input).with_speed(speed as f32);
        if let Some(voice) = body.voice.as_deref().map(str::trim)
            && !voice.is_empty()
        {
            request = request.with_voice(kokoro_voice(voice));
        }
        if let Some(code) = body.lang.as_deref() {
            let lang = tts_pipeline::parse_lang(code)
                .map_err(|e| ApiError::invalid("lang", "invalid_value", e.report()))?;
            request = request.with_lang(lang);
        }
        Ok(Self {
            request,
            format,
            stream: body.stream.unwrap_or(false) || body.stream_format.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    fn parse(json: &str) -> Result<Speech, ApiError> {
        Speech::parse(json.as_bytes(), 100)
    }

    #[test]
    fn openais_request_parses_with_mp3_by_default() {
        let s = parse(r#"{"model":"tts-1","input":"Hello.","voice":"alloy"}"#).unwrap();
        assert_eq!(s.format, AudioFormat::Mp3);
        assert!(!s.stream);
        assert_eq!(s.request.voice.as_deref(), Some("af_alloy"));
        assert_eq!(s.request.speed, 1.0);
        let s = parse(
            r#"{"input":"Hi","voice":"af_bella:0.7,am_adam:0.3","response_format":"wav","speed":1.5,"stream":true,"lang":"en-gb"}"#,
        )
        .unwrap();
        assert_eq!(s.format, AudioFormat::Wav);
        assert!(s.stream);
        assert_eq!(s.request.voice.as_deref(), Some("af_bella:0.7,am_adam:0.3"));
        assert_eq!(s.request.speed, 1.5);
        assert!(s.request.lang.is_some());
    }

    #[test]
    fn bad_fields_are_400s_naming_the_field() {
        for (json, param) in [
            (r#"{"input":"","voice":"af_bella"}"#, "input"),
            (r#"{"voice":"af_bella"}"#, "input"),
            (r#"{"input":"Hi","speed":9}"#, "speed"),
            (
                r#"{"input":"Hi","response_format":"ogg"}"#,
                "response_format",
            ),
            (
                r#"{"input":"Hi","response_format":"aac"}"#,
                "response_format",
            ),
            (r#"{"input":"Hi","stream_format":"sse"}"#, "stream_format"),
            (r#"{"input":"Hi","lang":"xx"}"#, "lang"),
            (r#"{"input":5}"#, "body"),
            ("not json", "body"),
        ] {
            let e = parse(json).err().unwrap();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{json}");
            assert_eq!(e.param, Some(param), "{json}");
        }
    }

    #[test]
    fn an_unknown_model_is_a_404_and_a_long_input_a_413() {
        let e = parse(r#"{"model":"whisper-1","input":"Hi"}"#)
            .err()
            .unwrap();
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        assert_eq!(e.code, "model_not_found");
        let long = format!(r#"{{"input":"{}"}}"#, "a".repeat(101));
        let e = parse(&long).err().unwrap();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        let exact = format!(r#"{{"input":"{}"}}"#, "é".repeat(100));
        assert!(parse(&exact).is_ok(), "characters, not bytes");
    }

    #[test]
    fn every_openai_voice_maps_to_a_kokoro_id() {
        for (openai, kokoro) in OPENAI_VOICES {
            assert_eq!(kokoro_voice(openai), kokoro);
            assert!(kokoro.len() > 3 && kokoro.as_bytes()[2] == b'_');
        }
        assert_eq!(kokoro_voice("bf_emma"), "bf_emma");
    }
}
