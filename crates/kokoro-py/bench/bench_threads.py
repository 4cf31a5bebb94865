#!/usr/bin/env python3
"""Python thread benchmark of kokoro_engine (and kokoro-onnx 0.6.1 on the same model and voice).

Narrates the bench corpus (fixtures/bench/corpus.json, voice af_heart) PASSES times, every segment
one job of a ThreadPoolExecutor, with 1 worker thread and with 4, each configuration in a fresh
process (so that peak RSS is its own). Prints one JSON object on stdout and a table on stderr:
wall time, audio seconds, real-time factor, peak RSS (ru_maxrss), the 4-thread over 1-thread
speed-up, and kokoro_engine against kokoro-onnx.

    cargo xtask bench --python [--iterations N]      # builds the release wheel and both venvs
    python bench_threads.py --model-dir models [--onnx-python target/py-bench-onnx/bin/python]

kokoro-onnx gets the int8 model of the model directory and an NPZ of the same voice packs
(models/voices/<id>.bin, 510 x 1 x 256 float32), built here, since its own files are not
downloadable from the package registries. It writes its WAV with the stdlib, as kokoro_engine does
with wav-store, so both jobs end with a file on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = pathlib.Path(__file__).resolve()
WORKSPACE = HERE.parents[3]


def corpus_jobs(corpus: pathlib.Path, passes: int) -> list[dict]:
    segments = json.loads(corpus.read_text())["segments"]
    return [dict(s, job=f"{p}-{s['id']}") for p in range(passes) for s in segments]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def write_f32_wav(path: str, samples, rate: int) -> None:
    data = samples.astype("<f4").tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, rate, rate * 4, 4, 32)
    with open(path, "wb") as f:
        f.write(header + fmt + b"data" + struct.pack("<I", len(data)) + data)


def engine_worker(args) -> tuple:
    import kokoro_engine

    kokoro_engine.configure(model_dir=args.model_dir)

    def narrate(job: dict, out: str) -> float:
        r = kokoro_engine.generate_audio(job["text"], job.get("voice"), 1.0, out)
        if not r["success"]:
            raise RuntimeError(r["error"])
        return r["duration"]

    return narrate, f"kokoro_engine {kokoro_engine.__version__}"


def onnx_worker(args) -> tuple:
    import numpy as np
    from kokoro_onnx import Kokoro
    import importlib.metadata

    model = pathlib.Path(args.model_dir)
    manifest = json.loads((model / "manifest.json").read_text())
    onnx_path = model / manifest.get("model", "kokoro-v1.0.int8.onnx")
    voices_npz = pathlib.Path(args.work_dir) / "voices-bench.npz"
    jobs = corpus_jobs(pathlib.Path(args.corpus), 1)
    ids = sorted({"af_heart"} | {j.get("voice") or "af_heart" for j in jobs})
    packs = {
        v: np.fromfile(model / "voices" / f"{v}.bin", dtype="<f4").reshape(-1, 1, 256) for v in ids
    }
    np.savez(voices_npz, **packs)
    kokoro = Kokoro(str(onnx_path), str(voices_npz), vocab_config=str(model / "config.json"))
    styles = {v: kokoro.get_voice_style(v) for v in ids}

    def narrate(job: dict, out: str) -> float:
        samples, rate = kokoro.create(job["text"], voice=styles[job.get("voice") or "af_heart"])
        write_f32_wav(out, samples, rate)
        return len(samples) / rate

    return narrate, f"kokoro-onnx {importlib.metadata.version('kokoro-onnx')}"


def run_worker(args) -> None:
    start = time.perf_counter()
    narrate, what = (engine_worker if args.worker == "engine" else onnx_worker)(args)
    out_dir = pathlib.Path(args.work_dir) / f"{args.worker}-{args.threads}"
    out_dir.mkdir(parents=True, exist_ok=True)
    # Warm-up: the model load and the first inference, outside the timing.
    narrate({"text": "Hello world.", "voice": "af_heart"}, str(out_dir / "warmup.wav"))
    load_s = time.perf_counter() - start
    jobs = corpus_jobs(pathlib.Path(args.corpus), args.passes)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        audio = list(pool.map(lambda j: narrate(j, str(out_dir / f"{j['job']}.wav")), jobs))
    wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "impl": what,
                "threads": args.threads,
                "jobs": len(jobs),
                "load_and_first_call_s": round(load_s, 3),
                "wall_s": round(wall, 3),
                "audio_s": round(sum(audio), 3),
                "rtf": round(wall / sum(audio), 4),
                "peak_rss_mib": round(peak_rss_mib(), 1),
            }
        )
    )


def measure(python: str, worker: str, threads: int, args) -> dict:
    cmd = [
        python, str(HERE), "--worker", worker, "--threads", str(threads),
        "--model-dir", args.model_dir, "--corpus", args.corpus,
        "--passes", str(args.passes), "--work-dir", args.work_dir,
    ]  # fmt: skip
    print(f"bench: {worker} x {threads} thread(s) ...", file=sys.stderr, flush=True)
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        return {"error": (run.stderr.strip().splitlines() or ["failed"])[-1], "threads": threads}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model-dir", default=os.environ.get("KOKORO_MODEL_DIR", str(WORKSPACE / "models")))
    p.add_argument("--corpus", default=str(WORKSPACE / "fixtures" / "bench" / "corpus.json"))
    p.add_argument("--passes", type=int, default=3, help="times the corpus is narrated")
    p.add_argument("--threads", type=int, default=4, help="the multi-threaded configuration")
    p.add_argument("--work-dir", default=str(WORKSPACE / "target" / "bench" / "python"))
    p.add_argument("--onnx-python", help="a Python with kokoro-onnx==0.6.1 installed")
    p.add_argument("--worker", choices=["engine", "onnx"], help=argparse.SUPPRESS)
    args = p.parse_args()
    pathlib.Path(args.work_dir).mkdir(parents=True, exist_ok=True)
    if args.worker:
        return run_worker(args)

    report = {"cpus": os.cpu_count(), "passes": args.passes}
    report["engine_1"] = measure(sys.executable, "engine", 1, args)
    report["engine_n"] = measure(sys.executable, "engine", args.threads, args)
    if args.onnx_python:
        report["onnx_1"] = measure(args.onnx_python, "onnx", 1, args)
        report["onnx_n"] = measure(args.onnx_python, "onnx", args.threads, args)

    def ratio(a: str, b: str):
        wa, wb = report.get(a, {}).get("wall_s"), report.get(b, {}).get("wall_s")
        return round(wa / wb, 3) if wa and wb else None

    report["ratios"] = {
        f"engine_speedup_{args.threads}_threads": ratio("engine_1", "engine_n"),
        f"onnx_speedup_{args.threads}_threads": ratio("onnx_1", "onnx_n"),
        "onnx_over_engine_wall_1_thread": ratio("onnx_1", "engine_1"),
        f"onnx_over_engine_wall_{args.threads}_threads": ratio("onnx_n", "engine_n"),
    }
    print(json.dumps(report))
    print(f"\n{'configuration':<34}{'wall s':>9}{'audio s':>9}{'RTF':>8}{'peak RSS MiB':>14}", file=sys.stderr)
    for key in ("engine_1", "engine_n", "onnx_1", "onnx_n"):
        r = report.get(key)
        if r is None:
            continue
        name = f"{r.get('impl', key)} x{r['threads']}"
        if "error" in r:
            print(f"{name:<34} FAILED: {r['error']}", file=sys.stderr)
            continue
        print(f"{name:<34}{r['wall_s']:>9.2f}{r['audio_s']:>9.2f}{r['rtf']:>8.3f}{r['peak_rss_mib']:>14.0f}", file=sys.stderr)
    for k, v in report["ratios"].items():
        print(f"{k:<44}{v if v is not None else '-':>10}", file=sys.stderr)


if __name__ == "__main__":
    main()
