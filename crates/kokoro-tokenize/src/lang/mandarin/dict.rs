//! pypinyin's readings: every character's most common reading and its phrase dictionary, with
//! pypinyin's own forward maximum matching over the phrases (`mmseg`, strict mode).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;

use crate::Error;

/// `字 zhong1` and `词语 ci2 yu3` (or `词语 =` for the characters' own readings) per line,
/// gzip-compressed (`scripts/zh_data.py`).
const PINYIN: &[u8] = include_bytes!("../../../data/zh/pinyin.txt.gz");

/// pypinyin's readings, in `TONE3` style with 5 for the neutral tone (`zhong1`, `de5`, `lv4`).
///
/// The table's text is decompressed once per process and kept; the maps point into it.
pub struct Pinyin {
    chars: HashMap<char, &'static str>,
    /// Each phrase, with its readings (space-separated) when they differ from its characters'
    /// own (`None`: the characters').
    phrases: HashMap<&'static str, Option<&'static str>>,
    /// Every prefix of every phrase (the phrases included).
    prefixes: HashSet<&'static str>,
}

impl std::fmt::Debug for Pinyin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pinyin")
            .field("chars", &self.chars.len())
            .field("phrases", &self.phrases.len())
            .finish_non_exhaustive()
    }
}

/// The decompressed table, once per process.
fn table() -> Result<&'static str, Error> {
    static TEXT: OnceLock<Result<String, String>> = OnceLock::new();
    let text = TEXT.get_or_init(|| {
        let mut text = String::new();
        GzDecoder::new(PINYIN)
            .read_to_string(&mut text)
            .map(|_| text)
            .map_err(|e| e.to_string())
    });
    text.as_deref()
        .map_err(|e| Error::phonemizer(format!("the embedded pinyin table is unreadable: {e}")))
}

impl Pinyin {
    /// Reads the embedded tables.
    pub fn load() -> Result<Self, Error> {
        let text = table()?;
        let mut chars = HashMap::with_capacity(42_000);
        let mut phrases = HashMap::with_capacity(48_000);
        let mut prefixes = HashSet::with_capacity(120_000);
        for line in text.lines() {
            let Some((key, readings)) = line.split_once(' ') else {
                continue;
            };
            let mut key_chars = key.chars();
            if let (Some(c), None) = (key_chars.next(), key_chars.clone().next()) {
                chars.insert(c, readings);
                continue;
            }
            for (at, _) in key.char_indices().skip(1) {
                prefixes.insert(&key[..at]);
            }
            prefixes.insert(key);
            phrases.insert(key, (readings != "=").then_some(readings));
        }
        Ok(Self {
            chars,
            phrases,
            prefixes,
        })
    }

    /// The readings of `word`'s characters, one per character that has one (characters without
    /// a reading are left out), as `pypinyin.lazy_pinyin(word, Style.TONE3,
    /// neutral_tone_with_five=True)` gives them.
    pub fn word(&self, word: &str) -> Vec<String> {
        let mut out = Vec::new();
        for part in self.cut(word) {
            match self.phrases.get(part) {
                Some(Some(readings)) if readings.split(' ').count() == part.chars().count() => {
                    out.extend(readings.split(' ').map(str::to_owned));
                }
                _ => out.extend(
                    part.chars()
                        .filter_map(|c| self.chars.get(&c))
                        .map(|r| r.to_string()),
                ),
            }
        }
        out
    }

    /// pypinyin's `mmseg.seg.cut` (strict: only phrases of the dictionary are kept whole).
    fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut remain = text;
        while !remain.is_empty() {
            let ends: Vec<usize> = remain
                .char_indices()
                .skip(1)
                .map(|(at, _)| at)
                .chain(std::iter::once(remain.len()))
                .collect();
            let mut last_valid = None;
            let mut all_prefixes = true;
            for &end in &ends {
                let word = &remain[..end];
                if !self.prefixes.contains(word) {
                    all_prefixes = false;
                    break;
                }
                if self.phrases.contains_key(word) {
                    last_valid = Some(end);
                }
            }
            match last_valid {
                Some(end) => {
                    out.push(&remain[..end]);
                    remain = &remain[end..];
                }
                None if all_prefixes => {
                    // The whole rest is a prefix but no phrase: character by character.
                    out.extend(
                        remain
                            .char_indices()
                            .map(|(at, c)| &remain[at..at + c.len_utf8()]),
                    );
                    break;
                }
                None => {
                    let first = ends.first().copied().unwrap_or(remain.len());
                    out.push(&remain[..first]);
                    remain = &remain[first..];
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_win_over_characters_and_unknown_characters_are_left_out() {
        let pinyin = Pinyin::load().unwrap();
        assert_eq!(pinyin.word("中"), ["zhong1"]);
        assert_eq!(pinyin.word("一个"), ["yi2", "ge4"]);
        assert_eq!(pinyin.word("银行"), ["yin2", "hang2"]);
        assert_eq!(pinyin.word("行走"), ["xing2", "zou3"]);
        assert_eq!(pinyin.word("我们"), ["wo3", "men5"]);
        assert_eq!(pinyin.word("绿"), ["lv4"]);
        assert_eq!(pinyin.word("a"), Vec::<String>::new());
    }
}
