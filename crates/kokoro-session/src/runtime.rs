//! Opening the ONNX Runtime shared library, once per process.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use ort::environment::Environment;

use crate::discovery::{ENV_ORT_DYLIB_PATH, is_bare_name};
use crate::error::{Error, ErrorKind, FETCH_HINT, Result};

/// The ONNX Runtime library this process opened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeInfo {
    /// The path (or bare library name) it was opened from.
    pub path: PathBuf,
    /// Its version (e.g. `1.32.0`) when the build info or file name tells it.
    pub version: Option<String>,
    /// ONNX Runtime's build info string.
    pub build_info: String,
}

struct RuntimeState {
    info: RuntimeInfo,
    /// Canonical form of `info.path`, for comparing later calls.
    canonical: PathBuf,
    env: Environment,
}

static RUNTIME: Mutex<Option<RuntimeState>> = Mutex::new(None);
static WARNED: AtomicBool = AtomicBool::new(false);
/// Why a library that opened was refused (its version is outside the supported range). Once
/// opened, a library stays in the process: every later call is refused with this message.
static REFUSED: Mutex<Option<String>> = Mutex::new(None);

/// The oldest ONNX Runtime the engine runs on, as (major, minor): 1.21.
///
/// `ort` is built without an `api-NN` feature, so its C API level is 1.17
/// ([`ort::MINOR_VERSION`]) and `ort` itself refuses anything older. The engine needs more, as
/// measured with the real model: 1.17 refuses the int8 v1.0 model (it declares `ai.onnx.ml`
/// opset 5); 1.18 to 1.20 ignore the session option that points a graph loaded from memory at the
/// model file's folder for its weights (`session.model_external_initializers_file_folder_path`),
/// so a session that does not share the weights (`kokoro say`) fails to load; 1.21 passes the
/// real-model tests.
pub const MIN_RUNTIME_VERSION: (u32, u32) = (1, 21);
/// The first ONNX Runtime version the engine does not run on, as (major, minor): 2.0 (a new
/// major version may change the C API).
pub const RUNTIME_VERSION_BELOW: (u32, u32) = (2, 0);
const _: () = assert!(MIN_RUNTIME_VERSION.0 == 1 && MIN_RUNTIME_VERSION.1 >= ort::MINOR_VERSION);

/// The supported range in words: `1.21 or newer, below 2.0`.
pub fn supported_runtime_range() -> String {
    let ((a, b), (c, d)) = (MIN_RUNTIME_VERSION, RUNTIME_VERSION_BELOW);
    format!("{a}.{b} or newer, below {c}.{d}")
}

/// The supported range as a Python requirement: `onnxruntime>=1.21,<2`.
pub fn runtime_requirement() -> String {
    let ((a, b), (c, _)) = (MIN_RUNTIME_VERSION, RUNTIME_VERSION_BELOW);
    format!("onnxruntime>={a}.{b},<{c}")
}

/// Whether an ONNX Runtime version (`"1.32.0"`, `"1.21"`) is in the supported range
/// ([`MIN_RUNTIME_VERSION`] up to, not including, [`RUNTIME_VERSION_BELOW`]); `None` when
/// `version` does not start with `major.minor` numbers.
pub fn is_supported_runtime_version(version: &str) -> Option<bool> {
    let mut parts = version.trim().split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some((major, minor) >= MIN_RUNTIME_VERSION && (major, minor) < RUNTIME_VERSION_BELOW)
}

/// The error for a runtime outside the supported range: its version, its path and the fix.
fn outside_range(version: &str, path: &Path) -> String {
    let newer = is_newer_than_supported(version);
    format!(
        "onnx runtime {version} at {} is {} the versions this engine runs on ({}): install one in \
         range (`pip install \"{}\"` and set {ENV_ORT_DYLIB_PATH} to its onnxruntime/capi/libonnxruntime.so*, \
         or `kokoro fetch-model`, which installs onnx runtime 1.32 in the model directory)",
        path.display(),
        if newer { "newer than" } else { "older than" },
        supported_runtime_range(),
        runtime_requirement()
    )
}

fn is_newer_than_supported(version: &str) -> bool {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|major| major >= RUNTIME_VERSION_BELOW.0)
}

fn state() -> MutexGuard<'static, Option<RuntimeState>> {
    // The state is only written after a successful init; a poisoned lock still holds valid data.
    RUNTIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Opens the ONNX Runtime shared library at `path` (a file path, or a bare name such as
/// `libonnxruntime.so` for the system loader) and creates the process-wide ONNX Runtime
/// environment.
///
/// ONNX Runtime can be opened only once per process. The first successful call wins and is
/// remembered; later calls return its [`RuntimeInfo`] (check `info.path`): with the same path
/// silently, with a different path after logging a warning, since a second library cannot be
/// loaded. A path that names a file which does not exist is always an error. A failed call leaves
/// nothing behind, so a later call may retry with another path.
///
/// No other `ort` function is called before the library opened successfully, so a missing or
/// broken library is an error ([`ErrorKind::RuntimeMissing`] or
/// [`ErrorKind::RuntimeIncompatible`]), never a panic. The first failure is also logged as a warning.
pub fn init_runtime(path: &Path) -> Result<RuntimeInfo> {
    init_with(path, &[]).map(|(info, _)| info)
}

/// The runtime opened by [`init_runtime`], if any.
pub fn runtime_info() -> Option<RuntimeInfo> {
    state().as_ref().map(|s| s.info.clone())
}

/// Like [`init_runtime`], with the places discovery searched (for the error message); also
/// returns the environment sessions are created in.
pub(crate) fn init_with(path: &Path, searched: &[String]) -> Result<(RuntimeInfo, Environment)> {
    let result = init_locked(path, searched);
    if let Err(e) = &result
        && !WARNED.swap(true, Ordering::Relaxed)
    {
        tracing::warn!("text-to-speech is unavailable: {e}");
    }
    result
}

fn init_locked(path: &Path, searched: &[String]) -> Result<(RuntimeInfo, Environment)> {
    if let Some(why) = REFUSED.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return Err(Error::new(
            ErrorKind::RuntimeIncompatible,
            format!(
                "{why}; an onnx runtime was already opened in this process, so restart it to use another"
            ),
        ));
    }
    if !is_bare_name(path) && !path.exists() {
        return Err(Error::new(
            ErrorKind::RuntimeMissing,
            format!(
                "onnx runtime library {} does not exist: {FETCH_HINT} (it installs the model directory's onnxruntime/), \
                 or set {ENV_ORT_DYLIB_PATH} to an existing libonnxruntime",
                path.display()
            ),
        ));
    }
    // ort resolves relative paths against the executable's directory first; pin them to the cwd.
    let absolute;
    let path = if is_bare_name(path) || path.is_absolute() {
        path
    } else {
        absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        absolute.as_path()
    };
    let mut guard = state();
    if let Some(state) = guard.as_ref() {
        if state.canonical != canonical(path) {
            tracing::warn!(
                requested = %path.display(),
                loaded = %state.info.path.display(),
                "onnx runtime is already loaded from another path; only one can be loaded per process, using it"
            );
        }
        return Ok((state.info.clone(), state.env.clone()));
    }

    let builder = ort::init_from(path).map_err(|e| load_error(path, searched, e))?;
    // From here on the library is open and other ort calls are safe.
    let build_info = ort::info().to_owned();
    let version = version_from_build_info(&build_info).or_else(|| version_from_file_name(path));
    match version
        .as_deref()
        .map(|v| (v, is_supported_runtime_version(v)))
    {
        Some((v, Some(false))) => {
            let why = outside_range(v, path);
            *REFUSED.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.clone());
            return Err(Error::new(ErrorKind::RuntimeIncompatible, why));
        }
        Some((_, Some(true))) => {}
        _ => tracing::warn!(
            path = %path.display(),
            build_info,
            "the onnx runtime's version is not known: it may be outside {}",
            supported_runtime_range()
        ),
    }
    let env = builder
        .with_name("kokoro")
        .with_telemetry(false)
        .build()
        .map_err(|e| {
            Error::with_source(
                ErrorKind::Runtime,
                format!(
                    "onnx runtime {} loaded but its environment could not be created: {e}",
                    path.display()
                ),
                e,
            )
        })?;
    let info = RuntimeInfo {
        path: path.to_path_buf(),
        version,
        build_info,
    };
    tracing::debug!(path = %path.display(), version = ?info.version, "onnx runtime loaded");
    *guard = Some(RuntimeState {
        info: info.clone(),
        canonical: canonical(path),
        env: env.clone(),
    });
    Ok((info, env))
}

fn load_error(path: &Path, searched: &[String], e: ort::LoadDynamicError) -> Error {
    use ort::LoadDynamicError as L;
    let looked = if searched.is_empty() {
        String::new()
    } else {
        format!(" (looked in: {})", searched.join(", "))
    };
    let shown = path.display();
    // libloading's own message ("dlopen failed") hides the reason in its source.
    let e_text = match &e {
        L::Dlopen { error, .. } => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
        _ => e.to_string(),
    };
    let (kind, message) = match &e {
        L::Dlopen { .. } if is_bare_name(path) && !path.exists() => (
            ErrorKind::RuntimeMissing,
            format!(
                "onnx runtime library {shown} was not found by the system loader{looked}: {FETCH_HINT}, \
                 or set {ENV_ORT_DYLIB_PATH} to libonnxruntime.so ({e_text})"
            ),
        ),
        L::Dlopen { .. } => (
            ErrorKind::RuntimeIncompatible,
            format!(
                "{shown} exists but cannot be loaded as a shared library ({e_text}): it may be truncated, built for \
                 another platform or missing its dependencies; {FETCH_HINT} to reinstall it"
            ),
        ),
        L::MissingApi { .. } | L::InvalidVersionString => (
            ErrorKind::RuntimeIncompatible,
            format!(
                "{shown} is not an onnx runtime library ({e_text}): {FETCH_HINT} or point {ENV_ORT_DYLIB_PATH} at libonnxruntime"
            ),
        ),
        L::BadVersion { version_str, .. } => (
            ErrorKind::RuntimeIncompatible,
            outside_range(version_str, path),
        ),
    };
    Error::with_source(kind, message, e)
}

/// `"... git-branch=rel-1.32.0, ..."` -> `1.32.0`.
fn version_from_build_info(info: &str) -> Option<String> {
    let start = info.find("rel-")? + "rel-".len();
    let version: String = info
        .get(start..)?
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (!version.is_empty()).then_some(version)
}

/// `libonnxruntime.so.1.32.0` -> `1.32.0`.
fn version_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let version = name.split_once(".so.")?.1;
    (!version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .then(|| version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supported_range_is_checked_on_the_version_alone() {
        assert_eq!(MIN_RUNTIME_VERSION, (1, 21));
        assert!(MIN_RUNTIME_VERSION.1 >= ort::MINOR_VERSION);
        for (version, supported) in [
            ("1.32.0", Some(true)),
            ("1.21.0", Some(true)),
            ("1.21", Some(true)),
            ("1.99.9", Some(true)),
            ("1.30.0-dev", Some(true)),
            ("1.20.1", Some(false)),
            ("1.17.3", Some(false)),
            ("0.99.0", Some(false)),
            ("2.0.0", Some(false)),
            ("2.21.0", Some(false)),
            ("", None),
            ("1", None),
            ("main", None),
            ("v1.32", None),
        ] {
            assert_eq!(
                is_supported_runtime_version(version),
                supported,
                "{version:?}"
            );
        }
        assert_eq!(runtime_requirement(), "onnxruntime>=1.21,<2");
        assert_eq!(supported_runtime_range(), "1.21 or newer, below 2.0");
    }

    #[test]
    fn a_runtime_outside_the_range_is_named_with_its_path_and_the_fix() {
        let old = outside_range("1.19.2", Path::new("/venv/ort/libonnxruntime.so.1.19.2"));
        for part in [
            "onnx runtime 1.19.2 at /venv/ort/libonnxruntime.so.1.19.2 is older than",
            "1.21 or newer, below 2.0",
            "pip install \"onnxruntime>=1.21,<2\"",
            "ORT_DYLIB_PATH",
            "kokoro fetch-model",
        ] {
            assert!(old.contains(part), "{part}: {old}");
        }
        assert!(outside_range("2.1.0", Path::new("/x")).contains("is newer than"));
    }

    #[test]
    fn versions_are_parsed() {
        assert_eq!(
            version_from_build_info("ORT Build Info: git-branch=rel-1.32.0, git-commit-id=abc"),
            Some("1.32.0".to_owned())
        );
        assert_eq!(
            version_from_build_info("ORT Build Info: git-branch=main"),
            None
        );
        assert_eq!(
            version_from_file_name(Path::new("/x/libonnxruntime.so.1.32.0")),
            Some("1.32.0".to_owned())
        );
        assert_eq!(
            version_from_file_name(Path::new("/x/libonnxruntime.so")),
            None
        );
    }

    #[test]
    fn missing_file_is_runtime_missing_without_touching_ort() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("libonnxruntime.so.1.32.0");
        let err = init_runtime(&gone).unwrap_err();
        assert!(err.is_runtime_missing(), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&gone.display().to_string()), "{msg}");
        assert!(msg.contains("kokoro fetch-model"), "{msg}");
    }
}
