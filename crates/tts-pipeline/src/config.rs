//! Where the engine finds its files and how it runs: [`EngineConfig`], and where the voice packs
//! are ([`locate_voices`]).

use std::path::{Path, PathBuf};

use kokoro_session::{Manifest, ModelDir, PoolLayout, SessionConfig};
use kokoro_tokenize::{Tokenizer, Vocab};

use crate::error::{Error, ErrorKind, Result};

/// Where the engine finds its files and how it runs.
///
/// Two configurations are equal when every setting is; [`Engine::shared`](crate::Engine::shared)
/// keeps one engine per configuration.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EngineConfig {
    /// The model directory; `None` means `KOKORO_MODEL_DIR`, else `./models` where it exists, else
    /// the user's data directory (`~/.local/share/kokoro` on Linux; see
    /// [`EngineConfig::resolve_model_dir`]).
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
    /// When true, [`Engine::open`](crate::Engine::open) loads nothing: the ONNX session loads on the first generation.
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

    /// The model directory this configuration uses ([`EngineConfig::resolve_model_dir`]'s path).
    pub fn resolved_model_dir(&self) -> PathBuf {
        self.resolve_model_dir().path
    }

    /// The model directory this configuration uses, and why.
    ///
    /// The same rule as the session's ([`kokoro_session::resolve_model_dir`]):
    /// [`EngineConfig::model_dir`] (or the session's), else a non-empty `KOKORO_MODEL_DIR`, else
    /// `./models` where it exists, else the user's data directory, where `kokoro fetch-model`
    /// installs by default.
    pub fn resolve_model_dir(&self) -> ModelDir {
        let mut session = self.session.clone();
        if self.model_dir.is_some() {
            session.model_dir.clone_from(&self.model_dir);
        }
        kokoro_session::resolve_model_dir(&session)
    }

    /// This configuration opening the ONNX Runtime shared library at `path` (for example the one
    /// inside the Python `onnxruntime` package) instead of discovering it; it must be a version in
    /// the supported range ([`kokoro_session::supported_runtime_range`]).
    #[must_use]
    pub fn with_runtime_library(mut self, path: impl Into<PathBuf>) -> Self {
        self.session.runtime_library = Some(path.into());
        self
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

    /// This configuration with its model directory resolved ([`EngineConfig::resolved_model_dir`]),
    /// so that it no longer depends on the environment.
    pub(crate) fn resolved(&self) -> EngineConfig {
        EngineConfig {
            model_dir: Some(self.resolved_model_dir()),
            ..self.clone()
        }
    }

    /// The text tokenizer this configuration asks for: misaki with normalization, the
    /// espeak-ng/letter-to-sound fallback chain (espeak-ng unless [`EngineConfig::espeak`] is
    /// `Some(false)`) and the user lexicon of [`EngineConfig::lexicon`], over `vocab`.
    pub(crate) fn text_tokenizer(&self, vocab: Vocab) -> Result<Tokenizer> {
        let mut options =
            kokoro_tokenize::TokenizerOptions::default().espeak(self.espeak.unwrap_or(true));
        if let Some(path) = self.lexicon.clone() {
            options = options.lexicon_file(path);
        }
        let tokenizer = Tokenizer::with_options(vocab, options)
            .map_err(|e| Error::wrap(ErrorKind::Tokenize, e))?;
        Ok(self.with_japanese(tokenizer))
    }

    /// Japanese reads the dictionary beside the model (`ja/`), on its first request only.
    #[cfg(feature = "ja")]
    fn with_japanese(&self, tokenizer: Tokenizer) -> Tokenizer {
        use kokoro_tokenize::lang::{Japanese, Language, LanguageFrontend};
        let model_dir = self.resolved_model_dir();
        tokenizer.with_language_factory(Language::Japanese, move || {
            Ok(Box::new(Japanese::for_model_dir(&model_dir)?) as Box<dyn LanguageFrontend>)
        })
    }

    /// Without the `ja` feature a Japanese request is refused by the tokenizer, naming it.
    #[cfg(not(feature = "ja"))]
    fn with_japanese(&self, tokenizer: Tokenizer) -> Tokenizer {
        tokenizer
    }

    pub(crate) fn session_config(&self) -> SessionConfig {
        let mut cfg = self.session.clone();
        cfg.model_dir = Some(self.resolved_model_dir());
        cfg
    }
}

/// The fix named by every "missing" message and the start-up warning.
pub(crate) fn setup_fix(dir: &Path) -> String {
    format!(
        "run `kokoro fetch-model --dir {0}` (from Python: `python -m kokoro_engine fetch-model --dir {0}`; \
         in a checkout of the engine: `cargo xtask fetch-model --dir {0}`), \
         or point --model-dir / KOKORO_MODEL_DIR at a directory that holds the model files",
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
                    setup_fix(dir)
                ),
            )
        })
}

/// The largest text accepted in one call, in bytes (long stories are fine; this only bounds abuse).
pub const DEFAULT_MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// Tunable behaviour of an [`Engine`](crate::Engine).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Target peak level in dBFS of every file (default -1.0).
    pub target_dbfs: f32,
    /// Pause after a sentence, in seconds.
    pub sentence_pause: f32,
    /// Pause after a clause (comma, semicolon, colon, dash), in seconds.
    pub clause_pause: f32,
    /// Pause at a forced split between words, in seconds.
    pub word_pause: f32,
    /// Silence kept (or added) at the start and the end of every file, in seconds, so that segments
    /// concatenate naturally in a video.
    pub edge_margin: f32,
    /// Amplitude under which leading and trailing samples of a piece count as silence.
    pub silence_threshold: f32,
    /// Largest accepted text, in bytes.
    pub max_text_bytes: usize,
    /// Sample format of the written files.
    pub format: wav_store::SampleFormat,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            target_dbfs: audio_dsp::DEFAULT_TARGET_DBFS,
            sentence_pause: 0.40,
            clause_pause: 0.20,
            word_pause: 0.06,
            edge_margin: 0.05,
            silence_threshold: 0.01,
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
            format: wav_store::SampleFormat::Float32,
        }
    }
}
