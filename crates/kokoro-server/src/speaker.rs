//! What the server asks of the engine, as a trait: the real one is [`EngineSpeaker`] (one
//! `tts_pipeline::Engine` for the process, its session pool shared by every request); the unit
//! tests put a fake behind it.

use std::sync::Arc;

use tts_pipeline::health::VoiceSummary;
use tts_pipeline::{Engine, Request, Synthesized};

/// Audio as it is rendered: blocks of peak-limited samples, in order.
pub type AudioBlocks<'a> = Box<dyn Iterator<Item = tts_pipeline::Result<Vec<f32>>> + Send + 'a>;

/// The engine, as the server uses it. Every method blocks; the server calls them on tokio's
/// blocking threads.
pub trait Speaker: Send + Sync + 'static {
    /// The audio of `request`, in memory, peak-normalized.
    fn synthesize(&self, request: &Request) -> tts_pipeline::Result<Synthesized>;

    /// The audio of `request` block by block, as it is rendered; dropping the iterator stops the
    /// rendering. By default one block: the whole of [`Speaker::synthesize`].
    fn stream<'a>(&'a self, request: &Request) -> tts_pipeline::Result<AudioBlocks<'a>> {
        let audio = self.synthesize(request)?;
        Ok(Box::new(std::iter::once(Ok(audio.samples))))
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
    fn synthesize(&self, request: &Request) -> tts_pipeline::Result<Synthesized> {
        self.engine.synthesize(request)
    }

    fn knows_voice(&self, voice: &str) -> tts_pipeline::Result<bool> {
        self.engine
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
        self.engine.default_workers()
    }
}
