//! Unit tests of the whole pipeline behind the traits, with fake parts: no model, no runtime.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::traits::{Frontend, Pause, Synthesizer, TextPiece, Voice, VoiceChoice, Voices};
use crate::{
    Engine, EngineBuilder, EngineOptions, ErrorKind, Outcome, ProjectRequest, Request,
    SegmentOptions, SegmentRequest,
};

/// Splits at `.` and `,`; one id per letter or digit ([`letter_id`]); fails on `#`.
pub(crate) struct FakeFrontend;

impl Frontend for FakeFrontend {
    fn pieces(&self, text: &str, _lang: crate::Language) -> crate::Result<Vec<TextPiece>> {
        if text.contains('#') {
            return Err(crate::Error::new(
                ErrorKind::Tokenize,
                "fake front end refuses `#`",
            ));
        }
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

    /// Each run of letters and digits is a word; its ids are its letters (one id each).
    fn pieces_with_words(
        &self,
        text: &str,
        lang: crate::Language,
    ) -> crate::Result<Vec<TextPiece>> {
        let mut pieces = self.pieces(text, lang)?;
        let mut at = 0;
        for piece in &mut pieces {
            let Some(found) = text[at..].find(&piece.text) else {
                continue;
            };
            let base = at + found;
            at = base + piece.text.len();
            let mut id = 0;
            let mut word: Option<(usize, usize)> = None; // (byte start, first id)
            for (i, c) in piece.text.char_indices().chain([(piece.text.len(), ' ')]) {
                if c.is_alphanumeric() {
                    word.get_or_insert((i, id));
                    id += 1;
                } else if let Some((start, first)) = word.take() {
                    piece.words.push(crate::traits::PieceWord {
                        text: base + start..base + i,
                        tokens: first..id,
                    });
                }
            }
        }
        Ok(pieces)
    }
}

/// The id the fake front end gives a letter or digit.
pub(crate) fn letter_id(c: char) -> i64 {
    i64::from(u32::from(c) % 100 + 1)
}

fn push_piece(out: &mut Vec<TextPiece>, text: &str, pause_after: Pause) {
    let ids: Vec<i64> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(letter_id)
        .collect();
    if !ids.is_empty() {
        out.push(TextPiece {
            text: text.to_string(),
            ids,
            pause_after,
            words: Vec::new(),
        });
    }
}

struct FakeVoices;

impl Voices for FakeVoices {
    /// Blends are refused, six ids are known, others fall back to `af_bella`; `am_broken`'s pack
    /// is corrupt. Row `n - 1` (for `n` tokens) of a pack is `base + n * 1e-4` (`base` 0.2 for
    /// `am_adam`, else 0.1).
    fn resolve(&self, requested: Option<&str>) -> crate::Result<Voice> {
        let choice = match requested {
            Some(v) if v.contains(':') => {
                return Err(crate::Error::new(
                    ErrorKind::Voice,
                    format!("fake voices refuse the blend {v:?}"),
                ));
            }
            Some(
                v @ ("af_bella" | "am_adam" | "am_broken" | "bf_emma" | "ff_siwis" | "xx_custom"),
            ) => VoiceChoice {
                voice: v.to_string(),
                fell_back: false,
            },
            _ => VoiceChoice {
                voice: "af_bella".to_string(),
                fell_back: true,
            },
        };
        if choice.voice == "am_broken" {
            return Err(crate::Error::new(
                ErrorKind::Voice,
                "fake voice pack am_broken is corrupt",
            ));
        }
        let base = if choice.voice == "am_adam" { 0.2 } else { 0.1 };
        let values = (1..=510)
            .flat_map(|n| std::iter::repeat_n(base + n as f32 * 1e-4, 256))
            .collect();
        let rows = crate::traits::VoicePack::from_values(&choice.voice, values).unwrap();
        Ok(Voice::new(choice, Arc::new(rows)))
    }
}

/// `per_token` samples per token at speed 1 (600 by default), a tone whose amplitude comes from
/// the style; pieces starting with `q` are silent. Can be told to fail or return NaN at the n-th
/// call, and records what it saw.
struct FakeSynth {
    calls: AtomicUsize,
    per_token: usize,
    fail: bool,
    fail_at: Option<usize>,
    nan_at: Option<usize>,
    /// The most ids one call received.
    max_ids: AtomicUsize,
    /// When set: the largest total size of spool files found in this directory at a call.
    watch_dir: Option<std::path::PathBuf>,
    max_spool_bytes: AtomicUsize,
}

impl Default for FakeSynth {
    fn default() -> Self {
        Self {
            calls: AtomicUsize::new(0),
            per_token: 600,
            fail: false,
            fail_at: None,
            nan_at: None,
            max_ids: AtomicUsize::new(0),
            watch_dir: None,
            max_spool_bytes: AtomicUsize::new(0),
        }
    }
}

/// The id the fake front end gives `q` ([`letter_id`]): pieces starting with it are silent.
const SILENT_ID: i64 = 14;

fn spool_bytes(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().contains(".spool."))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len() as usize)
                .sum()
        })
        .unwrap_or(0)
}

impl FakeSynth {
    fn tone(&self, ids: &[i64], style: &[f32], speed: f32) -> crate::Result<Vec<f32>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        self.max_ids.fetch_max(ids.len(), Ordering::SeqCst);
        if let Some(dir) = &self.watch_dir {
            self.max_spool_bytes
                .fetch_max(spool_bytes(dir), Ordering::SeqCst);
        }
        if self.fail || self.fail_at == Some(call) {
            return Err(crate::Error::new(
                ErrorKind::Inference,
                "fake inference failure",
            ));
        }
        let n = (ids.len() as f32 * self.per_token as f32 / speed) as usize;
        if ids.first() == Some(&SILENT_ID) {
            return Ok(vec![0.0; n]);
        }
        let amp = style.first().copied().unwrap_or(0.1);
        let mut audio: Vec<f32> = (0..n)
            .map(|i| amp * (i as f32 * 0.05).sin() + if i % 7 == 0 { 0.02 } else { 0.0 })
            .collect();
        if self.nan_at == Some(call)
            && let Some(x) = audio.get_mut(n / 2)
        {
            *x = f32::NAN;
        }
        Ok(audio)
    }
}

impl Synthesizer for FakeSynth {
    /// Durations when each id is a whole number of frames: 0 for the pads, the rest per id.
    fn synthesize(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        _callers: usize,
    ) -> crate::Result<crate::traits::TimedAudio> {
        let audio = self.tone(ids, style, speed)?;
        let per_id = self.per_token as f32 / speed;
        let frames = if per_id % 600.0 == 0.0 {
            let per_id = (per_id / 600.0) as u32;
            Ok(std::iter::once(0)
                .chain(ids.iter().map(|_| per_id))
                .chain([0])
                .collect())
        } else {
            Err("the fake gives durations only for whole frames".to_owned())
        };
        Ok(crate::traits::TimedAudio { audio, frames })
    }
}

fn builder_with(synth: Arc<FakeSynth>) -> EngineBuilder {
    Engine::builder(Arc::new(FakeFrontend), Arc::new(FakeVoices), synth)
}

fn engine_with(synth: Arc<FakeSynth>) -> Engine {
    builder_with(synth).build()
}

fn builder() -> EngineBuilder {
    builder_with(Arc::new(FakeSynth::default()))
}

fn engine() -> Engine {
    builder().build()
}

fn read(path: &Path) -> (wav_store::WavInfo, Vec<f32>) {
    wav_store::read_wav(path).expect("valid wav")
}

#[test]
fn generates_a_normalized_24k_wav_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b/hello.wav");
    let g = engine()
        .generate(&Request::text("Hello world.").with_voice("af_bella"), &out)
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
        let e = engine().generate(&Request::text(text), &out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::EmptyText);
        assert!(e.is_invalid_input());
    }
    assert!(!out.exists());
}

#[test]
fn text_without_speakable_content_is_nothing_to_say() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine()
        .generate(&Request::text("... ,,, !!"), &dir.path().join("x.wav"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NothingToSay);
}

#[test]
fn over_long_text_is_refused() {
    let options = EngineOptions {
        max_text_bytes: 100,
        ..EngineOptions::default()
    };
    let e = builder()
        .options(options)
        .build()
        .synthesize(&Request::text("word ".repeat(30)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TextTooLong);
}

#[test]
fn non_finite_speed_is_an_error_and_others_are_clamped() {
    let e = engine();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert_eq!(
            e.synthesize(&Request::text("Hi.").with_speed(bad))
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidSpeed
        );
    }
    assert_eq!(
        e.synthesize(&Request::text("Hi.").with_speed(9.0))
            .unwrap()
            .speed,
        2.0
    );
    assert_eq!(
        e.synthesize(&Request::text("Hi.").with_speed(-3.0))
            .unwrap()
            .speed,
        0.5
    );
    assert_eq!(
        e.synthesize(&Request::text("Hi.").with_speed(0.0))
            .unwrap()
            .speed,
        0.5
    );
}

#[test]
fn faster_speech_is_shorter() {
    let e = engine();
    let slow = e
        .synthesize(&Request::text("A longer sentence to speak."))
        .unwrap();
    let fast = e
        .synthesize(&Request::text("A longer sentence to speak.").with_speed(1.5))
        .unwrap();
    assert!(fast.samples.len() < slow.samples.len());
}

#[test]
fn unknown_empty_and_absent_voices_fall_back() {
    let e = engine();
    for v in [Some("zz_nobody"), Some(""), None] {
        let mut request = Request::text("Hi.");
        request.voice = v.map(str::to_owned);
        let s = e.synthesize(&request).unwrap();
        assert_eq!(s.voice, "af_bella");
        assert!(s.voice_fell_back);
    }
    let s = e
        .synthesize(&Request::text("Hi.").with_voice("am_adam"))
        .unwrap();
    assert_eq!(s.voice, "am_adam");
}

#[test]
fn sentence_pauses_are_longer_than_clause_pauses() {
    let e = engine();
    let sentence = e.synthesize(&Request::text("abc. def")).unwrap();
    let clause = e.synthesize(&Request::text("abc, def")).unwrap();
    let opts = EngineOptions::default();
    let expected = audio_dsp::pause_samples(opts.sentence_pause, 24_000)
        - audio_dsp::pause_samples(opts.clause_pause, 24_000);
    assert_eq!(sentence.samples.len() - clause.samples.len(), expected);
}

#[test]
fn edges_have_a_consistent_silent_margin() {
    let s = engine().synthesize(&Request::text("Hello there.")).unwrap();
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
        .generate(&Request::text("First version."), &out)
        .unwrap();
    let first = std::fs::read(&out).unwrap();
    engine()
        .generate(&Request::text("Second, longer version."), &out)
        .unwrap();
    let second = std::fs::read(&out).unwrap();
    assert_ne!(first, second);

    let failing = engine_with(Arc::new(FakeSynth {
        fail: true,
        ..FakeSynth::default()
    }));
    let e = failing
        .generate(&Request::text("Third version."), &out)
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
    let ok = Outcome::from(engine().generate(&Request::text("Hi."), &out));
    let v: serde_json::Value = serde_json::from_str(&ok.to_json()).unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(v["sample_rate"], 24_000);
    assert!(v["duration"].as_f64().unwrap() > 0.0);
    assert_eq!(v["audio_path"], out.display().to_string());
    assert_eq!(v["lang"], "en-us");
    assert!(v.get("error").is_none());
    assert!(v.get("words").is_none(), "no words unless asked: {v}");

    let bad = Outcome::from(engine().generate(&Request::text(" "), &out));
    let v: serde_json::Value = serde_json::from_str(&bad.to_json()).unwrap();
    assert_eq!(v["success"], false);
    assert!(v["error"].as_str().unwrap().contains("empty"));
    assert!(v.get("audio_path").is_none());
    assert!(v.get("lang").is_none());
}

/// Splits like [`FakeFrontend`] and records the language of every call.
#[derive(Default)]
struct LangRecorder(std::sync::Mutex<Vec<crate::Language>>);

impl Frontend for LangRecorder {
    fn pieces(&self, text: &str, lang: crate::Language) -> crate::Result<Vec<TextPiece>> {
        self.0.lock().unwrap().push(lang);
        FakeFrontend.pieces(text, lang)
    }

    fn pieces_with_words(
        &self,
        text: &str,
        lang: crate::Language,
    ) -> crate::Result<Vec<TextPiece>> {
        self.0.lock().unwrap().push(lang);
        FakeFrontend.pieces_with_words(text, lang)
    }
}

#[test]
fn the_language_spoken_is_the_requests_else_the_voices_else_english() {
    use crate::Language;
    let frontend = Arc::new(LangRecorder::default());
    let e = Engine::builder(
        Arc::clone(&frontend) as Arc<dyn Frontend>,
        Arc::new(FakeVoices),
        Arc::new(FakeSynth::default()),
    )
    .build();
    let hi = || Request::text("Hi.");
    for (request, lang) in [
        (hi(), Language::EnglishUs),
        (hi().with_voice("bf_emma"), Language::EnglishGb),
        (hi().with_voice("ff_siwis"), Language::French),
        (hi().with_voice("zz_nobody"), Language::EnglishUs),
        (hi().with_voice("xx_custom"), Language::EnglishUs),
        (hi().with_lang(Language::Spanish), Language::Spanish),
        (
            hi().with_voice("bf_emma").with_lang(Language::EnglishUs),
            Language::EnglishUs,
        ),
    ] {
        let s = e.synthesize(&request).unwrap();
        assert_eq!(s.lang, lang, "{request:?}");
        assert_eq!(s.words, None, "{request:?}");
        assert_eq!(
            frontend.0.lock().unwrap().last(),
            Some(&lang),
            "{request:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gb.wav");
    let g = e
        .generate(&hi().with_voice("bf_emma").with_word_timings(true), &out)
        .unwrap();
    assert_eq!(g.lang, Language::EnglishGb);
    let v = serde_json::to_value(&g).unwrap();
    assert_eq!(v["lang"], "en-gb");
    assert_eq!(Outcome::from(Ok(g)).lang.as_deref(), Some("en-gb"));
}

#[test]
fn an_outcome_with_words_round_trips_through_json() {
    let outcome = Outcome {
        words: Some(vec![crate::WordTiming {
            text: "Hi".to_string(),
            start: 0.05,
            end: 0.3,
        }]),
        lang: Some("en-us".to_string()),
        ..Outcome::failure("x")
    };
    let json = outcome.to_json();
    assert!(
        json.contains(r#""words":[{"text":"Hi","start":0.05,"end":0.3}]"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), outcome);
}

/// A project of `(id, text)` segments in the default voice and speed.
pub(crate) fn project(project_id: &str, segments: &[(&str, &str)]) -> ProjectRequest {
    ProjectRequest {
        project_id: project_id.to_string(),
        segments: segments
            .iter()
            .map(|(id, text)| SegmentRequest {
                id: (*id).to_string(),
                text: (*text).to_string(),
                voice: None,
                speed: None,
                lang: None,
            })
            .collect(),
    }
}

/// A temporary media root and its layout, served under `/media/`.
fn media() -> (tempfile::TempDir, wav_store::MediaLayout) {
    let dir = tempfile::tempdir().unwrap();
    let layout = wav_store::MediaLayout::new(dir.path(), "/media/");
    (dir, layout)
}

#[test]
fn segments_land_at_their_paths_in_order_and_bad_ids_fail_alone() {
    let (dir, layout) = media();
    let request = project(
        "proj-1",
        &[
            ("s1", "One."),
            ("../evil", "Two."),
            ("s3", "Three."),
            ("s4", " "),
        ],
    );
    let calls = AtomicUsize::new(0);
    let outs = engine().generate_segments(
        &layout,
        &request,
        &SegmentOptions::default().with_workers(3),
        |_, _| {
            calls.fetch_add(1, Ordering::SeqCst);
        },
    );
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
                        .generate(&Request::text("Thread text, with a clause."), &out)
                        .unwrap();
                    assert!(wav_store::validate_wav(&g.audio_path).is_ok());
                }
            });
        }
    });
    assert_eq!(synth.calls.load(Ordering::SeqCst), 8 * 25 * 2);
}

// ---------------------------------------------------------------------------------------------
// Reliability (issue 5): streaming equals in-memory, bounded memory, nothing lost, races.
// ---------------------------------------------------------------------------------------------

fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Texts whose pieces are silent at the start, in the middle and at the end (pieces starting
/// with `q`), a single piece, clause and sentence pauses.
const STREAM_TEXTS: &[&str] = &[
    "Hello world.",
    "One piece only",
    "qqq. Hello there, world. qq, again and again. The end",
    "First, second, third. qq",
    "Mixed. Sentences, and clauses; q. Then more.",
];

#[test]
fn streamed_file_equals_in_memory_synthesis() {
    let dir = tempfile::tempdir().unwrap();
    let long = "A sentence of a story, with a clause. ".repeat(40);
    let texts = STREAM_TEXTS
        .iter()
        .copied()
        .chain(std::iter::once(long.as_str()));
    for format in [
        wav_store::SampleFormat::Float32,
        wav_store::SampleFormat::Pcm16,
    ] {
        let e = builder()
            .options(EngineOptions {
                format,
                ..EngineOptions::default()
            })
            .build();
        for (i, text) in texts.clone().enumerate() {
            for speed in [1.0, 1.7] {
                let memory = e
                    .synthesize(&Request::text(text).with_voice("am_adam").with_speed(speed))
                    .unwrap();
                let streamed = dir.path().join(format!("{format:?}-{i}-{speed}.wav"));
                let g = e
                    .generate(
                        &Request::text(text).with_voice("am_adam").with_speed(speed),
                        &streamed,
                    )
                    .unwrap();
                assert_eq!(g.pieces, memory.pieces);
                let (_, samples) = read(&streamed);
                if format == wav_store::SampleFormat::Float32 {
                    assert_eq!(samples.len(), memory.samples.len(), "{text:?}");
                    let worst = samples
                        .iter()
                        .zip(&memory.samples)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0f32, f32::max);
                    assert!(worst <= 1e-7, "{text:?}: differs by {worst}");
                }
                // The same samples through the in-memory writer give the same bytes.
                let saved = dir.path().join(format!("{format:?}-{i}-{speed}-saved.wav"));
                memory.save(&saved, format).unwrap();
                assert_eq!(
                    std::fs::read(&saved).unwrap(),
                    std::fs::read(&streamed).unwrap(),
                    "{format:?} {text:?}"
                );
            }
        }
    }
    assert!(
        dir_names(dir.path()).iter().all(|n| n.ends_with(".wav")),
        "no stray temporary files"
    );
}

/// About 1 MB of prose: sentences and clauses of ordinary words.
fn megabyte_of_prose() -> String {
    let sentences = [
        "The old lighthouse keeper climbed the stairs, counting every step as he went. ",
        "Below him the sea rolled in, grey and patient; it had waited for centuries. ",
        "Nobody in the village remembered when the lamp had last gone dark. ",
        "She opened the letter slowly, afraid of what the careful handwriting would say. ",
    ];
    let mut text = String::with_capacity(1 << 20);
    let mut i = 0;
    while text.len() < 1_000_000 {
        text.push_str(sentences[i % sentences.len()]);
        i += 1;
    }
    text
}

#[test]
fn a_megabyte_of_prose_streams_piece_by_piece_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("long.wav");
    let synth = Arc::new(FakeSynth {
        per_token: 3,
        watch_dir: Some(dir.path().to_path_buf()),
        ..FakeSynth::default()
    });
    // Short pauses keep the file small; the structure (pieces, pauses, margins) is unchanged.
    let options = EngineOptions {
        sentence_pause: 0.002,
        clause_pause: 0.001,
        word_pause: 0.0005,
        edge_margin: 0.005,
        ..EngineOptions::default()
    };
    let e = builder_with(Arc::clone(&synth)).options(options).build();
    let text = megabyte_of_prose();
    let g = e.generate(&Request::text(&text), &out).unwrap();

    let pieces = synth.calls.load(Ordering::SeqCst);
    assert_eq!(g.pieces, pieces);
    assert!(pieces > 10_000, "split into {pieces} pieces");
    assert!(synth.max_ids.load(Ordering::SeqCst) < 100);
    let info = wav_store::validate_wav(&out).unwrap();
    let file_bytes = info.frames as usize * 4;
    assert!(file_bytes > 4_000_000, "{file_bytes} bytes of audio");
    // The engine does not accumulate the audio: by the last inference call nearly all of it is
    // already on disk in the spool (an in-memory join would leave no spool at all).
    let spooled = synth.max_spool_bytes.load(Ordering::SeqCst);
    assert!(
        spooled > file_bytes * 9 / 10,
        "only {spooled} of {file_bytes} bytes were spooled before the last piece"
    );
    assert_eq!(dir_names(dir.path()), ["long.wav"]);
}

/// A name, an engine, text, voice, speed and the error kind expected.
type FaultCase<'a> = (&'a str, Engine, &'a str, Option<&'a str>, f32, ErrorKind);

/// A good file, then a failure at every step of a re-generation: each error has its kind, and
/// the good file is byte for byte what it was, with no temporary file left beside it.
#[test]
fn a_failed_regeneration_at_any_step_keeps_the_good_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seg.wav");
    engine()
        .generate(&Request::text("The good version, kept."), &out)
        .unwrap();
    let good = std::fs::read(&out).unwrap();
    let failing = |synth: FakeSynth| engine_with(Arc::new(synth));
    let text = "Alpha one. Beta two, gamma three. Delta four.";
    let cases: Vec<FaultCase<'_>> = vec![
        ("empty text", engine(), "", None, 1.0, ErrorKind::EmptyText),
        (
            "blank text",
            engine(),
            " \n\t",
            None,
            1.0,
            ErrorKind::EmptyText,
        ),
        (
            "NaN speed",
            engine(),
            text,
            None,
            f32::NAN,
            ErrorKind::InvalidSpeed,
        ),
        (
            "infinite speed",
            engine(),
            text,
            None,
            f32::INFINITY,
            ErrorKind::InvalidSpeed,
        ),
        (
            "bad blend",
            engine(),
            text,
            Some("af_bella:abc"),
            1.0,
            ErrorKind::Voice,
        ),
        (
            "front end",
            engine(),
            "Tokens # fail.",
            None,
            1.0,
            ErrorKind::Tokenize,
        ),
        (
            "nothing to say",
            engine(),
            "... !!",
            None,
            1.0,
            ErrorKind::NothingToSay,
        ),
        (
            "style",
            engine(),
            text,
            Some("am_broken"),
            1.0,
            ErrorKind::Voice,
        ),
        (
            "first inference",
            failing(FakeSynth {
                fail_at: Some(0),
                ..FakeSynth::default()
            }),
            text,
            None,
            1.0,
            ErrorKind::Inference,
        ),
        (
            "late inference (audio already spooled)",
            failing(FakeSynth {
                fail_at: Some(3),
                ..FakeSynth::default()
            }),
            text,
            None,
            1.0,
            ErrorKind::Inference,
        ),
        (
            "NaN audio",
            failing(FakeSynth {
                nan_at: Some(2),
                ..FakeSynth::default()
            }),
            text,
            None,
            1.0,
            ErrorKind::Inference,
        ),
        (
            "only silence",
            engine(),
            "qq. qqq, qa.",
            None,
            1.0,
            ErrorKind::Inference,
        ),
        (
            "bad peak target",
            builder()
                .options(EngineOptions {
                    target_dbfs: 3.0,
                    ..EngineOptions::default()
                })
                .build(),
            text,
            None,
            1.0,
            ErrorKind::Config,
        ),
    ];
    let n = cases.len();
    for (name, e, text, voice, speed, kind) in cases {
        let request = Request {
            voice: voice.map(str::to_owned),
            ..Request::text(text).with_speed(speed)
        };
        let err = e.generate(&request, &out).unwrap_err();
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert!(!err.to_string().is_empty());
        assert_eq!(
            std::fs::read(&out).unwrap(),
            good,
            "{name}: good file changed"
        );
        assert_eq!(dir_names(dir.path()), ["seg.wav"], "{name}: stray files");
    }
    assert_eq!(n, 13);
}

#[test]
fn unusable_output_paths_are_storage_errors_that_touch_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let synth = Arc::new(FakeSynth::default());
    let e = engine_with(Arc::clone(&synth));
    // A directory as the output path.
    let sub = dir.path().join("a-dir.wav");
    std::fs::create_dir(&sub).unwrap();
    let err = e.generate(&Request::text("Hello."), &sub).unwrap_err();
    assert!(err.is_storage(), "{err}");
    assert!(err.to_string().contains("directory"), "{err}");
    assert!(sub.is_dir());
    // A regular file as the parent directory: not writable even for root (chmod is not).
    let plain = dir.path().join("plain-file");
    std::fs::write(&plain, b"keep me").unwrap();
    let err = e
        .generate(&Request::text("Hello."), &plain.join("x.wav"))
        .unwrap_err();
    assert!(err.is_storage(), "{err}");
    assert_eq!(std::fs::read(&plain).unwrap(), b"keep me");
    // /proc does not take new files.
    let err = e
        .generate(&Request::text("Hello."), Path::new("/proc/kokoro-test.wav"))
        .unwrap_err();
    assert!(err.is_storage(), "{err}");
    // Paths are checked before any inference is spent.
    assert_eq!(synth.calls.load(Ordering::SeqCst), 0);
    assert_eq!(dir_names(dir.path()), ["a-dir.wav", "plain-file"]);
}

#[test]
fn odd_text_is_spoken_or_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine();
    let out = dir.path().join("odd.wav");
    // Control characters around words: spoken.
    let g = e
        .generate(&Request::text("\u{0}Hel\u{7}lo\u{1b}[31m there.\r\n"), &out)
        .unwrap();
    assert!(g.duration > 0.0);
    // Emoji only and punctuation only: nothing to say, and no file.
    let none = dir.path().join("none.wav");
    for text in ["😀🎉🚀", "\u{200b}\u{feff}…"] {
        let err = e.generate(&Request::text(text), &none).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NothingToSay, "{text:?}");
        assert!(err.is_invalid_input());
    }
    assert!(!none.exists());
    // A single 5,000-character word.
    let word = "a".repeat(5_000);
    assert!(e.generate(&Request::text(&word), &out).is_ok());
}

#[test]
fn two_generations_racing_to_one_path_leave_one_complete_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("race.wav");
    let e = engine();
    let texts = [
        "The first contender, short.",
        "The second contender speaks a good deal longer, with clauses, and more.",
    ];
    let expected: Vec<Vec<u8>> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = dir.path().join(format!("expected-{i}.wav"));
            e.generate(&Request::text(*t), &p).unwrap();
            std::fs::read(&p).unwrap()
        })
        .collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    let seen = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let writers: Vec<_> = texts
            .iter()
            .map(|text| {
                let e = &e;
                let out = &out;
                s.spawn(move || {
                    for _ in 0..20 {
                        e.generate(&Request::text(*text), out).unwrap();
                    }
                })
            })
            .collect();
        // A reader never sees a partial file: every time it exists it is one of the two.
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                if let Ok(bytes) = std::fs::read(&out) {
                    assert!(
                        expected.contains(&bytes),
                        "a reader saw a partial or mixed file"
                    );
                    seen.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
    });
    assert!(seen.load(Ordering::SeqCst) > 0);
    assert!(expected.contains(&std::fs::read(&out).unwrap()));
    assert_eq!(
        dir_names(dir.path()),
        ["expected-0.wav", "expected-1.wav", "race.wav"]
    );
}

/// Records the concurrency hint the engine gives its synthesizer.
#[derive(Default)]
struct HintSynth {
    /// Largest `callers` hint seen.
    max_callers: AtomicUsize,
    /// Smallest `callers` hint seen (starts at `usize::MAX`).
    min_callers: AtomicUsize,
    /// Inferences running right now, and the most at once.
    running: AtomicUsize,
    max_running: AtomicUsize,
}

impl Synthesizer for HintSynth {
    fn synthesize(
        &self,
        ids: &[i64],
        _: &[f32],
        _: f32,
        callers: usize,
    ) -> crate::Result<crate::traits::TimedAudio> {
        self.max_callers.fetch_max(callers, Ordering::SeqCst);
        self.min_callers.fetch_min(callers, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(20));
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(crate::traits::TimedAudio {
            audio: (0..ids.len() * 100)
                .map(|i| (i as f32 * 0.05).sin() * 0.3)
                .collect(),
            frames: Err("no durations".to_owned()),
        })
    }
}

fn hint_engine() -> (Engine, Arc<HintSynth>) {
    let synth = Arc::new(HintSynth {
        min_callers: AtomicUsize::new(usize::MAX),
        ..HintSynth::default()
    });
    let engine =
        Engine::builder(Arc::new(FakeFrontend), Arc::new(FakeVoices), synth.clone()).build();
    (engine, synth)
}

/// Forgets the hints seen so far and asserts that a new generation is told it is alone.
fn assert_a_new_caller_is_alone(engine: &Engine, synth: &HintSynth) {
    synth.min_callers.store(usize::MAX, Ordering::SeqCst);
    synth.max_callers.store(0, Ordering::SeqCst);
    engine.synthesize(&Request::text("Alone.")).unwrap();
    assert_eq!(synth.max_callers.load(Ordering::SeqCst), 1);
}

#[test]
fn a_lone_caller_is_told_it_is_alone() {
    let (engine, synth) = hint_engine();
    for _ in 0..3 {
        engine
            .synthesize(&Request::text("One. Two, three."))
            .unwrap();
    }
    assert_eq!(synth.max_callers.load(Ordering::SeqCst), 1);
    assert_eq!(synth.min_callers.load(Ordering::SeqCst), 1);
}

#[test]
fn callers_on_their_own_threads_run_concurrently_and_are_counted() {
    let (engine, synth) = hint_engine();
    let dir = tempfile::tempdir().unwrap();
    let barrier = std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (engine, barrier, dir) = (&engine, &barrier, dir.path());
            s.spawn(move || {
                barrier.wait();
                let out = dir.join(format!("t{t}.wav"));
                engine
                    .generate(&Request::text("Alpha. Beta. Gamma. Delta."), &out)
                    .unwrap();
            });
        }
    });
    // Nothing serializes the callers: their inferences overlap, and the synthesizer hears that
    // several generations are running.
    assert!(synth.max_running.load(Ordering::SeqCst) >= 2);
    assert!(synth.max_callers.load(Ordering::SeqCst) >= 2);
    assert!(synth.max_callers.load(Ordering::SeqCst) <= 4);
    // Once they are done, a new caller is alone again.
    assert_a_new_caller_is_alone(&engine, &synth);
}

#[test]
fn a_batch_counts_its_workers_as_callers_from_its_first_piece_to_its_last() {
    let (engine, synth) = hint_engine();
    let (_dir, layout) = media();
    let request = project(
        "p",
        &[
            ("s1", "One. Two."),
            ("s2", "Three."),
            ("s3", "Four, five. Six."),
        ],
    );
    let outcomes = engine.generate_segments(
        &layout,
        &request,
        &SegmentOptions::default().with_workers(2),
        |_, _| {},
    );
    assert!(outcomes.iter().all(|o| o.outcome.success));
    // Never told it is alone, not at the start nor at the tail (one segment left): the pool keeps
    // a batch on its narrow sessions.
    assert!(synth.min_callers.load(Ordering::SeqCst) >= 2);
    // Once the batch is over, a caller is alone again.
    assert_a_new_caller_is_alone(&engine, &synth);
}

// ---------------------------------------------------------------- word timings

/// The words of `request` on `engine`, in memory and in a written file (they must agree).
fn timed(engine: &Engine, request: &Request) -> (crate::Synthesized, crate::Generated) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("timed.wav");
    let request = request.clone().with_word_timings(true);
    let s = engine.synthesize(&request).unwrap();
    let g = engine.generate(&request, &out).unwrap();
    (s, g)
}

#[test]
fn word_timings_are_on_the_files_timeline_in_order_and_the_same_in_memory_and_on_disk() {
    let e = engine();
    let text = "Hello big world, how are you. Fine thanks";
    let (s, g) = timed(&e, &Request::text(text));
    let words = s.words.clone().unwrap();
    assert_eq!(
        g.words.as_ref(),
        Some(&words),
        "streamed and in-memory agree"
    );
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Hello", "big", "world", "how", "are", "you", "Fine", "thanks"
        ]
    );
    let opts = EngineOptions::default();
    let rate = 24_000.0;
    // The fake's audio starts loud at its first sample: the first word starts after the margin.
    assert!(
        (words[0].start - f64::from(opts.edge_margin)).abs() < 1e-3,
        "{words:?}"
    );
    // One frame (25 ms) per letter at speed 1.
    assert!(
        (words[0].end - words[0].start - 5.0 * 0.025).abs() < 1e-3,
        "{words:?}"
    );
    for pair in words.windows(2) {
        assert!(
            pair[0].start <= pair[0].end && pair[0].end <= pair[1].start,
            "{pair:?}"
        );
    }
    let last = words.last().unwrap();
    let duration = s.samples.len() as f64 / rate;
    assert!((g.duration - duration).abs() < 1e-9);
    // The last word ends where the speech ends, before the trailing margin.
    assert!(last.end <= duration - f64::from(opts.edge_margin) + 1e-3);
    assert!(
        duration - last.end < f64::from(opts.edge_margin) + 0.03,
        "{last:?} of {duration}"
    );
    // The pause after the sentence is silence: "how" starts a sentence pause after "world".
    let gap = words[3].start - words[2].end;
    assert!(gap >= f64::from(opts.clause_pause) - 1e-3, "{gap}");
    // Without the flag, no words and the same audio.
    let plain = e.synthesize(&Request::text(text)).unwrap();
    assert_eq!(plain.words, None);
    assert_eq!(
        plain.samples, s.samples,
        "asking for timings changes no sample"
    );
}

#[test]
fn many_pieces_do_not_drift() {
    let e = engine();
    let text = "Word one. ".repeat(60);
    let (s, _) = timed(&e, &Request::text(&text));
    let words = s.words.unwrap();
    assert_eq!(words.len(), 120);
    // Each sentence: "Word" (4 frames), "one" (3 frames); each piece is its own chunk.
    for w in words.chunks(2) {
        assert!((w[0].end - w[0].start - 0.1).abs() < 1e-6, "{w:?}");
        assert!((w[1].end - w[1].start - 0.075).abs() < 1e-6, "{w:?}");
    }
    let duration = s.samples.len() as f64 / 24_000.0;
    let last = words.last().unwrap();
    assert!(duration - last.end < 0.1, "{last:?} of {duration}");
}

#[test]
fn timings_the_model_cannot_give_are_an_error_and_the_plain_request_still_speaks() {
    // Speed 1.5: the fake's ids are not whole frames, as a model whose durations fail their
    // checks.
    let e = engine();
    let request = Request::text("Hello there.").with_speed(1.5);
    let err = e
        .synthesize(&request.clone().with_word_timings(true))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimingsUnavailable, "{err}");
    assert!(err.to_string().contains("whole frames"), "{err}");
    assert!(e.synthesize(&request).is_ok());
    // A front end that gives no words.
    struct NoWords;
    impl Frontend for NoWords {
        fn pieces(&self, text: &str, lang: crate::Language) -> crate::Result<Vec<TextPiece>> {
            FakeFrontend.pieces(text, lang)
        }
    }
    let e = Engine::builder(
        Arc::new(NoWords),
        Arc::new(FakeVoices),
        Arc::new(FakeSynth::default()),
    )
    .build();
    let err = e
        .synthesize(&Request::text("Hi.").with_word_timings(true))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimingsUnavailable, "{err}");
    assert!(e.synthesize(&Request::text("Hi.")).is_ok());
}

#[test]
fn captions_are_written_next_to_the_wav_validated_and_named_in_the_outcomes() {
    let e = engine();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s1.wav");
    let text = "Hello big world, how are you. Fine thanks.";
    let g = e
        .generate(
            &Request::text(text).with_captions(Some(crate::captions::CaptionFormat::Vtt)),
            &out,
        )
        .unwrap();
    let vtt = dir.path().join("s1.vtt");
    assert_eq!(g.captions_path.as_deref(), Some(vtt.as_path()));
    assert_eq!(g.words, None, "captions alone do not return the words");
    let file = std::fs::read_to_string(&vtt).unwrap();
    crate::captions::validate(&file, crate::captions::CaptionFormat::Vtt).unwrap();
    assert!(
        file.contains("Hello big world, how are you. Fine thanks."),
        "{file}"
    );

    let layout = crate::MediaLayout::new(dir.path(), "/media/");
    let outcomes = e.generate_segments(
        &layout,
        &project("p1", &[("s1", text), ("s2", "")]),
        &crate::SegmentOptions::default()
            .with_word_timings(true)
            .with_captions(Some(crate::captions::CaptionFormat::Srt))
            .with_workers(2),
        |_, _| {},
    );
    let ok = &outcomes[0];
    assert_eq!(
        ok.captions_url.as_deref(),
        Some("/media/projects/p1/audio/s1.srt")
    );
    let path = ok.outcome.captions_path.clone().unwrap();
    assert!(path.ends_with("projects/p1/audio/s1.srt"), "{path}");
    assert_eq!(ok.outcome.words.as_ref().map(Vec::len), Some(8));
    crate::captions::validate(
        &std::fs::read_to_string(&path).unwrap(),
        crate::captions::CaptionFormat::Srt,
    )
    .unwrap();
    let json = serde_json::to_value(&outcomes[1]).unwrap();
    assert!(json.get("captions_url").is_none() && json.get("captions_path").is_none());
}

// ---------------------------------------------------------------- streams

/// The chunks of `request`, every one of them `Ok`.
fn stream_chunks(engine: &Engine, request: &Request) -> Vec<crate::StreamChunk> {
    engine
        .stream(request)
        .unwrap()
        .collect::<crate::Result<Vec<_>>>()
        .unwrap()
}

/// The fake front end cutting the text into parts after each `.` (as the tokenizer reads
/// sentences alone), counting the calls that split text into pieces.
#[derive(Default)]
struct PartsFrontend(AtomicUsize);

impl Frontend for PartsFrontend {
    fn pieces(&self, text: &str, lang: crate::Language) -> crate::Result<Vec<TextPiece>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        FakeFrontend.pieces(text, lang)
    }

    fn pieces_with_words(
        &self,
        text: &str,
        lang: crate::Language,
    ) -> crate::Result<Vec<TextPiece>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        FakeFrontend.pieces_with_words(text, lang)
    }

    fn parts(
        &self,
        text: &str,
        _lang: crate::Language,
    ) -> crate::Result<Vec<std::ops::Range<usize>>> {
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c == '.' {
                parts.push(start..i + 1);
                start = i + 1;
            }
        }
        if start < text.len() {
            parts.push(start..text.len());
        }
        Ok(parts)
    }
}

fn engine_of_parts(frontend: Arc<PartsFrontend>, synth: Arc<FakeSynth>) -> Engine {
    Engine::builder(frontend, Arc::new(FakeVoices), synth).build()
}

#[test]
fn a_stream_is_the_file_before_gain_and_never_louder_than_the_target() {
    // The stream plans its text part by part when the front end cuts it (the file as a whole).
    let parts = engine_of_parts(Arc::default(), Arc::default());
    for e in [engine(), parts] {
        let target = audio_dsp::peak_target(e.parts().options().target_dbfs).unwrap();
        let long = "A sentence of a story, with a clause. ".repeat(40);
        let texts = STREAM_TEXTS
            .iter()
            .copied()
            .chain(std::iter::once(long.as_str()));
        for text in texts {
            for (speed, timed) in [(1.0, true), (1.7, false)] {
                let request = Request::text(text)
                    .with_voice("am_adam")
                    .with_speed(speed)
                    .with_word_timings(timed);
                let file = e.synthesize(&request).unwrap();
                let chunks = stream_chunks(&e, &request);
                // The file's gain, from its own samples (its peak is the target).
                let file_peak = f64::from(audio_dsp::peak(&file.samples));
                assert!((file_peak - target).abs() < 1e-6, "{text:?}");
                let mut unscaled = Vec::new();
                let mut at = 0;
                let mut gain_before = f32::INFINITY;
                for chunk in &chunks {
                    assert_eq!(chunk.start, at, "{text:?}: the chunks follow each other");
                    at += chunk.samples.len() as u64;
                    assert!(chunk.gain <= gain_before, "{text:?}: the gain never rises");
                    gain_before = chunk.gain;
                    let peak = f64::from(audio_dsp::peak(&chunk.samples));
                    assert!(peak <= target + 1e-6, "{text:?}: a chunk peaks at {peak}");
                    unscaled.extend(chunk.samples.iter().map(|&x| f64::from(x / chunk.gain)));
                }
                assert_eq!(unscaled.len(), file.samples.len(), "{text:?}");
                // From the loudest piece on the gain is the file's: the last chunk has it.
                let last_gain = f64::from(chunks.last().unwrap().gain);
                let worst = unscaled
                    .iter()
                    .zip(&file.samples)
                    .map(|(s, f)| (s * last_gain - f64::from(*f)).abs())
                    .fold(0.0, f64::max);
                assert!(worst <= 1e-5, "{text:?} at {speed}: differs by {worst}");
                // One chunk per piece that is not silence, and the track's tail after a silent last
                // piece (the trailing margin) in a chunk of its own, ending with the same piece.
                let n = chunks.len();
                assert!(chunks.windows(2).all(|w| w[0].piece <= w[1].piece));
                assert!(chunks[..n - 1].windows(2).all(|w| w[0].piece < w[1].piece));
                assert!(chunks.last().unwrap().piece < file.pieces);
                if timed {
                    let words: Vec<_> = chunks.iter().flat_map(|c| c.words.clone()).collect();
                    assert_eq!(Some(words), file.words, "{text:?}");
                } else {
                    assert!(chunks.iter().all(|c| c.words.is_empty()));
                }
            }
        }
    }
}

#[test]
fn a_stream_plans_its_text_part_by_part_as_it_goes() {
    let frontend = Arc::new(PartsFrontend::default());
    let synth = Arc::new(FakeSynth::default());
    let e = engine_of_parts(Arc::clone(&frontend), Arc::clone(&synth));
    let text = "One. Two, too. Three. Four. Five.";
    let planned = || frontend.0.load(Ordering::SeqCst);
    let mut stream = e.stream(&Request::text(text)).unwrap();
    assert_eq!(
        (planned(), stream.pieces()),
        (1, 1),
        "the first sentence only"
    );
    stream.next().unwrap().unwrap();
    assert_eq!(
        planned(),
        2,
        "the next sentence, to know the piece was not the last"
    );
    stream.next().unwrap().unwrap();
    assert_eq!(
        (planned(), stream.pieces()),
        (2, 3),
        "its second piece needs no planning"
    );
    let rest = stream.by_ref().collect::<crate::Result<Vec<_>>>().unwrap();
    assert_eq!((planned(), stream.pieces(), rest.len()), (5, 6, 4));
    assert_eq!(synth.calls.load(Ordering::SeqCst), 6);
    // A text whose first parts say nothing: planned until one speaks; none is an error at once.
    let mut stream = e.stream(&Request::text("... . Six.")).unwrap();
    assert_eq!(stream.pieces(), 1);
    assert!(stream.next().unwrap().is_ok());
    let err = e.stream(&Request::text("... . .")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NothingToSay);
}

#[test]
fn a_stream_renders_one_piece_per_chunk_and_nothing_after_it_is_dropped() {
    let synth = Arc::new(FakeSynth::default());
    let e = engine_with(Arc::clone(&synth));
    let text = "One. Two. Three. Four. Five.";
    let mut stream = e.stream(&Request::text(text)).unwrap();
    assert_eq!(stream.pieces(), 5);
    assert_eq!(stream.sample_rate(), 24_000);
    assert_eq!(
        synth.calls.load(Ordering::SeqCst),
        0,
        "planning renders nothing"
    );
    let first = stream.next().unwrap().unwrap();
    assert_eq!((first.piece, first.start), (0, 0));
    assert_eq!(synth.calls.load(Ordering::SeqCst), 1);
    // The stream moves to another thread (a server's blocking task, a Python generator).
    let second = std::thread::spawn(move || {
        let chunk = stream.next().unwrap().unwrap();
        drop(stream);
        chunk
    })
    .join()
    .unwrap();
    assert_eq!(second.piece, 1);
    assert_eq!(second.start, first.samples.len() as u64);
    assert_eq!(
        synth.calls.load(Ordering::SeqCst),
        2,
        "nothing renders after the drop"
    );
    assert_eq!(
        e.active.load(Ordering::SeqCst),
        0,
        "a dropped stream counts no caller"
    );
}

#[test]
fn a_stream_refuses_bad_requests_at_once_and_ends_after_a_failure() {
    let synth = Arc::new(FakeSynth {
        fail_at: Some(1),
        ..FakeSynth::default()
    });
    let e = engine_with(Arc::clone(&synth));
    for bad in [
        Request::text("  "),
        Request::text("Hello.").with_voice("af_bella:1,am_adam:1"),
        Request::text("Hello.").with_speed(f32::NAN),
        Request::text("Hello #."),
    ] {
        assert!(e.stream(&bad).is_err(), "{bad:?}");
    }
    assert_eq!(synth.calls.load(Ordering::SeqCst), 0);
    let mut stream = e.stream(&Request::text("One. Two. Three.")).unwrap();
    assert!(stream.next().unwrap().is_ok());
    let err = stream.next().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Inference);
    assert!(stream.next().is_none());
    assert_eq!(
        synth.calls.load(Ordering::SeqCst),
        2,
        "nothing renders after a failure"
    );
}

/// Several sentences: one piece each with the fake front end.
const MANY_PIECES: &str =
    "Alpha one. Beta two, three. Gamma four. Delta five. Epsilon six. Zeta seven. Eta eight.";

#[test]
fn a_lone_caller_s_pieces_render_at_once_into_the_same_audio_and_words() {
    let one = engine();
    let request = Request::text(MANY_PIECES).with_word_timings(true);
    let alone = one.synthesize(&request).unwrap();
    assert!(alone.pieces >= 5, "{} pieces", alone.pieces);
    for workers in [2, 3, 16] {
        let ahead = builder().default_workers(workers).build();
        let got = ahead.synthesize(&request).unwrap();
        assert_eq!(got, alone, "{workers} workers");
    }
    // The workers are callers of the synthesizer side by side, and say so.
    let synth = Arc::new(HintSynth {
        min_callers: AtomicUsize::new(usize::MAX),
        ..HintSynth::default()
    });
    let engine = Engine::builder(Arc::new(FakeFrontend), Arc::new(FakeVoices), synth.clone())
        .default_workers(3)
        .build();
    engine.synthesize(&Request::text(MANY_PIECES)).unwrap();
    assert!(synth.max_running.load(Ordering::SeqCst) >= 2);
    assert_eq!(synth.max_callers.load(Ordering::SeqCst), 3);
    // A one-piece text, or a caller beside another, renders on its own thread as before.
    assert_a_new_caller_is_alone(&engine, &synth);
}

#[test]
fn a_piece_that_fails_while_others_render_ahead_fails_the_whole_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for fail_at in [0, 2, 6] {
        let synth = Arc::new(FakeSynth {
            fail_at: Some(fail_at),
            ..FakeSynth::default()
        });
        let engine = builder_with(synth.clone()).default_workers(3).build();
        let out = dir.path().join(format!("f{fail_at}.wav"));
        let err = engine
            .generate(&Request::text(MANY_PIECES), &out)
            .unwrap_err();
        assert!(err.to_string().contains("fake inference failure"), "{err}");
        assert!(!out.exists());
        // Workers run at most twice their number of pieces ahead of the one awaited (which
        // failed), and none starts once the failure is seen.
        let calls = synth.calls.load(Ordering::SeqCst);
        assert!(
            calls <= fail_at + 2 * 3,
            "{calls} calls for a failure at {fail_at}"
        );
    }
    let pieces = engine()
        .synthesize(&Request::text(MANY_PIECES))
        .unwrap()
        .pieces;
    assert!(
        pieces > 2 * 3,
        "a failure at the first piece stops before the last: {pieces} pieces"
    );
    assert!(
        dir_names(dir.path()).is_empty(),
        "{:?}",
        dir_names(dir.path())
    );
}
