//! The endpoints, the middleware (bearer token, CORS) and the rendering of one request under the
//! queue and the timeout.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tts_pipeline::captions::{self, CaptionFormat};

use crate::encode::Encoder;
use crate::error::ApiError;
use crate::speech::{MODELS, Speech};
use crate::{Cancel, Shared, Speaker};

/// How long a client refused for a full queue or a loading model is asked to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The router of every endpoint over `state`.
pub(crate) fn router(state: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/audio/speech", post(speech))
        .route("/v1/audio/speech/timed", post(timed_speech))
        .route("/v1/models", get(models))
        .route("/v1/models/{id}", get(model))
        .route("/v1/audio/voices", get(voices))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

/// The bearer token on `/v1/`, and CORS where origins are configured (with the preflight).
async fn guard(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| state.config.cors_origins.iter().any(|a| a == "*" || a == o))
        .map(str::to_owned);
    let mut response = if origin.is_some() && request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else if request.uri().path().starts_with("/v1/")
        && let Some(key) = state.config.api_key.as_deref()
        && !bearer_matches(request.headers(), key)
    {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "invalid_api_key",
            "missing or wrong API key: send `Authorization: Bearer <key>` with the key the \
             server was started with (KOKORO_API_KEY)",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    if let Some(origin) = origin
        && let Ok(value) = HeaderValue::from_str(&origin)
    {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
    }
    response
}

/// Whether `headers` carry `Authorization: Bearer <key>`, compared in constant time.
fn bearer_matches(headers: &HeaderMap, key: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), key.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(request.uri().path())
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request_error",
        "method_not_allowed",
        format!(
            "{} is not allowed on {}: speech is POST, the lists are GET (docs/SERVER.md)",
            request.method(),
            request.uri().path()
        ),
    )
}

fn json(value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => ApiError::server_error("internal", format!("cannot serialize the answer: {e}"))
            .into_response(),
    }
}

async fn health() -> Response {
    json(&serde_json::json!({ "status": "ok" }))
}

/// 200 once the model is loaded, else 503 saying why (still loading, or failed to load).
async fn ready(State(state): State<Arc<Shared>>) -> Response {
    match state.speaker_or_503() {
        Ok(_) => json(&serde_json::json!({ "ready": true })),
        Err(e) => e.into_response(),
    }
}

#[derive(Serialize)]
struct ModelEntry {
    id: &'static str,
    object: &'static str,
    created: u64,
    owned_by: &'static str,
}

fn model_entry(id: &'static str) -> ModelEntry {
    ModelEntry {
        id,
        object: "model",
        created: 0,
        owned_by: "kokoro",
    }
}

async fn models() -> Response {
    let data: Vec<ModelEntry> = MODELS.into_iter().map(model_entry).collect();
    json(&serde_json::json!({ "object": "list", "data": data }))
}

async fn model(Path(id): Path<String>) -> Response {
    match MODELS.into_iter().find(|m| *m == id) {
        Some(m) => json(&model_entry(m)),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "model_not_found",
            format!(
                "the model {id:?} does not exist here; use one of: {}",
                MODELS.join(", ")
            ),
        )
        .with_param("model")
        .into_response(),
    }
}

/// `{"voices": [ids], "data": [{id, name, language, lang, gender}]}`.
async fn voices(State(state): State<Arc<Shared>>) -> Response {
    let voices = state.voices.clone();
    let ids: Vec<&str> = voices.iter().map(|v| v.id.as_str()).collect();
    let data: Vec<serde_json::Value> = voices
        .iter()
        .map(|v| {
            serde_json::json!({
                "id": v.id, "name": v.id, "language": v.language, "lang": v.lang, "gender": v.gender
            })
        })
        .collect();
    json(&serde_json::json!({ "voices": ids, "data": data }))
}

/// The body of `request`, at most `limit` bytes (413 beyond).
async fn read_body(request: Request, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "body_too_large",
            format!(
                "the request body is larger than this server's {limit} bytes: \
                 split the text into several requests"
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| too_large())
}

/// A checked request, admitted: the engine, the request and its place in the queue.
struct Admitted {
    speaker: Arc<dyn Speaker>,
    speech: Speech,
    place: crate::admission::Place,
    deadline: Instant,
}

/// Everything before rendering: the model loaded, the body read and checked, the voice known, a
/// place in the queue (503 at once when there is none).
async fn admit(state: &Shared, request: Request) -> Result<Admitted, ApiError> {
    let deadline = Instant::now() + state.config.request_timeout;
    let speaker = state.speaker_or_503()?;
    let body = read_body(request, state.config.max_body_bytes).await?;
    let speech = Speech::parse(&body, state.config.max_input_chars)?;
    if let Some(voice) = speech.request.voice.as_deref() {
        let known = speaker
            .knows_voice(voice)
            .map_err(|e| ApiError::invalid("voice", "invalid_value", e.report()))?;
        if !known {
            return Err(ApiError::invalid(
                "voice",
                "voice_not_found",
                format!(
                    "the voice {voice:?} is not installed: use an id from GET /v1/audio/voices \
                     (af_heart, bf_emma, ...), an OpenAI voice name (alloy, nova, ...) or a blend \
                     such as af_bella:0.7,am_adam:0.3"
                ),
            ));
        }
    }
    let Some(place) = state.admission.try_enter() else {
        state.refused.fetch_add(1, Ordering::Relaxed);
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "queue_full",
            format!(
                "the server is busy ({} requests rendering or waiting): retry after the \
                 Retry-After seconds",
                state.capacity
            ),
        )
        .with_retry_after(RETRY_AFTER));
    };
    Ok(Admitted {
        speaker,
        speech,
        place,
        deadline,
    })
}

/// Cancels a rendering when dropped.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

fn timed_out(timeout: Duration) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "server_error",
        "timeout",
        format!(
            "the request took longer than the server's {} s limit (queueing included): \
             send a shorter input or retry when the server is less busy",
            timeout.as_secs_f64()
        ),
    )
}

/// Renders `admitted` whole, on a blocking thread, under its deadline (stopped at its next piece
/// when the client goes away or the deadline passes); `then` turns the synthesized audio into
/// the answer on that thread too.
async fn render_whole<T: Send + 'static>(
    state: &Shared,
    admitted: Admitted,
    then: impl FnOnce(tts_pipeline::Synthesized, &Speech) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let Admitted {
        speaker,
        speech,
        place,
        deadline,
    } = admitted;
    let timeout = state.config.request_timeout;
    let cancel = Cancel::new();
    let work = async move {
        // Dropped with this future: when the client goes away (hyper drops the handler) or the
        // timeout passes, the rendering stops at its next piece.
        let _cancel_on_drop = CancelOnDrop(cancel.clone());
        let turn = state.admission.turn().await;
        let job = tokio::task::spawn_blocking(move || {
            // Held until the rendering ends (at the next piece once cancelled): the queue counts
            // what really runs.
            let _held = (turn, place);
            let audio = speaker
                .synthesize(&speech.request, &cancel)
                .map_err(|e| ApiError::from_engine(&e))?;
            // Nobody waits for a cancelled answer: this error is never sent.
            let audio = audio.ok_or_else(|| timed_out(timeout))?;
            then(audio, &speech)
        });
        job.await.map_err(|e| {
            ApiError::server_error(
                "internal",
                format!("the rendering stopped unexpectedly ({e}); the server's log has more"),
            )
        })?
    };
    let left = deadline.saturating_duration_since(Instant::now());
    tokio::time::timeout(left, work)
        .await
        .map_err(|_| timed_out(timeout))?
}

/// `POST /v1/audio/speech`: the audio in `response_format` (mp3 by default).
async fn speech(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let admitted = match admit(&state, request).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if admitted.speech.stream {
        return stream_speech(&state, admitted).await;
    }
    let format = admitted.speech.format;
    let result = render_whole(&state, admitted, move |audio, _| {
        let bytes = Encoder::encode_all(format, &audio.samples, audio.sample_rate)?;
        Ok((bytes, audio.voice))
    })
    .await;
    match result {
        Ok((bytes, voice)) => {
            state.served.fetch_add(1, Ordering::Relaxed);
            let mut response = Response::new(Body::from(bytes));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            if let Ok(v) = HeaderValue::from_str(&voice) {
                headers.insert("x-kokoro-voice", v);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

/// What the rendering thread sends a streamed response.
enum Piece {
    Bytes(Vec<u8>),
    Failed(ApiError),
}

/// A streamed body: the bytes the rendering thread sends, until it ends (or fails, which cuts the
/// connection so that the client sees the audio is incomplete).
struct Blocks(tokio::sync::mpsc::Receiver<Piece>);

impl futures_core::Stream for Blocks {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|piece| {
            piece.map(|piece| match piece {
                Piece::Bytes(bytes) => Ok(Bytes::from(bytes)),
                Piece::Failed(e) => Err(std::io::Error::other(e.message)),
            })
        })
    }
}

/// Renders and encodes `speech` block by block on this (blocking) thread, sending each block's
/// bytes to `tx`; stops when the client has gone (`tx` closed) or `deadline` has passed.
fn render_blocks(
    speaker: &dyn Speaker,
    speech: &Speech,
    deadline: Instant,
    tx: &tokio::sync::mpsc::Sender<Piece>,
) -> Result<(), ApiError> {
    let rate = kokoro_model::SAMPLE_RATE;
    let mut encoder = Encoder::new(speech.format, rate, None)?;
    let blocks = speaker
        .stream(&speech.request)
        .map_err(|e| ApiError::from_engine(&e))?;
    for block in blocks {
        let block = block.map_err(|e| ApiError::from_engine(&e))?;
        let bytes = encoder.push(&block, rate)?;
        if Instant::now() > deadline {
            tracing::warn!("a streamed request passed its timeout: its audio ends here");
            return Ok(());
        }
        // Closed also when nothing was sent yet (a format sent whole at the end, flac).
        if tx.is_closed() || (!bytes.is_empty() && tx.blocking_send(Piece::Bytes(bytes)).is_err()) {
            tracing::info!("the client went away: its rendering stops");
            return Ok(());
        }
    }
    let last = encoder.finish(rate)?;
    let _ = tx.blocking_send(Piece::Bytes(last));
    Ok(())
}

/// `stream: true`: the answer's body is sent block by block as the engine renders (chunked
/// transfer). Errors before the first block are answered as usual; a failure after it cuts the
/// connection.
async fn stream_speech(state: &Shared, admitted: Admitted) -> Response {
    let Admitted {
        speaker,
        speech,
        place,
        deadline,
    } = admitted;
    let timeout = state.config.request_timeout;
    let left = deadline.saturating_duration_since(Instant::now());
    let Ok(turn) = tokio::time::timeout(left, state.admission.turn()).await else {
        return timed_out(timeout).into_response();
    };
    let format = speech.format;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Piece>(8);
    tokio::task::spawn_blocking(move || {
        let _held = (turn, place);
        if let Err(e) = render_blocks(speaker.as_ref(), &speech, deadline, &tx) {
            let _ = tx.blocking_send(Piece::Failed(e));
        }
    });
    let first = match tokio::time::timeout(left, rx.recv()).await {
        Err(_) => return timed_out(timeout).into_response(),
        Ok(None) => Vec::new(),
        Ok(Some(Piece::Failed(e))) => return e.into_response(),
        Ok(Some(Piece::Bytes(bytes))) => bytes,
    };
    state.served.fetch_add(1, Ordering::Relaxed);
    let (first_tx, first_rx) = tokio::sync::mpsc::channel::<Piece>(1);
    let _ = first_tx.try_send(Piece::Bytes(first));
    drop(first_tx);
    let body = Body::from_stream(Chained(Some(Blocks(first_rx)), Blocks(rx)));
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}

/// The first block, then the rest.
struct Chained(Option<Blocks>, Blocks);

impl futures_core::Stream for Chained {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if let Some(first) = self.0.as_mut() {
            match std::pin::Pin::new(first).poll_next(cx) {
                std::task::Poll::Ready(None) => self.0 = None,
                other => return other,
            }
        }
        std::pin::Pin::new(&mut self.1).poll_next(cx)
    }
}

/// The extension's answer: the audio with its words and captions.
#[derive(Serialize)]
struct Timed {
    audio: String,
    format: &'static str,
    content_type: &'static str,
    sample_rate: u32,
    duration: f64,
    voice: String,
    lang: &'static str,
    words: Vec<tts_pipeline::WordTiming>,
    captions: TimedCaptions,
}

#[derive(Serialize)]
struct TimedCaptions {
    vtt: String,
    srt: String,
}

/// `POST /v1/audio/speech/timed` (Kokoro's extension, docs/SERVER.md): the same request, answered
/// with JSON holding the audio (base64), when each word is spoken and the captions.
async fn timed_speech(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let mut admitted = match admit(&state, request).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if admitted.speech.stream {
        return ApiError::invalid(
            "stream",
            "unsupported_value",
            "the timed answer is one JSON document: leave `stream` out here, or stream from \
             /v1/audio/speech",
        )
        .into_response();
    }
    admitted.speech.request = admitted.speech.request.clone().with_word_timings(true);
    let result = render_whole(&state, admitted, move |audio, speech| {
        let bytes = Encoder::encode_all(speech.format, &audio.samples, audio.sample_rate)?;
        let words = audio.words.clone().unwrap_or_default();
        let text = speech.request.input.as_str();
        let cues = captions::cues(text, &words);
        Ok(Timed {
            audio: crate::base64::encode(&bytes),
            format: speech.format.name(),
            content_type: speech.format.content_type(),
            sample_rate: audio.sample_rate,
            duration: audio.samples.len() as f64 / f64::from(audio.sample_rate.max(1)),
            voice: audio.voice,
            lang: audio.lang.code(),
            words,
            captions: TimedCaptions {
                vtt: captions::render(&cues, CaptionFormat::Vtt),
                srt: captions::render(&cues, CaptionFormat::Srt),
            },
        })
    })
    .await;
    match result {
        Ok(timed) => {
            state.served.fetch_add(1, Ordering::Relaxed);
            json(&timed)
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_token_must_match_exactly() {
        let mut headers = HeaderMap::new();
        assert!(!bearer_matches(&headers, "secret"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secret"),
        );
        assert!(bearer_matches(&headers, "secret"));
        assert!(!bearer_matches(&headers, "secre"));
        assert!(!bearer_matches(&headers, "secrets"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic secret"),
        );
        assert!(!bearer_matches(&headers, "secret"));
    }
}
