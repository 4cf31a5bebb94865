//! The voice catalog: which voices exist, lazy loading, fallback resolution and blends.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::blend::{BlendSpec, blend};
use crate::error::{Error, ErrorKind, Result};
use crate::info::{VoiceInfo, voice_info};
use crate::npz::read_npz;
use crate::pack::VoicePack;

/// The voice used when none is requested.
pub const DEFAULT_VOICE: &str = "af_bella";

/// The order in which [`VoiceCatalog::resolve`] picks a replacement for a missing, empty or
/// unknown voice: the first of these ids present in the catalog. When none is present, the
/// first voice of the catalog in sorted id order is used instead.
///
/// It starts with [`DEFAULT_VOICE`] and prefers English voices, so a story never goes silent
/// because of a typo in a voice name.
pub const FALLBACK_ORDER: &[&str] = &[
    "af_bella",
    "af_heart",
    "af_sarah",
    "af_nicole",
    "am_adam",
    "am_michael",
    "bf_emma",
    "bm_george",
];

/// The signature of a zip archive (an NPZ file).
const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";

/// The outcome of [`VoiceCatalog::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedVoice {
    /// What will be used: a voice id, or a canonical blend spec (`af_bella:0.7,am_adam:0.3`);
    /// pass it to [`VoiceCatalog::voice`] or [`VoiceCatalog::style`].
    pub spec: String,
    /// What the caller asked for, unchanged (`None` asks for [`DEFAULT_VOICE`]).
    pub requested: Option<String>,
    /// True when `spec` is not what was asked for (the request, or [`DEFAULT_VOICE`] for
    /// `None`, was empty or not in the catalog).
    pub fell_back: bool,
}

/// A set of voices, from a directory of `<id>.bin` packs, an NPZ archive, or packs in memory.
///
/// Directory catalogs scan file names only and load each pack on first use; loaded packs and
/// built blends are cached (the cache grows with each distinct blend spec used). The catalog is
/// `Send + Sync`: share it behind an `Arc`.
pub struct VoiceCatalog {
    /// Sorted by id, no duplicates.
    voices: Vec<VoiceInfo>,
    /// Where lazily loaded packs live (directory catalogs only).
    dir: Option<PathBuf>,
    /// Where the catalog came from, for messages.
    origin: String,
    /// Loaded packs by id, and built blends by canonical spec.
    cache: Mutex<HashMap<String, Arc<VoicePack>>>,
}

impl fmt::Debug for VoiceCatalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoiceCatalog")
            .field("origin", &self.origin)
            .field("voices", &self.voices.len())
            .finish_non_exhaustive()
    }
}

impl VoiceCatalog {
    /// Opens a directory of `<id>.bin` packs ([`from_dir`](Self::from_dir)), an NPZ archive
    /// such as `voices-v1.0.bin` ([`from_npz`](Self::from_npz)), or a single raw `.bin` pack.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the path cannot be read; otherwise those of the chosen loader.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::with_source(
                ErrorKind::Io,
                format!(
                    "cannot open voices at {}: {e}: run `kokoro fetch-model` or point to a directory of `<id>.bin` packs or a `voices-v1.0.bin` archive",
                    path.display()
                ),
                e,
            )
        })?;
        if meta.is_dir() {
            Self::from_dir(path)
        } else if is_zip(path) {
            Self::from_npz(path)
        } else {
            let pack = VoicePack::load(path)?;
            Ok(Self::build(vec![pack], None, path.display().to_string()))
        }
    }

    /// Scans a directory for `<id>.bin` packs (ids made of ASCII letters, digits, `_` and `-`).
    /// Only names are read (plus a 4-byte signature, to skip NPZ archives that share the
    /// directory); each pack is loaded and validated on first use.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the directory cannot be listed.
    pub fn from_dir(path: impl AsRef<Path>) -> Result<Self> {
        let dir = path.as_ref();
        let io_err = |e: std::io::Error| {
            Error::with_source(
                ErrorKind::Io,
                format!(
                    "cannot list voice directory {}: {e}: check the path or run `kokoro fetch-model`",
                    dir.display()
                ),
                e,
            )
        };
        let mut voices = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_err)? {
            let file = entry.map_err(io_err)?.path();
            if file.extension().and_then(|e| e.to_str()) != Some("bin") || !file.is_file() {
                continue;
            }
            let Some(id) = file.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !is_valid_id(id) {
                tracing::debug!(file = %file.display(), "skipping file whose name is not a voice id");
                continue;
            }
            if is_zip(&file) {
                tracing::debug!(
                    file = %file.display(),
                    "skipping npz archive in voice directory; open it with VoiceCatalog::open"
                );
                continue;
            }
            voices.push(voice_info(id));
        }
        voices.sort_by(|a, b| a.id.cmp(&b.id));
        if voices.is_empty() {
            tracing::warn!(dir = %dir.display(), "voice directory holds no <id>.bin packs");
        }
        tracing::debug!(dir = %dir.display(), voices = voices.len(), "scanned voice directory");
        Ok(Self {
            voices,
            dir: Some(dir.to_path_buf()),
            origin: dir.display().to_string(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Loads every pack of an NPZ archive (`voices-v1.0.bin`, v0.19 `voices.bin`).
    ///
    /// # Errors
    /// Those of [`read_npz`](crate::read_npz).
    pub fn from_npz(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let packs = read_npz(path)?;
        Ok(Self::build(packs, None, path.display().to_string()))
    }

    /// A catalog of packs already in memory (tests, embedded voices). When two packs share an
    /// id, the later one wins.
    #[must_use]
    pub fn from_packs(packs: Vec<VoicePack>) -> Self {
        Self::build(packs, None, "(in-memory packs)".to_owned())
    }

    fn build(packs: Vec<VoicePack>, dir: Option<PathBuf>, origin: String) -> Self {
        let mut cache = HashMap::with_capacity(packs.len());
        for pack in packs {
            let id = pack.id().to_owned();
            if cache.insert(id.clone(), Arc::new(pack)).is_some() {
                tracing::warn!(voice = %id, catalog = %origin, "duplicate voice id: keeping the later pack");
            }
        }
        let mut voices: Vec<VoiceInfo> = cache.keys().map(|id| voice_info(id)).collect();
        voices.sort_by(|a, b| a.id.cmp(&b.id));
        Self {
            voices,
            dir,
            origin,
            cache: Mutex::new(cache),
        }
    }

    /// Every voice, sorted by id.
    #[must_use]
    pub fn list(&self) -> &[VoiceInfo] {
        &self.voices
    }

    /// True when `id` names a voice of the catalog (a plain id, not a blend spec).
    #[must_use]
    pub fn contains(&self, id: &str) -> bool {
        self.voices
            .binary_search_by(|v| v.id.as_str().cmp(id))
            .is_ok()
    }

    /// Number of voices.
    #[must_use]
    pub fn len(&self) -> usize {
        self.voices.len()
    }

    /// True when the catalog holds no voice.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.voices.is_empty()
    }

    /// The voice a fallback goes to: the first id of [`FALLBACK_ORDER`] in the catalog, else
    /// the first voice in sorted order; `None` for an empty catalog.
    #[must_use]
    pub fn fallback_voice(&self) -> Option<&str> {
        FALLBACK_ORDER
            .iter()
            .copied()
            .find(|id| self.contains(id))
            .or_else(|| self.voices.first().map(|v| v.id.as_str()))
    }

    /// The pack of voice `id`, loaded (and validated) on first use, then cached.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownVoice`] when `id` is not in the catalog; for directory catalogs,
    /// the errors of [`VoicePack::load`] (a truncated or corrupt file).
    pub fn pack(&self, id: &str) -> Result<Arc<VoicePack>> {
        if let Some(pack) = self.cache().get(id) {
            return Ok(Arc::clone(pack));
        }
        let dir = match &self.dir {
            Some(dir) if self.contains(id) => dir,
            _ => return Err(self.unknown(id)),
        };
        // Load without holding the lock; if two threads race, the first insert wins.
        let pack = Arc::new(VoicePack::load(dir.join(format!("{id}.bin")))?);
        Ok(Arc::clone(
            self.cache().entry(id.to_owned()).or_insert(pack),
        ))
    }

    /// Chooses the voice to use for a request, never failing for a bad voice name:
    /// - a known id resolves to itself (surrounding whitespace ignored);
    /// - `None` resolves to [`DEFAULT_VOICE`];
    /// - an unknown, empty or whitespace id falls back (see [`FALLBACK_ORDER`]) with a warning;
    /// - a blend spec (`af_bella:0.7,am_adam:0.3`) resolves to its canonical form, or falls back
    ///   with a warning when one of its voices is unknown.
    ///
    /// # Errors
    /// [`ErrorKind::EmptyCatalog`] when the catalog holds no voice;
    /// [`ErrorKind::InvalidBlend`] for a malformed blend spec (bad weight, empty part).
    pub fn resolve(&self, requested: Option<&str>) -> Result<ResolvedVoice> {
        let fallback = self.fallback_voice().ok_or_else(|| {
            Error::new(
                ErrorKind::EmptyCatalog,
                format!(
                    "the voice catalog at {} holds no voice: run `kokoro fetch-model` or point to a directory of `<id>.bin` packs",
                    self.origin
                ),
            )
        })?;
        let done = |spec: &str, fell_back: bool| ResolvedVoice {
            spec: spec.to_owned(),
            requested: requested.map(str::to_owned),
            fell_back,
        };
        // Logged once per fallback, with what was asked and what is used instead.
        let fall_back = |why: &str| {
            tracing::warn!(requested = ?requested, using = fallback, "{why}; falling back");
            Ok(done(fallback, true))
        };
        let Some(wanted) = requested.map(str::trim) else {
            if self.contains(DEFAULT_VOICE) {
                return Ok(done(DEFAULT_VOICE, false));
            }
            return fall_back(&format!(
                "default voice {DEFAULT_VOICE} is not in the catalog"
            ));
        };
        if wanted.is_empty() {
            return fall_back("empty voice id");
        }
        if wanted.contains([':', ',']) {
            let spec = BlendSpec::parse(wanted)?;
            if let Some((missing, _)) = spec.parts().iter().find(|(id, _)| !self.contains(id)) {
                return fall_back(&format!(
                    "blend names a voice that is not in the catalog ({missing})"
                ));
            }
            return Ok(done(&spec.to_string(), false));
        }
        if self.contains(wanted) {
            return Ok(done(wanted, false));
        }
        fall_back("unknown voice")
    }

    /// The pack for a voice id or a blend spec; a blend is built once and cached under its
    /// canonical spec. Strict: unlike [`resolve`](Self::resolve), unknown ids are errors.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidBlend`] for a malformed spec, [`ErrorKind::UnknownVoice`] for an
    /// unknown id, and the errors of [`pack`](Self::pack).
    pub fn voice(&self, spec: &str) -> Result<Arc<VoicePack>> {
        let spec = spec.trim();
        if !spec.contains([':', ',']) {
            return self.pack(spec);
        }
        let parsed = BlendSpec::parse(spec)?;
        if let Some(id) = parsed.single() {
            return self.pack(id);
        }
        let key = parsed.to_string();
        if let Some(pack) = self.cache().get(&key) {
            return Ok(Arc::clone(pack));
        }
        let packs = parsed
            .parts()
            .iter()
            .map(|(id, w)| Ok((self.pack(id)?, *w)))
            .collect::<Result<Vec<_>>>()?;
        let parts: Vec<(&VoicePack, f32)> = packs.iter().map(|(p, w)| (p.as_ref(), *w)).collect();
        let blended = Arc::new(blend(&parts)?);
        tracing::debug!(spec = %key, rows = blended.rows(), "built voice blend");
        Ok(Arc::clone(self.cache().entry(key).or_insert(blended)))
    }

    /// The style vector ([`STYLE_DIM`](crate::STYLE_DIM) values) of a voice id or blend spec
    /// for `n_tokens` phoneme tokens; see [`VoicePack::style_for_tokens`].
    ///
    /// # Errors
    /// Those of [`voice`](Self::voice).
    pub fn style(&self, spec: &str, n_tokens: usize) -> Result<Vec<f32>> {
        Ok(self.voice(spec)?.style_for_tokens(n_tokens).to_vec())
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<String, Arc<VoicePack>>> {
        // The map stays consistent even if a holder panicked: recover it.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn unknown(&self, id: &str) -> Error {
        let known: Vec<&str> = self.voices.iter().map(|v| v.id.as_str()).collect();
        Error::new(
            ErrorKind::UnknownVoice,
            format!(
                "unknown voice `{id}` in the catalog at {}: use one of {} ({} voices)",
                self.origin,
                known.join(", "),
                known.len()
            ),
        )
    }
}

/// Ids a directory scan accepts: ASCII letters, digits, `_` and `-`.
fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// True when the file starts with the zip signature.
fn is_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == ZIP_MAGIC
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npz::tests::{f32_npy, zip_of};
    use crate::pack::STYLE_DIM;

    /// The 54 voice ids of Kokoro v1.0 (file names of the kokoro-js 1.2.1 packs).
    const V1_IDS: [&str; 54] = [
        "af_alloy",
        "af_aoede",
        "af_bella",
        "af_heart",
        "af_jessica",
        "af_kore",
        "af_nicole",
        "af_nova",
        "af_river",
        "af_sarah",
        "af_sky",
        "am_adam",
        "am_echo",
        "am_eric",
        "am_fenrir",
        "am_liam",
        "am_michael",
        "am_onyx",
        "am_puck",
        "am_santa",
        "bf_alice",
        "bf_emma",
        "bf_isabella",
        "bf_lily",
        "bm_daniel",
        "bm_fable",
        "bm_george",
        "bm_lewis",
        "ef_dora",
        "em_alex",
        "em_santa",
        "ff_siwis",
        "hf_alpha",
        "hf_beta",
        "hm_omega",
        "hm_psi",
        "if_sara",
        "im_nicola",
        "jf_alpha",
        "jf_gongitsune",
        "jf_nezumi",
        "jf_tebukuro",
        "jm_kumo",
        "pf_dora",
        "pm_alex",
        "pm_santa",
        "zf_xiaobei",
        "zf_xiaoni",
        "zf_xiaoxiao",
        "zf_xiaoyi",
        "zm_yunjian",
        "zm_yunxi",
        "zm_yunxia",
        "zm_yunyang",
    ];

    const STORYFLOW: [&str; 7] = [
        "af_bella",
        "af_sarah",
        "af_nicole",
        "am_adam",
        "am_michael",
        "bf_emma",
        "bm_george",
    ];

    /// A synthetic pack: row `r` is filled with `seed + r`.
    fn synthetic(id: &str, rows: usize, seed: f32) -> VoicePack {
        let values = (0..rows * STYLE_DIM)
            .map(|i| seed + (i / STYLE_DIM) as f32)
            .collect();
        VoicePack::from_values(id, values).unwrap()
    }

    /// A temp dir holding `<id>.bin` synthetic packs (4 rows; seed = position in `ids`).
    fn dir_of(ids: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (i, id) in ids.iter().enumerate() {
            let pack = synthetic(id, 4, i as f32 * 100.0);
            std::fs::write(dir.path().join(format!("{id}.bin")), pack.to_bytes()).unwrap();
        }
        dir
    }

    #[test]
    fn storyflow_voices_resolve_to_themselves() {
        let dir = dir_of(&V1_IDS);
        let catalog = VoiceCatalog::open(dir.path()).unwrap();
        assert_eq!(catalog.len(), 54);
        let listed: Vec<&str> = catalog.list().iter().map(|v| v.id.as_str()).collect();
        let mut sorted = V1_IDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(listed, sorted);
        for id in STORYFLOW {
            let r = catalog.resolve(Some(id)).unwrap();
            assert_eq!(r.spec, id);
            assert!(!r.fell_back, "{id}");
            assert_eq!(r.requested.as_deref(), Some(id));
            let pack = catalog.pack(&r.spec).unwrap();
            assert_eq!(pack.id(), id);
            assert_eq!(pack.rows(), 4);
        }
    }

    #[test]
    fn missing_af_bella_falls_back_to_af_heart() {
        let ids: Vec<&str> = V1_IDS
            .iter()
            .copied()
            .filter(|id| *id != "af_bella")
            .collect();
        let dir = dir_of(&ids);
        let catalog = VoiceCatalog::from_dir(dir.path()).unwrap();
        assert_eq!(catalog.fallback_voice(), Some("af_heart"));
        let r = catalog.resolve(Some("af_bella")).unwrap();
        assert_eq!((r.spec.as_str(), r.fell_back), ("af_heart", true));
        let r = catalog.resolve(None).unwrap();
        assert_eq!((r.spec.as_str(), r.fell_back), ("af_heart", true));
    }

    #[test]
    fn unknown_empty_and_none_requests() {
        let catalog = VoiceCatalog::from_packs(
            ["af_sarah", "af_bella", "zf_xiaobei"]
                .iter()
                .map(|id| synthetic(id, 2, 0.0))
                .collect(),
        );
        for bad in ["af_nobody", "", "   ", "AF_BELLA"] {
            let r = catalog.resolve(Some(bad)).unwrap();
            assert_eq!(r.spec, "af_bella", "{bad:?}");
            assert!(r.fell_back, "{bad:?}");
            assert_eq!(r.requested.as_deref(), Some(bad));
        }
        let r = catalog.resolve(None).unwrap();
        assert_eq!(
            (r.spec.as_str(), r.fell_back, r.requested),
            ("af_bella", false, None)
        );
        let r = catalog.resolve(Some("  af_sarah ")).unwrap();
        assert_eq!((r.spec.as_str(), r.fell_back), ("af_sarah", false));
    }

    #[test]
    fn fallback_without_any_preferred_voice_takes_first_sorted() {
        let catalog = VoiceCatalog::from_packs(vec![
            synthetic("zm_yunxi", 1, 0.0),
            synthetic("ff_siwis", 1, 0.0),
        ]);
        let r = catalog.resolve(Some("af_bella")).unwrap();
        assert_eq!((r.spec.as_str(), r.fell_back), ("ff_siwis", true));
    }

    #[test]
    fn empty_catalog_is_the_only_resolve_error_for_ids() {
        let catalog = VoiceCatalog::from_packs(Vec::new());
        assert!(catalog.is_empty());
        let err = catalog.resolve(Some("af_bella")).unwrap_err();
        assert!(err.is_empty_catalog());
        assert!(catalog.resolve(None).unwrap_err().is_empty_catalog());

        let dir = tempfile::tempdir().unwrap();
        let catalog = VoiceCatalog::open(dir.path()).unwrap();
        assert!(catalog.is_empty());
        assert!(catalog.resolve(None).unwrap_err().is_empty_catalog());
    }

    #[test]
    fn blend_specs_in_resolve() {
        let dir = dir_of(&["af_bella", "am_adam", "af_heart"]);
        let catalog = VoiceCatalog::open(dir.path()).unwrap();
        let r = catalog.resolve(Some("af_bella:7, am_adam:3")).unwrap();
        assert_eq!(
            (r.spec.as_str(), r.fell_back),
            ("af_bella:0.7,am_adam:0.3", false)
        );

        let r = catalog.resolve(Some("af_bella:0.5,am_nobody:0.5")).unwrap();
        assert_eq!((r.spec.as_str(), r.fell_back), ("af_bella", true));

        for bad in [
            "af_bella:NaN,am_adam:1",
            "af_bella:-1,am_adam:2",
            "af_bella:0",
            "af_bella:x",
        ] {
            let err = catalog.resolve(Some(bad)).unwrap_err();
            assert!(err.is_invalid_blend(), "{bad}: {err}");
        }
    }

    #[test]
    fn voice_builds_and_caches_blends() {
        let dir = dir_of(&["af_bella", "am_adam"]);
        let catalog = VoiceCatalog::open(dir.path()).unwrap();
        let spec = catalog
            .resolve(Some("af_bella:0.7,am_adam:0.3"))
            .unwrap()
            .spec;
        let a = catalog.voice(&spec).unwrap();
        let b = catalog.voice("am_adam:3,af_bella:7").unwrap();
        let again = catalog.voice(&spec).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        // af_bella rows are r, am_adam rows are 100 + r: 0.7 r + 0.3 (100 + r) = r + 30.
        let style = catalog.style(&spec, 3).unwrap();
        assert_eq!(style.len(), STYLE_DIM);
        assert!((style[0] - 32.0).abs() < 1e-4, "{}", style[0]);
        // Order of parts changes the key, not the values.
        for (x, y) in a.values().iter().zip(b.values()) {
            assert!((x - y).abs() < 1e-4);
        }
        assert!(
            catalog
                .voice("af_bella:1,am_nobody:1")
                .unwrap_err()
                .is_unknown_voice()
        );
        assert!(catalog.voice("af_bella:-1").unwrap_err().is_invalid_blend());
        assert!(Arc::ptr_eq(
            &catalog.voice("af_bella:1").unwrap(),
            &catalog.pack("af_bella").unwrap()
        ));
    }

    #[test]
    fn packs_load_lazily_once() {
        let dir = dir_of(&["af_bella", "bm_george"]);
        let catalog = VoiceCatalog::from_dir(dir.path()).unwrap();
        // Corrupt a file after the scan: the catalog only read names, so the error shows on use.
        std::fs::write(dir.path().join("bm_george.bin"), [0u8; 1000]).unwrap();
        let first = catalog.pack("af_bella").unwrap();
        let second = catalog.pack("af_bella").unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        let err = catalog.pack("bm_george").unwrap_err();
        assert!(err.is_invalid_pack());
        assert!(err.to_string().contains("bm_george.bin"), "{err}");
        // A resolve stays soft: the id is known, so it resolves to itself.
        assert_eq!(
            catalog.resolve(Some("bm_george")).unwrap().spec,
            "bm_george"
        );
    }

    #[test]
    fn bad_packs_on_disk_are_rejected_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut nan = vec![0.1f32; STYLE_DIM];
        nan[7] = f32::NAN;
        let nan: Vec<u8> = nan.iter().flat_map(|v| v.to_le_bytes()).collect();
        let cases: [(&str, Vec<u8>); 3] = [
            ("af_truncated", vec![0u8; 1000]),
            ("af_wrongsize", vec![0u8; 1024 * 3 + 512]),
            ("af_nan", nan),
        ];
        for (id, bytes) in &cases {
            std::fs::write(dir.path().join(format!("{id}.bin")), bytes).unwrap();
        }
        let catalog = VoiceCatalog::open(dir.path()).unwrap();
        assert_eq!(catalog.len(), 3);
        for (id, _) in &cases {
            let err = catalog.pack(id).unwrap_err();
            assert!(err.is_invalid_pack(), "{id}: {err}");
            assert!(err.to_string().contains(&format!("{id}.bin")), "{err}");
        }
    }

    #[test]
    fn unknown_pack_is_an_error_listing_voices() {
        let catalog = VoiceCatalog::from_packs(vec![synthetic("af_bella", 1, 0.0)]);
        let err = catalog.pack("af_nobody").unwrap_err();
        assert!(err.is_unknown_voice());
        let msg = err.to_string();
        assert!(
            msg.contains("af_nobody") && msg.contains("af_bella"),
            "{msg}"
        );
    }

    #[test]
    fn open_accepts_npz_and_single_packs_and_dir_skips_archives() {
        let dir = tempfile::tempdir().unwrap();
        let npz = zip_of(
            &[
                ("af_bella.npy", f32_npy(510, 0.0)),
                ("bm_george.npy", f32_npy(510, 1.0)),
            ],
            zip::CompressionMethod::Deflated,
        );
        let npz_path = dir.path().join("voices-v1.0.bin");
        std::fs::write(&npz_path, &npz).unwrap();
        // An NPZ whose name is a valid id is also recognised by its signature.
        std::fs::write(dir.path().join("voices.bin"), &npz).unwrap();
        std::fs::write(
            dir.path().join("am_adam.bin"),
            synthetic("x", 2, 0.0).to_bytes(),
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"hello").unwrap();

        let catalog = VoiceCatalog::open(&npz_path).unwrap();
        let ids: Vec<&str> = catalog.list().iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["af_bella", "bm_george"]);
        assert_eq!(catalog.pack("bm_george").unwrap().rows(), 510);
        assert_eq!(catalog.style("bm_george", 10).unwrap()[0], 10.0);

        let single = VoiceCatalog::open(dir.path().join("am_adam.bin")).unwrap();
        assert_eq!(single.list().len(), 1);
        assert!(single.contains("am_adam"));

        let scanned = VoiceCatalog::open(dir.path()).unwrap();
        let ids: Vec<&str> = scanned.list().iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["am_adam"]);

        let err = VoiceCatalog::open(dir.path().join("missing")).unwrap_err();
        assert!(err.is_io());
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn from_packs_keeps_later_duplicate() {
        let catalog = VoiceCatalog::from_packs(vec![
            synthetic("af_bella", 1, 1.0),
            synthetic("af_bella", 1, 2.0),
        ]);
        assert_eq!(catalog.len(), 1);
        assert_eq!(catalog.pack("af_bella").unwrap().values()[0], 2.0);
    }

    #[test]
    fn catalog_is_send_sync_and_shareable() {
        fn check<T: Send + Sync>() {}
        check::<VoiceCatalog>();
        let dir = dir_of(&STORYFLOW);
        let catalog = Arc::new(VoiceCatalog::open(dir.path()).unwrap());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let c = Arc::clone(&catalog);
                std::thread::spawn(move || c.pack("bf_emma").unwrap())
            })
            .collect();
        let packs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let cached = catalog.pack("bf_emma").unwrap();
        assert!(packs.iter().all(|p| Arc::ptr_eq(p, &cached)));
    }

    #[test]
    fn voice_info_is_listed() {
        let catalog = VoiceCatalog::from_packs(vec![synthetic("bm_george", 1, 0.0)]);
        let info = &catalog.list()[0];
        assert_eq!(info.language, Some(crate::Language::EnglishGb));
        assert_eq!(info.gender, crate::Gender::Male);
    }
}
