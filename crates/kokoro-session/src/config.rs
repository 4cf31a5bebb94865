//! [`SessionConfig`]: where the files are and how the session runs.

use std::path::PathBuf;

/// Where ONNX Runtime executes the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Execution {
    /// ONNX Runtime's default CPU execution provider.
    #[default]
    Cpu,
    /// NVIDIA CUDA. Needs this crate's `cuda` feature and a CUDA build of ONNX Runtime.
    ///
    /// If registering the provider fails, loading fails with
    /// [`ErrorKind::ExecutionProvider`](crate::ErrorKind::ExecutionProvider), unless
    /// `fallback_to_cpu` is set: then a warning is logged and the session runs on the CPU.
    Cuda {
        /// CUDA device ordinal (0 for the first GPU).
        device_id: i32,
        /// Continue on the CPU (with a warning) when CUDA cannot be used.
        fallback_to_cpu: bool,
    },
}

/// ONNX Runtime graph optimization level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GraphOptimization {
    /// No graph optimization.
    Disable,
    /// Semantics-preserving rewrites only (constant folding, redundant node removal).
    Basic,
    /// Basic plus complex node fusions.
    Extended,
    /// Every optimization ONNX Runtime has (its own default).
    #[default]
    All,
}

/// When a session gives the unused memory of its CPU arena back to the system.
///
/// ONNX Runtime's arena keeps the buffers of a run for the next one. Kept, a session holds the
/// working memory of the longest text it has read (and more, as the arena grows in powers of
/// two); given back, the next run faults it in again, page by page. Only
/// [`SessionConfig::cpu_arena`] sessions have an arena to shrink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArenaShrink {
    /// Never: the fastest runs, and the arena's high-water mark stays resident for the session's
    /// life.
    Never,
    /// At the end of every run: an idle session holds almost nothing and the peak is lowest, and
    /// every run pays for faulting its working memory in again (about 2 % of a 2-worker batch's
    /// CPU time, 1 M more page faults on 40 segments; `docs/PERFORMANCE.md`).
    EveryRun,
    /// Once a session of a [`SessionPool`](crate::SessionPool) has been idle this long, the pool
    /// shrinks it ([`KokoroSession::shrink_arena`](crate::KokoroSession::shrink_arena), a minimal run
    /// that gives the arena back); runs back to back (a batch, a story, a queue of tasks) keep their
    /// arena. A session outside a pool is never shrunk on its own: call `shrink_arena` when it goes
    /// idle.
    WhenIdle(std::time::Duration),
}

impl Default for ArenaShrink {
    /// [`ArenaShrink::WhenIdle`] after [`DEFAULT_SHRINK_IDLE`].
    fn default() -> Self {
        Self::WhenIdle(DEFAULT_SHRINK_IDLE)
    }
}

/// How long a pooled session stays idle before its arena is given back, by default: longer than
/// the gap between two pieces or two queued tasks, short enough that an idle process soon holds
/// little more than the weights.
pub const DEFAULT_SHRINK_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

/// How to find and load the model. `SessionConfig::default()` discovers everything.
///
/// Every field is optional; `None` means "discover it" (see [`locate_model`](crate::locate_model)
/// and [`locate_runtime`](crate::locate_runtime) for the search order).
///
/// ```
/// use kokoro_session::{Execution, SessionConfig};
///
/// let cfg = SessionConfig::new()
///     .with_model_dir("models")
///     .with_intra_threads(2)
///     .with_execution(Execution::Cpu);
/// assert_eq!(cfg.intra_threads, Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// Model directory; `None`: env `KOKORO_MODEL_DIR`, else `./models` where it exists, else the
    /// user's data directory ([`resolve_model_dir`](crate::resolve_model_dir)).
    pub model_dir: Option<PathBuf>,
    /// The `.onnx` file itself; `None`: from the manifest or the known file names in the model dir.
    pub model_path: Option<PathBuf>,
    /// The ONNX Runtime shared library; `None`: `ORT_DYLIB_PATH`, the manifest, the model dir, the system.
    pub runtime_library: Option<PathBuf>,
    /// ONNX Runtime intra-op threads; `None`: the cores ([`std::thread::available_parallelism`]),
    /// at most [`DEFAULT_MAX_INTRA_THREADS`].
    pub intra_threads: Option<usize>,
    /// Execution provider.
    pub execution: Execution,
    /// Graph optimization level (default [`GraphOptimization::All`], chosen by measurement: see
    /// `docs/PERFORMANCE.md`).
    pub graph_optimization: GraphOptimization,
    /// ONNX Runtime's memory pattern optimization (plans buffers from the previous run's shapes).
    /// Default `false`, chosen by measurement: with Kokoro's variable input lengths it was no
    /// faster on the bench corpus and cost about 150 MiB more peak memory (`docs/PERFORMANCE.md`).
    pub memory_pattern: bool,
    /// ONNX Runtime's CPU memory arena (keeps freed buffers for reuse instead of returning them to
    /// the system allocator). Default `true`.
    pub cpu_arena: bool,
    /// Let idle intra-op threads spin briefly before sleeping. Spinning trades CPU time for latency;
    /// it only matters with more than one intra-op thread. Default `true`, chosen by measurement
    /// (`docs/PERFORMANCE.md`, "Spinning"): a lone caller on an idle machine is about 9 % faster
    /// with it. Turn it off where the machine is busy with other work (other processes: the web
    /// app, the video renderer): each spinning thread then burns a core they cannot use, and the
    /// same speech took about 30 % less CPU time without spinning.
    pub intra_spinning: bool,
    /// When the CPU arena's unused memory goes back to the system (ONNX Runtime's
    /// `memory.enable_memory_arena_shrinkage`). See [`ArenaShrink`] for the choices and
    /// `docs/PERFORMANCE.md` ("The pool's policy") for what each costs.
    pub arena_shrink: ArenaShrink,
    /// Whether this session shares its model's weights with the process's other sessions of the
    /// same file (see [`KokoroSession::load`](crate::KokoroSession::load)). Default `true`: every
    /// further session then costs its graph and activations, not another copy of the weights.
    ///
    /// Off, ONNX Runtime reads the file itself and can free the weights it has repacked for its
    /// kernels: about 28 MiB less for the int8 model, worth it only in a process that loads one
    /// session (the CLI's `say`), since each further session then costs a full copy.
    pub share_weights: bool,
}

/// The most intra-op threads a session gets when [`SessionConfig::intra_threads`] is `None`.
///
/// One session with every core of a big machine is far slower than several small sessions
/// (measured on 16 cores: 1 session x 16 threads took about 9 times as long as 16 x 1), so a
/// single session never takes more than this by default.
pub const DEFAULT_MAX_INTRA_THREADS: usize = 4;

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            model_dir: None,
            model_path: None,
            runtime_library: None,
            intra_threads: None,
            execution: Execution::Cpu,
            graph_optimization: GraphOptimization::All,
            memory_pattern: false,
            cpu_arena: true,
            intra_spinning: true,
            arena_shrink: ArenaShrink::default(),
            share_weights: true,
        }
    }
}

impl SessionConfig {
    /// The default configuration: discover everything, CPU, all optimizations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the model directory.
    #[must_use]
    pub fn with_model_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.model_dir = Some(dir.into());
        self
    }

    /// Sets the model file.
    #[must_use]
    pub fn with_model_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.model_path = Some(path.into());
        self
    }

    /// Sets the ONNX Runtime shared library.
    #[must_use]
    pub fn with_runtime_library(mut self, path: impl Into<PathBuf>) -> Self {
        self.runtime_library = Some(path.into());
        self
    }

    /// Sets the number of intra-op threads (0 is treated as 1).
    #[must_use]
    pub fn with_intra_threads(mut self, threads: usize) -> Self {
        self.intra_threads = Some(threads);
        self
    }

    /// Sets the execution provider.
    #[must_use]
    pub fn with_execution(mut self, execution: Execution) -> Self {
        self.execution = execution;
        self
    }

    /// Sets the graph optimization level.
    #[must_use]
    pub fn with_graph_optimization(mut self, level: GraphOptimization) -> Self {
        self.graph_optimization = level;
        self
    }

    /// Turns ONNX Runtime's memory pattern optimization on or off.
    #[must_use]
    pub fn with_memory_pattern(mut self, enable: bool) -> Self {
        self.memory_pattern = enable;
        self
    }

    /// Turns ONNX Runtime's CPU memory arena on or off.
    #[must_use]
    pub fn with_cpu_arena(mut self, enable: bool) -> Self {
        self.cpu_arena = enable;
        self
    }

    /// Lets idle intra-op threads spin before sleeping (or not).
    #[must_use]
    pub fn with_intra_spinning(mut self, enable: bool) -> Self {
        self.intra_spinning = enable;
        self
    }

    /// Turns the arena shrinkage on (the default [`ArenaShrink`]) or off ([`ArenaShrink::Never`]).
    #[must_use]
    pub fn with_arena_shrinkage(mut self, enable: bool) -> Self {
        self.arena_shrink = if enable {
            ArenaShrink::default()
        } else {
            ArenaShrink::Never
        };
        self
    }

    /// Sets when the arena's unused memory goes back to the system (see [`ArenaShrink`]).
    #[must_use]
    pub fn with_arena_shrink(mut self, shrink: ArenaShrink) -> Self {
        self.arena_shrink = shrink;
        self
    }

    /// Turns the sharing of the model's weights between sessions on or off (see
    /// [`SessionConfig::share_weights`]).
    #[must_use]
    pub fn with_shared_weights(mut self, share: bool) -> Self {
        self.share_weights = share;
        self
    }

    /// Whether sessions of this config let idle intra-op threads spin:
    /// [`intra_spinning`](Self::intra_spinning), unless [`ENV_INTRA_SPINNING`] turns it off.
    pub fn resolved_intra_spinning(&self) -> bool {
        self.intra_spinning && spinning_allowed(std::env::var(ENV_INTRA_SPINNING).ok().as_deref())
    }

    /// The intra-op thread count this config resolves to (at least 1): the explicit count, else
    /// the cores, at most [`DEFAULT_MAX_INTRA_THREADS`].
    pub fn resolved_intra_threads(&self) -> usize {
        self.intra_threads
            .unwrap_or_else(|| available_cores().min(DEFAULT_MAX_INTRA_THREADS))
            .max(1)
    }
}

/// The environment variable that turns intra-op spinning off for every session of the process
/// (`0`, `false`, `off` or `no`), whatever [`SessionConfig::intra_spinning`] says: a deployment knob
/// for a machine busy with other work (CI running test processes side by side, a worker beside the
/// video renderer), read when a session is created. Unset or any other value leaves the config's
/// choice.
pub const ENV_INTRA_SPINNING: &str = "KOKORO_INTRA_SPINNING";

/// Whether [`ENV_INTRA_SPINNING`]'s `value` leaves spinning allowed.
fn spinning_allowed(value: Option<&str>) -> bool {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return true;
    };
    let off = ["0", "false", "off", "no"]
        .iter()
        .any(|v| value.eq_ignore_ascii_case(v));
    if !off
        && !["1", "true", "on", "yes"]
            .iter()
            .any(|v| value.eq_ignore_ascii_case(v))
    {
        tracing::warn!(
            "{ENV_INTRA_SPINNING}={value} is neither 0 nor 1: leaving spinning as configured"
        );
    }
    !off
}

/// The cores this process may use ([`std::thread::available_parallelism`], at least 1).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_can_only_turn_spinning_off() {
        for off in ["0", "false", "OFF", " no "] {
            assert!(!spinning_allowed(Some(off)), "{off}");
        }
        for on in [
            None,
            Some(""),
            Some("1"),
            Some("true"),
            Some("on"),
            Some("maybe"),
        ] {
            assert!(spinning_allowed(on), "{on:?}");
        }
        // The config's own choice is never turned on by the environment.
        let cfg = SessionConfig::new().with_intra_spinning(false);
        assert!(!cfg.resolved_intra_spinning());
    }

    #[test]
    fn defaults_discover_everything_on_cpu() {
        let cfg = SessionConfig::default();
        assert_eq!(cfg.model_dir, None);
        assert_eq!(cfg.model_path, None);
        assert_eq!(cfg.runtime_library, None);
        assert_eq!(cfg.execution, Execution::Cpu);
        assert_eq!(cfg.graph_optimization, GraphOptimization::All);
        assert!(!cfg.memory_pattern && cfg.cpu_arena && cfg.intra_spinning);
        let threads = cfg.resolved_intra_threads();
        assert!((1..=DEFAULT_MAX_INTRA_THREADS).contains(&threads));
        assert!(threads <= available_cores());
    }

    #[test]
    fn setters_set() {
        let cfg = SessionConfig::new()
            .with_model_dir("/m")
            .with_model_path("/m/x.onnx")
            .with_runtime_library("/r/libonnxruntime.so")
            .with_intra_threads(0)
            .with_execution(Execution::Cuda {
                device_id: 1,
                fallback_to_cpu: true,
            })
            .with_graph_optimization(GraphOptimization::Basic)
            .with_memory_pattern(false)
            .with_cpu_arena(false)
            .with_intra_spinning(false);
        assert_eq!(cfg.model_dir, Some(PathBuf::from("/m")));
        assert_eq!(cfg.model_path, Some(PathBuf::from("/m/x.onnx")));
        assert_eq!(
            cfg.runtime_library,
            Some(PathBuf::from("/r/libonnxruntime.so"))
        );
        assert_eq!(cfg.resolved_intra_threads(), 1);
        assert!(matches!(
            cfg.execution,
            Execution::Cuda { device_id: 1, .. }
        ));
        assert_eq!(cfg.graph_optimization, GraphOptimization::Basic);
        assert!(!cfg.memory_pattern && !cfg.cpu_arena && !cfg.intra_spinning);
    }
}
