//! [`CatalogVoices`]: the voices of a `kokoro_voices::VoiceCatalog`.

use kokoro_voices::VoiceCatalog;

use crate::error::{Error, ErrorKind, Result};
use crate::traits::{VoiceChoice, Voices};

/// [`Voices`] over `kokoro_voices::VoiceCatalog`.
pub struct CatalogVoices(VoiceCatalog);

impl CatalogVoices {
    /// The voices of `catalog`.
    pub fn new(catalog: VoiceCatalog) -> Self {
        Self(catalog)
    }
}

impl Voices for CatalogVoices {
    fn resolve(&self, requested: Option<&str>) -> Result<VoiceChoice> {
        let r = self
            .0
            .resolve(requested)
            .map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
        Ok(VoiceChoice {
            voice: r.spec,
            fell_back: r.fell_back,
        })
    }

    fn style(&self, voice: &str, n_tokens: usize) -> Result<Vec<f32>> {
        let pack = self
            .0
            .voice(voice)
            .map_err(|e| Error::wrap(ErrorKind::Voice, e))?;
        Ok(pack.style_for_tokens(n_tokens).to_vec())
    }
}
