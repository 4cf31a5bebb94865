//! [`SessionPool`]: several sessions of one model, for throughput across cores.
//!
//! One ONNX Runtime session runs one inference at a time, and one session with many intra-op
//! threads scales badly (on 16 cores, 1 session x 16 threads took about 9 times as long as
//! 16 sessions x 1 thread for the same sentences). A pool holds up to `size` independent sessions
//! with few threads each; callers on many threads each get an idle one.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::config::{SessionConfig, available_cores};
use crate::error::Result;
use crate::session::{Inference, KokoroSession, SessionStats};

/// Intra-op threads per pooled session when none is configured.
///
/// Measured on the 2-core build machine (`docs/PERFORMANCE.md`): two 1-thread sessions finish a
/// 50-segment story 1.24x sooner than one 2-thread session, and on 16 cores 16 x 1 beat 8 x 2 and 4 x 4.
pub const DEFAULT_POOL_THREADS: usize = 1;

/// Resident memory one more loaded session of the int8 Kokoro model may cost: measured peak
/// growth was 410 to 470 MiB per extra session while synthesizing (VmHWM, `docs/PERFORMANCE.md`),
/// rounded up; used to cap the default pool size by the memory available.
pub const SESSION_MEMORY_ESTIMATE: u64 = 512 * 1024 * 1024;

/// How many sessions a pool has and how many intra-op threads each gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLayout {
    /// Sessions in the pool (at least 1).
    pub sessions: usize,
    /// Intra-op threads per session (at least 1).
    pub threads: usize,
}

/// The pool layout for `cores` cores and `memory_available` bytes (if known), with optional
/// explicit `sessions` and `threads`.
///
/// * threads: the explicit count, else [`DEFAULT_POOL_THREADS`];
/// * sessions: the explicit count, else `cores / threads` (at least 1), capped so that the sessions
///   use at most half of `memory_available` at [`SESSION_MEMORY_ESTIMATE`] each.
///
/// Explicit values are used as given (0 counts as 1): the caller asked for them.
///
/// ```
/// use kokoro_session::{PoolLayout, pool_layout};
///
/// assert_eq!(pool_layout(16, None, None, None), PoolLayout { sessions: 16, threads: 1 });
/// assert_eq!(pool_layout(16, None, Some(2), None), PoolLayout { sessions: 8, threads: 2 });
/// assert_eq!(pool_layout(2, Some(1), Some(2), None), PoolLayout { sessions: 1, threads: 2 });
/// ```
pub fn pool_layout(
    cores: usize,
    sessions: Option<usize>,
    threads: Option<usize>,
    memory_available: Option<u64>,
) -> PoolLayout {
    let threads = threads.unwrap_or(DEFAULT_POOL_THREADS).max(1);
    let sessions = match sessions {
        Some(n) => n.max(1),
        None => {
            let by_cores = (cores / threads).max(1);
            let by_memory = memory_available.map_or(usize::MAX, |bytes| {
                usize::try_from(bytes / 2 / SESSION_MEMORY_ESTIMATE).unwrap_or(usize::MAX)
            });
            by_cores.min(by_memory).max(1)
        }
    };
    PoolLayout { sessions, threads }
}

/// [`pool_layout`] for this machine: its available cores and `MemAvailable` from `/proc/meminfo`
/// (where there is one).
pub fn default_pool_layout(sessions: Option<usize>, threads: Option<usize>) -> PoolLayout {
    pool_layout(available_cores(), sessions, threads, memory_available())
}

/// `MemAvailable` of `/proc/meminfo` in bytes; `None` where it cannot be read.
pub fn memory_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

#[derive(Default)]
struct State {
    idle: Vec<Arc<KokoroSession>>,
    all: Vec<Arc<KokoroSession>>,
    loading: usize,
}

/// Up to `size` sessions of one model, loaded lazily: a new one is loaded only when every loaded
/// session is busy, so a single caller never loads more than one.
///
/// `Send + Sync`; [`run`](Self::run) takes an idle session (waiting for one when all `size` are
/// busy), runs it and gives it back. A failed load is returned to the caller that needed it and
/// not remembered: a later call tries again.
pub struct SessionPool {
    config: SessionConfig,
    size: usize,
    state: Mutex<State>,
    ready: Condvar,
}

impl std::fmt::Debug for SessionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionPool")
            .field("size", &self.size)
            .field("loaded", &self.loaded())
            .field("threads", &self.config.resolved_intra_threads())
            .finish_non_exhaustive()
    }
}

/// Gives a checked-out session back to the pool when dropped.
struct Lease<'a> {
    pool: &'a SessionPool,
    session: Option<Arc<KokoroSession>>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            self.pool.lock().idle.push(session);
            self.pool.ready.notify_one();
        }
    }
}

impl SessionPool {
    /// A pool of up to `size` sessions (0 counts as 1) loaded with `config`; nothing is loaded yet.
    pub fn new(config: SessionConfig, size: usize) -> Self {
        Self {
            config,
            size: size.max(1),
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
        }
    }

    /// A pool laid out as `layout`: `layout.sessions` sessions of `layout.threads` threads.
    pub fn with_layout(config: SessionConfig, layout: PoolLayout) -> Self {
        Self::new(config.with_intra_threads(layout.threads), layout.sessions)
    }

    /// The most sessions this pool loads.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Intra-op threads per session.
    pub fn threads(&self) -> usize {
        self.config.resolved_intra_threads()
    }

    /// The sessions loaded so far.
    pub fn loaded(&self) -> usize {
        self.lock().all.len()
    }

    /// The run counters of every loaded session together.
    pub fn stats(&self) -> SessionStats {
        self.lock()
            .all
            .iter()
            .fold(SessionStats::default(), |acc, s| acc.plus(&s.stats()))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Synthesizes one chunk on an idle session; same arguments and errors as
    /// [`KokoroSession::run`], plus the load errors of [`KokoroSession::load`] when a session has
    /// to be loaded.
    pub fn run(&self, ids: &[i64], style: &[f32], speed: f32) -> Result<Inference> {
        let lease = self.checkout()?;
        match &lease.session {
            Some(session) => session.run(ids, style, speed),
            None => Err(crate::error::SessionError::new(
                crate::error::ErrorKind::Runtime,
                "the session pool lost a session: retry the call",
            )),
        }
    }

    fn checkout(&self) -> Result<Lease<'_>> {
        let mut state = self.lock();
        loop {
            if let Some(session) = state.idle.pop() {
                return Ok(Lease {
                    pool: self,
                    session: Some(session),
                });
            }
            if state.all.len() + state.loading < self.size {
                state.loading += 1;
                drop(state);
                let loaded = KokoroSession::load(&self.config);
                let mut state = self.lock();
                state.loading -= 1;
                return match loaded {
                    Ok(session) => {
                        let session = Arc::new(session);
                        state.all.push(Arc::clone(&session));
                        tracing::debug!(
                            loaded = state.all.len(),
                            size = self.size,
                            threads = session.intra_threads(),
                            "session pool grew"
                        );
                        Ok(Lease {
                            pool: self,
                            session: Some(session),
                        })
                    }
                    Err(e) => {
                        // Another waiter may load (or wait for) a session instead.
                        self.ready.notify_one();
                        Err(e)
                    }
                };
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sixteen_cores_get_sixteen_single_thread_sessions() {
        assert_eq!(
            pool_layout(16, None, None, Some(64 << 30)),
            PoolLayout {
                sessions: 16,
                threads: 1
            }
        );
    }

    #[test]
    fn memory_caps_the_default_size_but_not_an_explicit_one() {
        let two_sessions = 4 * SESSION_MEMORY_ESTIMATE;
        assert_eq!(pool_layout(16, None, None, Some(two_sessions)).sessions, 2);
        assert_eq!(pool_layout(16, None, None, Some(0)).sessions, 1);
        assert_eq!(
            pool_layout(16, Some(12), None, Some(two_sessions)).sessions,
            12
        );
    }

    #[test]
    fn zero_counts_as_one() {
        assert_eq!(
            pool_layout(0, Some(0), Some(0), None),
            PoolLayout {
                sessions: 1,
                threads: 1
            }
        );
    }

    #[test]
    fn an_empty_pool_loads_nothing() {
        let pool = SessionPool::with_layout(
            SessionConfig::new().with_model_dir("/nonexistent/kokoro-models"),
            PoolLayout {
                sessions: 3,
                threads: 2,
            },
        );
        assert_eq!(pool.size(), 3);
        assert_eq!(pool.threads(), 2);
        assert_eq!(pool.loaded(), 0);
        assert_eq!(pool.stats(), SessionStats::default());
        let err = pool.run(&[1], &[0.0; 256], 1.0).unwrap_err();
        assert!(err.is_model_missing(), "{err}");
        assert_eq!(pool.loaded(), 0, "a failed load is not kept");
    }

    proptest! {
        #[test]
        fn default_layout_never_oversubscribes(
            cores in 1usize..512,
            threads in proptest::option::of(1usize..64),
            memory in proptest::option::of(0u64..(1 << 40)),
        ) {
            let l = pool_layout(cores, None, threads, memory);
            prop_assert!(l.sessions >= 1 && l.threads >= 1);
            // Never more threads than cores, unless one session alone already has more.
            prop_assert!(l.sessions == 1 || l.sessions * l.threads <= cores);
            if let Some(bytes) = memory {
                prop_assert!(l.sessions == 1 || l.sessions as u64 * SESSION_MEMORY_ESTIMATE <= bytes / 2);
            }
        }

        #[test]
        fn explicit_values_are_kept(sessions in 1usize..64, threads in 1usize..64, cores in 1usize..64) {
            let l = pool_layout(cores, Some(sessions), Some(threads), Some(0));
            prop_assert_eq!(l, PoolLayout { sessions, threads });
        }
    }
}
