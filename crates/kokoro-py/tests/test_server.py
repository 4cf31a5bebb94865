"""`kokoro serve` with real clients: the official `openai` package and curl, on the real model.

The server is the `kokoro` binary the workspace built (KOKORO_BIN, else target/debug/kokoro);
without it, or without the model, the tests skip loudly (fail under KOKORO_REQUIRE_MODEL=1). Every
answer's audio is decoded (soundfile's libsndfile for mp3, the stdlib's wave for wav) and its
length checked, not only its status. Traffic goes to 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
import subprocess
import time
import urllib.error
import urllib.request
import wave

import pytest

# Not from conftest: this module needs no kokoro_engine (it runs with --noconftest too).
WORKSPACE = pathlib.Path(__file__).resolve().parents[3]
MODEL_DIR = pathlib.Path(os.environ.get("KOKORO_MODEL_DIR") or WORKSPACE / "models")
REQUIRE_MODEL = os.environ.get("KOKORO_REQUIRE_MODEL") == "1"

openai = pytest.importorskip("openai")
soundfile = pytest.importorskip("soundfile")

TEXT = "The lighthouse keeper climbed the stairs at dusk."
READY_WITHIN_S = 120


def _binary() -> pathlib.Path | None:
    given = os.environ.get("KOKORO_BIN")
    path = pathlib.Path(given).resolve() if given else WORKSPACE / "target" / "debug" / "kokoro"
    return path if path.is_file() else None


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A `kokoro serve --port 0` on the real model, ready; stopped (SIGTERM) after the module."""
    binary = _binary()
    reason = None
    if binary is None:
        reason = "no kokoro binary: build it (cargo build -p kokoro-engine-cli) or set KOKORO_BIN"
    elif not (MODEL_DIR / "manifest.json").is_file():
        reason = f"no model in {MODEL_DIR}: run `cargo xtask fetch-model`"
    if reason:
        if REQUIRE_MODEL:
            pytest.fail(f"KOKORO_REQUIRE_MODEL=1 but {reason}")
        print("\n" + "=" * 78 + f"\nSKIPPED: kokoro serve tests: {reason}\n" + "=" * 78)
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("serve")
    proc = subprocess.Popen(
        [str(binary), "--model-dir", str(MODEL_DIR), "serve", "--port", "0", "--max-queue", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("kokoro serve: listening on http://"), (line, proc.stderr.read())
        base = line.strip().rsplit(" ", 1)[-1]
        deadline = time.monotonic() + READY_WITHIN_S
        while True:
            status, body = _get(base + "/ready")
            if status == 200:
                break
            assert status == 503, body
            assert json.loads(body)["error"]["code"] == "model_loading", body
            assert time.monotonic() < deadline, f"not ready within {READY_WITHIN_S} s"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr.read()
    assert list(workdir.iterdir()) == [], "the server wrote no file in its working directory"


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server + "/v1", api_key="not-needed", timeout=120, max_retries=0)


def _seconds_mp3(data: bytes) -> float:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    assert rate == 24000
    assert samples.ndim == 1
    assert float(abs(samples).max()) > 0.1, "audible"
    return len(samples) / rate


def _seconds_wav(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
        frames = w.readframes(w.getnframes())
        assert len(frames) == 2 * w.getnframes()
        return w.getnframes() / 24000


def test_openai_client_default_format_is_mp3_that_decodes(client):
    response = client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT)
    data = response.content
    assert data[:2] == b"\xff\xf3" or data[:3] == b"ID3", data[:4]
    seconds = _seconds_mp3(data)
    assert 1.5 < seconds < 10, seconds


def test_openai_client_wav_has_the_length_of_the_mp3(client):
    wav = client.audio.speech.create(
        model="kokoro", voice="af_heart", input=TEXT, response_format="wav"
    ).content
    mp3 = client.audio.speech.create(model="kokoro", voice="af_heart", input=TEXT).content
    wav_s, mp3_s = _seconds_wav(wav), _seconds_mp3(mp3)
    # The MP3 adds at most the encoder's delay and padding (two 576-sample frames and a bit).
    assert 0 <= mp3_s - wav_s < 0.15, (wav_s, mp3_s)


def test_openai_client_streaming_response_gives_the_pcm(client):
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="bf_emma", input=TEXT, response_format="pcm", speed=1.2
    ) as response:
        assert response.headers["content-type"] == "audio/pcm"
        data = b"".join(response.iter_bytes())
    assert len(data) % 2 == 0
    seconds = len(data) / 2 / 24000
    assert 1.0 < seconds < 10, seconds


def test_openai_client_sees_openais_error_shape(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.audio.speech.create(model="tts-1", voice="no_such_voice", input=TEXT)
    assert e.value.status_code == 400
    assert e.value.body["code"] == "voice_not_found"
    assert "GET /v1/audio/voices" in e.value.body["message"]
    with pytest.raises(openai.NotFoundError):
        client.audio.speech.create(model="whisper-1", voice="alloy", input=TEXT)


def test_curl_posts_json_and_gets_a_wav(server, tmp_path):
    out = tmp_path / "hello.wav"
    body = json.dumps({"input": TEXT, "voice": "am_adam:0.6,af_bella:0.4", "response_format": "wav"})
    done = subprocess.run(
        ["curl", "-sS", "--max-time", "120", "-o", str(out), "-w", "%{http_code} %{content_type}",
         "-H", "Content-Type: application/json", "-d", body, server + "/v1/audio/speech"],
        capture_output=True, text=True, timeout=150, check=True,
    )
    assert done.stdout == "200 audio/wav", done.stdout
    assert 1.5 < _seconds_wav(out.read_bytes()) < 10


def test_curl_lists_models_and_voices(server):
    for path, key in [("/v1/models", "data"), ("/v1/audio/voices", "voices")]:
        done = subprocess.run(["curl", "-sS", "--max-time", "10", server + path],
                              capture_output=True, text=True, timeout=30, check=True)
        listed = json.loads(done.stdout)[key]
        assert len(listed) >= 4
    voices = json.loads(subprocess.run(["curl", "-sS", "--max-time", "10", server + "/v1/audio/voices"],
                                       capture_output=True, text=True, timeout=30, check=True).stdout)
    assert "af_heart" in voices["voices"] and len(voices["voices"]) == 54
