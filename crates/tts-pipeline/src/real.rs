//! The real parts behind the traits: `kokoro-tokenize`, `kokoro-voices` and `kokoro-session`,
//! and [`Engine::open`], which finds the model files and wires them together.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use kokoro_model::Language;
use kokoro_session::{
    KokoroSession, Manifest, PoolLayout, SessionConfig, SessionPool, SessionStats,
};
use kokoro_tokenize::{Dialect, PassthroughPhonemizer, Tokenizer, Vocab};
use kokoro_voices::VoiceCatalog;

use crate::engine::{Engine, EngineOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::health::Check;
use crate::traits::{Frontend, Pause, Synthesizer, TextPiece, VoiceChoice, Voices};

/// Where the engine finds its files and how it runs.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EngineConfig {
    /// The model directory; `None` means `KOKORO_MODEL_DIR`, else `./models`.
    pub model_dir: Option<PathBuf>,
    /// A voice directory or NPZ archive overriding the manifest's.
    pub voices: Option<PathBuf>,
    /// ONNX Runtime settings (runtime library, model path, threads, execution provider).
    ///
    /// `session.intra_threads` is the thread count of the wide session a lone caller uses
    /// (default: the cores, at most 4) and, when set, also of each narrow session that concurrent
    /// callers use (default 1).
    pub session: SessionConfig,
    /// Narrow sessions in the pool that concurrent callers (threads of the caller's own, or the
    /// workers of `generate_segments`) run on; `None`: one per core (divided by the threads per
    /// session), capped by the memory available (see [`EngineConfig::pool_layout`]).
    pub sessions: Option<usize>,
    /// When true, [`Engine::open`] loads nothing: the ONNX session loads on the first generation.
    /// Default false: `open` starts loading the single session on a background thread, so that it
    /// overlaps the G2P lexicon load and the voice pack read of the first generation (cold start).
    pub defer_session_load: bool,
    /// Audio behaviour.
    pub options: EngineOptions,
    /// A user lexicon file (`word phonemes` per line, `#` comments) applied before misaki's
    /// lexicon, e.g. a StoryFlow project's character names. The library reads no environment
    /// variable for it: the `kokoro` binary and the Python module map `KOKORO_LEXICON` here.
    pub lexicon: Option<PathBuf>,
    /// Ask espeak-ng (a separate program, when installed) for words outside misaki's lexicon;
    /// `None` means yes. `Some(false)` keeps to the built-in letter-to-sound rules (the binary and
    /// the Python module map `KOKORO_NO_ESPEAK` here).
    pub espeak: Option<bool>,
}

impl EngineConfig {
    /// A configuration reading the model from `dir`.
    pub fn with_model_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            model_dir: Some(dir.into()),
            ..Self::default()
        }
    }

    /// The model directory this configuration uses.
    ///
    /// The same rule as the session's ([`kokoro_session::model_dir`]): [`EngineConfig::model_dir`],
    /// else a non-empty `KOKORO_MODEL_DIR`, else `./models`.
    pub fn resolved_model_dir(&self) -> PathBuf {
        let mut session = self.session.clone();
        if self.model_dir.is_some() {
            session.model_dir.clone_from(&self.model_dir);
        }
        kokoro_session::model_dir(&session)
    }

    /// Runs inference on CUDA device `device_id` (ONNX Runtime's CUDA execution provider). Needs
    /// `kokoro-session`'s `cuda` feature and a CUDA build of ONNX Runtime; when the provider cannot
    /// be registered, loading fails with a message that says so, unless `fallback_to_cpu` is set:
    /// then a warning is logged and the CPU is used.
    pub fn use_cuda(&mut self, device_id: i32, fallback_to_cpu: bool) {
        self.session.execution = kokoro_session::Execution::Cuda {
            device_id,
            fallback_to_cpu,
        };
    }

    /// The narrow sessions of the pool concurrent callers use: [`EngineConfig::sessions`] sessions
    /// of `session.intra_threads` threads, defaults from [`kokoro_session::default_pool_layout`].
    /// Its `sessions` is also the default number of worker threads for a batch.
    pub fn pool_layout(&self) -> PoolLayout {
        kokoro_session::default_pool_layout(self.sessions, self.session.intra_threads)
    }

    pub(crate) fn session_config(&self) -> SessionConfig {
        let mut cfg = self.session.clone();
        cfg.model_dir = Some(self.resolved_model_dir());
        cfg
    }
}

fn fetch_hint(dir: &Path) -> String {
    format!(
        "run `cargo xtask fetch-model --dir {}` (or point --model-dir / KOKORO_MODEL_DIR at a model directory)",
        dir.display()
    )
}

/// Finds the voice packs: the explicit path, the manifest's, then the usual names in the model dir.
pub(crate) fn locate_voices(
    config: &EngineConfig,
    dir: &Path,
    manifest: Option<&Manifest>,
) -> Result<PathBuf> {
    if let Some(p) = &config.voices {
        return Ok(p.clone());
    }
    let mut candidates = Vec::new();
    if let Some(m) = manifest {
        candidates.push(dir.join(&m.voices));
    }
    for name in ["voices", "voices-v1.0.bin", "voices.bin"] {
        candidates.push(dir.join(name));
    }
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::ModelMissing,
                format!(
                    "no voice packs found (looked for {}): {}",
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    fetch_hint(dir)
                ),
            )
        })
}

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
        let phoneme_frontend = PhonemeFrontend(Tokenizer::with_phonemizer(
            Box::new(PassthroughPhonemizer),
            vocab.clone(),
        ));
        let synth = Arc::new(LazySession::new(session_config, config.pool_layout()));
        let engine = Engine::new(
            Arc::new(TokenizerFrontend(text_tokenizer(config, vocab)?)),
            Arc::new(CatalogVoices(catalog)),
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

/// The text tokenizer: misaki with normalization, the espeak-ng/letter-to-sound fallback chain
/// (espeak-ng unless `config.espeak` is `Some(false)`) and the user lexicon of `config.lexicon`.
fn text_tokenizer(config: &EngineConfig, vocab: Vocab) -> Result<Tokenizer> {
    let mut options =
        kokoro_tokenize::TokenizerOptions::default().espeak(config.espeak.unwrap_or(true));
    if let Some(path) = config.lexicon.clone() {
        options = options.lexicon_file(path);
    }
    Tokenizer::with_options(vocab, options).map_err(|e| Error::wrap(ErrorKind::Tokenize, e))
}

/// [`Frontend`] over `kokoro_tokenize::Tokenizer`.
pub struct TokenizerFrontend(Tokenizer);

impl TokenizerFrontend {
    /// The front end over `tokenizer`.
    pub fn new(tokenizer: Tokenizer) -> Self {
        Self(tokenizer)
    }
}

impl Frontend for TokenizerFrontend {
    fn pieces(&self, text: &str, _voice: &str, lang: Language) -> Result<Vec<TextPiece>> {
        Self::pieces_of(&self.0, text, lang)
    }

    fn describe(&self) -> String {
        self.0.describe()
    }
}

impl TokenizerFrontend {
    /// `tokenizer`'s pieces of `text` spoken in `lang` (see [`dialect_of`]).
    fn pieces_of(tokenizer: &Tokenizer, text: &str, lang: Language) -> Result<Vec<TextPiece>> {
        let pieces = tokenizer.tokenize(text, dialect_of(lang)).map_err(|e| {
            let kind = if e.is_nothing_to_say() {
                ErrorKind::NothingToSay
            } else if e.is_empty_text() {
                ErrorKind::EmptyText
            } else {
                ErrorKind::Tokenize
            };
            Error::wrap(kind, e)
        })?;
        Ok(pieces
            .into_iter()
            .map(|p| TextPiece {
                text: p.text,
                ids: p.ids,
                pause_after: p.pause_after,
            })
            .collect())
    }
}

/// The one mapping from the language spoken to a tokenizer dialect: British English is
/// [`Dialect::Gb`]; American English, and every other language (the tokenizer speaks English
/// only), [`Dialect::Us`].
fn dialect_of(language: Language) -> Dialect {
    match language {
        Language::EnglishGb => Dialect::Gb,
        _ => Dialect::Us,
    }
}

/// [`Frontend`] for given phonemes: the whole input is one inference when it fits in 510 ids, as
/// Kokoro's reference pipeline does with one line; longer input is split like text (sentence,
/// clause, word).
pub struct PhonemeFrontend(Tokenizer);

impl PhonemeFrontend {
    /// The front end over `tokenizer` (one with a phonemizer that passes phonemes through, such as
    /// `kokoro_tokenize::PassthroughPhonemizer`).
    pub fn new(tokenizer: Tokenizer) -> Self {
        Self(tokenizer)
    }
}

impl Frontend for PhonemeFrontend {
    fn pieces(&self, text: &str, _voice: &str, lang: Language) -> Result<Vec<TextPiece>> {
        let phonemes = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let ids = self.0.vocab().encode(&phonemes).ids;
        if (1..=kokoro_tokenize::MAX_TOKENS).contains(&ids.len()) {
            return Ok(vec![TextPiece {
                text: phonemes,
                ids,
                pause_after: Pause::None,
            }]);
        }
        TokenizerFrontend::pieces_of(&self.0, text, lang)
    }

    fn describe(&self) -> String {
        "given phonemes (no G2P)".to_string()
    }
}

/// [`Voices`] over `kokoro_voices::VoiceCatalog`.
pub struct CatalogVoices(VoiceCatalog);

impl CatalogVoices {
    /// The voices of `catalog`.
    pub fn new(catalog: VoiceCatalog) -> Self {
        Self(catalog)
    }
}

impl Voices for CatalogVoices {
    fn resolve(&self, requested: Option<&str>) -> Result<VoiceChoice> {
        let r = self
            .0
            .resolve(requested)
            .map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
        Ok(VoiceChoice {
            voice: r.spec,
            fell_back: r.fell_back,
        })
    }

    fn style(&self, voice: &str, n_tokens: usize) -> Result<Vec<f32>> {
        let pack = self
            .0
            .voice(voice)
            .map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
        Ok(pack.style_for_tokens(n_tokens).to_vec())
    }
}

/// [`Synthesizer`] over a [`SessionPool`]: every caller of the engine, on any thread, gets a session
/// from it. Sessions load lazily (a lone caller never loads more than the pool's wide session) and
/// share the model's weights; see `kokoro_session::SessionPool` for the policy.
pub struct LazySession {
    pool: SessionPool,
}

impl LazySession {
    /// A synthesizer for `config` over a pool laid out as `layout`: one wide session of
    /// `config`'s threads for a lone caller, `layout.sessions` narrow sessions of `layout.threads`
    /// threads under concurrency. Nothing is loaded yet.
    pub fn new(config: SessionConfig, layout: PoolLayout) -> Self {
        Self {
            pool: SessionPool::with_layout(config, layout),
        }
    }

    /// Starts loading the session a lone caller uses on a background thread and returns at once.
    /// A failure is only logged (debug): the next generation loads again and reports it.
    pub fn preload_in_background(self: &Arc<Self>) {
        let me = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("kokoro-preload".into())
            .spawn(move || {
                if let Err(e) = me.session() {
                    tracing::debug!("background session load failed (retried on use): {e}");
                }
            });
        if let Err(e) = spawned {
            tracing::debug!("no background session load: cannot spawn a thread: {e}");
        }
    }

    /// The session pool.
    pub fn pool(&self) -> &SessionPool {
        &self.pool
    }

    /// Run counters of every loaded session together.
    pub fn stats(&self) -> SessionStats {
        self.pool.stats()
    }

    /// A loaded session (loading the one a lone caller uses if none is loaded), for its contract.
    pub fn session(&self) -> Result<Arc<KokoroSession>> {
        self.pool.any_session().map_err(session_error)
    }
}

fn session_error(e: kokoro_session::SessionError) -> Error {
    let kind = if e.is_runtime_missing() || e.is_runtime_incompatible() {
        ErrorKind::RuntimeMissing
    } else if e.is_model_missing() || e.is_model_corrupt() || e.is_unsupported_contract() {
        ErrorKind::ModelMissing
    } else {
        ErrorKind::Inference
    };
    Error::wrap(kind, e)
}

impl Synthesizer for LazySession {
    fn synthesize(&self, ids: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>> {
        let out = self.pool.run(ids, style, speed).map_err(session_error)?;
        Ok(out.audio)
    }

    fn synthesize_among(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        callers: usize,
    ) -> Result<Vec<f32>> {
        let out = self
            .pool
            .run_among(ids, style, speed, callers)
            .map_err(session_error)?;
        Ok(out.audio)
    }
}

/// One installed voice, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoiceSummary {
    /// Its id, e.g. `af_bella`.
    pub id: String,
    /// Language and accent, e.g. `American English`.
    pub language: String,
    /// `female`, `male` or `unknown`.
    pub gender: String,
}

/// The installed voices of the model directory `config` points at.
pub fn list_voices(config: &EngineConfig) -> Result<Vec<VoiceSummary>> {
    let dir = config.resolved_model_dir();
    let manifest = Manifest::load(&dir).map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
    let path = locate_voices(config, &dir, manifest.as_ref())?;
    let catalog = VoiceCatalog::open(&path).map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
    Ok(catalog
        .list()
        .iter()
        .map(|v| VoiceSummary {
            id: v.id.clone(),
            language: v.language.to_string(),
            gender: v.gender.to_string(),
        })
        .collect())
}

/// What `kokoro info` shows: where everything is and whether it works.
#[derive(Debug, Clone, Serialize)]
pub struct EngineInfo {
    /// The model directory.
    pub model_dir: String,
    /// The manifest's variant, if there is a manifest.
    pub variant: Option<String>,
    /// The model file.
    pub model: Check,
    /// The runtime library.
    pub runtime: Check,
    /// The voice packs (how many, where).
    pub voices: Check,
    /// The vocabulary version and how it was chosen, or `MISSING: ` and why it cannot be known.
    pub vocab: String,
    /// The front end (G2P and its fallbacks).
    pub frontend: String,
    /// The model's inputs and outputs as read from the session (only by
    /// [`engine_info_with_contract`]); [`Check::Missing`] says why they were not read.
    pub contract: Check,
    /// Whether every file the engine needs is there ([`check_availability`](crate::check_availability)).
    pub model_available: bool,
}

/// Gathers [`EngineInfo`] from the files alone: loads nothing (no ONNX session, no runtime);
/// availability is [`check_availability`](crate::check_availability). The contract is left
/// unread: see [`engine_info_with_contract`].
pub fn engine_info(config: &EngineConfig) -> EngineInfo {
    let availability = crate::health::check_availability(config);
    let dir = config.resolved_model_dir();
    let manifest = Manifest::load(&dir).ok().flatten();
    let model = kokoro_session::locate_model(&config.session_config()).ok();
    let frontend = match model
        .as_deref()
        .map(|m| crate::vocab::from_files(&dir, manifest.as_ref(), m))
    {
        Some(Ok(Some(choice))) => text_tokenizer(config, choice.vocab)
            .map(|t| t.describe())
            .unwrap_or_else(|e| e.to_string()),
        _ => "unknown until the vocabulary is known".to_string(),
    };
    EngineInfo {
        model_dir: availability.model_dir,
        variant: manifest.map(|m| m.variant),
        model: availability.model,
        runtime: availability.runtime,
        voices: availability.voices,
        vocab: availability.vocab.to_string(),
        frontend,
        contract: Check::Missing(
            "not read (`kokoro info --contract` loads the model to read it)".to_string(),
        ),
        model_available: availability.available,
    }
}

/// [`engine_info`] plus the model's contract, read from a loaded session (this loads the model
/// and the runtime when the files are there).
pub fn engine_info_with_contract(config: &EngineConfig) -> EngineInfo {
    let mut info = engine_info(config);
    info.contract = if info.model.is_found() && info.runtime.is_found() {
        match kokoro_session::shared_session(&config.session_config()) {
            Ok(session) => Check::Found(format!(
                "{}; word timings: {}",
                session.model_info(),
                match session.durations_source() {
                    Some(source) => format!("yes, durations from {source}"),
                    None => "no (the model gives no per-token durations)".to_owned(),
                }
            )),
            Err(e) => Check::Missing(format!("MISSING: cannot load the model: {e}")),
        }
    } else {
        Check::Missing("MISSING: not loaded: model or runtime missing".to_string())
    };
    info
}

impl fmt::Display for EngineInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "model dir:  {}", self.model_dir)?;
        writeln!(
            f,
            "variant:    {}",
            self.variant.as_deref().unwrap_or("(no manifest)")
        )?;
        writeln!(f, "model:      {}", self.model)?;
        writeln!(f, "runtime:    {}", self.runtime)?;
        writeln!(f, "voices:     {}", self.voices)?;
        writeln!(f, "vocab:      {}", self.vocab)?;
        writeln!(f, "front end:  {}", self.frontend)?;
        // The contract's reasons say MISSING themselves where something is.
        let contract = match &self.contract {
            Check::Found(contract) => contract,
            Check::Missing(why) => why,
        };
        writeln!(f, "contract:   {contract}")?;
        write!(f, "available:  {}", self.model_available)
    }
}

#[cfg(test)]
mod dialect_tests {
    use super::*;

    #[test]
    fn british_english_is_spoken_in_the_gb_dialect_and_all_else_in_the_us_one() {
        for language in Language::ALL {
            let dialect = if language == Language::EnglishGb {
                Dialect::Gb
            } else {
                Dialect::Us
            };
            assert_eq!(dialect_of(language), dialect, "{language}");
        }
    }

    #[test]
    fn an_english_language_gets_the_espeak_voice_of_its_code() {
        // kokoro-model and kokoro-tokenize agree: British English is en-gb.
        for language in [Language::EnglishUs, Language::EnglishGb] {
            assert_eq!(
                dialect_of(language).espeak_voice(),
                language.code(),
                "{language}"
            );
        }
    }
}

#[cfg(test)]
mod phoneme_frontend_tests {
    use super::*;

    fn frontend() -> PhonemeFrontend {
        PhonemeFrontend(Tokenizer::with_phonemizer(
            Box::new(PassthroughPhonemizer),
            Vocab::v1_0(),
        ))
    }

    #[test]
    fn a_line_that_fits_is_one_piece_even_with_inner_sentences() {
        let text = "“wˌɛɹ dˈɪd ju fˈInd ðɪs kˈi?” ˈæskt θˈiO. hˈOldɪŋ ɪt.";
        let pieces = frontend()
            .pieces(text, "af_heart", Language::EnglishUs)
            .unwrap();
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].ids, Vocab::v1_0().encode(text).ids);
        assert_eq!(pieces[0].pause_after, Pause::None);
    }

    #[test]
    fn a_long_input_is_split_under_the_limit_without_loss() {
        let sentence = "ðə fˈɪʃəɹmən pˈʊʃt hɪz bˈOt. ";
        let text = sentence.repeat(60);
        let pieces = frontend()
            .pieces(&text, "af_heart", Language::EnglishUs)
            .unwrap();
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|p| (1..=510).contains(&p.ids.len())));
        // Every symbol but the spaces between pieces arrives, in order.
        let space = Vocab::v1_0().id(' ').unwrap();
        let non_space = |ids: &[i64]| {
            ids.iter()
                .copied()
                .filter(|&i| i != space)
                .collect::<Vec<_>>()
        };
        let got: Vec<i64> = pieces.iter().flat_map(|p| non_space(&p.ids)).collect();
        assert_eq!(got, non_space(&Vocab::v1_0().encode(&text).ids));
    }
}
