//! Writing `manifest.json`, whose format kokoro-session's [`Manifest`] defines (and reads).

use std::io::Write as _;
use std::path::Path;

use kokoro_session::MANIFEST_FILE;
use kokoro_session::Manifest;

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;

/// Writes `<dir>/manifest.json` atomically (a temporary file beside it, fsynced, then renamed).
pub(crate) fn write(manifest: &Manifest, dir: &Path) -> Result<()> {
    let path = dir.join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(manifest).map_err(|e| {
        Error::with_source(
            ErrorKind::InvalidManifest,
            format!("cannot serialize the manifest: {e}"),
            e,
        )
    })?;
    text.push('\n');
    let mut part = fsutil::temp_beside(&path)?;
    part.write_all(text.as_bytes())
        .map_err(|e| Error::io("cannot write", part.path(), e))?;
    fsutil::persist(part, &path)
}

#[cfg(test)]
mod tests {
    use kokoro_session::ManifestFile;

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
        assert!(Manifest::load(dir.path()).unwrap().is_none());
        let m = sample(dir.path());
        write(&m, dir.path()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), Some(m));
        std::fs::write(dir.path().join(MANIFEST_FILE), "{").unwrap();
        assert!(Manifest::load(dir.path()).is_err());
    }
}
