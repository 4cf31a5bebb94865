"""KokoroModelLoader: with and without the model, singleton, thread safety, model info."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from kokoro_engine import KokoroModelLoader, KokoroSession


def test_is_model_available_true_with_the_model(model):
    assert KokoroModelLoader.is_model_available() is True


def test_is_model_available_false_without_the_model(no_model):
    assert KokoroModelLoader.is_model_available() is False


def test_is_model_available_loads_nothing(no_model):
    before = KokoroModelLoader.load_count()
    for _ in range(100):
        KokoroModelLoader.is_model_available()
    assert KokoroModelLoader.load_count() == before


def test_get_session_returns_a_session(model):
    session = KokoroModelLoader.get_session()
    assert isinstance(session, KokoroSession)
    assert session.model_path.endswith(".onnx")
    assert session.sample_rate == 24000


def test_get_session_is_a_singleton(model):
    first = KokoroModelLoader.get_session()
    loads = KokoroModelLoader.load_count()
    assert KokoroModelLoader.get_session() is first
    assert KokoroModelLoader.load_count() == loads


def test_get_session_raises_file_not_found_without_the_model(no_model):
    with pytest.raises(FileNotFoundError) as err:
        KokoroModelLoader.get_session()
    # Actionable: says where it looked and what to run.
    assert str(no_model) in str(err.value)
    assert "fetch-model" in str(err.value)


def test_get_model_info_raises_file_not_found_without_the_model(no_model):
    with pytest.raises(FileNotFoundError):
        KokoroModelLoader.get_model_info()


def test_get_model_info_describes_inputs_and_outputs(model):
    info = KokoroModelLoader.get_model_info()
    assert info["model_path"].endswith(".onnx")
    assert os.path.exists(info["model_path"])
    assert info["sample_rate"] == 24000
    names = {i["name"] for i in info["inputs"]}
    assert {"style", "speed"} <= names
    assert names & {"tokens", "input_ids"}
    assert info["outputs"], "no outputs"
    for tensor in info["inputs"] + info["outputs"]:
        assert set(tensor) == {"name", "shape", "type"}
        assert isinstance(tensor["shape"], list)


def test_get_session_from_8_threads_loads_once(model):
    """In a fresh interpreter, 8 threads released at once by a barrier all get the same session,
    and the process loaded exactly one ONNX session."""
    script = textwrap.dedent(
        """
        import json, threading
        import kokoro_engine
        from kokoro_engine import KokoroModelLoader
        kokoro_engine.configure(model_dir=MODEL_DIR)
        barrier = threading.Barrier(8)
        sessions, errors = [None] * 8, []
        def worker(i):
            barrier.wait()
            try:
                sessions[i] = KokoroModelLoader.get_session()
            except Exception as e:
                errors.append(repr(e))
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps({
            "errors": errors,
            "distinct_objects": len({id(s) for s in sessions}),
            "loads": KokoroModelLoader.load_count(),
        }))
        """
    ).replace("MODEL_DIR", repr(str(model)))
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {"errors": [], "distinct_objects": 1, "loads": 1}
