//! Which writing systems each language's front end reads, and the refusal of text written in
//! another language's script ("こんにちは" with an English voice), which would otherwise be
//! dropped or misread and reported as success.

use crate::Error;
use crate::lang::Language;

/// A writing system that one of Kokoro's languages is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Script {
    /// Latin letters (English, Spanish, French, Italian, Portuguese; also read in Mandarin,
    /// Japanese and Hindi text).
    Latin,
    /// Chinese characters (hanzi, kanji).
    Han,
    /// Japanese hiragana and katakana.
    Kana,
    /// Devanagari (Hindi).
    Devanagari,
    /// Korean hangul (no Kokoro v1.0 voice speaks Korean).
    Hangul,
}

impl Script {
    /// The script of `c`, for the scripts above; `None` for anything else (digits,
    /// punctuation, other alphabets, emoji).
    pub fn of(c: char) -> Option<Script> {
        let u = u32::from(c);
        Some(match u {
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F => Script::Han,
            0x0900..=0x097F | 0xA8E0..=0xA8FF => Script::Devanagari,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
            _ if c.is_alphabetic() && (c.is_ascii() || (0xC0..=0x24F).contains(&u)) => {
                Script::Latin
            }
            _ => return None,
        })
    }

    /// A name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Script::Latin => "Latin letters",
            Script::Han => "Chinese characters",
            Script::Kana => "Japanese kana",
            Script::Devanagari => "Devanagari",
            Script::Hangul => "Korean hangul",
        }
    }

    /// The language a voice would have to speak to read this script (`None`: Latin, read by
    /// many, or Hangul, read by none).
    fn language(self) -> Option<Language> {
        match self {
            Script::Han => Some(Language::Mandarin),
            Script::Kana => Some(Language::Japanese),
            Script::Devanagari => Some(Language::Hindi),
            Script::Latin | Script::Hangul => None,
        }
    }
}

/// True when `language`'s front end reads `script`.
pub fn reads(language: Language, script: Script) -> bool {
    match script {
        Script::Latin => true,
        Script::Han => matches!(language, Language::Mandarin | Language::Japanese),
        Script::Kana => language == Language::Japanese,
        Script::Devanagari => language == Language::Hindi,
        Script::Hangul => false,
    }
}

/// Refuses `text` when it holds letters of a script `language` cannot read (Japanese kana with
/// an English voice, hanzi with a Spanish one, mixed-script text): an error of kind
/// [`crate::ErrorKind::WrongScript`] that names the script, the characters and what to do.
/// Other alphabets (Greek, Cyrillic, ...) and symbols are left to the front end as before.
pub fn check_script(text: &str, language: Language) -> Result<(), Error> {
    let Some((script, sample)) = foreign(text, language) else {
        return Ok(());
    };
    let fix = match script.language() {
        Some(other) => format!(
            "speak it with a {} voice or set the language to `{}` (`--lang {}`, `lang=\"{}\"`), \
             and split text that mixes languages into one request per language",
            other.name(),
            other.code(),
            other.code(),
            other.code()
        ),
        None => "no Kokoro voice speaks it: leave it out or write it in another script".to_owned(),
    };
    Err(Error::wrong_script(format!(
        "the text holds {} ({sample:?}) that {} ({}) cannot read: {fix}",
        script.name(),
        language.name(),
        language.code(),
    )))
}

/// The first script of `text` that `language` cannot read, with up to 8 of its characters.
fn foreign(text: &str, language: Language) -> Option<(Script, String)> {
    let script = text
        .chars()
        .filter_map(Script::of)
        .find(|&s| !reads(language, s))?;
    let sample = text
        .chars()
        .filter(|&c| Script::of(c) == Some(script))
        .take(8)
        .collect();
    Some((script, sample))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_of_characters() {
        assert_eq!(Script::of('a'), Some(Script::Latin));
        assert_eq!(Script::of('é'), Some(Script::Latin));
        assert_eq!(Script::of('中'), Some(Script::Han));
        assert_eq!(Script::of('の'), Some(Script::Kana));
        assert_eq!(Script::of('カ'), Some(Script::Kana));
        assert_eq!(Script::of('ー'), Some(Script::Kana));
        assert_eq!(Script::of('न'), Some(Script::Devanagari));
        assert_eq!(Script::of('한'), Some(Script::Hangul));
        for c in ['1', '。', '，', '!', '😀', 'ж', 'λ'] {
            assert_eq!(Script::of(c), None, "{c}");
        }
    }

    #[test]
    fn japanese_text_with_an_english_voice_is_refused_with_the_fix() {
        let err = check_script("こんにちは、世界。", Language::EnglishUs).unwrap_err();
        assert!(err.is_wrong_script());
        let msg = err.to_string();
        assert!(msg.contains("Japanese kana"), "{msg}");
        assert!(msg.contains("`ja`"), "{msg}");
        assert!(msg.contains("American English"), "{msg}");
    }

    #[test]
    fn mixed_scripts_are_refused_where_a_script_is_foreign() {
        assert!(check_script("Hello 你好", Language::EnglishGb).is_err());
        assert!(check_script("Hola 你好", Language::Spanish).is_err());
        assert!(check_script("你好, ありがとう", Language::Mandarin).is_err());
        assert!(check_script("नमस्ते 你好", Language::Hindi).is_err());
        assert!(check_script("안녕하세요", Language::Japanese).is_err());
        // Readable mixes pass: Latin words in Chinese, Japanese or Hindi text.
        assert!(check_script("我喜欢 Python。", Language::Mandarin).is_ok());
        assert!(check_script("東京へ行きます。OK", Language::Japanese).is_ok());
        assert!(check_script("नमस्ते John", Language::Hindi).is_ok());
        assert!(check_script("Привет, café 3.5 😀", Language::EnglishUs).is_ok());
    }
}
