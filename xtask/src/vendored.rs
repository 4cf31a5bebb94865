//! A vendored crate never leaks: a crate that depends by path on an unpublishable package (the
//! fork of misaki-rs in `vendor/misaki-rs`, `publish = false`) gives no version for it, so that
//! `cargo publish` fails loudly instead of pulling the unfixed crates.io release, and the fork has a
//! package name of its own. Read from `cargo metadata` (the manifests only, offline).

#![cfg(test)]

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

#[derive(Debug, Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    /// `Some([])` for `publish = false`.
    publish: Option<Vec<String>>,
    dependencies: Vec<Dependency>,
}

#[derive(Debug, Deserialize)]
struct Dependency {
    name: String,
    rename: Option<String>,
    req: String,
    path: Option<PathBuf>,
}

/// `cargo metadata --no-deps` of `manifest`: its workspace's members, as their manifests say.
fn metadata(manifest: &Path) -> Result<Metadata> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("cannot parse cargo metadata")
}

#[test]
fn vendored_crates_cannot_leak() -> Result<()> {
    let root = crate::root();
    let workspace = metadata(&root.join("Cargo.toml"))?;
    let fork = root.join("vendor/misaki-rs/Cargo.toml");
    let misaki = workspace
        .packages
        .iter()
        .find(|p| p.manifest_path == fork)
        .context("vendor/misaki-rs is not a workspace member")?;
    assert_ne!(
        misaki.name, "misaki-rs",
        "the vendored misaki-rs must carry a package name of its own, not upstream's"
    );
    let unpublishable: Vec<(&str, &Path)> = workspace
        .packages
        .iter()
        .filter(|p| p.publish.as_deref() == Some(&[][..]))
        .filter_map(|p| Some((p.name.as_str(), p.manifest_path.parent()?)))
        .collect();
    assert!(
        unpublishable.iter().any(|(name, _)| *name == misaki.name),
        "the vendored {} must say `publish = false`",
        misaki.name
    );
    let mut users = 0;
    for package in &workspace.packages {
        for dep in &package.dependencies {
            let Some(path) = &dep.path else { continue };
            if !unpublishable.iter().any(|(_, dir)| dir == path) {
                continue;
            }
            assert_eq!(
                dep.req,
                "*",
                "{} depends on the unpublished {} ({}) with a version: publishing it would \
                 silently pull the crates.io package of that name; give the path only",
                package.name,
                dep.rename.as_deref().unwrap_or(&dep.name),
                path.display()
            );
            users += usize::from(dep.name == misaki.name);
        }
    }
    assert!(users > 0, "nothing depends on the fork: update this test");
    Ok(())
}
