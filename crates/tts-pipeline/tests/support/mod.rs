//! Helpers shared by the real-model test binaries of `tests/` (each includes this module with
//! `mod support;`): where the model is, and the loud skip (or, under `KOKORO_REQUIRE_MODEL=1`,
//! the failure) when it is not there.

#![allow(dead_code, clippy::panic)] // each test binary uses some of them; a failure is a panic

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tts_pipeline::{Engine, EngineConfig};

/// `KOKORO_MODEL_DIR`, else the workspace's `models/` (where `cargo xtask fetch-model` puts it).
pub fn model_dir() -> PathBuf {
    std::env::var_os("KOKORO_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// Whether a missing model fails the tests (`KOKORO_REQUIRE_MODEL=1`, as `cargo xtask ci` sets)
/// instead of skipping them.
pub fn require_model() -> bool {
    std::env::var("KOKORO_REQUIRE_MODEL").is_ok_and(|v| v == "1")
}

/// Fails under `KOKORO_REQUIRE_MODEL=1`; else prints a loud SKIPPED banner for `tests`.
pub fn skip(tests: &str, why: &str) {
    if require_model() {
        panic!("KOKORO_REQUIRE_MODEL=1 but the model is not usable: {why}");
    }
    eprintln!(
        "\n======================================================================\n\
         SKIPPED: {tests}: {why}\n\
         Run `cargo xtask fetch-model` or `cargo xtask test-integration`.\n\
         ======================================================================\n"
    );
}

/// A new engine on [`model_dir`], or `None` after [`skip`].
pub fn open_engine(tests: &str) -> Option<Engine> {
    usable(tests, Engine::open)
}

/// The process's engine on [`model_dir`] ([`Engine::shared`]: every test of the binary that asks
/// gets the same one), or `None` after [`skip`].
pub fn shared_engine(tests: &str) -> Option<Arc<Engine>> {
    usable(tests, Engine::shared)
}

/// What `open` makes of the configuration of [`model_dir`], or `None` after [`skip`].
fn usable<T>(
    tests: &str,
    open: impl FnOnce(&EngineConfig) -> tts_pipeline::Result<T>,
) -> Option<T> {
    let dir = model_dir();
    match open(&EngineConfig::with_model_dir(&dir)) {
        Ok(engine) => Some(engine),
        Err(e) => {
            skip(
                tests,
                &format!("no usable model in {} ({e})", dir.display()),
            );
            None
        }
    }
}
