//! Voice metadata derived from Kokoro's id convention (`af_bella`: American, female).

use kokoro_model::Language;

/// The speaker's gender, from the second letter of a voice id (`f` or `m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gender {
    /// `f`.
    Female,
    /// `m`.
    Male,
    /// Any other letter, or none.
    Unknown,
}

/// What a voice id says about the voice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VoiceInfo {
    /// The voice id (`af_bella`).
    pub id: String,
    /// The language, from the first letter ([`Language::from_letter`]); `None` for a letter
    /// that names none.
    pub language: Option<Language>,
    /// Gender, from the second letter.
    pub gender: Gender,
}

/// Derives a voice's language and gender from its id (`bm_george`: British English, male).
/// Ids that do not follow the convention give no language / [`Gender::Unknown`].
///
/// ```
/// use kokoro_voices::{voice_info, Gender, Language};
/// let info = voice_info("bm_george");
/// assert_eq!(info.language, Some(Language::EnglishGb));
/// assert_eq!(info.gender, Gender::Male);
/// assert_eq!(voice_info("xx_custom").language, None);
/// ```
#[must_use]
pub fn voice_info(id: &str) -> VoiceInfo {
    let mut chars = id.chars();
    let language = chars.next().and_then(Language::from_letter);
    let gender = match chars.next() {
        Some('f') => Gender::Female,
        Some('m') => Gender::Male,
        _ => Gender::Unknown,
    };
    VoiceInfo {
        id: id.to_owned(),
        language,
        gender,
    }
}

impl std::fmt::Display for Gender {
    /// `female`, `male` or `unknown`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Unknown => "unknown",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_map_to_languages() {
        let cases = [
            ("af_bella", Some(Language::EnglishUs), Gender::Female),
            ("am_adam", Some(Language::EnglishUs), Gender::Male),
            ("bf_emma", Some(Language::EnglishGb), Gender::Female),
            ("bm_george", Some(Language::EnglishGb), Gender::Male),
            ("ef_dora", Some(Language::Spanish), Gender::Female),
            ("ff_siwis", Some(Language::French), Gender::Female),
            ("hm_omega", Some(Language::Hindi), Gender::Male),
            ("im_nicola", Some(Language::Italian), Gender::Male),
            ("jf_alpha", Some(Language::Japanese), Gender::Female),
            ("pm_alex", Some(Language::PortugueseBr), Gender::Male),
            ("zf_xiaobei", Some(Language::Mandarin), Gender::Female),
            ("af", Some(Language::EnglishUs), Gender::Female),
            ("xx_custom", None, Gender::Unknown),
            ("a", Some(Language::EnglishUs), Gender::Unknown),
            ("", None, Gender::Unknown),
        ];
        for (id, language, gender) in cases {
            let info = voice_info(id);
            assert_eq!(
                (info.id.as_str(), info.language, info.gender),
                (id, language, gender)
            );
        }
    }
}
