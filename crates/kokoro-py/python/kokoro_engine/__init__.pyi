"""Type stubs of kokoro_engine: Kokoro-82M text-to-speech for StoryFlow."""

import os
from typing import Any, Iterator, List, Literal, Optional, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, "os.PathLike[str]"]

__version__: str
DEFAULT_VOICE_ID: str  # "af_bella"
SAMPLE_RATE: int  # 24000
MIN_SPEED: float  # 0.5
MAX_SPEED: float  # 2.0
MODEL_VARIANTS: List[str]  # ["v1.0-int8", "v1.0", "v1.0-fp16", "v0.19"]: fetch_model's variants
ONNXRUNTIME_REQUIREMENT: str  # "onnxruntime>=1.21,<2": the ONNX Runtime versions the engine runs on

class TensorInfo(TypedDict):
    name: str
    shape: List[int]
    type: str

_ModelDirSource = Literal["config", "env", "working_dir", "user_data"]
_RuntimeSource = Literal["config", "env", "package", "model_dir_or_system"]

class ModelInfo(TypedDict):
    model_path: str
    model_dir: str
    model_dir_source: _ModelDirSource  # why that directory
    model_dir_reason: str  # the same, in words
    runtime_library: Optional[str]  # the ONNX Runtime library
    runtime_source: _RuntimeSource  # where it comes from
    sample_rate: int
    inputs: List[TensorInfo]
    outputs: List[TensorInfo]

class Settings(TypedDict):
    model_dir: str
    model_dir_source: _ModelDirSource
    model_dir_reason: str
    runtime_library: Optional[str]  # None: ORT_DYLIB_PATH or the model directory's / system's
    runtime_source: _RuntimeSource
    media_root: str
    media_url: str

class WordTiming(TypedDict):
    text: str  # the word as written in the text ("$214", "6:15")
    start: float  # seconds from the start of the .wav file
    end: float

class _GenerateSuccess(TypedDict):
    success: Literal[True]
    audio_path: str
    duration: float
    sample_rate: int
    voice: str
    lang: str  # the language spoken: "en-us", "es", "zh", ...

class GenerateSuccess(_GenerateSuccess, total=False):
    words: List[WordTiming]  # word_timings=True only
    captions_path: str  # captions="vtt" or "srt" only

class GenerateFailure(TypedDict):
    success: Literal[False]
    error: str

def generate_audio(
    text: str,
    voice_id: Optional[str] = "af_bella",
    speed: float = 1.0,
    output_path: Optional[_Path] = None,
    lang: Optional[str] = None,
    word_timings: bool = False,
    captions: Optional[Literal["vtt", "srt"]] = None,
) -> Union[GenerateSuccess, GenerateFailure]:
    """Generate a .wav audio file from text using Kokoro-82M.

    lang: "en-us", "en-gb", "es", "fr-fr", "hi", "it", "ja", "pt-br" or "zh"; None speaks the
    voice's language (its id's first letter; a blend: its first voice's).
    word_timings: also return "words", a list of {"text", "start", "end"} dicts (seconds in the
    .wav file), from the same inference.
    captions: "vtt" or "srt" also writes captions next to the .wav file ("captions_path").

    Returns {"audio_path", "duration", "sample_rate", "success": True, "voice", "lang"} (plus
    "words" and "captions_path" when asked) or {"success": False, "error"}; never raises for bad
    input or a missing model (an unknown lang, text in a script the language cannot read,
    espeak-ng missing for es/fr-fr/it/pt-br/hi, timings the model cannot give are error dicts).
    The GIL is released while synthesizing.
    """

class StreamChunkInfo(TypedDict):
    piece: int  # the index of the piece of text the chunk ends with
    start: float  # seconds from the stream's start to the chunk's first sample
    start_sample: int
    sample_rate: int  # 24000
    gain: float  # the factor applied: -1 dBFS / the loudest sample so far
    words: List[WordTiming]  # seconds from the stream's start; word_timings=True only, else []

def stream_audio(
    text: str,
    voice_id: Optional[str] = "af_bella",
    speed: float = 1.0,
    lang: Optional[str] = None,
    word_timings: bool = False,
) -> Iterator[Tuple[npt.NDArray[np.float32], StreamChunkInfo]]:
    """Speak text as a stream: (samples, info) per piece of text, as each is rendered.

    samples: a 1-D float32 array, mono at 24 kHz; concatenated, the audio of generate_audio
    (same pauses, fades, margins) at the stream's level (each chunk scaled by -1 dBFS over the
    loudest sample so far: never above -1 dBFS; the file's level from the loudest piece on).
    Bad input raises ValueError at the call, a missing model FileNotFoundError; a failure while
    rendering raises RuntimeError. The GIL is released while a piece renders; closing the
    generator stops the rendering.
    """

class KokoroSession:
    """The loaded Kokoro ONNX session, shared by the whole process."""

    @property
    def model_path(self) -> str: ...
    @property
    def sample_rate(self) -> int: ...
    def get_inputs(self) -> List[TensorInfo]: ...
    def get_outputs(self) -> List[TensorInfo]: ...

class KokoroModelLoader:
    """Loads the Kokoro-82M ONNX model once per process and shares it (thread-safe)."""

    @staticmethod
    def get_session() -> KokoroSession:
        """The shared session, loaded on the first call. Raises FileNotFoundError when the model
        is missing, RuntimeError when it cannot be loaded."""
    @staticmethod
    def is_model_available() -> bool:
        """True when the model, runtime and voice files exist and the vocabulary is known; loads
        nothing."""
    @staticmethod
    def get_model_info() -> ModelInfo:
        """Model path and input/output metadata (loads the model)."""
    @staticmethod
    def load_count() -> int:
        """How many ONNX sessions this process has loaded."""

def configure(
    *,
    model_dir: Optional[_Path] = None,
    runtime_library: Optional[_Path] = None,
    media_root: Optional[_Path] = None,
    media_url: Optional[str] = None,
) -> Settings:
    """Explicit settings; None keeps the current one, "" returns to the environment
    (KOKORO_MODEL_DIR, ORT_DYLIB_PATH, MEDIA_ROOT, MEDIA_URL) or the default."""

class FetchError(RuntimeError):
    """The model files could not be fetched; nothing partial is left."""

    kind: str  # "download failed", "checksum mismatch", "invalid archive", "i/o error", ...
    attempts: List[Tuple[str, str, str]]  # (file, route, reason) for every route tried

def fetch_model(
    dir: Optional[_Path] = None,
    variant: str = "v1.0-int8",
    with_ja: bool = False,
    force: bool = False,
) -> str:
    """Download and verify the model files (model, voices, config.json; with_ja: the Japanese
    dictionary) into dir, default the engine's model directory; returns the directory. Progress
    goes to the "kokoro_engine.kokoro_fetch" logger. Raises FetchError, or ValueError for an
    unknown variant. The ONNX Runtime library comes from the onnxruntime package instead."""

def validate_voice_id(voice_id: Optional[str]) -> str:
    """The voice id if valid, else "af_bella"; never raises."""

def normalize_audio(audio_array: npt.ArrayLike, target_db: float = -1.0) -> npt.NDArray[Any]:
    """Peak normalize to target_db; a new array of the same shape and dtype."""

def get_audio_duration(file_path: _Path) -> float:
    """Duration in seconds. Raises FileNotFoundError (missing) or RuntimeError (invalid)."""

def validate_audio_file(file_path: _Path) -> bool:
    """True if the .wav file is valid and readable, else False."""

def save_audio_wav(audio_array: npt.ArrayLike, output_path: _Path, sample_rate: int) -> str:
    """Write a mono float32 .wav (parent directories created); returns output_path."""

def construct_audio_path(project_id: object, segment_id: object) -> str:
    """'{MEDIA_ROOT}/projects/{project_id}/audio/{segment_id}.wav'; ValueError on invalid ids."""

def construct_audio_url(project_id: object, segment_id: object) -> str:
    """'{MEDIA_URL}projects/{project_id}/audio/{segment_id}.wav'; ValueError on invalid ids."""
