//! Information and health: what the engine of a configuration would use, and whether it is all
//! there.
//!
//! - [`list_voices`]: the installed voices ([`VoiceSummary`]).
//! - [`engine_info`] / [`engine_info_with_contract`]: what `kokoro info` shows ([`EngineInfo`]).
//! - [`check_availability`]: are all the files the engine needs there? Cheap, loads nothing.
//! - [`default_model_dir`]: where the model directory is when no configuration names one
//!   (`KOKORO_MODEL_DIR`, else `./models` where it exists, else the user's data directory), and
//!   why ([`ModelDir`], [`ModelDirSource`]); [`EngineConfig::resolve_model_dir`] for a configuration.
//! - The ONNX Runtime versions the engine runs on: [`MIN_RUNTIME_VERSION`] up to
//!   [`RUNTIME_VERSION_BELOW`] ([`runtime_requirement`]: `onnxruntime>=1.21,<2`,
//!   [`is_supported_runtime_version`]); [`EngineConfig::with_runtime_library`] names the library.
//! - [`built_in`]: can this build read a language? Japanese and Mandarin are the cargo features
//!   `ja` and `zh` of this crate (off by default; on in the `kokoro` CLI and the Python wheel).
//!
//! [`check_availability`] looks for the model, the ONNX Runtime library, the voice packs and the
//! vocabulary the way [`Engine::open`](crate::Engine::open) and the first generation would, but
//! only stats and lists files: no ONNX session, no runtime, no voice pack is loaded. `kokoro info`
//! prints it; an API layer can call it at start-up or from a health endpoint.
//! [`Engine::open`](crate::Engine::open) runs it too and, when something is missing, warns once
//! per model directory with the command that fixes it.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use kokoro_model::Language;
use kokoro_session::Manifest;
pub use kokoro_session::{
    MIN_RUNTIME_VERSION, RUNTIME_VERSION_BELOW, is_supported_runtime_version, runtime_requirement,
    supported_runtime_range,
};
pub use kokoro_session::{ModelDir, ModelDirSource, default_model_dir};
use kokoro_voices::VoiceCatalog;

use crate::adapters::PoolSynthesizer;
use crate::config::{EngineConfig, locate_voices, setup_fix};
use crate::error::{Error, ErrorKind};

/// Whether this build reads `language`: Japanese needs this crate's `ja` feature and Mandarin its
/// `zh` feature; every build reads English and the espeak-ng languages (which need the `espeak-ng`
/// program at run time). A request in a language left out is refused with
/// [`ErrorKind::LanguageUnavailable`], naming the feature.
pub use kokoro_tokenize::lang::built_in;

/// One thing the engine needs (a file, the vocabulary, the model's contract), as
/// [`check_availability`] or [`engine_info`] found it.
///
/// Serialized as `{"Ok": "..."}` or `{"Err": "..."}`, the shape `kokoro info --json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Check {
    /// Found and usable: what it is and where (`models/kokoro-v1.0.onnx`, `54 voices in ...`).
    #[serde(rename = "Ok")]
    Found(String),
    /// Missing or unusable (for the contract: not read): why, and what to do about it.
    #[serde(rename = "Err")]
    Missing(String),
}

impl Check {
    /// True when it was found and is usable.
    pub fn is_found(&self) -> bool {
        matches!(self, Self::Found(_))
    }

    /// What was found, or `None` when it is missing.
    pub fn found(&self) -> Option<&str> {
        match self {
            Self::Found(what) => Some(what),
            Self::Missing(_) => None,
        }
    }

    /// Why it is missing, or `None` when it was found.
    pub fn missing(&self) -> Option<&str> {
        match self {
            Self::Found(_) => None,
            Self::Missing(why) => Some(why),
        }
    }

    pub(crate) fn from_result(result: Result<String, String>) -> Self {
        match result {
            Ok(what) => Self::Found(what),
            Err(why) => Self::Missing(why),
        }
    }
}

impl fmt::Display for Check {
    /// What was found, or `MISSING: ` and why.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Found(what) => f.write_str(what),
            Self::Missing(why) => write!(f, "MISSING: {why}"),
        }
    }
}

/// What [`check_availability`] found: each file the engine needs, or why it is not usable.
#[derive(Debug, Clone, Serialize)]
pub struct Availability {
    /// The model directory checked.
    pub model_dir: String,
    /// The model file.
    pub model: Check,
    /// The ONNX Runtime library.
    pub runtime: Check,
    /// The voice packs (how many, where).
    pub voices: Check,
    /// The vocabulary and how it was chosen.
    pub vocab: Check,
    /// True when all four are found.
    pub available: bool,
}

impl Availability {
    /// One line per missing or unusable file, each saying what to do.
    pub fn problems(&self) -> Vec<String> {
        [
            ("model", &self.model),
            ("runtime", &self.runtime),
            ("voices", &self.voices),
            ("vocab", &self.vocab),
        ]
        .into_iter()
        .filter_map(|(what, check)| check.missing().map(|why| format!("{what}: {why}")))
        .collect()
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.available {
            write!(f, "available ({})", self.model_dir)
        } else {
            write!(
                f,
                "not available ({}): {}",
                self.model_dir,
                self.problems().join("; ")
            )
        }
    }
}

/// One installed voice, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoiceSummary {
    /// Its id, e.g. `af_bella`.
    pub id: String,
    /// Language and accent, e.g. `American English` ([`Language::name`]), or `unknown`.
    pub language: String,
    /// The code of the language it speaks by default (`en-us`, `es`, `zh`, ...; what `--lang`
    /// and `lang=` take), or `None` for an id outside Kokoro's convention.
    pub lang: Option<String>,
    /// `female`, `male` or `unknown`.
    pub gender: String,
}

/// The installed voices of the model directory `config` points at.
pub fn list_voices(config: &EngineConfig) -> crate::Result<Vec<VoiceSummary>> {
    let dir = config.resolved_model_dir();
    let manifest = Manifest::load(&dir).map_err(|e| Error::wrap(ErrorKind::ModelMissing, e))?;
    let path = locate_voices(config, &dir, manifest.as_ref())?;
    let catalog = VoiceCatalog::open(&path).map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
    Ok(catalog
        .list()
        .iter()
        .map(|v| VoiceSummary {
            id: v.id.clone(),
            language: v.language.map_or("unknown", Language::name).to_owned(),
            lang: Language::from_voice_id(&v.id).map(|l| l.code().to_owned()),
            gender: v.gender.to_string(),
        })
        .collect())
}

/// What `kokoro info` shows: where everything is and whether it works.
#[derive(Debug, Clone, Serialize)]
pub struct EngineInfo {
    /// The model directory.
    pub model_dir: String,
    /// Why that directory was chosen (`config`, `env`, `working_dir`, `user_data` in JSON).
    pub model_dir_source: ModelDirSource,
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
    /// Whether every file the engine needs is there ([`check_availability`]).
    pub model_available: bool,
}

/// Gathers [`EngineInfo`] from the files alone: loads nothing (no ONNX session, no runtime);
/// availability is [`check_availability`]. The contract is left
/// unread: see [`engine_info_with_contract`].
pub fn engine_info(config: &EngineConfig) -> EngineInfo {
    let availability = check_availability(config);
    let chosen = config.resolve_model_dir();
    let dir = chosen.path;
    let manifest = Manifest::load(&dir).ok().flatten();
    let model = kokoro_session::locate_model(&config.session_config()).ok();
    let frontend = match model
        .as_deref()
        .map(|m| crate::vocab::from_files(&dir, manifest.as_ref(), m))
    {
        Some(Ok(Some(choice))) => config
            .text_tokenizer(choice.vocab)
            .map(|t| t.describe())
            .unwrap_or_else(|e| e.report()),
        _ => "unknown until the vocabulary is known".to_string(),
    };
    EngineInfo {
        model_dir: availability.model_dir,
        model_dir_source: chosen.source,
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
        // A pool of its own, dropped after: nothing stays loaded for the process.
        let pool = PoolSynthesizer::new(config.session_config(), config.pool_layout());
        match pool.session() {
            Ok(session) => Check::Found(format!(
                "{}; word timings: {}",
                session.model_info(),
                match session.durations_source() {
                    Some(source) => format!("yes, durations from {source}"),
                    None => "no (the model gives no per-token durations)".to_owned(),
                }
            )),
            Err(e) => Check::Missing(format!("MISSING: cannot load the model: {}", e.report())),
        }
    } else {
        Check::Missing("MISSING: not loaded: model or runtime missing".to_string())
    };
    info
}

impl fmt::Display for EngineInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "model dir:  {} ({})",
            self.model_dir, self.model_dir_source
        )?;
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

/// Checks that every file the engine of `config` needs is present and usable: the model file,
/// the ONNX Runtime library (a bare library name left to the system loader is looked up in the
/// system library directories), the voice packs (listed, not read) and the vocabulary (see the
/// [vocabulary rules](crate::Engine::open)). Loads nothing: no ONNX session, no runtime.
pub fn check_availability(config: &EngineConfig) -> Availability {
    let dir = config.resolved_model_dir();
    let scfg = config.session_config();
    let manifest = Manifest::load(&dir);
    let manifest_problem = manifest.as_ref().err().map(ToString::to_string);
    let manifest = manifest.ok().flatten();
    let model_path = kokoro_session::locate_model(&scfg);
    let model = model_path
        .as_ref()
        .map(|p| p.display().to_string())
        .map_err(|e| e.to_string());
    let runtime = kokoro_session::locate_runtime(&scfg)
        .map_err(|e| e.to_string())
        .and_then(|p| check_runtime_file(&p, &dir));
    let voices = locate_voices(config, &dir, manifest.as_ref())
        .map_err(|e| e.to_string())
        .and_then(|p| check_voices(&p, &dir));
    let vocab = match (&model_path, &manifest_problem) {
        (_, Some(problem)) => Err(problem.clone()),
        (Err(_), None) => Err("unknown: there is no model to tell it".to_string()),
        (Ok(model), None) => match crate::vocab::from_files(&dir, manifest.as_ref(), model) {
            Ok(Some(choice)) => Ok(choice.source),
            Ok(None) => Err(crate::vocab::unknown_message(model)),
            Err(e) => Err(e.report()),
        },
    };
    let available = model.is_ok() && runtime.is_ok() && voices.is_ok() && vocab.is_ok();
    Availability {
        model_dir: dir.display().to_string(),
        model: Check::from_result(model),
        runtime: Check::from_result(runtime),
        voices: Check::from_result(voices),
        vocab: Check::from_result(vocab),
        available,
    }
}

/// The voices at `path`: a directory is listed (names only); an archive or single pack file is
/// only checked to be a non-empty file (it is read when the engine first needs a voice).
fn check_voices(path: &Path, dir: &Path) -> Result<String, String> {
    if path.is_dir() {
        let catalog = kokoro_voices::VoiceCatalog::from_dir(path).map_err(|e| e.to_string())?;
        return match catalog.list().len() {
            0 => Err(format!(
                "{} holds no <id>.bin voice pack; {}",
                path.display(),
                setup_fix(dir)
            )),
            n => Ok(format!("{n} voices in {}", path.display())),
        };
    }
    match std::fs::metadata(path) {
        Ok(m) if m.len() > 0 => Ok(format!("{} (read on first use)", path.display())),
        Ok(_) => Err(format!("{} is empty; {}", path.display(), setup_fix(dir))),
        Err(e) => Err(format!(
            "cannot read {}: {e}; {}",
            path.display(),
            setup_fix(dir)
        )),
    }
}

/// A located runtime library: an explicit file is there (checked by `locate_runtime`); a bare
/// name for the system loader is looked up where the loader looks.
fn check_runtime_file(path: &Path, dir: &Path) -> Result<String, String> {
    if path.is_file() {
        return Ok(path.display().to_string());
    }
    let name = path.display().to_string();
    if !cfg!(target_os = "linux") {
        return Ok(format!("{name} (left to the system loader)"));
    }
    match find_system_library(&name) {
        Some(found) => Ok(format!("{} (system library)", found.display())),
        None => Err(format!(
            "no onnx runtime library in {}/onnxruntime/, none named by ORT_DYLIB_PATH or manifest.json, \
             and no {name} in the system library directories; {} (or set ORT_DYLIB_PATH to libonnxruntime.so)",
            dir.display(),
            setup_fix(dir)
        )),
    }
}

/// Where the dynamic loader looks on Linux: `LD_LIBRARY_PATH`, the directories of
/// `/etc/ld.so.conf` and `/etc/ld.so.conf.d/*.conf`, and the default directories.
fn system_library_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let mut confs = vec![PathBuf::from("/etc/ld.so.conf")];
    if let Ok(entries) = std::fs::read_dir("/etc/ld.so.conf.d") {
        confs.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "conf")),
        );
    }
    for conf in confs {
        if let Ok(text) = std::fs::read_to_string(&conf) {
            dirs.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| l.starts_with('/'))
                    .map(PathBuf::from),
            );
        }
    }
    for d in [
        "/lib",
        "/lib64",
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/local/lib64",
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

fn find_system_library(name: &str) -> Option<PathBuf> {
    system_library_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Model directories already warned about in this process.
static WARNED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Runs [`check_availability`] and, the first time in this process that `config`'s model
/// directory is found incomplete, logs one warning naming what is missing and the fix.
/// Returns the availability.
pub(crate) fn warn_once_if_unavailable(config: &EngineConfig) -> Availability {
    let availability = check_availability(config);
    if !availability.available {
        let dir = config.resolved_model_dir();
        let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
        if warned.get_or_insert_with(HashSet::new).insert(dir.clone()) {
            tracing::warn!(
                model_dir = %dir.display(),
                "the kokoro model files are not all available, so speech generation will fail: {}. fix: {}",
                availability.problems().join("; "),
                setup_fix(&dir)
            );
        }
    }
    availability
}
