//! The engine: validation, tokenization, inference per piece, joining, normalization and the atomic save.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Frontend, Pause, Synthesizer, TextPiece, VoiceChoice, Voices};

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
    workers: usize,
    /// Generations synthesizing right now, on any thread (the synthesizer's concurrency hint).
    active: AtomicUsize,
}

/// Counts one generation in `Engine::active` while it lives.
struct Active<'a>(&'a AtomicUsize);

impl<'a> Active<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
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
            workers: 1,
            active: AtomicUsize::new(0),
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

    /// Sets how many segments [`Engine::generate_segments`] callers should run at once by default
    /// (see [`Engine::default_workers`]); at least 1.
    #[must_use]
    pub fn with_default_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How many segments to generate at once by default: 1 for an engine built by hand, the
    /// session pool's size for one built by `Engine::open`.
    pub fn default_workers(&self) -> usize {
        self.workers
    }

    /// The options in use.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The front end in use (for `info`).
    pub fn frontend(&self) -> &dyn Frontend {
        self.frontend.as_ref()
    }

    /// The voice a request for `voice` would use, with the fallback of [`Engine::generate_audio`]
    /// (`None`, empty or unknown ids give the default voice); loads no voice pack.
    pub fn resolve_voice(&self, voice: Option<&str>) -> Result<VoiceChoice> {
        self.voices.resolve(voice)
    }

    /// Synthesizes `text` into peak-normalized samples without writing anything.
    ///
    /// `voice` is validated with fallback (`None`, empty or unknown ids use the default voice);
    /// `speed` must be finite and is clamped to 0.5..=2.0.
    pub fn synthesize(&self, text: &str, voice: Option<&str>, speed: f32) -> Result<Synthesized> {
        log_failure(
            self.synthesize_with(self.frontend.as_ref(), text, voice, speed),
            None,
        )
    }

    /// Like [`Engine::synthesize`], but `phonemes` are Kokoro phonemes (misaki symbols), spoken as
    /// given: no normalization, no G2P. Symbols outside the vocabulary are dropped.
    pub fn synthesize_phonemes(
        &self,
        phonemes: &str,
        voice: Option<&str>,
        speed: f32,
    ) -> Result<Synthesized> {
        let result = self
            .phoneme_frontend()
            .and_then(|frontend| self.synthesize_with(frontend, phonemes, voice, speed));
        log_failure(result, None)
    }

    fn phoneme_frontend(&self) -> Result<&dyn Frontend> {
        self.phoneme_frontend.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "this engine has no phoneme front end: build it with `Engine::open` or `with_phoneme_frontend`",
            )
        })
    }

    fn synthesize_with(
        &self,
        frontend: &dyn Frontend,
        text: &str,
        voice: Option<&str>,
        speed: f32,
    ) -> Result<Synthesized> {
        let (speed, choice, pieces) = self.prepare(frontend, text, voice, speed)?;
        let rate = self.synth.sample_rate();
        let opts = &self.options;
        let margin = audio_dsp::pause_samples(opts.edge_margin, rate);
        let fade = audio_dsp::DEFAULT_FADE_SAMPLES;

        let mut chunks: Vec<Vec<f32>> = Vec::with_capacity(pieces.len());
        let mut pauses: Vec<usize> = Vec::with_capacity(pieces.len());
        let mut prev_pause = Pause::None;
        self.for_each_chunk(&pieces, &choice.voice, speed, |trimmed, pause_after| {
            if !chunks.is_empty() {
                pauses.push(audio_dsp::pause_samples(
                    self.pause_seconds(prev_pause),
                    rate,
                ));
            }
            chunks.push(trimmed.to_vec());
            prev_pause = pause_after;
            Ok(())
        })?;
        if chunks.is_empty() {
            return Err(only_silence());
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

    /// Validates the request and splits the text: the steps before any inference.
    fn prepare(
        &self,
        frontend: &dyn Frontend,
        text: &str,
        voice: Option<&str>,
        speed: f32,
    ) -> Result<(f32, VoiceChoice, Vec<TextPiece>)> {
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
        Ok((speed, choice, pieces))
    }

    /// Synthesizes every piece in order and hands `sink` its audio, trimmed of silence (keeping a
    /// few milliseconds of the model's own onset and decay), with the pause that follows it.
    /// Pieces that are only silence are skipped. At most one piece's audio is held at a time.
    fn for_each_chunk(
        &self,
        pieces: &[TextPiece],
        voice: &str,
        speed: f32,
        mut sink: impl FnMut(&[f32], Pause) -> Result<()>,
    ) -> Result<()> {
        let opts = &self.options;
        let margin = audio_dsp::pause_samples(opts.edge_margin, self.synth.sample_rate());
        let keep = audio_dsp::DEFAULT_FADE_SAMPLES.min(margin);
        let _active = Active::enter(&self.active);
        for (i, piece) in pieces.iter().enumerate() {
            let style = self.voices.style(voice, piece.ids.len())?;
            let callers = self.active.load(Ordering::Relaxed);
            let audio = self
                .synth
                .synthesize_among(&piece.ids, &style, speed, callers)?;
            if let Some(pos) = audio.iter().position(|s| !s.is_finite()) {
                return Err(Error::new(
                    ErrorKind::Inference,
                    format!(
                        "the model returned a non-finite sample at {pos} for piece {i}: check the model file with `cargo xtask verify-model`"
                    ),
                ));
            }
            let trimmed = audio_dsp::trim_silence(&audio, opts.silence_threshold, keep);
            if trimmed.is_empty() {
                tracing::debug!(piece = i, text = %piece.text, "piece produced only silence");
                continue;
            }
            sink(trimmed, piece.pause_after)?;
        }
        Ok(())
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
    ///
    /// Memory stays bounded by the longest piece, not the whole text: each piece's audio is
    /// trimmed, faded and joined straight into a scratch file next to `output` while the peak is
    /// tracked; a second pass streams it back, scales it to the target peak and writes the final
    /// temporary file, which is decoded and renamed over `output`. The samples equal those of
    /// [`Engine::synthesize`] for the same request.
    pub fn generate_audio(
        &self,
        text: &str,
        voice: Option<&str>,
        speed: f32,
        output: &Path,
    ) -> Result<Generated> {
        log_failure(
            self.generate_with(self.frontend.as_ref(), text, voice, speed, output),
            Some(output),
        )
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
        let result = self
            .phoneme_frontend()
            .and_then(|frontend| self.generate_with(frontend, phonemes, voice, speed, output));
        log_failure(result, Some(output))
    }

    /// The streaming implementation of [`Engine::generate_audio`].
    fn generate_with(
        &self,
        frontend: &dyn Frontend,
        text: &str,
        voice: Option<&str>,
        speed: f32,
        output: &Path,
    ) -> Result<Generated> {
        let (speed, choice, pieces) = self.prepare(frontend, text, voice, speed)?;
        let opts = &self.options;
        let rate = self.synth.sample_rate();
        let target = peak_target(opts.target_dbfs)?;
        let wav_options = wav_store::WavOptions {
            sample_rate: rate,
            format: opts.format,
        };
        // Both temporary files are made before any inference, so that an unusable output path
        // fails fast; each removes itself on any error below.
        let mut writer =
            wav_store::WavStreamWriter::create(output, &wav_options).map_err(storage)?;
        let spool = wav_store::SampleSpool::create_next_to(output).map_err(storage)?;

        // Pass 1: pieces, trimmed, faded, with pauses and edge margins, into the spool.
        let margin = audio_dsp::pause_samples(opts.edge_margin, rate);
        let mut joiner = StreamJoiner::new(spool, audio_dsp::DEFAULT_FADE_SAMPLES);
        joiner.silence(margin)?;
        self.for_each_chunk(&pieces, &choice.voice, speed, |trimmed, pause_after| {
            let pause = audio_dsp::pause_samples(self.pause_seconds(joiner.prev_pause), rate);
            joiner.push(trimmed, pause, pause_after)
        })?;
        if !joiner.has_audio() {
            return Err(only_silence());
        }
        let (spool, peak) = joiner.finish(margin)?;

        // Pass 2: scale to the target peak (as `audio_dsp::normalize_peak` does) into the WAV.
        let mut reader = spool.into_reader().map_err(storage)?;
        let mut block = Vec::with_capacity(STREAM_BLOCK);
        while reader
            .read_block(&mut block, STREAM_BLOCK)
            .map_err(storage)?
            > 0
        {
            if peak > 0.0 {
                for x in &mut block {
                    *x = (f64::from(*x) / peak * target) as f32;
                }
            }
            writer.write(&block).map_err(storage)?;
        }
        drop(reader);
        let info = writer.commit().map_err(storage)?;
        tracing::info!(
            path = %output.display(),
            duration = info.duration_seconds,
            voice = %choice.voice,
            pieces = pieces.len(),
            "audio written"
        );
        Ok(Generated {
            audio_path: output.to_path_buf(),
            duration: info.duration_seconds,
            sample_rate: info.sample_rate,
            voice: choice.voice,
            voice_fell_back: choice.fell_back,
            speed,
            pieces: pieces.len(),
        })
    }

    /// Writes synthesized audio atomically to `output` and reads its duration back.
    pub fn save(&self, audio: Synthesized, output: &Path) -> Result<Generated> {
        log_failure(self.save_unlogged(audio, output), Some(output))
    }

    fn save_unlogged(&self, audio: Synthesized, output: &Path) -> Result<Generated> {
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
        // `generate_audio` logs its own failures; only the id check is logged here.
        let path = log_failure(
            layout
                .audio_path(project_id, segment_id)
                .map_err(|e| Error::wrap(ErrorKind::InvalidId, e)),
            None,
        )?;
        self.generate_audio(text, voice, speed, &path)
    }
}

/// Logs a failed generation once, at error level, with its kind and cause (the message carries
/// the whole chain of causes); successes are logged at info level where the file is written.
/// Every public generation method of [`Engine`] passes its result through here exactly once.
fn log_failure<T>(result: Result<T>, output: Option<&Path>) -> Result<T> {
    if let Err(e) = &result {
        match output {
            Some(path) => tracing::error!(
                kind = ?e.kind(),
                output = %path.display(),
                "generation failed: {e}"
            ),
            None => tracing::error!(kind = ?e.kind(), "generation failed: {e}"),
        }
    }
    result
}

/// Samples per block in the streaming passes.
const STREAM_BLOCK: usize = 16 * 1024;

fn storage(e: wav_store::WavError) -> Error {
    Error::wrap(ErrorKind::Storage, e)
}

fn only_silence() -> Error {
    Error::new(
        ErrorKind::Inference,
        "the model produced only silence for this text: check the model and voice files with `cargo xtask verify-model`",
    )
}

/// The amplitude of a peak level in dBFS, in f64 as `audio_dsp::normalize_peak` computes it.
fn peak_target(dbfs: f32) -> Result<f64> {
    if !dbfs.is_finite() || dbfs > 0.0 {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "peak target {dbfs} dBFS is invalid: use a finite level at or below 0 dBFS (the default is {})",
                audio_dsp::DEFAULT_TARGET_DBFS
            ),
        ));
    }
    Ok(10f64.powf(f64::from(dbfs) / 20.0))
}

/// `audio_dsp::join_with_pauses`, one chunk at a time into a spool.
///
/// A chunk fades in unless it is the first and fades out unless it is the last; whether it is the
/// last is known only when the next one arrives, so one chunk is held back.
struct StreamJoiner {
    spool: wav_store::SampleSpool,
    fade: usize,
    /// The chunk held back, and whether it is the first.
    pending: Option<(Vec<f32>, bool)>,
    /// The pause that ended the last chunk pushed.
    prev_pause: Pause,
    peak: f64,
}

impl StreamJoiner {
    fn new(spool: wav_store::SampleSpool, fade: usize) -> Self {
        Self {
            spool,
            fade,
            pending: None,
            prev_pause: Pause::None,
            peak: 0.0,
        }
    }

    fn has_audio(&self) -> bool {
        self.pending.is_some()
    }

    /// Adds `chunk`; `pause` is the silence between the previous chunk and this one.
    fn push(&mut self, chunk: &[f32], pause: usize, pause_after: Pause) -> Result<()> {
        let first = match self.pending.take() {
            Some((prev, prev_first)) => {
                self.emit(&prev, !prev_first, true)?;
                self.silence(pause)?;
                false
            }
            None => true,
        };
        self.pending = Some((chunk.to_vec(), first));
        self.prev_pause = pause_after;
        Ok(())
    }

    /// Writes the last chunk (not faded out) and the trailing margin; returns the spool and the
    /// peak of everything written.
    fn finish(mut self, margin: usize) -> Result<(wav_store::SampleSpool, f64)> {
        if let Some((last, first)) = self.pending.take() {
            self.emit(&last, !first, false)?;
        }
        self.silence(margin)?;
        Ok((self.spool, self.peak))
    }

    fn emit(&mut self, chunk: &[f32], fade_in: bool, fade_out: bool) -> Result<()> {
        // join_with_pauses fades a chunk in when one precedes it and out when one follows it;
        // empty neighbours give exactly those fades and nothing else.
        let empty: &[f32] = &[];
        let chunks: &[&[f32]] = match (fade_in, fade_out) {
            (true, true) => &[empty, chunk, empty],
            (true, false) => &[empty, chunk],
            (false, true) => &[chunk, empty],
            (false, false) => &[chunk],
        };
        let pauses = vec![0; chunks.len() - 1];
        let faded = audio_dsp::join_with_pauses(chunks, &pauses, self.fade)
            .map_err(|e| Error::wrap(ErrorKind::Audio, e))?;
        self.peak = faded
            .iter()
            .fold(self.peak, |acc, &x| acc.max(f64::from(x).abs()));
        self.spool.push(&faded).map_err(storage)
    }

    fn silence(&mut self, n: usize) -> Result<()> {
        const ZEROS: [f32; 4096] = [0.0; 4096];
        let mut left = n;
        while left > 0 {
            let k = left.min(ZEROS.len());
            self.spool.push(&ZEROS[..k]).map_err(storage)?;
            left -= k;
        }
        Ok(())
    }
}
