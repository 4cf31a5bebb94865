//! [`PoolSynthesizer`]: synthesis on a `kokoro_session::SessionPool`.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use kokoro_session::{
    Durations, KokoroSession, PoolLayout, SessionConfig, SessionPool, SessionStats,
};

use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Synthesizer, TimedAudio};

/// [`Synthesizer`] over a [`SessionPool`]: every caller of the engine, on any thread, gets a session
/// from it. Sessions load lazily (a lone caller never loads more than the pool's wide session) and
/// share the model's weights; see `kokoro_session::SessionPool` for the policy.
///
/// Dropping it waits for a background load that [`preload_in_background`](Self::preload_in_background)
/// started, so that no thread is left inside ONNX Runtime once the engine is gone (a process that
/// exits while one is still loading a model can crash in the runtime's own teardown).
pub struct PoolSynthesizer {
    pool: Arc<SessionPool>,
    preload: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for PoolSynthesizer {
    fn drop(&mut self) {
        self.join_preload();
    }
}

impl PoolSynthesizer {
    /// A synthesizer for `config` over a pool laid out as `layout`: one wide session of
    /// `config`'s threads for a lone caller, `layout.sessions` narrow sessions of `layout.threads`
    /// threads under concurrency. Nothing is loaded yet.
    pub fn new(config: SessionConfig, layout: PoolLayout) -> Self {
        Self {
            pool: Arc::new(SessionPool::with_layout(config, layout)),
            preload: Mutex::new(None),
        }
    }

    /// Starts loading the session a lone caller uses on a background thread and returns at once.
    /// A failure is only logged (debug): the next generation loads again and reports it. A second
    /// call while the first load runs starts nothing.
    pub fn preload_in_background(&self) {
        let mut slot = self.preload.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let pool = Arc::clone(&self.pool);
        let spawned = std::thread::Builder::new()
            .name("kokoro-preload".into())
            .spawn(move || {
                if let Err(e) = pool.any_session() {
                    tracing::debug!("background session load failed (retried on use): {e}");
                }
            });
        match spawned {
            Ok(handle) => *slot = Some(handle),
            Err(e) => tracing::debug!("no background session load: cannot spawn a thread: {e}"),
        }
    }

    /// Waits for a background load that [`preload_in_background`](Self::preload_in_background)
    /// started, if any.
    fn join_preload(&self) {
        let handle = self
            .preload
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            tracing::debug!("the background session load panicked");
        }
    }

    /// Waits for the background work (a session preload, an idle session's arena shrink) and
    /// starts no more shrinking; see `SessionPool::stop_background`. The synthesizer stays usable.
    pub fn stop_background(&self) {
        self.join_preload();
        self.pool.stop_background();
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
    /// One run on the pool among `callers` callers (`0`: the pool counts its calls in flight).
    fn synthesize(
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

    fn session(&self) -> Result<Arc<KokoroSession>> {
        PoolSynthesizer::session(self)
    }

    fn stop_background(&self) {
        PoolSynthesizer::stop_background(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_the_synthesizer_waits_for_its_background_load() {
        let config = SessionConfig::new().with_model_dir("/nonexistent/kokoro-models");
        let layout = PoolLayout {
            sessions: 1,
            threads: 1,
        };
        for _ in 0..20 {
            let synth = PoolSynthesizer::new(config.clone(), layout);
            let pool = Arc::clone(&synth.pool);
            synth.preload_in_background();
            synth.preload_in_background();
            drop(synth);
            // The background thread held the other reference until it ended.
            assert_eq!(Arc::strong_count(&pool), 1);
        }
    }
}
