//! The server over a fake engine (no model): every endpoint, every limit and every error shape,
//! through real HTTP on a loopback port. Bounded: every wait has a timeout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{Running, get, mp3_frames, post, request, wav_samples};
use kokoro_server::{Cancel, ServerConfig, Speaker};
use tts_pipeline::health::VoiceSummary;
use tts_pipeline::{ErrorKind, Language, Request, Synthesized, WordTiming};

/// Samples per word of the fake's audio.
const PER_WORD: usize = 2_400;

/// A fake engine: a 0.1 s tone per word; words timed when asked; "..." is nothing to say. With
/// `gate` closed, every rendering waits (at most 10 s) until it opens.
#[derive(Default)]
struct Fake {
    gate: Mutex<bool>,
    opened: Condvar,
    gated: bool,
    rendering: AtomicUsize,
    /// Blocks the fake's stream has rendered.
    streamed: AtomicUsize,
    /// Words the fake's `synthesize` has rendered.
    rendered: AtomicUsize,
}

impl Fake {
    fn gated() -> Arc<Self> {
        Arc::new(Self {
            gated: true,
            ..Self::default()
        })
    }

    fn open(&self) {
        *self.gate.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl Fake {
    /// The whole audio of `request` (a tone per word), waiting at the gate first; `cancel`
    /// checked before each word, which takes 5 ms and is counted in `rendered` when `paced`.
    fn render(
        &self,
        request: &Request,
        cancel: &Cancel,
        paced: bool,
    ) -> tts_pipeline::Result<Option<Synthesized>> {
        self.rendering.fetch_add(1, Ordering::SeqCst);
        if self.gated {
            let open = self.gate.lock().unwrap();
            let _open = self
                .opened
                .wait_timeout_while(open, Duration::from_secs(10), |o| !*o)
                .unwrap();
        }
        self.rendering.fetch_sub(1, Ordering::SeqCst);
        let text = request.input.as_str();
        if text.trim() == "..." {
            return Err(tts_pipeline::Error::new(
                ErrorKind::NothingToSay,
                "nothing to say in the text: give words",
            ));
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut samples = Vec::with_capacity(words.len() * PER_WORD);
        for w in 0..words.len() {
            if cancel.is_cancelled() {
                return Ok(None);
            }
            if paced {
                std::thread::sleep(Duration::from_millis(5));
                self.rendered.fetch_add(1, Ordering::SeqCst);
            }
            samples
                .extend((w * PER_WORD..(w + 1) * PER_WORD).map(|i| (i as f32 / 9.0).sin() * 0.5));
        }
        let timings = request.word_timings.then(|| {
            words
                .iter()
                .enumerate()
                .map(|(i, w)| WordTiming {
                    text: (*w).to_string(),
                    start: i as f64 * 0.1,
                    end: (i + 1) as f64 * 0.1,
                })
                .collect()
        });
        Ok(Some(Synthesized {
            samples,
            sample_rate: 24_000,
            voice: request.voice.clone().unwrap_or_else(|| "af_heart".into()),
            voice_fell_back: false,
            speed: request.speed,
            pieces: words.len(),
            lang: Language::EnglishUs,
            words: timings,
        }))
    }
}

impl Speaker for Fake {
    /// A word at a time, 5 ms each, counted in `rendered`.
    fn synthesize(
        &self,
        request: &Request,
        cancel: &Cancel,
    ) -> tts_pipeline::Result<Option<Synthesized>> {
        self.render(request, cancel, true)
    }

    /// One block per word, 5 ms each, counted in `streamed`.
    fn stream<'a>(
        &'a self,
        request: &Request,
    ) -> tts_pipeline::Result<kokoro_server::AudioBlocks<'a>> {
        let whole = self.render(request, &Cancel::new(), false)?;
        let blocks: Vec<Vec<f32>> = whole
            .map(|w| w.samples)
            .unwrap_or_default()
            .chunks(PER_WORD)
            .map(<[f32]>::to_vec)
            .collect();
        Ok(Box::new(blocks.into_iter().map(move |b| {
            std::thread::sleep(Duration::from_millis(5));
            self.streamed.fetch_add(1, Ordering::SeqCst);
            Ok(b)
        })))
    }

    fn knows_voice(&self, voice: &str) -> tts_pipeline::Result<bool> {
        Ok(voice.split(',').all(|v| {
            let id = v.split(':').next().unwrap_or("");
            ["af_heart", "af_bella", "am_adam", "af_alloy"].contains(&id)
        }))
    }

    fn voices(&self) -> Vec<VoiceSummary> {
        ["af_heart", "af_bella"]
            .into_iter()
            .map(|id| VoiceSummary {
                id: id.into(),
                language: "American English".into(),
                lang: Some("en-us".into()),
                gender: "female".into(),
            })
            .collect()
    }

    fn workers(&self) -> usize {
        2
    }
}

fn start(config: ServerConfig) -> (Running, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    (Running::start(config, fake.clone(), true), fake)
}

const HELLO: &str =
    r#"{"model":"tts-1","input":"Hello there, world.","voice":"af_heart","response_format":"wav"}"#;

#[test]
fn health_is_cheap_and_ready_waits_for_the_model() {
    let fake = Arc::new(Fake::default());
    let running = Running::start(ServerConfig::default(), fake, false);
    let health = get(running.addr, "/health");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    let ready = get(running.addr, "/ready");
    assert_eq!(ready.status, 503);
    assert_eq!(ready.error_code(), "model_loading");
    assert_eq!(ready.header("retry-after"), Some("1"));
    let speech = post(running.addr, "/v1/audio/speech", HELLO);
    assert_eq!(
        (speech.status, speech.error_code().as_str()),
        (503, "model_loading")
    );
    running.server.mark_ready();
    assert_eq!(get(running.addr, "/ready").status, 200);
    assert_eq!(post(running.addr, "/v1/audio/speech", HELLO).status, 200);
}

#[test]
fn a_model_that_failed_to_load_is_a_503_saying_why() {
    let running = Running::start(ServerConfig::default(), Arc::new(Fake::default()), false);
    running
        .server
        .mark_failed("no model in /nowhere: run kokoro fetch-model");
    let ready = get(running.addr, "/ready");
    assert_eq!(
        (ready.status, ready.error_code().as_str()),
        (503, "model_unavailable")
    );
    assert!(
        ready.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("kokoro fetch-model")
    );
}

#[test]
fn speech_comes_in_every_available_format_with_its_length() {
    let (running, _) = start(ServerConfig::default());
    let words = 3;
    let wav = post(running.addr, "/v1/audio/speech", HELLO);
    assert_eq!(wav.status, 200);
    assert_eq!(wav.header("content-type"), Some("audio/wav"));
    assert_eq!(wav.header("x-kokoro-voice"), Some("af_heart"));
    assert_eq!(wav_samples(&wav.body).len(), words * PER_WORD);

    let pcm = post(
        running.addr,
        "/v1/audio/speech",
        &HELLO.replace("wav", "pcm"),
    );
    assert_eq!(pcm.header("content-type"), Some("audio/pcm"));
    assert_eq!(pcm.body.len(), 2 * words * PER_WORD);
    assert_eq!(pcm.body, wav.body[44..], "the same samples");

    let mp3 = post(
        running.addr,
        "/v1/audio/speech",
        r#"{"input":"Hello there, world.","voice":"alloy"}"#,
    );
    assert_eq!(mp3.status, 200);
    assert_eq!(
        mp3.header("content-type"),
        Some("audio/mpeg"),
        "mp3 is the default"
    );
    assert_eq!(
        mp3.header("x-kokoro-voice"),
        Some("af_alloy"),
        "OpenAI's voice names map"
    );
    let frames = mp3_frames(&mp3.body);
    assert!(
        frames * 576 >= words * PER_WORD && frames * 576 < words * PER_WORD + 3 * 576,
        "{frames}"
    );

    // Decoded in the encoders' unit tests; here, what each answer is, whole and streamed.
    for (format, content_type, magic, wanted) in [
        ("flac", "audio/flac", &b"fLaC"[..], cfg!(feature = "flac")),
        ("opus", "audio/ogg", &b"OggS"[..], cfg!(feature = "opus")),
    ] {
        for stream in [false, true] {
            let answer = post(
                running.addr,
                "/v1/audio/speech",
                &format!(
                    r#"{{"input":"Hello there, world.","response_format":"{format}","stream":{stream}}}"#
                ),
            );
            if !wanted {
                assert_eq!(answer.error_code(), "unsupported_format");
                continue;
            }
            assert_eq!(answer.status, 200, "{format}");
            assert_eq!(answer.header("content-type"), Some(content_type));
            assert!(answer.body.starts_with(magic), "{format}");
            assert!(answer.body.len() < pcm.body.len(), "{format} compresses");
        }
    }
}

#[test]
fn the_lists_are_openais_shapes() {
    let (running, _) = start(ServerConfig::default());
    let models = get(running.addr, "/v1/models").json();
    assert_eq!(models["object"], "list");
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"kokoro") && ids.contains(&"tts-1"), "{ids:?}");
    assert_eq!(
        get(running.addr, "/v1/models/tts-1-hd").json()["object"],
        "model"
    );
    assert_eq!(
        get(running.addr, "/v1/models/whisper-1").error_code(),
        "model_not_found"
    );
    let voices = get(running.addr, "/v1/audio/voices").json();
    assert_eq!(
        voices["voices"],
        serde_json::json!(["af_heart", "af_bella"])
    );
    assert_eq!(voices["data"][0]["lang"], "en-us");
}

#[test]
fn every_error_is_openais_shape_with_its_status() {
    let config = ServerConfig {
        max_input_chars: 50,
        max_body_bytes: 1024,
        ..ServerConfig::default()
    };
    let (running, _) = start(config);
    let a = running.addr;
    let cases: Vec<(common::Answer, u16, &str)> = vec![
        (get(a, "/v2/nothing"), 404, "unknown_url"),
        (get(a, "/v1/audio/speech"), 405, "method_not_allowed"),
        (
            post(a, "/v1/audio/speech", "{not json"),
            400,
            "invalid_json",
        ),
        (
            post(
                a,
                "/v1/audio/speech",
                r#"{"input":"Hi","response_format":"aac"}"#,
            ),
            400,
            "unsupported_format",
        ),
        (
            post(
                a,
                "/v1/audio/speech",
                r#"{"input":"Hi","response_format":"ogg"}"#,
            ),
            400,
            "invalid_value",
        ),
        (
            post(
                a,
                "/v1/audio/speech",
                r#"{"input":"Hi","voice":"zz_nobody"}"#,
            ),
            400,
            "voice_not_found",
        ),
        (
            post(
                a,
                "/v1/audio/speech",
                r#"{"input":"Hi","voice":"af_bella:0.5,zz_nobody:0.5"}"#,
            ),
            400,
            "voice_not_found",
        ),
        (
            post(a, "/v1/audio/speech", r#"{"input":"Hi","speed":0.1}"#),
            400,
            "invalid_value",
        ),
        (
            post(a, "/v1/audio/speech", r#"{"input":"   "}"#),
            400,
            "missing_input",
        ),
        (
            post(a, "/v1/audio/speech", r#"{"input":"..."}"#),
            400,
            "invalid_value",
        ),
        (
            post(
                a,
                "/v1/audio/speech",
                r#"{"model":"dall-e-3","input":"Hi"}"#,
            ),
            404,
            "model_not_found",
        ),
        (
            post(
                a,
                "/v1/audio/speech",
                &format!(r#"{{"input":"{}"}}"#, "word ".repeat(11)),
            ),
            413,
            "input_too_large",
        ),
        (
            post(
                a,
                "/v1/audio/speech",
                &format!(r#"{{"input":"{}"}}"#, "x".repeat(2000)),
            ),
            413,
            "body_too_large",
        ),
    ];
    for (answer, status, code) in cases {
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (status, code),
            "{answer:?}"
        );
    }
    assert_eq!(running.server.stats().served, 0);
}

#[test]
fn the_api_key_guards_v1_but_not_health() {
    let config = ServerConfig {
        api_key: Some("s3cret".into()),
        ..ServerConfig::default()
    };
    let (running, _) = start(config);
    let a = running.addr;
    let refused = post(a, "/v1/audio/speech", HELLO);
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (401, "invalid_api_key")
    );
    let wrong = request(
        a,
        "POST",
        "/v1/audio/speech",
        HELLO,
        &[("Authorization", "Bearer nope")],
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(get(a, "/v1/models").status, 401);
    let right = request(
        a,
        "POST",
        "/v1/audio/speech",
        HELLO,
        &[("Authorization", "Bearer s3cret")],
    );
    assert_eq!(right.status, 200);
    assert_eq!(get(a, "/health").status, 200);
    assert_eq!(get(a, "/ready").status, 200);
}

#[test]
fn cors_only_where_configured() {
    let (plain, _) = start(ServerConfig::default());
    let answer = request(
        plain.addr,
        "GET",
        "/v1/models",
        "",
        &[("Origin", "http://localhost:3000")],
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), None);
    let preflight = request(
        plain.addr,
        "OPTIONS",
        "/v1/audio/speech",
        "",
        &[("Origin", "http://localhost:3000")],
    );
    assert_ne!(preflight.status, 204);

    let config = ServerConfig {
        cors_origins: vec!["http://localhost:3000".into()],
        ..ServerConfig::default()
    };
    let (cors, _) = start(config);
    let preflight = request(
        cors.addr,
        "OPTIONS",
        "/v1/audio/speech",
        "",
        &[("Origin", "http://localhost:3000")],
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    let other = request(
        cors.addr,
        "GET",
        "/v1/models",
        "",
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[test]
fn a_full_queue_answers_503_at_once_and_the_queued_requests_finish() {
    let config = ServerConfig {
        max_concurrent: Some(1),
        max_queue: 1,
        ..ServerConfig::default()
    };
    let fake = Fake::gated();
    let running = Running::start(config, fake.clone(), true);
    let addr = running.addr;
    let first = std::thread::spawn(move || post(addr, "/v1/audio/speech", HELLO));
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.rendering.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the first request never started rendering"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = std::thread::spawn(move || post(addr, "/v1/audio/speech", HELLO));
    let deadline = Instant::now() + Duration::from_secs(10);
    while running.server.stats().in_flight < 2 {
        assert!(
            Instant::now() < deadline,
            "the second request never took its place"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = Instant::now();
    let refused = (post(addr, "/v1/audio/speech", HELLO), started.elapsed());
    assert_eq!(refused.0.error_code(), "queue_full");
    assert_eq!(refused.0.header("retry-after"), Some("1"));
    assert!(
        refused.1 < Duration::from_secs(1),
        "refused at once, not after {:?}",
        refused.1
    );
    fake.open();
    assert_eq!(first.join().unwrap().status, 200);
    assert_eq!(second.join().unwrap().status, 200);
    let stats = running.server.stats();
    assert_eq!((stats.served, stats.refused), (2, 1));
}

#[test]
fn a_request_past_its_timeout_is_a_504_in_time() {
    let config = ServerConfig {
        request_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let fake = Fake::gated();
    let running = Running::start(config, fake.clone(), true);
    let started = Instant::now();
    let answer = post(running.addr, "/v1/audio/speech", HELLO);
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (504, "timeout")
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    fake.open();
}

#[test]
fn the_timed_extension_gives_audio_words_and_captions() {
    let (running, _) = start(ServerConfig::default());
    let answer = post(
        running.addr,
        "/v1/audio/speech/timed",
        r#"{"input":"Hello there, world.","voice":"af_bella","response_format":"wav"}"#,
    );
    assert_eq!(answer.status, 200);
    let v = answer.json();
    assert_eq!(v["format"], "wav");
    assert_eq!(v["sample_rate"], 24_000);
    assert_eq!(v["voice"], "af_bella");
    let words = v["words"].as_array().unwrap();
    assert_eq!(words.len(), 3);
    assert_eq!(words[2]["text"], "world.");
    assert!(v["captions"]["vtt"].as_str().unwrap().starts_with("WEBVTT"));
    assert!(v["captions"]["srt"].as_str().unwrap().contains("-->"));
    let b64 = v["audio"].as_str().unwrap();
    assert_eq!(b64.len(), (44 + 3 * PER_WORD * 2).div_ceil(3) * 4);
    assert!((v["duration"].as_f64().unwrap() - 0.3).abs() < 1e-9);
    let streamed = post(
        running.addr,
        "/v1/audio/speech/timed",
        r#"{"input":"Hi","stream":true}"#,
    );
    assert_eq!(streamed.status, 400);
}

#[test]
fn a_stream_is_chunked_with_the_same_audio_and_errors_before_it_are_json() {
    let (running, fake) = start(ServerConfig::default());
    let whole = post(running.addr, "/v1/audio/speech", HELLO);
    let streamed = post(
        running.addr,
        "/v1/audio/speech",
        &HELLO.replace("}", r#","stream":true}"#),
    );
    assert_eq!(streamed.status, 200);
    assert_eq!(streamed.header("transfer-encoding"), Some("chunked"));
    assert_eq!(streamed.header("content-type"), Some("audio/wav"));
    assert_eq!(streamed.body[44..], whole.body[44..], "the same samples");
    assert_eq!(
        fake.streamed.load(Ordering::SeqCst),
        3,
        "one block per word"
    );
    let mp3 = post(
        running.addr,
        "/v1/audio/speech",
        r#"{"input":"one two three four","stream":true}"#,
    );
    assert_eq!(mp3_frames(&mp3.body) * 576 / PER_WORD, 4);
    let failed = post(
        running.addr,
        "/v1/audio/speech",
        r#"{"input":"...","stream":true}"#,
    );
    assert_eq!(
        (failed.status, failed.error_code().as_str()),
        (400, "invalid_value")
    );
}

#[test]
fn a_client_gone_mid_stream_stops_its_rendering_and_the_server_serves_on() {
    use std::io::{Read, Write};
    let (running, fake) = start(ServerConfig::default());
    let words = "word ".repeat(400);
    let body = format!(r#"{{"input":"{words}","response_format":"pcm","stream":true}}"#);
    let mut s = std::net::TcpStream::connect(running.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut first = [0u8; 1024];
    let n = s.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    drop(s);
    // The rendering stops within a few blocks of the channel's capacity (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = fake.streamed.load(Ordering::SeqCst);
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = fake.streamed.load(Ordering::SeqCst);
        if now == last || Instant::now() > deadline {
            break;
        }
        last = now;
    }
    assert!(
        last < 100,
        "the rendering went on after the client left: {last} of 400 blocks"
    );
    assert_eq!(running.server.stats().in_flight, 0, "its place is free");
    assert_eq!(post(running.addr, "/v1/audio/speech", HELLO).status, 200);
}

#[test]
fn a_client_gone_before_its_answer_stops_its_rendering_too() {
    use std::io::Write;
    let (running, fake) = start(ServerConfig::default());
    let words = "word ".repeat(400);
    for path in ["/v1/audio/speech", "/v1/audio/speech/timed"] {
        let before = fake.rendered.load(Ordering::SeqCst);
        let body = format!(r#"{{"input":"{words}","response_format":"wav"}}"#);
        let mut s = std::net::TcpStream::connect(running.addr).unwrap();
        write!(s, "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        // Gone once the rendering has started (bounded wait), long before its 2 s end.
        let deadline = Instant::now() + Duration::from_secs(5);
        while fake.rendered.load(Ordering::SeqCst) < before + 10 {
            assert!(Instant::now() < deadline, "the rendering never started");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(s);
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = fake.rendered.load(Ordering::SeqCst);
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let now = fake.rendered.load(Ordering::SeqCst);
            if now == last || Instant::now() > deadline {
                break;
            }
            last = now;
        }
        assert!(
            last - before < 200,
            "{path}: the rendering went on after the client left: {} of 400 words",
            last - before
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        while running.server.stats().in_flight > 0 {
            assert!(
                Instant::now() < deadline,
                "{path}: its place is never freed"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    assert_eq!(post(running.addr, "/v1/audio/speech", HELLO).status, 200);
    assert_eq!(
        running.server.stats().served,
        1,
        "the gone ones were not served"
    );
}
