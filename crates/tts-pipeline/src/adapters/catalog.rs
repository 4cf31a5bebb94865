//! [`CatalogVoices`]: the voices of a `kokoro_voices::VoiceCatalog`.

use kokoro_voices::VoiceCatalog;

use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Voice, VoiceChoice, Voices};

/// [`Voices`] over `kokoro_voices::VoiceCatalog`.
pub struct CatalogVoices(VoiceCatalog);

impl CatalogVoices {
    /// The voices of `catalog`.
    pub fn new(catalog: VoiceCatalog) -> Self {
        Self(catalog)
    }
}

impl Voices for CatalogVoices {
    /// The catalog's choice (with its fallback) and its pack: loaded on first use and cached by
    /// the catalog, a blend built once.
    fn resolve(&self, requested: Option<&str>) -> Result<Voice> {
        let voice_error = |e| Error::wrap(ErrorKind::Voice, e);
        let r = self.0.resolve(requested).map_err(voice_error)?;
        let rows = self.0.voice(&r.spec).map_err(voice_error)?;
        Ok(Voice::new(
            VoiceChoice {
                voice: r.spec,
                fell_back: r.fell_back,
            },
            rows,
        ))
    }
}
