//! The Python side of `kokoro-py`: a virtual environment under `target/`, the wheel built by
//! maturin (`cargo xtask wheel`), the pytest suite (`cargo xtask test-python`, part of `ci`) and
//! the thread benchmark (`cargo xtask bench --python`).
//!
//! Everything comes from PyPI through pip: a machine needs only `python3` (>= 3.9) with the
//! `venv` module. The interpreter is `$PYTHON`, else `python3`.
//!
//! One code path builds every wheel ([`build_wheel`]), in one of two profiles ([`WheelProfile`]):
//! the release wheel users install (`cargo xtask wheel`: fat LTO, stripped, linked by zig against
//! glibc 2.17 and checked as manylinux2014), and the dev-profile wheel of the tests (`test-python`,
//! and the as-installed check of `ci`, which installs that same file: it reuses what the test
//! build compiled instead of spending minutes on LTO).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::process::{run, show};
use crate::target_dir;

/// What the test venv needs from PyPI (celery and redis: the extra `kokoro_engine[celery]`;
/// `webvtt-py` parses the captions the engine writes, `test_word_timings.py`; `openai` is the
/// client `test_server.py` calls `kokoro serve` with, and `soundfile` (libsndfile) decodes its mp3).
const TEST_REQUIREMENTS: [&str; 8] = [
    "maturin>=1.9.4,<2",
    "pytest>=7",
    "numpy>=1.22",
    "celery>=5.3,<6",
    "redis>=4.5",
    "webvtt-py>=0.5",
    "openai>=1.40,<4",
    "soundfile>=0.12",
];
/// The reference implementation the benchmark compares with, in a venv of its own.
const KOKORO_ONNX: &str = "kokoro-onnx==0.6.1";
/// What the release wheel's build needs from PyPI, in `target/py-build`: maturin, and zig as a C
/// compiler and linker for an old glibc (the version maturin was tried with).
const BUILD_REQUIREMENTS: [&str; 2] = ["maturin>=1.9.4,<2", "ziglang==0.17.1"];
/// The oldest glibc policy the wheel builds for: glibc 2.17, the oldest Rust's standard library
/// supports (x86_64-unknown-linux-gnu); a plain build on a newer host would need its glibc
/// (Debian 12: `dlopen@GLIBC_2.34`, so manylinux_2_34).
pub const MANYLINUX: &str = "manylinux2014";

/// Which wheel [`build_wheel`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WheelProfile {
    /// What users install: the release profile (fat LTO, one codegen unit), stripped, linked by
    /// zig for [`MANYLINUX`] and checked against that policy by maturin.
    Release,
    /// The tests' (and CI's as-installed check's): the dev profile with the host's toolchain, so
    /// that it reuses what `cargo test` compiled; stripped (pyproject.toml), tagged with the
    /// policy maturin finds the host's build meets.
    Dev,
}

/// maturin's build arguments for `profile` (after `build`).
pub fn wheel_args(profile: WheelProfile) -> Vec<&'static str> {
    match profile {
        WheelProfile::Release => vec![
            "--release",
            "--strip",
            "--zig",
            "--compatibility",
            MANYLINUX,
        ],
        WheelProfile::Dev => vec!["--strip"],
    }
}

/// `PYTHON -m pip install --quiet --disable-pip-version-check`, to be given what to install.
pub fn pip_install(python: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    cmd
}

/// A virtual environment at `dir` holding `requirements`; created when missing, and pip only
/// installs what is not already satisfied (no network when nothing is missing).
pub fn venv(dir: &Path, requirements: &[&str]) -> Result<PathBuf> {
    let python = dir.join("bin").join("python");
    if !python.exists() {
        create_venv(dir)?;
    }
    run(pip_install(&python).args(requirements))?;
    Ok(python)
}

/// `$PYTHON -m venv DIR`; where the venv module or its ensurepip is missing (Debian without
/// `python3-venv`), `virtualenv` from PyPI, installed under `target/py-tools`, makes it instead.
pub fn create_venv(dir: &Path) -> Result<()> {
    let base = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    let Err(venv_error) = run(Command::new(&base).arg("-m").arg("venv").arg(dir)) else {
        return Ok(());
    };
    eprintln!("xtask: {venv_error:#}; trying virtualenv from PyPI");
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    let tools = dir.with_file_name("py-tools");
    let fallback = run(pip_install(&base)
        .arg("--target")
        .arg(&tools)
        .arg("virtualenv"))
    .and_then(|()| {
        run(Command::new(&base)
            .args(["-m", "virtualenv", "--quiet"])
            .arg(dir)
            .env("PYTHONPATH", &tools))
    });
    fallback.with_context(|| {
        format!(
            "cannot create a Python venv at {}: install Python >= 3.9 with its venv module \
             (Debian: apt-get install python3-venv), or set PYTHON to such an interpreter \
             (`{} -m venv` said: {venv_error:#})",
            dir.display(),
            base.to_string_lossy()
        )
    })
}

/// Builds the kokoro-py wheel of `profile` with the maturin of `python`'s venv into `out`
/// (emptied first); returns the wheel. For the release wheel the venv's `bin/` leads `PATH`,
/// for zig.
pub fn build_wheel(
    root: &Path,
    python: &Path,
    profile: WheelProfile,
    out: &Path,
    build_env: &[(&str, &str)],
) -> Result<PathBuf> {
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    let mut build = Command::new(python);
    build
        .args(["-m", "maturin", "build", "--manifest-path"])
        .arg(root.join("crates/kokoro-py/Cargo.toml"))
        .arg("--interpreter")
        .arg(python)
        .arg("--out")
        .arg(out)
        .args(wheel_args(profile))
        // As in `cargo xtask ci`'s cargo steps, so that the wheel reuses what they built.
        .env("CARGO_INCREMENTAL", "0")
        .envs(build_env.iter().copied())
        .current_dir(root);
    // zig (release) is found on PATH; the dev build keeps the PATH of the tests' build, which
    // ring's build script watches (another PATH rebuilds ring and everything above it).
    if let (WheelProfile::Release, Some(bin)) = (profile, python.parent()) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path));
        build.env("PATH", std::env::join_paths(paths).context("PATH")?);
    }
    run(&mut build)?;
    std::fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .with_context(|| format!("maturin wrote no wheel into {}", out.display()))
}

/// Where the tests' wheel goes (`target/py-wheels`); the as-installed check takes it from there.
pub fn test_wheel_dir(root: &Path) -> PathBuf {
    target_dir(root).join("py-wheels")
}

/// Installs `wheel` into the venv of `python` over what is there, without its dependencies
/// (which the venv has).
fn install_wheel(python: &Path, wheel: &Path) -> Result<()> {
    run(pip_install(python)
        .args(["--force-reinstall", "--no-deps"])
        .arg(wheel))
}

/// `cargo xtask wheel [--dev]`: the wheel of `profile` into `target/wheels` (release) or
/// `target/py-wheels` (dev, the tests' wheel), with maturin (and zig) from `target/py-build`;
/// prints its path, size and build time.
pub fn wheel(root: &Path, profile: WheelProfile) -> Result<PathBuf> {
    let started = std::time::Instant::now();
    let requirements: &[&str] = match profile {
        WheelProfile::Release => &BUILD_REQUIREMENTS,
        WheelProfile::Dev => &BUILD_REQUIREMENTS[..1],
    };
    let python = venv(&target_dir(root).join("py-build"), requirements)?;
    let out = match profile {
        WheelProfile::Release => target_dir(root).join("wheels"),
        WheelProfile::Dev => test_wheel_dir(root),
    };
    let wheel = build_wheel(root, &python, profile, &out, &[])?;
    let bytes = std::fs::metadata(&wheel)
        .with_context(|| format!("cannot read {}", wheel.display()))?
        .len();
    eprintln!(
        "xtask: wheel {} ({:.1} MB, built in {:.0} s)",
        wheel.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(wheel)
}

fn model_dir(root: &Path) -> PathBuf {
    std::env::var_os("KOKORO_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("models"))
}

/// `redis-server` for the Celery tests (`tests/test_celery.py` starts its own on a free port):
/// installed from Debian's packages when it is missing and this runs as root with apt-get
/// (as `.ci/run` does); otherwise the tests say so and skip (fail under `require`).
pub fn ensure_redis_server() {
    let found = |cmd: &str| {
        Command::new(cmd)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if found("redis-server") {
        return;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root || !found("apt-get") {
        eprintln!(
            "xtask: no redis-server (Debian: apt-get install redis-server): the Celery tests cannot run"
        );
        return;
    }
    let install = || {
        run(Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-q",
                "--no-install-recommends",
                "redis-server",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    let installed = install().or_else(|_| {
        run(Command::new("apt-get").args(["update", "-q"]))?;
        install()
    });
    if let Err(e) = installed {
        eprintln!("xtask: cannot install redis-server: {e:#}");
    }
}

/// Builds the wheel (dev profile) into `target/py-venv`, installs it and runs the pytest suite of
/// `crates/kokoro-py/tests`; `require_model` sets `KOKORO_REQUIRE_MODEL=1` and
/// `KOKORO_REQUIRE_REDIS=1` (the Celery tests fail instead of skipping without redis-server).
/// Prints pytest's summary line; a failed or empty run is an error. Returns the wheel it tested.
pub fn test(root: &Path, require_model: bool, build_env: &[(&str, &str)]) -> Result<PathBuf> {
    let tests = build_for_tests(root, build_env)?;
    pytest(root, &tests, require_model, &[])?;
    Ok(tests.wheel)
}

/// The test venv and the wheel installed in it.
pub struct TestBuild {
    /// The test venv's interpreter (`target/py-venv`).
    pub python: PathBuf,
    /// The dev-profile wheel (in `target/py-wheels`).
    pub wheel: PathBuf,
}

/// The first half of [`test`]: redis-server, the test venv, the dev-profile wheel built and
/// installed in it; `build_env` is added to maturin's environment (ci's clippy wrapper).
pub fn build_for_tests(root: &Path, build_env: &[(&str, &str)]) -> Result<TestBuild> {
    ensure_redis_server();
    let python = venv(&target_dir(root).join("py-venv"), &TEST_REQUIREMENTS)?;
    let wheel = build_wheel(
        root,
        &python,
        WheelProfile::Dev,
        &test_wheel_dir(root),
        build_env,
    )?;
    install_wheel(&python, &wheel)?;
    Ok(TestBuild { python, wheel })
}

/// The second half of [`test`]: the pytest suite in the venv of `tests`, with `env` added to its
/// environment.
pub fn pytest(
    root: &Path,
    tests: &TestBuild,
    require_model: bool,
    env: &[(&str, &str)],
) -> Result<()> {
    let python = &tests.python;
    let mut cmd = Command::new(python);
    // The slowest tests are listed, for keeping CI within its time.
    cmd.args([
        "-m",
        "pytest",
        "-q",
        "-rs",
        "--durations=12",
        "-p",
        "no:cacheprovider",
    ])
    .arg(root.join("crates/kokoro-py/tests"))
    .env("KOKORO_MODEL_DIR", model_dir(root))
    // test_server.py serves with the `kokoro` the test build made (`cargo test --workspace`).
    .env("KOKORO_BIN", target_dir(root).join("debug").join("kokoro"))
    .current_dir(target_dir(root))
    .envs(env.iter().copied())
    .stdout(Stdio::piped());
    if require_model {
        cmd.env("KOKORO_REQUIRE_MODEL", "1")
            .env("KOKORO_REQUIRE_REDIS", "1");
    }
    let shown = show(&cmd);
    eprintln!("xtask: $ {shown}");
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run `{shown}`"))?;
    let mut summary = None;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line.context("cannot read pytest's output")?;
            println!("{line}");
            if is_summary(&line) {
                summary = Some(line);
            }
        }
    }
    let status = child.wait().context("pytest did not finish")?;
    let summary = summary.unwrap_or_else(|| "(no summary line)".to_string());
    eprintln!(
        "xtask: pytest (kokoro-py): {}",
        summary.trim_matches(['=', ' '])
    );
    if !status.success() {
        bail!("pytest failed ({status}): {summary}");
    }
    if !summary.contains(" passed") {
        bail!("pytest ran no test: {summary}");
    }
    Ok(())
}

/// pytest's last line: `12 passed, 1 skipped in 3.40s`, `104 passed in 112.09s (0:01:52)`,
/// `no tests ran in 0.01s` (with `=` around it without `-q`).
fn is_summary(line: &str) -> bool {
    let l = line.trim_matches(['=', ' ']);
    let counts = [" passed", " failed", " error", " skipped", "no tests ran"];
    l.starts_with(|c: char| c.is_ascii_digit() || c == 'n')
        && counts.iter().any(|c| l.contains(c))
        && l.contains(" in ")
}

/// `cargo xtask bench --python`: the release wheel (`cargo xtask wheel`'s) in `target/py-venv`, kokoro-onnx 0.6.1 in
/// `target/py-bench-onnx`, then `crates/kokoro-py/bench/bench_threads.py`, which prints its
/// report (JSON on stdout, a table on stderr). `threads`: the multi-threaded configuration's Python
/// threads (the script's default, 4, when `None`), against 1.
pub fn bench(root: &Path, passes: usize, threads: Option<usize>) -> Result<()> {
    let target = target_dir(root);
    let python = venv(&target.join("py-venv"), &TEST_REQUIREMENTS)?;
    install_wheel(&python, &wheel(root, WheelProfile::Release)?)?;
    let mut cmd = Command::new(&python);
    cmd.arg(root.join("crates/kokoro-py/bench/bench_threads.py"))
        .arg("--model-dir")
        .arg(model_dir(root))
        .arg("--passes")
        .arg(passes.to_string())
        .arg("--work-dir")
        .arg(target.join("bench").join("python"))
        .current_dir(root);
    if let Some(threads) = threads {
        cmd.arg("--threads").arg(threads.to_string());
    }
    match venv(&target.join("py-bench-onnx"), &[KOKORO_ONNX]) {
        Ok(onnx_python) => {
            cmd.arg("--onnx-python").arg(onnx_python);
        }
        Err(e) => eprintln!("xtask: no kokoro-onnx comparison: {e:#}"),
    }
    run(&mut cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_wheel_is_stripped_lto_and_manylinux2014_the_tests_reuse_their_build() {
        let release = wheel_args(WheelProfile::Release);
        for arg in [
            "--release",
            "--strip",
            "--zig",
            "--compatibility",
            "manylinux2014",
        ] {
            assert!(release.contains(&arg), "{arg}: {release:?}");
        }
        // The dev wheel: the host's linker and the dev profile, as the tests' build.
        assert_eq!(wheel_args(WheelProfile::Dev), ["--strip"]);
        // The zig the release build was tried with is pinned.
        assert!(
            BUILD_REQUIREMENTS
                .iter()
                .any(|r| r.starts_with("ziglang=="))
        );
        assert!(BUILD_REQUIREMENTS[0].starts_with("maturin"));
    }

    #[test]
    fn summary_lines_are_recognized() {
        assert!(is_summary("97 passed, 2 skipped in 41.20s"));
        assert!(is_summary("===== 1 failed, 96 passed in 40.02s ====="));
        assert!(is_summary("2 errors in 0.30s"));
        assert!(is_summary("104 passed in 112.09s (0:01:52)"));
        assert!(is_summary("no tests ran in 0.01s"));
        assert!(!is_summary("tests/test_paths.py ........"));
        assert!(!is_summary(
            "SKIPPED [1] conftest.py:60: no model in models"
        ));
    }
}
