//! Unit tests of the whole pipeline behind the traits, with fake parts: no model, no runtime.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::traits::{Frontend, Pause, Synthesizer, TextPiece, VoiceChoice, Voices};
use crate::{Engine, EngineOptions, ErrorKind, Outcome, ProjectRequest, SegmentRequest};

/// Splits at `.` and `,`; one id per letter.
struct FakeFrontend;

impl Frontend for FakeFrontend {
    fn pieces(&self, text: &str, _voice: &str) -> crate::Result<Vec<TextPiece>> {
        let mut out = Vec::new();
        let mut current = String::new();
        for c in text.chars() {
            current.push(c);
            let pause = match c {
                '.' => Some(Pause::Sentence),
                ',' => Some(Pause::Clause),
                _ => None,
            };
            if let Some(p) = pause {
                push_piece(&mut out, &current, p);
                current.clear();
            }
        }
        push_piece(&mut out, &current, Pause::None);
        if let Some(last) = out.last_mut() {
            last.pause_after = Pause::None;
        }
        Ok(out)
    }
}

fn push_piece(out: &mut Vec<TextPiece>, text: &str, pause_after: Pause) {
    let ids: Vec<i64> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| i64::from(u32::from(c) % 100 + 1))
        .collect();
    if !ids.is_empty() {
        out.push(TextPiece {
            text: text.to_string(),
            ids,
            pause_after,
        });
    }
}

struct FakeVoices;

impl Voices for FakeVoices {
    fn resolve(&self, requested: Option<&str>) -> crate::Result<VoiceChoice> {
        match requested {
            Some(v @ ("af_bella" | "am_adam")) => Ok(VoiceChoice {
                voice: v.to_string(),
                fell_back: false,
            }),
            _ => Ok(VoiceChoice {
                voice: "af_bella".to_string(),
                fell_back: true,
            }),
        }
    }

    fn style(&self, voice: &str, n_tokens: usize) -> crate::Result<Vec<f32>> {
        let base = if voice == "am_adam" { 0.2 } else { 0.1 };
        Ok(vec![base + n_tokens as f32 * 1e-4; 256])
    }
}

/// 600 samples per token at speed 1, a tone whose amplitude comes from the style; can be told to fail.
#[derive(Default)]
struct FakeSynth {
    calls: AtomicUsize,
    fail: bool,
}

impl Synthesizer for FakeSynth {
    fn synthesize(&self, ids: &[i64], style: &[f32], speed: f32) -> crate::Result<Vec<f32>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return Err(crate::Error::new(
                ErrorKind::Inference,
                "fake inference failure",
            ));
        }
        let n = (ids.len() as f32 * 600.0 / speed) as usize;
        let amp = style.first().copied().unwrap_or(0.1);
        Ok((0..n)
            .map(|i| amp * (i as f32 * 0.05).sin() + if i % 7 == 0 { 0.02 } else { 0.0 })
            .collect())
    }
}

fn engine_with(synth: Arc<FakeSynth>) -> Engine {
    Engine::new(Arc::new(FakeFrontend), Arc::new(FakeVoices), synth)
}

fn engine() -> Engine {
    engine_with(Arc::new(FakeSynth::default()))
}

fn read(path: &Path) -> (wav_store::WavInfo, Vec<f32>) {
    wav_store::read_wav(path).expect("valid wav")
}

#[test]
fn generates_a_normalized_24k_wav_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b/hello.wav");
    let g = engine()
        .generate_audio("Hello world.", Some("af_bella"), 1.0, &out)
        .unwrap();
    let (info, samples) = read(&out);
    assert_eq!(g.sample_rate, 24_000);
    assert_eq!(info.sample_rate, 24_000);
    assert_eq!(info.channels, 1);
    assert!((g.duration - info.duration_seconds).abs() < 1e-9);
    let peak = audio_dsp::peak(&samples);
    assert!((peak - 0.891_250_9).abs() < 1e-3, "peak {peak}");
    assert_eq!(g.voice, "af_bella");
    assert!(!g.voice_fell_back);
    // 10 letters x 600 samples (trimmed a little) plus two 50 ms margins.
    assert!(
        g.duration > 0.2 && g.duration < 0.4,
        "duration {}",
        g.duration
    );
}

#[test]
fn empty_and_whitespace_text_are_errors_that_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    for text in ["", "   \n\t "] {
        let e = engine().generate_audio(text, None, 1.0, &out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::EmptyText);
        assert!(e.is_invalid_input());
    }
    assert!(!out.exists());
}

#[test]
fn text_without_speakable_content_is_nothing_to_say() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine()
        .generate_audio("... ,,, !!", None, 1.0, &dir.path().join("x.wav"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NothingToSay);
}

#[test]
fn over_long_text_is_refused() {
    let options = EngineOptions {
        max_text_bytes: 100,
        ..EngineOptions::default()
    };
    let e = engine()
        .with_options(options)
        .synthesize(&"word ".repeat(30), None, 1.0)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TextTooLong);
}

#[test]
fn non_finite_speed_is_an_error_and_others_are_clamped() {
    let e = engine();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert_eq!(
            e.synthesize("Hi.", None, bad).unwrap_err().kind(),
            ErrorKind::InvalidSpeed
        );
    }
    assert_eq!(e.synthesize("Hi.", None, 9.0).unwrap().speed, 2.0);
    assert_eq!(e.synthesize("Hi.", None, -3.0).unwrap().speed, 0.5);
    assert_eq!(e.synthesize("Hi.", None, 0.0).unwrap().speed, 0.5);
}

#[test]
fn faster_speech_is_shorter() {
    let e = engine();
    let slow = e
        .synthesize("A longer sentence to speak.", None, 1.0)
        .unwrap();
    let fast = e
        .synthesize("A longer sentence to speak.", None, 1.5)
        .unwrap();
    assert!(fast.samples.len() < slow.samples.len());
}

#[test]
fn unknown_empty_and_absent_voices_fall_back() {
    let e = engine();
    for v in [Some("zz_nobody"), Some(""), None] {
        let s = e.synthesize("Hi.", v, 1.0).unwrap();
        assert_eq!(s.voice, "af_bella");
        assert!(s.voice_fell_back);
    }
    let s = e.synthesize("Hi.", Some("am_adam"), 1.0).unwrap();
    assert_eq!(s.voice, "am_adam");
}

#[test]
fn sentence_pauses_are_longer_than_clause_pauses() {
    let e = engine();
    let sentence = e.synthesize("abc. def", None, 1.0).unwrap();
    let clause = e.synthesize("abc, def", None, 1.0).unwrap();
    let opts = EngineOptions::default();
    let expected = audio_dsp::pause_samples(opts.sentence_pause, 24_000)
        - audio_dsp::pause_samples(opts.clause_pause, 24_000);
    assert_eq!(sentence.samples.len() - clause.samples.len(), expected);
}

#[test]
fn edges_have_a_consistent_silent_margin() {
    let s = engine().synthesize("Hello there.", None, 1.0).unwrap();
    let margin = audio_dsp::pause_samples(EngineOptions::default().edge_margin, 24_000);
    assert!(s.samples[..margin].iter().all(|&x| x == 0.0));
    assert!(
        s.samples[s.samples.len() - margin..]
            .iter()
            .all(|&x| x == 0.0)
    );
}

#[test]
fn regeneration_overwrites_and_a_failed_one_keeps_the_good_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seg.wav");
    engine()
        .generate_audio("First version.", None, 1.0, &out)
        .unwrap();
    let first = std::fs::read(&out).unwrap();
    engine()
        .generate_audio("Second, longer version.", None, 1.0, &out)
        .unwrap();
    let second = std::fs::read(&out).unwrap();
    assert_ne!(first, second);

    let failing = engine_with(Arc::new(FakeSynth {
        fail: true,
        ..FakeSynth::default()
    }));
    let e = failing
        .generate_audio("Third version.", None, 1.0, &out)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Inference);
    assert_eq!(std::fs::read(&out).unwrap(), second);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no stray files: {names:?}");
}

#[test]
fn outcome_has_the_api_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.wav");
    let ok = Outcome::from(engine().generate_audio("Hi.", None, 1.0, &out));
    let v: serde_json::Value = serde_json::from_str(&ok.to_json()).unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(v["sample_rate"], 24_000);
    assert!(v["duration"].as_f64().unwrap() > 0.0);
    assert_eq!(v["audio_path"], out.display().to_string());
    assert!(v.get("error").is_none());

    let bad = Outcome::from(engine().generate_audio(" ", None, 1.0, &out));
    let v: serde_json::Value = serde_json::from_str(&bad.to_json()).unwrap();
    assert_eq!(v["success"], false);
    assert!(v["error"].as_str().unwrap().contains("empty"));
    assert!(v.get("audio_path").is_none());
}

#[test]
fn segments_land_at_their_paths_in_order_and_bad_ids_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let layout = wav_store::MediaLayout::new(dir.path(), "/media/");
    let seg = |id: &str, text: &str| SegmentRequest {
        id: id.to_string(),
        text: text.to_string(),
        voice: None,
        speed: None,
    };
    let request = ProjectRequest {
        project_id: "proj-1".to_string(),
        segments: vec![
            seg("s1", "One."),
            seg("../evil", "Two."),
            seg("s3", "Three."),
            seg("s4", " "),
        ],
    };
    let calls = AtomicUsize::new(0);
    let outs = engine().generate_segments(&layout, &request, 3, |_, _| {
        calls.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    let ids: Vec<_> = outs.iter().map(|o| o.segment_id.as_str()).collect();
    assert_eq!(ids, ["s1", "../evil", "s3", "s4"]);
    let ok: Vec<bool> = outs.iter().map(|o| o.outcome.success).collect();
    assert_eq!(ok, [true, false, true, false]);
    assert!(dir.path().join("projects/proj-1/audio/s1.wav").is_file());
    assert!(dir.path().join("projects/proj-1/audio/s3.wav").is_file());
    assert!(!dir.path().join("projects/evil.wav").exists());
}

#[test]
fn eight_threads_by_25_generations_on_one_engine() {
    let dir = tempfile::tempdir().unwrap();
    let synth = Arc::new(FakeSynth::default());
    let engine = engine_with(Arc::clone(&synth));
    std::thread::scope(|s| {
        for t in 0..8 {
            let engine = &engine;
            let dir = dir.path();
            s.spawn(move || {
                for i in 0..25 {
                    let out = dir.join(format!("t{t}-{i}.wav"));
                    let g = engine
                        .generate_audio("Thread text, with a clause.", None, 1.0, &out)
                        .unwrap();
                    assert!(wav_store::validate_wav(&g.audio_path).is_ok());
                }
            });
        }
    });
    assert_eq!(synth.calls.load(Ordering::SeqCst), 8 * 25 * 2);
}
