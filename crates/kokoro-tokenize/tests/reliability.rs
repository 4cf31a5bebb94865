//! Reliability of text to tokens (issue 5): arbitrary Unicode through the real misaki G2P and
//! through a stand-in phonemizer, huge words, and the fuzz corpus kept in `fixtures/fuzz/tokenize`
//! (found by `cargo fuzz run tokenize`, see `fuzz/`) as a regression suite.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

use std::path::Path;
use std::sync::OnceLock;

use kokoro_tokenize::{
    Dialect, MAX_TOKENS, PassthroughPhonemizer, Piece, Tokenizer, UNKNOWN_MARKER, Vocab,
};
use proptest::prelude::*;

fn real() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| Tokenizer::new(Vocab::v1_0()))
}

/// Phonemes are the text itself (symbols outside the vocabulary dropped).
fn passthrough() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| Tokenizer::with_phonemizer(Box::new(PassthroughPhonemizer), Vocab::v1_0()))
}

fn check_pieces(text: &str, pieces: &[Piece]) -> Result<(), TestCaseError> {
    prop_assert!(!pieces.is_empty(), "Ok with no piece for {:?}", text);
    for p in pieces {
        prop_assert!(
            (1..=MAX_TOKENS).contains(&p.ids.len()),
            "{} ids in a piece",
            p.ids.len()
        );
        prop_assert!(!p.phonemes.contains(UNKNOWN_MARKER));
    }
    Ok(())
}

fn tokenize_checked(t: &Tokenizer, text: &str, dialect: Dialect) -> Result<(), TestCaseError> {
    match t.tokenize(text, dialect) {
        Ok(pieces) => check_pieces(text, &pieces),
        Err(e) => {
            prop_assert!(e.is_empty_text() || e.is_nothing_to_say(), "{}", e);
            Ok(())
        }
    }
}

fn non_space(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any Unicode, including controls, through the real G2P: no panic, pieces within limits.
    #[test]
    fn real_g2p_takes_any_unicode(text in "(\\PC|[\\x00-\\x1f\\x7f\\u{200b}\\u{feff}]){0,200}") {
        tokenize_checked(real(), &text, Dialect::Us)?;
    }

    /// Words in any script, separated by spaces: splitting loses nothing speakable. With the
    /// passthrough phonemizer every letter of the text that is a vocabulary symbol is spoken, in
    /// order; a word with none (`*2౺`, a lone `:`) yields no piece, so it may be absent.
    #[test]
    fn splitting_never_loses_a_non_space_word(
        words in prop::collection::vec("\\PC{1,12}|[a-z]{300,900}", 1..60)
    ) {
        let text = words.join(" ");
        if let Ok(pieces) = passthrough().tokenize(&text, Dialect::Gb) {
            check_pieces(&text, &pieces)?;
            let vocab = passthrough().vocab();
            let speakable = |s: &str| -> String {
                non_space(s)
                    .chars()
                    .filter(|&c| c.is_alphabetic() && vocab.id(c).is_some())
                    .collect()
            };
            let spoken: String = pieces.iter().map(|p| p.phonemes.as_str()).collect();
            prop_assert_eq!(speakable(&spoken), speakable(&text));
            let source: String = pieces.iter().map(|p| p.text.as_str()).collect();
            prop_assert_eq!(speakable(&source), speakable(&text));
        }
    }
}

#[test]
fn a_single_5000_character_word_is_split_not_refused() {
    for word in ["a".repeat(5_000), "abra".repeat(1_250)] {
        let pieces = passthrough().tokenize(&word, Dialect::Us).unwrap();
        assert!(pieces.len() >= 10, "{} pieces", pieces.len());
        assert!(
            pieces
                .iter()
                .all(|p| (1..=MAX_TOKENS).contains(&p.ids.len()))
        );
        let ids: usize = pieces.iter().map(|p| p.ids.len()).sum();
        assert_eq!(ids, 5_000);
        // The real G2P either speaks it within the limits or finds nothing to say.
        tokenize_checked(real(), &word, Dialect::Us).unwrap();
    }
}

#[test]
fn a_megabyte_of_prose_splits_into_many_pieces_within_limits() {
    let sentence = "The keeper climbed the stairs, counting every step; the sea rolled in. ";
    let text = sentence.repeat(1_000_000 / sentence.len() + 1);
    let pieces = passthrough().tokenize(&text, Dialect::Us).unwrap();
    assert!(pieces.len() > 10_000, "{} pieces", pieces.len());
    assert!(
        pieces
            .iter()
            .all(|p| (1..=MAX_TOKENS).contains(&p.ids.len()))
    );
}

#[test]
fn the_fuzz_corpus_replays_cleanly_on_the_real_g2p() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/fuzz/tokenize");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        // The fuzz target skips invalid UTF-8; so does the replay.
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        for dialect in [Dialect::Us, Dialect::Gb] {
            tokenize_checked(real(), text, dialect)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        files += 1;
    }
    assert!(files >= 3, "only {files} corpus files in {}", dir.display());
}
