"""Where the engine finds its files from Python: the model directory (configure, KOKORO_MODEL_DIR,
./models, the user's data directory) and the ONNX Runtime library (configure, ORT_DYLIB_PATH, the
onnxruntime package, the model directory), each with why; a package library outside the supported
versions is refused, naming the pip install that fixes it.

The package cases run in a fresh interpreter each (one runtime per process) with a stand-in
`onnxruntime` package first on its path: its capi/ holds a link to the model directory's library,
or an empty file named as an unsupported version."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import kokoro_engine
from kokoro_engine import _runtime


def test_library_names_and_versions():
    assert _runtime.library_version("libonnxruntime.so.1.22.1") == (True, "1.22.1")
    assert _runtime.library_version("libonnxruntime.so") == (True, None)
    assert _runtime.library_version("libonnxruntime.1.22.1.dylib") == (True, "1.22.1")
    assert _runtime.library_version("onnxruntime.dll") == (True, None)
    for other in (
        "libonnxruntime_providers_shared.so",
        "libonnxruntime_providers_cuda.so",
        "onnxruntime_pybind11_state.cpython-311-x86_64-linux-gnu.so",
        "libonnxruntime.so.1.22.1.bak",
    ):
        assert _runtime.library_version(other) == (False, None), other


def test_the_requirement_is_the_engines_range():
    assert kokoro_engine.ONNXRUNTIME_REQUIREMENT == "onnxruntime>=1.21,<2"


def fake_package(root: pathlib.Path, name: str, target: pathlib.Path | None = None) -> pathlib.Path:
    """A stand-in `onnxruntime` package under `root` whose capi/ holds `name` (a link to
    `target`, or an empty file); its __init__ raises, so importing it would fail the test."""
    capi = root / "onnxruntime" / "capi"
    capi.mkdir(parents=True)
    (root / "onnxruntime" / "__init__.py").write_text("raise ImportError('never imported')\n")
    (capi / "libonnxruntime_providers_shared.so").write_bytes(b"")
    library = capi / name
    if target is None:
        library.write_bytes(b"")
    else:
        library.symlink_to(target)
    return library


def model_runtime(model: pathlib.Path) -> pathlib.Path:
    libraries = sorted((model / "onnxruntime").glob("libonnxruntime.so*"))
    if not libraries:
        pytest.skip(f"no ONNX Runtime library in {model}/onnxruntime to stand in for the package")
    return libraries[-1]


def run_python(script: str, path: pathlib.Path, tmp_path, **env) -> dict:
    """Runs `script` in a fresh interpreter with `path` first on sys.path and the engine's
    variables replaced by `env`; returns the JSON of its last line."""
    clean = {k: v for k, v in os.environ.items() if k not in ("ORT_DYLIB_PATH", "KOKORO_MODEL_DIR")}
    clean.update({k: str(v) for k, v in env.items()})
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), clean.get("PYTHONPATH")]))
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


# Loads the model's session (so the runtime library is opened and used); on failure, the error
# of get_session and of generate_audio.
LOAD = """
    import json, sys
    import kokoro_engine as k
    settings = k.configure()
    try:
        info, error = k.KokoroModelLoader.get_model_info(), None
    except Exception as e:
        info, error = {}, [type(e).__name__, str(e), k.generate_audio("Hi.", None, 1.0, "hi.wav")]
    print(json.dumps({
        "settings": settings,
        "loaded": bool(info.get("inputs")),
        "error": error,
        "runtime": info.get("runtime_library"),
        "source": info.get("runtime_source"),
        "imported": "onnxruntime" in sys.modules,
    }))
"""


def test_the_onnxruntime_package_library_is_found_without_importing_it(model, tmp_path):
    library = fake_package(tmp_path / "site", "libonnxruntime.so.1.32.0", model_runtime(model))
    result = run_python(LOAD, tmp_path / "site", tmp_path, KOKORO_MODEL_DIR=model)
    assert result["loaded"] is True, result["error"]
    assert result["settings"]["runtime_source"] == "package"
    assert result["settings"]["runtime_library"] == str(library)
    assert (result["source"], result["runtime"]) == ("package", str(library))
    assert result["imported"] is False


def test_a_package_outside_the_range_is_refused_naming_the_pip_install(model, tmp_path):
    library = fake_package(tmp_path / "site", "libonnxruntime.so.1.20.1")
    result = run_python(LOAD, tmp_path / "site", tmp_path, KOKORO_MODEL_DIR=model)
    assert result["settings"]["runtime_source"] == "package"
    assert result["loaded"] is False
    kind, message, outcome = result["error"]
    assert kind == "RuntimeError"
    assert outcome["success"] is False and outcome["error"] == message
    for part in ("1.20.1", str(library), 'pip install "onnxruntime>=1.21,<2"', "1.21 or newer"):
        assert part in message, (part, message)


def test_ort_dylib_path_and_configure_come_before_the_package(model, tmp_path):
    fake_package(tmp_path / "site", "libonnxruntime.so.1.20.1")
    runtime = model_runtime(model)
    by_env = run_python(LOAD, tmp_path / "site", tmp_path, KOKORO_MODEL_DIR=model, ORT_DYLIB_PATH=runtime)
    assert by_env["loaded"] is True, by_env["error"]
    assert by_env["settings"]["runtime_source"] == "env"
    assert by_env["settings"]["runtime_library"] is None
    assert by_env["runtime"] == str(runtime)
    configured = LOAD.replace(
        "settings = k.configure()", f"settings = k.configure(runtime_library={str(runtime)!r})"
    )
    by_config = run_python(configured, tmp_path / "site", tmp_path, KOKORO_MODEL_DIR=model)
    assert by_config["loaded"] is True, by_config["error"]
    assert (by_config["source"], by_config["runtime"]) == ("config", str(runtime))


def run_without_package(tmp_path, **env) -> dict:
    """LOAD in a fresh interpreter that finds no onnxruntime package."""
    empty = tmp_path / "nothing"
    empty.mkdir()
    script = LOAD.replace(
        "import kokoro_engine as k",
        "import kokoro_engine as k\n    k._native._set_package_runtime(None)",
    )
    return run_python(script, empty, tmp_path, **env)


def test_without_a_package_the_model_directory_library_is_used(model, tmp_path):
    result = run_without_package(tmp_path, KOKORO_MODEL_DIR=model)
    assert result["loaded"] is True, result["error"]
    assert result["source"] == "model_dir_or_system"
    assert result["runtime"] == str(model_runtime(model))


def test_the_model_directory_and_why(tmp_path, monkeypatch):
    explicit = kokoro_engine.configure(model_dir=str(tmp_path / "explicit"))
    assert explicit["model_dir"] == str(tmp_path / "explicit")
    assert explicit["model_dir_source"] == "config"
    assert "configure" in explicit["model_dir_reason"]
    kokoro_engine.configure(model_dir="")
    monkeypatch.setenv("KOKORO_MODEL_DIR", str(tmp_path / "env"))
    by_env = kokoro_engine.configure()
    assert (by_env["model_dir"], by_env["model_dir_source"]) == (str(tmp_path / "env"), "env")
    assert "KOKORO_MODEL_DIR" in by_env["model_dir_reason"]
    monkeypatch.delenv("KOKORO_MODEL_DIR")
    work = tmp_path / "work"
    (work / "models").mkdir(parents=True)
    monkeypatch.chdir(work)
    here = kokoro_engine.configure()
    assert (here["model_dir"], here["model_dir_source"]) == (str(work / "models"), "working_dir")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    user = kokoro_engine.configure()
    assert (user["model_dir"], user["model_dir_source"]) == (str(tmp_path / "data" / "kokoro"), "user_data")
    assert "data directory" in user["model_dir_reason"]


def test_info_says_where_and_why(model, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ORT_DYLIB_PATH"}
    env["KOKORO_MODEL_DIR"] = str(model)
    run = subprocess.run(
        [sys.executable, "-m", "kokoro_engine", "info"], capture_output=True, text=True, timeout=120, env=env
    )
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    assert (info["model_dir"], info["model_dir_source"]) == (str(model), "env")
    assert info["available"] is True
    assert info["onnxruntime_requirement"] == kokoro_engine.ONNXRUNTIME_REQUIREMENT
    env["KOKORO_MODEL_DIR"] = str(tmp_path)
    missing = subprocess.run(
        [sys.executable, "-m", "kokoro_engine", "info"], capture_output=True, text=True, timeout=120, env=env
    )
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["model"].startswith("MISSING")


def test_without_any_runtime_the_error_says_how_python_gets_one(model, tmp_path):
    """No package, no ORT_DYLIB_PATH, a model directory without the library: the error names the
    pip install (the wheel's dependency), besides the model directory's fix."""
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("kokoro-v1.0.int8.onnx", "voices", "config.json", "manifest.json"):
        (bare / name).symlink_to(model / name)
    result = run_without_package(tmp_path, KOKORO_MODEL_DIR=bare)
    assert result["loaded"] is False
    kind, message, outcome = result["error"]
    assert kind == "FileNotFoundError", message
    for text in (message, outcome["error"]):
        assert 'pip install "onnxruntime>=1.21,<2"' in text, text
