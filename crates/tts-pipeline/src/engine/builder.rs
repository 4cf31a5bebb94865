//! Construction: [`EngineBuilder`], an engine from its three parts and its settings.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use super::Engine;
use crate::config::EngineOptions;
use crate::traits::{Frontend, Synthesizer, Voices};

/// Builds an [`Engine`] from its parts ([`Engine::builder`]): default options, no phoneme front
/// end and 1 default worker unless set. [`Engine::open`] builds the real engine with one.
///
/// ```no_run
/// use std::sync::Arc;
/// use tts_pipeline::traits::{Frontend, Synthesizer, Voices};
/// use tts_pipeline::{Engine, EngineOptions};
///
/// // The three parts: your implementations of the traits.
/// fn engine(frontend: Arc<dyn Frontend>, voices: Arc<dyn Voices>, synth: Arc<dyn Synthesizer>) {
///     let engine = Engine::builder(frontend, voices, synth)
///         .options(EngineOptions { sentence_pause: 0.6, ..EngineOptions::default() })
///         .default_workers(2)
///         .build();
///     assert_eq!(engine.parts().default_workers(), 2);
/// }
/// ```
#[derive(Debug)]
#[must_use = "an engine builder does nothing until `build` is called"]
pub struct EngineBuilder {
    /// The engine being built, its settings at their defaults until set.
    engine: Engine,
}

impl EngineBuilder {
    /// The builder of [`Engine::builder`].
    pub(super) fn new(
        frontend: Arc<dyn Frontend>,
        voices: Arc<dyn Voices>,
        synth: Arc<dyn Synthesizer>,
    ) -> Self {
        Self {
            engine: Engine {
                frontend,
                phoneme_frontend: None,
                voices,
                synth,
                options: EngineOptions::default(),
                workers: 1,
                active: Arc::new(AtomicUsize::new(0)),
            },
        }
    }

    /// Replaces the options.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use tts_pipeline::traits::{Frontend, Synthesizer, Voices};
    /// use tts_pipeline::{Engine, EngineOptions};
    ///
    /// fn engine(frontend: Arc<dyn Frontend>, voices: Arc<dyn Voices>, synth: Arc<dyn Synthesizer>) {
    ///     let options = EngineOptions { sentence_pause: 0.6, ..EngineOptions::default() };
    ///     let engine = Engine::builder(frontend, voices, synth).options(options).build();
    ///     assert_eq!(engine.parts().options().sentence_pause, 0.6);
    /// }
    /// ```
    pub fn options(mut self, options: EngineOptions) -> Self {
        self.engine.options = options;
        self
    }

    /// Adds the front end of [`Request::phonemes`](crate::Request::phonemes): it takes phonemes,
    /// not text ([`Engine::open`] adds [`PhonemeFrontend`](crate::adapters::PhonemeFrontend));
    /// without one, a phoneme request is an [`ErrorKind::Config`](crate::ErrorKind::Config) error.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use tts_pipeline::traits::{Frontend, Synthesizer, Voices};
    /// use tts_pipeline::{Engine, Request};
    ///
    /// fn speak(
    ///     (frontend, voices, synth): (Arc<dyn Frontend>, Arc<dyn Voices>, Arc<dyn Synthesizer>),
    ///     phonemes: Arc<dyn Frontend>,
    /// ) -> tts_pipeline::Result<()> {
    ///     let engine = Engine::builder(frontend, voices, synth).phoneme_frontend(phonemes).build();
    ///     let audio = engine.synthesize(&Request::phonemes("həlˈoʊ"))?;
    ///     Ok(())
    /// }
    /// ```
    pub fn phoneme_frontend(mut self, frontend: Arc<dyn Frontend>) -> Self {
        self.engine.phoneme_frontend = Some(frontend);
        self
    }

    /// Sets how many segments [`Engine::generate_segments`] runs at once when its options do not
    /// say (see [`EngineParts::default_workers`](crate::EngineParts::default_workers)); at least 1.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use tts_pipeline::traits::{Frontend, Synthesizer, Voices};
    /// use tts_pipeline::Engine;
    ///
    /// fn engine(frontend: Arc<dyn Frontend>, voices: Arc<dyn Voices>, synth: Arc<dyn Synthesizer>) {
    ///     let engine = Engine::builder(frontend, voices, synth).default_workers(0).build();
    ///     assert_eq!(engine.parts().default_workers(), 1);
    /// }
    /// ```
    pub fn default_workers(mut self, workers: usize) -> Self {
        self.engine.workers = workers.max(1);
        self
    }

    /// The engine.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use tts_pipeline::traits::{Frontend, Synthesizer, Voices};
    /// use tts_pipeline::Engine;
    ///
    /// fn engine(frontend: Arc<dyn Frontend>, voices: Arc<dyn Voices>, synth: Arc<dyn Synthesizer>) -> Engine {
    ///     Engine::builder(frontend, voices, synth).build()
    /// }
    /// ```
    pub fn build(self) -> Engine {
        self.engine
    }
}
