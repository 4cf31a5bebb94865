"""kokoro_engine.celery on the real thing: a redis-server of its own and real `celery worker`
processes, no mock broker.

The module starts redis-server on 127.0.0.1 on a free port in a temporary directory (AOF on, as a
broker that must survive a restart needs), and two `celery -A kokoro_engine.celery worker --pool
threads` processes; it stops everything it started when the module ends, passed or failed. The
broker's visibility timeout is short (VISIBILITY_S) so that a dead worker's tasks come back within
the test.

Tests, in order (the last ones disturb the cluster): the load (3 projects, 100 segments, 2
workers), poison tasks, retries of an engine failure that passes or not, a prefork worker, Redis
restarted mid-project, and `kill -9` of a worker mid-project.

Without redis-server, Celery or redis-py they skip loudly; with KOKORO_REQUIRE_REDIS=1 (set by
`cargo xtask ci`, which installs redis-server as root) they fail instead. Without the model they
skip or fail like the other real-model tests.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import shutil
import time

import pytest

from conftest import _BANNER, MODEL_DIR, REQUIRE_MODEL, _model_available
from wavutil import read_wav

REQUIRE_REDIS = os.environ.get("KOKORO_REQUIRE_REDIS") == "1"
REDIS_SERVER = shutil.which("redis-server")


def _unavailable(why: str):
    banner = "\n" + "=" * 78 + f"\nSKIPPED: kokoro_engine.celery tests: {why}\n" + "=" * 78
    if REQUIRE_REDIS:
        pytest.fail(f"KOKORO_REQUIRE_REDIS=1 but {why}", pytrace=False)
    print(banner)
    pytest.skip(why, allow_module_level=True)


try:
    import celery  # noqa: F401
    import redis  # noqa: F401
except ImportError as e:  # pragma: no cover - the extra is not installed
    _unavailable(f"the extra kokoro_engine[celery] is not installed ({e}): pip install celery redis")

if REDIS_SERVER is None:
    _unavailable("no redis-server on PATH (Debian: apt-get install redis-server)")

from celery_cluster import Cluster, wait_for  # noqa: E402
from kokoro_engine import get_audio_duration  # noqa: E402

#: The broker's visibility timeout in these tests: a dead worker's tasks come back after it. A
#: task running longer is delivered twice (harmless, but slower): on a loaded 2-core machine a
#: short segment can take several seconds.
VISIBILITY_S = 15
#: How long any one wait may take before the test fails.
TIMEOUT_S = 600
WORDS = ["quiet", "river", "lantern", "morning", "garden", "window", "silver", "story"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not _model_available():
        if REQUIRE_MODEL:
            pytest.fail(f"KOKORO_REQUIRE_MODEL=1 but there is no usable model in {MODEL_DIR}")
        print(_BANNER)
        pytest.skip(f"no model in {MODEL_DIR}: run `cargo xtask fetch-model`")
    c = Cluster(tmp_path_factory.mktemp("celery"), MODEL_DIR, VISIBILITY_S, TIMEOUT_S)
    try:
        c.start(workers=2)
        yield c
    finally:
        c.close()
        print(f"\ncelery test logs: {c.logs}")


def project(project_id: str, n: int, voice="af_bella"):
    segments = [
        {
            "segment_id": f"s{i:03d}",
            "text": f"{WORDS[i % len(WORDS)].capitalize()} {i}.",
            "voice_id": voice,
            "speed": 1.0,
        }
        for i in range(n)
    ]
    return project_id, segments


def check_project(cluster: Cluster, project_id, segments, outcomes):
    """Every outcome a success, in order, each WAV at its path, decoding, as long as said; one
    file per segment and no temporary file left.

    Delivery is at least once: a task redelivered after a kill or a broker restart may still be
    writing its duplicate when the project's outcome is gathered. Its temporary file belongs to a
    live writer and goes with its rename, so the check waits for the directory to settle (a file
    left by a dead writer never goes, and fails it) and reads the files after that."""
    assert [o.get("segment_id") for o in outcomes] == [s["segment_id"] for s in segments]
    directory = cluster.project_dir(project_id)

    def settled():
        names = sorted(p.name for p in directory.iterdir())
        return names if not any(n.endswith(".tmp") for n in names) else None

    try:
        names = wait_for(settled, 60, "the writers still running to finish")
    except AssertionError:
        raise AssertionError(sorted(p.name for p in directory.iterdir())) from None
    for s, o in zip(segments, outcomes):
        assert o["success"] is True, o
        path = directory / f"{s['segment_id']}.wav"
        assert pathlib.Path(o["audio_path"]).resolve() == path.resolve()
        assert o["audio_url"] == f"/media/projects/{project_id}/audio/{s['segment_id']}.wav"
        assert o["sample_rate"] == 24000 and o["voice"] == s["voice_id"]
        rate, samples = read_wav(path)
        assert rate == 24000 and len(samples) > 0
        assert math.isclose(len(samples) / rate, o["duration"], rel_tol=1e-9), (o, len(samples))
        assert math.isclose(get_audio_duration(str(path)), o["duration"], rel_tol=1e-9)
    assert names == sorted(f"{s['segment_id']}.wav" for s in segments), names


def wavs_done(cluster, project_id):
    d = cluster.project_dir(project_id)
    return len(list(d.glob("*.wav"))) if d.exists() else 0


def test_two_workers_narrate_three_projects_of_100_segments(cluster):
    projects = [project("load-a", 34), project("load-b", 33, "am_adam"), project("load-c", 33)]
    start = time.monotonic()
    results = [cluster.send("narrate_project", pid, segs) for pid, segs in projects]
    outcomes = [cluster.wait(r) for r in results]
    elapsed = time.monotonic() - start
    audio = sum(o["duration"] for os_ in outcomes for o in os_ if o.get("success"))
    print(f"\n100 segments, 2 workers: {elapsed:.1f} s, {100 / elapsed:.2f} segments/s, "
          f"{audio:.1f} s of audio, real-time factor {elapsed / audio:.3f}")
    for (pid, segs), outs in zip(projects, outcomes):
        check_project(cluster, pid, segs, outs)
    served = [len(w.received()) for w in cluster.workers]
    assert all(n > 0 for n in served), f"both workers take tasks: {served}"


def test_poison_tasks_fail_once_and_are_not_redelivered(cluster):
    poison = [
        cluster.send("narrate_segment", "poison", "empty", ""),
        cluster.send("narrate_segment", "poison", "blank", "   \n"),
        cluster.send("narrate_segment", "../etc", "s1", "Hello."),
        cluster.send("narrate_segment", "poison", "a b", "Hello."),
        cluster.send("narrate_segment", "poison", "s1", None),
        cluster.send("narrate_segment", "poison", "s2", "Hello.", "af_bella", "fast"),
    ]
    for r in poison:
        o = cluster.wait(r, timeout=60)
        assert o["success"] is False and o["retryable"] is False, o
        assert o["error"]
    # In a project, bad segments keep their place and the good ones are made.
    _, good = project("poison-mixed", 2)
    segments = [good[0], {"segment_id": "../x", "text": "Hi."}, {"segment_id": "e", "text": ""},
                "not a dict", good[1]]
    outs = cluster.wait(cluster.send("narrate_project", "poison-mixed", segments), timeout=60)
    assert [o["success"] for o in outs] == [True, False, False, False, True], outs
    # Each poison task ran once and was acknowledged: no copy is left in a queue or in the
    # broker's unacknowledged set, the only places a redelivery comes from.
    broker = cluster.redis.client(0)
    ids = [r.id.encode() for r in poison]

    def copies():
        held = list(broker.hvals("unacked"))
        for key in broker.keys("celery*"):
            if broker.type(key) == b"list":
                held += broker.lrange(key, 0, -1)
        return [i for i in ids if any(i in m for m in held)]

    wait_for(lambda: not copies(), 30, "the poison tasks to be acknowledged")
    logs = cluster.logs_text()
    for r in poison:
        assert logs.count(f"narrate_segment[{r.id}] received") == 1, r.id


def test_an_engine_failure_is_retried_with_backoff_a_bounded_number_of_times(cluster):
    # A file where the project's audio directory goes: a storage error, which may pass.
    blocks = {}
    for pid in ("retry-passes", "retry-never"):
        blocks[pid] = cluster.media / "projects" / pid / "audio"
        blocks[pid].parent.mkdir(parents=True, exist_ok=True)
        blocks[pid].write_text("not a directory")
    passes = cluster.send("narrate_segment", "retry-passes", "s1", "Hello there.")
    never = cluster.send("narrate_segment", "retry-never", "s1", "Hello there.")
    wait_for(lambda: "narrate_segment retry-passes/s1 failed" in cluster.logs_text(), 60,
             "the first failure of retry-passes")
    blocks["retry-passes"].unlink()
    ok = cluster.wait(passes, timeout=60)
    assert ok["success"] is True, ok
    failed = cluster.wait(never, timeout=60)
    assert failed["success"] is False and failed["retryable"] is True, failed
    logs = cluster.logs_text()
    from kokoro_engine.celery import MAX_RETRIES

    assert logs.count("narrate_segment retry-never/s1 failed (") == MAX_RETRIES, logs
    assert f"narrate_segment retry-never/s1 failed after {MAX_RETRIES + 1} tries" in logs
    # The engine's own record of the failure (tts_pipeline's, through logging), with its cause,
    # is in the worker's log.
    assert re.search(r"ERROR/\w+\] generation failed: cannot create directory \S*retry-never", logs)


def test_a_prefork_worker_opens_one_engine_per_child_after_the_fork(cluster):
    w = cluster.add_worker("prefork", pool="prefork", concurrency=2, queues="prefork")
    try:
        w.wait_ready()
        results = [
            cluster.send("narrate_segment", "prefork", f"s{i}", "Hello from a child.", queue="prefork")
            for i in range(2)
        ]
        for r in results:
            assert cluster.wait(r, timeout=120)["success"] is True
        opened = {int(p) for p in re.findall(r"engine opened in process (\d+)", w.text())}
        assert w.proc.pid not in opened, "the prefork parent must not open an engine"
        assert 1 <= len(opened) <= 2, opened
        parent_maps = pathlib.Path(f"/proc/{w.proc.pid}/maps").read_text()
        assert "onnxruntime" not in parent_maps, "the parent loaded ONNX Runtime before forking"
    finally:
        w.stop()
        cluster.workers.remove(w)


def test_redis_restarts_mid_project_and_the_project_completes(cluster):
    pid, segments = project("redis-restart", 10)
    lost_before = cluster.logs_text().count("Connection to broker lost")
    result = cluster.send("narrate_project", pid, segments)
    wait_for(lambda: wavs_done(cluster, pid) >= 2, TIMEOUT_S, "2 segments before the restart")
    cluster.redis.restart()
    outcomes = cluster.wait(result)
    check_project(cluster, pid, segments, outcomes)
    assert cluster.logs_text().count("Connection to broker lost") > lost_before, (
        "the workers did not notice the restart"
    )


def test_kill_9_a_worker_mid_project_redelivers_its_tasks(cluster):
    for w in cluster.workers:
        if w.proc.poll() is not None:  # keep two live workers
            w.start()
            w.wait_ready()
    pid, segments = project("killed", 10)
    result = cluster.send("narrate_project", pid, segments)
    wait_for(lambda: wavs_done(cluster, pid) >= 2, TIMEOUT_S, "2 segments before the kill")
    victim, survivor = cluster.workers[0], cluster.workers[1]
    victim.kill9()
    outcomes = cluster.wait(result)
    check_project(cluster, pid, segments, outcomes)
    in_hand = victim.received() - victim.finished()
    assert in_hand, "the killed worker held no task: nothing to redeliver"
    assert in_hand <= survivor.received(), "the killed worker's tasks were not redelivered"
