//! The Japanese front end's files under `ja/`: UniDic (unidic-lite's `dicdir`) and misaki's word list,
//! each checked against its pin. They do not depend on the model variant.

use std::fs::File;
use std::io::{self, BufReader};

use anyhow::{Context, Result, bail};

use super::Fetcher;
use crate::fsutil;
use crate::pins;

impl Fetcher<'_> {
    pub(super) fn japanese(&mut self) -> Result<()> {
        let mut missing = Vec::new();
        for &(name, pin) in &pins::JA_DICT_FILES {
            if !self.present(&format!("ja/{name}"), pin.into())? {
                missing.push((name, pin));
            }
        }
        if missing.is_empty() {
            self.ui.step("ja: dictionary present and verified");
        } else {
            let sdist = self.wheel(&pins::JA_DICT_SDIST)?;
            self.ui
                .step(format!("ja: extracting {} dictionary files", missing.len()));
            let file =
                File::open(&sdist).with_context(|| format!("cannot open {}", sdist.display()))?;
            let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
            let entries = archive
                .entries()
                .with_context(|| format!("{} is not a valid tarball", sdist.display()))?;
            for entry in entries {
                let mut entry = entry.with_context(|| format!("{} is corrupt", sdist.display()))?;
                let path = entry.path()?.to_string_lossy().into_owned();
                let Some(name) = path.strip_prefix(pins::JA_DICT_TAR_DIR) else {
                    continue;
                };
                let Some(i) = missing.iter().position(|(n, _)| *n == name) else {
                    continue;
                };
                let (name, pin) = missing.remove(i);
                let dest = self.opts.dir.join("ja").join(name);
                fsutil::write_verified(&dest, Some(pin.into()), |w| {
                    io::copy(&mut entry, w).map(drop).map_err(Into::into)
                })?;
                self.ui
                    .step(format!("ja/{name}: {} bytes, sha256 verified", pin.bytes));
            }
            if !missing.is_empty() {
                bail!(
                    "{} lacks {:?}: the pinned archive should hold them all",
                    sdist.display(),
                    missing.iter().map(|(n, _)| *n).collect::<Vec<_>>()
                );
            }
        }
        for &(name, pin) in &pins::JA_DICT_FILES {
            self.record(&format!("ja/{name}"), pin.sha256, pin.bytes, true);
        }
        self.wheel_file(
            "ja/ja_words.txt",
            pins::JA_WORDS,
            &pins::JA_WORDS_WHEEL,
            pins::JA_WORDS_ENTRY,
        )?;
        Ok(())
    }
}
