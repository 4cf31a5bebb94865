//! What a generation produced ([`Generated`]) and its serializable outcome ([`Outcome`]), for
//! callers that must never catch anything (the API layer, the CLI).

use std::path::PathBuf;

use kokoro_model::Language;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::words::WordTiming;

/// What one successful generation produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generated {
    /// Where the WAV file was written.
    pub audio_path: PathBuf,
    /// Its duration in seconds, read back from the file.
    pub duration: f64,
    /// Its sample rate (24,000 for Kokoro).
    pub sample_rate: u32,
    /// The voice (or blend) actually used.
    pub voice: String,
    /// True when the requested voice was replaced by the fallback voice.
    pub voice_fell_back: bool,
    /// The speed actually used, after clamping.
    pub speed: f32,
    /// How many inference calls the text needed.
    pub pieces: usize,
    /// The language spoken (serialized as its code, e.g. `en-us`).
    #[serde(serialize_with = "serialize_code")]
    pub lang: Language,
    /// When each word is spoken, when the request asked for word timings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<WordTiming>>,
    /// Where the captions were written, when the request asked for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captions_path: Option<PathBuf>,
}

fn serialize_code<S: serde::Serializer>(
    lang: &Language,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(lang.code())
}

/// The result of one generation in the shape the API layer expects:
/// `{"success": true, "audio_path": ..., "duration": ..., "sample_rate": 24000, "voice": ...,
/// "lang": "en-us"}` (and `"words": [{"text", "start", "end"}, ...]` when word timings were asked
/// for) or `{"success": false, "error": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether the audio was written.
    pub success: bool,
    /// Where the WAV file is (success only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audio_path: Option<String>,
    /// Its duration in seconds (success only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duration: Option<f64>,
    /// Its sample rate (success only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sample_rate: Option<u32>,
    /// The voice actually used (success only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub voice: Option<String>,
    /// The code of the language spoken, e.g. `en-us` (success only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lang: Option<String>,
    /// When each word is spoken (success only, and only when asked for).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub words: Option<Vec<WordTiming>>,
    /// Where the captions are (success only, and only when asked for).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub captions_path: Option<String>,
    /// What went wrong and what to do (failure only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

impl Outcome {
    /// A failure outcome with `message`.
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            success: false,
            audio_path: None,
            duration: None,
            sample_rate: None,
            voice: None,
            lang: None,
            words: None,
            captions_path: None,
            error: Some(message.into()),
        }
    }

    /// One line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"success":false,"error":"cannot serialize outcome: {e}"}}"#)
        })
    }
}

impl From<Result<Generated>> for Outcome {
    fn from(result: Result<Generated>) -> Self {
        match result {
            Ok(g) => Self {
                success: true,
                audio_path: Some(g.audio_path.display().to_string()),
                duration: Some(g.duration),
                sample_rate: Some(g.sample_rate),
                voice: Some(g.voice),
                lang: Some(g.lang.code().to_string()),
                words: g.words,
                captions_path: g.captions_path.map(|p| p.display().to_string()),
                error: None,
            },
            Err(e) => Self::failure(e.report()),
        }
    }
}
