//! Japanese text -> Kokoro phonemes, the way misaki 0.9.4's default `ja` front end (`JAG2P`, its
//! cutlet path over fugashi and UniDic) does it: normalize, read numbers, analyse with the
//! dictionary, take each word's pronunciation (`pron`, with ー for long vowels), group words that
//! misaki's word list knows, and map the kana to phonemes with spaces between words.

use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::Error;
use crate::kana::{kata2hira, reading_to_phonemes, symbol_to_phonemes};
use crate::mecab::{Morpheme, Tagger, split_csv};
use crate::numbers::digits_to_kana;

/// UniDic's feature field of the pronunciation (`pron`, e.g. トーキョー).
const FIELD_PRON: usize = 9;
/// UniDic's feature field of the kana reading (`kana`, e.g. トウキョウ).
const FIELD_KANA: usize = 17;
/// MeCab character categories of UniDic's `char.def` that misaki treats specially.
const CHAR_SYMBOL: u8 = 3;
const CHAR_HIRAGANA: u8 = 6;
const CHAR_KATAKANA: u8 = 7;

/// The files of a Japanese dictionary directory.
pub const DICTIONARY_FILES: [&str; 4] = ["sys.dic", "unk.dic", "char.bin", "matrix.bin"];
/// misaki's word list (`misaki/data/ja_words.txt`), optional beside the dictionary.
pub const WORDS_FILE: &str = "ja_words.txt";

/// Environment variable naming the Japanese dictionary directory.
pub const ENV_JA_DICT: &str = "KOKORO_JA_DICT";

/// Where the Japanese dictionary is looked for: `KOKORO_JA_DICT`, else `ja/` in
/// `KOKORO_MODEL_DIR`, else `models/ja` (where `kokoro fetch-model --with-ja` puts it for a model
/// directory).
pub fn locate_dictionary() -> PathBuf {
    locate_dictionary_in(None)
}

/// [`locate_dictionary`] for a caller that knows its model directory: `KOKORO_JA_DICT`, else
/// `ja/` in `model_dir`, else as [`locate_dictionary`].
pub fn locate_dictionary_in(model_dir: Option<&Path>) -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(ENV_JA_DICT) {
        return PathBuf::from(dir);
    }
    match model_dir {
        Some(dir) => dir.join("ja"),
        None => var("KOKORO_MODEL_DIR")
            .map_or_else(|| PathBuf::from("models"), PathBuf::from)
            .join("ja"),
    }
}

/// misaki's Japanese word list: which runs of morphemes are spoken as one word (no space inside).
/// Kept as the file's text and the sorted byte ranges of its lines (one allocation, no hashing).
#[derive(Debug, Default)]
struct Words {
    text: String,
    lines: Vec<(u32, u32)>,
    max_chars: usize,
}

impl Words {
    fn load(path: &Path) -> Result<Words, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let base = text.as_ptr() as usize;
        let mut lines: Vec<(u32, u32)> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| ((l.as_ptr() as usize - base) as u32, l.len() as u32))
            .collect();
        let word = |&(at, len): &(u32, u32)| &text[at as usize..(at + len) as usize];
        if !lines.windows(2).all(|w| word(&w[0]) <= word(&w[1])) {
            lines.sort_by(|a, b| word(a).cmp(word(b)));
        }
        let max_chars = lines
            .iter()
            .map(|l| word(l).chars().count())
            .max()
            .unwrap_or(0);
        Ok(Words {
            text,
            lines,
            max_chars,
        })
    }

    fn contains(&self, w: &str) -> bool {
        self.lines
            .binary_search_by(|&(at, len)| self.text[at as usize..(at + len) as usize].cmp(w))
            .is_ok()
    }
}

/// The phonemes of a Japanese text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JaPhonemes {
    /// Kokoro phonemes; words are separated by spaces, 。、！？ become `. , ! ?`.
    pub phonemes: String,
    /// Words that have no reading (outside the dictionary and not kana, e.g. a rare kanji):
    /// they are not spoken. Empty for most text; callers should warn when it is not.
    pub unread: Vec<String>,
}

/// One analysed word: its text, reading in hiragana and MeCab character category.
#[derive(Debug, Clone)]
struct Word {
    surface: String,
    hira: String,
    char_type: u8,
}

/// A word's phonemes and whether a space follows it.
#[derive(Debug)]
struct Out {
    text: String,
    space: bool,
}

/// The Japanese front end: a UniDic dictionary and misaki's word list.
#[derive(Debug)]
pub struct JaG2p {
    tagger: Tagger,
    words: Words,
    dir: PathBuf,
}

impl JaG2p {
    /// Loads the dictionary in `dir` ([`DICTIONARY_FILES`], e.g. unidic-lite's `dicdir`) and,
    /// when present, misaki's word list [`WORDS_FILE`] beside it (without it every morpheme is
    /// its own word: the same sounds, more spaces).
    pub fn load(dir: &Path) -> Result<JaG2p, Error> {
        let started = std::time::Instant::now();
        let tagger = Tagger::open(dir)?;
        let words_path = dir.join(WORDS_FILE);
        let words = if words_path.exists() {
            Words::load(&words_path)?
        } else {
            tracing::warn!(
                path = %words_path.display(),
                "misaki's japanese word list is missing: words are spaced per morpheme"
            );
            Words::default()
        };
        tracing::debug!(
            dir = %dir.display(),
            elapsed_ms = started.elapsed().as_millis(),
            "japanese dictionary loaded"
        );
        Ok(JaG2p {
            tagger,
            words,
            dir: dir.to_path_buf(),
        })
    }

    /// The directory the dictionary was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The morphemes of `text` as the dictionary analyses it (after no normalization).
    pub fn morphemes(&self, text: &str) -> Result<Vec<Morpheme>, Error> {
        self.tagger.parse(text)
    }

    /// Japanese text to Kokoro phonemes.
    pub fn phonemize(&self, text: &str) -> Result<JaPhonemes, Error> {
        let text = normalize(text);
        if text.trim().is_empty() {
            return Ok(JaPhonemes::default());
        }
        let words = self.group(self.analyse(&text)?);
        let mut unread = Vec::new();
        let mut out: Vec<Out> = Vec::with_capacity(words.len());
        for word in &words {
            let roma = romaji_word(word);
            if roma.is_empty() && !word.surface.trim().is_empty() {
                unread.push(word.surface.clone());
            }
            let mut tok = Out {
                text: roma,
                space: false,
            };
            let surface = word.surface.as_str();
            // Python's `in` on strings: a substring test, true for the empty string.
            if "「『«".contains(surface) || "([".contains(tok.text.as_str()) {
                if let Some(po) = out.last_mut() {
                    po.space = true;
                }
            } else if "」』»".contains(surface) || "]).,?!:".contains(tok.text.as_str()) {
                if let Some(po) = out.last_mut() {
                    po.space = false;
                }
                tok.space = true;
            } else {
                tok.space = tok.text != " ";
            }
            out.push(tok);
        }
        let mut joined = String::new();
        for tok in &out {
            joined.extend(tok.text.chars().filter(|&c| c != 'っ'));
            if tok.space {
                joined.push(' ');
            }
        }
        let collapsed = joined.split_whitespace().collect::<Vec<_>>().join(" ");
        let collapsed = collapsed.replace('(', "«").replace(')', "»");
        if !unread.is_empty() {
            tracing::warn!(words = ?unread, "japanese words without a reading are not spoken");
        }
        Ok(JaPhonemes {
            phonemes: squeeze_glottal_spaces(&collapsed),
            unread,
        })
    }

    /// The dictionary's words of `text`, with their readings and categories.
    fn analyse(&self, text: &str) -> Result<Vec<Word>, Error> {
        Ok(self
            .tagger
            .parse(text)?
            .into_iter()
            .map(|m| {
                let fields = split_csv(&m.feature);
                let field = |i: usize| fields.get(i).filter(|f| !f.is_empty());
                let reading = field(FIELD_PRON).or_else(|| field(FIELD_KANA));
                let hira = kata2hira(reading.map_or(m.surface.as_str(), String::as_str));
                let char_type = if m.char_type == CHAR_KATAKANA || !m.unknown {
                    CHAR_HIRAGANA
                } else {
                    m.char_type
                };
                Word {
                    surface: m.surface,
                    hira,
                    char_type,
                }
            })
            .collect())
    }

    /// The words of `text` as written, as misaki groups them (the dictionary's morphemes, runs
    /// that misaki's word list holds as one): byte ranges of `text`, in order, for word timings.
    /// The text is analysed as it is (not normalized: a number stays one word, `123`), so every
    /// word is a span of it; punctuation marks are words of their own here.
    pub fn words(&self, text: &str) -> Result<Vec<std::ops::Range<usize>>, Error> {
        let mut out = Vec::new();
        let mut at = 0;
        for word in self.group(self.analyse(text)?) {
            let Some(found) = text
                .get(at..)
                .and_then(|rest| rest.find(word.surface.as_str()))
            else {
                continue;
            };
            let start = at + found;
            at = start + word.surface.len();
            if !word.surface.is_empty() {
                out.push(start..at);
            }
        }
        Ok(out)
    }

    /// misaki's `_romaji_tokens` grouping: runs of morphemes of one category that its word list
    /// holds become one word (the longest such run first).
    fn group(&self, words: Vec<Word>) -> Vec<Word> {
        let n = words.len();
        let lens: Vec<usize> = words.iter().map(|w| w.surface.chars().count()).collect();
        let mut out = Vec::with_capacity(n);
        let mut i = 0;
        while i < n {
            let z = (i + 1..n)
                .find(|&z| words[z].char_type != words[i].char_type)
                .unwrap_or(n);
            let mut chosen = None;
            for j in (i + 1..=z).rev() {
                let chars: usize = lens[i..j].iter().sum();
                if chars > self.words.max_chars {
                    continue;
                }
                let joined: String = words[i..j].iter().map(|w| w.surface.as_str()).collect();
                if self.words.contains(&joined) {
                    chosen = Some(j);
                    break;
                }
            }
            let j = chosen.unwrap_or(i + 1);
            out.push(Word {
                surface: words[i..j].iter().map(|w| w.surface.as_str()).collect(),
                hira: words[i..j].iter().map(|w| w.hira.as_str()).collect(),
                char_type: words[i].char_type,
            });
            i = j;
        }
        out
    }
}

/// misaki's `_romaji_word`: ASCII passes as it is, symbols map character by character, words
/// (known to the dictionary, or kana) map their reading; anything else has no reading.
fn romaji_word(word: &Word) -> String {
    if word.surface.is_ascii() {
        return word.surface.clone();
    }
    match word.char_type {
        CHAR_SYMBOL => symbol_to_phonemes(&word.surface),
        CHAR_HIRAGANA => reading_to_phonemes(&word.hira),
        _ => String::new(),
    }
}

/// misaki's last rule: no space before ʔ unless punctuation precedes it, none after ʔ unless a
/// quote follows.
fn squeeze_glottal_spaces(s: &str) -> String {
    const BEFORE_KEEPS: &str = "!\",.:;?»—…”";
    const AFTER_KEEPS: &str = "\"«“";
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let before_glottal =
                next == Some('ʔ') && !prev.is_some_and(|p| BEFORE_KEEPS.contains(p));
            let after_glottal = prev == Some('ʔ') && !next.is_some_and(|n| AFTER_KEEPS.contains(n));
            if before_glottal || after_glottal {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// misaki's `_normalize_text`: a wave dash before a digit reads から, the katakana phonetic
/// extensions become plain katakana, NFKC (full-width Latin and digits to ASCII, half-width
/// katakana to full width), and every run of digits becomes its reading, after a space.
fn normalize(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut pre = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let next_is_digit = chars
            .get(i + 1)
            .is_some_and(|n| n.is_ascii_digit() || ('０'..='９').contains(n));
        match c {
            '〜' | '～' if next_is_digit => pre.push_str("から"),
            'ㇰ'..='ㇿ' => pre.push(phonetic_extension(c)),
            _ => pre.push(c),
        }
    }
    let nfkc: String = pre.nfkc().collect();
    let mut out = String::with_capacity(nfkc.len());
    let mut run = String::new();
    for c in nfkc.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            out.push(' ');
            out.push_str(&digits_to_kana(&run));
            run.clear();
        }
        out.push(c);
    }
    if !run.is_empty() {
        out.push(' ');
        out.push_str(&digits_to_kana(&run));
    }
    out
}

/// The plain katakana of a small katakana phonetic extension (U+31F0..U+31FF).
fn phonetic_extension(c: char) -> char {
    const PLAIN: [char; 16] = [
        'ク', 'シ', 'ス', 'ト', 'ヌ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'ム', 'ラ', 'リ', 'ル', 'レ',
        'ロ',
    ];
    let i = (c as u32).wrapping_sub('ㇰ' as u32) as usize;
    PLAIN.get(i).copied().unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_wave_dashes_are_read() {
        assert_eq!(normalize("3〜5人"), " さんから ご人");
        assert_eq!(normalize("１２３円"), " ひゃくにじゅうさん円");
        assert_eq!(normalize("ｶﾀｶﾅ"), "カタカナ");
        assert_eq!(normalize("ㇰ"), "ク");
    }

    #[test]
    fn glottal_stop_spaces_follow_misaki() {
        assert_eq!(squeeze_glottal_spaces("a ʔta"), "aʔta");
        assert_eq!(squeeze_glottal_spaces("kaʔ to"), "kaʔto");
        assert_eq!(squeeze_glottal_spaces("a. ʔta"), "a. ʔta");
        assert_eq!(squeeze_glottal_spaces("aʔ “b"), "aʔ “b");
    }
}
