//! Japanese through the language dispatch (issue 21): misaki 0.9.4's phonemes for our sentences
//! (`fixtures/ja/golden.tsv`), sentences and clauses split at 。！？ and 、, the token limit and
//! no lost text with long Japanese text.
//!
//! They need the Japanese dictionary (`cargo xtask fetch-model` puts it in `models/ja`): without it
//! they are skipped loudly, and fail under `KOKORO_REQUIRE_MODEL=1`. They need the `ja` feature
//! (`cargo test -p kokoro-tokenize --features ja`; `cargo test --workspace` has it through the CLI).

#![cfg(feature = "ja")]
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kokoro_tokenize::lang::{Japanese, Language, LanguageFrontend};
use kokoro_tokenize::{MAX_TOKENS, Pause, Tokenizer, Vocab};
use proptest::prelude::*;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A tokenizer reading Japanese with the dictionary, or `None` (skipped loudly) without it.
fn tokenizer() -> Option<&'static Tokenizer> {
    static T: OnceLock<Option<Tokenizer>> = OnceLock::new();
    T.get_or_init(|| {
        let dir = std::env::var_os(kokoro_ja::ENV_JA_DICT)
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("KOKORO_MODEL_DIR").map(|d| PathBuf::from(d).join("ja")))
            .unwrap_or_else(|| workspace().join("models/ja"));
        if !kokoro_ja::DICTIONARY_FILES.iter().all(|f| dir.join(f).exists()) {
            assert!(
                std::env::var("KOKORO_REQUIRE_MODEL").as_deref() != Ok("1"),
                "KOKORO_REQUIRE_MODEL=1 but there is no japanese dictionary in {}: run `cargo xtask fetch-model`",
                dir.display()
            );
            eprintln!(
                "SKIPPED: no japanese dictionary in {} (run `cargo xtask fetch-model`)",
                dir.display()
            );
            return None;
        }
        Some(
            Tokenizer::new(Vocab::v1_0()).with_language_factory(Language::Japanese, move || {
                Ok(Box::new(Japanese::load(&dir)?) as Box<dyn LanguageFrontend>)
            }),
        )
    })
    .as_ref()
}

fn golden() -> Vec<(String, String)> {
    std::fs::read_to_string(workspace().join("fixtures/ja/golden.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (text, phonemes) = l.split_once('\t').unwrap();
            (text.to_owned(), phonemes.to_owned())
        })
        .collect()
}

/// `phonemes` as the model receives them: vocabulary symbols only (misaki's « » are not).
fn in_vocab(phonemes: &str) -> String {
    let vocab = Vocab::v1_0();
    phonemes
        .chars()
        .filter(|&c| c == ' ' || vocab.id(c).is_some())
        .collect()
}

#[test]
fn japanese_reads_as_misaki_reads_it() {
    let Some(t) = tokenizer() else { return };
    let rows = golden();
    assert!(rows.len() >= 30);
    let mut failures = Vec::new();
    for (text, reference) in rows {
        let ours = t.phonemize_in(&text, Language::Japanese).unwrap();
        if ours != in_vocab(&reference) {
            failures.push(format!("{text}\n  misaki {reference}\n  ours   {ours}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn japanese_sentences_end_at_full_width_marks() {
    let Some(t) = tokenizer() else { return };
    let pieces = t
        .tokenize_in(
            "こんにちは。元気ですか？はい、元気です！",
            Language::Japanese,
        )
        .unwrap();
    let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["こんにちは。", "元気ですか？", "はい、元気です！"]);
    // misaki 0.9.4's phonemes for each sentence.
    let phonemes: Vec<&str> = pieces.iter().map(|p| p.phonemes.as_str()).collect();
    assert_eq!(
        phonemes,
        ["koɲɲiʨiβa.", "ɡeŋkʲi desɨ ka?", "hai, ɡeŋkʲi desɨ!"]
    );
    assert_eq!(
        pieces.iter().map(|p| p.pause_after).collect::<Vec<_>>(),
        [Pause::Sentence, Pause::Sentence, Pause::None]
    );
}

#[test]
fn latin_words_in_japanese_text_are_read_as_english() {
    let Some(t) = tokenizer() else { return };
    let mixed = t
        .phonemize_in("私はAppleが好きです。", Language::Japanese)
        .unwrap();
    let english = t.phonemize_in("Apple", Language::EnglishUs).unwrap();
    let japanese = t.phonemize_in("私は", Language::Japanese).unwrap();
    assert!(
        mixed.starts_with(&format!("{japanese} {english}")),
        "{mixed}"
    );
    assert!(!mixed.contains("Apple"), "{mixed}");
    // Without Latin letters nothing changes: the whole sentence is one analysis.
    let plain = t
        .phonemize_in("私はりんごが好きです。", Language::Japanese)
        .unwrap();
    assert_eq!(plain, "βatakɯɕi βa ɾʲiŋɡo ɡa sɨkʲi desɨ.");
}

#[test]
fn a_long_japanese_sentence_splits_at_its_commas() {
    let Some(t) = tokenizer() else { return };
    let long = "駅の近くに新しいパン屋ができたそうです、".repeat(25) + "本当です。";
    let pieces = t.tokenize_in(&long, Language::Japanese).unwrap();
    assert!(pieces.len() > 1);
    assert!(
        pieces
            .iter()
            .all(|p| (1..=MAX_TOKENS).contains(&p.ids.len()))
    );
    assert!(
        pieces.iter().all(|p| p.text.ends_with(['、', '。'])),
        "{pieces:?}"
    );
    assert_eq!(
        pieces.iter().map(|p| p.text.as_str()).collect::<String>(),
        long
    );
}

fn sentence() -> impl Strategy<Value = String> {
    let rows: Vec<String> = golden().into_iter().map(|(text, _)| text).collect();
    prop::sample::select(rows)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Long Japanese text, with or without its punctuation: every piece within the limit, and
    /// the pieces' source text is all of the text (none dropped).
    #[test]
    fn long_japanese_text_keeps_the_limit_and_every_character(
        parts in prop::collection::vec(sentence(), 1..40),
        strip in any::<bool>(),
    ) {
        let Some(t) = tokenizer() else { return Ok(()) };
        let mut text = parts.concat();
        if strip {
            text.retain(|c| !"。、！？「」".contains(c));
        }
        let pieces = t.tokenize_in(&text, Language::Japanese).unwrap();
        for p in &pieces {
            prop_assert!((1..=MAX_TOKENS).contains(&p.ids.len()), "{} ids", p.ids.len());
        }
        let covered: String = pieces.iter().map(|p| p.text.as_str()).collect();
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(squeeze(&covered), squeeze(&text));
    }
}
