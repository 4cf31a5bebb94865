//! Voice metadata derived from Kokoro's id convention (`af_bella`: American, female).

/// The language a voice was trained for, from the first letter of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    /// `a`: American English.
    AmericanEnglish,
    /// `b`: British English.
    BritishEnglish,
    /// `e`: Spanish.
    Spanish,
    /// `f`: French.
    French,
    /// `h`: Hindi.
    Hindi,
    /// `i`: Italian.
    Italian,
    /// `j`: Japanese.
    Japanese,
    /// `p`: Brazilian Portuguese.
    BrazilianPortuguese,
    /// `z`: Mandarin Chinese.
    MandarinChinese,
    /// Any other prefix.
    Unknown,
}

impl Language {
    /// The language for a Kokoro id prefix letter (`'a'` -> American English).
    #[must_use]
    pub fn from_prefix(prefix: char) -> Self {
        match prefix {
            'a' => Self::AmericanEnglish,
            'b' => Self::BritishEnglish,
            'e' => Self::Spanish,
            'f' => Self::French,
            'h' => Self::Hindi,
            'i' => Self::Italian,
            'j' => Self::Japanese,
            'p' => Self::BrazilianPortuguese,
            'z' => Self::MandarinChinese,
            _ => Self::Unknown,
        }
    }

    /// The Kokoro id prefix letter, or `None` for [`Language::Unknown`].
    #[must_use]
    pub fn prefix(self) -> Option<char> {
        Some(match self {
            Self::AmericanEnglish => 'a',
            Self::BritishEnglish => 'b',
            Self::Spanish => 'e',
            Self::French => 'f',
            Self::Hindi => 'h',
            Self::Italian => 'i',
            Self::Japanese => 'j',
            Self::BrazilianPortuguese => 'p',
            Self::MandarinChinese => 'z',
            Self::Unknown => return None,
        })
    }

    /// The BCP 47 language tag: `en-US`, `en-GB`, `es`, `fr`, `hi`, `it`, `ja`, `pt-BR`, `zh`,
    /// or `und` (undetermined) for [`Language::Unknown`].
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::AmericanEnglish => "en-US",
            Self::BritishEnglish => "en-GB",
            Self::Spanish => "es",
            Self::French => "fr",
            Self::Hindi => "hi",
            Self::Italian => "it",
            Self::Japanese => "ja",
            Self::BrazilianPortuguese => "pt-BR",
            Self::MandarinChinese => "zh",
            Self::Unknown => "und",
        }
    }

    /// The espeak-ng voice for this language (`en-us`, `en-gb`, `es`, `fr-fr`, `hi`, `it`,
    /// `ja`, `pt-br`, `cmn`), as used by kokoro-onnx; `None` for [`Language::Unknown`].
    #[must_use]
    pub fn espeak_voice(self) -> Option<&'static str> {
        Some(match self {
            Self::AmericanEnglish => "en-us",
            Self::BritishEnglish => "en-gb",
            Self::Spanish => "es",
            Self::French => "fr-fr",
            Self::Hindi => "hi",
            Self::Italian => "it",
            Self::Japanese => "ja",
            Self::BrazilianPortuguese => "pt-br",
            Self::MandarinChinese => "cmn",
            Self::Unknown => return None,
        })
    }

    /// True for American and British English.
    #[must_use]
    pub fn is_english(self) -> bool {
        matches!(self, Self::AmericanEnglish | Self::BritishEnglish)
    }
}

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
    /// Language, from the first letter.
    pub language: Language,
    /// Gender, from the second letter.
    pub gender: Gender,
}

/// Derives a voice's language and gender from its id (`bm_george`: British English, male).
/// Ids that do not follow the convention give [`Language::Unknown`] / [`Gender::Unknown`].
///
/// ```
/// use kokoro_voices::{voice_info, Gender, Language};
/// let info = voice_info("bm_george");
/// assert_eq!(info.language, Language::BritishEnglish);
/// assert_eq!(info.gender, Gender::Male);
/// ```
#[must_use]
pub fn voice_info(id: &str) -> VoiceInfo {
    let mut chars = id.chars();
    let language = chars
        .next()
        .map_or(Language::Unknown, Language::from_prefix);
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

impl std::fmt::Display for Language {
    /// A human name: `American English`, `British English`, `Mandarin Chinese`, ...
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AmericanEnglish => "American English",
            Self::BritishEnglish => "British English",
            Self::Spanish => "Spanish",
            Self::French => "French",
            Self::Hindi => "Hindi",
            Self::Italian => "Italian",
            Self::Japanese => "Japanese",
            Self::BrazilianPortuguese => "Brazilian Portuguese",
            Self::MandarinChinese => "Mandarin Chinese",
            Self::Unknown => "unknown",
        })
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
            ("af_bella", Language::AmericanEnglish, Gender::Female),
            ("am_adam", Language::AmericanEnglish, Gender::Male),
            ("bf_emma", Language::BritishEnglish, Gender::Female),
            ("bm_george", Language::BritishEnglish, Gender::Male),
            ("ef_dora", Language::Spanish, Gender::Female),
            ("ff_siwis", Language::French, Gender::Female),
            ("hm_omega", Language::Hindi, Gender::Male),
            ("im_nicola", Language::Italian, Gender::Male),
            ("jf_alpha", Language::Japanese, Gender::Female),
            ("pm_alex", Language::BrazilianPortuguese, Gender::Male),
            ("zf_xiaobei", Language::MandarinChinese, Gender::Female),
            ("af", Language::AmericanEnglish, Gender::Female),
            ("xx_custom", Language::Unknown, Gender::Unknown),
            ("a", Language::AmericanEnglish, Gender::Unknown),
            ("", Language::Unknown, Gender::Unknown),
        ];
        for (id, language, gender) in cases {
            let info = voice_info(id);
            assert_eq!(
                (info.id.as_str(), info.language, info.gender),
                (id, language, gender)
            );
        }
    }

    #[test]
    fn prefix_round_trips_and_codes() {
        for c in ['a', 'b', 'e', 'f', 'h', 'i', 'j', 'p', 'z'] {
            let lang = Language::from_prefix(c);
            assert_eq!(lang.prefix(), Some(c));
            assert!(lang.espeak_voice().is_some());
            assert_ne!(lang.code(), "und");
        }
        assert_eq!(Language::Unknown.prefix(), None);
        assert_eq!(Language::Unknown.code(), "und");
        assert_eq!(Language::BritishEnglish.code(), "en-GB");
        assert_eq!(Language::AmericanEnglish.espeak_voice(), Some("en-us"));
    }

    #[test]
    fn only_american_and_british_are_english() {
        assert!(Language::AmericanEnglish.is_english());
        assert!(Language::BritishEnglish.is_english());
        assert!(!Language::French.is_english());
        assert!(!Language::Unknown.is_english());
    }
}
