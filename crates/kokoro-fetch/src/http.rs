//! HTTP in Rust (ureq, rustls with the system's certificate store): one agent per fetch, short
//! connect timeouts, a couple of retries for transient failures, and hosts that did not answer
//! passed over for the rest of the run.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::Duration;

use crate::error::Error;
use crate::fsutil::HashingWriter;
use crate::progress::Progress;

/// Resolving a host name or connecting to it gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Waiting for the response headers, or for any read of the body, gives up after this long.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Tries of a request that fails transiently (a reset, a timeout, HTTP 5xx or 429).
const TRIES: u32 = 3;
/// The body of a JSON API answer is refused beyond this size.
const JSON_LIMIT: u64 = 64 << 20;

/// Why a route failed, or a local failure that ends the fetch.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The route failed (network, HTTP status, bytes not matching the pin): the reason, for the
    /// error that lists every route tried. The next route is tried.
    Route(String),
    /// The local disk failed: the fetch stops.
    Local(Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Self::Local(e)
    }
}

/// A result of one route.
pub(crate) type Fetched<T> = Result<T, Fail>;

/// How a failed request is handled.
enum Failure {
    /// The host cannot be reached (name not found, connection refused or timed out, TLS refused):
    /// not retried, and the host is passed over for the rest of the run.
    HostDown(String),
    /// Worth another try (a reset, a timeout while reading, HTTP 5xx or 429).
    Transient(String),
    /// Final (HTTP 404 and other client errors, a malformed answer).
    Final(String),
}

/// The HTTP client of one fetch.
pub(crate) struct Http {
    agent: OnceCell<ureq::Agent>,
    /// Hosts that did not answer in this run, and why.
    down: RefCell<HashMap<String, String>>,
    /// Pause before the second and third try (shortened by the tests).
    backoff: Duration,
}

impl Http {
    pub(crate) fn new() -> Self {
        Self {
            agent: OnceCell::new(),
            down: RefCell::new(HashMap::new()),
            backoff: Duration::from_secs(1),
        }
    }

    #[cfg(test)]
    pub(crate) fn with_backoff(backoff: Duration) -> Self {
        Self {
            backoff,
            ..Self::new()
        }
    }

    fn agent(&self) -> &ureq::Agent {
        self.agent.get_or_init(|| {
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build();
            let config = ureq::Agent::config_builder()
                .tls_config(tls)
                .timeout_resolve(Some(CONNECT_TIMEOUT))
                .timeout_connect(Some(CONNECT_TIMEOUT))
                .timeout_send_request(Some(READ_TIMEOUT))
                .timeout_recv_response(Some(READ_TIMEOUT))
                .timeout_per_read(Some(READ_TIMEOUT))
                .user_agent(concat!("kokoro-fetch/", env!("CARGO_PKG_VERSION")))
                .build();
            ureq::Agent::new_with_config(config)
        })
    }

    /// GETs `url` and parses its JSON body.
    pub(crate) fn get_json(&self, url: &str) -> Fetched<serde_json::Value> {
        self.with_tries(url, |agent| {
            let mut response = agent.get(url).call().map_err(classify)?;
            let text = response
                .body_mut()
                .with_config()
                .limit(JSON_LIMIT)
                .read_to_string()
                .map_err(classify)?;
            serde_json::from_str(&text)
                .map_err(|e| Failure::Final(format!("the answer is not JSON ({e})")))
        })
    }

    /// GETs `url` into `file` (emptied first, and again before each try), reporting the bytes to
    /// `progress` under `label`; returns the sha256 and size of what was written. Not synced.
    pub(crate) fn download(
        &self,
        url: &str,
        file: &mut File,
        path: &std::path::Path,
        label: &str,
        progress: &dyn Progress,
    ) -> Fetched<(String, u64)> {
        let mut local: Option<Error> = None;
        let result = self.with_tries(url, |agent| {
            let written = file
                .set_len(0)
                .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop));
            if let Err(e) = written {
                local = Some(Error::io("cannot write", path, e));
                return Err(Failure::Final("cannot write the download".to_owned()));
            }
            let response = agent.get(url).call().map_err(classify)?;
            let total = response.body().content_length();
            progress.start_bytes(label, total);
            let copied = copy_body(response.into_body().into_reader(), &mut *file, progress);
            progress.finish_bytes();
            match copied {
                Ok(done) => Ok(done),
                Err(Copy::Read(e)) => {
                    Err(Failure::Transient(format!("the download broke off ({e})")))
                }
                Err(Copy::Write(e)) => {
                    local = Some(Error::io("cannot write", path, e));
                    Err(Failure::Final("cannot write the download".to_owned()))
                }
            }
        });
        match (result, local) {
            (_, Some(e)) => Err(Fail::Local(e)),
            (result, None) => result,
        }
    }

    /// Runs `request` up to [`TRIES`] times while it fails transiently; a host that is down is
    /// remembered, and later requests to it fail at once.
    fn with_tries<T>(
        &self,
        url: &str,
        mut request: impl FnMut(&ureq::Agent) -> Result<T, Failure>,
    ) -> Fetched<T> {
        let host = host_of(url);
        if let Some(why) = self.down.borrow().get(&host) {
            return Err(Fail::Route(format!(
                "skipped: {host} did not answer earlier in this run ({why})"
            )));
        }
        let mut tries = 0;
        loop {
            tries += 1;
            match request(self.agent()) {
                Ok(value) => return Ok(value),
                Err(Failure::HostDown(why)) => {
                    self.down.borrow_mut().insert(host, why.clone());
                    return Err(Fail::Route(why));
                }
                Err(Failure::Final(why)) => return Err(Fail::Route(why)),
                Err(Failure::Transient(why)) if tries >= TRIES => {
                    return Err(Fail::Route(format!("{why}, {tries} tries")));
                }
                Err(Failure::Transient(why)) => {
                    tracing::debug!(url, tries, "transient failure, trying again: {why}");
                    std::thread::sleep(self.backoff * tries);
                }
            }
        }
    }
}

/// The host (and port) of a URL, for remembering the ones that are down.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or(rest)
        .to_owned()
}

/// How a failed request is handled, from ureq's error.
fn classify(e: ureq::Error) -> Failure {
    use ureq::Error as E;
    use ureq::Timeout as T;
    match e {
        E::StatusCode(code) if code == 429 || code >= 500 => {
            Failure::Transient(format!("HTTP {code}"))
        }
        E::StatusCode(code) => Failure::Final(format!("HTTP {code}")),
        E::HostNotFound => Failure::HostDown("host not found".to_owned()),
        E::ConnectionFailed => Failure::HostDown("connection failed".to_owned()),
        E::Timeout(T::Resolve | T::Connect) => {
            Failure::HostDown(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()))
        }
        E::Timeout(t) => Failure::Transient(format!("timed out ({t})")),
        E::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
            ) =>
        {
            Failure::HostDown(format!("cannot connect ({io})"))
        }
        E::Io(io) if is_lookup_failure(&io) => Failure::HostDown(format!("host not found ({io})")),
        E::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::Interrupted
            ) =>
        {
            Failure::Transient(format!("network error ({io})"))
        }
        E::Io(io) => Failure::Final(format!("network error ({io})")),
        e @ (E::Tls(_) | E::Rustls(_) | E::Pem(_)) => Failure::HostDown(format!(
            "TLS failed ({e}): is the system's certificate store (or SSL_CERT_FILE) complete?"
        )),
        e => Failure::Final(e.to_string()),
    }
}

/// Whether an i/o error is a failed host name lookup: the system resolver's error reaches ureq
/// as an uncategorized i/o error, known by its message ("failed to lookup address information").
fn is_lookup_failure(e: &std::io::Error) -> bool {
    let text = e.to_string();
    text.contains("lookup address") || text.contains("Name or service not known")
}

enum Copy {
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Copies `body` into `file` through a hasher, reporting progress; tells read from write failures.
fn copy_body(
    mut body: impl Read,
    file: &mut File,
    progress: &dyn Progress,
) -> Result<(String, u64), Copy> {
    let mut out = HashingWriter::new(std::io::BufWriter::with_capacity(1 << 20, file));
    let mut buf = vec![0u8; 64 << 10];
    let mut done = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Copy::Read(e)),
        };
        out.write_all(buf.get(..n).unwrap_or_default())
            .map_err(Copy::Write)?;
        done += n as u64;
        progress.bytes(done);
    }
    let (_, sha256, bytes) = out.finish().map_err(Copy::Write)?;
    Ok((sha256, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_that_does_not_resolve_is_down_and_a_reset_is_transient() {
        let lookup = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        assert!(matches!(
            classify(ureq::Error::Io(lookup)),
            Failure::HostDown(_)
        ));
        assert!(matches!(
            classify(ureq::Error::HostNotFound),
            Failure::HostDown(_)
        ));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(matches!(
            classify(ureq::Error::Io(reset)),
            Failure::Transient(_)
        ));
        assert!(matches!(
            classify(ureq::Error::StatusCode(503)),
            Failure::Transient(_)
        ));
        assert!(matches!(
            classify(ureq::Error::StatusCode(404)),
            Failure::Final(_)
        ));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            classify(ureq::Error::Io(refused)),
            Failure::HostDown(_)
        ));
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(host_of("https://pypi.org/pypi/x/json"), "pypi.org");
        assert_eq!(host_of("http://127.0.0.1:8080/a"), "127.0.0.1:8080");
        assert_eq!(host_of("https://h.example?x"), "h.example");
    }
}
