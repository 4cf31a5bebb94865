//! # kokoro-py
//!
//! Python bindings of the Kokoro engine: the extension module `kokoro_engine._native`, which the
//! `kokoro_engine` package (`python/kokoro_engine/`) re-exports as StoryFlow's API
//! (`generate_audio`, `KokoroModelLoader`, the audio utilities, the media paths and URLs).
//!
//! ```text
//! Python thread ──► generate_audio(text, voice_id, speed, output_path) ──► dict
//!                      │ GIL released
//!                      └─► tts_pipeline::Engine::generate ──► Outcome ──► dict
//! ```
//!
//! Everything here is conversion: Python objects in, `tts-pipeline` called (its `audio` module
//! for the audio utilities: the crate depends on no other engine crate), Python objects out. The engine is
//! `tts_pipeline::Engine::shared`, the process-wide engine of the configuration, shared by every
//! thread (and by Rust callers of the same process); the session `get_session` returns is that
//! engine's, voices are validated by it and files are written by its `save_samples`, so Rust and
//! Python cannot drift apart. Every call that runs inference or touches files releases the GIL. Numpy arrays cross as raw native-endian bytes,
//! converted by the small Python layer of the package, so the crate needs no numpy bindings.
//!
//! `stream` is `stream_audio`'s native half: a stream of chunks whose every `next_chunk` releases
//! the GIL while it renders one piece.
//!
//! Log records: the engine's `tracing` events reach Python's `logging` under the logger
//! `kokoro_engine` (`logs`: buffered, never taking the GIL on an engine thread). `segment` is
//! what the Celery tasks of `kokoro_engine.celery` call; `fetch` installs the model files
//! (`fetch_model`, `python -m kokoro_engine fetch-model`).
//!
//! Where the engine's files are: the model directory is `configure(model_dir=...)`, else the
//! engine's own order (`KOKORO_MODEL_DIR`, `./models` where it exists, the user's data
//! directory: `tts_pipeline::health::default_model_dir`). The ONNX Runtime library is
//! `configure(runtime_library=...)`, else `ORT_DYLIB_PATH`, else the library of the `onnxruntime`
//! package installed beside this one (found by the package's Python layer without importing
//! it, and handed over with `_set_package_runtime`), else the engine's discovery (the model
//! directory's manifest and `onnxruntime/`, then the system loader). A package library outside
//! the supported versions is refused before it is opened, naming the `pip install` that fixes it.
//!
//! Errors follow the spec: `generate_audio` never raises for bad input or a missing model (it
//! returns `{"success": False, "error": ...}`); `KokoroModelLoader.get_session` raises
//! `FileNotFoundError` when the model is missing; `get_audio_duration` raises `FileNotFoundError`
//! for a missing file; invalid project or segment ids raise `ValueError`.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use tts_pipeline::{Engine, EngineConfig, MediaLayout, Outcome, Request};

mod fetch;
mod logs;
mod segment;
mod stream;

/// What `configure()` set; `None`: the environment (`KOKORO_MODEL_DIR`, `ORT_DYLIB_PATH`,
/// `MEDIA_ROOT`, `MEDIA_URL`) or the default.
struct Settings {
    model_dir: Option<PathBuf>,
    runtime_library: Option<PathBuf>,
    media_root: Option<PathBuf>,
    media_url: Option<String>,
}

static SETTINGS: Mutex<Settings> = Mutex::new(Settings {
    model_dir: None,
    runtime_library: None,
    media_root: None,
    media_url: None,
});

/// The ONNX Runtime library of the `onnxruntime` Python package, as the package's Python layer
/// found it (`_set_package_runtime`): its path and the version in its file name.
struct PackageRuntime {
    path: PathBuf,
    version: Option<String>,
}

static PACKAGE_RUNTIME: Mutex<Option<PackageRuntime>> = Mutex::new(None);

/// Where the ONNX Runtime library comes from (the discovery order, first match wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuntimeSource {
    /// `configure(runtime_library=...)`.
    Configured,
    /// The `ORT_DYLIB_PATH` environment variable (read by the engine itself).
    Env,
    /// The `onnxruntime` package installed in this Python environment.
    Package,
    /// The engine's own discovery: the model directory (manifest, `onnxruntime/`), then the
    /// system loader.
    Engine,
}

impl RuntimeSource {
    /// Its name in `get_model_info()`.
    fn name(self) -> &'static str {
        match self {
            Self::Configured => "config",
            Self::Env => "env",
            Self::Package => "package",
            Self::Engine => "model_dir_or_system",
        }
    }
}

/// The runtime library the engine is to open (`None`: the engine's own discovery) and why.
fn runtime_choice() -> (Option<PathBuf>, RuntimeSource) {
    if let Some(path) = lock(&SETTINGS).runtime_library.clone() {
        return (Some(path), RuntimeSource::Configured);
    }
    if std::env::var_os("ORT_DYLIB_PATH").is_some_and(|v| !v.is_empty()) {
        return (None, RuntimeSource::Env);
    }
    match lock(&PACKAGE_RUNTIME).as_ref() {
        Some(package) => (Some(package.path.clone()), RuntimeSource::Package),
        None => (None, RuntimeSource::Engine),
    }
}

/// Why the `onnxruntime` package's library cannot be used, when it is the one chosen and the
/// version in its file name is outside the range the engine runs on; checked before anything
/// opens it (an opened library stays in the process).
fn package_runtime_refusal() -> Option<String> {
    if runtime_choice().1 != RuntimeSource::Package {
        return None;
    }
    let guard = lock(&PACKAGE_RUNTIME);
    let package = guard.as_ref()?;
    let version = package.version.as_deref()?;
    if tts_pipeline::health::is_supported_runtime_version(version) != Some(false) {
        return None;
    }
    Some(format!(
        "the onnxruntime package of this Python environment is version {version} ({}), outside the \
         versions the engine runs on ({}): install a supported one with `pip install \"{}\"` (or \
         point configure(runtime_library=...) or ORT_DYLIB_PATH at another libonnxruntime)",
        package.path.display(),
        tts_pipeline::health::supported_runtime_range(),
        tts_pipeline::health::runtime_requirement()
    ))
}

/// Locks `m`, ignoring poisoning: every value guarded here stays consistent across a panic.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn model_dir() -> PathBuf {
    resolve_model_dir().path
}

/// The model directory and why: `configure(model_dir=...)`, else the engine's order
/// (`KOKORO_MODEL_DIR`, `./models` where it exists, the user's data directory).
fn resolve_model_dir() -> tts_pipeline::health::ModelDir {
    let explicit = lock(&SETTINGS).model_dir.clone();
    let mut config = EngineConfig::default();
    config.model_dir = explicit;
    config.resolve_model_dir()
}

/// `source`'s name (`config`, `env`, `working_dir`, `user_data`), as `kokoro info --json` says it.
fn source_name(source: tts_pipeline::health::ModelDirSource) -> &'static str {
    use tts_pipeline::health::ModelDirSource as S;
    match source {
        S::Config => "config",
        S::Env => "env",
        S::WorkingDir => "working_dir",
        S::UserData => "user_data",
        _ => "other",
    }
}

/// The model directory's entries of the settings and info dicts: `model_dir` (the path),
/// `model_dir_source` (`config`, `env`, `working_dir`, `user_data`) and `model_dir_reason` (why,
/// in words).
fn add_model_dir(d: &Bound<'_, PyDict>) -> PyResult<()> {
    let chosen = resolve_model_dir();
    let source = if lock(&SETTINGS).model_dir.is_some() {
        "set by configure(model_dir=...)"
    } else {
        chosen.source.describe()
    };
    d.set_item("model_dir", path_string(&chosen.path))?;
    d.set_item("model_dir_source", source_name(chosen.source))?;
    d.set_item("model_dir_reason", source)?;
    Ok(())
}

fn media_layout() -> MediaLayout {
    let env = MediaLayout::from_env();
    let s = lock(&SETTINGS);
    MediaLayout::new(
        s.media_root
            .clone()
            .unwrap_or_else(|| env.media_root().to_path_buf()),
        s.media_url
            .clone()
            .unwrap_or_else(|| env.media_url().to_string()),
    )
}

/// The engine configuration of the configured model directory and the environment.
fn engine_config() -> EngineConfig {
    let mut config = EngineConfig::with_model_dir(model_dir());
    if let (Some(runtime), _) = runtime_choice() {
        config = config.with_runtime_library(runtime);
    }
    // The process's environment belongs to this module, not to the library: map it here.
    config.lexicon = std::env::var_os("KOKORO_LEXICON")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if std::env::var_os("KOKORO_NO_ESPEAK").is_some_and(|v| !v.is_empty() && v != "0") {
        config.espeak = Some(false);
    }
    config
}

/// `e`, saying how a Python environment gets ONNX Runtime when the library is missing and no
/// `onnxruntime` package was found (the wheel depends on it; an install without dependencies
/// lacks it).
fn with_python_fix(e: tts_pipeline::Error) -> tts_pipeline::Error {
    if e.kind() != tts_pipeline::ErrorKind::RuntimeMissing
        || runtime_choice().1 != RuntimeSource::Engine
    {
        return e;
    }
    tts_pipeline::Error::new(
        e.kind(),
        format!(
            "{}; from Python: `pip install \"{}\"` installs the onnxruntime package, whose library \
             the engine opens by itself",
            e.report(),
            tts_pipeline::health::runtime_requirement()
        ),
    )
}

/// The process's engine for the current configuration (`Engine::shared`), opened on first use.
fn engine() -> tts_pipeline::Result<Arc<Engine>> {
    if let Some(why) = package_runtime_refusal() {
        return Err(tts_pipeline::Error::new(
            tts_pipeline::ErrorKind::RuntimeMissing,
            why,
        ));
    }
    Engine::shared(&engine_config())
}

fn path_string(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `str(obj)`, for ids and voices given as UUIDs, ints or other objects.
fn to_text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj.str()?.to_string_lossy().into_owned())
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object of unknown type".to_string())
}

/// Words as a list of {"text", "start", "end"} dicts (seconds).
fn words_list<'py>(
    py: Python<'py>,
    words: &[tts_pipeline::WordTiming],
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for w in words {
        let item = PyDict::new(py);
        item.set_item("text", &w.text)?;
        item.set_item("start", w.start)?;
        item.set_item("end", w.end)?;
        list.append(item)?;
    }
    Ok(list)
}

fn outcome_dict<'py>(py: Python<'py>, outcome: &Outcome) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("success", outcome.success)?;
    if outcome.success {
        d.set_item("audio_path", outcome.audio_path.as_deref())?;
        d.set_item("duration", outcome.duration)?;
        d.set_item("sample_rate", outcome.sample_rate)?;
        d.set_item("voice", outcome.voice.as_deref())?;
        d.set_item("lang", outcome.lang.as_deref())?;
        if let Some(words) = &outcome.words {
            d.set_item("words", words_list(py, words)?)?;
        }
        if let Some(path) = &outcome.captions_path {
            d.set_item("captions_path", path)?;
        }
    } else {
        d.set_item("error", outcome.error.as_deref().unwrap_or("unknown error"))?;
    }
    Ok(d)
}

/// Generate a .wav audio file from text using Kokoro-82M.
///
/// Args:
///     text: The text to convert to speech.
///     voice_id: Kokoro voice ID (e.g., "af_bella"). None, empty or unknown ids fall back to
///         "af_bella" (with a logged warning); blends such as "af_bella:0.7,am_adam:0.3" work.
///     speed: Speech speed multiplier (1.0 = normal), clamped to 0.5-2.0.
///     output_path: Where to save the .wav file (str or os.PathLike). Parent directories are
///         created; an existing file is overwritten atomically.
///     lang: The language of the text: "en-us", "en-gb", "es", "fr-fr", "hi", "it", "ja",
///         "pt-br" or "zh" ("en", "fr", "pt" also work). None (the default): the voice's
///         language, from its first letter (a blend: its first voice's). An unknown code is an
///         error dict, as is text in a script the language cannot read.
///     word_timings: Also return when each word is spoken ("words"), from the same inference.
///     captions: "vtt" or "srt" to also write captions next to the .wav file (same name, that
///         extension), atomically; their path is "captions_path".
///
/// Returns:
///     {
///         "audio_path": str,
///         "duration": float,
///         "sample_rate": int,
///         "success": True,
///         "voice": str,          # the voice actually used
///         "lang": str,           # the language spoken, e.g. "es"
///         "words": [{"text": str, "start": float, "end": float}, ...],  # word_timings=True only
///         "captions_path": str,  # captions only
///     }
///     On error:
///     {
///         "success": False,
///         "error": str
///     }
///
/// Never raises for bad input or a missing model: the error dict says what went wrong and
/// what to do. The GIL is released while the audio is synthesized, so several Python threads
/// can narrate at once.
#[pyfunction]
#[pyo3(
    signature = (text, voice_id = None, speed = None, output_path = None, lang = None, word_timings = false, captions = None),
    text_signature = "(text, voice_id='af_bella', speed=1.0, output_path=None, lang=None, word_timings=False, captions=None)"
)]
// The Python signature StoryFlow calls: one argument per keyword.
#[allow(clippy::too_many_arguments)]
fn generate_audio<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    voice_id: Option<&Bound<'py, PyAny>>,
    speed: Option<&Bound<'py, PyAny>>,
    output_path: Option<&Bound<'py, PyAny>>,
    lang: Option<&Bound<'py, PyAny>>,
    word_timings: bool,
    captions: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let fail = |message: String| outcome_dict(py, &Outcome::failure(message));
    let Ok(text) = text.extract::<String>() else {
        return fail(format!("text must be a str, got {}", type_name(text)));
    };
    // An object whose str() fails counts as an unknown voice (fallback), not as an exception.
    let voice = voice_id.map(|v| to_text(v).unwrap_or_default());
    let speed = match speed {
        None => 1.0,
        Some(s) => match s.extract::<f64>() {
            Ok(v) => v as f32,
            Err(_) => {
                return fail(format!(
                    "speed must be a number between {} and {}, got {}",
                    tts_pipeline::MIN_SPEED,
                    tts_pipeline::MAX_SPEED,
                    to_text(s).unwrap_or_else(|_| "an unprintable object".to_string())
                ));
            }
        },
    };
    let output = match output_path {
        None => {
            return fail(
                "output_path is required: pass where the .wav file goes, e.g. \
                 construct_audio_path(project_id, segment_id)"
                    .to_string(),
            );
        }
        Some(p) => match p.extract::<PathBuf>() {
            Ok(p) => p,
            Err(_) => {
                return fail(format!(
                    "output_path must be a str or os.PathLike, got {}",
                    type_name(p)
                ));
            }
        },
    };
    let lang = match lang {
        None => None,
        Some(code) => match code
            .extract::<String>()
            .map_err(|_| format!("lang must be a str such as \"es\", got {}", type_name(code)))
            .and_then(|code| tts_pipeline::parse_lang(&code).map_err(|e| e.report()))
        {
            Ok(lang) => Some(lang),
            Err(message) => return fail(message),
        },
    };
    let captions = match captions.map(|c| c.extract::<String>()) {
        None => None,
        Some(Ok(c)) => match c.parse::<tts_pipeline::captions::CaptionFormat>() {
            Ok(format) => Some(format),
            Err(e) => return fail(e.report()),
        },
        Some(Err(_)) => return fail("captions must be None, \"vtt\" or \"srt\"".to_string()),
    };
    let mut request = Request::text(text.as_str())
        .with_speed(speed)
        .with_word_timings(word_timings)
        .with_captions(captions);
    request.voice = voice;
    request.lang = lang;
    let outcome = py.detach(move || {
        let run = || match engine() {
            Ok(engine) => {
                Outcome::from(engine.generate(&request, &output).map_err(with_python_fix))
            }
            Err(e) => Outcome::failure(with_python_fix(e).report()),
        };
        std::panic::catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| {
            Outcome::failure("TTS generation failed: internal error (the engine panicked)")
        })
    });
    if outcome.success {
        tracing::info!(path = ?outcome.audio_path, duration = ?outcome.duration, "generate_audio");
    } else {
        tracing::error!(error = ?outcome.error, "generate_audio failed");
    }
    logs::flush(py);
    outcome_dict(py, &outcome)
}

/// The loaded Kokoro ONNX session (shared by the whole process), as returned by
/// `KokoroModelLoader.get_session()`: the session of the process's engine.
#[pyclass(module = "kokoro_engine", name = "KokoroSession", frozen)]
struct Session {
    engine: Arc<Engine>,
}

/// The model's inputs (or, with `outputs`, its outputs) as {"name", "shape", "type"} dicts.
fn tensors<'py>(py: Python<'py>, engine: &Engine, outputs: bool) -> PyResult<Bound<'py, PyList>> {
    let session = engine.parts().session().map_err(|e| engine_error(&e))?;
    let info = session.model_info();
    let out = PyList::empty(py);
    for t in if outputs { &info.outputs } else { &info.inputs } {
        let d = PyDict::new(py);
        d.set_item("name", &t.name)?;
        d.set_item("shape", t.shape.clone())?;
        d.set_item("type", &t.dtype)?;
        out.append(d)?;
    }
    Ok(out)
}

#[pymethods]
impl Session {
    /// The .onnx file this session was loaded from.
    #[getter]
    fn model_path(&self) -> PyResult<String> {
        let session = self
            .engine
            .parts()
            .session()
            .map_err(|e| engine_error(&e))?;
        Ok(path_string(session.model_path()))
    }

    /// The sample rate of the audio the model produces (24000).
    #[getter]
    fn sample_rate(&self) -> u32 {
        tts_pipeline::audio::SAMPLE_RATE
    }

    /// The model's inputs: a list of {"name", "shape", "type"} dicts (-1 marks a dynamic axis).
    fn get_inputs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        tensors(py, &self.engine, false)
    }

    /// The model's outputs: a list of {"name", "shape", "type"} dicts (-1 marks a dynamic axis).
    fn get_outputs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        tensors(py, &self.engine, true)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("<KokoroSession {}>", self.model_path()?))
    }
}

/// The engine's error as a Python exception: `FileNotFoundError` when the model directory lacks a
/// file the engine needs (see `is_model_available`), else `RuntimeError` (a corrupt model, an
/// unusable runtime).
fn engine_error(e: &tts_pipeline::Error) -> PyErr {
    if e.is_setup_missing() && !tts_pipeline::health::check_availability(&engine_config()).available
    {
        PyFileNotFoundError::new_err(e.report())
    } else {
        PyRuntimeError::new_err(e.report())
    }
}

/// Loads the Kokoro-82M ONNX model once per process and shares it (thread-safe).
///
/// The model directory is `configure(model_dir=...)`, else the KOKORO_MODEL_DIR environment
/// variable, else ./models where it exists, else the user's data directory
/// (~/.local/share/kokoro). It holds the .onnx model, the voice packs and config.json, as
/// installed by `python -m kokoro_engine fetch-model` (or `kokoro fetch-model`). The ONNX
/// Runtime library comes from the onnxruntime package (see configure()).
#[pyclass(module = "kokoro_engine", frozen)]
struct KokoroModelLoader;

/// The module attribute that keeps the `KokoroSession` object last returned, so that repeated
/// `get_session()` calls for one engine return the same Python object (the session itself is the
/// engine's).
const SESSION_ATTR: &str = "_session";

fn load_session(py: Python<'_>) -> PyResult<Py<Session>> {
    let loaded = py.detach(|| engine().and_then(|engine| engine.parts().session().map(|_| engine)));
    logs::flush(py);
    let engine = loaded.map_err(|e| engine_error(&with_python_fix(e)))?;
    let module = py.import("kokoro_engine._native")?;
    if let Ok(cached) = module.getattr(SESSION_ATTR)
        && let Ok(session) = cached.cast_into::<Session>()
        && Arc::ptr_eq(&session.get().engine, &engine)
    {
        return Ok(session.unbind());
    }
    let session = Py::new(py, Session { engine })?;
    module.setattr(SESSION_ATTR, session.clone_ref(py))?;
    Ok(session)
}

#[pymethods]
impl KokoroModelLoader {
    /// Return the shared ONNX session, loading the model on the first call.
    ///
    /// Loads once per process and model file, even when many threads call it at once (the GIL
    /// is released while loading); later calls return the same object.
    ///
    /// Raises:
    ///     FileNotFoundError: If the model or the ONNX Runtime library is missing; the message
    ///         says where the engine looked and how to install it.
    ///     RuntimeError: If the model cannot be loaded (corrupt file, incompatible runtime).
    #[staticmethod]
    fn get_session(py: Python<'_>) -> PyResult<Py<Session>> {
        load_session(py)
    }

    /// Check if the model files exist without loading them.
    ///
    /// True when the model directory holds everything the engine needs: the .onnx model, the
    /// ONNX Runtime library, the voice packs and a known vocabulary (the engine's own
    /// `check_availability`). Cheap: it looks at files only.
    #[staticmethod]
    fn is_model_available(py: Python<'_>) -> bool {
        let config = engine_config();
        py.detach(|| tts_pipeline::health::check_availability(&config).available)
    }

    /// Return model input/output metadata (for debugging).
    ///
    /// Returns:
    ///     {"model_path": str, "model_dir": str, "sample_rate": int,
    ///      "inputs": [{"name": str, "shape": list, "type": str}, ...],
    ///      "outputs": [...],
    ///      "model_dir_source": str, "model_dir_reason": str,
    ///      "runtime_library": str, "runtime_source": str}
    ///
    /// model_dir_source says why that model directory: "config" (configure(model_dir=...)),
    /// "env" (KOKORO_MODEL_DIR), "working_dir" (./models, which exists) or "user_data" (the
    /// user's data directory, e.g. ~/.local/share/kokoro); model_dir_reason says it in words.
    /// runtime_library is the ONNX Runtime library and runtime_source why: "config"
    /// (configure(runtime_library=...)), "env" (ORT_DYLIB_PATH), "package" (the onnxruntime
    /// package of this environment) or "model_dir_or_system" (the model directory's, else the
    /// system's).
    ///
    /// Raises:
    ///     FileNotFoundError / RuntimeError: As get_session(), which it calls.
    #[staticmethod]
    fn get_model_info<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let session = load_session(py)?;
        let s = session.get();
        let d = PyDict::new(py);
        d.set_item("model_path", s.model_path()?)?;
        add_model_dir(&d)?;
        let config = engine_config();
        let runtime = py.detach(|| tts_pipeline::health::check_availability(&config).runtime);
        d.set_item("runtime_library", runtime.found())?;
        d.set_item("runtime_source", runtime_choice().1.name())?;
        d.set_item("sample_rate", s.sample_rate())?;
        d.set_item("inputs", s.get_inputs(py)?)?;
        d.set_item("outputs", s.get_outputs(py)?)?;
        Ok(d)
    }

    /// How many ONNX sessions this process has loaded so far (for tests and monitoring).
    #[staticmethod]
    fn load_count() -> usize {
        tts_pipeline::shared::sessions_loaded()
    }
}

/// Set the model directory, ONNX Runtime library, media root and media URL explicitly.
///
/// Args:
///     model_dir: The Kokoro model directory (overrides KOKORO_MODEL_DIR; default ./models
///         where it exists, else the user's data directory, e.g. ~/.local/share/kokoro, where
///         fetch_model() installs by default).
///     runtime_library: The ONNX Runtime shared library (libonnxruntime.so*; overrides
///         ORT_DYLIB_PATH; default: the onnxruntime package of this environment, else the
///         model directory's, else the system's). One library per process: set it before the
///         first generation.
///     media_root: The media root of construct_audio_path (overrides MEDIA_ROOT; default media).
///     media_url: The URL prefix of construct_audio_url (overrides MEDIA_URL; default /media/).
///
/// An argument left out (None) keeps its current setting; an empty string clears it, so that
/// the environment variable (or the default) applies again. A Django project calls it once at
/// start-up, e.g. configure(media_root=settings.MEDIA_ROOT, media_url=settings.MEDIA_URL).
///
/// Returns:
///     The settings now in effect: {"model_dir": str, "model_dir_source": str,
///     "model_dir_reason": str, "runtime_library": str or None, "runtime_source": str,
///     "media_root": str, "media_url": str} (see KokoroModelLoader.get_model_info for the
///     sources; runtime_library is None when the engine discovers it in the model directory or
///     the system, or reads ORT_DYLIB_PATH).
#[pyfunction]
#[pyo3(signature = (*, model_dir = None, runtime_library = None, media_root = None, media_url = None))]
fn configure<'py>(
    py: Python<'py>,
    model_dir: Option<PathBuf>,
    runtime_library: Option<PathBuf>,
    media_root: Option<PathBuf>,
    media_url: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    {
        let mut s = lock(&SETTINGS);
        if let Some(dir) = model_dir {
            s.model_dir = (!dir.as_os_str().is_empty()).then_some(dir);
        }
        if let Some(path) = runtime_library {
            s.runtime_library = (!path.as_os_str().is_empty()).then_some(path);
        }
        if let Some(root) = media_root {
            s.media_root = (!root.as_os_str().is_empty()).then_some(root);
        }
        if let Some(url) = media_url {
            s.media_url = (!url.is_empty()).then_some(url);
        }
    }
    let layout = media_layout();
    let d = PyDict::new(py);
    add_model_dir(&d)?;
    let (runtime, source) = runtime_choice();
    d.set_item("runtime_library", runtime.as_deref().map(path_string))?;
    d.set_item("runtime_source", source.name())?;
    d.set_item("media_root", path_string(layout.media_root()))?;
    d.set_item("media_url", layout.media_url())?;
    Ok(d)
}

/// Validate a voice ID. Returns the voice ID if valid, or the default voice ID ("af_bella")
/// if invalid (with a logged warning); never raises.
///
/// Valid means installed in the model directory (54 voices with the default model; blends such
/// as "af_bella:0.7,am_adam:0.3" are valid when all their voices are). Without a model, only
/// the engine's fallback voices (af_bella, af_heart, af_sarah, af_nicole, am_adam, am_michael,
/// bf_emma, bm_george) count as valid. None and "" give "af_bella".
#[pyfunction]
#[pyo3(signature = (voice_id))]
fn validate_voice_id(py: Python<'_>, voice_id: Option<&Bound<'_, PyAny>>) -> String {
    let voice = voice_id.map(|v| to_text(v).unwrap_or_default());
    let config = engine_config();
    let valid =
        py.detach(move || tts_pipeline::shared::resolve_voice(&config, voice.as_deref()).voice);
    logs::flush(py);
    valid
}

/// A file error of `save_samples` as the Python exception its kind calls for.
fn file_error(e: &tts_pipeline::Error) -> PyErr {
    use tts_pipeline::ErrorKind as K;
    match e.kind() {
        K::NotFound => PyFileNotFoundError::new_err(e.report()),
        K::IsDirectory => PyIsADirectoryError::new_err(e.report()),
        K::Storage => PyOSError::new_err(e.report()),
        K::InvalidId | K::InvalidAudio => PyValueError::new_err(e.report()),
        _ => PyRuntimeError::new_err(e.report()),
    }
}

/// Get the duration of a .wav file in seconds.
///
/// Args:
///     file_path: Path to the .wav file (str or os.PathLike).
///
/// Returns:
///     Duration in seconds as a float (frames / sample rate).
///
/// Raises:
///     FileNotFoundError: If file does not exist.
///     RuntimeError: If file is not a valid audio file (every sample is decoded, so truncated
///         files are caught; 32-bit float and 16-bit PCM WAV are read).
#[pyfunction]
#[pyo3(signature = (file_path))]
fn get_audio_duration(py: Python<'_>, file_path: PathBuf) -> PyResult<f64> {
    py.detach(|| tts_pipeline::audio::wav_duration(&file_path))
        .map_err(|e| match e.kind() {
            tts_pipeline::ErrorKind::NotFound => PyFileNotFoundError::new_err(e.report()),
            _ => PyRuntimeError::new_err(e.report()),
        })
}

/// Check if a .wav file is valid and readable.
///
/// Returns True if valid (it decodes completely, with a non-zero duration and sample rate),
/// False otherwise (missing, empty, corrupt or truncated file, or not a path). Never raises.
#[pyfunction]
#[pyo3(signature = (file_path))]
fn validate_audio_file(py: Python<'_>, file_path: &Bound<'_, PyAny>) -> bool {
    let Ok(path) = file_path.extract::<PathBuf>() else {
        return false;
    };
    py.detach(|| {
        tts_pipeline::audio::validate_wav(&path)
            .is_ok_and(|info| info.duration_seconds > 0.0 && info.sample_rate > 0)
    })
}

/// Writes native-endian float32 `samples` as a mono 32-bit float WAV at `output_path`
/// (atomically; parent directories are created). Called by `save_audio_wav`.
#[pyfunction]
fn _save_wav_f32(
    py: Python<'_>,
    samples: &[u8],
    output_path: PathBuf,
    sample_rate: i64,
) -> PyResult<String> {
    let rate = u32::try_from(sample_rate)
        .ok()
        .filter(|&r| r > 0)
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "sample_rate must be a positive number of Hz, got {sample_rate}"
            ))
        })?;
    let samples = ne_values(samples, f32::from_ne_bytes);
    let format = tts_pipeline::SampleFormat::Float32;
    py.detach(|| tts_pipeline::save_samples(&output_path, &samples, rate, format))
        .map_err(|e| file_error(&e))?;
    Ok(path_string(&output_path))
}

fn dsp_error(e: &tts_pipeline::Error) -> PyErr {
    PyValueError::new_err(e.report())
}

/// Peak-normalizes native-endian float32 `samples`; returns float32 bytes. Called by
/// `normalize_audio`.
#[pyfunction]
fn _normalize_f32<'py>(py: Python<'py>, samples: &[u8], target_db: f32) -> PyBytesResult<'py> {
    let out =
        tts_pipeline::audio::normalize_peak(&ne_values(samples, f32::from_ne_bytes), target_db);
    Ok(f32_bytes(py, &out.map_err(|e| dsp_error(&e))?))
}

/// Peak-normalizes native-endian float64 `samples`; returns float32 bytes. Called by
/// `normalize_audio`.
#[pyfunction]
fn _normalize_f64<'py>(py: Python<'py>, samples: &[u8], target_db: f32) -> PyBytesResult<'py> {
    let out =
        tts_pipeline::audio::normalize_peak_f64(&ne_values(samples, f64::from_ne_bytes), target_db);
    Ok(f32_bytes(py, &out.map_err(|e| dsp_error(&e))?))
}

type PyBytesResult<'py> = PyResult<Bound<'py, PyBytes>>;

/// The values of native-endian `bytes`, `N` bytes each (a trailing partial value is ignored).
fn ne_values<T, const N: usize>(bytes: &[u8], from_ne_bytes: fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .filter_map(|b| b.try_into().ok().map(from_ne_bytes))
        .collect()
}

fn f32_bytes<'py>(py: Python<'py>, samples: &[f32]) -> Bound<'py, PyBytes> {
    let bytes: Vec<u8> = samples.iter().flat_map(|x| x.to_ne_bytes()).collect();
    PyBytes::new(py, &bytes)
}

/// Construct the absolute file path for a segment's audio file.
///
/// Returns: '{MEDIA_ROOT}/projects/{project_id}/audio/{segment_id}.wav'
///
/// MEDIA_ROOT is configure(media_root=...), else the MEDIA_ROOT environment variable, else
/// "media". Ids may be str or any object whose str() is the id (e.g. uuid.UUID).
///
/// Raises:
///     ValueError: If an id is not safe as one path component (empty, longer than 128 bytes,
///         starting with ".", containing "..", "/", "\\", spaces or non-ASCII characters).
#[pyfunction]
#[pyo3(signature = (project_id, segment_id))]
fn construct_audio_path(
    project_id: &Bound<'_, PyAny>,
    segment_id: &Bound<'_, PyAny>,
) -> PyResult<String> {
    segment_location(project_id, segment_id, |layout, p, s| {
        layout.audio_path(p, s).map(|path| path_string(&path))
    })
}

/// What `locate` makes of the ids (as `str()`) in the current media layout; a bad id is a
/// ValueError.
fn segment_location<E: std::fmt::Display>(
    project_id: &Bound<'_, PyAny>,
    segment_id: &Bound<'_, PyAny>,
    locate: impl FnOnce(&MediaLayout, &str, &str) -> Result<String, E>,
) -> PyResult<String> {
    let (p, s) = (to_text(project_id)?, to_text(segment_id)?);
    locate(&media_layout(), &p, &s).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Construct the URL path (relative to MEDIA_URL) for a segment's audio file.
///
/// Returns: '/media/projects/{project_id}/audio/{segment_id}.wav'
///
/// MEDIA_URL is configure(media_url=...), else the MEDIA_URL environment variable, else
/// "/media/"; exactly one "/" separates it from "projects".
///
/// Raises:
///     ValueError: If an id is invalid (as construct_audio_path).
#[pyfunction]
#[pyo3(signature = (project_id, segment_id))]
fn construct_audio_url(
    project_id: &Bound<'_, PyAny>,
    segment_id: &Bound<'_, PyAny>,
) -> PyResult<String> {
    segment_location(project_id, segment_id, MediaLayout::audio_url)
}

/// Tells the engine the ONNX Runtime library of the `onnxruntime` package of this environment
/// (`path`, with the version in its file name), or that there is none (`None`). Called by the
/// package's `__init__` at import.
#[pyfunction]
#[pyo3(signature = (path, version = None))]
fn _set_package_runtime(path: Option<PathBuf>, version: Option<String>) {
    *lock(&PACKAGE_RUNTIME) = path.map(|path| PackageRuntime { path, version });
}

/// What the engine would find, from the files alone (loads nothing): `{"model", "runtime",
/// "voices", "vocab"}`, each what was found or `MISSING: ` and why, and `"available"`. For
/// `python -m kokoro_engine info`.
#[pyfunction]
fn _check_files(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let config = engine_config();
    let found = py.detach(|| tts_pipeline::health::check_availability(&config));
    logs::flush(py);
    let d = PyDict::new(py);
    d.set_item("model", found.model.to_string())?;
    d.set_item("runtime", found.runtime.to_string())?;
    d.set_item("voices", found.voices.to_string())?;
    d.set_item("vocab", found.vocab.to_string())?;
    d.set_item("available", found.available)?;
    Ok(d)
}

/// The native part of the `kokoro_engine` package; import `kokoro_engine` instead.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "ONNXRUNTIME_REQUIREMENT",
        tts_pipeline::health::runtime_requirement(),
    )?;
    m.add(
        "SUPPORTED_RUNTIME_RANGE",
        tts_pipeline::health::supported_runtime_range(),
    )?;
    m.add("DEFAULT_VOICE_ID", tts_pipeline::DEFAULT_VOICE)?;
    m.add("SAMPLE_RATE", tts_pipeline::audio::SAMPLE_RATE)?;
    m.add("MIN_SPEED", tts_pipeline::MIN_SPEED)?;
    m.add("MAX_SPEED", tts_pipeline::MAX_SPEED)?;
    m.add_class::<KokoroModelLoader>()?;
    m.add_class::<Session>()?;
    m.add_function(wrap_pyfunction!(generate_audio, m)?)?;
    m.add_function(wrap_pyfunction!(configure, m)?)?;
    m.add_function(wrap_pyfunction!(validate_voice_id, m)?)?;
    m.add_function(wrap_pyfunction!(get_audio_duration, m)?)?;
    m.add_function(wrap_pyfunction!(validate_audio_file, m)?)?;
    m.add_function(wrap_pyfunction!(construct_audio_path, m)?)?;
    m.add_function(wrap_pyfunction!(construct_audio_url, m)?)?;
    m.add_function(wrap_pyfunction!(_save_wav_f32, m)?)?;
    m.add_function(wrap_pyfunction!(_normalize_f32, m)?)?;
    m.add_function(wrap_pyfunction!(_normalize_f64, m)?)?;
    m.add_function(wrap_pyfunction!(_set_package_runtime, m)?)?;
    m.add_function(wrap_pyfunction!(_check_files, m)?)?;
    fetch::add(m)?;
    m.add_function(wrap_pyfunction!(segment::_generate_segment, m)?)?;
    m.add_function(wrap_pyfunction!(stream::_stream_audio, m)?)?;
    m.add_class::<stream::AudioStream>()?;
    m.add_function(wrap_pyfunction!(segment::_open_engine, m)?)?;
    m.add_function(wrap_pyfunction!(segment::_stop_background, m)?)?;
    m.add_function(wrap_pyfunction!(logs::_drain_logs, m)?)?;
    m.add_function(wrap_pyfunction!(logs::_drain_done, m)?)?;
    m.add_function(wrap_pyfunction!(logs::_flush_logs, m)?)?;
    m.add_function(wrap_pyfunction!(logs::_set_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(logs::_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(logs::_emit_test_record, m)?)?;
    m.add("_LOG_BRIDGE", logs::install())?;
    m.add("_LOG_CAPACITY", logs::CAPACITY)?;
    Ok(())
}
