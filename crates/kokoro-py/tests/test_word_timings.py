"""Word timings and captions through generate_audio, on the real model: the "words" list, the
caption files next to the WAV, parsed by a real WebVTT/SRT parser (webvtt-py)."""

from __future__ import annotations

import pathlib

import pytest
import webvtt

from kokoro_engine import generate_audio

TEXT = (
    "Mia paid $214 for the old map of the harbor. Then, at 6:15, she left quietly, "
    "and nobody saw her go."
)


def seconds(timestamp: str) -> float:
    """`hh:mm:ss.mmm` (webvtt-py's own `*_in_seconds` round down to whole seconds)."""
    hours, minutes, rest = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def test_words_come_back_in_order_inside_the_file(model, tmp_path):
    out = tmp_path / "s1.wav"
    result = generate_audio(TEXT, "af_bella", 1.0, str(out), word_timings=True)
    assert result["success"], result
    words = result["words"]
    assert [w["text"] for w in words][:4] == ["Mia", "paid", "$214", "for"]
    assert "6:15" in [w["text"] for w in words]
    previous = 0.0
    for w in words:
        assert set(w) == {"text", "start", "end"}
        assert previous <= w["start"] < w["end"] <= result["duration"]
        previous = w["end"]
    assert "captions_path" not in result


def test_no_words_unless_asked(model, tmp_path):
    result = generate_audio("Hello world.", "af_bella", 1.0, str(tmp_path / "a.wav"))
    assert result["success"], result
    assert "words" not in result and "captions_path" not in result


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_captions_are_written_next_to_the_wav_and_parse(model, tmp_path, fmt):
    out = tmp_path / "projects" / "p1" / "audio" / "s1.wav"
    result = generate_audio(TEXT, "bf_emma", 1.1, str(out), captions=fmt)
    assert result["success"], result
    path = pathlib.Path(result["captions_path"])
    assert path == out.with_suffix("." + fmt)
    assert "words" not in result, "captions alone do not return the words"
    captions = webvtt.read(str(path)) if fmt == "vtt" else webvtt.from_srt(str(path))
    assert len(captions) >= 1
    end = 0.0
    for caption in captions:
        lines = caption.text.splitlines()
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= 42 for line in lines)
        start, stop = seconds(caption.start), seconds(caption.end)
        assert end <= start < stop <= result["duration"] + 0.001
        assert stop - start <= 7.0
        end = stop
    shown = " ".join(c.text.replace("\n", " ") for c in captions)
    assert shown == TEXT


def test_bad_captions_are_an_error_dict(model, tmp_path):
    result = generate_audio("Hi.", "af_bella", 1.0, str(tmp_path / "a.wav"), captions="ass")
    assert result["success"] is False and "vtt" in result["error"]


def test_chinese_words_and_fast_words_have_length(model, tmp_path):
    """A Chinese sentence gives jieba's words, each as written, and captions without spaces put
    between them; at speed 2.0 every word still lasts at least a frame (25 ms)."""
    text = "孩子们跑到海边去看船。"
    out = tmp_path / "zh.wav"
    result = generate_audio(text, "zf_xiaobei", 1.0, str(out), word_timings=True, captions="vtt")
    assert result["success"], result
    words = result["words"]
    assert len(words) >= 5, words
    assert "".join(w["text"] for w in words) == text.rstrip("。")
    shown = "".join(c.text.replace("\n", "") for c in webvtt.read(result["captions_path"]))
    assert shown == text
    fast = generate_audio(
        "At this speed every word must still land inside the file.",
        "af_heart",
        2.0,
        str(tmp_path / "fast.wav"),
        word_timings=True,
    )
    assert fast["success"], fast
    for spoken in (words, fast["words"]):
        previous = None
        for w in spoken:
            assert w["end"] - w["start"] >= 0.025 - 2e-6, w
            if previous is not None:
                assert previous["start"] < w["start"] and previous["end"] <= w["start"] + 1e-9
            previous = w
