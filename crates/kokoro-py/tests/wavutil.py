"""A minimal WAV reader for the tests (the stdlib `wave` module cannot read float WAV files)."""

from __future__ import annotations

import struct

import numpy as np


def read_wav(path) -> tuple[int, np.ndarray]:
    """(sample rate, samples as float32) of a mono 32-bit float or 16-bit PCM WAV file."""
    data = open(path, "rb").read()
    assert data[0:4] == b"RIFF" and data[8:12] == b"WAVE", f"{path} is not a RIFF/WAVE file"
    pos, fmt, rate, bits, samples = 12, None, None, None, None
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if chunk == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
            if fmt == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the tag
                fmt = struct.unpack("<H", body[24:26])[0]
            assert channels == 1, "mono expected"
        elif chunk == b"data":
            if fmt == 3 and bits == 32:
                samples = np.frombuffer(body, dtype="<f4").astype(np.float32)
            elif fmt == 1 and bits == 16:
                samples = np.frombuffer(body, dtype="<i2").astype(np.float32) / 32768.0
            else:
                raise AssertionError(f"unexpected format {fmt}/{bits} bits")
        pos += 8 + size + (size & 1)
    assert rate is not None and samples is not None, f"{path} has no fmt or data chunk"
    return rate, samples
