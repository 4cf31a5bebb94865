//! Load Kokoro-82M through ONNX Runtime and run it.
//!
//! This crate turns *phoneme token ids + a style vector + a speed* into raw 24 kHz audio. It knows
//! nothing about text or voices (see `kokoro-tokenize` and `kokoro-voices`); it owns the part that
//! talks to ONNX Runtime:
//!
//! 1. **Discovery** (files only, nothing is loaded): [`model_dir`], [`locate_model`],
//!    [`locate_runtime`], [`is_model_available`], [`Manifest`] (`models/manifest.json`, written by
//!    `cargo xtask fetch-model`); [`identify_model_file`] tells a model's generation (and so its
//!    vocabulary) from its file name or, for known files, its sha256.
//! 2. **Runtime**: [`init_runtime`] opens the ONNX Runtime shared library once per process
//!    (`ort` is built with `load-dynamic`: nothing is linked or downloaded at build time). A
//!    missing or unusable library is an error that says where it looked and how to fix it; it
//!    never panics.
//! 3. **Session**: [`KokoroSession::load`] loads the model and reads its [`ModelInfo`] into a
//!    [`Contract`] (input/output names and dtypes differ between exports);
//!    [`KokoroSession::run`] pads the ids, builds tensors of the declared types and returns an
//!    [`Inference`].
//!    Per-token [`Durations`] (for word timings) come with every run when the model computes
//!    them: an output named `duration`/`durations`, or the duration predictor's integer tensor,
//!    found in the graph by its structure and added as an output at load time
//!    ([`KokoroSession::durations_source`]); each run checks them against its audio.
//! 4. **Throughput**: [`SessionPool`] holds several sessions of few threads each, loaded lazily
//!    ([`default_pool_layout`] sizes it from the cores and memory). [`KokoroSession::stats`],
//!    [`SessionPool::stats`] and [`process_stats`] count the time spent inside ONNX Runtime.
//!
//! Discovery order:
//! * model dir: [`SessionConfig::model_dir`], else env `KOKORO_MODEL_DIR`, else `./models`;
//! * model file: [`SessionConfig::model_path`], else the manifest's `model`, else the first of
//!   [`KNOWN_MODEL_FILES`] present;
//! * runtime: [`SessionConfig::runtime_library`], else env `ORT_DYLIB_PATH`, else the manifest's
//!   `runtime`, else the newest `{model_dir}/onnxruntime/libonnxruntime.so*`, else
//!   `libonnxruntime.so` through the system loader.
//!
//! Errors are one [`SessionError`] type; branch on [`SessionError::kind`] or the `is_*` queries.
//!
//! # Example
//!
//! ```no_run
//! use kokoro_session::{KokoroSession, SessionConfig, STYLE_DIM};
//!
//! # fn main() -> Result<(), kokoro_session::SessionError> {
//! let cfg = SessionConfig::new().with_intra_threads(2);
//! if !kokoro_session::is_model_available(&cfg) {
//!     eprintln!("run `cargo xtask fetch-model` first");
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

pub use config::{
    DEFAULT_MAX_INTRA_THREADS, Execution, GraphOptimization, SessionConfig, available_cores,
};
pub use contract::{Contract, ModelInfo, SpeedType, TensorDesc, TokenType};
pub use discovery::{
    DEFAULT_MODEL_DIR, ENV_MODEL_DIR, ENV_ORT_DYLIB_PATH, KNOWN_MODEL_FILES, MANIFEST_FILE,
    Manifest, ManifestFile, RUNTIME_SUBDIR, is_model_available, locate_model, locate_runtime,
    model_dir,
};
pub use durations::{DurationSource, Durations, SAMPLES_PER_FRAME};
pub use error::{ErrorKind, Result, SessionError};
pub use identify::{
    GenerationSource, KNOWN_MODELS, KnownModel, ModelGeneration, generation_from_checksum,
    generation_from_contract, generation_from_file_name, identify_model_file,
};
pub use pool::{
    DEFAULT_POOL_THREADS, PoolLayout, SESSION_MEMORY_ESTIMATE, SessionPool, default_pool_layout,
    pool_layout,
};
pub use runtime::{RuntimeInfo, init_runtime, runtime_info};
pub use session::{
    Inference, KokoroSession, MAX_TOKENS, SAMPLE_RATE, STYLE_DIM, SessionStats, load_count,
    process_stats, weights_load_count,
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
