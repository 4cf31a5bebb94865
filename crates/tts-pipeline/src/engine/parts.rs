//! Introspection: [`EngineParts`], a read-only view of an engine's parts and settings.

use std::sync::Arc;

use super::Engine;
use crate::config::EngineOptions;
use crate::error::Result;
use crate::traits::{Frontend, VoiceChoice};

/// A read-only view of an [`Engine`]'s parts and settings ([`Engine::parts`]): for `info`
/// commands, servers that check a voice before queueing work, and tests.
#[derive(Debug, Clone, Copy)]
pub struct EngineParts<'a> {
    engine: &'a Engine,
}

impl<'a> EngineParts<'a> {
    /// The view of `engine`.
    pub(super) fn of(engine: &'a Engine) -> Self {
        Self { engine }
    }

    /// The options in use.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// println!("files peak at {} dBFS", engine.parts().options().target_dbfs);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn options(&self) -> &'a EngineOptions {
        &self.engine.options
    }

    /// The text front end in use (for `info`, or to see how a text is split).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Language};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let pieces = engine.parts().frontend().pieces("Hello. Bye.", Language::EnglishUs)?;
    /// println!("{} inference calls", pieces.len());
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn frontend(&self) -> &'a dyn Frontend {
        self.engine.frontend.as_ref()
    }

    /// How many segments [`Engine::generate_segments`] generates at once by default: 1 for an
    /// engine built by hand (unless [`EngineBuilder::default_workers`](crate::EngineBuilder::default_workers)),
    /// the session pool's size for one built by [`Engine::open`].
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// println!("{} segments at once", engine.parts().default_workers());
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn default_workers(&self) -> usize {
        self.engine.workers
    }

    /// The voice a request for `voice` would use, with the fallback of [`Engine::generate`]
    /// (`None`, empty or unknown ids give the default voice). It loads the voice's pack (the
    /// catalog caches it), so a voice whose pack cannot be read is an error here too.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let choice = engine.parts().resolve_voice(Some("nobody"))?;
    /// assert!(choice.fell_back);
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn resolve_voice(&self, voice: Option<&str>) -> Result<VoiceChoice> {
        Ok(self.engine.voices.resolve(voice)?.choice().clone())
    }

    /// The loaded model session of the engine's pool (the one a lone caller uses, loading it if
    /// nothing is loaded yet), for reading the model's contract; an engine not built by
    /// [`Engine::open`] has none ([`ErrorKind::Config`](crate::ErrorKind::Config)).
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// println!("{}", engine.parts().session()?.model_info());
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn session(&self) -> Result<Arc<kokoro_session::KokoroSession>> {
        self.engine.synth.session()
    }
}
