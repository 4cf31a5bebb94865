//! The engine's `tracing` records, handed to Python's `logging` (logger `kokoro_engine` and its
//! children, one per Rust module: `kokoro_engine.tts_pipeline.engine`, ...).
//!
//! ```text
//! any Rust thread ──► tracing event ──► Bridge ──► bounded buffer (a Mutex, never the GIL)
//!                                                     │
//!        the calling Python thread, as a call returns ┤ flush(py): emit with the GIL held
//!        the `kokoro_engine-logs` Python thread ──────┘ _drain_logs(wait): waits without the GIL
//! ```
//!
//! Records are made on whatever thread the engine runs (session loading, pooled inference, a
//! caller that released the GIL). Taking the GIL there could deadlock: a Python thread that holds
//! the GIL may be waiting for a lock that thread holds. So the subscriber only formats the record
//! and pushes it into a buffer guarded by a plain mutex that no one holds while waiting for the
//! GIL. The records reach `logging` from Python threads: the caller's, as soon as an engine call
//! returns (so a call's records are in the log when it returns), and a daemon thread of the
//! package (`kokoro_engine/_logs.py`) for the rest. The buffer holds at most [`CAPACITY`]
//! records; past that the oldest are dropped and counted (the count is logged as a warning).
//!
//! Levels: ERROR 40, WARN 30, INFO 20, DEBUG 10, TRACE 5. Records below `min(INFO, the level of
//! the `kokoro_engine` logger)` are not even formatted; the package keeps that threshold in step
//! with the logger ([`_set_log_level`]).

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::PyList;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The most records the buffer holds; past that the oldest are dropped (and counted).
pub(crate) const CAPACITY: usize = 10_000;

/// One formatted record: Python's level number, the Rust target, the message with its fields
/// (and causes), the thread that made it, when (seconds since the epoch), and where.
struct LogRecord {
    level: i32,
    target: String,
    message: String,
    thread: String,
    created: f64,
    file: Option<&'static str>,
    line: Option<u32>,
}

struct Buffer {
    records: VecDeque<LogRecord>,
    dropped: u64,
    /// The log thread took records and has not emitted them yet.
    draining: bool,
}

static BUFFER: Mutex<Buffer> = Mutex::new(Buffer {
    records: VecDeque::new(),
    dropped: 0,
    draining: false,
});
/// Signalled when a record comes.
static READY: Condvar = Condvar::new();
/// Signalled when the log thread has emitted what it took.
static DRAINED: Condvar = Condvar::new();
/// The longest a returning call waits for the log thread to emit the records it took.
const DRAIN_WAIT: Duration = Duration::from_secs(2);
/// Records at a lower Python level number than this are not made.
static THRESHOLD: AtomicI32 = AtomicI32::new(20);

fn buffer() -> MutexGuard<'static, Buffer> {
    BUFFER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Python's level number of a tracing level.
fn python_level(level: &Level) -> i32 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        _ => 5,
    }
}

/// The message and the fields of an event as one line: `message key=value ...`; an error field
/// carries its chain of causes.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let text = tts_pipeline::Error::report_of(value);
        if field.name() == "message" {
            self.message.push_str(&text);
        } else {
            let _ = write!(self.rest, " {}={text:?}", field.name());
        }
    }
}

/// The subscriber: every enabled event becomes a [`LogRecord`] in the buffer. Spans are not
/// tracked (the engine's logs are events).
struct Bridge {
    next_span: AtomicU64,
}

impl Subscriber for Bridge {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // The threshold changes at run time: ask `enabled` each time.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        python_level(metadata.level()) >= THRESHOLD.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed).max(1))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut message = fields.message;
        message.push_str(&fields.rest);
        let thread = std::thread::current();
        let record = LogRecord {
            level: python_level(metadata.level()),
            target: metadata.target().to_string(),
            message,
            thread: thread
                .name()
                .map_or_else(|| format!("{:?}", thread.id()), str::to_string),
            created: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            file: metadata.file(),
            line: metadata.line(),
        };
        let mut buffer = buffer();
        if buffer.records.len() >= CAPACITY {
            buffer.records.pop_front();
            buffer.dropped += 1;
        }
        buffer.records.push_back(record);
        drop(buffer);
        READY.notify_one();
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Makes the bridge the process's tracing subscriber; false when the process already has one
/// (then the engine's records go there instead).
pub(crate) fn install() -> bool {
    let bridge = Bridge {
        next_span: AtomicU64::new(1),
    };
    tracing::subscriber::set_global_default(bridge).is_ok()
}

/// Takes every buffered record (and the count dropped), waiting up to `wait` for one to come;
/// `by_log_thread` marks them as being emitted by the log thread until [`_drain_done`].
fn take(wait: Duration, by_log_thread: bool) -> (Vec<LogRecord>, u64) {
    let mut buffer = buffer();
    if buffer.records.is_empty() && buffer.dropped == 0 && !wait.is_zero() {
        buffer = READY
            .wait_timeout(buffer, wait)
            .map(|(guard, _)| guard)
            .unwrap_or_else(|e| e.into_inner().0);
    }
    let records: Vec<LogRecord> = buffer.records.drain(..).collect();
    let dropped = std::mem::take(&mut buffer.dropped);
    if by_log_thread && (!records.is_empty() || dropped > 0) {
        buffer.draining = true;
    }
    (records, dropped)
}

/// Waits (up to [`DRAIN_WAIT`]) until the log thread has emitted the records it took.
fn wait_drained() {
    let buffer = buffer();
    if buffer.draining {
        drop(
            DRAINED
                .wait_timeout_while(buffer, DRAIN_WAIT, |b| b.draining)
                .unwrap_or_else(PoisonError::into_inner),
        );
    }
}

/// The records as a Python list of `(level, target, message, thread, created, file, line)`.
fn to_python<'py>(py: Python<'py>, records: Vec<LogRecord>) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for r in records {
        list.append((
            r.level, r.target, r.message, r.thread, r.created, r.file, r.line,
        ))?;
    }
    Ok(list)
}

/// Hands the buffered records to `logging` now, from the calling thread (which holds the GIL
/// and no engine lock), and waits (without the GIL) for the log thread to finish emitting those
/// it took: when an engine call returns, its records are in the log. Called as each engine call
/// returns to Python. A failure to log is reported as unraisable, never raised into the call.
pub(crate) fn flush(py: Python<'_>) {
    let (records, dropped) = take(Duration::ZERO, false);
    if !records.is_empty() || dropped > 0 {
        emit(py, records, dropped);
    }
    if buffer().draining {
        py.detach(wait_drained);
    }
}

fn emit(py: Python<'_>, records: Vec<LogRecord>, dropped: u64) {
    let emitted = to_python(py, records).and_then(|list| {
        py.import("kokoro_engine._logs")?
            .getattr("emit")?
            .call1((list, dropped))
            .map(|_| ())
    });
    if let Err(e) = emitted {
        e.write_unraisable(py, None);
    }
}

/// For the log thread of `kokoro_engine._logs`: waits up to `wait_s` seconds (without the GIL)
/// for engine log records, then returns `(records, dropped)`: the records as `(level, target,
/// message, thread, created, file, line)` tuples and how many were dropped since the last call.
/// The thread calls [`_drain_done`] once it has emitted them.
#[pyfunction]
pub(crate) fn _drain_logs<'py>(
    py: Python<'py>,
    wait_s: f64,
) -> PyResult<(Bound<'py, PyList>, u64)> {
    let wait = Duration::try_from_secs_f64(wait_s.max(0.0)).unwrap_or(Duration::ZERO);
    let (records, dropped) = py.detach(|| take(wait, true));
    Ok((to_python(py, records)?, dropped))
}

/// The log thread has emitted what [`_drain_logs`] gave it.
#[pyfunction]
pub(crate) fn _drain_done() {
    buffer().draining = false;
    DRAINED.notify_all();
}

/// Emits every engine record made so far, from the calling thread (see [`flush`]).
#[pyfunction]
pub(crate) fn _flush_logs(py: Python<'_>) {
    flush(py);
}

/// Sets the lowest Python level number of the engine records made (5 = TRACE ... 40 = ERROR).
#[pyfunction]
pub(crate) fn _set_log_level(level: i32) {
    THRESHOLD.store(level, Ordering::Relaxed);
}

/// The lowest Python level number of the engine records now made.
#[pyfunction]
pub(crate) fn _log_level() -> i32 {
    THRESHOLD.load(Ordering::Relaxed)
}

/// Makes one engine record at Python level `level` with `message` on a new Rust thread named
/// `kokoro-log-test`, and does not flush it: for the tests of the log thread.
#[pyfunction]
pub(crate) fn _emit_test_record(py: Python<'_>, level: i32, message: String) -> PyResult<()> {
    let spawned = std::thread::Builder::new()
        .name("kokoro-log-test".to_string())
        .spawn(move || match level {
            l if l >= 40 => tracing::error!("{message}"),
            l if l >= 30 => tracing::warn!("{message}"),
            l if l >= 20 => tracing::info!("{message}"),
            l if l >= 10 => tracing::debug!("{message}"),
            _ => tracing::trace!("{message}"),
        })
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
    py.detach(|| spawned.join())
        .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the log test thread panicked"))
}
