//! The real engine: [`Engine::open`] finds the model files of an [`EngineConfig`] and wires the
//! real parts (the [adapters](crate::adapters)) behind the traits; [`Engine::shared`] is the one
//! process-wide registry of engines, one per configuration, that every caller which wants "the
//! engine" (the Python module, the Celery tasks) goes through.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use kokoro_session::Manifest;
use kokoro_tokenize::{PassthroughPhonemizer, Tokenizer, Vocab};
use kokoro_voices::VoiceCatalog;

use super::Engine;
use crate::adapters::{CatalogVoices, PhonemeFrontend, PoolSynthesizer, TokenizerFrontend};
use crate::config::{EngineConfig, locate_voices};
use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Synthesizer, VoiceChoice};

/// Picks the vocabulary of `model` from the model itself (see `crate::vocab`): the manifest,
/// the file name or sha256, a `config.json`, else the contract (which loads the session); an
/// error when none tells.
fn load_vocab(
    dir: &Path,
    manifest: Option<&Manifest>,
    model: &Path,
    pool: &PoolSynthesizer,
) -> Result<Vocab> {
    let choice = match crate::vocab::from_files(dir, manifest, model)? {
        Some(choice) => choice,
        None => crate::vocab::from_contract(model, pool)?,
    };
    tracing::debug!(vocab = %choice.source, "vocabulary chosen");
    Ok(choice.vocab)
}

/// [`Engine::open`].
pub(crate) fn open(config: &EngineConfig) -> Result<Engine> {
    crate::health::warn_once_if_unavailable(config);
    let dir = config.resolved_model_dir();
    let manifest = Manifest::load(&dir).map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
    let session_config = config.session_config();
    let model = kokoro_session::locate_model(&session_config)
        .map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
    let voices_path = locate_voices(config, &dir, manifest.as_ref())?;
    let catalog = VoiceCatalog::open(&voices_path).map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
    let synth = Arc::new(PoolSynthesizer::new(session_config, config.pool_layout()));
    let vocab = load_vocab(&dir, manifest.as_ref(), &model, &synth)?;
    let phoneme_frontend = PhonemeFrontend::new(Tokenizer::with_phonemizer(
        Box::new(PassthroughPhonemizer),
        vocab.clone(),
    ));
    let engine = Engine::builder(
        Arc::new(TokenizerFrontend::new(config.text_tokenizer(vocab)?)),
        Arc::new(CatalogVoices::new(catalog)),
        Arc::clone(&synth) as Arc<dyn Synthesizer>,
    )
    .phoneme_frontend(Arc::new(phoneme_frontend))
    .options(config.options.clone())
    .default_workers(config.pool_layout().sessions)
    .build();
    if !config.defer_session_load {
        synth.preload_in_background();
    }
    Ok(engine)
}

/// [`Engine::shared`].
pub(crate) fn shared(config: &EngineConfig) -> Result<Arc<Engine>> {
    let key = config.resolved();
    let slot = {
        let mut engines = ENGINES.lock().unwrap_or_else(PoisonError::into_inner);
        match engines.iter().find(|(k, _)| *k == key) {
            Some((_, slot)) => Arc::clone(slot),
            None => {
                let slot = Slot::default();
                engines.push((key.clone(), Arc::clone(&slot)));
                slot
            }
        }
    };
    let mut engine = slot.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(engine) = engine.as_ref() {
        return Ok(Arc::clone(engine));
    }
    let opened = Arc::new(Engine::open(&key)?);
    *engine = Some(Arc::clone(&opened));
    Ok(opened)
}

/// [`crate::shared::resolve_voice`].
pub(crate) fn resolve_voice_for(config: &EngineConfig, voice: Option<&str>) -> VoiceChoice {
    let error = match Engine::shared(config).and_then(|e| e.parts().resolve_voice(voice)) {
        Ok(choice) => return choice,
        Err(e) => e,
    };
    let wanted = voice.map(str::trim).unwrap_or_default();
    if kokoro_voices::FALLBACK_ORDER.contains(&wanted) {
        return VoiceChoice {
            voice: wanted.to_string(),
            fell_back: false,
        };
    }
    tracing::warn!(
        requested = ?voice,
        "voice cannot be checked ({}); falling back to {}",
        error.report(),
        kokoro_voices::DEFAULT_VOICE
    );
    VoiceChoice {
        voice: kokoro_voices::DEFAULT_VOICE.to_string(),
        fell_back: voice.is_some(),
    }
}

/// [`crate::shared::stop_background`].
pub(crate) fn stop_shared_background() {
    let slots: Vec<Slot> = ENGINES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .map(|(_, slot)| Arc::clone(slot))
        .collect();
    for slot in slots {
        let engine = slot.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(engine) = engine {
            engine.stop_background();
        }
    }
}

/// One engine of the registry: empty until opened (or after a failed open).
type Slot = Arc<Mutex<Option<Arc<Engine>>>>;

/// The registry of [`Engine::shared`]: each configuration (model directory resolved) and its
/// engine. A handful of entries at most, so a list.
static ENGINES: Mutex<Vec<(EngineConfig, Slot)>> = Mutex::new(Vec::new());
