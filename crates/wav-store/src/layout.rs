//! Safe ids and the deterministic media layout.

use crate::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// Longest accepted id, in bytes.
pub const MAX_ID_LEN: usize = 128;

const DEFAULT_MEDIA_ROOT: &str = "media";
const DEFAULT_MEDIA_URL: &str = "/media/";

/// Checks that `id` is safe to use as one path component.
///
/// Accepted: 1 to [`MAX_ID_LEN`] bytes of ASCII letters, digits, `-`, `_`
/// and `.`, not starting with `.` and not containing `..`. UUIDs
/// (`3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e`) and slugs (`chapter-01_intro`)
/// pass; `.`, `..`, `.hidden`, `a/b`, `a\b`, spaces, NUL and non-ASCII
/// characters are rejected.
///
/// # Errors
///
/// [`ErrorKind::InvalidId`], with a message quoting the id.
pub fn validate_id(id: &str) -> Result<(), Error> {
    let reason = if id.is_empty() {
        Some("it is empty".to_owned())
    } else if id.len() > MAX_ID_LEN {
        Some(format!(
            "it is {} bytes long (at most {MAX_ID_LEN})",
            id.len()
        ))
    } else if id.starts_with('.') {
        Some("it starts with `.`".to_owned())
    } else if id.contains("..") {
        Some("it contains `..`".to_owned())
    } else {
        id.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .map(|c| format!("it contains {c:?}"))
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(Error::new(
            ErrorKind::InvalidId,
            format!(
                "invalid id {id:?}: {reason}; use 1-{MAX_ID_LEN} ASCII letters, digits, `-`, `_` \
                 or `.` (not first), e.g. a UUID or a slug"
            ),
        )),
    }
}

/// Where narration audio lives on disk and under which URL it is served:
/// `{media_root}/projects/{project_id}/audio/{segment_id}.wav`, served at
/// `{media_url}projects/{project_id}/audio/{segment_id}.wav`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaLayout {
    media_root: PathBuf,
    media_url: String,
}

impl MediaLayout {
    /// A layout rooted at `media_root` (a directory) and served under
    /// `media_url` (e.g. `/media/` or `https://cdn.example.com/media`).
    #[must_use]
    pub fn new(media_root: impl Into<PathBuf>, media_url: impl Into<String>) -> Self {
        Self {
            media_root: media_root.into(),
            media_url: media_url.into(),
        }
    }

    /// A layout from the `MEDIA_ROOT` (default `media`) and `MEDIA_URL`
    /// (default `/media/`) environment variables; unset or empty variables
    /// take the default.
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_values(
            std::env::var_os("MEDIA_ROOT").map(PathBuf::from),
            std::env::var("MEDIA_URL").ok(),
        )
    }

    fn from_values(root: Option<PathBuf>, url: Option<String>) -> Self {
        let root = root
            .filter(|r| !r.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_MEDIA_ROOT));
        let url = url
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_MEDIA_URL.to_owned());
        Self::new(root, url)
    }

    /// The media root directory.
    #[must_use]
    pub fn media_root(&self) -> &Path {
        &self.media_root
    }

    /// The URL prefix media is served under.
    #[must_use]
    pub fn media_url(&self) -> &str {
        &self.media_url
    }

    /// `{media_root}/projects/{project_id}/audio/{segment_id}.wav`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidId`] if either id fails [`validate_id`].
    pub fn audio_path(&self, project_id: &str, segment_id: &str) -> Result<PathBuf, Error> {
        validate_id(project_id)?;
        validate_id(segment_id)?;
        Ok(self
            .media_root
            .join("projects")
            .join(project_id)
            .join("audio")
            .join(format!("{segment_id}.wav")))
    }

    /// `{media_url}projects/{project_id}/audio/{segment_id}.wav`, with exactly
    /// one `/` between the media URL and `projects`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidId`] if either id fails [`validate_id`].
    pub fn audio_url(&self, project_id: &str, segment_id: &str) -> Result<String, Error> {
        validate_id(project_id)?;
        validate_id(segment_id)?;
        let base = self.media_url.trim_end_matches('/');
        Ok(format!(
            "{base}/projects/{project_id}/audio/{segment_id}.wav"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuids_and_slugs() {
        for id in [
            "3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e",
            "chapter-01_intro",
            "seg.2",
            "a",
            &"x".repeat(MAX_ID_LEN),
        ] {
            assert!(validate_id(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_unsafe_ids() {
        let long = "x".repeat(MAX_ID_LEN + 1);
        for id in [
            "", ".", "..", ".hidden", "a..b", "a/b", "a\\b", "a b", "a\0b", "é", "a:b", "../x",
            &long,
        ] {
            let err = validate_id(id).unwrap_err();
            assert!(err.is_invalid_id(), "{id:?}");
            assert!(!err.is_corrupt());
        }
    }

    #[test]
    fn error_quotes_the_id() {
        let err = validate_id("a/b").unwrap_err();
        assert!(err.to_string().contains("\"a/b\""), "{err}");
    }

    #[test]
    fn path_and_url_layout() {
        let layout = MediaLayout::new("/srv/media", "/media/");
        assert_eq!(
            layout.audio_path("p1", "s1").unwrap(),
            Path::new("/srv/media/projects/p1/audio/s1.wav")
        );
        assert_eq!(
            layout.audio_url("p1", "s1").unwrap(),
            "/media/projects/p1/audio/s1.wav"
        );
        let cdn = MediaLayout::new("m", "https://cdn.example.com/media");
        assert_eq!(
            cdn.audio_url("p", "s").unwrap(),
            "https://cdn.example.com/media/projects/p/audio/s.wav"
        );
        assert!(layout.audio_path("..", "s").unwrap_err().is_invalid_id());
        assert!(layout.audio_url("p", "a/b").unwrap_err().is_invalid_id());
    }

    #[test]
    fn env_defaults() {
        let d = MediaLayout::from_values(None, None);
        assert_eq!(d.media_root(), Path::new("media"));
        assert_eq!(d.media_url(), "/media/");
        let e = MediaLayout::from_values(Some(PathBuf::new()), Some(String::new()));
        assert_eq!(e, d);
        let s = MediaLayout::from_values(Some("/data".into()), Some("/static/".into()));
        assert_eq!(s.media_root(), Path::new("/data"));
        assert_eq!(s.media_url(), "/static/");
    }
}
