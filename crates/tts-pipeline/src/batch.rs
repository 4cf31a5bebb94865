//! Many segments of one project at once: the `segments` job.

use serde::{Deserialize, Serialize};

use crate::outcome::{Generated, Outcome};
use crate::request::Request;

/// A project's segments to narrate, as the API layer sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectRequest {
    /// The project id (a UUID or slug).
    pub project_id: String,
    /// The segments, in story order.
    pub segments: Vec<SegmentRequest>,
}

/// One segment of a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRequest {
    /// The segment id (a UUID or slug); it names the WAV file.
    pub id: String,
    /// The text to speak.
    pub text: String,
    /// The voice (default: the engine's default voice).
    #[serde(default)]
    pub voice: Option<String>,
    /// The speed (default 1.0).
    #[serde(default)]
    pub speed: Option<f32>,
    /// The language spoken, as a code (`es`, `fr-fr`, `zh`, ...; default: the voice's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

impl SegmentRequest {
    /// The engine's request for this segment: its text, voice, speed (default 1.0) and language
    /// (default: the voice's). Errors: [`crate::ErrorKind::UnknownLanguage`] for a `lang` that
    /// names no language.
    pub fn request(&self) -> crate::Result<Request> {
        let mut request = Request {
            voice: self.voice.clone(),
            ..Request::text(self.text.as_str()).with_speed(self.speed.unwrap_or(1.0))
        };
        if let Some(code) = &self.lang {
            request = request.with_lang(crate::parse_lang(code)?);
        }
        Ok(request)
    }
}

/// The outcome of one segment: its id, the usual [`Outcome`] fields and, on success, the URL the
/// file is served at.
///
/// `{"segment_id": "s1", "success": true, "audio_path": "media/projects/p/audio/s1.wav",
/// "duration": 2.1, "sample_rate": 24000, "voice": "af_bella",
/// "audio_url": "/media/projects/p/audio/s1.wav"}`, or
/// `{"segment_id": "s1", "success": false, "error": "..."}` (see the README's outcome schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentOutcome {
    /// The segment's id.
    pub segment_id: String,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Where the file is served: [`MediaLayout::audio_url`](wav_store::MediaLayout::audio_url)
    /// of the project and segment (success only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audio_url: Option<String>,
    /// Where the captions are served, next to the audio (success with captions only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub captions_url: Option<String>,
}

/// What every segment of a batch asks for beyond its own request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SegmentOptions {
    /// Return each segment's word timings (`words`).
    pub word_timings: bool,
    /// Write each segment's captions next to its WAV file.
    pub captions: Option<crate::captions::CaptionFormat>,
    /// How many segments to generate at once, on as many worker threads (at least 1); `None`:
    /// the engine's default ([`EngineParts::default_workers`](crate::EngineParts::default_workers)).
    pub workers: Option<usize>,
}

impl SegmentOptions {
    /// Word timings on or off.
    #[must_use]
    pub fn with_word_timings(mut self, on: bool) -> Self {
        self.word_timings = on;
        self
    }

    /// Captions in `format`, or none.
    #[must_use]
    pub fn with_captions(mut self, format: Option<crate::captions::CaptionFormat>) -> Self {
        self.captions = format;
        self
    }

    /// `workers` segments at once (at least 1), instead of the engine's default.
    #[must_use]
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }
}

impl SegmentOutcome {
    /// The outcome of segment `segment_id` of `project_id` generated under `layout`: on success
    /// it carries the segment's `audio_url`.
    pub fn new(
        layout: &wav_store::MediaLayout,
        project_id: &str,
        segment_id: &str,
        result: crate::Result<Generated>,
    ) -> Self {
        let audio_url = match &result {
            Ok(_) => layout.audio_url(project_id, segment_id).ok(),
            Err(_) => None,
        };
        // The captions sit next to the WAV file: the same URL with their extension.
        let captions_url = match (&result, &audio_url) {
            (Ok(g), Some(url)) => g.captions_path.as_ref().and_then(|p| {
                let ext = p.extension()?.to_str()?;
                Some(format!("{}.{ext}", url.strip_suffix(".wav")?))
            }),
            _ => None,
        };
        Self {
            segment_id: segment_id.to_string(),
            outcome: Outcome::from(result),
            audio_url,
            captions_url,
        }
    }

    /// A failure outcome for segment `segment_id` (no URL).
    pub fn failure(segment_id: &str, message: impl Into<String>) -> Self {
        Self {
            segment_id: segment_id.to_string(),
            outcome: Outcome::failure(message),
            audio_url: None,
            captions_url: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Language};

    #[test]
    fn a_segments_lang_is_read_and_an_unknown_one_is_refused() {
        let segments: ProjectRequest = serde_json::from_str(
            r#"{"project_id": "p", "segments": [
                {"id": "a", "text": "Hola.", "voice": "ef_dora"},
                {"id": "b", "text": "Hello.", "voice": "ef_dora", "lang": "en-us"},
                {"id": "c", "text": "Hello.", "lang": "klingon"}
            ]}"#,
        )
        .unwrap();
        let requests: Vec<_> = segments
            .segments
            .iter()
            .map(SegmentRequest::request)
            .collect();
        assert_eq!(requests[0].as_ref().unwrap().lang, None);
        assert_eq!(
            requests[1].as_ref().unwrap().lang,
            Some(Language::EnglishUs)
        );
        let err = requests[2].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownLanguage);
        assert!(err.is_invalid_input());
        assert!(err.to_string().contains("klingon"), "{err}");
        // Written back without `lang` where there is none.
        let json = serde_json::to_string(&segments.segments[0]).unwrap();
        assert!(!json.contains("lang"), "{json}");
    }
}
