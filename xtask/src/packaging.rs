//! The crates package: every publishable crate of the workspace carries the metadata crates.io
//! shows (so that a new crate cannot forget it), and every file its build embeds is inside its
//! package. Read from `cargo metadata` and `cargo package --list` (the manifests only, offline).

#![cfg(test)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// `cargo metadata --no-deps`: the workspace's members, as their manifests say.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub packages: Vec<Package>,
}

/// One member's manifest.
#[derive(Debug, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    /// `Some([])` for `publish = false`.
    pub publish: Option<Vec<String>>,
    pub dependencies: Vec<Dependency>,
    pub description: Option<String>,
    pub readme: Option<PathBuf>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub rust_version: Option<String>,
    pub documentation: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
}

impl Package {
    /// Whether `cargo publish` may upload it (no `publish = false`).
    pub fn publishable(&self) -> bool {
        self.publish.as_deref() != Some(&[][..])
    }

    /// The directory of its manifest.
    pub fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

/// One dependency of a member, as its manifest says.
#[derive(Debug, Deserialize)]
pub struct Dependency {
    /// The package depended on (`package = ...` when renamed).
    pub name: String,
    pub rename: Option<String>,
    /// `*` when the manifest gives no version.
    pub req: String,
    pub path: Option<PathBuf>,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cmd`, returning its standard output; fails with its standard error.
fn output(mut cmd: Command) -> Result<Vec<u8>> {
    let shown = crate::process::show(&cmd);
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    if !out.status.success() {
        bail!("{shown} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out.stdout)
}

/// `cargo metadata --no-deps` of the workspace whose root manifest is `manifest`.
pub fn metadata(manifest: &Path) -> Result<Metadata> {
    let mut cmd = cargo();
    cmd.args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--offline",
    ])
    .arg("--manifest-path")
    .arg(manifest);
    serde_json::from_slice(&output(cmd)?).context("cannot parse cargo metadata")
}

/// The files `cargo package` puts into `name`'s package, relative to its directory.
pub fn package_files(name: &str) -> Result<BTreeSet<PathBuf>> {
    let mut cmd = cargo();
    cmd.args([
        "package",
        "--list",
        "--offline",
        "--allow-dirty",
        "--package",
        name,
    ])
    .current_dir(crate::root());
    let out = output(cmd)?;
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .map(PathBuf::from)
        .collect())
}

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
        "kokoro-cli",
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
