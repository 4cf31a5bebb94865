//! The Japanese front end's files under `ja/`: UniDic (unidic-lite's `dicdir`) and misaki's word list,
//! each checked against its pin. They do not depend on the model variant, and are installed only on
//! request ([`FetchOptions::japanese`](crate::FetchOptions::japanese)).

use std::io;

use super::Fetcher;
use crate::error::{Error, ErrorKind, Result};
use crate::extract::each_tar_entry;
use crate::fsutil;
use crate::pins;

impl Fetcher<'_> {
    /// Installs the dictionary and the word list, fetching what is missing or wrong.
    pub(super) fn japanese(&mut self) -> Result<()> {
        let mut missing = Vec::new();
        for &(name, pin) in &pins::JA_DICT_FILES {
            if !self.present(&format!("ja/{name}"), pin.into())? {
                missing.push((name, pin));
            }
        }
        if missing.is_empty() {
            self.progress.step("ja: dictionary present and verified");
        } else {
            let sdist = self.wheel(&pins::JA_DICT_SDIST)?;
            self.progress.step(&format!(
                "ja: extracting {} dictionary files",
                missing.len()
            ));
            let dir = self.opts.dir.join("ja");
            each_tar_entry(&sdist, |path, entry| {
                let Some(name) = path.strip_prefix(pins::JA_DICT_TAR_DIR) else {
                    return Ok(true);
                };
                let Some(i) = missing.iter().position(|(n, _)| *n == name) else {
                    return Ok(true);
                };
                let (name, pin) = missing.remove(i);
                let dest = dir.join(name);
                fsutil::write_verified(&dest, Some(pin.into()), |w| {
                    io::copy(entry, w)
                        .map(drop)
                        .map_err(|e| Error::io("cannot extract", &dest, e))
                })?;
                self.progress
                    .step(&format!("ja/{name}: {} bytes, sha256 verified", pin.bytes));
                Ok(!missing.is_empty())
            })?;
            if !missing.is_empty() {
                return Err(Error::new(
                    ErrorKind::Archive,
                    format!(
                        "{} lacks {:?}: the pinned archive should hold them all",
                        sdist.display(),
                        missing.iter().map(|(n, _)| *n).collect::<Vec<_>>()
                    ),
                ));
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
        )
    }

    /// Without a request for Japanese: records the Japanese files already installed and verified
    /// (a fetch without `japanese` forgets nothing), fetches and deletes nothing.
    pub(super) fn japanese_kept(&mut self) -> Result<()> {
        let files = pins::JA_DICT_FILES
            .iter()
            .map(|&(name, pin)| (format!("ja/{name}"), pin))
            .chain(std::iter::once((
                "ja/ja_words.txt".to_owned(),
                pins::JA_WORDS,
            )));
        let mut kept = 0;
        for (rel, pin) in files {
            if self.installed(&rel, pin.into())? {
                self.record(&rel, pin.sha256, pin.bytes, true);
                kept += 1;
            }
        }
        if kept > 0 {
            self.progress.step(&format!(
                "ja: {kept} files already installed and verified, kept (not asked to fetch Japanese)"
            ));
        } else {
            self.progress
                .detail("ja: not installed (the Japanese dictionary is fetched on request only)");
        }
        Ok(())
    }
}
