"""Streams of input blocks: checked reading, dtype conversion, resampling, and two files' streams side by side.

Files are read block by block (soundfile or PyAV, see ``readers``), so memory stays flat for any file
length.  A decoder that fails part-way (e.g. a truncated FLAC: "lost sync") or a file that ends
before its announced length raises `InputError` saying it appears truncated or corrupt.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from talkbalance.core.resample import StreamResampler
from talkbalance.io.readers import AudioReader
from talkbalance.io.validate import require_finite

INT16_FULL_SCALE = 32768.0


def read_checked(
    reader: AudioReader, picks: Sequence[int], block_frames: int, out_dtype: np.dtype
) -> Iterator[np.ndarray]:
    """Read `reader`'s `picks` channels from the start in blocks, checked for damage and converted to `out_dtype`."""
    return _picked(reader, reader.blocks(block_frames), list(picks), out_dtype)


def _picked(reader: AudioReader, blocks: Iterator[np.ndarray], picks: list[int], out_dtype: np.dtype) -> Iterator[np.ndarray]:
    done_frames = 0
    for data in blocks:
        if picks != list(range(data.shape[1])):
            data = data[:, picks]
        if reader.is_float:
            require_finite(reader, data, done_frames)
        done_frames += len(data)
        yield _convert(data, out_dtype)


def _convert(data: np.ndarray, out_dtype: np.dtype) -> np.ndarray:
    """int16 stays int16 when the output is int16; int16 becomes float32 scaled by 1/32768."""
    if out_dtype == np.float32 and data.dtype == np.int16:
        return data.astype(np.float32) / np.float32(INT16_FULL_SCALE)
    return data


def resampled_frames(n_frames: int, rate_in_hz: int, rate_out_hz: int) -> int:
    """Expected length of `n_frames` after resampling from `rate_in_hz` to `rate_out_hz`."""
    return int(round(n_frames * rate_out_hz / rate_in_hz))


def resample_stream(
    blocks: Iterator[np.ndarray],
    rate_in_hz: int,
    rate_out_hz: int,
    n_channels: int,
    n_out_frames: int,
    dtype: np.dtype,
) -> Iterator[np.ndarray]:
    """Resample a block stream, each block fed as it comes, yielding exactly `n_out_frames` rows in total.

    soxr's total can differ from the rounded expectation by a frame: extra rows are
    dropped, a shortfall is padded with silence.
    """
    resampler = StreamResampler(rate_in_hz, rate_out_hz, n_channels, dtype=dtype, fixed_chunks=False)
    emitted = 0
    for block in blocks:
        out = resampler.push(block)[: n_out_frames - emitted]
        emitted += len(out)
        yield out
    tail = resampler.flush()[: n_out_frames - emitted]
    emitted += len(tail)
    yield tail
    if emitted < n_out_frames:
        yield np.zeros((n_out_frames - emitted, n_channels), dtype=dtype)


class RowBuffer:
    """Pulls variable-size blocks from a stream and hands out exact row counts."""

    def __init__(self, stream: Iterator[np.ndarray]):
        self._stream = stream
        self._parts: list[np.ndarray] = []
        self._rows = 0

    def take(self, n_rows: int) -> np.ndarray:
        """Return the next `n_rows` rows; the streams built here always have enough."""
        while self._rows < n_rows:
            part = next(self._stream, None)
            if part is None:
                break
            if len(part):
                self._parts.append(part)
                self._rows += len(part)
        if self._rows < n_rows:
            raise RuntimeError(f"internal error: input stream ended {n_rows - self._rows} rows early")
        joined = np.concatenate(self._parts) if len(self._parts) > 1 else self._parts[0]
        head, rest = joined[:n_rows], joined[n_rows:]
        self._parts = [rest] if len(rest) else []
        self._rows = len(rest)
        return head


def aligned_blocks(streams: list[Iterator[np.ndarray]], block_frames: int, total_frames: int) -> Iterator[np.ndarray]:
    """Combine per-input streams side by side into (n, speakers) blocks of `block_frames` rows, `total_frames` in all."""
    buffers = [RowBuffer(stream) for stream in streams]
    done_frames = 0
    while done_frames < total_frames:
        n_rows = min(block_frames, total_frames - done_frames)
        parts = [buf.take(n_rows) for buf in buffers]
        block = np.ascontiguousarray(np.hstack(parts) if len(parts) > 1 else parts[0])
        if block.dtype == np.float32:  # float files and soxr output may overshoot full scale
            np.clip(block, -1.0, 1.0, out=block)
        done_frames += n_rows
        yield block
