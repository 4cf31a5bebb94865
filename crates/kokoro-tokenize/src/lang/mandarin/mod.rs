//! Mandarin Chinese (`zh`), in Rust, as misaki's Mandarin front end reads it for Kokoro v1.0
//! (`misaki.zh.ZHG2P()`, the one hexgrad's pipeline uses with Kokoro-82M v1.0):
//!
//! 1. numbers become Chinese numerals (`numbers`: `25.5` → 二十五点五, years digit by digit,
//!    `50%` → 百分之五十, `1/2` → 二分之一), as `cn2an.transform(text, "an2cn")` does;
//! 2. Chinese punctuation becomes Kokoro's (`，、` → `,`, `。` → `.`, `！` → `!`, `？` → `?`,
//!    `：；` → `:;`, book-title and corner brackets → curly quotes);
//! 3. each run of Chinese characters is cut into words by jieba (jieba-rs, with jieba's own
//!    dictionary and HMM), each word gets its pinyin as pypinyin reads it (`dict`: its phrase
//!    dictionary, then each character's most common reading; the neutral tone is 5), and each
//!    syllable its phonemes (`ipa`: misaki's pinyin-to-IPA table, tones as `→ ↗ ↓ ↘`); the words
//!    are separated by spaces. Text between the runs (Latin letters, digits left over, marks) is
//!    kept as it is, as misaki does.
//!
//! Like misaki for v1.0, no third-tone sandhi is written into the phonemes (`你好` is
//! `ni↓xau↓`): the model was trained on such input and makes the sandhi itself; the `一` and `不`
//! changes come from the phrase dictionary where it has them (`一个` → `i↗kɤ↘`).
//!
//! The dictionaries (jieba's 349,046 words, pypinyin's 41,923 characters and 47,111 phrases;
//! both MIT) are compressed into the binary (2.2 MB) and read on the first Mandarin request (about
//! 0.6 s of CPU and 45 MB), so that an English-only process never pays for them.

mod dict;
mod ipa;
mod numbers;

use std::io::BufReader;
use std::ops::Range;
use std::time::Instant;

use flate2::read::GzDecoder;
use jieba_rs::Jieba;

use crate::Error;
use crate::lang::LanguageFrontend;
use crate::words::source_words;

pub use dict::Pinyin;
pub use ipa::pinyin_to_phonemes;
pub use numbers::numbers_to_chinese;

/// jieba's dictionary, `word freq` per line, gzip-compressed (`scripts/zh_data.py`).
const JIEBA_DICT: &[u8] = include_bytes!("../../../data/zh/jieba-dict.txt.gz");

/// The Mandarin front end, built once per [`crate::Tokenizer`] on its first Mandarin request.
pub(crate) fn frontend() -> Result<Box<dyn LanguageFrontend>, Error> {
    Ok(Box::new(Mandarin::load()?))
}

/// The Mandarin front end: jieba segmentation, pypinyin's readings, misaki's pinyin-to-phoneme
/// table.
pub struct Mandarin {
    jieba: Jieba,
    pinyin: Pinyin,
}

impl std::fmt::Debug for Mandarin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mandarin").finish_non_exhaustive()
    }
}

impl Mandarin {
    /// Reads the embedded dictionaries (about 0.6 s of CPU, 45 MB). Errors:
    /// [`crate::ErrorKind::Phonemizer`] if they cannot be read (never, short of a corrupt build).
    pub fn load() -> Result<Self, Error> {
        let started = Instant::now();
        let mut reader = BufReader::new(GzDecoder::new(JIEBA_DICT));
        let jieba = Jieba::with_dict(&mut reader).map_err(|e| {
            Error::phonemizer_with_source(
                format!("the embedded jieba dictionary is unreadable: {e}"),
                e,
            )
        })?;
        let pinyin = Pinyin::load()?;
        tracing::debug!(elapsed = ?started.elapsed(), "Mandarin dictionaries loaded");
        Ok(Self { jieba, pinyin })
    }

    /// jieba's words of `text[run]` (Chinese characters only), as byte ranges of `text`.
    fn cut(&self, text: &str, run: Range<usize>, out: &mut Vec<Range<usize>>) {
        let base = run.start;
        for token in self.jieba.cut(text.get(run).unwrap_or(""), true) {
            out.push(base + token.byte_start..base + token.byte_end);
        }
    }

    /// The phonemes of one run of Chinese characters: jieba's words, separated by spaces.
    fn run_phonemes(&self, run: &str, out: &mut String) {
        let mut first = true;
        for token in self.jieba.cut(run, true) {
            let mut word = String::new();
            for syllable in self.pinyin.word(token.word) {
                word.push_str(&pinyin_to_phonemes(&syllable));
            }
            if word.is_empty() {
                continue;
            }
            if !first {
                out.push(' ');
            }
            first = false;
            out.push_str(&word);
        }
    }
}

impl LanguageFrontend for Mandarin {
    fn phonemize(&self, text: &str) -> Result<String, Error> {
        let text = map_punctuation(&numbers_to_chinese(text));
        let mut out = String::with_capacity(text.len() * 2);
        let mut run_start: Option<usize> = None;
        for (at, c) in text.char_indices() {
            if is_hanzi(c) {
                run_start.get_or_insert(at);
                continue;
            }
            if let Some(start) = run_start.take() {
                self.run_phonemes(&text[start..at], &mut out);
            }
            out.push(c);
        }
        if let Some(start) = run_start {
            self.run_phonemes(&text[start..], &mut out);
        }
        Ok(out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// jieba's words of each run of Chinese characters as written (numbers and marks are not
    /// rewritten first, so every word is a span of `text`); whitespace-separated words between
    /// the runs.
    fn words(&self, text: &str) -> Result<Vec<Range<usize>>, Error> {
        let mut out = Vec::new();
        let mut run_start: Option<usize> = None;
        let mut other_start = 0;
        for (at, c) in text.char_indices() {
            if is_hanzi(c) {
                if run_start.is_none() {
                    out.extend(source_words(text, other_start..at));
                    run_start = Some(at);
                }
                continue;
            }
            if let Some(start) = run_start.take() {
                self.cut(text, start..at, &mut out);
                other_start = at;
            }
        }
        match run_start {
            Some(start) => self.cut(text, start..text.len(), &mut out),
            None => out.extend(source_words(text, other_start..text.len())),
        }
        Ok(out)
    }

    fn describe(&self) -> String {
        "Mandarin Chinese (zh): jieba-rs segmentation, pypinyin's readings, misaki's pinyin-to-IPA \
         table (dictionaries built in, loaded on first use)"
            .to_owned()
    }
}

/// The characters misaki treats as Chinese (`[\u4E00-\u9FFF]`).
fn is_hanzi(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// misaki's `ZHG2P.map_punctuation`.
fn map_punctuation(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '、' | '，' => out.push_str(", "),
            '。' | '．' => out.push_str(". "),
            '！' => out.push_str("! "),
            '：' => out.push_str(": "),
            '；' => out.push_str("; "),
            '？' => out.push_str("? "),
            '«' | '《' | '「' | '【' => out.push_str(" \u{201c}"),
            '»' | '》' | '」' | '】' => out.push_str("\u{201d} "),
            '（' => out.push_str(" ("),
            '）' => out.push_str(") "),
            c => out.push(c),
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn zh() -> &'static Mandarin {
        static ZH: OnceLock<Mandarin> = OnceLock::new();
        ZH.get_or_init(|| Mandarin::load().unwrap())
    }

    #[test]
    fn sentences_read_as_misaki_reads_them() {
        // misaki 0.9.4 `ZHG2P()` on the same text.
        for (text, expected) in [
            ("你好", "ni↓xau↓"),
            ("一个", "i↗kɤ↘"),
            ("不是", "pu↗ʂɨ↘"),
            ("儿子", "ɚ↗ʦɨ"),
            ("小猫", "ɕjau↓mau→"),
            ("他说：“走吧！”", "tʰa→ ʂwo→: “ʦou↓ pa! ”"),
            (
                "我有3个苹果，花了25.5元。",
                "wo↓ jou↓ sa→nkɤ↘ pʰi↗ŋkwo↓, xwa→ lɤ ɚ↘ʂɨ↗u↓ tjɛ↓n u↓ɥɛ↗n.",
            ),
            (
                "孩子们跑到海边去看船。",
                "xai↗ʦɨ mən pʰau↓ tau↘ xai↓pjɛ→n ʨʰy↘ kʰa↘n ꭧʰwa↗n.",
            ),
        ] {
            assert_eq!(zh().phonemize(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn words_are_jiebas_spans_of_the_text_as_written() {
        let text = "我有3个苹果，花了25.5元。Python很好";
        let words: Vec<&str> = zh()
            .words(text)
            .unwrap()
            .into_iter()
            .map(|r| &text[r])
            .collect();
        // jieba's cut of each run of characters (苹果 "apple" is one word of its
        // dictionary); the number and the Latin word between the runs as they are written.
        for word in ["苹果", "25.5", "Python", "元"] {
            assert!(words.contains(&word), "{word} in {words:?}");
        }
        assert!(words.len() >= 10, "{words:?}");
        // Every character of the text is in one word, in order, or is punctuation.
        let joined: String = words.concat();
        let letters: String = text.chars().filter(|c| !"，。".contains(*c)).collect();
        assert_eq!(joined, letters);
    }

    #[test]
    fn punctuation_is_mapped_as_misaki_maps_it() {
        assert_eq!(
            map_punctuation("好，的、是。（对）《书》"),
            "好, 的, 是.  (对)  “书”"
        );
    }
}
