//! The model variants that can be fetched.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};

/// A Kokoro model variant [`fetch_model`](crate::fetch_model) knows how to obtain.
///
/// Its name ([`as_str`](Self::as_str), [`FromStr`], [`Display`](fmt::Display)) is what the
/// command lines take and what the manifest records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Variant {
    /// Kokoro v1.0 int8 (`v1.0-int8`): every file pinned by sha256; the default.
    #[default]
    V1Int8,
    /// Kokoro v1.0 fp32 (`v1.0`) from the kokoro-onnx GitHub release: not pinned (trust on first use).
    V1,
    /// Kokoro v1.0 fp16 (`v1.0-fp16`) from the kokoro-onnx GitHub release: not pinned.
    V1Fp16,
    /// Kokoro v0.19 (`v0.19`) from the kokoro-onnx GitHub release: not pinned.
    V019,
}

impl Variant {
    /// Every variant, the default first.
    pub const ALL: [Variant; 4] = [Variant::V1Int8, Variant::V1, Variant::V1Fp16, Variant::V019];

    /// The name on the command line and in the manifest (`v1.0-int8`, `v1.0`, `v1.0-fp16`, `v0.19`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::V1Int8 => "v1.0-int8",
            Variant::V1 => "v1.0",
            Variant::V1Fp16 => "v1.0-fp16",
            Variant::V019 => "v0.19",
        }
    }

    /// Whether every file of the variant is pinned by sha256 (only the default is).
    #[must_use]
    pub fn is_pinned(self) -> bool {
        self == Variant::V1Int8
    }

    /// The phoneme vocabulary the model was trained with (`v1.0` or `v0.19`).
    #[must_use]
    pub fn vocab(self) -> &'static str {
        match self {
            Variant::V019 => "v0.19",
            _ => "v1.0",
        }
    }

    /// File name of the ONNX model.
    #[must_use]
    pub fn model_file(self) -> &'static str {
        match self {
            Variant::V1Int8 => "kokoro-v1.0.int8.onnx",
            Variant::V1 => "kokoro-v1.0.onnx",
            Variant::V1Fp16 => "kokoro-v1.0.fp16.onnx",
            Variant::V019 => "kokoro-v0_19.onnx",
        }
    }

    /// The manifest's voices entry: a directory of `.bin` packs, or an NPZ file.
    #[must_use]
    pub fn voices(self) -> &'static str {
        match self {
            Variant::V1Int8 => "voices",
            Variant::V1 | Variant::V1Fp16 => "voices-v1.0.bin",
            Variant::V019 => "voices.bin",
        }
    }

    /// Whether the variant needs hexgrad's `config.json` (the v1.0 vocabulary).
    #[must_use]
    pub fn needs_config(self) -> bool {
        self.vocab() == "v1.0"
    }

    /// The kokoro-onnx release (its tag) that publishes the unpinned variants' files.
    pub(crate) fn release_tag(self) -> Option<&'static str> {
        match self {
            Variant::V1Int8 => None,
            Variant::V1 | Variant::V1Fp16 => Some("model-files-v1.0"),
            Variant::V019 => Some("model-files"),
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Variant {
    type Err = Error;

    /// Parses a name as [`Variant::as_str`] spells it; anything else is an
    /// [`ErrorKind::InvalidInput`] error listing the valid names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Variant::ALL.iter().map(|v| v.as_str()).collect();
                Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "unknown model variant {s:?}: use one of {}",
                        names.join(", ")
                    ),
                )
            })
    }
}

/// The names on a command line (`--variant`), as [`Variant::as_str`] spells them.
#[cfg(feature = "clap")]
impl clap::ValueEnum for Variant {
    fn value_variants<'a>() -> &'a [Self] {
        &Variant::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip() {
        for v in Variant::ALL {
            assert_eq!(v.as_str().parse::<Variant>().unwrap(), v);
            assert_eq!(v.to_string(), v.as_str());
        }
        assert_eq!(Variant::default(), Variant::V1Int8);
        for bad in ["", "v1", "V1.0-INT8", "v1.0-int4", "v0.19 "] {
            let err = bad.parse::<Variant>().unwrap_err();
            assert!(err.is_invalid_input(), "{bad}");
            assert!(
                err.to_string()
                    .contains("v1.0-int8, v1.0, v1.0-fp16, v0.19"),
                "{err}"
            );
        }
    }

    #[test]
    fn layouts() {
        assert_eq!(Variant::V019.vocab(), "v0.19");
        assert!(!Variant::V019.needs_config());
        assert!(Variant::V1Fp16.needs_config());
        assert_eq!(Variant::V1.voices(), "voices-v1.0.bin");
        assert!(Variant::V1Int8.is_pinned() && !Variant::V1.is_pinned());
        assert_eq!(Variant::V1Int8.release_tag(), None);
        assert_eq!(Variant::V019.release_tag(), Some("model-files"));
        assert_eq!(Variant::V1Fp16.release_tag(), Some("model-files-v1.0"));
    }

    #[cfg(feature = "clap")]
    #[test]
    fn clap_names_are_the_variant_names() {
        for v in Variant::ALL {
            assert_eq!(
                <Variant as clap::ValueEnum>::from_str(v.as_str(), false).unwrap(),
                v
            );
        }
        assert!(<Variant as clap::ValueEnum>::from_str("v1", false).is_err());
    }
}
