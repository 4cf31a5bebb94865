"""normalize_audio, get_audio_duration, validate_audio_file and save_audio_wav (no model needed)."""

from __future__ import annotations

import math
import pathlib
import wave

import numpy as np
import pytest

from kokoro_engine import (
    get_audio_duration,
    normalize_audio,
    save_audio_wav,
    validate_audio_file,
)
from wavutil import read_wav

TARGET = 10 ** (-1.0 / 20)  # 0.8913


def peak(a) -> float:
    return float(np.max(np.abs(a)))


# --- normalization -------------------------------------------------------------------------


def test_known_input_reaches_minus_1_dbfs():
    out = normalize_audio(np.array([0.5, -0.5], dtype=np.float32))
    assert abs(peak(out) - 0.8913) < 1e-4
    assert np.allclose(out, [TARGET, -TARGET], atol=1e-6)


def test_list_input_works():
    assert abs(peak(normalize_audio([0.5, -0.5])) - 0.8913) < 1e-4


def test_silence_stays_silence():
    silence = np.zeros(24000, dtype=np.float32)
    out = normalize_audio(silence)
    assert out.dtype == np.float32
    assert not out.any()
    assert out is not silence


def test_already_normalized_is_unchanged():
    audio = (np.sin(np.linspace(0, 100, 24000)) * TARGET).astype(np.float32)
    audio[100] = TARGET
    out = normalize_audio(audio)
    assert np.allclose(out, audio, atol=1e-6)


def test_quiet_audio_is_scaled_up():
    quiet = np.random.default_rng(1).uniform(-0.001, 0.001, 24000).astype(np.float32)
    out = normalize_audio(quiet)
    assert abs(peak(out) - TARGET) < 1e-6
    assert np.allclose(out / quiet, TARGET / peak(quiet), rtol=1e-4)


def test_clipping_audio_is_scaled_down():
    loud = np.array([1.5, -2.0, 0.25], dtype=np.float32)
    out = normalize_audio(loud)
    assert abs(peak(out) - TARGET) < 1e-6
    assert out[1] < 0 and abs(out[0] / out[1] + 0.75) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_dtype_is_preserved(dtype):
    out = normalize_audio(np.array([0.1, -0.2, 0.05], dtype=dtype))
    assert out.dtype == dtype
    assert abs(peak(out) - TARGET) < (1e-3 if dtype == np.float16 else 1e-6)


def test_input_is_not_modified_and_output_is_new():
    audio = np.random.default_rng(2).normal(0, 0.1, 4800).astype(np.float32)
    before = audio.copy()
    out = normalize_audio(audio)
    assert np.array_equal(audio, before)
    assert not np.shares_memory(out, audio)
    out[0] = 123.0
    assert np.array_equal(audio, before)


def test_shape_is_preserved():
    audio = np.random.default_rng(3).normal(0, 0.1, (2, 100)).astype(np.float32)
    out = normalize_audio(audio)
    assert out.shape == (2, 100)
    assert abs(peak(out) - TARGET) < 1e-6


def test_other_targets():
    out = normalize_audio(np.array([0.5, -0.25]), target_db=-6.0)
    assert abs(peak(out) - 10 ** (-6 / 20)) < 1e-6


@pytest.mark.parametrize("bad", [[0.1, float("nan")], [float("inf"), 0.2]])
def test_non_finite_samples_are_rejected(bad):
    with pytest.raises(ValueError):
        normalize_audio(np.array(bad, dtype=np.float32))


def test_positive_target_is_rejected():
    with pytest.raises(ValueError):
        normalize_audio(np.array([0.5]), target_db=3.0)


# --- duration and validation ---------------------------------------------------------------


def test_duration_of_a_synthetic_file(tmp_path):
    path = save_audio_wav(
        np.random.default_rng(4).normal(0, 0.1, 24000).astype(np.float32), tmp_path / "one.wav", 24000
    )
    assert math.isclose(get_audio_duration(path), 1.0, rel_tol=1e-9)


def test_duration_of_a_pcm16_file_written_by_the_wave_module(tmp_path):
    path = tmp_path / "pcm.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x10\x00" * 8000)
    assert math.isclose(get_audio_duration(str(path)), 0.5, rel_tol=1e-9)
    assert validate_audio_file(str(path)) is True


def test_duration_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        get_audio_duration(str(tmp_path / "missing.wav"))


def test_duration_of_a_corrupt_file_raises_runtime_error(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"this is not audio" * 100)
    with pytest.raises(RuntimeError):
        get_audio_duration(str(path))


def test_validate_a_valid_file(tmp_path):
    path = save_audio_wav(np.full(2400, 0.1, dtype=np.float32), tmp_path / "ok.wav", 24000)
    assert validate_audio_file(path) is True
    assert validate_audio_file(pathlib.Path(path)) is True


def test_validate_a_missing_file(tmp_path):
    assert validate_audio_file(str(tmp_path / "missing.wav")) is False


def test_validate_corrupt_files(tmp_path):
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF\x00\x00garbage" * 10)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    good = save_audio_wav(np.full(24000, 0.1, dtype=np.float32), tmp_path / "good.wav", 24000)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(pathlib.Path(good).read_bytes()[:5000])
    for path in (garbage, empty, truncated):
        assert validate_audio_file(str(path)) is False, path
    assert validate_audio_file(str(tmp_path)) is False  # a directory
    assert validate_audio_file(None) is False


# --- saving -------------------------------------------------------------------------------


def test_save_creates_the_file(tmp_path):
    audio = np.random.default_rng(5).normal(0, 0.1, 12000).astype(np.float32)
    path = tmp_path / "out.wav"
    returned = save_audio_wav(audio, str(path), 24000)
    assert returned == str(path)
    rate, samples = read_wav(path)
    assert rate == 24000
    assert np.array_equal(samples, audio)


def test_save_creates_parent_directories(tmp_path):
    path = tmp_path / "media" / "projects" / "p1" / "audio" / "s1.wav"
    save_audio_wav(np.full(240, 0.2, dtype=np.float32), str(path), 24000)
    assert path.is_file()


def test_save_overwrites(tmp_path):
    path = tmp_path / "again.wav"
    save_audio_wav(np.full(24000, 0.2, dtype=np.float32), path, 24000)
    save_audio_wav(np.full(12000, 0.3, dtype=np.float64), path, 24000)
    assert math.isclose(get_audio_duration(path), 0.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.wav"]


def test_save_keeps_the_sample_rate(tmp_path):
    path = save_audio_wav(np.full(22050, 0.1, dtype=np.float32), tmp_path / "r.wav", 22050)
    assert read_wav(path)[0] == 22050
    assert math.isclose(get_audio_duration(path), 1.0)


@pytest.mark.parametrize(
    "audio, rate",
    [
        (np.zeros(0, dtype=np.float32), 24000),
        (np.array([0.1, float("nan")], dtype=np.float32), 24000),
        (np.zeros((100, 2), dtype=np.float32), 24000),
        (np.full(10, 0.1, dtype=np.float32), 0),
    ],
)
def test_save_rejects_unusable_audio(tmp_path, audio, rate):
    with pytest.raises(ValueError):
        save_audio_wav(audio, tmp_path / "bad.wav", rate)
    assert not (tmp_path / "bad.wav").exists()
