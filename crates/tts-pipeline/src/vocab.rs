//! Which phoneme vocabulary the model needs, decided from the model itself.
//!
//! Order: the manifest's `vocab` (when the model in use is the manifest's model); else the model
//! file's generation from its name or, for known files, its sha256
//! ([`kokoro_session::identify_model_file`]); else a hexgrad `config.json` next to it (a v1.0
//! vocabulary); else the model's contract, read when the session loads
//! ([`kokoro_session::generation_from_contract`]). When none of these tells, the engine refuses
//! to run: guessing would speak every word with the wrong ids.

use std::path::Path;

use kokoro_session::{GenerationSource, Manifest, ModelGeneration};
use kokoro_tokenize::Vocab;

use crate::adapters::PoolSynthesizer;
use crate::error::{Error, ErrorKind, Result};

/// A vocabulary and how it was chosen.
#[derive(Debug, Clone)]
pub(crate) struct VocabChoice {
    pub(crate) vocab: Vocab,
    /// For `info` and logs, e.g. `v0.19 (from the file name kokoro-v0_19.onnx)`.
    pub(crate) source: String,
}

fn config_error(config: &Path, e: impl std::fmt::Display, dir: &Path) -> Error {
    Error::new(
        ErrorKind::ModelMissing,
        format!(
            "{} is not a usable Kokoro config: {e}; run `kokoro fetch-model --dir {}` to replace it",
            config.display(),
            dir.display()
        ),
    )
}

/// The v1.0 vocabulary: from `config` when that file exists, else the embedded copy of hexgrad's.
fn v1_0(config: &Path, dir: &Path, source: String) -> Result<VocabChoice> {
    match std::fs::read_to_string(config) {
        Ok(json) => Vocab::from_config_json(&json)
            .map(|vocab| VocabChoice {
                vocab,
                source: format!("{source}, ids from {}", config.display()),
            })
            .map_err(|e| config_error(config, e, dir)),
        Err(_) => Ok(VocabChoice {
            vocab: Vocab::v1_0(),
            source,
        }),
    }
}

fn for_generation(
    generation: ModelGeneration,
    config: &Path,
    dir: &Path,
    source: String,
) -> Result<VocabChoice> {
    match generation {
        ModelGeneration::V0_19 => {
            if config.is_file() {
                tracing::debug!(config = %config.display(), "ignoring config.json: it holds the v1.0 vocabulary and the model is v0.19");
            }
            Ok(VocabChoice {
                vocab: Vocab::v0_19(),
                source,
            })
        }
        _ => v1_0(config, dir, source),
    }
}

/// The vocabulary of `model` (in `dir`) from the files alone: `Ok(None)` when they do not tell.
/// Loads nothing; hashes the model only when its size is a known model's.
pub(crate) fn from_files(
    dir: &Path,
    manifest: Option<&Manifest>,
    model: &Path,
) -> Result<Option<VocabChoice>> {
    let config = manifest
        .and_then(Manifest::config_path)
        .unwrap_or_else(|| dir.join("config.json"));
    if let Some(m) = manifest
        && m.model_path() == model
        && let Some(generation) = ModelGeneration::from_vocab_name(&m.vocab)
    {
        return for_generation(
            generation,
            &config,
            dir,
            format!("{generation} (from manifest.json)"),
        )
        .map(Some);
    }
    let name = model
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some((generation, how)) = kokoro_session::identify_model_file(model) {
        let how = match how {
            GenerationSource::FileName => format!("from the file name {name}"),
            _ => format!("from the sha256 of {name}"),
        };
        return for_generation(generation, &config, dir, format!("{generation} ({how})")).map(Some);
    }
    if config.is_file() {
        return v1_0(
            &config,
            dir,
            format!("v1.0 (from {}, next to {name})", config.display()),
        )
        .map(Some);
    }
    Ok(None)
}

/// Why the files do not tell, and what to do.
pub(crate) fn unknown_message(model: &Path) -> String {
    format!(
        "cannot tell which vocabulary {} needs (v0.19 and v1.0 give different ids to the same \
         phonemes): there is no manifest.json, its file name and sha256 are not known ones, there \
         is no config.json next to it, and its inputs are those of both generations; run \
         `kokoro fetch-model`, or rename it to kokoro-v0_19.onnx or kokoro-v1.0.onnx, or put \
         hexgrad's config.json (v1.0) next to it",
        model.display()
    )
}

/// The vocabulary from the model's contract: loads the first session of the engine's `pool`.
/// Only for a model the files say nothing about.
pub(crate) fn from_contract(model: &Path, pool: &PoolSynthesizer) -> Result<VocabChoice> {
    tracing::info!(model = %model.display(), "the files do not tell the model's vocabulary: loading the model to read its contract");
    let loaded = pool.session().map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!(
                "{}; loading the model to read its contract failed too: {}",
                unknown_message(model),
                e.report()
            ),
        )
    })?;
    match kokoro_session::generation_from_contract(loaded.model_info()) {
        Some(generation) => Ok(VocabChoice {
            vocab: match generation {
                ModelGeneration::V0_19 => Vocab::v0_19(),
                _ => Vocab::v1_0(),
            },
            source: format!("{generation} (from the model's contract)"),
        }),
        None => Err(Error::new(ErrorKind::Config, unknown_message(model))),
    }
}
