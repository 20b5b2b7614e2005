"""WAV files: crash-safe recording of the captured channels to ``audio.wav``, its repair, and header parsing.

The WAV header is patched after every block (Python's ``wave`` does this when
the length is not fixed up front) and each block is handed to the OS at once,
so a killed process loses nothing; the caller decides how often ``sync`` pushes
it to the disk, which bounds what a power cut can take. ``repair_wav`` fixes the header of
a file whose writer died between writing data and patching the header, read with
``wav_data_layout`` (also used to spot truncated input WAVs).
"""
from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np

SAMPLE_BYTES = 2          # 16-bit PCM


class WavRecorder:
    """Appends int16 blocks (n, channels) to a 16-bit PCM WAV file as they arrive."""

    def __init__(self, path: Path, sample_rate_hz: int, channels: int):
        self.path = path
        self.frames = 0
        self._file = open(path, "wb")
        self._wav = wave.open(self._file, "wb")
        self._wav.setnchannels(channels)
        self._wav.setsampwidth(SAMPLE_BYTES)
        self._wav.setframerate(sample_rate_hz)

    def write(self, block: np.ndarray) -> None:
        """Append one block; the header always describes the data written so far."""
        self._wav.writeframes(np.ascontiguousarray(block, dtype="<i2").tobytes())
        self._file.flush()          # in the OS's hands now: a killed process loses nothing
        self.frames += len(block)

    def sync(self) -> None:
        """Push everything written so far to the disk."""
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._wav.close()
        self.sync()
        self._file.close()


def wav_data_layout(path: str) -> tuple[int, int, int] | None:
    """(declared data bytes, data offset, block align) of a RIFF/WAVE file, or None if unparseable."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align = 0
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            chunk_id, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if chunk_id == b"data":
                return size, fh.tell(), block_align
            body = fh.read(size + (size & 1))
            if chunk_id == b"fmt " and len(body) >= 14:
                block_align = int.from_bytes(body[12:14], "little")


def repair_wav(path: Path) -> tuple[int, int]:
    """Make the header of ``path`` match the whole frames present; return (frames before, after).

    Raises ``ValueError`` if the file is not a RIFF/WAVE file with a data chunk.
    """
    layout = wav_data_layout(str(path))
    if layout is None or layout[2] <= 0:
        raise ValueError("not a RIFF/WAVE file with a format and a data chunk")
    declared, offset, block_align = layout
    size = os.path.getsize(path)
    frames = (size - offset) // block_align
    data_bytes = frames * block_align
    with open(path, "r+b") as f:
        f.truncate(offset + data_bytes)
        f.seek(4)
        f.write((offset + data_bytes - 8).to_bytes(4, "little"))
        f.seek(offset - 4)
        f.write(data_bytes.to_bytes(4, "little"))
        f.flush()
        os.fsync(f.fileno())
    return declared // block_align, frames
