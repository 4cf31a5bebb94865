//! A compact, read-only pronunciation table (added by the StoryFlow vendored copy).
//!
//! Upstream misaki-rs parses each lexicon JSON at run time into a `HashMap<String,
//! PhonemeEntry>`: two heap strings and a map bucket per word, about 42 MiB for the US gold and
//! silver tables, and every page of the embedded JSON read once. Here `build.rs` turns each JSON
//! into two blobs that are embedded as they are and read in place:
//!
//! * the text: every word and every pronunciation, one after the other;
//! * the index: per word, sorted bytewise, four little-endian `u32`: the word's start and end in
//!   the text, and its value's start and end. When bit 31 of the value's end is set, the value is
//!   a tagged entry: lines of `TAG\tphonemes`, or a bare `TAG` for "no pronunciation".
//!
//! A lookup is a binary search over the index, so a table costs no heap memory at all, and only
//! the pages a lookup touches are ever read from the binary.

use std::borrow::Cow;

const TAGGED: u32 = 1 << 31;
const SLOT: usize = 16;

/// One table entry, borrowed from its [`Table`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry<'a> {
    /// One pronunciation whatever the part of speech.
    Simple(&'a str),
    /// Pronunciations by part-of-speech tag (`DEFAULT`, `VERB`, ...).
    Tagged(Tagged<'a>),
}

/// The pronunciations of one word by part-of-speech tag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tagged<'a>(&'a str);

impl<'a> Tagged<'a> {
    /// `Some(Some(phonemes))` for a tag with a pronunciation, `Some(None)` for a tag listed as
    /// having none, `None` for a tag not listed.
    pub fn get(&self, tag: &str) -> Option<Option<&'a str>> {
        self.0.lines().find_map(|line| match line.split_once('\t') {
            Some((t, phonemes)) => (t == tag).then_some(Some(phonemes)),
            None => (line == tag).then_some(None),
        })
    }

    /// Whether `tag` is listed.
    pub fn contains_key(&self, tag: &str) -> bool {
        self.get(tag).is_some()
    }

    /// How many tags are listed.
    pub fn len(&self) -> usize {
        self.0.lines().count()
    }

    /// Whether no tag is listed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Words and their pronunciations (see the module docs for the format).
#[derive(Debug, Clone, Default)]
pub struct Table {
    index: Cow<'static, [u8]>,
    text: Cow<'static, str>,
}

impl Table {
    /// A table over an index and a text in this module's format, as `build.rs` writes them.
    pub const fn from_static(index: &'static [u8], text: &'static str) -> Self {
        Self {
            index: Cow::Borrowed(index),
            text: Cow::Borrowed(text),
        }
    }

    /// A table of plain entries (for tests and small tables). When a word occurs twice, the last
    /// entry wins.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut map = std::collections::BTreeMap::new();
        for (word, phonemes) in pairs {
            map.insert(word, phonemes);
        }
        let (mut index, mut text) = (Vec::new(), String::new());
        for (word, phonemes) in map {
            for part in [word, phonemes] {
                index.extend_from_slice(&(text.len() as u32).to_le_bytes());
                text.push_str(part);
                index.extend_from_slice(&(text.len() as u32).to_le_bytes());
            }
        }
        Self {
            index: Cow::Owned(index),
            text: Cow::Owned(text),
        }
    }

    /// The entry of `word`, if the table has one.
    pub fn get(&self, word: &str) -> Option<Entry<'_>> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let [key_start, key_end, val_start, val_end] = self.slot(mid);
            let key = self.text.get(key_start as usize..key_end as usize)?;
            match key.as_bytes().cmp(word.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let value = self
                        .text
                        .get(val_start as usize..(val_end & !TAGGED) as usize)?;
                    return Some(if val_end & TAGGED != 0 {
                        Entry::Tagged(Tagged(value))
                    } else {
                        Entry::Simple(value)
                    });
                }
            }
        }
        None
    }

    /// Whether `word` has an entry.
    pub fn contains_key(&self, word: &str) -> bool {
        self.get(word).is_some()
    }

    /// How many words the table holds.
    pub fn len(&self) -> usize {
        self.index.len() / SLOT
    }

    /// Whether the table holds no word.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn slot(&self, i: usize) -> [u32; 4] {
        let bytes = &self.index[i * SLOT..(i + 1) * SLOT];
        let at = |k: usize| u32::from_le_bytes([bytes[k], bytes[k + 1], bytes[k + 2], bytes[k + 3]]);
        [at(0), at(4), at(8), at(12)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn pairs_are_found_and_the_last_of_two_equal_words_wins() {
        let t = Table::from_pairs([("b", "1"), ("apple", "ˈæpəl"), ("b", "3")]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get("apple"), Some(Entry::Simple("ˈæpəl")));
        assert_eq!(t.get("b"), Some(Entry::Simple("3")));
        assert_eq!(t.get("Apple"), None);
        assert_eq!(t.get(""), None);
        assert!(Table::default().get("a").is_none());
    }

    #[test]
    fn every_word_of_every_table_answers_as_its_json_says() {
        let tables = [
            (include_str!("../data/us_gold.json"), crate::data::load_us_gold()),
            (include_str!("../data/us_silver.json"), crate::data::load_us_silver()),
            (include_str!("../data/gb_gold.json"), crate::data::load_gb_gold()),
            (include_str!("../data/gb_silver.json"), crate::data::load_gb_silver()),
        ];
        for (json, table) in tables {
            let map: HashMap<String, serde_json::Value> = serde_json::from_str(json).unwrap();
            assert_eq!(table.len(), map.len());
            for (word, value) in &map {
                match (table.get(word), value) {
                    (Some(Entry::Simple(p)), serde_json::Value::String(s)) => assert_eq!(p, s),
                    (Some(Entry::Tagged(tags)), serde_json::Value::Object(o)) => {
                        assert_eq!(tags.len(), o.len());
                        for (tag, v) in o {
                            assert_eq!(tags.get(tag), Some(v.as_str()), "{word}/{tag}");
                        }
                        assert_eq!(tags.get("NO-SUCH-TAG"), None);
                    }
                    other => panic!("{word}: {other:?}"),
                }
            }
        }
    }
}
