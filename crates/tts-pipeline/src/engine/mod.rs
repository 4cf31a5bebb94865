//! The engine: its options, its parts, and `impl Engine`, the one façade over the pipeline's
//! stages. Each stage is a type or free function of its own module, testable alone:
//!
//! 1. [`plan`]: a request checked and its text split into pieces, the voice resolved once: a
//!    `Plan`, from the request, a front end and the voices;
//! 2. [`assemble`]: the plan rendered piece by piece (`Renderer`) and joined (`Assembler`);
//! 3. delivery: in memory ([`Engine::synthesize`]), a WAV file ([`save`]) or a stream of chunks
//!    ([`stream`]).

mod assemble;
mod batch;
mod open;
mod plan;
mod save;
mod stream;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kokoro_model::Language;

use crate::batch::{ProjectRequest, SegmentOptions, SegmentOutcome};
use crate::config::{EngineConfig, EngineOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::outcome::Generated;
use crate::request::{Input, Request};
use crate::traits::{Frontend, Synthesizer, VoiceChoice, Voices};
use crate::words::WordTiming;

use plan::Plan;

pub use plan::{DEFAULT_MAX_TEXT_BYTES, MAX_SPEED, MIN_SPEED, validate_speed, validate_text};
pub use save::save_samples;
pub use stream::{AudioStream, StreamChunk};

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
    /// The language spoken.
    pub lang: Language,
    /// When each word is spoken, when the request asked for word timings.
    pub words: Option<Vec<WordTiming>>,
}

/// What a generation spoke: the fields that [`Synthesized`] and [`Generated`] share beside the
/// audio.
struct Spoken {
    voice: String,
    voice_fell_back: bool,
    speed: f32,
    pieces: usize,
    lang: Language,
    words: Option<Vec<WordTiming>>,
}

/// Moves the fields that [`Spoken`], [`Synthesized`] and [`Generated`] share out of `$value`, a
/// `$from`, into a new `$to` whose other fields are given: the one place that spells them out.
macro_rules! move_spoken {
    ($value:expr, $from:ident => $to:ident { $($field:ident $(: $given:expr)?),* $(,)? }) => {{
        let $from { voice, voice_fell_back, speed, pieces, lang, words, .. } = $value;
        $to { $($field $(: $given)?,)* voice, voice_fell_back, speed, pieces, lang, words }
    }};
}

impl Spoken {
    /// What the checked `request` speaks.
    fn of(request: Plan, words: Option<Vec<WordTiming>>) -> Self {
        Self {
            voice: request.voice.name().to_owned(),
            voice_fell_back: request.voice.fell_back(),
            speed: request.speed,
            pieces: request.pieces.len(),
            lang: request.lang,
            words,
        }
    }

    /// The audio in memory that spoke this.
    fn into_synthesized(self, samples: Vec<f32>, sample_rate: u32) -> Synthesized {
        move_spoken!(self, Spoken => Synthesized { samples, sample_rate })
    }

    /// The file `output`, read back as `info`, that speaks this.
    fn into_generated(self, output: &Path, info: &wav_store::WavInfo) -> Generated {
        move_spoken!(
            self,
            Spoken => Generated {
                audio_path: output.to_path_buf(),
                duration: info.duration_seconds,
                sample_rate: info.sample_rate,
                captions_path: None,
            }
        )
    }
}

impl Synthesized {
    /// What this audio speaks.
    fn into_spoken(self) -> Spoken {
        move_spoken!(self, Synthesized => Spoken {})
    }
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
    /// Generations synthesizing right now, on any thread (the synthesizer's concurrency hint);
    /// shared with the streams, which count themselves while they render a piece.
    pub(crate) active: Arc<AtomicUsize>,
}

/// Counts one generation (or a batch's other workers) in `Engine::active` while it lives.
pub(crate) struct Active(Arc<AtomicUsize>, usize);

impl Active {
    fn enter(counter: &Arc<AtomicUsize>) -> Self {
        Self::add(counter, 1)
    }

    fn add(counter: &Arc<AtomicUsize>, n: usize) -> Self {
        counter.fetch_add(n, Ordering::Relaxed);
        Self(Arc::clone(counter), n)
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine from its three parts and default options: the front end, the voices and the
    /// synthesizer behind the crate's [`traits`](crate::traits) (fakes in tests; the real ones
    /// are wired by [`Engine::open`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tts_pipeline::traits::{
    ///     Frontend, Pause, Synthesizer, TextPiece, TimedAudio, Voice, VoiceChoice, VoicePack, Voices,
    /// };
    /// use tts_pipeline::{Engine, Language, Request, Result};
    ///
    /// struct Letters; // one piece, one id per letter
    /// impl Frontend for Letters {
    ///     fn pieces(&self, text: &str, _: Language) -> Result<Vec<TextPiece>> {
    ///         let ids = text.chars().filter(|c| c.is_alphabetic()).map(|_| 1).collect();
    ///         Ok(vec![TextPiece { text: text.into(), ids, pause_after: Pause::None, words: vec![] }])
    ///     }
    /// }
    /// struct OneVoice;
    /// impl Voices for OneVoice {
    ///     fn resolve(&self, _: Option<&str>) -> Result<Voice> {
    ///         let rows = VoicePack::from_values("af_test", vec![0.5; 256]).expect("one row");
    ///         let choice = VoiceChoice { voice: "af_test".into(), fell_back: false };
    ///         Ok(Voice::new(choice, Arc::new(rows)))
    ///     }
    /// }
    /// struct Tone; // 600 samples per id
    /// impl Synthesizer for Tone {
    ///     fn synthesize(&self, ids: &[i64], _: &[f32], _: f32, _: usize) -> Result<TimedAudio> {
    ///         let audio = (0..ids.len() * 600).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
    ///         Ok(TimedAudio { audio, frames: Err("no durations".into()) })
    ///     }
    /// }
    ///
    /// let engine = Engine::new(Arc::new(Letters), Arc::new(OneVoice), Arc::new(Tone));
    /// let audio = engine.synthesize(&Request::text("Hello"))?;
    /// assert_eq!((audio.sample_rate, audio.voice.as_str()), (24_000, "af_test"));
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
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
            active: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Replaces the options.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, EngineOptions};
    ///
    /// let options = EngineOptions { sentence_pause: 0.6, ..EngineOptions::default() };
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?.with_options(options);
    /// assert_eq!(engine.options().sentence_pause, 0.6);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    #[must_use]
    pub fn with_options(mut self, options: EngineOptions) -> Self {
        self.options = options;
        self
    }

    /// Adds the front end of [`Request::phonemes`]: it takes phonemes, not text
    /// ([`Engine::open`] adds [`PhonemeFrontend`](crate::adapters::PhonemeFrontend)).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Request};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let audio = engine.synthesize(&Request::phonemes("həlˈoʊ"))?;
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    #[must_use]
    pub fn with_phoneme_frontend(mut self, frontend: Arc<dyn Frontend>) -> Self {
        self.phoneme_frontend = Some(frontend);
        self
    }

    /// Sets how many segments [`Engine::generate_segments`] callers should run at once by default
    /// (see [`Engine::default_workers`]); at least 1.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?.with_default_workers(1);
    /// assert_eq!(engine.default_workers(), 1);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    #[must_use]
    pub fn with_default_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How many segments to generate at once by default: 1 for an engine built by hand, the
    /// session pool's size for one built by `Engine::open`.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// println!("{} segments at once", engine.default_workers());
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn default_workers(&self) -> usize {
        self.workers
    }

    /// The options in use.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// println!("files peak at {} dBFS", engine.options().target_dbfs);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The front end in use (for `info`, or to see how a text is split).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Language};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let pieces = engine.frontend().pieces("Hello. Bye.", Language::EnglishUs)?;
    /// println!("{} inference calls", pieces.len());
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn frontend(&self) -> &dyn Frontend {
        self.frontend.as_ref()
    }

    /// The voice a request for `voice` would use, with the fallback of [`Engine::generate`]
    /// (`None`, empty or unknown ids give the default voice). It loads the voice's pack (the
    /// catalog caches it), so a voice whose pack cannot be read is an error here too.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let choice = engine.resolve_voice(Some("nobody"))?;
    /// assert!(choice.fell_back);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn resolve_voice(&self, voice: Option<&str>) -> Result<VoiceChoice> {
        Ok(self.voices.resolve(voice)?.choice().clone())
    }

    /// The loaded model session of the engine's pool (the one a lone caller uses, loading it if
    /// nothing is loaded yet), for reading the model's contract; an engine not built by
    /// [`Engine::open`] has none ([`ErrorKind::Config`]).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// println!("{}", engine.session()?.model_info());
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn session(&self) -> Result<Arc<kokoro_session::KokoroSession>> {
        self.synth.session()
    }

    /// Waits for the engine's background work (the session preload that [`Engine::open`] starts,
    /// an idle session's arena shrink) and starts no more idle shrinking; the engine stays usable.
    /// Dropping the engine does this. An engine kept until the process exits (one of
    /// [`Engine::shared`], see [`Engine::stop_shared_background`]) should have it called before
    /// exiting: a thread still inside ONNX Runtime while the process exits can crash in the
    /// runtime's own teardown. Nothing to do for an engine built by hand.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// engine.stop_background(); // before the process exits
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn stop_background(&self) {
        self.synth.stop_background();
    }

    /// Synthesizes `request` into peak-normalized samples without writing anything.
    ///
    /// The voice is validated with fallback (`None`, empty or unknown ids use the default voice);
    /// the speed must be finite and is clamped to 0.5..=2.0.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Request};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let audio = engine.synthesize(&Request::text("Hello.").with_voice("af_heart"))?;
    /// println!("{} samples at {} Hz", audio.samples.len(), audio.sample_rate);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn synthesize(&self, request: &Request) -> Result<Synthesized> {
        let result = self.prepare(request).and_then(|plan| in_memory(self, plan));
        log_failure(result, None)
    }

    /// Checks `request` and plans its first sentence now, and returns its audio as a lazy stream
    /// of chunks, one per piece of text: each [`Iterator::next`] renders one piece on the calling
    /// thread (planning the next sentence when it comes to it), so the first chunk comes as soon
    /// as the first piece is rendered, without waiting for the rest of a long text to be read,
    /// and dropping the stream stops the work (nothing runs between two calls, nor after the
    /// drop).
    ///
    /// The checks of [`Engine::generate`] (text, speed, voice, language, the text's script, the
    /// first sentence's pieces) fail here, at once. A failure while rendering, or while planning
    /// a later sentence, is one `Err` item, after which the stream ends.
    /// The stream owns what it needs (`Send + 'static`), so it can move to another thread (a
    /// server's blocking task, a Python generator).
    ///
    /// Pauses, fades and margins are the file's: the chunks, each divided by its
    /// [`gain`](StreamChunk::gain), concatenate to the samples of [`Engine::generate`] before the
    /// file's gain. The level differs: a file is scaled as a whole to the target peak (-1 dBFS),
    /// which a stream cannot know ahead; each chunk is scaled by `target / running peak` (the
    /// loudest sample so far, this chunk's included). So a chunk never clips and never peaks
    /// above the target, and from the loudest piece on the gain equals the file's; before it, a
    /// chunk can be louder than the same samples in the file (measured in `docs/PERFORMANCE.md`).
    /// [`Request::captions`] is ignored (a stream has no file to put captions next to); ask for
    /// word timings and each chunk carries its words.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Request};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let stream = engine.stream(&Request::text("Hello there. How are you?"))?;
    /// let rate = stream.sample_rate();
    /// for chunk in stream {
    ///     let chunk = chunk?;
    ///     println!("piece {}: {} samples at {} s", chunk.piece, chunk.samples.len(),
    ///              chunk.start as f64 / f64::from(rate));
    /// }
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn stream(&self, request: &Request) -> Result<AudioStream> {
        let result = self
            .frontend_for(&request.input)
            .and_then(|frontend| {
                plan::plan_by_parts(
                    request,
                    frontend,
                    self.voices.as_ref(),
                    self.options.max_text_bytes,
                )
            })
            .and_then(|plan| {
                let target = audio_dsp::peak_target(self.options.target_dbfs)
                    .map_err(|e| Error::wrap(ErrorKind::Config, e))?;
                Ok(AudioStream::new(
                    assemble::Renderer::of(self),
                    plan,
                    &self.options,
                    target,
                ))
            });
        log_failure(result, None)
    }

    /// Synthesizes `request` and writes it atomically to `output` as a 24 kHz mono WAV.
    ///
    /// A failure at any step leaves an existing file at `output` untouched. The duration is read
    /// back from the written file.
    ///
    /// Memory stays bounded by the longest piece, not the whole text: each piece's audio is
    /// trimmed, faded and joined straight into a scratch file next to `output` while the peak is
    /// tracked; a second pass streams it back, scales it to the target peak and writes the final
    /// temporary file, which is decoded and renamed over `output`. The samples equal those of
    /// [`Engine::synthesize`] for the same request: both are assembled by the same code, into a
    /// file here and into memory there.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Request};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let done = engine.generate(&Request::text("Hello."), "hello.wav".as_ref())?;
    /// println!("{} s", done.duration);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn generate(&self, request: &Request, output: &Path) -> Result<Generated> {
        let result = self
            .prepare(request)
            .and_then(|plan| save::write(self, plan, output))
            .and_then(|generated| with_captions(request, generated));
        log_failure(result, Some(output))
    }

    /// Speaks `text` with `voice` at `speed` into `output`: [`Engine::generate`] of a
    /// [`Request::text`], for callers that need nothing more.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// engine.generate_audio("Hi.", Some("am_adam"), 1.2, "hi.wav".as_ref())?;
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn generate_audio(
        &self,
        text: &str,
        voice: Option<&str>,
        speed: f32,
        output: &Path,
    ) -> Result<Generated> {
        let request = Request {
            voice: voice.map(str::to_owned),
            ..Request::text(text).with_speed(speed)
        };
        self.generate(&request, output)
    }

    /// Writes synthesized audio atomically to `output` and reads its duration back.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Request};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let audio = engine.synthesize(&Request::text("Hello."))?;
    /// let saved = engine.save(audio, "hello.wav".as_ref())?;
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn save(&self, audio: Synthesized, output: &Path) -> Result<Generated> {
        log_failure(save::save(self, audio, output), Some(output))
    }

    /// Generates the audio of one story segment at its deterministic path under `layout`:
    /// `{media_root}/projects/{project_id}/audio/{segment_id}.wav`.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, MediaLayout, Request};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let layout = MediaLayout::new("media", "/media/");
    /// let done = engine.generate_segment(&layout, "story-1", "seg-1", &Request::text("Once."))?;
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn generate_segment(
        &self,
        layout: &wav_store::MediaLayout,
        project_id: &str,
        segment_id: &str,
        request: &Request,
    ) -> Result<Generated> {
        // `generate` logs its own failures; only the id check is logged here.
        let path = log_failure(
            layout
                .audio_path(project_id, segment_id)
                .map_err(|e| Error::wrap(ErrorKind::InvalidId, e)),
            None,
        )?;
        self.generate(request, &path)
    }

    /// Generates every segment of `request` at its deterministic path under `layout`, using up to
    /// `workers` threads (at least 1), and returns one outcome per segment in the request's order.
    ///
    /// A failing segment never stops the others. `on_done` is called once per finished segment
    /// (from worker threads) with the number finished so far: use it for progress.
    ///
    /// The workers are ordinary callers of the engine: with the real engine ([`Engine::open`])
    /// they run on its session pool, as any thread does
    /// ([`EngineConfig::pool_layout`](crate::EngineConfig::pool_layout)); pass that layout's
    /// `sessions` as `workers` (more workers than sessions only wait for one).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, MediaLayout, ProjectRequest};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let request: ProjectRequest = serde_json::from_str(
    ///     r#"{"project_id": "p", "segments": [{"id": "a", "text": "One."}, {"id": "b", "text": "Two."}]}"#,
    /// ).expect("a project request");
    /// let layout = MediaLayout::new("media", "/media/");
    /// let outcomes = engine.generate_segments(&layout, &request, engine.default_workers(), |n, _| {
    ///     println!("{n} done");
    /// });
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn generate_segments<F>(
        &self,
        layout: &wav_store::MediaLayout,
        request: &ProjectRequest,
        workers: usize,
        on_done: F,
    ) -> Vec<SegmentOutcome>
    where
        F: Fn(usize, &SegmentOutcome) + Sync,
    {
        self.generate_segments_with(layout, request, workers, SegmentOptions::default(), on_done)
    }

    /// [`generate_segments`](Self::generate_segments) with `options` for every segment: word
    /// timings in the outcomes, captions next to the WAV files (`captions_path`, `captions_url`).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, MediaLayout, ProjectRequest, SegmentOptions};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let request: ProjectRequest = serde_json::from_str(
    ///     r#"{"project_id": "p", "segments": [{"id": "a", "text": "One."}]}"#,
    /// ).expect("a project request");
    /// let options = SegmentOptions::default().with_word_timings(true);
    /// let layout = MediaLayout::new("media", "/media/");
    /// let outcomes = engine.generate_segments_with(&layout, &request, 1, options, |_, _| {});
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn generate_segments_with<F>(
        &self,
        layout: &wav_store::MediaLayout,
        request: &ProjectRequest,
        workers: usize,
        options: SegmentOptions,
        on_done: F,
    ) -> Vec<SegmentOutcome>
    where
        F: Fn(usize, &SegmentOutcome) + Sync,
    {
        batch::generate_segments(self, layout, request, workers, options, on_done)
    }

    /// Opens the real engine: finds the model, voices and vocabulary from `config` and wires them.
    ///
    /// Cheap: it checks that the files exist and lists the voices, then returns; the session a
    /// lone caller uses starts loading on a background thread (unless
    /// [`EngineConfig::defer_session_load`]) and the G2P lexicons load on the first generation,
    /// in parallel with it. Sessions for concurrent callers load lazily, one per busy caller, and
    /// all share the model's weights. Missing files are an error that names what is missing,
    /// where the engine looked and the command that fixes it; the first time a model directory is
    /// found incomplete, a warning says so too (see [`check_availability`](crate::health::check_availability)).
    ///
    /// The phoneme vocabulary comes from the model itself: the manifest's `vocab` (for the
    /// manifest's model), else the model's generation from its file name (`kokoro-v0_19.onnx`,
    /// `kokoro-v1.0*.onnx`) or, for a known file, its sha256, else a hexgrad `config.json` next to
    /// it (v1.0), else its contract (this loads the pool's first session, here). When nothing tells, `open`
    /// fails with [`ErrorKind::Config`] and says how to fix it.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn open(config: &EngineConfig) -> Result<Engine> {
        open::open(config)
    }

    /// The engine of `config` shared by the whole process: opened by the first call for a
    /// configuration ([`Engine::open`]) and returned by every later call for an equal one (the
    /// model directory compared as [`EngineConfig::resolved_model_dir`] resolves it), from any
    /// thread; concurrent first calls open it once. A failed open is not kept: the next call
    /// tries again. Engines live until the process ends.
    ///
    /// This is the one process-wide cache of engines (and so of sessions): the Python module and
    /// any other caller that wants "the engine" use it rather than keeping their own.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let config = EngineConfig::with_model_dir("models");
    /// let (a, b) = (Engine::shared(&config)?, Engine::shared(&config)?);
    /// assert!(Arc::ptr_eq(&a, &b));
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn shared(config: &EngineConfig) -> Result<Arc<Engine>> {
        open::shared(config)
    }

    /// The voice an engine of `config` uses for `voice`, never failing: the choice of
    /// [`Engine::shared`]'s [`resolve_voice`](Engine::resolve_voice). When that engine cannot
    /// open (no model), the voices every install has stand in for the catalog: `voice` itself
    /// when it is one of the fallback voices (`kokoro_voices::FALLBACK_ORDER`), else the default
    /// voice, with a warning.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let choice = Engine::resolve_voice_for(&EngineConfig::with_model_dir("models"), Some("af_heart"));
    /// println!("{}", choice.voice);
    /// ```
    pub fn resolve_voice_for(config: &EngineConfig, voice: Option<&str>) -> VoiceChoice {
        open::resolve_voice_for(config, voice)
    }

    /// Stops the background work of every engine of [`Engine::shared`] (see
    /// [`Engine::stop_background`]): for a process about to exit, so that no thread is inside ONNX
    /// Runtime while it does (the Python module calls it from `atexit`). The engines stay usable.
    ///
    /// ```no_run
    /// tts_pipeline::Engine::stop_shared_background(); // before the process exits
    /// ```
    pub fn stop_shared_background() {
        open::stop_shared_background();
    }

    /// How many model sessions this process has loaded so far, every engine's together (for
    /// tests and monitoring).
    ///
    /// ```no_run
    /// println!("{} sessions loaded", tts_pipeline::Engine::sessions_loaded());
    /// ```
    pub fn sessions_loaded() -> usize {
        kokoro_session::load_count()
    }

    /// `request` planned as a whole ([`plan::plan`]) with the front end its input is for.
    pub(crate) fn prepare(&self, request: &Request) -> Result<Plan> {
        let frontend = self.frontend_for(&request.input)?;
        plan::plan(
            request,
            frontend.as_ref(),
            self.voices.as_ref(),
            self.options.max_text_bytes,
        )
    }

    /// While it lives, `workers - 1` more callers are counted: a batch of `workers` workers is that
    /// many callers from its first piece to its last, so that neither its start (one worker
    /// synthesizing while the others still read their text) nor its tail (one segment left) loads
    /// the pool's wide session for a piece or two.
    pub(crate) fn batch_callers(&self, workers: usize) -> Active {
        Active::add(&self.active, workers.saturating_sub(1))
    }

    /// The front end for `input`: the text front end, or the phoneme front end (an error for an
    /// engine built without one).
    fn frontend_for(&self, input: &Input) -> Result<&Arc<dyn Frontend>> {
        match input {
            Input::Text(_) => Ok(&self.frontend),
            Input::Phonemes(_) => self.phoneme_frontend.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    "this engine has no phoneme front end: build it with `Engine::open` or `with_phoneme_frontend`",
                )
            }),
        }
    }
}

/// The audio of `plan`, in memory: assembled into a `Vec`, then scaled to the target peak (the
/// implementation of [`Engine::synthesize`]).
fn in_memory(engine: &Engine, plan: Plan) -> Result<Synthesized> {
    let assembled = assemble::assemble(engine, &plan, Vec::new())?;
    let (mut samples, peak) = (assembled.sink, assembled.peak);
    let target = audio_dsp::peak_target(engine.options.target_dbfs)
        .map_err(|e| Error::wrap(ErrorKind::Audio, e))?;
    audio_dsp::scale_to_peak(&mut samples, peak, target);
    let rate = engine.synth.sample_rate();
    Ok(Spoken::of(plan, assembled.words).into_synthesized(samples, rate))
}

/// `generated` with the captions `request` asks for written next to its WAV file, and its words
/// dropped when only the captions wanted them.
fn with_captions(request: &Request, mut generated: Generated) -> Result<Generated> {
    if let (Some(format), Some(words)) = (request.captions, generated.words.as_deref()) {
        let path = crate::captions::write_for(
            &generated.audio_path,
            request.input.as_str(),
            words,
            format,
        )?;
        generated.captions_path = Some(path);
    }
    if !request.word_timings {
        generated.words = None;
    }
    Ok(generated)
}

/// Logs a failed generation once, at error level, with its kind and its whole chain of causes
/// ([`Error::report`]); successes are logged at info level where the file is written.
/// Every public generation method of [`Engine`] passes its result through here exactly once.
fn log_failure<T>(result: Result<T>, output: Option<&Path>) -> Result<T> {
    if let Err(e) = &result {
        match output {
            Some(path) => tracing::error!(
                kind = ?e.kind(),
                output = %path.display(),
                "generation failed: {}",
                e.report()
            ),
            None => tracing::error!(kind = ?e.kind(), "generation failed: {}", e.report()),
        }
    }
    result
}

/// An error of the file layer (or of any sink the audio is written into).
fn storage<E>(e: E) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    Error::wrap(ErrorKind::Storage, e)
}
