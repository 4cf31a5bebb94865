//! Kokoro-82M voices: voice packs, the voice catalog, fallback resolution, style rows and blends.
//!
//! A Kokoro *voice pack* is a `rows x 1 x 256` float32 array: one 256-value *style* vector per
//! utterance length. The model's `style` input is the row picked by the number of phoneme tokens
//! (row `n - 1` for `n` tokens, clamped: [`style_row_index`]). Packs come as raw `<id>.bin`
//! files (kokoro-js layout: 510 rows for v1.0) or inside an NPZ archive (`voices-v1.0.bin`,
//! v0.19 `voices.bin`).
//!
//! The main pieces:
//! - [`VoicePack`]: one voice, validated on load (size, finite values), with [`VoicePack::style_for_tokens`];
//! - [`read_npz`] / [`read_npz_bytes`]: every pack of an NPZ archive (tiny NPY parser, float32 only);
//! - [`VoiceCatalog`]: the available voices (a directory scanned lazily, an archive, or packs in
//!   memory), with [`VoiceCatalog::resolve`], which never fails for a bad voice name but falls
//!   back along [`FALLBACK_ORDER`] with a warning;
//! - [`BlendSpec`] and [`blend`]: mixes such as `af_bella:0.7,am_adam:0.3`;
//! - [`voice_info`]: language and gender from the id (`bm_george`: British English, male); the
//!   [`Language`] is `kokoro-model`'s, re-exported.
//!
//! Errors are a single [`Error`] with an [`ErrorKind`] and `is_*()` queries.
//!
//! ```
//! use kokoro_voices::{VoiceCatalog, VoicePack, STYLE_DIM};
//!
//! // Two synthetic 3-row packs (real ones come from `VoiceCatalog::open("models/voices")`).
//! let bella = VoicePack::from_values("af_bella", vec![0.25; 3 * STYLE_DIM])?;
//! let adam = VoicePack::from_values("am_adam", vec![1.0; 3 * STYLE_DIM])?;
//! let catalog = VoiceCatalog::from_packs(vec![bella, adam]);
//!
//! // Unknown voices fall back instead of failing.
//! let chosen = catalog.resolve(Some("af_typo"))?;
//! assert_eq!(chosen.spec, "af_bella");
//! assert!(chosen.fell_back);
//!
//! // The style vector for a 42-token chunk, from a blend.
//! let chosen = catalog.resolve(Some("af_bella:0.5,am_adam:0.5"))?;
//! let style = catalog.style(&chosen.spec, 42)?;
//! assert_eq!(style.len(), STYLE_DIM);
//! assert_eq!(style[0], 0.625);
//! # Ok::<(), kokoro_voices::Error>(())
//! ```

mod blend;
mod catalog;
mod error;
mod info;
mod npz;
mod pack;

pub use blend::{BlendSpec, blend};
pub use catalog::{DEFAULT_VOICE, FALLBACK_ORDER, ResolvedVoice, VoiceCatalog};
pub use error::{Error, ErrorKind, Result};
pub use info::{Gender, VoiceInfo, voice_info};
pub use kokoro_model::Language;
pub use npz::{read_npz, read_npz_bytes};
pub use pack::{ROW_BYTES, STYLE_DIM, VoicePack, style_row_index};
