//! [`SessionPool`]: the sessions of one model that serve every caller, sharing the weights.
//!
//! One ONNX Runtime session runs one inference at a time, and one session with many intra-op
//! threads scales badly (on 16 cores, 1 session x 16 threads took about 9 times as long as
//! 16 sessions x 1 thread for the same sentences), while a lone request is fastest on one session
//! with a few threads. So the pool holds two kinds of session, all loaded lazily and all sharing
//! one set of shared weights:
//!
//! * one **wide** session with the configured intra-op threads (default: the cores, at most
//!   [`DEFAULT_MAX_INTRA_THREADS`](crate::config::DEFAULT_MAX_INTRA_THREADS)), for a caller that is alone;
//! * up to [`PoolLayout::sessions`] **narrow** sessions of [`PoolLayout::threads`] threads each, for
//!   callers that run concurrently.
//!
//! The policy (see [`SessionPool::run_among`]): a call made while it is the only caller takes the
//! wide session; under concurrency every call takes a narrow session, loading one if all loaded
//! ones are busy and fewer than `sessions` exist, else waiting for one. A pool whose narrow sessions
//! would be as wide as the wide one, or that may hold only one narrow session, has a single kind.
//!
//! Two rules keep the threads in use within the cores when callers come and go:
//!
//! * **a thread budget**: a run starts only when its intra-op threads fit the cores beside those
//!   of the runs in progress (a wide run waits for the narrow ones to end, a narrow one for the wide
//!   run); a run on an otherwise idle pool always starts;
//! * **hysteresis**: a pool that saw concurrent callers stays narrow until it has been without
//!   them for [`CONCURRENCY_HOLD`]: a caller that finds itself alone only because the other one is
//!   between two calls does not take the wide session (which would make the other wait for it).
//!
//! `KOKORO_POOL_POLICY` (read when a pool is created; for benchmarks) selects `greedy` (neither
//! rule, the pool before issue 27), `budget` (the budget only) or `hold` (both, the default).
//!
//! A lone call does not load the wide session while a narrow one is idle: the tail of a batch, or a
//! caller that was running narrow and is now alone, goes on with a narrow session instead of paying
//! a session's load and memory for a piece or two (the engine also counts a batch's workers as
//! callers for the whole batch; `docs/PERFORMANCE.md`, "The pool's policy").
//!
//! With [`ArenaShrink::WhenIdle`] (the default), a session's memory arena is given back once the
//! session has been idle that long: a thread of the pool's own, started with the first run and
//! joined when the pool is dropped, shrinks it with a minimal run
//! ([`KokoroSession::shrink_arena`]). Runs back to back keep their arena; a call that arrives while
//! a session is being shrunk waits for it rather than loading another.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::{ArenaShrink, SessionConfig, available_cores};
use crate::error::Result;
use crate::session::{Inference, KokoroSession, SessionStats};

/// Intra-op threads per narrow pooled session when none is configured.
///
/// Measured on the 2-core build machine (`docs/PERFORMANCE.md`): two 1-thread sessions finish a
/// 50-segment story 1.24x sooner than one 2-thread session, and on 16 cores 16 x 1 beat 8 x 2 and 4 x 4.
pub const DEFAULT_POOL_THREADS: usize = 1;

/// How long a pool that saw concurrent callers stays narrow once they are gone (hysteresis).
///
/// A caller is alone only between two calls of the other one for the other's gap between them (the
/// end of its generation: normalizing and writing its WAV; the return to its code, Python's
/// included; the text front end of its next text), tens of milliseconds; a piece's run takes
/// 0.5 to 2 s on one thread. 500 ms covers such a gap several times over, and a caller that is
/// really alone runs at most its first piece on a narrow session (`docs/PERFORMANCE.md`, "The
/// pool's policy").
pub const CONCURRENCY_HOLD: Duration = Duration::from_millis(500);

/// The environment variable that selects the pool's policy (`greedy`, `budget` or `hold`): a knob
/// for benchmarks comparing them, read when a pool is created.
pub const ENV_POOL_POLICY: &str = "KOKORO_POOL_POLICY";

/// Which of the pool's rules apply (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Policy {
    /// A lone call takes the wide session at once, and runs start whatever the threads in use
    /// (the pool before issue 27; two callers could hold 3 threads on 2 cores).
    Greedy,
    /// A run starts only when its threads fit the cores.
    Budget,
    /// The budget, and a pool that saw concurrency stays narrow for [`CONCURRENCY_HOLD`].
    #[default]
    Hold,
}

impl Policy {
    /// The policy `value` names (`KOKORO_POOL_POLICY`); the default when unset or unknown.
    fn named(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some("greedy") => Self::Greedy,
            Some("budget") => Self::Budget,
            Some("hold") | Some("") | None => Self::Hold,
            Some(other) => {
                tracing::warn!(
                    "{ENV_POOL_POLICY}={other} is not a pool policy (greedy, budget, hold): using hold"
                );
                Self::Hold
            }
        }
    }

    fn from_env() -> Self {
        Self::named(std::env::var(ENV_POOL_POLICY).ok().as_deref())
    }

    /// Whether runs start only when their threads fit.
    fn budget(self) -> bool {
        self != Self::Greedy
    }

    /// How long the pool stays narrow after concurrency, if it does.
    fn hold(self) -> Option<Duration> {
        (self == Self::Hold).then_some(CONCURRENCY_HOLD)
    }
}

/// Resident memory one more session of the int8 Kokoro model may cost once the weights are shared:
/// its activations and arena while synthesizing (measured in `docs/PERFORMANCE.md`), rounded up;
/// used to cap the default pool size by the memory available.
pub const SESSION_MEMORY_ESTIMATE: u64 = 128 * 1024 * 1024;

/// How many narrow sessions a pool has and how many intra-op threads each gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLayout {
    /// Narrow sessions in the pool (at least 1).
    pub sessions: usize,
    /// Intra-op threads per narrow session (at least 1).
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
/// use kokoro_session::PoolLayout;
/// use kokoro_session::pool_layout;
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
pub(crate) fn memory_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Which kind of session a call runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Wide,
    Narrow,
}

/// Since when a session has been idle, and whether it has run since its arena was last shrunk.
#[derive(Debug, Clone, Copy)]
struct Mark {
    since: Instant,
    dirty: bool,
}

impl Mark {
    fn now(dirty: bool) -> Self {
        Self {
            since: Instant::now(),
            dirty,
        }
    }
}

/// An idle narrow session.
struct Idle<S> {
    session: S,
    mark: Mark,
}

/// What the pool's shrinking thread does next.
#[derive(Debug, PartialEq)]
enum Shrink<S> {
    /// Shrink this session, checked out for it.
    Now(Kind, S),
    /// Nothing is due; wake at this instant (or when something changes).
    Wait(Option<Instant>),
}

/// The pool's sessions and what each is doing; `S` is a session handle (`Arc<KokoroSession>`;
/// the unit tests use plain numbers).
struct State<S = Arc<KokoroSession>> {
    /// The wide session, once loaded.
    wide: Option<S>,
    /// Since when the wide session has been idle: `None` while it runs (or is not loaded).
    wide_idle: Option<Mark>,
    wide_loading: bool,
    /// Narrow sessions not running, the most recently used last.
    idle: Vec<Idle<S>>,
    /// Every narrow session loaded.
    all: Vec<S>,
    /// Narrow sessions being loaded.
    loading: usize,
    /// Narrow sessions checked out by the shrinking thread.
    narrow_shrinking: usize,
    /// The pool is being dropped: the shrinking thread ends.
    closing: bool,
    /// Intra-op threads of the sessions checked out to run (the thread budget's use).
    threads_busy: usize,
    /// When a run among concurrent callers last started or ended (the hysteresis' clock).
    last_concurrent: Option<Instant>,
}

impl<S> Default for State<S> {
    fn default() -> Self {
        Self {
            wide: None,
            wide_idle: None,
            wide_loading: false,
            idle: Vec::new(),
            all: Vec::new(),
            loading: 0,
            narrow_shrinking: 0,
            closing: false,
            threads_busy: 0,
            last_concurrent: None,
        }
    }
}

impl<S: Clone> State<S> {
    /// An idle session of `kind`, marked busy (the most recently used narrow one, so that the
    /// others stay idle and can be shrunk), and whether it has run since its last shrink.
    fn take_idle(&mut self, kind: Kind) -> Option<(S, bool)> {
        match kind {
            Kind::Wide => {
                let session = self.wide.clone()?;
                let mark = self.wide_idle.take()?;
                Some((session, mark.dirty))
            }
            Kind::Narrow => self.idle.pop().map(|idle| (idle.session, idle.mark.dirty)),
        }
    }

    /// Gives a checked-out session back, idle from now; `dirty`: it ran since its last shrink.
    fn give_back(&mut self, kind: Kind, session: S, dirty: bool) {
        match kind {
            Kind::Wide => self.wide_idle = Some(Mark::now(dirty)),
            Kind::Narrow => self.idle.push(Idle {
                session,
                mark: Mark::now(dirty),
            }),
        }
    }

    /// Whether a narrow session will be free soon: one is idle, or being shrunk.
    fn narrow_available(&self) -> bool {
        !self.idle.is_empty() || self.narrow_shrinking > 0
    }

    /// The idle session to shrink now (checked out), or when to look again: sessions that have
    /// run since their last shrink and been idle for `after`.
    fn next_shrink(&mut self, after: Duration, now: Instant) -> Shrink<S> {
        let mut next: Option<Instant> = None;
        if let (Some(wide), Some(mark)) = (&self.wide, self.wide_idle)
            && mark.dirty
        {
            let due = mark.since + after;
            if due <= now {
                let session = wide.clone();
                self.wide_idle = None;
                return Shrink::Now(Kind::Wide, session);
            }
            next = Some(due);
        }
        for (i, idle) in self.idle.iter().enumerate() {
            if !idle.mark.dirty {
                continue;
            }
            let due = idle.mark.since + after;
            if due <= now {
                let idle = self.idle.remove(i);
                self.narrow_shrinking += 1;
                return Shrink::Now(Kind::Narrow, idle.session);
            }
            next = Some(next.map_or(due, |n| n.min(due)));
        }
        Shrink::Wait(next)
    }

    /// Whether a run of `threads` intra-op threads may start within `budget` threads: always
    /// when nothing runs (a session wider than the budget still runs alone), else only when it fits,
    /// so that the threads in use never exceed the cores (a wide run waits for the narrow ones to
    /// end, and a narrow one for the wide run).
    fn fits(&self, threads: usize, budget: usize) -> bool {
        self.threads_busy == 0 || self.threads_busy + threads <= budget
    }

    /// Notes that a run among concurrent callers starts or ends at `now`.
    fn saw_concurrency(&mut self, now: Instant) {
        self.last_concurrent = Some(self.last_concurrent.map_or(now, |t| t.max(now)));
    }

    /// The kind a call asking for `asked` runs on at `now` when the pool stays narrow for `hold`
    /// after concurrent callers: a lone call (asking for the wide session) within `hold` of the
    /// last run among concurrent callers takes a narrow session.
    fn held(&self, asked: Kind, hold: Option<Duration>, now: Instant) -> Kind {
        match (asked, hold, self.last_concurrent) {
            (Kind::Wide, Some(hold), Some(t)) if now.saturating_duration_since(t) < hold => {
                Kind::Narrow
            }
            _ => asked,
        }
    }

    /// Whether another session of `kind` may be loaded (at most one wide, `size` narrow).
    fn can_load(&self, kind: Kind, size: usize) -> bool {
        match kind {
            Kind::Wide => self.wide.is_none() && !self.wide_loading,
            Kind::Narrow => self.all.len() + self.loading < size,
        }
    }

    fn start_load(&mut self, kind: Kind) {
        match kind {
            Kind::Wide => self.wide_loading = true,
            Kind::Narrow => self.loading += 1,
        }
    }

    /// Ends a load started with [`State::start_load`]; a loaded session is added, busy.
    fn finish_load(&mut self, kind: Kind, loaded: Option<&S>) {
        match kind {
            Kind::Wide => {
                self.wide_loading = false;
                if let Some(session) = loaded {
                    self.wide = Some(session.clone());
                    self.wide_idle = None;
                }
            }
            Kind::Narrow => {
                self.loading = self.loading.saturating_sub(1);
                if let Some(session) = loaded {
                    self.all.push(session.clone());
                }
            }
        }
    }
}

/// The sessions of one model, loaded lazily and sharing its weights, that serve every caller.
///
/// `Send + Sync`: share it (or the engine that owns it) between threads. Every call checks out a
/// session, runs it and gives it back. A failed load is returned to the caller that needed it and
/// not remembered: a later call tries again. See the [module docs](self) for the policy.
pub struct SessionPool {
    wide_config: SessionConfig,
    narrow_config: SessionConfig,
    size: usize,
    shared: Arc<Shared>,
    in_flight: AtomicUsize,
    /// The most intra-op threads that run at once (the cores): see [`State::fits`].
    budget: usize,
    /// Which rules apply (`KOKORO_POOL_POLICY`).
    policy: Policy,
    /// How long a session stays idle before its arena is shrunk ([`ArenaShrink::WhenIdle`]).
    shrink_idle: Option<Duration>,
    /// The shrinking thread, started with the first run.
    shrinker: Mutex<Shrinker>,
}

/// The life of a pool's shrinking thread.
#[derive(Debug)]
enum Shrinker {
    NotStarted,
    Running(JoinHandle<()>),
    /// Stopped ([`SessionPool::stop_background`]) or never to start (no thread could be spawned).
    Stopped,
}

/// The pool's state and its condition variable, shared with the shrinking thread.
struct Shared {
    state: Mutex<State>,
    /// Notified when a session is given back, loaded or shrunk, and when the pool closes.
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for SessionPool {
    fn drop(&mut self) {
        self.stop_background();
    }
}

impl std::fmt::Debug for SessionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionPool")
            .field("size", &self.size)
            .field("loaded", &self.loaded())
            .field("wide_threads", &self.wide_threads())
            .field("threads", &self.threads())
            .finish_non_exhaustive()
    }
}

/// Gives a checked-out session back to the pool when dropped.
struct Lease<'a> {
    pool: &'a SessionPool,
    kind: Kind,
    session: Arc<KokoroSession>,
    /// Whether the session has run since its arena was last shrunk: a session checked out only to
    /// be loaded (`any_session`, the engine's preload) has nothing to give back.
    dirty: bool,
    /// Whether it runs among concurrent callers: its end restarts the hysteresis' clock.
    concurrent: bool,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut state = self.pool.lock();
        state.threads_busy = state
            .threads_busy
            .saturating_sub(self.pool.threads_of(self.kind));
        if self.concurrent {
            state.saw_concurrency(Instant::now());
        }
        state.give_back(self.kind, Arc::clone(&self.session), self.dirty);
        drop(state);
        self.pool.shared.ready.notify_all();
    }
}

/// Counts a call in flight while it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl SessionPool {
    /// A pool of up to `size` narrow sessions (0 counts as 1) of `config`'s threads and no wide
    /// session; nothing is loaded yet. See [`SessionPool::with_layout`] for the usual pool.
    pub fn new(config: SessionConfig, size: usize) -> Self {
        let threads = config.resolved_intra_threads();
        Self::with_layout(
            config,
            PoolLayout {
                sessions: size,
                threads,
            },
        )
    }

    /// A pool with one wide session of `config`'s intra-op threads
    /// ([`SessionConfig::resolved_intra_threads`]) for lone callers, and `layout.sessions` narrow
    /// sessions of `layout.threads` threads for concurrent ones; nothing is loaded yet.
    pub fn with_layout(config: SessionConfig, layout: PoolLayout) -> Self {
        let narrow_config = config.clone().with_intra_threads(layout.threads.max(1));
        let wide_config = config
            .clone()
            .with_intra_threads(config.resolved_intra_threads());
        let shrink_idle = match config.arena_shrink {
            ArenaShrink::WhenIdle(after) if config.cpu_arena => Some(after),
            _ => None,
        };
        Self {
            wide_config,
            narrow_config,
            size: layout.sessions.max(1),
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                ready: Condvar::new(),
            }),
            in_flight: AtomicUsize::new(0),
            budget: available_cores(),
            policy: Policy::from_env(),
            shrink_idle,
            shrinker: Mutex::new(Shrinker::NotStarted),
        }
    }

    /// The most narrow sessions this pool loads.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Intra-op threads per narrow session.
    pub fn threads(&self) -> usize {
        self.narrow_config.resolved_intra_threads()
    }

    /// Intra-op threads of the wide session (the one a lone caller gets).
    pub fn wide_threads(&self) -> usize {
        self.wide_config.resolved_intra_threads()
    }

    /// Whether this pool has two kinds of session (see the [module docs](self)).
    fn has_wide(&self) -> bool {
        self.size > 1 && self.wide_threads() > self.threads()
    }

    /// The sessions loaded so far, wide and narrow.
    pub fn loaded(&self) -> usize {
        let state = self.lock();
        state.all.len() + usize::from(state.wide.is_some())
    }

    /// The run counters of every loaded session together.
    pub fn stats(&self) -> SessionStats {
        let state = self.lock();
        state
            .all
            .iter()
            .chain(state.wide.iter())
            .fold(SessionStats::default(), |acc, s| acc.plus(&s.stats()))
    }

    /// A loaded session, loading one (the wide one when the pool has one) if none is loaded yet:
    /// for reading the model's contract. It is not checked out.
    pub fn any_session(&self) -> Result<Arc<KokoroSession>> {
        {
            let state = self.lock();
            if let Some(s) = state.wide.as_ref().or(state.all.first()) {
                return Ok(Arc::clone(s));
            }
        }
        let lease = self.checkout(self.kind_for(1), false)?;
        Ok(Arc::clone(&lease.session))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Starts the shrinking thread if this pool shrinks idle sessions and it has not started yet.
    fn start_shrinker(&self) {
        let Some(after) = self.shrink_idle else {
            return;
        };
        let mut shrinker = self.shrinker.lock().unwrap_or_else(PoisonError::into_inner);
        if !matches!(*shrinker, Shrinker::NotStarted) {
            return;
        }
        let shared = Arc::clone(&self.shared);
        *shrinker = match std::thread::Builder::new()
            .name("kokoro-arena".into())
            .spawn(move || shrink_idle_sessions(&shared, after))
        {
            Ok(handle) => Shrinker::Running(handle),
            Err(e) => {
                tracing::debug!("idle sessions are not shrunk: cannot spawn a thread: {e}");
                Shrinker::Stopped
            }
        };
    }

    /// Stops the pool's background work: waits for a shrink in progress, ends the shrinking
    /// thread and starts no other (idle sessions keep their arena from then on). The pool stays
    /// usable. Dropping the pool does this; call it on a pool that lives until the process exits
    /// (one in a `static`), before exiting: a thread still inside ONNX Runtime while the process
    /// exits can crash in the runtime's own teardown.
    pub fn stop_background(&self) {
        let mut shrinker = self.shrinker.lock().unwrap_or_else(PoisonError::into_inner);
        self.lock().closing = true;
        self.shared.ready.notify_all();
        if let Shrinker::Running(handle) = std::mem::replace(&mut *shrinker, Shrinker::Stopped)
            && handle.join().is_err()
        {
            tracing::debug!("the session pool's shrinking thread panicked");
        }
    }

    /// Synthesizes one chunk; the number of concurrent callers is the number of `run` calls in
    /// flight on this pool. Same as [`run_among`](Self::run_among) otherwise.
    pub fn run(&self, ids: &[i64], style: &[f32], speed: f32) -> Result<Inference> {
        self.run_among(ids, style, speed, 0)
    }

    /// Synthesizes one chunk on a session chosen for `callers`, the number of requests the caller
    /// knows to be running at once, this one included (an engine counts its generations, which
    /// spend part of their time outside the model); `0` means "count the calls in flight on this
    /// pool". One caller gets the wide session, more get narrow ones.
    ///
    /// Same arguments and errors as [`KokoroSession::run`], plus the load errors of
    /// [`KokoroSession::load`] when a session has to be loaded.
    pub fn run_among(
        &self,
        ids: &[i64],
        style: &[f32],
        speed: f32,
        callers: usize,
    ) -> Result<Inference> {
        let in_flight = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        let _counted = InFlight(&self.in_flight);
        let callers = if callers == 0 { in_flight } else { callers };
        self.start_shrinker();
        let mut lease = self.checkout(self.kind_for(callers), callers > 1)?;
        lease.dirty = true;
        lease.session.run(ids, style, speed)
    }

    /// The kind of session a call among `callers` concurrent ones runs on.
    fn kind_for(&self, callers: usize) -> Kind {
        if self.has_wide() {
            if callers <= 1 {
                Kind::Wide
            } else {
                Kind::Narrow
            }
        } else if self.size == 1 {
            Kind::Wide
        } else {
            Kind::Narrow
        }
    }

    /// Intra-op threads of a session of `kind`.
    fn threads_of(&self, kind: Kind) -> usize {
        self.config(kind).resolved_intra_threads()
    }

    fn config(&self, kind: Kind) -> &SessionConfig {
        match kind {
            Kind::Wide => &self.wide_config,
            Kind::Narrow => &self.narrow_config,
        }
    }

    fn load(&self, kind: Kind) -> Result<Arc<KokoroSession>> {
        let session = KokoroSession::load(self.config(kind))?;
        tracing::debug!(
            kind = ?kind,
            threads = session.intra_threads(),
            size = self.size,
            "session pool grew"
        );
        Ok(Arc::new(session))
    }

    /// The kind a call asking for `kind` gets: a lone call does not load the wide session
    /// (`wide_absent`: neither loaded nor loading) while a narrow one is idle (the tail of a batch,
    /// a caller that was running narrow).
    fn settle(&self, kind: Kind, wide_absent: bool, narrow_idle: bool) -> Kind {
        if kind == Kind::Wide && self.has_wide() && wide_absent && narrow_idle {
            Kind::Narrow
        } else {
            kind
        }
    }

    /// Checks out a session for a call asking for `asked`; `concurrent`: the call runs among
    /// concurrent callers (it restarts the hysteresis' clock).
    fn checkout(&self, asked: Kind, concurrent: bool) -> Result<Lease<'_>> {
        // Hysteresis only means something in a pool of two kinds.
        let (concurrent, hold) = if self.has_wide() {
            (concurrent, self.policy.hold())
        } else {
            (false, None)
        };
        let mut state = self.lock();
        if concurrent {
            state.saw_concurrency(Instant::now());
        }
        loop {
            let held = state.held(asked, hold, Instant::now());
            let wide_absent = state.wide.is_none() && !state.wide_loading;
            let kind = self.settle(held, wide_absent, state.narrow_available());
            let threads = self.threads_of(kind);
            if self.policy.budget() && !state.fits(threads, self.budget) {
                state = self
                    .shared
                    .ready
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            if let Some((session, dirty)) = state.take_idle(kind) {
                state.threads_busy += threads;
                return Ok(Lease {
                    pool: self,
                    kind,
                    session,
                    dirty,
                    concurrent,
                });
            }
            // A session being shrunk is back in a moment: wait for it rather than load another.
            let shrinking = kind == Kind::Narrow && state.narrow_shrinking > 0;
            if !shrinking && state.can_load(kind, self.size) {
                state.start_load(kind);
                // The new session's threads count from now: it runs once loaded.
                state.threads_busy += threads;
                drop(state);
                let loaded = self.load(kind);
                let mut state = self.lock();
                state.finish_load(kind, loaded.as_ref().ok());
                if loaded.is_err() {
                    state.threads_busy = state.threads_busy.saturating_sub(threads);
                }
                drop(state);
                return match loaded {
                    Ok(session) => Ok(Lease {
                        pool: self,
                        kind,
                        session,
                        dirty: false,
                        concurrent,
                    }),
                    Err(e) => {
                        // Another waiter may load (or wait for) a session instead.
                        self.shared.ready.notify_all();
                        Err(e)
                    }
                };
            }
            state = self
                .shared
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The shrinking thread: gives back the arena of every session that has run and then stayed idle
/// for `after`, until the pool closes.
fn shrink_idle_sessions(shared: &Shared, after: Duration) {
    let mut state = shared.lock();
    while !state.closing {
        match state.next_shrink(after, Instant::now()) {
            Shrink::Now(kind, session) => {
                drop(state);
                match session.shrink_arena() {
                    Ok(()) => tracing::debug!(kind = ?kind, "idle session's arena shrunk"),
                    Err(e) => {
                        tracing::debug!(kind = ?kind, "could not shrink an idle session's arena: {e}")
                    }
                }
                state = shared.lock();
                if kind == Kind::Narrow {
                    state.narrow_shrinking = state.narrow_shrinking.saturating_sub(1);
                }
                state.give_back(kind, session, false);
                shared.ready.notify_all();
            }
            Shrink::Wait(Some(due)) => {
                let wait = due.saturating_duration_since(Instant::now());
                state = shared
                    .ready
                    .wait_timeout(state, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            Shrink::Wait(None) => {
                state = shared
                    .ready
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
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
    fn a_run_starts_only_when_its_threads_fit_the_budget() {
        let mut state = State::<u32>::default();
        // nothing runs: even a session wider than the budget may start
        assert!(state.fits(4, 2));
        // a wide run (2 threads on 2 cores) in progress: a narrow one waits
        state.threads_busy = 2;
        assert!(!state.fits(1, 2));
        // one narrow run: another narrow fits, the wide one waits
        state.threads_busy = 1;
        assert!(state.fits(1, 2));
        assert!(!state.fits(2, 2));
        // two narrow runs on two cores: nothing more
        state.threads_busy = 2;
        assert!(!state.fits(1, 2));
    }

    #[test]
    fn a_pool_that_saw_concurrent_callers_stays_narrow_until_alone_for_the_hold() {
        let hold = Some(CONCURRENCY_HOLD);
        let mut state = State::<u32>::default();
        let t0 = Instant::now();
        // A caller that never met another gets the wide session.
        assert_eq!(state.held(Kind::Wide, hold, t0), Kind::Wide);
        state.saw_concurrency(t0);
        // Alone soon after: narrow; concurrent callers are narrow anyway.
        let soon = t0 + CONCURRENCY_HOLD / 2;
        assert_eq!(state.held(Kind::Wide, hold, soon), Kind::Narrow);
        assert_eq!(state.held(Kind::Narrow, hold, soon), Kind::Narrow);
        // Alone for the whole hold: wide again.
        assert_eq!(
            state.held(Kind::Wide, hold, t0 + CONCURRENCY_HOLD),
            Kind::Wide
        );
        // Without hysteresis (greedy, budget) a lone caller is wide at once.
        assert_eq!(state.held(Kind::Wide, None, soon), Kind::Wide);
        // The clock never goes back: a late note of an earlier start does not shorten the hold.
        state.saw_concurrency(soon);
        state.saw_concurrency(t0);
        assert_eq!(
            state.held(Kind::Wide, hold, t0 + CONCURRENCY_HOLD),
            Kind::Narrow
        );
        assert_eq!(
            state.held(Kind::Wide, hold, soon + CONCURRENCY_HOLD),
            Kind::Wide
        );
    }

    /// Two callers on 2 cores, 1-thread narrow sessions and a 2-thread wide one: caller A's next
    /// piece starts while caller B is between two calls (so A counts itself alone), then B's call
    /// comes. Returns the kind A gets and whether B's narrow run may start beside A's.
    fn a_caller_between_two_calls(hold: Option<Duration>) -> (Kind, bool) {
        let (budget, wide, narrow) = (2, 2, 1);
        let mut state = State::<u32>::default();
        let t0 = Instant::now();
        // Both ran narrow; B's run ended at t0 (A's a little before).
        state.saw_concurrency(t0);
        let a_alone = t0 + Duration::from_millis(20);
        let a = state.held(Kind::Wide, hold, a_alone);
        let a_threads = if a == Kind::Wide { wide } else { narrow };
        assert!(state.fits(a_threads, budget), "nothing runs: A starts");
        state.threads_busy += a_threads;
        (a, state.fits(narrow, budget))
    }

    #[test]
    fn a_caller_between_two_calls_keeps_its_narrow_session_under_hysteresis() {
        // Budget only: A takes the wide session and B waits for A's whole piece.
        assert_eq!(a_caller_between_two_calls(None), (Kind::Wide, false));
        // Budget + hysteresis: A stays narrow and B's run starts beside it.
        assert_eq!(
            a_caller_between_two_calls(Some(CONCURRENCY_HOLD)),
            (Kind::Narrow, true)
        );
    }

    #[test]
    fn the_policy_is_named_by_the_environment_variable() {
        assert_eq!(Policy::named(None), Policy::Hold);
        assert_eq!(Policy::named(Some("")), Policy::Hold);
        assert_eq!(Policy::named(Some("hold")), Policy::Hold);
        assert_eq!(Policy::named(Some("budget")), Policy::Budget);
        assert_eq!(Policy::named(Some(" greedy\n")), Policy::Greedy);
        assert_eq!(Policy::named(Some("fastest")), Policy::Hold);
        assert!(!Policy::Greedy.budget() && Policy::Greedy.hold().is_none());
        assert!(Policy::Budget.budget() && Policy::Budget.hold().is_none());
        assert!(Policy::Hold.budget() && Policy::Hold.hold() == Some(CONCURRENCY_HOLD));
    }

    fn pool(config_threads: usize, sessions: usize, threads: usize) -> SessionPool {
        SessionPool::with_layout(
            SessionConfig::new()
                .with_model_dir("/nonexistent/kokoro-models")
                .with_intra_threads(config_threads),
            PoolLayout { sessions, threads },
        )
    }

    #[test]
    fn a_lone_caller_gets_the_wide_session_and_concurrent_callers_narrow_ones() {
        let p = pool(2, 2, 1);
        assert_eq!((p.wide_threads(), p.threads()), (2, 1));
        assert_eq!(p.kind_for(1), Kind::Wide);
        assert_eq!(p.kind_for(0), Kind::Wide);
        for callers in 2..10 {
            assert_eq!(p.kind_for(callers), Kind::Narrow);
        }
    }

    #[test]
    fn a_lone_call_does_not_load_the_wide_session_while_a_narrow_one_is_idle() {
        let p = pool(2, 2, 1);
        // Nothing loaded: the wide session (a lone caller from the start, `kokoro say`).
        assert_eq!(p.settle(Kind::Wide, true, false), Kind::Wide);
        // The tail of a batch: a narrow session is idle, the wide one was never loaded.
        assert_eq!(p.settle(Kind::Wide, true, true), Kind::Narrow);
        // The wide session is there: it serves the lone caller.
        assert_eq!(p.settle(Kind::Wide, false, true), Kind::Wide);
        // Concurrent callers are unaffected.
        assert_eq!(p.settle(Kind::Narrow, true, true), Kind::Narrow);
        // A pool of one kind never changes it.
        let one = pool(4, 1, 1);
        assert_eq!(one.settle(Kind::Wide, true, true), Kind::Wide);
    }

    #[test]
    fn a_pool_of_one_kind_uses_it_for_everyone() {
        // Narrow sessions as wide as the wide one: only narrow sessions.
        let same = pool(1, 4, 1);
        assert_eq!(same.kind_for(1), Kind::Narrow);
        assert_eq!(same.kind_for(4), Kind::Narrow);
        // Room for one session only: the wide one, shared by everyone.
        let one = pool(4, 1, 1);
        assert_eq!(one.kind_for(1), Kind::Wide);
        assert_eq!(one.kind_for(3), Kind::Wide);
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
        let err = pool.run_among(&[1], &[0.0; 256], 1.0, 5).unwrap_err();
        assert!(err.is_model_missing(), "{err}");
        assert!(pool.any_session().unwrap_err().is_model_missing());
        assert_eq!(pool.loaded(), 0);
    }

    /// A state with a wide session 0 and narrow sessions 1..=n, all idle since `since`, dirty.
    fn idle_state(n: u32, since: Instant) -> State<u32> {
        let mark = Mark { since, dirty: true };
        State {
            wide: Some(0),
            wide_idle: Some(mark),
            idle: (1..=n).map(|session| Idle { session, mark }).collect(),
            all: (1..=n).collect(),
            ..State::default()
        }
    }

    #[test]
    fn only_sessions_idle_long_enough_after_a_run_are_shrunk() {
        let t0 = Instant::now();
        let after = Duration::from_secs(2);
        let mut state = idle_state(2, t0);
        // Not yet: wake when the first is due.
        assert_eq!(state.next_shrink(after, t0), Shrink::Wait(Some(t0 + after)));
        let later = t0 + after;
        // Due: the wide one first, then each narrow one, checked out while shrunk.
        assert_eq!(state.next_shrink(after, later), Shrink::Now(Kind::Wide, 0));
        assert!(state.wide_idle.is_none(), "checked out");
        assert_eq!(
            state.next_shrink(after, later),
            Shrink::Now(Kind::Narrow, 1)
        );
        assert_eq!(
            state.next_shrink(after, later),
            Shrink::Now(Kind::Narrow, 2)
        );
        assert_eq!(state.narrow_shrinking, 2);
        assert!(state.idle.is_empty());
        assert!(
            state.narrow_available(),
            "a session being shrunk is back soon"
        );
        // Given back clean: nothing more to shrink until they run again.
        state.narrow_shrinking = 0;
        state.give_back(Kind::Wide, 0, false);
        state.give_back(Kind::Narrow, 1, false);
        state.give_back(Kind::Narrow, 2, false);
        assert_eq!(
            state.next_shrink(after, later + after * 10),
            Shrink::Wait(None)
        );
        // A run makes a session dirty again, idle from now.
        assert_eq!(state.take_idle(Kind::Narrow), Some((2, false)));
        state.give_back(Kind::Narrow, 2, true);
        match state.next_shrink(after, Instant::now()) {
            Shrink::Wait(Some(due)) => assert!(due > later),
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn busy_sessions_are_never_shrunk() {
        let t0 = Instant::now();
        let after = Duration::from_millis(1);
        let mut state = idle_state(1, t0);
        assert_eq!(state.take_idle(Kind::Wide), Some((0, true)));
        assert_eq!(state.take_idle(Kind::Narrow), Some((1, true)));
        assert_eq!(
            state.next_shrink(after, t0 + after * 100),
            Shrink::Wait(None)
        );
    }

    #[test]
    fn the_most_recently_used_narrow_session_is_taken_first() {
        let t0 = Instant::now();
        let mut state = idle_state(3, t0);
        assert_eq!(state.take_idle(Kind::Narrow), Some((3, true)));
        state.give_back(Kind::Narrow, 3, false);
        // The one just used again, so that the others stay idle (and can be shrunk); its mark
        // comes with it.
        assert_eq!(state.take_idle(Kind::Narrow), Some((3, false)));
    }

    #[test]
    fn a_pool_that_never_ran_starts_no_thread_and_drops_at_once() {
        let p = pool(2, 2, 1);
        assert!(p.shrink_idle.is_some(), "the default shrinks idle sessions");
        assert!(matches!(*p.shrinker.lock().unwrap(), Shrinker::NotStarted));
        let never = SessionPool::with_layout(
            SessionConfig::new()
                .with_model_dir("/nonexistent/kokoro-models")
                .with_arena_shrink(ArenaShrink::Never),
            PoolLayout {
                sessions: 2,
                threads: 1,
            },
        );
        assert!(never.shrink_idle.is_none());
        // A failed run starts the shrinking thread; stopping ends it for good.
        assert!(p.run(&[1], &[0.0; 256], 1.0).is_err());
        assert!(matches!(*p.shrinker.lock().unwrap(), Shrinker::Running(_)));
        p.stop_background();
        assert!(matches!(*p.shrinker.lock().unwrap(), Shrinker::Stopped));
        assert!(p.run(&[1], &[0.0; 256], 1.0).is_err());
        assert!(matches!(*p.shrinker.lock().unwrap(), Shrinker::Stopped));
        drop(p);
        drop(never);
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
