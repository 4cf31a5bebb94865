//! [`Engine::open`]: finds the model files of an [`EngineConfig`] and wires the real parts (the
//! [adapters](crate::adapters)) behind the traits.

use std::path::Path;
use std::sync::Arc;

use kokoro_session::{Manifest, SessionConfig};
use kokoro_tokenize::{PassthroughPhonemizer, Tokenizer, Vocab};
use kokoro_voices::VoiceCatalog;

use crate::adapters::{
    CatalogVoices, PhonemeFrontend, PoolSynthesizer, TokenizerFrontend, text_tokenizer,
};
use crate::config::{EngineConfig, locate_voices};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::traits::Synthesizer;

/// Picks the vocabulary of `model` from the model itself (see `crate::vocab`): the manifest,
/// the file name or sha256, a `config.json`, else the contract (which loads the session); an
/// error when none tells.
fn load_vocab(
    dir: &Path,
    manifest: Option<&Manifest>,
    model: &Path,
    session: &SessionConfig,
) -> Result<Vocab> {
    let choice = match crate::vocab::from_files(dir, manifest, model)? {
        Some(choice) => choice,
        None => crate::vocab::from_contract(model, session)?,
    };
    tracing::debug!(vocab = %choice.source, "vocabulary chosen");
    Ok(choice.vocab)
}

impl Engine {
    /// Opens the real engine: finds the model, voices and vocabulary from `config` and wires them.
    ///
    /// Cheap: it checks that the files exist and lists the voices, then returns; the session a
    /// lone caller uses starts loading on a background thread (unless
    /// [`EngineConfig::defer_session_load`]) and the G2P lexicons load on the first generation,
    /// in parallel with it. Sessions for concurrent callers load lazily, one per busy caller, and
    /// all share the model's weights. Missing files are an error that names what is missing,
    /// where the engine looked and the command that fixes it; the first time a model directory is
    /// found incomplete, a warning says so too (see [`check_availability`](crate::check_availability)).
    ///
    /// The phoneme vocabulary comes from the model itself: the manifest's `vocab` (for the
    /// manifest's model), else the model's generation from its file name (`kokoro-v0_19.onnx`,
    /// `kokoro-v1.0*.onnx`) or, for a known file, its sha256, else a hexgrad `config.json` next to
    /// it (v1.0), else its contract (this loads the session, here). When nothing tells, `open`
    /// fails with [`ErrorKind::Config`] and says how to fix it.
    pub fn open(config: &EngineConfig) -> Result<Engine> {
        crate::health::warn_once_if_unavailable(config);
        let dir = config.resolved_model_dir();
        let manifest = Manifest::load(&dir).map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
        let session_config = config.session_config();
        let model = kokoro_session::locate_model(&session_config)
            .map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
        let voices_path = locate_voices(config, &dir, manifest.as_ref())?;
        let catalog =
            VoiceCatalog::open(&voices_path).map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
        let vocab = load_vocab(&dir, manifest.as_ref(), &model, &session_config)?;
        let phoneme_frontend = PhonemeFrontend::new(Tokenizer::with_phonemizer(
            Box::new(PassthroughPhonemizer),
            vocab.clone(),
        ));
        let synth = Arc::new(PoolSynthesizer::new(session_config, config.pool_layout()));
        let engine = Engine::new(
            Arc::new(TokenizerFrontend::new(text_tokenizer(config, vocab)?)),
            Arc::new(CatalogVoices::new(catalog)),
            Arc::clone(&synth) as Arc<dyn Synthesizer>,
        )
        .with_phoneme_frontend(Arc::new(phoneme_frontend))
        .with_options(config.options.clone())
        .with_default_workers(config.pool_layout().sessions);
        if !config.defer_session_load {
            synth.preload_in_background();
        }
        Ok(engine)
    }
}
