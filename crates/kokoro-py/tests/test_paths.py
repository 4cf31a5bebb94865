"""construct_audio_path and construct_audio_url: the deterministic layout, settings, invalid ids."""

from __future__ import annotations

import os
import uuid

import pytest

import kokoro_engine
from kokoro_engine import construct_audio_path, construct_audio_url

INVALID_IDS = ["", ".", "..", "../etc", "a/b", "a\\b", ".hidden", "has space", "naïve", "x" * 129]


def test_path_follows_the_convention(tmp_path):
    kokoro_engine.configure(media_root=str(tmp_path))
    assert construct_audio_path("a1b2c3d4", "e5f6g7h8") == os.path.join(
        str(tmp_path), "projects", "a1b2c3d4", "audio", "e5f6g7h8.wav"
    )


def test_url_follows_the_convention():
    kokoro_engine.configure(media_url="/media/")
    assert construct_audio_url("a1b2c3d4", "e5f6g7h8") == "/media/projects/a1b2c3d4/audio/e5f6g7h8.wav"


def test_url_without_trailing_slash_gets_exactly_one():
    kokoro_engine.configure(media_url="https://cdn.example.com/media")
    assert (
        construct_audio_url("p", "s") == "https://cdn.example.com/media/projects/p/audio/s.wav"
    )


def test_uuids_are_accepted(tmp_path):
    kokoro_engine.configure(media_root=str(tmp_path), media_url="/media/")
    p, s = uuid.uuid4(), uuid.uuid4()
    assert construct_audio_path(p, s).endswith(f"projects/{p}/audio/{s}.wav")
    assert construct_audio_url(p, s) == f"/media/projects/{p}/audio/{s}.wav"


def test_environment_is_used_without_configure(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "env-media"))
    monkeypatch.setenv("MEDIA_URL", "/static/media/")
    assert construct_audio_path("p", "s") == os.path.join(
        str(tmp_path / "env-media"), "projects", "p", "audio", "s.wav"
    )
    assert construct_audio_url("p", "s") == "/static/media/projects/p/audio/s.wav"


def test_defaults_without_environment(monkeypatch):
    monkeypatch.delenv("MEDIA_ROOT", raising=False)
    monkeypatch.delenv("MEDIA_URL", raising=False)
    assert construct_audio_path("p", "s") == os.path.join("media", "projects", "p", "audio", "s.wav")
    assert construct_audio_url("p", "s") == "/media/projects/p/audio/s.wav"


def test_configure_overrides_the_environment_and_empty_restores_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDIA_URL", "/env/")
    settings = kokoro_engine.configure(media_url="/explicit/")
    assert settings["media_url"] == "/explicit/"
    assert construct_audio_url("p", "s").startswith("/explicit/projects/")
    kokoro_engine.configure(media_url="")
    assert construct_audio_url("p", "s").startswith("/env/projects/")


def test_configure_reports_the_settings(tmp_path):
    settings = kokoro_engine.configure(model_dir=str(tmp_path), media_root=str(tmp_path / "m"))
    assert settings["model_dir"] == str(tmp_path)
    assert settings["media_root"] == str(tmp_path / "m")
    assert settings["model_dir_source"] == "config"
    assert set(settings) == {
        "model_dir",
        "model_dir_source",
        "model_dir_reason",
        "runtime_library",
        "runtime_source",
        "media_root",
        "media_url",
    }


@pytest.mark.parametrize("bad", INVALID_IDS)
def test_invalid_project_id_raises_value_error(bad):
    with pytest.raises(ValueError):
        construct_audio_path(bad, "segment")
    with pytest.raises(ValueError):
        construct_audio_url(bad, "segment")


@pytest.mark.parametrize("bad", INVALID_IDS)
def test_invalid_segment_id_raises_value_error(bad):
    with pytest.raises(ValueError):
        construct_audio_path("project", bad)
    with pytest.raises(ValueError):
        construct_audio_url("project", bad)
