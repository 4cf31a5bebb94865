//! [`KokoroSession`]: one loaded model, safe to share between threads; [`load_count`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::{Session, SessionInputValue, SessionOutputs};
use ort::value::{Outlet, Tensor, TensorElementType, ValueType};

use crate::config::{ArenaShrink, Execution, GraphOptimization, SessionConfig};
use crate::contract::{Contract, ModelInfo, SpeedType, TensorDesc, TokenType};
use crate::discovery::{locate_model, lookup_runtime};
use crate::error::{Error, ErrorKind, FETCH_HINT, Result};
use crate::runtime::{RuntimeInfo, init_with};

pub use kokoro_model::{MAX_TOKENS, SAMPLE_RATE, STYLE_DIM};

use crate::durations::{DurationSource, Durations, duration_tensor, with_output};

static LOADS: AtomicUsize = AtomicUsize::new(0);
pub(crate) static WEIGHT_LOADS: AtomicUsize = AtomicUsize::new(0);
pub(crate) static PROCESS_STATS: Counters = Counters::new();

/// Cumulative run counters (lock-free; one set per session and one for the process).
#[derive(Debug)]
pub(crate) struct Counters {
    runs: AtomicU64,
    inference_nanos: AtomicU64,
    call_nanos: AtomicU64,
    shrinks: AtomicU64,
}

impl Counters {
    const fn new() -> Self {
        Self {
            runs: AtomicU64::new(0),
            inference_nanos: AtomicU64::new(0),
            call_nanos: AtomicU64::new(0),
            shrinks: AtomicU64::new(0),
        }
    }

    fn add(&self, inference: Duration, call: Duration) {
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.runs.fetch_add(1, Ordering::Relaxed);
        self.inference_nanos
            .fetch_add(nanos(inference), Ordering::Relaxed);
        self.call_nanos.fetch_add(nanos(call), Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> SessionStats {
        SessionStats {
            runs: self.runs.load(Ordering::Relaxed),
            inference: Duration::from_nanos(self.inference_nanos.load(Ordering::Relaxed)),
            calls: Duration::from_nanos(self.call_nanos.load(Ordering::Relaxed)),
            arena_shrinks: self.shrinks.load(Ordering::Relaxed),
        }
    }
}

/// Cumulative timings of successful [`KokoroSession::run`] calls.
///
/// `inference` is the time spent inside ONNX Runtime's `Session::run` alone; `calls` is the whole
/// of `KokoroSession::run` (input checks, tensor building, waiting for the session's lock, copying
/// the audio out). Their difference is this crate's own overhead plus lock waits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Successful runs.
    pub runs: u64,
    /// Total time inside ONNX Runtime's `Session::run`.
    pub inference: Duration,
    /// Total time of the `KokoroSession::run` calls.
    pub calls: Duration,
    /// Arena shrinks done by [`KokoroSession::shrink_arena`] (not counted in `runs`).
    pub arena_shrinks: u64,
}

impl SessionStats {
    /// The counters accumulated since `earlier` (a snapshot taken before), saturating at zero.
    #[must_use]
    pub fn since(&self, earlier: &SessionStats) -> SessionStats {
        SessionStats {
            runs: self.runs.saturating_sub(earlier.runs),
            inference: self.inference.saturating_sub(earlier.inference),
            calls: self.calls.saturating_sub(earlier.calls),
            arena_shrinks: self.arena_shrinks.saturating_sub(earlier.arena_shrinks),
        }
    }

    /// Adds `other`'s counters to these.
    #[must_use]
    pub fn plus(&self, other: &SessionStats) -> SessionStats {
        SessionStats {
            runs: self.runs.saturating_add(other.runs),
            inference: self.inference.saturating_add(other.inference),
            calls: self.calls.saturating_add(other.calls),
            arena_shrinks: self.arena_shrinks.saturating_add(other.arena_shrinks),
        }
    }
}

/// How many sessions this process has loaded so far (each successful [`KokoroSession::load`]), for
/// monitoring and tests.
pub fn load_count() -> usize {
    LOADS.load(Ordering::SeqCst)
}

/// Initializers smaller than this stay inside each session's graph: they are shapes, scales and
/// other small constants that ONNX Runtime may fold, and sharing them saves nothing.
const SHARE_MIN_BYTES: usize = 1024;

/// One model's weights, read once per process and shared by all its sessions: its large
/// initializers as ONNX Runtime values (given to each session with `AddInitializer`, which uses
/// them without copying), the model graph without their bytes, and ONNX Runtime's
/// prepacked-weights container, so that the kernels' repacked forms are shared as well.
struct SharedWeights {
    /// The model graph, its large initializers replaced by references into the model file.
    graph: Vec<u8>,
    initializers: Vec<(String, Arc<ort::value::DynValue>)>,
    prepacked: ort::session::builder::PrepackedWeights,
    /// The model's durations (added to `graph` as an output when they were not one).
    durations: Option<DurationSource>,
}

/// The live shared weights of each model file (weak: they go when the last session goes).
static WEIGHTS: LazyLock<Mutex<HashMap<PathBuf, std::sync::Weak<SharedWeights>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A float, uint8 or int8 tensor of `dims` from little-endian `raw` bytes; `None` for other types.
fn weight_value(init: &crate::onnx_weights::RawInitializer<'_>) -> Option<ort::value::DynValue> {
    let dims = init.dims.clone();
    let value = match init.data_type {
        1 => Tensor::from_array((
            dims,
            init.raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect::<Vec<f32>>(),
        ))
        .ok()?
        .into_dyn(),
        2 => Tensor::from_array((dims, init.raw.to_vec()))
            .ok()?
            .into_dyn(),
        3 => Tensor::from_array((
            dims,
            init.raw
                .iter()
                .map(|&b| i8::from_le_bytes([b]))
                .collect::<Vec<i8>>(),
        ))
        .ok()?
        .into_dyn(),
        _ => return None,
    };
    Some(value)
}

impl SharedWeights {
    /// The shared weights of `model_path` (canonical), reading them if no live session has them.
    /// `None` when the file cannot be read as an ONNX model by this crate's own reader: then the
    /// session loads the file itself, and ONNX Runtime reports what is wrong with it.
    fn for_model(model_path: &Path) -> Option<Arc<SharedWeights>> {
        let mut map = lock(&WEIGHTS);
        if let Some(live) = map.get(model_path).and_then(std::sync::Weak::upgrade) {
            return Some(live);
        }
        let read = Self::read(model_path);
        match &read {
            Some(w) => {
                map.insert(model_path.to_path_buf(), Arc::downgrade(w));
            }
            None => tracing::debug!(
                model = %model_path.display(),
                "the model's weights could not be read for sharing; the session loads them itself"
            ),
        }
        read
    }

    fn read(model_path: &Path) -> Option<Arc<SharedWeights>> {
        let bytes = std::fs::read(model_path).ok()?;
        let location = model_path.file_name()?.to_str()?;
        let mut initializers = Vec::new();
        for init in crate::onnx_weights::raw_initializers(&bytes)? {
            if init.raw.len() >= SHARE_MIN_BYTES
                && let Some(value) = weight_value(&init)
            {
                initializers.push((init.name.to_owned(), Arc::new(value)));
            }
        }
        let shared: std::collections::HashSet<&str> =
            initializers.iter().map(|(n, _)| n.as_str()).collect();
        let durations = duration_tensor(&bytes);
        let graph =
            crate::onnx_weights::strip_initializers(&bytes, location, &|n| shared.contains(n))?;
        drop(bytes);
        let graph = with_output(graph, durations.as_ref());
        WEIGHT_LOADS.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(
            model = %model_path.display(),
            initializers = initializers.len(),
            graph_bytes = graph.len(),
            "model weights read once for all sessions"
        );
        Some(Arc::new(SharedWeights {
            graph,
            initializers,
            prepacked: ort::session::builder::PrepackedWeights::new(),
            durations,
        }))
    }
}

/// The result of one [`KokoroSession::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    /// Mono float samples at [`SAMPLE_RATE`], exactly as the model produced them (not normalized).
    pub audio: Vec<f32>,
    /// Per-token durations in frames of [`SAMPLES_PER_FRAME`](crate::durations::SAMPLES_PER_FRAME) samples
    /// (the two padding tokens included), checked against the audio; or why there are none.
    pub durations: Durations,
}

impl Inference {
    /// Length of the audio in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.audio.len() as f64 / f64::from(SAMPLE_RATE)
    }
}

/// One loaded Kokoro model. `Send + Sync`: share it with `Arc`; calls to [`run`](Self::run) are
/// serialized by an internal mutex (ONNX Runtime parallelizes inside one call with its intra-op
/// threads). For throughput on many cores, load several sessions with few threads each.
pub struct KokoroSession {
    session: Mutex<Session>,
    /// Options that shrink the arena at the end of a run; `None` without an arena.
    shrink_options: Option<ort::session::RunOptions>,
    /// Whether every run ends with a shrink ([`ArenaShrink::EveryRun`]), else only
    /// [`KokoroSession::shrink_arena`]'s.
    shrink_every_run: bool,
    /// The weights the session uses (kept alive with it); `None` if it loaded its own.
    _weights: Option<Arc<SharedWeights>>,
    counters: Counters,
    threads: usize,
    info: ModelInfo,
    contract: Contract,
    durations: Option<DurationSource>,
    model_path: PathBuf,
    runtime: RuntimeInfo,
}

impl fmt::Debug for KokoroSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KokoroSession")
            .field("model_path", &self.model_path)
            .field("contract", &self.contract)
            .field("runtime", &self.runtime.path)
            .finish_non_exhaustive()
    }
}

fn element_name(ty: TensorElementType) -> String {
    use TensorElementType as T;
    match ty {
        T::Float32 => "float32",
        T::Float16 => "float16",
        T::Float64 => "float64",
        T::Bfloat16 => "bfloat16",
        T::Int8 => "int8",
        T::Int16 => "int16",
        T::Int32 => "int32",
        T::Int64 => "int64",
        T::Uint8 => "uint8",
        T::Uint16 => "uint16",
        T::Uint32 => "uint32",
        T::Uint64 => "uint64",
        T::Bool => "bool",
        T::String => "string",
        other => return other.to_string(),
    }
    .to_owned()
}

fn describe(outlet: &Outlet) -> TensorDesc {
    let (dtype, shape) = match outlet.dtype() {
        ValueType::Tensor { ty, shape, .. } => (element_name(*ty), shape.to_vec()),
        ValueType::Sequence(_) => ("sequence".to_owned(), Vec::new()),
        ValueType::Map { .. } => ("map".to_owned(), Vec::new()),
        ValueType::Optional(_) => ("optional".to_owned(), Vec::new()),
    };
    TensorDesc::new(outlet.name(), dtype, shape)
}

/// ONNX Runtime's error `e` (of a builder, whose error converts into `ort::Error`, or not) when it
/// could not `what`; `e` is the source.
fn runtime_error(what: &str, e: impl Into<ort::Error>) -> Error {
    let e = e.into();
    Error::with_source(
        ErrorKind::Runtime,
        format!("onnx runtime could not {what}: {e}"),
        e,
    )
}

fn optimization_level(level: GraphOptimization) -> GraphOptimizationLevel {
    match level {
        GraphOptimization::Disable => GraphOptimizationLevel::Disable,
        GraphOptimization::Basic => GraphOptimizationLevel::Level1,
        GraphOptimization::Extended => GraphOptimizationLevel::Level2,
        GraphOptimization::All => GraphOptimizationLevel::All,
    }
}

/// The CPU execution provider with the arena setting (ONNX Runtime appends it anyway; registering
/// it explicitly is how the arena is turned off).
fn cpu_provider(cpu_arena: bool) -> ort::ep::ExecutionProviderDispatch {
    ort::ep::CPU::default()
        .with_arena_allocator(cpu_arena)
        .build()
}

fn apply_cpu(builder: SessionBuilder, cpu_arena: bool) -> Result<SessionBuilder> {
    builder
        .with_execution_providers([cpu_provider(cpu_arena)])
        .map_err(|e| runtime_error("set the cpu memory arena option", e))
}

/// Session options from `cfg`: optimization level, threads, memory pattern, spinning and the
/// execution provider.
fn session_builder(
    cfg: &SessionConfig,
    env: &ort::environment::Environment,
    threads: usize,
) -> Result<SessionBuilder> {
    let builder = Session::builder(env).map_err(|e| runtime_error("create session options", e))?;
    let builder = builder
        .with_optimization_level(optimization_level(cfg.graph_optimization))
        .map_err(|e| runtime_error("set the graph optimization level", e))?
        .with_intra_threads(threads)
        .map_err(|e| runtime_error("set the intra-op thread count", e))?
        .with_memory_pattern(cfg.memory_pattern)
        .map_err(|e| runtime_error("set the memory pattern option", e))?
        .with_intra_op_spinning(cfg.resolved_intra_spinning())
        .map_err(|e| runtime_error("set the intra-op spinning option", e))?;
    apply_execution(builder, cfg.execution, cfg.cpu_arena)
}

/// Creates the session: from the shared `weights` when given (the graph without its weights,
/// which are references into the model file in `canonical`'s folder), else from the file itself
/// (read into memory when its durations must be added as an output). Returns the session and
/// where its durations come from.
fn commit(
    mut builder: SessionBuilder,
    model_path: &Path,
    canonical: &Path,
    weights: Option<&SharedWeights>,
) -> Result<(Session, Option<DurationSource>)> {
    let mut durations = weights.and_then(|w| w.durations.clone());
    let committed = match (weights, canonical.parent().and_then(Path::to_str)) {
        (Some(w), Some(folder)) => {
            let share =
                |e: ort::Error<SessionBuilder>| runtime_error("share the model's weights", e);
            let mut b = builder
                .with_prepacked_weights(&w.prepacked)
                .map_err(share)?
                .with_config_entry(
                    "session.model_external_initializers_file_folder_path",
                    folder,
                )
                .map_err(share)?;
            for (name, value) in &w.initializers {
                b = b.with_initializer(name, Arc::clone(value)).map_err(share)?;
            }
            b.commit_from_memory(&w.graph)
        }
        (_, folder) => {
            // The durations must be added to the graph: the graph is loaded from memory, its
            // weights left in the file (external data ONNX Runtime reads itself, as it does
            // from the file), so that the model's bytes are not held twice while it loads.
            let bytes = std::fs::read(model_path).ok();
            durations = bytes.as_deref().and_then(duration_tensor);
            let location = canonical.file_name().and_then(|n| n.to_str());
            let graph = match (&bytes, &durations, location) {
                (Some(bytes), Some(DurationSource::Graph(_)), Some(location)) => {
                    // Small initializers (shapes, constants) stay: shape inference reads them.
                    let large: std::collections::HashSet<&str> =
                        crate::onnx_weights::raw_initializers(bytes)
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|i| i.raw.len() >= SHARE_MIN_BYTES)
                            .map(|i| i.name)
                            .collect();
                    crate::onnx_weights::strip_initializers(bytes, location, &|n| large.contains(n))
                }
                _ => None,
            };
            drop(bytes);
            match (graph, folder) {
                (Some(graph), Some(folder)) => builder
                    .with_config_entry(
                        "session.model_external_initializers_file_folder_path",
                        folder,
                    )
                    .map_err(|e| runtime_error("set the model's folder", e))?
                    .commit_from_memory(&with_output(graph, durations.as_ref())),
                _ => {
                    durations = durations.filter(|d| matches!(d, DurationSource::Output(_)));
                    builder.commit_from_file(model_path)
                }
            }
        }
    };
    committed.map_err(|e| {
        let kind = if e.code() == ort::ErrorCode::NoSuchFile {
            ErrorKind::ModelMissing
        } else {
            ErrorKind::ModelCorrupt
        };
        Error::with_source(
            kind,
            format!(
                "onnx runtime could not load the model {} ({e}): the file may be truncated or not an onnx \
                 model; {FETCH_HINT} to fetch it again",
                model_path.display()
            ),
            e,
        )
    })
    .map(|session| (session, durations))
}

/// Run options that shrink the CPU arena at the end of the run; `None` when `cfg` has no arena.
fn shrink_options(cfg: &SessionConfig) -> Result<Option<ort::session::RunOptions>> {
    if !cfg.cpu_arena {
        return Ok(None);
    }
    let mut options =
        ort::session::RunOptions::new().map_err(|e| runtime_error("create run options", e))?;
    options
        .set("memory.enable_memory_arena_shrinkage", "cpu:0")
        .map_err(|e| runtime_error("set the arena shrinkage option", e))?;
    Ok(Some(options))
}

/// Registers the execution provider `execution` asks for (CPU, or CUDA with the CPU behind it).
fn apply_execution(
    builder: SessionBuilder,
    execution: Execution,
    cpu_arena: bool,
) -> Result<SessionBuilder> {
    match execution {
        Execution::Cpu => apply_cpu(builder, cpu_arena),
        Execution::Cuda {
            device_id,
            fallback_to_cpu,
        } => apply_cuda(builder, device_id, fallback_to_cpu, cpu_arena),
    }
}

#[cfg(feature = "cuda")]
fn apply_cuda(
    builder: SessionBuilder,
    device_id: i32,
    fallback_to_cpu: bool,
    cpu_arena: bool,
) -> Result<SessionBuilder> {
    let cuda = ort::ep::CUDA::default()
        .with_device_id(device_id)
        .build()
        .error_on_failure();
    match builder.with_execution_providers([cuda, cpu_provider(cpu_arena)]) {
        Ok(builder) => {
            tracing::debug!(device_id, "registered the cuda execution provider");
            Ok(builder)
        }
        Err(e) if fallback_to_cpu => {
            tracing::warn!(
                device_id,
                "cuda is unavailable ({e}); running on the cpu instead"
            );
            apply_cpu(e.recover(), cpu_arena)
        }
        Err(e) => Err(Error::with_source(
            ErrorKind::ExecutionProvider,
            format!(
                "cuda device {device_id} could not be used ({e}): install a cuda build of onnx runtime \
                 (onnxruntime-gpu) with matching cuda/cudnn libraries, or use `Execution::Cpu`"
            ),
            ort::Error::from(e),
        )),
    }
}

#[cfg(not(feature = "cuda"))]
fn apply_cuda(
    builder: SessionBuilder,
    _device_id: i32,
    fallback_to_cpu: bool,
    cpu_arena: bool,
) -> Result<SessionBuilder> {
    if fallback_to_cpu {
        tracing::warn!(
            "cuda was requested but kokoro-session was built without its `cuda` feature; running on the cpu"
        );
        return apply_cpu(builder, cpu_arena);
    }
    Err(Error::new(
        ErrorKind::ExecutionProvider,
        "cuda was requested but kokoro-session was built without its `cuda` feature: rebuild with \
         `--features kokoro-session/cuda`, or use `Execution::Cpu`",
    ))
}

impl KokoroSession {
    /// Finds the model and the runtime (see [`locate_model`] and
    /// [`locate_runtime`](crate::locate_runtime)), opens the runtime if this process has not yet
    /// (see [`init_runtime`](crate::init_runtime)), loads a new session and reads its contract.
    ///
    /// Always loads a fresh session: keep it (or a [`SessionPool`](crate::SessionPool)) for as long
    /// as it is needed.
    ///
    /// The weights are read once per process and model file: every live session of the same
    /// model shares them (the `testing` feature's `weights_load_count` counts the reads), so another session costs its
    /// graph and activations, not another copy of the model. A file this crate cannot read as ONNX
    /// is handed to ONNX Runtime as it is, which reports what is wrong with it. A config with
    /// [`SessionConfig::share_weights`] off loads the file on its own, outside the sharing.
    ///
    /// Errors: model/runtime missing or incompatible, [`ErrorKind::ModelCorrupt`] if ONNX Runtime
    /// rejects the file, [`ErrorKind::UnsupportedContract`], [`ErrorKind::ExecutionProvider`].
    pub fn load(cfg: &SessionConfig) -> Result<Self> {
        let model_path = locate_model(cfg)?;
        let lookup = lookup_runtime(cfg)?;
        let (runtime, env) = init_with(&lookup.path, &lookup.searched)?;
        let threads = cfg.resolved_intra_threads();

        let builder = session_builder(cfg, &env, threads)?;
        let canonical = model_path
            .canonicalize()
            .unwrap_or_else(|_| model_path.clone());
        let weights = if cfg.share_weights {
            SharedWeights::for_model(&canonical)
        } else {
            None
        };
        let (session, found) = commit(builder, &model_path, &canonical, weights.as_deref())?;

        let info = ModelInfo {
            inputs: session.inputs().iter().map(describe).collect(),
            outputs: session.outputs().iter().map(describe).collect(),
        };
        let mut contract = Contract::from_info(&info).map_err(|e| {
            Error::with_source(e.kind(), format!("{}: {e}", model_path.display()), e)
        })?;
        // An output named `duration`/`durations` is taken as it is; else the tensor found in the
        // graph, if the session lists it.
        let durations = match &contract.durations_output {
            Some(name) => Some(DurationSource::Output(name.clone())),
            None => found.filter(|f| info.output(f.name()).is_some()),
        };
        if let Some(source) = &durations {
            contract.durations_output = Some(source.name().to_owned());
        }
        LOADS.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(
            model = %model_path.display(),
            threads,
            contract = ?contract,
            "kokoro session loaded"
        );
        Ok(Self {
            session: Mutex::new(session),
            shrink_options: shrink_options(cfg)?,
            shrink_every_run: cfg.arena_shrink == ArenaShrink::EveryRun,
            _weights: weights,
            counters: Counters::new(),
            threads,
            info,
            contract,
            durations,
            model_path,
            runtime,
        })
    }

    /// The model's declared inputs and outputs.
    pub fn model_info(&self) -> &ModelInfo {
        &self.info
    }

    /// The names and types [`run`](Self::run) uses.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// Where this session's per-token durations come from (an output of the export, or the
    /// tensor found in its graph and added as an output at load time); `None` when the model
    /// gives none, and then every [`Inference::durations`] is unavailable.
    pub fn durations_source(&self) -> Option<&DurationSource> {
        self.durations.as_ref()
    }

    /// The model file this session was loaded from.
    pub fn model_path(&self) -> &Path {
        &self.model_path
    }

    /// The ONNX Runtime library in use.
    pub fn runtime(&self) -> &RuntimeInfo {
        &self.runtime
    }

    /// The intra-op thread count this session was loaded with.
    pub fn intra_threads(&self) -> usize {
        self.threads
    }

    /// Cumulative timings of this session's successful runs (the `testing` feature's `process_stats` adds
    /// up all of them).
    pub fn stats(&self) -> SessionStats {
        self.counters.snapshot()
    }

    /// Gives the unused memory of this session's CPU arena back to the system, with a minimal run
    /// (one padding token) whose end shrinks the arena: what [`ArenaShrink::WhenIdle`] does to an
    /// idle pooled session. It waits for a run in progress. Nothing to do (`Ok`) for a session
    /// without an arena. The run is not counted in [`stats`](Self::stats).
    pub fn shrink_arena(&self) -> Result<()> {
        let Some(options) = &self.shrink_options else {
            return Ok(());
        };
        let inputs =
            prepare(&self.contract, &[0], &[0.0; STYLE_DIM], 1.0)?.into_inputs(&self.contract)?;
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let outputs = session
            .run_with_options(inputs, options)
            .map_err(|e| runtime_error("shrink the memory arena", e))?;
        drop(outputs);
        self.counters.shrinks.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Synthesizes one chunk.
    ///
    /// * `ids`: phoneme token ids **without** padding, 1 to [`MAX_TOKENS`] of them; the session
    ///   adds the `0` padding at both ends.
    /// * `style`: one style row of [`STYLE_DIM`] finite floats.
    /// * `speed`: finite and > 0 (1.0 is normal). Models whose speed input is an integer get it
    ///   rounded to the nearest integer, at least 1 (see [`SpeedType`]).
    ///
    /// Token ids are fed as int64 or int32, as the model declares. Invalid arguments fail with
    /// [`ErrorKind::InvalidInput`] before anything runs; an ONNX Runtime failure or non-finite
    /// or empty audio fails with [`ErrorKind::Inference`].
    pub fn run(&self, ids: &[i64], style: &[f32], speed: f32) -> Result<Inference> {
        let call_start = Instant::now();
        let prepared = prepare(&self.contract, ids, style, speed)?;
        let inputs = prepared.into_inputs(&self.contract)?;

        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let run_start = Instant::now();
        let result = match &self.shrink_options {
            Some(options) if self.shrink_every_run => session.run_with_options(inputs, options),
            _ => session.run(inputs),
        };
        let inference = run_start.elapsed();
        let outputs = result.map_err(|e| {
            Error::with_source(
                ErrorKind::Inference,
                format!(
                    "inference failed for {} tokens with {}: {e}",
                    ids.len(),
                    self.model_path.display()
                ),
                e,
            )
        })?;
        let audio = extract_audio(&outputs, &self.contract.audio_output)?;
        let raw = match &self.contract.durations_output {
            Some(name) => Some(extract_durations(&outputs, name)?),
            None => None,
        };
        drop(outputs);
        drop(session);
        let durations = Durations::check(raw.as_deref(), ids.len(), audio.len());
        if let (Durations::Unavailable(why), Some(_)) = (&durations, &raw) {
            tracing::debug!(%why, "this run's durations failed their checks");
        }

        if audio.is_empty() {
            return Err(Error::new(
                ErrorKind::Inference,
                format!("the model produced no audio for {} tokens", ids.len()),
            ));
        }
        if let Some(i) = audio.iter().position(|s| !s.is_finite()) {
            return Err(Error::new(
                ErrorKind::Inference,
                format!(
                    "the model produced a non-finite sample ({}) at index {i} of {}: the model file may be corrupt; \
                     {FETCH_HINT}",
                    audio.get(i).copied().unwrap_or(f32::NAN),
                    audio.len()
                ),
            ));
        }
        let call = call_start.elapsed();
        self.counters.add(inference, call);
        PROCESS_STATS.add(inference, call);
        Ok(Inference { audio, durations })
    }
}

fn inference_error(message: String) -> Error {
    Error::new(ErrorKind::Inference, message)
}

/// An inference error caused by ONNX Runtime's `e`, its source.
fn inference_failure(message: String, e: ort::Error) -> Error {
    Error::with_source(ErrorKind::Inference, message, e)
}

fn extract_audio(outputs: &SessionOutputs<'_>, name: &str) -> Result<Vec<f32>> {
    let value = outputs
        .get(name)
        .ok_or_else(|| inference_error(format!("the model returned no `{name}` output")))?;
    let (_, data) = value.try_extract_tensor::<f32>().map_err(|e| {
        inference_failure(format!("output `{name}` is not a float32 tensor: {e}"), e)
    })?;
    Ok(data.to_vec())
}

fn extract_durations(outputs: &SessionOutputs<'_>, name: &str) -> Result<Vec<f64>> {
    let value = outputs
        .get(name)
        .ok_or_else(|| inference_error(format!("the model returned no `{name}` output")))?;
    /// The tensor's values as f64.
    fn as_f64<T>(value: &ort::value::DynValue, cast: fn(T) -> f64) -> ort::Result<Vec<f64>>
    where
        T: ort::value::PrimitiveTensorElementType + Copy,
    {
        Ok(value
            .try_extract_tensor::<T>()?
            .1
            .iter()
            .map(|&d| cast(d))
            .collect())
    }
    // Durations are small frame counts: the conversions to f64 are exact in practice.
    #[allow(clippy::cast_precision_loss)]
    let durations = match value.dtype().tensor_type() {
        Some(TensorElementType::Float32) => as_f64::<f32>(value, f64::from),
        Some(TensorElementType::Float64) => as_f64::<f64>(value, |d| d),
        Some(TensorElementType::Int64) => as_f64::<i64>(value, |d| d as f64),
        Some(TensorElementType::Int32) => as_f64::<i32>(value, f64::from),
        other => {
            return Err(inference_error(format!(
                "durations output `{name}` has unsupported type {other:?}"
            )));
        }
    };
    durations
        .map_err(|e| inference_failure(format!("cannot read durations output `{name}`: {e}"), e))
}

/// Token ids with padding, in the dtype the model wants.
#[derive(Debug, Clone, PartialEq)]
enum TokenData {
    I64(Vec<i64>),
    I32(Vec<i32>),
}

/// The speed value in the dtype the model wants.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SpeedData {
    F32(f32),
    I32(i32),
    I64(i64),
}

/// Validated, converted inputs for one run.
#[derive(Debug, Clone, PartialEq)]
struct Prepared {
    tokens: TokenData,
    style: Vec<f32>,
    speed: SpeedData,
}

fn prepare(contract: &Contract, ids: &[i64], style: &[f32], speed: f32) -> Result<Prepared> {
    if ids.is_empty() {
        return Err(Error::invalid_input(
            "no phoneme tokens to synthesize: pass at least one token id",
        ));
    }
    if ids.len() > MAX_TOKENS {
        return Err(Error::invalid_input(format!(
            "{} phoneme tokens exceed the model's limit of {MAX_TOKENS}: split the text into smaller chunks",
            ids.len()
        )));
    }
    if let Some(bad) = ids.iter().find(|&&id| id < 0) {
        return Err(Error::invalid_input(format!("token id {bad} is negative")));
    }
    if style.len() != STYLE_DIM {
        return Err(Error::invalid_input(format!(
            "style vector has {} values, expected {STYLE_DIM} (one row of a voice pack)",
            style.len()
        )));
    }
    if let Some(i) = style.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid_input(format!(
            "style vector value {i} is not finite: the voice pack may be corrupt"
        )));
    }
    if !speed.is_finite() || speed <= 0.0 {
        return Err(Error::invalid_input(format!(
            "speed {speed} is invalid: use a finite value greater than 0 (1.0 is normal)"
        )));
    }

    let padded = std::iter::once(0)
        .chain(ids.iter().copied())
        .chain(std::iter::once(0));
    let tokens = match contract.token_type {
        TokenType::Int64 => TokenData::I64(padded.collect()),
        TokenType::Int32 => TokenData::I32(
            padded
                .map(|id| {
                    i32::try_from(id).map_err(|_| {
                        Error::invalid_input(format!(
                            "token id {id} does not fit the model's int32 tokens"
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        ),
    };
    let speed = match contract.speed_type {
        SpeedType::Float32 => SpeedData::F32(speed),
        SpeedType::Int32 | SpeedType::Int64 => {
            // Finite and positive, so the rounded value is >= 0; clamp to a sane integer range.
            #[allow(clippy::cast_possible_truncation)]
            let rounded = speed.round().clamp(1.0, 1_000.0) as i32;
            #[allow(clippy::cast_precision_loss)]
            if (rounded as f32 - speed).abs() > f32::EPSILON {
                tracing::debug!(speed, rounded, "the model takes an integer speed; rounded");
            }
            match contract.speed_type {
                SpeedType::Int64 => SpeedData::I64(i64::from(rounded)),
                _ => SpeedData::I32(rounded),
            }
        }
    };
    Ok(Prepared {
        tokens,
        style: style.to_vec(),
        speed,
    })
}

type Inputs = Vec<(Cow<'static, str>, SessionInputValue<'static>)>;

impl Prepared {
    fn into_inputs(self, contract: &Contract) -> Result<Inputs> {
        let tensor_error =
            |e: ort::Error| inference_failure(format!("could not build an input tensor: {e}"), e);
        let tokens: SessionInputValue<'static> = match self.tokens {
            TokenData::I64(v) => Tensor::from_array(([1, v.len()], v))
                .map_err(tensor_error)?
                .into(),
            TokenData::I32(v) => Tensor::from_array(([1, v.len()], v))
                .map_err(tensor_error)?
                .into(),
        };
        let style: SessionInputValue<'static> = Tensor::from_array(([1, STYLE_DIM], self.style))
            .map_err(tensor_error)?
            .into();
        let speed: SessionInputValue<'static> = match self.speed {
            SpeedData::F32(s) => Tensor::from_array(([1], vec![s]))
                .map_err(tensor_error)?
                .into(),
            SpeedData::I32(s) => Tensor::from_array(([1], vec![s]))
                .map_err(tensor_error)?
                .into(),
            SpeedData::I64(s) => Tensor::from_array(([1], vec![s]))
                .map_err(tensor_error)?
                .into(),
        };
        Ok(vec![
            (Cow::Owned(contract.token_input.clone()), tokens),
            (Cow::Owned(contract.style_input.clone()), style),
            (Cow::Owned(contract.speed_input.clone()), speed),
        ])
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn contract(token_type: TokenType, speed_type: SpeedType) -> Contract {
        Contract {
            token_input: "tokens".into(),
            token_type,
            style_input: "style".into(),
            speed_input: "speed".into(),
            speed_type,
            audio_output: "audio".into(),
            durations_output: None,
        }
    }

    fn style() -> Vec<f32> {
        vec![0.5; STYLE_DIM]
    }

    #[test]
    fn invalid_inputs_are_rejected() {
        let c = contract(TokenType::Int64, SpeedType::Float32);
        let too_many = vec![1; MAX_TOKENS + 1];
        let mut nan_style = style();
        nan_style[3] = f32::NAN;
        let cases: Vec<(&[i64], Vec<f32>, f32, &str)> = vec![
            (&[], style(), 1.0, "no phoneme tokens"),
            (&too_many, style(), 1.0, "511 phoneme tokens"),
            (&[1, -2], style(), 1.0, "negative"),
            (&[1], vec![0.0; 255], 1.0, "255 values"),
            (&[1], nan_style, 1.0, "not finite"),
            (&[1], style(), f32::NAN, "speed"),
            (&[1], style(), f32::INFINITY, "speed"),
            (&[1], style(), 0.0, "speed"),
            (&[1], style(), -1.0, "speed"),
        ];
        for (ids, style, speed, needle) in cases {
            let err = prepare(&c, ids, &style, speed).unwrap_err();
            assert!(err.is_invalid_input(), "{err}");
            assert!(err.to_string().contains(needle), "{needle:?} not in {err}");
        }
        assert!(prepare(&c, &[1; MAX_TOKENS], &style(), 1.0).is_ok());
    }

    #[test]
    fn int32_tokens_reject_ids_that_do_not_fit() {
        let c = contract(TokenType::Int32, SpeedType::Float32);
        let err = prepare(&c, &[1, i64::from(i32::MAX) + 1], &style(), 1.0).unwrap_err();
        assert!(err.is_invalid_input());
    }

    #[test]
    fn int_speed_is_rounded_with_a_floor_of_one() {
        let c = contract(TokenType::Int64, SpeedType::Int32);
        assert_eq!(
            prepare(&c, &[1], &style(), 1.3).unwrap().speed,
            SpeedData::I32(1)
        );
        assert_eq!(
            prepare(&c, &[1], &style(), 1.6).unwrap().speed,
            SpeedData::I32(2)
        );
        assert_eq!(
            prepare(&c, &[1], &style(), 0.2).unwrap().speed,
            SpeedData::I32(1)
        );
        let c = contract(TokenType::Int64, SpeedType::Int64);
        assert_eq!(
            prepare(&c, &[1], &style(), 2.4).unwrap().speed,
            SpeedData::I64(2)
        );
        let c = contract(TokenType::Int64, SpeedType::Float32);
        assert_eq!(
            prepare(&c, &[1], &style(), 1.3).unwrap().speed,
            SpeedData::F32(1.3)
        );
    }

    #[test]
    fn inference_duration() {
        let inf = Inference {
            audio: vec![0.0; 36_000],
            durations: Durations::Unavailable("none".into()),
        };
        assert!((inf.duration_secs() - 1.5).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn padding_wraps_ids_in_zeros(ids in proptest::collection::vec(0i64..200, 1..=MAX_TOKENS), int32 in any::<bool>()) {
            let token_type = if int32 { TokenType::Int32 } else { TokenType::Int64 };
            let p = prepare(&contract(token_type, SpeedType::Float32), &ids, &style(), 1.0).unwrap();
            let padded: Vec<i64> = match p.tokens {
                TokenData::I64(v) => v,
                TokenData::I32(v) => v.into_iter().map(i64::from).collect(),
            };
            prop_assert_eq!(padded.len(), ids.len() + 2);
            prop_assert_eq!(padded.first(), Some(&0));
            prop_assert_eq!(padded.last(), Some(&0));
            prop_assert_eq!(&padded[1..=ids.len()], &ids[..]);
            prop_assert_eq!(p.style.len(), STYLE_DIM);
        }

        #[test]
        fn int_speed_is_nearest_integer_at_least_one(speed in 0.01f32..100.0) {
            let p = prepare(&contract(TokenType::Int64, SpeedType::Int32), &[5], &style(), speed).unwrap();
            let SpeedData::I32(s) = p.speed else { panic!("expected an int32 speed") };
            prop_assert!(s >= 1);
            if speed >= 0.5 {
                prop_assert!((s as f32 - speed).abs() <= 0.5 + 1e-4);
            } else {
                prop_assert_eq!(s, 1);
            }
        }

        #[test]
        fn float_speed_passes_through(speed in 0.01f32..10.0) {
            let p = prepare(&contract(TokenType::Int64, SpeedType::Float32), &[5], &style(), speed).unwrap();
            prop_assert_eq!(p.speed, SpeedData::F32(speed));
        }
    }
}
