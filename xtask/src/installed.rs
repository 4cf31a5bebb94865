//! The Python wheel as a user installs it (`cargo xtask ci`'s step "as installed", `cargo xtask
//! check-wheel`): a fresh venv under `target/py-installed/` with nothing but the wheel and the
//! dependencies it declares (pip resolves them from PyPI; no pytest, no maturin), every command run
//! with no Rust toolchain on `PATH` and none of cargo's, rustup's or the engine's variables. Then:
//!
//! 1. `python -m kokoro_engine fetch-model --dir <tmp>` over the network (the same routes as any
//!    user's; the ONNX Runtime library is not fetched: it is the `onnxruntime` package's);
//! 2. one segment with word timings and WebVTT captions (`tests/as_installed.py narrate`: the WAV
//!    decodes, the words and the captions are there, the runtime is the package's);
//! 3. `pip install "<wheel>[celery]"`, then one task through a real Celery worker on a real
//!    `redis-server` (`tests/as_installed.py celery`, with the tests' `celery_cluster.py`).
//!
//! CI installs the dev-profile wheel `test-python` built just before (the same `build_wheel` code
//! path as the release wheel of `cargo xtask wheel`, which takes minutes of LTO on two cores); the
//! files, the dependencies and the commands are the same.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::{run, show};
use crate::python::{create_venv, pip_install};

/// The directories of one check, under `<target>/py-installed/` (emptied first).
pub struct Dirs {
    /// The fresh venv.
    pub venv: PathBuf,
    /// Where `fetch-model` installs the model.
    pub models: PathBuf,
    /// The WAV, the captions, the Celery cluster's Redis data and logs.
    pub work: PathBuf,
}

impl Dirs {
    /// The directories under `target`.
    pub fn under(target: &Path) -> Self {
        let base = target.join("py-installed");
        Self {
            venv: base.join("venv"),
            models: base.join("models"),
            work: base.join("work"),
        }
    }

    fn python(&self) -> PathBuf {
        self.venv.join("bin").join("python")
    }

    fn create(&self) -> Result<()> {
        if let Some(base) = self.venv.parent()
            && base.exists()
        {
            std::fs::remove_dir_all(base)
                .with_context(|| format!("cannot empty {}", base.display()))?;
        }
        std::fs::create_dir_all(&self.work)
            .with_context(|| format!("cannot create {}", self.work.display()))
    }
}

/// Whether the installed package must not see the variable `name`: cargo's, rustup's, rustc's,
/// PyO3's and maturin's, the engine's (model dir, runtime, fetch mirrors, the tests' switches),
/// and a `PYTHONPATH` or venv of this shell.
pub fn hidden(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    [
        "CARGO", "RUSTUP", "RUSTC", "RUST_", "PYO3_", "MATURIN", "KOKORO_",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
        || ["ORT_DYLIB_PATH", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"].contains(&name.as_ref())
}

/// `path` (a `PATH` value) without its directories that hold a Rust toolchain (`cargo`, `rustc`,
/// `rustup`) or maturin.
pub fn without_rust(path: &OsStr) -> OsString {
    let tools = ["cargo", "rustc", "rustup", "maturin"];
    let kept =
        std::env::split_paths(path).filter(|dir| !tools.iter().any(|t| dir.join(t).exists()));
    std::env::join_paths(kept).unwrap_or_default()
}

/// `cmd` with the environment of a user's shell that has no Rust: [`hidden`] variables removed,
/// `PATH` [`without_rust`].
fn as_user(mut cmd: Command) -> Command {
    for (name, _) in std::env::vars_os().filter(|(name, _)| hidden(name)) {
        cmd.env_remove(name);
    }
    cmd.env(
        "PATH",
        without_rust(&std::env::var_os("PATH").unwrap_or_default()),
    );
    cmd
}

/// The pip argument installing `wheel` with the extra `extra`: `/path/x.whl[celery]`.
pub fn with_extra(wheel: &Path, extra: &str) -> String {
    format!("{}[{extra}]", wheel.display())
}

/// Runs `step`, printing its wall time (`xtask: as installed: WHAT: 3.4 s`).
fn timed(what: &str, step: impl FnOnce() -> Result<()>) -> Result<()> {
    let started = std::time::Instant::now();
    let result = step();
    eprintln!(
        "xtask: as installed: {what}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    result
}

/// `pip install SPEC` into the venv of `python`, as a user without Rust.
fn pip(python: &Path, spec: &OsStr) -> Result<()> {
    let mut cmd = as_user(pip_install(python));
    run(cmd.arg(spec))
}

/// A venv holding a wheel and its declared dependencies, and the model fetched by it: the first
/// half of [`check`], which waits on the network and the disk (`ci` runs it beside pytest).
pub struct Prepared {
    dirs: Dirs,
    wheel: PathBuf,
}

/// The first half of [`check`]: the fresh venv, `pip install WHEEL`, `python -m kokoro_engine
/// fetch-model --dir <tmp>`.
pub fn prepare(target: &Path, wheel: &Path) -> Result<Prepared> {
    if !wheel.is_file() {
        bail!(
            "no wheel at {}: build it first (cargo xtask wheel --dev)",
            wheel.display()
        );
    }
    let dirs = Dirs::under(target);
    dirs.create()?;
    timed("python -m venv", || create_venv(&dirs.venv))?;
    let python = dirs.python();
    timed("pip install the wheel and its dependencies", || {
        pip(&python, wheel.as_os_str())
    })?;
    timed("python -m kokoro_engine fetch-model", || {
        let mut fetch = as_user(Command::new(&python));
        fetch
            .args(["-m", "kokoro_engine", "fetch-model", "--dir"])
            .arg(&dirs.models)
            .current_dir(&dirs.work);
        run(&mut fetch)
    })?;
    Ok(Prepared {
        dirs,
        wheel: wheel.to_path_buf(),
    })
}

/// The second half of [`check`]: one segment with word timings and captions, the `[celery]`
/// extra, one task through a worker; then the venv and the model (120 MB) are removed (the work
/// directory stays, for a look after a failure).
pub fn finish(root: &Path, prepared: &Prepared) -> Result<()> {
    let dirs = &prepared.dirs;
    let python = dirs.python();
    let script = root.join("crates/kokoro-py/tests/as_installed.py");
    let step = |what: &str| -> Result<()> {
        let mut cmd = as_user(Command::new(&python));
        cmd.arg(&script)
            .arg(what)
            .arg(&dirs.models)
            .arg(&dirs.work)
            .current_dir(&dirs.work);
        let shown = show(&cmd);
        run(&mut cmd).with_context(|| format!("the as-installed check failed: {shown}"))
    };
    timed("one segment, word timings, captions", || step("narrate"))?;
    timed("pip install the [celery] extra", || {
        pip(&python, OsStr::new(&with_extra(&prepared.wheel, "celery")))
    })?;
    timed("a task through a worker on redis-server", || step("celery"))?;
    for dir in [&dirs.venv, &dirs.models] {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    Ok(())
}

/// The whole check of `wheel`, in `target`; `root` is the workspace (for the scripts).
pub fn check(root: &Path, target: &Path, wheel: &Path) -> Result<()> {
    finish(root, &prepare(target, wheel)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_package_sees_no_rust_and_none_of_the_engines_variables() {
        for name in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "RUSTC_WRAPPER",
            "RUST_LOG",
            "PYO3_BUILD_EXTENSION_MODULE",
            "KOKORO_MODEL_DIR",
            "KOKORO_FETCH_PYPI_URL",
            "ORT_DYLIB_PATH",
            "PYTHONPATH",
            "VIRTUAL_ENV",
        ] {
            assert!(hidden(OsStr::new(name)), "{name}");
        }
        for name in ["PATH", "HOME", "LANG", "SSL_CERT_FILE", "TMPDIR"] {
            assert!(!hidden(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn path_loses_the_directories_that_hold_a_toolchain() -> Result<()> {
        let base = std::env::temp_dir().join(format!("xtask-path-{}", std::process::id()));
        let (cargo, tools, plain) = (base.join("cargo"), base.join("tools"), base.join("plain"));
        for dir in [&cargo, &tools, &plain] {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(cargo.join("rustc"), b"")?;
        std::fs::write(tools.join("maturin"), b"")?;
        std::fs::write(plain.join("python3"), b"")?;
        let path = std::env::join_paths([&cargo, &plain, &tools])?;
        assert_eq!(without_rust(&path), std::env::join_paths([&plain])?);
        std::fs::remove_dir_all(&base)?;
        Ok(())
    }

    #[test]
    fn the_extra_is_asked_of_the_wheel_file() {
        let wheel =
            Path::new("/t/py-wheels/kokoro_engine-0.1.0-cp39-abi3-manylinux_2_34_x86_64.whl");
        assert_eq!(
            with_extra(wheel, "celery"),
            "/t/py-wheels/kokoro_engine-0.1.0-cp39-abi3-manylinux_2_34_x86_64.whl[celery]"
        );
        let dirs = Dirs::under(Path::new("/t"));
        assert_eq!(dirs.python(), Path::new("/t/py-installed/venv/bin/python"));
        assert_ne!(dirs.models, dirs.work);
    }
}
