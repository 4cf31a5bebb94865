//! The real model's durations: found in its graph, added as an output at load time, checked on
//! every run. Needs the model (`cargo xtask fetch-model`); skips loudly without it, and fails
//! instead under `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use kokoro_session::{
    DurationSource, KokoroSession, SAMPLES_PER_FRAME, STYLE_DIM, SessionConfig, is_model_available,
};

fn model_dir() -> PathBuf {
    std::env::var_os("KOKORO_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn config(share: bool) -> Option<SessionConfig> {
    let cfg = SessionConfig::new()
        .with_model_dir(model_dir())
        .with_intra_threads(2)
        .with_shared_weights(share);
    if is_model_available(&cfg) {
        return Some(cfg);
    }
    let why = format!("no model in {}", model_dir().display());
    if std::env::var("KOKORO_REQUIRE_MODEL").as_deref() == Ok("1") {
        panic!("KOKORO_REQUIRE_MODEL=1 but {why}");
    }
    eprintln!("\n==================== SKIPPED: real_durations: {why} ====================\n");
    None
}

/// A voice-like style row: small deterministic values (the durations' checks hold for any).
fn style() -> Vec<f32> {
    (0..STYLE_DIM)
        .map(|i| ((i * 37 % 101) as f32 / 101.0 - 0.5) * 0.2)
        .collect()
}

#[test]
fn the_real_models_durations_add_up_to_its_audio_at_every_speed() {
    for share in [true, false] {
        let Some(cfg) = config(share) else { return };
        let session = KokoroSession::load(&cfg).unwrap();
        let source = session
            .durations_source()
            .unwrap_or_else(|| panic!("no durations found in {}", session.model_path().display()));
        if session.model_path().ends_with("kokoro-v1.0.int8.onnx") {
            // Found by structure in the int8 v1.0 file, which outputs only `audio`.
            assert!(matches!(source, DurationSource::Graph(_)), "{source:?}");
        }
        assert!(
            session
                .model_info()
                .output(source.name())
                .is_some_and(|o| o.dtype == "int64" || o.dtype.starts_with("float"))
        );
        // A short and a long run of ids of the v1.0 vocabulary.
        let hello: Vec<i64> = vec![50, 83, 54, 156, 31, 16, 65, 156, 87, 123, 54, 46];
        let long: Vec<i64> = hello.iter().cycle().take(200).copied().collect();
        // Both load paths, all speeds on the short run; the long run once (CI time).
        let runs: Vec<(&Vec<i64>, f32)> = if share {
            vec![(&hello, 0.8), (&hello, 1.0), (&hello, 1.3), (&long, 1.0)]
        } else {
            vec![(&hello, 1.3)]
        };
        for (ids, speed) in runs {
            {
                let out = session.run(ids, &style(), speed).unwrap();
                let frames = out.durations.frames().unwrap();
                assert_eq!(frames.len(), ids.len() + 2);
                let total: usize = frames.iter().map(|&f| f as usize).sum();
                assert_eq!(total * SAMPLES_PER_FRAME, out.audio.len(), "speed {speed}");
                assert!(frames[1..frames.len() - 1].iter().all(|&f| f >= 1));
            }
        }
    }
}
