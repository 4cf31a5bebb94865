//! Helpers shared by the test binaries of `tests/` (each includes this module with `mod support;`).

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses some of them

use kokoro_tokenize::{Tokenizer, TokenizerOptions, Vocab};

/// The rows of the pronunciation table `fixtures/pronunciation/{name}`: its lines, without
/// blank lines and `#` comments.
pub fn pronunciation_rows(name: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pronunciation")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// The full text front end on Kokoro v1.0's vocabulary, with espeak-ng when `espeak` (and it is
/// installed), else the built-in fallback only.
pub fn text_tokenizer(espeak: bool) -> Tokenizer {
    Tokenizer::with_options(Vocab::v1_0(), TokenizerOptions::default().espeak(espeak)).unwrap()
}
