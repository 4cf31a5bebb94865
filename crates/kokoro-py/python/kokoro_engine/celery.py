"""Kokoro narration as Celery tasks (the extra ``kokoro_engine[celery]``: Celery 5 and redis-py).

The tasks are ``shared_task``s, so a Django project's own Celery app picks them up once this
module is imported (``app.conf.include = ["kokoro_engine.celery"]``, or an import in the project's
``celery.py``):

- ``narrate_segment(project_id, segment_id, text, voice_id="af_bella", speed=1.0)`` writes the
  segment's WAV at its deterministic path and returns its outcome dict:
  ``{"segment_id", "success": True, "audio_path", "audio_url", "duration", "sample_rate",
  "voice"}`` or ``{"segment_id", "success": False, "error", "retryable"}``;
- ``narrate_project(project_id, segments)`` fans out one ``narrate_segment`` per segment (each a
  dict with ``segment_id``, ``text``, ``voice_id``, ``speed``) and its result is the list of their
  outcomes in the request's order. It never waits inside a worker: the task replaces itself by
  ``gather_project``, which checks the segments' results every second (a retry with a countdown,
  holding no worker thread in between), so a busy pool cannot deadlock on its own subtasks; and
  it sends again any segment that made no progress for the visibility timeout. It needs a result
  backend (Redis).

A standalone worker uses the ready ``app`` of this module, configured from the environment
(``CELERY_BROKER_URL`` and ``CELERY_RESULT_BACKEND``, default ``redis://127.0.0.1:6379/0``;
``CELERY_BROKER_TRANSPORT_OPTIONS``, a JSON object such as ``{"visibility_timeout": 3600}``;
``KOKORO_MODEL_DIR``, ``MEDIA_ROOT``, ``MEDIA_URL`` for the engine)::

    celery -A kokoro_engine.celery worker --pool threads --concurrency 2

Delivery is at least once (``acks_late``, ``reject_on_worker_lost``, prefetch 1): a task whose
worker dies before it finished is delivered again. That is harmless, because a segment's path is
a function of its ids and the WAV is written atomically (a temporary file renamed over it), so a
duplicate run rewrites the same file with the same audio. Bad input (empty text, an unsafe id, a
speed that is not a number) is a failure outcome at once, never a retry; an engine failure that a
later try may not meet (storage, inference, a model directory not mounted yet) is retried with
exponential backoff, ``MAX_RETRIES`` times, and then returned as a failure outcome with
``"retryable": True``.

Pools: with ``--pool threads`` (recommended) one engine per worker process serves every thread
through its session pool. With prefork each child opens its own engine after the fork
(``worker_process_init``); the parent never opens one, so no engine thread or session crosses a
fork. See docs/SCALING.md.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from typing import Any

from celery import Celery, shared_task
from celery.signals import worker_process_init, worker_ready

from . import DEFAULT_VOICE_ID, _native

__all__ = [
    "DEFAULT_BROKER_URL",
    "GATHER_POLL_S",
    "MAX_RETRIES",
    "app",
    "celery_config",
    "gather_project",
    "narrate_project",
    "narrate_segment",
    "open_engine",
]

logger = logging.getLogger("kokoro_engine.celery")

#: The broker and result backend when the environment names none.
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
#: How many times an engine failure that could pass is tried again (after the first try).
MAX_RETRIES = 3
#: The first retry waits about this many seconds, each later one twice as long (with jitter);
#: ``KOKORO_CELERY_RETRY_BACKOFF_S`` in the worker's environment overrides it.
RETRY_BACKOFF_S = 1.0
#: No retry waits longer than this many seconds.
RETRY_BACKOFF_MAX_S = 30.0

#: How often ``gather_project`` looks at a project's results (seconds).
GATHER_POLL_S = 1.0
#: Kombu's visibility timeout for Redis when the configuration names none (seconds).
DEFAULT_VISIBILITY_S = 3600.0

#: The task options that make delivery at-least-once (also set app-wide on ``app``).
_DELIVERY = {"acks_late": True, "reject_on_worker_lost": True}


def _segment_id_text(value: Any) -> str | None:
    """``str(value)`` for an id given as str, int or UUID-like object; None for None."""
    if value is None or isinstance(value, (bytes, bytearray, float)):
        return None
    return str(value)


def _narrate(project_id: Any, segment_id: Any, text: Any, voice_id: Any, speed: Any) -> dict:
    """One segment's outcome; never raises."""
    sid = _segment_id_text(segment_id)
    pid = _segment_id_text(project_id)
    shown = sid if sid is not None else repr(segment_id)
    if pid is None or sid is None:
        which = "project_id" if pid is None else "segment_id"
        value = project_id if pid is None else segment_id
        return {
            "segment_id": shown,
            "success": False,
            "error": f"{which} must be a str, int or UUID, got {type(value).__name__}",
            "retryable": False,
        }
    if not isinstance(text, str):
        return {
            "segment_id": sid,
            "success": False,
            "error": f"text must be a str, got {type(text).__name__}",
            "retryable": False,
        }
    if isinstance(speed, bool) or not isinstance(speed, (int, float)):
        return {
            "segment_id": sid,
            "success": False,
            "error": f"speed must be a number, got {type(speed).__name__}",
            "retryable": False,
        }
    voice = None if voice_id is None else str(voice_id)
    try:
        return _native._generate_segment(pid, sid, text, voice, float(speed))
    except Exception as e:  # the native call returns failures; this is a last resort
        logger.exception("narrate_segment %s/%s: unexpected error", pid, sid)
        return {"segment_id": sid, "success": False, "error": str(e), "retryable": True}


def _backoff(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: exponential, capped, with jitter."""
    try:
        base = float(os.environ.get("KOKORO_CELERY_RETRY_BACKOFF_S") or RETRY_BACKOFF_S)
    except ValueError:
        base = RETRY_BACKOFF_S
    ceiling = min(RETRY_BACKOFF_MAX_S, max(0.0, base) * (2**retries))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


@shared_task(bind=True, name="kokoro_engine.narrate_segment", max_retries=MAX_RETRIES, **_DELIVERY)
def narrate_segment(
    self,
    project_id,
    segment_id,
    text,
    voice_id=DEFAULT_VOICE_ID,
    speed=1.0,
):
    """Narrate one segment into ``{MEDIA_ROOT}/projects/{project_id}/audio/{segment_id}.wav``.

    Returns the outcome dict: ``{"segment_id", "success": True, "audio_path", "audio_url",
    "duration", "sample_rate", "voice"}`` or ``{"segment_id", "success": False, "error",
    "retryable"}``. Bad input is a failure at once; an engine failure that could pass is retried
    with backoff up to ``MAX_RETRIES`` times before its failure outcome is returned. Running it
    twice for the same ids rewrites the same file (atomically) with the same audio.
    """
    outcome = _narrate(project_id, segment_id, text, voice_id, speed)
    if outcome["success"] or not outcome.get("retryable"):
        return outcome
    if self.request.called_directly or self.request.retries >= self.max_retries:
        logger.error(
            "narrate_segment %s/%s failed after %d tries: %s",
            project_id,
            segment_id,
            self.request.retries + 1,
            outcome["error"],
        )
        return outcome
    countdown = _backoff(self.request.retries)
    logger.warning(
        "narrate_segment %s/%s failed (%s); retry %d of %d in %.1f s",
        project_id,
        segment_id,
        outcome["error"],
        self.request.retries + 1,
        self.max_retries,
        countdown,
    )
    raise self.retry(countdown=countdown)


def _segment_signature(project_id: Any, segment: Any):
    if not isinstance(segment, dict):
        # Still one task, so that the outcome keeps its place: it fails for the missing fields.
        return narrate_segment.si(project_id, None, None)
    speed = segment.get("speed")
    return narrate_segment.si(
        project_id,
        segment.get("segment_id"),
        segment.get("text"),
        segment.get("voice_id") or DEFAULT_VOICE_ID,
        1.0 if speed is None else speed,
    )


def _send_segments(project_id, segments, task_ids, which) -> None:
    for i in which:
        _segment_signature(project_id, segments[i]).apply_async(task_id=task_ids[i])


def _stall_s(app) -> float:
    """How long a project may make no progress before its unfinished segments are sent again:
    the broker's visibility timeout, after which a dead worker's messages come back too."""
    options = app.conf.broker_transport_options or {}
    try:
        return float(options.get("visibility_timeout", DEFAULT_VISIBILITY_S))
    except (TypeError, ValueError):
        return DEFAULT_VISIBILITY_S


def _outcome_of(result, segment) -> dict:
    if result.successful() and isinstance(result.result, dict):
        return result.result
    sid = segment.get("segment_id") if isinstance(segment, dict) else None
    return {
        "segment_id": str(sid),
        "success": False,
        "error": f"the segment's task failed: {result.result!r}",
        "retryable": True,
    }


@shared_task(bind=True, name="kokoro_engine.narrate_project", **_DELIVERY)
def narrate_project(self, project_id, segments):
    """Narrate every segment of a project; the result is the list of their outcomes, in order.

    ``segments`` is a list of dicts with ``segment_id``, ``text``, ``voice_id`` and ``speed``.
    One ``narrate_segment`` task per segment runs on whichever worker is free; this task then
    replaces itself by ``gather_project``, which looks at their results every ``GATHER_POLL_S``
    seconds without holding a worker thread in between (a task that waited for its subtasks
    could deadlock a fully busy pool), and returns their outcomes as this task's result. Called
    directly (not through a worker) it runs the segments one after the other in this process.
    """
    segments = list(segments or [])
    if self.request.called_directly:
        return [
            _segment_signature(project_id, s).apply().get(disable_sync_subtasks=False)
            for s in segments
        ]
    if not segments:
        return []
    # Ids derived from this task's: a redelivered narrate_project sends the same tasks again.
    task_ids = [f"{self.request.id}.{i}" for i in range(len(segments))]
    _send_segments(project_id, segments, task_ids, range(len(segments)))
    return self.replace(gather_project.si(project_id, segments, task_ids))


@shared_task(bind=True, name="kokoro_engine.gather_project", max_retries=None, **_DELIVERY)
def gather_project(self, project_id, segments, task_ids, done=0, since=None):
    """The outcomes of a project's segment tasks, in order, once all have one (the result of the
    ``narrate_project`` it replaced). Until then it is retried every ``GATHER_POLL_S`` seconds.
    When no segment finished for the broker's visibility timeout, the unfinished ones are sent
    again under the same ids: a message lost by the broker (Kombu's Redis transport can lose one
    popped at the instant Redis goes down) costs a delay, not the project; a duplicate run is
    harmless."""
    now = time.time()
    since = now if since is None else since
    results = [self.app.AsyncResult(t) for t in task_ids]
    ready = [r.ready() for r in results]
    finished = sum(ready)
    if finished == len(results):
        return [_outcome_of(r, s) for r, s in zip(results, segments)]
    if finished > done:
        since = now
    elif now - since > _stall_s(self.app):
        missing = [i for i, ok in enumerate(ready) if not ok]
        logger.warning(
            "narrate_project %s: no segment finished for %.0f s; sending %d unfinished again",
            project_id,
            now - since,
            len(missing),
        )
        _send_segments(project_id, segments, task_ids, missing)
        since = now
    raise self.retry(
        args=[project_id, segments, task_ids],
        kwargs={"done": finished, "since": since},
        countdown=GATHER_POLL_S,
        max_retries=None,
    )


def open_engine() -> bool:
    """Opens this process's engine now (model, voices, and its session loading in the background)
    rather than at the first task; False (logged) when it cannot be opened yet."""
    try:
        model_dir = _native._open_engine()
    except Exception as e:
        logger.error("cannot open the engine in process %d: %s", os.getpid(), e)
        return False
    logger.info("engine opened in process %d (model directory %s)", os.getpid(), model_dir)
    return True


@worker_process_init.connect(weak=False)
def _open_engine_in_child(**_kwargs):
    """A prefork child opens its own engine after the fork, never inherited from the parent."""
    open_engine()


@worker_ready.connect(weak=False)
def _open_engine_in_worker(sender=None, **_kwargs):
    """A threads (or solo) pool worker opens its one engine as it starts; a prefork parent
    opens none (its children do, in ``worker_process_init``)."""
    pool = getattr(getattr(sender, "pool", None), "__class__", None)
    if pool is not None and pool.__module__.startswith("celery.concurrency.prefork"):
        return
    threading.Thread(target=open_engine, name="kokoro-open-engine", daemon=True).start()


def celery_config(environ: os._Environ | dict | None = None) -> dict:
    """The configuration of the standalone ``app``, read from ``environ`` (default os.environ).

    ``CELERY_BROKER_URL`` and ``CELERY_RESULT_BACKEND`` (default ``DEFAULT_BROKER_URL``),
    ``CELERY_BROKER_TRANSPORT_OPTIONS`` (a JSON object, e.g. ``{"visibility_timeout": 3600}``),
    and the at-least-once delivery settings.
    """
    env = os.environ if environ is None else environ
    broker = env.get("CELERY_BROKER_URL") or DEFAULT_BROKER_URL
    backend = env.get("CELERY_RESULT_BACKEND") or broker
    options_text = env.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}"
    try:
        transport_options = json.loads(options_text)
    except ValueError as e:
        raise ValueError(
            f"CELERY_BROKER_TRANSPORT_OPTIONS must be a JSON object, got {options_text!r}: {e}"
        ) from e
    if not isinstance(transport_options, dict):
        raise ValueError(
            f"CELERY_BROKER_TRANSPORT_OPTIONS must be a JSON object, got {options_text!r}"
        )
    return {
        "broker_url": broker,
        "result_backend": backend,
        "broker_transport_options": transport_options,
        # At-least-once delivery: a message is acknowledged after its task finished, and given
        # back when the worker running it dies; each worker process reserves one task at a time.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # Outcomes are dicts of str/float/bool: JSON.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_extended": False,
        # A broker or backend that restarts: keep trying instead of failing the task or worker.
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "result_backend_always_retry": True,
        "result_backend_max_retries": 20,
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": 30,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 2.0,
        },
    }


_app: Celery | None = None
_app_lock = threading.Lock()


def _make_app() -> Celery:
    global _app
    with _app_lock:
        if _app is None:
            standalone = Celery("kokoro_engine")
            standalone.conf.update(celery_config())
            _app = standalone
        return _app


def __getattr__(name: str):
    # `app` is made on first use, so that importing this module inside a Django project (whose
    # own Celery app picks up the shared tasks) does not make a second app the current one.
    if name == "app":
        return _make_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
