//! Against misaki 0.9.4 (`fixtures/ja/golden.tsv`) and invariants, with the real dictionary.
//!
//! The dictionary comes from `cargo xtask fetch-model` (`models/ja/`), `KOKORO_MODEL_DIR/ja`, or
//! `KOKORO_JA_DICT`. Without it these tests skip loudly, and fail under `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kokoro_ja::{DICTIONARY_FILES, JaG2p};
use proptest::prelude::*;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dict_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KOKORO_JA_DICT") {
        return PathBuf::from(d);
    }
    let models = std::env::var_os("KOKORO_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("models"));
    models.join("ja")
}

fn g2p() -> Option<&'static JaG2p> {
    static G2P: OnceLock<Option<JaG2p>> = OnceLock::new();
    G2P.get_or_init(|| {
        let dir = dict_dir();
        let required = std::env::var_os("KOKORO_REQUIRE_MODEL").is_some_and(|v| v == "1");
        if !DICTIONARY_FILES.iter().all(|f| dir.join(f).exists()) {
            assert!(
                !required,
                "KOKORO_REQUIRE_MODEL=1 but the japanese dictionary is missing in {}",
                dir.display()
            );
            eprintln!(
                "SKIPPED: no japanese dictionary in {} (run `cargo xtask fetch-model`)",
                dir.display()
            );
            return None;
        }
        match JaG2p::load(&dir) {
            Ok(g) => Some(g),
            Err(e) => panic!(
                "the japanese dictionary in {} does not load: {e}",
                dir.display()
            ),
        }
    })
    .as_ref()
}

fn golden_rows() -> Vec<(String, String)> {
    let path = workspace().join("fixtures/ja/golden.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(s, p)| (s.to_string(), p.to_string()))
        .collect()
}

#[test]
fn golden_rows_match_misaki() {
    let Some(g2p) = g2p() else { return };
    let rows = golden_rows();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    let mut wrong = Vec::new();
    for (sentence, want) in &rows {
        let got = g2p.phonemize(sentence).expect("phonemize");
        if &got.phonemes != want {
            wrong.push(format!(
                "{sentence}\n  want {want}\n  got  {}",
                got.phonemes
            ));
        }
        assert!(got.unread.is_empty(), "{sentence}: unread {:?}", got.unread);
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

/// MeCab's analysis against fugashi's (`fixtures/ja/morphemes.tsv`): unknown words, character
/// categories, spaces, full and half width, characters beyond the BMP.
#[test]
fn morphemes_match_fugashi() {
    let Some(g2p) = g2p() else { return };
    let path = workspace().join("fixtures/ja/morphemes.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut rows = 0;
    for (line, want) in text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
    {
        let got: Vec<String> = g2p
            .morphemes(line)
            .unwrap()
            .iter()
            .map(|m| {
                let pron = m.field(9).filter(|p| !p.is_empty());
                format!(
                    "{}|{}|{}|{}",
                    m.surface,
                    pron.as_deref().unwrap_or("*"),
                    u8::from(m.unknown),
                    m.char_type
                )
            })
            .collect();
        assert_eq!(got.join(" "), want, "{line}");
        rows += 1;
    }
    assert!(rows >= 50, "{rows} rows");
}

#[test]
fn morphemes_carry_unidic_readings() {
    let Some(g2p) = g2p() else { return };
    let m = g2p.morphemes("東京に行きます").expect("parse");
    let surfaces: Vec<&str> = m.iter().map(|m| m.surface.as_str()).collect();
    assert_eq!(surfaces, ["東京", "に", "行き", "ます"]);
    assert_eq!(m[0].field(9).as_deref(), Some("トーキョー"));
    assert!(m.iter().all(|m| !m.unknown));
}

#[test]
fn unknown_kanji_is_reported_not_hidden() {
    let Some(g2p) = g2p() else { return };
    // 𠮷 (outside the BMP) is not in UniDic: misaki drops it silently; here it is reported.
    let out = g2p.phonemize("𠮷野家に行く").expect("phonemize");
    assert!(!out.phonemes.is_empty());
    assert_eq!(out.unread.len(), 1, "{out:?}");
}

#[test]
fn words_are_spans_of_the_text_as_written_in_order() {
    let Some(g2p) = g2p() else { return };
    for (sentence, _) in golden_rows() {
        let words = g2p.words(&sentence).unwrap();
        let mut at = 0;
        for w in &words {
            assert!(w.start >= at && w.start < w.end, "{sentence}: {words:?}");
            at = w.end;
        }
        // Only whitespace lies between the words: every character is in one of them.
        let joined: String = words.iter().map(|w| &sentence[w.clone()]).collect();
        let written: String = sentence.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(joined, written, "{sentence}");
        // A sentence is several words, not one.
        let spoken = words
            .iter()
            .filter(|w| sentence[(*w).clone()].chars().any(char::is_alphanumeric))
            .count();
        if sentence.chars().count() > 6 {
            assert!(spoken >= 2, "{sentence}: {words:?}");
        }
    }
    let text = "東京に行きます。";
    let words: Vec<&str> = g2p
        .words(text)
        .unwrap()
        .into_iter()
        .map(|w| &text[w])
        .collect();
    assert!(words.contains(&"東京"), "{words:?}");
}

#[test]
fn empty_and_blank_text_give_nothing() {
    let Some(g2p) = g2p() else { return };
    assert_eq!(g2p.phonemize("").expect("empty").phonemes, "");
    assert_eq!(g2p.phonemize(" 　\n").expect("blank").phonemes, "");
}

fn kana() -> impl Strategy<Value = String> {
    let chars: Vec<char> = ('ぁ'..='ゖ')
        .chain('ァ'..='ヺ')
        .chain("ー、。！？".chars())
        .collect();
    prop::collection::vec(prop::sample::select(chars), 1..60).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every kana text is read: something is spoken for every kana, nothing is left unread.
    #[test]
    fn kana_is_never_dropped(text in kana()) {
        let Some(g2p) = g2p() else { return Ok(()) };
        let out = g2p.phonemize(&text).expect("phonemize");
        let speakable = text.chars().filter(|c| !"ー、。！？ぁぃぅぇぉゃゅょゎっッァィゥェォャュョヮ".contains(*c)).count();
        prop_assert!(out.unread.is_empty(), "{:?}", out.unread);
        if speakable > 0 {
            prop_assert!(out.phonemes.chars().any(|c| "aeiouɯɨɴ".contains(c)), "{text} -> {}", out.phonemes);
        }
    }

    /// Arbitrary text never fails or panics, and output never holds kana or kanji.
    #[test]
    fn any_text_gives_phonemes_only(text in "\\PC{0,40}") {
        let Some(g2p) = g2p() else { return Ok(()) };
        let out = g2p.phonemize(&text).expect("phonemize");
        prop_assert!(!out.phonemes.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)), "{text} -> {}", out.phonemes);
    }
}
