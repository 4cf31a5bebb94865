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
mod builder;
mod open;
mod parts;
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
use crate::traits::{Frontend, Synthesizer, Voices};
use crate::words::WordTiming;

use plan::Plan;

pub use builder::EngineBuilder;
pub(crate) use open::{resolve_voice_for, stop_shared_background};
pub use parts::EngineParts;
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
    /// A builder of an engine from its three parts: the front end, the voices and the synthesizer
    /// behind the crate's [`traits`](crate::traits) (fakes in tests; the real ones are wired by
    /// [`Engine::open`]). Options, the phoneme front end and the default workers are set on the
    /// [`EngineBuilder`]; [`EngineBuilder::build`] makes the engine.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tts_pipeline::traits::{
    ///     Frontend, Pause, Synthesizer, TextPiece, TimedAudio, Voice, VoiceChoice, VoicePack, Voices,
    /// };
    /// use tts_pipeline::{Engine, Error, ErrorKind, Language, Request, Result};
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
    ///         let rows = VoicePack::from_values("af_test", vec![0.5; 256])
    ///             .map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
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
    /// let engine = Engine::builder(Arc::new(Letters), Arc::new(OneVoice), Arc::new(Tone)).build();
    /// let audio = engine.synthesize(&Request::text("Hello"))?;
    /// assert_eq!((audio.sample_rate, audio.voice.as_str()), (24_000, "af_test"));
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn builder(
        frontend: Arc<dyn Frontend>,
        voices: Arc<dyn Voices>,
        synth: Arc<dyn Synthesizer>,
    ) -> EngineBuilder {
        EngineBuilder::new(frontend, voices, synth)
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
    /// any other caller that wants "the engine" use it rather than keeping their own; the
    /// [`shared`](crate::shared) module has the registry's other functions (the voice an engine of
    /// a configuration would use, stopping every engine's background work).
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

    /// Generates every segment of `request` at its deterministic path under `layout` with
    /// `options` (word timings, captions next to the WAV files, how many worker threads: by
    /// default [`EngineParts::default_workers`]), and returns one outcome per segment in the
    /// request's order.
    ///
    /// A failing segment never stops the others. `on_done` is called once per finished segment
    /// (from worker threads) with the number finished so far: use it for progress.
    ///
    /// The workers are ordinary callers of the engine: with the real engine ([`Engine::open`])
    /// they run on its session pool, as any thread does
    /// ([`EngineConfig::pool_layout`](crate::EngineConfig::pool_layout)), whose `sessions` are the
    /// default workers (more workers than sessions only wait for one).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, MediaLayout, ProjectRequest, SegmentOptions};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let request: ProjectRequest = serde_json::from_str(
    ///     r#"{"project_id": "p", "segments": [{"id": "a", "text": "One."}, {"id": "b", "text": "Two."}]}"#,
    /// )?;
    /// let layout = MediaLayout::new("media", "/media/");
    /// let options = SegmentOptions::default().with_word_timings(true);
    /// let outcomes = engine.generate_segments(&layout, &request, &options, |n, _| {
    ///     println!("{n} done");
    /// });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate_segments<F>(
        &self,
        layout: &wav_store::MediaLayout,
        request: &ProjectRequest,
        options: &SegmentOptions,
        on_done: F,
    ) -> Vec<SegmentOutcome>
    where
        F: Fn(usize, &SegmentOutcome) + Sync,
    {
        batch::generate_segments(self, layout, request, options, on_done)
    }

    /// A read-only view of the engine's parts and settings: its options, its front end, its
    /// default workers, the voice a request would use, its loaded model session.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Language};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let parts = engine.parts();
    /// println!("files peak at {} dBFS", parts.options().target_dbfs);
    /// println!("{} segments at once", parts.default_workers());
    /// let pieces = parts.frontend().pieces("Hello. Bye.", Language::EnglishUs)?;
    /// println!("{} inference calls", pieces.len());
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn parts(&self) -> EngineParts<'_> {
        EngineParts::of(self)
    }

    /// Waits for the engine's background work (the session preload that [`Engine::open`] starts,
    /// an idle session's arena shrink) and starts no more idle shrinking; the engine stays usable.
    /// Dropping the engine does this. An engine kept until the process exits (one of
    /// [`Engine::shared`], see [`shared::stop_background`](crate::shared::stop_background)) should have it called before
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
                    "this engine has no phoneme front end: build it with `Engine::open` or `EngineBuilder::phoneme_frontend`",
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
/// Every public generation method of [`Engine`] (and [`Synthesized::save`]) passes its result
/// through here exactly once.
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
