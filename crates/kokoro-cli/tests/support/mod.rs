//! Support shared by the CLI's test binaries (each includes it with `mod support;`).

#![allow(dead_code, clippy::panic)] // each test binary uses some of it; a failure is a panic

use std::path::{Path, PathBuf};

/// The model directory (`KOKORO_MODEL_DIR`, else the workspace's `models/`, where `cargo xtask
/// fetch-model` puts it) when it holds a model; else `None` after a loud SKIPPED banner naming
/// `tests`, or a failure under `KOKORO_REQUIRE_MODEL=1` (as CI sets).
pub fn model_dir(tests: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("KOKORO_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    if dir.join("manifest.json").is_file() {
        return Some(dir);
    }
    if std::env::var("KOKORO_REQUIRE_MODEL").is_ok_and(|v| v == "1") {
        panic!(
            "KOKORO_REQUIRE_MODEL=1 but {} has no manifest.json: run `cargo xtask fetch-model`",
            dir.display()
        );
    }
    eprintln!(
        "\n==========================================================\n\
         SKIPPED: {tests}: no model in {}\n\
         Run `cargo xtask fetch-model`.\n\
         ==========================================================\n",
        dir.display()
    );
    None
}
