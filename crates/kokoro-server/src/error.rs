//! The crate's error ([`Error`], for starting and running the server) and the error answered to a
//! client ([`ApiError`], OpenAI's JSON shape).

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tts_pipeline::ErrorKind;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine could not be opened (model files, runtime, voices).
    #[error("cannot open the engine: {0}")]
    Engine(#[source] tts_pipeline::Error),
    /// The address could not be bound (in use, not permitted, not an address of this machine).
    #[error("cannot listen on {addr}: {source}; choose another --host/--port")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The async runtime could not start, or serving failed.
    #[error("the server failed: {0}")]
    Io(#[source] std::io::Error),
    /// The configuration is unusable (the message says which setting and why).
    #[error("invalid server configuration: {0}")]
    Config(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answered to a client: an HTTP status and OpenAI's error body
/// `{"error": {"message", "type", "param", "code"}}`, whose message says what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong and what to do, for people.
    pub message: String,
    /// OpenAI's `type`: `invalid_request_error`, `authentication_error`, `server_error`, ...
    pub kind: &'static str,
    /// The request field at fault, if one is.
    pub param: Option<&'static str>,
    /// A stable code to match on (`invalid_value`, `unsupported_format`, `queue_full`, ...).
    pub code: &'static str,
    /// Seconds after which a retry may succeed (`Retry-After`), for 503s.
    pub retry_after: Option<Duration>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: &'a str,
}

/// An encoder's failure: a 500 `encoding_failed` with its message.
impl From<crate::EncodeError> for ApiError {
    fn from(e: crate::EncodeError) -> Self {
        Self::server_error("encoding_failed", e.to_string())
    }
}

impl ApiError {
    /// A 400 for the field `param`.
    pub fn invalid(param: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            code,
            message,
        )
        .with_param(param)
    }

    /// An error of any status.
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            message: message.into(),
            kind,
            param: None,
            code,
            retry_after: None,
        }
    }

    /// A 500 (`server_error`): the server failed, not the request.
    pub fn server_error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            code,
            message,
        )
    }

    /// The same error naming `param`.
    pub fn with_param(mut self, param: &'static str) -> Self {
        self.param = Some(param);
        self
    }

    /// The same error with a `Retry-After` header.
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let body = Body {
            error: Inner {
                message: &self.message,
                kind: self.kind,
                param: self.param,
                code: self.code,
            },
        };
        // Serializing strings cannot fail; the fallback keeps the shape if it ever did.
        serde_json::to_string(&body).unwrap_or_else(|_| {
            r#"{"error":{"message":"internal error","type":"server_error","param":null,"code":"internal"}}"#
                .to_string()
        })
    }

    /// 404 for a path the server does not have.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "unknown_url",
            format!(
                "no such endpoint: {path}; the server has POST /v1/audio/speech, GET /v1/models, \
                 GET /v1/audio/voices, GET /health and GET /ready (docs/SERVER.md)"
            ),
        )
    }

    /// A failure of the engine on a request, by its kind: the caller's input is a 400, a model
    /// that is not there a 503, anything else a 500.
    pub fn from_engine(e: &tts_pipeline::Error) -> Self {
        let message = e.report();
        match e.kind() {
            ErrorKind::TextTooLong => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                "input_too_large",
                message,
            )
            .with_param("input"),
            ErrorKind::EmptyText
            | ErrorKind::NothingToSay
            | ErrorKind::WrongScript
            | ErrorKind::Tokenize => Self::invalid("input", "invalid_value", message),
            ErrorKind::InvalidSpeed => Self::invalid("speed", "invalid_value", message),
            ErrorKind::Voice => Self::invalid("voice", "invalid_value", message),
            ErrorKind::UnknownLanguage | ErrorKind::LanguageUnavailable => {
                Self::invalid("lang", "unsupported_language", message)
            }
            ErrorKind::TimingsUnavailable => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "timings_unavailable",
                message,
            ),
            ErrorKind::RuntimeMissing | ErrorKind::ModelMissing => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "model_unavailable",
                message,
            ),
            _ => Self::server_error(
                "synthesis_failed",
                format!("{message} (the server's log has the details)"),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(after) = self.retry_after {
            let secs = after.as_secs().max(1);
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_openais_shape() {
        let e = ApiError::invalid("speed", "invalid_value", "speed must be 0.25 to 4.0");
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["error"]["message"], "speed must be 0.25 to 4.0");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["param"], "speed");
        assert_eq!(v["error"]["code"], "invalid_value");
        let e = ApiError::not_found("/x");
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert!(v["error"]["param"].is_null());
    }

    #[test]
    fn engine_errors_map_by_kind() {
        let too_long = tts_pipeline::Error::new(ErrorKind::TextTooLong, "too long");
        assert_eq!(
            ApiError::from_engine(&too_long).status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let empty = tts_pipeline::Error::new(ErrorKind::EmptyText, "empty");
        assert_eq!(
            ApiError::from_engine(&empty).status,
            StatusCode::BAD_REQUEST
        );
        let model = tts_pipeline::Error::new(ErrorKind::ModelMissing, "no model");
        assert_eq!(
            ApiError::from_engine(&model).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let inference = tts_pipeline::Error::new(ErrorKind::Inference, "boom");
        assert_eq!(
            ApiError::from_engine(&inference).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn a_503_carries_retry_after() {
        let e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "queue_full",
            "busy",
        )
        .with_retry_after(Duration::from_millis(200));
        let response = e.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
