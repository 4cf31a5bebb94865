//! The dev profile of `.cargo/config.toml` holds: every crate it leaves unoptimized is either code
//! that runs only while compiling (a proc macro, a build-script helper, or a crate only they use) or
//! one of the few run-time crates named here on purpose. An optimized run-time crate listed by
//! mistake would slow every test; this test reads the resolved graph of `cargo metadata` to catch it.

#![cfg(test)]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::process::Command;

use anyhow::{Context, Result};
use serde_json::Value;

/// Run-time crates left unoptimized on purpose (`.cargo/config.toml` says why: kokoro-fetch's HTTP
/// and TLS stack, where the bulk work is ring's assembly; kokoro-server's FLAC and Opus encoders,
/// which the tests run on a second of audio at most; criterion, which the dev profile only compiles:
/// the benches run under `cargo bench`'s own optimized profile).
const UNOPTIMIZED_AT_RUN_TIME: [&str; 8] = [
    "criterion",
    "rustls",
    "rustls-webpki",
    "ureq",
    "ureq-proto",
    "http",
    "flacenc",
    "opus-rs",
];

/// The packages `.cargo/config.toml` gives `opt-level = 0` in the dev profile.
fn unoptimized_in_config() -> Result<BTreeSet<String>> {
    let path = crate::root().join(".cargo/config.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = BTreeSet::new();
    let mut section: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header
                .strip_prefix("profile.dev.package.")
                .map(|name| name.trim_matches('"').to_owned());
        } else if line.replace(' ', "") == "opt-level=0"
            && let Some(name) = &section
        {
            out.insert(name.clone());
        }
    }
    Ok(out)
}

/// Names of the packages that the workspace's crates reach at run time (normal and dev
/// dependencies, not through a proc macro or a build dependency), on any platform.
fn run_time_packages() -> Result<HashSet<String>> {
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(crate::root())
        .output()
        .context("cannot run cargo metadata")?;
    anyhow::ensure!(out.status.success(), "cargo metadata failed");
    let meta: Value = serde_json::from_slice(&out.stdout)?;
    let packages = meta["packages"].as_array().context("no packages")?;
    let name_of: HashMap<&str, &str> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let proc_macros: HashSet<&str> = packages
        .iter()
        .filter(|p| {
            p["targets"].as_array().is_some_and(|ts| {
                ts.iter().any(|t| {
                    t["kind"]
                        .as_array()
                        .is_some_and(|k| k.iter().any(|k| k == "proc-macro"))
                })
            })
        })
        .filter_map(|p| p["id"].as_str())
        .collect();
    let nodes: HashMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .context("no resolve graph")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut seen = HashSet::new();
    let mut stack: Vec<&str> = meta["workspace_members"]
        .as_array()
        .context("no workspace members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let Some(pkg) = dep["pkg"].as_str() else {
                continue;
            };
            let at_run_time = dep["dep_kinds"].as_array().is_some_and(|kinds| {
                kinds
                    .iter()
                    .any(|k| k["kind"].is_null() || k["kind"] == "dev")
            });
            if at_run_time && !proc_macros.contains(pkg) {
                stack.push(pkg);
            }
        }
    }
    Ok(seen
        .into_iter()
        .filter_map(|id| name_of.get(id).map(|n| (*n).to_owned()))
        .collect())
}

#[test]
fn only_build_time_crates_are_left_unoptimized() -> Result<()> {
    let unoptimized = unoptimized_in_config()?;
    assert!(
        unoptimized.contains("syn") && unoptimized.contains("serde_derive"),
        "the config's build-time block was not read: {unoptimized:?}"
    );
    let run_time = run_time_packages()?;
    assert!(run_time.contains("ort") && run_time.contains("serde"));
    let wrong: Vec<&String> = unoptimized
        .iter()
        .filter(|name| run_time.contains(name.as_str()))
        .filter(|name| !UNOPTIMIZED_AT_RUN_TIME.contains(&name.as_str()))
        .collect();
    assert!(
        wrong.is_empty(),
        "{wrong:?} run in the engine's code, not only while compiling: optimize them (remove them \
         from the unoptimized block of .cargo/config.toml)"
    );
    Ok(())
}
