"""Celery workers against in-process `generate_segments` on the same project (issue 20's figures).

    python crates/kokoro-py/bench/bench_celery.py --model-dir models --kokoro target/debug/kokoro \
        [--segments 24] [--work-dir target/bench/celery]

Runs, one after the other, on one project (`--segments` short sentences, voices af_bella/am_adam):
- `kokoro segments` (in-process `Engine::generate_segments`, its default workers);
- 1 worker process, `--pool threads --concurrency 2`;
- 2 worker processes, `--pool threads --concurrency 2` each;
- 1 worker process, `--pool prefork --concurrency 2`.
Each Celery run starts its own redis-server and workers (tests/celery_cluster.py), warms every
worker up with one segment, then times `narrate_project` from submission to its gathered result.
Reports wall seconds, segments/s, the real-time factor (wall / seconds of audio) and the peak RSS
(VmHWM) of every worker process (prefork: the parent and each child). Prints JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))

from celery_cluster import Cluster  # noqa: E402

SENTENCES = [
    "The lantern swung in the wind above the door.",
    "Nobody in the village had seen the river so high.",
    "She counted the steps twice before she went down.",
    "Morning came slowly, grey and quiet over the hills.",
]


def project(n: int):
    return [
        {
            "segment_id": f"s{i:03d}",
            "text": SENTENCES[i % len(SENTENCES)],
            "voice_id": "af_bella" if i % 2 == 0 else "am_adam",
            "speed": 1.0,
        }
        for i in range(n)
    ]


def vm_hwm_mib(pid: int) -> float | None:
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    out = []
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def in_process(kokoro: str, model_dir: str, segments, work: pathlib.Path):
    request = work / "project.json"
    request.write_text(
        json.dumps(
            {
                "project_id": "inproc",
                "segments": [
                    {"id": s["segment_id"], "text": s["text"], "voice": s["voice_id"], "speed": 1.0}
                    for s in segments
                ],
            }
        )
    )
    cmd = ["/usr/bin/time", "-f", "%M", kokoro, "--model-dir", model_dir, "segments", str(request),
           "--media-root", str(work / "media")]
    start = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.monotonic() - start
    outcomes = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert all(o["success"] for o in outcomes), outcomes
    rss = int(done.stderr.strip().splitlines()[-1]) / 1024
    audio = sum(o["duration"] for o in outcomes)
    return {"run": "in-process generate_segments (kokoro segments)", "wall_s": wall,
            "segments": len(outcomes), "audio_s": audio, "peak_rss_mib": {"process": rss}}


def celery_run(label, model_dir, segments, work: pathlib.Path, workers, pool):
    cluster = Cluster(work / label, model_dir)
    try:
        cluster.start(workers=0)
        for i in range(workers):
            cluster.add_worker(f"{pool}{i + 1}", pool=pool, concurrency=2)
        for w in cluster.workers:
            w.wait_ready()
        # Warm-up: every worker thread (or child) narrates once, so sessions are loaded.
        warm = [cluster.send("narrate_segment", "warmup", f"w{i}", "Hello there.")
                for i in range(2 * workers)]
        for r in warm:
            assert cluster.wait(r)["success"]
        start = time.monotonic()
        outcomes = cluster.wait(cluster.send("narrate_project", label, segments))
        wall = time.monotonic() - start
        assert all(o["success"] for o in outcomes), outcomes
        rss = {}
        for w in cluster.workers:
            rss[w.name] = vm_hwm_mib(w.proc.pid)
            for child in children(w.proc.pid):
                rss[f"{w.name}/child-{child}"] = vm_hwm_mib(child)
        audio = sum(o["duration"] for o in outcomes)
        return {"run": label, "wall_s": wall, "segments": len(outcomes), "audio_s": audio,
                "peak_rss_mib": rss}
    finally:
        cluster.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.environ.get("KOKORO_MODEL_DIR", "models"))
    ap.add_argument("--kokoro", default="target/debug/kokoro")
    ap.add_argument("--segments", type=int, default=24)
    ap.add_argument("--work-dir", default=None)
    args = ap.parse_args()
    model_dir = str(pathlib.Path(args.model_dir).resolve())
    work = pathlib.Path(args.work_dir or tempfile.mkdtemp(prefix="bench-celery-"))
    work.mkdir(parents=True, exist_ok=True)
    segments = project(args.segments)
    results = [in_process(args.kokoro, model_dir, segments, work)]
    results.append(celery_run("celery-1-worker-threads", model_dir, segments, work, 1, "threads"))
    results.append(celery_run("celery-2-workers-threads", model_dir, segments, work, 2, "threads"))
    results.append(celery_run("celery-1-worker-prefork", model_dir, segments, work, 1, "prefork"))
    for r in results:
        r["segments_per_s"] = r["segments"] / r["wall_s"]
        r["rtf"] = r["wall_s"] / r["audio_s"]
        print(f"{r['run']:48} {r['wall_s']:7.1f} s  {r['segments_per_s']:.3f} seg/s  "
              f"RTF {r['rtf']:.3f}  peak RSS {r['peak_rss_mib']}", file=sys.stderr)
    print(json.dumps({"load_avg": os.getloadavg(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
