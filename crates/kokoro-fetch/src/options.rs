//! What a fetch is asked to do: [`FetchOptions`].

use std::path::PathBuf;

use crate::sources::Sources;
use crate::variant::Variant;

/// What [`fetch_model`](crate::fetch_model) is asked to do.
///
/// Build it with [`FetchOptions::new`] and the `with_*` setters (or set the public fields):
///
/// ```
/// use kokoro_fetch::{FetchOptions, Variant};
///
/// let opts = FetchOptions::new("/srv/kokoro-models")
///     .with_variant(Variant::V1Int8)
///     .with_japanese(true);
/// assert!(opts.runtime && !opts.force && opts.cache.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchOptions {
    /// The variant to install (default [`Variant::V1Int8`], pinned).
    pub variant: Variant,
    /// The model directory to install into (created if needed).
    pub dir: PathBuf,
    /// A directory that keeps verified downloads (wheels, tarballs) between runs; `None` (the
    /// default) downloads into a temporary directory beside `dir`, removed afterwards.
    pub cache: Option<PathBuf>,
    /// Download and extract everything again, even what is present and verified.
    pub force: bool,
    /// Install the ONNX Runtime library under `dir/onnxruntime/` (default true; pinned for
    /// x86-64 Linux with glibc only, skipped elsewhere and when `ORT_DYLIB_PATH` is set).
    pub runtime: bool,
    /// Install the Japanese front end's files under `dir/ja/` (UniDic, 260 MB, and misaki's word
    /// list; default false). Without it, Japanese files already installed and verified stay
    /// recorded in the manifest; nothing is deleted.
    pub japanese: bool,
    /// Where the files come from (default [`Sources::from_env`]: the official hosts, or the
    /// `KOKORO_FETCH_*_URL` variables).
    pub sources: Sources,
}

impl FetchOptions {
    /// The default variant into `dir`: no cache, runtime yes, Japanese no, not forced, the
    /// sources of the environment ([`Sources::from_env`]).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            variant: Variant::default(),
            dir: dir.into(),
            cache: None,
            force: false,
            runtime: true,
            japanese: false,
            sources: Sources::from_env(),
        }
    }

    /// This with another variant.
    #[must_use]
    pub fn with_variant(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
    }

    /// This keeping verified downloads in `cache` (or not, with `None`).
    #[must_use]
    pub fn with_cache(mut self, cache: Option<PathBuf>) -> Self {
        self.cache = cache;
        self
    }

    /// This fetching everything again (`true`) or only what is missing or wrong.
    #[must_use]
    pub fn with_force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// This with or without the ONNX Runtime library.
    #[must_use]
    pub fn with_runtime(mut self, runtime: bool) -> Self {
        self.runtime = runtime;
        self
    }

    /// This taking its files from `sources`.
    #[must_use]
    pub fn with_sources(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }

    /// This with or without the Japanese dictionary and word list.
    #[must_use]
    pub fn with_japanese(mut self, japanese: bool) -> Self {
        self.japanese = japanese;
        self
    }
}
