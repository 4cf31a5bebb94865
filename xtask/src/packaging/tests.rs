//! The crates package: every publishable crate of the workspace carries the metadata crates.io
//! shows (so that a new crate cannot forget it), every file its build embeds is inside its
//! package, and examples/downstream is pointed at the packaged crates.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::*;

/// The publishable members of the workspace.
fn publishable() -> Result<Vec<Package>> {
    let workspace = metadata(&crate::root().join("Cargo.toml"))?;
    Ok(workspace
        .packages
        .into_iter()
        .filter(Package::publishable)
        .collect())
}

/// crates.io's category slugs (<https://crates.io/category_slugs>).
const CATEGORIES: &[&str] = &[
    "accessibility",
    "algorithms",
    "api-bindings",
    "asynchronous",
    "caching",
    "command-line-interface",
    "command-line-utilities",
    "compression",
    "concurrency",
    "config",
    "data-structures",
    "development-tools",
    "development-tools::build-utils",
    "development-tools::ffi",
    "development-tools::testing",
    "encoding",
    "external-ffi-bindings",
    "filesystem",
    "internationalization",
    "localization",
    "mathematics",
    "multimedia",
    "multimedia::audio",
    "multimedia::encoding",
    "network-programming",
    "parser-implementations",
    "parsing",
    "science",
    "text-processing",
    "value-formatting",
    "web-programming::http-client",
];

/// What is missing from or wrong in `p`'s metadata, one line each.
fn metadata_problems(p: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    let mut missing = |what: &str, ok: bool| {
        if !ok {
            problems.push(format!("{}: no {what}", p.name));
        }
    };
    missing(
        "description",
        p.description
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty()),
    );
    missing("license", p.license.is_some());
    missing("repository", p.repository.is_some());
    missing("rust-version", p.rust_version.is_some());
    missing(
        "readme (a file in the crate's directory)",
        p.readme
            .as_deref()
            .is_some_and(|r| p.dir().join(r).is_file()),
    );
    missing(
        "documentation (its docs.rs page)",
        p.documentation.as_deref() == Some(&format!("https://docs.rs/{}", p.name)),
    );
    missing(
        "keywords (1 to 5, each at most 20 letters, digits, - or _, starting with a letter)",
        (1..=5).contains(&p.keywords.len())
            && p.keywords.iter().all(|k| {
                k.len() <= 20
                    && k.starts_with(|c: char| c.is_ascii_alphabetic())
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }),
    );
    missing(
        "categories (1 to 5 of crates.io's slugs)",
        (1..=5).contains(&p.categories.len())
            && p.categories
                .iter()
                .all(|c| CATEGORIES.contains(&c.as_str())),
    );
    problems
}

#[test]
fn every_publishable_crate_has_its_metadata() -> Result<()> {
    let packages = publishable()?;
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    for expected in [
        "tts-pipeline",
        "kokoro-engine-cli",
        "kokoro-misaki",
        "kokoro-tokenize",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} is publishable: {names:?}"
        );
    }
    for unpublished in ["xtask", "kokoro-py"] {
        assert!(
            !names.contains(&unpublished),
            "{unpublished} says publish = false"
        );
    }
    let problems: Vec<String> = packages.iter().flat_map(metadata_problems).collect();
    assert!(
        problems.is_empty(),
        "complete the metadata in Cargo.toml:\n{}",
        problems.join("\n")
    );
    Ok(())
}

#[test]
fn the_metadata_check_finds_what_is_missing() {
    let bare = Package {
        name: "new-crate".into(),
        version: "0.1.0".into(),
        manifest_path: crate::root().join("crates/new-crate/Cargo.toml"),
        publish: None,
        dependencies: Vec::new(),
        description: Some(" ".into()),
        readme: None,
        keywords: vec!["tts".into(); 6],
        categories: vec!["audio".into()],
        rust_version: None,
        documentation: Some("https://docs.rs/other".into()),
        license: None,
        repository: None,
    };
    let problems = metadata_problems(&bare);
    for what in [
        "description",
        "license",
        "repository",
        "rust-version",
        "readme",
        "documentation",
        "keywords",
        "categories",
    ] {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("new-crate: no {what}"))),
            "{what}: {problems:?}"
        );
    }
}

/// The files named by `include_bytes!("...")` and `include_str!("...")` in `source` (literal
/// paths only), relative to the file that names them.
fn embedded_paths(source: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for call in ["include_bytes!(\"", "include_str!(\""] {
        for (at, _) in source.match_indices(call) {
            let rest = &source[at + call.len()..];
            if let Some(end) = rest.find('"') {
                found.push(&rest[..end]);
            }
        }
    }
    found
}

/// The `.rs` files under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn every_file_a_build_embeds_is_in_its_package() -> Result<()> {
    let mut checked = 0;
    for p in publishable()? {
        let dir = std::fs::canonicalize(p.dir())?;
        let files = package_files(&p.name)?;
        let mut sources = Vec::new();
        rust_files(&dir.join("src"), &mut sources)?;
        for source in sources {
            // Test modules (`tests.rs`, `ops_tests.rs`) are not compiled by a packaged build.
            if source
                .file_stem()
                .is_some_and(|s| s.to_string_lossy().ends_with("tests"))
            {
                continue;
            }
            let text = std::fs::read_to_string(&source)?;
            for embedded in embedded_paths(&text) {
                let parent = source.parent().unwrap_or(&dir);
                let file = std::fs::canonicalize(parent.join(embedded)).with_context(|| {
                    format!("{} embeds {embedded}, which is missing", source.display())
                })?;
                let inside = file.strip_prefix(&dir).ok();
                assert!(
                    inside.is_some_and(|f| files.contains(f)),
                    "{} embeds {}, which is not in the {} package: keep it inside the crate's \
                     directory and its `include`",
                    source.display(),
                    file.display(),
                    p.name
                );
                checked += 1;
            }
        }
    }
    // The vocabulary, the tagger, the zh dictionaries at least.
    assert!(
        checked >= 4,
        "only {checked} embedded files found: update this test"
    );
    Ok(())
}

#[test]
fn embedded_paths_are_read_from_the_source() {
    let source = r#"const A: &[u8] = include_bytes!("../data/a.bin");
        #[doc = include_str!("../README.md")]
        const B: &str = include_str!(concat!(env!("OUT_DIR"), "/b.txt"));"#;
    assert_eq!(embedded_paths(source), ["../data/a.bin", "../README.md"]);
}

#[test]
fn cargo_package_leaves_out_the_unpublished_and_the_verification_builds() -> Result<()> {
    let workspace = metadata(&crate::root().join("Cargo.toml"))?;
    let args = package_args(&workspace);
    assert_eq!(args[..3], ["package", "--workspace", "--no-verify"]);
    let excluded: Vec<&str> = args
        .windows(2)
        .filter(|w| w[0] == "--exclude")
        .map(|w| w[1].as_str())
        .collect();
    assert_eq!(excluded.len(), 2, "{args:?}");
    for name in ["xtask", "kokoro-py"] {
        assert!(excluded.contains(&name), "{args:?}");
    }
    Ok(())
}

#[test]
fn the_downstream_config_patches_each_package_in_and_builds_it_unoptimized() -> Result<()> {
    let packages = [
        (
            "tts-pipeline",
            PathBuf::from("/t/packaged/tts-pipeline-0.1.0"),
        ),
        (
            "kokoro-misaki",
            PathBuf::from("/t/packaged/kokoro-misaki-0.8.0"),
        ),
    ];
    let config = downstream_config(&packages)?;
    assert!(
        config.contains(
            "[patch.crates-io]\ntts-pipeline = { path = '/t/packaged/tts-pipeline-0.1.0' }\n\
             kokoro-misaki = { path = '/t/packaged/kokoro-misaki-0.8.0' }\n"
        ),
        "{config}"
    );
    for name in ["tts-pipeline", "kokoro-misaki"] {
        assert!(
            config.contains(&format!("[profile.dev.package.{name}]\nopt-level = 0\n")),
            "{config}"
        );
    }
    let quoted = [("wav-store", PathBuf::from("/it's/here"))];
    assert!(downstream_config(&quoted).is_err());
    Ok(())
}
