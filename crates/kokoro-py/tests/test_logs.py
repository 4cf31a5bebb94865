"""The engine's tracing records in Python's logging: logger names, levels, causes, and no
deadlock when many threads log at once."""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
import time

import pytest

import kokoro_engine
from kokoro_engine import _logs, generate_audio


def engine_records(caplog, level=None):
    return [
        r
        for r in caplog.records
        if r.name.startswith("kokoro_engine") and (level is None or r.levelno == level)
    ]


def test_the_bridge_is_installed_and_names_loggers_after_rust_modules():
    assert kokoro_engine._native._LOG_BRIDGE is True
    assert _logs.logger_name("tts_pipeline::engine") == "kokoro_engine.tts_pipeline.engine"
    assert _logs.logger_name("kokoro_engine_native") == "kokoro_engine"


def test_a_failure_reaches_logging_with_its_cause_when_the_call_returns(model, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kokoro_engine")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a directory should be")
    result = generate_audio("Hello world.", "af_bella", 1.0, str(blocked / "x.wav"))
    assert result["success"] is False
    errors = engine_records(caplog, logging.ERROR)
    assert errors, "no ERROR record from the engine"
    engine = [r for r in errors if r.name.startswith("kokoro_engine.tts_pipeline")]
    assert engine, [r.name for r in errors]
    # The record says what failed and why (the I/O cause), as the outcome does.
    assert str(blocked) in engine[0].getMessage()
    assert result["error"] in engine[0].getMessage()
    assert engine[0].rust_target.startswith("tts_pipeline")
    assert engine[0].levelname == "ERROR"
    own = [r for r in errors if r.name == "kokoro_engine"]
    assert own and "generate_audio failed" in own[0].getMessage()


def test_levels_are_mapped(model, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kokoro_engine")
    result = generate_audio("Hello.", "zz_nobody", 1.0, str(tmp_path / "a.wav"))
    assert result["success"] is True and result["voice"] == "af_bella"
    warnings = engine_records(caplog, logging.WARNING)
    assert any("zz_nobody" in r.getMessage() for r in warnings), [r.getMessage() for r in warnings]
    infos = engine_records(caplog, logging.INFO)
    assert any(r.name == "kokoro_engine" and "generate_audio" in r.getMessage() for r in infos)


def test_a_missing_model_is_logged_with_where_it_was_looked_for(no_model, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="kokoro_engine")
    result = generate_audio("Hello.", "af_bella", 1.0, str(tmp_path / "a.wav"))
    assert result["success"] is False
    messages = [r.getMessage() for r in engine_records(caplog, logging.ERROR)]
    assert any(str(no_model) in m for m in messages), messages


def test_logging_from_many_threads_does_not_deadlock(model, tmp_path, caplog):
    """Six Python threads narrate (one success and three failures each) while a slow logging
    handler holds the GIL on every record, and check voices and the session between calls; all
    finish and every failure is logged."""
    caplog.set_level(logging.DEBUG, logger="kokoro_engine")
    _logs.sync_level()

    class SlowHandler(logging.Handler):
        def emit(self, record):
            sum(range(2000))  # Python work, with the GIL, on every record
            time.sleep(0.0005)

    handler = SlowHandler()
    logging.getLogger("kokoro_engine").addHandler(handler)
    failures, errors = 0, []
    lock = threading.Lock()

    def narrate(i):
        nonlocal failures
        try:
            for j in range(4):
                if j != i % 4:
                    out = generate_audio("", "af_bella", 1.0, str(tmp_path / f"{i}-{j}.wav"))
                    with lock:
                        failures += 1
                    assert out["success"] is False
                else:
                    out = generate_audio("Hi.", "af_bella", 1.0, str(tmp_path / f"{i}-{j}.wav"))
                    assert out["success"] is True, out
                kokoro_engine.validate_voice_id("zz_unknown")
                kokoro_engine.KokoroModelLoader.get_session()
        except Exception as e:
            errors.append(e)

    faulthandler.dump_traceback_later(240, exit=True, file=sys.stderr)
    try:
        threads = [threading.Thread(target=narrate, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=200)
        assert not any(t.is_alive() for t in threads), "deadlock: threads still running"
    finally:
        faulthandler.cancel_dump_traceback_later()
        logging.getLogger("kokoro_engine").removeHandler(handler)
    assert not errors, errors
    _logs.flush()
    failed = [
        r for r in engine_records(caplog, logging.ERROR)
        if r.name == "kokoro_engine" and "generate_audio failed" in r.getMessage()
    ]
    assert len(failed) == failures == 18


def test_records_made_on_a_rust_thread_outside_a_call_arrive_through_the_log_thread(caplog):
    caplog.set_level(logging.DEBUG, logger="kokoro_engine")
    _logs.sync_level()
    assert _logs._thread is not None and _logs._thread.is_alive() and _logs._thread.daemon
    levels = {40: "ERROR", 30: "WARNING", 20: "INFO", 10: "DEBUG"}
    for level in levels:
        # A tracing event on a new Rust thread, and no flush: only the log thread can emit it.
        kokoro_engine._native._emit_test_record(level, f"test record {level}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(engine_records(caplog)) < len(levels):
        time.sleep(0.05)
    got = {r.levelno: r for r in engine_records(caplog) if r.getMessage().startswith("test record")}
    assert sorted(got) == sorted(levels), [r.getMessage() for r in caplog.records]
    for level, name in levels.items():
        assert got[level].levelname == name and got[level].getMessage() == f"test record {level}"
        assert got[level].name == "kokoro_engine"
        assert got[level].threadName == "kokoro_engine-logs"
        assert got[level].rust_thread == "kokoro-log-test"


@pytest.mark.parametrize("level", [logging.WARNING, logging.DEBUG])
def test_the_engine_threshold_follows_the_logger(level):
    logger = logging.getLogger("kokoro_engine")
    old = logger.level
    try:
        logger.setLevel(level)
        _logs.sync_level()
        # INFO and above are always made; DEBUG only when the logger wants it.
        assert kokoro_engine._native._log_level() == min(level, logging.INFO)
    finally:
        logger.setLevel(old)
        _logs.sync_level()
