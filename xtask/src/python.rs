//! The Python side of `kokoro-py`: a virtual environment under `target/`, the wheel built by
//! maturin, the pytest suite (`cargo xtask test-python`, part of `ci`) and the thread benchmark
//! (`cargo xtask bench --python`).
//!
//! Everything comes from PyPI through pip: a machine needs only `python3` (>= 3.9) with the
//! `venv` module. The interpreter is `$PYTHON`, else `python3`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::process::{run, show};
use crate::target_dir;

/// What the test venv needs from PyPI (celery and redis: the extra `kokoro_engine[celery]`;
/// `webvtt-py` parses the captions the engine writes, `test_word_timings.py`).
const TEST_REQUIREMENTS: [&str; 6] = [
    "maturin>=1.9.4,<2",
    "pytest>=7",
    "numpy>=1.22",
    "celery>=5.3,<6",
    "redis>=4.5",
    "webvtt-py>=0.5",
];
/// The reference implementation the benchmark compares with, in a venv of its own.
const KOKORO_ONNX: &str = "kokoro-onnx==0.6.1";

/// `PYTHON -m pip install --quiet --disable-pip-version-check`, to be given what to install.
fn pip_install(python: impl AsRef<std::ffi::OsStr>) -> Command {
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
fn venv(dir: &Path, requirements: &[&str]) -> Result<PathBuf> {
    let python = dir.join("bin").join("python");
    if !python.exists() {
        create_venv(dir)?;
    }
    run(pip_install(&python).args(requirements))?;
    Ok(python)
}

/// `$PYTHON -m venv DIR`; where the venv module or its ensurepip is missing (Debian without
/// `python3-venv`), `virtualenv` from PyPI, installed under `target/py-tools`, makes it instead.
fn create_venv(dir: &Path) -> Result<()> {
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

/// Builds the kokoro-py wheel with maturin (release or dev profile) and installs it into the
/// venv of `python`; returns the wheel.
fn build_and_install(
    root: &Path,
    python: &Path,
    release: bool,
    build_env: &[(&str, &str)],
) -> Result<PathBuf> {
    let out = target_dir(root).join("py-wheels");
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    let mut build = Command::new(python);
    build
        .args(["-m", "maturin", "build", "--manifest-path"])
        .arg(root.join("crates/kokoro-py/Cargo.toml"))
        .arg("--interpreter")
        .arg(python)
        .arg("--out")
        .arg(&out)
        // As in `cargo xtask ci`'s cargo steps, so that the wheel reuses what they built.
        .env("CARGO_INCREMENTAL", "0")
        .envs(build_env.iter().copied())
        .current_dir(root);
    if release {
        build.arg("--release");
    }
    run(&mut build)?;
    let wheel = std::fs::read_dir(&out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .with_context(|| format!("maturin wrote no wheel into {}", out.display()))?;
    run(pip_install(python)
        .args(["--force-reinstall", "--no-deps"])
        .arg(&wheel))?;
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
/// Prints pytest's summary line; a failed or empty run is an error.
pub fn test(root: &Path, require_model: bool, build_env: &[(&str, &str)]) -> Result<()> {
    ensure_redis_server();
    let python = venv(&target_dir(root).join("py-venv"), &TEST_REQUIREMENTS)?;
    build_and_install(root, &python, false, build_env)?;
    let mut cmd = Command::new(&python);
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
    .current_dir(target_dir(root))
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

/// `cargo xtask bench --python`: the release wheel in `target/py-venv`, kokoro-onnx 0.6.1 in
/// `target/py-bench-onnx`, then `crates/kokoro-py/bench/bench_threads.py`, which prints its
/// report (JSON on stdout, a table on stderr).
pub fn bench(root: &Path, passes: usize) -> Result<()> {
    let target = target_dir(root);
    let python = venv(&target.join("py-venv"), &TEST_REQUIREMENTS)?;
    build_and_install(root, &python, true, &[])?;
    let mut cmd = Command::new(&python);
    cmd.arg(root.join("crates/kokoro-py/bench/bench_threads.py"))
        .arg("--model-dir")
        .arg(model_dir(root))
        .arg("--passes")
        .arg(passes.to_string())
        .arg("--work-dir")
        .arg(target.join("bench").join("python"))
        .current_dir(root);
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
