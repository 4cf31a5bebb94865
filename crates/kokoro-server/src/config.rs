//! The server's settings.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The default port, Kokoro-FastAPI's: clients set up for it work unchanged.
pub const DEFAULT_PORT: u16 = 8880;

/// How the server listens, what it accepts and how much it takes on at once.
///
/// Build it with struct update syntax over [`ServerConfig::default`].
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// Where it listens (default 127.0.0.1:8880: loopback only).
    pub addr: SocketAddr,
    /// Requests rendering at once (default: the engine's workers, one per session of its pool).
    pub max_concurrent: Option<usize>,
    /// Requests waiting for a renderer beyond those; one more is answered 503 at once.
    pub max_queue: usize,
    /// Longest `input`, in characters (413 beyond; OpenAI's limit is 4096).
    pub max_input_chars: usize,
    /// Largest request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Longest a request may take from arrival to its last byte rendered, queueing included
    /// (504 beyond for a whole response; a stream ends early).
    pub request_timeout: Duration,
    /// The bearer token every `/v1/` request must carry (`Authorization: Bearer ...`); `None`
    /// lets any local client in. `kokoro serve` reads it from `KOKORO_API_KEY`.
    pub api_key: Option<String>,
    /// Origins allowed to call from a browser (CORS); empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
            max_concurrent: None,
            max_queue: 16,
            max_input_chars: 4096,
            max_body_bytes: 64 * 1024,
            request_timeout: Duration::from_secs(120),
            api_key: None,
            cors_origins: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// The defaults, listening on `addr`.
    pub fn on(addr: SocketAddr) -> Self {
        Self {
            addr,
            ..Self::default()
        }
    }

    /// Checks the limits: each must let at least one request through.
    pub fn validate(&self) -> crate::Result<()> {
        let problem = if self.max_concurrent == Some(0) {
            Some("max_concurrent must be at least 1")
        } else if self.max_input_chars == 0 {
            Some("max_input_chars must be at least 1")
        } else if self.max_body_bytes < 64 {
            Some("max_body_bytes must be at least 64")
        } else if self.request_timeout.is_zero() {
            Some("request_timeout must be longer than 0 s")
        } else if self.api_key.as_deref() == Some("") {
            Some("the API key is empty: unset KOKORO_API_KEY or give it a value")
        } else {
            None
        };
        match problem {
            Some(p) => Err(crate::Error::Config(p.to_string())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_listens_on_loopback_8880() {
        let config = ServerConfig::default();
        assert!(config.addr.ip().is_loopback());
        assert_eq!(config.addr.port(), 8880);
        assert!(config.validate().is_ok());
        assert!(config.cors_origins.is_empty());
    }

    #[test]
    fn limits_that_let_nothing_through_are_refused() {
        let mut config = ServerConfig {
            max_concurrent: Some(0),
            ..ServerConfig::default()
        };
        assert!(config.validate().is_err());
        config.max_concurrent = Some(1);
        config.api_key = Some(String::new());
        assert!(config.validate().is_err());
    }
}
