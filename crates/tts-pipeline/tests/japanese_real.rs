//! Japanese spoken by the real model (issue 21): `jf_alpha` speaks our sentences from text, and the
//! audio is the audio of misaki 0.9.4's phonemes for them (`fixtures/ja/golden.tsv`) spoken by the
//! same engine. Skipped loudly without the model or the Japanese dictionary
//! (`cargo xtask fetch-model` installs both); fails under `KOKORO_REQUIRE_MODEL=1`. Needs the `ja`
//! feature (`cargo test --workspace` has it through the CLI).

#![cfg(feature = "ja")]
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

mod support;

use tts_pipeline::{Engine, Language, Request};

const TESTS: &str = "japanese real-model tests";

fn engine() -> Option<std::sync::Arc<Engine>> {
    let engine = support::shared_engine(TESTS)?;
    let dict = support::model_dir().join("ja/sys.dic");
    if std::env::var_os("KOKORO_JA_DICT").is_none() && !dict.exists() {
        support::skip(
            TESTS,
            &format!("no japanese dictionary ({} is missing)", dict.display()),
        );
        return None;
    }
    Some(engine)
}

/// The first `n` golden rows: (sentence, misaki's phonemes).
fn golden(n: usize) -> Vec<(String, String)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ja/golden.tsv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .take(n)
        .map(|l| {
            let (s, p) = l.split_once('\t').unwrap();
            (s.to_owned(), p.to_owned())
        })
        .collect()
}

#[test]
fn jf_alpha_speaks_japanese_text_as_misaki_phonemes_sound() {
    let Some(engine) = engine() else { return };
    for (sentence, phonemes) in golden(2) {
        let spoken = engine
            .synthesize(&Request::text(sentence.clone()).with_voice("jf_alpha"))
            .unwrap_or_else(|e| panic!("{sentence}: {e}"));
        assert_eq!(spoken.lang, Language::Japanese, "{sentence}");
        assert!(!spoken.voice_fell_back);
        let seconds = spoken.samples.len() as f64 / f64::from(spoken.sample_rate);
        let kana = sentence.chars().count() as f64;
        assert!(
            (0.08 * kana..0.5 * kana).contains(&seconds),
            "{sentence}: {seconds:.2} s for {kana} characters"
        );
        let peak = spoken.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.5, "{sentence}: peak {peak}");
        let reference = engine
            .synthesize(&Request::phonemes(phonemes).with_voice("jf_alpha"))
            .unwrap();
        assert_eq!(spoken.samples.len(), reference.samples.len(), "{sentence}");
        let diff = spoken
            .samples
            .iter()
            .zip(&reference.samples)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            diff < 1e-3,
            "{sentence}: differs from misaki's phonemes by {diff}"
        );
    }
}

#[test]
fn an_explicit_language_overrides_the_voice() {
    let Some(engine) = engine() else { return };
    let spoken = engine
        .synthesize(
            &Request::text("ありがとうございます。")
                .with_voice("af_heart")
                .with_lang(Language::Japanese),
        )
        .unwrap();
    assert_eq!(spoken.lang, Language::Japanese);
    assert!(spoken.samples.len() > 12_000);
}
