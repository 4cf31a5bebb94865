//! # kokoro-server
//!
//! A local speech server that speaks OpenAI's audio API, so that any program that can call
//! OpenAI's text-to-speech narrates with Kokoro on this machine: `kokoro serve` (the CLI's
//! subcommand) or [`run`].
//!
//! ```text
//! client ──HTTP──► axum router (routes.rs) ── bearer token, CORS (only when configured)
//!                     │  /health, /ready, /v1/models, /v1/audio/voices
//!                     ▼
//!                  POST /v1/audio/speech ── speech.rs: OpenAI's body checked (413, 400, 404)
//!                     │  admission.rs: a place in the bounded queue, else 503 + Retry-After at once
//!                     ▼  a turn to render (at most `max_concurrent` at once), under the timeout
//!                  Speaker (speaker.rs) ── one tts_pipeline::Engine for the process, its session
//!                     │                    pool shared by every request (a blocking thread each),
//!                     │                    piece by piece through Engine::stream: a client gone
//!                     │                    (or the timeout) stops it at the next piece
//!                     ▼
//!                  encode/ ── mp3 (shine-rs), wav, pcm ──► the response body
//! ```
//!
//! Nothing a request says becomes a path: the server reads no file a request names and writes no
//! file at all. Every error is JSON in OpenAI's shape ([`ApiError`]). `docs/SERVER.md` tells what
//! of OpenAI's API is there, the timed extension (`POST /v1/audio/speech/timed`: the audio with its
//! words and captions), the limits, and how to run behind a reverse proxy.
//!
//! ```no_run
//! use kokoro_server::ServerConfig;
//! use tts_pipeline::EngineConfig;
//!
//! // Serves on 127.0.0.1:8880 until Ctrl-C or SIGTERM.
//! kokoro_server::run(ServerConfig::default(), &EngineConfig::default())?;
//! # Ok::<(), kokoro_server::Error>(())
//! ```

mod admission;
mod base64;
mod config;
mod encode;
mod error;
mod routes;
mod speaker;
mod speech;

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::http::StatusCode;
use tokio::net::TcpListener;
use tts_pipeline::health::VoiceSummary;
use tts_pipeline::{Engine, EngineConfig};

pub use config::{DEFAULT_PORT, ServerConfig};
pub use encode::{ALL_FORMATS, AudioFormat, EncodeError, Encoder};
pub use error::{ApiError, Error, Result};
pub use speaker::{AudioBlocks, Cancel, EngineSpeaker, Speaker};
pub use speech::{MODELS, OPENAI_VOICES, SPEED_RANGE};

use admission::Admission;

/// Whether the model is loaded.
#[derive(Debug, Clone)]
enum Readiness {
    Ready,
    Failed(String),
}

/// What every request shares.
pub(crate) struct Shared {
    config: ServerConfig,
    speaker: Arc<dyn Speaker>,
    voices: Vec<VoiceSummary>,
    readiness: OnceLock<Readiness>,
    admission: Admission,
    /// Places in the queue: rendering plus waiting.
    capacity: usize,
    served: AtomicU64,
    refused: AtomicU64,
}

impl Shared {
    /// The engine, or the 503 that says it is still loading (or why it failed to).
    fn speaker_or_503(&self) -> Result<Arc<dyn Speaker>, ApiError> {
        match self.readiness.get() {
            Some(Readiness::Ready) => Ok(Arc::clone(&self.speaker)),
            Some(Readiness::Failed(why)) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "model_unavailable",
                format!("the model failed to load: {why}"),
            )),
            None => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "model_loading",
                "the model is still loading: retry after the Retry-After seconds (GET /ready \
                 says when it is loaded)",
            )
            .with_retry_after(std::time::Duration::from_secs(1))),
        }
    }
}

/// Requests answered so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Audio rendered and sent.
    pub served: u64,
    /// Refused at once because the queue was full (503).
    pub refused: u64,
    /// Requests holding a place now: rendering, or waiting for a turn.
    pub in_flight: usize,
}

/// A server over one [`Speaker`]: build it, mark it ready when the model is loaded, serve.
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
}

impl Server {
    /// A server for `config` over `speaker`, not ready yet (see [`Server::mark_ready`]).
    pub fn new(config: ServerConfig, speaker: Arc<dyn Speaker>) -> Result<Self> {
        config.validate()?;
        let concurrent = config
            .max_concurrent
            .unwrap_or_else(|| speaker.workers())
            .max(1);
        let capacity = concurrent.saturating_add(config.max_queue);
        let voices = speaker.voices();
        Ok(Self {
            shared: Arc::new(Shared {
                admission: Admission::new(concurrent, config.max_queue),
                capacity,
                config,
                speaker,
                voices,
                readiness: OnceLock::new(),
                served: AtomicU64::new(0),
                refused: AtomicU64::new(0),
            }),
        })
    }

    /// The model is loaded: `/ready` answers 200 and speech is rendered.
    pub fn mark_ready(&self) {
        let _ = self.shared.readiness.set(Readiness::Ready);
    }

    /// The model failed to load: `/ready` and speech answer 503 with `why`.
    pub fn mark_failed(&self, why: impl Into<String>) {
        let _ = self.shared.readiness.set(Readiness::Failed(why.into()));
    }

    /// The router, for serving it yourself (or testing it).
    pub fn router(&self) -> Router {
        routes::router(Arc::clone(&self.shared))
    }

    /// The counts so far.
    pub fn stats(&self) -> Stats {
        Stats {
            served: self.shared.served.load(Ordering::Relaxed),
            refused: self.shared.refused.load(Ordering::Relaxed),
            in_flight: self.shared.admission.taken(self.shared.capacity),
        }
    }

    /// Serves on `listener` until `shutdown` completes, then lets the requests in flight finish.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(Error::Io)
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// Opens the engine of `engine`, listens on `config.addr`, prints
/// `kokoro serve: listening on http://ADDR` on stdout (with the real port when it was 0) and
/// serves until Ctrl-C or SIGTERM. The model loads in the background: `/ready` says when.
pub fn run(config: ServerConfig, engine: &EngineConfig) -> Result<()> {
    config.validate()?;
    let opened = Arc::new(Engine::open(engine).map_err(Error::Engine)?);
    let voices = tts_pipeline::health::list_voices(engine).unwrap_or_else(|e| {
        tracing::warn!("cannot list the voices: {e}");
        Vec::new()
    });
    let speaker = Arc::new(EngineSpeaker::new(Arc::clone(&opened), voices));
    let server = Server::new(config.clone(), speaker)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("kokoro-serve")
        .build()
        .map_err(Error::Io)?;
    let served = runtime.block_on(async {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: config.addr.to_string(),
                source,
            })?;
        let local = listener.local_addr().map_err(Error::Io)?;
        if !local.ip().is_loopback() {
            tracing::warn!(
                "listening on {local}, beyond this machine: set KOKORO_API_KEY or put it behind a \
                 reverse proxy (docs/SERVER.md)"
            );
        }
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "kokoro serve: listening on http://{local}");
        let _ = stdout.flush();
        let loading = server.clone();
        let engine = Arc::clone(&opened);
        tokio::task::spawn_blocking(move || match engine.parts().session() {
            Ok(_) => {
                tracing::info!("model loaded: ready");
                loading.mark_ready();
            }
            Err(e) => {
                let message = e.report();
                tracing::error!("the model failed to load: {message}");
                loading.mark_failed(message);
            }
        });
        server.serve(listener, shutdown_signal()).await
    });
    opened.stop_background();
    served
}
