"""stream_audio: chunks as each piece is rendered, the file's audio before gain, the GIL released,
and a closed generator that stops the work."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import kokoro_engine
from conftest import require_model
from kokoro_engine import generate_audio, stream_audio

from wavutil import read_wav

STORY = " ".join(
    f"Sentence number {n} of the story goes on for a little while, and then it stops." for n in range(6)
)


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """STORY rendered once as a file (with its words) and once as a stream, for the tests below:
    each check reads the same two renders instead of making its own (CI's time is mostly the
    model's)."""
    kokoro_engine.configure(model_dir=str(require_model()), media_root="", media_url="")
    path = tmp_path_factory.mktemp("stream") / "story.wav"
    file = generate_audio(STORY, output_path=str(path), word_timings=True)
    assert file["success"], file
    start = time.perf_counter()
    chunks = []
    first_at = None
    for samples, info in stream_audio(STORY, word_timings=True):
        if first_at is None:
            first_at = time.perf_counter() - start
        chunks.append((samples, info))
    total = time.perf_counter() - start
    return {"file": file, "path": path, "chunks": chunks, "first_at": first_at, "total": total}


def test_chunks_come_as_pieces_are_rendered_and_are_the_files_audio(story):
    chunks, first_at, total = story["chunks"], story["first_at"], story["total"]
    for samples, _ in chunks:
        assert samples.dtype == np.float32 and samples.ndim == 1
        assert np.abs(samples).max() <= 10 ** (-1 / 20) + 1e-6, "a chunk above -1 dBFS"
    assert len(chunks) >= 3
    # The first chunk is one piece of six: it comes well before the whole text is rendered.
    assert first_at < total / 2, (first_at, total)
    pieces = [info["piece"] for _, info in chunks]
    assert pieces == sorted(set(pieces))
    starts = [info["start_sample"] for _, info in chunks]
    assert starts == list(np.cumsum([0] + [len(s) for s, _ in chunks[:-1]]))
    # Before gain, the chunks are the file's samples (the file's gain is the last chunk's).
    unscaled = np.concatenate([s / info["gain"] for s, info in chunks]) * chunks[-1][1]["gain"]
    _, written = read_wav(story["path"])
    assert len(unscaled) == len(written)
    assert np.abs(unscaled - written).max() < 1e-4


def test_bad_input_raises_at_the_call(model):
    with pytest.raises(ValueError):
        stream_audio("   ")
    with pytest.raises(ValueError):
        stream_audio("Hello.", lang="xx-unknown")


def test_words_are_on_the_streams_timeline(story):
    streamed = [w for _, info in story["chunks"] for w in info["words"]]
    assert streamed
    assert streamed == story["file"]["words"]


def test_closing_the_generator_stops_the_work_and_other_threads_run(model):
    list(stream_audio("Warm up."))
    ticks = 0
    running = True

    def count():
        nonlocal ticks
        while running:
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        start = time.perf_counter()
        gen = stream_audio(STORY)
        first, _ = next(gen)
        first_at = time.perf_counter() - start
        during = ticks
        gen.close()
        closed_at = time.perf_counter() - start
    finally:
        running = False
        counter.join()
    assert len(first) > 0
    # Another Python thread ran while the first piece rendered (the GIL was released).
    assert during > 10, during
    # close() returns at once: it does not render the five pieces left.
    assert closed_at - first_at < first_at, (first_at, closed_at)
    with pytest.raises(StopIteration):
        next(gen)
