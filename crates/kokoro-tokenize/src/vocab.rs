//! Phoneme vocabularies: symbol <-> token id for Kokoro v1.0 and v0.19.

use std::collections::{BTreeMap, HashMap};

use crate::Error;

/// hexgrad's `config.json` for Kokoro-82M v1.0 (Apache-2.0), whose `vocab` object is the v1.0 table.
const V1_0_CONFIG_JSON: &str = include_str!("../data/kokoro-v1.0-config.json");

/// The original Kokoro v0.19 symbol table; a symbol's id is its index (`$`, the padding, is 0).
const V0_19_PAD: char = '$';
const V0_19_PUNCTUATION: &str = ";:,.!?¡¿—…\"«»“” ";
const V0_19_LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const V0_19_LETTERS_IPA: &str = "ɑɐɒæɓʙβɔɕçɗɖðʤəɘɚɛɜɝɞɟʄɡɠɢʛɦɧħɥʜɨɪʝɭɬɫɮʟɱɯɰŋɳɲɴøɵɸθœɶʘɹɺɾɻʀʁɽʂʃʈʧʉʊʋⱱʌɣɤʍχʎʏʑʐʒʔʡʕʢǀǁǂǃˈˌːˑʼʴʰʱʲʷˠˤ˞↓↑→↗↘'̩'ᵻ";

/// Which model generation a [`Vocab`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VocabVersion {
    /// Kokoro-82M v1.0 (misaki phonemes), from hexgrad's `config.json`.
    V1_0,
    /// Kokoro v0.19 (espeak-ng IPA), the original symbol table.
    V0_19,
}

/// The result of [`Vocab::encode`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encoded {
    /// Token ids, one per kept symbol, without padding.
    pub ids: Vec<i64>,
    /// Symbols that are not in the vocabulary, in input order; they were left out of `ids`.
    pub dropped: Vec<char>,
}

/// A phoneme vocabulary: maps each phoneme symbol (one `char`) to the model's token id.
///
/// Id 0 is the padding token; [`Vocab::encode`] never produces it.
#[derive(Debug, Clone)]
pub struct Vocab {
    version: VocabVersion,
    ids: HashMap<char, i64>,
    symbols: BTreeMap<i64, char>,
}

impl Vocab {
    /// The Kokoro-82M v1.0 vocabulary (114 symbols, ids up to 177), parsed from the embedded
    /// hexgrad `config.json`.
    pub fn v1_0() -> Self {
        match Self::from_config_json(V1_0_CONFIG_JSON) {
            Ok(vocab) => vocab,
            Err(err) => {
                // Unreachable in practice: a unit test parses the embedded file.
                tracing::error!("embedded kokoro v1.0 config.json is invalid: {err}");
                Self {
                    version: VocabVersion::V1_0,
                    ids: HashMap::new(),
                    symbols: BTreeMap::new(),
                }
            }
        }
    }

    /// The Kokoro v0.19 vocabulary: the original symbol table, id = index.
    ///
    /// The apostrophe appears twice in that table; as in the reference (a Python dict built
    /// from it), the later id wins when encoding, and both ids decode to `'`.
    pub fn v0_19() -> Self {
        let symbols: Vec<char> = std::iter::once(V0_19_PAD)
            .chain(V0_19_PUNCTUATION.chars())
            .chain(V0_19_LETTERS.chars())
            .chain(V0_19_LETTERS_IPA.chars())
            .collect();
        let mut ids = HashMap::new();
        let mut by_id = BTreeMap::new();
        for (id, symbol) in (0_i64..).zip(symbols) {
            if id == 0 {
                continue; // padding: never encoded, never decoded
            }
            ids.insert(symbol, id);
            by_id.insert(id, symbol);
        }
        Self {
            version: VocabVersion::V0_19,
            ids,
            symbols: by_id,
        }
    }

    /// Parses the `vocab` object of a hexgrad-style `config.json` (the v1.0 format).
    ///
    /// Every key must be exactly one character and every value a positive integer (0 is
    /// padding); when the file has `n_token`, every id must be below it.
    pub fn from_config_json(json: &str) -> Result<Self, Error> {
        let root: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            Error::invalid_vocab_with_source(
                format!("config.json is not valid JSON ({e}): use hexgrad's kokoro config.json"),
                e,
            )
        })?;
        let map = root
            .get("vocab")
            .and_then(|v| v.as_object())
            .ok_or_else(|| {
                Error::invalid_vocab(
                    "config.json has no `vocab` object: use hexgrad's kokoro config.json",
                )
            })?;
        if map.is_empty() {
            return Err(Error::invalid_vocab(
                "config.json has an empty `vocab` object: use hexgrad's kokoro config.json",
            ));
        }
        let n_token = root.get("n_token").and_then(serde_json::Value::as_i64);
        let mut ids = HashMap::with_capacity(map.len());
        let mut symbols = BTreeMap::new();
        for (key, value) in map {
            let mut chars = key.chars();
            let symbol = match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err(Error::invalid_vocab(format!(
                        "vocab key {key:?} is not a single character: fix the config.json"
                    )));
                }
            };
            let id = value.as_i64().filter(|id| *id > 0).ok_or_else(|| {
                Error::invalid_vocab(format!(
                    "vocab id {value} for {key:?} is not a positive integer: fix the config.json"
                ))
            })?;
            if let Some(n) = n_token.filter(|n| id >= *n) {
                return Err(Error::invalid_vocab(format!(
                    "vocab id {id} for {key:?} is not below n_token {n}: fix the config.json"
                )));
            }
            if let Some(other) = symbols.insert(id, symbol) {
                return Err(Error::invalid_vocab(format!(
                    "vocab id {id} is used by both {other:?} and {symbol:?}: fix the config.json"
                )));
            }
            ids.insert(symbol, id);
        }
        Ok(Self {
            version: VocabVersion::V1_0,
            ids,
            symbols,
        })
    }

    /// The model generation this vocabulary belongs to.
    pub fn version(&self) -> VocabVersion {
        self.version
    }

    /// The number of encodable symbols.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when the vocabulary has no symbol.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id of `symbol`, or `None` when it is not in the vocabulary.
    pub fn id(&self, symbol: char) -> Option<i64> {
        self.ids.get(&symbol).copied()
    }

    /// The symbol of `id`, or `None` when no symbol has that id (padding included).
    pub fn symbol(&self, id: i64) -> Option<char> {
        self.symbols.get(&id).copied()
    }

    /// All `(symbol, id)` pairs, sorted by id.
    pub fn entries(&self) -> impl Iterator<Item = (char, i64)> + '_ {
        self.symbols.iter().map(|(id, symbol)| (*symbol, *id))
    }

    /// Encodes a phoneme string, one id per symbol, without padding.
    ///
    /// Symbols outside the vocabulary are never sent: they are left out of `ids` and listed in
    /// `dropped`.
    pub fn encode(&self, phonemes: &str) -> Encoded {
        let mut encoded = Encoded::default();
        for c in phonemes.chars() {
            match self.id(c) {
                Some(id) => encoded.ids.push(id),
                None => encoded.dropped.push(c),
            }
        }
        encoded
    }

    /// Decodes ids back to phonemes; unknown ids (padding included) are skipped.
    pub fn decode(&self, ids: &[i64]) -> String {
        ids.iter().filter_map(|id| self.symbol(*id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn invalid_json_keeps_the_parser_error_as_its_source() {
        let err = Vocab::from_config_json("{ \"vocab\": ").unwrap_err();
        assert!(err.is_invalid_vocab(), "{err}");
        let source = std::error::Error::source(&err);
        assert!(
            source
                .and_then(|s| s.downcast_ref::<serde_json::Error>())
                .is_some_and(serde_json::Error::is_eof),
            "{source:?}"
        );
    }

    #[test]
    fn v1_0_matches_the_config_json() {
        let v1 = Vocab::v1_0();
        assert_eq!(v1.version(), VocabVersion::V1_0);
        assert_eq!(v1.len(), 114);
        assert_eq!(v1.entries().map(|(_, id)| id).max(), Some(177));
        assert_eq!(v1.id('A'), Some(24));
        assert_eq!(v1.id(' '), Some(16));
        assert_eq!(v1.id('\u{0303}'), Some(17));
        assert_eq!(v1.id('g'), None, "v1.0 has IPA ɡ, not ASCII g");
        assert_eq!(v1.id('ɡ'), Some(92));
    }

    #[test]
    fn v0_19_table_and_shared_symbols() {
        let v0 = Vocab::v0_19();
        let v1 = Vocab::v1_0();
        assert_eq!(v0.version(), VocabVersion::V0_19);
        // 178 symbols, ids 1..=177 (0 is padding); the apostrophe appears twice.
        assert_eq!(v0.len(), 176);
        assert_eq!(v0.id('$'), None);
        assert_eq!(v0.id('A'), Some(17));
        assert_eq!(v1.id('A'), Some(24));
        assert_eq!(v0.id('\''), Some(176));
        assert_eq!(v0.decode(&[174, 175, 176]), "'\u{0329}'");
        assert_eq!(v0.id('ᵻ'), Some(177));
        let shared: Vec<char> = v1
            .entries()
            .filter(|(symbol, id)| v0.id(*symbol) == Some(*id))
            .map(|(symbol, _)| symbol)
            .collect();
        assert_eq!(shared.len(), 103);
        let differing: Vec<char> = v1
            .entries()
            .filter(|(symbol, id)| v0.id(*symbol).is_some_and(|v0_id| v0_id != *id))
            .map(|(symbol, _)| symbol)
            .collect();
        assert_eq!(differing, vec!['A']);
        for only_v1 in ['(', ')', 'ᵊ', 'ʣ', 'ʥ', 'ʦ', 'ʨ', 'ᵝ', '\u{AB67}'] {
            assert!(
                v1.id(only_v1).is_some() && v0.id(only_v1).is_none(),
                "{only_v1}"
            );
        }
    }

    #[test]
    fn encode_drops_and_reports_unknown_symbols() {
        let v1 = Vocab::v1_0();
        let encoded = v1.encode("hə❓lˈO!g");
        assert_eq!(encoded.dropped, vec!['❓', 'g']);
        assert_eq!(encoded.ids.len(), 6);
        assert_eq!(v1.decode(&encoded.ids), "həlˈO!");
        assert!(encoded.ids.iter().all(|id| *id > 0));
    }

    #[test]
    fn decode_skips_padding_and_unknown_ids() {
        let v1 = Vocab::v1_0();
        assert_eq!(v1.decode(&[0, 50, 999, -3, 0]), "h");
    }

    #[test]
    fn from_config_json_rejects_malformed_input() {
        let bad = [
            "not json",
            r#"{"n_token": 5}"#,
            r#"{"vocab": {}}"#,
            r#"{"vocab": {"ab": 1}}"#,
            r#"{"vocab": {"a": 0}}"#,
            r#"{"vocab": {"a": -1}}"#,
            r#"{"vocab": {"a": "1"}}"#,
            r#"{"vocab": {"a": 1, "b": 1}}"#,
            r#"{"n_token": 3, "vocab": {"a": 3}}"#,
        ];
        for json in bad {
            let err = Vocab::from_config_json(json).err();
            assert!(
                err.as_ref().is_some_and(Error::is_invalid_vocab),
                "{json}: {err:?}"
            );
        }
        let ok = Vocab::from_config_json(r#"{"n_token": 4, "vocab": {"a": 1, " ": 3}}"#);
        assert!(ok.is_ok_and(|v| v.len() == 2 && v.id(' ') == Some(3)));
    }

    proptest! {
        #[test]
        fn encode_decode_round_trips_kept_symbols(text in "\\PC{0,64}") {
            for vocab in [Vocab::v1_0(), Vocab::v0_19()] {
                let encoded = vocab.encode(&text);
                let kept: String = text.chars().filter(|c| vocab.id(*c).is_some()).collect();
                prop_assert_eq!(encoded.ids.len() + encoded.dropped.len(), text.chars().count());
                prop_assert!(encoded.ids.iter().all(|id| *id > 0));
                prop_assert!(encoded.dropped.iter().all(|c| vocab.id(*c).is_none()));
                // v0.19 encodes both apostrophes to one id, which decodes back to `'`.
                prop_assert_eq!(vocab.decode(&encoded.ids), kept);
            }
        }
    }
}
