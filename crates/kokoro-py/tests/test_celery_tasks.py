"""kokoro_engine.celery without a broker: the configuration from the environment, the lazy app,
and the tasks called directly (in this process). The broker tests are in test_celery.py."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

import kokoro_engine

celery = pytest.importorskip("celery", reason="the extra kokoro_engine[celery] is not installed")

from kokoro_engine.celery import (  # noqa: E402
    DEFAULT_BROKER_URL,
    celery_config,
    narrate_project,
    narrate_segment,
)


def test_the_configuration_comes_from_the_environment():
    cfg = celery_config({})
    assert cfg["broker_url"] == cfg["result_backend"] == DEFAULT_BROKER_URL
    assert cfg["task_acks_late"] is True and cfg["task_reject_on_worker_lost"] is True
    assert cfg["worker_prefetch_multiplier"] == 1
    assert cfg["broker_connection_max_retries"] is None
    cfg = celery_config(
        {
            "CELERY_BROKER_URL": "redis://broker:6380/2",
            "CELERY_RESULT_BACKEND": "redis://results:6379/3",
            "CELERY_BROKER_TRANSPORT_OPTIONS": '{"visibility_timeout": 7}',
        }
    )
    assert cfg["broker_url"] == "redis://broker:6380/2"
    assert cfg["result_backend"] == "redis://results:6379/3"
    assert cfg["broker_transport_options"] == {"visibility_timeout": 7}
    assert celery_config({"CELERY_BROKER_URL": "redis://b:1/0"})["result_backend"] == "redis://b:1/0"
    for bad in ("not json", "[1]"):
        with pytest.raises(ValueError, match="CELERY_BROKER_TRANSPORT_OPTIONS"):
            celery_config({"CELERY_BROKER_TRANSPORT_OPTIONS": bad})


def test_the_app_is_made_on_first_use_and_only_then_becomes_current():
    script = """
import celery, kokoro_engine.celery as kc
assert kc._app is None and celery.current_app.main != "kokoro_engine"
app = kc.app
assert celery.current_app.main == "kokoro_engine" and kc.app is app
print(app.conf.broker_url, app.conf.task_acks_late, sorted(t for t in app.tasks if t.startswith("kokoro")))
"""
    env = {"CELERY_BROKER_URL": "redis://example:6390/4", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "redis://example:6390/4",
        "True",
        "['kokoro_engine.gather_project',",
        "'kokoro_engine.narrate_project',",
        "'kokoro_engine.narrate_segment']",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("p1", "s1", ""),
        ("p1", "s1", "  \n "),
        ("../p", "s1", "Hello."),
        ("p1", "a/b", "Hello."),
        ("p1", None, "Hello."),
        ("p1", "s1", None),
        ("p1", "s1", "Hello.", "af_bella", "fast"),
    ],
)
def test_bad_input_is_a_failure_outcome_never_a_retry(args, tmp_path):
    kokoro_engine.configure(media_root=str(tmp_path))
    out = narrate_segment(*args)
    assert out["success"] is False and out["retryable"] is False, out
    assert out["error"] and "audio_path" not in out


def test_a_segment_and_a_project_called_directly(model, tmp_path):
    kokoro_engine.configure(media_root=str(tmp_path), media_url="/m/")
    out = narrate_segment("p1", "s1", "Hello there.", "am_adam", 1.1)
    path = tmp_path / "projects" / "p1" / "audio" / "s1.wav"
    assert out["success"] is True, out
    assert out["segment_id"] == "s1" and out["voice"] == "am_adam"
    assert out["audio_path"] == str(path) and out["audio_url"] == "/m/projects/p1/audio/s1.wav"
    assert math.isclose(kokoro_engine.get_audio_duration(str(path)), out["duration"], rel_tol=1e-9)
    again = narrate_segment("p1", "s1", "Hello there.", "am_adam", 1.1)
    assert again == out, "a duplicate run gives the same outcome (and file)"
    json.dumps(out)  # the outcome travels as JSON
    outs = narrate_project("p2", [{"segment_id": "a", "text": "One."}, {"segment_id": "b", "text": ""}])
    assert [(o["segment_id"], o["success"]) for o in outs] == [("a", True), ("b", False)]
    assert narrate_project("p3", []) == []
