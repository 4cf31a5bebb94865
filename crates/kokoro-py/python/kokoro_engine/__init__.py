"""Kokoro-82M text-to-speech for StoryFlow, in-process.

The engine is Rust (the `kokoro-py` crate of the kokoro-engine workspace); this package exposes
StoryFlow's API for it:

    from kokoro_engine import generate_audio, construct_audio_path
    result = generate_audio("Hello world.", "af_bella", 1.0, construct_audio_path(project_id, segment_id))
    # {"success": True, "audio_path": ..., "duration": 1.23, "sample_rate": 24000, ...}
    # or {"success": False, "error": "..."}: generate_audio never raises for bad input

- generate_audio(text, voice_id="af_bella", speed=1.0, output_path=None, lang=None,
  word_timings=False, captions=None) -> dict ("words": when each word is spoken; captions="vtt"|"srt"
  writes them)
- stream_audio(text, voice_id="af_bella", speed=1.0, lang=None, word_timings=False): a generator
  of (samples, info) as each piece is rendered: samples a 1-D numpy float32 array (mono, 24 kHz),
  info {"piece", "start" (seconds from the stream's start), "start_sample", "sample_rate", "gain",
  "words"}; bad input raises ValueError at the call; closing the generator stops the rendering
- KokoroModelLoader.get_session(), .is_model_available(), .get_model_info()
- normalize_audio, get_audio_duration, validate_audio_file, save_audio_wav
- construct_audio_path, construct_audio_url, validate_voice_id
- configure(model_dir=..., runtime_library=..., media_root=..., media_url=...): explicit
  settings; otherwise the environment variables KOKORO_MODEL_DIR, ORT_DYLIB_PATH, MEDIA_ROOT and
  MEDIA_URL are used (the model directory's default: ./models where it exists, else the user's
  data directory, e.g. ~/.local/share/kokoro)
- fetch_model(dir=None, variant="v1.0-int8", with_ja=False, force=False) -> str: installs the
  model files (also `python -m kokoro_engine fetch-model`); FetchError when it cannot
- the engine's log records reach Python's logging under the logger "kokoro_engine"
  (children per Rust module, e.g. "kokoro_engine.tts_pipeline.engine"), levels mapped
- kokoro_engine.celery (extra kokoro_engine[celery]): the Celery tasks narrate_segment and
  narrate_project, and a ready app for `celery -A kokoro_engine.celery worker`

The model directory holds the files of `python -m kokoro_engine fetch-model` (model, voices,
config.json); the ONNX Runtime library is the onnxruntime package's (a dependency; see _runtime).
The GIL is released while audio is synthesized or files are read and written, so worker threads
(e.g. a ThreadPoolExecutor) run at the same time.
"""

from __future__ import annotations

import atexit
import os

from . import _logs, _native, _runtime
from ._native import (
    DEFAULT_VOICE_ID,
    MAX_SPEED,
    MIN_SPEED,
    MODEL_VARIANTS,
    ONNXRUNTIME_REQUIREMENT,
    SAMPLE_RATE,
    FetchError,
    KokoroModelLoader,
    KokoroSession,
    __version__,
    configure,
    construct_audio_path,
    construct_audio_url,
    fetch_model,
    generate_audio,
    get_audio_duration,
    validate_audio_file,
    validate_voice_id,
)

__all__ = [
    "DEFAULT_VOICE_ID",
    "MAX_SPEED",
    "MIN_SPEED",
    "MODEL_VARIANTS",
    "ONNXRUNTIME_REQUIREMENT",
    "SAMPLE_RATE",
    "FetchError",
    "KokoroModelLoader",
    "KokoroSession",
    "__version__",
    "configure",
    "construct_audio_path",
    "construct_audio_url",
    "fetch_model",
    "generate_audio",
    "get_audio_duration",
    "normalize_audio",
    "save_audio_wav",
    "stream_audio",
    "validate_audio_file",
    "validate_voice_id",
]

# No thread of the engine (a session preload, an idle session's arena shrink) may be inside ONNX
# Runtime while the interpreter exits: the runtime's own teardown can then crash the process.
atexit.register(_native._stop_background)

# The engine's log records reach `logging` under the logger "kokoro_engine" (see _logs).
_logs.start()

# The onnxruntime package's library, for the engine to open (see _runtime for the order).
_native._set_package_runtime(*(_runtime.package_library() or (None, None)))


def stream_audio(
    text: str,
    voice_id: str | None = "af_bella",
    speed: float = 1.0,
    lang: str | None = None,
    word_timings: bool = False,
):
    """Speak `text` as a stream: a generator of `(samples, info)`, one item per piece of text
    (a sentence or so), each yielded as soon as its piece is rendered.

    - samples: 1-D numpy float32 array, mono at info["sample_rate"] (24000). Concatenated, the
      chunks are the audio of `generate_audio` (same pauses, fades and margins), at a level set
      as the stream goes: each chunk is scaled by target / (loudest sample so far), so it never
      peaks above -1 dBFS, and from the loudest piece on it equals the file's level.
    - info: {"piece": int (the piece of text the chunk ends with), "start": float (seconds from
      the stream's start), "start_sample": int, "sample_rate": int, "gain": float (the factor
      applied), "words": [{"text", "start", "end"}] (seconds from the stream's start; only with
      word_timings=True)}.

    The voice, speed and text are checked when it is called: bad input raises ValueError then, a
    missing model FileNotFoundError. A failure while rendering raises RuntimeError from the
    generator. The GIL is released while each piece renders; closing the generator (or dropping
    it) stops the rendering.
    """
    stream = _native._stream_audio(
        text, voice_id, float(speed), lang, bool(word_timings)
    )
    return _stream_chunks(stream)


def _stream_chunks(stream):
    import numpy as np

    try:
        while True:
            item = stream.next_chunk()
            if item is None:
                return
            raw, info = item
            yield np.frombuffer(raw, dtype=np.float32), info
    finally:
        stream.close()


def normalize_audio(audio_array, target_db: float = -1.0):
    """
    Peak normalize an audio array to the target dB level.

    Args:
        audio_array: 1D float32 numpy array of audio samples (float64 and float16 work too, and
            so does any shape: the peak is taken over the whole array).
        target_db: Target peak level in dB (default -1.0 dB, a peak of about 0.8913).

    Returns:
        Normalized audio array: a new array of the same shape and dtype (integer input gives
        float64). The input is never modified. Silence (all zeros) comes back unchanged.

    Raises:
        ValueError: If target_db is above 0 or not finite, or a sample is NaN or infinite.
    """
    import numpy as np

    array = np.asarray(audio_array)
    dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.dtype(np.float64)
    if array.dtype == np.float32:
        raw = _native._normalize_f32(np.ascontiguousarray(array).tobytes(), float(target_db))
    else:
        as64 = np.ascontiguousarray(array, dtype=np.float64)
        raw = _native._normalize_f64(as64.tobytes(), float(target_db))
    out = np.frombuffer(raw, dtype=np.float32).reshape(array.shape)
    return out.astype(dtype, copy=True)


def save_audio_wav(audio_array, output_path, sample_rate: int) -> str:
    """
    Save a float32 audio array as a .wav file.

    Creates parent directories if they don't exist. The file is written atomically (a temporary
    file renamed over output_path), so an existing file is overwritten cleanly.

    Args:
        audio_array: 1D float32 numpy array (mono; other float dtypes are converted).
        output_path: Destination file path (str or os.PathLike).
        sample_rate: Audio sample rate in Hz.

    Returns:
        The output_path as a str (for chaining).

    Raises:
        ValueError: If the array is empty, not mono, holds NaN or infinite samples, or the
            sample rate is not positive.
        OSError: If the file cannot be written.
    """
    import numpy as np

    array = np.asarray(audio_array)
    if array.ndim > 1 and array.size != array.shape[0]:
        raise ValueError(
            f"save_audio_wav writes mono audio: got an array of shape {array.shape}"
        )
    samples = np.ascontiguousarray(array.reshape(-1), dtype=np.float32)
    return _native._save_wav_f32(samples.tobytes(), os.fspath(output_path), int(sample_rate))
