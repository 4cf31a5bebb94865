"""generate_audio in every language (issue 21): the voice's language by default, lang= overrides it,
the result says which language was spoken, and bad input is an error dict. Spanish needs espeak-ng
(`cargo xtask ci` installs it)."""

from __future__ import annotations

import shutil

import pytest

from kokoro_engine import generate_audio

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


@needs_espeak
def test_a_spanish_voice_speaks_spanish_by_default(model, tmp_path):
    result = generate_audio("Hola, ¿cómo estás? Me llamo Dora.", "ef_dora", 1.0, str(tmp_path / "es.wav"))
    assert result["success"] is True, result
    assert result["lang"] == "es"
    assert result["voice"] == "ef_dora"


def test_a_mandarin_voice_speaks_mandarin_and_lang_overrides(model, tmp_path):
    result = generate_audio("你好，世界。", "zf_xiaobei", 1.0, str(tmp_path / "zh.wav"))
    assert result["success"] is True, result
    assert result["lang"] == "zh"
    result = generate_audio("Hello there.", "zf_xiaobei", 1.0, str(tmp_path / "en.wav"), lang="en-us")
    assert result["success"] is True, result
    assert result["lang"] == "en-us"


def test_english_voices_say_english(model, tmp_path):
    result = generate_audio("Hello world.", "bf_emma", 1.0, str(tmp_path / "gb.wav"))
    assert result["success"] is True, result
    assert result["lang"] == "en-gb"


@pytest.mark.parametrize(
    "text, voice, lang, words",
    [
        ("Hello.", "af_bella", "klingon", "unknown language"),
        ("Hello.", "af_bella", 42, "lang must be a str"),
        ("こんにちは、世界。", "af_bella", None, "Japanese kana"),
        ("Hello 你好", "af_bella", None, "Chinese characters"),
    ],
)
def test_bad_language_input_is_an_error_dict(model, tmp_path, text, voice, lang, words):
    out = tmp_path / "bad.wav"
    result = generate_audio(text, voice, 1.0, str(out), lang=lang)
    assert result["success"] is False, result
    assert words in result["error"], result["error"]
    assert not out.exists()
