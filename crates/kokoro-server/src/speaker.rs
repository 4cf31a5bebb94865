//! What the server asks of the engine, as a trait: the real one is [`EngineSpeaker`] (one
//! `tts_pipeline::Engine` for the process, its session pool shared by every request); the unit
//! tests put a fake behind it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tts_pipeline::health::VoiceSummary;
use tts_pipeline::{Engine, Request, Synthesized};

/// Whether the request being rendered is still wanted: the server cancels it when its client
/// goes away or its time is up, and a [`Speaker`] stops rendering at the next piece. Clones
/// share one flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A request still wanted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks the request as no longer wanted.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the request is no longer wanted.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Audio as it is rendered: blocks of peak-limited samples, in order.
pub type AudioBlocks<'a> = Box<dyn Iterator<Item = tts_pipeline::Result<Vec<f32>>> + Send + 'a>;

/// The engine, as the server uses it. Every method blocks; the server calls them on tokio's
/// blocking threads.
pub trait Speaker: Send + Sync + 'static {
    /// The audio of `request`, in memory, peak-normalized; `Ok(None)` when `cancel` was set
    /// before the end (checked between the pieces of the text, so the rendering stops within
    /// one piece).
    fn synthesize(
        &self,
        request: &Request,
        cancel: &Cancel,
    ) -> tts_pipeline::Result<Option<Synthesized>>;

    /// The audio of `request` block by block, as it is rendered; dropping the iterator stops the
    /// rendering. By default one block: the whole of [`Speaker::synthesize`].
    fn stream<'a>(&'a self, request: &Request) -> tts_pipeline::Result<AudioBlocks<'a>> {
        let audio = self.synthesize(request, &Cancel::new())?;
        Ok(Box::new(audio.into_iter().map(|a| Ok(a.samples))))
    }

    /// Whether `voice` (an id or a blend such as `af_bella:0.7,am_adam:0.3`) names installed
    /// voices; `false` where the engine would fall back to its default voice.
    fn knows_voice(&self, voice: &str) -> tts_pipeline::Result<bool>;

    /// The installed voices.
    fn voices(&self) -> Vec<VoiceSummary>;

    /// How many requests it renders at once at best (its pool's sessions).
    fn workers(&self) -> usize;
}

/// The real engine behind [`Speaker`].
pub struct EngineSpeaker {
    engine: Arc<Engine>,
    voices: Vec<VoiceSummary>,
}

impl EngineSpeaker {
    /// Wraps `engine`, whose installed voices are `voices` (from `tts_pipeline::health::list_voices`).
    pub fn new(engine: Arc<Engine>, voices: Vec<VoiceSummary>) -> Self {
        Self { engine, voices }
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }
}

impl Speaker for EngineSpeaker {
    /// Through the engine's stream ([`Engine::stream`]), piece by piece with `cancel` checked
    /// before each, then scaled as a whole: each chunk is brought from its running gain to the
    /// last one (`target / the loudest sample`), which is the gain [`Engine::synthesize`] gives
    /// the whole file, so the samples are the file's (to float rounding).
    fn synthesize(
        &self,
        request: &Request,
        cancel: &Cancel,
    ) -> tts_pipeline::Result<Option<Synthesized>> {
        let mut stream = self.engine.stream(request)?;
        let mut chunks = Vec::new();
        loop {
            if cancel.is_cancelled() {
                tracing::info!(
                    rendered = chunks.len(),
                    pieces = stream.pieces(),
                    "the request was cancelled: its rendering stops"
                );
                return Ok(None);
            }
            match stream.next() {
                Some(chunk) => chunks.push(chunk?),
                None => break,
            }
        }
        let last_gain = chunks.last().map_or(1.0, |c| f64::from(c.gain));
        let mut samples = Vec::with_capacity(chunks.iter().map(|c| c.samples.len()).sum());
        let mut words = Vec::new();
        for chunk in chunks {
            let ratio = last_gain / f64::from(chunk.gain);
            samples.extend(chunk.samples.iter().map(|&x| (f64::from(x) * ratio) as f32));
            words.extend(chunk.words);
        }
        let choice = stream.voice();
        Ok(Some(Synthesized {
            samples,
            sample_rate: stream.sample_rate(),
            voice: choice.voice.clone(),
            voice_fell_back: choice.fell_back,
            speed: stream.speed(),
            pieces: stream.pieces(),
            lang: stream.lang(),
            words: request.word_timings.then_some(words),
        }))
    }

    fn knows_voice(&self, voice: &str) -> tts_pipeline::Result<bool> {
        self.engine
            .parts()
            .resolve_voice(Some(voice))
            .map(|choice| !choice.fell_back)
    }

    /// The engine's stream ([`Engine::stream`]): one block per piece of text, as it is rendered,
    /// at the stream's level (scaled by its running peak, never above the file's target).
    fn stream<'a>(&'a self, request: &Request) -> tts_pipeline::Result<AudioBlocks<'a>> {
        let stream = self.engine.stream(request)?;
        Ok(Box::new(stream.map(|chunk| chunk.map(|c| c.samples))))
    }

    fn voices(&self) -> Vec<VoiceSummary> {
        self.voices.clone()
    }

    fn workers(&self) -> usize {
        self.engine.parts().default_workers()
    }
}
