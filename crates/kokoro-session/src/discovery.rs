//! Finding the model directory, the model file and the ONNX Runtime library; `manifest.json`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::SessionConfig;
use crate::error::{Error, ErrorKind, FETCH_HINT, Result};

/// Environment variable naming the model directory.
pub const ENV_MODEL_DIR: &str = "KOKORO_MODEL_DIR";
/// Environment variable naming the ONNX Runtime shared library (the same one `ort` reads).
pub const ENV_ORT_DYLIB_PATH: &str = "ORT_DYLIB_PATH";
/// The directory of the working directory used as the model directory where it exists, when
/// neither the config nor `KOKORO_MODEL_DIR` names one.
pub const DEFAULT_MODEL_DIR: &str = "models";
/// The model directory's name inside the user's data directory (`~/.local/share/kokoro`).
pub const USER_DATA_SUBDIR: &str = "kokoro";
/// File name of the manifest inside the model directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Model file names tried, in this order, when neither the config nor a manifest names one.
pub const KNOWN_MODEL_FILES: [&str; 5] = [
    "kokoro-v1.0.onnx",
    "kokoro-v1.0.int8.onnx",
    "kokoro-v1.0.fp16.onnx",
    "kokoro-v0_19.onnx",
    "model.onnx",
];
/// Sub-directory of the model directory searched for the ONNX Runtime library.
pub const RUNTIME_SUBDIR: &str = "onnxruntime";

/// One file listed in the manifest, with its checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManifestFile {
    /// Path relative to the model directory, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// False for a digest recorded on first download (trust on first use) rather than pinned by
    /// `kokoro fetch-model`.
    #[serde(default)]
    pub pinned: bool,
}

impl ManifestFile {
    /// A file entry: its path relative to the model directory, its digest and size, and whether
    /// the digest is pinned.
    pub fn new(
        path: impl Into<String>,
        sha256: impl Into<String>,
        bytes: u64,
        pinned: bool,
    ) -> Self {
        ManifestFile {
            path: path.into(),
            sha256: sha256.into(),
            bytes,
            pinned,
        }
    }
}

fn default_sample_rate() -> u32 {
    kokoro_model::SAMPLE_RATE
}

/// `models/manifest.json`, written by `kokoro fetch-model` (kokoro-fetch, which builds it with
/// [`Manifest::new`] and serializes it). Paths are relative to the model dir.
///
/// ```
/// use kokoro_session::Manifest;
/// use std::path::Path;
///
/// let json = r#"{"variant": "v1.0-int8", "vocab": "v1.0", "model": "kokoro-v1.0.int8.onnx",
///                "voices": "voices", "runtime": "onnxruntime/libonnxruntime.so.1.32.0",
///                "sample_rate": 24000, "files": []}"#;
/// let m = Manifest::from_json(json, Path::new("/srv/models")).unwrap();
/// assert_eq!(m.model_path(), Path::new("/srv/models/kokoro-v1.0.int8.onnx"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Model variant, e.g. `v1.0-int8`.
    pub variant: String,
    /// Vocabulary version the model expects, e.g. `v1.0` or `v0.19`.
    #[serde(default)]
    pub vocab: String,
    /// Model file name.
    pub model: String,
    /// Voices: a directory of `<id>.bin` packs or an NPZ file name.
    #[serde(default)]
    pub voices: String,
    /// hexgrad `config.json` (holds the vocab), if fetched.
    #[serde(default)]
    pub config: Option<String>,
    /// ONNX Runtime shared library, if fetched.
    #[serde(default)]
    pub runtime: Option<String>,
    /// Output sample rate in Hz.
    #[serde(default = "default_sample_rate")]
    pub sample_rate: u32,
    /// Every fetched file with its checksum.
    #[serde(default)]
    pub files: Vec<ManifestFile>,
    #[serde(skip)]
    dir: PathBuf,
}

impl Manifest {
    /// A manifest for `model_dir` naming `variant` and its `model` file; the other fields are
    /// empty (no vocab, voices, config, runtime or files) and the sample rate is 24 kHz, for the
    /// writer to fill in.
    pub fn new(model_dir: &Path, variant: impl Into<String>, model: impl Into<String>) -> Manifest {
        Manifest {
            variant: variant.into(),
            vocab: String::new(),
            model: model.into(),
            voices: String::new(),
            config: None,
            runtime: None,
            sample_rate: default_sample_rate(),
            files: Vec::new(),
            dir: model_dir.to_path_buf(),
        }
    }

    /// Reads `{model_dir}/manifest.json`. `Ok(None)` if there is no manifest;
    /// an [`ErrorKind::InvalidManifest`] error if it exists but cannot be read or parsed.
    pub fn load(model_dir: &Path) -> Result<Option<Manifest>> {
        let path = model_dir.join(MANIFEST_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::with_source(
                    ErrorKind::InvalidManifest,
                    format!(
                        "cannot read {}: {e}: check its permissions or {FETCH_HINT}",
                        path.display()
                    ),
                    e,
                ));
            }
        };
        Self::from_json(&text, model_dir).map(Some).map_err(|e| {
            Error::with_source(
                ErrorKind::InvalidManifest,
                format!(
                    "{} is invalid ({e}): {FETCH_HINT} to rewrite it",
                    path.display()
                ),
                e,
            )
        })
    }

    /// Parses a manifest whose relative paths resolve against `model_dir`.
    pub fn from_json(text: &str, model_dir: &Path) -> Result<Manifest> {
        let mut manifest: Manifest = serde_json::from_str(text).map_err(|e| {
            Error::with_source(
                ErrorKind::InvalidManifest,
                format!("manifest json is invalid: {e}"),
                e,
            )
        })?;
        manifest.dir = model_dir.to_path_buf();
        Ok(manifest)
    }

    /// The model directory this manifest's paths are relative to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Resolves a path from the manifest against the model directory.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    /// Absolute (or model-dir-relative) path of the model file.
    pub fn model_path(&self) -> PathBuf {
        self.resolve(&self.model)
    }

    /// Path of the voices directory or NPZ file.
    pub fn voices_path(&self) -> PathBuf {
        self.resolve(&self.voices)
    }

    /// Path of `config.json`, if the manifest names one.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config.as_deref().map(|c| self.resolve(c))
    }

    /// Path of the ONNX Runtime library, if the manifest names one.
    pub fn runtime_path(&self) -> Option<PathBuf> {
        self.runtime.as_deref().map(|r| self.resolve(r))
    }

    /// The listed file entry for `relative`, if any.
    pub fn file(&self, relative: &str) -> Option<&ManifestFile> {
        self.files.iter().find(|f| f.path == relative)
    }
}

fn non_empty(value: Option<OsString>) -> Option<OsString> {
    value.filter(|v| !v.is_empty())
}

/// Why a model directory was chosen ([`resolve_model_dir`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelDirSource {
    /// Named by the configuration ([`SessionConfig::model_dir`]; the CLI's `--model-dir`).
    Config,
    /// Named by the environment variable `KOKORO_MODEL_DIR`.
    Env,
    /// `models/` of the working directory, which exists.
    WorkingDir,
    /// The user's data directory (`$XDG_DATA_HOME/kokoro`, else `~/.local/share/kokoro` on Linux),
    /// where `kokoro fetch-model` installs by default.
    UserData,
}

impl ModelDirSource {
    /// Why, in words: `"set by --model-dir or the configuration"`, `"from KOKORO_MODEL_DIR"`,
    /// `"./models in the working directory"`, `"the user's data directory"`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Config => "set by --model-dir or the configuration",
            Self::Env => "from KOKORO_MODEL_DIR",
            Self::WorkingDir => "./models in the working directory",
            Self::UserData => "the user's data directory",
        }
    }
}

impl std::fmt::Display for ModelDirSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// A model directory and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct ModelDir {
    /// The directory (it need not exist: the user's data directory is chosen when nothing else is).
    pub path: PathBuf,
    /// Why it was chosen.
    pub source: ModelDirSource,
}

/// The model directory: `cfg.model_dir`, else env `KOKORO_MODEL_DIR`, else `./models` where it
/// exists, else the user's data directory (see [`resolve_model_dir`]).
pub fn model_dir(cfg: &SessionConfig) -> PathBuf {
    resolve_model_dir(cfg).path
}

/// The model directory and why it was chosen, in this order:
///
/// 1. [`SessionConfig::model_dir`] ([`ModelDirSource::Config`]);
/// 2. a non-empty `KOKORO_MODEL_DIR` ([`ModelDirSource::Env`]);
/// 3. `models/` of the working directory, where it exists ([`ModelDirSource::WorkingDir`]);
/// 4. `kokoro/` in the user's data directory ([`ModelDirSource::UserData`]: `$XDG_DATA_HOME/kokoro`,
///    else `~/.local/share/kokoro` on Linux; `~/Library/Application Support/kokoro` on macOS;
///    `%APPDATA%\kokoro` on Windows), whether it exists or not: it is where `kokoro fetch-model`
///    installs by default.
///
/// Without a home directory, the last resort is `./models` (which then does not exist).
pub fn resolve_model_dir(cfg: &SessionConfig) -> ModelDir {
    choose_model_dir(
        cfg.model_dir.as_deref(),
        std::env::var_os(ENV_MODEL_DIR),
        std::env::current_dir().ok().as_deref(),
        user_data_model_dir(),
    )
}

/// The model directory when no configuration names one ([`resolve_model_dir`] of the default
/// configuration): `KOKORO_MODEL_DIR`, else `./models` where it exists, else the user's data
/// directory. Where `kokoro fetch-model` and the Python module's `fetch_model` install by default.
pub fn default_model_dir() -> ModelDir {
    resolve_model_dir(&SessionConfig::default())
}

/// `kokoro/` in the user's data directory (`$XDG_DATA_HOME/kokoro`, else
/// `~/.local/share/kokoro` on Linux), or `None` where the platform gives no data directory.
pub fn user_data_model_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(USER_DATA_SUBDIR))
}

/// [`resolve_model_dir`] on given facts: the configured directory, the value of
/// `KOKORO_MODEL_DIR`, the working directory and the user's model directory.
fn choose_model_dir(
    config: Option<&Path>,
    env_dir: Option<OsString>,
    cwd: Option<&Path>,
    user_data: Option<PathBuf>,
) -> ModelDir {
    let chosen = |path: PathBuf, source| ModelDir { path, source };
    if let Some(dir) = config {
        return chosen(dir.to_path_buf(), ModelDirSource::Config);
    }
    if let Some(dir) = non_empty(env_dir) {
        return chosen(PathBuf::from(dir), ModelDirSource::Env);
    }
    let working = cwd.map_or_else(
        || PathBuf::from(DEFAULT_MODEL_DIR),
        |d| d.join(DEFAULT_MODEL_DIR),
    );
    if working.is_dir() {
        return chosen(working, ModelDirSource::WorkingDir);
    }
    match user_data {
        Some(dir) => chosen(dir, ModelDirSource::UserData),
        None => chosen(working, ModelDirSource::WorkingDir),
    }
}

/// Finds the model file. Order: `cfg.model_path`; else the manifest's `model` in the model dir
/// (see [`model_dir`]); else the first of [`KNOWN_MODEL_FILES`] present in the model dir.
///
/// Errors: [`ErrorKind::ModelMissing`] naming every place it looked,
/// [`ErrorKind::InvalidManifest`] if the manifest is unreadable.
pub fn locate_model(cfg: &SessionConfig) -> Result<PathBuf> {
    locate_model_in(cfg, &model_dir(cfg))
}

fn locate_model_in(cfg: &SessionConfig, dir: &Path) -> Result<PathBuf> {
    if let Some(path) = &cfg.model_path {
        return if path.is_file() {
            Ok(path.clone())
        } else {
            Err(Error::new(
                ErrorKind::ModelMissing,
                format!(
                    "model file {} (set in the session config) does not exist: fix the path or {FETCH_HINT}",
                    path.display()
                ),
            ))
        };
    }
    let mut looked = Vec::new();
    if let Some(manifest) = Manifest::load(dir)? {
        let path = manifest.model_path();
        if path.is_file() {
            return Ok(path);
        }
        tracing::warn!(
            manifest = %dir.join(MANIFEST_FILE).display(),
            model = %path.display(),
            "the manifest names a model file that does not exist; trying the known file names"
        );
        looked.push(path);
    }
    for name in KNOWN_MODEL_FILES {
        let path = dir.join(name);
        if path.is_file() {
            tracing::debug!(model = %path.display(), "found model by known file name");
            return Ok(path);
        }
        looked.push(path);
    }
    let looked: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
    Err(Error::new(
        ErrorKind::ModelMissing,
        format!(
            "no kokoro model found in {} (looked for {}): {FETCH_HINT}, or set {ENV_MODEL_DIR} to the directory holding the model",
            dir.display(),
            looked.join(", ")
        ),
    ))
}

/// Whether `path` is a bare library name for the system loader (no directory part).
pub(crate) fn is_bare_name(path: &Path) -> bool {
    path.parent().is_none_or(|p| p.as_os_str().is_empty())
}

/// The platform's library name for ONNX Runtime, resolved by the system loader
/// (`libonnxruntime.so` on Linux).
pub(crate) fn system_runtime_name() -> PathBuf {
    PathBuf::from(format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
}

/// Version numbers in an ONNX Runtime library file name, or `None` if `name` is not one
/// (`libonnxruntime.so.1.32.0` -> `[1, 32, 0]`, `libonnxruntime.so` -> `[]`,
/// `libonnxruntime_providers_cuda.so` -> `None`).
fn runtime_file_version(name: &str) -> Option<Vec<u32>> {
    let rest = name.strip_prefix(&format!("{}onnxruntime", std::env::consts::DLL_PREFIX))?;
    let suffix = std::env::consts::DLL_SUFFIX;
    // Linux: `.so.1.32.0`; macOS: `.1.32.0.dylib`.
    let version = if let Some(v) = rest.strip_prefix(suffix) {
        v
    } else {
        rest.strip_suffix(suffix)?
    };
    let version = version.strip_prefix('.').unwrap_or(version);
    if version.is_empty() {
        return Some(Vec::new());
    }
    version.split('.').map(|part| part.parse().ok()).collect()
}

/// The newest ONNX Runtime library file directly inside `dir`, by the version in its name
/// (`libonnxruntime.so.1.32.0` beats `libonnxruntime.so.1` beats `libonnxruntime.so`).
pub(crate) fn newest_runtime_in(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let version = runtime_file_version(&name)?;
            let path = entry.path();
            path.is_file().then_some((version, path))
        })
        .max()
        .map(|(_, path)| path)
}

/// A located runtime library and the places searched, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct RuntimeLookup {
    pub(crate) path: PathBuf,
    pub(crate) searched: Vec<String>,
}

/// Finds the ONNX Runtime shared library. Order: `cfg.runtime_library`; else env
/// `ORT_DYLIB_PATH`; else the manifest's `runtime`; else the newest `libonnxruntime.so*` in
/// `{model_dir}/onnxruntime/`; else the bare name `libonnxruntime.so`, left to the system loader
/// (so this only fails when an explicitly named file does not exist; whether the system has the
/// library is only known when [`init_runtime`](crate::init_runtime) opens it).
///
/// Errors: [`ErrorKind::RuntimeMissing`] when the config or `ORT_DYLIB_PATH` names a file that does
/// not exist; [`ErrorKind::InvalidManifest`].
pub fn locate_runtime(cfg: &SessionConfig) -> Result<PathBuf> {
    lookup_runtime(cfg).map(|l| l.path)
}

pub(crate) fn lookup_runtime(cfg: &SessionConfig) -> Result<RuntimeLookup> {
    lookup_runtime_with(cfg, &model_dir(cfg), std::env::var_os(ENV_ORT_DYLIB_PATH))
}

fn explicit_runtime(path: &Path, origin: &str) -> Result<RuntimeLookup> {
    if is_bare_name(path) || path.is_file() {
        Ok(RuntimeLookup {
            path: path.to_path_buf(),
            searched: vec![format!("{} ({origin})", path.display())],
        })
    } else {
        Err(Error::new(
            ErrorKind::RuntimeMissing,
            format!(
                "onnx runtime library {} ({origin}) does not exist: fix the path or {FETCH_HINT}",
                path.display()
            ),
        ))
    }
}

fn lookup_runtime_with(
    cfg: &SessionConfig,
    dir: &Path,
    env_path: Option<OsString>,
) -> Result<RuntimeLookup> {
    if let Some(path) = &cfg.runtime_library {
        return explicit_runtime(path, "set in the session config");
    }
    if let Some(path) = non_empty(env_path) {
        return explicit_runtime(Path::new(&path), &format!("from {ENV_ORT_DYLIB_PATH}"));
    }
    let mut searched = vec![format!("{ENV_ORT_DYLIB_PATH} (unset)")];
    if let Some(path) = Manifest::load(dir)?.and_then(|m| m.runtime_path()) {
        if path.is_file() {
            let searched = vec![format!("{} (from {MANIFEST_FILE})", path.display())];
            return Ok(RuntimeLookup { path, searched });
        }
        tracing::warn!(runtime = %path.display(), "the manifest names an onnx runtime library that does not exist");
        searched.push(path.display().to_string());
    }
    let sub = dir.join(RUNTIME_SUBDIR);
    if let Some(path) = newest_runtime_in(&sub) {
        return Ok(RuntimeLookup {
            path,
            searched: vec![sub.display().to_string()],
        });
    }
    searched.push(format!(
        "{}/{}onnxruntime{}*",
        sub.display(),
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let name = system_runtime_name();
    searched.push(format!("{} via the system library path", name.display()));
    tracing::debug!(searched = ?searched, "no onnx runtime library in the model dir; falling back to the system loader");
    Ok(RuntimeLookup {
        path: name,
        searched,
    })
}

/// Whether the model file can be found and the runtime library is either found or left to the
/// system loader. Checks files only: loads nothing, never calls ONNX Runtime.
pub fn is_model_available(cfg: &SessionConfig) -> bool {
    locate_model(cfg).is_ok() && locate_runtime(cfg).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(path: &Path) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, b"x").unwrap();
    }

    #[test]
    fn an_invalid_manifest_keeps_the_json_error_as_its_source() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(MANIFEST_FILE), "{ not json").unwrap();
        let err = Manifest::load(tmp.path()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidManifest);
        let mut chain = std::error::Error::source(&err);
        let mut json = None;
        while let Some(cause) = chain {
            json = json.or(cause.downcast_ref::<serde_json::Error>());
            chain = cause.source();
        }
        assert!(json.is_some_and(serde_json::Error::is_syntax), "{err:?}");
    }

    fn manifest_json(model: &str, runtime: Option<&str>) -> String {
        let runtime = runtime.map_or(String::new(), |r| format!(r#", "runtime": "{r}""#));
        format!(
            r#"{{"variant": "v1.0-int8", "vocab": "v1.0", "model": "{model}", "voices": "voices",
                "config": "config.json", "sample_rate": 24000{runtime},
                "files": [{{"path": "{model}", "sha256": "ab", "bytes": 1, "pinned": true}}]}}"#
        )
    }

    /// A working directory with `models/` and one without, and a user data directory.
    fn places() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let with = tmp.path().join("with");
        fs::create_dir_all(with.join("models")).unwrap();
        let without = tmp.path().join("without");
        fs::create_dir_all(&without).unwrap();
        let user = tmp.path().join("home/.local/share/kokoro");
        (tmp, with, without, user)
    }

    #[test]
    fn model_dir_order() {
        use ModelDirSource as S;
        let (_tmp, with, without, user) = places();
        let choose = |config: Option<&str>, env: Option<&str>, cwd: &Path, user: Option<&Path>| {
            let d = choose_model_dir(
                config.map(Path::new),
                env.map(OsString::from),
                Some(cwd),
                user.map(Path::to_path_buf),
            );
            (d.path, d.source)
        };
        assert_eq!(
            choose(Some("/explicit"), Some("/env"), &with, Some(&user)),
            (PathBuf::from("/explicit"), S::Config)
        );
        assert_eq!(
            choose(None, Some("/env"), &with, Some(&user)),
            (PathBuf::from("/env"), S::Env)
        );
        // An empty KOKORO_MODEL_DIR counts as unset.
        assert_eq!(
            choose(None, Some(""), &with, Some(&user)),
            (with.join("models"), S::WorkingDir)
        );
        assert_eq!(
            choose(None, None, &with, Some(&user)),
            (with.join("models"), S::WorkingDir)
        );
        // ./models only where it exists; the user's data directory whether it exists or not.
        assert_eq!(
            choose(None, None, &without, Some(&user)),
            (user.clone(), S::UserData)
        );
        assert_eq!(
            choose(None, None, &without, None),
            (without.join("models"), S::WorkingDir)
        );
        assert_eq!(
            choose_model_dir(None, None, None, None).path,
            PathBuf::from("models")
        );
    }

    proptest::proptest! {
        /// Whatever is set, the first of the config, a non-empty env, an existing ./models and
        /// the user's data directory wins, with the path it gives.
        #[test]
        fn the_first_place_that_is_there_wins(
            config in proptest::option::of("/[a-z]{1,8}"),
            env in proptest::option::of("(/[a-z]{1,8})?"),
            has_models: bool,
            has_home: bool,
        ) {
            let (_tmp, with, without, user) = places();
            let cwd = if has_models { &with } else { &without };
            let d = choose_model_dir(
                config.as_deref().map(Path::new),
                env.clone().map(OsString::from),
                Some(cwd),
                has_home.then(|| user.clone()),
            );
            let env = env.filter(|e| !e.is_empty());
            let expected = match (&config, &env) {
                (Some(c), _) => (PathBuf::from(c), ModelDirSource::Config),
                (None, Some(e)) => (PathBuf::from(e), ModelDirSource::Env),
                _ if has_models => (with.join("models"), ModelDirSource::WorkingDir),
                _ if has_home => (user.clone(), ModelDirSource::UserData),
                _ => (without.join("models"), ModelDirSource::WorkingDir),
            };
            proptest::prop_assert_eq!((d.path, d.source), expected);
        }
    }

    #[test]
    fn sources_say_why() {
        assert_eq!(ModelDirSource::Env.to_string(), "from KOKORO_MODEL_DIR");
        assert_eq!(
            serde_json::to_value(ModelDirSource::UserData).unwrap(),
            serde_json::json!("user_data")
        );
        let d = ModelDir {
            path: PathBuf::from("/m"),
            source: ModelDirSource::WorkingDir,
        };
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"path": "/m", "source": "working_dir"})
        );
        // The user's directory is `kokoro` in the platform's data directory.
        if let Some(dir) = user_data_model_dir() {
            assert!(dir.ends_with(USER_DATA_SUBDIR), "{}", dir.display());
        }
    }

    #[test]
    fn manifest_parses_and_resolves() {
        let dir = Path::new("/m");
        let m =
            Manifest::from_json(&manifest_json("k.onnx", Some("onnxruntime/lib.so")), dir).unwrap();
        assert_eq!(m.variant, "v1.0-int8");
        assert_eq!(m.sample_rate, 24_000);
        assert_eq!(m.model_path(), PathBuf::from("/m/k.onnx"));
        assert_eq!(m.voices_path(), PathBuf::from("/m/voices"));
        assert_eq!(m.config_path(), Some(PathBuf::from("/m/config.json")));
        assert_eq!(
            m.runtime_path(),
            Some(PathBuf::from("/m/onnxruntime/lib.so"))
        );
        assert_eq!(m.file("k.onnx").map(|f| f.bytes), Some(1));
        assert!(m.file("nope").is_none());
    }

    #[test]
    fn manifest_written_by_its_writer_reads_back() {
        let dir = Path::new("/m");
        let mut m = Manifest::new(dir, "v1.0", "k.onnx");
        m.files.push(ManifestFile::new("k.onnx", "ab", 1, false));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(Manifest::from_json(&json, dir).unwrap(), m);
        assert_eq!(m.sample_rate, 24_000);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value.get("runtime"), Some(&serde_json::Value::Null));
        // A manifest without `pinned` (older writers) reads as unpinned.
        let old = manifest_json("k.onnx", None).replace(r#", "pinned": true"#, "");
        let read = Manifest::from_json(&old, dir).unwrap();
        assert_eq!(read.file("k.onnx").map(|f| f.pinned), Some(false));
    }

    #[test]
    fn manifest_missing_is_none_and_broken_is_error() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(Manifest::load(tmp.path()).unwrap().is_none());
        fs::write(tmp.path().join(MANIFEST_FILE), "{not json").unwrap();
        let err = Manifest::load(tmp.path()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidManifest);
        assert!(err.to_string().contains("kokoro fetch-model"), "{err}");
    }

    #[test]
    fn model_explicit_path_wins_or_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("custom.onnx");
        touch(&file);
        touch(&tmp.path().join("kokoro-v1.0.onnx"));
        let cfg = SessionConfig::new().with_model_path(&file);
        assert_eq!(locate_model_in(&cfg, tmp.path()).unwrap(), file);
        let cfg = SessionConfig::new().with_model_path(tmp.path().join("gone.onnx"));
        let err = locate_model_in(&cfg, tmp.path()).unwrap_err();
        assert!(err.is_model_missing());
        assert!(err.to_string().contains("gone.onnx"), "{err}");
    }

    #[test]
    fn model_from_manifest_then_known_names_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let cfg = SessionConfig::new();
        touch(&dir.join("model.onnx"));
        assert_eq!(locate_model_in(&cfg, dir).unwrap(), dir.join("model.onnx"));
        touch(&dir.join("kokoro-v1.0.int8.onnx"));
        assert_eq!(
            locate_model_in(&cfg, dir).unwrap(),
            dir.join("kokoro-v1.0.int8.onnx")
        );
        touch(&dir.join("kokoro-v1.0.onnx"));
        assert_eq!(
            locate_model_in(&cfg, dir).unwrap(),
            dir.join("kokoro-v1.0.onnx")
        );
        // A manifest naming an existing file beats the known names.
        fs::write(dir.join(MANIFEST_FILE), manifest_json("model.onnx", None)).unwrap();
        assert_eq!(locate_model_in(&cfg, dir).unwrap(), dir.join("model.onnx"));
        // A manifest naming a missing file falls back to the known names.
        fs::write(dir.join(MANIFEST_FILE), manifest_json("absent.onnx", None)).unwrap();
        assert_eq!(
            locate_model_in(&cfg, dir).unwrap(),
            dir.join("kokoro-v1.0.onnx")
        );
    }

    #[test]
    fn model_missing_lists_places() {
        let tmp = tempfile::tempdir().unwrap();
        let err = locate_model_in(&SessionConfig::new(), tmp.path()).unwrap_err();
        assert!(err.is_model_missing());
        let msg = err.to_string();
        for name in KNOWN_MODEL_FILES {
            assert!(msg.contains(name), "{msg}");
        }
        assert!(msg.contains("kokoro fetch-model"), "{msg}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn runtime_file_versions() {
        assert_eq!(runtime_file_version("libonnxruntime.so"), Some(vec![]));
        assert_eq!(runtime_file_version("libonnxruntime.so.1"), Some(vec![1]));
        assert_eq!(
            runtime_file_version("libonnxruntime.so.1.32.0"),
            Some(vec![1, 32, 0])
        );
        assert_eq!(
            runtime_file_version("libonnxruntime_providers_cuda.so"),
            None
        );
        assert_eq!(runtime_file_version("libonnxruntime.so.bak"), None);
        assert_eq!(runtime_file_version("libother.so"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn newest_runtime_wins() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(newest_runtime_in(tmp.path()), None);
        for name in [
            "libonnxruntime.so",
            "libonnxruntime.so.1",
            "libonnxruntime.so.1.9.0",
            "libonnxruntime.so.1.32.0",
            "libonnxruntime_providers_shared.so",
        ] {
            touch(&tmp.path().join(name));
        }
        assert_eq!(
            newest_runtime_in(tmp.path()),
            Some(tmp.path().join("libonnxruntime.so.1.32.0"))
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn runtime_lookup_order() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let cfg = SessionConfig::new();
        // Nothing anywhere: the system loader gets the bare name.
        let l = lookup_runtime_with(&cfg, dir, None).unwrap();
        assert_eq!(l.path, PathBuf::from("libonnxruntime.so"));
        assert!(
            l.searched.iter().any(|s| s.contains("onnxruntime/")),
            "{:?}",
            l.searched
        );
        // The model dir's onnxruntime/ folder.
        let in_dir = dir.join("onnxruntime/libonnxruntime.so.1.32.0");
        touch(&in_dir);
        assert_eq!(lookup_runtime_with(&cfg, dir, None).unwrap().path, in_dir);
        // The manifest beats the folder scan.
        let named = dir.join("rt/libonnxruntime.so.1.30.0");
        touch(&named);
        fs::write(
            dir.join(MANIFEST_FILE),
            manifest_json("m.onnx", Some("rt/libonnxruntime.so.1.30.0")),
        )
        .unwrap();
        assert_eq!(lookup_runtime_with(&cfg, dir, None).unwrap().path, named);
        // ORT_DYLIB_PATH beats the manifest; the config beats the env.
        let env = dir.join("env/libonnxruntime.so");
        touch(&env);
        assert_eq!(
            lookup_runtime_with(&cfg, dir, Some(env.clone().into()))
                .unwrap()
                .path,
            env
        );
        let explicit = dir.join("explicit.so");
        touch(&explicit);
        let cfg = cfg.with_runtime_library(&explicit);
        assert_eq!(
            lookup_runtime_with(&cfg, dir, Some(env.into()))
                .unwrap()
                .path,
            explicit
        );
    }

    #[test]
    fn runtime_explicit_missing_is_runtime_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("nope/libonnxruntime.so");
        let cfg = SessionConfig::new().with_runtime_library(&gone);
        let err = lookup_runtime_with(&cfg, tmp.path(), None).unwrap_err();
        assert!(err.is_runtime_missing());
        assert!(
            err.to_string().contains(&gone.display().to_string()),
            "{err}"
        );
        assert!(err.to_string().contains("kokoro fetch-model"), "{err}");
        let err =
            lookup_runtime_with(&SessionConfig::new(), tmp.path(), Some(gone.into())).unwrap_err();
        assert!(err.is_runtime_missing());
        assert!(err.to_string().contains(ENV_ORT_DYLIB_PATH), "{err}");
        // A bare name is left to the loader.
        let cfg = SessionConfig::new().with_runtime_library("libonnxruntime.so.1");
        assert_eq!(
            lookup_runtime_with(&cfg, tmp.path(), None).unwrap().path,
            PathBuf::from("libonnxruntime.so.1")
        );
    }

    #[test]
    fn availability_checks_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = SessionConfig::new()
            .with_model_dir(tmp.path())
            .with_runtime_library("libonnxruntime.so");
        assert!(!is_model_available(&cfg));
        touch(&tmp.path().join("kokoro-v1.0.int8.onnx"));
        assert!(is_model_available(&cfg));
        let cfg = cfg.with_runtime_library(tmp.path().join("missing.so"));
        assert!(!is_model_available(&cfg));
    }
}
