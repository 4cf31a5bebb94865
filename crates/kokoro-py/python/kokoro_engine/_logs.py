"""The engine's log records (Rust `tracing`), handed to Python's `logging`.

Records land under the logger ``kokoro_engine``: ``kokoro_engine`` itself for the extension's own
records, ``kokoro_engine.<crate>.<module>`` for the engine's (``kokoro_engine.tts_pipeline.engine``,
``kokoro_engine.kokoro_voices.catalog``, ...), so that a Django or Celery logging configuration of
``kokoro_engine`` sees them all. Levels map ERROR 40, WARN 30, INFO 20, DEBUG 10, TRACE 5. Each
record carries ``rust_target`` (the Rust module) and ``rust_thread`` (the thread that made it);
``created`` is when the engine made it.

The engine never takes the GIL to log: it buffers the records (see ``src/logs.rs``). They are
emitted by the calling thread as each engine call returns (which also waits for the daemon thread
to finish emitting the records it took, so a call's records are logged when it returns), and by the
daemon thread ``kokoro_engine-logs`` for records made outside a call (sessions loading in the
background, other threads' calls still running).
DEBUG and TRACE records are made only while the ``kokoro_engine`` logger is enabled for them (the
daemon thread keeps the engine's threshold in step, within a fraction of a second).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from . import _native

ROOT = "kokoro_engine"
#: How long the daemon thread waits for records before it checks the level and its stop flag.
_POLL_S = 0.2

_stop = threading.Event()
_thread: threading.Thread | None = None
_thread_pid: int | None = None
_lock = threading.Lock()


def logger_name(target: str) -> str:
    """The logger of a Rust target: ``tts_pipeline::engine`` -> ``kokoro_engine.tts_pipeline.engine``;
    the extension's own records (``kokoro_engine_native``) -> ``kokoro_engine``."""
    if target == "kokoro_engine_native" or target.startswith("kokoro_engine_native::"):
        return ROOT
    return f"{ROOT}.{target.replace('::', '.')}"


def sync_level() -> None:
    """Tells the engine the lowest level the ``kokoro_engine`` logger wants (INFO and above are
    always made, so that a logger configured late misses none of them)."""
    level = logging.getLogger(ROOT).getEffectiveLevel()
    _native._set_log_level(min(level, logging.INFO) if level > 0 else logging.INFO)


def emit(records, dropped: int = 0) -> None:
    """Hands engine records, ``(level, target, message, thread, created, file, line)`` tuples,
    to their loggers."""
    for level, target, message, thread, created, file, line in records:
        try:
            logger = logging.getLogger(logger_name(target))
            if not logger.isEnabledFor(level):
                continue
            record = logger.makeRecord(
                logger.name,
                level,
                file or "<rust>",
                line or 0,
                message,
                (),
                None,
                extra={"rust_target": target, "rust_thread": thread},
            )
            record.created = created
            record.msecs = (created - int(created)) * 1000
            record.relativeCreated = (created - logging._startTime) * 1000
            logger.handle(record)
        except Exception:  # a broken record must not stop the others
            logging.getLogger(ROOT).exception("cannot log an engine record")
    if dropped:
        logging.getLogger(ROOT).warning(
            "%d engine log records were dropped: more than %d waited to be logged",
            dropped,
            _native._LOG_CAPACITY,
        )


def _run() -> None:
    while not _stop.is_set():
        try:
            sync_level()
            records, dropped = _native._drain_logs(_POLL_S)
            try:
                if records or dropped:
                    emit(records, dropped)
            finally:
                _native._drain_done()
        except Exception:
            logging.getLogger(ROOT).exception("the engine's log thread failed; it stops")
            return


def start() -> None:
    """Starts the daemon thread that logs the engine's records made outside a call (once per
    process: a forked child starts its own)."""
    global _thread, _thread_pid
    with _lock:
        if _thread is not None and _thread_pid == os.getpid() and _thread.is_alive():
            return
        _stop.clear()
        sync_level()
        _thread = threading.Thread(target=_run, name="kokoro_engine-logs", daemon=True)
        _thread_pid = os.getpid()
        _thread.start()


def stop() -> None:
    """Stops the daemon thread and logs what is left (at exit)."""
    _stop.set()
    thread = _thread
    if thread is not None and _thread_pid == os.getpid():
        thread.join(timeout=2 * _POLL_S + 1)
    flush()


def flush() -> None:
    """Logs every engine record made so far (from this thread, or waiting for the log thread
    to finish those it took)."""
    _native._flush_logs()


def _after_fork_in_child() -> None:
    global _thread, _lock
    # The parent's thread does not exist here (nor do the records it was emitting), and its lock
    # may have been held at the fork.
    _lock = threading.Lock()
    _thread = None
    _native._drain_done()
    start()


atexit.register(stop)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
