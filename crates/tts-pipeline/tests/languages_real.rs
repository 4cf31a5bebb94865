//! Every voice speaks its own language on the real model (issue 21): the voice's language by
//! default, an explicit `lang` overrides it, a blend takes its first voice's, the result says which
//! language was spoken, and bad input (an unknown `lang`, Japanese text for an English voice,
//! mixed scripts) is a clear error.
//!
//! Needs the model (`cargo xtask fetch-model`) and, for es, fr-fr, it, pt-br and hi, espeak-ng
//! (`cargo xtask ci` installs it); without them the tests skip loudly, and fail under
//! `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

mod support;

use tts_pipeline::{Engine, ErrorKind, Language, Request, parse_lang};

fn engine() -> Option<std::sync::Arc<Engine>> {
    support::shared_engine("real-model language tests")
}

fn espeak_installed() -> bool {
    let ok = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        support::skip(
            "espeak-ng languages",
            "espeak-ng is not installed (apt-get install espeak-ng)",
        );
    }
    ok
}

/// The first `n` sentences of `fixtures/languages/FILE.txt` (our own sentences).
fn sentences(file: &str, n: usize) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/languages")
        .join(format!("{file}.txt"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .map(str::to_owned)
        .collect()
}

/// Speaks the first `n` sentences with `voice` and checks the language spoken and a plausible length
/// (at least 0.04 s per character of Latin or Devanagari text, 0.12 s per Chinese character).
fn speaks(engine: &Engine, voice: &str, file: &str, lang: Language, n: usize) {
    for text in sentences(file, n) {
        let out = engine
            .synthesize(&Request::text(text.as_str()).with_voice(voice))
            .unwrap_or_else(|e| panic!("{voice} {text}: {e}"));
        assert_eq!(out.lang, lang, "{voice} {text}");
        assert_eq!(out.voice, voice);
        let seconds = out.samples.len() as f64 / f64::from(out.sample_rate);
        let per_char = if lang == Language::Mandarin {
            0.12
        } else {
            0.04
        };
        let least = per_char * text.chars().filter(|c| c.is_alphabetic()).count() as f64;
        assert!(
            seconds >= least && seconds < 4.0 * least + 2.0,
            "{voice}: {seconds:.2} s for {text:?}"
        );
    }
}

#[test]
fn each_espeak_language_voice_speaks_its_own_sentences() {
    let Some(engine) = engine() else { return };
    if !espeak_installed() {
        return;
    }
    for (voice, file, lang) in [
        ("ef_dora", "es", Language::Spanish),
        ("ff_siwis", "fr", Language::French),
        ("if_sara", "it", Language::Italian),
        ("pf_dora", "pt", Language::PortugueseBr),
        ("hf_alpha", "hi", Language::Hindi),
    ] {
        speaks(&engine, voice, file, lang, 1);
    }
}

#[cfg(feature = "zh")]
#[test]
fn a_mandarin_voice_speaks_mandarin() {
    let Some(engine) = engine() else { return };
    speaks(&engine, "zf_xiaobei", "zh", Language::Mandarin, 2);
    speaks(&engine, "zm_yunjian", "zh", Language::Mandarin, 1);
}

#[cfg(feature = "zh")]
#[test]
fn lang_overrides_the_voice_and_a_blend_takes_its_first_voices() {
    let Some(engine) = engine() else { return };
    let english = engine
        .synthesize(
            &Request::text("Good morning.")
                .with_voice("zf_xiaobei")
                .with_lang(Language::EnglishUs),
        )
        .unwrap();
    assert_eq!(english.lang, Language::EnglishUs);
    let blend = engine
        .synthesize(&Request::text("你好。").with_voice("zf_xiaobei:0.6,af_bella:0.4"))
        .unwrap();
    assert_eq!(blend.lang, Language::Mandarin);
    let blend = engine
        .synthesize(&Request::text("Hello.").with_voice("af_bella:0.6,zf_xiaobei:0.4"))
        .unwrap();
    assert_eq!(blend.lang, Language::EnglishUs);
}

#[test]
fn bad_language_input_is_a_clear_error() {
    let Some(engine) = engine() else { return };
    for (text, voice, kind, words) in [
        (
            "こんにちは、世界。",
            "af_bella",
            ErrorKind::WrongScript,
            "Japanese kana",
        ),
        (
            "Hello 你好",
            "bf_emma",
            ErrorKind::WrongScript,
            "Chinese characters",
        ),
        ("नमस्ते", "zf_xiaobei", ErrorKind::WrongScript, "Devanagari"),
    ] {
        let err = engine
            .synthesize(&Request::text(text).with_voice(voice))
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{text}: {err}");
        assert!(err.is_invalid_input());
        assert!(err.to_string().contains(words), "{err}");
    }
    let err = parse_lang("klingon").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownLanguage);
    assert!(err.to_string().contains("es"), "{err}");
}

/// Without their cargo features (`cargo test -p tts-pipeline` alone), a Japanese or Mandarin request
/// is refused with an error that names the feature, never spoken as English.
#[cfg(not(all(feature = "ja", feature = "zh")))]
#[test]
fn a_language_left_out_of_the_build_is_a_clear_error_never_english() {
    let Some(engine) = engine() else { return };
    let mut refused = 0;
    for (text, voice, language) in [
        ("今日はいい天気ですね。", "jf_alpha", Language::Japanese),
        ("你好，世界。", "zf_xiaobei", Language::Mandarin),
    ] {
        if tts_pipeline::health::built_in(language) {
            continue;
        }
        let err = engine
            .synthesize(&Request::text(text).with_voice(voice))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LanguageUnavailable, "{voice}: {err}");
        assert!(err.to_string().contains("feature"), "{err}");
        refused += 1;
    }
    assert!(refused > 0, "one of the two features is off in this build");
}
