//! [`PoolSynthesizer`]: synthesis on a `kokoro_session::SessionPool`.

use std::sync::Arc;

use kokoro_session::{
    Durations, KokoroSession, PoolLayout, SessionConfig, SessionPool, SessionStats,
};

use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Synthesizer, TimedAudio};

/// [`Synthesizer`] over a [`SessionPool`]: every caller of the engine, on any thread, gets a session
/// from it. Sessions load lazily (a lone caller never loads more than the pool's wide session) and
/// share the model's weights; see `kokoro_session::SessionPool` for the policy.
pub struct PoolSynthesizer {
    pool: SessionPool,
}

impl PoolSynthesizer {
    /// A synthesizer for `config` over a pool laid out as `layout`: one wide session of
    /// `config`'s threads for a lone caller, `layout.sessions` narrow sessions of `layout.threads`
    /// threads under concurrency. Nothing is loaded yet.
    pub fn new(config: SessionConfig, layout: PoolLayout) -> Self {
        Self {
            pool: SessionPool::with_layout(config, layout),
        }
    }

    /// Starts loading the session a lone caller uses on a background thread and returns at once.
    /// A failure is only logged (debug): the next generation loads again and reports it.
    pub fn preload_in_background(self: &Arc<Self>) {
        let me = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("kokoro-preload".into())
            .spawn(move || {
                if let Err(e) = me.session() {
                    tracing::debug!("background session load failed (retried on use): {e}");
                }
            });
        if let Err(e) = spawned {
            tracing::debug!("no background session load: cannot spawn a thread: {e}");
        }
    }

    /// The session pool.
    pub fn pool(&self) -> &SessionPool {
        &self.pool
    }

    /// Run counters of every loaded session together.
    pub fn stats(&self) -> SessionStats {
        self.pool.stats()
    }

    /// A loaded session (loading the one a lone caller uses if none is loaded), for its contract.
    pub fn session(&self) -> Result<Arc<KokoroSession>> {
        self.pool.any_session().map_err(session_error)
    }
}

fn session_error(e: kokoro_session::Error) -> Error {
    let kind = if e.is_runtime_missing() || e.is_runtime_incompatible() {
        ErrorKind::RuntimeMissing
    } else if e.is_model_missing() || e.is_model_corrupt() || e.is_unsupported_contract() {
        ErrorKind::ModelMissing
    } else {
        ErrorKind::Inference
    };
    Error::wrap(kind, e)
}

impl Synthesizer for PoolSynthesizer {
    fn synthesize(&self, ids: &[i64], style: &[f32], speed: f32) -> Result<Vec<f32>> {
        let out = self.pool.run(ids, style, speed).map_err(session_error)?;
        Ok(out.audio)
    }

    fn synthesize_among(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        callers: usize,
    ) -> Result<Vec<f32>> {
        let out = self
            .pool
            .run_among(ids, style, speed, callers)
            .map_err(session_error)?;
        Ok(out.audio)
    }

    fn synthesize_timed(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        callers: usize,
    ) -> Result<TimedAudio> {
        let out = self
            .pool
            .run_among(ids, style, speed, callers)
            .map_err(session_error)?;
        let frames = match out.durations {
            Durations::Frames(frames) => Ok(frames),
            Durations::Unavailable(why) => Err(why),
            _ => Err("the model's durations are of a kind this engine does not read".to_owned()),
        };
        Ok(TimedAudio {
            audio: out.audio,
            frames,
        })
    }
}
