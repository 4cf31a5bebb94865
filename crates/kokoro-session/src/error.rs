//! The crate's error type: an opaque [`Error`] with a [`kind`](Error::kind).

use std::error::Error as StdError;
use std::fmt;

/// The command that downloads the model files and the ONNX Runtime library.
pub(crate) const FETCH_HINT: &str = "run `kokoro fetch-model`";

/// Result alias used throughout this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, for callers that want to react differently to different failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The ONNX Runtime shared library was not found.
    RuntimeMissing,
    /// A file was found but it is not a usable ONNX Runtime library (wrong file, too old a version).
    RuntimeIncompatible,
    /// No model file was found.
    ModelMissing,
    /// The model file exists but ONNX Runtime could not load it.
    ModelCorrupt,
    /// `models/manifest.json` exists but could not be read or parsed.
    InvalidManifest,
    /// The model's inputs/outputs do not match any known Kokoro export.
    UnsupportedContract,
    /// The arguments given to [`KokoroSession::run`](crate::KokoroSession::run) are invalid.
    InvalidInput,
    /// ONNX Runtime failed while running the model, or the model produced unusable output.
    Inference,
    /// The requested execution provider (CUDA) could not be registered.
    ExecutionProvider,
    /// Any other ONNX Runtime failure (creating the environment or session options).
    Runtime,
    /// Per-token durations (word timings) were asked for, but the model gives none, or those of
    /// this run failed their checks. The audio is unaffected.
    DurationsUnavailable,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RuntimeMissing => "onnx runtime missing",
            Self::RuntimeIncompatible => "onnx runtime incompatible",
            Self::ModelMissing => "model missing",
            Self::ModelCorrupt => "model corrupt",
            Self::InvalidManifest => "invalid manifest",
            Self::UnsupportedContract => "unsupported model contract",
            Self::InvalidInput => "invalid input",
            Self::Inference => "inference failed",
            Self::ExecutionProvider => "execution provider unavailable",
            Self::Runtime => "onnx runtime error",
            Self::DurationsUnavailable => "durations unavailable",
        })
    }
}

/// The error type of every fallible function in this crate.
///
/// The message is lowercase, names the file or value involved and, where it helps, the command
/// that fixes the problem. Use [`kind`](Self::kind) or the `is_*` queries to branch on it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The ONNX Runtime library was not found (fix: `kokoro fetch-model` or `ORT_DYLIB_PATH`).
    pub fn is_runtime_missing(&self) -> bool {
        self.kind == ErrorKind::RuntimeMissing
    }

    /// A file was found where the runtime was expected, but it is not a usable ONNX Runtime.
    pub fn is_runtime_incompatible(&self) -> bool {
        self.kind == ErrorKind::RuntimeIncompatible
    }

    /// No model file was found (fix: `kokoro fetch-model` or `KOKORO_MODEL_DIR`).
    pub fn is_model_missing(&self) -> bool {
        self.kind == ErrorKind::ModelMissing
    }

    /// The model file could not be loaded by ONNX Runtime (truncated or not an ONNX model).
    pub fn is_model_corrupt(&self) -> bool {
        self.kind == ErrorKind::ModelCorrupt
    }

    /// The model's inputs/outputs are not a Kokoro contract this crate knows.
    pub fn is_unsupported_contract(&self) -> bool {
        self.kind == ErrorKind::UnsupportedContract
    }

    /// The caller passed invalid arguments (a bug in the caller, not in the files).
    pub fn is_invalid_input(&self) -> bool {
        self.kind == ErrorKind::InvalidInput
    }

    /// The model failed while running or produced unusable output.
    pub fn is_inference(&self) -> bool {
        self.kind == ErrorKind::Inference
    }

    /// Word timings were asked for but the model gives no usable durations (the audio is fine).
    pub fn is_durations_unavailable(&self) -> bool {
        self.kind == ErrorKind::DurationsUnavailable
    }

    /// Whether this error means the engine cannot run on this machine until files are fetched
    /// (runtime or model missing, incompatible or corrupt, manifest broken): a caller may fall
    /// back to silence or report "TTS unavailable" instead of failing the whole job.
    pub fn is_setup_problem(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::RuntimeMissing
                | ErrorKind::RuntimeIncompatible
                | ErrorKind::ModelMissing
                | ErrorKind::ModelCorrupt
                | ErrorKind::InvalidManifest
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_queries_agree() {
        let e = Error::new(ErrorKind::ModelMissing, "no model");
        assert_eq!(e.kind(), ErrorKind::ModelMissing);
        assert!(e.is_model_missing());
        assert!(!e.is_runtime_missing());
        assert!(e.is_setup_problem());
        assert_eq!(e.to_string(), "no model");

        let e = Error::invalid_input("bad speed");
        assert!(e.is_invalid_input());
        assert!(!e.is_setup_problem());
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = Error::with_source(ErrorKind::InvalidManifest, "bad manifest", io);
        assert!(StdError::source(&e).is_some());
    }

    #[test]
    fn error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
    }
}
