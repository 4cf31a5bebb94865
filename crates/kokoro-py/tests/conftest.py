"""Shared fixtures of the kokoro_engine tests.

They run against the installed wheel (`cargo xtask ci` builds it and installs it into
target/py-venv) and the real model: KOKORO_MODEL_DIR, else <workspace>/models. Without the model
every test that needs it is SKIPPED, loudly (a banner at the start and the end of the run), unless
KOKORO_REQUIRE_MODEL=1 (set by `cargo xtask ci`), in which case it fails.
"""

from __future__ import annotations

import os
import pathlib

import pytest

import kokoro_engine

WORKSPACE = pathlib.Path(__file__).resolve().parents[3]
MODEL_DIR = pathlib.Path(os.environ.get("KOKORO_MODEL_DIR") or WORKSPACE / "models")
REQUIRE_MODEL = os.environ.get("KOKORO_REQUIRE_MODEL") == "1"

_BANNER = (
    "\n" + "=" * 78 + "\n"
    f"SKIPPED: kokoro_engine real-model tests: no usable model in {MODEL_DIR}\n"
    "Run `cargo xtask fetch-model` (or set KOKORO_MODEL_DIR); `cargo xtask ci` requires it.\n"
    + "=" * 78
)


def _model_available() -> bool:
    kokoro_engine.configure(model_dir=str(MODEL_DIR))
    return kokoro_engine.KokoroModelLoader.is_model_available()


def pytest_report_header(config):
    state = "available" if _model_available() else "MISSING"
    return [f"kokoro_engine {kokoro_engine.__version__}; model dir {MODEL_DIR}: {state}"]


def pytest_terminal_summary(terminalreporter):
    if not _model_available():
        terminalreporter.write_line(_BANNER, red=True, bold=True)


@pytest.fixture(autouse=True)
def default_settings():
    """Every test starts (and ends) with the real model directory and the environment's media."""
    kokoro_engine.configure(model_dir=str(MODEL_DIR), media_root="", media_url="")
    yield
    kokoro_engine.configure(model_dir=str(MODEL_DIR), media_root="", media_url="")


def require_model() -> pathlib.Path:
    """The real model directory, configured; skips loudly (or fails under KOKORO_REQUIRE_MODEL=1)
    without it. For fixtures of a wider scope than `model`'s."""
    if not _model_available():
        if REQUIRE_MODEL:
            pytest.fail(f"KOKORO_REQUIRE_MODEL=1 but there is no usable model in {MODEL_DIR}")
        print(_BANNER)
        pytest.skip(f"no model in {MODEL_DIR}: run `cargo xtask fetch-model`")
    return MODEL_DIR


@pytest.fixture
def model():
    """The real model directory; skips loudly (or fails under KOKORO_REQUIRE_MODEL=1) without it."""
    return require_model()


@pytest.fixture
def no_model(tmp_path):
    """A configured model directory that holds nothing."""
    empty = tmp_path / "no-model"
    empty.mkdir()
    kokoro_engine.configure(model_dir=str(empty))
    return empty
