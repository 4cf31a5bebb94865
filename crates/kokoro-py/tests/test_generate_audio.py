"""generate_audio on the real model: the spec's dicts, the WAV on disk, errors, overwriting,
speed clamping, voice fallback, threads and the GIL."""

from __future__ import annotations

import inspect
import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import kokoro_engine
from kokoro_engine import (
    construct_audio_path,
    generate_audio,
    get_audio_duration,
    validate_audio_file,
    validate_voice_id,
)
from wavutil import read_wav

TEXT = "Hello world."
SPEC_KEYS = {"success", "audio_path", "duration", "sample_rate"}


def assert_error_dict(result):
    assert isinstance(result, dict)
    assert result["success"] is False
    assert isinstance(result["error"], str) and result["error"]
    assert "audio_path" not in result


def test_signature_and_docstring_follow_the_spec():
    sig = inspect.signature(generate_audio)
    assert list(sig.parameters) == [
        "text",
        "voice_id",
        "speed",
        "output_path",
        "lang",
        "word_timings",
        "captions",
    ]
    assert sig.parameters["lang"].default is None
    assert sig.parameters["word_timings"].default is False
    assert sig.parameters["captions"].default is None
    assert sig.parameters["voice_id"].default == "af_bella"
    assert sig.parameters["speed"].default == 1.0
    assert sig.parameters["output_path"].default is None
    assert "Generate a .wav audio file from text using Kokoro-82M." in generate_audio.__doc__
    assert '"success": False' in generate_audio.__doc__


def test_success_dict_and_valid_wav(model, tmp_path):
    out = tmp_path / "hello.wav"
    result = generate_audio(TEXT, "af_bella", 1.0, str(out))
    assert result["success"] is True, result
    assert SPEC_KEYS <= set(result)
    assert result["audio_path"] == str(out)
    assert isinstance(result["duration"], float) and 0.3 < result["duration"] < 10
    assert result["sample_rate"] == 24000
    assert result["voice"] == "af_bella"
    # A valid WAV on disk: header, rate, duration, peak at -1 dBFS.
    assert out.exists()
    assert validate_audio_file(str(out)) is True
    assert math.isclose(get_audio_duration(str(out)), result["duration"], rel_tol=1e-9)
    rate, samples = read_wav(out)
    assert rate == 24000
    assert math.isclose(len(samples) / rate, result["duration"], rel_tol=1e-9)
    assert abs(float(abs(samples).max()) - 0.8913) < 1e-3


def test_keyword_arguments_and_pathlike_output(model, tmp_path):
    out = tmp_path / "kw.wav"
    result = generate_audio(text="Good morning.", output_path=out)
    assert result["success"] is True, result
    assert result["audio_path"] == str(out)
    assert result["voice"] == "af_bella"


def test_segment_path_directories_are_created(model, tmp_path):
    kokoro_engine.configure(media_root=str(tmp_path / "media"))
    path = construct_audio_path("a1b2c3d4", "e5f6g7h8")
    result = generate_audio(TEXT, output_path=path)
    assert result["success"] is True, result
    assert os.path.isfile(tmp_path / "media" / "projects" / "a1b2c3d4" / "audio" / "e5f6g7h8.wav")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_returns_error_dict(model, tmp_path, text):
    out = tmp_path / "empty.wav"
    result = generate_audio(text, output_path=str(out))
    assert_error_dict(result)
    assert "empty" in result["error"]
    assert not out.exists()


def test_missing_output_path_returns_error_dict(model):
    assert_error_dict(generate_audio(TEXT))


@pytest.mark.parametrize("bad", [None, 42, b"bytes"])
def test_non_string_text_returns_error_dict(tmp_path, bad):
    assert_error_dict(generate_audio(bad, output_path=str(tmp_path / "x.wav")))


@pytest.mark.parametrize("speed", ["fast", [1.0], float("nan"), float("inf")])
def test_unusable_speed_returns_error_dict(model, tmp_path, speed):
    assert_error_dict(generate_audio(TEXT, speed=speed, output_path=str(tmp_path / "s.wav")))


def test_missing_model_returns_error_dict(no_model, tmp_path):
    out = tmp_path / "nomodel.wav"
    result = generate_audio(TEXT, "af_bella", 1.0, str(out))
    assert_error_dict(result)
    assert "fetch-model" in result["error"], result["error"]
    assert not out.exists()


def test_regeneration_overwrites_the_file(model, tmp_path):
    out = tmp_path / "segment.wav"
    first = generate_audio("Short.", output_path=str(out))
    assert first["success"] is True, first
    second = generate_audio(
        "A much longer sentence, which takes clearly more time to say.", output_path=str(out)
    )
    assert second["success"] is True, second
    assert second["duration"] > first["duration"]
    assert math.isclose(get_audio_duration(str(out)), second["duration"], rel_tol=1e-9)
    # Atomic replacement leaves no temporary files behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segment.wav"]


def test_speed_is_clamped(model, tmp_path):
    def duration(speed):
        r = generate_audio(TEXT, "af_bella", speed, str(tmp_path / f"speed-{speed}.wav"))
        assert r["success"] is True, r
        return r["duration"]

    fastest, too_fast = duration(2.0), duration(10.0)
    slowest, too_slow = duration(0.5), duration(0.01)
    assert math.isclose(too_fast, fastest, rel_tol=0.02)
    assert math.isclose(too_slow, slowest, rel_tol=0.02)
    assert slowest > 2 * fastest


@pytest.mark.parametrize(
    "voice, used",
    [
        ("am_adam", "am_adam"),
        ("bf_emma", "bf_emma"),
        ("not_a_voice", "af_bella"),
        ("", "af_bella"),
        (None, "af_bella"),
    ],
)
def test_voice_fallback_in_generate_audio(model, tmp_path, voice, used):
    result = generate_audio(TEXT, voice, 1.0, str(tmp_path / "v.wav"))
    assert result["success"] is True, result
    assert result["voice"] == used


@pytest.mark.parametrize(
    "voice, expected",
    [
        ("af_bella", "af_bella"),
        ("am_adam", "am_adam"),
        ("bm_george", "bm_george"),
        ("af_heart", "af_heart"),
        ("not_a_voice", "af_bella"),
        ("", "af_bella"),
        (None, "af_bella"),
        (42, "af_bella"),
    ],
)
def test_validate_voice_id(model, voice, expected):
    assert validate_voice_id(voice) == expected


@pytest.mark.parametrize(
    "voice, expected",
    [("am_adam", "am_adam"), ("af_bella", "af_bella"), ("nope", "af_bella"), (None, "af_bella")],
)
def test_validate_voice_id_without_the_model(no_model, voice, expected):
    assert validate_voice_id(voice) == expected


class Unprintable:
    def __str__(self):
        raise RuntimeError("no str() for this object")


def test_an_unprintable_voice_falls_back_without_raising(model, tmp_path):
    result = generate_audio(TEXT, Unprintable(), 1.0, str(tmp_path / "u.wav"))
    assert result["success"] is True, result
    assert result["voice"] == "af_bella"
    assert validate_voice_id(Unprintable()) == "af_bella"


def test_threads_generate_at_once(model, tmp_path):
    texts = [f"Segment {n}." for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda i: generate_audio(texts[i], output_path=str(tmp_path / f"{i}.wav")),
                     range(len(texts)))
        )
    assert all(r["success"] for r in results), results
    assert all(validate_audio_file(r["audio_path"]) for r in results)


def test_generate_audio_releases_the_gil(model, tmp_path):
    """While one thread synthesizes, the main thread keeps running Python code."""
    generate_audio(TEXT, output_path=str(tmp_path / "warm.wav"))  # load outside the timing
    text = "The lamp turned, its beam swept across the water, and a small boat turned home."
    worker = threading.Thread(
        target=generate_audio, args=(text,), kwargs={"output_path": str(tmp_path / "gil.wav")}
    )
    start = time.perf_counter()
    worker.start()
    last, longest_pause = time.perf_counter(), 0.0
    while worker.is_alive():
        now = time.perf_counter()
        longest_pause = max(longest_pause, now - last)
        last = now
    elapsed = time.perf_counter() - start
    assert elapsed > 0.3, "generation too short to tell"
    assert longest_pause < elapsed / 2, (longest_pause, elapsed)


def test_the_engine_stops_its_background_work_and_goes_on(model, tmp_path):
    """`_stop_background` (registered with atexit) waits for the engine's threads; it stays usable."""
    first = generate_audio(TEXT, output_path=str(tmp_path / "a.wav"))
    assert first["success"], first
    kokoro_engine._native._stop_background()
    again = generate_audio(TEXT, output_path=str(tmp_path / "b.wav"))
    assert again["success"], again
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


def test_an_interpreter_that_exits_right_after_opening_the_engine_exits_cleanly(model):
    """The session still loading in the background is waited for at exit (no crash in teardown)."""
    import subprocess
    import sys

    code = (
        "import kokoro_engine\n"
        f"kokoro_engine.configure(model_dir={str(model)!r})\n"
        "kokoro_engine._native._open_engine()\n"
    )
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
