//! A vendored crate never leaks: the fork of misaki-rs in `vendor/misaki-rs` is published under a
//! name of its own (`kokoro-misaki`), and every crate of the workspace depends on it by that name at
//! the vendored version, so that neither a build from this checkout nor one from the published
//! crates can get the unfixed crates.io `misaki-rs`. Read from `cargo metadata`, `Cargo.lock` and
//! `cargo package --list` (the manifests only, offline).

#![cfg(test)]

use std::path::Path;

use anyhow::{Context, Result};

use crate::packaging::{metadata, package_files};

/// The upstream package the fork must never be confused with.
const UPSTREAM: &str = "misaki-rs";

#[test]
fn vendored_crates_cannot_leak() -> Result<()> {
    let root = crate::root();
    let workspace = metadata(&root.join("Cargo.toml"))?;
    let fork_manifest = root.join("vendor/misaki-rs/Cargo.toml");
    let fork = workspace
        .packages
        .iter()
        .find(|p| p.manifest_path == fork_manifest)
        .context("vendor/misaki-rs is not a workspace member")?;
    assert_ne!(
        fork.name, UPSTREAM,
        "the vendored misaki-rs must carry a package name of its own, not upstream's"
    );
    assert!(
        fork.publishable(),
        "{} is published so that the crates above it can be",
        fork.name
    );
    let fork_dir = fork.dir();
    let at_its_version = [format!("^{}", fork.version), format!("={}", fork.version)];
    let mut users = 0;
    for package in &workspace.packages {
        for dep in &package.dependencies {
            assert_ne!(
                dep.name, UPSTREAM,
                "{} depends on the crates.io {UPSTREAM}, without the fork's fixes: depend on {}",
                package.name, fork.name
            );
            if dep.path.as_deref() != Some(fork_dir) && dep.name != fork.name {
                continue;
            }
            assert_eq!(dep.path.as_deref(), Some(fork_dir), "{}", package.name);
            assert!(
                at_its_version.contains(&dep.req),
                "{} depends on {} as `{}`: give the vendored version ({}), so that the published \
                 crate gets this fork, as the workspace does",
                package.name,
                dep.rename.as_deref().unwrap_or(&dep.name),
                dep.req,
                fork.version
            );
            users += 1;
        }
    }
    assert!(users > 0, "nothing depends on the fork: update this test");
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))?;
    assert!(
        !lock.contains(&format!("name = \"{UPSTREAM}\"")),
        "Cargo.lock holds the crates.io {UPSTREAM}"
    );
    // The fork's package carries its license and its provenance.
    let files = package_files(&fork.name)?;
    for needed in ["LICENSE", "VENDORED.md"] {
        assert!(
            files.contains(Path::new(needed)),
            "the {} package lacks {needed}: add it to `include`",
            fork.name
        );
    }
    Ok(())
}
