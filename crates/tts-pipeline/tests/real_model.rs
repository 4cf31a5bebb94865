//! Integration tests on the real Kokoro model and the real ONNX Runtime.
//!
//! They need the files of `cargo xtask fetch-model` (in `<workspace>/models` or `KOKORO_MODEL_DIR`).
//! Without them every test prints a loud SKIPPED line and passes, unless `KOKORO_REQUIRE_MODEL=1`
//! (set by `cargo xtask ci` and `cargo xtask test-integration`), in which case they fail.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

mod support;

use std::path::Path;

use tts_pipeline::{Engine, EngineConfig, Outcome, Request};

fn engine() -> Option<std::sync::Arc<Engine>> {
    support::shared_engine("real-model integration tests")
}

fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, s| m.max(s.abs()))
}

#[test]
fn hello_world_is_a_normalized_24k_wav_of_plausible_length() {
    let Some(engine) = engine() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hello.wav");
    let g = engine
        .generate(&Request::text("Hello world.").with_voice("af_bella"), &out)
        .unwrap();
    let (info, samples) = wav_store::read_wav(&out).unwrap();
    assert_eq!(info.sample_rate, 24_000);
    assert_eq!(g.sample_rate, 24_000);
    assert_eq!(info.channels, 1);
    assert!(
        (0.6..4.0).contains(&g.duration),
        "implausible duration {} s for two words",
        g.duration
    );
    let p = peak(&samples);
    assert!((p - 0.8913).abs() < 0.001, "peak {p}");
    assert_eq!(g.voice, "af_bella");
}

#[test]
fn different_voices_give_different_audio() {
    let Some(engine) = engine() else { return };
    let a = engine
        .synthesize(&Request::text("The same words.").with_voice("af_bella"))
        .unwrap();
    let b = engine
        .synthesize(&Request::text("The same words.").with_voice("am_adam"))
        .unwrap();
    assert_eq!(a.voice, "af_bella");
    assert_eq!(b.voice, "am_adam");
    let n = a.samples.len().min(b.samples.len());
    let diff: f32 = a.samples[..n]
        .iter()
        .zip(&b.samples[..n])
        .map(|(x, y)| (x - y).abs())
        .sum::<f32>()
        / n as f32;
    assert!(diff > 0.01, "voices too similar: mean abs diff {diff}");
}

#[test]
fn a_3000_character_story_is_one_wav_whose_duration_grows_with_the_text() {
    let Some(engine) = engine() else { return };
    let story = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/story-3000.txt"),
    )
    .unwrap();
    assert!(story.len() >= 3000);
    let dir = tempfile::tempdir().unwrap();
    let first_paragraph = story.split("\n\n").next().unwrap();
    let short = engine
        .generate(
            &Request::text(first_paragraph).with_voice("af_heart"),
            &dir.path().join("short.wav"),
        )
        .unwrap();
    let long = engine
        .generate(
            &Request::text(&story).with_voice("af_heart"),
            &dir.path().join("story.wav"),
        )
        .unwrap();
    assert!(long.pieces > 1, "a long story must be split");
    let ratio = long.duration / short.duration;
    let text_ratio = story.len() as f64 / first_paragraph.len() as f64;
    assert!(
        ratio > text_ratio * 0.6 && ratio < text_ratio * 1.6,
        "duration ratio {ratio:.2} does not follow the text ratio {text_ratio:.2} ({} s vs {} s)",
        long.duration,
        short.duration
    );
    // About 12-20 characters of English per second of speech.
    let cps = story.len() as f64 / long.duration;
    assert!((8.0..25.0).contains(&cps), "{cps:.1} characters per second");
    wav_store::validate_wav(&long.audio_path).unwrap();
}

#[test]
fn faster_speed_gives_shorter_audio() {
    let Some(engine) = engine() else { return };
    let text = "A quick sentence, spoken at two different speeds.";
    let normal = engine
        .synthesize(&Request::text(text).with_voice("af_bella"))
        .unwrap();
    let fast = engine
        .synthesize(&Request::text(text).with_voice("af_bella").with_speed(1.5))
        .unwrap();
    let ratio = fast.samples.len() as f64 / normal.samples.len() as f64;
    assert!(ratio < 0.85, "speed 1.5 gave {ratio:.2} of the length");
}

#[test]
fn four_threads_on_one_engine_all_succeed_with_the_weights_loaded_once() {
    let Some(engine) = engine() else { return };
    let engine = &*engine;
    let dir = tempfile::tempdir().unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let out = dir.path().join(format!("t{t}.wav"));
            s.spawn(move || {
                let g = engine
                    .generate(
                        &Request::text(format!("Thread number {t} is speaking.")),
                        &out,
                    )
                    .unwrap();
                wav_store::validate_wav(&g.audio_path).unwrap();
            });
        }
    });
    assert_eq!(
        kokoro_session::testing::weights_load_count(),
        1,
        "the weights must be loaded exactly once, whatever the sessions"
    );
}

#[test]
fn unknown_voice_falls_back_to_af_bella() {
    let Some(engine) = engine() else { return };
    let s = engine
        .synthesize(&Request::text("Fallback voice.").with_voice("xx_nobody"))
        .unwrap();
    assert_eq!(s.voice, "af_bella");
    assert!(s.voice_fell_back);
}

#[test]
fn missing_model_gives_an_error_outcome_not_a_crash() {
    let empty = tempfile::tempdir().unwrap();
    let result = Engine::open(&EngineConfig::with_model_dir(empty.path()));
    let err = result.unwrap_err();
    assert!(err.is_setup_missing(), "{err}");
    assert!(err.to_string().contains("fetch-model"), "{err}");
    let outcome = Outcome::failure(err.to_string());
    assert!(!outcome.success);
}
