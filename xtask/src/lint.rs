//! clippy inside the test build: `cargo xtask ci` runs `cargo test` with `clippy-driver` as the
//! workspace's rustc wrapper, which is what `cargo clippy` does in a check build of its own.
//!
//! `cargo clippy` compiles every dependency a second time (as metadata only, in check mode), which
//! no later step can reuse: about two of CI's minutes on two cores. With `clippy-driver` as
//! `RUSTC_WORKSPACE_WRAPPER`, cargo compiles the dependencies once with plain rustc and each
//! workspace crate once with clippy's lints on: the same lints, on the same targets (the test build
//! compiles each library as a library and as its test harness, the binaries, the integration tests
//! and the examples; CI adds the benches), and `-D warnings` fails the build as it fails `cargo
//! clippy -- -D warnings`. `tests::a_lint_fails_the_wrapped_build` checks that a lint really stops it.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// `CLIPPY_ARGS` separates the arguments of `cargo clippy -- ARGS` with this (clippy's own
/// `cargo-clippy` writes it that way, after every argument).
const ARG_SEPARATOR: &str = "__CLIPPY_HACKERY__";

/// The lints CI denies: `cargo clippy -- -D warnings`.
const ARGS: [&str; 2] = ["-D", "warnings"];

/// The toolchain's `clippy-driver`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clippy {
    driver: PathBuf,
}

impl Clippy {
    /// The `clippy-driver` of the toolchain that `rustc` belongs to (`$RUSTC`, else `rustc`).
    pub fn find() -> Result<Self> {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let out = Command::new(&rustc)
            .args(["--print", "sysroot"])
            .output()
            .with_context(|| format!("cannot run `{} --print sysroot`", rustc.to_string_lossy()))?;
        if !out.status.success() {
            bail!("`rustc --print sysroot` failed ({})", out.status);
        }
        let sysroot = String::from_utf8(out.stdout).context("the sysroot is not UTF-8")?;
        let driver = PathBuf::from(sysroot.trim())
            .join("bin")
            .join(format!("clippy-driver{}", std::env::consts::EXE_SUFFIX));
        if !driver.is_file() {
            bail!(
                "{} does not exist: install clippy (`rustup component add clippy`)",
                driver.display()
            );
        }
        Ok(Self { driver })
    }

    /// The environment that makes a cargo build lint the workspace's crates as it compiles them.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("RUSTC_WORKSPACE_WRAPPER", self.driver.display().to_string()),
            ("CLIPPY_ARGS", clippy_args(&ARGS)),
        ]
    }
}

/// `args` as `CLIPPY_ARGS` spells them.
fn clippy_args(args: &[&str]) -> String {
    args.iter().map(|a| format!("{a}{ARG_SEPARATOR}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clippy_args_are_spelled_as_cargo_clippy_spells_them() {
        assert_eq!(
            clippy_args(&ARGS),
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
        );
        assert_eq!(clippy_args(&[]), "");
    }

    /// A crate with a lint violation builds with plain rustc and fails with the wrapper: the
    /// wrapped test build really is clippy `-D warnings`.
    #[test]
    fn a_lint_fails_the_wrapped_build() {
        let Ok(clippy) = Clippy::find() else {
            eprintln!("SKIPPED: no clippy-driver in this toolchain");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/lib.rs"),
            "pub fn first(v: &[u8]) -> Option<&u8> { v.get(0) }\n",
        )
        .unwrap();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let build = |env: &[(&str, String)]| {
            Command::new(&cargo)
                .args(["build", "--offline", "--quiet"])
                .current_dir(dir.path())
                .env("CARGO_TARGET_DIR", dir.path().join("target"))
                .env_remove("RUSTC_WORKSPACE_WRAPPER")
                .envs(env.iter().map(|(k, v)| (k, v)))
                .output()
                .unwrap()
        };
        assert!(build(&[]).status.success(), "plain rustc builds it");
        let linted = build(&clippy.env());
        let stderr = String::from_utf8_lossy(&linted.stderr);
        assert!(!linted.status.success(), "the wrapper must fail: {stderr}");
        assert!(stderr.contains("get(0)"), "{stderr}");
    }
}
