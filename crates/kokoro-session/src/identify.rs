//! Which Kokoro generation a model file is, from the model itself: its file name, its sha256 (for
//! the known files) or its contract. The generation decides the phoneme vocabulary: v0.19 and
//! v1.0 give different ids to the same symbol (`A` is 17 in one and 24 in the other), so a model
//! run with the other generation's vocabulary speaks garbled words.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::contract::ModelInfo;

/// A generation of Kokoro-82M; each has its own phoneme vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelGeneration {
    /// Kokoro v0.19 (espeak-ng IPA phonemes, the original symbol table).
    V0_19,
    /// Kokoro-82M v1.0 (misaki phonemes, hexgrad's `config.json` vocabulary).
    V1_0,
}

impl ModelGeneration {
    /// The vocabulary name used in `manifest.json`: `v0.19` or `v1.0`.
    pub fn vocab_name(self) -> &'static str {
        match self {
            Self::V0_19 => "v0.19",
            Self::V1_0 => "v1.0",
        }
    }

    /// Parses a manifest's `vocab` value (`v0.19`, `v1.0`); `None` for anything else.
    pub fn from_vocab_name(name: &str) -> Option<Self> {
        match name.trim() {
            "v0.19" | "v0_19" => Some(Self::V0_19),
            "v1.0" | "v1_0" => Some(Self::V1_0),
            _ => None,
        }
    }
}

impl fmt::Display for ModelGeneration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.vocab_name())
    }
}

/// A model file whose content is known: its size, sha256 and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownModel {
    /// Its usual file name.
    pub file_name: &'static str,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its lowercase hex sha256.
    pub sha256: &'static str,
    /// Its generation.
    pub generation: ModelGeneration,
}

/// The model files known by content (the ones `kokoro fetch-model` pins). A file is hashed
/// only when its size is one of these, so an unknown file costs one `stat`.
pub const KNOWN_MODELS: &[KnownModel] = &[KnownModel {
    file_name: "kokoro-v1.0.int8.onnx",
    bytes: 92_361_271,
    sha256: "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
    generation: ModelGeneration::V1_0,
}];

/// The generation a model file name states: `kokoro-v0_19.onnx` (also `v0.19`, `v019`) is v0.19,
/// `kokoro-v1.0*.onnx` (also `v1_0`) is v1.0; other names (`model.onnx`, used by both) say nothing.
pub fn generation_from_file_name(path: &Path) -> Option<ModelGeneration> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let v019 = ["v0_19", "v0.19", "v019", "v0-19"];
    let v10 = ["v1.0", "v1_0", "v1-0"];
    let is_v019 = v019.iter().any(|p| name.contains(p));
    let is_v10 = v10.iter().any(|p| name.contains(p));
    match (is_v019, is_v10) {
        (true, false) => Some(ModelGeneration::V0_19),
        (false, true) => Some(ModelGeneration::V1_0),
        _ => None,
    }
}

/// The generation of a model file known by content ([`KNOWN_MODELS`]): its size is checked
/// first, and only a file of a known size is hashed.
///
/// # Errors
///
/// The I/O error of reading the file.
pub fn generation_from_checksum(path: &Path) -> io::Result<Option<ModelGeneration>> {
    generation_from_checksum_in(path, KNOWN_MODELS)
}

fn generation_from_checksum_in(
    path: &Path,
    known: &[KnownModel],
) -> io::Result<Option<ModelGeneration>> {
    let bytes = std::fs::metadata(path)?.len();
    let candidates: Vec<&KnownModel> = known.iter().filter(|k| k.bytes == bytes).collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let digest = sha256_file(path)?;
    Ok(candidates
        .iter()
        .find(|k| k.sha256 == digest)
        .map(|k| k.generation))
}

/// Lowercase hex sha256 of a file, read in blocks.
fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The generation a model's contract implies, where it implies one: hexgrad's own export script
/// (int32 `input_ids` and `speed`) exists for v1.0 only. The kokoro-onnx (`tokens`/`audio`) and
/// onnx-community (`input_ids`/`waveform`) contracts were published for both generations, so they
/// say nothing.
pub fn generation_from_contract(info: &ModelInfo) -> Option<ModelGeneration> {
    let int32 = |name: &str| info.input(name).is_some_and(|t| t.dtype == "int32");
    (int32("input_ids") && int32("speed")).then_some(ModelGeneration::V1_0)
}

/// How a model's generation was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GenerationSource {
    /// The file name states it.
    FileName,
    /// Its sha256 is a known model's.
    Checksum,
}

/// The generation of the model file at `path` from the file alone, without loading it: its name,
/// else its sha256 if it is a known file. `None` when neither tells (the contract, read when the
/// model loads, may still; see [`generation_from_contract`]). A file that cannot be read for
/// hashing counts as unknown (the failure is logged at debug level).
pub fn identify_model_file(path: &Path) -> Option<(ModelGeneration, GenerationSource)> {
    if let Some(g) = generation_from_file_name(path) {
        return Some((g, GenerationSource::FileName));
    }
    match generation_from_checksum(path) {
        Ok(Some(g)) => Some((g, GenerationSource::Checksum)),
        Ok(None) => None,
        Err(e) => {
            tracing::debug!(model = %path.display(), error = %e, "cannot hash the model file");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::TensorDesc;

    #[test]
    fn file_names() {
        let g = |n: &str| generation_from_file_name(Path::new(n));
        assert_eq!(g("/m/kokoro-v0_19.onnx"), Some(ModelGeneration::V0_19));
        assert_eq!(g("Kokoro-V0.19.onnx"), Some(ModelGeneration::V0_19));
        assert_eq!(g("kokoro-v1.0.onnx"), Some(ModelGeneration::V1_0));
        assert_eq!(g("kokoro-v1.0.int8.onnx"), Some(ModelGeneration::V1_0));
        assert_eq!(g("kokoro-v1_0.fp16.onnx"), Some(ModelGeneration::V1_0));
        assert_eq!(g("model.onnx"), None);
        assert_eq!(g("model_quantized.onnx"), None);
        assert_eq!(g("kokoro-v0_19-to-v1.0.onnx"), None, "contradictory");
    }

    #[test]
    fn checksums_hash_only_files_of_a_known_size() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("model.onnx");
        std::fs::write(&file, b"abc").unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let known = |bytes, sha256| KnownModel {
            file_name: "x.onnx",
            bytes,
            sha256,
            generation: ModelGeneration::V0_19,
        };
        let hit = [known(3, abc)];
        assert_eq!(
            generation_from_checksum_in(&file, &hit).unwrap(),
            Some(ModelGeneration::V0_19)
        );
        let other_content = [known(3, "00")];
        assert_eq!(
            generation_from_checksum_in(&file, &other_content).unwrap(),
            None
        );
        let other_size = [known(4, abc)];
        assert_eq!(
            generation_from_checksum_in(&file, &other_size).unwrap(),
            None
        );
        assert_eq!(generation_from_checksum(&file).unwrap(), None);
        assert!(generation_from_checksum(&tmp.path().join("gone.onnx")).is_err());
        assert_eq!(identify_model_file(&file), None);
    }

    #[test]
    fn known_models_are_well_formed() {
        for k in KNOWN_MODELS {
            assert_eq!(k.sha256.len(), 64, "{}", k.file_name);
            assert!(
                k.sha256
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert_eq!(
                generation_from_file_name(Path::new(k.file_name)),
                Some(k.generation)
            );
        }
    }

    #[test]
    fn only_the_int32_export_tells_its_generation() {
        let info = |token: &str, ttype: &str, speed: &str| ModelInfo {
            inputs: vec![
                TensorDesc::new(token, ttype, [1, -1]),
                TensorDesc::new("style", "float32", [1, 256]),
                TensorDesc::new("speed", speed, [1]),
            ],
            outputs: vec![TensorDesc::new("audio", "float32", [-1])],
        };
        assert_eq!(
            generation_from_contract(&info("input_ids", "int32", "int32")),
            Some(ModelGeneration::V1_0)
        );
        assert_eq!(
            generation_from_contract(&info("tokens", "int64", "float32")),
            None
        );
        assert_eq!(
            generation_from_contract(&info("input_ids", "int64", "float32")),
            None
        );
    }

    #[test]
    fn vocab_names_round_trip() {
        for g in [ModelGeneration::V0_19, ModelGeneration::V1_0] {
            assert_eq!(ModelGeneration::from_vocab_name(g.vocab_name()), Some(g));
        }
        assert_eq!(ModelGeneration::from_vocab_name(""), None);
        assert_eq!(ModelGeneration::from_vocab_name("v2"), None);
    }
}
