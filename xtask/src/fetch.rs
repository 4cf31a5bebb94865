//! `fetch-model` and `verify-model`: the `kokoro-fetch` library with xtask's defaults (the
//! workspace's `models/`, the download cache `target/model-cache`, the Japanese dictionary) and
//! progress on stderr.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;
use kokoro_fetch::{FetchOptions, TerminalProgress};

/// Progress on stderr: steps always, details (cached files, URLs) and byte bars on a terminal only.
fn ui() -> TerminalProgress {
    TerminalProgress::new("xtask: ", std::io::stderr().is_terminal())
}

/// `fetch-model`.
pub fn fetch_model(opts: &FetchOptions) -> Result<()> {
    kokoro_fetch::fetch_model(opts, &ui())?;
    Ok(())
}

/// `verify-model`.
pub fn verify_model(dir: &Path) -> Result<()> {
    match kokoro_fetch::verify_model(dir, &ui()) {
        Ok(_) => Ok(()),
        Err(e) if e.is_verify() || e.is_no_manifest() => Err(anyhow::anyhow!(
            "{e} (in this checkout: `cargo xtask fetch-model`)"
        )),
        Err(e) => Err(e.into()),
    }
}
