"""The package itself: what it exports, its docstrings (help()) and its type stubs."""

from __future__ import annotations

import inspect
import pathlib

import kokoro_engine


def test_everything_in_all_is_exported():
    for name in kokoro_engine.__all__:
        assert hasattr(kokoro_engine, name), name


def test_constants():
    assert kokoro_engine.DEFAULT_VOICE_ID == "af_bella"
    assert kokoro_engine.SAMPLE_RATE == 24000
    assert (kokoro_engine.MIN_SPEED, kokoro_engine.MAX_SPEED) == (0.5, 2.0)
    assert kokoro_engine.__version__


def test_docstrings_read_like_the_spec():
    expected = {
        "generate_audio": "Generate a .wav audio file from text using Kokoro-82M.",
        "normalize_audio": "Peak normalize an audio array to the target dB level.",
        "get_audio_duration": "Get the duration of a .wav file in seconds.",
        "validate_audio_file": "Check if a .wav file is valid and readable.",
        "save_audio_wav": "Save a float32 audio array as a .wav file.",
        "construct_audio_path": "Construct the absolute file path for a segment's audio file.",
        "construct_audio_url": "Construct the URL path (relative to MEDIA_URL) for a segment's audio file.",
        "validate_voice_id": "Validate a voice ID.",
    }
    for name, first_line in expected.items():
        doc = inspect.getdoc(getattr(kokoro_engine, name))
        assert doc and first_line in doc, (name, doc)
    loader = kokoro_engine.KokoroModelLoader
    assert "FileNotFoundError" in inspect.getdoc(loader.get_session)
    assert "without loading" in inspect.getdoc(loader.is_model_available)
    assert "input/output metadata" in inspect.getdoc(loader.get_model_info)


def test_signatures_are_introspectable():
    for name in ("generate_audio", "get_audio_duration", "construct_audio_path", "configure"):
        inspect.signature(getattr(kokoro_engine, name))


def test_stubs_and_py_typed_ship_with_the_package():
    package = pathlib.Path(kokoro_engine.__file__).parent
    assert (package / "py.typed").exists()
    stubs = (package / "__init__.pyi").read_text()
    for name in kokoro_engine.__all__:
        if name != "__version__":
            assert name in stubs, name


def declared_requirements():
    """The installed wheel's declared requirements (its METADATA, made from pyproject.toml)."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    return [Requirement(r) for r in requires("kokoro-engine") or []]


def test_the_wheel_requires_onnxruntime_in_the_engines_range():
    from packaging.requirements import Requirement

    engine = Requirement(kokoro_engine.ONNXRUNTIME_REQUIREMENT)
    declared = [r for r in declared_requirements() if r.name == "onnxruntime"]
    assert len(declared) == 1, declared
    assert declared[0].marker is None, "onnxruntime is a plain dependency, not an extra's"
    assert declared[0].specifier == engine.specifier, (str(declared[0]), str(engine))


def test_the_celery_extra_brings_kombus_redis_transport():
    """kombu's Redis transport imports `packaging`, which only kombu's own `redis` extra brings:
    the extra asks for celery[redis], so that a worker installed with it can start."""
    celery = [
        r
        for r in declared_requirements()
        if r.name == "celery" and r.marker is not None and r.marker.evaluate({"extra": "celery"})
    ]
    assert len(celery) == 1, celery
    assert "redis" in celery[0].extras, str(celery[0])


def test_fetch_model_is_documented():
    doc = inspect.getdoc(kokoro_engine.fetch_model)
    for part in ("Download the Kokoro model files", "with_ja", "FetchError", "onnxruntime package"):
        assert part in doc, part
    assert issubclass(kokoro_engine.FetchError, RuntimeError)
    assert "attempts" in inspect.getdoc(kokoro_engine.FetchError)
