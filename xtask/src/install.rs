//! The `kokoro` CLI as a user gets it (`cargo xtask ci`'s step "cargo install, fetch-model, say"):
//! `cargo install --path crates/kokoro-cli` into a temporary root, then the installed `kokoro
//! fetch-model` into a temporary home, with no `KOKORO_MODEL_DIR` (so into the user's data
//! directory, over the network, through the same routes as for any user), then `kokoro say` from
//! another directory, which must find the model there.
//!
//! The install is a debug build (`--debug`): the release profile (fat LTO, one codegen unit) takes
//! minutes on CI's two cores, while the dev profile reuses what the tests compiled. The commands and
//! the files they use are the same.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The directories of one check, under `<target>/ci-install/` (emptied first).
pub struct Dirs {
    /// `cargo install --root`: the binary lands in `bin/`.
    pub root: PathBuf,
    /// `HOME` of the installed `kokoro`: the model goes to `home/.local/share/kokoro`.
    pub home: PathBuf,
    /// Where `kokoro fetch-model` runs (no `models/` there).
    pub fetch_cwd: PathBuf,
    /// Where `kokoro say` runs, another directory, and writes its WAV.
    pub say_cwd: PathBuf,
}

impl Dirs {
    /// The directories under `target`.
    pub fn under(target: &Path) -> Self {
        let base = target.join("ci-install");
        Self {
            root: base.join("root"),
            home: base.join("home"),
            fetch_cwd: base.join("fetch"),
            say_cwd: base.join("say"),
        }
    }

    /// The installed binary.
    pub fn kokoro(&self) -> PathBuf {
        self.root.join("bin").join("kokoro")
    }

    /// Where the model should land: the user's data directory under the temporary home.
    pub fn user_models(&self) -> PathBuf {
        self.home.join(".local/share/kokoro")
    }

    fn create(&self) -> Result<()> {
        if let Some(base) = self.root.parent()
            && base.exists()
        {
            std::fs::remove_dir_all(base)
                .with_context(|| format!("cannot empty {}", base.display()))?;
        }
        for dir in [&self.root, &self.home, &self.fetch_cwd, &self.say_cwd] {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(())
    }
}

/// The `cargo install` arguments: the CLI of this checkout, its default features (every language),
/// the workspace's lock, the dev profile, into `root`.
pub fn install_args(root: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "install",
        "--path",
        "crates/kokoro-cli",
        "--debug",
        "--locked",
        "--offline",
        "--root",
    ]
    .map(String::from)
    .to_vec();
    args.push(root.display().to_string());
    args
}

/// Whether the installed `kokoro` must not see `name`: a user's shell has none of the engine's
/// variables (model dir, runtime, dictionary, fetch mirrors, the tests' switches) and no
/// `XDG_DATA_HOME` of this machine.
pub fn hidden(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with("KOKORO_") || name == "ORT_DYLIB_PATH" || name == "XDG_DATA_HOME"
}

/// `kokoro <args>` as a user with home `home` runs it in `cwd`; its standard output.
fn kokoro(dirs: &Dirs, cwd: &Path, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new(dirs.kokoro());
    cmd.args(args).current_dir(cwd).env("HOME", &dirs.home);
    for (name, _) in std::env::vars_os().filter(|(name, _)| hidden(name)) {
        cmd.env_remove(name);
    }
    let shown = format!(
        "(cd {} && HOME={} kokoro {})",
        cwd.display(),
        dirs.home.display(),
        args.join(" ")
    );
    eprintln!("xtask: $ {shown}");
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprint!("{stdout}");
    if !out.status.success() {
        bail!("`{shown}` failed ({})", out.status);
    }
    Ok(stdout)
}

/// `say`'s outcome line is a success with a duration, for a WAV file that is there.
pub fn check_outcome(stdout: &str, wav: &Path) -> Result<()> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .context("kokoro say printed no outcome")?;
    let outcome: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("not an outcome: {line}"))?;
    let duration = outcome["duration"].as_f64().unwrap_or(0.0);
    if outcome["success"] != true || duration <= 0.0 {
        bail!("kokoro say failed: {line}");
    }
    let size = std::fs::metadata(wav)
        .with_context(|| format!("kokoro say wrote no {}", wav.display()))?
        .len();
    if size <= 44 {
        bail!("{} holds no audio ({size} bytes)", wav.display());
    }
    Ok(())
}

/// Runs cargo in the workspace root with arguments and extra environment.
pub type Cargo = dyn Fn(&[&str], &[(&str, &str)]) -> Result<()>;

/// The whole check, with `cargo` for the install.
pub fn check(target: &Path, cargo: &Cargo) -> Result<()> {
    let dirs = Dirs::under(target);
    dirs.create()?;
    let args = install_args(&dirs.root);
    cargo(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[("CARGO_INCREMENTAL", "0")],
    )?;
    kokoro(&dirs, &dirs.fetch_cwd, &["fetch-model"])?;
    let manifest = dirs.user_models().join("manifest.json");
    if !manifest.is_file() {
        bail!(
            "kokoro fetch-model did not install into the user's data directory ({} is missing)",
            manifest.display()
        );
    }
    let wav = dirs.say_cwd.join("hello.wav");
    let out = kokoro(
        &dirs,
        &dirs.say_cwd,
        &[
            "say",
            "Hello from the installed engine.",
            "--voice",
            "af_bella",
            "-o",
            "hello.wav",
        ],
    )?;
    check_outcome(&out, &wav)?;
    // The model (155 MB) is not kept; the binary and the WAV are, for a look after a failure.
    std::fs::remove_dir_all(&dirs.home)
        .with_context(|| format!("cannot remove {}", dirs.home.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_installs_this_checkouts_cli_as_a_debug_build_into_its_own_root() {
        let dirs = Dirs::under(Path::new("/t"));
        let args = install_args(&dirs.root);
        assert_eq!(
            args,
            [
                "install",
                "--path",
                "crates/kokoro-cli",
                "--debug",
                "--locked",
                "--offline",
                "--root",
                "/t/ci-install/root"
            ]
        );
        assert_eq!(dirs.kokoro(), Path::new("/t/ci-install/root/bin/kokoro"));
        assert_eq!(
            dirs.user_models(),
            Path::new("/t/ci-install/home/.local/share/kokoro")
        );
        assert_ne!(dirs.fetch_cwd, dirs.say_cwd);
    }

    #[test]
    fn the_installed_cli_sees_none_of_the_engines_variables() {
        for name in [
            "KOKORO_MODEL_DIR",
            "KOKORO_REQUIRE_MODEL",
            "KOKORO_FETCH_PYPI_URL",
            "KOKORO_JA_DICT",
            "ORT_DYLIB_PATH",
            "XDG_DATA_HOME",
        ] {
            assert!(hidden(OsStr::new(name)), "{name}");
        }
        for name in ["PATH", "SSL_CERT_FILE", "HOME", "LANG"] {
            assert!(!hidden(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn only_a_successful_outcome_with_a_file_passes() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("xtask-outcome-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let wav = dir.join("hello.wav");
        let ok = r#"{"success":true,"audio_path":"hello.wav","duration":1.7}"#;
        assert!(check_outcome(ok, &wav).is_err(), "no file");
        std::fs::write(&wav, [0u8; 4000])?;
        check_outcome(&format!("where: x\n{ok}\n"), &wav)?;
        for bad in [
            r#"{"success":false,"error":"no model"}"#,
            r#"{"success":true,"duration":0.0}"#,
            "nothing",
        ] {
            assert!(check_outcome(bad, &wav).is_err(), "{bad}");
        }
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
