//! The package registries' routes: where a pinned package file is (PyPI's JSON API names its URL
//! and sha256; npm's tarball URLs follow from the name and version).

use crate::catalog::{Artifact, Registry};
use crate::http::{Fail, Fetched, Http};
use crate::sources::{ENV_NPM, ENV_PYPI, Sources};

/// The URL of `artifact` on its registry. PyPI's answer must list the pinned sha256: a file that
/// changed upstream is refused before it is downloaded.
pub(crate) fn locate(http: &Http, sources: &Sources, artifact: &Artifact) -> Fetched<String> {
    match artifact.registry {
        Registry::PyPi => {
            let Some(base) = &sources.pypi else {
                return Err(Fail::Route(format!("the PyPI route is off ({ENV_PYPI})")));
            };
            pypi(http, base, artifact)
        }
        Registry::Npm => {
            let Some(base) = &sources.npm else {
                return Err(Fail::Route(format!("the npm route is off ({ENV_NPM})")));
            };
            Ok(npm_url(base, &artifact.project, &artifact.version))
        }
    }
}

/// `{npm}/{package}/-/{name}-{version}.tgz` (`name` without the scope of a scoped package).
fn npm_url(base: &str, package: &str, version: &str) -> String {
    let name = package.rsplit('/').next().unwrap_or(package);
    format!("{base}/{package}/-/{name}-{version}.tgz")
}

/// The file's URL from PyPI's JSON API: `/pypi/{project}/{version}/json`, else (a mirror that
/// serves only the project's page) `/pypi/{project}/json`'s `releases`.
fn pypi(http: &Http, base: &str, artifact: &Artifact) -> Fetched<String> {
    let project = &artifact.project;
    let version = &artifact.version;
    let release_url = format!("{base}/pypi/{project}/{version}/json");
    let (files, answered) = match http.get_json(&release_url) {
        Ok(json) => (json.get("urls").cloned(), release_url),
        Err(Fail::Route(why)) if why.starts_with("HTTP 404") => {
            let project_url = format!("{base}/pypi/{project}/json");
            let json = http.get_json(&project_url).map_err(|e| match e {
                Fail::Route(why2) => {
                    Fail::Route(format!("{release_url}: {why}; {project_url}: {why2}"))
                }
                local => local,
            })?;
            (
                json.get("releases").and_then(|r| r.get(version)).cloned(),
                project_url,
            )
        }
        Err(Fail::Route(why)) => return Err(Fail::Route(format!("{release_url}: {why}"))),
        Err(e) => return Err(e),
    };
    let files = files
        .and_then(|f| f.as_array().cloned())
        .unwrap_or_default();
    let Some(file) = files
        .iter()
        .find(|f| f.get("filename").and_then(|n| n.as_str()) == Some(artifact.file.as_str()))
    else {
        return Err(Fail::Route(format!(
            "{answered} lists no file {} for {project} {version}",
            artifact.file
        )));
    };
    let listed = file
        .get("digests")
        .and_then(|d| d.get("sha256"))
        .and_then(|s| s.as_str());
    if let Some(listed) = listed
        && !listed.eq_ignore_ascii_case(&artifact.sha256)
    {
        return Err(Fail::Route(format!(
            "{answered} lists sha256 {listed} for {}, not the pinned {}: refused (the file changed upstream)",
            artifact.file, artifact.sha256
        )));
    }
    let Some(url) = file.get("url").and_then(|u| u.as_str()) else {
        return Err(Fail::Route(format!(
            "{answered} gives no URL for {}",
            artifact.file
        )));
    };
    Ok(resolve(&answered, url))
}

/// `reference` resolved against the URL `base` (RFC 3986, section 5.2): absolute as it is,
/// `/path` on the base's origin, `../path` against the base's directory.
fn resolve(base: &str, reference: &str) -> String {
    if reference.contains("://") {
        return reference.to_owned();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    if let Some(net) = reference.strip_prefix("//") {
        return format!("{scheme}://{net}");
    }
    let (host, base_path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let base_path = base_path.split(['?', '#']).next().unwrap_or("");
    let merged = if reference.starts_with('/') {
        reference.to_owned()
    } else {
        let dir = base_path.rfind('/').map_or("/", |i| &base_path[..=i]);
        format!("{dir}{reference}")
    };
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = merged.split('/').skip(1).collect();
    for (i, part) in parts.iter().enumerate() {
        match *part {
            "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
        if matches!(*part, "." | "..") && i + 1 == parts.len() {
            segments.push("");
        }
    }
    format!("{scheme}://{host}/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_urls() {
        assert_eq!(
            npm_url("https://registry.npmjs.org", "kokoro-js", "1.2.1"),
            "https://registry.npmjs.org/kokoro-js/-/kokoro-js-1.2.1.tgz"
        );
        assert_eq!(
            npm_url("http://m", "@scope/pkg", "2.0.0"),
            "http://m/@scope/pkg/-/pkg-2.0.0.tgz"
        );
    }

    #[test]
    fn relative_urls_resolve_against_the_answer() {
        let base = "https://pypi.org/pypi/onnxruntime/json";
        for (reference, url) in [
            ("https://files/x.whl", "https://files/x.whl"),
            ("//files.example/x.whl", "https://files.example/x.whl"),
            ("/f/x.whl", "https://pypi.org/f/x.whl"),
            ("x.whl", "https://pypi.org/pypi/onnxruntime/x.whl"),
            (
                "../../packages/packages/1d/x.whl",
                "https://pypi.org/packages/packages/1d/x.whl",
            ),
            ("../../../../x.whl", "https://pypi.org/x.whl"),
            (
                "./a/./b/../x.whl",
                "https://pypi.org/pypi/onnxruntime/a/x.whl",
            ),
        ] {
            assert_eq!(resolve(base, reference), url, "{reference}");
        }
        assert_eq!(
            resolve("http://127.0.0.1:9", "f/x"),
            "http://127.0.0.1:9/f/x"
        );
    }
}
