//! The real pinned files through the upstream routes, served by a local HTTP server on 127.0.0.1
//! from the fetched model directory (`KOKORO_MODEL_DIR`, else the workspace's `models/`), with one
//! voice pack corrupted: the fetch installs everything else verified, refuses that one (the error
//! says every route it tried), and leaves nothing of it. Skips loudly without the model; fails
//! instead under `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use kokoro_fetch::{FetchOptions, Manifest, NoProgress, Sources, fetch_model, verify_model};
use support::{Reply, Server, tree};

const RELEASE: &str = "/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0";
const HF_VOICES: &str = "/onnx-community/Kokoro-82M-v1.0-ONNX/resolve/main/voices";
const HF_CONFIG: &str = "/hexgrad/Kokoro-82M/resolve/main/config.json";
const CORRUPT: &str = "am_adam";

fn model_dir() -> PathBuf {
    std::env::var_os("KOKORO_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// The fetched v1.0-int8 files' manifest, or `None` after a loud skip (a failure under
/// `KOKORO_REQUIRE_MODEL=1`).
fn source() -> Option<Manifest> {
    let dir = model_dir();
    let why = match Manifest::load(&dir) {
        Ok(Some(m)) if m.variant == "v1.0-int8" => return Some(m),
        Ok(Some(m)) => format!(
            "{} holds variant {}, not v1.0-int8",
            dir.display(),
            m.variant
        ),
        Ok(None) => format!("no manifest.json in {}", dir.display()),
        Err(e) => e.to_string(),
    };
    if std::env::var("KOKORO_REQUIRE_MODEL").is_ok_and(|v| v == "1") {
        panic!("KOKORO_REQUIRE_MODEL=1 but the model files are not usable: {why}");
    }
    eprintln!(
        "\n======================================================================\n\
         SKIPPED: kokoro-fetch real_files: {why}\n\
         Run `cargo xtask fetch-model`.\n\
         ======================================================================\n"
    );
    None
}

#[test]
fn the_real_files_over_http_one_corrupt_pack_refused_and_nothing_of_it_left() {
    let Some(src) = source() else { return };
    let from = src.dir().to_path_buf();
    let server = Server::start();
    let model = format!("{RELEASE}/kokoro-v1.0.int8.onnx");
    server.route(&model, Reply::File(from.join("kokoro-v1.0.int8.onnx")));
    server.route(HF_CONFIG, Reply::File(from.join("config.json")));
    let voices: Vec<String> = src
        .files
        .iter()
        .filter_map(|f| f.path.strip_prefix("voices/")?.strip_suffix(".bin"))
        .map(str::to_owned)
        .collect();
    assert_eq!(voices.len(), 54);
    for id in &voices {
        server.route(
            &format!("{HF_VOICES}/{id}.bin"),
            Reply::File(from.join(format!("voices/{id}.bin"))),
        );
    }
    let good = std::fs::read(from.join(format!("voices/{CORRUPT}.bin"))).unwrap();
    let mut bad = good.clone();
    bad[1000] ^= 0x40;
    let corrupt_path = format!("{HF_VOICES}/{CORRUPT}.bin");
    server.route(&corrupt_path, Reply::Bytes(bad));

    // Every route on the local server; the registries answer 404 there.
    let url = server.url();
    let sources = Sources::none()
        .with_github(Some(&url))
        .with_huggingface(Some(&url))
        .with_pypi(Some(&url))
        .with_npm(Some(&url));
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("models");
    let opts = FetchOptions::new(&dir)
        .with_runtime(false)
        .with_sources(sources);

    let err = fetch_model(&opts, &NoProgress).unwrap_err();
    assert!(err.is_download(), "{err:?}");
    let msg = err.to_string();
    let rel = format!("voices/{CORRUPT}.bin");
    assert!(
        msg.starts_with(&format!(
            "cannot fetch 1 file (the other 55 are installed and verified): {rel} (tried {url}{corrupt_path}: sha256 "
        )),
        "{msg}"
    );
    assert!(msg.contains("is not the pinned"), "{msg}");
    assert!(
        msg.contains("npm kokoro-js 1.2.1 (kokoro-js-1.2.1.tgz): HTTP 404"),
        "{msg}"
    );
    assert_eq!(err.attempts().len(), 2, "{:?}", err.attempts());
    assert!(err.attempts().iter().all(|a| a.file == rel));

    // Everything else installed, byte for byte; nothing of the refused pack, no temporary file,
    // no manifest (the directory is not complete).
    let mut expected: Vec<String> = std::iter::once("config.json".to_owned())
        .chain(std::iter::once("kokoro-v1.0.int8.onnx".to_owned()))
        .chain(
            voices
                .iter()
                .filter(|id| *id != CORRUPT)
                .map(|id| format!("voices/{id}.bin")),
        )
        .collect();
    expected.sort();
    assert_eq!(tree(&dir), expected);
    assert_eq!(
        tree(root.path()).len(),
        expected.len(),
        "nothing beside the model dir"
    );
    for rel in &expected {
        let (got, want) = (dir.join(rel), from.join(rel));
        assert_eq!(
            std::fs::metadata(&got).unwrap().len(),
            std::fs::metadata(&want).unwrap().len(),
            "{rel}"
        );
    }
    assert_eq!(server.hits(&model), 1);

    // The good pack served: the next fetch takes only it, and the directory verifies.
    server.route(&corrupt_path, Reply::Bytes(good));
    let manifest = fetch_model(&opts, &NoProgress).unwrap();
    assert_eq!(manifest.files.len(), 56);
    assert_eq!(
        server.hits(&model),
        1,
        "what is present is not fetched again"
    );
    assert_eq!(server.hits(&corrupt_path), 2);
    let verified = verify_model(&dir, &NoProgress).unwrap();
    assert_eq!(verified, manifest);
    for f in &manifest.files {
        assert_eq!(src.file(&f.path), Some(f), "{}", f.path);
    }
}
