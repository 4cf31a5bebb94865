//! The crate's one error type: an opaque [`Error`] with a [`kind`](Error::kind).

use std::fmt;
use std::io;
use std::path::Path;

/// Boxed cause carried by an [`Error`].
type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be obtained: every route was tried and each failed (see
    /// [`Error::attempts`]), or a download tool failed.
    Download,
    /// A file does not match its pinned or recorded sha256 (it was deleted, or nothing was kept).
    Mismatch,
    /// A downloaded archive (wheel, tarball) lacks an entry it should hold, or cannot be read.
    Archive,
    /// The model directory has no `manifest.json` ([`verify_model`](crate::verify_model)).
    NoManifest,
    /// `manifest.json` exists but cannot be read or parsed.
    InvalidManifest,
    /// [`verify_model`](crate::verify_model) found missing or changed files.
    Verify,
    /// A local file or directory could not be read, written or renamed.
    Io,
    /// An option is invalid (an unknown variant name, a source URL that is not http(s)).
    InvalidInput,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Download => "download failed",
            Self::Mismatch => "checksum mismatch",
            Self::Archive => "invalid archive",
            Self::NoManifest => "no manifest",
            Self::InvalidManifest => "invalid manifest",
            Self::Verify => "verification failed",
            Self::Io => "i/o error",
            Self::InvalidInput => "invalid input",
        })
    }
}

/// One route tried for a file, and why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The file it was for, relative to the model directory (`voices/af_bella.bin`).
    pub file: String,
    /// The route: a URL, or a registry package (and the entry read from it).
    pub route: String,
    /// Why it failed (an HTTP status, a network error, bytes that do not match the pin).
    pub reason: String,
}

impl Attempt {
    /// A failed route for `file` and its reason.
    pub fn new(
        file: impl Into<String>,
        route: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            route: route.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.route, self.reason)
    }
}

/// The error of every fallible function in this crate.
///
/// The message is lowercase, names the file or route involved and says what to do. Branch on
/// [`kind`](Self::kind) or the `is_*` queries; a [`Download`](ErrorKind::Download) error lists
/// every route it tried in its message and in [`attempts`](Self::attempts).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    attempts: Vec<Attempt>,
    #[source]
    source: Option<Source>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            attempts: Vec::new(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl Into<Source>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            attempts: Vec::new(),
            source: Some(source.into()),
        }
    }

    /// An i/o failure on `path`: `"{what} {path}: {e}"`.
    pub(crate) fn io(what: &str, path: &Path, e: io::Error) -> Self {
        Self::with_source(ErrorKind::Io, format!("{what} {}: {e}", path.display()), e)
    }

    /// The files that could not be fetched, each with the routes tried (`installed` other files
    /// are in place): lists the first few in full.
    pub(crate) fn not_fetched(failures: &[(String, Vec<Attempt>)], installed: usize) -> Self {
        const SHOWN: usize = 3;
        let n = failures.len();
        let mut message = format!("cannot fetch {n} file{}", if n == 1 { "" } else { "s" });
        if installed > 0 {
            message.push_str(&format!(
                " (the other {installed} are installed and verified)"
            ));
        }
        message.push_str(": ");
        let shown: Vec<String> = failures
            .iter()
            .take(SHOWN)
            .map(|(file, attempts)| {
                if attempts.is_empty() {
                    return format!("{file} (no route is on)");
                }
                let tried: Vec<String> = attempts.iter().map(ToString::to_string).collect();
                format!("{file} (tried {})", tried.join("; "))
            })
            .collect();
        message.push_str(&shown.join(", "));
        if n > SHOWN {
            let more: Vec<&str> = failures
                .iter()
                .skip(SHOWN)
                .take(8)
                .map(|(file, _)| file.as_str())
                .collect();
            message.push_str(&format!(
                ", and {} more ({}{})",
                n - SHOWN,
                more.join(", "),
                if n - SHOWN > more.len() { ", ..." } else { "" }
            ));
        }
        message.push_str(
            ". nothing partial was kept and the manifest was not written: run the fetch again; \
             where a host cannot be reached, KOKORO_FETCH_GITHUB_URL, KOKORO_FETCH_HF_URL, \
             KOKORO_FETCH_PYPI_URL and KOKORO_FETCH_NPM_URL point the routes at mirrors",
        );
        Self {
            kind: ErrorKind::Download,
            message,
            attempts: failures
                .iter()
                .flat_map(|(_, a)| a.iter().cloned())
                .collect(),
            source: None,
        }
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The routes tried for the file that could not be fetched, each with why it failed (empty
    /// unless this is a [`Download`](ErrorKind::Download) error).
    #[must_use]
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// A file could not be obtained from any route (network, HTTP status, bytes not matching the
    /// pin): [`attempts`](Self::attempts) says what was tried.
    #[must_use]
    pub fn is_download(&self) -> bool {
        self.kind == ErrorKind::Download
    }

    /// A file did not match its pinned or recorded sha256.
    #[must_use]
    pub fn is_mismatch(&self) -> bool {
        self.kind == ErrorKind::Mismatch
    }

    /// A downloaded archive lacked an entry or could not be read.
    #[must_use]
    pub fn is_archive(&self) -> bool {
        self.kind == ErrorKind::Archive
    }

    /// The directory has no manifest (nothing was fetched into it).
    #[must_use]
    pub fn is_no_manifest(&self) -> bool {
        self.kind == ErrorKind::NoManifest
    }

    /// The manifest exists but cannot be read.
    #[must_use]
    pub fn is_invalid_manifest(&self) -> bool {
        self.kind == ErrorKind::InvalidManifest
    }

    /// Verification found missing or changed files.
    #[must_use]
    pub fn is_verify(&self) -> bool {
        self.kind == ErrorKind::Verify
    }

    /// A local file system failure.
    #[must_use]
    pub fn is_io(&self) -> bool {
        self.kind == ErrorKind::Io
    }

    /// An invalid option.
    #[must_use]
    pub fn is_invalid_input(&self) -> bool {
        self.kind == ErrorKind::InvalidInput
    }
}

impl From<kokoro_session::Error> for Error {
    fn from(e: kokoro_session::Error) -> Self {
        Self::with_source(ErrorKind::InvalidManifest, e.to_string(), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_queries_agree() {
        let e = Error::new(ErrorKind::Mismatch, "bad");
        assert!(e.is_mismatch() && !e.is_download() && !e.is_io());
        assert_eq!(e.kind(), ErrorKind::Mismatch);
        assert_eq!(e.to_string(), "bad");
        assert!(e.attempts().is_empty());
        let e = Error::io(
            "cannot read",
            Path::new("/x/y"),
            io::Error::new(io::ErrorKind::NotFound, "gone"),
        );
        assert!(e.is_io());
        assert_eq!(e.to_string(), "cannot read /x/y: gone");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn a_download_error_lists_every_route_of_the_first_files() {
        let one = |file: &str| {
            (
                file.to_owned(),
                vec![
                    Attempt::new(file, format!("https://a/{file}"), "host not found"),
                    Attempt::new(file, "npm kokoro-js 1.2.1", "HTTP 503, 3 tries"),
                ],
            )
        };
        let e = Error::not_fetched(&[one("voices/x.bin")], 57);
        assert!(e.is_download());
        assert_eq!(e.attempts().len(), 2);
        let msg = e.to_string();
        for part in [
            "cannot fetch 1 file (the other 57 are installed and verified)",
            "voices/x.bin (tried https://a/voices/x.bin: host not found; npm kokoro-js 1.2.1: HTTP 503, 3 tries)",
            "KOKORO_FETCH_PYPI_URL",
        ] {
            assert!(msg.contains(part), "{msg}");
        }
        let many: Vec<_> = (0..20).map(|i| one(&format!("f{i}"))).collect();
        let e = Error::not_fetched(&many, 0);
        assert_eq!(e.attempts().len(), 40);
        let msg = e.to_string();
        assert!(msg.starts_with("cannot fetch 20 files: f0 (tried"), "{msg}");
        assert!(
            msg.contains("and 17 more (f3, f4,") && msg.contains("f10, ..."),
            "{msg}"
        );
        assert!(!msg.contains("f11"), "{msg}");
        let e = Error::not_fetched(&[("g".to_owned(), Vec::new())], 0);
        assert!(e.to_string().contains("g (no route is on)"), "{e}");
    }

    #[test]
    fn error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
    }
}
