//! What an operator relies on: failures in the logs, the start-up warning, the cheap availability
//! check, the vocabulary picked from the model itself, URLs in segment outcomes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::tests::{FakeFrontend, letter_id};
use crate::traits::{Synthesizer, TimedAudio, Voice, VoiceChoice, VoicePack, Voices};
use crate::{Engine, EngineConfig, ErrorKind, Request, SegmentOptions, shared};

// ---------------------------------------------------------------- log capture

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(String::from)
            .collect()
    }

    fn at(&self, level: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.split_whitespace().nth(1) == Some(level))
            .collect()
    }
}

/// Runs `f` with the log (info and above, on this thread) captured.
fn capture<T>(f: impl FnOnce() -> T) -> (T, Captured) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    (out, captured)
}

// ---------------------------------------------------------------- fake parts

struct OneVoice;

impl Voices for OneVoice {
    fn resolve(&self, _requested: Option<&str>) -> crate::Result<Voice> {
        let choice = VoiceChoice {
            voice: "af_bella".to_string(),
            fell_back: false,
        };
        let rows = VoicePack::from_values("af_bella", vec![0.1; 256]).unwrap();
        Ok(Voice::new(choice, Arc::new(rows)))
    }
}

/// A tone, or an inference error (with a cause) for text containing `fail`.
struct Tone;

#[derive(Debug, thiserror::Error)]
#[error("onnx runtime said: out of memory")]
struct Cause;

impl Synthesizer for Tone {
    fn synthesize(
        &self,
        ids: &[i64],
        _style: &[f32],
        _speed: f32,
        _callers: usize,
    ) -> crate::Result<TimedAudio> {
        if ids.contains(&letter_id('f')) && ids.contains(&letter_id('l')) {
            return Err(crate::Error::wrap(ErrorKind::Inference, Cause));
        }
        Ok(TimedAudio {
            audio: (0..ids.len() * 600)
                .map(|i| 0.3 * (i as f32 * 0.05).sin())
                .collect(),
            frames: Err("no durations".to_owned()),
        })
    }
}

fn fake_engine() -> Engine {
    Engine::builder(Arc::new(FakeFrontend), Arc::new(OneVoice), Arc::new(Tone)).build()
}

// ---------------------------------------------------------------- 1. logging

#[test]
fn every_failed_generation_is_logged_once_at_error_level_with_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let engine = fake_engine();
    let out = dir.path().join("a.wav");

    let (ok, log) = capture(|| engine.generate(&Request::text("good"), &out));
    assert!(ok.is_ok());
    assert!(log.at("ERROR").is_empty(), "{:?}", log.lines());
    assert_eq!(log.at("INFO").len(), 1, "{:?}", log.lines());
    assert!(log.at("INFO")[0].contains("audio written"));

    let (failed, log) = capture(|| engine.generate(&Request::text("a failing text"), &out));
    assert!(failed.is_err());
    let errors = log.at("ERROR");
    assert_eq!(errors.len(), 1, "{:?}", log.lines());
    assert!(errors[0].contains("out of memory"), "{}", errors[0]);
    assert!(errors[0].contains("Inference"), "{}", errors[0]);
    assert!(errors[0].contains("a.wav"), "{}", errors[0]);

    // Invalid input, a bad segment id, in-memory synthesis and the phoneme path: once each.
    let layout = wav_store::MediaLayout::new(dir.path(), "/media/");
    let (_, log) = capture(|| {
        let _ = engine.generate(&Request::text(" "), &out);
        let _ = engine.generate_segment(&layout, "p", "../x", &Request::text("good"));
        let _ = engine.generate_segment(&layout, "p", "s1", &Request::text("fail"));
        let _ = engine.synthesize(&Request::text("fail"));
        let _ = engine.generate(&Request::phonemes("good"), &out);
    });
    let errors = log.at("ERROR");
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].contains("EmptyText"), "{}", errors[0]);
    assert!(errors[1].contains("InvalidId"), "{}", errors[1]);
    assert!(errors[2].contains("out of memory"), "{}", errors[2]);
    assert!(errors[4].contains("phoneme front end"), "{}", errors[4]);
}

#[test]
fn opening_an_engine_without_its_files_warns_once_naming_the_fix() {
    let empty = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::with_model_dir(empty.path());
    config.defer_session_load = true;
    let (results, log) = capture(|| (Engine::open(&config), Engine::open(&config)));
    assert!(results.0.is_err() && results.1.is_err());
    let warnings = log.at("WARN");
    assert_eq!(warnings.len(), 1, "{:?}", log.lines());
    assert!(
        warnings[0].contains("kokoro fetch-model --dir"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("KOKORO_MODEL_DIR"), "{}", warnings[0]);
    assert!(warnings[0].contains("model"), "{}", warnings[0]);
}

// ---------------------------------------------------------------- 2. availability

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn onnx_fixture(name: &str) -> PathBuf {
    workspace().join("fixtures/onnx").join(name)
}

/// A model directory: `model` copied from the ONNX fixture `fixture`, one voice pack, a runtime
/// file (never opened by these tests) and the given extra files.
fn model_dir(model: &str, fixture: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(onnx_fixture(fixture), dir.path().join(model)).unwrap();
    std::fs::create_dir_all(dir.path().join("voices")).unwrap();
    std::fs::write(dir.path().join("voices/af_bella.bin"), vec![0u8; 1024]).unwrap();
    std::fs::create_dir_all(dir.path().join("onnxruntime")).unwrap();
    std::fs::write(
        dir.path().join("onnxruntime/libonnxruntime.so.1.32.0"),
        b"not opened",
    )
    .unwrap();
    for (name, text) in extra {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn config_for(dir: &Path) -> EngineConfig {
    let mut config = EngineConfig::with_model_dir(dir);
    config.defer_session_load = true;
    config
}

/// The tests that count or make session loads run one at a time.
static SESSION_LOADS: Mutex<()> = Mutex::new(());

#[test]
fn availability_checks_every_file_and_loads_nothing() {
    let _serial = SESSION_LOADS.lock().unwrap_or_else(|p| p.into_inner());
    let loads = kokoro_session::load_count();
    let dir = model_dir("kokoro-v0_19.onnx", "tiny-kokoro.onnx", &[]);
    let config = config_for(dir.path());
    let a = crate::health::check_availability(&config);
    assert!(a.available, "{a}");
    assert!(a.vocab.found().unwrap().contains("v0.19"), "{a:?}");
    assert!(a.voices.found().unwrap().starts_with("1 voices"), "{a:?}");
    let info = crate::health::engine_info(&config);
    assert!(info.model_available);
    assert!(
        !info.contract.is_found(),
        "info reads no contract unless asked"
    );
    // `kokoro info` prints what it always printed: JSON `{"Ok": ..}` / `{"Err": ..}`; text with
    // what was found, and the contract's own reason.
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["model"]["Ok"].as_str(), info.model.found());
    assert_eq!(json["contract"]["Err"].as_str(), info.contract.missing());
    let text = info.to_string();
    let model_line = format!("model:      {}\n", info.model.found().unwrap());
    assert!(text.contains(&model_line), "{text}");
    assert!(text.contains("\ncontract:   not read ("), "{text}");
    assert_eq!(kokoro_session::load_count(), loads, "nothing was loaded");

    // Each missing piece makes it unavailable and is named.
    type BreakIt<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, BreakIt<'_>, &str); 4] = [
        (
            "voices",
            &|d| std::fs::remove_file(d.join("voices/af_bella.bin")).unwrap(),
            "voices:",
        ),
        (
            "runtime",
            &|d| std::fs::remove_dir_all(d.join("onnxruntime")).unwrap(),
            "runtime:",
        ),
        (
            "vocab",
            &|d| {
                std::fs::rename(d.join("kokoro-v0_19.onnx"), d.join("model.onnx")).unwrap();
            },
            "vocab:",
        ),
        (
            "model",
            &|d| std::fs::remove_file(d.join("kokoro-v0_19.onnx")).unwrap(),
            "model:",
        ),
    ];
    for (what, break_it, named) in cases {
        let dir = model_dir("kokoro-v0_19.onnx", "tiny-kokoro.onnx", &[]);
        break_it(dir.path());
        let mut config = config_for(dir.path());
        if what == "runtime" {
            // Not left to the system loader (which might have one): a named file that is gone.
            config.session.runtime_library = Some(dir.path().join("onnxruntime/libonnxruntime.so"));
        }
        let a = crate::health::check_availability(&config);
        assert!(!a.available, "{what}: {a}");
        let problems = a.problems().join("\n");
        assert!(problems.contains(named), "{what}: {problems}");
        let shown = crate::health::engine_info(&config).to_string();
        let missing = format!("{named}{}MISSING: ", " ".repeat(12 - named.len()));
        assert!(shown.contains(&missing), "{what}: {shown}");
        assert!(problems.contains("fetch-model"), "{what}: {problems}");
    }
    assert_eq!(kokoro_session::load_count(), loads, "nothing was loaded");
}

// ---------------------------------------------------------------- 4. vocabulary

/// The vocabulary of the engine of `dir` (`V1_0` or `V0_19`), told by the ids it gives phonemes
/// that one has and the other lacks or numbers differently.
fn vocab_of(dir: &Path) -> crate::Result<String> {
    Engine::open(&config_for(dir)).map(|e| vocab_of_engine(&e))
}

fn vocab_of_engine(engine: &Engine) -> String {
    use kokoro_tokenize::Vocab;
    let (v1, v0) = (Vocab::v1_0(), Vocab::v0_19());
    let probe: String = "ABCʦʨəɚˈ"
        .chars()
        .filter(|&c| v1.id(c) != v0.id(c))
        .collect();
    assert_ne!(
        v1.encode(&probe).ids,
        v0.encode(&probe).ids,
        "the probe {probe:?} does not tell the vocabularies apart"
    );
    let ids = &engine
        .prepare(&Request::phonemes(probe.as_str()))
        .unwrap()
        .pieces[0]
        .ids;
    if *ids == v1.encode(&probe).ids {
        "V1_0".to_owned()
    } else if *ids == v0.encode(&probe).ids {
        "V0_19".to_owned()
    } else {
        format!("neither vocabulary: {ids:?}")
    }
}

const V1_CONFIG: &str = include_str!("../../kokoro-tokenize/data/kokoro-v1.0-config.json");

#[test]
fn the_vocabulary_comes_from_the_model_itself() {
    // The spec's model, hand-placed without manifest.json: v0.19, whatever config.json says.
    let d = model_dir("kokoro-v0_19.onnx", "tiny-kokoro.onnx", &[]);
    assert!(vocab_of(d.path()).unwrap().contains("V0_19"));
    let d = model_dir(
        "kokoro-v0_19.onnx",
        "tiny-kokoro.onnx",
        &[("config.json", V1_CONFIG)],
    );
    assert!(vocab_of(d.path()).unwrap().contains("V0_19"));
    assert!(
        crate::health::engine_info(&config_for(d.path()))
            .vocab
            .contains("file name kokoro-v0_19.onnx")
    );
    // v1.0 by name; by config.json next to an anonymous model.
    let d = model_dir("kokoro-v1.0.onnx", "tiny-kokoro.onnx", &[]);
    assert!(vocab_of(d.path()).unwrap().contains("V1_0"));
    let d = model_dir(
        "model.onnx",
        "tiny-kokoro.onnx",
        &[("config.json", V1_CONFIG)],
    );
    assert!(vocab_of(d.path()).unwrap().contains("V1_0"));
    // The manifest's vocab, for the manifest's model.
    let manifest =
        r#"{"variant": "custom", "vocab": "v0.19", "model": "model.onnx", "voices": "voices"}"#;
    let d = model_dir(
        "model.onnx",
        "tiny-kokoro.onnx",
        &[("manifest.json", manifest), ("config.json", V1_CONFIG)],
    );
    assert!(vocab_of(d.path()).unwrap().contains("V0_19"));
    // A manifest whose model is gone does not speak for the model found instead.
    let manifest = r#"{"variant": "v1.0-int8", "vocab": "v1.0", "model": "kokoro-v1.0.int8.onnx", "voices": "voices"}"#;
    let d = model_dir(
        "kokoro-v0_19.onnx",
        "tiny-kokoro.onnx",
        &[("manifest.json", manifest)],
    );
    assert!(vocab_of(d.path()).unwrap().contains("V0_19"));
}

/// The ONNX Runtime to load fixtures with, or `None` after a loud skip message.
#[allow(clippy::panic)]
fn real_runtime(test: &str) -> Option<PathBuf> {
    // As the engine finds it (ORT_DYLIB_PATH, the manifest's, `onnxruntime/`), in the model
    // directory of KOKORO_MODEL_DIR or the workspace's; a file, not a name for the system loader.
    let dirs = [
        std::env::var_os("KOKORO_MODEL_DIR").map(PathBuf::from),
        Some(workspace().join("models")),
    ];
    let found = dirs.iter().flatten().find_map(|d| {
        kokoro_session::locate_runtime(&kokoro_session::SessionConfig::new().with_model_dir(d))
            .ok()
            .filter(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("KOKORO_REQUIRE_RUNTIME").as_deref() == Ok("1") {
            panic!("KOKORO_REQUIRE_RUNTIME=1 but there is no onnx runtime library");
        }
        eprintln!(
            "\n==================== SKIPPED: {test}: no onnx runtime (ORT_DYLIB_PATH, KOKORO_MODEL_DIR/onnxruntime, models/onnxruntime) ====================\n"
        );
    }
    found
}

#[test]
fn an_unknown_model_is_refused_loudly_unless_its_contract_tells() {
    let _serial = SESSION_LOADS.lock().unwrap_or_else(|p| p.into_inner());
    // No runtime at all: the files do not tell, and the model cannot be loaded to read its
    // contract either: a loud error, not the v1.0 guess.
    let d = model_dir("model.onnx", "tiny-kokoro.onnx", &[]);
    let mut config = config_for(d.path());
    config.session.runtime_library = Some(d.path().join("no-such-runtime.so"));
    let err = Engine::open(&config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(
        err.to_string().contains("cannot tell which vocabulary"),
        "{err}"
    );
    assert!(err.to_string().contains("kokoro-v0_19.onnx"), "{err}");
    let a = crate::health::check_availability(&config_for(d.path()));
    assert!(!a.available);
    assert!(
        a.vocab
            .missing()
            .unwrap()
            .contains("cannot tell which vocabulary"),
        "the cheap check says so too"
    );

    let Some(runtime) =
        real_runtime("an_unknown_model_is_refused_loudly_unless_its_contract_tells")
    else {
        return;
    };
    // The kokoro-onnx contract exists for both generations: still refused.
    let mut config = config_for(d.path());
    config.session.runtime_library = Some(runtime.clone());
    let err = Engine::open(&config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(
        err.to_string().contains("cannot tell which vocabulary"),
        "{err}"
    );
    // hexgrad's int32 export is v1.0 only: its contract decides.
    let d = model_dir("model.onnx", "tiny-int-speed.onnx", &[]);
    let mut config = config_for(d.path());
    config.session.runtime_library = Some(runtime);
    let engine = Engine::open(&config).unwrap();
    assert_eq!(vocab_of_engine(&engine), "V1_0");
}

#[test]
fn the_shared_engine_is_one_per_configuration_and_a_failed_open_is_not_kept() {
    let d = model_dir("kokoro-v1.0.onnx", "tiny-kokoro.onnx", &[]);
    let config = config_for(d.path());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let config = config.clone();
            std::thread::spawn(move || Engine::shared(&config).unwrap())
        })
        .collect();
    let engines: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(engines.iter().all(|e| Arc::ptr_eq(e, &engines[0])));
    // Another setting is another engine; an equal configuration is the same one.
    let mut other = config.clone();
    other.espeak = Some(false);
    let other_engine = Engine::shared(&other).unwrap();
    assert!(!Arc::ptr_eq(&other_engine, &engines[0]));
    assert!(Arc::ptr_eq(&Engine::shared(&config).unwrap(), &engines[0]));

    // Without the files the open fails, every time, until they are there.
    let empty = tempfile::tempdir().unwrap();
    let missing = config_for(empty.path());
    assert!(Engine::shared(&missing).is_err());
    assert!(Engine::shared(&missing).is_err());
    let filled = model_dir("kokoro-v1.0.onnx", "tiny-kokoro.onnx", &[]);
    for entry in std::fs::read_dir(filled.path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::rename(entry.path(), empty.path().join(entry.file_name())).unwrap();
    }
    assert!(Engine::shared(&missing).is_ok());
}

#[test]
fn a_voice_is_resolved_by_the_shared_engine_or_among_the_fallback_voices() {
    let d = model_dir("kokoro-v1.0.onnx", "tiny-kokoro.onnx", &[]);
    let config = config_for(d.path());
    let resolve = |voice| shared::resolve_voice(&config, voice).voice;
    assert_eq!(resolve(Some("af_bella")), "af_bella");
    // am_adam is a fallback voice but not installed here: the engine's catalog decides.
    assert_eq!(resolve(Some("am_adam")), "af_bella");
    assert_eq!(resolve(None), "af_bella");

    let empty = tempfile::tempdir().unwrap();
    let no_model = config_for(empty.path());
    let resolve = |voice| shared::resolve_voice(&no_model, voice);
    assert_eq!(resolve(Some("am_adam")).voice, "am_adam");
    assert!(!resolve(Some("am_adam")).fell_back);
    assert_eq!(resolve(Some("nope")).voice, "af_bella");
    assert!(resolve(Some("nope")).fell_back);
    assert_eq!(resolve(None).voice, "af_bella");
    assert!(!resolve(None).fell_back);
}

// ---------------------------------------------------------------- 3. audio_url

#[test]
fn segment_outcomes_carry_their_url_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let layout = wav_store::MediaLayout::new(dir.path(), "https://cdn.example.com/media/");
    let request = crate::tests::project(
        "proj-1",
        &[("s1", "good"), ("s2", "fail"), ("../x", "good")],
    );
    let outs = fake_engine().generate_segments(
        &layout,
        &request,
        &SegmentOptions::default().with_workers(2),
        |_, _| {},
    );
    assert_eq!(
        outs[0].audio_url.as_deref(),
        Some("https://cdn.example.com/media/projects/proj-1/audio/s1.wav")
    );
    let v: serde_json::Value = serde_json::to_value(&outs[0]).unwrap();
    assert_eq!(v["segment_id"], "s1");
    assert_eq!(v["success"], true);
    assert_eq!(
        v["audio_url"],
        "https://cdn.example.com/media/projects/proj-1/audio/s1.wav"
    );
    assert!(v["audio_path"].as_str().unwrap().ends_with("s1.wav"));
    for failed in &outs[1..] {
        assert!(!failed.outcome.success);
        assert_eq!(failed.audio_url, None);
        let v: serde_json::Value = serde_json::to_value(failed).unwrap();
        assert!(v.get("audio_url").is_none(), "{v}");
    }
}
