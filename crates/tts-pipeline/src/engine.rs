//! The engine: validation, tokenization, inference per piece, joining, normalization and the atomic save.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Frontend, Pause, Synthesizer, Voices};

/// The slowest speed the engine uses; slower requests are clamped to it.
pub const MIN_SPEED: f32 = 0.5;
/// The fastest speed the engine uses; faster requests are clamped to it.
pub const MAX_SPEED: f32 = 2.0;
/// The largest text accepted in one call, in bytes (long stories are fine; this only bounds abuse).
pub const DEFAULT_MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// Tunable behaviour of an [`Engine`].
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Target peak level in dBFS of every file (default -1.0).
    pub target_dbfs: f32,
    /// Pause after a sentence, in seconds.
    pub sentence_pause: f32,
    /// Pause after a clause (comma, semicolon, colon, dash), in seconds.
    pub clause_pause: f32,
    /// Pause at a forced split between words, in seconds.
    pub word_pause: f32,
    /// Silence kept (or added) at the start and the end of every file, in seconds, so that segments
    /// concatenate naturally in a video.
    pub edge_margin: f32,
    /// Amplitude under which leading and trailing samples of a piece count as silence.
    pub silence_threshold: f32,
    /// Largest accepted text, in bytes.
    pub max_text_bytes: usize,
    /// Sample format of the written files.
    pub format: wav_store::SampleFormat,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            target_dbfs: audio_dsp::DEFAULT_TARGET_DBFS,
            sentence_pause: 0.40,
            clause_pause: 0.20,
            word_pause: 0.06,
            edge_margin: 0.05,
            silence_threshold: 0.01,
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
            format: wav_store::SampleFormat::Float32,
        }
    }
}

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
}

/// Audio in memory, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthesized {
    /// Mono samples, peak-normalized.
    pub samples: Vec<f32>,
    /// Their sample rate.
    pub sample_rate: u32,
    /// The voice actually used.
    pub voice: String,
    /// True when the requested voice was replaced by the fallback voice.
    pub voice_fell_back: bool,
    /// The speed actually used, after clamping.
    pub speed: f32,
    /// How many inference calls the text needed.
    pub pieces: usize,
}

/// The text-to-speech engine: a front end, voices and a synthesizer behind the crate's traits.
///
/// Cheap to share: clone the `Arc`s or wrap the engine in one; every method takes `&self` and is
/// safe to call from many threads at once.
pub struct Engine {
    frontend: Arc<dyn Frontend>,
    phoneme_frontend: Option<Arc<dyn Frontend>>,
    voices: Arc<dyn Voices>,
    synth: Arc<dyn Synthesizer>,
    options: EngineOptions,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

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

impl Engine {
    /// An engine from its three parts and default options.
    pub fn new(
        frontend: Arc<dyn Frontend>,
        voices: Arc<dyn Voices>,
        synth: Arc<dyn Synthesizer>,
    ) -> Self {
        Self {
            frontend,
            phoneme_frontend: None,
            voices,
            synth,
            options: EngineOptions::default(),
        }
    }

    /// Replaces the options.
    #[must_use]
    pub fn with_options(mut self, options: EngineOptions) -> Self {
        self.options = options;
        self
    }

    /// Adds the front end used by [`Engine::synthesize_phonemes`]: it takes phonemes, not text.
    #[must_use]
    pub fn with_phoneme_frontend(mut self, frontend: Arc<dyn Frontend>) -> Self {
        self.phoneme_frontend = Some(frontend);
        self
    }

    /// The options in use.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The front end in use (for `info`).
    pub fn frontend(&self) -> &dyn Frontend {
        self.frontend.as_ref()
    }

    /// Synthesizes `text` into peak-normalized samples without writing anything.
    ///
    /// `voice` is validated with fallback (`None`, empty or unknown ids use the default voice);
    /// `speed` must be finite and is clamped to 0.5..=2.0.
    pub fn synthesize(&self, text: &str, voice: Option<&str>, speed: f32) -> Result<Synthesized> {
        self.synthesize_with(self.frontend.as_ref(), text, voice, speed)
    }

    /// Like [`Engine::synthesize`], but `phonemes` are Kokoro phonemes (misaki symbols), spoken as
    /// given: no normalization, no G2P. Symbols outside the vocabulary are dropped.
    pub fn synthesize_phonemes(
        &self,
        phonemes: &str,
        voice: Option<&str>,
        speed: f32,
    ) -> Result<Synthesized> {
        let frontend = self.phoneme_frontend.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "this engine has no phoneme front end: build it with `Engine::open` or `with_phoneme_frontend`",
            )
        })?;
        self.synthesize_with(frontend, phonemes, voice, speed)
    }

    fn synthesize_with(
        &self,
        frontend: &dyn Frontend,
        text: &str,
        voice: Option<&str>,
        speed: f32,
    ) -> Result<Synthesized> {
        validate_text(text, self.options.max_text_bytes)?;
        let speed = validate_speed(speed)?;
        let choice = self.voices.resolve(voice)?;
        let pieces = frontend.pieces(text, &choice.voice)?;
        if pieces.is_empty() {
            return Err(Error::new(
                ErrorKind::NothingToSay,
                "the text holds nothing that can be spoken: give it some words",
            ));
        }
        let rate = self.synth.sample_rate();
        let opts = &self.options;
        let margin = audio_dsp::pause_samples(opts.edge_margin, rate);
        let fade = audio_dsp::DEFAULT_FADE_SAMPLES;

        let mut chunks: Vec<Vec<f32>> = Vec::with_capacity(pieces.len());
        let mut pauses: Vec<usize> = Vec::with_capacity(pieces.len());
        let mut prev_pause = Pause::None;
        for (i, piece) in pieces.iter().enumerate() {
            let style = self.voices.style(&choice.voice, piece.ids.len())?;
            let audio = self.synth.synthesize(&piece.ids, &style, speed)?;
            if let Some(pos) = audio.iter().position(|s| !s.is_finite()) {
                return Err(Error::new(
                    ErrorKind::Inference,
                    format!(
                        "the model returned a non-finite sample at {pos} for piece {i}: check the model file with `cargo xtask verify-model`"
                    ),
                ));
            }
            // Keep a few milliseconds of the model's own onset/decay; the pauses below are ours.
            let trimmed = audio_dsp::trim_silence(&audio, opts.silence_threshold, fade.min(margin));
            if trimmed.is_empty() {
                tracing::debug!(piece = i, text = %piece.text, "piece produced only silence");
                continue;
            }
            if !chunks.is_empty() {
                pauses.push(audio_dsp::pause_samples(
                    self.pause_seconds(prev_pause),
                    rate,
                ));
            }
            chunks.push(trimmed.to_vec());
            prev_pause = piece.pause_after;
        }
        if chunks.is_empty() {
            return Err(Error::new(
                ErrorKind::Inference,
                "the model produced only silence for this text: check the model and voice files with `cargo xtask verify-model`",
            ));
        }
        let views: Vec<&[f32]> = chunks.iter().map(Vec::as_slice).collect();
        let joined = audio_dsp::join_with_pauses(&views, &pauses, fade)
            .map_err(|e| Error::wrap(ErrorKind::Audio, e))?;
        drop(chunks);
        let mut padded = Vec::with_capacity(joined.len() + 2 * margin);
        padded.resize(margin, 0.0);
        padded.extend_from_slice(&joined);
        padded.resize(padded.len() + margin, 0.0);
        let samples = audio_dsp::normalize_peak(&padded, opts.target_dbfs)
            .map_err(|e| Error::wrap(ErrorKind::Audio, e))?;
        Ok(Synthesized {
            samples,
            sample_rate: rate,
            voice: choice.voice,
            voice_fell_back: choice.fell_back,
            speed,
            pieces: pieces.len(),
        })
    }

    fn pause_seconds(&self, pause: Pause) -> f32 {
        match pause {
            Pause::Sentence => self.options.sentence_pause,
            Pause::Clause => self.options.clause_pause,
            Pause::Word | Pause::None => self.options.word_pause,
        }
    }

    /// Synthesizes `text` and writes it atomically to `output` as a 24 kHz mono WAV.
    ///
    /// A failure at any step leaves an existing file at `output` untouched. The duration is read
    /// back from the written file.
    pub fn generate_audio(
        &self,
        text: &str,
        voice: Option<&str>,
        speed: f32,
        output: &Path,
    ) -> Result<Generated> {
        let audio = self.synthesize(text, voice, speed)?;
        self.save(audio, output)
    }

    /// Like [`Engine::generate_audio`], but speaks the given Kokoro `phonemes` (see
    /// [`Engine::synthesize_phonemes`]).
    pub fn generate_audio_from_phonemes(
        &self,
        phonemes: &str,
        voice: Option<&str>,
        speed: f32,
        output: &Path,
    ) -> Result<Generated> {
        let audio = self.synthesize_phonemes(phonemes, voice, speed)?;
        self.save(audio, output)
    }

    /// Writes synthesized audio atomically to `output` and reads its duration back.
    pub fn save(&self, audio: Synthesized, output: &Path) -> Result<Generated> {
        let options = wav_store::WavOptions {
            sample_rate: audio.sample_rate,
            format: self.options.format,
        };
        wav_store::write_wav(output, &audio.samples, &options)
            .map_err(|e| Error::wrap(ErrorKind::Storage, e))?;
        let info =
            wav_store::validate_wav(output).map_err(|e| Error::wrap(ErrorKind::Storage, e))?;
        tracing::info!(
            path = %output.display(),
            duration = info.duration_seconds,
            voice = %audio.voice,
            pieces = audio.pieces,
            "audio written"
        );
        Ok(Generated {
            audio_path: output.to_path_buf(),
            duration: info.duration_seconds,
            sample_rate: info.sample_rate,
            voice: audio.voice,
            voice_fell_back: audio.voice_fell_back,
            speed: audio.speed,
            pieces: audio.pieces,
        })
    }

    /// Generates the audio of one story segment at its deterministic path under `layout`:
    /// `{media_root}/projects/{project_id}/audio/{segment_id}.wav`.
    pub fn generate_segment(
        &self,
        layout: &wav_store::MediaLayout,
        project_id: &str,
        segment_id: &str,
        text: &str,
        voice: Option<&str>,
        speed: f32,
    ) -> Result<Generated> {
        let path = layout
            .audio_path(project_id, segment_id)
            .map_err(|e| Error::wrap(ErrorKind::InvalidId, e))?;
        self.generate_audio(text, voice, speed, &path)
    }
}
