//! Load Kokoro-82M through ONNX Runtime and run it.
//!
//! This crate turns *phoneme token ids + a style vector + a speed* into raw 24 kHz audio. It knows
//! nothing about text or voices (see `kokoro-tokenize` and `kokoro-voices`); it owns the part that
//! talks to ONNX Runtime. Its modules, one per concern, are private: every public item is at the crate
//! root, by one path (`kokoro_session::SAMPLE_RATE`, not `kokoro_session::session::SAMPLE_RATE`):
//!
//! 1. **Discovery and manifest** (`discovery.rs`; files only, nothing is loaded): [`model_dir`]
//!    ([`resolve_model_dir`] with its [`ModelDirSource`], [`default_model_dir`]),
//!    [`locate_model`], [`locate_runtime`], [`is_model_available`], [`Manifest`]
//!    (`models/manifest.json`, written by `kokoro fetch-model`, i.e. the `kokoro-fetch` crate).
//! 2. **Model identification** (`identify.rs`): [`identify_model_file`] tells a model's
//!    [`ModelGeneration`] (and so its vocabulary) from its file name or, for known files, its
//!    sha256; [`generation_from_contract`] from its inputs.
//! 3. **Runtime** (`runtime.rs`): [`init_runtime`] opens the ONNX Runtime shared library once per
//!    process (`ort` is built with `load-dynamic`: nothing is linked or downloaded at build time).
//!    A missing or unusable library is an error that says where it looked and how to fix it; it
//!    never panics. The supported versions are [`MIN_RUNTIME_VERSION`] (1.21) up to, not
//!    including, [`RUNTIME_VERSION_BELOW`] (2.0): a library outside them is an
//!    [`ErrorKind::RuntimeIncompatible`] error naming its version, its path and the fix
//!    ([`is_supported_runtime_version`], [`runtime_requirement`]).
//! 4. **Session and pool** (`config.rs`, `contract.rs`, `session.rs`, `durations.rs`, `pool.rs`):
//!    [`KokoroSession::load`] loads the model with a [`SessionConfig`] and reads its [`ModelInfo`]
//!    into a [`Contract`] (input/output names and dtypes differ between exports);
//!    [`KokoroSession::run`] pads the ids, builds tensors of the declared types and returns an
//!    [`Inference`]. Per-token [`Durations`] (for word timings) come with every run when the model
//!    computes them: an output named `duration`/`durations`, or the duration predictor's integer
//!    tensor, found in the graph by its structure and added as an output at load time
//!    ([`KokoroSession::durations_source`]); each run checks them against its audio.
//!    [`SessionPool`] holds several sessions of few threads each, loaded lazily
//!    ([`default_pool_layout`] sizes it from the cores and memory), keeps the threads in use
//!    within the cores as callers come and go (a thread budget, and a pool that saw concurrent
//!    callers stays narrow for [`CONCURRENCY_HOLD`]), and gives an idle session's
//!    memory arena back after a while ([`ArenaShrink`], on a thread of its own that
//!    [`SessionPool::stop_background`] and dropping the pool end); [`KokoroSession::stats`] and
//!    [`SessionPool::stats`] count the time spent inside ONNX Runtime.
//!
//! Discovery order:
//! * model dir ([`resolve_model_dir`] says which and why): [`SessionConfig::model_dir`], else env
//!   `KOKORO_MODEL_DIR`, else `./models` where it exists, else the user's data directory
//!   (`~/.local/share/kokoro` on Linux, [`user_data_model_dir`]);
//! * model file: [`SessionConfig::model_path`], else the manifest's `model`, else the first of
//!   [`KNOWN_MODEL_FILES`] present;
//! * runtime: [`SessionConfig::runtime_library`], else env `ORT_DYLIB_PATH`, else the manifest's
//!   `runtime`, else the newest `{model_dir}/onnxruntime/libonnxruntime.so*`, else
//!   `libonnxruntime.so` through the system loader.
//!
//! Errors are one [`Error`] type; branch on [`Error::kind`] or the `is_*` queries.
//!
//! # Example
//!
//! ```no_run
//! use kokoro_session::{KokoroSession, STYLE_DIM, SessionConfig};
//!
//! # fn main() -> Result<(), kokoro_session::Error> {
//! let cfg = SessionConfig::new().with_intra_threads(2);
//! if !kokoro_session::is_model_available(&cfg) {
//!     eprintln!("run `kokoro fetch-model` first");
//!     return Ok(());
//! }
//! let session = KokoroSession::load(&cfg)?;
//! let ids = [50, 83, 156, 54]; // phoneme ids from kokoro-tokenize, without padding
//! let style = vec![0.0_f32; STYLE_DIM]; // a row from kokoro-voices
//! let out = session.run(&ids, &style, 1.0)?;
//! println!("{} samples, {:.2} s", out.audio.len(), out.duration_secs());
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//! * `cuda`: registers ONNX Runtime's CUDA execution provider for [`Execution::Cuda`] (needs a
//!   CUDA build of ONNX Runtime at run time). Off by default.
//! * `testing`: the `testing` module, process-wide counters for tests and benchmarks (weights
//!   read, time inside ONNX Runtime). Off by default.

mod config;
mod contract;
mod discovery;
mod durations;
mod error;
mod identify;
mod onnx_weights;
mod pool;
mod runtime;
mod session;
#[cfg(feature = "testing")]
pub mod testing;

// Every public item, once, by concern. The modules are private: this block is the crate's one
// public path to each item (the feature `testing` adds the `testing` module's counters).
pub use config::{
    ArenaShrink, DEFAULT_MAX_INTRA_THREADS, DEFAULT_SHRINK_IDLE, ENV_INTRA_SPINNING, Execution,
    GraphOptimization, SessionConfig, available_cores,
};
pub use contract::{Contract, ModelInfo, SpeedType, TensorDesc, TokenType};
pub use discovery::{
    DEFAULT_MODEL_DIR, ENV_MODEL_DIR, ENV_ORT_DYLIB_PATH, KNOWN_MODEL_FILES, MANIFEST_FILE,
    Manifest, ManifestFile, ModelDir, ModelDirSource, RUNTIME_SUBDIR, USER_DATA_SUBDIR,
    default_model_dir, is_model_available, locate_model, locate_runtime, model_dir,
    resolve_model_dir, user_data_model_dir,
};
pub use durations::{DurationSource, Durations, SAMPLES_PER_FRAME};
pub use error::{Error, ErrorKind, Result};
pub use identify::{
    GenerationSource, KNOWN_MODELS, KnownModel, ModelGeneration, generation_from_checksum,
    generation_from_contract, generation_from_file_name, identify_model_file,
};
pub use pool::{
    CONCURRENCY_HOLD, DEFAULT_POOL_THREADS, ENV_POOL_POLICY, PoolLayout, SESSION_MEMORY_ESTIMATE,
    SessionPool, default_pool_layout, pool_layout,
};
pub use runtime::{
    MIN_RUNTIME_VERSION, RUNTIME_VERSION_BELOW, RuntimeInfo, init_runtime,
    is_supported_runtime_version, runtime_info, runtime_requirement, supported_runtime_range,
};
pub use session::{
    Inference, KokoroSession, MAX_TOKENS, SAMPLE_RATE, STYLE_DIM, SessionStats, load_count,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<KokoroSession>();
        assert_send_sync::<std::sync::Arc<KokoroSession>>();
        assert_send_sync::<SessionPool>();
    }
}
