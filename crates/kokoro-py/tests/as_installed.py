"""The wheel as a user installs it: run by `cargo xtask ci` (step "as installed", `cargo xtask
check-wheel`) in a fresh venv holding nothing but the wheel and the dependencies it declares, with no
Rust toolchain on PATH, after `python -m kokoro_engine fetch-model --dir MODELS`. Not a pytest
module (pytest is not installed there): it imports only the wheel's dependencies, and for `celery`
the extra's.

    python as_installed.py narrate MODELS WORK   # one segment, word timings and WebVTT captions
    python as_installed.py celery MODELS WORK    # after pip install "WHEEL[celery]": one task
                                                 # through a real worker on a real redis-server

Each prints what it checked and exits non-zero on the first thing that is wrong.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import time


def check(condition, what: str) -> None:
    if not condition:
        raise SystemExit(f"as-installed check failed: {what}")


def no_rust_toolchain() -> None:
    for tool in ("cargo", "rustc", "rustup", "maturin"):
        check(shutil.which(tool) is None, f"{tool} is on PATH ({shutil.which(tool)})")


def narrate(models: pathlib.Path, work: pathlib.Path) -> None:
    import kokoro_engine
    from wavutil import read_wav

    no_rust_toolchain()
    package = pathlib.Path(kokoro_engine.__file__).parent
    check("site-packages" in str(package), f"kokoro_engine is imported from {package}, not the venv")
    settings = kokoro_engine.configure(model_dir=str(models))
    check(settings["runtime_source"] == "package", f"the runtime is not the onnxruntime package's: {settings}")
    check(kokoro_engine.KokoroModelLoader.is_model_available(), f"the model in {models} is not usable")
    wav = work / "projects" / "p1" / "audio" / "s1.wav"
    started = time.monotonic()
    out = kokoro_engine.generate_audio(
        "Hello from the installed wheel. It speaks, times its words and writes captions.",
        "af_bella",
        1.0,
        str(wav),
        word_timings=True,
        captions="vtt",
    )
    elapsed = time.monotonic() - started
    check(out.get("success") is True, f"generate_audio failed: {out}")
    rate, samples = read_wav(wav)
    check(rate == 24000 and len(samples) > rate, f"{wav}: {len(samples)} samples at {rate} Hz")
    check(abs(len(samples) / rate - out["duration"]) < 0.01, "the duration is not the file's")
    words = out.get("words") or []
    check(len(words) >= 10 and words[0]["text"] == "Hello", f"word timings: {words[:3]}")
    check(all(0 <= w["start"] <= w["end"] <= out["duration"] + 1e-3 for w in words), "word times")
    vtt = pathlib.Path(out["captions_path"])
    check(vtt == wav.with_suffix(".vtt") and vtt.read_text().startswith("WEBVTT"), f"captions {vtt}")
    info = kokoro_engine.KokoroModelLoader.get_model_info()
    runtime = info["runtime_library"] or ""
    check("onnxruntime" in runtime and "capi" in runtime, f"runtime library {runtime}")
    print(
        f"as installed: {out['duration']:.2f} s of audio, {len(words)} words, {vtt.name}, "
        f"runtime {runtime}, first generate_audio {elapsed:.1f} s"
    )


def celery(models: pathlib.Path, work: pathlib.Path) -> None:
    import celery_cluster

    no_rust_toolchain()
    check(celery_cluster.REDIS_SERVER is not None, "no redis-server on PATH (apt-get install redis-server)")
    cluster = celery_cluster.Cluster(work / "celery", models)
    try:
        cluster.start(workers=1)
        result = cluster.send("narrate_segment", "p1", "s1", "One task through a real worker.", "af_bella", 1.0)
        outcome = cluster.wait(result, timeout=300)
        check(outcome.get("success") is True, f"the task failed: {outcome}")
        wav = cluster.project_dir("p1") / "s1.wav"
        check(wav.is_file() and outcome["audio_url"] == "/media/projects/p1/audio/s1.wav", f"{outcome}")
        print(f"as installed: a celery worker narrated {wav} ({outcome['duration']:.2f} s)")
    except BaseException:
        print(cluster.logs_text()[-4000:], file=sys.stderr)
        raise
    finally:
        cluster.close()


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] not in ("narrate", "celery"):
        print(__doc__, file=sys.stderr)
        return 2
    command, models, work = argv[1], pathlib.Path(argv[2]), pathlib.Path(argv[3])
    work.mkdir(parents=True, exist_ok=True)
    (narrate if command == "narrate" else celery)(models, work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
