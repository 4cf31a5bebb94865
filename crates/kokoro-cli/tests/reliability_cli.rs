//! The `kokoro` program meets bad input and faults (issue 5): a JSON failure, a non-zero status,
//! never a panic, and the file at `-o` untouched. Runtime faults live here because ONNX Runtime is
//! opened once per process: each case is a fresh process. Real-model cases skip loudly without
//! the model files, unless `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kokoro(model_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kokoro"))
        .arg("--model-dir")
        .arg(model_dir)
        .args(args)
        .output()
        .unwrap()
}

fn model_dir() -> Option<PathBuf> {
    support::model_dir("CLI reliability test on the real model")
}

/// Fails cleanly: non-zero status, one JSON failure line with a message, no panic, `kept` intact.
fn assert_clean_failure(case: &str, out: &Output, kept: &Path, expected: &[u8]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{case}: succeeded");
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    let line = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("{case}: not one JSON line ({e}): {line}"));
    assert_eq!(v["success"], false, "{case}");
    let msg = v["error"].as_str().unwrap().to_owned();
    assert!(msg.len() > 20, "{case}: {msg}");
    assert_eq!(
        std::fs::read(kept).unwrap(),
        expected,
        "{case}: output touched"
    );
    msg
}

#[test]
fn invalid_utf8_and_missing_text_files_are_clean_failures() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("kept.wav");
    std::fs::write(&wav, b"previous").unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, b"Hello \xff\xfe world").unwrap();
    let out = kokoro(
        dir.path(),
        &[
            "say",
            "--text-file",
            bad.to_str().unwrap(),
            "-o",
            wav.to_str().unwrap(),
        ],
    );
    let msg = assert_clean_failure("invalid UTF-8", &out, &wav, b"previous");
    assert!(msg.contains("UTF-8"), "{msg}");
    let out = kokoro(
        dir.path(),
        &[
            "say",
            "--text-file",
            "/nonexistent/x.txt",
            "-o",
            wav.to_str().unwrap(),
        ],
    );
    assert_clean_failure("missing text file", &out, &wav, b"previous");
}

fn link_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        // `is_dir` follows symlinks: a linked directory is recreated, never linked, so that the
        // faults injected below can only touch links in the temporary tree, never the real files.
        if entry.path().is_dir() {
            std::fs::create_dir(&dest).unwrap();
            link_tree(&entry.path(), &dest);
        } else {
            std::os::unix::fs::symlink(entry.path(), &dest).unwrap();
        }
    }
}

#[test]
fn missing_or_unusable_runtime_and_bad_speeds_are_clean_failures() {
    let Some(real) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("kept.wav");
    std::fs::write(&wav, b"previous").unwrap();
    let w = wav.to_str().unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(real.join("manifest.json")).unwrap()).unwrap();
    let runtime = manifest["runtime"].as_str().unwrap();

    // The runtime library is missing.
    let models = tempfile::tempdir().unwrap();
    link_tree(&real, models.path());
    std::fs::remove_file(models.path().join(runtime)).unwrap();
    let out = kokoro(models.path(), &["say", "Hello.", "-o", w]);
    assert_clean_failure("runtime missing", &out, &wav, b"previous");

    // A file that is not a shared library (an unusable or too old runtime looks the same to the
    // loader: it cannot be opened or lacks the API version).
    std::fs::write(models.path().join(runtime), b"\x7fELF not really").unwrap();
    let out = kokoro(models.path(), &["say", "Hello.", "-o", w]);
    assert_clean_failure("runtime garbage", &out, &wav, b"previous");

    // NaN and infinite speeds on the real engine.
    for speed in ["NaN", "inf", "-inf"] {
        let arg = format!("--speed={speed}");
        let out = kokoro(&real, &["say", "Hello.", &arg, "-o", w]);
        let msg = assert_clean_failure(speed, &out, &wav, b"previous");
        assert!(msg.contains("speed"), "{msg}");
    }
}
