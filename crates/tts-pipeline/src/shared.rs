//! The process-wide engines: [`Engine::shared`] opens one engine per configuration and hands it
//! to every caller that wants "the engine" of the process (the Python module, the Celery tasks);
//! the functions here act on that registry, or on the whole process, rather than on one engine.
//!
//! ```no_run
//! use tts_pipeline::{Engine, EngineConfig, shared};
//!
//! let config = EngineConfig::with_model_dir("models");
//! let engine = Engine::shared(&config)?;
//! println!("{} speaks for af_heart", shared::resolve_voice(&config, Some("af_heart")).voice);
//! println!("{} sessions loaded", shared::sessions_loaded());
//! shared::stop_background(); // before the process exits
//! # Ok::<(), tts_pipeline::Error>(())
//! ```

use crate::config::EngineConfig;
use crate::engine;
use crate::traits::VoiceChoice;

#[cfg(doc)]
use crate::Engine;

/// The voice an engine of `config` uses for `voice`, never failing: the choice of
/// [`Engine::shared`]'s [`resolve_voice`](crate::EngineParts::resolve_voice). When that engine
/// cannot open (no model), the voices every install has stand in for the catalog: `voice` itself
/// when it is one of the fallback voices (`kokoro_voices::FALLBACK_ORDER`), else the default
/// voice, with a warning.
///
/// ```no_run
/// use tts_pipeline::{EngineConfig, shared};
///
/// let choice = shared::resolve_voice(&EngineConfig::with_model_dir("models"), Some("af_heart"));
/// println!("{}", choice.voice);
/// ```
pub fn resolve_voice(config: &EngineConfig, voice: Option<&str>) -> VoiceChoice {
    engine::resolve_voice_for(config, voice)
}

/// Stops the background work of every engine of [`Engine::shared`] (see
/// [`Engine::stop_background`]): for a process about to exit, so that no thread is inside ONNX
/// Runtime while it does (the Python module calls it from `atexit`). The engines stay usable.
///
/// ```no_run
/// tts_pipeline::shared::stop_background(); // before the process exits
/// ```
pub fn stop_background() {
    engine::stop_shared_background();
}

/// How many model sessions this process has loaded so far, every engine's together (for tests
/// and monitoring).
///
/// ```no_run
/// println!("{} sessions loaded", tts_pipeline::shared::sessions_loaded());
/// ```
pub fn sessions_loaded() -> usize {
    kokoro_session::load_count()
}
