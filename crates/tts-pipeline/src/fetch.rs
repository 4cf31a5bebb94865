//! Installing the model files (feature `fetch`): `kokoro-fetch`'s API, re-exported so that a
//! program built on this crate alone (the Python module) fetches the model as `kokoro fetch-model`
//! does.
//!
//! [`fetch_model`] installs a [`Variant`] into a directory (every file verified against its pinned
//! sha256, written atomically, then `manifest.json`), reporting to a [`Progress`] such as
//! [`TracingProgress`]; [`verify_model`] re-hashes what a manifest lists. The default directory
//! is the one the engine reads ([`crate::health::default_model_dir`]).
//!
//! ```no_run
//! use tts_pipeline::fetch::{FetchOptions, TracingProgress, fetch_model};
//!
//! let dir = tts_pipeline::health::default_model_dir().path;
//! let manifest = fetch_model(&FetchOptions::new(&dir).with_runtime(false), &TracingProgress)?;
//! println!("{} files in {}", manifest.files.len(), dir.display());
//! # Ok::<(), tts_pipeline::fetch::Error>(())
//! ```

pub use kokoro_fetch::{
    Attempt, Error, ErrorKind, FetchOptions, Manifest, NoProgress, Progress, Result, Sources,
    TracingProgress, Variant, fetch_model, verify_model,
};
