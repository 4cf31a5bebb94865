//! The languages Kokoro speaks, one per voice-id letter (`af_bella`: `a`, American English).

use std::fmt;
use std::str::FromStr;

/// A language of the model: the first letter of a voice id names the language the voice was
/// trained for (`a` American English, `b` British English, `e` Spanish, `f` French, `h` Hindi,
/// `i` Italian, `j` Japanese, `p` Brazilian Portuguese, `z` Mandarin Chinese).
///
/// Written and parsed as its code (`en-us`, `en-gb`, `es`, `fr-fr`, `hi`, `it`, `ja`, `pt-br`,
/// `zh`); parsing also takes the voice letter and `en`, `fr`, `pt`, `cmn`, in any case.
///
/// ```
/// use kokoro_model::Language;
///
/// assert_eq!(Language::from_voice_id("bf_emma"), Some(Language::EnglishGb));
/// assert_eq!("pt".parse::<Language>(), Ok(Language::PortugueseBr));
/// assert_eq!(Language::French.to_string(), "fr-fr");
/// assert!("xx".parse::<Language>().unwrap_err().to_string().contains("en-us"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// `a`, `en-us`: American English.
    EnglishUs,
    /// `b`, `en-gb`: British English.
    EnglishGb,
    /// `e`, `es`: Spanish.
    Spanish,
    /// `f`, `fr-fr`: French.
    French,
    /// `h`, `hi`: Hindi.
    Hindi,
    /// `i`, `it`: Italian.
    Italian,
    /// `j`, `ja`: Japanese.
    Japanese,
    /// `p`, `pt-br`: Brazilian Portuguese.
    PortugueseBr,
    /// `z`, `zh`: Mandarin Chinese.
    Mandarin,
}

impl Language {
    /// Every language, in the order of their voice letters.
    pub const ALL: [Language; 9] = [
        Self::EnglishUs,
        Self::EnglishGb,
        Self::Spanish,
        Self::French,
        Self::Hindi,
        Self::Italian,
        Self::Japanese,
        Self::PortugueseBr,
        Self::Mandarin,
    ];

    /// The language of a voice, from the first letter of its id (of a blend such as
    /// `bf_emma:0.6,af_bella:0.4`, its first voice's); `None` when the letter names none.
    #[must_use]
    pub fn from_voice_id(voice: &str) -> Option<Language> {
        Self::from_letter(voice.trim_start().chars().next()?)
    }

    /// The language whose voices' ids start with `letter` (`'b'`: British English); `None` for
    /// any other character (upper case included: voice ids are lower case).
    #[must_use]
    pub fn from_letter(letter: char) -> Option<Language> {
        Self::ALL.into_iter().find(|l| l.letter() == letter)
    }

    /// The first letter of the ids of this language's voices (`a` for American English).
    #[must_use]
    pub fn letter(self) -> char {
        match self {
            Self::EnglishUs => 'a',
            Self::EnglishGb => 'b',
            Self::Spanish => 'e',
            Self::French => 'f',
            Self::Hindi => 'h',
            Self::Italian => 'i',
            Self::Japanese => 'j',
            Self::PortugueseBr => 'p',
            Self::Mandarin => 'z',
        }
    }

    /// The code: `en-us`, `en-gb`, `es`, `fr-fr`, `hi`, `it`, `ja`, `pt-br` or `zh`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::EnglishUs => "en-us",
            Self::EnglishGb => "en-gb",
            Self::Spanish => "es",
            Self::French => "fr-fr",
            Self::Hindi => "hi",
            Self::Italian => "it",
            Self::Japanese => "ja",
            Self::PortugueseBr => "pt-br",
            Self::Mandarin => "zh",
        }
    }

    /// Its name in English: `American English`, `British English`, `Spanish`, ...
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::EnglishUs => "American English",
            Self::EnglishGb => "British English",
            Self::Spanish => "Spanish",
            Self::French => "French",
            Self::Hindi => "Hindi",
            Self::Italian => "Italian",
            Self::Japanese => "Japanese",
            Self::PortugueseBr => "Brazilian Portuguese",
            Self::Mandarin => "Mandarin Chinese",
        }
    }

    /// True for American and British English.
    #[must_use]
    pub fn is_english(self) -> bool {
        matches!(self, Self::EnglishUs | Self::EnglishGb)
    }
}

impl fmt::Display for Language {
    /// The code ([`Language::code`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = ParseLanguageError;

    /// The code, the voice letter, or `en` (American English), `fr`, `pt`, `cmn`; any case,
    /// surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "en" => Some(Self::EnglishUs),
            "fr" => Some(Self::French),
            "pt" => Some(Self::PortugueseBr),
            "cmn" => Some(Self::Mandarin),
            _ => None,
        };
        alias
            .or_else(|| {
                Self::ALL
                    .into_iter()
                    .find(|l| l.code() == wanted || wanted.chars().eq(std::iter::once(l.letter())))
            })
            .ok_or_else(|| ParseLanguageError {
                input: s.to_string(),
            })
    }
}

/// A string that names no [`Language`]; its message lists the valid codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown language `{input}`: use one of {} (or a voice letter: {})",
    codes(),
    letters()
)]
#[non_exhaustive]
pub struct ParseLanguageError {
    /// The string that was given.
    pub input: String,
}

fn codes() -> String {
    Language::ALL.map(Language::code).join(", ")
}

fn letters() -> String {
    Language::ALL.map(|l| l.letter().to_string()).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many of the 54 voices of Kokoro v1.0 (as installed by `kokoro fetch-model`) start
    /// with each letter.
    const V1_0_LETTERS: [(char, usize); 9] = [
        ('a', 20),
        ('b', 8),
        ('e', 3),
        ('f', 1),
        ('h', 4),
        ('i', 2),
        ('j', 5),
        ('p', 3),
        ('z', 8),
    ];

    #[test]
    fn code_letter_and_name_round_trip() {
        for lang in Language::ALL {
            assert_eq!(lang.code().parse::<Language>(), Ok(lang));
            assert_eq!(lang.code().to_uppercase().parse::<Language>(), Ok(lang));
            assert_eq!(lang.letter().to_string().parse::<Language>(), Ok(lang));
            assert_eq!(
                lang.letter()
                    .to_ascii_uppercase()
                    .to_string()
                    .parse::<Language>(),
                Ok(lang)
            );
            assert_eq!(lang.to_string().parse::<Language>(), Ok(lang));
            assert_eq!(lang.to_string(), lang.code());
            let id = format!("{}f_someone", lang.letter());
            assert_eq!(Language::from_voice_id(&id), Some(lang));
            assert_eq!(Language::from_letter(lang.letter()), Some(lang));
            assert_eq!(
                Language::from_letter(lang.letter().to_ascii_uppercase()),
                None
            );
            assert!(!lang.name().is_empty());
        }
    }

    #[test]
    fn codes_letters_and_names_are_distinct() {
        let mut codes: Vec<_> = Language::ALL.map(Language::code).to_vec();
        let mut letters: Vec<_> = Language::ALL.map(Language::letter).to_vec();
        let mut names: Vec<_> = Language::ALL.map(Language::name).to_vec();
        for list in [&mut codes, &mut names] {
            list.sort_unstable();
            list.dedup();
        }
        letters.sort_unstable();
        letters.dedup();
        assert_eq!((codes.len(), letters.len(), names.len()), (9, 9, 9));
    }

    #[test]
    fn the_aliases_parse() {
        for (alias, lang) in [
            ("en", Language::EnglishUs),
            ("EN", Language::EnglishUs),
            ("fr", Language::French),
            ("pt", Language::PortugueseBr),
            ("cmn", Language::Mandarin),
            (" zh ", Language::Mandarin),
            ("Pt-BR", Language::PortugueseBr),
        ] {
            assert_eq!(alias.parse::<Language>(), Ok(lang), "{alias}");
        }
    }

    #[test]
    fn every_v1_0_voice_letter_names_a_language() {
        assert_eq!(V1_0_LETTERS.iter().map(|(_, n)| n).sum::<usize>(), 54);
        for (letter, _) in V1_0_LETTERS {
            let lang = Language::from_voice_id(&format!("{letter}m_someone"));
            assert_eq!(lang.map(Language::letter), Some(letter), "{letter}");
        }
        let english: usize = V1_0_LETTERS
            .iter()
            .filter(|(letter, _)| {
                Language::from_voice_id(&letter.to_string()).is_some_and(Language::is_english)
            })
            .map(|(_, n)| n)
            .sum();
        assert_eq!(english, 28);
        for (voice, lang) in [
            ("af_heart", Language::EnglishUs),
            ("bm_george", Language::EnglishGb),
            ("ef_dora", Language::Spanish),
            ("ff_siwis", Language::French),
            ("hf_alpha", Language::Hindi),
            ("im_nicola", Language::Italian),
            ("jf_alpha", Language::Japanese),
            ("pm_alex", Language::PortugueseBr),
            ("zf_xiaobei", Language::Mandarin),
            ("bf_emma:0.6,af_bella:0.4", Language::EnglishGb),
        ] {
            assert_eq!(Language::from_voice_id(voice), Some(lang), "{voice}");
        }
    }

    #[test]
    fn unknown_voices_and_strings_name_no_language() {
        for voice in ["", "xx_custom", "custom", "Af_bella", "_a"] {
            assert_eq!(Language::from_voice_id(voice), None, "{voice}");
        }
        for letter in ['x', 'c', '_', ' ', 'é'] {
            assert_eq!(Language::from_letter(letter), None, "{letter}");
        }
        for s in ["", "x", "english", "en-au", "ab", "zh-tw"] {
            assert!(s.parse::<Language>().is_err(), "{s}");
        }
    }

    #[test]
    fn the_error_lists_the_valid_codes() {
        let e = "klingon".parse::<Language>().unwrap_err();
        assert_eq!(e.input, "klingon");
        let message = e.to_string();
        assert!(message.contains("`klingon`"), "{message}");
        for lang in Language::ALL {
            assert!(message.contains(lang.code()), "{message}");
        }
    }

    #[test]
    fn only_english_is_english() {
        let english: Vec<_> = Language::ALL
            .into_iter()
            .filter(|l| l.is_english())
            .collect();
        assert_eq!(english, [Language::EnglishUs, Language::EnglishGb]);
    }
}
