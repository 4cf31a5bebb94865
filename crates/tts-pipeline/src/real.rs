//! The real parts behind the traits: `kokoro-tokenize`, `kokoro-voices` and `kokoro-session`,
//! and [`Engine::open`], which finds the model files and wires them together.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use kokoro_session::{KokoroSession, Manifest, SessionConfig};
use kokoro_tokenize::{Dialect, PassthroughPhonemizer, Tokenizer, Vocab};
use kokoro_voices::VoiceCatalog;

use crate::engine::{Engine, EngineOptions};
use crate::error::{Error, ErrorKind, Result};
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
    pub session: SessionConfig,
    /// Audio behaviour.
    pub options: EngineOptions,
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
    pub fn resolved_model_dir(&self) -> PathBuf {
        self.model_dir
            .clone()
            .or_else(|| std::env::var_os("KOKORO_MODEL_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("models"))
    }

    fn session_config(&self) -> SessionConfig {
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
fn locate_voices(
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

/// Picks the vocabulary: the manifest's version, else the directory's `config.json`, else v1.0.
fn load_vocab(dir: &Path, manifest: Option<&Manifest>) -> Result<Vocab> {
    if manifest.is_some_and(|m| m.vocab == "v0.19") {
        return Ok(Vocab::v0_19());
    }
    let config = manifest
        .and_then(|m| m.config.as_ref())
        .map(|c| dir.join(c))
        .unwrap_or_else(|| dir.join("config.json"));
    match std::fs::read_to_string(&config) {
        Ok(json) => Vocab::from_config_json(&json).map_err(|e| {
            Error::new(
                ErrorKind::ModelMissing,
                format!(
                    "{} is not a usable Kokoro config: {e}; {}",
                    config.display(),
                    fetch_hint(dir)
                ),
            )
        }),
        Err(_) => Ok(Vocab::v1_0()),
    }
}

impl Engine {
    /// Opens the real engine: finds the model, voices and vocabulary from `config` and wires them.
    ///
    /// Cheap: it checks that the files exist and lists the voices; the ONNX session and the G2P
    /// lexicons load lazily on the first generation. Missing files are an error that names what is
    /// missing, where the engine looked and the command that fixes it.
    pub fn open(config: &EngineConfig) -> Result<Engine> {
        let dir = config.resolved_model_dir();
        let manifest = Manifest::load(&dir).map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
        let session_config = config.session_config();
        kokoro_session::locate_model(&session_config)
            .map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
        let voices_path = locate_voices(config, &dir, manifest.as_ref())?;
        let catalog =
            VoiceCatalog::open(&voices_path).map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
        let vocab = load_vocab(&dir, manifest.as_ref())?;
        let phoneme_frontend = TokenizerFrontend(Tokenizer::with_phonemizer(
            Box::new(PassthroughPhonemizer),
            vocab.clone(),
        ));
        let engine = Engine::new(
            Arc::new(TokenizerFrontend(Tokenizer::new(vocab))),
            Arc::new(CatalogVoices(catalog)),
            Arc::new(LazySession::new(session_config)),
        )
        .with_phoneme_frontend(Arc::new(phoneme_frontend))
        .with_options(config.options.clone());
        Ok(engine)
    }

    /// How many segments to generate at once by default.
    pub fn default_workers(&self) -> usize {
        1
    }
}

/// [`Frontend`] over `kokoro_tokenize::Tokenizer`.
pub struct TokenizerFrontend(pub Tokenizer);

impl Frontend for TokenizerFrontend {
    fn pieces(&self, text: &str, voice: &str) -> Result<Vec<TextPiece>> {
        let first = voice.split([':', ',']).next().unwrap_or(voice);
        let pieces = self
            .0
            .tokenize(text, Dialect::for_voice(first))
            .map_err(|e| {
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
                pause_after: match p.pause_after {
                    kokoro_tokenize::Pause::Sentence => Pause::Sentence,
                    kokoro_tokenize::Pause::Clause => Pause::Clause,
                    kokoro_tokenize::Pause::Word => Pause::Word,
                    _ => Pause::None,
                },
            })
            .collect())
    }

    fn describe(&self) -> String {
        format!(
            "misaki-rs G2P (US and GB English lexicons), vocab {:?}",
            self.0.vocab().version()
        )
    }
}

/// [`Voices`] over `kokoro_voices::VoiceCatalog`.
pub struct CatalogVoices(pub VoiceCatalog);

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

/// [`Synthesizer`] that loads the process-wide shared session on first use.
pub struct LazySession {
    config: SessionConfig,
    session: OnceLock<Arc<KokoroSession>>,
}

impl LazySession {
    /// A synthesizer for `config`; nothing is loaded yet.
    pub fn new(config: SessionConfig) -> Self {
        Self {
            config,
            session: OnceLock::new(),
        }
    }

    /// The session, loading it (once per process and model path) if needed.
    pub fn session(&self) -> Result<Arc<KokoroSession>> {
        if let Some(s) = self.session.get() {
            return Ok(Arc::clone(s));
        }
        let s = kokoro_session::shared_session(&self.config).map_err(session_error)?;
        Ok(Arc::clone(self.session.get_or_init(|| s)))
    }
}

fn session_error(e: kokoro_session::SessionError) -> Error {
    let kind = if e.is_runtime_missing() {
        ErrorKind::RuntimeMissing
    } else if e.is_model_missing() {
        ErrorKind::ModelMissing
    } else {
        ErrorKind::Inference
    };
    Error::wrap(kind, e)
}

impl Synthesizer for LazySession {
    fn synthesize(&self, ids: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>> {
        let session = self.session()?;
        let out = session.run(ids, style, speed).map_err(session_error)?;
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
    /// The model file, or why it was not found.
    pub model: std::result::Result<String, String>,
    /// The runtime library, or why it was not found.
    pub runtime: std::result::Result<String, String>,
    /// The voices, or why they were not found.
    pub voices: std::result::Result<usize, String>,
    /// The vocabulary version.
    pub vocab: String,
    /// The front end (G2P and its fallbacks).
    pub frontend: String,
    /// The model's inputs and outputs as read from the session, or why it could not be loaded.
    pub contract: std::result::Result<String, String>,
    /// Whether the model files are all present.
    pub model_available: bool,
}

/// Gathers [`EngineInfo`]; loads the session to read the contract when the files are present.
pub fn engine_info(config: &EngineConfig) -> EngineInfo {
    let dir = config.resolved_model_dir();
    let manifest = Manifest::load(&dir).ok().flatten();
    let scfg = config.session_config();
    let model = kokoro_session::locate_model(&scfg)
        .map(|p| p.display().to_string())
        .map_err(|e| e.to_string());
    let runtime = kokoro_session::locate_runtime(&scfg)
        .map(|p| p.display().to_string())
        .map_err(|e| e.to_string());
    let voices = list_voices(config)
        .map(|v| v.len())
        .map_err(|e| e.to_string());
    let vocab = load_vocab(&dir, manifest.as_ref())
        .map(|v| format!("{:?}", v.version()))
        .unwrap_or_else(|e| e.to_string());
    let model_available = kokoro_session::is_model_available(&scfg) && voices.is_ok();
    let frontend = match Engine::open(config) {
        Ok(engine) => engine.frontend().describe(),
        Err(e) => e.to_string(),
    };
    let contract = if model.is_ok() && runtime.is_ok() {
        kokoro_session::shared_session(&scfg)
            .map(|s| s.model_info().to_string())
            .map_err(|e| e.to_string())
    } else {
        Err("not loaded: model or runtime missing".to_string())
    };
    EngineInfo {
        model_dir: dir.display().to_string(),
        variant: manifest.map(|m| m.variant),
        model,
        runtime,
        voices,
        vocab,
        frontend,
        contract,
        model_available,
    }
}

impl fmt::Display for EngineInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn show<T: fmt::Display>(r: &std::result::Result<T, String>) -> String {
            match r {
                Ok(v) => v.to_string(),
                Err(e) => format!("MISSING: {e}"),
            }
        }
        writeln!(f, "model dir:  {}", self.model_dir)?;
        writeln!(
            f,
            "variant:    {}",
            self.variant.as_deref().unwrap_or("(no manifest)")
        )?;
        writeln!(f, "model:      {}", show(&self.model))?;
        writeln!(f, "runtime:    {}", show(&self.runtime))?;
        writeln!(f, "voices:     {}", show(&self.voices))?;
        writeln!(f, "vocab:      {}", self.vocab)?;
        writeln!(f, "front end:  {}", self.frontend)?;
        writeln!(f, "contract:   {}", show(&self.contract))?;
        write!(f, "available:  {}", self.model_available)
    }
}
