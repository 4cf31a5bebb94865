//! 8 threads x 25 generations on one real engine (issue 5): all succeed, every file is valid, the
//! weights are loaded once however many sessions serve the threads, and the threads run
//! concurrently on the pool (issue 9). Its own test binary, so that the load counters see only
//! this test's loads.
//!
//! Skips loudly without the model, unless `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

mod support;

use tts_pipeline::{EngineConfig, Request};

#[test]
fn eight_threads_by_25_generations_on_one_real_engine() {
    let Some(engine) = support::open_engine("real-model concurrency test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let texts = ["Yes.", "No.", "Go on.", "Hi there."];
    let voices = ["af_bella", "am_adam", "af_heart", "bf_emma"];
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for t in 0..8 {
            let engine = &engine;
            let dir = dir.path();
            s.spawn(move || {
                for i in 0..25 {
                    let out = dir.join(format!("t{t}-{i}.wav"));
                    let text = texts[(t + i) % texts.len()];
                    let voice = voices[t % voices.len()];
                    let g = engine
                        .generate(&Request::text(text).with_voice(voice), &out)
                        .unwrap_or_else(|e| panic!("thread {t} generation {i}: {e}"));
                    assert_eq!(g.voice, voice);
                    let info = wav_store::validate_wav(&out).unwrap();
                    assert!(info.duration_seconds > 0.2, "{}", info.duration_seconds);
                }
            });
        }
    });
    eprintln!(
        "200 generations in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 200);
    // The spec's "the model loads once" is "the weights are loaded once": every session of the
    // pool shares one copy of them.
    assert_eq!(kokoro_session::testing::weights_load_count(), 1);
    let layout = EngineConfig::with_model_dir(support::model_dir()).pool_layout();
    let sessions = kokoro_session::load_count();
    eprintln!(
        "sessions loaded: {sessions} (pool: 1 wide + up to {} narrow)",
        layout.sessions
    );
    assert!(
        sessions <= layout.sessions + 1,
        "{sessions} sessions for a pool of {} + 1",
        layout.sessions
    );
    if layout.sessions > 1 {
        assert!(
            sessions > 1,
            "concurrent callers must get more than one session"
        );
    }
}
