//! The server on the real model: the audio decoded and measured, a small bounded load, a client
//! that goes away. Skips loudly without the model files, unless `KOKORO_REQUIRE_MODEL=1`.
//!
//! CI runs this small load (3 clients x 2 requests, a queue of 1): enough to see 503s and 200s
//! side by side in seconds; `cargo xtask bench --server` sends the 1,000.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use common::{Running, get, mp3_frames, post, wav_samples};
use kokoro_server::{EngineSpeaker, ServerConfig};
use tts_pipeline::{Engine, EngineConfig};

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("KOKORO_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    if dir.join("manifest.json").is_file() {
        return Some(dir);
    }
    if std::env::var("KOKORO_REQUIRE_MODEL").is_ok_and(|v| v == "1") {
        panic!(
            "KOKORO_REQUIRE_MODEL=1 but {} has no manifest.json: run `cargo xtask fetch-model`",
            dir.display()
        );
    }
    eprintln!(
        "\n==========================================================\n\
         SKIPPED: kokoro-server real-model test: no model in {}\n\
         Run `cargo xtask fetch-model`.\n\
         ==========================================================\n",
        dir.display()
    );
    None
}

/// The engine every test of this file serves with: opened once (the model loaded and a session
/// warmed once for the whole file), `None` without the model.
fn speaker() -> Option<Arc<EngineSpeaker>> {
    static SPEAKER: OnceLock<Option<Arc<EngineSpeaker>>> = OnceLock::new();
    SPEAKER
        .get_or_init(|| {
            let dir = model_dir()?;
            let engine_config = EngineConfig::with_model_dir(dir);
            let engine = Arc::new(Engine::open(&engine_config).unwrap());
            let voices = tts_pipeline::health::list_voices(&engine_config).unwrap();
            assert_eq!(voices.len(), 54);
            engine.parts().session().unwrap();
            Some(Arc::new(EngineSpeaker::new(engine, voices)))
        })
        .clone()
}

/// A ready server on the shared real engine.
fn serve(config: ServerConfig) -> Option<Running> {
    Some(Running::start(config, speaker()?, true))
}

const TEXT: &str = "The lighthouse keeper climbed the stairs at dusk.";

#[test]
fn speech_decodes_to_the_same_length_in_mp3_and_wav_and_words_are_timed() {
    let Some(running) = serve(ServerConfig::default()) else {
        return;
    };
    let a = running.addr;
    let wav = post(
        a,
        "/v1/audio/speech",
        &format!(r#"{{"input":"{TEXT}","voice":"af_heart","response_format":"wav"}}"#),
    );
    assert_eq!(wav.status, 200, "{:?}", String::from_utf8_lossy(&wav.body));
    let samples = wav_samples(&wav.body);
    let seconds = samples.len() as f64 / 24_000.0;
    assert!((1.5..10.0).contains(&seconds), "{seconds} s");
    let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
    // Rendered piece by piece (so that a client gone stops it), then scaled as a whole to the
    // engine's default target peak, -1 dBFS, as a file is.
    let target = 10f64.powf(-1.0 / 20.0) * 32_767.0;
    assert!(
        (f64::from(peak) - target).abs() <= 2.0,
        "peak-normalized to -1 dBFS ({target:.0}): {peak}"
    );

    let mp3 = post(
        a,
        "/v1/audio/speech",
        &format!(r#"{{"model":"tts-1","input":"{TEXT}","voice":"af_heart"}}"#),
    );
    assert_eq!(mp3.header("content-type"), Some("audio/mpeg"));
    let frames = mp3_frames(&mp3.body);
    assert!(
        frames * 576 >= samples.len() && frames * 576 < samples.len() + 3 * 576,
        "{frames} frames for {} samples",
        samples.len()
    );

    // The stream: the engine's pieces as they come, as long as the whole file (the same pauses and
    // fades), never above the file's peak.
    let two = format!("{TEXT} The sea was calm, and the lamp was bright.");
    let whole = post(
        a,
        "/v1/audio/speech",
        &format!(r#"{{"input":"{two}","response_format":"wav"}}"#),
    );
    let streamed = post(
        a,
        "/v1/audio/speech",
        &format!(r#"{{"input":"{two}","response_format":"wav","stream":true}}"#),
    );
    assert_eq!(streamed.header("transfer-encoding"), Some("chunked"));
    let whole_samples = wav_samples(&whole.body);
    let streamed_samples: Vec<i16> = streamed.body[44..]
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(streamed_samples.len(), whole_samples.len());
    let peak = |s: &[i16]| s.iter().map(|x| x.unsigned_abs()).max().unwrap();
    assert!(
        peak(&streamed_samples) <= peak(&whole_samples) + 1,
        "never above the file's peak"
    );

    let timed = post(
        a,
        "/v1/audio/speech/timed",
        &format!(r#"{{"input":"{TEXT}","voice":"bf_emma"}}"#),
    );
    assert_eq!(
        timed.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&timed.body)
    );
    let v = timed.json();
    let words = v["words"].as_array().unwrap();
    assert_eq!(words.len(), TEXT.split_whitespace().count());
    let mut last = 0.0;
    for w in words {
        let (start, end) = (w["start"].as_f64().unwrap(), w["end"].as_f64().unwrap());
        assert!(start >= last - 1e-9 && end > start, "{w}");
        last = end;
    }
    assert!(last <= v["duration"].as_f64().unwrap() + 1e-6);
    assert!(
        v["captions"]["vtt"]
            .as_str()
            .unwrap()
            .contains("lighthouse")
    );
}

#[test]
fn a_small_load_gets_200s_or_quick_503s_and_a_vanished_client_leaves_it_serving() {
    let config = ServerConfig {
        max_concurrent: Some(1),
        max_queue: 1,
        ..ServerConfig::default()
    };
    let Some(running) = serve(config) else { return };
    let a = running.addr;
    let clients: Vec<_> = (0..3)
        .map(|c| {
            std::thread::spawn(move || {
                (0..2)
                    .map(|i| {
                        let started = std::time::Instant::now();
                        let body = format!(r#"{{"input":"Client {c} asks for sentence {i}.","voice":"am_adam","response_format":"pcm"}}"#);
                        let answer = post(a, "/v1/audio/speech", &body);
                        (answer.status, answer.body.len(), started.elapsed())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<_> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let ok = results.iter().filter(|r| r.0 == 200).count();
    for (status, len, took) in &results {
        match status {
            200 => assert!(*len > 24_000, "a second of audio at least: {len} bytes"),
            503 => assert!(*took < Duration::from_secs(1), "a quick 503: {took:?}"),
            other => panic!("status {other}"),
        }
    }
    assert!(ok >= 2, "{results:?}");

    // A client that sends a request and goes away at once.
    for _ in 0..2 {
        let mut s = TcpStream::connect(a).unwrap();
        let body = format!(r#"{{"input":"{TEXT}","response_format":"wav"}}"#);
        write!(s, "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        drop(s);
    }
    // Their renderings may still hold the queue: retry as Retry-After says, for at most a minute.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let after = loop {
        let answer = post(
            a,
            "/v1/audio/speech",
            r#"{"input":"Still here.","response_format":"wav"}"#,
        );
        if answer.status != 503 || std::time::Instant::now() > deadline {
            break answer;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    assert_eq!(after.status, 200);
    assert_eq!(get(a, "/health").status, 200);
}
