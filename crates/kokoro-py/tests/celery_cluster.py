"""A Celery cluster on this machine for the tests and the benchmark: a redis-server of its own
(127.0.0.1, a free port, AOF on, in a temporary directory) and `celery -A kokoro_engine.celery
worker` processes, each with its log; `Cluster.close` stops everything it started."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import redis
from celery import Celery

from kokoro_engine.celery import celery_config

REDIS_SERVER = shutil.which("redis-server")
RECEIVED = re.compile(r"Task kokoro_engine\.narrate_segment\[([^\]]+)\] received")
FINISHED = re.compile(
    r"Task kokoro_engine\.narrate_segment\[([^\]]+)\] (?:succeeded|retry|failed|raised)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """redis-server on 127.0.0.1:port with its data (AOF) in `directory`."""

    def __init__(self, directory: pathlib.Path):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)

    def start(self):
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.dir),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
                "--logfile", str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"redis-server exited: {(self.dir / 'redis.log').read_text()}")
            try:
                return self.client().ping()
            except redis.ConnectionError:
                return False

        wait_for(up, 30, "redis-server to answer")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM: redis flushes its AOF and exits
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)

    def restart(self):
        self.stop()
        self.start()


class Worker:
    """One `celery -A kokoro_engine.celery worker` process, its log in `logdir`."""

    def __init__(self, name, env, logdir, pool="threads", concurrency=2, queues=None):
        self.name, self.env, self.pool, self.concurrency = name, env, pool, concurrency
        self.queues = queues
        self.log = logdir / f"{name}.log"
        self.out = logdir / f"{name}.out"
        self.proc: subprocess.Popen | None = None

    def start(self):
        cmd = [
            sys.executable, "-m", "celery", "-A", "kokoro_engine.celery", "worker",
            "--pool", self.pool, "--concurrency", str(self.concurrency),
            "--hostname", f"{self.name}@%h", "--loglevel", "INFO", "--logfile", str(self.log),
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        if self.queues:
            cmd += ["--queues", self.queues]
        with open(self.out, "ab") as out:
            self.proc = subprocess.Popen(
                cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.out.read_text()}\n{self.text()}")
            return f"{self.name}@" in self.text() and " ready." in self.text()

        wait_for(ready, 120, f"worker {self.name} to be ready", interval=0.2)

    def received(self) -> set[str]:
        return set(RECEIVED.findall(self.text()))

    def finished(self) -> set[str]:
        return set(FINISHED.findall(self.text()))

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # warm shutdown, prefork children included
            self.proc.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=20)


class Cluster:
    """redis-server and workers; `visibility_s`: the broker's visibility timeout, after which a
    dead worker's tasks come back (and a task running longer is delivered twice)."""

    def __init__(self, base: pathlib.Path, model_dir, visibility_s: float = 3600, timeout_s=600):
        self.base = base
        self.model_dir = model_dir
        self.visibility_s = visibility_s
        self.timeout_s = timeout_s
        self.media = base / "media"
        self.logs = base / "logs"
        self.logs.mkdir(parents=True)
        self.redis = RedisServer(base / "redis")
        self.workers: list[Worker] = []
        self.env = None
        self.client = None

    def start(self, workers: int):
        self.redis.start()
        self.env = dict(
            os.environ,
            CELERY_BROKER_URL=self.redis.url(0),
            CELERY_RESULT_BACKEND=self.redis.url(1),
            CELERY_BROKER_TRANSPORT_OPTIONS=json.dumps(
                {
                    "visibility_timeout": self.visibility_s,
                    "unacked_restore_interval": 1,
                    "unacked_restore_throttle": 1,
                }
            ),
            KOKORO_MODEL_DIR=str(self.model_dir),
            MEDIA_ROOT=str(self.media),
            MEDIA_URL="/media/",
            KOKORO_CELERY_RETRY_BACKOFF_S="0.25",
        )
        self.client = Celery("kokoro-test-client", set_as_current=False)
        self.client.conf.update(celery_config(self.env))
        for i in range(workers):
            self.add_worker(f"w{i + 1}")
        for w in self.workers:
            w.wait_ready()

    def add_worker(self, name, **kwargs) -> Worker:
        w = Worker(name, self.env, self.logs, **kwargs)
        w.start()
        self.workers.append(w)
        return w

    def close(self):
        for w in self.workers:
            try:
                w.stop()
            except Exception as e:  # keep stopping the rest
                print(f"cannot stop worker {w.name}: {e}")
        self.redis.stop()

    def send(self, name, *args, **options):
        return self.client.send_task(f"kokoro_engine.{name}", args=list(args), **options)

    def wait(self, result, timeout=None):
        """The task's result, polling through broker or backend outages."""

        def ready():
            try:
                return result.ready()
            except (redis.RedisError, OSError):
                return False

        wait_for(ready, timeout or self.timeout_s, f"task {result.id}", interval=0.2)
        return result.get(timeout=30, propagate=True)

    def project_dir(self, project_id) -> pathlib.Path:
        return self.media / "projects" / project_id / "audio"

    def logs_text(self) -> str:
        return "\n".join(w.text() for w in self.workers)
